//! Resources, templates and prompts over an in-process duplex transport.

use rmcp::model::ReadResourceRequestParams;
use serde_json::json;

use crate::support::Env;

#[tokio::test]
async fn resources_and_templates_are_listed() {
    let env = Env::new();
    let client = env.client().await;
    let resources = client.inner.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    for uri in [
        "capabilities://server",
        "capabilities://clients",
        "clients://list",
        "catalog://servers",
        "keys://trusted",
        "schema://artifact",
        "schema://servers-document",
        "profiles://cursor",
        "config://cursor/default",
    ] {
        assert!(uris.contains(&uri), "missing {uri}");
    }
    let templates = client.inner.list_all_resource_templates().await.expect("templates");
    let templates: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(templates, vec!["profiles://{client_id}", "config://{client_id}/{profile_id}"]);
    client.close().await;
}

#[tokio::test]
async fn each_resource_reads_as_json() {
    let env = Env::new();
    let client = env.client().await;
    let server = client.read("capabilities://server").await.expect("server caps");
    assert_eq!(server["name"], "mcp-orchestration");
    assert_eq!(server["tools"].as_array().expect("tools").len(), 23);
    let clients = client.read("capabilities://clients").await.expect("client caps");
    let vscode = clients["clients"].as_array().expect("clients").iter().find(|c| c["client_id"] == "vscode").cloned();
    assert_eq!(vscode.expect("vscode")["http"], true);
    let list = client.read("clients://list").await.expect("client list");
    assert!(list["clients"].as_array().expect("clients").len() >= 10);
    let profiles = client.read("profiles://cursor").await.expect("profiles");
    assert_eq!(profiles["profiles"][0]["profile_id"], "default");
    let head = client.read("config://cursor/default").await.expect("head");
    let tool = client.call("get_config", json!({"client_id": "cursor"})).await;
    assert_eq!(head, *tool.ok(), "the resource and the tool give the same artifact");
    let catalog = client.read("catalog://servers").await.expect("catalog");
    assert!(catalog["count"].as_u64().expect("count") > 3);
    let keys = client.read("keys://trusted").await.expect("keys");
    assert_eq!(keys["trusted"][0]["key_id"], keys["signing_key_id"]);
    assert!(keys["trusted"][0]["public_key_pem"].as_str().expect("pem").contains("PUBLIC KEY"));
    assert!(!keys.to_string().contains("PRIVATE"));
    let schema = client.read("schema://artifact").await.expect("schema");
    assert_eq!(schema["type"], "object");
    let doc = client.read("schema://servers-document").await.expect("schema");
    assert_eq!(doc["required"], json!(["mcpServers"]));
    client.close().await;
}

#[tokio::test]
async fn unknown_resources_are_resource_not_found() {
    let env = Env::new();
    let client = env.client().await;
    for uri in
        ["nope://x", "config://cursor/prod", "config://unknown/default", "profiles://../etc", "config://cursor/../x"]
    {
        match client.inner.read_resource(ReadResourceRequestParams::new(uri)).await {
            Err(rmcp::ServiceError::McpError(e)) => assert_eq!(e.code.0, -32002, "{uri}: {}", e.message),
            other => panic!("{uri}: {other:?}"),
        }
    }
    client.close().await;
}

/// The two prompts: listed, rendered with their arguments; an unknown name or a missing required
/// argument is a -32602 error.
#[tokio::test]
async fn prompts_are_listed_and_rendered() {
    let env = Env::new();
    let client = env.client().await;
    let prompts = client.inner.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["deploy_profile", "review_drift"]);
    let mut arguments = serde_json::Map::new();
    arguments.insert("client_id".into(), serde_json::json!("cursor"));
    let got = client
        .inner
        .get_prompt(rmcp::model::GetPromptRequestParams::new("deploy_profile").with_arguments(arguments))
        .await
        .expect("prompts/get");
    let text = serde_json::to_value(&got.messages[0]).expect("message").to_string();
    assert!(text.contains("`cursor`") && text.contains("confirm: true") && text.contains("`default`"), "{text}");
    for request in
        [rmcp::model::GetPromptRequestParams::new("nope"), rmcp::model::GetPromptRequestParams::new("deploy_profile")]
    {
        match client.inner.get_prompt(request).await {
            Err(rmcp::ServiceError::McpError(e)) => assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS),
            other => panic!("expected -32602, got {other:?}"),
        }
    }
    client.close().await;
}
