//! Schemas of the core's reports as the REST API returns them. The handlers serialize the
//! core's own types (`FileDrift`, `DeployReport`, `CatalogEntry`, …); these types mirror them
//! field for field, only so that `utoipa` can describe them in the OpenAPI document. Every
//! mirror refuses unknown members (`additionalProperties: false`), so a field the core adds
//! and the mirror lacks fails the tests that validate real responses against the document
//! (`tests/server/rest_schemas.rs` and schemathesis), instead of going undocumented.

#![allow(dead_code)] // schema-only types: never built, only described

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A servers document: `mcpServers` maps each server's name to its entry (`command`, `args`,
/// `env` for a local server; `url`, `headers`, `type` for a remote one). Secrets appear as
/// `${secret:NAME}` references (in a profile) or `«redacted»` (in anything read from a file).
#[derive(Serialize, ToSchema)]
pub struct ServersDocument {
    /// The servers by name.
    #[serde(rename = "mcpServers")]
    pub mcp_servers: BTreeMap<String, Map<String, Value>>,
}

/// The signature of an artifact's statement.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureBlock {
    /// `ed25519`.
    pub alg: String,
    /// The signing key's id.
    pub key_id: String,
    /// The signature, base64.
    pub sig: String,
}

/// Which profile answered: the client's own or the shared one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The client's own profile of that name.
    Client,
    /// The shared profile every client follows.
    Shared,
}

/// A profile and its head.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileSummary {
    /// Profile id.
    pub profile_id: String,
    /// Head version.
    pub version: u64,
    /// Head artifact id.
    pub artifact_id: String,
    /// Whose profile it is.
    pub layer: Layer,
}

/// Why a version of a history did not verify.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryFailure {
    /// The failure's class in snake case (`integrity`, `signature`, `freshness`, …).
    pub kind: String,
    /// The CLI's exit code of that class.
    pub exit_code: u8,
    /// What failed.
    pub message: String,
}

/// One version of a profile's history (the core's `HistorySummary`, which the MCP tool
/// `list_history` returns too): the statement's fields when it verified, else `error`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistorySummary {
    /// The version number.
    pub version: u64,
    /// Whether it passed every check.
    pub verified: bool,
    /// Its artifact id.
    pub artifact_id: Option<String>,
    /// The id of the version before (the hash chain; null for the first).
    pub previous: Option<String>,
    /// When it was signed.
    #[schema(format = DateTime)]
    pub created_at: Option<String>,
    /// When it expires (null: never).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// Metadata (the publish note among it).
    pub metadata: Option<Map<String, Value>>,
    /// The id of the key that signed it.
    pub signing_key_id: Option<String>,
    /// Why it did not verify.
    pub error: Option<HistoryFailure>,
}

/// What happened to a server or a field.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Only in the target.
    Added,
    /// Only in the base.
    Removed,
    /// In both, different.
    Modified,
}

/// How much a change matters.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// A server could stop working or work differently.
    Breaking,
    /// Something is added or tuned.
    Compatible,
    /// Nothing a server sees.
    Cosmetic,
}

/// One difference between two servers documents (values redacted).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Added, removed or modified.
    pub op: Op,
    /// The server's name.
    pub server: String,
    /// JSON pointer of the server or field.
    pub path: String,
    /// The base's value (null when added).
    pub old: Option<Value>,
    /// The target's value (null when removed).
    pub new: Option<Value>,
    /// How much it matters.
    pub impact: Impact,
}

/// Counts of a diff's changes.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffSummary {
    /// Every change.
    pub total_changes: usize,
    /// Changes with op `added`.
    pub added: usize,
    /// Changes with op `removed`.
    pub removed: usize,
    /// Changes with op `modified`.
    pub modified: usize,
    /// Breaking changes.
    pub breaking: usize,
    /// Compatible changes.
    pub compatible: usize,
    /// Cosmetic changes.
    pub cosmetic: usize,
}

/// The changes that turn one servers document into another.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    /// Every change, by server and path.
    pub changes: Vec<Change>,
    /// Servers only in the target.
    pub servers_added: Vec<String>,
    /// Servers only in the base.
    pub servers_removed: Vec<String>,
    /// Servers in both with a change.
    pub servers_modified: Vec<String>,
    /// Servers in both without one.
    pub servers_unchanged: Vec<String>,
    /// Counts.
    pub summary: DiffSummary,
}

/// The drift verdict.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DriftStatus {
    /// The live servers are the head's.
    UpToDate,
    /// They are an older version's.
    Outdated,
    /// They match no published version.
    Diverged,
    /// No file, or no servers in it.
    Missing,
    /// Never deployed by this home, and not the head's.
    Unmanaged,
}

/// A server of the file that a deploy would refuse (its name is taken by an entry this home
/// did not write), both sides redacted.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// The server's name.
    pub server: String,
    /// The file's entry.
    pub file: Value,
    /// The profile's entry.
    pub profile: Value,
}

/// A server left out of a client's file, and why.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    /// The server's name.
    pub server: String,
    /// Why the client cannot take it.
    pub reason: String,
}

/// A drift report (the core's `FileDrift`): the ids compared, the verdict, what a deploy would
/// change (redacted) and what to do.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftReport {
    /// The client.
    pub client_id: String,
    /// The file (empty for a posted document).
    pub file: String,
    /// The profile compared with.
    pub profile_id: String,
    /// The head compared with (null: the profile has no version).
    pub remote_artifact_id: Option<String>,
    /// Id of the live servers document's canonical bytes (null: no file).
    pub local_artifact_id: Option<String>,
    /// The version this home deployed last into the file.
    pub deployed_version: Option<u64>,
    /// Whose profile was compared with.
    pub layer: Option<Layer>,
    /// Remote servers the client reaches through the built-in bridge.
    pub bridged: Vec<String>,
    /// Servers the client cannot take.
    pub skipped: Vec<Skipped>,
    /// The verdict.
    pub status: DriftStatus,
    /// What a deploy of the head would change.
    pub diff: Diff,
    /// What to do about it.
    pub recommendation: String,
    /// The file's own entries a deploy keeps.
    pub kept: Vec<String>,
    /// Entries a deploy refuses unless adopted.
    pub conflicts: Vec<Conflict>,
}

/// What a deployment record describes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A profile was merged into the file.
    Deploy,
    /// Earlier bytes were restored.
    Rollback,
    /// The file was read into a profile.
    Import,
}

/// A record of one write into a client file.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRecord {
    /// Sortable id.
    pub deployment_id: String,
    /// Deploy, rollback or import.
    pub kind: RecordKind,
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// The profile deployed.
    pub profile_id: Option<String>,
    /// The artifact deployed.
    pub artifact_id: Option<String>,
    /// Its version.
    pub version: Option<u64>,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// Content id of the bytes before (null: no file).
    pub before: Option<String>,
    /// Content id of the bytes written (null: file removed).
    pub after: Option<String>,
    /// Server names this profile owns in the file after the write.
    pub owned_servers: Vec<String>,
    /// Entries of the user's taken over.
    pub adopted: Vec<String>,
    /// For a rollback: the deployment restored.
    pub restores: Option<String>,
    /// Where in the file the servers sit.
    pub placement: Option<Vec<String>>,
    /// A shared profile's artifact.
    pub shared: Option<bool>,
    /// The sync this write was part of.
    pub sync_id: Option<String>,
}

/// What a deploy wrote or would write.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployReport {
    /// The file.
    pub file: String,
    /// The artifact deployed.
    pub artifact_id: String,
    /// Its version.
    pub version: u64,
    /// Whether the bytes change.
    pub changed: bool,
    /// Unified diff of the file's bytes (secrets redacted).
    pub diff: String,
    /// True when nothing was written.
    pub dry_run: bool,
    /// The record, when written.
    pub deployment_id: Option<String>,
    /// Servers removed because an earlier deploy of this profile wrote them.
    pub removed_servers: Vec<String>,
    /// Entries of the user's taken over.
    pub adopted: Vec<String>,
    /// Secrets the client reads from its environment.
    pub secrets_from_environment: Vec<String>,
    /// Secrets the client prompts for.
    pub secrets_prompted: Vec<String>,
    /// Names of secrets whose values the file holds (then written 0600).
    pub secrets_in_file: Vec<String>,
    /// Whose profile was deployed.
    pub layer: Layer,
    /// Remote servers written as bridge entries.
    pub bridged: Vec<String>,
    /// Servers left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// What a rollback would restore (no `confirm: true`).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackPreview {
    /// The file.
    pub file: String,
    /// The deployment whose state would be restored.
    pub restores_from: Option<String>,
    /// The file would be removed.
    pub would_remove_file: bool,
    /// The bytes would change.
    pub changed: bool,
    /// Unified diff (secrets redacted).
    pub diff: String,
    /// The file changed since this home wrote it (refused unless forced).
    pub changed_since: bool,
    /// Nothing to undo.
    pub nothing_to_undo: bool,
}

/// What a rollback restored.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackReport {
    /// The file.
    pub file: String,
    /// The deployment whose state was restored.
    pub restored_from: Option<String>,
    /// The new record.
    pub deployment_id: Option<String>,
    /// The file now does not exist.
    pub removed: bool,
    /// There was nothing to undo.
    pub nothing_to_undo: bool,
}

/// One file of a sync.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// `user` or `project`.
    pub scope: String,
    /// What the deploy did or would do.
    pub deploy: Option<DeployReport>,
    /// Why the file was not written (redacted).
    pub error: Option<String>,
    /// The exit code class of that error.
    pub exit_code: Option<u8>,
}

/// A sync: one deploy per client file.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncReport {
    /// The id every record of this sync carries (null for a dry run).
    pub sync_id: Option<String>,
    /// The profile deployed.
    pub profile_id: String,
    /// True when nothing was written.
    pub dry_run: bool,
    /// One entry per file.
    pub files: Vec<SyncFile>,
    /// Clients skipped because they are not installed here.
    pub not_installed: Vec<String>,
    /// Every file succeeded.
    pub ok: bool,
}

/// The outcome of verifying one stored version.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyOutcome {
    /// Client id.
    pub client_id: String,
    /// Profile id.
    pub profile_id: String,
    /// Version.
    pub version: u64,
    /// The artifact id, when it verified.
    pub artifact_id: Option<String>,
    /// Why it did not verify.
    pub error: Option<String>,
    /// The problem type of that failure.
    pub error_type: Option<String>,
}

/// An event's outcome.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// The operation started.
    Pending,
    /// It succeeded.
    Success,
    /// It failed.
    Failure,
}

/// One event of the log (ids and outcomes, never payloads or secrets).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When.
    #[schema(format = DateTime)]
    pub ts: String,
    /// e.g. `orchestrator.config_retrieval_completed`.
    pub event_type: String,
    /// Shared by the steps of one operation.
    pub trace_id: String,
    /// Outcome.
    pub status: EventStatus,
    /// Milliseconds since the operation started.
    pub duration_ms: f64,
    /// Ids and counts.
    pub metadata: Map<String, Value>,
}

/// How a client talks to a server.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A local process over stdin/stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
    /// HTTP with server-sent events (the older transport).
    Sse,
}

/// Where a catalog server comes from and so how it starts.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Launch {
    /// An npm package (`npx -y PACKAGE`).
    Npm {
        /// The package name.
        package: String,
        /// The version checked when the entry was written.
        version: Option<String>,
    },
    /// A PyPI package (`uvx PACKAGE`).
    Pypi {
        /// The package name.
        package: String,
        /// The version checked when the entry was written.
        version: Option<String>,
        /// The executable, when not named like the package.
        executable: Option<String>,
    },
    /// An OCI image (`docker run -i --rm IMAGE`).
    Oci {
        /// The image reference.
        image: String,
    },
    /// A server reached at a URL.
    Remote {
        /// The endpoint.
        url: String,
    },
}

/// Which argument list a parameter goes into.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParameterTarget {
    /// The server's own arguments.
    Args,
    /// Options of `npx`, `uvx` or `docker run`.
    RuntimeArgs,
}

/// A value the user supplies on the command line.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogParameter {
    /// Its name.
    pub name: String,
    /// What the value is.
    pub description: String,
    /// The server cannot start without it.
    pub required: bool,
    /// The option before the value.
    pub flag: Option<String>,
    /// Used when no value is given.
    pub default: Option<String>,
    /// The value is a secret.
    pub secret: Option<bool>,
    /// Which argument list it goes into.
    pub target: Option<ParameterTarget>,
}

/// An environment variable a stdio server reads.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogEnvVar {
    /// Its name.
    pub name: String,
    /// What the value is.
    pub description: String,
    /// The server cannot work without it.
    pub required: bool,
    /// The value is a secret.
    pub secret: bool,
    /// Used when no value is given.
    pub default: Option<String>,
}

/// An HTTP header a remote server expects.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogHeader {
    /// Its name.
    pub name: String,
    /// What the value is.
    pub description: String,
    /// Requests without it are refused.
    pub required: bool,
    /// The value is a secret.
    pub secret: bool,
    /// The name the value is supplied under.
    pub input: String,
    /// The header's text with `{value}` where the value goes.
    pub format: Option<String>,
}

/// Where a catalog entry comes from.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntrySource {
    /// Shipped with this program.
    Builtin,
    /// Imported from a registry `server.json`.
    Imported,
}

/// One catalog server: what it is and how to start or reach it.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogServer {
    /// The key the server gets in a servers document.
    pub id: String,
    /// A human name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// How a client talks to it.
    pub transport: Transport,
    /// Where it comes from.
    pub launch: Launch,
    /// Options of `npx`, `uvx` or `docker run`.
    pub runtime_args: Option<Vec<String>>,
    /// Fixed arguments.
    pub args: Option<Vec<String>>,
    /// Values the user supplies.
    pub parameters: Option<Vec<CatalogParameter>>,
    /// Environment variables.
    pub env: Option<Vec<CatalogEnvVar>>,
    /// Headers of a remote server.
    pub headers: Option<Vec<CatalogHeader>>,
    /// Words to search by.
    pub tags: Vec<String>,
    /// Where to read about it.
    pub homepage: Option<String>,
    /// Why it is deprecated, and what replaces it.
    pub deprecated: Option<String>,
    /// Built-in or imported.
    pub source: Option<EntrySource>,
    /// The registry name it was imported from.
    pub registry_name: Option<String>,
    /// Its version in that registry.
    pub registry_version: Option<String>,
}

/// Whose servers a file holds.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The user's own, for every project.
    User,
    /// Checked into a project.
    Project,
    /// The user's, for one project, kept outside it.
    Local,
}

/// What exists on disk of a location.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// The file exists.
    File,
    /// Only its directory exists.
    DirectoryOnly,
    /// Neither.
    Missing,
}

/// The format of a client's config file.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON.
    Json,
    /// JSON with comments.
    Jsonc,
    /// TOML.
    Toml,
    /// YAML.
    Yaml,
}

/// One place a client reads servers from.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigPath {
    /// Whose servers it holds.
    pub scope: Scope,
    /// The file.
    pub path: String,
    /// The keys the servers sit under (`["mcpServers"]`).
    pub placement: Vec<String>,
    /// A file the client reads besides its main one.
    pub alternative: bool,
    /// What exists of it.
    pub presence: Presence,
}

/// Drift over a client's detected files.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientDrift {
    /// Detected files.
    pub files: usize,
    /// Files that drifted.
    pub drifted: usize,
    /// Files whose status could not be read.
    pub errors: usize,
}

/// One client: its format, scopes, files here, profiles and drift.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientRow {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub display_name: String,
    /// This machine's OS.
    pub platform: String,
    /// Its user config file.
    pub config_location: Option<String>,
    /// The file format.
    pub format: Format,
    /// Transports it speaks.
    pub transports: Vec<Transport>,
    /// Whether one of its files or directories exists here.
    pub detected: bool,
    /// The first profile ids (at most 20).
    pub profile_ids: Vec<String>,
    /// How many profiles it has.
    pub profile_count: usize,
    /// The scopes it has here.
    pub scopes: Vec<Scope>,
    /// Per scope, the files of it that exist.
    pub scope_files: BTreeMap<String, Vec<String>>,
    /// Every location with what exists of it.
    pub config_paths: Vec<ConfigPath>,
    /// How to list the profiles beyond the first 20.
    pub more_profiles: Option<String>,
    /// Drift over its detected files.
    pub drift: ClientDrift,
}
