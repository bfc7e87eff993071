//! RFC 9457 problem documents (`application/problem+json`): every failure of the REST API.
//!
//! The `type` of a domain failure names the CLI's exit-code class ([`ErrorKind`]) one-to-one;
//! the HTTP-only failures (authentication, scope, rate limit) have their own types:
//!
//! | type (under `https://mcp-orchestration.dev/problems/`) | status | exit code |
//! |---|---|---|
//! | `other` | 500 | 1 |
//! | `usage` | 400 | 2 |
//! | `not-found` | 404 | 3 |
//! | `integrity` | 422 | 4 |
//! | `validation` | 422 | 6 |
//! | `conflict` | 409 | 7 |
//! | `signature` | 422 | 8 |
//! | `freshness` | 422 | 9 |
//! | `unsafe` | 422 | 10 |
//! | `unauthorized` | 401 | – |
//! | `forbidden` | 403 | – |
//! | `too-many-requests` | 429 | – |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orchestrator::ErrorKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ToolError;

/// Where the problem types live.
pub const TYPE_BASE: &str = "https://mcp-orchestration.dev/problems/";

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `https://mcp-orchestration.dev/problems/<class>`: one per CLI exit-code class, plus
    /// `unauthorized`, `forbidden` and `too-many-requests`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The class in words.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what to do.
    pub detail: String,
    /// The CLI's exit code for this class (absent for HTTP-only problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    /// `Retry-After` seconds (429 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The type slug, title and status of a kind.
pub fn class_of(kind: ErrorKind) -> (&'static str, &'static str, StatusCode) {
    match kind {
        ErrorKind::Other => ("other", "Internal failure", StatusCode::INTERNAL_SERVER_ERROR),
        ErrorKind::Usage => ("usage", "Bad request", StatusCode::BAD_REQUEST),
        ErrorKind::NotFound => ("not-found", "Not found", StatusCode::NOT_FOUND),
        ErrorKind::Integrity => ("integrity", "Integrity check failed", StatusCode::UNPROCESSABLE_ENTITY),
        ErrorKind::Validation => ("validation", "Validation failed", StatusCode::UNPROCESSABLE_ENTITY),
        ErrorKind::Conflict => ("conflict", "Conflict", StatusCode::CONFLICT),
        ErrorKind::Signature => ("signature", "Signature or trust check failed", StatusCode::UNPROCESSABLE_ENTITY),
        ErrorKind::Freshness => ("freshness", "Rollback or expiry check failed", StatusCode::UNPROCESSABLE_ENTITY),
        ErrorKind::Unsafe => ("unsafe", "Refused as unsafe", StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// Every problem type slug, domain classes first (for the docs and the tests).
pub const ALL_TYPES: &[&str] = &[
    "other",
    "usage",
    "not-found",
    "integrity",
    "validation",
    "conflict",
    "signature",
    "freshness",
    "unsafe",
    "unauthorized",
    "forbidden",
    "too-many-requests",
];

impl Problem {
    /// The problem of a domain failure of this kind.
    pub fn of(kind: ErrorKind, detail: impl Into<String>) -> Self {
        let (slug, title, status) = class_of(kind);
        Problem {
            problem_type: format!("{TYPE_BASE}{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            exit_code: Some(kind.exit_code()),
            retry_after: None,
        }
    }

    /// A bad request (usage, exit 2).
    pub fn usage(detail: impl Into<String>) -> Self {
        Self::of(ErrorKind::Usage, detail)
    }

    /// An HTTP-only problem.
    pub fn http(slug: &str, title: &str, status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("{TYPE_BASE}{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            exit_code: None,
            retry_after: None,
        }
    }
}

impl From<orchestrator::Error> for Problem {
    fn from(error: orchestrator::Error) -> Self {
        Problem::of(error.kind(), error.to_string())
    }
}

impl From<ToolError> for Problem {
    fn from(error: ToolError) -> Self {
        Problem::of(error.kind, error.message)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"mcp-orchestration\""));
        }
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
