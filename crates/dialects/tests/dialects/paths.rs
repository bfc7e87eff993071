//! Path resolution per OS with environment overrides (pure, from `HostFacts`), and detection
//! of what exists on disk.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dialects::{ConfigLocation, HostFacts, Os, Placement, Presence, Scope};

fn facts(os: Os, home: &str, vars: &[(&str, &str)], project: Option<&str>) -> HostFacts {
    HostFacts {
        os,
        home: PathBuf::from(home),
        vars: vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        project_dir: project.map(PathBuf::from),
        search_project_root: false,
    }
}

fn paths(client: &str, facts: &HostFacts) -> Vec<(Scope, String, bool)> {
    dialects::find(client)
        .expect("client")
        .config_paths(facts)
        .into_iter()
        .map(|l| (l.scope, l.path.to_string_lossy().into_owned(), l.alternative))
        .collect()
}

const LINUX_HOME: &str = "/home/ann";
const MAC_HOME: &str = "/Users/ann";
const WIN_HOME: &str = r"C:\Users\ann";

#[test]
fn claude_desktop_per_os_with_the_msix_alternative() {
    let mac = facts(Os::Macos, MAC_HOME, &[], None);
    assert_eq!(
        paths("claude-desktop", &mac),
        [(Scope::User, "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json".into(), false)]
    );
    let win = facts(Os::Windows, WIN_HOME, &[("APPDATA", r"D:\Roaming"), ("LOCALAPPDATA", r"D:\Local")], None);
    assert_eq!(
        paths("claude-desktop", &win),
        [
            (Scope::User, r"D:\Roaming\Claude\claude_desktop_config.json".into(), false),
            (
                Scope::User,
                r"D:\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json".into(),
                true
            ),
        ]
    );
    let win_default = facts(Os::Windows, WIN_HOME, &[], None);
    assert_eq!(
        paths("claude-desktop", &win_default)[0].1,
        r"C:\Users\ann\AppData\Roaming\Claude\claude_desktop_config.json"
    );
    let linux = facts(Os::Linux, LINUX_HOME, &[("XDG_CONFIG_HOME", "/cfg")], None);
    assert_eq!(
        paths("claude-desktop", &linux),
        [(Scope::User, "/cfg/Claude/claude_desktop_config.json".into(), false)]
    );
}

#[test]
fn claude_code_scopes_and_claude_config_dir() {
    let f = facts(Os::Linux, LINUX_HOME, &[], Some("/work/app"));
    let locations = dialects::find("claude-code").expect("client").config_paths(&f);
    assert_eq!(
        locations,
        [
            ConfigLocation {
                scope: Scope::User,
                path: "/home/ann/.claude.json".into(),
                placement: Placement::new(&["mcpServers"]),
                alternative: false
            },
            ConfigLocation {
                scope: Scope::Local,
                path: "/home/ann/.claude.json".into(),
                placement: Placement::new(&["projects", "/work/app", "mcpServers"]),
                alternative: false
            },
            ConfigLocation {
                scope: Scope::Project,
                path: "/work/app/.mcp.json".into(),
                placement: Placement::new(&["mcpServers"]),
                alternative: false
            },
        ]
    );
    let f = facts(Os::Macos, MAC_HOME, &[("CLAUDE_CONFIG_DIR", "/Users/ann/.cc")], None);
    assert_eq!(
        paths("claude-code", &f),
        [(Scope::User, "/Users/ann/.cc/.claude.json".into(), false)],
        "no project: no local or project scope"
    );
}

#[test]
fn codex_home_overrides_the_codex_directory() {
    let f = facts(Os::Linux, LINUX_HOME, &[], None);
    assert_eq!(paths("codex", &f), [(Scope::User, "/home/ann/.codex/config.toml".into(), false)]);
    let f = facts(Os::Windows, WIN_HOME, &[("CODEX_HOME", r"E:\codex")], Some(r"C:\src\app"));
    assert_eq!(
        paths("codex", &f),
        [
            (Scope::User, r"E:\codex\config.toml".into(), false),
            (Scope::Project, r"C:\src\app\.codex\config.toml".into(), false)
        ]
    );
}

#[test]
fn zed_uses_xdg_on_unix_appdata_on_windows_and_probes_flatpak() {
    let f = facts(Os::Linux, LINUX_HOME, &[("XDG_CONFIG_HOME", "/x")], None);
    assert_eq!(
        paths("zed", &f),
        [
            (Scope::User, "/x/zed/settings.json".into(), false),
            (Scope::User, "/home/ann/.var/app/dev.zed.Zed/config/zed/settings.json".into(), true)
        ]
    );
    assert_eq!(
        paths("zed", &facts(Os::Macos, MAC_HOME, &[], None)),
        [(Scope::User, "/Users/ann/.config/zed/settings.json".into(), false)]
    );
    assert_eq!(
        paths("zed", &facts(Os::Windows, WIN_HOME, &[], None))[0].1,
        r"C:\Users\ann\AppData\Roaming\Zed\settings.json"
    );
}

#[test]
fn vscode_user_workspace_and_legacy_settings() {
    let f = facts(Os::Macos, MAC_HOME, &[], Some("/Users/ann/app"));
    let locations = dialects::find("vscode").expect("client").config_paths(&f);
    let summary: Vec<(String, Vec<String>, bool)> = locations
        .iter()
        .map(|l| (l.path.to_string_lossy().into_owned(), l.placement.0.clone(), l.alternative))
        .collect();
    assert_eq!(
        summary,
        [
            ("/Users/ann/Library/Application Support/Code/User/mcp.json".into(), vec!["servers".into()], false),
            ("/Users/ann/app/.vscode/mcp.json".into(), vec!["servers".into()], false),
            (
                "/Users/ann/Library/Application Support/Code/User/settings.json".into(),
                vec!["mcp".into(), "servers".into()],
                true
            ),
            (
                "/Users/ann/Library/Application Support/Code - Insiders/User/mcp.json".into(),
                vec!["servers".into()],
                true
            ),
        ]
    );
}

#[test]
fn other_clients_resolve_their_documented_files() {
    let linux = facts(Os::Linux, LINUX_HOME, &[], None);
    let first = |client: &str, f: &HostFacts| paths(client, f)[0].1.clone();
    assert_eq!(first("cursor", &linux), "/home/ann/.cursor/mcp.json");
    assert_eq!(first("windsurf", &linux), "/home/ann/.codeium/windsurf/mcp_config.json");
    assert_eq!(first("gemini-cli", &linux), "/home/ann/.gemini/settings.json");
    assert_eq!(first("goose", &linux), "/home/ann/.config/goose/config.yaml");
    assert_eq!(
        first("goose", &facts(Os::Windows, WIN_HOME, &[("APPDATA", r"R:\")], None)),
        r"R:\Block\goose\config\config.yaml"
    );
    assert_eq!(first("continue", &linux), "/home/ann/.continue/config.yaml");
    assert_eq!(first("opencode", &linux), "/home/ann/.config/opencode/opencode.json");
    // OPENCODE_CONFIG is a layer over the global file, listed after it (opencode.ai/docs/config).
    let layered = paths("opencode", &facts(Os::Linux, LINUX_HOME, &[("OPENCODE_CONFIG", "/etc/oc.json")], None));
    assert_eq!(layered[0].1, "/home/ann/.config/opencode/opencode.json");
    assert_eq!(layered[1], (Scope::User, "/etc/oc.json".into(), false));
    assert_eq!(first("lm-studio", &linux), "/home/ann/.lmstudio/mcp.json");
    assert_eq!(paths("lm-studio", &linux)[1], (Scope::User, "/home/ann/.cache/lm-studio/mcp.json".into(), true));
    assert_eq!(
        first("cline", &facts(Os::Windows, WIN_HOME, &[], None)),
        r"C:\Users\ann\AppData\Roaming\Code\User\globalStorage\saoudrizwan.claude-dev\settings\cline_mcp_settings.json"
    );
    assert_eq!(first("kiro", &linux), "/home/ann/.kiro/settings/mcp.json");
    assert_eq!(first("copilot-cli", &linux), "/home/ann/.copilot/mcp-config.json");
}

#[test]
fn the_table_has_at_least_25_clients_each_with_a_user_file_on_every_os() {
    let all = dialects::all();
    assert!(all.len() >= 25, "{} clients", all.len());
    let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    for os in [Os::Linux, Os::Macos, Os::Windows] {
        let f = facts(os, "/h", &[], None);
        for client in all {
            let user = client.config_paths(&f).into_iter().filter(|l| l.scope == Scope::User && !l.alternative).count();
            assert!(user >= 1, "{} has no user file on {os:?}", client.id);
        }
    }
    let json = serde_json::to_value(dialects::find("codex").expect("codex")).expect("serialize");
    assert_eq!(
        json,
        serde_json::json!({"id": "codex", "display_name": "Codex CLI", "format": "toml", "transports": ["stdio", "http"]})
    );
}

#[test]
fn detect_stats_files_and_directories() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join(".cursor")).expect("mkdir");
    std::fs::write(home.path().join(".cursor/mcp.json"), "{}").expect("write");
    std::fs::create_dir_all(home.path().join(".codex")).expect("mkdir");
    let f = HostFacts {
        os: Os::Linux,
        home: home.path().to_path_buf(),
        vars: BTreeMap::new(),
        project_dir: None,
        search_project_root: false,
    };
    let found = dialects::detect(&f);
    let of = |id: &str| found.iter().find(|d| d.client_id == id).expect("client");
    assert_eq!(of("cursor").locations[0].1, Presence::File);
    assert_eq!(of("codex").locations[0].1, Presence::DirectoryOnly);
    assert_eq!(of("windsurf").locations[0].1, Presence::Missing);
    assert!(of("cursor").found() && of("codex").found() && !of("windsurf").found());
    // A file right in the home directory says nothing until it exists.
    assert_eq!(of("claude-code").locations[0].1, Presence::Missing);
}

/// Facts of a temp machine whose current directory is `cwd`, searching upward like the CLI.
fn searching(home: &std::path::Path, cwd: &std::path::Path) -> HostFacts {
    HostFacts {
        os: Os::Linux,
        home: home.to_path_buf(),
        vars: BTreeMap::new(),
        project_dir: Some(cwd.to_path_buf()),
        search_project_root: true,
    }
}

fn project_file(client: &str, facts: &HostFacts) -> Option<PathBuf> {
    dialects::find(client)
        .expect("client")
        .config_paths(facts)
        .into_iter()
        .find(|l| l.scope == Scope::Project && !l.alternative)
        .map(|l| l.path)
}

#[test]
fn from_a_subdirectory_the_project_files_of_the_vcs_root_are_found() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let proj = home.join("proj");
    std::fs::create_dir_all(proj.join("src/deep")).expect("mkdir");
    std::fs::create_dir_all(proj.join(".git")).expect("mkdir");
    let f = searching(&home, &proj.join("src/deep"));
    assert_eq!(project_file("vscode", &f), Some(proj.join(".vscode/mcp.json")));
    assert_eq!(project_file("claude-code", &f), Some(proj.join(".mcp.json")));
    assert_eq!(project_file("cursor", &f), Some(proj.join(".cursor/mcp.json")));
    // Gemini CLI and Qwen Code read only the current directory's file (their programs, run
    // from a subdirectory, do not list the root's: scripts/test-client-programs.sh).
    assert_eq!(project_file("gemini-cli", &f), Some(proj.join("src/deep/.gemini/settings.json")));
    assert_eq!(project_file("qwen-code", &f), Some(proj.join("src/deep/.qwen/settings.json")));
    // Claude Code's local scope is keyed by the project root, not the current directory.
    let local = dialects::find("claude-code")
        .expect("client")
        .config_paths(&f)
        .into_iter()
        .find(|l| l.scope == Scope::Local)
        .expect("local scope");
    assert_eq!(local.path, home.join(".claude.json"));
    assert_eq!(local.placement, Placement::new(&["projects", proj.to_str().expect("utf8"), "mcpServers"]));
    // A `.git` file (a worktree) and the other VCS roots mark a root too.
    for marker in [".hg", ".jj", ".svn"] {
        let other = home.join(format!("other{marker}"));
        std::fs::create_dir_all(other.join("a/b")).expect("mkdir");
        std::fs::create_dir_all(other.join(marker)).expect("mkdir");
        assert_eq!(project_file("cursor", &searching(&home, &other.join("a/b"))), Some(other.join(".cursor/mcp.json")));
    }
    let worktree = home.join("wt");
    std::fs::create_dir_all(worktree.join("x")).expect("mkdir");
    std::fs::write(worktree.join(".git"), "gitdir: /elsewhere\n").expect("write");
    assert_eq!(project_file("cursor", &searching(&home, &worktree.join("x"))), Some(worktree.join(".cursor/mcp.json")));
}

#[test]
fn without_a_vcs_root_the_nearest_project_file_of_the_client_marks_the_root() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let proj = home.join("proj");
    std::fs::create_dir_all(proj.join("src")).expect("mkdir");
    std::fs::create_dir_all(proj.join(".vscode")).expect("mkdir");
    std::fs::write(proj.join(".vscode/mcp.json"), "{}").expect("write");
    std::fs::write(proj.join(".mcp.json"), "{}").expect("write");
    let f = searching(&home, &proj.join("src"));
    assert_eq!(project_file("vscode", &f), Some(proj.join(".vscode/mcp.json")));
    assert_eq!(project_file("claude-code", &f), Some(proj.join(".mcp.json")));
    // Cursor has no file there and no VCS root exists: its project is the current directory.
    assert_eq!(project_file("cursor", &f), Some(proj.join("src/.cursor/mcp.json")));
    // Detection finds them from the subdirectory.
    let found = dialects::detect(&f);
    let vscode = found.iter().find(|d| d.client_id == "vscode").expect("vscode");
    assert!(vscode.locations.iter().any(|(l, p)| l.path == proj.join(".vscode/mcp.json") && *p == Presence::File));
    // The search does not go above HOME: a `.git` above it is not this project's root.
    std::fs::create_dir_all(tmp.path().join(".git")).expect("mkdir");
    let elsewhere = home.join("notes");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    assert_eq!(project_file("cursor", &searching(&home, &elsewhere)), Some(elsewhere.join(".cursor/mcp.json")));
}

#[test]
fn a_given_project_directory_is_used_as_is() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(proj.join("sub")).expect("mkdir");
    std::fs::create_dir_all(proj.join(".git")).expect("mkdir");
    let f = HostFacts { search_project_root: false, ..searching(tmp.path(), &proj.join("sub")) };
    assert_eq!(project_file("vscode", &f), Some(proj.join("sub/.vscode/mcp.json")));
}

#[test]
fn running_from_home_lists_user_files_once_as_user_scope() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().to_path_buf();
    std::fs::create_dir_all(home.join(".cursor")).expect("mkdir");
    std::fs::write(home.join(".cursor/mcp.json"), "{}").expect("write");
    std::fs::create_dir_all(home.join(".gemini")).expect("mkdir");
    std::fs::write(home.join(".gemini/settings.json"), "{}").expect("write");
    let f = searching(&home, &home);
    for (client, rel) in [("cursor", ".cursor/mcp.json"), ("gemini-cli", ".gemini/settings.json")] {
        let listed: Vec<_> = dialects::find(client)
            .expect("client")
            .config_paths(&f)
            .into_iter()
            .filter(|l| l.path == home.join(rel))
            .map(|l| l.scope)
            .collect();
        assert_eq!(listed, [Scope::User], "{client}");
    }
    // From a directory below HOME with no root, the user file does not make HOME the project.
    std::fs::create_dir_all(home.join("notes")).expect("mkdir");
    let below = searching(&home, &home.join("notes"));
    assert_eq!(project_file("cursor", &below), Some(home.join("notes/.cursor/mcp.json")));
}

#[test]
fn each_client_lists_its_scopes() {
    let scopes = |id: &str| dialects::find(id).expect("client").scopes(Os::Linux);
    assert_eq!(scopes("claude-code"), [Scope::User, Scope::Project, Scope::Local]);
    assert_eq!(scopes("vscode"), [Scope::User, Scope::Project]);
    assert_eq!(scopes("cursor"), [Scope::User, Scope::Project]);
    assert_eq!(scopes("gemini-cli"), [Scope::User, Scope::Project]);
    assert_eq!(scopes("claude-desktop"), [Scope::User]);
    assert_eq!(scopes("continue"), [Scope::User, Scope::Project]);
    assert_eq!(scopes("augment"), [Scope::User, Scope::Project]);
    assert_eq!(Scope::parse("local"), Some(Scope::Local));
    assert_eq!(Scope::parse("global"), None);
}

#[test]
fn continue_config_yaml_shadows_config_json() {
    let f = facts(Os::Linux, LINUX_HOME, &[], None);
    let continue_ = dialects::find("continue").expect("client");
    assert_eq!(
        continue_.shadowed_by(&f, std::path::Path::new("/home/ann/.continue/config.yaml")),
        Some(PathBuf::from("/home/ann/.continue/config.json"))
    );
    assert_eq!(continue_.shadowed_by(&f, std::path::Path::new("/elsewhere/config.yaml")), None);
    let cursor = dialects::find("cursor").expect("client");
    assert_eq!(cursor.shadowed_by(&f, std::path::Path::new("/home/ann/.cursor/mcp.json")), None);
}

/// continuedev/continue@d0a3c0b626b5bebc3bef4742eec05a0242be0bab core/util/paths.ts and
/// core/config/profile/doLoadConfig.ts: config.yaml is read when it exists, else config.json;
/// core/context/mcp/json/loadJsonMcpConfigs.ts reads `~/.continue/mcpServers/*.json` with
/// either. So a user with only config.json gets that JSON file, never a config.yaml.
#[test]
fn continue_config_json_users_get_a_json_file_in_mcp_servers_instead_of_config_yaml() {
    let f = facts(Os::Linux, LINUX_HOME, &[], None);
    let continue_ = dialects::find("continue").expect("client");
    let instead = continue_
        .instead_of_shadowing(&f, std::path::Path::new("/home/ann/.continue/config.yaml"))
        .expect("a way around");
    assert_eq!(instead.path, PathBuf::from("/home/ann/.continue/mcpServers/mcp-orchestration.json"));
    assert_eq!(instead.scope, Scope::User);
    assert_eq!(instead.placement.0, ["mcpServers"]);
    assert!(instead.alternative, "config.yaml stays the documented user file");
    // Nothing else hides a file, so nothing else has a way around it.
    let cursor = dialects::find("cursor").expect("client");
    assert_eq!(cursor.instead_of_shadowing(&f, std::path::Path::new("/home/ann/.cursor/mcp.json")), None);
    // The JSON file is written in the shape Continue reads there (Claude-Desktop-like).
    let servers = serde_json::json!({"mcpServers": {
        "local": {"command": "node", "args": ["-e", "0"], "env": {"A": "1"}},
        "web": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"X": "1"}},
        "off": {"command": "node", "disabled": true}
    }});
    let text = dialects::render_at("continue", &instead.placement, None, &servers, &[]).expect("render");
    let written: serde_json::Value = serde_json::from_str(&text).expect("JSON, not YAML");
    assert_eq!(
        written,
        serde_json::json!({"mcpServers": {
            "local": {"command": "node", "args": ["-e", "0"], "env": {"A": "1"}},
            "web": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"X": "1"}}
        }})
    );
    let back = dialects::import_at("continue", &instead.placement, &text).expect("import");
    assert_eq!(back["mcpServers"]["web"], servers["mcpServers"]["web"]);
    // json.ts has no `cwd`: refused with the field named, not dropped.
    let with_cwd = serde_json::json!({"mcpServers": {"x": {"command": "a", "cwd": "/w"}}});
    let error = dialects::render_at("continue", &instead.placement, None, &with_cwd, &[]).expect_err("cwd");
    assert!(error.to_string().contains("cwd"), "{error}");
}

/// core/config/yaml/loadYaml.ts (same commit): every YAML file of the workspace's
/// `.continue/mcpServers/` is a block of exactly one server (packages/config-yaml/src/schemas/
/// index.ts `blockSchema`: `mcpServers: z.array(mcpServerSchema).length(1)`), and every JSON
/// file a map of many (loadJsonMcpConfigs.ts). Ours is `mcp-orchestration.json`; detection lists
/// the user's other files (to read, each in its shape), never as the file to write.
#[test]
fn continue_project_blocks_are_all_listed_and_ours_is_the_one_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let proj = tmp.path().join("proj");
    let blocks = proj.join(".continue/mcpServers");
    std::fs::create_dir_all(&blocks).expect("mkdir");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::write(blocks.join("team.yaml"), "name: t\nversion: 0.0.1\nschema: v1\nmcpServers: []\n").expect("w");
    std::fs::write(blocks.join("db.yml"), "name: d\nversion: 0.0.1\nschema: v1\nmcpServers: []\n").expect("w");
    std::fs::write(blocks.join("notes.txt"), "not a block").expect("w");
    let f = HostFacts {
        os: Os::Linux,
        home: home.clone(),
        vars: BTreeMap::new(),
        project_dir: Some(proj.clone()),
        search_project_root: false,
    };
    let continue_ = dialects::find("continue").expect("client");
    let project: Vec<_> =
        continue_.config_paths(&f).into_iter().filter(|l| l.scope == Scope::Project).map(|l| l.path).collect();
    assert_eq!(project, [blocks.join("mcp-orchestration.json")], "config_paths lists only ours");
    let found = dialects::detect(&f).into_iter().find(|d| d.client_id == "continue").expect("continue");
    let listed: Vec<_> = found
        .locations
        .iter()
        .filter(|(l, _)| l.scope == Scope::Project)
        .map(|(l, p)| (l.path.clone(), l.alternative, *p))
        .collect();
    assert_eq!(
        listed,
        [
            (blocks.join("mcp-orchestration.json"), false, Presence::DirectoryOnly),
            (blocks.join("db.yml"), true, Presence::File),
            (blocks.join("team.yaml"), true, Presence::File),
        ]
    );
    // Each is read in its own shape: a one-server YAML block, a Claude-like JSON file.
    std::fs::write(
        blocks.join("db.yml"),
        "name: d\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: db\n    command: pg\n",
    )
    .expect("w");
    std::fs::write(blocks.join("more.json"), r#"{"mcpServers": {"gh": {"type": "http", "url": "https://x/mcp"}}}"#)
        .expect("w");
    let found = dialects::detect(&f).into_iter().find(|d| d.client_id == "continue").expect("continue");
    let read = |name: &str| {
        let (location, _) = found.locations.iter().find(|(l, _)| l.path == blocks.join(name)).expect(name);
        let text = std::fs::read_to_string(&location.path).expect("read");
        dialects::import_at("continue", &location.placement, &text).expect("import")
    };
    assert_eq!(read("db.yml")["mcpServers"]["db"]["command"], "pg");
    assert_eq!(read("more.json")["mcpServers"]["gh"]["url"], "https://x/mcp");
}

#[test]
fn detection_finds_every_client_s_locations_where_config_paths_does() {
    // Detection looks for the VCS root once for all clients; each client's own project file
    // below it still marks that client's root first.
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let proj = home.join("proj");
    std::fs::create_dir_all(proj.join("src/deep")).expect("mkdir");
    std::fs::create_dir_all(proj.join(".git")).expect("mkdir");
    std::fs::create_dir_all(proj.join("src/.vscode")).expect("mkdir");
    std::fs::write(proj.join("src/.vscode/mcp.json"), "{}").expect("write");
    let f = searching(&home, &proj.join("src/deep"));
    assert_eq!(project_file("vscode", &f), Some(proj.join("src/.vscode/mcp.json")));
    assert_eq!(project_file("cursor", &f), Some(proj.join(".cursor/mcp.json")));
    for detected in dialects::detect(&f) {
        let paths: Vec<PathBuf> = detected.locations.iter().map(|(l, _)| l.path.clone()).collect();
        let expected: Vec<PathBuf> =
            dialects::find(detected.client_id).expect("client").config_paths(&f).into_iter().map(|l| l.path).collect();
        assert_eq!(paths, expected, "{}", detected.client_id);
    }
    let found = dialects::detect(&f);
    let vscode = found.iter().find(|d| d.client_id == "vscode").expect("vscode");
    assert!(vscode.locations.iter().any(|(l, p)| l.path == proj.join("src/.vscode/mcp.json") && *p == Presence::File));
}
