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
        [_, server, .., last] => sanitize(&format!("{server}_{last}")),
        _ => "SECRET".to_owned(),
    }
}

/// Moves every literal secret of `document` into `store`; returns what moved. The store is
/// changed in memory only: the caller saves it.
pub fn extract_secrets(document: &mut Value, store: &mut SecretStore) -> Vec<MovedSecret> {
    let mut moved = Vec::new();
    for pointer in dialects::secret_like_values(document) {
        let Some(slot) = document.pointer_mut(&pointer) else { continue };
        let Some(text) = slot.as_str().map(str::to_owned) else { continue };
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
    moved
}
