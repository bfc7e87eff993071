//! Reads for a pass over many small files of the home (`verify --all`): directories opened
//! and checked once and listed from the same descriptor, and whole files read relative to them
//! with one `read` where they fit and no access-time update.

use std::fs::File;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use super::{Access, CheckedError, FsError, check_metadata, open_dir};

/// Opens a directory as [`open_dir`] does and checks it as [`super::check_dir`] does, on the
/// opened directory itself (one `fstat` instead of a `stat` of its path).
pub fn open_dir_checked(dir: &Path, what: &'static str) -> Result<OwnedFd, CheckedError> {
    let file = File::from(open_dir(dir).map_err(|e| FsError::new("cannot open", dir, e))?);
    let meta = file.metadata().map_err(|e| FsError::new("cannot stat", dir, e))?;
    check_metadata(dir, what, &meta, Access::Shared)?;
    Ok(file.into())
}

/// Calls `each` with every name in an opened directory ([`open_dir`]) read from its current
/// position, `.` and `..` left out, and names that are not UTF-8 skipped (as
/// [`super::list_dir`] skips them); in the order the directory gives them. `scratch` is the
/// buffer the entries are read into (kept for the next listing). Linux only: elsewhere it
/// fails as unsupported.
pub fn list_opened(dir: BorrowedFd<'_>, scratch: &mut Vec<u8>, each: impl FnMut(&str)) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let mut each = each;
        scratch.clear();
        scratch.reserve(LIST_ROOM);
        let mut entries = rustix::fs::RawDir::new(dir, scratch.spare_capacity_mut());
        while let Some(entry) = entries.next() {
            let entry = entry?;
            if let Ok(name) = std::str::from_utf8(entry.file_name().to_bytes())
                && name != "."
                && name != ".."
            {
                each(name);
            }
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (dir, scratch, each);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// The room [`list_opened`] reads directory entries into (a name is at most 255 bytes, so any
/// entry fits).
#[cfg(target_os = "linux")]
const LIST_ROOM: usize = 8 * 1024;

/// Whole-file reads relative to opened directories ([`open_dir`]) for a pass over many small
/// files (`verify --all`): one `read` per file where the file fits the room offered, and no
/// access time written (`O_NOATIME`).
///
/// A `read` that returns fewer bytes than the room it was offered is taken as the end of the
/// file, without the `read` returning 0 that `Read::read_to_end` waits for. That holds for
/// regular files on Linux but is not promised: a caller must not let a verdict rest on bytes
/// read this way alone (`verify --all` judges again by the common read any version these bytes
/// do not pass, and bytes cut short pass neither a hash nor a signature).
#[derive(Debug)]
pub struct QuickReads {
    /// Whether files are still opened with `O_NOATIME`. Linux allows it only to the file's
    /// owner (or a process that may act as one): the first `EPERM` turns it off for the rest of
    /// the pass, and that open is made again without it.
    noatime: bool,
}

impl Default for QuickReads {
    fn default() -> Self {
        QuickReads { noatime: cfg!(target_os = "linux") }
    }
}

impl QuickReads {
    /// The room kept free in the buffer for each `read`.
    pub const ROOM: usize = 16 * 1024;

    /// Whether the next open still asks for `O_NOATIME`.
    pub fn noatime(&self) -> bool {
        self.noatime
    }

    /// Reads the file `name` of an opened directory into `buffer`, replacing what it held and
    /// keeping its room: `openat`, `read` until one returns less than the room it was offered
    /// (at least [`QuickReads::ROOM`]), `close`.
    pub fn read(&mut self, dir: BorrowedFd<'_>, name: &str, buffer: &mut Vec<u8>) -> io::Result<()> {
        let file = self.open(dir, name)?;
        buffer.clear();
        loop {
            buffer.reserve(Self::ROOM);
            let room = buffer.capacity() - buffer.len();
            match rustix::io::read(&file, rustix::buffer::spare_capacity(buffer)) {
                Ok(read) if read < room => return Ok(()),
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn open(&mut self, dir: BorrowedFd<'_>, name: &str) -> io::Result<OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::CLOEXEC;
        #[cfg(target_os = "linux")]
        if self.noatime {
            match rustix::fs::openat(dir, name, flags | OFlags::NOATIME, Mode::empty()) {
                Err(rustix::io::Errno::PERM) => self.noatime = false,
                opened => return Ok(opened?),
            }
        }
        Ok(rustix::fs::openat(dir, name, flags, Mode::empty())?)
    }
}

#[cfg(test)]
mod tests {
    //! The quick reads against the ordinary ones, on real files in temp directories; the
    //! `O_NOATIME` fallback on a file of another user (as root, checked in a child process run
    //! as `nobody`).

    use std::os::fd::AsFd as _;
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn dir_with(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, OwnedFd) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("write");
        }
        let opened = open_dir(dir.path()).expect("open");
        (dir, opened)
    }

    #[test]
    fn whole_files_of_every_size_are_read_as_the_ordinary_read_reads_them() {
        let room = QuickReads::ROOM;
        let sizes = [0, 1, 100, room - 1, room, room + 1, 2 * room, 3 * room + 5, 200 * 1024];
        let files: Vec<(String, Vec<u8>)> = sizes
            .iter()
            .map(|&n| (format!("f{n}"), (0..n).map(|i| u8::try_from(i % 251).expect("byte")).collect()))
            .collect();
        let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let (dir, opened) = dir_with(&named);
        let mut reads = QuickReads::default();
        // One buffer for all, as `verify --all` keeps it: each read replaces what it held.
        let mut buffer = b"left over".to_vec();
        for (name, bytes) in &files {
            reads.read(opened.as_fd(), name, &mut buffer).expect("read");
            assert_eq!(buffer, *bytes, "{name}");
            assert_eq!(buffer, std::fs::read(dir.path().join(name)).expect("read"), "{name}");
        }
        // The files are this user's: `O_NOATIME` stays on.
        assert_eq!(reads.noatime(), cfg!(target_os = "linux"));
    }

    #[test]
    fn a_missing_file_or_a_directory_is_an_error() {
        let (dir, opened) = dir_with(&[]);
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        let mut reads = QuickReads::default();
        let mut buffer = Vec::new();
        let missing = reads.read(opened.as_fd(), "missing.json", &mut buffer).expect_err("missing");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let directory = reads.read(opened.as_fd(), "sub", &mut buffer).expect_err("a directory");
        assert_eq!(directory.raw_os_error(), Some(21), "EISDIR: {directory}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_access_time_is_left_as_it_was() {
        let (dir, opened) = dir_with(&[("a.json", b"{}".to_vec())]);
        let path = dir.path().join("a.json");
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        let file = File::options().write(true).open(&path).expect("open");
        file.set_times(std::fs::FileTimes::new().set_accessed(old)).expect("set atime");
        let mut reads = QuickReads::default();
        let mut buffer = Vec::new();
        reads.read(opened.as_fd(), "a.json", &mut buffer).expect("read");
        assert_eq!(buffer, b"{}");
        assert_eq!(std::fs::metadata(&path).expect("stat").accessed().expect("atime"), old);
        assert!(reads.noatime());
    }

    /// Set in the child process [`noatime_is_dropped_on_a_file_of_another_user`] starts: the
    /// file (another user's) it reads.
    const OTHER_USERS_FILE: &str = "MCP_ORCH_TEST_OTHER_USERS_FILE";

    /// Reads `path`, a file of another user, twice: the first open is refused `O_NOATIME`
    /// (`EPERM`) and made again without it, and it is not asked for again.
    fn read_of_another_user(path: &Path) {
        use std::os::unix::fs::MetadataExt as _;
        assert_ne!(std::fs::metadata(path).expect("stat").uid(), super::super::effective_uid());
        let opened = open_dir(path.parent().expect("dir")).expect("open");
        let name = path.file_name().expect("name").to_str().expect("UTF-8");
        let mut reads = QuickReads::default();
        assert!(reads.noatime());
        let mut buffer = Vec::new();
        reads.read(opened.as_fd(), name, &mut buffer).expect("read without O_NOATIME");
        assert_eq!(buffer, std::fs::read(path).expect("read"));
        assert!(!reads.noatime(), "O_NOATIME is not asked for again");
        reads.read(opened.as_fd(), name, &mut buffer).expect("read again");
        assert_eq!(buffer, std::fs::read(path).expect("read"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn noatime_is_dropped_on_a_file_of_another_user() {
        if let Some(path) = std::env::var_os(OTHER_USERS_FILE) {
            // The child, run as `nobody`.
            read_of_another_user(Path::new(&path));
            return;
        }
        if super::super::effective_uid() != 0 {
            // Not root: root's own files are another user's.
            read_of_another_user(Path::new("/etc/passwd"));
            return;
        }
        // Root may open any file with `O_NOATIME`: make a file of root's that `nobody` may
        // read, and run this test again as `nobody`.
        use std::os::unix::process::CommandExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = dir.path().join("root.json");
        std::fs::write(&path, b"{\"owner\":\"root\"}").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "fsutil::quick::tests::noatime_is_dropped_on_a_file_of_another_user", "--nocapture"])
            .env(OTHER_USERS_FILE, &path)
            .uid(65534)
            .gid(65534)
            .output()
            .expect("run as nobody");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn a_listing_gives_every_name_but_dot_entries_and_names_not_utf8() {
        use std::os::unix::ffi::OsStrExt as _;
        // Enough long names that one `getdents64` does not return them all.
        let mut expected: Vec<String> = (0..400).map(|n| format!("a-rather-long-file-name-{n:04}.json")).collect();
        let (dir, opened) = dir_with(&expected.iter().map(|n| (n.as_str(), Vec::new())).collect::<Vec<_>>());
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        expected.push("sub".into());
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"not-utf8-\xff.json")), b"").expect("write");
        let mut names = Vec::new();
        let mut scratch = Vec::new();
        let listed = list_opened(opened.as_fd(), &mut scratch, |name| names.push(name.to_owned()));
        if cfg!(target_os = "linux") {
            listed.expect("listed");
            names.sort();
            expected.sort();
            assert_eq!(names, expected);
            assert_eq!(names, super::super::list_dir(dir.path()).expect("list"));
        } else {
            assert_eq!(listed.expect_err("unsupported").kind(), io::ErrorKind::Unsupported);
        }
    }

    #[test]
    fn an_opened_directory_is_checked_as_check_dir_checks_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        assert!(open_dir_checked(dir.path(), "history directory").is_ok());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let refused = open_dir_checked(dir.path(), "history directory").expect_err("writable by others");
        let theirs = super::super::check_dir(dir.path(), "history directory").expect_err("writable by others");
        assert!(matches!(refused, CheckedError::Unsafe(_)));
        assert_eq!(refused.to_string(), theirs.to_string());
        let missing = open_dir_checked(&dir.path().join("missing"), "history directory").expect_err("missing");
        assert!(matches!(&missing, CheckedError::Fs(e) if e.is_not_found()), "{missing}");
        let file = dir.path().join("file");
        std::fs::write(&file, b"").expect("write");
        let not_dir = open_dir_checked(&file, "history directory").expect_err("a file");
        assert!(matches!(&not_dir, CheckedError::Fs(e) if e.source.raw_os_error() == Some(20)), "{not_dir}");
    }
}
