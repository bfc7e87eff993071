//! How a version lives in an OCI repository: the tag scheme and the image manifest.
//!
//! Tags (all valid OCI tags, `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`; a profile id has no `_` and no
//! client id holds `__`, so `__` separates the parts unambiguously):
//!
//! ```text
//! <subject>__<profile>                         the profile's head (moved by push)
//! <subject>__<profile>__v<10 digits>-<12 hex>  one version: its number and the first 12 hex
//!                                              digits of its artifact id (written once)
//! _keys__<64 hex>                              a public key, by the hex of its key id
//! ```
//!
//! `<subject>` is a client id or `_shared`. A version tag names the artifact, so two machines
//! that push the same version number at once write two tags and neither loses its version; only
//! the head tag is contested (see `push.rs`).
//!
//! The manifest is an OCI image manifest with `artifactType`
//! `application/vnd.mcp-orchestration.artifact.v1+json`, the empty config descriptor, and two
//! layers: the envelope bytes and the payload bytes as stored (the payload layer's digest is
//! the artifact id). Its annotations name the subject, profile, version and the `previous`
//! artifact id the envelope signs (hints a pull plans its fetches with, from the manifests
//! alone; the signed statements decide). Its bytes are the JCS form, so every machine builds
//! the same bytes (and digest) for the same version: a pull compares the remote head's digest
//! with the one its own head would have and is done in one request when they match.

use serde::Deserialize;
use serde_json::json;

use crate::canonical::{self, ContentId};
use crate::crypto::STATEMENT_TYPE;
use crate::ids::{ClientId, ProfileId};

/// The OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The empty config's media type (OCI 1.1 guidance for artifacts).
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The empty config's bytes.
pub const EMPTY_CONFIG: &[u8] = b"{}";
/// The envelope layer's media type.
pub const ENVELOPE_MEDIA_TYPE: &str = "application/vnd.mcp-orchestration.envelope.v1+json";
/// The payload layer's media type.
pub const PAYLOAD_MEDIA_TYPE: &str = "application/vnd.mcp-orchestration.payload.v1+json";
/// A public key's layer media type.
pub const KEY_MEDIA_TYPE: &str = "application/vnd.mcp-orchestration.public-key.v1+pem";
/// The artifact type of a key.
pub const KEY_ARTIFACT_TYPE: &str = "application/vnd.mcp-orchestration.public-key.v1";
/// Largest blob a pull accepts (an envelope or payload is a few KiB).
pub const MAX_BLOB: u64 = 16 * 1024 * 1024;

/// The head tag of a profile.
pub fn head_tag(client: &ClientId, profile: &ProfileId) -> String {
    format!("{}__{}", client.as_str(), profile.as_str())
}

/// The tag of one version.
pub fn version_tag(client: &ClientId, profile: &ProfileId, version: u64, artifact_id: &ContentId) -> String {
    format!("{}__{}__v{version:010}-{}", client.as_str(), profile.as_str(), &artifact_id.hex()[..12])
}

/// The tag of a public key.
pub fn key_tag(key_hex: &str) -> String {
    format!("_keys__{key_hex}")
}

/// What a tag names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagKind {
    /// A profile's head.
    Head(ClientId, ProfileId),
    /// One version: subject, profile, version, artifact id prefix.
    Version(ClientId, ProfileId, u64, String),
}

/// Parses a tag of this scheme; `None` for anything else (keys, other tools' tags).
pub fn parse_tag(tag: &str) -> Option<TagKind> {
    let mut parts = tag.split("__");
    let client = ClientId::parse_subject(parts.next()?).ok()?;
    let profile = ProfileId::parse(parts.next()?).ok()?;
    match parts.next() {
        None => Some(TagKind::Head(client, profile)),
        Some(rest) => {
            if parts.next().is_some() {
                return None;
            }
            let (number, prefix) = rest.strip_prefix('v')?.split_once('-')?;
            if number.len() != 10 || prefix.len() != 12 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            Some(TagKind::Version(client, profile, number.parse().ok()?, prefix.to_owned()))
        }
    }
}

/// `sha256:` of bytes, in OCI digest form.
pub fn digest(bytes: &[u8]) -> String {
    ContentId::of(bytes).as_str().to_owned()
}

/// The manifest bytes of one version (JCS, so the same on every machine).
pub fn version_manifest(
    envelope: &[u8],
    payload: &[u8],
    client: &ClientId,
    profile: &ProfileId,
    version: u64,
) -> Vec<u8> {
    let mut annotations = serde_json::Map::new();
    annotations.insert("dev.mcp-orchestration.subject".into(), json!(client.as_str()));
    annotations.insert("dev.mcp-orchestration.profile".into(), json!(profile.as_str()));
    annotations.insert("dev.mcp-orchestration.version".into(), json!(version.to_string()));
    if let Some(previous) = previous_of(envelope) {
        annotations.insert("dev.mcp-orchestration.previous".into(), json!(previous));
    }
    manifest(
        STATEMENT_TYPE,
        &[(ENVELOPE_MEDIA_TYPE, envelope), (PAYLOAD_MEDIA_TYPE, payload)],
        Some(annotations.into()),
    )
}

/// The JCS bytes of an OCI image manifest of `artifact_type`: the empty config descriptor, one
/// layer per `(media type, bytes)`, and the annotations when given (a key manifest has none).
pub(crate) fn manifest(
    artifact_type: &str,
    layers: &[(&str, &[u8])],
    annotations: Option<serde_json::Value>,
) -> Vec<u8> {
    let layers: Vec<_> = layers
        .iter()
        .map(|(media_type, bytes)| json!({ "mediaType": media_type, "digest": digest(bytes), "size": bytes.len() }))
        .collect();
    let mut value = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "artifactType": artifact_type,
        "config": { "mediaType": EMPTY_MEDIA_TYPE, "digest": digest(EMPTY_CONFIG), "size": EMPTY_CONFIG.len() },
        "layers": layers,
    });
    if let Some(annotations) = annotations {
        value["annotations"] = annotations;
    }
    canonical::jcs(&value)
}

/// The `previous` artifact id an envelope's statement names, read without trusting it.
fn previous_of(envelope: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Envelope {
        statement: Previous,
    }
    #[derive(Deserialize)]
    struct Previous {
        #[serde(default)]
        previous: Option<String>,
    }
    serde_json::from_slice::<Envelope>(envelope).ok()?.statement.previous
}

/// The manifest bytes of a public key.
pub fn key_manifest(pem: &[u8]) -> Vec<u8> {
    manifest(KEY_ARTIFACT_TYPE, &[(KEY_MEDIA_TYPE, pem)], None)
}

/// A layer descriptor as read from a manifest.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Descriptor {
    /// Its media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Its size in bytes.
    pub size: u64,
}

/// An OCI image manifest as read from a remote, before any check (profiles' and policies').
#[derive(Deserialize)]
pub(crate) struct RawManifest {
    #[serde(rename = "schemaVersion")]
    pub(crate) schema_version: u32,
    #[serde(rename = "artifactType", default)]
    pub(crate) artifact_type: Option<String>,
    pub(crate) config: Descriptor,
    pub(crate) layers: Vec<Descriptor>,
    #[serde(default)]
    pub(crate) annotations: std::collections::BTreeMap<String, String>,
}

impl RawManifest {
    /// Whether its config is the empty descriptor every manifest here has.
    pub(crate) fn has_empty_config(&self) -> bool {
        self.config.media_type == EMPTY_MEDIA_TYPE && self.config.digest == digest(EMPTY_CONFIG)
    }
}

/// A version manifest read from a remote: the two layers, and the version its annotation
/// claims (a hint only: the signed statement decides).
#[derive(Debug, Clone)]
pub struct VersionManifest {
    /// The envelope layer.
    pub envelope: Descriptor,
    /// The payload layer (its digest should be the artifact id).
    pub payload: Descriptor,
    /// The annotated version, if any.
    pub claimed_version: Option<u64>,
    /// The annotated `previous` artifact id, if any.
    pub claimed_previous: Option<String>,
}

/// Parses a manifest served for a version or head tag, refusing anything that is not this
/// program's artifact (wrong artifact type, config, layers, digests or sizes over the limit).
pub fn parse_version_manifest(bytes: &[u8]) -> Result<VersionManifest, String> {
    let raw: RawManifest =
        serde_json::from_slice(bytes).map_err(|e| format!("the manifest is not an OCI image manifest ({e})"))?;
    if raw.schema_version != 2 || raw.artifact_type.as_deref() != Some(STATEMENT_TYPE) {
        return Err(format!(
            "the manifest's artifactType is {:?}, not {STATEMENT_TYPE}: not an mcp-orchestration artifact",
            raw.artifact_type
        ));
    }
    if !raw.has_empty_config() {
        return Err("the manifest's config is not the empty descriptor".into());
    }
    let [envelope, payload] = <[Descriptor; 2]>::try_from(raw.layers)
        .map_err(|l| format!("the manifest has {} layers, not 2 (envelope, payload)", l.len()))?;
    if envelope.media_type != ENVELOPE_MEDIA_TYPE || payload.media_type != PAYLOAD_MEDIA_TYPE {
        return Err("the manifest's layers are not an envelope and a payload".into());
    }
    for layer in [&envelope, &payload] {
        if ContentId::parse(&layer.digest).is_err() {
            return Err(format!("layer digest '{}' is not sha256:<64 hex>", layer.digest));
        }
        if layer.size > MAX_BLOB {
            return Err(format!("a layer of {} bytes is over the {MAX_BLOB}-byte limit", layer.size));
        }
    }
    let claimed_version = raw.annotations.get("dev.mcp-orchestration.version").and_then(|v| v.parse().ok());
    let claimed_previous = raw.annotations.get("dev.mcp-orchestration.previous").cloned();
    Ok(VersionManifest { envelope, payload, claimed_version, claimed_previous })
}

/// Parses a key manifest: its one layer.
pub fn parse_key_manifest(bytes: &[u8]) -> Result<Descriptor, String> {
    let raw: RawManifest =
        serde_json::from_slice(bytes).map_err(|e| format!("the key manifest does not parse ({e})"))?;
    let [layer] =
        <[Descriptor; 1]>::try_from(raw.layers).map_err(|_| "the key manifest has not one layer".to_owned())?;
    if layer.media_type != KEY_MEDIA_TYPE || layer.size > 64 * 1024 || ContentId::parse(&layer.digest).is_err() {
        return Err("the key manifest's layer is not a public key".into());
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: &str, p: &str) -> (ClientId, ProfileId) {
        (ClientId::parse_subject(c).expect("client"), ProfileId::parse(p).expect("profile"))
    }

    #[test]
    fn tags_round_trip_and_are_valid_oci_tags() {
        let (c, p) = ids("_shared", "team.dev-1");
        let id = ContentId::of(b"x");
        let oci_tag = |t: &str| {
            t.len() <= 128
                && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        let head = head_tag(&c, &p);
        let version = version_tag(&c, &p, 42, &id);
        assert!(oci_tag(&head) && oci_tag(&version) && oci_tag(&key_tag(&"a".repeat(64))));
        assert_eq!(parse_tag(&head), Some(TagKind::Head(c.clone(), p.clone())));
        assert_eq!(parse_tag(&version), Some(TagKind::Version(c, p, 42, id.hex()[..12].to_owned())));
        assert_eq!(parse_tag(&key_tag(&"a".repeat(64))), None);
        assert_eq!(parse_tag("latest"), None);
    }

    #[test]
    fn the_manifest_is_the_same_bytes_every_time_and_parses_back() {
        let (c, p) = ids("cursor", "default");
        let a = version_manifest(b"env", b"pay", &c, &p, 3);
        assert_eq!(a, version_manifest(b"env", b"pay", &c, &p, 3));
        let parsed = parse_version_manifest(&a).expect("parses");
        assert_eq!(parsed.payload.digest, digest(b"pay"));
        assert_eq!(parsed.claimed_version, Some(3));
        assert_eq!(parsed.claimed_previous, None);
        let envelope = br#"{"statement":{"previous":"sha256:ab","version":3}}"#;
        let parsed = parse_version_manifest(&version_manifest(envelope, b"pay", &c, &p, 3)).expect("parses");
        assert_eq!(parsed.claimed_previous.as_deref(), Some("sha256:ab"));
    }

    #[test]
    fn a_foreign_manifest_is_refused() {
        let other = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:00","size":1},"layers":[]}"#;
        assert!(parse_version_manifest(other).expect_err("refused").contains("artifactType"));
    }
}
