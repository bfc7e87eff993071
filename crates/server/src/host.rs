//! What the server learns from the machine it runs on: host facts for the client dialects
//! (OS, HOME, the environment overrides clients honour), the directories of PATH, the client
//! files that exist here, and the resolution of a tool's `file` argument into a client file.
//!
//! The server is an adapter, so it may read the environment; the core never does. The CLI
//! uses [`host_facts`] too. Which file a client reads is the core's `ClientFile`.

use std::path::{Path, PathBuf};

use orchestrator::service::ClientFile;

use crate::error::ToolError;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The host facts the dialects need: OS, HOME, the environment overrides clients honour, and
/// the current directory as the project.
pub fn host_facts() -> dialects::HostFacts {
    let os = if cfg!(target_os = "windows") {
        dialects::Os::Windows
    } else if cfg!(target_os = "macos") {
        dialects::Os::Macos
    } else {
        dialects::Os::Linux
    };
    let vars = dialects::ENV_OVERRIDES.iter().filter_map(|name| var(name).map(|v| ((*name).to_owned(), v))).collect();
    let home = var("HOME").or_else(|| var("USERPROFILE")).map(PathBuf::from).unwrap_or_default();
    dialects::HostFacts { os, home, vars, project_dir: std::env::current_dir().ok(), search_project_root: true }
}

/// The directories of PATH (for the "command not on PATH" validation warning).
pub fn path_dirs() -> Vec<PathBuf> {
    var("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

/// The OS name shown in `list_clients` (`platform`).
pub fn platform() -> &'static str {
    std::env::consts::OS
}

/// Every client file that exists on this machine.
pub fn detected_files(facts: &dialects::HostFacts) -> Vec<ClientFile> {
    ClientFile::detected(facts)
}

/// Checks a `file` argument given by a model against the rule of [`crate::file_rule`];
/// `dirs` are the project directories (the client's declared roots and `--project-dir`s).
pub fn check_file_argument(
    client: &dialects::ClientInfo,
    file: &str,
    facts: &dialects::HostFacts,
    dirs: &[PathBuf],
) -> Result<PathBuf, ToolError> {
    crate::file_rule::check(client, file, facts, dirs)
}

/// The client file a tool works on: the checked `file` argument, else the client's file of
/// `scope` (`user`, `project`, `local`; with `project` one of `dirs`, or the only one), else
/// its own user config file. A scoped file passes the same rule as a `file` argument, so a
/// project file's real target must stay inside its project directory. An unknown client is
/// passed through so the core reports it with its documented message.
pub fn client_file(
    client_id: &str,
    file: Option<&str>,
    (scope, project): (Option<&str>, Option<&str>),
    facts: &dialects::HostFacts,
    dirs: &[PathBuf],
) -> Result<ClientFile, ToolError> {
    let Some(client) = dialects::find(client_id) else {
        return Ok(ClientFile::at(client_id, Path::new(""), facts));
    };
    match (file, scope) {
        (Some(_), Some(_)) => Err(ToolError::usage("give `file` or `scope`, not both")),
        (Some(file), None) => Ok(ClientFile::at(client_id, &check_file_argument(client, file, facts, dirs)?, facts)),
        (None, Some(scope)) => scoped_file(client, scope, project, facts, dirs),
        (None, None) => ClientFile::default_for(client_id, facts).map_err(ToolError::from),
    }
}

/// The client's file of a scope named by a model; see [`client_file`].
fn scoped_file(
    client: &dialects::ClientInfo,
    scope: &str,
    project: Option<&str>,
    facts: &dialects::HostFacts,
    dirs: &[PathBuf],
) -> Result<ClientFile, ToolError> {
    let Some(scope) = dialects::Scope::parse(scope) else {
        return Err(ToolError::usage(format!("scope {scope:?}: give user, project or local")));
    };
    let facts = match scope {
        dialects::Scope::User => facts.clone(),
        dialects::Scope::Project | dialects::Scope::Local => {
            let dir = project_dir(project, dirs)?;
            dialects::HostFacts { project_dir: Some(dir), search_project_root: false, ..facts.clone() }
        }
    };
    let file = ClientFile::in_scope(client.id, scope, &facts).map_err(ToolError::from)?;
    let path = file.path.to_str().ok_or_else(|| ToolError::usage("the client file's path is not UTF-8"))?;
    check_file_argument(client, path, &facts, dirs)?;
    Ok(file)
}

/// The project directory of a scoped call: `project` when it is one of `dirs`, else the only
/// one of `dirs`. Anything else is refused (a project outside them is `unsafe`).
fn project_dir(project: Option<&str>, dirs: &[PathBuf]) -> Result<PathBuf, ToolError> {
    let listed = || dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
    match project {
        Some(project) => {
            let given = std::fs::canonicalize(project).unwrap_or_else(|_| PathBuf::from(project));
            dirs.iter()
                .find(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()) == given)
                .cloned()
                .ok_or_else(|| {
                    ToolError::new(
                        orchestrator::ErrorKind::Unsafe,
                        format!(
                            "refused project {project:?}: it is not a project directory (declared: {}); a root \
                             the MCP client declares or `serve --project-dir DIR` makes one",
                            if dirs.is_empty() { "none".to_owned() } else { listed() }
                        ),
                    )
                })
        }
        None if dirs.len() == 1 => Ok(dirs[0].clone()),
        None if dirs.is_empty() => Err(ToolError::usage(
            "this scope needs a project directory and none is declared: the MCP client declares roots, or the \
             server is started with `serve --project-dir DIR`",
        )),
        None => Err(ToolError::usage(format!(
            "several project directories are declared ({}): name one with `project`",
            listed()
        ))),
    }
}
