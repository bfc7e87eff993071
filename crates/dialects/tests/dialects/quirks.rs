//! Per-dialect quirks: each client's own spelling of the same servers, exactly as written.

use dialects::{DialectError, Format, Placement, Transport};
use serde_json::{Value, json};

use crate::support::{corpus, doc};

fn stdio_and_remote() -> Value {
    json!({"mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
        "docs": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Team": "core"}}
    }})
}

#[test]
fn codex_never_gets_a_type_key() {
    let mut servers = stdio_and_remote();
    servers["mcpServers"]["time"]["type"] = json!("stdio");
    let out = dialects::render("codex", None, &servers, &[]).expect("render");
    assert_eq!(
        out,
        "[mcp_servers.time]\ncommand = \"uvx\"\nargs = [\"mcp-server-time\"]\nenv = { TZ = \"UTC\" }\n\n[mcp_servers.docs]\nurl = \"https://example.com/mcp\"\nhttp_headers = { X-Team = \"core\" }\n"
    );
    // Codex speaks streamable HTTP only.
    let sse = doc("old", json!({"type": "sse", "url": "https://example.com/sse"}));
    let err = dialects::render("codex", None, &sse, &[]).expect_err("sse");
    assert_eq!(
        err,
        DialectError::UnsupportedTransport { client: "codex", server: "old".into(), transport: Transport::Sse }
    );
}

#[test]
fn codex_options_round_trip_and_disabled_is_enabled_false() {
    let text = corpus("codex/001.toml");
    let imported = dialects::import("codex", &text).expect("import");
    assert_eq!(imported["mcpServers"]["node_repl"]["clientOptions"], json!({"codex": {"startup_timeout_sec": 120}}));
    assert_eq!(imported["mcpServers"]["unison"]["disabled"], json!(true));
    assert_eq!(imported["mcpServers"]["openaiDeveloperDocs"], json!({"url": "https://developers.openai.com/mcp"}));
    let off = doc("x", json!({"command": "x", "disabled": true, "timeout": 30}));
    let out = dialects::render("codex", None, &off, &[]).expect("render");
    assert_eq!(out, "[mcp_servers.x]\ncommand = \"x\"\nenabled = false\ntool_timeout_sec = 30\n");
}

#[test]
fn claude_desktop_stays_strict_json() {
    let text = corpus("claude-desktop/022.json");
    let mut servers = dialects::import("claude-desktop", &text).expect("import");
    servers["mcpServers"]["added"] = json!({"command": "npx", "args": ["-y", "pkg"]});
    let out = dialects::render("claude-desktop", Some(&text), &servers, &[]).expect("render");
    let parsed: Value = serde_json::from_str(&out).expect("strict JSON");
    assert_eq!(parsed["mcpServers"]["added"], json!({"command": "npx", "args": ["-y", "pkg"]}));
    assert!(!out.contains(",\n  }") && !out.contains(",\n    }"), "no trailing comma:\n{out}");
    // Claude Desktop launches local servers only.
    let err = dialects::render("claude-desktop", Some(&text), &stdio_and_remote(), &[]).expect_err("remote");
    assert!(matches!(
        err,
        DialectError::UnsupportedTransport { client: "claude-desktop", transport: Transport::Http, .. }
    ));
}

#[test]
fn strict_json_clients_refuse_comments_and_hash_lines() {
    // `#` lines are not JSON: Claude Desktop cannot read such a file, so it is refused at the
    // first `#`, never read as empty.
    let text = "{\n# my servers\n  \"mcpServers\": {}\n}\n";
    let err = dialects::import("claude-desktop", text).expect_err("hash line");
    assert!(matches!(err, DialectError::Parse { format: Format::Json, line: 2, column: 1, .. }), "{err}");
    let text = "{\n  \"mcpServers\": {} // none yet\n}\n";
    let err = dialects::import("cursor", text).expect_err("comment");
    assert!(matches!(err, DialectError::Parse { line: 2, column: 20, .. }), "{err}");
    let text = "{\n  \"mcpServers\": {},\n}\n";
    let err = dialects::import("windsurf", text).expect_err("trailing comma");
    assert!(matches!(err, DialectError::Parse { line: 2, column: 19, .. }), "{err}");
    // Gemini CLI strips comments but not trailing commas; VS Code takes both.
    assert_eq!(
        dialects::import("gemini-cli", "{\n  // x\n  \"mcpServers\": {}\n}\n").expect("comments"),
        json!({"mcpServers": {}})
    );
    assert!(dialects::import("gemini-cli", "{\"mcpServers\": {},}").is_err());
    assert_eq!(
        dialects::import("vscode", "{\n  // x\n  \"servers\": {},\n}\n").expect("jsonc"),
        json!({"mcpServers": {}})
    );
}

#[test]
fn opencode_uses_an_array_command_and_local_remote_types() {
    let mut servers = stdio_and_remote();
    servers["mcpServers"]["time"]["disabled"] = json!(true);
    let out = dialects::render("opencode", None, &servers, &[]).expect("render");
    let written: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        written,
        json!({"mcp": {
            "time": {"type": "local", "command": ["uvx", "mcp-server-time"], "environment": {"TZ": "UTC"}, "enabled": false},
            "docs": {"type": "remote", "url": "https://example.com/mcp", "headers": {"X-Team": "core"}}
        }})
    );
    let back = dialects::import("opencode", &out).expect("import");
    assert_eq!(
        back["mcpServers"]["time"],
        json!({"type": "stdio", "command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}, "disabled": true})
    );
    // OpenCode has no working-directory field.
    let err =
        dialects::render("opencode", None, &doc("x", json!({"command": "x", "cwd": "/tmp"})), &[]).expect_err("cwd");
    assert_eq!(err, DialectError::UnsupportedField { client: "opencode", server: "x".into(), field: "cwd" });
}

#[test]
fn continue_keeps_servers_in_a_named_list() {
    let text = "name: My Assistant\nversion: 0.0.1\nschema: v1\n# MCP servers\nmcpServers:\n  - name: fs\n    command: npx\n    args:\n      - -y\n      - '@modelcontextprotocol/server-filesystem'\nmodels: []\n";
    let imported = dialects::import("continue", text).expect("import");
    assert_eq!(
        imported,
        json!({"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}}})
    );
    assert_eq!(dialects::render("continue", Some(text), &imported, &[]).expect("same"), text);
    let servers = json!({"mcpServers": {"docs": {"type": "http", "url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ${secret:DOCS}"}}}});
    let out = dialects::render("continue", Some(text), &servers, &[]).expect("render");
    assert_eq!(
        out,
        "name: My Assistant\nversion: 0.0.1\nschema: v1\n# MCP servers\nmcpServers:\n  - name: fs\n    command: npx\n    args:\n      - -y\n      - '@modelcontextprotocol/server-filesystem'\n  - name: docs\n    type: streamable-http\n    url: https://example.com/mcp\n    requestOptions:\n      headers:\n        Authorization: Bearer ${secret:DOCS}\nmodels: []\n"
    );
    let out = dialects::render("continue", Some(text), &json!({"mcpServers": {}}), &["fs".to_owned()]).expect("remove");
    assert_eq!(out, "name: My Assistant\nversion: 0.0.1\nschema: v1\n# MCP servers\nmcpServers:\nmodels: []\n");
}

#[test]
fn goose_uses_uri_envs_and_leaves_builtins_alone() {
    let text = corpus("goose/001.yaml");
    let imported = dialects::import("goose", &text).expect("import");
    assert_eq!(
        imported,
        json!({"mcpServers": {"duckduckgo-mcp-server": {
            "type": "stdio", "command": "uvx", "args": ["duckduckgo-mcp-server"], "env": {}, "disabled": false, "timeout": 300,
            "clientOptions": {"goose": {"bundled": null, "description": null, "env_keys": []}}
        }}})
    );
    let servers = json!({"mcpServers": {"docs": {"type": "http", "url": "https://example.com/mcp"}, "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"A": "1"}}}});
    let out = dialects::render("goose", Some(&text), &servers, &[]).expect("render");
    assert!(out.starts_with(&text), "appended after the last extension:\n{out}");
    assert_eq!(
        &out[text.len()..],
        "  docs:\n    name: docs\n    type: streamable_http\n    uri: https://example.com/mcp\n    description: ''\n    enabled: true\n  fetch:\n    name: fetch\n    type: stdio\n    cmd: uvx\n    args:\n    - mcp-server-fetch\n    description: ''\n    envs:\n      A: '1'\n    enabled: true\n"
    );
    let clash = doc("developer", json!({"command": "x"}));
    let err = dialects::render("goose", Some(&text), &clash, &[]).expect_err("builtin");
    assert_eq!(err, DialectError::NotManaged { client: "goose", server: "developer".into() });
}

#[test]
fn windsurf_writes_server_url() {
    let imported = dialects::import("windsurf", &corpus("windsurf/004.json")).expect("import");
    assert_eq!(
        imported,
        json!({"mcpServers": {"agentscomparison Docs": {"url": "https://gitmcp.io/pascal-maker/agentscomparison"}}})
    );
    let out = dialects::render("windsurf", None, &doc("docs", json!({"url": "https://example.com/mcp"})), &[])
        .expect("render");
    assert_eq!(
        out,
        "{\n  \"mcpServers\": {\n    \"docs\": {\n      \"serverUrl\": \"https://example.com/mcp\"\n    }\n  }\n}\n"
    );
}

#[test]
fn gemini_reads_http_url_and_writes_url_with_type() {
    // The corpus file's `httpUrl` (deprecated) reads as streamable HTTP and is kept as it is.
    let text = crate::support::corpus("gemini/004.json");
    let imported = dialects::import("gemini-cli", &text).expect("import");
    assert_eq!(
        imported["mcpServers"]["context7"],
        json!({"url": "https://mcp.context7.com/mcp", "clientOptions": {"gemini-cli": {"trust": true}}})
    );
    assert_eq!(dialects::render("gemini-cli", Some(&text), &imported, &[]).expect("same"), text);
    let servers = json!({"mcpServers": {
        "a": {"type": "http", "url": "https://a.example/mcp", "timeout": 1.5},
        "b": {"type": "sse", "url": "https://b.example/sse"}
    }});
    let out = dialects::render("gemini-cli", None, &servers, &[]).expect("render");
    let written: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        written,
        json!({"mcpServers": {"a": {"type": "http", "url": "https://a.example/mcp", "timeout": 1500}, "b": {"type": "sse", "url": "https://b.example/sse"}}})
    );
    assert_eq!(dialects::import("gemini-cli", &out).expect("back")["mcpServers"]["a"]["timeout"], json!(1.5));
    // Qwen Code keeps the older rule: `httpUrl` for streamable HTTP, `url` for SSE, no `type`
    // (@qwen-code/qwen-code 0.15.10 cli.js, createTransport).
    let out = dialects::render("qwen-code", None, &servers, &[]).expect("render");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json"),
        json!({"mcpServers": {"a": {"httpUrl": "https://a.example/mcp", "timeout": 1500}, "b": {"url": "https://b.example/sse"}}})
    );
}

#[test]
fn cline_names_streamable_http_its_own_way() {
    let out = dialects::render(
        "cline",
        None,
        &doc("docs", json!({"type": "http", "url": "https://example.com/mcp", "disabled": true})),
        &[],
    )
    .expect("render");
    let written: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        written,
        json!({"mcpServers": {"docs": {"type": "streamableHttp", "url": "https://example.com/mcp", "disabled": true}}})
    );
    let back = dialects::import("cline", &out).expect("import");
    assert_eq!(back, doc("docs", json!({"type": "http", "url": "https://example.com/mcp", "disabled": true})));
}

#[test]
fn vscode_uses_servers_in_mcp_json_and_mcp_servers_in_settings_json() {
    let settings = corpus("vscode-settings/001.json");
    let at = Placement::new(&["mcp", "servers"]);
    let imported = dialects::import_at("vscode", &at, &settings).expect("import");
    let names: Vec<&String> = imported["mcpServers"].as_object().expect("map").keys().collect();
    assert_eq!(names, ["sequential-thinking", "fetch", "memory", "context7", "kubernetes", "docker-mcp"]);
    // The same file read as an mcp.json has no `servers` key, hence no servers.
    assert_eq!(dialects::import("vscode", &settings).expect("import"), json!({"mcpServers": {}}));
    let out = dialects::render_at("vscode", &at, Some(&settings), &doc("time", json!({"command": "uvx"})), &[])
        .expect("render");
    let tail = "                    \"docker-mcp\"\n                ]\n            }\n";
    let expected = settings.replacen(
        tail,
        &format!(
            "{}}},\n            \"time\": {{\n                \"type\": \"stdio\",\n                \"command\": \"uvx\"\n            }}\n",
            tail.trim_end_matches("}\n")
        ),
        1,
    );
    assert_eq!(out, expected);
    // mcp.json: `servers`, and `inputs` is left alone.
    let text = corpus("vscode/009.json");
    let imported = dialects::import("vscode", &text).expect("import");
    let out = dialects::render("vscode", Some(&text), &imported, &[]).expect("render");
    assert_eq!(out, text);
}

#[test]
fn claude_code_local_scope_lives_in_the_project_entry_of_claude_json() {
    let text = "{\n  \"numStartups\": 3,\n  \"projects\": {\n    \"/home/u/app\": {\n      \"allowedTools\": []\n    }\n  }\n}\n";
    let at = Placement::new(&["projects", "/home/u/app", "mcpServers"]);
    assert_eq!(dialects::import_at("claude-code", &at, text).expect("import"), json!({"mcpServers": {}}));
    let out =
        dialects::render_at("claude-code", &at, Some(text), &doc("t", json!({"type": "stdio", "command": "t"})), &[])
            .expect("render");
    assert_eq!(
        out,
        "{\n  \"numStartups\": 3,\n  \"projects\": {\n    \"/home/u/app\": {\n      \"allowedTools\": [],\n      \"mcpServers\": {\n        \"t\": {\n          \"type\": \"stdio\",\n          \"command\": \"t\"\n        }\n      }\n    }\n  }\n}\n"
    );
    // The user scope (top-level mcpServers) of the same file is untouched by it.
    assert_eq!(dialects::import("claude-code", &out).expect("user"), json!({"mcpServers": {}}));
}

#[test]
fn zed_reads_the_nested_command_and_writes_the_flat_one() {
    let imported = dialects::import("zed", &corpus("zed/001.json")).expect("import");
    assert_eq!(
        imported["mcpServers"]["linear"],
        json!({"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/sse"], "env": {}, "clientOptions": {"zed": {"settings": {}}}})
    );
    let out = dialects::render("zed", None, &doc("t", json!({"command": "t", "args": ["a"]})), &[]).expect("render");
    assert_eq!(
        out,
        "{\n  \"context_servers\": {\n    \"t\": {\n      \"command\": \"t\",\n      \"args\": [\n        \"a\"\n      ]\n    }\n  }\n}\n"
    );
}

#[test]
fn client_specific_fields_are_kept_under_client_options() {
    let imported = dialects::import("cursor", &corpus("cursor/006.json")).expect("import");
    assert_eq!(
        imported["mcpServers"]["netbox"]["clientOptions"],
        json!({"cursor": {"envFile": "${workspaceFolder}/.devcontainer/.env.local"}})
    );
    // Another client's options are not written into this one.
    let out = dialects::render("claude-code", None, &imported, &[]).expect("render");
    assert!(!out.contains("envFile"), "{out}");
}

#[test]
fn a_disabled_server_is_left_out_of_a_client_without_a_switch() {
    let text = corpus("claude-desktop/001.json");
    let imported = dialects::import("claude-desktop", &text).expect("import");
    let name = imported["mcpServers"].as_object().and_then(|m| m.keys().next().cloned()).expect("a server");
    let mut off = imported.clone();
    off["mcpServers"][&name]["disabled"] = json!(true);
    let out = dialects::render("claude-desktop", Some(&text), &off, &[]).expect("render");
    assert_eq!(dialects::import("claude-desktop", &out).expect("import"), json!({"mcpServers": {}}));
}

#[test]
fn bad_input_gets_a_typed_error() {
    assert_eq!(dialects::import("notepad", "{}"), Err(DialectError::UnknownClient { id: "notepad".into() }));
    let err =
        dialects::render("cursor", None, &json!({"mcpServers": {"x": {"args": "not-a-list"}}}), &[]).expect_err("args");
    assert_eq!(
        err,
        DialectError::InvalidDocument {
            pointer: "/mcpServers/x/args".into(),
            message: "must be an array of strings".into()
        }
    );
    let err = dialects::import("cursor", "{\"mcpServers\": []}").expect_err("shape");
    assert!(matches!(err, DialectError::UnexpectedShape { found: "an array", at: Some((1, 16)), .. }), "{err}");
    let err = dialects::import("codex", "[mcp_servers\ncommand = 1\n").expect_err("toml");
    assert!(matches!(err, DialectError::Parse { format: Format::Toml, line: 1, .. }), "{err}");
    let err = dialects::import("goose", "extensions:\n  a: [\n").expect_err("yaml");
    assert!(matches!(err, DialectError::Parse { format: Format::Yaml, .. }), "{err}");
}

#[test]
fn odd_files_either_work_or_fail_cleanly_for_every_client() {
    let inputs = [
        "",
        "{",
        "[]",
        "null",
        "\u{feff}{}",
        "{\"mcpServers\": null, \"servers\": 3, \"mcp\": [], \"context_servers\": \"x\"}",
        "{\"mcpServers\": {\"a\": 1, \"b\": {\"command\": [1], \"args\": \"x\", \"env\": {\"A\": 1}}}}",
        "{\"mcp\": {\"a\": {\"type\": \"local\", \"command\": []}}}",
        "mcp_servers = 3\n",
        "[mcp_servers]\na = 1\nb = { command = \"x\" }\n",
        "extensions: 3\n",
        "extensions:\n  a: 1\n  b:\n    type: builtin\n",
        "mcpServers:\n  - 1\n  - name: x\n    command: y\n",
        "- a\n- b\n",
        "a: [\n",
    ];
    let servers = json!({"mcpServers": {"new": {"command": "uvx", "args": ["x"]}, "b": {"type": "http", "url": "https://e.example/mcp"}}});
    for client in dialects::all() {
        for input in inputs {
            match dialects::import(client.id, input) {
                Ok(doc) => assert!(doc["mcpServers"].is_object(), "{} {input:?}", client.id),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
            match dialects::render(client.id, Some(input), &servers, &["a".to_owned()]) {
                // Whatever was written reads back, with the new server in it.
                Ok(out) => {
                    let back = dialects::import(client.id, &out)
                        .unwrap_or_else(|e| panic!("{} {input:?}: {e}\n{out}", client.id));
                    assert_eq!(back["mcpServers"]["new"]["command"], json!("uvx"), "{} {input:?}\n{out}", client.id);
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
    }
}
