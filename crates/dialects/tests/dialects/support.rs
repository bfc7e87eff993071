//! Shared helpers: reading the corpus copy and computing which lines an edit changed.

use std::path::PathBuf;

use serde_json::Value;

/// The corpus copied byte-for-byte into `testdata/corpus`.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus")
}

/// The bytes of one corpus file, as text (every corpus file is UTF-8).
pub fn corpus(rel: &str) -> String {
    std::fs::read_to_string(corpus_dir().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// The client id and placement a corpus directory's files are read with.
pub fn client_of_dir(dir: &str) -> Option<(&'static str, Vec<&'static str>)> {
    Some(match dir {
        "claude-desktop" => ("claude-desktop", vec!["mcpServers"]),
        "cursor" => ("cursor", vec!["mcpServers"]),
        "vscode" => ("vscode", vec!["servers"]),
        "vscode-settings" => ("vscode", vec!["mcp", "servers"]),
        "claude-code" => ("claude-code", vec!["mcpServers"]),
        "windsurf" => ("windsurf", vec!["mcpServers"]),
        "codex" => ("codex", vec!["mcp_servers"]),
        "zed" => ("zed", vec!["context_servers"]),
        "gemini" => ("gemini-cli", vec!["mcpServers"]),
        "goose" => ("goose", vec!["extensions"]),
        _ => return None,
    })
}

/// 1-based numbers of the lines of `before` that were removed or replaced, and of the lines of
/// `after` that were inserted, in the line diff between them.
pub fn changed_lines(before: &str, after: &str) -> (Vec<usize>, Vec<usize>) {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut old = Vec::new();
    let mut new = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => old.push(change.old_index().map_or(0, |i| i + 1)),
            similar::ChangeTag::Insert => new.push(change.new_index().map_or(0, |i| i + 1)),
            similar::ChangeTag::Equal => {}
        }
    }
    (old, new)
}

/// The servers document of one server.
pub fn doc(name: &str, entry: Value) -> Value {
    serde_json::json!({ "mcpServers": { name: entry } })
}

/// A copy of `doc` with `f` applied to the server `name`.
pub fn with_server(doc: &Value, name: &str, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut doc = doc.clone();
    let entry = doc["mcpServers"][name].as_object_mut().unwrap_or_else(|| panic!("no server {name}"));
    f(entry);
    doc
}
