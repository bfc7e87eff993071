#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine of this project's kind (Debian with
# the Rust toolchain): LLVM 22 (whose llvm-profdata matches rustc 1.95) and cargo-llvm-cov.
# Idempotent: a second run installs nothing.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/lib/llvm-22/bin/llvm-profdata ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq llvm-22 >/dev/null
fi
if ! cargo llvm-cov --version >/dev/null 2>&1; then
  cargo install --locked --quiet cargo-llvm-cov@0.9
fi

# The real MCP clients the server is tested with (Inspector CLI, Python SDK, conformance suite).
if [ -x ./scripts/install-mcp-clients.sh ]; then
  ./scripts/install-mcp-clients.sh
fi
