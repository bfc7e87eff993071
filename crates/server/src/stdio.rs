//! The stdio transport: newline-delimited JSON-RPC over any reader and writer (the server uses
//! rmcp's `stdio_pipes`). Every line goes through [`crate::jsonrpc::check`] first, so malformed
//! input gets the JSON-RPC error it should (-32700, -32600, -32602) instead of silence or a
//! wrong code; the rest is handed to rmcp.
//!
//! Outgoing messages (rmcp's and the error replies made here) go through one channel to one
//! writer task, so they leave whole and in the order they were produced. Reading keeps its
//! partial line inside the `FramedRead`, so rmcp may drop a pending `receive` (it polls it in a
//! `select!`) without losing bytes.

use std::future::Future;

use futures::StreamExt as _;
use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_util::codec::{AnyDelimiterCodec, FramedRead};

use crate::jsonrpc::{self, Checked};

/// A line-delimited JSON-RPC server transport with the checks of [`crate::jsonrpc`].
pub struct LineTransport<R> {
    read: FramedRead<R, AnyDelimiterCodec>,
    write: Option<mpsc::UnboundedSender<Vec<u8>>>,
    writer: Option<tokio::task::JoinHandle<()>>,
}

impl<R: AsyncRead + Send + Unpin> LineTransport<R> {
    /// A transport reading lines from `read` and writing lines to `write` (a task is spawned on
    /// the current runtime for the writes).
    pub fn new<W: AsyncWrite + Send + Unpin + 'static>(read: R, write: W) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_lines(write, rx));
        LineTransport {
            read: FramedRead::new(read, AnyDelimiterCodec::new(b"\n".to_vec(), Vec::new())),
            write: Some(tx),
            writer: Some(writer),
        }
    }

    fn queue(&self, mut line: Vec<u8>) -> bool {
        line.push(b'\n');
        self.write.as_ref().is_some_and(|tx| tx.send(line).is_ok())
    }
}

/// Writes queued lines, flushing when the queue is empty, until every sender is gone.
async fn write_lines<W: AsyncWrite + Unpin>(mut write: W, mut rx: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(line) = rx.recv().await {
        if write.write_all(&line).await.is_err() {
            return;
        }
        while let Ok(line) = rx.try_recv() {
            if write.write_all(&line).await.is_err() {
                return;
            }
        }
        if write.flush().await.is_err() {
            return;
        }
    }
    let _ = write.shutdown().await;
}

impl<R: AsyncRead + Send + Unpin> Transport<RoleServer> for LineTransport<R> {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let sent = match serde_json::to_vec(&item) {
            Ok(line) => match self.queue(line) {
                true => Ok(()),
                false => Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdout is closed")),
            },
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
                    if !self.queue(reply.to_line().into_bytes()) {
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
