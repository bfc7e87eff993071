//! The store and registry: content-addressed payload objects, written-once envelopes per
//! version, heads with strictly increasing versions, and the highest version ever seen per
//! profile. Readers never take the lock (every file is replaced atomically); writers do.
//!
//! A publish writes the object, the envelope, the head, then the rollback floor, so that a
//! crash at any instant leaves a state every read accepts: at worst an envelope beyond the
//! head that no read ever served (an orphan), or a floor below the head. [`repairs`] finds
//! both and [`apply_repairs`] fixes them; every publish does so first (see ARCHITECTURE.md).

use std::fs;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::artifact::{self, Expectation, Statement, Verified};
use crate::canonical::{ArtifactId, Canonical, ContentId};
use crate::crypto::{self, KeyPair};
use crate::deploy::failpoint::FailPoints;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::trust::TrustStore;

pub(crate) const FILE_MODE: u32 = 0o600;

/// A profile's head: its newest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The newest version number.
    pub version: u64,
    /// Its artifact id.
    pub artifact_id: ArtifactId,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Seen {
    pub(crate) highest_version: u64,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &std::path::Path) -> Result<Option<T>> {
    match fsutil::read_optional(path)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() }),
    }
}

pub(crate) fn write_json<T: Serialize>(path: &std::path::Path, value: &T) -> Result<()> {
    // Heads and seen records are plain integers and ids: serializing them cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    Ok(fsutil::write_atomic(path, &bytes, FILE_MODE)?)
}

/// The head of a profile, if it has been published. Its directory is checked first (this
/// user's or root's, not writable by group or others): a head forged by another user is never read.
pub fn head(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<Option<Head>> {
    check_heads_dir(home, client)?;
    read_head(home, client, profile)
}

/// [`head`], telling `consult` each path just before it is read (the read cache stamps them,
/// see [`crate::readcache::Recorder`]).
pub(crate) fn head_consulting(
    home: &Home,
    client: &ClientId,
    profile: &ProfileId,
    consult: &mut dyn FnMut(&std::path::Path),
) -> Result<Option<Head>> {
    let dir = home.heads_dir(client);
    consult(&dir);
    fsutil::check_dir(&dir, "heads directory")?;
    let path = home.head(client, profile);
    consult(&path);
    read_json(&path)
}

/// Checks a client's heads directory (see [`head`]).
pub(crate) fn check_heads_dir(home: &Home, client: &ClientId) -> Result<()> {
    fsutil::check_dir(&home.heads_dir(client), "heads directory")?;
    Ok(())
}

/// [`head`] without the directory check, for a caller that made it already (a page of heads
/// checks their directory once).
pub(crate) fn read_head(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<Option<Head>> {
    read_json(&home.head(client, profile))
}

/// Checks a profile's history directory before anything in it is read (see [`head`]).
fn check_history_dir(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<()> {
    fsutil::check_dir(&home.history_dir(client, profile), "history directory")?;
    Ok(())
}

/// The highest version this home has seen for a profile (0 if none).
pub fn highest_seen(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<u64> {
    Ok(read_json::<Seen>(&home.seen(client, profile))?.map_or(0, |s| s.highest_version))
}

/// The profiles of a client that have a head, sorted.
pub fn profiles(home: &Home, client: &ClientId) -> Result<Vec<ProfileId>> {
    let mut out: Vec<ProfileId> = fsutil::list_dir(&home.heads_dir(client))?
        .iter()
        .filter_map(|name| name.strip_suffix(".json"))
        .filter_map(|name| ProfileId::parse(name).ok())
        .collect();
    out.sort();
    Ok(out)
}

/// The first `limit` profiles of a client (sorted) whose names come after `after`, and whether
/// more follow: [`profiles`] of one page, from one pass over `heads/<client>/` that keeps only
/// the `limit + 1` smallest names (a bounded heap) instead of sorting every name.
pub fn profiles_after(
    home: &Home,
    client: &ClientId,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<ProfileId>, bool)> {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = home.heads_dir(client);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
        Err(e) => return Err(fsutil::FsError::new("cannot list", &dir, e).into()),
    };
    let keep = limit.saturating_add(1);
    let mut smallest = std::collections::BinaryHeap::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(name) = file_name.as_bytes().strip_suffix(b".json").and_then(|n| std::str::from_utf8(n).ok()) else {
            continue;
        };
        if after.is_some_and(|after| name <= after)
            || (smallest.len() == keep && smallest.peek().is_some_and(|max: &ProfileId| name >= max.as_str()))
        {
            continue;
        }
        let Ok(profile) = ProfileId::parse(name) else { continue };
        smallest.push(profile);
        if smallest.len() > keep {
            smallest.pop();
        }
    }
    let mut names = smallest.into_sorted_vec();
    let more = names.len() > limit;
    names.truncate(limit);
    Ok((names, more))
}

/// What a new version carries besides its payload.
#[derive(Debug, Clone, Default)]
pub struct PublishRequest {
    /// Free-form metadata, signed with the statement.
    pub metadata: Map<String, Value>,
    /// When the version stops being accepted.
    pub expires_at: Option<jiff::Timestamp>,
    /// Test-only pause points between the writes (`publish-after-…`).
    pub failpoints: FailPoints,
}

/// A state a crash (or an older release) can leave in a profile's store that is safe to
/// repair without losing anything a read ever served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "repair", rename_all = "snake_case")]
pub enum Repair {
    /// An envelope beyond the head that neither the head nor the rollback floor ever reached:
    /// a publish killed after writing it, or a pull killed before moving the head (a run of
    /// them, one repair each). Each of the run verifies under the trust store and names the one
    /// before it (the first, the head) as `previous`. No read served it as the head; it is
    /// removed (the next publish or pull takes its number).
    DropOrphan {
        /// Its version.
        version: u64,
    },
    /// The rollback floor below the head (a publish killed after moving the head): raised to it.
    RaiseFloor {
        /// The floor found.
        from: u64,
        /// The head's version.
        to: u64,
    },
    /// The rollback floor one version above the head, that version stored, verified and chained
    /// on the head (left by releases that moved the floor before the head): the head moves to
    /// it, since reads already refuse anything below the floor.
    AdoptFloor {
        /// The floor's version.
        version: u64,
    },
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::DropOrphan { version } => {
                write!(f, "version {version} was written by a publish that did not finish (never the head): remove it")
            }
            Repair::RaiseFloor { from, to } => {
                write!(f, "the rollback floor ({from}) is below the head ({to}): raise it to {to}")
            }
            Repair::AdoptFloor { version } => write!(
                f,
                "the head is below the rollback floor and version {version} is stored and verifies: make it the head"
            ),
        }
    }
}

/// Verifies a stored version as the successor of `previous` (trusted signature, this profile,
/// its own version number, `previous` that id, unless `any_previous`); its id, or `None` on
/// any failure.
fn chains_on(
    home: &Home,
    trust: &TrustStore,
    (client, profile): (&ClientId, &ProfileId),
    version: u64,
    previous: Option<&ArtifactId>,
    any_previous: bool,
) -> Option<ArtifactId> {
    let (envelope, payload) = load_bytes(home, client, profile, version, None).ok()?;
    let verified = verify_version(&envelope, &payload, trust, client, profile, version, None, None).ok()?;
    let statement = verified.statement();
    (statement.version == version && (any_previous || statement.previous.as_ref() == previous))
        .then(|| verified.id().clone())
}

/// The run of envelopes beyond the head that a publish or a pull killed before moving the head
/// left: consecutive versions from the one after the head, each verifying and naming the one
/// before as `previous` (the first, the head). Without a head (a first publish or pull under
/// way) the run starts at the lowest stored version, whose `previous` may be anything (a
/// pulled history may start at any version). Empty unless the whole run, up to the first
/// missing version, qualifies, and no version is stored after that gap: anything else is not
/// a crash's leftover and stays.
fn orphan_run(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    current: Option<&Head>,
) -> Result<Vec<u64>> {
    let start = match current {
        Some(head) => head.version + 1,
        None if home.envelope(client, profile, 1).exists() => 1,
        None if !home.history_dir(client, profile).is_dir() => return Ok(Vec::new()),
        None => match versions(home, client, profile)?.first() {
            Some(first) => *first,
            None => return Ok(Vec::new()),
        },
    };
    let mut previous = current.map(|h| h.artifact_id.clone());
    let mut run = Vec::new();
    let mut version = start;
    while home.envelope(client, profile, version).exists() {
        let any_previous = current.is_none() && run.is_empty();
        let Some(id) = chains_on(home, trust, (client, profile), version, previous.as_ref(), any_previous) else {
            return Ok(Vec::new());
        };
        previous = Some(id);
        run.push(version);
        version += 1;
    }
    // A run of more than one: make sure nothing lies beyond its end (a gap then more history).
    if run.len() > 1 && versions(home, client, profile)?.last().is_some_and(|last| *last >= version) {
        return Ok(Vec::new());
    }
    Ok(run)
}

/// The repairs a profile's store needs after a crash (see [`Repair`]); none for a sound one.
/// A version beyond the head that does not verify, or does not chain on the head, is never a
/// repair: it stays, and publishing refuses until it is looked at.
pub fn repairs(home: &Home, trust: &TrustStore, client: &ClientId, profile: &ProfileId) -> Result<Vec<Repair>> {
    let current = head(home, client, profile)?;
    let seen = highest_seen(home, client, profile)?;
    let at = current.as_ref().map_or(0, |h| h.version);
    let mut out = Vec::new();
    if seen > at {
        if seen == at + 1
            && chains_on(home, trust, (client, profile), seen, current.as_ref().map(|h| &h.artifact_id), false)
                .is_some()
        {
            out.push(Repair::AdoptFloor { version: seen });
        }
        return Ok(out);
    }
    if seen < at {
        out.push(Repair::RaiseFloor { from: seen, to: at });
    }
    // A first publish or pull writes its floor (0) before any envelope: without that file,
    // versions beyond a missing head are a lost head, not an unfinished write. With a head, a
    // cheap look at the version after it comes first (the usual case: nothing there).
    if home.seen(client, profile).exists() && (current.is_none() || home.envelope(client, profile, at + 1).exists()) {
        let run = orphan_run(home, trust, client, profile, current.as_ref())?;
        // Newest first, so that a crash while removing them leaves a shorter run.
        out.extend(run.into_iter().rev().map(|version| Repair::DropOrphan { version }));
    }
    Ok(out)
}

/// Applies repairs found by [`repairs`] (the caller holds the home lock).
pub fn apply_repairs(
    home: &Home,
    _lock: &fsutil::LockGuard,
    client: &ClientId,
    profile: &ProfileId,
    repairs: &[Repair],
) -> Result<()> {
    for repair in repairs {
        match repair {
            Repair::DropOrphan { version } => {
                let path = home.envelope(client, profile, *version);
                fs::remove_file(&path).map_err(|e| fsutil::FsError::new("cannot remove", &path, e))?;
                fsutil::sync_dir(&home.history_dir(client, profile))?;
            }
            Repair::RaiseFloor { to, .. } => write_json(&home.seen(client, profile), &Seen { highest_version: *to })?,
            Repair::AdoptFloor { version } => {
                let envelope = fsutil::read(&home.envelope(client, profile, *version))?;
                let artifact_id = statement_id(&envelope).ok_or_else(|| Error::Corrupt {
                    path: home.envelope(client, profile, *version),
                    detail: "no artifact id in the envelope".into(),
                })?;
                write_json(&home.head(client, profile), &Head { version: *version, artifact_id })?;
            }
        }
    }
    Ok(())
}

/// Publishes `payload` as the next version of a profile and returns it verified (the bytes
/// written are verified before they are stored). The caller holds the home lock.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    home: &Home,
    lock: &fsutil::LockGuard,
    key: &KeyPair,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    payload: &Canonical,
    request: PublishRequest,
    now: jiff::Timestamp,
) -> Result<Verified> {
    let found = repairs(home, trust, client, profile)?;
    apply_repairs(home, lock, client, profile, &found)?;
    let current = head(home, client, profile)?;
    let seen = highest_seen(home, client, profile)?;
    let version = current.as_ref().map_or(0, |h| h.version).max(seen) + 1;
    let failpoints = request.failpoints;
    let statement = Statement {
        statement_type: crypto::STATEMENT_TYPE.to_owned(),
        artifact_id: payload.id().clone(),
        client_id: client.as_str().to_owned(),
        profile_id: profile.as_str().to_owned(),
        version,
        previous: current.map(|h| h.artifact_id),
        created_at: now,
        expires_at: request.expires_at,
        metadata: request.metadata,
    };
    let envelope = artifact::seal(&statement, key);
    let verified = artifact::verify(
        &envelope,
        payload.bytes(),
        trust,
        &Expectation { client_id: client.as_str(), profile_id: profile.as_str(), highest_seen: Some(seen), now: None },
    )
    .map_err(|source| Error::verify(client, profile, version, source))?;
    let envelope_path = home.envelope(client, profile, version);
    if envelope_path.exists() {
        // History is written once: a version file beyond the head and the rollback floor that
        // is not a publish's orphan (see `repairs`) means they were lost or edited, or it was
        // signed by a key no longer trusted. Refuse rather than overwrite a signed version.
        return Err(Error::Corrupt {
            path: envelope_path,
            detail: format!(
                "version {version} exists although the head and the rollback floor are below it, and it is not an unfinished publish signed by a trusted key: restore heads/ and seen/, or move the file away (see `mcp-orchestration doctor`)"
            ),
        });
    }
    fsutil::write_once(&home.object(payload.id()), payload.bytes(), FILE_MODE)?;
    if !home.seen(client, profile).exists() {
        // Marks a first publish under way, so that its envelope is recognised as unfinished.
        write_json(&home.seen(client, profile), &Seen { highest_version: seen })?;
    }
    failpoints.reach("publish-after-object");
    fsutil::write_atomic(&envelope_path, &envelope, FILE_MODE)?;
    failpoints.reach("publish-after-envelope");
    write_json(&home.head(client, profile), &Head { version, artifact_id: payload.id().clone() })?;
    failpoints.reach("publish-after-head");
    write_json(&home.seen(client, profile), &Seen { highest_version: version })?;
    failpoints.reach("publish-after-seen");
    Ok(verified)
}

/// Loads one version's stored bytes: (envelope, payload).
fn load_bytes(
    home: &Home,
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
    artifact_id: Option<&ArtifactId>,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let envelope_path = home.envelope(client, profile, version);
    let envelope = fsutil::read(&envelope_path).map_err(|e| missing_or(e, client, profile))?;
    let id = match artifact_id {
        Some(id) => id.clone(),
        None => statement_id(&envelope).ok_or_else(|| Error::Corrupt {
            path: envelope_path.clone(),
            detail: "no artifact id in the envelope".into(),
        })?,
    };
    let payload = fsutil::read(&home.object(&id))?;
    Ok((envelope, payload))
}

fn missing_or(e: fsutil::FsError, client: &ClientId, profile: &ProfileId) -> Error {
    if e.is_not_found() {
        Error::ProfileNotFound { client: client.to_string(), profile: profile.to_string() }
    } else {
        e.into()
    }
}

/// The artifact id an envelope names, read without trusting it (to find the payload object;
/// verification then checks everything).
fn statement_id(envelope: &[u8]) -> Option<ArtifactId> {
    // Only the id is read: the rest is skipped, not built (verification parses it all).
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        statement: StatementId<'a>,
    }
    #[derive(Deserialize)]
    struct StatementId<'a> {
        #[serde(borrow)]
        artifact_id: std::borrow::Cow<'a, str>,
    }
    let envelope: Envelope<'_> = serde_json::from_slice(envelope).ok()?;
    ContentId::parse(&envelope.statement.artifact_id).ok()
}

/// Loads and verifies the head of a profile: hash, signature, trust, subject, rollback and
/// expiry are all checked before anything is returned.
pub fn load_head(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    now: jiff::Timestamp,
) -> Result<Verified> {
    load_head_cached(home, trust, client, profile, now, &crate::sigcache::HomeSignatureCache::new(home))
}

/// [`load_head`] with a given signature cache (a long-running process keeps one in memory in
/// front of the home's, see [`crate::sigcache::MemoryFirst`]).
pub fn load_head_cached(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    now: jiff::Timestamp,
    cache: &dyn artifact::SignatureCache,
) -> Result<Verified> {
    load_head_consulting(home, trust, client, profile, now, cache, &mut |_| {})
}

/// [`load_head_cached`], telling `consult` each path just before it is read: the heads
/// directory, the head, the rollback floor, the history directory, the envelope and the
/// payload object (the read cache stamps them, see [`crate::readcache`]).
pub(crate) fn load_head_consulting(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    now: jiff::Timestamp,
    cache: &dyn artifact::SignatureCache,
    consult: &mut dyn FnMut(&std::path::Path),
) -> Result<Verified> {
    let head = head_consulting(home, client, profile, consult)?
        .ok_or_else(|| Error::ProfileNotFound { client: client.to_string(), profile: profile.to_string() })?;
    let seen_path = home.seen(client, profile);
    consult(&seen_path);
    let seen = read_json::<Seen>(&seen_path)?.map_or(0, |s| s.highest_version);
    let history_dir = home.history_dir(client, profile);
    consult(&history_dir);
    fsutil::check_dir(&history_dir, "history directory")?;
    consult(&home.envelope(client, profile, head.version));
    consult(&home.object(&head.artifact_id));
    let (envelope, payload) = load_bytes(home, client, profile, head.version, Some(&head.artifact_id))?;
    let expect = Expectation {
        client_id: client.as_str(),
        profile_id: profile.as_str(),
        highest_seen: Some(seen),
        now: Some(now),
    };
    let verified = artifact::verify_cached(&envelope, &payload, trust, &expect, cache)
        .map_err(|source| Error::verify(client, profile, head.version, source))?;
    if verified.statement().version != head.version {
        return Err(Error::Corrupt {
            path: home.head(client, profile),
            detail: format!(
                "the head names version {} but its envelope is version {}",
                head.version,
                verified.statement().version
            ),
        });
    }
    Ok(verified)
}

#[allow(clippy::too_many_arguments)]
fn verify_version(
    envelope: &[u8],
    payload: &[u8],
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
    highest_seen: Option<u64>,
    now: Option<jiff::Timestamp>,
) -> Result<Verified> {
    artifact::verify(
        envelope,
        payload,
        trust,
        &Expectation { client_id: client.as_str(), profile_id: profile.as_str(), highest_seen, now },
    )
    .map_err(|source| Error::verify(client, profile, version, source))
}

/// The stored versions of a profile, oldest first.
pub fn versions(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<Vec<u64>> {
    check_history_dir(home, client, profile)?;
    let mut out: Vec<u64> = fsutil::list_dir(&home.history_dir(client, profile))?
        .iter()
        .filter_map(|name| name.strip_suffix(".json")?.parse().ok())
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// One entry of a profile's history: the version and its verification outcome.
#[derive(Debug)]
pub struct HistoryEntry {
    /// The version number (from the file name).
    pub version: u64,
    /// The verified artifact, or why it failed (hash, signature, trust, subject, chain).
    pub artifact: Result<Verified>,
}

/// Verifies every stored version of a profile (no rollback or expiry check: history is old by
/// nature) and checks the hash chain: each version's `previous` is the id of the one before.
pub fn history(home: &Home, trust: &TrustStore, client: &ClientId, profile: &ProfileId) -> Result<Vec<HistoryEntry>> {
    Ok(history_of(home, trust, client, profile, &versions(home, client, profile)?, None))
}

/// [`history`] of some consecutive stored versions (a page): `before` is the stored version
/// right before the first of them, verified again so that the first one's chain link is checked
/// as [`history`] checks it. The cost is that of the versions given, not of the whole history.
pub fn history_of(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    versions: &[u64],
    before: Option<u64>,
) -> Vec<HistoryEntry> {
    history_with_head(home, trust, client, profile, versions, before, None)
}

/// The freshness checks [`history_with_head`] runs on the head's entry: the head, the rollback
/// floor and now.
#[derive(Debug, Clone)]
pub struct HeadCheck {
    /// The head as its file names it.
    pub head: Head,
    /// The highest version seen (the rollback floor).
    pub highest_seen: u64,
    /// Expiry is checked against this instant.
    pub now: jiff::Timestamp,
}

/// [`history_of`], where the head's entry is also checked as [`load_head`] checks it (rollback,
/// expiry, the head's artifact id) in the same verification: one pass for `verify --all`,
/// without a signature cache. A head that fails only freshness still links the chain for the
/// versions after it, as in [`history`].
#[allow(clippy::too_many_arguments)]
pub fn history_with_head(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    versions: &[u64],
    before: Option<u64>,
    head: Option<&HeadCheck>,
) -> Vec<HistoryEntry> {
    let verify_one = |version: u64, seen: Option<u64>, now: Option<jiff::Timestamp>| {
        verify_stored(home, trust, client, profile, version, seen, now)
    };
    chain_pass(home, (client, profile), versions, before, head, verify_one)
        .into_iter()
        .map(|(version, artifact)| HistoryEntry { version, artifact })
        .collect()
}

/// One stored version read by path and verified (no chain check): what every history read
/// does for each version, and what `verify --all` falls back to for a version its own reads
/// did not pass, so that every refusal is this one's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_stored(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
    highest_seen: Option<u64>,
    now: Option<jiff::Timestamp>,
) -> Result<Verified> {
    load_bytes(home, client, profile, version, None)
        .and_then(|(env, payload)| verify_version(&env, &payload, trust, client, profile, version, highest_seen, now))
}

/// What the chain checks of a history pass read of a verified version: a [`Verified`]
/// artifact, or what `verify --all` keeps of one ([`artifact::Checked`]).
pub(crate) trait Linked {
    /// The artifact id.
    fn artifact_id(&self) -> &ArtifactId;
    /// The version, as signed.
    fn signed_version(&self) -> u64;
    /// The version before's artifact id, as signed.
    fn signed_previous(&self) -> Option<&ArtifactId>;
}

impl Linked for Verified {
    fn artifact_id(&self) -> &ArtifactId {
        self.id()
    }
    fn signed_version(&self) -> u64 {
        self.statement().version
    }
    fn signed_previous(&self) -> Option<&ArtifactId> {
        self.statement().previous.as_ref()
    }
}

impl Linked for artifact::Checked {
    fn artifact_id(&self) -> &ArtifactId {
        &self.artifact_id
    }
    fn signed_version(&self) -> u64 {
        self.version
    }
    fn signed_previous(&self) -> Option<&ArtifactId> {
        self.previous.as_ref()
    }
}

/// The pass of [`history_with_head`] over versions that `verify_one` reads and verifies
/// (given the rollback floor and the time for the head's entry, `None` for the others): each
/// version's chain link is checked, the head's entry also for rollback, expiry and the head's
/// artifact id.
pub(crate) fn chain_pass<T: Linked>(
    home: &Home,
    (client, profile): (&ClientId, &ProfileId),
    versions: &[u64],
    before: Option<u64>,
    head: Option<&HeadCheck>,
    mut verify_one: impl FnMut(u64, Option<u64>, Option<jiff::Timestamp>) -> Result<T>,
) -> Vec<(u64, Result<T>)> {
    let mut previous: Option<ArtifactId> =
        before.and_then(|v| verify_one(v, None, None).ok()).map(|v| v.artifact_id().clone());
    let mut out = Vec::with_capacity(versions.len());
    for &version in versions {
        let check = head.filter(|h| h.head.version == version);
        let artifact = match check {
            None => {
                verify_one(version, None, None).and_then(|v| check_link(home, client, profile, version, &previous, v))
            }
            Some(h) => verify_one(version, Some(h.highest_seen), Some(h.now))
                .and_then(|v| check_link(home, client, profile, version, &previous, v))
                .and_then(|v| {
                    if *v.artifact_id() == h.head.artifact_id {
                        Ok(v)
                    } else {
                        Err(Error::Corrupt {
                            path: home.head(client, profile),
                            detail: format!(
                                "the head names {} but version {version}'s envelope names {}",
                                h.head.artifact_id,
                                v.artifact_id()
                            ),
                        })
                    }
                }),
        };
        previous = match (&artifact, check) {
            (Ok(v), _) => Some(v.artifact_id().clone()),
            // A head refused for freshness alone still verifies as history: it links the next.
            (Err(Error::Verify { source, .. }), Some(_)) if source.kind() == artifact::FailureKind::Freshness => {
                verify_one(version, None, None)
                    .and_then(|v| check_link(home, client, profile, version, &previous, v))
                    .ok()
                    .map(|v| v.artifact_id().clone())
            }
            (Err(_), _) => None,
        };
        out.push((version, artifact));
    }
    out
}

fn check_link<T: Linked>(
    home: &Home,
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
    previous: &Option<ArtifactId>,
    verified: T,
) -> Result<T> {
    let path = home.envelope(client, profile, version);
    if verified.signed_version() != version {
        return Err(Error::Corrupt { path, detail: format!("holds version {}", verified.signed_version()) });
    }
    if version > 1 && previous.is_some() && verified.signed_previous() != previous.as_ref() {
        return Err(Error::Corrupt {
            path,
            detail: "its `previous` is not the id of the version before: the history chain is broken".into(),
        });
    }
    Ok(verified)
}

/// Every (client, profile, version) whose envelope names `artifact_id`.
pub fn find_artifact(home: &Home, artifact_id: &ArtifactId) -> Result<Vec<(ClientId, ProfileId, u64)>> {
    let mut out = Vec::new();
    for (client, profile) in all_profiles(home)? {
        for version in versions(home, &client, &profile)? {
            let bytes = fsutil::read(&home.envelope(&client, &profile, version))?;
            if statement_id(&bytes).as_ref() == Some(artifact_id) {
                out.push((client.clone(), profile.clone(), version));
            }
        }
    }
    Ok(out)
}

/// Every (client, profile) with a history, sorted: the shared profiles (`_shared`) first.
pub fn all_profiles(home: &Home) -> Result<Vec<(ClientId, ProfileId)>> {
    let mut out = Vec::new();
    let subjects =
        std::iter::once(ClientId::shared()).chain(dialects::all().iter().filter_map(|i| ClientId::parse(i.id).ok()));
    for client in subjects {
        let dir = home.history_root().join(client.as_str());
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        names.sort();
        out.extend(names.iter().filter_map(|n| ProfileId::parse(n).ok()).map(|p| (client.clone(), p)));
    }
    Ok(out)
}

/// Loads and verifies one version (for `get --version` and lookups by id): no rollback
/// check, but expiry is checked.
pub fn load_version(
    home: &Home,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
    now: Option<jiff::Timestamp>,
) -> Result<Verified> {
    check_history_dir(home, client, profile)?;
    let (envelope, payload) = load_bytes(home, client, profile, version, None)?;
    verify_version(&envelope, &payload, trust, client, profile, version, None, now)
}
