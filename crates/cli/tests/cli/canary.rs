//! The canary sweep: a home holding secrets in every way it can (a `${secret:…}` value, an
//! `${env:…}` value, a secret already sitting in a client file, a rotated secret's old and new
//! values, secrets in a URL), then every CLI command (with and without `--json`) and every MCP
//! tool and resource over a real stdio session, every REST operation (`canary_rest`), every page
//! of the web dashboard of a live `serve --http` (logged in, a sync through its form), all at
//! trace log level. No canary may appear
//! in any output, log line, event or deployment record. A command or tool added without a line
//! in this sweep fails the test (both lists are read from the program itself).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{BIN, initialized};

pub(super) const SECRET: &str = "canary-secret-7f3a9d1e55";
const ENV_NAME: &str = "MCPO_PLAIN_SETTING";
const ENV_VALUE: &str = "canary-env-5b2c8e4a77";
const IN_FILE: &str = "canary-file-1d9e6b3c99";
const OLD: &str = "canary-old-0a4f7e2d11";
const NEW: &str = "canary-new-6c1b9f3e22";
const URL_PASSWORD: &str = "canary-urlpw-3e8d2a6f44";
const URL_QUERY: &str = "canary-urlq-9b7c4d1e33";
/// The registry password (`MCP_ORCHESTRATION_REGISTRY_PASSWORD`, `remote login`).
const REGISTRY_PW: &str = mcp_testkit::registry::REGISTRY_PASSWORD;
const CANARIES: [&str; 8] = [SECRET, ENV_VALUE, IN_FILE, OLD, NEW, URL_PASSWORD, URL_QUERY, REGISTRY_PW];

/// A command of the sweep: its path in the CLI and the arguments to run it with (`{file}` is
/// the client file, `{doc}` a servers document, `{dep}` a deployment id, `{art}` an artifact id).
const COMMANDS: &[(&str, &[&str])] = &[
    ("clients", &["clients"]),
    ("profiles", &["profiles", "claude-desktop"]),
    ("get", &["get", "claude-desktop", "--profile", "dev"]),
    ("publish", &["publish", "claude-desktop", "--profile", "dev", "--file", "{doc}"]),
    ("verify", &["verify", "--all"]),
    ("history", &["history", "claude-desktop", "--profile", "dev"]),
    ("events query", &["events", "query"]),
    ("events stats", &["events", "stats"]),
    ("keys show", &["keys", "show"]),
    ("keys export", &["keys", "export"]),
    ("keys trust", &["keys", "trust", "{pub}"]),
    ("keys untrust", &["keys", "untrust", "{foreign}"]),
    ("import", &["import", "claude-desktop", "--profile", "imported", "--file", "{file}"]),
    ("render", &["render", "claude-desktop", "--profile", "dev", "--into", "{file}"]),
    ("deploy", &["deploy", "claude-desktop", "--profile", "dev", "--file", "{file}", "--dry-run"]),
    ("rollback", &["rollback", "claude-desktop", "--file", "{file}", "--dry-run"]),
    ("deployments", &["deployments", "claude-desktop"]),
    ("diff", &["diff", "claude-desktop", "--profile", "dev", "--file", "{file}"]),
    ("status", &["status"]),
    ("doctor", &["doctor"]),
    ("gc", &["gc", "--dry-run"]),
    ("servers list", &["servers", "list"]),
    ("servers show", &["servers", "show", "github"]),
    ("servers import", &["servers", "import", "{serverjson}"]),
    ("servers remove", &["servers", "remove", "io.github.example/canary"]),
    ("draft show", &["draft", "show", "claude-desktop", "--profile", "imported"]),
    ("draft add-server", &["draft", "add-server", "claude-desktop", "--profile", "dev", "fetch"]),
    ("draft remove-server", &["draft", "remove-server", "claude-desktop", "--profile", "dev", "fetch"]),
    ("draft set", &["draft", "set", "claude-desktop", "--profile", "dev", "{doc}"]),
    ("draft validate", &["draft", "validate", "claude-desktop", "--profile", "dev"]),
    ("draft publish", &["draft", "publish", "claude-desktop", "--profile", "dev"]),
    ("draft rebase", &["draft", "rebase", "claude-desktop", "--profile", "dev"]),
    ("draft discard", &["draft", "discard", "claude-desktop", "--profile", "imported"]),
    ("secrets set", &["secrets", "set", "OTHER_SECRET"]),
    ("secrets list", &["secrets", "list"]),
    ("secrets remove", &["secrets", "remove", "OTHER_SECRET"]),
    ("secrets allow-env", &["secrets", "allow-env", ENV_NAME]),
    ("secrets disallow-env", &["secrets", "disallow-env", "NOT_USED"]),
    ("secrets allowed-env", &["secrets", "allowed-env"]),
    ("migrate", &["migrate", "--dry-run"]),
    ("exec", &["exec", "--", "true"]),
    (
        "add",
        &[
            "add",
            "canary-tool",
            "--client",
            "claude-desktop",
            "--profile",
            "dev",
            "--env",
            "TOKEN=${secret:CANARY_SECRET}",
            "--",
            "npx",
            "-y",
            "pkg",
        ],
    ),
    // A remote server with a secret header in the shared profile: Claude Desktop gets a bridge entry.
    (
        "add",
        &[
            "add",
            "canary-remote",
            "--profile",
            "team",
            "--url",
            "https://example.com/mcp",
            "--header",
            "Authorization=Bearer ${secret:CANARY_SECRET}",
        ],
    ),
    ("sync", &["sync", "--profile", "team", "--dry-run"]),
    ("sync", &["sync", "--profile", "team", "--yes"]),
    ("sync", &["sync", "--profile", "dev", "--yes"]),
    ("remove", &["remove", "canary-tool", "--client", "claude-desktop", "--profile", "dev"]),
    // Against a real registry with TLS and basic auth, the password in the environment.
    ("remote add", &["remote", "add", "team", "{regurl}", "--ca-file", "{ca}"]),
    ("remote list", &["remote", "list"]),
    ("remote login", &["remote", "login", "team", "-u", mcp_testkit::registry::REGISTRY_USER, "--password-stdin"]),
    ("push", &["push", "team"]),
    ("pull", &["pull", "team"]),
    ("status", &["status", "--remote", "team"]),
    ("sync", &["sync", "--from", "team", "--profile", "dev", "--dry-run"]),
    ("remote remove", &["remote", "remove", "team"]),
    // lock and audit: a server that prints its secret env value and argument on stderr and
    // exits (its probe fails with that stderr), and the dev profile against a registry that is
    // down.
    ("publish", &["publish", "--all", "--profile", "lockcanary", "--file", "{lockdoc}"]),
    ("lock", &["lock", "--client", "claude-desktop", "--profile", "dev", "--check"]),
    ("lock", &["lock", "--profile", "lockcanary", "--probe", "--probe-timeout", "10"]),
    ("lock", &["lock", "--client", "claude-desktop", "--profile", "dev", "--npm-registry", "http://127.0.0.1:9/"]),
    ("audit", &["audit", "--profile", "lockcanary"]),
    ("audit", &["audit", "--client", "claude-desktop", "--profile", "dev", "--npm-registry", "http://127.0.0.1:9/"]),
    // An image at the TLS registry (no Docker login: refused) and an HTTP+SSE server whose
    // header holds the secret (not listening: its probe fails).
    ("publish", &["publish", "--all", "--profile", "imagecanary", "--file", "{imagedoc}"]),
    ("lock", &["lock", "--profile", "imagecanary", "--probe", "--probe-timeout", "10", "--oci-ca-file", "{ca}"]),
    ("audit", &["audit", "--profile", "imagecanary", "--oci-ca-file", "{ca}"]),
    ("tokens create", &["tokens", "create", "--name", "CI", "--scope", "read"]),
    ("tokens list", &["tokens", "list"]),
    ("tokens list", &["tokens", "list", "--json"]),
    ("tokens revoke", &["tokens", "revoke", "CI"]),
    // A policy that every document here breaks (references, unpinned `npx -y`): its findings
    // and the refusals it causes are swept, then it is removed.
    ("policy sign", &["policy", "sign", "{policydoc}", "--out", "{signedpolicy}"]),
    ("policy trust", &["policy", "trust", "{signedpolicy}"]),
    ("remote add", &["remote", "add", "team", "{regurl}", "--ca-file", "{ca}"]),
    ("policy push", &["policy", "push", "team"]),
    ("policy pull", &["policy", "pull", "team"]),
    ("sync", &["sync", "--from", "team", "--profile", "dev", "--dry-run"]),
    ("remote remove", &["remote", "remove", "team"]),
    ("policy list", &["policy", "list"]),
    ("policy check", &["policy", "check", "--client", "claude-desktop"]),
    ("policy check", &["policy", "check", "--client", "claude-desktop", "--profile", "dev"]),
    ("policy check", &["policy", "check", "{doc}"]),
    // audit --ci over the client file holding literal secrets, with the policy's findings.
    ("audit", &["audit", "--ci"]),
    ("audit", &["audit", "--ci", "--format", "sarif"]),
    ("audit", &["audit", "--ci", "--probe", "--probe-timeout", "10"]),
    ("policy render", &["policy", "render", "--client", "claude-code"]),
    ("policy render", &["policy", "render", "--client", "gemini-cli", "--json"]),
    ("policy render", &["policy", "render", "--client", "codex"]),
    ("policy render", &["policy", "render", "--client", "copilot-cli", "--output", "{rendered}"]),
    ("publish", &["publish", "claude-desktop", "--profile", "dev", "--file", "{doc}", "--allow-same"]),
    ("deploy", &["deploy", "claude-desktop", "--profile", "dev", "--file", "{file}"]),
    ("policy remove", &["policy", "remove", "canary"]),
    ("init-configs", &["init-configs"]),
    ("keys rotate", &["keys", "rotate"]),
    // Generated from the clap definition alone (no home is read); swept all the same.
    ("completions", &["completions", "bash"]),
    ("man", &["man"]),
    // `serve` is swept through a real MCP session below, `bridge` through one with a live remote
    // and against a remote that is down.
    ("serve", &[]),
    ("bridge", &[]),
];

/// Every leaf command of the CLI (`help` excluded), as space-separated paths.
fn cli_leaves() -> BTreeSet<String> {
    fn walk(command: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let path =
                if prefix.is_empty() { sub.get_name().to_owned() } else { format!("{prefix} {}", sub.get_name()) };
            if sub.has_subcommands() {
                walk(sub, &path, out);
            } else {
                out.insert(path);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&mcp_orchestration::command(), "", &mut out);
    out
}

pub(super) fn command(env: &TestEnv) -> Command {
    let mut cmd = env.std_command(BIN);
    cmd.env(ENV_NAME, ENV_VALUE)
        .env("RUST_LOG", "trace")
        .env("MCP_ORCHESTRATION_LOG_LEVEL", "trace")
        .env("MCP_ORCHESTRATION_DEBUG", "1")
        .env("MCP_ORCHESTRATION_REGISTRY_USER", mcp_testkit::registry::REGISTRY_USER)
        .env("MCP_ORCHESTRATION_REGISTRY_PASSWORD", REGISTRY_PW);
    cmd
}

fn run_with_stdin(env: &TestEnv, args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = command(env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

pub(super) fn assert_clean(what: &str, text: &str) {
    for canary in CANARIES {
        assert!(!text.contains(canary), "{what} shows the canary {canary}:\n{text}");
    }
}

/// Sets up the home: secrets (one rotated after a deploy), an env reference, a client file
/// holding the user's own secrets (one in a URL). Returns the client file.
fn prepare(env: &TestEnv) -> std::path::PathBuf {
    for (name, value) in [("CANARY_SECRET", SECRET), ("ROTATED_TOKEN", OLD)] {
        let (code, text) = run_with_stdin(env, &["secrets", "set", name], value);
        assert_eq!(code, 0, "{text}");
    }
    let file = env.root().join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let live = json!({"mcpServers": {
        "mine": {"command": "my-server", "env": {"API_TOKEN": IN_FILE}},
        "remote-proxy": {"command": "npx", "args": ["-y", "mcp-remote",
            format!("https://bob:{URL_PASSWORD}@example.com/mcp?api_key={URL_QUERY}")]}
    }});
    std::fs::write(&file, serde_json::to_string_pretty(&live).expect("json")).expect("write");
    let doc = json!({"mcpServers": {
        "tool": {"command": "npx", "args": ["-y", "pkg", "--config", "${secret:CANARY_SECRET}", "${env:MCPO_PLAIN_SETTING}"],
                 "env": {"GITHUB_TOKEN": "${secret:ROTATED_TOKEN}", "PLAIN": "${env:MCPO_PLAIN_SETTING}"}}
    }});
    let doc_file = env.write_file("dev.json", &doc.to_string());
    for args in [
        vec!["publish", "claude-desktop", "--profile", "dev", "--file", doc_file.to_str().expect("utf8")],
        vec!["deploy", "claude-desktop", "--profile", "dev", "--file", file.to_str().expect("utf8")],
    ] {
        let (code, text) = run_with_stdin(env, &args, "");
        assert_eq!(code, 0, "{args:?}: {text}");
        assert_clean(&format!("{args:?}"), &text);
    }
    let written = std::fs::read_to_string(&file).expect("read");
    assert!(written.contains(OLD) && written.contains(SECRET) && written.contains(ENV_VALUE), "{written}");
    let (code, text) = run_with_stdin(env, &["secrets", "set", "ROTATED_TOKEN"], NEW);
    assert_eq!(code, 0, "{text}");
    file
}

fn substitute<'a>(arg: &'a str, vars: &'a [(&str, String)]) -> &'a str {
    vars.iter().find(|(k, _)| *k == arg).map_or(arg, |(_, v)| v.as_str())
}

#[test]
fn no_canary_reaches_any_output_of_any_command_tool_or_resource() {
    let env = initialized();
    let file = prepare(&env);
    let swept: BTreeSet<String> = COMMANDS.iter().map(|(name, _)| (*name).to_owned()).collect();
    let leaves = cli_leaves();
    let missing: Vec<&String> = leaves.difference(&swept).collect();
    assert!(missing.is_empty(), "commands missing from the canary sweep: {missing:?}");
    let doc = env.write_file("again.json", &std::fs::read_to_string(env.root().join("dev.json")).expect("doc"));
    let public = env.write_file("pub.pem", "");
    let (code, pem) = run_with_stdin(&env, &["keys", "export"], "");
    assert_eq!(code, 0);
    std::fs::write(&public, pem.lines().filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n") + "\n").expect("pem");
    let server_json = env.write_file(
        "server.json",
        &json!({"name": "io.github.example/canary", "description": "d", "version": "1.0.0",
                "packages": [{"registryType": "npm", "identifier": "canary-pkg", "version": "1.0.0",
                              "transport": {"type": "stdio"}}]})
        .to_string(),
    );
    let policy_doc = env.write_file(
        "canary.json",
        &json!({"schema_version": 1, "forbid_unpinned_npx_y": true, "remote_hosts": {"deny": ["example.com"]},
                "references": [{"servers": ["nothing"], "env": ["NONE"]}]})
        .to_string(),
    );
    let signed_policy = env.root().join("canary.signed.json");
    let registry = mcp_testkit::registry::Registry::start(mcp_testkit::registry::RegistryOptions {
        tls: true,
        auth: true,
        token: false,
    });
    let lock_doc = env.write_file(
        "lockcanary.json",
        &json!({"mcpServers": {"leaky": {
            "command": "sh",
            "args": ["-c", "echo \"token=$TOKEN plain=$PLAIN arg=$0\" >&2; exit 1", "${secret:CANARY_SECRET}"],
            "env": {"TOKEN": "${secret:CANARY_SECRET}", "PLAIN": format!("${{env:{ENV_NAME}}}")},
            "lock": {"tools_sha256": "0".repeat(64), "tools": {}}
        }}})
        .to_string(),
    );
    let image_doc = env.write_file(
        "imagecanary.json",
        &json!({"mcpServers": {
            "img": {"command": "docker", "args": ["run", "-i", "--rm", "-e", "TOKEN", format!("{}/team/mcp:1", registry.host())],
                    "env": {"TOKEN": "${secret:CANARY_SECRET}"}},
            "legacy": {"type": "sse", "url": "http://127.0.0.1:9/sse",
                       "headers": {"Authorization": "Bearer ${secret:CANARY_SECRET}"},
                       "lock": {"tools_sha256": "0".repeat(64), "tools": {}}},
        }})
        .to_string(),
    );
    let vars = [
        ("{imagedoc}", image_doc.display().to_string()),
        ("{regurl}", registry.url("team/mcp")),
        ("{ca}", registry.ca_file().display().to_string()),
        ("{lockdoc}", lock_doc.display().to_string()),
        ("{file}", file.display().to_string()),
        ("{doc}", doc.display().to_string()),
        ("{pub}", public.display().to_string()),
        ("{foreign}", "ed25519:0000000000000000000000000000000000000000000000000000000000000000".to_owned()),
        ("{serverjson}", server_json.display().to_string()),
        ("{policydoc}", policy_doc.display().to_string()),
        ("{signedpolicy}", signed_policy.display().to_string()),
        ("{rendered}", env.root().join("rendered-managed-settings.json").display().to_string()),
    ];
    for (name, args) in COMMANDS.iter().filter(|(name, _)| !matches!(*name, "serve" | "bridge")) {
        let args: Vec<&str> = args.iter().map(|a| substitute(a, &vars)).collect();
        let stdin = match *name {
            "secrets set" => "other-value",
            "remote login" => REGISTRY_PW,
            _ => "",
        };
        for json_flag in [false, true] {
            let mut full = args.clone();
            if json_flag {
                full.push("--json");
            }
            let (code, text) = run_with_stdin(&env, &full, stdin);
            assert!(code != 101 && code >= 0, "{full:?} crashed: {text}");
            assert_clean(&format!("`{}`", full.join(" ")), &text);
        }
    }
    let ca = registry.ca_file().display().to_string();
    let (code, text) =
        run_with_stdin(&env, &["remote", "add", "team", &registry.url("team/mcp"), "--ca-file", &ca], "");
    assert_eq!(code, 0, "{text}");
    // audit --ci found something in the file holding the secrets (the sweep above is not empty).
    let (code, text) = run_with_stdin(&env, &["audit", "--ci", "--format", "sarif"], "");
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("\"ruleId\": \"lock/unpinned\"") && text.contains("remote-proxy"), "{text}");
    // The probe's failure shows the server's stderr, with the resolved values masked.
    let (code, text) = run_with_stdin(&env, &["audit", "--profile", "lockcanary"], "");
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("token=«redacted» plain=«redacted» arg=«redacted»"), "{text}");
    sweep_mcp(&env, &file);
    sweep_bridge(&env);
    super::canary_rest::sweep_rest(&env, &file);
    sweep_home(&env.home());
}

/// Every file of the home that is output or a record: events, deployment records, drafts,
/// caches (not the secret store, the backups of client files or the keys).
fn sweep_home(home: &Path) {
    let mut stack = vec![home.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(home).expect("inside").to_string_lossy().into_owned();
            // The secret store and `remote login`'s stored password (both 0600) hold values by design.
            if relative == "secrets.json" || relative == "remotes.json" || relative.starts_with("deployments/backups") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                assert_clean(&format!("home file {relative}"), &text);
            }
        }
    }
}

/// A line-by-line JSON-RPC session with `mcp-orchestration serve` over stdio.
struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    next_id: u64,
    logs: Option<std::thread::JoinHandle<String>>,
}

impl Session {
    fn start(env: &TestEnv) -> Session {
        Self::start_with(env, &["serve"])
    }

    fn start_with(env: &TestEnv, args: &[&str]) -> Session {
        let mut child = command(env)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        // Trace logs fill a pipe quickly: read them as they come, so the server never blocks.
        let mut stderr = child.stderr.take().expect("stderr");
        let logs = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).expect("read stderr");
            text
        });
        let mut session = Session { child, stdin, stdout, next_id: 1, logs: Some(logs) };
        let init = session.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "canary", "version": "1"}}),
        );
        assert!(init.get("result").is_some(), "{init}");
        session.notify("notifications/initialized");
        session
    }

    fn notify(&mut self, method: &str) {
        writeln!(self.stdin, "{}", json!({"jsonrpc": "2.0", "method": method})).expect("write");
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        writeln!(self.stdin, "{}", json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .expect("write");
        loop {
            let mut line = String::new();
            assert!(self.stdout.read_line(&mut line).expect("read") > 0, "the server closed stdout");
            let message: Value = serde_json::from_str(&line).expect("a JSON-RPC line");
            if message["id"] == json!(id) {
                assert_clean(&format!("{method} {params}"), &line);
                return message;
            }
            assert_clean(&format!("a message during {method}"), &line);
        }
    }

    fn finish(mut self) -> String {
        drop(self.stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).expect("read rest");
        self.child.wait().expect("wait");
        rest + &self.logs.take().expect("log reader").join().expect("logs")
    }
}

fn sweep_mcp(env: &TestEnv, file: &Path) {
    let file = file.display().to_string();
    let mut session = Session::start(env);
    let calls: Vec<(&str, Value)> = vec![
        ("list_clients", json!({})),
        ("list_profiles", json!({"client_id": "claude-desktop"})),
        ("get_config", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("diff_config", json!({"client_id": "claude-desktop", "profile_id": "dev", "file": file})),
        ("list_available_servers", json!({})),
        ("search_servers", json!({"query": "git"})),
        ("describe_server", json!({"server_id": "fetch"})),
        (
            "add_server_to_config",
            json!({"client_id": "claude-desktop", "profile_id": "dev", "server_id": "filesystem", "name": "leak",
                   "params": {"path": "${env:MCPO_PLAIN_SETTING}"}}),
        ),
        ("view_draft_config", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("validate_config", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("publish_config", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("deploy_config", json!({"client_id": "claude-desktop", "profile_id": "dev", "file": file})),
        ("deploy_config", json!({"client_id": "claude-desktop", "profile_id": "dev", "file": file, "confirm": true})),
        ("sync_clients", json!({"profile_id": "dev"})),
        ("sync_clients", json!({"profile_id": "dev", "confirm": true})),
        ("get_deployment_status", json!({})),
        ("get_deployment_status", json!({"client_id": "claude-desktop"})),
        ("rollback_config", json!({"client_id": "claude-desktop", "file": file})),
        ("list_history", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("verify_artifact", json!({})),
        ("import_client_config", json!({"client_id": "claude-desktop", "profile_id": "mcpimport", "file": file})),
        ("remove_server_from_config", json!({"client_id": "claude-desktop", "profile_id": "dev", "server_id": "leak"})),
        ("clear_draft_config", json!({"client_id": "claude-desktop", "profile_id": "dev"})),
        ("push_profiles", json!({"remote": "team"})),
        ("push_profiles", json!({"remote": "team", "confirm": true})),
        ("pull_profiles", json!({"remote": "team"})),
        ("pull_profiles", json!({"remote": "nope"})),
        ("audit_clients", json!({})),
        ("audit_clients", json!({"limit": 1})),
    ];
    let listed = session.request("tools/list", json!({}));
    let tools: BTreeSet<String> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect();
    let swept: BTreeSet<String> = calls.iter().map(|(name, _)| (*name).to_owned()).collect();
    let missing: Vec<&String> = tools.difference(&swept).collect();
    assert!(missing.is_empty(), "tools missing from the canary sweep: {missing:?}");
    for (tool, arguments) in calls {
        session.request("tools/call", json!({"name": tool, "arguments": arguments}));
    }
    let resources = session.request("resources/list", json!({}));
    let mut uris: Vec<String> = resources["result"]["resources"]
        .as_array()
        .map(|list| list.iter().filter_map(|r| r["uri"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    uris.extend(["profiles://claude-desktop".to_owned(), "config://claude-desktop/dev".to_owned()]);
    let templates = session.request("resources/templates/list", json!({}));
    assert_clean("resources/templates/list", &templates.to_string());
    for uri in uris {
        session.request("resources/read", json!({"uri": uri}));
    }
    let logs = session.finish();
    assert_clean("the MCP server's logs", &logs);
    // The sweep really wrote the allowlisted variable's value (and the secrets) into the file.
    let written = std::fs::read_to_string(file).expect("read");
    assert!(written.contains(ENV_VALUE) && written.contains(SECRET), "{written}");
}

/// Headers carrying a secret and an environment value: sent by the bridge, never shown.
const BRIDGE_HEADERS: [&str; 4] =
    ["--header", "X-Canary=${secret:CANARY_SECRET}", "--header", "X-Setting=${env:MCPO_PLAIN_SETTING}"];

/// `bridge` to a remote that is down (with and without `--json`), then a session through it
/// to a live `serve --http` of this home (its token a secret too), all at trace level.
fn sweep_bridge(env: &TestEnv) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let down = format!("http://127.0.0.1:{port}/mcp");
    for json_flag in [&[][..], &["--json"][..]] {
        let args: Vec<&str> =
            ["bridge", down.as_str()].into_iter().chain(BRIDGE_HEADERS).chain(json_flag.iter().copied()).collect();
        let (code, text) = run_with_stdin(env, &args, "");
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("cannot open an MCP session"), "{text}");
        assert_clean("`bridge` to a remote that is down", &text);
    }
    let mut server = Killed(
        command(env)
            .args(["serve", "--http", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve --http"),
    );
    let mut lines = BufReader::new(server.0.stderr.take().expect("stderr")).lines();
    let url = loop {
        let line = lines.next().expect("serve --http printed no listening line").expect("read");
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_owned();
        }
    };
    // Keep draining the server's (trace) logs so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let token = std::fs::read_to_string(env.home().join("server/http-token")).expect("token");
    let (code, text) = run_with_stdin(env, &["secrets", "set", "HTTP_TOKEN"], token.trim());
    assert_eq!(code, 0, "{text}");
    let args: Vec<&str> = ["bridge", url.as_str(), "--header", "Authorization=Bearer ${secret:HTTP_TOKEN}"]
        .into_iter()
        .chain(BRIDGE_HEADERS)
        .collect();
    sweep_dashboard(url.trim_start_matches("http://").trim_end_matches("/mcp"), token.trim());
    let mut session = Session::start_with(env, &args);
    let listed = session.request("tools/list", json!({}));
    assert!(listed.to_string().contains("list_clients"), "{listed}");
    let called = session.request("tools/call", json!({"name": "list_clients", "arguments": {}}));
    assert!(called.to_string().contains("claude-desktop"), "{called}");
    session.request("resources/list", json!({}));
    let logs = session.finish();
    assert!(logs.contains("DEBUG"), "debug logging was not on: {logs}");
    assert_clean("the bridge's logs", &logs);
}

/// One HTTP/1.1 request to the dashboard: (status, head and body). `cookies` is sent as given.
fn dashboard_request(addr: &str, method: &str, path: &str, cookies: &str, form: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let origin = format!("http://{addr}");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nCookie: {cookies}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, text)
}

/// The value of a `Set-Cookie` (or a form's `csrf` field) in a response.
fn dashboard_value(text: &str, before: &str) -> String {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in {text}"));
    text[at + before.len()..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

/// The dashboard of the live server: logged in with the server's token, every page (and a
/// deploy through its confirmation form) holds no canary.
fn sweep_dashboard(addr: &str, token: &str) {
    let (_, login) = dashboard_request(addr, "GET", "/login", "", "");
    let nonce = dashboard_value(&login, "mcpo_login=");
    let form = format!("token={token}&csrf={nonce}");
    let (status, reply) = dashboard_request(addr, "POST", "/login", &format!("mcpo_login={nonce}"), &form);
    assert_eq!(status, 303, "{reply}");
    let cookie = format!("mcpo_session={}", dashboard_value(&reply, "mcpo_session="));
    let pages = [
        "/",
        "/clients/claude-desktop",
        "/clients/claude-desktop/deploy?profile=dev",
        "/clients/claude-desktop/rollback",
        "/sync?profile=team",
        "/profiles",
        "/profiles/claude-desktop/dev",
        "/profiles/_shared/team",
        "/profiles/claude-desktop/dev/publish",
        "/catalog",
        "/catalog?q=git",
        "/events",
    ];
    for page in pages {
        let (status, text) = dashboard_request(addr, "GET", page, &cookie, "");
        assert!(status < 500, "dashboard {page}: {text}");
        assert_clean(&format!("dashboard page {page}"), &text);
    }
    let (_, confirm) = dashboard_request(addr, "GET", "/clients/claude-desktop/deploy?profile=dev", &cookie, "");
    let csrf = dashboard_value(&confirm, "name=\"csrf\" value=\"");
    let (status, text) = dashboard_request(addr, "POST", "/sync", &cookie, &format!("csrf={csrf}&profile=team"));
    assert!(status == 303 || status == 409, "dashboard sync: {text}");
    assert_clean("the dashboard's sync", &text);
    let (_, overview) = dashboard_request(addr, "GET", "/?done=synced", &cookie, "");
    assert_clean("the dashboard after a sync", &overview);
}

/// A child killed when the test is done with it, passed or not.
pub(super) struct Killed(pub(super) std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Over MCP, `${env:NAME}` resolves only for allowlisted names: a model cannot have another
/// variable of the server's environment written into a file, and the refusal does not show it.
#[test]
fn a_model_cannot_have_an_environment_variable_off_the_allowlist_written() {
    let env = initialized();
    let file = env.root().join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "{\"mcpServers\": {}}\n").expect("write");
    let path = file.display().to_string();
    let mut session = Session::start(&env);
    let add = session.request(
        "tools/call",
        json!({"name": "add_server_to_config", "arguments": {"client_id": "claude-desktop", "profile_id": "dev",
               "server_id": "filesystem", "name": "exfil", "params": {"path": "${env:MCPO_PLAIN_SETTING}"}}}),
    );
    assert_ne!(add["result"]["isError"], json!(true), "{add}");
    let publish = session.request(
        "tools/call",
        json!({"name": "publish_config", "arguments": {"client_id": "claude-desktop", "profile_id": "dev"}}),
    );
    assert_ne!(publish["result"]["isError"], json!(true), "{publish}");
    let deploy = session.request(
        "tools/call",
        json!({"name": "deploy_config", "arguments": {"client_id": "claude-desktop", "profile_id": "dev",
               "file": path, "confirm": true}}),
    );
    assert_eq!(deploy["result"]["isError"], json!(true), "{deploy}");
    let message = deploy["result"]["content"][0]["text"].as_str().expect("text");
    assert!(message.contains("secrets allow-env MCPO_PLAIN_SETTING"), "{message}");
    session.finish();
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "{\"mcpServers\": {}}\n", "nothing was written");
    // The CLI, run by the user, is not limited.
    let (code, text) = run_with_stdin(&env, &["deploy", "claude-desktop", "--profile", "dev", "--file", &path], "");
    assert_eq!(code, 0, "{text}");
    assert!(std::fs::read_to_string(&file).expect("read").contains(ENV_VALUE));
}
