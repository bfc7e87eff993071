//! Tampering with the store: every altered, replayed, substituted or untrusted artifact is
//! refused with its own exit code, and nothing is printed that could pass for a config.

use mcp_testkit::TestEnv;

use super::common::*;

fn object(env: &TestEnv, artifact_id: &str) -> std::path::PathBuf {
    env.home().join(format!("objects/{}.json", &artifact_id["sha256:".len()..]))
}

fn assert_refused(env: &TestEnv, args: &[&str], exit: i32, needle: &str) {
    let out = run(env, args);
    assert_eq!(code(&out), exit, "{}", stderr(&out));
    assert!(stderr(&out).contains(needle), "expected '{needle}' in: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "no config on stdout");
}

#[test]
fn an_altered_payload_object_is_an_integrity_failure() {
    let env = initialized();
    let art = publish(&env, "cursor", "dev", &servers("a", "npx"));
    let path = object(&env, art["artifact_id"].as_str().expect("id"));
    let text = std::fs::read_to_string(&path).expect("read").replace("npx", "evil");
    std::fs::write(&path, text).expect("write");
    assert_refused(&env, &["get", "cursor", "--profile", "dev"], 4, "payload bytes hash to");
}

#[test]
fn an_altered_statement_is_a_signature_failure() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    let path = envelope(&env, "cursor", "dev", 1);
    let text = std::fs::read_to_string(&path).expect("read").replace("\"metadata\":{}", "\"metadata\":{\"x\":1}");
    std::fs::write(&path, text).expect("write");
    assert_refused(&env, &["get", "cursor", "--profile", "dev"], 8, "signature does not verify");
}

#[test]
fn a_replayed_older_version_is_refused_as_rollback() {
    let env = initialized();
    let v1 = publish(&env, "cursor", "dev", &servers("a", "npx"));
    publish(&env, "cursor", "dev", &servers("b", "npx"));
    // An attacker points the head back at version 1 (a validly signed, older artifact).
    let head = serde_json::json!({"version": 1, "artifact_id": v1["artifact_id"]});
    std::fs::write(env.home().join("heads/cursor/dev.json"), head.to_string()).expect("write head");
    assert_refused(&env, &["get", "cursor", "--profile", "dev"], 9, "refused as a rollback");
}

#[test]
fn an_artifact_of_another_profile_is_refused_as_a_substitution() {
    let env = initialized();
    publish(&env, "cursor", "prod", &servers("a", "npx"));
    let other = publish(&env, "cursor", "dev", &servers("evil", "npx"));
    // Copy dev's validly signed v1 over prod's v1.
    std::fs::copy(envelope(&env, "cursor", "dev", 1), envelope(&env, "cursor", "prod", 1)).expect("copy");
    let head = serde_json::json!({"version": 1, "artifact_id": other["artifact_id"]});
    std::fs::write(env.home().join("heads/cursor/prod.json"), head.to_string()).expect("write head");
    assert_refused(&env, &["get", "cursor", "--profile", "prod"], 4, "refused as a substitution");
}

#[test]
fn an_artifact_of_another_client_is_refused_as_a_substitution() {
    let env = initialized();
    let zed = publish(&env, "zed", "default", &servers("evil", "npx"));
    publish(&env, "cursor", "default", &servers("good", "npx"));
    std::fs::copy(envelope(&env, "zed", "default", 1), envelope(&env, "cursor", "default", 1)).expect("copy");
    let head = serde_json::json!({"version": 1, "artifact_id": zed["artifact_id"]});
    std::fs::write(env.home().join("heads/cursor/default.json"), head.to_string()).expect("write head");
    assert_refused(&env, &["get", "cursor"], 4, "is for zed/default, not cursor/default");
}

#[test]
fn a_key_removed_from_the_trust_store_makes_its_artifacts_untrusted() {
    let env = initialized();
    let keys = json(&run(&env, &["keys", "show", "--json"]));
    let key_hex = &keys["signing_key_id"].as_str().expect("id")["sha256:".len()..];
    std::fs::remove_file(env.home().join(format!("keys/trusted/{key_hex}.pub"))).expect("remove");
    assert_refused(&env, &["get", "cursor"], 8, "which is not trusted");
}

#[test]
fn verify_all_reports_each_failure_and_exits_with_its_code() {
    let env = initialized();
    let art = publish(&env, "cursor", "dev", &servers("a", "npx"));
    let path = object(&env, art["artifact_id"].as_str().expect("id"));
    std::fs::write(&path, b"{\"mcpServers\":{}}").expect("write");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 4);
    let report = json(&out);
    assert_eq!(report["failed"], 1);
    // The shared default seeded by init verifies.
    assert_eq!(report["verified"], 1);
    let failed: Vec<_> = report["results"].as_array().expect("list").iter().filter(|r| !r["error"].is_null()).collect();
    assert_eq!(failed[0]["client_id"], "cursor");
    assert_eq!(failed[0]["profile_id"], "dev");
}

#[test]
fn verify_one_artifact_id_and_unknown_ids() {
    let env = initialized();
    let art = publish(&env, "cursor", "dev", &servers("a", "npx"));
    let id = art["artifact_id"].as_str().expect("id");
    let out = run(&env, &["verify", id, "--json"]);
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["verified"], 1);
    let bare = &id["sha256:".len()..];
    assert_eq!(json(&run(&env, &["verify", bare, "--json"]))["verified"], 1, "bare hex ids are accepted");
    let missing = format!("sha256:{}", "0".repeat(64));
    assert_refused(&env, &["verify", &missing], 3, "no artifact");
    assert_refused(&env, &["verify", "sha256:xyz"], 2, "is not an artifact id");
}
