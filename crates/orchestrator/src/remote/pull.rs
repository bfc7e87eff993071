//! Pull: plan a profile's new versions from a remote, then fetch them in batches for the store.
//! This module only reads the home and the remote; the caller stores the batches with
//! `pull_store::store_pulled` under the home lock, which verifies every version before it
//! writes it.
//!
//! Per profile: one request for the head manifest. When its digest is the one this home's own
//! head would have (manifests are built byte-for-byte alike on every machine), or it names this
//! home's head version with this home's head payload (signed by another key), the profile is
//! up to date. Otherwise the head's layers are fetched and verified (trusted key, signature,
//! payload hash = artifact id, subject, not below the rollback floor, not expired); then the
//! versions between this home's head and the remote's are found by their tags, their manifests
//! fetched together (only their layer digests are kept), and linked by the `previous` ids the
//! manifests annotate, from the head down to this home's head. The blobs are fetched later, a
//! batch at a time ([`fetch_batch`]); the store checks the signed `previous` of each.

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
use crate::pull_store::{BATCH_BYTES, BATCH_VERSIONS, Fetched};
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
    /// New versions: the head verified, the versions between planned.
    New {
        /// This home's head version before (0: none).
        from: u64,
        /// The remote head's version.
        to: u64,
        /// The remote head's (envelope, payload) bytes, verified.
        head: Fetched,
        /// The versions after `from` and before `to`, oldest first: their manifests' layers.
        between: Vec<VersionManifest>,
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
    // The same payload (its digest is the artifact id) at the same version, signed by another
    // key (two homes seeded alike): nothing would be stored, so nothing more is fetched.
    if let Some(local) = &local
        && manifest.claimed_version == Some(local.version)
        && manifest.payload.digest == local.artifact_id.as_str()
    {
        return Ok(Fetch::UpToDate { version: local.version });
    }
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
    // Fetched in pages, so that only the layer descriptors of each are kept.
    let mut by_id: BTreeMap<(u64, String), VersionManifest> = BTreeMap::new();
    for page in wanted.chunks(MANIFEST_PAGE) {
        for (tag, found) in page.iter().zip(oci.manifests(page)?) {
            let Some((bytes, _)) = found else { continue };
            let manifest = layout::parse_version_manifest(&bytes).map_err(|m| integrity(format!("{tag}: {m}")))?;
            if let Some(TagKind::Version(_, _, v, _)) = layout::parse_tag(tag) {
                by_id.insert((v, manifest.payload.digest.clone()), manifest);
            }
        }
    }
    // Link from the head down: each version is the one whose artifact id the next names (as
    // its manifest claims; the store checks the signed statements).
    let mut between = Vec::new();
    let mut previous = head.statement().previous.as_ref().map(|id| id.as_str().to_owned());
    for v in (from + 1..to).rev() {
        let Some(id) = previous.take() else {
            return Err(integrity(format!("{client}/{profile}: version {} names no previous version", v + 1)));
        };
        let Some(found) = by_id.remove(&(v, id.clone())) else {
            if from == 0 {
                break; // a history that starts here (older versions not on the remote)
            }
            return Err(integrity(format!(
                "{client}/{profile}: version {v} ({id}) is not on the remote: the chain from version {from} to {to} is broken; nothing was stored"
            )));
        };
        previous = found.claimed_previous.clone();
        between.push(found);
    }
    between.reverse();
    if let (Some(local), Some(oldest)) = (&local, between.first())
        && oldest.claimed_previous.as_deref() != Some(local.artifact_id.as_str())
    {
        return Err(integrity(format!(
            "{client}/{profile}: version {} on the remote does not follow this home's version {} ({}): the histories diverged; nothing was stored",
            from + 1,
            local.version,
            local.artifact_id
        )));
    }
    Ok(Fetch::New { from, to, head: (envelope, payload), between })
}

/// Manifests asked for at once (their bytes are dropped once parsed).
const MANIFEST_PAGE: usize = 256;

/// The versions of the next batch to fetch from `planned`: at most [`BATCH_VERSIONS`], and
/// at most [`BATCH_BYTES`] of layers beyond the first.
pub fn next_batch(planned: &[VersionManifest]) -> usize {
    let mut bytes = 0u64;
    let mut n = 0;
    for m in planned.iter().take(BATCH_VERSIONS) {
        bytes += m.envelope.size + m.payload.size;
        if n > 0 && bytes > BATCH_BYTES {
            break;
        }
        n += 1;
    }
    n
}

/// Fetches the layers of a batch of planned versions: (envelope, payload) bytes, in order,
/// each checked against its digest and size (the store verifies the rest).
pub fn fetch_batch(oci: &OciRemote, batch: &[VersionManifest]) -> Result<Vec<Fetched>> {
    let descs: Vec<layout::Descriptor> = batch.iter().flat_map(|m| [m.envelope.clone(), m.payload.clone()]).collect();
    let mut blobs = oci.blobs(&descs)?.into_iter();
    let mut out = Vec::with_capacity(batch.len());
    while let (Some(envelope), Some(payload)) = (blobs.next(), blobs.next()) {
        out.push((envelope, payload));
    }
    Ok(out)
}

fn layers(oci: &OciRemote, manifest: &VersionManifest) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut blobs = oci.blobs(&[manifest.envelope.clone(), manifest.payload.clone()])?.into_iter();
    match (blobs.next(), blobs.next()) {
        (Some(e), Some(p)) => Ok((e, p)),
        _ => Err(Error::RemoteIntegrity { remote: oci.name().to_owned(), message: "a layer was not served".into() }),
    }
}
