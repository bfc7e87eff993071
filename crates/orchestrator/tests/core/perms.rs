//! Owners and modes: the checks reads make before they use a trust-deciding file
//! (`fsutil::check_metadata`, `check_dir`, `read_checked`), directories created 0700, a long-running
//! core that notices a key planted after its trust store was cached, and the client-file
//! write path keeping a file's owner when run by root.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use mcp_testkit::{TestEnv, set_mode};
use orchestrator::deploy::failpoint::FailPoints;
use orchestrator::deploy::write::{WritePlan, replace_file};
use orchestrator::error::{Error, ErrorKind};
use orchestrator::fsutil::{self, Access, CheckedError, Exposure};
use orchestrator::keys;

use crate::common::*;

const OTHER: u32 = 1234;

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown (the tests run as root)");
}

fn exposure_of(path: &Path, access: Access) -> Option<Exposure> {
    let meta = std::fs::metadata(path).expect("stat");
    fsutil::check_metadata(path, "probe", &meta, access).err().map(|e| e.exposure)
}

#[test]
fn check_metadata_names_each_exposure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("f");
    std::fs::write(&file, "x").expect("write");
    let ours = fsutil::effective_uid();

    set_mode(&file, 0o644);
    assert_eq!(exposure_of(&file, Access::Shared), None, "readable by others is fine for a shared file");
    assert_eq!(exposure_of(&file, Access::Private), Some(Exposure::Readable { mode: 0o644 }));
    set_mode(&file, 0o600);
    assert_eq!(exposure_of(&file, Access::Private), None);
    set_mode(&file, 0o664);
    assert_eq!(exposure_of(&file, Access::Shared), Some(Exposure::Writable { mode: 0o664 }));
    set_mode(&file, 0o602);
    assert_eq!(exposure_of(&file, Access::Shared), Some(Exposure::Writable { mode: 0o602 }));
    set_mode(&file, 0o600);
    chown(&file, OTHER);
    assert_eq!(exposure_of(&file, Access::Shared), Some(Exposure::Owner { uid: OTHER, ours }));
    chown(&file, 0);
    assert_eq!(exposure_of(&file, Access::Shared), None, "root's files are accepted");

    set_mode(&file, 0o666);
    let err = fsutil::check_metadata(&file, "secret store", &std::fs::metadata(&file).expect("stat"), Access::Shared)
        .expect_err("refused");
    assert_eq!(err.fix(), format!("chmod go-w {}", file.display()));
    assert!(
        err.to_string()
            .starts_with(&format!("secret store {} is writable by group or others (mode 0666)", file.display()))
    );
    chown(&file, OTHER);
    set_mode(&file, 0o600);
    let err = fsutil::check_metadata(&file, "x", &std::fs::metadata(&file).expect("stat"), Access::Private)
        .expect_err("refused");
    assert_eq!(err.fix(), format!("chown {ours} {}", file.display()));
    assert!(err.to_string().contains(&format!("belongs to uid {OTHER}, not to this user (uid {ours}) or root")));
}

#[test]
fn read_checked_reads_only_what_passes_and_reports_a_missing_file_as_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("secret");
    assert!(fsutil::read_checked(&file, "secret", Access::Private).expect("missing is fine").is_none());
    std::fs::write(&file, "value").expect("write");
    set_mode(&file, 0o600);
    assert_eq!(fsutil::read_checked(&file, "secret", Access::Private).expect("read").as_deref(), Some(&b"value"[..]));
    set_mode(&file, 0o640);
    match fsutil::read_checked(&file, "secret", Access::Private) {
        Err(CheckedError::Unsafe(e)) => assert_eq!(e.exposure, Exposure::Readable { mode: 0o640 }),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let error: Error = fsutil::read_checked(&file, "secret", Access::Private).expect_err("refused").into();
    assert!(matches!(error, Error::KeyTooOpen { mode: 0o640, .. }), "a readable private file keeps ssh's message");
    assert_eq!(error.kind(), ErrorKind::Unsafe);

    assert!(!fsutil::check_dir(&dir.path().join("none"), "d").expect("missing dir is fine"));
    set_mode(dir.path(), 0o777);
    let error: Error = fsutil::check_dir(dir.path(), "d").expect_err("refused").into();
    assert_eq!(error.kind(), ErrorKind::Unsafe);
    set_mode(dir.path(), 0o700);
}

#[test]
fn created_directories_are_0700_and_existing_ones_are_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    set_mode(dir.path(), 0o755);
    let deep = dir.path().join("a/b/c");
    fsutil::create_dir_all(&deep).expect("create");
    for rel in ["a", "a/b", "a/b/c"] {
        assert_eq!(std::fs::metadata(dir.path().join(rel)).expect("stat").mode() & 0o7777, 0o700, "{rel}");
    }
    assert_eq!(
        std::fs::metadata(dir.path()).expect("stat").mode() & 0o7777,
        0o755,
        "the existing parent kept its mode"
    );
    fsutil::create_dir_all(&deep).expect("again: nothing to do");
    let file = dir.path().join("a/f");
    fsutil::write_atomic(&file, b"x", 0o600).expect("write");
    assert_eq!(std::fs::metadata(&file).expect("stat").mode() & 0o7777, 0o600);
}

#[test]
fn a_running_core_refuses_a_key_planted_after_it_cached_the_trust_store() {
    let (env, orch) = initialized();
    orch.get("cursor", "default").expect("verified get");
    let trusted = env.home().join("keys/trusted");
    set_mode(&trusted, 0o777);
    keys::trust_key(orch.home(), key_b().public()).expect("plant a key (changes the directory)");
    let error = orch.get("cursor", "default").expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Unsafe, "{error}");
    assert!(error.to_string().contains(&format!("chmod go-w {}", trusted.display())), "{error}");
    set_mode(&trusted, 0o700);
    orch.get("cursor", "default").expect("fixed: reads again");
}

#[test]
fn the_signing_key_and_secret_store_of_another_user_are_refused() {
    let (env, orch) = initialized();
    let key = env.home().join("keys/signing_key.pem");
    chown(&key, OTHER);
    match keys::load_signing_key(orch.home()) {
        Err(Error::Unsafe(e)) => assert_eq!(e.path, key),
        other => panic!("expected Unsafe, got {other:?}"),
    }
    chown(&key, 0);
    orch.secrets_set("TOKEN", orchestrator::secrets::SecretValue::new("v".into())).expect("set");
    chown(&env.home().join("secrets.json"), OTHER);
    let error = orch.secrets_list().expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Unsafe);
}

fn write(target: &Path, expected: Option<&[u8]>, new_bytes: &[u8]) {
    let failpoints = FailPoints::none();
    replace_file(&WritePlan { target, expected, new_bytes, private: false, failpoints: &failpoints }).expect("write");
}

#[test]
fn a_file_written_by_root_keeps_its_owner_and_group() {
    assert_eq!(fsutil::effective_uid(), 0, "these tests run as root, as `sudo mcp-orchestration deploy` does");
    let env = TestEnv::new();
    let dir = env.root().join("alice/.cursor");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let target = dir.join("mcp.json");
    std::fs::write(&target, "{}").expect("write");
    std::os::unix::fs::chown(&target, Some(OTHER), Some(OTHER + 1)).expect("chown");
    set_mode(&target, 0o640);
    write(&target, Some(b"{}"), b"{\"mcpServers\": {}}");
    let meta = std::fs::metadata(&target).expect("stat");
    assert_eq!((meta.uid(), meta.gid()), (OTHER, OTHER + 1), "owner and group kept");
    assert_eq!(meta.mode() & 0o7777, 0o640, "mode kept");
    assert_eq!(std::fs::read(&target).expect("read"), b"{\"mcpServers\": {}}");
}

#[test]
fn a_directory_created_for_a_missing_file_gets_its_parents_owner() {
    let env = TestEnv::new();
    let home = env.root().join("bob");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::os::unix::fs::chown(&home, Some(OTHER), Some(OTHER + 2)).expect("chown");
    let target = home.join(".config/tool/mcp.json");
    write(&target, None, b"{}");
    for dir in [home.join(".config"), home.join(".config/tool")] {
        let meta = std::fs::metadata(&dir).expect("stat");
        assert_eq!((meta.uid(), meta.gid()), (OTHER, OTHER + 2), "{}", dir.display());
    }
    let meta = std::fs::metadata(&target).expect("stat");
    assert_eq!((meta.uid(), meta.gid()), (OTHER, OTHER + 2), "the new file is its directory owner's too");
}
