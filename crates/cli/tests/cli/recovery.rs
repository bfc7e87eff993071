//! What crashes and hostile files leave, and how the next command deals with it: special and
//! oversized client files are refused at once (exit 10); stale temp files go with the next
//! write to their directory (a temp a live writer holds stays); an unfinished publish is
//! repaired, a tampered version beyond the head is not; an untrusted signing key is flagged and
//! fixed by `doctor --fix`; `gc` removes only what nothing needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mcp_testkit::TestEnv;
use serde_json::Value;

use super::common::*;

/// Runs the binary with a deadline, so that a hang fails the test instead of blocking it.
fn run_bounded(env: &TestEnv, args: &[&str]) -> Output {
    let mut cmd: Command = env.std_command(BIN);
    let mut child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let started = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill");
            panic!("{args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn a_fifo_named_like_a_client_file_is_refused_at_once_by_every_reader() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("one", "npx"));
    let fifo = env.root().join("c/mcp.json");
    std::fs::create_dir_all(fifo.parent().expect("dir")).expect("dir");
    mkfifo(&fifo);
    let f = fifo.to_str().expect("utf8");
    for args in [
        vec!["deploy", "cursor", "--profile", "a", "--file", f],
        vec!["diff", "cursor", "--profile", "a", "--file", f],
        vec!["import", "cursor", "--profile", "b", "--file", f],
        vec!["render", "cursor", "--profile", "a", "--into", f],
    ] {
        let out = run_bounded(&env, &args);
        assert_eq!(code(&out), 10, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("is a FIFO (named pipe), not a regular file"), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::symlink_metadata(&fifo).expect("stat").file_type().is_fifo(), "left as it was");
}

#[test]
fn a_symlink_to_a_device_and_an_oversized_file_are_refused_before_reading() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("one", "npx"));
    let link = env.root().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    let out = run_bounded(&env, &["deploy", "cursor", "--profile", "a", "--file", link.to_str().expect("utf8")]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("is a character device, not a regular file"), "{}", stderr(&out));

    let big = env.root().join("big.json");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(16 * 1024 * 1024 + 1).expect("grow");
    let out = run_bounded(&env, &["import", "cursor", "--profile", "b", "--file", big.to_str().expect("utf8")]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("is larger than 16 MiB"), "{}", stderr(&out));
    // Exactly at the limit is read (and refused only because it is not JSON).
    file.set_len(16 * 1024 * 1024).expect("shrink");
    let out = run_bounded(&env, &["import", "cursor", "--profile", "b", "--file", big.to_str().expect("utf8")]);
    assert!(!stderr(&out).contains("larger than"), "{}", stderr(&out));
}

fn plant_temp(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join(".tmp-left-by-a-killed-write");
    std::fs::write(&path, "partial").expect("write");
    path
}

#[test]
fn stale_temps_go_with_the_next_write_to_their_directory_and_held_ones_stay() {
    let env = initialized();
    let home = env.home();
    let planted: Vec<PathBuf> = ["objects", "history/cursor/a", "heads/cursor", "seen/cursor", "keys/trusted"]
        .iter()
        .map(|d| plant_temp(&home.join(d)))
        .collect();
    // A temp a live writer holds (its flock) is not stale.
    let held_path = home.join("objects/.tmp-being-written");
    std::fs::write(&held_path, "in flight").expect("write");
    let held = std::fs::File::open(&held_path).expect("open");
    held.lock().expect("lock");
    let out = run(&env, &["doctor", "--json"]);
    let temps =
        json(&out)["checks"].as_array().expect("checks").iter().find(|c| c["name"] == "stale temp files").cloned();
    let detail = temps.expect("temp check")["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains(".tmp-left-by-a-killed-write") && !detail.contains("being-written"), "{detail}");

    publish(&env, "cursor", "a", &servers("one", "npx"));
    for path in &planted[..4] {
        assert!(!path.exists(), "{} outlived a write to its directory", path.display());
    }
    assert!(planted[4].exists(), "keys/trusted/ was not written");
    assert!(held_path.exists(), "a held temp is left alone");
    let key = env
        .write_file("other.pub", &run(&env, &["keys", "export"]).stdout.iter().map(|b| *b as char).collect::<String>());
    let out = run(&env, &["keys", "trust", key.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!planted[4].exists(), "keys/trusted/ written: its stale temp is gone");
    drop(held);
    let out = run(&env, &["gc", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!held_path.exists(), "released, it is stale and gc removes it");
}

fn history_versions(env: &TestEnv) -> Vec<u64> {
    let out = run(env, &["history", "cursor", "--profile", "a", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["history"].as_array().expect("list").iter().filter_map(|e| e["version"].as_u64()).collect()
}

#[test]
fn a_tampered_version_beyond_the_head_is_not_an_orphan_and_publish_refuses_it() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("one", "npx"));
    let home = env.home();
    let head = std::fs::read(home.join("heads/cursor/a.json")).expect("head");
    let seen = std::fs::read(home.join("seen/cursor/a.json")).expect("seen");
    publish(&env, "cursor", "a", &servers("two", "npx"));
    // Head and floor back at 1: version 2 now looks like an unfinished publish...
    std::fs::write(home.join("heads/cursor/a.json"), &head).expect("restore head");
    std::fs::write(home.join("seen/cursor/a.json"), &seen).expect("restore seen");
    // ...but its bytes were changed, so it is not one this home signed.
    let v2 = home.join("history/cursor/a/0000000002.json");
    let tampered = String::from_utf8(std::fs::read(&v2).expect("v2")).expect("utf8").replacen(
        "\"created_at\":\"2026",
        "\"created_at\":\"2025",
        1,
    );
    assert!(tampered.contains("\"created_at\":\"2025"), "the envelope was changed");
    std::fs::write(&v2, &tampered).expect("tamper");
    let before = env.snapshot();
    let doc = env.write_file("three.json", &servers("three", "npx"));
    let out = run(&env, &["publish", "cursor", "--profile", "a", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("version 2 exists although the head and the rollback floor are below it"),
        "{}",
        stderr(&out)
    );
    let after: Vec<_> = env.snapshot().into_iter().filter(|(n, _)| !n.contains("events/")).collect();
    let before: Vec<_> = before.into_iter().filter(|(n, _)| !n.contains("events/")).collect();
    assert_eq!(after, before, "a refusal changes nothing");
    let out = run(&env, &["doctor", "--fix", "--json"]);
    assert_eq!(std::fs::read_to_string(&v2).expect("kept"), tampered, "doctor --fix leaves it: {}", stderr(&out));
}

#[test]
fn an_unfinished_publish_is_dropped_by_doctor_fix_and_a_floor_above_the_head_adopted() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("one", "npx"));
    let home = env.home();
    let head1 = std::fs::read(home.join("heads/cursor/a.json")).expect("head");
    let seen1 = std::fs::read(home.join("seen/cursor/a.json")).expect("seen");
    publish(&env, "cursor", "a", &servers("two", "npx"));
    // What a kill between the envelope and the head leaves: version 2 beyond head and floor.
    std::fs::write(home.join("heads/cursor/a.json"), &head1).expect("head");
    std::fs::write(home.join("seen/cursor/a.json"), &seen1).expect("seen");
    let out = run(&env, &["doctor", "--json"]);
    let report: Value = json(&out);
    let check = report["checks"].as_array().expect("checks").iter().find(|c| c["name"] == "unfinished writes").cloned();
    let check = check.expect("reported");
    assert_eq!(check["verdict"], "warn");
    assert!(
        check["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("cursor/a: version 2 was written by a publish that did not finish"),
        "{check}"
    );
    let out = run(&env, &["doctor", "--fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!home.join("history/cursor/a/0000000002.json").exists());
    assert_eq!(history_versions(&env), vec![1]);

    // What an older release's kill between the floor and the head leaves: floor 2, head 1.
    publish(&env, "cursor", "a", &servers("two-again", "npx"));
    std::fs::write(home.join("heads/cursor/a.json"), &head1).expect("head");
    let out = run(&env, &["get", "cursor", "--profile", "a"]);
    assert_eq!(code(&out), 9, "a head below the floor is refused: {}", stderr(&out));
    let out = run(&env, &["doctor", "--fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["get", "cursor", "--profile", "a"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("two-again"));
    assert_eq!(code(&run(&env, &["verify", "--all"])), 0);
}

#[test]
fn an_untrusted_signing_key_is_flagged_and_doctor_fix_trusts_it() {
    let env = initialized();
    let out = run(&env, &["keys", "show", "--json"]);
    let id = json(&out)["signing_key_id"].as_str().expect("id").to_owned();
    let hex = id.strip_prefix("sha256:").expect("prefix");
    std::fs::remove_file(env.home().join(format!("keys/trusted/{hex}.pub"))).expect("untrust by hand");
    let doc = env.write_file("d.json", &servers("one", "npx"));
    let out = run(&env, &["publish", "cursor", "--profile", "a", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    let out = run(&env, &["doctor", "--json"]);
    assert_eq!(code(&out), 1);
    let checks = json(&out)["checks"].clone();
    let check = checks.as_array().expect("checks").iter().find(|c| c["name"] == "signing key trusted").cloned();
    let check = check.expect("flagged");
    assert_eq!(check["verdict"], "fail");
    assert!(check["detail"].as_str().unwrap_or_default().contains("is not in keys/trusted/"), "{check}");
    let out = run(&env, &["doctor", "--fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("fixed: trusted this home's own signing key"), "{}", stderr(&out));
    let out = run(&env, &["publish", "cursor", "--profile", "a", "--file", doc.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The README's list of what a refusal may create, pinned down: on a fresh home, each kind of
/// refusal leaves every file as it was and adds nothing but the event log, empty lock files
/// and empty signature-cache entries.
#[test]
fn a_refusal_on_a_fresh_home_creates_only_the_files_the_readme_lists() {
    let env = initialized();
    let everything = |env: &TestEnv| {
        let mut files = Vec::new();
        let mut stack = vec![env.home()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let name = path.strip_prefix(env.home()).expect("inside").to_string_lossy().into_owned();
                    files.push((name, std::fs::read(&path).expect("read")));
                }
            }
        }
        files.sort();
        files
    };
    let bad_doc = env.write_file(
        "bad.json",
        r#"{"mcpServers": {"x": {"command": "npx", "env": {"API_KEY": "sk-literal0123456789abcdef"}}}}"#,
    );
    let unparsable = env.write_file("c/mcp.json", "{ not json");
    let unresolvable = env.write_file(
        "unresolvable.json",
        r#"{"mcpServers": {"x": {"command": "npx", "env": {"A": "${secret:MISSING}"}}}}"#,
    );
    let out =
        run(&env, &["publish", "claude-desktop", "--profile", "u", "--file", unresolvable.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let refusals: Vec<(Vec<&str>, i32)> = vec![
        (vec!["publish", "cursor", "--profile", "p", "--file", bad_doc.to_str().expect("utf8")], 6),
        (vec!["deploy", "cursor", "--profile", "default", "--file", unparsable.to_str().expect("utf8")], 10),
        (vec!["deploy", "claude-desktop", "--profile", "u", "--file", unparsable.to_str().expect("utf8")], 6),
        (vec!["get", "cursor", "--profile", "nope"], 3),
    ];
    for (args, expected) in refusals {
        let before = everything(&env);
        let out = run(&env, &args);
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
        let after = everything(&env);
        for (name, bytes) in &before {
            if name.starts_with("events/") {
                continue;
            }
            let now = after.iter().find(|(n, _)| n == name).map(|(_, b)| b);
            assert_eq!(now, Some(bytes), "{args:?} changed {name}");
        }
        for (name, bytes) in &after {
            if before.iter().any(|(n, _)| n == name) {
                continue;
            }
            let allowed = name.starts_with("events/")
                || ((name == ".lock" || name.starts_with("locks/") || name.starts_with("cache/signatures/"))
                    && bytes.is_empty());
            assert!(allowed, "{args:?} created {name}, which the README does not list");
        }
    }
}
