#!/usr/bin/env bash
# Latency of the MCP server, one request at a time on one session, over stdio and over
# streamable HTTP (bearer token, TCP_NODELAY), on a temp home seeded by init-configs:
# ping, tools/list, list_clients, list_profiles, get_config (verified read) and
# resources/read of a profile head; and the time from spawn to `tools/list` with the idle RSS. The original tool's targets were p95 < 200 ms for the
# list tools and < 300 ms for get_config.
# Usage: bench/mcp.sh [--runs N]   (release build; writes bench/results/mcp.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${2:-300}
if [ -z "${MCP_ORCHESTRATION_BIN:-}" ]; then
  cargo build --release -q -p mcp-orchestration
  MCP_ORCHESTRATION_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/mcp-orchestration"
fi
bin=$MCP_ORCHESTRATION_BIN
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work
home=$work/home
"$bin" --home "$home" init-configs >/dev/null 2>&1
out=$PWD/bench/results/mcp.md
mkdir -p bench/results
{ echo "# MCP server latency"; echo; echo "\`bench/mcp.sh --runs $runs\` on $(uname -srm), $(nproc) cores, $(date -u +%F), binary \`${bin#$PWD/}\`."; echo; } >"$out"
python3 bench/mcp_latency.py stdio "$bin" "$home" --runs "$runs" --out "$out"
python3 bench/mcp_spawn.py "$bin" "$home" --runs 30 --out "$out"
"$bin" --home "$home" serve --http 127.0.0.1:0 2>"$work/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.err" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/mcp' "$work/serve.err")
python3 bench/mcp_latency.py http "$url" "$(cat "$home/server/http-token")" --runs "$runs" --out "$out"
echo "wrote $out"
