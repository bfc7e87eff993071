//! Operations on client config files: import a live file, render a profile into a file's
//! bytes, deploy (write) and roll back, list deployments. Every write goes through
//! `deploy::write` under the file's lock, is backed up and recorded; nothing unverified is
//! ever rendered or written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Orchestrator;
use crate::artifact::Verified;
use crate::deploy::record::{self, DeploymentRecord, RecordKind};
use crate::deploy::write::{self, WritePlan};
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
    /// location that exists, else the first documented one.
    pub fn default_for(client_id: &str, facts: &dialects::HostFacts) -> Result<ClientFile> {
        let client = ClientId::parse(client_id)?;
        let info = dialects::find(client.as_str())
            .ok_or_else(|| crate::ids::IdError::UnknownClient { given: client_id.to_owned() })?;
        let locations = info.config_paths(facts);
        let documented: Vec<_> =
            locations.iter().filter(|l| !l.alternative && l.scope == dialects::Scope::User).collect();
        let chosen = documented
            .iter()
            .find(|l| l.path.exists())
            .or(documented.first())
            .copied()
            .or_else(|| locations.iter().find(|l| !l.alternative && l.scope != dialects::Scope::Local))
            .ok_or_else(|| Error::NoConfigFile { client: client_id.to_owned() })?;
        Ok(ClientFile {
            client_id: client_id.to_owned(),
            path: chosen.path.clone(),
            placement: chosen.placement.clone(),
        })
    }

    /// Every client file that exists on this host (documented places and probed alternatives;
    /// not the per-project "local" scope inside a user file, which `at` reaches).
    pub fn detected(facts: &dialects::HostFacts) -> Vec<ClientFile> {
        let mut out: Vec<ClientFile> = Vec::new();
        for detected in dialects::detect(facts) {
            for (location, presence) in detected.locations {
                let duplicate = out.iter().any(|f| f.path == location.path && f.placement == location.placement);
                if presence == dialects::Presence::File && !duplicate && location.scope != dialects::Scope::Local {
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

/// What `import` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    /// The servers document read from the file.
    pub document: Value,
    /// Literal secrets moved into the secret store (the document holds references).
    pub secrets_moved: Vec<super::MovedSecret>,
    /// Where the draft was saved.
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
}

/// What a rollback restored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollbackReport {
    /// The file.
    pub file: String,
    /// The deployment whose state was restored.
    pub restored_from: String,
    /// The new record (a rollback can itself be rolled back).
    pub deployment_id: String,
    /// True when the file now does not exist (it did not before the first deploy).
    pub removed: bool,
}

/// A profile merged into a file: what would be written, and what output shows of it.
struct Merged {
    verified: Verified,
    resolved: resolve::Resolved,
    /// The bytes to write (resolved values).
    rendered: String,
    /// Servers removed because an earlier deploy of this profile wrote them.
    removed: Vec<String>,
    preview: super::preview::DeployPreview,
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
                fsutil::write_atomic(&draft, &pretty, 0o600)?;
            }
            self.failpoints.reach("import-after-draft");
            let published = if publish {
                let text = String::from_utf8_lossy(&pretty).into_owned();
                let note = format!("imported from {}", file.path.display());
                Some(self.publish(client.as_str(), profile, &text, Some(&note), None)?.to_json())
            } else {
                None
            };
            Ok(ImportReport { document, secrets_moved, draft: draft.display().to_string(), published })
        })
    }

    /// Puts references back where the file holds what the last deploy into it resolved them
    /// to (so importing a file this home wrote gives back `${env:…}`/`${secret:…}`, not the
    /// values). A version that no longer verifies or resolves is skipped: the secret rules of
    /// import still apply to what it leaves.
    fn reference_deployed_values(&self, client: &ClientId, file: &ClientFile, document: &mut Value) -> Result<()> {
        let records = record::list(self.home(), client, Some(&file.path))?;
        let Some((Some(profile), Some(version))) =
            record::last_deploy(&records).map(|r| (r.profile_id.as_deref(), r.version))
        else {
            return Ok(());
        };
        let Ok(profile) = ProfileId::parse(profile) else { return Ok(()) };
        let trust = self.trust()?;
        let Ok(verified) = crate::registry::load_version(self.home(), &trust, client, &profile, version, None) else {
            return Ok(());
        };
        let store = SecretStore::load(self.home())?;
        let client_env = dialects::env_expansion(client.as_str());
        let options = resolve::Options { client_env, env_allowlist: None };
        if let Ok(resolved) = resolve::resolve(verified.payload(), &self.environment, &store, options) {
            let shown = resolve::shown(verified.payload(), client_env);
            crate::diff::shown::unresolve(document, &shown, &resolved.document);
        }
        Ok(())
    }

    /// The verified head of a profile with its references resolved, ready to write.
    fn resolved_head(
        &self,
        client: &ClientId,
        profile: &ProfileId,
    ) -> Result<(Verified, resolve::Resolved, SecretStore)> {
        let verified = self.get(client.as_str(), profile.as_str())?;
        let store = SecretStore::load(self.home())?;
        let allowlist = self.env_allowlist()?;
        let options = resolve::Options {
            client_env: dialects::env_expansion(client.as_str()),
            env_allowlist: allowlist.as_ref(),
        };
        let resolved = resolve::resolve(verified.payload(), &self.environment, &store, options)?;
        Ok((verified, resolved, store))
    }

    /// The servers an earlier deploy of this profile wrote into this file.
    pub(super) fn previously_owned(
        &self,
        client: &ClientId,
        path: &Path,
        profile: &ProfileId,
    ) -> Result<BTreeSet<String>> {
        Ok(record::owned_servers(&record::list(self.home(), client, Some(path))?, profile.as_str()))
    }

    /// The bytes `file` would hold with the profile merged in (nothing is written), and the
    /// servers that would be removed because an earlier deploy of this profile wrote them.
    fn merged(
        &self,
        file: &ClientFile,
        client: &ClientId,
        profile: &ProfileId,
        current: Option<&[u8]>,
    ) -> Result<Merged> {
        let (verified, resolved, store) = self.resolved_head(client, profile)?;
        let original = current.map(|b| text_of(file, b)).transpose()?;
        let wanted = server_names(&resolved.document);
        let remove: Vec<String> =
            self.previously_owned(client, &file.path, profile)?.into_iter().filter(|n| !wanted.contains(n)).collect();
        let rendered = dialects::render_at(client.as_str(), &file.placement, original, &resolved.document, &remove)
            .map_err(|e| unparsable(file, e))?;
        let preview = self.deploy_preview(client, file, original, verified.payload(), &resolved, &remove, &store)?;
        Ok(Merged { verified, resolved, rendered, removed: remove, preview })
    }

    /// The bytes `file` would hold with the profile's servers merged in, as output shows them:
    /// references (`${secret:NAME}`, `${env:NAME}`) instead of their values, and every other
    /// secret of the file `«redacted»`. Only a deploy writes resolved values.
    pub fn render_file(&self, file: &ClientFile, profile: &str) -> Result<String> {
        let (client, profile) = self.client_and_profile(&file.client_id, profile)?;
        let current = write::read_target(&file.path)?;
        Ok(self.merged(file, &client, &profile, current.as_deref())?.preview.after)
    }

    /// Verifies the head, merges it into the file losslessly and writes it by the safe write
    /// path, with a backup and a deployment record. `dry_run` only reports the diff.
    pub fn deploy(&self, file: &ClientFile, profile: &str, dry_run: bool) -> Result<DeployReport> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("profile_id".into(), json!(profile));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        meta.insert("dry_run".into(), json!(dry_run));
        self.traced("config_deploy", meta, || {
            let (client, profile_id) = self.client_and_profile(&file.client_id, profile)?;
            self.ensure_initialized()?;
            let real = write::real_target(&file.path);
            let _lock = if dry_run { None } else { Some(self.lock_target(&real)?) };
            self.failpoints.reach("after-lock");
            let current = write::read_target(&file.path)?;
            let Merged { verified, resolved, rendered, removed, preview } =
                self.merged(file, &client, &profile_id, current.as_deref())?;
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
            };
            if dry_run {
                return Ok(report);
            }
            let before_id = current.as_deref().map(|b| record::store_backup(self.home(), b)).transpose()?;
            let after_id = record::store_backup(self.home(), rendered.as_bytes())?;
            if changed {
                write::replace_file(&WritePlan {
                    target: &file.path,
                    expected: current.as_deref(),
                    new_bytes: rendered.as_bytes(),
                    private: resolved.holds_secrets,
                    failpoints: &self.failpoints,
                })?;
            }
            let rec = DeploymentRecord {
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
                owned_servers: server_names(&resolved.document).into_iter().collect(),
                restores: None,
            };
            record::save(self.home(), &client, &rec)?;
            report.deployment_id = Some(rec.deployment_id);
            Ok(report)
        })
    }

    fn lock_target(&self, real: &Path) -> Result<fsutil::LockGuard> {
        Ok(fsutil::lock(&self.home().target_lock(real), self.lock_timeout)?)
    }

    /// The deployment records of a client (of one file, when given), oldest first.
    pub fn deployments(&self, client: &str, file: Option<&Path>) -> Result<Vec<DeploymentRecord>> {
        let client = ClientId::parse(client)?;
        record::list(self.home(), &client, file)
    }

    /// Restores a file's bytes: by default those before its latest deploy or rollback; with
    /// `to`, those right after that deployment. The restore is itself recorded.
    pub fn rollback(&self, file: &ClientFile, to: Option<&str>) -> Result<RollbackReport> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        self.traced("config_rollback", meta, || {
            let client = ClientId::parse(&file.client_id)?;
            self.ensure_initialized()?;
            let records = record::list(self.home(), &client, Some(&file.path))?;
            let (source, restore) = choose_restore(&records, to, &client, file)?;
            let real = write::real_target(&file.path);
            let _lock = self.lock_target(&real)?;
            let current = write::read_target(&file.path)?;
            let restored = restore.as_deref().map(|id| record::load_backup(self.home(), id)).transpose()?;
            let before_id = current.as_deref().map(|b| record::store_backup(self.home(), b)).transpose()?;
            let plan_bytes = restored.clone().unwrap_or_default();
            let plan = WritePlan {
                target: &file.path,
                expected: current.as_deref(),
                new_bytes: &plan_bytes,
                private: false,
                failpoints: &self.failpoints,
            };
            match &restored {
                Some(bytes) if current.as_deref() != Some(bytes.as_slice()) => write::replace_file(&plan)?,
                Some(_) => {}
                None => write::remove_file(&plan)?,
            }
            let owned = match &restored {
                Some(_) => records
                    .iter()
                    .rev()
                    .find(|r| r.after == restore && r.kind == RecordKind::Deploy)
                    .map(|r| r.owned_servers.clone())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let rec = DeploymentRecord {
                deployment_id: record::new_deployment_id(self.home(), &client, self.now()),
                kind: RecordKind::Rollback,
                client_id: client.to_string(),
                file: file.path.display().to_string(),
                profile_id: source.profile_id.clone(),
                artifact_id: None,
                version: None,
                at: self.now(),
                before: before_id,
                after: restore,
                owned_servers: owned,
                restores: Some(source.deployment_id.clone()),
            };
            record::save(self.home(), &client, &rec)?;
            Ok(RollbackReport {
                file: file.path.display().to_string(),
                restored_from: source.deployment_id.clone(),
                deployment_id: rec.deployment_id,
                removed: restored.is_none(),
            })
        })
    }
}

/// The record a rollback restores from, and the content id it restores (None: no file):
/// with `to`, the bytes that deployment wrote; else those before the latest write.
fn choose_restore<'a>(
    records: &'a [DeploymentRecord],
    to: Option<&str>,
    client: &ClientId,
    file: &ClientFile,
) -> Result<(&'a DeploymentRecord, Option<String>)> {
    match to {
        Some(id) => {
            let r = records
                .iter()
                .find(|r| r.deployment_id == id)
                .ok_or_else(|| Error::DeploymentNotFound { client: client.to_string(), id: id.to_owned() })?;
            Ok((r, r.after.clone()))
        }
        None => {
            let r = records.last().ok_or_else(|| Error::DeploymentNotFound {
                client: client.to_string(),
                id: format!("(any deployment of {})", file.path.display()),
            })?;
            Ok((r, r.before.clone()))
        }
    }
}

/// What a rollback would do, without doing it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollbackPreview {
    /// The file.
    pub file: String,
    /// The deployment whose state would be restored.
    pub restores_from: String,
    /// True when the file would be removed (it did not exist before the first deploy).
    pub would_remove_file: bool,
    /// True when the bytes would change.
    pub changed: bool,
    /// The unified diff of the file's bytes (secrets shown as `«redacted»`).
    pub diff: String,
}

impl Orchestrator {
    /// What [`Orchestrator::rollback`] would restore, and the diff, writing nothing.
    pub fn rollback_preview(&self, file: &ClientFile, to: Option<&str>) -> Result<RollbackPreview> {
        let client = ClientId::parse(&file.client_id)?;
        self.ensure_initialized()?;
        let records = record::list(self.home(), &client, Some(&file.path))?;
        let (source, restore) = choose_restore(&records, to, &client, file)?;
        let restored = restore.as_deref().map(|id| record::load_backup(self.home(), id)).transpose()?;
        let current = write::read_target(&file.path)?;
        let store = SecretStore::load(self.home())?;
        let diff = self.bytes_preview(&client, file, current.as_deref(), restored.as_deref(), &store)?;
        Ok(RollbackPreview {
            file: file.path.display().to_string(),
            restores_from: source.deployment_id.clone(),
            would_remove_file: restored.is_none(),
            changed: current != restored,
            diff,
        })
    }
}
