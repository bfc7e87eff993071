//! The MCP resources: what a client can read without calling a tool.
//!
//! | URI | what |
//! | --- | --- |
//! | `capabilities://server` | name, version, tools, resources, features |
//! | `capabilities://clients` | per-client capability matrix (format, transports, env expansion) |
//! | `clients://list` | the client list (as `list_clients`) |
//! | `profiles://{client_id}` | a client's profiles with their heads (template) |
//! | `config://{client_id}/{profile_id}` | a profile's verified head artifact (template) |
//! | `catalog://servers` | the catalog of MCP servers |
//! | `keys://trusted` | the signing key's id and public key, and every trusted public key |
//! | `schema://artifact` | JSON Schema of an artifact (as `get_config` returns it) |
//! | `schema://servers-document` | JSON Schema of the servers document (an artifact's payload) |
//!
//! Every read calls the same core operation as the matching tool or CLI command.

use orchestrator::page::{self, PageRequest};
use orchestrator::{ErrorKind, Orchestrator};
use rmcp::ErrorData as McpError;
use rmcp::model::{Resource, ResourceContents, ResourceTemplate};
use serde_json::{Value, json};

use crate::error::ToolError;
use crate::tools;

/// The fixed resources: (uri, name, description).
pub const STATIC_RESOURCES: &[(&str, &str, &str)] = &[
    ("capabilities://server", "server-capabilities", "This server: name, version, tools, resources and features"),
    (
        "capabilities://clients",
        "client-capabilities",
        "Per-client capability matrix: format, transports, env expansion",
    ),
    ("clients://list", "clients", "The MCP clients this server configures, with their config files and profiles"),
    ("catalog://servers", "catalog", "The catalog of MCP servers that can be added to a configuration"),
    ("keys://trusted", "trusted-keys", "The signing key's id and every trusted Ed25519 public key (PEM)"),
    ("schema://artifact", "artifact-schema", "JSON Schema of a signed artifact as get_config returns it"),
    (
        "schema://servers-document",
        "servers-document-schema",
        "JSON Schema of the servers document (an artifact's payload)",
    ),
];

/// The resource templates: (uri template, name, description).
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("profiles://{client_id}", "client-profiles", "A client's published profiles with their head versions"),
    ("config://{client_id}/{profile_id}", "profile-head", "A profile's verified head artifact"),
];

const JSON: &str = "application/json";

/// The page size of `resources/list`.
pub const PAGE_SIZE: usize = 100;

/// One `config://` resource.
fn config_resource(client: &dialects::ClientInfo, profile: &orchestrator::service::ProfileSummary) -> Resource {
    Resource::new(
        format!("config://{}/{}", client.id, profile.profile_id),
        format!("{}-{}", client.id, profile.profile_id),
    )
    .with_description(format!(
        "{} profile {} (v{}, {})",
        client.display_name, profile.profile_id, profile.version, profile.artifact_id
    ))
    .with_mime_type(JSON)
}

/// Where a `resources/list` page starts: after a fixed resource, or inside a client's part
/// (after its `profiles://`, or after one of its `config://` resources).
enum Resume {
    Static(usize),
    Client(usize, Option<String>),
}

/// One page of `resources/list` (MCP's own pagination): the fixed resources, then per client
/// its `profiles://` and one `config://` per published profile, by name. The cursor is the last
/// URI returned; a page reads only its own profiles' heads. A cursor this listing did not give
/// out is a usage failure.
pub fn list_page(
    core: &Orchestrator,
    cursor: Option<&str>,
    limit: usize,
) -> Result<(Vec<Resource>, Option<String>), ToolError> {
    let request = PageRequest { limit, cursor };
    let clients = dialects::all();
    let resume = match request.after("resources", "")? {
        None => Resume::Static(0),
        Some(uri) => resume_after(&uri).ok_or_else(|| {
            ToolError::usage("the cursor is not one resources/list gave out: call resources/list without a cursor")
        })?,
    };
    // Collect one resource past the page to know whether another page follows.
    let want = limit + 1;
    let mut out: Vec<Resource> = Vec::with_capacity(want);
    let first_client = match resume {
        Resume::Static(from) => {
            for (uri, name, description) in STATIC_RESOURCES.iter().skip(from).take(want) {
                out.push(Resource::new(*uri, *name).with_description(*description).with_mime_type(JSON));
            }
            (0, None)
        }
        Resume::Client(index, after) => (index, Some(after)),
    };
    let (start, mut resume_in) = first_client;
    for client in clients.iter().skip(start) {
        if out.len() >= want {
            break;
        }
        // None: from the client's own `profiles://`; Some(after): its profiles after that name.
        let after = match resume_in.take() {
            None => {
                out.push(
                    Resource::new(format!("profiles://{}", client.id), format!("{}-profiles", client.id))
                        .with_description(format!("Profiles of {}", client.display_name))
                        .with_mime_type(JSON),
                );
                None
            }
            Some(after) => after,
        };
        let room = want.saturating_sub(out.len());
        if room == 0 {
            break;
        }
        let (profiles, _) = core.profiles_after(client.id, after.as_deref(), room).unwrap_or_default();
        out.extend(profiles.iter().map(|p| config_resource(client, p)));
    }
    let next_cursor = if out.len() > limit {
        out.truncate(limit);
        out.last().map(|r| page::encode("resources", "", &r.uri))
    } else {
        None
    };
    Ok((out, next_cursor))
}

/// Where the listing goes on after `uri` (a URI it returned).
fn resume_after(uri: &str) -> Option<Resume> {
    if let Some(i) = STATIC_RESOURCES.iter().position(|(u, _, _)| *u == uri) {
        return Some(Resume::Static(i + 1));
    }
    let clients = dialects::all();
    let position = |id: &str| clients.iter().position(|c| c.id == id);
    if let Some(client) = uri.strip_prefix("profiles://") {
        return Some(Resume::Client(position(client)?, None));
    }
    let (client, profile) = uri.strip_prefix("config://")?.split_once('/')?;
    orchestrator::ids::ProfileId::parse(profile).ok()?;
    Some(Resume::Client(position(client)?, Some(profile.to_owned())))
}

/// The resource templates.
pub fn templates() -> Vec<ResourceTemplate> {
    TEMPLATES
        .iter()
        .map(|(uri, name, description)| {
            ResourceTemplate::new(*uri, *name).with_description(*description).with_mime_type(JSON)
        })
        .collect()
}

/// What reading a URI gives: the JSON value, a domain failure, or "no such resource".
pub enum Read {
    Found(Value),
    Failed(ToolError),
    NotFound,
}

fn from_core<T>(result: Result<T, impl Into<ToolError>>, f: impl FnOnce(T) -> Value) -> Read {
    match result {
        Ok(v) => Read::Found(f(v)),
        Err(e) => Read::Failed(e.into()),
    }
}

/// Reads one resource.
pub fn read(core: &Orchestrator, facts: &dialects::HostFacts, uri: &str) -> Read {
    if uri.len() > 1024 {
        return Read::NotFound;
    }
    match uri {
        "capabilities://server" => return Read::Found(server_capabilities()),
        "capabilities://clients" => return Read::Found(client_capabilities()),
        "clients://list" => {
            return Read::Found(json!({"clients": tools::client_rows(core, facts, &tools::all_clients())}));
        }
        "catalog://servers" => {
            return from_core(core.catalog(), |entries| json!({"servers": entries, "count": entries.len()}));
        }
        "keys://trusted" => return trusted_keys(core),
        "schema://artifact" => return Read::Found(artifact_schema()),
        "schema://servers-document" => return Read::Found(servers_document_schema()),
        _ => {}
    }
    if let Some(client) = uri.strip_prefix("profiles://") {
        if dialects::find(client).is_none() {
            return Read::NotFound;
        }
        // A resource has no pagination: the first page, and the cursor `list_profiles` goes on from.
        let first = PageRequest::first(page::DEFAULT_LIMIT);
        return from_core(
            core.profiles_page(client, &first),
            |p| json!({"client_id": client, "profiles": p.items, "next_cursor": p.next_cursor}),
        );
    }
    if let Some(rest) = uri.strip_prefix("config://")
        && let Some((client, profile)) = rest.split_once('/')
    {
        if dialects::find(client).is_none() || profile.is_empty() || profile.contains('/') {
            return Read::NotFound;
        }
        return match core.get(client, profile) {
            Ok(v) => {
                // As get_config returns it: which profile it was, served for which client.
                let layer = orchestrator::service::Layer::of(&v);
                let rendered = core.rendered_for(client, &v).ok().and_then(|r| serde_json::to_value(r).ok());
                let mut value = v.into_json();
                value["layer"] = serde_json::json!(layer.as_str());
                value["served_for"] = serde_json::json!(client);
                value["rendered_for_client"] = rendered.unwrap_or_default();
                Read::Found(value)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Read::NotFound,
            Err(e) => Read::Failed(e.into()),
        };
    }
    Read::NotFound
}

/// A resource's contents as JSON text.
pub fn contents(uri: &str, value: &Value) -> ResourceContents {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    ResourceContents::text(text, uri).with_mime_type(JSON)
}

/// The error for a URI this server does not have.
pub fn not_found(uri: &str) -> McpError {
    McpError::resource_not_found(
        format!("no resource {uri}: call resources/list and resources/templates/list"),
        Some(json!({"uri": uri.chars().take(256).collect::<String>()})),
    )
}

fn trusted_keys(core: &Orchestrator) -> Read {
    let info = match core.key_info() {
        Ok(info) => info,
        Err(e) => return Read::Failed(e.into()),
    };
    let keys: Vec<Value> = info
        .trusted
        .iter()
        .map(|id| {
            let hex = id.strip_prefix("sha256:").unwrap_or(id);
            let pem = std::fs::read_to_string(core.home().trusted_key(hex)).ok();
            json!({"key_id": id, "public_key_pem": pem})
        })
        .collect();
    Read::Found(json!({
        "signing_key_id": info.signing_key_id,
        "signing_public_key_pem": info.public_key_pem,
        "trusted": keys,
    }))
}

/// `capabilities://server`.
pub fn server_capabilities() -> Value {
    json!({
        "name": crate::SERVER_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "tools": tools::tool_names(),
        "resources": STATIC_RESOURCES.iter().map(|(uri, _, _)| *uri).collect::<Vec<_>>(),
        "resource_templates": TEMPLATES.iter().map(|(uri, _, _)| *uri).collect::<Vec<_>>(),
        "features": {
            "transports": ["stdio", "streamable-http"],
            "signed_artifacts": "ed25519",
            "content_addressing": "sha256 over RFC 8785 (JCS) bytes",
            "verified_reads": true,
            "drafts": true,
            "catalog": true,
            "deploy_requires_confirm": true,
            "rollback": true,
            "events": "orchestrator.tool_call_{started,completed,failed} per tool call",
            "http_auth": "bearer token (stored hashed in the home)",
        },
    })
}

/// `capabilities://clients`.
pub fn client_capabilities() -> Value {
    let clients: Vec<Value> = dialects::all()
        .iter()
        .map(|c| {
            json!({
                "client_id": c.id,
                "display_name": c.display_name,
                "format": c.format,
                "transports": c.transports,
                "stdio": c.supports(dialects::Transport::Stdio),
                "http": c.supports(dialects::Transport::Http),
                "sse": c.supports(dialects::Transport::Sse),
                "env_expansion": dialects::env_expansion(c.id),
                "servers_are_a_list": c.servers_are_a_list(),
                "servers_at": c.default_placement(),
            })
        })
        .collect();
    json!({"clients": clients})
}

/// `schema://servers-document`.
pub fn servers_document_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "schema://servers-document",
        "title": "Servers document",
        "description": "The client-neutral list of MCP servers: the payload of every artifact. Secrets are ${env:NAME} or ${secret:NAME} references, never values.",
        "type": "object",
        "required": ["mcpServers"],
        "properties": {
            "mcpServers": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/server"}
            }
        },
        "$defs": {
            "server": {
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "stdio: the program to launch"},
                    "args": {"type": "array", "items": {"type": "string"}},
                    "env": {"type": "object", "additionalProperties": {"type": "string"}},
                    "cwd": {"type": "string"},
                    "type": {"type": "string", "enum": ["stdio", "http", "sse"], "description": "http = streamable HTTP"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "disabled": {"type": "boolean"},
                    "timeout": {"type": "number"}
                },
                "oneOf": [{"required": ["command"]}, {"required": ["url"]}]
            }
        }
    })
}

/// `schema://artifact`.
pub fn artifact_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "schema://artifact",
        "title": "Signed artifact",
        "description": "One version of a (client, profile): as get_config and config://{client_id}/{profile_id} return it, after verification.",
        "type": "object",
        "required": ["artifact_id", "client_id", "profile_id", "version", "created_at", "payload", "signature", "signing_key_id", "metadata"],
        "properties": {
            "artifact_id": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$", "description": "SHA-256 of the payload's RFC 8785 bytes"},
            "client_id": {"type": "string"},
            "profile_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"},
            "version": {"type": "integer", "minimum": 1},
            "previous": {"type": ["string", "null"], "description": "artifact id of the version before (hash chain)"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
            "payload": {"$ref": "schema://servers-document"},
            "metadata": {"type": "object"},
            "signature": {
                "type": "object",
                "required": ["alg", "key_id", "sig"],
                "properties": {
                    "alg": {"const": "ed25519"},
                    "key_id": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                    "sig": {"type": "string", "description": "base64"}
                }
            },
            "signing_key_id": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}
        }
    })
}
