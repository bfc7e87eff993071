//! The stdio transport's bounds ([`super`]'s "Bounded memory"): the backlog of what waits to be
//! written (and whether the output is closed), and lines of at most [`MAX_LINE_BYTES`].

use tokio::sync::Notify;
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, Decoder};
use tokio_util::sync::CancellationToken;

use crate::jsonrpc;

/// The longest line read: a longer one is discarded and answered with -32600 (the same limit as
/// an HTTP request body, [`crate::http::MAX_BODY_BYTES`]).
pub const MAX_LINE_BYTES: usize = crate::http::MAX_BODY_BYTES;

/// While this many requests are unanswered or lines wait to be written (together), nothing
/// more is read.
pub const MAX_PENDING: usize = 256;

/// While this many bytes wait to be written, nothing more is read.
pub const MAX_QUEUED_BYTES: usize = 8 * 1024 * 1024;

/// What waits to be written, shared by the transport (which adds) and the writer (which
/// removes), and whether the output is closed.
#[derive(Default)]
pub(super) struct Backlog {
    pub(super) lines: std::sync::atomic::AtomicUsize,
    pub(super) bytes: std::sync::atomic::AtomicUsize,
    /// Woken when the backlog drops under its limits.
    pub(super) room: Notify,
    /// Cancelled once a write failed: the output is closed.
    pub(super) closed: CancellationToken,
}

impl Backlog {
    /// Whether nothing more may be read with `unanswered` requests taken and not answered yet.
    pub(super) fn full(&self, unanswered: usize) -> bool {
        use std::sync::atomic::Ordering::Acquire;
        self.lines.load(Acquire) + unanswered >= MAX_PENDING || self.bytes.load(Acquire) >= MAX_QUEUED_BYTES
    }

    pub(super) fn add(&self, bytes: usize) {
        use std::sync::atomic::Ordering::AcqRel;
        self.lines.fetch_add(1, AcqRel);
        self.bytes.fetch_add(bytes, AcqRel);
    }

    /// A line of `bytes` was written (or dropped): wakes a reader waiting for room.
    pub(super) fn remove(&self, bytes: usize) {
        use std::sync::atomic::Ordering::AcqRel;
        self.lines.fetch_sub(1, AcqRel);
        self.bytes.fetch_sub(bytes, AcqRel);
        self.room.notify_waiters();
    }

    /// Returns once the backlog is under its limits with `unanswered` requests not answered yet
    /// (which do not change while this waits: answers are sent between two `receive`s).
    pub(super) async fn room(&self, unanswered: usize) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.full(unanswered) {
                return;
            }
            notified.await;
        }
    }
}

/// One line read, or the news that a line over [`MAX_LINE_BYTES`] was discarded.
#[derive(Debug, PartialEq)]
pub(super) enum Frame {
    Line(Bytes),
    TooLong,
}

/// Newline-delimited lines of at most [`MAX_LINE_BYTES`]: [`AnyDelimiterCodec`] (which discards
/// an over-long line up to its newline without buffering it), its over-length error made a
/// frame so the read goes on (a decoder error would end `FramedRead`'s stream).
pub(super) struct Lines(AnyDelimiterCodec);

impl Lines {
    pub(super) fn new(max_length: usize) -> Self {
        Lines(AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), max_length))
    }

    fn frame(decoded: Result<Option<Bytes>, AnyDelimiterCodecError>) -> Result<Option<Frame>, std::io::Error> {
        match decoded {
            Ok(line) => Ok(line.map(Frame::Line)),
            Err(AnyDelimiterCodecError::MaxChunkLengthExceeded) => Ok(Some(Frame::TooLong)),
            Err(AnyDelimiterCodecError::Io(e)) => Err(e),
        }
    }
}

impl Decoder for Lines {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        Self::frame(self.0.decode(buf))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        Self::frame(self.0.decode_eof(buf))
    }
}

/// The answer to a line over [`MAX_LINE_BYTES`].
pub(super) fn too_long_reply() -> Vec<u8> {
    let message = format!(
        "Invalid Request: a message longer than {} MiB was discarded; send at most {MAX_LINE_BYTES} bytes per line",
        MAX_LINE_BYTES / (1024 * 1024)
    );
    serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": jsonrpc::INVALID_REQUEST, "message": message}})
        .to_string()
        .into_bytes()
}
