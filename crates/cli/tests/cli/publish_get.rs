//! `publish`, `get`, `history`, `events`: round trips, refusals with their exit codes, expiry,
//! concurrency, and what never appears in output.

use serde_json::json;

use super::common::*;

#[test]
fn publish_then_get_round_trips_the_document_as_the_next_version() {
    let env = initialized();
    let doc = r#"{"mcpServers": {"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
        "headers": {"Authorization": "Bearer ${secret:GITHUB_TOKEN}"}}, "é-ünicode": {"command": "uvx", "args": ["x"]}}}"#;
    // Cursor follows the shared default until it has its own profile of that name.
    assert_eq!(json(&run(&env, &["get", "cursor", "--json"]))["client_id"], "_shared");
    let published = publish(&env, "cursor", "default", doc);
    assert_eq!(published["version"], 1);
    assert_eq!(published["client_id"], "cursor");
    let got = json(&run(&env, &["get", "cursor", "--json"]));
    assert_eq!(got["artifact_id"], published["artifact_id"]);
    let expected: serde_json::Value = serde_json::from_str(doc).expect("doc");
    assert_eq!(got["payload"], expected);
    // Plain `get` prints the servers document alone on stdout.
    let out = run(&env, &["get", "cursor"]);
    let plain: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(plain, expected);
    assert!(stderr(&out).contains("verified cursor/default v1"));
}

#[test]
fn same_document_gets_the_same_id_whatever_its_formatting() {
    let env = initialized();
    let a = publish(&env, "cursor", "a", r#"{"mcpServers":{"x":{"command":"npx","args":["1"]}}}"#);
    let b = publish(
        &env,
        "zed",
        "b",
        "{\n  \"mcpServers\" : { \"x\" : { \"args\" : [ \"1\" ], \"command\" : \"npx\" } }\n}\n",
    );
    assert_eq!(a["artifact_id"], b["artifact_id"]);
    let id = a["artifact_id"].as_str().expect("id");
    assert!(id.starts_with("sha256:") && id.len() == 71);
}

#[test]
fn publish_refuses_duplicate_keys_with_the_pointer_and_changes_nothing() {
    let env = initialized();
    let before = env.snapshot();
    let file = env.write_file("dup.json", r#"{"mcpServers": {"a": {"command": "x", "env": {"K": "1", "K": "2"}}}}"#);
    let out = run(&env, &["publish", "cursor", "--profile", "default", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 4);
    let err = stderr(&out);
    assert!(err.contains("/mcpServers/a/env/K") && err.contains("duplicate key"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.snapshot(), before);
}

#[test]
fn publish_refuses_integers_beyond_2_pow_53_with_the_pointer() {
    let env = initialized();
    let file = env.write_file("big.json", r#"{"mcpServers": {"a": {"command": "x", "timeout": 9007199254740993}}}"#);
    let out = run(&env, &["publish", "cursor", "--profile", "default", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("/mcpServers/a/timeout"), "{}", stderr(&out));
}

#[test]
fn publish_refuses_lone_surrogates_and_nan() {
    let env = initialized();
    for (name, text, pointer) in [
        ("sur.json", r#"{"mcpServers": {"a": {"command": "\ud800"}}}"#, "/mcpServers/a/command"),
        ("nan.json", r#"{"mcpServers": {"a": {"timeout": NaN}}}"#, "/mcpServers/a/timeout"),
    ] {
        let file = env.write_file(name, text);
        let out = run(&env, &["publish", "cursor", "--profile", "default", "--file", file.to_str().expect("utf8")]);
        assert_eq!(code(&out), 4, "{name}");
        assert!(stderr(&out).contains(pointer), "{name}: {}", stderr(&out));
    }
}

#[test]
fn publish_refuses_a_document_that_is_not_a_servers_document() {
    let env = initialized();
    for (text, pointer) in [(r#"{"servers": {}}"#, "at :"), (r#"{"mcpServers": {"a": 1}}"#, "/mcpServers/a")] {
        let file = env.write_file("bad.json", text);
        let out = run(&env, &["publish", "cursor", "--profile", "default", "--file", file.to_str().expect("utf8")]);
        assert_eq!(code(&out), 6, "{text}");
        assert!(stderr(&out).contains(pointer), "{}", stderr(&out));
    }
}

#[test]
fn publish_of_a_missing_file_is_not_found() {
    let env = initialized();
    let out = run(&env, &["publish", "cursor", "--profile", "default", "--file", "/nonexistent/servers.json"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("/nonexistent/servers.json"));
}

#[test]
fn publish_reads_stdin_with_dash() {
    let env = initialized();
    let out = env
        .command(BIN)
        .args(["publish", "codex", "--profile", "p", "--file", "-", "--json"])
        .write_stdin(servers("from-stdin", "uvx"))
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["payload"]["mcpServers"]["from-stdin"]["command"], "uvx");
}

#[test]
fn an_expired_artifact_is_refused_with_exit_9() {
    let mut env = initialized();
    let file = env.write_file("doc.json", &servers("a", "npx"));
    let out = run(
        &env,
        &[
            "publish",
            "cursor",
            "--profile",
            "frozen",
            "--file",
            file.to_str().expect("utf8"),
            "--expires-in",
            "1h",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["expires_at"], "2026-11-25T13:00:00Z");
    env.set_now("2026-11-25T12:59:59Z");
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "frozen"])), 0);
    env.set_now("2026-11-25T13:00:00Z");
    let out = run(&env, &["get", "cursor", "--profile", "frozen"]);
    assert_eq!(code(&out), 9);
    assert!(stderr(&out).contains("expired at 2026-11-25T13:00:00Z"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing that could be mistaken for a config");
}

#[test]
fn note_and_metadata_are_signed_and_shown_in_history() {
    let env = initialized();
    let file = env.write_file("doc.json", &servers("a", "npx"));
    let path = file.to_str().expect("utf8");
    let out = run(&env, &["publish", "cursor", "--profile", "dev", "--file", path, "--note", "first"]);
    assert_eq!(code(&out), 0);
    let history = json(&run(&env, &["history", "cursor", "--profile", "dev", "--json"]));
    assert_eq!(history["history"][0]["metadata"], json!({"note": "first"}));
    assert_eq!(history["history"][0]["verified"], true);
    assert_eq!(history["history"][0]["created_at"], "2026-11-25T12:00:00Z");
}

#[test]
fn history_json_names_a_failed_version_by_class_and_exit_code_like_the_mcp_tool() {
    let env = initialized();
    publish(&env, "cursor", "h", &servers("one", "npx"));
    publish(&env, "cursor", "h", &servers("two", "npx"));
    let v1 = env.home().join("history/cursor/h/0000000001.json");
    let tampered = String::from_utf8(std::fs::read(&v1).expect("v1")).expect("utf8").replacen(
        "\"created_at\":\"2026",
        "\"created_at\":\"2025",
        1,
    );
    assert!(tampered.contains("\"created_at\":\"2025"), "the envelope was changed");
    std::fs::write(&v1, tampered).expect("tamper");
    let out = run(&env, &["history", "cursor", "--profile", "h", "--json"]);
    assert_eq!(code(&out), 8, "a signed field changed: the signature class: {}", stderr(&out));
    let history = json(&out);
    let entries = history["history"].as_array().expect("list");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["version"], 1);
    assert_eq!(entries[0]["verified"], false);
    assert_eq!(entries[0]["error"]["kind"], "signature");
    assert_eq!(entries[0]["error"]["exit_code"], 8);
    assert!(entries[0]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", entries[0]);
    assert!(entries[0].get("artifact_id").is_none(), "no id is shown for what did not verify");
    assert_eq!(entries[1]["verified"], true);
    assert!(entries[1]["error"].is_null());
}

#[test]
fn two_processes_publishing_to_one_profile_lose_no_version() {
    let env = initialized();
    let spawn = |tag: &str| {
        let mut children = Vec::new();
        for i in 0..10 {
            let file = env.write_file(&format!("{tag}{i}.json"), &servers(&format!("{tag}{i}"), "npx"));
            let mut cmd = env.std_command(BIN);
            cmd.args(["publish", "cursor", "--profile", "race", "--file", file.to_str().expect("utf8")]);
            children.push(cmd.spawn().expect("spawn"));
        }
        children
    };
    let mut all = spawn("a");
    all.extend(spawn("b"));
    for mut child in all {
        assert!(child.wait().expect("wait").success());
    }
    let history = json(&run(&env, &["history", "cursor", "--profile", "race", "--json"]));
    let entries = history["history"].as_array().expect("list");
    assert_eq!(entries.len(), 20);
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry["version"], i as u64 + 1);
        assert_eq!(entry["verified"], true);
        if i > 0 {
            assert_eq!(entry["previous"], entries[i - 1]["artifact_id"], "the chain is intact");
        }
    }
    let ids: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e["artifact_id"].as_str().expect("id")).collect();
    assert_eq!(ids.len(), 20, "every publisher's document is a version of its own");
    assert_eq!(code(&run(&env, &["verify", "--all"])), 0);
}

#[test]
fn events_record_each_operation_under_one_trace_and_the_memory_alias_queries_them() {
    let env = initialized();
    assert_eq!(code(&run(&env, &["get", "cursor"])), 0);
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "missing"])), 3);
    let events = json(&run(&env, &["events", "query", "--type", "orchestrator.config_retrieval", "--json"]));
    let events = events["events"].as_array().expect("list");
    assert_eq!(events.len(), 4);
    assert_eq!(events[0]["status"], "pending");
    assert_eq!(events[1]["event_type"], "orchestrator.config_retrieval_completed");
    assert_eq!(events[0]["trace_id"], events[1]["trace_id"]);
    assert_eq!(events[3]["event_type"], "orchestrator.config_retrieval_failed");
    assert_eq!(events[3]["metadata"]["exit_code"], 3);
    let trace = events[3]["trace_id"].as_str().expect("trace");
    let failures = json(&run(&env, &["memory", "query", "--status", "failure", "--since", "1h", "--json"]));
    assert_eq!(failures["events"].as_array().expect("list").len(), 1);
    assert_eq!(failures["events"][0]["trace_id"], trace);
    let by_trace = json(&run(&env, &["events", "query", "--trace", trace, "--json"]));
    assert_eq!(by_trace["events"].as_array().expect("list").len(), 2);
    let out = env
        .command(env!("CARGO_BIN_EXE_mcp-orchestration-memory"))
        .args(["query", "--type", "orchestrator.config_retrieval_failed", "--json"])
        .output()
        .expect("run");
    assert_eq!(json(&out)["events"].as_array().expect("list").len(), 1);
    let stats = json(&run(&env, &["events", "stats", "--json"]));
    // init (started is written once the home exists), then two gets of two events each.
    assert_eq!(stats["total"], 6);
}

#[test]
fn no_output_event_or_stored_file_contains_the_private_key() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    let mut outputs = Vec::new();
    for args in [
        vec!["get", "cursor", "--json"],
        vec!["keys", "show", "--json"],
        vec!["keys", "export"],
        vec!["history", "cursor", "--json"],
        vec!["events", "query", "--json"],
        vec!["verify", "--all", "--json"],
    ] {
        let out = run(&env, &args);
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out));
    }
    let private_b64 = mcp_testkit::FIXED_KEY_A.lines().nth(1).expect("base64 line");
    let seed_b64_tail = &private_b64[private_b64.len() - 20..];
    for text in outputs {
        assert!(!text.contains("PRIVATE KEY") && !text.contains(seed_b64_tail), "{text}");
    }
    for (name, bytes) in env.snapshot() {
        if name != "keys/signing_key.pem" {
            assert!(!String::from_utf8_lossy(&bytes).contains(seed_b64_tail), "{name} holds the private key");
        }
    }
}
