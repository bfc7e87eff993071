//! Every environment variable the program reads, in one place.

/// The home directory, when `--home` is not given.
pub const HOME_VAR: &str = "MCP_ORCHESTRATION_HOME";
/// Log level for stderr logs (`error`, `warn`, `info`, `debug`, `trace`).
pub const LOG_LEVEL_VAR: &str = "MCP_ORCHESTRATION_LOG_LEVEL";
/// `1` turns on debug logs.
pub const DEBUG_VAR: &str = "MCP_ORCHESTRATION_DEBUG";
/// A fixed RFC 3339 instant to use as "now" (tests and reproducible runs).
pub const NOW_VAR: &str = "MCP_ORCHESTRATION_NOW";
/// Test-only: `POINT:MARKER` pauses the client-file write path (builds with `failpoints`).
pub const FAILPOINT_VAR: &str = "MCP_ORCHESTRATION_FAILPOINT";
/// The npm registry npm and npx use (npm's own configuration variable; upper case too).
pub const NPM_REGISTRY_VARS: &[&str] = &["npm_config_registry", "NPM_CONFIG_REGISTRY"];
/// The Python index uv and pip use, in uv's order of precedence.
pub const PYPI_INDEX_VARS: &[&str] = &["UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"];

/// Disables colours.
pub const NO_COLOR_VAR: &str = "NO_COLOR";

/// `NO_COLOR` is set to a non-empty value: no colour unless `--color always`.
pub fn no_color() -> bool {
    var(NO_COLOR_VAR).is_some()
}

/// `TERM=dumb`: a terminal that shows escape codes as text.
pub fn dumb_terminal() -> bool {
    var("TERM").as_deref() == Some("dumb")
}

/// Registry credentials on this machine: `MCP_ORCHESTRATION_REGISTRY_USER`/`…_PASSWORD`, then
/// (after a stored `remote login`) Docker's config and credential helpers (shared with the MCP
/// server, see `mcp_server::registry_auth`).
pub fn registry_credentials() -> orchestrator::service::CredentialSource<'static> {
    mcp_server::registry_auth::source()
}

/// The value of a variable, if set and not empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The first of `names` that is set.
pub fn first_var(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| var(name))
}

/// The user's home directory.
pub fn user_home() -> Option<std::path::PathBuf> {
    var("HOME").or_else(|| var("USERPROFILE")).map(Into::into)
}

/// What the dialects need to know of this machine (shared with the MCP server, the other
/// adapter that reads the environment): project files are found from the current directory
/// upward to the project root.
pub fn host_facts() -> dialects::HostFacts {
    mcp_server::host::host_facts()
}

/// [`host_facts`] with `--project DIR` when given: that directory (made absolute against the
/// current directory) is the project, as is. One that is not a directory is `Err` with the
/// message to show (a usage error).
pub fn host_facts_for(project: Option<&std::path::Path>) -> Result<dialects::HostFacts, String> {
    let facts = host_facts();
    let Some(dir) = project else { return Ok(facts) };
    let absolute = std::path::absolute(dir).map_err(|e| format!("--project {}: {e}", dir.display()))?;
    if !absolute.is_dir() {
        return Err(format!("--project {}: not a directory; give an existing project directory", dir.display()));
    }
    Ok(dialects::HostFacts { project_dir: Some(absolute), search_project_root: false, ..facts })
}

/// The process environment, for resolving `${env:NAME}` references when a file is written.
pub fn environment() -> std::collections::BTreeMap<String, String> {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect()
}

/// The command bridge entries written into client files run: `mcp-orchestration` when that is
/// what PATH finds (this very program), else this program's absolute path (a client starts it
/// with its own PATH, which may not hold a development build or a custom install location).
pub fn bridge_program() -> String {
    const NAME: &str = "mcp-orchestration";
    let Ok(exe) = std::env::current_exe() else { return NAME.to_owned() };
    // The `-init` and `-memory` aliases are other binaries: the bridge is the main one beside them.
    let main = exe.with_file_name(NAME);
    let main = if main.is_file() { main } else { exe };
    let on_path = var("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(NAME)).find(|candidate| candidate.is_file()));
    let same = |a: &std::path::Path, b: &std::path::Path| matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y);
    match on_path {
        Some(found) if same(&found, &main) => NAME.to_owned(),
        _ => main.display().to_string(),
    }
}
