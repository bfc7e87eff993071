//! The times `/mcp` keeps per request, on the server's own router built in process with short
//! ones (`http::Timeouts`): a request whose response has not started within the request
//! timeout is cut off with 408 (a body that stops half way); a request that may be slow gets
//! its answer as an event stream once the JSON wait is over; a quick read gets its JSON answer
//! however short the JSON wait (it waits on no timer of its own). Also the bodies rmcp itself
//! refuses in a session (it parses those first): still JSON-RPC's answers. And a session idle
//! past its time: its id is unknown from then on (404), so the client starts a new session.

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use mcp_server::http::{Timeouts, router};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::http::{initialize_body, post};
use crate::support::Env;

/// The router of `serve --http --no-auth` with `timeouts`, served on 127.0.0.1 by a runtime of
/// its own (dropped with it).
struct InProcess {
    addr: String,
    _runtime: tokio::runtime::Runtime,
}

fn serve(env: &Env, timeouts: Timeouts) -> InProcess {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let (listener, app) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let bound = listener.local_addr().expect("bound address");
        (listener, router(env.core(), bound, None, CancellationToken::new(), Vec::new(), &[], timeouts))
    });
    let addr = listener.local_addr().expect("bound address").to_string();
    runtime.spawn(async move { axum::serve(listener, app).await });
    InProcess { addr, _runtime: runtime }
}

/// A session opened with `initialize` and `notifications/initialized`: the headers of its requests.
fn session(addr: &str) -> Vec<(&'static str, String)> {
    let init = post(addr, &[], &initialize_body());
    assert_eq!(init.status, 200, "{}", init.body);
    let id = init.header("mcp-session-id").expect("a session").to_owned();
    let headers = vec![("Mcp-Session-Id", id), ("MCP-Protocol-Version", "2025-11-25".to_owned())];
    let initialized = post(addr, &borrowed(&headers), br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(initialized.status, 202);
    headers
}

fn borrowed<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn tool_call(id: u64, tool: &str, arguments: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
        .to_string()
        .into_bytes()
}

#[test]
fn a_request_whose_body_stops_half_way_is_cut_off_with_408() {
    let env = Env::new();
    let server = serve(
        &env,
        Timeouts { request: Duration::from_millis(300), json_wait: Duration::from_secs(30), ..Timeouts::default() },
    );
    let mut stream = std::net::TcpStream::connect(&server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n",
        server.addr
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(br#"{"jsonrpc":"2.0","#)).expect("write");
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).expect("an answer before the read timeout");
        assert!(n > 0, "closed without an answer: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
    }
    let answer = String::from_utf8_lossy(&raw);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(300), "cut off before the timeout: {:?}", started.elapsed());
}

#[test]
fn a_request_that_may_be_slow_is_answered_on_an_event_stream_once_the_json_wait_is_over() {
    let env = Env::new();
    let server =
        serve(&env, Timeouts { request: Duration::from_secs(30), json_wait: Duration::ZERO, ..Timeouts::default() });
    let headers = session(&server.addr);
    // `list_clients` runs on the blocking pool: its answer cannot be there before a zero wait.
    let answer = post(&server.addr, &borrowed(&headers), &tool_call(2, "list_clients", json!({})));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("text/event-stream"), "{}", answer.body);
    assert!(answer.body.contains("event: message"), "{}", answer.body);
    let messages = answer.messages();
    let result = messages.last().expect("the result event");
    assert_eq!(result["id"], 2, "{}", answer.body);
    assert!(result["result"]["structuredContent"].is_object(), "{}", answer.body);
}

#[test]
fn a_quick_read_is_answered_as_json_without_a_json_wait_and_a_slow_one_within_it() {
    let env = Env::new();
    let server =
        serve(&env, Timeouts { request: Duration::from_secs(30), json_wait: Duration::ZERO, ..Timeouts::default() });
    let headers = session(&server.addr);
    let arguments = json!({"client_id": "claude-desktop", "profile_id": "default"});
    for id in 3..6 {
        let answer = post(&server.addr, &borrowed(&headers), &tool_call(id, "get_config", arguments.clone()));
        assert_eq!(answer.header("content-type"), Some("application/json"), "{}", answer.body);
        let message: Value = serde_json::from_str(&answer.body).expect("one JSON-RPC message");
        assert_eq!(message["id"], id);
        assert!(message["result"]["structuredContent"]["artifact_id"].is_string(), "{}", answer.body);
    }
    let patient = serve(
        &env,
        Timeouts { request: Duration::from_secs(30), json_wait: Duration::from_secs(30), ..Timeouts::default() },
    );
    let headers = session(&patient.addr);
    let answer = post(&patient.addr, &borrowed(&headers), &tool_call(6, "list_clients", json!({})));
    assert_eq!(answer.header("content-type"), Some("application/json"), "{}", answer.body);
    let message: Value = serde_json::from_str(&answer.body).expect("one JSON-RPC message");
    assert_eq!(message["id"], 6);
}

#[test]
fn bodies_rmcp_refuses_in_a_session_get_the_json_rpc_answers() {
    let env = Env::new();
    let server = serve(&env, Timeouts::default());
    let headers = session(&server.addr);
    // rmcp parses a session's bodies itself (and says 415 to what does not parse); the answer
    // is still JSON-RPC's.
    let malformed = post(&server.addr, &borrowed(&headers), b"{not json");
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    assert_eq!(malformed.header("content-type"), Some("application/json"));
    let message: Value = serde_json::from_str(&malformed.body).expect("a JSON-RPC response");
    assert_eq!((message["error"]["code"].clone(), message["id"].clone()), (json!(-32700), Value::Null));
    let not_a_message = post(&server.addr, &borrowed(&headers), br#"{"id":7,"method":"ping"}"#);
    assert_eq!(not_a_message.status, 400);
    let message: Value = serde_json::from_str(&not_a_message.body).expect("a JSON-RPC response");
    assert_eq!((message["error"]["code"].clone(), message["id"].clone()), (json!(-32600), json!(7)));
    // A malformed notification gets no answer.
    let notification =
        post(&server.addr, &borrowed(&headers), br#"{"jsonrpc":"2.0","method":"notifications/x","params":3}"#);
    assert_eq!((notification.status, notification.body.as_str()), (202, ""));
    // A member given twice: refused as JSON-RPC refuses a request, with its id (not rmcp's 415).
    let twice = post(&server.addr, &borrowed(&headers), br#"{"jsonrpc":"2.0","id":9,"method":"ping","method":"ping"}"#);
    assert_eq!(twice.status, 400, "{}", twice.body);
    let message: Value = serde_json::from_str(&twice.body).expect("a JSON-RPC response");
    assert_eq!((message["error"]["code"].clone(), message["id"].clone()), (json!(-32600), json!(9)));
    assert!(message["error"]["message"].as_str().is_some_and(|m| m.contains("given twice")), "{message}");
    // A UTF-8 byte order mark before the JSON is taken off: the message is answered.
    let bom =
        post(&server.addr, &borrowed(&headers), b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}");
    assert_eq!(bom.status, 200, "{}", bom.body);
    assert!(bom.messages().iter().any(|m| m["id"] == 10 && m["result"] == json!({})), "{}", bom.body);
    // The session goes on.
    let ping = post(&server.addr, &borrowed(&headers), br#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#);
    let message: Value = serde_json::from_str(&ping.body).expect("JSON");
    assert_eq!((message["id"].clone(), message["result"].clone()), (json!(8), json!({})));
}

#[test]
fn a_first_message_with_a_byte_order_mark_opens_a_session() {
    let env = Env::new();
    let server = serve(&env, Timeouts::default());
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(initialize_body());
    let init = post(&server.addr, &[], &body);
    assert_eq!(init.status, 200, "{}", init.body);
    assert!(init.header("mcp-session-id").is_some());
    assert_eq!(init.messages()[0]["result"]["serverInfo"]["name"], "mcp-orchestration");
}

#[test]
fn a_session_idle_past_its_timeout_is_unknown_and_the_client_starts_a_new_one() {
    let env = Env::new();
    let idle = Duration::from_secs(1);
    let server = serve(&env, Timeouts { session_idle: idle, ..Timeouts::default() });
    let headers = session(&server.addr);
    let listed = post(&server.addr, &borrowed(&headers), &list_tools(2));
    assert_eq!(listed.status, 200, "{}", listed.body);
    // (That activity keeps a session alive is `session_tests.rs`'s, without a timing margin here.)
    // Idle past it: its id is unknown (404, as the MCP specification asks), not a server error.
    std::thread::sleep(idle * 3);
    let stale = post(&server.addr, &borrowed(&headers), &list_tools(9));
    assert_eq!(stale.status, 404, "{}", stale.body);
    let stream = crate::http::request(&server.addr, "GET", &borrowed(&headers), b"");
    assert_eq!(stream.status, 404, "{}", stream.body);
    // Closing it is idempotent: gone either way (200, what the Python SDK expects without a warning).
    let delete = crate::http::request(&server.addr, "DELETE", &borrowed(&headers), b"");
    assert_eq!(delete.status, 200, "{}", delete.body);
    // What a client does next, starting over, works.
    let fresh = session(&server.addr);
    assert_ne!(fresh[0].1, headers[0].1, "a new session id");
    let listed = post(&server.addr, &borrowed(&fresh), &list_tools(10));
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.messages().iter().any(|m| m["id"] == 10 && m["result"]["tools"].is_array()), "{}", listed.body);
}

fn list_tools(id: u64) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}).to_string().into_bytes()
}
