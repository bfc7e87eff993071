//! Moving a home written by the original Python tool (`testdata/legacy-home`).

use mcp_testkit::TestEnv;

use super::common::*;

const LEGACY_IDS: [&str; 3] = [
    "82812dc2bf8bc6fbaa264864d1fb719399c9c77c1657f158f49f91bbdcd0102d",
    "41aa189493cf4d6b98ffc23e38c7b218d5d5c4fb3888d635bbec44b3ae94ef77",
    "236d0baf371b69137c57f85c6fea1e652fe57fcead749a7902a09efd1d34e7ad",
];

fn legacy_files(env: &TestEnv) -> Vec<(String, Vec<u8>)> {
    env.snapshot()
        .into_iter()
        .filter(|(n, _)| {
            n.starts_with("artifacts/")
                || n.starts_with("index/")
                || n.starts_with("keys/signing")
                || n.starts_with("keys/verification")
        })
        .collect()
}

#[test]
fn init_keeps_the_legacy_key_pair_and_says_a_legacy_store_was_found() {
    let env = TestEnv::new();
    env.install_legacy_home(0o600);
    let legacy_pem = std::fs::read(env.home().join("keys/signing_key.pem")).expect("read");
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Kept existing signing key"), "{err}");
    assert!(err.contains("Found a store written by the original mcp-orchestration"), "{err}");
    assert!(err.contains("Left claude-desktop/default for `mcp-orchestration migrate`"), "{err}");
    assert_eq!(std::fs::read(env.home().join("keys/signing_key.pem")).expect("read"), legacy_pem);
}

#[test]
fn a_legacy_key_readable_by_others_is_refused() {
    let env = TestEnv::new();
    env.install_legacy_home(0o644);
    let before = env.snapshot();
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 10);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn migrate_publishes_every_legacy_artifact_once_and_leaves_legacy_files_untouched() {
    let env = TestEnv::new();
    env.install_legacy_home(0o600);
    assert_eq!(code(&run(&env, &["init-configs"])), 0);
    let legacy_before = legacy_files(&env);
    let before = env.snapshot();

    let dry = json(&run(&env, &["migrate", "--dry-run", "--json"]));
    assert_eq!(dry["migrated"].as_array().expect("list").len(), 3);
    assert!(dry["migrated"][0]["version"].is_null());
    assert_eq!(env.snapshot(), before, "a dry run writes nothing");

    let report = json(&run(&env, &["migrate", "--json"]));
    let migrated = report["migrated"].as_array().expect("list");
    let mut ids: Vec<&str> = migrated.iter().map(|m| m["legacy_id"].as_str().expect("id")).collect();
    ids.sort();
    let mut expected = LEGACY_IDS.to_vec();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(report["rejected"].as_array().expect("list").is_empty());

    let dev = json(&run(&env, &["get", "claude-desktop", "--profile", "dev", "--json"]));
    assert_eq!(dev["metadata"]["legacy_artifact_id"], LEGACY_IDS[1]);
    assert_eq!(dev["metadata"]["profile_description"], "Development tools and debug servers");
    assert_eq!(dev["payload"]["mcpServers"]["filesystem"]["args"][2], "/home/alice/projects");
    let cursor = json(&run(&env, &["get", "cursor", "--json"]));
    assert_eq!(cursor["metadata"]["legacy_artifact_id"], LEGACY_IDS[2]);
    assert_eq!(legacy_files(&env), legacy_before, "legacy files are left untouched");

    let after_first = env.snapshot();
    let again = json(&run(&env, &["migrate", "--json"]));
    assert!(again["migrated"].as_array().expect("list").is_empty());
    assert_eq!(again["already_migrated"].as_array().expect("list").len(), 3);
    assert_eq!(env.snapshot(), after_first, "a second run changes nothing");
}

#[test]
fn migrate_skips_a_tampered_legacy_artifact_and_moves_the_others() {
    let env = TestEnv::new();
    env.install_legacy_home(0o600);
    let path = env.home().join(format!("artifacts/{}.json", LEGACY_IDS[1]));
    let text = std::fs::read_to_string(&path).expect("read").replace("/home/alice/projects", "/home/mallory");
    std::fs::write(&path, text).expect("write");
    assert_eq!(code(&run(&env, &["init-configs"])), 0);
    let report = json(&run(&env, &["migrate", "--json"]));
    assert_eq!(report["migrated"].as_array().expect("list").len(), 2);
    let rejected = report["rejected"].as_array().expect("list");
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0]["path"].as_str().expect("path").ends_with(&format!("{}.json", LEGACY_IDS[1])));
    assert!(rejected[0]["reason"].as_str().expect("reason").contains("not to its artifact_id"));
    assert_eq!(code(&run(&env, &["get", "claude-desktop", "--profile", "dev"])), 3);
}

#[test]
fn migrate_skips_a_legacy_artifact_with_a_forged_signature() {
    let env = TestEnv::new();
    env.install_legacy_home(0o600);
    let path = env.home().join(format!("artifacts/{}.json", LEGACY_IDS[2]));
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let other = env.home().join(format!("artifacts/{}.json", LEGACY_IDS[0]));
    let other: serde_json::Value = serde_json::from_slice(&std::fs::read(&other).expect("read")).expect("json");
    doc["signature"] = other["signature"].clone();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
    assert_eq!(code(&run(&env, &["init-configs"])), 0);
    let report = json(&run(&env, &["migrate", "--json"]));
    let rejected = report["rejected"].as_array().expect("list");
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0]["reason"].as_str().expect("reason").contains("signature does not verify"));
}
