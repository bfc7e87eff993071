#!/usr/bin/env bash
# Installs the package registries and tools the `lock`/`audit` tests start on 127.0.0.1
# (crates/cli/tests/cli/lock*.rs), into target/test-registries/ (ignored by git):
#   npm/    verdaccio 6.8.0 (an npm registry; `overrides` pins node-fetch to 2.7.0 so that it
#           installs on Node 20) and esbuild (bundles the test's TypeScript-SDK MCP server into
#           one file, so the package published to the local registry has no dependencies)
#   venv/   pypiserver (a PyPI simple-API server), uv (`uv build` builds the test's wheels, and
#           `uvx`, found first on PATH by lock_probe.rs, runs the test's stdio server from the
#           local index: `lock --probe` of a PyPI package) and the Python MCP SDK (the test's
#           HTTP+SSE server whose tools change: the rug-pull case over SSE)
# The tests find them through MCP_TEST_REGISTRIES_DIR (default: this directory) and fail, never
# skip, when they are absent on CI. The image tests (lock_oci.rs) use the OCI registry and
# skopeo that scripts/install-test-deps.sh installs with apt. Every install command runs on
# every call (cheap when satisfied).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MCP_TEST_REGISTRIES_DIR:-$ROOT/target/test-registries}"
VERDACCIO_VERSION="6.8.0"
NODE_FETCH_OVERRIDE="2.7.0"
ESBUILD_VERSION="0.28"
TS_SDK_VERSION="1"
PY_SPECS=("pypiserver>=2.4,<3" "uv>=0.13,<0.14" "mcp>=1.12,<3")

say() { echo "install-lock-registries: $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }
need node "install Node.js >= 20 (Debian: apt-get install nodejs npm)"
need npm "install npm"
need python3 "install python3 and python3-venv"

mkdir -p "$DIR/npm"
say "verdaccio $VERDACCIO_VERSION and esbuild $ESBUILD_VERSION into $DIR/npm"
cat >"$DIR/npm/package.json" <<JSON
{"name": "mcp-test-registries", "private": true,
 "overrides": {"node-fetch": "$NODE_FETCH_OVERRIDE"}}
JSON
(cd "$DIR/npm" && npm install --no-audit --no-fund --loglevel=error \
  "verdaccio@$VERDACCIO_VERSION" "esbuild@$ESBUILD_VERSION" "@modelcontextprotocol/sdk@$TS_SDK_VERSION" >&2)
[ -x "$DIR/npm/node_modules/.bin/verdaccio" ] || { say "verdaccio missing after install"; exit 1; }
[ -x "$DIR/npm/node_modules/.bin/esbuild" ] || { say "esbuild missing after install"; exit 1; }

say "Python packages ${PY_SPECS[*]} into $DIR/venv"
[ -x "$DIR/venv/bin/python" ] || python3 -m venv "$DIR/venv"
"$DIR/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_SPECS[@]}" >&2
for tool in pypi-server uv uvx; do
  [ -x "$DIR/venv/bin/$tool" ] || { say "$tool missing after install"; exit 1; }
done
say "ready: verdaccio $("$DIR/npm/node_modules/.bin/verdaccio" --version), esbuild $("$DIR/npm/node_modules/.bin/esbuild" --version), $("$DIR/venv/bin/uv" --version), pypiserver $("$DIR/venv/bin/python" -c 'import pypiserver; print(pypiserver.__version__)')"
