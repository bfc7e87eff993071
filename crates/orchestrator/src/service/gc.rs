//! `gc`: removes what the home no longer needs, never what `verify --all`, `history` or
//! `rollback` still reads. In order: event-log days past retention, deployment backups that no
//! record among the last N of their file names (and backups no record names at all), payload
//! objects no envelope names, signature-cache entries no stored envelope can hit under the
//! current trust store (keys no longer trusted, or a trust store that changed since), and temp
//! files killed writers left in the home. `dry_run` lists the same without removing anything.
//!
//! It runs under the home lock and every client-file lock in `locks/`, so no publish and no
//! deploy into a file deployed before runs meanwhile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Orchestrator;
use crate::artifact;
use crate::deploy::record;
use crate::error::Result;
use crate::events::{self, Retention};
use crate::fsutil;
use crate::ids::ClientId;
use crate::registry;

/// How many of each client file's latest deployment records keep their backups.
pub const DEFAULT_KEEP_BACKUPS: usize = 10;

/// What `gc` keeps.
#[derive(Debug, Clone, Copy)]
pub struct GcOptions {
    /// List only; remove nothing.
    pub dry_run: bool,
    /// Backups named by the last this many records of each file are kept (at least 1).
    pub keep_backups: usize,
    /// The event log's retention.
    pub retention: Retention,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions { dry_run: false, keep_backups: DEFAULT_KEEP_BACKUPS, retention: Retention::default() }
    }
}

/// One removed (or, in a dry run, removable) file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Removed {
    /// The file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What `gc` removed (or would remove).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GcReport {
    /// True when nothing was removed.
    pub dry_run: bool,
    /// Event-log day files past retention.
    pub events: Vec<Removed>,
    /// Deployment backups no kept record names.
    pub backups: Vec<Removed>,
    /// Payload objects no envelope names.
    pub objects: Vec<Removed>,
    /// Signature-cache entries no stored envelope can hit.
    pub signatures: Vec<Removed>,
    /// Temp files left by killed writers.
    pub temps: Vec<Removed>,
    /// Total bytes.
    pub total_bytes: u64,
}

fn removed(path: &Path) -> Removed {
    Removed { path: path.display().to_string(), bytes: std::fs::metadata(path).map_or(0, |m| m.len()) }
}

/// Removes `paths` (unless a dry run), returning what was (or would be) removed.
fn sweep(paths: Vec<PathBuf>, dry_run: bool) -> Result<Vec<Removed>> {
    let mut out = Vec::new();
    for path in paths {
        let entry = removed(&path);
        if !dry_run {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(fsutil::FsError::new("cannot remove", &path, e).into()),
            }
        }
        out.push(entry);
    }
    Ok(out)
}

fn files_in(dir: &Path) -> Vec<(String, PathBuf)> {
    fsutil::list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .map(|name| {
            let path = dir.join(&name);
            (name, path)
        })
        .filter(|(_, path)| path.is_file())
        .collect()
}

impl Orchestrator {
    /// Runs `gc` (see the module documentation).
    pub fn gc(&self, options: GcOptions) -> Result<GcReport> {
        let mut meta = Map::new();
        meta.insert("dry_run".into(), json!(options.dry_run));
        self.traced("gc", meta, || self.gc_inner(options))
    }

    fn gc_inner(&self, options: GcOptions) -> Result<GcReport> {
        self.ensure_initialized()?;
        let home = self.home();
        let _home_lock = self.lock()?;
        let mut file_locks = Vec::new();
        for (_, path) in files_in(&home.root().join("locks")) {
            file_locks.push(fsutil::lock(&path, self.lock_timeout)?);
        }
        let dry_run = options.dry_run;
        let mut report = GcReport { dry_run, ..GcReport::default() };

        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let days = events::past_retention(home, today, options.retention);
        report.events = sweep(days.into_iter().map(|(path, _)| path).collect(), dry_run)?;
        self.failpoints.reach("gc-after-events");

        let needed = self.needed_backups(options.keep_backups.max(1))?;
        let backups_dir = home.root().join("deployments").join("backups");
        let unneeded = files_in(&backups_dir).into_iter().filter(|(name, _)| !needed.contains(name)).map(|(_, p)| p);
        report.backups = sweep(unneeded.collect(), dry_run)?;
        self.failpoints.reach("gc-after-backups");

        let (objects, live_keys) = self.store_references()?;
        let unnamed = files_in(&home.root().join("objects"))
            .into_iter()
            .filter(|(name, _)| !objects.contains(name.strip_suffix(".json").unwrap_or(name)))
            .map(|(_, p)| p);
        report.objects = sweep(unnamed.collect(), dry_run)?;
        let dead = files_in(&home.root().join("cache").join("signatures"))
            .into_iter()
            .filter(|(name, _)| !live_keys.contains(name))
            .map(|(_, p)| p);
        report.signatures = sweep(dead.collect(), dry_run)?;
        self.failpoints.reach("gc-after-signatures");

        let mut dirs = Vec::new();
        super::doctor::dirs_under(home.root(), &mut dirs);
        for dir in dirs {
            let temps = if dry_run { fsutil::stale_temps(&dir) } else { fsutil::remove_stale_temps(&dir) };
            // Removed already (sizes are gone with them) unless a dry run.
            report.temps.extend(temps.iter().map(|p| removed(p)));
        }
        self.failpoints.reach("gc-after-temps");

        report.total_bytes = [&report.events, &report.backups, &report.objects, &report.signatures, &report.temps]
            .iter()
            .flat_map(|list| list.iter())
            .map(|r| r.bytes)
            .sum();
        drop(file_locks);
        Ok(report)
    }

    /// The backups (by hex name) that the last `keep` records of each client file name, before
    /// or after: what `rollback` (to the bytes before the latest write, or `--to` any of those
    /// records) reads.
    fn needed_backups(&self, keep: usize) -> Result<BTreeSet<String>> {
        let mut needed = BTreeSet::new();
        for info in dialects::all() {
            let Ok(client) = ClientId::parse(info.id) else { continue };
            let mut by_file: BTreeMap<String, Vec<record::DeploymentRecord>> = BTreeMap::new();
            for rec in record::list(self.home(), &client, None)? {
                by_file.entry(rec.file.clone()).or_default().push(rec);
            }
            for records in by_file.values() {
                for rec in records.iter().rev().take(keep) {
                    for id in [&rec.before, &rec.after].into_iter().flatten() {
                        needed.insert(id.strip_prefix("sha256:").unwrap_or(id).to_owned());
                    }
                }
            }
        }
        Ok(needed)
    }

    /// The payload objects (hex) stored envelopes name, and the signature-cache keys (hex) of
    /// every stored envelope under the current trust store.
    fn store_references(&self) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
        let trust = self.trust()?;
        let mut objects = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for (client, profile) in registry::all_profiles(self.home())? {
            for version in registry::versions(self.home(), &client, &profile)? {
                let bytes = fsutil::read(&self.home().envelope(&client, &profile, version))?;
                let Ok(value) = serde_json::from_slice::<Value>(&bytes) else { continue };
                if let Some(id) = value.pointer("/statement/artifact_id").and_then(Value::as_str) {
                    objects.insert(id.strip_prefix("sha256:").unwrap_or(id).to_owned());
                }
                let key_id = value.pointer("/signature/key_id").and_then(Value::as_str).unwrap_or_default();
                if let Some(key) = trust.get(key_id) {
                    keys.insert(hex::encode(artifact::signature_cache_key(&trust, key, &bytes)));
                }
            }
        }
        Ok((objects, keys))
    }
}
