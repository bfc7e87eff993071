//! The checks of `audit --ci`, file by file: drift (from `Orchestrator::status`), pins of the
//! live entries against the profile's locks, the trusted policies on the live servers, and
//! with `--probe` the findings of `Orchestrator::audit` (registries and tool lists) for every
//! profile the files follow.
//!
//! Nothing here talks to a network unless `--probe` hands in a `Fetch` and a `Probe`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::lines::entry_line;
use super::{CiFile, CiFinding, CiReport, Level};
use crate::artifact::Verified;
use crate::diff::Status;
use crate::diff::shown::Shown;
use crate::error::Result;
use crate::lock::{AuditOptions, Fetch, Finding, FindingKind, Lock};
use crate::package_ref::{Detection, Ecosystem, detect_entry};
use crate::policy;
use crate::secrets::SecretStore;
use crate::service::{ClientFile, FileDrift, Orchestrator};

/// How `audit --ci` runs.
#[derive(Default)]
pub struct CiOptions<'a> {
    /// `--probe`: the registry client and the options of `audit` (registries, the MCP probe);
    /// `None`: no network at all.
    pub probe: Option<(&'a dyn Fetch, AuditOptions<'a>)>,
}

/// The kinds only the network finds: taken from `audit` with `--probe` (the others are
/// found in the live files).
const NETWORK_KINDS: [FindingKind; 6] = [
    FindingKind::IntegrityChanged,
    FindingKind::PinGone,
    FindingKind::ToolsChanged,
    FindingKind::ProbeFailed,
    FindingKind::RegistryFailed,
    FindingKind::UpdateAvailable,
];

/// Every detected client file of every scope, each once (a file that is both a user and a
/// project file counts as the user's).
fn scoped_files(facts: &dialects::HostFacts) -> Vec<(dialects::Scope, ClientFile)> {
    let mut out: Vec<(dialects::Scope, ClientFile)> = Vec::new();
    for scope in dialects::Scope::ALL {
        for file in ClientFile::detected_in(facts, Some(scope)) {
            if !out.iter().any(|(_, f)| f.path == file.path && f.placement == file.placement) {
                out.push((scope, file));
            }
        }
    }
    out
}

fn kind_id(kind: FindingKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn servers(document: &Value) -> Option<&Map<String, Value>> {
    document.get("mcpServers").and_then(Value::as_object)
}

/// One file being audited: where findings go and how they are located and masked.
struct FileAudit<'a> {
    scope: dialects::Scope,
    file: &'a ClientFile,
    text: Option<String>,
    profile: Option<String>,
    mask: &'a Shown,
    findings: Vec<CiFinding>,
}

impl FileAudit<'_> {
    fn push(&mut self, rule_id: String, level: Level, server: Option<&str>, message: &str) {
        let line = match (server, &self.text) {
            (Some(name), Some(text)) => entry_line(text, &self.file.placement.0, name),
            _ => None,
        };
        self.findings.push(CiFinding {
            rule_id,
            level,
            client_id: self.file.client_id.clone(),
            scope: self.scope.as_str().to_owned(),
            file: self.file.path.display().to_string(),
            line,
            server: server.map(str::to_owned),
            message: self.mask.finish(message),
            profile: self.profile.clone(),
        });
    }

    fn push_lock(&mut self, finding: &Finding) {
        let rule = format!("lock/{}", kind_id(finding.kind));
        let server = Some(finding.server.as_str()).filter(|s| !s.is_empty());
        self.push(rule, Level::parse(finding.level), server, &finding.message);
    }

    /// The command that brings this file back to its profile.
    fn deploy_hint(&self, profile_id: &str) -> String {
        let scope = match self.scope {
            dialects::Scope::User => String::new(),
            other => format!(" --scope {other}"),
        };
        format!("`mcp-orchestration deploy {} --profile {profile_id}{scope}`", self.file.client_id)
    }

    /// Drift from the signed head, one finding per server that differs.
    fn drift(&mut self, drift: &FileDrift) {
        if !drift.is_drift() {
            return;
        }
        let (rule, level, what) = match drift.report.status {
            Status::Outdated => ("drift/outdated", Level::Warning, "holds an older signed version"),
            Status::Missing => ("drift/missing", Level::Error, "has no servers any more"),
            _ => ("drift/diverged", Level::Error, "matches no signed version"),
        };
        let hint = self.deploy_hint(&drift.profile_id);
        let profile = self.profile.clone().unwrap_or_else(|| drift.profile_id.clone());
        let diff = &drift.report.diff;
        let mut per_server: BTreeMap<&str, String> = BTreeMap::new();
        for name in &diff.servers_added {
            per_server.insert(name, format!("{name} of {profile} is not in the file"));
        }
        for name in &diff.servers_removed {
            per_server.insert(name, format!("{name} is in the file but not in {profile}"));
        }
        for name in &diff.servers_modified {
            let prefix = format!("/mcpServers/{}", name.replace('~', "~0").replace('/', "~1"));
            let fields: Vec<&str> = diff
                .changes
                .iter()
                .filter(|c| c.server == *name)
                .map(|c| c.path.strip_prefix(&prefix).filter(|p| !p.is_empty()).unwrap_or("/"))
                .collect();
            per_server.insert(name, format!("{name} differs from {profile} at {}", fields.join(", ")));
        }
        for conflict in &drift.report.conflicts {
            per_server.insert(
                &conflict.server,
                format!("{} in the file is an entry this home did not write, unlike {profile}'s", conflict.server),
            );
        }
        if per_server.is_empty() {
            let message = format!("the file {what} of {profile}; deploy it again with {hint}");
            self.push(rule.to_owned(), level, None, &message);
            return;
        }
        for (name, detail) in per_server {
            let message = format!("{detail}: the file {what}; restore it with {hint}, or import and publish the edit");
            self.push(rule.to_owned(), level, Some(name), &message);
        }
    }

    /// The live entries' pins against the locks of the profile the file follows.
    fn pins(&mut self, live: &Map<String, Value>, head: Option<&Verified>) {
        let locked = head.and_then(|h| servers(h.payload()));
        for (name, entry) in live {
            let profile_entry = locked.and_then(|s| s.get(name));
            let lock = profile_entry.and_then(Lock::of).filter(|l| l.version.is_some());
            match detect_entry(entry) {
                Detection::Package(p) if !p.pinned => {
                    let asked =
                        p.requested.as_deref().map_or_else(|| "the latest version".to_owned(), |r| format!("`{r}`"));
                    let fix = match (&lock, p.ecosystem) {
                        (Some(l), _) => format!(
                            "its profile locks {}: deploy it with {}",
                            l.version.as_deref().unwrap_or("?"),
                            self.deploy_hint(self.profile_id().as_str())
                        ),
                        (None, Ecosystem::Oci) => "pin the image by digest (IMAGE@sha256:…)".to_owned(),
                        (None, _) => "pin it with `mcp-orchestration lock`, then deploy".to_owned(),
                    };
                    let message =
                        format!("{name} runs {asked} of {}: whatever the registry serves next runs; {fix}", p.name);
                    self.push_lock(&Finding::new(name, FindingKind::Unpinned, message));
                }
                Detection::Package(p) if p.ecosystem != Ecosystem::Oci => {
                    let version = p.requested.as_deref().map(|r| r.trim_start_matches('=').trim().to_owned());
                    match &lock {
                        Some(l) if l.package.as_deref() != Some(p.name.as_str()) || l.version != version => {
                            let message = format!(
                                "{name} runs {} {} but {} locks {} {}; restore the pinned command with {}",
                                p.name,
                                version.as_deref().unwrap_or("?"),
                                self.profile.as_deref().unwrap_or("its profile"),
                                l.package.as_deref().unwrap_or("?"),
                                l.version.as_deref().unwrap_or("?"),
                                self.deploy_hint(self.profile_id().as_str())
                            );
                            self.push_lock(&Finding::new(name, FindingKind::PinMismatch, message));
                        }
                        Some(_) => {}
                        None if profile_entry.is_some() => {
                            let message = format!(
                                "{name} pins {} by hand with no digest recorded; run `mcp-orchestration lock` to record it",
                                p.name
                            );
                            self.push_lock(&Finding::new(name, FindingKind::Unlocked, message));
                        }
                        None => {}
                    }
                }
                Detection::NotRegistry { .. } => {
                    let message = format!(
                        "{name} runs a package that is not from a registry (a git URL, a path or a tarball): it cannot be pinned; use a registry package and `mcp-orchestration lock`"
                    );
                    self.push_lock(&Finding::new(name, FindingKind::Unpinned, message));
                }
                _ => {}
            }
        }
    }

    fn profile_id(&self) -> String {
        // `subject/profile vN` → `profile`.
        self.profile
            .as_deref()
            .and_then(|p| p.split_once('/'))
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or(crate::service::DEFAULT_PROFILE)
            .to_owned()
    }

    /// The trusted policies on the live servers.
    fn policies(&mut self, policies: &[policy::VerifiedPolicy], live: &Value) {
        for finding in policy::evaluate(policies, live) {
            let fix = match &finding.server {
                Some(name) => format!("remove {name} from the file or ask for the policy to allow it"),
                None => "remove servers from the file".to_owned(),
            };
            let message = format!("{finding}; {fix}");
            self.push(format!("policy/{}", finding.rule), Level::Error, finding.server.as_deref(), &message);
        }
    }
}

/// Every value of the live file that could be secret, so no message can show it.
fn know_live_values(mask: &mut Shown, live: &Map<String, Value>) {
    for entry in live.values() {
        for field in ["env", "headers"] {
            if let Some(values) = entry.get(field).and_then(Value::as_object) {
                values.values().filter_map(Value::as_str).for_each(|v| mask.know(v));
            }
        }
        if let Some(args) = entry.get("args").and_then(Value::as_array) {
            args.iter()
                .filter_map(Value::as_str)
                .filter(|a| crate::diff::redact::looks_secret(a))
                .for_each(|a| mask.know(a));
        }
    }
}

fn label(head: &Verified) -> String {
    let s = head.statement();
    format!("{}/{} v{}", s.client_id, s.profile_id, s.version)
}

/// A head some files follow, for `--probe`: whom to ask `audit` for, and which file (by its
/// index) holds which servers.
struct Followed {
    client: String,
    profile: String,
    holders: Vec<(usize, Vec<String>)>,
}

/// A file's row in the report and the names of the servers it holds (None: no servers read).
struct FileRow {
    row: CiFile,
    servers_names: Option<Vec<String>>,
}

/// One file's outcome: its row, its findings, and what its messages must mask.
struct Audited {
    file: FileRow,
    findings: Vec<CiFinding>,
    mask: Shown,
}

impl Orchestrator {
    /// `audit --ci`: every client file detected with `facts` (user, project and local scope)
    /// against the profile it follows, its locks and the trusted policies. An installed policy
    /// that does not verify refuses the audit (exit 4 or 8), as it refuses every enforcing
    /// command.
    pub fn audit_ci(&self, facts: &dialects::HostFacts, options: &CiOptions<'_>) -> Result<CiReport> {
        self.traced("audit_ci", Map::new(), || {
            let scoped = scoped_files(facts);
            let files: Vec<ClientFile> = scoped.iter().map(|(_, f)| f.clone()).collect();
            let drifts = self.status(&files)?;
            let policies = self.policies_in_force()?;
            let store = SecretStore::load(self.home())?;
            let mut followed: BTreeMap<String, Followed> = BTreeMap::new();
            let mut audited = Vec::new();
            for (index, ((scope, file), drift)) in scoped.iter().zip(&drifts).enumerate() {
                let (one, head) = self.audit_file(*scope, file, drift, &policies, &store);
                if let (Some(head), Some(names)) = (head, one.file.servers_names.as_ref()) {
                    followed
                        .entry(head.id().to_string())
                        .or_insert_with(|| Followed {
                            client: file.client_id.clone(),
                            profile: head.statement().profile_id.clone(),
                            holders: Vec::new(),
                        })
                        .holders
                        .push((index, names.clone()));
                }
                audited.push(one);
            }
            let probed = options.probe.is_some();
            if let Some((fetch, audit_options)) = &options.probe {
                for head in followed.values() {
                    self.probe_findings(head, *fetch, audit_options, &scoped, &mut audited);
                }
            }
            let mut report = CiReport { files: Vec::new(), policies: policies.len(), probed, findings: Vec::new() };
            for Audited { file, mut findings, .. } in audited {
                findings.sort_by(|a, b| (&a.server, &a.rule_id).cmp(&(&b.server, &b.rule_id)));
                report.findings.append(&mut findings);
                report.files.push(file.row);
            }
            Ok(report)
        })
    }

    /// The checks of one file that need no network, and the head it follows.
    fn audit_file(
        &self,
        scope: dialects::Scope,
        file: &ClientFile,
        drift: &std::result::Result<FileDrift, (ClientFile, crate::error::Error)>,
        policies: &[policy::VerifiedPolicy],
        store: &SecretStore,
    ) -> (Audited, Option<Verified>) {
        let mut mask = Shown::new();
        store.values().for_each(|v| mask.know(v.expose()));
        let live = self.live_document(file);
        if let Ok(Some(doc)) = &live
            && let Some(map) = servers(doc)
        {
            know_live_values(&mut mask, map);
        }
        let head = drift.as_ref().ok().and_then(|d| self.get(&d.client_id, &d.profile_id).ok());
        let mut audit = FileAudit {
            scope,
            file,
            text: std::fs::read_to_string(&file.path).ok(),
            profile: head.as_ref().map(label),
            mask: &mask,
            findings: Vec::new(),
        };
        let status = match drift {
            Ok(d) => {
                audit.drift(d);
                serde_json::to_value(d.report.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }
            Err((_, error)) => {
                audit.push("file/unreadable".into(), Level::Error, None, &error.to_string());
                "error".to_owned()
            }
        };
        let mut names = None;
        match &live {
            Ok(Some(doc)) => {
                let map = servers(doc).cloned().unwrap_or_default();
                audit.pins(&map, head.as_ref());
                audit.policies(policies, doc);
                names = Some(map.keys().cloned().collect::<Vec<_>>());
            }
            Ok(None) => {}
            // Reported once, by the drift check, when it failed the same way.
            Err(error) if drift.is_ok() => {
                audit.push("file/unreadable".into(), Level::Error, None, &error.to_string());
            }
            Err(_) => {}
        }
        let row = CiFile {
            client_id: file.client_id.clone(),
            scope: scope.as_str().to_owned(),
            file: file.path.display().to_string(),
            status,
            profile: audit.profile.clone(),
            servers: names.as_ref().map_or(0, Vec::len),
        };
        let FileAudit { findings, .. } = audit;
        (Audited { file: FileRow { row, servers_names: names }, findings, mask }, head)
    }

    /// `--probe`: `audit` of one followed head (registries, tool lists), its network findings
    /// put on every file that holds the server.
    fn probe_findings(
        &self,
        head: &Followed,
        fetch: &dyn Fetch,
        options: &AuditOptions<'_>,
        scoped: &[(dialects::Scope, ClientFile)],
        audited: &mut [Audited],
    ) {
        let network: Vec<Finding> = match self.audit(&head.client, &head.profile, fetch, options) {
            Ok(found) => found.findings.into_iter().filter(|f| NETWORK_KINDS.contains(&f.kind)).collect(),
            Err(error) => vec![Finding::new("", FindingKind::RegistryFailed, format!("{}: {error}", head.profile))],
        };
        for finding in &network {
            for (index, names) in &head.holders {
                if !finding.server.is_empty() && !names.contains(&finding.server) {
                    continue;
                }
                let (scope, file) = &scoped[*index];
                let target = &mut audited[*index];
                let mut one = FileAudit {
                    scope: *scope,
                    file,
                    text: std::fs::read_to_string(&file.path).ok(),
                    profile: target.file.row.profile.clone(),
                    mask: &target.mask,
                    findings: Vec::new(),
                };
                one.push_lock(finding);
                let FileAudit { mut findings, .. } = one;
                target.findings.append(&mut findings);
            }
        }
    }
}
