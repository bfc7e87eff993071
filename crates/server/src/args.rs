//! The typed arguments of the MCP tools: one struct per tool, whose doc comments are the
//! descriptions a model reads, and the size limits checked before the core sees a value.

use std::collections::BTreeMap;

use orchestrator::service::DEFAULT_PROFILE;
use rmcp::schemars;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Longest id (client, profile, server, artifact, deployment) accepted before the core sees it.
pub const MAX_ID_LEN: usize = 256;
/// Longest free text (note, query) accepted.
pub const MAX_TEXT_LEN: usize = 4096;
/// Largest `local_payload`, serialized.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Most entries in `params` or `env`.
pub const MAX_MAP_ENTRIES: usize = 256;

/// Makes an argument schema portable to single-`type` dialects (such as the OpenAPI subset some
/// model providers use): an optional property is written `"type": "string"` (not
/// `["string", "null"]`) and without `"default": null`. Absent and `null` both mean "not given".
pub(crate) fn portable(schema: &mut schemars::Schema) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
    for property in properties.values_mut() {
        let Some(property) = property.as_object_mut() else { continue };
        if let Some(Value::Array(types)) = property.get("type") {
            let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
            if rest.len() == 1 {
                property.insert("type".into(), rest[0].clone());
            }
        }
        if property.get("default") == Some(&Value::Null) {
            property.remove("default");
        }
    }
}

fn default_profile() -> String {
    DEFAULT_PROFILE.to_owned()
}

/// No arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct NoArgs {}

/// A page of a listing.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct PageArgs {
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A page of the client list, compact unless `detail` is asked for.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ListClientsArgs {
    /// Page size: at most this many clients (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Also each client's transports and every candidate config path (`config_paths`: scope,
    /// path, placement, whether it is an alternative, and what exists of it). Off by default:
    /// rows then name only the files found (`scope_files`).
    #[serde(default)]
    pub detail: Option<bool>,
}

/// Which client, and a page of its profiles.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ProfilesArgs {
    /// Client id, as listed by `list_clients` (e.g. `claude-desktop`, `cursor`, `vscode`).
    pub client_id: String,
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Which profile, and a page of its history (oldest first).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct HistoryArgs {
    /// Client id, as listed by `list_clients` (e.g. `claude-desktop`, `cursor`).
    pub client_id: String,
    /// Profile id; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Which client.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ClientArgs {
    /// Client id, as listed by `list_clients` (e.g. `claude-desktop`, `cursor`, `vscode`).
    pub client_id: String,
}

/// Which profile of which client.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ProfileArgs {
    /// Client id, as listed by `list_clients` (e.g. `claude-desktop`, `cursor`).
    pub client_id: String,
    /// Profile id (`default`, `dev`, `prod`, …: lowercase letters, digits, `.`, `_`, `-`).
    #[serde(default = "default_profile")]
    pub profile_id: String,
}

/// Arguments of `get_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct GetConfigArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// A specific version by its artifact id (`sha256:<64 hex>` or bare hex, from
    /// `list_history`); omit for the profile's newest version (its head).
    #[serde(default)]
    pub artifact_id: Option<String>,
}

/// Arguments of `diff_config`. Give at most one of `local_payload`, `local_artifact_id` and
/// `file`; with none, the client's live config file on this machine is compared.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct DiffConfigArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id to compare against (its head); `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// A servers document to compare: `{"mcpServers": {NAME: {command, args, env} | {type, url, headers}}}`.
    #[serde(default)]
    pub local_payload: Option<Map<String, Value>>,
    /// An artifact id of this profile (e.g. an older version from `list_history`) to compare.
    #[serde(default)]
    pub local_artifact_id: Option<String>,
    /// Absolute path of a client config file to compare (it must have the name of one of the
    /// client's config files, e.g. `mcp.json` for Cursor); omit for the client's own file.
    #[serde(default)]
    pub file: Option<String>,
    /// Which of the client's files, instead of `file`: `user` (its own, the default),
    /// `project` (its project file, e.g. `.vscode/mcp.json`, in a project directory: a root
    /// the MCP client declares or `serve --project-dir`) or `local` (Claude Code: the
    /// project's entry in `~/.claude.json`). `list_clients` shows each client's scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// With `scope` `project` or `local`: the project directory, one of the declared roots or
    /// `--project-dir`s; may be omitted when there is exactly one.
    #[serde(default)]
    pub project: Option<String>,
}

/// Arguments of `list_available_servers`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ListServersArgs {
    /// Only servers with this transport: `stdio`, `http` (streamable HTTP) or `sse`.
    #[serde(default)]
    pub transport: Option<String>,
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Arguments of `search_servers`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct SearchServersArgs {
    /// Words to look for in the server's id, name, description and tags (e.g. `github`, `files`).
    pub query: String,
    /// Only servers with this transport: `stdio`, `http` or `sse`.
    #[serde(default)]
    pub transport: Option<String>,
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Arguments of `describe_server`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ServerArgs {
    /// Catalog server id, from `list_available_servers` or `search_servers`.
    pub server_id: String,
}

/// Arguments of `add_server_to_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct AddServerArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id whose draft is edited; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// Catalog server id, from `list_available_servers` or `search_servers`.
    pub server_id: String,
    /// Name of the entry in the config; the server id when omitted.
    #[serde(default)]
    pub name: Option<String>,
    /// Values of the server's parameters (see `describe_server`), by parameter name.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Environment variables for the server, by name. Write secrets as `${secret:NAME}` or
    /// `${env:NAME}` references; a literal value given for a secret input is moved into the
    /// local secret store and replaced by a reference.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// Arguments of `remove_server_from_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct RemoveServerArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id whose draft is edited; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// Name of the server entry in the draft (see `view_draft_config`).
    pub server_id: String,
}

/// Arguments of `validate_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ValidateArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id whose draft is validated; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// A servers document to validate instead of the draft.
    #[serde(default)]
    pub payload: Option<Map<String, Value>>,
}

/// Arguments of `publish_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct PublishArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id whose draft is published; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// A note recorded in the artifact's metadata (what changed and why).
    #[serde(default)]
    pub note: Option<String>,
}

/// Arguments of `deploy_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct DeployArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id to deploy (its head); `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// Absolute path of the client config file to write (it must have the name of one of the
    /// client's config files, e.g. `mcp.json` for Cursor); omit for the client's own file.
    #[serde(default)]
    pub file: Option<String>,
    /// Which of the client's files, instead of `file`: `user` (its own, the default),
    /// `project` (its project file, e.g. `.vscode/mcp.json`, in a project directory: a root
    /// the MCP client declares or `serve --project-dir`) or `local` (Claude Code: the
    /// project's entry in `~/.claude.json`). `list_clients` shows each client's scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// With `scope` `project` or `local`: the project directory, one of the declared roots or
    /// `--project-dir`s; may be omitted when there is exactly one.
    #[serde(default)]
    pub project: Option<String>,
    /// `true` writes the file. Omitted or `false`: nothing is written and the result shows the
    /// diff a deploy would make. Show that diff to the user and ask before confirming.
    #[serde(default)]
    pub confirm: bool,
    /// Names of the file's own entries (same name as a profile server, not written by this
    /// home) the profile may replace and manage. Without it such entries refuse the deploy;
    /// ask the user before adopting.
    #[serde(default)]
    pub adopt: Vec<String>,
    /// Adopt every such entry (ask the user first).
    #[serde(default)]
    pub adopt_all: bool,
    /// Create the file's directory when it does not exist (the client may not be installed).
    #[serde(default)]
    pub create: bool,
}

/// Arguments of `sync_clients`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct SyncArgs {
    /// Profile id to deploy everywhere; `default` when omitted. A client without its own
    /// profile of that name gets the shared one (`list_clients` shows `shared_profile_ids`).
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// `true` writes every file. Omitted or `false`: nothing is written and the result shows,
    /// per file, the diff a sync would make. Show it to the user and ask before confirming.
    #[serde(default)]
    pub confirm: bool,
}

/// Arguments of `get_deployment_status`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct StatusArgs {
    /// Only this client; every client detected on this machine when omitted.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Page size: at most this many items (1 to 1000; 50 when omitted).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged; omit for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Arguments of `rollback_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct RollbackArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Absolute path of the client config file to restore; omit for the client's own file.
    #[serde(default)]
    pub file: Option<String>,
    /// Which of the client's files, instead of `file`: `user` (its own, the default),
    /// `project` (its project file, e.g. `.vscode/mcp.json`, in a project directory: a root
    /// the MCP client declares or `serve --project-dir`) or `local` (Claude Code: the
    /// project's entry in `~/.claude.json`). `list_clients` shows each client's scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// With `scope` `project` or `local`: the project directory, one of the declared roots or
    /// `--project-dir`s; may be omitted when there is exactly one.
    #[serde(default)]
    pub project: Option<String>,
    /// Restore the state right after this deployment (ids from `get_deployment_status`), or
    /// `original` for the bytes from before the first deploy; omit to undo the latest deploy
    /// or rollback that changed the file.
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// `true` writes the file. Omitted or `false`: nothing is written and the result shows the
    /// diff the rollback would make.
    #[serde(default)]
    pub confirm: bool,
    /// Roll back even though the file changed since this home last wrote it (those edits are
    /// lost; the refusal shows them). Ask the user first.
    #[serde(default)]
    pub force: bool,
}

/// Arguments of `verify_artifact`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct VerifyArgs {
    /// The artifact id to verify (`sha256:<64 hex>`); omit to verify every stored version of
    /// every profile.
    #[serde(default)]
    pub artifact_id: Option<String>,
}

/// Arguments of `import_client_config`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = portable)]
pub struct ImportArgs {
    /// Client id, as listed by `list_clients`.
    pub client_id: String,
    /// Profile id whose draft receives the servers; `default` when omitted.
    #[serde(default = "default_profile")]
    pub profile_id: String,
    /// Absolute path of the client config file to read; omit for the client's own file.
    #[serde(default)]
    pub file: Option<String>,
    /// Which of the client's files, instead of `file`: `user` (its own, the default),
    /// `project` (its project file, e.g. `.vscode/mcp.json`, in a project directory: a root
    /// the MCP client declares or `serve --project-dir`) or `local` (Claude Code: the
    /// project's entry in `~/.claude.json`). `list_clients` shows each client's scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// With `scope` `project` or `local`: the project directory, one of the declared roots or
    /// `--project-dir`s; may be omitted when there is exactly one.
    #[serde(default)]
    pub project: Option<String>,
    /// `true` also signs the imported servers as the profile's next version.
    #[serde(default)]
    pub publish: bool,
}
