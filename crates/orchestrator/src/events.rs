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
mod tests {
    //! Unit tests of the event log file format and filters; operations' events are tested
    //! through `Orchestrator` in `tests/core/events.rs`.

    use serde_json::json;

    use super::*;

    fn event(ts: &str, event_type: &str, trace: &str, status: Status) -> Event {
        Event {
            ts: ts.parse().expect("instant"),
            event_type: event_type.into(),
            trace_id: trace.into(),
            status,
            duration_ms: 1.5,
            metadata: Map::new(),
        }
    }

    #[test]
    fn statuses_parse_from_their_lowercase_names() {
        assert_eq!(Status::parse("pending"), Some(Status::Pending));
        assert_eq!(Status::parse("success"), Some(Status::Success));
        assert_eq!(Status::parse("failure"), Some(Status::Failure));
        assert_eq!(Status::parse("Success"), None);
        assert_eq!(serde_json::to_value(Status::Failure).expect("json"), json!("failure"));
    }

    #[test]
    fn trace_ids_are_32_random_hex_digits() {
        let (a, b) = (new_trace_id(), new_trace_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn events_are_appended_one_line_each_to_the_file_of_their_utc_day() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        append(&home, &event("2026-11-25T23:59:59Z", "a.x_started", "t1", Status::Pending)).expect("append");
        append(&home, &event("2026-11-26T00:00:00Z", "a.x_completed", "t1", Status::Success)).expect("append");
        let day1 = std::fs::read_to_string(dir.path().join("events/2026-11-25.jsonl")).expect("day 1");
        assert_eq!(
            day1,
            "{\"ts\":\"2026-11-25T23:59:59Z\",\"event_type\":\"a.x_started\",\"trace_id\":\"t1\",\"status\":\"pending\",\"duration_ms\":1.5,\"metadata\":{}}\n"
        );
        assert!(dir.path().join("events/2026-11-26.jsonl").is_file());
    }

    #[test]
    fn query_filters_and_skips_torn_lines_and_other_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        assert_eq!(query(&home, &Filter::default()).expect("no log yet"), Vec::new());
        let events = [
            event("2026-11-24T10:00:00Z", "orchestrator.get_started", "t1", Status::Pending),
            event("2026-11-24T10:00:01Z", "orchestrator.get_failed", "t1", Status::Failure),
            event("2026-11-25T09:00:00Z", "orchestrator.publish_started", "t2", Status::Pending),
            event("2026-11-25T09:00:02Z", "orchestrator.publish_completed", "t2", Status::Success),
        ];
        for e in &events {
            append(&home, e).expect("append");
        }
        let late = event("2026-11-25T08:59:59Z", "orchestrator.late", "t4", Status::Success);
        append(&home, &late).expect("append");
        let mut torn =
            std::fs::OpenOptions::new().append(true).open(dir.path().join("events/2026-11-25.jsonl")).expect("open");
        torn.write_all(b"{\"ts\":\"2026-11-25T09:00:03Z\",\"event_ty").expect("torn line");
        std::fs::write(dir.path().join("events/notes.txt"), "not an event log").expect("other file");

        let all = query(&home, &Filter::default()).expect("query");
        let mut expected = events.to_vec();
        expected.push(late.clone());
        assert_eq!(all, expected, "in written order, torn line skipped");
        let q = |f: Filter| query(&home, &f).expect("query").into_iter().map(|e| e.event_type).collect::<Vec<_>>();
        assert_eq!(
            q(Filter { type_prefix: Some("orchestrator.publish".into()), ..Filter::default() }),
            ["orchestrator.publish_started", "orchestrator.publish_completed"]
        );
        assert_eq!(
            q(Filter { since: Some("2026-11-25T09:00:01Z".parse().expect("instant")), ..Filter::default() }),
            ["orchestrator.publish_completed"]
        );
        assert_eq!(
            q(Filter { trace_id: Some("t1".into()), status: Some(Status::Failure), ..Filter::default() }),
            ["orchestrator.get_failed"]
        );
        assert!(q(Filter { trace_id: Some("t3".into()), ..Filter::default() }).is_empty());
        // An event written late (another process, a clock a little behind) stays where it was
        // written: positions are stable cursors.
        assert_eq!(query(&home, &Filter::default()).expect("query").last(), Some(&late));
        // The next event after the torn line is a line of its own, not lost with it.
        let after = event("2026-11-25T09:00:04Z", "orchestrator.after_crash", "t5", Status::Success);
        append(&home, &after).expect("append");
        expected.push(after);
        assert_eq!(query(&home, &Filter::default()).expect("query"), expected, "the event after a torn line is kept");
    }

    #[test]
    fn pages_and_scans_read_parts_and_day_files_in_written_order_keeping_only_the_page() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        // Rolled over every few events: parts of two days and the current day's own file.
        let mut written = Vec::new();
        for i in 0..200 {
            let day = if i < 80 { "2026-11-24" } else { "2026-11-25" };
            let e = event(
                &format!("{day}T10:00:{:02}Z", i % 60),
                &format!("t.{i}"),
                &format!("tr{}", i % 7),
                Status::Success,
            );
            append(&home, &e).expect("append");
            written.push(e);
            if i % 30 == 29 {
                let path = home.events_dir().join(format!("{day}.jsonl"));
                let file = std::fs::File::open(&path).expect("open");
                roll_over(&path, &file).expect("rolled");
            }
        }
        let (names, _) = log_files(dir.path());
        assert!(names.iter().filter(|n| n.matches('.').count() == 2).count() >= 6, "parts: {names:?}");
        assert_eq!(query(&home, &Filter::default()).expect("query"), written, "written order across files");
        // Pages: consecutive, none lost or repeated, the last says nothing more follows.
        let mut paged = Vec::new();
        let mut start = 0;
        loop {
            let (page, more) = page(&home, &Filter::default(), start, 37).expect("page");
            start += page.len();
            paged.extend(page);
            if !more {
                break;
            }
        }
        assert_eq!(paged, written);
        let (last, more) = page(&home, &Filter::default(), 190, 10).expect("page");
        assert_eq!((last.len(), more), (10, false), "a page that ends exactly at the end");
        // A filtered page counts positions among the events that pass the filter.
        let tr3 = Filter { trace_id: Some("tr3".into()), ..Filter::default() };
        let (page3, more3) = page(&home, &tr3, 2, 3).expect("page");
        let expected: Vec<_> = written.iter().filter(|e| e.trace_id == "tr3").skip(2).take(3).cloned().collect();
        assert_eq!((page3, more3), (expected, true));
        // A scan stops when told to.
        let mut seen = 0;
        scan(&home, &Filter::default(), |_| {
            seen += 1;
            if seen == 5 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .expect("scan");
        assert_eq!(seen, 5);
    }

    fn logged(dir: &std::path::Path) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join("events/2026-11-25.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str::<Event>(l).expect("event").event_type).collect()
    }

    #[test]
    fn held_events_are_written_by_a_flush_in_the_order_they_were_held() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let log = EventLog::default();
        let e = |t: &str| event("2026-11-25T10:00:00Z", t, "t", Status::Success);
        log.hold(&home, vec![e("a"), e("b")]).expect("hold");
        log.hold(&home, vec![e("c")]).expect("hold");
        assert_eq!(log.held_count(), 3);
        assert!(logged(dir.path()).is_empty(), "nothing written while held");
        log.flush_held().expect("flush");
        assert_eq!(logged(dir.path()), ["a", "b", "c"]);
        assert_eq!(log.held_count(), 0);
        log.flush_held().expect("a flush with nothing held");
        assert_eq!(logged(dir.path()), ["a", "b", "c"], "nothing written twice");
    }

    #[test]
    fn an_append_writes_what_is_held_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let log = EventLog::default();
        let e = |t: &str| event("2026-11-25T10:00:00Z", t, "t", Status::Success);
        log.hold(&home, vec![e("held")]).expect("hold");
        log.append(&home, &e("appended")).expect("append");
        assert_eq!(logged(dir.path()), ["held", "appended"]);
        assert_eq!(log.held_count(), 0);
    }

    #[test]
    fn dropping_the_log_writes_what_is_held_and_too_many_held_are_written_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let e = |t: &str| event("2026-11-25T10:00:00Z", t, "t", Status::Success);
        let log = EventLog::default();
        log.hold(&home, vec![e("last words")]).expect("hold");
        drop(log);
        assert_eq!(logged(dir.path()), ["last words"]);

        let log = EventLog::default();
        log.hold(&home, (0..HELD_LIMIT - 1).map(|_| e("many")).collect()).expect("hold");
        assert_eq!(log.held_count(), HELD_LIMIT - 1);
        log.hold(&home, vec![e("one more")]).expect("hold");
        assert_eq!(log.held_count(), 0, "written at the limit");
        assert_eq!(logged(dir.path()).len(), 1 + HELD_LIMIT);
    }

    #[test]
    fn events_held_for_another_home_are_written_to_their_own_first() {
        let (one, two) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
        let log = EventLog::default();
        let e = |t: &str| event("2026-11-25T10:00:00Z", t, "t", Status::Success);
        log.hold(&Home::new(one.path()), vec![e("one")]).expect("hold");
        log.hold(&Home::new(two.path()), vec![e("two")]).expect("hold");
        assert_eq!(logged(one.path()), ["one"]);
        log.flush_held().expect("flush");
        assert_eq!(logged(two.path()), ["two"]);
    }

    /// The log's file names, sorted, and their total size.
    fn log_files(dir: &std::path::Path) -> (Vec<String>, u64) {
        let names = fsutil::list_dir(&dir.join("events")).expect("list");
        let total = names.iter().map(|n| std::fs::metadata(dir.join("events").join(n)).expect("stat").len()).sum();
        (names, total)
    }

    fn numbered(i: usize) -> Event {
        let mut e = event("2026-11-25T10:00:00Z", &format!("tool.call_{i:05}"), "t", Status::Success);
        e.ts = e.ts.checked_add(jiff::SignedDuration::from_micros(i as i64)).expect("instant");
        e
    }

    #[test]
    fn a_day_that_logs_past_the_limit_rolls_over_and_keeps_its_newest_events_within_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let retention = Retention { max_age_days: 30, max_total_bytes: 16 * 1024 };
        let log = EventLog::with_retention(retention);
        // An older day's file, which goes first.
        append(&home, &event("2026-11-24T10:00:00Z", "old.day", "t", Status::Success)).expect("append");
        let calls = 3000;
        for i in 0..calls {
            log.append(&home, &numbered(i)).expect("append");
        }
        let (names, total) = log_files(dir.path());
        let line = serde_json::to_vec(&numbered(0)).expect("json").len() as u64 + 1;
        assert!(
            total <= retention.max_total_bytes + part_limit(retention) + line,
            "the log stays within its limit and one part: {total} bytes in {names:?}"
        );
        assert!(names.contains(&"2026-11-25.jsonl".to_owned()), "the day's own file is kept: {names:?}");
        assert!(!names.contains(&"2026-11-24.jsonl".to_owned()), "the older day went first: {names:?}");
        let parts: Vec<_> = names.iter().filter(|n| n.starts_with("2026-11-25.") && n.len() > 16).collect();
        assert!(!parts.is_empty(), "the day rolled over into parts: {names:?}");
        for part in &parts {
            assert!(matches!(log_file(part), Some((_, Place::Part(_)))), "{part}");
        }
        // What is left reads as the newest calls, in order, the last one included.
        let kept: Vec<String> =
            query(&home, &Filter::default()).expect("query").into_iter().map(|e| e.event_type).collect();
        assert!(kept.len() < calls && kept.len() > 10, "{} kept", kept.len());
        let expected: Vec<String> = (calls - kept.len()..calls).map(|i| format!("tool.call_{i:05}")).collect();
        assert_eq!(kept, expected, "a contiguous run of the newest events");
    }

    #[test]
    fn an_appender_holding_a_rolled_file_does_not_roll_the_new_one_and_nothing_is_lost() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        // Parts of 8 KiB, far below the limit: nothing is dropped.
        let retention = Retention { max_age_days: 30, max_total_bytes: 64 * 1024 };
        let (one, two) = (EventLog::with_retention(retention), EventLog::with_retention(retention));
        let calls = 200;
        for i in 0..calls {
            // Two processes appending in turn; each rolls when its own count passes the part size.
            let log = if i % 2 == 0 { &one } else { &two };
            log.append(&home, &numbered(i)).expect("append");
        }
        let kept: Vec<String> =
            query(&home, &Filter::default()).expect("query").into_iter().map(|e| e.event_type).collect();
        let expected: Vec<String> = (0..calls).map(|i| format!("tool.call_{i:05}")).collect();
        assert_eq!(kept, expected, "every event kept, in order");
        let (names, _) = log_files(dir.path());
        assert!(names.len() >= 2, "rolled over: {names:?}");
        for name in &names {
            let size = std::fs::metadata(dir.path().join("events").join(name)).expect("stat").len();
            assert!(size > 0, "no empty part: {name}");
        }
    }

    #[test]
    fn retention_drops_parts_oldest_first_and_never_the_current_day_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let events = dir.path().join("events");
        std::fs::create_dir_all(&events).expect("mkdir");
        let kib = |n: usize| vec![b'x'; n * 1024];
        for (name, size) in [
            ("2026-11-24.jsonl", 4),
            ("2026-11-25.00000000000000000005.jsonl", 4),
            ("2026-11-25.00000000000000000009.jsonl", 4),
            ("2026-11-25.jsonl", 20),
            ("2026-11-26.jsonl", 1),
            ("2026-11-25.x.jsonl", 50),
            ("2026-11-25..jsonl", 50),
        ] {
            std::fs::write(events.join(name), kib(size)).expect("write");
        }
        let today: jiff::civil::Date = "2026-11-25".parse().expect("day");
        let gone = |max_kib: u64| -> Vec<String> {
            let retention = Retention { max_age_days: 30, max_total_bytes: max_kib * 1024 };
            past_retention(&home, today, retention)
                .into_iter()
                .map(|(p, _)| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned())
                .collect()
        };
        // Names that are not the log's are neither counted nor removed.
        assert_eq!(gone(33), Vec::<String>::new());
        assert_eq!(gone(29), ["2026-11-24.jsonl"]);
        assert_eq!(gone(25), ["2026-11-24.jsonl", "2026-11-25.00000000000000000005.jsonl"]);
        assert_eq!(
            gone(1),
            ["2026-11-24.jsonl", "2026-11-25.00000000000000000005.jsonl", "2026-11-25.00000000000000000009.jsonl"],
            "never today's own file or a later day's"
        );
        apply_retention(&home, today, Retention { max_age_days: 30, max_total_bytes: 1024 }).expect("applied");
        let (names, _) = log_files(dir.path());
        assert_eq!(names, ["2026-11-25..jsonl", "2026-11-25.jsonl", "2026-11-25.x.jsonl", "2026-11-26.jsonl"]);
    }

    #[test]
    fn append_reports_an_unwritable_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("events"), "a file where the directory belongs").expect("write");
        let err = append(&Home::new(dir.path()), &event("2026-11-25T00:00:00Z", "x", "t", Status::Pending))
            .expect_err("refused");
        assert!(matches!(err, crate::Error::Fs(_)), "{err:?}");
    }
}
