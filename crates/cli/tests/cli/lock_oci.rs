//! `lock` and `audit` of `docker run` / `podman run` servers against Debian's `docker-registry`
//! on 127.0.0.1 (plain HTTP, or TLS with a test CA and basic auth from Docker's config), holding
//! images the test builds and copies in with skopeo: the pin is the digest the registry serves
//! for the tag (an index's own digest for a multi-platform image), written as
//! `IMAGE:TAG@sha256:…` and recorded in the signed `lock`; deploy writes it; a different image
//! re-pushed under the same tag is reported by `audit` (`integrity-changed`) and moved by
//! `lock --update`; an unknown image or tag (exit 3) and a registry that is down (exit 1)
//! publish nothing.

use mcp_testkit::TestEnv;
use mcp_testkit::registry::{REGISTRY_PASSWORD, REGISTRY_USER, Registry, RegistryOptions};
use serde_json::json;

use super::common::{BIN, code, initialized, json, stderr};
use super::lock_oci_support::{push, served_digest};
use super::lock_support::{change, findings_of, publish_shared, shared_payload};

/// Runs the binary with Docker's config at `HOME/.docker` only.
fn run_env(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = env.command(BIN);
    cmd.env_remove("DOCKER_CONFIG");
    cmd.args(args).output().expect("run mcp-orchestration")
}

#[test]
fn images_are_pinned_to_their_digest_deployed_and_a_retag_is_reported() {
    let registry = Registry::start(RegistryOptions::default());
    let host = registry.host();
    let echo_v1 = push(&registry, "mcp/echo", "1.0", "echo one", false);
    let latest = push(&registry, "mcp/echo", "latest", "echo latest", false);
    let multi = push(&registry, "mcp/multi", "2", "multi two", true);
    let env = initialized();
    let echo = format!("{host}/mcp/echo");
    publish_shared(
        &env,
        "images",
        &json!({"mcpServers": {
            "echo": {"command": "docker", "args": ["run", "-i", "--rm", "-e", "TOKEN", format!("{echo}:1.0")]},
            "untagged": {"command": "docker", "args": ["run", "-i", "--rm", echo.clone()]},
            "multi": {"command": "podman", "args": ["run", "--rm", "-i", format!("{host}/mcp/multi:2")]},
        }}),
    );

    // Before: every image follows a tag; --check says so (exit 5).
    let out = run_env(&env, &["lock", "--profile", "images", "--check", "--json"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert_eq!(json(&out)["unpinned"], json!(["echo", "multi", "untagged"]));

    let out = run_env(&env, &["lock", "--profile", "images", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["created"], true);
    for (server, digest) in [("echo", &echo_v1), ("untagged", &latest), ("multi", &multi)] {
        let c = change(&report, server);
        assert_eq!((c["action"].as_str(), c["new_integrity"].as_str()), (Some("pinned"), Some(digest.as_str())), "{c}");
    }
    let payload = shared_payload(&env, "images");
    let servers = &payload["mcpServers"];
    assert_eq!(servers["echo"]["args"], json!(["run", "-i", "--rm", "-e", "TOKEN", format!("{echo}:1.0@{echo_v1}")]));
    assert_eq!(servers["untagged"]["args"], json!(["run", "-i", "--rm", format!("{echo}@{latest}")]));
    assert_eq!(servers["multi"]["args"][3], format!("{host}/mcp/multi:2@{multi}"));
    let lock = &servers["echo"]["lock"];
    assert_eq!(
        (lock["ecosystem"].as_str(), lock["registry"].as_str(), lock["repository"].as_str(), lock["tag"].as_str()),
        (Some("oci"), Some(host.as_str()), Some("mcp/echo"), Some("1.0"))
    );
    assert_eq!(lock["integrity"], echo_v1.as_str());
    assert_eq!(lock["media_type"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(servers["untagged"]["lock"]["tag"], "latest");
    assert_eq!(
        servers["multi"]["lock"]["media_type"], "application/vnd.oci.image.index.v1+json",
        "a multi-platform image is pinned by its index"
    );

    let out = run_env(&env, &["lock", "--profile", "images", "--check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run_env(&env, &["audit", "--profile", "images", "--no-probe", "--oci-plain-http"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("no findings"), "{}", stderr(&out));

    // Deploy: the client's file runs the pinned images and carries no lock.
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    let out = run_env(&env, &["sync", "--profile", "images", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(env.root().join(".cursor/mcp.json")).expect("cursor file");
    assert!(text.contains(&format!("{echo}:1.0@{echo_v1}")) && text.contains(&multi), "{text}");
    assert!(!text.contains("\"lock\"") && !text.contains("media_type"), "{text}");

    // Another image pushed under the same tag: audit reports it (exit 5); the pin stays.
    let echo_v1b = push(&registry, "mcp/echo", "1.0", "echo one, replaced", false);
    assert_ne!(echo_v1b, echo_v1);
    let out = run_env(&env, &["audit", "--profile", "images", "--no-probe", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let audit = json(&out);
    let found = findings_of(&audit, "echo");
    assert_eq!(found.len(), 1, "{audit}");
    assert_eq!(found[0]["kind"], "integrity-changed");
    assert_eq!(
        (found[0]["locked_integrity"].as_str(), found[0]["served_integrity"].as_str()),
        (Some(echo_v1.as_str()), Some(echo_v1b.as_str()))
    );
    assert!(found[0]["message"].as_str().is_some_and(|m| m.contains(&format!("{echo}:1.0 now names another image"))));
    assert!(findings_of(&audit, "multi").is_empty() && findings_of(&audit, "untagged").is_empty(), "{audit}");

    // lock --update echo moves that pin and shows the digests; the others stay.
    let out = run_env(&env, &["lock", "--profile", "images", "--update", "echo", "--oci-plain-http"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("updated") && table.contains(&echo_v1[..18]) && table.contains(&echo_v1b[..18]), "{table}");
    let servers = shared_payload(&env, "images")["mcpServers"].clone();
    assert_eq!(servers["echo"]["args"][5], format!("{echo}:1.0@{echo_v1b}"));
    assert_eq!(servers["multi"]["args"][3], format!("{host}/mcp/multi:2@{multi}"));
    let out = run_env(&env, &["audit", "--profile", "images", "--no-probe", "--oci-plain-http"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_digest_pinned_by_hand_is_checked_then_recorded_and_a_removed_one_is_reported() {
    let registry = Registry::start(RegistryOptions::default());
    let host = registry.host();
    let digest = push(&registry, "mcp/hand", "1", "by hand", false);
    let env = initialized();
    let image = format!("{host}/mcp/hand:1@{digest}");
    publish_shared(&env, "hand", &json!({"mcpServers": {"hand": {"command": "docker", "args": ["run", "-i", image]}}}));

    // Pinned by hand, nothing recorded: --check notes it, audit warns.
    let out = run_env(&env, &["lock", "--profile", "hand", "--check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("hand: pinned by hand, no digest recorded: run `lock`"), "{}", stderr(&out));
    let out = run_env(&env, &["audit", "--profile", "hand", "--no-probe", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert_eq!(findings_of(&json(&out), "hand")[0]["kind"], "unlocked");

    let out = run_env(&env, &["lock", "--profile", "hand", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let c = change(&json(&out), "hand").clone();
    assert_eq!((c["action"].as_str(), c["new_integrity"].as_str()), (Some("recorded"), Some(digest.as_str())));
    assert_eq!(shared_payload(&env, "hand")["mcpServers"]["hand"]["args"][2], image, "the args stay as written");

    // The tag moves on and the pinned manifest is deleted from the registry: both reported.
    let moved = push(&registry, "mcp/hand", "1", "moved on", false);
    let mut args = vec!["delete".to_owned()];
    args.extend(registry.skopeo_flags(""));
    args.push(format!("docker://{host}/mcp/hand@{digest}"));
    let out = std::process::Command::new("skopeo").args(&args).output().expect("skopeo delete");
    assert!(out.status.success(), "skopeo delete: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(served_digest(&registry, "mcp/hand", "1"), moved);
    let out = run_env(&env, &["audit", "--profile", "hand", "--no-probe", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let audit = json(&out);
    let kinds: Vec<&str> = findings_of(&audit, "hand").iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(kinds, ["pin-gone", "integrity-changed"], "{audit}");
}

#[test]
fn an_unknown_image_or_tag_and_a_registry_that_is_down_publish_nothing() {
    let registry = Registry::start(RegistryOptions::default());
    let host = registry.host();
    push(&registry, "mcp/known", "1", "known", false);
    let env = initialized();
    let doc = |image: String| json!({"mcpServers": {"ours": {"command": "docker", "args": ["run", "-i", image]}}});
    publish_shared(&env, "unknown", &doc(format!("{host}/mcp/nobody:1")));
    publish_shared(&env, "notag", &doc(format!("{host}/mcp/known:2")));
    publish_shared(&env, "down", &doc("127.0.0.1:9/mcp/known:1".to_owned()));
    let before = env.snapshot();

    let out = run_env(&env, &["lock", "--profile", "unknown", "--oci-plain-http"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{host}/mcp/nobody:1 is not in the registry {host}")), "{err}");
    assert!(err.contains("nothing was published"), "{err}");

    let out = run_env(&env, &["lock", "--profile", "notag", "--oci-plain-http", "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        (report["created"].as_bool(), change(&report, "ours")["action"].as_str()),
        (Some(false), Some("failed"))
    );
    assert!(
        change(&report, "ours")["error"].as_str().is_some_and(|e| e.contains("mcp/known:2 is not in the registry"))
    );

    let out = run_env(&env, &["lock", "--profile", "down", "--oci-plain-http"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot reach the registry 127.0.0.1:9 for 127.0.0.1:9/mcp/known:1"), "{err}");
    assert!(err.contains("nothing was published"), "{err}");

    let after = env.snapshot();
    let changed: Vec<&String> =
        after.iter().filter(|f| !before.contains(f) && !f.0.starts_with("cache/")).map(|(p, _)| p).collect();
    assert!(changed.is_empty(), "refused locks leave the home as it was: {changed:?}");
}

#[test]
fn audit_reports_an_image_lock_that_does_not_match_and_a_registry_it_cannot_reach() {
    let env = initialized();
    let (a, b) = (format!("sha256:{}", "a".repeat(64)), format!("sha256:{}", "b".repeat(64)));
    let image = "127.0.0.1:9/mcp/x";
    let locked = |digest: &str| {
        json!({"ecosystem": "oci", "package": image, "registry": "127.0.0.1:9",
        "repository": "mcp/x", "tag": "1", "integrity": digest})
    };
    publish_shared(
        &env,
        "edited",
        &json!({"mcpServers": {
            "edited": {"command": "docker", "args": ["run", "-i", format!("{image}:1@{a}")], "lock": locked(&b)},
            "unreachable": {"command": "docker", "args": ["run", "-i", format!("{image}:1@{a}")], "lock": locked(&a)},
        }}),
    );
    let out = run_env(&env, &["lock", "--profile", "edited", "--check", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let row = json(&out)["servers"][0].clone();
    assert_eq!((row["state"].as_str(), row["locked_version"].as_str()), (Some("pinned"), Some(b.as_str())), "{row}");

    let out = run_env(&env, &["audit", "--profile", "edited", "--no-probe", "--json"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let audit = json(&out);
    let edited = findings_of(&audit, "edited");
    assert_eq!(edited[0]["kind"], "pin-mismatch", "{audit}");
    assert!(edited[0]["message"].as_str().is_some_and(|m| m.contains(&format!("{image}@{a}")) && m.contains(&b)));
    let unreachable = findings_of(&audit, "unreachable");
    assert_eq!((unreachable.len(), unreachable[0]["kind"].as_str()), (1, Some("registry-failed")), "{audit}");
    assert_eq!(unreachable[0]["level"], "warning");
    assert!(unreachable[0]["message"].as_str().is_some_and(|m| m.contains("cannot reach the registry 127.0.0.1:9")));
}

#[test]
fn a_tls_registry_with_a_login_is_reached_with_the_ca_and_dockers_credentials() {
    let registry = Registry::start(RegistryOptions { tls: true, auth: true, token: false });
    let host = registry.host();
    let digest = push(&registry, "mcp/private", "1", "private", false);
    let env = initialized();
    publish_shared(
        &env,
        "private",
        &json!({"mcpServers": {"private": {"command": "docker", "args": ["run", "-i", format!("{host}/mcp/private:1")]}}}),
    );
    let ca = registry.ca_file();
    let ca = ca.to_str().expect("utf8");

    // No login: refused, named, with what to do.
    let out = run_env(&env, &["lock", "--profile", "private", "--oci-ca-file", ca]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("log in with `docker login {host}`")), "{}", stderr(&out));
    // Without the CA: the certificate is not trusted.
    let out = run_env(&env, &["lock", "--profile", "private"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--oci-ca-file for a private CA"), "{}", stderr(&out));

    // `docker login` leaves the credentials in ~/.docker/config.json: they are used.
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}"));
    env.write_file(".docker/config.json", &json!({"auths": {host.clone(): {"auth": auth}}}).to_string());
    let out = run_env(&env, &["lock", "--profile", "private", "--oci-ca-file", ca, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(change(&json(&out), "private")["new_integrity"], digest.as_str());
    let out2 = run_env(&env, &["audit", "--profile", "private", "--no-probe", "--oci-ca-file", ca]);
    assert_eq!(code(&out2), 0, "{}", stderr(&out2));
    for output in [&out, &out2] {
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains(REGISTRY_PASSWORD) && !text.contains(&auth), "a credential shows: {text}");
        }
    }
    for (path, bytes) in env.snapshot() {
        assert!(!String::from_utf8_lossy(&bytes).contains(REGISTRY_PASSWORD), "a credential is in {path}");
    }
    for event_file in std::fs::read_dir(env.home().join("events")).expect("events dir").flatten() {
        let text = std::fs::read_to_string(event_file.path()).unwrap_or_default();
        assert!(!text.contains(REGISTRY_PASSWORD), "a credential is in {}", event_file.path().display());
    }
}
