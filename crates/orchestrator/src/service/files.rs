//! Operations on client config files: import a live file, render a profile into a file's
//! bytes, deploy (write) and roll back, list deployments. Every write goes through
//! `deploy::write` under the file's lock, is backed up and recorded; nothing unverified is
//! ever rendered or written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::shared::Layer;
use crate::adapt::{Adapted, Skipped};
use crate::artifact::Verified;
use crate::deploy::record::{self, DeploymentRecord, RecordKind};
use crate::deploy::write::{self, WritePlan};
use crate::diff::ownership::{self, Ownership};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ids::{ClientId, ProfileId};
use crate::resolve;
use crate::secrets::SecretStore;

/// A client's config file: which client reads it, where it is, and where in it the servers are.
#[derive(Debug, Clone)]
pub struct ClientFile {
    /// The client whose dialect the file is in.
    pub client_id: String,
    /// The file as the client names it.
    pub path: PathBuf,
    /// Where in the file the servers live.
    pub placement: dialects::Placement,
}

impl ClientFile {
    /// The file at `path` read by `client_id`: the servers' placement is that of the client's
    /// known location with the same path, else of one with the same file name (e.g. VS Code
    /// `settings.json` → `mcp.servers`), else the client's usual one. An unknown client is kept
    /// as given, so that the operation reports it with its documented message.
    pub fn at(client_id: &str, path: &Path, facts: &dialects::HostFacts) -> ClientFile {
        let placement = match dialects::find(client_id) {
            Some(client) => {
                let locations = client.config_paths(facts);
                let usable = |l: &&dialects::ConfigLocation| l.scope != dialects::Scope::Local;
                let by_path = locations.iter().filter(usable).find(|l| l.path == path);
                let by_name = locations
                    .iter()
                    .filter(usable)
                    .find(|l| l.path.file_name().is_some() && l.path.file_name() == path.file_name());
                by_path.or(by_name).map(|l| l.placement.clone()).unwrap_or_else(|| client.default_placement())
            }
            None => dialects::Placement::new::<&str>(&[]),
        };
        ClientFile { client_id: client_id.to_owned(), path: path.to_path_buf(), placement }
    }

    /// The client's own user config file on this host: the first documented user-scope
    /// location that exists, else the first documented one (see [`ClientFile::in_scope`]).
    pub fn default_for(client_id: &str, facts: &dialects::HostFacts) -> Result<ClientFile> {
        Self::pick(client_id, None, facts)
    }

    /// The client's file of `scope` on this host: its documented location of that scope that
    /// exists, else the first documented one (project files below the project root, Claude
    /// Code's local scope as `projects.<project dir>.mcpServers` of `~/.claude.json`). A scope
    /// the client does not have, or a project scope with no project directory, is a usage
    /// error (exit 2) naming what to give instead.
    pub fn in_scope(client_id: &str, scope: dialects::Scope, facts: &dialects::HostFacts) -> Result<ClientFile> {
        Self::pick(client_id, Some(scope), facts)
    }

    fn pick(client_id: &str, scope: Option<dialects::Scope>, facts: &dialects::HostFacts) -> Result<ClientFile> {
        use dialects::Scope;
        let client = ClientId::parse(client_id)?;
        let info = dialects::find(client.as_str())
            .ok_or_else(|| crate::ids::IdError::UnknownClient { given: client_id.to_owned() })?;
        let locations = info.config_paths(facts);
        let wanted = scope.unwrap_or(Scope::User);
        let has = info.scopes(facts.os);
        if scope.is_some() && !has.contains(&wanted) {
            let names: Vec<&str> = has.iter().map(|s| s.as_str()).collect();
            return Err(Error::Usage {
                message: format!(
                    "{client_id} has no {wanted} scope: its scopes are {} (--scope {})",
                    names.join(", "),
                    names.join("|")
                ),
            });
        }
        let of_scope: Vec<_> = locations.iter().filter(|l| l.scope == wanted).collect();
        let documented: Vec<_> = of_scope.iter().filter(|l| !l.alternative).copied().collect();
        let chosen = documented
            .iter()
            .chain(of_scope.iter())
            .find(|l| l.path.exists())
            .or(documented.first())
            .or(of_scope.first())
            .copied();
        let chosen = match (chosen, scope) {
            (Some(chosen), _) => chosen,
            (None, Some(Scope::Project | Scope::Local)) => {
                return Err(Error::Usage {
                    message: format!(
                        "{client_id}'s {wanted} scope needs a project directory: give --project DIR (over MCP: a \
                         declared root or `serve --project-dir DIR`)"
                    ),
                });
            }
            // With no user file on this OS, the client's usual file of another scope.
            (None, _) => locations
                .iter()
                .find(|l| !l.alternative && l.scope != Scope::Local)
                .ok_or_else(|| Error::NoConfigFile { client: client_id.to_owned() })?,
        };
        // Where creating the file would hide another, the client's own way around it, if any
        // (Continue: a JSON file in ~/.continue/mcpServers/ instead of config.yaml).
        let instead = Some(chosen)
            .filter(|l| !l.path.exists() && info.shadowed_by(facts, &l.path).is_some_and(|p| p.is_file()))
            .and_then(|l| info.instead_of_shadowing(facts, &l.path));
        let chosen = instead.as_ref().unwrap_or(chosen);
        if !chosen.path.exists()
            && let Some(shadowed) = info.shadowed_by(facts, &chosen.path).filter(|p| p.is_file())
        {
            return Err(Error::Usage {
                message: format!(
                    "{} reads {} here, and creating {} would make it ignore that file; this program does not \
                     write {}'s format: move the servers into {} with {} first, or name the file to use with \
                     --file",
                    info.display_name,
                    shadowed.display(),
                    chosen.path.display(),
                    shadowed.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    chosen.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    info.display_name,
                ),
            });
        }
        Ok(ClientFile {
            client_id: client_id.to_owned(),
            path: chosen.path.clone(),
            placement: chosen.placement.clone(),
        })
    }

    /// Every client file that exists on this host (documented places and probed alternatives;
    /// not the per-project "local" scope inside a user file, which `in_scope` reaches). A
    /// project file that is also a user file (the project is HOME) is listed once.
    pub fn detected(facts: &dialects::HostFacts) -> Vec<ClientFile> {
        Self::detected_in(facts, None)
    }

    /// [`ClientFile::detected`], only the files of `scope` when given (`local`: Claude Code's
    /// `projects.<project dir>` of `~/.claude.json` when that entry exists).
    pub fn detected_in(facts: &dialects::HostFacts, scope: Option<dialects::Scope>) -> Vec<ClientFile> {
        use dialects::Scope;
        let mut out: Vec<ClientFile> = Vec::new();
        for detected in dialects::detect(facts) {
            for (location, presence) in detected.locations {
                let duplicate = out.iter().any(|f| f.path == location.path && f.placement == location.placement);
                let wanted = match scope {
                    Some(scope) => location.scope == scope,
                    None => location.scope != Scope::Local,
                };
                let present = presence == dialects::Presence::File
                    && (location.scope != Scope::Local || placement_exists(&location));
                if present && wanted && !duplicate {
                    out.push(ClientFile {
                        client_id: detected.client_id.to_owned(),
                        path: location.path,
                        placement: location.placement,
                    });
                }
            }
        }
        out
    }
}

/// Whether the file at a location holds its placement's object (read only to list Claude
/// Code's local scope; a file that does not parse holds none).
fn placement_exists(location: &dialects::ConfigLocation) -> bool {
    let Ok(Some(bytes)) = write::read_target(&location.path) else { return false };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else { return false };
    location.placement.0.iter().try_fold(&value, |v, key| v.get(key)).is_some()
}

/// What `import` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    /// The servers document read from the file.
    pub document: Value,
    /// Literal secrets moved into the secret store (the document holds references).
    pub secrets_moved: Vec<super::MovedSecret>,
    /// Where the draft was saved (empty with `publish`: the draft became the version).
    pub draft: String,
    /// The published version, with `--publish`.
    pub published: Option<Value>,
}

/// What a deploy did (or would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeployReport {
    /// The file.
    pub file: String,
    /// The artifact deployed.
    pub artifact_id: String,
    /// Its version.
    pub version: u64,
    /// True when the bytes changed (or would change).
    pub changed: bool,
    /// The unified diff of the file's bytes.
    pub diff: String,
    /// True when nothing was written.
    pub dry_run: bool,
    /// The record, when written.
    pub deployment_id: Option<String>,
    /// Servers removed because an earlier deploy of this profile wrote them.
    pub removed_servers: Vec<String>,
    /// The file's own entries this deploy took over (asked for with `adopt`).
    pub adopted: Vec<String>,
    /// Secrets the client reads from its environment (the file holds `${NAME}`-style
    /// references): export them where the client starts, or start it with `exec`.
    pub secrets_from_environment: Vec<String>,
    /// Secrets the client prompts for once (VS Code `${input:NAME}`).
    pub secrets_prompted: Vec<String>,
    /// Names of secrets whose values the file holds (the client has no indirection); the file
    /// is then written 0600.
    pub secrets_in_file: Vec<String>,
    /// Whether the client's own profile or the shared one was deployed.
    pub layer: Layer,
    /// Remote servers written as entries that run the built-in bridge (the client cannot
    /// reach them natively).
    pub bridged: Vec<String>,
    /// Servers left out of the file, with the reason.
    pub skipped: Vec<Skipped>,
}

/// How a deploy may go about a file.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Report the diff and write nothing.
    pub dry_run: bool,
    /// The file's own entries (same name as a profile server, not written by this home) the
    /// profile may replace and manage from now on.
    pub adopt: Vec<String>,
    /// Adopt every such entry.
    pub adopt_all: bool,
    /// Create the file's directory when it does not exist (the client may not be installed).
    pub create: bool,
    /// The `sync` this deploy is part of, recorded with it.
    pub sync_id: Option<String>,
}

/// Removes the backups this deploy created (`(id, created)` pairs) after its write failed.
fn discard_created<'a>(home: &crate::home::Home, backups: impl IntoIterator<Item = Option<&'a (String, bool)>>) {
    for (id, created) in backups.into_iter().flatten() {
        if *created {
            record::discard_backup(home, id);
        }
    }
}

/// A profile merged into a file: what would be written, and what output shows of it.
struct Merged {
    verified: Verified,
    /// The document as adapted to the client (bridged and skipped servers).
    adapted: Adapted,
    resolved: resolve::Resolved,
    /// The bytes to write (resolved values).
    rendered: String,
    /// Servers removed because an earlier deploy of this profile wrote them.
    removed: Vec<String>,
    preview: super::preview::DeployPreview,
    /// The servers the profile owns in the file after the deploy.
    owned: BTreeSet<String>,
    /// Those it owned before.
    previously: BTreeSet<String>,
    /// The file's own entries taken over.
    adopted: Vec<String>,
}

fn unparsable(file: &ClientFile, error: dialects::DialectError) -> Error {
    Error::unparsable(&file.path, error)
}

fn text_of<'a>(file: &ClientFile, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 { path: file.path.clone(), offset: e.valid_up_to() })
}

/// The unified diff between two versions of a file's bytes.
pub fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

fn server_names(document: &Value) -> BTreeSet<String> {
    document.get("mcpServers").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

impl Orchestrator {
    fn client_and_profile(&self, client: &str, profile: &str) -> Result<(ClientId, ProfileId)> {
        Ok((ClientId::parse(client)?, ProfileId::parse(profile)?))
    }

    /// Reads a live client file into a servers document, saves it as the profile's draft and,
    /// with `publish`, signs it as the next version.
    pub fn import_file(&self, file: &ClientFile, profile: &str, publish: bool) -> Result<ImportReport> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        self.traced("config_import", meta, || {
            let (client, profile_id) = self.client_and_profile(&file.client_id, profile)?;
            self.ensure_initialized()?;
            let bytes = write::read_existing(&file.path)?;
            let text = text_of(file, &bytes)?;
            let mut document =
                dialects::import_at(client.as_str(), &file.placement, text).map_err(|e| unparsable(file, e))?;
            self.reference_deployed_values(&client, file, &mut document)?;
            let draft = self.home().draft(&client, &profile_id);
            let secrets_moved;
            let pretty;
            {
                let _lock = self.lock()?;
                let mut store = SecretStore::load(self.home())?;
                secrets_moved = super::extract::extract_secrets(&mut document, &mut store);
                if !secrets_moved.is_empty() {
                    store.save(self.home())?;
                }
                pretty = serde_json::to_vec_pretty(&document).unwrap_or_default();
                let base = crate::registry::head(self.home(), &client, &profile_id)?.map(|h| h.version);
                fsutil::write_atomic(&draft, &super::drafts::draft_bytes(&document, base), 0o600)?;
            }
            self.failpoints.reach("import-after-draft");
            let published = if publish {
                let text = String::from_utf8_lossy(&pretty).into_owned();
                let note = format!("imported from {}", file.path.display());
                let verified = self.publish(client.as_str(), profile, &text, Some(&note), None)?;
                // The draft became this version: left behind it would republish it later.
                self.draft_discard(client.as_str(), profile)?;
                Some(verified)
            } else {
                None
            };
            self.record_import(file, &client, &profile_id, &bytes, &document, published.as_ref())?;
            let draft = if published.is_some() { String::new() } else { draft.display().to_string() };
            Ok(ImportReport { document, secrets_moved, draft, published: published.map(|v| v.to_json()) })
        })
    }

    /// Records that `file` (holding `bytes`) was imported into `profile` (at `published`, when
    /// it was published): the entries read count as the profile's from now on, so a later
    /// deploy of it updates them instead of refusing them as the user's own.
    fn record_import(
        &self,
        file: &ClientFile,
        client: &ClientId,
        profile: &ProfileId,
        bytes: &[u8],
        document: &Value,
        published: Option<&Verified>,
    ) -> Result<()> {
        let _lock = self.lock_target(&write::real_target(&file.path))?;
        let id = record::store_backup(self.home(), bytes)?;
        let rec = DeploymentRecord {
            placement: Some(file.placement.0.clone()),
            deployment_id: record::new_deployment_id(self.home(), client, self.now()),
            kind: RecordKind::Import,
            client_id: client.to_string(),
            file: file.path.display().to_string(),
            profile_id: Some(profile.to_string()),
            artifact_id: published.map(|v| v.id().to_string()),
            version: published.map(|v| v.statement().version),
            at: self.now(),
            before: Some(id.clone()),
            after: Some(id),
            owned_servers: server_names(document).into_iter().collect(),
            adopted: Vec::new(),
            restores: None,
            shared: published.is_some_and(|v| v.statement().client_id == crate::ids::SHARED),
            sync_id: None,
        };
        record::save(self.home(), client, &rec)
    }

    /// Puts references back where the file holds what the last deploy into it resolved them
    /// to (so importing a file this home wrote gives back `${env:…}`/`${secret:…}`, not the
    /// values). A version that no longer verifies or resolves is skipped: the secret rules of
    /// import still apply to what it leaves.
    fn reference_deployed_values(&self, client: &ClientId, file: &ClientFile, document: &mut Value) -> Result<()> {
        let records = record::at_placement(record::list(self.home(), client, Some(&file.path))?, &file.placement.0);
        let Some((Some(profile), Some(version), shared)) =
            record::last_deploy(&records).map(|r| (r.profile_id.as_deref(), r.version, r.shared))
        else {
            return Ok(());
        };
        let Ok(profile) = ProfileId::parse(profile) else { return Ok(()) };
        let trust = self.trust()?;
        let subject = if shared { ClientId::shared() } else { client.clone() };
        let Ok(verified) = crate::registry::load_version(self.home(), &trust, &subject, &profile, version, None) else {
            return Ok(());
        };
        let store = SecretStore::load(self.home())?;
        let client_env = dialects::env_expansion(client.as_str());
        let adapted = self.adapt(client, &verified);
        let mut options = resolve::Options::for_client(client.as_str(), None);
        options.verbatim_servers = Some(&adapted.bridged);
        if let Ok(resolved) = resolve::resolve(&adapted.document, &self.environment, &store, options) {
            let shown = resolve::shown(&adapted.document, client_env);
            crate::diff::shown::unresolve(document, &shown, &resolved.document);
        }
        Ok(())
    }

    /// The verified head a client follows (its own profile, else the shared one), adapted to
    /// the client and with its references resolved, ready to write.
    fn resolved_head(
        &self,
        client: &ClientId,
        profile: &ProfileId,
    ) -> Result<(Verified, Adapted, resolve::Resolved, SecretStore)> {
        let verified = self.get(client.as_str(), profile.as_str())?;
        let store = SecretStore::load(self.home())?;
        let adapted = self.adapt(client, &verified);
        let resolved = self.resolve_adapted(client, &adapted, &store)?;
        Ok((verified, adapted, resolved, store))
    }

    /// The bytes `file` would hold with the profile merged in (nothing is written), the
    /// servers that would be removed because an earlier deploy of this profile wrote them, and
    /// the ownership after it. A head server whose name the file uses for an entry this home
    /// did not write, with other content, is refused (exit 7) unless adopted.
    fn merged(
        &self,
        file: &ClientFile,
        client: &ClientId,
        profile: &ProfileId,
        current: Option<&[u8]>,
        options: &DeployOptions,
    ) -> Result<Merged> {
        let (verified, adapted, resolved, store) = self.resolved_head(client, profile)?;
        let original = current.map(|b| text_of(file, b)).transpose()?;
        let records = record::at_placement(record::list(self.home(), client, Some(&file.path))?, &file.placement.0);
        let previously = record::owned_servers(&records, profile.as_str());
        let wanted = server_names(&resolved.document);
        let remove: Vec<String> = previously.iter().filter(|n| !wanted.contains(*n)).cloned().collect();
        let mut owned = wanted.clone();
        let mut adopted = Vec::new();
        if let Some(text) = original {
            let live = dialects::import_at(client.as_str(), &file.placement, text).map_err(|e| unparsable(file, e))?;
            // Compared as the client reads them back; a document the client's dialect cannot
            // write from scratch (kept only by lossless edits) is compared as resolved.
            let reads = self
                .as_client_reads(client, file, &verified, &store)
                .map(|r| r.document)
                .unwrap_or_else(|_| resolved.document.clone());
            let own = Ownership {
                profile_owned: previously.clone(),
                home_owned: record::home_owned(&records),
                managed: true,
            };
            let part = ownership::partition(&live, &reads, &own);
            let in_file = server_names(&live);
            for name in &options.adopt {
                if !wanted.contains(name) || !in_file.contains(name) {
                    return Err(Error::Usage {
                        message: format!(
                            "--adopt {}: {} has no entry of that name that {}/{} would write (adopt names a server both the file and the profile have)",
                            name.chars().take(100).collect::<String>(),
                            file.path.display(),
                            client,
                            profile
                        ),
                    });
                }
            }
            let adopts = |n: &String| options.adopt_all || options.adopt.contains(n);
            let refused: Vec<String> = part.conflicts.iter().filter(|n| !adopts(n)).cloned().collect();
            if !refused.is_empty() {
                let message = self.conflict_message(
                    client,
                    file,
                    profile,
                    &live,
                    &adapted.document,
                    &resolved,
                    &store,
                    &refused,
                )?;
                return Err(Error::Conflict { message });
            }
            // The file's own entries that already equal the profile's stay the user's,
            // unless adopted: nothing is written to them, so nothing is taken over.
            for name in in_file.iter().filter(|n| wanted.contains(*n) && !own.home_owned.contains(*n)) {
                if adopts(name) {
                    adopted.push(name.clone());
                } else {
                    owned.remove(name);
                }
            }
        }
        let rendered = dialects::render_at(client.as_str(), &file.placement, original, &resolved.document, &remove)
            .map_err(|e| unparsable(file, e))?;
        let preview = self.deploy_preview(client, file, original, &adapted.document, &resolved, &remove, &store)?;
        Ok(Merged { verified, adapted, resolved, rendered, removed: remove, preview, owned, previously, adopted })
    }

    /// The bytes `file` would hold with the profile's servers merged in, as output shows them:
    /// references (`${secret:NAME}`, `${env:NAME}`) instead of their values, and every other
    /// secret of the file `«redacted»`. Only a deploy writes resolved values.
    pub fn render_file(&self, file: &ClientFile, profile: &str) -> Result<String> {
        let (client, profile) = self.client_and_profile(&file.client_id, profile)?;
        let current = write::read_target(&file.path)?;
        let options = DeployOptions { adopt_all: true, ..DeployOptions::default() };
        Ok(self.merged(file, &client, &profile, current.as_deref(), &options)?.preview.after)
    }

    /// Verifies the head, merges it into the file losslessly and writes it by the safe write
    /// path, with a backup and a deployment record (creating a missing directory).
    /// `dry_run` only reports the diff.
    pub fn deploy(&self, file: &ClientFile, profile: &str, dry_run: bool) -> Result<DeployReport> {
        self.deploy_with(file, profile, &DeployOptions { dry_run, create: true, ..DeployOptions::default() })
    }

    /// [`Orchestrator::deploy`] with its options: the file's own entries a head server would
    /// replace are refused (exit 7) unless adopted; a missing directory (the client may not be
    /// installed) is refused (exit 2) unless `create`. A deploy that changes neither the bytes
    /// nor what the profile owns writes no record.
    pub fn deploy_with(&self, file: &ClientFile, profile: &str, options: &DeployOptions) -> Result<DeployReport> {
        let dry_run = options.dry_run;
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("profile_id".into(), json!(profile));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        meta.insert("dry_run".into(), json!(dry_run));
        self.traced("config_deploy", meta, || {
            let (client, profile_id) = self.client_and_profile(&file.client_id, profile)?;
            self.ensure_initialized()?;
            if !options.create
                && let Some(dir) = file.path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists())
            {
                return Err(Error::Usage {
                    message: format!(
                        "{} does not look installed here: {} does not exist; pass --create (`create: true` over MCP) to create it and {} (nothing was written)",
                        file.client_id,
                        dir.display(),
                        file.path.display()
                    ),
                });
            }
            let real = write::real_target(&file.path);
            let _lock = if dry_run { None } else { Some(self.lock_target(&real)?) };
            self.failpoints.reach("after-lock");
            let current = write::read_target(&file.path)?;
            let Merged { verified, adapted, resolved, rendered, removed, preview, owned, previously, adopted } =
                self.merged(file, &client, &profile_id, current.as_deref(), options)?;
            self.enforce_policies(verified.payload())?;
            let changed = current.as_deref() != Some(rendered.as_bytes());
            let mut report = DeployReport {
                file: file.path.display().to_string(),
                artifact_id: verified.id().to_string(),
                version: verified.statement().version,
                changed,
                diff: preview.diff,
                dry_run,
                deployment_id: None,
                removed_servers: removed,
                adopted: adopted.clone(),
                secrets_from_environment: resolved.client_reads_from_env.clone(),
                secrets_prompted: resolved.client_prompts_for.clone(),
                secrets_in_file: resolved.secrets_used.iter().map(|(name, _)| name.clone()).collect(),
                layer: Layer::of(&verified),
                bridged: adapted.bridged.into_iter().collect(),
                skipped: adapted.skipped,
            };
            if dry_run || (!changed && owned == previously && adopted.is_empty()) {
                return Ok(report);
            }
            let before = current.as_deref().map(|b| record::store_backup_tracked(self.home(), b)).transpose()?;
            let after = record::store_backup_tracked(self.home(), rendered.as_bytes());
            let after = match after {
                Ok(after) => after,
                Err(error) => {
                    discard_created(self.home(), [before.as_ref()]);
                    return Err(error);
                }
            };
            if changed
                && let Err(error) = write::replace_file(&WritePlan {
                    target: &file.path,
                    expected: current.as_deref(),
                    new_bytes: rendered.as_bytes(),
                    private: resolved.holds_secrets,
                    failpoints: &self.failpoints,
                })
            {
                // No record will name them: a failed write (ENOSPC, EROFS, a refused swap)
                // leaves no orphan backups.
                discard_created(self.home(), [before.as_ref(), Some(&after)]);
                return Err(error.into());
            }
            let before_id = before.map(|(id, _)| id);
            let after_id = after.0;
            let rec = DeploymentRecord {
                placement: Some(file.placement.0.clone()),
                deployment_id: record::new_deployment_id(self.home(), &client, self.now()),
                kind: RecordKind::Deploy,
                client_id: client.to_string(),
                file: file.path.display().to_string(),
                profile_id: Some(profile_id.to_string()),
                artifact_id: Some(verified.id().to_string()),
                version: Some(verified.statement().version),
                at: self.now(),
                before: before_id,
                after: Some(after_id),
                owned_servers: owned.into_iter().collect(),
                adopted,
                restores: None,
                shared: Layer::of(&verified) == Layer::Shared,
                sync_id: options.sync_id.clone(),
            };
            record::save(self.home(), &client, &rec)?;
            report.deployment_id = Some(rec.deployment_id);
            Ok(report)
        })
    }

    pub(super) fn lock_target(&self, real: &Path) -> Result<fsutil::LockGuard> {
        Ok(fsutil::lock(&self.home().target_lock(real), self.lock_timeout)?)
    }

    /// The deployment records of a client (of one file, when given), oldest first.
    pub fn deployments(&self, client: &str, file: Option<&Path>) -> Result<Vec<DeploymentRecord>> {
        let client = ClientId::parse(client)?;
        record::list(self.home(), &client, file)
    }
}
