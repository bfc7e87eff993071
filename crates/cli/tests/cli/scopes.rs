//! `--scope user|project|local` and `--project DIR` on deploy, diff, import, status and render:
//! each scope of Claude Code, VS Code, Cursor and Gemini CLI reaches its file and placement,
//! project files are found from a subdirectory upward to the project root, HOME's files are
//! listed once, and every refusal (a scope the client lacks, a missing project directory) exits 2 and
//! changes nothing; Continue's config.json users get a JSON file Continue reads beside it.

use std::path::{Path, PathBuf};
use std::process::Output;

use mcp_testkit::TestEnv;
use serde_json::Value;

use super::common::*;

/// Runs the binary in `cwd` without the path overrides of the test runner's environment.
fn run_in(env: &TestEnv, cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = env.command(BIN);
    for var in dialects::ENV_OVERRIDES {
        cmd.env_remove(var);
    }
    cmd.current_dir(cwd).args(args).output().expect("run mcp-orchestration")
}

/// HOME (the temp root, real path) and a project `proj` with a `.git` and a `src` directory.
fn project(env: &TestEnv) -> (PathBuf, PathBuf) {
    let home = std::fs::canonicalize(env.root()).expect("real home");
    let proj = home.join("proj");
    std::fs::create_dir_all(proj.join("src")).expect("mkdir");
    std::fs::create_dir_all(proj.join(".git")).expect("mkdir");
    (home, proj)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("strict JSON")
}

/// Deploys `client` with `--scope scope` from `cwd` and returns the file it wrote.
fn deploy_scope(env: &TestEnv, cwd: &Path, client: &str, scope: &str) -> PathBuf {
    let out = run_in(env, cwd, &["deploy", client, "--scope", scope, "--create", "--json"]);
    assert_eq!(code(&out), 0, "deploy {client} --scope {scope}: {}", stderr(&out));
    PathBuf::from(json(&out)["file"].as_str().expect("file"))
}

#[test]
fn claude_code_user_project_and_local_scopes_reach_their_files_and_placements() {
    let env = initialized();
    publish(&env, "claude-code", "default", &servers("team", "uvx"));
    let (home, proj) = project(&env);
    let src = proj.join("src");
    let user = deploy_scope(&env, &src, "claude-code", "user");
    assert_eq!(user, home.join(".claude.json"));
    assert_eq!(read_json(&user)["mcpServers"]["team"]["command"], "uvx");
    let project_file = deploy_scope(&env, &src, "claude-code", "project");
    assert_eq!(project_file, proj.join(".mcp.json"));
    assert_eq!(read_json(&project_file)["mcpServers"]["team"]["command"], "uvx");
    let local = deploy_scope(&env, &src, "claude-code", "local");
    assert_eq!(local, home.join(".claude.json"));
    let doc = read_json(&local);
    let key = proj.to_str().expect("utf8");
    assert_eq!(doc["projects"][key]["mcpServers"]["team"]["command"], "uvx");
    assert_eq!(doc["mcpServers"]["team"]["command"], "uvx", "the user scope stays");
    // `--project DIR` names the project as is, from anywhere.
    let other = home.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    let out = run_in(
        &env,
        &home,
        &["diff", "claude-code", "--scope", "local", "--project", other.to_str().expect("utf8"), "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], "missing", "{}", json(&out));
}

#[test]
fn a_local_deploy_writes_only_projects_dir_mcp_servers_and_leaves_every_other_byte() {
    let env = initialized();
    publish(&env, "claude-code", "default", &servers("team", "uvx"));
    let (home, proj) = project(&env);
    let key = proj.to_str().expect("utf8");
    let head = format!(
        "{{\n  \"numStartups\": 7,\n  \"mcpServers\": {{\"mine\": {{\"command\": \"me\"}}}},\n  \"projects\": {{\n    \
         \"/elsewhere\": {{\"mcpServers\": {{\"x\": {{\"command\": \"y\"}}}}}},\n    \"{key}\": {{\n      \
         \"allowedTools\": [\"Bash\"],\n      \"mcpServers\": "
    );
    let tail = "\n    }\n  },\n  \"userID\": \"abc\"\n}\n";
    let before = format!("{head}{{}}{tail}");
    std::fs::write(home.join(".claude.json"), &before).expect("write");
    let out = run_in(&env, &proj.join("src"), &["deploy", "claude-code", "--scope", "local"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let after = std::fs::read_to_string(home.join(".claude.json")).expect("read");
    assert!(after.starts_with(&head), "bytes before the entry changed:\n{after}");
    assert!(after.ends_with(tail), "bytes after the entry changed:\n{after}");
    let doc: Value = serde_json::from_str(&after).expect("strict JSON");
    assert_eq!(doc["projects"][key]["mcpServers"]["team"]["command"], "uvx");
    assert_eq!(doc["projects"][key]["mcpServers"].as_object().expect("servers").keys().collect::<Vec<_>>(), ["team"]);
    assert_eq!(doc["mcpServers"], serde_json::json!({"mine": {"command": "me"}}));
    // diff and status see it as the local scope's file, up to date.
    let out = run_in(&env, &proj.join("src"), &["diff", "claude-code", "--scope", "local", "--json"]);
    assert_eq!(json(&out)["status"], "up-to-date", "{}", json(&out));
    let rows = json(&run_in(&env, &proj.join("src"), &["status", "--scope", "local", "--json"]));
    assert_eq!(rows.as_array().expect("rows").len(), 1, "{rows}");
    assert_eq!(rows[0]["status"], "up-to-date");
    assert_eq!(rows[0]["client_id"], "claude-code");
}

#[test]
fn vscode_cursor_and_gemini_user_and_project_scopes() {
    let env = initialized();
    let (home, proj) = project(&env);
    let src = proj.join("src");
    // Gemini CLI reads only the current directory's .gemini/settings.json (its program, run from
    // a subdirectory, does not list the root's), so from `src` its project file is src's.
    let gemini_project = PathBuf::from("src/.gemini/settings.json");
    for (client, user, project, container) in [
        ("vscode", ".config/Code/User/mcp.json", Path::new(".vscode/mcp.json"), "servers"),
        ("cursor", ".cursor/mcp.json", Path::new(".cursor/mcp.json"), "mcpServers"),
        ("gemini-cli", ".gemini/settings.json", gemini_project.as_path(), "mcpServers"),
    ] {
        publish(&env, client, "default", &servers("team", "uvx"));
        let written = deploy_scope(&env, &src, client, "user");
        assert_eq!(written, home.join(user), "{client} user");
        assert_eq!(read_json(&written)[container]["team"]["command"], "uvx", "{client} user");
        let written = deploy_scope(&env, &src, client, "project");
        assert_eq!(written, proj.join(project), "{client} project");
        assert_eq!(read_json(&written)[container]["team"]["command"], "uvx", "{client} project");
        // render and import reach the same project file.
        let out = run_in(&env, &src, &["render", client, "--scope", "project"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(out.stdout, std::fs::read(proj.join(project)).expect("read"), "{client} render");
        let out = run_in(&env, &src, &["import", client, "--scope", "project", "--profile", "imported", "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(json(&out)["document"]["mcpServers"]["team"]["command"], "uvx");
    }
}

#[test]
fn from_a_subdirectory_status_finds_the_projects_vscode_and_claude_files() {
    let env = initialized();
    let (_, proj) = project(&env);
    // No VCS root: the project files themselves mark the root.
    std::fs::remove_dir(proj.join(".git")).expect("rmdir");
    std::fs::create_dir_all(proj.join(".vscode")).expect("mkdir");
    std::fs::write(proj.join(".vscode/mcp.json"), r#"{"servers": {"a": {"type": "stdio", "command": "x"}}}"#)
        .expect("write");
    std::fs::write(proj.join(".mcp.json"), r#"{"mcpServers": {"b": {"command": "y"}}}"#).expect("write");
    let rows = json(&run_in(&env, &proj.join("src"), &["status", "--scope", "project", "--json"]));
    let files: Vec<&str> = rows.as_array().expect("rows").iter().filter_map(|r| r["file"].as_str()).collect();
    let vscode = proj.join(".vscode/mcp.json");
    let claude = proj.join(".mcp.json");
    assert!(files.contains(&vscode.to_str().expect("utf8")), "{rows}");
    assert!(files.contains(&claude.to_str().expect("utf8")), "{rows}");
    assert_eq!(files.len(), 2, "{rows}");
    let out = run_in(&env, &proj.join("src"), &["diff", "vscode", "--scope", "project", "--json"]);
    assert_eq!(json(&out)["file"], vscode.to_str().expect("utf8"));
}

#[test]
fn running_from_home_lists_the_users_files_once() {
    let env = initialized();
    let (home, _) = project(&env);
    std::fs::create_dir_all(home.join(".cursor")).expect("mkdir");
    std::fs::write(home.join(".cursor/mcp.json"), r#"{"mcpServers": {"a": {"command": "x"}}}"#).expect("write");
    let cursor_file = home.join(".cursor/mcp.json");
    let rows = json(&run_in(&env, &home, &["status", "--json"]));
    let cursor_rows: Vec<_> = rows.as_array().expect("rows").iter().filter(|r| r["client_id"] == "cursor").collect();
    assert_eq!(cursor_rows.len(), 1, "{rows}");
    let clients = json(&run_in(&env, &home, &["clients", "--json"]));
    let cursor = clients.as_array().expect("rows").iter().find(|c| c["client_id"] == "cursor").expect("cursor");
    let listed: Vec<&Value> = cursor["config_paths"]
        .as_array()
        .expect("paths")
        .iter()
        .filter(|p| p["path"] == cursor_file.to_str().expect("utf8"))
        .collect();
    assert_eq!(listed.len(), 1, "{cursor}");
    assert_eq!(listed[0]["scope"], "user");
    assert_eq!(cursor["scopes"], serde_json::json!(["user", "project"]));
    let claude = clients.as_array().expect("rows").iter().find(|c| c["client_id"] == "claude-code").expect("cc");
    assert_eq!(claude["scopes"], serde_json::json!(["user", "project", "local"]));
    // --scope project from HOME: the user's file is not the project's.
    let rows = json(&run_in(&env, &home, &["status", "--scope", "project", "--json"]));
    assert_eq!(rows, serde_json::json!([]));
}

#[test]
fn a_scope_the_client_lacks_is_a_usage_error_naming_its_scopes() {
    let env = initialized();
    let (_, proj) = project(&env);
    let before = env.snapshot();
    for (args, needle) in [
        (
            vec!["deploy", "claude-desktop", "--scope", "project"],
            "claude-desktop has no project scope: its scopes are user",
        ),
        (vec!["diff", "cursor", "--scope", "local"], "cursor has no local scope: its scopes are user, project"),
        (vec!["import", "vscode", "--scope", "local", "--profile", "x"], "its scopes are user, project"),
        (vec!["render", "gemini-cli", "--scope", "local"], "gemini-cli has no local scope"),
    ] {
        let out = run_in(&env, &proj, &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    assert!(!proj.join(".mcp.json").exists());
    assert_eq!(env.snapshot(), before, "a refusal changes nothing");
}

#[test]
fn a_project_that_is_not_a_directory_is_a_usage_error() {
    let env = initialized();
    let before = env.snapshot();
    for args in [
        vec!["deploy", "cursor", "--scope", "project", "--project", "/nonexistent/proj"],
        vec!["status", "--project", "/nonexistent/proj"],
    ] {
        let out = run(&env, &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--project /nonexistent/proj: not a directory"), "{}", stderr(&out));
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn scope_and_file_together_are_a_usage_error() {
    let env = initialized();
    let out = run(&env, &["deploy", "cursor", "--scope", "project", "--file", "/tmp/x.json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--scope"), "{}", stderr(&out));
    let out = run(&env, &["deploy", "cursor", "--scope", "global"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("user, project, local"), "{}", stderr(&out));
}

/// continuedev/continue@d0a3c0b626b5bebc3bef4742eec05a0242be0bab: Continue reads config.yaml
/// when it exists, else config.json (core/config/profile/doLoadConfig.ts), and with either
/// the JSON files of `~/.continue/mcpServers/` (core/context/mcp/json/loadJsonMcpConfigs.ts).
/// A user with only config.json gets our servers in `mcpServers/mcp-orchestration.json`:
/// config.json keeps its bytes and no config.yaml hides it.
#[test]
fn continue_with_only_config_json_gets_a_json_file_in_mcp_servers_and_config_json_stays() {
    let env = initialized();
    publish(&env, "continue", "default", &servers("team", "uvx"));
    let (home, _) = project(&env);
    let dir = home.join(".continue");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let legacy = r#"{"models": [], "experimental": {"modelContextProtocolServers": []}}"#;
    std::fs::write(dir.join("config.json"), legacy).expect("write");
    let ours = dir.join("mcpServers/mcp-orchestration.json");
    let out = run_in(&env, &home, &["diff", "continue", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], "missing", "{}", json(&out));
    let out = run_in(&env, &home, &["deploy", "continue", "--create", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["file"], ours.to_str().expect("utf8"));
    assert_eq!(
        read_json(&ours),
        serde_json::json!({"mcpServers": {"team": {"command": "uvx", "args": ["-y", "pkg"]}}})
    );
    assert!(!dir.join("config.yaml").exists(), "config.yaml not created");
    assert_eq!(std::fs::read_to_string(dir.join("config.json")).expect("read"), legacy);
    let out = run_in(&env, &home, &["diff", "continue", "--json"]);
    assert_eq!(json(&out)["status"], "up-to-date", "{}", json(&out));
    // Named explicitly, config.yaml is written (the user chose to shadow config.json).
    let yaml = dir.join("config.yaml");
    let out = run_in(&env, &home, &["deploy", "continue", "--file", yaml.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_to_string(&yaml).expect("read").contains("mcpServers"));
    // Once config.yaml exists, it is the file Continue reads: the default again.
    let out = run_in(&env, &home, &["diff", "continue", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["file"], yaml.to_str().expect("utf8"), "{}", json(&out));
}

/// continuedev/continue: every file of `.continue/mcpServers/` is Continue's project scope (YAML
/// blocks of one server each, JSON files of many). A project deploy writes only ours, a JSON
/// file (many servers); status lists the user's other block files too; they keep their bytes.
#[test]
fn continue_project_scope_writes_our_block_file_and_leaves_the_users_blocks() {
    let env = initialized();
    publish(&env, "continue", "default", &servers("team", "uvx"));
    let (_, proj) = project(&env);
    let blocks = proj.join(".continue/mcpServers");
    std::fs::create_dir_all(&blocks).expect("mkdir");
    let theirs = "name: Their DB\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: db\n    command: pg-mcp\n";
    std::fs::write(blocks.join("db.yaml"), theirs).expect("write");
    let written = deploy_scope(&env, &proj.join("src"), "continue", "project");
    assert_eq!(written, blocks.join("mcp-orchestration.json"));
    assert_eq!(
        read_json(&written),
        serde_json::json!({"mcpServers": {"team": {"command": "uvx", "args": ["-y", "pkg"]}}})
    );
    assert_eq!(std::fs::read_to_string(blocks.join("db.yaml")).expect("read"), theirs);
    let out = run_in(&env, &proj, &["status", "--scope", "project", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.contains(blocks.join("db.yaml").to_str().expect("utf8")), "{listed}");
    assert!(listed.contains(written.to_str().expect("utf8")), "{listed}");
}

/// Claude Code's user and local scopes share `~/.claude.json`: what a user-scope deploy owns
/// does not make the user's own local entry of the same name this home's.
#[test]
fn ownership_is_kept_apart_for_two_scopes_of_one_file() {
    let env = initialized();
    publish(&env, "claude-code", "default", &servers("team", "uvx"));
    let (home, proj) = project(&env);
    let key = proj.to_str().expect("utf8");
    let mine = format!(
        "{{\n  \"projects\": {{\n    \"{key}\": {{\n      \"mcpServers\": {{\"team\": {{\"command\": \"my-own\"}}}}\n    }}\n  }}\n}}\n"
    );
    std::fs::write(home.join(".claude.json"), &mine).expect("write");
    let src = proj.join("src");
    let out = run_in(&env, &src, &["deploy", "claude-code", "--scope", "user"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = std::fs::read(home.join(".claude.json")).expect("read");
    let out = run_in(&env, &src, &["deploy", "claude-code", "--scope", "local"]);
    assert_eq!(code(&out), 7, "the local entry is the user's own: {}", stderr(&out));
    assert!(stderr(&out).contains("team"), "{}", stderr(&out));
    assert_eq!(std::fs::read(home.join(".claude.json")).expect("read"), before, "nothing written");
    let doc = read_json(&home.join(".claude.json"));
    assert_eq!(doc["projects"][key]["mcpServers"]["team"]["command"], "my-own");
    assert_eq!(doc["mcpServers"]["team"]["command"], "uvx");
}
