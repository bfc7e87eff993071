//! The on-disk signature cache: one empty file per signature that verified, under
//! `cache/signatures/`, named by its cache key (see `artifact::signature_cache_key`). It is
//! as trustworthy as the home itself (whoever can write it can also edit `keys/trusted/`);
//! deleting the directory only makes the next reads verify again.

use std::path::PathBuf;

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
        if std::fs::create_dir_all(&self.dir).is_ok() {
            let _ = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(self.path(key));
        }
    }
}
