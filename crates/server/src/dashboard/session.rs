//! Dashboard sessions: login by pasting a token, the session cookie, CSRF tokens, logout.
//!
//! - **Login.** `POST /login` with a token that `/v1` accepts (`tokens create --scope
//!   read|write`, or the MCP token, which has the write scope); a wrong one counts against
//!   the address like a wrong bearer token ([`crate::ratelimit`]) and gets 401 (429 when the
//!   address has no failure left). The login form is protected by a double-submit token (a
//!   random cookie `mcpo_login`, `Path=/login`, echoed in the form).
//! - **The session.** A random 256-bit id in the cookie `mcpo_session` (`HttpOnly;
//!   SameSite=Strict; Path=/`, `Secure` when the request came over TLS), 12 hours at most. The
//!   server keeps, per session (by the SHA-256 of its id, so a lookup leaks nothing through
//!   timing), the token and a random CSRF token; every request asks the token verifier again,
//!   so a revoked token ends its sessions at once. At most [`MAX_SESSIONS`] are kept (the
//!   oldest goes first).
//! - **Every POST** must carry the session's CSRF token in the form field `csrf` (compared in
//!   constant time) and, when the browser sends them, an `Origin` equal to the server's own
//!   and a `Sec-Fetch-Site` of `same-origin` ([`same_origin`]); otherwise 403. Actions need a
//!   session of the write scope (403 otherwise).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::{Form, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::DashState;
use super::layout::{self, PageError};
use crate::auth::{Scope, TokenVerifier};
use crate::http::ClientAddr;
use crate::ratelimit::FailureLimiter;

/// The session cookie.
pub const SESSION_COOKIE: &str = "mcpo_session";
/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "mcpo_login";
/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept at once.
pub const MAX_SESSIONS: usize = 256;

struct Session {
    /// The token pasted at login (None with `--no-auth`).
    token: Option<String>,
    csrf: String,
    created: Instant,
}

/// The sessions of a running server.
pub struct Sessions {
    verifier: Option<TokenVerifier>,
    limiter: FailureLimiter,
    map: Mutex<HashMap<[u8; 32], Session>>,
}

/// Who is looking: the scope of the session's token and its CSRF token.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// What the session may do.
    pub scope: Scope,
    /// The token every form of this session carries.
    pub csrf: String,
    key: [u8; 32],
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    hex::encode(bytes)
}

fn key_of(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(n, v)| (n == name).then_some(v))
}

/// Whether the request came over TLS (a proxy in front says so): the cookie is then `Secure`.
fn over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl Sessions {
    /// No sessions yet; `verifier: None` is `--no-auth`.
    pub fn new(verifier: Option<TokenVerifier>) -> Self {
        Sessions { verifier, limiter: FailureLimiter::default(), map: Mutex::new(HashMap::new()) }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The scope of a pasted token (`write` for anything with `--no-auth`).
    fn scope_of(&self, token: Option<&str>) -> Option<Scope> {
        match &self.verifier {
            None => Some(Scope::Write),
            Some(verifier) => verifier.scope_of(token?),
        }
    }

    /// A new session for a token; returns its id (the cookie's value).
    fn create(&self, token: Option<String>) -> String {
        let id = random_hex();
        let mut map = self.map();
        let now = Instant::now();
        map.retain(|_, s| now.duration_since(s.created) < SESSION_TTL);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.created).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        map.insert(key_of(&id), Session { token, csrf: random_hex(), created: now });
        id
    }

    /// The viewer of a session id: None when unknown, expired or its token no longer works.
    fn viewer(&self, id: &str) -> Option<Viewer> {
        let key = key_of(id);
        let (token, csrf) = {
            let mut map = self.map();
            let session = map.get(&key)?;
            if session.created.elapsed() >= SESSION_TTL {
                map.remove(&key);
                return None;
            }
            (session.token.clone(), session.csrf.clone())
        };
        match self.scope_of(token.as_deref()) {
            Some(scope) => Some(Viewer { scope, csrf, key }),
            None => {
                self.map().remove(&key);
                None
            }
        }
    }

    fn remove(&self, key: &[u8; 32]) {
        self.map().remove(key);
    }
}

impl Viewer {
    /// Whether the session may run actions.
    pub fn can_write(&self) -> bool {
        self.scope == Scope::Write
    }

    /// Checks a POST's CSRF token, and the write scope when `write`.
    pub fn check(&self, csrf: &str, write: bool) -> Result<(), PageError> {
        if !same(csrf, &self.csrf) {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "the form's CSRF token is missing or is not this session's: reload the page and try again",
            ));
        }
        if write && !self.can_write() {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "this session's token has the read scope; actions need a write token \
                 (`mcp-orchestration tokens create --name NAME --scope write`, then log in with it)",
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<DashState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &DashState) -> Result<Self, Self::Rejection> {
        if let Some(viewer) = cookie(&parts.headers, SESSION_COOKIE).and_then(|id| state.sessions.viewer(id)) {
            return Ok(viewer);
        }
        if parts.method == Method::GET || parts.method == Method::HEAD {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            return Err(Redirect::to(&format!("/login?next={}", super::enc(next))).into_response());
        }
        Err(PageError::new(StatusCode::UNAUTHORIZED, "log in first: your session ended or was never started")
            .into_response())
    }
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// Where to go after logging in: a local path only.
fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`: the token form (or straight on, when already logged in).
pub async fn login_page(State(state): State<DashState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    if cookie(&headers, SESSION_COOKIE).and_then(|id| state.sessions.viewer(id)).is_some() {
        return Redirect::to(&local_next(q.next.as_deref())).into_response();
    }
    login_form(&state, &headers, q.next.as_deref(), StatusCode::OK, None)
}

fn login_form(
    state: &DashState,
    headers: &HeaderMap,
    next: Option<&str>,
    status: StatusCode,
    message: Option<&str>,
) -> Response {
    let nonce = random_hex();
    let no_auth = state.sessions.verifier.is_none();
    let body = html! {
        section.card.narrow aria-labelledby="login-title" {
            h1 #login-title { "Log in" }
            @if let Some(message) = message {
                p.notice.bad role="alert" { (message) }
            }
            @if no_auth {
                p { "This server runs with " code { "--no-auth" } ": no token is needed." }
            } @else {
                p { "Paste a token: one from " code { "mcp-orchestration tokens create --name NAME --scope read|write" }
                    ", or the server's own token (the file " code { "serve --http" } " names on start). "
                    "A read token shows everything; actions need a write token." }
            }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(nonce);
                input type="hidden" name="next" value=(local_next(next));
                @if !no_auth {
                    label for="token" { "Token" }
                    input #token type="password" name="token" autocomplete="off" required spellcheck="false";
                }
                button.primary type="submit" { "Log in" }
            }
        }
    };
    let mut response = (status, layout::page("Log in", None, "", body)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &nonce, "/login", 3600, over_tls(headers)));
    response
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// `POST /login`: checks the token, starts a session, sets its cookie.
pub async fn login(
    State(state): State<DashState>,
    addr: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let nonce = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if nonce.is_empty() || !same(&form.csrf, nonce) {
        return PageError::new(
            StatusCode::FORBIDDEN,
            "the login form's check token is missing or does not match its cookie: open the login page again",
        )
        .into_response();
    }
    let addr = addr.map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |a| a.0.0);
    let now = Instant::now();
    let token = Some(form.token.trim().to_owned()).filter(|t| !t.is_empty());
    if state.sessions.scope_of(token.as_deref()).is_none() {
        if let Some(retry) = state.sessions.limiter.blocked(addr, now) {
            let mut response = login_form(
                &state,
                &headers,
                form.next.as_deref(),
                StatusCode::TOO_MANY_REQUESTS,
                Some(&format!("too many wrong tokens from this address: wait {retry} s and try again")),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry));
            return response;
        }
        state.sessions.limiter.failed(addr, now);
        return login_form(
            &state,
            &headers,
            form.next.as_deref(),
            StatusCode::UNAUTHORIZED,
            Some("that token is not accepted: paste a token from `tokens create` or the server's token file"),
        );
    }
    let id = state.sessions.create(token);
    let mut response = Redirect::to(&local_next(form.next.as_deref())).into_response();
    let secure = over_tls(&headers);
    let session = set_cookie(SESSION_COOKIE, &id, "/", SESSION_TTL.as_secs(), secure);
    response.headers_mut().append(header::SET_COOKIE, session);
    response.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", "/login", 0, secure));
    response
}

/// `POST /logout`: ends the session and clears its cookie.
pub async fn logout(
    State(state): State<DashState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = viewer.check(&form.csrf, false) {
        return e.into_response();
    }
    state.sessions.remove(&viewer.key);
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "/", 0, over_tls(&headers)));
    response
}

/// Refuses a cross-site POST: a present `Sec-Fetch-Site` must be `same-origin` (or `none`, typed
/// by the user), and a present `Origin` must be this server's own (`http(s)://` + `Host`).
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site
        && site != "same-origin"
        && site != "none"
    {
        return PageError::new(
            StatusCode::FORBIDDEN,
            format!("refused a {site} request: post from the dashboard's own pages"),
        )
        .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let own = !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"));
        if !own {
            return PageError::new(
                StatusCode::FORBIDDEN,
                format!("refused a request from origin {origin:?}: post from the dashboard's own pages"),
            )
            .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(local_next(Some("/clients/cursor?file=%2Fx")), "/clients/cursor?file=%2Fx");
        assert_eq!(local_next(Some("//evil.example/")), "/");
        assert_eq!(local_next(Some("https://evil.example/")), "/");
        assert_eq!(local_next(Some("/\\evil.example")), "/");
        assert_eq!(local_next(None), "/");
    }

    #[test]
    fn a_revoked_or_unknown_session_is_no_viewer() {
        let sessions = Sessions::new(Some(TokenVerifier::for_tokens(&["good"])));
        let id = sessions.create(Some("good".into()));
        let viewer = sessions.viewer(&id).expect("a viewer");
        assert_eq!(viewer.scope, Scope::Write);
        assert!(viewer.check(&viewer.csrf, true).is_ok());
        assert!(viewer.check("wrong", false).is_err());
        assert!(sessions.viewer("not-a-session").is_none());
        let stale = sessions.create(Some("revoked".into()));
        assert!(sessions.viewer(&stale).is_none(), "a token the verifier refuses ends its session");
    }

    #[test]
    fn the_cookie_is_secure_behind_a_tls_proxy() {
        let mut headers = HeaderMap::new();
        assert!(!over_tls(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(over_tls(&headers));
        let cookie = set_cookie(SESSION_COOKIE, "abc", "/", 60, true);
        assert_eq!(
            cookie.to_str().ok(),
            Some("mcpo_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure")
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; mcpo_session=abc; b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
