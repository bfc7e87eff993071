//! Every environment variable the program reads, in one place.

/// The home directory, when `--home` is not given.
pub const HOME_VAR: &str = "MCP_ORCHESTRATION_HOME";
/// Log level for stderr logs (`error`, `warn`, `info`, `debug`, `trace`).
pub const LOG_LEVEL_VAR: &str = "MCP_ORCHESTRATION_LOG_LEVEL";
/// `1` turns on debug logs.
pub const DEBUG_VAR: &str = "MCP_ORCHESTRATION_DEBUG";
/// A fixed RFC 3339 instant to use as "now" (tests and reproducible runs).
pub const NOW_VAR: &str = "MCP_ORCHESTRATION_NOW";
/// Disables colours.
pub const NO_COLOR_VAR: &str = "NO_COLOR";

/// The value of a variable, if set and not empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The user's home directory.
pub fn user_home() -> Option<std::path::PathBuf> {
    var("HOME").or_else(|| var("USERPROFILE")).map(Into::into)
}
