//! `bridge URL --header …` end to end: this project's `serve --http` in a temp home, the bridge
//! started with its bearer token as a `${secret:…}` reference, and an rmcp client speaking
//! stdio to the bridge. What the client gets through the bridge is compared with what the same
//! server gives a direct stdio session (`serve`), and the token must never show on the bridge's
//! stderr, even at trace level. Then every refusal: a wrong token, an unreachable or silent
//! remote, an unknown secret, a URL that is not http(s), a header given twice or whose value
//! cannot be an HTTP header; with `--transport sse`, a URL that is not an SSE endpoint (this
//! project's streamable-HTTP server, an HTML page), a stream without an `endpoint` event, an
//! endpoint on another origin, a silent remote, and an unknown transport. (A server written by
//! others over streamable HTTP and SSE, progress, logging and cancellation:
//! `scripts/test-mcp-clients.sh` with the Python SDK.)

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use mcp_testkit::TestEnv;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, GetPromptRequestParams, Implementation,
    ReadResourceRequestParams,
};
use rmcp::service::{RunningService, ServiceError};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

use super::common::{BIN, initialized};

/// A running `serve --http` on 127.0.0.1 and its token.
struct Remote {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn remote(env: &TestEnv) -> Remote {
    remote_at(env, "127.0.0.1:0")
}

#[allow(clippy::zombie_processes, reason = "Drop kills and waits")]
fn remote_at(env: &TestEnv, addr: &str) -> Remote {
    let mut child = env
        .std_command(BIN)
        .args(["serve", "--http", addr])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve --http");
    let rx = mcp_testkit::stderr_lines(&mut child);
    let url = loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("serve --http printed no listening line");
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_owned();
        }
    };
    let token = std::fs::read_to_string(env.home().join("server/http-token")).expect("token file").trim().to_owned();
    Remote { child, url, token }
}

/// `secrets set NAME` with `value` on stdin.
fn store_secret(env: &TestEnv, name: &str, value: &str) {
    let mut child = env
        .std_command(BIN)
        .args(["secrets", "set", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn secrets set");
    child.stdin.take().expect("stdin").write_all(value.as_bytes()).expect("write secret");
    assert!(child.wait().expect("wait").success(), "secrets set {name} failed");
}

/// An rmcp client over the stdio of a child process, and the child's stderr as it comes.
struct Session {
    client: RunningService<RoleClient, ClientConfig>,
    child: tokio::process::Child,
    stderr: tokio::task::JoinHandle<String>,
}

impl Session {
    /// Closes stdin, waits for the child; its exit code and stderr.
    async fn finish(mut self) -> (i32, String) {
        let _ = self.client.close().await;
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the child exits when stdin closes")
            .expect("wait");
        (status.code().unwrap_or(-1), self.stderr.await.expect("stderr reader"))
    }
}

async fn connect(env: &TestEnv, args: &[&str]) -> Session {
    let mut command = tokio::process::Command::from(env.std_command(BIN));
    command
        .args(args)
        .env("MCP_ORCHESTRATION_LOG_LEVEL", "trace")
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("spawn");
    let (stdout, stdin) = (child.stdout.take().expect("stdout"), child.stdin.take().expect("stdin"));
    let mut stderr = child.stderr.take().expect("stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text).await;
        text
    });
    let info = ClientConfig::new(ClientCapabilities::default(), Implementation::new("bridge-test", "1"));
    let client = info.serve((stdout, stdin)).await.expect("initialize through the child");
    Session { client, child, stderr }
}

fn bridge_args<'a>(url: &'a str, header: &'a str) -> Vec<&'a str> {
    vec!["bridge", url, "--header", header]
}

/// The result without the server's per-call trace id.
fn without_meta(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.remove("_meta");
    }
    value
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

#[test]
fn a_stdio_client_gets_the_http_server_through_the_bridge_and_the_token_never_shows() {
    let env = initialized();
    let remote = remote(&env);
    store_secret(&env, "T", &remote.token);
    runtime().block_on(async {
        let direct = connect(&env, &["serve"]).await;
        let bridged = connect(&env, &bridge_args(&remote.url, "Authorization=Bearer ${secret:T}")).await;
        let (d, b) = (direct.client.peer(), bridged.client.peer());

        // initialize: the remote's own answer.
        let (d_info, b_info) = (d.peer_info().expect("direct info"), b.peer_info().expect("bridged info"));
        assert_eq!(b_info.server_info, d_info.server_info);
        assert_eq!(b_info.instructions, d_info.instructions);
        assert_eq!(b_info.capabilities, d_info.capabilities);

        // Lists: the server's own.
        let tools = d.list_all_tools().await.expect("direct tools");
        assert!(tools.iter().any(|t| t.name == "list_clients"), "{tools:?}");
        assert_eq!(json!(b.list_all_tools().await.expect("bridged tools")), json!(tools));
        let resources = d.list_all_resources().await.expect("direct resources");
        assert!(!resources.is_empty());
        assert_eq!(json!(b.list_all_resources().await.expect("bridged resources")), json!(resources));
        let templates = d.list_all_resource_templates().await.expect("direct templates");
        assert_eq!(json!(b.list_all_resource_templates().await.expect("bridged templates")), json!(templates));
        let prompts = d.list_all_prompts().await.expect("direct prompts");
        assert!(!prompts.is_empty());
        assert_eq!(json!(b.list_all_prompts().await.expect("bridged prompts")), json!(prompts));

        // A tool call, a resource read, a prompt: the same result.
        let call = || CallToolRequestParams::new("list_clients");
        let listed = without_meta(json!(d.call_tool(call()).await.expect("direct call")));
        assert!(listed.to_string().contains("claude-desktop"), "{listed}");
        assert_eq!(without_meta(json!(b.call_tool(call()).await.expect("bridged call"))), listed);
        let read = || ReadResourceRequestParams::new(resources[0].uri.clone());
        assert_eq!(
            json!(b.read_resource(read()).await.expect("bridged read")),
            json!(d.read_resource(read()).await.expect("direct read"))
        );
        let prompt = || {
            GetPromptRequestParams::new(prompts[0].name.clone()).with_arguments(
                [("client_id".to_owned(), json!("cursor")), ("profile_id".to_owned(), json!("default"))]
                    .into_iter()
                    .collect(),
            )
        };
        assert_eq!(
            json!(b.get_prompt(prompt()).await.expect("bridged prompt")),
            json!(d.get_prompt(prompt()).await.expect("direct prompt"))
        );

        // An error result (isError) and a JSON-RPC error: as the server gave them.
        let failing = || {
            CallToolRequestParams::new("get_config").with_arguments(
                json!({"client_id": "cursor", "profile_id": "nope"}).as_object().cloned().unwrap_or_default(),
            )
        };
        let failed = without_meta(json!(d.call_tool(failing()).await.expect("direct failing call")));
        assert_eq!(failed["isError"], json!(true), "{failed}");
        assert_eq!(without_meta(json!(b.call_tool(failing()).await.expect("bridged failing call"))), failed);
        let unknown = || CallToolRequestParams::new("no_such_tool");
        let (ServiceError::McpError(d_err), ServiceError::McpError(b_err)) = (
            d.call_tool(unknown()).await.expect_err("direct unknown tool"),
            b.call_tool(unknown()).await.expect_err("bridged unknown tool"),
        ) else {
            panic!("an unknown tool is a JSON-RPC error");
        };
        assert_eq!((b_err.code, b_err.message), (d_err.code, d_err.message));

        // The bridge ends with its client, quietly; the token is nowhere in its logs.
        let (code, stderr) = bridged.finish().await;
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("TRACE") || stderr.contains("DEBUG"), "trace logging was not on: {stderr}");
        assert!(!stderr.contains(&remote.token), "the bridge logged the token");
        let _ = direct.finish().await;
    });
}

#[test]
fn a_remote_that_goes_away_gets_an_error_reply_and_once_restarted_a_new_session() {
    let env = initialized();
    let first = remote(&env);
    store_secret(&env, "T", &first.token);
    let url = first.url.clone();
    let addr = url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();
    runtime().block_on(async {
        let bridged = connect(&env, &bridge_args(&url, "Authorization=Bearer ${secret:T}")).await;
        let peer = bridged.client.peer();
        let call = || CallToolRequestParams::new("list_clients");
        assert!(peer.call_tool(call()).await.is_ok());
        drop(first);
        let Err(ServiceError::McpError(error)) = peer.call_tool(call()).await else {
            panic!("a call to a remote that is gone is a JSON-RPC error");
        };
        assert_eq!(error.code.0, -32603, "{error:?}");
        assert!(error.message.contains("the bridge got no answer from the remote server"), "{error:?}");
        assert!(error.message.contains(&url) && error.message.contains("Connection refused"), "{error:?}");
        let _second = remote_at(&env, &addr);
        let again = peer.call_tool(call()).await.expect("a new session with the restarted remote");
        assert!(json!(again).to_string().contains("claude-desktop"));
        let (code, stderr) = bridged.finish().await;
        assert_eq!(code, 0, "{stderr}");
    });
}

/// Runs the bridge with stdin closed; its exit code, stderr and how long it took.
fn bridge_fails(env: &TestEnv, args: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = env
        .std_command(BIN)
        .args(args)
        .env("MCP_ORCHESTRATION_LOG_LEVEL", "trace")
        .stdin(Stdio::null())
        .output()
        .expect("run bridge");
    assert!(out.stdout.is_empty(), "stdout is for the protocol only: {}", String::from_utf8_lossy(&out.stdout));
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned(), started.elapsed())
}

#[test]
fn a_wrong_token_is_refused_at_start_with_a_clear_message_that_does_not_show_it() {
    let env = initialized();
    let remote = remote(&env);
    store_secret(&env, "T", "mcpo_not-the-token-4b1d");
    let (code, stderr, _) = bridge_fails(&env, &bridge_args(&remote.url, "Authorization=Bearer ${secret:T}"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("refused the bridge (HTTP 401/403)") && stderr.contains("--header"), "{stderr}");
    assert!(!stderr.contains("mcpo_not-the-token-4b1d"), "the wrong token is shown: {stderr}");
}

#[test]
fn a_remote_that_refuses_connections_ends_the_bridge_at_start() {
    let env = initialized();
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (code, stderr, _) = bridge_fails(&env, &["bridge", &url]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("cannot open an MCP session with {url}")), "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
}

#[test]
fn a_remote_that_never_answers_ends_the_bridge_after_the_connect_timeout() {
    let env = initialized();
    // Accepted by the kernel, never answered.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/mcp", silent.local_addr().expect("addr"));
    let (code, stderr, took) = bridge_fails(&env, &["bridge", &url, "--connect-timeout", "1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("did not answer `initialize` within 1 s (--connect-timeout)"), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn an_unknown_secret_is_refused_naming_the_reference() {
    let env = initialized();
    let (code, stderr, _) =
        bridge_fails(&env, &["bridge", "http://127.0.0.1:9/mcp", "--header", "Authorization=Bearer ${secret:NOPE}"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("--header Authorization"), "{stderr}");
    assert!(stderr.contains("${secret:NOPE}") && stderr.contains("secrets set NOPE"), "{stderr}");
}

#[test]
fn only_http_and_https_urls_are_bridged() {
    let env = TestEnv::new();
    for (url, says) in [
        ("ftp://example.com/mcp", "give an http:// or https:// URL"),
        ("ws://example.com/mcp", "give an http:// or https:// URL"),
        ("example.com/mcp", "not a URL"),
    ] {
        let (code, stderr, _) = bridge_fails(&env, &["bridge", url]);
        assert_eq!(code, 2, "{url}: {stderr}");
        assert!(stderr.contains(url) && stderr.contains(says), "{url}: {stderr}");
    }
}

#[test]
fn a_header_given_twice_or_without_a_name_is_a_usage_error() {
    let env = TestEnv::new();
    let (code, stderr, _) =
        bridge_fails(&env, &["bridge", "http://127.0.0.1:9/mcp", "--header", "X-Key=a", "--header", "x-key=b"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--header x-key is given twice"), "{stderr}");
    let (code, stderr, _) = bridge_fails(&env, &["bridge", "http://127.0.0.1:9/mcp", "--header", "no-equals-sign"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("expected NAME=VALUE"), "{stderr}");
}

#[test]
fn a_resolved_value_that_cannot_be_a_header_is_refused_without_showing_it() {
    let env = initialized();
    let out = env
        .std_command(BIN)
        .args(["bridge", "http://127.0.0.1:9/mcp", "--header", "X-Key=${env:BRIDGE_TEST_VALUE}"])
        .env("BRIDGE_TEST_VALUE", "line-one-9c2e\nline-two")
        .stdin(Stdio::null())
        .output()
        .expect("run bridge");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--header X-Key") && stderr.contains("cannot carry"), "{stderr}");
    assert!(!stderr.contains("line-one-9c2e"), "the value is shown: {stderr}");
}

/// A one-shot HTTP server on 127.0.0.1 that answers its first request with `response` (status
/// line, headers and body as written) and closes; its URL with `path`.
fn answers_once(response: &'static str, path: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}{path}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0_u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

#[test]
fn transport_sse_against_a_streamable_http_server_says_it_is_not_an_sse_endpoint() {
    let env = initialized();
    let remote = remote(&env);
    store_secret(&env, "T", &remote.token);
    let (code, stderr, _) = bridge_fails(
        &env,
        &["bridge", &remote.url, "--transport", "sse", "--header", "Authorization=Bearer ${secret:T}"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&remote.url), "{stderr}");
    assert!(
        stderr.contains("give the server's SSE endpoint") && stderr.contains("leave out --transport sse"),
        "{stderr}"
    );
    assert!(!stderr.contains(&remote.token), "the token is shown: {stderr}");
}

#[test]
fn transport_sse_against_a_page_that_is_not_an_event_stream_names_what_it_answered() {
    let env = TestEnv::new();
    let url = answers_once(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
        "/sse",
    );
    let (code, stderr, _) = bridge_fails(&env, &["bridge", &url, "--transport", "sse"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("{url} is not an SSE endpoint (it answered text/html")), "{stderr}");
}

#[test]
fn transport_sse_against_a_stream_that_ends_without_an_endpoint_event_says_so() {
    let env = TestEnv::new();
    let url = answers_once(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\nevent: message\ndata: {}\n\n",
        "/sse",
    );
    let (code, stderr, _) = bridge_fails(&env, &["bridge", &url, "--transport", "sse"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("closed the event stream before naming its message endpoint"), "{stderr}");
}

#[test]
fn transport_sse_refuses_a_message_endpoint_on_another_origin_so_the_headers_stay_home() {
    let env = TestEnv::new();
    let url = answers_once(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\nevent: endpoint\ndata: http://elsewhere.invalid/messages?s=1\n\n",
        "/sse",
    );
    let (code, stderr, _) =
        bridge_fails(&env, &["bridge", &url, "--transport", "sse", "--header", "Authorization=Bearer sk-canary-77"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("another origin (http://elsewhere.invalid)"), "{stderr}");
    assert!(!stderr.contains("sk-canary-77"), "the header value is shown: {stderr}");
}

#[test]
fn transport_sse_against_a_silent_remote_ends_after_the_connect_timeout() {
    let env = TestEnv::new();
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/sse", silent.local_addr().expect("addr"));
    let (code, stderr, took) = bridge_fails(&env, &["bridge", &url, "--transport", "sse", "--connect-timeout", "1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("did not name its message endpoint and answer `initialize` within 1 s"), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn an_unknown_transport_is_a_usage_error_listing_the_choices() {
    let env = TestEnv::new();
    let (code, stderr, _) = bridge_fails(&env, &["bridge", "http://127.0.0.1:9/sse", "--transport", "websocket"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("websocket") && stderr.contains("[possible values: http, sse]"), "{stderr}");
}
