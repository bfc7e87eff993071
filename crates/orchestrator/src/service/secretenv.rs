//! Secrets for a process this one starts or runs: the environment `mcp-orchestration exec`
//! gives a program (every stored secret as `NAME=value`), and the resolved values of the
//! headers `mcp-orchestration bridge` sends. Values leave the process only into that child's
//! environment or those HTTP requests.

use serde_json::{Map, Value};

use super::Orchestrator;
use crate::error::Result;
use crate::resolve::{self, Options};
use crate::secrets::{SecretStore, SecretValue};

impl Orchestrator {
    /// Every stored secret, by name (for a child process's environment, never for output).
    pub fn secret_environment(&self) -> Result<Vec<(String, SecretValue)>> {
        self.ensure_initialized()?;
        let store = SecretStore::load(self.home())?;
        Ok(store.names().into_iter().filter_map(|name| store.get(&name).cloned().map(|v| (name, v))).collect())
    }

    /// `values` (named, e.g. HTTP headers) with their `${secret:NAME}` / `${env:NAME}` references
    /// resolved by [`resolve::resolve`], for this process to use itself (never for output). An
    /// unresolvable reference is refused naming it and its place (`/<group>/<name>`, exit 6); a
    /// home without a secret store resolves no secret. Names must be distinct.
    pub fn resolve_values(&self, group: &str, values: &[(String, String)]) -> Result<Vec<(String, SecretValue)>> {
        let store = SecretStore::load(self.home())?;
        let named: Map<String, Value> = values.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let document = Value::Object(Map::from_iter([(group.to_owned(), Value::Object(named))]));
        let allowlist = self.env_allowlist()?;
        let options = Options { env_allowlist: allowlist.as_ref(), ..Options::default() };
        let resolved = resolve::resolve(&document, &self.environment, &store, options)?;
        Ok(values
            .iter()
            .map(|(name, _)| {
                let value = resolved.document[group][name].as_str().unwrap_or_default().to_owned();
                (name.clone(), SecretValue::new(value))
            })
            .collect())
    }
}
