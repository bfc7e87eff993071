//! The `outputSchema` of every tool (all of them return structured content), and the rule that
//! every object schema, input or output, has `properties` (OpenAI, Bedrock and some VS Code
//! versions reject an object schema without it).
//!
//! A tool's structured content is either its result or, on a domain failure (`isError: true`),
//! `{"error": {kind, exit_code, message}}`; each schema says so with `anyOf` over the two sets
//! of required keys, so a host that validates failures too accepts them. Properties list the
//! keys a model can rely on; results may carry more (additional properties are allowed, since
//! the core may add fields).

use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

/// `"string"`, `"integer"`, … as a schema; a trailing `?` allows null; `"any"` is `{}`.
fn typed(ty: &str) -> Value {
    if ty == "any" {
        return json!({});
    }
    match ty.strip_suffix('?') {
        Some(base) => json!({"type": [base, "null"]}),
        None if ty == "object" => json!({"type": "object", "properties": {}}),
        None => json!({"type": ty}),
    }
}

/// The structured content of a failure.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "kind": {"type": "string"},
            "exit_code": {"type": "integer"},
            "message": {"type": "string"},
        },
        "required": ["kind", "exit_code", "message"],
    })
}

/// An output schema: these properties (name, type), these required on success.
fn output(properties: &[(&str, &str)], required: &[&str]) -> JsonObject {
    let mut props: Map<String, Value> = properties.iter().map(|(k, t)| ((*k).to_owned(), typed(t))).collect();
    props.insert("error".into(), error_schema());
    let mut schema = json!({
        "type": "object",
        "properties": props,
        "anyOf": [{"required": required}, {"required": ["error"]}],
    });
    with_properties(&mut schema);
    match schema {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

const ARTIFACT: &[(&str, &str)] = &[
    ("artifact_id", "string"),
    ("client_id", "string"),
    ("profile_id", "string"),
    ("version", "integer"),
    ("created_at", "string"),
    ("payload", "object"),
    ("signature", "any"),
    ("signing_key_id", "string"),
    ("metadata", "object"),
];
const ARTIFACT_REQUIRED: &[&str] = &["artifact_id", "client_id", "profile_id", "version", "payload"];

const DRAFT: &[(&str, &str)] = &[
    ("client_id", "string"),
    ("profile_id", "string"),
    ("document", "object"),
    ("exists", "boolean"),
    ("head_version", "integer?"),
];

/// One row of `list_clients`: a client, its scopes and which of its files were found (with
/// `detail`, also its transports and every candidate path).
fn client_row() -> Value {
    let mut row = json!({
        "type": "object",
        "properties": {
            "client_id": {"type": "string"},
            "display_name": {"type": "string"},
            "platform": {"type": "string"},
            "format": {"type": "string"},
            "detected": {"type": "boolean"},
            "config_location": {"type": ["string", "null"]},
            "scopes": {"type": "array", "items": {"type": "string", "enum": ["user", "project", "local"]}},
            "scope_files": {
                "type": "object",
                "description": "Per scope the client has, the files of it found here (existing files only)",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "profile_ids": {"type": "array", "items": {"type": "string"}},
            "profile_count": {"type": "integer"},
            "more_profiles": {"type": "string"},
            "transports": {"type": "array", "items": {"type": "string"}, "description": "With `detail` only"},
            "config_paths": {
                "type": "array",
                "items": {"type": "object"},
                "description": "With `detail` only: every candidate config path and what exists of it",
            },
        },
        "required": ["client_id", "display_name", "detected", "scopes", "scope_files", "profile_ids", "profile_count"],
    });
    with_properties(&mut row);
    row
}

/// The output schema of a tool, by name; `None` for a tool this table does not know.
pub fn for_tool(tool: &str) -> Option<JsonObject> {
    let schema = match tool {
        "list_clients" => {
            let mut schema = output(
                &[
                    ("clients", "array"),
                    ("count", "integer"),
                    ("shared_profile_ids", "array"),
                    ("shared_profile_count", "integer"),
                    ("next_cursor", "string?"),
                ],
                &["clients", "count"],
            );
            schema["properties"]["clients"]["items"] = client_row();
            schema
        }
        "list_profiles" => output(
            &[("client_id", "string"), ("profiles", "array"), ("count", "integer"), ("next_cursor", "string?")],
            &["profiles", "count"],
        ),
        "get_config" => {
            let mut properties = ARTIFACT.to_vec();
            properties.extend([("layer", "string"), ("served_for", "string"), ("rendered_for_client", "object")]);
            output(&properties, ARTIFACT_REQUIRED)
        }
        "publish_config" => output(ARTIFACT, ARTIFACT_REQUIRED),
        "audit_clients" => output(
            &[
                ("fails", "boolean"),
                ("files", "array"),
                ("policies", "integer"),
                ("errors", "integer"),
                ("warnings", "integer"),
                ("notes", "integer"),
                ("count", "integer"),
                ("findings", "array"),
                ("next_cursor", "string?"),
            ],
            &["fails", "files", "count", "findings"],
        ),
        "pull_profiles" => {
            output(&[("remote", "string"), ("profiles", "array"), ("keys_trusted", "array")], &["remote", "profiles"])
        }
        "push_profiles" => output(
            &[("remote", "string"), ("dry_run", "boolean"), ("profiles", "array"), ("next_step", "string")],
            &["dry_run", "profiles"],
        ),
        "sync_clients" => output(
            &[
                ("sync_id", "string?"),
                ("profile_id", "string"),
                ("dry_run", "boolean"),
                ("files", "array"),
                ("not_installed", "array"),
                ("ok", "boolean"),
                ("next_step", "string"),
            ],
            &["profile_id", "dry_run", "files", "ok"],
        ),
        "diff_config" => output(
            &[
                ("client_id", "string"),
                ("file", "string"),
                ("profile_id", "string"),
                ("status", "string"),
                ("local_artifact_id", "string?"),
                ("remote_artifact_id", "string?"),
                ("deployed_version", "integer?"),
                ("diff", "object"),
                ("recommendation", "any"),
            ],
            &["status", "diff"],
        ),
        "list_available_servers" => {
            output(&[("servers", "array"), ("count", "integer"), ("next_cursor", "string?")], &["servers", "count"])
        }
        "search_servers" => output(
            &[("query", "string"), ("servers", "array"), ("count", "integer"), ("next_cursor", "string?")],
            &["query", "servers", "count"],
        ),
        "describe_server" => output(
            &[("id", "string"), ("name", "string"), ("description", "string"), ("transport", "any"), ("launch", "any")],
            &["id", "name"],
        ),
        "add_server_to_config" | "remove_server_from_config" | "view_draft_config" => {
            output(DRAFT, &["client_id", "profile_id", "document", "exists"])
        }
        "clear_draft_config" => output(
            &[("client_id", "string"), ("profile_id", "string"), ("cleared", "boolean")],
            &["client_id", "profile_id", "cleared"],
        ),
        "validate_config" => output(
            &[("valid", "boolean"), ("errors", "array"), ("warnings", "array")],
            &["valid", "errors", "warnings"],
        ),
        "deploy_config" => output(
            &[
                ("file", "string"),
                ("artifact_id", "string"),
                ("version", "integer"),
                ("changed", "boolean"),
                ("diff", "string"),
                ("dry_run", "boolean"),
                ("deployment_id", "string?"),
                ("layer", "string"),
                ("bridged", "array"),
                ("skipped", "array"),
                ("next_step", "string"),
            ],
            &["file", "changed", "dry_run"],
        ),
        "get_deployment_status" => output(
            &[("files", "array"), ("count", "integer"), ("drifted", "integer"), ("next_cursor", "string?")],
            &["files", "count", "drifted"],
        ),
        "rollback_config" => output(
            &[
                ("file", "string"),
                ("restores_from", "string"),
                ("restored_from", "string"),
                ("would_remove_file", "boolean"),
                ("removed", "boolean"),
                ("changed", "boolean"),
                ("diff", "string"),
                ("deployment_id", "string"),
                ("dry_run", "boolean"),
                ("next_step", "string"),
            ],
            &["file"],
        ),
        "list_history" => output(
            &[
                ("client_id", "string"),
                ("profile_id", "string"),
                ("count", "integer"),
                ("entries", "array"),
                ("next_cursor", "string?"),
            ],
            &["client_id", "profile_id", "count", "entries"],
        ),
        "verify_artifact" => output(
            &[("verified", "boolean"), ("checked", "integer"), ("failed", "integer"), ("outcomes", "array")],
            &["verified", "checked", "failed", "outcomes"],
        ),
        "import_client_config" => output(
            &[
                ("file", "string"),
                ("document", "object"),
                ("secrets_moved", "array"),
                ("draft", "string"),
                ("published", "object?"),
            ],
            &["file", "document", "draft"],
        ),
        _ => return None,
    };
    Some(schema)
}

/// Gives every object schema inside `schema` (itself included) a `properties` member.
pub fn with_properties(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_object = match map.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
                _ => false,
            };
            if is_object && !map.contains_key("properties") {
                map.insert("properties".into(), json!({}));
            }
            for value in map.values_mut() {
                with_properties(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(with_properties),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_schema_gets_properties() {
        let mut schema = json!({"type": "object", "properties": {
            "a": {"type": ["object", "null"], "additionalProperties": true},
            "b": {"type": "array", "items": {"type": "object"}},
        }});
        with_properties(&mut schema);
        assert_eq!(schema["properties"]["a"]["properties"], json!({}));
        assert_eq!(schema["properties"]["b"]["items"]["properties"], json!({}));
        let mut bare = json!({"type": "object"});
        with_properties(&mut bare);
        assert_eq!(bare, json!({"type": "object", "properties": {}}));
    }

    #[test]
    fn types() {
        assert_eq!(typed("any"), json!({}));
        assert_eq!(typed("string?"), json!({"type": ["string", "null"]}));
        assert_eq!(typed("object"), json!({"type": "object", "properties": {}}));
    }
}
