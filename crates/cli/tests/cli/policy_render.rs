//! `policy render`: policies compiled into the clients' own managed settings. An admin home
//! signs, a user home trusts (as in `policy.rs`); the rendered documents per client and rule
//! kind, layers (an org deny stays denied), the merge into an existing file, and every refusal
//! (the system location without `--system`, `--system` without the permission, an unknown or
//! unsupported client, a settings file that is not a JSON object). The system location itself
//! is written only inside a private mount namespace (`unshare`) where `/etc` is an overlay on a
//! temp dir: the real `/etc` is never written. Codex's `requirements.toml` (an allowlist only)
//! has its own tests at the end. Claude Code's, Gemini CLI's and Codex's own programs reading
//! the result are in scripts/test-client-programs.sh.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{BIN, code, json, run, stderr};
use super::policy::{admin, install, s, sign, user_of};

/// A user home with `rules` installed as org/acme.
fn with_org(rules: Value) -> (TestEnv, TestEnv) {
    let admin = admin();
    let user = user_of(&admin);
    install(&user, &sign(&admin, "org", "acme", rules));
    (admin, user)
}

fn render(user: &TestEnv, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["policy", "render"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(user, &all);
    let value = if out.stdout.is_empty() { Value::Null } else { json(&out) };
    (code(&out), value, stderr(&out))
}

/// The rules of `not_expressed`, as `rule[ pattern]`.
fn not_expressed(report: &Value) -> Vec<String> {
    report["not_expressed"]
        .as_array()
        .expect("list")
        .iter()
        .map(|n| match n["pattern"].as_str() {
            Some(p) => format!("{} {p}", n["rule"].as_str().unwrap_or("")),
            None => n["rule"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

fn every_kind() -> Value {
    json!({
        "servers": {"allow": ["github", "fs", "evil", "web"], "deny": ["evil", "bad-*"]},
        "remote_hosts": {"allow": ["api.example.com"], "deny": ["*.evil.example", "track?.example"]},
        "transports": {"deny": ["sse"]},
        "packages": {"deny": [{"registry": "npm", "name": "left-pad"}]},
        "registries": {"allow": ["npm"]},
        "require_pinned": true,
        "forbid_unpinned_npx_y": true,
        "references": [{"servers": ["github"], "secret": ["GITHUB_TOKEN"]}],
        "max_servers": 5
    })
}

#[test]
fn claude_code_gets_names_and_url_hosts_and_is_told_what_stays_ours() {
    let (_admin, user) = with_org(every_kind());
    let before = user.snapshot();
    let (status, report, err) = render(&user, &["--client", "claude-code"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        report["settings"],
        json!({
            "allowedMcpServers": [{"serverName": "fs"}, {"serverName": "github"}, {"serverName": "web"}],
            "allowManagedMcpServersOnly": true,
            "deniedMcpServers": [{"serverName": "evil"}, {"serverUrl": "*://*.evil.example:*"}]
        })
    );
    assert_eq!(report["system_path"], "/etc/claude-code/managed-settings.json");
    assert_eq!(report["written"], Value::Null);
    assert_eq!(report["policies"], json!(["org/acme"]));
    assert_eq!(
        not_expressed(&report),
        [
            "servers.deny bad-*",
            "remote_hosts.deny track?.example",
            "packages",
            "registries",
            "require_pinned",
            "forbid_unpinned_npx_y",
            "transports",
            "references",
            "max_servers",
            "remote_hosts.allow"
        ]
    );
    assert_eq!(user.snapshot(), before, "a preview writes nothing in the home");

    // Text: the settings on stdout as JSON, the rules left to us on stderr.
    let out = run(&user, &["policy", "render", "--client", "claude-code"]);
    assert_eq!(code(&out), 0);
    let shown: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(shown, report["settings"]);
    let text = stderr(&out);
    assert!(text.contains("preview only: --system writes /etc/claude-code/managed-settings.json"), "{text}");
    assert!(text.contains("still enforced by mcp-orchestration"), "{text}");
    assert!(text.contains("org/acme servers.deny 'bad-*': Claude Code compares server names verbatim"), "{text}");
}

#[test]
fn copilot_gets_the_same_lists_in_its_own_file() {
    let (_admin, user) = with_org(every_kind());
    for client in ["copilot-cli", "vscode"] {
        let (status, report, err) = render(&user, &["--client", client]);
        assert_eq!(status, 0, "{err}");
        assert_eq!(report["system_path"], "/etc/github-copilot/managed-settings.json");
        assert_eq!(
            report["settings"],
            json!({
                "allowedMcpServers": [{"serverName": "fs"}, {"serverName": "github"}, {"serverName": "web"}],
                "deniedMcpServers": [{"serverName": "evil"}, {"serverUrl": "*://*.evil.example:*"}]
            }),
            "{client}"
        );
    }
}

#[test]
fn gemini_cli_gets_excluded_names_only() {
    let (_admin, user) = with_org(every_kind());
    let (status, report, err) = render(&user, &["--client", "gemini-cli"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["system_path"], "/etc/gemini-cli/settings.json");
    assert_eq!(report["settings"], json!({"mcp": {"excluded": ["evil"]}}));
    let rules = not_expressed(&report);
    assert!(rules.contains(&"servers.allow".to_owned()) && rules.contains(&"remote_hosts".to_owned()), "{rules:?}");
    assert!(rules.contains(&"servers.deny bad-*".to_owned()), "{rules:?}");
    let why = &report["not_expressed"]
        .as_array()
        .expect("list")
        .iter()
        .find(|n| n["rule"] == "servers.allow")
        .expect("allow")["reason"];
    assert!(why.as_str().expect("text").contains("approves every tool call"), "{why}");
}

#[test]
fn denying_every_name_is_an_empty_allowlist() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["*"]}}));
    let (_, claude, _) = render(&user, &["--client", "claude-code"]);
    assert_eq!(claude["settings"], json!({"allowedMcpServers": [], "allowManagedMcpServersOnly": true}));
    assert_eq!(not_expressed(&claude), Vec::<String>::new());
    let (_, gemini, _) = render(&user, &["--client", "gemini-cli"]);
    assert_eq!(gemini["settings"], json!({"mcp": {"allowed": []}}));
}

#[test]
fn allowlists_with_wildcards_only_or_unlistable_names_are_left_to_us() {
    let (_admin, user) = with_org(json!({"servers": {"allow": ["fs-*"]}, "remote_hosts": {"allow": ["x.example"]}}));
    let (_, report, _) = render(&user, &["--client", "claude-code"]);
    assert_eq!(report["settings"], json!({}));
    assert_eq!(not_expressed(&report), ["servers.allow fs-*", "remote_hosts.allow"]);
    let why = report["not_expressed"][1]["reason"].as_str().expect("text");
    assert!(why.contains("would block every stdio server"), "{why}");

    let (_admin, user) = with_org(json!({"servers": {"allow": ["my.server", "ok"]}}));
    let (_, report, _) = render(&user, &["--client", "copilot-cli"]);
    assert_eq!(report["settings"], json!({}));
    assert_eq!(not_expressed(&report), ["servers.allow"]);
}

#[test]
fn layers_intersect_allowlists_and_an_org_deny_stays_denied() {
    let admin = admin();
    let user = user_of(&admin);
    install(
        &user,
        &sign(&admin, "org", "acme", json!({"servers": {"allow": ["github", "evil", "fs", "db"], "deny": ["evil"]}})),
    );
    install(&user, &sign(&admin, "team", "web", json!({"servers": {"allow": ["git*", "fs", "evil"]}})));
    // The user's own layer tries to re-allow what the org denied.
    install(&user, &sign(&admin, "user", "me", json!({"servers": {"allow": ["evil", "github", "fs"]}})));
    let (status, report, err) = render(&user, &["--client", "claude-code"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["policies"], json!(["org/acme", "team/web", "user/me"]));
    assert_eq!(
        report["settings"],
        json!({
            "allowedMcpServers": [{"serverName": "fs"}, {"serverName": "github"}],
            "allowManagedMcpServersOnly": true,
            "deniedMcpServers": [{"serverName": "evil"}]
        })
    );
}

/// The JSON of a file whose comments are whole lines.
fn without_comments(text: &str) -> Value {
    let kept: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
    serde_json::from_str(&kept.join("\n")).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn output_merges_into_an_existing_file_and_keeps_foreign_keys() {
    let (admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    let existing = "{\n  // set by the admin by hand\n  \"permissions\": {\"deny\": [\"Bash(rm:*)\"]},\n  \"allowedMcpServers\": [{\"serverName\": \"stale\"}],\n  \"model\": \"opus\"\n}\n";
    let file = user.write_file("managed/managed-settings.json", existing);
    let (status, report, err) = render(&user, &["--client", "claude-code", "--output", s(&file)]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["written"], s(&file));
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.contains("// set by the admin by hand"), "{text}");
    assert!(text.contains("\"permissions\": {\"deny\": [\"Bash(rm:*)\"]}"), "{text}");
    assert!(text.contains("\"model\": \"opus\""), "{text}");
    let value = without_comments(&text);
    assert_eq!(value["deniedMcpServers"], json!([{"serverName": "evil"}]));
    assert!(
        value.get("allowedMcpServers").is_none(),
        "an allowlist the policies do not give is ours to remove: {text}"
    );
    assert_eq!(std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777, 0o644);

    // A second render with another policy replaces only our keys again.
    install(&user, &sign(&admin, "org", "acme", json!({"servers": {"allow": ["github"]}})));
    let (status, _, err) = render(&user, &["--client", "claude-code", "--output", s(&file)]);
    assert_eq!(status, 0, "{err}");
    let value = without_comments(&std::fs::read_to_string(&file).expect("read"));
    assert_eq!(value["allowedMcpServers"], json!([{"serverName": "github"}]));
    assert!(value.get("deniedMcpServers").is_none());
    assert_eq!(value["model"], "opus");

    // A new file, in a directory that does not exist yet.
    let fresh = user.root().join("new/dir/settings.json");
    let (status, _, err) = render(&user, &["--client", "gemini-cli", "--output", s(&fresh)]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&std::fs::read_to_string(&fresh).expect("read")).expect("json"),
        json!({})
    );
}

#[test]
fn a_settings_file_that_is_not_an_object_is_refused_and_left_alone() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    let file = user.write_file("broken.json", "{\"model\": ");
    let (status, _, err) = render(&user, &["--client", "claude-code", "--output", s(&file)]);
    assert_eq!(status, 10, "{err}");
    assert!(err.contains("broken.json: not a settings file that can be edited (line 1"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "{\"model\": ");
}

#[test]
fn the_system_location_is_refused_without_system() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    let before = user.snapshot();
    let (status, _, err) =
        render(&user, &["--client", "claude-code", "--output", "/etc/claude-code/managed-settings.json"]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("/etc/claude-code/managed-settings.json is where claude-code reads its managed settings: writing it needs --system"),
        "{err}"
    );
    assert_eq!(user.snapshot(), before);
    let out = run(&user, &["policy", "render", "--client", "claude-code", "--system", "--output", "x.json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
}

#[test]
fn unknown_and_unsupported_clients_are_refused() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    let (status, _, err) = render(&user, &["--client", "cursor"]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("client 'cursor' reads no managed settings this program can render: give one of claude-code, copilot-cli, vscode, gemini-cli, codex"),
        "{err}"
    );
    let (status, _, err) = render(&user, &["--client", "no-such-client"]);
    assert_eq!(status, 3, "{err}");
    assert!(err.contains("no-such-client"), "{err}");
}

#[test]
fn nothing_installed_renders_nothing_and_says_so() {
    let user = super::common::initialized();
    let out = run(&user, &["policy", "render", "--client", "claude-code"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).expect("json"), json!({}));
    assert!(stderr(&out).contains("no policy installed: nothing to render"), "{}", stderr(&out));
}

/// `unshare` with `args`, or why it cannot run here.
fn unshare(args: &[&str]) -> Result<Command, String> {
    let probe = Command::new("unshare").args(args).arg("true").output();
    match probe {
        Ok(out) if out.status.success() => {
            let mut command = Command::new("unshare");
            command.args(args);
            Ok(command)
        }
        Ok(out) => {
            Err(format!("unshare {} fails here: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
        }
        Err(e) => Err(format!("no unshare program ({e})")),
    }
}

/// Runs the binary in `env` through `wrapper` (a shell script given `$BIN` and the arguments).
fn run_in(env: &TestEnv, mut wrapper: Command, script: &str, args: &[&str]) -> std::process::Output {
    let plain = env.std_command(BIN);
    for (key, value) in plain.get_envs() {
        match value {
            Some(v) => wrapper.env(key, v),
            None => wrapper.env_remove(key),
        };
    }
    if let Some(dir) = plain.get_current_dir() {
        wrapper.current_dir(dir);
    }
    wrapper.args(["sh", "-c", script, BIN]).args(args).output().expect("run unshare")
}

/// A mount namespace where /etc is an overlay whose upper layer is `dir/upper`: whatever is
/// written under /etc lands there, and the real /etc is never written. `then` runs after the
/// mount (`$0` is the binary, `$@` the arguments); exit 99 means the overlay could not be made.
fn in_overlay(env: &TestEnv, dir: &Path, then: &str, args: &[&str]) -> Result<std::process::Output, String> {
    let wrapper = unshare(&["--mount", "--map-root-user"])?;
    let (upper, work) = (dir.join("upper"), dir.join("work"));
    std::fs::create_dir_all(&upper).expect("upper");
    std::fs::create_dir_all(&work).expect("work");
    let script = format!(
        "mount -t overlay overlay -o lowerdir=/etc,upperdir={},workdir={} /etc || exit 99; {then}",
        upper.display(),
        work.display()
    );
    let out = run_in(env, wrapper, &script, args);
    if code(&out) == 99 {
        return Err(format!("an overlay mount in a user namespace fails here: {}", stderr(&out)));
    }
    Ok(out)
}

#[test]
fn system_without_the_permission_is_refused_and_writes_nothing() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    // Inside the overlay, /etc (and /etc/claude-code where it exists) made read-only for its
    // owner, then the binary run as uid 1000 without capabilities in a nested user namespace:
    // it cannot write there, whoever runs the test.
    let dir = user.root().join("overlay");
    let then = "chmod 0555 /etc || exit 99; [ ! -d /etc/claude-code ] || chmod 0555 /etc/claude-code || exit 99; \
                exec unshare --user --map-user=1000 --map-group=1000 \"$0\" \"$@\"";
    let before = user.snapshot();
    let out = match in_overlay(&user, &dir, then, &["policy", "render", "--client", "claude-code", "--system"]) {
        Ok(out) => out,
        Err(why) => return eprintln!("not run: {why}"),
    };
    let _ = std::fs::set_permissions(dir.join("upper"), std::fs::Permissions::from_mode(0o755));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot write /etc/claude-code/managed-settings.json: permission denied; only an administrator can write the system location (run as root: `sudo mcp-orchestration policy render --client claude-code --system`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!dir.join("upper/claude-code").exists(), "nothing was written, not even the directory");
    assert_eq!(user.snapshot(), before);
}

#[test]
fn system_writes_the_clients_location_world_readable_and_merges() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}, "remote_hosts": {"deny": ["*.evil.example"]}}));
    let dir = user.root().join("overlay");
    let upper = dir.join("upper");
    std::fs::create_dir_all(upper.join("github-copilot")).expect("upper");
    std::fs::write(upper.join("github-copilot/managed-settings.json"), "{\"telemetry\": {\"enabled\": false}}\n")
        .expect("existing");
    let then = "\"$0\" policy render --client claude-code --system --json && \"$0\" policy render --client copilot-cli --system --json";
    let out = match in_overlay(&user, &dir, then, &[]) {
        Ok(out) => out,
        Err(why) => return eprintln!("not run: {why}"),
    };
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = upper.join("claude-code/managed-settings.json");
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&written).expect("written")).expect("json");
    assert_eq!(value, json!({"deniedMcpServers": [{"serverName": "evil"}, {"serverUrl": "*://*.evil.example:*"}]}));
    assert_eq!(std::fs::metadata(&written).expect("meta").permissions().mode() & 0o777, 0o644);
    assert_eq!(std::fs::metadata(written.parent().expect("dir")).expect("meta").permissions().mode() & 0o777, 0o755);
    let copilot: Value = serde_json::from_str(
        &std::fs::read_to_string(upper.join("github-copilot/managed-settings.json")).expect("copilot"),
    )
    .expect("json");
    assert_eq!(copilot["telemetry"], json!({"enabled": false}), "the admin's key stays");
    assert_eq!(copilot["deniedMcpServers"][0], json!({"serverName": "evil"}));
}

#[test]
fn no_secret_of_the_store_or_a_client_file_reaches_the_rendering() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]},
        "references": [{"servers": ["github"], "secret": ["GITHUB_TOKEN"], "env": ["HOME"]}]}));
    let canary = "canary-render-5ecret-value";
    let out = user.command(BIN).args(["secrets", "set", "GITHUB_TOKEN"]).write_stdin(canary).output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let live = user.write_file(
        "settings/managed-settings.json",
        &json!({"env": {"GITHUB_TOKEN": canary}, "deniedMcpServers": []}).to_string(),
    );
    for client in ["claude-code", "copilot-cli", "gemini-cli"] {
        for args in [
            vec!["--client", client],
            vec!["--client", client, "--json"],
            vec!["--client", client, "--output", s(&live)],
        ] {
            let mut all = vec!["policy", "render"];
            all.extend(args);
            let out = run(&user, &all);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
            assert!(!shown.contains(canary), "{shown}");
        }
    }
    // The file's own key keeps its value (it is the admin's), and nothing of ours adds one.
    let text = std::fs::read_to_string(&live).expect("read");
    assert_eq!(text.matches(canary).count(), 1, "{text}");
}

#[test]
fn an_output_that_is_not_utf8_or_not_a_file_is_refused() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["evil"]}}));
    let file = user.root().join("latin1.json");
    std::fs::write(&file, b"{\"name\": \"caf\xe9\"}").expect("write");
    let (status, _, err) = render(&user, &["--client", "claude-code", "--output", s(&file)]);
    assert_eq!(status, 10, "{err}");
    assert!(err.contains("latin1.json") && err.contains("UTF-8"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), b"{\"name\": \"caf\xe9\"}");

    let dir = user.root().join("a-directory");
    std::fs::create_dir_all(&dir).expect("dir");
    let (status, _, err) = render(&user, &["--client", "gemini-cli", "--output", s(&dir)]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("cannot read") && err.contains("a-directory"), "{err}");
}

/// Codex's allowlist entry of a name whose servers are all remote.
fn any_url() -> Value {
    json!({"identity": {"url": {"match": "regex", "expression": ".*"}}})
}

#[test]
fn codex_has_an_allowlist_only_so_deny_rules_stay_ours() {
    let (_admin, user) = with_org(every_kind());
    let (status, report, err) = render(&user, &["--client", "codex"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["system_path"], "/etc/codex/requirements.toml");
    assert_eq!(report["settings"], json!({}), "stdio servers are allowed: no allowlist can be sound");
    assert_eq!(
        not_expressed(&report),
        [
            "servers.allow",
            "servers.deny evil",
            "servers.deny bad-*",
            "remote_hosts",
            "packages",
            "registries",
            "require_pinned",
            "forbid_unpinned_npx_y",
            "transports",
            "references",
            "max_servers"
        ]
    );
    let why = report["not_expressed"][0]["reason"].as_str().expect("text");
    assert!(why.contains("exact executable and number of arguments"), "{why}");
    let why = report["not_expressed"][1]["reason"].as_str().expect("text");
    assert!(why.contains("no deny list"), "{why}");

    // Text: the TOML a new file would hold (nothing), and what stays ours on stderr.
    let out = run(&user, &["policy", "render", "--client", "codex"]);
    assert_eq!(code(&out), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "\n");
    let text = stderr(&out);
    assert!(text.contains("preview only: --system writes /etc/codex/requirements.toml"), "{text}");
    assert!(text.contains("org/acme servers.deny 'evil': Codex's requirements have an allowlist"), "{text}");
}

#[test]
fn codex_gets_the_allowed_names_when_the_policies_refuse_stdio() {
    let admin = admin();
    let user = user_of(&admin);
    install(
        &user,
        &sign(
            &admin,
            "org",
            "acme",
            json!({"servers": {"allow": ["web", "evil", "api"], "deny": ["evil"]}, "transports": {"allow": ["http"]}}),
        ),
    );
    install(&user, &sign(&admin, "team", "t", json!({"servers": {"allow": ["w*", "api", "evil"]}})));
    let (status, report, err) = render(&user, &["--client", "codex"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["settings"], json!({"mcp_servers": {"api": any_url(), "web": any_url()}}));
    assert_eq!(not_expressed(&report), ["transports"], "the denied name is left out of the allowlist");

    let out = run(&user, &["policy", "render", "--client", "codex"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[mcp_servers.api.identity.url]\nmatch = \"regex\"\nexpression = \".*\"\n\n\
         [mcp_servers.web.identity.url]\nmatch = \"regex\"\nexpression = \".*\"\n"
    );
}

#[test]
fn codex_gets_an_empty_allowlist_when_every_server_is_refused() {
    for rules in [
        json!({"servers": {"deny": ["*"]}}),
        json!({"servers": {"allow": []}}),
        json!({"servers": {"allow": ["a"], "deny": ["a"]}}),
        json!({"transports": {"deny": ["stdio", "http", "sse"]}}),
        json!({"transports": {"allow": []}}),
    ] {
        let (_admin, user) = with_org(rules.clone());
        let (status, report, err) = render(&user, &["--client", "codex"]);
        assert_eq!(status, 0, "{err}");
        assert_eq!(report["settings"], json!({"mcp_servers": {}}), "{rules}");
        let rest = not_expressed(&report);
        assert!(rest.is_empty() || rest == ["transports"], "{rules}: {rest:?}");
        let out = run(&user, &["policy", "render", "--client", "codex"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "[mcp_servers]\n", "{rules}");
    }
}

#[test]
fn codex_allowlists_with_wildcards_only_are_left_to_us() {
    let (_admin, user) =
        with_org(json!({"servers": {"allow": ["fs-*", "db?"]}, "transports": {"deny": ["stdio", "sse"]}}));
    let (_, report, _) = render(&user, &["--client", "codex"]);
    assert_eq!(report["settings"], json!({}));
    assert_eq!(not_expressed(&report), ["servers.allow fs-*", "servers.allow db?", "transports"]);
}

#[test]
fn codex_output_merges_into_an_existing_requirements_file() {
    let (admin, user) = with_org(json!({"servers": {"allow": ["web"]}, "transports": {"deny": ["stdio"]}}));
    let existing = "# set by the admin by hand\nallowed_approval_policies = [\"on-request\", \"never\"] # kept\n\n\
                    [mcp_servers.stale.identity]\ncommand = \"old\"\n\n[rules]\nprefix_rules = []\n";
    let file = user.write_file("managed/requirements.toml", existing);
    let (status, report, err) = render(&user, &["--client", "codex", "--output", s(&file)]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["written"], s(&file));
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(
        text.starts_with(
            "# set by the admin by hand\nallowed_approval_policies = [\"on-request\", \"never\"] # kept\n"
        ),
        "{text}"
    );
    assert!(text.contains("[rules]\nprefix_rules = []\n"), "{text}");
    assert!(!text.contains("stale"), "{text}");
    assert!(text.contains("[mcp_servers.web.identity.url]\nmatch = \"regex\"\nexpression = \".*\"\n"), "{text}");
    assert_eq!(std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777, 0o644);

    // Policies with no allowlist for Codex: our table goes, the admin's keys stay.
    install(&user, &sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil"]}})));
    let (status, _, err) = render(&user, &["--client", "codex", "--output", s(&file)]);
    assert_eq!(status, 0, "{err}");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(!text.contains("mcp_servers"), "{text}");
    assert!(text.contains("allowed_approval_policies") && text.contains("[rules]"), "{text}");
}

#[test]
fn codex_a_requirements_file_that_is_not_toml_is_refused_and_left_alone() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["*"]}}));
    let broken = "model = \"x\"\nsecret = = canary-toml-5ecret\n";
    let file = user.write_file("requirements.toml", broken);
    let (status, _, err) = render(&user, &["--client", "codex", "--output", s(&file)]);
    assert_eq!(status, 10, "{err}");
    assert!(err.contains("requirements.toml: not a settings file that can be edited (line 2, column"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("canary-toml-5ecret"), "the file's text is never shown: {err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), broken);

    let (status, _, err) = render(&user, &["--client", "codex", "--output", "/etc/codex/requirements.toml"]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("/etc/codex/requirements.toml is where codex reads its managed settings"), "{err}");
}

#[test]
fn codex_system_writes_etc_codex_requirements_and_keeps_the_admins_keys() {
    let (_admin, user) = with_org(json!({"servers": {"deny": ["*"]}}));
    let dir = user.root().join("overlay");
    let upper = dir.join("upper");
    std::fs::create_dir_all(upper.join("codex")).expect("upper");
    std::fs::write(upper.join("codex/requirements.toml"), "enforce_residency = \"us\" # the admin's\n")
        .expect("existing");
    let out = match in_overlay(&user, &dir, "\"$0\" policy render --client codex --system", &[]) {
        Ok(out) => out,
        Err(why) => return eprintln!("not run: {why}"),
    };
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote codex's managed settings into /etc/codex/requirements.toml"),
        "{}",
        stderr(&out)
    );
    let written = upper.join("codex/requirements.toml");
    assert_eq!(
        std::fs::read_to_string(&written).expect("written"),
        "enforce_residency = \"us\" # the admin's\n\n[mcp_servers]\n"
    );
    assert_eq!(std::fs::metadata(&written).expect("meta").permissions().mode() & 0o777, 0o644);
}

#[test]
fn codex_no_secret_of_the_store_or_the_requirements_file_reaches_the_rendering() {
    let (_admin, user) = with_org(json!({"servers": {"allow": ["web"]}, "transports": {"allow": ["http"]},
        "references": [{"servers": ["web"], "secret": ["WEB_TOKEN"]}]}));
    let canary = "canary-codex-render-5ecret";
    let out = user.command(BIN).args(["secrets", "set", "WEB_TOKEN"]).write_stdin(canary).output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let live = user.write_file("codex/requirements.toml", &format!("[otel]\nheader = \"{canary}\"\n"));
    for args in [vec![], vec!["--json"], vec!["--output", s(&live)]] {
        let mut all = vec!["policy", "render", "--client", "codex"];
        all.extend(args);
        let out = run(&user, &all);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!shown.contains(canary), "{shown}");
    }
    let text = std::fs::read_to_string(&live).expect("read");
    assert_eq!(text.matches(canary).count(), 1, "{text}");
    assert!(text.contains("[mcp_servers.web.identity.url]"), "{text}");
}
