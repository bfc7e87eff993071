//! Every write step of every writing operation, crashed (built with the `failpoints` feature):
//! publish, import, draft publish, keys rotate, deploy, rollback and gc each pause at every one
//! of their fail points in a child process that is then killed with SIGKILL; the home must then
//! pass `verify --all` and `doctor` (no failed check), and a further publish and deploy must
//! succeed and leave no temp file behind.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use mcp_testkit::TestEnv;
use orchestrator::deploy::failpoint::{OTHER_POINTS, PUBLISH_POINTS, ROTATE_POINTS, WRITE_POINTS};

use super::common::*;

/// Starts `args` paused at `point`, and waits until it is there.
pub fn paused(env: &TestEnv, args: &[&str], point: &str, marker: &Path) -> Child {
    let mut cmd = env.std_command(BIN);
    cmd.args(args)
        .env("MCP_ORCHESTRATION_FAILPOINT", format!("{point}:{}", marker.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    let started = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("{args:?} exited ({status}) before reaching {point}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{args:?} never reached {point}");
        std::thread::sleep(Duration::from_millis(2));
    }
    child
}

/// Runs `args` until `point`, then kills it with SIGKILL.
pub fn crash(env: &TestEnv, args: &[&str], point: &str) {
    let marker = env.root().join("marker");
    let mut child = paused(env, args, point, &marker);
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    std::fs::remove_file(&marker).expect("remove marker");
}

/// Every `.tmp-*` or client-file temp under `dir`.
pub fn temps_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            out.extend(temps_under(&path));
        } else if name.starts_with(".tmp-") || name.contains(".mcpo-tmp-") {
            out.push(path);
        }
    }
    out
}

/// The checks after a crash: `verify --all` and `doctor` pass, then a publish and a deploy of
/// a new version succeed, the file holds it, and no temp file is left in the home.
fn assert_recovers(env: &TestEnv, file: &Path, what: &str, round: &mut u32) {
    let out = run(env, &["verify", "--all"]);
    assert_eq!(code(&out), 0, "{what}: verify --all: {}", stderr(&out));
    let out = run(env, &["doctor", "--json"]);
    let report = json(&out);
    let failed: Vec<_> =
        report["checks"].as_array().expect("checks").iter().filter(|c| c["verdict"] == "fail").cloned().collect();
    assert!(failed.is_empty(), "{what}: doctor failed checks: {failed:?}");
    *round += 1;
    publish(env, "cursor", "a", &servers(&format!("after-{round}"), "npx"));
    let out = run(env, &["deploy", "cursor", "--profile", "a", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{what}: deploy: {}", stderr(&out));
    let deployed = std::fs::read_to_string(file).expect("read");
    assert!(deployed.contains(&format!("after-{round}")), "{what}: the deploy wrote the new version");
    let out = run(env, &["doctor", "--json"]);
    let report = json(&out);
    let unfinished = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .any(|c| c["name"] == "unfinished writes" && c["verdict"] != "ok");
    assert!(!unfinished, "{what}: a publish repairs what the crash left: {report}");
    assert_eq!(temps_under(&env.home()), Vec::<PathBuf>::new(), "{what}: temps left in the home");
}

fn setup() -> (TestEnv, PathBuf) {
    let env = initialized();
    let file = env.write_file("c/mcp.json", "{\n  \"mcpServers\": {\n    \"keep\": {\"command\": \"user\"}\n  }\n}\n");
    publish(&env, "cursor", "a", &servers("first", "npx"));
    let out = run(&env, &["deploy", "cursor", "--profile", "a", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    (env, file)
}

#[test]
fn publish_import_and_draft_publish_killed_at_every_step_leave_a_home_that_works() {
    let (env, file) = setup();
    let mut round = 0;
    let f = file.to_str().expect("utf8").to_owned();
    for point in PUBLISH_POINTS {
        round += 1;
        let doc = env.write_file("doc.json", &servers(&format!("killed-{round}"), "npx"));
        crash(&env, &["publish", "cursor", "--profile", "a", "--file", doc.to_str().expect("utf8")], point);
        assert_recovers(&env, &file, &format!("publish at {point}"), &mut round);
    }
    for point in ["import-after-draft"].iter().chain(PUBLISH_POINTS) {
        crash(&env, &["import", "cursor", "--file", &f, "--profile", "a", "--publish"], point);
        assert_recovers(&env, &file, &format!("import --publish at {point}"), &mut round);
    }
    for point in PUBLISH_POINTS {
        // The draft a crash left behind is based on a head that has moved since: start anew.
        run(&env, &["draft", "discard", "cursor", "--profile", "a"]);
        let out = run(&env, &["draft", "add-server", "cursor", "--profile", "a", "memory"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        crash(&env, &["draft", "publish", "cursor", "--profile", "a"], point);
        assert_recovers(&env, &file, &format!("draft publish at {point}"), &mut round);
    }
}

#[test]
fn keys_rotate_killed_at_every_step_leaves_a_home_that_can_publish() {
    let (env, file) = setup();
    let mut round = 0;
    for point in ROTATE_POINTS {
        crash(&env, &["keys", "rotate"], point);
        assert_recovers(&env, &file, &format!("keys rotate at {point}"), &mut round);
        let out = run(&env, &["doctor", "--json"]);
        let checks = json(&out)["checks"].clone();
        let trusted = checks.as_array().expect("checks").iter().find(|c| c["name"] == "signing key trusted").cloned();
        assert_eq!(trusted.expect("the check runs")["verdict"], "ok", "keys rotate at {point}");
    }
}

#[test]
fn deploy_rollback_and_gc_killed_at_every_step_leave_a_home_that_works() {
    let (env, file) = setup();
    let f = file.to_str().expect("utf8").to_owned();
    let mut round = 0;
    for point in WRITE_POINTS {
        round += 1;
        publish(&env, "cursor", "a", &servers(&format!("deploy-{round}"), "npx"));
        crash(&env, &["deploy", "cursor", "--profile", "a", "--file", &f], point);
        assert_recovers(&env, &file, &format!("deploy at {point}"), &mut round);
    }
    for point in WRITE_POINTS.iter().filter(|p| **p != "after-lock") {
        crash(&env, &["rollback", "cursor", "--file", &f], point);
        assert_recovers(&env, &file, &format!("rollback at {point}"), &mut round);
        let out = run(&env, &["rollback", "cursor", "--file", &f]);
        assert_eq!(code(&out), 0, "rollback after a crashed rollback at {point}: {}", stderr(&out));
    }
    for point in OTHER_POINTS.iter().filter(|p| p.starts_with("gc-")) {
        crash(&env, &["gc", "--yes", "--keep-backups", "1", "--events-max-age-days", "0"], point);
        assert_recovers(&env, &file, &format!("gc at {point}"), &mut round);
        let out = run(&env, &["rollback", "cursor", "--file", &f]);
        assert_eq!(code(&out), 0, "rollback after a crashed gc at {point}: {}", stderr(&out));
    }
}
