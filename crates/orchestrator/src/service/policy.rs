//! Policy operations (`policy sign|trust|list|remove|check`) and the enforcement that
//! `publish`, `deploy`, `sync` and `add` call: every installed policy is verified against the
//! trust store on each use; one that does not verify refuses the operation (never ignored),
//! and a document that breaks a rule is refused (exit 6) naming the rule, the policy and the
//! server, before anything is written.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::files::ClientFile;
use super::sync::SyncTargets;
use crate::deploy::write;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ids::{ClientId, ProfileId};
use crate::policy::{
    self, Effective, Finding, Installed, PolicyDocument, PolicyError, PolicyLayer, VerifiedPolicy, layers, signed,
};
use crate::secrets::{SecretStore, SecretValue};

/// One installed policy as `policy list` and `policy check` show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicySummary {
    /// `org`, `team` or `user`.
    pub layer: PolicyLayer,
    /// The policy's name.
    pub name: String,
    /// The file in the home.
    pub path: String,
    /// The key that signed it (when it verified).
    pub key_id: Option<String>,
    /// `sha256:` of its rules (when it verified).
    pub policy_id: Option<String>,
    /// When it was signed (when it verified).
    pub created_at: Option<jiff::Timestamp>,
    /// Its version (when it verified; 0: signed before versions existed).
    pub version: Option<u64>,
    /// Its description (when it verified and has one).
    pub description: Option<String>,
    /// None when it verified and is honoured; else why not.
    pub error: Option<String>,
    /// The exit code of that error.
    pub exit_code: Option<u8>,
}

/// What `policy check` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyReport {
    /// What was checked (a file, or `client/profile`).
    pub subject: String,
    /// The number of servers checked.
    pub servers: usize,
    /// The policies in force, highest layer first.
    pub policies: Vec<PolicySummary>,
    /// Their combined settings.
    pub effective: Effective,
    /// Every rule broken (empty: allowed).
    pub findings: Vec<Finding>,
}

fn summary_of(installed: &Installed) -> PolicySummary {
    let mut summary = PolicySummary {
        layer: installed.layer,
        name: installed.name.clone(),
        path: installed.path.display().to_string(),
        key_id: None,
        policy_id: None,
        created_at: None,
        version: None,
        description: None,
        error: None,
        exit_code: None,
    };
    match &installed.policy {
        Ok(verified) => {
            summary.key_id = Some(verified.key_id().to_owned());
            summary.policy_id = Some(verified.statement().policy_id.to_string());
            summary.created_at = Some(verified.statement().created_at);
            summary.version = Some(verified.version());
            summary.description = verified.document().description.clone();
        }
        Err(error) => {
            let error = not_honoured(installed, error.clone());
            summary.exit_code = Some(error.kind().exit_code());
            summary.error = Some(error.to_string());
        }
    }
    summary
}

fn not_honoured(installed: &Installed, reason: policy::InstalledError) -> PolicyError {
    PolicyError::Installed {
        layer: installed.layer,
        name: installed.name.clone(),
        path: installed.path.clone(),
        reason,
    }
}

fn layer_meta(layer: Option<PolicyLayer>, name: &str) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("policy".into(), json!(name.chars().take(64).collect::<String>()));
    if let Some(layer) = layer {
        meta.insert("layer".into(), json!(layer.as_str()));
    }
    meta
}

impl Orchestrator {
    /// Signs a policy document (JSON text read from `origin`) with this home's key as policy
    /// `name` of `layer` at `version` (default: one above this home's floor for it, or 1): the
    /// bytes of the signed policy file (nothing is written).
    pub fn policy_sign(
        &self,
        text: &str,
        origin: &Path,
        layer: PolicyLayer,
        name: &str,
        version: Option<u64>,
    ) -> Result<Vec<u8>> {
        self.traced("policy_sign", layer_meta(Some(layer), name), || {
            ProfileId::parse(name)?;
            let document = PolicyDocument::parse(text)
                .map_err(|reason| PolicyError::Document { origin: origin.to_path_buf(), reason })?;
            self.ensure_initialized()?;
            let key = crate::keys::load_signing_key(self.home())?;
            let version = version.unwrap_or_else(|| policy::floor::next_version(self.home(), layer, name));
            Ok(signed::sign(&document, signed::Signing { name, layer, version }, &key, self.now()))
        })
    }

    /// Checks verified policies against the rollback floor (exit 9 older, 4 equivocation).
    pub(crate) fn check_floors(&self, policies: &[(&VerifiedPolicy, String)]) -> Result<()> {
        for (verified, origin) in policies {
            policy::floor::check(self.home(), verified).map_err(|reason| PolicyError::Floor {
                origin: origin.clone(),
                layer: verified.layer(),
                name: verified.name().to_owned(),
                reason,
            })?;
        }
        Ok(())
    }

    /// Installs verified policies (their exact bytes): floors checked again under the lock,
    /// then each file written, then its floor raised. True for each that replaced a file.
    pub(crate) fn install_policies(&self, policies: &[(&VerifiedPolicy, String, &[u8])]) -> Result<Vec<bool>> {
        let _lock = self.lock()?;
        let checked: Vec<(&VerifiedPolicy, String)> = policies.iter().map(|(v, o, _)| (*v, o.clone())).collect();
        self.check_floors(&checked)?;
        let mut replaced = Vec::new();
        for (verified, _, bytes) in policies {
            let path = self.home().policy_file(verified.layer().as_str(), verified.name());
            replaced.push(path.exists());
            fsutil::write_atomic(&path, bytes.trim_ascii_end(), 0o600)?;
            policy::floor::raise(self.home(), verified)?;
        }
        Ok(replaced)
    }

    /// Installs a signed policy (read from `origin`) into the home, after verifying it against
    /// the trust store: an unsigned, tampered or untrusted one is refused and nothing is
    /// written. A policy of the same layer and name is replaced (the second value is true) by
    /// a newer one only: an older one is refused (exit 9), another one of the same version too
    /// (exit 4), by the rollback floor (`policy/floor.rs`).
    pub fn policy_trust(&self, bytes: &[u8], origin: &Path) -> Result<(PolicySummary, bool)> {
        let mut meta = Map::new();
        meta.insert("origin".into(), json!(origin.display().to_string()));
        self.traced("policy_trust", meta, || {
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let verified = signed::verify(bytes, &trust)
                .map_err(|reason| PolicyError::Verify { origin: origin.to_path_buf(), reason })?;
            let from = origin.display().to_string();
            self.check_floors(&[(&verified, from.clone())])?;
            let replaced = self.install_policies(&[(&verified, from, bytes)])?.first().copied().unwrap_or(false);
            let path = self.home().policy_file(verified.layer().as_str(), verified.name());
            let installed =
                Installed { layer: verified.layer(), name: verified.name().to_owned(), path, policy: Ok(verified) };
            Ok((summary_of(&installed), replaced))
        })
    }

    /// Every installed policy, highest layer first, each verified now (a policy that does not
    /// verify is listed with why).
    pub fn policy_list(&self) -> Result<Vec<PolicySummary>> {
        self.ensure_initialized()?;
        let trust = self.trust()?;
        Ok(layers::installed(self.home(), &trust).iter().map(summary_of).collect())
    }

    /// Removes an installed policy (the layer may be left out when only one layer has the
    /// name); exit 3 when there is none.
    pub fn policy_remove(&self, name: &str, layer: Option<PolicyLayer>) -> Result<PolicySummary> {
        self.traced("policy_remove", layer_meta(layer, name), || {
            ProfileId::parse(name)?;
            self.ensure_initialized()?;
            let _lock = self.lock()?;
            let layers: Vec<PolicyLayer> = PolicyLayer::ALL
                .into_iter()
                .filter(|l| layer.is_none_or(|wanted| wanted == *l))
                .filter(|l| self.home().policy_file(l.as_str(), name).exists())
                .collect();
            let layer = match layers.as_slice() {
                [] => return Err(PolicyError::NotFound { name: name.to_owned(), layer }.into()),
                [one] => *one,
                _ => return Err(PolicyError::Ambiguous { name: name.to_owned(), layers }.into()),
            };
            let path = self.home().policy_file(layer.as_str(), name);
            let summary = PolicySummary {
                layer,
                name: name.to_owned(),
                path: path.display().to_string(),
                key_id: None,
                policy_id: None,
                created_at: None,
                version: None,
                description: None,
                error: None,
                exit_code: None,
            };
            std::fs::remove_file(&path).map_err(|e| fsutil::FsError::new("cannot remove", &path, e))?;
            Ok(summary)
        })
    }

    /// The policies in force, highest layer first. An installed policy that does not verify
    /// refuses the calling operation (exit 4 or 8), naming it.
    pub(crate) fn policies_in_force(&self) -> Result<Vec<VerifiedPolicy>> {
        let trust = self.trust()?;
        let mut out = Vec::new();
        for installed in layers::installed(self.home(), &trust) {
            match &installed.policy {
                Ok(verified) => out.push(verified.clone()),
                Err(error) => return Err(not_honoured(&installed, error.clone()).into()),
            }
        }
        Ok(out)
    }

    /// Refuses `document` (exit 6) when it breaks a rule of a policy in force.
    pub(crate) fn enforce_policies(&self, document: &Value) -> Result<()> {
        let findings = policy::evaluate(&self.policies_in_force()?, document);
        if findings.is_empty() { Ok(()) } else { Err(PolicyError::Violation { findings }.into()) }
    }

    /// `sync`'s check, before any file is written: the head every target's client follows.
    pub(crate) fn enforce_policies_for_sync(&self, profile: &str, targets: &SyncTargets) -> Result<()> {
        let profile = ProfileId::parse(profile)?;
        let trust = self.trust()?;
        let mut seen = BTreeSet::new();
        for target in &targets.targets {
            let Ok(client) = ClientId::parse(&target.file.client_id) else { continue };
            // A head that cannot be read is reported by that file's own deploy.
            let Ok(head) = self.head_for(&trust, &client, &profile) else { continue };
            if seen.insert(head.id().to_string()) {
                self.enforce_policies(head.payload())?;
            }
        }
        Ok(())
    }

    /// `add`'s check, before a secret is stored: the document `add` would publish, with the
    /// new entry's literal secrets turned into the references it would get.
    pub(crate) fn enforce_policies_for_add(
        &self,
        subject: &ClientId,
        profile: &ProfileId,
        name: &str,
        entry: &Value,
        to_store: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        let mut store = SecretStore::load(self.home())?;
        for (secret, value) in to_store {
            store.set(secret, SecretValue::new(value.clone()));
        }
        let mut single = json!({"mcpServers": {name: entry.clone()}});
        super::extract::extract_secrets(&mut single, &mut store);
        let (mut document, _) = self.edit_base(subject, profile)?;
        if let Some(servers) = document.get_mut("mcpServers").and_then(Value::as_object_mut) {
            servers.insert(name.to_owned(), single["mcpServers"][name].take());
        }
        self.enforce_policies(&document)
    }

    /// `policy check` of a servers document.
    pub fn policy_check_document(&self, subject: &str, document: &Value) -> Result<PolicyReport> {
        let mut meta = Map::new();
        meta.insert("subject".into(), json!(subject.chars().take(200).collect::<String>()));
        self.traced("policy_check", meta, || {
            self.ensure_initialized()?;
            super::check_servers_document(document)?;
            let in_force = self.policies_in_force()?;
            let trust = self.trust()?;
            let policies = layers::installed(self.home(), &trust).iter().map(summary_of).collect();
            Ok(PolicyReport {
                subject: subject.to_owned(),
                servers: document.get("mcpServers").and_then(Value::as_object).map_or(0, Map::len),
                policies,
                effective: layers::effective(&in_force),
                findings: policy::evaluate(&in_force, document),
            })
        })
    }

    /// `policy check FILE`: a servers document in a file.
    pub fn policy_check_text(&self, text: &str, origin: &Path) -> Result<PolicyReport> {
        let document = crate::canonical::parse_strict(text)?;
        self.policy_check_document(&origin.display().to_string(), &document)
    }

    /// `policy check --client C`: the servers of a client's live file, as its dialect reads them.
    pub fn policy_check_file(&self, file: &ClientFile) -> Result<PolicyReport> {
        let client = ClientId::parse(&file.client_id)?;
        let bytes = write::read_existing(&file.path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| Error::NotUtf8 { path: file.path.clone(), offset: e.valid_up_to() })?;
        let document = dialects::import_at(client.as_str(), &file.placement, text)
            .map_err(|e| Error::unparsable(&file.path, e))?;
        self.policy_check_document(&file.path.display().to_string(), &document)
    }

    /// `policy check --client C --profile P`: the head C follows (its own profile, else the
    /// shared one), verified.
    pub fn policy_check_profile(&self, client: &str, profile: &str) -> Result<PolicyReport> {
        let verified = self.get(client, profile)?;
        let subject = format!("{}/{} v{}", verified.statement().client_id, profile, verified.statement().version);
        self.policy_check_document(&subject, verified.payload())
    }
}
