//! `serve --http` as old and new MCP hosts see it: one-response answers as JSON, SSE framing of
//! the streams that stay event streams (`event: message`, priming events only for 2025-11-25+
//! sessions), DELETE of a session, JSON-RPC errors for bad bodies
//! (400, not 415 or 500), oversized chunked bodies (413), the failed-authentication limit
//! (429 with `Retry-After`), token files others can read, `--no-auth` on 127.0.0.2, and logs
//! without colour codes or port 0.

use serde_json::{Value, json};

use crate::http::{Server, exchange, initialize_body, open_session, post, request, session_headers, token_of};
use crate::stdio::binary;
use crate::support::Env;

fn initialize(version: &str) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "old-host", "version": "1"}}})
    .to_string()
    .into_bytes()
}

/// The SSE events of a body, each as its lines.
fn sse_events(body: &str) -> Vec<Vec<String>> {
    body.split("\n\n").filter(|e| !e.trim().is_empty()).map(|e| e.lines().map(str::to_owned).collect()).collect()
}

#[test]
fn a_request_whose_answer_is_one_response_gets_it_as_json() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let response = post(&server.addr, &[("Authorization", &bearer)], &initialize(version));
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("application/json"), "{version}");
        assert!(response.header("content-length").is_some() && response.header("transfer-encoding").is_none());
        let message: Value = serde_json::from_str(&response.body).expect("one JSON-RPC message");
        assert_eq!((message["id"].clone(), message["result"]["protocolVersion"].clone()), (json!(1), json!(version)));
        let session = response.header("mcp-session-id").expect("session").to_owned();
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Mcp-Session-Id", session.as_str()),
            ("MCP-Protocol-Version", version),
        ];
        let ping = post(&server.addr, &headers, br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);
        assert_eq!(ping.header("content-type"), Some("application/json"), "{version}: {}", ping.body);
        let message: Value = serde_json::from_str(&ping.body).expect("JSON");
        assert_eq!((message["id"].clone(), message["result"].clone()), (json!(2), json!({})));
    }
}

/// Reads a POST's event stream until `until` is in its body; returns the response head, the
/// events so far, the raw (chunked) body so far and the open stream.
fn read_events_until(
    addr: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    until: &str,
) -> (String, String, Vec<u8>, std::net::TcpStream) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    let mut head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).expect("write");
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let events = String::from_utf8_lossy(&crate::http::dechunk(&raw[end + 4..])).into_owned();
            if events.contains(until) && events.ends_with("\n\n") {
                let head = String::from_utf8_lossy(&raw[..end]).into_owned();
                return (head, events, raw[end + 4..].to_vec(), stream);
            }
        }
        let n = stream.read(&mut buf).expect("read the event stream");
        assert!(n > 0, "the stream ended before {until:?}: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn a_stream_that_carries_a_server_request_stays_sse_with_named_events_and_priming_by_version() {
    use std::io::Read as _;
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    for version in ["2025-06-18", "2025-11-25"] {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {"roots": {}}, "clientInfo": {"name": "roots-host", "version": "1"}}});
        let response = post(&server.addr, &[("Authorization", &bearer)], init.to_string().as_bytes());
        let session = response.header("mcp-session-id").expect("session").to_owned();
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Mcp-Session-Id", session.as_str()),
            ("MCP-Protocol-Version", version),
        ];
        let initialized = post(&server.addr, &headers, br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert_eq!(initialized.status, 202);
        // A `file` argument makes the tool ask the client for its roots first, on this stream.
        let file = env.home().join("no-such.json");
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "diff_config",
            "arguments": {"client_id": "cursor", "profile_id": "default", "file": file}}});
        let (head, so_far, mut raw, mut stream) =
            read_events_until(&server.addr, &headers, call.to_string().as_bytes(), "roots/list");
        assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "{version}: {head}");
        let events = sse_events(&so_far);
        let request = events.last().expect("the roots/list event");
        assert_eq!(request[0], "event: message", "{version}: {request:?}");
        let data = request.iter().find_map(|l| l.strip_prefix("data: ")).expect("data line");
        let roots: Value = serde_json::from_str(data).expect("the data is JSON");
        assert_eq!(roots["method"], "roots/list");
        if version == "2025-11-25" {
            assert_eq!(events.len(), 2, "{so_far}");
            assert!(events[0].iter().any(|l| l.starts_with("retry:")), "no priming event: {:?}", events[0]);
            assert!(events[0].iter().any(|l| l == "data:" || l == "data: "), "{:?}", events[0]);
        } else {
            assert_eq!(events.len(), 1, "{version}: a priming event was sent: {so_far}");
            assert!(!so_far.contains("retry:"), "{so_far}");
        }
        // The client answers on a POST of its own; the tool's result then ends the stream.
        let answer = json!({"jsonrpc": "2.0", "id": roots["id"], "result": {"roots": []}});
        assert_eq!(post(&server.addr, &headers, answer.to_string().as_bytes()).status, 202);
        let _ = stream.read_to_end(&mut raw);
        let whole = String::from_utf8_lossy(&crate::http::dechunk(&raw)).into_owned();
        let events = sse_events(&whole);
        let result = events.last().expect("the result event");
        assert_eq!(result[0], "event: message", "{version}: {result:?}");
        let data = result.iter().find_map(|l| l.strip_prefix("data: ")).expect("data line");
        let message: Value = serde_json::from_str(data).expect("the data is JSON");
        assert_eq!(message["id"], 7, "{whole}");
        assert!(message["result"].is_object(), "{whole}");
    }
}

#[test]
fn delete_of_a_session_answers_200_and_ends_it() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let session = open_session(&server, &bearer);
    let headers = session_headers(&bearer, &session);
    assert_eq!(request(&server.addr, "DELETE", &headers, b"").status, 200);
    let after = post(&server.addr, &headers, br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);
    assert_eq!(after.status, 404, "the session still answers: {}", after.body);
}

#[test]
fn bad_bodies_get_json_rpc_errors_with_400() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let auth = [("Authorization", bearer.as_str())];
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for body in ["{not json", deep.as_str()] {
        let response = post(&server.addr, &auth, body.as_bytes());
        assert_eq!(response.status, 400, "{}", response.body);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let message: Value = serde_json::from_str(&response.body).expect("a JSON-RPC response");
        assert_eq!(message["error"]["code"], -32700);
        assert_eq!(message["id"], Value::Null);
    }
    let response = post(&server.addr, &auth, br#"{"id":7,"method":"ping"}"#);
    assert_eq!(response.status, 400);
    let message: Value = serde_json::from_str(&response.body).expect("JSON");
    assert_eq!((message["error"]["code"].clone(), message["id"].clone()), (json!(-32600), json!(7)));
    // Params that do not fit a known method: -32602 with the id.
    let session = open_session(&server, &bearer);
    let headers = session_headers(&bearer, &session);
    for (body, id) in [
        (r#"{"jsonrpc":"2.0","id":8,"method":"resources/read","params":{}}"#, 8),
        (r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{}}"#, 9),
    ] {
        let response = post(&server.addr, &headers, body.as_bytes());
        let message = response.messages().into_iter().next().expect("a response");
        assert_eq!((message["error"]["code"].clone(), message["id"].clone()), (json!(-32602), json!(id)), "{body}");
    }
    // An unknown prompt is invalid params; an unknown method is -32601.
    let prompt =
        post(&server.addr, &headers, br#"{"jsonrpc":"2.0","id":10,"method":"prompts/get","params":{"name":"x"}}"#);
    assert_eq!(prompt.messages()[0]["error"]["code"], -32602, "{}", prompt.body);
    let unknown = post(&server.addr, &headers, br#"{"jsonrpc":"2.0","id":11,"method":"no/such"}"#);
    assert_eq!(unknown.messages()[0]["error"]["code"], -32601, "{}", unknown.body);
    // rmcp's WARN line for -32601/-32602 replies is kept out of the log.
    let log = server.stderr_so_far();
    assert!(!log.contains("response error"), "{log}");
}

#[test]
fn an_oversized_chunked_body_gets_413() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Authorization: {bearer}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let chunk = vec![b'a'; 1024 * 1024];
    let mut body = Vec::new();
    body.extend_from_slice(br#"f"#);
    body.extend_from_slice(b"\r\n{\"jsonrpc\":\"2.0\r\n");
    for _ in 0..5 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let response = exchange(&server.addr, head.as_bytes(), &body);
    assert_eq!(response.status, 413, "{}", response.body);
    assert!(response.body.contains("over"), "{}", response.body);
}

#[test]
fn a_burst_of_bad_tokens_gets_429_and_good_tokens_pass() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token_of(&env));
    let (mut unauthorized, mut limited, mut retry_after) = (0, 0, None);
    for i in 0..2000 {
        let wrong = format!("Bearer mcpo_wrong{i}");
        let response = post(&server.addr, &[("Authorization", &wrong)], &initialize_body());
        match response.status {
            401 => unauthorized += 1,
            429 => {
                limited += 1;
                retry_after = response.header("retry-after").map(str::to_owned);
            }
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert!(unauthorized <= 100, "{unauthorized} bad tokens got 401 before the limit");
    assert!(limited >= 1900, "only {limited} of 2000 bad tokens were limited");
    let retry: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let burst_end = std::time::Instant::now();
    // The right token is not limited.
    assert_eq!(post(&server.addr, &[("Authorization", &bearer)], &initialize_body()).status, 200);
    // A wrong token is still limited: at most the failures the bucket regained since the burst
    // (one per second, however slow this machine is now) get a 401 before the 429 comes back.
    let mut regained = 0;
    loop {
        match post(&server.addr, &[("Authorization", "Bearer mcpo_wrong")], &initialize_body()).status {
            429 => break,
            401 => regained += 1,
            other => panic!("unexpected {other}"),
        }
        let allowed = burst_end.elapsed().as_secs() + 1;
        assert!(regained <= allowed, "{regained} wrong tokens passed to a 401 within {allowed} s of the burst");
    }
    // No token at all guesses nothing: 401, not counted.
    assert_eq!(post(&server.addr, &[], &initialize_body()).status, 401);
}

#[test]
fn a_token_file_others_can_read_is_refused_at_start() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::new();
    drop(Server::start(&env, &[]));
    for name in ["http-token", "tokens.sha256"] {
        let file = env.home().join("server").join(name);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let out = env
            .test
            .std_command(binary().to_str().expect("utf-8 path"))
            .args(["serve", "--http", "127.0.0.1:0"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(10), "{name}: {stderr}");
        assert!(stderr.contains(name) && stderr.contains("chmod 600"), "{stderr}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

#[test]
fn no_auth_on_127_0_0_2_accepts_its_own_host_and_logs_the_bound_port_without_colour() {
    let env = Env::new();
    let server = Server::start_at(&env, "127.0.0.2:0", &["--no-auth"]);
    let response = post(&server.addr, &[("Host", &server.addr)], &initialize_body());
    assert_eq!(response.status, 200, "{}", response.body);
    let port = server.addr.rsplit(':').next().expect("port");
    let log = server.before.join("\n");
    assert!(log.contains(&format!("127.0.0.2:{port} need no token")), "{log}");
    assert!(!log.contains(":0 need"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a piped log: {log:?}");
}
