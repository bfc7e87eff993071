//! Package registries the lock tests start on 127.0.0.1 — verdaccio (npm) and pypiserver
//! (PyPI), installed by `scripts/install-lock-registries.sh` — the test MCP server
//! (`testdata/lock/server/server.mjs`, TypeScript SDK) bundled by esbuild, tiny wheels built
//! by `uv build` (a plain module, or the dependency-free stdio server of
//! `testdata/lock/pyserver/` with a console entry point), and the Python SDK's HTTP+SSE server
//! of `testdata/lock/sse_server.py`. Missing tools fail the test with the command that installs
//! them (never skip). Also what every lock test does with the binary: publish a shared
//! profile, read it back, and pick a server's change or findings out of a report.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mcp_testkit::TestEnv;
use serde_json::Value;

use super::common::{code, json, run, stderr};

/// The package-index variables a developer's shell may set, which would send `lock` elsewhere.
pub const INDEX_VARS: [&str; 5] =
    ["npm_config_registry", "NPM_CONFIG_REGISTRY", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"];

/// Publishes `doc` as the shared profile `profile`.
pub fn publish_shared(env: &TestEnv, profile: &str, doc: &Value) {
    let file = env.write_file(&format!("{profile}.json"), &doc.to_string());
    let out = run(env, &["publish", "--all", "--profile", profile, "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "publish: {}", stderr(&out));
}

/// The payload of the shared profile `profile`'s head.
pub fn shared_payload(env: &TestEnv, profile: &str) -> Value {
    let out = run(env, &["get", "--all", "--profile", profile, "--json"]);
    assert_eq!(code(&out), 0, "get: {}", stderr(&out));
    json(&out)["payload"].clone()
}

/// The change a `lock` report lists for `server`.
pub fn change<'a>(report: &'a Value, server: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["server"] == server))
        .unwrap_or_else(|| panic!("no {server} in {report}"))
}

/// The findings an `audit` report lists for `server`.
pub fn findings_of<'a>(report: &'a Value, server: &str) -> Vec<&'a Value> {
    report["findings"].as_array().map(|f| f.iter().filter(|f| f["server"] == server).collect()).unwrap_or_default()
}

/// Where the install script put the registries and tools.
pub fn tools_dir() -> PathBuf {
    let dir = std::env::var_os("MCP_TEST_REGISTRIES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-registries"));
    assert!(
        dir.join("npm/node_modules/.bin/verdaccio").is_file() && dir.join("venv/bin/pypi-server").is_file(),
        "the lock tests need verdaccio, esbuild, pypiserver and uv in {}: run scripts/install-lock-registries.sh",
        dir.display()
    );
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 60 s");
}

/// A child process killed when the test ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The test server bundled into one file (built once per test process).
pub fn bundle() -> PathBuf {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            let tools = tools_dir();
            let out = std::env::temp_dir().join(format!("lock-test-server-{}", std::process::id()));
            std::fs::create_dir_all(&out).expect("bundle dir");
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lock/server/server.mjs");
            let bundled = out.join("server.mjs");
            let status = Command::new(tools.join("npm/node_modules/.bin/esbuild"))
                .arg(&source)
                .args(["--bundle", "--platform=node", "--format=esm", "--log-level=warning"])
                .arg(format!("--outfile={}", bundled.display()))
                .env("NODE_PATH", tools.join("npm/node_modules"))
                .status()
                .expect("run esbuild");
            assert!(status.success(), "esbuild failed to bundle {}", source.display());
            bundled
        })
        .clone()
}

/// A verdaccio npm registry with storage in a temp dir and no uplinks.
pub struct Verdaccio {
    pub url: String,
    dir: tempfile::TempDir,
    _child: Running,
}

impl Verdaccio {
    pub fn start() -> Verdaccio {
        let tools = tools_dir();
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let config = format!(
            "storage: {storage}\nauth:\n  htpasswd:\n    file: {htpasswd}\n    max_users: -1\nuplinks: {{}}\n\
             packages:\n  '**':\n    access: $all\n    publish: $anonymous\n    unpublish: $anonymous\n\
             log: {{ type: stdout, format: pretty, level: error }}\nmax_body_size: 50mb\n",
            storage = dir.path().join("storage").display(),
            htpasswd = dir.path().join("htpasswd").display(),
        );
        let config_file = dir.path().join("config.yaml");
        std::fs::write(&config_file, config).expect("config");
        let mut child = Command::new(tools.join("npm/node_modules/.bin/verdaccio"))
            .arg("--config")
            .arg(&config_file)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start verdaccio");
        wait_for_port(port, &mut child, "verdaccio");
        let url = format!("http://127.0.0.1:{port}/");
        std::fs::write(dir.path().join("npmrc"), format!("//127.0.0.1:{port}/:_authToken=anonymous\n")).expect("npmrc");
        Verdaccio { url, dir, _child: Running(child) }
    }

    fn npm(&self) -> Command {
        let mut cmd = Command::new("npm");
        cmd.arg("--registry")
            .arg(&self.url)
            .arg("--userconfig")
            .arg(self.dir.path().join("npmrc"))
            .env("npm_config_cache", self.dir.path().join("npm-cache"))
            .env("npm_config_update_notifier", "false");
        cmd
    }

    /// Publishes the test server as `name@version` with the real npm client.
    pub fn publish(&self, name: &str, version: &str) {
        self.publish_variant(name, version, "");
    }

    /// Publishes `name@version` whose bundle ends with `marker` (other bytes, same tools).
    pub fn publish_variant(&self, name: &str, version: &str, marker: &str) {
        let package = self.dir.path().join(format!("pkg-{version}{}", marker.len()));
        std::fs::create_dir_all(&package).expect("package dir");
        let mut code = std::fs::read_to_string(bundle()).expect("read bundle");
        code.push_str(marker);
        std::fs::write(package.join("server.mjs"), code).expect("write bundle");
        let manifest = serde_json::json!({"name": name, "version": version, "type": "module", "license": "MIT",
            "bin": {"lock-test-server": "server.mjs"}, "files": ["server.mjs"]});
        std::fs::write(package.join("package.json"), manifest.to_string()).expect("package.json");
        let out = self.npm().arg("publish").current_dir(&package).output().expect("npm publish");
        assert!(out.status.success(), "npm publish {name}@{version}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Removes `name@version` from the registry (`npm unpublish`).
    pub fn unpublish(&self, name: &str, version: &str) {
        let out =
            self.npm().args(["unpublish", &format!("{name}@{version}"), "--force"]).output().expect("npm unpublish");
        assert!(out.status.success(), "npm unpublish: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// What the registry reports as `dist.integrity` of `name@version` (asked with `npm view`).
    pub fn integrity(&self, name: &str, version: &str) -> String {
        let out = self.npm().args(["view", &format!("{name}@{version}"), "dist.integrity"]).output().expect("npm view");
        assert!(out.status.success(), "npm view: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// The test server over streamable HTTP, its `notes` tool described by `notes_file`.
pub fn http_server(notes_file: &Path) -> (String, Running) {
    let mut child = Command::new("node")
        .arg(bundle())
        .arg("--http")
        .arg(notes_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the HTTP test server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("port line");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("HTTP test server printed {line:?}"));
    (format!("http://127.0.0.1:{port}/mcp"), Running(child))
}

/// A pypiserver serving the wheels in its package directory.
pub struct PypiServer {
    /// The simple-API index URL.
    pub url: String,
    packages: tempfile::TempDir,
    _child: Running,
}

impl PypiServer {
    pub fn start() -> PypiServer {
        let tools = tools_dir();
        let packages = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut child = Command::new(tools.join("venv/bin/pypi-server"))
            .args(["run", "-p", &port.to_string(), "-i", "127.0.0.1", "--disable-fallback"])
            .arg(packages.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pypiserver");
        wait_for_port(port, &mut child, "pypiserver");
        PypiServer { url: format!("http://127.0.0.1:{port}/simple/"), packages, _child: Running(child) }
    }

    /// Builds a tiny pure-Python package `name==version` with `uv build` into the served
    /// directory; returns the wheel's path.
    pub fn add(&self, name: &str, version: &str) -> PathBuf {
        self.build(name, version, &format!("VERSION = {version:?}\n"), "")
    }

    /// Builds the test's stdio MCP server as `name==version` (its tools depend on the version;
    /// `echo` describes its `echo` tool), with the console script `name`, replacing any wheel
    /// of that version already served; returns the wheel's path.
    pub fn add_server(&self, name: &str, version: &str, echo: &str) -> PathBuf {
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lock/pyserver/server.py");
        let code = std::fs::read_to_string(&template)
            .expect("server template")
            .replace("@VERSION@", version)
            .replace("@ECHO@", echo);
        let module = name.replace('-', "_");
        let wheel = self.packages.path().join(format!("{module}-{version}-py3-none-any.whl"));
        let _ = std::fs::remove_file(&wheel);
        self.build(name, version, &code, &format!("\n[project.scripts]\n{name} = \"{module}:main\"\n"))
    }

    fn build(&self, name: &str, version: &str, code: &str, scripts: &str) -> PathBuf {
        let source = tempfile::tempdir().expect("tempdir");
        let module = name.replace('-', "_");
        let package_dir = source.path().join("src").join(&module);
        std::fs::create_dir_all(&package_dir).expect("module dir");
        std::fs::write(package_dir.join("__init__.py"), code).expect("init");
        std::fs::write(
            source.path().join("pyproject.toml"),
            format!(
                "[project]\nname = {name:?}\nversion = {version:?}\n{scripts}\n[build-system]\nrequires = [\"uv_build>=0.8,<0.14\"]\nbuild-backend = \"uv_build\"\n"
            ),
        )
        .expect("pyproject");
        let cache = tempfile::tempdir().expect("uv cache");
        // uv builds with its own backend offline (no index is asked).
        let out = Command::new(tools_dir().join("venv/bin/uv"))
            .args(["build", "--wheel", "--quiet", "--out-dir"])
            .arg(self.packages.path())
            .arg(source.path())
            .env("UV_OFFLINE", "1")
            .env("UV_CACHE_DIR", cache.path())
            .output()
            .expect("uv build");
        assert!(out.status.success(), "uv build: {}", String::from_utf8_lossy(&out.stderr));
        let wheel = self.packages.path().join(format!("{module}-{version}-py3-none-any.whl"));
        assert!(wheel.is_file(), "no wheel at {}", wheel.display());
        wheel
    }
}

/// The Python SDK's HTTP+SSE test server (`testdata/lock/sse_server.py`), refusing requests
/// without `Authorization: Bearer TOKEN`, its `notes` tool described by `notes_file`; returns
/// its SSE URL.
pub fn sse_server(token: &str, notes_file: &Path) -> (String, Running) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lock/sse_server.py");
    let mut child = Command::new(tools_dir().join("venv/bin/python"))
        .arg(script)
        .arg(token)
        .arg(notes_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the SSE test server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("listening line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("SSE server printed {line:?}"));
    (url.to_owned(), Running(child))
}
