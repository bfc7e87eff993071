//! The page shell of the dashboard: document head, skip link, header with navigation
//! (landmarks `header`, `nav`, `main`), the logout form, badges, error pages, and the two
//! embedded assets (`include_str!`: no build step, nothing fetched).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::Viewer;

/// The stylesheet (light and dark, responsive).
const CSS: &str = include_str!("assets/dashboard.css");
/// The script (diff view toggle; no inline script anywhere).
const JS: &str = include_str!("assets/dashboard.js");
/// The icon.
const ICON: &str = include_str!("assets/favicon.svg");

/// The navigation entries: (path, label, key).
const NAV: &[(&str, &str, &str)] = &[
    ("/", "Overview", "overview"),
    ("/profiles", "Profiles", "profiles"),
    ("/catalog", "Catalog", "catalog"),
    ("/events", "Events", "events"),
];

/// A whole page: `active` is the navigation key of the page (empty: none).
pub fn page(title: &str, viewer: Option<&Viewer>, active: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · mcp-orchestration" }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/dashboard.css";
                script src="/assets/dashboard.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { span.logo aria-hidden="true" { "◆" } " mcp-orchestration" }
                    @if viewer.is_some() {
                        nav aria-label="Main" {
                            ul {
                                @for (path, label, key) in NAV {
                                    li {
                                        @if *key == active {
                                            a href=(path) aria-current="page" { (label) }
                                        } @else {
                                            a href=(path) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if let Some(viewer) = viewer {
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(viewer.csrf);
                            span.badge.neutral title="what this session's token may do" { (viewer.scope.as_str()) " token" }
                            button.link type="submit" { "Log out" }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer.foot { p { "Signed, content-addressed MCP server configurations. Secrets are always shown as «redacted»." } }
            }
        }
    };
    Html(markup.into_string())
}

/// The badge class of a drift status.
pub fn status_class(status: &str) -> &'static str {
    match status {
        "up-to-date" => "good",
        "outdated" => "warn",
        "unmanaged" | "missing" => "neutral",
        _ => "bad",
    }
}

/// A drift status as a badge (`data-status` carries the word for scripts and tests).
pub fn status_badge(status: &str) -> Markup {
    html! { span.badge.(status_class(status)) data-status=(status) { (status) } }
}

/// A yes/no verdict badge.
pub fn verdict_badge(ok: bool, yes: &str, no: &str) -> Markup {
    html! {
        @if ok { span.badge.good { "✓ " (yes) } } @else { span.badge.bad { "✗ " (no) } }
    }
}

/// A long id shortened for a table, whole in its `title`.
pub fn short_id(id: &str) -> Markup {
    let short: String = id.chars().take(19).collect();
    html! { code title=(id) { (short) @if id.chars().count() > 19 { "…" } } }
}

/// A failure shown as a page with its status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    /// A failure with its status and a message saying what to do.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        PageError { status, message: message.into() }
    }

    /// What went wrong, as shown.
    pub fn message(self) -> String {
        self.message
    }
}

impl From<orchestrator::Error> for PageError {
    fn from(error: orchestrator::Error) -> Self {
        crate::rest::problem::Problem::from(error).into()
    }
}

impl From<crate::error::ToolError> for PageError {
    fn from(error: crate::error::ToolError) -> Self {
        crate::rest::problem::Problem::from(error).into()
    }
}

impl From<crate::rest::problem::Problem> for PageError {
    fn from(problem: crate::rest::problem::Problem) -> Self {
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        PageError { status, message: problem.detail }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = html! {
            section.card aria-labelledby="error-title" {
                h1 #error-title { (self.status.as_u16()) " " (title) }
                p.notice.bad role="alert" { (self.message) }
                p { a href="/" { "Back to the overview" } }
            }
        };
        (self.status, page(title, None, "", body)).into_response()
    }
}

/// A notice after an action (`done` in the query: a fixed word, never echoed as given).
pub fn flash(done: Option<&str>) -> Markup {
    let text = match done {
        Some("deployed") => "Deployed: the file now holds the profile's servers.",
        Some("rolled-back") => "Rolled back: the file holds its earlier bytes again.",
        Some("nothing") => "Nothing to do: the file already was as asked.",
        Some("synced") => "Synced: every client file got the profile.",
        Some("published") => "Published: the draft is the profile's new signed version.",
        Some("added") => "Added: the server is in the profile's new signed version.",
        _ => return html! {},
    };
    html! { p.notice.good role="status" { (text) } }
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /assets/dashboard.css`.
pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

/// `GET /assets/dashboard.js`.
pub async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

/// `GET /assets/favicon.svg`.
pub async fn icon() -> Response {
    asset(ICON, "image/svg+xml")
}

/// Pretty JSON in a `pre` (values are the core's, already redacted).
pub fn json_block(value: &serde_json::Value) -> Markup {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    html! { pre.code tabindex="0" { (text) } }
}
