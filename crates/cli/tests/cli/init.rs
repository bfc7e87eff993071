//! `init-configs`, `clients`, `profiles`, the `mcp-orchestration-init` alias and the exit
//! codes of the basics.

use mcp_testkit::{TestEnv, mode};

use super::common::*;

#[test]
fn init_creates_keys_and_seeds_a_default_profile_for_every_client() {
    let env = TestEnv::new();
    let out = run(&env, &["init-configs", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["key_created"], true);
    assert_eq!(report["unchanged"], false);
    let clients = json(&run(&env, &["clients", "--json"]));
    let ids: Vec<&str> =
        clients.as_array().expect("list").iter().map(|c| c["client_id"].as_str().expect("id")).collect();
    let seeded: Vec<&str> =
        report["seeded"].as_array().expect("seeded").iter().map(|s| s["client_id"].as_str().expect("id")).collect();
    // One shared `default` every client follows, not one copy per client.
    assert_eq!(seeded, ["_shared"], "one shared default profile");
    assert_eq!(report["seeded"][0]["profile_id"], "default");
    assert!(env.home().join("heads/_shared/default.json").is_file());
    assert!(!env.home().join("heads/cursor").exists(), "no per-client copy");
    assert_eq!(std::fs::read_to_string(env.home().join("layout.json")).expect("layout"), "{\"layout\": 2}\n");
    for required in [
        "claude-desktop",
        "claude-code",
        "cursor",
        "vscode",
        "windsurf",
        "gemini-cli",
        "codex",
        "zed",
        "cline",
        "continue",
        "goose",
        "opencode",
        "lm-studio",
    ] {
        assert!(ids.contains(&required), "{required} is listed");
    }
    assert_eq!(mode(&env.home().join("keys/signing_key.pem")), 0o600);
    let key_id = report["key_id"].as_str().expect("key id");
    let trusted = env.home().join(format!("keys/trusted/{}.pub", &key_id["sha256:".len()..]));
    assert!(trusted.is_file(), "own key is trusted");
    // Every client's `default` is the shared one, and the artifact says so.
    let got = json(&run(&env, &["get", "claude-desktop", "--json"]));
    assert_eq!(got["version"], 1);
    assert_eq!(got["client_id"], "_shared");
    for client in ids {
        let other = json(&run(&env, &["get", client, "--json"]));
        assert_eq!(other["artifact_id"], got["artifact_id"], "{client} follows the shared default");
    }
    assert_eq!(got["signing_key_id"], key_id);
    assert!(got["payload"]["mcpServers"]["filesystem"]["command"] == "npx");
}

#[test]
fn second_init_changes_nothing_and_says_so() {
    let env = initialized();
    let before = env.snapshot();
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("nothing changed"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before);
}

#[test]
fn init_force_reseeds_as_new_versions() {
    let env = initialized();
    let out = run(&env, &["init-configs", "--force", "--json"]);
    assert_eq!(code(&out), 0);
    let report = json(&out);
    assert!(report["seeded"].as_array().expect("seeded").iter().all(|s| s["version"] == 2));
    let history = json(&run(&env, &["history", "cursor", "--json"]));
    let versions: Vec<u64> =
        history["history"].as_array().expect("list").iter().map(|h| h["version"].as_u64().expect("v")).collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(history["history"][1]["previous"], history["history"][0]["artifact_id"]);
}

#[test]
fn init_alias_binary_runs_init_configs() {
    let env = TestEnv::with_fixed_key();
    let out = env.command(env!("CARGO_BIN_EXE_mcp-orchestration-init")).arg("--json").output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["key_created"], false, "the fixed key was kept");
    assert!(env.home().join("layout.json").is_file());
}

#[test]
fn init_refuses_a_private_key_others_can_read_and_changes_nothing() {
    let env = TestEnv::new();
    env.write_private_key(mcp_testkit::FIXED_KEY_A, 0o644);
    let before = env.snapshot();
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 10);
    let err = stderr(&out);
    assert!(err.contains("Permissions 0644") && err.contains("are too open") && err.contains("chmod 600"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.snapshot(), before);
    assert!(!env.home().join("layout.json").exists());
}

#[test]
fn unknown_client_and_profile_are_not_found() {
    let env = initialized();
    let out = run(&env, &["get", "no-such-client"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("unknown client 'no-such-client'"), "{}", stderr(&out));
    let out = run(&env, &["get", "cursor", "--profile", "nope"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no profile 'nope' for client 'cursor'"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn ids_that_would_escape_the_home_are_refused_as_unsafe() {
    let env = initialized();
    let out = run(&env, &["get", "cursor", "--profile", "../../etc"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("not a valid profile id"));
    let out = run(&env, &["get", "cursor", "--profile", "Bad Name"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn commands_on_an_uninitialized_home_say_to_run_init() {
    let env = TestEnv::new();
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("run `mcp-orchestration init-configs` first"), "{}", stderr(&out));
    assert!(!env.home().exists(), "a refused command does not create the home");
}

#[test]
fn usage_errors_exit_2_and_help_has_an_example_and_exit_codes() {
    let env = TestEnv::new();
    assert_eq!(code(&run(&env, &["publish", "cursor"])), 2);
    assert_eq!(code(&run(&env, &["no-such-command"])), 2);
    for cmd in ["init-configs", "get", "publish", "verify", "history", "profiles", "clients", "migrate"] {
        let out = run(&env, &[cmd, "--help"]);
        assert_eq!(code(&out), 0);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Example:"), "{cmd} --help has an example");
    }
    let out = run(&env, &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("9 rollback or expired") && text.contains("10 refused as unsafe"), "{text}");
}

#[test]
fn profiles_lists_heads() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("a", "npx"));
    publish(&env, "cursor", "dev", &servers("b", "npx"));
    let out = json(&run(&env, &["profiles", "cursor", "--json"]));
    let profiles = out["profiles"].as_array().expect("list");
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0]["profile_id"], "default");
    assert_eq!(profiles[1]["profile_id"], "dev");
    assert_eq!(profiles[1]["version"], 2);
}
