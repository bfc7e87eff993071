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

# Amp: JSONC `amp.mcpServers`; no switch, so the disabled server is left out. Its only complaint
# offline is about the account's servers (ampcode.com), never about the file.
if program amp amp && deploy amp yes; then
  out="$(timeout 90 "$BIN/amp" mcp list --json 2>"$WORK/amp.stderr")"
  refuse amp "$(grep -v 'Could not load MCP servers from Amp account' "$WORK/amp.stderr")" 'error|warning|invalid|parse'
  got="$(node -e '
    const l = JSON.parse(process.argv[1]); const by = Object.fromEntries(l.map(s => [s.name, s]));
    const r = [Object.keys(by).sort().join(","), by.local.type, by.local.spec.args.join(" "), by.local.spec.env.TZ,
      by.local.spec.env.TOKEN === "s3cr3t-team-token", by.web.type, by.web.spec.url,
      by.web.spec.headers.Authorization === "Bearer s3cr3t-team-token", by.old.type, by.old.spec.type,
      [...new Set(l.map(s => s.source))].join(",")];
    process.stdout.write(r.join("|"));' "$out" 2>&1)"
  [ "$got" = 'local,old,web|command|-e 0|UTC|true|url|http://127.0.0.1:9/mcp|true|url|sse|global' ] &&
    pass amp || fail amp "amp mcp list --json: $got"
fi

# Auggie: `disabled` switches a server off (it lists it, not enabled). Offline it says it cannot
# fetch the account's servers; nothing about the file.
if program auggie augment && deploy augment yes; then
  out="$(timeout 90 "$BIN/auggie" mcp list --json 2>"$WORK/augment.stderr")"
  refuse augment "$(grep -v 'Could not fetch .* MCP server configurations' "$WORK/augment.stderr")" 'error|warning|invalid|parse'
  got="$(node -e '
    const l = JSON.parse(process.argv[1]).servers; const by = Object.fromEntries(l.map(s => [s.name, s]));
    process.stdout.write(l.map(s => `${s.name}:${s.transport}:${s.enabled}:${s.source}`).sort().join(","));' "$out" 2>&1)"
  [ "$got" = 'local:stdio:true:user,off:stdio:false:user,old:sse:true:user,web:http:true:user' ] &&
    pass augment || fail augment "auggie mcp list --json: $got"
fi

# Kilo Code: the Kilo CLI reads the extension's mcp_settings.json as the extension does
# (KILO_PLATFORM=vscode; the plain CLI skips the VS Code global storage).
if program kilo kilo-code && deploy kilo-code yes; then
  out="$(KILO_PLATFORM=vscode timeout 120 "$BIN/kilo" mcp list 2>&1 | strip)"
  expect kilo-code "$out" '(✗|✓|●).* local' '(✗|✓|●).* web' '(✗|✓|●).* old' '○ off .*disabled' '4 server' &&
    refuse kilo-code "$out" 'invalid|config error|warning|parse|skipp' && pass kilo-code
fi

# Crush's program cannot run here (scripts/install-client-programs.sh says why): its file is
# checked by the dialect tests only.
echo "not run [crush]: @charmland/crush downloads its binary from github.com at install time" >&2

# --- Project scope: a second profile deployed with --scope project --project DIR, listed by
# each client from the project directory and from a subdirectory of it.
PROJ="$WORK/projects"
mkdir -p "$PROJ/app/src"
# A real repository: Auggie finds its workspace root with git.
git -C "$PROJ/app" init -q 2>/dev/null || mkdir -p "$PROJ/app/.git"
cat >"$WORK/team.json" <<'JSON'
{"mcpServers": {
  "team-tool": {"command": "node", "args": ["-e", "1"]},
  "team-web": {"type": "http", "url": "http://127.0.0.1:9/team"}
}}
JSON
# project CLIENT: publish `team` and deploy it into the project.
project() {
  "$MCPO" publish "$1" --profile team --file "$WORK/team.json" >/dev/null 2>"$WORK/$1.perr" &&
    "$MCPO" deploy "$1" --profile team --scope project --project "$PROJ/app" --create >/dev/null 2>>"$WORK/$1.perr" ||
    { fail "$1 project" "$(cat "$WORK/$1.perr")"; return 1; }
}
# in_project CLIENT DIR COMMAND...: the listing, run in DIR.
in_project() { local dir="$2"; shift 2; (cd "$dir" && timeout 120 "$@" 2>&1 | strip); }

if program claude claude-code && project claude-code; then
  for dir in "$PROJ/app" "$PROJ/app/src"; do
    out="$(in_project claude-code "$dir" "$BIN/claude" mcp list)"
    expect "claude-code project ${dir#"$PROJ"/}" "$out" '^team-tool: node -e 1' '^team-web: http://127\.0\.0\.1:9/team \(HTTP\)' '^local: ' &&
      refuse "claude-code project" "$out" 'invalid|parse' && pass "claude-code project ${dir#"$PROJ"/}"
  done
fi

for pair in gemini-cli:gemini qwen-code:qwen; do
  client="${pair%%:*}" bin="${pair#*:}"
  if program "$bin" "$client" && project "$client"; then
    [ "$client" = gemini-cli ] && echo "{\"$PROJ/app\": \"TRUST_FOLDER\"}" >"$HOME/.gemini/trustedFolders.json"
    out="$(in_project "$client" "$PROJ/app" "$BIN/$bin" mcp list)"
    expect "$client project" "$out" 'team-tool: node -e 1 \(stdio\)' 'team-web: http://127\.0\.0\.1:9/team \(http\)' 'local: ' &&
      refuse "$client project" "$out" 'invalid|error|warning' && pass "$client project app"
    # It reads no project file above the directory it runs in: that is why its project is the
    # current directory (dialects PROJECT_IS_CWD). From app/src, app's servers are not listed,
    # and a project deploy run there writes app/src's file, which it lists.
    out="$(in_project "$client" "$PROJ/app/src" "$BIN/$bin" mcp list)"
    refuse "$client project app/src (root's file)" "$out" 'team-tool'
    (cd "$PROJ/app/src" && "$MCPO" deploy "$client" --profile team --scope project --create >/dev/null 2>"$WORK/$client.perr") ||
      fail "$client project app/src" "$(cat "$WORK/$client.perr")"
    out="$(in_project "$client" "$PROJ/app/src" "$BIN/$bin" mcp list)"
    expect "$client project app/src" "$out" 'team-tool: node -e 1 \(stdio\)' 'team-web: http://127\.0\.0\.1:9/team \(http\)' &&
      pass "$client project app/src"
  fi
done

if program opencode opencode && project opencode; then
  for dir in "$PROJ/app" "$PROJ/app/src"; do
    out="$(in_project opencode "$dir" "$MCPO" exec -- "$BIN/opencode" mcp list)"
    expect "opencode project ${dir#"$PROJ"/}" "$out" '(✗|✓|●).* team-tool' '(✗|✓|●).* team-web' '(✗|✓|●).* local' &&
      refuse "opencode project" "$out" 'invalid|config error|warning|parse' && pass "opencode project ${dir#"$PROJ"/}"
  done
fi

if program amp amp && project amp; then
  for dir in "$PROJ/app" "$PROJ/app/src"; do
    out="$(cd "$dir" && timeout 90 "$BIN/amp" mcp list --json 2>/dev/null)"
    got="$(node -e 'const l = JSON.parse(process.argv[1]);
      process.stdout.write(l.filter(s => s.source !== "global").map(s => `${s.name}:${s.type}:${s.source}`).sort().join(","));' "$out" 2>&1)"
    [ "$got" = 'team-tool:command:workspace,team-web:url:workspace' ] && pass "amp project ${dir#"$PROJ"/}" ||
      fail "amp project ${dir#"$PROJ"/}" "amp mcp list --json: $got"
  done
fi

# Codex reads a project's .codex/config.toml (from the project or below it) once the project
# is trusted in the user's config (openai/codex codex-rs/core/src/config: `projects.<dir>.
# trust_level`), which is the user's decision: the test trusts it the way Codex's own prompt does.
if program codex codex && project codex; then
  printf '\n[projects."%s"]\ntrust_level = "trusted"\n' "$PROJ/app" >>"$HOME/.codex/config.toml"
  for dir in "$PROJ/app" "$PROJ/app/src"; do
    out="$(cd "$dir" && timeout 90 "$MCPO" exec -- "$BIN/codex" mcp list --json 2>"$WORK/codex-project.stderr")"
    refuse "codex project" "$(cat "$WORK/codex-project.stderr")" 'error|warning|invalid'
    got="$(node -e 'const l = JSON.parse(process.argv[1]);
      process.stdout.write(l.filter(s => s.name.startsWith("team-")).map(s => `${s.name}:${s.transport.type}`).sort().join(","));' "$out" 2>&1)"
    [ "$got" = 'team-tool:stdio,team-web:streamable_http' ] && pass "codex project ${dir#"$PROJ"/}" ||
      fail "codex project ${dir#"$PROJ"/}" "codex mcp list --json: $got"
  done
fi

# From the project directory only: run from app/src (app a git repository nested in another, as
# here under target/), Auggie 0.36.0 did not list app's file; not understood yet.
if program auggie augment && project augment; then
  echo "not run [augment project app/src]: Auggie's workspace root from a subdirectory of a nested repository is unexplained" >&2
  for dir in "$PROJ/app"; do
    out="$(cd "$dir" && timeout 90 "$BIN/auggie" mcp list --json 2>"$WORK/augment.perr")"
    # Auggie's `source` is "user" for every local settings file; team-* are only in the project's.
    got="$(node -e 'const l = JSON.parse(process.argv[1]).servers;
      process.stdout.write(l.filter(s => s.name.startsWith("team")).map(s => `${s.name}:${s.transport}:${s.source}`).sort().join(","));' "$out" 2>&1)"
    [ "$got" = 'team-tool:stdio:user,team-web:http:user' ] && pass "augment project ${dir#"$PROJ"/}" ||
      fail "augment project ${dir#"$PROJ"/}" "auggie mcp list --json: $got $(cat "$WORK/augment.perr")"
  done
fi

# The Kilo CLI reads .kilocode/mcp.json of the directory it runs in (the extension: of the
# workspace folder), so only from the project directory.
if program kilo kilo-code && project kilo-code; then
  out="$(in_project kilo-code "$PROJ/app" "$BIN/kilo" mcp list)"
  expect "kilo-code project" "$out" '(✗|✓|●).* team-tool' '(✗|✓|●).* team-web' '2 server' &&
    refuse "kilo-code project" "$out" 'invalid|config error|warning|parse' && pass "kilo-code project"
fi

# Continue's project file .continue/mcpServers/mcp-orchestration.json (a YAML block holds one
# server only), checked by Continue's own JSON schema and converter; the user's block stays and
# is itself a valid block.
mkdir -p "$PROJ/app/.continue/mcpServers"
printf 'name: Theirs\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: theirs\n    command: x\n' >"$PROJ/app/.continue/mcpServers/theirs.yaml"
continue_json() { # FILE: what Continue's loadJsonMcpConfigs makes of it
  (cd "$MODULES" && node --input-type=module -e '
    import { claudeDesktopLikeConfigFileSchema, convertJsonMcpConfigToYamlMcpConfig } from "@continuedev/config-yaml";
    import fs from "fs";
    const r = claudeDesktopLikeConfigFileSchema.safeParse(JSON.parse(fs.readFileSync(process.argv[1], "utf8")));
    if (!r.success) { console.log("INVALID " + JSON.stringify(r.error.issues)); process.exit(0); }
    const out = Object.entries(r.data.mcpServers).map(([n, c]) => convertJsonMcpConfigToYamlMcpConfig(n, c));
    console.log(out.map(o => `${o.yamlConfig.name}:${o.yamlConfig.type ?? "stdio"}:${o.warnings.length}`).join(","));
  ' "$1" 2>&1)
}
if project continue; then
  out="$(continue_json "$PROJ/app/.continue/mcpServers/mcp-orchestration.json")"
  [ "$out" = 'team-tool:stdio:0,team-web:streamable-http:0' ] && pass "continue project" || fail "continue project" "$out"
  out="$(cd "$MODULES" && node --input-type=module -e '
    import { parseBlock, getBlockType } from "@continuedev/config-yaml"; import fs from "fs";
    const b = parseBlock(fs.readFileSync(process.argv[1], "utf8")); console.log(getBlockType(b), b.mcpServers[0].name);
  ' "$PROJ/app/.continue/mcpServers/theirs.yaml" 2>&1)"
  [ "$out" = 'mcpServers theirs' ] || fail "continue project" "the user's block: $out"
fi

# Continue with only config.json: the JSON file in ~/.continue/mcpServers/, in the shape
# Continue's loadJsonMcpConfigs accepts, converted by Continue's own converter.
export CONTINUE_GLOBAL_DIR="$WORK/continue-json"
mkdir -p "$CONTINUE_GLOBAL_DIR" && echo '{"models": []}' >"$CONTINUE_GLOBAL_DIR/config.json"
if "$MCPO" deploy continue --profile team --create >/dev/null 2>"$WORK/cj.err"; then
  [ -e "$CONTINUE_GLOBAL_DIR/config.yaml" ] && fail "continue config.json" "config.yaml was created"
  [ "$(cat "$CONTINUE_GLOBAL_DIR/config.json")" = '{"models": []}' ] || fail "continue config.json" "config.json changed"
  out="$(continue_json "$CONTINUE_GLOBAL_DIR/mcpServers/mcp-orchestration.json")"
  [ "$out" = 'team-tool:stdio:0,team-web:streamable-http:0' ] && pass "continue config.json" || fail "continue config.json" "$out"
else
  fail "continue config.json" "deploy: $(cat "$WORK/cj.err")"
fi
unset CONTINUE_GLOBAL_DIR

# --- Policies compiled into the clients' own enforcement (`policy render`): an org policy
# (signed by this home's own key, which it trusts) denies the server `local` by name and every
# URL host under tracker.example. Each client's own program must report the denied servers as
# blocked and still list the others. Claude Code reads /etc/claude-code/managed-settings.json and
# no other path (no variable or flag moves it), so it runs in a private mount namespace
# (`unshare`) where /etc is an overlay on a temp dir: `policy render --system` writes there, and
# the real /etc is never written. Gemini CLI is run the same way (its
# GEMINI_CLI_SYSTEM_SETTINGS_PATH would do, but it skips a file below a directory writable by
# others, such as /tmp). Codex (an allowlist only) gets its own policy below.
cat >"$WORK/render-policy.json" <<'JSON'
{"schema_version": 1, "servers": {"deny": ["local"]}, "remote_hosts": {"deny": ["*.tracker.example"]}}
JSON
if "$MCPO" policy sign "$WORK/render-policy.json" --layer org --name render --out "$WORK/render-policy.signed.json" 2>"$WORK/render.err" &&
  "$MCPO" policy trust "$WORK/render-policy.signed.json" >/dev/null 2>>"$WORK/render.err"; then
  if program claude "claude-code render"; then
    mkdir -p "$WORK/render/upper" "$WORK/render/work"
    out="$(cd "$WORK/proj" && unshare --mount --map-root-user sh -c '
      mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || { echo "NO OVERLAY"; exit 0; }
      "$3" policy render --client claude-code --system 2>&1 || exit 1
      echo "--- list"; timeout 90 "$3" exec -- "$4" mcp list 2>&1
      echo "--- get"; timeout 90 "$4" mcp get local 2>&1
      echo "--- add local"; timeout 90 "$4" mcp add --scope user local -- node -e 0 2>&1
      echo "--- add tracker"; timeout 90 "$4" mcp add --scope user --transport http tracker https://mcp.tracker.example/mcp 2>&1
    ' sh "$WORK/render/upper" "$WORK/render/work" "$MCPO" "$BIN/claude" 2>&1 | strip)"
    if grep -q '^NO OVERLAY' <<<"$out"; then
      echo "not run [claude-code render]: no overlay mount in a user namespace here: $out" >&2
    else
      list="$(sed -n '/^--- list/,/^--- get/p' <<<"$out")"
      expect "claude-code render" "$out" 'wrote claude-code.s managed settings into /etc/claude-code/managed-settings.json' \
        'No MCP server named "local"' \
        'Cannot add MCP server "local": server is explicitly blocked by enterprise policy' \
        'Cannot add MCP server "tracker": server is explicitly blocked by enterprise policy' &&
        expect "claude-code render" "$list" '^web: http://127\.0\.0\.1:9/mcp \(HTTP\)' '^old: http://127\.0\.0\.1:9/sse \(SSE\)' &&
        refuse "claude-code render" "$list" '^local:' && pass "claude-code render (local and *.tracker.example blocked by claude)"
      [ -e /etc/claude-code/managed-settings.json ] && [ ! -e "$WORK/render/upper/claude-code/managed-settings.json" ] &&
        fail "claude-code render" "the real /etc was written"
    fi
  fi
  if program gemini "gemini-cli render"; then
    # Gemini CLI skips a system settings file below a directory writable by others (/tmp, where
    # a clean clone's runs live), so it reads /etc/gemini-cli/settings.json in an overlay too.
    mkdir -p "$WORK/render-gemini/upper" "$WORK/render-gemini/work"
    echo "{\"$WORK/proj\": \"TRUST_FOLDER\"}" >"$HOME/.gemini/trustedFolders.json"
    out="$(cd "$WORK/proj" && unshare --mount --map-root-user sh -c '
      mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || { echo "NO OVERLAY"; exit 0; }
      "$3" policy render --client gemini-cli --system 2>&1 || exit 1
      echo "--- list"; timeout 90 "$3" exec -- "$4" mcp list 2>&1
    ' sh "$WORK/render-gemini/upper" "$WORK/render-gemini/work" "$MCPO" "$BIN/gemini" 2>&1 | strip)"
    if grep -q '^NO OVERLAY' <<<"$out"; then
      echo "not run [gemini-cli render]: no overlay mount in a user namespace here: $out" >&2
    else
      expect "gemini-cli render" "$out" 'local: node -e 0 \(stdio\) - Blocked' 'web: http://127\.0\.0\.1:9/mcp \(http\)' &&
        refuse "gemini-cli render" "$out" 'web: .*Blocked|Skipping system settings|invalid' && pass "gemini-cli render (local blocked by gemini)"
      [ -e /etc/gemini-cli/settings.json ] && [ ! -e "$WORK/render-gemini/upper/gemini-cli/settings.json" ] &&
        fail "gemini-cli render" "the real /etc was written"
    fi
  fi
  # Codex's requirements.toml is an allowlist only (no deny list), rendered when the policies
  # also refuse stdio servers: a team policy allows the names `web` and `local` over http only.
  # Codex reads /etc/codex/requirements.toml and no other path, so it runs in an overlay mount
  # namespace as Claude Code does; its own `mcp list --json` must show `local` (stdio) disabled
  # by the requirements and `web` enabled; then, with a second policy denying every name, the
  # empty `[mcp_servers]` table must disable every server.
  if program codex "codex render"; then
    cat >"$WORK/render-codex.json" <<'JSON'
{"schema_version": 1, "servers": {"allow": ["web", "local"]}, "transports": {"allow": ["http"]}}
JSON
    echo '{"schema_version": 1, "servers": {"deny": ["*"]}}' >"$WORK/render-codex-all.json"
    if "$MCPO" policy sign "$WORK/render-codex.json" --layer team --name codex --out "$WORK/render-codex.signed.json" 2>"$WORK/render.err" &&
      "$MCPO" policy sign "$WORK/render-codex-all.json" --layer org --name codexall --out "$WORK/render-codex-all.signed.json" 2>>"$WORK/render.err" &&
      "$MCPO" policy trust "$WORK/render-codex.signed.json" >/dev/null 2>>"$WORK/render.err"; then
      mkdir -p "$WORK/render-codex/upper" "$WORK/render-codex/work"
      out="$(cd "$WORK/proj" && unshare --mount --map-root-user sh -c '
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || { echo "NO OVERLAY"; exit 0; }
        "$3" policy render --client codex --system 2>&1 || exit 1
        echo "--- list"; timeout 90 "$3" exec -- "$4" mcp list --json 2>/dev/null
        echo "--- all"; "$3" policy trust "$5" >/dev/null 2>&1 && "$3" policy render --client codex --system >/dev/null 2>&1 || exit 1
        timeout 90 "$3" exec -- "$4" mcp list --json 2>/dev/null
      ' sh "$WORK/render-codex/upper" "$WORK/render-codex/work" "$MCPO" "$BIN/codex" "$WORK/render-codex-all.signed.json" 2>&1 | strip)"
      if grep -q '^NO OVERLAY' <<<"$out"; then
        echo "not run [codex render]: no overlay mount in a user namespace here: $out" >&2
      else
        listed() { node -e '
          let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
            try { console.log(JSON.parse(s).map(x => `${x.name}:${x.enabled}:${x.disabled_reason || ""}`).sort().join(",")); }
            catch (e) { console.log("not JSON: " + s.slice(0, 300)); } });'; }
        got="$(sed -n '/^--- list/,/^--- all/p' <<<"$out" | sed '1d;$d' | listed)"
        all="$(sed -n '/^--- all/,$p' <<<"$out" | sed 1d | listed)"
        off='false:requirements (/etc/codex/requirements.toml)'
        expect "codex render" "$out" 'wrote codex.s managed settings into /etc/codex/requirements.toml' &&
          [ "$got" = "local:$off,off:$off,web:true:" ] && [ "$all" = "local:$off,off:$off,web:$off" ] &&
          pass "codex render (local disabled by codex's requirements, web enabled; all disabled by an empty table)" ||
          fail "codex render" "codex mcp list --json: $got / $all / $out"
        [ -e /etc/codex/requirements.toml ] && [ ! -e "$WORK/render-codex/upper/codex/requirements.toml" ] &&
          fail "codex render" "the real /etc was written"
      fi
      "$MCPO" policy remove codex --layer team >/dev/null 2>&1 || fail "codex render" "policy remove"
      "$MCPO" policy remove codexall --layer org >/dev/null 2>&1 # trusted only where the overlay was made
    else
      fail "codex render" "policy sign/trust: $(cat "$WORK/render.err")"
    fi
  fi
  "$MCPO" policy remove render --layer org >/dev/null 2>&1 || fail render "policy remove"
else
  fail render "policy sign/trust: $(cat "$WORK/render.err")"
fi

[ "$failures" = 0 ] || { echo "test-client-programs: $failures failure(s)" >&2; exit 1; }
echo "test-client-programs: every client program read what was deployed" >&2
