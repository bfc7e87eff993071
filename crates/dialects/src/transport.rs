//! How a client talks to a server: the [`Transport`] names shared by the servers document,
//! the client table and the errors. It depends on nothing else in the crate, so `document`
//! and `error` both use it without importing each other.

use serde::Serialize;

/// How a client talks to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A local process over stdin/stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
    /// The older HTTP + server-sent events transport.
    Sse,
}

impl Transport {
    /// The name used in the servers document.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Http => "http",
            Transport::Sse => "sse",
        }
    }

    /// Reads a transport name, case-insensitively; `streamable-http` is accepted for `http`.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name.to_ascii_lowercase().as_str() {
            "stdio" => Some(Transport::Stdio),
            "http" | "streamable-http" | "streamable_http" => Some(Transport::Http),
            "sse" => Some(Transport::Sse),
            _ => None,
        }
    }

    pub(crate) fn from_neutral(name: &str) -> Option<Transport> {
        match name {
            "stdio" => Some(Transport::Stdio),
            "http" => Some(Transport::Http),
            "sse" => Some(Transport::Sse),
            _ => None,
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
