//! Lossless edits: changing, adding and removing one server touches only that server's lines,
//! and comments, line endings and a missing final newline survive.

use serde_json::{Value, json};

use crate::support::{changed_lines, corpus, with_server};

/// Asserts that the only lines that differ between `before` and `after` lie inside the entry
/// spanning lines `first..=last` of `before` (and its new extent in `after`).
fn assert_changes_within(before: &str, after: &str, first: usize, last: usize) {
    let delta = after.lines().count() as isize - before.lines().count() as isize;
    let new_last = (last as isize + delta) as usize;
    let (old, new) = changed_lines(before, after);
    assert!(!old.is_empty() || !new.is_empty(), "nothing changed");
    for line in old {
        assert!((first..=last).contains(&line), "old line {line} outside {first}..={last}:\n{after}");
    }
    for line in new {
        assert!((first..=new_last).contains(&line), "new line {line} outside {first}..={new_last}:\n{after}");
    }
}

fn import(client: &str, text: &str) -> Value {
    dialects::import(client, text).expect("import")
}

fn push_arg(entry: &mut serde_json::Map<String, Value>, arg: &str) {
    entry["args"].as_array_mut().expect("args").push(json!(arg));
}

#[test]
fn changing_one_json_server_changes_only_its_lines() {
    let text = corpus("claude-desktop/006.json");
    let doc = with_server(&import("claude-desktop", &text), "github", |e| push_arg(e, "--read-only"));
    let out = dialects::render("claude-desktop", Some(&text), &doc, &[]).expect("render");
    assert_changes_within(&text, &out, 20, 29);
    assert!(
        out.contains("        \"@modelcontextprotocol/server-github\",\n        \"--read-only\"\n      ],"),
        "{out}"
    );
    assert_eq!(dialects::import("claude-desktop", &out).expect("reimport"), doc);
}

#[test]
fn changing_one_env_value_changes_only_that_line() {
    let text = corpus("claude-desktop/006.json");
    let doc = with_server(&import("claude-desktop", &text), "gdrive", |e| {
        e["env"]["GOOGLE_CLIENT_ID"] = json!("${env:GOOGLE_CLIENT_ID}");
    });
    let out = dialects::render("claude-desktop", Some(&text), &doc, &[]).expect("render");
    let (old, new) = changed_lines(&text, &out);
    assert_eq!((old, new), (vec![37], vec![37]));
    assert_eq!(out.lines().nth(36), Some("        \"GOOGLE_CLIENT_ID\": \"${env:GOOGLE_CLIENT_ID}\","));
}

#[test]
fn changing_one_toml_server_changes_only_its_table() {
    let text = corpus("codex/004.toml");
    let doc = with_server(&import("codex", &text), "codebase-rust", |e| push_arg(e, "--verbose"));
    let out = dialects::render("codex", Some(&text), &doc, &[]).expect("render");
    assert_changes_within(&text, &out, 5, 8);
    assert_eq!(out.lines().nth(6), Some(r#"args = ["serve", "--graph", "./agents/project.acb", "--verbose"]"#));
    assert!(!out.ends_with('\n'), "the missing final newline stays missing");
}

#[test]
fn changing_one_yaml_server_changes_only_its_lines() {
    let text = corpus("goose/002.yaml");
    let doc = with_server(&import("goose", &text), "github", |e| {
        e.insert("env".into(), json!({"GITHUB_HOST": "github.example.com"}));
    });
    let out = dialects::render("goose", Some(&text), &doc, &[]).expect("render");
    assert_changes_within(&text, &out, 13, 26);
    assert!(out.contains("    envs:\n      GITHUB_HOST: github.example.com\n"), "{out}");
    assert_eq!(import("goose", &out), doc);
}

#[test]
fn changing_a_jsonc_server_keeps_the_comment_above_it() {
    let text = corpus("vscode/016.json");
    let doc = with_server(&import("vscode", &text), "fabric-mcp-server", |e| {
        e["args"] = json!(["-y", "@microsoft/fabric-mcp@1.2.3"]);
    });
    let out = dialects::render("vscode", Some(&text), &doc, &[]).expect("render");
    assert_changes_within(&text, &out, 9, 19);
    assert_eq!(out.lines().nth(7), text.lines().nth(7), "the comment line is kept");
}

#[test]
fn adding_a_server_to_a_commented_jsonc_file_keeps_every_comment() {
    for (client, file) in [("zed", "zed/001.json"), ("vscode", "vscode/016.json"), ("zed", "zed/002.json")] {
        let text = corpus(file);
        let mut doc = import(client, &text);
        doc["mcpServers"]["added"] = json!({"command": "uvx", "args": ["mcp-server-time"]});
        let out = dialects::render(client, Some(&text), &doc, &[]).expect("render");
        let (old, new) = changed_lines(&text, &out);
        // Only insertions, apart from the line before them gaining a comma.
        assert!(old.len() <= 1, "{file}: removed lines {old:?}\n{out}");
        assert!(new.len() >= 4, "{file}: inserted lines {new:?}");
        for line in text.lines().filter(|l| l.contains("//")) {
            assert!(out.contains(line), "{file}: lost comment line {line:?}");
        }
        let mut added = import(client, &out)["mcpServers"]["added"].clone();
        // VS Code requires `type` on stdio entries too; it is written, and means stdio.
        if client == "vscode" {
            assert_eq!(added["type"], json!("stdio"), "{file}");
            added.as_object_mut().map(|a| a.remove("type"));
        }
        assert_eq!(added, doc["mcpServers"]["added"], "{file}");
    }
}

#[test]
fn adding_a_server_to_a_commented_toml_file_keeps_every_comment() {
    let text = "# Codex settings\nmodel = \"o3\" # the model\n\n# servers below\n[mcp_servers.docs] # docs server\nurl = \"https://example.com/mcp\" # remote\n\n# trailing notes\n[notice]\nhide = true\n";
    let mut doc = import("codex", text);
    doc["mcpServers"]["time"] = json!({"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}});
    let out = dialects::render("codex", Some(text), &doc, &[]).expect("render");
    assert_eq!(
        out,
        "# Codex settings\nmodel = \"o3\" # the model\n\n# servers below\n[mcp_servers.docs] # docs server\nurl = \"https://example.com/mcp\" # remote\n\n[mcp_servers.time]\ncommand = \"uvx\"\nargs = [\"mcp-server-time\"]\nenv = { TZ = \"UTC\" }\n\n# trailing notes\n[notice]\nhide = true\n"
    );
}

#[test]
fn crlf_files_keep_crlf_line_endings() {
    for (client, file) in [("claude-desktop", "claude-desktop/002.json"), ("windsurf", "windsurf/002.json")] {
        let text = corpus(file);
        let mut doc = import(client, &text);
        doc["mcpServers"]["added"] = json!({"command": "uvx", "args": ["mcp-server-time"]});
        let out = dialects::render(client, Some(&text), &doc, &[]).expect("render");
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count(), "{file}: a bare LF crept in:\n{out:?}");
        assert!(out.contains("\"added\": {\r\n"), "{file}: {out:?}");
    }
}

#[test]
fn crlf_toml_and_yaml_files_keep_crlf_line_endings() {
    let toml = "[mcp_servers.a]\r\ncommand = \"a\"\r\n";
    let doc = json!({"mcpServers": {"b": {"command": "b"}}});
    let out = dialects::render("codex", Some(toml), &doc, &[]).expect("render");
    assert_eq!(out, "[mcp_servers.a]\r\ncommand = \"a\"\r\n\r\n[mcp_servers.b]\r\ncommand = \"b\"\r\n");
    let yaml = "GOOSE_MODE: auto\r\nextensions:\r\n  a:\r\n    cmd: a\r\n    enabled: true\r\n    name: a\r\n    type: stdio\r\n";
    let out = dialects::render("goose", Some(yaml), &doc, &[]).expect("render");
    assert_eq!(
        out,
        "GOOSE_MODE: auto\r\nextensions:\r\n  a:\r\n    cmd: a\r\n    enabled: true\r\n    name: a\r\n    type: stdio\r\n  b:\r\n    name: b\r\n    type: stdio\r\n    cmd: b\r\n    args: []\r\n    description: ''\r\n    enabled: true\r\n"
    );
}

#[test]
fn files_without_a_final_newline_stay_without_one() {
    for (client, file) in
        [("claude-desktop", "claude-desktop/001.json"), ("codex", "codex/004.toml"), ("goose", "goose/004.yaml")]
    {
        let text = corpus(file);
        assert!(!text.ends_with('\n'));
        let mut doc = import(client, &text);
        doc["mcpServers"]["added"] = json!({"command": "uvx", "args": ["mcp-server-time"]});
        let out = dialects::render(client, Some(&text), &doc, &[]).expect("render");
        assert!(!out.ends_with('\n'), "{file}: {out:?}");
        let added = &import(client, &out)["mcpServers"]["added"];
        assert_eq!((&added["command"], &added["args"]), (&json!("uvx"), &json!(["mcp-server-time"])), "{file}");
    }
}

#[test]
fn removing_a_server_removes_only_its_lines() {
    let text = corpus("claude-desktop/006.json");
    let doc = json!({"mcpServers": {}});
    let out = dialects::render("claude-desktop", Some(&text), &doc, &["filesystem".to_owned()]).expect("render");
    let (old, new) = changed_lines(&text, &out);
    assert_eq!(old, (12..=19).collect::<Vec<_>>());
    assert!(new.is_empty(), "{new:?}");

    let text = corpus("codex/004.toml");
    let out = dialects::render("codex", Some(&text), &doc, &["codebase-rust".to_owned()]).expect("render");
    assert_eq!(
        out,
        "[mcp_servers.codebase-cpp]\ncommand = \"agentic-codebase-mcp\"\nargs = [\"serve\", \"--graph\", \"./agents/sdk.acb\"]\n\n[mcp_servers.sequential-thinking]\ncommand = \"npx\"\nargs = [\"-y\", \"@modelcontextprotocol/server-sequential-thinking\"]"
    );

    let text = corpus("goose/002.yaml");
    let out = dialects::render("goose", Some(&text), &doc, &["github".to_owned()]).expect("render");
    let (old, new) = changed_lines(&text, &out);
    assert_eq!(old, (13..=26).collect::<Vec<_>>());
    assert!(new.is_empty());
}

#[test]
fn removing_a_server_that_is_not_there_leaves_the_bytes() {
    let text = corpus("cursor/002.json");
    let out =
        dialects::render("cursor", Some(&text), &json!({"mcpServers": {}}), &["nope".to_owned()]).expect("render");
    assert_eq!(out, text);
}

#[test]
fn a_new_file_is_nicely_formatted() {
    let doc = json!({"mcpServers": {
        "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": {"Authorization": "Bearer ${secret:GH}"}}
    }});
    let out = dialects::render("cursor", None, &doc, &[]).expect("render");
    assert_eq!(
        out,
        "{\n  \"mcpServers\": {\n    \"fs\": {\n      \"command\": \"npx\",\n      \"args\": [\n        \"-y\",\n        \"@modelcontextprotocol/server-filesystem\",\n        \"/tmp\"\n      ]\n    },\n    \"gh\": {\n      \"type\": \"http\",\n      \"url\": \"https://api.githubcopilot.com/mcp/\",\n      \"headers\": {\n        \"Authorization\": \"Bearer ${secret:GH}\"\n      }\n    }\n  }\n}\n"
    );
    let out = dialects::render("codex", None, &doc, &[]).expect("render");
    assert_eq!(
        out,
        "[mcp_servers.fs]\ncommand = \"npx\"\nargs = [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/tmp\"]\n\n[mcp_servers.gh]\nurl = \"https://api.githubcopilot.com/mcp/\"\nhttp_headers = { Authorization = \"Bearer ${secret:GH}\" }\n"
    );
}

#[test]
fn a_blank_file_is_treated_as_a_new_one() {
    let doc = json!({"mcpServers": {"t": {"command": "t"}}});
    let out = dialects::render("claude-desktop", Some("\n"), &doc, &[]).expect("render");
    assert_eq!(out, "{\n  \"mcpServers\": {\n    \"t\": {\n      \"command\": \"t\"\n    }\n  }\n}\n");
    assert_eq!(import("claude-desktop", "  \n"), json!({"mcpServers": {}}));
}

#[test]
fn adding_to_a_file_without_the_servers_key_creates_it_at_the_end() {
    let text = "{\n\t\"theme\": \"dark\"\n}\n";
    let doc = json!({"mcpServers": {"t": {"command": "t"}}});
    let out = dialects::render("gemini-cli", Some(text), &doc, &[]).expect("render");
    assert_eq!(
        out,
        "{\n\t\"theme\": \"dark\",\n\t\"mcpServers\": {\n\t\t\"t\": {\n\t\t\t\"command\": \"t\"\n\t\t}\n\t}\n}\n"
    );
    let yaml = "GOOSE_MODE: auto\n";
    let out = dialects::render("goose", Some(yaml), &doc, &[]).expect("render");
    assert_eq!(
        out,
        "GOOSE_MODE: auto\nextensions:\n  t:\n    name: t\n    type: stdio\n    cmd: t\n    args: []\n    description: ''\n    enabled: true\n"
    );
}

#[test]
fn a_toml_env_subtable_is_updated_in_place() {
    let text = corpus("codex/001.toml");
    let doc = with_server(&import("codex", &text), "node_repl", |e| {
        e["env"]["BROWSER_USE_CODEX_APP_BUILD_FLAVOR"] = json!("beta");
    });
    let out = dialects::render("codex", Some(&text), &doc, &[]).expect("render");
    let (old, new) = changed_lines(&text, &out);
    assert_eq!((old, new), (vec![67], vec![67]));
    assert_eq!(out.lines().nth(66), Some("BROWSER_USE_CODEX_APP_BUILD_FLAVOR = \"beta\""));
}

#[test]
fn dropping_a_field_from_a_strict_json_entry_stays_valid_json() {
    let text = corpus("claude-desktop/006.json");
    let doc = with_server(&import("claude-desktop", &text), "brave-search", |e| {
        e.remove("env");
    });
    let out = dialects::render("claude-desktop", Some(&text), &doc, &[]).expect("render");
    assert_changes_within(&text, &out, 3, 11);
    let parsed: Value = serde_json::from_str(&out).expect("strict JSON");
    assert_eq!(
        parsed["mcpServers"]["brave-search"],
        json!({"command": "npx", "args": ["@modelcontextprotocol/server-brave-search"]})
    );
}
