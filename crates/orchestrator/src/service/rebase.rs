//! `draft rebase`: re-applies a draft's changes onto the profile's current head, like a git
//! rebase of one commit, at the granularity of server entries.
//!
//! Three documents: the base (the head version the draft was made from), the draft, and the
//! head now. For each server name: unchanged in the draft → the head's entry; unchanged in the
//! head → the draft's; changed alike in both → that; changed differently (added, removed or
//! edited on both sides, not to the same entry) → a conflict. Any conflict refuses the rebase
//! (exit 7) naming the servers, and the draft stays as it was. Top-level members other than
//! `mcpServers` are the draft's. A draft saved by an older release records no base: it is
//! kept as it is and based on the head (there is nothing to merge it against).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::Orchestrator;
use super::drafts::Draft;
use crate::diff;
use crate::error::{Error, Result};
use crate::ids::{ClientId, ProfileId};
use crate::registry;

/// What a rebase did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RebaseReport {
    /// The draft after the rebase.
    pub draft: Draft,
    /// The version the draft was made from (None: none, or unknown).
    pub from_version: Option<u64>,
    /// The head it is now based on.
    pub onto_version: Option<u64>,
    /// False when the draft was already based on the head (or there was no draft).
    pub rebased: bool,
    /// Servers whose entry now comes from the head (changed there, not in the draft).
    pub from_head: Vec<String>,
}

fn servers(document: &Value) -> Map<String, Value> {
    document.get("mcpServers").and_then(Value::as_object).cloned().unwrap_or_default()
}

fn same_entry(name: &str, a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => diff::equivalent(&json!({"mcpServers": {name: a}}), &json!({"mcpServers": {name: b}})),
        (None, None) => true,
        _ => false,
    }
}

/// The three-way merge of server entries: the merged servers, the names taken from the head,
/// and the conflicting names.
fn merge(base: &Value, draft: &Value, head: &Value) -> (Map<String, Value>, Vec<String>, Vec<String>) {
    let (b, d, h) = (servers(base), servers(draft), servers(head));
    let names: BTreeSet<&String> = b.keys().chain(d.keys()).chain(h.keys()).collect();
    let mut merged = Map::new();
    let (mut from_head, mut conflicts) = (Vec::new(), Vec::new());
    for name in names {
        let (be, de, he) = (b.get(name), d.get(name), h.get(name));
        let chosen = if same_entry(name, de, be) {
            if !same_entry(name, he, de) {
                from_head.push(name.clone());
            }
            he
        } else if same_entry(name, he, be) || same_entry(name, de, he) {
            de
        } else {
            conflicts.push(name.clone());
            continue;
        };
        if let Some(entry) = chosen {
            merged.insert(name.clone(), entry.clone());
        }
    }
    (merged, from_head, conflicts)
}

impl Orchestrator {
    /// Re-applies the draft's changes onto the current head (rules in the module docs).
    pub fn draft_rebase(&self, client: &str, profile: &str) -> Result<RebaseReport> {
        let meta = super::ids_meta(client, profile);
        self.traced("draft_rebase", meta, || {
            let draft = self.draft_show(client, profile)?;
            let (from_version, onto_version) = (draft.base_version, draft.head_version);
            if !draft.exists || draft.based_on_head {
                return Ok(RebaseReport { draft, from_version, onto_version, rebased: false, from_head: Vec::new() });
            }
            let (client_id, profile_id) = (ClientId::parse_subject(client)?, ProfileId::parse(profile)?);
            let trust = self.trust()?;
            let head = match onto_version {
                Some(_) => self.load_head(&trust, &client_id, &profile_id)?.payload().clone(),
                None => json!({"mcpServers": {}}),
            };
            let known_base = draft.base_version.is_some() || draft.exists && self.draft_base_recorded(&draft);
            let (document, from_head) = if known_base {
                let base = match draft.base_version {
                    Some(v) => registry::load_version(self.home(), &trust, &client_id, &profile_id, v, None)?
                        .payload()
                        .clone(),
                    None => json!({"mcpServers": {}}),
                };
                let (merged, from_head, conflicts) = merge(&base, &draft.document, &head);
                if !conflicts.is_empty() {
                    let onto = onto_version.map(|v| format!("v{v}")).unwrap_or_else(|| "the head".into());
                    return Err(Error::Conflict {
                        message: format!(
                            "cannot rebase the draft of {client}/{profile} onto {onto}: the draft and {onto} both changed {} differently (the draft was not changed). Edit the draft (`draft set`, `draft remove-server`) so that it starts from {onto}, or `draft discard` it",
                            conflicts.join(", ")
                        ),
                    });
                }
                let mut document = draft.document.clone();
                if let Some(object) = document.as_object_mut() {
                    object.insert("mcpServers".into(), Value::Object(merged));
                }
                (document, from_head)
            } else {
                (draft.document.clone(), Vec::new())
            };
            let draft = self.save_draft(client, profile, document, onto_version)?;
            Ok(RebaseReport { draft, from_version, onto_version, rebased: true, from_head })
        })
    }

    /// Whether a saved draft without a base version recorded one (`null`: the profile had no
    /// version when it was made) rather than being an older release's bare document.
    fn draft_base_recorded(&self, draft: &Draft) -> bool {
        let (Ok(client), Ok(profile)) =
            (ClientId::parse_subject(&draft.client_id), ProfileId::parse(&draft.profile_id))
        else {
            return false;
        };
        crate::fsutil::read_optional(&self.home().draft(&client, &profile))
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .is_some_and(|v| v.get("mcpServers").is_none() && v.get("base_version").is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_takes_each_side_s_changes_and_reports_both_sided_ones() {
        let base = json!({"mcpServers": {"a": {"command": "a"}, "b": {"command": "b"}, "c": {"command": "c"}}});
        let draft = json!({"mcpServers": {"a": {"command": "a2"}, "b": {"command": "b"}, "d": {"command": "d"}}});
        let head = json!({"mcpServers": {"a": {"command": "a"}, "b": {"command": "b3"}, "c": {"command": "c"}, "e": {"command": "e"}}});
        let (merged, from_head, conflicts) = merge(&base, &draft, &head);
        assert!(conflicts.is_empty());
        assert_eq!(
            Value::Object(merged),
            json!({"a": {"command": "a2"}, "b": {"command": "b3"}, "d": {"command": "d"}, "e": {"command": "e"}})
        );
        assert_eq!(from_head, ["b", "e"]);
        let head = json!({"mcpServers": {"a": {"command": "a3"}}});
        let (_, _, conflicts) = merge(&base, &draft, &head);
        assert_eq!(conflicts, ["a"]);
    }
}
