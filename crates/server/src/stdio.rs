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
//! written: the writer runs the jobs queued in an [`AfterAnswer`] each time it has written
//! everything queued (the server queues a read-only call's event-log write there), and drops
//! each sent message only once its line is written. The client reads its answer meanwhile.

use std::future::Future;

use futures::StreamExt as _;
use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_util::codec::{AnyDelimiterCodec, FramedRead};

use crate::jsonrpc::{self, Checked};

/// Work queued to run once the answers queued so far are written (see the module
/// documentation), in the order it was queued. Without a transport to run it (HTTP), the
/// server does the work before answering instead.
#[derive(Default)]
pub struct AfterAnswer(std::sync::Mutex<Vec<Box<dyn FnOnce() + Send>>>);

impl std::fmt::Debug for AfterAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AfterAnswer").field(&self.jobs().len()).finish()
    }
}

impl AfterAnswer {
    fn jobs(&self) -> std::sync::MutexGuard<'_, Vec<Box<dyn FnOnce() + Send>>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `job`.
    pub fn push(&self, job: impl FnOnce() + Send + 'static) {
        self.jobs().push(Box::new(job));
    }

    /// Runs every queued job, oldest first (jobs queued meanwhile run too).
    pub fn run(&self) {
        loop {
            let jobs = std::mem::take(&mut *self.jobs());
            if jobs.is_empty() {
                return;
            }
            for job in jobs {
                job();
            }
        }
    }
}

/// Most bytes a new line's buffer starts with (a large answer does not make every later one
/// allocate as much).
const MAX_LINE_HINT: usize = 64 * 1024;

/// One outgoing line, with the message it was made from (dropped once the line is written).
struct Outgoing {
    line: Vec<u8>,
    _message: Option<TxJsonRpcMessage<RoleServer>>,
}

/// A line-delimited JSON-RPC server transport with the checks of [`crate::jsonrpc`].
pub struct LineTransport<R> {
    read: FramedRead<R, AnyDelimiterCodec>,
    write: Option<mpsc::UnboundedSender<Outgoing>>,
    writer: Option<tokio::task::JoinHandle<()>>,
    /// The size of the last line sent: the next one's buffer starts at about that.
    last_len: usize,
}

impl<R: AsyncRead + Send + Unpin> LineTransport<R> {
    /// A transport reading lines from `read` and writing lines to `write` (a task is spawned on
    /// the current runtime for the writes).
    pub fn new<W: AsyncWrite + Send + Unpin + 'static>(read: R, write: W) -> Self {
        Self::with_after_answer(read, write, None)
    }

    /// [`LineTransport::new`], running `after`'s jobs each time everything queued is written
    /// (and once more when the transport closes).
    pub fn with_after_answer<W: AsyncWrite + Send + Unpin + 'static>(
        read: R,
        write: W,
        after: Option<std::sync::Arc<AfterAnswer>>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_lines(write, rx, after));
        LineTransport {
            read: FramedRead::new(read, AnyDelimiterCodec::new(b"\n".to_vec(), Vec::new())),
            write: Some(tx),
            writer: Some(writer),
            last_len: 0,
        }
    }

    fn queue(&self, mut line: Vec<u8>, message: Option<TxJsonRpcMessage<RoleServer>>) -> bool {
        line.push(b'\n');
        self.write.as_ref().is_some_and(|tx| tx.send(Outgoing { line, _message: message }).is_ok())
    }
}

/// Writes queued lines, flushing when the queue is empty and then running `after`'s jobs,
/// until every sender is gone.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut write: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    after: Option<std::sync::Arc<AfterAnswer>>,
) {
    let run_after = || {
        if let Some(after) = &after {
            after.run();
        }
    };
    while let Some(out) = rx.recv().await {
        if write.write_all(&out.line).await.is_err() {
            return run_after();
        }
        let mut written = vec![out];
        while let Ok(out) = rx.try_recv() {
            if write.write_all(&out.line).await.is_err() {
                return run_after();
            }
            written.push(out);
        }
        if write.flush().await.is_err() {
            return run_after();
        }
        run_after();
        drop(written);
    }
    run_after();
    let _ = write.shutdown().await;
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
        let sent = match serde_json::to_writer(&mut line, &item) {
            Ok(()) => {
                self.last_len = line.len();
                if self.queue(line, Some(item)) {
                    Ok(())
                } else {
                    Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdout is closed"))
                }
            }
            Err(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        std::future::ready(sent)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match self.read.next().await? {
                Ok(line) => line,
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
                Checked::Message(message) => return Some(*message),
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
