//! Attacks through the registry, each refused by `pull` with its exit code and nothing stored
//! (the follower's home byte-identical but for events, the signature cache and locks): a blob
//! replaced in the registry's storage, another profile's manifest re-tagged as this head, an
//! older version re-tagged as head, an untrusted signer, an expired head, and a manifest whose
//! layers are not one artifact.

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{Registry, RegistryOptions};
use serde_json::Value;

use super::common::{code, initialized, run, stderr};
use super::remote::{REPO, add_remote, copy, follower, manifest, publish_team, pushed_and_follower, tags, trust};

/// A publisher who pushed `team` v1 and v2 (and `other` v1), and a follower that trusts it and
/// pulled `team` v1 only.
fn setup() -> (Registry, TestEnv, TestEnv) {
    let (registry, a, b) = pushed_and_follower();
    add_remote(&b, &registry, false, &[]);
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    publish_team(&a, "linear");
    let file = a.write_file("other.json", &super::common::servers("other", "npx"));
    assert_eq!(code(&run(&a, &["publish", "--all", "--profile", "other", "--file", file.to_str().expect("utf8")])), 0);
    assert_eq!(code(&run(&a, &["push"])), 0);
    (registry, a, b)
}

/// Pulls `team` into `b`, expects `exit`, and checks that nothing was stored.
fn refused(b: &TestEnv, exit: i32, says: &str) {
    let before = b.snapshot_store();
    let out = run(b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), exit, "{}", stderr(&out));
    assert!(stderr(&out).contains(says), "expected {says:?} in: {}", stderr(&out));
    assert_eq!(b.snapshot_store(), before, "a refused pull stores nothing");
    let out = run(b, &["get", "--all", "--profile", "team", "--json"]);
    assert_eq!(super::common::json(&out)["version"], 1, "the head stays at version 1");
}

fn version_tag(registry: &Registry, profile: &str, version: u64) -> String {
    let prefix = format!("_shared__{profile}__v{version:010}-");
    tags(registry).into_iter().find(|t| t.starts_with(&prefix)).expect("version tag")
}

#[test]
fn a_blob_replaced_in_the_registry_storage_is_refused_as_integrity() {
    let (registry, _a, b) = setup();
    let m = manifest(&registry, "_shared__team");
    let payload = m["layers"][1]["digest"].as_str().expect("digest").to_owned();
    let file = registry.blob_file(&payload);
    let original = std::fs::read(&file).expect("blob on disk");
    let forged = String::from_utf8_lossy(&original).replace("linear", "evilxx");
    assert_eq!(forged.len(), original.len());
    std::fs::write(&file, forged).expect("tamper");
    refused(&b, 4, "hashes to");
}

#[test]
fn another_profiles_manifest_retagged_as_this_head_is_refused_as_a_replay() {
    let (registry, _a, b) = setup();
    copy(&registry, "_shared__other", &registry, "_shared__team");
    refused(&b, 4, "refused as a substitution");
}

#[test]
fn an_older_version_retagged_as_head_is_refused_as_a_rollback() {
    let (registry, _a, b) = setup();
    // B first follows to version 2; then the head is moved back to version 1.
    assert_eq!(code(&run(&b, &["pull", "--profile", "team"])), 0);
    let v1 = version_tag(&registry, "team", 1);
    copy(&registry, &v1, &registry, "_shared__team");
    let before = b.snapshot_store();
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    assert!(stderr(&out).contains("rollback"), "{}", stderr(&out));
    assert_eq!(b.snapshot_store(), before);
}

#[test]
fn an_artifact_signed_by_an_untrusted_key_is_refused() {
    let (_registry, _a, b) = setup();
    // B stops trusting the publisher.
    let key_id =
        super::common::json(&run(&_a, &["keys", "show", "--json"]))["signing_key_id"].as_str().expect("id").to_owned();
    assert_eq!(code(&run(&b, &["keys", "untrust", &key_id])), 0);
    refused_untrusted(&b);
}

fn refused_untrusted(b: &TestEnv) {
    let before = b.snapshot_store();
    let out = run(b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("not trusted"), "{}", stderr(&out));
    assert_eq!(b.snapshot_store(), before);
}

#[test]
fn an_expired_head_is_refused() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    let file = a.write_file("team.json", &super::common::servers("github", "npx"));
    let out =
        run(&a, &["publish", "--all", "-p", "team", "--file", file.to_str().expect("utf8"), "--expires-in", "1h"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
    let mut b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, false, &[]);
    b.set_now("2026-11-25T14:00:00Z");
    let before = b.snapshot_store();
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    assert_eq!(b.snapshot_store(), before);
}

#[test]
fn a_manifest_pairing_one_versions_envelope_with_anothers_payload_is_refused() {
    let (registry, _a, b) = setup();
    let v1 = manifest(&registry, &version_tag(&registry, "team", 1));
    let mut head = manifest(&registry, "_shared__team");
    head["layers"][1] = v1["layers"][1].clone();
    let body = serde_json::to_vec(&head).expect("json");
    let url = format!("http://{}/v2/{REPO}/manifests/_shared__team", registry.host());
    let out = std::process::Command::new("curl")
        .args([
            "-sf",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/vnd.oci.image.manifest.v1+json",
            "--data-binary",
            "@-",
            &url,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().expect("stdin").write_all(&body)?;
            child.wait_with_output()
        })
        .expect("curl");
    assert!(out.status.success(), "the registry took the forged manifest");
    let served: Value = manifest(&registry, "_shared__team");
    assert_eq!(served["layers"][1], v1["layers"][1]);
    refused(&b, 4, "artifact id");
}
