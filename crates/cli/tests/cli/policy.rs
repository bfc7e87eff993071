//! Signed policies through the binary: an admin home signs (fixed key B), a user home (key A)
//! trusts the admin's key and installs the policy. `sign`/`trust`/`list`/`check`/`remove`,
//! each rule kind allowing and refusing, layers that only tighten, and every refusal of a
//! policy that is not honoured (tampered: 4, untrusted: 8, a profile's envelope offered as a
//! policy and a policy put where a profile's envelope belongs). Enforcement by publish,
//! deploy, sync, add, MCP and REST is in `policy_enforce.rs`.

use std::path::PathBuf;

use mcp_testkit::{FIXED_KEY_B, TestEnv};
use serde_json::{Value, json};

use super::common::{code, envelope, initialized, json, publish, run, stderr};

/// The admin's home: key B, initialized.
pub fn admin() -> TestEnv {
    let env = TestEnv::new();
    env.write_private_key(FIXED_KEY_B, 0o600);
    let out = run(&env, &["init-configs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    env
}

/// Signs `rules` (schema_version added) in the admin's home as `layer`/`name`, each signature
/// at a higher version than the one before (a policy re-signed under one version would be an
/// equivocation, see `policy_floor.rs`).
pub fn sign(admin: &TestEnv, layer: &str, name: &str, rules: Value) -> PathBuf {
    static VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let version = VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string();
    let mut rules = rules;
    rules["schema_version"] = json!(1);
    let doc = admin.write_file(&format!("{layer}-{name}.policy.json"), &rules.to_string());
    let signed = admin.root().join(format!("{layer}-{name}.signed.json"));
    let out = run(
        admin,
        &["policy", "sign", s(&doc), "--layer", layer, "--name", name, "--out", s(&signed), "--version", &version],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    signed
}

/// A user's home (key A) that trusts the admin's key.
pub fn user_of(admin: &TestEnv) -> TestEnv {
    let user = initialized();
    let out = run(admin, &["keys", "export"]);
    let public = user.write_file("admin.pub", &String::from_utf8_lossy(&out.stdout));
    let out = run(&user, &["keys", "trust", s(&public)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    user
}

/// Installs a signed policy into `user`.
pub fn install(user: &TestEnv, signed: &std::path::Path) {
    let out = run(user, &["policy", "trust", s(signed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

pub fn s(path: &std::path::Path) -> &str {
    path.to_str().expect("utf8 path")
}

/// `policy check FILE --json` of `servers` in `user`: (exit code, report).
fn check(user: &TestEnv, servers: Value) -> (i32, Value) {
    let doc = user.write_file("check.json", &json!({"mcpServers": servers}).to_string());
    let out = run(user, &["policy", "check", s(&doc), "--json"]);
    (code(&out), json(&out))
}

#[test]
fn sign_trust_list_check_remove() {
    let admin = admin();
    let signed = sign(&admin, "org", "acme", json!({"description": "Acme's rules", "servers": {"deny": ["evil*"]}}));
    let bytes = std::fs::read(&signed).expect("signed");
    let text = String::from_utf8(bytes.clone()).expect("utf8");
    assert!(text.contains("\"payload_type\":\"application/vnd.mcp-orchestration.policy.v1+json\""), "{text}");
    // Without --out the signed policy goes to stdout, byte for byte the same (fixed key, fixed clock).
    let doc = admin.root().join("org-acme.policy.json");
    let version = serde_json::from_str::<Value>(&text).expect("json")["statement"]["version"].to_string();
    let out = run(&admin, &["policy", "sign", s(&doc), "--name", "acme", "--version", &version]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), text);
    let redirected = admin.write_file("redirected.json", &String::from_utf8_lossy(&out.stdout));

    let user = user_of(&admin);
    let before = user.snapshot();
    let out = run(&user, &["policy", "list"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("no policies installed"), "{}", stderr(&out));
    let out = run(&user, &["policy", "trust", s(&signed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("installed policy org/acme"), "{}", stderr(&out));
    let installed = user.home().join("policies/org/acme.json");
    assert_eq!(std::fs::read(&installed).expect("installed"), bytes, "installed as signed");
    assert_ne!(user.snapshot(), before);
    // `policy sign > FILE` (a trailing newline) installs the same bytes.
    let out = run(&user, &["policy", "trust", s(&redirected)]);
    assert!(stderr(&out).contains("replaced policy org/acme"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&installed).expect("installed"), bytes);

    let out = run(&user, &["policy", "list"]);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("org") && table.contains("acme") && table.contains("ok"), "{table}");
    let out = run(&user, &["policy", "list", "--json"]);
    let listed = &json(&out)["policies"][0];
    assert_eq!((listed["layer"].as_str(), listed["name"].as_str()), (Some("org"), Some("acme")));
    assert_eq!(listed["description"], "Acme's rules");
    assert_eq!(listed["error"], Value::Null);

    // check: a document that breaks the rule (exit 6), one that does not (exit 0), as text too.
    let (exit, report) = check(&user, json!({"evil-tool": {"command": "x"}, "fine": {"command": "y"}}));
    assert_eq!(exit, 6);
    assert_eq!(
        report["findings"],
        json!([{"rule": "servers.deny", "policy": "acme", "layer": "org", "server": "evil-tool",
                "message": "the name 'evil-tool' matches the denied 'evil*'"}])
    );
    assert_eq!(report["servers"], 2);
    let (exit, report) = check(&user, json!({"fine": {"command": "y"}}));
    assert_eq!((exit, report["findings"].clone()), (0, json!([])));
    let doc = user.write_file("bad.json", r#"{"mcpServers": {"evil": {"command": "x"}}}"#);
    let out = run(&user, &["policy", "check", s(&doc)]);
    assert_eq!(code(&out), 6);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("evil") && text.contains("servers.deny") && text.contains("org/acme"), "{text}");
    // --client: the live file; --client --profile: the head the client follows.
    user.write_file(".cursor/mcp.json", r#"{"mcpServers": {"evil-local": {"command": "x"}}}"#);
    let out = run(&user, &["policy", "check", "--client", "cursor", "--json"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert_eq!(json(&out)["findings"][0]["server"], "evil-local");
    let out = run(&user, &["policy", "check", "--client", "cursor", "--profile", "default", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["subject"], "_shared/default v1");
    let out = run(&user, &["policy", "check"]);
    assert_eq!(code(&out), 2, "a document or a client is needed: {}", stderr(&out));

    let out = run(&user, &["policy", "remove", "acme"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!installed.exists());
    let out = run(&user, &["policy", "remove", "acme"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no installed policy 'acme'"), "{}", stderr(&out));
    let (exit, _) = check(&user, json!({"evil-tool": {"command": "x"}}));
    assert_eq!(exit, 0, "removed: no longer enforced");
}

#[test]
fn each_rule_kind_allows_and_refuses() {
    let admin = admin();
    let user = user_of(&admin);
    let remote = |url: &str, kind: &str| json!({"type": kind, "url": url});
    let npx = |spec: &str| json!({"command": "npx", "args": ["-y", spec]});
    let uvx = |spec: &str| json!({"command": "uvx", "args": [spec]});
    let github = |secret: &str| {
        json!({"type": "http", "url": "https://api.githubcopilot.com/mcp/",
               "headers": {"Authorization": format!("Bearer ${{secret:{secret}}}")}})
    };
    // (rules, an allowed document's servers, a refused one's, the rule named, the server named)
    let cases: Vec<(Value, Value, Value, &str, Option<&str>)> = vec![
        (
            json!({"servers": {"allow": ["git*"], "deny": ["gitlab"]}}),
            json!({"github": {"command": "x"}}),
            json!({"gitlab": {"command": "x"}}),
            "servers.deny",
            Some("gitlab"),
        ),
        (
            json!({"servers": {"allow": ["git*"]}}),
            json!({"github": {"command": "x"}}),
            json!({"other": {"command": "x"}}),
            "servers.allow",
            Some("other"),
        ),
        (
            json!({"packages": {"allow": [{"registry": "npm", "name": "@modelcontextprotocol/*", "versions": "^1.2.0"}]}}),
            json!({"mem": npx("@modelcontextprotocol/server-memory@1.3.0")}),
            json!({"mem": npx("@modelcontextprotocol/server-memory@2.0.0")}),
            "packages.allow",
            Some("mem"),
        ),
        (
            json!({"packages": {"deny": [{"registry": "pypi", "name": "mcp-server-fetch", "versions": "<2"}]}}),
            json!({"fetch": uvx("mcp-server-fetch==2.1")}),
            json!({"fetch": uvx("mcp-server-fetch==1.0")}),
            "packages.deny",
            Some("fetch"),
        ),
        (
            json!({"registries": {"deny": ["oci"]}}),
            json!({"p": npx("pkg@1.0.0")}),
            json!({"d": {"command": "docker", "args": ["run", "-i", "--rm", "mcp/time"]}}),
            "registries.deny",
            Some("d"),
        ),
        (
            json!({"remote_hosts": {"allow": ["*.example.com"]}}),
            json!({"r": remote("https://mcp.example.com/mcp", "http")}),
            json!({"r": remote("https://mcp.other.org/mcp", "http")}),
            "remote_hosts.allow",
            Some("r"),
        ),
        (
            json!({"transports": {"deny": ["sse"]}}),
            json!({"r": remote("https://mcp.example.com/mcp", "http")}),
            json!({"r": remote("https://mcp.example.com/sse", "sse")}),
            "transports.deny",
            Some("r"),
        ),
        (
            json!({"require_pinned": true}),
            json!({"t": uvx("tool==1.0")}),
            json!({"t": uvx("tool")}),
            "require_pinned",
            Some("t"),
        ),
        (
            json!({"forbid_unpinned_npx_y": true}),
            json!({"p": npx("pkg@1.0.0")}),
            json!({"p": npx("pkg")}),
            "forbid_unpinned_npx_y",
            Some("p"),
        ),
        (
            json!({"references": [{"servers": ["github"], "secret": ["GITHUB_TOKEN"]}]}),
            json!({"github": github("GITHUB_TOKEN")}),
            json!({"github": github("AWS_SECRET")}),
            "references",
            Some("github"),
        ),
        (
            json!({"max_servers": 1}),
            json!({"a": {"command": "x"}}),
            json!({"a": {"command": "x"}, "b": {"command": "y"}}),
            "max_servers",
            None,
        ),
    ];
    for (rules, allowed, refused, rule, server) in cases {
        install(&user, &sign(&admin, "org", "rules", rules.clone()));
        let (exit, report) = check(&user, allowed.clone());
        assert_eq!((exit, report["findings"].clone()), (0, json!([])), "{rules} allows {allowed}");
        let (exit, report) = check(&user, refused.clone());
        assert_eq!(exit, 6, "{rules} refuses {refused}: {report}");
        let finding = &report["findings"][0];
        assert_eq!(finding["rule"], rule, "{rules}: {report}");
        assert_eq!((finding["policy"].as_str(), finding["layer"].as_str()), (Some("rules"), Some("org")));
        assert_eq!(finding["server"].as_str(), server, "{report}");
    }
}

#[test]
fn a_user_policy_cannot_re_allow_what_the_org_denied_and_a_team_tightens() {
    let admin = admin();
    let user = user_of(&admin);
    install(&user, &sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil"]}, "max_servers": 5})));
    // The user signs their own policy with their own key (trusted: their home's).
    install(&user, &sign(&user, "user", "mine", json!({"servers": {"allow": ["evil", "good", "b", "c"]}})));
    let before = user.snapshot();
    let doc = user.write_file("evil.json", r#"{"mcpServers": {"evil": {"command": "x"}}}"#);
    let out = run(&user, &["publish", "cursor", "--profile", "dev", "--file", s(&doc)]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("server 'evil': rule servers.deny of policy 'acme' (org)"),
        "the org's deny wins over the user's allow: {}",
        stderr(&out)
    );
    assert_eq!(user.snapshot(), before, "nothing was written");
    // Allowed by both: published.
    let (exit, _) = check(&user, json!({"good": {"command": "x"}, "b": {"command": "y"}, "c": {"command": "z"}}));
    assert_eq!(exit, 0);
    // A team policy lowers the maximum: the smallest holds, named as the team's.
    install(&user, &sign(&admin, "team", "web", json!({"max_servers": 2})));
    let (exit, report) = check(&user, json!({"good": {"command": "x"}, "b": {"command": "y"}, "c": {"command": "z"}}));
    assert_eq!(exit, 6);
    assert_eq!(report["findings"][0]["rule"], "max_servers");
    assert_eq!(
        (report["findings"][0]["policy"].as_str(), report["findings"][0]["layer"].as_str()),
        (Some("web"), Some("team"))
    );
    assert_eq!(report["effective"]["max_servers"], json!([2, "team/web"]));
    let names: Vec<&str> =
        report["policies"].as_array().expect("policies").iter().map(|p| p["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["acme", "web", "mine"], "highest layer first");
    // A user policy whose allow is wider than the team's still cannot raise the maximum.
    install(&user, &sign(&user, "user", "mine", json!({"max_servers": 10})));
    let (exit, report) = check(&user, json!({"good": {"command": "x"}, "b": {"command": "y"}, "c": {"command": "z"}}));
    assert_eq!((exit, report["effective"]["max_servers"].clone()), (6, json!([2, "team/web"])));
}

#[test]
fn a_tampered_policy_is_exit_4_and_an_untrusted_or_forged_one_exit_8() {
    let admin = admin();
    let signed = sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil"]}}));
    let original: Value = serde_json::from_slice(&std::fs::read(&signed).expect("read")).expect("json");
    let user = user_of(&admin);
    let edited = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut value = original.clone();
        change(&mut value);
        // Written in canonical form (sorted keys, no spaces), so only the edit is refused.
        user.write_file(name, &serde_json::to_string(&sort(&value)).expect("json"))
    };
    let before = user.snapshot();
    // Loosened rules: the digest no longer matches (integrity, 4).
    let loosened = edited("loosened.json", &|v| v["policy"]["servers"]["deny"] = json!([]));
    let out = run(&user, &["policy", "trust", s(&loosened)]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed after it was signed") && stderr(&out).contains("nothing was installed"),
        "{}",
        stderr(&out)
    );
    // A statement moved to another layer: the signature fails (8).
    let moved = edited("moved.json", &|v| v["statement"]["layer"] = json!("user"));
    let out = run(&user, &["policy", "trust", s(&moved)]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("signature does not verify"), "{}", stderr(&out));
    // Not a signed policy at all: an unsigned document (4).
    let unsigned = user.write_file("unsigned.json", r#"{"schema_version": 1}"#);
    let out = run(&user, &["policy", "trust", s(&unsigned)]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("not a signed policy"), "{}", stderr(&out));
    // Signed by a key this home does not trust (8).
    let stranger = initialized();
    let out = run(&stranger, &["policy", "trust", s(&signed)]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("which this home does not trust"), "{}", stderr(&out));
    assert_eq!(user.snapshot(), before, "refusals install nothing");

    // Installed, then edited in the home: never ignored, every enforcing command refuses (4).
    install(&user, &signed);
    let installed = user.home().join("policies/org/acme.json");
    let doc = user.write_file("fine.json", r#"{"mcpServers": {"fine": {"command": "x"}}}"#);
    std::fs::write(&installed, std::fs::read(&loosened).expect("read")).expect("tamper");
    let out = run(&user, &["publish", "cursor", "--profile", "dev", "--file", s(&doc)]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("installed policy org/acme") && stderr(&out).contains("is not honoured"),
        "{}",
        stderr(&out)
    );
    let out = run(&user, &["policy", "list", "--json"]);
    assert_eq!(code(&out), 4, "list reports the refused policy's code");
    assert!(json(&out)["policies"][0]["error"].as_str().unwrap_or("").contains("changed after it was signed"));
    // Put back, then its signer untrusted: refused (8), not silently dropped.
    install(&user, &signed);
    let out = run(&admin, &["keys", "show", "--json"]);
    let admin_key = json(&out)["signing_key_id"].as_str().expect("key id").to_owned();
    let out = run(&user, &["keys", "untrust", &admin_key]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&user, &["publish", "cursor", "--profile", "dev", "--file", s(&doc)]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    let out = run(&user, &["policy", "check", s(&doc)]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    // Moved by hand into another layer: refused as misplaced (4).
    let out = run(&user, &["keys", "trust", s(&user.root().join("admin.pub"))]);
    assert_eq!(code(&out), 0);
    std::fs::create_dir_all(user.home().join("policies/user")).expect("mkdir");
    std::fs::rename(&installed, user.home().join("policies/user/acme.json")).expect("move");
    let out = run(&user, &["policy", "check", s(&doc)]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("signed as org/acme but sits at user/acme"), "{}", stderr(&out));
}

/// A JSON value with every object's keys sorted (the canonical order of these ASCII keys).
fn sort(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_profile_envelope_is_not_a_policy_and_a_policy_is_not_a_profile() {
    let admin = admin();
    let user = user_of(&admin);
    // A profile's signed envelope offered as a policy.
    let profile_envelope = envelope(&user, "_shared", "default", 1);
    let before = user.snapshot();
    let out = run(&user, &["policy", "trust", s(&profile_envelope)]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("this is a signed profile (an artifact envelope), not a policy"), "{}", stderr(&out));
    assert_eq!(user.snapshot(), before);
    // A policy signed by a trusted key put where a profile's envelope belongs.
    publish(&user, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "x"}}}"#);
    let signed = sign(&admin, "org", "acme", json!({}));
    std::fs::write(envelope(&user, "cursor", "dev", 1), std::fs::read(&signed).expect("read")).expect("swap");
    let out = run(&user, &["get", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("malformed artifact envelope"), "{}", stderr(&out));
}

#[test]
fn a_policy_document_with_unknown_fields_or_a_bad_name_is_refused_when_signed() {
    let admin = admin();
    let doc = admin.write_file("acme.json", r#"{"schema_version": 1, "servers": {"alow": ["x"]}}"#);
    let out = run(&admin, &["policy", "sign", s(&doc)]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "not a valid policy document: at `servers.alow`: unknown field `alow`, expected `allow` or `deny`"
        ),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let newer = admin.write_file("newer.json", r#"{"schema_version": 2}"#);
    let out = run(&admin, &["policy", "sign", s(&newer)]);
    assert_eq!(code(&out), 6);
    assert!(stderr(&out).contains("schema_version 2 is not supported"), "{}", stderr(&out));
    let good = admin.write_file("good.json", r#"{"schema_version": 1}"#);
    let out = run(&admin, &["policy", "sign", s(&good), "--name", "../escape"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let out = run(&admin, &["policy", "sign", s(&good), "--layer", "galaxy"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = run(&admin, &["policy", "sign", s(&admin.root().join("missing.json"))]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let out = run(&admin, &["policy", "remove", "acme", "--layer", "team"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no installed policy 'acme' in layer team"), "{}", stderr(&out));
}

#[test]
fn removing_a_name_two_layers_hold_needs_the_layer() {
    let admin = admin();
    let user = user_of(&admin);
    install(&user, &sign(&admin, "org", "acme", json!({"max_servers": 5})));
    install(&user, &sign(&user, "user", "acme", json!({"max_servers": 9})));
    let before = user.snapshot();
    let out = run(&user, &["policy", "remove", "acme"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("installed in several layers (org, user): name one with --layer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(user.snapshot(), before);
    let out = run(&user, &["policy", "remove", "acme", "--layer", "user", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["removed"]["layer"], "user");
    assert!(user.home().join("policies/org/acme.json").exists());
    assert!(!user.home().join("policies/user/acme.json").exists());
}
