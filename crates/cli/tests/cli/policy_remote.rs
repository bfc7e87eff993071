//! Signed policies through a real OCI registry (Debian's `docker-registry` on 127.0.0.1): an
//! admin home A signs and pushes an org policy; a follower B that trusts A's key pulls it (with
//! `sync --from`, policies first) and then refuses to deploy what it denies (exit 6). Each
//! refusal of a pull installs nothing: an untrusted signer (8), a profile's artifact re-tagged
//! as a policy (4), another policy re-tagged under this name (4), an older policy re-tagged as
//! the newest (9); and a push over a newer remote policy is refused (7).

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{Registry, RegistryOptions};
use serde_json::{Value, json};

use super::common::{code, initialized, json, run, stderr};
use super::policy::s;
use super::remote::{add_remote, copy, follower, manifest, publish_team, run_auth, tags, trust};

/// Signs `rules` in `admin` as `org/<name>` at `version` and installs it there (the admin
/// follows its own policy, and pushes what it installed).
fn sign_and_install(admin: &TestEnv, name: &str, version: u64, rules: Value) {
    let mut rules = rules;
    rules["schema_version"] = json!(1);
    let doc = admin.write_file(&format!("{name}-{version}.json"), &rules.to_string());
    let signed = admin.root().join(format!("{name}-{version}.signed.json"));
    let v = version.to_string();
    let out = run(
        admin,
        &["policy", "sign", s(&doc), "--layer", "org", "--name", name, "--version", &v, "--out", s(&signed)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(admin, &["policy", "trust", s(&signed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

fn deny(name: &str) -> Value {
    json!({"servers": {"deny": [name]}})
}

/// A registry, an admin A that pushed org/acme version 1 (denying `evil`), and a follower B
/// that trusts A's key and has the remote, nothing pulled.
fn setup(tls: bool) -> (Registry, TestEnv, TestEnv) {
    let registry = Registry::start(RegistryOptions { tls, auth: tls, token: false });
    let a = initialized();
    sign_and_install(&a, "acme", 1, deny("evil"));
    add_remote(&a, &registry, tls, &[]);
    let out = run_auth(&a, &["policy", "push", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["policies"],
        json!([{"layer": "org", "name": "acme", "version": 1, "state": "pushed"}]),
        "pushed"
    );
    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, tls, &[]);
    (registry, a, b)
}

/// `policy pull` in `b` expected to be refused with `exit`, saying `says`, installing nothing.
fn refused(b: &TestEnv, exit: i32, says: &str) {
    let before = b.snapshot_store();
    let out = run(b, &["policy", "pull", "team"]);
    assert_eq!(code(&out), exit, "{}", stderr(&out));
    assert!(stderr(&out).contains(says), "expected {says:?} in: {}", stderr(&out));
    assert_eq!(b.snapshot_store(), before, "a refused policy installs nothing");
}

fn installed_version(b: &TestEnv) -> Option<u64> {
    let out = run(b, &["policy", "list", "--json"]);
    json(&out)["policies"].as_array().expect("policies").first().and_then(|p| p["version"].as_u64())
}

#[test]
fn an_org_policy_pushed_by_a_is_pulled_by_b_whose_sync_then_refuses_what_it_denies() {
    let (registry, a, b) = setup(true);
    // What was pushed, as another registry client reads it.
    let m = manifest(&registry, "_policy__org__acme");
    assert_eq!(m["artifactType"], "application/vnd.mcp-orchestration.policy.v1+json");
    assert_eq!(m["layers"].as_array().expect("layers").len(), 1);
    assert_eq!(m["layers"][0]["mediaType"], "application/vnd.mcp-orchestration.signed-policy.v1+json");
    let signed = std::fs::read(a.home().join("policies/org/acme.json")).expect("installed");
    assert_eq!(m["layers"][0]["digest"], format!("sha256:{}", sha256_hex(&signed)), "the exact signed bytes");
    assert!(tags(&registry).contains(&"_policy__org__acme__v0000000001".to_owned()));
    // A pushes again: nothing new.
    let out = run_auth(&a, &["policy", "push", "team", "--json"]);
    assert_eq!(json(&out)["policies"][0]["state"], "up_to_date", "{}", stderr(&out));

    // A teammate (same fixed key as A, so B trusts it) publishes a shared profile holding `evil`
    // from a home without the policy.
    let teammate = initialized();
    publish_team(&teammate, "evil");
    add_remote(&teammate, &registry, true, &[]);
    assert_eq!(code(&run_auth(&teammate, &["push", "team"])), 0);

    let cursor = b.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().expect("parent")).expect("mkdir");
    let live = r#"{"mcpServers": {"mine": {"command": "mine"}}}"#;
    std::fs::write(&cursor, live).expect("write");
    let out = run_auth(&b, &["sync", "--from", "team", "--profile", "team", "--yes"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("policy org/acme version 1: pulled, verified and installed"), "{err}");
    assert!(err.contains("server 'evil': rule servers.deny of policy 'acme' (org)"), "{err}");
    assert_eq!(std::fs::read_to_string(&cursor).expect("read"), live, "nothing deployed");
    assert_eq!(std::fs::read(b.home().join("policies/org/acme.json")).expect("installed"), signed);
    assert_eq!(installed_version(&b), Some(1));
    // A second pull finds it up to date.
    let out = run_auth(&b, &["policy", "pull", "team", "--json"]);
    assert_eq!(json(&out)["policies"][0]["state"], "up_to_date", "{}", stderr(&out));
    // Both sides logged the operation with the remote's name.
    for (env, kind) in [(&a, "orchestrator.policy_push_completed"), (&b, "orchestrator.policy_pull_completed")] {
        let out = run(env, &["events", "query", "--json"]);
        let events = json(&out)["events"].as_array().expect("events").clone();
        assert!(events.iter().any(|e| e["event_type"] == kind && e["metadata"]["remote"] == "team"), "no {kind}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_policy_signed_by_a_key_b_does_not_trust_is_refused() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    sign_and_install(&a, "acme", 1, deny("evil"));
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["policy", "push"])), 0);
    let b = follower();
    add_remote(&b, &registry, false, &[]);
    refused(&b, 8, "which this home does not trust");
    assert_eq!(installed_version(&b), None);
}

#[test]
fn a_profiles_artifact_retagged_as_a_policy_is_refused() {
    let (registry, a, b) = setup(false);
    publish_team(&a, "github");
    assert_eq!(code(&run(&a, &["push", "team"])), 0);
    copy(&registry, "_shared__team", &registry, "_policy__org__acme");
    refused(&b, 4, "not a signed policy");
}

#[test]
fn another_policy_retagged_under_this_name_is_refused_as_a_substitution() {
    let (registry, a, b) = setup(false);
    sign_and_install(&a, "lax", 1, json!({}));
    assert_eq!(code(&run(&a, &["policy", "push", "team", "--name", "lax"])), 0);
    copy(&registry, "_policy__org__lax", &registry, "_policy__org__acme");
    refused(&b, 4, "holds policy org/lax, not org/acme: refused as a substitution");
}

#[test]
fn an_older_policy_retagged_as_the_newest_is_refused_as_a_rollback() {
    let (registry, a, b) = setup(false);
    assert_eq!(code(&run(&b, &["policy", "pull", "team"])), 0);
    sign_and_install(&a, "acme", 2, deny("worse"));
    let out = run(&a, &["policy", "push", "team", "--json"]);
    assert_eq!(json(&out)["policies"][0]["version"], 2, "{}", stderr(&out));
    let out = run(&b, &["policy", "pull", "team", "--layer", "org", "--name", "acme", "--json"]);
    assert_eq!(json(&out)["policies"][0]["state"], "pulled", "{}", stderr(&out));
    assert_eq!(installed_version(&b), Some(2));
    copy(&registry, "_policy__org__acme__v0000000001", &registry, "_policy__org__acme");
    refused(&b, 9, "version 1 is older than version 2 this home has installed (rollback)");
    assert_eq!(installed_version(&b), Some(2));
}

#[test]
fn a_push_over_a_newer_remote_policy_is_refused_until_pulled() {
    let (_registry, a, b) = setup(false);
    sign_and_install(&a, "acme", 2, deny("worse"));
    assert_eq!(code(&run(&a, &["policy", "push", "team"])), 0);
    // Another admin home with the same signer, still at version 1.
    let v1 = a.root().join("acme-1.signed.json");
    assert_eq!(code(&run(&b, &["policy", "trust", s(&v1)])), 0);
    let out = run(&b, &["policy", "push", "team"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("the remote holds version 2, newer than this home's 1"), "{}", stderr(&out));
    assert!(stderr(&out).contains("policy pull team"), "{}", stderr(&out));
    // Nothing in scope to push: exit 3.
    let out = run(&b, &["policy", "push", "team", "--layer", "team"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}

#[test]
fn a_push_over_another_policy_of_the_same_version_or_of_a_policy_not_honoured_is_refused() {
    let (registry, a, _b) = setup(false);
    // A second admin home with the same signer signs other rules as version 1 (equivocation).
    let c = initialized();
    sign_and_install(&c, "acme", 1, deny("other"));
    add_remote(&c, &registry, false, &[]);
    let before = tags(&registry);
    let out = run(&c, &["policy", "push", "team"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("the remote holds another policy under version 1"), "{}", stderr(&out));
    assert_eq!(tags(&registry), before, "nothing pushed");
    // An installed policy that is not honoured (its signer no longer trusted) never leaves.
    let key_id = json(&run(&a, &["keys", "show", "--json"]))["signing_key_id"].as_str().expect("id").to_owned();
    let d = follower();
    trust(&d, &a);
    assert_eq!(code(&run(&d, &["policy", "trust", s(&a.root().join("acme-1.signed.json"))])), 0);
    assert_eq!(code(&run(&d, &["keys", "untrust", &key_id])), 0);
    add_remote(&d, &registry, false, &[]);
    let out = run(&d, &["policy", "push", "team"]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("is not honoured"), "{}", stderr(&out));
}
