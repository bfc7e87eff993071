//! Pagination of the listing tools and of `resources/list`, and the cache of profile listings:
//! every entry exactly once and in order, additions made meanwhile never repeat or skip an
//! entry, bad cursors and limits refused, and what another process publishes is seen on the
//! next call even when the listing was cached.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use rmcp::model::PaginatedRequestParams;
use serde_json::{Value, json};

use crate::support::Env;

fn doc(name: &str) -> String {
    format!(r#"{{"mcpServers": {{"{name}": {{"command": "npx", "args": ["-y", "pkg"]}}}}}}"#)
}

/// `n` profiles `p000`… of cursor (besides its seeded `default`).
fn with_profiles(n: usize) -> Env {
    let env = Env::new();
    let core = env.core();
    for i in 0..n {
        core.publish("cursor", &format!("p{i:03}"), &doc("a"), None, None).expect("publish");
    }
    env
}

/// Sets a directory's modification time an hour back, as if it last changed long ago (so a
/// listing of it is cached: nothing less than 2 s old is).
fn age(dir: &std::path::Path) {
    let file = std::fs::File::open(dir).expect("open dir");
    file.set_modified(SystemTime::now() - Duration::from_secs(3600)).expect("set mtime");
}

fn ids(page: &Value) -> Vec<String> {
    page["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| p["profile_id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn list_profiles_pages_through_120_profiles_each_once_in_order() {
    let env = with_profiles(120);
    let client = env.client().await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = json!({"client_id": "cursor", "limit": 50});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let out = client.call("list_profiles", args).await;
        let page = out.ok();
        assert_eq!(page["count"], page["profiles"].as_array().expect("profiles").len());
        seen.extend(ids(page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut expected: Vec<String> = (0..120).map(|i| format!("p{i:03}")).collect();
    expected.insert(0, "default".into());
    assert_eq!(seen, expected, "every profile exactly once, by name");
    assert_eq!(pages, 3);
    // Without a limit, a model gets 50.
    let first = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    assert_eq!(ids(first.ok()).len(), 50);
    assert!(first.ok()["next_cursor"].is_string());
    client.close().await;
}

#[tokio::test]
async fn profiles_added_between_pages_neither_repeat_nor_skip_an_entry() {
    let env = with_profiles(30);
    let client = env.client().await;
    let first = client.call("list_profiles", json!({"client_id": "cursor", "limit": 10})).await;
    let mut seen = ids(first.ok());
    // Another writer adds one profile before the cursor's position and one after it.
    env.core().publish("cursor", "a-early", &doc("a"), None, None).expect("publish");
    env.core().publish("cursor", "zz-late", &doc("a"), None, None).expect("publish");
    let mut cursor = first.ok()["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let out = client.call("list_profiles", json!({"client_id": "cursor", "limit": 10, "cursor": c})).await;
        seen.extend(ids(out.ok()));
        cursor = out.ok()["next_cursor"].as_str().map(str::to_owned);
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no entry twice: {seen:?}");
    for i in 0..30 {
        assert!(seen.contains(&format!("p{i:03}")), "p{i:03} skipped");
    }
    assert!(seen.contains(&"zz-late".to_owned()), "an entry added after the position is listed");
    assert!(!seen.contains(&"a-early".to_owned()), "one added before the position is not");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    client.close().await;
}

#[tokio::test]
async fn bad_cursors_and_limits_are_refused_as_usage_errors() {
    let env = with_profiles(3);
    let client = env.client().await;
    let other = client.call("list_profiles", json!({"client_id": "vscode", "limit": 1})).await;
    assert!(other.ok()["next_cursor"].is_null(), "vscode has one profile");
    let cursor_of_cursor = client.call("list_profiles", json!({"client_id": "cursor", "limit": 1})).await;
    let cursor_of_cursor = cursor_of_cursor.ok()["next_cursor"].as_str().expect("more").to_owned();
    for (tool, args) in [
        ("list_profiles", json!({"client_id": "cursor", "cursor": "not a cursor!"})),
        ("list_profiles", json!({"client_id": "cursor", "cursor": "djEKcHJvZmlsZXMKY3Vyc29yCg"})),
        ("list_profiles", json!({"client_id": "vscode", "cursor": cursor_of_cursor})),
        ("list_history", json!({"client_id": "cursor", "cursor": cursor_of_cursor})),
        ("list_clients", json!({"cursor": cursor_of_cursor})),
        ("list_available_servers", json!({"cursor": "x".repeat(5000)})),
        ("search_servers", json!({"query": "git", "cursor": cursor_of_cursor})),
        ("get_deployment_status", json!({"cursor": cursor_of_cursor})),
        ("list_profiles", json!({"client_id": "cursor", "limit": 0})),
        ("list_profiles", json!({"client_id": "cursor", "limit": 1001})),
    ] {
        let out = client.call(tool, args.clone()).await;
        assert_eq!(out.kind(), "usage", "{tool} {args}: {}", out.text);
        let message = out.structured["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("leave the cursor out")
                || message.contains("from 1 to 1000")
                || message.contains("limit is"),
            "{tool}: {message}"
        );
    }
    // A negative limit is not a number of the argument's type: refused before the tool runs.
    let refused = client.call_raw("list_profiles", json!({"client_id": "cursor", "limit": -1})).await;
    match refused {
        Ok(result) => {
            assert_eq!(result.is_error, Some(true));
            assert!(format!("{:?}", result.content).contains("`-1`"), "{result:?}");
        }
        Err(e) => assert!(format!("{e:?}").contains("-1"), "{e:?}"),
    }
    client.close().await;
}

#[tokio::test]
async fn list_history_pages_in_version_order_with_the_chain_checked() {
    let env = Env::new();
    let core = env.core();
    for i in 0..12 {
        core.publish("cursor", "dev", &doc(&format!("s{i}")), None, None).expect("publish");
    }
    let client = env.client().await;
    let mut versions = Vec::new();
    let mut previous: Option<Value> = None;
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"client_id": "cursor", "profile_id": "dev", "limit": 5});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let out = client.call("list_history", args).await;
        for entry in out.ok()["entries"].as_array().expect("entries") {
            assert_eq!(entry["verified"], true, "{entry}");
            if let Some(prev) = &previous {
                assert_eq!(&entry["previous"], prev, "the chain crosses pages");
            }
            previous = Some(entry["artifact_id"].clone());
            versions.push(entry["version"].as_u64().expect("version"));
        }
        match out.ok()["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(versions, (1..=12).collect::<Vec<u64>>());
    client.close().await;
}

#[tokio::test]
async fn resources_list_pages_with_mcp_cursors_and_refuses_a_bad_one() {
    let env = with_profiles(120);
    let client = env.client().await;
    let mut uris = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let result = client
            .inner
            .list_resources(Some(PaginatedRequestParams::default().with_cursor(cursor.clone())))
            .await
            .expect("resources/list");
        assert!(result.resources.len() <= mcp_server::resources::PAGE_SIZE);
        uris.extend(result.resources.iter().map(|r| r.uri.clone()));
        pages += 1;
        match result.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let clients = dialects::all().len();
    let statics = mcp_server::resources::STATIC_RESOURCES.len();
    // Each client's profiles://, its default profile, and cursor's 120 more.
    assert_eq!(uris.len(), statics + 2 * clients + 120);
    assert_eq!(uris.iter().collect::<BTreeSet<_>>().len(), uris.len(), "no resource twice");
    assert!(pages >= 2);
    for i in 0..120 {
        assert!(uris.contains(&format!("config://cursor/p{i:03}")));
    }
    // A resource read has no pagination: the first page and the cursor list_profiles goes on from.
    let profiles = client.read("profiles://cursor").await.expect("profiles://cursor");
    assert_eq!(profiles["profiles"].as_array().expect("profiles").len(), orchestrator::page::DEFAULT_LIMIT);
    let next = profiles["next_cursor"].as_str().expect("a cursor").to_owned();
    let more = client.call("list_profiles", json!({"client_id": "cursor", "cursor": next})).await;
    assert_eq!(more.ok()["profiles"][0]["profile_id"], format!("p{:03}", orchestrator::page::DEFAULT_LIMIT - 1));
    let bad = client
        .inner
        .list_resources(Some(PaginatedRequestParams::default().with_cursor(Some("bm90IG91cnM".into()))))
        .await
        .expect_err("a cursor resources/list did not give out");
    let text = format!("{bad:?}");
    assert!(text.contains("-32602") || text.contains("InvalidParams") || text.contains("INVALID_PARAMS"), "{text}");
    assert!(text.contains("without a cursor") || text.contains("leave the cursor out"), "{text}");
    client.close().await;
}

#[tokio::test]
async fn list_clients_shows_a_bounded_number_of_profile_ids_and_the_count() {
    let env = with_profiles(30);
    let client = env.client().await;
    let out = client.call("list_clients", json!({})).await;
    let rows = out.ok()["clients"].as_array().expect("clients").clone();
    assert_eq!(rows.len(), dialects::all().len());
    assert!(out.ok()["next_cursor"].is_null());
    let cursor = rows.iter().find(|c| c["client_id"] == "cursor").expect("cursor");
    // Its own 30 (the seeded default is the shared one, listed apart).
    assert_eq!(cursor["profile_count"], 30);
    assert_eq!(out.ok()["shared_profile_ids"], json!(["default"]));
    assert_eq!(cursor["profile_ids"].as_array().expect("ids").len(), mcp_server::tools::MAX_PROFILE_IDS);
    assert!(cursor["more_profiles"].as_str().expect("hint").contains("list_profiles"));
    // Pages of clients, in table order.
    let first = client.call("list_clients", json!({"limit": 10})).await;
    let next = first.ok()["next_cursor"].as_str().expect("more clients").to_owned();
    let second = client.call("list_clients", json!({"limit": 10, "cursor": next})).await;
    let ids: Vec<&str> = first.ok()["clients"]
        .as_array()
        .into_iter()
        .chain(second.ok()["clients"].as_array())
        .flatten()
        .map(|c| c["client_id"].as_str().expect("id"))
        .collect();
    let table: Vec<&str> = dialects::all().iter().take(20).map(|c| c.id).collect();
    assert_eq!(ids, table);
    client.close().await;
}

#[tokio::test]
async fn a_cached_listing_sees_a_profile_another_process_published_and_a_new_client_file() {
    let env = with_profiles(3);
    let heads = env.home().join("heads/cursor");
    age(&heads);
    let client = env.client().await;
    // Listed and remembered (the directory last changed an hour ago).
    let before = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    assert_eq!(ids(before.ok()), ["default", "p000", "p001", "p002"]);
    let clients = client.call("list_clients", json!({})).await;
    let row = |v: &Value| v["clients"].as_array().expect("rows").iter().find(|c| c["client_id"] == "cursor").cloned();
    let cursor_row = row(clients.ok()).expect("cursor");
    assert_eq!(cursor_row["profile_count"], 3);
    assert_eq!(cursor_row["detected"], false);
    // Another process (its own core, its own caches) publishes; a user creates Cursor's file.
    env.core().publish("cursor", "from-elsewhere", &doc("b"), None, None).expect("publish");
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    std::fs::write(env.root().join(".cursor/mcp.json"), r#"{"mcpServers": {}}"#).expect("write");
    let after = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    assert_eq!(ids(after.ok()), ["default", "from-elsewhere", "p000", "p001", "p002"]);
    let clients = client.call("list_clients", json!({})).await;
    let cursor_row = row(clients.ok()).expect("cursor");
    assert_eq!(cursor_row["profile_count"], 4);
    assert_eq!(cursor_row["detected"], true);
    assert!(cursor_row["profile_ids"].as_array().expect("ids").contains(&json!("from-elsewhere")));
    // And a head replaced by another process (a new version) is read, not remembered.
    age(&heads);
    let _ = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    env.core().publish("cursor", "p001", &doc("c"), None, None).expect("publish");
    let again = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    let p001 = again.ok()["profiles"].as_array().expect("rows").iter().find(|p| p["profile_id"] == "p001").cloned();
    assert_eq!(p001.expect("p001")["version"], 2);
    client.close().await;
}
