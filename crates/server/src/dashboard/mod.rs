//! The web dashboard at `/` of `serve --http`: server-rendered HTML pages (maud), one small
//! embedded stylesheet, script and icon, no CDN, nothing fetched at run time. A thin adapter like
//! the REST API and the MCP tools: every page calls the same `Orchestrator` operations they
//! call (status, diff, history, catalog, events, deploy, rollback, sync, draft publish, add)
//! and shows what those return, redaction included; it computes nothing of its own.
//!
//! - [`session`]: login by pasting a token (the scoped tokens of `/v1` or the MCP token), an
//!   `HttpOnly; SameSite=Strict` session cookie, a per-session CSRF token on every POST,
//!   same-origin checks, logout.
//! - [`layout`]: the page shell (landmarks, navigation, badges), error pages, the assets.
//! - [`overview`], [`client`], [`profile`], [`catalog`], [`events`]: one module per page.
//! - [`actions`]: deploy, rollback, sync and draft publish: a confirmation page with the dry
//!   run's diff (GET), then the action (POST, write token and CSRF token).
//! - [`diffview`]: the core's unified diff text shown unified or side by side.
//!
//! Every response carries a strict Content-Security-Policy (`default-src 'self'`, no inline
//! script or style), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//! `Referrer-Policy: same-origin` (with `no-referrer` a browser sends `Origin: null` on the
//! forms' POSTs) and `Cache-Control: no-store`.

mod actions;
mod catalog;
mod client;
mod diffview;
mod events;
mod layout;
mod overview;
mod profile;
pub mod session;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use orchestrator::Orchestrator;
use orchestrator::service::ClientFile;

use self::layout::PageError;
pub use self::session::Sessions;
use crate::auth::TokenVerifier;

/// What every page needs: the core, this machine's facts and PATH, and the sessions.
#[derive(Clone)]
pub struct DashState {
    core: Arc<Orchestrator>,
    facts: Arc<dialects::HostFacts>,
    path_dirs: Arc<Vec<PathBuf>>,
    sessions: Arc<Sessions>,
}

impl DashState {
    /// A state over this core; `verifier: None` is `--no-auth` (any pasted token logs in).
    pub fn new(
        core: Arc<Orchestrator>,
        facts: dialects::HostFacts,
        path_dirs: Vec<PathBuf>,
        verifier: Option<TokenVerifier>,
    ) -> Self {
        DashState {
            core,
            facts: Arc::new(facts),
            path_dirs: Arc::new(path_dirs),
            sessions: Arc::new(Sessions::new(verifier)),
        }
    }

    /// Runs `work` on the blocking pool (the core reads and writes files).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Orchestrator, &dialects::HostFacts, &[PathBuf]) -> Result<T, PageError> + Send + 'static,
    ) -> Result<T, PageError> {
        let (core, facts, path_dirs) = (Arc::clone(&self.core), Arc::clone(&self.facts), Arc::clone(&self.path_dirs));
        tokio::task::spawn_blocking(move || work(&core, &facts, &path_dirs)).await.map_err(|_| {
            PageError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "the request failed unexpectedly")
        })?
    }
}

/// The client file a page is about: `file` when it is one of the client's detected files on
/// this machine, else the client's first detected file. Nothing else is ever opened, so a
/// page cannot be pointed at an arbitrary path.
fn detected_file(facts: &dialects::HostFacts, client: &str, file: Option<&str>) -> Result<ClientFile, PageError> {
    let files: Vec<ClientFile> =
        crate::host::detected_files(facts).into_iter().filter(|f| f.client_id == client).collect();
    let found = match file {
        Some(path) => files.into_iter().find(|f| f.path.to_str() == Some(path)),
        None => files.into_iter().next(),
    };
    found.ok_or_else(|| {
        PageError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!(
                "no config file of client {client:?} was detected on this machine{}: the overview lists the detected ones",
                if file.is_some() { " at that path" } else { "" }
            ),
        )
    })
}

/// The scope (`user`, `project`, `local`) of a detected client file.
fn scope_of(facts: &dialects::HostFacts, file: &ClientFile) -> &'static str {
    dialects::find(&file.client_id)
        .and_then(|c| c.config_paths(facts).into_iter().find(|l| l.path == file.path && l.placement == file.placement))
        .map_or("user", |l| l.scope.as_str())
}

/// Percent-encodes a query or path component.
fn enc(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Adds the security headers to every dashboard response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'; object-src 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The dashboard's routes (no fallback: other paths reach the server's own).
pub fn router(state: DashState) -> axum::Router {
    axum::Router::new()
        .route("/", get(overview::page))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/clients/{client}", get(client::page))
        .route("/clients/{client}/deploy", get(actions::deploy_confirm).post(actions::deploy))
        .route("/clients/{client}/rollback", get(actions::rollback_confirm).post(actions::rollback))
        .route("/sync", get(actions::sync_confirm).post(actions::sync))
        .route("/profiles", get(profile::list))
        .route("/profiles/{subject}/{profile}", get(profile::page))
        .route("/profiles/{subject}/{profile}/publish", get(actions::publish_confirm).post(actions::publish))
        .route("/catalog", get(catalog::page))
        .route("/catalog/add", post(catalog::add))
        .route("/events", get(events::page))
        .route("/assets/dashboard.css", get(layout::css))
        .route("/assets/dashboard.js", get(layout::js))
        .route("/assets/favicon.svg", get(layout::icon))
        .layer(axum::middleware::from_fn(session::same_origin))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}
