//! `GET /v1/audit`: every MCP client file on this machine against the profiles, locks and
//! policies this home trusts — the core's `audit_ci` as `audit --ci` runs it without `--probe`
//! (no registry asked, no server started), the whole audit's verdict and counts with one page
//! of findings; the same answer as the MCP tool `audit_clients`. A `read` token is enough.

#![allow(dead_code)] // the mirrors are described, not built: the handler serializes the core's

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::problem::Problem;
use super::read::QueryOf;
use super::schemas::PageQuery;
use super::{RestState, page_request, to_value};

/// One client file the audit looked at.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    /// The client.
    pub client_id: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    /// The file.
    pub file: String,
    /// Its drift status against the profile it follows (`up-to-date`, `unmanaged`, …; `error`
    /// when it could not be compared).
    pub status: String,
    /// The profile compared with (`client/profile vN`); absent when none.
    pub profile: Option<String>,
    /// The number of servers in the file.
    pub servers: usize,
}

/// One finding.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFinding {
    /// The stable rule id (`drift/diverged`, `lock/unpinned`, `policy/servers.deny`, …).
    pub rule_id: String,
    /// `error`, `warning` or `note`.
    #[schema(pattern = "^(error|warning|note)$")]
    pub level: String,
    /// The client whose file it is.
    pub client_id: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    /// The file.
    pub file: String,
    /// The line of the server's entry (1-based), when found.
    pub line: Option<u64>,
    /// The server concerned; absent: the whole file.
    pub server: Option<String>,
    /// What was found and what to do.
    pub message: String,
    /// The profile the file follows (`client/profile vN`).
    pub profile: Option<String>,
}

/// The audit's verdict and counts, with a page of its findings.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    /// Whether any finding (on any page) is an error or a warning.
    pub fails: bool,
    /// Every client file looked at.
    pub files: Vec<AuditFile>,
    /// The number of trusted policies evaluated.
    pub policies: usize,
    /// Findings of level `error`.
    pub errors: usize,
    /// Findings of level `warning`.
    pub warnings: usize,
    /// Findings of level `note`.
    pub notes: usize,
    /// Every finding of the audit (all pages).
    pub count: usize,
    /// This page's findings (by file, server, rule).
    pub findings: Vec<AuditFinding>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// Audit every client file on this machine against the trusted profiles, locks and policies
/// (no network): the verdict, counts by level and a page of findings.
#[utoipa::path(get, path = "/v1/audit", tag = "deploy", params(PageQuery),
    responses((status = 200, description = "The audit", body = AuditPage)))]
pub async fn audit(State(state): State<RestState>, QueryOf(q): QueryOf<PageQuery>) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, facts, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let report = core.audit_ci(facts, &orchestrator::audit::CiOptions { probe: None })?;
            to_value(&report.page(&request)?)
        })
        .await
}
