//! Crash safety of the client-file write path, with the test-only fail points (built with
//! the `failpoints` feature): a deploy paused at each step and killed with SIGKILL leaves the
//! old or the new bytes; an edit made while a deploy is paused is never clobbered; a held lock
//! makes a second deploy give up with exit 7.

use std::path::{Path, PathBuf};
use std::process::Child;

use mcp_testkit::TestEnv;

use super::common::*;

const POINTS: [&str; 5] = ["after-read", "after-temp-write", "before-rename", "after-rename", "after-lock"];

/// Starts a deploy that pauses at `point`, and waits until it is there.
fn paused_deploy(env: &TestEnv, profile: &str, file: &Path, point: &str, marker: &Path) -> Child {
    let file = file.to_str().expect("utf8");
    super::crash_ops::paused(env, &["deploy", "cursor", "--profile", profile, "--file", file], point, marker)
}

fn temps_next_to(file: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(file.parent().expect("dir"))
        .expect("list")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(".mcpo-tmp-")))
        .collect()
}

#[test]
fn a_deploy_killed_at_any_step_leaves_the_old_or_the_new_bytes() {
    let env = initialized();
    let file = env.write_file("c/mcp.json", "{\n  \"mcpServers\": {\n    \"keep\": {\"command\": \"user\"}\n  }\n}\n");
    let marker = env.root().join("marker");
    let mut round = 0;
    // The last point kills runs that leave a temp file, which the final deploy must clean.
    for point in ["after-read", "after-lock", "after-rename", "before-rename", "after-temp-write"] {
        assert!(POINTS.contains(&point));
        for i in 0..20 {
            round += 1;
            let profile = if i % 2 == 0 { "a" } else { "b" };
            // A new version each round, so that every deploy changes the file.
            publish(&env, "cursor", profile, &servers(&format!("server-{round}"), "npx"));
            let old = std::fs::read(&file).expect("read");
            // What a completed deploy would write.
            let new =
                run(&env, &["render", "cursor", "--profile", profile, "--into", file.to_str().expect("utf8")]).stdout;
            let mut child = paused_deploy(&env, profile, &file, point, &marker);
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            std::fs::remove_file(&marker).expect("remove marker");
            let now = std::fs::read(&file).expect("read");
            assert!(
                now == old || now == new,
                "round {round} at {point}: the file is neither the old nor the new bytes"
            );
            let _: serde_json::Value = serde_json::from_slice(&now).expect("still parses");
        }
    }
    // The next run removes the temp files killed runs left behind.
    assert!(!temps_next_to(&file).is_empty(), "killed runs left temp files to clean");
    let out = run(&env, &["deploy", "cursor", "--profile", "a", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(temps_next_to(&file).is_empty(), "stale temps cleaned");
}

#[test]
fn an_edit_made_while_a_deploy_is_paused_is_never_clobbered() {
    let env = initialized();
    let file = env.write_file("c/mcp.json", "{\n  \"mcpServers\": {}\n}\n");
    publish(&env, "cursor", "a", &servers("from-a", "npx"));
    let marker = env.root().join("marker");
    let child = paused_deploy(&env, "a", &file, "before-rename", &marker);
    let edited = "{\n  \"mcpServers\": {\"typed-by-the-user\": {\"command\": \"x\"}}\n}\n";
    std::fs::write(&file, edited).expect("external edit");
    std::fs::remove_file(&marker).expect("let the deploy go on");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), edited);
}

#[test]
fn a_held_lock_gives_exit_7_after_the_lock_timeout_and_changes_nothing() {
    let env = initialized();
    let file = env.write_file("c/mcp.json", "{\n  \"mcpServers\": {}\n}\n");
    publish(&env, "cursor", "a", &servers("from-a", "npx"));
    let marker = env.root().join("marker");
    let mut holder = paused_deploy(&env, "a", &file, "after-lock", &marker);
    let before = std::fs::read(&file).expect("read");
    let out = run(
        &env,
        &["deploy", "cursor", "--profile", "a", "--file", file.to_str().expect("utf8"), "--lock-timeout", "1"],
    );
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("is locked by another process"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), before);
    holder.kill().expect("kill");
    holder.wait().expect("reap");
}

#[test]
fn a_file_created_while_a_deploy_into_a_missing_file_is_paused_is_never_replaced() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("from-a", "npx"));
    let file = env.root().join("new/mcp.json");
    let marker = env.root().join("marker");
    let child = paused_deploy(&env, "a", &file, "before-rename", &marker);
    let created = "{\n  \"mcpServers\": {\"made-meanwhile\": {\"command\": \"x\"}}\n}\n";
    std::fs::write(&file, created).expect("created by someone else");
    std::fs::remove_file(&marker).expect("let the deploy go on");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), created);
    assert!(temps_next_to(&file).is_empty(), "the deploy's temp file is gone");
    let backups = env.home().join("deployments/backups");
    let left: Vec<_> = std::fs::read_dir(&backups).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "a failed write leaves no backup that no record names: {left:?}");
}
