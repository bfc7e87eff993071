//! Tool-list fingerprints: the SHA-256 of the canonical (RFC 8785, `canonical::jcs`) form of
//! what a server says it offers — each tool's `name`, `description` and `inputSchema`, sorted
//! by name — and one digest per tool, so a change can name the tools it touched.
//!
//! Only what a model reads to choose and call a tool is taken: `title`, `annotations`,
//! `outputSchema`, `icons` and `_meta` are left out, so a server that only adds an icon is not
//! reported as a rug pull, while a changed description (the usual carrier of a prompt
//! injection) or argument schema is.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical;

/// A server's tool list, fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolPrint {
    /// SHA-256 (hex) of the canonical tool list.
    pub sha256: String,
    /// SHA-256 (hex) of each tool's canonical form, by name.
    pub tools: BTreeMap<String, String>,
}

/// How a tool list changed between two fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolsChange {
    /// The fingerprint before.
    pub old_sha256: String,
    /// The fingerprint now.
    pub new_sha256: String,
    /// Tools that appeared.
    pub added: Vec<String>,
    /// Tools that went away.
    pub removed: Vec<String>,
    /// Tools whose description or input schema changed.
    pub changed: Vec<String>,
}

impl ToolPrint {
    /// What changed from `self` to `now` (`None`: the same list).
    pub fn change_to(&self, now: &ToolPrint) -> Option<ToolsChange> {
        if self.sha256 == now.sha256 {
            return None;
        }
        let added = now.tools.keys().filter(|k| !self.tools.contains_key(*k)).cloned().collect();
        let removed = self.tools.keys().filter(|k| !now.tools.contains_key(*k)).cloned().collect();
        let changed = self
            .tools
            .iter()
            .filter(|(k, v)| now.tools.get(*k).is_some_and(|n| n != *v))
            .map(|(k, _)| k.clone())
            .collect();
        Some(ToolsChange { old_sha256: self.sha256.clone(), new_sha256: now.sha256.clone(), added, removed, changed })
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The canonical form of one tool: its `name`, `description` and `inputSchema` (when given).
fn canonical_tool(tool: &Value) -> Option<(String, Value)> {
    let name = tool.get("name")?.as_str()?.to_owned();
    let mut out = Map::new();
    for key in ["name", "description", "inputSchema"] {
        if let Some(value) = tool.get(key).filter(|v| !v.is_null()) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    Some((name, Value::Object(out)))
}

/// The fingerprint of a `tools/list` result's tools (every page joined). Entries without a
/// string `name` are left out (a server sending them is broken, and its list still gets a
/// fingerprint).
pub fn fingerprint(tools: &[Value]) -> ToolPrint {
    let mut canonical: Vec<(String, Value)> = tools.iter().filter_map(canonical_tool).collect();
    canonical.sort_by(|a, b| a.0.cmp(&b.0));
    let per_tool = canonical.iter().map(|(name, tool)| (name.clone(), sha256_hex(&canonical::jcs(tool)))).collect();
    let list = Value::Array(canonical.into_iter().map(|(_, tool)| tool).collect());
    ToolPrint { sha256: sha256_hex(&canonical::jcs(&list)), tools: per_tool }
}
