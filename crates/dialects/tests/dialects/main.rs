//! Integration tests of the dialects crate, one binary: the real-world corpus (import and
//! byte-identical render), lossless edits, per-dialect quirks, path resolution and secrets.

mod corpus;
mod edits;
mod hostile;
mod lock_field;
mod paths;
mod quirks;
mod secrets;
mod sources;
mod support;
