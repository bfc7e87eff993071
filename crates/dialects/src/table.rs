//! The client table: one entry per supported client, with its file format, its dialect (how it
//! spells a server entry) and its file locations. Adding a client is adding one entry here.
//!
//! Locations and fields come from each client's documentation; where a detail could not be
//! confirmed, the most common documented shape is used and a comment says so.

use crate::dialect::{Blank, CommandStyle, Dialect, Presence, TimeUnit, Toggle, TypeField, UrlStyle, always_managed};
use crate::paths::Base::{AppConfig, Home, LocalAppData, Project, Var, XdgConfig};
use crate::paths::OnOs::{All, Only, Unix};
use crate::paths::Os::{Linux, Macos, Windows};
use crate::paths::Scope::{Local, Project as ProjectScope, User};
use crate::paths::{Base, LocationSpec as L};
use crate::transport::Transport::{self, Http, Sse, Stdio};
use crate::{ClientInfo, Format, Syntax};

const ALL: &[Transport] = &[Stdio, Http, Sse];

const TYPE_STD: TypeField = TypeField {
    key: "type",
    stdio: "stdio",
    http: "http",
    sse: "sse",
    aliases: &[("streamable-http", Http), ("streamableHttp", Http), ("streamable_http", Http)],
    stdio_presence: Presence::Kept,
    remote_presence: Presence::Always,
};

/// The Claude Desktop shape most clients copy: `mcpServers`, `command`/`args`/`env`, `url`/`headers`.
const STANDARD: Dialect = Dialect {
    container: &["mcpServers"],
    list_name_key: None,
    name_key: None,
    command: CommandStyle::Split { command: "command", args: "args" },
    nested_command: false,
    env: Some("env"),
    cwd: Some("cwd"),
    url: UrlStyle::Key { key: "url", aliases: &[] },
    headers: Some(&["headers"]),
    kind: Some(TYPE_STD),
    toggle: Toggle::None,
    timeout: None,
    managed: always_managed,
    stdio_required: &[],
    remote_required: &[],
    new_file: &[],
};

/// Clients where `type` is optional for remote servers too (the client probes the transport).
const OPTIONAL_TYPE: Dialect =
    Dialect { kind: Some(TypeField { remote_presence: Presence::Kept, ..TYPE_STD }), ..STANDARD };

/// Cline, Roo Code, Kilo Code, Kiro, Amazon Q, Auggie (`@augmentcode/auggie` 0.36.0: a server
/// with `config.disabled` is not started): `disabled` switches a server off.
const WITH_DISABLED: Dialect = Dialect { toggle: Toggle::Disabled("disabled"), ..STANDARD };

/// code.visualstudio.com/docs/copilot/reference/mcp-configuration: `type` is required for
/// stdio servers too.
const VSCODE: Dialect = Dialect {
    container: &["servers"],
    kind: Some(TypeField { stdio_presence: Presence::Always, ..TYPE_STD }),
    ..STANDARD
};

const WINDSURF: Dialect = Dialect {
    url: UrlStyle::Key { key: "serverUrl", aliases: &["url"] },
    kind: Some(TypeField { remote_presence: Presence::Kept, ..TYPE_STD }),
    toggle: Toggle::Disabled("disabled"),
    ..STANDARD
};

/// google-gemini/gemini-cli packages/core/src/tools/mcp-client.ts (@google/gemini-cli 0.61.0):
/// `url` + `type: "http" | "sse"`; `url` alone is streamable HTTP (SSE fallback); `httpUrl` is
/// deprecated (still read, and kept where a file has it).
const GEMINI: Dialect = Dialect {
    url: UrlStyle::Key { key: "url", aliases: &["httpUrl"] },
    kind: Some(TypeField { stdio_presence: Presence::Never, remote_presence: Presence::Always, ..TYPE_STD }),
    timeout: Some(("timeout", TimeUnit::Millis)),
    ..STANDARD
};

/// Qwen Code (@qwen-code/qwen-code 0.15.10 `cli.js`, `createTransport`) keeps Gemini CLI's
/// older rule: `httpUrl` is streamable HTTP, `url` is SSE, `type` is not read.
const QWEN: Dialect = Dialect {
    url: UrlStyle::PerTransport { http: "httpUrl", sse: "url" },
    kind: Some(TypeField { remote_presence: Presence::Never, ..TYPE_STD }),
    timeout: Some(("timeout", TimeUnit::Millis)),
    ..STANDARD
};

const CODEX: Dialect = Dialect {
    container: &["mcp_servers"],
    headers: Some(&["http_headers"]),
    kind: None,
    toggle: Toggle::Enabled { key: "enabled", always: false },
    timeout: Some(("tool_timeout_sec", TimeUnit::Seconds)),
    ..STANDARD
};

/// zed-industries/zed crates/settings/src/settings_content/project.rs: `ContextServerCommand
/// { command, args: Vec<String> (required), env, timeout (seconds) }`, `enabled` (default true).
const ZED: Dialect = Dialect {
    container: &["context_servers"],
    nested_command: true,
    kind: None,
    toggle: Toggle::Enabled { key: "enabled", always: false },
    timeout: Some(("timeout", TimeUnit::Seconds)),
    stdio_required: &[("args", Blank::Array)],
    ..STANDARD
};

const CLINE: Dialect = Dialect {
    kind: Some(TypeField { http: "streamableHttp", aliases: &[("http", Http), ("streamable-http", Http)], ..TYPE_STD }),
    toggle: Toggle::Disabled("disabled"),
    timeout: Some(("timeout", TimeUnit::Seconds)),
    ..STANDARD
};

const ROO: Dialect = Dialect {
    kind: Some(TypeField { http: "streamable-http", aliases: &[("http", Http), ("streamableHttp", Http)], ..TYPE_STD }),
    toggle: Toggle::Disabled("disabled"),
    timeout: Some(("timeout", TimeUnit::Seconds)),
    ..STANDARD
};

/// @continuedev/config-yaml 1.42.0 (continuedev/continue packages/config-yaml/src/schemas):
/// a list of `{name, command, args, env, cwd}` / `{name, type: sse|streamable-http, url,
/// requestOptions.headers}`, `connectionTimeout` in ms; a config needs `name` and `version`.
const CONTINUE: Dialect = Dialect {
    list_name_key: Some("name"),
    kind: Some(TypeField { http: "streamable-http", aliases: &[("http", Http)], ..TYPE_STD }),
    // Continue sends remote headers from `requestOptions.headers`.
    headers: Some(&["requestOptions", "headers"]),
    timeout: Some(("connectionTimeout", TimeUnit::Millis)),
    new_file: &[("name", "MCP servers"), ("version", "0.0.1"), ("schema", "v1")],
    ..STANDARD
};

/// continuedev/continue packages/config-yaml/src/schemas/mcp/json.ts
/// (`claudeDesktopLikeConfigFileSchema`): the JSON files Continue reads from
/// `~/.continue/mcpServers/` and `.continue/mcpServers/` with either config file
/// (core/context/mcp/json/loadJsonMcpConfigs.ts): `type` optional (`stdio`, `http`, `sse`), no
/// `cwd`, no switch, no timeout.
pub(crate) const CLAUDE_JSON: Dialect =
    Dialect { container: &["mcpServers"], cwd: None, kind: Some(TypeField { aliases: &[], ..TYPE_STD }), ..STANDARD };

fn goose_managed(entry: &serde_json::Map<String, serde_json::Value>) -> bool {
    // builtin, platform, frontend, inline_python … are Goose's own, not MCP servers we manage.
    matches!(entry.get("type").and_then(|t| t.as_str()), Some("stdio" | "sse" | "streamable_http"))
}

const GOOSE: Dialect = Dialect {
    container: &["extensions"],
    name_key: Some("name"),
    command: CommandStyle::Split { command: "cmd", args: "args" },
    env: Some("envs"),
    cwd: None,
    url: UrlStyle::Key { key: "uri", aliases: &[] },
    kind: Some(TypeField { http: "streamable_http", aliases: &[], stdio_presence: Presence::Always, ..TYPE_STD }),
    toggle: Toggle::Enabled { key: "enabled", always: true },
    timeout: Some(("timeout", TimeUnit::Seconds)),
    managed: goose_managed,
    // block/goose crates/goose/src/agents/extension.rs: stdio `args: Vec<String>` has no
    // default; streamable_http `description: String` has none either.
    stdio_required: &[("args", Blank::Array), ("description", Blank::String)],
    remote_required: &[("description", Blank::String)],
    ..STANDARD
};

const OPENCODE: Dialect = Dialect {
    container: &["mcp"],
    command: CommandStyle::Array("command"),
    env: Some("environment"),
    cwd: None,
    // `remote` covers streamable HTTP and SSE (OpenCode picks); it reads back as http.
    kind: Some(TypeField {
        key: "type",
        stdio: "local",
        http: "remote",
        sse: "remote",
        aliases: &[],
        stdio_presence: Presence::Always,
        remote_presence: Presence::Always,
    }),
    toggle: Toggle::Enabled { key: "enabled", always: false },
    timeout: Some(("timeout", TimeUnit::Millis)),
    ..STANDARD
};

const COPILOT_CLI: Dialect = Dialect {
    kind: Some(TypeField {
        stdio: "local",
        aliases: &[("stdio", Stdio)],
        stdio_presence: Presence::Always,
        ..TYPE_STD
    }),
    ..STANDARD
};

const AMP: Dialect = Dialect { container: &["amp.mcpServers"], ..OPTIONAL_TYPE };

const CRUSH: Dialect = Dialect {
    container: &["mcp"],
    kind: Some(TypeField { stdio_presence: Presence::Always, ..TYPE_STD }),
    toggle: Toggle::Disabled("disabled"),
    timeout: Some(("timeout", TimeUnit::Seconds)),
    ..STANDARD
};

const AMAZON_Q: Dialect = Dialect { timeout: Some(("timeout", TimeUnit::Millis)), ..WITH_DISABLED };

const DROID: Dialect = Dialect { toggle: Toggle::Disabled("disabled"), ..STANDARD };

const fn user(on: crate::paths::OnOs, base: Base, rel: &'static str) -> L {
    L::new(User, on, base, rel)
}
const fn project(rel: &'static str) -> L {
    L::new(ProjectScope, All, Project, rel)
}

const CLAUDE_DIR: Base = Var { var: "CLAUDE_CONFIG_DIR", default: &Home, default_rel: "" };
const CODEX_DIR: Base = Var { var: "CODEX_HOME", default: &Home, default_rel: ".codex" };
const CONTINUE_DIR: Base = Var { var: "CONTINUE_GLOBAL_DIR", default: &Home, default_rel: ".continue" };
const COPILOT_DIR: Base = Var { var: "COPILOT_HOME", default: &Home, default_rel: ".copilot" };
/// opencode.ai/docs/config: `OPENCODE_CONFIG` names one more file merged over the global one.
const OPENCODE_EXTRA: Base = Base::VarOnly("OPENCODE_CONFIG");

macro_rules! client {
    ($id:literal, $name:literal, $format:ident, $syntax:ident, $dialect:expr, $transports:expr, [$($loc:expr),* $(,)?]) => {
        ClientInfo {
            id: $id,
            display_name: $name,
            format: Format::$format,
            transports: $transports,
            syntax: Syntax::$syntax,
            dialect: &$dialect,
            locations: &[$($loc),*],
        }
    };
}

pub(crate) const CLIENTS: &[ClientInfo] = &[
    client!(
        "claude-desktop",
        "Claude Desktop",
        Json,
        StrictJson,
        STANDARD,
        &[Stdio],
        [
            user(Only(Macos), AppConfig, "Claude/claude_desktop_config.json"),
            user(Only(Windows), AppConfig, "Claude/claude_desktop_config.json"),
            // The Microsoft Store (MSIX) install keeps a virtualised copy of %APPDATA%.
            user(
                Only(Windows),
                LocalAppData,
                "Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json"
            )
            .alt(),
            // No official Linux build; community builds use the XDG config dir.
            user(Only(Linux), AppConfig, "Claude/claude_desktop_config.json"),
        ]
    ),
    client!(
        "claude-code",
        "Claude Code",
        Json,
        StrictJson,
        STANDARD,
        ALL,
        [
            user(All, CLAUDE_DIR, ".claude.json"),
            L::new(Local, All, CLAUDE_DIR, ".claude.json").at(&["projects", "{project}", "mcpServers"]),
            project(".mcp.json"),
        ]
    ),
    client!(
        "cursor",
        "Cursor",
        Json,
        StrictJson,
        OPTIONAL_TYPE,
        ALL,
        [user(All, Home, ".cursor/mcp.json"), project(".cursor/mcp.json"),]
    ),
    client!(
        "vscode",
        "VS Code",
        Jsonc,
        Jsonc,
        VSCODE,
        ALL,
        [
            user(All, AppConfig, "Code/User/mcp.json"),
            project(".vscode/mcp.json"),
            // Before VS Code 1.102 user servers lived in settings.json under `mcp.servers`.
            user(All, AppConfig, "Code/User/settings.json").alt().at(&["mcp", "servers"]),
            user(All, AppConfig, "Code - Insiders/User/mcp.json").alt(),
        ]
    ),
    client!(
        "windsurf",
        "Windsurf",
        Json,
        StrictJson,
        WINDSURF,
        ALL,
        [user(All, Home, ".codeium/windsurf/mcp_config.json"),]
    ),
    client!(
        "gemini-cli",
        "Gemini CLI",
        Json,
        JsonComments,
        GEMINI,
        ALL,
        [user(All, Home, ".gemini/settings.json"), project(".gemini/settings.json"),]
    ),
    client!(
        "codex",
        "Codex CLI",
        Toml,
        Toml,
        CODEX,
        &[Stdio, Http],
        [
            user(All, CODEX_DIR, "config.toml"),
            // Read in trusted projects by recent Codex versions.
            project(".codex/config.toml"),
        ]
    ),
    client!(
        "zed",
        "Zed",
        Jsonc,
        Jsonc,
        ZED,
        &[Stdio, Http],
        [
            user(Unix, XdgConfig, "zed/settings.json"),
            user(Only(Windows), AppConfig, "Zed/settings.json"),
            user(Only(Linux), Home, ".var/app/dev.zed.Zed/config/zed/settings.json").alt(),
            project(".zed/settings.json"),
        ]
    ),
    client!(
        "cline",
        "Cline",
        Json,
        StrictJson,
        CLINE,
        ALL,
        [
            user(All, AppConfig, "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
            // The standalone Cline CLI.
            user(All, Home, ".cline/data/settings/cline_mcp_settings.json").alt(),
        ]
    ),
    // Continue reads `config.json` (an older, different shape) only while no `config.yaml` exists.
    client!(
        "continue",
        "Continue",
        Yaml,
        Yaml,
        CONTINUE,
        ALL,
        [
            user(All, CONTINUE_DIR, "config.yaml").shadowing("config.json"),
            // core/config/profile/doLoadConfig.ts: with only config.json, Continue still reads
            // the JSON files of ~/.continue/mcpServers/ (load.ts → loadJsonMcpConfigs).
            user(All, CONTINUE_DIR, "mcpServers/mcp-orchestration.json")
                .at(&["mcpServers"])
                .claude_json()
                .when_shadowed(),
            // The workspace's .continue/mcpServers/ holds YAML blocks of exactly one server each
            // (packages/config-yaml/src/schemas/index.ts `blockSchema`, read by
            // core/config/yaml/loadYaml.ts) and JSON files of many (loadJsonMcpConfigs.ts, read
            // with either config file): ours is a JSON one; the others are listed to be read.
            project(".continue/mcpServers/mcp-orchestration.json")
                .at(&["mcpServers"])
                .claude_json()
                .with_siblings(&["json", "yaml", "yml"]),
        ]
    ),
    client!(
        "goose",
        "Goose",
        Yaml,
        Yaml,
        GOOSE,
        &[Stdio, Http],
        [user(Unix, XdgConfig, "goose/config.yaml"), user(Only(Windows), AppConfig, "Block/goose/config/config.yaml"),]
    ),
    client!(
        "opencode",
        "OpenCode",
        Jsonc,
        Jsonc,
        OPENCODE,
        ALL,
        [
            user(All, XdgConfig, "opencode/opencode.json"),
            user(All, OPENCODE_EXTRA, ""),
            user(All, XdgConfig, "opencode/opencode.jsonc").alt(),
            project("opencode.json"),
            project("opencode.jsonc").alt(),
        ]
    ),
    client!(
        "lm-studio",
        "LM Studio",
        Json,
        StrictJson,
        OPTIONAL_TYPE,
        ALL,
        [user(All, Home, ".lmstudio/mcp.json"), user(Unix, Home, ".cache/lm-studio/mcp.json").alt(),]
    ),
    client!(
        "roo-code",
        "Roo Code",
        Json,
        StrictJson,
        ROO,
        ALL,
        [
            user(All, AppConfig, "Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json"),
            project(".roo/mcp.json"),
        ]
    ),
    client!(
        "kilo-code",
        "Kilo Code",
        Json,
        StrictJson,
        ROO,
        ALL,
        [
            user(All, AppConfig, "Code/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json"),
            project(".kilocode/mcp.json"),
            // The Kilo CLI (@kilocode/cli 7.7.7) reads `.kilocode/mcp.json` and `.kilo/mcp.json`.
            project(".kilo/mcp.json").alt(),
        ]
    ),
    client!(
        "kiro",
        "Kiro",
        Json,
        StrictJson,
        WITH_DISABLED,
        ALL,
        [user(All, Home, ".kiro/settings/mcp.json"), project(".kiro/settings/mcp.json"),]
    ),
    client!(
        "copilot-cli",
        "GitHub Copilot CLI",
        Json,
        StrictJson,
        COPILOT_CLI,
        ALL,
        [user(All, COPILOT_DIR, "mcp-config.json"),]
    ),
    client!(
        "amp",
        "Amp",
        Jsonc,
        Jsonc,
        AMP,
        ALL,
        [
            // `amp mcp list` (@sourcegraph/amp 0.0.1790142911) reads `$XDG_CONFIG_HOME/amp/` or
            // `~/.config/amp/settings.json` and the workspace `.amp/settings.json` (from
            // subdirectories too); ampcode.com/manual: `%USERPROFILE%\.config\amp\settings.json`
            // on Windows (not checked: no Windows here).
            user(Unix, XdgConfig, "amp/settings.json"),
            user(Only(Windows), Home, ".config/amp/settings.json"),
            project(".amp/settings.json"),
        ]
    ),
    client!(
        "crush",
        "Crush",
        Json,
        StrictJson,
        CRUSH,
        ALL,
        [
            user(Unix, XdgConfig, "crush/crush.json"),
            user(Only(Windows), LocalAppData, "crush/crush.json"),
            project(".crush.json"),
            project("crush.json").alt(),
        ]
    ),
    // Trae follows the VS Code layout of its fork; unconfirmed beyond `mcpServers` in `User/mcp.json`.
    client!(
        "trae",
        "Trae",
        Json,
        StrictJson,
        OPTIONAL_TYPE,
        ALL,
        [user(All, AppConfig, "Trae/User/mcp.json"), project(".trae/mcp.json"),]
    ),
    client!(
        "antigravity",
        "Google Antigravity",
        Json,
        StrictJson,
        WINDSURF,
        ALL,
        [user(All, Home, ".gemini/antigravity/mcp_config.json"),]
    ),
    // Qoder documents only its settings UI; this is the file that UI writes (unconfirmed).
    client!(
        "qoder",
        "Qoder",
        Json,
        StrictJson,
        OPTIONAL_TYPE,
        ALL,
        [user(All, AppConfig, "Qoder/SharedClientCache/mcp.json"),]
    ),
    client!(
        "augment",
        "Augment (Auggie CLI)",
        Json,
        StrictJson,
        WITH_DISABLED,
        ALL,
        [user(All, Home, ".augment/settings.json"), project(".augment/settings.json"),]
    ),
    client!(
        "junie",
        "JetBrains Junie",
        Json,
        StrictJson,
        OPTIONAL_TYPE,
        ALL,
        [user(All, Home, ".junie/mcp/mcp.json"), project(".junie/mcp/mcp.json"),]
    ),
    client!(
        "amazon-q",
        "Amazon Q Developer",
        Json,
        StrictJson,
        AMAZON_Q,
        ALL,
        [user(All, Home, ".aws/amazonq/mcp.json"), project(".amazonq/mcp.json"),]
    ),
    client!(
        "droid",
        "Factory Droid",
        Json,
        StrictJson,
        DROID,
        ALL,
        [user(All, Home, ".factory/mcp.json"), project(".factory/mcp.json"),]
    ),
    client!(
        "qwen-code",
        "Qwen Code",
        Json,
        JsonComments,
        QWEN,
        ALL,
        [user(All, Home, ".qwen/settings.json"), project(".qwen/settings.json"),]
    ),
];
