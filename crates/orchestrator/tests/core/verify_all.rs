//! `Orchestrator::verify` (`verify --all`) reads through opened directories and checks each
//! version without building its payload; every refusal must still be the one `history` (the
//! common read path) gives the same stored version, with the same message and exit code: a
//! tampered envelope, a non-canonical one, a wrong signature, an untrusted key, payloads a
//! trusted key signed that are not strict JSON (a duplicate key, a number beyond ±2^53, a lone
//! surrogate), a missing object file or objects directory, a broken chain, and a head refused
//! for rollback or expiry. Enough profiles are published for the work to be spread over the
//! cores, half of them with a note (signed metadata).

use std::path::PathBuf;

use mcp_testkit::TestEnv;
use orchestrator::artifact::{self, Statement};
use orchestrator::canonical::ContentId;
use orchestrator::crypto::{self, KeyPair};
use orchestrator::{ErrorKind, Orchestrator};
use serde_json::{Value, json};

use crate::common::{initialized, key_a, key_b, now, now_plus, orchestrator_at, tagged_payload};

const CLIENT: &str = "cursor";

fn envelope_path(env: &TestEnv, profile: &str, version: u64) -> PathBuf {
    env.home().join(format!("history/{CLIENT}/{profile}/{version:010}.json"))
}

fn object_path(env: &TestEnv, id: &str) -> PathBuf {
    env.home().join(format!("objects/{}.json", &id["sha256:".len()..]))
}

fn read_json(path: &PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

/// A home with `profiles` profiles of three versions each (`p00`, `p01`, …); the even ones
/// carry a note.
fn home_with(profiles: usize) -> (TestEnv, Orchestrator) {
    let (env, orch) = initialized();
    for p in 0..profiles {
        for v in 0..3 {
            let doc = tagged_payload(&format!("p{p}v{v}"));
            let note = (p % 2 == 0).then_some("a note");
            orch.publish(CLIENT, &format!("p{p:02}"), &doc, note, None).expect("publish");
        }
    }
    (env, orch)
}

/// One reported outcome: (client, profile, version, artifact id, error, exit code).
type Row = (String, String, u64, Option<String>, Option<String>, Option<u8>);

/// Every stored version as `verify` reports it.
fn verify_all(orch: &Orchestrator) -> Vec<Row> {
    orch.verify(None)
        .expect("verify")
        .into_iter()
        .map(|o| (o.client_id, o.profile_id, o.version, o.artifact_id, o.error, o.kind.map(|k| k.exit_code())))
        .collect()
}

/// What `verify` said of one version: (artifact id, error, exit code).
fn outcome(orch: &Orchestrator, profile: &str, version: u64) -> (Option<String>, Option<String>, Option<u8>) {
    let found = verify_all(orch).into_iter().find(|o| o.0 == CLIENT && o.1 == profile && o.2 == version);
    let (_, _, _, id, error, code) = found.unwrap_or_else(|| panic!("no outcome for {profile} v{version}"));
    (id, error, code)
}

/// Every version but each profile's newest gets the verdict `history` gives it (the newest,
/// the head, is also checked for rollback and expiry by `verify`).
fn assert_same_as_history(orch: &Orchestrator) {
    let all = verify_all(orch);
    let profiles: std::collections::BTreeSet<String> =
        all.iter().filter(|o| o.0 == CLIENT).map(|o| o.1.clone()).collect();
    for profile in profiles {
        let history = orch.history(CLIENT, &profile).expect("history");
        let last = history.iter().map(|e| e.version).max().expect("versions");
        for entry in history.iter().filter(|e| e.version < last) {
            let mine = all
                .iter()
                .find(|o| o.0 == CLIENT && o.1 == profile && o.2 == entry.version)
                .expect("verify reports every version");
            let theirs = (
                entry.artifact.as_ref().ok().map(|v| v.id().to_string()),
                entry.artifact.as_ref().err().map(|e| e.to_string()),
                entry.artifact.as_ref().err().map(|e| e.kind().exit_code()),
            );
            assert_eq!((mine.3.clone(), mine.4.clone(), mine.5), theirs, "{profile} v{}", entry.version);
        }
    }
}

/// Stores `bytes` as an object and, signed by `key`, as version `version` of `profile`
/// chained on the version before (its newest).
fn store_signed(env: &TestEnv, key: &KeyPair, profile: &str, version: u64, bytes: &[u8]) {
    let before = read_json(&envelope_path(env, profile, version - 1));
    let id = ContentId::of(bytes);
    let statement = Statement {
        statement_type: crypto::STATEMENT_TYPE.to_owned(),
        artifact_id: id.clone(),
        client_id: CLIENT.to_owned(),
        profile_id: profile.to_owned(),
        version,
        previous: Some(ContentId::parse(before["statement"]["artifact_id"].as_str().expect("id")).expect("id")),
        created_at: now(),
        expires_at: None,
        metadata: serde_json::Map::new(),
    };
    std::fs::write(object_path(env, id.as_str()), bytes).expect("object");
    std::fs::write(envelope_path(env, profile, version), artifact::seal(&statement, key)).expect("envelope");
}

#[test]
fn an_untouched_home_verifies_every_version_with_its_id() {
    let (_env, orch) = home_with(6);
    let all = verify_all(&orch);
    assert_eq!(all.iter().filter(|o| o.0 == CLIENT).count(), 18);
    assert!(all.iter().all(|o| o.4.is_none() && o.3.as_deref().is_some_and(|id| id.starts_with("sha256:"))));
    for profile in ["p02", "p03"] {
        let history = orch.history(CLIENT, profile).expect("history");
        let ids: Vec<String> = history.iter().map(|e| e.artifact.as_ref().expect("ok").id().to_string()).collect();
        let mine: Vec<String> =
            all.iter().filter(|o| o.0 == CLIENT && o.1 == profile).map(|o| o.3.clone().expect("id")).collect();
        assert_eq!(mine, ids, "{profile}");
    }
}

#[test]
fn a_tampered_envelope_is_a_signature_failure_as_in_history() {
    let (env, orch) = home_with(6);
    let path = envelope_path(&env, "p03", 1);
    let text = std::fs::read_to_string(&path).expect("read").replace("\"metadata\":{}", "\"metadata\":{\"x\":1}");
    assert!(text.contains("\"x\":1"), "the statement was edited");
    std::fs::write(&path, text).expect("write");
    let (id, error, code) = outcome(&orch, "p03", 1);
    assert_eq!((id, code), (None, Some(8)));
    assert!(error.expect("refused").contains("the signature does not verify under key"));
    assert_same_as_history(&orch);
}

#[test]
fn non_canonical_envelopes_are_integrity_failures_as_in_history() {
    let (env, orch) = home_with(6);
    // Whitespace (pretty-printed), a member out of order, an escape canonical JCS does not
    // write, and a number in another form: each refused as not canonical.
    let pretty = envelope_path(&env, "p04", 2);
    std::fs::write(&pretty, serde_json::to_string_pretty(&read_json(&pretty)).expect("pretty")).expect("write");
    let reordered = envelope_path(&env, "p01", 1);
    let text = std::fs::read_to_string(&reordered).expect("read");
    let (payload_type, rest) = text[1..].split_once(",\"signature\"").expect("members");
    std::fs::write(&reordered, format!("{{\"signature\"{},{payload_type}}}", &rest[..rest.len() - 1])).expect("write");
    let escaped = envelope_path(&env, "p02", 1);
    let text = std::fs::read_to_string(&escaped).expect("read").replacen("\"cursor\"", "\"\\u0063ursor\"", 1);
    std::fs::write(&escaped, text).expect("write");
    let number = envelope_path(&env, "p05", 2);
    let text = std::fs::read_to_string(&number).expect("read").replacen("\"version\":2}", "\"version\":2.0}", 1);
    assert!(text.contains("2.0"), "the version was rewritten");
    std::fs::write(&number, text).expect("write");
    for (profile, version) in [("p04", 2), ("p01", 1), ("p02", 1), ("p05", 2)] {
        let (id, error, code) = outcome(&orch, profile, version);
        assert_eq!((id, code), (None, Some(4)), "{profile} v{version}");
        let error = error.expect("refused");
        assert!(error.contains("the envelope is not canonical JSON (RFC 8785)"), "{profile} v{version}: {error}");
    }
    // The version after a refused one is not linked to it, and verifies.
    assert!(outcome(&orch, "p04", 3).1.is_none());
    assert_same_as_history(&orch);
}

#[test]
fn a_wrong_signature_is_a_signature_failure_as_in_history() {
    let (env, orch) = home_with(6);
    let other = read_json(&envelope_path(&env, "p01", 2));
    let path = envelope_path(&env, "p01", 1);
    let mut value = read_json(&path);
    value["signature"]["sig"] = other["signature"]["sig"].clone();
    std::fs::write(&path, orchestrator::canonical::jcs(&value)).expect("write");
    let (id, error, code) = outcome(&orch, "p01", 1);
    assert_eq!((id, code), (None, Some(8)));
    assert!(error.expect("refused").contains("the signature does not verify under key"));
    assert_same_as_history(&orch);
}

#[test]
fn a_version_signed_by_an_untrusted_key_is_a_signature_failure_as_in_history() {
    let (env, orch) = home_with(6);
    store_signed(&env, &key_b(), "p05", 4, tagged_payload("by b").as_bytes());
    let (id, error, code) = outcome(&orch, "p05", 4);
    assert_eq!((id, code), (None, Some(8)));
    let error = error.expect("refused");
    assert!(error.contains(&format!("signed by key {}, which is not trusted", key_b().public().id())), "{error}");
    let history = orch.history(CLIENT, "p05").expect("history");
    let theirs = history.iter().find(|e| e.version == 4).expect("v4").artifact.as_ref().err().map(|e| e.to_string());
    assert_eq!(Some(error), theirs);
    assert_same_as_history(&orch);
}

#[test]
fn signed_payloads_that_are_not_strict_json_are_refused_as_in_history() {
    // A trusted key signs the id of bytes this program would never store: each must still be
    // refused as not strict JSON, naming the value.
    let cases: [(&[u8], &str, &str); 3] = [
        (br#"{"mcpServers":{},"mcpServers":{}}"#, "refused JSON at /mcpServers", "duplicate key"),
        (
            br#"{"mcpServers":{"a":{"timeout":9007199254740993}}}"#,
            "refused JSON at /mcpServers/a/timeout",
            "beyond ±2^53",
        ),
        (
            br#"{"mcpServers":{"a":{"command":"\udc00"}}}"#,
            "refused JSON at /mcpServers/a/command",
            "lone leading surrogate",
        ),
    ];
    for (bytes, at, reason) in cases {
        let (env, orch) = home_with(6);
        store_signed(&env, &key_a(), "p05", 4, bytes);
        let (found, error, code) = outcome(&orch, "p05", 4);
        assert_eq!((found, code), (None, Some(4)), "{at}");
        let error = error.expect("refused");
        assert!(error.contains(&format!("payload: {at}")) && error.contains(reason), "{error}");
        let history = orch.history(CLIENT, "p05").expect("history");
        let theirs =
            history.iter().find(|e| e.version == 4).expect("v4").artifact.as_ref().err().map(|e| e.to_string());
        assert_eq!(Some(error), theirs);
        assert_same_as_history(&orch);
    }
}

#[test]
fn a_signed_payload_with_keys_out_of_order_verifies_as_in_history() {
    // Strict JSON, though not canonical: accepted (the quick check leaves it to the full parse).
    let (env, orch) = home_with(6);
    store_signed(&env, &key_a(), "p05", 4, br#"{"mcpServers":{"b":{"command":"x"},"a":{"command":"y"}}}"#);
    let (found, error, _) = outcome(&orch, "p05", 4);
    assert_eq!(error, None);
    assert_eq!(found, Some(ContentId::of(br#"{"mcpServers":{"b":{"command":"x"},"a":{"command":"y"}}}"#).to_string()));
    assert_same_as_history(&orch);
}

#[test]
fn a_missing_object_file_is_not_found_as_in_history() {
    let (env, orch) = home_with(6);
    let id = read_json(&envelope_path(&env, "p03", 2))["statement"]["artifact_id"].as_str().expect("id").to_owned();
    std::fs::remove_file(object_path(&env, &id)).expect("remove");
    let (found, error, code) = outcome(&orch, "p03", 2);
    assert_eq!((found, code), (None, Some(ErrorKind::NotFound.exit_code())));
    let error = error.expect("refused");
    assert!(error.contains("cannot read") && error.contains(&id["sha256:".len()..]), "{error}");
    assert_same_as_history(&orch);
}

#[test]
fn a_missing_objects_directory_refuses_every_version_as_in_history() {
    let (env, orch) = home_with(2);
    std::fs::remove_dir_all(env.home().join("objects")).expect("remove");
    let all = verify_all(&orch);
    assert!(all.iter().all(|o| o.5 == Some(ErrorKind::NotFound.exit_code())), "{all:?}");
    assert_same_as_history(&orch);
}

#[test]
fn a_version_file_naming_another_version_breaks_the_chain_as_in_history() {
    let (env, orch) = home_with(6);
    // v3's envelope copied over v2's: v2 holds version 3 (corrupt), and v3 still verifies.
    std::fs::copy(envelope_path(&env, "p00", 3), envelope_path(&env, "p00", 2)).expect("copy");
    let (_, error, code) = outcome(&orch, "p00", 2);
    assert_eq!(code, Some(4));
    assert!(error.expect("refused").contains("holds version 3"));
    assert_same_as_history(&orch);
}

#[test]
fn a_version_whose_previous_is_another_id_breaks_the_chain_as_in_history() {
    let (env, orch) = home_with(6);
    // p01's v2 as p01's v3 would be signed, but naming v1 as its `previous`.
    let v1 = read_json(&envelope_path(&env, "p01", 1));
    let v3 = read_json(&envelope_path(&env, "p01", 3));
    let mut statement: Statement = serde_json::from_value(v3["statement"].clone()).expect("statement");
    statement.previous = Some(ContentId::parse(v1["statement"]["artifact_id"].as_str().expect("id")).expect("id"));
    std::fs::write(envelope_path(&env, "p01", 3), artifact::seal(&statement, &key_a())).expect("envelope");
    let (_, error, code) = outcome(&orch, "p01", 3);
    assert_eq!(code, Some(4));
    assert!(error.expect("refused").contains("the history chain is broken"));
}

#[test]
fn a_head_below_its_rollback_floor_is_a_freshness_failure_and_still_links_the_chain() {
    let (env, orch) = home_with(6);
    std::fs::write(env.home().join("seen/cursor/p00.json"), json!({"highest_version": 9}).to_string()).expect("floor");
    let (_, error, code) = outcome(&orch, "p00", 3);
    assert_eq!(code, Some(9), "{error:?}");
    assert!(error.expect("refused").contains("older than version 9 already seen"));
    assert!(outcome(&orch, "p00", 2).1.is_none(), "older versions verify as history");
}

#[test]
fn an_expired_head_is_a_freshness_failure_and_older_versions_verify() {
    let (env, orch) = home_with(2);
    let doc = tagged_payload("frozen");
    orch.publish(CLIENT, "p01", &doc, None, Some(std::time::Duration::from_secs(3600))).expect("publish");
    assert!(outcome(&orch, "p01", 4).1.is_none(), "not expired yet");
    let later = orchestrator_at(&env, now_plus(7200));
    let (_, error, code) = outcome(&later, "p01", 4);
    assert_eq!(code, Some(9));
    assert!(error.expect("refused").contains("expired at"));
    assert!(outcome(&later, "p01", 3).1.is_none());
}

#[test]
fn an_envelope_naming_no_valid_artifact_id_is_corrupt_as_in_history() {
    let (env, orch) = home_with(6);
    let path = envelope_path(&env, "p03", 2);
    let id = read_json(&path)["statement"]["artifact_id"].as_str().expect("id").to_owned();
    let text = std::fs::read_to_string(&path).expect("read").replacen(&id, &id.to_uppercase(), 1);
    std::fs::write(&path, text).expect("write");
    let (found, error, code) = outcome(&orch, "p03", 2);
    assert_eq!((found, code), (None, Some(4)));
    assert!(error.expect("refused").contains("no artifact id in the envelope"));
    assert_same_as_history(&orch);
}

// Truncated files: `verify --all` reads each file with one `read` where it fits, taking a
// short read as the end of the file; a file that really is short must be judged as `history`
// judges it (and never pass: its hash and signature no longer match).

#[test]
fn a_truncated_envelope_is_refused_as_in_history() {
    let (env, orch) = home_with(6);
    let path = envelope_path(&env, "p03", 2);
    let bytes = std::fs::read(&path).expect("read");
    for keep in [bytes.len() - 1, bytes.len() / 2, 1, 0] {
        std::fs::write(&path, &bytes[..keep]).expect("truncate");
        let (found, error, code) = outcome(&orch, "p03", 2);
        assert_eq!((found, code), (None, Some(4)), "{keep} bytes kept");
        assert!(error.expect("refused").contains("no artifact id in the envelope"), "{keep} bytes kept");
        assert_same_as_history(&orch);
    }
}

#[test]
fn a_truncated_payload_is_a_hash_failure_as_in_history() {
    let (env, orch) = home_with(6);
    let id = read_json(&envelope_path(&env, "p02", 3))["statement"]["artifact_id"].as_str().expect("id").to_owned();
    let path = object_path(&env, &id);
    let bytes = std::fs::read(&path).expect("read");
    for keep in [bytes.len() - 1, 1, 0] {
        std::fs::write(&path, &bytes[..keep]).expect("truncate");
        let (found, error, code) = outcome(&orch, "p02", 3);
        assert_eq!((found, code), (None, Some(4)), "{keep} bytes kept");
        assert!(error.expect("refused").contains("payload bytes hash to"), "{keep} bytes kept");
        assert_same_as_history(&orch);
    }
}

#[test]
fn a_payload_larger_than_one_read_verifies_as_in_history() {
    // 100 KiB of arguments: more than the room offered to one `read`, so it is read in turns.
    let (env, orch) = home_with(4);
    let long = "x".repeat(100 * 1024);
    let doc = json!({"mcpServers": {"probe": {"command": "echo", "args": [long]}}}).to_string();
    orch.publish(CLIENT, "p01", &doc, None, None).expect("publish");
    let id = read_json(&envelope_path(&env, "p01", 4))["statement"]["artifact_id"].as_str().expect("id").to_owned();
    assert!(std::fs::metadata(object_path(&env, &id)).expect("object").len() > 100 * 1024);
    let (found, error, _) = outcome(&orch, "p01", 4);
    assert_eq!((found, error), (Some(id), None));
    assert_same_as_history(&orch);
}

// Heads, rollback floors and history listings: `verify --all` reads them through directories
// opened once; every outcome is the registry's own.

/// The message `verify` fails with.
fn verify_error(orch: &Orchestrator) -> (String, u8) {
    let error = orch.verify(None).expect_err("verify refuses the home");
    (error.to_string(), error.kind().exit_code())
}

fn ids(profile: &str) -> (orchestrator::ids::ClientId, orchestrator::ids::ProfileId) {
    (
        orchestrator::ids::ClientId::parse(CLIENT).expect("client"),
        orchestrator::ids::ProfileId::parse(profile).expect("profile"),
    )
}

#[test]
fn a_missing_rollback_floor_leaves_every_version_verified() {
    let (env, orch) = home_with(6);
    std::fs::remove_file(env.home().join("seen/cursor/p01.json")).expect("remove");
    std::fs::remove_file(env.home().join("seen/cursor/p04.json")).expect("remove");
    let (client, profile) = ids("p01");
    assert_eq!(orchestrator::registry::highest_seen(orch.home(), &client, &profile).expect("seen"), 0);
    let all = verify_all(&orch);
    assert_eq!(all.iter().filter(|o| o.0 == CLIENT).count(), 18);
    assert!(all.iter().all(|o| o.4.is_none()), "{all:?}");
    assert_same_as_history(&orch);
}

#[test]
fn a_missing_seen_directory_leaves_every_version_verified() {
    let (env, orch) = home_with(6);
    std::fs::remove_dir_all(env.home().join("seen/cursor")).expect("remove");
    let all = verify_all(&orch);
    assert_eq!(all.iter().filter(|o| o.0 == CLIENT).count(), 18);
    assert!(all.iter().all(|o| o.4.is_none()), "{all:?}");
}

#[test]
fn a_rollback_floor_that_is_not_json_fails_as_the_registry_read() {
    let (env, orch) = home_with(6);
    std::fs::write(env.home().join("seen/cursor/p02.json"), b"{\"highest_version\": ").expect("write");
    let (client, profile) = ids("p02");
    let theirs = orchestrator::registry::highest_seen(orch.home(), &client, &profile).expect_err("corrupt");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), 4));
    assert!(message.contains("seen/cursor/p02.json"), "{message}");
}

#[test]
fn a_rollback_floor_that_is_a_directory_fails_as_the_registry_read() {
    let (env, orch) = home_with(6);
    let path = env.home().join("seen/cursor/p05.json");
    std::fs::remove_file(&path).expect("remove");
    std::fs::create_dir(&path).expect("mkdir");
    let (client, profile) = ids("p05");
    let theirs = orchestrator::registry::highest_seen(orch.home(), &client, &profile).expect_err("a directory");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), theirs.kind().exit_code()));
    assert!(message.contains("cannot read") && message.contains("seen/cursor/p05.json"), "{message}");
}

#[test]
fn a_head_that_is_not_json_fails_as_the_registry_read() {
    let (env, orch) = home_with(6);
    std::fs::write(env.home().join("heads/cursor/p03.json"), b"{\"version\": 3").expect("write");
    let (client, profile) = ids("p03");
    let theirs = orchestrator::registry::head(orch.home(), &client, &profile).expect_err("corrupt");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), 4));
    assert!(message.contains("heads/cursor/p03.json"), "{message}");
}

#[test]
fn a_heads_directory_that_is_a_file_fails_as_the_registry_read() {
    let (env, orch) = home_with(6);
    let dir = env.home().join("heads/cursor");
    std::fs::remove_dir_all(&dir).expect("remove");
    std::fs::write(&dir, b"not a directory").expect("write");
    let (client, profile) = ids("p00");
    let theirs = orchestrator::registry::head(orch.home(), &client, &profile).expect_err("not a directory");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), theirs.kind().exit_code()));
    assert!(message.contains("heads/cursor/p00.json"), "{message}");
}

#[test]
fn a_heads_directory_others_may_write_is_refused_as_the_registry_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let (env, orch) = home_with(6);
    let dir = env.home().join("heads/cursor");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (client, profile) = ids("p00");
    let theirs = orchestrator::registry::head(orch.home(), &client, &profile).expect_err("unsafe");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), theirs.kind().exit_code()));
    assert!(message.contains("heads directory"), "{message}");
}

#[test]
fn a_missing_heads_directory_verifies_every_version_as_history() {
    let (env, orch) = home_with(6);
    std::fs::remove_dir_all(env.home().join("heads/cursor")).expect("remove");
    let (client, profile) = ids("p00");
    assert_eq!(orchestrator::registry::head(orch.home(), &client, &profile).expect("no head"), None);
    let all = verify_all(&orch);
    assert_eq!(all.iter().filter(|o| o.0 == CLIENT).count(), 18);
    assert!(all.iter().all(|o| o.4.is_none()), "{all:?}");
    // With no head, nothing is checked for rollback: a floor above every version is ignored.
    std::fs::write(env.home().join("seen/cursor/p00.json"), json!({"highest_version": 9}).to_string()).expect("floor");
    assert!(outcome(&orch, "p00", 3).1.is_none());
}

#[test]
fn stray_files_in_a_history_directory_are_left_out_as_in_history() {
    let (env, orch) = home_with(6);
    let dir = env.home().join("history/cursor/p02");
    for name in ["notes.txt", "README", ".json", "x.json", "-1.json", "18446744073709551616.json", ".tmp-abc"] {
        std::fs::write(dir.join(name), b"{}").expect("stray");
    }
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    let (client, profile) = ids("p02");
    assert_eq!(orchestrator::registry::versions(orch.home(), &client, &profile).expect("versions"), vec![1, 2, 3]);
    let all = verify_all(&orch);
    let versions: Vec<u64> = all.iter().filter(|o| o.1 == "p02").map(|o| o.2).collect();
    assert_eq!(versions, vec![1, 2, 3]);
    assert!(all.iter().all(|o| o.4.is_none()), "{all:?}");
    assert_same_as_history(&orch);
}

#[test]
fn a_long_history_is_listed_whole_as_in_history() {
    // More names than one directory read returns (each `getdents64` fills an 8 KiB buffer).
    let (env, orch) = home_with(4);
    let dir = env.home().join("history/cursor/p01");
    for n in 0..600 {
        std::fs::write(dir.join(format!("stray-file-with-a-long-name-{n:04}.txt")), b"").expect("stray");
    }
    for _ in 0..5 {
        orch.publish(CLIENT, "p01", &tagged_payload(&format!("more{}", rand_tag())), None, None).expect("publish");
    }
    let (client, profile) = ids("p01");
    let theirs = orchestrator::registry::versions(orch.home(), &client, &profile).expect("versions");
    assert_eq!(theirs, (1..=8).collect::<Vec<u64>>());
    let all = verify_all(&orch);
    let versions: Vec<u64> = all.iter().filter(|o| o.1 == "p01").map(|o| o.2).collect();
    assert_eq!(versions, theirs);
    assert!(all.iter().all(|o| o.4.is_none()), "{all:?}");
}

fn rand_tag() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn a_directory_named_as_a_version_is_refused_as_in_history() {
    let (env, orch) = home_with(6);
    std::fs::create_dir(env.home().join("history/cursor/p04/0000000007.json")).expect("mkdir");
    let all = verify_all(&orch);
    let (_, _, _, found, error, code) = all.iter().find(|o| o.1 == "p04" && o.2 == 7).expect("v7").clone();
    let history = orch.history(CLIENT, "p04").expect("history");
    let theirs = history.iter().find(|e| e.version == 7).expect("v7").artifact.as_ref().expect_err("refused");
    assert_eq!((found, error, code), (None, Some(theirs.to_string()), Some(theirs.kind().exit_code())));
    assert!(theirs.to_string().contains("cannot read"), "{theirs}");
    assert_same_as_history(&orch);
}

#[test]
fn a_history_directory_others_may_write_is_refused_as_the_registry_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let (env, orch) = home_with(6);
    let dir = env.home().join("history/cursor/p01");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (client, profile) = ids("p01");
    let theirs = orchestrator::registry::versions(orch.home(), &client, &profile).expect_err("unsafe");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), theirs.kind().exit_code()));
    assert!(message.contains("history directory"), "{message}");
}

#[test]
fn a_history_path_that_is_a_file_fails_as_the_registry_listing() {
    let (env, orch) = home_with(6);
    let dir = env.home().join("history/cursor/p03");
    std::fs::remove_dir_all(&dir).expect("remove");
    std::fs::write(&dir, b"not a directory").expect("write");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
    let (client, profile) = ids("p03");
    let theirs = orchestrator::registry::versions(orch.home(), &client, &profile).expect_err("not a directory");
    let (message, code) = verify_error(&orch);
    assert_eq!((message.as_str(), code), (theirs.to_string().as_str(), theirs.kind().exit_code()));
    assert!(message.contains("history/cursor/p03"), "{message}");
}
