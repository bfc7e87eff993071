//! Secrets as a user meets them: what publish refuses and accepts, what import moves into the
//! store (and under which names), and what previews show of a changed secret.

use serde_json::json;

use super::common::{code, initialized, json, run, stderr};

/// `secrets set NAME` with the value on stdin, as a user types it.
fn set_secret(env: &mcp_testkit::TestEnv, name: &str, value: &str) {
    let mut child = env
        .std_command(super::common::BIN)
        .args(["secrets", "set", name])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), value.as_bytes()).expect("write");
    assert!(child.wait().expect("wait").success(), "secrets set {name}");
}

fn publish_doc(env: &mcp_testkit::TestEnv, doc: &serde_json::Value) -> std::process::Output {
    let file = env.write_file("doc.json", &doc.to_string());
    run(env, &["publish", "claude-desktop", "--profile", "dev", "--file", file.to_str().expect("utf8")])
}

#[test]
fn publish_refuses_a_password_in_a_connection_string_without_showing_it() {
    let env = initialized();
    let out = publish_doc(
        &env,
        &json!({"mcpServers": {"db": {"command": "npx", "args": ["-y", "pg-mcp", "postgres://app:hunter2pw@db.internal/prod"]}}}),
    );
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("/mcpServers/db/args/2"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hunter2pw"), "{}", stderr(&out));
}

#[test]
fn publish_refuses_a_secret_query_parameter_in_a_url() {
    let env = initialized();
    for url in ["https://mcp.example.com/sse?api_key=abcd1234efgh", "https://mcp.example.com/mcp?x=1&token=zzzz9999"] {
        let out = publish_doc(&env, &json!({"mcpServers": {"remote": {"type": "sse", "url": url}}}));
        assert_eq!(code(&out), 6, "{url}: {}", stderr(&out));
        assert!(stderr(&out).contains("/mcpServers/remote/url"), "{}", stderr(&out));
    }
}

#[test]
fn publish_accepts_paths_references_and_variable_names_under_secret_sounding_names() {
    let env = initialized();
    let doc = json!({"mcpServers": {"figma": {"command": "npx", "args": ["-y", "figma-mcp"], "env": {
        "TOKEN_PATH": "/etc/token",
        "PASSWORD_FILE": "/run/secrets/pw",
        "FIGMA_BEARER_TOKEN_ENV_VAR": "FIGMA_TOKEN",
        "API_KEY": "${secret:FIGMA_KEY}",
        "DB_URL": "postgres://app:${secret:DB_PASSWORD}@db/prod"
    }}}});
    let out = publish_doc(&env, &doc);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn import_names_secrets_once_keeps_variable_names_and_moves_only_url_passwords() {
    let env = initialized();
    let file = env.write_file(
        "claude_desktop_config.json",
        &json!({"mcpServers": {
            "context7": {"type": "http", "url": "https://mcp.context7.com/mcp", "headers": {"CONTEXT7_API_KEY": "ctx7sk-literal-1234567"}},
            "figma": {"command": "npx", "args": ["figma"], "env": {"FIGMA_BEARER_TOKEN_ENV_VAR": "FIGMA_TOKEN"}},
            "db": {"command": "npx", "args": ["pg", "postgres://app:s3cretpw99@db/prod"]}
        }})
        .to_string(),
    );
    let out =
        run(&env, &["import", "claude-desktop", "--file", file.to_str().expect("utf8"), "--profile", "mine", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let names: Vec<&str> =
        report["secrets_moved"].as_array().expect("list").iter().map(|m| m["secret"].as_str().expect("name")).collect();
    assert!(names.contains(&"CONTEXT7_API_KEY"), "{names:?}");
    assert!(names.contains(&"DB_URL_PASSWORD"), "{names:?}");
    assert_eq!(names.len(), 2, "{names:?}");
    let document = &report["document"]["mcpServers"];
    assert_eq!(document["figma"]["env"]["FIGMA_BEARER_TOKEN_ENV_VAR"], "FIGMA_TOKEN");
    assert_eq!(document["db"]["args"][1], "postgres://app:${secret:DB_URL_PASSWORD}@db/prod");
    assert!(!out.stdout.windows(10).any(|w| w == b"s3cretpw99"));
}

#[test]
fn a_rotated_secret_shows_as_a_changed_line_of_redactions_and_render_shows_references() {
    let env = initialized();
    let set = |value: &str| set_secret(&env, "API_TOKEN", value);
    set("first-value-aaaa1111");
    let out = publish_doc(
        &env,
        &json!({"mcpServers": {"svc": {"command": "npx", "args": ["svc"], "env": {"API_TOKEN": "${secret:API_TOKEN}", "MODE": "fast"}}}}),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = env.root().join("claude_desktop_config.json");
    let path = file.to_str().expect("utf8");
    let out = run(&env, &["deploy", "claude-desktop", "--profile", "dev", "--file", path]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    set("second-value-bbbb2222");
    let out = run(&env, &["deploy", "claude-desktop", "--profile", "dev", "--file", path, "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(!shown.contains("first-value") && !shown.contains("second-value"), "{shown}");
    assert!(shown.contains("-        \"API_TOKEN\": \"«redacted»\""), "the old value is a removed line:\n{shown}");
    assert!(shown.contains("+        \"API_TOKEN\": \"${secret:API_TOKEN}\""), "the new one a reference:\n{shown}");
    assert!(!shown.contains("-        \"MODE\""), "unchanged lines are context:\n{shown}");
    let out = run(&env, &["render", "claude-desktop", "--profile", "dev", "--into", path]);
    let rendered = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(rendered.contains("\"API_TOKEN\": \"${secret:API_TOKEN}\""), "{rendered}");
    assert!(!rendered.contains("value-"), "{rendered}");
    assert!(std::fs::read_to_string(&file).expect("read").contains("first-value-aaaa1111"), "the file holds the value");
}

#[test]
fn vscode_gets_an_input_prompt_merged_with_the_users_own_inputs() {
    let env = initialized();
    set_secret(&env, "GH_TOKEN", "ghp_vscodevalue0123456789abcdef");
    let doc = json!({"mcpServers": {"gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
        "headers": {"Authorization": "Bearer ${secret:GH_TOKEN}"}}}});
    let file = env.write_file("doc.json", &doc.to_string());
    let out = run(&env, &["publish", "vscode", "--profile", "dev", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let users = "{\n  // mine\n  \"inputs\": [\n    {\"type\": \"promptString\", \"id\": \"mine\", \"password\": true}\n  ],\n  \"servers\": {}\n}\n";
    let target = env.write_file("ws/.vscode/mcp.json", users);
    let out = run(&env, &["deploy", "vscode", "--profile", "dev", "--file", target.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&target).expect("read");
    assert!(!written.contains("ghp_vscodevalue"), "{written}");
    assert!(written.contains("\"Authorization\": \"Bearer ${input:GH_TOKEN}\""), "{written}");
    assert!(written.contains("// mine") && written.contains("\"id\": \"mine\""), "the user's input stays: {written}");
    assert_eq!(jsonc_ids(&written), Some(vec!["mine".to_owned(), "GH_TOKEN".to_owned()]), "{written}");
    // A second deploy adds no second prompt.
    publish_doc_vscode_again(&env, &doc);
    let out = run(&env, &["deploy", "vscode", "--profile", "dev", "--file", target.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = std::fs::read_to_string(&target).expect("read");
    assert_eq!(again.matches("\"id\": \"GH_TOKEN\"").count(), 1, "{again}");
}

fn publish_doc_vscode_again(env: &mcp_testkit::TestEnv, doc: &serde_json::Value) {
    let mut doc = doc.clone();
    doc["mcpServers"]["other"] = json!({"command": "npx", "args": ["other"]});
    let file = env.write_file("doc2.json", &doc.to_string());
    let out = run(env, &["publish", "vscode", "--profile", "dev", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The `id`s of a JSONC file's top-level `inputs`.
fn jsonc_ids(text: &str) -> Option<Vec<String>> {
    let stripped: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let value: serde_json::Value = serde_json::from_str(&stripped).ok()?;
    Some(value["inputs"].as_array()?.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect())
}

#[test]
fn codex_passes_secrets_through_env_vars_and_bearer_token_env_var() {
    let env = initialized();
    for (name, value) in
        [("GITHUB_TOKEN", "ghp_codexvalue0123456789abcdefgh"), ("API_TOKEN", "sk-codexbearer0123456789")]
    {
        set_secret(&env, name, value);
    }
    let doc = json!({"mcpServers": {
        "gh": {"command": "npx", "args": ["gh"], "env": {"GITHUB_TOKEN": "${secret:GITHUB_TOKEN}", "MODE": "x"}},
        "remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ${secret:API_TOKEN}"}},
        "renamed": {"command": "npx", "args": ["r"], "env": {"OTHER_NAME": "${secret:GITHUB_TOKEN}"}}
    }});
    let file = env.write_file("doc.json", &doc.to_string());
    let out = run(&env, &["publish", "codex", "--profile", "dev", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let target = env.write_file(".codex/config.toml", "# mine\nmodel = \"o3\"\n");
    let out = run(&env, &["deploy", "codex", "--profile", "dev", "--file", target.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&target).expect("read");
    let parsed: toml_edit::DocumentMut = written.parse().expect("toml");
    let servers = &parsed["mcp_servers"];
    assert_eq!(servers["gh"]["env_vars"].as_array().map(|a| a.len()), Some(1), "{written}");
    assert_eq!(
        servers["gh"]["env_vars"].as_array().and_then(|a| a.get(0)).and_then(|v| v.as_str()),
        Some("GITHUB_TOKEN")
    );
    assert_eq!(servers["gh"]["env"]["MODE"].as_str(), Some("x"), "{written}");
    assert_eq!(servers["remote"]["bearer_token_env_var"].as_str(), Some("API_TOKEN"), "{written}");
    assert!(!written.contains("sk-codexbearer"), "{written}");
    // A secret under another name cannot be passed through: it is written as its value (0600).
    assert_eq!(servers["renamed"]["env"]["OTHER_NAME"].as_str(), Some("ghp_codexvalue0123456789abcdefgh"));
    assert_eq!(mcp_testkit::mode(&target), 0o600);
    assert!(written.starts_with("# mine\nmodel = \"o3\"\n"), "{written}");
}

#[test]
fn opencode_gets_its_own_env_substitution() {
    let env = initialized();
    set_secret(&env, "GH_TOKEN", "ghp_opencodevalue0123456789abc");
    let doc = json!({"mcpServers": {
        "gh": {"command": "npx", "args": ["gh"], "env": {"GITHUB_TOKEN": "${secret:GH_TOKEN}"}},
        "remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ${secret:GH_TOKEN}"}}
    }});
    let file = env.write_file("doc.json", &doc.to_string());
    let out = run(&env, &["publish", "opencode", "--profile", "dev", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let target = env.write_file("oc/opencode.json", "{}\n");
    let out = run(&env, &["deploy", "opencode", "--profile", "dev", "--file", target.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&target).expect("read");
    assert!(!written.contains("ghp_opencodevalue"), "{written}");
    assert!(written.contains("\"GITHUB_TOKEN\": \"{env:GH_TOKEN}\""), "{written}");
    assert!(written.contains("\"Authorization\": \"Bearer {env:GH_TOKEN}\""), "{written}");
    let out = run(&env, &["diff", "opencode", "--profile", "dev", "--file", target.to_str().expect("utf8"), "--json"]);
    assert_eq!(json(&out)["status"], "up-to-date", "{}", String::from_utf8_lossy(&out.stdout));
}
