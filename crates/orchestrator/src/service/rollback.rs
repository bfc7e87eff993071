//! Rollback of a client file: restore the exact bytes of an earlier state, recorded so that it
//! can itself be rolled back.
//!
//! - By default the latest record that changed the file is undone (its `before` bytes come
//!   back); imports and deploys that changed nothing are skipped, so a second rollback rolls
//!   forward and never toggles identical bytes. With nothing to undo, nothing is written.
//! - `to = "original"` restores the bytes from before the first record of the file (no file:
//!   the file is removed); `to = ID` the bytes that deployment left.
//! - A file that changed since this home last wrote (or read) it is refused (exit 7) with the
//!   redacted diff of the edits that would be lost, unless `force`.

use serde_json::{Map, json};

use super::Orchestrator;
use super::files::ClientFile;
use crate::canonical::ContentId;
use crate::deploy::record::{self, DeploymentRecord, RecordKind};
use crate::deploy::write::{self, WritePlan};
use crate::error::{Error, Result};
use crate::ids::ClientId;
use crate::secrets::SecretStore;

/// The `to` that restores the bytes from before the first deploy of a file.
pub const ORIGINAL: &str = "original";

/// What a rollback restored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollbackReport {
    /// The file.
    pub file: String,
    /// The deployment whose state was restored (absent when there was nothing to undo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<String>,
    /// The new record (a rollback can itself be rolled back; absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// True when the file now does not exist (it did not before the first deploy).
    pub removed: bool,
    /// True when there was nothing to undo: nothing was written or recorded.
    pub nothing_to_undo: bool,
}

/// What a rollback would do, without doing it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollbackPreview {
    /// The file.
    pub file: String,
    /// The deployment whose state would be restored (absent when there is nothing to undo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restores_from: Option<String>,
    /// True when the file would be removed (it did not exist before the first deploy).
    pub would_remove_file: bool,
    /// True when the bytes would change.
    pub changed: bool,
    /// The unified diff of the file's bytes (secrets shown as `«redacted»`).
    pub diff: String,
    /// True when the file changed since this home last wrote it: the rollback is refused
    /// unless forced, and those edits would be lost.
    pub changed_since: bool,
    /// True when there is nothing to undo.
    pub nothing_to_undo: bool,
}

/// The state a rollback restores: the record it comes from, and the content id (None: no
/// file). `None` when there is nothing to undo.
fn choose_restore<'a>(
    records: &'a [DeploymentRecord],
    to: Option<&str>,
    client: &ClientId,
) -> Result<Option<(&'a DeploymentRecord, Option<String>)>> {
    Ok(match to {
        None => record::last_write(records).map(|r| (r, r.before.clone())),
        Some(ORIGINAL) => records.first().map(|r| (r, r.before.clone())),
        Some(id) => {
            let r = records
                .iter()
                .find(|r| r.deployment_id == id)
                .ok_or_else(|| Error::DeploymentNotFound { client: client.to_string(), id: id.to_owned() })?;
            Some((r, r.after.clone()))
        }
    })
}

/// Everything a rollback (or its preview) decides before writing.
struct Plan<'a> {
    client: ClientId,
    records: Vec<DeploymentRecord>,
    /// The record restored from, and the content id restored.
    source: Option<(String, Option<String>)>,
    current: Option<Vec<u8>>,
    restored: Option<Vec<u8>>,
    /// The bytes this home last left in the file (the latest record's `after`), when they
    /// differ from the file's now.
    changed_since: Option<Option<Vec<u8>>>,
    file: &'a ClientFile,
}

impl Orchestrator {
    fn rollback_plan<'a>(&self, file: &'a ClientFile, to: Option<&str>) -> Result<Plan<'a>> {
        let client = ClientId::parse(&file.client_id)?;
        self.ensure_initialized()?;
        let records = record::list(self.home(), &client, Some(&file.path))?;
        let source = choose_restore(&records, to, &client)?.map(|(r, restore)| (r.deployment_id.clone(), restore));
        let current = write::read_target(&file.path)?;
        let restored = match &source {
            Some((_, Some(id))) => Some(record::load_backup(self.home(), id)?),
            _ => None,
        };
        let current_id = current.as_deref().map(|b| ContentId::of(b).to_string());
        let last_after = records.last().and_then(|r| r.after.clone());
        let changed_since = match records.last() {
            Some(_) if current_id != last_after => {
                Some(last_after.as_deref().map(|id| record::load_backup(self.home(), id)).transpose()?)
            }
            _ => None,
        };
        Ok(Plan { client, records, source, current, restored, changed_since, file })
    }

    /// The refusal of a rollback that would lose edits made since the last write.
    fn changed_since_error(&self, plan: &Plan<'_>, last: Option<&[u8]>) -> Result<Error> {
        let store = SecretStore::load(self.home())?;
        let diff = self.bytes_preview(&plan.client, plan.file, last, plan.current.as_deref(), &store)?;
        Ok(Error::Conflict {
            message: format!(
                "{} changed since this home last wrote it; a rollback would lose these edits (nothing was written):\n{diff}roll back anyway with --force (`force: true` over MCP), or see it first with `rollback --dry-run`",
                plan.file.path.display()
            ),
        })
    }

    /// Restores a file's bytes: by default those before the latest record that changed it;
    /// with `to`, those that deployment left (`"original"`: those before the first). Refused
    /// when the file changed since this home last wrote it, unless `force`. The restore is
    /// itself recorded; with nothing to undo nothing is written.
    pub fn rollback(&self, file: &ClientFile, to: Option<&str>, force: bool) -> Result<RollbackReport> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        meta.insert("force".into(), json!(force));
        self.traced("config_rollback", meta, || {
            ClientId::parse(&file.client_id)?;
            self.ensure_initialized()?;
            let real = write::real_target(&file.path);
            let _lock = self.lock_target(&real)?;
            let plan = self.rollback_plan(file, to)?;
            let nothing = RollbackReport {
                file: file.path.display().to_string(),
                restored_from: None,
                deployment_id: None,
                removed: false,
                nothing_to_undo: true,
            };
            let Some((source_id, restore)) = plan.source.clone() else { return Ok(nothing) };
            if plan.current == plan.restored {
                return Ok(RollbackReport { restored_from: Some(source_id), ..nothing });
            }
            if let Some(last) = &plan.changed_since
                && !force
            {
                return Err(self.changed_since_error(&plan, last.as_deref())?);
            }
            let before_id = plan.current.as_deref().map(|b| record::store_backup(self.home(), b)).transpose()?;
            let plan_bytes = plan.restored.clone().unwrap_or_default();
            let write_plan = WritePlan {
                target: &file.path,
                expected: plan.current.as_deref(),
                new_bytes: &plan_bytes,
                private: false,
                failpoints: &self.failpoints,
            };
            match &plan.restored {
                Some(_) => write::replace_file(&write_plan)?,
                None => write::remove_file(&write_plan)?,
            }
            // The restored state's owner is whoever left those bytes.
            let owned = match &restore {
                Some(_) => plan
                    .records
                    .iter()
                    .rev()
                    .find(|r| r.after == restore)
                    .map(|r| r.owned_servers.clone())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let source = plan.records.iter().find(|r| r.deployment_id == source_id);
            let rec = DeploymentRecord {
                placement: Some(file.placement.0.clone()),
                deployment_id: record::new_deployment_id(self.home(), &plan.client, self.now()),
                kind: RecordKind::Rollback,
                client_id: plan.client.to_string(),
                file: file.path.display().to_string(),
                profile_id: source.and_then(|s| s.profile_id.clone()),
                artifact_id: None,
                version: None,
                at: self.now(),
                before: before_id,
                after: restore,
                owned_servers: owned,
                adopted: Vec::new(),
                restores: Some(source_id.clone()),
                shared: false,
                sync_id: None,
            };
            record::save(self.home(), &plan.client, &rec)?;
            Ok(RollbackReport {
                file: file.path.display().to_string(),
                restored_from: Some(source_id),
                deployment_id: Some(rec.deployment_id),
                removed: plan.restored.is_none(),
                nothing_to_undo: false,
            })
        })
    }

    /// What [`Orchestrator::rollback`] would restore, and the diff, writing nothing.
    pub fn rollback_preview(&self, file: &ClientFile, to: Option<&str>) -> Result<RollbackPreview> {
        let plan = self.rollback_plan(file, to)?;
        let store = SecretStore::load(self.home())?;
        let nothing = plan.source.is_none() || plan.current == plan.restored;
        let diff = if nothing {
            String::new()
        } else {
            self.bytes_preview(&plan.client, file, plan.current.as_deref(), plan.restored.as_deref(), &store)?
        };
        Ok(RollbackPreview {
            file: file.path.display().to_string(),
            restores_from: plan.source.as_ref().map(|s| s.0.clone()),
            would_remove_file: plan.source.is_some() && plan.restored.is_none() && plan.current.is_some(),
            changed: !nothing,
            diff,
            changed_since: plan.changed_since.is_some() && !nothing,
            nothing_to_undo: nothing,
        })
    }
}
