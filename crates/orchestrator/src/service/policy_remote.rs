//! `policy push` and `policy pull`: signed policies through the remote's OCI repository (tags
//! and manifest in `policy/remote.rs`). A pull verifies every policy exactly like `policy trust`
//! of a file — the signer trusted by this home's trust store (never a key the remote serves),
//! the policy statement type, the signed layer and name the tag's, the rollback floor — and
//! installs nothing unless every policy in scope passed; `sync --from` runs it before the
//! profiles' pull, so a fleet follows the organisation's policy before it deploys.

use super::Orchestrator;
use super::remote::CredentialSource;
use crate::canonical::ContentId;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::policy::remote::{self as layout, PolicyManifest};
use crate::policy::{PolicyError, PolicyLayer, VerifiedPolicy, layers, signed};
use crate::remote::layout::EMPTY_CONFIG;
use crate::remote::oci::OciRemote;

/// Which policies a push or pull covers: a layer, a name, or both (none: every policy).
#[derive(Debug, Clone, Default)]
pub struct PolicyScope {
    /// Only this layer.
    pub layer: Option<PolicyLayer>,
    /// Only this name.
    pub name: Option<String>,
}

impl PolicyScope {
    fn covers(&self, layer: PolicyLayer, name: &str) -> bool {
        self.layer.is_none_or(|l| l == layer) && self.name.as_deref().is_none_or(|n| n == name)
    }
}

/// What a policy push or pull did for one policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyTransfer {
    /// `org`, `team` or `user`.
    pub layer: PolicyLayer,
    /// The policy's name.
    pub name: String,
    /// The version now on both sides.
    pub version: u64,
    /// `pushed`, `pulled` or `up_to_date`.
    pub state: &'static str,
}

/// What `policy push` or `policy pull` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyTransferReport {
    /// The remote's name.
    pub remote: String,
    /// Per policy, highest layer first.
    pub policies: Vec<PolicyTransfer>,
}

fn row(policy: &VerifiedPolicy, state: &'static str) -> PolicyTransfer {
    PolicyTransfer { layer: policy.layer(), name: policy.name().to_owned(), version: policy.version(), state }
}

impl Orchestrator {
    /// `policy push`: every installed policy in scope (each verified now) becomes the remote's
    /// newest of its layer and name, unless the remote holds a newer one or another policy of
    /// the same version (refused, exit 7: pull first).
    pub fn policy_push(
        &self,
        name: Option<&str>,
        scope: &PolicyScope,
        source: &CredentialSource<'_>,
    ) -> Result<PolicyTransferReport> {
        self.on_remote("policy_push", name, |name| {
            let trust = self.trust()?;
            let mut policies = Vec::new();
            for installed in layers::installed(self.home(), &trust) {
                if !scope.covers(installed.layer, &installed.name) {
                    continue;
                }
                let verified = installed.policy.clone().map_err(|reason| PolicyError::Installed {
                    layer: installed.layer,
                    name: installed.name.clone(),
                    path: installed.path.clone(),
                    reason,
                })?;
                let bytes = fsutil::read(&installed.path)?;
                policies.push((verified, bytes));
            }
            if policies.is_empty() {
                return Err(PolicyError::NotFound {
                    name: scope.name.clone().unwrap_or_else(|| "(any)".into()),
                    layer: scope.layer,
                }
                .into());
            }
            let (_, oci) = self.connect(Some(name), source)?;
            let mut out = Vec::new();
            for (verified, bytes) in &policies {
                out.push(push_one(&oci, verified, bytes)?);
            }
            Ok(PolicyTransferReport { remote: name.clone(), policies: out })
        })
    }

    /// `policy pull` (and the first step of `sync --from`): the remote's newest policy of every
    /// layer and name in scope, each verified like `policy trust` of a file; all are installed
    /// under the home lock only when every one passed (a refusal installs nothing).
    pub fn policy_pull(
        &self,
        name: Option<&str>,
        scope: &PolicyScope,
        source: &CredentialSource<'_>,
    ) -> Result<PolicyTransferReport> {
        self.on_remote("policy_pull", name, |name| {
            let (_, oci) = self.connect(Some(name), source)?;
            let trust = self.trust()?;
            let mut heads: Vec<(PolicyLayer, String)> = oci
                .list_tags()?
                .iter()
                .filter_map(|t| layout::parse_head_tag(t))
                .filter(|(l, n)| scope.covers(*l, n))
                .collect();
            heads.sort();
            let integrity = |message: String| Error::RemoteIntegrity { remote: name.clone(), message };
            let mut rows = Vec::new();
            let mut fetched: Vec<(VerifiedPolicy, String, Vec<u8>)> = Vec::new();
            for (layer, policy) in heads {
                let tag = layout::head_tag(layer, &policy);
                let Some((bytes, _)) = oci.manifest(&tag)? else { continue };
                let manifest: PolicyManifest =
                    layout::parse_manifest(&bytes).map_err(|m| integrity(format!("{tag}: {m}")))?;
                let installed = self.home().policy_file(layer.as_str(), &policy);
                let current = fsutil::read_optional(&installed)?.map(|b| ContentId::of(b.trim_ascii_end()));
                let origin = format!("{name}:{tag}");
                if current.as_ref().is_some_and(|c| c.as_str() == manifest.layer.digest) {
                    // The installed file is the remote's bytes: read it as every use does.
                    let verified = signed::verify(&fsutil::read(&installed)?, &trust)
                        .map_err(|reason| PolicyError::Verify { origin: installed.clone(), reason })?;
                    rows.push(row(&verified, "up_to_date"));
                    continue;
                }
                let file = oci.blobs(std::slice::from_ref(&manifest.layer))?.pop().unwrap_or_default();
                let verified = signed::verify(&file, &trust)
                    .map_err(|reason| PolicyError::Verify { origin: origin.clone().into(), reason })?;
                if verified.layer() != layer || verified.name() != policy {
                    return Err(integrity(format!(
                        "{tag} holds policy {}/{}, not {layer}/{policy}: refused as a substitution; nothing was installed",
                        verified.layer(),
                        verified.name()
                    )));
                }
                rows.push(row(&verified, "pulled"));
                fetched.push((verified, origin, file));
            }
            let checked: Vec<(&VerifiedPolicy, String)> = fetched.iter().map(|(v, o, _)| (v, o.clone())).collect();
            self.check_floors(&checked)?;
            if !fetched.is_empty() {
                let install: Vec<(&VerifiedPolicy, String, &[u8])> =
                    fetched.iter().map(|(v, o, b)| (v, o.clone(), b.as_slice())).collect();
                self.install_policies(&install)?;
            }
            Ok(PolicyTransferReport { remote: name.clone(), policies: rows })
        })
    }
}

/// Pushes one verified policy: the blob, its version tag, then its head tag.
fn push_one(oci: &OciRemote, policy: &VerifiedPolicy, bytes: &[u8]) -> Result<PolicyTransfer> {
    let bytes = bytes.trim_ascii_end();
    let head = layout::head_tag(policy.layer(), policy.name());
    let manifest = layout::manifest(bytes, policy);
    if let Some((theirs, digest)) = oci.manifest(&head)? {
        if digest == crate::remote::layout::digest(&manifest) {
            return Ok(row(policy, "up_to_date"));
        }
        let claimed = layout::parse_manifest(&theirs).ok().and_then(|m: PolicyManifest| {
            let same_bytes = m.layer.digest == crate::remote::layout::digest(bytes);
            m.claimed_version.map(|v| (v, same_bytes))
        });
        let pull_first = |why: String| Error::Conflict {
            message: format!(
                "policy {}/{}: {why}: pull first (`mcp-orchestration policy pull {}`), sign a newer version and push again",
                policy.layer(),
                policy.name(),
                oci.name()
            ),
        };
        match claimed {
            Some((v, _)) if v > policy.version() => {
                return Err(pull_first(format!(
                    "the remote holds version {v}, newer than this home's {}",
                    policy.version()
                )));
            }
            Some((v, false)) if v == policy.version() => {
                return Err(pull_first(format!("the remote holds another policy under version {v}")));
            }
            _ => {}
        }
    }
    oci.push_blobs(vec![EMPTY_CONFIG.to_vec(), bytes.to_vec()])?;
    oci.push_manifests(vec![(layout::version_tag(policy.layer(), policy.name(), policy.version()), manifest.clone())])?;
    oci.push_manifests(vec![(head, manifest)])?;
    Ok(row(policy, "pushed"))
}
