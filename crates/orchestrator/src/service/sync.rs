//! `sync`: one profile (usually a shared one) deployed into every client file on the machine
//! in one step, and `rollback --sync` of all of it.
//!
//! The targets are every client's existing user- and project-scope files (the project found
//! upward from the current directory like git), plus the usual user file of a client that is
//! installed (its directory exists) but has no file yet. A client with neither is reported as
//! not installed. Each file is deployed on its own through [`Orchestrator::deploy_with`] (its
//! lock, ownership rules, adaptation and secrets handling): a file that fails (does not
//! parse, a conflict, a missing secret) is reported with its error and the others proceed.
//! Every record written carries the sync id, so `rollback_sync` finds them.

use serde_json::{Map, json};

use super::Orchestrator;
use super::files::{ClientFile, DeployOptions, DeployReport};
use crate::deploy::record;
use crate::error::{Error, Result};
use crate::ids::ClientId;

/// A file `sync` writes, with the scope it is of.
#[derive(Debug, Clone)]
pub struct SyncTarget {
    /// The file.
    pub file: ClientFile,
    /// `user` or `project`.
    pub scope: dialects::Scope,
}

/// What `sync` would write, before it writes: the files and the clients left out.
#[derive(Debug, Clone, Default)]
pub struct SyncTargets {
    /// Every file to deploy into.
    pub targets: Vec<SyncTarget>,
    /// Clients with no file and no directory here (not installed).
    pub not_installed: Vec<String>,
}

/// The outcome for one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncFile {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// `user` or `project`.
    pub scope: String,
    /// What the deploy did or would do (absent when it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeployReport>,
    /// Why this file was not written (redacted like every message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The exit code class of that error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

/// What a sync did (or, with `dry_run`, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncReport {
    /// The id every record of this sync carries (None for a dry run).
    pub sync_id: Option<String>,
    /// The profile deployed.
    pub profile_id: String,
    /// True when nothing was written.
    pub dry_run: bool,
    /// One entry per file.
    pub files: Vec<SyncFile>,
    /// Clients skipped because they are not installed here.
    pub not_installed: Vec<String>,
    /// True when every file succeeded.
    pub ok: bool,
}

impl SyncReport {
    /// The exit code of the first file that failed (0 when all succeeded).
    pub fn exit_code(&self) -> u8 {
        self.files.iter().find_map(|f| f.exit_code).unwrap_or(0)
    }
    /// The number of files whose bytes change (or would).
    pub fn changed(&self) -> usize {
        self.files.iter().filter(|f| f.deploy.as_ref().is_some_and(|d| d.changed)).count()
    }
}

/// The outcome of rolling back one file of a sync.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncRollbackFile {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// The rollback's record, when it wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// Why it was not rolled back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The exit code class of that error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

/// Every file that `sync` deploys into on this host (see the module documentation).
pub fn sync_targets(facts: &dialects::HostFacts) -> SyncTargets {
    use dialects::{Presence, Scope};
    let mut out = SyncTargets::default();
    for detected in dialects::detect(facts) {
        let mut files: Vec<SyncTarget> = Vec::new();
        let mut installed = false;
        for (location, presence) in &detected.locations {
            if location.scope == Scope::Local {
                continue;
            }
            match presence {
                Presence::File => {
                    let seen = files
                        .iter()
                        .chain(out.targets.iter())
                        .any(|t| t.file.path == location.path && t.file.placement == location.placement);
                    if !seen {
                        files.push(SyncTarget {
                            file: ClientFile {
                                client_id: detected.client_id.to_owned(),
                                path: location.path.clone(),
                                placement: location.placement.clone(),
                            },
                            scope: location.scope,
                        });
                    }
                }
                Presence::DirectoryOnly if location.scope == Scope::User && !location.alternative => {
                    installed = true;
                }
                _ => {}
            }
        }
        let has_user_file = files.iter().any(|t| t.scope == Scope::User);
        // Installed without a user file: the file `deploy` would create (which knows where
        // creating the usual file would hide another, e.g. Continue's config.json).
        if !has_user_file
            && installed
            && let Ok(file) = ClientFile::default_for(detected.client_id, facts)
        {
            files.insert(0, SyncTarget { file, scope: Scope::User });
        }
        if files.is_empty() {
            out.not_installed.push(detected.client_id.to_owned());
        }
        out.targets.extend(files);
    }
    out
}

fn new_sync_id(now: jiff::Timestamp) -> String {
    let mut bytes = [0u8; 4];
    rand::fill(&mut bytes[..]);
    format!("sync-{}-{}", now.strftime("%Y%m%dT%H%M%SZ"), hex::encode(bytes))
}

impl Orchestrator {
    /// Deploys `profile` into every target (a client without a profile of that name gets the
    /// shared one). With `dry_run`, reports what each file would get and writes nothing.
    pub fn sync(&self, profile: &str, targets: &SyncTargets, dry_run: bool) -> Result<SyncReport> {
        let mut meta = Map::new();
        meta.insert("profile_id".into(), json!(profile.chars().take(64).collect::<String>()));
        meta.insert("dry_run".into(), json!(dry_run));
        meta.insert("files".into(), json!(targets.targets.len()));
        self.traced("config_sync", meta, || {
            crate::ids::ProfileId::parse(profile)?;
            self.ensure_initialized()?;
            let sync_id = (!dry_run).then(|| new_sync_id(self.now()));
            let options = DeployOptions { dry_run, create: true, sync_id: sync_id.clone(), ..DeployOptions::default() };
            let files: Vec<SyncFile> = targets
                .targets
                .iter()
                .map(|t| {
                    let outcome = self.deploy_with(&t.file, profile, &options);
                    let (deploy, error, exit_code) = match outcome {
                        Ok(report) => (Some(report), None, None),
                        Err(e) => (None, Some(e.to_string()), Some(e.kind().exit_code())),
                    };
                    SyncFile {
                        client_id: t.file.client_id.clone(),
                        file: t.file.path.display().to_string(),
                        scope: t.scope.as_str().to_owned(),
                        deploy,
                        error,
                        exit_code,
                    }
                })
                .collect();
            let ok = files.iter().all(|f| f.error.is_none());
            Ok(SyncReport {
                sync_id,
                profile_id: profile.to_owned(),
                dry_run,
                files,
                not_installed: targets.not_installed.clone(),
                ok,
            })
        })
    }

    /// Rolls back every file a sync wrote: each file whose latest write is still that sync's
    /// gets its bytes from before it (a file changed since is refused unless `force`, as
    /// `rollback`); a file written again after the sync is refused (roll it back on its own).
    /// The sync id not found is exit 3.
    pub fn rollback_sync(
        &self,
        sync_id: &str,
        force: bool,
        facts: &dialects::HostFacts,
    ) -> Result<Vec<SyncRollbackFile>> {
        let mut meta = Map::new();
        meta.insert("sync_id".into(), json!(sync_id.chars().take(80).collect::<String>()));
        meta.insert("force".into(), json!(force));
        self.traced("config_rollback_sync", meta, || {
            self.ensure_initialized()?;
            let mut out = Vec::new();
            for info in dialects::all() {
                let Ok(client) = ClientId::parse(info.id) else { continue };
                let records = record::list(self.home(), &client, None)?;
                for rec in records.iter().filter(|r| r.sync_id.as_deref() == Some(sync_id)) {
                    // The file as sync found it: its client's location of that path.
                    let file = ClientFile::at(client.as_str(), std::path::Path::new(&rec.file), facts);
                    let of_file: Vec<_> = records.iter().filter(|r| r.file == rec.file).cloned().collect();
                    let latest = record::last_write(&of_file).map(|r| r.deployment_id.clone());
                    let outcome = if latest.as_deref() != Some(rec.deployment_id.as_str()) {
                        Err(Error::Conflict {
                            message: format!(
                                "{} was written again after sync {sync_id} (by {}): nothing was written; roll it back on its own with `mcp-orchestration rollback {} --file {}`",
                                rec.file,
                                latest.unwrap_or_default(),
                                client,
                                rec.file
                            ),
                        })
                    } else {
                        self.rollback(&file, None, force)
                    };
                    out.push(match outcome {
                        Ok(report) => SyncRollbackFile {
                            client_id: client.to_string(),
                            file: rec.file.clone(),
                            deployment_id: report.deployment_id,
                            error: None,
                            exit_code: None,
                        },
                        Err(e) => SyncRollbackFile {
                            client_id: client.to_string(),
                            file: rec.file.clone(),
                            deployment_id: None,
                            error: Some(e.to_string()),
                            exit_code: Some(e.kind().exit_code()),
                        },
                    });
                }
            }
            if out.is_empty() {
                return Err(Error::DeploymentNotFound { client: "any client".into(), id: sync_id.to_owned() });
            }
            Ok(out)
        })
    }
}
