#!/usr/bin/env bash
# The web dashboard in a real browser: headless Chromium (Debian `chromium`) driven by
# Playwright for Node (npm `playwright-core`, pointed at /usr/bin/chromium: browsers cannot be
# downloaded here) with axe-core for accessibility (testdata/dashboard/dashboard.test.mjs).
#
# Seeds a fake HOME with two clients deployed from one profile that references a canary secret
# (Claude Desktop's file holds it in clear, plus a literal secret of the user's own), then edits
# Cursor's file by hand (diverged) and leaves a draft to publish; starts `serve --http` on a
# free port, creates a write token and a read token, and runs the browser test: login, the
# overview's statuses equal `status --json`, the diverged client's diff (unified and side by
# side), deploy with confirmation (badge up-to-date, file changed on disk), rollback (file
# back), a read session has no actions, screenshots of every page (light, dark, phone) into
# target/dashboard-screenshots/, axe-core on every page (no serious or critical violation), no
# horizontal scroll at 375 px, keyboard focus, no CSP violation, no canary on any page.
#
# Needs scripts/install-test-deps.sh to have run (chromium, target/test-clients/dashboard).
# Uses MCP_ORCHESTRATION_BIN when set, else builds the binary. Ends with `N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${MCP_TEST_CLIENTS_DIR:-$ROOT/target/test-clients}/dashboard"
SHOTS="$ROOT/target/dashboard-screenshots"
cd "$ROOT"

[ -x /usr/bin/chromium ] || { echo "FAIL: /usr/bin/chromium missing: run scripts/install-test-deps.sh"; exit 1; }
[ -d "$DEPS/node_modules/playwright-core" ] && [ -d "$DEPS/node_modules/axe-core" ] \
  || { echo "FAIL: playwright-core/axe-core missing in $DEPS: run scripts/install-test-deps.sh"; exit 1; }
if [ -z "${MCP_ORCHESTRATION_BIN:-}" ]; then
  cargo build --quiet -p mcp-orchestration --bin mcp-orchestration || exit 1
  MCP_ORCHESTRATION_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcp-orchestration"
fi
BIN="$(cd "$(dirname "$MCP_ORCHESTRATION_BIN")" && pwd)/$(basename "$MCP_ORCHESTRATION_BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-dashboard.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
for var in $(env | grep -o '^MCP_ORCHESTRATION_[A-Z_]*' | grep -v '^MCP_ORCHESTRATION_BIN$'); do unset "$var"; done
export HOME="$WORK/fakehome" NO_COLOR=1
H="$WORK/orchestration-home"
mkdir -p "$HOME/.cursor" "$HOME/.config/Claude"
run() { "$BIN" --home "$H" "$@" >>"$WORK/seed.log" 2>&1 || { echo "FAIL: seeding: $*"; cat "$WORK/seed.log"; exit 1; }; }

CANARY="canary-dash-7a4e19c2d5"
IN_FILE="canary-dash-file-b83f60"
run init-configs
printf '%s' "$CANARY" | run secrets set CANARY_TOKEN
cp "$ROOT/testdata/dashboard/servers.json" "$WORK/servers.json"
printf '{"mcpServers": {}}\n' >"$HOME/.cursor/mcp.json"
printf '{"mcpServers": {"mine": {"command": "my-server", "env": {"API_KEY": "%s"}}}}\n' "$IN_FILE" \
  >"$HOME/.config/Claude/claude_desktop_config.json"
for client in cursor claude-desktop; do
  run publish "$client" --profile default --file "$WORK/servers.json"
  run deploy "$client" --profile default
done
# Cursor's file edited by hand: the filesystem server now points elsewhere (diverged).
sed -i 's|"/tmp"|"/home"|' "$HOME/.cursor/mcp.json"
grep -q '"/home"' "$HOME/.cursor/mcp.json" || { echo "FAIL: seeding: could not diverge Cursor's file"; exit 1; }
run draft add-server cursor --profile default fetch

WRITE_TOKEN="$("$BIN" --home "$H" tokens create --name browser --scope write 2>>"$WORK/seed.log")"
READ_TOKEN="$("$BIN" --home "$H" tokens create --name viewer --scope read 2>>"$WORK/seed.log")"
(cd "$HOME" && exec "$BIN" --home "$H" serve --http 127.0.0.1:0) 2>"$WORK/serve.log" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 100); do
  BASE="$(grep -o 'listening on http://[0-9.:]*' "$WORK/serve.log" | sed 's|listening on ||')"
  [ -n "$BASE" ] && break
  sleep 0.1
done
[ -n "$BASE" ] || { echo "FAIL: serve --http did not start"; cat "$WORK/serve.log"; exit 1; }

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
DEPS="$DEPS" BASE="$BASE" WRITE_TOKEN="$WRITE_TOKEN" READ_TOKEN="$READ_TOKEN" BIN="$BIN" \
  ORCH_HOME="$H" SHOTS="$SHOTS" CANARIES="$CANARY,$IN_FILE" AXE="$DEPS/node_modules/axe-core/axe.min.js" \
  CURSOR_FILE="$HOME/.cursor/mcp.json" \
  node "$ROOT/testdata/dashboard/dashboard.test.mjs"
status=$?
if grep -qF -e "$CANARY" -e "$IN_FILE" "$WORK/serve.log"; then
  echo "FAIL: the server's log shows a canary"
  status=1
fi
exit $status
