//! Rendering a catalog entry into a servers-document entry: `npx -y PACKAGE`, `uvx PACKAGE`,
//! `docker run -i --rm IMAGE` or `{"type", "url", "headers"}`, with parameters filled in and
//! every secret input written as a `${secret:NAME}` reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use super::*;

/// A rendered servers-document entry, and the literal secrets the caller gave that must be
/// stored (under their names) for the `${secret:NAME}` references in it to resolve.
///
/// `Debug` shows the names of the secrets, never their values.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedServer {
    /// `{"command", "args", "env"}` or `{"type", "url", "headers"}`.
    pub server: Value,
    /// Secret name to literal value, for the caller's secret store.
    pub secrets_to_store: BTreeMap<String, String>,
}

impl fmt::Debug for RenderedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedServer")
            .field("server", &self.server)
            .field(
                "secrets_to_store",
                &self.secrets_to_store.keys().map(|name| (name, "<redacted>")).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The reference a secret named `name` is written as.
pub fn secret_reference(name: &str) -> String {
    format!("${{secret:{name}}}")
}

/// True for a value that is already a `${secret:…}` or `${env:…}` reference (kept as given).
fn is_reference(value: &str) -> bool {
    (value.starts_with("${secret:") || value.starts_with("${env:")) && value.ends_with('}') && !value[2..].contains('{')
}

/// The secret name of a secret parameter: `<ID>_<NAME>` in upper snake case.
pub fn parameter_secret_name(server_id: &str, parameter: &str) -> String {
    format!("{server_id}_{parameter}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect()
}

/// How one input (parameter, variable or header value) comes out.
enum Resolved {
    /// Its text in the entry.
    Value(String),
    /// Not given and not needed: left out.
    Absent,
    /// Needed and not given.
    Missing,
}

/// Resolves one input: a given reference is kept; a given literal secret becomes a reference
/// (and is recorded to be stored); a required secret not given becomes a reference; otherwise
/// the given value, then `default`, else absent (optional) or missing (required).
fn resolve_input(
    secret_name: &str,
    secret: bool,
    required: bool,
    default: Option<&str>,
    given: Option<&String>,
    secrets_to_store: &mut BTreeMap<String, String>,
) -> Resolved {
    match given {
        Some(value) if is_reference(value) => Resolved::Value(value.clone()),
        Some(value) if secret => {
            secrets_to_store.insert(secret_name.to_string(), value.clone());
            Resolved::Value(secret_reference(secret_name))
        }
        Some(value) => Resolved::Value(value.clone()),
        None if secret && required => Resolved::Value(secret_reference(secret_name)),
        None => match default {
            Some(default) => Resolved::Value(default.to_string()),
            None if required => Resolved::Missing,
            None => Resolved::Absent,
        },
    }
}

/// Replaces each `{name}` of a known parameter in `text` by its value.
fn substitute(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The parameters referenced as `{name}` in the entry's arguments or URL.
fn placeholder_parameters(entry: &CatalogEntry) -> BTreeSet<&str> {
    let mut texts: Vec<&str> = entry.args.iter().chain(&entry.runtime_args).map(String::as_str).collect();
    if let Launch::Remote { url } = &entry.launch {
        texts.push(url);
    }
    entry
        .parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .filter(|name| texts.iter().any(|text| text.contains(&format!("{{{name}}}"))))
        .collect()
}

/// Renders `entry` as a servers-document entry (SPEC §5.1) with the given parameter values
/// and environment (or, for a remote, header input) values.
///
/// * stdio: `{"command": "npx"|"uvx"|"docker", "args": [...], "env": {...}}` (`env` only
///   when not empty). Packages are not pinned: `npx -y PACKAGE`, `uvx PACKAGE`. For an OCI
///   image each variable is also passed through with `-e NAME` before the image.
/// * remote: `{"type": "http"|"sse", "url": ..., "headers": {...}}` (`headers` only when not empty).
///
/// Secret variables, headers and parameters never hold literals: a required one not given is
/// written as `${secret:NAME}`, a given literal is written as that reference too and returned
/// in [`RenderedServer::secrets_to_store`]; an optional secret not given is left out. A given
/// `${secret:…}`/`${env:…}` reference is kept as it is. Non-secret values are written as
/// given; a required one with no value falls back to its default.
///
/// Refused: names the entry does not declare ([`CatalogError::UnknownInputs`]), and any
/// needed value that is absent ([`CatalogError::MissingParameters`], listing all of them).
pub fn entry_to_server(
    entry: &CatalogEntry,
    params: &BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
) -> Result<RenderedServer, CatalogError> {
    validate_entry(entry)?;
    check_known_inputs(entry, params, env)?;

    let mut secrets_to_store = BTreeMap::new();
    let mut missing = Vec::new();

    // Parameters: placeholder values, then appended arguments per target.
    let placeholders = placeholder_parameters(entry);
    let mut placeholder_values: BTreeMap<&str, String> = BTreeMap::new();
    let mut appended_args = Vec::new();
    let mut appended_runtime_args = Vec::new();
    for parameter in &entry.parameters {
        let is_placeholder = placeholders.contains(parameter.name.as_str());
        let secret_name = parameter_secret_name(&entry.id, &parameter.name);
        // A placeholder cannot be left out without breaking its argument: it is needed.
        let required = parameter.required || is_placeholder;
        let resolved = resolve_input(
            &secret_name,
            parameter.secret,
            required,
            parameter.default.as_deref(),
            params.get(&parameter.name),
            &mut secrets_to_store,
        );
        let value = match resolved {
            Resolved::Value(value) => value,
            Resolved::Absent => continue,
            Resolved::Missing => {
                missing.push(parameter.name.clone());
                continue;
            }
        };
        if is_placeholder {
            placeholder_values.insert(parameter.name.as_str(), value);
            continue;
        }
        let list = match parameter.target {
            ParameterTarget::Args => &mut appended_args,
            ParameterTarget::RuntimeArgs => &mut appended_runtime_args,
        };
        if let Some(flag) = &parameter.flag {
            list.push(flag.clone());
        }
        list.push(value);
    }

    // Environment variables.
    let mut env_values = Map::new();
    for variable in &entry.env {
        let resolved = resolve_input(
            &variable.name,
            variable.secret,
            variable.required,
            // An optional variable's default is the server's own: it is not written out.
            variable.default.as_deref().filter(|_| variable.required),
            env.get(&variable.name),
            &mut secrets_to_store,
        );
        match resolved {
            Resolved::Value(value) => {
                env_values.insert(variable.name.clone(), Value::String(value));
            }
            Resolved::Absent => {}
            Resolved::Missing => missing.push(variable.name.clone()),
        }
    }

    // Headers.
    let mut header_values = Map::new();
    for header in &entry.headers {
        let format = header.format.as_deref().unwrap_or("{value}");
        if !format.contains("{value}") {
            header_values.insert(header.name.clone(), Value::String(format.to_string()));
            continue;
        }
        let resolved = resolve_input(
            &header.input,
            header.secret,
            header.required,
            None,
            env.get(&header.input),
            &mut secrets_to_store,
        );
        match resolved {
            Resolved::Value(value) => {
                header_values.insert(header.name.clone(), Value::String(format.replace("{value}", &value)));
            }
            Resolved::Absent => {}
            Resolved::Missing => missing.push(header.input.clone()),
        }
    }

    if !missing.is_empty() {
        return Err(CatalogError::MissingParameters { server_id: entry.id.clone(), missing });
    }

    let mut server = Map::new();
    match &entry.launch {
        Launch::Remote { url } => {
            server.insert("type".into(), Value::String(entry.transport.as_str().into()));
            server.insert("url".into(), Value::String(substitute(url, &placeholder_values)));
            if !header_values.is_empty() {
                server.insert("headers".into(), Value::Object(header_values));
            }
        }
        Launch::Npm { .. } | Launch::Pypi { .. } | Launch::Oci { .. } => {
            let runtime: Vec<String> = entry
                .runtime_args
                .iter()
                .map(|arg| substitute(arg, &placeholder_values))
                .chain(appended_runtime_args)
                .collect();
            let server_args = entry.args.iter().map(|arg| substitute(arg, &placeholder_values)).chain(appended_args);
            let (command, mut args) = local_command(&entry.launch, runtime, env_values.keys());
            args.extend(server_args);
            server.insert("command".into(), Value::String(command.into()));
            server.insert("args".into(), Value::Array(args.into_iter().map(Value::String).collect()));
            if !env_values.is_empty() {
                server.insert("env".into(), Value::Object(env_values));
            }
        }
    }
    Ok(RenderedServer { server: Value::Object(server), secrets_to_store })
}

/// The command and the arguments up to the package or image (included) of a local launch:
/// `npx -y [RUNTIME] PACKAGE`, `uvx [RUNTIME] PACKAGE` (or `--from PACKAGE EXECUTABLE`),
/// `docker run -i --rm [RUNTIME] [-e NAME]... IMAGE`. A remote launch has none.
fn local_command<'a>(
    launch: &Launch,
    runtime: Vec<String>,
    env_names: impl Iterator<Item = &'a String>,
) -> (&'static str, Vec<String>) {
    match launch {
        Launch::Npm { package, .. } => ("npx", [vec!["-y".to_string()], runtime, vec![package.clone()]].concat()),
        Launch::Pypi { package, executable, .. } => {
            let target = match executable {
                Some(executable) if executable != package => {
                    vec!["--from".to_string(), package.clone(), executable.clone()]
                }
                _ => vec![package.clone()],
            };
            ("uvx", [runtime, target].concat())
        }
        Launch::Oci { image } => {
            let mut args: Vec<String> = vec!["run".into(), "-i".into(), "--rm".into()];
            args.extend(runtime);
            for name in env_names {
                args.push("-e".into());
                args.push(name.clone());
            }
            args.push(image.clone());
            ("docker", args)
        }
        Launch::Remote { .. } => ("", Vec::new()),
    }
}

fn check_known_inputs(
    entry: &CatalogEntry,
    params: &BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
) -> Result<(), CatalogError> {
    let known_params: Vec<String> = entry.parameters.iter().map(|p| p.name.clone()).collect();
    let unknown_params: Vec<String> = params.keys().filter(|name| !known_params.contains(name)).cloned().collect();
    if !unknown_params.is_empty() {
        return Err(CatalogError::UnknownInputs {
            server_id: entry.id.clone(),
            is_env: false,
            unknown: unknown_params,
            known: known_params,
        });
    }
    let known_env: Vec<String> =
        entry.env.iter().map(|v| v.name.clone()).chain(entry.headers.iter().map(|h| h.input.clone())).collect();
    let unknown_env: Vec<String> = env.keys().filter(|name| !known_env.contains(name)).cloned().collect();
    if !unknown_env.is_empty() {
        return Err(CatalogError::UnknownInputs {
            server_id: entry.id.clone(),
            is_env: true,
            unknown: unknown_env,
            known: known_env,
        });
    }
    Ok(())
}
