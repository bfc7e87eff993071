//! The request and response bodies of the REST API, as types the OpenAPI document is generated
//! from (`utoipa::ToSchema`). Responses are the same structured outputs the MCP tools return
//! (the core's reports, already redacted); the core's types are described by their mirrors in
//! [`super::mirrors`], and every response object refuses members its schema does not name.

#![allow(dead_code)] // response types are described, not built: the handlers serialize the core's

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

pub use super::mirrors::*;

/// A page of a listing: `limit` (1–1000, 50 by default) and the `next_cursor` of the previous
/// page as `cursor` (empty: the first page).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Most items in the page.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (base64url); any other string is refused.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A catalog listing or search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words to find in a server's id, name, description and tags (none: every server).
    pub q: Option<String>,
    /// Only servers with this transport (`stdio`, `http`, `sse`).
    #[param(value_type = Option<Transport>)]
    pub transport: Option<String>,
    /// Most items in the page.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (base64url); any other string is refused.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
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
    #[param(value_type = Option<EventStatus>)]
    pub status: Option<String>,
    /// Only events of the last this many seconds (at most 10,000 years).
    #[param(maximum = 315_576_000_000_u64)]
    pub since_seconds: Option<u64>,
    /// Most items in the page.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (base64url); any other string is refused.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Which of a client's files, and the profile to compare it with.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileDiffQuery {
    /// The profile (default: the one last deployed into the file, else `default`).
    #[param(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub profile: Option<String>,
    /// The client's file of this scope (`user`, `project`, `local`; default: its user file).
    #[param(value_type = Option<Scope>)]
    pub scope: Option<String>,
    /// With scope `project` or `local`: the project directory, one of the server's
    /// `--project-dir`s (the only one when left out).
    pub project: Option<String>,
}

/// `POST /v1/verify`: one artifact, or (no id) every version of every profile.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// `sha256:<64 hex>`; leave out to verify everything.
    #[schema(pattern = r"^sha256:[0-9a-f]{64}$")]
    pub artifact_id: Option<String>,
}

/// A servers document to compare with a profile's head.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"document": {"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}}}}))]
#[serde(deny_unknown_fields)]
pub struct DiffRequest {
    /// The servers document (`{"mcpServers": {...}}`).
    #[schema(value_type = ServersDocument)]
    pub document: Map<String, Value>,
}

/// A servers document to sign as a profile's next version.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"document": {"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}}}, "note": "filesystem server"}))]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The servers document (`{"mcpServers": {...}}`); secrets as `${secret:NAME}` references.
    #[schema(value_type = ServersDocument)]
    pub document: Map<String, Value>,
    /// A note kept in the version's metadata.
    pub note: Option<String>,
    /// Seconds until the version expires (none: never; at most 100 years).
    #[schema(value_type = Option<u64>, minimum = 1, maximum = 3_155_760_000_u64)]
    pub expires_in_seconds: Option<serde_json::Number>,
    /// Publish a document equal to the head as a new version anyway.
    #[serde(default)]
    pub allow_same: bool,
}

/// Deploy a profile into a client's file.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"profile": "default"}))]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// The profile (the client's own, else the shared one of that name).
    #[schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub profile: String,
    /// The client's file of this scope (`user`, `project`, `local`; default: its user file).
    #[schema(value_type = Option<Scope>)]
    pub scope: Option<String>,
    /// With scope `project` or `local`: the project directory, one of the server's
    /// `--project-dir`s (the only one when left out).
    pub project: Option<String>,
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
    /// The client's file of this scope (`user`, `project`, `local`; default: its user file).
    #[schema(value_type = Option<Scope>)]
    pub scope: Option<String>,
    /// With scope `project` or `local`: the project directory, one of the server's
    /// `--project-dir`s (the only one when left out).
    pub project: Option<String>,
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
#[schema(example = json!({"profile": "default"}))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The profile (shared, or a client's own of that name).
    #[schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    pub profile: String,
    /// `true` writes the files; otherwise the answer is the dry run per file.
    #[serde(default)]
    pub confirm: bool,
}

/// A page of clients.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientsPage {
    /// Clients in this page.
    pub count: usize,
    /// One row per client.
    pub clients: Vec<ClientRow>,
    /// First shared profile ids.
    pub shared_profile_ids: Vec<String>,
    /// How many shared profiles there are.
    pub shared_profile_count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page of a client's (or the shared) profiles.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilesPage {
    /// The client (`_shared` for shared profiles).
    pub client_id: String,
    /// Profile name, head version and artifact id.
    pub profiles: Vec<ProfileSummary>,
    /// Profiles in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A verified artifact. Its id is the response's `ETag`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// `sha256:` of the payload's canonical bytes.
    pub artifact_id: String,
    /// The subject (`_shared` for a shared profile).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// Its version.
    pub version: u64,
    /// The version before (the hash chain; null for the first).
    pub previous: Option<String>,
    /// When it was signed.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it expires (null: never).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The servers document (secrets as `${secret:NAME}` references).
    pub payload: ServersDocument,
    /// Metadata (the publish note among it).
    pub metadata: Map<String, Value>,
    /// The signature over the statement.
    pub signature: SignatureBlock,
    /// The signing key's id.
    pub signing_key_id: String,
    /// Which profile answered.
    pub layer: Layer,
    /// The client asked for.
    pub served_for: String,
}

/// A page of a profile's history, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryPage {
    /// The client.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// Versions in this page.
    pub count: usize,
    /// One per version.
    pub entries: Vec<HistorySummary>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The outcome of a verification.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyReport {
    /// Every artifact passed.
    pub verified: bool,
    /// Artifacts checked.
    pub checked: usize,
    /// Artifacts that failed.
    pub failed: usize,
    /// One per artifact.
    pub outcomes: Vec<VerifyOutcome>,
}

/// A file whose status could not be read.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileError {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// The problem: its `type` and `detail`.
    pub error: ProblemBrief,
}

/// A problem's type and detail.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemBrief {
    /// The problem type (one per CLI exit-code class).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// What went wrong.
    pub detail: String,
}

/// A file's drift, with the file's deployments.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileStatus {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// The profile compared with.
    pub profile_id: String,
    /// The head compared with (null: the profile has no version).
    pub remote_artifact_id: Option<String>,
    /// Id of the live servers document (null: no file).
    pub local_artifact_id: Option<String>,
    /// The version this home deployed last into the file.
    pub deployed_version: Option<u64>,
    /// Whose profile was compared with.
    pub layer: Option<Layer>,
    /// Remote servers the client reaches through the bridge.
    pub bridged: Vec<String>,
    /// Servers the client cannot take.
    pub skipped: Vec<Skipped>,
    /// The verdict.
    pub status: DriftStatus,
    /// What a deploy would change.
    pub diff: Diff,
    /// What to do about it.
    pub recommendation: String,
    /// The file's own entries a deploy keeps.
    pub kept: Vec<String>,
    /// Entries a deploy refuses unless adopted.
    pub conflicts: Vec<Conflict>,
    /// True unless the status is `up-to-date`.
    pub drift: bool,
    /// The file's deployments, oldest first.
    pub deployments: Vec<DeploymentRecord>,
}

/// One file of a status: its drift, or why it could not be read.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatusRow {
    /// The file's drift.
    Drift(Box<FileStatus>),
    /// Its failure.
    Error(FileError),
}

/// Drift of every detected client file.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// One per file.
    pub files: Vec<StatusRow>,
    /// Files in this page.
    pub count: usize,
    /// Files that drifted.
    pub drifted: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A published version: the artifact (`created: false` when the document equalled the head).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// The version's artifact id.
    pub artifact_id: String,
    /// The subject.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// Its version.
    pub version: u64,
    /// The version before.
    pub previous: Option<String>,
    /// When it was signed.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it expires (null: never).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The servers document as signed.
    pub payload: ServersDocument,
    /// Metadata.
    pub metadata: Map<String, Value>,
    /// The signature.
    pub signature: SignatureBlock,
    /// The signing key's id.
    pub signing_key_id: String,
    /// Whether a new version was written.
    pub created: bool,
}

/// What a deploy did, or (without `confirm: true`) would do.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployAction {
    /// True when nothing was written.
    pub dry_run: bool,
    /// The core's report (redacted).
    pub report: DeployReport,
    /// Set on a dry run: how to write.
    pub next_step: Option<String>,
}

/// A rollback's preview or outcome.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum RollbackOutcome {
    /// What would be restored (a dry run).
    Preview(RollbackPreview),
    /// What was restored.
    Done(RollbackReport),
}

/// What a rollback did, or (without `confirm: true`) would do.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackAction {
    /// True when nothing was written.
    pub dry_run: bool,
    /// The preview (dry run) or the outcome.
    pub report: RollbackOutcome,
    /// Set on a dry run: how to write.
    pub next_step: Option<String>,
}

/// What a sync did, or (without `confirm: true`) would do.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncAction {
    /// True when nothing was written.
    pub dry_run: bool,
    /// Per file.
    pub report: SyncReport,
    /// Set on a dry run: how to write.
    pub next_step: Option<String>,
}

/// A page of catalog servers.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogPage {
    /// The search words, if any.
    pub query: Option<String>,
    /// Catalog entries.
    pub servers: Vec<CatalogServer>,
    /// Entries in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page of events, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsPage {
    /// Events.
    pub events: Vec<Event>,
    /// Events in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}
