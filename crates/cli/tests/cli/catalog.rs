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
    assert!(all["servers"].as_array().expect("list").len() >= 40);
    let remote = json(&run(&env, &["servers", "list", "--transport", "http", "--json"]));
    assert!(remote["servers"].as_array().expect("list").iter().all(|e| e["transport"] == "http"));
    let github = json(&run(&env, &["servers", "list", "--query", "GitHub", "--json"]));
    assert!(github["servers"].as_array().expect("list").iter().any(|e| e["id"] == "github-remote"));
    let fs = json(&run(&env, &["servers", "show", "filesystem", "--json"]));
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
        let listed = json(&run(&env, &["servers", "show", entry["id"].as_str().expect("id"), "--json"]));
        assert_eq!(listed["source"], "imported");
        assert_eq!(listed["id"], entry["id"]);
    }
    let imported = json(&run(&env, &["servers", "list", "--json"]));
    assert_eq!(imported["servers"].as_array().expect("list").iter().filter(|e| e["source"] == "imported").count(), 10);
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
    let secret_server = json(&run(&env, &["servers", "show", "github", "--json"]));
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
    assert!(
        written.contains(&format!("${{env:{token_var}}}")) && !written.contains("ghp_literal"),
        "Cursor reads the secret from its environment; the value stays out of the file: {written}"
    );
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
        // The user pastes a value over the reference Cursor would expand.
        std::fs::read_to_string(&file)
            .expect("read")
            .replace("${env:GITHUB_TOKEN}", "ghp_changed0000000000000000000000"),
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

/// A `server.json` named `name` launching the npm package `package`.
fn server_json(env: &TestEnv, file: &str, name: &str, package: &str) -> String {
    let text = serde_json::json!({
        "name": name, "description": format!("probe {name}"), "version": "1.0.0",
        "packages": [{"registryType": "npm", "identifier": package, "transport": {"type": "stdio"}}]
    });
    env.write_file(file, &text.to_string()).to_str().expect("utf8").to_owned()
}

#[test]
fn importing_a_registry_name_twice_is_refused_unless_replacing() {
    let env = initialized();
    let first = server_json(&env, "a.json", "io.example/probe", "probe-one");
    assert_eq!(code(&run(&env, &["servers", "import", &first])), 0);
    let before = env.snapshot();
    let again = server_json(&env, "b.json", "io.example/probe", "probe-two");
    let out = run(&env, &["servers", "import", &again]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("io.example/probe is already in the catalog") && err.contains("--replace"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.snapshot(), before, "the first import is untouched");

    let out = run(&env, &["servers", "import", &again, "--replace"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&run(&env, &["servers", "show", "io.example/probe", "--json"]));
    assert_eq!(shown["launch"]["package"], "probe-two");
}

#[test]
fn an_import_never_takes_a_builtin_name() {
    let env = initialized();
    let file = server_json(&env, "gh.json", "io.example/github", "my-github");
    let out = run(&env, &["servers", "import", &file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("refer to this one as io.example/github"), "{}", stderr(&out));
    let builtin = json(&run(&env, &["servers", "show", "github", "--json"]));
    assert!(builtin.get("source").is_none(), "the built-in github is still `github`: {builtin}");
    assert_ne!(builtin["launch"]["package"], "my-github");
    let imported = json(&run(&env, &["servers", "show", "io.example/github", "--json"]));
    assert_eq!(imported["source"], "imported");
    assert_eq!(imported["launch"]["package"], "my-github");
    let listed = json(&run(&env, &["servers", "list", "--json"]));
    assert_eq!(listed["servers"].as_array().expect("list").iter().filter(|e| e["id"] == "github").count(), 2);
}

#[test]
fn an_ambiguous_short_name_is_refused_with_the_candidates() {
    let env = initialized();
    for (file, name) in [("one.json", "io.one/probe"), ("two.json", "io.two/probe")] {
        let path = server_json(&env, file, name, "probe-pkg");
        assert_eq!(code(&run(&env, &["servers", "import", &path])), 0);
    }
    let out = run(&env, &["servers", "show", "probe"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("'probe' names several catalog servers: io.one/probe, io.two/probe"),
        "{}",
        stderr(&out)
    );
    let before = env.snapshot();
    let out = draft(&env, &["add-server", "cursor", "probe"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert_eq!(env.snapshot(), before, "no draft was written");

    let out = draft(&env, &["add-server", "cursor", "io.two/probe"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&draft(&env, &["show", "cursor", "--json"]));
    assert_eq!(shown["document"]["mcpServers"]["probe"]["args"], serde_json::json!(["-y", "probe-pkg"]));
}

#[test]
fn names_that_collide_once_made_safe_are_refused() {
    let env = initialized();
    let first = server_json(&env, "a.json", "io.example/Probe", "p");
    assert_eq!(code(&run(&env, &["servers", "import", &first])), 0);
    let second = server_json(&env, "b.json", "io.example/probe", "p");
    for extra in [None, Some("--replace")] {
        let mut args = vec!["servers", "import", second.as_str()];
        args.extend(extra);
        let out = run(&env, &args);
        assert_eq!(code(&out), 6, "{}", stderr(&out));
        assert!(stderr(&out).contains("io.example/probe and the imported io.example/Probe"), "{}", stderr(&out));
    }
}

#[test]
fn servers_remove_takes_an_import_and_refuses_builtins_and_unknown_names() {
    let env = initialized();
    let file = server_json(&env, "a.json", "io.example/removable", "p");
    assert_eq!(code(&run(&env, &["servers", "import", &file])), 0);
    let out = run(&env, &["servers", "remove", "github"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("github is built in"), "{}", stderr(&out));
    let out = run(&env, &["servers", "remove", "io.example/nothing"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("no imported server 'io.example/nothing'"), "{}", stderr(&out));

    let out = run(&env, &["servers", "remove", "removable"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("removed io.example/removable"), "{}", stderr(&out));
    let out = run(&env, &["servers", "show", "io.example/removable"]);
    assert_eq!(code(&out), 3);
    assert!(std::fs::read_dir(env.home().join("catalog")).expect("dir").next().is_none(), "its file is gone");
}
