//! `pull` killed with SIGKILL at every write step of storing a version (built with the
//! `failpoints` feature): the follower's home must pass `verify --all` and `doctor`, its head
//! must be absent or a whole pulled version (never half of one), and a second pull must finish
//! the job.

use mcp_testkit::registry::{Registry, RegistryOptions};
use orchestrator::deploy::failpoint::PULL_POINTS;

use super::common::{code, initialized, json, run, stderr};
use super::crash_ops::{crash, temps_under};
use super::remote::{add_remote, follower, publish_team, trust};

#[test]
fn pull_killed_at_every_step_leaves_whole_versions_and_a_second_pull_finishes() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    for server in ["one", "two", "three"] {
        publish_team(&a, server);
    }
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
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
            3 => assert!(
                matches!(*point, "pull-after-object" | "pull-after-envelope"),
                "{point}: no head after the head was written"
            ),
            0 => assert_eq!(json(&out)["version"], 1, "{point}: the head is the first pulled version, whole"),
            other => panic!("{point}: get exited {other}: {}", stderr(&out)),
        }
        let out = run(&b, &["pull", "--profile", "team"]);
        assert_eq!(code(&out), 0, "{point}: the second pull: {}", stderr(&out));
        let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
        assert_eq!(json(&out)["version"], 3, "{point}");
        assert_eq!(json(&out)["payload"]["mcpServers"]["three"]["command"], "npx");
        assert_eq!(code(&run(&b, &["verify", "--all"])), 0, "{point}");
        assert_eq!(temps_under(&b.home()), Vec::<std::path::PathBuf>::new(), "{point}: temps left");
    }
}
