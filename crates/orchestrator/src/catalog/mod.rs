//! The server catalog (SPEC §2): the MCP servers this tool knows how to launch, and how one
//! of them becomes an entry of a servers document (SPEC §5.1).
//!
//! Two sources feed it:
//!
//! * the built-in entries, data in `builtin.json` embedded at compile time ([`builtin`]);
//! * entries imported from MCP registry `server.json` files ([`import_server_json`]), kept one
//!   JSON file per entry in a directory the caller hands in (the home's `catalog/`;
//!   [`save_imported`], [`load_imported`], [`remove_imported`]).
//!
//! [`all`] lists both. An entry's full name ([`CatalogEntry::full_name`]) is its id for a
//! built-in entry and its registry name (`io.github.owner/name`) for an imported one, so the two
//! never collide and an import never takes a built-in entry's place. [`find`] takes a full name,
//! or the short name of an import (its id or the last segment of its registry name) when only
//! one import has it; an ambiguous short name is refused with the candidates.
//!
//! [`entry_to_server`] renders an entry: `npx -y PACKAGE`, `uvx PACKAGE`,
//! `docker run -i --rm IMAGE` or `{"type", "url", "headers"}`. Secrets never become literal
//! values in the rendered entry: they are `${secret:NAME}` references, and a literal secret a
//! caller passes in is handed back in [`RenderedServer::secrets_to_store`] for the caller to
//! store.
//!
//! Like the rest of the core, this module reads no environment variable and does no network
//! I/O: it is data plus functions over the paths it is given.

mod render;
mod server_json;
mod store;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ErrorKind;
use crate::fsutil::FsError;

pub use render::{RenderedServer, entry_to_server, parameter_secret_name, secret_reference};
pub use server_json::import_server_json;
pub use store::{all, file_stem, find, imported_entry_path, load_imported, remove_imported, save_imported};

/// The built-in entries, as embedded JSON (an array of [`CatalogEntry`]).
const BUILTIN_JSON: &str = include_str!("builtin.json");

/// The longest catalog id accepted.
pub const MAX_CATALOG_ID_LEN: usize = 64;

/// How a client talks to a server: the dialects' transport, shared by the catalog.
pub use dialects::Transport;

/// Where a server comes from and so how it is started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Launch {
    /// An npm package, run as `npx -y PACKAGE` (unpinned).
    Npm {
        /// The package name, e.g. `@modelcontextprotocol/server-filesystem`.
        package: String,
        /// The version checked against the registry when the entry was written or imported.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
    },
    /// A PyPI package, run as `uvx PACKAGE` (or `uvx --from PACKAGE EXECUTABLE`).
    Pypi {
        /// The package name, e.g. `mcp-server-git`.
        package: String,
        /// The version checked against the registry when the entry was written or imported.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        /// The executable to run when it is not named like the package.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        executable: Option<String>,
    },
    /// An OCI image, run as `docker run -i --rm IMAGE`.
    Oci {
        /// The image reference, e.g. `mcp/grafana` or `ghcr.io/github/github-mcp-server`.
        image: String,
    },
    /// A server somebody else runs, reached at a URL.
    Remote {
        /// The endpoint; may hold `{parameter}` placeholders.
        url: String,
    },
}

impl Launch {
    /// The kind's name: `npm`, `pypi`, `oci` or `remote`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Launch::Npm { .. } => "npm",
            Launch::Pypi { .. } => "pypi",
            Launch::Oci { .. } => "oci",
            Launch::Remote { .. } => "remote",
        }
    }

    /// True for the kinds a client starts itself (npm, PyPI, OCI), which speak stdio.
    pub fn is_local(&self) -> bool {
        !matches!(self, Launch::Remote { .. })
    }
}

/// Which argument list a parameter's value goes into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterTarget {
    /// After the package or image: the server's own arguments.
    #[default]
    Args,
    /// Before the package or image: options of `npx`, `uvx` or `docker run`.
    RuntimeArgs,
}

impl ParameterTarget {
    fn is_args(&self) -> bool {
        *self == ParameterTarget::Args
    }
}

/// A value the user supplies on the command line of a server.
///
/// Where it goes: if `{name}` appears in [`CatalogEntry::args`], [`CatalogEntry::runtime_args`]
/// or a remote URL, the value replaces that placeholder (and is then needed unless it has a
/// default); otherwise it is appended, in declaration order, as `flag value` when
/// [`CatalogParameter::flag`] is set, or as a positional argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogParameter {
    /// The parameter's name, e.g. `path`.
    pub name: String,
    /// What the value is, for the person supplying it.
    pub description: String,
    /// Whether the server cannot start without it.
    pub required: bool,
    /// The option that precedes the value (`--repository`); none for a positional argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// Used when no value is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the value is a secret: rendered as `${secret:NAME}`, never as a literal.
    #[serde(default, skip_serializing_if = "is_false")]
    pub secret: bool,
    /// Which argument list it goes into.
    #[serde(default, skip_serializing_if = "ParameterTarget::is_args")]
    pub target: ParameterTarget,
}

/// An environment variable a stdio server reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEnvVar {
    /// The variable's name, e.g. `GITHUB_PERSONAL_ACCESS_TOKEN`.
    pub name: String,
    /// What the value is, for the person supplying it.
    pub description: String,
    /// Whether the server cannot work without it.
    pub required: bool,
    /// Whether the value is a secret: rendered as `${secret:NAME}`, never as a literal.
    pub secret: bool,
    /// Used for a required variable when no value is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// An HTTP header a remote server expects.
///
/// The value is supplied through the `env` map of [`entry_to_server`] under the name
/// [`CatalogHeader::input`] (for a secret, that is also the secret's name), and written into
/// [`CatalogHeader::format`] where `{value}` stands. A format without `{value}` is a fixed
/// header sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogHeader {
    /// The header's name, e.g. `Authorization`.
    pub name: String,
    /// What the value is, for the person supplying it.
    pub description: String,
    /// Whether the server refuses requests without it.
    pub required: bool,
    /// Whether the value is a secret.
    pub secret: bool,
    /// The name the value is supplied under (and its secret's name), e.g. `GITHUB_TOKEN`.
    pub input: String,
    /// The header's text with `{value}` where the value goes, e.g. `Bearer {value}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntrySource {
    /// Shipped with this program.
    #[default]
    Builtin,
    /// Imported from a registry `server.json` into the home.
    Imported,
}

impl EntrySource {
    fn is_builtin(&self) -> bool {
        *self == EntrySource::Builtin
    }
}

/// One server the catalog knows: what it is and how to start or reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// The key the server gets in a servers document: lowercase letters, digits and `-`.
    pub id: String,
    /// A human name, e.g. `Brave Search`.
    pub name: String,
    /// One line on what the server does.
    pub description: String,
    /// How a client talks to it; `stdio` for npm, PyPI and OCI launches, `http` or `sse` for remotes.
    pub transport: Transport,
    /// Where it comes from.
    pub launch: Launch,
    /// Options of `npx`, `uvx` or `docker run` placed before the package or image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_args: Vec<String>,
    /// The server's fixed arguments, after the package or image; may hold `{parameter}` placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Values the user supplies on the command line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<CatalogParameter>,
    /// Environment variables of a stdio server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<CatalogEnvVar>,
    /// Headers of a remote server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<CatalogHeader>,
    /// Words to search by.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where to read about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Set when the server is deprecated or archived: why, and what replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Built-in or imported.
    #[serde(default, skip_serializing_if = "EntrySource::is_builtin")]
    pub source: EntrySource,
    /// For an imported entry: the registry name it came from, e.g. `io.github.owner/server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_name: Option<String>,
    /// For an imported entry: the server's version in its `server.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_version: Option<String>,
}

impl CatalogEntry {
    /// The name that identifies the entry in the catalog: the registry name of an imported
    /// entry (`io.github.owner/name`), the id of a built-in one.
    pub fn full_name(&self) -> &str {
        match (&self.source, &self.registry_name) {
            (EntrySource::Imported, Some(name)) => name,
            _ => &self.id,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A failure of a catalog operation.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Values the server needs were not given.
    #[error("{server_id}: missing required values: {}", missing.join(", "))]
    MissingParameters {
        /// The catalog id.
        server_id: String,
        /// Every parameter, environment variable or header input that is needed and absent.
        missing: Vec<String>,
    },
    /// Values were given that the entry does not declare (likely a typo).
    #[error("{server_id}: unknown {}: {} (known: {})", if *is_env { "environment variables" } else { "parameters" }, unknown.join(", "), if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownInputs {
        /// The catalog id.
        server_id: String,
        /// Whether these came in the environment map (else the parameter map).
        is_env: bool,
        /// The names not declared by the entry.
        unknown: Vec<String>,
        /// The names the entry declares.
        known: Vec<String>,
    },
    /// The launch kind cannot serve the transport (e.g. an npm package with `http`).
    #[error(
        "{server_id}: transport {transport} does not fit a {launch} launch (npm, pypi and oci are stdio; remote is http or sse)"
    )]
    TransportMismatch {
        /// The catalog id.
        server_id: String,
        /// The declared transport.
        transport: Transport,
        /// The launch kind.
        launch: &'static str,
    },
    /// A catalog id is not usable as a server key and file name.
    #[error(
        "invalid catalog id {id:?}: use 1 to 64 lowercase letters, digits and '-', starting with a letter or digit"
    )]
    InvalidId {
        /// The refused id.
        id: String,
    },
    /// The text is not JSON.
    #[error("server.json is not valid JSON")]
    ServerJsonSyntax(#[source] serde_json::Error),
    /// The JSON is not a registry `server.json`.
    #[error("not an MCP registry server.json: missing {}", missing.join(", "))]
    NotServerJson {
        /// The fields (or alternatives) that are absent.
        missing: Vec<String>,
    },
    /// A field of a `server.json` has the wrong type.
    #[error("server.json {name}: a field has the wrong type")]
    ServerJsonShape {
        /// The server's registry name, or `?`.
        name: String,
        /// What serde found.
        #[source]
        source: serde_json::Error,
    },
    /// No package or remote of a `server.json` can be launched by this catalog.
    #[error("server.json {name}: nothing this catalog can launch (found: {}); supported: npm, pypi and oci packages over stdio, streamable-http and sse remotes", if found.is_empty() { "no packages or remotes".to_string() } else { found.join(", ") })]
    NoUsableLaunch {
        /// The server's registry name.
        name: String,
        /// What the file offered, e.g. `nuget package`, `stdio remote`.
        found: Vec<String>,
    },
    /// The registry name yields no usable id.
    #[error("server.json name {name:?} gives no usable catalog id (its last path segment must hold letters or digits)")]
    UnusableName {
        /// The registry name.
        name: String,
    },
    /// An imported entry's file is not a catalog entry.
    #[error("imported catalog entry {} is not valid: fix or remove the file", path.display())]
    ImportedEntryInvalid {
        /// The file.
        path: PathBuf,
        /// What serde found.
        #[source]
        source: serde_json::Error,
    },
    /// An imported entry's file name does not match the registry name it holds.
    #[error("imported catalog entry {} holds {id:?}: the file must be named after it ({})", path.display(), store::file_name_hint(id))]
    ImportedIdMismatch {
        /// The file.
        path: PathBuf,
        /// The registry name inside (or the id, when it has none).
        id: String,
    },
    /// An imported entry's file holds an entry that does not validate.
    #[error("imported catalog entry {}: {source}", path.display())]
    ImportedEntryRefused {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        source: Box<CatalogError>,
    },
    /// A name matches several entries.
    #[error("'{name}' names several catalog servers: {}; use the full name", candidates.join(", "))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The full names it could mean.
        candidates: Vec<String>,
    },
    /// The registry name was imported already.
    #[error("{name} is already in the catalog ({}): pass --replace to overwrite it, or `servers remove {name}` first", path.display())]
    AlreadyImported {
        /// The registry name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
    /// Two registry names map to the same file name.
    #[error("{name} and the imported {existing} have the same file name once made safe ({}): remove {existing} first (`servers remove {existing}`)", path.display())]
    NameCollision {
        /// The name being imported.
        name: String,
        /// The import already holding that file name.
        existing: String,
        /// The file.
        path: PathBuf,
    },
    /// Only imported entries can be removed.
    #[error("{name} is built in: only imported servers can be removed (see `servers list`)")]
    BuiltinNotRemovable {
        /// The name asked for.
        name: String,
    },
    /// No imported entry has this name.
    #[error("no imported server '{name}': see `servers list` (imported entries say `imported`)")]
    NotImported {
        /// The name asked for.
        name: String,
    },
    /// Reading or writing the catalog directory failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl CatalogError {
    /// The documented class (and exit code) of this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CatalogError::UnknownInputs { .. } => ErrorKind::Usage,
            CatalogError::MissingParameters { .. } => ErrorKind::Validation,
            CatalogError::TransportMismatch { .. }
            | CatalogError::InvalidId { .. }
            | CatalogError::ServerJsonSyntax(_)
            | CatalogError::NotServerJson { .. }
            | CatalogError::ServerJsonShape { .. }
            | CatalogError::NoUsableLaunch { .. }
            | CatalogError::UnusableName { .. }
            | CatalogError::ImportedEntryInvalid { .. }
            | CatalogError::ImportedIdMismatch { .. }
            | CatalogError::ImportedEntryRefused { .. }
            | CatalogError::Ambiguous { .. }
            | CatalogError::AlreadyImported { .. }
            | CatalogError::NameCollision { .. }
            | CatalogError::BuiltinNotRemovable { .. } => ErrorKind::Validation,
            CatalogError::NotImported { .. } => ErrorKind::NotFound,
            CatalogError::Fs(error) if error.is_not_found() => ErrorKind::NotFound,
            CatalogError::Fs(_) => ErrorKind::Other,
        }
    }
}

/// The built-in entries, parsed once.
///
/// The data is `builtin.json`, embedded at compile time; the unit tests parse and validate it,
/// so it cannot fail at run time unless the embedded file was changed without running them.
pub fn builtin() -> &'static [CatalogEntry] {
    static BUILTIN: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        // Invariant: builtin.json is part of this crate and `tests::builtin_data_parses`
        // parses and validates every entry; a failure here is a bug in the shipped data,
        // never an effect of user input.
        #[allow(clippy::expect_used)]
        serde_json::from_str(BUILTIN_JSON).expect("catalog/builtin.json parses (checked by the unit tests)")
    })
}

/// The entries whose id, name, description or a tag contains every word of `query`
/// (case-insensitive), and whose transport is `transport` (`stdio`, `http`, `sse`; also
/// `streamable-http`) when one is given. An unknown transport name matches nothing. The order
/// of `entries` is kept.
pub fn search<'a>(entries: &'a [CatalogEntry], query: Option<&str>, transport: Option<&str>) -> Vec<&'a CatalogEntry> {
    let words: Vec<String> = query.unwrap_or("").split_whitespace().map(str::to_lowercase).collect();
    let wanted_transport = match transport {
        Some(name) => match Transport::from_name(name) {
            Some(transport) => Some(transport),
            None => return Vec::new(),
        },
        None => None,
    };
    entries
        .iter()
        .filter(|entry| wanted_transport.is_none_or(|transport| entry.transport == transport))
        .filter(|entry| {
            let haystack = search_text(entry);
            words.iter().all(|word| haystack.contains(word.as_str()))
        })
        .collect()
}

fn search_text(entry: &CatalogEntry) -> String {
    let mut text = format!("{}\n{}\n{}\n{}", entry.id, entry.full_name(), entry.name, entry.description);
    for tag in &entry.tags {
        text.push('\n');
        text.push_str(tag);
    }
    text.to_lowercase()
}

/// True if `id` can be a catalog id: 1 to 64 of `a-z`, `0-9` and `-`, not starting or ending
/// with `-`. Such an id is also a safe file name.
pub fn is_valid_catalog_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CATALOG_ID_LEN
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Checks what the type cannot: the id's form and that the launch fits the transport.
pub fn validate_entry(entry: &CatalogEntry) -> Result<(), CatalogError> {
    if !is_valid_catalog_id(&entry.id) {
        return Err(CatalogError::InvalidId { id: entry.id.clone() });
    }
    let fits = match entry.launch {
        Launch::Npm { .. } | Launch::Pypi { .. } | Launch::Oci { .. } => entry.transport == Transport::Stdio,
        Launch::Remote { .. } => entry.transport != Transport::Stdio,
    };
    if !fits {
        return Err(CatalogError::TransportMismatch {
            server_id: entry.id.clone(),
            transport: entry.transport,
            launch: entry.launch.kind_name(),
        });
    }
    Ok(())
}
