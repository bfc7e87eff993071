//! `audit_clients`: the machine's client files against the trusted profiles, locks and
//! policies, as `audit --ci` checks them (no probe): findings a model can page through, a
//! clean machine that passes, a policy that no longer verifies refusing the audit, and no
//! value of a client file (a secret) in the answer.

use serde_json::{Value, json};

use crate::support::Env;

pub(crate) const CANARY: &str = "canary-audit-4f1c2e9a7d";

/// A Cursor file with two servers a trusted org policy denies and one it allows, the denied
/// ones carrying a secret (also the REST audit's machine).
pub(crate) fn machine_with_denied_servers() -> Env {
    let env = Env::new();
    let cursor = env.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().expect("parent")).expect("mkdir");
    let file = json!({"mcpServers": {
        "evil-a": {"command": "evil", "env": {"API_TOKEN": CANARY}},
        "evil-b": {"command": "evil", "args": ["--token", CANARY]},
        "fine": {"command": "fine"},
    }});
    std::fs::write(&cursor, file.to_string()).expect("write cursor");
    let core = env.core();
    let origin = env.root().join("acme.json");
    let policy = json!({"schema_version": 1, "servers": {"deny": ["evil*"]}}).to_string();
    let signed = core
        .policy_sign(&policy, &origin, orchestrator::policy::layers::PolicyLayer::Org, "acme", None)
        .expect("sign policy");
    core.policy_trust(&signed, &origin).expect("trust policy");
    env
}

fn denied(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["rule_id"] == "policy/servers.deny")
        .map(|f| {
            format!("{} {} {}", f["client_id"].as_str().unwrap_or(""), f["scope"], f["server"].as_str().unwrap_or(""))
        })
        .collect()
}

#[tokio::test]
async fn denied_servers_are_found_paged_and_no_secret_is_shown() {
    let env = machine_with_denied_servers();
    let client = env.client().await;
    let out = client.call("audit_clients", json!({})).await;
    let report = out.ok().clone();
    assert_eq!(report["fails"], true, "{report}");
    assert_eq!(report["policies"], 1);
    assert!(report["errors"].as_u64().expect("errors") >= 2, "{report}");
    let findings = report["findings"].as_array().expect("findings").clone();
    assert_eq!(report["count"].as_u64(), Some(findings.len() as u64), "one page holds them all");
    assert_eq!(denied(&findings), ["cursor \"user\" evil-a", "cursor \"user\" evil-b"]);
    let cursor_file = env.root().join(".cursor/mcp.json").display().to_string();
    assert!(
        findings.iter().filter(|f| f["rule_id"] == "policy/servers.deny").all(|f| f["file"] == cursor_file.as_str())
    );
    assert!(report["files"].as_array().expect("files").iter().any(|f| f["file"] == cursor_file.as_str()));
    assert!(report["next_cursor"].is_null());
    assert!(!out.text.contains(CANARY) && !report.to_string().contains(CANARY), "a secret in the answer");

    // One finding per page: every finding once, in the same order, then no cursor.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"limit": 1});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = client.call("audit_clients", args).await.ok().clone();
        assert_eq!(page["count"], report["count"]);
        let items = page["findings"].as_array().expect("findings");
        assert_eq!(items.len(), 1);
        paged.push(items[0].clone());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(paged.len() <= findings.len(), "paging does not end");
    }
    assert_eq!(paged, findings);
    // The file is left as it was.
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(env.root().join(".cursor/mcp.json")).expect("read"))
            .expect("json");
    assert_eq!(after["mcpServers"]["evil-a"]["env"]["API_TOKEN"], CANARY);
    client.close().await;
}

#[tokio::test]
async fn a_clean_machine_passes() {
    let env = Env::new();
    let client = env.client().await;
    let report = client.call("audit_clients", json!({})).await.ok().clone();
    assert_eq!(report["fails"], false, "{report}");
    assert_eq!(
        (report["count"].as_u64(), report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(report["findings"], json!([]));
    client.close().await;
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_a_usage_error() {
    let env = machine_with_denied_servers();
    let client = env.client().await;
    let other = orchestrator::page::encode("profiles", "cursor", "dev");
    for args in [json!({"cursor": "not-a-cursor"}), json!({"cursor": other}), json!({"limit": 0})] {
        let out = client.call("audit_clients", args.clone()).await;
        assert_eq!(out.kind(), "usage", "{args}: {}", out.structured);
    }
    client.close().await;
}

#[tokio::test]
async fn a_policy_that_no_longer_verifies_refuses_the_audit() {
    let env = machine_with_denied_servers();
    let installed = env.home().join("policies/org/acme.json");
    let mut bytes = std::fs::read(&installed).expect("installed policy");
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    bytes = text.replacen("evil*", "evul*", 1).into_bytes();
    std::fs::write(&installed, bytes).expect("tamper");
    let client = env.client().await;
    let out = client.call("audit_clients", json!({})).await;
    assert!(out.is_error, "{}", out.structured);
    assert_eq!(out.structured["error"]["exit_code"], 4, "{}", out.structured);
    assert!(out.structured["error"]["message"].as_str().expect("message").contains("acme"), "{}", out.structured);
    assert!(!out.text.contains(CANARY));
    client.close().await;
}
