//! Each rule kind allowing and refusing, and layers that only tighten: `evaluate` on signed,
//! verified policies (the CLI tests run the same through the binary).

use serde_json::{Value, json};

use super::document::PolicyDocument;
use super::evaluate::{Finding, evaluate};
use super::layers::{PolicyLayer, effective};
use super::signed::{self, VerifiedPolicy};
use crate::crypto::KeyPair;
use crate::trust::TrustStore;

fn policy(layer: PolicyLayer, name: &str, rules: Value) -> VerifiedPolicy {
    let key = KeyPair::from_seed(&[3; 32]);
    let mut trust = TrustStore::new();
    trust.insert(key.public().clone());
    let mut rules = rules;
    rules["schema_version"] = json!(1);
    let document = PolicyDocument::from_value(&rules).expect("valid policy");
    let bytes = signed::sign(
        &document,
        signed::Signing { name, layer, version: 1 },
        &key,
        "2026-11-25T12:00:00Z".parse().expect("now"),
    );
    signed::verify(&bytes, &trust).expect("verifies")
}

fn org(rules: Value) -> VerifiedPolicy {
    policy(PolicyLayer::Org, "acme", rules)
}

fn doc(servers: Value) -> Value {
    json!({"mcpServers": servers})
}

fn rules_of(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.rule.clone()).collect()
}

fn check(rules: Value, servers: Value) -> Vec<String> {
    rules_of(&evaluate(&[org(rules)], &doc(servers)))
}

#[test]
fn server_names() {
    let rules = json!({"servers": {"allow": ["git*", "fs"], "deny": ["github-evil"]}});
    assert!(check(rules.clone(), json!({"github": {"command": "x"}, "fs": {"command": "y"}})).is_empty());
    assert_eq!(check(rules.clone(), json!({"other": {"command": "x"}})), ["servers.allow"]);
    assert_eq!(check(rules, json!({"github-evil": {"command": "x"}})), ["servers.deny"]);
    let finding =
        &evaluate(&[org(json!({"servers": {"deny": ["bad*"]}}))], &doc(json!({"badger": {"command": "x"}})))[0];
    assert_eq!(
        finding.to_string(),
        "server 'badger': rule servers.deny of policy 'acme' (org): the name 'badger' matches the denied 'bad*'"
    );
}

#[test]
fn transports_and_remote_hosts() {
    let remote = |url: &str, kind: &str| json!({"r": {"type": kind, "url": url}});
    let transports = json!({"transports": {"deny": ["sse"]}});
    assert!(check(transports.clone(), remote("https://a.example/mcp", "http")).is_empty());
    assert_eq!(check(transports.clone(), remote("https://a.example/sse", "sse")), ["transports.deny"]);
    assert_eq!(check(json!({"transports": {"allow": ["http"]}}), json!({"s": {"command": "x"}})), ["transports.allow"]);
    let hosts =
        json!({"remote_hosts": {"allow": ["*.example.com", "api.githubcopilot.com"], "deny": ["evil.example.com"]}});
    assert!(check(hosts.clone(), remote("https://API.githubcopilot.com/mcp/", "http")).is_empty());
    assert!(check(hosts.clone(), remote("https://mcp.example.com/mcp", "http")).is_empty());
    assert_eq!(check(hosts.clone(), remote("https://evil.example.com/mcp", "http")), ["remote_hosts.deny"]);
    assert_eq!(check(hosts.clone(), remote("https://other.org/mcp", "http")), ["remote_hosts.allow"]);
    assert_eq!(check(hosts.clone(), remote("${env:URL}", "http")), ["remote_hosts"]);
    assert!(check(hosts, json!({"local": {"command": "x"}})).is_empty(), "a stdio server is not remote");
}

#[test]
fn registries_and_packages_with_version_ranges() {
    let npx = |spec: &str| json!({"p": {"command": "npx", "args": ["-y", spec]}});
    let uvx = |spec: &str| json!({"p": {"command": "uvx", "args": [spec]}});
    assert_eq!(check(json!({"registries": {"allow": ["pypi"]}}), npx("pkg@1.0.0")), ["registries.allow"]);
    assert_eq!(
        check(
            json!({"registries": {"deny": ["oci"]}}),
            json!({"d": {"command": "docker", "args": ["run", "-i", "img"]}})
        ),
        ["registries.deny"]
    );
    assert!(check(json!({"registries": {"deny": ["oci"]}}), json!({"x": {"command": "my-server"}})).is_empty());

    let allow =
        json!({"packages": {"allow": [{"registry": "npm", "name": "@modelcontextprotocol/*", "versions": "^1.2.0"}]}});
    assert!(check(allow.clone(), npx("@modelcontextprotocol/server-filesystem@1.4.0")).is_empty());
    assert_eq!(check(allow.clone(), npx("@modelcontextprotocol/server-filesystem@2.0.0")), ["packages.allow"]);
    assert_eq!(
        check(allow.clone(), npx("@modelcontextprotocol/server-filesystem")),
        ["packages.allow"],
        "unpinned: not provably in range"
    );
    assert_eq!(check(allow.clone(), npx("other@1.3.0")), ["packages.allow"]);
    assert!(check(allow, json!({"x": {"command": "my-server"}})).is_empty(), "no package, no package rule");

    let deny =
        json!({"packages": {"deny": [{"registry": "pypi", "name": "bad_tool", "versions": "<2"}, {"name": "evil-*"}]}});
    assert_eq!(check(deny.clone(), uvx("Bad.Tool==1.5")), ["packages.deny"], "PEP 503 names compare normalized");
    assert!(check(deny.clone(), uvx("bad-tool==2.1")).is_empty());
    assert_eq!(check(deny.clone(), uvx("bad-tool")), ["packages.deny"], "unpinned may resolve into the range");
    assert_eq!(check(deny, npx("evil-thing@1.0.0")), ["packages.deny"]);
}

#[test]
fn pinning_rules() {
    let pinned = json!({"require_pinned": true});
    assert!(check(pinned.clone(), json!({"p": {"command": "npx", "args": ["-y", "pkg@1.2.3"]}})).is_empty());
    assert_eq!(check(pinned.clone(), json!({"p": {"command": "npx", "args": ["-y", "pkg@^1"]}})), ["require_pinned"]);
    assert_eq!(check(pinned.clone(), json!({"p": {"command": "uvx", "args": ["tool>=1"]}})), ["require_pinned"]);
    assert!(check(pinned.clone(), json!({"p": {"command": "uvx", "args": ["tool==1.0"]}})).is_empty());
    assert_eq!(
        check(pinned.clone(), json!({"d": {"command": "docker", "args": ["run", "img:1"]}})),
        ["require_pinned"]
    );
    let digest = format!("img@sha256:{}", "a".repeat(64));
    assert!(check(pinned.clone(), json!({"d": {"command": "docker", "args": ["run", digest]}})).is_empty());
    assert_eq!(
        check(pinned, json!({"g": {"command": "npx", "args": ["-y", "github:owner/repo"]}})),
        ["require_pinned"],
        "not a registry package: cannot be pinned"
    );
    let npx_y = json!({"forbid_unpinned_npx_y": true});
    assert_eq!(
        check(npx_y.clone(), json!({"p": {"command": "npx", "args": ["-y", "pkg"]}})),
        ["forbid_unpinned_npx_y"]
    );
    assert_eq!(
        check(npx_y.clone(), json!({"p": {"command": "npx", "args": ["--yes", "pkg@latest"]}})),
        ["forbid_unpinned_npx_y"]
    );
    assert!(check(npx_y.clone(), json!({"p": {"command": "npx", "args": ["-y", "pkg@1.0.0"]}})).is_empty());
    assert!(
        check(npx_y.clone(), json!({"p": {"command": "npx", "args": ["pkg"]}})).is_empty(),
        "no -y: npx asks first"
    );
    assert!(check(npx_y, json!({"p": {"command": "uvx", "args": ["pkg"]}})).is_empty());
}

#[test]
fn references_and_max_servers() {
    let rules = json!({"references": [{"servers": ["github"], "secret": ["GITHUB_*"], "env": ["HOME"]}]});
    let github = |header: &str| json!({"github": {"type": "http", "url": "https://x.example/mcp", "headers": {"Authorization": header}}});
    assert!(check(rules.clone(), github("Bearer ${secret:GITHUB_TOKEN}")).is_empty());
    assert_eq!(check(rules.clone(), github("Bearer ${secret:AWS_KEY}")), ["references"]);
    assert_eq!(
        check(rules.clone(), json!({"fs": {"command": "x", "args": ["${env:HOME}"]}})),
        ["references"],
        "HOME is allowed for github only"
    );
    let finding = &evaluate(&[org(rules)], &doc(github("${env:TOKEN}")))[0];
    assert_eq!(finding.message, "${env:TOKEN} may not be passed to this server");
    let max = json!({"max_servers": 1});
    assert!(check(max.clone(), json!({"a": {"command": "x"}})).is_empty());
    let findings = evaluate(&[org(max)], &doc(json!({"a": {"command": "x"}, "b": {"command": "y"}})));
    assert_eq!(rules_of(&findings), ["max_servers"]);
    assert_eq!(findings[0].server, None);
    assert_eq!(findings[0].message, "2 servers, at most 1 allowed: remove 1");
}

#[test]
fn a_lower_layer_only_tightens() {
    let org = policy(PolicyLayer::Org, "acme", json!({"servers": {"deny": ["evil"]}, "max_servers": 5}));
    let user = policy(PolicyLayer::User, "mine", json!({"servers": {"allow": ["evil", "good"]}, "max_servers": 10}));
    let team = policy(PolicyLayer::Team, "web", json!({"servers": {"allow": ["good", "evil"]}, "max_servers": 2}));
    // The user's allow does not re-allow what the org denied.
    let findings = evaluate(&[org.clone(), user.clone()], &doc(json!({"evil": {"command": "x"}})));
    assert_eq!(rules_of(&findings), ["servers.deny"]);
    assert_eq!((findings[0].policy.as_str(), findings[0].layer), ("acme", PolicyLayer::Org));
    // A server is allowed only when every layer allows it.
    let findings = evaluate(&[org.clone(), user.clone()], &doc(json!({"other": {"command": "x"}})));
    assert_eq!(rules_of(&findings), ["servers.allow"]);
    assert_eq!(findings[0].layer, PolicyLayer::User);
    // The smallest maximum holds.
    let three = doc(json!({"good": {"command": "x"}, "b": {"command": "y"}, "c": {"command": "z"}}));
    let findings = evaluate(&[org.clone(), team.clone(), user.clone()], &three);
    let max: Vec<&Finding> = findings.iter().filter(|f| f.rule == "max_servers").collect();
    assert_eq!(max.len(), 1);
    assert_eq!(max[0].layer, PolicyLayer::Team);
    let combined = effective(&[org, team, user]);
    assert_eq!(combined.max_servers, Some((2, "team/web".to_owned())));
}
