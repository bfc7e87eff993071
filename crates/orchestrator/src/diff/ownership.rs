//! Who owns which entry of a live file, and the drift report that follows from it.
//!
//! A deploy owns only the entries it put there. Given the live document, the head, the names
//! the profile owns in the file (its latest record) and every name any record of the file
//! owns (`home_owned`: this home wrote them), each server falls in one of three kinds:
//!
//! - **managed**: what a deploy would change. A head server missing from the file is
//!   `added`; one the profile owns that the head no longer has is `removed`; a head server in
//!   the file that this home wrote (or that equals the head's entry) is compared field by
//!   field (`modified` or unchanged).
//! - **kept**: entries in the file the head does not have and the profile does not own. They
//!   are the user's own (or another profile's); a deploy leaves them alone, so they are never
//!   reported as `removed` and never counted as breaking.
//! - **conflicts**: entries with a head server's name that this home did not write and that
//!   differ from the head's. A deploy refuses them unless adopted (`--adopt NAME`).
//!
//! Status ([`report_owned`]), in this order: no file → `missing`; no conflict and the managed
//! entries equal the head's → `up-to-date`; the file has no servers → `missing`; never managed
//! by this profile (no deploy or import of it into the file) → `unmanaged`; none of the
//! profile's entries left → `missing`; the managed entries equal an older version →
//! `outdated`; else `diverged`. With conflicts, the recommendation names them and says how to
//! adopt; "deploy to take it over" is never said.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Diff, DiffReport, Status, diff_documents, equivalent, recommendation, redact, servers_of};

/// What this home owns in one file, for one profile.
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    /// The names the profile owns in the file (its latest record).
    pub profile_owned: BTreeSet<String>,
    /// Every name any record of the file owns (any profile, adoptions included).
    pub home_owned: BTreeSet<String>,
    /// Whether the profile was ever deployed or imported into the file.
    pub managed: bool,
}

/// A server of the head whose name the file already uses for an entry this home did not write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The server's name.
    pub server: String,
    /// The file's entry (secrets redacted).
    pub file: Value,
    /// The profile's entry (secrets redacted).
    pub profile: Value,
}

/// The kinds of a live document's servers against a head.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partition {
    /// The live entries a deploy manages (a servers document).
    pub managed: Value,
    /// The head without the conflicting servers (a servers document).
    pub target: Value,
    /// The user's own entries a deploy keeps, by name.
    pub kept: Vec<String>,
    /// Conflicting names, sorted.
    pub conflicts: Vec<String>,
}

fn entry_equal(name: &str, a: &Value, b: &Value) -> bool {
    equivalent(&json!({"mcpServers": {name: a}}), &json!({"mcpServers": {name: b}}))
}

fn document_of(servers: Map<String, Value>) -> Value {
    json!({"mcpServers": servers})
}

/// Splits `live` against `head` (rules in the module docs).
pub fn partition(live: &Value, head: &Value, own: &Ownership) -> Partition {
    let empty = Map::new();
    let live_servers = servers_of(live).unwrap_or(&empty);
    let head_servers = servers_of(head).unwrap_or(&empty);
    let mut out = Partition::default();
    let mut managed = Map::new();
    for (name, entry) in live_servers {
        match head_servers.get(name) {
            Some(wanted) => {
                if own.home_owned.contains(name) || entry_equal(name, entry, wanted) {
                    managed.insert(name.clone(), entry.clone());
                } else {
                    out.conflicts.push(name.clone());
                }
            }
            None if own.profile_owned.contains(name) => {
                managed.insert(name.clone(), entry.clone());
            }
            None => out.kept.push(name.clone()),
        }
    }
    let target: Map<String, Value> =
        head_servers.iter().filter(|(n, _)| !out.conflicts.contains(n)).map(|(n, e)| (n.clone(), e.clone())).collect();
    out.managed = document_of(managed);
    out.target = document_of(target);
    out.kept.sort();
    out.conflicts.sort();
    out
}

/// The conflicts of a partition with both entries, redacted by the name rules.
pub fn conflicts_of(live: &Value, head: &Value, names: &[String]) -> Vec<Conflict> {
    let entry = |doc: &Value, name: &str| servers_of(doc).and_then(|s| s.get(name)).cloned().unwrap_or(Value::Null);
    names
        .iter()
        .map(|name| Conflict {
            server: name.clone(),
            file: redact::redact(&entry(live, name), None),
            profile: redact::redact(&entry(head, name), None),
        })
        .collect()
}

/// The live document restricted to `names`.
fn restricted(live: &Value, names: &BTreeSet<String>) -> Value {
    let servers = servers_of(live)
        .map(|s| s.iter().filter(|(n, _)| names.contains(*n)).map(|(n, e)| (n.clone(), e.clone())).collect())
        .unwrap_or_default();
    document_of(servers)
}

/// The status of a live document (`None`: no file) against the head, with ownership.
fn classify_owned(live: Option<&Value>, part: &Partition, head: &Value, older: &[Value], own: &Ownership) -> Status {
    let Some(live) = live else { return Status::Missing };
    if part.conflicts.is_empty() && equivalent(&part.managed, head) {
        Status::UpToDate
    } else if servers_of(live).is_none_or(Map::is_empty) {
        Status::Missing
    } else if !own.managed {
        Status::Unmanaged
    } else if servers_of(&part.managed).is_none_or(Map::is_empty) {
        Status::Missing
    } else if older.iter().any(|o| {
        let mut names: BTreeSet<String> = servers_of(o).map(|s| s.keys().cloned().collect()).unwrap_or_default();
        names.extend(own.profile_owned.iter().cloned());
        equivalent(&restricted(live, &names), o)
    }) {
        Status::Outdated
    } else {
        Status::Diverged
    }
}

/// The recommendation when some of the head's names are the user's own entries.
fn conflict_recommendation(conflicts: &[String]) -> String {
    let names = conflicts.join(", ");
    let noun = if conflicts.len() == 1 { "entry" } else { "entries" };
    format!(
        "the file's own {noun} {names} would be replaced: rename {}, or deploy with --adopt NAME (or --adopt-all) to let the profile manage {}",
        if conflicts.len() == 1 { "it" } else { "them" },
        if conflicts.len() == 1 { "it" } else { "them" },
    )
}

/// Status, diff of the managed entries, kept entries, conflicts and recommendation of a live
/// document (`None`: no file) against the head and its older versions, with ownership.
pub fn report_owned(live: Option<&Value>, head: &Value, older: &[Value], own: &Ownership) -> DiffReport {
    let part = live.map(|l| partition(l, head, own)).unwrap_or_else(|| Partition {
        managed: document_of(Map::new()),
        target: head.clone(),
        ..Partition::default()
    });
    let status = classify_owned(live, &part, head, older, own);
    let diff: Diff = diff_documents(&part.managed, &part.target);
    let recommendation = if part.conflicts.is_empty() {
        match status {
            Status::Unmanaged => {
                "deploy to add the profile's servers (the file's own entries are kept), or import it to manage them"
                    .to_owned()
            }
            _ => recommendation(status, &diff),
        }
    } else {
        conflict_recommendation(&part.conflicts)
    };
    let conflicts = live.map(|l| conflicts_of(l, head, &part.conflicts)).unwrap_or_default();
    DiffReport { status, diff, recommendation, kept: part.kept, conflicts }
}
