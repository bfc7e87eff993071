//! A real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution registry,
//! installed by `scripts/install-test-deps.sh`) started on 127.0.0.1 with a generated config,
//! filesystem storage in a temp dir, and optionally htpasswd basic auth or token auth (a token
//! server of the test's own on 127.0.0.1, see `token_server`), and TLS with a CA made for the
//! test by the `openssl` command. Its access log (every request) is kept for tests that count
//! requests ([`Registry::requests`]). Stopped (killed) when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::token_server::{self, TokenServer};

/// The user name of an authenticated registry.
pub const REGISTRY_USER: &str = "ci-publisher";
/// Its password (a canary: it must never appear in output, logs or events).
pub const REGISTRY_PASSWORD: &str = "canary-registry-pw-7f3e1a";

/// How a test registry is set up.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistryOptions {
    /// Serve HTTPS with a certificate signed by a CA made for the test.
    pub tls: bool,
    /// Require htpasswd basic auth ([`REGISTRY_USER`] / [`REGISTRY_PASSWORD`]).
    pub auth: bool,
    /// Require token auth instead: bearer tokens from a token server on 127.0.0.1 that gives
    /// them for the same credentials (implies `auth`).
    pub token: bool,
}

/// A running registry.
pub struct Registry {
    child: Child,
    token_server: Option<TokenServer>,
    dir: tempfile::TempDir,
    port: u16,
    options: RegistryOptions,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (run scripts/install-test-deps.sh)"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port").local_addr().expect("local addr").port()
}

/// Makes `ca.pem` and `server.pem`/`server.key` (for 127.0.0.1 and localhost) in `dir`.
fn make_certificates(dir: &Path) {
    let ossl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
    ossl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=mcp-orchestration test CA",
    ]);
    ossl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write ext");
    ossl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

impl Registry {
    /// Starts a registry and waits until it accepts connections.
    pub fn start(options: RegistryOptions) -> Registry {
        let dir = tempfile::Builder::new().prefix("mcpo-registry-").tempdir().expect("temp dir");
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("storage").display()
        );
        if options.tls {
            make_certificates(dir.path());
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.path().join("server.pem").display(),
                dir.path().join("server.key").display()
            ));
        }
        let token_server = options.token.then(|| TokenServer::start(dir.path()));
        if let Some(server) = &token_server {
            config.push_str(&format!(
                "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                server.realm(),
                token_server::SERVICE,
                token_server::ISSUER,
                server.bundle().display()
            ));
        } else if options.auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", REGISTRY_USER, REGISTRY_PASSWORD])
                .output()
                .expect("htpasswd (apache2-utils; run scripts/install-test-deps.sh)");
            assert!(out.status.success());
            std::fs::write(dir.path().join("htpasswd"), &out.stdout).expect("write htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: mcp-orchestration-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).expect("write config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry (run scripts/install-test-deps.sh)");
        let registry = Registry { child, token_server, dir, port, options };
        let deadline = Instant::now() + Duration::from_secs(15);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start: {}", registry.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// `HOST:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `oci://127.0.0.1:PORT/REPOSITORY`.
    pub fn url(&self, repository: &str) -> String {
        format!("oci://{}/{repository}", self.host())
    }

    /// `docker://127.0.0.1:PORT/REPOSITORY:TAG`, for skopeo.
    pub fn docker_ref(&self, repository: &str, tag: &str) -> String {
        format!("docker://{}/{repository}:{tag}", self.host())
    }

    /// The CA certificate (TLS registries).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A directory holding the CA as `ca.crt`, for skopeo's `--cert-dir`.
    pub fn cert_dir(&self) -> PathBuf {
        let dir = self.dir.path().join("certs.d");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(self.ca_file(), dir.join("ca.crt")).expect("copy ca");
        dir
    }

    /// skopeo's flags to reach this registry as a source (`src`), destination (`dest`), or for
    /// `inspect`/`list-tags` (``).
    pub fn skopeo_flags(&self, side: &str) -> Vec<String> {
        let side = if side.is_empty() { String::new() } else { format!("{side}-") };
        let mut out = Vec::new();
        if self.options.tls {
            out.push(format!("--{side}cert-dir={}", self.cert_dir().display()));
        } else {
            out.push(format!("--{side}tls-verify=false"));
        }
        if self.options.auth || self.options.token {
            out.push(format!("--{side}creds={REGISTRY_USER}:{REGISTRY_PASSWORD}"));
        }
        out
    }

    /// The file holding a blob's bytes in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        self.dir.path().join(format!("storage/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }

    /// The token server (token auth).
    pub fn token_server(&self) -> Option<&TokenServer> {
        self.token_server.as_ref()
    }

    /// The requests the registry logged so far, in order, as `METHOD PATH` (its access log:
    /// every request, whatever its answer).
    pub fn requests(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|line| line.split('"').nth(1))
            .filter_map(|request| request.rsplit_once(' ').map(|(method_path, _)| method_path.to_owned()))
            .collect()
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
