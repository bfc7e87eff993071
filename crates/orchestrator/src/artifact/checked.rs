//! The check `verify --all` runs on each stored version: every check of [`super::verify`],
//! keeping only what the report and the chain need ([`Checked`]), and on a version that passes
//! them, without building anything [`super::verify`] would build and then drop.
//!
//! The envelope is parsed once, its fields borrowed from the bytes ([`Envelope`]). Its
//! canonical form is checked by serializing that parsed form again with serde_json into a
//! reused buffer and comparing the bytes: the fields are declared in RFC 8785's member order
//! (the unit tests prove it against [`canonical::jcs`]), a borrowed string cannot have held an
//! escape, so equal bytes are exactly the JCS form; the free-form `metadata` is checked by
//! [`canonical::is_canonical`] itself. The payload's strictness is checked by
//! [`canonical::check_strict`], which builds no value.
//!
//! Anything this quick check does not pass — a refusal, or a form this program never writes —
//! is handed to [`super::verify`] on the same bytes by [`check`], so every verdict and every
//! message is the common verifier's own; [`check_quick`] returns `None` instead, for a caller
//! whose bytes may be cut short (it then reads the version again the common way).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use super::{Expectation, Verified, VerifyError};
use crate::canonical::{self, ArtifactId, ContentId};
use crate::crypto;
use crate::trust::TrustStore;

/// What `verify --all` keeps of a version that passed every check of [`super::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The artifact id (the payload's content id).
    pub artifact_id: ArtifactId,
    /// The artifact id of the version before, as signed.
    pub previous: Option<ArtifactId>,
    /// The version, as signed.
    pub version: u64,
}

impl Checked {
    /// What `verify --all` keeps of an artifact the common verifier accepted.
    pub fn of(verified: &Verified) -> Self {
        let statement = verified.statement();
        Checked {
            artifact_id: statement.artifact_id.clone(),
            previous: statement.previous.clone(),
            version: statement.version,
        }
    }
}

/// An envelope parsed once, its fields borrowed from the stored bytes.
pub struct Envelope<'a> {
    bytes: &'a [u8],
    stored: StoredView<'a>,
    statement: StatementView<'a>,
}

/// The envelope's members as stored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredView<'a> {
    payload_type: &'a str,
    #[serde(borrow)]
    signature: SignatureView<'a>,
    #[serde(borrow)]
    statement: &'a RawValue,
}

/// The signature block, borrowed. Members in RFC 8785 order (byte order of the keys).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SignatureView<'a> {
    alg: &'a str,
    key_id: &'a str,
    sig: &'a str,
}

/// The signed statement, borrowed. Members in RFC 8785 order (`_` sorts before the letters).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct StatementView<'a> {
    #[serde(rename = "_type")]
    statement_type: &'a str,
    artifact_id: &'a str,
    client_id: &'a str,
    created_at: jiff::Timestamp,
    expires_at: Option<jiff::Timestamp>,
    #[serde(borrow)]
    metadata: &'a RawValue,
    #[serde(borrow)]
    previous: Option<&'a str>,
    profile_id: &'a str,
    version: u64,
}

/// The envelope as this program writes it: its members in RFC 8785 order.
#[derive(Serialize)]
struct EnvelopeForm<'v, 'a> {
    payload_type: &'a str,
    signature: &'v SignatureView<'a>,
    statement: &'v StatementView<'a>,
}

impl<'a> Envelope<'a> {
    /// The envelope, if it parses in the form this program writes (strings without escapes);
    /// `None` otherwise, which [`super::verify`] then judges.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let stored: StoredView<'a> = serde_json::from_slice(bytes).ok()?;
        let statement = serde_json::from_str(stored.statement.get()).ok()?;
        Some(Envelope { bytes, stored, statement })
    }

    /// The 64 hex digits of the artifact id it names (the payload object's file name), read
    /// without trusting it; `None` where [`ContentId::parse`] refuses the id.
    pub fn artifact_hex(&self) -> Option<&'a str> {
        let id = self.statement.artifact_id;
        let hex = id.strip_prefix("sha256:").unwrap_or(id);
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then_some(hex)
    }
}

/// Buffers [`check`] reuses from one version to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The envelope serialized again, compared with the stored bytes.
    form: Vec<u8>,
    /// The pre-authentication encoding that was signed.
    pae: Vec<u8>,
}

/// Every check of [`super::verify`] on stored bytes, without a signature cache. The envelope
/// may have been parsed already (`parsed`, to find the payload): it is not parsed again. A
/// version the quick check does not pass is verified by [`super::verify`], whose verdict it
/// then is.
pub fn check(
    envelope_bytes: &[u8],
    parsed: Option<&Envelope<'_>>,
    payload_bytes: &[u8],
    trust: &TrustStore,
    expect: &Expectation<'_>,
    scratch: &mut Scratch,
) -> Result<Checked, VerifyError> {
    let reparsed;
    let envelope = match parsed {
        Some(envelope) if envelope.bytes == envelope_bytes => Some(envelope),
        _ => {
            reparsed = Envelope::parse(envelope_bytes);
            reparsed.as_ref()
        }
    };
    match envelope.and_then(|envelope| check_quick(envelope, payload_bytes, trust, expect, scratch)) {
        Some(checked) => Ok(checked),
        None => super::verify(envelope_bytes, payload_bytes, trust, expect).map(|verified| Checked::of(&verified)),
    }
}

/// The quick check: `Some` only if [`super::verify`] accepts the same bytes (with the same
/// statement); `None` for anything it might refuse, or that this check does not decide.
///
/// `verify --all` uses it alone on bytes that may not be whole files (each file read with one
/// `read` where it fits, see [`crate::fsutil::QuickReads`]): on `None` it judges the version by
/// the common read, never on these bytes. Bytes cut short cannot pass (the envelope must be its
/// own canonical form and carry a valid signature, the payload must hash to the signed id).
pub fn check_quick(
    envelope: &Envelope<'_>,
    payload_bytes: &[u8],
    trust: &TrustStore,
    expect: &Expectation<'_>,
    scratch: &mut Scratch,
) -> Option<Checked> {
    let (stored, statement) = (&envelope.stored, &envelope.statement);
    if stored.payload_type != crypto::STATEMENT_TYPE || stored.signature.alg != crypto::ALG {
        return None;
    }
    let key = trust.get(stored.signature.key_id)?;
    // Canonical form: the parsed envelope serialized again is the stored bytes, its metadata is
    // canonical on its own, and its one number is an integer JCS prints as serde_json does.
    scratch.form.clear();
    let form = EnvelopeForm { payload_type: stored.payload_type, signature: &stored.signature, statement };
    serde_json::to_writer(&mut scratch.form, &form).ok()?;
    let metadata = statement.metadata.get();
    if scratch.form != envelope.bytes
        || !(metadata == "{}" || (metadata.starts_with('{') && canonical::is_canonical(metadata.as_bytes())))
        || statement.version > MAX_EXACT_INTEGER
    {
        return None;
    }
    if statement.statement_type != crypto::STATEMENT_TYPE {
        return None;
    }
    let artifact_id = ContentId::parse(statement.artifact_id).ok()?;
    let previous = match statement.previous {
        Some(previous) => Some(ContentId::parse(previous).ok()?),
        None => None,
    };
    let mut digest = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(payload_bytes), &mut digest).ok()?;
    if digest != artifact_id.hex().as_bytes()
        || statement.client_id != expect.client_id
        || statement.profile_id != expect.profile_id
        || expect.highest_seen.is_some_and(|highest_seen| statement.version < highest_seen)
        || expect.now.zip(statement.expires_at).is_some_and(|(now, expires_at)| now >= expires_at)
    {
        return None;
    }
    let payload_text = std::str::from_utf8(payload_bytes).ok()?;
    canonical::check_strict(payload_text).ok()?;
    // The signature last: nothing above depends on it, and a version refused above is judged
    // by the common verifier anyway.
    crypto::pae_into(&mut scratch.pae, crypto::STATEMENT_TYPE, stored.statement.get().as_bytes());
    key.verify(&scratch.pae, stored.signature.sig).ok()?;
    Some(Checked { artifact_id, previous, version: statement.version })
}

/// The largest integer JCS prints as serde_json does: 2^53.
const MAX_EXACT_INTEGER: u64 = 1 << 53;

#[cfg(test)]
mod tests {
    //! The quick check's own pieces: its member order is RFC 8785's, and what it hands to the
    //! common verifier. Its verdict on every single-bit flip is compared with
    //! [`super::super::verify`]'s in `tests/core/tamper.rs`.

    use serde_json::{Value, json};

    use super::*;
    use crate::artifact::seal;
    use crate::artifact::tests::{expect, key, payload, statement_for, trust};

    #[test]
    fn the_declared_member_order_is_jcs_order() {
        let payload = payload();
        let mut statement = statement_for(payload.id());
        statement.metadata.insert("note".into(), json!("a note"));
        let envelope = seal(&statement, &key());
        let parsed = Envelope::parse(&envelope).expect("parses");
        let form = EnvelopeForm {
            payload_type: parsed.stored.payload_type,
            signature: &parsed.stored.signature,
            statement: &parsed.statement,
        };
        let written = serde_json::to_vec(&form).expect("serializes");
        let value: Value = serde_json::from_slice(&written).expect("JSON");
        assert_eq!(written, canonical::jcs(&value));
        assert_eq!(written, envelope);
    }

    #[test]
    fn a_sealed_version_passes_the_quick_check_with_its_statement() {
        let payload = payload();
        let statement = statement_for(payload.id());
        let envelope = seal(&statement, &key());
        let parsed = Envelope::parse(&envelope).expect("parses");
        assert_eq!(parsed.artifact_hex(), Some(payload.id().hex()));
        let checked = check_quick(&parsed, payload.bytes(), &trust(), &expect(), &mut Scratch::default());
        let expected = Checked { artifact_id: payload.id().clone(), previous: statement.previous, version: 4 };
        assert_eq!(checked, Some(expected.clone()));
        let mut scratch = Scratch::default();
        assert_eq!(check(&envelope, Some(&parsed), payload.bytes(), &trust(), &expect(), &mut scratch), Ok(expected));
    }

    #[test]
    fn forms_this_program_never_writes_go_to_the_common_verifier() {
        let payload = payload();
        let statement = statement_for(payload.id());
        let envelope = seal(&statement, &key());
        let text = String::from_utf8(envelope.clone()).expect("UTF-8");
        // An escaped character in a string: canonical JCS would not escape it, and a borrowed
        // field cannot hold it, so the common verifier refuses it as not canonical.
        let escaped = text.replacen("\"cursor\"", "\"\\u0063ursor\"", 1);
        assert!(Envelope::parse(escaped.as_bytes()).is_none());
        let refused = check(escaped.as_bytes(), None, payload.bytes(), &trust(), &expect(), &mut Scratch::default());
        assert_eq!(
            refused,
            Err(VerifyError::Malformed { detail: "the envelope is not canonical JSON (RFC 8785)".into() })
        );
        // Signed metadata holding a fraction: canonical (`canonical::is_canonical` judges the
        // metadata on its own), so accepted, whichever check decides it.
        let mut with_fraction = statement.clone();
        with_fraction.metadata.insert("weight".into(), json!(0.5));
        let envelope = seal(&with_fraction, &key());
        let parsed = Envelope::parse(&envelope).expect("parses");
        let checked = check(&envelope, Some(&parsed), payload.bytes(), &trust(), &expect(), &mut Scratch::default());
        assert_eq!(checked.map(|c| c.version), Ok(4));
        // An artifact id that is not 64 lowercase hex digits names no payload file.
        let hex = payload.id().hex();
        for other in ["abc".to_owned(), hex.to_uppercase(), format!("{}g", &hex[1..])] {
            let named = text.replacen(hex, &other, 1);
            assert_eq!(Envelope::parse(named.as_bytes()).and_then(|e| e.artifact_hex()), None, "{other}");
        }
        let bare = text.replacen(payload.id().as_str(), hex, 1);
        assert_eq!(Envelope::parse(bare.as_bytes()).and_then(|e| e.artifact_hex()), Some(hex));
    }

    #[test]
    fn bytes_cut_short_never_pass_the_quick_check() {
        let payload = payload();
        let envelope = seal(&statement_for(payload.id()), &key());
        let mut scratch = Scratch::default();
        let parsed = Envelope::parse(&envelope).expect("parses");
        assert!(check_quick(&parsed, payload.bytes(), &trust(), &expect(), &mut scratch).is_some());
        for keep in 0..payload.bytes().len() {
            let cut = &payload.bytes()[..keep];
            assert_eq!(check_quick(&parsed, cut, &trust(), &expect(), &mut scratch), None, "payload cut at {keep}");
        }
        for keep in 0..envelope.len() {
            let cut = Envelope::parse(&envelope[..keep]);
            let passed = cut.and_then(|cut| check_quick(&cut, payload.bytes(), &trust(), &expect(), &mut scratch));
            assert_eq!(passed, None, "envelope cut at {keep}");
        }
    }

    #[test]
    fn what_the_quick_check_does_not_pass_is_left_to_the_caller() {
        // Refusals (a payload that does not hash to the id, another profile expected): `check`
        // gives the common verifier's verdict, `check_quick` gives none.
        let payload = payload();
        let envelope = seal(&statement_for(payload.id()), &key());
        let parsed = Envelope::parse(&envelope).expect("parses");
        let mut scratch = Scratch::default();
        assert_eq!(check_quick(&parsed, b"{}", &trust(), &expect(), &mut scratch), None);
        assert!(check(&envelope, Some(&parsed), b"{}", &trust(), &expect(), &mut scratch).is_err());
        let mut other = expect();
        other.profile_id = "other";
        assert_eq!(check_quick(&parsed, payload.bytes(), &trust(), &other, &mut scratch), None);
        assert!(check(&envelope, Some(&parsed), payload.bytes(), &trust(), &other, &mut scratch).is_err());
    }

    #[test]
    fn a_parsed_envelope_of_other_bytes_is_not_used() {
        let payload = payload();
        let envelope = seal(&statement_for(payload.id()), &key());
        let mut other_statement = statement_for(payload.id());
        other_statement.version = 5;
        let other = seal(&other_statement, &key());
        let parsed = Envelope::parse(&other).expect("parses");
        let mut expect = expect();
        expect.highest_seen = None;
        let checked = check(&envelope, Some(&parsed), payload.bytes(), &trust(), &expect, &mut Scratch::default());
        assert_eq!(checked.map(|c| c.version), Ok(4));
    }
}
