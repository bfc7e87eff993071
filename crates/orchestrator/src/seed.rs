//! The sample servers seeded into every client's `default` profile by `init-configs`.
//!
//! They are stdio servers every client supports, launched the usual way (`npx -y` for npm
//! packages, `uvx` for PyPI packages), with secrets only as `${env:…}` references.

use serde_json::{Value, json};

/// The servers document of a freshly seeded `default` profile.
pub fn default_servers() -> Value {
    json!({
        "mcpServers": {
            "filesystem": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-filesystem", "${env:HOME}"]
            },
            "memory": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-memory"]
            },
            "fetch": {
                "command": "uvx",
                "args": ["mcp-server-fetch"]
            }
        }
    })
}
