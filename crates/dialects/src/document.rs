//! The servers document, the client-neutral form of a server list:
//! `{"mcpServers": {name: entry}}`.
//!
//! An entry has, for stdio servers, `command` (string), `args` (strings), `env` (object of
//! strings) and `cwd`; for remote servers `type` (`"http"` = streamable HTTP, or `"sse"`),
//! `url` and `headers`; and in common `disabled` (bool) and `timeout` (seconds, a number).
//! `type` may also be `"stdio"` when the client file spelled it out. Fields of one client
//! that have no neutral meaning are kept verbatim under `clientOptions.<client-id>`.

use serde_json::{Map, Value};

use crate::error::DialectError;
use crate::transport::Transport;

/// The key of the server map in a servers document.
pub const SERVERS_KEY: &str = "mcpServers";
/// The key, inside an entry, of the per-client verbatim fields.
pub const CLIENT_OPTIONS_KEY: &str = "clientOptions";

/// The per-server field where `lock` records a server's pin and tool fingerprint: no dialect
/// writes it into a client's file, and entries compare equal without it.
pub const LOCK_KEY: &str = "lock";

/// The transport an entry asks for: its `type`, else stdio when it has a `command`, else
/// streamable HTTP when it has a `url`.
pub fn entry_transport(entry: &Map<String, Value>) -> Option<Transport> {
    if let Some(t) = entry.get("type").and_then(Value::as_str) {
        return Transport::from_neutral(t);
    }
    if entry.contains_key("command") {
        Some(Transport::Stdio)
    } else if entry.contains_key("url") {
        Some(Transport::Http)
    } else {
        None
    }
}

/// The server map of a servers document, checked entry by entry.
pub(crate) fn servers_of(doc: &Value) -> Result<&Map<String, Value>, DialectError> {
    let servers = doc
        .as_object()
        .ok_or_else(|| invalid("", "the servers document must be a JSON object"))?
        .get(SERVERS_KEY)
        .ok_or_else(|| invalid("", "the servers document has no `mcpServers` object"))?
        .as_object()
        .ok_or_else(|| invalid("/mcpServers", "`mcpServers` must be an object of named entries"))?;
    for (name, entry) in servers {
        check_entry(name, entry)?;
    }
    Ok(servers)
}

fn check_entry(name: &str, entry: &Value) -> Result<(), DialectError> {
    let at = |field: &str| format!("/mcpServers/{}/{field}", pointer_escape(name));
    let entry = entry.as_object().ok_or_else(|| invalid(at("").trim_end_matches('/'), "an entry must be an object"))?;
    let string = |field: &str| match entry.get(field) {
        None | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(invalid(&at(field), "must be a string")),
    };
    string("command")?;
    string("url")?;
    string("cwd")?;
    if let Some(t) = entry.get("type") {
        match t.as_str().and_then(Transport::from_neutral) {
            Some(_) => {}
            None => return Err(invalid(&at("type"), "must be \"stdio\", \"http\" or \"sse\"")),
        }
    }
    if let Some(args) = entry.get("args") {
        let ok = args.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        if !ok {
            return Err(invalid(&at("args"), "must be an array of strings"));
        }
    }
    for field in ["env", "headers"] {
        if let Some(map) = entry.get(field) {
            let ok = map.as_object().is_some_and(|m| m.values().all(Value::is_string));
            if !ok {
                return Err(invalid(&at(field), "must be an object of strings"));
            }
        }
    }
    if entry.get("disabled").is_some_and(|d| !d.is_boolean()) {
        return Err(invalid(&at("disabled"), "must be true or false"));
    }
    if entry.get("timeout").is_some_and(|t| !t.as_f64().is_some_and(|t| t >= 0.0)) {
        return Err(invalid(&at("timeout"), "must be a number of seconds"));
    }
    if let Some(options) = entry.get(CLIENT_OPTIONS_KEY) {
        let ok = options.as_object().is_some_and(|m| m.values().all(Value::is_object));
        if !ok {
            return Err(invalid(&at(CLIENT_OPTIONS_KEY), "must be an object of objects keyed by client id"));
        }
    }
    // An entry with neither `command` nor `url` is allowed here: it can be carried wholly by
    // `clientOptions` (e.g. a Cursor `transport` object); `validate` elsewhere is stricter.
    Ok(())
}

fn invalid(pointer: &str, message: &str) -> DialectError {
    DialectError::InvalidDocument { pointer: pointer.to_owned(), message: message.to_owned() }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn pointer_escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The verbatim fields of `client` in an entry, if any.
pub(crate) fn client_options<'a>(entry: &'a Map<String, Value>, client: &str) -> Option<&'a Map<String, Value>> {
    entry.get(CLIENT_OPTIONS_KEY)?.as_object()?.get(client)?.as_object()
}

/// Whether two entries mean the same to `client`: other clients' options are ignored, and
/// spellings with no effect (`disabled: false`, an explicit stdio `type`, empty `args`,
/// `env` or `headers`, an empty option object) count as absent.
pub(crate) fn same_for_client(a: &Map<String, Value>, b: &Map<String, Value>, client: &str) -> bool {
    normalized(a, client) == normalized(b, client)
}

fn normalized(entry: &Map<String, Value>, client: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in entry {
        let keep = match key.as_str() {
            "disabled" => value != &Value::Bool(false),
            "type" => !(value == "stdio" && entry.contains_key("command")),
            "args" => value.as_array().is_none_or(|a| !a.is_empty()),
            "env" | "headers" => value.as_object().is_none_or(|m| !m.is_empty()),
            CLIENT_OPTIONS_KEY | LOCK_KEY => false,
            _ => true,
        };
        if keep {
            let value = match (key.as_str(), value.as_f64()) {
                // Compare timeouts as numbers, whatever their spelling (1.0 vs 1).
                ("timeout", Some(t)) => serde_json::Number::from_f64(t).map_or(value.clone(), Value::Number),
                _ => value.clone(),
            };
            out.insert(key.clone(), value);
        }
    }
    if let Some(options) = client_options(entry, client).filter(|o| !o.is_empty()) {
        out.insert(CLIENT_OPTIONS_KEY.to_owned(), Value::Object(options.clone()));
    }
    out
}
