//! Files that would make an edit ambiguous or lossy (issue 12): duplicated keys that decide
//! what a client reads are refused with both positions; blank and whitespace-only lines next
//! to the insertion point survive an added entry; a 0-byte file is a new file.

use dialects::{DialectError, Format};
use serde_json::json;

use crate::support::doc;

fn parse_error(err: DialectError) -> (Format, usize, usize, String) {
    match err {
        DialectError::Parse { format, line, column, message } => (format, line, column, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn a_duplicated_servers_key_is_refused_with_both_positions() {
    // JSON.parse keeps the last `mcpServers`; an edit of the first would never be read.
    let text =
        "{\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}},\n  \"mcpServers\": {\"b\": {\"command\": \"y\"}}\n}\n";
    let (format, line, column, message) = parse_error(dialects::import("cursor", text).expect_err("dup"));
    assert_eq!((format, line, column), (Format::Json, 3, 3));
    assert!(message.contains("`mcpServers` appears twice (first at line 2, column 3)"), "{message}");
    let err = dialects::render("cursor", Some(text), &doc("c", json!({"command": "z"})), &[]).expect_err("render");
    assert!(err.to_string().contains("line 3, column 3") && err.to_string().contains("line 2, column 3"), "{err}");
    // One level down too: Claude Code's local scope `projects.<dir>`.
    let text = "{\"projects\": {\"/p\": {\"mcpServers\": {}}, \"/p\": {}}}";
    let at = dialects::Placement::new(&["projects", "/p", "mcpServers"]);
    let (_, line, column, message) = parse_error(dialects::import_at("claude-code", &at, text).expect_err("dup"));
    assert_eq!((line, column), (1, 41));
    assert!(message.contains("`/p` appears twice (first at line 1, column 15)"), "{message}");
}

#[test]
fn a_duplicated_server_name_is_refused_with_both_positions() {
    let text = "{\n  \"servers\": {\n    \"a\": {\"command\": \"x\"},\n    \"a\": {\"command\": \"y\"}\n  }\n}\n";
    let (format, line, column, message) = parse_error(dialects::import("vscode", text).expect_err("dup"));
    assert_eq!((format, line, column), (Format::Jsonc, 4, 5));
    assert!(message.contains("server `a` appears twice (first at line 3, column 5)"), "{message}");
    // Other duplicated keys (outside the servers) are the client's business, not refused.
    let text = "{\"theme\": 1, \"theme\": 2, \"mcpServers\": {}}";
    assert_eq!(dialects::import("cursor", text).expect("other dup"), json!({"mcpServers": {}}));
}

#[test]
fn yaml_duplicates_are_refused_too() {
    let text = "extensions:\n  a:\n    type: stdio\n    cmd: x\nextensions:\n  b:\n    type: stdio\n    cmd: y\n";
    let (format, line, column, message) = parse_error(dialects::import("goose", text).expect_err("dup key"));
    assert_eq!((format, line, column), (Format::Yaml, 5, 1));
    assert!(message.contains("first at line 1, column 1"), "{message}");
    let text = "extensions:\n  a:\n    type: stdio\n    cmd: x\n  a:\n    type: stdio\n    cmd: y\n";
    let (_, line, column, message) = parse_error(dialects::import("goose", text).expect_err("dup name"));
    assert_eq!((line, column), (5, 3));
    assert!(message.contains("server `a` appears twice (first at line 2, column 3)"), "{message}");
    let text = "name: c\nversion: 1\nmcpServers:\n- name: a\n  command: x\n- name: a\n  command: y\n";
    let (_, line, _, message) = parse_error(dialects::import("continue", text).expect_err("dup list name"));
    assert_eq!(line, 6);
    assert!(message.contains("server `a` appears twice (first at line 4"), "{message}");
    // TOML refuses duplicate tables itself.
    let toml = "[mcp_servers.a]\ncommand = \"x\"\n[mcp_servers.a]\ncommand = \"y\"\n";
    let (format, line, ..) = parse_error(dialects::import("codex", toml).expect_err("toml dup"));
    assert_eq!((format, line), (Format::Toml, 3));
}

#[test]
fn adding_an_entry_keeps_blank_and_whitespace_only_lines_next_to_it() {
    let added = doc("b", json!({"command": "y"}));
    for (client, text, expected) in [
        (
            "cursor",
            "{\n  \"mcpServers\": {\n    \"a\": {\n      \"command\": \"x\"\n    }\n\n  }\n}\n",
            "{\n  \"mcpServers\": {\n    \"a\": {\n      \"command\": \"x\"\n    },\n    \"b\": {\n      \"command\": \"y\"\n    }\n\n  }\n}\n",
        ),
        (
            "cursor",
            "{\n  \"mcpServers\": {\n\n    \"a\": {\n      \"command\": \"x\"\n    }\n    \n  }\n}\n",
            "{\n  \"mcpServers\": {\n\n    \"a\": {\n      \"command\": \"x\"\n    },\n    \"b\": {\n      \"command\": \"y\"\n    }\n    \n  }\n}\n",
        ),
        (
            // JSONC with trailing commas keeps them (the new entry follows the file's style).
            "vscode",
            "{\n  \"servers\": {\n    \"a\": {\"type\": \"stdio\", \"command\": \"x\"},\n\n  },\n}\n",
            "{\n  \"servers\": {\n    \"a\": {\"type\": \"stdio\", \"command\": \"x\"},\n    \"b\": {\n      \"type\": \"stdio\",\n      \"command\": \"y\",\n    },\n\n  },\n}\n",
        ),
        (
            "claude-code",
            "{\r\n  \"mcpServers\": {\r\n    \"a\": {\r\n      \"command\": \"x\"\r\n    }\r\n\r\n  }\r\n}\r\n",
            "{\r\n  \"mcpServers\": {\r\n    \"a\": {\r\n      \"command\": \"x\"\r\n    },\r\n    \"b\": {\r\n      \"command\": \"y\"\r\n    }\r\n\r\n  }\r\n}\r\n",
        ),
    ] {
        let out = dialects::render(client, Some(text), &added, &[]).expect("render");
        assert_eq!(out, expected, "{client}: {text:?}");
    }
}

#[test]
fn a_zero_byte_file_is_a_new_file() {
    // Decided: a 0-byte (or whitespace-only) file holds no servers and is written as a new file
    // would be; it is what `touch` leaves, and no client treats it as anything else.
    let added = doc("b", json!({"command": "y"}));
    for client in dialects::all() {
        assert_eq!(dialects::import(client.id, "").expect("import"), json!({"mcpServers": {}}), "{}", client.id);
        if client.id == "claude-desktop" || client.supports(dialects::Transport::Stdio) {
            let fresh = dialects::render(client.id, None, &added, &[]).expect("new");
            assert_eq!(dialects::render(client.id, Some(""), &added, &[]).expect("blank"), fresh, "{}", client.id);
        }
    }
}
