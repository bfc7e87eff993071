//! The remotes this home knows (`remotes.json`, 0600): a name, an `oci://HOST[:PORT]/REPOSITORY`
//! address, how to reach it (HTTPS with the system roots or a CA file; plain HTTP only for a
//! loopback address), the key ids pinned at `remote add --trust-key`, and an optional stored
//! `remote login`. The password is never shown: `Debug` redacts it and listings leave it out.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;

/// A remote name: `[a-z0-9][a-z0-9._-]{0,63}`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage {
            message: format!(
                "remote name '{name}' is not valid: use lower-case letters, digits, '.', '-' or '_' (at most 64)"
            ),
        })
    }
}

/// A parsed `oci://HOST[:PORT]/REPOSITORY` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// `HOST[:PORT]` as given (an IPv6 address in brackets).
    pub registry: String,
    /// The repository path (`team/mcp`).
    pub repository: String,
}

impl RemoteUrl {
    /// Parses and checks an address; the repository follows the OCI name grammar.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| Error::Usage {
            message: format!(
                "remote address '{text}' {why}: give oci://HOST[:PORT]/REPOSITORY, e.g. oci://ghcr.io/acme/mcp-profiles"
            ),
        };
        let rest = text.strip_prefix("oci://").ok_or_else(|| bad("does not start with oci://"))?;
        let (registry, repository) = rest.split_once('/').ok_or_else(|| bad("has no repository"))?;
        if registry.is_empty() || registry.contains(['@', ' ']) {
            return Err(bad("has no valid host"));
        }
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if repository.len() > 255 || !repository.split('/').all(component_ok) {
            return Err(bad("has a repository that is not a valid OCI name (lower case, digits, '.', '_', '-', '/')"));
        }
        let parsed = RemoteUrl { registry: registry.to_owned(), repository: repository.to_owned() };
        oci_client::Reference::try_from(format!("{}/{}:probe", parsed.registry, parsed.repository))
            .map_err(|e| bad(&format!("is not a valid registry reference ({e})")))?;
        Ok(parsed)
    }

    /// The host alone (no port, no brackets).
    pub fn host(&self) -> &str {
        let r = self.registry.as_str();
        if let Some(inner) = r.strip_prefix('[') {
            return inner.split(']').next().unwrap_or(inner);
        }
        r.rsplit_once(':').map_or(r, |(h, _)| h)
    }

    /// True for `localhost` and loopback addresses (where plain HTTP is allowed).
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)
    }
}

/// A stored `remote login`.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredLogin {
    /// The user name.
    pub username: String,
    /// The password or token (never shown).
    pub password: String,
}

impl std::fmt::Debug for StoredLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredLogin").field("username", &self.username).field("password", &"«redacted»").finish()
    }
}

/// One remote as stored in `remotes.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remote {
    /// `oci://HOST[:PORT]/REPOSITORY`.
    pub url: String,
    /// Plain HTTP (loopback only).
    #[serde(default)]
    pub plain_http: bool,
    /// A PEM file of CA certificates trusted for this remote, besides the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for a connection or for the next bytes of an answer (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// Key ids pinned at `remote add --trust-key`: their public keys, when the remote serves
    /// them and they hash to the pinned id, are trusted at pull.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_keys: Vec<String>,
    /// A stored `remote login` (0600 file; never shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<StoredLogin>,
}

impl Remote {
    /// The parsed address.
    pub fn address(&self) -> Result<RemoteUrl> {
        RemoteUrl::parse(&self.url)
    }
}

/// A remote as listed (no credentials).
#[derive(Debug, Clone, Serialize)]
pub struct RemoteInfo {
    /// Its name.
    pub name: String,
    /// Its address.
    pub url: String,
    /// `https` or `http`.
    pub scheme: &'static str,
    /// The CA file, if any.
    pub ca_file: Option<String>,
    /// Pinned key ids.
    pub trust_keys: Vec<String>,
    /// The user name of a stored login, if any.
    pub login_user: Option<String>,
}

impl RemoteInfo {
    /// The listing of one stored remote.
    pub fn of(name: &str, remote: &Remote) -> Self {
        RemoteInfo {
            name: name.to_owned(),
            url: remote.url.clone(),
            scheme: if remote.plain_http { "http" } else { "https" },
            ca_file: remote.ca_file.as_ref().map(|p| p.display().to_string()),
            trust_keys: remote.trust_keys.clone(),
            login_user: remote.login.as_ref().map(|l| l.username.clone()),
        }
    }
}

/// Credentials for a registry, found by the adapter (environment, Docker's config, a credential
/// helper) or stored by `remote login`. Never printed: `Debug` redacts the secret.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No credentials (the registry's anonymous access, or its token flow without a login).
    #[default]
    Anonymous,
    /// A user name and password (HTTP basic, or exchanged for a bearer token).
    Basic {
        /// The user name.
        username: String,
        /// The password or token.
        password: Zeroizing<String>,
    },
    /// An identity token from a credential helper (sent as a bearer token).
    Bearer(Zeroizing<String>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, «redacted»)"),
            Credentials::Bearer(_) => f.write_str("Bearer(«redacted»)"),
        }
    }
}

impl Credentials {
    /// How the credentials were named in reports (no secret).
    pub fn describe(&self) -> String {
        match self {
            Credentials::Anonymous => "anonymous".into(),
            Credentials::Basic { username, .. } => format!("user {username}"),
            Credentials::Bearer(_) => "identity token".into(),
        }
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RemotesFile {
    /// Remotes by name.
    #[serde(default)]
    pub remotes: BTreeMap<String, Remote>,
}

/// Reads `remotes.json` (absent: no remotes). It is checked like the secret store: this user's,
/// not readable or writable by others (exit 10 otherwise).
pub fn load(home: &Home) -> Result<RemotesFile> {
    let path = home.remotes_file();
    match fsutil::read_checked(&path, "remotes file", fsutil::Access::Private)? {
        None => Ok(RemotesFile::default()),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt { path, detail: e.to_string() }),
    }
}

/// Writes `remotes.json` atomically, 0600 (the caller holds the home lock).
pub fn save(home: &Home, _lock: &fsutil::LockGuard, file: &RemotesFile) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(file).unwrap_or_default();
    bytes.push(b'\n');
    Ok(fsutil::write_atomic(&home.remotes_file(), &bytes, 0o600)?)
}

/// A stored remote by name, or a not-found error that lists the known ones.
pub fn get(file: &RemotesFile, name: &str) -> Result<Remote> {
    file.remotes.get(name).cloned().ok_or_else(|| Error::RemoteNotFound {
        name: name.to_owned(),
        known: file.remotes.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

/// Which remote a command means: the one named, or the only one configured.
pub fn pick(file: &RemotesFile, name: Option<&str>) -> Result<(String, Remote)> {
    match name {
        Some(n) => Ok((n.to_owned(), get(file, n)?)),
        None => match file.remotes.len() {
            1 => file.remotes.iter().next().map(|(n, r)| (n.clone(), r.clone())).ok_or_else(unreachable_none),
            0 => Err(Error::Usage {
                message: "no remote configured: add one with `mcp-orchestration remote add NAME oci://HOST/REPOSITORY`"
                    .into(),
            }),
            _ => Err(Error::Usage {
                message: format!(
                    "several remotes are configured ({}): name the one to use",
                    file.remotes.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            }),
        },
    }
}

fn unreachable_none() -> Error {
    Error::Usage { message: "no remote configured".into() }
}

/// Checks a new remote: the address, plain HTTP only for loopback, the CA file readable PEM,
/// pinned ids of the `sha256:<64 hex>` form.
pub fn validate(remote: &Remote) -> Result<()> {
    let url = remote.address()?;
    if remote.plain_http && !url.is_loopback() {
        return Err(Error::Usage {
            message: format!(
                "--plain-http is only allowed for a loopback address (localhost, 127.0.0.1), not '{}': use HTTPS (with --ca-file for a private CA)",
                url.host()
            ),
        });
    }
    if let Some(ca) = &remote.ca_file {
        let bytes = std::fs::read(ca).map_err(|e| Error::Usage {
            message: format!("--ca-file {}: cannot read it ({e}): give a PEM file of CA certificates", ca.display()),
        })?;
        if !String::from_utf8_lossy(&bytes).contains("-----BEGIN CERTIFICATE-----") {
            return Err(Error::Usage {
                message: format!("--ca-file {}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)", ca.display()),
            });
        }
    }
    for id in &remote.trust_keys {
        let hex = id.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::Usage {
                message: format!(
                    "--trust-key '{id}' is not a key id: give sha256:<64 hex digits> as `keys show` prints it"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_port_and_path() {
        let url = RemoteUrl::parse("oci://127.0.0.1:5000/team/mcp").expect("valid");
        assert_eq!(url.registry, "127.0.0.1:5000");
        assert_eq!(url.repository, "team/mcp");
        assert_eq!(url.host(), "127.0.0.1");
        assert!(url.is_loopback());
        assert!(!RemoteUrl::parse("oci://ghcr.io/acme/p").expect("valid").is_loopback());
        assert!(RemoteUrl::parse("oci://localhost:5000/r").expect("valid").is_loopback());
    }

    #[test]
    fn bad_addresses_say_what_to_give() {
        for bad in ["https://ghcr.io/a", "oci://ghcr.io", "oci://ghcr.io/Upper", "oci://ghcr.io/a//b", "oci:///r"] {
            let err = RemoteUrl::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("oci://HOST[:PORT]/REPOSITORY"), "{bad}: {err}");
        }
    }

    #[test]
    fn plain_http_is_refused_for_a_public_host() {
        let remote = Remote {
            url: "oci://registry.example.com/r".into(),
            plain_http: true,
            ca_file: None,
            timeout_secs: None,
            trust_keys: vec![],
            login: None,
        };
        assert!(validate(&remote).expect_err("refused").to_string().contains("loopback"));
    }

    #[test]
    fn debug_of_credentials_never_shows_the_password() {
        let creds = Credentials::Basic { username: "ci".into(), password: Zeroizing::new("hunter2-canary".into()) };
        assert!(!format!("{creds:?}").contains("hunter2"));
        let login = StoredLogin { username: "ci".into(), password: "hunter2-canary".into() };
        assert!(!format!("{login:?}").contains("hunter2"));
    }
}
