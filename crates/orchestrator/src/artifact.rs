//! Signed artifacts: the statement that is signed, the envelope stored on disk, and the one
//! verifier that turns stored bytes into a [`Verified`] artifact.
//!
//! The envelope file is the JCS form of `{"payload_type", "signature", "statement"}`; the
//! statement inside it is kept as the exact bytes that were signed (read back as a raw value,
//! never re-serialized), and the payload lives in the object store under its artifact id.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::canonical::{self, ArtifactId, ContentId};
use crate::crypto::{self, CryptoError, KeyPair, PublicKey};
use crate::trust::TrustStore;

mod checked;

pub use checked::{Checked, Envelope, Scratch, check, check_quick};

/// Everything about an artifact that is signed: all of the envelope but the payload (bound
/// through `artifact_id`) and the signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The payload type, always [`crypto::STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// `sha256:` of the payload's canonical bytes.
    pub artifact_id: ArtifactId,
    /// The client this artifact is for.
    pub client_id: String,
    /// The profile this artifact is a version of.
    pub profile_id: String,
    /// 1, 2, 3 … per (client, profile).
    pub version: u64,
    /// The artifact id of the version before, or null for version 1.
    pub previous: Option<ArtifactId>,
    /// When it was signed (RFC 3339 UTC).
    pub created_at: jiff::Timestamp,
    /// After this instant it is refused (freeze).
    pub expires_at: Option<jiff::Timestamp>,
    /// Free-form data such as a publisher's note.
    pub metadata: Map<String, Value>,
}

/// The signature block of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureBlock {
    /// Always `ed25519`.
    pub alg: String,
    /// `sha256:` of the signing public key.
    pub key_id: String,
    /// Base64 of the 64-byte signature.
    pub sig: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredEnvelope<'a> {
    payload_type: String,
    signature: SignatureBlock,
    #[serde(borrow)]
    statement: &'a RawValue,
}

/// Why stored bytes were not accepted as an artifact. Each failure is its own variant so that
/// callers (and tests) can tell them apart; [`VerifyError::kind`] groups them.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The envelope is not the expected JSON structure, or not canonical.
    #[error("malformed artifact envelope: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// The payload bytes do not hash to the artifact id.
    #[error("payload bytes hash to {actual}, not to the artifact id {expected}")]
    IdMismatch {
        /// The id the statement names.
        expected: ArtifactId,
        /// The id of the stored bytes.
        actual: ArtifactId,
    },
    /// An algorithm other than Ed25519.
    #[error("unsupported signature algorithm '{alg}'")]
    UnsupportedAlgorithm {
        /// What the envelope names.
        alg: String,
    },
    /// Signed by a key not in the trust store.
    #[error("signed by key {key_id}, which is not trusted: trust it with `keys trust FILE` if you know its owner")]
    UntrustedKey {
        /// The key named by the envelope.
        key_id: String,
    },
    /// The signature does not verify.
    #[error("the signature does not verify under key {key_id}: the artifact was altered or signed by someone else")]
    BadSignature {
        /// The key it was checked against.
        key_id: String,
    },
    /// The artifact belongs to another client or profile than the one asked for.
    #[error(
        "artifact is for {found_client}/{found_profile}, not {expected_client}/{expected_profile}: refused as a substitution"
    )]
    WrongSubject {
        /// Asked for.
        expected_client: String,
        /// Asked for.
        expected_profile: String,
        /// Found in the signed statement.
        found_client: String,
        /// Found in the signed statement.
        found_profile: String,
    },
    /// An older version than this home has already seen for the profile.
    #[error(
        "version {version} is older than version {highest_seen} already seen for this profile: refused as a rollback"
    )]
    Rollback {
        /// The artifact's version.
        version: u64,
        /// The highest version seen.
        highest_seen: u64,
    },
    /// Past its `expires_at`.
    #[error("artifact expired at {expires_at}: publish a new version")]
    Expired {
        /// When it expired.
        expires_at: jiff::Timestamp,
    },
}

/// The groups of verification failure, each with its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Hash mismatch, malformed or non-canonical bytes, substitution (exit 4).
    Integrity,
    /// Bad signature, unknown, untrusted or weak key (exit 8).
    Signature,
    /// Rollback or expiry (exit 9).
    Freshness,
}

impl VerifyError {
    /// Which group this failure belongs to.
    pub fn kind(&self) -> FailureKind {
        match self {
            VerifyError::Malformed { .. } | VerifyError::IdMismatch { .. } | VerifyError::WrongSubject { .. } => {
                FailureKind::Integrity
            }
            VerifyError::UnsupportedAlgorithm { .. }
            | VerifyError::UntrustedKey { .. }
            | VerifyError::BadSignature { .. } => FailureKind::Signature,
            VerifyError::Rollback { .. } | VerifyError::Expired { .. } => FailureKind::Freshness,
        }
    }
}

/// What a reader expects of the artifact it loads.
#[derive(Debug, Clone)]
pub struct Expectation<'a> {
    /// The client asked for.
    pub client_id: &'a str,
    /// The profile asked for.
    pub profile_id: &'a str,
    /// The highest version this home has seen for the profile; `None` skips the rollback check
    /// (when reading history, where older versions are expected).
    pub highest_seen: Option<u64>,
    /// The current time, for the expiry check; `None` skips it (history listings).
    pub now: Option<jiff::Timestamp>,
}

/// An artifact whose bytes hashed to its id, whose signature verified under a trusted key,
/// and which passed the subject, rollback and expiry checks. Only [`verify`] builds one.
#[derive(Debug, Clone)]
pub struct Verified {
    statement: Statement,
    signature: SignatureBlock,
    payload: Value,
    payload_bytes: Vec<u8>,
}

impl Verified {
    /// The signed statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }
    /// The signature block.
    pub fn signature(&self) -> &SignatureBlock {
        &self.signature
    }
    /// The servers document.
    pub fn payload(&self) -> &Value {
        &self.payload
    }
    /// The canonical payload bytes, as stored and hashed.
    pub fn payload_bytes(&self) -> &[u8] {
        &self.payload_bytes
    }
    /// The artifact id.
    pub fn id(&self) -> &ArtifactId {
        &self.statement.artifact_id
    }

    /// The artifact as a JSON object: the fields of the original design (`artifact_id`,
    /// `client_id`, `profile_id`, `created_at`, `payload`, `signature`, `signing_key_id`,
    /// `metadata`) plus `version`, `previous` and `expires_at`.
    pub fn to_json(&self) -> Value {
        self.json_with(self.payload.clone())
    }

    /// [`Verified::to_json`] without copying the payload.
    pub fn into_json(mut self) -> Value {
        let payload = std::mem::take(&mut self.payload);
        self.json_with(payload)
    }

    fn json_with(&self, payload: Value) -> Value {
        let s = &self.statement;
        serde_json::json!({
            "artifact_id": s.artifact_id,
            "client_id": s.client_id,
            "profile_id": s.profile_id,
            "version": s.version,
            "previous": s.previous,
            "created_at": s.created_at,
            "expires_at": s.expires_at,
            "payload": payload,
            "metadata": s.metadata,
            "signature": self.signature,
            "signing_key_id": self.signature.key_id,
        })
    }
}

/// Signs a statement and returns the envelope bytes to store (JCS of the whole envelope).
pub fn seal(statement: &Statement, key: &KeyPair) -> Vec<u8> {
    // A `Statement` is plain strings, integers and JSON values: it always serializes.
    let statement_value = serde_json::to_value(statement).unwrap_or_default();
    let statement_bytes = canonical::jcs(&statement_value);
    let sig = key.sign(&crypto::pae(crypto::STATEMENT_TYPE, &statement_bytes));
    let envelope = serde_json::json!({
        "payload_type": crypto::STATEMENT_TYPE,
        "signature": SignatureBlock { alg: crypto::ALG.into(), key_id: key.public().id().to_string(), sig },
        "statement": statement_value,
    });
    canonical::jcs(&envelope)
}

fn malformed(detail: impl Into<String>) -> VerifyError {
    VerifyError::Malformed { detail: detail.into() }
}

/// Verifies stored envelope and payload bytes. This is the only constructor of [`Verified`].
///
/// Order: envelope shape, algorithm, trusted key, canonical form and signature over the exact
/// stored statement bytes, statement shape, payload hash, subject, rollback, expiry.
pub fn verify(
    envelope_bytes: &[u8],
    payload_bytes: &[u8],
    trust: &TrustStore,
    expect: &Expectation<'_>,
) -> Result<Verified, VerifyError> {
    verify_cached(envelope_bytes, payload_bytes, trust, expect, &NoCache)
}

/// Remembers which envelopes already passed every check, so that a read need not redo the
/// canonical-form and signature checks (nor the strict parse of the payload they bind). A key
/// names the exact envelope bytes, the public key and the trust store (see
/// [`signature_cache_key`]): a hit is only possible for the same bytes under the same trusted
/// key and an unchanged trust store. The payload hash, subject, rollback and expiry checks run
/// on every read.
pub trait SignatureCache {
    /// True when this key was inserted after a successful `verify_strict`.
    fn contains(&self, key: &[u8; 32]) -> bool;
    /// Records a successful verification.
    fn insert(&self, key: &[u8; 32]);
    /// False for a cache that remembers nothing: no key is computed for it.
    fn remembers(&self) -> bool {
        true
    }
}

/// A cache that remembers nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

impl SignatureCache for NoCache {
    fn contains(&self, _key: &[u8; 32]) -> bool {
        false
    }
    fn insert(&self, _key: &[u8; 32]) {}
    fn remembers(&self) -> bool {
        false
    }
}

/// The cache key of one envelope check: SHA-256 over a domain tag, the trust store's digest,
/// the public key and the exact envelope bytes (which hold the statement and the signature).
pub fn signature_cache_key(trust: &TrustStore, key: &PublicKey, envelope_bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"mcp-orchestration envelope cache v1\0");
    h.update(trust.digest());
    h.update(key.to_bytes());
    h.update(envelope_bytes);
    h.finalize().into()
}

/// [`verify`] with a signature cache.
pub fn verify_cached(
    envelope_bytes: &[u8],
    payload_bytes: &[u8],
    trust: &TrustStore,
    expect: &Expectation<'_>,
    cache: &dyn SignatureCache,
) -> Result<Verified, VerifyError> {
    let text = std::str::from_utf8(envelope_bytes).map_err(|_| malformed("not UTF-8"))?;
    let envelope: StoredEnvelope<'_> =
        serde_json::from_str(text).map_err(|e| malformed(format!("unexpected structure: {e}")))?;
    if envelope.payload_type != crypto::STATEMENT_TYPE {
        return Err(malformed(format!("unexpected payload type '{}'", envelope.payload_type)));
    }
    let signature = envelope.signature;
    if signature.alg != crypto::ALG {
        return Err(VerifyError::UnsupportedAlgorithm { alg: signature.alg });
    }
    let key: &PublicKey =
        trust.get(&signature.key_id).ok_or_else(|| VerifyError::UntrustedKey { key_id: signature.key_id.clone() })?;
    let statement_bytes = envelope.statement.get().as_bytes();
    // The exact envelope bytes under this key and trust store passed the checks below before.
    // (`verify --all` remembers nothing: no key to compute.)
    let cache_key = cache.remembers().then(|| signature_cache_key(trust, key, envelope_bytes));
    let cached = cache_key.as_ref().is_some_and(|k| cache.contains(k));
    if !cached {
        if !canonical::is_canonical(envelope_bytes) {
            return Err(malformed("the envelope is not canonical JSON (RFC 8785)"));
        }
        key.verify(&crypto::pae(crypto::STATEMENT_TYPE, statement_bytes), &signature.sig).map_err(|e| match e {
            CryptoError::MalformedSignature => malformed("signature is not base64 of 64 bytes"),
            _ => VerifyError::BadSignature { key_id: signature.key_id.clone() },
        })?;
    }
    let statement: Statement = serde_json::from_str(envelope.statement.get())
        .map_err(|e| malformed(format!("signed statement has an unexpected structure: {e}")))?;
    if statement.statement_type != crypto::STATEMENT_TYPE {
        return Err(malformed(format!("unexpected statement type '{}'", statement.statement_type)));
    }
    let actual = ContentId::of(payload_bytes);
    if actual != statement.artifact_id {
        return Err(VerifyError::IdMismatch { expected: statement.artifact_id, actual });
    }
    if statement.client_id != expect.client_id || statement.profile_id != expect.profile_id {
        return Err(VerifyError::WrongSubject {
            expected_client: expect.client_id.to_owned(),
            expected_profile: expect.profile_id.to_owned(),
            found_client: statement.client_id,
            found_profile: statement.profile_id,
        });
    }
    if let Some(highest_seen) = expect.highest_seen
        && statement.version < highest_seen
    {
        return Err(VerifyError::Rollback { version: statement.version, highest_seen });
    }
    if let (Some(now), Some(expires_at)) = (expect.now, statement.expires_at)
        && now >= expires_at
    {
        return Err(VerifyError::Expired { expires_at });
    }
    // The bytes hashed to the signed id. This program only signs ids of strict payloads, but a
    // trusted key held by another tool could sign the id of any bytes: refuse those too.
    let payload_text = std::str::from_utf8(payload_bytes).map_err(|_| malformed("payload is not UTF-8"))?;
    // A cached envelope passed every check before, with payload bytes of this very id, which
    // then parsed strictly: the same bytes need only the plain parse now.
    let payload = if cached {
        serde_json::from_str(payload_text).map_err(|e| malformed(format!("payload: {e}")))?
    } else {
        canonical::parse_strict(payload_text).map_err(|e| malformed(format!("payload: {e}")))?
    };
    if let (Some(k), false) = (&cache_key, cached) {
        cache.insert(k);
    }
    Ok(Verified { statement, signature, payload, payload_bytes: payload_bytes.to_vec() })
}

#[cfg(test)]
pub(crate) mod tests {
    //! Unit tests of sealing and of each branch of `verify`; the per-variant behaviour through
    //! the public API is in `tests/core/artifact_verify.rs` and the bit-flip sweep in
    //! `tests/core/tamper.rs`. Its clock, key and trust store serve `policy/signed.rs` too.

    use serde_json::json;

    use super::*;

    pub(crate) const NOW: &str = "2026-11-25T12:00:00Z";

    pub(crate) fn key() -> KeyPair {
        KeyPair::from_seed(&[1; 32])
    }

    pub(crate) fn trust() -> TrustStore {
        let mut store = TrustStore::new();
        store.insert(key().public().clone());
        store
    }

    pub(crate) fn payload() -> canonical::Canonical {
        canonical::canonicalize_value(json!({"mcpServers": {"a": {"command": "x"}}}))
    }

    pub(crate) fn statement_for(payload_id: &ArtifactId) -> Statement {
        Statement {
            statement_type: crypto::STATEMENT_TYPE.into(),
            artifact_id: payload_id.clone(),
            client_id: "cursor".into(),
            profile_id: "default".into(),
            version: 4,
            previous: Some(ContentId::of(b"v3")),
            created_at: NOW.parse().expect("instant"),
            expires_at: Some("2026-11-26T12:00:00Z".parse().expect("instant")),
            metadata: Map::new(),
        }
    }

    pub(crate) fn expect() -> Expectation<'static> {
        Expectation {
            client_id: "cursor",
            profile_id: "default",
            highest_seen: Some(4),
            now: Some(NOW.parse().expect("instant")),
        }
    }

    fn sign_value(statement: &Value) -> Vec<u8> {
        let sig = key().sign(&crypto::pae(crypto::STATEMENT_TYPE, &canonical::jcs(statement)));
        canonical::jcs(&json!({
            "payload_type": crypto::STATEMENT_TYPE,
            "signature": {"alg": "ed25519", "key_id": key().public().id().to_string(), "sig": sig},
            "statement": statement,
        }))
    }

    fn edit(envelope: &[u8], change: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut value: Value = serde_json::from_slice(envelope).expect("JSON");
        change(&mut value);
        canonical::jcs(&value)
    }

    /// The detail of a `Malformed` refusal (anything else fails the caller's comparison).
    fn malformed_detail(result: Result<Verified, VerifyError>) -> String {
        let message = result.expect_err("refused").to_string();
        message.strip_prefix("malformed artifact envelope: ").unwrap_or(&message).to_owned()
    }

    #[test]
    fn a_sealed_statement_verifies_into_exactly_what_was_sealed() {
        let payload = payload();
        let statement = statement_for(payload.id());
        let envelope = seal(&statement, &key());
        let verified = verify(&envelope, payload.bytes(), &trust(), &expect()).expect("verifies");
        assert_eq!(verified.statement(), &statement);
        assert_eq!(verified.payload(), payload.value());
        assert_eq!(verified.payload_bytes(), payload.bytes());
        assert_eq!(verified.id(), payload.id());
        assert_eq!(
            verified.signature(),
            &SignatureBlock {
                alg: "ed25519".into(),
                key_id: key().public().id().to_string(),
                sig: key().sign(&crypto::pae(
                    crypto::STATEMENT_TYPE,
                    &canonical::jcs(&serde_json::to_value(&statement).expect("value"))
                )),
            }
        );
        let json = verified.to_json();
        assert_eq!(json["version"], json!(4));
        assert_eq!(json["previous"], json!(ContentId::of(b"v3").to_string()));
        assert_eq!(json["expires_at"], json!("2026-11-26T12:00:00Z"));
        assert_eq!(json["signing_key_id"], json!(key().public().id().to_string()));
        assert_eq!(json["payload"], *payload.value());
    }

    #[test]
    fn every_failure_has_its_kind() {
        let id = ContentId::of(b"");
        let cases = [
            (VerifyError::Malformed { detail: String::new() }, FailureKind::Integrity),
            (VerifyError::IdMismatch { expected: id.clone(), actual: id }, FailureKind::Integrity),
            (
                VerifyError::WrongSubject {
                    expected_client: "a".into(),
                    expected_profile: "b".into(),
                    found_client: "c".into(),
                    found_profile: "d".into(),
                },
                FailureKind::Integrity,
            ),
            (VerifyError::UnsupportedAlgorithm { alg: "rsa".into() }, FailureKind::Signature),
            (VerifyError::UntrustedKey { key_id: "k".into() }, FailureKind::Signature),
            (VerifyError::BadSignature { key_id: "k".into() }, FailureKind::Signature),
            (VerifyError::Rollback { version: 1, highest_seen: 2 }, FailureKind::Freshness),
            (VerifyError::Expired { expires_at: NOW.parse().expect("instant") }, FailureKind::Freshness),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
        }
    }

    #[test]
    fn envelope_level_failures() {
        let payload = payload();
        let envelope = seal(&statement_for(payload.id()), &key());
        let check = |bytes: &[u8]| verify(bytes, payload.bytes(), &trust(), &expect());
        assert_eq!(malformed_detail(check(b"\xc3\x28")), "not UTF-8");
        let mut spaced = envelope.clone();
        spaced.insert(1, b' ');
        assert_eq!(malformed_detail(check(&spaced)), "the envelope is not canonical JSON (RFC 8785)");
        assert!(malformed_detail(check(b"{}")).starts_with("unexpected structure: missing field"));
        let other_type = edit(&envelope, |v| v["payload_type"] = json!("text/plain"));
        assert_eq!(malformed_detail(check(&other_type)), "unexpected payload type 'text/plain'");
        let alg = edit(&envelope, |v| v["signature"]["alg"] = json!("none"));
        assert_eq!(check(&alg).err(), Some(VerifyError::UnsupportedAlgorithm { alg: "none".into() }));
        let untrusted = edit(&envelope, |v| v["signature"]["key_id"] = json!("sha256:00"));
        assert_eq!(check(&untrusted).err(), Some(VerifyError::UntrustedKey { key_id: "sha256:00".into() }));
        let short_sig = edit(&envelope, |v| v["signature"]["sig"] = json!("AAAA"));
        assert_eq!(malformed_detail(check(&short_sig)), "signature is not base64 of 64 bytes");
        let edited = edit(&envelope, |v| v["statement"]["version"] = json!(5));
        assert_eq!(check(&edited).err(), Some(VerifyError::BadSignature { key_id: key().public().id().to_string() }));
    }

    #[test]
    fn statement_level_failures() {
        let payload = payload();
        let good = serde_json::to_value(statement_for(payload.id())).expect("value");
        let check = |statement: &Value, bytes: &[u8]| verify(&sign_value(statement), bytes, &trust(), &expect());

        let mut extra = good.clone();
        extra["x"] = json!(1);
        assert!(
            malformed_detail(check(&extra, payload.bytes()))
                .starts_with("signed statement has an unexpected structure")
        );
        let mut other_type = good.clone();
        other_type["_type"] = json!("t");
        assert_eq!(malformed_detail(check(&other_type, payload.bytes())), "unexpected statement type 't'");

        assert_eq!(
            check(&good, b"{}").err(),
            Some(VerifyError::IdMismatch { expected: payload.id().clone(), actual: ContentId::of(b"{}") })
        );
        let mut other_profile = good.clone();
        other_profile["profile_id"] = json!("prod");
        assert_eq!(
            check(&other_profile, payload.bytes()).err(),
            Some(VerifyError::WrongSubject {
                expected_client: "cursor".into(),
                expected_profile: "default".into(),
                found_client: "cursor".into(),
                found_profile: "prod".into(),
            })
        );
        let mut old = good.clone();
        old["version"] = json!(3);
        assert_eq!(check(&old, payload.bytes()).err(), Some(VerifyError::Rollback { version: 3, highest_seen: 4 }));
        let mut expired = good.clone();
        expired["expires_at"] = json!(NOW);
        assert_eq!(
            check(&expired, payload.bytes()).err(),
            Some(VerifyError::Expired { expires_at: NOW.parse().expect("instant") })
        );

        for (bytes, detail) in [(&b"\xff"[..], "payload is not UTF-8"), (&b"[1,1,"[..], "payload: refused JSON at ")] {
            let mut odd = good.clone();
            odd["artifact_id"] = json!(ContentId::of(bytes).to_string());
            assert!(malformed_detail(check(&odd, bytes)).starts_with(detail));
        }
    }

    #[test]
    fn no_cache_remembers_nothing_and_so_computes_no_key() {
        let key = [7u8; 32];
        NoCache.insert(&key);
        assert!(!NoCache.contains(&key), "an inserted key is not remembered");
        assert!(!NoCache.remembers());
        assert!(Remembers.remembers(), "a cache that keeps keys says so by default");
    }

    /// A cache that claims every envelope verified before.
    struct Remembers;

    impl SignatureCache for Remembers {
        fn contains(&self, _key: &[u8; 32]) -> bool {
            true
        }
        fn insert(&self, _key: &[u8; 32]) {}
    }

    #[test]
    fn a_cache_hit_still_checks_the_payload_hash_and_parses_it() {
        let not_json = b"not json at all";
        let envelope = seal(&statement_for(&ContentId::of(not_json)), &key());
        let refused = verify_cached(&envelope, not_json, &trust(), &expect(), &Remembers);
        assert!(malformed_detail(refused).starts_with("payload: expected ident"));
        let good = payload();
        let envelope = seal(&statement_for(good.id()), &key());
        let hit = verify_cached(&envelope, good.bytes(), &trust(), &expect(), &Remembers).expect("verified");
        assert_eq!(hit.payload(), good.value());
        let tampered = verify_cached(&envelope, b"{}", &trust(), &expect(), &Remembers).expect_err("hash");
        assert!(matches!(tampered, VerifyError::IdMismatch { .. }));
        Remembers.insert(&[0; 32]);
        assert!(Remembers.contains(&[0; 32]));
    }
}
