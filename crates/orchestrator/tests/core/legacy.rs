//! The original Python tool's home: `python_dumps` reproduces `json.dumps(sort_keys=True,
//! separators=(",", ":"))` byte for byte, and migrating a copy of `testdata/legacy-home`
//! publishes its artifacts once, leaves the legacy files untouched, and skips tampered ones.

use mcp_testkit::TestEnv;
use orchestrator::Error;
use orchestrator::legacy::python_dumps;
use serde_json::{Value, json};

use crate::common::{files_under, now, orchestrator_at};

/// (JSON text, what CPython 3 `json.dumps(json.loads(text), sort_keys=True,
/// separators=(",", ":"))` prints). Expected values were produced by CPython.
const PYTHON_CASES: &[(&str, &str)] = &[
    (r#"{"b":1,"a":{"d":[3,2,1],"c":null}}"#, r#"{"a":{"c":null,"d":[3,2,1]},"b":1}"#),
    ("{\"s\":\"\u{e9}\"}", r#"{"s":"\u00e9"}"#),
    ("{\"s\":\"\u{1f600}\"}", r#"{"s":"\ud83d\ude00"}"#),
    ("{\"s\":\"a\u{7f}b\"}", r#"{"s":"a\u007fb"}"#),
    (r#"{"s":"\u0000\u0001\b\t\n\f\r\u001f \"\\/"}"#, r#"{"s":"\u0000\u0001\b\t\n\f\r\u001f \"\\/"}"#),
    (
        "{\"z\":{\"y\":{\"x\":true,\"w\":false}},\"Z\":[{\"b\":2,\"a\":1}],\"\u{e9}\":1,\"e\":2,\"\u{20ac}\":3,\"\u{1f600}\":4,\"\u{fb33}\":5}",
        r#"{"Z":[{"a":1,"b":2}],"e":2,"z":{"y":{"w":false,"x":true}},"\u00e9":1,"\u20ac":3,"\ufb33":5,"\ud83d\ude00":4}"#,
    ),
    (
        r#"{"f":[1.5,-0.0,1e21,1e-7,0.0001,0.00001,1e16,1e15,123456789.125,2.0,1.5e300,-2.5e-10,5e-324]}"#,
        r#"{"f":[1.5,-0.0,1e+21,1e-07,0.0001,1e-05,1e+16,1000000000000000.0,123456789.125,2.0,1.5e+300,-2.5e-10,5e-324]}"#,
    ),
    (
        r#"{"i":[0,-1,9007199254740993,-9007199254740993,18446744073709551615]}"#,
        r#"{"i":[0,-1,9007199254740993,-9007199254740993,18446744073709551615]}"#,
    ),
    (r#"{"":"","k":[],"o":{}}"#, r#"{"":"","k":[],"o":{}}"#),
];

#[test]
fn python_dumps_matches_cpython_byte_for_byte() {
    for (input, expected) in PYTHON_CASES {
        let value: Value = serde_json::from_str(input).expect("test input is JSON");
        assert_eq!(String::from_utf8(python_dumps(&value)).expect("ASCII"), *expected, "python_dumps of {input}");
    }
}

#[test]
fn python_dumps_hashes_the_legacy_payloads_to_their_ids() {
    let dir = mcp_testkit::testdata().join("legacy-home/.mcp-orchestration/artifacts");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("legacy artifacts").flatten() {
        let doc: Value = serde_json::from_slice(&std::fs::read(entry.path()).expect("read")).expect("JSON");
        let bytes = python_dumps(&doc["payload"]);
        assert_eq!(
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            doc["artifact_id"].as_str().expect("id")
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

fn legacy_env() -> TestEnv {
    let env = TestEnv::new();
    env.install_legacy_home(0o600);
    env
}

/// The legacy store's files (artifacts, index, key pair): what migration must never touch.
fn legacy_files(env: &TestEnv) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["artifacts", "index"] {
        out.extend(files_under(&env.home().join(dir)).into_iter().map(|(n, b)| (format!("{dir}/{n}"), b)));
    }
    for key in ["keys/signing_key.pem", "keys/verification_key.pem"] {
        out.push((key.to_owned(), std::fs::read(env.home().join(key)).expect("key")));
    }
    out
}

const LEGACY_IDS: [(&str, &str, &str); 3] = [
    ("claude-desktop", "default", "82812dc2bf8bc6fbaa264864d1fb719399c9c77c1657f158f49f91bbdcd0102d"),
    ("claude-desktop", "dev", "41aa189493cf4d6b98ffc23e38c7b218d5d5c4fb3888d635bbec44b3ae94ef77"),
    ("cursor", "default", "236d0baf371b69137c57f85c6fea1e652fe57fcead749a7902a09efd1d34e7ad"),
];

#[test]
fn migrating_the_legacy_home_publishes_each_artifact_once_and_leaves_it_untouched() {
    let env = legacy_env();
    let original = legacy_files(&env);
    let orch = orchestrator_at(&env, now());
    let init = orch.init(false).expect("init keeps the legacy key");
    assert!(init.legacy_store_found);
    assert!(!init.key_created);
    assert_eq!(init.left_for_migration, ["claude-desktop/default", "cursor/default"]);

    let report = orch.migrate(false).expect("migrate");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(report.already_migrated.is_empty());
    let mut migrated: Vec<_> =
        report.migrated.iter().map(|m| (m.client_id.as_str(), m.profile_id.as_str(), m.legacy_id.as_str())).collect();
    migrated.sort();
    assert_eq!(migrated, LEGACY_IDS);
    for (client, profile, legacy_id) in LEGACY_IDS {
        let verified = orch.get(client, profile).expect("migrated head verifies");
        assert_eq!(verified.statement().version, 1);
        let metadata = &verified.statement().metadata;
        assert_eq!(metadata.get("legacy_artifact_id"), Some(&json!(legacy_id)));
        let legacy: Value = serde_json::from_slice(
            &std::fs::read(env.home().join(format!("artifacts/{legacy_id}.json"))).expect("legacy artifact"),
        )
        .expect("JSON");
        assert_eq!(verified.payload(), &legacy["payload"], "the payload is carried over unchanged");
        assert_eq!(metadata.get("legacy_created_at"), Some(&legacy["created_at"]));
        assert_eq!(metadata.get("profile_description"), Some(&legacy["metadata"]["profile_description"]));
    }
    assert_eq!(legacy_files(&env), original, "legacy files are byte-identical");

    // A second run changes nothing and says so.
    let before = env.snapshot();
    let again = orch.migrate(false).expect("second migrate");
    assert!(again.migrated.is_empty(), "{:?}", again.migrated);
    assert!(again.rejected.is_empty());
    let mut already = again.already_migrated.clone();
    already.sort();
    let mut expected: Vec<&str> = LEGACY_IDS.iter().map(|(_, _, id)| *id).collect();
    expected.sort();
    assert_eq!(already, expected);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_dry_run_reports_without_writing() {
    let env = legacy_env();
    let orch = orchestrator_at(&env, now());
    orch.init(false).expect("init");
    let before = env.snapshot();
    let report = orch.migrate(true).expect("dry run");
    assert!(report.dry_run);
    assert_eq!(report.migrated.len(), 3);
    assert!(report.migrated.iter().all(|m| m.version.is_none()));
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_tampered_legacy_artifact_is_rejected_and_the_others_migrate() {
    let env = legacy_env();
    let tampered_path = env.home().join(format!("artifacts/{}.json", LEGACY_IDS[2].2));
    let text = std::fs::read_to_string(&tampered_path).expect("read");
    assert!(text.contains("/home/alice/code"));
    std::fs::write(&tampered_path, text.replace("/home/alice/code", "/home/mallory/code")).expect("tamper");

    let orch = orchestrator_at(&env, now());
    orch.init(false).expect("init");
    let report = orch.migrate(false).expect("migrate");
    assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
    assert_eq!(report.rejected[0].path, tampered_path.display().to_string());
    assert!(
        report.rejected[0].reason.contains(&format!("not to its artifact_id {}", LEGACY_IDS[2].2)),
        "{}",
        report.rejected[0].reason
    );
    let mut migrated: Vec<_> = report.migrated.iter().map(|m| m.legacy_id.as_str()).collect();
    migrated.sort();
    assert_eq!(migrated, [LEGACY_IDS[1].2, LEGACY_IDS[0].2]);
    // Cursor's tampered legacy default was not migrated: cursor follows the shared default.
    assert_eq!(orch.get("cursor", "default").expect("shared default").statement().client_id, "_shared");
}

#[test]
fn a_legacy_artifact_with_a_forged_signature_is_rejected() {
    let env = legacy_env();
    let path = env.home().join(format!("artifacts/{}.json", LEGACY_IDS[0].2));
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    let other: Value = serde_json::from_slice(
        &std::fs::read(env.home().join(format!("artifacts/{}.json", LEGACY_IDS[1].2))).expect("read"),
    )
    .expect("JSON");
    doc["signature"] = other["signature"].clone();
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    let orch = orchestrator_at(&env, now());
    orch.init(false).expect("init");
    let report = orch.migrate(false).expect("migrate");
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].reason, "signature does not verify under the legacy verification key");
    assert_eq!(report.migrated.len(), 2);
}

#[test]
fn a_legacy_key_readable_by_others_is_refused_by_init_and_nothing_changes() {
    let env = TestEnv::new();
    env.install_legacy_home(0o644);
    let before = env.snapshot();
    match orchestrator_at(&env, now()).init(false) {
        Err(Error::KeyTooOpen { path, mode }) => {
            assert_eq!(path, env.home().join("keys/signing_key.pem"));
            assert_eq!(mode, 0o644);
        }
        other => panic!("expected KeyTooOpen, got {other:?}"),
    }
    assert_eq!(env.snapshot(), before);
    assert!(!env.home().join("layout.json").exists());
}
