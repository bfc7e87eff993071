//! Stale temp files of killed writes: a write sweeps its directory only when a sweep is due
//! (not on every write, so a large directory is not listed by each write), yet a temp a killed
//! writer left is still removed by later writes, and one a live writer holds never is.

use std::path::Path;

use orchestrator::fsutil;

fn temps_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(fsutil::TEMP_PREFIX))
        .collect();
    names.sort();
    names
}

#[test]
fn a_stale_temp_in_a_large_directory_is_removed_by_later_writes_and_a_held_one_stays() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory like `heads/<client>/` of a client with thousands of profiles.
    for n in 0..3000 {
        std::fs::write(dir.path().join(format!("profile-{n:05}.json")), "{}").expect("fill");
    }
    let stale = dir.path().join(".tmp-left-by-a-killed-write");
    std::fs::write(&stale, "partial").expect("plant");
    let held_path = dir.path().join(".tmp-being-written");
    std::fs::write(&held_path, "in flight").expect("plant");
    let held = std::fs::File::open(&held_path).expect("open");
    held.lock().expect("lock");

    // Each write sweeps with a chance of at least 16 KiB / the directory's size (about 1 in 6
    // here), so 400 writes all missing it would take odds of under 1 in 10^30.
    let mut writes = 0;
    while stale.exists() && writes < 400 {
        fsutil::write_atomic(&dir.path().join(format!("profile-{:05}.json", writes % 3000)), b"{\"v\":1}", 0o600)
            .expect("write");
        writes += 1;
    }
    assert!(!stale.exists(), "a stale temp outlived {writes} writes to its directory");
    assert_eq!(temps_in(dir.path()), [".tmp-being-written"], "the held temp stays, no temp of ours is left");
    assert_eq!(std::fs::read(dir.path().join("profile-00000.json")).expect("read"), b"{\"v\":1}");
    drop(held);
    assert_eq!(fsutil::remove_stale_temps(dir.path()), [held_path], "released, it is stale");
    assert!(temps_in(dir.path()).is_empty());
}

#[test]
fn the_first_write_to_a_small_directory_removes_a_stale_temp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = dir.path().join(".tmp-left-by-a-killed-write");
    std::fs::write(&stale, "partial").expect("plant");
    fsutil::write_atomic(&dir.path().join("head.json"), b"{}", 0o600).expect("write");
    assert!(!stale.exists(), "the first write to a small directory sweeps it");
    assert!(temps_in(dir.path()).is_empty());
}
