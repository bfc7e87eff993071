//! Answers the server remembers (`get_config`'s prepared result per remembered read,
//! `list_clients`' per arguments, both under the core's inotify watch set): a repeated call
//! gets the same answer as a fresh server would give, every call still records its events, and
//! every change another process makes is noticed on the very next call: a head renamed over
//! (a publish), a file rewritten in place, a trusted key deleted, a directory's mode changed,
//! a new file in a watched directory, a new directory for a client that had none; for
//! `list_clients`, a client file created, removed or renamed over, a client's new directory
//! and a profile published. No test waits for a racy window: with the watch set there is none.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::{Value, json};

use crate::support::*;

fn doc(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

fn get(client: &str, profile: &str) -> Value {
    json!({"client_id": client, "profile_id": profile})
}

/// A fresh server's answer (nothing remembered) to compare with.
async fn fresh(env: &Env, tool: &str, args: Value) -> Value {
    let client = env.client().await;
    let out = client.call(tool, args).await.ok().clone();
    client.close().await;
    out
}

#[tokio::test]
async fn a_repeated_get_config_is_the_fresh_answer_and_records_its_events() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("publish");
    let client = env.client().await;
    let first = client.call("get_config", get("cursor", "team")).await.ok().clone();
    let before = env.events().len();
    let second = client.call("get_config", get("cursor", "team")).await.ok().clone();
    assert_eq!(first, second);
    assert_eq!(second, fresh(&env, "get_config", get("cursor", "team")).await);
    assert_eq!(second["version"], 1);
    // The raw result: the text content is the structured content's JSON.
    let raw = client.call_raw("get_config", get("cursor", "team")).await.expect("call");
    let text = raw.content[0].as_text().expect("text").text.clone();
    assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON text"), first);
    assert_eq!(raw.is_error, Some(false));
    // Each call recorded the tool call's pair and the core's pair, remembered or not.
    let events = env.events();
    let second_call: Vec<&str> =
        events[before..before + 4].iter().map(|e| e["event_type"].as_str().expect("type")).collect();
    assert_eq!(
        second_call,
        [
            "orchestrator.tool_call_started",
            "orchestrator.config_retrieval_started",
            "orchestrator.config_retrieval_completed",
            "orchestrator.tool_call_completed"
        ]
    );
    client.close().await;
}

#[tokio::test]
async fn get_config_notices_a_head_renamed_over_and_a_file_rewritten_in_place() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("publish");
    let client = env.client().await;
    for _ in 0..2 {
        assert_eq!(client.call("get_config", get("cursor", "team")).await.ok()["version"], 1);
    }
    env.core().publish("cursor", "team", &doc("two"), None, None).expect("another process publishes");
    let after = client.call("get_config", get("cursor", "team")).await;
    assert_eq!(after.ok()["version"], 2);
    assert_eq!(after.ok()["payload"]["mcpServers"]["probe"]["args"], json!(["two"]));
    assert_eq!(client.call("get_config", get("cursor", "team")).await.ok()["version"], 2);
    // The envelope rewritten in place, same size, right after it was read.
    let envelope = env.home().join("history/cursor/team/0000000002.json");
    let text = std::fs::read_to_string(&envelope).expect("read").replace("\"version\":2", "\"version\":8");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&envelope)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .expect("rewrite in place");
    let refused = client.call("get_config", get("cursor", "team")).await;
    assert_eq!(refused.kind(), "signature", "{:?}", refused.structured);
    client.close().await;
}

#[tokio::test]
async fn get_config_notices_a_deleted_key_and_a_directory_made_writable_by_others() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("publish");
    let client = env.client().await;
    for _ in 0..2 {
        assert_eq!(client.call("get_config", get("cursor", "team")).await.ok()["version"], 1);
    }
    let heads = env.home().join("heads/cursor");
    std::fs::set_permissions(&heads, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    assert_eq!(client.call("get_config", get("cursor", "team")).await.kind(), "unsafe");
    std::fs::set_permissions(&heads, std::fs::Permissions::from_mode(0o700)).expect("chmod back");
    assert_eq!(client.call("get_config", get("cursor", "team")).await.ok()["version"], 1);
    let trusted = env.home().join("keys/trusted");
    for key in std::fs::read_dir(&trusted).expect("trusted keys") {
        std::fs::remove_file(key.expect("entry").path()).expect("untrust");
    }
    assert_eq!(client.call("get_config", get("cursor", "team")).await.kind(), "signature");
    client.close().await;
}

#[tokio::test]
async fn get_config_notices_a_new_head_file_and_a_new_heads_directory() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("cursor has a heads directory");
    assert!(!env.home().join("heads/windsurf").exists(), "windsurf has none");
    let client = env.client().await;
    for _ in 0..2 {
        assert_eq!(client.call("get_config", get("cursor", "default")).await.ok()["layer"], "shared");
        assert_eq!(client.call("get_config", get("windsurf", "default")).await.ok()["layer"], "shared");
    }
    env.core().publish("cursor", "default", &doc("own"), None, None).expect("a new file in heads/cursor");
    env.core().publish("windsurf", "default", &doc("own"), None, None).expect("a new heads/windsurf");
    for client_id in ["cursor", "windsurf"] {
        let own = client.call("get_config", get(client_id, "default")).await;
        assert_eq!(own.ok()["layer"], "client", "{client_id}");
        assert_eq!(own.ok()["payload"]["mcpServers"]["probe"]["args"], json!(["own"]));
    }
    client.close().await;
}

fn row(list: &Value, id: &str) -> Value {
    list["clients"].as_array().expect("rows").iter().find(|c| c["client_id"] == id).cloned().expect("row")
}

#[tokio::test]
async fn a_repeated_list_clients_is_the_fresh_answer_and_notices_client_files_and_profiles() {
    let env = Env::new();
    let client = env.client().await;
    let first = client.call("list_clients", json!({})).await.ok().clone();
    let second = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(first, second);
    assert_eq!(second, fresh(&env, "list_clients", json!({})).await);
    assert_eq!(row(&second, "cursor")["detected"], false);
    assert_eq!(row(&second, "windsurf")["detected"], false);

    // A client file created in a directory that did not exist.
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    std::fs::write(env.root().join(".cursor/mcp.json"), r#"{"mcpServers": {}}"#).expect("write");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(row(&list, "cursor")["detected"], true);
    assert_eq!(row(&list, "cursor")["scope_files"]["user"].as_array().expect("files").len(), 1);
    // Renamed over (an editor's atomic save): still there, still detected.
    std::fs::write(env.root().join(".cursor/mcp.json.tmp"), r#"{"mcpServers": {"a": {}}}"#).expect("write");
    std::fs::rename(env.root().join(".cursor/mcp.json.tmp"), env.root().join(".cursor/mcp.json")).expect("mv");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(row(&list, "cursor")["detected"], true);
    // Removed, with its directory: no longer detected.
    std::fs::remove_dir_all(env.root().join(".cursor")).expect("rm");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(row(&list, "cursor")["detected"], false);
    // A new directory of a client that had none (the client is installed).
    std::fs::create_dir_all(env.root().join(".codeium/windsurf")).expect("mkdir");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(row(&list, "windsurf")["detected"], true);
    // A profile published by another process, in a client's new heads directory.
    assert_eq!(row(&list, "windsurf")["profile_count"], 0);
    env.core().publish("windsurf", "team", &doc("x"), None, None).expect("publish");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(row(&list, "windsurf")["profile_count"], 1);
    assert_eq!(row(&list, "windsurf")["profile_ids"], json!(["team"]));
    // And a shared profile.
    env.core().publish("_shared", "extra", &doc("y"), None, None).expect("publish shared");
    let list = client.call("list_clients", json!({})).await.ok().clone();
    assert_eq!(list["shared_profile_ids"], json!(["default", "extra"]));
    assert_eq!(list, fresh(&env, "list_clients", json!({})).await);
    client.close().await;
}

#[tokio::test]
async fn list_clients_answers_are_remembered_per_arguments() {
    let env = Env::new();
    let client = env.client().await;
    let all = client.call("list_clients", json!({})).await.ok().clone();
    let page = client.call("list_clients", json!({"limit": 2})).await.ok().clone();
    let detail = client.call("list_clients", json!({"limit": 2, "detail": true})).await.ok().clone();
    assert_eq!(page["clients"].as_array().expect("rows").len(), 2);
    assert!(detail["clients"][0].get("config_paths").is_some());
    assert!(page["clients"][0].get("config_paths").is_none());
    assert_eq!(client.call("list_clients", json!({})).await.ok(), &all);
    assert_eq!(client.call("list_clients", json!({"limit": 2})).await.ok(), &page);
    assert_eq!(client.call("list_clients", json!({"limit": 2, "detail": true})).await.ok(), &detail);
    let refused = client.call("list_clients", json!({"cursor": "not-a-cursor"})).await;
    assert_eq!(refused.kind(), "usage");
    client.close().await;
}
