//! The actions: deploy, rollback, sync and publishing a draft. Each is a confirmation page
//! (GET: the core's dry run — `deploy_with` with `dry_run`, `rollback_preview`, `sync` with
//! `dry_run`, the draft against the head through the core's `unified_diff` — shown with its
//! redacted diff) and the action itself (POST: a write session and its CSRF token, then the
//! same core operation the REST API and the MCP tools call, then back to the page with a
//! notice). A read session gets 403 for both.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use orchestrator::service::{DeployOptions, SyncReport, unified_diff};
use serde::Deserialize;

use super::layout::{self, PageError};
use super::session::Viewer;
use super::{DashState, detected_file, diffview, enc};

/// Refuses a read session before anything runs.
fn writer(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.can_write() {
        return Ok(());
    }
    Err(PageError::new(
        StatusCode::FORBIDDEN,
        "this session's token has the read scope; actions need a write token \
         (`mcp-orchestration tokens create --name NAME --scope write`, then log in with it)",
    ))
}

/// A confirmation page: what will happen, the dry run, and the form that does it.
fn confirm_page(
    viewer: &Viewer,
    title: &str,
    back: &str,
    summary: Markup,
    preview: Markup,
    form: Option<Markup>,
) -> Response {
    let body = html! {
        nav.crumbs aria-label="Breadcrumb" { a href=(back) { "Back" } }
        div.heading { h1 { (title) } }
        section.card aria-labelledby="summary-title" {
            h2 #summary-title.visually-hidden { "Summary" }
            (summary)
        }
        section.card aria-labelledby="preview-title" {
            h2 #preview-title { "Dry run: nothing is written until you confirm" }
            (preview)
        }
        @if let Some(form) = form {
            section.card.confirm aria-labelledby="confirm-title" {
                h2 #confirm-title { "Confirm" }
                (form)
            }
        }
    };
    layout::page(title, Some(viewer), "", body).into_response()
}

/// The confirm button (`danger` for an action that loses something) and the way back.
fn confirm_actions(label: &str, back: &str, danger: bool) -> Markup {
    html! { div.actions { button.primary.danger[danger] #confirm type="submit" { (label) } a.button href=(back) { "Cancel" } } }
}

/// Back to a client file's page, with the notice `done`.
fn to_client_file(client: &str, file: &str, done: &str) -> Response {
    Redirect::to(&format!("/clients/{}?file={}&done={done}", enc(client), enc(file))).into_response()
}

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    file: Option<String>,
    profile: Option<String>,
}

/// `GET /clients/{client}/deploy`: the dry run of a deploy.
pub async fn deploy_confirm(
    State(state): State<DashState>,
    viewer: Viewer,
    Path(client): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, PageError> {
    writer(&viewer)?;
    let (id, file, profile) = (client.clone(), q.file.clone(), q.profile.clone());
    let (file, profile, report) = state
        .run(move |core, facts, _| {
            let target = detected_file(facts, &id, file.as_deref())?;
            let profile = match profile {
                Some(p) => p,
                None => core.diff_file(&target, None)?.profile_id,
            };
            let options = DeployOptions { dry_run: true, ..Default::default() };
            let report = core.deploy_with(&target, &profile, &options).map_err(|e| PageError::from(e).message());
            Ok((target.path.display().to_string(), profile, report))
        })
        .await?;
    let back = format!("/clients/{}?file={}", enc(&client), enc(&file));
    let summary = html! {
        p { "Deploy profile " strong { (profile) } " into " strong { (client) } "'s file " code.path { (file) } "." }
        p.muted { "Only the entries the profile owns change; the rest of the file stays byte for byte, and a backup is kept for rollback." }
    };
    match report {
        Ok(report) => {
            let summary = html! { (summary) p { "Version v" (report.version) " · " (layout::short_id(&report.artifact_id))
            @if !report.changed { " · " span.badge.good { "the file already holds it" } } } };
            let form = html! {
                form method="post" action=(format!("/clients/{}/deploy", enc(&client))) {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    input type="hidden" name="file" value=(file);
                    input type="hidden" name="profile" value=(profile);
                    (confirm_actions("Deploy", &back, false))
                }
            };
            Ok(confirm_page(
                &viewer,
                "Deploy",
                &back,
                summary,
                diffview::render(&report.diff, "live file", "after deploy"),
                Some(form),
            ))
        }
        Err(message) => {
            Ok(confirm_page(&viewer, "Deploy", &back, summary, html! { p.notice.bad role="alert" { (message) } }, None))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DeployForm {
    #[serde(default)]
    csrf: String,
    file: String,
    profile: String,
}

/// `POST /clients/{client}/deploy`.
pub async fn deploy(
    State(state): State<DashState>,
    viewer: Viewer,
    Path(client): Path<String>,
    Form(form): Form<DeployForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf, true)?;
    let id = client.clone();
    let (file, profile) = (form.file.clone(), form.profile);
    let changed = state
        .run(move |core, facts, _| {
            let target = detected_file(facts, &id, Some(&file))?;
            let options = DeployOptions { dry_run: false, ..Default::default() };
            Ok(core.deploy_with(&target, &profile, &options)?.changed)
        })
        .await?;
    Ok(to_client_file(&client, &form.file, if changed { "deployed" } else { "nothing" }))
}

/// `GET /clients/{client}/rollback`: what a rollback would restore.
pub async fn rollback_confirm(
    State(state): State<DashState>,
    viewer: Viewer,
    Path(client): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, PageError> {
    writer(&viewer)?;
    let (id, file) = (client.clone(), q.file.clone());
    let (file, preview) = state
        .run(move |core, facts, _| {
            let target = detected_file(facts, &id, file.as_deref())?;
            Ok((target.path.display().to_string(), core.rollback_preview(&target, None)?))
        })
        .await?;
    let back = format!("/clients/{}?file={}", enc(&client), enc(&file));
    let summary = html! {
        p { "Roll back " strong { (client) } "'s file " code.path { (file) } " to the bytes before this home's last write"
            @if let Some(from) = &preview.restores_from { " (deployment " (layout::short_id(from)) ")" } "." }
        @if preview.would_remove_file { p.notice.warn { "The file did not exist before: it will be removed." } }
        @if preview.changed_since { p.notice.warn role="alert" { "The file changed since this home last wrote it: rolling back loses those edits." } }
    };
    if preview.nothing_to_undo {
        return Ok(confirm_page(
            &viewer,
            "Roll back",
            &back,
            summary,
            html! { p { "Nothing to undo: this home never changed the file." } },
            None,
        ));
    }
    let form = html! {
        form method="post" action=(format!("/clients/{}/rollback", enc(&client))) {
            input type="hidden" name="csrf" value=(viewer.csrf);
            input type="hidden" name="file" value=(file);
            @if preview.changed_since {
                p { input #force type="checkbox" name="force" value="true"; " " label for="force" { "Roll back anyway and lose those edits" } }
            }
            (confirm_actions("Roll back", &back, true))
        }
    };
    Ok(confirm_page(
        &viewer,
        "Roll back",
        &back,
        summary,
        diffview::render(&preview.diff, "live file", "after rollback"),
        Some(form),
    ))
}

#[derive(Debug, Deserialize)]
pub struct RollbackForm {
    #[serde(default)]
    csrf: String,
    file: String,
    #[serde(default)]
    force: Option<String>,
}

/// `POST /clients/{client}/rollback`.
pub async fn rollback(
    State(state): State<DashState>,
    viewer: Viewer,
    Path(client): Path<String>,
    Form(form): Form<RollbackForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf, true)?;
    let (id, file, force) = (client.clone(), form.file.clone(), form.force.as_deref() == Some("true"));
    let nothing = state
        .run(move |core, facts, _| {
            let target = detected_file(facts, &id, Some(&file))?;
            Ok(core.rollback(&target, None, force)?.nothing_to_undo)
        })
        .await?;
    Ok(to_client_file(&client, &form.file, if nothing { "nothing" } else { "rolled-back" }))
}

#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    profile: Option<String>,
}

fn sync_files(report: &SyncReport) -> Markup {
    html! {
        @for f in &report.files {
            section.sync-file aria-label=(format!("{} {}", f.client_id, f.file)) {
                h3 { (f.client_id) " " code.path { (f.file) } " " span.muted { (f.scope) } }
                @match (&f.deploy, &f.error) {
                    (Some(d), _) => { (diffview::render(&d.diff, "live file", "after sync")) }
                    (None, Some(e)) => { p.notice.bad { (e) } }
                    (None, None) => {}
                }
            }
        }
        @if !report.not_installed.is_empty() {
            p.muted { "Not installed here (skipped): " (report.not_installed.join(", ")) }
        }
    }
}

/// `GET /sync?profile=NAME`: the dry run of a sync.
pub async fn sync_confirm(
    State(state): State<DashState>,
    viewer: Viewer,
    Query(q): Query<SyncQuery>,
) -> Result<Response, PageError> {
    writer(&viewer)?;
    let profile = q.profile.clone().unwrap_or_else(|| orchestrator::service::DEFAULT_PROFILE.to_owned());
    let p = profile.clone();
    let report = state
        .run(move |core, facts, _| {
            let targets = orchestrator::service::sync_targets(facts);
            Ok(core.sync(&p, &targets, true)?)
        })
        .await?;
    let summary = html! {
        p { "Deploy profile " strong { (profile) } " into " (report.files.len()) " client file(s); "
            (report.changed()) " would change." }
    };
    let form = report.ok.then(|| {
        html! {
            form method="post" action="/sync" {
                input type="hidden" name="csrf" value=(viewer.csrf);
                input type="hidden" name="profile" value=(profile);
                (confirm_actions("Sync", "/", false))
            }
        }
    });
    Ok(confirm_page(&viewer, "Sync", "/", summary, sync_files(&report), form))
}

#[derive(Debug, Deserialize)]
pub struct SyncForm {
    #[serde(default)]
    csrf: String,
    profile: String,
}

/// `POST /sync`.
pub async fn sync(
    State(state): State<DashState>,
    viewer: Viewer,
    Form(form): Form<SyncForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf, true)?;
    let profile = form.profile.clone();
    let report = state
        .run(move |core, facts, _| {
            let targets = orchestrator::service::sync_targets(facts);
            Ok(core.sync(&profile, &targets, false)?)
        })
        .await?;
    if report.ok {
        return Ok(Redirect::to("/?done=synced").into_response());
    }
    let body = html! {
        div.heading { h1 { "Sync finished with failures" } }
        p.notice.warn role="alert" { "Some files were not written; the others were. Each file's outcome:" }
        section.card { (sync_files(&report)) }
        p { a href="/" { "Back to the overview" } }
    };
    Ok((StatusCode::CONFLICT, layout::page("Sync", Some(&viewer), "", body)).into_response())
}

/// `GET /profiles/{subject}/{profile}/publish`: the draft against the head, and its validation.
pub async fn publish_confirm(
    State(state): State<DashState>,
    viewer: Viewer,
    Path((subject, profile)): Path<(String, String)>,
) -> Result<Response, PageError> {
    writer(&viewer)?;
    let (s, p) = (subject.clone(), profile.clone());
    let (draft, diff, validation) = state
        .run(move |core, _, path_dirs| {
            let draft = core.draft_show(&s, &p)?;
            if !draft.exists {
                return Err(PageError::new(StatusCode::NOT_FOUND, format!("{s}/{p} has no pending draft to publish")));
            }
            let head = match draft.head_version {
                Some(_) => core.get(&s, &p)?.payload().clone(),
                None => serde_json::json!({"mcpServers": {}}),
            };
            let shown = |v: &serde_json::Value| {
                serde_json::to_string_pretty(&orchestrator::diff::redact::redact(v, None)).unwrap_or_default() + "\n"
            };
            let name = std::path::PathBuf::from(format!("{s}/{p}.json"));
            let diff = unified_diff(&name, &shown(&head), &shown(&draft.document));
            let validation = core.draft_validate(&s, &p, path_dirs)?;
            Ok((draft, diff, validation))
        })
        .await?;
    let back = format!("/profiles/{}/{}", enc(&subject), enc(&profile));
    let summary = html! {
        p { "Sign the draft of " strong { (subject) "/" (profile) } " with this home's key as version v"
            (draft.head_version.map_or(1, |v| v + 1)) "." }
        @for e in &validation.errors { p.notice.bad { code { (e.pointer) } " " (e.message) } }
        @for w in &validation.warnings { p.notice.warn { code { (w.pointer) } " " (w.message) } }
        @if !draft.based_on_head { p.notice.bad role="alert" { "The head moved since the draft was made: rebase it with "
            code { "mcp-orchestration draft rebase" } " first." } }
    };
    let form = (validation.valid && draft.based_on_head).then(|| {
        html! {
            form.stack method="post" action=(format!("/profiles/{}/{}/publish", enc(&subject), enc(&profile))) {
                input type="hidden" name="csrf" value=(viewer.csrf);
                label for="note" { "Note (optional)" }
                input #note name="note" maxlength="500";
                (confirm_actions("Publish", &back, false))
            }
        }
    });
    Ok(confirm_page(&viewer, "Publish the draft", &back, summary, diffview::render(&diff, "head", "draft"), form))
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /profiles/{subject}/{profile}/publish`.
pub async fn publish(
    State(state): State<DashState>,
    viewer: Viewer,
    Path((subject, profile)): Path<(String, String)>,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    viewer.check(&form.csrf, true)?;
    let (s, p) = (subject.clone(), profile.clone());
    let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
    state.run(move |core, _, path_dirs| Ok(core.draft_publish(&s, &p, note.as_deref(), path_dirs)?)).await?;
    Ok(Redirect::to(&format!("/profiles/{}/{}?done=published", enc(&subject), enc(&profile))).into_response())
}
