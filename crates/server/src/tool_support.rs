//! What the MCP tools share: argument size checks, the page a `limit`/`cursor` pair asks for,
//! result encoding, and the rows `list_clients` (and the `clients://` resources) return.

use std::collections::BTreeMap;

use orchestrator::ids::ClientId;
use orchestrator::page::{self, PageRequest};
use orchestrator::{ErrorKind, Orchestrator};
use serde_json::{Map, Value, json};

use crate::args::{MAX_ID_LEN, MAX_MAP_ENTRIES, MAX_TEXT_LEN};
use crate::error::ToolError;
use crate::host;

pub(crate) fn check_len(name: &str, value: &str, max: usize) -> Result<(), ToolError> {
    if value.len() > max {
        return Err(ToolError::usage(format!(
            "`{name}` is {} bytes long; the limit is {max}: pass a real id or a shorter text",
            value.len()
        )));
    }
    Ok(())
}

pub(crate) fn check_id(name: &str, value: &str) -> Result<(), ToolError> {
    check_len(name, value, MAX_ID_LEN)
}

pub(crate) fn check_map(name: &str, map: &BTreeMap<String, String>) -> Result<(), ToolError> {
    if map.len() > MAX_MAP_ENTRIES {
        return Err(ToolError::usage(format!("`{name}` has {} entries; the limit is {MAX_MAP_ENTRIES}", map.len())));
    }
    for (key, value) in map {
        check_len(&format!("{name} key"), key, MAX_ID_LEN)?;
        check_len(&format!("{name}.{key}"), value, MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// The page a tool's `limit` and `cursor` ask for (a limit out of range or a cursor this
/// listing did not give out is a usage failure).
pub(crate) fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest<'_>, ToolError> {
    if let Some(cursor) = cursor {
        check_len("cursor", cursor, MAX_TEXT_LEN)?;
    }
    Ok(PageRequest::new(limit.map(|l| l as usize), cursor, page::DEFAULT_LIMIT)?)
}

/// Most profile ids `list_clients` shows per client (`profile_count` says how many there are;
/// `list_profiles` pages through them).
pub const MAX_PROFILE_IDS: usize = 20;

pub(crate) fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, ToolError> {
    serde_json::to_value(value).map_err(|e| ToolError::new(ErrorKind::Other, format!("cannot encode the result: {e}")))
}

pub(crate) fn client_info(client_id: &str) -> Result<&'static dialects::ClientInfo, ToolError> {
    check_id("client_id", client_id)?;
    ClientId::parse(client_id).map_err(orchestrator::Error::from)?;
    dialects::find(client_id)
        .ok_or_else(|| ToolError::new(ErrorKind::NotFound, format!("unknown client {client_id}: call list_clients")))
}

/// The rows of `list_clients` for these clients (also the `clients://list` resource). A row
/// names at most [`MAX_PROFILE_IDS`] profile ids (from the cached listing of the client's heads
/// directory: no head file is read) and `profile_count`.
pub fn client_rows(core: &Orchestrator, facts: &dialects::HostFacts, clients: &[&dialects::ClientInfo]) -> Vec<Value> {
    let detected = dialects::detect(facts);
    clients
        .iter()
        .map(|client| {
            let found = detected.iter().find(|d| d.client_id == client.id);
            let paths: Vec<Value> = found
                .map(|d| d.locations.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|(l, presence)| {
                    json!({"scope": l.scope, "path": l.path, "placement": l.placement,
                           "alternative": l.alternative, "presence": presence})
                })
                .collect();
            // (`detect` resolved the same locations, `config_paths` order.)
            let location = found
                .map(|d| d.locations.as_slice())
                .unwrap_or_default()
                .iter()
                .find(|(l, _)| !l.alternative && l.scope == dialects::Scope::User)
                .map(|(l, _)| l.path.display().to_string());
            // Each scope the client has here, with the files of it that exist.
            let scopes = client.scopes(facts.os);
            let scope_files: serde_json::Map<String, Value> = scopes
                .iter()
                .map(|scope| {
                    let files: Vec<String> = found
                        .map(|d| d.locations.as_slice())
                        .unwrap_or_default()
                        .iter()
                        .filter(|(l, p)| l.scope == *scope && *p == dialects::Presence::File)
                        .map(|(l, _)| l.path.display().to_string())
                        .collect();
                    (scope.as_str().to_owned(), json!(files))
                })
                .collect();
            let names = core.profile_names(client.id).unwrap_or_default();
            let profile_ids: Vec<&str> = names.iter().take(MAX_PROFILE_IDS).map(|p| p.as_str()).collect();
            let mut row = json!({
                "client_id": client.id,
                "display_name": client.display_name,
                "platform": host::platform(),
                "config_location": location,
                "format": client.format,
                "transports": client.transports,
                "detected": found.is_some_and(|d| d.found()),
                "profile_ids": profile_ids,
                "profile_count": names.len(),
                "scopes": scopes,
                "scope_files": scope_files,
                "config_paths": paths,
            });
            if names.len() > MAX_PROFILE_IDS {
                row["more_profiles"] = json!(format!(
                    "{} more: call list_profiles with client_id {} to page through them",
                    names.len() - MAX_PROFILE_IDS,
                    client.id
                ));
            }
            row
        })
        .collect()
}

/// Every client, in table order.
pub fn all_clients() -> Vec<&'static dialects::ClientInfo> {
    dialects::all().iter().collect()
}

pub(crate) fn with_cursor(mut value: Value, next_cursor: Option<String>) -> Value {
    value["next_cursor"] = json!(next_cursor);
    value
}

// ---------------------------------------------------------------------------------------------
// Argument structs. Doc comments are the descriptions a model reads.

pub(crate) fn meta_of(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v.chars().take(64).collect::<String>()))).collect()
}
