//! Tests of [`super::DirectSessionManager`]: the manager driven as rmcp's HTTP service drives it,
//! the service's side played by hand through the session's transport.

use std::time::Duration;

use futures::StreamExt as _;
use rmcp::model::{ClientJsonRpcMessage, GetExtensions as _, JsonRpcMessage, RequestId, ServerJsonRpcMessage};
use rmcp::service::OriginatingRequestId;
use rmcp::transport::Transport as _;
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId, SessionManager as _};
use serde_json::{Value, json};

use super::{DirectSessionManager, JsonAnswer, SessionConfig, SessionError, SessionTransport};

fn client(message: Value) -> ClientJsonRpcMessage {
    serde_json::from_value(message).expect("a client message")
}

fn server(message: Value) -> ServerJsonRpcMessage {
    serde_json::from_value(message).expect("a server message")
}

fn call(id: u64, progress_token: Option<&str>) -> ClientJsonRpcMessage {
    let mut params = json!({"name": "get_config", "arguments": {}});
    if let Some(token) = progress_token {
        params["_meta"] = json!({"progressToken": token});
    }
    client(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
}

fn result(id: u64) -> ServerJsonRpcMessage {
    server(json!({"jsonrpc": "2.0", "id": id, "result": {"content": []}}))
}

fn progress(token: &str) -> ServerJsonRpcMessage {
    server(json!({"jsonrpc": "2.0", "method": "notifications/progress",
        "params": {"progressToken": token, "progress": 1}}))
}

/// The JSON of an event's message (None for a priming event).
fn json_of(event: &ServerSseMessage) -> Option<Value> {
    event.message.as_deref().map(|m| serde_json::to_value(m).expect("JSON"))
}

async fn next(stream: &mut (impl futures::Stream<Item = ServerSseMessage> + Unpin)) -> ServerSseMessage {
    tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("an event in time").expect("an event")
}

async fn ended(stream: &mut (impl futures::Stream<Item = ServerSseMessage> + Unpin)) -> bool {
    tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("the stream ends in time").is_none()
}

/// A session through `initialize`, with the transport the service would get.
async fn initialized(manager: &DirectSessionManager) -> (SessionId, SessionTransport) {
    let (id, mut transport) = manager.create_session().await.expect("session");
    let init = client(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}));
    let (answer, received) = tokio::join!(manager.initialize_session(&id, init), async {
        let received = transport.receive().await.expect("the initialize request");
        transport
            .send(server(json!({"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": "2025-06-18",
            "capabilities": {}, "serverInfo": {"name": "s", "version": "1"}}})))
            .await
            .expect("sent");
        received
    });
    assert!(matches!(received, JsonRpcMessage::Request(_)));
    let answer = serde_json::to_value(answer.expect("the initialize answer")).expect("JSON");
    assert_eq!(answer["result"]["serverInfo"]["name"], "s");
    (id, transport)
}

#[tokio::test]
async fn a_request_stream_opens_with_priming_carries_its_response_and_ends() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut stream = Box::pin(manager.create_stream(&id, call(5, None)).await.expect("stream"));
    let priming = next(&mut stream).await;
    assert_eq!(
        (priming.event_id.as_deref(), priming.retry, priming.message.is_none()),
        (Some("0/0"), Some(Duration::from_secs(3)), true)
    );
    let received = serde_json::to_value(transport.receive().await.expect("the call")).expect("JSON");
    assert_eq!(received["id"], 5);
    transport.send(result(5)).await.expect("routed");
    let answer = next(&mut stream).await;
    assert_eq!(answer.event_id.as_deref(), Some("1/0"));
    assert_eq!(json_of(&answer).expect("a message")["id"], 5);
    assert!(ended(&mut stream).await, "the response ends the stream");
    // The next request's stream is numbered 1; its answer cannot go to the closed stream 0.
    let mut second = Box::pin(manager.create_stream(&id, call(6, None)).await.expect("stream"));
    assert_eq!(next(&mut second).await.event_id.as_deref(), Some("0/1"));
    transport.receive().await.expect("the call");
    transport.send(result(6)).await.expect("routed");
    assert_eq!(json_of(&next(&mut second).await).expect("message")["id"], 6);
}

#[tokio::test]
async fn without_sse_retry_there_is_no_priming_event() {
    let manager = DirectSessionManager::new(SessionConfig { sse_retry: None, ..SessionConfig::default() });
    let (id, mut transport) = initialized(&manager).await;
    let mut stream = Box::pin(manager.create_stream(&id, call(1, None)).await.expect("stream"));
    transport.receive().await.expect("the call");
    transport.send(result(1)).await.expect("routed");
    let first = next(&mut stream).await;
    assert_eq!((first.event_id.as_deref(), json_of(&first).expect("message")["id"].clone()), (Some("0/0"), json!(1)));
}

#[tokio::test]
async fn progress_goes_to_the_stream_of_its_token_and_other_notifications_to_the_standalone_stream() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut standalone = Box::pin(manager.create_standalone_stream(&id).await.expect("GET stream"));
    let mut stream = Box::pin(manager.create_stream(&id, call(2, Some("tok"))).await.expect("stream"));
    next(&mut stream).await; // priming
    transport.receive().await.expect("the call");
    transport.send(progress("tok")).await.expect("routed");
    transport.send(progress("other")).await.expect("routed");
    transport
        .send(server(json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})))
        .await
        .expect("routed");
    let on_stream = json_of(&next(&mut stream).await).expect("message");
    assert_eq!(on_stream["params"]["progressToken"], "tok");
    let first = next(&mut standalone).await;
    assert_eq!(first.event_id.as_deref(), Some("0"));
    assert_eq!(json_of(&first).expect("message")["params"]["progressToken"], "other");
    assert_eq!(json_of(&next(&mut standalone).await).expect("message")["method"], "notifications/tools/list_changed");
    // Once the request is answered its token routes nothing: later progress goes standalone.
    transport.send(result(2)).await.expect("routed");
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["id"], 2);
    transport.send(progress("tok")).await.expect("routed");
    assert_eq!(json_of(&next(&mut standalone).await).expect("message")["params"]["progressToken"], "tok");
}

#[tokio::test]
async fn a_server_request_goes_on_the_stream_of_the_request_it_belongs_to() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut standalone = Box::pin(manager.create_standalone_stream(&id).await.expect("GET stream"));
    let mut stream = Box::pin(manager.create_stream(&id, call(7, None)).await.expect("stream"));
    next(&mut stream).await; // priming
    transport.receive().await.expect("the call");
    let roots = |originating: Option<u64>| {
        let mut message = server(json!({"jsonrpc": "2.0", "id": 100, "method": "roots/list"}));
        if let (JsonRpcMessage::Request(request), Some(id)) = (&mut message, originating) {
            request.request.extensions_mut().insert(OriginatingRequestId(RequestId::Number(id as i64)));
        }
        message
    };
    transport.send(roots(Some(7))).await.expect("routed");
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["method"], "roots/list");
    // The client's answer is accepted on a POST of its own and passed to the service.
    manager
        .accept_message(&id, client(json!({"jsonrpc": "2.0", "id": 100, "result": {"roots": []}})))
        .await
        .expect("accepted");
    assert!(matches!(transport.receive().await, Some(JsonRpcMessage::Response(_))));
    // Without an originating request (or once it is answered) it goes on the standalone stream.
    transport.send(roots(None)).await.expect("routed");
    assert_eq!(json_of(&next(&mut standalone).await).expect("message")["method"], "roots/list");
    transport.send(result(7)).await.expect("routed");
    transport.send(roots(Some(7))).await.expect("routed");
    assert_eq!(json_of(&next(&mut standalone).await).expect("message")["method"], "roots/list");
}

#[tokio::test]
async fn a_cancelled_request_ends_its_stream_and_keeps_its_events_for_a_late_resumption() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut stream = Box::pin(manager.create_stream(&id, call(3, Some("p3"))).await.expect("stream"));
    next(&mut stream).await; // priming 0/0
    transport.receive().await.expect("the call");
    transport.send(progress("p3")).await.expect("routed"); // 1/0
    assert_eq!(next(&mut stream).await.event_id.as_deref(), Some("1/0"));
    let cancel = client(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}));
    manager.accept_message(&id, cancel).await.expect("accepted");
    assert!(matches!(transport.receive().await, Some(JsonRpcMessage::Notification(_))));
    assert!(ended(&mut stream).await, "cancelling ends the stream");
    // The events from the one named on: replayed, then the stream ends.
    let mut resumed = Box::pin(manager.resume(&id, "1/0".into()).await.expect("resumed"));
    assert_eq!(next(&mut resumed).await.event_id.as_deref(), Some("1/0"));
    assert!(ended(&mut resumed).await);
    // An answer that comes after the cancellation has no stream to go to.
    assert!(matches!(transport.send(result(3)).await, Ok(())), "routed to the standalone stream");
}

#[tokio::test]
async fn cancelled_streams_are_forgotten_after_their_ttl() {
    let config = SessionConfig { completed_cache_ttl: Duration::from_millis(20), ..SessionConfig::default() };
    let manager = DirectSessionManager::new(config);
    let (id, mut transport) = initialized(&manager).await;
    let _stream = manager.create_stream(&id, call(3, None)).await.expect("stream");
    transport.receive().await.expect("the call");
    let cancel = client(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}));
    manager.accept_message(&id, cancel).await.expect("accepted");
    tokio::time::sleep(Duration::from_millis(40)).await;
    let _next = manager.create_stream(&id, call(4, None)).await.expect("stream"); // evicts
    assert!(matches!(manager.resume(&id, "0/0".into()).await, Err(SessionError::StreamClosed(0))));
}

#[tokio::test]
async fn an_open_stream_resumed_on_a_new_connection_replays_and_goes_on() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let stream = manager.create_stream(&id, call(9, Some("p9"))).await.expect("stream");
    transport.receive().await.expect("the call");
    transport.send(progress("p9")).await.expect("routed"); // 1/0
    drop(stream); // the connection broke
    transport.send(progress("p9")).await.expect("routed"); // 2/0, kept for the resumption
    let mut resumed = Box::pin(manager.resume(&id, "1/0".into()).await.expect("resumed"));
    assert_eq!(next(&mut resumed).await.event_id.as_deref(), Some("1/0"));
    assert_eq!(next(&mut resumed).await.event_id.as_deref(), Some("2/0"));
    transport.send(result(9)).await.expect("routed");
    assert_eq!(json_of(&next(&mut resumed).await).expect("message")["id"], 9);
    assert!(ended(&mut resumed).await);
    // Event ids that name nothing kept are refused with a clear error.
    assert!(matches!(manager.resume(&id, "x/y".into()).await, Err(SessionError::InvalidEventId(e)) if e == "x/y"));
    assert!(matches!(manager.resume(&id, "0/0".into()).await, Err(SessionError::StreamClosed(0))));
}

#[tokio::test]
async fn a_second_standalone_stream_is_an_idle_one_and_a_dead_primary_is_replaced_with_replay() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut first = Box::pin(manager.create_standalone_stream(&id).await.expect("GET"));
    let mut idle = Box::pin(manager.create_standalone_stream(&id).await.expect("GET"));
    transport.send(progress("loose")).await.expect("routed");
    assert_eq!(next(&mut first).await.event_id.as_deref(), Some("0"));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), idle.next()).await.is_err(),
        "the idle stream got an event"
    );
    drop(first);
    // Resuming the standalone stream after event 0 replays from it.
    let mut resumed = Box::pin(manager.resume(&id, "0".into()).await.expect("resumed"));
    assert_eq!(json_of(&next(&mut resumed).await).expect("message")["params"]["progressToken"], "loose");
    // At most MAX_SHADOW_STREAMS idle streams: the oldest ones end to make room.
    let mut shadows = Vec::new();
    for _ in 0..super::MAX_SHADOW_STREAMS + 1 {
        shadows.push(Box::pin(manager.create_standalone_stream(&id).await.expect("GET")));
    }
    assert!(ended(&mut idle).await, "the oldest idle stream ended first");
    assert!(ended(&mut shadows[0]).await, "then the next oldest");
    assert!(tokio::time::timeout(Duration::from_millis(50), shadows[1].next()).await.is_err(), "a newer one ended");
}

#[tokio::test]
async fn a_reader_too_far_behind_loses_its_connection_and_resumes_from_the_kept_events() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut standalone = Box::pin(manager.create_standalone_stream(&id).await.expect("GET"));
    let sent = super::MAX_QUEUED_EVENTS + 5;
    // The client reads nothing while resources keep changing.
    for _ in 0..sent {
        transport
            .send(server(json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed"})))
            .await
            .expect("routed");
    }
    // What was queued before the bound arrives in order, then the connection ends.
    for index in 0..super::MAX_QUEUED_EVENTS {
        assert_eq!(next(&mut standalone).await.event_id, Some(index.to_string()));
    }
    assert!(ended(&mut standalone).await, "the stream of a reader too far behind ends");
    // The events after it were kept: a resumption from the first one not received gets them.
    let mut resumed = Box::pin(manager.resume(&id, super::MAX_QUEUED_EVENTS.to_string()).await.expect("resumed"));
    for index in super::MAX_QUEUED_EVENTS..sent {
        assert_eq!(next(&mut resumed).await.event_id, Some(index.to_string()));
    }
    // And the resumed connection goes on with what comes next.
    transport.send(progress("later")).await.expect("routed");
    let event = next(&mut resumed).await;
    assert_eq!(event.event_id, Some(sent.to_string()));
    assert_eq!(json_of(&event).expect("message")["params"]["progressToken"], "later");
}

#[tokio::test]
async fn a_request_stream_whose_reader_falls_behind_ends_and_resumes_to_its_response() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut stream = Box::pin(manager.create_stream(&id, call(4, Some("p4"))).await.expect("stream"));
    transport.receive().await.expect("the call");
    // The priming event, then more progress than the queue holds, none of it read yet.
    for _ in 0..super::MAX_QUEUED_EVENTS {
        transport.send(progress("p4")).await.expect("routed");
    }
    let mut received = 0;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time") {
        assert_eq!(event.event_id, Some(format!("{received}/0")), "in order, none skipped");
        received += 1;
    }
    assert_eq!(received, super::MAX_QUEUED_EVENTS, "the queue's worth, then the end");
    // Resumed from the first event not received: the rest, then the response when it comes.
    let mut resumed = Box::pin(manager.resume(&id, format!("{received}/0")).await.expect("resumed"));
    assert_eq!(next(&mut resumed).await.event_id, Some(format!("{received}/0")));
    transport.send(result(4)).await.expect("routed");
    let last = next(&mut resumed).await;
    assert_eq!(last.event_id, Some(format!("{}/0", received + 1)));
    assert_eq!(json_of(&last).expect("message")["id"], 4);
    assert!(ended(&mut resumed).await, "answered: the stream ends");
}

#[tokio::test]
async fn closing_a_session_ends_its_streams_and_its_service() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let mut stream = Box::pin(manager.create_stream(&id, call(1, None)).await.expect("stream"));
    let mut standalone = Box::pin(manager.create_standalone_stream(&id).await.expect("GET"));
    transport.receive().await.expect("the call");
    assert!(manager.has_session(&id).await.expect("answer"));
    manager.close_session(&id).await.expect("closed");
    assert!(!manager.has_session(&id).await.expect("answer"));
    next(&mut stream).await; // priming
    assert!(ended(&mut stream).await && ended(&mut standalone).await);
    assert!(transport.receive().await.is_none(), "the service's input ended");
    assert!(matches!(transport.send(result(1)).await, Err(SessionError::Ended)));
    let unknown: SessionId = "no-such-session".into();
    assert!(matches!(manager.create_stream(&id, call(2, None)).await, Err(SessionError::NotFound(_))));
    assert!(matches!(manager.accept_message(&unknown, call(2, None)).await, Err(SessionError::NotFound(_))));
    assert!(matches!(manager.create_standalone_stream(&unknown).await, Err(SessionError::NotFound(_))));
    assert!(matches!(manager.resume(&unknown, "0".into()).await, Err(SessionError::NotFound(_))));
    assert!(matches!(manager.initialize_session(&unknown, call(2, None)).await, Err(SessionError::NotFound(_))));
    manager.close_session(&unknown).await.expect("closing an unknown session is a no-op");
}

#[tokio::test]
async fn beyond_the_session_limit_a_new_session_ends_the_one_idle_longest() {
    let manager = DirectSessionManager::default();
    let (first, mut first_transport) = initialized(&manager).await;
    let mut others = Vec::new();
    for _ in 1..super::MAX_SESSIONS {
        others.push(manager.create_session().await.expect("session"));
    }
    // The first session is used again: now the second one is the one idle longest.
    tokio::time::sleep(Duration::from_millis(5)).await;
    manager
        .accept_message(&first, client(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})))
        .await
        .expect("accepted");
    first_transport.receive().await.expect("the notification");
    let (idle_id, idle_transport) = &mut others[0];
    let idle_id = idle_id.clone();
    let (newest, _newest_transport) = manager.create_session().await.expect("a session beyond the limit");
    assert!(manager.has_session(&newest).await.expect("answered"));
    assert!(manager.has_session(&first).await.expect("answered"), "the session in use was kept");
    assert!(!manager.has_session(&idle_id).await.expect("answered"), "the one idle longest is gone");
    assert!(idle_transport.receive().await.is_none(), "its service's input ended");
    assert!(matches!(manager.create_stream(&idle_id, call(1, None)).await, Err(SessionError::NotFound(_))));
    let kept = manager.sessions.read().expect("sessions").len();
    assert_eq!(kept, super::MAX_SESSIONS, "never more than the limit");
}

#[tokio::test]
async fn transport_close_ends_the_session() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    transport.close().await.expect("closed");
    assert!(transport.receive().await.is_none());
    assert!(matches!(manager.create_stream(&id, call(1, None)).await, Err(SessionError::Ended)));
}

#[tokio::test]
async fn an_idle_session_ends_after_its_keep_alive() {
    let config = SessionConfig { keep_alive: Some(Duration::from_millis(100)), ..SessionConfig::default() };
    let manager = DirectSessionManager::new(config);
    let (id, mut transport) = initialized(&manager).await;
    // Activity keeps it alive.
    for n in 0..4 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        manager
            .accept_message(&id, client(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})))
            .await
            .unwrap_or_else(|e| panic!("message {n}: {e}"));
        transport.receive().await.expect("the notification");
    }
    let ended = tokio::time::timeout(Duration::from_secs(5), transport.receive()).await.expect("ends in time");
    assert!(ended.is_none(), "the idle session's service input ended");
}

#[tokio::test]
async fn a_session_without_initialize_ends_after_the_init_timeout() {
    let config = SessionConfig { init_timeout: Some(Duration::from_millis(50)), ..SessionConfig::default() };
    let manager = DirectSessionManager::new(config);
    let (_id, mut transport) = manager.create_session().await.expect("session");
    let ended = tokio::time::timeout(Duration::from_secs(5), transport.receive()).await.expect("ends in time");
    assert!(ended.is_none());
}

#[test]
fn event_ids_print_and_parse_both_ways() {
    for id in ["0", "12", "3/0", "1/77"] {
        assert_eq!(id.parse::<super::EventId>().expect("parses").to_string(), id);
    }
    for bad in ["", "a", "1/", "/2", "1/b"] {
        assert!(matches!(bad.parse::<super::EventId>(), Err(SessionError::InvalidEventId(e)) if e == bad));
    }
}

/// `message` as rmcp hands it to the session: with the HTTP request's `Parts`, here carrying a
/// [`JsonAnswer`] as `http_protocol` puts it there.
fn with_json_answer(mut message: ClientJsonRpcMessage) -> (ClientJsonRpcMessage, JsonAnswer, JsonReceiver) {
    let (answer, rx) = JsonAnswer::new();
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.extensions.insert(answer.clone());
    if let JsonRpcMessage::Request(request) = &mut message {
        request.request.extensions_mut().insert(parts);
    }
    (message, answer, rx)
}

type JsonReceiver = tokio::sync::oneshot::Receiver<ServerJsonRpcMessage>;

fn tool_call(id: u64, tool: &str) -> ClientJsonRpcMessage {
    client(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": {}}}))
}

#[tokio::test]
async fn a_response_that_comes_first_is_handed_over_for_a_json_body_and_the_stream_ends() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let (message, answer, rx) = with_json_answer(call(5, None));
    let mut stream = Box::pin(manager.create_stream(&id, message).await.expect("stream"));
    assert_eq!(answer.taken(), Some(true), "get_config is answered at once");
    transport.receive().await.expect("the call");
    transport.send(result(5)).await.expect("routed");
    let json = serde_json::to_value(rx.await.expect("the response handed over")).expect("JSON");
    assert_eq!(json["id"], 5);
    // The event stream carries only its priming event and ends: the response is not sent twice.
    assert!(next(&mut stream).await.message.is_none());
    assert!(ended(&mut stream).await);
}

#[tokio::test]
async fn anything_before_the_response_makes_the_answer_the_event_stream() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let (message, answer, rx) = with_json_answer(call(6, Some("tok")));
    let mut stream = Box::pin(manager.create_stream(&id, message).await.expect("stream"));
    assert_eq!(answer.taken(), Some(true));
    transport.receive().await.expect("the call");
    transport.send(progress("tok")).await.expect("routed");
    assert!(rx.await.is_err(), "no JSON answer once a progress notification went first");
    transport.send(result(6)).await.expect("routed");
    next(&mut stream).await; // priming
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["method"], "notifications/progress");
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["id"], 6);
    assert!(ended(&mut stream).await);
}

#[tokio::test]
async fn a_response_after_the_layer_stopped_waiting_goes_on_the_event_stream() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let (message, answer, mut rx) = with_json_answer(tool_call(7, "list_clients"));
    let mut stream = Box::pin(manager.create_stream(&id, message).await.expect("stream"));
    assert_eq!(answer.taken(), Some(false), "list_clients runs on the blocking pool: it may be slow");
    rx.close(); // what http_protocol does when its wait is over
    transport.receive().await.expect("the call");
    transport.send(result(7)).await.expect("routed");
    assert!(rx.try_recv().is_err());
    next(&mut stream).await; // priming
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["id"], 7);
    assert!(ended(&mut stream).await);
}

#[tokio::test]
async fn a_wish_no_request_stream_took_is_not_taken() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    let (answer, _rx) = JsonAnswer::new();
    assert_eq!(answer.taken(), None);
    // A request without one gets no JSON answer and its event stream as before.
    let mut stream = Box::pin(manager.create_stream(&id, call(8, None)).await.expect("stream"));
    transport.receive().await.expect("the call");
    transport.send(result(8)).await.expect("routed");
    next(&mut stream).await; // priming
    assert_eq!(json_of(&next(&mut stream).await).expect("message")["id"], 8);
}

#[test]
fn only_reads_answered_on_the_spot_are_quick() {
    let quick = |message: Value| match client(message) {
        JsonRpcMessage::Request(request) => super::is_quick(&request.request),
        _ => panic!("a request"),
    };
    for method in ["ping", "tools/list", "prompts/list", "resources/templates/list"] {
        assert!(quick(json!({"jsonrpc": "2.0", "id": 1, "method": method})), "{method}");
    }
    for tool in ["get_config", "list_profiles", "view_draft_config"] {
        assert!(quick(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool}})), "{tool}");
    }
    for tool in ["list_clients", "deploy_config", "publish_config", "diff_config"] {
        assert!(!quick(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool}})), "{tool}");
    }
    let read = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "x://y"}});
    assert!(!quick(read));
}

#[tokio::test]
async fn a_known_method_with_params_that_do_not_fit_gets_32602_without_reaching_the_service() {
    let manager = DirectSessionManager::default();
    let (id, mut transport) = initialized(&manager).await;
    for (n, params, tool) in [(20, json!({}), "tools/call"), (21, json!({"name": 3}), "tools/call")] {
        let bad = client(json!({"jsonrpc": "2.0", "id": n, "method": tool, "params": params}));
        let (message, _answer, rx) = with_json_answer(bad);
        let stream = manager.create_stream(&id, message).await.expect("stream");
        let json = serde_json::to_value(rx.await.expect("answered here")).expect("JSON");
        assert_eq!((json["id"].clone(), json["error"]["code"].clone()), (json!(n), json!(-32602)), "{json}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| m.starts_with("Invalid params for tools/call")));
        drop(stream);
    }
    // Without a JSON wish the same answer is the stream's event.
    let bad = client(json!({"jsonrpc": "2.0", "id": 22, "method": "resources/read", "params": {}}));
    let mut stream = Box::pin(manager.create_stream(&id, bad).await.expect("stream"));
    next(&mut stream).await; // priming
    let error = json_of(&next(&mut stream).await).expect("message");
    assert_eq!((error["id"].clone(), error["error"]["code"].clone()), (json!(22), json!(-32602)));
    // None of them reached the service: the next thing it receives is the next good request.
    let _good = manager.create_stream(&id, call(23, None)).await.expect("stream");
    let received = serde_json::to_value(transport.receive().await.expect("a message")).expect("JSON");
    assert_eq!(received["id"], 23);
}
