//! Push: upload a profile's versions that the remote does not have, then move its head tag,
//! like `git push` without force.
//!
//! Only versions that verify here are uploaded (the whole local history is verified first).
//! The remote head is read first: if it names a version this home has not seen (ahead of this
//! home's head, or a different artifact at the same number), the push is refused with exit 7
//! and the advice to pull first. Version tags name their artifact (`layout.rs`), so uploads never
//! overwrite another machine's version; only the head tag is contested. Before the head moves
//! it is read again, and after it moves it is read back: a push that raced another one reports
//! a conflict instead of claiming a head it does not hold. What a registry cannot offer is a
//! compare-and-swap on a tag: two pushes within the same few milliseconds can still both see
//! the old head, and the later write wins the head tag; the earlier one's versions stay on the
//! remote under their own tags and its next push (or pull) reports the divergence.

use super::layout;
use super::oci::OciRemote;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::trust::TrustStore;

/// What a push did for one profile.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pushed {
    /// The subject (client id or `_shared`).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The remote head's version before (0: none).
    pub remote_before: u64,
    /// This home's head version, now the remote's.
    pub version: u64,
    /// How many versions were uploaded.
    pub uploaded: usize,
}

/// Pushes one profile's new versions and moves the remote head to this home's head.
pub fn push_profile(
    home: &Home,
    trust: &TrustStore,
    oci: &OciRemote,
    client: &ClientId,
    profile: &ProfileId,
) -> Result<Pushed> {
    let integrity = |message: String| Error::RemoteIntegrity { remote: oci.name().to_owned(), message };
    let local = registry::head(home, client, profile)?
        .ok_or_else(|| Error::ProfileNotFound { client: client.to_string(), profile: profile.to_string() })?;
    // Nothing unverified leaves this home: the whole history is checked, chain included.
    let mut history = Vec::new();
    for entry in registry::history(home, trust, client, profile)? {
        history.push(entry.artifact?);
    }
    let head_tag = layout::head_tag(client, profile);
    let remote_head = oci.manifest(&head_tag)?;
    let manifest_of = |version: u64| -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        let envelope = fsutil::read(&home.envelope(client, profile, version))?;
        let payload = history
            .iter()
            .find(|v| v.statement().version == version)
            .map(|v| v.payload_bytes().to_vec())
            .ok_or_else(|| Error::ProfileNotFound { client: client.to_string(), profile: profile.to_string() })?;
        let manifest = layout::version_manifest(&envelope, &payload, client, profile, version);
        Ok((manifest, envelope, payload))
    };
    let (head_manifest, _, _) = manifest_of(local.version)?;
    let ours = layout::digest(&head_manifest);
    let mut remote_before = 0;
    if let Some((bytes, digest)) = &remote_head {
        let parsed = layout::parse_version_manifest(bytes).map_err(|m| integrity(format!("{head_tag}: {m}")))?;
        let version =
            parsed.claimed_version.ok_or_else(|| integrity(format!("{head_tag}: the manifest names no version")))?;
        if *digest == ours {
            return Ok(Pushed {
                client_id: client.to_string(),
                profile_id: profile.to_string(),
                remote_before: version,
                version,
                uploaded: 0,
            });
        }
        let pull_first = |why: String| Error::Conflict {
            message: format!(
                "{client}/{profile}: {why}: pull first (`mcp-orchestration pull {}`), then publish and push again",
                oci.name()
            ),
        };
        if version > local.version {
            return Err(pull_first(format!(
                "the remote is at version {version}, which this home has not seen (its head is {})",
                local.version
            )));
        }
        let ours_there = history.iter().find(|v| v.statement().version == version);
        match ours_there {
            Some(v) if v.id().as_str() == parsed.payload.digest => {}
            Some(_) => {
                return Err(pull_first(format!(
                    "the remote's version {version} is another artifact than this home's ({}): the histories diverged",
                    parsed.payload.digest
                )));
            }
            None => return Err(pull_first(format!("the remote's version {version} is not in this home's history"))),
        }
        remote_before = version;
    }
    let mut blobs = vec![layout::EMPTY_CONFIG.to_vec()];
    let mut manifests = Vec::new();
    let mut keys = std::collections::BTreeSet::new();
    for verified in history.iter().filter(|v| v.statement().version > remote_before) {
        let version = verified.statement().version;
        let (manifest, envelope, payload) = manifest_of(version)?;
        keys.insert(verified.signature().key_id.clone());
        blobs.push(envelope);
        blobs.push(payload);
        manifests.push((layout::version_tag(client, profile, version, verified.id()), manifest));
    }
    let uploaded = manifests.len();
    // The public keys that signed them, for followers who pinned their ids (never trusted from here).
    for key in keys.iter().filter_map(|id| trust.get(id)) {
        let pem = key.to_pem().into_bytes();
        manifests.push((layout::key_tag(key.id().hex()), layout::key_manifest(&pem)));
        blobs.push(pem);
    }
    oci.push_blobs(blobs)?;
    oci.push_manifests(manifests)?;
    let raced = |what: &str| Error::Conflict {
        message: format!(
            "{client}/{profile}: {what} while this push ran: its versions are on the remote under their own tags, but the head is another machine's; pull (`mcp-orchestration pull {}`) and push again",
            oci.name()
        ),
    };
    let now_there = oci.manifest(&head_tag)?.map(|(_, d)| d);
    if now_there != remote_head.as_ref().map(|(_, d)| d.clone()) {
        return Err(raced("the remote head moved"));
    }
    oci.push_manifests(vec![(head_tag.clone(), head_manifest)])?;
    if oci.manifest(&head_tag)?.map(|(_, d)| d) != Some(ours) {
        return Err(raced("another push moved the remote head"));
    }
    Ok(Pushed {
        client_id: client.to_string(),
        profile_id: profile.to_string(),
        remote_before,
        version: local.version,
        uploaded,
    })
}
