//! The rollback floor of policies: for each layer and name, the highest version this home has
//! installed and the digest of that version's file (`policies/seen/<layer>/<name>.json`, like a
//! profile's `seen/` floor). Installing or pulling a policy older than the floor is refused
//! (exit 9, nothing changes); one of the floor's version with other bytes is an equivocation
//! (the signer, or someone with its key, signed two policies under one version) and is refused
//! too (exit 4). The floor only rises: `policy remove` leaves it, so a removed policy cannot
//! come back older. An installed file below its floor (copied back by hand) is not honoured.
//! Policies signed before versions existed are version 0: below every versioned one, and
//! free to replace each other (they cannot be ordered).

use serde::{Deserialize, Serialize};

use super::layers::PolicyLayer;
use super::signed::VerifiedPolicy;
use crate::canonical::ContentId;
use crate::fsutil;
use crate::home::Home;

/// The highest version of one policy this home has installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    /// The version.
    pub version: u64,
    /// `sha256:` of that version's signed file.
    pub digest: ContentId,
}

/// Why a policy is refused by the floor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FloorError {
    /// Older than the version this home has installed (exit 9).
    #[error(
        "version {version} is older than version {seen} this home has installed (rollback): nothing was changed; the signer must sign the rules again with a version above {seen}"
    )]
    Rollback {
        /// The version offered.
        version: u64,
        /// The floor.
        seen: u64,
    },
    /// The floor's version with other bytes (exit 4).
    #[error(
        "version {version} was installed here as {seen_digest}, and this is another policy ({digest}) under the same version (equivocation): nothing was changed; the signer must sign with a version above {version}"
    )]
    Equivocation {
        /// The version.
        version: u64,
        /// The digest installed at that version.
        seen_digest: ContentId,
        /// The digest offered.
        digest: ContentId,
    },
    /// The floor file could not be read.
    #[error("its rollback floor {path} cannot be read ({detail}): restore it or remove it to start from this policy")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
}

/// The floor of (layer, name), if this home ever installed that policy.
pub fn seen(home: &Home, layer: PolicyLayer, name: &str) -> Result<Option<Seen>, FloorError> {
    let path = home.policy_seen(layer.as_str(), name);
    let unreadable = |detail: String| FloorError::Unreadable { path: path.display().to_string(), detail };
    match fsutil::read_optional(&path).map_err(|e| unreadable(e.to_string()))? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| unreadable(e.to_string())),
    }
}

/// Checks `policy` against the floor of its layer and name: `Ok` when it is the floor's own
/// version and bytes or newer.
pub fn check(home: &Home, policy: &VerifiedPolicy) -> Result<(), FloorError> {
    let Some(seen) = seen(home, policy.layer(), policy.name())? else { return Ok(()) };
    let version = policy.version();
    if version < seen.version {
        return Err(FloorError::Rollback { version, seen: seen.version });
    }
    // Version 0 (signed before versions existed) cannot be ordered: one such policy may
    // replace another, as before versions; never a versioned one (the check above).
    if version == seen.version && version > 0 && *policy.digest() != seen.digest {
        return Err(FloorError::Equivocation { version, seen_digest: seen.digest, digest: policy.digest().clone() });
    }
    Ok(())
}

/// Raises the floor to `policy` (called under the home lock after its file was written, so a
/// kill between the two leaves the floor below the installed file, which is valid).
pub fn raise(home: &Home, policy: &VerifiedPolicy) -> Result<(), fsutil::FsError> {
    let current = seen(home, policy.layer(), policy.name()).ok().flatten();
    if current.as_ref().is_some_and(|s| s.version >= policy.version()) {
        return Ok(());
    }
    let floor = Seen { version: policy.version(), digest: policy.digest().clone() };
    // A version and a digest: serialization has no failure case.
    let bytes = serde_json::to_vec(&floor).unwrap_or_default();
    fsutil::write_atomic(&home.policy_seen(policy.layer().as_str(), policy.name()), &bytes, 0o600)
}

/// The version a new signature of (layer, name) gets by default: one above the floor, or 1.
pub fn next_version(home: &Home, layer: PolicyLayer, name: &str) -> u64 {
    seen(home, layer, name).ok().flatten().map_or(1, |s| s.version + 1)
}

#[cfg(test)]
mod tests {
    //! The floor's rules on real files: legacy (version 0) policies, a floor that only rises,
    //! and an unreadable floor.

    use serde_json::json;

    use super::*;
    use crate::canonical;
    use crate::crypto::{self, KeyPair};
    use crate::policy::signed::{self, POLICY_TYPE, Signing};
    use crate::policy::{PolicyDocument, PolicyLayer};
    use crate::trust::TrustStore;

    fn key() -> KeyPair {
        KeyPair::from_seed(&[3; 32])
    }

    fn verify(bytes: &[u8]) -> VerifiedPolicy {
        let mut trust = TrustStore::new();
        trust.insert(key().public().clone());
        signed::verify(bytes, &trust).expect("verifies")
    }

    fn versioned(version: u64, deny: &str) -> VerifiedPolicy {
        let document =
            PolicyDocument::from_value(&json!({"schema_version": 1, "servers": {"deny": [deny]}})).expect("doc");
        let signing = Signing { name: "acme", layer: PolicyLayer::Org, version };
        verify(&signed::sign(&document, signing, &key(), "2026-11-25T12:00:00Z".parse().expect("now")))
    }

    /// A policy signed before versions existed: its statement has no `version`.
    fn legacy(deny: &str) -> VerifiedPolicy {
        let rules = json!({"schema_version": 1, "servers": {"deny": [deny]}});
        let statement = json!({"_type": POLICY_TYPE, "name": "acme", "layer": "org",
            "created_at": "2026-11-20T12:00:00Z", "policy_id": ContentId::of(&canonical::jcs(&rules)).to_string()});
        let sig = key().sign(&crypto::pae(POLICY_TYPE, &canonical::jcs(&statement)));
        verify(&canonical::jcs(&json!({"payload_type": POLICY_TYPE, "statement": statement, "policy": rules,
            "signature": {"alg": "ed25519", "key_id": key().public().id().to_string(), "sig": sig}})))
    }

    #[test]
    fn legacy_policies_replace_each_other_but_never_a_versioned_one() {
        let dir = tempfile::tempdir().expect("dir");
        let home = Home::new(dir.path());
        let (old, other) = (legacy("a"), legacy("b"));
        assert_eq!(old.version(), 0);
        check(&home, &old).expect("no floor yet");
        raise(&home, &old).expect("raise");
        check(&home, &other).expect("version 0 may replace version 0");
        let v1 = versioned(1, "a");
        check(&home, &v1).expect("newer");
        raise(&home, &v1).expect("raise");
        assert_eq!(check(&home, &other), Err(FloorError::Rollback { version: 0, seen: 1 }));
        assert_eq!(next_version(&home, PolicyLayer::Org, "acme"), 2);
        assert_eq!(next_version(&home, PolicyLayer::Team, "acme"), 1);
    }

    #[test]
    fn the_floor_only_rises_and_an_unreadable_one_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        let home = Home::new(dir.path());
        let (v2, v1) = (versioned(2, "a"), versioned(1, "a"));
        raise(&home, &v2).expect("raise");
        raise(&home, &v1).expect("no-op");
        let seen = seen(&home, PolicyLayer::Org, "acme").expect("read").expect("floor");
        assert_eq!((seen.version, &seen.digest), (2, v2.digest()));
        let other = versioned(2, "b");
        assert!(matches!(check(&home, &other), Err(FloorError::Equivocation { version: 2, .. })));
        std::fs::write(home.policy_seen("org", "acme"), b"not json").expect("corrupt");
        let error = check(&home, &v2).expect_err("unreadable");
        assert!(matches!(error, FloorError::Unreadable { .. }), "{error}");
        assert!(error.to_string().contains("policies/seen/org/acme.json"), "{error}");
    }
}
