//! Listings by page, and the cache of what they read.
//!
//! A client's profiles are the names in `heads/<client>/` (sorted); a page of them reads only
//! the head files of its own entries. The sorted names are remembered per client, keyed by the
//! directory's [`Stamp`] (inode, size, mtime and ctime: every publish renames a head file into
//! it, so any process's publish changes it), and re-listed when it changes; a listing less than
//! [`crate::readcache::RACY_WINDOW`] old is never remembered (a second change within a coarse timestamp tick would keep the time), as
//! for the trust store. So a long-running core (the MCP server) answers a page with one `stat`
//! of the directory and the page's own head reads, whatever the number of profiles. A one-shot
//! process reads the names from the on-disk index of [`crate::name_index`] when it is valid for
//! the directory's stamp (one file, no directory listing), and otherwise lists the directory
//! once (names only), rewriting the index when the directory has settled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::shared::Layer;
use super::{Orchestrator, ProfileSummary};
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::name_index;
use crate::page::{self, Page, PageRequest};
use crate::readcache::Stamp;
use crate::registry::{self, Head, HistoryEntry};

/// A client's sorted profile names, with the stamp of `heads/<client>/` when listed;
/// no names when a page was selected from that listing without sorting them all (the first
/// listing at that time in this process: a one-shot command lists once).
type NamesSnapshot = (Stamp, Option<Arc<Vec<ProfileId>>>);

/// The profile names last listed per client (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct NamesCache(Mutex<HashMap<ClientId, NamesSnapshot>>);

/// The stamp of an existing directory (None when it is missing or cannot be stamped).
fn dir_stamp(dir: &std::path::Path) -> Option<Stamp> {
    Some(Stamp::of(dir)).filter(|s| matches!(s, Stamp::Present { .. }))
}

/// Whether a directory with this stamp can be remembered now.
fn settled(stamp: Stamp) -> bool {
    stamp.is_settled(SystemTime::now())
}

impl Orchestrator {
    /// The sorted profile names of a client (those with a head), from the cache when
    /// `heads/<client>/` has not changed since they were listed.
    pub(crate) fn profile_names_of(&self, client: &ClientId) -> Result<Arc<Vec<ProfileId>>> {
        let dir = self.home.heads_dir(client);
        let stamp = dir_stamp(&dir);
        if let Some(stamp) = stamp
            && let Ok(cache) = self.names.0.lock()
            && let Some((seen, Some(names))) = cache.get(client)
            && *seen == stamp
        {
            return Ok(Arc::clone(names));
        }
        let stamp_now = stamp.unwrap_or(Stamp::Absent);
        let names = Arc::new(name_index::all(&self.home, client, &stamp_now, SystemTime::now())?.0);
        if let Ok(mut cache) = self.names.0.lock() {
            match stamp {
                Some(stamp) if settled(stamp) => {
                    cache.insert(client.clone(), (stamp, Some(Arc::clone(&names))));
                }
                _ => {
                    cache.remove(client);
                }
            }
        }
        Ok(names)
    }

    /// The page of a client's profile names after `after`, and whether more follow. The first
    /// listing of a directory's state in this process selects the page in one pass without
    /// sorting every name (all a one-shot command needs); a second one lists, sorts and
    /// remembers them all (see [`Orchestrator::profile_names_of`]), so a long-running core
    /// answers later pages from memory.
    fn page_names(&self, client: &ClientId, after: Option<&str>, limit: usize) -> Result<(Vec<ProfileId>, bool)> {
        let dir = self.home.heads_dir(client);
        let stamp = dir_stamp(&dir);
        let listed_once =
            self.names.0.lock().ok().and_then(|cache| cache.get(client).map(|(seen, _)| Some(*seen) == stamp));
        if listed_once == Some(true) {
            let names = self.profile_names_of(client)?;
            let (slice, more) = page::slice(names.as_slice(), after, limit, ProfileId::as_str);
            return Ok((slice.to_vec(), more));
        }
        let (names, more, _) =
            name_index::page(&self.home, client, &stamp.unwrap_or(Stamp::Absent), SystemTime::now(), after, limit)?;
        let page = (names, more);
        if let (Some(stamp), Ok(mut cache)) = (stamp, self.names.0.lock())
            && settled(stamp)
        {
            cache.insert(client.clone(), (stamp, None));
        }
        Ok(page)
    }

    /// The sorted profile ids of a client (no head file is read).
    pub fn profile_names(&self, client: &str) -> Result<Arc<Vec<ProfileId>>> {
        let client = ClientId::parse_subject(client)?;
        self.profile_names_of(&client)
    }

    /// Up to `limit` profiles of a client after the profile `after` (by name), with their heads,
    /// and whether more follow. Only the returned profiles' head files are read.
    pub fn profiles_after(
        &self,
        client: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ProfileSummary>, bool)> {
        let client = ClientId::parse_subject(client)?;
        let (slice, more) = self.followed_after(&client, after, limit)?;
        Ok((self.summaries(&client, &slice)?, more))
    }

    /// Up to `limit` of the profile names `client` follows after `after`, sorted: its own and,
    /// for a client, the shared ones it has no profile of that name for (the merge reads only
    /// the page's share of each sorted list). True when more follow.
    fn followed_after(
        &self,
        client: &ClientId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<(ProfileId, Layer)>, bool)> {
        let own_layer = if client.is_shared() { Layer::Shared } else { Layer::Client };
        let (own, own_more) = self.page_names(client, after, limit)?;
        let (shared, shared_more) =
            if client.is_shared() { (Vec::new(), false) } else { self.page_names(&ClientId::shared(), after, limit)? };
        let (mut own_rest, mut shared_rest) = (own.as_slice(), shared.as_slice());
        let mut out = Vec::with_capacity(limit.min(own_rest.len() + shared_rest.len()));
        while out.len() < limit {
            let next = match (own_rest.first(), shared_rest.first()) {
                (None, None) => break,
                (Some(o), Some(s)) if s < o => {
                    shared_rest = &shared_rest[1..];
                    (s.clone(), Layer::Shared)
                }
                (Some(o), Some(s)) if s == o => {
                    // The client's own profile of that name overrides the shared one.
                    shared_rest = &shared_rest[1..];
                    own_rest = &own_rest[1..];
                    (o.clone(), own_layer)
                }
                (Some(o), _) => {
                    own_rest = &own_rest[1..];
                    (o.clone(), own_layer)
                }
                (None, Some(s)) => {
                    shared_rest = &shared_rest[1..];
                    (s.clone(), Layer::Shared)
                }
            };
            out.push(next);
        }
        let more = own_more || shared_more || !own_rest.is_empty() || !shared_rest.is_empty();
        Ok((out, more))
    }

    fn summaries(&self, client: &ClientId, names: &[(ProfileId, Layer)]) -> Result<Vec<ProfileSummary>> {
        let mut out = Vec::with_capacity(names.len());
        // Each subject's directory is checked once for the page, then each head read.
        registry::check_heads_dir(&self.home, client)?;
        if !client.is_shared() && names.iter().any(|(_, layer)| *layer == Layer::Shared) {
            registry::check_heads_dir(&self.home, &ClientId::shared())?;
        }
        for (profile, layer) in names {
            let subject = if *layer == Layer::Shared { ClientId::shared() } else { client.clone() };
            // A name listed whose head is gone (removed by hand since) is not a profile.
            if let Some(Head { version, artifact_id }) = registry::read_head(&self.home, &subject, profile)? {
                out.push(ProfileSummary {
                    profile_id: profile.to_string(),
                    version,
                    artifact_id: artifact_id.to_string(),
                    layer: *layer,
                });
            }
        }
        Ok(out)
    }

    /// One page of a client's profiles (by name), with their heads.
    pub fn profiles_page(&self, client: &str, request: &PageRequest<'_>) -> Result<Page<ProfileSummary>> {
        let client_id = ClientId::parse_subject(client)?;
        let after = request.after("profiles", client_id.as_str())?;
        let (slice, more) = self.followed_after(&client_id, after.as_deref(), request.limit)?;
        let next_cursor = match (more, slice.last()) {
            (true, Some((last, _))) => Some(page::encode("profiles", client_id.as_str(), last.as_str())),
            _ => None,
        };
        Ok(Page { items: self.summaries(&client_id, &slice)?, next_cursor })
    }

    /// One page of a profile's verified history, oldest first: only the page's versions (and the
    /// one before, for its chain link) are read and verified.
    pub fn history_page(&self, client: &str, profile: &str, request: &PageRequest<'_>) -> Result<Page<HistoryEntry>> {
        let client_id = ClientId::parse_subject(client)?;
        let profile_id = ProfileId::parse(profile)?;
        self.ensure_initialized()?;
        let scope = format!("{client_id}/{profile_id}");
        let after = match request.after("history", &scope)? {
            None => None,
            Some(key) => Some(key.parse::<u64>().map_err(|_| Error::Usage {
                message: "the cursor is not one this history listing gave out (no version in it): pass the next_cursor of its previous page unchanged, or leave the cursor out to start from the first page".into(),
            })?),
        };
        let mut versions = registry::versions(&self.home, &client_id, &profile_id)?;
        let mut client_id = client_id;
        if versions.is_empty() && !client_id.is_shared() {
            // A client without a profile of that name follows the shared one (as `get`).
            let shared = ClientId::shared();
            versions = registry::versions(&self.home, &shared, &profile_id)?;
            if !versions.is_empty() {
                client_id = shared;
            }
        }
        if versions.is_empty() {
            return Err(Error::ProfileNotFound { client: client_id.to_string(), profile: profile_id.to_string() });
        }
        let (slice, more) = page::slice(&versions, after.as_ref(), request.limit, |v| v);
        // The stored version right before the page (its id is the first entry's `previous`).
        let start = after.map_or(0, |after| versions.partition_point(|v| *v <= after));
        let before = start.checked_sub(1).map(|i| versions[i]);
        let entries = registry::history_of(&self.home, &*self.trust()?, &client_id, &profile_id, slice, before);
        let next_cursor = match (more, slice.last()) {
            (true, Some(last)) => Some(page::encode("history", &scope, &last.to_string())),
            _ => None,
        };
        Ok(Page { items: entries, next_cursor })
    }
}
