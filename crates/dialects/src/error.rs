//! The one error type of this crate: what went wrong while reading a client file, converting
//! a servers document into a client's dialect, or writing it back.

use crate::Format;
use crate::transport::Transport;

/// Why a client file could not be imported or rendered.
///
/// A file that does not parse is never treated as empty: it is reported as [`DialectError::Parse`]
/// with a 1-based line and column, so that nothing overwrites it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DialectError {
    /// No client with this id is supported.
    #[error("unknown client `{id}`; run `clients` to list the supported ids")]
    UnknownClient { id: String },

    /// The file is not valid in the client's format.
    #[error(
        "the {format} file does not parse at line {line}, column {column}: {message}; fix the file by hand (it was not changed)"
    )]
    Parse { format: Format, line: usize, column: usize, message: String },

    /// A value in the file has the wrong shape where the servers live (for example
    /// `"mcpServers": []`).
    #[error(
        "`{path}` in the {format} file{} is {found}, expected {expected}; fix the file by hand (it was not changed)",
        at.map(|(line, column)| format!(" (line {line}, column {column})")).unwrap_or_default()
    )]
    UnexpectedShape {
        format: Format,
        path: String,
        expected: &'static str,
        found: &'static str,
        /// 1-based line and column of the value, where the format's reader gives it.
        at: Option<(usize, usize)>,
    },

    /// The servers document handed in is not a valid servers document.
    #[error("invalid servers document at `{pointer}`: {message}")]
    InvalidDocument { pointer: String, message: String },

    /// The client cannot use this transport.
    #[error(
        "client `{client}` cannot use the {transport} transport of server `{server}`; choose another transport or another client"
    )]
    UnsupportedTransport { client: &'static str, server: String, transport: Transport },

    /// The client has no field to express this part of a server entry.
    #[error(
        "client `{client}` has no equivalent of `{field}` (server `{server}`); remove it from the entry for this client"
    )]
    UnsupportedField { client: &'static str, server: String, field: &'static str },

    /// The entry with this name is one the client owns (e.g. a Goose builtin extension).
    #[error(
        "`{server}` is a built-in extension of `{client}`, not an MCP server this tool manages; choose another name"
    )]
    NotManaged { client: &'static str, server: String },

    /// The editor could not change the file without touching other bytes; nothing was written.
    #[error("could not edit the {format} file without changing other content ({message}); edit the file by hand")]
    EditFailed { format: Format, message: String },
}

impl DialectError {
    /// Builds a [`DialectError::Parse`] from a byte offset into `text`.
    pub(crate) fn parse_at(format: Format, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, offset);
        DialectError::Parse { format, line, column, message: message.into() }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
