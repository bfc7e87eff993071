//! The service operations beyond publish/get, through `Orchestrator` on real temp homes:
//! diffs of documents, lookups by artifact id, reference resolution, client files (deploy,
//! rollback, conflicts), drafts, secrets, doctor, the error kinds, and the file helpers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mcp_testkit::TestEnv;
use orchestrator::diff::Status;
use orchestrator::error::{Error, ErrorKind};
use orchestrator::resolve::{self, Options, Reference};
use orchestrator::secrets::{SecretStore, SecretValue, valid_name};
use orchestrator::service::{ClientFile, Verdict};
use orchestrator::{fsutil, keys};
use serde_json::json;

use crate::common::*;

fn doc(name: &str, command: &str) -> String {
    json!({"mcpServers": {name: {"command": command, "args": ["x"]}}}).to_string()
}

fn cursor_file(env: &TestEnv, rel: &str) -> ClientFile {
    ClientFile {
        client_id: "cursor".into(),
        path: env.root().join(rel),
        placement: dialects::Placement::new(&["mcpServers"]),
    }
}

#[test]
fn diff_document_gives_every_status_against_real_history() {
    let (_env, orch) = initialized();
    let v1 = doc("a", "npx");
    let v2 = doc("b", "uvx");
    orch.publish("cursor", "team", &v1, None, None).expect("v1");
    orch.publish("cursor", "team", &v2, None, None).expect("v2");
    let value = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("json");
    let up = orch.diff_document("cursor", "team", &value(&v2)).expect("diff");
    assert_eq!(up.report.status, Status::UpToDate);
    assert_eq!(up.local_artifact_id, up.remote_artifact_id);
    assert_eq!(orch.diff_document("cursor", "team", &value(&v1)).expect("diff").report.status, Status::Outdated);
    let other = orch.diff_document("cursor", "team", &value(&doc("c", "npx"))).expect("diff");
    assert_eq!(other.report.status, Status::Diverged);
    assert_eq!(other.report.diff.servers_added, ["b"]);
    assert_eq!(other.report.diff.servers_removed, ["c"]);
    let empty = orch.diff_document("cursor", "team", &json!({"mcpServers": {}})).expect("diff");
    assert_eq!(empty.report.status, Status::Missing);
    let err = orch.diff_document("cursor", "nope", &value(&v1)).expect_err("no profile");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn get_artifact_reads_an_older_version_by_id_but_not_another_profiles() {
    let (_env, orch) = initialized();
    let v1 = orch.publish("cursor", "team", &doc("a", "npx"), None, None).expect("v1");
    orch.publish("cursor", "team", &doc("b", "npx"), None, None).expect("v2");
    let other = orch.publish("cursor", "other", &doc("z", "npx"), None, None).expect("other");
    let got = orch.get_artifact("cursor", "team", v1.id().as_str()).expect("older version by id");
    assert_eq!(got.statement().version, 1);
    assert_eq!(got.payload(), v1.payload());
    let bare = &v1.id().as_str()["sha256:".len()..];
    assert_eq!(orch.get_artifact("cursor", "team", bare).expect("bare hex").statement().version, 1);
    let err = orch.get_artifact("cursor", "team", other.id().as_str()).expect_err("another profile's id");
    assert!(matches!(err, Error::ArtifactNotFound { .. }), "{err:?}");
    assert_eq!(orch.get_artifact("cursor", "team", "sha256:zz").expect_err("bad id").kind(), ErrorKind::Usage);
}

#[test]
fn references_are_found_and_resolved_or_refused_with_the_pointer() {
    assert_eq!(
        resolve::references("Bearer ${secret:TOKEN} ${env:HOME} ${VAR} ${env:bad-name} ${secret:"),
        [
            Reference { kind: "secret".into(), name: "TOKEN".into() },
            Reference { kind: "env".into(), name: "HOME".into() }
        ]
    );
    let env_map = BTreeMap::from([("HOME".to_owned(), "/home/alice".to_owned())]);
    let mut store = SecretStore::default();
    store.set("TOKEN", SecretValue::new("s3cret".into()));
    let document = json!({"mcpServers": {"a": {"command": "npx", "args": ["${env:HOME}/x", 1],
        "headers": {"Authorization": "Bearer ${secret:TOKEN}"}, "env": {"K": "${VAR}"}}}});
    let resolved = resolve::resolve(&document, &env_map, &store, Options::default()).expect("resolve");
    assert_eq!(resolved.document["mcpServers"]["a"]["args"], json!(["/home/alice/x", 1]));
    assert_eq!(resolved.document["mcpServers"]["a"]["headers"]["Authorization"], "Bearer s3cret");
    assert_eq!(resolved.document["mcpServers"]["a"]["env"]["K"], "${VAR}", "a client's own syntax is left alone");
    assert!(resolved.holds_secrets);
    assert_eq!(resolved.secrets_used.len(), 1);
    assert_eq!(resolved.env_used, [("HOME".to_owned(), "/home/alice".to_owned())]);
    let kept = resolve::resolve(
        &document,
        &env_map,
        &store,
        Options { client_env: dialects::env_expansion("cursor"), ..Options::default() },
    )
    .expect("resolve");
    assert_eq!(kept.document["mcpServers"]["a"]["args"][0], "${env:HOME}/x");
    let claude = resolve::resolve(
        &document,
        &env_map,
        &store,
        Options { client_env: dialects::env_expansion("claude-code"), ..Options::default() },
    )
    .expect("resolve");
    assert_eq!(claude.document["mcpServers"]["a"]["args"][0], "${HOME}/x", "Claude Code expands ${{NAME}} itself");
    assert_eq!(claude.document["mcpServers"]["a"]["headers"]["Authorization"], "Bearer s3cret", "secrets are resolved");
    assert_eq!(dialects::env_expansion("claude-desktop"), None);
    let missing = json!({"mcpServers": {"a/b": {"env": {"X": "${env:NOPE}"}}}});
    match resolve::resolve(&missing, &env_map, &store, Options::default()) {
        Err(Error::Validation { pointer, message }) => {
            assert_eq!(pointer, "/mcpServers/a~1b/env/X");
            assert!(message.contains("export NOPE"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let allow = std::collections::BTreeSet::from(["PATH".to_owned()]);
    let restricted = Options { env_allowlist: Some(&allow), ..Options::default() };
    match resolve::resolve(&document, &env_map, &store, restricted) {
        Err(Error::Validation { pointer, message }) => {
            assert_eq!(pointer, "/mcpServers/a/args/0");
            assert!(message.contains("secrets allow-env HOME"), "{message}");
            assert!(!message.contains("/home/alice"), "{message}");
        }
        other => panic!("a variable off the allowlist must be refused: {other:?}"),
    }
    let missing_secret = json!({"x": ["${secret:ABSENT}"]});
    match resolve::resolve(&missing_secret, &env_map, &store, Options::default()) {
        Err(Error::Validation { pointer, message }) => {
            assert_eq!(pointer, "/x/0");
            assert!(message.contains("secrets set ABSENT"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_secret_store_refuses_a_readable_or_corrupt_file_and_never_shows_values() {
    let (env, orch) = initialized();
    assert!(
        valid_name("GITHUB_TOKEN") && valid_name("_x1") && !valid_name("1X") && !valid_name("a-b") && !valid_name("")
    );
    assert_eq!(format!("{:?}", SecretValue::new("hunter2".into())), "«redacted»");
    orch.secrets_set("TOKEN", SecretValue::new("hunter2".into())).expect("set");
    assert_eq!(orch.secrets_list().expect("list"), ["TOKEN"]);
    let path = env.home().join("secrets.json");
    assert_eq!(mcp_testkit::mode(&path), 0o600);
    mcp_testkit::set_mode(&path, 0o644);
    assert!(matches!(orch.secrets_list(), Err(Error::KeyTooOpen { mode: 0o644, .. })));
    mcp_testkit::set_mode(&path, 0o600);
    std::fs::write(&path, "[1, 2]").expect("corrupt");
    assert_eq!(orch.secrets_list().expect_err("corrupt").kind(), ErrorKind::Integrity);
    std::fs::write(&path, "{}").expect("reset");
    assert!(!orch.secrets_remove("TOKEN").expect("remove absent"));
    assert_eq!(
        orch.secrets_set("bad name", SecretValue::new("x".into())).expect_err("name").kind(),
        ErrorKind::Validation
    );
}

#[test]
fn deploy_rollback_and_their_refusals_on_real_files() {
    let (env, orch) = initialized();
    let orch = orch.with_environment(BTreeMap::from([("HOME".to_owned(), "/home/test".to_owned())]));
    orch.publish("cursor", "team", &doc("a", "npx"), None, None).expect("publish");
    let file = cursor_file(&env, "new/dir/mcp.json");
    // A file that does not exist yet is created; rolling back removes it again.
    let report = orch.deploy(&file, "team", false).expect("deploy");
    assert!(report.changed && file.path.is_file());
    let rolled = orch.rollback(&file, None, false).expect("rollback");
    assert!(rolled.removed && !file.path.exists());
    // Rolling forward to what the deploy wrote.
    let deployments = orch.deployments("cursor", Some(&file.path)).expect("records");
    assert_eq!(deployments.len(), 2);
    orch.rollback(&file, Some(&deployments[0].deployment_id), false).expect("roll forward");
    assert!(std::fs::read_to_string(&file.path).expect("read").contains("\"a\""));
    assert_eq!(orch.rollback(&file, Some("no-such-id"), false).expect_err("unknown").kind(), ErrorKind::NotFound);
    let fresh = cursor_file(&env, "never/mcp.json");
    // Nothing to undo: said so, nothing written.
    let nothing = orch.rollback(&fresh, None, false).expect("nothing to roll back");
    assert!(nothing.nothing_to_undo && nothing.deployment_id.is_none() && !fresh.path.exists());
    // A target that is not UTF-8 is refused and left alone.
    let binary = cursor_file(&env, "bin/mcp.json");
    std::fs::create_dir_all(binary.path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&binary.path, b"{\"mcpServers\": {\xff}}").expect("write");
    let err = orch.deploy(&binary, "team", false).expect_err("not UTF-8");
    assert!(matches!(err, Error::NotUtf8 { offset: 16, .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Unsafe);
    assert_eq!(std::fs::read(&binary.path).expect("read"), b"{\"mcpServers\": {\xff}}");
    // A dialect that cannot hold the document refuses with a validation error.
    orch.publish(
        "claude-desktop",
        "remote",
        r#"{"mcpServers": {"r": {"type": "http", "url": "https://x.example/mcp"}}}"#,
        None,
        None,
    )
    .expect("publish remote");
    let desktop = ClientFile {
        client_id: "claude-desktop".into(),
        path: env.root().join("cd.json"),
        placement: dialects::Placement::new(&["mcpServers"]),
    };
    assert_eq!(orch.deploy(&desktop, "remote", false).expect_err("stdio only").kind(), ErrorKind::Validation);
}

#[test]
fn a_held_file_lock_times_out_as_a_conflict() {
    let (env, orch) = initialized();
    let orch = orch.with_lock_timeout(Duration::from_millis(50));
    orch.publish("cursor", "team", &doc("a", "npx"), None, None).expect("publish");
    let file = cursor_file(&env, "c/mcp.json");
    let real = orchestrator::deploy::write::real_target(&file.path);
    let _held = fsutil::lock(&orch.home().target_lock(&real), Duration::ZERO).expect("hold the lock");
    let err = orch.deploy(&file, "team", false).expect_err("locked");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("is locked by another process"), "{err}");
}

#[test]
fn symlinks_resolve_to_their_final_target_and_stale_temps_are_cleaned() {
    let env = TestEnv::new();
    let dir = env.root().join("links");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("real.json"), "{}").expect("write");
    std::os::unix::fs::symlink("real.json", dir.join("one")).expect("relative link");
    std::os::unix::fs::symlink(dir.join("one"), dir.join("two")).expect("absolute link");
    assert_eq!(orchestrator::deploy::write::real_target(&dir.join("two")), dir.join("real.json"));
    std::fs::write(dir.join(".real.json.mcpo-tmp-abc"), "partial").expect("temp");
    std::fs::write(dir.join(".other.json.mcpo-tmp-abc"), "not ours").expect("temp");
    let removed = orchestrator::deploy::write::clean_stale_temps(&dir.join("real.json"));
    assert_eq!(removed, [dir.join(".real.json.mcpo-tmp-abc")]);
    assert!(dir.join(".other.json.mcpo-tmp-abc").exists());
}

#[test]
fn doctor_fails_on_an_uninitialized_home_and_a_broken_store() {
    let env = TestEnv::new();
    let orch = orchestrator_at(&env, now());
    let checks = orch.doctor(&[], &[]);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].verdict, Verdict::Fail);
    assert_eq!(checks[0].fix.as_deref(), Some("run `mcp-orchestration init-configs`"));

    let (env, orch) = initialized();
    let art = orch.publish("cursor", "team", &doc("a", "/bin/sh"), None, None).expect("publish");
    std::fs::write(env.home().join(format!("objects/{}.json", art.id().hex())), "{}").expect("tamper");
    let _held = fsutil::lock(&env.home().join(".lock"), Duration::ZERO).expect("hold");
    let checks = orch.doctor(&[], &[PathBuf::from("/usr/bin")]);
    let by_name = |name: &str| checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(by_name("store integrity").verdict, Verdict::Fail);
    assert!(by_name("store integrity").detail.contains("cursor/team v1"), "{}", by_name("store integrity").detail);
    assert_eq!(by_name("locks").verdict, Verdict::Warn);
    assert_eq!(by_name("clients detected").detail, "none");
    assert!(orchestrator::service::command_resolves("/bin/sh", &[]));
    assert!(!orchestrator::service::command_resolves("/nonexistent/tool", &[]));
    assert!(!orchestrator::service::command_resolves("sh", &[]));
    assert!(orchestrator::service::command_resolves("sh", &[PathBuf::from("/bin")]));
}

#[test]
fn keys_refuse_bad_ids_and_misnamed_trust_files() {
    let (env, orch) = initialized();
    assert_eq!(orch.untrust_key("not-a-key-id").expect_err("bad id").kind(), ErrorKind::Usage);
    assert!(!orch.untrust_key(&format!("sha256:{}", "ab".repeat(32))).expect("absent key"));
    let b = key_b();
    let misnamed = env.home().join("keys/trusted/wrong-name.pub");
    std::fs::write(&misnamed, b.public().to_pem()).expect("write");
    let err = keys::load_trust(orch.home()).expect_err("misnamed");
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("whose file name should be"), "{err}");
}

#[test]
fn publish_refuses_an_expiry_beyond_the_calendar() {
    let (_env, orch) = initialized();
    let err = orch
        .publish("cursor", "team", &doc("a", "npx"), None, Some(Duration::from_secs(u64::MAX / 4)))
        .expect_err("too far");
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(err.to_string().contains("--expires-in") && err.to_string().contains("too far"), "{err}");
}

#[test]
fn every_error_has_its_documented_kind() {
    let path = PathBuf::from("/x");
    let io =
        |kind: std::io::ErrorKind| fsutil::FsError::new("cannot read", Path::new("/x"), std::io::Error::from(kind));
    let cases: Vec<(Error, u8)> = vec![
        (Error::Fs(io(std::io::ErrorKind::NotFound)), 3),
        (Error::Fs(io(std::io::ErrorKind::PermissionDenied)), 1),
        (Error::Lock(fsutil::LockError::Io(io(std::io::ErrorKind::Other))), 1),
        (Error::Lock(fsutil::LockError::Timeout { path: path.clone(), waited: Duration::ZERO }), 7),
        (
            Error::unparsable(
                &path,
                dialects::DialectError::EditFailed { format: dialects::Format::Json, message: "m".into() },
            ),
            1,
        ),
        (Error::unparsable(&path, dialects::DialectError::UnknownClient { id: "x".into() }), 3),
        (
            Error::unparsable(
                &path,
                dialects::DialectError::InvalidDocument { pointer: "/".into(), message: "m".into() },
            ),
            6,
        ),
        (Error::Write(orchestrator::deploy::write::WriteError::Fs(io(std::io::ErrorKind::NotFound))), 3),
        (Error::Write(orchestrator::deploy::write::WriteError::Fs(io(std::io::ErrorKind::PermissionDenied))), 1),
        (Error::Write(orchestrator::deploy::write::WriteError::ChangedUnderneath { path: path.clone() }), 7),
        (Error::ServerNotFound { id: "x".into(), hint: "h".into() }, 3),
        (Error::Refused { message: "m".into() }, 10),
        (Error::Key { path: path.clone(), source: orchestrator::crypto::CryptoError::BadPrivateKey }, 4),
        (Error::Key { path, source: orchestrator::crypto::CryptoError::WeakKey { key_id: "k".into() } }, 8),
    ];
    for (error, code) in cases {
        assert_eq!(error.kind().exit_code(), code, "{error}");
    }
}

#[test]
fn the_system_clock_moves_forward() {
    use orchestrator::clock::{Clock, SystemClock};
    let before = SystemClock.now();
    assert!(SystemClock.now() >= before);
    assert!(before > ts("2026-01-01T00:00:00Z"));
}

#[test]
fn rollback_preview_shows_the_diff_writes_nothing_and_hides_secrets() {
    let (env, orch) = initialized();
    orch.secrets_set("TOKEN", SecretValue::new("ghp_previewsecret0123456789".into())).expect("secret");
    let doc = r#"{"mcpServers": {"gh": {"command": "npx", "env": {"GITHUB_TOKEN": "${secret:TOKEN}"}}}}"#;
    orch.publish("cursor", "team", doc, None, None).expect("publish");
    let file = cursor_file(&env, "p/mcp.json");
    std::fs::create_dir_all(file.path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file.path, "{\n  \"mcpServers\": {}\n}\n").expect("write");
    let deployed = orch.deploy(&file, "team", false).expect("deploy");
    let bytes = std::fs::read(&file.path).expect("read");
    let preview = orch.rollback_preview(&file, None).expect("preview");
    assert_eq!(preview.restores_from, deployed.deployment_id);
    assert!(preview.changed && !preview.would_remove_file);
    assert!(preview.diff.lines().any(|l| l.starts_with("-") && l.contains("\"gh\"")), "{}", preview.diff);
    // Cursor reads the secret from its environment: the file holds the reference.
    assert!(preview.diff.contains("${env:TOKEN}") && !preview.diff.contains("ghp_previewsecret"), "{}", preview.diff);
    assert_eq!(std::fs::read(&file.path).expect("read"), bytes, "a preview writes nothing");
    assert_eq!(orch.deployments("cursor", Some(&file.path)).expect("records").len(), 1);
    assert!(orch.rollback_preview(&cursor_file(&env, "other/mcp.json"), None).expect("none").nothing_to_undo);
}

#[test]
fn a_lost_head_never_makes_publish_overwrite_a_signed_version() {
    let (env, orch) = initialized();
    orch.publish("cursor", "team", &doc("a", "npx"), None, None).expect("v1");
    let v1 = std::fs::read(env.home().join("history/cursor/team/0000000001.json")).expect("v1 envelope");
    std::fs::remove_file(env.home().join("heads/cursor/team.json")).expect("lose the head");
    std::fs::remove_file(env.home().join("seen/cursor/team.json")).expect("lose the floor");
    let err = orch.publish("cursor", "team", &doc("b", "npx"), None, None).expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Integrity);
    assert!(err.to_string().contains("version 1 exists"), "{err}");
    assert_eq!(std::fs::read(env.home().join("history/cursor/team/0000000001.json")).expect("read"), v1);
}

#[test]
fn a_trust_store_changed_twice_within_one_timestamp_tick_is_not_served_stale() {
    let (env, orch) = initialized();
    orch.publish("cursor", "team", &json!({"mcpServers": {"s": {"command": "x"}}}).to_string(), None, None)
        .expect("publish");
    let trusted = env.home().join("keys/trusted");
    let set_mtime = |at: std::time::SystemTime| {
        std::fs::File::open(&trusted).expect("open the directory").set_modified(at).expect("set its mtime");
    };
    // The directory just changed: a read now must not be remembered under this mtime, since a
    // second change within the same (coarse) tick would keep it.
    let tick = std::time::SystemTime::now();
    set_mtime(tick);
    orch.get("cursor", "team").expect("trusted while the key is there");
    for name in fsutil::list_dir(&trusted).expect("list") {
        std::fs::remove_file(trusted.join(name)).expect("remove the key");
    }
    set_mtime(tick);
    let refused = orch.get("cursor", "team").expect_err("the key is no longer trusted");
    assert_eq!(refused.kind(), ErrorKind::Signature, "{refused}");
}
