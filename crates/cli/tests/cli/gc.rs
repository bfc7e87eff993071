//! `gc`: a dry run lists and removes nothing; a run removes event-log days past retention,
//! backups beyond the last N records of each file, orphan backups, unnamed objects, dead
//! signature-cache entries and stale temps, and never what `verify --all`, `history` or
//! `rollback` still needs.

use std::path::Path;

use mcp_testkit::TestEnv;
use serde_json::Value;

use super::common::*;

fn names(report: &Value, group: &str) -> Vec<String> {
    report[group]
        .as_array()
        .expect("group")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .map(|p| Path::new(p).file_name().expect("name").to_string_lossy().into_owned())
        .collect()
}

fn backups(env: &TestEnv) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(env.home().join("deployments/backups"))
        .expect("backups")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn gc_removes_only_what_nothing_needs_and_a_dry_run_removes_nothing() {
    let env = initialized();
    let file = env.write_file("c/mcp.json", "{\n  \"mcpServers\": {}\n}\n");
    let f = file.to_str().expect("utf8");
    for i in 0..4 {
        publish(&env, "cursor", "a", &servers(&format!("v{i}"), "npx"));
        let out = run(&env, &["deploy", "cursor", "--profile", "a", "--file", f]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let home = env.home();
    // Leftovers: an old event-log day, an orphan backup, an unnamed object, a dead cache entry, a temp.
    std::fs::write(home.join("events/2020-01-01.jsonl"), "{}\n").expect("old day");
    std::fs::write(home.join("deployments/backups/00orphan"), "no record names me").expect("orphan");
    std::fs::write(home.join("objects/00unnamed.json"), "{}").expect("object");
    std::fs::create_dir_all(home.join("cache/signatures")).expect("cache");
    std::fs::write(home.join("cache/signatures/00dead"), "").expect("dead entry");
    std::fs::write(home.join("keys/.tmp-stale"), "x").expect("temp");
    let backups_before = backups(&env);

    let before = env.snapshot();
    let out = run(&env, &["gc", "--dry-run", "--keep-backups", "2", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dry = json(&out);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(names(&dry, "events"), ["2020-01-01.jsonl"]);
    assert!(names(&dry, "backups").contains(&"00orphan".to_owned()), "{dry}");
    assert_eq!(names(&dry, "objects"), ["00unnamed.json"]);
    assert_eq!(names(&dry, "signatures"), ["00dead"]);
    assert_eq!(names(&dry, "temps"), [".tmp-stale"]);
    let after: Vec<_> = env.snapshot().into_iter().filter(|(n, _)| !n.contains("events/2")).collect();
    let before: Vec<_> = before.into_iter().filter(|(n, _)| !n.contains("events/2")).collect();
    assert_eq!(after, before, "a dry run removes nothing");

    let out = run(&env, &["gc", "--yes", "--keep-backups", "2", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let done = json(&out);
    assert_eq!(names(&done, "backups"), names(&dry, "backups"), "the dry run listed what the run removed");
    assert!(names(&done, "backups").len() >= 2, "old backups and the orphan went: {done}");
    assert!(backups(&env).len() < backups_before.len());
    for gone in [
        "events/2020-01-01.jsonl",
        "deployments/backups/00orphan",
        "objects/00unnamed.json",
        "cache/signatures/00dead",
        "keys/.tmp-stale",
    ] {
        assert!(!home.join(gone).exists(), "{gone} removed");
    }
    // Everything the store and the last two records need is still there.
    assert_eq!(code(&run(&env, &["verify", "--all"])), 0);
    let out = run(&env, &["history", "cursor", "--profile", "a", "--json"]);
    assert_eq!(json(&out)["history"].as_array().expect("history").len(), 4);
    let deployed = std::fs::read_to_string(&file).expect("read");
    let out = run(&env, &["rollback", "cursor", "--file", f]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_to_string(&file).expect("read").contains("v2"), "the bytes before the last deploy");
    let out = run(&env, &["rollback", "cursor", "--file", f]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), deployed, "and forward again");
    // A second gc finds nothing more to do for the store.
    let out = run(&env, &["gc", "--yes", "--keep-backups", "2", "--json"]);
    let again = json(&out);
    assert!(names(&again, "objects").is_empty() && names(&again, "signatures").is_empty(), "{again}");
}

#[test]
fn gc_drops_signature_cache_entries_once_their_key_is_no_longer_trusted() {
    let env = initialized();
    publish(&env, "cursor", "a", &servers("one", "npx"));
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "a"])), 0);
    let out = run(&env, &["gc", "--dry-run", "--json"]);
    assert!(names(&json(&out), "signatures").is_empty(), "entries of trusted keys are kept");
    let old = json(&run(&env, &["keys", "show", "--json"]))["signing_key_id"].as_str().expect("id").to_owned();
    assert_eq!(code(&run(&env, &["keys", "rotate"])), 0);
    assert_eq!(code(&run(&env, &["keys", "untrust", &old])), 0);
    let cached = std::fs::read_dir(env.home().join("cache/signatures")).expect("cache").count();
    assert!(cached > 0);
    let out = run(&env, &["gc", "--yes", "--json"]);
    assert_eq!(names(&json(&out), "signatures").len(), cached, "every entry was made under the old trust store");
}

#[test]
fn gc_refuses_bad_flags_and_an_uninitialized_home() {
    let env = TestEnv::new();
    let out = run(&env, &["gc", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("is not initialized"), "{}", stderr(&out));
    assert!(!env.home().exists(), "a refusal creates no home");
    let out = run(&env, &["gc", "--keep-backups", "0"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}
