//! The overview (`/`): every detected client file with its scope, the profile it is compared
//! with (and its layer), the drift status as a badge, the number of changes a deploy would
//! make and the last deployment; the core's `status` and `deployments`, as `GET /v1/status`
//! calls them.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, PageError};
use super::session::Viewer;
use super::{DashState, enc, scope_of};

/// One row of the overview.
struct Row {
    client_id: String,
    file: String,
    scope: &'static str,
    outcome: Result<Drifted, String>,
}

struct Drifted {
    profile_id: String,
    shared: bool,
    status: &'static str,
    changes: usize,
    last: Option<orchestrator::deploy::record::DeploymentRecord>,
}

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    done: Option<String>,
}

/// `GET /`.
pub async fn page(State(state): State<DashState>, viewer: Viewer, Query(q): Query<OverviewQuery>) -> Response {
    match rows(&state).await {
        Ok(rows) => render(&viewer, &rows, q.done.as_deref()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn rows(state: &DashState) -> Result<Vec<Row>, PageError> {
    state
        .run(|core, facts, _| {
            let files = crate::host::detected_files(facts);
            let mut rows = Vec::new();
            for (file, outcome) in files.iter().zip(core.status(&files)?) {
                let scope = scope_of(facts, file);
                let outcome = match outcome {
                    Ok(drift) => {
                        let last = core.deployments(&drift.client_id, Some(&file.path))?.into_iter().next_back();
                        Ok(Drifted {
                            shared: matches!(drift.layer, Some(orchestrator::service::Layer::Shared)),
                            status: drift.report.status.as_str(),
                            changes: drift.report.diff.summary.total_changes,
                            profile_id: drift.profile_id,
                            last,
                        })
                    }
                    Err((_, error)) => Err(crate::rest::problem::Problem::from(error).detail),
                };
                rows.push(Row {
                    client_id: file.client_id.clone(),
                    file: file.path.display().to_string(),
                    scope,
                    outcome,
                });
            }
            Ok(rows)
        })
        .await
}

fn client_link(row: &Row) -> String {
    format!("/clients/{}?file={}", enc(&row.client_id), enc(&row.file))
}

fn render(viewer: &Viewer, rows: &[Row], done: Option<&str>) -> Html<String> {
    let drifted = rows.iter().filter(|r| r.outcome.as_ref().map_or(true, |d| d.status != "up-to-date")).count();
    let body = html! {
        (layout::flash(done))
        div.heading {
            h1 { "Clients on this machine" }
            p.lead {
                (rows.len()) " config file" @if rows.len() != 1 { "s" } " detected; "
                @if drifted == 0 { span.badge.good { "all up to date" } }
                @else { span.badge.warn { (drifted) " need attention" } }
            }
        }
        @if rows.is_empty() {
            p.card { "No MCP client config file was found on this machine. Install a client, or deploy with "
                code { "mcp-orchestration deploy CLIENT --create" } "." }
        } @else {
            div.table-wrap tabindex="0" {
                table #clients.rows {
                    caption.visually-hidden { "Detected client config files and their drift" }
                    thead { tr {
                        th scope="col" { "Client" } th scope="col" { "Status" } th scope="col" { "Profile" }
                        th scope="col" { "Changes" } th scope="col" { "Last deployment" }
                        th scope="col" { "Scope" } th scope="col" { "File" }
                    } }
                    tbody {
                        @for row in rows { (row_markup(row)) }
                    }
                }
            }
        }
        @if viewer.can_write() {
            section.card aria-labelledby="sync-title" {
                h2 #sync-title { "Sync a profile to every client" }
                p { "Deploys one profile into every client file here; you see the diff per file before anything is written." }
                form.inline method="get" action="/sync" {
                    label for="sync-profile" { "Profile" }
                    input #sync-profile name="profile" value="default" required pattern="[a-z0-9][a-z0-9._-]{0,63}";
                    button type="submit" { "Review sync…" }
                }
            }
        }
    };
    layout::page("Overview", Some(viewer), "overview", body)
}

fn row_markup(row: &Row) -> Markup {
    let status = row.outcome.as_ref().map_or("error", |d| d.status);
    html! {
        tr data-client=(row.client_id) data-file=(row.file) data-status=(status) {
            th scope="row" { a href=(client_link(row)) { (row.client_id) } }
            @match &row.outcome {
                Ok(d) => {
                    td data-label="Status" { (layout::status_badge(d.status)) }
                    td data-label="Profile" {
                        a href=(format!("/profiles/{}/{}", enc(if d.shared { orchestrator::ids::SHARED } else { &row.client_id }), enc(&d.profile_id))) { (d.profile_id) }
                        @if d.shared { " " span.badge.neutral { "shared" } }
                    }
                    td.num data-label="Changes" { (d.changes) }
                    td data-label="Last deployment" {
                        @match &d.last {
                            Some(r) => { time datetime=(r.at.to_string()) { (r.at.strftime("%Y-%m-%d %H:%M UTC").to_string()) }
                                " · " (format!("{:?}", r.kind).to_lowercase())
                                @if let Some(v) = r.version { " v" (v) } }
                            None => { span.muted { "never" } }
                        }
                    }
                }
                Err(message) => {
                    td data-label="Status" { (layout::status_badge("error")) }
                    td colspan="3" data-label="Error" { span.muted { (message) } }
                }
            }
            td data-label="Scope" { (row.scope) }
            td.path data-label="File" { code { (row.file) } }
        }
    }
}
