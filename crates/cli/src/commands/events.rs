//! `events query|stats` (also `memory …`): the event log.

use std::collections::BTreeMap;

use orchestrator::events::{Filter, Status};
use serde_json::json;

use crate::Context;
use crate::args::{EventFilterArgs, EventsCommand};
use crate::output::{self, UsageError};

fn filter(ctx: &Context, args: &EventFilterArgs) -> anyhow::Result<Filter> {
    let since = match args.since {
        None => None,
        Some(d) => {
            let d: std::time::Duration = d.into();
            Some(
                ctx.core
                    .now()
                    .checked_sub(d)
                    .map_err(|_| UsageError(format!("--since {} is too far back", humantime::format_duration(d))))?,
            )
        }
    };
    Ok(Filter {
        type_prefix: args.type_prefix.clone(),
        since,
        trace_id: args.trace.clone(),
        status: args.status.as_deref().and_then(Status::parse),
    })
}

fn status_cell(status: &str) -> output::Cell {
    let tone = match status {
        "success" => output::Tone::Good,
        "failure" => output::Tone::Bad,
        _ => output::Tone::Dim,
    };
    output::Cell::toned(status, tone)
}

/// Events as a table that fits 80 columns: time (UTC, month to second: the log keeps 30
/// days), type, status and the metadata's ids and counts, the only column that wraps on a
/// terminal. `--json` adds trace ids (for `--trace`) and durations.
fn print_events(events: &[orchestrator::events::Event]) -> anyhow::Result<()> {
    let mut table = output::Table::new(&["TIME", "TYPE", "STATUS", "DETAILS"]);
    for e in events {
        let status = e.status.as_str();
        let details: Vec<String> = e
            .metadata
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(text) => format!("{k}={}", output::tilde(text)),
                other => format!("{k}={other}"),
            })
            .collect();
        table.row([
            e.ts.strftime("%m-%d %H:%M:%S").to_string().into(),
            e.event_type.as_str().into(),
            status_cell(status),
            details.join(" ").into(),
        ]);
    }
    table.keep_whole(&[0, 1, 2]);
    table.print();
    Ok(())
}

pub fn run(ctx: &Context, command: &EventsCommand) -> anyhow::Result<u8> {
    match command {
        EventsCommand::Query(query) => {
            let args = &query.filter;
            let request = super::profiles::page_request(&query.page)?;
            // Events are appended, never inserted: the position among the events that pass the
            // filter (oldest first) is a stable key; the filter is the cursor's scope.
            let scope = format!(
                "{}|{}|{}",
                args.type_prefix.as_deref().unwrap_or(""),
                args.trace.as_deref().unwrap_or(""),
                args.status.as_deref().unwrap_or("")
            );
            let start = match request.after("events", &scope)? {
                None => 0,
                Some(key) => key.parse::<usize>().map_err(|_| {
                    UsageError("the cursor is not one this events listing gave out: leave --cursor out to start from the first page".into())
                })?,
            };
            let (page, more) = ctx.core.events_page(&filter(ctx, args)?, start, request.limit)?;
            let end = start + page.len();
            let next_cursor = more.then(|| orchestrator::page::encode("events", &scope, &end.to_string()));
            if ctx.json {
                output::json(&json!({"events": page, "count": page.len(), "next_cursor": next_cursor}));
            } else {
                print_events(&page)?;
                super::profiles::say_next_page(next_cursor.as_deref(), query.page.limit);
            }
        }
        EventsCommand::Stats(args) => {
            // Counted as the log is read: nothing but the counts is kept.
            let (mut total, mut counts) = (0usize, BTreeMap::<(String, &'static str), usize>::new());
            ctx.core.scan_events(&filter(ctx, args)?, |e| {
                total += 1;
                *counts.entry((e.event_type, e.status.as_str())).or_default() += 1;
                std::ops::ControlFlow::Continue(())
            })?;
            if ctx.json {
                let rows: Vec<_> =
                    counts.iter().map(|((t, s), n)| json!({"event_type": t, "status": s, "count": n})).collect();
                output::json(&json!({"total": total, "by_type": rows}));
            } else {
                let mut table = output::Table::new(&["COUNT", "TYPE", "STATUS"]);
                for ((t, s), n) in &counts {
                    table.row([n.to_string().into(), t.as_str().into(), status_cell(s)]);
                }
                table.print();
                output::say(&format!("{total} event(s)"));
            }
        }
    }
    Ok(0)
}
