//! The stdio transport: newline-delimited JSON-RPC over any reader and writer (the server uses
//! rmcp's `stdio_pipes`). Every line goes through [`crate::jsonrpc::check`] first, so malformed
//! input gets the JSON-RPC error it should (-32700, -32600, -32602) instead of silence or a
//! wrong code; the rest is handed to rmcp.
//!
//! Outgoing messages (rmcp's and the error replies made here) go through one channel to one
//! writer task, so they leave whole and in the order they were produced. Reading keeps its
//! partial line inside the `FramedRead`, so rmcp may drop a pending `receive` (it polls it in a
//! `select!`) without losing bytes.
//!
//! **Answer first.** What an answer's caller need not wait for is done after the answer is
//! written: the writer runs the jobs queued in an [`AfterAnswer`] (a read-only call's event-log
//! write) each time it has written everything queued, and hands each written tool result to
//! whoever asked for it back (a remembered answer keeps it as the next call's copy,
//! [`crate::tool_support::Prepared`], instead of copying the answer anew and freeing the sent
//! one). The events are written right after their answer, never held for later: a server killed
//! between two calls has logged every call it answered.
//!
//! **Bounded memory.** Whatever the host does, the transport holds a bounded amount (`bounds`):
//! - *Backpressure.* While [`MAX_PENDING`] requests are taken but not answered yet or lines wait
//!   to be written (together), or [`MAX_QUEUED_BYTES`] bytes wait (a host that stops reading
//!   stdout), `receive` takes nothing more from stdin until answers are written; the host's own
//!   writes then block once the pipe fills, as with any pipe program. Counting the requests not
//!   answered yet matters: rmcp spawns a task per request, so without it the reading would run
//!   far ahead of the answers. A request counts until its answer (or error) is sent or the host
//!   cancels it; requests do not count while the server waits for an answer from the host (a
//!   tool asking for the client's roots: reading that answer is what lets them finish). `send`
//!   never waits and never drops a message (what was taken before the stop is
//!   still answered, in order): the stop on reading is what bounds the queue.
//! - *Line length.* A line longer than [`MAX_LINE_BYTES`] (HTTP's body limit) is discarded up to
//!   its newline without being buffered, and answered with -32600 `id: null`; the session goes on
//!   with the next line.
//! - *Closed output.* Once stdout is closed (the write fails), the session ends: `receive` returns
//!   `None` (one debug line), and what is still sent is dropped quietly (no one can read it).
//!
//! **Written forms.** A remembered answer is also written from the bytes serde_json made of it
//! the first time ([`TakeBack::write_answer`]): only the id and the per-call `_meta` are
//! serialized for each call. The unit tests compare those lines with serde_json's, byte for
//! byte.

use std::future::Future;
use std::sync::Arc;

use futures::StreamExt as _;
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, JsonRpcMessage, JsonRpcResponse, ServerResult};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use crate::jsonrpc::{self, Checked};

mod bounds;
use bounds::{Backlog, Frame, Lines, too_long_reply};
pub use bounds::{MAX_LINE_BYTES, MAX_PENDING, MAX_QUEUED_BYTES};

type Job = Box<dyn FnOnce() + Send>;

/// A tool result given back once its answer is written (see [`AfterAnswer::want_back`]).
pub trait TakeBack: Send + Sync {
    /// Takes `result` if it is the one wanted (it was written and will not be sent again);
    /// otherwise gives it back.
    fn take_back(&self, result: CallToolResult) -> Option<CallToolResult>;

    /// Appends `result` serialized exactly as serde_json serializes it, when it is the answer
    /// this taker knows how to write without serializing it again; `false` (and nothing
    /// appended that matters: the caller discards `out`) otherwise. `result` is left as given.
    fn write_answer(&self, _result: &mut CallToolResult, _out: &mut Vec<u8>) -> bool {
        false
    }
}

/// Work queued to run once the answers queued so far are written, in the order it was queued.
/// Without a transport to run it (HTTP), the server does the work before answering instead.
#[derive(Default)]
pub struct AfterAnswer {
    jobs: std::sync::Mutex<Vec<Job>>,
    takers: std::sync::Mutex<Vec<Arc<dyn TakeBack>>>,
}

impl std::fmt::Debug for AfterAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfterAnswer")
            .field("jobs", &lock(&self.jobs).len())
            .field("takers", &lock(&self.takers).len())
            .finish()
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AfterAnswer {
    /// Queues `job` to run once the answers queued so far are written.
    pub fn push(&self, job: impl FnOnce() + Send + 'static) {
        lock(&self.jobs).push(Box::new(job));
    }

    /// Asks for the next written tool result `taker` takes (offered every tool result written
    /// with the answers queued so far; forgotten once they are written).
    pub fn want_back(&self, taker: Arc<dyn TakeBack>) {
        lock(&self.takers).push(taker);
    }

    /// Appends `result` as serde_json would serialize it if a taker knows its written form.
    fn write_known(&self, result: &mut CallToolResult, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let takers = lock(&self.takers);
        takers.iter().any(|taker| {
            out.truncate(start);
            taker.write_answer(result, out)
        })
    }

    /// Runs every queued job, oldest first (jobs queued meanwhile run too).
    pub fn run(&self) {
        run_all(&self.jobs);
    }

    /// Offers the tool results of these written messages to the takers, then forgets the
    /// takers; the rest is dropped.
    fn give_back(&self, written: Vec<TxJsonRpcMessage<RoleServer>>) {
        let takers = std::mem::take(&mut *lock(&self.takers));
        if takers.is_empty() {
            return;
        }
        for message in written {
            let JsonRpcMessage::Response(JsonRpcResponse { result: ServerResult::CallToolResult(result), .. }) =
                message
            else {
                continue;
            };
            let mut result = Some(result);
            for taker in &takers {
                match result.take() {
                    Some(r) => result = taker.take_back(r),
                    None => break,
                }
            }
        }
    }
}

fn run_all(jobs: &std::sync::Mutex<Vec<Job>>) {
    loop {
        let queued = std::mem::take(&mut *lock(jobs));
        if queued.is_empty() {
            return;
        }
        for job in queued {
            job();
        }
    }
}

/// Most bytes a new line's buffer starts with (a large answer does not make every later one
/// allocate as much).
const MAX_LINE_HINT: usize = 64 * 1024;

/// One outgoing line, with the message it was made from (dropped once the line is written).
struct Outgoing {
    line: Vec<u8>,
    message: Option<TxJsonRpcMessage<RoleServer>>,
}

/// A line-delimited JSON-RPC server transport with the checks of [`crate::jsonrpc`].
pub struct LineTransport<R> {
    read: FramedRead<R, Lines>,
    write: Option<mpsc::UnboundedSender<Outgoing>>,
    backlog: Arc<Backlog>,
    /// The requests taken and not answered yet (by id, with how many share it).
    unanswered: std::collections::HashMap<rmcp::model::RequestId, usize>,
    /// How many requests `unanswered` holds.
    unanswered_count: usize,
    /// The requests sent to the host and not answered yet.
    awaiting_host: std::collections::HashSet<rmcp::model::RequestId>,
    writer: Option<tokio::task::JoinHandle<()>>,
    /// The size of the last line sent: the next one's buffer starts at about that.
    last_len: usize,
    /// Who knows the written form of a tool result being sent (see [`TakeBack::write_answer`]).
    after: Option<Arc<AfterAnswer>>,
}

impl<R: AsyncRead + Send + Unpin> LineTransport<R> {
    /// A transport reading lines from `read` and writing lines to `write` (a task is spawned on
    /// the current runtime for the writes).
    pub fn new<W: AsyncWrite + Send + Unpin + 'static>(read: R, write: W) -> Self {
        Self::with_after_answer(read, write, None)
    }

    /// [`LineTransport::new`], running `after`'s jobs each time everything queued is written and
    /// once more when the transport closes.
    pub fn with_after_answer<W: AsyncWrite + Send + Unpin + 'static>(
        read: R,
        write: W,
        after: Option<Arc<AfterAnswer>>,
    ) -> Self {
        Self::with_limits(read, write, after, MAX_LINE_BYTES)
    }

    fn with_limits<W: AsyncWrite + Send + Unpin + 'static>(
        read: R,
        write: W,
        after: Option<Arc<AfterAnswer>>,
        max_line: usize,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let backlog = Arc::new(Backlog::default());
        let writer = tokio::spawn(write_lines(write, rx, after.clone(), Arc::clone(&backlog)));
        LineTransport {
            read: FramedRead::new(read, Lines::new(max_line)),
            write: Some(tx),
            backlog,
            unanswered: std::collections::HashMap::new(),
            unanswered_count: 0,
            awaiting_host: std::collections::HashSet::new(),
            writer: Some(writer),
            last_len: 0,
            after,
        }
    }

    /// Writes a tool result's answer line from its remembered written form, when a taker
    /// knows it (the same bytes serde_json writes: `{"jsonrpc":"2.0","id":…,"result":…}`).
    fn write_known(&self, item: &mut TxJsonRpcMessage<RoleServer>, line: &mut Vec<u8>) -> bool {
        let (Some(after), JsonRpcMessage::Response(response)) = (&self.after, item) else {
            return false;
        };
        let ServerResult::CallToolResult(result) = &mut response.result else {
            return false;
        };
        line.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        if serde_json::to_writer(&mut *line, &response.id).is_err() {
            return false;
        }
        line.extend_from_slice(br#","result":"#);
        if !after.write_known(result, line) {
            return false;
        }
        line.push(b'}');
        true
    }

    /// Counts a request taken (no answer sent yet).
    fn taken(&mut self, id: &rmcp::model::RequestId) {
        *self.unanswered.entry(id.clone()).or_default() += 1;
        self.unanswered_count += 1;
    }

    /// Stops counting a request: answered, or cancelled by the host.
    fn settled(&mut self, id: &rmcp::model::RequestId) {
        if let Some(count) = self.unanswered.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                self.unanswered.remove(id);
            }
            self.unanswered_count -= 1;
        }
    }

    /// Queues a line for the writer; `false` when the output is closed (the line is dropped).
    fn queue(&self, mut line: Vec<u8>, message: Option<TxJsonRpcMessage<RoleServer>>) -> bool {
        line.push(b'\n');
        let Some(tx) = &self.write else { return false };
        let len = line.len();
        self.backlog.add(len);
        if tx.send(Outgoing { line, message }).is_ok() {
            return true;
        }
        self.backlog.remove(len);
        false
    }
}

/// Writes queued lines, flushing when the queue is empty and then running `after`'s jobs and
/// giving back the written tool results; runs the jobs once more at the end, once every sender
/// is gone (or the output closed: then `backlog` is marked closed).
async fn write_lines<W: AsyncWrite + Unpin>(
    mut write: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    after: Option<Arc<AfterAnswer>>,
    backlog: Arc<Backlog>,
) {
    while let Some(out) = rx.recv().await {
        let written = write_batch(&mut write, &mut rx, out, &backlog).await;
        if let Some(after) = &after {
            after.run();
        }
        match (written, &after) {
            (Ok(written), Some(after)) => after.give_back(written),
            (Ok(_), None) => {}
            (Err(()), _) => {
                tracing::debug!("stdout is closed: the session ends");
                backlog.closed.cancel();
                break;
            }
        }
    }
    if let Some(after) = &after {
        after.run();
    }
    let _ = write.shutdown().await;
}

/// Writes `first` and whatever else is queued, then flushes: the messages written, or `Err`
/// when the output is closed.
async fn write_batch<W: AsyncWrite + Unpin>(
    write: &mut W,
    rx: &mut mpsc::UnboundedReceiver<Outgoing>,
    first: Outgoing,
    backlog: &Backlog,
) -> Result<Vec<TxJsonRpcMessage<RoleServer>>, ()> {
    let mut written = Vec::new();
    let mut next = Some(first);
    while let Some(out) = next {
        let result = write.write_all(&out.line).await;
        backlog.remove(out.line.len());
        result.map_err(drop)?;
        written.extend(out.message);
        next = rx.try_recv().ok();
    }
    write.flush().await.map_err(drop)?;
    Ok(written)
}

impl<R: AsyncRead + Send + Unpin> Transport<RoleServer> for LineTransport<R> {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        // Serialized into a buffer of about the last line's size (an answer is often the same
        // answer again), the message itself dropped by the writer once its line is written.
        let mut line = Vec::with_capacity(self.last_len.min(MAX_LINE_HINT) + 64);
        let mut item = item;
        if self.unanswered_count > 0
            && let Some(id) = match &item {
                JsonRpcMessage::Response(response) => Some(&response.id),
                JsonRpcMessage::Error(error) => error.id.as_ref(),
                _ => None,
            }
        {
            let id = id.clone();
            self.settled(&id);
        }
        if let JsonRpcMessage::Request(request) = &item {
            self.awaiting_host.insert(request.id.clone());
        }
        let known = self.write_known(&mut item, &mut line);
        if !known {
            line.clear();
        }
        let serialized = if known { Ok(()) } else { serde_json::to_writer(&mut line, &item) };
        let sent = match serialized {
            Ok(()) => {
                self.last_len = line.len();
                if !self.queue(line, Some(item)) {
                    // The session is ending (`receive` returns `None`): no one can read it.
                    tracing::debug!("stdout is closed: a message was dropped");
                }
                Ok(())
            }
            Err(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        std::future::ready(sent)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        let backlog = Arc::clone(&self.backlog);
        loop {
            // Nothing more is taken while too much waits to be written; nothing once the output
            // is closed. Both waits (and the read) keep their state when rmcp drops this future.
            tokio::select! {
                biased;
                () = backlog.closed.cancelled() => return None,
                // While the server waits for the host, its answer must be read to go on.
                () = backlog.room(if self.awaiting_host.is_empty() { self.unanswered_count } else { 0 }) => {}
            }
            let frame = tokio::select! {
                biased;
                () = backlog.closed.cancelled() => return None,
                frame = self.read.next() => frame?,
            };
            let line = match frame {
                Ok(Frame::Line(line)) => line,
                Ok(Frame::TooLong) => {
                    tracing::debug!(limit = MAX_LINE_BYTES, "discarded an over-long line");
                    if !self.queue(too_long_reply(), None) {
                        return None;
                    }
                    continue;
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot read stdin");
                    return None;
                }
            };
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match jsonrpc::check(line) {
                Checked::Message(message) => {
                    match &*message {
                        JsonRpcMessage::Request(request) => self.taken(&request.id),
                        JsonRpcMessage::Notification(notification) => {
                            if let rmcp::model::ClientNotification::CancelledNotification(cancelled) =
                                &notification.notification
                                && let Some(id) = &cancelled.params.request_id
                            {
                                self.settled(id);
                            }
                        }
                        JsonRpcMessage::Response(response) => {
                            self.awaiting_host.remove(&response.id);
                        }
                        JsonRpcMessage::Error(error) => {
                            if let Some(id) = &error.id {
                                self.awaiting_host.remove(id);
                            }
                        }
                    }
                    return Some(*message);
                }
                Checked::Reply(reply) => {
                    tracing::debug!(code = reply.code, "answered a malformed message");
                    if !self.queue(reply.to_line().into_bytes(), None) {
                        return None;
                    }
                }
                Checked::Ignore => tracing::debug!("ignored a malformed notification"),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        drop(self.write.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rmcp::model::{ContentBlock, RequestId};
    use tokio::io::{AsyncBufReadExt as _, BufReader};

    use super::*;

    /// A transport over an in-memory pipe with `after`, and the client's end of its output.
    fn transport(
        after: &Arc<AfterAnswer>,
    ) -> (LineTransport<tokio::io::Empty>, BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>) {
        let (server, client) = tokio::io::duplex(1 << 16);
        let (_, write) = tokio::io::split(server);
        let (read, _) = tokio::io::split(client);
        (LineTransport::with_after_answer(tokio::io::empty(), write, Some(Arc::clone(after))), BufReader::new(read))
    }

    fn answer(id: i64, text: &str) -> TxJsonRpcMessage<RoleServer> {
        let result = CallToolResult::success(vec![ContentBlock::text(text)]);
        JsonRpcMessage::response(ServerResult::CallToolResult(result), RequestId::Number(id))
    }

    async fn line(read: &mut BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>) -> String {
        let mut line = String::new();
        read.read_line(&mut line).await.expect("a line");
        line
    }

    fn counter(after: &AfterAnswer) -> Arc<AtomicUsize> {
        let count = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&count);
        after.push(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        count
    }

    #[tokio::test]
    async fn jobs_run_right_after_their_answer_is_written_and_once_each() {
        let after = Arc::new(AfterAnswer::default());
        let (mut transport, mut read) = transport(&after);
        let mut counts = Vec::new();
        for id in 1..=3 {
            let count = counter(&after);
            transport.send(answer(id, "x")).await.expect("sent");
            assert!(line(&mut read).await.contains(&format!(r#""id":{id},"#)));
            // The writer runs the job after the answer's flush; give it that moment.
            for _ in 0..100 {
                if count.load(Ordering::SeqCst) == 1 {
                    break;
                }
                tokio::task::yield_now().await;
            }
            assert_eq!(count.load(Ordering::SeqCst), 1, "the job of answer {id} ran once it was written");
            counts.push(count);
        }
        let last = counter(&after);
        transport.close().await.expect("closed");
        assert_eq!(
            last.load(Ordering::SeqCst),
            1,
            "a job queued with no answer after it runs when the transport closes"
        );
        assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1), "every job ran exactly once");
    }

    /// Takes the first result with this text.
    struct Wants(&'static str, std::sync::Mutex<Vec<CallToolResult>>);

    impl TakeBack for Wants {
        fn take_back(&self, result: CallToolResult) -> Option<CallToolResult> {
            let text = result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone());
            if text.as_deref() != Some(self.0) {
                return Some(result);
            }
            self.1.lock().expect("taken").push(result);
            None
        }
    }

    #[tokio::test]
    async fn a_written_tool_result_is_offered_to_those_who_want_it_back_once() {
        let after = Arc::new(AfterAnswer::default());
        let (mut transport, mut read) = transport(&after);
        let one = Arc::new(Wants("one", std::sync::Mutex::default()));
        let two = Arc::new(Wants("two", std::sync::Mutex::default()));
        after.want_back(Arc::clone(&one) as Arc<dyn TakeBack>);
        after.want_back(Arc::clone(&two) as Arc<dyn TakeBack>);
        transport.send(answer(1, "two")).await.expect("sent");
        assert!(line(&mut read).await.contains(r#""text":"two""#));
        assert_eq!(one.1.lock().expect("one").len(), 0, "not its answer");
        assert_eq!(two.1.lock().expect("two").len(), 1, "offered to the next taker");
        // Takers are forgotten once the answers queued with them are written.
        transport.send(answer(2, "one")).await.expect("sent");
        line(&mut read).await;
        assert_eq!(one.1.lock().expect("one").len(), 0, "forgotten after the first write");
        transport.close().await.expect("closed");
    }

    /// A remembered answer's result as a tool call returns it: the trace id in `_meta`.
    fn prepared_answer(
        prepared: &crate::tool_support::Prepared,
        id: RequestId,
        trace: &str,
        complete: bool,
    ) -> TxJsonRpcMessage<RoleServer> {
        let mut meta = rmcp::model::MetaObject::new();
        meta.0.insert("trace_id".into(), serde_json::json!(trace));
        let mut result = prepared.result().with_meta(Some(meta));
        if !complete {
            result.result_type = None;
        }
        JsonRpcMessage::response(ServerResult::CallToolResult(result), id)
    }

    #[tokio::test]
    async fn a_remembered_answer_is_written_from_its_form_byte_for_byte_as_serde_writes_it() {
        let after = Arc::new(AfterAnswer::default());
        let (mut transport, mut read) = transport(&after);
        let prepared = Arc::new(crate::tool_support::Prepared::new(serde_json::json!({
            "servers": {"fs": {"command": "npx", "args": ["-y", "a \"quoted\" path\n"]}},
            "version": 3
        })));
        let ids = [RequestId::Number(7), RequestId::String("req-\"8\"".into()), RequestId::Number(9)];
        for (round, id) in ids.into_iter().enumerate() {
            for complete in [true, false] {
                let trace = format!("trace-{round}-{complete}");
                let message = prepared_answer(&prepared, id.clone(), &trace, complete);
                let expected = serde_json::to_string(&message).expect("serde") + "\n";
                after.want_back(Arc::clone(&prepared) as Arc<dyn TakeBack>);
                transport.send(message).await.expect("sent");
                assert_eq!(line(&mut read).await, expected, "round {round}, resultType present: {complete}");
            }
        }
        // One form per shell (with and without `resultType`), made once and then reused.
        assert_eq!(prepared.form_count(), 2, "the answers were written from remembered forms");
        // Another answer with the same taker waiting is serialized by serde (not this form).
        let other = crate::tool_support::Prepared::new(serde_json::json!({"servers": {}}));
        let message = prepared_answer(&other, RequestId::Number(10), "t", true);
        let expected = serde_json::to_string(&message).expect("serde") + "\n";
        after.want_back(Arc::clone(&prepared) as Arc<dyn TakeBack>);
        transport.send(message).await.expect("sent");
        assert_eq!(line(&mut read).await, expected);
        transport.close().await.expect("closed");
    }

    #[test]
    fn a_result_that_is_not_the_remembered_answer_has_no_written_form() {
        let prepared = crate::tool_support::Prepared::new(serde_json::json!({"a": 1}));
        let mut out = Vec::new();
        // Another text; an extra block; no structured content; an error result.
        let mut results = vec![
            crate::tool_support::Prepared::new(serde_json::json!({"a": 2})).result(),
            {
                let mut r = prepared.result();
                r.content.push(ContentBlock::text("more"));
                r
            },
            {
                let mut r = prepared.result();
                r.structured_content = None;
                r
            },
            CallToolResult::error(vec![ContentBlock::text(r#"{"a":1}"#)]),
        ];
        for result in &mut results {
            let before = result.clone();
            assert!(!prepared.write_answer(result, &mut out), "{result:?}");
            assert_eq!(*result, before, "left as given");
        }
        // Annotations on the text block make another shell: written in full, byte for byte.
        let mut annotated = prepared.result();
        if let [ContentBlock::Text(block)] = annotated.content.as_mut_slice() {
            block.annotations = Some(rmcp::model::Annotations::default().with_priority(0.5));
        }
        let before = annotated.clone();
        out.clear();
        assert!(prepared.write_answer(&mut annotated, &mut out));
        assert_eq!(out, serde_json::to_vec(&before).expect("serde"));
        assert_eq!(annotated, before);
    }
}
