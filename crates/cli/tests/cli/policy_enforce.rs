//! Policies enforced: `publish`, `deploy` (dry runs too), `sync` and `add` refuse a document
//! that breaks a rule (exit 6, naming the rule and the policy) and write nothing, neither in
//! the home nor in any client file; an MCP tool call gets an `isError` result and the REST
//! API a problem document, both naming the rule.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::Duration;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{BIN, code, publish, run, stderr};
use super::policy::{admin, install, s, sign, user_of};

/// The home's state a refusal must leave as it was: everything but the event log and the
/// empty lock and signature-cache files a refusal may leave (README, "Exit codes").
fn state(env: &TestEnv) -> Vec<(String, Vec<u8>)> {
    let mut files = env.snapshot();
    files.retain(|(name, _)| !name.starts_with("locks/") && !name.starts_with("cache/"));
    files
}

/// A user home trusting the admin, with `dev` published for cursor (holding `evil`) before
/// the org's policy denying `evil` and `memory` was installed, and cursor's file in place.
fn setup() -> (TestEnv, TestEnv, std::path::PathBuf) {
    let admin = admin();
    let user = user_of(&admin);
    publish(&user, "cursor", "dev", r#"{"mcpServers": {"evil": {"command": "evil-server"}}}"#);
    let file = user.write_file(".cursor/mcp.json", r#"{"mcpServers": {"mine": {"command": "mine"}}}"#);
    install(&user, &sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil", "memory"]}})));
    (admin, user, file)
}

fn assert_refused(out: &std::process::Output, server: &str) {
    assert_eq!(code(out), 6, "{}", stderr(out));
    let message = stderr(out);
    assert!(
        message.contains(&format!("server '{server}': rule servers.deny of policy 'acme' (org)"))
            && message.contains("nothing was written"),
        "{message}"
    );
    assert!(out.stdout.is_empty(), "a refusal prints nothing on stdout");
}

#[test]
fn publish_deploy_sync_and_add_refuse_and_write_nothing() {
    let (_admin, user, file) = setup();
    let before = state(&user);
    let live = std::fs::read(&file).expect("read");

    let doc = user.write_file("evil.json", r#"{"mcpServers": {"evil": {"command": "x"}}}"#);
    assert_refused(&run(&user, &["publish", "cursor", "--profile", "team", "--file", s(&doc)]), "evil");

    for dry in [true, false] {
        let mut args = vec!["deploy", "cursor", "--profile", "dev"];
        if dry {
            args.push("--dry-run");
        }
        assert_refused(&run(&user, &args), "evil");
    }
    // The shared default holds `memory`, which the org denies: sync writes no file at all.
    assert_refused(&run(&user, &["sync", "--yes"]), "memory");
    assert_refused(&run(&user, &["sync", "--dry-run"]), "memory");
    // add: refused before its literal secret reaches the secret store.
    let out = run(
        &user,
        &[
            "add",
            "evil",
            "--client",
            "cursor",
            "--profile",
            "dev",
            "--env",
            "API_TOKEN=sk-live-abcdef0123456789abcdef",
            "--",
            "npx",
            "-y",
            "pkg",
        ],
    );
    assert_refused(&out, "evil");
    assert_eq!(state(&user), before, "the home is as it was");
    assert!(!user.home().join("secrets.json").exists());
    assert_eq!(std::fs::read(&file).expect("read"), live, "the client file is as it was");
    assert!(!user.root().join(".claude.json").exists() && !user.root().join(".gemini").exists());

    // What the policy allows still goes through every one of them.
    let ok = user.write_file("ok.json", r#"{"mcpServers": {"good": {"command": "good-server"}}}"#);
    let out = run(&user, &["publish", "cursor", "--profile", "dev", "--file", s(&ok)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&user, &["deploy", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_to_string(&file).expect("read").contains("good-server"));
    let out = run(&user, &["add", "fine", "--client", "cursor", "--profile", "dev", "--", "fine-server"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&user, &["remove", "memory"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&user, &["sync", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// One JSON-RPC exchange after another with `serve` over stdio.
fn mcp_call(env: &TestEnv, tool: &str, arguments: Value) -> Value {
    let mut child = env
        .std_command(BIN)
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut send = |message: Value| writeln!(stdin, "{message}").expect("write");
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "policy-test", "version": "1"}}}));
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}));
    let result = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).expect("read") > 0, "the server closed stdout");
        let message: Value = serde_json::from_str(&line).expect("JSON-RPC");
        if message["id"] == json!(2) {
            break message["result"].clone();
        }
    };
    drop(stdin);
    child.wait().expect("wait");
    result
}

#[test]
fn an_mcp_tool_call_gets_an_is_error_result_naming_the_rule() {
    let (_admin, user, file) = setup();
    let live = std::fs::read(&file).expect("read");
    let result = mcp_call(&user, "deploy_config", json!({"client_id": "cursor", "profile_id": "dev", "confirm": true}));
    assert_eq!(result["isError"], true, "{result}");
    let error = &result["structuredContent"]["error"];
    assert_eq!(error["exit_code"], 6, "{result}");
    assert_eq!(error["kind"], "validation", "{result}");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("server 'evil': rule servers.deny of policy 'acme' (org)"), "{message}");
    assert_eq!(std::fs::read(&file).expect("read"), live);
}

/// `serve --http` on a free port: (child, address, write token).
fn serve_http(env: &TestEnv) -> (std::process::Child, String, String) {
    let mut child = env
        .std_command(BIN)
        .args(["serve", "--http", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve --http");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = lines.next().expect("serve --http printed no listening line").expect("read");
        if let Some(url) = line.split("listening on http://").nth(1) {
            break url.trim().trim_end_matches("/mcp").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let token = std::fs::read_to_string(env.home().join("server/http-token")).expect("token").trim().to_owned();
    (child, address, token)
}

/// One HTTP/1.1 POST: (status, content type, body).
fn post(address: &str, token: &str, path: &str, body: &Value) -> (u16, String, Value) {
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response");
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status");
    let content_type = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_owned))
        .unwrap_or_default();
    (status, content_type, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn a_rest_call_gets_a_problem_document_naming_the_rule() {
    let (_admin, user, _file) = setup();
    let (mut child, address, token) = serve_http(&user);
    let before = state(&user);
    let document = json!({"document": {"mcpServers": {"evil": {"command": "x"}}}});
    let (status, content_type, problem) = post(&address, &token, "/v1/clients/cursor/profiles/team/publish", &document);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 422, "{problem}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["type"], "https://mcp-orchestration.dev/problems/validation", "{problem}");
    assert_eq!(problem["exit_code"], 6);
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("server 'evil': rule servers.deny of policy 'acme' (org)"), "{detail}");
    let mut after = state(&user);
    after.retain(|(name, _)| !name.starts_with("server/"));
    let mut before = before;
    before.retain(|(name, _)| !name.starts_with("server/"));
    assert_eq!(after, before, "nothing was published");
}
