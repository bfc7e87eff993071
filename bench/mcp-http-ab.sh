#!/usr/bin/env bash
# HTTP `get_config` of two (or more) server binaries side by side (issue 15 §3): for each round,
# each binary in turn serves one home, gets one MCP session (curl), then `wrk -t1 -cC` runs
# `tools/call get_config` (bench/wrk_get_config.lua) and, on the same server right after, the
# REST head read of the same profile (bench/wrk_rest.lua: the same core read without MCP).
# Every answer is checked. Prints one table row per binary per round.
# Usage: bench/mcp-http-ab.sh [--rounds 3] [--duration 3s] [--connections 8] BIN [BIN...]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 duration=3s connections=8
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    -*) echo "usage: bench/mcp-http-ab.sh [--rounds N] [--duration 3s] [--connections C] BIN [BIN...]" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: bench/mcp-http-ab.sh [--rounds N] [--duration 3s] [--connections C] BIN [BIN...]" >&2; exit 2; }
. bench/lib.sh # need_tools, bench_workdir, serve_http
need_tools bench/mcp-http-ab.sh wrk curl
bench_workdir
export HOME=$work
home=$work/home
"$1" --home "$home" init-configs >/dev/null 2>&1
sleep 2.2 # a read is remembered once its files are 2 s old where inotify is not used

run() { # SCRIPT URL -> requests/s; stops the script when a check failed
  local file=$work/wrk.txt
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$1" "$2" >"$file"
  if ! grep -q '^summary:.* errors=0$' "$file" \
    || ! grep -Eq '^checked: [0-9]+ responses, 0 (wrong status, 0 without ETag|non-200, 0 isError, 0 without result)' "$file"; then
    echo "wrk $2: failed checks:" >&2
    cat "$file" >&2
    exit 1
  fi
  awk '/^summary:/ {for (i = 2; i <= NF; i++) {split($i, kv, "="); f[kv[1]] = kv[2]}
    printf "%.0f %s\n", f["requests"] / f["duration_us"] * 1e6, f["p50_us"]}' "$file"
}

echo "| round | binary | MCP \`get_config\`/s | p50 µs | REST head/s, same server | p50 µs | ratio |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    serve_http "$home" "$work/serve.err"
    token=$(cat "$home/server/http-token")
    export REST_TOKEN=$token MCP_TOKEN=$token MCP_CLIENT=claude-desktop MCP_PROFILE=default REST_ETAG=1
    post() {
      curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST "$base/mcp" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -H "Authorization: Bearer $token" "$@"
    }
    init='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"ab","version":"0"}}}'
    [ "$(post -d "$init")" = 200 ] || { echo "initialize failed: $(cat "$work/body")" >&2; exit 1; }
    export MCP_SESSION
    MCP_SESSION=$(tr -d '\r' <"$work/headers" | awk 'tolower($1) == "mcp-session-id:" {print $2}')
    [ "$(post -H "Mcp-Session-Id: $MCP_SESSION" -H 'MCP-Protocol-Version: 2025-06-18' \
      -d '{"jsonrpc":"2.0","method":"notifications/initialized"}')" = 202 ] || { echo "initialized failed" >&2; exit 1; }
    wrk -t1 -c"$connections" -d1s -s bench/wrk_get_config.lua "$base/mcp" >/dev/null # warm-up
    read -r mcp mcp_p50 < <(run bench/wrk_get_config.lua "$base/mcp")
    read -r rest rest_p50 < <(run bench/wrk_rest.lua "$base/v1/clients/claude-desktop/profiles/default/head")
    ratio=$(awk -v a="$mcp" -v b="$rest" 'BEGIN {printf "%.2f", a / b}')
    echo "| $round | \`$bin\` | $mcp | $mcp_p50 | $rest | $rest_p50 | $ratio |"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
  done
done
