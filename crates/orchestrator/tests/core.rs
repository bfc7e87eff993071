//! Integration tests of the core library (one test binary): canonical bytes, Ed25519 vectors,
//! artifact verification and tampering, the registry through `Orchestrator` on real temp
//! homes, migration of a home written by the original Python tool, and the event log.
//!
//! Every test uses fixed keys and fixed instants; the modules live in `tests/core/`.

#[path = "core/common.rs"]
mod common;

#[path = "core/artifact_verify.rs"]
mod artifact_verify;
#[path = "core/canonical.rs"]
mod canonical;
#[path = "core/crypto_vectors.rs"]
mod crypto_vectors;
#[path = "core/events.rs"]
mod events;
#[path = "core/legacy.rs"]
mod legacy;
#[path = "core/name_index.rs"]
mod name_index;
#[path = "core/perms.rs"]
mod perms;
#[path = "core/readcache.rs"]
mod readcache;
#[path = "core/readcache_watch.rs"]
mod readcache_watch;
#[path = "core/registry.rs"]
mod registry;
#[path = "core/service.rs"]
mod service;
#[path = "core/tamper.rs"]
mod tamper;
#[path = "core/temps.rs"]
mod temps;
#[path = "core/verify_all.rs"]
mod verify_all;
