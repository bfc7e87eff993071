//! The catalog, the draft → validate → publish workflow and secrets, end to end through the
//! binary, including each refusal with its exit code and a scan for leaked secret values.

use mcp_testkit::TestEnv;

use super::common::*;

fn corpus_server_json(n: u32) -> std::path::PathBuf {
    mcp_testkit::corpus_dir().join(format!("server-json/{n:03}.json"))
}

fn draft(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut all = vec!["draft"];
    all.extend_from_slice(args);
    run(env, &all)
}

#[test]
fn servers_list_show_and_search() {
    let env = initialized();
    let all = json(&run(&env, &["servers", "list", "--json"]));
    assert!(all.as_array().expect("list").len() >= 40);
    let remote = json(&run(&env, &["servers", "list", "--transport", "http", "--json"]));
    assert!(remote.as_array().expect("list").iter().all(|e| e["transport"] == "http"));
    let github = json(&run(&env, &["servers", "list", "--query", "GitHub", "--json"]));
    assert!(github.as_array().expect("list").iter().any(|e| e["id"] == "github-remote"));
    let fs = json(&run(&env, &["servers", "show", "filesystem"]));
    assert_eq!(fs["launch"]["kind"], "npm");
    assert_eq!(fs["launch"]["package"], "@modelcontextprotocol/server-filesystem");
    let out = run(&env, &["servers", "show", "no-such-server"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no server 'no-such-server'"));
}

#[test]
fn every_corpus_server_json_imports_and_is_listed() {
    let env = initialized();
    for n in 1..=10 {
        let path = corpus_server_json(n);
        let out = run(&env, &["servers", "import", path.to_str().expect("utf8"), "--json"]);
        assert_eq!(code(&out), 0, "{n:03}: {}", stderr(&out));
        let entry = json(&out);
        let listed = json(&run(&env, &["servers", "show", entry["id"].as_str().expect("id")]));
        assert_eq!(listed["source"], "imported");
        assert_eq!(listed["id"], entry["id"]);
    }
    let imported = json(&run(&env, &["servers", "list", "--json"]));
    assert_eq!(imported.as_array().expect("list").iter().filter(|e| e["source"] == "imported").count(), 10);
    let not_server_json = env.write_file("x.json", r#"{"hello": "world"}"#);
    let out = run(&env, &["servers", "import", not_server_json.to_str().expect("utf8")]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
}

#[test]
fn draft_add_validate_publish_get_deploy_end_to_end() {
    let env = initialized();
    let out = draft(
        &env,
        &["add-server", "cursor", "--profile", "team", "filesystem", "--param", "path=/srv/work", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["document"]["mcpServers"]["filesystem"]["command"], "npx");
    assert_eq!(doc["exists"], true);
    let secret_server = json(&run(&env, &["servers", "show", "github"]));
    let token_var =
        secret_server["env"].as_array().expect("env").iter().find(|e| e["secret"] == true).expect("secret env")["name"]
            .as_str()
            .expect("name")
            .to_owned();
    let out = draft(
        &env,
        &[
            "add-server",
            "cursor",
            "--profile",
            "team",
            "github",
            "--env",
            &format!("{token_var}=ghp_literal0123456789abcdefghij"),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&draft(&env, &["show", "cursor", "--profile", "team", "--json"]));
    let env_value =
        shown["document"]["mcpServers"]["github"]["env"][&token_var].as_str().expect("env value").to_owned();
    assert!(env_value.starts_with("${secret:"), "the literal went to the secret store: {env_value}");

    let validate = draft(&env, &["validate", "cursor", "--profile", "team", "--json"]);
    assert_eq!(code(&validate), 0, "{}", stderr(&validate));
    assert_eq!(json(&validate)["valid"], true);

    let out = draft(&env, &["publish", "cursor", "--profile", "team", "--note", "team servers", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["version"], 1);
    assert!(!env.home().join("drafts/cursor/team.json").exists(), "publishing drops the draft");
    let got = json(&run(&env, &["get", "cursor", "--profile", "team", "--json"]));
    assert_eq!(got["payload"]["mcpServers"]["filesystem"]["args"][2], "/srv/work");

    let file = env.write_file("proj/.cursor/mcp.json", "{\n  \"mcpServers\": {}\n}\n");
    let out = run(&env, &["deploy", "cursor", "--profile", "team", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&file).expect("read");
    assert!(written.contains("ghp_literal0123456789abcdefghij"), "the secret is resolved into the client file");
    assert_eq!(mcp_testkit::mode(&file), 0o600);
}

#[test]
fn draft_refusals_have_their_exit_codes() {
    let env = initialized();
    let out = draft(&env, &["add-server", "cursor", "--profile", "team", "filesystem"]);
    assert_eq!(code(&out), 6, "a missing required parameter: {}", stderr(&out));
    assert!(stderr(&out).contains("path"), "names what is needed: {}", stderr(&out));
    let out = draft(&env, &["add-server", "cursor", "--profile", "team", "nope"]);
    assert_eq!(code(&out), 3);
    let out = draft(&env, &["add-server", "claude-desktop", "--profile", "team", "linear"]);
    assert_eq!(code(&out), 6, "Claude Desktop cannot use a remote server: {}", stderr(&out));
    let out = draft(&env, &["remove-server", "cursor", "--profile", "team", "absent"]);
    assert_eq!(code(&out), 3);

    let literal = env.write_file(
        "lit.json",
        r#"{"mcpServers": {"a": {"command": "npx", "env": {"API_KEY": "sk-abcdefghijklmnopqrstuvwx"}}}}"#,
    );
    assert_eq!(
        code(&draft(&env, &["set", "cursor", "--profile", "team", "--file", literal.to_str().expect("utf8")])),
        0
    );
    let out = draft(&env, &["validate", "cursor", "--profile", "team", "--json"]);
    assert_eq!(code(&out), 6);
    let report = json(&out);
    assert_eq!(report["errors"][0]["pointer"], "/mcpServers/a/env/API_KEY");
    assert!(report["errors"][0]["message"].as_str().expect("msg").contains("${secret:NAME}"));
    let out = draft(&env, &["publish", "cursor", "--profile", "team"]);
    assert_eq!(code(&out), 6);
    assert!(stderr(&out).contains("/mcpServers/a/env/API_KEY"));
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "team"])), 3, "nothing was published");
    assert!(!stderr(&out).contains("sk-abcdefghijklmnopqrstuvwx"));

    let out = run(&env, &["publish", "cursor", "--profile", "team", "--file", literal.to_str().expect("utf8")]);
    assert_eq!(code(&out), 6, "plain publish refuses a literal secret too");
    assert!(stderr(&out).contains("/mcpServers/a/env/API_KEY"));
    assert_eq!(code(&draft(&env, &["discard", "cursor", "--profile", "team"])), 0);
    assert!(!env.home().join("drafts/cursor/team.json").exists());
}

#[test]
fn commands_missing_from_path_are_warnings_not_errors() {
    let env = initialized();
    let doc = env.write_file("d.json", r#"{"mcpServers": {"a": {"command": "definitely-not-installed-xyz"}}}"#);
    assert_eq!(code(&draft(&env, &["set", "cursor", "--profile", "p", "--file", doc.to_str().expect("utf8")])), 0);
    let out = draft(&env, &["validate", "cursor", "--profile", "p", "--json"]);
    assert_eq!(code(&out), 0);
    let report = json(&out);
    assert_eq!(report["warnings"][0]["pointer"], "/mcpServers/a/command");
}

#[test]
fn secrets_set_list_remove_and_never_print_values() {
    let env = initialized();
    let out =
        env.command(BIN).args(["secrets", "set", "MY_TOKEN"]).write_stdin("s3cr3t-value-xyz\n").output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let names = json(&run(&env, &["secrets", "list", "--json"]));
    assert_eq!(names, serde_json::json!(["MY_TOKEN"]));
    let stored = std::fs::read_to_string(env.home().join("secrets.json")).expect("read");
    assert!(stored.contains("s3cr3t-value-xyz") && !stored.contains("s3cr3t-value-xyz\n\""));
    let out = env.command(BIN).args(["secrets", "set", "bad name"]).write_stdin("x").output().expect("run");
    assert_eq!(code(&out), 6);
    let out = env.command(BIN).args(["secrets", "set", "EMPTY"]).write_stdin("").output().expect("run");
    assert_eq!(code(&out), 2);
    assert_eq!(code(&run(&env, &["secrets", "remove", "MY_TOKEN"])), 0);
    assert_eq!(json(&run(&env, &["secrets", "list", "--json"])), serde_json::json!([]));
}

#[test]
fn no_secret_value_appears_in_any_output_event_or_signed_file() {
    let env = initialized();
    let secret = "ghp_scanme0123456789abcdefghijklmn";
    let file = env.write_file(
        "proj/.cursor/mcp.json",
        &format!("{{\n  \"mcpServers\": {{\n    \"gh\": {{\"command\": \"npx\", \"env\": {{\"GITHUB_TOKEN\": \"{secret}\"}}}}\n  }}\n}}\n"),
    );
    let path = file.to_str().expect("utf8");
    let mut printed = String::new();
    let mut record = |out: std::process::Output| {
        printed.push_str(&String::from_utf8_lossy(&out.stdout));
        printed.push_str(&String::from_utf8_lossy(&out.stderr));
    };
    record(run(&env, &["import", "cursor", "--file", path, "--profile", "p", "--publish", "--json"]));
    record(run(&env, &["get", "cursor", "--profile", "p", "--json"]));
    record(run(&env, &["render", "cursor", "--profile", "p", "--into", path]));
    record(run(&env, &["deploy", "cursor", "--profile", "p", "--file", path, "--dry-run"]));
    record(run(&env, &["deploy", "cursor", "--profile", "p", "--file", path]));
    record(run(&env, &["diff", "cursor", "--profile", "p", "--file", path, "--json"]));
    record(run(&env, &["status", "--json"]));
    record(run(&env, &["history", "cursor", "--profile", "p", "--json"]));
    record(run(&env, &["events", "query", "--json"]));
    std::fs::write(
        &file,
        std::fs::read_to_string(&file).expect("read").replace(secret, "ghp_changed0000000000000000000000"),
    )
    .expect("edit");
    let out = run(&env, &["diff", "cursor", "--profile", "p", "--file", path, "--json"]);
    assert_eq!(json(&out)["status"], "diverged", "a changed secret value is drift");
    record(out);
    assert!(!printed.contains(secret), "a secret value was printed");
    assert!(!printed.contains("ghp_changed0000000000000000000000"), "a secret value was printed");
    for (name, bytes) in env.snapshot() {
        let text = String::from_utf8_lossy(&bytes);
        let allowed = name == "secrets.json" || name.starts_with("deployments/backups/");
        assert!(allowed || !text.contains(secret), "{name} holds the secret value");
    }
    for entry in std::fs::read_dir(env.home().join("events")).expect("events").flatten() {
        assert!(!std::fs::read_to_string(entry.path()).expect("read").contains(secret), "events hold the secret");
    }
}
