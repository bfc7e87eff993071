//! The remote operations adapters call: `remote add/list/remove/login`, `push`, `pull` and the
//! remote status, each traced with events (the remote's name and address, never a credential).
//!
//! Credentials come from the adapter ([`CredentialSource`]: the environment first, then a stored
//! `remote login`, then Docker's config and credential helpers, else anonymous).

use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::Orchestrator;
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::pull_store;
use crate::registry;
use crate::remote::config::{self, Credentials, Remote, RemoteInfo, StoredLogin};
use crate::remote::oci::OciRemote;
use crate::remote::pull::{self, Fetch};
use crate::remote::{Pushed, Scope, layout, push};

/// Where the adapter found credentials: the environment (`MCP_ORCHESTRATION_REGISTRY_USER` /
/// `…_PASSWORD`), and a lookup of Docker's config (`auths`, `credHelpers`, `credsStore`) by
/// registry host, run only when neither the environment nor a stored login has them.
pub struct CredentialSource<'a> {
    /// Credentials from the environment, if set.
    pub environment: Option<Credentials>,
    /// Docker's config, by `HOST[:PORT]`.
    pub docker: &'a dyn Fn(&str) -> Option<Credentials>,
}

impl CredentialSource<'_> {
    /// No credentials from anywhere but a stored login.
    pub fn none() -> CredentialSource<'static> {
        CredentialSource { environment: None, docker: &|_| None }
    }
}

/// What a pull did for one profile.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PulledProfile {
    /// The subject (a client id or `_shared`).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// `pulled`, `up_to_date` or `absent` (the remote has no head for it).
    pub state: &'static str,
    /// This home's head before.
    pub from: u64,
    /// This home's head now.
    pub to: u64,
    /// Versions stored.
    pub stored: usize,
}

/// What a pull did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PullReport {
    /// The remote's name.
    pub remote: String,
    /// Per profile.
    pub profiles: Vec<PulledProfile>,
    /// Keys pinned at `remote add --trust-key` that were fetched, checked and trusted.
    pub keys_trusted: Vec<String>,
}

/// What a push did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushReport {
    /// The remote's name.
    pub remote: String,
    /// Per profile.
    pub profiles: Vec<Pushed>,
}

/// One profile compared with the remote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RemoteStatus {
    /// The subject.
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// This home's head version (0: none).
    pub local: u64,
    /// The remote head's version as its manifest names it (0: none).
    pub remote: u64,
    /// `equal`, `behind` (the remote is ahead: pull), `ahead` (push), `diverged`, `local_only`,
    /// `remote_only`.
    pub state: &'static str,
}

pub(super) fn remote_meta(name: &str, url: Option<&str>) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("remote".into(), json!(name));
    if let Some(url) = url {
        meta.insert("url".into(), json!(url));
    }
    meta
}

impl Orchestrator {
    /// The remotes configured, without credentials.
    pub fn remotes(&self) -> Result<Vec<RemoteInfo>> {
        let file = config::load(&self.home)?;
        Ok(file.remotes.iter().map(|(n, r)| RemoteInfo::of(n, r)).collect())
    }

    /// The remote a command means (named, or the only one), with its stored settings.
    pub fn remote(&self, name: Option<&str>) -> Result<(String, Remote)> {
        config::pick(&config::load(&self.home)?, name)
    }

    /// Runs `work` on the remote a command means (named, or the only one) as the traced
    /// `operation` of an initialized home; `work` gets the remote's name.
    pub(super) fn on_remote<T>(
        &self,
        operation: &str,
        name: Option<&str>,
        work: impl FnOnce(&String) -> Result<T>,
    ) -> Result<T> {
        let (name, remote) = self.remote(name)?;
        self.traced(operation, remote_meta(&name, Some(&remote.url)), || {
            self.ensure_initialized()?;
            work(&name)
        })
    }

    /// `remote add`: records a remote (refused when the name exists).
    pub fn remote_add(&self, name: &str, remote: Remote) -> Result<RemoteInfo> {
        self.traced("remote_add", remote_meta(name, Some(&remote.url)), || {
            self.ensure_initialized()?;
            config::check_name(name)?;
            config::validate(&remote)?;
            let lock = self.lock()?;
            let mut file = config::load(&self.home)?;
            if file.remotes.contains_key(name) {
                return Err(Error::Conflict {
                    message: format!(
                        "remote '{name}' exists: remove it first (`mcp-orchestration remote remove {name}`)"
                    ),
                });
            }
            let info = RemoteInfo::of(name, &remote);
            file.remotes.insert(name.to_owned(), remote);
            config::save(&self.home, &lock, &file)?;
            Ok(info)
        })
    }

    /// `remote remove`: false when there was none of that name.
    pub fn remote_remove(&self, name: &str) -> Result<bool> {
        self.traced("remote_remove", remote_meta(name, None), || {
            self.ensure_initialized()?;
            let lock = self.lock()?;
            let mut file = config::load(&self.home)?;
            let removed = file.remotes.remove(name).is_some();
            if removed {
                config::save(&self.home, &lock, &file)?;
            }
            Ok(removed)
        })
    }

    /// `remote login`: checks the credentials against the registry (a tag listing), then stores
    /// them in `remotes.json` (0600). Wrong credentials are not stored.
    pub fn remote_login(&self, name: &str, username: &str, password: Zeroizing<String>) -> Result<()> {
        self.traced("remote_login", remote_meta(name, None), || {
            self.ensure_initialized()?;
            let (name, remote) = self.remote(Some(name))?;
            let creds = Credentials::Basic { username: username.to_owned(), password: password.clone() };
            OciRemote::connect(&name, &remote, &creds)?.list_tags()?;
            let lock = self.lock()?;
            let mut file = config::load(&self.home)?;
            if let Some(entry) = file.remotes.get_mut(&name) {
                entry.login = Some(StoredLogin { username: username.to_owned(), password: password.to_string() });
            }
            config::save(&self.home, &lock, &file)
        })
    }

    pub(super) fn connect(&self, name: Option<&str>, source: &CredentialSource<'_>) -> Result<(Remote, OciRemote)> {
        let (name, remote) = self.remote(name)?;
        let creds = match (&source.environment, &remote.login) {
            (Some(c), _) => c.clone(),
            (None, Some(login)) => Credentials::Basic {
                username: login.username.clone(),
                password: Zeroizing::new(login.password.clone()),
            },
            (None, None) => (source.docker)(&remote.address()?.registry).unwrap_or_default(),
        };
        let oci = OciRemote::connect(&name, &remote, &creds)?;
        Ok((remote, oci))
    }

    fn local_profiles(&self, scope: &Scope) -> Result<Vec<(ClientId, ProfileId)>> {
        Ok(registry::all_profiles(&self.home)?
            .into_iter()
            .filter(|(c, p)| scope.covers(c, p) && matches!(registry::head(&self.home, c, p), Ok(Some(_))))
            .collect())
    }

    /// The profiles a pull or status covers: with one subject and profile named, that one (no
    /// listing); else the remote's heads in scope (one tag listing).
    fn remote_profiles(
        &self,
        oci: &OciRemote,
        scope: &Scope,
        tags: &mut Option<Vec<String>>,
    ) -> Result<Vec<(ClientId, ProfileId)>> {
        if let (Some(c), Some(p)) = (&scope.subject, &scope.profile) {
            return Ok(vec![(c.clone(), p.clone())]);
        }
        let listed = oci.list_tags()?;
        let heads = pull::remote_heads(&listed).into_iter().filter(|(c, p)| scope.covers(c, p)).collect();
        *tags = Some(listed);
        Ok(heads)
    }

    /// `push`: every version of the profiles in scope that the remote lacks, then their heads.
    pub fn push(&self, name: Option<&str>, scope: &Scope, source: &CredentialSource<'_>) -> Result<PushReport> {
        self.on_remote("remote_push", name, |name| {
            let (_, oci) = self.connect(Some(name), source)?;
            let trust = self.trust()?;
            let targets = self.local_profiles(scope)?;
            if targets.is_empty() {
                return Err(Error::ProfileNotFound {
                    client: scope.subject.as_ref().map_or("any client".into(), ToString::to_string),
                    profile: scope.profile.as_ref().map_or("any".into(), ToString::to_string),
                });
            }
            let mut profiles = Vec::new();
            for (client, profile) in targets {
                profiles.push(push::push_profile(&self.home, &trust, &oci, &client, &profile)?);
            }
            Ok(PushReport { remote: name.clone(), profiles })
        })
    }

    /// `pull`: fetches and verifies the remote head of every profile in scope, then (under the
    /// home lock) fetches, verifies and stores each profile's new versions in batches, moving
    /// its head and floor once at the end (see `pull_store`). A refused version stores nothing
    /// of its profile; profiles stored before it stay pulled.
    pub fn pull(&self, name: Option<&str>, scope: &Scope, source: &CredentialSource<'_>) -> Result<PullReport> {
        self.on_remote("remote_pull", name, |name| {
            let (remote, oci) = self.connect(Some(name), source)?;
            let (trust, pinned) = pull::trust_with_pins(&oci, &remote, self.trust()?.as_ref())?;
            let mut tags = None;
            let targets = self.remote_profiles(&oci, scope, &mut tags)?;
            let now = self.now();
            let mut fetched = Vec::new();
            for (client, profile) in targets {
                let outcome = pull::fetch(&self.home, &trust, &oci, &client, &profile, &mut tags, now)?;
                fetched.push((client, profile, outcome));
            }
            let lock = self.lock()?;
            for key in &pinned {
                crate::keys::trust_key(&self.home, key)?;
            }
            let mut profiles = Vec::new();
            for (client, profile, outcome) in fetched {
                let row = |state, from, to, stored| PulledProfile {
                    client_id: client.to_string(),
                    profile_id: profile.to_string(),
                    state,
                    from,
                    to,
                    stored,
                };
                profiles.push(match outcome {
                    Fetch::Absent => row("absent", 0, 0, 0),
                    Fetch::UpToDate { version } => row("up_to_date", version, version, 0),
                    Fetch::New { from, to, head, between } => {
                        if client.is_shared() {
                            self.upgrade_layout(&lock)?;
                        }
                        // Batches of the versions between, then the head (with the last batch).
                        let mut planned = between.as_slice();
                        let mut head = Some(head);
                        let mut next_batch = || -> Result<Option<Vec<pull_store::Fetched>>> {
                            if planned.is_empty() {
                                return Ok(head.take().map(|h| vec![h]));
                            }
                            let (batch, rest) = planned.split_at(pull::next_batch(planned));
                            planned = rest;
                            let mut fetched = pull::fetch_batch(&oci, batch)?;
                            if planned.is_empty() {
                                fetched.extend(head.take());
                            }
                            Ok(Some(fetched))
                        };
                        let stored = pull_store::store_pulled(
                            &self.home,
                            &lock,
                            &trust,
                            &client,
                            &profile,
                            &mut next_batch,
                            now,
                            &self.failpoints,
                        )?;
                        row("pulled", from, to, stored)
                    }
                });
            }
            Ok(PullReport {
                remote: name.clone(),
                profiles,
                keys_trusted: pinned.iter().map(|k| k.id().to_string()).collect(),
            })
        })
    }

    /// `status --remote`: per profile, whether the remote is ahead, behind or equal (from the
    /// heads' manifests; nothing is fetched beyond them, nothing verified or stored).
    pub fn remote_status(
        &self,
        name: Option<&str>,
        scope: &Scope,
        source: &CredentialSource<'_>,
    ) -> Result<Vec<RemoteStatus>> {
        self.ensure_initialized()?;
        let (name, _) = self.remote(name)?;
        let (_, oci) = self.connect(Some(&name), source)?;
        let mut tags = None;
        let mut targets = self.remote_profiles(&oci, scope, &mut tags)?;
        for local in self.local_profiles(scope)? {
            if !targets.contains(&local) {
                targets.push(local);
            }
        }
        targets.sort();
        let mut out = Vec::new();
        for (client, profile) in targets {
            let local = pull::local_head_digest(&self.home, &client, &profile)?;
            let remote_head = oci.manifest(&layout::head_tag(&client, &profile))?;
            let (remote_version, remote_id) = match &remote_head {
                Some((bytes, _)) => {
                    let m = layout::parse_version_manifest(bytes)
                        .map_err(|m| Error::RemoteIntegrity { remote: name.clone(), message: m })?;
                    (m.claimed_version.unwrap_or(0), Some(m.payload.digest))
                }
                None => (0, None),
            };
            let local_id = registry::head(&self.home, &client, &profile)?.map(|h| h.artifact_id.as_str().to_owned());
            let state = match (&local, &remote_head) {
                (None, None) => continue,
                (Some(_), None) => "local_only",
                (None, Some(_)) => "remote_only",
                (Some((_, ours)), Some((_, theirs))) if ours == theirs => "equal",
                // The same payload at the same version (signed apart, e.g. two seeded homes).
                (Some((v, _)), Some(_)) if remote_version == *v && remote_id == local_id => "equal",
                (Some((v, _)), Some(_)) if remote_version > *v => "behind",
                (Some((v, _)), Some(_)) if remote_version < *v => "ahead",
                _ => "diverged",
            };
            out.push(RemoteStatus {
                client_id: client.to_string(),
                profile_id: profile.to_string(),
                local: local.map_or(0, |(v, _)| v),
                remote: remote_version,
                state,
            });
        }
        Ok(out)
    }
}
