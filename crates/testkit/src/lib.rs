//! Hermetic test environment shared by every crate's tests: a temp directory holding HOME and
//! the mcp-orchestration home, a fixed clock, fixed signing keys, and paths to the shared
//! fixtures (corpus, legacy home, Ed25519 vectors) copied into the project's test data.

use std::path::{Path, PathBuf};

pub mod registry;
pub mod token_server;

/// A fixed instant used as "now" by every command a [`TestEnv`] runs.
pub const FIXED_NOW: &str = "2026-11-25T12:00:00Z";

/// Fixed Ed25519 private keys (PKCS#8 PEM) with seeds 0x01… and 0x02…: the same keys, and so
/// the same key ids and signatures, in every run.
pub const FIXED_KEY_A: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n-----END PRIVATE KEY-----\n";
/// The second fixed key.
pub const FIXED_KEY_B: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC\n-----END PRIVATE KEY-----\n";

/// The lines a child process writes to its stderr (spawned with `Stdio::piped()`), read on a
/// thread as they come, so a test can wait for a line (a server's "listening on …") and keep
/// the rest for its messages.
pub fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let stderr = child.stderr.take().expect("the child's stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The workspace's `testdata/` directory.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The corpus of real client config files (kept with the dialects crate's test data).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dialects/testdata/corpus")
}

/// Corpus files that their own client could not parse: (file, line, column).
pub const CORPUS_REFUSED: &[(&str, usize, usize)] =
    &[("cursor/004.json", 3, 22), ("windsurf/001.json", 1, 1), ("vscode/007.json", 3, 14)];

/// Every corpus client file (not server.json) with the client id and the file name that
/// client gives it: (corpus path, client id, file name).
pub fn corpus_client_files() -> Vec<(String, &'static str, &'static str)> {
    let manifest = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let file = line.split('\t').next()?.to_owned();
            let (client, name) = match file.split('/').next()? {
                "claude-desktop" => ("claude-desktop", "claude_desktop_config.json"),
                "cursor" => ("cursor", "mcp.json"),
                "vscode" => ("vscode", "mcp.json"),
                "vscode-settings" => ("vscode", "settings.json"),
                "claude-code" => ("claude-code", ".mcp.json"),
                "windsurf" => ("windsurf", "mcp_config.json"),
                "codex" => ("codex", "config.toml"),
                "zed" => ("zed", "settings.json"),
                "gemini" => ("gemini-cli", "settings.json"),
                "goose" => ("goose", "config.yaml"),
                _ => return None,
            };
            Some((file, client, name))
        })
        .collect()
}

/// A temp HOME with an mcp-orchestration home inside, removed when dropped.
pub struct TestEnv {
    dir: tempfile::TempDir,
    now: String,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// An empty environment (the home does not exist yet).
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("mcpo-test-").tempdir().expect("create temp dir");
        TestEnv { dir, now: FIXED_NOW.to_owned() }
    }

    /// An environment whose home already holds the fixed key A (mode 0600), so that
    /// `init-configs` keeps it.
    pub fn with_fixed_key() -> Self {
        let env = Self::new();
        env.write_private_key(FIXED_KEY_A, 0o600);
        env
    }

    /// Writes a private key into the home with the given mode.
    pub fn write_private_key(&self, pem: &str, mode: u32) {
        let keys = self.home().join("keys");
        std::fs::create_dir_all(&keys).expect("create keys dir");
        let path = keys.join("signing_key.pem");
        std::fs::write(&path, pem).expect("write key");
        set_mode(&path, mode);
    }

    /// The temp directory (used as HOME).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The mcp-orchestration home.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join(".mcp-orchestration")
    }

    /// Sets the fixed clock for later commands.
    pub fn set_now(&mut self, now: &str) {
        self.now = now.to_owned();
    }

    /// A command running `bin` (a binary of the calling crate, e.g. from
    /// `env!("CARGO_BIN_EXE_mcp-orchestration")`) with HOME, the home and the clock fixed and
    /// every other MCP_ORCHESTRATION_* variable removed.
    pub fn command(&self, bin: &str) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_command(bin))
    }

    /// The same as [`TestEnv::command`], as a plain `std::process::Command` (to spawn).
    pub fn std_command(&self, bin: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("MCP_ORCHESTRATION_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.root())
            .env("MCP_ORCHESTRATION_HOME", self.home())
            .env("MCP_ORCHESTRATION_NOW", &self.now)
            .env("NO_COLOR", "1")
            .current_dir(self.root());
        cmd
    }

    /// Writes a file under the temp directory and returns its path.
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.root().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// Copies the legacy home (written by the original Python tool) into this environment's
    /// home, with the private key at `key_mode`.
    pub fn install_legacy_home(&self, key_mode: u32) {
        copy_dir(&testdata().join("legacy-home/.mcp-orchestration"), &self.home());
        set_mode(&self.home().join("keys/signing_key.pem"), key_mode);
    }

    /// Every file under the home with its bytes, except the event log and the lock file:
    /// the state a refusal must leave byte-identical.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        collect(&self.home(), &self.home(), &mut out);
        out.retain(|(name, _)| !name.starts_with("events/") && name != ".lock");
        out.sort();
        out
    }

    /// [`TestEnv::snapshot`] without the signature cache and the per-file locks either: what a
    /// refused pull must leave byte-identical.
    pub fn snapshot_store(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = self.snapshot();
        out.retain(|(name, _)| !name.starts_with("cache/") && !name.starts_with("locks/"));
        out.sort();
        out
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let name = path.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
            out.push((name, std::fs::read(&path).expect("read")));
        }
    }
}

/// Copies a directory tree, making every copy writable by its owner.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
            set_mode(&target, 0o644);
        }
    }
}

/// Sets a file's Unix permission bits.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The Unix permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

/// A servers document (stdio servers with args, env and a timeout) whose compact JSON, and so
/// its JCS form, is at least `target` bytes: the document the benchmarks measure.
pub fn servers_of_size(target: usize) -> serde_json::Value {
    let mut servers = serde_json::Map::new();
    for i in 0.. {
        servers.insert(
            format!("server-{i:03}"),
            serde_json::json!({
                "command": "npx",
                "args": ["-y", format!("@example/mcp-server-{i}"), "--root", "${env:HOME}/projects"],
                "env": {"API_TOKEN": format!("${{secret:TOKEN_{i}}}"), "LOG_LEVEL": "info"},
                "timeout": 30 + i
            }),
        );
        // Sorting members (JCS) changes no length, so the compact form's length is the JCS one.
        let document = serde_json::json!({ "mcpServers": serde_json::Value::Object(servers.clone()) });
        if serde_json::to_vec(&document).expect("serializes").len() >= target {
            return document;
        }
    }
    unreachable!("the loop returns once the document is large enough")
}
