//! The real binary over stdio as JSON-RPC says: malformed JSON gets -32700 with `id: null`,
//! bad params of a known method -32602 (a resource URI that names no valid id too), an invalid
//! request -32600 with its id (a member given twice too), a byte order mark ignored; -32601/-32602
//! replies are not logged at WARN; and a client that closes stdin before `initialize` ends the
//! server with exit 0 and nothing on stderr.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::stdio::binary;
use crate::support::Env;

#[test]
fn closing_stdin_before_initialize_exits_0_quietly() {
    let env = Env::new();
    let out = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
        .wait_with_output()
        .expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn malformed_lines_get_the_json_rpc_error_codes() {
    let env = Env::new();
    let mut child = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        .to_string(),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        "{not json".to_owned(),
        r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}}"#.to_owned(),
        r#"{"id":4,"method":"ping"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":5,"method":"prompts/get","params":{"name":"x"}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":6,"method":"no/such"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":8,"method":"resources/read","params":{"uri":"config://cursor/..%2f..%2fetc"}}"#
            .to_owned(),
        r#"{"jsonrpc":"2.0","id":9,"method":"ping","id":9}"#.to_owned(),
        "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}".to_owned(),
    ];
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all((lines.join("\n") + "\n").as_bytes()).expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let replies: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout carries only JSON-RPC"))
        .collect();
    let code_of =
        |id: Value| replies.iter().find(|r| r["id"] == id).map(|r| r["error"]["code"].clone()).unwrap_or(Value::Null);
    assert_eq!(code_of(Value::Null), json!(-32700), "{replies:?}");
    assert_eq!(code_of(json!(2)), json!(-32602));
    assert_eq!(code_of(json!(3)), json!(-32602));
    assert_eq!(code_of(json!(4)), json!(-32600));
    assert_eq!(code_of(json!(5)), json!(-32602), "an unknown prompt is invalid params");
    assert_eq!(code_of(json!(6)), json!(-32601));
    assert!(replies.iter().any(|r| r["id"] == 7 && r["result"] == json!({})), "the ping after them: {replies:?}");
    assert_eq!(code_of(json!(8)), json!(-32602), "a resource URI naming no valid profile is invalid params");
    assert_eq!(code_of(json!(9)), json!(-32600), "a member given twice");
    assert!(replies.iter().any(|r| r["id"] == 10 && r["result"] == json!({})), "a BOM is ignored: {replies:?}");
    let init = replies.iter().find(|r| r["id"] == 1).expect("initialize result");
    assert!(init["result"]["capabilities"].get("prompts").is_some(), "the prompts are not advertised");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("WARN"), "protocol errors logged at WARN: {stderr}");
}

#[test]
fn a_project_dir_that_is_not_a_directory_is_a_usage_error() {
    let env = Env::new();
    let missing = env.root().join("no-such-project");
    let out = env
        .test
        .std_command(binary().to_str().expect("utf-8 path"))
        .args(["serve", "--project-dir"])
        .arg(&missing)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--project-dir") && stderr.contains("not a directory"), "{stderr}");
    assert!(out.stdout.is_empty());
}
