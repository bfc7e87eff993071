//! The canary sweep of the REST API: a live `serve --http` of the sweep's home (trace logs on)
//! answers every operation of its own OpenAPI document, writes included, with a file holding
//! the user's secrets in clear and a profile referencing stored ones; no canary may appear in
//! any answer or log line. An operation added to the document without a line here fails.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::canary::{Killed, assert_clean, command};

/// One request over a fresh connection: (status, body).
fn request(addr: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, String) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, body.to_owned())
}

/// Sweeps every `/v1` operation; `file` is Claude Desktop's file (its user file), holding the
/// user's own secrets and the deployed profile `dev`.
pub(super) fn sweep_rest(env: &TestEnv, file: &std::path::Path) {
    let mut server = Killed(
        command(env)
            .args(["serve", "--http", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve --http"),
    );
    let mut lines = BufReader::new(server.0.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines.next().expect("serve --http printed no listening line").expect("read");
        if let Some(url) = line.split("listening on http://").nth(1) {
            break url.trim().trim_end_matches("/mcp").to_owned();
        }
    };
    let logs = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    let token = std::fs::read_to_string(env.home().join("server/http-token")).expect("token").trim().to_owned();
    let a = addr.as_str();
    let live: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("file")).expect("json");
    let (_, head) = request(a, "GET", "/v1/clients/claude-desktop/profiles/dev/head", &token, None);
    let id = serde_json::from_str::<Value>(&head).expect("head")["artifact_id"].as_str().expect("id").to_owned();
    let literal = json!({"mcpServers": {"x": {"command": "x", "env": {"API_TOKEN": super::canary::SECRET}}}});
    let calls: Vec<(&str, &str, String, Option<Value>)> = vec![
        ("get", "/v1/clients", "/v1/clients".into(), None),
        ("get", "/v1/clients/{client}/profiles", "/v1/clients/claude-desktop/profiles".into(), None),
        ("get", "/v1/shared/profiles", "/v1/shared/profiles".into(), None),
        (
            "get",
            "/v1/clients/{client}/profiles/{profile}/head",
            "/v1/clients/claude-desktop/profiles/dev/head".into(),
            None,
        ),
        (
            "get",
            "/v1/clients/{client}/profiles/{profile}/artifacts/{artifact_id}",
            format!("/v1/clients/claude-desktop/profiles/dev/artifacts/{id}"),
            None,
        ),
        (
            "get",
            "/v1/clients/{client}/profiles/{profile}/history",
            "/v1/clients/claude-desktop/profiles/dev/history".into(),
            None,
        ),
        ("get", "/v1/clients/{client}/diff", "/v1/clients/claude-desktop/diff".into(), None),
        (
            "post",
            "/v1/clients/{client}/profiles/{profile}/diff",
            "/v1/clients/claude-desktop/profiles/dev/diff".into(),
            Some(json!({"document": live})),
        ),
        ("get", "/v1/status", "/v1/status".into(), None),
        ("get", "/v1/audit", "/v1/audit".into(), None),
        ("get", "/v1/catalog", "/v1/catalog".into(), None),
        ("get", "/v1/catalog/{server_id}", "/v1/catalog/filesystem".into(), None),
        ("get", "/v1/events", "/v1/events?limit=1000".into(), None),
        ("get", "/v1/openapi.json", "/v1/openapi.json".into(), None),
        ("post", "/v1/verify", "/v1/verify".into(), Some(json!({}))),
        (
            "post",
            "/v1/clients/{client}/profiles/{profile}/publish",
            "/v1/clients/claude-desktop/profiles/dev/publish".into(),
            Some(json!({"document": literal})),
        ),
        (
            "post",
            "/v1/clients/{client}/deploy",
            "/v1/clients/claude-desktop/deploy".into(),
            Some(json!({"profile": "dev"})),
        ),
        (
            "post",
            "/v1/clients/{client}/deploy",
            "/v1/clients/claude-desktop/deploy".into(),
            Some(json!({"profile": "dev", "confirm": true})),
        ),
        ("post", "/v1/sync", "/v1/sync".into(), Some(json!({"profile": "dev"}))),
        ("post", "/v1/clients/{client}/rollback", "/v1/clients/claude-desktop/rollback".into(), Some(json!({}))),
        (
            "post",
            "/v1/clients/{client}/rollback",
            "/v1/clients/claude-desktop/rollback".into(),
            Some(json!({"confirm": true, "force": true})),
        ),
    ];
    let (status, doc) = request(a, "GET", "/v1/openapi.json", &token, None);
    assert_eq!(status, 200, "{doc}");
    let doc: Value = serde_json::from_str(&doc).expect("document");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| item.as_object().expect("item").keys().map(|m| (m.clone(), path.clone())))
        .collect();
    let swept: BTreeSet<(String, String)> =
        calls.iter().map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    let missing: Vec<_> = documented.difference(&swept).collect();
    assert!(missing.is_empty(), "REST operations missing from the canary sweep: {missing:?}");
    for (method, _, path, body) in &calls {
        let (status, text) = request(a, &method.to_uppercase(), path, &token, body.as_ref());
        assert!(status < 500, "{method} {path}: {status} {text}");
        assert_clean(&format!("{method} {path}"), &text);
    }
    drop(server);
    assert_clean("the REST server's logs", &logs.join().expect("logs"));
}
