//! The axum layer in front of rmcp's streamable HTTP service that makes its answers what every
//! MCP host, old and new, expects:
//!
//! - **Bodies.** A JSON POST body is read here (so an oversized chunked body gets 413, not 500).
//!   A session's first message is checked by [`crate::jsonrpc`] before rmcp sees it; a message in
//!   a session is parsed once, by rmcp, and checked here only when rmcp refuses it (a 4xx/5xx
//!   answer). Either way malformed or too deep JSON gets 400 with a -32700 response (rmcp said
//!   415), a non-message 400 with -32600 (keeping the request's id), a known method with params
//!   that do not fit it a -32602 response (rmcp said -32601; in a session the session answers
//!   these, [`crate::session`]). A malformed notification gets 202 and no answer.
//! - **SSE framing.** Every event that carries a message gets `event: message`, as the official
//!   SDK servers send (chuk-mcp dispatches nothing else). The empty priming event (`id`,
//!   `retry`, empty `data`) is sent only to sessions of protocol 2025-11-25 or later, as the
//!   official servers do: older SDKs fail to parse it ("Unexpected end of JSON input"). The
//!   version is the one asked for in `initialize`, else the `MCP-Protocol-Version` header,
//!   else 2025-03-26 (which the spec tells servers to assume). Keep-alive comments are sent here
//!   every [`KEEP_ALIVE`] (rmcp's are switched off, since re-framing its events drops them).
//! - **JSON answers.** A POSTed request whose first message back is its own response (no
//!   notification or server request before it: every tool here but one that asks the client for
//!   its roots) is answered with that message as `application/json`, as the official SDK servers
//!   do with `enableJsonResponse` (the client listed `application/json` in `Accept`; rmcp
//!   requires it). One body with a length instead of a chunked event stream. In a session the
//!   session hands the response over as rmcp's message ([`JsonAnswer`]), serialized once here;
//!   `initialize`'s answer, which rmcp writes itself, is read back from its event stream. rmcp's
//!   own `json_response` applies only to stateless sessions. A response not ready within
//!   [`Timeouts::json_wait`] (a tool that may be slow) and every stream that carries anything
//!   else stays an event stream, framed as above.
//! - **Timeouts.** One timer per request: the request timeout ([`Timeouts::request`], 408 when
//!   the response has not started: the body read, rmcp), re-armed as the JSON wait for the
//!   answer of a request that may be slow. A quick read (`session::is_quick`: a ping, a listing
//!   of tools, a read-only tool run on the spot) waits for its JSON answer under the request
//!   timeout alone (then it goes on as an event stream). `/v1` and the dashboard keep
//!   `tower_http`'s timeout layer.
//! - **DELETE** of a session answers 200 (rmcp says 202; the Python SDK accepts 200, 204, 405).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use rmcp::model::{ClientRequest, JsonRpcMessage, ServerJsonRpcMessage};
use sse_stream::{KeepAlive, Sse, SseBody, SseStream};

use crate::jsonrpc::{self, Checked};
use crate::session::JsonAnswer;

/// The first protocol revision whose clients expect SSE priming events.
pub const PRIMING_SINCE: &str = "2025-11-25";
/// What a server assumes when a request names no protocol version.
pub const ASSUMED_VERSION: &str = "2025-03-26";
/// Interval of the keep-alive comments on event streams.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a POST's answer is held back to see whether it is one JSON response; after that it
/// starts as an event stream (so a slow tool's client sees headers and keep-alives at once).
pub const JSON_WAIT: Duration = Duration::from_millis(500);

/// The times the layer keeps (use with `axum::middleware::from_fn_with_state`).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Longest wait for the response to start: the body read, rmcp, a quick request's answer
    /// (`408 Request Timeout` when it has not started by then; a quick answer then goes on as an
    /// event stream).
    pub request: Duration,
    /// How long any other request's answer is held back to see whether it is one JSON response.
    pub json_wait: Duration,
    /// An MCP session with no message either way for this long ends; its id is then unknown
    /// (404) and the client starts a new session.
    pub session_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            request: crate::http::REQUEST_TIMEOUT,
            json_wait: JSON_WAIT,
            session_idle: crate::session::SessionConfig::default().keep_alive.unwrap_or(Duration::from_secs(300)),
        }
    }
}

/// The layer. One timer per request: the request timeout, re-armed to [`Timeouts::json_wait`]
/// for the answer of a request that may be slow.
pub async fn layer(State(timeouts): State<Timeouts>, request: Request, next: Next) -> Response {
    let deadline = tokio::time::sleep(timeouts.request);
    let mut deadline = std::pin::pin!(deadline);
    let method = request.method().clone();
    let mut version = request
        .headers()
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(ASSUMED_VERSION)
        .to_owned();
    let mut body = None;
    let mut json = None;
    let request = if method == Method::POST && is_json(&request) {
        let (mut parts, incoming) = request.into_parts();
        let read = tokio::select! {
            biased;
            read = axum::body::to_bytes(incoming, usize::MAX) => read,
            () = deadline.as_mut() => return timed_out(),
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) if is_length_limit(&e) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("413 Payload Too Large: the request body is over {} bytes\n", crate::http::MAX_BODY_BYTES),
                )
                    .into_response();
            }
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "400 Bad Request: the request body could not be read\n")
                    .into_response();
            }
        };
        // A UTF-8 byte order mark (which JSON parsers may ignore, RFC 8259 §8.1) is taken off
        // for rmcp too, which would refuse it.
        let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
            Some(_) => bytes.slice(3..),
            None => bytes,
        };
        // In a session rmcp parses the message (once) and this layer checks it only when rmcp
        // refused it; a session's first message is checked here first (its protocol version).
        if !parts.headers.contains_key("mcp-session-id") {
            let checked = jsonrpc::check(&bytes);
            if let Checked::Message(message) = &checked
                && let JsonRpcMessage::Request(request) = message.as_ref()
                && let ClientRequest::InitializeRequest(init) = &request.request
            {
                version = init.params.protocol_version.to_string();
            }
            if let Some(reply) = checked_reply(checked) {
                return reply;
            }
        }
        let (answer, rx) = JsonAnswer::new();
        parts.extensions.insert(answer.clone());
        json = Some((answer, rx));
        body = Some(bytes.clone());
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    let response = tokio::select! {
        biased;
        response = next.run(request) => response,
        () = deadline.as_mut() => return timed_out(),
    };
    if let Some(bytes) = body
        && (response.status().is_client_error() || response.status().is_server_error())
    {
        // rmcp refused the body (it says 415 for malformed JSON): the JSON-RPC answer instead.
        if let Some(reply) = checked_reply(jsonrpc::check(&bytes)) {
            return reply;
        }
    }
    if method == Method::DELETE && response.status() == StatusCode::ACCEPTED {
        let (mut parts, body) = response.into_parts();
        parts.status = StatusCode::OK;
        return Response::from_parts(parts, body);
    }
    if is_event_stream(&response) {
        let priming = version.as_str() >= PRIMING_SINCE;
        if method == Method::POST && response.status() == StatusCode::OK {
            if let Some((answer, rx)) = json
                && let Some(quick) = answer.taken()
            {
                if !quick {
                    deadline.as_mut().reset(tokio::time::Instant::now() + timeouts.json_wait);
                }
                return json_answer(response, rx, deadline, priming).await;
            }
            return json_or_stream(response, timeouts.json_wait, priming).await;
        }
        return reframe(response, priming);
    }
    response
}

/// The answer to a message [`jsonrpc::check`] does not pass on (`None`: it passes it on).
fn checked_reply(checked: Checked) -> Option<Response> {
    Some(match checked {
        Checked::Message(_) => return None,
        Checked::Ignore => StatusCode::ACCEPTED.into_response(),
        Checked::Reply(reply) => {
            tracing::debug!(code = reply.code, "answered a malformed message");
            let status = if reply.code == jsonrpc::INVALID_PARAMS { StatusCode::OK } else { StatusCode::BAD_REQUEST };
            let mut response = (status, reply.to_line()).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    })
}

/// `408 Request Timeout`: the response did not start within the request timeout.
fn timed_out() -> Response {
    (StatusCode::REQUEST_TIMEOUT, "408 Request Timeout: the response did not start in time\n").into_response()
}

/// A POST's answer from its session: the response as one `application/json` body when the
/// session hands it over before `deadline`; otherwise the event stream rmcp made (what the
/// session sent there: everything when something else came first, the response too when it
/// came late).
async fn json_answer(
    response: Response,
    mut rx: tokio::sync::oneshot::Receiver<ServerJsonRpcMessage>,
    deadline: Pin<&mut tokio::time::Sleep>,
    priming: bool,
) -> Response {
    let answer = tokio::select! {
        biased;
        answer = &mut rx => answer.ok(),
        () = deadline => {
            // Closed first, then read: a response sent before the close is still taken here,
            // one sent after goes to the event stream.
            rx.close();
            rx.try_recv().ok()
        }
    };
    let Some(message) = answer else { return reframe(response, priming) };
    match serde_json::to_vec(&message) {
        Ok(body) => {
            let (mut parts, _events) = response.into_parts();
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            parts.headers.remove(header::CACHE_CONTROL);
            Response::from_parts(parts, Body::from(body))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize an answer");
            (StatusCode::INTERNAL_SERVER_ERROR, "500 Internal Server Error: the answer could not be written\n")
                .into_response()
        }
    }
}

/// A POST's event stream as one `application/json` body when its first message (after any
/// priming event) is a response; otherwise the stream, re-framed, with the events read so far.
/// For answers no session handed over (`initialize`'s, which rmcp writes itself).
async fn json_or_stream(response: Response, wait: Duration, priming: bool) -> Response {
    let (parts, body) = response.into_parts();
    let mut events = SseStream::from_bytes_stream(body.into_data_stream());
    let mut read = Vec::new();
    let first = tokio::time::timeout(wait, async {
        loop {
            match events.next().await {
                Some(Ok(event)) if event.data.as_deref().is_none_or(str::is_empty) => read.push(Ok(event)),
                other => return other,
            }
        }
    })
    .await;
    match first {
        Ok(Some(Ok(event))) if event.data.as_deref().is_some_and(is_response) => {
            let mut parts = parts;
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            parts.headers.remove(header::CACHE_CONTROL);
            Response::from_parts(parts, Body::from(event.data.unwrap_or_default()))
        }
        Ok(Some(event)) => {
            read.push(event);
            reframe_events(parts, read, events, priming)
        }
        // Not ready in time, or the stream ended: an event stream of what there is.
        Ok(None) | Err(_) => reframe_events(parts, read, events, priming),
    }
}

/// Whether a JSON-RPC message is a response or an error (it has an `id` and a `result` or
/// `error`, no `method`), read without building it.
fn is_response(data: &str) -> bool {
    /// Whether a member is there at all (`null` included).
    #[derive(Default)]
    struct Present(bool);
    impl<'de> serde::Deserialize<'de> for Present {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(deserializer).map(|_| Present(true))
        }
    }
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(default)]
        id: Present,
        #[serde(default)]
        method: Present,
        #[serde(default)]
        result: Present,
        #[serde(default)]
        error: Present,
    }
    serde_json::from_str::<Kind>(data).is_ok_and(|k| k.id.0 && !k.method.0 && (k.result.0 || k.error.0))
}

fn is_json(request: &Request) -> bool {
    request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    })
}

fn is_event_stream(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// True when reading the body failed because it is over the body limit.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Rewrites an event stream: `event: message` on every message, priming events only when
/// `priming`, keep-alive comments every [`KEEP_ALIVE`].
fn reframe(response: Response, priming: bool) -> Response {
    let (parts, body) = response.into_parts();
    reframe_events(parts, Vec::new(), SseStream::from_bytes_stream(body.into_data_stream()), priming)
}

/// [`reframe`] of the events already `read` from a stream, then of the rest of it.
fn reframe_events<S>(
    parts: axum::http::response::Parts,
    read: Vec<Result<Sse, sse_stream::Error>>,
    rest: S,
    priming: bool,
) -> Response
where
    S: futures::Stream<Item = Result<Sse, sse_stream::Error>> + Send + 'static,
{
    let events = futures::stream::iter(read).chain(rest).filter_map(move |event| {
        let event = match event {
            Ok(mut event) => {
                let message = event.data.as_deref().is_some_and(|d| !d.is_empty());
                if message && event.event.is_none() {
                    event.event = Some("message".to_owned());
                }
                (message || priming).then_some(Ok::<Sse, sse_stream::Error>(event))
            }
            Err(e) => Some(Err(e)),
        };
        std::future::ready(event)
    });
    let body = SseBody::new(events).with_keep_alive::<SleepTimer>(KeepAlive::new().interval(KEEP_ALIVE));
    Response::from_parts(parts, Body::new(body))
}

/// The timer of the keep-alive comments.
struct SleepTimer(Pin<Box<tokio::time::Sleep>>);

impl std::future::Future for SleepTimer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl sse_stream::Timer for SleepTimer {
    fn from_duration(duration: Duration) -> Self {
        SleepTimer(Box::pin(tokio::time::sleep(duration)))
    }

    fn reset(mut self: Pin<&mut Self>, when: std::time::Instant) {
        self.0.as_mut().reset(tokio::time::Instant::from_std(when));
    }
}

#[cfg(test)]
mod tests {
    use super::is_response;

    #[test]
    fn only_results_and_errors_with_an_id_are_responses() {
        assert!(is_response(r#"{"jsonrpc":"2.0","id":3,"result":{"content":[]}}"#));
        assert!(is_response(r#"{"jsonrpc":"2.0","id":"a","error":{"code":-32602,"message":"x"}}"#));
        assert!(is_response(r#"{"jsonrpc":"2.0","id":4,"result":null}"#));
        // A server request or a notification keeps the answer an event stream.
        assert!(!is_response(r#"{"jsonrpc":"2.0","id":0,"method":"roots/list"}"#));
        assert!(!is_response(r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#));
        assert!(!is_response(r#"{"jsonrpc":"2.0","result":{}}"#));
        assert!(!is_response("not json"));
        assert!(!is_response(""));
    }
}
