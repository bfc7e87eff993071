//! Every tool over an in-process duplex transport: the tools/list contract (snapshot), each
//! tool's success and failure results, refusals that change nothing, and the events of a call.

use serde_json::{Value, json};
use std::path::PathBuf;

use crate::support::{Env, args};

/// The contract: names, descriptions, input schemas and annotations of every tool.
#[tokio::test]
async fn tools_list_is_the_contract() {
    let env = Env::new();
    let client = env.client().await;
    let tools = client.inner.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "list_clients",
        "list_profiles",
        "get_config",
        "diff_config",
        "list_available_servers",
        "search_servers",
        "describe_server",
        "add_server_to_config",
        "remove_server_from_config",
        "view_draft_config",
        "clear_draft_config",
        "validate_config",
        "publish_config",
        "deploy_config",
        "get_deployment_status",
        "rollback_config",
        "list_history",
        "verify_artifact",
        "import_client_config",
        "sync_clients",
        "pull_profiles",
        "push_profiles",
        "audit_clients",
    ] {
        assert!(names.contains(&expected), "missing tool {expected}");
    }
    assert_eq!(names.len(), 23);
    let mut contract: Vec<Value> = tools
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "description": t.description,
                "inputSchema": t.input_schema.as_ref(),
                "outputSchema": t.output_schema.as_deref(),
                "annotations": t.annotations,
            })
        })
        .collect();
    contract.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    insta::assert_json_snapshot!("tools_list", contract);
    // Every tool that writes says so; every tool but the two that talk to a remote registry is
    // closed-world.
    for tool in &tools {
        let a = tool.annotations.as_ref().expect("annotations");
        let remote = matches!(tool.name.as_ref(), "pull_profiles" | "push_profiles");
        assert_eq!(a.open_world_hint, Some(remote), "{}", tool.name);
        let writes = matches!(
            tool.name.as_ref(),
            "add_server_to_config"
                | "remove_server_from_config"
                | "clear_draft_config"
                | "publish_config"
                | "deploy_config"
                | "sync_clients"
                | "rollback_config"
                | "import_client_config"
                | "pull_profiles"
                | "push_profiles"
        );
        assert_eq!(a.read_only_hint, Some(!writes), "{}", tool.name);
    }
    client.close().await;
}

#[tokio::test]
async fn list_clients_and_profiles() {
    let env = Env::new();
    let client = env.client().await;
    let out = client.call("list_clients", json!({})).await;
    let clients = out.ok()["clients"].as_array().expect("clients").clone();
    let cursor = clients.iter().find(|c| c["client_id"] == "cursor").expect("cursor");
    assert_eq!(cursor["display_name"], "Cursor");
    // Init seeds one shared default every client follows: no per-client copy.
    assert_eq!(cursor["profile_ids"], json!([]));
    assert_eq!(out.ok()["shared_profile_ids"], json!(["default"]));
    assert_eq!(cursor["config_location"], json!(env.root().join(".cursor/mcp.json")));
    assert_eq!(cursor["platform"], std::env::consts::OS);

    let out = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    assert_eq!(out.ok()["profiles"][0]["profile_id"], "default");
    assert_eq!(out.ok()["profiles"][0]["version"], 1);
    assert_eq!(out.ok()["profiles"][0]["layer"], "shared");

    let out = client.call("list_profiles", json!({"client_id": "no-such-client"})).await;
    assert_eq!(out.kind(), "not_found");
    client.close().await;
}

/// Rows are compact by default (the files found, no candidate paths); `detail: true` adds each
/// client's transports and every candidate path with what exists of it.
#[tokio::test]
async fn list_clients_is_compact_unless_detail_is_asked_for() {
    let env = Env::new();
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    std::fs::write(env.root().join(".cursor/mcp.json"), "{}").expect("write");
    let client = env.client().await;
    let compact = client.call("list_clients", json!({})).await;
    let full = client.call("list_clients", json!({"detail": true})).await;
    let row = |out: &Value, id: &str| {
        out["clients"].as_array().expect("clients").iter().find(|c| c["client_id"] == id).expect(id).clone()
    };
    let (small, big) = (row(compact.ok(), "cursor"), row(full.ok(), "cursor"));
    assert!(small.get("config_paths").is_none() && small.get("transports").is_none(), "{small}");
    assert_eq!(small["detected"], true);
    assert_eq!(small["scope_files"]["user"], json!([env.root().join(".cursor/mcp.json").display().to_string()]));
    let paths = big["config_paths"].as_array().expect("config_paths with detail");
    let user = paths.iter().find(|p| p["scope"] == "user" && p["alternative"] == false).expect("the user path");
    assert_eq!(user["presence"], "file");
    assert_eq!(user["path"], json!(env.root().join(".cursor/mcp.json")));
    assert!(big["transports"].as_array().is_some_and(|t| !t.is_empty()), "{big}");
    for key in ["client_id", "display_name", "platform", "format", "scopes", "scope_files", "profile_count"] {
        assert_eq!(small[key], big[key], "{key} is the same in both");
    }
    let (small_len, big_len) = (compact.ok().to_string().len(), full.ok().to_string().len());
    assert!(small_len * 5 < big_len * 3, "the compact list is under 60% of the detailed one: {small_len} vs {big_len}");
    client.close().await;
}

/// Each row names the client's scopes and, per scope, the files of it found here.
#[tokio::test]
async fn list_clients_shows_each_clients_scopes_and_the_scope_files_found() {
    let env = Env::new();
    let home = env.root().to_path_buf();
    let proj = home.join("proj");
    std::fs::create_dir_all(proj.join(".cursor")).expect("mkdir");
    std::fs::create_dir_all(home.join(".cursor")).expect("mkdir");
    std::fs::write(proj.join(".cursor/mcp.json"), "{}").expect("write");
    std::fs::write(home.join(".cursor/mcp.json"), "{}").expect("write");
    std::fs::write(proj.join(".mcp.json"), "{}").expect("write");
    let client = env.client_with_project_dirs(vec![proj.clone()]).await;
    let out = client.call("list_clients", json!({})).await;
    let clients = out.ok()["clients"].as_array().expect("clients").clone();
    let row = |id: &str| clients.iter().find(|c| c["client_id"] == id).expect(id).clone();
    let path = |p: PathBuf| json!(p.display().to_string());
    let cursor = row("cursor");
    assert_eq!(cursor["scopes"], json!(["user", "project"]));
    assert_eq!(cursor["scope_files"]["user"], json!([path(home.join(".cursor/mcp.json"))]));
    assert_eq!(cursor["scope_files"]["project"], json!([path(proj.join(".cursor/mcp.json"))]));
    let claude = row("claude-code");
    assert_eq!(claude["scopes"], json!(["user", "project", "local"]));
    assert_eq!(claude["scope_files"]["project"], json!([path(proj.join(".mcp.json"))]));
    assert_eq!(claude["scope_files"]["user"], json!([]), "no ~/.claude.json here");
    let desktop = row("claude-desktop");
    assert_eq!(desktop["scopes"], json!(["user"]));
    assert_eq!(desktop["scope_files"], json!({"user": []}));
    client.close().await;
}

#[tokio::test]
async fn get_config_returns_the_verified_artifact_with_the_original_fields() {
    let env = Env::new();
    let client = env.client().await;
    let out = client.call("get_config", json!({"client_id": "claude-desktop"})).await;
    let artifact = out.ok();
    for field in
        ["artifact_id", "client_id", "profile_id", "created_at", "payload", "signature", "signing_key_id", "metadata"]
    {
        assert!(artifact.get(field).is_some(), "missing {field}");
    }
    // The shared default seeded by init, served for Claude Desktop.
    assert_eq!(artifact["client_id"], "_shared");
    assert_eq!(artifact["layer"], "shared");
    assert_eq!(artifact["served_for"], "claude-desktop");
    assert_eq!(artifact["profile_id"], "default");
    assert!(artifact["payload"]["mcpServers"].is_object());
    let id = artifact["artifact_id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("sha256:") && id.len() == 71);

    // The same version by its id, and bare hex accepted.
    let by_id = client.call("get_config", json!({"client_id": "claude-desktop", "artifact_id": id})).await;
    assert_eq!(by_id.ok()["artifact_id"], json!(id));

    let missing = client.call("get_config", json!({"client_id": "claude-desktop", "profile_id": "prod"})).await;
    assert_eq!(missing.kind(), "not_found");
    assert!(missing.text.contains("prod"), "{}", missing.text);
    let bad_id = client.call("get_config", json!({"client_id": "cursor", "artifact_id": "sha256:zz"})).await;
    assert_eq!(bad_id.kind(), "usage");
    client.close().await;
}

#[tokio::test]
async fn a_tampered_artifact_is_an_error_result_not_a_config() {
    let env = Env::new();
    let client = env.client().await;
    // Flip a byte of the signature in every stored envelope of the shared default cursor follows.
    let dir = env.home().join("history/_shared/default");
    for entry in std::fs::read_dir(&dir).expect("history dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let at = text.find("\"sig\":\"").expect("sig") + 7;
        let mut bytes = text.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(&path, bytes).expect("write");
    }
    let out = client.call("get_config", json!({"client_id": "cursor"})).await;
    assert!(out.is_error);
    assert!(matches!(out.kind(), "signature" | "integrity"), "{}", out.kind());
    assert!(out.structured.get("payload").is_none());
    let verify = client.call("verify_artifact", json!({})).await;
    assert_eq!(verify.ok()["verified"], false);
    assert!(verify.ok()["failed"].as_u64().unwrap_or(0) >= 1);
    client.close().await;
}

#[tokio::test]
async fn diff_config_of_a_payload_an_artifact_and_a_live_file() {
    let env = Env::new();
    let client = env.client().await;
    let head = client.call("get_config", json!({"client_id": "cursor"})).await.ok().clone();

    let same = client.call("diff_config", json!({"client_id": "cursor", "local_payload": head["payload"]})).await;
    assert_eq!(same.ok()["status"], "up-to-date");
    assert_eq!(same.ok()["local_artifact_id"], head["artifact_id"]);
    assert_eq!(same.ok()["remote_artifact_id"], head["artifact_id"]);

    let mut changed = head["payload"].clone();
    changed["mcpServers"].as_object_mut().expect("servers").remove("memory");
    changed["mcpServers"]["extra"] = json!({"command": "extra-server"});
    let out = client.call("diff_config", json!({"client_id": "cursor", "local_payload": changed})).await;
    let d = out.ok();
    assert_eq!(d["status"], "diverged");
    // The diff is what a deploy of the head would do to the local document.
    assert_eq!(d["diff"]["servers_added"], json!(["memory"]));
    assert_eq!(d["diff"]["servers_removed"], json!(["extra"]));
    assert_eq!(d["diff"]["summary"]["total_changes"], 2);
    assert!(d["diff"]["changes"].as_array().expect("changes").iter().all(|c| c.get("impact").is_some()));
    assert!(d["recommendation"].as_str().is_some_and(|r| !r.is_empty()));
    for key in ["servers_added", "servers_removed", "servers_modified", "servers_unchanged"] {
        assert!(d["diff"][key].is_array(), "{key}");
    }

    let by_id =
        client.call("diff_config", json!({"client_id": "cursor", "local_artifact_id": head["artifact_id"]})).await;
    assert_eq!(by_id.ok()["status"], "up-to-date");

    // No file yet: the live file of the client is missing.
    let live = client.call("diff_config", json!({"client_id": "cursor"})).await;
    assert_eq!(live.ok()["status"], "missing");

    let both = client
        .call(
            "diff_config",
            json!({"client_id": "cursor", "local_payload": head["payload"], "local_artifact_id": head["artifact_id"]}),
        )
        .await;
    assert_eq!(both.kind(), "usage");
    let not_doc = client.call("diff_config", json!({"client_id": "cursor", "local_payload": {"servers": 1}})).await;
    assert_eq!(not_doc.kind(), "validation");
    client.close().await;
}

#[tokio::test]
async fn catalog_tools() {
    let env = Env::new();
    let client = env.client().await;
    let all = client.call("list_available_servers", json!({})).await;
    let count = all.ok()["count"].as_u64().expect("count");
    assert!(count > 3);
    let first = all.ok()["servers"][0]["id"].as_str().expect("id").to_owned();
    let found = client.call("search_servers", json!({"query": first})).await;
    assert!(found.ok()["servers"].as_array().expect("servers").iter().any(|s| s["id"] == json!(first)));
    let shown = client.call("describe_server", json!({"server_id": first})).await;
    assert_eq!(shown.ok()["id"], json!(first));
    let missing = client.call("describe_server", json!({"server_id": "no-such-server"})).await;
    assert_eq!(missing.kind(), "not_found");
    client.close().await;
}

#[tokio::test]
async fn draft_publish_deploy_rollback_into_a_client_file() {
    let env = Env::new();
    // The project is a root the client declares, so its `.cursor/mcp.json` may be named.
    let client = env.client_with_roots(&[format!("file://{}", env.root().join("project").display())]).await;
    let c = |extra: &[(&str, Value)]| {
        let mut a = args(&[("client_id", json!("cursor")), ("profile_id", json!("dev"))]);
        for (k, v) in extra {
            a[*k] = v.clone();
        }
        a
    };
    let empty = client.call("view_draft_config", c(&[])).await;
    assert_eq!(empty.ok()["exists"], false);
    assert_eq!(empty.ok()["document"], json!({"mcpServers": {}}));

    let added = client.call("add_server_to_config", c(&[("server_id", json!("memory"))])).await;
    assert!(added.ok()["document"]["mcpServers"]["memory"].is_object(), "{}", added.text);
    let again = client.call("add_server_to_config", c(&[("server_id", json!("fetch")), ("name", json!("web"))])).await;
    assert!(again.ok()["document"]["mcpServers"]["web"].is_object());
    let removed = client.call("remove_server_from_config", c(&[("server_id", json!("web"))])).await;
    assert!(removed.ok()["document"]["mcpServers"].get("web").is_none());
    let gone = client.call("remove_server_from_config", c(&[("server_id", json!("web"))])).await;
    assert_eq!(gone.kind(), "not_found");

    let valid = client.call("validate_config", c(&[])).await;
    assert_eq!(valid.ok()["valid"], true);
    let invalid = client.call("validate_config", c(&[("payload", json!({"mcpServers": {"x": {"command": 1}}}))])).await;
    assert_eq!(invalid.ok()["valid"], false);

    let published = client.call("publish_config", c(&[("note", json!("memory only"))])).await;
    let artifact = published.ok().clone();
    assert_eq!(artifact["version"], 1);
    assert_eq!(artifact["metadata"]["note"], "memory only");
    let history = client.call("list_history", c(&[])).await;
    assert_eq!(history.ok()["entries"][0]["artifact_id"], artifact["artifact_id"]);
    assert_eq!(history.ok()["entries"][0]["verified"], true);

    // Deploy without confirm writes nothing and shows the diff.
    let target = env.root().join("project/.cursor/mcp.json");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    std::fs::write(&target, "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"keep-me\"}\n  }\n}\n")
        .expect("write");
    let before = std::fs::read(&target).expect("read");
    let file = json!(target.display().to_string());
    let dry = client.call("deploy_config", c(&[("file", file.clone())])).await;
    assert_eq!(dry.ok()["dry_run"], true);
    // Cursor's own config directory does not exist here: not installed, `create` needed.
    let absent = client.call("deploy_config", c(&[])).await;
    assert_eq!(absent.kind(), "usage", "{}", absent.text);
    assert!(absent.text.contains("create: true") && !env.root().join(".cursor").exists(), "{}", absent.text);
    assert!(dry.ok()["diff"].as_str().expect("diff").contains("memory"));
    assert_eq!(std::fs::read(&target).expect("read"), before, "a dry run wrote the file");

    let done = client.call("deploy_config", c(&[("file", file.clone()), ("confirm", json!(true))])).await;
    assert_eq!(done.ok()["dry_run"], false);
    assert_eq!(done.ok()["changed"], true);
    let written = std::fs::read_to_string(&target).expect("read");
    assert!(written.contains("memory") && written.contains("keep-me"), "{written}");

    let status = client.call("get_deployment_status", json!({"client_id": "cursor"})).await;
    assert!(status.ok()["files"].is_array());

    let diff_live = client.call("diff_config", c(&[("file", file.clone())])).await;
    assert_eq!(diff_live.ok()["status"], "up-to-date", "{}", diff_live.structured);

    // Rollback without confirm previews; with confirm restores the bytes.
    let preview = client.call("rollback_config", json!({"client_id": "cursor", "file": file})).await;
    assert_eq!(preview.ok()["dry_run"], true);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), written);
    let rolled = client.call("rollback_config", json!({"client_id": "cursor", "file": file, "confirm": true})).await;
    assert!(rolled.ok()["deployment_id"].is_string());
    assert_eq!(std::fs::read(&target).expect("read"), before);

    let cleared = client.call("clear_draft_config", c(&[])).await;
    assert_eq!(cleared.ok()["cleared"], false);
    client.close().await;
}

#[tokio::test]
async fn import_a_client_file_into_a_draft() {
    let env = Env::new();
    let client = env.client().await;
    let target = env.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    std::fs::write(&target, r#"{"mcpServers": {"local": {"command": "my-server", "args": ["--x"]}}}"#).expect("write");
    let out = client.call("import_client_config", json!({"client_id": "cursor", "profile_id": "imported"})).await;
    assert_eq!(out.ok()["document"]["mcpServers"]["local"]["command"], "my-server");
    let draft = client.call("view_draft_config", json!({"client_id": "cursor", "profile_id": "imported"})).await;
    assert_eq!(draft.ok()["exists"], true);
    let published = client
        .call("import_client_config", json!({"client_id": "cursor", "profile_id": "imported", "publish": true}))
        .await;
    assert!(published.ok()["published"].is_object());
    client.close().await;
}

/// Ids that try to escape, files that are not the client's, huge strings: refused as results
/// with `isError`, and the home and the files are unchanged.
#[tokio::test]
async fn hostile_arguments_are_refused_and_change_nothing() {
    let env = Env::new();
    let client = env.client().await;
    let before = env.home_state();
    let victim = env.root().join("victim.txt");
    std::fs::write(&victim, "do not touch").expect("write");
    let huge = "a".repeat(200_000);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("get_config", json!({"client_id": "../../etc"}), "unsafe"),
        ("get_config", json!({"client_id": "cursor", "profile_id": "../x"}), "unsafe"),
        ("list_history", json!({"client_id": "cursor", "profile_id": ".hidden"}), "unsafe"),
        ("add_server_to_config", json!({"client_id": "cursor", "profile_id": "a/b", "server_id": "memory"}), "unsafe"),
        ("publish_config", json!({"client_id": "..", "profile_id": "default"}), "unsafe"),
        ("get_config", json!({"client_id": huge}), "usage"),
        ("publish_config", json!({"client_id": "cursor", "note": huge}), "usage"),
        ("search_servers", json!({"query": huge}), "usage"),
        ("deploy_config", json!({"client_id": "cursor", "file": victim, "confirm": true}), "unsafe"),
        ("deploy_config", json!({"client_id": "cursor", "file": "relative/mcp.json", "confirm": true}), "unsafe"),
        (
            "deploy_config",
            json!({"client_id": "cursor", "file": env.root().join("a/../.cursor/mcp.json"), "confirm": true}),
            "unsafe",
        ),
        ("rollback_config", json!({"client_id": "cursor", "file": victim, "confirm": true}), "unsafe"),
        ("import_client_config", json!({"client_id": "cursor", "file": "/etc/passwd"}), "unsafe"),
        ("diff_config", json!({"client_id": "cursor", "file": "/etc/shadow"}), "unsafe"),
    ];
    for (tool, arguments, kind) in cases {
        let out = client.call(tool, arguments).await;
        assert!(out.is_error, "{tool} was not refused");
        assert_eq!(out.kind(), kind, "{tool}: {}", out.text);
        assert!(out.text.len() < 2000, "{tool}: the message echoes the input");
    }
    // Wrong types never reach a tool.
    for (tool, arguments) in [
        ("get_config", json!({"client_id": 5})),
        ("deploy_config", json!({"client_id": "cursor", "confirm": "yes"})),
        ("add_server_to_config", json!({"client_id": "cursor", "server_id": "memory", "env": {"A": 1}})),
        ("get_config", json!({"client_id": "cursor", "unknown": true})),
        ("get_config", json!({})),
    ] {
        match client.call_raw(tool, arguments.clone()).await {
            Ok(result) => assert_eq!(result.is_error, Some(true), "{tool} {arguments}"),
            Err(rmcp::ServiceError::McpError(e)) => assert_eq!(e.code.0, -32602, "{tool}"),
            Err(other) => panic!("{tool}: {other}"),
        }
    }
    // An unknown tool is protocol misuse: a JSON-RPC error.
    match client.call_raw("no_such_tool", json!({})).await {
        Err(rmcp::ServiceError::McpError(e)) => assert!(e.code.0 == -32602 || e.code.0 == -32601, "{}", e.code.0),
        other => panic!("unknown tool answered {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "do not touch");
    assert_eq!(env.home_state(), before, "a refused call changed the home");
    assert!(!env.root().join(".cursor/mcp.json").exists());
    client.close().await;
}

#[tokio::test]
async fn every_call_records_a_tool_call_event_pair_with_its_trace_id() {
    let env = Env::new();
    let client = env.client().await;
    let ok = client.call("list_profiles", json!({"client_id": "cursor"})).await;
    let failed = client.call("get_config", json!({"client_id": "cursor", "profile_id": "nope"})).await;
    let events = env.events();
    // Every step of a call shares its trace: the tool call's pair around the core operation's.
    let expected = [
        (&ok, vec!["orchestrator.tool_call_started", "orchestrator.tool_call_completed"]),
        (
            &failed,
            vec![
                "orchestrator.tool_call_started",
                "orchestrator.config_retrieval_started",
                "orchestrator.config_retrieval_failed",
                "orchestrator.tool_call_failed",
            ],
        ),
    ];
    for (outcome, types_expected) in expected {
        let trace = outcome.trace_id.clone().expect("trace id in _meta");
        let of_trace: Vec<&Value> = events.iter().filter(|e| e["trace_id"] == json!(trace)).collect();
        let types: Vec<&str> = of_trace.iter().filter_map(|e| e["event_type"].as_str()).collect();
        assert_eq!(types, types_expected);
    }
    let failed_event =
        events.iter().find(|e| e["event_type"] == "orchestrator.tool_call_failed").expect("failed event");
    assert_eq!(failed_event["metadata"]["tool"], "get_config");
    assert_eq!(failed_event["metadata"]["error_kind"], "not_found");
    client.close().await;
}

#[tokio::test]
async fn a_missing_home_is_a_result_that_says_to_run_init() {
    let env = Env::uninitialized();
    let client = env.client().await;
    let out = client.call("get_config", json!({"client_id": "cursor"})).await;
    assert_eq!(out.kind(), "not_found");
    assert!(out.text.contains("init-configs"), "{}", out.text);
    assert!(!env.home().exists(), "a read created the home");
    client.close().await;
}

#[tokio::test]
async fn deploy_config_refuses_the_users_own_entry_unless_adopted_and_rollback_config_needs_force_after_edits() {
    let env = Env::new();
    let gh = r#"{"mcpServers": {"gh": {"command": "npx", "args": ["gh-server"]}}}"#;
    env.core().publish("cursor", "team", gh, None, None).expect("publish");
    let client = env.client().await;
    // The client's own file (no `file` argument): its directory exists, so no `create`.
    let target = env.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    let secret = "ghp_mcpusersownsecret0123456789";
    let original =
        format!(r#"{{"mcpServers": {{"gh": {{"command": "my-gh", "env": {{"GITHUB_TOKEN": "{secret}"}}}}}}}}"#);
    std::fs::write(&target, &original).expect("write");
    let base = json!({"client_id": "cursor", "profile_id": "team", "confirm": true});
    let refused = client.call("deploy_config", base.clone()).await;
    assert_eq!(refused.kind(), "conflict", "{}", refused.text);
    assert_eq!(refused.structured["error"]["exit_code"], 7);
    assert!(refused.text.contains("gh") && refused.text.contains("adopt"), "{}", refused.text);
    assert!(!refused.text.contains(secret), "{}", refused.text);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), original, "a refusal writes nothing");

    let mut adopting = base.clone();
    adopting["adopt"] = json!(["gh"]);
    let adopted = client.call("deploy_config", adopting).await;
    assert_eq!(adopted.ok()["adopted"], json!(["gh"]));
    let written = std::fs::read_to_string(&target).expect("read");
    assert!(written.contains("gh-server"), "{written}");

    let edited = written.replace("gh-server", "gh-server-edited");
    std::fs::write(&target, &edited).expect("edit");
    let rollback = json!({"client_id": "cursor", "confirm": true});
    let refused = client.call("rollback_config", rollback.clone()).await;
    assert_eq!(refused.kind(), "conflict", "{}", refused.text);
    assert!(refused.text.contains("gh-server-edited") && refused.text.contains("force"), "{}", refused.text);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), edited);
    let mut forced = rollback;
    forced["force"] = json!(true);
    assert!(client.call("rollback_config", forced).await.ok()["deployment_id"].is_string());
    assert_eq!(std::fs::read_to_string(&target).expect("read"), original);
    client.close().await;
}

#[tokio::test]
async fn publish_config_refuses_a_draft_made_from_an_older_head() {
    let env = Env::new();
    let v1 = r#"{"mcpServers": {"a": {"command": "npx", "args": ["a"]}}}"#;
    env.core().publish("cursor", "team", v1, None, None).expect("v1");
    let client = env.client().await;
    let target = json!({"client_id": "cursor", "profile_id": "team", "server_id": "memory"});
    assert!(client.call("add_server_to_config", target).await.ok()["exists"] == true);
    let v2 = r#"{"mcpServers": {"a": {"command": "npx", "args": ["a2"]}}}"#;
    env.core().publish("cursor", "team", v2, None, None).expect("v2");
    let refused = client.call("publish_config", json!({"client_id": "cursor", "profile_id": "team"})).await;
    assert_eq!(refused.kind(), "conflict", "{}", refused.text);
    assert!(refused.text.contains("draft rebase") && refused.text.contains("v1"), "{}", refused.text);
    assert_eq!(env.core().get("cursor", "team").expect("head").statement().version, 2, "nothing was published");
    client.close().await;
}

/// `scope` on the tools that take a `file`: the project is the declared project directory,
/// the file is the client's file of that scope there, and the `file` rule still applies.
#[tokio::test]
async fn scoped_calls_reach_the_scope_file_in_the_declared_project() {
    let env = Env::new();
    let project = env.root().join("proj");
    std::fs::create_dir_all(&project).expect("mkdir");
    let client = env.client_with_project_dirs(vec![project.clone()]).await;
    let published = client.call("add_server_to_config", json!({"client_id": "vscode", "server_id": "memory"})).await;
    assert!(published.ok()["document"].is_object(), "{}", published.text);
    client.call("publish_config", json!({"client_id": "vscode"})).await.ok();
    let dry = client.call("deploy_config", json!({"client_id": "vscode", "scope": "project"})).await;
    assert_eq!(dry.ok()["file"], project.join(".vscode/mcp.json").display().to_string(), "{}", dry.text);
    assert!(!project.join(".vscode").exists(), "a dry run wrote nothing");
    let done = client.call("deploy_config", json!({"client_id": "vscode", "scope": "project", "confirm": true})).await;
    assert_eq!(done.ok()["changed"], true, "{}", done.text);
    let written: Value =
        serde_json::from_slice(&std::fs::read(project.join(".vscode/mcp.json")).expect("read")).expect("json");
    assert!(written["servers"]["memory"].is_object(), "{written}");
    let diff = client.call("diff_config", json!({"client_id": "vscode", "scope": "project"})).await;
    assert_eq!(diff.ok()["status"], "up-to-date", "{}", diff.text);
    let imported = client
        .call("import_client_config", json!({"client_id": "vscode", "profile_id": "copy", "scope": "project"}))
        .await;
    assert!(imported.ok()["document"]["mcpServers"]["memory"].is_object(), "{}", imported.text);

    // Claude Code's local scope: `projects.<dir>.mcpServers` of ~/.claude.json, the rest kept.
    let claude = env.root().join(".claude.json");
    std::fs::write(&claude, "{\"numStartups\": 3, \"mcpServers\": {\"mine\": {\"command\": \"me\"}}}\n")
        .expect("write");
    client.call("add_server_to_config", json!({"client_id": "claude-code", "server_id": "memory"})).await.ok();
    client.call("publish_config", json!({"client_id": "claude-code"})).await.ok();
    let local = client
        .call(
            "deploy_config",
            json!({"client_id": "claude-code", "scope": "local", "project": project.display().to_string(), "confirm": true}),
        )
        .await;
    assert_eq!(local.ok()["file"], claude.display().to_string(), "{}", local.text);
    let doc: Value = serde_json::from_slice(&std::fs::read(&claude).expect("read")).expect("json");
    assert!(doc["projects"][project.display().to_string()]["mcpServers"]["memory"].is_object(), "{doc}");
    assert_eq!(doc["mcpServers"], json!({"mine": {"command": "me"}}));
    assert_eq!(doc["numStartups"], 3);
    client.close().await;
}

#[tokio::test]
async fn scoped_calls_that_cannot_be_answered_are_refused_and_change_nothing() {
    let env = Env::new();
    let project = env.root().join("proj");
    let outside = env.root().join("outside");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let none = env.client().await;
    let no_dir = none.call("deploy_config", json!({"client_id": "cursor", "scope": "project"})).await;
    assert_eq!(no_dir.kind(), "usage", "{}", no_dir.text);
    assert!(no_dir.text.contains("--project-dir"), "{}", no_dir.text);
    none.close().await;

    let client = env.client_with_project_dirs(vec![project.clone()]).await;
    let before = env.home_state();
    let cases = [
        (json!({"client_id": "cursor", "scope": "global"}), "usage", "give user, project or local"),
        (json!({"client_id": "claude-desktop", "scope": "project"}), "usage", "its scopes are user"),
        (json!({"client_id": "cursor", "scope": "local"}), "usage", "cursor has no local scope"),
        (
            json!({"client_id": "cursor", "scope": "project", "file": project.join(".cursor/mcp.json").display().to_string()}),
            "usage",
            "not both",
        ),
        (
            json!({"client_id": "cursor", "scope": "project", "project": outside.display().to_string()}),
            "unsafe",
            "not a project directory",
        ),
    ];
    for (args, kind, needle) in cases {
        for tool in ["deploy_config", "diff_config", "import_client_config", "rollback_config"] {
            let out = client.call(tool, args.clone()).await;
            assert_eq!(out.kind(), kind, "{tool} {args}: {}", out.text);
            assert!(out.text.contains(needle), "{tool} {args}: {}", out.text);
        }
    }
    // A project file whose real target escapes the project is refused by the file rule.
    std::fs::create_dir_all(project.join(".cursor")).expect("mkdir");
    std::fs::write(outside.join("mcp.json"), "{}").expect("write");
    std::os::unix::fs::symlink(outside.join("mcp.json"), project.join(".cursor/mcp.json")).expect("symlink");
    let escaped =
        client.call("deploy_config", json!({"client_id": "cursor", "scope": "project", "confirm": true})).await;
    assert_eq!(escaped.kind(), "unsafe", "{}", escaped.text);
    assert_eq!(std::fs::read_to_string(outside.join("mcp.json")).expect("read"), "{}");
    assert_eq!(env.home_state(), before, "a refusal changes nothing");
    client.close().await;
}
