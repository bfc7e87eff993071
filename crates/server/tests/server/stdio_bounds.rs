//! The real `mcp-orchestration serve` over stdio holds bounded memory whatever the host does: a
//! host that stops reading stdout makes its own writes block (the server stops taking requests)
//! while the server's memory stays small, and every answer arrives in order once it reads again;
//! a host that closes stdout ends the session, the server exiting 0 without an error.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stdio::binary;
use crate::support::Env;

const REQUESTS: usize = 6_000;

/// The most memory the server may hold while its host reads nothing.
const MAX_RSS_BYTES: u64 = 100 * 1024 * 1024;

fn spawn_serve(env: &Env) -> Child {
    env.test
        .std_command(binary().to_str().expect("utf-8 path"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve")
}

fn read_stderr(mut stderr: ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

/// Writes `initialize` and `notifications/initialized`, then reads the `initialize` answer.
fn initialize(stdin: &mut impl Write, stdout: &mut impl BufRead) {
    let init = json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bounds", "version": "1"}}});
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    stdin.write_all(format!("{init}\n{initialized}\n").as_bytes()).expect("write initialize");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the initialize answer");
    let answer: Value = serde_json::from_str(&line).expect("a JSON answer");
    assert_eq!(answer["id"], "init", "{answer}");
    assert!(answer["result"]["serverInfo"].is_object(), "{answer}");
}

/// The server's resident memory, from /proc/PID/status.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS in /proc/PID/status");
    kib * 1024
}

#[test]
fn a_host_that_stops_reading_blocks_on_its_writes_and_the_server_stays_small() {
    let env = Env::new();
    let mut child = spawn_serve(&env);
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let stderr = read_stderr(child.stderr.take().expect("stderr"));
    initialize(&mut stdin, &mut stdout);

    // The host writes 6,000 tool calls and reads nothing (the pipe and the server take about 1,500).
    let written = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&written);
    let writer = std::thread::spawn(move || {
        for id in 1..=REQUESTS {
            let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                              "params": {"name": "list_clients", "arguments": {}}});
            stdin.write_all(format!("{call}\n").as_bytes()).expect("write a request");
            counted.fetch_add(1, Ordering::SeqCst);
        }
        // Dropping stdin ends the session once everything is answered.
    });
    // Until the writer is done or has made no progress for 2 s (its write blocks: the pipe is
    // full because the server takes nothing more), at most 2 minutes; the largest RSS seen.
    let start = Instant::now();
    let (mut last, mut since, mut max_rss) = (0, Instant::now(), 0);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        max_rss = max_rss.max(rss_bytes(pid));
        let now = written.load(Ordering::SeqCst);
        if now == REQUESTS || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let blocked_at = written.load(Ordering::SeqCst);
    assert!(
        blocked_at < REQUESTS / 2,
        "the host's writes did not block although it read nothing: {blocked_at} of {REQUESTS} requests written"
    );
    assert!(max_rss < MAX_RSS_BYTES, "the server held {} MiB while its host read nothing", max_rss >> 20);

    // The host reads again: every answer arrives, in order.
    let mut ids = Vec::with_capacity(REQUESTS);
    for line in stdout.lines() {
        let line = line.expect("read stdout");
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(answer["result"]["isError"], false, "{answer}");
        ids.push(answer["id"].as_u64().expect("a numeric id") as usize);
    }
    writer.join().expect("writer");
    let status = child.wait().expect("wait");
    let stderr = stderr.join().expect("stderr");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert_eq!(ids.len(), REQUESTS, "answers read");
    assert_eq!(ids, (1..=REQUESTS).collect::<Vec<_>>(), "answers in the order of their requests");
}

#[test]
fn a_host_that_closes_stdout_ends_the_session_and_the_server_exits_0_quietly() {
    let env = Env::new();
    let mut child = spawn_serve(&env);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let stderr = read_stderr(child.stderr.take().expect("stderr"));
    initialize(&mut stdin, &mut stdout);
    drop(stdout);
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "list_clients", "arguments": {}}});
    stdin.write_all(format!("{call}\n").as_bytes()).expect("write a request");
    stdin.flush().expect("flush");
    // stdin stays open: the closed stdout alone must end the session.
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server still runs 30 s after its stdout was closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let stderr = stderr.join().expect("stderr");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert!(!stderr.contains("ERROR"), "an error was logged: {stderr}");
    assert!(!stderr.contains("panicked"), "the server panicked: {stderr}");
}
