//! What a pull with nothing new costs, counted in the registry's own access log (every request
//! `docker-registry` answered): one request per profile on an anonymous or basic-auth registry
//! (no `GET /v2/` auth probe), plus one tag listing when no profile is named; on a token
//! registry, the token flow once per process (the first read's 401, oci-client's probe, one
//! token); an anonymous reader refused by an authenticated registry falls back to
//! oci-client's own flow and says how to log in.

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{Registry, RegistryOptions};
use serde_json::Value;

use super::common::{code, initialized, json, run, stderr};
use super::remote::{REPO, add_remote, follower, publish_team, run_auth, trust};

/// A publisher that pushed the shared profile `team` (and its seeded `default`), and a follower
/// that pulled everything once.
fn pulled_once(options: RegistryOptions) -> (Registry, TestEnv) {
    let registry = Registry::start(options);
    let a = initialized();
    publish_team(&a, "github");
    add_remote(&a, &registry, options.tls, &[]);
    let out = run_auth(&a, &["push", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, options.tls, &[]);
    let out = run_auth(&b, &["pull", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    (registry, b)
}

/// Runs `args` in `b` (credentials in the environment): every profile up to date, and the
/// requests the registry logged meanwhile.
fn no_op(registry: &Registry, b: &TestEnv, args: &[&str]) -> (Vec<Value>, Vec<String>) {
    let before = registry.requests().len();
    let out = run_auth(b, args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = json(&out)["profiles"].as_array().expect("profiles").clone();
    assert!(rows.iter().all(|r| r["state"] == "up_to_date"), "{rows:?}");
    (rows, registry.requests()[before..].to_vec())
}

fn manifest_of(profile: &str) -> String {
    format!("GET /v2/{REPO}/manifests/_shared__{profile}")
}

fn assert_one_request_per_profile(registry: &Registry, b: &TestEnv) {
    let (_, requests) = no_op(registry, b, &["pull", "team", "--profile", "team", "--json"]);
    assert_eq!(requests, vec![manifest_of("team")], "one named profile: one request");
    let (rows, requests) = no_op(registry, b, &["pull", "team", "--json"]);
    assert_eq!(rows.len(), 2, "default and team: {rows:?}");
    let mut expected = vec![format!("GET /v2/{REPO}/tags/list?n=1000"), manifest_of("default"), manifest_of("team")];
    let mut got = requests.clone();
    got[1..].sort();
    expected[1..].sort();
    assert_eq!(got, expected, "every profile: the tag list, then one request per profile");
}

#[test]
fn an_anonymous_registry_costs_one_request_per_profile() {
    let (registry, b) = pulled_once(RegistryOptions::default());
    assert_one_request_per_profile(&registry, &b);
}

#[test]
fn a_basic_auth_registry_costs_one_request_per_profile() {
    let (registry, b) = pulled_once(RegistryOptions { tls: true, auth: true, token: false });
    assert_one_request_per_profile(&registry, &b);
}

#[test]
fn a_token_registry_adds_its_token_flow_once_per_process() {
    let (registry, b) = pulled_once(RegistryOptions { tls: true, auth: true, token: true });
    let tokens = registry.token_server().expect("token server");
    let issued = tokens.issued();
    let (_, requests) = no_op(&registry, &b, &["pull", "team", "--profile", "team", "--json"]);
    // The manifest read answered 401, oci-client's probe for the challenge, the read again.
    assert_eq!(requests, vec![manifest_of("team"), "GET /v2/".to_owned(), manifest_of("team")]);
    assert_eq!(tokens.issued(), issued + 1, "one token for the process");
    let issued = tokens.issued();
    let (rows, requests) = no_op(&registry, &b, &["pull", "team", "--json"]);
    assert_eq!(requests.len(), 3 + rows.len(), "the flow once, then one listing and one per profile: {requests:?}");
    assert_eq!(tokens.issued(), issued + 1, "one token for the process");
}

#[test]
fn an_anonymous_reader_refused_by_an_authenticated_registry_is_told_how_to_log_in() {
    let (registry, b) = pulled_once(RegistryOptions { tls: true, auth: true, token: false });
    let before_store = b.snapshot_store();
    let before = registry.requests().len();
    let out = run(&b, &["pull", "team", "--profile", "team"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("remote login team"), "{}", stderr(&out));
    // The empty credential refused, then oci-client's own flow (its probe) refused too.
    let requests = registry.requests()[before..].to_vec();
    assert_eq!(requests.first(), Some(&manifest_of("team")), "{requests:?}");
    assert!(requests.contains(&"GET /v2/".to_owned()), "{requests:?}");
    assert_eq!(b.snapshot_store(), before_store, "nothing stored");
}
