//! `pull` of more versions than one batch holds, killed with SIGKILL at every step of storing
//! them (built with the `failpoints` feature): the follower's home must pass `verify --all` and
//! `doctor`, its head must be absent or the whole pull (never part of one), and a second pull
//! must finish the job. And a version refused in a later batch leaves nothing of the earlier
//! batches.

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{Registry, RegistryOptions};
use orchestrator::deploy::failpoint::PULL_POINTS;
use orchestrator::pull_store::BATCH_VERSIONS;

use super::common::{code, initialized, json, run, stderr};
use super::crash_ops::{crash, temps_under};
use super::remote::{add_remote, follower, manifest, publish_team, tags, trust};

/// Versions published: one batch and a few more.
const VERSIONS: usize = BATCH_VERSIONS + 6;

/// A publisher who pushed `VERSIONS` versions of `team`.
fn pushed() -> (Registry, TestEnv) {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    for i in 1..=VERSIONS {
        publish_team(&a, &format!("s{i}"));
    }
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
    (registry, a)
}

/// The envelopes stored for `team` (head or not).
fn envelopes(env: &TestEnv) -> usize {
    std::fs::read_dir(env.home().join("history/_shared/team"))
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count())
        .unwrap_or(0)
}

#[test]
fn pull_killed_at_every_step_leaves_whole_versions_and_a_second_pull_finishes() {
    let (registry, a) = pushed();
    for point in PULL_POINTS {
        let b = follower();
        trust(&b, &a);
        add_remote(&b, &registry, false, &[]);
        crash(&b, &["pull", "--profile", "team"], point);
        let out = run(&b, &["verify", "--all"]);
        assert_eq!(code(&out), 0, "{point}: verify --all: {}", stderr(&out));
        let report = json(&run(&b, &["doctor", "--json"]));
        let failed: Vec<_> =
            report["checks"].as_array().expect("checks").iter().filter(|c| c["verdict"] == "fail").cloned().collect();
        assert!(failed.is_empty(), "{point}: doctor failed checks: {failed:?}");
        let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
        match code(&out) {
            3 => {
                assert!(
                    matches!(*point, "pull-batch-before-rename" | "pull-after-batch"),
                    "{point}: no head after the head was written"
                );
                // Killed after the first batch: a run of versions beyond the (absent) head.
                let expected = if *point == "pull-after-batch" { BATCH_VERSIONS } else { 0 };
                assert_eq!(envelopes(&b), expected, "{point}: envelopes left beyond the head");
            }
            0 => assert_eq!(json(&out)["version"], VERSIONS, "{point}: the head is the whole pull"),
            other => panic!("{point}: get exited {other}: {}", stderr(&out)),
        }
        let out = run(&b, &["pull", "--profile", "team"]);
        assert_eq!(code(&out), 0, "{point}: the second pull: {}", stderr(&out));
        let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
        assert_eq!(json(&out)["version"], VERSIONS, "{point}");
        let last = format!("s{VERSIONS}");
        assert_eq!(json(&out)["payload"]["mcpServers"][last.as_str()]["command"], "npx");
        assert_eq!(envelopes(&b), VERSIONS, "{point}: every version stored once");
        assert_eq!(code(&run(&b, &["verify", "--all"])), 0, "{point}");
        assert_eq!(temps_under(&b.home()), Vec::<std::path::PathBuf>::new(), "{point}: temps left");
    }
}

#[test]
fn a_version_refused_in_a_later_batch_leaves_nothing_of_the_earlier_ones() {
    let (registry, a) = pushed();
    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, false, &[]);
    // The payload of a version of the second batch, replaced in the registry's storage.
    let version = BATCH_VERSIONS + 2;
    let prefix = format!("_shared__team__v{version:010}-");
    let tag = tags(&registry).into_iter().find(|t| t.starts_with(&prefix)).expect("version tag");
    let digest = manifest(&registry, &tag)["layers"][1]["digest"].as_str().expect("digest").to_owned();
    let file = registry.blob_file(&digest);
    let original = std::fs::read(&file).expect("blob on disk");
    let forged = String::from_utf8_lossy(&original).replace(&format!("\"s{version}\""), &format!("\"t{version}\""));
    assert_eq!(forged.len(), original.len());
    assert_ne!(forged.as_bytes(), original.as_slice(), "the payload names its server");
    std::fs::write(&file, forged).expect("tamper");
    let before = b.snapshot_store();
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("hashes to"), "{}", stderr(&out));
    assert_eq!(b.snapshot_store(), before, "the first batch was removed: nothing stored");
    assert_eq!(envelopes(&b), 0);
}
