//! `serve --http ADDR`: MCP over streamable HTTP at `/mcp`.
//!
//! - **Address.** `PORT`, `:PORT`, `HOST:PORT`; the host defaults to `127.0.0.1`. Port 0 picks a
//!   free port; the line `listening on http://ADDR/mcp` on stderr says which.
//! - **REST API.** `/v1` ([`crate::rest`]): GET (and verify/diff) need a `read` or `write`
//!   token, other POSTs a `write` token; `/mcp` needs a `write` token (the MCP token is one).
//!   Failures there are problem documents; the same Host/Origin rules apply. No CORS headers
//!   unless `--cors-origin ORIGIN` names origins: those (exactly, never `*`) may then call `/v1`
//!   from a browser (preflight answered, `Authorization`, `Content-Type` and `If-None-Match`
//!   allowed, `ETag` and `Retry-After` exposed) and pass the Origin check there.
//! - **Dashboard.** `/` and its pages ([`crate::dashboard`]): logged in with the same tokens
//!   through a session cookie, with CSRF tokens and a same-origin check on every POST; the same
//!   Host/Origin rules apply (no CORS origins there).
//! - **Authentication.** Every request to `/mcp` and `/v1` needs `Authorization: Bearer TOKEN` (401 otherwise) with a
//!   token whose SHA-256 is stored in the home ([`crate::auth`]); the server prints the path of
//!   the token file, never the token. Wrong tokens are limited per address
//!   ([`crate::ratelimit`]: 429 once the burst is spent); a request without a token guesses
//!   nothing and always gets 401. `--no-auth` turns this off and is refused unless the address
//!   is a loopback one.
//! - **DNS rebinding.** The `Host` header must name the bound address or a loopback name
//!   (`localhost`, `127.0.0.1`, `::1`) and a present `Origin` must be a loopback origin
//!   (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`); otherwise 403 (rmcp's checks).
//! - **Limits.** Request bodies over [`MAX_BODY_BYTES`] get 413; a request whose response has not
//!   started within [`REQUEST_TIMEOUT`] gets 408; a connection whose request headers have not all
//!   arrived within the header timeout (`--header-timeout`, [`DEFAULT_HEADER_TIMEOUT`]) is
//!   closed, so slow clients cannot hold connections open (hyper starts that clock as soon as
//!   it waits for a request, so an idle keep-alive connection is closed after the same time);
//!   an MCP session idle for 5 minutes ends ([`crate::session`]: rmcp's session rules).
//! - **Sockets.** TCP_NODELAY on every accepted connection (without it each response waited for
//!   the peer's delayed ACK, ~40 ms). Connections are served by hyper's HTTP/1.1 server with a
//!   timer (axum's `serve` sets none, which turns hyper's header timeout off); on Ctrl-C or
//!   SIGTERM the listener closes and open connections get [`SHUTDOWN_GRACE`] to finish.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orchestrator::Orchestrator;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::auth::{self, Scope, TokenVerifier};
pub use crate::http_protocol::Timeouts;
use crate::ratelimit::FailureLimiter;
use crate::rest::problem::Problem;
use crate::session::{DirectSessionManager, SessionConfig};
use crate::{McpServer, http_protocol};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Longest wait for a response to start.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a request's headers, unless `--header-timeout` says otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections (event streams included) get to finish on shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How `serve --http` was asked to run.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// `PORT`, `:PORT` or `HOST:PORT`.
    pub addr: String,
    /// No bearer token required (loopback only).
    pub no_auth: bool,
    /// Longest wait for a request's headers before the connection is closed.
    pub header_timeout: Duration,
    /// `--project-dir` directories (see [`crate::file_rule`]).
    pub project_dirs: Vec<std::path::PathBuf>,
    /// `--cors-origin` origins allowed to call `/v1` from a browser (none: no CORS).
    pub cors_origins: Vec<String>,
}

/// Why the options were refused before anything was bound (the CLI maps these to exit codes).
#[derive(Debug)]
pub enum OptionsError {
    /// The address does not parse (usage, exit 2).
    BadAddress(String),
    /// `--no-auth` off loopback (unsafe, exit 10).
    NoAuthOffLoopback(String),
    /// A `--cors-origin` that is not an origin (usage, exit 2).
    BadCorsOrigin(String),
}

impl std::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptionsError::BadAddress(a) => {
                write!(f, "--http {a:?} is not an address: give PORT, :PORT or HOST:PORT (e.g. 127.0.0.1:8765)")
            }
            OptionsError::NoAuthOffLoopback(a) => write!(
                f,
                "refused --no-auth on {a}: without a token anyone who can reach that address can deploy \
                 configs; bind to 127.0.0.1 or drop --no-auth"
            ),
            OptionsError::BadCorsOrigin(o) => write!(
                f,
                "--cors-origin {o:?} is not an origin: give a scheme, host and optional port with nothing after \
                 them (e.g. https://ci.example.com or http://localhost:3000); `*` is not accepted"
            ),
        }
    }
}

impl std::error::Error for OptionsError {}

/// Parses the address (host defaults to 127.0.0.1; `localhost` is 127.0.0.1).
pub fn parse_addr(addr: &str) -> Result<SocketAddr, OptionsError> {
    let bad = || OptionsError::BadAddress(addr.to_owned());
    let addr = addr.trim();
    if let Ok(port) = addr.trim_start_matches(':').parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    if let Ok(socket) = addr.parse::<SocketAddr>() {
        return Ok(socket);
    }
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    Err(bad())
}

/// Whether `origin` is a serialized origin: `http` or `https`, a host, an optional port, and
/// nothing else (what browsers send in `Origin`).
fn is_origin(origin: &str) -> bool {
    let Ok(uri) = origin.parse::<axum::http::Uri>() else { return false };
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else { return false };
    matches!(scheme, "http" | "https")
        && !authority.as_str().contains('@')
        && !authority.host().is_empty()
        && origin == format!("{scheme}://{authority}")
}

/// Checks the options: the address parses, `--no-auth` is only used on loopback, and every
/// `--cors-origin` is an origin.
pub fn check_options(options: &HttpOptions) -> Result<SocketAddr, OptionsError> {
    if let Some(bad) = options.cors_origins.iter().find(|o| !is_origin(o)) {
        return Err(OptionsError::BadCorsOrigin(bad.clone()));
    }
    let socket = parse_addr(&options.addr)?;
    if options.no_auth && !socket.ip().is_loopback() {
        return Err(OptionsError::NoAuthOffLoopback(socket.to_string()));
    }
    Ok(socket)
}

/// The authentication state of the `/mcp` route.
#[derive(Clone, Debug)]
enum Auth {
    Required(Arc<TokenVerifier>, Arc<FailureLimiter>),
    Off,
}

/// The address of the peer of a connection (set per connection by [`serve_connections`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// Whether the request is for the REST API (problem documents, scopes by method).
fn is_rest(request: &Request) -> bool {
    let path = request.uri().path();
    path == "/v1" || path.starts_with("/v1/")
}

/// The scope a request needs: `read` for GET/HEAD and the read-only POSTs of `/v1`, `write`
/// for everything else (`/mcp` included: its tools write).
fn needed_scope(request: &Request) -> Scope {
    let method = request.method();
    if is_rest(request)
        && (method == axum::http::Method::GET
            || method == axum::http::Method::HEAD
            || crate::rest::is_read_only_post(request.uri().path()))
    {
        Scope::Read
    } else {
        Scope::Write
    }
}

async fn require_token(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    let Auth::Required(verifier, limiter) = auth else {
        return next.run(request).await;
    };
    let rest = is_rest(&request);
    let addr = request.extensions().get::<ClientAddr>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.0);
    let presented = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(auth::bearer);
    let now = std::time::Instant::now();
    // A valid token is never limited or slowed.
    if let Some(scope) = presented.and_then(|token| verifier.scope_of(token)) {
        if scope < needed_scope(&request) {
            let detail = "this token has the read scope; this endpoint changes things and needs a write token \
                          (`mcp-orchestration tokens create --name NAME --scope write`)";
            if rest {
                return Problem::http("forbidden", "Forbidden", StatusCode::FORBIDDEN, detail).into_response();
            }
            return (StatusCode::FORBIDDEN, format!("403 Forbidden: {detail}\n")).into_response();
        }
        return next.run(request).await;
    }
    // Only a presented token that is wrong counts as a failure: a request without one guesses
    // nothing, and refusing it costs what throttling it would.
    if presented.is_some()
        && let Some(retry_after) = limiter.blocked(addr, now)
    {
        if rest {
            let mut problem = Problem::http(
                "too-many-requests",
                "Too many requests",
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many requests with a wrong or missing token from this address; retry in {retry_after} s with a valid token"
                ),
            );
            problem.retry_after = Some(retry_after);
            return problem.into_response();
        }
        return too_many(retry_after);
    }
    if presented.is_some() {
        limiter.failed(addr, now);
    }
    if rest {
        return Problem::http(
            "unauthorized",
            "Unauthorized",
            StatusCode::UNAUTHORIZED,
            "send `Authorization: Bearer TOKEN` with a token from `mcp-orchestration tokens create` or the file \
             `mcp-orchestration serve --http` names on start",
        )
        .into_response();
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "401 Unauthorized: send `Authorization: Bearer TOKEN` with the token from the file that \
         `mcp-orchestration serve --http` names on start\n",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"mcp-orchestration\""));
    response
}

/// What the `/v1` Host/Origin check allows: the `Host` names (None: any) and the
/// `--cors-origin` origins besides loopback ones.
#[derive(Debug, Clone)]
struct Allowed {
    hosts: Option<Vec<String>>,
    cors_origins: Vec<String>,
}

/// The DNS-rebinding checks of `/mcp` (rmcp's) for `/v1`: the `Host` must be one of `hosts`
/// (any, when bound to every interface) and a present `Origin` a loopback origin or one of the
/// `--cors-origin` origins.
async fn check_host_origin(State(allowed): State<Arc<Allowed>>, request: Request, next: Next) -> Response {
    let forbidden =
        |detail: String| Problem::http("forbidden", "Forbidden", StatusCode::FORBIDDEN, detail).into_response();
    if let Some(hosts) = allowed.hosts.as_ref() {
        let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let name = match host.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return forbidden(format!("Host {host:?} is not this server's address or a loopback name"));
        }
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let loopback =
            ["http://localhost:", "http://127.0.0.1:", "http://[::1]:"].iter().any(|p| origin.starts_with(p));
        if !loopback && !allowed.cors_origins.iter().any(|o| o == origin) {
            return forbidden(format!("Origin {origin:?} is not a loopback origin"));
        }
    }
    next.run(request).await
}

/// 429 with `Retry-After` for an address that sent too many bad tokens.
fn too_many(retry_after: u64) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "429 Too Many Requests: too many requests with a wrong or missing token from this address; retry in \
             {retry_after} s with the token from the file `mcp-orchestration serve --http` names on start\n"
        ),
    )
        .into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The names a `Host` header may carry: loopback names and the bound address (None: bound to
/// every interface, no check).
fn allowed_hosts(bound: SocketAddr) -> Option<Vec<String>> {
    let ip = bound.ip();
    if ip.is_unspecified() {
        return None;
    }
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if !hosts.contains(&ip.to_string()) {
        hosts.push(ip.to_string());
    }
    Some(hosts)
}

/// The rmcp configuration: loopback hosts (plus the bound address), loopback origins, body limit.
fn mcp_config(bound: SocketAddr, cancel: CancellationToken) -> StreamableHttpServerConfig {
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    let ip = bound.ip();
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"])
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_cancellation_token(cancel);
    // Events are re-framed by `http_protocol`, which sends the keep-alive comments itself.
    config.sse_keep_alive = None;
    if ip.is_unspecified() {
        // Bound to every interface: names other machines use are unknown here, so the Host check
        // is off; the bearer token (required off loopback) is what protects the server.
        tracing::warn!("bound to {ip}: Host header checks are off; the bearer token protects the server");
        return config.disable_allowed_hosts();
    }
    // The bound address itself, loopback or not (127.0.0.2 must accept `Host: 127.0.0.2:PORT`).
    if !hosts.contains(&ip.to_string()) {
        hosts.push(ip.to_string());
    }
    config.with_allowed_hosts(hosts)
}

/// The router: `/mcp` and the REST API `/v1` ([`crate::rest`]) behind the token check, and the
/// dashboard at `/` ([`crate::dashboard`]: its own session login), all behind the body limit
/// and timeout. `auth: None` is `--no-auth`.
pub fn router(
    core: Orchestrator,
    bound: SocketAddr,
    auth: Option<TokenVerifier>,
    cancel: CancellationToken,
    project_dirs: Vec<std::path::PathBuf>,
    cors_origins: &[String],
    timeouts: Timeouts,
) -> axum::Router {
    let server = McpServer::new(core).with_project_dirs(project_dirs.clone());
    let rest_state =
        crate::rest::RestState::new(Arc::clone(&server.core), (*server.facts).clone(), (*server.path_dirs).clone())
            .with_project_dirs(project_dirs);
    let allowed = Allowed { hosts: allowed_hosts(bound), cors_origins: cors_origins.to_vec() };
    // The request timeout: a layer here for `/v1` and the dashboard; `/mcp`'s is kept by
    // `http_protocol` (one timer per request, the same one as its wait for a JSON answer).
    let timeout = || tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT);
    let rest = crate::rest::router(rest_state)
        .layer(axum::middleware::from_fn_with_state(Arc::new(allowed), check_host_origin))
        .layer(timeout());
    // The dashboard logs in with the same tokens (a session cookie) and checks its own origin.
    let dashboard_state = crate::dashboard::DashState::new(
        Arc::clone(&server.core),
        (*server.facts).clone(),
        (*server.path_dirs).clone(),
        auth.clone(),
    );
    let dashboard = crate::dashboard::router(dashboard_state)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(Allowed { hosts: allowed_hosts(bound), cors_origins: Vec::new() }),
            check_host_origin,
        ))
        .layer(timeout());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(DirectSessionManager::new(SessionConfig {
            keep_alive: Some(timeouts.session_idle),
            ..SessionConfig::default()
        })),
        mcp_config(bound, cancel),
    );
    let auth = match auth {
        Some(verifier) => Auth::Required(Arc::new(verifier), Arc::new(FailureLimiter::default())),
        None => Auth::Off,
    };
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(timeouts, http_protocol::layer))
        .merge(rest)
        .layer(axum::middleware::from_fn_with_state(auth, require_token))
        .merge(dashboard)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    match cors(cors_origins) {
        Some(layer) => app.layer(layer),
        None => app,
    }
}

/// The CORS layer of `--cors-origin` (None without it: no CORS headers at all). Outside the
/// token check, so a preflight (which carries no token) is answered; only `/v1` gets the
/// headers.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::Method;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    let allow = AllowOrigin::predicate(move |origin, parts| {
        let path = parts.uri.path();
        (path == "/v1" || path.starts_with("/v1/")) && origins.contains(origin)
    });
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH])
            .expose_headers([header::ETAG, header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

/// Binds, prints where the token is and where the server listens (stderr), and serves until
/// Ctrl-C or SIGTERM.
pub async fn run(core: Orchestrator, options: HttpOptions) -> anyhow::Result<()> {
    let socket = check_options(&options)?;
    let verifier = if options.no_auth {
        None
    } else {
        let setup = auth::ensure_token(core.home())?;
        let verb = if setup.created { "created" } else { "using" };
        eprintln!(
            "mcp-orchestration: bearer token {verb}: read it from {} (hashes in {})",
            setup.files.token.display(),
            setup.files.hashes.display()
        );
        Some(setup.verifier.with_scoped_tokens(core.home()))
    };
    let listener = tokio::net::TcpListener::bind(socket).await.with_context(|| format!("cannot listen on {socket}"))?;
    let bound = listener.local_addr()?;
    if options.no_auth {
        tracing::warn!("--no-auth: requests to {bound} need no token");
    }
    let cancel = CancellationToken::new();
    let app = router(
        core,
        bound,
        verifier,
        cancel.child_token(),
        options.project_dirs.clone(),
        &options.cors_origins,
        Timeouts::default(),
    );
    eprintln!("mcp-orchestration: listening on http://{bound}/mcp");
    // On a signal, end the MCP sessions (and their event streams) first, then the connections.
    let stop = async move {
        shutdown_signal().await;
        cancel.cancel();
    };
    serve_connections(listener, app, options.header_timeout, stop).await;
    Ok(())
}

/// Accepts connections until `shutdown` completes, serving each with HTTP/1.1 (keep-alive, a
/// header timeout, TCP_NODELAY); then lets open connections finish for [`SHUTDOWN_GRACE`].
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
        let app = tower_http::add_extension::AddExtension::new(app.clone(), ClientAddr(peer.ip()));
        let service = hyper_util::service::TowerToHyperService::new(app);
        let connection = graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}: closing them");
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
