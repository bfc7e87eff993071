//! `verify --all` in one pass over every core: heads still get their rollback, expiry and head
//! checks (exit 9, 9 and 4), older versions verify as history, and outcomes come in profile
//! order whatever the number of profiles.

use serde_json::Value;

use super::common::*;

fn results(out: &std::process::Output) -> Vec<Value> {
    json(out)["results"].as_array().expect("results").clone()
}

fn outcome<'a>(results: &'a [Value], profile: &str, version: u64) -> &'a Value {
    results
        .iter()
        .find(|r| r["client_id"] == "cursor" && r["profile_id"] == profile && r["version"] == version)
        .unwrap_or_else(|| panic!("no outcome for cursor/{profile} v{version}"))
}

#[test]
fn a_head_below_its_rollback_floor_fails_verify_all_with_exit_9_and_its_history_still_verifies() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    publish(&env, "cursor", "dev", &servers("b", "npx"));
    std::fs::write(env.home().join("seen/cursor/dev.json"), "{\"highest_version\": 7}\n").expect("floor");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    let results = results(&out);
    assert!(outcome(&results, "dev", 1)["error"].is_null(), "v1 verifies as history");
    let head = outcome(&results, "dev", 2)["error"].as_str().expect("the head fails").to_owned();
    assert!(head.contains('7') && head.to_lowercase().contains("rollback"), "{head}");
}

#[test]
fn an_expired_head_fails_verify_all_with_exit_9() {
    let mut env = initialized();
    let file = env.write_file("doc.json", &servers("a", "npx"));
    let path = file.to_str().expect("utf8");
    let out = run(&env, &["publish", "cursor", "--profile", "frozen", "--file", path, "--expires-in", "1h"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(code(&run(&env, &["verify", "--all"])), 0);
    env.set_now("2026-11-25T13:00:00Z");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    let error = outcome(&results(&out), "frozen", 1)["error"].as_str().expect("expired").to_owned();
    assert!(error.contains("expired at 2026-11-25T13:00:00Z"), "{error}");
}

#[test]
fn a_head_naming_another_version_fails_verify_all_with_exit_4() {
    let env = initialized();
    let first = publish(&env, "cursor", "dev", &servers("a", "npx"));
    publish(&env, "cursor", "dev", &servers("b", "npx"));
    let head = serde_json::json!({"version": 2, "artifact_id": first["artifact_id"]});
    std::fs::write(env.home().join("heads/cursor/dev.json"), head.to_string()).expect("head");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let error = outcome(&results(&out), "dev", 2)["error"].as_str().expect("refused").to_owned();
    assert!(error.contains("heads/cursor/dev.json") && error.contains("the head names"), "{error}");
}

#[test]
fn outcomes_come_in_profile_order_over_many_profiles() {
    let env = initialized();
    let doc = servers("a", "npx");
    for i in 0..24 {
        publish(&env, "cursor", &format!("p{i:02}"), &doc);
    }
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["failed"], 0);
    let keys: Vec<(usize, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let client = r["client_id"].as_str().expect("client");
            // The shared profiles come first, then each client's in the table's order.
            let position = if client == "_shared" {
                0
            } else {
                1 + dialects::all().iter().position(|c| c.id == client).expect("known client")
            };
            (position, r["profile_id"].as_str().expect("profile").to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The shared default seeded by init, and the 24 published here.
    assert_eq!(keys.len(), 1 + 24);
}

#[test]
fn a_non_canonical_envelope_fails_verify_all_with_exit_4_and_the_next_version_verifies() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    publish(&env, "cursor", "dev", &servers("b", "npx"));
    let path = envelope(&env, "cursor", "dev", 1);
    let value: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    std::fs::write(&path, serde_json::to_string_pretty(&value).expect("pretty")).expect("write");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let results = results(&out);
    let error = outcome(&results, "dev", 1)["error"].as_str().expect("refused").to_owned();
    assert!(error.contains("the envelope is not canonical JSON (RFC 8785)"), "{error}");
    assert!(outcome(&results, "dev", 2)["error"].is_null(), "v2 verifies");
}

#[test]
fn a_missing_object_file_fails_verify_all_with_exit_3_naming_the_file() {
    let env = initialized();
    let art = publish(&env, "cursor", "dev", &servers("a", "npx"));
    let hex = &art["artifact_id"].as_str().expect("id")["sha256:".len()..];
    std::fs::remove_file(env.home().join(format!("objects/{hex}.json"))).expect("remove");
    let out = run(&env, &["verify", "--all", "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let error = outcome(&results(&out), "dev", 1)["error"].as_str().expect("refused").to_owned();
    assert!(error.contains("cannot read") && error.contains(&format!("objects/{hex}.json")), "{error}");
}
