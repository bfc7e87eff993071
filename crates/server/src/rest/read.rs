//! The read-only endpoints (a `read` token is enough): clients, profiles, heads and artifacts
//! (verified on every read, `ETag` = artifact id), history, status, catalog, events. Each calls
//! one core operation, as the MCP tool of the same purpose does.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orchestrator::events::{Filter, Status};
use orchestrator::page;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::problem::Problem;
use super::schemas::*;
use super::{RestState, page_request, to_value};
use crate::{host, tools};

/// The furthest back `since_seconds` reaches (10,000 years).
const MAX_SINCE_SECONDS: u64 = 315_576_000_000;

/// A query string parsed into `T`; one that does not parse is a usage problem (400) naming
/// what is wrong, not axum's plain-text rejection.
pub struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| Problem::usage(format!("bad query string: {}", e.body_text())))
    }
}

/// The detected clients with their files, profile ids and drift summary.
#[utoipa::path(get, path = "/v1/clients", tag = "clients", params(PageQuery),
    responses((status = 200, description = "A page of clients", body = ClientsPage)))]
pub async fn list_clients(
    State(state): State<RestState>,
    QueryOf(q): QueryOf<PageQuery>,
) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, facts, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let page = page::page_in_order(&tools::all_clients(), &request, "clients", "", |c| c.id)?;
            let mut rows = tools::client_rows(core, facts, &page.items);
            let files: Vec<_> = host::detected_files(facts)
                .into_iter()
                .filter(|f| page.items.iter().any(|c| c.id == f.client_id))
                .collect();
            let outcomes = core.status(&files)?;
            for row in &mut rows {
                let id = row["client_id"].as_str().unwrap_or_default().to_owned();
                let (mut total, mut drifted, mut errors) = (0, 0, 0);
                for (file, outcome) in files.iter().zip(&outcomes) {
                    if file.client_id != id {
                        continue;
                    }
                    total += 1;
                    match outcome {
                        Ok(drift) => drifted += usize::from(drift.is_drift()),
                        Err(_) => errors += 1,
                    }
                }
                row["drift"] = json!({"files": total, "drifted": drifted, "errors": errors});
            }
            let shared = core.profile_names(orchestrator::ids::SHARED).unwrap_or_default();
            let shared_ids: Vec<&str> = shared.iter().take(tools::MAX_PROFILE_IDS).map(|p| p.as_str()).collect();
            Ok(json!({"count": rows.len(), "clients": rows, "shared_profile_ids": shared_ids,
                      "shared_profile_count": shared.len(), "next_cursor": page.next_cursor}))
        })
        .await
}

async fn profiles(state: RestState, client: String, q: PageQuery) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, _, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let page = core.profiles_page(&client, &request)?;
            Ok(json!({"client_id": client, "profiles": to_value(&page.items)?, "count": page.items.len(),
                      "next_cursor": page.next_cursor}))
        })
        .await
}

/// A client's published profiles, each with its head version and artifact id.
#[utoipa::path(get, path = "/v1/clients/{client}/profiles", tag = "profiles",
    params(("client" = String, Path, description = "A client id (see /v1/clients) or `_shared`"), PageQuery),
    responses((status = 200, description = "A page of profiles", body = ProfilesPage)))]
pub async fn list_profiles(
    State(state): State<RestState>,
    Path(client): Path<String>,
    QueryOf(q): QueryOf<PageQuery>,
) -> Result<Json<Value>, Problem> {
    profiles(state, client, q).await
}

/// The shared profiles (subject `_shared`), which every client follows unless it has its own.
#[utoipa::path(get, path = "/v1/shared/profiles", tag = "profiles", params(PageQuery),
    responses((status = 200, description = "A page of shared profiles", body = ProfilesPage)))]
pub async fn list_shared_profiles(
    State(state): State<RestState>,
    QueryOf(q): QueryOf<PageQuery>,
) -> Result<Json<Value>, Problem> {
    profiles(state, orchestrator::ids::SHARED.to_owned(), q).await
}

/// Whether `If-None-Match` names this entity tag (weak comparison, `*` matches anything).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag))
}

/// An artifact with its id as a strong `ETag`, or 304 when `If-None-Match` has it.
fn artifact_response(headers: &HeaderMap, value: Value) -> Response {
    let id = value["artifact_id"].as_str().unwrap_or_default();
    let etag = format!("\"{id}\"");
    let Ok(etag_value) = HeaderValue::from_str(&etag) else {
        return Problem::of(orchestrator::ErrorKind::Other, "the artifact id is not a header value").into_response();
    };
    if not_modified(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (StatusCode::OK, [(header::ETAG, etag_value)], Json(value)).into_response()
}

fn artifact_json(verified: orchestrator::artifact::Verified, served_for: &str) -> Value {
    let layer = orchestrator::service::Layer::of(&verified);
    let mut value = verified.into_json();
    value["layer"] = json!(layer.as_str());
    value["served_for"] = json!(served_for);
    value
}

/// A profile's head, verified (hash, signature, trusted key, rollback floor, expiry).
#[utoipa::path(get, path = "/v1/clients/{client}/profiles/{profile}/head", tag = "profiles",
    params(("client" = String, Path, description = "A client id or `_shared`"),
           ("profile" = String, Path, description = "A profile id"),
           ("If-None-Match" = Option<String>, Header, description = "An artifact id in quotes: 304 when it is the head")),
    responses((status = 200, description = "The head", body = Artifact,
               headers(("ETag" = String, description = "The artifact id, quoted"))),
              (status = 304, description = "The head is the artifact named by If-None-Match")))]
pub async fn get_head(
    State(state): State<RestState>,
    Path((client, profile)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Json(value) = state.run(move |core, _, _| Ok(artifact_json(core.get(&client, &profile)?, &client))).await?;
    Ok(artifact_response(&headers, value))
}

/// One version of a profile by artifact id, verified.
#[utoipa::path(get, path = "/v1/clients/{client}/profiles/{profile}/artifacts/{artifact_id}", tag = "profiles",
    params(("client" = String, Path, description = "A client id or `_shared`"),
           ("profile" = String, Path, description = "A profile id"),
           ("artifact_id" = String, Path, description = "`sha256:` and 64 hex digits"),
           ("If-None-Match" = Option<String>, Header, description = "The artifact id in quotes: 304")),
    responses((status = 200, description = "The artifact", body = Artifact,
               headers(("ETag" = String, description = "The artifact id, quoted"))),
              (status = 304, description = "Named by If-None-Match")))]
pub async fn get_artifact(
    State(state): State<RestState>,
    Path((client, profile, artifact_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Json(value) = state
        .run(move |core, _, _| Ok(artifact_json(core.get_artifact(&client, &profile, &artifact_id)?, &client)))
        .await?;
    Ok(artifact_response(&headers, value))
}

/// A profile's verified history, oldest first.
#[utoipa::path(get, path = "/v1/clients/{client}/profiles/{profile}/history", tag = "profiles",
    params(("client" = String, Path, description = "A client id or `_shared`"),
           ("profile" = String, Path, description = "A profile id"), PageQuery),
    responses((status = 200, description = "A page of versions", body = HistoryPage)))]
pub async fn history(
    State(state): State<RestState>,
    Path((client, profile)): Path<(String, String)>,
    QueryOf(q): QueryOf<PageQuery>,
) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, _, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let page = core.history_page(&client, &profile, &request)?;
            let entries: Vec<_> = page.items.iter().map(orchestrator::service::HistorySummary::of).collect();
            Ok(json!({"client_id": client, "profile_id": profile, "count": entries.len(), "entries": to_value(&entries)?,
                      "next_cursor": page.next_cursor}))
        })
        .await
}

/// Compares a client's live file with a profile (default: the one last deployed into it, else
/// `default`): status, the redacted diff a deploy would make, and a recommendation.
#[utoipa::path(get, path = "/v1/clients/{client}/diff", tag = "deploy",
    params(("client" = String, Path, description = "A client id"), FileDiffQuery),
    responses((status = 200, description = "The drift report of the file", body = DriftReport)))]
pub async fn diff_file(
    State(state): State<RestState>,
    Path(client): Path<String>,
    QueryOf(q): QueryOf<FileDiffQuery>,
) -> Result<Json<Value>, Problem> {
    let file = state.client_file(&client, q.scope.as_deref(), q.project.as_deref())?;
    state.run(move |core, _, _| to_value(&core.diff_file(&file, q.profile.as_deref())?)).await
}

/// Drift of every detected client file: the profile compared with, status, changes a deploy
/// would make (redacted) and the file's deployments.
#[utoipa::path(get, path = "/v1/status", tag = "deploy", params(PageQuery),
    responses((status = 200, description = "Drift per file", body = StatusReport)))]
pub async fn status(State(state): State<RestState>, QueryOf(q): QueryOf<PageQuery>) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, facts, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let keyed: Vec<(String, orchestrator::service::ClientFile)> = host::detected_files(facts)
                .into_iter()
                .map(|f| (format!("{} {}", f.client_id, f.path.display()), f))
                .collect();
            let page = page::page_in_order(&keyed, &request, "status", "", |(key, _)| key)?;
            let files: Vec<_> = page.items.into_iter().map(|(_, f)| f).collect();
            let mut rows = Vec::new();
            let mut drifted = 0;
            for outcome in core.status(&files)? {
                match outcome {
                    Ok(drift) => {
                        drifted += usize::from(drift.is_drift());
                        let deployments = core.deployments(&drift.client_id, Some(&PathBuf::from(&drift.file)))?;
                        let mut row = to_value(&drift)?;
                        row["drift"] = json!(drift.is_drift());
                        row["deployments"] = to_value(&deployments)?;
                        rows.push(row);
                    }
                    Err((file, error)) => {
                        let p = Problem::from(error);
                        rows.push(json!({"client_id": file.client_id, "file": file.path.display().to_string(),
                                         "error": {"type": p.problem_type, "detail": p.detail}}));
                    }
                }
            }
            Ok(json!({"files": rows, "count": files.len(), "drifted": drifted, "next_cursor": page.next_cursor}))
        })
        .await
}

/// The catalog of MCP servers, or those matching `q`.
#[utoipa::path(get, path = "/v1/catalog", tag = "catalog", params(CatalogQuery),
    responses((status = 200, description = "A page of catalog servers", body = CatalogPage)))]
pub async fn catalog(
    State(state): State<RestState>,
    QueryOf(q): QueryOf<CatalogQuery>,
) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, _, _| {
            let request = page_request(q.limit, q.cursor.as_deref())?;
            if let Some(t) = q.transport.as_deref().filter(|t| !["stdio", "http", "sse"].contains(t)) {
                return Err(Problem::usage(format!("transport {t:?} is not one of stdio, http, sse")));
            }
            let servers = core.catalog_search(q.q.as_deref(), q.transport.as_deref())?;
            let scope = q.q.clone().unwrap_or_default();
            let page = page::page_in_order(&servers, &request, "servers", &scope, |e| e.full_name())?;
            Ok(json!({"query": q.q, "servers": to_value(&page.items)?, "count": page.items.len(),
                      "next_cursor": page.next_cursor}))
        })
        .await
}

/// One catalog server.
#[utoipa::path(get, path = "/v1/catalog/{server_id}", tag = "catalog",
    params(("server_id" = String, Path, description = "A catalog server id")),
    responses((status = 200, description = "The server", body = CatalogServer)))]
pub async fn catalog_server(
    State(state): State<RestState>,
    Path(server_id): Path<String>,
) -> Result<Json<Value>, Problem> {
    state.run(move |core, _, _| to_value(&core.catalog_show(&server_id)?)).await
}

/// The event log, oldest first (ids and outcomes, never payloads or secrets).
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, description = "A page of events", body = EventsPage)))]
pub async fn events(State(state): State<RestState>, QueryOf(q): QueryOf<EventsQuery>) -> Result<Json<Value>, Problem> {
    state
        .run(move |core, _, _| {
            let status =
                match q.status.as_deref() {
                    None => None,
                    Some(s) => Some(Status::parse(s).ok_or_else(|| {
                        Problem::usage(format!("status {s:?} is not one of pending, success, failure"))
                    })?),
                };
            let since = match q.since_seconds {
                None => None,
                Some(s) if s > MAX_SINCE_SECONDS => {
                    return Err(Problem::usage(format!(
                        "since_seconds {s} is too far back: give at most {MAX_SINCE_SECONDS} (10,000 years)"
                    )));
                }
                Some(s) => Some(core.now().checked_sub(std::time::Duration::from_secs(s)).map_err(|_| {
                    Problem::usage(format!("since_seconds {s} is too far back: give a smaller number"))
                })?),
            };
            let filter = Filter { type_prefix: q.type_prefix.clone(), since, trace_id: q.trace.clone(), status };
            let request = page_request(q.limit, q.cursor.as_deref())?;
            let scope = format!(
                "{}|{}|{}",
                q.type_prefix.as_deref().unwrap_or(""),
                q.trace.as_deref().unwrap_or(""),
                q.status.as_deref().unwrap_or("")
            );
            let start = match request.after("events", &scope)? {
                None => 0,
                Some(key) => key.parse::<usize>().map_err(|_| {
                    Problem::usage("the cursor is not one this events listing gave out: leave it out to start over")
                })?,
            };
            let (page, more) = core.events_page(&filter, start, request.limit)?;
            let end = start + page.len();
            let next_cursor = more.then(|| page::encode("events", &scope, &end.to_string()));
            Ok(json!({"events": to_value(&page)?, "count": page.len(), "next_cursor": next_cursor}))
        })
        .await
}
