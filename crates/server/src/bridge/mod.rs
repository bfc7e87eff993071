//! `mcp-orchestration bridge URL [--transport sse]`: a stdio MCP server that forwards
//! everything to a remote MCP server over streamable HTTP or the older HTTP+SSE transport, for
//! clients that can only start stdio servers. Both sides are rmcp: a client session to the
//! remote ([`remote`]) and a server session on stdin/stdout ([`local`]); [`forward`] carries one
//! request across. rmcp has no client for HTTP+SSE (protocol 2024-11-05), so [`sse`] is that
//! transport (only the transport: rmcp still runs the protocol over it).
//!
//! - The remote session is opened first, so a remote that cannot be reached (or refuses the
//!   headers) ends the bridge at start with a message on stderr ([`BridgeError::Unreachable`],
//!   exit 1), within the connect timeout, before any client waits on it. The stdio client then
//!   gets the remote's own `initialize` answer.
//! - Requests both ways are forwarded with their `_meta`, cursors and arguments unchanged;
//!   answers and JSON-RPC errors come back as they came. Progress tokens are mapped back;
//!   cancelling a request cancels the forwarded one. Notifications pass both ways.
//! - The session with the remote is opened before the stdio client says what it supports, so
//!   the bridge declares no client capabilities (roots, sampling, elicitation) to the remote; a
//!   server request that arrives anyway is passed to the stdio client.
//! - Over SSE the same holds; the session ends when the server ends its event stream (no
//!   resumption: the 2024-11-05 transport has none).
//! - Header values (resolved by the caller, [`SecretValue`]) are marked sensitive, so no
//!   `Debug` of a header prints them, and no message of this module names one; redirects are
//!   followed only to the same origin (307/308), and an SSE message endpoint must be on the SSE
//!   URL's origin, so the headers never go to another host.
//!
//! stdout carries only protocol messages; logs go through `tracing` to stderr.

mod forward;
mod local;

pub use forward::CANCELLED_REPLY;
pub(crate) use forward::chain as error_chain;
mod remote;
pub(crate) mod sse;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use orchestrator::secrets::SecretValue;
use rmcp::ServiceExt as _;
use rmcp::model::{
    ClientCapabilities, ClientConfig, Implementation, ProtocolVersion, SKILLS_EXTENSION_ID, ServerConfig,
    ServerPeerInfo, TASKS_EXTENSION_ID,
};
use rmcp::service::{ClientInitializeError, Peer, RoleServer};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

use self::forward::Tokens;

/// The default `--connect-timeout`: how long the bridge waits at start for the remote's
/// `initialize` answer (TCP and TLS included).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most redirects followed for one request (same origin, 307/308 only).
const MAX_REDIRECTS: usize = 10;

/// The transport the remote server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RemoteTransport {
    /// Streamable HTTP (protocol 2025-03-26 and later).
    #[default]
    Http,
    /// HTTP+SSE (protocol 2024-11-05): an event stream and a message endpoint.
    Sse,
}

/// What the bridge needs.
pub struct BridgeOptions {
    /// The remote server's endpoint (http or https): the streamable-HTTP one, or the SSE one.
    pub url: String,
    /// The transport it speaks.
    pub transport: RemoteTransport,
    /// Headers sent with every request, values resolved (never printed).
    pub headers: Vec<(String, SecretValue)>,
    /// Longest wait for the remote's `initialize` answer at start.
    pub connect_timeout: Duration,
}

/// Why the bridge did not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// A bad URL or header (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The remote server could not be reached, refused the bridge, or closed the session
    /// (exit 1).
    #[error("{0}")]
    Unreachable(String),
    /// The runtime or stdio could not be set up (exit 1).
    #[error("{0}")]
    Io(String),
}

/// State both sides share.
#[derive(Default)]
struct Shared {
    /// The stdio client's peer, once it has initialized.
    local: OnceLock<Peer<RoleServer>>,
    /// Tokens of requests sent to the remote → the stdio client's.
    to_local: Tokens,
    /// Tokens of requests sent to the stdio client → the remote's.
    to_remote: Tokens,
}

/// The URL if the bridge can use it: absolute http or https with a host.
pub fn check_url(url: &str) -> Result<reqwest::Url, BridgeError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| BridgeError::Usage(format!("{url}: not a URL ({e}); give the server's http(s)://HOST/PATH")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(BridgeError::Usage(format!(
            "{url}: the bridge speaks HTTP only (streamable HTTP or SSE); give an http:// or https:// URL"
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(BridgeError::Usage(format!("{url}: no host; give the server's http(s)://HOST/PATH")));
    }
    Ok(parsed)
}

/// The headers as HTTP headers, values marked sensitive. A bad name or value is named by the
/// header's name only.
fn header_map(headers: &[(String, SecretValue)]) -> Result<HashMap<http::HeaderName, http::HeaderValue>, BridgeError> {
    let mut map = HashMap::new();
    for (name, value) in headers {
        let header = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            BridgeError::Usage(format!("--header {name}: not a valid HTTP header name; give NAME=VALUE"))
        })?;
        let mut value = http::HeaderValue::from_str(value.expose()).map_err(|_| {
            BridgeError::Usage(format!(
                "--header {name}: its value (once resolved) holds characters an HTTP header cannot carry (such as a line break)"
            ))
        })?;
        value.set_sensitive(true);
        if map.insert(header, value).is_some() {
            return Err(BridgeError::Usage(format!("--header {name} is given twice; give each header once")));
        }
    }
    Ok(map)
}

/// The HTTP client: a connect timeout, no idle pool (rmcp's choice: no stalls on reuse),
/// same-origin 307/308 redirects only.
fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, BridgeError> {
    // rustls with ring: no OpenSSL. Installed once per process; a second install is refused
    // harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        let keeps_body = matches!(
            attempt.status(),
            reqwest::StatusCode::TEMPORARY_REDIRECT | reqwest::StatusCode::PERMANENT_REDIRECT
        );
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if !keeps_body || !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .pool_max_idle_per_host(0)
        .redirect(redirects)
        .build()
        .map_err(|e| BridgeError::Io(format!("cannot set up the HTTP client: {}", forward::chain(&e))))
}

/// What the bridge says of itself to the remote server.
fn client_info() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("mcp-orchestration-bridge", env!("CARGO_PKG_VERSION")),
    )
    .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
}

/// Why the remote session could not be opened, as the user should read it.
fn start_error(url: &str, error: &ClientInitializeError) -> BridgeError {
    if error.auth_challenge().is_some() {
        return sse::refused(url);
    }
    // The transport's own error, without rmcp's wrapper naming its types.
    let cause = match error {
        ClientInitializeError::TransportError { error, .. } => forward::chain(error.error.as_ref()),
        other => forward::chain(other),
    };
    BridgeError::Unreachable(format!("cannot open an MCP session with {url}: {cause}"))
}

/// Opens the remote session, then serves stdio until the client closes stdin (Ok) or the
/// remote session ends (an error).
pub fn run(options: BridgeOptions) -> Result<(), BridgeError> {
    let parsed = check_url(&options.url)?;
    let headers = header_map(&options.headers)?;
    let client = http_client(options.connect_timeout)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BridgeError::Io(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(bridge(parsed, options.transport, headers, client, options.connect_timeout))
}

async fn bridge(
    parsed: reqwest::Url,
    transport: RemoteTransport,
    headers: HashMap<http::HeaderName, http::HeaderValue>,
    client: reqwest::Client,
    connect_timeout: Duration,
) -> Result<(), BridgeError> {
    let url = parsed.to_string();
    let shared = Arc::new(Shared::default());
    let service = remote::Remote { shared: Arc::clone(&shared), info: client_info() };
    let open = async {
        match transport {
            RemoteTransport::Http => {
                let config = StreamableHttpClientTransportConfig::with_uri(url.as_str())
                    .custom_headers(headers)
                    .reinit_on_expired_session(true);
                let transport = StreamableHttpClientTransport::with_client(client, config);
                service.serve(transport).await.map_err(|e| start_error(&url, &e))
            }
            RemoteTransport::Sse => {
                let transport = sse::connect(client, &parsed, headers.into_iter().collect()).await?;
                service.serve(transport).await.map_err(|e| start_error(&url, &e))
            }
        }
    };
    let remote = match tokio::time::timeout(connect_timeout, open).await {
        Ok(Ok(remote)) => remote,
        Ok(Err(e)) => return Err(e),
        Err(_) if transport == RemoteTransport::Sse => {
            return Err(BridgeError::Unreachable(format!(
                "{url} did not name its message endpoint and answer `initialize` within {} s (--connect-timeout)",
                connect_timeout.as_secs_f64()
            )));
        }
        Err(_) => {
            return Err(BridgeError::Unreachable(format!(
                "{url} did not answer `initialize` within {} s (--connect-timeout)",
                connect_timeout.as_secs_f64()
            )));
        }
    };
    let Some(info) = remote.peer().peer_info() else {
        return Err(BridgeError::Unreachable(format!("{url} gave no initialize result")));
    };
    tracing::debug!(version = %info.protocol_version, "bridge: remote session open");
    let handler = local::Local { remote: remote.peer().clone(), info: Arc::new(mirrored(&info)), shared };
    let (read, write) = rmcp::transport::stdio_pipes();
    let local = match handler.serve(crate::stdio::LineTransport::new(read, write)).await {
        Ok(local) => local,
        // A client that closes stdin before `initialize` (a host probing that it starts).
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => {
            let _ = remote.cancel().await;
            return Ok(());
        }
        Err(e) => {
            let _ = remote.cancel().await;
            return Err(BridgeError::Io(format!("the stdio session failed: {e}")));
        }
    };
    let (remote_closed, local_closed) = (remote.cancellation_token(), local.cancellation_token());
    let mut local_done = std::pin::pin!(local.waiting());
    let mut remote_done = std::pin::pin!(remote.waiting());
    let stdin_closed = tokio::select! {
        _ = &mut local_done => true,
        _ = &mut remote_done => false,
    };
    if stdin_closed {
        // The client is gone: end the remote session too (rmcp deletes it on the server).
        remote_closed.cancel();
        let _ = remote_done.await;
        Ok(())
    } else {
        local_closed.cancel();
        let _ = local_done.await;
        Err(BridgeError::Unreachable(format!("{url} closed the MCP session")))
    }
}

/// The remote's `initialize` answer as the bridge gives it: extensions whose methods the
/// bridge does not forward (tasks, skills) left out.
fn mirrored(remote: &ServerPeerInfo) -> ServerConfig {
    let mut capabilities = remote.capabilities.clone();
    if let Some(extensions) = capabilities.extensions.as_mut() {
        extensions.retain(|id, _| id != TASKS_EXTENSION_ID && id != SKILLS_EXTENSION_ID);
        if extensions.is_empty() {
            capabilities.extensions = None;
        }
    }
    let mut info = ServerConfig::new(capabilities);
    info.protocol_version = remote.protocol_version.clone();
    info.server_info = remote
        .server_info
        .clone()
        .unwrap_or_else(|| Implementation::new("mcp-orchestration-bridge", env!("CARGO_PKG_VERSION")));
    info.instructions = remote.instructions.clone();
    info.meta = remote.meta.clone();
    info
}

#[cfg(test)]
mod tests {
    use orchestrator::secrets::SecretValue;
    use rmcp::model::{ProtocolVersion, ServerCapabilities, ServerPeerInfo, TASKS_EXTENSION_ID};

    use super::{BridgeError, SKILLS_EXTENSION_ID, check_url, header_map, mirrored};

    #[test]
    fn the_initialize_answer_is_the_remotes_without_the_extensions_not_forwarded() {
        let mut capabilities = ServerCapabilities::builder().enable_tools().enable_prompts().build();
        capabilities.extensions = Some(
            [TASKS_EXTENSION_ID, SKILLS_EXTENSION_ID, "io.modelcontextprotocol/apps"]
                .into_iter()
                .map(|id| (id.to_owned(), serde_json::Map::new()))
                .collect(),
        );
        let remote = ServerPeerInfo::new(ProtocolVersion::V_2025_06_18, capabilities)
            .with_server_info(rmcp::model::Implementation::new("remote", "2.0"))
            .with_instructions("use it well");
        let info = mirrored(&remote);
        assert_eq!(info.protocol_version, ProtocolVersion::V_2025_06_18);
        assert_eq!((info.server_info.name.as_str(), info.server_info.version.as_str()), ("remote", "2.0"));
        assert_eq!(info.instructions.as_deref(), Some("use it well"));
        assert!(info.capabilities.tools.is_some() && info.capabilities.prompts.is_some());
        assert!(info.capabilities.resources.is_none());
        let kept: Vec<&String> = info.capabilities.extensions.as_ref().expect("extensions").keys().collect();
        assert_eq!(kept, ["io.modelcontextprotocol/apps"]);
    }

    #[test]
    fn header_values_are_sensitive_so_no_debug_output_shows_them() {
        let headers = header_map(&[("Authorization".to_owned(), SecretValue::new("Bearer sk-canary-51".to_owned()))])
            .expect("valid header");
        let shown = format!("{headers:?}");
        assert!(!shown.contains("sk-canary-51") && shown.contains("Sensitive"), "{shown}");
    }

    #[test]
    fn a_header_name_that_http_cannot_carry_is_a_usage_error_naming_it() {
        let Err(BridgeError::Usage(message)) = header_map(&[("Bad Name".to_owned(), SecretValue::new("v".to_owned()))])
        else {
            panic!("a space in a header name is refused");
        };
        assert!(message.contains("--header Bad Name") && message.contains("not a valid HTTP header name"), "{message}");
    }

    #[test]
    fn a_url_needs_http_or_https_and_a_host() {
        assert!(check_url("https://mcp.example.com/mcp").is_ok());
        assert!(check_url("http://127.0.0.1:8765/mcp").is_ok());
        for bad in ["file:///etc/passwd", "unix:/tmp/socket", "http://", "mcp.example.com"] {
            assert!(matches!(check_url(bad), Err(BridgeError::Usage(_))), "{bad}");
        }
    }
}
