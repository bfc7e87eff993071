//! How the server's logs reach a host's MCP log: rmcp logs every JSON-RPC error reply at WARN
//! (`rmcp::service: response error`), so a client probing methods (-32601) or sending wrong
//! params (-32602) floods the host's log. [`ProtocolErrorFilter`] keeps those two out unless
//! debug logging is on; they are the client's mistakes, answered as JSON-RPC says, not the
//! server's trouble. Nor does the bridge's reply to a request its client cancelled, which rmcp
//! logs but never sends ([`crate::bridge::CANCELLED_REPLY`]). Every other event passes.

use tracing::Event;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Filter};

/// A per-layer filter that drops rmcp's `response error` events for -32601 and -32602 replies
/// unless `debug` is set.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolErrorFilter {
    debug: bool,
}

impl ProtocolErrorFilter {
    /// A filter; `debug: true` lets everything through (debug logging is on).
    pub fn new(debug: bool) -> Self {
        ProtocolErrorFilter { debug }
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    error: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "error" => self.error = format!("{value:?}"),
            _ => {}
        }
    }
}

/// True for rmcp's log line of a -32601 or -32602 reply, or of the bridge's reply to a
/// cancelled request.
pub fn is_client_protocol_error(event: &Event<'_>) -> bool {
    if !event.metadata().target().starts_with("rmcp::service") {
        return false;
    }
    let mut fields = Fields::default();
    event.record(&mut fields);
    fields.message == "response error"
        && (fields.error.contains("ErrorCode(-32601)")
            || fields.error.contains("ErrorCode(-32602)")
            || fields.error.contains(crate::bridge::CANCELLED_REPLY))
}

impl<S> Filter<S> for ProtocolErrorFilter {
    fn enabled(&self, _meta: &tracing::Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _cx: &Context<'_, S>) -> bool {
        self.debug || !is_client_protocol_error(event)
    }
}
