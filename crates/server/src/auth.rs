//! Bearer tokens for `serve --http`.
//!
//! The server keeps only SHA-256 hashes of the tokens it accepts, in
//! `<home>/server/tokens.sha256` (one lowercase hex hash a line, 0600). The first `serve --http`
//! without any hash creates a random token, stores its hash, and writes the token itself to
//! `<home>/server/http-token` (0600) so that its owner can read it (`cat`); the server prints
//! that path, never the token. Deleting `http-token` after copying it somewhere safe keeps the
//! token working. A presented token is hashed and compared with every stored hash in constant
//! time ([`subtle`]). A token file that group or others may read or write is refused at start
//! (exit 10), as is a signing key.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use orchestrator::fsutil;
use orchestrator::home::Home;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of generated tokens (easy to recognise in a secret scanner).
pub const TOKEN_PREFIX: &str = "mcpo_";

/// Where the token files live.
#[derive(Debug, Clone)]
pub struct TokenFiles {
    /// The hashes the server accepts.
    pub hashes: PathBuf,
    /// The token written for its owner when it was created.
    pub token: PathBuf,
}

impl TokenFiles {
    /// The token files of a home.
    pub fn of(home: &Home) -> Self {
        let dir = home.root().join("server");
        TokenFiles { hashes: dir.join("tokens.sha256"), token: dir.join("http-token") }
    }
}

/// The accepted token hashes, held in memory by a running server.
#[derive(Clone)]
pub struct TokenVerifier {
    hashes: Vec<[u8; 32]>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("tokens", &self.hashes.len()).finish()
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new random token.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

impl TokenVerifier {
    /// A verifier accepting exactly these tokens (tests).
    pub fn for_tokens(tokens: &[&str]) -> Self {
        TokenVerifier { hashes: tokens.iter().map(|t| hash(t)).collect() }
    }

    /// Reads the stored hashes; an unreadable or malformed file is an error, never "no tokens".
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        // Checked before it is read: a hash planted by another user would let them in.
        let bytes = fsutil::read_checked(path, "token hash file", fsutil::Access::Private)
            .map_err(orchestrator::Error::from)?
            .with_context(|| format!("cannot read {}: it does not exist", path.display()))?;
        let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
        let mut hashes = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes = hex::decode(line)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .with_context(|| format!("{}:{}: not a SHA-256 hex hash", path.display(), n + 1))?;
            hashes.push(bytes);
        }
        if hashes.is_empty() {
            anyhow::bail!("{} holds no token hash: delete it to have a new token created", path.display());
        }
        Ok(TokenVerifier { hashes })
    }

    /// Whether `presented` is one of the accepted tokens. Every stored hash is compared, each in
    /// constant time, so the time taken does not depend on where a difference is.
    pub fn verify(&self, presented: &str) -> bool {
        let presented = hash(presented);
        let mut ok = subtle::Choice::from(0u8);
        for stored in &self.hashes {
            ok |= stored.ct_eq(&presented);
        }
        ok.into()
    }
}

/// What [`ensure_token`] found or did.
#[derive(Debug)]
pub struct TokenSetup {
    /// The verifier over the stored hashes.
    pub verifier: TokenVerifier,
    /// The files.
    pub files: TokenFiles,
    /// True when a new token was created now.
    pub created: bool,
}

/// Loads the stored token hashes, creating a token (hash + owner-only token file) when there is
/// none. The home must exist (run `init-configs` first).
pub fn ensure_token(home: &Home) -> anyhow::Result<TokenSetup> {
    let files = TokenFiles::of(home);
    if !home.layout_file().exists() {
        anyhow::bail!(
            "{} is not an mcp-orchestration home: run `mcp-orchestration init-configs` first",
            home.root().display()
        );
    }
    for file in [&files.hashes, &files.token] {
        refuse_if_shared(file)?;
    }
    if files.hashes.exists() {
        let verifier = TokenVerifier::load(&files.hashes)?;
        return Ok(TokenSetup { verifier, files, created: false });
    }
    let token = generate_token();
    let mut token_line = token.clone();
    token_line.push('\n');
    fsutil::write_atomic(&files.token, token_line.as_bytes(), 0o600)?;
    let line = format!("{}\n", hex::encode(hash(&token)));
    fsutil::write_atomic(&files.hashes, line.as_bytes(), 0o600)?;
    Ok(TokenSetup { verifier: TokenVerifier::for_tokens(&[&token]), files, created: true })
}

/// Refuses a token file that others can read or write (group or other permission bits): the
/// token (or the list of accepted hashes) must be its owner's alone. A missing file passes.
fn refuse_if_shared(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(orchestrator::Error::Refused {
                    message: format!(
                        "refused to start: {} is readable or writable by others (mode {mode:o}); run `chmod 600 {}`",
                        path.display(),
                        path.display()
                    ),
                }
                .into());
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The token of an `Authorization: Bearer TOKEN` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}
