//! The event log ("memory"): JSON Lines under `events/`, one file per UTC day. Every step of
//! one operation shares a trace id. Events carry ids, counts and outcomes, never a payload,
//! a secret or a key.

use std::fs::{self, OpenOptions};
use std::io::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::fsutil::{self, FsError};
use crate::home::Home;

/// The outcome recorded by an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The operation started.
    Pending,
    /// It succeeded.
    Success,
    /// It failed.
    Failure,
}

impl Status {
    /// Parses `pending`, `success` or `failure`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Status::Pending),
            "success" => Some(Status::Success),
            "failure" => Some(Status::Failure),
            _ => None,
        }
    }
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub ts: jiff::Timestamp,
    /// e.g. `orchestrator.config_retrieval_completed`.
    pub event_type: String,
    /// Shared by the steps of one operation.
    pub trace_id: String,
    /// Outcome.
    pub status: Status,
    /// Time since the operation started, in milliseconds.
    pub duration_ms: f64,
    /// Ids and counts; never secrets.
    pub metadata: Map<String, Value>,
}

/// A new random trace id (32 hex digits).
pub fn new_trace_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes[..]);
    hex::encode(bytes)
}

/// Appends an event to the day's file. One `write` of one line with `O_APPEND`, so
/// concurrent writers never interleave within a line.
pub fn append(home: &Home, event: &Event) -> Result<()> {
    let dir = home.events_dir();
    fsutil::create_dir_all(&dir)?;
    let date = event.ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    let path = dir.join(format!("{date}.jsonl"));
    // An `Event` is strings, numbers and JSON values: it always serializes.
    let mut line = serde_json::to_vec(event).unwrap_or_default();
    line.push(b'\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| FsError::new("cannot open event log", &path, e))?;
    file.write_all(&line).map_err(|e| FsError::new("cannot append to", &path, e))?;
    Ok(())
}

/// Which events a query keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep events whose type starts with this.
    pub type_prefix: Option<String>,
    /// Keep events at or after this instant.
    pub since: Option<jiff::Timestamp>,
    /// Keep events of this trace.
    pub trace_id: Option<String>,
    /// Keep events with this status.
    pub status: Option<Status>,
}

impl Filter {
    fn keeps(&self, event: &Event) -> bool {
        self.type_prefix.as_deref().is_none_or(|p| event.event_type.starts_with(p))
            && self.since.is_none_or(|s| event.ts >= s)
            && self.trace_id.as_deref().is_none_or(|t| event.trace_id == t)
            && self.status.is_none_or(|s| event.status == s)
    }
}

/// The events that pass the filter, oldest first. Lines that do not parse (a crash mid-write
/// on a filesystem without atomic appends) are skipped.
pub fn query(home: &Home, filter: &Filter) -> Result<Vec<Event>> {
    let dir = home.events_dir();
    let Ok(entries) = fs::read_dir(&dir) else { return Ok(Vec::new()) };
    let since_day = filter.since.map(|s| s.to_zoned(jiff::tz::TimeZone::UTC).date().to_string());
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter(|p| {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            since_day.as_deref().is_none_or(|day| stem >= day)
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let bytes = fsutil::read(&path)?;
        out.extend(
            bytes
                .split(|b| *b == b'\n')
                .filter_map(|line| serde_json::from_slice::<Event>(line).ok())
                .filter(|e| filter.keeps(e)),
        );
    }
    out.sort_by(|a, b| a.ts.cmp(&b.ts));
    Ok(out)
}
