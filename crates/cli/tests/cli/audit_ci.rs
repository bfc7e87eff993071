//! `audit --ci` through the binary: a clean machine (no files; a deployed, pinned and locked
//! profile) has no findings and exits 0; each finding kind — a drifted live file (outdated and
//! diverged), a user's own server a trusted policy denies, an unpinned server, a pin changed in
//! the live file, a project-scope file, an unreadable file, a probe that fails with `--probe` —
//! is found with its rule id, level, client, scope, path, server and line, exit 5; the text,
//! JSON and SARIF outputs carry the same findings, and the SARIF log validates against the
//! OASIS SARIF 2.1.0 schema (installed by scripts/install-test-deps.sh: a missing schema fails
//! the test, never skips it); a policy that no longer verifies refuses the audit; bad flags are
//! usage errors (exit 2). With `--probe` against a verdaccio registry on 127.0.0.1: a newer
//! version is a note (exit 0), a replaced locked version an error.

use std::path::{Path, PathBuf};
use std::process::Output;

use mcp_testkit::TestEnv;
use serde_json::{Value, json};

use super::common::{BIN, code, initialized, json, publish, stderr};
use super::lock_support::Verdaccio;
use super::policy::{admin, install, sign, user_of};

/// Runs the binary in `cwd` without the client-path overrides of the runner's environment.
fn run_in(env: &TestEnv, cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = env.command(BIN);
    for var in dialects::ENV_OVERRIDES {
        cmd.env_remove(var);
    }
    cmd.current_dir(cwd).args(args).output().expect("run mcp-orchestration")
}

fn run(env: &TestEnv, args: &[&str]) -> Output {
    run_in(env, env.root(), args)
}

/// `audit --ci` with `extra` flags: (exit code, JSON report).
fn audit_json(env: &TestEnv, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit", "--ci", "--json"];
    args.extend_from_slice(extra);
    let out = run(env, &args);
    (code(&out), json(&out))
}

/// `audit --ci --format sarif` with `extra` flags: (exit code, SARIF log), validated.
fn audit_sarif(env: &TestEnv, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit", "--ci", "--format", "sarif"];
    args.extend_from_slice(extra);
    let out = run(env, &args);
    let log = json(&out);
    validate_sarif(&log);
    (code(&out), log)
}

/// The OASIS SARIF 2.1.0 schema the install script put in place.
fn sarif_schema() -> Value {
    let dir = std::env::var_os("MCP_TEST_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-schemas"));
    let path = dir.join("sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the SARIF 2.1.0 schema is not at {} ({e}): run scripts/install-test-deps.sh", path.display())
    });
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let id = schema.get("$id").or_else(|| schema.get("id")).and_then(Value::as_str).unwrap_or_default();
    assert!(id.starts_with("https://docs.oasis-open.org/sarif/sarif/v2.1.0/"), "not the OASIS schema: {id}");
    schema
}

fn validate_sarif(log: &Value) {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "the SARIF log is not valid SARIF 2.1.0: {errors:#?}\n{log:#}");
}

/// The findings of a report as (rule, level, client, scope, file, server).
fn found(report: &Value) -> Vec<(String, String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("rule_id"), s("level"), s("client_id"), s("scope"), s("file"), s("server"))
        })
        .collect()
}

fn row(
    rule: &str,
    level: &str,
    client: &str,
    scope: &str,
    file: &Path,
    server: &str,
) -> (String, String, String, String, String, String) {
    let file = file.display().to_string();
    (rule.into(), level.into(), client.into(), scope.into(), file, server.into())
}

/// A profile for cursor with one pinned, locked npm server `fs`.
const LOCKED: &str = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@acme/fs-server@1.2.3"],
  "lock": {"ecosystem": "npm", "package": "@acme/fs-server", "version": "1.2.3",
           "integrity": "sha512-AAAA", "registry": "http://127.0.0.1:9/"}}}}"#;

/// An initialized home whose cursor file was deployed from [`LOCKED`]: (env, cursor's file).
fn deployed() -> (TestEnv, PathBuf) {
    let env = initialized();
    publish(&env, "cursor", "default", LOCKED);
    let out = run(&env, &["deploy", "cursor", "--create", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = PathBuf::from(json(&out)["file"].as_str().expect("file"));
    (env, file)
}

/// The 1-based line `line` of `file`.
fn line_of(file: &Path, line: &Value) -> String {
    let n = line.as_u64().expect("a line") as usize;
    std::fs::read_to_string(file).expect("read").lines().nth(n - 1).expect("the line exists").to_owned()
}

#[test]
fn a_clean_machine_has_no_findings_in_any_format() {
    let env = initialized();
    let out = run(&env, &["audit", "--ci"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no table without findings");
    assert!(stderr(&out).contains("0 client file(s) audited against 0 trusted policies"), "{}", stderr(&out));
    assert!(stderr(&out).contains("no findings"), "{}", stderr(&out));

    let (env, file) = {
        drop(env);
        deployed()
    };
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["probed"], false);
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 1, "{report:#}");
    assert_eq!(files[0]["file"], file.display().to_string());
    assert_eq!((files[0]["status"].as_str(), files[0]["scope"].as_str()), (Some("up-to-date"), Some("user")));
    assert_eq!(files[0]["profile"], "cursor/default v1");
    let (exit, log) = audit_sarif(&env, &[]);
    assert_eq!(exit, 0);
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "mcp-orchestration");
}

#[test]
fn a_drifted_live_file_is_outdated_then_diverged_at_the_servers_line() {
    let (env, file) = deployed();
    // v2 adds a server: the file holds v1, an older signed version.
    let v2 = LOCKED.replacen(r#""mcpServers": {"#, r#""mcpServers": {"time": {"command": "my-time-server"}, "#, 1);
    publish(&env, "cursor", "default", &v2);
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(found(&report), vec![row("drift/outdated", "warning", "cursor", "user", &file, "time")]);
    let message = report["findings"][0]["message"].as_str().expect("message");
    assert!(message.contains("time of cursor/default v2 is not in the file"), "{message}");
    assert!(message.contains("mcp-orchestration deploy cursor --profile default"), "says what to do: {message}");
    assert_eq!(report["findings"][0]["line"], Value::Null, "a server not in the file has no line");

    // Deployed again, then edited by hand: it matches no version.
    let out = run(&env, &["deploy", "cursor"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut live: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    live["mcpServers"]["time"]["command"] = json!("other-time-server");
    std::fs::write(&file, serde_json::to_string_pretty(&live).expect("json")).expect("write");
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5);
    assert_eq!(found(&report), vec![row("drift/diverged", "error", "cursor", "user", &file, "time")]);
    let finding = &report["findings"][0];
    assert!(
        finding["message"].as_str().expect("m").contains("time differs from cursor/default v2 at /command"),
        "{finding}"
    );
    assert!(line_of(&file, &finding["line"]).contains("\"time\""), "the line of the entry: {finding}");
    // The text table shows the same.
    let out = run(&env, &["audit", "--ci"]);
    assert_eq!(code(&out), 5);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("drift/diverged") && table.contains("time") && table.contains("error"), "{table}");
    assert!(table.contains(&format!("~/.cursor/mcp.json:{}", finding["line"])), "{table}");
    assert!(stderr(&out).contains("1 finding(s) to act on"), "{}", stderr(&out));
}

#[test]
fn a_users_own_server_that_a_trusted_policy_denies_is_found() {
    let admin = admin();
    let signed = sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil*"]}}));
    let user = user_of(&admin);
    install(&user, &signed);
    let file = user.write_file(
        ".cursor/mcp.json",
        "{\n  \"mcpServers\": {\n    \"fine\": {\"command\": \"my-server\"},\n    \"evil-tool\": {\"command\": \"x\"}\n  }\n}\n",
    );
    let (exit, report) = audit_json(&user, &[]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(report["policies"], 1);
    assert_eq!(found(&report), vec![row("policy/servers.deny", "error", "cursor", "user", &file, "evil-tool")]);
    let finding = &report["findings"][0];
    assert_eq!(finding["line"], 4);
    let message = finding["message"].as_str().expect("message");
    assert!(message.contains("rule servers.deny of policy 'acme' (org)"), "{message}");
    assert!(message.contains("remove evil-tool from the file"), "{message}");
    let (_, log) = audit_sarif(&user, &[]);
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"], "policy/servers.deny");
}

#[test]
fn a_policy_that_no_longer_verifies_refuses_the_audit() {
    let admin = admin();
    let signed = sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil*"]}}));
    let user = user_of(&admin);
    install(&user, &signed);
    let installed = user.home().join("policies/org/acme.json");
    let text = std::fs::read_to_string(&installed).expect("installed");
    std::fs::write(&installed, text.replace("evil*", "evul*")).expect("tamper");
    let out = run(&user, &["audit", "--ci", "--format", "sarif"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing that looks like a log");
    assert!(stderr(&out).contains("installed policy org/acme"), "{}", stderr(&out));
}

#[test]
fn an_unpinned_server_is_found() {
    let env = initialized();
    let file = env.write_file(
        ".cursor/mcp.json",
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@acme/fs-server"]}, "git": {"command": "uvx", "args": ["git+https://example.com/x.git"]},
            "img": {"command": "docker", "args": ["run", "-i", "--rm", "ghcr.io/acme/tool:latest"]},
            "pinned-img": {"command": "docker", "args": ["run", "-i", "--rm", "ghcr.io/acme/tool@sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}}"#,
    );
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5);
    assert_eq!(
        found(&report),
        vec![
            row("lock/unpinned", "error", "cursor", "user", &file, "fs"),
            row("lock/unpinned", "error", "cursor", "user", &file, "git"),
            row("lock/unpinned", "error", "cursor", "user", &file, "img"),
        ],
        "an image pinned by digest is pinned"
    );
    assert!(report["findings"][2]["message"].as_str().expect("m").contains("pin the image by digest"), "{report:#}");
    let messages: Vec<&str> =
        report["findings"].as_array().expect("f").iter().map(|f| f["message"].as_str().expect("m")).collect();
    assert!(
        messages[0].contains("fs runs the latest version of @acme/fs-server")
            && messages[0].contains("mcp-orchestration lock"),
        "{messages:?}"
    );
    assert!(messages[1].contains("not from a registry") && !messages[1].contains("example.com"), "{messages:?}");
}

#[test]
fn a_pin_changed_in_the_live_file_is_a_pin_mismatch_and_drift() {
    let (env, file) = deployed();
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("@acme/fs-server@1.2.3", "@acme/fs-server@1.2.4")).expect("write");
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(
        found(&report),
        vec![
            row("drift/diverged", "error", "cursor", "user", &file, "fs"),
            row("lock/pin-mismatch", "error", "cursor", "user", &file, "fs"),
        ]
    );
    let message = report["findings"][1]["message"].as_str().expect("message");
    assert!(
        message.contains("fs runs @acme/fs-server 1.2.4 but cursor/default v1 locks @acme/fs-server 1.2.3"),
        "{message}"
    );
    // Unpinned in the file while the profile locks it: unpinned, saying the lock.
    std::fs::write(&file, text.replace("@acme/fs-server@1.2.3", "@acme/fs-server")).expect("write");
    let (_, report) = audit_json(&env, &[]);
    let unpinned =
        report["findings"].as_array().expect("f").iter().find(|f| f["rule_id"] == "lock/unpinned").expect("unpinned");
    assert!(unpinned["message"].as_str().expect("m").contains("its profile locks 1.2.3"), "{unpinned}");
}

#[test]
fn a_pin_without_a_lock_in_the_profile_is_a_warning() {
    let env = initialized();
    publish(
        &env,
        "cursor",
        "default",
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@acme/fs-server@1.2.3"]}}}"#,
    );
    let out = run(&env, &["deploy", "cursor", "--create"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5, "a warning fails the audit");
    assert_eq!(report["findings"][0]["rule_id"], "lock/unlocked");
    assert_eq!(report["findings"][0]["level"], "warning");
}

#[test]
fn a_project_scope_file_is_found_and_relative_in_sarif() {
    let env = initialized();
    let project = std::fs::canonicalize(env.root()).expect("real").join("proj");
    std::fs::create_dir_all(project.join(".git")).expect("mkdir");
    let file = project.join(".mcp.json");
    std::fs::write(
        &file,
        "{\n  \"mcpServers\": {\n    \"fetch\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch\"]}\n  }\n}\n",
    )
    .expect("write");
    let (exit, report) = audit_json(&env, &["--project", project.to_str().expect("utf8")]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(found(&report), vec![row("lock/unpinned", "error", "claude-code", "project", &file, "fetch")]);
    assert_eq!(report["findings"][0]["line"], 3);
    // From a subdirectory, the project is found upward like git finds a repository.
    let sub = project.join("src");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let out = run_in(&env, &sub, &["audit", "--ci", "--format", "sarif"]);
    assert_eq!(code(&out), 5);
    let log = json(&out);
    validate_sarif(&log);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], format!("file://{}", file.display()), "outside the cwd: absolute");
    let (_, log) = audit_sarif(&env, &["--project", project.to_str().expect("utf8")]);
    let run0 = &log["runs"][0];
    let location = &run0["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"], json!({"uri": ".mcp.json", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(location["region"]["startLine"], 3);
    assert_eq!(run0["originalUriBaseIds"]["%SRCROOT%"]["uri"], format!("file://{}/", project.display()));
    assert_eq!(run0["results"][0]["properties"]["scope"], "project");
}

#[test]
fn an_unreadable_file_is_a_finding_naming_where() {
    let env = initialized();
    let file = env.write_file(".cursor/mcp.json", "{\"mcpServers\": {\"a\": }\n");
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5);
    assert_eq!(found(&report), vec![row("file/unreadable", "error", "cursor", "user", &file, "")]);
    assert!(report["findings"][0]["message"].as_str().expect("m").contains("line 1"), "{report:#}");
    assert_eq!(report["files"][0]["status"], "error");
}

#[test]
fn json_and_sarif_carry_the_same_findings() {
    let admin = admin();
    let signed = sign(&admin, "org", "acme", json!({"servers": {"deny": ["evil*"]}, "require_pinned": true}));
    let user = user_of(&admin);
    install(&user, &signed);
    user.write_file(
        ".cursor/mcp.json",
        r#"{"mcpServers": {"evil": {"command": "x"}, "fs": {"command": "npx", "args": ["-y", "@acme/fs-server"]}}}"#,
    );
    user.write_file(".gemini/settings.json", r#"{"mcpServers": {"evil2": {"command": "y"}}}"#);
    let (exit, report) = audit_json(&user, &[]);
    assert_eq!(exit, 5);
    let (exit_sarif, log) = audit_sarif(&user, &[]);
    assert_eq!(exit_sarif, 5);
    let from_json: Vec<Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            json!([
                f["rule_id"],
                f["level"],
                format!("file://{}", f["file"].as_str().expect("file")),
                f["server"],
                f["message"],
                f["line"]
            ])
        })
        .collect();
    let from_sarif: Vec<Value> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            json!([
                r["ruleId"],
                r["level"],
                location["artifactLocation"]["uri"],
                r["properties"]["server"],
                r["message"]["text"],
                location["region"]["startLine"]
            ])
        })
        .collect();
    assert_eq!(from_json.len(), 4, "{report:#}");
    assert_eq!(from_json, from_sarif);
    let rules: Vec<&str> =
        report["findings"].as_array().expect("f").iter().map(|f| f["rule_id"].as_str().expect("r")).collect();
    assert_eq!(rules, ["policy/servers.deny", "lock/unpinned", "policy/require_pinned", "policy/servers.deny"]);
    // --format wins over --json.
    let out = run(&user, &["audit", "--ci", "--json", "--format", "sarif"]);
    assert_eq!(json(&out)["version"], "2.1.0");
}

#[test]
fn probe_re_lists_tools_only_when_asked() {
    let env = initialized();
    let doc = json!({"mcpServers": {"flaky": {"command": "sh", "args": ["-c", "exit 1"],
        "lock": {"tools_sha256": "0".repeat(64), "tools": {}}}}});
    publish(&env, "cursor", "default", &doc.to_string());
    let out = run(&env, &["deploy", "cursor", "--create"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!((exit, report["findings"].clone(), report["probed"].clone()), (0, json!([]), json!(false)));
    let (exit, report) = audit_json(&env, &["--probe", "--probe-timeout", "10"]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(report["probed"], true);
    let file = env.root().join(".cursor/mcp.json");
    assert_eq!(found(&report), vec![row("lock/probe-failed", "warning", "cursor", "user", &file, "flaky")]);
    assert!(report["findings"][0]["message"].as_str().expect("m").contains("flaky could not be probed"), "{report:#}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let env = initialized();
    let before = env.snapshot();
    for (args, says) in [
        (&["audit", "--ci", "--format", "xml"][..], "invalid value 'xml' for '--format <FORMAT>'"),
        (&["audit", "--format", "sarif"][..], "--ci"),
        (&["audit", "--probe"][..], "--ci"),
        (&["audit", "--ci", "--client", "cursor"][..], "cannot be used with"),
        (&["audit", "--ci", "--no-probe"][..], "cannot be used with"),
    ] {
        let out = run(&env, args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let out = run(&env, &["audit", "--ci", "--format", "xml"]);
    assert!(stderr(&out).contains("[possible values: text, json, sarif]"), "{}", stderr(&out));
    let out = run(&env, &["audit", "--ci", "--project", "/nonexistent/dir"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(env.snapshot(), before, "a refusal changes nothing");
}

#[test]
fn the_schema_check_refuses_a_log_that_is_not_sarif() {
    let env = initialized();
    env.write_file(".cursor/mcp.json", r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "pkg"]}}}"#);
    let (_, log) = audit_sarif(&env, &[]);
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    assert!(validator.is_valid(&log));
    for (pointer, bad) in [
        ("/runs/0/results/0/level", json!("fatal")),
        ("/version", json!("2.2.0")),
        ("/runs/0/results/0/locations/0/physicalLocation/region/startLine", json!(0)),
    ] {
        let mut broken = log.clone();
        *broken.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} in {log:#}")) = bad;
        assert!(!validator.is_valid(&broken), "{pointer} should be refused");
    }
    let mut broken = log.clone();
    broken["runs"][0]["tool"]["driver"].as_object_mut().expect("driver").remove("name");
    assert!(!validator.is_valid(&broken), "a driver without a name is refused");
}

#[test]
fn claude_codes_local_scope_is_audited_at_its_projects_entry() {
    let env = initialized();
    let project = std::fs::canonicalize(env.root()).expect("real").join("app");
    std::fs::create_dir_all(project.join(".git")).expect("mkdir");
    let key = project.display().to_string();
    let text = format!(
        "{{\n  \"mcpServers\": {{\n    \"x\": {{\"command\": \"my-server\"}}\n  }},\n  \"projects\": {{\n    \"{key}\": {{\n      \"mcpServers\": {{\n        \"x\": {{\"command\": \"npx\", \"args\": [\"-y\", \"pkg\"]}}\n      }}\n    }}\n  }}\n}}\n"
    );
    let file = env.write_file(".claude.json", &text);
    let (exit, report) = audit_json(&env, &["--project", &key]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(found(&report), vec![row("lock/unpinned", "error", "claude-code", "local", &file, "x")]);
    assert_eq!(report["findings"][0]["line"], 8, "the project's entry, not the user's of the same name");
    let scopes: Vec<&str> =
        report["files"].as_array().expect("files").iter().map(|f| f["scope"].as_str().expect("s")).collect();
    assert_eq!(scopes, ["user", "local"], "one file, two placements");
}

#[test]
fn probe_reports_a_registry_it_cannot_reach_on_the_files_holding_the_server() {
    let (env, file) = deployed();
    let (exit, report) = audit_json(&env, &["--probe", "--npm-registry", "http://127.0.0.1:9/"]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(found(&report), vec![row("lock/registry-failed", "warning", "cursor", "user", &file, "fs")]);
    assert!(report["findings"][0]["line"].is_u64(), "{report:#}");
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!((exit, report["findings"].clone()), (0, json!([])), "no network without --probe");
}

#[test]
fn a_users_entry_under_a_name_the_profile_now_uses_is_reported() {
    let (env, file) = deployed();
    let mut live: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    live["mcpServers"]["time"] = json!({"command": "my-own-time"});
    std::fs::write(&file, serde_json::to_string_pretty(&live).expect("json")).expect("write");
    let v2 = LOCKED.replacen(r#""mcpServers": {"#, r#""mcpServers": {"time": {"command": "team-time"}, "#, 1);
    publish(&env, "cursor", "default", &v2);
    let (exit, report) = audit_json(&env, &[]);
    assert_eq!(exit, 5, "{report:#}");
    let finding = report["findings"].as_array().expect("f").iter().find(|f| f["server"] == "time").expect("time");
    assert!(finding["rule_id"].as_str().expect("r").starts_with("drift/"), "{finding}");
    assert!(
        finding["message"].as_str().expect("m").contains("time in the file is an entry this home did not write"),
        "{finding}"
    );
    assert!(line_of(&file, &finding["line"]).contains("\"time\""), "{finding}");
}

#[test]
fn probe_against_a_real_registry_notes_an_update_and_finds_a_replaced_version() {
    const PKG: &str = "@audittest/server";
    let registry = Verdaccio::start();
    registry.publish(PKG, "1.0.0");
    let env = initialized();
    let doc = json!({"mcpServers": {"fs": {"command": "npx", "args": ["-y", format!("{PKG}@^1.0.0")]}}});
    publish(&env, "cursor", "default", &doc.to_string());
    let reg = registry.url.as_str();
    let out = run(&env, &["lock", "--client", "cursor", "--npm-registry", reg]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["deploy", "cursor", "--create"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = env.root().join(".cursor/mcp.json");
    let (exit, report) = audit_json(&env, &["--probe"]);
    assert_eq!((exit, report["findings"].clone()), (0, json!([])), "locked at the registry it was pinned at");

    // A newer version in the range: a note, which does not fail the audit.
    registry.publish(PKG, "1.1.0");
    let out = run(&env, &["audit", "--ci", "--probe"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("note") && table.contains("lock/update-available"), "{table}");
    assert!(stderr(&out).contains("registries and tool lists: notes only"), "{}", stderr(&out));
    let (_, log) = audit_sarif(&env, &["--probe"]);
    assert_eq!(log["runs"][0]["results"][0]["level"], "note");

    // The locked 1.0.0 replaced by other bytes: the rug pull at the registry.
    registry.unpublish(PKG, "1.1.0");
    registry.unpublish(PKG, "1.0.0");
    registry.publish_variant(PKG, "1.0.0", "\n// replaced\n");
    let (exit, report) = audit_json(&env, &["--probe"]);
    assert_eq!(exit, 5, "{report:#}");
    assert_eq!(found(&report), vec![row("lock/integrity-changed", "error", "cursor", "user", &file, "fs")]);
    assert!(
        report["findings"][0]["message"].as_str().expect("m").contains("another digest than was locked"),
        "{report:#}"
    );
}
