//! `deploy`, `rollback`, `deployments`: the safe write path on real files, every corpus file,
//! symlinks, modes, unparsable targets, ownership of entries, concurrency.

use mcp_testkit::{CORPUS_REFUSED, TestEnv, corpus_client_files, mode, set_mode};

use super::common::*;
use super::files::place;

fn deploy(env: &TestEnv, client: &str, profile: &str, file: &std::path::Path) -> std::process::Output {
    run(env, &["deploy", client, "--profile", profile, "--file", file.to_str().expect("utf8")])
}

/// `doc` without the servers `draft validate` refuses for `client` (some corpus files hold
/// entries no client could use), so that `publish --file`, which validates, accepts it.
fn publishable(env: &TestEnv, client: &str, profile: &str, mut doc: serde_json::Value) -> serde_json::Value {
    let file = env.write_file(&format!("draft-{profile}.json"), &doc.to_string());
    let out = run(env, &["draft", "set", client, "--profile", profile, "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&run(env, &["draft", "validate", client, "--profile", profile, "--json"]));
    assert_eq!(code(&run(env, &["draft", "discard", client, "--profile", profile])), 0);
    for error in report["errors"].as_array().expect("errors") {
        let pointer = error["pointer"].as_str().expect("pointer");
        if let Some(name) = pointer.strip_prefix("/mcpServers/").and_then(|p| p.split('/').next()) {
            let name = name.replace("~1", "/").replace("~0", "~");
            doc["mcpServers"].as_object_mut().expect("servers").shift_remove(&name);
        }
    }
    doc
}

#[test]
fn deploy_writes_the_profile_and_rollback_restores_the_exact_bytes() {
    let env = initialized();
    let file = place(&env, "claude-desktop/003.json", "cd", "claude_desktop_config.json");
    let original = std::fs::read(&file).expect("read");
    publish(&env, "claude-desktop", "dev", &servers("added", "uvx"));
    let out = deploy(&env, "claude-desktop", "dev", &file);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&file).expect("read");
    let parsed: serde_json::Value = serde_json::from_str(&written).expect("strict JSON after deploy");
    assert_eq!(parsed["mcpServers"]["added"]["command"], "uvx");
    let original_doc: serde_json::Value = serde_json::from_slice(&original).expect("json");
    for name in original_doc["mcpServers"].as_object().expect("servers").keys() {
        assert_eq!(parsed["mcpServers"][name], original_doc["mcpServers"][name], "{name} left alone");
    }
    let records = json(&run(&env, &["deployments", "claude-desktop", "--json"]));
    let record = &records["deployments"][0];
    assert_eq!(record["profile_id"], "dev");
    assert_eq!(record["version"], 1);
    assert_eq!(record["owned_servers"], serde_json::json!(["added"]));
    let out = run(&env, &["rollback", "claude-desktop", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), original);
    // The rollback is recorded and can itself be rolled back (rolled forward).
    let out = run(&env, &["rollback", "claude-desktop", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), written);
}

#[test]
fn dry_run_prints_the_unified_diff_and_writes_nothing() {
    let env = initialized();
    let file = place(&env, "cursor/001.json", "c", "mcp.json");
    let before = std::fs::read(&file).expect("read");
    publish(&env, "cursor", "dev", &servers("added", "uvx"));
    let out = run(&env, &["deploy", "cursor", "--profile", "dev", "--file", file.to_str().expect("utf8"), "--dry-run"]);
    assert_eq!(code(&out), 0);
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("+++ b/") && diff.contains("+    \"added\": {") || diff.contains("\"added\""), "{diff}");
    assert!(diff.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count() <= 2, "{diff}");
    assert_eq!(std::fs::read(&file).expect("read"), before);
    assert!(json(&run(&env, &["deployments", "cursor", "--json"]))["deployments"].as_array().expect("list").is_empty());
}

#[test]
fn every_corpus_file_deploys_unchanged_then_changed_then_rolls_back_to_its_bytes() {
    let env = initialized();
    let mut checked = 0;
    for (n, (corpus_file, client, name)) in corpus_client_files().into_iter().enumerate() {
        if CORPUS_REFUSED.iter().any(|(f, ..)| *f == corpus_file) {
            continue;
        }
        let file = place(&env, &corpus_file, &format!("d{n}"), name);
        let path = file.to_str().expect("utf8");
        let original = std::fs::read(&file).expect("read");
        let profile = format!("p{n}");
        let out = run(&env, &["import", client, "--file", path, "--profile", &profile, "--publish", "--json"]);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        let report = json(&out);
        let mut doc = report["document"].clone();
        let out = deploy(&env, client, &profile, &file);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        // Clients that expand variables get the secrets moved on import as references to
        // their environment; every other byte stays.
        let mut expected = String::from_utf8(original.clone()).expect("utf8");
        let reference = match client {
            "cursor" => Some("${env:"),
            "claude-code" | "gemini-cli" => Some("${"),
            "vscode" => Some("${input:"),
            _ => None,
        };
        if let Some(opening) = reference {
            let store: serde_json::Value =
                serde_json::from_slice(&std::fs::read(env.home().join("secrets.json")).unwrap_or_default())
                    .unwrap_or_default();
            for moved in report["secrets_moved"].as_array().expect("list") {
                let name = moved["secret"].as_str().expect("name");
                let value = store[name].as_str().expect("stored");
                // As the file spells it (a JSON string escapes quotes inside the value).
                let escaped = serde_json::to_string(value).expect("json");
                let escaped = &escaped[1..escaped.len() - 1];
                expected = expected.replace(escaped, &format!("{opening}{name}}}"));
            }
        }
        let deployed = String::from_utf8(std::fs::read(&file).expect("read")).expect("utf8");
        if client == "vscode" && !report["secrets_moved"].as_array().expect("list").is_empty() {
            // VS Code also gets a password prompt in `inputs` for each secret: the servers
            // read as expected, and every moved secret has its input.
            let ours = dialects::import("vscode", &deployed)
                .or_else(|_| dialects::import_at("vscode", &dialects::Placement::new(&["mcp", "servers"]), &deployed));
            let theirs = dialects::import("vscode", &expected)
                .or_else(|_| dialects::import_at("vscode", &dialects::Placement::new(&["mcp", "servers"]), &expected));
            // An updated stdio entry also gets the `type` VS Code lists as required.
            let without_stdio_type = |mut doc: serde_json::Value| {
                for entry in doc["mcpServers"].as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                    if entry["type"] == "stdio" {
                        entry.as_object_mut().map(|e| e.remove("type"));
                    }
                }
                doc
            };
            assert_eq!(ours.ok().map(without_stdio_type), theirs.ok().map(without_stdio_type), "{corpus_file}");
            for moved in report["secrets_moved"].as_array().expect("list") {
                let name = moved["secret"].as_str().expect("name");
                assert!(
                    deployed.contains(&format!("\"id\": \"{name}\"")),
                    "{corpus_file}: no input for {name}:\n{deployed}"
                );
            }
            expected = deployed.clone();
        }
        assert_eq!(deployed, expected, "{corpus_file}: deploying what was imported changed more than its secrets");
        doc["mcpServers"]["mcpo-added"] = serde_json::json!({"command": "npx", "args": ["-y", "mcpo-test"]});
        publish(&env, client, &profile, &publishable(&env, client, &profile, doc).to_string());
        let out = deploy(&env, client, &profile, &file);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        let changed = std::fs::read_to_string(&file).expect("read");
        assert!(changed.contains("mcpo-added") && changed.contains("mcpo-test"), "{corpus_file}");
        let out = run(&env, &["rollback", client, "--file", path]);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        assert_eq!(
            String::from_utf8(std::fs::read(&file).expect("read")).expect("utf8"),
            expected,
            "{corpus_file}: rollback did not restore the bytes of the first deploy"
        );
        checked += 1;
    }
    assert_eq!(checked, 105 - CORPUS_REFUSED.len());
}

#[test]
fn jsonc_comments_survive_a_deploy() {
    let env = initialized();
    let file = env.write_file(
        "ws/.vscode/mcp.json",
        "// team servers\n{\n  /* the servers */\n  \"servers\": {\n    \"a\": {\"command\": \"npx\", \"args\": [\"a\"]}, // keep\n  },\n}\n",
    );
    publish(&env, "vscode", "dev", &servers("b", "uvx"));
    let out = deploy(&env, "vscode", "dev", &file);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).expect("read");
    for comment in ["// team servers", "/* the servers */", "// keep"] {
        assert!(text.contains(comment), "{comment} kept in:\n{text}");
    }
    assert!(text.contains("\"b\""));
}

#[test]
fn a_symlinked_config_stays_a_symlink_and_its_target_is_updated() {
    let env = initialized();
    let real = place(&env, "cursor/001.json", "dotfiles", "cursor-mcp.json");
    let link_dir = env.root().join(".cursor");
    std::fs::create_dir_all(&link_dir).expect("mkdir");
    let link = link_dir.join("mcp.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    publish(&env, "cursor", "dev", &servers("added", "uvx"));
    let out = deploy(&env, "cursor", "dev", &link);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink(), "the link stays a link");
    assert!(std::fs::read_to_string(&real).expect("read").contains("\"added\""), "the link's target is updated");
}

#[test]
fn the_file_mode_is_kept() {
    let env = initialized();
    let file = place(&env, "cursor/001.json", "c", "mcp.json");
    set_mode(&file, 0o640);
    publish(&env, "cursor", "dev", &servers("added", "uvx"));
    assert_eq!(code(&deploy(&env, "cursor", "dev", &file)), 0);
    assert_eq!(mode(&file), 0o640);
}

#[test]
fn a_file_that_receives_a_secret_is_written_0600_and_the_secret_never_printed() {
    let env = initialized();
    std::fs::write(env.home().join("secrets.json"), r#"{"GH_TOKEN": "ghp_supersecretvalue123"}"#).expect("write");
    set_mode(&env.home().join("secrets.json"), 0o600);
    let file = place(&env, "cursor/001.json", "c", "mcp.json");
    set_mode(&file, 0o644);
    let doc =
        r#"{"mcpServers": {"gh": {"command": "npx", "args": ["gh"], "env": {"GITHUB_TOKEN": "${secret:GH_TOKEN}"}}}}"#;
    publish(&env, "cursor", "dev", doc);
    let dry = run(&env, &["deploy", "cursor", "--profile", "dev", "--file", file.to_str().expect("utf8"), "--dry-run"]);
    let shown = String::from_utf8_lossy(&dry.stdout).into_owned() + &stderr(&dry);
    assert!(!shown.contains("ghp_supersecretvalue123") && shown.contains("${secret:GH_TOKEN}"), "{shown}");
    let out = deploy(&env, "cursor", "dev", &file);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Cursor expands ${env:NAME} itself: the secret stays out of the file.
    let written = std::fs::read_to_string(&file).expect("read");
    assert!(written.contains("\"GITHUB_TOKEN\": \"${env:GH_TOKEN}\"") && !written.contains("ghp_"), "{written}");
    assert!(!stderr(&out).contains("ghp_supersecretvalue123"));
    // A client with no indirection gets the value, in a 0600 file.
    publish(&env, "claude-desktop", "dev", doc);
    let desktop = place(&env, "claude-desktop/001.json", "d", "claude_desktop_config.json");
    set_mode(&desktop, 0o644);
    let out = deploy(&env, "claude-desktop", "dev", &desktop);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("holds the values of GH_TOKEN in plain text"), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&desktop).expect("read").contains("ghp_supersecretvalue123"));
    assert_eq!(mode(&desktop), 0o600);
    assert!(!stderr(&out).contains("ghp_supersecretvalue123"));
}

#[test]
fn clients_that_expand_variables_get_references_and_exec_provides_the_values() {
    let env = initialized();
    std::fs::write(env.home().join("secrets.json"), r#"{"GH_TOKEN": "ghp_supersecretvalue123"}"#).expect("write");
    set_mode(&env.home().join("secrets.json"), 0o600);
    let doc =
        r#"{"mcpServers": {"gh": {"command": "npx", "args": ["gh"], "env": {"GITHUB_TOKEN": "${secret:GH_TOKEN}"}}}}"#;
    for (client, name, reference) in
        [("claude-code", ".mcp.json", "${GH_TOKEN}"), ("gemini-cli", "settings.json", "${GH_TOKEN}")]
    {
        publish(&env, client, "dev", doc);
        let file = env.write_file(&format!("{client}/{name}"), "{}\n");
        let out = deploy(&env, client, "dev", &file);
        assert_eq!(code(&out), 0, "{client}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{client} reads GH_TOKEN from its environment"))
                && stderr(&out).contains("mcp-orchestration exec --"),
            "deploy says what to export: {}",
            stderr(&out)
        );
        let written = std::fs::read_to_string(&file).expect("read");
        assert!(written.contains(&format!("\"GITHUB_TOKEN\": \"{reference}\"")), "{client}: {written}");
        assert!(!written.contains("ghp_"), "{client}: {written}");
    }
    let out_file = env.root().join("exec-out");
    let script = format!("printf %s \"$GH_TOKEN\" > {}", out_file.display());
    let out = run(&env, &["exec", "--", "sh", "-c", &script]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty() && stderr(&out).is_empty(), "exec prints nothing of its own");
    assert_eq!(std::fs::read_to_string(&out_file).expect("read"), "ghp_supersecretvalue123");
    let out = run(&env, &["exec", "--", "sh", "-c", "exit 3"]);
    assert_eq!(code(&out), 3, "the program's exit code");
    let out = run(&env, &["exec", "--", "no-such-program-here"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-program-here: command not found"), "{}", stderr(&out));
}

#[test]
fn an_unresolvable_secret_refuses_the_deploy_and_writes_nothing() {
    let env = initialized();
    let file = place(&env, "cursor/001.json", "c", "mcp.json");
    let before = std::fs::read(&file).expect("read");
    let doc = r#"{"mcpServers": {"gh": {"command": "npx", "env": {"GITHUB_TOKEN": "${secret:MISSING}"}}}}"#;
    publish(&env, "cursor", "dev", doc);
    let out = deploy(&env, "cursor", "dev", &file);
    assert_eq!(code(&out), 6);
    assert!(stderr(&out).contains("${secret:MISSING} cannot be resolved"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), before);
}

#[test]
fn unparsable_targets_are_refused_and_left_byte_identical() {
    let env = initialized();
    publish(&env, "claude-desktop", "dev", &servers("added", "uvx"));
    let cases: [(&str, &[u8]); 3] = [
        ("garbage", b"\x00\x01 not json at all {{{"),
        ("truncated", b"{\"mcpServers\": {\"a\": {\"command\": \"npx\""),
        ("hash-comments", b"# my servers\n{\"mcpServers\": {}}\n"),
    ];
    for (name, bytes) in cases {
        let file = env.root().join(name).join("claude_desktop_config.json");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, bytes).expect("write");
        let out = deploy(&env, "claude-desktop", "dev", &file);
        assert_eq!(code(&out), 10, "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains("line"), "{name}: names the position: {}", stderr(&out));
        assert_eq!(std::fs::read(&file).expect("read"), bytes, "{name} untouched");
    }
}

#[test]
fn a_deploy_owns_only_its_entries() {
    let env = initialized();
    let file =
        env.write_file("c/mcp.json", "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"user-tool\"}\n  }\n}\n");
    let two = r#"{"mcpServers": {"a": {"command": "npx"}, "b": {"command": "npx"}}}"#;
    publish(&env, "cursor", "dev", two);
    assert_eq!(code(&deploy(&env, "cursor", "dev", &file)), 0);
    publish(&env, "cursor", "dev", r#"{"mcpServers": {"a": {"command": "npx"}}}"#);
    let out = run(&env, &["deploy", "cursor", "--profile", "dev", "--file", file.to_str().expect("utf8"), "--json"]);
    assert_eq!(json(&out)["removed_servers"], serde_json::json!(["b"]));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    let names: Vec<&String> = doc["mcpServers"].as_object().expect("servers").keys().collect();
    assert_eq!(names, ["mine", "a"], "the user's entry stays; b, written by the earlier deploy, is gone");
}

#[test]
fn deploy_refuses_an_unverified_head_and_writes_nothing() {
    let env = initialized();
    let file = place(&env, "cursor/001.json", "c", "mcp.json");
    let before = std::fs::read(&file).expect("read");
    let art = publish(&env, "cursor", "dev", &servers("evil", "sh"));
    let object = env.home().join(format!("objects/{}.json", &art["artifact_id"].as_str().expect("id")[7..]));
    std::fs::write(&object, std::fs::read_to_string(&object).expect("read").replace("evil", "eviL")).expect("write");
    let out = deploy(&env, "cursor", "dev", &file);
    assert_eq!(code(&out), 4);
    assert_eq!(std::fs::read(&file).expect("read"), before);
}

#[test]
fn two_processes_deploying_two_profiles_into_one_file_lose_no_update() {
    let env = initialized();
    let file = env.write_file("shared/mcp.json", "{\n  \"mcpServers\": {}\n}\n");
    publish(&env, "cursor", "left", &servers("left-server", "npx"));
    publish(&env, "cursor", "right", &servers("right-server", "uvx"));
    let path = file.to_str().expect("utf8").to_owned();
    let worker = |profile: &'static str| {
        let mut cmds = Vec::new();
        for _ in 0..50 {
            let mut cmd = env.std_command(BIN);
            cmd.args(["deploy", "cursor", "--profile", profile, "--file", &path]);
            cmds.push(cmd);
        }
        cmds
    };
    let (left, right) = (worker("left"), worker("right"));
    std::thread::scope(|s| {
        for cmds in [left, right] {
            s.spawn(move || {
                for mut cmd in cmds {
                    let status = cmd.status().expect("run");
                    assert!(status.success());
                }
            });
        }
    });
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(doc["mcpServers"]["left-server"]["command"], "npx");
    assert_eq!(doc["mcpServers"]["right-server"]["command"], "uvx");
}
