//! Test-only fail points on every write step: the client-file write path, publish, key
//! rotation, import and gc.
//!
//! Built only with the `failpoints` feature. The adapter names one point and a marker file
//! (the CLI takes them from `MCP_ORCHESTRATION_FAILPOINT=POINT:MARKER`); when the write path
//! reaches that point it creates the marker and waits until the marker is removed. A test can
//! then `kill -9` the process mid-write, or edit the target before letting it go on.

use std::path::{Path, PathBuf};

/// The points of the client-file write path (deploy, rollback), in order.
pub const WRITE_POINTS: &[&str] = &["after-read", "after-lock", "after-temp-write", "before-rename", "after-rename"];

/// The points of a publish (also reached by import --publish, draft publish, init, migrate).
pub const PUBLISH_POINTS: &[&str] =
    &["publish-after-object", "publish-after-envelope", "publish-after-head", "publish-after-seen"];

/// The points of storing a pull: a batch's temps durable but not yet renamed, a batch's
/// objects and envelopes in place (beyond the head), then the head, then the floor, moved
/// once for the whole pull. A pause stops at the first batch to reach it.
pub const PULL_POINTS: &[&str] =
    &["pull-batch-before-rename", "pull-after-batch", "pull-after-head", "pull-after-seen"];
/// The points of `keys rotate`.
pub const ROTATE_POINTS: &[&str] =
    &["rotate-after-trust", "rotate-after-retire", "rotate-after-signing-key", "rotate-after-verification-key"];

/// The points of `import` (before its publish, if any) and of `gc`.
pub const OTHER_POINTS: &[&str] =
    &["import-after-draft", "gc-after-events", "gc-after-backups", "gc-after-signatures", "gc-after-temps"];

/// Every point.
pub const POINTS: &[&str] = &[
    "after-read",
    "after-lock",
    "after-temp-write",
    "before-rename",
    "after-rename",
    "publish-after-object",
    "publish-after-envelope",
    "publish-after-head",
    "publish-after-seen",
    "pull-batch-before-rename",
    "pull-after-batch",
    "pull-after-head",
    "pull-after-seen",
    "rotate-after-trust",
    "rotate-after-retire",
    "rotate-after-signing-key",
    "rotate-after-verification-key",
    "import-after-draft",
    "gc-after-events",
    "gc-after-backups",
    "gc-after-signatures",
    "gc-after-temps",
];

/// Which point to pause at, and the marker file that signals it.
#[derive(Debug, Clone, Default)]
pub struct FailPoints {
    pause_at: Option<(String, PathBuf)>,
}

impl FailPoints {
    /// No fail point.
    pub fn none() -> Self {
        Self::default()
    }

    /// Pause at `point`, signalling through `marker`.
    pub fn pause_at(point: &str, marker: &Path) -> Self {
        FailPoints { pause_at: Some((point.to_owned(), marker.to_path_buf())) }
    }

    /// Called by the write path at each point.
    pub fn reach(&self, point: &str) {
        #[cfg(feature = "failpoints")]
        if let Some((name, marker)) = &self.pause_at
            && name == point
        {
            let _ = std::fs::write(marker, point);
            while marker.exists() {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        #[cfg(not(feature = "failpoints"))]
        let _ = (point, &self.pause_at);
    }
}
