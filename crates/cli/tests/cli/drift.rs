//! `diff`, `status`, `doctor`: verdicts against real published history and real files.

use mcp_testkit::TestEnv;

use super::common::*;

fn cursor_file(env: &TestEnv) -> std::path::PathBuf {
    env.root().join(".cursor/mcp.json")
}

fn user_file(env: &TestEnv, text: &str) -> std::path::PathBuf {
    env.write_file(".cursor/mcp.json", text)
}

fn diff_json(env: &TestEnv, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["diff", "cursor", "--json"];
    args.extend_from_slice(extra);
    let out = run(env, &args);
    (code(&out), json(&out))
}

#[test]
fn a_never_deployed_file_is_unmanaged_and_an_absent_one_missing() {
    let env = initialized();
    let (rc, report) = diff_json(&env, &[]);
    assert_eq!(rc, 0);
    assert_eq!(report["status"], "missing");
    assert_eq!(report["recommendation"], "deploy to create it");
    user_file(&env, r#"{"mcpServers": {"mine": {"command": "tool"}}}"#);
    let (_, report) = diff_json(&env, &[]);
    assert_eq!(report["status"], "unmanaged");
    // A deploy keeps the user's own entries: it is never said to take them over.
    assert_eq!(
        report["recommendation"],
        "deploy to add the profile's servers (the file's own entries are kept), or import it to manage them"
    );
    assert_eq!(report["kept"], serde_json::json!(["mine"]));
    assert_eq!(report["remote_artifact_id"], json(&run(&env, &["get", "cursor", "--json"]))["artifact_id"]);
}

#[test]
fn up_to_date_outdated_and_diverged_through_real_history() {
    let env = initialized();
    user_file(&env, "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"user-tool\"}\n  }\n}\n");
    publish(&env, "cursor", "team", &servers("one", "npx"));
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let (rc, report) = diff_json(&env, &["--exit-code"]);
    assert_eq!((rc, report["status"].as_str()), (0, Some("up-to-date")), "{report}");
    assert_eq!(report["profile_id"], "team", "the profile last deployed is the default comparison");
    assert_eq!(report["diff"]["summary"]["total_changes"], 0, "the user's own entry is not drift");

    publish(&env, "cursor", "team", &servers("two", "uvx"));
    let (rc, report) = diff_json(&env, &["--exit-code"]);
    assert_eq!(rc, 5);
    assert_eq!(report["status"], "outdated", "{report}");
    assert_eq!(report["recommendation"], "deploy to update to the newest version");
    let paths: Vec<&str> = report["diff"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["path"].as_str().expect("path"))
        .collect();
    assert_eq!(paths, ["/mcpServers/one", "/mcpServers/two"]);
    assert_eq!(report["diff"]["changes"][0]["impact"], "breaking");
    assert_eq!(report["diff"]["changes"][1]["impact"], "compatible");

    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let text = std::fs::read_to_string(cursor_file(&env)).expect("read").replace("uvx", "uvx-edited");
    std::fs::write(cursor_file(&env), text).expect("edit");
    let (rc, report) = diff_json(&env, &["--exit-code"]);
    assert_eq!(rc, 5);
    assert_eq!(report["status"], "diverged");
    assert_eq!(report["diff"]["changes"][0]["path"], "/mcpServers/two/command");
    assert_eq!(report["diff"]["changes"][0]["old"], "uvx-edited");
    assert_eq!(report["diff"]["changes"][0]["new"], "uvx");
    assert_eq!(report["recommendation"], "review: deploying would discard local edits (1 breaking)");
}

#[test]
fn order_and_whitespace_only_edits_are_not_drift() {
    let env = initialized();
    user_file(&env, "{\"mcpServers\": {}}");
    publish(
        &env,
        "cursor",
        "team",
        r#"{"mcpServers": {"a": {"command": "npx", "args": ["x"], "env": {"A": "1", "B": "2"}}}}"#,
    );
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    std::fs::write(
        cursor_file(&env),
        "{\n\n    \"mcpServers\": {\"a\": {\"env\": {\"B\": \"2\", \"A\": \"1\"},\n \"args\": [\"x\"], \"command\": \"npx\"}}\n}",
    )
    .expect("reformat");
    let (rc, report) = diff_json(&env, &["--exit-code"]);
    assert_eq!((rc, report["status"].as_str()), (0, Some("up-to-date")), "{report}");
}

#[test]
fn a_changed_secret_is_drift_but_never_shown() {
    let env = initialized();
    std::fs::write(env.home().join("secrets.json"), r#"{"TOKEN": "sk-live-0123456789abcdef"}"#).expect("write");
    mcp_testkit::set_mode(&env.home().join("secrets.json"), 0o600);
    user_file(&env, "{\"mcpServers\": {}}");
    publish(
        &env,
        "cursor",
        "team",
        r#"{"mcpServers": {"a": {"command": "npx", "env": {"API_TOKEN": "${secret:TOKEN}"}}}}"#,
    );
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let (_, report) = diff_json(&env, &[]);
    assert_eq!(report["status"], "up-to-date");
    let text =
        std::fs::read_to_string(cursor_file(&env)).expect("read").replace("${env:TOKEN}", "sk-live-rotated-99999999");
    std::fs::write(cursor_file(&env), text).expect("edit");
    let out = run(&env, &["diff", "cursor", "--json"]);
    let shown = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(!shown.contains("sk-live-0123456789abcdef") && !shown.contains("sk-live-rotated-99999999"), "{shown}");
    let report = json(&out);
    assert_eq!(report["status"], "diverged");
    assert_eq!(report["diff"]["changes"][0]["path"], "/mcpServers/a/env/API_TOKEN");
    let human = run(&env, &["diff", "cursor"]);
    assert!(!stderr(&human).contains("sk-live"), "{}", stderr(&human));
}

#[test]
fn status_lists_detected_clients_and_check_exits_5_on_drift() {
    let env = initialized();
    user_file(&env, "{\"mcpServers\": {}}");
    env.write_file(".codex/config.toml", "model = \"o3\"\n");
    let out = run(&env, &["status", "--json", "--check"]);
    assert_eq!(code(&out), 0, "unmanaged and missing-but-never-deployed files are not drift: {}", stderr(&out));
    let rows = json(&out);
    let clients: Vec<&str> =
        rows.as_array().expect("rows").iter().map(|r| r["client_id"].as_str().expect("id")).collect();
    assert!(clients.contains(&"cursor") && clients.contains(&"codex"), "{clients:?}");
    assert_eq!(code(&run(&env, &["deploy", "cursor"])), 0);
    assert_eq!(code(&run(&env, &["status", "--check"])), 0);
    let text = std::fs::read_to_string(cursor_file(&env)).expect("read").replace("server-memory", "server-other");
    std::fs::write(cursor_file(&env), text).expect("edit");
    let out = run(&env, &["status", "--check", "--json"]);
    assert_eq!(code(&out), 5);
    let cursor =
        json(&out).as_array().expect("rows").iter().find(|r| r["client_id"] == "cursor").expect("cursor").clone();
    assert_eq!(cursor["status"], "diverged");
    assert_eq!(cursor["changes"], 1);
    assert_eq!(cursor["deployed_version"], 1);
}

#[test]
fn doctor_reports_keys_store_temps_and_commands() {
    let env = initialized();
    let bin_dir = env.root().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    std::fs::write(bin_dir.join("npx"), "#!/bin/sh\n").expect("write");
    mcp_testkit::set_mode(&bin_dir.join("npx"), 0o755);
    user_file(&env, "{\"mcpServers\": {}}");
    std::fs::write(env.root().join(".cursor/.mcp.json.mcpo-tmp-abc"), "partial").expect("write");
    let out = env.command(BIN).args(["doctor", "--json"]).env("PATH", &bin_dir).output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let check = |name: &str| {
        report["checks"].as_array().expect("checks").iter().find(|c| c["name"] == name).cloned().expect(name)
    };
    assert_eq!(check("signing key")["verdict"], "ok");
    assert_eq!(check("store integrity")["verdict"], "ok");
    assert_eq!(check("command npx")["verdict"], "ok");
    assert_eq!(check("command uvx")["verdict"], "warn");
    assert!(check("command uvx")["fix"].as_str().expect("fix").contains("install uv"));
    assert_eq!(check("stale temp files")["verdict"], "warn");
    assert!(check("clients detected")["detail"].as_str().expect("detail").contains("cursor"));

    mcp_testkit::set_mode(&env.home().join("keys/signing_key.pem"), 0o644);
    let out = run(&env, &["doctor"]);
    assert_eq!(code(&out), 1);
    // The checks are what doctor exists to show: stdout, one line each.
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("FAIL signing key") && shown.contains("chmod 600"), "{shown}");
    assert!(shown.lines().any(|l| l.starts_with("ok   ")), "{shown}");
    assert_eq!(stderr(&out), "", "nothing but the checks");
}
