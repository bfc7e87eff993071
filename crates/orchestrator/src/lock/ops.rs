//! The operations: `lock --check` (offline), `lock` / `lock --update` / `lock --probe` (resolve,
//! pin, fingerprint, publish the next version) and `audit` (re-resolve and re-probe, report
//! findings).
//!
//! `lock` is all or nothing for pins: when any package fails to resolve, nothing is published
//! and every failure is reported. A probe that fails does not hold the pins back: the server is
//! published without a fingerprint and the failure is reported (exit 1).

use serde_json::{Map, Value, json};

use super::error::LockFailure;
use super::fingerprint::{ToolPrint, fingerprint};
use super::image;
use super::oci::{ImageAccess, Images};
use super::report::{AuditReport, CheckReport, CheckRow, Finding, FindingKind, LockChange, LockReport, PinState};
use super::{
    DEFAULT_NPM_REGISTRY, DEFAULT_PYPI_INDEX, Fetch, LOCK_KEY, Lock, Probe, ProbeRegistries, npm, pypi,
    without_credentials,
};
use crate::artifact::Verified;
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::package_ref::{Detection, Ecosystem, PackageRef, detect_entry};
use crate::resolve;
use crate::secrets::SecretStore;
use crate::service::{Layer, Orchestrator, PublishOptions};

/// The registries to resolve at, when given by a flag or the environment; otherwise a locked
/// server's own recorded registry, else the public one.
#[derive(Debug, Clone, Default)]
pub struct Registries {
    /// The npm registry base URL.
    pub npm: Option<String>,
    /// The Python package index (simple API) base URL.
    pub pypi: Option<String>,
}

impl Registries {
    fn for_package(&self, ecosystem: Ecosystem, lock: Option<&Lock>) -> String {
        let given = match ecosystem {
            Ecosystem::Npm => self.npm.clone(),
            Ecosystem::Pypi => self.pypi.clone(),
            Ecosystem::Oci => None,
        };
        let recorded = lock.filter(|l| l.ecosystem == Some(ecosystem)).and_then(|l| l.registry.clone());
        given.or(recorded).unwrap_or_else(|| match ecosystem {
            Ecosystem::Npm => DEFAULT_NPM_REGISTRY.to_owned(),
            _ => DEFAULT_PYPI_INDEX.to_owned(),
        })
    }
}

/// How `lock` runs.
pub struct LockOptions<'a> {
    /// Where packages are resolved.
    pub registries: Registries,
    /// `lock --update`: move every pin (`Some(None)`) or one server's (`Some(Some(name))`)
    /// forward within the range first asked for.
    pub update: Option<Option<String>>,
    /// The MCP client that lists a server's tools; `None`: no probing.
    pub probe: Option<&'a dyn Probe>,
    /// Probe every server (`--probe`); otherwise only those with a fingerprint already.
    pub probe_all: bool,
    /// How image registries are reached (credentials, CA, plain HTTP on this machine).
    pub images: ImageAccess<'a>,
}

/// How `audit` runs.
pub struct AuditOptions<'a> {
    /// Where packages are re-resolved.
    pub registries: Registries,
    /// The MCP client that lists a server's tools; `None`: no re-probe (`--no-probe`).
    pub probe: Option<&'a dyn Probe>,
    /// How image registries are reached.
    pub images: ImageAccess<'a>,
}

/// The exact version a pinned reference names (`1.2.3` from `1.2.3`, `==1.2.3`, `===1.2.3`).
fn exact_version(package: &PackageRef) -> Option<String> {
    let requested = package.requested.as_deref()?;
    Some(requested.trim_start_matches('=').trim().to_owned())
}

struct Resolution {
    version: String,
    integrity: String,
    file: Option<String>,
}

fn resolve_package(
    fetch: &dyn Fetch,
    registry: &str,
    package: &PackageRef,
    wanted: Option<&str>,
) -> std::result::Result<Resolution, LockFailure> {
    match package.ecosystem {
        Ecosystem::Npm => npm::resolve(fetch, registry, &package.name, wanted).map(|v| Resolution {
            version: v.version,
            integrity: v.integrity,
            file: None,
        }),
        Ecosystem::Pypi => pypi::resolve(fetch, registry, &package.name, wanted).map(|v| Resolution {
            version: v.version,
            integrity: format!("sha256:{}", v.sha256),
            file: Some(v.file),
        }),
        Ecosystem::Oci => Err(LockFailure::Registry { message: "images are resolved by `image`".into() }),
    }
}

fn servers(document: &Value) -> Vec<(String, Value)> {
    document
        .get("mcpServers")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn check_row(name: &str, entry: &Value) -> CheckRow {
    let lock = Lock::of(entry);
    let image = lock.as_ref().is_some_and(|l| l.ecosystem == Some(Ecosystem::Oci));
    let mut row = CheckRow {
        server: name.to_owned(),
        state: PinState::NoPackage,
        ecosystem: None,
        package: None,
        requested: None,
        // An image's lock has a digest, not a version.
        locked_version: lock.as_ref().and_then(|l| if image { l.integrity.clone() } else { l.version.clone() }),
        tools_sha256: lock.as_ref().and_then(|l| l.tools_sha256.clone()),
        note: None,
    };
    match detect_entry(entry) {
        Detection::Package(p) => {
            row.state = if p.pinned { PinState::Pinned } else { PinState::Unpinned };
            row.ecosystem = Some(p.ecosystem);
            row.package = Some(p.name.clone());
            row.requested = p.requested.clone().or_else(|| p.digest.clone());
            let recorded = lock
                .as_ref()
                .and_then(|l| if p.ecosystem == Ecosystem::Oci { l.integrity.as_ref() } else { l.version.as_ref() });
            if p.pinned && recorded.is_none() {
                row.note = Some("pinned by hand, no digest recorded: run `lock`".into());
            }
        }
        Detection::NotRegistry { ecosystem, reason, .. } => {
            row.state = PinState::Unresolvable;
            row.ecosystem = Some(ecosystem);
            row.note = Some(reason);
        }
        Detection::NotPackage => {}
    }
    row
}

impl Orchestrator {
    /// The profile a lock works on: `subject`'s own (a client without its own profile of that
    /// name is refused with the command that locks what it follows).
    fn lock_subject(&self, subject: &str, profile: &str) -> Result<Verified> {
        let verified = self.get(subject, profile)?;
        if subject != crate::ids::SHARED && Layer::of(&verified) == Layer::Shared {
            return Err(Error::Usage {
                message: format!(
                    "{subject} has no profile '{profile}' of its own: it follows the shared one; lock that with `--all`"
                ),
            });
        }
        Ok(verified)
    }

    /// `lock --check`: how far each server of the profile `subject` follows is pinned. Talks to
    /// no registry.
    pub fn lock_check(&self, subject: &str, profile: &str) -> Result<CheckReport> {
        let verified = self.get(subject, profile)?;
        let rows: Vec<CheckRow> = servers(verified.payload()).iter().map(|(n, e)| check_row(n, e)).collect();
        let unpinned = rows
            .iter()
            .filter(|r| matches!(r.state, PinState::Unpinned | PinState::Unresolvable))
            .map(|r| r.server.clone())
            .collect();
        Ok(CheckReport {
            client_id: verified.statement().client_id.clone(),
            profile_id: verified.statement().profile_id.clone(),
            version: verified.statement().version,
            servers: rows,
            unpinned,
        })
    }

    /// The entry of server `name` as its client starts it: every reference resolved to its
    /// value (the probe starts the process with them), no `lock`; and the values resolved,
    /// which no message may show.
    fn probe_entry(&self, name: &str, entry: &Value, store: &SecretStore) -> Result<(Value, Vec<String>)> {
        let mut single = json!({"mcpServers": {name: entry}});
        super::strip(&mut single);
        let allowlist = self.env_allowlist()?;
        let options = resolve::Options {
            client_env: None,
            env_allowlist: allowlist.as_ref(),
            secret_indirection: None,
            verbatim_servers: None,
        };
        let resolved = resolve::resolve(&single, self.environment(), store, options)?;
        let mut sensitive: Vec<String> = resolved.secrets_used.iter().map(|(_, v)| v.expose().to_owned()).collect();
        sensitive.extend(resolved.env_used.iter().map(|(_, v)| v.clone()));
        Ok((resolved.document["mcpServers"][name].clone(), sensitive))
    }

    /// The server's tool fingerprint, or why it could not be taken (resolved values masked).
    fn probe_one(
        &self,
        probe: &dyn Probe,
        name: &str,
        entry: &Value,
        registries: &Registries,
        store: &SecretStore,
    ) -> std::result::Result<ToolPrint, String> {
        let lock = Lock::of(entry);
        let sources = ProbeRegistries {
            npm: registries.for_package(Ecosystem::Npm, lock.as_ref()),
            pypi: registries.for_package(Ecosystem::Pypi, lock.as_ref()),
        };
        let (entry, sensitive) = self.probe_entry(name, entry, store).map_err(|e| e.to_string())?;
        probe.tools(name, &entry, &sources).map(|tools| fingerprint(&tools)).map_err(|message| {
            let mut sensitive = sensitive;
            sensitive.retain(|v| v.len() >= 4);
            // Longest first, so a value containing another is masked whole.
            sensitive.sort_by_key(|v| std::cmp::Reverse(v.len()));
            sensitive.iter().fold(message, |text, value| text.replace(value.as_str(), "«redacted»"))
        })
    }

    /// `lock`: pins every package server of `subject`'s own profile (`_shared`: the shared
    /// one) and publishes the next version when anything changed.
    pub fn lock_profile(
        &self,
        subject: &str,
        profile: &str,
        fetch: &dyn Fetch,
        options: &LockOptions<'_>,
    ) -> Result<LockReport> {
        let meta = crate::service::ids_meta(subject, profile);
        self.traced("lock", meta, || {
            let subject_id = ClientId::parse_subject(subject)?;
            let profile_id = ProfileId::parse(profile)?;
            let verified = self.lock_subject(subject, profile)?;
            let from_version = verified.statement().version;
            let mut document = verified.payload().clone();
            if let Some(Some(only)) = &options.update
                && document.pointer(&format!("/mcpServers/{}", only.replace('~', "~0").replace('/', "~1"))).is_none()
            {
                let names: Vec<String> = servers(&document).into_iter().map(|(n, _)| n).collect();
                return Err(Error::ServerNotFound {
                    id: only.chars().take(100).collect(),
                    hint: format!("{subject_id}/{profile_id} has no such server (it has: {})", names.join(", ")),
                });
            }
            let store = SecretStore::load(self.home())?;
            let images = Images::new(&options.images);
            let mut changes = Vec::new();
            let names: Vec<String> = servers(&document).into_iter().map(|(n, _)| n).collect();
            for name in names {
                let Some(entry) =
                    document.pointer_mut(&format!("/mcpServers/{}", name.replace('~', "~0").replace('/', "~1")))
                else {
                    continue;
                };
                let Some(fields) = entry.as_object_mut() else { continue };
                let update = match &options.update {
                    None => false,
                    Some(None) => true,
                    Some(Some(only)) => *only == name,
                };
                changes.push(self.lock_entry(&name, fields, (fetch, &images), options, update, &store));
            }
            if changes.iter().any(|c| c.action == "failed") {
                // All or nothing: no pin is published while another failed to resolve.
                let head = verified.statement();
                return Ok(LockReport {
                    client_id: head.client_id.clone(),
                    profile_id: head.profile_id.clone(),
                    from_version,
                    version: from_version,
                    artifact_id: verified.id().to_string(),
                    created: false,
                    changes,
                });
            }
            let text = serde_json::to_string(&document).unwrap_or_default();
            let pinned: Vec<&str> = changes
                .iter()
                .filter(|c| c.action != "unchanged" && c.action != "skipped")
                .map(|c| c.server.as_str())
                .collect();
            let note = format!("lock: {}", if pinned.is_empty() { "no change".to_owned() } else { pinned.join(", ") });
            let publish = PublishOptions {
                note: Some(&note),
                expires_in: None,
                allow_same: false,
                validate_on: None,
                expect_head: Some(Some(from_version)),
            };
            let outcome = self.publish_with(subject_id.as_str(), profile_id.as_str(), &text, &publish)?;
            Ok(LockReport {
                client_id: subject_id.to_string(),
                profile_id: profile_id.to_string(),
                from_version,
                version: outcome.verified.statement().version,
                artifact_id: outcome.verified.id().to_string(),
                created: outcome.created,
                changes,
            })
        })
    }

    /// Locks one entry in place and says what changed.
    fn lock_entry(
        &self,
        name: &str,
        fields: &mut Map<String, Value>,
        (fetch, images): (&dyn Fetch, &Images<'_>),
        options: &LockOptions<'_>,
        update: bool,
        store: &SecretStore,
    ) -> LockChange {
        let entry = Value::Object(fields.clone());
        let old = Lock::of(&entry);
        let mut change = LockChange { server: name.to_owned(), action: "unchanged".into(), ..LockChange::default() };
        let mut lock = old.clone().unwrap_or_default();
        match detect_entry(&entry) {
            Detection::Package(p) if p.ecosystem == Ecosystem::Oci => {
                change.ecosystem = Some(p.ecosystem);
                change.package = Some(p.name.clone());
                if let Err(failure) = image::lock(images, &p, fields, old.as_ref(), &mut lock, update, &mut change) {
                    change.action = "failed".into();
                    change.error = Some(failure.to_string());
                    change.exit_code = Some(failure.kind().exit_code());
                    return change;
                }
            }
            Detection::Package(p) => {
                change.ecosystem = Some(p.ecosystem);
                change.package = Some(p.name.clone());
                let registry = options.registries.for_package(p.ecosystem, old.as_ref());
                let args_version = if p.pinned { exact_version(&p) } else { None };
                change.old_version = old.as_ref().and_then(|l| l.version.clone()).or_else(|| args_version.clone());
                change.old_integrity = old.as_ref().and_then(|l| l.integrity.clone());
                let same_package = old.as_ref().is_some_and(|l| l.package.as_deref() == Some(p.name.as_str()));
                let requested = if same_package { old.as_ref().and_then(|l| l.requested.clone()) } else { None };
                let requested = if p.pinned { requested } else { p.requested.clone() };
                let wanted = if update || !p.pinned { requested.clone() } else { args_version.clone() };
                let current = same_package
                    && p.pinned
                    && old.as_ref().is_some_and(|l| l.version == args_version && l.integrity.is_some());
                if current && !update {
                    change.new_version = change.old_version.clone();
                    change.new_integrity = change.old_integrity.clone();
                } else {
                    match resolve_package(fetch, &registry, &p, wanted.as_deref()) {
                        Ok(resolution) => {
                            let moved = change.old_version.as_deref() != Some(resolution.version.as_str())
                                || change.old_integrity.as_deref() != Some(resolution.integrity.as_str());
                            change.action = match (old.is_some() && same_package, p.pinned, moved) {
                                (_, false, _) => "pinned",
                                (false, true, _) => "recorded",
                                (true, true, true) => "updated",
                                (true, true, false) => "unchanged",
                            }
                            .into();
                            if !same_package || change.old_version.as_deref() != Some(resolution.version.as_str()) {
                                // A fingerprint belongs to a version.
                                lock.tools_sha256 = None;
                                lock.tools = None;
                            }
                            lock.ecosystem = Some(p.ecosystem);
                            lock.package = Some(p.name.clone());
                            lock.version = Some(resolution.version.clone());
                            lock.integrity = Some(resolution.integrity.clone());
                            lock.file = resolution.file;
                            lock.registry = Some(without_credentials(&registry));
                            lock.requested = requested;
                            if let Some(Value::Array(args)) = fields.get("args") {
                                let args: Vec<String> =
                                    args.iter().map(|a| a.as_str().unwrap_or_default().to_owned()).collect();
                                fields.insert("args".into(), json!(p.write_pin(&args, &resolution.version)));
                            }
                            change.new_version = Some(resolution.version);
                            change.new_integrity = Some(resolution.integrity);
                        }
                        Err(failure) => {
                            change.action = "failed".into();
                            change.error = Some(failure.to_string());
                            change.exit_code = Some(failure.kind().exit_code());
                            return change;
                        }
                    }
                }
            }
            Detection::NotRegistry { ecosystem, reason, .. } => {
                change.ecosystem = Some(ecosystem);
                change.action = "skipped".into();
                change.note = Some(reason);
            }
            Detection::NotPackage => {}
        }
        let disabled = fields.get("disabled").and_then(Value::as_bool) == Some(true);
        let wants_probe = options.probe_all || old.as_ref().is_some_and(|l| l.tools_sha256.is_some());
        if let Some(probe) = options.probe.filter(|_| wants_probe && !disabled) {
            let before = old.as_ref().and_then(Lock::tool_print);
            if lock != Lock::default() {
                fields.insert(LOCK_KEY.into(), lock.to_value());
            }
            let probed_entry = Value::Object(fields.clone());
            match self.probe_one(probe, name, &probed_entry, &options.registries, store) {
                Ok(print) => {
                    change.tools = before.as_ref().and_then(|b| b.change_to(&print));
                    if (before.is_none() || change.tools.is_some()) && change.action == "unchanged" {
                        change.action = "probed".into();
                    }
                    change.tools_sha256 = Some(print.sha256.clone());
                    lock.set_tools(&print);
                }
                Err(message) => {
                    change.error = Some(format!("probe failed: {message}"));
                    change.exit_code = Some(1);
                }
            }
        }
        if lock != Lock::default() {
            fields.insert(LOCK_KEY.into(), lock.to_value());
        }
        change
    }

    /// `audit`: re-resolves every locked package at its registry and re-probes every server
    /// with a fingerprint; reports each difference as a finding.
    pub fn audit(
        &self,
        subject: &str,
        profile: &str,
        fetch: &dyn Fetch,
        options: &AuditOptions<'_>,
    ) -> Result<AuditReport> {
        let meta = crate::service::ids_meta(subject, profile);
        self.traced("audit", meta, || {
            let verified = self.get(subject, profile)?;
            let store = SecretStore::load(self.home())?;
            let images = Images::new(&options.images);
            let mut findings = Vec::new();
            let mut names = Vec::new();
            for (name, entry) in servers(verified.payload()) {
                names.push(name.clone());
                self.audit_entry(&name, &entry, (fetch, &images), options, &store, &mut findings);
            }
            Ok(AuditReport {
                client_id: verified.statement().client_id.clone(),
                profile_id: verified.statement().profile_id.clone(),
                version: verified.statement().version,
                servers: names,
                findings,
            })
        })
    }

    fn audit_entry(
        &self,
        name: &str,
        entry: &Value,
        (fetch, images): (&dyn Fetch, &Images<'_>),
        options: &AuditOptions<'_>,
        store: &SecretStore,
        findings: &mut Vec<Finding>,
    ) {
        let lock = Lock::of(entry);
        if let Detection::Package(p) = detect_entry(entry) {
            let finding = |kind, message: String| {
                let mut f = Finding::new(name, kind, message);
                f.package = Some(p.name.clone());
                f.locked_version = lock.as_ref().and_then(|l| l.version.clone());
                f.locked_integrity = lock.as_ref().and_then(|l| l.integrity.clone());
                f
            };
            let args_version = exact_version(&p);
            if !p.pinned {
                let asked =
                    p.requested.as_deref().map_or_else(|| "the latest version".to_owned(), |r| format!("`{r}`"));
                findings.push(finding(
                    FindingKind::Unpinned,
                    format!("{} runs {asked} of {}: whatever the registry serves next runs; run `lock`", name, p.name),
                ));
            } else if p.ecosystem == Ecosystem::Oci {
                image::audit(images, name, &p, lock.as_ref(), findings);
            } else {
                match lock.as_ref().filter(|l| l.version.is_some()) {
                    None => findings.push(finding(
                        FindingKind::Unlocked,
                        format!("{name} pins {} by hand with no digest recorded; run `lock` to record it", p.name),
                    )),
                    Some(l) if l.package.as_deref() != Some(p.name.as_str()) || l.version != args_version => findings
                        .push(finding(
                            FindingKind::PinMismatch,
                            format!(
                                "{name} runs {} {} but its lock records {} {}; run `lock` again",
                                p.name,
                                args_version.as_deref().unwrap_or("?"),
                                l.package.as_deref().unwrap_or("?"),
                                l.version.as_deref().unwrap_or("?")
                            ),
                        )),
                    Some(l) => {
                        let registry = options.registries.for_package(p.ecosystem, Some(l));
                        match resolve_package(fetch, &registry, &p, l.version.as_deref()) {
                            Ok(served) if Some(&served.integrity) != l.integrity.as_ref() => {
                                let mut f = finding(
                                    FindingKind::IntegrityChanged,
                                    format!(
                                        "{} {} is served with another digest than was locked: the package was replaced; do not run it until you know why",
                                        p.name, served.version
                                    ),
                                );
                                f.served_integrity = Some(served.integrity);
                                findings.push(f);
                            }
                            Ok(_) => {}
                            Err(LockFailure::NoMatch { .. }) => findings.push(finding(
                                FindingKind::PinGone,
                                format!(
                                    "{} {} is no longer served by {}; `lock --update {name}` moves the pin",
                                    p.name,
                                    l.version.as_deref().unwrap_or("?"),
                                    without_credentials(&registry)
                                ),
                            )),
                            Err(e) => findings.push(finding(FindingKind::RegistryFailed, e.to_string())),
                        }
                        if let Ok(newest) = resolve_package(fetch, &registry, &p, l.requested.as_deref())
                            && Some(&newest.version) != l.version.as_ref()
                        {
                            let mut f = finding(
                                FindingKind::UpdateAvailable,
                                format!(
                                    "{} {} is available (locked: {}); `lock --update {name}` moves the pin",
                                    p.name,
                                    newest.version,
                                    l.version.as_deref().unwrap_or("?")
                                ),
                            );
                            f.newest_version = Some(newest.version);
                            findings.push(f);
                        }
                    }
                }
            }
        }
        if let Detection::NotRegistry { reason, .. } = detect_entry(entry) {
            findings.push(Finding::new(
                name,
                FindingKind::Unpinned,
                format!("{name} runs a package that no registry version pins ({reason})"),
            ));
        }
        let disabled = entry.get("disabled").and_then(Value::as_bool) == Some(true);
        if let (Some(probe), Some(before)) = (options.probe, lock.as_ref().and_then(Lock::tool_print))
            && !disabled
        {
            match self.probe_one(probe, name, entry, &options.registries, store) {
                Ok(now) => {
                    if let Some(change) = before.change_to(&now) {
                        let mut parts = Vec::new();
                        for (label, list) in
                            [("added", &change.added), ("removed", &change.removed), ("changed", &change.changed)]
                        {
                            if !list.is_empty() {
                                parts.push(format!("{label}: {}", list.join(", ")));
                            }
                        }
                        let mut f = Finding::new(
                            name,
                            FindingKind::ToolsChanged,
                            format!(
                                "{name}'s tools changed while its lock did not ({}); review them, then `lock --probe` to accept",
                                parts.join("; ")
                            ),
                        );
                        f.locked_version = lock.as_ref().and_then(|l| l.version.clone());
                        f.tools = Some(change);
                        findings.push(f);
                    }
                }
                Err(message) => findings.push(Finding::new(
                    name,
                    FindingKind::ProbeFailed,
                    format!("{name} could not be probed: {message}"),
                )),
            }
        }
    }
}
