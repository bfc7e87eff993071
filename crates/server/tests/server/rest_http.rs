//! The REST API's HTTP behaviour around the core operations, on the real binary: CORS off by
//! default and on for `--cors-origin` origins only (a bad one refused at start), the
//! failed-auth limit answering 429 problem documents, project-scope deploy and diff within
//! `--project-dir` only, the diff of a client's live file (redacted), ETag/304 of an artifact
//! by id, and one history summary shared by the MCP tool and the REST endpoint.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::http::Server;
use crate::rest::{CANARY, call, seeded, token};
use crate::stdio::binary;
use crate::support::Env;

const SITE: &str = "https://ci.example.com";

fn preflight(addr: &str, path: &str, origin: &str) -> crate::rest::Reply {
    call(
        addr,
        "OPTIONS",
        path,
        None,
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
}

#[test]
fn without_cors_origin_no_cors_header_is_sent_even_to_a_preflight() {
    let (_env, server, read, _) = seeded();
    let pre = preflight(&server.addr, "/v1/clients", SITE);
    assert!(pre.header("access-control-allow-origin").is_none(), "{}", pre.head);
    let get = call(&server.addr, "GET", "/v1/clients", Some(&read), None, &[("Origin", SITE)]);
    assert_eq!((get.status, get.problem_type()), (403, "forbidden".into()), "a foreign origin is refused");
    assert!(get.header("access-control-allow-origin").is_none());
}

#[test]
fn a_cors_origin_may_call_v1_from_a_browser_and_no_other_origin_may() {
    let env = Env::new();
    let read = token(&env, "web", "read");
    let server = Server::start(&env, &["--cors-origin", SITE]);
    let a = server.addr.as_str();
    let pre = preflight(a, "/v1/clients", SITE);
    assert_eq!(pre.status, 200, "{}", pre.head);
    assert_eq!(pre.header("access-control-allow-origin").as_deref(), Some(SITE));
    let allowed = pre.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("if-none-match"), "{allowed}");
    let head = call(a, "GET", "/v1/clients/cursor/profiles/default/head", Some(&read), None, &[("Origin", SITE)]);
    assert_eq!(head.status, 200, "{}", head.body);
    assert_eq!(head.header("access-control-allow-origin").as_deref(), Some(SITE));
    assert!(head.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase().contains("etag"));
    // Another origin: no CORS header on the preflight, 403 on the request.
    let other = preflight(a, "/v1/clients", "https://evil.example");
    assert!(other.header("access-control-allow-origin").is_none(), "{}", other.head);
    let evil = call(a, "GET", "/v1/clients", Some(&read), None, &[("Origin", "https://evil.example")]);
    assert_eq!((evil.status, evil.problem_type()), (403, "forbidden".into()));
    // The origin reaches /v1 only: /mcp gets no CORS header.
    let mcp = preflight(a, "/mcp", SITE);
    assert!(mcp.header("access-control-allow-origin").is_none(), "{}", mcp.head);
}

#[test]
fn a_cors_origin_that_is_not_an_origin_is_a_usage_error() {
    let env = Env::new();
    for bad in ["https://ci.example.com/app", "*", "ci.example.com", "ftp://ci.example.com"] {
        let out = env
            .test
            .std_command(binary().to_str().expect("utf-8"))
            .args(["serve", "--http", "127.0.0.1:0", "--cors-origin", bad])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--cors-origin") && stderr.contains("not an origin"), "{stderr}");
    }
}

#[test]
fn a_burst_of_wrong_tokens_on_v1_gets_429_problems_and_a_good_token_passes() {
    let (_env, server, read, _) = seeded();
    let (mut unauthorized, mut limited, mut last) = (0, 0, None);
    for i in 0..200 {
        let reply = call(&server.addr, "GET", "/v1/clients", Some(&format!("mcpo_wrong{i}")), None, &[]);
        match reply.status {
            401 => unauthorized += 1,
            429 => {
                limited += 1;
                last = Some(reply);
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(unauthorized <= 40, "{unauthorized} wrong tokens got 401 before the limit");
    assert!(limited >= 160, "only {limited} of 200 wrong tokens were limited");
    let last = last.expect("a 429");
    assert_eq!(last.problem_type(), "too-many-requests");
    let retry: u64 = last.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert_eq!(last.json()["retry_after"], retry, "the problem names the same wait");
    assert_eq!(call(&server.addr, "GET", "/v1/clients", Some(&read), None, &[]).status, 200, "a good token passes");
    let none = call(&server.addr, "GET", "/v1/clients", None, None, &[]);
    assert_eq!((none.status, none.problem_type()), (401, "unauthorized".into()), "no token guesses nothing");
}

#[test]
fn project_scope_deploys_and_diffs_inside_a_project_dir_only() {
    let (env, _server, _read, write) = seeded();
    let project = env.root().join("app");
    std::fs::create_dir_all(project.join(".cursor")).expect("project");
    let server = Server::start(&env, &["--project-dir", project.to_str().expect("utf-8")]);
    let a = server.addr.as_str();
    let w = Some(write.as_str());
    let body = json!({"profile": "default", "scope": "project", "create": true, "confirm": true});
    let done = call(a, "POST", "/v1/clients/cursor/deploy", w, Some(&body), &[]);
    assert_eq!(done.status, 200, "{}", done.body);
    let file = project.join(".cursor/mcp.json");
    assert_eq!(done.json()["report"]["file"], file.display().to_string());
    assert!(std::fs::read_to_string(&file).expect("written").contains("canary-server"));
    let diff = call(a, "GET", "/v1/clients/cursor/diff?scope=project", w, None, &[]);
    assert_eq!((diff.status, diff.json()["status"].clone()), (200, json!("up-to-date")), "{}", diff.body);
    // A project that is not a --project-dir is refused as unsafe, and nothing is written.
    let elsewhere = env.root().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join(".cursor")).expect("dir");
    let body = json!({"profile": "default", "scope": "project", "project": elsewhere, "create": true, "confirm": true});
    let refused = call(a, "POST", "/v1/clients/cursor/deploy", w, Some(&body), &[]);
    assert_eq!((refused.status, refused.problem_type()), (422, "unsafe".into()), "{}", refused.body);
    assert!(!elsewhere.join(".cursor/mcp.json").exists());
}

#[test]
fn project_scope_without_a_project_dir_is_a_usage_problem() {
    let (_env, server, _read, write) = seeded();
    let reply = call(&server.addr, "GET", "/v1/clients/cursor/diff?scope=project", Some(&write), None, &[]);
    assert_eq!((reply.status, reply.problem_type()), (400, "usage".into()), "{}", reply.body);
    assert!(reply.json()["detail"].as_str().is_some_and(|d| d.contains("--project-dir")));
}

#[test]
fn the_live_file_diff_shows_drift_redacted() {
    let (env, server, read, _) = seeded();
    let file = env.root().join(".cursor/mcp.json");
    let mut live: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("file")).expect("json");
    live["mcpServers"]["mine"] = json!({"command": "mine", "args": [], "env": {"KEY": CANARY}});
    live["mcpServers"]["canary"]["args"] = json!(["--changed"]);
    std::fs::write(&file, live.to_string()).expect("edit");
    let reply = call(&server.addr, "GET", "/v1/clients/cursor/diff", Some(&read), None, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["status"], "diverged", "{report}");
    assert_eq!(report["profile_id"], "default", "the profile last deployed into the file");
    assert_eq!(report["file"], file.display().to_string());
    assert_eq!(report["kept"], json!(["mine"]), "the user's own entry is kept");
    assert!(!reply.body.contains(CANARY), "the live file's secret leaked: {}", reply.body);
    let missing = call(&server.addr, "GET", "/v1/clients/cursor/diff?profile=nope", Some(&read), None, &[]);
    assert_eq!((missing.status, missing.problem_type()), (404, "not-found".into()), "{}", missing.body);
}

#[test]
fn an_artifact_by_id_carries_its_etag_and_if_none_match_gives_304() {
    let (_env, server, read, _) = seeded();
    let head = call(&server.addr, "GET", "/v1/clients/cursor/profiles/default/head", Some(&read), None, &[]);
    let id = head.json()["artifact_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/clients/cursor/profiles/default/artifacts/{id}");
    let one = call(&server.addr, "GET", &path, Some(&read), None, &[]);
    assert_eq!(one.header("etag"), Some(format!("\"{id}\"")), "a strong ETag: the artifact id, quoted");
    let cached =
        call(&server.addr, "GET", &path, Some(&read), None, &[("If-None-Match", &format!("W/\"x\", \"{id}\""))]);
    assert_eq!((cached.status, cached.body.as_str()), (304, ""));
    assert_eq!(cached.header("etag"), Some(format!("\"{id}\"")));
    let stale = call(&server.addr, "GET", &path, Some(&read), None, &[("If-None-Match", "\"sha256:other\"")]);
    assert_eq!((stale.status, stale.json()["artifact_id"].clone()), (200, json!(id)));
}

#[tokio::test]
async fn the_mcp_tool_and_the_rest_endpoint_give_the_same_history_entries() {
    let (env, server, read, _) = seeded();
    let doc = json!({"document": {"mcpServers": {"fs": {"command": "fs-server", "args": []}}}, "note": "second"});
    let w = crate::http::token_of(&env);
    let published =
        call(&server.addr, "POST", "/v1/clients/cursor/profiles/default/publish", Some(&w), Some(&doc), &[]);
    assert_eq!(published.status, 201, "{}", published.body);
    let rest = call(&server.addr, "GET", "/v1/clients/cursor/profiles/default/history", Some(&read), None, &[]).json();
    let client = env.client().await;
    let mcp = client.call("list_history", json!({"client_id": "cursor", "profile_id": "default"})).await;
    let mcp_entries = mcp.ok()["entries"].clone();
    client.close().await;
    assert_eq!(rest["entries"], mcp_entries, "one summary type for both adapters");
    assert_eq!(rest["entries"][1]["metadata"]["note"], "second");
    assert_eq!(rest["entries"][1]["previous"], rest["entries"][0]["artifact_id"], "the hash chain link");
}
