//! The tool schemas hosts check: every object schema has `properties` (OpenAI, Bedrock and some
//! VS Code versions reject one without), every tool declares an `outputSchema`, and every
//! result, success or failure, validates against its tool's schema (checked with the
//! `jsonschema` crate, as a host would).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::{Client, Env, Outcome};

/// Every object schema inside `schema` has `properties`; returns the JSON pointers of those
/// that do not.
fn objects_without_properties(schema: &Value, at: &str, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            let is_object = match map.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
                _ => false,
            };
            if is_object && !map.contains_key("properties") {
                out.push(at.to_owned());
            }
            for (key, value) in map {
                objects_without_properties(value, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                objects_without_properties(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

async fn output_schemas(client: &Client) -> BTreeMap<String, Value> {
    let tools = client.inner.list_all_tools().await.expect("tools/list");
    let mut schemas = BTreeMap::new();
    for tool in tools {
        let input = Value::Object(tool.input_schema.as_ref().clone());
        let mut missing = Vec::new();
        objects_without_properties(&input, "inputSchema", &mut missing);
        let output = Value::Object(tool.output_schema.as_deref().cloned().unwrap_or_else(|| {
            panic!("{} declares no outputSchema", tool.name);
        }));
        assert_eq!(output["type"], "object", "{}: outputSchema must be an object schema", tool.name);
        objects_without_properties(&output, "outputSchema", &mut missing);
        assert!(missing.is_empty(), "{}: object schemas without properties at {missing:?}", tool.name);
        schemas.insert(tool.name.to_string(), output);
    }
    schemas
}

fn check(schemas: &BTreeMap<String, Value>, tool: &str, out: &Outcome) {
    let schema = &schemas[tool];
    let validator = jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("{tool}: bad schema: {e}"));
    let errors: Vec<String> =
        validator.iter_errors(&out.structured).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{tool}: the result does not match its outputSchema: {errors:?}\n{}", out.structured);
}

#[tokio::test]
async fn list_clients_has_properties_and_every_tool_an_output_schema() {
    let env = Env::new();
    let client = env.client().await;
    let schemas = output_schemas(&client).await;
    assert_eq!(schemas.len(), 23);
    let tools = client.inner.list_all_tools().await.expect("tools/list");
    let list_clients = tools.iter().find(|t| t.name == "list_clients").expect("list_clients");
    let properties = list_clients.input_schema.get("properties").expect("properties");
    assert_eq!(properties["limit"]["type"], "integer");
    assert_eq!(properties["limit"]["minimum"], 1);
    assert_eq!(properties["cursor"]["type"], "string");
    client.close().await;
}

#[tokio::test]
async fn every_result_matches_its_output_schema() {
    let env = Env::new();
    let client = env.client().await;
    let schemas = output_schemas(&client).await;
    let cursor = |extra: Value| {
        let mut a = json!({"client_id": "cursor", "profile_id": "dev"});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            a[k] = v;
        }
        a
    };
    let mut seen = Vec::new();
    let mut run = async |tool: &str, args: Value| {
        let out = client.call(tool, args).await;
        assert!(!out.is_error, "{tool}: {}", out.text);
        check(&schemas, tool, &out);
        seen.push(tool.to_owned());
        out
    };
    run("list_clients", json!({})).await;
    run("list_profiles", json!({"client_id": "cursor"})).await;
    let head = run("get_config", json!({"client_id": "cursor"})).await;
    let id = head.structured["artifact_id"].clone();
    run("diff_config", json!({"client_id": "cursor", "local_artifact_id": id})).await;
    run("diff_config", json!({"client_id": "cursor"})).await;
    run("list_available_servers", json!({})).await;
    run("search_servers", json!({"query": "memory"})).await;
    run("describe_server", json!({"server_id": "memory"})).await;
    run("add_server_to_config", cursor(json!({"server_id": "memory"}))).await;
    run("add_server_to_config", cursor(json!({"server_id": "fetch", "name": "web"}))).await;
    run("remove_server_from_config", cursor(json!({"server_id": "web"}))).await;
    run("view_draft_config", cursor(json!({}))).await;
    run("validate_config", cursor(json!({}))).await;
    run("publish_config", cursor(json!({"note": "schema"}))).await;
    run("clear_draft_config", cursor(json!({}))).await;
    run("deploy_config", cursor(json!({"create": true}))).await;
    run("deploy_config", cursor(json!({"confirm": true, "create": true}))).await;
    run("sync_clients", json!({})).await;
    run("sync_clients", json!({"profile_id": "dev", "confirm": true})).await;
    run("get_deployment_status", json!({})).await;
    run("rollback_config", json!({"client_id": "cursor"})).await;
    run("rollback_config", json!({"client_id": "cursor", "confirm": true})).await;
    run("list_history", cursor(json!({}))).await;
    run("verify_artifact", json!({})).await;
    run("audit_clients", json!({"limit": 5})).await;
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    std::fs::write(env.root().join(".cursor/mcp.json"), r#"{"mcpServers": {"a": {"command": "a"}}}"#).expect("write");
    run("import_client_config", json!({"client_id": "cursor", "profile_id": "imported"})).await;
    // The remote tools, against a real registry on 127.0.0.1.
    let registry = mcp_testkit::registry::Registry::start(Default::default());
    let remotes = env.home().join("remotes.json");
    let config = json!({"remotes": {"team": {"url": registry.url("team/mcp"), "plain_http": true}}});
    std::fs::write(&remotes, config.to_string()).expect("write remotes");
    mcp_testkit::set_mode(&remotes, 0o600);
    let dry = run("push_profiles", json!({})).await;
    assert_eq!(dry.structured["dry_run"], true);
    let pushed = run("push_profiles", json!({"confirm": true})).await;
    assert!(pushed.structured["profiles"].as_array().expect("rows").iter().any(|r| r["profile_id"] == "dev"));
    let pulled = run("pull_profiles", json!({"client_id": "cursor", "profile_id": "dev"})).await;
    assert_eq!(pulled.structured["profiles"][0]["state"], "up_to_date");
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 23, "not every tool ran: {distinct:?}");
    // Failures match too (structured `{"error": …}`).
    for (tool, args) in [
        ("get_config", json!({"client_id": "cursor", "profile_id": "nope"})),
        ("deploy_config", json!({"client_id": "cursor", "file": "/etc/mcp.json"})),
        ("describe_server", json!({"server_id": "nope"})),
    ] {
        let out = client.call(tool, args).await;
        assert!(out.is_error, "{tool}");
        check(&schemas, tool, &out);
    }
    client.close().await;
}
