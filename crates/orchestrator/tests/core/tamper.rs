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
