//! Signed policies: a statement naming the policy (name, layer, digest of its rules) signed
//! in the DSSE pre-authentication encoding under the policy's own type, and the one verifier
//! that turns a file's bytes into a [`VerifiedPolicy`].
//!
//! The file is the JCS form of `{"payload_type", "signature", "statement", "policy"}`. The
//! type differs from a profile's ([`crypto::STATEMENT_TYPE`]) in the envelope, in the signed
//! statement and in the signed encoding, so a profile's envelope can never be read as a policy
//! nor a policy's as a profile: each verifier refuses the other's type before it looks at the
//! signature, and a signature made for one type never verifies under the other.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::document::{DocumentError, PolicyDocument};
use super::layers::PolicyLayer;
use crate::artifact::SignatureBlock;
use crate::canonical::{self, ContentId};
use crate::crypto::{self, CryptoError, KeyPair};
use crate::trust::TrustStore;

/// The payload type every policy statement is signed under.
pub const POLICY_TYPE: &str = "application/vnd.mcp-orchestration.policy.v1+json";

/// What is signed: the policy's name, layer and version and the digest of its rules.
///
/// `version` orders the policies of one layer and name (the rollback floor, `floor.rs`). It is
/// written by every release that has it (from 1 up); a statement signed before it existed has
/// none and reads as version 0, older than any versioned one. No schema bump was needed: the
/// field is additive, readers of this release accept both shapes, and an older release
/// refuses a versioned statement (its statement refuses unknown fields) instead of misreading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatement {
    /// Always [`POLICY_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The policy's name (`[a-z0-9][a-z0-9._-]{0,63}`).
    pub name: String,
    /// `org`, `team` or `user`.
    pub layer: PolicyLayer,
    /// The policy's version: a newer policy of the same layer and name has a higher one (0:
    /// signed before versions existed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: u64,
    /// `sha256:` of the rules' canonical bytes.
    pub policy_id: ContentId,
    /// When it was signed.
    pub created_at: jiff::Timestamp,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredPolicy<'a> {
    payload_type: String,
    signature: SignatureBlock,
    #[serde(borrow)]
    statement: &'a RawValue,
    #[serde(borrow)]
    policy: &'a RawValue,
}

/// Why bytes were not accepted as a policy: integrity (exit 4) or signature and trust (exit 8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyVerifyError {
    /// A profile's envelope where a policy was expected.
    #[error("this is a signed profile (an artifact envelope), not a policy: sign a policy with `policy sign`")]
    ProfileEnvelope,
    /// Not the policy file structure, not canonical, or rules the schema refuses.
    #[error("not a signed policy: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// The rules do not hash to the signed digest: they were changed after signing.
    #[error("the rules hash to {actual}, not to the signed {expected}: the policy was changed after it was signed")]
    Tampered {
        /// The signed digest.
        expected: ContentId,
        /// The digest of the rules in the file.
        actual: ContentId,
    },
    /// An algorithm other than Ed25519.
    #[error("unsupported signature algorithm '{alg}'")]
    UnsupportedAlgorithm {
        /// What the file names.
        alg: String,
    },
    /// Signed by a key the home does not trust.
    #[error(
        "signed by key {key_id}, which this home does not trust: trust the signer's public key with `keys trust FILE` if you know its owner"
    )]
    UntrustedKey {
        /// The key named by the file.
        key_id: String,
    },
    /// The signature does not verify.
    #[error("the signature does not verify under key {key_id}: the policy was altered or signed by someone else")]
    BadSignature {
        /// The key it was checked against.
        key_id: String,
    },
}

impl PolicyVerifyError {
    /// True for the signature and trust failures (exit 8); the others are integrity (exit 4).
    pub fn is_signature(&self) -> bool {
        matches!(
            self,
            PolicyVerifyError::UnsupportedAlgorithm { .. }
                | PolicyVerifyError::UntrustedKey { .. }
                | PolicyVerifyError::BadSignature { .. }
        )
    }
}

/// A policy whose signature verified under a trusted key and whose rules hash to the signed
/// digest and pass the schema. Only [`verify`] builds one.
#[derive(Debug, Clone)]
pub struct VerifiedPolicy {
    statement: PolicyStatement,
    key_id: String,
    document: PolicyDocument,
    digest: ContentId,
}

impl VerifiedPolicy {
    /// The signed statement.
    pub fn statement(&self) -> &PolicyStatement {
        &self.statement
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.statement.name
    }
    /// The layer.
    pub fn layer(&self) -> PolicyLayer {
        self.statement.layer
    }
    /// Its version (0: signed before versions existed).
    pub fn version(&self) -> u64 {
        self.statement.version
    }
    /// `sha256:` of the signed file's bytes (trailing white space aside): two files of one
    /// version with different digests are an equivocation.
    pub fn digest(&self) -> &ContentId {
        &self.digest
    }
    /// The key that signed it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    /// The rules.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
}

/// What a policy is signed as: its name, layer and version.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The policy's name.
    pub name: &'a str,
    /// Its layer.
    pub layer: PolicyLayer,
    /// Its version (from 1).
    pub version: u64,
}

/// Signs `document` as policy `as_.name` of `as_.layer` at `as_.version`: the bytes of the
/// policy file.
pub fn sign(document: &PolicyDocument, as_: Signing<'_>, key: &KeyPair, now: jiff::Timestamp) -> Vec<u8> {
    let rules = document.to_value();
    let statement = PolicyStatement {
        statement_type: POLICY_TYPE.into(),
        name: as_.name.to_owned(),
        layer: as_.layer,
        version: as_.version,
        policy_id: ContentId::of(&canonical::jcs(&rules)),
        created_at: now,
    };
    // Strings, an enum and a timestamp: serialization has no failure case.
    let statement = serde_json::to_value(&statement).unwrap_or_default();
    let sig = key.sign(&crypto::pae(POLICY_TYPE, &canonical::jcs(&statement)));
    let signature = SignatureBlock { alg: crypto::ALG.into(), key_id: key.public().id().to_string(), sig };
    canonical::jcs(&serde_json::json!({
        "payload_type": POLICY_TYPE,
        "signature": signature,
        "statement": statement,
        "policy": rules,
    }))
}

fn malformed(detail: impl Into<String>) -> PolicyVerifyError {
    PolicyVerifyError::Malformed { detail: detail.into() }
}

/// Verifies a policy file's bytes (trailing white space aside). Order: type (a profile's envelope is named as such),
/// structure, algorithm, trusted key, canonical form, signature over the exact stored
/// statement bytes, statement, rules digest, rules schema.
pub fn verify(bytes: &[u8], trust: &TrustStore) -> Result<VerifiedPolicy, PolicyVerifyError> {
    // `policy sign > FILE` ends the file with a newline; nothing else may differ from JCS.
    let bytes = bytes.trim_ascii_end();
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8"))?;
    let payload_type = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("payload_type").and_then(|t| t.as_str().map(str::to_owned)));
    if payload_type.as_deref() == Some(crypto::STATEMENT_TYPE) {
        return Err(PolicyVerifyError::ProfileEnvelope);
    }
    let stored: StoredPolicy<'_> =
        serde_json::from_str(text).map_err(|e| malformed(format!("unexpected structure: {e}")))?;
    if stored.payload_type != POLICY_TYPE {
        return Err(malformed(format!("unexpected payload type '{}'", stored.payload_type)));
    }
    let signature = stored.signature;
    if signature.alg != crypto::ALG {
        return Err(PolicyVerifyError::UnsupportedAlgorithm { alg: signature.alg });
    }
    let key = trust
        .get(&signature.key_id)
        .ok_or_else(|| PolicyVerifyError::UntrustedKey { key_id: signature.key_id.clone() })?;
    if !canonical::is_canonical(bytes) {
        return Err(malformed("the file is not canonical JSON (RFC 8785): it was edited after signing"));
    }
    let statement_bytes = stored.statement.get().as_bytes();
    key.verify(&crypto::pae(POLICY_TYPE, statement_bytes), &signature.sig).map_err(|e| match e {
        CryptoError::MalformedSignature => malformed("signature is not base64 of 64 bytes"),
        _ => PolicyVerifyError::BadSignature { key_id: signature.key_id.clone() },
    })?;
    let statement: PolicyStatement = serde_json::from_str(stored.statement.get())
        .map_err(|e| malformed(format!("signed statement has an unexpected structure: {e}")))?;
    if statement.statement_type != POLICY_TYPE {
        return Err(malformed(format!("unexpected statement type '{}'", statement.statement_type)));
    }
    crate::ids::ProfileId::parse(&statement.name)
        .map_err(|_| malformed("the signed name is not a valid policy name"))?;
    let actual = ContentId::of(stored.policy.get().as_bytes());
    if actual != statement.policy_id {
        return Err(PolicyVerifyError::Tampered { expected: statement.policy_id, actual });
    }
    let document = PolicyDocument::parse(stored.policy.get())
        .map_err(|e: DocumentError| malformed(format!("the signed rules: {e}")))?;
    Ok(VerifiedPolicy { statement, key_id: signature.key_id, document, digest: ContentId::of(bytes) })
}

#[cfg(test)]
mod tests {
    //! Each branch of `verify`, and the two types never standing in for each other.

    use serde_json::{Value, json};

    use super::*;
    use crate::artifact::tests::{NOW, key, trust};
    use crate::artifact::{self, Expectation, Statement};

    fn document() -> PolicyDocument {
        PolicyDocument::from_value(&json!({"schema_version": 1, "servers": {"deny": ["evil"]}})).expect("doc")
    }

    fn signed() -> Vec<u8> {
        sign(
            &document(),
            Signing { name: "acme", layer: PolicyLayer::Org, version: 3 },
            &key(),
            NOW.parse().expect("now"),
        )
    }

    fn edit(bytes: &[u8], change: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut value: Value = serde_json::from_slice(bytes).expect("json");
        change(&mut value);
        canonical::jcs(&value)
    }

    #[test]
    fn a_signed_policy_verifies_into_what_was_signed() {
        let verified = verify(&signed(), &trust()).expect("verifies");
        assert_eq!(verified.name(), "acme");
        assert_eq!(verified.layer(), PolicyLayer::Org);
        assert_eq!(verified.document(), &document());
        assert_eq!(verified.key_id(), key().public().id().as_str());
        assert_eq!(verified.statement().statement_type, POLICY_TYPE);
        assert_eq!(verified.version(), 3);
        assert_eq!(verified.digest(), &ContentId::of(&signed()));
    }

    #[test]
    fn a_statement_signed_before_versions_existed_reads_as_version_0() {
        let rules = document().to_value();
        let statement = json!({"_type": POLICY_TYPE, "name": "acme", "layer": "org", "created_at": NOW,
            "policy_id": ContentId::of(&canonical::jcs(&rules)).to_string()});
        let sig = key().sign(&crypto::pae(POLICY_TYPE, &canonical::jcs(&statement)));
        let bytes = canonical::jcs(&json!({"payload_type": POLICY_TYPE, "statement": statement, "policy": rules,
            "signature": {"alg": "ed25519", "key_id": key().public().id().to_string(), "sig": sig}}));
        assert_eq!(verify(&bytes, &trust()).expect("legacy verifies").version(), 0);
    }

    #[test]
    fn every_refusal_is_its_own_error() {
        let bytes = signed();
        let check = |b: &[u8]| verify(b, &trust()).expect_err("refused");
        assert_eq!(check(b"\xff"), malformed("not UTF-8"));
        let rules = edit(&bytes, |v| v["policy"]["servers"]["deny"] = json!([]));
        assert!(matches!(check(&rules), PolicyVerifyError::Tampered { .. }), "{}", check(&rules));
        assert!(!check(&rules).is_signature());
        let statement = edit(&bytes, |v| v["statement"]["layer"] = json!("user"));
        assert_eq!(check(&statement), PolicyVerifyError::BadSignature { key_id: key().public().id().to_string() });
        assert!(check(&statement).is_signature());
        let alg = edit(&bytes, |v| v["signature"]["alg"] = json!("rsa"));
        assert_eq!(check(&alg), PolicyVerifyError::UnsupportedAlgorithm { alg: "rsa".into() });
        let untrusted = verify(&bytes, &TrustStore::new()).expect_err("untrusted");
        assert!(matches!(untrusted, PolicyVerifyError::UntrustedKey { .. }) && untrusted.is_signature());
        let mut spaced = bytes.clone();
        spaced.insert(1, b' ');
        assert!(check(&spaced).to_string().contains("not canonical"));
        let short = edit(&bytes, |v| v["signature"]["sig"] = json!("AAAA"));
        assert_eq!(check(&short), malformed("signature is not base64 of 64 bytes"));
        let other = edit(&bytes, |v| v["payload_type"] = json!("text/plain"));
        assert_eq!(check(&other), malformed("unexpected payload type 'text/plain'"));
        assert!(check(b"{}").to_string().starts_with("not a signed policy: unexpected structure"));
    }

    #[test]
    fn statement_and_rules_are_checked_after_the_signature() {
        let sign_statement = |statement: Value, rules: Value| {
            let sig = key().sign(&crypto::pae(POLICY_TYPE, &canonical::jcs(&statement)));
            canonical::jcs(&json!({"payload_type": POLICY_TYPE, "statement": statement, "policy": rules,
                "signature": {"alg": "ed25519", "key_id": key().public().id().to_string(), "sig": sig}}))
        };
        let rules = json!({"schema_version": 1, "bogus": true});
        let id = ContentId::of(&canonical::jcs(&rules)).to_string();
        let good = json!({"_type": POLICY_TYPE, "name": "acme", "layer": "org", "policy_id": id, "created_at": NOW});
        let refused = verify(&sign_statement(good.clone(), rules), &trust()).expect_err("schema");
        assert!(refused.to_string().contains("unknown field `bogus`"), "{refused}");
        let mut typed = good.clone();
        typed["_type"] = json!(crypto::STATEMENT_TYPE);
        let refused = verify(&sign_statement(typed, json!({})), &trust()).expect_err("type");
        assert_eq!(refused, malformed(format!("unexpected statement type '{}'", crypto::STATEMENT_TYPE)));
        let mut named = good.clone();
        named["name"] = json!("../x");
        assert_eq!(
            verify(&sign_statement(named, json!({})), &trust()).expect_err("name"),
            malformed("the signed name is not a valid policy name")
        );
        let mut extra = good;
        extra["x"] = json!(1);
        let refused = verify(&sign_statement(extra, json!({})), &trust()).expect_err("shape");
        assert!(refused.to_string().contains("signed statement has an unexpected structure"), "{refused}");
    }

    #[test]
    fn a_profile_is_never_a_policy_nor_a_policy_a_profile() {
        // A profile's envelope offered as a policy.
        let payload = canonical::canonicalize_value(json!({"mcpServers": {}}));
        let statement = Statement {
            statement_type: crypto::STATEMENT_TYPE.into(),
            artifact_id: payload.id().clone(),
            client_id: "cursor".into(),
            profile_id: "default".into(),
            version: 1,
            previous: None,
            created_at: NOW.parse().expect("now"),
            expires_at: None,
            metadata: Default::default(),
        };
        let envelope = artifact::seal(&statement, &key());
        assert_eq!(verify(&envelope, &trust()).expect_err("profile"), PolicyVerifyError::ProfileEnvelope);
        // Relabelled as a policy, its signature (made under the profile type) does not verify.
        let relabelled = edit(&envelope, |v| {
            v["payload_type"] = json!(POLICY_TYPE);
            v["policy"] = json!({});
        });
        assert!(matches!(verify(&relabelled, &trust()).expect_err("sig"), PolicyVerifyError::BadSignature { .. }));
        // A policy offered as a profile's envelope.
        let expect = Expectation { client_id: "cursor", profile_id: "default", highest_seen: None, now: None };
        let refused = artifact::verify(&signed(), payload.bytes(), &trust(), &expect).expect_err("policy");
        assert!(refused.to_string().contains("unexpected"), "{refused}");
        let relabelled = edit(&signed(), |v| {
            v["payload_type"] = json!(crypto::STATEMENT_TYPE);
            v.as_object_mut().expect("object").remove("policy");
        });
        let refused = artifact::verify(&relabelled, payload.bytes(), &trust(), &expect).expect_err("sig");
        assert!(matches!(refused, artifact::VerifyError::BadSignature { .. }), "{refused}");
    }
}
