//! The environment variables the MCP server may resolve in `${env:NAME}` references
//! (`<home>/env-allowlist.json`, `{"allow": ["NAME", …]}`, 0600; empty by default). A model
//! connected over MCP could otherwise have any variable of the server's environment written
//! into a file or a command line of its choosing. The CLI edits it (`secrets allow-env`,
//! `secrets disallow-env`); the CLI's own operations are not limited by it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;
use crate::home::Home;
use crate::secrets;

/// File name of the allowlist in the home.
pub const FILE_NAME: &str = "env-allowlist.json";

#[derive(Serialize, Deserialize, Default)]
struct OnDisk {
    allow: BTreeSet<String>,
}

fn path(home: &Home) -> std::path::PathBuf {
    home.root().join(FILE_NAME)
}

/// The allowed names (empty when the file does not exist).
pub fn load(home: &Home) -> Result<BTreeSet<String>> {
    let path = path(home);
    let Some(bytes) = fsutil::read_optional(&path)? else { return Ok(BTreeSet::new()) };
    let on_disk: OnDisk = serde_json::from_slice(&bytes).map_err(|e| Error::Validation {
        pointer: String::new(),
        message: format!("{} is not an allowlist ({e}): fix or remove it", path.display()),
    })?;
    Ok(on_disk.allow)
}

/// Adds (`allow`) or removes names, writing the file atomically (0600). Returns the new list.
pub fn update(home: &Home, names: &[String], allow: bool) -> Result<BTreeSet<String>> {
    if let Some(bad) = names.iter().find(|n| !secrets::valid_name(n)) {
        return Err(Error::Validation {
            pointer: String::new(),
            message: format!("{bad:?} is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)"),
        });
    }
    let mut list = load(home)?;
    for name in names {
        if allow {
            list.insert(name.clone());
        } else {
            list.remove(name);
        }
    }
    let bytes = serde_json::to_vec_pretty(&OnDisk { allow: list.clone() }).unwrap_or_default();
    fsutil::write_atomic(&path(home), &bytes, 0o600)?;
    Ok(list)
}
