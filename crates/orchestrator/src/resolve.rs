//! Resolving references in a servers document when it is written into a client file:
//! `${env:NAME}` from the environment the adapter hands in, `${secret:NAME}` from the secret
//! store. Other `${…}` forms (a client's own `${VAR}` expansion) are left for the client.
//! An unresolvable reference refuses the write: a client would not expand it.
//!
//! Output never shows resolved values: [`shown`] gives a document as previews and `render`
//! show it (references kept, in the client's own syntax where the client expands them), and
//! [`Resolved`] lists every value it put in, so output can mask them (`diff::shown`).
//! `Options::env_allowlist` limits which environment variables may be resolved at all (the
//! MCP server passes the home's allowlist, so a model cannot have a variable's value written
//! into a file or a command line of its choosing).

use std::collections::{BTreeMap, BTreeSet};

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
    /// The environment values written into it, by variable name, likewise.
    pub env_used: Vec<(String, String)>,
    /// Secrets written as the client's own environment reference instead of their values
    /// (`${NAME}`, `${env:NAME}`): the client reads them from its environment, so they must
    /// be exported where it starts (or the client started by `mcp-orchestration exec`).
    pub client_reads_from_env: Vec<String>,
    /// Secrets written as `${input:NAME}`: the client prompts for them once (VS Code).
    pub client_prompts_for: Vec<String>,
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
pub struct Options<'a> {
    /// Write `${env:NAME}` in the client's own syntax instead of resolving it: the client
    /// expands it itself when it starts the server.
    pub client_env: Option<dialects::EnvExpansion>,
    /// When set, only these environment variables may be resolved; any other `${env:NAME}`
    /// is refused with the command that allows it.
    pub env_allowlist: Option<&'a BTreeSet<String>>,
    /// Write `${secret:NAME}` as the client's own reference to `NAME` instead of its value,
    /// so the secret never sits in the file.
    pub secret_indirection: Option<SecretIndirection>,
    /// Servers whose references stay as written (bridge entries: the bridge resolves them
    /// when it starts); their `${secret:…}` names must still be in the store.
    pub verbatim_servers: Option<&'a BTreeSet<String>>,
}

/// How a client takes a secret without it sitting in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretIndirection {
    /// From its environment, in `client_env`'s syntax (`${NAME}`, `${env:NAME}`).
    ClientEnv,
    /// VS Code: `${input:NAME}` with a password prompt in the file's `inputs` (the dialect
    /// adds it); VS Code asks once and keeps the value in its own secret storage.
    Input,
    /// Codex: an env entry `NAME = "${secret:NAME}"` becomes `env_vars = ["NAME"]` (Codex
    /// passes the variable through from its own environment) and a header
    /// `Authorization: Bearer ${secret:NAME}` becomes `bearer_token_env_var = "NAME"`; a
    /// secret Codex cannot take that way is written as its value.
    CodexEnvVars,
}

impl<'a> Options<'a> {
    /// How references are resolved for a file of `client_id`: `${env:…}` in the client's own
    /// syntax where it expands variables, and `${secret:…}` likewise where that keeps the
    /// secret out of the file (Cursor `${env:NAME}`, Claude Code and Gemini CLI `${NAME}`,
    /// OpenCode `{env:NAME}`, VS Code `${input:NAME}`, Codex `env_vars`).
    pub fn for_client(client_id: &str, env_allowlist: Option<&'a BTreeSet<String>>) -> Self {
        let client_env = dialects::env_expansion(client_id);
        let secret_indirection = match client_id {
            "cursor" | "claude-code" | "gemini-cli" | "opencode" => Some(SecretIndirection::ClientEnv),
            "vscode" => Some(SecretIndirection::Input),
            "codex" => Some(SecretIndirection::CodexEnvVars),
            _ => None,
        };
        Options { client_env, env_allowlist, secret_indirection, verbatim_servers: None }
    }
}

/// What was put into a document while resolving it.
#[derive(Default)]
struct Used {
    secrets: Vec<(String, SecretValue)>,
    env: Vec<(String, String)>,
    client_env: Vec<String>,
    prompts: Vec<String>,
}

/// Resolves every reference of `document`.
pub fn resolve(
    document: &Value,
    env: &BTreeMap<String, String>,
    store: &SecretStore,
    options: Options<'_>,
) -> Result<Resolved> {
    let mut used = Used::default();
    let codex;
    let document = if options.secret_indirection == Some(SecretIndirection::CodexEnvVars) {
        codex = codex_env_vars(document, store, &mut used)?;
        &codex
    } else {
        document
    };
    let document = match options.verbatim_servers.filter(|v| !v.is_empty()) {
        Some(verbatim) => walk_keeping(document, verbatim, env, store, options, &mut used)?,
        None => walk(document, At::Root, env, store, options, &mut used)?,
    };
    Ok(Resolved {
        document,
        holds_secrets: !used.secrets.is_empty(),
        secrets_used: used.secrets,
        env_used: used.env,
        client_reads_from_env: used.client_env,
        client_prompts_for: used.prompts,
    })
}

/// [`walk`] of a document whose `verbatim` servers are kept as written, after checking that
/// every secret they name is in the store (the bridge would fail to start otherwise).
fn walk_keeping(
    document: &Value,
    verbatim: &BTreeSet<String>,
    env: &BTreeMap<String, String>,
    store: &SecretStore,
    options: Options<'_>,
    used: &mut Used,
) -> Result<Value> {
    let Value::Object(top) = document else { return walk(document, At::Root, env, store, options, used) };
    let mut out = serde_json::Map::with_capacity(top.len());
    for (key, value) in top {
        let at = At::Key(&At::Root, key);
        let walked = match (key.as_str(), value) {
            ("mcpServers", Value::Object(servers)) => {
                let mut kept = serde_json::Map::with_capacity(servers.len());
                for (name, entry) in servers {
                    let entry_at = At::Key(&at, name);
                    if verbatim.contains(name) {
                        check_secrets_stored(entry, &entry_at, store)?;
                        kept.insert(name.clone(), entry.clone());
                    } else {
                        kept.insert(name.clone(), walk(entry, entry_at, env, store, options, used)?);
                    }
                }
                Value::Object(kept)
            }
            _ => walk(value, at, env, store, options, used)?,
        };
        out.insert(key.clone(), walked);
    }
    Ok(Value::Object(out))
}

fn check_secrets_stored(value: &Value, at: &At<'_>, store: &SecretStore) -> Result<()> {
    match value {
        Value::String(text) => {
            for r in references(text).into_iter().filter(|r| r.kind == "secret") {
                if store.get(&r.name).is_none() {
                    return Err(Error::Validation {
                        pointer: at.pointer(),
                        message: format!(
                            "${{secret:{}}} cannot be resolved: store it with `mcp-orchestration secrets set {}`",
                            r.name, r.name
                        ),
                    });
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            items.iter().enumerate().try_for_each(|(i, v)| check_secrets_stored(v, &At::Index(at, i), store))
        }
        Value::Object(map) => map.iter().try_for_each(|(k, v)| check_secrets_stored(v, &At::Key(at, k), store)),
        _ => Ok(()),
    }
}

/// Codex's own indirection (see [`SecretIndirection::CodexEnvVars`]), applied to every entry
/// before the rest is resolved.
fn codex_env_vars(document: &Value, store: &SecretStore, used: &mut Used) -> Result<Value> {
    let mut out = document.clone();
    let Some(servers) = out.get_mut("mcpServers").and_then(Value::as_object_mut) else { return Ok(out) };
    for (server, entry) in servers.iter_mut() {
        let Some(entry) = entry.as_object_mut() else { continue };
        let mut env_vars: Vec<String> = Vec::new();
        if let Some(env) = entry.get_mut("env").and_then(Value::as_object_mut) {
            let passed: Vec<String> = env
                .iter()
                .filter(|(key, value)| value.as_str() == Some(&format!("${{secret:{key}}}")))
                .map(|(key, _)| key.clone())
                .collect();
            for key in passed {
                env.remove(&key);
                env_vars.push(key);
            }
        }
        if entry.get("env").and_then(Value::as_object).is_some_and(serde_json::Map::is_empty) {
            entry.remove("env");
        }
        let mut bearer = None;
        if let Some(headers) = entry.get_mut("headers").and_then(Value::as_object_mut) {
            let found = headers.iter().find_map(|(key, value)| {
                let name = value.as_str()?.strip_prefix("Bearer ${secret:")?.strip_suffix('}')?;
                (key.eq_ignore_ascii_case("authorization") && secrets::valid_name(name))
                    .then(|| (key.clone(), name.to_owned()))
            });
            if let Some((key, name)) = found {
                headers.remove(&key);
                bearer = Some(name);
            }
        }
        if entry.get("headers").and_then(Value::as_object).is_some_and(serde_json::Map::is_empty) {
            entry.remove("headers");
        }
        for name in env_vars.iter().chain(bearer.iter()) {
            if store.get(name).is_none() {
                return Err(Error::Validation {
                    pointer: format!("/mcpServers/{}", server.replace('~', "~0").replace('/', "~1")),
                    message: format!(
                        "${{secret:{name}}} cannot be resolved: store it with `mcp-orchestration secrets set {name}`"
                    ),
                });
            }
            if !used.client_env.contains(name) {
                used.client_env.push(name.clone());
            }
        }
        if env_vars.is_empty() && bearer.is_none() {
            continue;
        }
        let options = entry
            .entry("clientOptions")
            .or_insert_with(|| Value::Object(serde_json::Map::new()))
            .as_object_mut()
            .map(|o| o.entry("codex").or_insert_with(|| Value::Object(serde_json::Map::new())));
        if let Some(Value::Object(codex)) = options {
            if !env_vars.is_empty() {
                let list = codex.entry("env_vars").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = list {
                    for name in env_vars {
                        if !items.iter().any(|i| i.as_str() == Some(&name)) {
                            items.push(Value::String(name));
                        }
                    }
                }
            }
            if let Some(name) = bearer {
                codex.insert("bearer_token_env_var".to_owned(), Value::String(name));
            }
        }
    }
    Ok(out)
}

/// `document` as output shows it: `${secret:NAME}` kept, `${env:NAME}` kept or, for a client
/// that expands variables itself, in that client's syntax (what the file will hold).
pub fn shown(document: &Value, client_env: Option<dialects::EnvExpansion>) -> Value {
    match document {
        Value::String(text) if text.contains("${env:") => {
            let Some(syntax) = client_env else { return document.clone() };
            let mut out = text.clone();
            for r in references(text).into_iter().filter(|r| r.kind == "env") {
                out = out.replace(&format!("${{env:{}}}", r.name), &syntax.reference(&r.name));
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| shown(v, client_env)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shown(v, client_env))).collect()),
        other => other.clone(),
    }
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
    options: Options<'_>,
    used: &mut Used,
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
    options: Options<'_>,
    used: &mut Used,
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
        let indirect = match (r.kind.as_str(), options.secret_indirection, options.client_env) {
            ("secret", Some(SecretIndirection::ClientEnv), Some(syntax)) => {
                Some((syntax.reference(&r.name), &mut used.client_env))
            }
            ("secret", Some(SecretIndirection::Input), _) => {
                Some((format!("${{input:{}}}", r.name), &mut used.prompts))
            }
            _ => None,
        };
        if let Some((reference, names)) = indirect {
            if store.get(&r.name).is_none() {
                return Err(Error::Validation {
                    pointer: at.pointer(),
                    message: format!(
                        "${{secret:{}}} cannot be resolved: store it with `mcp-orchestration secrets set {}`",
                        r.name, r.name
                    ),
                });
            }
            out = out.replace(&format!("${{secret:{}}}", r.name), &reference);
            if !names.contains(&r.name) {
                names.push(r.name.clone());
            }
            continue;
        }
        if r.kind == "env"
            && let Some(allowed) = options.env_allowlist
            && !allowed.contains(&r.name)
        {
            return Err(Error::Validation {
                pointer: at.pointer(),
                message: format!(
                    "${{env:{}}} is not on this home's environment allowlist for MCP: run `mcp-orchestration secrets allow-env {}` to let MCP tools resolve it, or use ${{secret:{}}}",
                    r.name, r.name, r.name
                ),
            });
        }
        let value = match r.kind.as_str() {
            "env" => env
                .get(&r.name)
                .inspect(|v| {
                    if !used.env.iter().any(|(n, _)| *n == r.name) {
                        used.env.push((r.name.clone(), (*v).clone()));
                    }
                })
                .cloned(),
            _ => store.get(&r.name).map(|v| {
                if !used.secrets.iter().any(|(n, _)| *n == r.name) {
                    used.secrets.push((r.name.clone(), v.clone()));
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
