//! The operations every adapter calls (CLI today, the MCP server later): each resolves ids,
//! loads keys and trust, does its work through the registry, and records events under one
//! trace id. No logic an adapter needs lives anywhere else.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::artifact::Verified;
use crate::canonical::{self, Canonical, ContentId};
use crate::clock::Clock;
use crate::crypto::{KeyPair, PublicKey};
use crate::deploy::failpoint::FailPoints;
use crate::error::{Error, Result};
use crate::events::{self, Event, Filter};
use crate::fsutil::{self, LockGuard};
use crate::home::Home;
use crate::ids::{ClientId, ProfileId};
use crate::registry::{self, HistoryEntry, PublishRequest};
use crate::trust::TrustStore;
use crate::{keys, legacy, seed};

/// The profile name used when none is given.
pub const DEFAULT_PROFILE: &str = "default";

mod add;
mod cached;
mod doctor;
mod drafts;
mod drift;
mod extract;
mod files;
mod gc;
mod history_summary;
mod listing;
mod migrate;
mod policy;
mod policy_remote;
mod policy_render;
mod preview;
mod rebase;
mod remote;
mod rollback;
mod secretenv;
mod shared;
mod sync;
mod trace;
mod verify;

pub use add::{ServerChange, ServerSource};
pub use doctor::{Check, FixReport, Verdict, command_resolves};
pub use drafts::{Draft, Problem, ValidationReport, validate_document};
pub use drift::FileDrift;
pub use extract::MovedSecret;
pub use files::{ClientFile, DeployOptions, DeployReport, ImportReport, unified_diff};
pub use gc::{DEFAULT_KEEP_BACKUPS, GcOptions, GcReport, Removed};
pub use history_summary::{HistoryFailure, HistorySummary};
pub use policy::{PolicyReport, PolicySummary};
pub use policy_remote::{PolicyScope, PolicyTransfer, PolicyTransferReport};
pub use policy_render::{RenderReport, RenderTarget};
pub use rebase::RebaseReport;
pub use remote::{CredentialSource, PullReport, PulledProfile, PushReport, RemoteStatus};
pub use rollback::{ORIGINAL, RollbackPreview, RollbackReport};
pub use shared::Layer;
pub use sync::{SyncFile, SyncReport, SyncRollbackFile, SyncTarget, SyncTargets, sync_targets};

/// A trust store as read, with the stamps of `keys/trusted/` and its key files taken before.
type TrustSnapshot = (crate::readcache::Validity, Arc<TrustStore>);

/// The core, bound to one home and one clock.
#[derive(Clone)]
pub struct Orchestrator {
    home: Home,
    clock: Arc<dyn Clock>,
    lock_timeout: Duration,
    /// The environment `${env:NAME}` references resolve from (handed in by the adapter).
    environment: Arc<BTreeMap<String, String>>,
    /// Only the home's allowlisted environment variables may be resolved (the MCP server).
    env_restricted: bool,
    /// The trace id of the adapter's operation this core works for, if any (its events then
    /// share it, e.g. an MCP tool call and the core operation it runs).
    trace: Option<Arc<str>>,
    /// Test-only pause points of the client-file write path.
    failpoints: FailPoints,
    /// The trust store last read, with the stamps of `keys/trusted/` and its keys then.
    trust_cache: Arc<std::sync::Mutex<Option<TrustSnapshot>>>,
    /// The event log's open file.
    event_log: Arc<events::EventLog>,
    /// Signature-cache keys this process has seen verified (in front of the home's cache).
    verified: crate::sigcache::Memory,
    /// Events held to be appended together (see [`Orchestrator::with_events_batched`]).
    event_batch: Option<Arc<std::sync::Mutex<Vec<Event>>>>,
    /// Set once the home is seen initialized (it never becomes uninitialized).
    initialized: Arc<std::sync::atomic::AtomicBool>,
    /// The profile names last listed per client (see `listing.rs`).
    names: Arc<listing::NamesCache>,
    /// The command bridge entries run (`shared.rs`).
    bridge_program: Arc<str>,
    /// Verified heads remembered under their files' stamps (a long-running core; `cached.rs`).
    read_cache: Option<Arc<crate::readcache::ReadCache>>,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator").field("home", &self.home).finish_non_exhaustive()
    }
}

/// What `init-configs` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct InitReport {
    /// The home directory.
    pub home: String,
    /// True when the home directory was created.
    pub created_home: bool,
    /// The signing key's id.
    pub key_id: String,
    /// True when a new key pair was generated (false: an existing one was kept).
    pub key_created: bool,
    /// True when a store written by the original Python tool was found.
    pub legacy_store_found: bool,
    /// Profiles seeded: (client, profile, version, artifact id).
    pub seeded: Vec<SeededProfile>,
    /// Profiles left for `migrate` because the legacy store has them.
    pub left_for_migration: Vec<String>,
    /// True when nothing was changed.
    pub unchanged: bool,
}

/// One seeded profile.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeededProfile {
    /// Client id.
    pub client_id: String,
    /// Profile id.
    pub profile_id: String,
    /// The version published.
    pub version: u64,
    /// Its artifact id.
    pub artifact_id: String,
}

/// What `migrate` did (or would do, with a dry run).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MigrateReport {
    /// True when nothing was written.
    pub dry_run: bool,
    /// True when `layout.json` was brought to the current layout (see `home::LAYOUT_VERSION`).
    pub layout_upgraded: bool,
    /// Legacy artifacts published (or to be published) as new versions.
    pub migrated: Vec<MigratedArtifact>,
    /// Legacy ids already migrated by an earlier run.
    pub already_migrated: Vec<String>,
    /// Legacy artifacts that failed their id or signature check, with the reason.
    pub rejected: Vec<RejectedArtifact>,
}

/// One migrated legacy artifact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigratedArtifact {
    /// The legacy (bare hex) id.
    pub legacy_id: String,
    /// Client id.
    pub client_id: String,
    /// Profile id.
    pub profile_id: String,
    /// The new version (absent in a dry run).
    pub version: Option<u64>,
    /// The new artifact id (RFC 8785 based).
    pub artifact_id: String,
}

/// One legacy artifact refused by the migration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RejectedArtifact {
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// A profile and its head.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProfileSummary {
    /// Profile id.
    pub profile_id: String,
    /// Head version.
    pub version: u64,
    /// Head artifact id.
    pub artifact_id: String,
    /// `client` (the client's own profile) or `shared` (the profile every client follows).
    pub layer: Layer,
}

/// The outcome of verifying one stored version.
#[derive(Debug, serde::Serialize)]
pub struct VerifyOutcome {
    /// Client id.
    pub client_id: String,
    /// Profile id.
    pub profile_id: String,
    /// Version.
    pub version: u64,
    /// The artifact id, when it verified.
    pub artifact_id: Option<String>,
    /// None when it verified; else why not.
    pub error: Option<String>,
    /// The exit code of the failure, if any.
    #[serde(skip)]
    pub kind: Option<crate::ErrorKind>,
}

/// Public key information for `keys show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    /// The signing key's id.
    pub signing_key_id: String,
    /// Its public key, SPKI PEM.
    pub public_key_pem: String,
    /// Every trusted key id.
    pub trusted: Vec<String>,
}

/// How [`Orchestrator::publish_with`] publishes.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions<'a> {
    /// A note stored (and signed) with the version.
    pub note: Option<&'a str>,
    /// Refuse the version after this long.
    pub expires_in: Option<Duration>,
    /// Publish a document equal to the head as a new version anyway.
    pub allow_same: bool,
    /// Run the checks of `draft validate` (with these PATH directories for its warnings).
    pub validate_on: Option<&'a [std::path::PathBuf]>,
    /// Refuse (exit 7) unless the head is this version when the home lock is held (`Some(None)`:
    /// no version yet): a draft's base.
    pub expect_head: Option<Option<u64>>,
}

/// What a publish did.
#[derive(Debug)]
pub struct PublishOutcome {
    /// The new version, or the head when the document equals it and nothing was created.
    pub verified: Verified,
    /// False when the document equals the head and no version was created.
    pub created: bool,
}

/// A duration as the option takes it (`300000y` style is not kept: seconds are exact).
fn humanize(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

/// Checks that a payload is a servers document: an object whose `mcpServers` is an object of
/// objects.
pub fn check_servers_document(value: &Value) -> Result<()> {
    let servers = value.get("mcpServers").ok_or_else(|| Error::Validation {
        pointer: String::new(),
        message: "a servers document is an object with an \"mcpServers\" object: {\"mcpServers\": {NAME: {…}}}".into(),
    })?;
    let servers = servers.as_object().ok_or_else(|| Error::Validation {
        pointer: "/mcpServers".into(),
        message: "\"mcpServers\" must be an object mapping server names to entries".into(),
    })?;
    if let Some((name, _)) = servers.iter().find(|(_, entry)| !entry.is_object()) {
        return Err(Error::Validation {
            pointer: format!("/mcpServers/{}", name.replace('~', "~0").replace('/', "~1")),
            message: "each server entry must be an object (command/args/env or type/url/headers)".into(),
        });
    }
    Ok(())
}

impl Orchestrator {
    /// The core for this home and clock.
    pub fn new(home: Home, clock: Arc<dyn Clock>) -> Self {
        Orchestrator {
            home,
            clock,
            lock_timeout: Duration::from_secs(30),
            environment: Arc::default(),
            env_restricted: false,
            trace: None,
            failpoints: FailPoints::none(),
            trust_cache: Arc::default(),
            event_log: Arc::default(),
            event_batch: None,
            verified: Arc::default(),
            initialized: Arc::default(),
            names: Arc::default(),
            bridge_program: Arc::from("mcp-orchestration"),
            read_cache: None,
        }
    }

    /// The environment that `${env:NAME}` references resolve from when a file is written.
    pub fn with_environment(mut self, environment: BTreeMap<String, String>) -> Self {
        self.environment = Arc::new(environment);
        self
    }

    /// The same core, resolving only the environment variables on the home's allowlist
    /// (`env_allowlist`): for adapters whose requests come from a model (the MCP server).
    pub fn with_env_allowlist_enforced(mut self) -> Self {
        self.env_restricted = true;
        self
    }

    /// The allowlist in force for `${env:…}` resolution (None: every variable).
    pub(crate) fn env_allowlist(&self) -> Result<Option<std::collections::BTreeSet<String>>> {
        if self.env_restricted { crate::env_allowlist::load(self.home()).map(Some) } else { Ok(None) }
    }

    /// The same core, recording its events under `trace_id` (the adapter's operation), so
    /// that every step of that operation shares one trace.
    pub fn with_trace(&self, trace_id: &str) -> Orchestrator {
        Orchestrator { trace: Some(Arc::from(trace_id)), ..self.clone() }
    }

    /// Test-only pause points on the client-file write path.
    pub fn with_failpoints(mut self, failpoints: FailPoints) -> Self {
        self.failpoints = failpoints;
        self
    }

    /// How long writers wait for the home lock before failing with a conflict.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The home.
    /// The environment references resolve from.
    pub(crate) fn environment(&self) -> &BTreeMap<String, String> {
        &self.environment
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    /// Now, by the clock handed in.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    fn is_initialized(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.initialized.load(Ordering::Relaxed) {
            return true;
        }
        let exists = self.home.layout_file().exists();
        if exists {
            self.initialized.store(true, Ordering::Relaxed);
        }
        exists
    }

    fn lock(&self) -> Result<LockGuard> {
        Ok(fsutil::lock(&self.home.lock_file(), self.lock_timeout)?)
    }

    /// The trust store, reloaded only when `keys/trusted/` or one of its key files changed
    /// since it was last read (their [`crate::readcache::Stamp`]s: device, inode, size, mtime
    /// and ctime, which change with every key trusted, untrusted or rewritten, by any process).
    /// A store whose files changed within [`crate::readcache::RACY_WINDOW`] of now is read but
    /// not remembered: on a filesystem with coarse timestamps a second change within the same
    /// tick would keep the same stamps (git's "racily clean" rule for its index).
    fn trust(&self) -> Result<Arc<TrustStore>> {
        self.trust_at(None)
    }

    /// [`Orchestrator::trust`] judged at a generation of the watch set drained at the start of
    /// the operation (`cached.rs`: one drain for the trust store and the head).
    fn trust_at(&self, drained: Option<&crate::readcache::Drained>) -> Result<Arc<TrustStore>> {
        if let Ok(cached) = self.trust_cache.lock()
            && let Some((validity, store)) = cached.as_ref()
            && validity.holds_at(drained)
        {
            return Ok(Arc::clone(store));
        }
        // Watched (with the read cache's watch set) and stamped before they are read: a change
        // during the read shows on the next call.
        let mut recorder = crate::readcache::Recorder::watching(self.watch());
        let dir = self.home.trusted_dir();
        recorder.consult(&dir);
        for name in fsutil::list_dir(&dir).unwrap_or_default() {
            recorder.consult(&dir.join(name));
        }
        let store = Arc::new(keys::load_trust(&self.home)?);
        // Unwatched, file times are the system clock's, so they are compared with it (in
        // `finish`), not with the clock handed in (which may be fixed, in tests).
        let validity = recorder.finish();
        if let Ok(mut cached) = self.trust_cache.lock() {
            *cached = validity.map(|validity| (validity, Arc::clone(&store)));
        }
        Ok(store)
    }

    /// The head of a profile, verified, through this core's signature cache.
    fn load_head(&self, trust: &TrustStore, client: &ClientId, profile: &ProfileId) -> Result<Verified> {
        let cache = crate::sigcache::MemoryFirst::new(Arc::clone(&self.verified), &self.home);
        registry::load_head_cached(&self.home, trust, client, profile, self.now(), &cache)
    }

    fn ensure_initialized(&self) -> Result<()> {
        if self.is_initialized() { Ok(()) } else { Err(Error::NotInitialized { home: self.home.root().to_path_buf() }) }
    }

    /// `init-configs`: creates the home and keys (keeping an existing key pair, such as the
    /// original tool's), trusts the own key, and seeds a signed `default` profile for every
    /// supported client. Idempotent; `force` re-seeds as new versions.
    pub fn init(&self, force: bool) -> Result<InitReport> {
        self.traced("init", Map::new(), || self.init_inner(force))
    }

    fn init_inner(&self, force: bool) -> Result<InitReport> {
        let mut report = InitReport { home: self.home.root().display().to_string(), ..Default::default() };
        report.created_home = !self.home.root().exists();
        // An existing key (ours or the original tool's) is checked before anything is
        // written, so that refusing it (say, readable by others) leaves the home as it was.
        let existing_key =
            if keys::has_signing_key(&self.home) { Some(keys::load_signing_key(&self.home)?) } else { None };
        let lock = self.lock()?;
        let mut changed = report.created_home;
        let key = if let Some(key) = existing_key {
            key
        } else {
            let key = KeyPair::generate();
            keys::install_key_pair(&self.home, &key)?;
            report.key_created = true;
            changed = true;
            key
        };
        report.key_id = key.public().id().to_string();
        if !self.home.trusted_key(key.public().id().hex()).exists() || !self.home.verification_key().exists() {
            keys::trust_key(&self.home, key.public())?;
            if !self.home.verification_key().exists() {
                fsutil::write_atomic(
                    &self.home.verification_key(),
                    key.public().to_pem().as_bytes(),
                    keys::PUBLIC_MODE,
                )?;
            }
            changed = true;
        }
        report.legacy_store_found = legacy::detect(&self.home);
        changed |= self.upgrade_layout(&lock)?;
        let trust = self.trust()?;
        let profile = ProfileId::parse(DEFAULT_PROFILE)?;
        for info in dialects::all() {
            let client = ClientId::parse(info.id)?;
            if report.legacy_store_found
                && self.home.legacy_index_dir().join(info.id).join("default.json").exists()
                && registry::head(&self.home, &client, &profile)?.is_none()
            {
                report.left_for_migration.push(format!("{}/{}", info.id, DEFAULT_PROFILE));
            }
        }
        // One shared `default` every client follows; a client's own `default` (homes made
        // before shared profiles had 27 of them, and migrated ones) still takes precedence.
        let shared = ClientId::shared();
        if force || registry::head(&self.home, &shared, &profile)?.is_none() {
            let payload = canonical::canonicalize_value(seed::default_servers());
            let mut metadata = Map::new();
            metadata.insert("generator".into(), json!("init-configs"));
            metadata.insert("note".into(), json!("sample servers seeded by init-configs, shared by every client"));
            let verified = registry::publish(
                &self.home,
                &lock,
                &key,
                &trust,
                &shared,
                &profile,
                &payload,
                PublishRequest { metadata, expires_at: None, failpoints: self.failpoints.clone() },
                self.now(),
            )?;
            report.seeded.push(SeededProfile {
                client_id: shared.to_string(),
                profile_id: DEFAULT_PROFILE.to_owned(),
                version: verified.statement().version,
                artifact_id: verified.id().to_string(),
            });
            changed = true;
        }
        report.unchanged = !changed;
        Ok(report)
    }

    /// Every profile of a client, with its head (reads every head: listings use
    /// [`Orchestrator::profiles_page`]).
    pub fn profiles(&self, client: &str) -> Result<Vec<ProfileSummary>> {
        Ok(self.profiles_after(client, None, usize::MAX)?.0)
    }

    /// The verified head of a profile: for a client without a profile of that name, the
    /// shared profile (its statement's `client_id` is then `_shared`; see [`Layer::of`]).
    pub fn get(&self, client: &str, profile: &str) -> Result<Verified> {
        let meta = ids_meta(client, profile);
        self.traced("config_retrieval", meta, || {
            let client = ClientId::parse_subject(client)?;
            let profile = ProfileId::parse(profile)?;
            self.ensure_initialized()?;
            let trust = self.trust()?;
            self.head_for(&trust, &client, &profile)
        })
    }

    /// One version of a profile by its artifact id, verified (hash, signature, trust, subject,
    /// expiry; an explicitly asked-for older version is not a rollback).
    pub fn get_artifact(&self, client: &str, profile: &str, artifact_id: &str) -> Result<Verified> {
        let mut meta = ids_meta(client, profile);
        meta.insert("artifact_id".into(), json!(artifact_id.chars().take(80).collect::<String>()));
        self.traced("config_retrieval", meta, || {
            let client = ClientId::parse_subject(client)?;
            let profile = ProfileId::parse(profile)?;
            let wanted = ContentId::parse(artifact_id)?;
            self.ensure_initialized()?;
            let trust = self.trust()?;
            let found = registry::find_artifact(&self.home, &wanted)?;
            let pick = |subject: &ClientId| {
                found.iter().filter(|(c, p, _)| c == subject && *p == profile).map(|(_, _, v)| *v).max()
            };
            // A client's profile name also finds the shared profile's versions (see `get`).
            let (subject, version) = pick(&client)
                .map(|v| (client.clone(), v))
                .or_else(|| pick(&ClientId::shared()).map(|v| (ClientId::shared(), v)))
                .ok_or_else(|| Error::ArtifactNotFound { id: wanted.to_string() })?;
            registry::load_version(&self.home, &trust, &subject, &profile, version, Some(self.now()))
        })
    }

    /// Publishes a servers document (JSON text) as the next version of a profile (even when
    /// it equals the head; see [`Orchestrator::publish_with`] for the checks `publish` runs).
    pub fn publish(
        &self,
        client: &str,
        profile: &str,
        payload_text: &str,
        note: Option<&str>,
        expires_in: Option<Duration>,
    ) -> Result<Verified> {
        let options = PublishOptions { note, expires_in, allow_same: true, ..PublishOptions::default() };
        Ok(self.publish_with(client, profile, payload_text, &options)?.verified)
    }

    /// Publishes a servers document (JSON text) as the next version of a profile. With
    /// `validate_on`, the document must pass the checks of `draft validate` (exit 6 on the
    /// first error). A document equal to the head creates no version unless `allow_same`
    /// (the head is returned, `created: false`). An expiry of zero or beyond the calendar is
    /// refused (exit 2).
    pub fn publish_with(
        &self,
        client: &str,
        profile: &str,
        payload_text: &str,
        options: &PublishOptions<'_>,
    ) -> Result<PublishOutcome> {
        let meta = ids_meta(client, profile);
        self.traced("config_publish", meta, || {
            let client = ClientId::parse_subject(client)?;
            let profile = ProfileId::parse(profile)?;
            let payload: Canonical = canonical::canonicalize_text(payload_text)?;
            check_servers_document(payload.value())?;
            if let Some(pointer) = dialects::secret_like_values(payload.value()).into_iter().next() {
                return Err(Error::Validation {
                    pointer,
                    message: "a literal secret cannot be published: store it with `mcp-orchestration secrets set NAME` and write ${secret:NAME} instead".into(),
                });
            }
            self.enforce_policies(payload.value())?;
            if let Some(path_dirs) = options.validate_on {
                drafts::refuse_invalid(&drafts::validate_document(client.as_str(), payload.value(), path_dirs))?;
            }
            let now = self.now();
            let expires_at = match options.expires_in {
                Some(d) if d.is_zero() => {
                    return Err(Error::Usage {
                        message: "--expires-in 0s would publish a version that is already expired: give a positive duration such as 12h or 30d, or leave the option out".into(),
                    });
                }
                Some(d) => Some(
                    jiff::SignedDuration::try_from(d)
                        .ok()
                        .and_then(|d| now.checked_add(d).ok())
                        .ok_or_else(|| Error::Usage {
                            message: format!(
                                "--expires-in {} is too far in the future (versions can expire up to the year 9999): give a shorter duration such as 365d",
                                humanize(d)
                            ),
                        })?,
                ),
                None => None,
            };
            self.ensure_initialized()?;
            let key = keys::load_signing_key(&self.home)?;
            let trust = self.trust()?;
            let mut metadata = Map::new();
            if let Some(note) = options.note {
                metadata.insert("note".into(), json!(note));
            }
            let lock = self.lock()?;
            if client.is_shared() {
                self.upgrade_layout(&lock)?;
            }
            let head = registry::head(&self.home, &client, &profile)?;
            if let Some(expected) = options.expect_head
                && head.as_ref().map(|h| h.version) != expected
            {
                let now_at = head.as_ref().map(|h| format!("v{}", h.version)).unwrap_or_else(|| "none".into());
                return Err(Error::Conflict {
                    message: format!(
                        "the head of {client}/{profile} moved to {now_at} while publishing: nothing was published; run `mcp-orchestration draft rebase {client} --profile {profile}`"
                    ),
                });
            }
            if !options.allow_same && head.is_some_and(|h| h.artifact_id == *payload.id()) {
                let verified = self.load_head(&trust, &client, &profile)?;
                return Ok(PublishOutcome { verified, created: false });
            }
            let verified = registry::publish(
                &self.home,
                &lock,
                &key,
                &trust,
                &client,
                &profile,
                &payload,
                PublishRequest { metadata, expires_at, failpoints: self.failpoints.clone() },
                now,
            )?;
            Ok(PublishOutcome { verified, created: true })
        })
    }

    /// The verified history of a profile, oldest first.
    pub fn history(&self, client: &str, profile: &str) -> Result<Vec<HistoryEntry>> {
        let client = ClientId::parse_subject(client)?;
        let profile = ProfileId::parse(profile)?;
        self.ensure_initialized()?;
        let trust = self.trust()?;
        let mut entries = registry::history(&self.home, &trust, &client, &profile)?;
        if entries.is_empty() && !client.is_shared() {
            // A client without a profile of that name follows the shared one (as `get`).
            entries = registry::history(&self.home, &trust, &ClientId::shared(), &profile)?;
        }
        if entries.is_empty() {
            return Err(Error::ProfileNotFound { client: client.to_string(), profile: profile.to_string() });
        }
        Ok(entries)
    }

    /// Events that pass the filter, in the order they were written (the whole list: for tests
    /// and small logs; adapters page with [`Orchestrator::events_page`] or visit with
    /// [`Orchestrator::scan_events`]).
    pub fn events(&self, filter: &Filter) -> Result<Vec<Event>> {
        events::query(&self.home, filter)
    }

    /// One page of the events that pass the filter: after the first `start`, at most `limit`,
    /// and whether more follow (the log is read once, only the page kept).
    pub fn events_page(&self, filter: &Filter, start: usize, limit: usize) -> Result<(Vec<Event>, bool)> {
        events::page(&self.home, filter, start, limit)
    }

    /// Visits the events that pass the filter, oldest first, until `visit` breaks.
    pub fn scan_events(&self, filter: &Filter, visit: impl FnMut(Event) -> std::ops::ControlFlow<()>) -> Result<()> {
        events::scan(&self.home, filter, visit)
    }

    /// The signing key and the trust store.
    pub fn key_info(&self) -> Result<KeyInfo> {
        let key = keys::load_signing_key(&self.home)?;
        let trust = self.trust()?;
        Ok(KeyInfo {
            signing_key_id: key.public().id().to_string(),
            public_key_pem: key.public().to_pem(),
            trusted: trust.iter().map(|k| k.id().to_string()).collect(),
        })
    }

    /// Trusts a public key given as SPKI PEM text; `origin` names where it came from.
    pub fn trust_key(&self, pem: &str, origin: &std::path::Path) -> Result<PublicKey> {
        let mut meta = Map::new();
        meta.insert("origin".into(), json!(origin.display().to_string()));
        self.traced("key_trust", meta, || {
            self.ensure_initialized()?;
            let key = keys::parse_public_key(pem, origin)?;
            let _lock = self.lock()?;
            keys::trust_key(&self.home, &key)?;
            Ok(key)
        })
    }

    /// Untrusts a key id; false when it was not trusted.
    pub fn untrust_key(&self, key_id: &str) -> Result<bool> {
        let mut meta = Map::new();
        meta.insert("key_id".into(), json!(key_id));
        self.traced("key_untrust", meta, || {
            self.ensure_initialized()?;
            let _lock = self.lock()?;
            keys::untrust_key(&self.home, key_id)
        })
    }

    /// Replaces the signing key; returns (old, new) public keys.
    pub fn rotate_key(&self) -> Result<(PublicKey, PublicKey)> {
        self.traced("key_rotation", Map::new(), || {
            self.ensure_initialized()?;
            let _lock = self.lock()?;
            keys::rotate(&self.home, &KeyPair::generate(), &self.failpoints)
        })
    }
}

pub(crate) fn ids_meta(client: &str, profile: &str) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("client_id".into(), json!(client.chars().take(64).collect::<String>()));
    meta.insert("profile_id".into(), json!(profile.chars().take(64).collect::<String>()));
    meta
}
