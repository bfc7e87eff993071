//! The verified head a client follows, through the read cache of a long-running core
//! ([`crate::readcache`]): a read remembered under the watch set (or the stamps) of every file
//! it consulted is answered after one drain of the inotify queue (or `statx` of those files)
//! alone; any change, a changed trust store or an expired artifact makes it read and verify
//! everything again. A core without the cache (a one-shot CLI) reads and verifies every time.
//! [`Orchestrator::get_derived`] lets an adapter remember what it makes of a read (the MCP
//! server: the tool result) for exactly as long as the read itself.

use std::any::Any;
use std::sync::Arc;

use super::Orchestrator;
use crate::artifact::Verified;
use crate::error::Result;
use crate::ids::{ClientId, ProfileId};
use crate::readcache::{Drained, ReadCache};
use crate::registry;
use crate::trust::TrustStore;

impl Orchestrator {
    /// The same core, remembering verified reads under their files' stamps (for a process that
    /// serves many reads: the MCP server). Clones share the memory.
    pub fn with_read_cache(mut self) -> Self {
        self.read_cache = Some(Arc::new(ReadCache::default()));
        self
    }

    /// [`Orchestrator::with_read_cache`] without a watch set: remembered reads are checked by
    /// the stamps of their files (with the racy window), as on systems without inotify or on
    /// filesystems it cannot be trusted on. For tests and benchmarks of that fallback.
    pub fn with_read_cache_stamps_only(mut self) -> Self {
        self.read_cache = Some(Arc::new(ReadCache::new(None)));
        self
    }

    /// How many reads the read cache answered (0 without one): for tests and benchmarks.
    pub fn read_cache_hits(&self) -> u64 {
        self.read_cache.as_ref().map_or(0, |cache| cache.hits())
    }

    /// The head `client` follows for `profile`: its own profile when it has one, else the
    /// shared one; the client's own "not found" when neither exists. Verified either way (or
    /// remembered verified, see the module's documentation).
    pub(super) fn head_for(&self, trust: &TrustStore, client: &ClientId, profile: &ProfileId) -> Result<Verified> {
        Ok(self.head_for_remembered(trust, client, profile)?.0)
    }

    /// [`Orchestrator::head_for`], with the serial of the remembered read (None when it was
    /// not remembered).
    fn head_for_remembered(
        &self,
        trust: &TrustStore,
        client: &ClientId,
        profile: &ProfileId,
    ) -> Result<(Verified, Option<u64>)> {
        let Some(cache) = &self.read_cache else {
            return Ok((self.head_for_consulting(trust, client, profile, &mut |_| {})?, None));
        };
        let digest = trust.digest();
        if let Some(hit) = cache.lookup_entry(client, profile, &digest, self.now()) {
            return Ok(((*hit.verified).clone(), Some(hit.serial)));
        }
        let mut recorder = cache.recorder();
        let verified = self.head_for_consulting(trust, client, profile, &mut |path| recorder.consult(path))?;
        let serial = cache.remember(client, profile, digest, recorder, &verified);
        Ok((verified, serial))
    }

    /// What `derive` makes of the verified head `client` follows for `profile` (see
    /// [`Orchestrator::get`], whose events it records), remembered with the read: while the
    /// read is still valid, the next call returns the same value without reading, verifying
    /// or deriving again. For an adapter's prepared answer (the MCP server's tool result);
    /// `derive` must depend on nothing but the verified head and this core's settings.
    pub fn get_derived<T: Any + Send + Sync>(
        &self,
        client: &str,
        profile: &str,
        derive: impl FnOnce(&Verified) -> T,
    ) -> Result<Arc<T>> {
        let meta = super::ids_meta(client, profile);
        self.traced("config_retrieval", meta, || {
            let client = ClientId::parse_subject(client)?;
            let profile = ProfileId::parse(profile)?;
            self.ensure_initialized()?;
            // One drain of the watch set for the trust store and the head alike.
            let drained = Drained::now(self.watch());
            let trust = self.trust_at(drained.as_ref())?;
            let Some(cache) = &self.read_cache else {
                return Ok(Arc::new(derive(&self.head_for(&trust, &client, &profile)?)));
            };
            if let Some(hit) = cache.lookup_entry_at(&client, &profile, &trust.digest(), self.now(), drained.as_ref()) {
                if let Some(derived) = hit.derived.and_then(|d| d.downcast::<T>().ok()) {
                    return Ok(derived);
                }
                let derived = Arc::new(derive(&hit.verified));
                cache.attach(&client, &profile, hit.serial, Arc::clone(&derived) as Arc<dyn Any + Send + Sync>);
                return Ok(derived);
            }
            let (verified, serial) = self.head_for_remembered(&trust, &client, &profile)?;
            let derived = Arc::new(derive(&verified));
            if let Some(serial) = serial {
                cache.attach(&client, &profile, serial, Arc::clone(&derived) as Arc<dyn Any + Send + Sync>);
            }
            Ok(derived)
        })
    }

    /// A recorder for an adapter's own remembered answer (say, the MCP server's `list_clients`):
    /// it watches with this core's watch set (stamps only without one, or without a read
    /// cache); what it [`finishes`](crate::readcache::Recorder::finish) into says for how long
    /// the answer holds.
    pub fn recorder(&self) -> crate::readcache::Recorder {
        crate::readcache::Recorder::watching(self.watch())
    }

    /// The read cache's watch set, if the core has one (shared with the caches beside it).
    pub(crate) fn watch(&self) -> Option<&Arc<crate::watch::Watch>> {
        self.read_cache.as_ref().and_then(|cache| cache.watch())
    }

    /// [`Orchestrator::head_for`] without the cache, telling `consult` each path before it is
    /// read.
    fn head_for_consulting(
        &self,
        trust: &TrustStore,
        client: &ClientId,
        profile: &ProfileId,
        consult: &mut dyn FnMut(&std::path::Path),
    ) -> Result<Verified> {
        let home = self.home();
        let mut subject = client.clone();
        if !client.is_shared() && registry::head_consulting(home, client, profile, consult)?.is_none() {
            let shared = ClientId::shared();
            if registry::head_consulting(home, &shared, profile, consult)?.is_some() {
                subject = shared;
            }
        }
        let cache = crate::sigcache::MemoryFirst::new(Arc::clone(&self.verified), home);
        registry::load_head_consulting(home, trust, &subject, profile, self.now(), &cache, consult)
    }
}
