//! `keys show|export|trust|untrust|rotate`.

use super::common::*;

const WEAK_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n-----END PUBLIC KEY-----\n";

#[test]
fn export_prints_only_the_public_key_and_show_lists_trust() {
    let env = initialized();
    let out = run(&env, &["keys", "export"]);
    assert_eq!(code(&out), 0);
    let pem = String::from_utf8_lossy(&out.stdout);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let on_disk = std::fs::read_to_string(env.home().join("keys/verification_key.pem")).expect("read");
    assert_eq!(pem, on_disk);
    let show = json(&run(&env, &["keys", "show", "--json"]));
    assert_eq!(show["trusted"], serde_json::json!([show["signing_key_id"]]));
}

#[test]
fn rotate_keeps_old_artifacts_verifying_until_the_old_key_is_untrusted() {
    let env = initialized();
    let rotated = json(&run(&env, &["keys", "rotate", "--json"]));
    let old = rotated["old_key_id"].as_str().expect("old").to_owned();
    let new = rotated["new_key_id"].as_str().expect("new").to_owned();
    assert_ne!(old, new);
    assert_eq!(code(&run(&env, &["get", "cursor"])), 0, "old artifacts still verify");
    let art = publish(&env, "cursor", "dev", &servers("a", "npx"));
    assert_eq!(art["signing_key_id"], new.as_str());
    let out = run(&env, &["keys", "untrust", &old]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 8, "artifacts signed by the untrusted key are refused");
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "dev"])), 0);
    let retired = env.home().join(format!("keys/retired/{}.pem", &old["sha256:".len()..]));
    assert_eq!(mcp_testkit::mode(&retired), 0o600);
}

#[test]
fn untrusting_the_active_key_is_refused() {
    let env = initialized();
    let show = json(&run(&env, &["keys", "show", "--json"]));
    let before = env.snapshot();
    let out = run(&env, &["keys", "untrust", show["signing_key_id"].as_str().expect("id")]);
    assert_eq!(code(&out), 10);
    assert!(stderr(&out).contains("run `keys rotate` first"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before);
}

#[test]
fn untrusting_a_malformed_key_id_is_a_usage_error_and_changes_nothing() {
    let env = initialized();
    let before = env.snapshot();
    for bad in ["sha256:zz", "../../keys/signing_key", "sha256:0123"] {
        let out = run(&env, &["keys", "untrust", bad]);
        assert_eq!(code(&out), 2, "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("is not a key id"), "{}", stderr(&out));
    }
    let without_events =
        |s: Vec<(String, Vec<u8>)>| s.into_iter().filter(|(p, _)| !p.starts_with("events/")).collect::<Vec<_>>();
    assert_eq!(without_events(env.snapshot()), without_events(before));
}

#[test]
fn trust_accepts_another_homes_key_and_refuses_weak_or_garbage_keys() {
    let env = initialized();
    let other = initialized_other();
    let pem_path = env.write_file("other.pub", &String::from_utf8_lossy(&run(&other, &["keys", "export"]).stdout));
    let out = run(&env, &["keys", "trust", pem_path.to_str().expect("utf8"), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let other_id = json(&run(&other, &["keys", "show", "--json"]))["signing_key_id"].clone();
    assert_eq!(json(&out)["trusted"], other_id);

    let before = env.snapshot();
    let weak = env.write_file("weak.pub", WEAK_KEY_PEM);
    let out = run(&env, &["keys", "trust", weak.to_str().expect("utf8")]);
    assert_eq!(code(&out), 8);
    assert!(stderr(&out).contains("weak (small-order)"), "{}", stderr(&out));
    let garbage = env.write_file("garbage.pub", "not a key");
    let out = run(&env, &["keys", "trust", garbage.to_str().expect("utf8")]);
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("not an SPKI PEM Ed25519 public key"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before);
}

fn initialized_other() -> mcp_testkit::TestEnv {
    let env = mcp_testkit::TestEnv::new();
    env.write_private_key(mcp_testkit::FIXED_KEY_B, 0o600);
    assert_eq!(code(&run(&env, &["init-configs"])), 0);
    env
}

#[test]
fn a_private_key_readable_by_others_is_refused_when_publishing() {
    let env = initialized();
    mcp_testkit::set_mode(&env.home().join("keys/signing_key.pem"), 0o640);
    let file = env.write_file("doc.json", &servers("a", "npx"));
    let before = env.snapshot();
    let out = run(&env, &["publish", "cursor", "--profile", "dev", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 10);
    assert!(stderr(&out).contains("Permissions 0640"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before);
}
