//! Adapting a servers document to one client before it is rendered into that client's file:
//! a remote server (streamable HTTP or SSE) the client cannot reach natively becomes an entry
//! that runs the built-in stdio↔HTTP bridge (`mcp-orchestration bridge URL --header K=V …`, with
//! `--transport sse` for an SSE server),
//! and a server nothing can make work in that client is left out with the reason. Nothing is
//! dropped silently: [`Adapted`] names every server bridged or skipped, and deploy, sync,
//! status and `get` report them.
//!
//! A bridge entry keeps the references of its headers as written (`${secret:NAME}`,
//! `${env:NAME}`): the bridge resolves them when the client starts it, so no secret value sits
//! in the client's file or on its command line. `resolve` leaves such entries alone
//! ([`Adapted::bridged`] is handed to it as `verbatim_servers`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use dialects::Transport;
use serde_json::{Map, Value, json};

/// The transports the built-in bridge forwards to.
pub const BRIDGED_TRANSPORTS: &[Transport] = &[Transport::Http, Transport::Sse];

/// How a bridge entry starts the bridge: the program and the home it reads secrets from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeCommand {
    /// The program a client runs (`mcp-orchestration`, or its absolute path).
    pub program: String,
    /// The home the bridge resolves `${secret:…}` references from (`--home`).
    pub home: Option<PathBuf>,
}

impl Default for BridgeCommand {
    fn default() -> Self {
        BridgeCommand { program: "mcp-orchestration".to_owned(), home: None }
    }
}

/// A server left out of a client's file, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The server's name.
    pub server: String,
    /// Why it cannot be written for this client.
    pub reason: String,
}

/// A servers document as one client can take it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Adapted {
    /// The document to render (bridge entries in place of unreachable remote servers).
    pub document: Value,
    /// Servers written as bridge entries.
    pub bridged: BTreeSet<String>,
    /// Servers left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// `document` adapted to `client_id`. A client the table does not know (or a document
/// without servers) is returned as it is.
pub fn for_client(client_id: &str, document: &Value, bridge: &BridgeCommand) -> Adapted {
    let mut adapted = Adapted { document: document.clone(), bridged: BTreeSet::new(), skipped: Vec::new() };
    let Some(client) = dialects::find(client_id) else { return adapted };
    let Some(servers) = adapted.document.get_mut("mcpServers").and_then(Value::as_object_mut) else {
        return adapted;
    };
    let mut leave_out = Vec::new();
    for (name, entry) in servers.iter_mut() {
        let Some(fields) = entry.as_object() else { continue };
        let Some(transport) = dialects::entry_transport(fields) else { continue };
        if client.supports(transport) {
            continue;
        }
        let url = fields.get("url").and_then(Value::as_str);
        if let Some(url) = url
            && BRIDGED_TRANSPORTS.contains(&transport)
            && client.supports(Transport::Stdio)
        {
            *entry = bridge_entry(fields, url, transport, bridge);
            adapted.bridged.insert(name.clone());
            continue;
        }
        let reason = if BRIDGED_TRANSPORTS.contains(&transport) {
            format!("{} cannot use the {} transport", client.display_name, transport.as_str())
        } else {
            format!(
                "{} cannot use the {} transport and the built-in bridge forwards only to streamable HTTP and SSE",
                client.display_name,
                transport.as_str()
            )
        };
        adapted.skipped.push(Skipped { server: name.clone(), reason });
        leave_out.push(name.clone());
    }
    for name in leave_out {
        servers.shift_remove(&name);
    }
    adapted
}

/// The stdio entry that runs the bridge to a remote server: `bridge URL [--transport sse]
/// --header K=V …`, the header values with their references as written, and the remote entry's
/// `disabled` and `timeout` kept.
fn bridge_entry(remote: &Map<String, Value>, url: &str, transport: Transport, bridge: &BridgeCommand) -> Value {
    let mut args = vec![json!("bridge"), json!(url)];
    if transport == Transport::Sse {
        args.push(json!("--transport"));
        args.push(json!("sse"));
    }
    if let Some(headers) = remote.get("headers").and_then(Value::as_object) {
        for (key, value) in headers {
            if let Some(value) = value.as_str() {
                args.push(json!("--header"));
                args.push(json!(format!("{key}={value}")));
            }
        }
    }
    if let Some(home) = &bridge.home {
        args.push(json!("--home"));
        args.push(json!(home.display().to_string()));
    }
    let mut entry = Map::new();
    entry.insert("command".into(), json!(bridge.program));
    entry.insert("args".into(), Value::Array(args));
    for key in ["disabled", "timeout"] {
        if let Some(value) = remote.get(key) {
            entry.insert(key.into(), value.clone());
        }
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({"mcpServers": {
            "local": {"command": "npx", "args": ["-y", "pkg"]},
            "remote": {"type": "http", "url": "https://mcp.example.com/mcp",
                       "headers": {"Authorization": "Bearer ${secret:TOKEN}"}, "disabled": true},
            "old": {"type": "sse", "url": "http://127.0.0.1:8931/sse"}
        }})
    }

    #[test]
    fn a_stdio_only_client_gets_a_bridge_for_http_and_one_with_transport_sse_for_sse() {
        let bridge = BridgeCommand { program: "/usr/bin/mcp-orchestration".into(), home: Some("/h".into()) };
        let adapted = for_client("claude-desktop", &doc(), &bridge);
        assert_eq!(adapted.bridged.iter().collect::<Vec<_>>(), ["old", "remote"]);
        assert!(adapted.skipped.is_empty(), "{:?}", adapted.skipped);
        assert_eq!(
            adapted.document["mcpServers"]["remote"],
            json!({"command": "/usr/bin/mcp-orchestration",
                   "args": ["bridge", "https://mcp.example.com/mcp", "--header", "Authorization=Bearer ${secret:TOKEN}", "--home", "/h"],
                   "disabled": true})
        );
        assert_eq!(
            adapted.document["mcpServers"]["old"],
            json!({"command": "/usr/bin/mcp-orchestration",
                   "args": ["bridge", "http://127.0.0.1:8931/sse", "--transport", "sse", "--home", "/h"]})
        );
        assert_eq!(adapted.document["mcpServers"]["local"], doc()["mcpServers"]["local"]);
    }

    #[test]
    fn a_client_with_http_but_not_sse_gets_only_the_sse_server_bridged() {
        // Codex speaks stdio and streamable HTTP, not SSE.
        let adapted = for_client("codex", &doc(), &BridgeCommand::default());
        assert_eq!(adapted.bridged.iter().collect::<Vec<_>>(), ["old"]);
        assert_eq!(adapted.document["mcpServers"]["remote"], doc()["mcpServers"]["remote"]);
        assert_eq!(
            adapted.document["mcpServers"]["old"]["args"],
            json!(["bridge", "http://127.0.0.1:8931/sse", "--transport", "sse"])
        );
    }

    #[test]
    fn a_client_that_speaks_every_transport_gets_the_document_unchanged() {
        let adapted = for_client("cursor", &doc(), &BridgeCommand::default());
        assert_eq!(adapted.document, doc());
        assert!(adapted.bridged.is_empty() && adapted.skipped.is_empty());
    }

    #[test]
    fn an_unknown_client_or_a_document_without_servers_is_left_as_it_is() {
        assert_eq!(for_client("_shared", &doc(), &BridgeCommand::default()).document, doc());
        assert_eq!(for_client("claude-desktop", &json!({}), &BridgeCommand::default()).document, json!({}));
    }
}
