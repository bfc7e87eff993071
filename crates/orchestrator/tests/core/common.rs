//! Helpers shared by the core tests: fixed keys, fixed instants, statements, and an
//! `Orchestrator` over a hermetic `mcp_testkit::TestEnv` home.

#![allow(dead_code)]

use std::sync::Arc;

use mcp_testkit::TestEnv;
use orchestrator::Orchestrator;
use orchestrator::artifact::Statement;
use orchestrator::canonical::{self, Canonical};
use orchestrator::clock::FixedClock;
use orchestrator::crypto::{self, KeyPair};
use orchestrator::home::Home;
use orchestrator::trust::TrustStore;
use serde_json::{Map, Value, json};

/// The fixed "now" of every test (`mcp_testkit::FIXED_NOW`).
pub fn now() -> jiff::Timestamp {
    ts(mcp_testkit::FIXED_NOW)
}

/// Parses an RFC 3339 instant.
pub fn ts(text: &str) -> jiff::Timestamp {
    text.parse().expect("a valid RFC 3339 instant")
}

/// `now()` plus whole seconds (may be negative).
pub fn now_plus(seconds: i64) -> jiff::Timestamp {
    now().checked_add(jiff::SignedDuration::from_secs(seconds)).expect("in range")
}

/// Fixed key A (seed 0x01…), the key of `mcp_testkit::FIXED_KEY_A`.
pub fn key_a() -> KeyPair {
    KeyPair::from_seed(&[1; 32])
}

/// Fixed key B (seed 0x02…), the key of `mcp_testkit::FIXED_KEY_B`.
pub fn key_b() -> KeyPair {
    KeyPair::from_seed(&[2; 32])
}

/// A trust store holding the public halves of `keys`.
pub fn trust_of(keys: &[&KeyPair]) -> TrustStore {
    let mut store = TrustStore::new();
    for key in keys {
        store.insert(key.public().clone());
    }
    store
}

/// A small servers document.
pub fn small_servers() -> Value {
    json!({
        "mcpServers": {
            "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "${env:HOME}/work"]},
            "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                       "headers": {"Authorization": "Bearer ${secret:GITHUB_TOKEN}"}},
            "local-sse": {"type": "sse", "url": "http://127.0.0.1:8931/sse", "disabled": true, "timeout": 30}
        }
    })
}

/// The canonical form of a value built by the test.
pub fn canon(value: &Value) -> Canonical {
    canonical::canonicalize_value(value.clone())
}

/// A statement for `payload` at `version` of `client`/`profile`, created at `now()`.
pub fn statement(payload: &Canonical, client: &str, profile: &str, version: u64) -> Statement {
    let mut metadata = Map::new();
    metadata.insert("note".into(), json!("fixed test statement"));
    Statement {
        statement_type: crypto::STATEMENT_TYPE.to_owned(),
        artifact_id: payload.id().clone(),
        client_id: client.to_owned(),
        profile_id: profile.to_owned(),
        version,
        previous: None,
        created_at: now(),
        expires_at: None,
        metadata,
    }
}

/// An orchestrator over `env`'s home with a fixed clock at `at`.
pub fn orchestrator_at(env: &TestEnv, at: jiff::Timestamp) -> Orchestrator {
    Orchestrator::new(Home::new(env.home()), Arc::new(FixedClock(at)))
}

/// A home holding fixed key A, initialized (`init-configs`) at `now()`.
pub fn initialized() -> (TestEnv, Orchestrator) {
    let env = TestEnv::with_fixed_key();
    let orch = orchestrator_at(&env, now());
    let report = orch.init(false).expect("init");
    assert_eq!(report.key_id, key_a().public().id().to_string(), "init keeps the fixed key");
    assert!(!report.key_created);
    (env, orch)
}

/// A servers document whose one entry's argument is `tag`, as JSON text.
pub fn tagged_payload(tag: &str) -> String {
    json!({"mcpServers": {"probe": {"command": "echo", "args": [tag]}}}).to_string()
}

/// The bytes of every file under `dir` (recursively), sorted by relative path.
pub fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
