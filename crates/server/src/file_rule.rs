//! The rule for a `file` argument given by a model, so that a prompt-injected call cannot make
//! the server read or write a file it has no business with. A `file` is accepted when
//!
//! - it is written plainly: absolute, no `.` or `..` components, no empty ones (`//`);
//! - it is one of the client's own locations on this machine (user scope, or Claude Code's
//!   local scope), or one of its project-scope files (`.cursor/mcp.json`, `.vscode/mcp.json`,
//!   …) directly inside a *project directory*: a root the MCP client declared (`roots/list`) or
//!   a directory given to `serve --project-dir`;
//! - it is not under `/etc`, `/dev`, `/proc` or `/sys`, neither as written nor after symlinks;
//! - its real target (after symlinks, of the file or of its nearest existing directory) is the
//!   same place: one of those locations, or inside a project directory;
//! - when it exists, it is a regular file (no FIFO, socket, device or directory).
//!
//! Another client's file (say `~/.claude/settings.json` for `zed`) is refused with a message
//! naming its owner. Every refusal is an `unsafe` tool error (exit class 10) that says what is
//! allowed.

use std::path::{Path, PathBuf};

use dialects::{ClientInfo, HostFacts, Scope};
use orchestrator::ErrorKind;

use crate::error::ToolError;

/// Directories nothing is ever read from or written to through a `file` argument.
pub const SYSTEM_DIRS: &[&str] = &["/etc", "/dev", "/proc", "/sys"];

/// True when `path` is one of the system directories or inside one.
fn in_system_dir(path: &Path) -> bool {
    SYSTEM_DIRS.iter().any(|dir| path.starts_with(dir))
}

/// True when the path is written plainly: absolute, every component a real name.
fn is_plain(file: &str) -> bool {
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    if !Path::new(file).is_absolute() {
        return false;
    }
    let rest = if cfg!(windows) {
        // `C:\…`: the prefix is checked by is_absolute; the rest must be plain.
        file.split_once(separators).map_or("", |(_, rest)| rest)
    } else {
        &file[1..]
    };
    rest.split(separators).all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The client's own locations on this machine (user and local scope).
fn own_locations(client: &ClientInfo, facts: &HostFacts) -> Vec<PathBuf> {
    client.config_paths(facts).into_iter().filter(|l| l.scope != Scope::Project).map(|l| l.path).collect()
}

/// The client's project-scope files inside one project directory.
fn project_locations(client: &ClientInfo, facts: &HostFacts, dir: &Path) -> Vec<PathBuf> {
    let facts = HostFacts { project_dir: Some(dir.to_path_buf()), search_project_root: false, ..facts.clone() };
    client.config_paths(&facts).into_iter().filter(|l| l.scope == Scope::Project).map(|l| l.path).collect()
}

/// The project-scope file names of a client, relative to a project directory.
fn project_names(client: &ClientInfo, facts: &HostFacts) -> Vec<String> {
    let base = PathBuf::from(if cfg!(windows) { r"C:\project" } else { "/project" });
    let mut names: Vec<String> = project_locations(client, facts, &base)
        .iter()
        .filter_map(|p| p.strip_prefix(&base).ok().map(|r| r.display().to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The real path of `path`: canonical when it exists, else its nearest existing ancestor made
/// canonical with the rest appended. `None` when not even `/` resolves, or when the path is a
/// symlink whose target is missing.
fn real_path(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    if std::fs::symlink_metadata(path).is_ok() {
        return None; // a dangling symlink: its target cannot be checked
    }
    let mut rest = Vec::new();
    let mut ancestor = path;
    loop {
        rest.push(ancestor.file_name()?.to_owned());
        ancestor = ancestor.parent()?;
        if let Ok(real) = std::fs::canonicalize(ancestor) {
            return Some(rest.iter().rev().fold(real, |acc, name| acc.join(name)));
        }
        if std::fs::symlink_metadata(ancestor).is_ok() {
            return None;
        }
    }
}

/// Checks a model-supplied `file` for `client` against the rule above; `dirs` are the project
/// directories (declared roots and `--project-dir`s). Returns the path to use.
pub fn check(client: &ClientInfo, file: &str, facts: &HostFacts, dirs: &[PathBuf]) -> Result<PathBuf, ToolError> {
    let refuse = |why: String| {
        let projects = project_names(client, facts);
        let allowed = format!(
            "allowed: {}'s own config file{}, or {} inside a project directory (a root the MCP client \
             declares, or `serve --project-dir DIR`{})",
            client.display_name,
            own_locations(client, facts).first().map(|p| format!(" ({})", p.display())).unwrap_or_default(),
            if projects.is_empty() { "no project file".to_owned() } else { projects.join(" or ") },
            if dirs.is_empty() { "; none is declared now".to_owned() } else { String::new() },
        );
        ToolError::new(
            ErrorKind::Unsafe,
            format!("refused file {file:?}: {why}; {allowed}; or omit `file` to use {}'s own config file", client.id),
        )
    };
    if file.len() > 4096 || file.contains('\0') {
        return Err(refuse("not a usable path".into()));
    }
    if !is_plain(file) {
        return Err(refuse("the path must be absolute and plain (no `.` or `..` components, no `//`)".into()));
    }
    let path = PathBuf::from(file);
    if in_system_dir(&path) {
        return Err(refuse(format!("nothing under {} is a client config file", SYSTEM_DIRS.join(", "))));
    }
    let own = own_locations(client, facts);
    let in_project = dirs.iter().any(|dir| project_locations(client, facts, dir).contains(&path));
    if !own.contains(&path) && !in_project {
        if let Some(other) =
            dialects::all().iter().find(|c| c.id != client.id && own_locations(c, facts).contains(&path))
        {
            return Err(refuse(format!(
                "it is {}'s config file ({}), not {}'s",
                other.display_name, other.id, client.id
            )));
        }
        return Err(refuse(format!("it is not one of {}'s config files", client.display_name)));
    }
    let Some(real) = real_path(&path) else {
        return Err(refuse("it is a symlink whose target does not exist".into()));
    };
    if in_system_dir(&real) {
        return Err(refuse(format!("its real target {} is a system file", real.display())));
    }
    let own_real = own.iter().filter_map(|p| real_path(p)).any(|p| p == real);
    let project_real = dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).any(|d| real.starts_with(&d));
    if !own_real && !project_real {
        return Err(refuse(format!(
            "its real target {} (after symlinks) lies outside the client's locations and the project directories",
            real.display()
        )));
    }
    if let Ok(meta) = std::fs::metadata(&real)
        && !meta.is_file()
    {
        return Err(refuse("it is not a regular file (a directory, FIFO, socket or device)".into()));
    }
    Ok(path)
}

/// The directory of a `file://` root URI; `None` for other schemes and relative paths.
pub fn root_dir(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///path` (empty authority) or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(rest).decode_utf8().ok()?;
    let decoded = if cfg!(windows) { decoded.trim_start_matches('/').replace('/', "\\") } else { decoded.into_owned() };
    let path = PathBuf::from(decoded.trim_end_matches(['/', '\\']));
    let path = if path.as_os_str().is_empty() { PathBuf::from("/") } else { path };
    path.is_absolute().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths() {
        assert!(is_plain("/home/u/.cursor/mcp.json"));
        for bad in ["relative/mcp.json", "//etc//mcp.json", "/x/./.cursor/mcp.json", "/x/../mcp.json", "/x/", "/"] {
            assert!(!is_plain(bad), "{bad}");
        }
    }

    #[test]
    fn root_uris() {
        assert_eq!(root_dir("file:///home/u/proj"), Some(PathBuf::from("/home/u/proj")));
        assert_eq!(root_dir("file:///home/u/my%20proj/"), Some(PathBuf::from("/home/u/my proj")));
        assert_eq!(root_dir("file://localhost/srv"), Some(PathBuf::from("/srv")));
        assert_eq!(root_dir("https://example.com/x"), None);
        assert_eq!(root_dir("file://relative"), None);
    }
}
