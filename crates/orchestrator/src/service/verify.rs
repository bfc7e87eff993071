//! `verify`: every stored version of every profile (or those of one artifact id), verified in
//! full (hash, signature, trust, chain; heads also for rollback and expiry), spread over every
//! core with the outcomes kept in profile order.
//!
//! Each worker reads through a [`Reader`], with as few system calls as it can: `objects/` once
//! per worker, `heads/<client>/` and `seen/<client>/` once per worker and client, each
//! profile's history directory once (checked and listed from that same descriptor), every file
//! opened relative to them without an access-time update and read with one `read` where it
//! fits ([`fsutil::QuickReads`]), into reused buffers; each version is checked by
//! [`artifact::check_quick`] (every check of [`artifact::verify`], nothing built that would be
//! dropped).
//!
//! None of these quick reads decides a refusal. A version whose files cannot be read that way,
//! or that the quick check does not pass, is verified by the common read
//! (`registry::verify_stored`, which reads the files again the ordinary way), and a head,
//! rollback floor or listing not read cleanly that way is read by the registry's own function;
//! so every refusal is reported exactly as `history` and the registry report it, and a read cut
//! short can never pass (its hash and signature would not match) nor change a message.

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
use crate::registry::{self, Head};
use crate::trust::TrustStore;

/// What one worker reuses from one version to the next.
struct Reader {
    /// `objects/`, opened once (`None` if it could not be: every version then takes the
    /// common read, which reports why).
    objects: Option<OwnedFd>,
    /// The directories of the client of the last profile read.
    client: Option<ClientDirs>,
    reads: fsutil::QuickReads,
    /// The name of the file being opened.
    name: String,
    envelope: Vec<u8>,
    payload: Vec<u8>,
    /// A head or a rollback floor.
    small: Vec<u8>,
    /// Directory entries.
    listing: Vec<u8>,
    scratch: artifact::Scratch,
}

/// One client's directories of heads and rollback floors, opened once per worker.
struct ClientDirs {
    client: ClientId,
    /// `heads/<client>/`, opened and checked as [`registry::head`] checks it (`None` if it could
    /// not be, or failed the check: each head is then read by [`registry::head`], which reports
    /// why).
    heads: Option<OwnedFd>,
    /// `seen/<client>/` (`None` if it could not be opened: each floor is then read by
    /// [`registry::highest_seen`]).
    seen: Option<OwnedFd>,
}

impl Reader {
    fn new(home: &Home) -> Self {
        Reader {
            objects: fsutil::open_dir(&home.objects_dir()).ok(),
            client: None,
            reads: fsutil::QuickReads::default(),
            name: String::with_capacity(80),
            envelope: Vec::with_capacity(8 * 1024),
            payload: Vec::with_capacity(8 * 1024),
            small: Vec::with_capacity(1024),
            listing: Vec::with_capacity(8 * 1024),
            scratch: artifact::Scratch::default(),
        }
    }

    /// Opens the directories of `client` unless they are the ones held.
    fn open_client(&mut self, home: &Home, client: &ClientId, profile: &ProfileId) {
        if self.client.as_ref().is_some_and(|dirs| dirs.client == *client) {
            return;
        }
        let seen = home.seen(client, profile);
        self.client = Some(ClientDirs {
            client: client.clone(),
            heads: fsutil::open_dir_checked(&home.heads_dir(client), "heads directory").ok(),
            seen: seen.parent().and_then(|dir| fsutil::open_dir(dir).ok()),
        });
    }

    /// [`registry::head`], read through the client's opened heads directory where it can be.
    fn head(&mut self, home: &Home, client: &ClientId, profile: &ProfileId) -> Result<Option<Head>> {
        self.open_client(home, client, profile);
        let dir = self.client.as_ref().and_then(|dirs| dirs.heads.as_ref());
        match dir.and_then(|dir| quick_json(&mut self.reads, dir.as_fd(), &mut self.name, profile, &mut self.small)) {
            Some(head) => Ok(head),
            None => registry::head(home, client, profile),
        }
    }

    /// [`registry::highest_seen`], read through the client's opened `seen/` directory where it
    /// can be.
    fn highest_seen(&mut self, home: &Home, client: &ClientId, profile: &ProfileId) -> Result<u64> {
        self.open_client(home, client, profile);
        let dir = self.client.as_ref().and_then(|dirs| dirs.seen.as_ref());
        let quick = dir.and_then(|dir| {
            quick_json::<registry::Seen>(&mut self.reads, dir.as_fd(), &mut self.name, profile, &mut self.small)
        });
        match quick {
            Some(seen) => Ok(seen.map_or(0, |seen| seen.highest_version)),
            None => registry::highest_seen(home, client, profile),
        }
    }

    /// [`registry::versions`] (checked, listed, filtered and sorted as it does them), and the
    /// history directory it was listed from, opened once; `None` for the directory when it
    /// could not be opened, checked or listed that way: the versions are then
    /// [`registry::versions`]'s (or its refusal) and each is read the common way.
    fn versions(&mut self, home: &Home, client: &ClientId, profile: &ProfileId) -> Result<(Vec<u64>, Option<OwnedFd>)> {
        if let Ok(dir) = fsutil::open_dir_checked(&home.history_dir(client, profile), "history directory") {
            let mut versions = Vec::new();
            let listed = fsutil::list_opened(dir.as_fd(), &mut self.listing, |name| {
                // `registry::versions`' filter.
                if let Some(version) = name.strip_suffix(".json").and_then(|stem| stem.parse().ok()) {
                    versions.push(version);
                }
            });
            if listed.is_ok() {
                versions.sort_unstable();
                return Ok((versions, Some(dir)));
            }
        }
        Ok((registry::versions(home, client, profile)?, None))
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
            Some(checked) => Ok(checked),
            None => registry::verify_stored(home, trust, client, profile, version, highest_seen, now)
                .map(|verified| Checked::of(&verified)),
        }
    }

    /// What the quick check keeps of one version read through the opened directories; `None`
    /// when its files cannot be read that way, its envelope names no payload file, or the quick
    /// check does not pass: the common read then judges it.
    fn read_and_check(
        &mut self,
        history: BorrowedFd<'_>,
        trust: &TrustStore,
        version: u64,
        expect: &Expectation<'_>,
    ) -> Option<Checked> {
        self.name.clear();
        write!(self.name, "{version:010}.json").ok()?;
        self.reads.read(history, &self.name, &mut self.envelope).ok()?;
        let envelope = artifact::Envelope::parse(&self.envelope)?;
        self.name.clear();
        write!(self.name, "{}.json", envelope.artifact_hex()?).ok()?;
        self.reads.read(self.objects.as_ref()?.as_fd(), &self.name, &mut self.payload).ok()?;
        artifact::check_quick(&envelope, &self.payload, trust, expect, &mut self.scratch)
    }
}

/// `<profile>.json` of an opened directory, read and parsed as the registry's `read_json` does:
/// `Some(None)` when it does not exist, `None` when it cannot be read or parsed (the registry's
/// own read then reports why). A read cut short cannot change the value: a JSON object that
/// parses ends with its closing brace, so only trailing whitespace could be missing.
fn quick_json<T: serde::de::DeserializeOwned>(
    reads: &mut fsutil::QuickReads,
    dir: BorrowedFd<'_>,
    name: &mut String,
    profile: &ProfileId,
    buffer: &mut Vec<u8>,
) -> Option<Option<T>> {
    name.clear();
    write!(name, "{}.json", profile.as_str()).ok()?;
    match reads.read(dir, name, buffer) {
        Ok(()) => serde_json::from_slice(buffer).ok().map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(None),
        Err(_) => None,
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
        let head = reader.head(home, client, profile)?;
        let check = match head {
            Some(head) => Some(registry::HeadCheck {
                head,
                highest_seen: reader.highest_seen(home, client, profile)?,
                now: self.now(),
            }),
            None => None,
        };
        let (versions, history) = reader.versions(home, client, profile)?;
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

#[cfg(test)]
mod tests {
    //! The reader's listing of a history directory against [`registry::versions`] on names the
    //! store never writes (the outcomes of whole homes are compared with `history`'s in
    //! `tests/core/verify_all.rs`).

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_history_is_listed_as_the_registry_lists_it() {
        use std::os::unix::ffi::OsStrExt as _;
        let root = tempfile::tempdir().expect("temp dir");
        let home = Home::new(root.path());
        let (client, profile) = (ClientId::parse("cursor").expect("client"), ProfileId::parse("p").expect("profile"));
        let dir = home.history_dir(&client, &profile);
        fsutil::create_dir_all(&dir).expect("mkdir");
        let names = [
            "0000000003.json",
            "0000000001.json",
            "5.json",
            "0000000005.json",
            "+7.json",
            "-1.json",
            "18446744073709551615.json",
            "18446744073709551616.json",
            ".json",
            "2.JSON",
            "0000000004.json.tmp",
            ".tmp-abc",
            "notes",
        ];
        for name in names {
            std::fs::write(dir.join(name), b"").expect("write");
        }
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"9\xff.json")), b"").expect("write");
        std::fs::create_dir(dir.join("0000000008.json")).expect("mkdir");
        let mut reader = Reader::new(&home);
        let (mine, opened) = reader.versions(&home, &client, &profile).expect("listed");
        assert!(opened.is_some());
        assert_eq!(mine, registry::versions(&home, &client, &profile).expect("listed"));
        assert_eq!(mine, vec![1, 3, 5, 5, 7, 8, u64::MAX]);
        // A directory the registry refuses is listed by the registry, which says why.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let refused = reader.versions(&home, &client, &profile).expect_err("writable by others");
        assert_eq!(
            refused.to_string(),
            registry::versions(&home, &client, &profile).expect_err("writable by others").to_string()
        );
        // A profile without a history directory has no versions.
        let other = ProfileId::parse("q").expect("profile");
        assert_eq!(reader.versions(&home, &client, &other).expect("none").0, Vec::<u64>::new());
    }
}
