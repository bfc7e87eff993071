//! The bridge's client transport for the older HTTP+SSE transport (protocol 2024-11-05), which
//! rmcp (3.11) has no client for. A transport only: rmcp's client still runs the protocol
//! (initialize, requests, notifications) over it.
//!
//! - [`connect`] GETs the SSE URL (`Accept: text/event-stream`, the bridge's headers); the first
//!   `endpoint` event names the URL to POST messages to, relative to the SSE URL or absolute on
//!   the same origin (the headers go to no other host).
//! - Each `message` event carries one JSON-RPC message from the server; other events and
//!   comments are ignored, a message that is not JSON-RPC is logged (debug) and skipped. The
//!   event stream ending ends the session.
//! - Each message of the client is POSTed as JSON to the endpoint with the same headers; any 2xx
//!   answer is taken, its body unread (the answer comes as an event).

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt as _};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::RoleClient;
use rmcp::transport::Transport;
use sse_stream::{Sse, SseStream};

use super::BridgeError;
use super::forward::chain;

/// The server's events, as parsed.
type Events = Pin<Box<dyn Stream<Item = Result<Sse, sse_stream::Error>> + Send>>;

/// Why a message could not be sent to the server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SseError {
    /// The POST got 401 or 403.
    #[error(
        "the server refused the message (HTTP {0}): check the --header values (e.g. Authorization=Bearer ${{secret:NAME}}) and the secret they name"
    )]
    Refused(u16),
    /// The POST got another non-2xx status.
    #[error("the server answered HTTP {0} to a message POSTed to its endpoint")]
    Status(u16),
    /// The POST did not get an answer.
    #[error("cannot POST a message to the server: {0}")]
    Post(String),
    /// The message could not be serialized (not expected).
    #[error("cannot serialize a message: {0}")]
    Json(#[from] serde_json::Error),
}

/// Where and how messages are POSTed.
struct Poster {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    headers: HeaderMap,
}

impl Poster {
    async fn post(&self, message: ClientJsonRpcMessage) -> Result<(), SseError> {
        let body = serde_json::to_vec(&message)?;
        let response = self
            .client
            .post(self.endpoint.clone())
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| SseError::Post(chain(&e.without_url())))?;
        let status = response.status();
        if matches!(status, reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN) {
            return Err(SseError::Refused(status.as_u16()));
        }
        if !status.is_success() {
            return Err(SseError::Status(status.as_u16()));
        }
        Ok(())
    }
}

/// An open HTTP+SSE session with the remote server: its event stream and its message endpoint.
pub(crate) struct SseTransport {
    events: Events,
    poster: Arc<Poster>,
}

/// The refusal of a 401 or 403 at start, as the streamable-HTTP side words it.
pub(super) fn refused(url: &str) -> BridgeError {
    BridgeError::Unreachable(format!(
        "{url} refused the bridge (HTTP 401/403): check the --header values (e.g. Authorization=Bearer ${{secret:NAME}}) and the secret they name"
    ))
}

/// Opens the event stream at `url` and waits for its `endpoint` event. Every refusal says what
/// the user gave wrong; none names a header's value.
pub(crate) async fn connect(
    client: reqwest::Client,
    url: &reqwest::Url,
    headers: HeaderMap,
) -> Result<SseTransport, BridgeError> {
    let response = client
        .get(url.clone())
        .headers(headers.clone())
        .header(ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| BridgeError::Unreachable(format!("cannot reach {url}: {}", chain(&e.without_url()))))?;
    let status = response.status();
    if matches!(status, reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN) {
        return Err(refused(url.as_str()));
    }
    if !status.is_success() {
        return Err(BridgeError::Unreachable(format!(
            "{url} answered HTTP {} to the event-stream GET: give the server's SSE endpoint (often …/sse), or leave out --transport sse for a streamable-HTTP server",
            status.as_u16()
        )));
    }
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no content type").to_owned();
    if !content_type.trim_start().to_ascii_lowercase().starts_with("text/event-stream") {
        return Err(BridgeError::Unreachable(format!(
            "{url} is not an SSE endpoint (it answered {content_type}, not text/event-stream): give the server's SSE endpoint (often …/sse), or leave out --transport sse for a streamable-HTTP server"
        )));
    }
    let mut events: Events = Box::pin(SseStream::from_bytes_stream(response.bytes_stream()));
    let endpoint = loop {
        match events.next().await {
            Some(Ok(event)) if event.event.as_deref() == Some("endpoint") => {
                break event.data.unwrap_or_default();
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                return Err(BridgeError::Unreachable(format!(
                    "{url}: the event stream broke before its endpoint event: {e}"
                )));
            }
            None => {
                return Err(BridgeError::Unreachable(format!(
                    "{url} closed the event stream before naming its message endpoint (the `endpoint` event)"
                )));
            }
        }
    };
    let endpoint = message_endpoint(url, endpoint.trim())?;
    tracing::debug!(endpoint = %endpoint.path(), "bridge: SSE message endpoint");
    Ok(SseTransport { events, poster: Arc::new(Poster { client, endpoint, headers }) })
}

/// The endpoint named by the `endpoint` event, resolved against the SSE URL; another origin is
/// refused, since the headers (secrets) would go there.
fn message_endpoint(sse_url: &reqwest::Url, named: &str) -> Result<reqwest::Url, BridgeError> {
    let endpoint = sse_url.join(named).map_err(|e| {
        BridgeError::Unreachable(format!("{sse_url} named a message endpoint that is not a URL ({named}: {e})"))
    })?;
    if endpoint.origin() != sse_url.origin() {
        return Err(BridgeError::Unreachable(format!(
            "{sse_url} named a message endpoint on another origin ({}); the bridge sends its headers to the SSE URL's origin only",
            endpoint.origin().ascii_serialization()
        )));
    }
    Ok(endpoint)
}

impl Transport<RoleClient> for SseTransport {
    type Error = SseError;

    fn name() -> std::borrow::Cow<'static, str> {
        "SSE".into()
    }

    fn send(&mut self, item: ClientJsonRpcMessage) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let poster = Arc::clone(&self.poster);
        async move { poster.post(item).await }
    }

    async fn receive(&mut self) -> Option<ServerJsonRpcMessage> {
        loop {
            match self.events.next().await? {
                Ok(event) if event.event.as_deref().is_none_or(|name| name == "message") => {
                    let Some(data) = event.data else { continue };
                    match serde_json::from_str(&data) {
                        Ok(message) => return Some(message),
                        Err(e) => tracing::debug!(error = %e, "an SSE message that is not JSON-RPC: skipped"),
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the remote server's event stream broke");
                    return None;
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        // Dropping the response ends the GET, which ends the session on the server.
        self.events = Box::pin(futures::stream::empty());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{BridgeError, message_endpoint};

    #[test]
    fn a_relative_endpoint_is_resolved_against_the_sse_url() {
        let sse = reqwest::Url::parse("http://127.0.0.1:8000/sse").expect("url");
        let endpoint = message_endpoint(&sse, "/messages/?session_id=abc").expect("same origin");
        assert_eq!(endpoint.as_str(), "http://127.0.0.1:8000/messages/?session_id=abc");
        let absolute = message_endpoint(&sse, "http://127.0.0.1:8000/m?s=1").expect("same origin");
        assert_eq!(absolute.as_str(), "http://127.0.0.1:8000/m?s=1");
    }

    #[test]
    fn an_endpoint_on_another_origin_is_refused_so_the_headers_stay_home() {
        let sse = reqwest::Url::parse("https://mcp.example.com/sse").expect("url");
        for other in
            ["https://evil.example.net/messages", "http://mcp.example.com/messages", "https://mcp.example.com:444/m"]
        {
            let Err(BridgeError::Unreachable(message)) = message_endpoint(&sse, other) else {
                panic!("{other} is another origin");
            };
            assert!(message.contains("another origin") && message.contains("origin only"), "{message}");
        }
    }
}
