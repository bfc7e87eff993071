//! Real answers of the real `serve --http` validated against the OpenAPI document it serves:
//! every operation, success and failure shapes (a history with a version that fails, a status
//! with a file that does not parse, a dry run and a confirmed write of deploy, rollback and
//! sync, problem documents). The response schemas refuse members they do not name, so a field
//! the core adds without its mirror in `rest/mirrors.rs` fails here.

use serde_json::{Value, json};

use crate::rest::{Reply, call, seeded};

/// Where `body` breaks `schema` (a schema of the document, its `$ref`s into its components).
fn violations(doc: &Value, schema: &Value, body: &Value) -> Vec<String> {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::validator_for(&root).expect("the document's schema compiles");
    validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

/// Validates `reply` against the schema the document gives `method path` for its status and
/// content type; returns the body.
pub(crate) fn conforms(doc: &Value, method: &str, template: &str, reply: &Reply) -> Value {
    let operation = &doc["paths"][template][method];
    assert!(operation.is_object(), "{method} {template} is not in the document");
    let status = reply.status.to_string();
    let response = &operation["responses"][&status];
    assert!(response.is_object(), "{method} {template} answered {status}, which is not documented: {}", reply.body);
    if reply.body.is_empty() {
        assert!(response.get("content").is_none(), "{method} {template} {status} documents a body: none came");
        return Value::Null;
    }
    let content_type = reply.header("content-type").expect("content-type");
    let schema = &response["content"][&content_type]["schema"];
    assert!(schema.is_object(), "{method} {template} {status}: no schema for {content_type}");
    let body = reply.json();
    let errors = violations(doc, schema, &body);
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema:\n{}\n{body:#}",
        errors.join("\n")
    );
    body
}

#[test]
fn every_answer_matches_the_schema_the_document_gives_it() {
    let (env, server, _read, write) = seeded();
    let a = server.addr.as_str();
    let w = Some(write.as_str());
    let doc = call(a, "GET", "/v1/openapi.json", w, None, &[]).json();
    let get = |path: &str| call(a, "GET", path, w, None, &[]);
    let post = |path: &str, body: Value| call(a, "POST", path, w, Some(&body), &[]);

    // Reads.
    let clients = conforms(&doc, "get", "/v1/clients", &get("/v1/clients?limit=1000"));
    assert!(clients["clients"].as_array().is_some_and(|c| c.len() > 10), "every client is listed");
    conforms(&doc, "get", "/v1/clients/{client}/profiles", &get("/v1/clients/cursor/profiles"));
    conforms(&doc, "get", "/v1/shared/profiles", &get("/v1/shared/profiles"));
    let head = conforms(
        &doc,
        "get",
        "/v1/clients/{client}/profiles/{profile}/head",
        &get("/v1/clients/cursor/profiles/default/head"),
    );
    let id = head["artifact_id"].as_str().expect("id").to_owned();
    // The schemas refuse what they do not name: a member the core adds without its mirror fails.
    let schema = &doc["paths"]["/v1/clients/{client}/profiles/{profile}/head"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let mut grown = head.clone();
    grown["signature"]["new_field"] = json!(1);
    assert!(!violations(&doc, schema, &grown).is_empty(), "an unnamed member passed");
    let mut shrunk = head.clone();
    shrunk.as_object_mut().expect("object").remove("payload");
    assert!(!violations(&doc, schema, &shrunk).is_empty(), "a missing member passed");
    let art = "/v1/clients/{client}/profiles/{profile}/artifacts/{artifact_id}";
    conforms(&doc, "get", art, &get(&format!("/v1/clients/cursor/profiles/default/artifacts/{id}")));
    let not_modified = call(
        a,
        "GET",
        &format!("/v1/clients/cursor/profiles/default/artifacts/{id}"),
        w,
        None,
        &[("If-None-Match", &format!("\"{id}\""))],
    );
    conforms(&doc, "get", art, &not_modified);
    conforms(&doc, "get", "/v1/catalog", &get("/v1/catalog?q=git&limit=3"));
    conforms(&doc, "get", "/v1/catalog", &get("/v1/catalog?transport=http"));
    conforms(&doc, "get", "/v1/catalog/{server_id}", &get("/v1/catalog/filesystem"));
    let events = conforms(&doc, "get", "/v1/events", &get("/v1/events?limit=1000"));
    assert!(events["count"].as_u64().is_some_and(|n| n > 5), "{events}");
    conforms(&doc, "get", "/v1/openapi.json", &get("/v1/openapi.json"));
    conforms(&doc, "get", "/v1/clients/{client}/diff", &get("/v1/clients/cursor/diff"));
    let local = json!({"mcpServers": {"other": {"command": "x", "args": []}}});
    conforms(
        &doc,
        "post",
        "/v1/clients/{client}/profiles/{profile}/diff",
        &post("/v1/clients/cursor/profiles/default/diff", json!({"document": local})),
    );

    // Writes: publish (new, then the same again), deploy/rollback/sync dry and confirmed.
    let publish = "/v1/clients/{client}/profiles/{profile}/publish";
    let next = json!({"document": {"mcpServers": {"fs": {"command": "fs-server", "args": ["/tmp"]}}}, "note": "v2"});
    let created = post("/v1/clients/cursor/profiles/default/publish", next.clone());
    assert_eq!(created.status, 201, "{}", created.body);
    conforms(&doc, "post", publish, &created);
    let same = post("/v1/clients/cursor/profiles/default/publish", next);
    assert_eq!(same.status, 200, "{}", same.body);
    conforms(&doc, "post", publish, &same);
    for confirm in [false, true] {
        let deploy = post("/v1/clients/cursor/deploy", json!({"profile": "default", "confirm": confirm}));
        assert_eq!(conforms(&doc, "post", "/v1/clients/{client}/deploy", &deploy)["dry_run"], !confirm);
    }
    for confirm in [false, true] {
        let rollback = post("/v1/clients/cursor/rollback", json!({"confirm": confirm}));
        assert_eq!(conforms(&doc, "post", "/v1/clients/{client}/rollback", &rollback)["dry_run"], !confirm);
    }
    for confirm in [false, true] {
        let sync = post("/v1/sync", json!({"profile": "default", "confirm": confirm}));
        assert_eq!(conforms(&doc, "post", "/v1/sync", &sync)["dry_run"], !confirm);
    }
    let status = conforms(&doc, "get", "/v1/status", &get("/v1/status"));
    assert!(
        status["files"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| !f["deployments"].as_array().unwrap_or(&vec![]).is_empty()))
    );
    conforms(&doc, "post", "/v1/verify", &post("/v1/verify", json!({})));

    // Failure shapes: a version whose payload was tampered with, a file that does not parse,
    // problem documents.
    let first = env.home().join("history/cursor/default/0000000001.json");
    let envelope: Value = serde_json::from_slice(&std::fs::read(&first).expect("v1")).expect("json");
    let v1 = envelope["statement"]["artifact_id"].as_str().expect("id").trim_start_matches("sha256:").to_owned();
    std::fs::write(env.home().join(format!("objects/{v1}.json")), b"{\"mcpServers\":{}}").expect("tamper");
    let history = conforms(
        &doc,
        "get",
        "/v1/clients/{client}/profiles/{profile}/history",
        &get("/v1/clients/cursor/profiles/default/history"),
    );
    assert_eq!(history["entries"][0]["verified"], false, "{history}");
    assert_eq!(history["entries"][0]["error"]["kind"], "integrity", "{history}");
    let verify = conforms(&doc, "post", "/v1/verify", &post("/v1/verify", json!({})));
    assert_eq!(verify["verified"], false);
    std::fs::write(env.root().join(".cursor/mcp.json"), "{ not json").expect("break the file");
    let status = conforms(&doc, "get", "/v1/status", &get("/v1/status"));
    assert!(
        status["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f["client_id"] == "cursor" && f["error"]["type"].is_string()),
        "{status}"
    );
    conforms(&doc, "get", "/v1/catalog/{server_id}", &get("/v1/catalog/no-such-server"));
    conforms(&doc, "get", "/v1/clients", &get("/v1/clients?limit=0"));
    conforms(&doc, "post", "/v1/verify", &call(a, "POST", "/v1/verify", None, Some(&json!({})), &[]));
    drop(env);
}
