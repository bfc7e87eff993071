//! The trust store: the public keys whose signatures are accepted, by key id.

use std::collections::BTreeMap;

use crate::crypto::PublicKey;

/// Public keys whose signatures are accepted. Weak keys never get in: [`PublicKey`] refuses
/// them when it is built.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: BTreeMap<String, PublicKey>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a key.
    pub fn insert(&mut self, key: PublicKey) {
        self.keys.insert(key.id().to_string(), key);
    }
    /// The key with this `sha256:` id, if trusted.
    pub fn get(&self, key_id: &str) -> Option<&PublicKey> {
        self.keys.get(key_id)
    }
    /// Every trusted key, by id.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }
    /// SHA-256 over the sorted trusted key ids: changes whenever a key is trusted or untrusted.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for id in self.keys.keys() {
            h.update(id.as_bytes());
            h.update(b"\n");
        }
        h.finalize().into()
    }
    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// True when no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests of the in-memory trust store.

    use super::*;
    use crate::crypto::KeyPair;

    #[test]
    fn keys_are_found_by_id_and_listed_in_id_order() {
        let mut store = TrustStore::new();
        assert!(store.is_empty());
        assert_eq!(store.len(), 0);
        let (a, b) = (KeyPair::from_seed(&[1; 32]), KeyPair::from_seed(&[2; 32]));
        store.insert(a.public().clone());
        store.insert(b.public().clone());
        store.insert(a.public().clone());
        assert_eq!(store.len(), 2, "inserting a key twice keeps one");
        assert!(!store.is_empty());
        assert_eq!(store.get(a.public().id().as_str()), Some(a.public()));
        assert_eq!(store.get(b.public().id().as_str()), Some(b.public()));
        assert_eq!(store.get(a.public().id().hex()), None, "ids are looked up in their sha256: form");
        let mut ids: Vec<String> = vec![a.public().id().to_string(), b.public().id().to_string()];
        ids.sort();
        assert_eq!(store.iter().map(|k| k.id().to_string()).collect::<Vec<_>>(), ids);
    }
}
