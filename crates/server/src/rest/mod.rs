//! The REST API under `/v1` of `serve --http`: JSON in and out, thin handlers each calling
//! one core operation (the same ones the CLI and the MCP tools call; no logic of their own),
//! failures as RFC 9457 problem documents ([`problem`]), and an OpenAPI 3.1 document at
//! `/v1/openapi.json` generated from the handlers and their types by `utoipa`.
//!
//! - [`read`]: GET endpoints (and the ETag/`If-None-Match` handling of artifacts).
//! - [`write`]: POST endpoints (`verify` and `diff` read; publish, deploy, rollback, sync write).
//! - [`audit`]: `GET /v1/audit` (the checks of `audit --ci`, no network).
//! - [`schemas`]: request and response bodies.
//!
//! Authentication and scopes are checked in front of the router by [`crate::http`]: GET and
//! the read-only POSTs ([`READ_ONLY_POSTS`]) need a `read` or `write` token, every other POST a
//! `write` token (403 `forbidden` otherwise). No CORS headers are sent.

pub mod audit;
pub mod mirrors;
pub mod problem;
pub mod read;
pub mod schemas;
pub mod write;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::response::{IntoResponse, Response};
use orchestrator::Orchestrator;
use orchestrator::page::{self, PageRequest};
use serde_json::{Value, json};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::problem::Problem;

/// POST endpoints that change nothing (a `read` token may call them).
pub const READ_ONLY_POSTS: &[&str] = &["/v1/verify"];

/// Whether a POST to `path` only reads (verify, and the diff of a posted document).
pub fn is_read_only_post(path: &str) -> bool {
    READ_ONLY_POSTS.contains(&path) || (path.starts_with("/v1/clients/") && path.ends_with("/diff"))
}

/// What every handler needs: the core, this machine's facts and PATH.
#[derive(Clone)]
pub struct RestState {
    core: Arc<Orchestrator>,
    facts: Arc<dialects::HostFacts>,
    path_dirs: Arc<Vec<PathBuf>>,
    project_dirs: Arc<Vec<PathBuf>>,
}

impl RestState {
    /// A state over this core with explicit host facts and PATH directories.
    pub fn new(core: Arc<Orchestrator>, facts: dialects::HostFacts, path_dirs: Vec<PathBuf>) -> Self {
        RestState { core, facts: Arc::new(facts), path_dirs: Arc::new(path_dirs), project_dirs: Arc::new(Vec::new()) }
    }

    /// The project directories (`serve --project-dir`) a request may name for the `project`
    /// and `local` scopes: the same rule as the MCP tools' (see [`crate::host::client_file`]).
    pub fn with_project_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.project_dirs = Arc::new(dirs);
        self
    }

    /// The client file a request names: its scope and project, else the client's user file.
    fn client_file(
        &self,
        client: &str,
        scope: Option<&str>,
        project: Option<&str>,
    ) -> Result<orchestrator::service::ClientFile, Problem> {
        Ok(crate::host::client_file(client, None, (scope, project), &self.facts, &self.project_dirs)?)
    }

    /// Runs `work` on the blocking pool (the core reads and writes files).
    async fn run_raw<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Orchestrator, &dialects::HostFacts, &[PathBuf]) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let (core, facts, path_dirs) = (Arc::clone(&self.core), Arc::clone(&self.facts), Arc::clone(&self.path_dirs));
        tokio::task::spawn_blocking(move || work(&core, &facts, &path_dirs))
            .await
            .map_err(|_| Problem::of(orchestrator::ErrorKind::Other, "the request failed unexpectedly"))?
    }

    /// [`RestState::run_raw`] for a JSON answer.
    async fn run(
        &self,
        work: impl FnOnce(&Orchestrator, &dialects::HostFacts, &[PathBuf]) -> Result<Value, Problem> + Send + 'static,
    ) -> Result<Json<Value>, Problem> {
        self.run_raw(work).await.map(Json)
    }
}

/// The page a `limit` and `cursor` ask for (as the MCP tools read them; an empty cursor is
/// the first page).
fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest<'_>, Problem> {
    Ok(PageRequest::new(limit.map(|l| l as usize), cursor.filter(|c| !c.is_empty()), page::DEFAULT_LIMIT)?)
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, Problem> {
    serde_json::to_value(value)
        .map_err(|e| Problem::of(orchestrator::ErrorKind::Other, format!("cannot encode the result: {e}")))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "mcp-orchestration REST API",
        description = "Signed, content-addressed MCP server configurations for every MCP client. \
                       Failures are RFC 9457 problem documents whose `type` names the CLI's exit-code class.",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(Problem)),
    modifiers(&Security),
    tags((name = "clients"), (name = "profiles"), (name = "deploy"), (name = "catalog"), (name = "events"))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `mcp-orchestration tokens create --scope read|write` or the MCP token \
                         (write) that `serve --http` names on start",
                    ))
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The failures every operation can answer with, each a problem document.
const ERRORS: &[(&str, &str)] = &[
    ("400", "Bad request (`usage`): a parameter or body the operation cannot use"),
    ("401", "No or a wrong bearer token (`unauthorized`)"),
    ("403", "A read token on a write endpoint, or a foreign Host/Origin (`forbidden`)"),
    ("404", "No such client, profile, artifact, server or deployment (`not-found`)"),
    ("409", "Conflict (`conflict`): a file changed underneath, the home is locked, or a name is taken"),
    ("422", "Refused (`integrity`, `validation`, `signature`, `freshness`, `unsafe`)"),
    ("429", "Too many failed authentications from this address (`too-many-requests`)"),
    ("500", "Any other failure (`other`)"),
];

/// The router of `/v1` and its OpenAPI document (with every error response added to every
/// operation).
fn split() -> (axum::Router<RestState>, Value) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(read::list_clients))
        .routes(routes!(read::list_profiles))
        .routes(routes!(read::list_shared_profiles))
        .routes(routes!(read::get_head))
        .routes(routes!(read::get_artifact))
        .routes(routes!(read::history))
        .routes(routes!(read::diff_file))
        .routes(routes!(read::status))
        .routes(routes!(read::catalog))
        .routes(routes!(read::catalog_server))
        .routes(routes!(read::events))
        .routes(routes!(audit::audit))
        .routes(routes!(write::verify))
        .routes(routes!(write::diff))
        .routes(routes!(write::publish))
        .routes(routes!(write::deploy))
        .routes(routes!(write::rollback))
        .routes(routes!(write::sync))
        .routes(routes!(openapi_json))
        .split_for_parts();
    let mut doc = serde_json::to_value(&api).unwrap_or_default();
    constrain_ids(&mut doc);
    let problem = json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                let responses = operation.entry("responses").or_insert_with(|| json!({}));
                for (status, description) in ERRORS {
                    responses[*status] = json!({"description": description, "content": problem});
                }
            }
        }
    }
    (router, doc)
}

/// The grammar of profile ids (`ids::ProfileId`).
pub const PROFILE_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{0,63}$";
/// The form of artifact ids.
pub const ARTIFACT_PATTERN: &str = "^sha256:[0-9a-f]{64}$";
/// The form of catalog server ids (an imported one is `NAME` or `registry/NAME`).
pub const SERVER_PATTERN: &str = "^[a-z0-9][a-z0-9._/-]{0,127}$";

/// Gives the path parameters the ids' own grammar: `client` the known client ids (and
/// `_shared` where a profile's subject goes), `profile`, `artifact_id` and `server_id` their
/// patterns. The client table lives in `dialects`, so this is filled in from it here.
fn constrain_ids(doc: &mut Value) {
    let clients: Vec<&str> = dialects::all().iter().map(|c| c.id).collect();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        // A diff compares with the client's profile or, failing that, the shared one of that name.
        let subjects = path.contains("/profiles") && !path.ends_with("/diff");
        let Some(item) = item.as_object_mut() else { continue };
        for operation in item.values_mut() {
            let Some(params) = operation.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
            for param in params.iter_mut().filter(|p| p["in"] == "path") {
                let (schema, example) = match param["name"].as_str() {
                    Some("client") if subjects => {
                        let mut ids = clients.clone();
                        ids.push(orchestrator::ids::SHARED);
                        (json!({"type": "string", "enum": ids}), json!("cursor"))
                    }
                    Some("client") => (json!({"type": "string", "enum": clients}), json!("cursor")),
                    Some("profile") => (json!({"type": "string", "pattern": PROFILE_PATTERN}), json!("default")),
                    Some("artifact_id") => (json!({"type": "string", "pattern": ARTIFACT_PATTERN}), Value::Null),
                    Some("server_id") => (json!({"type": "string", "pattern": SERVER_PATTERN}), json!("filesystem")),
                    _ => continue,
                };
                param["schema"] = schema;
                if !example.is_null() {
                    param["example"] = example;
                }
            }
        }
    }
}

/// The OpenAPI 3.1 document of `/v1` (generated once).
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| split().1)
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "clients",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

/// The `/v1` routes over this state, with a problem document for any other `/v1` path.
pub fn router(state: RestState) -> axum::Router {
    split()
        .0
        .fallback(|| async {
            Problem::of(orchestrator::ErrorKind::NotFound, "no such endpoint: see /v1/openapi.json for the API")
        })
        .with_state(state)
}
