//! MCP client dialects: the table of supported clients, where each keeps its config file,
//! how it spells its server list, and conversion between that file and the servers document.
//!
//! This crate knows nothing of signing, the store or the command line: it is handed file
//! bytes and host facts (OS, home directory, environment overrides) and returns documents
//! or new file bytes.

use serde::Serialize;

/// The file format a client's config file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Jsonc,
    Toml,
    Yaml,
}

/// One supported MCP client.
#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    /// Stable id used on the command line and in the home (`claude-desktop`, `cursor`, …).
    pub id: &'static str,
    /// Name shown to people.
    pub display_name: &'static str,
    /// Format of its config file.
    pub format: Format,
}

const CLIENTS: &[ClientInfo] = &[
    ClientInfo { id: "claude-desktop", display_name: "Claude Desktop", format: Format::Json },
    ClientInfo { id: "claude-code", display_name: "Claude Code", format: Format::Json },
    ClientInfo { id: "cursor", display_name: "Cursor", format: Format::Json },
    ClientInfo { id: "vscode", display_name: "VS Code", format: Format::Jsonc },
    ClientInfo { id: "windsurf", display_name: "Windsurf", format: Format::Json },
    ClientInfo { id: "gemini-cli", display_name: "Gemini CLI", format: Format::Json },
    ClientInfo { id: "codex", display_name: "Codex CLI", format: Format::Toml },
    ClientInfo { id: "zed", display_name: "Zed", format: Format::Jsonc },
    ClientInfo { id: "cline", display_name: "Cline", format: Format::Json },
    ClientInfo { id: "continue", display_name: "Continue", format: Format::Yaml },
    ClientInfo { id: "goose", display_name: "Goose", format: Format::Yaml },
    ClientInfo { id: "opencode", display_name: "OpenCode", format: Format::Jsonc },
    ClientInfo { id: "lm-studio", display_name: "LM Studio", format: Format::Json },
];

/// Every supported client, in a stable order.
pub fn all() -> &'static [ClientInfo] {
    CLIENTS
}

/// The client with this id, if supported.
pub fn find(id: &str) -> Option<&'static ClientInfo> {
    CLIENTS.iter().find(|c| c.id == id)
}
