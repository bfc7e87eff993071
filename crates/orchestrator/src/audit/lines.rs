//! The line of a server's entry in a client file, for a finding's location: found by key,
//! cheaply, without a second parser. After each segment of the placement in turn (`mcpServers`,
//! `projects`, the project directory, …), the first line that names the server as a key: a
//! quoted key followed by `:` (JSON, JSONC, YAML), a plain key followed by `:` or `=` (YAML,
//! TOML) or a TOML table header holding it (`[mcp_servers.github]`). Not found: no line (the
//! finding points at the file). Known limits of a search by key: a same-named key earlier in
//! the file wins (in `~/.claude.json`, a project's `mcpServers` written before the top-level
//! one), and a TOML name with a dot in a quoted header is not found.

/// The 1-based line where `server`'s entry starts in `text`, when found.
pub fn entry_line(text: &str, placement: &[String], server: &str) -> Option<u64> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    for segment in placement {
        // A segment not written as a key of its own (a TOML dotted header) moves nothing.
        if let Some(at) = (from..lines.len()).find(|&i| names_key(lines[i], segment)) {
            from = at;
        }
    }
    (from..lines.len()).find(|&i| names_key(lines[i], server)).map(|i| i as u64 + 1)
}

fn followed_by_colon_or_equals(rest: &str) -> bool {
    matches!(rest.trim_start().chars().next(), Some(':' | '='))
}

/// Whether `line` names `key` as a key.
fn names_key(line: &str, key: &str) -> bool {
    let trimmed = line.trim_start();
    for quote in ['"', '\''] {
        let quoted = format!("{quote}{key}{quote}");
        let mut rest = trimmed;
        while let Some(at) = rest.find(&quoted) {
            let after = &rest[at + quoted.len()..];
            if followed_by_colon_or_equals(after) {
                return true;
            }
            rest = after;
        }
    }
    if let Some(rest) = trimmed.strip_prefix(key)
        && followed_by_colon_or_equals(rest)
    {
        return true;
    }
    if let Some(header) = trimmed.strip_prefix('[') {
        let header = header.trim_start_matches('[');
        let inside = header.split(']').next().unwrap_or_default();
        return inside.split('.').any(|part| part.trim().trim_matches(['"', '\'']) == key);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::entry_line;

    fn at(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn json_entries_are_found_after_their_placement() {
        let text = "{\n  \"projects\": {\n    \"/p\": {\n      \"mcpServers\": {\n        \"gh\": {}\n      }\n    }\n  },\n  \"mcpServers\": {\n    \"gh\": {\"command\": \"x\"},\n    \"other\": {\"args\": [\"gh\"]}\n  }\n}\n";
        assert_eq!(entry_line(text, &at(&["mcpServers"]), "gh"), Some(5), "the documented limit: the first key wins");
        assert_eq!(entry_line(text, &at(&["projects", "/p", "mcpServers"]), "gh"), Some(5));
        assert_eq!(entry_line(text, &at(&["mcpServers"]), "other"), Some(11));
        assert_eq!(entry_line(text, &at(&["mcpServers"]), "absent"), None, "a value is not a key");
    }

    #[test]
    fn toml_headers_inline_tables_and_yaml_keys_are_found() {
        let toml = "model = \"x\"\n\n[mcp_servers.github]\ncommand = \"npx\"\n\n[mcp_servers.\"my.server\"]\ncommand = \"y\"\n";
        assert_eq!(entry_line(toml, &at(&["mcp_servers"]), "github"), Some(3));
        assert_eq!(entry_line(toml, &at(&["mcp_servers"]), "my.server"), None, "a dotted name is split: not found");
        let inline = "[mcp_servers]\nfetch = { command = \"uvx\" }\n";
        assert_eq!(entry_line(inline, &at(&["mcp_servers"]), "fetch"), Some(2));
        let yaml = "extensions:\n  github:\n    cmd: npx\n  'quoted': {}\n";
        assert_eq!(entry_line(yaml, &at(&["extensions"]), "github"), Some(2));
        assert_eq!(entry_line(yaml, &at(&["extensions"]), "quoted"), Some(4));
    }
}
