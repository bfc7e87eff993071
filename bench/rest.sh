#!/usr/bin/env bash
# REST API benchmark (issue 17): `GET /v1/clients/cursor/profiles/default/head` (a verified
# read: four files, hash, signature check from the cache, rollback and expiry checks) with wrk
# on loopback, beside two baselines measured in the same run on the same server:
# - a 404 problem document from `/v1/no-such-endpoint` (token check, routing, no core work);
# - MCP `tools/call get_config` of the same profile on one streamable-HTTP session
#   (bench/wrk_get_config.lua);
# and the head again with `If-None-Match` (304, the same verified read, no body).
# Every answer is checked (status, ETag). Usage: bench/rest.sh [--duration 5s]
#   (release build; writes bench/results/rest.md; needs wrk and curl)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=5s
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    *) echo "usage: bench/rest.sh [--duration 5s]" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
need_tools bench/rest.sh wrk curl

target=${CARGO_TARGET_DIR:-$PWD/target}
[ -n "${MCP_ORCHESTRATION_BIN:-}" ] || cargo build --release -q -p mcp-orchestration
bin=${MCP_ORCHESTRATION_BIN:-$target/release/mcp-orchestration}

bench_workdir
export HOME=$work
home=$work/home
"$bin" --home "$home" init-configs >/dev/null 2>&1
echo '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}}}' >"$work/doc.json"
"$bin" --home "$home" publish cursor --profile default --file "$work/doc.json" >/dev/null 2>&1
out=$PWD/bench/results/rest.md
mkdir -p bench/results
busy=$(cpu_busy)
[ "$busy" -lt 10 ] || echo "warning: the CPU was $busy% busy before the run; the figures will be skewed" >&2
commit=$(bench_commit)

serve_http "$home" "$work/serve.err"
token=$(cat "$home/server/http-token")
export REST_TOKEN=$token MCP_TOKEN=$token MCP_CLIENT=cursor MCP_PROFILE=default
head_url=$base/v1/clients/cursor/profiles/default/head
etag=$(curl -sS -D - -o /dev/null -H "Authorization: Bearer $token" "$head_url" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
[ -n "$etag" ] || { echo "the head answered without an ETag" >&2; exit 1; }

# One MCP session for the get_config baseline.
post() {
  curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST "$base/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H "Authorization: Bearer $token" "$@"
}
init='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"rest-bench","version":"0"}}}'
[ "$(post -d "$init")" = 200 ] || { echo "initialize failed: $(cat "$work/body")" >&2; exit 1; }
export MCP_SESSION
MCP_SESSION=$(tr -d '\r' <"$work/headers" | awk 'tolower($1) == "mcp-session-id:" {print $2}')
[ "$(post -H "Mcp-Session-Id: $MCP_SESSION" -H 'MCP-Protocol-Version: 2025-06-18' \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}')" = 202 ] || { echo "initialized failed" >&2; exit 1; }

run() { # SCRIPT URL CONNECTIONS -> the summary line; stops the script when a check failed
  local script=$1 url=$2 c=$3 file=$work/wrk.txt
  wrk -t1 -c"$c" -d"$duration" --latency -s "$script" "$url" >"$file"
  if ! grep -q '^summary:.* errors=0$' "$file" \
    || ! grep -Eq '^checked: [0-9]+ responses, 0 (wrong status, 0 without ETag|non-200, 0 isError, 0 without result)' "$file"; then
    echo "wrk $url -c$c: failed checks:" >&2
    cat "$file" >&2
    exit 1
  fi
  grep '^summary:' "$file"
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
rps() { awk -v n="$(field requests "$1")" -v d="$(field duration_us "$1")" 'BEGIN {printf "%.0f", n / d * 1e6}'; }

echo "warmup, then each measure for $duration with 1 and 8 connections ..." >&2
REST_ETAG=1 run bench/wrk_rest.lua "$head_url" 8 >/dev/null
{
  echo
  echo "## REST \`/v1\` head reads (wrk, loopback) — $(date -u +%Y-%m-%d), commit $commit, CPU $busy% busy before"
  echo
  echo "| measure | connections | p50 µs | p99 µs | requests/s | × the 404 baseline | × MCP get_config |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
} | tee -a "$out"
for c in 1 8; do
  missing=$(REST_STATUS=404 run bench/wrk_rest.lua "$base/v1/no-such-endpoint" "$c")
  mcp=$(run bench/wrk_get_config.lua "$base/mcp" "$c")
  head=$(REST_ETAG=1 run bench/wrk_rest.lua "$head_url" "$c")
  cached=$(REST_STATUS=304 REST_ETAG=1 REST_IF_NONE_MATCH=$etag run bench/wrk_rest.lua "$head_url" "$c")
  for pair in "404 problem (baseline):$missing" "MCP \`get_config\` (baseline):$mcp" "\`GET …/head\` 200:$head" "\`GET …/head\` If-None-Match 304:$cached"; do
    label=${pair%%:summary*}
    s=summary${pair#*:summary}
    ratio404=$(awk -v a="$(rps "$s")" -v b="$(rps "$missing")" 'BEGIN {printf "%.2f", a / b}')
    ratiomcp=$(awk -v a="$(rps "$s")" -v b="$(rps "$mcp")" 'BEGIN {printf "%.2f", a / b}')
    echo "| $label | $c | $(field p50_us "$s") | $(field p99_us "$s") | $(rps "$s") | $ratio404 | $ratiomcp |"
  done | tee -a "$out"
done
echo "wrote $out" >&2
