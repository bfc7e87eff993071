//! One trace per operation: every core operation records `started` then `completed` or
//! `failed` under one trace id (an adapter's own, handed in with `Orchestrator::with_trace`, or a
//! new one), and a quick read's events can be held and appended in one write.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::Orchestrator;
use crate::error::Result;
use crate::events::{self, Event, Status};

impl Orchestrator {
    fn event(
        &self,
        trace_id: &str,
        event_type: String,
        status: Status,
        started: Instant,
        metadata: Map<String, Value>,
    ) -> Event {
        Event {
            ts: self.now(),
            event_type,
            trace_id: trace_id.to_owned(),
            status,
            duration_ms: timed_ms(started),
            metadata,
        }
    }

    /// Runs `work` on this core with the events it records held in memory and appended together,
    /// in one write, when it returns: for a quick read-only operation, whose four events (an
    /// adapter's pair and the core's) would otherwise cost four writes. Events of an operation
    /// cut short by a crash are lost with it, so writers are not batched.
    pub fn with_events_batched<T>(&self, work: impl FnOnce(&Orchestrator) -> T) -> T {
        let (outcome, events) = self.collecting_events(work);
        // Best effort, like every event (held only once the home was initialized).
        let _ = self.event_log.append_all(&self.home, &events);
        outcome
    }

    /// [`Orchestrator::with_events_batched`], the events held when `work` returns instead of
    /// written: the next [`Orchestrator::flush_held_events`] (or any event written meanwhile)
    /// writes them, in order. For an adapter that answers first and writes the log after (the
    /// stdio MCP server); what is still held is written when the core's last clone is dropped.
    pub fn with_events_held<T>(&self, work: impl FnOnce(&Orchestrator) -> T) -> T {
        let (outcome, events) = self.collecting_events(work);
        let _ = self.event_log.hold(&self.home, events);
        outcome
    }

    /// Writes the events held by [`Orchestrator::with_events_held`] (best effort).
    pub fn flush_held_events(&self) {
        let _ = self.event_log.flush_held();
    }

    fn collecting_events<T>(&self, work: impl FnOnce(&Orchestrator) -> T) -> (T, Vec<Event>) {
        let batch = Arc::new(std::sync::Mutex::new(Vec::new()));
        let core = Orchestrator { event_batch: Some(Arc::clone(&batch)), ..self.clone() };
        let outcome = work(&core);
        let events = std::mem::take(&mut *batch.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        (outcome, events)
    }

    /// Appends an event; false when the home is not initialized (a refused command must not
    /// create one), in which case nothing is written.
    pub(super) fn emit(&self, event: &Event) -> bool {
        if !self.is_initialized() {
            return false;
        }
        if let Some(batch) = &self.event_batch {
            batch.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(event.clone());
            return true;
        }
        // The event log is best effort: failing to record must not fail the operation.
        let _ = self.event_log.append(&self.home, event);
        true
    }

    /// Records an adapter's own event (e.g. one per MCP tool call) in the event log, when the
    /// home is initialized. Best effort, like every event.
    pub fn record_event(&self, event: &Event) {
        self.emit(event);
    }

    /// Runs one operation with `started`/`completed`/`failed` events under one trace id. When
    /// the operation creates the home (the first `init-configs`), its `started` event is
    /// written once the home exists, before `completed`.
    pub(crate) fn traced<T>(
        &self,
        operation: &str,
        metadata: Map<String, Value>,
        work: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let trace_id = self.trace.as_deref().map_or_else(events::new_trace_id, str::to_owned);
        let started = Instant::now();
        let start = self.event(
            &trace_id,
            format!("orchestrator.{operation}_started"),
            Status::Pending,
            started,
            metadata.clone(),
        );
        let start_written = self.emit(&start);
        let result = work();
        if !start_written {
            self.emit(&start);
        }
        let end = match &result {
            Ok(_) => {
                self.event(&trace_id, format!("orchestrator.{operation}_completed"), Status::Success, started, metadata)
            }
            Err(error) => {
                let mut metadata = metadata;
                metadata.insert("error_kind".into(), json!(format!("{:?}", error.kind())));
                metadata.insert("exit_code".into(), json!(error.kind().exit_code()));
                self.event(&trace_id, format!("orchestrator.{operation}_failed"), Status::Failure, started, metadata)
            }
        };
        self.emit(&end);
        result
    }
}

/// Milliseconds since `started`, to the microsecond.
fn timed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
