//! The event log: every operation writes `started` then `completed` or `failed` under one
//! trace id; queries filter by type prefix, time, trace and status; no event holds a private
//! key or a payload value.

use std::collections::BTreeMap;

use orchestrator::events::{Event, Filter, Status};
use serde_json::json;

use crate::common::{initialized, now, now_plus, orchestrator_at};

const SECRETISH: &str = "payload-value-that-must-not-be-logged";

fn all(orch: &orchestrator::Orchestrator) -> Vec<Event> {
    orch.events(&Filter::default()).expect("query")
}

/// The events of each trace, in order.
fn by_trace(events: &[Event]) -> BTreeMap<String, Vec<&Event>> {
    let mut out: BTreeMap<String, Vec<&Event>> = BTreeMap::new();
    for e in events {
        out.entry(e.trace_id.clone()).or_default().push(e);
    }
    out
}

#[test]
fn each_operation_writes_started_and_completed_or_failed_under_one_trace() {
    let (env, orch) = initialized();
    let payload = json!({"mcpServers": {"s": {"command": "x", "args": ["--root", SECRETISH]}}}).to_string();
    orch.publish("cursor", "team", &payload, Some("a note"), None).expect("publish");
    orch.get("cursor", "team").expect("get");
    orch.get("cursor", "missing").expect_err("not found");
    orch.publish("cursor", "team", r#"{"mcpServers": {"a": {}, "a": {}}}"#, None, None).expect_err("duplicate");
    orch.verify(None).expect("verify");

    let events: Vec<Event> =
        all(&orch).into_iter().filter(|e| !e.event_type.starts_with("orchestrator.init")).collect();
    let traces = by_trace(&events);
    let ops: Vec<(String, Vec<String>, Vec<Status>)> = {
        let mut v: Vec<_> = traces
            .values()
            .map(|steps| {
                let types: Vec<String> = steps.iter().map(|e| e.event_type.clone()).collect();
                let statuses: Vec<Status> = steps.iter().map(|e| e.status).collect();
                (types[0].trim_end_matches("_started").to_owned(), types, statuses)
            })
            .collect();
        v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        v
    };
    let expected = |op: &str, outcome: &str, status: Status| {
        (op.to_owned(), vec![format!("{op}_started"), format!("{op}_{outcome}")], vec![Status::Pending, status])
    };
    let mut wanted = vec![
        expected("orchestrator.config_publish", "completed", Status::Success),
        expected("orchestrator.config_retrieval", "completed", Status::Success),
        expected("orchestrator.config_retrieval", "failed", Status::Failure),
        expected("orchestrator.config_publish", "failed", Status::Failure),
        expected("orchestrator.artifact_verification", "completed", Status::Success),
    ];
    wanted.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(ops, wanted);
    for e in &events {
        assert_eq!(e.ts, now());
        assert_eq!(e.trace_id.len(), 32, "{}", e.trace_id);
        assert!(e.duration_ms >= 0.0);
    }
    // Failures say which kind and exit code.
    let failed_get =
        events.iter().find(|e| e.event_type == "orchestrator.config_retrieval_failed").expect("failed get");
    assert_eq!(failed_get.metadata.get("error_kind"), Some(&json!("NotFound")));
    assert_eq!(failed_get.metadata.get("exit_code"), Some(&json!(3)));
    assert_eq!(failed_get.metadata.get("profile_id"), Some(&json!("missing")));
    let failed_publish = events.iter().find(|e| e.event_type == "orchestrator.config_publish_failed").expect("failed");
    assert_eq!(failed_publish.metadata.get("exit_code"), Some(&json!(4)));
    drop(env);
}

#[test]
fn no_event_holds_the_private_key_or_a_payload_value() {
    let (env, orch) = initialized();
    let payload = json!({"mcpServers": {"s": {"command": "x", "args": ["--root", SECRETISH]}}}).to_string();
    orch.publish("cursor", "team", &payload, None, None).expect("publish");
    orch.get("cursor", "team").expect("get");
    orch.publish("cursor", "team", &format!("{payload} garbage"), None, None).expect_err("refused");
    orch.key_info().expect("key info");
    orch.verify(None).expect("verify");
    let mut log = Vec::new();
    for entry in std::fs::read_dir(env.home().join("events")).expect("events dir").flatten() {
        log.extend(std::fs::read(entry.path()).expect("read"));
    }
    let log = String::from_utf8(log).expect("UTF-8");
    // 2 for each of init, publish, get, the refused publish and verify.
    assert_eq!(log.lines().count(), 10, "{log}");
    let pem_body: String = mcp_testkit::FIXED_KEY_A.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!pem_body.is_empty());
    assert!(!log.contains(&pem_body), "the private key appears in the event log");
    assert!(!log.contains("PRIVATE KEY"));
    assert!(!log.contains(SECRETISH), "a payload value appears in the event log");
    assert!(!log.contains("mcpServers"), "a payload appears in the event log");
}

#[test]
fn queries_filter_by_type_prefix_since_trace_and_status() {
    let (env, day1) = initialized();
    day1.publish("cursor", "team", &crate::common::tagged_payload("a"), None, None).expect("publish");
    let next_day = now_plus(86_400);
    let day2 = orchestrator_at(&env, next_day);
    day2.get("cursor", "team").expect("get");
    day2.get("cursor", "nope").expect_err("missing");
    let everything = all(&day2);
    assert!(everything.windows(2).all(|w| w[0].ts <= w[1].ts), "oldest first");
    assert_eq!(
        std::fs::read_dir(env.home().join("events")).expect("dir").count(),
        2,
        "one file per UTC day (2026-11-25 and 2026-11-26)"
    );
    assert!(env.home().join("events/2026-11-25.jsonl").is_file());
    assert!(env.home().join("events/2026-11-26.jsonl").is_file());

    let q = |f: Filter| day2.events(&f).expect("query");
    let retrieval = q(Filter { type_prefix: Some("orchestrator.config_retrieval".into()), ..Filter::default() });
    assert_eq!(retrieval.len(), 4);
    assert!(retrieval.iter().all(|e| e.event_type.starts_with("orchestrator.config_retrieval_")));

    let since = q(Filter { since: Some(next_day), ..Filter::default() });
    assert_eq!(since.len(), 4);
    assert!(since.iter().all(|e| e.ts == next_day));
    let since_before = q(Filter { since: Some(now()), ..Filter::default() });
    assert_eq!(since_before.len(), everything.len());
    assert!(q(Filter { since: Some(now_plus(2 * 86_400)), ..Filter::default() }).is_empty());

    let failures = q(Filter { status: Some(Status::Failure), ..Filter::default() });
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].event_type, "orchestrator.config_retrieval_failed");

    let trace = q(Filter { trace_id: Some(failures[0].trace_id.clone()), ..Filter::default() });
    assert_eq!(
        trace.iter().map(|e| (e.event_type.as_str(), e.status)).collect::<Vec<_>>(),
        [
            ("orchestrator.config_retrieval_started", Status::Pending),
            ("orchestrator.config_retrieval_failed", Status::Failure)
        ]
    );

    let combined = q(Filter {
        type_prefix: Some("orchestrator.config".into()),
        since: Some(next_day),
        trace_id: None,
        status: Some(Status::Success),
    });
    assert_eq!(
        combined.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        ["orchestrator.config_retrieval_completed"]
    );
    assert!(q(Filter { type_prefix: Some("nothing.".into()), ..Filter::default() }).is_empty());
}

#[test]
fn first_init_writes_started_and_completed_under_one_trace() {
    let (_env, orch) = initialized();
    let init: Vec<(String, Status)> = orch
        .events(&Filter { type_prefix: Some("orchestrator.init".into()), ..Filter::default() })
        .expect("query")
        .into_iter()
        .map(|e| (e.event_type, e.status))
        .collect();
    assert_eq!(
        init,
        [
            ("orchestrator.init_started".to_owned(), Status::Pending),
            ("orchestrator.init_completed".to_owned(), Status::Success)
        ],
        "the first init of a home records its start as well as its completion"
    );
}

#[test]
fn a_second_init_writes_started_and_completed_under_one_trace() {
    let (_env, orch) = initialized();
    let report = orch.init(false).expect("second init");
    assert!(report.unchanged);
    let init =
        orch.events(&Filter { type_prefix: Some("orchestrator.init".into()), ..Filter::default() }).expect("query");
    let last_trace = &init.last().expect("events").trace_id;
    let steps: Vec<(&str, Status)> =
        init.iter().filter(|e| &e.trace_id == last_trace).map(|e| (e.event_type.as_str(), e.status)).collect();
    assert_eq!(
        steps,
        [("orchestrator.init_started", Status::Pending), ("orchestrator.init_completed", Status::Success)]
    );
}

#[test]
fn batched_events_are_held_until_the_work_ends_then_appended_in_order() {
    let (_env, orch) = initialized();
    orch.publish("cursor", "team", &json!({"mcpServers": {"s": {"command": "x"}}}).to_string(), None, None)
        .expect("publish");
    let before = all(&orch).len();
    let traced = orch.with_trace("0123456789abcdef0123456789abcdef");
    let seen_inside = traced.with_events_batched(|core| {
        core.get("cursor", "team").expect("get");
        core.get("cursor", "missing").expect_err("not found");
        all(core).len()
    });
    assert_eq!(seen_inside, before, "nothing is written while the batch is open");
    let after = all(&orch);
    let added: Vec<(&str, &str, Status)> =
        after[before..].iter().map(|e| (e.event_type.as_str(), e.trace_id.as_str(), e.status)).collect();
    let trace = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        added,
        vec![
            ("orchestrator.config_retrieval_started", trace, Status::Pending),
            ("orchestrator.config_retrieval_completed", trace, Status::Success),
            ("orchestrator.config_retrieval_started", trace, Status::Pending),
            ("orchestrator.config_retrieval_failed", trace, Status::Failure),
        ]
    );
}

#[test]
fn a_batch_spanning_midnight_goes_to_each_day_file() {
    let (env, orch) = initialized();
    let event = |at: &str, kind: &str| Event {
        ts: at.parse().expect("instant"),
        event_type: format!("orchestrator.{kind}"),
        trace_id: "t".into(),
        status: Status::Success,
        duration_ms: 0.0,
        metadata: serde_json::Map::new(),
    };
    orch.with_events_batched(|core| {
        core.record_event(&event("2030-01-01T23:59:59Z", "late"));
        core.record_event(&event("2030-01-02T00:00:01Z", "early"));
    });
    let read = |day: &str| std::fs::read_to_string(env.home().join("events").join(format!("{day}.jsonl")));
    let late = read("2030-01-01").expect("day one");
    let early = read("2030-01-02").expect("day two");
    assert!(late.contains("orchestrator.late") && !late.contains("orchestrator.early"), "{late}");
    assert!(early.contains("orchestrator.early") && !early.contains("orchestrator.late"), "{early}");
}

#[test]
fn a_batch_in_a_home_not_yet_initialized_writes_nothing() {
    let env = mcp_testkit::TestEnv::new();
    let orch = orchestrator_at(&env, now());
    orch.with_events_batched(|core| core.get("cursor", "default").expect_err("no home"));
    assert!(!env.home().join("events").exists(), "a refused read creates no event log");
}
