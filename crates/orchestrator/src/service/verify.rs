//! `verify`: every stored version of every profile (or those of one artifact id), verified in
//! full (hash, signature, trust, chain; heads also for rollback and expiry), spread over every
//! core with the outcomes kept in profile order.
//!
//! Each worker reads through a [`Reader`]: `objects/` and each profile's history directory
//! opened once, every file read relative to them into reused buffers, and checked by
//! [`artifact::check`] (every check of [`artifact::verify`], nothing built that would be
//! dropped). A version whose files it cannot read that way is verified by the common read
//! (`registry::verify_stored`), so every refusal is reported exactly as `history` reports it.

use std::fmt::Write as _;
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};

use serde_json::{Map, json};

use super::{Orchestrator, VerifyOutcome};
use crate::artifact::{self, Checked, Expectation};
use crate::canonical::ContentId;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::trust::TrustStore;

/// What one worker reuses from one version to the next.
struct Reader {
    /// `objects/`, opened once (`None` if it could not be: every version then takes the
    /// common read, which reports why).
    objects: Option<OwnedFd>,
    /// The name of the file being opened.
    name: String,
    envelope: Vec<u8>,
    payload: Vec<u8>,
    scratch: artifact::Scratch,
}

impl Reader {
    fn new(home: &Home) -> Self {
        Reader {
            objects: fsutil::open_dir(&home.objects_dir()).ok(),
            name: String::with_capacity(80),
            envelope: Vec::with_capacity(8 * 1024),
            payload: Vec::with_capacity(8 * 1024),
            scratch: artifact::Scratch::default(),
        }
    }

    /// One stored version read and verified as `registry::verify_stored` does it, through the
    /// opened directories where it can.
    #[allow(clippy::too_many_arguments)]
    fn verified(
        &mut self,
        home: &Home,
        trust: &TrustStore,
        (client, profile): (&ClientId, &ProfileId),
        history: Option<BorrowedFd<'_>>,
        version: u64,
        highest_seen: Option<u64>,
        now: Option<jiff::Timestamp>,
    ) -> Result<Checked> {
        let expect = Expectation { client_id: client.as_str(), profile_id: profile.as_str(), highest_seen, now };
        match history.and_then(|history| self.read_and_check(history, trust, version, &expect)) {
            Some(checked) => checked.map_err(|source| Error::verify(client, profile, version, source)),
            None => registry::verify_stored(home, trust, client, profile, version, highest_seen, now)
                .map(|verified| Checked::of(&verified)),
        }
    }

    /// The verdict on one version read through the opened directories; `None` when its files
    /// cannot be read that way, or its envelope names no payload file: the common read then
    /// reports why.
    fn read_and_check(
        &mut self,
        history: BorrowedFd<'_>,
        trust: &TrustStore,
        version: u64,
        expect: &Expectation<'_>,
    ) -> Option<std::result::Result<Checked, artifact::VerifyError>> {
        self.name.clear();
        write!(self.name, "{version:010}.json").ok()?;
        fsutil::read_in(history, &self.name, &mut self.envelope).ok()?;
        let envelope = artifact::Envelope::parse(&self.envelope)?;
        self.name.clear();
        write!(self.name, "{}.json", envelope.artifact_hex()?).ok()?;
        fsutil::read_in(self.objects.as_ref()?.as_fd(), &self.name, &mut self.payload).ok()?;
        Some(artifact::check(&self.envelope, Some(&envelope), &self.payload, trust, expect, &mut self.scratch))
    }
}

impl Orchestrator {
    /// Verifies every stored version of every profile (`artifact_id: None`) or those of one
    /// artifact id. Heads are also checked for rollback and expiry.
    pub fn verify(&self, artifact_id: Option<&str>) -> Result<Vec<VerifyOutcome>> {
        let mut meta = Map::new();
        if let Some(id) = artifact_id {
            meta.insert("artifact_id".into(), json!(id));
        }
        self.traced("artifact_verification", meta, || {
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let wanted = artifact_id.map(ContentId::parse).transpose()?;
            let profiles = registry::all_profiles(&self.home)?;
            let one = |reader: &mut Reader, (client, profile): &(ClientId, ProfileId)| {
                self.verify_profile(&trust, reader, client, profile, wanted.as_ref())
            };
            // Profiles are independent: spread them over every core, keeping their order (the
            // work is Ed25519 and SHA-256, CPU-bound).
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
            let per_profile: Vec<Result<Vec<VerifyOutcome>>> = if workers < 2 || profiles.len() < 2 * workers {
                let mut reader = Reader::new(&self.home);
                profiles.iter().map(|p| one(&mut reader, p)).collect()
            } else {
                // Small chunks handed out in turn, so one profile with a long history does not
                // keep one core busy while the others idle.
                let next = std::sync::atomic::AtomicUsize::new(0);
                let chunk = 16;
                let mut parts: Vec<(usize, Vec<Result<Vec<VerifyOutcome>>>)> = std::thread::scope(|scope| {
                    let handles: Vec<_> = (0..workers)
                        .map(|_| {
                            scope.spawn(|| {
                                let mut reader = Reader::new(&self.home);
                                let mut done = Vec::new();
                                loop {
                                    let start = next.fetch_add(chunk, std::sync::atomic::Ordering::Relaxed);
                                    let Some(part) = profiles.get(start..(start + chunk).min(profiles.len())) else {
                                        break;
                                    };
                                    if part.is_empty() {
                                        break;
                                    }
                                    done.push((start, part.iter().map(|p| one(&mut reader, p)).collect::<Vec<_>>()));
                                }
                                done
                            })
                        })
                        .collect();
                    // A worker only panics if verification does, which is a bug: re-raise it here.
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                        .collect()
                });
                parts.sort_by_key(|(start, _)| *start);
                parts.into_iter().flat_map(|(_, results)| results).collect()
            };
            let mut out = Vec::new();
            for outcomes in per_profile {
                out.extend(outcomes?);
            }
            if let (Some(id), true) = (&wanted, out.is_empty()) {
                return Err(Error::ArtifactNotFound { id: id.to_string() });
            }
            Ok(out)
        })
    }

    /// The outcomes of one profile's stored versions for [`Orchestrator::verify`]: the pass of
    /// [`registry::history_with_head`] (each version verified and its chain link checked; the
    /// head's entry also for rollback, expiry and the head's id), read through the worker's
    /// reader.
    fn verify_profile(
        &self,
        trust: &TrustStore,
        reader: &mut Reader,
        client: &ClientId,
        profile: &ProfileId,
        wanted: Option<&ContentId>,
    ) -> Result<Vec<VerifyOutcome>> {
        let home = &self.home;
        let mut out = Vec::new();
        let head = registry::head(home, client, profile)?;
        let check = match head {
            Some(head) => Some(registry::HeadCheck {
                head,
                highest_seen: registry::highest_seen(home, client, profile)?,
                now: self.now(),
            }),
            None => None,
        };
        let versions = registry::versions(home, client, profile)?;
        let history = fsutil::open_dir(&home.history_dir(client, profile)).ok();
        let history = history.as_ref().map(|dir| dir.as_fd());
        let verify_one = |version: u64, seen: Option<u64>, now: Option<jiff::Timestamp>| {
            reader.verified(home, trust, (client, profile), history, version, seen, now)
        };
        // Heads are checked for rollback and expiry in the same pass (no second verification).
        for (version, result) in
            registry::chain_pass(home, (client, profile), &versions, None, check.as_ref(), verify_one)
        {
            let matches = match (wanted, &result) {
                (None, _) => true,
                (Some(w), Ok(checked)) => checked.artifact_id == *w,
                (Some(_), Err(_)) => false,
            };
            if matches || (wanted.is_some() && result.is_err() && self.envelope_names(client, profile, version, wanted))
            {
                let (artifact_id, kind, error) = match result {
                    Ok(checked) => (Some(String::from(checked.artifact_id)), None, None),
                    Err(e) => (None, Some(e.kind()), Some(e.to_string())),
                };
                out.push(VerifyOutcome {
                    client_id: client.to_string(),
                    profile_id: profile.to_string(),
                    version,
                    artifact_id,
                    kind,
                    error,
                });
            }
        }
        Ok(out)
    }

    fn envelope_names(&self, client: &ClientId, profile: &ProfileId, version: u64, id: Option<&ContentId>) -> bool {
        registry::find_artifact(&self.home, id.cloned().as_ref().unwrap_or(&ContentId::of(b"")))
            .map(|found| found.iter().any(|(c, p, v)| c == client && p == profile && *v == version))
            .unwrap_or(false)
    }
}
