//! `GET /v1/audit` of the real `serve --http`: denied servers found and paged, every answer
//! valid against the OpenAPI document, a read token enough and none refused, bad paging
//! parameters and a policy that no longer verifies as problem documents, and no value of a
//! client file (a secret) in any answer.

use serde_json::Value;

use crate::audit_tool::{CANARY, machine_with_denied_servers};
use crate::http::Server;
use crate::rest::{call, token};
use crate::rest_schemas::conforms;
use crate::support::Env;

/// The audit tool's machine (a Cursor file with two servers a trusted org policy denies,
/// carrying a secret, and one it allows), a running server and a read token.
fn machine() -> (Env, Server, String) {
    let env = machine_with_denied_servers();
    let read = token(&env, "reader", "read");
    let server = Server::start(&env, &[]);
    (env, server, read)
}

#[test]
fn the_audit_finds_denied_servers_pages_them_and_shows_no_secret() {
    let (env, server, read) = machine();
    let a = server.addr.as_str();
    let r = Some(read.as_str());
    let doc = call(a, "GET", "/v1/openapi.json", r, None, &[]).json();
    let whole = call(a, "GET", "/v1/audit", r, None, &[]);
    assert_eq!(whole.status, 200, "{}", whole.body);
    assert!(!whole.body.contains(CANARY), "a secret in the answer");
    let report = conforms(&doc, "get", "/v1/audit", &whole);
    assert_eq!((report["fails"].as_bool(), report["policies"].as_u64()), (Some(true), Some(1)), "{report}");
    let findings = report["findings"].as_array().expect("findings").clone();
    assert_eq!(report["count"].as_u64(), Some(findings.len() as u64));
    let denied: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule_id"] == "policy/servers.deny" && f["client_id"] == "cursor")
        .filter_map(|f| f["server"].as_str())
        .collect();
    assert_eq!(denied, ["evil-a", "evil-b"]);
    let cursor_file = env.root().join(".cursor/mcp.json").display().to_string();
    assert!(report["files"].as_array().expect("files").iter().any(|f| f["file"] == cursor_file.as_str()));

    let mut paged: Vec<Value> = Vec::new();
    let mut path = "/v1/audit?limit=1".to_owned();
    loop {
        let reply = call(a, "GET", &path, r, None, &[]);
        assert!(!reply.body.contains(CANARY));
        let page = conforms(&doc, "get", "/v1/audit", &reply);
        assert_eq!(page["count"], report["count"]);
        paged.extend(page["findings"].as_array().expect("findings").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/v1/audit?limit=1&cursor={next}"),
            None => break,
        }
        assert!(paged.len() <= findings.len(), "paging does not end");
    }
    assert_eq!(paged, findings);
}

#[test]
fn refusals_are_problem_documents() {
    let (env, server, read) = machine();
    let a = server.addr.as_str();
    let r = Some(read.as_str());
    let doc = call(a, "GET", "/v1/openapi.json", r, None, &[]).json();
    let none = call(a, "GET", "/v1/audit", None, None, &[]);
    assert_eq!(none.status, 401, "{}", none.body);
    let other = orchestrator::page::encode("profiles", "cursor", "dev");
    for path in
        ["/v1/audit?cursor=AAAA".to_owned(), format!("/v1/audit?cursor={other}"), "/v1/audit?limit=0".to_owned()]
    {
        let reply = call(a, "GET", &path, r, None, &[]);
        assert_eq!((reply.status, reply.problem_type()), (400, "usage".to_owned()), "{path}: {}", reply.body);
        conforms(&doc, "get", "/v1/audit", &reply);
    }
    // The installed policy changed by hand no longer verifies: the audit is refused, as every
    // enforcing command refuses it.
    let installed = env.home().join("policies/org/acme.json");
    let text = std::fs::read_to_string(&installed).expect("policy");
    std::fs::write(&installed, text.replacen("evil*", "evul*", 1)).expect("tamper");
    let reply = call(a, "GET", "/v1/audit", r, None, &[]);
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.json()["detail"].as_str().expect("detail").contains("acme"), "{}", reply.body);
    assert!(!reply.body.contains(CANARY));
    conforms(&doc, "get", "/v1/audit", &reply);
}
