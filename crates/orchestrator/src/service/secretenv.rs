//! The environment `mcp-orchestration exec` gives a program: every stored secret as
//! `NAME=value`. Values leave the process only into that child's environment.

use super::Orchestrator;
use crate::error::Result;
use crate::secrets::{SecretStore, SecretValue};

impl Orchestrator {
    /// Every stored secret, by name (for a child process's environment, never for output).
    pub fn secret_environment(&self) -> Result<Vec<(String, SecretValue)>> {
        self.ensure_initialized()?;
        let store = SecretStore::load(self.home())?;
        Ok(store.names().into_iter().filter_map(|name| store.get(&name).cloned().map(|v| (name, v))).collect())
    }
}
