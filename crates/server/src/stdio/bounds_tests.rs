//! Unit tests of the stdio transport's bounds over in-memory pipes: backpressure (a host that
//! reads nothing, requests not answered yet, the host's answer to a server request), over-long
//! lines, a closed output. Time is paused: a wait times out only once every task is blocked.

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, JsonRpcMessage, RequestId, ServerResult};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWriteExt as _, BufReader};

use super::{LineTransport, MAX_LINE_BYTES, MAX_PENDING};
use crate::jsonrpc;

fn answer(id: i64, text: &str) -> TxJsonRpcMessage<RoleServer> {
    let result = CallToolResult::success(vec![ContentBlock::text(text)]);
    JsonRpcMessage::response(ServerResult::CallToolResult(result), RequestId::Number(id))
}

fn ping(id: usize) -> String {
    format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\"}}\n")
}

fn request_id(message: &RxJsonRpcMessage<RoleServer>) -> i64 {
    match message {
        JsonRpcMessage::Request(request) => match &request.id {
            RequestId::Number(n) => *n,
            other => panic!("not a number id: {other:?}"),
        },
        other => panic!("not a request: {other:?}"),
    }
}

/// Receives and answers messages until `receive` stays pending with nothing else to run (time
/// is paused: the timeout fires only once every task is blocked) or the input ends; the ids.
async fn answer_until_blocked<R: AsyncRead + Send + Unpin>(transport: &mut LineTransport<R>) -> (Vec<i64>, bool) {
    let mut ids = Vec::new();
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), transport.receive()).await {
            Ok(Some(message)) => {
                let id = request_id(&message);
                transport.send(answer(id, "answer")).await.expect("sent");
                ids.push(id);
            }
            Ok(None) => return (ids, true),
            Err(_) => return (ids, false),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_host_that_stops_reading_stops_the_reading_and_then_gets_every_answer_in_order() {
    const REQUESTS: usize = 3_000;
    let input: String = (0..REQUESTS).map(ping).collect();
    let (server, client) = tokio::io::duplex(1024);
    let mut transport = LineTransport::new(std::io::Cursor::new(input.into_bytes()), server);
    // The host reads nothing: once the pipe and the queue are full, nothing more is taken.
    let (received, ended) = answer_until_blocked(&mut transport).await;
    assert!(!ended, "the input was read to its end although no answer was read");
    assert!(
        received.len() >= MAX_PENDING && received.len() <= MAX_PENDING + 32,
        "{} messages taken while the host read nothing (queue limit {MAX_PENDING} lines)",
        received.len()
    );
    // The host reads again: every answer arrives, in order, and the rest is taken.
    let reader = tokio::spawn(async move {
        let mut lines = BufReader::new(client).lines();
        let mut ids = Vec::new();
        while let Some(line) = lines.next_line().await.expect("read") {
            let answer: serde_json::Value = serde_json::from_str(&line).expect("json");
            ids.push(answer["id"].as_i64().expect("an id"));
        }
        ids
    });
    let (rest, ended) = answer_until_blocked(&mut transport).await;
    assert!(ended, "the rest of the input was taken once the host read again");
    transport.close().await.expect("closed");
    let expected: Vec<i64> = (0..REQUESTS as i64).collect();
    assert_eq!(received.into_iter().chain(rest).collect::<Vec<_>>(), expected, "every request taken in order");
    assert_eq!(reader.await.expect("reader"), expected, "every answer written, in order");
}

/// Feeds `input` to a transport whose lines are at most `max_line` bytes; the lines written.
async fn exchange(input: Vec<u8>, max_line: usize) -> Vec<serde_json::Value> {
    let (server, client) = tokio::io::duplex(1 << 16);
    let mut transport = LineTransport::with_limits(std::io::Cursor::new(input), server, None, max_line);
    let reader = tokio::spawn(async move {
        let mut lines = BufReader::new(client).lines();
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await.expect("read") {
            out.push(serde_json::from_str(&line).expect("json"));
        }
        out
    });
    let (_, ended) = answer_until_blocked(&mut transport).await;
    assert!(ended, "the whole input was read");
    transport.close().await.expect("closed");
    reader.await.expect("reader")
}

fn assert_too_long(reply: &serde_json::Value) {
    assert_eq!(reply["id"], serde_json::Value::Null, "{reply}");
    assert_eq!(reply["error"]["code"], jsonrpc::INVALID_REQUEST, "{reply}");
    let message = reply["error"]["message"].as_str().expect("a message");
    assert!(message.contains("longer than 4 MiB was discarded"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn a_line_over_4_mib_is_answered_with_invalid_request_and_the_next_line_is_answered() {
    let mut input = vec![b'x'; 5 * 1024 * 1024];
    input.push(b'\n');
    input.extend_from_slice(ping(7).as_bytes());
    let out = exchange(input, MAX_LINE_BYTES).await;
    assert_eq!(out.len(), 2, "{out:?}");
    assert_too_long(&out[0]);
    assert_eq!(out[1]["id"], 7, "the next line is answered: {}", out[1]);
}

#[tokio::test(start_paused = true)]
async fn an_over_long_line_is_discarded_without_ending_the_session_wherever_it_ends() {
    // A line just over the limit with the next ones in the same read; then one at the limit
    // (padded with JSON whitespace), which is taken; then an over-long line cut by the end.
    let max = 200;
    let mut input = vec![b'y'; max + 1];
    input.push(b'\n');
    input.extend_from_slice(ping(1).as_bytes());
    let mut exact = ping(2).trim_end().to_owned();
    exact.insert_str(1, &" ".repeat(max - exact.len()));
    assert_eq!(exact.len(), max);
    input.extend_from_slice(exact.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(ping(3).as_bytes());
    input.extend(std::iter::repeat_n(b'z', 3 * max));
    let out = exchange(input, max).await;
    assert_eq!(out.len(), 5, "{out:?}");
    assert_too_long(&out[0]);
    assert_eq!([&out[1]["id"], &out[2]["id"], &out[3]["id"]], [1, 2, 3], "{out:?}");
    assert_too_long(&out[4]);
}

#[tokio::test(start_paused = true)]
async fn a_closed_output_ends_the_session_without_an_error() {
    let (mut host_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, host_out) = tokio::io::duplex(1 << 16);
    let mut transport = LineTransport::new(server_in, server_out);
    drop(host_out);
    host_in.write_all(ping(1).as_bytes()).await.expect("write");
    let (taken, ended) = answer_until_blocked(&mut transport).await;
    assert_eq!(taken, [1], "the request was taken and answered without an error");
    assert!(ended, "the session ended although stdin is still open");
    // What is sent afterwards is dropped quietly.
    transport.send(answer(2, "late")).await.expect("no error once the output is closed");
    transport.close().await.expect("closed");
}

/// Takes messages without answering them until `receive` stays pending (time is paused);
/// the request ids taken.
async fn take_until_blocked<R: AsyncRead + Send + Unpin>(transport: &mut LineTransport<R>) -> Vec<i64> {
    let mut ids = Vec::new();
    while let Ok(Some(message)) = tokio::time::timeout(std::time::Duration::from_secs(5), transport.receive()).await {
        if let JsonRpcMessage::Request(_) = message {
            ids.push(request_id(&message));
        }
    }
    ids
}

#[tokio::test(start_paused = true)]
async fn requests_not_answered_yet_stop_the_reading_until_answered_or_cancelled() {
    // Request 0 is cancelled by the host: it no longer counts.
    let cancel = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":0}}"#;
    let input = format!("{}{cancel}\n{}", ping(0), (1..=2 * MAX_PENDING).map(ping).collect::<String>());
    let (server, _client) = tokio::io::duplex(1 << 20);
    let mut transport = LineTransport::new(std::io::Cursor::new(input.into_bytes()), server);
    let taken = take_until_blocked(&mut transport).await;
    assert_eq!(taken.len(), MAX_PENDING + 1, "{MAX_PENDING} unanswered requests (and the cancelled one) taken");
    // Each answer lets one more in.
    for id in 1..=3 {
        transport.send(answer(id, "x")).await.expect("sent");
        let more = take_until_blocked(&mut transport).await;
        assert_eq!(more, [MAX_PENDING as i64 + id], "one more taken after answer {id}");
    }
    transport.close().await.expect("closed");
}

#[tokio::test(start_paused = true)]
async fn the_hosts_answer_to_a_server_request_is_read_whatever_is_unanswered() {
    let reply = r#"{"jsonrpc":"2.0","id":"r1","result":{}}"#;
    let input = format!("{}{reply}\n{}", (1..=MAX_PENDING).map(ping).collect::<String>(), ping(MAX_PENDING + 1));
    let (server, _client) = tokio::io::duplex(1 << 20);
    let mut transport = LineTransport::new(std::io::Cursor::new(input.into_bytes()), server);
    assert_eq!(take_until_blocked(&mut transport).await.len(), MAX_PENDING);
    // A tool waits for the host (as one asking for its roots does): its answer is read.
    let request = rmcp::model::ServerRequest::PingRequest(rmcp::model::PingRequest::default());
    transport.send(JsonRpcMessage::request(request, RequestId::String("r1".into()))).await.expect("sent");
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), transport.receive()).await;
    assert!(
        matches!(next, Ok(Some(JsonRpcMessage::Response(ref r))) if r.id == RequestId::String("r1".into())),
        "{next:?}"
    );
    // Answered: the unanswered requests count again.
    assert_eq!(take_until_blocked(&mut transport).await, Vec::<i64>::new());
    transport.close().await.expect("closed");
}
