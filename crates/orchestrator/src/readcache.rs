//! The read cache of a long-running core (the MCP server): a fully verified read remembered
//! under the identity of every file it consulted, so that the next read of the same profile
//! only `statx`es those files instead of reading, hashing and verifying them again.
//!
//! A file's identity is its [`Stamp`]: device, inode, size, and modification and change times
//! to the nanosecond (or its absence). Replacing a file (a new inode), rewriting it in place
//! (mtime and ctime), changing its mode or owner (ctime), creating a file that was absent:
//! each changes a stamp, and ctime cannot be set from user space, so a change by another
//! process always shows on the next read, which then reads and verifies everything again.
//!
//! Two rules keep that sound:
//! - **Stamp before read.** A file is stamped just before the read consults it ([`Recorder`]),
//!   so a change made after the stamp, even during the read, makes the next lookup differ.
//! - **The racy window.** A read is never remembered while any file it consulted changed less
//!   than [`RACY_WINDOW`] ago (or seemingly in the future): on a filesystem with coarse
//!   timestamps a second change within the same tick, of the same size, would keep the same
//!   stamp (git's "racily clean" rule; `service/listing.rs` and the trust store use the same).
//!
//! What is not a file is checked on every read as before: the trust store the verdict was
//! reached under (its digest must be the current one) and expiry (against the core's clock).
//! The memory is bounded ([`LIMIT`] entries) and starts over when full.
//!
//! **With a watch set** ([`crate::watch`], Linux, local filesystems) the stamps are not taken
//! again on a hit: every consulted path is watched before it is read, and a remembered read
//! is valid while the watch set's generation is the one it was read at (one non-blocking
//! `read` of the inotify queue, however many files). No racy window is needed then: the kernel
//! reports every change, whatever the timestamps. A path that cannot be watched soundly makes
//! that read fall back to the stamps and their racy window. A remembered read may also carry
//! something derived from it ([`ReadCache::attach`]: an adapter's prepared answer), valid
//! exactly as long as the read.

use std::any::Any;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::artifact::Verified;
use crate::ids::{ClientId, ProfileId};
use crate::watch::Watch;

/// How old the last change of every consulted file must be before a read is remembered.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// How many reads are remembered before the memory starts over.
pub const LIMIT: usize = 64;

/// The identity of a file as `statx` gives it, or its absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// No file at that path.
    Absent,
    /// A file (or directory) with this identity.
    Present {
        /// Device.
        dev: u64,
        /// Inode.
        ino: u64,
        /// Size in bytes.
        size: u64,
        /// Last modification, nanoseconds since the epoch.
        mtime_ns: i128,
        /// Last change of the inode (contents, mode, owner, links), nanoseconds since the epoch.
        ctime_ns: i128,
    },
    /// It could not be stamped (say, no permission): never equal to anything, so a read that
    /// consulted it is never remembered.
    Unknown,
}

impl Stamp {
    /// The stamp of `path` now (following symlinks, as the reads do).
    pub fn of(path: &Path) -> Stamp {
        match std::fs::metadata(path) {
            Ok(meta) => Stamp::Present {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.size(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Stamp::Absent,
            Err(_) => Stamp::Unknown,
        }
    }

    /// True when the file has not changed for [`RACY_WINDOW`] by the system clock (file times
    /// are the system clock's); an absent file is settled, an unknown one never.
    pub fn is_settled(&self, now: SystemTime) -> bool {
        match *self {
            Stamp::Absent => true,
            Stamp::Unknown => false,
            Stamp::Present { mtime_ns, ctime_ns, .. } => {
                let Ok(now) = now.duration_since(SystemTime::UNIX_EPOCH) else { return false };
                let window = RACY_WINDOW.as_nanos() as i128;
                let now = now.as_nanos() as i128;
                now - mtime_ns > window && now - ctime_ns > window
            }
        }
    }

    /// True when both are the same identity (an unknown stamp equals nothing).
    pub fn same(&self, other: &Stamp) -> bool {
        *self != Stamp::Unknown && self == other
    }
}

/// The files a read consulted, each stamped just before it was read (the first stamp of a
/// path consulted twice is kept: if it changed in between, the next lookup sees it), and with
/// a watch set, each watched before it was read.
#[derive(Debug, Default)]
pub struct Recorder {
    stamps: Vec<(PathBuf, Stamp)>,
    watch: Option<Arc<Watch>>,
    /// The watch set's generation when the read started, while every path is watched.
    generation: Option<u64>,
}

impl Recorder {
    /// A recorder that also watches what it is told, with `watch` (None: stamps only).
    pub fn watching(watch: Option<&Arc<Watch>>) -> Self {
        let generation = watch.map(|w| w.generation());
        Recorder { stamps: Vec::new(), watch: watch.cloned(), generation }
    }

    /// Watches (with a watch set) and stamps `path` now, before the caller reads it. A path
    /// whose parent directory was stamped absent needs no stamp of its own: it cannot exist
    /// until the directory does, and then the directory's stamp differs.
    pub fn consult(&mut self, path: &Path) {
        if let (Some(watch), Some(_)) = (&self.watch, self.generation)
            && !watch.watch(path)
        {
            self.generation = None;
        }
        if self.stamps.iter().any(|(p, s)| p == path || (*s == Stamp::Absent && path.parent() == Some(p.as_path()))) {
            return;
        }
        self.stamps.push((path.to_path_buf(), Stamp::of(path)));
    }

    /// The stamps taken, in the order consulted.
    pub fn stamps(&self) -> &[(PathBuf, Stamp)] {
        &self.stamps
    }

    /// True when every file consulted is settled (see [`Stamp::is_settled`]).
    pub fn settled(&self, now: SystemTime) -> bool {
        self.stamps.iter().all(|(_, s)| s.is_settled(now))
    }

    /// What decides, from now on, whether the read is still what the files hold; None when
    /// it cannot be remembered (unwatched, and a file changed within the racy window).
    pub fn finish(self) -> Option<Validity> {
        let settled = self.settled(SystemTime::now());
        match (self.watch, self.generation) {
            (Some(watch), Some(generation)) => Some(Validity::Watched { watch, generation }),
            _ if settled => Some(Validity::Stamped(self.stamps)),
            _ => None,
        }
    }
}

/// Why a remembered read is still valid: the watch set has not moved since it was read, or
/// (without one) every file it consulted still has its stamp.
#[derive(Debug, Clone)]
pub enum Validity {
    /// Every path was watched before it was read, at this generation of the set.
    Watched {
        /// The set.
        watch: Arc<Watch>,
        /// Its generation when the read started.
        generation: u64,
    },
    /// The stamps of every path (all settled).
    Stamped(Vec<(PathBuf, Stamp)>),
}

impl Validity {
    /// True when nothing the read consulted has changed since: one drain of the watch set's
    /// queue, or a `statx` of every path.
    pub fn holds(&self) -> bool {
        match self {
            Validity::Watched { watch, generation } => watch.generation() == *generation,
            Validity::Stamped(stamps) => unchanged(stamps),
        }
    }

    /// [`Validity::holds`] against a generation of `watch` drained at the start of this call
    /// (see [`Drained`]) instead of draining the queue again: several remembered things one
    /// operation consults (the trust store, the head) cost one `read` between them.
    pub fn holds_at(&self, drained: Option<&Drained>) -> bool {
        match (self, drained) {
            (Validity::Watched { watch, generation }, Some(drained)) if Arc::ptr_eq(watch, &drained.watch) => {
                *generation == drained.generation
            }
            _ => self.holds(),
        }
    }
}

/// A watch set's generation, drained once at the start of an operation: everything changed
/// before that moment is in it, so what the operation finds valid at this generation was
/// valid when it started (a change made during the operation shows on the next one, as a
/// change made just after it would).
#[derive(Debug, Clone)]
pub struct Drained {
    watch: Arc<Watch>,
    generation: u64,
}

impl Drained {
    /// Drains `watch` now (None without a watch set).
    pub fn now(watch: Option<&Arc<Watch>>) -> Option<Drained> {
        watch.map(|watch| Drained { generation: watch.generation(), watch: Arc::clone(watch) })
    }
}

/// True when every file still has the stamp it had.
pub fn unchanged(stamps: &[(PathBuf, Stamp)]) -> bool {
    stamps.iter().all(|(path, stamp)| stamp.same(&Stamp::of(path)))
}

struct Entry {
    validity: Validity,
    trust_digest: [u8; 32],
    verified: Arc<Verified>,
    serial: u64,
    derived: Option<Arc<dyn Any + Send + Sync>>,
}

/// A remembered read, as [`ReadCache::lookup_entry`] finds it.
pub struct Hit {
    /// The verified head.
    pub verified: Arc<Verified>,
    /// Which remembered read it is (for [`ReadCache::attach`]).
    pub serial: u64,
    /// What was attached to it.
    pub derived: Option<Arc<dyn Any + Send + Sync>>,
}

/// Verified heads remembered by (client asked for, profile), shared by the clones of a core.
pub struct ReadCache {
    entries: Mutex<HashMap<(ClientId, ProfileId), Entry>>,
    hits: AtomicU64,
    serials: AtomicU64,
    watch: Option<Arc<Watch>>,
}

impl Default for ReadCache {
    fn default() -> Self {
        ReadCache::new(Watch::new().map(Arc::new))
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").field("hits", &self.hits()).finish_non_exhaustive()
    }
}

impl ReadCache {
    /// A read cache with this watch set (None: stamps only, as on systems without inotify).
    pub fn new(watch: Option<Arc<Watch>>) -> Self {
        ReadCache { entries: Mutex::default(), hits: AtomicU64::new(0), serials: AtomicU64::new(0), watch }
    }

    /// The watch set, if there is one.
    pub fn watch(&self) -> Option<&Arc<Watch>> {
        self.watch.as_ref()
    }

    /// A recorder for a read to be remembered here (watching with this cache's set).
    pub fn recorder(&self) -> Recorder {
        Recorder::watching(self.watch.as_ref())
    }

    /// The verified head remembered for this read, if every file it consulted is unchanged,
    /// it was verified under a trust store of this digest, and it has not expired by `now`.
    pub fn lookup(
        &self,
        client: &ClientId,
        profile: &ProfileId,
        trust_digest: &[u8; 32],
        now: jiff::Timestamp,
    ) -> Option<Verified> {
        self.lookup_entry(client, profile, trust_digest, now).map(|hit| (*hit.verified).clone())
    }

    /// [`ReadCache::lookup`], with what was attached to the read.
    pub fn lookup_entry(
        &self,
        client: &ClientId,
        profile: &ProfileId,
        trust_digest: &[u8; 32],
        now: jiff::Timestamp,
    ) -> Option<Hit> {
        self.lookup_entry_at(client, profile, trust_digest, now, None)
    }

    /// [`ReadCache::lookup_entry`] with the watch set drained at the start of the operation
    /// (see [`Drained`]; None: drained now).
    pub fn lookup_entry_at(
        &self,
        client: &ClientId,
        profile: &ProfileId,
        trust_digest: &[u8; 32],
        now: jiff::Timestamp,
        drained: Option<&Drained>,
    ) -> Option<Hit> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(&(client.clone(), profile.clone()))?;
        if entry.trust_digest != *trust_digest
            || entry.verified.statement().expires_at.is_some_and(|expires| now >= expires)
            || !entry.validity.holds_at(drained)
        {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(Hit { verified: Arc::clone(&entry.verified), serial: entry.serial, derived: entry.derived.clone() })
    }

    /// Remembers a verified read under what its recorder saw (see [`Recorder::finish`]);
    /// returns its serial, or None when it could not be remembered.
    pub fn remember(
        &self,
        client: &ClientId,
        profile: &ProfileId,
        trust_digest: [u8; 32],
        recorder: Recorder,
        verified: &Verified,
    ) -> Option<u64> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (client.clone(), profile.clone());
        let Some(validity) = recorder.finish() else {
            entries.remove(&key);
            return None;
        };
        if entries.len() >= LIMIT && !entries.contains_key(&key) {
            entries.clear();
        }
        let serial = self.serials.fetch_add(1, Ordering::Relaxed) + 1;
        let verified = Arc::new(verified.clone());
        entries.insert(key, Entry { validity, trust_digest, verified, serial, derived: None });
        Some(serial)
    }

    /// Attaches `derived` to the remembered read `serial` of (client, profile), if it is still
    /// the one remembered: it is then valid exactly as long as that read.
    pub fn attach(&self, client: &ClientId, profile: &ProfileId, serial: u64, derived: Arc<dyn Any + Send + Sync>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get_mut(&(client.clone(), profile.clone()))
            && entry.serial == serial
        {
            entry.derived = Some(derived);
        }
    }

    /// How many reads were answered from memory (for tests and benchmarks).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    //! Stamps and the recorder on real files; the cache through the core is tested in
    //! `tests/core/readcache.rs`.

    use super::*;

    #[test]
    fn a_stamp_changes_with_an_in_place_rewrite_of_the_same_size_and_with_a_new_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        assert_eq!(Stamp::of(&path), Stamp::Absent);
        std::fs::write(&path, b"aaaa").expect("write");
        let first = Stamp::of(&path);
        assert!(matches!(first, Stamp::Present { size: 4, .. }));
        assert!(first.same(&Stamp::of(&path)));
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"bbbb").expect("rewrite in place");
        assert!(!first.same(&Stamp::of(&path)), "same size, rewritten: the times differ");
        assert!(!Stamp::Unknown.same(&Stamp::Unknown), "an unknown stamp equals nothing");
    }

    #[test]
    fn a_fresh_file_is_not_settled_and_an_old_one_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").expect("write");
        let stamp = Stamp::of(&path);
        assert!(!stamp.is_settled(SystemTime::now()), "changed just now");
        assert!(stamp.is_settled(SystemTime::now() + RACY_WINDOW + Duration::from_millis(10)));
        assert!(!stamp.is_settled(SystemTime::UNIX_EPOCH), "changed in the future: not settled");
        assert!(Stamp::Absent.is_settled(SystemTime::now()));
        assert!(!Stamp::Unknown.is_settled(SystemTime::now()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_validity_judged_at_a_drained_generation_sees_changes_before_it_and_not_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"1").expect("write");
        let watch = Arc::new(Watch::new().expect("inotify"));
        let mut recorder = Recorder::watching(Some(&watch));
        recorder.consult(&path);
        let validity = recorder.finish().expect("watched");
        let drained = Drained::now(Some(&watch));
        assert!(validity.holds_at(drained.as_ref()));
        std::fs::write(&path, b"2").expect("a change after the drain");
        assert!(validity.holds_at(drained.as_ref()), "judged as of the drain");
        assert!(!validity.holds_at(Drained::now(Some(&watch)).as_ref()), "the next drain has it");
        // Another set's generation says nothing about this one: the validity drains its own.
        let other = Arc::new(Watch::new().expect("inotify"));
        let mut fresh = Recorder::watching(Some(&watch));
        fresh.consult(&path);
        let validity = fresh.finish().expect("watched");
        assert!(validity.holds_at(Drained::now(Some(&other)).as_ref()));
        std::fs::write(&path, b"3").expect("change");
        assert!(!validity.holds_at(Drained::now(Some(&other)).as_ref()));
        assert!(Drained::now(None).is_none());
    }

    #[test]
    fn the_recorder_keeps_the_first_stamp_and_skips_children_of_an_absent_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing");
        let mut recorder = Recorder::default();
        recorder.consult(&missing);
        recorder.consult(&missing.join("head.json"));
        let present = dir.path().join("present");
        std::fs::write(&present, b"1").expect("write");
        recorder.consult(&present);
        std::fs::write(&present, b"22").expect("rewrite");
        recorder.consult(&present);
        let stamps = recorder.stamps();
        assert_eq!(stamps.len(), 2, "{stamps:?}");
        assert_eq!(stamps[0], (missing, Stamp::Absent));
        assert!(matches!(stamps[1].1, Stamp::Present { size: 1, .. }), "the first stamp is kept");
        assert!(!unchanged(stamps), "the file changed after its first stamp");
    }
}
