//! Tamper sweep: single-bit flips of a stored artifact's envelope and payload bytes never
//! verify as different content (and in fact never verify at all).

use std::collections::BTreeMap;

use orchestrator::artifact::{self, Expectation, VerifyError};

use crate::common::{canon, key_a, now, now_plus, small_servers, statement, trust_of};

fn variant_name(err: &VerifyError) -> &'static str {
    match err {
        VerifyError::Malformed { .. } => "Malformed",
        VerifyError::IdMismatch { .. } => "IdMismatch",
        VerifyError::UnsupportedAlgorithm { .. } => "UnsupportedAlgorithm",
        VerifyError::UntrustedKey { .. } => "UntrustedKey",
        VerifyError::BadSignature { .. } => "BadSignature",
        VerifyError::WrongSubject { .. } => "WrongSubject",
        VerifyError::Rollback { .. } => "Rollback",
        VerifyError::Expired { .. } => "Expired",
    }
}

#[test]
fn single_bit_flips_never_verify_as_other_content() {
    let key = key_a();
    let trust = trust_of(&[&key]);
    let payload = canon(&small_servers());
    let mut original_statement = statement(&payload, "claude-desktop", "default", 2);
    original_statement.expires_at = Some(now_plus(3600));
    let envelope = artifact::seal(&original_statement, &key);
    let expect =
        Expectation { client_id: "claude-desktop", profile_id: "default", highest_seen: Some(2), now: Some(now()) };
    let original = artifact::verify(&envelope, payload.bytes(), &trust, &expect).expect("the original verifies");
    assert_eq!(original.statement(), &original_statement);

    let mut outcomes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut check =
        |which: &'static str, env: &[u8], pay: &[u8], bit: usize| match artifact::verify(env, pay, &trust, &expect) {
            Ok(v) => {
                assert!(
                    v.statement() == original.statement() && v.payload_bytes() == original.payload_bytes(),
                    "flipping {which} bit {bit} verified as DIFFERENT content: {:?}",
                    v.to_json()
                );
                *outcomes.entry((which, "Ok (identical)")).or_default() += 1;
            }
            Err(e) => *outcomes.entry((which, variant_name(&e))).or_default() += 1,
        };

    // Every bit of the payload.
    let payload_bits = payload.bytes().len() * 8;
    for bit in 0..payload_bits {
        let mut flipped = payload.bytes().to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        check("payload", &envelope, &flipped, bit);
    }
    // Every bit of the envelope (statement, signature block and framing).
    let envelope_bits = envelope.len() * 8;
    assert!(envelope_bits >= 2000, "the envelope has {envelope_bits} bits");
    for bit in 0..envelope_bits {
        let mut flipped = envelope.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        check("envelope", &flipped, payload.bytes(), bit);
    }

    let total: usize = outcomes.values().sum();
    assert_eq!(total, payload_bits + envelope_bits);
    let identical: usize = outcomes.iter().filter(|((_, o), _)| *o == "Ok (identical)").map(|(_, n)| n).sum();
    assert_eq!(identical, 0, "no flipped byte string verifies at all: {outcomes:?}");
    // Every payload flip is caught by the hash.
    assert_eq!(outcomes.get(&("payload", "IdMismatch")), Some(&payload_bits), "{outcomes:?}");
    // Envelope flips are caught by the canonical-form check or by the signature.
    assert!(outcomes.get(&("envelope", "BadSignature")).is_some_and(|n| *n > 0), "{outcomes:?}");
    assert!(outcomes.get(&("envelope", "Malformed")).is_some_and(|n| *n > 0), "{outcomes:?}");
}

/// `artifact::check` (what `verify --all` runs: the envelope parsed once, nothing built for the
/// payload) gives `verify`'s verdict on every single-bit flip of the envelope and of the
/// payload, and on payloads a trusted key signed that are not strict JSON or not canonical.
#[test]
fn check_gives_the_verdict_of_verify_on_every_flip() {
    let key = key_a();
    let trust = trust_of(&[&key]);
    let payload = canon(&small_servers());
    let mut signed = statement(&payload, "claude-desktop", "default", 2);
    signed.expires_at = Some(now_plus(3600));
    let envelope = artifact::seal(&signed, &key);
    let expect =
        Expectation { client_id: "claude-desktop", profile_id: "default", highest_seen: Some(2), now: Some(now()) };
    let mut scratch = artifact::Scratch::default();
    let mut same = |env: &[u8], pay: &[u8]| {
        let full = artifact::verify(env, pay, &trust, &expect).map(|v| artifact::Checked::of(&v));
        let parsed = artifact::Envelope::parse(env);
        assert_eq!(artifact::check(env, parsed.as_ref(), pay, &trust, &expect, &mut scratch), full);
    };
    same(&envelope, payload.bytes());
    // Every third bit (each byte gets two or three of its bits flipped; the sweep above flips
    // every bit for `verify` alone).
    for bit in (0..payload.bytes().len() * 8).step_by(3) {
        let mut flipped = payload.bytes().to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        same(&envelope, &flipped);
    }
    for bit in (0..envelope.len() * 8).step_by(3) {
        let mut flipped = envelope.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        same(&flipped, payload.bytes());
    }
    let odd: [&[u8]; 6] = [
        br#"{"a":{},"a":{}}"#,
        br#"{"b":1,"a":[9007199254740993]}"#,
        br#"{"a":[-9007199254740993]}"#,
        br#"{"a":"\ud800"}"#,
        br#"{"b": 1, "a": [2.5, 1e300]}"#,
        br#"{"a":1} x"#,
    ];
    for bytes in odd {
        let mut statement = signed.clone();
        statement.artifact_id = orchestrator::canonical::ContentId::of(bytes);
        same(&artifact::seal(&statement, &key), bytes);
    }
    // Without the parsed envelope, `check` parses it itself.
    let full = artifact::verify(&envelope, payload.bytes(), &trust, &expect).map(|v| artifact::Checked::of(&v));
    assert_eq!(artifact::check(&envelope, None, payload.bytes(), &trust, &expect, &mut scratch), full);
}
