//! `doctor`: checks the home (keys, store integrity, locks, stale temp files), the client
//! files found on this machine, and whether the commands the profiles launch resolve on PATH,
//! and says what to fix.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Orchestrator;
use super::files::ClientFile;
use crate::deploy::write;
use crate::fsutil;
use crate::keys;
use crate::registry;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// All good.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken: something will fail.
    Fail,
}

/// One check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it came out.
    pub verdict: Verdict,
    /// What was found.
    pub detail: String,
    /// What to do, when not ok.
    pub fix: Option<String>,
}

fn check(name: impl Into<String>, verdict: Verdict, detail: impl Into<String>, fix: Option<String>) -> Check {
    Check { name: name.into(), verdict, detail: detail.into(), fix }
}

/// Files under `dir` (recursively) whose name marks a temp file left by a killed write.
fn stale_temps(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            stale_temps(&path, out);
        } else if name.starts_with(".tmp-") || name.contains(".mcpo-tmp-") {
            out.push(path);
        }
    }
}

/// Every path that reads check (see [`fsutil::check_metadata`]) and that fails the check.
pub fn home_exposures(home: &crate::home::Home) -> Vec<fsutil::UnsafePath> {
    use fsutil::Access::{Private, Shared};
    let mut paths: Vec<(PathBuf, &'static str, fsutil::Access)> = vec![
        (home.trusted_dir(), "trust store directory", Shared),
        (home.signing_key(), "signing key", Private),
        (home.secrets_file(), "secret store", Private),
        (home.root().join("server").join("tokens.sha256"), "token hash file", Private),
        (home.root().join("server").join("http-token"), "token file", Private),
    ];
    let trusted = home.trusted_dir();
    for name in fsutil::list_dir(&trusted).unwrap_or_default().into_iter().filter(|n| n.ends_with(".pub")) {
        paths.push((trusted.join(name), "trusted key", Shared));
    }
    for name in fsutil::list_dir(&home.root().join("heads")).unwrap_or_default() {
        paths.push((home.root().join("heads").join(name), "heads directory", Shared));
    }
    for client in fsutil::list_dir(&home.history_root()).unwrap_or_default() {
        for profile in fsutil::list_dir(&home.history_root().join(&client)).unwrap_or_default() {
            paths.push((home.history_root().join(&client).join(profile), "history directory", Shared));
        }
    }
    paths
        .into_iter()
        .filter_map(|(path, what, access)| {
            let meta = std::fs::metadata(&path).ok()?;
            fsutil::check_metadata(&path, what, &meta, access).err()
        })
        .collect()
}

/// Whether `command` names an executable: a path that exists, or a name found in `path_dirs`.
pub fn command_resolves(command: &str, path_dirs: &[PathBuf]) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if command.contains('/') {
        return executable(Path::new(command));
    }
    path_dirs.iter().any(|dir| executable(&dir.join(command)))
}

impl Orchestrator {
    /// Runs every check. `files` are the client files found on this machine; `path_dirs` the
    /// directories of PATH.
    pub fn doctor(&self, files: &[ClientFile], path_dirs: &[PathBuf]) -> Vec<Check> {
        let mut out = Vec::new();
        let home = self.home().root().display().to_string();
        if self.ensure_initialized().is_err() {
            out.push(check(
                "home",
                Verdict::Fail,
                format!("{home} is not initialized"),
                Some("run `mcp-orchestration init-configs`".into()),
            ));
            return out;
        }
        out.push(check("home", Verdict::Ok, format!("{home} (layout {})", crate::home::LAYOUT_VERSION), None));
        match keys::load_signing_key(self.home()) {
            Ok(key) => out.push(check("signing key", Verdict::Ok, format!("{} (mode 0600)", key.public().id()), None)),
            Err(e) => out.push(check(
                "signing key",
                Verdict::Fail,
                e.to_string(),
                Some("fix the key file as the message says".into()),
            )),
        }
        out.extend(self.permission_checks());
        match self.verify(None) {
            Ok(outcomes) => {
                let failed: Vec<_> = outcomes.iter().filter(|o| o.error.is_some()).collect();
                if failed.is_empty() {
                    out.push(check(
                        "store integrity",
                        Verdict::Ok,
                        format!("{} versions verified", outcomes.len()),
                        None,
                    ));
                } else {
                    let first = failed[0];
                    out.push(check(
                        "store integrity",
                        Verdict::Fail,
                        format!("{} of {} versions fail verification; first: {}/{} v{}: {}", failed.len(), outcomes.len(), first.client_id, first.profile_id, first.version, first.error.clone().unwrap_or_default()),
                        Some("run `mcp-orchestration verify --all` for the list; republish or restore the affected profiles".into()),
                    ));
                }
            }
            Err(e) => out.push(check("store integrity", Verdict::Fail, e.to_string(), None)),
        }
        let mut held = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.home().root().join("locks")) {
            for entry in entries.flatten() {
                if fsutil::lock(&entry.path(), std::time::Duration::ZERO).is_err() {
                    held.push(entry.path().display().to_string());
                }
            }
        }
        if fsutil::lock(&self.home().lock_file(), std::time::Duration::ZERO).is_err() {
            held.push(self.home().lock_file().display().to_string());
        }
        out.push(if held.is_empty() {
            check("locks", Verdict::Ok, "no lock is held", None)
        } else {
            check(
                "locks",
                Verdict::Warn,
                format!("held by a running process: {}", held.join(", ")),
                Some("wait for it to finish; a lock is released when its process exits".into()),
            )
        });
        let mut temps = Vec::new();
        stale_temps(self.home().root(), &mut temps);
        for file in files {
            let real = write::real_target(&file.path);
            let prefix = format!(
                ".{}.mcpo-tmp-",
                real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            );
            if let Some(Ok(entries)) = real.parent().map(std::fs::read_dir) {
                temps.extend(
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix))),
                );
            }
        }
        out.push(if temps.is_empty() {
            check("stale temp files", Verdict::Ok, "none", None)
        } else {
            let list: Vec<String> = temps.iter().map(|p| p.display().to_string()).collect();
            check(
                "stale temp files",
                Verdict::Warn,
                list.join(", "),
                Some("left by an interrupted write; the next deploy of that file removes them, or delete them".into()),
            )
        });
        let mut clients: Vec<&str> = files.iter().map(|f| f.client_id.as_str()).collect();
        clients.dedup();
        out.push(check(
            "clients detected",
            Verdict::Ok,
            if clients.is_empty() { "none".to_owned() } else { clients.join(", ") },
            None,
        ));
        out.extend(self.command_checks(path_dirs));
        out
    }

    /// The owner and mode of every file and directory reads refuse when they are not this
    /// user's alone: one failed check per such path, with the command that fixes it.
    fn permission_checks(&self) -> Vec<Check> {
        let unsafe_paths = home_exposures(self.home());
        if unsafe_paths.is_empty() {
            return vec![check(
                "permissions",
                Verdict::Ok,
                "trust store, keys, secrets, tokens, heads and history belong to this user and are not writable by others",
                None,
            )];
        }
        unsafe_paths.into_iter().map(|u| check("permissions", Verdict::Fail, u.to_string(), Some(u.fix()))).collect()
    }

    /// Every command the heads of all profiles launch, checked on PATH (a warning when missing).
    fn command_checks(&self, path_dirs: &[PathBuf]) -> Vec<Check> {
        let Ok(trust) = self.trust() else { return Vec::new() };
        let Ok(profiles) = registry::all_profiles(self.home()) else { return Vec::new() };
        let mut commands: BTreeSet<String> = BTreeSet::new();
        for (client, profile) in profiles {
            if let Ok(v) = self.load_head(&trust, &client, &profile) {
                let servers = v.payload().get("mcpServers").and_then(Value::as_object).cloned().unwrap_or_default();
                commands.extend(
                    servers.values().filter_map(|e| e.get("command").and_then(Value::as_str)).map(str::to_owned),
                );
            }
        }
        commands
            .into_iter()
            .map(|cmd| {
                if command_resolves(&cmd, path_dirs) {
                    check(format!("command {cmd}"), Verdict::Ok, "found on PATH", None)
                } else {
                    let hint = match cmd.as_str() {
                        "npx" | "node" | "npm" => "install Node.js (it provides npx)".to_owned(),
                        "uvx" | "uv" => "install uv (https://docs.astral.sh/uv/), which provides uvx".to_owned(),
                        "docker" => "install Docker, or use another launch method".to_owned(),
                        other => format!("install {other} or fix the command in the profile"),
                    };
                    check(
                        format!("command {cmd}"),
                        Verdict::Warn,
                        "not found on PATH: servers launched with it will not start",
                        Some(hint),
                    )
                }
            })
            .collect()
    }
}
