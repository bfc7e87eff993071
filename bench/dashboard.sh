#!/usr/bin/env bash
# The dashboard's overview page (`GET /`) with a config file for each of the 27 clients, beside
# `GET /v1/status` (the same core `status` of every file, as JSON) in the same run: wrk on
# loopback, 1 and 8 connections, a logged-in session cookie for the page and a read token for
# the API. A temp HOME; each client's file created by `deploy CLIENT --create` from the shared
# `default` profile that `init-configs` seeds.
# Usage: bench/dashboard.sh [--duration 5s]   (release build; writes bench/results/dashboard.md)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=5s
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    *) echo "usage: bench/dashboard.sh [--duration 5s]" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
need_tools bench/dashboard.sh wrk curl
target=${CARGO_TARGET_DIR:-$PWD/target}
[ -n "${MCP_ORCHESTRATION_BIN:-}" ] || cargo build --release -q -p mcp-orchestration
bin=${MCP_ORCHESTRATION_BIN:-$target/release/mcp-orchestration}

bench_workdir
export HOME="$work/fakehome" NO_COLOR=1
mkdir -p "$HOME"
h="$work/home"
"$bin" --home "$h" init-configs >/dev/null 2>&1
clients=$("$bin" --home "$h" clients | tail -n +2 | awk '{print $1}')
n=0
for client in $clients; do
  "$bin" --home "$h" deploy "$client" --profile default --create >/dev/null 2>&1 || { echo "deploy $client failed" >&2; exit 1; }
  n=$((n + 1))
done
files=$("$bin" --home "$h" status --json | grep -c '"client_id"')
token=$("$bin" --home "$h" tokens create --name bench --scope read 2>/dev/null)
serve_http "$h" "$work/serve.log" "$HOME"
jar="$work/jar"
nonce=$(curl -s -c "$jar" "$base/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}')
curl -s -c "$jar" -b "$jar" -H "Origin: $base" --data "token=$token&csrf=$nonce" "$base/login" -o /dev/null
session=$(awk '$6 == "mcpo_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "login failed" >&2; exit 1; }
rows=$(curl -s -b "mcpo_session=$session" "$base/" | grep -o 'data-client=' | wc -l)
[ "$rows" = "$files" ] || { echo "the overview shows $rows rows for $files files" >&2; exit 1; }

row() { # NAME CONNECTIONS HEADER PATH
  local out
  out=$(wrk -t1 -c"$2" -d"$duration" --latency -H "$3" "$base$4")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  if echo "$out" | grep -q 'Non-2xx'; then echo "$1: non-2xx answers" >&2; exit 1; fi
  echo "| $1 | $2 | $p50 | $p99 | $rps |"
}
{
  echo "# bench/dashboard.sh, $(date -u +%Y-%m-%d), $files client files ($n clients)"
  echo
  echo "| request | connections | p50 | p99 | requests/s |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for c in 1 8; do
    row "GET /v1/status (baseline: the same core status, JSON)" "$c" "Authorization: Bearer $token" "/v1/status"
    row "GET / (the overview page, HTML)" "$c" "Cookie: mcpo_session=$session" "/"
  done
} | tee "$work/result.md"
mkdir -p bench/results
cp "$work/result.md" bench/results/dashboard.md
