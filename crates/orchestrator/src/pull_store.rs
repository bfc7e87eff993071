//! Storing a pull: already-signed versions fetched from a remote become the next versions of a
//! profile, in batches, with the head and the rollback floor moved once at the end.
//!
//! Each batch is verified whole before a byte of it is written (trusted key, `verify_strict`,
//! payload hash = artifact id, subject, never below the rollback floor, each version one above
//! the one before and naming its id as `previous`, the first naming this home's head), then its
//! objects and envelopes are written with one filesystem sync ([`fsutil::write_new_batch`]).
//! Until the head moves they are envelopes beyond the head that no read serves; a pull killed
//! before that leaves a run of them, which [`registry::repairs`] recognises and removes (the
//! next pull fetches them again). A refusal or a failed fetch removes what this pull wrote, so
//! a refused artifact is never left stored. Memory holds one batch at a time.

use std::path::PathBuf;

use crate::artifact::{self, Expectation};
use crate::canonical::ArtifactId;
use crate::deploy::failpoint::FailPoints;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::registry::{self, FILE_MODE, Head, Seen};
use crate::trust::TrustStore;

/// One version as fetched: its envelope and payload bytes.
pub type Fetched = (Vec<u8>, Vec<u8>);

/// Most versions a pull fetches and stores at once.
pub const BATCH_VERSIONS: usize = 64;

/// Most bytes (envelopes and payloads, as their manifests claim) a pull fetches at once, beyond
/// a first version.
pub const BATCH_BYTES: u64 = 32 * 1024 * 1024;

/// Stores the versions `next_batch` yields, oldest first, as the next versions of a profile
/// (see the module documentation); the last one yielded becomes the head, and must not be
/// expired at `now`. With no local head the first may be any version above the floor (a
/// history that starts there). Returns how many versions were stored. The caller holds the
/// home lock.
#[allow(clippy::too_many_arguments)]
pub fn store_pulled(
    home: &Home,
    lock: &fsutil::LockGuard,
    trust: &TrustStore,
    client: &ClientId,
    profile: &ProfileId,
    next_batch: &mut dyn FnMut() -> Result<Option<Vec<Fetched>>>,
    now: jiff::Timestamp,
    failpoints: &FailPoints,
) -> Result<usize> {
    let found = registry::repairs(home, trust, client, profile)?;
    registry::apply_repairs(home, lock, client, profile, &found)?;
    let current = registry::head(home, client, profile)?;
    let seen = registry::highest_seen(home, client, profile)?;
    let mut run = Run {
        home,
        trust,
        client,
        profile,
        seen,
        chained: current.is_some(),
        at: current.as_ref().map_or(0, |h| h.version),
        previous: current.map(|h| h.artifact_id),
        last: None,
        stored: 0,
        created: Vec::new(),
    };
    match run.write_all(next_batch, now, failpoints) {
        Ok(()) => {}
        Err(e) => {
            run.remove_created();
            return Err(e);
        }
    }
    let (Some(last), stored) = (run.last, run.stored) else { return Ok(0) };
    registry::write_json(&home.head(client, profile), &Head { version: run.at, artifact_id: last })?;
    failpoints.reach("pull-after-head");
    registry::write_json(&home.seen(client, profile), &Seen { highest_version: run.at.max(seen) })?;
    failpoints.reach("pull-after-seen");
    Ok(stored)
}

/// The chain a pull is extending, and what it has written so far.
struct Run<'a> {
    home: &'a Home,
    trust: &'a TrustStore,
    client: &'a ClientId,
    profile: &'a ProfileId,
    /// The rollback floor before the pull.
    seen: u64,
    /// Whether the next version must name `previous` (false only for the first version of a
    /// history new to this home).
    chained: bool,
    /// The version the next must follow.
    at: u64,
    previous: Option<ArtifactId>,
    /// The id of the newest version written.
    last: Option<ArtifactId>,
    stored: usize,
    /// Files this pull created (removed if it fails): objects, envelopes, a first floor.
    created: Vec<PathBuf>,
}

impl Run<'_> {
    fn write_all(
        &mut self,
        next_batch: &mut dyn FnMut() -> Result<Option<Vec<Fetched>>>,
        now: jiff::Timestamp,
        failpoints: &FailPoints,
    ) -> Result<()> {
        let mut newest: Option<Fetched> = None;
        while let Some(batch) = next_batch()? {
            if batch.is_empty() {
                continue;
            }
            self.write_batch(&batch, failpoints)?;
            newest = batch.into_iter().last();
            failpoints.reach("pull-after-batch");
        }
        // The head must not be expired (the versions before it may be: history is old).
        if let Some((envelope, payload)) = &newest {
            let expect = Expectation {
                client_id: self.client.as_str(),
                profile_id: self.profile.as_str(),
                highest_seen: Some(self.seen),
                now: Some(now),
            };
            artifact::verify(envelope, payload, self.trust, &expect)
                .map_err(|source| Error::verify(self.client, self.profile, self.at, source))?;
        }
        Ok(())
    }

    /// Verifies a batch whole, then writes its objects and envelopes.
    fn write_batch(&mut self, batch: &[Fetched], failpoints: &FailPoints) -> Result<()> {
        let (home, client, profile) = (self.home, self.client, self.profile);
        let expect = Expectation {
            client_id: client.as_str(),
            profile_id: profile.as_str(),
            highest_seen: Some(self.seen),
            now: None,
        };
        let mut files: Vec<(PathBuf, &[u8])> = Vec::with_capacity(batch.len() * 2);
        for (envelope, payload) in batch {
            let claimed = self.at + 1;
            let verified = artifact::verify(envelope, payload, self.trust, &expect)
                .map_err(|source| Error::verify(client, profile, claimed, source))?;
            let statement = verified.statement();
            let path = home.envelope(client, profile, statement.version);
            if statement.version <= self.at
                || (self.chained && (statement.version != claimed || statement.previous != self.previous))
            {
                return Err(Error::Corrupt {
                    path,
                    detail: format!(
                        "the fetched version {} does not follow version {} of this home (its `previous` must be the id of version {}): the chain is broken; nothing was stored",
                        statement.version, self.at, self.at
                    ),
                });
            }
            if path.exists() {
                return Err(Error::Corrupt {
                    path,
                    detail: format!(
                        "version {} is already stored beyond the head: see `mcp-orchestration doctor`",
                        statement.version
                    ),
                });
            }
            self.chained = true;
            self.at = statement.version;
            self.previous = Some(verified.id().clone());
            self.last = Some(verified.id().clone());
            files.push((home.object(verified.id()), payload));
            files.push((path, envelope));
        }
        if !home.seen(client, profile).exists() {
            // Marks a first pull under way, so that its envelopes are recognised as unfinished.
            registry::write_json(&home.seen(client, profile), &Seen { highest_version: self.seen })?;
            self.created.push(home.seen(client, profile));
        }
        fsutil::write_new_batch(&files, FILE_MODE, &mut self.created, &|| {
            failpoints.reach("pull-batch-before-rename");
        })?;
        self.stored += batch.len();
        Ok(())
    }

    /// Removes what this pull wrote, newest first (its objects are new, so no other version
    /// names them; its floor marker goes last).
    fn remove_created(&mut self) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for path in self.created.drain(..).rev() {
            if std::fs::remove_file(&path).is_ok()
                && let Some(dir) = path.parent()
                && !dirs.iter().any(|d| d == dir)
            {
                dirs.push(dir.to_path_buf());
            }
        }
        for dir in dirs {
            let _ = fsutil::sync_dir(&dir);
        }
    }
}
