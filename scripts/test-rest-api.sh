#!/usr/bin/env bash
# The REST API /v1 against its own OpenAPI document, by schemathesis (PyPI; installed by
# scripts/install-test-deps.sh into target/test-clients/venv-schemathesis). Seeds a throwaway
# home (init-configs, a secret, a client profile and a shared one, both published and the
# client's deployed into its file, a project with a project-scope file), starts
# `serve --http 127.0.0.1:0 --project-dir PROJECT` and runs every operation of
# /v1/openapi.json, the state-changing ones included (they change only the throwaway home),
# with a write token and every check (`--checks all`: no 5xx, status codes, content types,
# headers and bodies as documented, negative data rejected, auth not ignored, …).
# Prints schemathesis's summary; exits 1 when it finds any failure. Uses MCP_ORCHESTRATION_BIN
# when set, else builds the binary with cargo. SCHEMATHESIS_MAX_EXAMPLES (default 40) bounds
# the cases per operation.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${MCP_TEST_CLIENTS_DIR:-$ROOT/target/test-clients}"
ST="$CLIENTS/venv-schemathesis/bin/schemathesis"
cd "$ROOT"
[ -x "$ST" ] || { echo "test-rest-api: schemathesis is missing at $ST: run scripts/install-test-deps.sh" >&2; exit 1; }
if [ -z "${MCP_ORCHESTRATION_BIN:-}" ]; then
  cargo build --quiet -p mcp-orchestration --bin mcp-orchestration || exit 1
  MCP_ORCHESTRATION_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcp-orchestration"
fi
BIN="$(cd "$(dirname "$MCP_ORCHESTRATION_BIN")" && pwd)/$(basename "$MCP_ORCHESTRATION_BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rest-api.XXXXXX")"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT
for var in $(env | grep -o '^MCP_ORCHESTRATION_[A-Z_]*' | grep -v '^MCP_ORCHESTRATION_BIN$'); do unset "$var"; done
export HOME="$WORK/home" MCP_ORCHESTRATION_HOME="$WORK/mcpo" NO_COLOR=1
mkdir -p "$HOME" "$WORK/proj/.cursor"
die() { echo "test-rest-api: $*" >&2; [ -f "$WORK/err" ] && cat "$WORK/err" >&2; exit 1; }

"$BIN" init-configs >/dev/null 2>"$WORK/err" || die "init-configs failed"
printf %s "rest-canary-s3cr3t" | "$BIN" secrets set API_TOKEN >/dev/null 2>"$WORK/err" || die "secrets set failed"
cat >"$WORK/doc.json" <<'JSON'
{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
                "api": {"command": "api-server", "args": [], "env": {"API_TOKEN": "${secret:API_TOKEN}"}}}}
JSON
"$BIN" publish cursor --profile default --file "$WORK/doc.json" >/dev/null 2>"$WORK/err" || die "publish failed"
"$BIN" publish --all --profile team --file "$WORK/doc.json" >/dev/null 2>"$WORK/err" || die "shared publish failed"
"$BIN" deploy cursor --profile default --create >/dev/null 2>"$WORK/err" || die "deploy failed"
echo '{"mcpServers": {}}' >"$WORK/proj/.cursor/mcp.json"
TOKEN="$("$BIN" tokens create --name schemathesis --scope write 2>"$WORK/err")" || die "tokens create failed"

"$BIN" serve --http 127.0.0.1:0 --project-dir "$WORK/proj" 2>"$WORK/serve.log" &
SERVER_PID=$!
ADDR=""
for _ in $(seq 1 100); do
  ADDR="$(sed -n 's#.*listening on http://\([^/]*\)/mcp.*#\1#p' "$WORK/serve.log" | head -1)"
  [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "$ADDR" ] || { cat "$WORK/serve.log" >&2; die "the server did not start"; }
echo "test-rest-api: serve --http on $ADDR; schemathesis $("$ST" --version | awk '{print $NF}')"

# Settings (and why) in scripts/schemathesis.toml.
# Run from the work directory: schemathesis keeps a cache (.schemathesis/) where it runs.
(cd "$WORK" && "$ST" --config-file "$ROOT/scripts/schemathesis.toml" run "http://$ADDR/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
  --seed 1 \
  --generation-database none \
  --workers 1 \
  --no-color \
  --report junit --report-dir "$WORK/report" \
  2>&1) | tee "$WORK/run.log"
status=${PIPESTATUS[0]}
if grep -q "panicked" "$WORK/serve.log"; then
  echo "test-rest-api: the server panicked:" >&2
  grep -A5 "panicked" "$WORK/serve.log" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "test-rest-api: FAILED (schemathesis exit $status)"
  exit 1
fi
echo "test-rest-api: passed"
