//! Semantic diff of two servers documents, the drift verdict of a client's live file against
//! its profile, and the recommendation a person can act on (SPEC §6).
//!
//! Everything here is pure, deterministic and cannot fail: odd shapes are compared, never
//! refused (validation is someone else's job).
//!
//! # What `diff_documents(base, target)` reports
//!
//! The changes that turn `base` into `target`, sorted by (server, path), each with a JSON
//! pointer (RFC 6901, `~0`/`~1` escaped), `op`, `old` (from base), `new` (from target) and an
//! `impact`.
//!
//! - Only `mcpServers` is compared; other top-level keys are ignored. A document without an
//!   `mcpServers` object (missing, `null`, an array, not an object at all) has no servers.
//! - A server only in target: one `added` change at `/mcpServers/<name>` with the whole entry,
//!   impact `compatible`. Only in base: `removed`, `breaking`. Server names match exactly.
//! - A server whose entry is not an object (on one side or both) is compared as a whole
//!   value: one `modified` change at `/mcpServers/<name>`, `breaking`.
//! - Otherwise field by field. Object key order never matters, numbers compare by value
//!   (`30` = `30.0`), and a field that is `null`, `{}` or `[]` counts as absent (so
//!   `"env": {}` = no `env`). Whitespace inside strings is content, not formatting.
//! - `op` says which side has the field: only target `added`, only base `removed`, both
//!   `modified`.
//!
//! | field | path | impact |
//! | --- | --- | --- |
//! | `command`, `args`, `cwd`, `url` | the field (`args` as one ordered list) | breaking |
//! | `type` | `/type`, only when the transport changes | breaking |
//! | `disabled` | the field | breaking when it turns a server off, else compatible |
//! | `env`, `headers` | one change per key (`/env/API_KEY`) | key removed breaking, else compatible |
//! | `clientOptions` | one change per client id (`/clientOptions/vscode`) | compatible |
//! | `timeout` | the field | compatible |
//! | `description` | the field | cosmetic |
//! | any other field | the field | compatible |
//!
//! - The transport of an entry is its `type`, else `stdio` when it has a `command`, else
//!   `http` when it has a `url`. So `"type": "http"` next to a `url`, or `"type": "stdio"`
//!   next to a `command`, is no change. A `/type` change is reported when the raw `type`
//!   values differ *and* the transports differ; a transport inferred differently with no
//!   `type` on either side shows through its `command`/`url` changes (both breaking).
//! - `disabled`: absent = `false`. `false`/absent → `true` is breaking; anything else that
//!   differs (re-enabling, odd non-boolean values) is compatible.
//! - An `env` or `headers` that is not an object on one side is compared as a whole value at
//!   `/env` (added compatible, otherwise breaking). An env value that changes is compatible:
//!   the server still gets the same variables.
//! - Order-only and formatting-only differences produce no change at all; only `description`
//!   changes are `cosmetic`.
//!
//! `summary` counts changes (by op and by impact), not servers: the server counts are the
//! lengths of `servers_added`, `servers_removed`, `servers_modified` and `servers_unchanged`
//! (each sorted by name; every server of either document is in exactly one).
//!
//! The diff is symmetric: `diff_documents(b, a)` has the same paths, `added` and `removed`
//! swapped (`modified` stays), `old` and `new` swapped, `servers_added` and `servers_removed`
//! swapped; each impact follows the rules above in the other direction.
//!
//! Secrets are compared by their real values but shown redacted (see [`redact`]): a changed
//! token is a change whose `old` and `new` both read `«redacted»`.
//!
//! # Status ([`classify`])
//!
//! In this order: no live document → `missing`; live equivalent to head (no changes, as
//! above) → `up-to-date`, deployed before or not; live has no servers → `missing`; never
//! deployed by this home → `unmanaged` (even when it equals an older version: this home did
//! not put it there); equivalent to an older version → `outdated`; else `diverged`.
//!
//! [`equivalent`] is "no changes"; [`report`] bundles status, `diff_documents(live, head)`
//! and recommendation for two documents. For a client file, [`ownership::report_owned`]
//! first separates what a deploy would change from the file's own entries it keeps (`kept`)
//! and from conflicts (a head server's name used by an entry this home did not write).
//!
//! # Recommendation ([`recommendation`])
//!
//! Given the status and `diff_documents(live, head)` (what a deploy would change):
//!
//! | status | recommendation |
//! | --- | --- |
//! | up-to-date | `nothing to do` |
//! | outdated | `deploy to update to the newest version` |
//! | diverged, the live file only has extra servers | `publish the local changes as a new version, or deploy to discard them` |
//! | diverged, N > 0 breaking changes | `review: deploying would discard local edits (N breaking)` |
//! | diverged, N changes, none breaking | `deploy to update (N changes, none breaking), or publish the local changes as a new version` (`1 change`) |
//! | missing | `deploy to create it` |
//! | unmanaged | `import it to manage it, or deploy to add the profile's servers` |
//!
//! (With ownership, [`ownership::report_owned`] says for unmanaged files that a deploy keeps
//! the file's own entries, and with conflicts names them and how to adopt them.)

pub mod ownership;
pub mod redact;
pub mod shown;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The key of the server map in a servers document.
const SERVERS_KEY: &str = "mcpServers";

/// What happened to a server or a field, going from base to target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Only in target.
    Added,
    /// Only in base.
    Removed,
    /// In both, different.
    Modified,
}

/// How much a change matters to whoever runs the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// A server could stop working or work differently: removed, command/url/transport/args
    /// changed, an env var or header removed, disabled.
    Breaking,
    /// Something is added or tuned: a server, an env var, a header, a timeout, client options.
    Compatible,
    /// Nothing a server sees: a description.
    Cosmetic,
}

/// The drift verdict of a live document against a profile (SPEC §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The live servers are the head's.
    UpToDate,
    /// The live servers are an older published version's.
    Outdated,
    /// The live servers match no published version.
    Diverged,
    /// No live file, or no servers in it.
    Missing,
    /// This home never deployed the client, and its servers are not the head's.
    Unmanaged,
}

impl Op {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Added => "added",
            Op::Removed => "removed",
            Op::Modified => "modified",
        }
    }
}

impl Impact {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
            Impact::Cosmetic => "cosmetic",
        }
    }
}

impl Status {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::UpToDate => "up-to-date",
            Status::Outdated => "outdated",
            Status::Diverged => "diverged",
            Status::Missing => "missing",
            Status::Unmanaged => "unmanaged",
        }
    }
}

/// One difference between two servers documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Whether the server or field was added, removed or modified.
    pub op: Op,
    /// The server's name.
    pub server: String,
    /// JSON pointer of the server (`/mcpServers/github`) or field (`/mcpServers/github/url`).
    pub path: String,
    /// The base's value, secrets redacted; `None` when added.
    pub old: Option<Value>,
    /// The target's value, secrets redacted; `None` when removed.
    pub new: Option<Value>,
    /// How much the change matters.
    pub impact: Impact,
}

/// Counts of a diff's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Every change.
    pub total_changes: usize,
    /// Changes with op `added` (servers and fields).
    pub added: usize,
    /// Changes with op `removed`.
    pub removed: usize,
    /// Changes with op `modified`.
    pub modified: usize,
    /// Breaking changes.
    pub breaking: usize,
    /// Compatible changes.
    pub compatible: usize,
    /// Cosmetic changes.
    pub cosmetic: usize,
}

/// The semantic difference between two servers documents. Server lists are sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Every change, sorted by (server, path).
    pub changes: Vec<Change>,
    /// Servers only in target.
    pub servers_added: Vec<String>,
    /// Servers only in base.
    pub servers_removed: Vec<String>,
    /// Servers in both with at least one change.
    pub servers_modified: Vec<String>,
    /// Servers in both with no change.
    pub servers_unchanged: Vec<String>,
    /// Counts of `changes`.
    pub summary: Summary,
}

impl Diff {
    /// Whether the two documents are equivalent.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Status, diff and recommendation of a live document against a profile, in one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    /// The drift verdict.
    pub status: Status,
    /// What a deploy of the head would change: `diff_documents(live, head)`.
    pub diff: Diff,
    /// What to do about it.
    pub recommendation: String,
    /// The file's own entries a deploy keeps (never `removed`, never breaking), by name.
    #[serde(default)]
    pub kept: Vec<String>,
    /// Head servers whose names the file uses for entries this home did not write; a deploy
    /// refuses them unless adopted.
    #[serde(default)]
    pub conflicts: Vec<ownership::Conflict>,
}

/// The changes that turn `base` into `target` (rules in the module docs). Cannot fail.
pub fn diff_documents(base: &Value, target: &Value) -> Diff {
    let empty = Map::new();
    let base_servers = servers_of(base).unwrap_or(&empty);
    let target_servers = servers_of(target).unwrap_or(&empty);
    let names: BTreeSet<&String> = base_servers.keys().chain(target_servers.keys()).collect();
    let mut diff = Diff::default();
    for name in names {
        let at = format!("/{SERVERS_KEY}/{}", escape(name));
        let (old, new) = (base_servers.get(name), target_servers.get(name));
        let before = diff.changes.len();
        match (old, new) {
            (None, Some(_)) => {
                diff.servers_added.push(name.clone());
                diff.changes.push(change(name, at, old, new, None, Impact::Compatible));
            }
            (Some(_), None) => {
                diff.servers_removed.push(name.clone());
                diff.changes.push(change(name, at, old, new, None, Impact::Breaking));
            }
            (Some(old_entry), Some(new_entry)) => {
                diff_entry(name, &at, old_entry, new_entry, &mut diff.changes);
                let list =
                    if diff.changes.len() > before { &mut diff.servers_modified } else { &mut diff.servers_unchanged };
                list.push(name.clone());
            }
            (None, None) => {}
        }
    }
    diff.changes.sort_by(|a, b| (&a.server, &a.path).cmp(&(&b.server, &b.path)));
    diff.summary = summarize(&diff.changes);
    diff
}

/// Whether two servers documents hold the same servers: [`diff_documents`] finds no change.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    diff_documents(a, b).is_empty()
}

/// The drift status of a live document (`None`: no file) against the head, the profile's
/// older versions, and whether this home ever deployed the client (order in the module docs).
pub fn classify(live: Option<&Value>, head: &Value, older_versions: &[Value], ever_deployed: bool) -> Status {
    let Some(live) = live else {
        return Status::Missing;
    };
    if equivalent(live, head) {
        Status::UpToDate
    } else if servers_of(live).is_none_or(Map::is_empty) {
        Status::Missing
    } else if !ever_deployed {
        Status::Unmanaged
    } else if older_versions.iter().any(|older| equivalent(live, older)) {
        Status::Outdated
    } else {
        Status::Diverged
    }
}

/// What a person should do about a status, given `diff_documents(live, head)` (the exact
/// strings are in the module docs).
pub fn recommendation(status: Status, diff: &Diff) -> String {
    match status {
        Status::UpToDate => "nothing to do".to_owned(),
        Status::Outdated => "deploy to update to the newest version".to_owned(),
        Status::Missing => "deploy to create it".to_owned(),
        Status::Unmanaged => "import it to manage it, or deploy to add the profile's servers".to_owned(),
        Status::Diverged => {
            let only_extra_servers =
                !diff.servers_removed.is_empty() && diff.servers_added.is_empty() && diff.servers_modified.is_empty();
            if only_extra_servers {
                "publish the local changes as a new version, or deploy to discard them".to_owned()
            } else if diff.summary.breaking > 0 {
                format!("review: deploying would discard local edits ({} breaking)", diff.summary.breaking)
            } else {
                let total = diff.summary.total_changes;
                let noun = if total == 1 { "change" } else { "changes" };
                format!(
                    "deploy to update ({total} {noun}, none breaking), or publish the local changes as a new version"
                )
            }
        }
    }
}

/// Status, `diff_documents(live, head)` (a missing live document has no servers) and
/// recommendation together.
pub fn report(live: Option<&Value>, head: &Value, older_versions: &[Value], ever_deployed: bool) -> DiffReport {
    let status = classify(live, head, older_versions, ever_deployed);
    let diff = diff_documents(live.unwrap_or(&Value::Null), head);
    let recommendation = recommendation(status, &diff);
    DiffReport { status, diff, recommendation, kept: Vec::new(), conflicts: Vec::new() }
}

fn servers_of(document: &Value) -> Option<&Map<String, Value>> {
    document.get(SERVERS_KEY).and_then(Value::as_object)
}

/// Escapes one JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A change whose op follows from which side has a value; values are redacted as they would
/// sit under `key` (`None`: a whole entry).
fn change(
    server: &str,
    path: String,
    old: Option<&Value>,
    new: Option<&Value>,
    key: Option<&str>,
    impact: Impact,
) -> Change {
    let op = match (old, new) {
        (None, _) => Op::Added,
        (_, None) => Op::Removed,
        _ => Op::Modified,
    };
    Change {
        op,
        server: server.to_owned(),
        path,
        old: old.map(|v| redact::redact(v, key)),
        new: new.map(|v| redact::redact(v, key)),
        impact,
    }
}

fn diff_entry(server: &str, at: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let (Some(old_map), Some(new_map)) = (old.as_object(), new.as_object()) else {
        if !same(old, new) {
            changes.push(change(server, at.to_owned(), Some(old), Some(new), None, Impact::Breaking));
        }
        return;
    };
    let fields: BTreeSet<&String> = old_map.keys().chain(new_map.keys()).collect();
    for field in fields {
        let path = format!("{at}/{}", escape(field));
        let (old_value, new_value) = (present(old_map.get(field)), present(new_map.get(field)));
        let make = |impact| change(server, path.clone(), old_value, new_value, Some(field), impact);
        match field.as_str() {
            "env" | "headers" => per_key(server, &path, old_value, new_value, Impact::Breaking, changes),
            "clientOptions" => per_key(server, &path, old_value, new_value, Impact::Compatible, changes),
            "type" => {
                if !same_option(old_value, new_value) && transport(old_map) != transport(new_map) {
                    changes.push(make(Impact::Breaking));
                }
            }
            "disabled" => {
                let (old_off, new_off) = (switched_off(old_value), switched_off(new_value));
                if !same_option(old_off, new_off) {
                    let turned_off = new_off == Some(&Value::Bool(true)) && old_off.is_none();
                    changes.push(make(if turned_off { Impact::Breaking } else { Impact::Compatible }));
                }
            }
            name => {
                if !same_option(old_value, new_value) {
                    changes.push(make(field_impact(name)));
                }
            }
        }
    }
}

/// Compares an object field key by key (`/env/KEY`); a removed key has `removed_impact`,
/// any other change is compatible. A non-object value is compared whole.
fn per_key(
    server: &str,
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    removed_impact: Impact,
    changes: &mut Vec<Change>,
) {
    let empty = Map::new();
    let (Some(old_map), Some(new_map)) =
        (old.map_or(Some(&empty), Value::as_object), new.map_or(Some(&empty), Value::as_object))
    else {
        if !same_option(old, new) {
            let impact = if old.is_none() { Impact::Compatible } else { removed_impact };
            let field = path.rsplit('/').next();
            changes.push(change(server, path.to_owned(), old, new, field, impact));
        }
        return;
    };
    let keys: BTreeSet<&String> = old_map.keys().chain(new_map.keys()).collect();
    for key in keys {
        let (old_value, new_value) = (present(old_map.get(key)), present(new_map.get(key)));
        if !same_option(old_value, new_value) {
            let impact = if new_value.is_none() { removed_impact } else { Impact::Compatible };
            let at = format!("{path}/{}", escape(key));
            changes.push(change(server, at, old_value, new_value, Some(key), impact));
        }
    }
}

/// A `disabled` value that is not the default (`false`).
fn switched_off(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| **v != Value::Bool(false))
}

fn field_impact(field: &str) -> Impact {
    match field {
        "command" | "args" | "cwd" | "url" => Impact::Breaking,
        "description" => Impact::Cosmetic,
        _ => Impact::Compatible,
    }
}

/// How an entry is reached: its `type`, else inferred from `command` or `url`.
#[derive(Debug, PartialEq)]
enum Transport<'a> {
    Named(&'a str),
    Odd(&'a Value),
    Unknown,
}

fn transport(entry: &Map<String, Value>) -> Transport<'_> {
    match present(entry.get("type")) {
        Some(Value::String(name)) => Transport::Named(name),
        Some(odd) => Transport::Odd(odd),
        None if present(entry.get("command")).is_some() => Transport::Named("stdio"),
        None if present(entry.get("url")).is_some() => Transport::Named("http"),
        None => Transport::Unknown,
    }
}

/// A field's value, or `None` when it is absent, `null`, `{}` or `[]`.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| match v {
        Value::Null => false,
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    })
}

fn same_option(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Semantic equality: object key order does not matter and numbers compare by value (two
/// integers exactly, anything with a fraction as doubles).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || ((x.is_f64() || y.is_f64()) && x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(xs), Value::Array(ys)) => xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y)),
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len() && xs.iter().all(|(k, x)| ys.get(k).is_some_and(|y| same(x, y)))
        }
        _ => a == b,
    }
}

fn summarize(changes: &[Change]) -> Summary {
    let count_op = |op| changes.iter().filter(|c| c.op == op).count();
    let count_impact = |impact| changes.iter().filter(|c| c.impact == impact).count();
    Summary {
        total_changes: changes.len(),
        added: count_op(Op::Added),
        removed: count_op(Op::Removed),
        modified: count_op(Op::Modified),
        breaking: count_impact(Impact::Breaking),
        compatible: count_impact(Impact::Compatible),
        cosmetic: count_impact(Impact::Cosmetic),
    }
}
