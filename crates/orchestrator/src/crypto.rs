//! Ed25519 keys, key ids and the signing of statements.
//!
//! What is signed is never a bare payload: it is the DSSE pre-authentication encoding of a
//! statement's canonical bytes under a fixed payload type, so the bytes cannot be confused
//! with any other signed message. Verification uses `verify_strict` semantics, and weak
//! (small-order) public keys are refused wherever a key enters the program.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The payload type every artifact statement is signed under.
pub const STATEMENT_TYPE: &str = "application/vnd.mcp-orchestration.artifact.v1+json";

/// The only signature algorithm.
pub const ALG: &str = "ed25519";

/// Why a key or signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// A private key file is not a PKCS#8 Ed25519 key.
    #[error("not a PKCS#8 PEM Ed25519 private key")]
    BadPrivateKey,
    /// A public key file is not an SPKI Ed25519 key.
    #[error("not an SPKI PEM Ed25519 public key")]
    BadPublicKey,
    /// A small-order public key, under which forgeries are possible.
    #[error("weak (small-order) Ed25519 public key {key_id} refused")]
    WeakKey {
        /// The refused key's id.
        key_id: String,
    },
    /// The signature is not valid base64 of 64 bytes.
    #[error("signature is not base64 of 64 bytes")]
    MalformedSignature,
    /// The signature does not verify under the key.
    #[error("signature does not verify under key {key_id}")]
    BadSignature {
        /// The key it was checked against.
        key_id: String,
    },
}

/// `sha256:<hex>` of a raw 32-byte Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(String);

impl KeyId {
    fn of(public: &VerifyingKey) -> Self {
        KeyId(format!("sha256:{}", hex::encode(Sha256::digest(public.as_bytes()))))
    }
    /// The `sha256:<hex>` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The hex digits alone, used as a file name.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trusted-or-not Ed25519 public key that is known not to be weak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// Accepts raw key bytes, refusing non-canonical encodings and small-order keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::BadPublicKey)?;
        Self::checked(key)
    }

    /// Reads an SPKI PEM public key.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|_| CryptoError::BadPublicKey)?;
        Self::checked(key)
    }

    fn checked(key: VerifyingKey) -> Result<Self, CryptoError> {
        let id = KeyId::of(&key);
        if key.is_weak() {
            return Err(CryptoError::WeakKey { key_id: id.0 });
        }
        Ok(PublicKey { key, id })
    }

    /// The SPKI PEM text.
    pub fn to_pem(&self) -> String {
        // Encoding a valid 32-byte key into SPKI DER/PEM has no failure case.
        self.key.to_public_key_pem(Default::default()).unwrap_or_default()
    }

    /// `sha256:` of the raw key.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The raw 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks a base64 signature over `message` with `verify_strict`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), CryptoError> {
        // Decoded on the stack. Anything but base64 of exactly 64 bytes is refused: a text of
        // more than 96 bytes does not fit the buffer, a shorter one leaves it short.
        let mut raw = [0u8; 96];
        let len = BASE64.decode_slice(signature_b64, &mut raw).map_err(|_| CryptoError::MalformedSignature)?;
        let raw: &[u8; 64] = raw[..len].try_into().map_err(|_| CryptoError::MalformedSignature)?;
        self.verify_raw(message, &Signature::from_bytes(raw))
    }

    /// Checks a signature over `message` with `verify_strict`.
    pub fn verify_raw(&self, message: &[u8], signature: &Signature) -> Result<(), CryptoError> {
        self.key.verify_strict(message, signature).map_err(|_| CryptoError::BadSignature { key_id: self.id.0.clone() })
    }
}

/// The private signing key. Its `Debug` is redacted and its bytes are zeroized on drop.
pub struct KeyPair {
    signing: SigningKey,
    public: PublicKey,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({}, private key redacted)", self.public.id)
    }
}

impl KeyPair {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::fill(&mut seed[..]);
        Self::from_seed(&seed)
    }

    /// The key whose 32-byte secret seed is `seed` (fixed keys for tests).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let verifying = signing.verifying_key();
        let id = KeyId::of(&verifying);
        KeyPair { signing, public: PublicKey { key: verifying, id } }
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let signing = SigningKey::from_pkcs8_pem(pem).map_err(|_| CryptoError::BadPrivateKey)?;
        let public = PublicKey::checked(signing.verifying_key())?;
        Ok(KeyPair { signing, public })
    }

    /// The PKCS#8 PEM text, zeroized when dropped.
    pub fn to_pem(&self) -> Zeroizing<String> {
        // Encoding a valid key into PKCS#8 PEM has no failure case.
        self.signing.to_pkcs8_pem(Default::default()).unwrap_or_default()
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Base64 of the Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        BASE64.encode(self.signing.sign(message).to_bytes())
    }
}

/// DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + payload_type.len() + 48);
    pae_into(&mut out, payload_type, body);
    out
}

/// [`pae`] written into `out` (replacing what it held, keeping its room).
pub fn pae_into(out: &mut Vec<u8>, payload_type: &str, body: &[u8]) {
    use std::io::Write as _;
    out.clear();
    // Writing into a vector cannot fail.
    let _ = write!(out, "DSSEv1 {} {} {} ", payload_type.len(), payload_type, body.len());
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    //! Unit tests of keys, key ids, signing and the PAE. The CCTV, speccheck and Wycheproof
    //! vectors run in `tests/core/crypto_vectors.rs`.

    use ed25519_dalek::pkcs8::EncodePublicKey as _;

    use super::*;

    fn key_a() -> KeyPair {
        KeyPair::from_seed(&[1; 32])
    }

    #[test]
    fn key_ids_are_sha256_of_the_raw_public_key() {
        let key = key_a();
        let raw = key.public().to_bytes();
        let expected = format!("sha256:{}", hex::encode(Sha256::digest(raw)));
        assert_eq!(key.public().id().as_str(), expected);
        assert_eq!(key.public().id().to_string(), expected);
        assert_eq!(key.public().id().hex(), &expected["sha256:".len()..]);
        assert_eq!(PublicKey::from_bytes(&raw).expect("valid key"), *key.public());
    }

    #[test]
    fn public_keys_refuse_invalid_points_and_weak_keys() {
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert_eq!(PublicKey::from_bytes(&not_a_point), Err(CryptoError::BadPublicKey));
        for weak in [[0u8; 32], {
            let mut identity = [0u8; 32];
            identity[0] = 1;
            identity
        }] {
            let expected_id = format!("sha256:{}", hex::encode(Sha256::digest(weak)));
            assert_eq!(PublicKey::from_bytes(&weak), Err(CryptoError::WeakKey { key_id: expected_id.clone() }));
            let pem =
                VerifyingKey::from_bytes(&weak).expect("decodes").to_public_key_pem(Default::default()).expect("pem");
            assert_eq!(PublicKey::from_pem(&pem), Err(CryptoError::WeakKey { key_id: expected_id }));
        }
    }

    #[test]
    fn public_keys_round_trip_through_spki_pem() {
        let key = key_a();
        let pem = key.public().to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        assert_eq!(PublicKey::from_pem(&pem).expect("parses"), *key.public());
        assert_eq!(PublicKey::from_pem("not a pem"), Err(CryptoError::BadPublicKey));
        assert_eq!(
            PublicKey::from_pem(&key.to_pem()),
            Err(CryptoError::BadPublicKey),
            "a private key is no public key"
        );
    }

    #[test]
    fn private_keys_round_trip_through_pkcs8_pem_and_refuse_other_text() {
        let key = key_a();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = KeyPair::from_pem(&pem).expect("parses");
        assert_eq!(back.public(), key.public());
        assert_eq!(KeyPair::from_pem("garbage").err(), Some(CryptoError::BadPrivateKey));
        assert_eq!(KeyPair::from_pem(&key.public().to_pem()).err(), Some(CryptoError::BadPrivateKey));
    }

    #[test]
    fn debug_of_a_key_pair_is_redacted() {
        let key = key_a();
        let debug = format!("{key:?}");
        assert_eq!(debug, format!("KeyPair({}, private key redacted)", key.public().id()));
        let pem_body: String = key.to_pem().lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&pem_body));
    }

    #[test]
    fn generated_keys_are_fresh_and_usable() {
        let (one, two) = (KeyPair::generate(), KeyPair::generate());
        assert_ne!(one.public().id(), two.public().id());
        let sig = one.sign(b"message");
        assert_eq!(one.public().verify(b"message", &sig), Ok(()));
        assert_eq!(
            two.public().verify(b"message", &sig),
            Err(CryptoError::BadSignature { key_id: two.public().id().to_string() })
        );
    }

    #[test]
    fn signatures_are_deterministic_base64_and_verified_strictly() {
        let key = key_a();
        let sig = key.sign(b"hello");
        assert_eq!(sig, key.sign(b"hello"));
        assert_eq!(sig.len(), 88);
        assert_eq!(key.public().verify(b"hello", &sig), Ok(()));
        let bad = || CryptoError::BadSignature { key_id: key.public().id().to_string() };
        assert_eq!(key.public().verify(b"hellp", &sig), Err(bad()));
        assert_eq!(key.public().verify(b"hello", "***"), Err(CryptoError::MalformedSignature));
        assert_eq!(key.public().verify(b"hello", &BASE64.encode([0u8; 63])), Err(CryptoError::MalformedSignature));
        // Longer than 64 bytes, up to and beyond the stack buffer it is decoded into.
        for longer in [65, 72, 96, 97, 200] {
            let text = BASE64.encode(vec![0u8; longer]);
            assert_eq!(key.public().verify(b"hello", &text), Err(CryptoError::MalformedSignature), "{longer} bytes");
        }
        let raw: [u8; 64] = BASE64.decode(&sig).expect("base64").try_into().expect("64 bytes");
        assert_eq!(key.public().verify_raw(b"hello", &Signature::from_bytes(&raw)), Ok(()));
        assert_eq!(key.public().verify_raw(b"other", &Signature::from_bytes(&raw)), Err(bad()));
    }

    #[test]
    fn pae_frames_type_and_body_with_their_lengths() {
        assert_eq!(pae("t", b"body"), b"DSSEv1 1 t 4 body");
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
        assert_eq!(
            pae(STATEMENT_TYPE, b"{}"),
            b"DSSEv1 50 application/vnd.mcp-orchestration.artifact.v1+json 2 {}".to_vec()
        );
        let mut reused = b"left over from before".to_vec();
        pae_into(&mut reused, "t", b"body");
        assert_eq!(reused, b"DSSEv1 1 t 4 body");
    }

    #[test]
    fn errors_say_what_was_refused() {
        assert_eq!(CryptoError::BadPrivateKey.to_string(), "not a PKCS#8 PEM Ed25519 private key");
        assert_eq!(CryptoError::BadPublicKey.to_string(), "not an SPKI PEM Ed25519 public key");
        assert_eq!(
            CryptoError::WeakKey { key_id: "sha256:x".into() }.to_string(),
            "weak (small-order) Ed25519 public key sha256:x refused"
        );
        assert_eq!(CryptoError::MalformedSignature.to_string(), "signature is not base64 of 64 bytes");
        assert_eq!(
            CryptoError::BadSignature { key_id: "k".into() }.to_string(),
            "signature does not verify under key k"
        );
    }
}
