//! The client-file read and write paths: the one place where a client's config file is read
//! or written.
//!
//! Reads ([`read_target`]) accept only regular files (after symlinks) of at most
//! [`MAX_CLIENT_FILE`] bytes: the file is opened non-blocking and checked with `fstat` before a
//! byte is read, so a FIFO, socket or device named like a client file is refused (exit 10) and
//! never hangs or floods the process.
//!
//! The caller holds a lock file kept in the home (the client's own file is never held open)
//! while it reads, merges and writes. A temp file is written in the real target's directory (a
//! symlinked config stays a symlink), fsynced, given the target's mode (or 0600 when it now
//! holds secrets). On Linux it is then swapped with the target in one `renameat2
//! (RENAME_EXCHANGE)`, and the bytes swapped out are compared with what the caller read: an
//! edit made meanwhile is swapped back in and reported as a conflict, never clobbered (a new
//! file is placed with `RENAME_NOREPLACE`, so a file created meanwhile is never replaced).
//! Where the filesystem cannot exchange, the target is re-read and compared just before a
//! plain rename. The directory is fsynced. A `kill -9` at any instant leaves the old bytes or
//! the new bytes. Temp files left by a killed run are removed by the next run. Run by root,
//! the new file keeps the old one's owner and group, and a directory created for a missing
//! file gets its parent's.

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
    /// Not a regular file (after symlinks): a FIFO, socket, device or directory.
    #[error("{} is a {kind}, not a regular file: client config files are only read and written as regular files; remove it or name the real config file", path.display())]
    NotRegular {
        /// The path given.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// Larger than [`MAX_CLIENT_FILE`].
    #[error("{} is larger than {} MiB ({size} bytes): it is not read as a client config file; check that it is the right file", path.display(), MAX_CLIENT_FILE / (1024 * 1024))]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// Its size (at least; it may be growing).
        size: u64,
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

/// The largest client file read (16 MiB): client config files are a few KiB.
pub const MAX_CLIENT_FILE: u64 = 16 * 1024 * 1024;

fn kind_of(file_type: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_fifo() {
        "FIFO (named pipe)"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_char_device() {
        "character device"
    } else if file_type.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

/// Reads a client file's bytes, or None when it does not exist. Only a regular file (after
/// symlinks) of at most [`MAX_CLIENT_FILE`] bytes is read: it is `stat`ed first (a device is
/// never opened), opened with `O_NONBLOCK` (a FIFO swapped in meanwhile cannot block the
/// open) and checked again with `fstat` on the open file before a byte is read; a file that
/// grows past the limit while it is read is refused too.
pub fn read_target(path: &Path) -> Result<Option<Vec<u8>>, WriteError> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let check = |meta: &fs::Metadata| -> Result<(), WriteError> {
        if !meta.is_file() {
            return Err(WriteError::NotRegular { path: path.to_path_buf(), kind: kind_of(meta.file_type()) });
        }
        if meta.len() > MAX_CLIENT_FILE {
            return Err(WriteError::TooLarge { path: path.to_path_buf(), size: meta.len() });
        }
        Ok(())
    };
    match fs::metadata(path) {
        Ok(meta) => check(&meta)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FsError::new("cannot read", path, e).into()),
    }
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    // The flags are small positive bit masks: they fit an i32.
    let file = match fs::OpenOptions::new().read(true).custom_flags(flags.bits() as i32).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FsError::new("cannot read", path, e).into()),
    };
    let meta = file.metadata().map_err(|e| FsError::new("cannot stat", path, e))?;
    check(&meta)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    (&file).take(MAX_CLIENT_FILE + 1).read_to_end(&mut bytes).map_err(|e| FsError::new("cannot read", path, e))?;
    if bytes.len() as u64 > MAX_CLIENT_FILE {
        return Err(WriteError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64 });
    }
    Ok(Some(bytes))
}

/// [`read_target`] for a file that must exist (import): a missing file is a not-found error
/// naming it.
pub fn read_existing(path: &Path) -> Result<Vec<u8>, WriteError> {
    read_target(path)?
        .ok_or_else(|| FsError::new("cannot read", path, std::io::Error::from(std::io::ErrorKind::NotFound)).into())
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
    // A target that became a FIFO or grew past the limit has changed, too.
    let now = read_target(plan.target).map_err(|e| match e {
        WriteError::Fs(e) => WriteError::Fs(e),
        _ => WriteError::ChangedUnderneath { path: plan.target.to_path_buf() },
    })?;
    if now.as_deref() != plan.expected {
        return Err(WriteError::ChangedUnderneath { path: plan.target.to_path_buf() });
    }
    Ok(())
}

/// Writes `plan.new_bytes` onto the target by the write path above: an edit made since the
/// caller read the target is never clobbered.
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
    match swap_in(temp.into_temp_path(), &real, plan)? {
        Swap::Done => {}
        Swap::Unsupported(temp) => {
            check_unchanged(plan)?;
            temp.persist(&real).map_err(|e| FsError::new("cannot rename onto", &real, e.error))?;
        }
    }
    plan.failpoints.reach("after-rename");
    fsutil::sync_dir(dir)?;
    Ok(())
}

/// How [`swap_in`] ended.
enum Swap {
    /// The new bytes are in place (the old ones, swapped out, are removed).
    Done,
    /// The filesystem cannot exchange or refuse to replace: fall back to check and rename.
    Unsupported(tempfile::TempPath),
}

/// Places the temp file at `real` atomically with the conflict check inside the swap:
/// an existing target is exchanged with the temp file (`RENAME_EXCHANGE`) and the bytes
/// swapped out must be those the caller read, else they are exchanged back; a missing target
/// is created with `RENAME_NOREPLACE`, so a file created meanwhile is not replaced.
fn swap_in(temp: tempfile::TempPath, real: &Path, plan: &WritePlan<'_>) -> Result<Swap, WriteError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    let changed = || WriteError::ChangedUnderneath { path: plan.target.to_path_buf() };
    let unsupported = |e: Errno| e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP;
    let Some(expected) = plan.expected else {
        return match renameat_with(CWD, &*temp, CWD, real, RenameFlags::NOREPLACE) {
            Ok(()) => {
                // The temp name is gone: nothing is left to remove.
                let _ = temp.keep();
                Ok(Swap::Done)
            }
            Err(Errno::EXIST) => Err(changed()),
            Err(e) if unsupported(e) => Ok(Swap::Unsupported(temp)),
            Err(e) => Err(FsError::new("cannot rename onto", real, e.into()).into()),
        };
    };
    match renameat_with(CWD, &*temp, CWD, real, RenameFlags::EXCHANGE) {
        Ok(()) => {}
        Err(Errno::NOENT) => return Err(changed()),
        Err(e) if unsupported(e) => return Ok(Swap::Unsupported(temp)),
        Err(e) => return Err(FsError::new("cannot exchange with", real, e.into()).into()),
    }
    // `temp` now names what was at the target an instant ago; it is removed when dropped.
    let swapped_out = read_target(&temp).ok().flatten();
    if swapped_out.as_deref() != Some(expected) {
        renameat_with(CWD, &*temp, CWD, real, RenameFlags::EXCHANGE)
            .map_err(|e| FsError::new("cannot exchange back", real, e.into()))?;
        return Err(changed());
    }
    Ok(Swap::Done)
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
