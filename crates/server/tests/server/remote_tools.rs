//! The remote tools against a real registry on 127.0.0.1: `push_profiles` uploads only with
//! `confirm`, `pull_profiles` stores a version another machine pushed, and each call's trace
//! holds the tool call's event pair around the core operation's (`remote_push_…`,
//! `remote_pull_…`), with the remote's name and no credential.

use serde_json::{Value, json};

use crate::support::Env;

/// Points a home at the registry as remote `team`.
fn add_remote(env: &Env, registry: &mcp_testkit::registry::Registry) {
    let remotes = env.home().join("remotes.json");
    let config = json!({"remotes": {"team": {"url": registry.url("team/mcp"), "plain_http": true}}});
    std::fs::write(&remotes, config.to_string()).expect("write remotes");
    mcp_testkit::set_mode(&remotes, 0o600);
}

/// The event types of one trace, in order.
fn trace_types(env: &Env, trace: &str) -> Vec<String> {
    env.events()
        .iter()
        .filter(|e| e["trace_id"] == json!(trace))
        .filter_map(|e| e["event_type"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn push_and_pull_tools_move_a_version_between_machines_with_their_events() {
    let registry = mcp_testkit::registry::Registry::start(Default::default());
    let a = Env::new();
    let client = a.client().await;
    let args = json!({"client_id": "cursor", "profile_id": "shared-x", "server_id": "memory"});
    assert!(!client.call("add_server_to_config", args).await.is_error);
    let published = client.call("publish_config", json!({"client_id": "cursor", "profile_id": "shared-x"})).await;
    assert!(!published.is_error, "{}", published.text);
    add_remote(&a, &registry);
    let dry = client.call("push_profiles", json!({"client_id": "cursor", "profile_id": "shared-x"})).await;
    assert_eq!(dry.structured["dry_run"], true, "{}", dry.text);
    let pushed =
        client.call("push_profiles", json!({"client_id": "cursor", "profile_id": "shared-x", "confirm": true})).await;
    assert!(!pushed.is_error, "{}", pushed.text);
    assert_eq!(pushed.structured["profiles"][0]["version"], 1, "{}", pushed.text);
    let types = trace_types(&a, pushed.trace_id.as_deref().expect("trace"));
    assert_eq!(types.first().map(String::as_str), Some("orchestrator.tool_call_started"), "{types:?}");
    assert!(types.iter().any(|t| t == "orchestrator.remote_push_completed"), "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("orchestrator.tool_call_completed"), "{types:?}");
    client.close().await;

    // A second machine with the same trusted key pulls it.
    let b = Env::new();
    add_remote(&b, &registry);
    let client = b.client().await;
    let pulled = client.call("pull_profiles", json!({"client_id": "cursor", "profile_id": "shared-x"})).await;
    assert!(!pulled.is_error, "{}", pulled.text);
    let row: &Value = &pulled.structured["profiles"][0];
    assert_eq!((row["state"].as_str(), row["to"].as_u64(), row["stored"].as_u64()), (Some("pulled"), Some(1), Some(1)));
    let got = client.call("get_config", json!({"client_id": "cursor", "profile_id": "shared-x"})).await;
    assert_eq!(got.structured["artifact_id"], published.structured["artifact_id"], "{}", got.text);
    let types = trace_types(&b, pulled.trace_id.as_deref().expect("trace"));
    assert_eq!(
        types.iter().filter(|t| t.contains("remote_pull")).map(String::as_str).collect::<Vec<_>>(),
        ["orchestrator.remote_pull_started", "orchestrator.remote_pull_completed"],
        "{types:?}"
    );
    let completed = b
        .events()
        .into_iter()
        .find(|e| e["event_type"] == "orchestrator.remote_pull_completed")
        .expect("pull completed event");
    assert_eq!(completed["metadata"]["remote"], "team");
    client.close().await;
}
