//! The client-file write path: the one place where a client's config file is written.
//!
//! The caller holds a lock file kept in the home (the client's own file is never held open)
//! while it reads, merges and writes. A temp file is written in the real target's directory (a symlinked config stays a symlink),
//! fsynced, given the target's mode (or 0600 when it now holds secrets); the target is re-read
//! and compared with what the caller read (an edit made meanwhile is a conflict, never
//! clobbered); the temp file is renamed onto the real target, and the directory is fsynced. A `kill -9` at any instant leaves the old bytes or the
//! new bytes. Temp files left by a killed run are removed by the next run.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::failpoint::FailPoints;
use crate::fsutil::{self, FsError};

/// Why a client file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file changed between the read and the write.
    #[error("{} changed since it was read: nothing was written; run the command again to merge with the new contents", path.display())]
    ChangedUnderneath {
        /// The target.
        path: PathBuf,
    },
    /// A file operation failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// Where a write goes and how. The caller holds the target's lock (see
/// [`crate::home::Home::target_lock`]) from before it read the target until this returns.
#[derive(Debug, Clone)]
pub struct WritePlan<'a> {
    /// The config file as the client names it (may be a symlink).
    pub target: &'a Path,
    /// What the caller read (None: the file did not exist).
    pub expected: Option<&'a [u8]>,
    /// The new bytes.
    pub new_bytes: &'a [u8],
    /// Tighten the mode to 0600 (the file now holds resolved secrets).
    pub private: bool,
    /// Test-only pause points.
    pub failpoints: &'a FailPoints,
}

/// The file a path resolves to: the final target of a symlink chain (which may not exist yet).
pub fn real_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&current) {
            Ok(link) => {
                let base = current.parent().unwrap_or(Path::new("."));
                current = if link.is_absolute() { link } else { base.join(link) };
            }
            Err(_) => return current,
        }
    }
    current
}

/// Reads a target's bytes, or None when it does not exist.
pub fn read_target(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    fsutil::read_optional(path)
}

const TEMP_MARK: &str = ".mcpo-tmp-";

fn temp_prefix(real: &Path) -> String {
    let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!(".{name}{TEMP_MARK}")
}

/// Removes temp files a killed write left next to `real` (the caller holds the lock).
pub fn clean_stale_temps(real: &Path) -> Vec<PathBuf> {
    let Some(dir) = real.parent() else { return Vec::new() };
    let prefix = temp_prefix(real);
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

fn check_unchanged(plan: &WritePlan<'_>) -> Result<(), WriteError> {
    if read_target(plan.target)?.as_deref() != plan.expected {
        return Err(WriteError::ChangedUnderneath { path: plan.target.to_path_buf() });
    }
    Ok(())
}

/// Writes `plan.new_bytes` onto the target by the write path above. The target is re-read
/// just before the rename: an edit made since the caller read it is never clobbered.
pub fn replace_file(plan: &WritePlan<'_>) -> Result<(), WriteError> {
    plan.failpoints.reach("after-read");
    let real = real_target(plan.target);
    clean_stale_temps(&real);
    let dir = real.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fsutil::create_dir_all(dir)?;
    let mode = match (plan.private, fsutil::mode_of(&real)) {
        (true, _) => 0o600,
        (false, Ok(mode)) => mode,
        (false, Err(_)) => 0o644,
    };
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(&real))
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|e| FsError::new("cannot create a temp file in", dir, e))?;
    temp.write_all(plan.new_bytes).map_err(|e| FsError::new("cannot write", temp.path(), e))?;
    plan.failpoints.reach("after-temp-write");
    temp.as_file().sync_all().map_err(|e| FsError::new("cannot fsync", temp.path(), e))?;
    // The umask may have narrowed the mode given at creation: set it exactly.
    fs::set_permissions(temp.path(), std::os::unix::fs::PermissionsExt::from_mode(mode))
        .map_err(|e| FsError::new("cannot set the mode of", temp.path(), e))?;
    plan.failpoints.reach("before-rename");
    check_unchanged(plan)?;
    temp.persist(&real).map_err(|e| FsError::new("cannot rename onto", &real, e.error))?;
    plan.failpoints.reach("after-rename");
    fsutil::sync_dir(dir)?;
    Ok(())
}

/// Removes the target (rolling back to "no file"), with the same conflict check.
pub fn remove_file(plan: &WritePlan<'_>) -> Result<(), WriteError> {
    check_unchanged(plan)?;
    let real = real_target(plan.target);
    match fs::remove_file(&real) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(FsError::new("cannot remove", &real, e).into()),
    }
    if let Some(dir) = real.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::sync_dir(dir)?;
    }
    Ok(())
}
