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

/// Files under `dir` (recursively) that a killed write left: the home's own temp files that no
/// live writer holds (see [`fsutil::stale_temps`]), and client-file temps.
fn stale_temps(dir: &Path, out: &mut Vec<PathBuf>) {
    out.extend(fsutil::stale_temps(dir));
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            stale_temps(&path, out);
        } else if name.contains(".mcpo-tmp-") {
            out.push(path);
        }
    }
}

/// Every directory under `dir` (and itself), for temp cleaning.
pub(super) fn dirs_under(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            dirs_under(&entry.path(), out);
        }
    }
}

/// What `doctor --fix` changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FixReport {
    /// Store repairs applied: `client/profile: what`.
    pub repaired: Vec<String>,
    /// True when the signing key's public key was added to the trust store.
    pub trusted_signing_key: bool,
    /// True when `keys/verification_key.pem` was rewritten from the signing key.
    pub rewrote_verification_key: bool,
    /// Stale temp files removed from the home.
    pub removed_temps: Vec<String>,
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
            Ok(key) => {
                out.push(check("signing key", Verdict::Ok, format!("{} (mode 0600)", key.public().id()), None));
                out.extend(self.key_consistency_checks(&key));
            }
            Err(e) => out.push(check(
                "signing key",
                Verdict::Fail,
                e.to_string(),
                Some("fix the key file as the message says".into()),
            )),
        }
        out.extend(self.permission_checks());
        out.extend(self.repair_checks());
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
                Some("left by an interrupted write: the next write to that directory (for a client file, its next deploy or rollback) removes them, and so do `mcp-orchestration gc` and `doctor --fix`".into()),
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

    /// The signing key is trusted, and `keys/verification_key.pem` is its public key.
    fn key_consistency_checks(&self, key: &crate::crypto::KeyPair) -> Vec<Check> {
        let mut out = Vec::new();
        let trusted = self.trust().is_ok_and(|t| t.get(key.public().id().as_str()).is_some());
        out.push(if trusted {
            check("signing key trusted", Verdict::Ok, "its public key is in keys/trusted/", None)
        } else {
            check(
                "signing key trusted",
                Verdict::Fail,
                format!("{} is not in keys/trusted/: every publish is refused (exit 8)", key.public().id()),
                Some("run `mcp-orchestration doctor --fix` (it trusts this home's own signing key)".into()),
            )
        });
        let pem = fsutil::read_optional(&self.home().verification_key()).ok().flatten();
        if pem.as_deref() != Some(key.public().to_pem().as_bytes()) {
            out.push(check(
                "verification key",
                Verdict::Warn,
                format!("{} is not the signing key's public key", self.home().verification_key().display()),
                Some("run `mcp-orchestration doctor --fix` (it rewrites it from the signing key)".into()),
            ));
        }
        out
    }

    /// Every profile whose store a crash left needing a repair (see [`registry::Repair`]).
    fn repair_checks(&self) -> Vec<Check> {
        let (Ok(trust), Ok(profiles)) = (self.trust(), registry::all_profiles(self.home())) else { return Vec::new() };
        let mut found = Vec::new();
        for (client, profile) in profiles {
            for repair in registry::repairs(self.home(), &trust, &client, &profile).unwrap_or_default() {
                found.push(format!("{client}/{profile}: {repair}"));
            }
        }
        if found.is_empty() {
            return vec![check("unfinished writes", Verdict::Ok, "no profile was left mid-publish", None)];
        }
        vec![check(
            "unfinished writes",
            Verdict::Warn,
            found.join("; "),
            Some("run `mcp-orchestration doctor --fix`, or publish to the profile (a publish repairs it first)".into()),
        )]
    }

    /// `doctor --fix`: repairs what a crash can leave and is safe to repair, under the home
    /// lock: unfinished publishes (see [`registry::Repair`]), an untrusted own signing key (a
    /// rotation killed by an older release), a stale `verification_key.pem`, and the home's
    /// stale temp files. Anything else doctor reports is left for a person.
    pub fn doctor_fix(&self) -> crate::Result<FixReport> {
        self.traced("doctor_fix", serde_json::Map::new(), || {
            self.ensure_initialized()?;
            let key = keys::load_signing_key(self.home())?;
            let lock = self.lock()?;
            let mut report = FixReport::default();
            if !self.home().trusted_key(key.public().id().hex()).exists() {
                keys::trust_key(self.home(), key.public())?;
                report.trusted_signing_key = true;
            }
            let pem = key.public().to_pem();
            if fsutil::read_optional(&self.home().verification_key())?.as_deref() != Some(pem.as_bytes()) {
                fsutil::write_atomic(&self.home().verification_key(), pem.as_bytes(), keys::PUBLIC_MODE)?;
                report.rewrote_verification_key = true;
            }
            let trust = self.trust()?;
            for (client, profile) in registry::all_profiles(self.home())? {
                let found = registry::repairs(self.home(), &trust, &client, &profile)?;
                registry::apply_repairs(self.home(), &lock, &client, &profile, &found)?;
                report.repaired.extend(found.iter().map(|r| format!("{client}/{profile}: {r}")));
            }
            let mut dirs = Vec::new();
            dirs_under(self.home().root(), &mut dirs);
            for dir in dirs {
                report.removed_temps.extend(fsutil::remove_stale_temps(&dir).iter().map(|p| p.display().to_string()));
            }
            Ok(report)
        })
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
