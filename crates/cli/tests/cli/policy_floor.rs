//! The rollback floor of policies through the binary: an admin home (key B) signs versions of
//! one policy, a user home trusts the admin's key. A newer version replaces an older one; an
//! older one is refused (exit 9), another policy under an installed version too (exit 4), each
//! with nothing changed; the floor outlives `policy remove`; an older file put back by hand is
//! not honoured; `policy sign` numbers versions from the floor of the home that signs.

use std::path::PathBuf;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{code, json, run, servers, stderr};
use super::policy::{admin, s, user_of};

/// Signs `rules` as org/acme at `version` (None: the default) into a file named by `label`.
fn sign_version(admin: &TestEnv, rules: Value, version: Option<u64>, label: &str) -> PathBuf {
    let mut rules = rules;
    rules["schema_version"] = json!(1);
    let doc = admin.write_file(&format!("acme-{label}.json"), &rules.to_string());
    let signed = admin.root().join(format!("acme-{label}.signed.json"));
    let number = version.map(|v| v.to_string());
    let mut args = vec!["policy", "sign", s(&doc), "--layer", "org", "--name", "acme", "--out", s(&signed)];
    if let Some(number) = &number {
        args.extend(["--version", number.as_str()]);
    }
    let out = run(admin, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    signed
}

fn deny(name: &str) -> Value {
    json!({"servers": {"deny": [name]}})
}

/// The installed policies of `user` as `policy list --json` shows them.
fn listed(user: &TestEnv) -> Vec<Value> {
    let out = run(user, &["policy", "list", "--json"]);
    json(&out)["policies"].as_array().expect("policies").clone()
}

/// `policy trust FILE` expected to be refused with `exit`, saying `says`, changing nothing.
fn refused(user: &TestEnv, file: &std::path::Path, exit: i32, says: &str) {
    let before = user.snapshot();
    let out = run(user, &["policy", "trust", s(file)]);
    assert_eq!(code(&out), exit, "{}", stderr(&out));
    assert!(stderr(&out).contains(says), "expected {says:?} in: {}", stderr(&out));
    assert_eq!(user.snapshot(), before, "a refused policy changes nothing");
}

#[test]
fn a_newer_version_replaces_and_an_older_one_is_refused_as_a_rollback() {
    let admin = admin();
    let v1 = sign_version(&admin, deny("evil"), Some(1), "v1");
    let v2 = sign_version(&admin, deny("worse"), Some(2), "v2");
    let user = user_of(&admin);
    let out = run(&user, &["policy", "trust", s(&v1)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("installed policy org/acme version 1"), "{}", stderr(&out));
    let out = run(&user, &["policy", "trust", s(&v2)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("replaced policy org/acme version 2"), "{}", stderr(&out));
    refused(&user, &v1, 9, "version 1 is older than version 2 this home has installed (rollback)");
    let policies = listed(&user);
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["version"], 2, "{policies:?}");
    // The rules in force are version 2's: "worse" is denied, "evil" no longer.
    let doc = user.write_file("check.json", &servers("worse", "npx"));
    assert_eq!(code(&run(&user, &["policy", "check", s(&doc)])), 6);
    let doc = user.write_file("check2.json", &servers("evil", "npx"));
    assert_eq!(code(&run(&user, &["policy", "check", s(&doc)])), 0);
    // The same version with the same bytes again is not a change.
    let out = run(&user, &["policy", "trust", s(&v2)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn another_policy_under_an_installed_version_is_refused_as_an_equivocation() {
    let admin = admin();
    let first = sign_version(&admin, deny("evil"), Some(4), "first");
    let second = sign_version(&admin, deny("other"), Some(4), "second");
    let user = user_of(&admin);
    let out = run(&user, &["policy", "trust", s(&first)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    refused(&user, &second, 4, "under the same version (equivocation)");
    assert_eq!(listed(&user)[0]["version"], 4);
}

#[test]
fn the_floor_outlives_policy_remove() {
    let admin = admin();
    let v1 = sign_version(&admin, deny("evil"), Some(1), "v1");
    let v2 = sign_version(&admin, deny("evil"), Some(2), "v2");
    let user = user_of(&admin);
    assert_eq!(code(&run(&user, &["policy", "trust", s(&v2)])), 0);
    let out = run(&user, &["policy", "remove", "acme"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(listed(&user).is_empty());
    refused(&user, &v1, 9, "rollback");
    assert_eq!(code(&run(&user, &["policy", "trust", s(&v2)])), 0, "the floor's own version comes back");
}

#[test]
fn an_older_file_put_back_by_hand_is_not_honoured() {
    let admin = admin();
    let v1 = sign_version(&admin, deny("evil"), Some(1), "v1");
    let v2 = sign_version(&admin, deny("evil"), Some(2), "v2");
    let user = user_of(&admin);
    assert_eq!(code(&run(&user, &["policy", "trust", s(&v2)])), 0);
    let installed = user.home().join("policies/org/acme.json");
    std::fs::copy(&v1, &installed).expect("put v1 back");
    let policies = listed(&user);
    assert_eq!(policies[0]["exit_code"], 9, "{policies:?}");
    assert!(policies[0]["error"].as_str().expect("error").contains("rollback"), "{policies:?}");
    // Every enforcing command is refused while it is there (never silently ignored).
    let doc = user.write_file("servers.json", &servers("fine", "npx"));
    let out = run(&user, &["publish", "cursor", "--profile", "p", "--file", s(&doc)]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    assert!(stderr(&out).contains("policy remove acme --layer org"), "{}", stderr(&out));
}

#[test]
fn policy_sign_numbers_versions_from_the_floor_of_the_home_that_signs() {
    let admin = admin();
    let first = sign_version(&admin, deny("evil"), None, "first");
    // The admin follows its own policy: installing it raises the admin's floor.
    assert_eq!(code(&run(&admin, &["policy", "trust", s(&first)])), 0);
    let second = sign_version(&admin, deny("worse"), None, "second");
    let user = user_of(&admin);
    assert_eq!(code(&run(&user, &["policy", "trust", s(&first)])), 0);
    assert_eq!(listed(&user)[0]["version"], 1);
    assert_eq!(code(&run(&user, &["policy", "trust", s(&second)])), 0);
    assert_eq!(listed(&user)[0]["version"], 2);
    let out = run(&admin, &["policy", "sign", s(&first), "--version", "0"]);
    assert_eq!(code(&out), 2, "version 0 is refused: {}", stderr(&out));
}
