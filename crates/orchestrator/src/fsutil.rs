//! Atomic file writes and the home lock: the one place where the home is written.
//!
//! Every write goes to a temp file in the target's directory, is fsynced, renamed over the
//! target, and the directory is fsynced; so a crash leaves the old or the new bytes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A failed file operation, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}", path.display())]
pub struct FsError {
    /// What was being done ("cannot write", "cannot read", …).
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl FsError {
    /// Wraps an I/O error with what was being done and where.
    pub fn new(action: &'static str, path: &Path, source: io::Error) -> Self {
        FsError { action, path: path.to_path_buf(), source }
    }
    /// True when the file did not exist.
    pub fn is_not_found(&self) -> bool {
        self.source.kind() == io::ErrorKind::NotFound
    }
}

/// Creates a directory and its parents.
pub fn create_dir_all(dir: &Path) -> Result<(), FsError> {
    fs::create_dir_all(dir).map_err(|e| FsError::new("cannot create directory", dir, e))
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    read_small(path).map_err(|e| FsError::new("cannot read", path, e))
}

/// Reads a whole file with four system calls (open, read, read to see the end, close): the
/// home's files are small, so unlike `fs::read` this does not ask the file's size first.
fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    use io::Read as _;
    let file = File::open(path)?;
    let mut bytes = Vec::with_capacity(8 * 1024);
    // `Take` reads without the size probe that `File::read_to_end` makes.
    (&file).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a whole file, or `None` if it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match read_small(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::new("cannot read", path, e)),
    }
}

/// The file names in a directory, sorted; none when the directory does not exist.
pub fn list_dir(dir: &Path) -> Result<Vec<String>, FsError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FsError::new("cannot list", dir, e)),
    };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    Ok(names)
}

/// Replaces `path` with `bytes` atomically; the new file gets `mode` (Unix permission bits).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(permissions(mode))
        .tempfile_in(dir)
        .map_err(|e| FsError::new("cannot create a temp file in", dir, e))?;
    temp.write_all(bytes).map_err(|e| FsError::new("cannot write", temp.path(), e))?;
    temp.as_file().sync_all().map_err(|e| FsError::new("cannot fsync", temp.path(), e))?;
    temp.persist(path).map_err(|e| FsError::new("cannot rename onto", path, e.error))?;
    sync_dir(dir)
}

/// Writes an immutable, content-addressed file once: if it exists already it is left alone
/// (its name is its content's hash, so it holds the same bytes or is caught by verification).
pub fn write_once(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FsError> {
    if path.exists() {
        return Ok(());
    }
    write_atomic(path, bytes, mode)
}

/// Fsyncs a directory so that a rename in it is durable.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| FsError::new("cannot fsync directory", dir, e))
}

fn permissions(mode: u32) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    fs::Permissions::from_mode(mode)
}

/// The Unix permission bits of a file.
pub fn mode_of(path: &Path) -> Result<u32, FsError> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = fs::metadata(path).map_err(|e| FsError::new("cannot stat", path, e))?;
    Ok(meta.permissions().mode() & 0o7777)
}

/// An exclusive lock on a lock file, released when dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first just makes it prompt.
        let _ = self.file.unlock();
    }
}

/// Why a lock was not obtained.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held it for the whole timeout.
    #[error("{} is locked by another process (waited {}s): try again, or raise --lock-timeout", path.display(), waited.as_secs())]
    Timeout {
        /// The lock file.
        path: PathBuf,
        /// How long it waited.
        waited: Duration,
    },
    /// The lock file could not be opened.
    #[error(transparent)]
    Io(#[from] FsError),
}

/// Takes an exclusive lock on `path` (created if missing), waiting up to `timeout`.
pub fn lock(path: &Path, timeout: Duration) -> Result<LockGuard, LockError> {
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| FsError::new("cannot open lock file", path, e))?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { file }),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(LockError::Timeout { path: path.to_path_buf(), waited: started.elapsed() });
            }
            Err(fs::TryLockError::Error(e)) => return Err(FsError::new("cannot lock", path, e).into()),
        }
    }
}
