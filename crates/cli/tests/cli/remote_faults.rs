//! A registry that misbehaves mid-transfer: a proxy in front of the real registry passes every
//! request through but, for blob downloads, either closes the connection halfway through the
//! body or stops sending (a stall). The pull fails with a clear error and the follower's home
//! is unchanged. A registry that answers one manifest read with a 500 (as distribution does to
//! a tag read that meets a write of that tag) is read again, once, and the pull goes through.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mcp_testkit::registry::{Registry, RegistryOptions};

use super::common::{code, initialized, run, stderr};
use super::remote::{REPO, add_remote, follower, publish_team, pushed_and_follower, trust};

#[derive(Clone, Copy)]
enum Fault {
    CloseMidBlob,
    StallMidBlob,
    /// The first manifest read is answered 500; everything else passes through.
    ServerErrorOnce,
}

const SERVER_ERROR: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 58\r\n\r\n{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"unknown error\"}]}\n";

/// Reads one request's head (the requests here have no body).
fn read_head(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

/// Serves one client connection: each request goes to the registry on a connection of its own
/// (asked to close, so the whole answer is what it sends before closing).
fn serve(mut client: TcpStream, upstream: String, fault: Fault, failed: Arc<AtomicBool>) {
    while let Some(head) = read_head(&mut client) {
        let text = String::from_utf8_lossy(&head).into_owned();
        if matches!(fault, Fault::ServerErrorOnce)
            && text.starts_with("GET ")
            && text.contains("/manifests/")
            && !failed.swap(true, Ordering::SeqCst)
        {
            if client.write_all(SERVER_ERROR).is_err() {
                return;
            }
            continue;
        }
        let is_blob =
            text.starts_with("GET ") && text.contains("/blobs/sha256:") && !matches!(fault, Fault::ServerErrorOnce);
        let request = text.replacen("\r\n", "\r\nConnection: close\r\n", 1);
        let Ok(mut up) = TcpStream::connect(&upstream) else { return };
        if up.write_all(request.as_bytes()).is_err() {
            return;
        }
        let mut answer = Vec::new();
        let _ = up.read_to_end(&mut answer);
        if !is_blob {
            let answer = String::from_utf8_lossy(&answer).replacen("Connection: close\r\n", "", 1).into_bytes();
            if client.write_all(&answer).is_err() {
                return;
            }
            continue;
        }
        let body_at = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(answer.len(), |p| p + 4);
        let cut = body_at + (answer.len() - body_at) / 2;
        let _ = client.write_all(&answer[..cut]);
        match fault {
            Fault::CloseMidBlob | Fault::ServerErrorOnce => return,
            Fault::StallMidBlob => std::thread::sleep(Duration::from_secs(30)),
        }
    }
}

/// A proxy on 127.0.0.1 in front of `registry`; returns its `HOST:PORT`.
fn proxy(registry: &Registry, fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let upstream = registry.host();
    let failed = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, failed) = (upstream.clone(), failed.clone());
            std::thread::spawn(move || serve(client, upstream, fault, failed));
        }
    });
    addr
}

fn broken_pull(fault: Fault, expect: &str) {
    let (registry, _publisher, b) = pushed_and_follower();
    let via = proxy(&registry, fault);
    let url = format!("oci://{via}/{REPO}");
    let out = run(&b, &["remote", "add", "team", &url, "--plain-http", "--timeout", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = b.snapshot_store();
    let started = std::time::Instant::now();
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains(expect), "expected {expect:?} in: {}", stderr(&out));
    assert!(stderr(&out).contains("nothing was stored"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(20), "the pull gave up within its timeout");
    assert_eq!(b.snapshot_store(), before, "nothing stored");
    // Straight to the registry, the same pull works.
    let out = run(&b, &["remote", "remove", "team"]);
    assert_eq!(code(&out), 0);
    add_remote(&b, &registry, false, &[]);
    assert_eq!(code(&run(&b, &["pull", "--profile", "team"])), 0);
}

#[test]
fn a_registry_that_closes_the_connection_mid_blob_stores_nothing() {
    broken_pull(Fault::CloseMidBlob, "the transfer broke off");
}

#[test]
fn a_registry_that_stalls_mid_blob_times_out_and_stores_nothing() {
    broken_pull(Fault::StallMidBlob, "the transfer broke off");
}

#[test]
fn a_manifest_read_answered_500_once_is_read_again_and_the_pull_goes_through() {
    let registry = Registry::start(RegistryOptions::default());
    let a = initialized();
    let published = publish_team(&a, "github");
    add_remote(&a, &registry, false, &[]);
    assert_eq!(code(&run(&a, &["push"])), 0);
    let b = follower();
    trust(&b, &a);
    let url = format!("oci://{}/{REPO}", proxy(&registry, Fault::ServerErrorOnce));
    assert_eq!(code(&run(&b, &["remote", "add", "team", &url, "--plain-http"])), 0);
    let out = run(&b, &["pull", "--profile", "team"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&b, &["get", "--all", "--profile", "team", "--json"]);
    assert_eq!(super::common::json(&out)["artifact_id"], published["artifact_id"]);
}
