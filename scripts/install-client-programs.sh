#!/usr/bin/env bash
# Installs the MCP clients' own programs that the dialect tests run against the files this
# project writes (crates/dialects/tests/programs/), into target/test-clients/programs/ (ignored
# by git, removed by `cargo clean`). Only the npm registry is used.
#
# Every install command runs on every call (npm finds a satisfied package cheaply), so a CI
# run proves that a fresh machine gets the same programs. A package that cannot be installed
# is reported here, loudly, with a non-zero exit; the test of that client then fails because
# its program is missing (it is never skipped).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MCP_CLIENT_PROGRAMS_DIR:-$ROOT/target/test-clients/programs}"
say() { echo "install-client-programs: $*" >&2; }
command -v npm >/dev/null 2>&1 || { say "missing npm: install Node.js >= 20 (Debian: apt-get install nodejs npm)"; exit 1; }

# package spec -> what it provides. Versions float on purpose: the point is that the clients
# as users install them today accept what we write.
PACKAGES=(
  "@anthropic-ai/claude-code"   # claude mcp list / get
  "@google/gemini-cli"          # gemini mcp list
  "@openai/codex"               # codex mcp list --json
  "opencode-ai"                 # opencode mcp list
  "@qwen-code/qwen-code"        # qwen mcp list
  "@github/copilot"             # copilot (reads ~/.copilot/mcp-config.json)
  "@continuedev/config-yaml"    # Continue's own config schema (zod)
  "@sourcegraph/amp"            # amp mcp list --json
  "@augmentcode/auggie"         # auggie mcp list --json
  "@kilocode/cli"               # kilo mcp list (reads Kilo Code's mcp_settings.json and .kilocode/mcp.json)
)
# A newest release whose own dependencies are not on npm yet -> the release to use meanwhile.
# @kilocode/cli 7.8.1 names @kilocode/cli-linux-x64@7.8.1, which npm does not have (ETARGET).
FALLBACK=(
  "@kilocode/cli=@kilocode/cli@7.7.7"
)
# Client programs that cannot run on this machine, and why; each is tried and reported on every
# call, so the day it installs it is noticed. Their files are checked by the dialect tests only.
UNAVAILABLE=(
  "@charmland/crush=its install script downloads the crush binary from github.com, which this machine cannot reach"
)

mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name":"mcp-client-programs","private":true}' >"$DIR/package.json"
failed=()
install() { (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error "$1" >&2); }
for spec in "${PACKAGES[@]}"; do
  say "npm install $spec"
  if ! install "$spec"; then
    fallback=""
    for pair in "${FALLBACK[@]}"; do [ "${pair%%=*}" = "$spec" ] && fallback="${pair#*=}"; done
    if [ -n "$fallback" ] && say "$spec failed; trying $fallback" && install "$fallback"; then
      say "NOTE: $spec's newest release does not install; using $fallback"
    else
      failed+=("$spec")
    fi
  fi
done
for pair in "${UNAVAILABLE[@]}"; do
  spec="${pair%%=*}"
  say "npm install $spec (expected to fail here)"
  if install "$spec" 2>/dev/null; then
    say "NOTE: $spec installed after all: add its test to scripts/test-client-programs.sh"
  else
    say "NOT RUN HERE: $spec: ${pair#*=}"
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  say "FAILED to install: ${failed[*]} — the tests of these clients will fail"
  exit 1
fi
say "ready in $DIR/node_modules/.bin: $(ls "$DIR/node_modules/.bin" | tr '\n' ' ')"
