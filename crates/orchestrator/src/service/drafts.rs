//! Drafts (edit → validate → publish), the catalog, and the secret store, as operations.
//!
//! A draft is a mutable servers document at `drafts/<client>/<profile>.json`, started from the
//! profile's head (or empty). Servers are added from the catalog with their parameters; a
//! literal secret given for a secret input is stored in the secret store and the draft gets a
//! `${secret:NAME}` reference. Validation refuses what cannot be published (schema, literal
//! secrets, transports the client cannot use) and warns about what may not run here (commands
//! not on PATH). Publishing signs the draft as the next version and drops the draft.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::doctor::command_resolves;
use crate::catalog::{self, CatalogEntry};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::secrets::{self, SecretStore, SecretValue};

/// A profile's working copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Draft {
    /// The client.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The servers document being edited.
    pub document: Value,
    /// False when no draft was saved yet (the document is the head's, or empty).
    pub exists: bool,
    /// The head version when the draft was shown (None: the profile has none).
    pub head_version: Option<u64>,
    /// The head version the draft was made from (None: the profile had none, or the draft
    /// was saved by an older release that did not record it).
    pub base_version: Option<u64>,
    /// True when the draft was made from the current head: publishing it cannot undo a
    /// version published since (else `draft rebase` first).
    pub based_on_head: bool,
}

/// A draft file: the document and the head version it was made from. Drafts saved by older
/// releases are the bare servers document (their base is unknown).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct DraftFile {
    /// The head version the draft was made from (None: the profile had none).
    base_version: Option<u64>,
    /// The servers document.
    document: Value,
}

/// The bytes of a draft file.
pub(super) fn draft_bytes(document: &Value, base_version: Option<u64>) -> Vec<u8> {
    let file = DraftFile { base_version, document: document.clone() };
    // A JSON value always serializes.
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A saved draft: its document and, when recorded, its base (`Some(None)`: made when the
/// profile had no version; `None`: an older release's draft, base unknown).
fn parse_draft(path: &Path, bytes: &[u8]) -> Result<(Value, Option<Option<u64>>)> {
    let text = String::from_utf8_lossy(bytes);
    let value = crate::canonical::parse_strict(&text)
        .map_err(|e| Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() })?;
    if value.get("mcpServers").is_none()
        && let Ok(file) = serde_json::from_value::<DraftFile>(value.clone())
    {
        return Ok((file.document, Some(file.base_version)));
    }
    Ok((value, None))
}

/// One finding of validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// JSON pointer of the value.
    pub pointer: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The outcome of validating a servers document for a client.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ValidationReport {
    /// No errors (warnings allowed).
    pub valid: bool,
    /// What refuses publishing.
    pub errors: Vec<Problem>,
    /// What may not work on this machine.
    pub warnings: Vec<Problem>,
}

/// Why a draft made from another head cannot be published, and what to do.
pub(super) fn stale_draft_message(draft: &Draft) -> String {
    let (client, profile) = (&draft.client_id, &draft.profile_id);
    let head = draft.head_version.map(|v| format!("v{v}")).unwrap_or_else(|| "none".into());
    let made = match draft.base_version {
        Some(v) => format!("was made from v{v}"),
        None if draft.exists => "records no base version (saved by an older release)".to_owned(),
        None => "was made when the profile had no version".to_owned(),
    };
    format!(
        "the draft of {client}/{profile} {made}, but the head is now {head}: publishing it would undo what was published since (nothing was published). Run `mcp-orchestration draft rebase {client} --profile {profile}` to re-apply the draft's changes onto the head, or `draft discard {client} --profile {profile}`"
    )
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn problem(pointer: String, message: impl Into<String>) -> Problem {
    Problem { pointer, message: message.into() }
}

/// Checks a servers document for `client_id`: the schema, literal secrets, transports the
/// client supports, and (as warnings) commands that do not resolve on `path_dirs`.
pub fn validate_document(client_id: &str, document: &Value, path_dirs: &[PathBuf]) -> ValidationReport {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if let Err(Error::Validation { pointer, message }) = super::check_servers_document(document) {
        errors.push(problem(pointer, message));
        return ValidationReport { valid: false, errors, warnings };
    }
    let client = dialects::find(client_id);
    let servers = document.get("mcpServers").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, entry) in &servers {
        let at = format!("/mcpServers/{}", escape(name));
        let Some(entry) = entry.as_object() else { continue };
        let string_or_missing = |key: &str| entry.get(key).is_none_or(Value::is_string);
        for key in ["command", "url", "cwd", "type"] {
            if !string_or_missing(key) {
                errors.push(problem(format!("{at}/{key}"), format!("\"{key}\" must be a string")));
            }
        }
        let command = entry.get("command").and_then(Value::as_str);
        let url = entry.get("url").and_then(Value::as_str);
        match (command, url) {
            (None, None) => {
                errors.push(problem(at.clone(), "a server needs \"command\" (stdio) or \"url\" (http, sse)"))
            }
            (Some(_), Some(_)) => {
                errors.push(problem(at.clone(), "a server has either \"command\" or \"url\", not both"))
            }
            _ => {}
        }
        if let Some(url) = url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            errors.push(problem(format!("{at}/url"), "\"url\" must start with https:// or http://"));
        }
        if let Some(args) = entry.get("args")
            && !args.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            errors.push(problem(format!("{at}/args"), "\"args\" must be an array of strings"));
        }
        for key in ["env", "headers"] {
            if let Some(map) = entry.get(key)
                && !map.as_object().is_some_and(|m| m.values().all(Value::is_string))
            {
                errors.push(problem(format!("{at}/{key}"), format!("\"{key}\" must be an object of strings")));
            }
        }
        if let (Some(client), Some(transport)) = (client, dialects::entry_transport(entry))
            && !client.supports(transport)
        {
            errors.push(problem(
                at.clone(),
                format!(
                    "{} cannot use the {} transport; remove this server or use another client",
                    client.display_name,
                    transport.as_str()
                ),
            ));
        }
        if let Some(command) = command
            && !command_resolves(command, path_dirs)
        {
            warnings.push(problem(
                format!("{at}/command"),
                format!("`{command}` is not on PATH here: the server will not start on this machine"),
            ));
        }
    }
    for pointer in dialects::secret_like_values(document) {
        errors.push(problem(
            pointer,
            "a literal secret: store it with `mcp-orchestration secrets set NAME` and write ${secret:NAME} here instead",
        ));
    }
    ValidationReport { valid: errors.is_empty(), errors, warnings }
}

/// The first error of a validation as a refusal (exit 6), counting the others.
pub(super) fn refuse_invalid(report: &ValidationReport) -> Result<()> {
    let Some(first) = report.errors.first() else { return Ok(()) };
    let more = if report.errors.len() > 1 {
        format!(" (and {} more; run `draft validate`)", report.errors.len() - 1)
    } else {
        String::new()
    };
    Err(Error::Validation { pointer: first.pointer.clone(), message: format!("{}{more}", first.message) })
}

impl Orchestrator {
    fn draft_ids(&self, client: &str, profile: &str) -> Result<(ClientId, ProfileId)> {
        let ids = (ClientId::parse_subject(client)?, ProfileId::parse(profile)?);
        self.ensure_initialized()?;
        Ok(ids)
    }

    /// The draft of a profile: the saved one, else the head's document, else an empty one.
    pub fn draft_show(&self, client: &str, profile: &str) -> Result<Draft> {
        let (client_id, profile_id) = self.draft_ids(client, profile)?;
        let head = registry::head(self.home(), &client_id, &profile_id)?.map(|h| h.version);
        let path = self.home().draft(&client_id, &profile_id);
        let (document, exists, base) = match fsutil::read_optional(&path)? {
            Some(bytes) => {
                let (document, base) = parse_draft(&path, &bytes)?;
                (document, true, base)
            }
            None if head.is_some() => (self.get(client, profile)?.payload().clone(), false, Some(head)),
            None => (json!({"mcpServers": {}}), false, Some(None)),
        };
        Ok(Draft {
            client_id: client.to_owned(),
            profile_id: profile.to_owned(),
            document,
            exists,
            head_version: head,
            base_version: base.flatten(),
            based_on_head: base == Some(head),
        })
    }

    /// Saves `document` as the draft, made from `base_version` (kept from the draft edited).
    pub(super) fn save_draft(
        &self,
        client: &str,
        profile: &str,
        document: Value,
        base_version: Option<u64>,
    ) -> Result<Draft> {
        let (client_id, profile_id) = self.draft_ids(client, profile)?;
        {
            let _lock = self.lock()?;
            fsutil::write_atomic(
                &self.home().draft(&client_id, &profile_id),
                &draft_bytes(&document, base_version),
                0o600,
            )?;
        }
        let head = registry::head(self.home(), &client_id, &profile_id)?.map(|h| h.version);
        Ok(Draft {
            client_id: client.to_owned(),
            profile_id: profile.to_owned(),
            document,
            exists: true,
            head_version: head,
            base_version,
            based_on_head: base_version == head,
        })
    }

    /// Adds a catalog server to the draft under `name` (default: its id, the short name of an
    /// import named by its registry name). Literal values given
    /// for secret inputs go to the secret store; the draft gets references.
    pub fn draft_add_server(
        &self,
        client: &str,
        profile: &str,
        server_id: &str,
        name: Option<&str>,
        params: &BTreeMap<String, String>,
        env: &BTreeMap<String, String>,
    ) -> Result<Draft> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(client));
        meta.insert("profile_id".into(), json!(profile));
        meta.insert("server_id".into(), json!(server_id));
        self.traced("draft_add_server", meta, || {
            let entry = self.catalog_show(server_id)?;
            let rendered = catalog::entry_to_server(&entry, params, env)?;
            if let Some(client_info) = dialects::find(client)
                && let Some(transport) = rendered.server.as_object().and_then(dialects::entry_transport)
                && !client_info.supports(transport)
            {
                return Err(Error::Validation {
                    pointer: format!("/mcpServers/{}", escape(name.unwrap_or(&entry.id))),
                    message: format!(
                        "{} cannot use the {} transport of {server_id}",
                        client_info.display_name,
                        transport.as_str()
                    ),
                });
            }
            let mut draft = self.draft_show(client, profile)?;
            if !rendered.secrets_to_store.is_empty() {
                let _lock = self.lock()?;
                let mut store = SecretStore::load(self.home())?;
                for (secret_name, value) in &rendered.secrets_to_store {
                    store.set(secret_name, SecretValue::new(value.clone()));
                }
                store.save(self.home())?;
            }
            let servers = draft.document.as_object_mut().and_then(|d| {
                d.entry("mcpServers").or_insert_with(|| json!({}));
                d.get_mut("mcpServers").and_then(Value::as_object_mut)
            });
            if let Some(servers) = servers {
                servers.insert(name.unwrap_or(&entry.id).to_owned(), rendered.server);
            }
            self.save_draft(client, profile, draft.document, draft.base_version)
        })
    }

    /// Removes a server from the draft.
    pub fn draft_remove_server(&self, client: &str, profile: &str, name: &str) -> Result<Draft> {
        let mut draft = self.draft_show(client, profile)?;
        let servers = draft.document.get_mut("mcpServers").and_then(Value::as_object_mut);
        let names: Vec<String> = servers.as_ref().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        if servers.and_then(|m| m.shift_remove(name)).is_none() {
            let suggestion = crate::ids::did_you_mean(name, names.iter().map(String::as_str));
            return Err(Error::ServerNotFound {
                id: name.to_owned(),
                hint: format!("{suggestion}the draft of {client}/{profile} has no such server"),
            });
        }
        self.save_draft(client, profile, draft.document, draft.base_version)
    }

    /// Replaces the draft with a whole servers document (strict JSON text); the draft's base
    /// is kept (the head's, when there was no draft).
    pub fn draft_set(&self, client: &str, profile: &str, document_text: &str) -> Result<Draft> {
        let document = crate::canonical::parse_strict(document_text)?;
        super::check_servers_document(&document)?;
        let draft = self.draft_show(client, profile)?;
        self.save_draft(client, profile, document, draft.base_version)
    }

    /// Validates the draft for its client.
    pub fn draft_validate(&self, client: &str, profile: &str, path_dirs: &[PathBuf]) -> Result<ValidationReport> {
        let draft = self.draft_show(client, profile)?;
        Ok(validate_document(client, &draft.document, path_dirs))
    }

    /// Validates and signs the draft as the next version, then drops the draft. Refused (exit
    /// 7) when the head moved since the draft was made (it would undo what was published
    /// since): `draft rebase` first. A draft equal to the head creates no version.
    pub fn draft_publish(
        &self,
        client: &str,
        profile: &str,
        note: Option<&str>,
        path_dirs: &[PathBuf],
    ) -> Result<super::PublishOutcome> {
        let draft = self.draft_show(client, profile)?;
        if !draft.based_on_head {
            return Err(Error::Conflict { message: stale_draft_message(&draft) });
        }
        refuse_invalid(&validate_document(client, &draft.document, path_dirs))?;
        let text = serde_json::to_string(&draft.document).unwrap_or_default();
        let options = super::PublishOptions {
            note,
            expires_in: None,
            allow_same: false,
            validate_on: None,
            expect_head: Some(draft.base_version),
        };
        let outcome = self.publish_with(client, profile, &text, &options)?;
        self.draft_discard(client, profile)?;
        Ok(outcome)
    }

    /// Drops the draft; false when there was none.
    pub fn draft_discard(&self, client: &str, profile: &str) -> Result<bool> {
        let (client_id, profile_id) = self.draft_ids(client, profile)?;
        let path = self.home().draft(&client_id, &profile_id);
        let _lock = self.lock()?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(fsutil::FsError::new("cannot remove", &path, e).into()),
        }
    }

    fn catalog_dir(&self) -> PathBuf {
        self.home().root().join("catalog")
    }

    /// Every catalog entry: built-in ones and those imported into this home.
    pub fn catalog(&self) -> Result<Vec<CatalogEntry>> {
        Ok(catalog::all(&self.catalog_dir())?)
    }

    /// Catalog entries matching a query (id, name, description, tags) and a transport.
    pub fn catalog_search(&self, query: Option<&str>, transport: Option<&str>) -> Result<Vec<CatalogEntry>> {
        let all = self.catalog()?;
        Ok(catalog::search(&all, query, transport).into_iter().cloned().collect())
    }

    /// One catalog entry, by full name (a built-in id or an import's registry name) or by the
    /// short name of one import; an ambiguous short name is refused with the candidates.
    pub fn catalog_show(&self, id: &str) -> Result<CatalogEntry> {
        let all = self.catalog()?;
        catalog::find(&all, id)?.cloned().ok_or_else(|| Error::ServerNotFound {
            id: id.chars().take(100).collect(),
            hint: format!(
                "{}see `mcp-orchestration servers list`",
                crate::ids::did_you_mean(id, all.iter().map(CatalogEntry::full_name))
            ),
        })
    }

    /// Imports an MCP registry `server.json` into this home's catalog under its registry name;
    /// a name imported already is refused unless `replace`.
    pub fn catalog_import(&self, text: &str, origin: &Path, replace: bool) -> Result<CatalogEntry> {
        let mut meta = Map::new();
        meta.insert("origin".into(), json!(origin.display().to_string()));
        self.traced("catalog_import", meta, || {
            self.ensure_initialized()?;
            let entry = catalog::import_server_json(text)?;
            let _lock = self.lock()?;
            catalog::save_imported(&self.catalog_dir(), &entry, replace)?;
            Ok(entry)
        })
    }

    /// Removes an imported entry (by full name or unambiguous short name) from the catalog.
    pub fn catalog_remove(&self, name: &str) -> Result<CatalogEntry> {
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name.chars().take(200).collect::<String>()));
        self.traced("catalog_remove", meta, || {
            self.ensure_initialized()?;
            let _lock = self.lock()?;
            Ok(catalog::remove_imported(&self.catalog_dir(), name)?)
        })
    }

    /// Stores a secret.
    pub fn secrets_set(&self, name: &str, value: SecretValue) -> Result<()> {
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name.chars().take(128).collect::<String>()));
        self.traced("secret_set", meta, || {
            self.ensure_initialized()?;
            if !secrets::valid_name(name) {
                return Err(Error::Validation {
                    pointer: String::new(),
                    message: format!(
                        "'{}' is not a secret name: use letters, digits and _ (e.g. GITHUB_TOKEN)",
                        name.chars().take(100).collect::<String>()
                    ),
                });
            }
            let _lock = self.lock()?;
            let mut store = SecretStore::load(self.home())?;
            store.set(name, value);
            store.save(self.home())
        })
    }

    /// The names of the stored secrets.
    pub fn secrets_list(&self) -> Result<Vec<String>> {
        self.ensure_initialized()?;
        Ok(SecretStore::load(self.home())?.names())
    }

    /// Removes a secret; false when there was none.
    pub fn secrets_remove(&self, name: &str) -> Result<bool> {
        self.ensure_initialized()?;
        let _lock = self.lock()?;
        let mut store = SecretStore::load(self.home())?;
        let removed = store.remove(name);
        if removed {
            store.save(self.home())?;
        }
        Ok(removed)
    }

    /// Adds (`allow`) or removes environment variable names on the home's MCP allowlist
    /// (`env_allowlist`); returns the list now in force.
    pub fn env_allowlist_update(&self, names: &[String], allow: bool) -> Result<Vec<String>> {
        let mut meta = Map::new();
        meta.insert(
            "names".into(),
            json!(names.iter().map(|n| n.chars().take(128).collect::<String>()).collect::<Vec<_>>()),
        );
        meta.insert("allow".into(), json!(allow));
        self.traced("env_allowlist_update", meta, || {
            self.ensure_initialized()?;
            let _lock = self.lock()?;
            Ok(crate::env_allowlist::update(self.home(), names, allow)?.into_iter().collect())
        })
    }

    /// The environment variable names MCP tools may resolve.
    pub fn env_allowlist_list(&self) -> Result<Vec<String>> {
        self.ensure_initialized()?;
        Ok(crate::env_allowlist::load(self.home())?.into_iter().collect())
    }
}
