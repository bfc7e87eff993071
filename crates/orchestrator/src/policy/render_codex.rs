//! Policies compiled into Codex's admin requirements (`/etc/codex/requirements.toml`), and the
//! rendered `mcp_servers` table merged into an existing requirements file through `toml_edit`.
//!
//! Codex's `mcp_servers` requirement is an *allowlist* (openai/codex
//! `codex-rs/config/src/mcp_requirements.rs`, `filter_mcp_servers_by_requirements`): when the
//! table is present, a configured server stays enabled only if its name is a key of the table
//! and it matches that key's `identity`, a stdio `command` (the executable exactly and every
//! argument by its own matcher, as many as the server has) or a streamable-HTTP `url` (`exact`,
//! `prefix` or a full-value `regex`). It has no deny list, and one identity names one transport.
//!
//! So what is rendered soundly (Codex disables only servers the policies refuse too):
//! - an empty table (every server disabled) when the policies refuse every server: a `*` name
//!   deny, an empty allowlist, or every transport refused;
//! - the allowed names, each with the URL identity `regex .*`, when the allowed names can be
//!   listed exactly *and* the policies refuse stdio servers (a URL identity disables a stdio
//!   server of that name, which the policies then refuse as well).
//!
//! Everything else (deny lists, an allowlist that would also cover stdio servers, remote hosts)
//! is reported as enforced by this program only.

use serde_json::{Map, Value, json};
use toml_edit::{DocumentMut, Item, Table};
use wildmatch::WildMatch;

use super::document::TRANSPORTS;
use super::render::{Collector, ManagedClient, Rendering, allowed_names, denies_every_name};
use super::signed::VerifiedPolicy;

/// The owned key of the requirements file.
const KEY: &str = "mcp_servers";

/// Whether some policy refuses every server of `transport`.
fn refuses_transport(policies: &[VerifiedPolicy], transport: &str) -> bool {
    policies.iter().filter_map(|p| p.document().transports.as_ref()).any(|rules| {
        rules.deny.iter().any(|d| WildMatch::new(d).matches(transport))
            || rules.allow.as_ref().is_some_and(|allow| !allow.iter().any(|a| WildMatch::new(a).matches(transport)))
    })
}

/// The allowlist entry of a name whose servers are all remote: any URL.
fn any_url() -> Value {
    json!({"identity": {"url": {"match": "regex", "expression": ".*"}}})
}

/// Renders the policies in force (highest layer first) into Codex's `mcp_servers` requirement.
pub fn render(policies: &[VerifiedPolicy]) -> Rendering {
    let client = ManagedClient::Codex;
    let mut out = Collector { not_expressed: Vec::new() };
    let refuses_all = denies_every_name(policies) || TRANSPORTS.iter().all(|t| refuses_transport(policies, t));
    let allowlist: Option<Map<String, Value>> = if refuses_all {
        Some(Map::new())
    } else {
        match allowed_names(policies) {
            None => None,
            Some(Ok(names)) if names.is_empty() => Some(Map::new()),
            Some(Ok(names)) if refuses_transport(policies, "stdio") => {
                Some(names.into_iter().map(|n| (n, any_url())).collect())
            }
            Some(Ok(_)) => {
                out.allow_lists(
                    policies,
                    "a Codex allowlist entry admits a stdio server only by its exact executable and number of arguments, and the policies allow these names whatever their command (rendered only when the policies also refuse stdio)",
                );
                None
            }
            Some(Err(())) => {
                out.allow_patterns(
                    policies,
                    "Codex's allowlist is keyed by exact names, and no policy lists the allowed names exactly",
                );
                None
            }
        }
    };
    for policy in policies {
        let rules = policy.document();
        if allowlist.is_none() {
            // With an allowlist rendered, denied names are already left out of it.
            for pattern in rules.servers.iter().flat_map(|s| s.deny.iter()) {
                out.add(
                    policy,
                    "servers.deny",
                    Some(pattern),
                    "Codex's requirements have an allowlist of servers only, no deny list",
                );
            }
        }
        if rules.remote_hosts.is_some() {
            out.add(
                policy,
                "remote_hosts",
                None,
                "Codex's requirements match a URL only within an allowlist entry of one server name",
            );
        }
        out.inexpressible(client, policy);
    }
    let settings = match allowlist {
        Some(servers) => json!({ KEY: servers }),
        None => json!({}),
    };
    Rendering { settings, not_expressed: out.not_expressed }
}

/// A TOML table of a JSON object of tables and strings (what `render` produces); a table that
/// holds only tables is implicit (no header of its own).
fn table(map: &Map<String, Value>) -> Table {
    let mut table = Table::new();
    for (key, value) in map {
        match value {
            Value::Object(inner) => {
                table.insert(key, Item::Table(self::table(inner)));
            }
            Value::String(s) => {
                table.insert(key, toml_edit::value(s.as_str()));
            }
            Value::Bool(b) => {
                table.insert(key, toml_edit::value(*b));
            }
            Value::Number(n) if n.is_i64() => {
                table.insert(key, toml_edit::value(n.as_i64().unwrap_or_default()));
            }
            other => {
                table.insert(key, toml_edit::value(other.to_string()));
            }
        }
    }
    table.set_implicit(!map.is_empty() && map.values().all(Value::is_object));
    table
}

/// Line and column (1-based) of a byte offset of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The requirements file's text with `mcp_servers` set to `settings`' (or removed when it has
/// none); every other table, key and comment stays. Refuses (with line, column and what is
/// wrong, never the file's text) a file that is not TOML.
pub fn merge(existing: Option<&str>, settings: &Value) -> Result<String, String> {
    let mut doc = match existing.filter(|t| !t.trim().is_empty()) {
        None => DocumentMut::new(),
        Some(text) => text.parse::<DocumentMut>().map_err(|e| {
            let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
            format!("line {line}, column {column}: {}", e.message().trim_end())
        })?,
    };
    match settings.get(KEY).and_then(Value::as_object) {
        Some(servers) => {
            doc.insert(KEY, Item::Table(table(servers)));
        }
        None => {
            doc.remove(KEY);
        }
    }
    let mut out = doc.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowlist_is_written_as_tables_and_other_keys_stay() {
        let existing = "# the admin's\nallowed_approval_policies = [\"never\"] # kept\n\n[mcp_servers.old.identity]\ncommand = \"x\"\n";
        let settings = json!({"mcp_servers": {"web": any_url()}});
        let out = merge(Some(existing), &settings).expect("merges");
        assert!(out.starts_with("# the admin's\nallowed_approval_policies = [\"never\"] # kept\n"), "{out}");
        assert!(!out.contains("old"), "{out}");
        assert!(out.contains("[mcp_servers.web.identity.url]\n"), "{out}");
        let doc: DocumentMut = out.parse().expect("toml");
        assert_eq!(doc["mcp_servers"]["web"]["identity"]["url"]["match"].as_str(), Some("regex"));
        assert_eq!(doc["mcp_servers"]["web"]["identity"]["url"]["expression"].as_str(), Some(".*"));
    }

    #[test]
    fn an_empty_allowlist_is_an_empty_table_and_no_allowlist_removes_it() {
        let out = merge(None, &json!({"mcp_servers": {}})).expect("merges");
        assert_eq!(out, "[mcp_servers]\n");
        let out = merge(Some("enforce_residency = \"us\"\n[mcp_servers]\n"), &json!({})).expect("merges");
        assert_eq!(out, "enforce_residency = \"us\"\n");
        assert_eq!(merge(Some(" \n"), &json!({})), Ok("\n".into()));
    }

    #[test]
    fn a_file_that_is_not_toml_is_refused_with_where() {
        let err = merge(Some("a = 1\nb = = s3cr3t\n"), &json!({})).expect_err("refused");
        assert!(err.starts_with("line 2, column "), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn scalars_keep_their_toml_types() {
        let out = merge(None, &json!({"mcp_servers": {"a": {"n": 1, "b": true, "f": 1.5}}})).expect("merges");
        assert_eq!(out, "[mcp_servers.a]\nn = 1\nb = true\nf = \"1.5\"\n");
    }
}
