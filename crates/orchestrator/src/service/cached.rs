//! The verified head a client follows, through the read cache of a long-running core
//! ([`crate::readcache`]): a read remembered under the stamps of every file it consulted is
//! answered after `statx` of those files alone; any difference, a changed trust store or an
//! expired artifact makes it read and verify everything again. A core without the cache (a
//! one-shot CLI) reads and verifies every time.

use std::sync::Arc;

use super::Orchestrator;
use crate::artifact::Verified;
use crate::error::Result;
use crate::ids::{ClientId, ProfileId};
use crate::readcache::{ReadCache, Recorder};
use crate::registry;
use crate::trust::TrustStore;

impl Orchestrator {
    /// The same core, remembering verified reads under their files' stamps (for a process that
    /// serves many reads: the MCP server). Clones share the memory.
    pub fn with_read_cache(mut self) -> Self {
        self.read_cache = Some(Arc::new(ReadCache::default()));
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
        let Some(cache) = &self.read_cache else {
            return self.head_for_consulting(trust, client, profile, &mut |_| {});
        };
        let digest = trust.digest();
        if let Some(verified) = cache.lookup(client, profile, &digest, self.now()) {
            return Ok(verified);
        }
        let mut recorder = Recorder::default();
        let result = self.head_for_consulting(trust, client, profile, &mut |path| recorder.consult(path));
        if let Ok(verified) = &result {
            cache.remember(client, profile, digest, recorder, verified);
        }
        result
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
