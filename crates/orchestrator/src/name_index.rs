//! The on-disk index of a client's profile names: a cache, never a source of truth.
//!
//! A client's profiles are the names in `heads/<client>/`. A one-shot process that lists a
//! page of them would otherwise read every name of that directory (10,000 entries read from a
//! hashed ext4 directory cost more than the rest of the command). `cache/profile-names/<client>`
//! holds the names sorted, with the [`Stamp`] of `heads/<client>/` they were read under
//! (device, inode, size, mtime and ctime to the nanosecond) and the moment they were read.
//!
//! **When it is used.** Only when the directory's stamp now is the one recorded, *and* the
//! recorded mtime and ctime were more than [`RACY_WINDOW`] older than the moment the names
//! were read (the read cache's rule: two changes within one coarse timestamp tick can leave
//! equal stamps, so a listing read that soon after a change might miss a second one with the
//! same stamp). Every change to the directory (a head created, replaced, renamed or removed,
//! by this program or by hand) moves its mtime and ctime, and ctime cannot be set from user
//! space: an index from another state of the directory is never used. The file ends with the
//! SHA-256 of everything before it, so a truncated or corrupt index is ignored too. The index
//! lives outside the heads directory, so writing it does not change the stamp it records.
//!
//! **Who writes it.** The next listing that finds it missing or stale, when the directory is
//! settled (its last change more than [`RACY_WINDOW`] before the listing started) and is this
//! user's alone: it lists the directory, sorts the names, stamps the directory again (a change
//! during the listing means no index) and writes the index with [`fsutil::write_atomic`]. A
//! failed write (a read-only home) is ignored: the listing has its names. Publish, pull and
//! the repairs do not write it: right after their own change the directory is not settled, so
//! an index they wrote could never be used; the first listing more than 2 s later rebuilds it.
//! No lock is needed: each index is valid only for the stamp it records, so two processes
//! writing one at once (each atomically) at worst leave one the other must rebuild.

use std::time::SystemTime;

use crate::canonical::ContentId;
use crate::error::Result;
use crate::fsutil::{self, Access};
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::readcache::{RACY_WINDOW, Stamp};
use crate::registry;

/// The first line of every index file (the format's version).
const MAGIC: &str = "mcp-orchestration profile names 1";

/// The trailer: `sha256 ` and 64 hex digits of everything before it, and a newline.
const TRAILER_PREFIX: &str = "sha256 ";
const TRAILER_LEN: usize = TRAILER_PREFIX.len() + 64 + 1;

/// A client's profile names, as a listing gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// From a valid index.
    Index,
    /// From the directory; the index was written for this state.
    Rebuilt,
    /// From the directory; no index written (the directory was not settled, not this user's
    /// alone, changed during the listing, or the write failed).
    Directory,
}

/// A valid index: its names (one per line, sorted, each a profile id).
#[derive(Debug)]
struct Index {
    /// The name lines, each ending in a newline.
    names: String,
    count: usize,
}

impl Index {
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.names.split_terminator('\n')
    }

    /// Up to `limit` names after `after` and whether more follow; None when a name is not a
    /// profile id (an index this program did not write).
    fn page(&self, after: Option<&str>, limit: usize) -> Option<(Vec<ProfileId>, bool)> {
        let mut rest = self.lines().skip_while(|name| after.is_some_and(|after| *name <= after));
        let mut out = Vec::with_capacity(limit.min(self.count));
        for name in rest.by_ref().take(limit) {
            out.push(ProfileId::parse(name).ok()?);
        }
        Some((out, rest.next().is_some()))
    }

    fn all(&self) -> Option<Vec<ProfileId>> {
        self.page(None, usize::MAX).map(|(names, _)| names)
    }
}

/// Nanoseconds since the epoch (0 before it: such a clock makes nothing settled).
fn epoch_ns(at: SystemTime) -> i128 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

/// The bytes of an index of `names` (sorted, as listed) read from a directory of stamp
/// `stamp` at `read_at`. Public for tests that forge indexes; the listing writes its own.
pub fn encode(stamp: &Stamp, read_at: SystemTime, names: &[ProfileId]) -> Vec<u8> {
    let Stamp::Present { dev, ino, size, mtime_ns, ctime_ns } = *stamp else { return Vec::new() };
    let mut out = String::with_capacity(128 + names.iter().map(|n| n.as_str().len() + 1).sum::<usize>());
    out.push_str(MAGIC);
    out.push('\n');
    out.push_str(&format!(
        "stamp {dev} {ino} {size} {mtime_ns} {ctime_ns}\nread {}\ncount {}\n",
        epoch_ns(read_at),
        names.len()
    ));
    for name in names {
        out.push_str(name.as_str());
        out.push('\n');
    }
    let hash = ContentId::of(out.as_bytes());
    out.push_str(TRAILER_PREFIX);
    out.push_str(hash.hex());
    out.push('\n');
    out.into_bytes()
}

/// Parses an index and returns it when it is whole and valid for a directory of stamp
/// `current` (see the module documentation); None otherwise.
fn parse(bytes: &[u8], current: &Stamp) -> Option<Index> {
    let Stamp::Present { dev, ino, size, mtime_ns, ctime_ns } = *current else { return None };
    let body_len = bytes.len().checked_sub(TRAILER_LEN)?;
    let (body, trailer) = bytes.split_at(body_len);
    let digest = std::str::from_utf8(trailer).ok()?.strip_prefix(TRAILER_PREFIX)?.strip_suffix('\n')?;
    if ContentId::of(body).hex() != digest {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let mut lines = text.splitn(5, '\n');
    let numbers = |line: Option<&str>, key: &str| -> Option<Vec<i128>> {
        line?.strip_prefix(key)?.strip_prefix(' ')?.split(' ').map(|n| n.parse().ok()).collect()
    };
    if lines.next()? != MAGIC {
        return None;
    }
    let stamp = numbers(lines.next(), "stamp")?;
    let read_at = numbers(lines.next(), "read")?;
    let count = numbers(lines.next(), "count")?;
    let names = lines.next().unwrap_or_default();
    let expected = [i128::from(dev), i128::from(ino), i128::from(size), mtime_ns, ctime_ns];
    let [read_at] = read_at[..] else { return None };
    let [count] = count[..] else { return None };
    let count = usize::try_from(count).ok()?;
    let settled_when_read =
        read_at - mtime_ns > RACY_WINDOW.as_nanos() as i128 && read_at - ctime_ns > RACY_WINDOW.as_nanos() as i128;
    if stamp != expected || !settled_when_read || names.split_terminator('\n').count() != count {
        return None;
    }
    if !names.is_empty() && !names.ends_with('\n') {
        return None;
    }
    Some(Index { names: names.to_owned(), count })
}

/// The index of `client` if there is one valid for a directory of stamp `current`.
fn lookup(home: &Home, client: &ClientId, current: &Stamp) -> Option<Index> {
    if !matches!(current, Stamp::Present { .. }) {
        return None;
    }
    // An index another user could have written is not read (the cache directory is ours).
    let bytes = fsutil::read_checked(&home.name_index(client), "profile name index", Access::Shared).ok()??;
    parse(&bytes, current)
}

/// Lists `heads/<client>/` whole and sorted, and writes the index for it when that is sound
/// (see the module documentation). `stamp` was taken and `started` read before this call.
fn rebuild(home: &Home, client: &ClientId, stamp: &Stamp, started: SystemTime) -> Result<(Vec<ProfileId>, Source)> {
    let names = registry::profiles(home, client)?;
    let dir = home.heads_dir(client);
    let sound = stamp.is_settled(started)
        && matches!(stamp, Stamp::Present { .. })
        && Stamp::of(&dir) == *stamp
        && matches!(fsutil::check_dir(&dir, "heads directory"), Ok(true));
    let written = sound
        && fsutil::write_atomic(&home.name_index(client), &encode(stamp, started, &names), registry::FILE_MODE).is_ok();
    Ok((names, if written { Source::Rebuilt } else { Source::Directory }))
}

/// Every profile name of `client`, sorted: from the index when it is valid for `stamp` (the
/// stamp of `heads/<client>/` taken by the caller just before), else from the directory (and
/// the index rewritten when that is sound). `now` is the moment the listing starts.
pub fn all(home: &Home, client: &ClientId, stamp: &Stamp, now: SystemTime) -> Result<(Vec<ProfileId>, Source)> {
    if let Some(names) = lookup(home, client, stamp).and_then(|index| index.all()) {
        return Ok((names, Source::Index));
    }
    rebuild(home, client, stamp, now)
}

/// Up to `limit` profile names of `client` after `after` (sorted), whether more follow, and
/// where they came from. As [`all`], except that when no index can be written (the directory
/// changed less than [`RACY_WINDOW`] ago) the page is selected in one pass over the directory
/// without sorting every name ([`registry::profiles_after`]).
pub fn page(
    home: &Home,
    client: &ClientId,
    stamp: &Stamp,
    now: SystemTime,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<ProfileId>, bool, Source)> {
    if let Some((names, more)) = lookup(home, client, stamp).and_then(|index| index.page(after, limit)) {
        return Ok((names, more, Source::Index));
    }
    if !stamp.is_settled(now) || !matches!(stamp, Stamp::Present { .. }) {
        let (names, more) = registry::profiles_after(home, client, after, limit)?;
        return Ok((names, more, Source::Directory));
    }
    let (names, source) = rebuild(home, client, stamp, now)?;
    let (slice, more) = crate::page::slice(names.as_slice(), after, limit, ProfileId::as_str);
    Ok((slice.to_vec(), more, source))
}
