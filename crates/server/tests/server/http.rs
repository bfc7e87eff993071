//! `serve --http` of the real binary on 127.0.0.1: bearer token (401 without or with a wrong
//! one), DNS-rebinding checks (403 for a foreign Host or Origin), body limit (413), `--no-auth`
//! refused off loopback, and a tool call over streamable HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::stdio::binary;
use crate::support::Env;

/// A running `serve --http` and what it said on start.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    stderr: mpsc::Receiver<String>,
    /// The stderr lines before the listening line.
    pub(crate) before: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub(crate) fn start(env: &Env, extra: &[&str]) -> Server {
        Self::start_at(env, "127.0.0.1:0", extra)
    }

    #[allow(clippy::zombie_processes, reason = "Drop kills and waits")]
    pub(crate) fn start_at(env: &Env, addr: &str, extra: &[&str]) -> Server {
        let mut child = env
            .test
            .std_command(binary().to_str().expect("utf-8 path"))
            .args(["serve", "--http", addr])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve --http");
        let rx = mcp_testkit::stderr_lines(&mut child);
        let mut seen = Vec::new();
        loop {
            let line =
                rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("no listening line: {seen:?}"));
            if let Some(url) = line.split("listening on http://").nth(1) {
                let addr = url.trim_end_matches("/mcp").to_owned();
                return Server { child, addr, stderr: rx, before: seen };
            }
            seen.push(line);
        }
    }

    pub(crate) fn stderr_so_far(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }
}

/// A response: status, headers (lowercase names), body (de-chunked).
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The JSON-RPC messages of a JSON or SSE body.
    pub(crate) fn messages(&self) -> Vec<Value> {
        if self.body.trim_start().starts_with('{') {
            return vec![serde_json::from_str(&self.body).expect("JSON body")];
        }
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    }
}

/// The body of a chunked transfer, as far as its chunks are complete.
pub(crate) fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..end]).trim(), 16).unwrap_or(0);
        rest = &rest[end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
    out
}

/// One HTTP/1.1 POST to `/mcp` with `Connection: close`.
pub(crate) fn post(addr: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    request(addr, "POST", headers, body)
}

/// One HTTP/1.1 request to `/mcp` with `Connection: close` and a `Content-Length` body.
pub(crate) fn request(addr: &str, method: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut request = format!(
        "{method} /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    exchange(addr, request.as_bytes(), body)
}

/// Sends a request head and body as given, and reads the whole response.
pub(crate) fn exchange(addr: &str, head: &[u8], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    // Head and body are two writes: without this the body waits for the head's delayed ACK.
    stream.set_nodelay(true).expect("nodelay");
    stream.write_all(head).expect("write head");
    // The server may answer (413, 401) before reading a large body; ignore a reset while writing.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response head");
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[head_end + 4..].to_vec();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

pub(crate) fn initialize_body() -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "http-test", "version": "1"}}})
    .to_string()
    .into_bytes()
}

/// Opens an MCP session with `bearer` (`Bearer TOKEN`): its id.
pub(crate) fn open_session(server: &Server, bearer: &str) -> String {
    let init = post(&server.addr, &[("Authorization", bearer)], &initialize_body());
    init.header("mcp-session-id").expect("session id").to_owned()
}

/// The headers of a request in a session.
pub(crate) fn session_headers<'a>(bearer: &'a str, session: &'a str) -> [(&'a str, &'a str); 3] {
    [("Authorization", bearer), ("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")]
}

pub(crate) fn token_of(env: &Env) -> String {
    std::fs::read_to_string(env.home().join("server/http-token")).expect("token file").trim().to_owned()
}

#[test]
fn a_token_is_required_and_stored_hashed() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let token = token_of(&env);
    assert!(token.starts_with("mcpo_") && token.len() > 40);
    assert_eq!(mcp_testkit::mode(&env.home().join("server/http-token")) & 0o077, 0);
    let hashes = std::fs::read_to_string(env.home().join("server/tokens.sha256")).expect("hashes");
    assert!(!hashes.contains(&token), "the token itself is in the hash file");

    assert_eq!(post(&server.addr, &[], &initialize_body()).status, 401);
    let wrong = post(&server.addr, &[("Authorization", "Bearer mcpo_wrong")], &initialize_body());
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    assert_eq!(post(&server.addr, &[("Authorization", "Basic dXNlcjpwYXNz")], &initialize_body()).status, 401);
    let bearer = format!("Bearer {token}");
    let ok = post(&server.addr, &[("Authorization", &bearer)], &initialize_body());
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.messages()[0]["result"]["serverInfo"]["name"], "mcp-orchestration");
    let stderr = server.stderr_so_far();
    assert!(!stderr.contains(&token), "the token was logged: {stderr}");

    // A restart keeps the same token.
    drop(server);
    let again = Server::start(&env, &[]);
    assert_eq!(token_of(&env), token);
    assert_eq!(post(&again.addr, &[("Authorization", &bearer)], &initialize_body()).status, 200);
}

#[test]
fn foreign_host_and_origin_are_refused() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let auth = ("Authorization", bearer.as_str());
    let host = post(&server.addr, &[auth, ("Host", "evil.example:80")], &initialize_body());
    assert_eq!(host.status, 403, "{}", host.body);
    let origin = post(&server.addr, &[auth, ("Origin", "http://evil.example")], &initialize_body());
    assert_eq!(origin.status, 403, "{}", origin.body);
    let local = post(&server.addr, &[auth, ("Origin", "http://localhost:5173")], &initialize_body());
    assert_eq!(local.status, 200, "{}", local.body);
    let localhost = format!("localhost:{}", server.addr.rsplit(':').next().expect("port"));
    assert_eq!(post(&server.addr, &[auth, ("Host", &localhost)], &initialize_body()).status, 200);
}

#[test]
fn oversized_bodies_are_refused() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""#.to_vec();
    body.extend(std::iter::repeat_n(b'a', 5 * 1024 * 1024));
    body.extend_from_slice(br#""}}"#);
    assert_eq!(post(&server.addr, &[("Authorization", &bearer)], &body).status, 413);
}

#[test]
fn a_tool_call_over_http_with_a_session() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let session = open_session(&server, &bearer);
    let headers = session_headers(&bearer, &session);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    assert_eq!(post(&server.addr, &headers, initialized.as_bytes()).status, 202);
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "get_config", "arguments": {"client_id": "cursor"}}});
    let response = post(&server.addr, &headers, call.to_string().as_bytes());
    assert_eq!(response.status, 200);
    let message = response.messages().into_iter().find(|m| m["id"] == 2).expect("response");
    // Cursor follows the shared default seeded by init; the result says so.
    assert_eq!(message["result"]["structuredContent"]["client_id"], "_shared");
    assert_eq!(message["result"]["structuredContent"]["layer"], "shared");
    assert_eq!(message["result"]["structuredContent"]["served_for"], "cursor");
    let refused = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                         "params": {"name": "get_config", "arguments": {"client_id": "../../etc"}}});
    let response = post(&server.addr, &headers, refused.to_string().as_bytes());
    let message = response.messages().into_iter().find(|m| m["id"] == 3).expect("response");
    assert_eq!(message["result"]["isError"], true);
}

#[test]
fn no_auth_works_on_loopback_and_is_refused_elsewhere() {
    let env = Env::new();
    let server = Server::start(&env, &["--no-auth"]);
    assert_eq!(post(&server.addr, &[], &initialize_body()).status, 200);
    assert!(!env.home().join("server/http-token").exists(), "--no-auth created a token");
    drop(server);

    let before = env.home_state();
    let refused = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .args(["serve", "--http", "0.0.0.0:0", "--no-auth"])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(10), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--no-auth"));
    assert!(refused.stdout.is_empty());
    assert_eq!(env.home_state(), before);

    let bad = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .args(["serve", "--http", "not an address"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn serve_http_without_a_home_says_to_run_init() {
    let env = Env::uninitialized();
    let out = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("init-configs"));
    assert!(!env.home().exists());
}

#[test]
fn a_client_that_sends_its_headers_too_slowly_is_disconnected() {
    let env = Env::new();
    let server = Server::start(&env, &["--header-timeout", "1"]);
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n").expect("the first header lines");
    // A generous bound, only so that a server that never closes fails the test instead of hanging it.
    slow.set_read_timeout(Some(Duration::from_secs(60))).expect("read timeout");
    let mut answer = Vec::new();
    let outcome = slow.read_to_end(&mut answer);
    assert!(outcome.is_ok(), "the server kept a connection with unfinished headers open: {outcome:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "unexpected answer: {answer}");
    // Everyone else is still served.
    let bearer = format!("Bearer {}", token_of(&env));
    assert_eq!(post(&server.addr, &[("Authorization", &bearer)], &initialize_body()).status, 200);
}

#[test]
fn sigterm_stops_the_server_with_success() {
    let env = Env::new();
    let mut server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    assert_eq!(post(&server.addr, &[("Authorization", &bearer)], &initialize_body()).status, 200);
    let status =
        std::process::Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().expect("run kill");
    assert!(status.success());
    let exited = (0..600).find_map(|_| {
        let done = server.child.try_wait().expect("try_wait");
        if done.is_none() {
            std::thread::sleep(Duration::from_millis(100));
        }
        done
    });
    let exited = exited.expect("the server did not stop within a minute of SIGTERM");
    assert!(exited.success(), "exit status {exited}");
    assert!(TcpStream::connect(&server.addr).is_err(), "still listening after it stopped");
}

#[test]
fn a_flood_of_sessions_ends_the_ones_idle_longest_and_the_server_goes_on() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let first = open_session(&server, &bearer);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    assert_eq!(post(&server.addr, &session_headers(&bearer, &first), list.as_bytes()).status, 200);
    // A client that opens a session per call, never closing one: more than the server keeps.
    let mut newest = String::new();
    for _ in 0..mcp_server::session::MAX_SESSIONS {
        newest = open_session(&server, &bearer);
    }
    // The session idle longest was ended: its client is told so (404) and can start again.
    let stale = post(&server.addr, &session_headers(&bearer, &first), list.as_bytes());
    assert_eq!(stale.status, 404, "{}", stale.body);
    let listed = post(&server.addr, &session_headers(&bearer, &newest), list.as_bytes());
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.messages().iter().any(|m| m["result"]["tools"].is_array()), "{}", listed.body);
    let again = open_session(&server, &bearer);
    assert_eq!(post(&server.addr, &session_headers(&bearer, &again), list.as_bytes()).status, 200);
    // One warning says what happened, not one per session.
    let stderr = server.stderr_so_far();
    assert_eq!(stderr.matches("too many MCP sessions").count(), 1, "{stderr}");
}
