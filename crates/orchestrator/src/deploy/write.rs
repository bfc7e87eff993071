//! The client-file write path: the one place where a client's config file is written.
//!
//! The caller holds a lock file kept in the home (the client's own file is never held open)
//! while it reads, merges and writes. A temp file is written in the real target's directory (a symlinked config stays a symlink),
//! fsynced, given the target's mode (or 0600 when it now holds secrets); the target is re-read
//! and compared with what the caller read (an edit made meanwhile is a conflict, never
//! clobbered); the temp file is renamed onto the real target, and the directory is fsynced. A `kill -9` at any instant leaves the old bytes or the
//! new bytes. Temp files left by a killed run are removed by the next run. Run by root, the new
//! file keeps the old one's owner and group, and a directory created for a missing file gets
//! its parent's.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
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
    create_client_dirs(dir)?;
    let existing = fs::metadata(&real).ok();
    let mode = match (plan.private, &existing) {
        (true, _) => 0o600,
        (false, Some(meta)) => meta.permissions().mode() & 0o7777,
        (false, None) => 0o644,
    };
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(&real))
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|e| FsError::new("cannot create a temp file in", dir, e))?;
    temp.write_all(plan.new_bytes).map_err(|e| FsError::new("cannot write", temp.path(), e))?;
    plan.failpoints.reach("after-temp-write");
    temp.as_file().sync_all().map_err(|e| FsError::new("cannot fsync", temp.path(), e))?;
    keep_owner(temp.as_file(), temp.path(), existing.as_ref(), dir)?;
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

/// Creates a client's missing directories. Run by root (`sudo`), each one gets the owner and
/// group of the directory it is created in, so the user keeps their own config directory;
/// modes are left to the umask, as for any directory the client would create itself.
fn create_client_dirs(dir: &Path) -> Result<(), FsError> {
    for created in fsutil::create_dirs_reporting(dir, None)? {
        if fsutil::effective_uid() == 0
            && let Some(parent) = created.parent().and_then(|p| fs::metadata(p).ok())
        {
            std::os::unix::fs::chown(&created, Some(parent.uid()), Some(parent.gid()))
                .map_err(|e| FsError::new("cannot give the owner of its parent to", &created, e))?;
        }
    }
    Ok(())
}

/// Run by root, gives the temp file the owner and group of the file it replaces (or, for a new
/// file, of its directory), so a `sudo` deploy leaves the user's file theirs. Other users
/// cannot give files away, and their files are theirs already.
fn keep_owner(temp: &fs::File, temp_path: &Path, existing: Option<&fs::Metadata>, dir: &Path) -> Result<(), FsError> {
    if fsutil::effective_uid() != 0 {
        return Ok(());
    }
    let owner = match existing {
        Some(meta) => (meta.uid(), meta.gid()),
        None => {
            let meta = fs::metadata(dir).map_err(|e| FsError::new("cannot stat", dir, e))?;
            (meta.uid(), meta.gid())
        }
    };
    std::os::unix::fs::fchown(temp, Some(owner.0), Some(owner.1))
        .map_err(|e| FsError::new("cannot give the owner of the file it replaces to", temp_path, e))
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
