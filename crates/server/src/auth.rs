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
//!
//! **Scoped tokens** for the REST API (`tokens create --name CI --scope read|write`) live in
//! `<home>/server/api-tokens.json` (0600, checked like the hash file before it is read):
//! `{"tokens": [{name, scope, sha256, created_at}]}`, the token itself printed once by
//! `tokens create` and never stored. A running server re-reads that file when its size or
//! modification time changes, so a created token works and a revoked one stops working without
//! a restart. The MCP token (the hashes above) has the `write` scope.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use orchestrator::fsutil;
use orchestrator::home::Home;
use serde::{Deserialize, Serialize};
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
    /// The scoped tokens of the REST API (hashes, names, scopes).
    pub api_tokens: PathBuf,
}

impl TokenFiles {
    /// The token files of a home.
    pub fn of(home: &Home) -> Self {
        let dir = home.root().join("server");
        TokenFiles {
            hashes: dir.join("tokens.sha256"),
            token: dir.join("http-token"),
            api_tokens: dir.join("api-tokens.json"),
        }
    }
}

/// What a token may do: `read` (GET endpoints) or `write` (everything, `/mcp` included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read-only endpoints.
    Read,
    /// Every endpoint.
    Write,
}

impl Scope {
    /// `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

/// One scoped token as stored (its SHA-256, never the token).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiToken {
    /// The name given at creation (`[A-Za-z0-9][A-Za-z0-9._-]{0,63}`).
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// Lowercase hex SHA-256 of the token.
    pub sha256: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ApiTokenFile {
    tokens: Vec<ApiToken>,
}

/// The scoped tokens as last read, with the file's size and modification time then.
#[derive(Debug, Default)]
struct Scoped {
    stamp: Option<(u64, std::time::SystemTime)>,
    hashes: Vec<([u8; 32], Scope)>,
}

/// The accepted token hashes, held in memory by a running server: the MCP token's (write) and,
/// when the verifier was made for a home, the scoped tokens of `api-tokens.json`.
#[derive(Clone)]
pub struct TokenVerifier {
    hashes: Vec<[u8; 32]>,
    scoped_file: Option<PathBuf>,
    scoped: std::sync::Arc<std::sync::Mutex<Scoped>>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("tokens", &self.hashes.len()).finish_non_exhaustive()
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
        TokenVerifier {
            hashes: tokens.iter().map(|t| hash(t)).collect(),
            scoped_file: None,
            scoped: Default::default(),
        }
    }

    /// Also accepts the scoped tokens of this home's `api-tokens.json` (re-read when it changes).
    pub fn with_scoped_tokens(mut self, home: &Home) -> Self {
        self.scoped_file = Some(TokenFiles::of(home).api_tokens);
        self
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
        Ok(TokenVerifier { hashes, scoped_file: None, scoped: Default::default() })
    }

    /// Whether `presented` is one of the accepted tokens. Every stored hash is compared, each in
    /// constant time, so the time taken does not depend on where a difference is.
    pub fn verify(&self, presented: &str) -> bool {
        self.scope_of(presented).is_some()
    }

    /// The scope of `presented`: `write` for the MCP token, the stored scope for a scoped one,
    /// `None` when it is neither. Every hash is compared in constant time.
    pub fn scope_of(&self, presented: &str) -> Option<Scope> {
        let presented = hash(presented);
        let mut ok = subtle::Choice::from(0u8);
        for stored in &self.hashes {
            ok |= stored.ct_eq(&presented);
        }
        if bool::from(ok) {
            return Some(Scope::Write);
        }
        let path = self.scoped_file.as_ref()?;
        let mut scoped = self.scoped.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = std::fs::metadata(path).ok().and_then(|m| Some((m.len(), m.modified().ok()?)));
        if stamp != scoped.stamp {
            // A file that cannot be read (or is exposed) accepts no scoped token until fixed.
            let hashes = match read_api_tokens(path) {
                Ok(file) => file.tokens.iter().filter_map(|t| Some((decode_hash(&t.sha256)?, t.scope))).collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "scoped tokens not accepted");
                    Vec::new()
                }
            };
            *scoped = Scoped { stamp, hashes };
        }
        let mut found = None;
        for (stored, scope) in &scoped.hashes {
            if bool::from(stored.ct_eq(&presented)) {
                found = Some(*scope);
            }
        }
        found
    }
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok().and_then(|b| <[u8; 32]>::try_from(b).ok())
}

fn read_api_tokens(path: &Path) -> Result<ApiTokenFile, orchestrator::Error> {
    let Some(bytes) = fsutil::read_checked(path, "API token file", fsutil::Access::Private)? else {
        return Ok(ApiTokenFile::default());
    };
    serde_json::from_slice(&bytes).map_err(|e| orchestrator::Error::Refused {
        message: format!(
            "{} is not a token list ({e}): fix it or delete it and create the tokens again",
            path.display()
        ),
    })
}

fn check_name(name: &str) -> Result<(), orchestrator::Error> {
    let ok = name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        return Ok(());
    }
    Err(orchestrator::Error::Usage {
        message: format!(
            "token name {:?} is not valid: use 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit (e.g. CI)",
            name.chars().take(80).collect::<String>()
        ),
    })
}

fn require_home(home: &Home) -> Result<(), orchestrator::Error> {
    if home.layout_file().exists() {
        return Ok(());
    }
    Err(orchestrator::Error::Usage {
        message: format!(
            "{} is not an mcp-orchestration home: run `mcp-orchestration init-configs` first",
            home.root().display()
        ),
    })
}

/// Creates a scoped token named `name` and returns it (the only time it is seen: only its hash
/// is stored). A name already in use is a conflict (exit 7): revoke it first.
pub fn create_token(
    home: &Home,
    name: &str,
    scope: Scope,
    created_at: String,
    lock_timeout: std::time::Duration,
) -> Result<String, orchestrator::Error> {
    check_name(name)?;
    require_home(home)?;
    let path = TokenFiles::of(home).api_tokens;
    let _lock = fsutil::lock(&home.lock_file(), lock_timeout)?;
    let mut file = read_api_tokens(&path)?;
    if file.tokens.iter().any(|t| t.name == name) {
        return Err(orchestrator::Error::Conflict {
            message: format!(
                "a token named {name} exists: revoke it first with `mcp-orchestration tokens revoke {name}` or pick another name"
            ),
        });
    }
    let token = generate_token();
    file.tokens.push(ApiToken { name: name.to_owned(), scope, sha256: hex::encode(hash(&token)), created_at });
    write_api_tokens(&path, &file)?;
    Ok(token)
}

/// The scoped tokens (names, scopes, hashes, creation times), in creation order.
pub fn list_tokens(home: &Home) -> Result<Vec<ApiToken>, orchestrator::Error> {
    require_home(home)?;
    Ok(read_api_tokens(&TokenFiles::of(home).api_tokens)?.tokens)
}

/// Revokes the scoped token `name`; false when there is none of that name.
pub fn revoke_token(home: &Home, name: &str, lock_timeout: std::time::Duration) -> Result<bool, orchestrator::Error> {
    check_name(name)?;
    require_home(home)?;
    let path = TokenFiles::of(home).api_tokens;
    let _lock = fsutil::lock(&home.lock_file(), lock_timeout)?;
    let mut file = read_api_tokens(&path)?;
    let before = file.tokens.len();
    file.tokens.retain(|t| t.name != name);
    if file.tokens.len() == before {
        return Ok(false);
    }
    write_api_tokens(&path, &file)?;
    Ok(true)
}

fn write_api_tokens(path: &Path, file: &ApiTokenFile) -> Result<(), orchestrator::Error> {
    let mut bytes = serde_json::to_vec_pretty(file)
        .map_err(|e| orchestrator::Error::Refused { message: format!("cannot encode the token list: {e}") })?;
    bytes.push(b'\n');
    fsutil::write_atomic(path, &bytes, 0o600)?;
    Ok(())
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
