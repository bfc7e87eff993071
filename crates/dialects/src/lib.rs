//! MCP client dialects: the table of supported clients, where each keeps its config file,
//! how it spells its server list, and conversion between that file and the servers document.
//!
//! This crate knows nothing of signing, the store or the command line, and never reads the
//! process environment or HOME: it is handed file bytes and [`HostFacts`] and returns
//! documents or new file bytes. Writing files (atomically, with backups) is the caller's job.
//!
//! Invariants:
//! - [`import`] never fails on a file that parses, and never reports a file that does not
//!   parse as empty: that is [`DialectError::Parse`] with a 1-based line and column.
//! - [`render`] of what [`import`] returned, into the same file, gives the same bytes.
//! - [`render`] changes only the bytes of the entries it writes or removes.

mod dialect;
mod document;
mod error;
mod json;
mod paths;
mod secrets;
mod table;
mod toml;
mod transport;
mod yaml;

use serde::Serialize;
use serde_json::{Map, Value};

pub use document::{CLIENT_OPTIONS_KEY, LOCK_KEY, SERVERS_KEY, entry_transport};
pub use error::DialectError;
pub use paths::{ConfigLocation, Detected, ENV_OVERRIDES, HostFacts, Os, Placement, Presence, Scope, VCS_MARKERS};
pub use secrets::{secret_like_values, url_holds_secret};
pub use transport::Transport;

/// The file format a client's config file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Jsonc,
    Toml,
    Yaml,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Jsonc => "JSONC",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        })
    }
}

/// What a client's parser accepts, finer than [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `JSON.parse`: no comments, no trailing commas.
    StrictJson,
    /// Comments stripped first, then strict JSON (Gemini CLI).
    JsonComments,
    /// Comments and trailing commas (VS Code, Zed, OpenCode).
    Jsonc,
    Toml,
    Yaml,
}

/// One supported MCP client.
#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    /// Stable id used on the command line and in the home (`claude-desktop`, `cursor`, …).
    pub id: &'static str,
    /// Name shown to people.
    pub display_name: &'static str,
    /// Format of its config file.
    pub format: Format,
    /// Transports it can use.
    pub transports: &'static [Transport],
    #[serde(skip)]
    pub(crate) syntax: Syntax,
    #[serde(skip)]
    pub(crate) dialect: &'static dialect::Dialect,
    #[serde(skip)]
    pub(crate) locations: &'static [paths::LocationSpec],
}

impl ClientInfo {
    /// Every place this client reads servers from on the described host, documented places
    /// first, then alternatives worth probing. Nothing is read from disk; the upward search
    /// for the project root (when the facts ask for it) stats.
    pub fn config_paths(&self, facts: &HostFacts) -> Vec<ConfigLocation> {
        paths::resolve(self, facts)
    }

    /// The client's project directory on this host: `project_dir` as given, or the nearest
    /// directory upward holding a VCS root or one of its project-scope files (see
    /// [`HostFacts::search_project_root`]).
    pub fn project_root(&self, facts: &HostFacts) -> Option<std::path::PathBuf> {
        paths::project_root(self, facts)
    }

    /// The scopes this client has on `os` (`user`, `project`, `local`).
    pub fn scopes(&self, os: Os) -> Vec<Scope> {
        paths::scopes(self, os)
    }

    /// The file the client stops reading once `path` (one of its locations) exists, if any:
    /// Continue ignores `config.json` beside a `config.yaml`.
    pub fn shadowed_by(&self, facts: &HostFacts, path: &std::path::Path) -> Option<std::path::PathBuf> {
        paths::shadowed(self, facts, path)
    }

    /// The location to write instead of `path` (one of its locations) when creating `path`
    /// would make the client stop reading the file it shadows: Continue users who have only
    /// `~/.continue/config.json` get `~/.continue/mcpServers/mcp-orchestration.json`, which
    /// Continue reads beside either config file.
    pub fn instead_of_shadowing(&self, facts: &HostFacts, path: &std::path::Path) -> Option<ConfigLocation> {
        paths::instead_of_shadowing(self, facts, path)
    }

    /// Where the servers live in this client's usual file (`["mcpServers"]`, `["servers"]`, …).
    pub fn default_placement(&self) -> Placement {
        Placement::new(self.dialect.container)
    }

    /// Whether the client can use this transport.
    pub fn supports(&self, transport: Transport) -> bool {
        self.transports.contains(&transport)
    }

    /// Whether the servers are a list of named objects (Continue) rather than a map.
    pub fn servers_are_a_list(&self) -> bool {
        self.dialect.list_name_key.is_some()
    }
}

/// How a client expands environment variables in its own config file, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvExpansion {
    /// `${env:NAME}` (Cursor, VS Code).
    EnvColon,
    /// `${NAME}` (Claude Code `.mcp.json`/`~/.claude.json`, Gemini CLI `settings.json`).
    DollarBrace,
    /// `{env:NAME}` (OpenCode substitutes it anywhere in its config; anomalyco/opencode
    /// issue 5299 shows it in URLs and headers).
    BraceEnv,
}

impl EnvExpansion {
    /// The reference to `name` in this syntax.
    pub fn reference(self, name: &str) -> String {
        match self {
            EnvExpansion::EnvColon => format!("${{env:{name}}}"),
            EnvExpansion::DollarBrace => format!("${{{name}}}"),
            EnvExpansion::BraceEnv => format!("{{env:{name}}}"),
        }
    }
}

/// The client's own environment expansion, so that `${env:NAME}` references are written in the
/// client's syntax (and expanded by the client when it starts) instead of being resolved.
pub fn env_expansion(client_id: &str) -> Option<EnvExpansion> {
    match client_id {
        "cursor" | "vscode" => Some(EnvExpansion::EnvColon),
        "claude-code" | "gemini-cli" => Some(EnvExpansion::DollarBrace),
        "opencode" => Some(EnvExpansion::BraceEnv),
        _ => None,
    }
}

/// Every supported client, in a stable order.
pub fn all() -> &'static [ClientInfo] {
    table::CLIENTS
}

/// The client with this id, if supported.
pub fn find(id: &str) -> Option<&'static ClientInfo> {
    table::CLIENTS.iter().find(|c| c.id == id)
}

fn client(id: &str) -> Result<&'static ClientInfo, DialectError> {
    find(id).ok_or_else(|| DialectError::UnknownClient { id: id.to_owned() })
}

/// Which files and directories of every client exist on this machine (stats only).
pub fn detect(facts: &HostFacts) -> Vec<Detected> {
    paths::detect(table::CLIENTS, facts, &mut |_| {})
}

/// [`detect`], telling `consult` every path it looks at (stats, or lists when it is a
/// directory) just before it does: what a cache of the answer must watch. A path whose
/// directory is missing is told too (its nearest existing ancestor decides).
pub fn detect_consulting(facts: &HostFacts, consult: &mut dyn FnMut(&std::path::Path)) -> Vec<Detected> {
    paths::detect(table::CLIENTS, facts, consult)
}

/// Reads the servers of a client file into a servers document, from the client's usual place
/// in the file.
pub fn import(client_id: &str, text: &str) -> Result<Value, DialectError> {
    let c = client(client_id)?;
    import_at(client_id, &c.default_placement(), text)
}

/// Like [`import`], with the servers at `placement` (e.g. VS Code `settings.json`
/// `["mcp", "servers"]`, or a [`ConfigLocation::placement`]).
pub fn import_at(client_id: &str, placement: &Placement, text: &str) -> Result<Value, DialectError> {
    let c = client(client_id)?;
    let d = shape(c, placement).dialect;
    let mut servers = Map::new();
    for (name, native) in read(c, placement, text)? {
        let Value::Object(native) = native else { continue };
        if (d.managed)(&native) {
            servers.insert(name.clone(), Value::Object(dialect::to_neutral(d, c.id, &name, &native)));
        }
    }
    let mut doc = Map::new();
    doc.insert(SERVERS_KEY.to_owned(), Value::Object(servers));
    Ok(Value::Object(doc))
}

/// Returns the new bytes of a client file with every server of `servers` written into it and
/// the servers named in `remove` deleted; everything else stays byte-for-byte. An entry that
/// already means the same is left as it is; a changed one is updated in place; a new one is
/// appended. `original: None` makes a new file. A disabled server is written with the
/// client's switch, or left out (and removed) when the client has none. A name both in
/// `servers` and in `remove` is removed.
pub fn render(
    client_id: &str,
    original: Option<&str>,
    servers: &Value,
    remove: &[String],
) -> Result<String, DialectError> {
    let c = client(client_id)?;
    render_at(client_id, &c.default_placement(), original, servers, remove)
}

/// Like [`render`], with the servers at `placement`.
pub fn render_at(
    client_id: &str,
    placement: &Placement,
    original: Option<&str>,
    servers: &Value,
    remove: &[String],
) -> Result<String, DialectError> {
    let c = client(client_id)?;
    let Shape { syntax, format, dialect: d } = shape(c, placement);
    let wanted = document::servers_of(servers)?;
    let existing = match original {
        Some(text) => read(c, placement, text)?,
        None => Vec::new(),
    };
    let find_existing = |name: &str| existing.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let mut actions = Vec::new();
    for (name, entry) in wanted {
        if remove.contains(name) {
            continue;
        }
        let Value::Object(entry) = entry else { continue };
        let current = find_existing(name).and_then(Value::as_object);
        if let Some(current) = current {
            if !(d.managed)(current) {
                return Err(DialectError::NotManaged { client: c.id, server: name.clone() });
            }
            let as_neutral = dialect::to_neutral(d, c.id, name, current);
            if document::same_for_client(&as_neutral, entry, c.id) {
                continue;
            }
        }
        match dialect::to_native(d, c.id, c.transports, name, entry, current)? {
            Some(native) => actions.push((name.clone(), Action::Set(native))),
            None if find_existing(name).is_some() => actions.push((name.clone(), Action::Remove)),
            None => {}
        }
    }
    for name in remove {
        if let Some(current) = find_existing(name) {
            if current.as_object().is_some_and(|o| !(d.managed)(o)) {
                return Err(DialectError::NotManaged { client: c.id, server: name.clone() });
            }
            actions.push((name.clone(), Action::Remove));
        }
    }
    if let Some(text) = original
        && actions.is_empty()
    {
        return Ok(text.to_owned());
    }
    let original = original.filter(|t| !t.trim().is_empty());
    let list = d.list_name_key;
    match syntax {
        Syntax::StrictJson | Syntax::JsonComments | Syntax::Jsonc => {
            let text = json::apply(syntax, format, &placement.0, original, &actions)?;
            let inputs = input_references(c, &actions);
            if inputs.is_empty() {
                return Ok(text);
            }
            let parent = &placement.0[..placement.0.len().saturating_sub(1)];
            json::ensure_inputs(syntax, format, &text, parent, &inputs)
        }
        Syntax::Toml => toml::apply(&placement.0, original, &actions),
        Syntax::Yaml => yaml::apply(&placement.0, list, d.new_file, original, &actions),
    }
}

/// The `${input:NAME}` names that entries being written into a VS Code file use: each needs
/// an `inputs` entry (a password prompt), which VS Code asks for when it starts the server, so
/// the secret never sits in the file.
fn input_references(c: &ClientInfo, actions: &[(String, Action)]) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                let mut rest = text.as_str();
                while let Some(at) = rest.find("${input:") {
                    let after = &rest[at + 8..];
                    let Some(end) = after.find('}') else { break };
                    let name = &after[..end];
                    if !name.is_empty() && !out.iter().any(|n| n == name) {
                        out.push(name.to_owned());
                    }
                    rest = &after[end + 1..];
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if c.id == "vscode" {
        for (_, action) in actions {
            if let Action::Set(native) = action {
                native.values().for_each(|v| walk(v, &mut out));
            }
        }
    }
    out
}

/// One change to the server container of a file.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Write this native entry (per key where it exists, appended where it does not).
    Set(Map<String, Value>),
    Remove,
}

/// The raw entries (name, native value) at `placement`, in file order. A blank file has none.
fn read(c: &ClientInfo, placement: &Placement, text: &str) -> Result<Vec<(String, Value)>, DialectError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let Shape { syntax, format, dialect: d } = shape(c, placement);
    match syntax {
        Syntax::StrictJson | Syntax::JsonComments | Syntax::Jsonc => json::read(syntax, format, &placement.0, text),
        Syntax::Toml => toml::read(&placement.0, text),
        Syntax::Yaml => yaml::read(&placement.0, d.list_name_key, text),
    }
}

/// How one file of a client is read and written.
struct Shape {
    syntax: Syntax,
    format: Format,
    dialect: &'static dialect::Dialect,
}

/// The client's own shape, or the other one a location declares (see [`Placement`]).
fn shape(c: &ClientInfo, placement: &Placement) -> Shape {
    match placement.1 {
        paths::FileShape::Native => Shape { syntax: c.syntax, format: c.format, dialect: c.dialect },
        // Continue reads these with comment-json: comments are allowed, never written.
        paths::FileShape::ClaudeJson => {
            Shape { syntax: Syntax::JsonComments, format: Format::Json, dialect: &table::CLAUDE_JSON }
        }
    }
}

/// Keeps the file's line endings and its (missing) final newline in text produced by an
/// editor that writes `\n`.
pub(crate) fn keep_newline_style(original: &str, mut output: String) -> String {
    let crlf = original.contains("\r\n") && !original.replace("\r\n", "").contains('\n');
    if crlf {
        output = output.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    let newline = if crlf { "\r\n" } else { "\n" };
    if !original.ends_with('\n') {
        while output.ends_with(newline) {
            output.truncate(output.len() - newline.len());
        }
    } else if !output.ends_with('\n') {
        output.push_str(newline);
    }
    output
}
