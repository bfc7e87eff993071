//! The `file` argument rule: only the client's own files, or its project files inside a root
//! the client declared or a `--project-dir`; never system files, another client's file, a
//! path with `.`/`..`/`//`, a symlink out of those places, a FIFO, socket or device. Every
//! refusal is an `unsafe` result that says what is allowed, and writes nothing.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{Client, Env};

const CURSOR_FILE: &str = "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"keep-me\"}\n  }\n}\n";

fn root_uri(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// A temp machine with a `project` directory that the client declares as a root.
async fn with_root() -> (Env, Client, PathBuf) {
    let env = Env::new();
    let project = env.root().join("project");
    std::fs::create_dir_all(project.join(".cursor")).expect("mkdir");
    let client = env.client_with_roots(&[root_uri(&project)]).await;
    (env, client, project)
}

async fn deploy(client: &Client, client_id: &str, file: &str) -> crate::support::Outcome {
    client.call("deploy_config", json!({"client_id": client_id, "file": file, "confirm": true})).await
}

/// Asserts an `unsafe` refusal whose message names `why` and says what is allowed.
fn assert_refused(out: &crate::support::Outcome, why: &str) {
    assert!(out.is_error, "not refused: {}", out.structured);
    assert_eq!(out.kind(), "unsafe", "{}", out.text);
    assert_eq!(out.structured["error"]["exit_code"], 10);
    assert!(out.text.contains(why), "the message does not say {why:?}: {}", out.text);
    assert!(out.text.contains("allowed:") && out.text.contains(".cursor/mcp.json"), "no rule in: {}", out.text);
}

#[tokio::test]
async fn system_paths_are_refused() {
    let (_env, client, _) = with_root().await;
    for file in ["/dev/mcp.json", "/etc/mcp.json", "/proc/self/mcp.json", "/sys/mcp.json"] {
        assert_refused(&deploy(&client, "cursor", file).await, "nothing under /etc, /dev, /proc, /sys");
    }
    client.close().await;
}

#[tokio::test]
async fn doubled_slashes_and_dot_components_are_refused() {
    let (env, client, project) = with_root().await;
    let inside = project.join(".cursor/mcp.json").display().to_string();
    for file in [
        "//etc//mcp.json".to_owned(),
        "/x/./.cursor/mcp.json".to_owned(),
        inside.replace("/.cursor/", "/./.cursor/"),
        inside.replace("/.cursor/", "//.cursor/"),
        format!("{}/../project/.cursor/mcp.json", project.display()),
    ] {
        assert_refused(&deploy(&client, "cursor", &file).await, "plain");
    }
    assert!(!project.join(".cursor/mcp.json").exists(), "a refused call wrote the file");
    let _ = env;
    client.close().await;
}

#[tokio::test]
async fn another_clients_file_is_refused_naming_its_owner() {
    let (env, client, _) = with_root().await;
    let claude = env.root().join(".claude/settings.json");
    let cargo = env.root().join(".cargo/config.toml");
    for (file, body) in [(&claude, "{\"theme\": \"dark\"}\n"), (&cargo, "[build]\njobs = 2\n")] {
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, body).expect("write");
    }
    let out = deploy(&client, "zed", &claude.display().to_string()).await;
    assert!(out.is_error && out.kind() == "unsafe", "{}", out.text);
    assert!(out.text.contains("not one of Zed's config files"), "{}", out.text);
    // A file another client reads is refused naming its owner.
    let cursor = env.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cursor, CURSOR_FILE).expect("write");
    let out = deploy(&client, "windsurf", &cursor.display().to_string()).await;
    assert!(out.is_error && out.kind() == "unsafe", "{}", out.text);
    assert!(out.text.contains("it is Cursor's config file (cursor), not windsurf's"), "{}", out.text);
    assert_eq!(std::fs::read_to_string(&cursor).expect("read"), CURSOR_FILE);
    let out = deploy(&client, "codex", &cargo.display().to_string()).await;
    assert!(out.is_error && out.kind() == "unsafe", "{}", out.text);
    assert!(out.text.contains("not one of Codex CLI's config files"), "{}", out.text);
    let out = client.call("diff_config", json!({"client_id": "zed", "file": claude})).await;
    assert_eq!(out.kind(), "unsafe");
    assert_eq!(std::fs::read_to_string(&claude).expect("read"), "{\"theme\": \"dark\"}\n");
    assert_eq!(std::fs::read_to_string(&cargo).expect("read"), "[build]\njobs = 2\n");
    client.close().await;
}

#[tokio::test]
async fn a_project_file_outside_every_root_is_refused() {
    let (env, client, _) = with_root().await;
    let elsewhere = env.root().join("elsewhere/.cursor/mcp.json");
    std::fs::create_dir_all(elsewhere.parent().expect("parent")).expect("mkdir");
    std::fs::write(&elsewhere, CURSOR_FILE).expect("write");
    let out = deploy(&client, "cursor", &elsewhere.display().to_string()).await;
    assert_refused(&out, "not one of Cursor's config files");
    assert_eq!(std::fs::read_to_string(&elsewhere).expect("read"), CURSOR_FILE);
    // A file with the client's file name but not at its project path is refused too.
    let loose = env.root().join("project/mcp.json");
    assert_refused(&deploy(&client, "cursor", &loose.display().to_string()).await, "not one of");
    client.close().await;
}

#[tokio::test]
async fn without_roots_or_project_dirs_only_the_users_own_file_is_allowed() {
    let env = Env::new();
    let client = env.client().await;
    let project = env.root().join("project/.cursor/mcp.json");
    std::fs::create_dir_all(project.parent().expect("parent")).expect("mkdir");
    std::fs::write(&project, CURSOR_FILE).expect("write");
    let out = deploy(&client, "cursor", &project.display().to_string()).await;
    assert_refused(&out, "none is declared now");
    let own = env.root().join(".cursor/mcp.json");
    std::fs::create_dir_all(own.parent().expect("parent")).expect("mkdir");
    std::fs::write(&own, CURSOR_FILE).expect("write");
    let out = deploy(&client, "cursor", &own.display().to_string()).await;
    assert!(!out.is_error, "{}", out.text);
    let written = std::fs::read_to_string(&own).expect("read");
    assert!(written.contains("keep-me") && written.contains("\"filesystem\"") || written != CURSOR_FILE, "{written}");
    client.close().await;
}

#[tokio::test]
async fn a_symlink_out_of_the_root_is_refused() {
    let (env, client, project) = with_root().await;
    let outside = env.root().join("outside/.cursor/mcp.json");
    std::fs::create_dir_all(outside.parent().expect("parent")).expect("mkdir");
    std::fs::write(&outside, CURSOR_FILE).expect("write");
    let link = project.join(".cursor/mcp.json");
    std::os::unix::fs::symlink(&outside, &link).expect("symlink");
    assert_refused(&deploy(&client, "cursor", &link.display().to_string()).await, "lies outside");
    // A symlinked directory escapes the same way.
    let other = env.root().join("other");
    std::fs::create_dir_all(other.join(".vscode")).expect("mkdir");
    std::os::unix::fs::symlink(other.join(".vscode"), project.join(".vscode")).expect("symlink");
    let file = project.join(".vscode/mcp.json").display().to_string();
    let out = deploy(&client, "vscode", &file).await;
    assert_eq!(out.kind(), "unsafe");
    assert!(out.text.contains("lies outside") && out.text.contains("allowed:"), "{}", out.text);
    assert_eq!(std::fs::read_to_string(&outside).expect("read"), CURSOR_FILE);
    assert!(!other.join(".vscode/mcp.json").exists());
    client.close().await;
}

#[tokio::test]
async fn a_fifo_is_refused_without_hanging() {
    let (_env, client, project) = with_root().await;
    let fifo = project.join(".cursor/mcp.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(status.success());
    assert_refused(&deploy(&client, "cursor", &fifo.display().to_string()).await, "not a regular file");
    let out = client.call("import_client_config", json!({"client_id": "cursor", "file": fifo})).await;
    assert_eq!(out.kind(), "unsafe");
    client.close().await;
}

#[tokio::test]
async fn a_socket_is_refused() {
    let (_env, client, project) = with_root().await;
    let socket = project.join(".cursor/mcp.json");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind a socket");
    assert_refused(&deploy(&client, "cursor", &socket.display().to_string()).await, "not a regular file");
    client.close().await;
}

#[tokio::test]
async fn a_device_is_refused() {
    let (_env, client, project) = with_root().await;
    let link = project.join(".cursor/mcp.json");
    std::os::unix::fs::symlink("/dev/null", &link).expect("symlink");
    assert_refused(&deploy(&client, "cursor", &link.display().to_string()).await, "is a system file");
    client.close().await;
}

fn check_deployed(file: &Path) {
    let written = std::fs::read_to_string(file).expect("read");
    assert!(written.contains("keep-me"), "the user's entry was lost: {written}");
    assert_ne!(written, CURSOR_FILE, "nothing was deployed");
}

#[tokio::test]
async fn a_project_file_inside_a_declared_root_is_allowed() {
    let (_env, client, project) = with_root().await;
    let file = project.join(".cursor/mcp.json");
    std::fs::write(&file, CURSOR_FILE).expect("write");
    let out = deploy(&client, "cursor", &file.display().to_string()).await;
    assert!(!out.is_error, "{}", out.text);
    assert_eq!(out.structured["changed"], true);
    check_deployed(&file);
    // A file that does not exist yet (deploy creates it) is allowed too.
    let vscode = project.join(".vscode/mcp.json");
    let out = deploy(&client, "vscode", &vscode.display().to_string()).await;
    assert!(!out.is_error, "{}", out.text);
    assert!(vscode.exists());
    client.close().await;
}

#[tokio::test]
async fn a_project_file_inside_a_project_dir_is_allowed() {
    let env = Env::new();
    let project = env.root().join("work");
    std::fs::create_dir_all(project.join(".cursor")).expect("mkdir");
    let file = project.join(".cursor/mcp.json");
    std::fs::write(&file, CURSOR_FILE).expect("write");
    let client = env.client_with_project_dirs(vec![project.clone()]).await;
    let out = deploy(&client, "cursor", &file.display().to_string()).await;
    assert!(!out.is_error, "{}", out.text);
    check_deployed(&file);
    let diff = client.call("diff_config", json!({"client_id": "cursor", "file": file})).await;
    assert_eq!(diff.ok()["status"], Value::from("up-to-date"), "{}", diff.text);
    client.close().await;
}
