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
    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// True when no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
