//! The event log ("memory"): JSON Lines under `events/`, one file per UTC day. Every step of
//! one operation shares a trace id. Events carry ids, counts and outcomes, never a payload,
//! a secret or a key.
//!
//! Retention ([`Retention`], 30 days and 64 MiB by default) is applied as the log rotates:
//! when an appender opens a new day's file, whole day files older than the age limit go, then
//! the oldest ones until the rest fit the size limit (the current day's file is never
//! removed). `gc` applies the same rule on demand.
//!
//! A day that logs more than an eighth of the size limit (a client calling tools in a loop)
//! is rolled over within the day: the appender that sees the day's file pass that size renames
//! it to a part, `<day>.<nanoseconds>.jsonl` (never over another file), and the retention runs
//! again, so the oldest parts — of this day too — go once the log passes the limit, and the log
//! stays bounded whatever the rate. A part is read like a day file.
//!
//! Reads ([`scan`], [`page`]) go through the files a line at a time: what a query keeps is its
//! page (or its counts), never the whole log.

use std::fs::{self, OpenOptions};
use std::io::{BufRead as _, Write as _};
use std::ops::ControlFlow;
use std::os::unix::fs::OpenOptionsExt as _;

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

    /// `pending`, `success` or `failure` (the name it is written under).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Success => "success",
            Status::Failure => "failure",
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

/// How much of the event log is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Day files older than this many days (before the newest event's day) are removed.
    pub max_age_days: u32,
    /// The oldest day files are removed until the log's total size is at most this.
    pub max_total_bytes: u64,
}

impl Default for Retention {
    /// 30 days and 64 MiB.
    fn default() -> Self {
        Retention { max_age_days: 30, max_total_bytes: 64 * 1024 * 1024 }
    }
}

/// Where a file of the log stands among its day's files: the parts rolled over first (by the
/// instant they were rolled), the day's own file last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// `<day>.<nanoseconds>.jsonl`: rolled over at that instant.
    Part(u128),
    /// `<day>.jsonl`: the file appenders write to.
    Day,
}

/// The day and place of a file of the log from its name; `None` for any other name.
fn log_file(name: &str) -> Option<(jiff::civil::Date, Place)> {
    let stem = name.strip_suffix(".jsonl")?;
    match stem.split_once('.') {
        None => Some((stem.parse().ok()?, Place::Day)),
        Some((day, rolled)) if !rolled.is_empty() && rolled.bytes().all(|b| b.is_ascii_digit()) => {
            Some((day.parse().ok()?, Place::Part(rolled.parse().ok()?)))
        }
        Some(_) => None,
    }
}

/// The files of the log, oldest first: (day, place, path, size).
fn day_files(home: &Home) -> Vec<(jiff::civil::Date, Place, std::path::PathBuf, u64)> {
    let dir = home.events_dir();
    let mut out: Vec<_> = fsutil::list_dir(&dir)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|name| {
            let (day, place) = log_file(&name)?;
            let path = dir.join(&name);
            let size = fs::metadata(&path).ok()?.len();
            Some((day, place, path, size))
        })
        .collect();
    out.sort();
    out
}

/// The files of the log that `retention` drops when `today` is the current day: past the age
/// limit, then the oldest until the rest fit the size limit (parts rolled over today included);
/// never `today`'s own file or a later day's.
pub fn past_retention(home: &Home, today: jiff::civil::Date, retention: Retention) -> Vec<(std::path::PathBuf, u64)> {
    let files = day_files(home);
    let oldest_kept = today.checked_sub(jiff::Span::new().days(i64::from(retention.max_age_days))).unwrap_or(today);
    let mut total: u64 = files.iter().map(|f| f.3).sum();
    let mut out = Vec::new();
    for (day, place, path, size) in files {
        if day > today || (day == today && place == Place::Day) {
            continue;
        }
        if day < oldest_kept || total > retention.max_total_bytes {
            total -= size;
            out.push((path, size));
        }
    }
    out
}

/// The size past which an appender rolls the day's file over: an eighth of the size limit.
fn part_limit(retention: Retention) -> u64 {
    (retention.max_total_bytes / 8).max(1)
}

/// Whether the file's last byte (of `size`) is a newline; a file that cannot be read counts as
/// ending with one (nothing is added to it).
fn ends_with_newline(path: &std::path::Path, size: u64) -> bool {
    use std::os::unix::fs::FileExt as _;
    let mut last = [b'\n'];
    fs::File::open(path).and_then(|file| file.read_exact_at(&mut last, size - 1)).is_err() || last[0] == b'\n'
}

/// Renames the day's file `path` to a new part, if it is still the file `file` is open on (an
/// appender that kept the old file open after another one rolled it must not roll the new
/// one). Never replaces a file.
fn roll_over(path: &std::path::Path, file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let (held, named) = (file.metadata()?, fs::metadata(path)?);
    if (held.dev(), held.ino()) != (named.dev(), named.ino()) {
        return Ok(());
    }
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Ok(());
    };
    let mut at = jiff::Timestamp::now().as_nanosecond().max(0).unsigned_abs();
    loop {
        let part = path.with_file_name(format!("{stem}.{at:020}.jsonl"));
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            path,
            rustix::fs::CWD,
            &part,
            rustix::fs::RenameFlags::NOREPLACE,
        ) {
            Err(rustix::io::Errno::EXIST) => at += 1,
            other => return other.map_err(std::io::Error::from),
        }
    }
}

/// Removes the day files past retention (see [`past_retention`]); returns them with their sizes.
pub fn apply_retention(
    home: &Home,
    today: jiff::civil::Date,
    retention: Retention,
) -> Result<Vec<(std::path::PathBuf, u64)>> {
    let gone = past_retention(home, today, retention);
    for (path, _) in &gone {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(FsError::new("cannot remove", path, e).into()),
        }
    }
    Ok(gone)
}

/// Appends an event to the day's file, opening it for this one event (a long-running process
/// keeps an [`EventLog`] instead). One `write` of one line with `O_APPEND`, so concurrent
/// writers never interleave within a line.
pub fn append(home: &Home, event: &Event) -> Result<()> {
    EventLog::default().append(home, event)
}

/// An appender that keeps the day's file open between events (a long-running server writes
/// thousands); each write is whole lines with `O_APPEND`. Opening a day's file applies the
/// retention (see [`apply_retention`]).
///
/// Events may also be *held* ([`EventLog::hold`]) to be written a moment later
/// ([`EventLog::flush_held`]): the stdio MCP server writes a read-only call's answer first and
/// its events right after, off the answer's path. Held events are never reordered: any append
/// writes what is held before its own events, and dropping the log writes what is still held.
#[derive(Debug, Default)]
pub struct EventLog {
    /// The day's file being appended to, and its size as this appender knows it.
    open: std::sync::Mutex<Option<(std::path::PathBuf, std::fs::File, u64)>>,
    retention: Retention,
    /// Events held for later, with the home they belong to. Taken before `open`, and kept
    /// locked while they are written, so that no append can overtake them.
    held: std::sync::Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    home: Option<Home>,
    events: Vec<Event>,
}

/// Most events held before [`EventLog::hold`] writes them at once (a peer that never lets the
/// held events be flushed cannot make them grow without bound).
pub const HELD_LIMIT: usize = 1024;

impl EventLog {
    /// An appender with this retention.
    pub fn with_retention(retention: Retention) -> Self {
        EventLog { open: std::sync::Mutex::default(), retention, held: std::sync::Mutex::default() }
    }
}

impl EventLog {
    /// Appends an event to the day's file, opening it when the day (or the home) changes.
    pub fn append(&self, home: &Home, event: &Event) -> Result<()> {
        self.append_all(home, std::slice::from_ref(event))
    }

    /// Appends events in order, the lines of each UTC day in one `write` to that day's file
    /// (after whatever is held, see [`EventLog::hold`]).
    pub fn append_all(&self, home: &Home, events: &[Event]) -> Result<()> {
        let mut held = self.held();
        let flushed = self.write_held(&mut held);
        self.write(home, events)?;
        flushed
    }

    /// Holds events to be written by the next [`EventLog::flush_held`] or append, whichever
    /// comes first, in the order they were held (written at once past [`HELD_LIMIT`] events).
    pub fn hold(&self, home: &Home, events: Vec<Event>) -> Result<()> {
        let mut held = self.held();
        if held.home.as_ref().is_none_or(|h| h.root() != home.root()) {
            // Events held for another home go to its log first (best effort, like every event).
            let _ = self.write_held(&mut held);
            held.home = Some(home.clone());
        }
        held.events.extend(events);
        if held.events.len() >= HELD_LIMIT {
            return self.write_held(&mut held);
        }
        Ok(())
    }

    /// Writes the held events (one `write` per day); nothing when none are held.
    pub fn flush_held(&self) -> Result<()> {
        let mut held = self.held();
        self.write_held(&mut held)
    }

    /// How many events are held (for tests).
    pub fn held_count(&self) -> usize {
        self.held().events.len()
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_held(&self, held: &mut Held) -> Result<()> {
        if held.events.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut held.events);
        match &held.home {
            Some(home) => self.write(home, &events),
            None => Ok(()),
        }
    }

    /// Writes events now (the caller holds `held`).
    fn write(&self, home: &Home, events: &[Event]) -> Result<()> {
        let day = |event: &Event| event.ts.to_zoned(jiff::tz::TimeZone::UTC).date();
        for same_day in events.chunk_by(|a, b| day(a) == day(b)) {
            let path = home.events_dir().join(format!("{}.jsonl", day(&same_day[0])));
            let mut lines = Vec::with_capacity(256 * same_day.len());
            for event in same_day {
                // An `Event` is strings, numbers and JSON values: it always serializes.
                let _ = serde_json::to_writer(&mut lines, event);
                lines.push(b'\n');
            }
            let mut guard = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if guard.as_ref().is_none_or(|(open, _, _)| *open != path) {
                fsutil::create_dir_all(&home.events_dir())?;
                let is_new = !path.exists();
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| FsError::new("cannot open event log", &path, e))?;
                if is_new {
                    // The log rotates: best effort, like every event.
                    let _ = apply_retention(home, day(&same_day[0]), self.retention);
                }
                let size = file.metadata().map_or(0, |m| m.len());
                if size > 0 && !ends_with_newline(&path, size) {
                    // A line torn by a crash mid-write: ended first, so that the next event is
                    // a line of its own instead of joining the torn one (and being lost with it).
                    lines.insert(0, b'\n');
                }
                *guard = Some((path.clone(), file, size));
            }
            let Some((_, file, size)) = guard.as_mut() else { continue };
            file.write_all(&lines).map_err(|e| FsError::new("cannot append to", &path, e))?;
            *size += lines.len() as u64;
            if *size >= part_limit(self.retention) {
                // Rolled over within the day, then the oldest parts go (best effort, like every
                // event); the next write opens the day's file anew.
                let _ = roll_over(&path, file);
                *guard = None;
                let _ = apply_retention(home, day(&same_day[0]), self.retention);
            }
        }
        Ok(())
    }
}

impl Drop for EventLog {
    /// Writes what is still held (best effort, like every event).
    fn drop(&mut self) {
        let _ = self.flush_held();
    }
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

/// Visits the events that pass the filter in the order they were written (oldest first: the
/// day files by day, a day's rolled-over parts before its own file, each file's lines in order),
/// reading one line at a time, so memory does not grow with the log; stops when `visit` says
/// so. Lines that do not parse (a crash mid-write on a filesystem without atomic appends) are
/// skipped. Events of concurrent processes may be a few milliseconds out of timestamp order:
/// the written order is kept, so a position in it is a stable cursor (events are appended,
/// never inserted).
pub fn scan(home: &Home, filter: &Filter, mut visit: impl FnMut(Event) -> ControlFlow<()>) -> Result<()> {
    let dir = home.events_dir();
    let since_day = filter.since.map(|s| s.to_zoned(jiff::tz::TimeZone::UTC).date());
    let mut files: Vec<_> = fsutil::list_dir(&dir)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|name| {
            let (day, place) = log_file(&name)?;
            since_day.is_none_or(|since| day >= since).then(|| (day, place, dir.join(name)))
        })
        .collect();
    files.sort();
    let mut line = Vec::with_capacity(1024);
    for (_, _, path) in files {
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            // Dropped by retention since it was listed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(FsError::new("cannot read", &path, e).into()),
        };
        let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line).map_err(|e| FsError::new("cannot read", &path, e))?;
            if read == 0 {
                break;
            }
            if let Ok(event) = serde_json::from_slice::<Event>(&line)
                && filter.keeps(&event)
                && visit(event).is_break()
            {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The events that pass the filter, in the order they were written (see [`scan`]).
pub fn query(home: &Home, filter: &Filter) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    scan(home, filter, |event| {
        out.push(event);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// One page of the events that pass the filter: those after the first `start`, at most `limit`,
/// and whether more follow. Reads the log once, keeping only the page.
pub fn page(home: &Home, filter: &Filter, start: usize, limit: usize) -> Result<(Vec<Event>, bool)> {
    let (mut seen, mut out, mut more) = (0usize, Vec::with_capacity(limit.min(1024)), false);
    scan(home, filter, |event| {
        seen += 1;
        if seen <= start {
            return ControlFlow::Continue(());
        }
        if out.len() == limit {
            more = true;
            return ControlFlow::Break(());
        }
        out.push(event);
        ControlFlow::Continue(())
    })?;
    Ok((out, more))
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
