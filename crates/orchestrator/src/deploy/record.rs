//! Deployment records and backups: every write of a client file (deploy or rollback) is
//! recorded with the bytes before and after it, kept content-addressed under the home, so
//! any earlier state of the file can be restored exactly. An import of the file into a
//! profile is recorded too (nothing written: before and after are the same bytes), so the
//! entries it read count as that profile's.
//!
//! Ownership: a server entry of a file is this home's when some record of the file lists it in
//! `owned_servers` (any profile, any kind, adoptions included); every other entry is the user's
//! own, which a deploy never changes or removes unless adopted.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::canonical::ContentId;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::ClientId;

/// Backups may hold resolved secrets: only the owner reads them.
const BACKUP_MODE: u32 = 0o600;

/// What a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A profile was merged into the file.
    Deploy,
    /// Earlier bytes were restored.
    Rollback,
    /// The file was read into a profile (nothing written; before and after are equal).
    Import,
}

/// One write of a client file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// Sortable id: `<sequence>-<UTC time>-<random>`.
    pub deployment_id: String,
    /// Deploy or rollback.
    pub kind: RecordKind,
    /// The client.
    pub client_id: String,
    /// The file as the client names it.
    pub file: String,
    /// The profile deployed (for a rollback: the profile of the restored state, if any).
    pub profile_id: Option<String>,
    /// The artifact deployed.
    pub artifact_id: Option<String>,
    /// Its version.
    pub version: Option<u64>,
    /// When.
    pub at: jiff::Timestamp,
    /// Content id of the bytes before (None: the file did not exist).
    pub before: Option<String>,
    /// Content id of the bytes written (None: the file was removed).
    pub after: Option<String>,
    /// The server names this profile owns in the file after this write (adopted ones too).
    pub owned_servers: Vec<String>,
    /// The user's own entries this deploy took over (`--adopt NAME`, `--adopt-all`).
    #[serde(default)]
    pub adopted: Vec<String>,
    /// For a rollback: the deployment whose state was restored.
    pub restores: Option<String>,
    /// Where in the file the servers sit (`["mcpServers"]`, Claude Code's local scope
    /// `["projects", DIR, "mcpServers"]`): two scopes sharing one file own their entries
    /// apart. Records written before it existed have none and count for every placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Vec<String>>,
    /// True when the artifact is a shared profile's (subject `_shared`), not the client's own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// The `sync` this write was part of (`rollback --sync ID` restores them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_id: Option<String>,
}

/// The records of `records` that concern the servers at `placement` (ownership is per
/// placement; bytes, backups and rollback are per file).
pub fn at_placement(records: Vec<DeploymentRecord>, placement: &[String]) -> Vec<DeploymentRecord> {
    records.into_iter().filter(|r| r.placement.as_deref().is_none_or(|p| p == placement)).collect()
}

fn records_dir(home: &Home, client: &ClientId) -> PathBuf {
    home.root().join("deployments").join(client.as_str())
}

fn backups_dir(home: &Home) -> PathBuf {
    home.root().join("deployments").join("backups")
}

/// Stores bytes as a backup and returns their content id.
pub fn store_backup(home: &Home, bytes: &[u8]) -> Result<String> {
    let id = ContentId::of(bytes);
    fsutil::write_once(&backups_dir(home).join(id.hex()), bytes, BACKUP_MODE)?;
    Ok(id.to_string())
}

/// Like [`store_backup`], and whether this call created the backup (false: it was there).
pub fn store_backup_tracked(home: &Home, bytes: &[u8]) -> Result<(String, bool)> {
    let id = ContentId::of(bytes);
    let existed = backups_dir(home).join(id.hex()).exists();
    fsutil::write_once(&backups_dir(home).join(id.hex()), bytes, BACKUP_MODE)?;
    Ok((id.to_string(), !existed))
}

/// Removes a backup this operation created and no record names (a write that failed after
/// storing it: ENOSPC, EROFS, a refused swap). Best effort: `gc` removes what is left.
pub fn discard_backup(home: &Home, id: &str) {
    if let Ok(content_id) = ContentId::parse(id) {
        let _ = std::fs::remove_file(backups_dir(home).join(content_id.hex()));
    }
}

/// Reads a backup, checking that its bytes still hash to its id.
pub fn load_backup(home: &Home, id: &str) -> Result<Vec<u8>> {
    let content_id = ContentId::parse(id)?;
    let path = backups_dir(home).join(content_id.hex());
    let bytes = fsutil::read(&path)?;
    if ContentId::of(&bytes) != content_id {
        return Err(Error::Corrupt { path, detail: "backup bytes do not match their id".into() });
    }
    Ok(bytes)
}

/// A new record id for a client: `<sequence>-<UTC time>-<random>`. The sequence (one more
/// than the client's number of records) orders the records of one file, whose writes are
/// serialized by its lock, even when the clock stands still or steps back.
pub fn new_deployment_id(home: &Home, client: &ClientId, now: jiff::Timestamp) -> String {
    let count = fs::read_dir(records_dir(home, client)).map(|d| d.count()).unwrap_or(0);
    let mut bytes = [0u8; 4];
    rand::fill(&mut bytes[..]);
    format!("{:06}-{}-{}", count + 1, now.strftime("%Y%m%dT%H%M%SZ"), hex::encode(bytes))
}

/// Saves a record.
pub fn save(home: &Home, client: &ClientId, record: &DeploymentRecord) -> Result<()> {
    let path = records_dir(home, client).join(format!("{}.json", record.deployment_id));
    // A record is strings, integers and timestamps: it always serializes.
    let mut bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    bytes.push(b'\n');
    Ok(fsutil::write_atomic(&path, &bytes, 0o600)?)
}

/// Every record of a client, oldest first; with `file`, only that file's.
pub fn list(home: &Home, client: &ClientId, file: Option<&Path>) -> Result<Vec<DeploymentRecord>> {
    let dir = records_dir(home, client);
    let Ok(entries) = fs::read_dir(&dir) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let bytes = fsutil::read(&path)?;
        let record: DeploymentRecord =
            serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt { path: path.clone(), detail: e.to_string() })?;
        if file.is_none_or(|f| Path::new(&record.file) == f) {
            out.push(record);
        }
    }
    Ok(out)
}

/// The latest deploy or import (not rollback) among a file's records: the profile and
/// version the file is managed by.
pub fn last_deploy(records: &[DeploymentRecord]) -> Option<&DeploymentRecord> {
    records.iter().rev().find(|r| managed_by(r).is_some())
}

/// The profile a record put the file under: a deploy's, or a published import's (an import
/// without a version only makes the entries the profile's).
pub fn managed_by(record: &DeploymentRecord) -> Option<&str> {
    match record.kind {
        RecordKind::Deploy => record.profile_id.as_deref(),
        RecordKind::Import if record.version.is_some() => record.profile_id.as_deref(),
        _ => None,
    }
}

/// Whether a record changed the file's bytes (imports and no-op deploys did not).
pub fn wrote(record: &DeploymentRecord) -> bool {
    record.kind != RecordKind::Import && record.before != record.after
}

/// The latest record that changed the file's bytes: what a rollback undoes.
pub fn last_write(records: &[DeploymentRecord]) -> Option<&DeploymentRecord> {
    records.iter().rev().find(|r| wrote(r))
}

/// The servers `profile` owns in the file: those of its latest record (deploy, import, or a
/// rollback to a state it wrote); empty if none.
pub fn owned_servers(records: &[DeploymentRecord], profile: &str) -> BTreeSet<String> {
    records
        .iter()
        .rev()
        .find(|r| r.profile_id.as_deref() == Some(profile))
        .map(|r| r.owned_servers.iter().cloned().collect())
        .unwrap_or_default()
}

/// Every server name some record of the file owns (any profile, adoptions included): the
/// entries this home wrote. Any other entry of the file is the user's own.
pub fn home_owned(records: &[DeploymentRecord]) -> BTreeSet<String> {
    records.iter().flat_map(|r| r.owned_servers.iter().chain(&r.adopted)).cloned().collect()
}
