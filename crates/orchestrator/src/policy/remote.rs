//! How a signed policy lives in an OCI repository (the remote's, beside the profiles): its tags
//! and its manifest. Nothing here trusts what a remote serves: `service/policy_remote.rs`
//! verifies the bytes exactly like `policy trust` of a file before anything is installed.
//!
//! Tags (valid OCI tags; a layer is `org`, `team` or `user` and a policy name follows the
//! profile grammar, which has no `_`, so `__` separates the parts unambiguously, and the
//! leading `_policy` is neither a client id nor `_shared`, so profile pulls ignore them):
//!
//! ```text
//! _policy__<layer>__<name>               the newest version pushed (moved by `policy push`)
//! _policy__<layer>__<name>__v<version>   one version (at least 10 digits; written once)
//! ```
//!
//! The manifest is an OCI image manifest with `artifactType` [`POLICY_TYPE`]
//! (`application/vnd.mcp-orchestration.policy.v1+json`, not a profile's), the empty config
//! descriptor and one layer of media type [`SIGNED_POLICY_MEDIA_TYPE`] holding the exact bytes
//! of the signed policy file. Annotations name the layer, name and version (hints only: the
//! signed statement decides). Its bytes are JCS, so one policy has one manifest digest everywhere.

use serde_json::json;

use super::layers::PolicyLayer;
use super::signed::{POLICY_TYPE, VerifiedPolicy};
use crate::canonical::ContentId;
use crate::ids::ProfileId;
use crate::remote::layout::{self, Descriptor, RawManifest};

/// The media type of the one layer: a signed policy file's bytes.
pub const SIGNED_POLICY_MEDIA_TYPE: &str = "application/vnd.mcp-orchestration.signed-policy.v1+json";

/// Largest signed policy a pull accepts.
pub const MAX_POLICY: u64 = 4 * 1024 * 1024;

const PREFIX: &str = "_policy";

/// The tag of a policy's newest version.
pub fn head_tag(layer: PolicyLayer, name: &str) -> String {
    format!("{PREFIX}__{layer}__{name}")
}

/// The tag of one version.
pub fn version_tag(layer: PolicyLayer, name: &str, version: u64) -> String {
    format!("{PREFIX}__{layer}__{name}__v{version:010}")
}

/// The (layer, name) a head tag names; `None` for every other tag.
pub fn parse_head_tag(tag: &str) -> Option<(PolicyLayer, String)> {
    let mut parts = tag.split("__");
    if parts.next()? != PREFIX {
        return None;
    }
    let layer = PolicyLayer::parse(parts.next()?)?;
    let name = ProfileId::parse(parts.next()?).ok()?;
    parts.next().is_none().then(|| (layer, name.as_str().to_owned()))
}

/// The manifest bytes of a signed policy (JCS).
pub fn manifest(bytes: &[u8], policy: &VerifiedPolicy) -> Vec<u8> {
    let annotations = json!({
        "dev.mcp-orchestration.policy.layer": policy.layer().as_str(),
        "dev.mcp-orchestration.policy.name": policy.name(),
        "dev.mcp-orchestration.policy.version": policy.version().to_string(),
    });
    layout::manifest(POLICY_TYPE, &[(SIGNED_POLICY_MEDIA_TYPE, bytes)], Some(annotations))
}

/// A policy manifest read from a remote: its layer and the version it claims (a hint).
#[derive(Debug, Clone)]
pub struct PolicyManifest {
    /// The signed policy's layer.
    pub layer: Descriptor,
    /// The annotated version, if any.
    pub claimed_version: Option<u64>,
}

/// Parses a manifest served under a policy tag, refusing anything that is not a policy
/// artifact (a profile's artifact re-tagged as a policy is refused here by its artifact type).
pub fn parse_manifest(bytes: &[u8]) -> Result<PolicyManifest, String> {
    let raw: RawManifest =
        serde_json::from_slice(bytes).map_err(|e| format!("the manifest is not an OCI image manifest ({e})"))?;
    if raw.schema_version != 2 || raw.artifact_type.as_deref() != Some(POLICY_TYPE) {
        return Err(format!(
            "the manifest's artifactType is {}, not {POLICY_TYPE}: not a signed policy",
            raw.artifact_type.as_deref().unwrap_or("absent")
        ));
    }
    if !raw.has_empty_config() {
        return Err("the manifest's config is not the empty descriptor".into());
    }
    let [layer] = <[Descriptor; 1]>::try_from(raw.layers)
        .map_err(|l| format!("the manifest has {} layers, not 1 (the signed policy)", l.len()))?;
    if layer.media_type != SIGNED_POLICY_MEDIA_TYPE {
        return Err(format!("the manifest's layer is {}, not a signed policy", layer.media_type));
    }
    if ContentId::parse(&layer.digest).is_err() {
        return Err(format!("layer digest '{}' is not sha256:<64 hex>", layer.digest));
    }
    if layer.size > MAX_POLICY {
        return Err(format!("a signed policy of {} bytes is over the {MAX_POLICY}-byte limit", layer.size));
    }
    let claimed_version = raw.annotations.get("dev.mcp-orchestration.policy.version").and_then(|v| v.parse().ok());
    Ok(PolicyManifest { layer, claimed_version })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical;
    use crate::crypto::KeyPair;
    use crate::policy::signed::{self, Signing};
    use crate::trust::TrustStore;

    fn signed() -> (Vec<u8>, VerifiedPolicy) {
        let key = KeyPair::from_seed(&[2; 32]);
        let mut trust = TrustStore::new();
        trust.insert(key.public().clone());
        let document = crate::policy::PolicyDocument::from_value(&json!({"schema_version": 1})).expect("document");
        let bytes = signed::sign(
            &document,
            Signing { name: "acme", layer: PolicyLayer::Org, version: 7 },
            &key,
            "2026-11-25T12:00:00Z".parse().expect("now"),
        );
        let verified = signed::verify(&bytes, &trust).expect("verifies");
        (bytes, verified)
    }

    #[test]
    fn tags_are_valid_oci_tags_and_only_heads_parse() {
        let head = head_tag(PolicyLayer::Team, "acme.dev-1");
        let version = version_tag(PolicyLayer::Team, "acme.dev-1", 42);
        for tag in [&head, &version] {
            assert!(tag.len() <= 128 && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
        }
        assert_eq!(version, "_policy__team__acme.dev-1__v0000000042");
        assert_eq!(parse_head_tag(&head), Some((PolicyLayer::Team, "acme.dev-1".into())));
        for other in [&version[..], "_shared__team", "_policy__boss__x", "_policy__org__Bad", "_keys__ab"] {
            assert_eq!(parse_head_tag(other), None, "{other}");
        }
        assert!(crate::remote::layout::parse_tag(&head).is_none(), "profile pulls ignore policy tags");
    }

    #[test]
    fn the_manifest_parses_back_and_foreign_ones_are_refused() {
        let (bytes, verified) = signed();
        let m = manifest(&bytes, &verified);
        assert_eq!(m, manifest(&bytes, &verified));
        let parsed = parse_manifest(&m).expect("parses");
        assert_eq!(parsed.layer.digest, layout::digest(&bytes));
        assert_eq!(parsed.claimed_version, Some(7));
        let id = ContentId::of(b"x");
        let c = crate::ids::ClientId::parse_subject("_shared").expect("subject");
        let p = ProfileId::parse("team").expect("profile");
        let profile = layout::version_manifest(b"{}", b"{}", &c, &p, 1);
        assert!(parse_manifest(&profile).expect_err("profile").contains("not a signed policy"));
        let mut value: serde_json::Value = serde_json::from_slice(&m).expect("json");
        value["layers"][0]["mediaType"] = json!("text/plain");
        assert!(parse_manifest(&canonical::jcs(&value)).expect_err("media type").contains("text/plain"));
        value["layers"] = json!([]);
        assert!(parse_manifest(&canonical::jcs(&value)).expect_err("layers").contains("0 layers"));
        value["config"]["digest"] = json!(id.as_str());
        assert!(parse_manifest(&canonical::jcs(&value)).expect_err("config").contains("empty descriptor"));
        assert!(parse_manifest(b"[]").expect_err("shape").contains("not an OCI image manifest"));
    }
}
