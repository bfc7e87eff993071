//! The one place the core talks to a network: an OCI registry, through `oci-client` (the
//! oras-project client: the distribution protocol, the bearer-token flow and basic auth).
//! Nothing here decides what to trust: it moves bytes and checks their digests and sizes, and
//! `pull.rs` verifies everything it returns before anything is stored.
//!
//! Calls are blocking for the caller: each runs on a small tokio runtime owned by the
//! [`OciRemote`], with independent requests (manifests, blobs) in flight together.
//!
//! **No auth probe up front.** `oci-client` asks `GET /v2/` before a request whose credential it
//! has not cached (and, for anonymous access, before every request: "no auth needed" is never
//! cached). Here the credential is put in its token cache (`Client::tokens`, public) before the
//! first request: basic credentials as they are, anonymous access as an empty basic credential
//! (RFC 7617 allows an empty user-id and password; it carries no secret, and a registry that
//! needs no auth ignores it). So a reader's first request is the manifest or tag list itself:
//! one request per manifest on an anonymous or basic-auth registry. Only when a request is
//! answered 401 does the token flow run, once per process, through `oci-client`'s own
//! `Client::auth` (its `/v2/` probe for the `WWW-Authenticate: Bearer realm=…` challenge, then
//! the realm); the token stays in that client's memory, never on disk. An anonymous reader
//! answered 401 switches, for the rest of the process, to a stock client (no credential sent,
//! `oci-client`'s probe and anonymous token flow), exactly the behaviour before. Pushes keep
//! `Client::auth` up front (one probe per push).

use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, TryStreamExt, stream};
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::token_cache::RegistryTokenType;
use oci_client::{Client, Reference, RegistryOperation};

use super::config::{Credentials, Remote, RemoteUrl};
use super::layout::{self, Descriptor, MANIFEST_MEDIA_TYPE};
use crate::error::{Error, Result};

/// A manifest as served: its bytes and digest.
pub type ManifestBytes = (Vec<u8>, String);

/// Requests in flight at once.
const PARALLEL: usize = 16;

/// How to build an `oci-client` [`Client`] for a remote (kept to build a stock one later).
struct Settings {
    protocol: ClientProtocol,
    timeout: std::time::Duration,
    ca: Option<Vec<u8>>,
}

impl Settings {
    fn client(&self) -> Client {
        let mut config = ClientConfig {
            protocol: self.protocol.clone(),
            use_monolithic_push: true,
            read_timeout: Some(self.timeout),
            connect_timeout: Some(self.timeout.min(std::time::Duration::from_secs(10))),
            max_concurrent_download: PARALLEL,
            max_concurrent_upload: PARALLEL,
            user_agent: concat!("mcp-orchestration/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        if let Some(data) = &self.ca {
            config.extra_root_certificates.push(Certificate { encoding: CertificateEncoding::Pem, data: data.clone() });
        }
        Client::new(config)
    }
}

/// A connection to one repository of one registry.
pub struct OciRemote {
    name: String,
    url: RemoteUrl,
    /// The client requests go through (replaced once by a stock one, see the module doc).
    client: std::sync::Mutex<Client>,
    settings: Settings,
    auth: RegistryAuth,
    /// Bumped by each escalation (token flow or stock client), so that requests refused
    /// together escalate once.
    generation: AtomicU64,
    escalation: tokio::sync::Mutex<()>,
    /// Always `Some` until dropped (taken to shut it down without blocking).
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for OciRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRemote").field("name", &self.name).field("url", &self.url).finish_non_exhaustive()
    }
}

impl OciRemote {
    /// Prepares a connection (no request is made yet): the credential is put in the client's
    /// token cache for this repository's reads, so the first read needs no auth probe.
    pub fn connect(name: &str, remote: &Remote, credentials: &Credentials) -> Result<Self> {
        let url = remote.address()?;
        let ca = match &remote.ca_file {
            Some(ca) => Some(std::fs::read(ca).map_err(|e| Error::Remote {
                remote: name.to_owned(),
                message: format!(
                    "cannot read its CA file {} ({e}): fix the path with `remote add --ca-file`",
                    ca.display()
                ),
            })?),
            None => None,
        };
        let settings = Settings {
            protocol: if remote.plain_http && url.is_loopback() { ClientProtocol::Http } else { ClientProtocol::Https },
            timeout: std::time::Duration::from_secs(remote.timeout_secs.unwrap_or(30)),
            ca,
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
            Error::Remote { remote: name.to_owned(), message: format!("cannot start the network runtime: {e}") }
        })?;
        // rustls with ring, the one TLS provider in the binary (the bridge and the probe install
        // the same); a second install is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let auth = match credentials {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { username, password } => RegistryAuth::Basic(username.clone(), password.to_string()),
            Credentials::Bearer(token) => RegistryAuth::Bearer(token.to_string()),
        };
        let remote = OciRemote {
            name: name.to_owned(),
            client: std::sync::Mutex::new(settings.client()),
            url,
            settings,
            auth,
            generation: AtomicU64::new(0),
            escalation: tokio::sync::Mutex::new(()),
            runtime: Some(runtime),
        };
        remote.block_on(remote.prime());
        Ok(remote)
    }

    /// Stores the credential for the registry and caches it for this repository's reads.
    async fn prime(&self) {
        let client = self.active();
        let repository = self.reference("probe");
        client.store_auth_if_needed(repository.resolve_registry(), &self.auth).await;
        let cached = match &self.auth {
            RegistryAuth::Basic(user, password) => RegistryTokenType::Basic(user.clone(), password.clone()),
            RegistryAuth::Anonymous => RegistryTokenType::Basic(String::new(), String::new()),
            // A bearer credential is used as it is, without a probe, by oci-client itself.
            RegistryAuth::Bearer(_) => return,
        };
        client.tokens.insert(&repository, RegistryOperation::Pull, cached).await;
    }

    /// The client requests go through now.
    fn active(&self) -> Client {
        self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Runs a read; answered 401, escalates once (see the module doc) and runs it again.
    async fn authorized<T, F, Fut>(&self, run: F) -> std::result::Result<T, OciDistributionError>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, OciDistributionError>>,
    {
        let generation = self.generation.load(Ordering::SeqCst);
        match run(self.active()).await {
            Err(e) if unauthorized(&e) => {
                self.escalate(generation).await?;
                run(self.active()).await
            }
            // A read is idempotent: one more try after a server error (distribution 2.8 answers
            // 500 to a tag read that meets another client's write of that tag).
            Err(OciDistributionError::ServerError { code: 500..=599, .. }) => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                run(self.active()).await
            }
            other => other,
        }
    }

    async fn escalate(&self, seen: u64) -> std::result::Result<(), OciDistributionError> {
        let _one_at_a_time = self.escalation.lock().await;
        if self.generation.load(Ordering::SeqCst) != seen {
            return Ok(()); // another request escalated meanwhile
        }
        let repository = self.reference("probe");
        if matches!(self.auth, RegistryAuth::Anonymous) {
            let stock = self.settings.client();
            stock.store_auth_if_needed(repository.resolve_registry(), &self.auth).await;
            *self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = stock;
        } else {
            self.active().auth(&repository, &self.auth, RegistryOperation::Pull).await?;
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Runs a future to completion on this remote's runtime. Called from inside another tokio
    /// runtime (the MCP server's), it runs on a scoped thread of its own, since a runtime cannot
    /// be blocked on from a thread that drives another.
    fn block_on<F: std::future::Future + Send>(&self, future: F) -> F::Output
    where
        F::Output: Send,
    {
        let Some(runtime) = &self.runtime else { unreachable!("the runtime is only taken on drop") };
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(future);
        }
        std::thread::scope(|scope| match scope.spawn(|| runtime.block_on(future)).join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }

    /// The remote's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The remote's address.
    pub fn url(&self) -> &RemoteUrl {
        &self.url
    }

    fn reference(&self, tag: &str) -> Reference {
        Reference::with_tag(self.url.registry.clone(), self.url.repository.clone(), tag.to_owned())
    }

    fn by_digest(&self, digest: &str) -> Reference {
        Reference::with_digest(self.url.registry.clone(), self.url.repository.clone(), digest.to_owned())
    }

    /// Turns a client error into the core's, naming the remote and what to do; never a credential.
    fn fail(&self, what: &str, error: OciDistributionError) -> Error {
        let remote = self.name.clone();
        match error {
            OciDistributionError::DigestError(e) => Error::RemoteIntegrity {
                remote,
                message: format!("{what}: the bytes served do not match their digest ({e}); nothing was stored"),
            },
            OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
                Error::Remote {
                    remote,
                    message: format!(
                        "{what}: the registry refused the credentials: log in with `mcp-orchestration remote login {}` (or set MCP_ORCHESTRATION_REGISTRY_USER and MCP_ORCHESTRATION_REGISTRY_PASSWORD, or `docker login {}`)",
                        self.name, self.url.registry
                    ),
                }
            }
            OciDistributionError::RequestError(e) => Error::Remote {
                remote,
                message: format!(
                    "{what}: cannot reach {} ({}): check the address, the network and --ca-file",
                    self.url,
                    error_chain(&e)
                ),
            },
            other => Error::Remote { remote, message: format!("{what}: {other}") },
        }
    }

    fn not_found(error: &OciDistributionError) -> bool {
        match error {
            OciDistributionError::ImageManifestNotFoundError(_) => true,
            OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
                matches!(
                    e.code,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::NotFound
                        | OciErrorCode::BlobUnknown
                )
            }),
            OciDistributionError::ServerError { code, .. } => *code == 404,
            _ => false,
        }
    }

    /// Every tag of the repository (an absent repository has none).
    pub fn list_tags(&self) -> Result<Vec<String>> {
        let image = self.reference("probe");
        self.block_on(async {
            // Pages of 1000 after the last tag of the previous page; a registry that ignores
            // `n`/`last` (distribution 2.8 answers every tag, unsorted) ends the loop when a
            // page brings nothing new.
            let mut out: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let mut last: Option<String> = None;
            loop {
                let listed = self
                    .authorized(|client| {
                        let (image, last) = (&image, last.clone());
                        async move { client.list_tags(image, &self.auth, Some(1000), last.as_deref()).await }
                    })
                    .await;
                let page = match listed {
                    Ok(page) => page,
                    Err(e) if Self::not_found(&e) => break,
                    Err(e) => return Err(self.fail("listing tags", e)),
                };
                let n = page.tags.len();
                last = page.tags.last().cloned();
                let before = out.len();
                out.extend(page.tags.into_iter().filter(|t| seen.insert(t.clone())));
                if n < 1000 || out.len() == before {
                    break;
                }
            }
            Ok(out)
        })
    }

    /// A manifest by tag: its bytes and digest (checked against the bytes), or `None`.
    pub fn manifest(&self, tag: &str) -> Result<Option<ManifestBytes>> {
        self.block_on(self.manifest_async(tag.to_owned()))
    }

    async fn manifest_async(&self, tag: String) -> Result<Option<ManifestBytes>> {
        let image = self.reference(&tag);
        let pulled = self
            .authorized(|client| {
                let image = &image;
                async move { client.pull_manifest_raw(image, &self.auth, &[MANIFEST_MEDIA_TYPE]).await }
            })
            .await;
        match pulled {
            Ok((bytes, digest)) => {
                if bytes.len() as u64 > layout::MAX_BLOB {
                    return Err(Error::RemoteIntegrity {
                        remote: self.name.clone(),
                        message: format!("the manifest of {tag} is too large"),
                    });
                }
                if layout::digest(&bytes) != digest {
                    return Err(Error::RemoteIntegrity {
                        remote: self.name.clone(),
                        message: format!("the manifest of {tag} does not hash to its digest"),
                    });
                }
                Ok(Some((bytes.to_vec(), digest)))
            }
            Err(e) if Self::not_found(&e) => Ok(None),
            Err(e) => Err(self.fail(&format!("reading {tag}"), e)),
        }
    }

    /// Several manifests by tag, fetched together, in the order given.
    pub fn manifests(&self, tags: &[String]) -> Result<Vec<Option<ManifestBytes>>> {
        self.block_on(
            stream::iter(tags.iter().cloned()).map(|tag| self.manifest_async(tag)).buffered(PARALLEL).try_collect(),
        )
    }

    async fn blob_async(&self, desc: Descriptor) -> Result<Vec<u8>> {
        let integrity = |message: String| Error::RemoteIntegrity { remote: self.name.clone(), message };
        if desc.size > layout::MAX_BLOB {
            return Err(integrity(format!("blob {} claims {} bytes, over the limit", desc.digest, desc.size)));
        }
        let image = self.by_digest(&desc.digest);
        let oci = oci_client::manifest::OciDescriptor {
            media_type: desc.media_type.clone(),
            digest: desc.digest.clone(),
            size: desc.size as i64,
            ..Default::default()
        };
        let sized = self
            .authorized(|client| {
                let (image, oci) = (&image, &oci);
                async move { client.pull_blob_stream(image, oci).await }
            })
            .await
            .map_err(|e| self.fail(&format!("reading blob {}", desc.digest), e))?;
        let mut stream = sized.stream;
        // The size is a claim of the manifest: reserve it only up to 1 MiB (real bytes grow it).
        let mut out = Vec::with_capacity(desc.size.min(1024 * 1024) as usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                if e.get_ref().is_some_and(|inner| inner.is::<oci_client::errors::DigestError>()) {
                    integrity(format!(
                        "blob {} hashes to other bytes ({e}): the registry served other bytes than the manifest names; nothing was stored",
                        desc.digest
                    ))
                } else {
                    Error::Remote {
                        remote: self.name.clone(),
                        message: format!(
                            "reading blob {}: the transfer broke off ({e}); nothing was stored, run the pull again",
                            desc.digest
                        ),
                    }
                }
            })?;
            if (out.len() + chunk.len()) as u64 > desc.size {
                return Err(integrity(format!(
                    "blob {} is longer than the {} bytes its manifest names; nothing was stored",
                    desc.digest, desc.size
                )));
            }
            out.extend_from_slice(&chunk);
        }
        if out.len() as u64 != desc.size {
            return Err(integrity(format!(
                "blob {} is {} bytes, not the {} its manifest names; nothing was stored",
                desc.digest,
                out.len(),
                desc.size
            )));
        }
        let actual = layout::digest(&out);
        if actual != desc.digest {
            return Err(integrity(format!(
                "blob {} hashes to {actual}: the registry served other bytes than the manifest names; nothing was stored",
                desc.digest
            )));
        }
        Ok(out)
    }

    /// Several blobs, fetched together; each is checked against its descriptor's size and digest.
    pub fn blobs(&self, descs: &[Descriptor]) -> Result<Vec<Vec<u8>>> {
        self.block_on(async {
            stream::iter(descs.iter().cloned()).map(|d| self.blob_async(d)).buffered(PARALLEL).try_collect().await
        })
    }

    /// Uploads blobs (skipping none: the registry keeps one copy per digest), together.
    pub fn push_blobs(&self, blobs: Vec<Vec<u8>>) -> Result<()> {
        let image = self.reference("probe");
        let client = self.active();
        self.block_on(async {
            client
                .auth(&image, &self.auth, RegistryOperation::Push)
                .await
                .map_err(|e| self.fail("logging in to push", e))?;
            stream::iter(blobs)
                .map(|bytes| {
                    let digest = layout::digest(&bytes);
                    let image = &image;
                    let client = &client;
                    async move {
                        client
                            .push_blob(image, bytes, &digest)
                            .await
                            .map_err(|e| self.fail(&format!("uploading blob {digest}"), e))
                    }
                })
                .buffer_unordered(PARALLEL)
                .try_collect::<Vec<_>>()
                .await
        })?;
        Ok(())
    }

    /// Uploads manifests under their tags, together, in no particular order.
    pub fn push_manifests(&self, manifests: Vec<(String, Vec<u8>)>) -> Result<()> {
        let client = self.active();
        let client = &client;
        self.block_on(async {
            stream::iter(manifests)
                .map(|(tag, bytes)| async move {
                    let image = self.reference(&tag);
                    let Ok(content_type) = MANIFEST_MEDIA_TYPE.parse() else {
                        return Err(Error::Remote { remote: self.name.clone(), message: "bad media type".into() });
                    };
                    client
                        .push_manifest_raw(&image, bytes, content_type)
                        .await
                        .map_err(|e| self.fail(&format!("tagging {tag}"), e))
                })
                .buffer_unordered(PARALLEL)
                .try_collect::<Vec<_>>()
                .await
        })?;
        Ok(())
    }
}

impl Drop for OciRemote {
    /// Shuts the runtime down without waiting: dropping it the usual way blocks, which tokio
    /// refuses inside another runtime (the MCP server's).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// True for a 401 answer (a manifest, tag list or blob read).
fn unauthorized(error: &OciDistributionError) -> bool {
    matches!(
        error,
        OciDistributionError::UnauthorizedError { .. } | OciDistributionError::ServerError { code: 401, .. }
    )
}

/// An error and its causes on one line (reqwest hides the reason in its sources).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
