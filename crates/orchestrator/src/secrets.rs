//! The local secret store: values behind `${secret:NAME}` references, in one 0600 JSON file
//! in the home (a headless Linux machine has no OS keyring). Values are read only to resolve
//! references when a client file is written; they are never printed, logged or signed.

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;

/// Mode of the secret file.
pub const SECRET_FILE_MODE: u32 = 0o600;

/// A secret value: redacted in `Debug`, zeroized on drop.
#[derive(Clone)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        SecretValue(Zeroizing::new(value))
    }
    /// The value, for writing into a client file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("«redacted»")
    }
}

/// True for a valid secret or environment variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 128.
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The secrets of a home.
#[derive(Debug, Default)]
pub struct SecretStore {
    values: BTreeMap<String, SecretValue>,
}

impl SecretStore {
    /// Loads the store (empty if the file does not exist). Refuses, before reading it, a file
    /// others can read or write or that belongs to another user (root excepted).
    pub fn load(home: &Home) -> Result<Self> {
        let path = home.secrets_file();
        let Some(bytes) = fsutil::read_checked(&path, "secret store", fsutil::Access::Private)? else {
            return Ok(Self::default());
        };
        let bytes = Zeroizing::new(bytes);
        let map: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            path: path.clone(),
            detail: format!("not a JSON object of strings ({e})"),
        })?;
        Ok(SecretStore { values: map.into_iter().map(|(k, v)| (k, SecretValue::new(v))).collect() })
    }

    /// The value of a secret.
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.values.get(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.values.keys().cloned().collect()
    }

    /// Sets a secret (the caller holds the home lock and saves).
    pub fn set(&mut self, name: &str, value: SecretValue) {
        self.values.insert(name.to_owned(), value);
    }

    /// Removes a secret; false when there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        self.values.remove(name).is_some()
    }

    /// `text` with every stored secret value replaced by `«secret:NAME»`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.values {
            if !value.expose().is_empty() {
                out = out.replace(value.expose(), &format!("«secret:{name}»"));
            }
        }
        out
    }

    /// Every stored value (for output to mask wherever it appears).
    pub fn values(&self) -> impl Iterator<Item = &SecretValue> {
        self.values.values()
    }

    /// Writes the store atomically, 0600.
    pub fn save(&self, home: &Home) -> Result<()> {
        let map: BTreeMap<&str, &str> = self.values.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        // A map of strings always serializes.
        let bytes = Zeroizing::new(serde_json::to_vec_pretty(&map).unwrap_or_default());
        Ok(fsutil::write_atomic(&home.secrets_file(), &bytes, SECRET_FILE_MODE)?)
    }
}
