//! The real `mcp-orchestration` binary over stdio: stdout carries only protocol messages, and
//! one session survives thousands of malformed lines while answering every ping in order.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::support::Env;

/// The CLI binary, built (or found up to date) once per test run in this test's target dir;
/// `MCP_ORCHESTRATION_BIN` overrides it.
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("MCP_ORCHESTRATION_BIN") {
            return PathBuf::from(bin);
        }
        // target/debug/deps/server-HASH → target/debug
        let exe = std::env::current_exe().expect("test exe");
        let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target/debug").to_path_buf();
        let target_dir = profile_dir.parent().expect("target").to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "mcp-orchestration", "--bin", "mcp-orchestration"])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p mcp-orchestration failed");
        profile_dir.join("mcp-orchestration")
    })
    .clone()
}

fn initialize_lines() -> String {
    let init = json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "robustness", "version": "1"}}});
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    format!("{init}\n{initialized}\n")
}

/// A small deterministic generator (no dependency, same lines every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// The malformed line number `i`: random bytes, truncated JSON, invalid UTF-8, deep nesting,
/// JSON that is not a message, a request with a bad shape.
fn malformed(i: usize, rng: &mut Lcg) -> Vec<u8> {
    let mut line = match i % 8 {
        0 => (0..1 + rng.next() % 300).map(|_| (rng.next() % 256) as u8).filter(|b| *b != b'\n').collect(),
        1 => {
            let full = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "get_config"}})
                .to_string();
            full.as_bytes()[..(rng.next() as usize % full.len())].to_vec()
        }
        2 => {
            let mut v = br#"{"jsonrpc":"2.0","id":1,"method":"ping","x":""#.to_vec();
            v.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);
            v.extend_from_slice(br#""}"#);
            v
        }
        3 if i % 1000 == 3 => vec![b'['; 100_000],
        3 => vec![b'{'; 1 + (rng.next() as usize % 5000)],
        4 => br#"{"hello": "world"}"#.to_vec(),
        5 => br#"{"jsonrpc":"2.0","id":{"nested":true},"method":"ping"}"#.to_vec(),
        6 => br#"{"jsonrpc":"1.0","method":42}"#.to_vec(),
        _ => b"\x00\x01\x02 not json at all \x7f".to_vec(),
    };
    line.retain(|b| *b != b'\n');
    line.push(b'\n');
    line
}

#[test]
fn ten_thousand_malformed_lines_and_every_ping_answered_in_order() {
    let env = Env::new();
    let mut child = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server (no subcommand)");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let writer = std::thread::spawn(move || {
        let mut rng = Lcg(42);
        stdin.write_all(initialize_lines().as_bytes()).expect("write init");
        let mut pings = 0;
        for i in 0..10_000 {
            stdin.write_all(&malformed(i, &mut rng)).expect("write malformed");
            if i % 10 == 9 {
                let ping = json!({"jsonrpc": "2.0", "id": 100_000 + pings, "method": "ping"});
                stdin.write_all(format!("{ping}\n").as_bytes()).expect("write ping");
                pings += 1;
            }
        }
        assert_eq!(pings, 1000);
        // Dropping stdin closes the session.
    });
    let mut ping_ids = Vec::new();
    for (lines, line) in BufReader::new(stdout).split(b'\n').enumerate() {
        let line = line.expect("read stdout");
        let message: Value = serde_json::from_slice(&line)
            .unwrap_or_else(|e| panic!("stdout line {lines} is not JSON ({e}): {}", String::from_utf8_lossy(&line)));
        assert_eq!(message["jsonrpc"], "2.0", "not a JSON-RPC message: {message}");
        assert!(message.get("result").is_some() || message.get("error").is_some(), "{message}");
        if let Some(id) = message["id"].as_u64()
            && id >= 100_000
        {
            assert_eq!(message["result"], json!({}), "{message}");
            ping_ids.push(id);
        }
    }
    writer.join().expect("writer");
    let status = child.wait().expect("wait");
    let stderr = stderr_reader.join().expect("stderr");
    assert!(!stderr.contains("panicked"), "the server panicked: {stderr}");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert_eq!(ping_ids.len(), 1000, "pings answered: {}", ping_ids.len());
    let disorder = ping_ids.windows(2).position(|w| w[0] + 1 != w[1]);
    assert_eq!(disorder, None, "ping answers out of order around {:?}", disorder.map(|i| &ping_ids[i..i + 2]));
}

#[test]
fn serve_answers_tools_list_and_a_tool_call_on_stdout_only() {
    let env = Env::new();
    let mut child = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .arg("serve")
        .env("MCP_ORCHESTRATION_LOG_LEVEL", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut stdin = child.stdin.take().expect("stdin");
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                      "params": {"name": "get_config", "arguments": {"client_id": "cursor"}}});
    stdin.write_all(format!("{}{list}\n{call}\n", initialize_lines()).as_bytes()).expect("write");
    drop(stdin);
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let messages: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("non-protocol line {l}"))).collect();
    let by_id = |id: Value| messages.iter().find(|m| m["id"] == id).cloned().expect("response");
    assert_eq!(by_id(json!(2))["result"]["tools"].as_array().expect("tools").len(), 23);
    let artifact = &by_id(json!(3))["result"]["structuredContent"];
    assert_eq!(artifact["client_id"], "_shared");
    assert_eq!(artifact["served_for"], "cursor");
    // Debug logs went to stderr.
    assert!(!String::from_utf8_lossy(&output.stderr).is_empty());
}
