//! `artifact::verify`: the happy path returns exactly what was signed, and every negative
//! branch has its own test matching the exact `VerifyError` variant.

use orchestrator::artifact::{self, Expectation, FailureKind, Statement, VerifyError};
use orchestrator::canonical::{self, ContentId};
use orchestrator::crypto::{self, KeyPair};
use serde_json::{Value, json};

use crate::common::{canon, key_a, key_b, now, now_plus, small_servers, statement, trust_of};

const CLIENT: &str = "claude-desktop";
const PROFILE: &str = "default";

/// What a reader of `claude-desktop/default` that has seen `highest_seen` expects at `now()`.
fn expect(highest_seen: u64) -> Expectation<'static> {
    Expectation { client_id: CLIENT, profile_id: PROFILE, highest_seen: Some(highest_seen), now: Some(now()) }
}

/// A sealed version 2 of the small servers document: (envelope, payload bytes, statement).
fn sealed(key: &KeyPair) -> (Vec<u8>, Vec<u8>, Statement) {
    let payload = canon(&small_servers());
    let statement = statement(&payload, CLIENT, PROFILE, 2);
    (artifact::seal(&statement, key), payload.bytes().to_vec(), statement)
}

/// The envelope as a JSON value (it is JCS text).
fn envelope_value(envelope: &[u8]) -> Value {
    serde_json::from_slice(envelope).expect("an envelope is JSON")
}

/// Re-encodes an edited envelope value canonically.
fn reseal_json(value: &Value) -> Vec<u8> {
    canonical::jcs(value)
}

/// An envelope whose statement is `statement_json` (any JSON), signed by `key` over the PAE
/// of its JCS bytes, as `seal` does.
fn signed_raw_statement(statement_json: &Value, key: &KeyPair) -> Vec<u8> {
    let sig = key.sign(&crypto::pae(crypto::STATEMENT_TYPE, &canonical::jcs(statement_json)));
    canonical::jcs(&json!({
        "payload_type": crypto::STATEMENT_TYPE,
        "signature": {"alg": "ed25519", "key_id": key.public().id().to_string(), "sig": sig},
        "statement": statement_json,
    }))
}

#[test]
fn happy_path_returns_exactly_the_signed_statement_and_payload() {
    let key = key_a();
    let (envelope, payload, statement) = sealed(&key);
    let verified = artifact::verify(&envelope, &payload, &trust_of(&[&key]), &expect(2)).expect("verifies");
    assert_eq!(verified.statement(), &statement);
    assert_eq!(verified.payload(), &small_servers());
    assert_eq!(verified.payload_bytes(), &payload[..]);
    assert_eq!(verified.id(), &ContentId::of(&payload));
    assert_eq!(verified.signature().alg, "ed25519");
    assert_eq!(verified.signature().key_id, key.public().id().to_string());
    // The signature is over the PAE of the statement's JCS bytes.
    let statement_bytes = canonical::jcs(&serde_json::to_value(&statement).expect("serializes"));
    key.public()
        .verify(&crypto::pae(crypto::STATEMENT_TYPE, &statement_bytes), &verified.signature().sig)
        .expect("the stored signature is over the PAE of the statement");
    let json = verified.to_json();
    assert_eq!(json["artifact_id"], json!(ContentId::of(&payload).to_string()));
    assert_eq!(json["client_id"], json!(CLIENT));
    assert_eq!(json["profile_id"], json!(PROFILE));
    assert_eq!(json["version"], json!(2));
    assert_eq!(json["previous"], Value::Null);
    assert_eq!(json["created_at"], json!("2026-11-25T12:00:00Z"));
    assert_eq!(json["expires_at"], Value::Null);
    assert_eq!(json["payload"], small_servers());
    assert_eq!(json["metadata"], json!({"note": "fixed test statement"}));
    assert_eq!(json["signing_key_id"], json!(key.public().id().to_string()));
    assert_eq!(json["signature"]["sig"], json!(verified.signature().sig));
}

#[test]
fn sealing_is_deterministic_with_a_fixed_key_and_clock() {
    let (one, _, _) = sealed(&key_a());
    let (two, _, _) = sealed(&key_a());
    assert_eq!(one, two);
    assert!(canonical::is_canonical(&one), "the envelope is stored in JCS form");
    let value = envelope_value(&one);
    assert_eq!(value["payload_type"], json!("application/vnd.mcp-orchestration.artifact.v1+json"));
    assert_eq!(value["statement"]["_type"], json!("application/vnd.mcp-orchestration.artifact.v1+json"));
}

#[test]
fn tampered_payload_is_an_id_mismatch() {
    let key = key_a();
    let (envelope, payload, statement) = sealed(&key);
    let mut tampered = small_servers();
    tampered["mcpServers"]["filesystem"]["command"] = json!("evil");
    let tampered = canonical::jcs(&tampered);
    let err = artifact::verify(&envelope, &tampered, &trust_of(&[&key]), &expect(2)).expect_err("refused");
    assert_eq!(err, VerifyError::IdMismatch { expected: statement.artifact_id, actual: ContentId::of(&tampered) });
    assert_eq!(err.kind(), FailureKind::Integrity);
    // Non-canonical bytes of the same document do not hash to the id either.
    let pretty = serde_json::to_vec_pretty(&small_servers()).expect("serializes");
    let err = artifact::verify(&envelope, &pretty, &trust_of(&[&key]), &expect(2)).expect_err("refused");
    assert_eq!(err, VerifyError::IdMismatch { expected: ContentId::of(&payload), actual: ContentId::of(&pretty) });
}

#[test]
fn tampered_statement_is_a_bad_signature() {
    let key = key_a();
    let (envelope, payload, _) = sealed(&key);
    for (field, value) in [
        ("version", json!(3)),
        ("profile_id", json!("prod")),
        ("metadata", json!({"note": "edited"})),
        ("expires_at", json!("2027-01-01T00:00:00Z")),
    ] {
        let mut edited = envelope_value(&envelope);
        edited["statement"][field] = value;
        let err =
            artifact::verify(&reseal_json(&edited), &payload, &trust_of(&[&key]), &expect(2)).expect_err("refused");
        assert_eq!(err, VerifyError::BadSignature { key_id: key.public().id().to_string() }, "edited {field}");
        assert_eq!(err.kind(), FailureKind::Signature);
    }
}

#[test]
fn signature_of_another_trusted_key_under_this_key_id_is_a_bad_signature() {
    let (a, b) = (key_a(), key_b());
    let (envelope, payload, _) = sealed(&b);
    let mut edited = envelope_value(&envelope);
    edited["signature"]["key_id"] = json!(a.public().id().to_string());
    let err = artifact::verify(&reseal_json(&edited), &payload, &trust_of(&[&a, &b]), &expect(2)).expect_err("refused");
    assert_eq!(err, VerifyError::BadSignature { key_id: a.public().id().to_string() });
    // The untouched envelope verifies under B, which is trusted.
    let verified = artifact::verify(&envelope, &payload, &trust_of(&[&a, &b]), &expect(2)).expect("B verifies");
    assert_eq!(verified.signature().key_id, b.public().id().to_string());
}

#[test]
fn untrusted_key_is_refused() {
    let (a, b) = (key_a(), key_b());
    let (envelope, payload, _) = sealed(&b);
    let err = artifact::verify(&envelope, &payload, &trust_of(&[&a]), &expect(2)).expect_err("refused");
    assert_eq!(err, VerifyError::UntrustedKey { key_id: b.public().id().to_string() });
    assert_eq!(err.kind(), FailureKind::Signature);
    let err = artifact::verify(&envelope, &payload, &trust_of(&[]), &expect(2)).expect_err("refused");
    assert_eq!(err, VerifyError::UntrustedKey { key_id: b.public().id().to_string() });
}

#[test]
fn unknown_algorithm_is_refused() {
    let key = key_a();
    let (envelope, payload, _) = sealed(&key);
    for alg in ["rsa", "Ed25519", "ed448", ""] {
        let mut edited = envelope_value(&envelope);
        edited["signature"]["alg"] = json!(alg);
        let err =
            artifact::verify(&reseal_json(&edited), &payload, &trust_of(&[&key]), &expect(2)).expect_err("refused");
        assert_eq!(err, VerifyError::UnsupportedAlgorithm { alg: alg.to_owned() });
        assert_eq!(err.kind(), FailureKind::Signature);
    }
}

fn assert_malformed(envelope: &[u8], payload: &[u8], detail_part: &str) {
    let key = key_a();
    match artifact::verify(envelope, payload, &trust_of(&[&key]), &expect(2)) {
        Err(err @ VerifyError::Malformed { .. }) => {
            let VerifyError::Malformed { detail } = &err else { unreachable!() };
            assert!(detail.contains(detail_part), "detail {detail:?} should contain {detail_part:?}");
            assert_eq!(err.kind(), FailureKind::Integrity);
        }
        other => panic!("expected Malformed containing {detail_part:?}, got {other:?}"),
    }
}

#[test]
fn non_canonical_envelope_is_malformed() {
    let (envelope, payload, _) = sealed(&key_a());
    let value = envelope_value(&envelope);
    let pretty = serde_json::to_vec_pretty(&value).expect("serializes");
    assert_malformed(&pretty, &payload, "not canonical JSON (RFC 8785)");
    let mut trailing = envelope.clone();
    trailing.push(b'\n');
    assert_malformed(&trailing, &payload, "not canonical JSON (RFC 8785)");
    // The same members with the statement first: valid JSON, not canonical.
    let jcs_text = |v: &Value| String::from_utf8(canonical::jcs(v)).expect("UTF-8");
    let reordered = format!(
        "{{\"statement\":{},\"payload_type\":{},\"signature\":{}}}",
        jcs_text(&value["statement"]),
        jcs_text(&value["payload_type"]),
        jcs_text(&value["signature"])
    );
    assert!(serde_json::from_str::<Value>(&reordered).is_ok(), "still JSON: {reordered}");
    assert_malformed(reordered.as_bytes(), &payload, "not canonical JSON (RFC 8785)");
    assert_malformed(b"\xff\xfe", &payload, "not UTF-8");
    // Empty bytes are neither an envelope nor canonical: refused as malformed either way.
    let err = artifact::verify(b"", &payload, &trust_of(&[&key_a()]), &expect(2)).expect_err("refused");
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err:?}");
}

#[test]
fn wrong_envelope_structure_is_malformed() {
    let (envelope, payload, _) = sealed(&key_a());
    let value = envelope_value(&envelope);
    assert_malformed(b"{}", &payload, "unexpected structure");
    assert_malformed(b"[]", &payload, "unexpected structure");
    let mut extra = value.clone();
    extra["extra"] = json!(1);
    assert_malformed(&reseal_json(&extra), &payload, "unexpected structure");
    let mut extra_sig = value.clone();
    extra_sig["signature"]["cert"] = json!("x");
    assert_malformed(&reseal_json(&extra_sig), &payload, "unexpected structure");
    let mut other_type = value.clone();
    other_type["payload_type"] = json!("application/vnd.in-toto+json");
    assert_malformed(&reseal_json(&other_type), &payload, "unexpected payload type 'application/vnd.in-toto+json'");
    for bad_sig in ["not base64!", "AAAA", ""] {
        let mut edited = value.clone();
        edited["signature"]["sig"] = json!(bad_sig);
        assert_malformed(&reseal_json(&edited), &payload, "signature is not base64 of 64 bytes");
    }
}

#[test]
fn signed_statement_of_an_unexpected_shape_is_malformed() {
    let key = key_a();
    let payload = canon(&small_servers());
    let good = serde_json::to_value(statement(&payload, CLIENT, PROFILE, 2)).expect("serializes");

    let mut extra = good.clone();
    extra["unsigned_extra"] = json!(true);
    assert_malformed(
        &signed_raw_statement(&extra, &key),
        payload.bytes(),
        "signed statement has an unexpected structure",
    );

    let mut no_version = good.clone();
    no_version.as_object_mut().expect("object").remove("version");
    assert_malformed(&signed_raw_statement(&no_version, &key), payload.bytes(), "missing field `version`");

    let mut other_type = good.clone();
    other_type["_type"] = json!("application/json");
    assert_malformed(
        &signed_raw_statement(&other_type, &key),
        payload.bytes(),
        "unexpected statement type 'application/json'",
    );
}

#[test]
fn signed_id_of_bytes_that_are_not_a_strict_payload_is_malformed() {
    let key = key_a();
    for (bytes, detail) in
        [(&b"\xff not utf-8"[..], "payload is not UTF-8"), (&br#"{"a":1,"a":2}"#[..], "payload: refused JSON at /a")]
    {
        let mut s = serde_json::to_value(statement(&canon(&json!({})), CLIENT, PROFILE, 2)).expect("serializes");
        s["artifact_id"] = json!(ContentId::of(bytes).to_string());
        assert_malformed(&signed_raw_statement(&s, &key), bytes, detail);
    }
}

#[test]
fn another_client_or_profile_is_a_wrong_subject() {
    let key = key_a();
    let payload = canon(&small_servers());
    for (client, profile) in [("cursor", PROFILE), (CLIENT, "prod")] {
        let envelope = artifact::seal(&statement(&payload, client, profile, 2), &key);
        let err = artifact::verify(&envelope, payload.bytes(), &trust_of(&[&key]), &expect(1)).expect_err("refused");
        assert_eq!(
            err,
            VerifyError::WrongSubject {
                expected_client: CLIENT.into(),
                expected_profile: PROFILE.into(),
                found_client: client.into(),
                found_profile: profile.into(),
            }
        );
        assert_eq!(err.kind(), FailureKind::Integrity);
    }
}

#[test]
fn version_below_the_highest_seen_is_a_rollback() {
    let key = key_a();
    let (envelope, payload, _) = sealed(&key);
    let err = artifact::verify(&envelope, &payload, &trust_of(&[&key]), &expect(3)).expect_err("refused");
    assert_eq!(err, VerifyError::Rollback { version: 2, highest_seen: 3 });
    assert_eq!(err.kind(), FailureKind::Freshness);
    // The same version as the highest seen is fine, and history reads skip the check.
    assert_eq!(
        artifact::verify(&envelope, &payload, &trust_of(&[&key]), &expect(2)).expect("equal").statement().version,
        2
    );
    let history = Expectation { highest_seen: None, ..expect(99) };
    assert_eq!(
        artifact::verify(&envelope, &payload, &trust_of(&[&key]), &history).expect("history").statement().version,
        2
    );
}

#[test]
fn past_expires_at_is_expired() {
    let key = key_a();
    let payload = canon(&small_servers());
    let expires_at = now_plus(3600);
    let mut s = statement(&payload, CLIENT, PROFILE, 2);
    s.expires_at = Some(expires_at);
    let envelope = artifact::seal(&s, &key);
    let trust = trust_of(&[&key]);
    let at = |t| Expectation { now: Some(t), ..expect(2) };
    assert_eq!(
        artifact::verify(&envelope, payload.bytes(), &trust, &at(now_plus(3599))).expect("fresh").statement(),
        &s
    );
    for t in [expires_at, now_plus(3601), now_plus(86_400 * 365)] {
        let err = artifact::verify(&envelope, payload.bytes(), &trust, &at(t)).expect_err("expired");
        assert_eq!(err, VerifyError::Expired { expires_at });
        assert_eq!(err.kind(), FailureKind::Freshness);
        assert_eq!(err.to_string(), "artifact expired at 2026-11-25T13:00:00Z: publish a new version");
    }
    // Without a clock (history listings) expiry is not checked.
    let no_clock = Expectation { now: None, ..expect(2) };
    assert_eq!(artifact::verify(&envelope, payload.bytes(), &trust, &no_clock).expect("no clock").statement(), &s);
}

#[test]
fn checks_run_in_the_documented_order() {
    // An envelope that is untrusted AND for another subject AND rolled back reports the
    // trust failure first; a trusted one with a bad payload reports the hash before the subject.
    let (a, b) = (key_a(), key_b());
    let payload = canon(&small_servers());
    let envelope = artifact::seal(&statement(&payload, "cursor", "prod", 1), &b);
    let err = artifact::verify(&envelope, b"{}", &trust_of(&[&a]), &expect(5)).expect_err("refused");
    assert!(matches!(err, VerifyError::UntrustedKey { .. }), "{err:?}");
    let err = artifact::verify(&envelope, b"{}", &trust_of(&[&b]), &expect(5)).expect_err("refused");
    assert!(matches!(err, VerifyError::IdMismatch { .. }), "{err:?}");
    let err = artifact::verify(&envelope, payload.bytes(), &trust_of(&[&b]), &expect(5)).expect_err("refused");
    assert!(matches!(err, VerifyError::WrongSubject { .. }), "{err:?}");
}
