//! mcp-orchestration's core: canonical bytes and ids, keys and trust, signed artifacts, the
//! content-addressed store and registry, the event log, and the operations every adapter
//! (CLI, MCP server) calls.
//!
//! This crate knows nothing of MCP, HTTP, clap, terminals, environment variables or HOME:
//! adapters hand it a [`home::Home`] and a [`clock::Clock`].

pub mod adapt;
pub mod artifact;
pub mod audit;
pub mod canonical;
pub mod catalog;
pub mod clock;
pub mod crypto;
pub mod deploy;
pub mod diff;
pub mod env_allowlist;
pub mod error;
pub mod events;
pub mod fsutil;
pub mod home;
pub mod ids;
pub mod keys;
pub mod legacy;
pub mod lock;
pub mod name_index;
pub mod package_ref;
pub mod page;
pub mod policy;
pub mod pull_store;
pub mod readcache;
pub mod registry;
pub mod remote;
pub mod resolve;
pub mod secrets;
pub mod seed;
pub mod service;
pub mod sigcache;
pub mod trust;
pub mod watch;

pub use error::{Error, ErrorKind, Result};
pub use service::Orchestrator;
