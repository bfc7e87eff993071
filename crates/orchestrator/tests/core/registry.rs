//! The registry through `Orchestrator` on real temp homes with a fixed clock: versions and the
//! hash chain, replayed and substituted envelopes, expiry, trust, key permissions, refused
//! payloads leaving the home unchanged, and concurrent publishers.

use std::sync::Arc;
use std::time::Duration;

use mcp_testkit::TestEnv;
use orchestrator::Error;
use orchestrator::artifact::VerifyError;
use orchestrator::canonical::{CanonicalError, ContentId};
use orchestrator::home::Home;
use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::registry;
use serde_json::json;

use crate::common::{initialized, key_a, key_b, now, now_plus, orchestrator_at, tagged_payload};

const CLIENT: &str = "claude-desktop";
const PROFILE: &str = "team";

fn ids() -> (ClientId, ProfileId) {
    (ClientId::parse(CLIENT).expect("client"), ProfileId::parse(PROFILE).expect("profile"))
}

fn envelope_path(home: &Home, version: u64) -> std::path::PathBuf {
    let (client, profile) = ids();
    home.envelope(&client, &profile, version)
}

fn write_head(home: &Home, version: u64, artifact_id: &ContentId) {
    let (client, profile) = ids();
    let text = serde_json::to_vec_pretty(&json!({"version": version, "artifact_id": artifact_id})).expect("json");
    std::fs::write(home.head(&client, &profile), text).expect("write head");
}

/// The verification failure inside an `Error::Verify`, after checking its client/profile.
fn verify_failure(result: orchestrator::Result<impl std::fmt::Debug>, client: &str, profile: &str) -> VerifyError {
    match result {
        Err(Error::Verify { client: c, profile: p, source, .. }) => {
            assert_eq!((c.as_str(), p.as_str()), (client, profile));
            *source
        }
        other => panic!("expected a verification failure, got {other:?}"),
    }
}

#[test]
fn publishing_three_versions_builds_a_verified_hash_chain() {
    let (_env, orch) = initialized();
    let mut ids = Vec::new();
    for (i, tag) in ["one", "two", "three"].into_iter().enumerate() {
        let verified = orch.publish(CLIENT, PROFILE, &tagged_payload(tag), Some("note"), None).expect("publish");
        assert_eq!(verified.statement().version, i as u64 + 1);
        assert_eq!(verified.statement().previous, ids.last().cloned());
        assert_eq!(verified.statement().created_at, now());
        assert_eq!(verified.statement().metadata.get("note"), Some(&json!("note")));
        assert_eq!(verified.payload()["mcpServers"]["probe"]["args"], json!([tag]));
        ids.push(verified.id().clone());
    }
    let head = orch.get(CLIENT, PROFILE).expect("get");
    assert_eq!(head.statement().version, 3);
    assert_eq!(head.id(), &ids[2]);

    let history = orch.history(CLIENT, PROFILE).expect("history");
    assert_eq!(history.iter().map(|e| e.version).collect::<Vec<_>>(), [1, 2, 3]);
    let mut previous = None;
    for (entry, id) in history.iter().zip(&ids) {
        let verified = entry.artifact.as_ref().expect("every version verifies");
        assert_eq!(verified.id(), id);
        assert_eq!(verified.statement().version, entry.version);
        assert_eq!(verified.statement().previous, previous);
        previous = Some(verified.id().clone());
    }
    let summary = orch.profiles(CLIENT).expect("profiles");
    let team = summary.iter().find(|p| p.profile_id == PROFILE).expect("team listed");
    assert_eq!((team.version, team.artifact_id.as_str()), (3, ids[2].as_str()));
}

#[test]
fn republishing_the_same_document_gives_the_same_id_and_a_new_version() {
    let (_env, orch) = initialized();
    let one = orch.publish(CLIENT, PROFILE, r#"{"mcpServers": {"a": {"command": "x"}}}"#, None, None).expect("v1");
    let two =
        orch.publish(CLIENT, PROFILE, "{ \"mcpServers\" :{ \"a\":{\"command\":\"x\"} } }", None, None).expect("v2");
    assert_eq!(one.id(), two.id());
    assert_eq!((one.statement().version, two.statement().version), (1, 2));
    assert_eq!(two.statement().previous.as_ref(), Some(one.id()));
}

#[test]
fn a_replayed_older_envelope_at_the_head_is_a_rollback() {
    let (env, orch) = initialized();
    let home = Home::new(env.home());
    let v1 = orch.publish(CLIENT, PROFILE, &tagged_payload("one"), None, None).expect("v1");
    orch.publish(CLIENT, PROFILE, &tagged_payload("two"), None, None).expect("v2");
    orch.publish(CLIENT, PROFILE, &tagged_payload("three"), None, None).expect("v3");
    let v1_envelope = std::fs::read(envelope_path(&home, 1)).expect("v1 envelope");

    // The old envelope copied over the head's envelope, the head naming the old artifact.
    std::fs::write(envelope_path(&home, 3), &v1_envelope).expect("replay");
    write_head(&home, 3, v1.id());
    let err = verify_failure(orch.get(CLIENT, PROFILE), CLIENT, PROFILE);
    assert_eq!(err, VerifyError::Rollback { version: 1, highest_seen: 3 });

    // The head file rewritten to the old version.
    write_head(&home, 1, v1.id());
    let err = verify_failure(orch.get(CLIENT, PROFILE), CLIENT, PROFILE);
    assert_eq!(err, VerifyError::Rollback { version: 1, highest_seen: 3 });
    assert_eq!(orch.get(CLIENT, PROFILE).expect_err("refused").kind().exit_code(), 9);
}

#[test]
fn an_artifact_of_another_profile_is_a_wrong_subject() {
    let (env, orch) = initialized();
    let home = Home::new(env.home());
    orch.publish(CLIENT, PROFILE, &tagged_payload("team"), None, None).expect("team v1");
    let dev = orch.publish(CLIENT, "dev", &tagged_payload("dev"), None, None).expect("dev v1");
    let (client, _) = ids();
    let dev_envelope =
        std::fs::read(home.envelope(&client, &ProfileId::parse("dev").expect("dev"), 1)).expect("dev envelope");

    // Copied into this profile's history as the next version, and named by the head.
    std::fs::write(envelope_path(&home, 2), &dev_envelope).expect("substitute");
    write_head(&home, 2, dev.id());
    let expected = VerifyError::WrongSubject {
        expected_client: CLIENT.into(),
        expected_profile: PROFILE.into(),
        found_client: CLIENT.into(),
        found_profile: "dev".into(),
    };
    assert_eq!(verify_failure(orch.get(CLIENT, PROFILE), CLIENT, PROFILE), expected);
    let history = orch.history(CLIENT, PROFILE).expect("history");
    assert_eq!(history.len(), 2);
    assert!(history[0].artifact.is_ok());
    match &history[1].artifact {
        Err(Error::Verify { version: 2, source, .. }) => assert_eq!(**source, expected),
        other => panic!("version 2 of the history: {other:?}"),
    }
    // Also as a replacement of the only version.
    std::fs::write(envelope_path(&home, 1), &dev_envelope).expect("substitute");
    write_head(&home, 1, dev.id());
    assert_eq!(verify_failure(orch.get(CLIENT, PROFILE), CLIENT, PROFILE), expected);
}

#[test]
fn an_expiring_publish_is_refused_once_the_clock_passes() {
    let (env, orch) = initialized();
    let published =
        orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, Some(Duration::from_secs(3600))).expect("publish");
    let expires_at = now_plus(3600);
    assert_eq!(published.statement().expires_at, Some(expires_at));
    assert_eq!(orchestrator_at(&env, now_plus(3599)).get(CLIENT, PROFILE).expect("fresh").id(), published.id());
    for later in [now_plus(3600), now_plus(7200)] {
        let err = verify_failure(orchestrator_at(&env, later).get(CLIENT, PROFILE), CLIENT, PROFILE);
        assert_eq!(err, VerifyError::Expired { expires_at });
    }
    // History listings still show it verified (no clock check for old versions).
    let history = orchestrator_at(&env, now_plus(7200)).history(CLIENT, PROFILE).expect("history");
    assert_eq!(history[0].artifact.as_ref().expect("verified").id(), published.id());
}

#[test]
fn an_untrusted_key_is_refused_on_read() {
    let (env, orch) = initialized();
    orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, None).expect("publish");
    let trusted = env.home().join(format!("keys/trusted/{}.pub", key_a().public().id().hex()));
    std::fs::remove_file(&trusted).expect("untrust by removing the file");
    let err = verify_failure(orch.get(CLIENT, PROFILE), CLIENT, PROFILE);
    assert_eq!(err, VerifyError::UntrustedKey { key_id: key_a().public().id().to_string() });
    assert_eq!(orch.get(CLIENT, PROFILE).expect_err("refused").kind().exit_code(), 8);
}

#[test]
fn publishing_with_an_untrusted_signing_key_is_refused_and_changes_nothing() {
    let (env, orch) = initialized();
    orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, None).expect("publish");
    env.write_private_key(mcp_testkit::FIXED_KEY_B, 0o600);
    let before = env.snapshot();
    let err = verify_failure(orch.publish(CLIENT, PROFILE, &tagged_payload("y"), None, None), CLIENT, PROFILE);
    assert_eq!(err, VerifyError::UntrustedKey { key_id: key_b().public().id().to_string() });
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_signing_key_readable_by_others_is_refused() {
    let (env, orch) = initialized();
    let key_path = env.home().join("keys/signing_key.pem");
    for mode in [0o644, 0o640, 0o604] {
        mcp_testkit::set_mode(&key_path, mode);
        let before = env.snapshot();
        match orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, None) {
            Err(Error::KeyTooOpen { path, mode: got }) => {
                assert_eq!(path, key_path);
                assert_eq!(got, mode);
            }
            other => panic!("mode {mode:o}: expected KeyTooOpen, got {other:?}"),
        }
        assert_eq!(env.snapshot(), before);
    }
    mcp_testkit::set_mode(&key_path, 0o600);
    assert_eq!(orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, None).expect("0600").statement().version, 1);
}

#[test]
fn refused_payloads_name_the_pointer_and_leave_the_home_unchanged() {
    let (env, orch) = initialized();
    orch.publish(CLIENT, PROFILE, &tagged_payload("x"), None, None).expect("v1");
    let before = env.snapshot();
    for (payload, pointer, reason) in [
        (
            r#"{"mcpServers": {"a": {"command": "x", "env": {"X": "1", "X": "2"}}}}"#,
            "/mcpServers/a/env/X",
            "duplicate key",
        ),
        (
            r#"{"mcpServers": {"a": {"command": "x", "timeout": 9007199254740993}}}"#,
            "/mcpServers/a/timeout",
            "beyond ±2^53",
        ),
        (
            r#"{"mcpServers": {"a": {"command": "x", "timeout": -9007199254740993}}}"#,
            "/mcpServers/a/timeout",
            "beyond ±2^53",
        ),
        (r#"{"mcpServers": {"a": {"command": "\ud800"}}}"#, "/mcpServers/a/command", "hex escape"),
        (r#"{"mcpServers": {}} trailing"#, "", "trailing characters"),
    ] {
        match orch.publish(CLIENT, PROFILE, payload, None, None) {
            Err(err @ Error::Payload(CanonicalError::Refused { .. })) => {
                let Error::Payload(CanonicalError::Refused { pointer: got, reason: why, .. }) = &err else {
                    unreachable!()
                };
                assert_eq!(got, pointer, "{payload}");
                assert!(why.contains(reason), "{payload}: {why}");
                assert_eq!(err.kind().exit_code(), 4);
            }
            other => panic!("{payload}: expected Error::Payload, got {other:?}"),
        }
        assert_eq!(env.snapshot(), before, "{payload} changed the home");
    }
    // 2^53 itself is fine.
    let ok = orch
        .publish(CLIENT, PROFILE, r#"{"mcpServers": {"a": {"command": "x", "timeout": 9007199254740992}}}"#, None, None)
        .expect("2^53 accepted");
    assert_eq!(ok.payload()["mcpServers"]["a"]["timeout"], json!(9_007_199_254_740_992u64));
}

#[test]
fn concurrent_publishers_lose_no_version() {
    let (env, _) = initialized();
    const PER_THREAD: usize = 25;
    let home = env.home();
    std::thread::scope(|scope| {
        for thread in 0..2 {
            let home = home.clone();
            scope.spawn(move || {
                let orch =
                    orchestrator::Orchestrator::new(Home::new(home), Arc::new(orchestrator::clock::FixedClock(now())));
                for i in 0..PER_THREAD {
                    orch.publish(CLIENT, PROFILE, &tagged_payload(&format!("t{thread}-{i}")), None, None)
                        .expect("publish under contention");
                }
            });
        }
    });
    let orch = orchestrator_at(&env, now());
    let head = orch.get(CLIENT, PROFILE).expect("head");
    assert_eq!(head.statement().version, 50);
    let history = orch.history(CLIENT, PROFILE).expect("history");
    assert_eq!(history.iter().map(|e| e.version).collect::<Vec<_>>(), (1..=50).collect::<Vec<u64>>());
    let mut previous = None;
    let mut tags = std::collections::BTreeSet::new();
    for entry in &history {
        let verified = entry.artifact.as_ref().expect("every version verifies and chains");
        assert_eq!(verified.statement().previous, previous);
        previous = Some(verified.id().clone());
        tags.insert(verified.payload()["mcpServers"]["probe"]["args"][0].as_str().expect("tag").to_owned());
    }
    assert_eq!(tags.len(), 50, "every publish is a distinct version");
    let (client, profile) = ids();
    assert_eq!(registry::highest_seen(&Home::new(env.home()), &client, &profile).expect("seen"), 50);
}

#[test]
fn get_of_a_missing_profile_is_not_found_and_an_uninitialized_home_says_so() {
    let (_env, orch) = initialized();
    match orch.get(CLIENT, "nothing") {
        Err(Error::ProfileNotFound { client, profile }) => {
            assert_eq!((client.as_str(), profile.as_str()), (CLIENT, "nothing"))
        }
        other => panic!("{other:?}"),
    }
    let empty = TestEnv::new();
    match orchestrator_at(&empty, now()).get(CLIENT, PROFILE) {
        Err(Error::NotInitialized { home }) => assert_eq!(home, empty.home()),
        other => panic!("{other:?}"),
    }
    assert!(!empty.home().exists(), "a refused read creates no home");
}

#[test]
fn a_page_selected_in_one_pass_equals_the_same_page_of_the_sorted_listing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::new(dir.path());
    let client = ClientId::parse("cursor").expect("client");
    let heads = home.heads_dir(&client);
    std::fs::create_dir_all(&heads).expect("heads");
    // Names written in no particular order, with files that are not profiles beside them.
    let mut written: Vec<String> = (0..300).map(|n| format!("p{:03}", (n * 7919) % 300)).collect();
    written.extend(["a.b-c_d", "z9", "0"].map(String::from));
    for name in &written {
        std::fs::write(heads.join(format!("{name}.json")), "{}").expect("head");
    }
    for other in ["Upper.json", ".tmp-abc", "notes.txt", "-dash.json"] {
        std::fs::write(heads.join(other), "x").expect("other");
    }
    let all = registry::profiles(&home, &client).expect("all");
    assert_eq!(all.len(), 303, "the three odd names count, the files that are not profiles do not");
    for (after, limit) in [
        (None, 1),
        (None, 10),
        (None, 303),
        (None, 1000),
        (Some("p149"), 50),
        (Some("p298"), 5),
        (Some("z9"), 5),
        (Some("a"), 2),
    ] {
        let (page, more) = registry::profiles_after(&home, &client, after, limit).expect("page");
        let start = after.map_or(0, |a| all.partition_point(|p| p.as_str() <= a));
        let expected: Vec<_> = all[start..].iter().take(limit).cloned().collect();
        assert_eq!(page, expected, "after {after:?}, limit {limit}");
        assert_eq!(more, all.len() - start > limit, "after {after:?}, limit {limit}");
    }
    let missing = ClientId::parse("vscode").expect("client");
    assert_eq!(registry::profiles_after(&home, &missing, None, 10).expect("none"), (Vec::new(), false));
}
