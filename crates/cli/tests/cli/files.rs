//! `clients`, `import`, `render`: the dialects through the binary, on real corpus files.

use mcp_testkit::{CORPUS_REFUSED, TestEnv, corpus_client_files, corpus_dir};
use serde_json::json;

use super::common::*;

/// Copies a corpus file under the test root as `<dir>/<name>` and returns its path.
pub fn place(env: &TestEnv, corpus_file: &str, dir: &str, name: &str) -> std::path::PathBuf {
    let target = env.root().join(dir).join(name);
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    std::fs::copy(corpus_dir().join(corpus_file), &target).expect("copy");
    target
}

#[test]
fn clients_json_lists_format_paths_and_detection() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.root().join(".cursor")).expect("mkdir");
    std::fs::write(env.root().join(".cursor/mcp.json"), r#"{"mcpServers": {"a": {"command": "npx"}}}"#).expect("write");
    std::fs::create_dir_all(env.root().join(".gemini")).expect("mkdir");
    std::fs::write(env.root().join(".gemini/settings.json"), "{ not json").expect("write");
    let out = run(&env, &["clients", "--json"]);
    assert_eq!(code(&out), 0);
    let clients = json(&out);
    let list = clients.as_array().expect("list");
    assert!(list.len() >= 25, "at least 25 clients, got {}", list.len());
    let cursor = list.iter().find(|c| c["client_id"] == "cursor").expect("cursor");
    assert_eq!(cursor["format"], "json");
    assert_eq!(cursor["detected"], true);
    let user =
        cursor["config_paths"].as_array().expect("paths").iter().find(|p| p["scope"] == "user").expect("user path");
    assert_eq!(user["path"], json!(env.root().join(".cursor/mcp.json")));
    assert_eq!(user["presence"], "file");
    assert_eq!(user["servers"], 1, "detection reads the file it found");
    let gemini = list.iter().find(|c| c["client_id"] == "gemini-cli").expect("gemini");
    let broken =
        gemini["config_paths"].as_array().expect("paths").iter().find(|p| p["presence"] == "file").expect("file");
    assert!(broken["error"].as_str().expect("error").contains("line 1"), "{broken}");
    let codex = list.iter().find(|c| c["client_id"] == "codex").expect("codex");
    assert_eq!(codex["format"], "toml");
    assert_eq!(codex["detected"], false);
    assert_eq!(codex["config_paths"][0]["path"], json!(env.root().join(".codex/config.toml")));
}

#[test]
fn clients_honours_codex_home() {
    let env = TestEnv::new();
    let out = env.command(BIN).args(["clients", "--json"]).env("CODEX_HOME", "/opt/codex").output().expect("run");
    let clients = json(&out);
    let codex = clients.as_array().expect("list").iter().find(|c| c["client_id"] == "codex").expect("codex").clone();
    assert_eq!(codex["config_paths"][0]["path"], "/opt/codex/config.toml");
}

#[test]
fn import_reads_the_file_into_a_draft_and_moves_literal_secrets_into_the_store() {
    let env = initialized();
    let file = place(&env, "cursor/002.json", "proj", "mcp.json");
    let original = std::fs::read_to_string(&file).expect("read");
    let out = run(&env, &["import", "cursor", "--file", file.to_str().expect("utf8"), "--profile", "mine", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let servers = report["document"]["mcpServers"].as_object().expect("servers");
    assert_eq!(servers.len(), 6);
    let moved = report["secrets_moved"].as_array().expect("list");
    let exa = moved.iter().find(|m| m["pointer"] == "/mcpServers/exa/env/EXA_API_KEY").expect("exa key moved");
    assert_eq!(exa["secret"], "EXA_API_KEY");
    assert_eq!(report["document"]["mcpServers"]["exa"]["env"]["EXA_API_KEY"], "${secret:EXA_API_KEY}");
    assert!(stderr(&out).contains("moved the literal secret at /mcpServers/exa/env/EXA_API_KEY"));
    let literal = original.split("\"EXA_API_KEY\": \"").nth(1).expect("key in file").split('"').next().expect("value");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(literal) && !stderr(&out).contains(literal),
        "never printed"
    );
    let secrets = std::fs::read_to_string(env.home().join("secrets.json")).expect("secret store");
    assert!(secrets.contains(literal), "the value is in the 0600 store");
    assert_eq!(mcp_testkit::mode(&env.home().join("secrets.json")), 0o600);
    let names = json(&run(&env, &["secrets", "list", "--json"]));
    assert!(names.as_array().expect("names").iter().any(|n| n == "EXA_API_KEY"));
    assert!(report["published"].is_null());
    let draft: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.home().join("drafts/cursor/mine.json")).expect("draft"))
            .expect("json");
    assert_eq!(draft["document"], report["document"]);
    assert_eq!(code(&run(&env, &["get", "cursor", "--profile", "mine"])), 3, "not published without --publish");
}

#[test]
fn import_publish_signs_the_next_version() {
    let env = initialized();
    let file = place(&env, "codex/002.toml", "codex", "config.toml");
    let out = run(
        &env,
        &["import", "codex", "--file", file.to_str().expect("utf8"), "--profile", "work", "--publish", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["published"]["version"], 1);
    let got = json(&run(&env, &["get", "codex", "--profile", "work", "--json"]));
    assert_eq!(got["payload"], report["document"]);
    assert!(got["metadata"]["note"].as_str().expect("note").starts_with("imported from"));
}

#[test]
fn import_of_an_unparsable_file_names_line_and_column_and_exits_10() {
    let env = initialized();
    for (corpus_file, line, column) in CORPUS_REFUSED {
        let (dir, client) = match corpus_file.split('/').next().expect("dir") {
            "cursor" => ("c", "cursor"),
            "windsurf" => ("w", "windsurf"),
            _ => ("v", "vscode"),
        };
        let name = if client == "windsurf" { "mcp_config.json" } else { "mcp.json" };
        let file = place(&env, corpus_file, dir, name);
        let out = run(&env, &["import", client, "--file", file.to_str().expect("utf8"), "--profile", "x"]);
        assert_eq!(code(&out), 10, "{corpus_file}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("line {line}, column {column}")), "{corpus_file}: {err}");
        assert!(err.contains(file.to_str().expect("utf8")), "names the file: {err}");
    }
}

#[test]
fn render_prints_the_merged_bytes_and_writes_nothing() {
    let env = initialized();
    let file = place(&env, "vscode/001.json", "ws/.vscode", "mcp.json");
    let before = std::fs::read(&file).expect("read");
    publish(&env, "vscode", "team", &servers("added-by-test", "uvx"));
    let out = run(&env, &["render", "vscode", "--profile", "team", "--into", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rendered = String::from_utf8(out.stdout).expect("utf8");
    assert!(rendered.contains("\"added-by-test\""));
    assert_eq!(std::fs::read(&file).expect("read"), before, "render writes nothing");
    // Everything the original had is still there, in order.
    let original = String::from_utf8(before).expect("utf8");
    let kept: Vec<&str> = original.lines().collect();
    let new_lines: Vec<&str> = rendered.lines().collect();
    let mut i = 0;
    for line in &new_lines {
        if i < kept.len() && *line == kept[i] {
            i += 1;
        }
    }
    assert!(i >= kept.len() - 2, "the original lines survive in order ({i} of {})", kept.len());
}

#[test]
fn every_corpus_file_imports_and_renders_back_byte_identical_through_the_cli() {
    let env = initialized();
    let mut checked = 0;
    for (n, (corpus_file, client, name)) in corpus_client_files().into_iter().enumerate() {
        if CORPUS_REFUSED.iter().any(|(f, ..)| *f == corpus_file) {
            continue;
        }
        let file = place(&env, &corpus_file, &format!("f{n}"), name);
        let path = file.to_str().expect("utf8");
        let profile = format!("p{n}");
        let out = run(&env, &["import", client, "--file", path, "--profile", &profile, "--publish", "--json"]);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        let moved = json(&out)["secrets_moved"].as_array().expect("list").clone();
        let out = run(&env, &["render", client, "--profile", &profile, "--into", path]);
        assert_eq!(code(&out), 0, "{corpus_file}: {}", stderr(&out));
        let rendered = String::from_utf8(out.stdout).expect("utf8");
        if moved.is_empty() {
            assert_eq!(
                rendered.as_bytes(),
                std::fs::read(&file).expect("read"),
                "{corpus_file}: render changed the bytes"
            );
        } else {
            // Secrets are shown as the references the profile holds; the exact bytes are
            // proven by `deploy` (deploy.rs).
            for m in &moved {
                assert!(
                    rendered.contains(&format!("${{secret:{}}}", m["secret"].as_str().expect("name"))),
                    "{corpus_file}: {rendered}"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 105 - CORPUS_REFUSED.len());
}
