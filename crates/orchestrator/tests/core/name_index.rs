//! The on-disk index of a client's profile names (`name_index`): written by a listing once
//! `heads/<client>/` has settled, used only for the directory state it was read from, and
//! ignored whenever it is stale, forged for another state, read too soon after a change,
//! truncated, corrupt or writable by others; a home where it cannot be written lists as
//! before; `gc` and `doctor` leave it alone.
//!
//! Most tests call `name_index` with a "now" past the racy window instead of sleeping 2 s:
//! the rule they check is the index's own (the stamp recorded, the time it was read). The
//! tests through `Orchestrator` (real publishes, real time) wait the window out once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use orchestrator::home::Home;
use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::name_index::{self, Source};
use orchestrator::readcache::{RACY_WINDOW, Stamp};
use orchestrator::registry;
use serde_json::json;

use crate::common::*;

fn cursor() -> ClientId {
    ClientId::parse("cursor").expect("client")
}

fn ids(names: &[&str]) -> Vec<ProfileId> {
    names.iter().map(|n| ProfileId::parse(n).expect("profile id")).collect()
}

/// A home whose `heads/cursor/` holds a head file per name (the listing reads only names).
fn home_with(names: &[&str]) -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::new(dir.path());
    std::fs::create_dir_all(home.heads_dir(&cursor())).expect("heads");
    for name in names {
        add(&home, name);
    }
    (dir, home)
}

fn add(home: &Home, name: &str) {
    let head = home.head(&cursor(), &ProfileId::parse(name).expect("id"));
    std::fs::write(head, "{}").expect("head");
}

fn remove(home: &Home, name: &str) {
    std::fs::remove_file(home.head(&cursor(), &ProfileId::parse(name).expect("id"))).expect("remove head");
}

fn stamp(home: &Home) -> Stamp {
    Stamp::of(&home.heads_dir(&cursor()))
}

/// A moment after which every change made so far is settled.
fn later() -> SystemTime {
    SystemTime::now() + RACY_WINDOW + Duration::from_secs(1)
}

fn index_file(home: &Home) -> PathBuf {
    home.name_index(&cursor())
}

/// The first page of `limit` names, and where it came from.
fn first_page(home: &Home, limit: usize, now: SystemTime) -> (Vec<ProfileId>, bool, Source) {
    name_index::page(home, &cursor(), &stamp(home), now, None, limit).expect("page")
}

#[test]
fn a_settled_listing_writes_the_index_and_the_next_listing_reads_its_page_from_it() {
    let names: Vec<String> = (0..250).map(|n| format!("p{:03}", (n * 7) % 250)).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (_dir, home) = home_with(&refs);
    let all = registry::profiles(&home, &cursor()).expect("all");
    assert_eq!(all.len(), 250);

    let (page, more, source) = first_page(&home, 10, later());
    assert_eq!((page.as_slice(), more, source), (&all[..10], true, Source::Rebuilt));
    let text = std::fs::read_to_string(index_file(&home)).expect("the index was written");
    assert!(text.contains("\np000\np001\n"), "sorted names, one a line: {}", &text[..200]);
    assert!(
        !home.heads_dir(&cursor()).join("profile-names").exists() && stamp(&home) != Stamp::Absent,
        "written outside the heads directory"
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(index_file(&home)).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    for (after, limit) in [(None, 10), (Some("p009"), 10), (Some("p240"), 100), (Some("p249"), 5), (Some("a"), 3)] {
        let (page, more, source) =
            name_index::page(&home, &cursor(), &stamp(&home), later(), after, limit).expect("page");
        let start = after.map_or(0, |a| all.partition_point(|p| p.as_str() <= a));
        let expected: Vec<_> = all[start..].iter().take(limit).cloned().collect();
        assert_eq!(source, Source::Index, "after {after:?}");
        assert_eq!(page, expected, "after {after:?}, limit {limit}");
        assert_eq!(more, all.len() - start > limit, "after {after:?}, limit {limit}");
    }
    let (every, source) = name_index::all(&home, &cursor(), &stamp(&home), later()).expect("all");
    assert_eq!((every, source), (all, Source::Index));
}

#[test]
fn a_listing_of_a_directory_changed_within_the_racy_window_writes_no_index() {
    let (_dir, home) = home_with(&["a", "b", "c"]);
    // Now is right after the heads were written: not settled.
    let (page, more, source) = first_page(&home, 2, SystemTime::now());
    assert_eq!((page, more, source), (ids(&["a", "b"]), true, Source::Directory));
    let (every, source) = name_index::all(&home, &cursor(), &stamp(&home), SystemTime::now()).expect("all");
    assert_eq!((every, source), (ids(&["a", "b", "c"]), Source::Directory));
    assert!(!index_file(&home).exists(), "no index for a directory changed less than 2 s ago");
}

#[test]
fn a_new_profile_appears_and_a_removed_one_disappears_although_an_index_was_written() {
    let (_dir, home) = home_with(&["alpha", "beta", "gamma"]);
    assert_eq!(first_page(&home, 10, later()).2, Source::Rebuilt);
    let stale = std::fs::read(index_file(&home)).expect("index");

    add(&home, "aardvark");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!(page, ids(&["aardvark", "alpha", "beta", "gamma"]), "the new profile is listed");
    assert_eq!(source, Source::Directory, "the index was for the directory before the publish");

    remove(&home, "beta");
    let (page, _, source) = first_page(&home, 10, later());
    assert_eq!(page, ids(&["aardvark", "alpha", "gamma"]), "the removed profile is gone");
    assert_eq!(source, Source::Rebuilt);
    assert_ne!(std::fs::read(index_file(&home)).expect("index"), stale, "rewritten for the new state");
    assert_eq!(first_page(&home, 10, later()), (ids(&["aardvark", "alpha", "gamma"]), false, Source::Index));

    // A head replaced in place (a publish of the next version renames over it) moves the
    // directory's times too: the index of the state before is not used.
    std::fs::write(home.heads_dir(&cursor()).join(".tmp-x"), "{}").expect("temp");
    std::fs::rename(home.heads_dir(&cursor()).join(".tmp-x"), home.head(&cursor(), &ids(&["alpha"])[0]))
        .expect("rename over");
    assert_eq!(first_page(&home, 10, SystemTime::now()).2, Source::Directory);
}

#[test]
fn an_index_of_another_state_of_the_directory_or_of_another_directory_is_ignored() {
    let (_dir, home) = home_with(&["one", "two"]);
    let old_stamp = stamp(&home);
    let old_index = name_index::encode(&old_stamp, later(), &ids(&["one", "two"]));
    add(&home, "three");
    // The old index put back (restored from a backup, say): it records the stamp before.
    std::fs::create_dir_all(index_file(&home).parent().expect("parent")).expect("cache dir");
    std::fs::write(index_file(&home), &old_index).expect("old index");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!((page, source), (ids(&["one", "three", "two"]), Source::Directory));

    // The same names under another directory's identity (the heads directory replaced by a
    // copy: a new inode) are not used either.
    let heads = home.heads_dir(&cursor());
    let moved = heads.with_file_name("cursor-old");
    std::fs::rename(&heads, &moved).expect("move away");
    std::fs::create_dir(&heads).expect("new heads");
    for name in ["one", "three", "two"] {
        std::fs::copy(moved.join(format!("{name}.json")), heads.join(format!("{name}.json"))).expect("copy");
    }
    let forged = name_index::encode(&Stamp::of(&moved), later(), &ids(&["one"]));
    std::fs::write(index_file(&home), &forged).expect("forged index");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!((page, source), (ids(&["one", "three", "two"]), Source::Directory));
}

#[test]
fn an_index_read_within_the_racy_window_of_the_change_it_records_is_ignored() {
    // Two changes within one coarse timestamp tick can leave the directory's stamp equal: an
    // index whose names were read less than 2 s after the directory's last change may have
    // missed the second. Here the index claims the current stamp but lists a name that is
    // not there (as a listing that raced a change would); read 1 s after the change it is
    // ignored, read 3 s after it the same bytes would be trusted (the control).
    let (_dir, home) = home_with(&["real"]);
    let current = stamp(&home);
    let Stamp::Present { mtime_ns, ctime_ns, .. } = current else { panic!("present") };
    let changed = SystemTime::UNIX_EPOCH + Duration::from_nanos(mtime_ns.max(ctime_ns) as u64);
    let claimed = ids(&["ghost"]);
    std::fs::create_dir_all(index_file(&home).parent().expect("parent")).expect("cache dir");

    std::fs::write(index_file(&home), name_index::encode(&current, changed + Duration::from_secs(1), &claimed))
        .expect("racy index");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!((page, source), (ids(&["real"]), Source::Directory), "a racily read index is not used");

    std::fs::write(index_file(&home), name_index::encode(&current, changed + RACY_WINDOW, &claimed))
        .expect("index at the window");
    assert_eq!(first_page(&home, 10, SystemTime::now()).2, Source::Directory, "exactly 2 s is still racy");

    std::fs::write(index_file(&home), name_index::encode(&current, changed + Duration::from_secs(3), &claimed))
        .expect("settled index");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!((page, source), (claimed, Source::Index), "control: a settled index of this state is used");
}

#[test]
fn a_truncated_or_corrupt_index_is_ignored_and_rewritten() {
    let names: Vec<String> = (0..40).map(|n| format!("n{n:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (_dir, home) = home_with(&refs);
    let expected = registry::profiles(&home, &cursor()).expect("all");
    let at = later();
    assert_eq!(first_page(&home, 100, at).2, Source::Rebuilt);
    let good = std::fs::read(index_file(&home)).expect("index");

    let renamed = String::from_utf8(good.clone()).expect("utf8").replace("\nn07\n", "\nn7x\n").into_bytes();
    let bad_version = String::from_utf8(good.clone()).expect("utf8").replacen(" 1\n", " 2\n", 1).into_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("cut in the middle of the names", good[..good.len() / 2].to_vec()),
        ("one byte short", good[..good.len() - 1].to_vec()),
        ("a name changed", renamed),
        ("another format version", bad_version),
        ("not text", vec![0xff; good.len()]),
        ("a line added after the trailer", [good.as_slice(), b"n99\n"].concat()),
    ];
    for (what, bytes) in cases {
        std::fs::write(index_file(&home), &bytes).expect("corrupt");
        let (page, more, source) = first_page(&home, 100, at);
        assert_eq!((&page, more, &source), (&expected, false, &Source::Rebuilt), "{what}");
        assert_eq!(std::fs::read(index_file(&home)).expect("index"), good, "{what}: rewritten whole");
        assert_eq!(first_page(&home, 100, at), (expected.clone(), false, Source::Index), "{what}: used again");
    }

    // A valid-looking index whose names are not profile ids, hashed as the listing would:
    // something else wrote it, and it is not used.
    let Stamp::Present { .. } = stamp(&home) else { panic!("present") };
    let mut forged = String::from_utf8(name_index::encode(&stamp(&home), later(), &ids(&["n00"]))).expect("utf8");
    forged = forged.replace("\nn00\n", "\n../etc\n");
    let body_len = forged.len() - ("sha256 ".len() + 64 + 1);
    let hash = orchestrator::canonical::ContentId::of(&forged.as_bytes()[..body_len]);
    forged = format!("{}sha256 {}\n", &forged[..body_len], hash.hex());
    std::fs::write(index_file(&home), forged).expect("forged");
    assert_eq!(first_page(&home, 100, SystemTime::now()), (expected, false, Source::Directory));
}

#[test]
fn an_index_others_may_write_is_not_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, home) = home_with(&["mine"]);
    std::fs::create_dir_all(index_file(&home).parent().expect("parent")).expect("cache dir");
    std::fs::write(index_file(&home), name_index::encode(&stamp(&home), later(), &ids(&["planted"]))).expect("index");
    std::fs::set_permissions(index_file(&home), std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let (page, _, source) = first_page(&home, 10, SystemTime::now());
    assert_eq!((page, source), (ids(&["mine"]), Source::Directory));
    std::fs::set_permissions(index_file(&home), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(first_page(&home, 10, SystemTime::now()).0, ids(&["planted"]), "control: the same file, ours alone");
}

#[test]
fn a_home_where_the_index_cannot_be_written_lists_as_before() {
    let (dir, home) = home_with(&["x", "y", "z"]);
    // `cache` is a file: no directory (and so no index) can be made under it, as in a
    // read-only home (the tests may run as root, for whom modes do not forbid writing).
    std::fs::write(dir.path().join("cache"), "not a directory").expect("block");
    for _ in 0..2 {
        assert_eq!(first_page(&home, 2, later()), (ids(&["x", "y"]), true, Source::Directory));
        let (every, source) = name_index::all(&home, &cursor(), &stamp(&home), later()).expect("all");
        assert_eq!((every, source), (ids(&["x", "y", "z"]), Source::Directory));
    }
    // No heads directory at all: nothing listed, nothing written.
    let empty = tempfile::tempdir().expect("tempdir");
    let bare = Home::new(empty.path());
    let absent = Stamp::of(&bare.heads_dir(&cursor()));
    assert_eq!(
        name_index::page(&bare, &cursor(), &absent, later(), None, 5).expect("page"),
        (vec![], false, Source::Directory)
    );
    assert_eq!(name_index::all(&bare, &cursor(), &absent, later()).expect("all"), (vec![], Source::Directory));
    assert_eq!(std::fs::read_dir(empty.path()).expect("dir").count(), 0, "the home is not created");
}

#[test]
fn a_heads_directory_others_may_write_gets_no_index() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, home) = home_with(&["p"]);
    std::fs::set_permissions(home.heads_dir(&cursor()), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (page, _, source) = first_page(&home, 10, later());
    assert_eq!((page, source), (ids(&["p"]), Source::Directory));
    assert!(!index_file(&home).exists(), "a listing that the heads check will refuse writes nothing");
}

fn doc(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

fn listed(core: &orchestrator::Orchestrator, limit: usize) -> Vec<String> {
    let request = orchestrator::page::PageRequest::first(limit);
    core.profiles_page("cursor", &request).expect("page").items.into_iter().map(|p| p.profile_id).collect()
}

fn settle() {
    std::thread::sleep(RACY_WINDOW + Duration::from_millis(150));
}

#[test]
fn one_shot_listings_through_the_core_follow_publishes_by_other_processes() {
    let (env, writer) = initialized();
    for name in ["b", "d"] {
        writer.publish("cursor", name, &doc(name), None, None).expect("publish");
    }
    let home = Home::new(env.home());
    let fresh = || orchestrator_at(&env, now());
    let before = listed(&fresh(), 100);
    assert!(before.contains(&"b".to_owned()) && before.contains(&"d".to_owned()), "{before:?}");
    assert!(!index_file(&home).exists(), "the heads were written just now: no index yet");
    settle();
    assert_eq!(listed(&fresh(), 100), before);
    let written = std::fs::read_to_string(index_file(&home)).expect("a settled listing wrote the index");
    assert!(written.contains("\nb\nd\n"), "{written}");
    assert!(home.name_index(&ClientId::shared()).exists(), "the shared profiles' names too");
    assert_eq!(listed(&fresh(), 100), before, "read from the index");

    // Another process publishes a profile and removes one by hand: the next one-shot listing
    // (a new core, no memory) sees both at once, within the racy window and after it.
    writer.publish("cursor", "c", &doc("c"), None, None).expect("publish c");
    std::fs::remove_file(home.head(&cursor(), &ids(&["d"])[0])).expect("remove d");
    let expected: Vec<String> = before.iter().filter(|n| *n != "d").cloned().chain(["c".to_owned()]).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(listed(&fresh(), 100), expected_sorted);
    settle();
    assert_eq!(listed(&fresh(), 100), expected_sorted);
    assert!(std::fs::read_to_string(index_file(&home)).expect("index").contains("\nb\nc\n"));
    assert_eq!(listed(&fresh(), 100), expected_sorted);

    // gc keeps the index, and doctor finds nothing to say about it.
    let report = writer.gc(orchestrator::service::GcOptions::default()).expect("gc");
    let report = serde_json::to_string(&report).expect("json");
    assert!(!report.contains("profile-names"), "{report}");
    assert!(index_file(&home).exists(), "gc left the index");
    let checks = serde_json::to_string(&writer.doctor(&[], &[])).expect("json");
    assert!(!checks.contains("profile-names"), "{checks}");
}

#[test]
fn concurrent_publishers_never_leave_an_index_that_hides_or_shows_the_wrong_profiles() {
    let (env, _) = initialized();
    let home = Home::new(env.home());
    let env = Arc::new(env);
    let base = listed(&orchestrator_at(&env, now()), 1000);
    let publishers: Vec<_> = (0..2)
        .map(|w| {
            let env = Arc::clone(&env);
            std::thread::spawn(move || {
                let core = orchestrator_at(&env, now());
                for i in 0..15 {
                    let name = format!("w{w}-{i:02}");
                    core.publish("cursor", &name, &doc(&name), None, None).expect("publish");
                }
            })
        })
        .collect();
    // A lister runs meanwhile: every page holds what was there before it started.
    let lister = {
        let env = Arc::clone(&env);
        let base = base.clone();
        std::thread::spawn(move || {
            for _ in 0..20 {
                let page = listed(&orchestrator_at(&env, now()), 1000);
                assert!(base.iter().all(|n| page.contains(n)), "{page:?}");
                let mut sorted = page.clone();
                sorted.sort();
                assert_eq!(page, sorted);
            }
        })
    };
    for p in publishers {
        p.join().expect("publisher");
    }
    lister.join().expect("lister");
    let mut expected = base.clone();
    expected.extend((0..2).flat_map(|w| (0..15).map(move |i| format!("w{w}-{i:02}"))));
    expected.sort();
    let own: Vec<String> = registry::profiles(&home, &cursor()).expect("all").iter().map(|p| p.to_string()).collect();
    assert!(own.iter().all(|n| expected.contains(n)) && own.len() >= 30, "{own:?}");
    assert_eq!(listed(&orchestrator_at(&env, now()), 1000), expected, "within the racy window");
    settle();
    for round in 0..3 {
        assert_eq!(listed(&orchestrator_at(&env, now()), 1000), expected, "round {round}");
    }
    assert!(std::fs::read_to_string(index_file(&home)).expect("index").contains("\nw1-14\n"));
}
