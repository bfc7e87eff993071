//! Turning literal secrets found on import into references: each secret-looking literal
//! (as `dialects::secret_like_values` finds them) is stored in the secret store and replaced
//! by `${secret:NAME}` (a `Bearer` prefix is kept outside the reference).

use serde_json::Value;

use crate::secrets::{SecretStore, SecretValue};

/// One literal moved into the secret store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MovedSecret {
    /// Where it was.
    pub pointer: String,
    /// The secret's name; the document now says `${secret:NAME}`.
    pub secret: String,
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn sanitize(text: &str) -> String {
    let mut out: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out.truncate(100);
    out
}

/// A name for the secret at `pointer`: the env key itself (`GITHUB_TOKEN`), else the server
/// and the field (`GITHUB_AUTHORIZATION`, `NEON_ARG_5`).
fn base_name(segments: &[String]) -> String {
    match segments {
        [_, server, field, key] if field == "env" => {
            let _ = server;
            sanitize(key)
        }
        [_, server, field, key] if field == "args" => sanitize(&format!("{server}_ARG_{key}")),
        // A field already named after its server (`CONTEXT7_API_KEY` of `context7`) is not
        // prefixed twice.
        [_, server, .., last] if sanitize(last).starts_with(&format!("{}_", sanitize(server))) => sanitize(last),
        [_, server, .., last] => sanitize(&format!("{server}_{last}")),
        _ => "SECRET".to_owned(),
    }
}

/// Moves every literal secret of `document` into `store`; returns what moved. The store is
/// changed in memory only: the caller saves it.
pub fn extract_secrets(document: &mut Value, store: &mut SecretStore) -> Vec<MovedSecret> {
    let mut moved = reference_stored_values(document, store);
    for pointer in dialects::secret_like_values(document) {
        let Some(slot) = document.pointer_mut(&pointer) else { continue };
        let Some(text) = slot.as_str().map(str::to_owned) else { continue };
        if dialects::url_holds_secret(&text) && !text.trim_start().starts_with("Bearer ") {
            // Only the URL's password and secret query values move (below); the URL stays.
            continue;
        }
        let (prefix, secret) = match text.strip_prefix("Bearer ") {
            Some(token) if !token.is_empty() => ("Bearer ", token.to_owned()),
            _ => ("", text.clone()),
        };
        let segments: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        let base = base_name(&segments);
        let existing = store.names().into_iter().find(|n| store.get(n).is_some_and(|v| v.expose() == secret));
        let name = existing.unwrap_or_else(|| {
            let mut candidate = base.clone();
            let mut n = 2;
            while store.get(&candidate).is_some() {
                candidate = format!("{base}_{n}");
                n += 1;
            }
            store.set(&candidate, SecretValue::new(secret));
            candidate
        });
        *slot = Value::String(format!("{prefix}${{secret:{name}}}"));
        moved.push(MovedSecret { pointer, secret: name });
    }
    moved.extend(extract_url_secrets(document, store));
    moved
}

/// A name for a new secret based on `base`, or the name of a stored secret with this value.
fn store_as(store: &mut SecretStore, base: &str, secret: &str) -> String {
    if let Some(existing) = store.names().into_iter().find(|n| store.get(n).is_some_and(|v| v.expose() == secret)) {
        return existing;
    }
    let mut candidate = base.to_owned();
    let mut n = 2;
    while store.get(&candidate).is_some() {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    store.set(&candidate, SecretValue::new(secret.to_owned()));
    candidate
}

/// Moves the password of a URL's user info and the values of its secret-looking query
/// parameters (`?api_key=…`) into the store, in every string of every server (URLs in `args`,
/// `url`, `env`).
fn extract_url_secrets(document: &mut Value, store: &mut SecretStore) -> Vec<MovedSecret> {
    let mut moved = Vec::new();
    let Some(servers) = document.get_mut("mcpServers").and_then(Value::as_object_mut) else { return moved };
    for (server, entry) in servers.iter_mut() {
        let mut strings = Vec::new();
        collect_strings(entry, format!("/mcpServers/{}", server.replace('~', "~0").replace('/', "~1")), &mut strings);
        for pointer in strings {
            let Some(slot) = document_slot(entry, &pointer, server) else { continue };
            let Some(text) = slot.as_str().map(str::to_owned) else { continue };
            if !text.contains("://") {
                continue;
            }
            let mut parts: Vec<(String, String)> = Vec::new();
            if let Some(password) = crate::diff::redact::url_password(&text) {
                parts.push((format!("{}_URL_PASSWORD", sanitize(server)), password.to_owned()));
            }
            for (name, value) in crate::diff::redact::secret_query_parameters(&text) {
                parts.push((sanitize(&format!("{server}_{name}")), value.to_owned()));
            }
            let mut out = text.clone();
            for (base, secret) in parts {
                let name = store_as(store, &base, &secret);
                out = out.replacen(&secret, &format!("${{secret:{name}}}"), 1);
                moved.push(MovedSecret { pointer: pointer.clone(), secret: name });
            }
            *slot = Value::String(out);
        }
    }
    moved
}

fn collect_strings(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| collect_strings(v, format!("{at}/{i}"), out)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| collect_strings(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        _ => {}
    }
}

/// The value at a document pointer (`/mcpServers/NAME/…`) inside server `server`'s entry.
fn document_slot<'a>(entry: &'a mut Value, pointer: &str, server: &str) -> Option<&'a mut Value> {
    let prefix = format!("/mcpServers/{}", server.replace('~', "~0").replace('/', "~1"));
    entry.pointer_mut(pointer.strip_prefix(&prefix)?)
}

/// The shortest stored value recognised where no secret-looking name marks it (shorter ones
/// would match by chance).
const MIN_STORED_LENGTH: usize = 6;

/// Replaces every value that is a stored secret's value (one this home wrote into the file,
/// or the user stored) by its reference, wherever it sits (`--config VALUE` included).
fn reference_stored_values(document: &mut Value, store: &SecretStore) -> Vec<MovedSecret> {
    let mut known: Vec<(String, String)> = store
        .names()
        .into_iter()
        .filter_map(|name| {
            let value = store.get(&name)?.expose().to_owned();
            (value.chars().count() >= MIN_STORED_LENGTH).then_some((name, value))
        })
        .collect();
    known.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    let mut moved = Vec::new();
    walk(document, String::new(), &known, &mut moved);
    moved
}

fn walk(value: &mut Value, at: String, known: &[(String, String)], moved: &mut Vec<MovedSecret>) {
    match value {
        Value::String(text) => {
            // Whole values only (and `Bearer VALUE`): a stored value found inside a longer
            // literal is left to the secret-shape rules, which move the literal whole.
            let (prefix, body) = match text.strip_prefix("Bearer ") {
                Some(rest) => ("Bearer ", rest),
                None => ("", text.as_str()),
            };
            if let Some((name, _)) = known.iter().find(|(_, secret)| secret == body) {
                moved.push(MovedSecret { pointer: at, secret: name.clone() });
                *text = format!("{prefix}${{secret:{name}}}");
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, format!("{at}/{i}"), known, moved);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                walk(item, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), known, moved);
            }
        }
        _ => {}
    }
}
