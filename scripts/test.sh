#!/usr/bin/env bash
# Runs every check and test of the project, as CI does: formatting, clippy (warnings are
# errors), then the whole test suite in one instrumented build, the coverage floors, and the
# MCP server against real clients written by others.
# Installs what it needs first (scripts/install-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== tests (instrumented for coverage)"
export LLVM_COV=/usr/lib/llvm-22/bin/llvm-cov
export LLVM_PROFDATA=/usr/lib/llvm-22/bin/llvm-profdata
cargo llvm-cov clean --workspace
cargo llvm-cov --workspace --all-features --locked --no-report
cargo llvm-cov report --ignore-filename-regex '(crates/testkit/|/tests/|/benches/|/bench/mcp-load/)' --json --summary-only \
  --output-path target/coverage-summary.json
cargo llvm-cov report --ignore-filename-regex '(crates/testkit/|/tests/|/benches/|/bench/mcp-load/)' --summary-only

echo "== coverage floors"
python3 scripts/coverage-check.py target/coverage-summary.json

echo "== the MCP server against real clients (Inspector CLI, Python SDK, conformance suite)"
./scripts/test-mcp-clients.sh

echo "== the REST API /v1 against its OpenAPI document (schemathesis, every operation, every check)"
./scripts/test-rest-api.sh

echo "== the client programs read back what deploy writes (claude, gemini, qwen, codex, opencode, copilot, Continue's schema)"
./scripts/test-client-programs.sh

echo "== the web dashboard in headless Chromium (Playwright, axe-core; screenshots in target/dashboard-screenshots/)"
./scripts/test-dashboard.sh
