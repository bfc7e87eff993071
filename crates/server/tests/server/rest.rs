//! The REST API `/v1` of the real `serve --http` binary over real HTTP: every endpoint's
//! answer, problem documents (401 without a token, 403 for a read token on a write endpoint,
//! 404/400 with their `type`), ETag/304, deploy's dry run vs `confirm: true`, scoped tokens
//! from the `tokens` command (created, listed without secrets, revoked), the OpenAPI document
//! naming every route, and a canary secret in no response.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use crate::http::{Server, token_of};
use crate::stdio::binary;
use crate::support::Env;

pub(crate) const CANARY: &str = "canary-s3cr3t-4f9d2c7e1b";
pub(crate) const PROBLEMS: &str = "https://mcp-orchestration.dev/problems/";

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
    pub(crate) fn problem_type(&self) -> String {
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"), "{}", self.body);
        self.json()["type"].as_str().unwrap_or_default().trim_start_matches(PROBLEMS).to_owned()
    }
}

pub(crate) fn call(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    extra: &[(&str, &str)],
) -> Reply {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (n, v) in extra {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_owned() };
    Reply { status, head: head.to_owned(), body }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail.get(size + 2..).unwrap_or_default();
    }
    out
}

/// Runs the CLI in the test machine; (exit code, stdout, stderr).
pub(crate) fn cli(env: &Env, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = env
        .test
        .std_command(binary().to_str().expect("utf-8"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the CLI");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub(crate) fn token(env: &Env, name: &str, scope: &str) -> String {
    let (code, out, err) = cli(env, &["tokens", "create", "--name", name, "--scope", scope], "");
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

/// A machine whose `cursor` default profile references a secret (the canary) and is deployed,
/// so cursor's file holds the canary in clear; a running server; (read token, write token).
pub(crate) fn seeded() -> (Env, Server, String, String) {
    let env = Env::new();
    assert_eq!(cli(&env, &["secrets", "set", "CANARY_TOKEN"], CANARY).0, 0);
    let doc = json!({"mcpServers": {"canary": {"command": "canary-server", "args": [], "env": {"API_TOKEN": "${secret:CANARY_TOKEN}"}}}});
    let file = env.root().join("doc.json");
    std::fs::write(&file, doc.to_string()).expect("doc");
    let (code, _, err) =
        cli(&env, &["publish", "cursor", "--profile", "default", "--file", file.to_str().expect("utf-8")], "");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(&env, &["deploy", "cursor", "--profile", "default", "--create"], "");
    assert_eq!(code, 0, "{err}");
    // Cursor reads the secret from its environment (`${env:…}` in the file); the canary is in
    // the secret store, and the diff test posts it in clear.
    assert!(env.root().join(".cursor/mcp.json").exists(), "deployed");
    let read = token(&env, "reader", "read");
    let write = token(&env, "writer", "write");
    let server = Server::start(&env, &[]);
    (env, server, read, write)
}

#[test]
fn every_read_endpoint_answers_and_no_response_holds_the_canary() {
    let (env, server, read, _) = seeded();
    let a = server.addr.as_str();
    let t = Some(read.as_str());
    let mut bodies = Vec::new();
    let clients = call(a, "GET", "/v1/clients?limit=100", t, None, &[]);
    assert_eq!(clients.status, 200, "{}", clients.body);
    let cursor = clients.json()["clients"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|c| c["client_id"] == "cursor")
        .cloned()
        .expect("cursor row");
    assert_eq!(cursor["drift"]["files"], 1, "cursor's deployed file is detected: {cursor}");
    assert_eq!(cursor["drift"]["drifted"], 0);
    bodies.push(clients.body);
    let profiles = call(a, "GET", "/v1/clients/cursor/profiles", t, None, &[]);
    assert_eq!(profiles.status, 200);
    assert_eq!(profiles.json()["profiles"][0]["profile_id"], "default", "{}", profiles.body);
    bodies.push(profiles.body);
    let shared = call(a, "GET", "/v1/shared/profiles", t, None, &[]);
    assert_eq!((shared.status, shared.json()["client_id"].clone()), (200, json!("_shared")));
    bodies.push(shared.body);
    let head = call(a, "GET", "/v1/clients/cursor/profiles/default/head", t, None, &[]);
    assert_eq!(head.status, 200);
    let head_json = head.json();
    assert_eq!(head_json["payload"]["mcpServers"]["canary"]["env"]["API_TOKEN"], "${secret:CANARY_TOKEN}");
    let id = head_json["artifact_id"].as_str().expect("id").to_owned();
    bodies.push(head.body);
    let one = call(a, "GET", &format!("/v1/clients/cursor/profiles/default/artifacts/{id}"), t, None, &[]);
    assert_eq!((one.status, one.json()["artifact_id"].clone()), (200, json!(id)));
    bodies.push(one.body);
    let history = call(a, "GET", "/v1/clients/cursor/profiles/default/history", t, None, &[]);
    let entries = history.json()["entries"].as_array().expect("entries").clone();
    assert_eq!(entries.last().expect("a version")["artifact_id"], json!(id), "the newest version is the head");
    assert!(entries.iter().all(|e| e["verified"] == true));
    bodies.push(history.body);
    let status = call(a, "GET", "/v1/status", t, None, &[]);
    let files = status.json()["files"].as_array().expect("files").clone();
    assert!(files.iter().any(|f| f["client_id"] == "cursor" && f["status"] == "up-to-date"), "{}", status.body);
    bodies.push(status.body);
    let catalog = call(a, "GET", "/v1/catalog?q=filesystem", t, None, &[]);
    assert!(catalog.json()["servers"].as_array().expect("servers").iter().any(|s| s["id"] == "filesystem"));
    bodies.push(catalog.body);
    let server_one = call(a, "GET", "/v1/catalog/filesystem", t, None, &[]);
    assert_eq!((server_one.status, server_one.json()["id"].clone()), (200, json!("filesystem")));
    bodies.push(server_one.body);
    let events = call(a, "GET", "/v1/events?type=orchestrator&limit=5", t, None, &[]);
    assert_eq!(events.json()["count"], 5, "{}", events.body);
    assert!(events.json()["next_cursor"].is_string());
    bodies.push(events.body);
    let verify = call(a, "POST", "/v1/verify", t, Some(&json!({})), &[]);
    assert_eq!((verify.status, verify.json()["verified"].clone()), (200, json!(true)), "{}", verify.body);
    bodies.push(verify.body);
    // A posted document that holds the canary in clear: the diff shows it redacted.
    let local =
        json!({"mcpServers": {"canary": {"command": "canary-server", "args": [], "env": {"API_TOKEN": CANARY}}}});
    let diff = call(a, "POST", "/v1/clients/cursor/profiles/default/diff", t, Some(&json!({"document": local})), &[]);
    assert_eq!(diff.status, 200, "{}", diff.body);
    bodies.push(diff.body);
    for body in &bodies {
        assert!(!body.contains(CANARY), "the canary secret leaked: {body}");
    }
    drop(env);
}

#[test]
fn no_token_is_a_401_problem() {
    let (_env, server, _, _) = seeded();
    let reply = call(&server.addr, "GET", "/v1/clients", None, None, &[]);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.problem_type(), "unauthorized");
    assert!(reply.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    let wrong = call(&server.addr, "GET", "/v1/clients", Some("mcpo_wrong"), None, &[]);
    assert_eq!((wrong.status, wrong.problem_type()), (401, "unauthorized".into()));
}

#[test]
fn a_read_token_on_a_write_endpoint_is_a_403_problem_and_writes_nothing() {
    let (env, server, read, _) = seeded();
    let before = std::fs::read(env.root().join(".cursor/mcp.json")).expect("file");
    for (path, body) in [
        ("/v1/clients/cursor/deploy", json!({"profile": "default", "confirm": true})),
        ("/v1/clients/cursor/rollback", json!({"confirm": true})),
        ("/v1/sync", json!({"profile": "default", "confirm": true})),
        ("/v1/clients/cursor/profiles/other/publish", json!({"document": {"mcpServers": {}}})),
    ] {
        let reply = call(&server.addr, "POST", path, Some(&read), Some(&body), &[]);
        assert_eq!((reply.status, reply.problem_type()), (403, "forbidden".into()), "{path}");
    }
    assert_eq!(std::fs::read(env.root().join(".cursor/mcp.json")).expect("file"), before);
    let mcp = call(&server.addr, "POST", "/mcp", Some(&read), Some(&json!({})), &[]);
    assert_eq!(mcp.status, 403, "a read token cannot use the MCP tools (they write)");
}

#[test]
fn unknown_and_bad_ids_are_problems_with_their_class() {
    let (_env, server, read, _) = seeded();
    let a = server.addr.as_str();
    let t = Some(read.as_str());
    let cases = [
        ("/v1/clients/no-such-client/profiles/default/head", 404, "not-found"),
        ("/v1/clients/cursor/profiles/nope/head", 404, "not-found"),
        (
            "/v1/clients/cursor/profiles/default/artifacts/sha256:0000000000000000000000000000000000000000000000000000000000000000",
            404,
            "not-found",
        ),
        ("/v1/catalog/no-such-server", 404, "not-found"),
        ("/v1/no/such/endpoint", 404, "not-found"),
        ("/v1/clients?limit=0", 400, "usage"),
        ("/v1/clients?cursor=garbage", 400, "usage"),
        ("/v1/events?status=bogus", 400, "usage"),
    ];
    for (path, status, class) in cases {
        let reply = call(a, "GET", path, t, None, &[]);
        assert_eq!((reply.status, reply.problem_type()), (status, class.to_owned()), "{path}: {}", reply.body);
        assert!(reply.json()["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let bad_id = call(a, "GET", "/v1/clients/cursor/profiles/default/artifacts/not-an-id", t, None, &[]);
    assert_eq!((bad_id.status, bad_id.problem_type()), (400, "usage".into()), "{}", bad_id.body);
    assert_eq!(bad_id.json()["exit_code"], 2, "the class's CLI exit code");
    let bad_body = call(a, "POST", "/v1/verify", t, Some(&json!({"artifact": 1})), &[]);
    assert_eq!((bad_body.status, bad_body.problem_type()), (400, "usage".into()), "{}", bad_body.body);
}

#[test]
fn a_query_string_that_does_not_parse_is_a_usage_problem_naming_the_parameter() {
    let (_env, server, read, _) = seeded();
    let cases = [
        ("/v1/clients?limit=abc", "limit"),
        ("/v1/clients/cursor/profiles/default/history?limit=-1", "limit"),
        ("/v1/events?since_seconds=soon", "since_seconds"),
    ];
    for (path, parameter) in cases {
        let reply = call(&server.addr, "GET", path, Some(&read), None, &[]);
        assert_eq!((reply.status, reply.problem_type()), (400, "usage".to_owned()), "{path}: {}", reply.body);
        let detail = reply.json()["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.starts_with("bad query string") && detail.contains(parameter), "{path}: {detail}");
        assert_eq!(reply.json()["exit_code"], 2, "{path}: the class's CLI exit code");
    }
}

#[test]
fn artifacts_carry_their_id_as_etag_and_if_none_match_gives_304() {
    let (_env, server, read, _) = seeded();
    let path = "/v1/clients/cursor/profiles/default/head";
    let head = call(&server.addr, "GET", path, Some(&read), None, &[]);
    let id = head.json()["artifact_id"].as_str().expect("id").to_owned();
    let etag = head.header("etag").expect("ETag");
    assert_eq!(etag, format!("\"{id}\""));
    let again = call(&server.addr, "GET", path, Some(&read), None, &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    let other = call(&server.addr, "GET", path, Some(&read), None, &[("If-None-Match", "\"sha256:00\"")]);
    assert_eq!(other.status, 200);
}

#[test]
fn deploy_without_confirm_is_a_dry_run_and_with_it_writes_the_file() {
    let (env, server, _, write) = seeded();
    let file = env.root().join(".cursor/mcp.json");
    let doc = json!({"document": {"mcpServers": {"fs": {"command": "fs-server", "args": ["/tmp"]}}}});
    let published =
        call(&server.addr, "POST", "/v1/clients/cursor/profiles/default/publish", Some(&write), Some(&doc), &[]);
    assert_eq!((published.status, published.json()["created"].clone()), (201, json!(true)), "{}", published.body);
    let before = std::fs::read_to_string(&file).expect("file");
    let body = json!({"profile": "default"});
    let dry = call(&server.addr, "POST", "/v1/clients/cursor/deploy", Some(&write), Some(&body), &[]);
    assert_eq!((dry.status, dry.json()["dry_run"].clone()), (200, json!(true)), "{}", dry.body);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), before, "a dry run writes nothing");
    let body = json!({"profile": "default", "confirm": true});
    let done = call(&server.addr, "POST", "/v1/clients/cursor/deploy", Some(&write), Some(&body), &[]);
    assert_eq!((done.status, done.json()["dry_run"].clone()), (200, json!(false)), "{}", done.body);
    let after = std::fs::read_to_string(&file).expect("file");
    assert!(after.contains("fs-server") && !after.contains("canary-server"), "{after}");
    let undo =
        call(&server.addr, "POST", "/v1/clients/cursor/rollback", Some(&write), Some(&json!({"confirm": true})), &[]);
    assert_eq!(undo.status, 200, "{}", undo.body);
    assert!(std::fs::read_to_string(&file).expect("file").contains("canary-server"), "rolled back");
}

#[test]
fn publishing_a_literal_secret_is_a_validation_problem() {
    let (_env, server, _, write) = seeded();
    let doc = json!({"document": {"mcpServers": {"x": {"command": "x", "args": [], "env": {"GITHUB_TOKEN": "ghp_0123456789abcdef0123456789abcdef0123"}}}}});
    let reply =
        call(&server.addr, "POST", "/v1/clients/cursor/profiles/default/publish", Some(&write), Some(&doc), &[]);
    assert_eq!((reply.status, reply.problem_type()), (422, "validation".into()), "{}", reply.body);
    assert!(!reply.body.contains("ghp_0123456789abcdef"), "the refused secret is not echoed");
}

#[test]
fn the_mcp_token_counts_as_write_and_revoked_tokens_stop_working() {
    let (env, server, read, _) = seeded();
    let mcp = token_of(&env);
    let dry = call(&server.addr, "POST", "/v1/sync", Some(&mcp), Some(&json!({"profile": "default"})), &[]);
    assert_eq!((dry.status, dry.json()["dry_run"].clone()), (200, json!(true)), "{}", dry.body);
    let (code, out, _) = cli(&env, &["tokens", "list", "--json"], "");
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).expect("json");
    let names: Vec<_> =
        listed["tokens"].as_array().expect("tokens").iter().map(|t| (t["name"].clone(), t["scope"].clone())).collect();
    assert_eq!(names, vec![(json!("reader"), json!("read")), (json!("writer"), json!("write"))]);
    assert!(!out.contains(&read), "tokens list never shows a token");
    assert_eq!(cli(&env, &["tokens", "revoke", "reader"], "").0, 0);
    let reply = call(&server.addr, "GET", "/v1/clients", Some(&read), None, &[]);
    assert_eq!(reply.status, 401, "a revoked token is refused by the running server");
    assert_eq!(cli(&env, &["tokens", "revoke", "reader"], "").0, 3, "revoking an unknown name is not-found");
}

#[test]
fn the_openapi_document_names_every_route_with_its_errors() {
    let (_env, server, read, _) = seeded();
    let reply = call(&server.addr, "GET", "/v1/openapi.json", Some(&read), None, &[]);
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let expected = [
        ("get", "/v1/clients"),
        ("get", "/v1/clients/{client}/profiles"),
        ("get", "/v1/shared/profiles"),
        ("get", "/v1/clients/{client}/profiles/{profile}/head"),
        ("get", "/v1/clients/{client}/profiles/{profile}/artifacts/{artifact_id}"),
        ("get", "/v1/clients/{client}/profiles/{profile}/history"),
        ("get", "/v1/clients/{client}/diff"),
        ("get", "/v1/status"),
        ("get", "/v1/audit"),
        ("get", "/v1/catalog"),
        ("get", "/v1/catalog/{server_id}"),
        ("get", "/v1/events"),
        ("get", "/v1/openapi.json"),
        ("post", "/v1/verify"),
        ("post", "/v1/clients/{client}/profiles/{profile}/diff"),
        ("post", "/v1/clients/{client}/profiles/{profile}/publish"),
        ("post", "/v1/clients/{client}/deploy"),
        ("post", "/v1/clients/{client}/rollback"),
        ("post", "/v1/sync"),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    let documented: usize = paths.values().map(|p| p.as_object().map_or(0, |o| o.len())).sum();
    assert_eq!(documented, expected.len(), "every documented operation is one of the routes");
    for (method, path) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        for status in ["400", "401", "403", "404", "409", "422", "429", "500"] {
            assert_eq!(
                op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
        // Every route answers something other than "no such endpoint".
        let concrete = path
            .replace("{client}", "cursor")
            .replace("{profile}", "default")
            .replace("{artifact_id}", "sha256:0000000000000000000000000000000000000000000000000000000000000000")
            .replace("{server_id}", "filesystem");
        let reply = call(&server.addr, &method.to_uppercase(), &concrete, Some(&read), Some(&json!({})), &[]);
        let routed = !(reply.status == 404 && reply.body.contains("no such endpoint"));
        assert!(routed, "{method} {path} is not routed: {}", reply.body);
    }
    for schema in ["Problem", "ClientsPage", "Artifact", "DeployRequest", "DeployAction", "EventsPage", "DriftReport"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[test]
fn no_cors_headers_and_a_foreign_origin_is_refused() {
    let (_env, server, read, _) = seeded();
    let ok = call(&server.addr, "GET", "/v1/clients", Some(&read), None, &[("Origin", "http://127.0.0.1:9")]);
    assert_eq!(ok.status, 200);
    assert!(ok.header("access-control-allow-origin").is_none());
    let evil = call(&server.addr, "GET", "/v1/clients", Some(&read), None, &[("Origin", "https://evil.example")]);
    assert_eq!((evil.status, evil.problem_type()), (403, "forbidden".into()));
}
