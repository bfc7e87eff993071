//! Resolving references in a servers document when it is written into a client file:
//! `${env:NAME}` from the environment the adapter hands in, `${secret:NAME}` from the secret
//! store. Other `${…}` forms (a client's own `${VAR}` expansion) are left for the client.
//! An unresolvable reference refuses the write: a client would not expand it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::secrets::{self, SecretStore, SecretValue};

/// A document with its references resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The document to write.
    pub document: Value,
    /// True when a `${secret:…}` value was written into it (the file must be 0600).
    pub holds_secrets: bool,
    /// The secret values written into it, by name, so that output can redact them.
    pub secrets_used: Vec<(String, SecretValue)>,
}

impl Resolved {
    /// `text` with every secret value written into the document replaced by `«secret:NAME»`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.secrets_used {
            if !value.expose().is_empty() {
                out = out.replace(value.expose(), &format!("«secret:{name}»"));
            }
        }
        out
    }
}

/// One reference found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `env` or `secret`.
    pub kind: String,
    /// The variable or secret name.
    pub name: String,
}

/// The `${env:…}` and `${secret:…}` references in a string, in order.
pub fn references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        if let Some((kind, name)) = inner.split_once(':')
            && matches!(kind, "env" | "secret")
            && secrets::valid_name(name)
        {
            out.push(Reference { kind: kind.to_owned(), name: name.to_owned() });
        }
        rest = &after[end + 1..];
    }
    out
}

/// How references are resolved for one client.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Write `${env:NAME}` in the client's own syntax instead of resolving it: the client
    /// expands it itself when it starts the server.
    pub client_env: Option<dialects::EnvExpansion>,
}

/// Resolves every reference of `document`.
pub fn resolve(
    document: &Value,
    env: &BTreeMap<String, String>,
    store: &SecretStore,
    options: Options,
) -> Result<Resolved> {
    let mut used = Vec::new();
    let document = walk(document, At::Root, env, store, options, &mut used)?;
    Ok(Resolved { document, holds_secrets: !used.is_empty(), secrets_used: used })
}

/// Where a value is, as a chain of segments on the stack (the pointer is only built for an
/// error message).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => format!("{}/{}", parent.pointer(), key.replace('~', "~0").replace('/', "~1")),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

fn walk(
    value: &Value,
    at: At<'_>,
    env: &BTreeMap<String, String>,
    store: &SecretStore,
    options: Options,
    used: &mut Vec<(String, SecretValue)>,
) -> Result<Value> {
    Ok(match value {
        Value::String(text) if text.contains("${") => Value::String(substitute(text, &at, env, store, options, used)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| walk(v, At::Index(&at, i), env, store, options, used))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), walk(v, At::Key(&at, k), env, store, options, used)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn substitute(
    text: &str,
    at: &At<'_>,
    env: &BTreeMap<String, String>,
    store: &SecretStore,
    options: Options,
    used: &mut Vec<(String, SecretValue)>,
) -> Result<String> {
    let refs = references(text);
    if refs.is_empty() {
        return Ok(text.to_owned());
    }
    let mut out = text.to_owned();
    for r in refs {
        if r.kind == "env"
            && let Some(syntax) = options.client_env
        {
            out = out.replace(&format!("${{env:{}}}", r.name), &syntax.reference(&r.name));
            continue;
        }
        let value = match r.kind.as_str() {
            "env" => env.get(&r.name).cloned(),
            _ => store.get(&r.name).map(|v| {
                if !used.iter().any(|(n, _)| *n == r.name) {
                    used.push((r.name.clone(), v.clone()));
                }
                v.expose().to_owned()
            }),
        };
        let Some(value) = value else {
            let hint = if r.kind == "env" {
                format!("export {} before running, or use ${{secret:{}}}", r.name, r.name)
            } else {
                format!("store it with `mcp-orchestration secrets set {}`", r.name)
            };
            return Err(Error::Validation {
                pointer: at.pointer(),
                message: format!("${{{}:{}}} cannot be resolved: {hint}", r.kind, r.name),
            });
        };
        out = out.replace(&format!("${{{}:{}}}", r.kind, r.name), &value);
    }
    Ok(out)
}
