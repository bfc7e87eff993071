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
        let e =
            event(&format!("{day}T10:00:{:02}Z", i % 60), &format!("t.{i}"), &format!("tr{}", i % 7), Status::Success);
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
    let err =
        append(&Home::new(dir.path()), &event("2026-11-25T00:00:00Z", "x", "t", Status::Pending)).expect_err("refused");
    assert!(matches!(err, crate::Error::Fs(_)), "{err:?}");
}
