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

/// The client file a tool works on: the checked `file` argument, else the client's own user
/// config file. An unknown client is passed through so the core reports it with its
/// documented message.
pub fn client_file(
    client_id: &str,
    file: Option<&str>,
    facts: &dialects::HostFacts,
    dirs: &[PathBuf],
) -> Result<ClientFile, ToolError> {
    let Some(client) = dialects::find(client_id) else {
        return Ok(ClientFile::at(client_id, Path::new(""), facts));
    };
    match file {
        Some(file) => Ok(ClientFile::at(client_id, &check_file_argument(client, file, facts, dirs)?, facts)),
        None => ClientFile::default_for(client_id, facts).map_err(ToolError::from),
    }
}
