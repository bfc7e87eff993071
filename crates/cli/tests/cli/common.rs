//! Helpers shared by the CLI tests.

use std::process::Output;

use mcp_testkit::TestEnv;
use serde_json::Value;

/// The main binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-orchestration");

/// Runs the main binary with `args` in `env`.
pub fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.command(BIN).args(args).output().expect("run mcp-orchestration")
}

/// The exit code of a finished process.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// Stdout parsed as JSON.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An initialized environment with the fixed key A.
pub fn initialized() -> TestEnv {
    let env = TestEnv::with_fixed_key();
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 0, "init failed: {}", stderr(&out));
    env
}

/// A servers document with one stdio server.
pub fn servers(name: &str, command: &str) -> String {
    format!(r#"{{"mcpServers": {{"{name}": {{"command": "{command}", "args": ["-y", "pkg"]}}}}}}"#)
}

/// Publishes `doc` to client/profile and returns the artifact JSON.
pub fn publish(env: &TestEnv, client: &str, profile: &str, doc: &str) -> Value {
    let file = env.write_file(&format!("doc-{client}-{profile}.json"), doc);
    let out = run(env, &["publish", client, "--profile", profile, "--file", file.to_str().expect("utf8"), "--json"]);
    assert_eq!(code(&out), 0, "publish failed: {}", stderr(&out));
    json(&out)
}

/// The stored envelope of `client`/`profile` at `version` (`client` may be `_shared`).
pub fn envelope(env: &TestEnv, client: &str, profile: &str, version: u64) -> std::path::PathBuf {
    env.home().join(format!("history/{client}/{profile}/{version:010}.json"))
}
