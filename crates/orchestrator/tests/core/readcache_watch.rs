//! The read cache with its watch set (inotify, Linux): a read is remembered at once (no racy
//! window to wait out: the kernel reports every change, whatever the timestamps), answered
//! after one drain of the queue, and every change another process makes is noticed on the very
//! next read: a file rewritten in place right after it was read, a head renamed over, a key
//! deleted, a directory's mode changed, a new file in a watched directory, a new directory for
//! a client that had none, a write through a hard link made elsewhere. What an adapter derives
//! from a read (`get_derived`) lives exactly as long as the read.
//!
//! "Another process" is a second core on the same home that shares no memory with the cached
//! one, or plain file writes: the cached core sees only the filesystem either way.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_testkit::TestEnv;
use orchestrator::Orchestrator;
use orchestrator::error::ErrorKind;
use orchestrator::home::Home;
use serde_json::json;

use crate::common::*;

fn doc(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

/// A home with `cursor/team` at version 1 ("one") published just now, and a watching core
/// that has read it twice: the second read came from memory although the files are fresh.
fn remembered_now() -> (TestEnv, Orchestrator, Orchestrator) {
    let (env, writer) = initialized();
    assert!(orchestrator::watch::is_local_filesystem(&env.home()), "the test home is on a local filesystem");
    writer.publish("cursor", "team", &doc("one"), None, None).expect("publish v1");
    let reader = orchestrator_at(&env, now()).with_read_cache();
    assert_eq!(reader.get("cursor", "team").expect("first read").statement().version, 1);
    assert_eq!(reader.get("cursor", "team").expect("second read").statement().version, 1);
    assert_eq!(reader.read_cache_hits(), 1, "remembered at once: no racy window with the watch set");
    (env, reader, writer)
}

fn rewrite_in_place(path: &std::path::Path, from: &[u8], to: &[u8]) {
    let mut bytes = std::fs::read(path).expect("read");
    let at = bytes.windows(from.len()).position(|w| w == from).expect("the text is there");
    bytes[at..at + to.len()].copy_from_slice(to);
    let mut file = std::fs::OpenOptions::new().write(true).open(path).expect("open for writing");
    file.seek(SeekFrom::Start(0)).expect("seek");
    file.write_all(&bytes).expect("write in place");
}

#[test]
fn a_file_rewritten_in_place_right_after_the_read_is_noticed_on_the_next_read() {
    let (env, reader, _writer) = remembered_now();
    // Same size, within the same timestamp tick as the read: stamps could not tell.
    let envelope = env.home().join("history/cursor/team/0000000001.json");
    rewrite_in_place(&envelope, b"\"version\":1", b"\"version\":7");
    let refused = reader.get("cursor", "team").expect_err("a tampered envelope");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
    assert_eq!(reader.read_cache_hits(), 1, "not answered from memory");
}

#[test]
fn a_head_renamed_over_by_another_process_is_read_on_the_next_read() {
    let (_env, reader, writer) = remembered_now();
    writer.publish("cursor", "team", &doc("two"), None, None).expect("publish v2 (a head renamed over)");
    let read = reader.get("cursor", "team").expect("the new head");
    assert_eq!(read.statement().version, 2);
    assert_eq!(read.payload()["mcpServers"]["probe"]["args"], json!(["two"]));
    // And the new read is remembered at once again.
    assert_eq!(reader.get("cursor", "team").expect("again").statement().version, 2);
    assert_eq!(reader.read_cache_hits(), 2);
}

#[test]
fn a_trusted_key_deleted_by_another_process_is_refused_on_the_next_read() {
    let (env, reader, _writer) = remembered_now();
    let key = Home::new(env.home()).trusted_key(key_a().public().id().hex());
    std::fs::remove_file(&key).expect("delete the trusted key");
    let refused = reader.get("cursor", "team").expect_err("signed by a key no longer trusted");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
}

#[test]
fn a_heads_directory_made_writable_by_others_is_refused_on_the_next_read() {
    let (env, reader, _writer) = remembered_now();
    let heads = env.home().join("heads/cursor");
    std::fs::set_permissions(&heads, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let refused = reader.get("cursor", "team").expect_err("a heads directory others can write");
    assert_eq!(refused.kind(), ErrorKind::Unsafe, "{refused}");
    assert!(refused.to_string().contains("chmod"), "says what to run: {refused}");
    assert_eq!(reader.read_cache_hits(), 1);
}

#[test]
fn a_new_file_in_a_watched_directory_is_read_on_the_next_read() {
    let (env, reader, writer) = remembered_now();
    // cursor has a heads directory (team); its `default` follows the shared profile.
    assert_eq!(reader.get("cursor", "default").expect("shared").statement().client_id, "_shared");
    assert_eq!(reader.get("cursor", "default").expect("shared").statement().client_id, "_shared");
    assert_eq!(reader.read_cache_hits(), 2);
    assert!(!env.home().join("heads/cursor/default.json").exists());
    writer.publish("cursor", "default", &doc("own"), None, None).expect("cursor's own default (a new file)");
    let read = reader.get("cursor", "default").expect("cursor's own default");
    assert_eq!(read.statement().client_id, "cursor", "the new head, not the remembered shared one");
}

#[test]
fn a_new_directory_for_a_client_that_had_none_is_read_on_the_next_read() {
    let (env, writer) = initialized();
    let reader = orchestrator_at(&env, now()).with_read_cache();
    assert!(!env.home().join("heads/windsurf").exists(), "windsurf has no heads directory yet");
    for _ in 0..2 {
        assert_eq!(reader.get("windsurf", "default").expect("shared").statement().client_id, "_shared");
    }
    assert_eq!(reader.read_cache_hits(), 1);
    writer.publish("windsurf", "default", &doc("own"), None, None).expect("a new heads directory");
    let read = reader.get("windsurf", "default").expect("windsurf's own");
    assert_eq!(read.statement().client_id, "windsurf");
    assert_eq!(read.payload()["mcpServers"]["probe"]["args"], json!(["own"]));
}

#[test]
fn a_write_through_a_hard_link_made_elsewhere_is_noticed_on_the_next_read() {
    let (env, reader, _writer) = remembered_now();
    let seen = env.home().join("seen/cursor/team.json");
    let elsewhere = tempfile::tempdir_in(env.root()).expect("a directory outside the home");
    let link = elsewhere.path().join("floor");
    std::fs::hard_link(&seen, &link).expect("link");
    // The link itself is a change of the inode (its link count).
    let _ = reader.get("cursor", "team");
    assert_eq!(reader.get("cursor", "team").expect("remembered again").statement().version, 1);
    let hits = reader.read_cache_hits();
    rewrite_in_place(&link, b": 1", b": 2");
    let refused = reader.get("cursor", "team").expect_err("the floor raised through the link");
    assert_eq!(refused.kind(), ErrorKind::Freshness, "{refused}");
    assert_eq!(reader.read_cache_hits(), hits, "not answered from memory");
}

#[test]
fn a_derived_answer_lives_exactly_as_long_as_the_read() {
    let (_env, reader, writer) = remembered_now();
    let derived = AtomicUsize::new(0);
    let derive = |verified: &orchestrator::artifact::Verified| {
        derived.fetch_add(1, Ordering::SeqCst);
        verified.statement().version
    };
    let first = reader.get_derived("cursor", "team", derive).expect("derived");
    let second = reader.get_derived("cursor", "team", derive).expect("remembered");
    assert_eq!((*first, *second), (1, 1));
    assert!(Arc::ptr_eq(&first, &second), "the same value, not derived again");
    assert_eq!(derived.load(Ordering::SeqCst), 1);
    writer.publish("cursor", "team", &doc("two"), None, None).expect("publish v2");
    assert_eq!(*reader.get_derived("cursor", "team", derive).expect("derived again"), 2);
    assert_eq!(derived.load(Ordering::SeqCst), 2);
    // A core without the cache derives every time.
    let one_shot = orchestrator_at(&_env, now());
    assert_eq!(*one_shot.get_derived("cursor", "team", derive).expect("derived"), 2);
    assert_eq!(derived.load(Ordering::SeqCst), 3);
}

#[test]
fn a_failed_read_is_not_derived_and_its_error_is_the_core_s() {
    let (_env, reader, _writer) = remembered_now();
    let refused = reader.get_derived("cursor", "nothing-here", |_| ()).expect_err("no such profile");
    assert_eq!(refused.kind(), ErrorKind::NotFound, "{refused}");
}

/// `get_derived` judges the trust store and the head at one drain of the watch set.
fn derived_version(reader: &Orchestrator) -> orchestrator::Result<u64> {
    reader.get_derived("cursor", "team", |verified| verified.statement().version).map(|v| *v)
}

#[test]
fn a_derived_read_refuses_a_trusted_key_deleted_by_another_process_on_the_next_call() {
    let (env, reader, _writer) = remembered_now();
    assert_eq!(derived_version(&reader).expect("derived"), 1);
    assert_eq!(derived_version(&reader).expect("remembered"), 1);
    let key = Home::new(env.home()).trusted_key(key_a().public().id().hex());
    std::fs::remove_file(&key).expect("delete the trusted key");
    let refused = derived_version(&reader).expect_err("signed by a key no longer trusted");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
}

#[test]
fn a_derived_read_notices_a_file_rewritten_in_place_on_the_next_call() {
    let (env, reader, _writer) = remembered_now();
    assert_eq!(derived_version(&reader).expect("derived"), 1);
    let hits = reader.read_cache_hits();
    let envelope = env.home().join("history/cursor/team/0000000001.json");
    rewrite_in_place(&envelope, b"\"version\":1", b"\"version\":7");
    let refused = derived_version(&reader).expect_err("a tampered envelope");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
    assert_eq!(reader.read_cache_hits(), hits, "not answered from memory");
}
