//! A registry with token auth (distribution's `auth: token`): the registry challenges with
//! `WWW-Authenticate: Bearer realm=…`, and `oci-client` gets a JWT from the realm, a token
//! server of the test's own on 127.0.0.1 (see `mcp_testkit::token_server`), with the basic
//! credentials from the environment. Push and pull go through it; a wrong password is refused
//! by the token server with a clear message, never shown, and nothing is stored.

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{REGISTRY_PASSWORD, REGISTRY_USER, Registry, RegistryOptions};

use super::common::{code, initialized, json, run, stderr};
use super::remote::{add_remote, follower, publish_team, run_auth, trust};

fn token_registry() -> Registry {
    Registry::start(RegistryOptions { tls: true, auth: true, token: true })
}

/// Output of both streams.
fn all_output(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

fn with_password(env: &TestEnv, args: &[&str], password: &str) -> std::process::Output {
    env.command(super::common::BIN)
        .args(args)
        .env("MCP_ORCHESTRATION_REGISTRY_USER", REGISTRY_USER)
        .env("MCP_ORCHESTRATION_REGISTRY_PASSWORD", password)
        .output()
        .expect("run")
}

#[test]
fn push_and_pull_go_through_the_registry_token_flow() {
    let registry = token_registry();
    let tokens = registry.token_server().expect("token server");
    let a = initialized();
    let pushed = publish_team(&a, "github");
    add_remote(&a, &registry, true, &[]);
    let out = run_auth(&a, &["push", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(tokens.issued() > 0, "push got its token from the realm");
    assert!(!all_output(&out).contains(REGISTRY_PASSWORD));

    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, true, &[]);
    let issued = tokens.issued();
    let out = run_auth(&b, &["pull", "team", "--profile", "team", "--shared"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(tokens.issued() > issued, "pull got its token from the realm");
    let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
    assert_eq!(json(&out)["artifact_id"], pushed["artifact_id"], "the follower holds the publisher's artifact");
    let out = run_auth(&b, &["status", "--remote", "team", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!all_output(&out).contains(REGISTRY_PASSWORD));
}

#[test]
fn a_wrong_password_is_refused_by_the_token_server_and_nothing_is_stored() {
    let registry = token_registry();
    let tokens = registry.token_server().expect("token server");
    let a = initialized();
    publish_team(&a, "github");
    add_remote(&a, &registry, true, &[]);
    assert_eq!(code(&run_auth(&a, &["push", "team"])), 0);
    let b = follower();
    trust(&b, &a);
    add_remote(&b, &registry, true, &[]);
    let before = b.snapshot_store();
    let out = with_password(&b, &["pull", "team"], "wrong-token-canary-55c2");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let all = all_output(&out);
    assert!(all.contains("refused the credentials") && all.contains("remote login team"), "{all}");
    assert!(!all.contains("wrong-token-canary-55c2"), "the password is never shown");
    assert!(tokens.refused() > 0, "the token server refused it");
    assert_eq!(b.snapshot_store(), before, "nothing stored");
    let out = run(&b, &["get", "--all", "--profile", "team"]);
    assert_eq!(code(&out), 3, "no head: {}", stderr(&out));
}

#[test]
fn without_credentials_the_token_registry_refuses_a_push_and_says_how_to_log_in() {
    let registry = token_registry();
    let a = initialized();
    publish_team(&a, "github");
    add_remote(&a, &registry, true, &[]);
    let out = run(&a, &["push", "team"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("remote login team"), "{}", stderr(&out));
}
