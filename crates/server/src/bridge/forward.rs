//! One request forwarded from one side of the bridge to the other, through an rmcp [`Peer`]:
//! the asker's `_meta` goes along (but its progress token, which the peer replaces with its
//! own, and the lifecycle keys of the asker's session), the progress token is mapped back for
//! the notifications that answer it ([`Tokens`]), a cancellation of the asker's request cancels
//! the forwarded one, and the answer comes back as the typed result the asker expects, or as
//! the very JSON-RPC error the other side returned.

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::ErrorData as McpError;
use rmcp::model::{ProgressToken, RequestMetaObject};
use rmcp::service::{Peer, PeerRequestOptions, ServiceError, ServiceRole};
use rmcp::transport::streamable_http_client::StreamableHttpError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

/// The message of the reply to a request its asker cancelled: never sent (rmcp drops replies
/// to cancelled requests), and kept out of the log by [`crate::logs`].
pub const CANCELLED_REPLY: &str = "the request was cancelled by its client (bridge)";

/// The `_meta` keys that describe the asker's own session (SEP-2575 per-request lifecycle):
/// they are not passed on, the bridge's session to the other side has its own.
const SESSION_META_PREFIX: &str = "io.modelcontextprotocol/";

/// The progress tokens of forwarded requests: the token the forwarding peer put on the
/// request → the token the asker gave. Locked while a request is handed to its peer, so a
/// progress notification that answers it can never be looked up before its entry exists.
#[derive(Clone, Default)]
pub(super) struct Tokens(Arc<tokio::sync::Mutex<HashMap<ProgressToken, ProgressToken>>>);

impl Tokens {
    /// The asker's token for a token this bridge sent, if the asker asked for progress.
    pub(super) async fn asker_token(&self, sent: &ProgressToken) -> Option<ProgressToken> {
        self.0.lock().await.get(sent).cloned()
    }
}

/// What of the asker's `_meta` goes along with the forwarded request.
fn passed_meta(meta: &RequestMetaObject) -> RequestMetaObject {
    let mut passed = meta.clone();
    passed.retain(|key, _| key != "progressToken" && !key.starts_with(SESSION_META_PREFIX));
    passed
}

/// Sends `request` through `peer` and waits for its answer; when `cancelled` fires first (the
/// asker cancelled), sends `notifications/cancelled` for the forwarded request instead.
pub(super) async fn forward<R: ServiceRole>(
    peer: &Peer<R>,
    request: R::Req,
    meta: &RequestMetaObject,
    cancelled: &CancellationToken,
    tokens: &Tokens,
) -> Result<R::PeerResp, McpError> {
    let asker_token = meta.get_progress_token();
    let options = PeerRequestOptions::no_options().with_meta(passed_meta(meta));
    let mut handle = {
        let mut map = tokens.0.lock().await;
        let handle = peer.send_request_with_option(request, options).await.map_err(|e| service_error(&e))?;
        if let Some(asker_token) = asker_token {
            map.insert(handle.progress_token.clone(), asker_token);
        }
        handle
    };
    let sent_token = handle.progress_token.clone();
    let answer = tokio::select! {
        answer = &mut handle.rx => Some(answer),
        () = cancelled.cancelled() => None,
    };
    tokens.0.lock().await.remove(&sent_token);
    match answer {
        Some(Ok(Ok(result))) => Ok(result),
        Some(Ok(Err(e))) => Err(service_error(&e)),
        Some(Err(_)) => Err(service_error(&ServiceError::TransportClosed)),
        None => {
            tracing::debug!(id = %handle.id, "the client cancelled a request: cancelling it on the other side");
            let _ = handle.cancel(Some("cancelled by the client of the bridge".to_owned())).await;
            // rmcp drops this reply (the request is cancelled); `logs` keeps it out of the log.
            Err(McpError::internal_error(CANCELLED_REPLY, None))
        }
    }
}

/// The error the asker gets: the other side's own JSON-RPC error as it was, or an internal
/// error saying why the bridge has no answer (with the cause chain, which names the URL but
/// never a header).
pub(super) fn service_error(error: &ServiceError) -> McpError {
    let cause = match error {
        ServiceError::McpError(e) => return e.clone(),
        ServiceError::TransportSend(_) if error.auth_challenge().is_some() => {
            "it refused the bridge's credentials (HTTP 401/403): check the --header values of the bridge".to_owned()
        }
        // The transport's own error, without rmcp's wrapper naming its types.
        ServiceError::TransportSend(e) => chain(e.error.as_ref()),
        ServiceError::TransportClosed => "the session with it is closed".to_owned(),
        other => chain(other),
    };
    McpError::internal_error(format!("the bridge got no answer from the remote server: {cause}"), None)
}

/// An error and its causes on one line, each message once (the URL, never a header: reqwest
/// names no header in its errors).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        // rmcp's HTTP error holds reqwest's without naming it as its source.
        next = match e.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            Some(StreamableHttpError::Client(inner)) => Some(inner),
            _ => e.source(),
        };
    }
    parts.join(": ")
}

/// `result` as the type the asker expects. rmcp reads an answer as the first result shape it
/// fits, which need not be the one of the request; the JSON is the same.
pub(super) fn typed<T: DeserializeOwned>(result: impl Serialize, method: &str) -> Result<T, McpError> {
    serde_json::to_value(result).and_then(serde_json::from_value).map_err(|e| {
        McpError::internal_error(format!("the remote server's answer to {method} is not a valid result: {e}"), None)
    })
}

/// Puts the `_meta` rmcp took out of a received message back into it, to pass it on.
pub(super) fn with_meta<M: rmcp::model::GetMeta>(mut message: M, meta: M::Metadata) -> M {
    *message.get_meta_mut() = meta;
    message
}

#[cfg(test)]
mod tests {
    use rmcp::model::{NumberOrString, ProgressToken, RequestMetaObject};
    use serde_json::json;

    use super::passed_meta;

    #[test]
    fn the_askers_meta_goes_along_but_its_progress_token_and_session_keys() {
        let mut meta = RequestMetaObject::with_progress_token(ProgressToken(NumberOrString::Number(7)));
        meta.insert("traceparent".into(), json!("00-abc-def-01"));
        meta.insert("com.example/tenant".into(), json!("blue"));
        meta.insert("io.modelcontextprotocol/protocolVersion".into(), json!("2026-07-28"));
        meta.insert("io.modelcontextprotocol/clientInfo".into(), json!({"name": "c", "version": "1"}));
        let passed = passed_meta(&meta);
        assert_eq!(
            serde_json::to_value(&passed).expect("json"),
            json!({"traceparent": "00-abc-def-01", "com.example/tenant": "blue"})
        );
    }
}
