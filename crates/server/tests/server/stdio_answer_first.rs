//! The stdio transport answers first (`stdio::AfterAnswer`): a read-only call's events are
//! written to the log after its answer, not before, once the session is idle (while it is still
//! open); every event is still written, in call order, also around a writing tool whose events
//! are written as they happen; a repeated answer (handed out from the copy taken back once the
//! previous one was written) is the same answer; and a change made by another process is still
//! noticed on the very next call.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use mcp_server::McpServer;
use mcp_server::stdio::{AfterAnswer, LineTransport};
use rmcp::ServiceExt as _;
use serde_json::{Value, json};
use tokio::io::AsyncWrite;

use crate::support::*;

/// The trace ids in the home's event log, in file order.
fn logged_traces(home: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(home.join("events"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).expect("read events").lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| serde_json::from_str::<Value>(&line).expect("event line")["trace_id"].as_str().unwrap_or("").into())
        .collect()
}

/// Each write of the server's stdout, with the trace ids the event log held at that moment.
type Writes = Arc<Mutex<Vec<(Vec<u8>, Vec<String>)>>>;

/// The server's stdout: records each write with the trace ids the event log held at that moment.
struct Recording<W> {
    inner: W,
    home: std::path::PathBuf,
    writes: Writes,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Recording<W> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let logged = logged_traces(&self.home);
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &polled {
            this.writes.lock().expect("writes").push((buf[..*n].to_vec(), logged));
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn doc(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

#[tokio::test]
async fn a_read_only_answer_is_written_before_its_events_and_every_event_is_written_in_order() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("publish");
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let (read, write) = tokio::io::split(server_io);
    let writes: Writes = Arc::default();
    let stdout = Recording { inner: write, home: env.home(), writes: Arc::clone(&writes) };
    let after = Arc::new(AfterAnswer::default());
    let server =
        McpServer::with_host(env.core(), env.facts(), Vec::new()).inline().with_after_answer(Arc::clone(&after));
    let served = tokio::spawn(async move {
        let transport = LineTransport::with_after_answer(read, stdout, Some(after));
        if let Ok(running) = server.serve(transport).await {
            let _ = running.waiting().await;
        }
    });
    let client = RootsClient { roots: None }.serve(client_io).await.expect("client handshake");
    let client = Client { inner: client };

    let get = json!({"client_id": "cursor", "profile_id": "team"});
    let mut calls = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..3 {
        let raw = client.call_raw("get_config", get.clone()).await.expect("get_config");
        answers.push(raw.clone());
        calls.push(("get_config", trace_of(&raw)));
    }
    let without_trace = |result: &rmcp::model::CallToolResult| {
        let mut result = result.clone();
        result.meta = None;
        result
    };
    assert_eq!(
        without_trace(&answers[0]),
        without_trace(&answers[2]),
        "the answer handed out from its spare copy is the same answer"
    );
    assert_eq!(answers[0].structured_content.as_ref().map(|v| v["version"].clone()), Some(json!(1)));

    // Another process publishes: the next call notices it.
    env.core().publish("cursor", "team", &doc("two"), None, None).expect("another process publishes");
    let added =
        client.call("add_server_to_config", json!({"client_id": "cursor", "profile_id": "dev", "server_id": "memory"}));
    let added = added.await;
    assert!(added.ok()["document"]["mcpServers"]["memory"].is_object(), "{}", added.text);
    calls.push(("add_server_to_config", added.trace_id.clone().expect("trace id")));
    let raw = client.call_raw("get_config", get.clone()).await.expect("get_config");
    let fresh = raw.structured_content.clone().expect("structured");
    assert_eq!(fresh["version"], 2, "the change made by another process shows on the next call");
    assert_eq!(fresh["payload"]["mcpServers"]["probe"]["args"], json!(["two"]));
    calls.push(("get_config", trace_of(&raw)));
    client.close().await;
    served.await.expect("server task");

    // Answer first: when a read-only call's answer was written, none of its events was.
    let writes = writes.lock().expect("writes");
    for (tool, trace) in calls.iter().filter(|(tool, _)| *tool == "get_config") {
        let (_, logged) = writes
            .iter()
            .find(|(bytes, _)| String::from_utf8_lossy(bytes).contains(trace.as_str()))
            .unwrap_or_else(|| panic!("{tool}: no answer written with trace {trace}"));
        assert!(!logged.contains(trace), "{tool}: its events were written before its answer");
    }
    // Every event written once the session is over, each call's together and in call order.
    let logged = logged_traces(&env.home());
    let mut order: Vec<&String> = Vec::new();
    for trace in &logged {
        if order.last() != Some(&trace) {
            order.push(trace);
        }
    }
    let expected: Vec<&String> = calls.iter().map(|(_, trace)| trace).collect();
    let order: Vec<&String> = order.into_iter().filter(|t| expected.contains(t)).collect();
    assert_eq!(order, expected, "each call's events together, in call order");
    for (tool, trace) in &calls {
        let count = logged.iter().filter(|t| *t == trace).count();
        assert!(count >= 4, "{tool}: {count} events (the tool call's pair and the core's)");
    }
}

#[tokio::test]
async fn a_read_only_calls_events_reach_the_log_while_the_session_stays_open() {
    let env = Env::new();
    env.core().publish("cursor", "team", &doc("one"), None, None).expect("publish");
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let (read, write) = tokio::io::split(server_io);
    let after = Arc::new(AfterAnswer::default());
    let server =
        McpServer::with_host(env.core(), env.facts(), Vec::new()).inline().with_after_answer(Arc::clone(&after));
    let served = tokio::spawn(async move {
        let transport = LineTransport::with_after_answer(read, write, Some(after));
        if let Ok(running) = server.serve(transport).await {
            let _ = running.waiting().await;
        }
    });
    let client = RootsClient { roots: None }.serve(client_io).await.expect("client handshake");
    let client = Client { inner: client };
    let mut traces = Vec::new();
    for _ in 0..2 {
        let raw = client.call_raw("get_config", json!({"client_id": "cursor", "profile_id": "team"})).await;
        traces.push(trace_of(&raw.expect("get_config")));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let logged = loop {
        let logged = logged_traces(&env.home());
        if traces.iter().all(|t| logged.iter().filter(|l| *l == t).count() >= 4) || std::time::Instant::now() > deadline
        {
            break logged;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    for trace in &traces {
        assert_eq!(logged.iter().filter(|l| *l == trace).count(), 4, "all four events of {trace}, session open");
    }
    client.close().await;
    served.await.expect("server task");
}

fn trace_of(result: &rmcp::model::CallToolResult) -> String {
    result
        .meta
        .as_ref()
        .and_then(|m| m.0.get(mcp_server::TRACE_ID_META))
        .and_then(Value::as_str)
        .expect("trace id")
        .to_owned()
}
