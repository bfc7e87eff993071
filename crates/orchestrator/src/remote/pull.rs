//! Pull: fetch a profile's new versions from a remote and verify every one of them before
//! anything is stored. This module only reads the home and the remote; the caller stores what
//! it returns with `registry::store_pulled` under the home lock, which verifies it all again.
//!
//! Per profile: one request for the head manifest. When its digest is the one this home's own
//! head would have (manifests are built byte-for-byte alike on every machine), the profile is
//! up to date. Otherwise the head's layers are fetched and verified (trusted key, signature,
//! payload hash = artifact id, subject, not below the rollback floor, not expired); then the
//! versions between this home's head and the remote's are found by their tags, fetched
//! together, and linked by their `previous` ids from the head down to this home's head.

use std::collections::BTreeMap;

use super::config::Remote;
use super::layout::{self, TagKind, VersionManifest};
use super::oci::OciRemote;
use crate::artifact::{self, Expectation, VerifyError};
use crate::crypto::PublicKey;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::trust::TrustStore;

/// A profile's state against the remote, after a fetch.
#[derive(Debug)]
pub enum Fetch {
    /// The remote has no head for it.
    Absent,
    /// The remote head is this home's head.
    UpToDate {
        /// The version both have.
        version: u64,
    },
    /// New versions, verified, oldest first: (envelope, payload) bytes as served.
    New {
        /// This home's head version before (0: none).
        from: u64,
        /// The remote head's version.
        to: u64,
        /// The versions after `from`, up to `to`.
        versions: Vec<(Vec<u8>, Vec<u8>)>,
    },
}

/// The manifest bytes this home's head would have on a remote (None without a head).
pub fn local_head_digest(home: &Home, client: &ClientId, profile: &ProfileId) -> Result<Option<(u64, String)>> {
    let Some(head) = registry::head(home, client, profile)? else { return Ok(None) };
    let envelope = fsutil::read(&home.envelope(client, profile, head.version))?;
    let payload = fsutil::read(&home.object(&head.artifact_id))?;
    let manifest = layout::version_manifest(&envelope, &payload, client, profile, head.version);
    Ok(Some((head.version, layout::digest(&manifest))))
}

/// The profiles (subject, profile) whose heads the remote has, from its tags.
pub fn remote_heads(tags: &[String]) -> Vec<(ClientId, ProfileId)> {
    let mut out: Vec<(ClientId, ProfileId)> = tags
        .iter()
        .filter_map(|t| match layout::parse_tag(t) {
            Some(TagKind::Head(c, p)) => Some((c, p)),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The trust store to verify with: this home's, plus each key pinned for the remote
/// (`remote add --trust-key`) that the remote serves under its tag and that hashes to the pinned
/// id. Returns the keys taken from the remote (to be written to the trust store with the pull).
pub fn trust_with_pins(oci: &OciRemote, remote: &Remote, trust: &TrustStore) -> Result<(TrustStore, Vec<PublicKey>)> {
    let mut store = trust.clone();
    let mut added = Vec::new();
    for id in &remote.trust_keys {
        if store.get(id).is_some() {
            continue;
        }
        let hex = id.trim_start_matches("sha256:");
        let integrity = |message: String| Error::RemoteIntegrity { remote: oci.name().to_owned(), message };
        let Some((manifest, _)) = oci.manifest(&layout::key_tag(hex))? else { continue };
        let layer = layout::parse_key_manifest(&manifest).map_err(integrity)?;
        let pem = oci.blobs(std::slice::from_ref(&layer))?.pop().unwrap_or_default();
        let key = PublicKey::from_pem(&String::from_utf8_lossy(&pem))
            .map_err(|e| integrity(format!("the key served for the pinned id {id} does not parse ({e})")))?;
        if key.id().as_str() != id {
            return Err(integrity(format!(
                "the key served under the tag of pinned id {id} is {}: refused (trust never comes from the registry)",
                key.id()
            )));
        }
        store.insert(key.clone());
        added.push(key);
    }
    Ok((store, added))
}

/// Fetches and verifies one profile's new versions (nothing is written).
#[allow(clippy::too_many_arguments)]
pub fn fetch(
    home: &Home,
    trust: &TrustStore,
    oci: &OciRemote,
    client: &ClientId,
    profile: &ProfileId,
    tags: &mut Option<Vec<String>>,
    now: jiff::Timestamp,
) -> Result<Fetch> {
    let remote = oci.name().to_owned();
    let integrity = |message: String| Error::RemoteIntegrity { remote: remote.clone(), message };
    let head_tag = layout::head_tag(client, profile);
    let Some((bytes, digest)) = oci.manifest(&head_tag)? else { return Ok(Fetch::Absent) };
    let local = registry::head(home, client, profile)?;
    if let Some((version, ours)) = local_head_digest(home, client, profile)?
        && ours == digest
    {
        return Ok(Fetch::UpToDate { version });
    }
    let seen = registry::highest_seen(home, client, profile)?;
    let manifest = layout::parse_version_manifest(&bytes).map_err(|m| integrity(format!("{head_tag}: {m}")))?;
    let (envelope, payload) = layers(oci, &manifest)?;
    let expect = Expectation {
        client_id: client.as_str(),
        profile_id: profile.as_str(),
        highest_seen: Some(seen),
        now: Some(now),
    };
    let claimed = manifest.claimed_version.unwrap_or(0);
    let head = artifact::verify(&envelope, &payload, trust, &expect)
        .map_err(|source| Error::verify(client, profile, claimed, source))?;
    let to = head.statement().version;
    let from = local.as_ref().map_or(0, |h| h.version);
    if let Some(local) = &local {
        if to == local.version && *head.id() == local.artifact_id {
            return Ok(Fetch::UpToDate { version: to });
        }
        if to == local.version {
            return Err(Error::Conflict {
                message: format!(
                    "{client}/{profile}: the remote's version {to} is {} but this home's is {}: the histories diverged (two publishers); publish from one machine, or remove this home's profile and pull again",
                    head.id(),
                    local.artifact_id
                ),
            });
        }
        if to < local.version {
            return Err(Error::verify(
                client,
                profile,
                to,
                VerifyError::Rollback { version: to, highest_seen: local.version },
            ));
        }
    }
    // The versions between: by their tags (one listing for the whole pull).
    if tags.is_none() {
        *tags = Some(oci.list_tags()?);
    }
    let mut candidates: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for tag in tags.as_deref().unwrap_or_default() {
        if let Some(TagKind::Version(c, p, v, _)) = layout::parse_tag(tag)
            && c == *client
            && p == *profile
            && v > from
            && v < to
        {
            candidates.entry(v).or_default().push(tag.clone());
        }
    }
    let wanted: Vec<String> = candidates.values().flatten().cloned().collect();
    let manifests = oci.manifests(&wanted)?;
    let mut parsed: Vec<(String, VersionManifest)> = Vec::new();
    for (tag, found) in wanted.iter().zip(manifests) {
        let Some((bytes, _)) = found else { continue };
        parsed
            .push((tag.clone(), layout::parse_version_manifest(&bytes).map_err(|m| integrity(format!("{tag}: {m}")))?));
    }
    let descs: Vec<layout::Descriptor> =
        parsed.iter().flat_map(|(_, m)| [m.envelope.clone(), m.payload.clone()]).collect();
    let mut blobs = oci.blobs(&descs)?.into_iter();
    let mut by_id: BTreeMap<(u64, String), (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    for (tag, m) in &parsed {
        let (Some(env), Some(pay)) = (blobs.next(), blobs.next()) else { break };
        if let Some(TagKind::Version(_, _, v, _)) = layout::parse_tag(tag) {
            by_id.insert((v, m.payload.digest.clone()), (env, pay));
        }
    }
    // Link from the head down: each version is the one whose artifact id the next names.
    let mut chain = vec![(envelope, payload)];
    let mut previous = head.statement().previous.clone();
    for v in (from + 1..to).rev() {
        let Some(id) = previous.clone() else {
            return Err(integrity(format!("{client}/{profile}: version {} names no previous version", v + 1)));
        };
        let Some(found) = by_id.remove(&(v, id.as_str().to_owned())) else {
            if from == 0 {
                break; // a history that starts here (older versions not on the remote)
            }
            return Err(integrity(format!(
                "{client}/{profile}: version {v} ({id}) is not on the remote: the chain from version {from} to {to} is broken; nothing was stored"
            )));
        };
        let one = artifact::verify(&found.0, &found.1, trust, &Expectation { now: None, ..expect.clone() })
            .map_err(|source| Error::verify(client, profile, v, source))?;
        if one.statement().version != v {
            return Err(integrity(format!(
                "{client}/{profile}: the artifact tagged as version {v} is version {}",
                one.statement().version
            )));
        }
        previous = one.statement().previous.clone();
        chain.push(found);
    }
    chain.reverse();
    Ok(Fetch::New { from, to, versions: chain })
}

fn layers(oci: &OciRemote, manifest: &VersionManifest) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut blobs = oci.blobs(&[manifest.envelope.clone(), manifest.payload.clone()])?.into_iter();
    match (blobs.next(), blobs.next()) {
        (Some(e), Some(p)) => Ok((e, p)),
        _ => Err(Error::RemoteIntegrity { remote: oci.name().to_owned(), message: "a layer was not served".into() }),
    }
}
