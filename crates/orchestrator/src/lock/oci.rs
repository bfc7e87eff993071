//! Resolving a container image (`docker run IMAGE[:TAG]`, `podman run …`) at its OCI registry
//! to the digest of the manifest the registry serves for the tag, through `oci-client` (the
//! distribution protocol, the bearer-token flow and basic auth: nothing of it is written here).
//!
//! **Which digest.** The manifest is asked for with every manifest type `docker pull` accepts
//! (Docker v2 manifest and manifest list, OCI manifest and index), so for a multi-platform
//! image the digest is the **index's** (manifest list's): the one `docker pull IMAGE:TAG`
//! resolves the tag to, which `IMAGE:TAG@sha256:…` runs on every platform the index lists,
//! each platform's manifest fixed by the index's bytes. A single-platform image's digest is its
//! manifest's. The digest is `sha256:` of the manifest bytes as served, computed here (and
//! checked by `oci-client` against the registry's `Docker-Content-Digest`), so a registry
//! cannot name one digest and serve other bytes.
//!
//! **How the registry is reached** ([`ImageAccess`], from the adapter): HTTPS, with an extra CA
//! when given; plain HTTP only for a registry on this machine (127.0.0.1, localhost) and
//! only when asked; credentials for the registry's host from the adapter (Docker's
//! `config.json` and credential helpers), else anonymous. Like `remote/oci.rs`, each call is
//! blocking for the caller and runs on a small tokio runtime of its own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest as _, Sha256};

use super::error::LockFailure;
use crate::remote::Credentials;

/// The manifest types asked for, as `docker pull` asks.
const ACCEPTED: &[&str] =
    &[OCI_IMAGE_INDEX_MEDIA_TYPE, IMAGE_MANIFEST_LIST_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE];

/// The largest manifest read (distribution's own limit is 4 MiB).
const MAX_MANIFEST: usize = 4 * 1024 * 1024;

/// How image registries are reached; handed in by the adapter (the core reads no environment
/// and no Docker config).
pub struct ImageAccess<'a> {
    /// Credentials for a registry host (`HOST[:PORT]`), if any are kept for it.
    pub credentials: &'a (dyn Fn(&str) -> Option<Credentials> + Sync),
    /// An extra CA certificate (PEM) to trust, for a registry with a private CA.
    pub ca_file: Option<PathBuf>,
    /// Reach registries on this machine over plain HTTP (ignored for any other host).
    pub plain_http: bool,
    /// The longest one request may take.
    pub timeout: Duration,
}

impl Default for ImageAccess<'_> {
    fn default() -> Self {
        ImageAccess { credentials: &|_| None, ca_file: None, plain_http: false, timeout: Duration::from_secs(30) }
    }
}

/// What the registry serves for one image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    /// The registry host as written (`docker.io` for a short name).
    pub registry: String,
    /// The repository (`library/alpine` for `alpine`).
    pub repository: String,
    /// `sha256:<hex>` of the manifest bytes.
    pub digest: String,
    /// The manifest's media type (an index or a single manifest).
    pub media_type: String,
}

/// What to look up: the manifest a tag names, or one by its digest.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// A tag (`latest` when the entry names none).
    Tag(&'a str),
    /// A digest (`sha256:…`).
    Digest(&'a str),
}

/// Looks images up: one `oci-client` client per registry host (plain HTTP or HTTPS is fixed
/// per client), made on first use, on one runtime.
pub struct Images<'a> {
    access: &'a ImageAccess<'a>,
    runtime: OnceLock<Result<tokio::runtime::Runtime, String>>,
    clients: Mutex<HashMap<String, Client>>,
}

/// An error and its causes on one line (reqwest keeps the reason in its sources).
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Whether a registry (`HOST[:PORT]`, `[V6]:PORT`) is on this machine: `localhost` or a loopback
/// address.
fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(bracketed),
        None => registry.rsplit_once(':').map_or(registry, |(host, _)| host),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl<'a> Images<'a> {
    /// Prepares lookups (nothing is made or asked yet).
    pub fn new(access: &'a ImageAccess<'a>) -> Images<'a> {
        Images { access, runtime: OnceLock::new(), clients: Mutex::new(HashMap::new()) }
    }

    fn client(&self, host: &str) -> Result<Client, LockFailure> {
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(host) {
            return Ok(client.clone());
        }
        let plain = self.access.plain_http && is_loopback(host);
        let mut config = ClientConfig {
            protocol: if plain { ClientProtocol::Http } else { ClientProtocol::Https },
            read_timeout: Some(self.access.timeout),
            connect_timeout: Some(self.access.timeout.min(Duration::from_secs(10))),
            user_agent: concat!("mcp-orchestration/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        if let Some(ca) = &self.access.ca_file {
            let data = std::fs::read(ca).map_err(|e| LockFailure::Registry {
                message: format!("cannot read the CA file {} ({e}): fix the path given to --oci-ca-file", ca.display()),
            })?;
            config.extra_root_certificates.push(Certificate { encoding: CertificateEncoding::Pem, data });
        }
        // rustls with ring, the one TLS provider in the binary (as `remote::oci`, the bridge and
        // the probe install it); a second install is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::new(config);
        clients.insert(host.to_owned(), client.clone());
        Ok(client)
    }

    /// Runs a future on this lookup's runtime; from inside another runtime (an async caller), on
    /// a scoped thread of its own, since a runtime cannot be blocked on from a thread that
    /// drives another.
    fn block_on<F: std::future::Future + Send>(&self, future: F) -> Result<F::Output, LockFailure>
    where
        F::Output: Send,
    {
        let runtime = self
            .runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the network runtime: {e}"))
            })
            .as_ref()
            .map_err(|message| LockFailure::Registry { message: message.clone() })?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Ok(runtime.block_on(future));
        }
        Ok(std::thread::scope(|scope| match scope.spawn(|| runtime.block_on(future)).join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }))
    }

    /// The manifest `wanted` names in the image `name` (as written: `[registry/]repository`).
    pub fn manifest(&self, name: &str, wanted: Wanted<'_>) -> Result<ImageManifest, LockFailure> {
        let parsed: Reference = name.parse().map_err(|e| LockFailure::BadRange {
            package: name.to_owned(),
            requested: name.to_owned(),
            detail: format!("not an image reference: {e}"),
        })?;
        let (registry, repository) = (parsed.registry().to_owned(), parsed.repository().to_owned());
        let (reference, shown) = match wanted {
            Wanted::Tag(tag) => {
                (Reference::with_tag(registry.clone(), repository.clone(), tag.to_owned()), format!("{name}:{tag}"))
            }
            Wanted::Digest(digest) => (
                Reference::with_digest(registry.clone(), repository.clone(), digest.to_owned()),
                format!("{name}@{digest}"),
            ),
        };
        let host = reference.resolve_registry().to_owned();
        let client = self.client(&host)?;
        let auth = match (self.access.credentials)(&registry) {
            None | Some(Credentials::Anonymous) => RegistryAuth::Anonymous,
            Some(Credentials::Basic { username, password }) => RegistryAuth::Basic(username, password.to_string()),
            Some(Credentials::Bearer(token)) => RegistryAuth::Bearer(token.to_string()),
        };
        let bytes = match self.block_on(client.pull_manifest_raw(&reference, &auth, ACCEPTED))? {
            Ok((bytes, _checked_digest)) => bytes,
            Err(error) => return Err(failure(&shown, &registry, error)),
        };
        if bytes.len() > MAX_MANIFEST {
            return Err(LockFailure::Malformed {
                package: shown,
                registry,
                detail: format!("a manifest of {} bytes (over the 4 MiB limit)", bytes.len()),
            });
        }
        let manifest: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| LockFailure::Malformed {
            package: shown.clone(),
            registry: registry.clone(),
            detail: "a manifest that is not JSON".into(),
        })?;
        // `mediaType` is optional in an OCI manifest or index: an index is what lists manifests.
        let media_type = match manifest.get("mediaType").and_then(serde_json::Value::as_str) {
            Some(media_type) => media_type.to_owned(),
            None if manifest.get("manifests").is_some() => OCI_IMAGE_INDEX_MEDIA_TYPE.to_owned(),
            None => OCI_IMAGE_MEDIA_TYPE.to_owned(),
        };
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
        Ok(ImageManifest { registry, repository, digest, media_type })
    }
}

/// A client error as the user should read it: the image and registry named, never a
/// credential.
fn failure(shown: &str, registry: &str, error: OciDistributionError) -> LockFailure {
    let not_found = match &error {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(e.code, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound)
        }),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        _ => false,
    };
    if not_found {
        return LockFailure::NoImage { image: shown.to_owned(), registry: registry.to_owned() };
    }
    match error {
        OciDistributionError::DigestError(e) => LockFailure::Malformed {
            package: shown.to_owned(),
            registry: registry.to_owned(),
            detail: format!("a manifest whose bytes do not match its digest ({e})"),
        },
        OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
            LockFailure::Registry {
                message: format!(
                    "the registry {registry} refused access to {shown}: log in with `docker login {registry}` (credentials are read from Docker's config)"
                ),
            }
        }
        OciDistributionError::RequestError(e) => LockFailure::Registry {
            message: format!(
                "cannot reach the registry {registry} for {shown} ({}): check the address and the network; --oci-ca-file for a private CA, --oci-plain-http for a plain-HTTP registry on this machine",
                chain(&e.without_url())
            ),
        },
        other => LockFailure::Registry { message: format!("the registry {registry} failed for {shown}: {other}") },
    }
}

#[cfg(test)]
mod tests {
    use oci_client::errors::OciDistributionError;

    use super::{ImageAccess, Images, Wanted, failure, is_loopback};
    use crate::error::ErrorKind;
    use crate::lock::LockFailure;

    #[test]
    fn plain_http_is_only_for_a_registry_on_this_machine() {
        for local in ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "127.0.0.1"] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in ["ghcr.io", "registry.example.com:5000", "10.0.0.1:5000", "docker.io"] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }

    #[test]
    fn registry_errors_read_as_what_to_do() {
        let not_found = failure(
            "reg/x:1",
            "reg",
            OciDistributionError::ServerError { code: 404, url: "u".into(), message: "nope".into() },
        );
        assert_eq!(not_found, LockFailure::NoImage { image: "reg/x:1".into(), registry: "reg".into() });
        assert_eq!(not_found.kind(), ErrorKind::NotFound);
        let refused = failure("reg/x:1", "reg", OciDistributionError::UnauthorizedError { url: "u".into() });
        assert!(refused.to_string().contains("log in with `docker login reg`"), "{refused}");
        assert_eq!(refused.kind(), ErrorKind::Other);
        let digest = failure(
            "reg/x:1",
            "reg",
            OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
                expected: "sha256:aa".into(),
                actual: "sha256:bb".into(),
            }),
        );
        assert_eq!(digest.kind(), ErrorKind::Integrity);
        assert!(digest.to_string().contains("do not match its digest"), "{digest}");
        let other = failure("reg/x:1", "reg", OciDistributionError::RegistryNoDigestError);
        assert!(other.to_string().starts_with("the registry reg failed for reg/x:1"), "{other}");
    }

    #[test]
    fn a_ca_file_that_cannot_be_read_is_named_before_any_request() {
        let access = ImageAccess { ca_file: Some("/nonexistent/ca.pem".into()), ..ImageAccess::default() };
        let images = Images::new(&access);
        let Err(LockFailure::Registry { message }) = images.manifest("127.0.0.1:9/mcp/x", Wanted::Tag("1")) else {
            panic!("an unreadable CA file is refused");
        };
        assert!(message.contains("/nonexistent/ca.pem") && message.contains("--oci-ca-file"), "{message}");
    }

    #[test]
    fn a_name_that_is_no_image_reference_is_refused() {
        let access = ImageAccess::default();
        let Err(failure) = Images::new(&access).manifest("UPPER/Case", Wanted::Tag("1")) else {
            panic!("not a reference");
        };
        assert_eq!(failure.kind(), ErrorKind::Validation);
        assert!(failure.to_string().contains("not an image reference"), "{failure}");
    }
}
