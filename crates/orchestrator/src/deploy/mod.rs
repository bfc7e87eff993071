//! Writing profiles into client files: the safe write path, deployment records and backups,
//! and test-only fail points. The merge itself (what bytes to write) is the dialects crate's
//! lossless editor; the service puts the pieces together.

pub mod failpoint;
pub mod record;
pub mod write;
