//! Ed25519 edge-case vectors against the program's verifier (`crypto::PublicKey::from_bytes`
//! then `verify_raw`: `verify_strict` semantics, weak keys refused when loaded): C2SP CCTV,
//! ed25519-speccheck and Wycheproof.

use std::collections::BTreeSet;

use ed25519_dalek::Signature;
use orchestrator::crypto::{CryptoError, PublicKey};
use serde::Deserialize;

#[derive(Deserialize)]
struct CctvVector {
    number: usize,
    key: String,
    sig: String,
    msg: String,
    flags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SpeccheckCase {
    message: String,
    pub_key: String,
    signature: String,
}

/// What the verifier says about one (key, message, signature).
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    /// The key was refused when loaded.
    KeyRefused(CryptoError),
    /// The key loaded; the signature was refused.
    SignatureRefused,
}

fn verdict(key: &[u8], message: &[u8], signature: &[u8]) -> Verdict {
    let Ok(key) = <[u8; 32]>::try_from(key) else {
        return Verdict::KeyRefused(CryptoError::BadPublicKey);
    };
    let key = match PublicKey::from_bytes(&key) {
        Ok(key) => key,
        Err(e) => return Verdict::KeyRefused(e),
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature) else { return Verdict::SignatureRefused };
    match key.verify_raw(message, &Signature::from_bytes(&signature)) {
        Ok(()) => Verdict::Accepted,
        Err(CryptoError::BadSignature { key_id }) => {
            assert_eq!(key_id, key.id().to_string(), "the error names the key");
            Verdict::SignatureRefused
        }
        Err(other) => panic!("unexpected error from verify_raw: {other:?}"),
    }
}

fn hex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex in the vector file")
}

fn cctv() -> Vec<CctvVector> {
    let path = mcp_testkit::testdata().join("ed25519/cctv-ed25519vectors.json");
    serde_json::from_slice(&std::fs::read(path).expect("read CCTV vectors")).expect("parse CCTV vectors")
}

#[test]
fn cctv_exactly_the_43_verify_strict_vectors_are_accepted() {
    let vectors = cctv();
    assert_eq!(vectors.len(), 914);
    let allowed: BTreeSet<&str> = ["low_order_component_A", "low_order_component_R"].into();
    let mut accepted = Vec::new();
    for v in &vectors {
        let flags = v.flags.clone().unwrap_or_default();
        match verdict(&hex(&v.key), v.msg.as_bytes(), &hex(&v.sig)) {
            Verdict::Accepted => {
                assert!(
                    flags.iter().all(|f| allowed.contains(f.as_str())),
                    "vector {} accepted with flags {flags:?}",
                    v.number
                );
                accepted.push(v.number);
            }
            Verdict::KeyRefused(CryptoError::WeakKey { .. }) => {
                assert!(flags.iter().any(|f| f == "low_order_A"), "vector {} refused as weak", v.number)
            }
            Verdict::KeyRefused(other) => panic!("vector {}: key refused as {other:?}", v.number),
            Verdict::SignatureRefused => {}
        }
    }
    assert_eq!(accepted.len(), 43, "accepted vectors: {accepted:?}");
}

#[test]
fn cctv_every_low_order_key_is_refused_as_weak_at_load() {
    let vectors = cctv();
    let mut weak = 0;
    for v in vectors.iter().filter(|v| v.flags.as_ref().is_some_and(|f| f.iter().any(|f| f == "low_order_A"))) {
        let key: [u8; 32] = hex(&v.key).try_into().expect("32 bytes");
        match PublicKey::from_bytes(&key) {
            Err(CryptoError::WeakKey { key_id }) => {
                assert!(key_id.starts_with("sha256:") && key_id.len() == 71, "{key_id}");
                weak += 1;
            }
            other => panic!("vector {}: low-order key gave {other:?}", v.number),
        }
    }
    assert_eq!(weak, 526);
}

#[test]
fn cctv_agrees_with_dalek_verify_strict_on_every_vector() {
    for v in cctv() {
        let key: [u8; 32] = hex(&v.key).try_into().expect("32 bytes");
        let sig: [u8; 64] = hex(&v.sig).try_into().expect("64 bytes");
        let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key)
            .is_ok_and(|k| k.verify_strict(v.msg.as_bytes(), &Signature::from_bytes(&sig)).is_ok());
        let ours = verdict(&key, v.msg.as_bytes(), &sig) == Verdict::Accepted;
        assert_eq!(ours, dalek, "vector {}", v.number);
    }
}

#[test]
fn speccheck_cases_give_only_case_3_accepted() {
    let path = mcp_testkit::testdata().join("ed25519/speccheck-cases.json");
    let cases: Vec<SpeccheckCase> =
        serde_json::from_slice(&std::fs::read(path).expect("read speccheck")).expect("parse speccheck");
    let row: String = cases
        .iter()
        .map(|c| match verdict(&hex(&c.pub_key), &hex(&c.message), &hex(&c.signature)) {
            Verdict::Accepted => "V",
            Verdict::KeyRefused(_) | Verdict::SignatureRefused => "X",
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(row, "X X X V X X X X X X X X");
}

#[test]
fn wycheproof_every_expected_result_agrees() {
    use wycheproof::TestResult;
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("embedded Wycheproof Ed25519 set");
    let (mut valid, mut invalid, mut total) = (0, 0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            total += 1;
            let accepted = verdict(&group.key.pk, &test.msg, &test.sig) == Verdict::Accepted;
            match test.result {
                TestResult::Valid => {
                    assert!(accepted, "tc {} ({}) must verify", test.tc_id, test.comment);
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(!accepted, "tc {} ({}) must be refused", test.tc_id, test.comment);
                    invalid += 1;
                }
                TestResult::Acceptable => panic!("tc {}: no 'acceptable' results in the Ed25519 set", test.tc_id),
            }
        }
    }
    assert_eq!(total, 151);
    assert_eq!(valid + invalid, total);
    assert!(valid > 0 && invalid > 0, "both kinds present: {valid} valid, {invalid} invalid");
}
