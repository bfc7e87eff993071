//! What each client's own source requires of the entries we write, one test per row of
//! issue 13, each citing the file (and commit or package version) it encodes. Where the
//! client's program runs here, `scripts/test-client-programs.sh` checks the same files with the
//! program itself.

use dialects::{DialectError, HostFacts, Os, Scope, Transport};
use serde_json::{Value, json};

use crate::support::doc;

fn yaml(text: &str) -> Value {
    yaml_serde::from_str(text).expect("yaml")
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// block/goose@01cad15fdcd662b667c6f36b1a29258ef3e69b34 crates/goose/src/agents/extension.rs:
/// `Stdio { name, description (default ""), cmd, args: Vec<String>, envs, env_keys, timeout,
/// bundled, available_tools }`: `args` has no `#[serde(default)]`, so an entry without it does
/// not deserialize; `StreamableHttp { description: String }` has no default either.
#[test]
fn goose_stdio_entries_always_have_args_and_http_entries_a_description() {
    let servers = json!({"mcpServers": {
        "bare": {"command": "my-server"},
        "docs": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Team": "core"}}
    }});
    let out = dialects::render("goose", None, &servers, &[]).expect("render");
    let written = yaml(&out);
    assert_eq!(written["extensions"]["bare"]["args"], json!([]), "{out}");
    assert_eq!(written["extensions"]["bare"]["description"], json!(""), "{out}");
    assert_eq!(written["extensions"]["docs"]["description"], json!(""), "{out}");
    assert_eq!(written["extensions"]["docs"]["type"], json!("streamable_http"));
    assert_eq!(written["extensions"]["docs"]["headers"], json!({"X-Team": "core"}));
}

/// Same file: `/// SSE transport is no longer supported - kept only for config file compatibility`.
#[test]
fn goose_refuses_to_write_sse() {
    let sse = doc("old", json!({"type": "sse", "url": "https://example.com/sse"}));
    let err = dialects::render("goose", None, &sse, &[]).expect_err("sse");
    assert_eq!(
        err,
        DialectError::UnsupportedTransport { client: "goose", server: "old".into(), transport: Transport::Sse }
    );
    assert!(!dialects::find("goose").expect("goose").supports(Transport::Sse));
}

/// Updating a disabled Goose extension keeps `enabled: false` and every key the servers
/// document does not carry (`timeout`, `description`, `env_keys`, `bundled`, unknown ones).
#[test]
fn goose_update_keeps_enabled_false_and_the_keys_we_do_not_model() {
    let text = "extensions:\n  memory:\n    name: memory\n    type: stdio\n    cmd: uvx\n    args:\n    - mcp-memory\n    enabled: false\n    timeout: 300\n    description: remembers things\n    env_keys:\n    - MEMORY_DIR\n    envs:\n      MEMORY_DIR: /tmp/m\n    bundled: null\n    available_tools: []\nGOOSE_MODEL: gpt-4o\n";
    let servers =
        doc("memory", json!({"command": "uvx", "args": ["mcp-memory", "--verbose"], "env": {"MEMORY_DIR": "/tmp/m"}}));
    let out = dialects::render("goose", Some(text), &servers, &[]).expect("render");
    assert_eq!(
        out,
        "extensions:\n  memory:\n    name: memory\n    type: stdio\n    cmd: uvx\n    args:\n    - mcp-memory\n    - --verbose\n    enabled: false\n    timeout: 300\n    description: remembers things\n    env_keys:\n    - MEMORY_DIR\n    envs:\n      MEMORY_DIR: /tmp/m\n    bundled: null\n    available_tools: []\nGOOSE_MODEL: gpt-4o\n"
    );
    // The switch round-trips both ways when the document says so.
    let on = doc(
        "memory",
        json!({"command": "uvx", "args": ["mcp-memory"], "env": {"MEMORY_DIR": "/tmp/m"}, "disabled": false}),
    );
    let out = dialects::render("goose", Some(text), &on, &[]).expect("render");
    assert_eq!(yaml(&out)["extensions"]["memory"]["enabled"], json!(true));
    assert_eq!(dialects::import("goose", &out).expect("import")["mcpServers"]["memory"]["disabled"], json!(false));
}

/// @continuedev/config-yaml 1.42.0 (continuedev/continue packages/config-yaml/src/schemas/index.ts):
/// `baseConfigYamlSchema = z.object({ name: z.string(), version: z.string(), schema: … })`, so a
/// new `config.yaml` needs `name` and `version`; schemas/mcp/index.ts: the timeout is
/// `connectionTimeout: z.number().gt(0)` (milliseconds: convertJson.ts hands it on as
/// Claude's `MCP_TIMEOUT`).
#[test]
fn continue_new_files_have_name_and_version_and_timeouts_are_connection_timeout() {
    let servers = doc("fs", json!({"command": "npx", "args": ["-y", "server-fs"], "timeout": 20}));
    let out = dialects::render("continue", None, &servers, &[]).expect("render");
    assert_eq!(
        out,
        "name: MCP servers\nversion: 0.0.1\nschema: v1\nmcpServers:\n- name: fs\n  command: npx\n  args:\n  - -y\n  - server-fs\n  connectionTimeout: 20000\n"
    );
    assert_eq!(
        dialects::import("continue", &out).expect("import"),
        doc("fs", json!({"command": "npx", "args": ["-y", "server-fs"], "timeout": 20}))
    );
    // A 0-byte file is a new file too.
    assert_eq!(dialects::render("continue", Some(""), &servers, &[]).expect("blank"), out);
}

/// zed-industries/zed crates/settings/src/settings_content/project.rs (`ContextServerCommand {
/// command, args: Vec<String>, env: Option<…>, timeout: Option<u64> }` — seconds — and
/// `ContextServerSettingsContent::Stdio { enabled (default true), … }`, `Http { enabled, url,
/// headers, timeout }`).
#[test]
fn zed_writes_args_enabled_and_timeout() {
    let servers = json!({"mcpServers": {
        "bare": {"command": "my-server"},
        "off": {"command": "x", "args": ["a"], "disabled": true, "timeout": 90},
        "docs": {"type": "http", "url": "https://example.com/mcp", "timeout": 30, "disabled": true}
    }});
    let out = dialects::render("zed", None, &servers, &[]).expect("render");
    assert_eq!(
        json_of(&out),
        json!({"context_servers": {
            "bare": {"command": "my-server", "args": []},
            "off": {"command": "x", "args": ["a"], "enabled": false, "timeout": 90},
            "docs": {"url": "https://example.com/mcp", "enabled": false, "timeout": 30}
        }})
    );
    let back = dialects::import("zed", &out).expect("import");
    assert_eq!(back["mcpServers"]["off"], json!({"command": "x", "args": ["a"], "disabled": true, "timeout": 90}));
    assert_eq!(back["mcpServers"]["docs"], json!({"url": "https://example.com/mcp", "disabled": true, "timeout": 30}));
}

/// google-gemini/gemini-cli packages/core/src/tools/mcp-client.ts (as bundled in
/// @google/gemini-cli 0.61.0): `httpUrl` wins and is "deprecated … migrate to 'url' with
/// 'type: \"http\"'"; `url` with `type` `http`/`sse` picks that transport; `url` alone is
/// streamable HTTP (with an SSE fallback).
#[test]
fn gemini_reads_url_without_type_as_http_and_writes_url_with_type() {
    let file = r#"{"mcpServers": {"a": {"url": "https://a.example/mcp"}, "b": {"url": "https://b.example/sse", "type": "sse"}, "c": {"httpUrl": "https://c.example/mcp"}}}"#;
    let imported = dialects::import("gemini-cli", file).expect("import");
    assert_eq!(dialects::entry_transport(imported["mcpServers"]["a"].as_object().expect("a")), Some(Transport::Http));
    assert_eq!(imported["mcpServers"]["b"]["type"], json!("sse"));
    assert_eq!(dialects::entry_transport(imported["mcpServers"]["c"].as_object().expect("c")), Some(Transport::Http));
    assert_eq!(dialects::render("gemini-cli", Some(file), &imported, &[]).expect("same"), file);
    let servers = json!({"mcpServers": {
        "h": {"type": "http", "url": "https://h.example/mcp"},
        "s": {"type": "sse", "url": "https://s.example/sse"}
    }});
    let out = dialects::render("gemini-cli", None, &servers, &[]).expect("render");
    assert_eq!(
        json_of(&out),
        json!({"mcpServers": {"h": {"type": "http", "url": "https://h.example/mcp"}, "s": {"type": "sse", "url": "https://s.example/sse"}}})
    );
    assert!(!out.contains("httpUrl"));
}

/// VS Code docs, "MCP configuration reference" (code.visualstudio.com/docs/copilot/reference/mcp-configuration):
/// stdio servers: "`type` — Server connection type — `stdio`" is listed as required.
#[test]
fn vscode_stdio_entries_name_their_type() {
    let out =
        dialects::render("vscode", None, &doc("t", json!({"command": "uvx", "args": ["t"]})), &[]).expect("render");
    assert_eq!(json_of(&out), json!({"servers": {"t": {"type": "stdio", "command": "uvx", "args": ["t"]}}}));
}

fn facts(os: Os, vars: &[(&str, &str)]) -> HostFacts {
    HostFacts {
        os,
        home: if os == Os::Windows { "C:\\Users\\u".into() } else { "/home/u".into() },
        vars: vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        project_dir: Some(if os == Os::Windows { "C:\\work\\p".into() } else { "/work/p".into() }),
        search_project_root: false,
    }
}

fn paths(client: &str, facts: &HostFacts) -> Vec<(Scope, String, bool)> {
    dialects::find(client)
        .expect("client")
        .config_paths(facts)
        .into_iter()
        .map(|l| (l.scope, l.path.to_string_lossy().into_owned(), l.alternative))
        .collect()
}

/// opencode.ai/docs/config ("Config locations" / "Precedence order": remote config, global
/// config, custom config `OPENCODE_CONFIG`, project config — each merged on top of the one
/// before): `OPENCODE_CONFIG` is one more layer, not a replacement of the global file.
#[test]
fn opencode_config_is_a_layer_on_top_of_the_global_file() {
    let with = facts(Os::Linux, &[("OPENCODE_CONFIG", "/srv/team/opencode.json")]);
    let found = paths("opencode", &with);
    assert_eq!(found[0], (Scope::User, "/home/u/.config/opencode/opencode.json".into(), false));
    assert!(found.contains(&(Scope::User, "/srv/team/opencode.json".into(), false)), "{found:?}");
    let without = paths("opencode", &facts(Os::Linux, &[]));
    assert!(!without.iter().any(|(_, p, _)| p.contains("srv")), "{without:?}");
}

/// ampcode.com/manual ("Configuration": settings file `~/.config/amp/settings.json`, on
/// Windows `%USERPROFILE%\.config\amp\settings.json`; workspace settings `.amp/settings.json`).
/// Secondary source: the manual only; the program does not run offline here.
#[test]
fn amp_lives_under_dot_config_on_windows_too_and_has_a_workspace_file() {
    let win = paths("amp", &facts(Os::Windows, &[("APPDATA", "C:\\Users\\u\\AppData\\Roaming")]));
    assert_eq!(win[0], (Scope::User, "C:\\Users\\u\\.config\\amp\\settings.json".into(), false));
    assert!(win.contains(&(Scope::Project, "C:\\work\\p\\.amp\\settings.json".into(), false)), "{win:?}");
    let linux = paths("amp", &facts(Os::Linux, &[]));
    assert_eq!(linux[0], (Scope::User, "/home/u/.config/amp/settings.json".into(), false));
    assert!(linux.contains(&(Scope::Project, "/work/p/.amp/settings.json".into(), false)), "{linux:?}");
}

/// @augmentcode/auggie 0.36.0 `augment.mjs`: a server whose config has `disabled` is not
/// started (`if(s.config?.disabled)continue`), and `auggie mcp list` shows it off
/// (scripts/test-client-programs.sh). So a disabled server is written with `disabled: true`
/// instead of being left out, and reads back disabled.
#[test]
fn auggie_keeps_a_disabled_server_with_disabled_true() {
    let servers = json!({"mcpServers": {"off": {"command": "node", "args": ["-e", "0"], "disabled": true}}});
    let out = dialects::render("augment", None, &servers, &[]).expect("render");
    let written: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(written["mcpServers"]["off"]["disabled"], json!(true), "{out}");
    assert_eq!(dialects::import("augment", &out).expect("import"), servers);
}
