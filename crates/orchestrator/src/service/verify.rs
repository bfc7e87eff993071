//! `verify`: every stored version of every profile (or those of one artifact id), verified in
//! full (hash, signature, trust, chain; heads also for rollback and expiry), spread over every
//! core with the outcomes kept in profile order.

use serde_json::{Map, json};

use super::{Orchestrator, VerifyOutcome};
use crate::canonical::ContentId;
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::trust::TrustStore;

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
            let one = |(client, profile): &(ClientId, ProfileId)| {
                self.verify_profile(&trust, client, profile, wanted.as_ref())
            };
            // Profiles are independent: spread them over every core, keeping their order (the
            // work is Ed25519 and SHA-256, CPU-bound).
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
            let per_profile: Vec<Result<Vec<VerifyOutcome>>> = if workers < 2 || profiles.len() < 2 * workers {
                profiles.iter().map(one).collect()
            } else {
                // Small chunks handed out in turn, so one profile with a long history does not
                // keep one core busy while the others idle.
                let next = std::sync::atomic::AtomicUsize::new(0);
                let chunk = 16;
                let mut parts: Vec<(usize, Vec<Result<Vec<VerifyOutcome>>>)> = std::thread::scope(|scope| {
                    let handles: Vec<_> = (0..workers)
                        .map(|_| {
                            scope.spawn(|| {
                                let mut done = Vec::new();
                                loop {
                                    let start = next.fetch_add(chunk, std::sync::atomic::Ordering::Relaxed);
                                    let Some(part) = profiles.get(start..(start + chunk).min(profiles.len())) else {
                                        break;
                                    };
                                    if part.is_empty() {
                                        break;
                                    }
                                    done.push((start, part.iter().map(one).collect::<Vec<_>>()));
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

    /// The outcomes of one profile's stored versions for [`Orchestrator::verify`].
    fn verify_profile(
        &self,
        trust: &TrustStore,
        client: &ClientId,
        profile: &ProfileId,
        wanted: Option<&ContentId>,
    ) -> Result<Vec<VerifyOutcome>> {
        let mut out = Vec::new();
        let head = registry::head(&self.home, client, profile)?;
        let check = match head {
            Some(head) => Some(registry::HeadCheck {
                head,
                highest_seen: registry::highest_seen(&self.home, client, profile)?,
                now: self.now(),
            }),
            None => None,
        };
        let versions = registry::versions(&self.home, client, profile)?;
        // Heads are checked for rollback and expiry in the same pass (no second verification).
        for entry in registry::history_with_head(&self.home, trust, client, profile, &versions, None, check.as_ref()) {
            let result = entry.artifact;
            let matches = match (wanted, &result) {
                (None, _) => true,
                (Some(w), Ok(v)) => v.id() == w,
                (Some(_), Err(_)) => false,
            };
            if matches
                || (wanted.is_some() && result.is_err() && self.envelope_names(client, profile, entry.version, wanted))
            {
                out.push(VerifyOutcome {
                    client_id: client.to_string(),
                    profile_id: profile.to_string(),
                    version: entry.version,
                    artifact_id: result.as_ref().ok().map(|v| v.id().to_string()),
                    kind: result.as_ref().err().map(Error::kind),
                    error: result.err().map(|e| e.to_string()),
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
