//! The JSON summary of one history entry, shared by every adapter that lists a profile's
//! history (the MCP tool `list_history`, the REST API's history endpoint): the version, whether
//! it verified, and either its statement's fields and signer or the failure with its class.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::registry::HistoryEntry;

/// Why a version did not verify: its class (snake case, as the MCP tools name it), the CLI's
/// exit code for it, and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryFailure {
    /// `integrity`, `signature`, `freshness`, … (see [`crate::ErrorKind::name`]).
    pub kind: &'static str,
    /// The CLI's exit code of that class.
    pub exit_code: u8,
    /// What failed.
    pub message: String,
}

/// One version of a profile's history as adapters show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistorySummary {
    /// The version number.
    pub version: u64,
    /// Whether it passed every check.
    pub verified: bool,
    /// Its artifact id (verified versions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_id: Option<String>,
    /// The artifact id of the version before (the hash chain; null for the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Option<String>>,
    /// When it was signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it expires (null: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Option<String>>,
    /// Its metadata (the publish note among them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// The id of the key that signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key_id: Option<String>,
    /// Why it did not verify (failed versions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<HistoryFailure>,
}

impl HistorySummary {
    /// The summary of an entry.
    pub fn of(entry: &HistoryEntry) -> Self {
        let empty = HistorySummary {
            version: entry.version,
            verified: false,
            artifact_id: None,
            previous: None,
            created_at: None,
            expires_at: None,
            metadata: None,
            signing_key_id: None,
            error: None,
        };
        match &entry.artifact {
            Ok(v) => {
                let s = v.statement();
                HistorySummary {
                    verified: true,
                    artifact_id: Some(s.artifact_id.to_string()),
                    previous: Some(s.previous.as_ref().map(ToString::to_string)),
                    created_at: Some(s.created_at.to_string()),
                    expires_at: Some(s.expires_at.map(|t| t.to_string())),
                    metadata: Some(s.metadata.clone()),
                    signing_key_id: Some(v.signature().key_id.clone()),
                    ..empty
                }
            }
            Err(e) => HistorySummary {
                error: Some(HistoryFailure {
                    kind: e.kind().name(),
                    exit_code: e.kind().exit_code(),
                    message: e.to_string(),
                }),
                ..empty
            },
        }
    }
}
