//! History never goes backwards by accident: rollback undoes only what a deploy changed and
//! refuses to lose later edits; drafts made from an older head must be rebased; publish
//! refuses what could never be deployed, does not repeat the head, and checks its expiry.

use mcp_testkit::TestEnv;

use super::common::*;

fn cursor_file(env: &TestEnv) -> std::path::PathBuf {
    env.write_file(".cursor/mcp.json", "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"mine\"}\n  }\n}\n")
}

fn records(env: &TestEnv) -> usize {
    json(&run(env, &["deployments", "cursor", "--json"]))["deployments"].as_array().expect("list").len()
}

#[test]
fn a_deploy_that_changes_nothing_records_nothing_and_rollback_undoes_the_real_one() {
    let env = initialized();
    let file = cursor_file(&env);
    let original = std::fs::read(&file).expect("read");
    publish(&env, "cursor", "team", &servers("a", "npx"));
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let deployed = std::fs::read(&file).expect("read");
    let out = run(&env, &["deploy", "cursor", "--profile", "team"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("no deployment recorded"), "{}", stderr(&out));
    assert_eq!(records(&env), 1, "a no-op deploy writes no record");
    assert_eq!(code(&run(&env, &["rollback", "cursor"])), 0);
    assert_eq!(std::fs::read(&file).expect("read"), original, "the rollback undid the deploy, not the no-op");
    assert_eq!(code(&run(&env, &["rollback", "cursor"])), 0);
    assert_eq!(std::fs::read(&file).expect("read"), deployed, "a second rollback rolls forward");
}

#[test]
fn rollback_with_nothing_to_undo_says_so_and_writes_nothing() {
    let env = initialized();
    let file = cursor_file(&env);
    let before = std::fs::read(&file).expect("read");
    let out = run(&env, &["rollback", "cursor"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to undo"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), before);
    assert_eq!(records(&env), 0);
}

#[test]
fn rollback_refuses_to_lose_later_edits_unless_forced() {
    let env = initialized();
    let file = cursor_file(&env);
    let original = std::fs::read(&file).expect("read");
    publish(&env, "cursor", "team", &servers("a", "npx"));
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let secret = "sk-handeditedsecret0123456789abcdef";
    let edited = std::fs::read_to_string(&file).expect("read").replace(
        "\"mine\": {",
        &format!("\"later\": {{\"command\": \"later\", \"env\": {{\"API_KEY\": \"{secret}\"}}}},\n    \"mine\": {{"),
    );
    std::fs::write(&file, &edited).expect("edit");
    let out = run(&env, &["rollback", "cursor"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("changed since") && err.contains("+") && err.contains("\"later\"") && err.contains("--force"),
        "{err}"
    );
    assert!(!err.contains(secret), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), edited, "refused: nothing written");
    let out = run(&env, &["rollback", "cursor", "--dry-run"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("needs --force"), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), edited, "a dry run writes nothing");
    assert_eq!(code(&run(&env, &["rollback", "cursor", "--force"])), 0);
    assert_eq!(std::fs::read(&file).expect("read"), original);
}

#[test]
fn rollback_to_original_restores_the_bytes_before_the_first_deploy() {
    let env = initialized();
    let file = cursor_file(&env);
    let original = std::fs::read(&file).expect("read");
    publish(&env, "cursor", "team", &servers("a", "npx"));
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    publish(&env, "cursor", "team", &servers("b", "npx"));
    assert_eq!(code(&run(&env, &["deploy", "cursor", "--profile", "team"])), 0);
    let out = run(&env, &["rollback", "cursor", "--to", "original"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), original);
}

#[test]
fn a_draft_made_from_an_older_head_is_refused_until_rebased() {
    let env = initialized();
    publish(&env, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "npx", "args": ["a"]}}}"#);
    let out = run(&env, &["draft", "add-server", "cursor", "--profile", "dev", "fetch"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    publish(&env, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "npx", "args": ["a2"]}}}"#);
    let out = run(&env, &["draft", "publish", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("v1") && stderr(&out).contains("draft rebase"), "{}", stderr(&out));
    assert_eq!(json(&run(&env, &["get", "cursor", "--profile", "dev", "--json"]))["version"], 2);
    let out = run(&env, &["draft", "rebase", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["draft", "publish", "cursor", "--profile", "dev", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let published = json(&out);
    assert_eq!(published["version"], 3);
    assert_eq!(published["payload"]["mcpServers"]["a"]["args"], serde_json::json!(["a2"]), "v2's change kept");
    assert!(published["payload"]["mcpServers"].get("fetch").is_some(), "the draft's change kept");
}

#[test]
fn a_rebase_that_conflicts_is_refused_and_changes_nothing() {
    let env = initialized();
    publish(&env, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "npx", "args": ["a"]}}}"#);
    let doc = env.write_file("draft.json", r#"{"mcpServers": {"a": {"command": "npx", "args": ["mine"]}}}"#);
    assert_eq!(
        code(&run(&env, &["draft", "set", "cursor", "--profile", "dev", "--file", doc.to_str().expect("utf8")])),
        0
    );
    let draft_path = env.home().join("drafts/cursor/dev.json");
    let draft_bytes = std::fs::read(&draft_path).expect("draft");
    publish(&env, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "npx", "args": ["theirs"]}}}"#);
    let out = run(&env, &["draft", "rebase", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("both changed a"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&draft_path).expect("draft"), draft_bytes);
}

#[test]
fn publish_file_runs_the_draft_validation() {
    let env = initialized();
    let doc =
        env.write_file("remote.json", r#"{"mcpServers": {"r": {"type": "http", "url": "https://x.example/mcp"}}}"#);
    let out = run(&env, &["publish", "claude-desktop", "--profile", "remote", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("transport"), "{}", stderr(&out));
    assert_eq!(code(&run(&env, &["get", "claude-desktop", "--profile", "remote"])), 3, "nothing was published");
}

#[test]
fn publishing_the_head_again_creates_no_version_unless_allowed() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    let doc = env.write_file("same.json", &servers("a", "npx"));
    let path = doc.to_str().expect("utf8");
    let out = run(&env, &["publish", "cursor", "--profile", "dev", "--file", path]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("equals the head") && stderr(&out).contains("--allow-same"), "{}", stderr(&out));
    assert_eq!(json(&run(&env, &["get", "cursor", "--profile", "dev", "--json"]))["version"], 1);
    let out = run(&env, &["publish", "cursor", "--profile", "dev", "--file", path, "--allow-same", "--json"]);
    assert_eq!(json(&out)["version"], 2);
}

#[test]
fn an_expiry_of_zero_or_beyond_the_calendar_is_refused_naming_the_option() {
    let env = initialized();
    let doc = env.write_file("d.json", &servers("a", "npx"));
    for value in ["0s", "300000y"] {
        let out = run(
            &env,
            &["publish", "cursor", "--profile", "dev", "--file", doc.to_str().expect("utf8"), "--expires-in", value],
        );
        assert_eq!(code(&out), 2, "{value}: {}", stderr(&out));
        assert!(stderr(&out).contains("--expires-in"), "{value}: {}", stderr(&out));
        assert!(!stderr(&out).contains("invalid servers document"), "{}", stderr(&out));
    }
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "dev"])), 3);
}
