//! A client file's page (`/clients/{client}?file=PATH`): its drift against the profile (the
//! core's `diff_file`: status, the semantic changes with secrets redacted, recommendation,
//! kept entries and conflicts), the redacted diff of the file's bytes a deploy would make (the
//! core's dry-run `deploy_with`, unified and side by side), its deployments, and the actions.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use orchestrator::service::{DeployOptions, DeployReport, FileDrift};
use serde::Deserialize;

use super::layout;
use super::session::Viewer;
use super::{DashState, detected_file, diffview, enc, scope_of};

#[derive(Debug, Deserialize)]
pub struct ClientQuery {
    file: Option<String>,
    profile: Option<String>,
    done: Option<String>,
}

struct ClientView {
    file: String,
    scope: &'static str,
    drift: FileDrift,
    /// The dry run of a deploy, or why it would be refused.
    preview: Result<DeployReport, String>,
    deployments: Vec<orchestrator::deploy::record::DeploymentRecord>,
}

/// `GET /clients/{client}`.
pub async fn page(
    State(state): State<DashState>,
    viewer: Viewer,
    Path(client): Path<String>,
    Query(q): Query<ClientQuery>,
) -> Response {
    let (id, file, profile) = (client.clone(), q.file.clone(), q.profile.clone());
    let view = state
        .run(move |core, facts, _| {
            let target = detected_file(facts, &id, file.as_deref())?;
            let drift = core.diff_file(&target, profile.as_deref())?;
            let options = DeployOptions { dry_run: true, ..Default::default() };
            let preview = core
                .deploy_with(&target, &drift.profile_id, &options)
                .map_err(|e| crate::rest::problem::Problem::from(e).detail);
            let deployments = core.deployments(&id, Some(&target.path))?;
            Ok(ClientView {
                file: target.path.display().to_string(),
                scope: scope_of(facts, &target),
                drift,
                preview,
                deployments,
            })
        })
        .await;
    match view {
        Ok(view) => render(&viewer, &client, &view, q.done.as_deref()).into_response(),
        Err(e) => e.into_response(),
    }
}

fn show(value: &Option<serde_json::Value>) -> String {
    value.as_ref().map_or_else(|| "—".to_owned(), |v| v.to_string())
}

fn render(viewer: &Viewer, client: &str, view: &ClientView, done: Option<&str>) -> Html<String> {
    let drift = &view.drift;
    let status = drift.report.status.as_str();
    let shared = matches!(drift.layer, Some(orchestrator::service::Layer::Shared));
    let subject = if shared { orchestrator::ids::SHARED } else { client };
    let query = format!("file={}&profile={}", enc(&view.file), enc(&drift.profile_id));
    let body = html! {
        (layout::flash(done))
        nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / " span { (client) } }
        div.heading {
            h1 { (client) " " span #status { (layout::status_badge(status)) } }
            p.lead { code.path { (view.file) } " · " (view.scope) " scope" }
        }
        dl.facts {
            dt { "Profile" }
            dd { a href=(format!("/profiles/{}/{}", enc(subject), enc(&drift.profile_id))) { (drift.profile_id) }
                 @if shared { " " span.badge.neutral { "shared" } } }
            dt { "Head" }
            dd { @match &drift.remote_artifact_id { Some(id) => { (layout::short_id(id)) } None => { span.muted { "none published" } } } }
            dt { "Deployed version" }
            dd { @match drift.deployed_version { Some(v) => { "v" (v) } None => { span.muted { "never deployed by this home" } } } }
            dt { "Recommendation" }
            dd { (drift.report.recommendation) }
        }
        @if viewer.can_write() {
            div.actions {
                a.button.primary href=(format!("/clients/{}/deploy?{query}", enc(client))) { "Deploy…" }
                a.button href=(format!("/clients/{}/rollback?file={}", enc(client), enc(&view.file))) { "Roll back…" }
            }
        } @else {
            p.muted { "Log in with a write token to deploy or roll back." }
        }
        (changes(drift))
        section.card aria-labelledby="bytes-title" {
            h2 #bytes-title { "What a deploy would write" }
            @match &view.preview {
                Ok(report) => { (diffview::render(&report.diff, "live file", "after deploy")) }
                Err(message) => { p.notice.bad role="alert" { (message) } }
            }
        }
        (deployments(&view.deployments))
    };
    layout::page(client, Some(viewer), "overview", body)
}

fn changes(drift: &FileDrift) -> Markup {
    let diff = &drift.report.diff;
    html! {
        section.card aria-labelledby="changes-title" {
            h2 #changes-title { "Servers: live file → profile" }
            @if diff.changes.is_empty() {
                p { "The live file holds the profile's servers." }
            } @else {
                div.table-wrap tabindex="0" {
                    table.rows #changes {
                        caption.visually-hidden { "Changes a deploy would make, per server field" }
                        thead { tr { th scope="col" { "Change" } th scope="col" { "Where" } th scope="col" { "Live" }
                                     th scope="col" { "Profile" } th scope="col" { "Impact" } } }
                        tbody {
                            @for c in &diff.changes {
                                tr {
                                    td data-label="Change" { span.badge.(match c.op.as_str() { "added" => "good", "removed" => "bad", _ => "warn" }) { (c.op.as_str()) } }
                                    td data-label="Where" { code { (c.path) } }
                                    td data-label="Live" { code.value { (show(&c.old)) } }
                                    td data-label="Profile" { code.value { (show(&c.new)) } }
                                    td data-label="Impact" { (c.impact.as_str()) }
                                }
                            }
                        }
                    }
                }
            }
            @if !drift.report.kept.is_empty() {
                p { "Kept (the file's own entries): " @for (i, k) in drift.report.kept.iter().enumerate() { @if i > 0 { ", " } code { (k) } } }
            }
            @if !drift.report.conflicts.is_empty() {
                p.notice.warn { "Conflicts: the file has its own entries named like profile servers; a deploy refuses them unless adopted (CLI: "
                    code { "deploy --adopt NAME" } ")." }
            }
            @if !drift.bridged.is_empty() {
                p { "Bridged (remote servers run through the built-in bridge): " (drift.bridged.join(", ")) }
            }
        }
    }
}

fn deployments(records: &[orchestrator::deploy::record::DeploymentRecord]) -> Markup {
    html! {
        section.card aria-labelledby="deployments-title" {
            h2 #deployments-title { "Deployments" }
            @if records.is_empty() {
                p.muted { "This home never wrote this file." }
            } @else {
                div.table-wrap tabindex="0" {
                    table.rows {
                        caption.visually-hidden { "Deployments of this file, newest first" }
                        thead { tr { th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "Profile" }
                                     th scope="col" { "Version" } th scope="col" { "Deployment" } } }
                        tbody {
                            @for r in records.iter().rev().take(20) {
                                tr {
                                    td data-label="When" { time datetime=(r.at.to_string()) { (r.at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()) } }
                                    td data-label="Kind" { (format!("{:?}", r.kind).to_lowercase()) }
                                    td data-label="Profile" { (r.profile_id.as_deref().unwrap_or("—")) }
                                    td data-label="Version" { @if let Some(v) = r.version { "v" (v) } @else { "—" } }
                                    td data-label="Deployment" { (layout::short_id(&r.deployment_id)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
