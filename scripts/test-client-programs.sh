#!/usr/bin/env bash
# Proof by the clients themselves: deploys one profile (a stdio server with args and env, a
# streamable-HTTP server with a header, an SSE server where the client has SSE, a disabled
# server, a ${secret:…} and an ${env:…} reference) with the real `mcp-orchestration` binary into
# a fake HOME, then runs each client's own program (installed by
# scripts/install-client-programs.sh) in that HOME and checks that it lists exactly those
# servers with the right transports and says nothing about the file being wrong.
# A client whose program is missing fails here; nothing is skipped. Offline: the servers point
# at 127.0.0.1:9 (nothing listens), so "failed to connect" is expected and accepted.
# Clients that take secrets from their environment (Claude Code, Gemini CLI, OpenCode, Codex's
# bearer_token_env_var) get references in their files and are started the way the README says,
# with `mcp-orchestration exec -- PROGRAM`, which gives them the stored secrets.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MCP_CLIENT_PROGRAMS_DIR:-$ROOT/target/test-clients/programs}/node_modules/.bin"
MODULES="$(dirname "$BIN")"
cd "$ROOT" && cargo build -q -p mcp-orchestration || exit 1
MCPO="$ROOT/target/debug/mcp-orchestration"
# Not under the temp dir: Codex refuses to create its helper binaries below it and warns.
mkdir -p "$ROOT/target/test-clients/runs"
WORK="$(mktemp -d "$ROOT/target/test-clients/runs/run.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" MCP_ORCHESTRATION_HOME="$WORK/mcpo" MCPO_TEST_TZ=UTC
# The clone itself may sit under /tmp (CI's may): the programs' temp dir is the run's own, so
# their HOME is never below it.
mkdir -p "$WORK/tmp" && export TMPDIR="$WORK/tmp"
export NO_COLOR=1 FORCE_COLOR=0 DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
export OPENCODE_DISABLE_AUTOUPDATE=1 GEMINI_CLI_NO_RELAUNCH=1
mkdir -p "$HOME" "$WORK/proj"
cd "$WORK/proj" || exit 1

failures=0
fail() { echo "FAIL [$1]: $2" >&2; failures=$((failures + 1)); }
pass() { echo "ok   [$1]" >&2; }
strip() { sed -e 's/\x1b\[[0-9;]*m//g'; }

"$MCPO" init-configs >/dev/null 2>&1 || { echo "init-configs failed" >&2; exit 1; }
printf %s "s3cr3t-team-token" | "$MCPO" secrets set TEAM_TOKEN >/dev/null 2>&1 || { echo "secrets set failed" >&2; exit 1; }

# servers FILE WITH_SSE
servers() {
  local sse=""
  [ "$2" = yes ] && sse='"old": {"type": "sse", "url": "http://127.0.0.1:9/sse"},'
  cat >"$1" <<JSON
{"mcpServers": {
  "local": {"command": "node", "args": ["-e", "0"], "env": {"TZ": "\${env:MCPO_TEST_TZ}", "TOKEN": "\${secret:TEAM_TOKEN}"}},
  "web": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer \${secret:TEAM_TOKEN}"}},
  $sse
  "off": {"command": "node", "args": ["-e", "0"], "disabled": true}
}}
JSON
}

# deploy CLIENT WITH_SSE [FILE]: publish the profile `proof` and deploy it.
deploy() {
  servers "$WORK/$1.json" "$2"
  "$MCPO" publish "$1" --profile proof --file "$WORK/$1.json" >/dev/null 2>"$WORK/$1.err" || { fail "$1" "publish: $(cat "$WORK/$1.err")"; return 1; }
  if [ -n "${3:-}" ]; then
    "$MCPO" deploy "$1" --profile proof --file "$3" >/dev/null 2>"$WORK/$1.err" || { fail "$1" "deploy: $(cat "$WORK/$1.err")"; return 1; }
  else
    # The fake HOME has no client directories yet: --create, as for a client not installed.
    "$MCPO" deploy "$1" --profile proof --create >/dev/null 2>"$WORK/$1.err" || { fail "$1" "deploy: $(cat "$WORK/$1.err")"; return 1; }
  fi
}

# expect CLIENT OUTPUT PATTERN...: every pattern (extended regex) matches a line of OUTPUT.
expect() {
  local client="$1" out="$2" ok=1; shift 2
  for pattern in "$@"; do
    grep -Eq -- "$pattern" <<<"$out" || { fail "$client" "no line matching /$pattern/ in:
$out"; ok=0; }
  done
  return $((1 - ok))
}
refuse() { # CLIENT OUTPUT PATTERN: no line may match
  if grep -Eiq -- "$3" <<<"$2"; then fail "$1" "unexpected /$3/ in:
$2"; return 1; fi
}
program() { [ -x "$BIN/$1" ] || { fail "$2" "program $BIN/$1 missing: run scripts/install-client-programs.sh"; return 1; }; }

# Claude Code: user scope (~/.claude.json) and project scope (.mcp.json); no switch, so the
# disabled server is left out.
if program claude claude-code && deploy claude-code yes; then
  out="$(timeout 90 "$MCPO" exec -- "$BIN/claude" mcp list 2>&1 | strip)"
  expect claude-code "$out" '^local: node -e 0 ' '^web: http://127\.0\.0\.1:9/mcp \(HTTP\)' '^old: http://127\.0\.0\.1:9/sse \(SSE\)' &&
    refuse claude-code "$out" '^off:|invalid|error|warning|parse' && pass claude-code
  got="$(node -e 'const c=require(process.argv[1]);const l=c.mcpServers.local;process.stdout.write([l.env.TZ,l.env.TOKEN,c.mcpServers.web.headers.Authorization].join("|"))' "$HOME/.claude.json")"
  # The secret stays out of the file: Claude Code expands ${TEAM_TOKEN} from its environment.
  [ "$got" = '${MCPO_TEST_TZ}|${TEAM_TOKEN}|Bearer ${TEAM_TOKEN}' ] || fail claude-code "references: $got"
  grep -q 's3cr3t-team-token' "$HOME/.claude.json" && fail claude-code "the secret's value is in ~/.claude.json"
fi

if program gemini gemini-cli && deploy gemini-cli yes; then
  echo "{\"$WORK/proj\": \"TRUST_FOLDER\"}" >"$HOME/.gemini/trustedFolders.json"
  out="$(timeout 90 "$MCPO" exec -- "$BIN/gemini" mcp list 2>&1 | strip)"
  expect gemini-cli "$out" 'local: node -e 0 \(stdio\)' 'web: http://127\.0\.0\.1:9/mcp \(http\)' 'old: http://127\.0\.0\.1:9/sse \(sse\)' &&
    refuse gemini-cli "$out" ' off:|invalid|error|warning|deprecated' && pass gemini-cli
fi

if program qwen qwen-code && deploy qwen-code yes; then
  out="$(timeout 90 "$BIN/qwen" mcp list 2>&1 | strip)"
  expect qwen-code "$out" 'local: node -e 0 \(stdio\)' 'web: http://127\.0\.0\.1:9/mcp \(http\)' 'old: http://127\.0\.0\.1:9/sse \(sse\)' &&
    refuse qwen-code "$out" ' off:|invalid|error|warning' && pass qwen-code
fi

if program codex codex && deploy codex no; then
  out="$(timeout 90 "$MCPO" exec -- "$BIN/codex" mcp list --json 2>"$WORK/codex.stderr")"
  refuse codex "$(cat "$WORK/codex.stderr")" 'error|warning|invalid'
  got="$(node -e '
    const l = JSON.parse(process.argv[1]); const by = Object.fromEntries(l.map(s => [s.name, s]));
    const r = [Object.keys(by).sort().join(","), by.local.transport.type, by.local.transport.args.join(" "),
      by.local.transport.env.TZ, by.local.transport.env.TOKEN, by.web.transport.type,
      by.web.transport.bearer_token_env_var, by.off.enabled, by.local.enabled];
    process.stdout.write(r.join("|"));' "$out" 2>&1)"
  [ "$got" = 'local,off,web|stdio|-e 0|UTC|s3cr3t-team-token|streamable_http|TEAM_TOKEN|false|true' ] &&
    pass codex || fail codex "codex mcp list --json: $got"
fi

if program opencode opencode && deploy opencode yes; then
  out="$(timeout 90 "$MCPO" exec -- "$BIN/opencode" mcp list 2>&1 | strip)"
  expect opencode "$out" '(✗|✓|●).* local' '(✗|✓|●).* web' '(✗|✓|●).* old' '○ off .*disabled' &&
    refuse opencode "$out" 'invalid|config error|warning|parse' && pass opencode
fi

if program copilot copilot-cli && deploy copilot-cli yes; then
  out="$(timeout 90 "$BIN/copilot" mcp list 2>&1 | strip)"
  expect copilot-cli "$out" 'local' 'web' 'old' &&
    refuse copilot-cli "$out" 'invalid|error|warning|parse' && pass copilot-cli
fi

# Continue: its own schema package validates the whole config.yaml we create.
if deploy continue yes; then
  out="$(cd "$MODULES" && node --input-type=module -e '
    import { configYamlSchema } from "@continuedev/config-yaml";
    import YAML from "yaml"; import fs from "fs";
    const doc = YAML.parse(fs.readFileSync(process.argv[1], "utf8"));
    const r = configYamlSchema.safeParse(doc);
    if (!r.success) { console.log("INVALID " + JSON.stringify(r.error.issues)); process.exit(0); }
    console.log(r.data.mcpServers.map(s => `${s.name}:${s.type ?? "stdio"}:${s.connectionTimeout ?? ""}`).join(","));
  ' "$HOME/.continue/config.yaml" 2>&1)"
  [ "$out" = 'local:stdio:,old:sse:,web:streamable-http:' ] && pass continue || fail continue "$out"
fi

[ "$failures" = 0 ] || { echo "test-client-programs: $failures failure(s)" >&2; exit 1; }
echo "test-client-programs: every client program read what was deployed" >&2
