//! Profiles shared through a real OCI registry (Debian's `docker-registry` on 127.0.0.1, see
//! `mcp_testkit::registry`): push and pull over TLS with basic auth, two homes (a publisher and
//! a follower that syncs its client files), skopeo reading and copying what was pushed, and
//! the optimistic concurrency of push.

use std::process::Command;

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{REGISTRY_PASSWORD, REGISTRY_USER, Registry, RegistryOptions};
use serde_json::Value;

use super::common::{code, initialized, json, publish, run, servers, stderr};

pub const REPO: &str = "team/mcp";

/// A follower home: the fixed key B, initialized.
pub fn follower() -> TestEnv {
    let env = TestEnv::new();
    env.write_private_key(mcp_testkit::FIXED_KEY_B, 0o600);
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    env
}

/// Runs the binary with the registry credentials in the environment.
pub fn run_auth(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.command(super::common::BIN)
        .args(args)
        .env("MCP_ORCHESTRATION_REGISTRY_USER", REGISTRY_USER)
        .env("MCP_ORCHESTRATION_REGISTRY_PASSWORD", REGISTRY_PASSWORD)
        .output()
        .expect("run")
}

/// Adds the registry as remote `team` (TLS with its CA, or plain HTTP on loopback).
pub fn add_remote(env: &TestEnv, registry: &Registry, tls: bool, extra: &[&str]) {
    let url = registry.url(REPO);
    let ca = registry.ca_file();
    let mut args = vec!["remote", "add", "team", url.as_str()];
    if tls {
        args.extend(["--ca-file", ca.to_str().expect("utf8")]);
    } else {
        args.push("--plain-http");
    }
    args.extend(extra);
    let out = run(env, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Makes `follower` trust `publisher`'s key the documented way (`keys export` → `keys trust`).
pub fn trust(follower: &TestEnv, publisher: &TestEnv) {
    let out = run(publisher, &["keys", "export"]);
    let file = follower.write_file("publisher.pub", &String::from_utf8_lossy(&out.stdout));
    let out = run(follower, &["keys", "trust", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// A registry, a publisher that pushed `team` v1 (the `github` server) to it, and a follower
/// that trusts the publisher and has no remote yet.
pub fn pushed_and_follower() -> (Registry, TestEnv, TestEnv) {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    publish_team(&a, "github");
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
    let b = follower();
    trust(&b, &a);
    (registry, a, b)
}

/// Publishes the shared profile `team` with one server.
pub fn publish_team(env: &TestEnv, server: &str) -> Value {
    let file = env.write_file(&format!("team-{server}.json"), &servers(server, "npx"));
    let out = run(env, &["publish", "--all", "--profile", "team", "--file", file.to_str().expect("utf8"), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)
}

/// skopeo, checked.
pub fn skopeo(args: &[String]) -> String {
    let out = Command::new("skopeo").args(args).output().expect("skopeo (run scripts/install-test-deps.sh)");
    assert!(out.status.success(), "skopeo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The manifest of a tag, as skopeo reads it raw.
pub fn manifest(registry: &Registry, tag: &str) -> Value {
    let mut args = vec!["inspect".to_owned(), "--raw".to_owned()];
    args.extend(registry.skopeo_flags(""));
    args.push(registry.docker_ref(REPO, tag));
    serde_json::from_str(&skopeo(&args)).expect("manifest JSON")
}

/// The repository's tags, as skopeo lists them.
pub fn tags(registry: &Registry) -> Vec<String> {
    let mut args = vec!["list-tags".to_owned()];
    args.extend(registry.skopeo_flags(""));
    args.push(format!("docker://{}/{REPO}", registry.host()));
    let listed: Value = serde_json::from_str(&skopeo(&args)).expect("tags JSON");
    listed["Tags"].as_array().expect("Tags").iter().map(|t| t.as_str().expect("tag").to_owned()).collect()
}

/// Copies `from` to `to` (a tag, possibly in another registry) with skopeo.
pub fn copy(src: &Registry, from: &str, dest: &Registry, to: &str) {
    let mut args = vec!["copy".to_owned(), "--quiet".to_owned()];
    args.extend(src.skopeo_flags("src"));
    args.extend(dest.skopeo_flags("dest"));
    args.push(src.docker_ref(REPO, from));
    args.push(dest.docker_ref(REPO, to));
    skopeo(&args);
}

fn servers_of(env: &TestEnv, profile: &str) -> Value {
    let out = run(env, &["get", "--all", "--profile", profile, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["payload"]["mcpServers"].clone()
}

#[test]
fn push_and_pull_round_trip_over_tls_with_basic_auth() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let a = initialized();
    let pushed = publish_team(&a, "github");
    publish(&a, "cursor", "dev", &servers("fs", "uvx"));
    add_remote(&a, &registry, true, &[]);
    let out = run_auth(&a, &["push", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let rows = report["profiles"].as_array().expect("profiles");
    assert!(rows.iter().any(|r| r["client_id"] == "_shared" && r["profile_id"] == "team" && r["uploaded"] == 1));
    assert!(rows.iter().any(|r| r["client_id"] == "cursor" && r["profile_id"] == "dev" && r["version"] == 1));

    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, true, &[]);
    let out = run_auth(&b, &["pull", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let pulled = json(&out);
    let team =
        pulled["profiles"].as_array().expect("rows").iter().find(|r| r["profile_id"] == "team").expect("team").clone();
    assert_eq!(team["state"], "pulled");
    let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
    assert_eq!(json(&out)["artifact_id"], pushed["artifact_id"], "the follower holds the publisher's artifact");
    let out = run(&b, &["get", "cursor", "--profile", "dev", "--json"]);
    assert_eq!(json(&out)["payload"]["mcpServers"]["fs"]["command"], "uvx");
    let out = run(&b, &["verify", "--all"]);
    assert_eq!(code(&out), 0, "pulled history verifies: {}", stderr(&out));

    // Both sides recorded the operation in their event log, with the remote's name and address
    // and no credential.
    for (env, kind) in [(&a, "orchestrator.remote_push_completed"), (&b, "orchestrator.remote_pull_completed")] {
        let out = run(env, &["events", "query", "--json"]);
        let events = json(&out)["events"].as_array().expect("events").clone();
        let event = events.iter().find(|e| e["event_type"] == kind).unwrap_or_else(|| panic!("no {kind}"));
        assert_eq!(event["metadata"]["remote"], "team");
        assert!(event["metadata"]["url"].as_str().expect("url").starts_with("oci://127.0.0.1:"));
        assert!(!out.stdout.windows(REGISTRY_PASSWORD.len()).any(|w| w == REGISTRY_PASSWORD.as_bytes()));
    }
    // A second pull finds everything up to date.
    let out = run_auth(&b, &["pull", "team", "--json"]);
    let states: Vec<Value> =
        json(&out)["profiles"].as_array().expect("rows").iter().map(|r| r["state"].clone()).collect();
    assert!(states.iter().all(|s| s == "up_to_date"), "{states:?}");
}

#[test]
fn without_credentials_an_authenticated_registry_refuses_and_says_how_to_log_in() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let a = initialized();
    add_remote(&a, &registry, true, &[]);
    let out = run(&a, &["push", "team"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("remote login team"), "{}", stderr(&out));
}

#[test]
fn a_wrong_password_is_refused_and_never_shown() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let a = initialized();
    add_remote(&a, &registry, true, &[]);
    let out = a
        .command(super::common::BIN)
        .args(["push", "team"])
        .env("MCP_ORCHESTRATION_REGISTRY_USER", REGISTRY_USER)
        .env("MCP_ORCHESTRATION_REGISTRY_PASSWORD", "wrong-canary-pw-91ab")
        .output()
        .expect("run");
    assert_eq!(code(&out), 1);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("refused the credentials"), "{all}");
    assert!(!all.contains("wrong-canary-pw-91ab"));
}

#[test]
fn remote_login_checks_and_stores_the_password_which_list_never_shows() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let a = initialized();
    add_remote(&a, &registry, true, &[]);
    let wrong = a
        .command(super::common::BIN)
        .args(["remote", "login", "team", "-u", REGISTRY_USER, "--password-stdin"])
        .write_stdin("nope\n")
        .output()
        .expect("run");
    assert_eq!(code(&wrong), 1, "a wrong password is not stored");
    let out = a
        .command(super::common::BIN)
        .args(["remote", "login", "team", "-u", REGISTRY_USER, "--password-stdin"])
        .write_stdin(format!("{REGISTRY_PASSWORD}\n"))
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(mcp_testkit::mode(&a.home().join("remotes.json")), 0o600);
    let out = run(&a, &["push", "team"]);
    assert_eq!(code(&out), 0, "the stored login is used: {}", stderr(&out));
    let out = run(&a, &["remote", "list", "--json"]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.contains(REGISTRY_USER) && !listed.contains(REGISTRY_PASSWORD), "{listed}");
}

#[test]
fn docker_config_auths_and_credential_helpers_are_used() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let a = initialized();
    add_remote(&a, &registry, true, &[]);
    // `auths`: base64 of user:password, as `docker login` writes it.
    let docker = a.root().join(".docker");
    std::fs::create_dir_all(&docker).expect("mkdir");
    let auth = base64_encode(format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}").as_bytes());
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, registry.host()),
    )
    .expect("write");
    let out = run(&a, &["push", "team"]);
    assert_eq!(code(&out), 0, "Docker auths: {}", stderr(&out));
    // `credHelpers`: a helper program on PATH, run as `docker-credential-NAME get`.
    let bin = a.root().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let helper = bin.join("docker-credential-testhelper");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread host\necho \"$host\" >> \"$(dirname \"$0\")/asked\"\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{REGISTRY_USER}\",\"Secret\":\"{REGISTRY_PASSWORD}\"}}' \"$host\"\n"),
    )
    .expect("write helper");
    mcp_testkit::set_mode(&helper, 0o755);
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"credHelpers": {{"{}": "testhelper"}}}}"#, registry.host()),
    )
    .expect("write");
    publish_team(&a, "second");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = a.command(super::common::BIN).args(["push", "team"]).env("PATH", path).output().expect("run");
    assert_eq!(code(&out), 0, "credential helper: {}", stderr(&out));
    assert_eq!(std::fs::read_to_string(bin.join("asked")).expect("helper ran").trim(), registry.host());
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn two_machines_a_publishes_b_follows_with_sync_from() {
    let (registry, a, b) = pushed_and_follower();
    add_remote(&b, &registry, false, &[]);
    let cursor = b.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cursor, r#"{"mcpServers": {"mine": {"command": "mine"}}}"#).expect("write");
    let out = run(&b, &["sync", "--from", "team", "--profile", "team", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).expect("read")).expect("json");
    assert!(file["mcpServers"]["github"].is_object(), "synced: {file}");
    assert!(file["mcpServers"]["mine"].is_object(), "the user's own entry stays: {file}");

    publish_team(&a, "linear");
    assert_eq!(code(&run(&a, &["push", "team"])), 0);
    let out = run(&b, &["status", "--remote", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = json(&out);
    let team = rows.as_array().expect("rows").iter().find(|r| r["profile_id"] == "team").expect("team row").clone();
    assert_eq!(
        (team["state"].as_str(), team["local"].as_u64(), team["remote"].as_u64()),
        (Some("behind"), Some(1), Some(2))
    );

    // With --json, stdout is one document: the policies and profiles pulled, then the sync.
    let out = run(&b, &["sync", "--from", "team", "--profile", "team", "--yes", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let pulled = report["pulled"]["profiles"].as_array().expect("pulled rows");
    let team = pulled.iter().find(|p| p["profile_id"] == "team").expect("team pulled");
    assert_eq!(
        (team["state"].as_str(), team["from"].as_u64(), team["to"].as_u64()),
        (Some("pulled"), Some(1), Some(2))
    );
    assert_eq!(report["pulled"]["remote"], "team");
    assert_eq!(report["policies"]["remote"], "team", "the policy pull is reported too: {report}");
    assert!(report["policies"]["policies"].as_array().is_some_and(Vec::is_empty));
    let synced = report["files"].as_array().expect("sync rows");
    assert!(synced.iter().any(|f| f["client_id"] == "cursor" && f["deploy"]["changed"] == true), "{report}");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).expect("read")).expect("json");
    assert!(file["mcpServers"]["linear"].is_object() && file["mcpServers"]["github"].is_null(), "updated: {file}");
    assert_eq!(servers_of(&b, "team")["linear"]["command"], "npx");
    let out = run(&b, &["status", "--remote", "team", "--json"]);
    let rows = json(&out);
    assert!(rows.as_array().expect("rows").iter().any(|r| r["profile_id"] == "team" && r["state"] == "equal"));

    // A publishes version 3 and has not pushed it: its status says ahead.
    publish_team(&a, "notion");
    let out = run(&a, &["status", "--remote", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = json(&out);
    let team = rows.as_array().expect("rows").iter().find(|r| r["profile_id"] == "team").expect("team row").clone();
    assert_eq!(
        (team["state"].as_str(), team["local"].as_u64(), team["remote"].as_u64()),
        (Some("ahead"), Some(3), Some(2))
    );
}

#[test]
fn push_refuses_when_the_remote_head_is_a_version_this_home_has_not_seen() {
    let (registry, a, b) = pushed_and_follower();
    add_remote(&b, &registry, false, &[]);
    assert_eq!(code(&run(&b, &["pull", "--profile", "team"])), 0);
    // Both publish a version 2; A pushes first.
    publish_team(&a, "linear");
    publish_team(&b, "jira");
    assert_eq!(code(&run(&a, &["push", "--profile", "team"])), 0);
    let before = tags(&registry);
    let out = run(&b, &["push", "--profile", "team"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("pull first"), "{}", stderr(&out));
    assert_eq!(tags(&registry), before, "nothing was uploaded");
    // The remote still serves A's version 2.
    let c = follower();
    trust(&c, &a);
    add_remote(&c, &registry, false, &[]);
    assert_eq!(code(&run(&c, &["pull", "--profile", "team"])), 0);
    assert!(servers_of(&c, "team")["linear"].is_object());
}

#[test]
fn a_pinned_key_is_fetched_from_the_remote_and_trusted_only_when_it_hashes_to_the_pin() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    publish_team(&a, "github");
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
    let key_id = json(&run(&a, &["keys", "show", "--json"]))["signing_key_id"].as_str().expect("id").to_owned();
    let b = follower();
    add_remote(&b, &registry, false, &["--trust-key", &key_id]);
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("trusted pinned key {key_id}")), "{}", stderr(&out));
    assert!(servers_of(&b, "team")["github"].is_object());
    // Pinning another id trusts nothing: the pull is refused as untrusted.
    let c = follower();
    add_remote(&c, &registry, false, &["--trust-key", &format!("sha256:{}", "ab".repeat(32))]);
    assert_eq!(code(&run(&c, &["pull", "--profile", "team"])), 8);
}

#[test]
fn skopeo_reads_the_artifact_and_a_copy_to_a_second_registry_pulls_and_verifies() {
    let first = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let second = Registry::start(RegistryOptions::default());
    let a = initialized();
    let published = publish_team(&a, "github");
    add_remote(&a, &first, true, &[]);
    assert_eq!(code(&run_auth(&a, &["push", "team", "--shared"])), 0);
    let m = manifest(&first, "_shared__team");
    assert_eq!(m["artifactType"], "application/vnd.mcp-orchestration.artifact.v1+json");
    assert_eq!(m["config"]["mediaType"], "application/vnd.oci.empty.v1+json");
    let layers = m["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0]["mediaType"], "application/vnd.mcp-orchestration.envelope.v1+json");
    assert_eq!(layers[1]["digest"], published["artifact_id"], "the payload layer's digest is the artifact id");
    let listed = tags(&first);
    assert!(listed.iter().any(|t| t.starts_with("_shared__team__v0000000001-")), "{listed:?}");

    for tag in &listed {
        copy(&first, tag, &second, tag);
    }
    let b = follower();
    trust(&b, &a);
    add_remote(&b, &second, false, &[]);
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&run(&b, &["get", "--all", "--profile", "team", "--json"]))["artifact_id"],
        published["artifact_id"]
    );
}

#[test]
fn plain_http_is_refused_for_an_address_that_is_not_loopback() {
    let a = initialized();
    let out = run(&a, &["remote", "add", "x", "oci://registry.example.com/team", "--plain-http"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("loopback"));
    assert!(!a.home().join("remotes.json").exists());
}

/// Publishes the shared profile `profile` with one server; returns its artifact id.
fn publish_shared(env: &TestEnv, profile: &str, server: &str) -> String {
    let file = env.write_file(&format!("{profile}-{server}.json"), &servers(server, "npx"));
    let out = run(env, &["publish", "--all", "--profile", profile, "--file", file.to_str().expect("utf8"), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["artifact_id"].as_str().expect("artifact_id").to_owned()
}

#[test]
fn two_machines_pushing_at_the_same_moment_never_make_the_remote_lose_a_version() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    let b = follower();
    trust(&b, &a);
    trust(&a, &b);
    add_remote(&a, &registry, false, &[]);
    add_remote(&b, &registry, false, &[]);
    let c = TestEnv::new();
    assert_eq!(code(&run(&c, &["init-configs"])), 0);
    trust(&c, &a);
    trust(&c, &b);
    add_remote(&c, &registry, false, &[]);
    // Several rounds, each on its own profile: both start from the same version 1, each
    // publishes its own version 2, and both push at once.
    for round in 0..4 {
        let profile = format!("race{round}");
        let v1 = publish_shared(&a, &profile, "github");
        assert_eq!(code(&run(&a, &["push", "--profile", &profile])), 0);
        assert_eq!(code(&run(&b, &["pull", "--profile", &profile])), 0);
        let a2 = publish_shared(&a, &profile, "linear");
        let b2 = publish_shared(&b, &profile, "jira");
        let spawn = |env: &TestEnv| {
            env.std_command(super::common::BIN)
                .args(["push", "--profile", &profile])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn push")
        };
        let (pa, pb) = (spawn(&a), spawn(&b));
        let (oa, ob) = (pa.wait_with_output().expect("push A"), pb.wait_with_output().expect("push B"));
        let (ca, cb) = (code(&oa), code(&ob));
        assert!(
            matches!(ca, 0 | 7) && matches!(cb, 0 | 7),
            "round {round}: exits {ca} {cb}: {} / {}",
            stderr(&oa),
            stderr(&ob)
        );
        assert!(
            ca == 0 || cb == 0,
            "round {round}: one of the two pushes goes through: {} / {}",
            stderr(&oa),
            stderr(&ob)
        );
        // Every version a push reported as pushed is on the remote under its own tag, and
        // version 1 is still there.
        let listed = tags(&registry);
        let version_tag = |n: u32, id: &str| format!("_shared__{profile}__v{n:010}-{}", &id[7..19]);
        assert!(listed.contains(&version_tag(1, &v1)), "round {round}: {listed:?}");
        for (exit, id) in [(ca, &a2), (cb, &b2)] {
            if exit == 0 {
                assert!(
                    listed.contains(&version_tag(2, id)),
                    "round {round}: pushed {id} is on the remote: {listed:?}"
                );
            }
        }
        // A third machine pulls: the head is one of the two versions 2 and verifies.
        let out = run(&c, &["pull", "--profile", &profile]);
        assert_eq!(code(&out), 0, "round {round}: {}", stderr(&out));
        let out = run(&c, &["get", "--all", "--profile", &profile, "--json"]);
        let head = json(&out)["artifact_id"].as_str().expect("id").to_owned();
        assert!(head == a2 || head == b2, "round {round}: the remote head {head} is one of the two pushes");
        let pushed_it = if head == a2 { ca } else { cb };
        assert_eq!(pushed_it, 0, "round {round}: the head on the remote belongs to a push that succeeded");
    }
}
