//! Atomic file writes, the home lock, and the permission checks of home files: the one place
//! where the home is written.
//!
//! Every write goes to a temp file in the target's directory, is fsynced, renamed over the
//! target, and the directory is fsynced; so a crash leaves the old or the new bytes. Modes are
//! set explicitly after creation, so the umask neither widens nor narrows them: directories
//! are 0700, files get the mode their writer asks for.
//!
//! Files and directories whose contents decide what is trusted (the trust store, the signing
//! key, the secret store, the token hashes, heads and history) are checked before a byte of
//! them is used ([`check_dir`], [`read_checked`]): they must belong to this user (or root) and
//! not be writable by group or others; private files must not be readable by them either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod quick;

pub use quick::{QuickReads, list_opened, open_dir_checked};

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

/// Mode of every directory created in the home.
pub const DIR_MODE: u32 = 0o700;

/// Creates a directory and its missing parents, each created one 0700 whatever the umask
/// (existing directories are left as they are).
pub fn create_dir_all(dir: &Path) -> Result<(), FsError> {
    create_dirs(dir, Some(DIR_MODE))
}

/// Creates a directory and its missing parents; `mode` is set exactly on each one created
/// (`None`: the umask decides, as for a client's own directories). Returns nothing about which
/// were created; see [`create_dirs_reporting`].
fn create_dirs(dir: &Path, mode: Option<u32>) -> Result<(), FsError> {
    create_dirs_reporting(dir, mode).map(|_| ())
}

/// Creates a directory and its missing parents like [`create_dir_all`] with an optional exact
/// mode, and returns the directories it created, outermost first.
pub fn create_dirs_reporting(dir: &Path, mode: Option<u32>) -> Result<Vec<PathBuf>, FsError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(path) = current.filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        missing.push(path.to_path_buf());
        current = path.parent();
    }
    let mut created = Vec::new();
    for path in missing.into_iter().rev() {
        let mut builder = fs::DirBuilder::new();
        builder.mode(mode.unwrap_or(0o777));
        match builder.create(&path) {
            Ok(()) => {
                if let Some(mode) = mode {
                    fs::set_permissions(&path, permissions(mode))
                        .map_err(|e| FsError::new("cannot set the mode of", &path, e))?;
                }
                created.push(path);
            }
            // Created meanwhile by another process: it is not ours to change.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(FsError::new("cannot create directory", &path, e)),
        }
    }
    Ok(created)
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    read_small(path).map_err(|e| FsError::new("cannot read", path, e))
}

/// Reads a whole file with four system calls (open, read, read to see the end, close): the
/// home's files are small, so unlike `fs::read` this does not ask the file's size first.
///
/// The bytes are read into a buffer kept per thread and returned in a vector of their exact
/// size: a fresh 8 KiB vector per read made the allocator consolidate its free lists on every
/// read (`verify --all` reads two files per version).
fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    use io::Read as _;
    use std::cell::RefCell;
    const START: usize = 8 * 1024;
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(START));
    }
    let file = File::open(path)?;
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        // `Take` reads without the size probe that `File::read_to_end` makes.
        let read = (&file).take(u64::MAX).read_to_end(buffer).map(|_| buffer.as_slice().to_vec());
        if buffer.capacity() > 16 * START {
            // A large file was read: do not keep its room.
            *buffer = Vec::with_capacity(START);
        }
        read
    })
}

/// Opens a directory for reading files in it by name ([`QuickReads`]), so that each read walks
/// no path from the root.
pub fn open_dir(dir: &Path) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    Ok(rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?)
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

/// The name prefix of every temp file [`write_atomic`] creates.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Creates a temp file in `dir` and holds an exclusive `flock` on it until it is renamed or
/// dropped: a temp file nobody holds was left by a killed writer (a lock dies with its
/// process), which is how [`remove_stale_temps`] tells it from one being written. A cleaner
/// may remove the file between its creation and the lock; the inode is compared afterwards
/// and the file made again if so.
fn locked_temp(dir: &Path, mode: u32) -> Result<tempfile::NamedTempFile, FsError> {
    use std::os::unix::fs::MetadataExt as _;
    loop {
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .permissions(permissions(mode))
            .tempfile_in(dir)
            .map_err(|e| FsError::new("cannot create a temp file in", dir, e))?;
        temp.as_file().lock().map_err(|e| FsError::new("cannot lock", temp.path(), e))?;
        let ours = temp.as_file().metadata().map_err(|e| FsError::new("cannot stat", temp.path(), e))?;
        match fs::symlink_metadata(temp.path()) {
            Ok(named) if named.ino() == ours.ino() && named.dev() == ours.dev() => return Ok(temp),
            // Removed by a cleaner that took it for a stale one before we locked it: our file
            // is gone from the directory (so is its name, which `NamedTempFile` then fails to
            // remove, harmlessly); make another.
            _ => continue,
        }
    }
}

/// Removes the temp files of [`write_atomic`] in `dir` that no live process holds (left by a
/// killed writer) and returns them. Each is opened and locked without waiting; one that is
/// being written is held by its writer and left alone.
pub fn remove_stale_temps(dir: &Path) -> Vec<PathBuf> {
    stale_temps_in(dir, true)
}

/// The temp files [`remove_stale_temps`] would remove (nothing is removed).
pub fn stale_temps(dir: &Path) -> Vec<PathBuf> {
    stale_temps_in(dir, false)
}

fn stale_temps_in(dir: &Path, remove: bool) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else { continue };
        let Ok(meta) = file.metadata() else { continue };
        if !meta.is_file() || file.try_lock().is_err() {
            continue;
        }
        // Still the same file under that name (not replaced meanwhile), and nobody holds it.
        let same = fs::symlink_metadata(&path).is_ok_and(|m| m.ino() == meta.ino() && m.dev() == meta.dev());
        if same && (!remove || fs::remove_file(&path).is_ok()) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A directory at most this large (its size as `stat` reports it, which is what listing it
/// costs) is swept for stale temps by the first write to it in a process.
const SWEEP_ALWAYS_BYTES: u64 = 16 * 1024;

/// How long a process leaves a directory it swept alone (a long-running server sweeps again
/// after this; a one-shot command never writes long enough to).
const SWEEP_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// Whether the write just made into `dir` (of `size` bytes as `stat` gives it) sweeps it for
/// stale temps: at most once per directory per process within [`SWEEP_AGAIN_AFTER`], always
/// for a small directory, and for a larger one with the probability
/// `SWEEP_ALWAYS_BYTES / size`. Listing costs about its size, so the expected listing cost per
/// write is that of a [`SWEEP_ALWAYS_BYTES`] directory whatever the directory's size (a
/// publish into a client with 10,000 profiles no longer reads two 10,000-entry directories),
/// and a temp a killed writer left is still removed: by a write to its directory after, on
/// average, `size / SWEEP_ALWAYS_BYTES` writes there, and by every `gc` and `doctor --fix`.
fn sweep_due(dir: &Path, size: u64) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static SWEPT: OnceLock<Mutex<HashMap<PathBuf, Instant>>> = OnceLock::new();
    let mut swept = SWEPT.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    if swept.get(dir).is_some_and(|at| at.elapsed() < SWEEP_AGAIN_AFTER) {
        return false;
    }
    if size > SWEEP_ALWAYS_BYTES && rand::random::<u64>() % size >= SWEEP_ALWAYS_BYTES {
        return false;
    }
    swept.insert(dir.to_path_buf(), Instant::now());
    true
}

/// Replaces `path` with `bytes` atomically; the new file gets `mode` (Unix permission bits).
/// Temp files a killed writer left in the same directory are removed once the write is done
/// when a sweep is due (see [`sweep_due`]: the first write to a small directory in a process,
/// and a share of the writes to a large one in proportion to its size).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dir_all(dir)?;
    let mut temp = locked_temp(dir, mode)?;
    temp.write_all(bytes).map_err(|e| FsError::new("cannot write", temp.path(), e))?;
    // The umask may have narrowed the mode given at creation: set it exactly.
    temp.as_file()
        .set_permissions(permissions(mode))
        .map_err(|e| FsError::new("cannot set the mode of", temp.path(), e))?;
    temp.as_file().sync_all().map_err(|e| FsError::new("cannot fsync", temp.path(), e))?;
    temp.persist(path).map_err(|e| FsError::new("cannot rename onto", path, e.error))?;
    let size = sync_dir_size(dir)?;
    if sweep_due(dir, size) {
        remove_stale_temps(dir);
    }
    Ok(())
}

/// Writes new files (a path that exists already is left alone: every file of a batch is
/// written once, as [`write_once`]), each atomically, with two filesystem syncs for the whole
/// batch instead of two fsyncs per file: every temp is written, one `syncfs` makes their bytes
/// durable, each is renamed into place, and each directory is fsynced once. A crash leaves
/// every name either absent or holding its whole bytes (and temps, swept as [`write_atomic`]'s
/// are). The paths created are added to `created` as they appear (also when a later one
/// fails); `before_rename` runs once the temps are durable (a test's pause point).
pub fn write_new_batch(
    files: &[(PathBuf, &[u8])],
    mode: u32,
    created: &mut Vec<PathBuf>,
    before_rename: &dyn Fn(),
) -> Result<(), FsError> {
    let mut temps = Vec::with_capacity(files.len());
    let mut dirs: Vec<&Path> = Vec::new();
    for (path, bytes) in files {
        if path.exists() || temps.iter().any(|(p, _): &(&PathBuf, _)| *p == path) {
            continue;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        if !dirs.contains(&dir) {
            create_dir_all(dir)?;
            dirs.push(dir);
        }
        let mut temp = locked_temp(dir, mode)?;
        temp.write_all(bytes).map_err(|e| FsError::new("cannot write", temp.path(), e))?;
        temp.as_file()
            .set_permissions(permissions(mode))
            .map_err(|e| FsError::new("cannot set the mode of", temp.path(), e))?;
        temps.push((path, temp));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some((_, first)) = temps.first() {
        rustix::fs::syncfs(first.as_file())
            .map_err(|e| FsError::new("cannot sync the filesystem of", first.path(), e.into()))?;
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    for (_, temp) in &temps {
        temp.as_file().sync_all().map_err(|e| FsError::new("cannot fsync", temp.path(), e))?;
    }
    if temps.is_empty() {
        return Ok(());
    }
    before_rename();
    for (path, temp) in temps {
        temp.persist(path).map_err(|e| FsError::new("cannot rename onto", path, e.error))?;
        created.push(path.clone());
    }
    for dir in dirs {
        let size = sync_dir_size(dir)?;
        if sweep_due(dir, size) {
            remove_stale_temps(dir);
        }
    }
    Ok(())
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

/// [`sync_dir`], returning the directory's size as `stat` reports it.
fn sync_dir_size(dir: &Path) -> Result<u64, FsError> {
    let synced = File::open(dir).and_then(|d| {
        d.sync_all()?;
        d.metadata()
    });
    synced.map(|m| m.len()).map_err(|e| FsError::new("cannot fsync directory", dir, e))
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
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
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

/// How much of a checked file others may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Others may read it, nobody but its owner may write it (trusted public keys, heads).
    Shared,
    /// Nobody but its owner may read or write it (private keys, secrets, token hashes).
    Private,
}

/// What is wrong with a checked file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Group or others may write it.
    Writable {
        /// Its permission bits.
        mode: u32,
    },
    /// Group or others may read a private file.
    Readable {
        /// Its permission bits.
        mode: u32,
    },
    /// It belongs to another user than this one or root.
    Owner {
        /// Its owner.
        uid: u32,
        /// This process's effective user.
        ours: u32,
    },
}

/// A home file or directory refused before it was read: it is not this user's alone.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct UnsafePath {
    /// What it is ("trust store directory", "secret store", …).
    pub what: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong.
    pub exposure: Exposure,
}

impl UnsafePath {
    /// The command that fixes it.
    pub fn fix(&self) -> String {
        let path = self.path.display();
        match self.exposure {
            Exposure::Writable { .. } => format!("chmod go-w {path}"),
            Exposure::Readable { .. } => format!("chmod go-rwx {path}"),
            Exposure::Owner { ours, .. } => format!("chown {ours} {path}"),
        }
    }

    fn message(&self) -> String {
        let (what, path, fix) = (self.what, self.path.display(), self.fix());
        match self.exposure {
            Exposure::Writable { mode } => format!(
                "{what} {path} is writable by group or others (mode {mode:04o}): whoever can write it could plant keys or forged versions, so it was not read. If its contents are yours, run: {fix}"
            ),
            Exposure::Readable { mode } => format!(
                "{what} {path} is readable by group or others (mode {mode:04o}): it must be private, so it was not read. Run: {fix}"
            ),
            Exposure::Owner { uid, ours } => format!(
                "{what} {path} belongs to uid {uid}, not to this user (uid {ours}) or root: another user could have written it, so it was not read. If its contents are yours, run: {fix}"
            ),
        }
    }
}

/// This process's effective user id (it never changes: the program does not switch users).
pub fn effective_uid() -> u32 {
    static EUID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *EUID.get_or_init(|| rustix::process::geteuid().as_raw())
}

/// Checks the owner and mode of a file or directory from its metadata: owned by this user or
/// root, not writable by group or others, and (for [`Access::Private`]) not readable by them.
pub fn check_metadata(path: &Path, what: &'static str, meta: &fs::Metadata, access: Access) -> Result<(), UnsafePath> {
    use std::os::unix::fs::MetadataExt as _;
    let unsafe_path = |exposure| UnsafePath { what, path: path.to_path_buf(), exposure };
    let ours = effective_uid();
    if meta.uid() != ours && meta.uid() != 0 {
        return Err(unsafe_path(Exposure::Owner { uid: meta.uid(), ours }));
    }
    let mode = meta.mode() & 0o7777;
    if access == Access::Private && mode & 0o077 != 0 {
        return Err(unsafe_path(Exposure::Readable { mode }));
    }
    if mode & 0o022 != 0 {
        return Err(unsafe_path(Exposure::Writable { mode }));
    }
    Ok(())
}

/// A checked read that failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckedError {
    /// The file could not be read.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The file or directory is not this user's alone.
    #[error(transparent)]
    Unsafe(#[from] UnsafePath),
}

/// Checks a directory (following symlinks) before anything in it is read; false when it does
/// not exist.
pub fn check_dir(dir: &Path, what: &'static str) -> Result<bool, CheckedError> {
    match fs::metadata(dir) {
        Ok(meta) => {
            check_metadata(dir, what, &meta, Access::Shared)?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FsError::new("cannot stat", dir, e).into()),
    }
}

/// Reads a whole file after checking, on the open file, that it is this user's alone
/// (see [`check_metadata`]): one `fstat` more than [`read_optional`]. `None` when it does not
/// exist.
pub fn read_checked(path: &Path, what: &'static str, access: Access) -> Result<Option<Vec<u8>>, CheckedError> {
    use io::Read as _;
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FsError::new("cannot read", path, e).into()),
    };
    let meta = file.metadata().map_err(|e| FsError::new("cannot stat", path, e))?;
    check_metadata(path, what, &meta, access)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    (&file).read_to_end(&mut bytes).map_err(|e| FsError::new("cannot read", path, e))?;
    Ok(Some(bytes))
}
