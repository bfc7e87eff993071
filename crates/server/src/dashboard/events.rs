//! The event log (`/events`) as a timeline grouped by trace id: the core's `events` query (the
//! same as `GET /v1/events`), newest operation first, each with its steps, outcome and
//! duration. Events carry ids and outcomes, never payloads or secrets.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use orchestrator::events::{Event, Filter, Status};
use serde::Deserialize;

use super::layout;
use super::session::Viewer;
use super::{DashState, enc};

/// Most operations (traces) shown.
const TRACES_SHOWN: usize = 50;

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    trace: Option<String>,
    #[serde(rename = "type")]
    type_prefix: Option<String>,
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Success => "success",
        Status::Failure => "failure",
    }
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Pending => "neutral",
        Status::Success => "good",
        Status::Failure => "bad",
    }
}

/// Most recent events kept while the log is read: the newest [`TRACES_SHOWN`] operations are
/// among them (an operation writes a handful of events), and memory does not grow with the log.
const EVENTS_KEPT: usize = 4096;

/// The newest [`EVENTS_KEPT`] events that pass the filter, oldest first, and how many
/// operations (distinct traces) pass it in all.
fn newest(
    core: &orchestrator::Orchestrator,
    filter: &Filter,
) -> orchestrator::Result<(std::collections::VecDeque<Event>, usize)> {
    let mut kept = std::collections::VecDeque::with_capacity(EVENTS_KEPT);
    let mut traces = std::collections::HashSet::new();
    core.scan_events(filter, |event| {
        if !traces.contains(event.trace_id.as_str()) {
            traces.insert(event.trace_id.clone());
        }
        if kept.len() == EVENTS_KEPT {
            kept.pop_front();
        }
        kept.push_back(event);
        std::ops::ControlFlow::Continue(())
    })?;
    Ok((kept, traces.len()))
}

/// The events grouped by trace, in the order of each trace's first event.
fn group(events: Vec<Event>) -> Vec<(String, Vec<Event>)> {
    let mut groups: Vec<(String, Vec<Event>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for event in events {
        match index.get(&event.trace_id) {
            Some(&i) => groups[i].1.push(event),
            None => {
                index.insert(event.trace_id.clone(), groups.len());
                groups.push((event.trace_id.clone(), vec![event]));
            }
        }
    }
    groups
}

/// `GET /events`.
pub async fn page(State(state): State<DashState>, viewer: Viewer, Query(q): Query<EventsQuery>) -> Response {
    let filter = Filter {
        type_prefix: q.type_prefix.clone().filter(|s| !s.is_empty()),
        since: None,
        trace_id: q.trace.clone().filter(|s| !s.is_empty()),
        status: None,
    };
    let newest = state.run(move |core, _, _| Ok(newest(core, &filter)?)).await;
    let (groups, total) = match newest {
        Ok((events, total)) => (group(events.into()), total),
        Err(e) => return e.into_response(),
    };
    let body = html! {
        div.heading { h1 { "Events" } p.lead { "Every operation of this home, newest first, grouped by trace." } }
        form.search role="search" method="get" action="/events" {
            label for="type" { "Event type starts with" }
            input #type name="type" value=(q.type_prefix.as_deref().unwrap_or("")) placeholder="e.g. orchestrator.deploy";
            button type="submit" { "Filter" }
            @if q.trace.is_some() || q.type_prefix.is_some() { " " a href="/events" { "Show all" } }
        }
        @if groups.is_empty() { p.card { "No event matches." } }
        ol.timeline {
            @for (trace, events) in groups.iter().rev().take(TRACES_SHOWN) { (trace_item(trace, events)) }
        }
        @if total > TRACES_SHOWN { p.muted { "The " (TRACES_SHOWN) " newest of " (total) " operations are shown: filter to see others." } }
    };
    layout::page("Events", Some(&viewer), "events", body).into_response()
}

fn trace_item(trace: &str, events: &[Event]) -> Markup {
    let first = &events[0];
    let last = &events[events.len() - 1];
    let name = first
        .event_type
        .trim_start_matches("orchestrator.")
        .trim_end_matches("_started")
        .trim_end_matches("_completed")
        .trim_end_matches("_failed");
    html! {
        li.card.trace data-trace=(trace) {
            div.trace-head {
                span.badge.(status_class(last.status)) { (status_word(last.status)) }
                " " strong { (name) }
                " " time datetime=(first.ts.to_string()) { (first.ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()) }
                " " span.muted { (format!("{:.1}", last.duration_ms)) " ms" }
                " " a href=(format!("/events?trace={}", enc(trace))) title="show only this operation" { "trace " code { (trace.chars().take(12).collect::<String>()) } }
            }
            details {
                summary { (events.len()) " event" @if events.len() != 1 { "s" } }
                ol.steps {
                    @for e in events {
                        li {
                            span.badge.(status_class(e.status)) { (status_word(e.status)) } " "
                            code { (e.event_type) }
                            @if !e.metadata.is_empty() {
                                " " span.muted { @for (i, (k, v)) in e.metadata.iter().enumerate() {
                                    @if i > 0 { ", " } (k) "=" (v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(trace: &str, kind: &str) -> Event {
        Event {
            ts: jiff::Timestamp::UNIX_EPOCH,
            event_type: kind.into(),
            trace_id: trace.into(),
            status: Status::Success,
            duration_ms: 0.0,
            metadata: Default::default(),
        }
    }

    #[test]
    fn events_group_by_trace_in_first_seen_order() {
        let groups = group(vec![event("a", "x_started"), event("b", "y_started"), event("a", "x_completed")]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "a");
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(groups[1].0, "b");
    }
}
