//! The on-disk signature cache: one empty file per signature that verified, under
//! `cache/signatures/`, named by its cache key (see `artifact::signature_cache_key`). It is
//! as trustworthy as the home itself (whoever can write it can also edit `keys/trusted/`);
//! deleting the directory only makes the next reads verify again.
//!
//! A long-running process (the MCP server) puts [`MemoryFirst`] in front of it: the keys it has
//! seen verified stay in memory, so a read asks the disk only the first time. A key is a
//! function of the exact envelope bytes, the public key and the trust store's digest, so an
//! entry stays true for as long as it exists; the memory is bounded and simply forgotten when
//! full.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::artifact::SignatureCache;
use crate::home::Home;

/// A signature cache in the home.
#[derive(Debug, Clone)]
pub struct HomeSignatureCache {
    dir: PathBuf,
}

impl HomeSignatureCache {
    /// The cache of this home.
    pub fn new(home: &Home) -> Self {
        HomeSignatureCache { dir: home.root().join("cache").join("signatures") }
    }

    fn path(&self, key: &[u8; 32]) -> PathBuf {
        self.dir.join(hex::encode(key))
    }
}

impl SignatureCache for HomeSignatureCache {
    fn contains(&self, key: &[u8; 32]) -> bool {
        self.path(key).is_file()
    }

    fn insert(&self, key: &[u8; 32]) {
        // Best effort: a cache that cannot be written only costs the next read a verification.
        if crate::fsutil::create_dir_all(&self.dir).is_ok() {
            use std::os::unix::fs::OpenOptionsExt as _;
            let _ =
                std::fs::OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(self.path(key));
        }
    }
}

/// How many keys [`MemoryFirst`] remembers before it starts over (32 bytes each).
const MEMORY_LIMIT: usize = 65_536;

/// The keys seen verified by this process, shared by the clones of one core.
pub type Memory = Arc<Mutex<HashSet<[u8; 32]>>>;

/// A memory of verified keys in front of a home's on-disk cache.
#[derive(Debug, Clone)]
pub struct MemoryFirst {
    memory: Memory,
    home: HomeSignatureCache,
}

impl MemoryFirst {
    /// The home's cache behind this memory.
    pub fn new(memory: Memory, home: &Home) -> Self {
        MemoryFirst { memory, home: HomeSignatureCache::new(home) }
    }

    fn remember(&self, key: &[u8; 32]) {
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if memory.len() >= MEMORY_LIMIT {
            memory.clear();
        }
        memory.insert(*key);
    }
}

impl SignatureCache for MemoryFirst {
    fn contains(&self, key: &[u8; 32]) -> bool {
        if self.memory.lock().unwrap_or_else(PoisonError::into_inner).contains(key) {
            return true;
        }
        let on_disk = self.home.contains(key);
        if on_disk {
            self.remember(key);
        }
        on_disk
    }

    fn insert(&self, key: &[u8; 32]) {
        self.remember(key);
        self.home.insert(key);
    }
}

#[cfg(test)]
mod tests {
    //! The memory in front of the home's cache: hits on disk are remembered, inserts reach both,
    //! and a full memory starts over without losing what the disk knows.

    use super::*;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path().to_path_buf());
        (dir, home)
    }

    #[test]
    fn inserts_reach_memory_and_disk_and_disk_hits_are_remembered() {
        let (_dir, home) = home();
        let memory = Memory::default();
        let cache = MemoryFirst::new(Arc::clone(&memory), &home);
        assert!(!cache.contains(&[1; 32]));
        cache.insert(&[1; 32]);
        assert!(memory.lock().expect("lock").contains(&[1; 32]));
        assert!(HomeSignatureCache::new(&home).contains(&[1; 32]), "written through to the home");

        // Another process recorded [2; 32]: found on disk once, then from memory.
        HomeSignatureCache::new(&home).insert(&[2; 32]);
        assert!(cache.contains(&[2; 32]));
        std::fs::remove_dir_all(home.root().join("cache")).expect("remove");
        assert!(cache.contains(&[2; 32]), "remembered after the disk forgot");
        assert!(!MemoryFirst::new(Memory::default(), &home).contains(&[2; 32]), "a fresh memory asks the disk");
    }

    #[test]
    fn a_full_memory_starts_over() {
        let (_dir, home) = home();
        let memory = Memory::default();
        memory.lock().expect("lock").extend((0..MEMORY_LIMIT as u32).map(|i| {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_be_bytes());
            key
        }));
        let cache = MemoryFirst::new(Arc::clone(&memory), &home);
        cache.insert(&[9; 32]);
        assert_eq!(memory.lock().expect("lock").len(), 1);
        assert!(cache.contains(&[9; 32]));
    }
}
