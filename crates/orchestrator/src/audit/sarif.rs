//! `audit --ci --format sarif`: the report as a SARIF 2.1.0 log, the format GitHub code
//! scanning (`github/codeql-action/upload-sarif`) and other CI tools read.
//!
//! One run; `tool.driver` with the program's name, version and information URI and every rule
//! (the fixed ones of [`super::RULES`], then each policy rule that has a result); one result
//! per finding with `ruleId`, `ruleIndex`, `level`, `message.text` and one location: the
//! file's URI (a project file inside the source root relative to it under `%SRCROOT%`, as
//! code scanning wants for files of the repository; else an absolute `file://` URI) and, when
//! the server's entry was found, its line as the region. The client, scope, server and profile
//! are in the result's property bag.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{CiReport, RULES};

/// The `$schema` of the log: the OASIS SARIF 2.1.0 schema (errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The uriBaseId of files inside the source root.
const SRCROOT: &str = "%SRCROOT%";

/// What the log says of the program that wrote it.
#[derive(Debug, Clone, Copy)]
pub struct ToolInfo<'a> {
    /// The program's name.
    pub name: &'a str,
    /// Its version.
    pub version: &'a str,
    /// Where to read about it.
    pub information_uri: &'a str,
}

fn rule_descriptor(id: &str, short: &str, help: &str) -> Value {
    json!({
        "id": id,
        "name": id.replace(['/', '.', '-'], "_"),
        "shortDescription": {"text": short},
        "fullDescription": {"text": short},
        "help": {"text": help},
    })
}

/// The URI of `file` and its base: a project file inside `src_root` relative under
/// `%SRCROOT%`, anything else absolute (a user's own file is never the repository's, even when
/// CI runs from HOME). A path that is not absolute (never, for detected files) is given as is.
fn location_uri(file: &str, project: bool, src_root: Option<&Path>) -> (String, Option<&'static str>) {
    let path = Path::new(file);
    if project
        && let Some(root) = src_root
        && let (Ok(base), Ok(target)) = (url::Url::from_directory_path(root), url::Url::from_file_path(path))
        && path.starts_with(root)
        && let Some(relative) = base.make_relative(&target)
    {
        return (relative, Some(SRCROOT));
    }
    match url::Url::from_file_path(path) {
        Ok(url) => (url.to_string(), None),
        Err(()) => (file.to_owned(), None),
    }
}

/// The SARIF 2.1.0 log of `report`; `src_root` is the directory CI checked out (files inside
/// it get URIs relative to it).
pub fn to_sarif(report: &CiReport, tool: &ToolInfo<'_>, src_root: Option<&Path>) -> Value {
    let mut rules: Vec<Value> = RULES.iter().map(|r| rule_descriptor(r.id, r.short, r.help)).collect();
    let mut ids: Vec<String> = RULES.iter().map(|r| r.id.to_owned()).collect();
    for finding in &report.findings {
        if !ids.contains(&finding.rule_id) {
            let rule = finding.rule_id.strip_prefix("policy/").unwrap_or(&finding.rule_id);
            rules.push(rule_descriptor(
                &finding.rule_id,
                &format!("A server breaks rule {rule} of a trusted policy"),
                "Remove the server from the file, or ask the policy's owner to allow it (`mcp-orchestration policy check --client CLIENT` explains)",
            ));
            ids.push(finding.rule_id.clone());
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let (uri, base) = location_uri(&f.file, f.scope == "project", src_root);
            let mut artifact = Map::new();
            artifact.insert("uri".into(), json!(uri));
            if let Some(base) = base {
                artifact.insert("uriBaseId".into(), json!(base));
            }
            let mut physical = Map::new();
            physical.insert("artifactLocation".into(), Value::Object(artifact));
            if let Some(line) = f.line {
                physical.insert("region".into(), json!({"startLine": line}));
            }
            let mut properties = Map::new();
            properties.insert("client".into(), json!(f.client_id));
            properties.insert("scope".into(), json!(f.scope));
            if let Some(server) = &f.server {
                properties.insert("server".into(), json!(server));
            }
            if let Some(profile) = &f.profile {
                properties.insert("profile".into(), json!(profile));
            }
            json!({
                "ruleId": f.rule_id,
                "ruleIndex": ids.iter().position(|id| *id == f.rule_id).unwrap_or_default(),
                "level": f.level.as_str(),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": Value::Object(physical)}],
                "properties": Value::Object(properties),
            })
        })
        .collect();
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({"driver": {
            "name": tool.name,
            "version": tool.version,
            "semanticVersion": tool.version,
            "informationUri": tool.information_uri,
            "rules": rules,
        }}),
    );
    if let Some(root) = src_root
        && let Ok(base) = url::Url::from_directory_path(root)
    {
        run.insert("originalUriBaseIds".into(), json!({SRCROOT: {"uri": base.to_string()}}));
    }
    run.insert("results".into(), Value::Array(results));
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    json!({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [Value::Object(run)]})
}
