//! One server list for every client: shared profiles, `add`/`remove` in one step, `sync` into
//! every client file on the machine (each in its own dialect, a bridge entry where a client
//! cannot reach a remote server), `rollback --sync`, and replays between shared and client
//! artifacts refused.

use std::path::PathBuf;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{code, envelope, initialized, json, publish, run, servers, stderr};
use super::pty::Terminal;

/// Seven clients' files in the temp HOME, each holding one entry of the user's own.
fn seven_clients(env: &TestEnv) -> Vec<(&'static str, PathBuf)> {
    let files: [(&str, &str, &str); 7] = [
        (
            "claude-desktop",
            ".config/Claude/claude_desktop_config.json",
            r#"{"mcpServers": {"mine": {"command": "mine"}}}"#,
        ),
        ("cursor", ".cursor/mcp.json", r#"{"mcpServers": {"mine": {"command": "mine"}}}"#),
        (
            "vscode",
            ".config/Code/User/mcp.json",
            "{\n  // the user's\n  \"servers\": {\"mine\": {\"type\": \"stdio\", \"command\": \"mine\"}}\n}\n",
        ),
        (
            "claude-code",
            ".claude.json",
            r#"{"numStartups": 3, "mcpServers": {"mine": {"type": "stdio", "command": "mine"}}}"#,
        ),
        ("gemini-cli", ".gemini/settings.json", r#"{"theme": "dark", "mcpServers": {"mine": {"command": "mine"}}}"#),
        ("codex", ".codex/config.toml", "model = \"o3\"\n\n[mcp_servers.mine]\ncommand = \"mine\"\n"),
        (
            "zed",
            ".config/zed/settings.json",
            "{\n  \"theme\": \"One Dark\",\n  \"context_servers\": {\"mine\": {\"command\": \"mine\", \"args\": []}}\n}\n",
        ),
    ];
    files
        .into_iter()
        .map(|(client, rel, text)| {
            let path = env.root().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
            (client, path)
        })
        .collect()
}

/// The servers of a client file as its own dialect reads them.
fn servers_in(client: &str, path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path).expect("read");
    dialects::import(client, &text).unwrap_or_else(|e| panic!("{client}: {e}\n{text}"))
}

fn bytes(files: &[(&str, PathBuf)]) -> Vec<Vec<u8>> {
    files.iter().map(|(_, p)| std::fs::read(p).expect("read")).collect()
}

#[test]
fn one_add_syncs_every_client_one_remove_takes_it_out_and_rollback_sync_restores_the_bytes() {
    let env = initialized();
    let files = seven_clients(&env);

    let out = run(&env, &["add", "time", "--sync", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("added time in shared profile 'default': now v2"), "{}", stderr(&out));
    for (client, path) in &files {
        let doc = servers_in(client, path);
        assert!(doc["mcpServers"]["time"]["command"].is_string(), "{client}: {doc}");
        assert_eq!(doc["mcpServers"]["mine"]["command"], "mine", "{client} keeps the user's entry");
    }
    // Each file keeps what is not ours, in its own format.
    assert!(std::fs::read_to_string(&files[2].1).expect("read").contains("// the user's"));
    let codex = std::fs::read_to_string(&files[5].1).expect("read");
    assert!(codex.contains("model = \"o3\"") && codex.contains("[mcp_servers.time]"), "{codex}");
    let after_add = bytes(&files);

    let out = run(&env, &["remove", "time", "--sync", "--yes", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sync_id = json(&out)["sync_id"].as_str().expect("sync id").to_owned();
    for (client, path) in &files {
        let doc = servers_in(client, path);
        assert!(doc["mcpServers"].get("time").is_none(), "{client}: {doc}");
        assert_eq!(doc["mcpServers"]["mine"]["command"], "mine", "{client}");
    }

    // Rolling back the remove's sync brings every file back to its bytes before it.
    let out = run(&env, &["rollback", "--sync", &sync_id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(bytes(&files), after_add);
    // The add's sync cannot be rolled back over the writes after it.
    let history = json(&run(&env, &["deployments", "cursor", "--json"]));
    let first_sync = history["deployments"][0]["sync_id"].as_str().expect("first sync").to_owned();
    let out = run(&env, &["rollback", "--sync", &first_sync, "--force"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("was written again after sync"), "{}", stderr(&out));
    assert_eq!(bytes(&files), after_add, "nothing was written");
}

#[test]
fn rollback_sync_restores_every_file_byte_for_byte() {
    let env = initialized();
    let files = seven_clients(&env);
    let before = bytes(&files);
    let out = run(&env, &["add", "sequential-thinking", "--sync", "--yes", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sync_id = json(&out)["sync_id"].as_str().expect("sync id").to_owned();
    assert_ne!(bytes(&files), before);
    let out = run(&env, &["rollback", "--sync", &sync_id, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["files"].as_array().expect("files").len(), files.len());
    assert_eq!(bytes(&files), before, "every file holds its bytes from before the sync");
    let out = run(&env, &["rollback", "--sync", "sync-20990101T000000Z-00000000"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}

#[test]
fn a_stdio_only_client_gets_a_bridge_entry_holding_references_and_the_others_the_url() {
    let env = initialized();
    let files = seven_clients(&env);
    let token = "bridge-canary-token-99";
    let mut cmd = env.std_command(super::common::BIN);
    let mut child =
        cmd.args(["secrets", "set", "REMOTE_TOKEN"]).stdin(std::process::Stdio::piped()).spawn().expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), token.as_bytes()).expect("write");
    assert!(child.wait().expect("wait").success());
    let out = run(
        &env,
        &[
            "add",
            "remote",
            "--url",
            "https://mcp.example.com/mcp",
            "--header",
            "Authorization=Bearer ${secret:REMOTE_TOKEN}",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["sync", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("CLIENT") && table.contains("bridged: remote"), "{table}");
    let desktop = servers_in("claude-desktop", &files[0].1);
    let entry = &desktop["mcpServers"]["remote"];
    let args: Vec<&str> = entry["args"].as_array().expect("args").iter().map(|a| a.as_str().expect("arg")).collect();
    assert_eq!(&args[..3], ["bridge", "https://mcp.example.com/mcp", "--header"]);
    assert_eq!(args[3], "Authorization=Bearer ${secret:REMOTE_TOKEN}", "the bridge resolves it when it starts");
    assert!(entry.get("url").is_none());
    for (client, path) in &files[1..] {
        let doc = servers_in(client, path);
        assert_eq!(doc["mcpServers"]["remote"]["url"], "https://mcp.example.com/mcp", "{client}: {doc}");
    }
    // Claude Desktop's file holds the reference only; the bridge resolves it when it starts.
    assert!(!std::fs::read_to_string(&files[0].1).expect("read").contains(token));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(token) && !stderr(&out).contains(token));
    // `get` shows the signed document and, beside it, the document as that client takes it.
    let got = json(&run(&env, &["get", "claude-desktop", "--json"]));
    assert_eq!(got["payload"]["mcpServers"]["remote"]["url"], "https://mcp.example.com/mcp");
    assert_eq!(got["rendered_for_client"]["bridged"], json!(["remote"]));
    assert_eq!(got["rendered_for_client"]["document"]["mcpServers"]["remote"]["args"][0], "bridge");
    let got = json(&run(&env, &["get", "cursor", "--json"]));
    assert_eq!(got["rendered_for_client"]["bridged"], json!([]));
    // Status shows which layer each file follows.
    let status = json(&run(&env, &["status", "--json"]));
    let rows = status.as_array().expect("rows");
    assert!(rows.iter().all(|r| r["layer"] == "shared"), "{status}");
}

#[test]
fn a_client_profile_of_the_same_name_overrides_the_shared_one_for_that_client_only() {
    let env = initialized();
    let files = seven_clients(&env);
    publish(&env, "cursor", "default", &servers("cursor-only", "uvx"));
    let out = run(&env, &["sync", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let cursor = servers_in("cursor", &files[1].1);
    assert!(cursor["mcpServers"].get("cursor-only").is_some() && cursor["mcpServers"].get("filesystem").is_none());
    let desktop = servers_in("claude-desktop", &files[0].1);
    assert!(desktop["mcpServers"].get("cursor-only").is_none() && desktop["mcpServers"].get("filesystem").is_some());
    let status = json(&run(&env, &["status", "--json"]));
    let layer = |client: &str| {
        status.as_array().expect("rows").iter().find(|r| r["client_id"] == client).expect("row")["layer"].clone()
    };
    assert_eq!(layer("cursor"), "client");
    assert_eq!(layer("claude-desktop"), "shared");
    let profiles = json(&run(&env, &["profiles", "cursor", "--json"]));
    assert_eq!(profiles["profiles"][0]["layer"], "client");
    // `add --client` makes (or changes) that client's own override, from what it follows.
    let out = run(&env, &["add", "fetch", "--client", "zed"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let zed = json(&run(&env, &["get", "zed", "--json"]));
    assert_eq!(zed["client_id"], "zed");
    assert!(zed["payload"]["mcpServers"].get("filesystem").is_some(), "made from the shared default");
    assert!(zed["payload"]["mcpServers"].get("fetch").is_some());
}

#[test]
fn sync_skips_what_it_cannot_write_and_says_so() {
    let env = initialized();
    let files = seven_clients(&env);
    std::fs::write(&files[4].1, "{\"mcpServers\": {").expect("break gemini's file");
    let out = run(&env, &["sync", "--yes", "--json"]);
    assert_eq!(code(&out), 10, "the first failure's code: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["ok"], false);
    let failed: Vec<&Value> =
        report["files"].as_array().expect("files").iter().filter(|f| !f["error"].is_null()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["client_id"], "gemini-cli");
    assert!(failed[0]["error"].as_str().expect("error").contains("line 1"), "{}", failed[0]["error"]);
    assert_eq!(std::fs::read_to_string(&files[4].1).expect("read"), "{\"mcpServers\": {", "left alone");
    // The others were written.
    assert!(servers_in("cursor", &files[1].1)["mcpServers"].get("filesystem").is_some());
    // Clients not installed are listed, not written.
    let not_installed: Vec<&str> =
        report["not_installed"].as_array().expect("list").iter().map(|c| c.as_str().expect("id")).collect();
    assert!(not_installed.contains(&"windsurf") && !not_installed.contains(&"cursor"), "{not_installed:?}");
    assert!(!env.root().join(".codeium").exists());
}

#[test]
fn sync_without_a_terminal_refuses_unless_yes_and_dry_run_writes_nothing() {
    let env = initialized();
    let files = seven_clients(&env);
    let before = env.snapshot();
    let originals = bytes(&files);
    let out = run(&env, &["sync"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("without a terminal") && stderr(&out).contains("--yes"), "{}", stderr(&out));
    let out = run(&env, &["sync", "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(shown.contains("would change") && shown.contains("+++ b/"), "{shown}");
    assert_eq!(bytes(&files), originals);
    // Only the event log, locks and the signature cache changed in the home.
    let kept = |p: &String| !["events/", "locks/", "cache/"].iter().any(|d| p.starts_with(d));
    let after: Vec<_> = env.snapshot().into_iter().filter(|(p, _)| kept(p)).collect();
    let before: Vec<_> = before.into_iter().filter(|(p, _)| kept(p)).collect();
    assert_eq!(after, before);
}

#[test]
fn sync_asks_once_on_a_terminal() {
    let env = initialized();
    let files = seven_clients(&env);
    let originals = bytes(&files);
    let mut terminal = Terminal::spawn(&env, &["sync"], |_| {});
    let screen = terminal.expect("? [y/N] ");
    assert!(screen.contains("CLIENT") && screen.contains("would change"), "{screen}");
    terminal.send_line("n");
    let (status, _) = terminal.finish();
    assert_eq!(status, 0, "declining is not a failure");
    assert_eq!(bytes(&files), originals, "no means nothing written");
    let mut terminal = Terminal::spawn(&env, &["sync"], |_| {});
    terminal.expect("? [y/N] ");
    terminal.send_line("y");
    let (status, screen) = terminal.finish();
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains("rollback --sync"), "{screen}");
    assert!(servers_in("cursor", &files[1].1)["mcpServers"].get("filesystem").is_some());
}

#[test]
fn a_shared_artifact_replayed_as_a_client_profile_is_refused_and_the_other_way_round() {
    let env = initialized();
    // The shared default's v1 planted as cursor's own default.
    std::fs::create_dir_all(env.home().join("history/cursor/default")).expect("mkdir");
    std::fs::copy(envelope(&env, "_shared", "default", 1), envelope(&env, "cursor", "default", 1)).expect("copy");
    std::fs::create_dir_all(env.home().join("heads/cursor")).expect("mkdir");
    std::fs::copy(env.home().join("heads/_shared/default.json"), env.home().join("heads/cursor/default.json"))
        .expect("head");
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("is for _shared/default, not cursor/default"), "{}", stderr(&out));

    // A client's artifact planted as a shared profile.
    let env = initialized();
    let own = publish(&env, "cursor", "team", &servers("mine", "npx"));
    std::fs::create_dir_all(env.home().join("history/_shared/team")).expect("mkdir");
    std::fs::copy(envelope(&env, "cursor", "team", 1), envelope(&env, "_shared", "team", 1)).expect("copy");
    let head = json!({"version": 1, "artifact_id": own["artifact_id"]});
    std::fs::write(env.home().join("heads/_shared/team.json"), head.to_string()).expect("head");
    let out = run(&env, &["get", "--all", "--profile", "team"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("is for cursor/team, not _shared/team"), "{}", stderr(&out));
    // …and as the shared profile a client without its own follows.
    let out = run(&env, &["get", "zed", "--profile", "team"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
}

#[test]
fn a_home_of_layout_1_is_migrated_and_a_newer_layout_refused() {
    let env = initialized();
    std::fs::write(env.home().join("layout.json"), "{\"layout\": 1}\n").expect("layout 1");
    // Layout 1 homes read as before.
    assert_eq!(code(&run(&env, &["get", "cursor"])), 0);
    let out = run(&env, &["migrate", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["layout_upgraded"], true);
    assert_eq!(std::fs::read_to_string(env.home().join("layout.json")).expect("layout"), "{\"layout\": 2}\n");
    let out = run(&env, &["migrate", "--json"]);
    assert_eq!(json(&out)["layout_upgraded"], false, "a second run changes nothing");

    std::fs::write(env.home().join("layout.json"), "{\"layout\": 9}\n").expect("layout 9");
    let before = env.snapshot();
    let doc = env.write_file("d.json", &servers("x", "npx"));
    let out = run(&env, &["publish", "--all", "--profile", "team", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("made by a newer mcp-orchestration"), "{}", stderr(&out));
    let after: Vec<_> =
        env.snapshot().into_iter().filter(|(p, _)| !p.starts_with("events/") && p != "d.json").collect();
    let before: Vec<_> = before.into_iter().filter(|(p, _)| !p.starts_with("events/") && p != "d.json").collect();
    assert_eq!(after, before);
}

#[test]
fn publish_all_makes_a_shared_profile_every_client_follows() {
    let env = initialized();
    let doc = env.write_file("team.json", &servers("team-tool", "uvx"));
    let out = run(&env, &["publish", "--all", "--profile", "team", "--file", doc.to_str().expect("utf8"), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["client_id"], "_shared");
    for client in ["cursor", "vscode", "codex"] {
        let got = json(&run(&env, &["get", client, "--profile", "team", "--json"]));
        assert_eq!(got["client_id"], "_shared");
        assert_eq!(got["layer"], "shared");
        assert_eq!(got["served_for"], client);
    }
    let history = json(&run(&env, &["history", "--all", "--profile", "team", "--json"]));
    assert_eq!(history["history"].as_array().expect("list").len(), 1);
    let out = run(&env, &["publish", "--all", "cursor", "--profile", "team", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 2, "--all and a client together: {}", stderr(&out));
}

#[test]
fn add_moves_a_literal_secret_into_the_store_and_remove_names_what_the_profile_has() {
    let env = initialized();
    let secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let out = run(
        &env,
        &["add", "mytool", "--env", &format!("GITHUB_TOKEN={secret}"), "--json", "--", "npx", "-y", "mytool"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let change = json(&out);
    assert_eq!(change["entry"]["env"]["GITHUB_TOKEN"], "${secret:GITHUB_TOKEN}");
    assert_eq!(change["entry"]["command"], "npx");
    assert_eq!(change["secrets_moved"][0]["secret"], "GITHUB_TOKEN");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret) && !stderr(&out).contains(secret));
    let listed = run(&env, &["secrets", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("GITHUB_TOKEN"));
    let shared = json(&run(&env, &["get", "--all", "--json"]));
    assert_eq!(shared["version"], 2);
    assert_eq!(shared["metadata"]["note"], "added mytool");

    // Removing a server the profile does not have: exit 3, naming those it has; nothing published.
    let out = run(&env, &["remove", "nope"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("mytool"), "{}", stderr(&out));
    assert_eq!(json(&run(&env, &["get", "--all", "--json"]))["version"], 2);
    // A catalog name that does not exist: exit 3 with a suggestion.
    let out = run(&env, &["add", "fetc"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("did you mean 'fetch'"), "{}", stderr(&out));
    // A bad URL is a validation error (exit 6), nothing published.
    let out = run(&env, &["add", "web", "--url", "ftp://example.com/mcp"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert_eq!(json(&run(&env, &["get", "--all", "--json"]))["version"], 2);
}
