//! The catalog (`/catalog?q=…`): the core's `catalog_search`, each server with a form to add
//! it to a profile (`POST /catalog/add`: the core's one-step `add_server`, which publishes the
//! profile's next signed version; a write token and the CSRF token are needed).

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use orchestrator::catalog::CatalogEntry;
use orchestrator::service::ServerSource;
use serde::Deserialize;

use super::layout::{self, PageError};
use super::session::Viewer;
use super::{DashState, enc};

/// Most servers listed at once (the search narrows them).
const SHOWN: usize = 100;

#[derive(Debug, Deserialize)]
pub struct CatalogQuery {
    q: Option<String>,
}

/// `GET /catalog`.
pub async fn page(State(state): State<DashState>, viewer: Viewer, Query(q): Query<CatalogQuery>) -> Response {
    let query = q.q.clone().filter(|s| !s.trim().is_empty());
    let search = query.clone();
    let entries = state.run(move |core, _, _| Ok(core.catalog_search(search.as_deref(), None)?)).await;
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    let subjects: Vec<&str> =
        std::iter::once(orchestrator::ids::SHARED).chain(dialects::all().iter().map(|c| c.id)).collect();
    let body = html! {
        div.heading { h1 { "Catalog" } p.lead { "MCP servers you can add to a profile." } }
        form.search role="search" method="get" action="/catalog" {
            label for="q" { "Search servers" }
            input #q type="search" name="q" value=(query.as_deref().unwrap_or("")) placeholder="e.g. git, files, search";
            button type="submit" { "Search" }
        }
        p #catalog-count { (entries.len()) " server" @if entries.len() != 1 { "s" }
            @if let Some(q) = &query { " matching " strong { (q) } } }
        ul.catalog {
            @for (i, entry) in entries.iter().take(SHOWN).enumerate() { (entry_card(&viewer, i, entry, &subjects)) }
        }
        @if entries.len() > SHOWN { p.muted { "Only the first " (SHOWN) " are shown: narrow the search." } }
    };
    layout::page("Catalog", Some(&viewer), "catalog", body).into_response()
}

fn entry_card(viewer: &Viewer, i: usize, entry: &CatalogEntry, subjects: &[&str]) -> Markup {
    let id = |name: &str| format!("add-{i}-{name}");
    html! {
        li.card data-server=(entry.full_name()) {
            h2.h3 { (entry.name) " " code { (entry.full_name()) } }
            p { (entry.description) }
            p.muted { span.badge.neutral { (entry.transport.as_str()) } }
            @if viewer.can_write() {
                details {
                    summary { "Add to a profile…" }
                    form.stack method="post" action="/catalog/add" {
                        input type="hidden" name="csrf" value=(viewer.csrf);
                        input type="hidden" name="server" value=(entry.full_name());
                        label for=(id("subject")) { "For" }
                        select id=(id("subject")) name="subject" {
                            @for s in subjects {
                                option value=(s) { @if *s == orchestrator::ids::SHARED { "every client (shared)" } @else { (s) } }
                            }
                        }
                        label for=(id("profile")) { "Profile" }
                        input id=(id("profile")) name="profile" value="default" required;
                        label for=(id("name")) { "Name in the profile" }
                        input id=(id("name")) name="name" value=(entry.id) required;
                        @for p in entry.parameters.iter().filter(|p| !p.secret) {
                            label for=(id(&format!("p-{}", p.name))) { (p.name) @if p.required { " (required)" } }
                            input id=(id(&format!("p-{}", p.name))) name=(format!("param.{}", p.name))
                                value=(p.default.as_deref().unwrap_or("")) required[p.required && p.default.is_none()];
                        }
                        @let secrets: Vec<&str> = entry.parameters.iter().filter(|p| p.secret).map(|p| p.name.as_str())
                            .chain(entry.env.iter().filter(|e| e.secret).map(|e| e.name.as_str())).collect();
                        @if !secrets.is_empty() {
                            p.muted { "Secrets are referenced, never typed here: set them with "
                                code { "mcp-orchestration secrets set NAME" } " (" (secrets.join(", ")) ")." }
                        }
                        button.primary type="submit" { "Add and publish" }
                    }
                }
            }
        }
    }
}

/// `POST /catalog/add`: adds a catalog server to a profile as its next signed version.
pub async fn add(
    State(state): State<DashState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field =
        |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    if let Err(e) = viewer.check(&field("csrf"), true) {
        return e.into_response();
    }
    let (subject, profile, name, server) = (field("subject"), field("profile"), field("name"), field("server"));
    if [&subject, &profile, &name, &server].iter().any(|v| v.is_empty()) {
        return PageError::new(StatusCode::BAD_REQUEST, "give the subject, profile, name and server of the addition")
            .into_response();
    }
    let params: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("param.")?.to_owned(), v.trim().to_owned())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let (s, p) = (subject.clone(), profile.clone());
    let added = state
        .run(move |core, _, path_dirs| {
            let source = ServerSource::Catalog { id: server, params, env: BTreeMap::new() };
            Ok(core.add_server(&s, &p, &name, &source, path_dirs)?)
        })
        .await;
    match added {
        Ok(_) => Redirect::to(&format!("/profiles/{}/{}?done=added", enc(&subject), enc(&profile))).into_response(),
        Err(e) => e.into_response(),
    }
}
