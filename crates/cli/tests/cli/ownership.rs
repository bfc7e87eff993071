//! Ownership of entries in client files: a deploy never takes over or deletes the user's own
//! entries (same name, not written by this home) unless adopted; `diff` separates what a
//! deploy changes from what it keeps and from conflicts; an imported file is managed.

use mcp_testkit::TestEnv;
use serde_json::Value;

use super::common::*;

const USER_SECRET: &str = "ghp_usersownsecretvalue0123456789";

/// A cursor file holding the user's own `gh` (with a literal token) and `mine`.
fn user_file(env: &TestEnv) -> std::path::PathBuf {
    let text = format!(
        "{{\"mcpServers\": {{\"gh\": {{\"command\": \"my-gh\", \"env\": {{\"GITHUB_TOKEN\": \"{USER_SECRET}\"}}}}, \"mine\": {{\"command\": \"mine\"}}}}}}\n"
    );
    env.write_file(".cursor/mcp.json", &text)
}

fn profile_with_gh(env: &TestEnv) {
    publish(
        env,
        "cursor",
        "team",
        r#"{"mcpServers": {"gh": {"command": "npx", "args": ["gh-server"]}, "a": {"command": "npx", "args": ["a"]}}}"#,
    );
}

fn records(env: &TestEnv) -> Vec<Value> {
    json(&run(env, &["deployments", "cursor", "--json"]))["deployments"].as_array().expect("list").clone()
}

fn deploy(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["deploy", "cursor", "--profile", "team"];
    args.extend_from_slice(extra);
    run(env, &args)
}

#[test]
fn a_deploy_refuses_to_replace_the_users_own_entry_and_shows_both_redacted() {
    let env = initialized();
    let file = user_file(&env);
    let before = std::fs::read(&file).expect("read");
    profile_with_gh(&env);
    for extra in [&[][..], &["--dry-run"][..]] {
        let out = deploy(&env, extra);
        assert_eq!(code(&out), 7, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("gh") && err.contains("not written by this home"), "{err}");
        assert!(err.contains("\"my-gh\"") && err.contains("\"gh-server\""), "both versions shown: {err}");
        assert!(err.contains("--adopt"), "{err}");
        assert!(!err.contains(USER_SECRET) && err.contains("«redacted»"), "{err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(std::fs::read(&file).expect("read"), before, "a refusal changes nothing");
    assert!(records(&env).is_empty());
}

#[test]
fn adopting_an_entry_replaces_it_records_it_and_a_later_deploy_manages_it() {
    let env = initialized();
    let file = user_file(&env);
    profile_with_gh(&env);
    let out = deploy(&env, &["--adopt", "nosuch"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--adopt nosuch"), "{}", stderr(&out));
    let out = deploy(&env, &["--adopt", "gh"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    assert_eq!(doc["mcpServers"]["gh"]["command"], "npx");
    assert_eq!(doc["mcpServers"]["mine"]["command"], "mine", "the user's other entry is kept");
    let recs = records(&env);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["adopted"], serde_json::json!(["gh"]));
    // The adopted entry is the profile's now: a version without it removes it, `mine` stays.
    publish(&env, "cursor", "team", &servers("a", "npx"));
    assert_eq!(code(&deploy(&env, &[])), 0);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    assert!(doc["mcpServers"].get("gh").is_none(), "{doc}");
    assert_eq!(doc["mcpServers"]["mine"]["command"], "mine");
}

#[test]
fn adopt_all_takes_over_every_conflicting_entry() {
    let env = initialized();
    let file = user_file(&env);
    profile_with_gh(&env);
    let out = deploy(&env, &["--adopt-all", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["adopted"], serde_json::json!(["gh"]));
    assert!(std::fs::read_to_string(&file).expect("read").contains("gh-server"));
}

#[test]
fn diff_lists_kept_entries_and_conflicts_apart_from_what_a_deploy_changes() {
    let env = initialized();
    user_file(&env);
    profile_with_gh(&env);
    let report = json(&run(&env, &["diff", "cursor", "--profile", "team", "--json"]));
    assert_eq!(report["status"], "unmanaged");
    assert_eq!(report["kept"], serde_json::json!(["mine"]));
    assert_eq!(report["conflicts"][0]["server"], "gh");
    assert_eq!(report["conflicts"][0]["file"]["env"]["GITHUB_TOKEN"], "«redacted»");
    assert_eq!(report["conflicts"][0]["profile"]["args"], serde_json::json!(["gh-server"]));
    assert_eq!(report["diff"]["servers_removed"], serde_json::json!([]), "kept entries are never `removed`");
    assert_eq!(report["diff"]["servers_added"], serde_json::json!(["a"]));
    assert_eq!(report["diff"]["summary"]["breaking"], 0);
    let advice = report["recommendation"].as_str().expect("text");
    assert!(advice.contains("--adopt") && !advice.contains("take it over"), "{advice}");
    // After adopting, an entry the user adds by hand is kept, not drift.
    assert_eq!(code(&deploy(&env, &["--adopt", "gh"])), 0);
    let path = env.root().join(".cursor/mcp.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    doc["mcpServers"]["extra"] = serde_json::json!({"command": "extra"});
    std::fs::write(&path, doc.to_string()).expect("edit");
    let out = run(&env, &["status", "--json", "--check"]);
    let row = json(&out).as_array().expect("rows").iter().find(|r| r["client_id"] == "cursor").cloned().expect("row");
    assert_eq!(row["status"], "up-to-date", "{row}");
    assert_eq!(code(&out), 0);
    let report = json(&run(&env, &["diff", "cursor", "--json"]));
    assert_eq!(report["kept"], serde_json::json!(["extra", "mine"]));
}

#[test]
fn an_imported_file_is_managed_at_the_imported_version() {
    let env = initialized();
    let path = env.write_file(".cursor/mcp.json", r#"{"mcpServers": {"a": {"command": "npx", "args": ["a"]}}}"#);
    let out = run(&env, &["import", "cursor", "--profile", "mine", "--publish"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let draft = json(&run(&env, &["draft", "show", "cursor", "--profile", "mine", "--json"]));
    assert_eq!(draft["exists"], false, "import --publish leaves no draft behind: {draft}");
    publish(&env, "cursor", "mine", r#"{"mcpServers": {"a": {"command": "npx", "args": ["a2"]}}}"#);
    let report = json(&run(&env, &["diff", "cursor", "--json"]));
    assert_eq!(report["profile_id"], "mine");
    assert_eq!(report["status"], "outdated", "{report}");
    assert_eq!(report["recommendation"], "deploy to update to the newest version");
    std::fs::write(&path, r#"{"mcpServers": {"a": {"command": "npx", "args": ["edited"]}}}"#).expect("edit");
    assert_eq!(json(&run(&env, &["diff", "cursor", "--json"]))["status"], "diverged");
}

#[test]
fn a_client_that_is_not_installed_needs_create() {
    let env = initialized();
    publish(&env, "cursor", "team", &servers("a", "npx"));
    let out = deploy(&env, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("does not look installed") && err.contains("--create") && err.contains(".cursor"), "{err}");
    assert!(!env.root().join(".cursor").exists(), "nothing was created");
    assert_eq!(code(&deploy(&env, &["--create"])), 0);
    assert!(std::fs::read_to_string(env.root().join(".cursor/mcp.json")).expect("read").contains("\"a\""));
}
