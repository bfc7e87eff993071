//! The read cache of a long-running core (`Orchestrator::with_read_cache`): a verified head is
//! remembered under the stamps of the files it was read from, and every change another
//! process makes to one of them is noticed on the very next read: a head moved, an envelope or
//! a payload object rewritten in place with the same size, a key untrusted, the rollback floor
//! raised, and expiry (the clock, not a file). A core without the cache (a one-shot CLI)
//! remembers nothing; files changed less than the racy window ago are never remembered.
//!
//! These tests hold with the watch set (inotify, the default on Linux) and without it
//! (`with_read_cache_stamps_only`: the stamps); `readcache_watch.rs` has the watch set's own.
//!
//! "Another process" is a second core on the same home that shares no memory with the cached
//! one, or plain file writes: the cached core sees only the filesystem either way. Each test
//! waits out the racy window once (2 s) so that the first read can be remembered at all.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::sync::{Arc, Mutex};

use mcp_testkit::TestEnv;
use orchestrator::Orchestrator;
use orchestrator::clock::Clock;
use orchestrator::error::ErrorKind;
use orchestrator::home::Home;
use orchestrator::readcache::RACY_WINDOW;
use serde_json::json;

use crate::common::*;

/// A clock the test moves.
struct MovableClock(Mutex<jiff::Timestamp>);

impl Clock for MovableClock {
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().expect("clock")
    }
}

fn doc(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

/// Waits until every file written so far is older than the racy window.
fn settle() {
    std::thread::sleep(RACY_WINDOW + std::time::Duration::from_millis(150));
}

/// An initialized home with `cursor/team` at version 1 ("one"), settled, and a core with the
/// read cache that has read it twice: the second read came from memory.
fn remembered() -> (TestEnv, Orchestrator, Orchestrator) {
    let (env, writer) = initialized();
    writer.publish("cursor", "team", &doc("one"), None, None).expect("publish v1");
    settle();
    let reader = orchestrator_at(&env, now()).with_read_cache();
    assert_eq!(reader.get("cursor", "team").expect("first read").statement().version, 1);
    assert_eq!(reader.read_cache_hits(), 0, "the first read reads the files");
    assert_eq!(reader.get("cursor", "team").expect("second read").statement().version, 1);
    assert_eq!(reader.read_cache_hits(), 1, "the second read is remembered");
    (env, reader, writer)
}

/// Rewrites `path` in place (same inode, same size): `edit` gets its bytes.
fn rewrite_in_place(path: &std::path::Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).expect("read");
    let size = bytes.len();
    edit(&mut bytes);
    assert_eq!(bytes.len(), size, "the edit keeps the size");
    let mut file = std::fs::OpenOptions::new().write(true).open(path).expect("open for writing");
    file.seek(SeekFrom::Start(0)).expect("seek");
    file.write_all(&bytes).expect("write in place");
}

/// Replaces the first occurrence of `from` by `to` (same length).
fn replace_once(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let at = bytes.windows(from.len()).position(|w| w == from).expect("the text is there");
    bytes[at..at + to.len()].copy_from_slice(to);
}

#[test]
fn a_head_moved_by_another_process_is_read_on_the_next_call() {
    let (_env, reader, writer) = remembered();
    writer.publish("cursor", "team", &doc("two"), None, None).expect("publish v2");
    let read = reader.get("cursor", "team").expect("read after the publish");
    assert_eq!(read.statement().version, 2);
    assert_eq!(read.payload()["mcpServers"]["probe"]["args"], json!(["two"]));
    assert_eq!(reader.read_cache_hits(), 1, "not answered from memory");
}

#[test]
fn an_own_profile_published_over_the_shared_one_is_read_on_the_next_call() {
    let (env, writer) = initialized();
    settle();
    let reader = orchestrator_at(&env, now()).with_read_cache();
    for _ in 0..2 {
        let read = reader.get("cursor", "default").expect("the shared default");
        assert_eq!(read.statement().client_id, "_shared");
    }
    assert_eq!(reader.read_cache_hits(), 1, "remembered, although cursor has no head of its own");
    writer.publish("cursor", "default", &doc("own"), None, None).expect("publish cursor's own default");
    let read = reader.get("cursor", "default").expect("cursor's own default");
    assert_eq!(read.statement().client_id, "cursor", "the new head, not the remembered shared one");
    assert_eq!(read.payload()["mcpServers"]["probe"]["args"], json!(["own"]));
}

#[test]
fn an_envelope_rewritten_in_place_with_the_same_size_is_refused_on_the_next_call() {
    let (env, reader, _writer) = remembered();
    let envelope = env.home().join("history/cursor/team/0000000001.json");
    rewrite_in_place(&envelope, |bytes| replace_once(bytes, b"\"version\":1", b"\"version\":7"));
    let refused = reader.get("cursor", "team").expect_err("a tampered envelope");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
    assert_eq!(reader.read_cache_hits(), 1);
}

#[test]
fn a_payload_object_rewritten_in_place_with_the_same_size_is_refused_on_the_next_call() {
    let (env, reader, _writer) = remembered();
    let id = reader.get("cursor", "team").expect("remembered").id().clone();
    assert_eq!(reader.read_cache_hits(), 2);
    let object = Home::new(env.home()).object(&id);
    rewrite_in_place(&object, |bytes| replace_once(bytes, b"\"one\"", b"\"two\""));
    let refused = reader.get("cursor", "team").expect_err("a tampered payload");
    assert_eq!(refused.kind(), ErrorKind::Integrity, "{refused}");
    assert!(refused.to_string().contains(&id.to_string()), "names the id it should have: {refused}");
    assert_eq!(reader.read_cache_hits(), 2);
}

#[test]
fn a_key_untrusted_by_another_process_is_refused_on_the_next_call() {
    let (env, reader, _writer) = remembered();
    let key = Home::new(env.home()).trusted_key(key_a().public().id().hex());
    std::fs::remove_file(&key).expect("untrust the key as another process would");
    let refused = reader.get("cursor", "team").expect_err("signed by a key no longer trusted");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
    assert_eq!(reader.read_cache_hits(), 1);
}

#[test]
fn a_rollback_floor_raised_by_another_process_is_refused_on_the_next_call() {
    let (env, reader, _writer) = remembered();
    let seen = env.home().join("seen/cursor/team.json");
    rewrite_in_place(&seen, |bytes| replace_once(bytes, b": 1", b": 2"));
    let refused = reader.get("cursor", "team").expect_err("below the floor");
    assert_eq!(refused.kind(), ErrorKind::Freshness, "{refused}");
    assert!(refused.to_string().contains("rollback") || refused.to_string().contains("highest"), "{refused}");
    assert_eq!(reader.read_cache_hits(), 1);
}

#[test]
fn an_artifact_that_expires_while_remembered_is_refused_on_the_next_call() {
    let (env, writer) = initialized();
    writer
        .publish("cursor", "team", &doc("brief"), None, Some(std::time::Duration::from_secs(3600)))
        .expect("publish with an expiry");
    settle();
    let clock = Arc::new(MovableClock(Mutex::new(now())));
    let reader = Orchestrator::new(Home::new(env.home()), clock.clone()).with_read_cache();
    reader.get("cursor", "team").expect("first read");
    reader.get("cursor", "team").expect("second read");
    assert_eq!(reader.read_cache_hits(), 1);
    *clock.0.lock().expect("clock") = now_plus(3601);
    let refused = reader.get("cursor", "team").expect_err("expired");
    assert_eq!(refused.kind(), ErrorKind::Freshness, "{refused}");
    assert!(refused.to_string().contains("expire"), "{refused}");
}

#[test]
fn without_a_watch_set_files_changed_within_the_racy_window_are_not_remembered() {
    let (env, writer) = initialized();
    writer.publish("cursor", "team", &doc("fresh"), None, None).expect("publish");
    let reader = orchestrator_at(&env, now()).with_read_cache_stamps_only();
    for _ in 0..3 {
        assert_eq!(reader.get("cursor", "team").expect("read").statement().version, 1);
    }
    assert_eq!(reader.read_cache_hits(), 0, "every read verified the files again");
}

#[test]
fn a_core_without_the_read_cache_reads_and_verifies_every_time() {
    let (env, writer) = initialized();
    writer.publish("cursor", "team", &doc("one"), None, None).expect("publish");
    settle();
    let one_shot = orchestrator_at(&env, now());
    for _ in 0..3 {
        assert_eq!(one_shot.get("cursor", "team").expect("read").statement().version, 1);
    }
    assert_eq!(one_shot.read_cache_hits(), 0);
    writer.publish("cursor", "team", &doc("two"), None, None).expect("publish v2");
    assert_eq!(one_shot.get("cursor", "team").expect("read").statement().version, 2);
}

#[test]
fn without_a_watch_set_a_settled_read_is_remembered_by_its_stamps_and_a_change_noticed() {
    let (env, writer) = initialized();
    writer.publish("cursor", "team", &doc("one"), None, None).expect("publish v1");
    settle();
    let reader = orchestrator_at(&env, now()).with_read_cache_stamps_only();
    for _ in 0..2 {
        assert_eq!(reader.get("cursor", "team").expect("read").statement().version, 1);
    }
    assert_eq!(reader.read_cache_hits(), 1, "remembered under the stamps");
    writer.publish("cursor", "team", &doc("two"), None, None).expect("publish v2");
    assert_eq!(reader.get("cursor", "team").expect("read").statement().version, 2);
    assert_eq!(reader.read_cache_hits(), 1, "the head's stamp changed: read again");
}
