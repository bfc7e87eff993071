//! Drift: the semantic diff of a client's live file against a profile, and the status of
//! every client file on the machine. Both sides are compared as the client would read them:
//! the profile is resolved (references) and passed through the client's dialect (render into
//! an empty file, read back), so fields a client cannot hold are not reported as drift.

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::files::ClientFile;
use super::shared::Layer;
use crate::canonical;
use crate::deploy::record;
use crate::deploy::write;
use crate::diff::ownership::{self, Ownership};
use crate::diff::{self, DiffReport, Status};
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::registry;
use crate::resolve::{self, Resolved};
use crate::secrets::SecretStore;

/// The verdict on one client file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileDrift {
    /// The client.
    pub client_id: String,
    /// The file.
    pub file: String,
    /// The profile compared with (the one last deployed into the file, else `default`).
    pub profile_id: String,
    /// The head compared with (None: the profile has no published version).
    pub remote_artifact_id: Option<String>,
    /// Id of the live servers document's canonical bytes (None: no file).
    pub local_artifact_id: Option<String>,
    /// The version deployed last into this file by this home, if any.
    pub deployed_version: Option<u64>,
    /// Which layer the profile compared with comes from: the client's own profile or the
    /// shared one (None when there was no profile to compare with).
    pub layer: Option<Layer>,
    /// Remote servers the client reaches through the built-in bridge.
    pub bridged: Vec<String>,
    /// Servers of the profile the client cannot take, with the reason.
    pub skipped: Vec<crate::adapt::Skipped>,
    /// Status, changes (what a deploy would do) and recommendation.
    #[serde(flatten)]
    pub report: DiffReport,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The last segment of a JSON pointer, unescaped (the member name a value sits under).
fn last_segment(pointer: &str) -> Option<String> {
    let last = pointer.rsplit('/').next()?;
    (!last.is_empty() && !last.bytes().all(|b| b.is_ascii_digit())).then(|| last.replace("~1", "/").replace("~0", "~"))
}

impl Orchestrator {
    /// A document as `client` would read it back after writing it: adapted to the client,
    /// resolved, rendered into an empty file and imported again.
    pub(super) fn as_client_reads(
        &self,
        client: &ClientId,
        file: &ClientFile,
        verified: &crate::artifact::Verified,
        store: &SecretStore,
    ) -> Result<Resolved> {
        let adapted = self.adapt(client, verified);
        let mut resolved = self.resolve_adapted(client, &adapted, store)?;
        let rendered = dialects::render_at(client.as_str(), &file.placement, None, &resolved.document, &[])
            .and_then(|text| dialects::import_at(client.as_str(), &file.placement, &text))
            .map_err(|source| Error::unparsable(&file.path, source))?;
        resolved.document = rendered;
        Ok(resolved)
    }

    /// The live servers document of a file (None: no file).
    pub(crate) fn live_document(&self, file: &ClientFile) -> Result<Option<Value>> {
        let Some(bytes) = write::read_target(&file.path)? else { return Ok(None) };
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| Error::NotUtf8 { path: file.path.clone(), offset: e.valid_up_to() })?;
        dialects::import_at(&file.client_id, &file.placement, text)
            .map(Some)
            .map_err(|source| Error::unparsable(&file.path, source))
    }

    /// Compares a client file with a profile (`None`: the profile last deployed into it, else
    /// `default`).
    pub fn diff_file(&self, file: &ClientFile, profile: Option<&str>) -> Result<FileDrift> {
        let mut meta = Map::new();
        meta.insert("client_id".into(), json!(file.client_id));
        meta.insert("file".into(), json!(file.path.display().to_string()));
        self.traced("config_diff", meta, || {
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let store = SecretStore::load(self.home())?;
            self.drift_of(file, profile, &trust, &store)
        })
    }

    fn drift_of(
        &self,
        file: &ClientFile,
        profile: Option<&str>,
        trust: &crate::trust::TrustStore,
        store: &SecretStore,
    ) -> Result<FileDrift> {
        let client = ClientId::parse(&file.client_id)?;
        let records = record::at_placement(record::list(self.home(), &client, Some(&file.path))?, &file.placement.0);
        let deployed = record::last_deploy(&records).map(|r| (r.profile_id.clone().unwrap_or_default(), r.version));
        let profile_name = profile.map(str::to_owned).or_else(|| deployed.as_ref().map(|d| d.0.clone()));
        let profile_id = ProfileId::parse(profile_name.as_deref().unwrap_or(super::DEFAULT_PROFILE))?;
        let managed = records.iter().any(|r| record::managed_by(r) == Some(profile_id.as_str()));
        let own = Ownership {
            profile_owned: record::owned_servers(&records, profile_id.as_str()),
            home_owned: record::home_owned(&records),
            managed,
        };
        let head = self.head_for(trust, &client, &profile_id)?;
        let subject = super::shared::subject_of(&head)?;
        let adapted = self.adapt(&client, &head);
        let resolved = self.resolve_adapted(&client, &adapted, store)?;
        let live = self.live_document(file)?;
        // The common case, a file as it was deployed, needs no trip through the dialect.
        let up_to_date = live.as_ref().is_some_and(|l| {
            let part = ownership::partition(l, &resolved.document, &own);
            part.conflicts.is_empty() && diff::equivalent(&part.managed, &resolved.document)
        });
        let wanted = if up_to_date { resolved } else { self.as_client_reads(&client, file, &head, store)? };
        let mut older = Vec::new();
        if !up_to_date && managed {
            for entry in registry::history(self.home(), trust, &subject, &profile_id)? {
                if let Ok(v) = entry.artifact
                    && v.statement().version < head.statement().version
                    && let Ok(r) = self.as_client_reads(&client, file, &v, store)
                {
                    older.push(r.document);
                }
            }
            // The version last deployed from the other layer (the shared profile before the
            // client got its own of that name, or back): the file as this home left it is
            // outdated, not diverged.
            if let Some(last) = record::last_deploy(&records)
                && last.profile_id.as_deref() == Some(profile_id.as_str())
                && last.shared != subject.is_shared()
                && let Some(version) = last.version
            {
                let from = if last.shared { ClientId::shared() } else { client.clone() };
                if let Ok(v) = registry::load_version(self.home(), trust, &from, &profile_id, version, None)
                    && let Ok(r) = self.as_client_reads(&client, file, &v, store)
                {
                    older.push(r.document);
                }
            }
        }
        let mut report = ownership::report_owned(live.as_ref(), &wanted.document, &older, &own);
        // Values are shown on the structure: the profile's side as references, the file's
        // side with every value at a reference position or known to be secret masked.
        let shown = self.shown_for(&client, file, &[&adapted.document], Some(&wanted), store)?;
        let display = resolve::shown(&adapted.document, dialects::env_expansion(client.as_str()));
        for change in &mut report.diff.changes {
            let prefix = format!("/mcpServers/{}", change.server.replace('~', "~0").replace('/', "~1"));
            let inner = change.path.strip_prefix(&prefix).unwrap_or_default().to_owned();
            let key = last_segment(&inner);
            if change.new.is_some()
                && let Some(reference_form) = display.pointer(&change.path)
            {
                change.new = Some(shown.mask_at(&change.server, &inner, key.as_deref(), reference_form));
            } else if let Some(new) = &change.new {
                change.new = Some(shown.mask_at(&change.server, &inner, key.as_deref(), new));
            }
            if let Some(old) = &change.old {
                change.old = Some(shown.mask_at(&change.server, &inner, key.as_deref(), old));
            }
            change.old = change.old.as_ref().map(|v| shown.finish_value(v));
            change.new = change.new.as_ref().map(|v| shown.finish_value(v));
        }
        for conflict in &mut report.conflicts {
            let profile_side = display.pointer(&format!("/mcpServers/{}", escape(&conflict.server)));
            conflict.file = shown.finish_value(&shown.mask_at(&conflict.server, "", None, &conflict.file));
            let profile_entry = profile_side.unwrap_or(&conflict.profile);
            conflict.profile = shown.finish_value(&shown.mask_at(&conflict.server, "", None, profile_entry));
        }
        Ok(FileDrift {
            client_id: client.to_string(),
            file: file.path.display().to_string(),
            profile_id: profile_id.to_string(),
            remote_artifact_id: Some(head.id().to_string()),
            local_artifact_id: live.map(|l| canonical::canonicalize_value(l).id().to_string()),
            deployed_version: deployed.and_then(|d| d.1),
            layer: Some(Layer::of(&head)),
            bridged: adapted.bridged.into_iter().collect(),
            skipped: adapted.skipped,
            report,
        })
    }

    /// The drift of every given client file. A file whose profile cannot be read gets its
    /// error instead; one failure does not hide the others.
    #[allow(clippy::result_large_err)] // a per-file outcome, returned once per file, not a hot path
    pub fn status(&self, files: &[ClientFile]) -> Result<Vec<std::result::Result<FileDrift, (ClientFile, Error)>>> {
        self.traced("status", Map::new(), || {
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let store = SecretStore::load(self.home())?;
            let one = |f: &ClientFile| self.drift_of(f, None, &trust, &store).map_err(|e| (f.clone(), e));
            // The files are independent reads: spread them over the cores, keeping their order.
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
            if workers < 2 || files.len() < 4 {
                return Ok(files.iter().map(one).collect());
            }
            let chunk = files.len().div_ceil(workers);
            Ok(std::thread::scope(|scope| {
                let handles: Vec<_> = files
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
                    .collect();
                // A worker only panics if `drift_of` does, which is a bug: re-raise it here.
                handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
            }))
        })
    }
}

impl Orchestrator {
    /// Compares a servers document (not a file) with a profile's head: `up-to-date` when
    /// equivalent, `outdated` when equal to an older version, else `diverged` (`missing` when
    /// it has no servers). References are compared as written, unresolved.
    pub fn diff_document(&self, client: &str, profile: &str, local: &Value) -> Result<FileDrift> {
        let meta = super::ids_meta(client, profile);
        self.traced("config_diff", meta, || {
            let client_id = ClientId::parse(client)?;
            let profile_id = ProfileId::parse(profile)?;
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let head = self.head_for(&trust, &client_id, &profile_id)?;
            let subject = super::shared::subject_of(&head)?;
            let older: Vec<Value> = registry::history(self.home(), &trust, &subject, &profile_id)?
                .into_iter()
                .filter_map(|e| e.artifact.ok())
                .filter(|v| v.statement().version < head.statement().version)
                .map(|v| v.payload().clone())
                .collect();
            let mut report = diff::report(Some(local), head.payload(), &older, true);
            // The posted document may hold secrets in clear: values at a reference position of
            // any version, and the secret store's values, are masked as in a file's diff.
            let mut shown = crate::diff::shown::Shown::new();
            for value in SecretStore::load(self.home())?.values() {
                shown.know(value.expose());
            }
            shown.positions_of(head.payload());
            for payload in &older {
                shown.positions_of(payload);
            }
            for change in &mut report.diff.changes {
                let prefix = format!("/mcpServers/{}", escape(&change.server));
                let inner = change.path.strip_prefix(&prefix).unwrap_or_default().to_owned();
                let key = last_segment(&inner);
                for side in [&mut change.old, &mut change.new] {
                    if let Some(value) = side.as_ref() {
                        *side = Some(shown.finish_value(&shown.mask_at(&change.server, &inner, key.as_deref(), value)));
                    }
                }
            }
            Ok(FileDrift {
                client_id: client_id.to_string(),
                file: String::new(),
                profile_id: profile_id.to_string(),
                remote_artifact_id: Some(head.id().to_string()),
                local_artifact_id: Some(canonical::canonicalize_value(local.clone()).id().to_string()),
                deployed_version: None,
                layer: Some(Layer::of(&head)),
                bridged: Vec::new(),
                skipped: Vec::new(),
                report,
            })
        })
    }
}

impl FileDrift {
    /// Whether this counts as drift for `status --check`: the file moved away from what this
    /// home deployed (outdated, diverged, or deleted since). Files never deployed are not drift.
    pub fn is_drift(&self) -> bool {
        match self.report.status {
            Status::Outdated | Status::Diverged => true,
            Status::Missing => self.deployed_version.is_some(),
            Status::UpToDate | Status::Unmanaged => false,
        }
    }
}
