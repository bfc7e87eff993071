//! One-step `add` and `remove`: a server into (or out of) a profile as its next signed
//! version, without a draft. The document starts from what the subject follows now (for a
//! client without a profile of that name: the shared one, so `add --client C` makes C's own
//! override from what C had); the server comes from the catalog (with its parameters and
//! env), or is a custom command or URL. Literal secrets given on the command line are moved
//! into the secret store and referenced, as on import. The result is validated like
//! `draft validate` and published with the head it started from as its expected base, so a
//! concurrent publish is refused (exit 7), never overwritten. A pending draft is left alone.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::drafts::{refuse_invalid, validate_document};
use super::extract::{MovedSecret, extract_secrets};
use crate::catalog;
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::secrets::{SecretStore, SecretValue};

/// Where the server to add comes from.
#[derive(Debug, Clone)]
pub enum ServerSource {
    /// A catalog entry (full or short name), with its parameters and env values.
    Catalog {
        /// The catalog id.
        id: String,
        /// Parameter values (`--param K=V`).
        params: BTreeMap<String, String>,
        /// Environment values (`--env K=V`).
        env: BTreeMap<String, String>,
    },
    /// A custom stdio server.
    Command {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its environment.
        env: BTreeMap<String, String>,
    },
    /// A custom remote server.
    Url {
        /// The endpoint.
        url: String,
        /// `http` (streamable HTTP) or `sse`.
        transport: String,
        /// Request headers.
        headers: BTreeMap<String, String>,
    },
}

/// What `add` or `remove` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerChange {
    /// The subject: a client id, or `_shared`.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The server's name.
    pub server: String,
    /// `added`, `replaced` or `removed`.
    pub action: String,
    /// The entry as published (references, never values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Value>,
    /// Literal secrets moved into the secret store.
    pub secrets_moved: Vec<MovedSecret>,
    /// The new version (or the head, when nothing changed).
    pub version: u64,
    /// Its artifact id.
    pub artifact_id: String,
    /// False when the document equalled the head (no version was made).
    pub created: bool,
    /// Warnings of the validation (e.g. a command not on PATH here).
    pub warnings: Vec<String>,
}

fn map_of(pairs: &BTreeMap<String, String>) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

impl Orchestrator {
    /// The document a one-step edit of `subject`/`profile` starts from, and the head version
    /// it expects (None: the subject has no profile of that name yet).
    fn edit_base(&self, subject: &ClientId, profile: &ProfileId) -> Result<(Value, Option<u64>)> {
        let trust = self.trust()?;
        let head = registry::head(self.home(), subject, profile)?.map(|h| h.version);
        let document = match head {
            Some(_) => self.load_head(&trust, subject, profile)?.payload().clone(),
            None if !subject.is_shared() && registry::head(self.home(), &ClientId::shared(), profile)?.is_some() => {
                self.load_head(&trust, &ClientId::shared(), profile)?.payload().clone()
            }
            None => json!({"mcpServers": {}}),
        };
        Ok((document, head))
    }

    /// Publishes `document` as the next version of `subject`/`profile`, expecting `base`.
    fn publish_edit(
        &self,
        subject: &ClientId,
        profile: &ProfileId,
        document: &Value,
        base: Option<u64>,
        note: &str,
        path_dirs: &[std::path::PathBuf],
    ) -> Result<(super::PublishOutcome, Vec<String>)> {
        let report = validate_document(subject.as_str(), document, path_dirs);
        refuse_invalid(&report)?;
        let warnings = report.warnings.iter().map(|w| format!("{}: {}", w.pointer, w.message)).collect();
        let text = serde_json::to_string(document).unwrap_or_default();
        let options = super::PublishOptions {
            note: Some(note),
            expires_in: None,
            allow_same: false,
            validate_on: None,
            expect_head: Some(base),
        };
        Ok((self.publish_with(subject.as_str(), profile.as_str(), &text, &options)?, warnings))
    }

    /// Adds (or replaces) server `name` in `subject`'s profile (`_shared` for every client)
    /// and publishes the next version.
    pub fn add_server(
        &self,
        subject: &str,
        profile: &str,
        name: &str,
        source: &ServerSource,
        path_dirs: &[std::path::PathBuf],
    ) -> Result<ServerChange> {
        let mut meta = super::ids_meta(subject, profile);
        meta.insert("server".into(), json!(name.chars().take(64).collect::<String>()));
        self.traced("server_add", meta, || {
            let subject_id = ClientId::parse_subject(subject)?;
            let profile_id = ProfileId::parse(profile)?;
            check_server_name(name)?;
            self.ensure_initialized()?;
            let (entry, to_store) = match source {
                ServerSource::Catalog { id, params, env } => {
                    let entry = self.catalog_show(id)?;
                    let rendered = catalog::entry_to_server(&entry, params, env)?;
                    (rendered.server, rendered.secrets_to_store.clone())
                }
                ServerSource::Command { command, args, env } => {
                    let mut entry = Map::new();
                    entry.insert("command".into(), json!(command));
                    entry.insert("args".into(), json!(args));
                    if !env.is_empty() {
                        entry.insert("env".into(), map_of(env));
                    }
                    (Value::Object(entry), BTreeMap::new())
                }
                ServerSource::Url { url, transport, headers } => {
                    if !matches!(transport.as_str(), "http" | "sse") {
                        return Err(Error::Usage {
                            message: format!(
                                "transport '{}' is not one of http (streamable HTTP) or sse",
                                transport.chars().take(40).collect::<String>()
                            ),
                        });
                    }
                    let mut entry = Map::new();
                    entry.insert("type".into(), json!(transport));
                    entry.insert("url".into(), json!(url));
                    if !headers.is_empty() {
                        entry.insert("headers".into(), map_of(headers));
                    }
                    (Value::Object(entry), BTreeMap::new())
                }
            };
            // Literal secrets of the new entry (from --env, --header, catalog inputs) go to the
            // store, and the entry gets references; the profile's other entries are not touched.
            let mut single = json!({"mcpServers": {name: entry}});
            let moved = {
                let _lock = self.lock()?;
                let mut store = SecretStore::load(self.home())?;
                for (secret, value) in &to_store {
                    store.set(secret, SecretValue::new(value.clone()));
                }
                let moved = extract_secrets(&mut single, &mut store);
                if !to_store.is_empty() || !moved.is_empty() {
                    store.save(self.home())?;
                }
                moved
            };
            let entry = single["mcpServers"][name].take();
            let (mut document, base) = self.edit_base(&subject_id, &profile_id)?;
            let servers = document
                .as_object_mut()
                .map(|d| d.entry("mcpServers").or_insert_with(|| json!({})))
                .and_then(Value::as_object_mut)
                .ok_or_else(|| Error::Validation {
                    pointer: "/mcpServers".into(),
                    message: "the profile's servers are not an object".into(),
                })?;
            let action = if servers.contains_key(name) { "replaced" } else { "added" };
            servers.insert(name.to_owned(), entry);
            let note = format!("{action} {name}");
            let (outcome, warnings) = self.publish_edit(&subject_id, &profile_id, &document, base, &note, path_dirs)?;
            Ok(ServerChange {
                client_id: subject_id.to_string(),
                profile_id: profile_id.to_string(),
                server: name.to_owned(),
                action: action.to_owned(),
                entry: outcome.verified.payload().pointer(&format!("/mcpServers/{}", escape(name))).cloned(),
                secrets_moved: moved,
                version: outcome.verified.statement().version,
                artifact_id: outcome.verified.id().to_string(),
                created: outcome.created,
                warnings,
            })
        })
    }

    /// Removes server `name` from `subject`'s profile and publishes the next version (exit 3
    /// when the profile has no such server).
    pub fn remove_server(&self, subject: &str, profile: &str, name: &str) -> Result<ServerChange> {
        let mut meta = super::ids_meta(subject, profile);
        meta.insert("server".into(), json!(name.chars().take(64).collect::<String>()));
        self.traced("server_remove", meta, || {
            let subject_id = ClientId::parse_subject(subject)?;
            let profile_id = ProfileId::parse(profile)?;
            self.ensure_initialized()?;
            let (mut document, base) = self.edit_base(&subject_id, &profile_id)?;
            let removed =
                document.get_mut("mcpServers").and_then(Value::as_object_mut).and_then(|m| m.shift_remove(name));
            if removed.is_none() {
                let names: Vec<String> = document
                    .get("mcpServers")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                return Err(Error::ServerNotFound {
                    id: name.chars().take(100).collect(),
                    hint: format!(
                        "{subject_id}/{profile_id} has no such server (it has: {})",
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    ),
                });
            }
            let (outcome, warnings) =
                self.publish_edit(&subject_id, &profile_id, &document, base, &format!("removed {name}"), &[])?;
            Ok(ServerChange {
                client_id: subject_id.to_string(),
                profile_id: profile_id.to_string(),
                server: name.to_owned(),
                action: "removed".to_owned(),
                entry: None,
                secrets_moved: Vec::new(),
                version: outcome.verified.statement().version,
                artifact_id: outcome.verified.id().to_string(),
                created: outcome.created,
                warnings,
            })
        })
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A server name is a key in every client's file: printable, not empty, at most 100 characters.
fn check_server_name(name: &str) -> Result<()> {
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Usage {
            message: "a server name must be 1 to 100 printable characters (e.g. `github`)".into(),
        });
    }
    Ok(())
}
