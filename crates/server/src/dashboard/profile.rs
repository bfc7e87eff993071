//! Profiles: the list (`/profiles`: shared profiles and each client's own, with their heads,
//! from the core's `profiles_page`) and a profile's page (`/profiles/{subject}/{profile}`):
//! its signed history from the core's `history_page` (every version verified: version,
//! artifact id, signer key id, created and expiry times, the hash-chain link to the version
//! before, the verdict), the head's servers (redacted), and a pending draft with the way to
//! publish it.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use orchestrator::page::PageRequest;
use orchestrator::registry::HistoryEntry;
use orchestrator::service::{Draft, ProfileSummary};
use serde::Deserialize;

use super::layout::{self, PageError};
use super::session::Viewer;
use super::{DashState, enc};

/// Most versions shown on a profile's page.
const HISTORY_SHOWN: usize = 200;

/// `GET /profiles`.
pub async fn list(State(state): State<DashState>, viewer: Viewer) -> Response {
    let subjects = state
        .run(|core, _, _| {
            let mut subjects: Vec<(String, Vec<ProfileSummary>)> = Vec::new();
            let ids = std::iter::once(orchestrator::ids::SHARED).chain(dialects::all().iter().map(|c| c.id));
            for subject in ids {
                if core.profile_names(subject)?.is_empty() {
                    continue;
                }
                let page = core.profiles_page(subject, &PageRequest::first(orchestrator::page::MAX_LIMIT))?;
                let own: Vec<ProfileSummary> = page
                    .items
                    .into_iter()
                    .filter(|p| {
                        (p.layer == orchestrator::service::Layer::Shared) == (subject == orchestrator::ids::SHARED)
                    })
                    .collect();
                subjects.push((subject.to_owned(), own));
            }
            Ok(subjects)
        })
        .await;
    let subjects = match subjects {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let body = html! {
        div.heading { h1 { "Profiles" } p.lead { "Signed server lists: shared ones every client follows, and clients' own." } }
        @if subjects.is_empty() {
            p.card { "No profile is published yet: " code { "mcp-orchestration publish CLIENT --profile NAME --file servers.json" } }
        }
        @for (subject, profiles) in &subjects {
            section.card aria-labelledby=(format!("s-{subject}")) {
                h2 id=(format!("s-{subject}")) { @if subject == orchestrator::ids::SHARED { "Shared" } @else { (subject) } }
                ul.plain {
                    @for p in profiles {
                        li { a href=(format!("/profiles/{}/{}", enc(subject), enc(&p.profile_id))) { (p.profile_id) }
                             " · v" (p.version) " · " (layout::short_id(&p.artifact_id)) }
                    }
                }
            }
        }
    };
    layout::page("Profiles", Some(&viewer), "profiles", body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ProfileQuery {
    done: Option<String>,
}

struct ProfileView {
    /// The head's verification: its servers (redacted) or why it failed.
    head: Result<serde_json::Value, String>,
    history: Vec<HistoryEntry>,
    /// Whether versions after those shown exist.
    more: bool,
    draft: Option<Draft>,
}

/// `GET /profiles/{subject}/{profile}`.
pub async fn page(
    State(state): State<DashState>,
    viewer: Viewer,
    Path((subject, profile)): Path<(String, String)>,
    Query(q): Query<ProfileQuery>,
) -> Response {
    let (s, p) = (subject.clone(), profile.clone());
    let view = state
        .run(move |core, _, _| {
            let names = core.profile_names(&s)?;
            if !names.iter().any(|n| n.as_str() == p) {
                return Err(PageError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    format!("{s}/{p} has no published version: the profiles page lists the published ones"),
                ));
            }
            let head = core
                .get(&s, &p)
                .map(|v| orchestrator::diff::redact::redact(v.payload(), None))
                .map_err(|e| crate::rest::problem::Problem::from(e).detail);
            // The oldest versions first; a profile with more than a page of versions says so.
            let page = core.history_page(&s, &p, &PageRequest::first(HISTORY_SHOWN))?;
            let more = page.next_cursor.is_some();
            let draft = core.draft_show(&s, &p)?;
            Ok(ProfileView { head, history: page.items, more, draft: draft.exists.then_some(draft) })
        })
        .await;
    match view {
        Ok(view) => render(&viewer, &subject, &profile, &view, q.done.as_deref()).into_response(),
        Err(e) => e.into_response(),
    }
}

fn render(viewer: &Viewer, subject: &str, profile: &str, view: &ProfileView, done: Option<&str>) -> Html<String> {
    let title = format!("{subject}/{profile}");
    let body = html! {
        (layout::flash(done))
        nav.crumbs aria-label="Breadcrumb" { a href="/profiles" { "Profiles" } " / " span { (title) } }
        div.heading {
            h1 { (title) }
            p.lead {
                @match &view.head {
                    Ok(_) => { "Head " (layout::verdict_badge(true, "verified", "")) }
                    Err(message) => { "Head " (layout::verdict_badge(false, "", "refused")) " " span.muted { (message) } }
                }
            }
        }
        @if let Some(draft) = &view.draft { (draft_card(viewer, subject, profile, draft)) }
        section.card aria-labelledby="history-title" {
            h2 #history-title { "Signed history" }
            @if view.more { p.muted { "Only the first " (HISTORY_SHOWN) " versions are shown; " code { "mcp-orchestration history" } " lists them all." } }
            div.table-wrap tabindex="0" {
                table.rows #history {
                    caption.visually-hidden { "Every version, newest first, each verified" }
                    thead { tr {
                        th scope="col" { "Version" } th scope="col" { "Verdict" } th scope="col" { "Artifact" }
                        th scope="col" { "Signer key" } th scope="col" { "Created" } th scope="col" { "Expires" }
                        th scope="col" { "Previous" }
                    } }
                    tbody { @for entry in view.history.iter().rev() { (history_row(entry)) } }
                }
            }
        }
        @if let Ok(servers) = &view.head {
            details.card {
                summary { "The head's servers (secrets redacted)" }
                (layout::json_block(servers))
            }
        }
    };
    layout::page(&title, Some(viewer), "profiles", body)
}

fn history_row(entry: &HistoryEntry) -> Markup {
    html! {
        tr id=(format!("v{}", entry.version)) data-version=(entry.version) {
            th scope="row" { "v" (entry.version) }
            @match &entry.artifact {
                Ok(v) => {
                    @let s = v.statement();
                    td data-label="Verdict" { (layout::verdict_badge(true, "verified", "")) }
                    td data-label="Artifact" { (layout::short_id(s.artifact_id.as_str())) }
                    td data-label="Signer key" { (layout::short_id(&v.signature().key_id)) }
                    td data-label="Created" { time datetime=(s.created_at.to_string()) { (s.created_at.strftime("%Y-%m-%d %H:%M UTC").to_string()) } }
                    td data-label="Expires" { @match s.expires_at { Some(t) => { time datetime=(t.to_string()) { (t.strftime("%Y-%m-%d %H:%M UTC").to_string()) } }
                                               None => { span.muted { "never" } } } }
                    td data-label="Previous" { @match &s.previous {
                        Some(prev) => { a href=(format!("#v{}", entry.version.saturating_sub(1))) title=(prev.as_str()) { "v" (entry.version.saturating_sub(1)) } }
                        None => { span.muted { "first" } }
                    } }
                }
                Err(error) => {
                    td data-label="Verdict" { (layout::verdict_badge(false, "", "refused")) }
                    td colspan="5" data-label="Why" { span.muted { (error.to_string()) } }
                }
            }
        }
    }
}

fn draft_card(viewer: &Viewer, subject: &str, profile: &str, draft: &Draft) -> Markup {
    html! {
        section.card.draft aria-labelledby="draft-title" {
            h2 #draft-title { "Pending draft" }
            p {
                "A draft of " (draft.document.get("mcpServers").and_then(|m| m.as_object()).map_or(0, |m| m.len())) " server(s), made from "
                @match draft.base_version { Some(v) => { "v" (v) } None => { "no version" } } ". "
                @if !draft.based_on_head { span.badge.warn { "the head moved since" } " rebase it with " code { "draft rebase" } " first." }
            }
            @if viewer.can_write() && draft.based_on_head {
                a.button.primary href=(format!("/profiles/{}/{}/publish", enc(subject), enc(profile))) { "Review and publish…" }
            }
        }
    }
}
