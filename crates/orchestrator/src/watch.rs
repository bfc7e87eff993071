//! The watch set of a long-running core (Linux): an inotify instance, drained without blocking
//! at the start of every remembered read, that tells whether anything a remembered answer read
//! may have changed since. It replaces the per-read `statx` stamps of [`crate::readcache`]
//! where the kernel can be trusted to report every change; elsewhere the stamps stay.
//!
//! **Why it is sound.** The kernel queues an inotify event before the modifying system call of
//! any process returns. A path is watched ([`Watch::watch`]) *before* the read consults it: its
//! directory and every directory above it up to `/` (each filtered to the one name on the way
//! down, so that unrelated entries of `$HOME` or `/` change nothing), the directory itself
//! when the path is one (every entry), and the file's own inode (a change through another
//! hard link). So every change made after the watch was added is in the queue when the next
//! read drains it; a change made before it was added is what the read saw. Each relevant event
//! moves a counter, the [`Watch::generation`]; a remembered answer is valid while the
//! generation is the one it was read at (see [`crate::readcache`]). An event that moves or
//! removes an entry on a watched path (create, delete, rename, a watch removed by the kernel,
//! an unmount) or a queue overflow (`IN_QUEUE_OVERFLOW`: events were lost) also drops every watch
//! (a new inotify instance): a path may now name another inode, and the next read watches it
//! afresh.
//!
//! **Where it is not used** (the caller falls back to the stamps): other systems than Linux;
//! an inotify instance that cannot be created; a watch that cannot be added (the per-user
//! watch limit, `fs.inotify.max_user_watches`, no permission); directories on filesystems
//! whose changes may come from elsewhere than this kernel (NFS, CIFS, FUSE, 9p, …: only the
//! local filesystems of [`LOCAL_FILESYSTEMS`] are trusted, by `statfs`; overlayfs only above
//! the directories read); and more than [`MAX_WATCHES`] watches (the set starts over).
//! A mount made over a watched directory while the server runs is not reported by inotify
//! (an unmount is).

use std::path::Path;

/// Most watches one set holds before it starts over (each pins an inode in the kernel).
pub const MAX_WATCHES: usize = 2048;

/// Most events one drain reads. A process that writes in a watched directory as fast as the
/// drain reads (even under names no cached read depends on; a tracer logging each of the
/// server's system calls into a directory above the home does) would otherwise keep a drain
/// reading for as long as it writes; past this many the set vouches for nothing this time and
/// the generation moves (the caller reads afresh), the rest is left for the next drain. Above
/// the kernel's default queue length (`fs.inotify.max_queued_events`, 16,384), so a queue that
/// filled up is still read to its overflow marker.
pub const MAX_DRAINED: usize = 1 << 16;

/// `statfs` magic numbers of the filesystems whose every change goes through this kernel:
/// ext2/3/4, XFS, Btrfs, tmpfs, ramfs, F2FS, ZFS, bcachefs, JFS, ReiserFS.
pub const LOCAL_FILESYSTEMS: &[i64] = &[
    0xEF53,
    0x5846_5342,
    0x9123_683E,
    0x0102_1994,
    0x8584_58f6,
    0xF2F5_2010,
    0x2FC1_2FC1,
    0xca45_1a4e,
    0x3153_464a,
    0x5265_4973,
];

/// overlayfs: trusted only for the directories above those read (its lower layers can change
/// underneath it).
const OVERLAYFS: i64 = 0x794c_7630;

#[cfg(target_os = "linux")]
pub use linux::Watch;

#[cfg(not(target_os = "linux"))]
pub use other::Watch;

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::{HashMap, HashSet};
    use std::ffi::OsString;
    use std::mem::MaybeUninit;
    use std::os::unix::ffi::OsStrExt as _;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, PoisonError};

    use rustix::fd::OwnedFd;
    use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
    use rustix::io::Errno;

    use super::{LOCAL_FILESYSTEMS, MAX_DRAINED, MAX_WATCHES, OVERLAYFS};

    /// Which entries of a watched directory matter.
    #[derive(Debug)]
    enum Names {
        /// Every entry (a directory whose listing or entries are read).
        All,
        /// Only these (a directory on the way down to a path).
        Some(HashSet<OsString>),
    }

    #[derive(Debug)]
    struct Watched {
        names: Names,
    }

    #[derive(Debug)]
    struct Inner {
        fd: Option<OwnedFd>,
        /// Watched directories and files by path, with the watch descriptor.
        paths: HashMap<PathBuf, i32>,
        /// What matters of each watch.
        by_wd: HashMap<i32, Watched>,
        /// Directories whose filesystem was checked: trusted as a directory read, as one above.
        filesystems: HashMap<PathBuf, (bool, bool)>,
        buf: Vec<MaybeUninit<u8>>,
        resets: u64,
        overflows: u64,
        /// [`MAX_DRAINED`] (smaller in tests).
        drain_limit: usize,
    }

    /// An inotify watch set with its generation (see the module documentation).
    #[derive(Debug)]
    pub struct Watch {
        inner: Mutex<Inner>,
        generation: AtomicU64,
    }

    const DIR_EVENTS: WatchFlags = WatchFlags::MODIFY
        .union(WatchFlags::ATTRIB)
        .union(WatchFlags::CREATE)
        .union(WatchFlags::DELETE)
        .union(WatchFlags::MOVED_FROM)
        .union(WatchFlags::MOVED_TO)
        .union(WatchFlags::DELETE_SELF)
        .union(WatchFlags::MOVE_SELF)
        .union(WatchFlags::ONLYDIR);
    const FILE_EVENTS: WatchFlags =
        WatchFlags::MODIFY.union(WatchFlags::ATTRIB).union(WatchFlags::DELETE_SELF).union(WatchFlags::MOVE_SELF);
    /// Events after which a watched path may name another inode: every watch is dropped.
    const STRUCTURAL: ReadFlags = ReadFlags::CREATE
        .union(ReadFlags::DELETE)
        .union(ReadFlags::MOVED_FROM)
        .union(ReadFlags::MOVED_TO)
        .union(ReadFlags::DELETE_SELF)
        .union(ReadFlags::MOVE_SELF)
        .union(ReadFlags::IGNORED)
        .union(ReadFlags::UNMOUNT)
        .union(ReadFlags::QUEUE_OVERFLOW);

    fn new_fd() -> Option<OwnedFd> {
        inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).ok()
    }

    impl Watch {
        /// A new, empty watch set; None when inotify is not available.
        pub fn new() -> Option<Watch> {
            let fd = new_fd()?;
            Some(Watch {
                inner: Mutex::new(Inner {
                    fd: Some(fd),
                    paths: HashMap::new(),
                    by_wd: HashMap::new(),
                    filesystems: HashMap::new(),
                    buf: vec![MaybeUninit::uninit(); 16 * 1024],
                    resets: 0,
                    overflows: 0,
                    drain_limit: MAX_DRAINED,
                }),
                generation: AtomicU64::new(0),
            })
        }

        /// Drains the queued events (one non-blocking `read` when there are none) and returns
        /// the generation: it moved when anything watched changed since it was last drained.
        pub fn generation(&self) -> u64 {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            self.drain(&mut inner);
            self.generation.load(Ordering::SeqCst)
        }

        /// Lowers the most events one drain reads (for tests).
        #[cfg(test)]
        pub(crate) fn set_drain_limit(&self, limit: usize) {
            self.inner.lock().unwrap_or_else(PoisonError::into_inner).drain_limit = limit;
        }

        /// How many times the set started over (for tests).
        pub fn resets(&self) -> u64 {
            self.inner.lock().unwrap_or_else(PoisonError::into_inner).resets
        }

        /// How many queue overflows were seen (for tests).
        pub fn overflows(&self) -> u64 {
            self.inner.lock().unwrap_or_else(PoisonError::into_inner).overflows
        }

        /// How many watches the set holds (for tests).
        pub fn len(&self) -> usize {
            self.inner.lock().unwrap_or_else(PoisonError::into_inner).paths.len()
        }

        /// How many directories' filesystems are remembered as checked (for tests).
        pub fn checked_filesystems(&self) -> usize {
            self.inner.lock().unwrap_or_else(PoisonError::into_inner).filesystems.len()
        }

        /// True when the set holds no watch.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Watches `path` (absolute) from now on: every directory above it for the name on the
        /// way, the directory itself when it is one, the file's inode when it is one. Call it
        /// before reading the path. False when it cannot be watched soundly (see the module
        /// documentation): the caller must not rely on the generation for it.
        pub fn watch(&self, path: &Path) -> bool {
            if !path.is_absolute() {
                return false;
            }
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            if inner.fd.is_none() {
                return false;
            }
            if inner.paths.len() >= MAX_WATCHES {
                self.reset(&mut inner);
            }
            // Top down: `/` for the first name, then each existing directory for the next.
            let mut components = Vec::new();
            for ancestor in path.ancestors() {
                components.push(ancestor);
            }
            components.reverse();
            for pair in components.windows(2) {
                let (dir, child) = (pair[0], pair[1]);
                let Some(name) = child.file_name() else { return false };
                let last = child == path;
                match self.watch_dir(&mut inner, dir, Some(name.to_os_string()), last) {
                    Ok(()) => {}
                    // The directory does not exist: its nearest existing ancestor is watched
                    // for this name, so its creation shows.
                    Err(Errno::NOENT) => return true,
                    Err(_) => return false,
                }
            }
            // The path itself: a directory (every entry) or a file (its inode).
            match self.watch_dir(&mut inner, path, None, true) {
                Ok(()) | Err(Errno::NOENT) => true,
                Err(Errno::NOTDIR) => self.watch_file(&mut inner, path).is_ok(),
                Err(_) => false,
            }
        }

        /// Watches a directory for `name` (None: every entry). `read` says whether entries of
        /// it are read (its filesystem must be a local one) or it is only on the way down.
        fn watch_dir(&self, inner: &mut Inner, dir: &Path, name: Option<OsString>, read: bool) -> Result<(), Errno> {
            if let Some(wd) = inner.paths.get(dir).copied()
                && let Some(watched) = inner.by_wd.get_mut(&wd)
            {
                trusted_fs(&mut inner.filesystems, dir, read)?;
                match (&mut watched.names, name) {
                    (Names::All, _) => {}
                    (names, None) => *names = Names::All,
                    (Names::Some(set), Some(name)) => {
                        set.insert(name);
                    }
                }
                return Ok(());
            }
            let fd = inner.fd.as_ref().ok_or(Errno::BADF)?;
            let wd = inotify::add_watch(fd, dir, DIR_EVENTS)?;
            if let Err(e) = trusted_fs(&mut inner.filesystems, dir, read) {
                // Added but not to be relied on: drop it again.
                let _ = inotify::remove_watch(fd, wd);
                return Err(e);
            }
            inner.paths.insert(dir.to_path_buf(), wd);
            let names = match name {
                None => Names::All,
                Some(name) => Names::Some(HashSet::from([name])),
            };
            // Two paths may name one directory (hard links are not allowed for directories,
            // but bind mounts are): the descriptor is shared, and so are the names.
            match inner.by_wd.get_mut(&wd) {
                Some(watched) => match (&mut watched.names, names) {
                    (Names::All, _) => {}
                    (slot, Names::All) => *slot = Names::All,
                    (Names::Some(set), Names::Some(more)) => set.extend(more),
                },
                None => {
                    inner.by_wd.insert(wd, Watched { names });
                }
            }
            Ok(())
        }

        fn watch_file(&self, inner: &mut Inner, path: &Path) -> Result<(), Errno> {
            if inner.paths.contains_key(path) {
                return Ok(());
            }
            let fd = inner.fd.as_ref().ok_or(Errno::BADF)?;
            let wd = inotify::add_watch(fd, path, FILE_EVENTS)?;
            inner.paths.insert(path.to_path_buf(), wd);
            inner.by_wd.entry(wd).or_insert(Watched { names: Names::All });
            Ok(())
        }

        /// Reads every queued event; moves the generation for each relevant one and starts over
        /// after a structural one (see [`STRUCTURAL`]).
        fn drain(&self, inner: &mut Inner) {
            let Some(fd) = inner.fd.as_ref() else { return };
            let mut changed = false;
            let mut structural = false;
            let mut overflowed = false;
            let inner_limit = inner.drain_limit;
            let mut reader = inotify::Reader::new(fd, &mut inner.buf);
            let mut read = 0;
            loop {
                if read == inner_limit {
                    changed = true;
                    break;
                }
                read += 1;
                let event = match reader.next() {
                    Ok(event) => event,
                    Err(Errno::AGAIN | Errno::INTR) => break,
                    // Anything else: the queue can no longer be trusted.
                    Err(_) => {
                        structural = true;
                        break;
                    }
                };
                let flags = event.events();
                if flags.contains(ReadFlags::QUEUE_OVERFLOW) {
                    overflowed = true;
                    structural = true;
                    continue;
                }
                let relevant = match (inner.by_wd.get(&event.wd()), event.file_name()) {
                    // An event of a watch dropped by a reset (still in the old queue: not
                    // possible with a new instance, but harmless).
                    (None, _) => true,
                    (Some(Watched { names: Names::All }), _) | (Some(_), None) => true,
                    (Some(Watched { names: Names::Some(set) }), Some(name)) => {
                        set.contains(std::ffi::OsStr::from_bytes(name.to_bytes()))
                    }
                };
                if relevant || flags.contains(ReadFlags::IGNORED) {
                    changed = true;
                    structural |= flags.intersects(STRUCTURAL);
                }
            }
            if overflowed {
                inner.overflows += 1;
            }
            if changed || structural {
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
            if structural {
                self.reset(inner);
            }
        }

        /// Drops every watch (a new inotify instance) and moves the generation.
        fn reset(&self, inner: &mut Inner) {
            inner.fd = new_fd();
            // New maps, not cleared ones: a cleared map keeps its capacity, and a long-running
            // server that touched every profile once would keep that memory for good.
            inner.paths = HashMap::new();
            inner.by_wd = HashMap::new();
            inner.filesystems = HashMap::new();
            inner.resets += 1;
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether changes to `dir` all go through this kernel (see [`LOCAL_FILESYSTEMS`]); `read`:
    /// entries of it are read, not only passed through.
    #[allow(clippy::unnecessary_cast)] // `f_type`'s type differs by architecture
    fn trusted_fs(cache: &mut HashMap<PathBuf, (bool, bool)>, dir: &Path, read: bool) -> Result<(), Errno> {
        let (as_read, as_above) = match cache.get(dir) {
            Some(known) => *known,
            None => {
                let kind = rustix::fs::statfs(dir)?.f_type as i64;
                let local = LOCAL_FILESYSTEMS.contains(&kind);
                let known = (local, local || kind == OVERLAYFS);
                // Bounded like the watches (one entry per directory ever read otherwise).
                if cache.len() >= MAX_WATCHES {
                    *cache = HashMap::new();
                }
                cache.insert(dir.to_path_buf(), known);
                known
            }
        };
        if (read && as_read) || (!read && as_above) { Ok(()) } else { Err(Errno::NOTSUP) }
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    use std::path::Path;

    /// No watch set on this system: reads keep their `statx` stamps.
    #[derive(Debug)]
    pub struct Watch;

    impl Watch {
        /// Always None here.
        pub fn new() -> Option<Watch> {
            None
        }
        /// Never called (no set exists).
        pub fn generation(&self) -> u64 {
            0
        }
        /// Never watches.
        pub fn watch(&self, _path: &Path) -> bool {
            false
        }
    }
}

/// True when `path`'s directory is on a filesystem whose changes all go through this kernel
/// (for tests and `doctor`-like reports); false where it cannot be told.
#[cfg(target_os = "linux")]
#[allow(clippy::unnecessary_cast)] // `f_type`'s type differs by architecture
pub fn is_local_filesystem(path: &Path) -> bool {
    rustix::fs::statfs(path).is_ok_and(|s| LOCAL_FILESYSTEMS.contains(&(s.f_type as i64)))
}

/// Always false outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn is_local_filesystem(_path: &Path) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    //! The watch set on real directories; through the read cache in `tests/core/readcache_watch.rs`.

    use super::*;

    fn dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(is_local_filesystem(dir.path()), "temp dirs are on a local filesystem here");
        dir
    }

    #[test]
    fn an_unrelated_entry_beside_a_watched_path_moves_nothing_and_a_watched_one_does() {
        let dir = dir();
        let watched = dir.path().join("a/file");
        std::fs::create_dir(dir.path().join("a")).expect("mkdir");
        std::fs::write(&watched, b"1").expect("write");
        let watch = Watch::new().expect("inotify");
        assert!(watch.watch(&watched));
        let start = watch.generation();
        std::fs::write(dir.path().join("other"), b"x").expect("an unrelated file beside `a`");
        assert_eq!(watch.generation(), start, "filtered out by name");
        std::fs::write(&watched, b"2").expect("rewrite");
        assert!(watch.generation() > start, "a write to the watched file moves it");
        assert_eq!(watch.resets(), 0, "a write in place keeps the watches");
    }

    #[test]
    fn a_flood_of_unrelated_events_ends_a_drain_after_a_bounded_number_and_moves_the_generation() {
        let dir = dir();
        let watched = dir.path().join("a/file");
        std::fs::create_dir(dir.path().join("a")).expect("mkdir");
        std::fs::write(&watched, b"1").expect("write");
        let watch = Watch::new().expect("inotify");
        watch.set_drain_limit(64);
        assert!(watch.watch(&watched));
        let start = watch.generation();
        // Distinct names (identical consecutive events would be merged), none of them watched:
        // about 2,000 events (a create and a write each).
        for i in 0..1000 {
            std::fs::write(dir.path().join(format!("noise{i}")), b"x").expect("an unrelated file");
        }
        let after_flood = watch.generation();
        assert!(after_flood > start, "past the bound the set vouches for nothing: read afresh");
        // Each later drain reads at most the bound: the unrelated rest is gone within
        // 2,000 / 64 drains, and then nothing moves.
        let mut last = after_flood;
        let mut drains = 1;
        while watch.generation() != last {
            last = watch.generation();
            drains += 1;
            assert!(drains <= 2000 / 64 + 2, "the rest is never drained");
        }
        assert!(drains > 2, "the flood took more than one bounded drain ({drains})");
        assert_eq!(watch.resets(), 0, "the watches stay");
        std::fs::write(&watched, b"2").expect("rewrite");
        assert!(watch.generation() > last, "a change to the watched file is still seen");
    }

    #[test]
    fn a_missing_path_is_watched_through_its_nearest_existing_ancestor() {
        let dir = dir();
        let missing = dir.path().join("x/y/z.json");
        let watch = Watch::new().expect("inotify");
        assert!(watch.watch(&missing));
        let start = watch.generation();
        std::fs::create_dir(dir.path().join("x")).expect("mkdir");
        assert!(watch.generation() > start, "its first missing directory appeared");
        assert_eq!(watch.resets(), 1, "a structural change starts the set over");
        assert!(watch.is_empty());
    }

    #[test]
    fn a_renamed_ancestor_starts_the_set_over() {
        let dir = dir();
        std::fs::create_dir_all(dir.path().join("home/heads")).expect("mkdir");
        let head = dir.path().join("home/heads/h.json");
        std::fs::write(&head, b"1").expect("write");
        let watch = Watch::new().expect("inotify");
        assert!(watch.watch(&head));
        assert!(watch.len() >= 3, "the file, its directory and the ones above");
        let start = watch.generation();
        std::fs::rename(dir.path().join("home"), dir.path().join("moved")).expect("rename the home");
        assert!(watch.generation() > start);
        assert!(watch.is_empty(), "every watch dropped: the paths may name other inodes now");
    }

    #[test]
    fn a_queue_overflow_moves_the_generation_and_starts_over() {
        let dir = dir();
        let watched = dir.path().join("d");
        std::fs::create_dir(&watched).expect("mkdir");
        let watch = Watch::new().expect("inotify");
        assert!(watch.watch(&watched));
        let start = watch.generation();
        // More events than the queue holds (fs.inotify.max_queued_events, 16384 by default),
        // none drained meanwhile: the kernel drops the rest and queues IN_Q_OVERFLOW.
        let limit: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(16384);
        let file = watched.join("f");
        let mut f = std::fs::File::create(&file).expect("create");
        for _ in 0..=limit {
            use std::io::Write as _;
            f.write_all(b"x").expect("write");
            // Each write is a MODIFY event; identical consecutive events are merged, so an
            // attribute change in between keeps them apart.
            f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
        }
        assert!(watch.generation() > start);
        assert_eq!(watch.overflows(), 1, "the overflow was seen");
        assert!(watch.is_empty(), "and the set started over");
    }

    #[test]
    fn more_than_the_limit_of_watches_starts_the_set_over() {
        let dir = dir();
        let watch = Watch::new().expect("inotify");
        for i in 0..=MAX_WATCHES {
            let file = dir.path().join(format!("f{i}"));
            std::fs::write(&file, b"x").expect("write");
            let start = watch.generation();
            assert!(watch.watch(&file), "{i}");
            assert!(watch.generation() >= start);
        }
        assert!(watch.resets() >= 1, "the set started over at {MAX_WATCHES} watches");
        assert!(watch.len() < MAX_WATCHES);
    }

    #[test]
    fn what_a_long_running_set_remembers_stays_bounded_however_many_directories_it_sees() {
        let dir = dir();
        let watch = Watch::new().expect("inotify");
        for i in 0..=MAX_WATCHES + 16 {
            let sub = dir.path().join(format!("d{i}"));
            std::fs::create_dir(&sub).expect("mkdir");
            let file = sub.join("f");
            std::fs::write(&file, b"x").expect("write");
            assert!(watch.watch(&file), "{i}");
            assert!(watch.checked_filesystems() <= MAX_WATCHES, "{i}: {}", watch.checked_filesystems());
            // The limit is checked before a path is watched; one path adds its new directory and
            // its file here (the ancestors are watched already).
            assert!(watch.len() <= MAX_WATCHES + 2, "{i}: {}", watch.len());
        }
        assert!(watch.resets() >= 1);
    }

    #[test]
    fn a_relative_path_is_not_watched() {
        let watch = Watch::new().expect("inotify");
        assert!(!watch.watch(Path::new("relative/path")));
    }

    #[test]
    fn a_directory_on_a_filesystem_not_known_to_be_local_is_not_watched() {
        // /proc is procfs: its changes do not come through file writes.
        let watch = Watch::new().expect("inotify");
        assert!(!watch.watch(Path::new("/proc/self/status")));
    }
}
