//! Import of MCP registry `server.json` files (the `$schema`
//! `static.modelcontextprotocol.io/schemas/…/server.schema.json` format) into catalog entries.
//!
//! Mapping:
//!
//! * `name` (reverse-DNS, `io.github.owner/server`) → the id is its last path segment in
//!   kebab case (`HuaweiAppGalleryMcp` → `huawei-app-gallery-mcp`); `title` (else that
//!   segment) → name; `websiteUrl` (else `repository.url`) → homepage; `version` →
//!   [`CatalogEntry::registry_version`].
//! * The first package this catalog can launch, in file order, wins: `registryType` `npm` →
//!   `npx -y`, `pypi` → `uvx`, `oci` → `docker run -i --rm`, over `stdio` transport.
//!   `runtimeArguments` become [`CatalogEntry::runtime_args`] and `packageArguments`
//!   [`CatalogEntry::args`]: fixed values are kept, `{var}` placeholders and value-less
//!   arguments become [`CatalogParameter`]s. `environmentVariables` keep `isRequired` and
//!   `isSecret`.
//! * With no usable package, the first remote: `streamable-http` → `http`, `sse` → `sse`;
//!   `headers` become [`CatalogHeader`]s (a secret one is rendered as `${secret:NAME}`), URL
//!   `variables` become parameters.
//!
//! Unknown fields are ignored. A text that is not a `server.json` is refused naming what is
//! missing.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{
    CatalogEntry, CatalogEnvVar, CatalogError, CatalogHeader, CatalogParameter, EntrySource, Launch,
    MAX_CATALOG_ID_LEN, ParameterTarget, Transport,
};

/// The fields of a `server.json` this import reads.
#[derive(Debug, Deserialize)]
struct ServerJson {
    name: String,
    description: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, rename = "websiteUrl")]
    website_url: Option<String>,
    #[serde(default)]
    repository: Option<Repository>,
    #[serde(default)]
    packages: Vec<Package>,
    #[serde(default)]
    remotes: Vec<Remote>,
}

#[derive(Debug, Deserialize)]
struct Repository {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Package {
    #[serde(rename = "registryType")]
    registry_type: String,
    #[serde(default, rename = "registryBaseUrl")]
    registry_base_url: Option<String>,
    identifier: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    transport: Option<PackageTransport>,
    #[serde(default, rename = "runtimeArguments")]
    runtime_arguments: Vec<Argument>,
    #[serde(default, rename = "packageArguments")]
    package_arguments: Vec<Argument>,
    #[serde(default, rename = "environmentVariables")]
    environment_variables: Vec<KeyValueInput>,
}

#[derive(Debug, Deserialize)]
struct PackageTransport {
    #[serde(rename = "type")]
    kind: String,
}

/// A `runtimeArguments`/`packageArguments` item: `positional` or `named`.
#[derive(Debug, Deserialize)]
struct Argument {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "valueHint")]
    value_hint: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default, rename = "isRequired")]
    is_required: bool,
    #[serde(default, rename = "isSecret")]
    is_secret: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, Input>,
}

/// A variable of a templated value.
#[derive(Debug, Deserialize)]
struct Input {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "isRequired")]
    is_required: bool,
    #[serde(default, rename = "isSecret")]
    is_secret: bool,
    #[serde(default)]
    default: Option<String>,
}

/// An environment variable or a header.
#[derive(Debug, Deserialize)]
struct KeyValueInput {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "isRequired")]
    is_required: bool,
    #[serde(default, rename = "isSecret")]
    is_secret: bool,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, Input>,
}

#[derive(Debug, Deserialize)]
struct Remote {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    #[serde(default)]
    headers: Vec<KeyValueInput>,
    #[serde(default)]
    variables: BTreeMap<String, Input>,
}

/// Reads a registry `server.json` into a catalog entry (marked imported; see the module
/// documentation for the mapping).
pub fn import_server_json(text: &str) -> Result<CatalogEntry, CatalogError> {
    let value: Value = serde_json::from_str(text).map_err(CatalogError::ServerJsonSyntax)?;
    check_shape(&value)?;
    let name_for_errors = value.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
    let server: ServerJson = serde_json::from_value(value)
        .map_err(|source| CatalogError::ServerJsonShape { name: name_for_errors, source })?;

    let last_segment = server.name.rsplit('/').next().unwrap_or(&server.name);
    let id = kebab_case(last_segment);
    if id.is_empty() {
        return Err(CatalogError::UnusableName { name: server.name.clone() });
    }

    let mut entry = CatalogEntry {
        id,
        name: server.title.clone().filter(|title| !title.trim().is_empty()).unwrap_or_else(|| last_segment.to_string()),
        description: server.description.clone(),
        transport: Transport::Stdio,
        launch: Launch::Remote { url: String::new() },
        runtime_args: Vec::new(),
        args: Vec::new(),
        parameters: Vec::new(),
        env: Vec::new(),
        headers: Vec::new(),
        tags: Vec::new(),
        homepage: server.website_url.clone().or_else(|| server.repository.as_ref().and_then(|r| r.url.clone())),
        deprecated: None,
        source: EntrySource::Imported,
        registry_name: Some(server.name.clone()),
        registry_version: server.version.clone(),
    };

    if let Some(package) = server.packages.iter().find(|package| package_launch(package).is_some()) {
        apply_package(&mut entry, package);
        return Ok(entry);
    }
    if let Some((remote, transport)) =
        server.remotes.iter().find_map(|remote| remote_transport(&remote.kind).map(|transport| (remote, transport)))
    {
        apply_remote(&mut entry, remote, transport);
        return Ok(entry);
    }
    let found = server
        .packages
        .iter()
        .map(|package| {
            let transport = package.transport.as_ref().map_or("stdio", |t| t.kind.as_str());
            format!("{} package over {transport}", package.registry_type)
        })
        .chain(server.remotes.iter().map(|remote| format!("{} remote", remote.kind)))
        .collect();
    Err(CatalogError::NoUsableLaunch { name: server.name, found })
}

/// Refuses a JSON value that is not a `server.json`, naming every missing field.
fn check_shape(value: &Value) -> Result<(), CatalogError> {
    let Some(object) = value.as_object() else {
        return Err(CatalogError::NotServerJson {
            missing: vec!["a top-level object (with name, description and packages or remotes)".into()],
        });
    };
    let mut missing = Vec::new();
    for field in ["name", "description"] {
        if !object.get(field).is_some_and(Value::is_string) {
            missing.push(format!("\"{field}\" (a string)"));
        }
    }
    if !object.contains_key("packages") && !object.contains_key("remotes") {
        missing.push("\"packages\" or \"remotes\"".into());
    }
    if missing.is_empty() { Ok(()) } else { Err(CatalogError::NotServerJson { missing }) }
}

/// The launch of a package this catalog can run over stdio, if any.
fn package_launch(package: &Package) -> Option<Launch> {
    let transport = package.transport.as_ref().map_or("stdio", |t| t.kind.as_str());
    if transport != "stdio" {
        return None;
    }
    let version = package.version.clone().filter(|version| !version.is_empty());
    match package.registry_type.as_str() {
        "npm" => Some(Launch::Npm { package: package.identifier.clone(), version }),
        "pypi" => Some(Launch::Pypi { package: package.identifier.clone(), version, executable: None }),
        "oci" => Some(Launch::Oci { image: oci_image(package) }),
        _ => None,
    }
}

/// The image reference of an OCI package: its registry host prefixed unless it is Docker
/// Hub's or already there, and `:version` appended unless it has a tag or digest.
fn oci_image(package: &Package) -> String {
    let mut image = package.identifier.clone();
    let first_segment = image.split('/').next().unwrap_or("");
    let has_host = image.contains('/') && (first_segment.contains('.') || first_segment.contains(':'));
    if let Some(base) = &package.registry_base_url {
        let host = base.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
        let docker_hub = matches!(host, "docker.io" | "registry-1.docker.io" | "index.docker.io" | "");
        if !docker_hub && !has_host {
            image = format!("{host}/{image}");
        }
    }
    let last_segment = image.rsplit('/').next().unwrap_or("");
    let has_tag = last_segment.contains(':') || image.contains('@');
    if let Some(version) = package.version.as_deref().filter(|v| !v.is_empty())
        && !has_tag
    {
        image = format!("{image}:{version}");
    }
    image
}

fn apply_package(entry: &mut CatalogEntry, package: &Package) {
    if let Some(launch) = package_launch(package) {
        entry.launch = launch;
    }
    entry.transport = Transport::Stdio;
    entry.tags = vec![package.registry_type.clone()];
    let (runtime_args, runtime_parameters) = arguments(&package.runtime_arguments, ParameterTarget::RuntimeArgs);
    let (args, parameters) = arguments(&package.package_arguments, ParameterTarget::Args);
    entry.runtime_args = runtime_args;
    entry.args = args;
    entry.parameters = merge_parameters(runtime_parameters.into_iter().chain(parameters));
    entry.env = package
        .environment_variables
        .iter()
        .map(|variable| CatalogEnvVar {
            name: variable.name.clone(),
            description: variable.description.clone().unwrap_or_default(),
            required: variable.is_required,
            secret: variable.is_secret,
            default: variable.value.clone().or_else(|| variable.default.clone()),
        })
        .collect();
}

/// Fixed arguments (with `{var}` placeholders kept) and the parameters they call for.
fn arguments(items: &[Argument], target: ParameterTarget) -> (Vec<String>, Vec<CatalogParameter>) {
    let mut fixed = Vec::new();
    let mut parameters = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let named = item.kind.as_deref() == Some("named");
        let description = item.description.clone().unwrap_or_default();
        match (&item.value, named, &item.name) {
            (Some(value), true, Some(flag)) => {
                fixed.push(flag.clone());
                fixed.push(value.clone());
                parameters.extend(variable_parameters(value, &item.variables, target));
            }
            (Some(value), _, _) => {
                fixed.push(value.clone());
                parameters.extend(variable_parameters(value, &item.variables, target));
            }
            (None, true, Some(flag)) => parameters.push(CatalogParameter {
                name: flag.trim_start_matches('-').to_string(),
                description,
                required: item.is_required,
                flag: Some(flag.clone()),
                default: item.default.clone(),
                secret: item.is_secret,
                target,
            }),
            (None, _, _) => parameters.push(CatalogParameter {
                name: item
                    .value_hint
                    .clone()
                    .or_else(|| item.name.clone())
                    .unwrap_or_else(|| format!("argument-{}", index + 1)),
                description,
                required: item.is_required,
                flag: None,
                default: item.default.clone(),
                secret: item.is_secret,
                target,
            }),
        }
    }
    (fixed, parameters)
}

/// The parameters for the `{var}` placeholders of a templated value.
fn variable_parameters(
    value: &str,
    variables: &BTreeMap<String, Input>,
    target: ParameterTarget,
) -> Vec<CatalogParameter> {
    variables
        .iter()
        .filter(|(name, _)| value.contains(&format!("{{{name}}}")))
        .map(|(name, input)| CatalogParameter {
            name: name.clone(),
            description: input.description.clone().unwrap_or_default(),
            required: input.is_required,
            flag: None,
            default: input.default.clone(),
            secret: input.is_secret,
            target,
        })
        .collect()
}

/// Drops later parameters whose name an earlier one already has (a variable used twice).
fn merge_parameters(parameters: impl Iterator<Item = CatalogParameter>) -> Vec<CatalogParameter> {
    let mut merged: Vec<CatalogParameter> = Vec::new();
    for parameter in parameters {
        if !merged.iter().any(|existing| existing.name == parameter.name) {
            merged.push(parameter);
        }
    }
    merged
}

fn remote_transport(kind: &str) -> Option<Transport> {
    match kind {
        "streamable-http" | "http" => Some(Transport::Http),
        "sse" => Some(Transport::Sse),
        _ => None,
    }
}

fn apply_remote(entry: &mut CatalogEntry, remote: &Remote, transport: Transport) {
    entry.transport = transport;
    entry.launch = Launch::Remote { url: remote.url.clone() };
    entry.tags = vec!["remote".into()];
    entry.parameters =
        merge_parameters(variable_parameters(&remote.url, &remote.variables, ParameterTarget::Args).into_iter());
    entry.headers = remote.headers.iter().map(header).collect();
}

/// A header: a value template with one `{var}` takes that variable's value; a fixed value
/// stays fixed unless the header is secret; no value takes the whole header's value.
fn header(input: &KeyValueInput) -> CatalogHeader {
    let description = input.description.clone().unwrap_or_default();
    let placeholders: Vec<(&String, &Input)> = match &input.value {
        Some(value) => input.variables.iter().filter(|(name, _)| value.contains(&format!("{{{name}}}"))).collect(),
        None => Vec::new(),
    };
    match (&input.value, placeholders.as_slice()) {
        (Some(value), [(variable, variable_input)]) => CatalogHeader {
            name: input.name.clone(),
            description: if description.is_empty() {
                variable_input.description.clone().unwrap_or_default()
            } else {
                description
            },
            required: input.is_required || variable_input.is_required,
            secret: input.is_secret || variable_input.is_secret,
            input: upper_snake_case(variable),
            format: Some(value.replace(&format!("{{{variable}}}"), "{value}")),
        },
        (Some(value), []) if !input.is_secret => CatalogHeader {
            name: input.name.clone(),
            description,
            required: input.is_required,
            secret: false,
            input: upper_snake_case(&input.name),
            format: Some(value.clone()),
        },
        _ => CatalogHeader {
            name: input.name.clone(),
            description,
            required: input.is_required,
            secret: input.is_secret,
            input: upper_snake_case(&input.name),
            format: None,
        },
    }
}

/// `X-API-Key` → `X_API_KEY`, `api_key` → `API_KEY`.
fn upper_snake_case(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// Kebab case for ids: a `-` between a lower-case letter or digit and an upper-case one, and
/// before the last capital of an acronym followed by lower case (`HTTPServer` → `http-server`);
/// any other character than an ASCII letter or digit is a separator; runs of `-` collapse; at
/// most [`MAX_CATALOG_ID_LEN`] characters.
pub(super) fn kebab_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.push('-');
            continue;
        }
        if c.is_ascii_uppercase() && index > 0 {
            let previous = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if c == '-' && (collapsed.is_empty() || collapsed.ends_with('-')) {
            continue;
        }
        collapsed.push(c);
    }
    collapsed.truncate(MAX_CATALOG_ID_LEN);
    collapsed.trim_end_matches('-').to_string()
}
