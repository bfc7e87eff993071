//! The home's keys: the signing key pair, the trust store on disk, trusting, untrusting and
//! rotating. A private key is read only here and never leaves this module as text.

use std::fs;

use crate::crypto::{KeyPair, PublicKey};
use crate::deploy::failpoint::FailPoints;
use crate::error::{Error, Result};
use crate::fsutil::{self, Access};
use crate::home::Home;
use crate::trust::TrustStore;

/// Mode of private key files.
pub const PRIVATE_MODE: u32 = 0o600;
/// Mode of public key files.
pub const PUBLIC_MODE: u32 = 0o644;

/// True when the home has a private key.
pub fn has_signing_key(home: &Home) -> bool {
    home.signing_key().exists()
}

/// Loads the private key, refusing it (ssh-style) when group or others can read it, or when
/// it belongs to another user (root excepted); checked on the open file before it is read.
pub fn load_signing_key(home: &Home) -> Result<KeyPair> {
    let path = home.signing_key();
    let Some(pem) = fsutil::read_checked(&path, "signing key", Access::Private)? else {
        return Err(Error::NotInitialized { home: home.root().to_path_buf() });
    };
    let pem = zeroize::Zeroizing::new(pem);
    let text = std::str::from_utf8(&pem).unwrap_or_default();
    KeyPair::from_pem(text).map_err(|source| Error::Key { path, source })
}

/// Writes a key pair as the home's signing key (0600) and its public key, and trusts it. The
/// public key is trusted first and the private key written last, so a crash at any instant
/// never leaves a signing key whose signatures are refused.
pub fn install_key_pair(home: &Home, key: &KeyPair) -> Result<()> {
    trust_key(home, key.public())?;
    fsutil::write_atomic(&home.verification_key(), key.public().to_pem().as_bytes(), PUBLIC_MODE)?;
    fsutil::write_atomic(&home.signing_key(), key.to_pem().as_bytes(), PRIVATE_MODE).map_err(Into::into)
}

/// Adds a public key to the trust store (idempotent).
pub fn trust_key(home: &Home, key: &PublicKey) -> Result<()> {
    Ok(fsutil::write_atomic(&home.trusted_key(key.id().hex()), key.to_pem().as_bytes(), PUBLIC_MODE)?)
}

/// Reads a public key from PEM text, refusing weak keys; `origin` names it in errors.
pub fn parse_public_key(pem: &str, origin: &std::path::Path) -> Result<PublicKey> {
    PublicKey::from_pem(pem).map_err(|source| Error::Key { path: origin.to_path_buf(), source })
}

/// Loads every trusted key. The directory and each key file must be this user's (or root's)
/// and not writable by group or others: that is checked before the directory is listed and
/// before each file is read, so a key planted by another user is never loaded. A file whose
/// name is not its key's id is refused as corrupt.
pub fn load_trust(home: &Home) -> Result<TrustStore> {
    let mut store = TrustStore::new();
    let dir = home.trusted_dir();
    fsutil::check_dir(&dir, "trust store directory")?;
    let paths = fsutil::list_dir(&dir)?.into_iter().map(|name| dir.join(name));
    for path in paths.filter(|p| p.extension().is_some_and(|x| x == "pub")) {
        let bytes = fsutil::read_checked(&path, "trusted key", Access::Shared)?
            .ok_or_else(|| fsutil::FsError::new("cannot read", &path, std::io::ErrorKind::NotFound.into()))?;
        let key = parse_public_key(&String::from_utf8_lossy(&bytes), &path)?;
        if path.file_stem().and_then(|s| s.to_str()) != Some(key.id().hex()) {
            return Err(Error::Corrupt {
                path,
                detail: format!("holds key {}, whose file name should be {}.pub", key.id(), key.id().hex()),
            });
        }
        store.insert(key);
    }
    Ok(store)
}

/// Removes a key from the trust store. The active signing key cannot be untrusted: rotate
/// first. Returns false when the key was not trusted.
pub fn untrust_key(home: &Home, key_id: &str) -> Result<bool> {
    let hex = key_id.strip_prefix("sha256:").unwrap_or(key_id);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        // A malformed argument is a usage error (exit 2), like any other bad argument.
        return Err(Error::Usage {
            message: format!(
                "'{}' is not a key id: expected sha256: followed by 64 hex digits (see `mcp-orchestration keys show`)",
                key_id.chars().take(100).collect::<String>()
            ),
        });
    }
    if has_signing_key(home) && load_signing_key(home)?.public().id().hex() == hex {
        return Err(Error::Refused {
            message: format!("{key_id} is this home's active signing key: run `keys rotate` first, then untrust it"),
        });
    }
    let path = home.trusted_key(hex);
    match fs::remove_file(&path) {
        Ok(()) => {
            fsutil::sync_dir(&home.trusted_dir())?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(fsutil::FsError::new("cannot remove", &path, e).into()),
    }
}

/// Replaces the signing key with a new one (trusted). The old public key stays trusted, so
/// existing artifacts keep verifying until it is untrusted; the old private key is kept under
/// `keys/retired/` (0600). Returns the old and new public keys.
///
/// The steps run in an order whose every prefix leaves a home that can publish: the new public
/// key is trusted, the old private key is copied to `keys/retired/`, the new private key
/// replaces the old one in one rename, and its public key is written beside it last. A crash
/// before the rename leaves the old key signing (and one more trusted key); after it, the new.
pub fn rotate(home: &Home, new_key: &KeyPair, failpoints: &FailPoints) -> Result<(PublicKey, PublicKey)> {
    let old = load_signing_key(home)?;
    trust_key(home, new_key.public())?;
    failpoints.reach("rotate-after-trust");
    fsutil::write_atomic(&home.retired_key(old.public().id().hex()), old.to_pem().as_bytes(), PRIVATE_MODE)?;
    failpoints.reach("rotate-after-retire");
    fsutil::write_atomic(&home.signing_key(), new_key.to_pem().as_bytes(), PRIVATE_MODE)?;
    failpoints.reach("rotate-after-signing-key");
    fsutil::write_atomic(&home.verification_key(), new_key.public().to_pem().as_bytes(), PUBLIC_MODE)?;
    failpoints.reach("rotate-after-verification-key");
    Ok((old.public().clone(), new_key.public().clone()))
}
