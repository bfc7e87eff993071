//! A tool's domain failure: the documented kind (the CLI's exit code) and a message that says
//! what to do. It becomes a tool result with `isError: true`, never a JSON-RPC error.

use orchestrator::ErrorKind;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::json;

/// A failure a model can act on.
#[derive(Debug, Clone)]
pub struct ToolError {
    /// The documented kind.
    pub kind: ErrorKind,
    /// What went wrong and what to do.
    pub message: String,
}

impl ToolError {
    /// A failure of this kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ToolError { kind, message: message.into() }
    }

    /// A usage failure (bad argument values that the schema cannot express).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// The snake_case name of the kind (`not_found`, `unsafe`, …).
    pub fn kind_name(&self) -> String {
        kind_name(self.kind)
    }

    /// The tool result: `isError: true`, the message as text, and
    /// `{"error": {"kind", "exit_code", "message"}}` as structured content.
    pub fn into_result(self) -> CallToolResult {
        let structured = json!({"error": {
            "kind": self.kind_name(),
            "exit_code": self.kind.exit_code(),
            "message": self.message,
        }});
        let mut result =
            CallToolResult::error(vec![ContentBlock::text(format!("{} ({})", self.message, self.kind_name()))]);
        result.structured_content = Some(structured);
        result
    }
}

impl From<orchestrator::Error> for ToolError {
    fn from(error: orchestrator::Error) -> Self {
        ToolError { kind: error.kind(), message: error.to_string() }
    }
}

/// `NotFound` → `not_found` (the core's [`ErrorKind::name`]).
pub fn kind_name(kind: ErrorKind) -> String {
    kind.name().to_owned()
}
