//! The request and response bodies of the REST API, as types the OpenAPI document is generated
//! from (`utoipa::ToSchema`). Responses are the same structured outputs the MCP tools return
//! (the core's reports, already redacted); the schemas name the keys a client can rely on,
//! and responses may carry more.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// A page of a listing: `limit` (1–500, 50 by default) and the `next_cursor` of the previous
/// page as `cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Most items in the page.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A catalog listing or search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words to find in a server's id, name, description and tags (none: every server).
    pub q: Option<String>,
    /// Only servers with this transport (`stdio`, `http`, `sse`).
    pub transport: Option<String>,
    /// Most items in the page.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An event log query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events whose type starts with this.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_prefix: Option<String>,
    /// Only events of this trace id.
    pub trace: Option<String>,
    /// Only events with this status (`pending`, `success`, `failure`).
    pub status: Option<String>,
    /// Only events of the last this many seconds.
    pub since_seconds: Option<u64>,
    /// Most items in the page.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `POST /v1/verify`: one artifact, or (no id) every version of every profile.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// `sha256:<64 hex>`; leave out to verify everything.
    pub artifact_id: Option<String>,
}

/// A servers document to compare with a profile's head.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffRequest {
    /// The servers document (`{"mcpServers": {...}}`).
    pub document: Map<String, Value>,
}

/// A servers document to sign as a profile's next version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The servers document (`{"mcpServers": {...}}`); secrets as `${secret:NAME}` references.
    pub document: Map<String, Value>,
    /// A note kept in the version's metadata.
    pub note: Option<String>,
    /// Seconds until the version expires (none: never).
    pub expires_in_seconds: Option<u64>,
    /// Publish a document equal to the head as a new version anyway.
    #[serde(default)]
    pub allow_same: bool,
}

/// Deploy a profile into a client's file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// The profile (the client's own, else the shared one of that name).
    pub profile: String,
    /// The client's file of this scope (`user`, `project`, `local`; default: its user file).
    pub scope: Option<String>,
    /// `true` writes the file; otherwise nothing is written and the answer is the dry run.
    #[serde(default)]
    pub confirm: bool,
    /// Entries of the user's to take over (named).
    #[serde(default)]
    pub adopt: Vec<String>,
    /// Take over every conflicting entry.
    #[serde(default)]
    pub adopt_all: bool,
    /// Create the file when it does not exist.
    #[serde(default)]
    pub create: bool,
}

/// Roll back a client's file.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The client's file of this scope (default: its user file).
    pub scope: Option<String>,
    /// Restore the bytes right after this deployment (`original`: before the first).
    pub deployment_id: Option<String>,
    /// Restore even though the file changed since it was written.
    #[serde(default)]
    pub force: bool,
    /// `true` writes the file; otherwise the answer is the preview.
    #[serde(default)]
    pub confirm: bool,
}

/// Deploy one profile into every client file on this machine.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The profile (shared, or a client's own of that name).
    pub profile: String,
    /// `true` writes the files; otherwise the answer is the dry run per file.
    #[serde(default)]
    pub confirm: bool,
}

/// A page of clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientsPage {
    /// Clients in this page.
    pub count: usize,
    /// One row per client: id, display name, format, scopes, files found, `detected`, profile
    /// ids, and `drift` (`files`, `drifted`) over its detected files.
    #[schema(value_type = Vec<Object>)]
    pub clients: Vec<Value>,
    /// First shared profile ids.
    pub shared_profile_ids: Vec<String>,
    /// How many shared profiles there are.
    pub shared_profile_count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page of a client's (or the shared) profiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfilesPage {
    /// The client (`_shared` for shared profiles).
    pub client_id: String,
    /// Profile name, head version and artifact id.
    #[schema(value_type = Vec<Object>)]
    pub profiles: Vec<Value>,
    /// Profiles in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A verified artifact. Its id is the response's `ETag`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Artifact {
    /// `sha256:` of the payload's canonical bytes.
    pub artifact_id: String,
    /// The subject (`_shared` for a shared profile).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// Its version.
    pub version: u64,
    /// When it was signed.
    pub created_at: String,
    /// The servers document.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// The signing key's id.
    pub signing_key_id: String,
    /// `own` or `shared`: which profile answered.
    pub layer: String,
    /// The client asked for.
    pub served_for: String,
}

/// A page of a profile's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// The client.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// Versions in this page.
    pub count: usize,
    /// `version`, `verified`, and the artifact id, times, previous id and signer, or the error.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<Value>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The outcome of a verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    /// Every artifact passed.
    pub verified: bool,
    /// Artifacts checked.
    pub checked: usize,
    /// Artifacts that failed.
    pub failed: usize,
    /// One per artifact, each failure with the check that failed.
    #[schema(value_type = Vec<Object>)]
    pub outcomes: Vec<Value>,
}

/// A drift report: status, the ids compared, the diff (redacted) and a recommendation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriftReport {
    /// The client.
    pub client_id: String,
    /// The profile compared with.
    pub profile_id: String,
    /// The head compared with (null: the profile has no version).
    pub remote_artifact_id: Option<String>,
}

/// Drift of every detected client file.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusReport {
    /// One drift report (with `drift` and `deployments`) or `error` per file.
    #[schema(value_type = Vec<Object>)]
    pub files: Vec<Value>,
    /// Files in this page.
    pub count: usize,
    /// Files that drifted.
    pub drifted: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A published version (`created: false` when the document equalled the head).
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// The version's artifact id.
    pub artifact_id: String,
    /// Its version.
    pub version: u64,
    /// Whether a new version was written.
    pub created: bool,
}

/// What a deploy, rollback or sync did, or (without `confirm: true`) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionReport {
    /// True when nothing was written (no `confirm: true`).
    pub dry_run: bool,
    /// The core's report (diff, files, deployment ids), redacted.
    #[schema(value_type = Object)]
    pub report: Value,
}

/// A page of catalog servers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogPage {
    /// The search words, if any.
    pub query: Option<String>,
    /// Catalog entries.
    #[schema(value_type = Vec<Object>)]
    pub servers: Vec<Value>,
    /// Entries in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// One catalog server: how it is launched, transport, parameters, environment, tags.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogServer {
    /// Its id.
    pub id: String,
}

/// A page of events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsPage {
    /// Events: time, type, trace id, status, duration, metadata (ids and outcomes only).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Value>,
    /// Events in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}
