//! The network side of `lock` and `audit`: an HTTP GET for the registries' APIs
//! ([`HttpFetch`], the core's [`Fetch`]) and an MCP client that starts a server the way its
//! client would and lists its tools ([`McpProbe`], the core's [`Probe`]). Both are rmcp/reqwest;
//! nothing of MCP or HTTP is written by hand here.
//!
//! A probed stdio server runs in a throwaway HOME and working directory (removed afterwards)
//! with only: `PATH`, `HOME`, the profile's `env` for it (references resolved by the core), and
//! the registries its pin was resolved at (`npm_config_registry`, `UV_DEFAULT_INDEX` and
//! `PIP_INDEX_URL`), with a throwaway npm and uv cache so a cached copy from elsewhere is not
//! what runs. It is started in its own process group, and the whole group is killed when the
//! probe ends or its time is up, so a server that hangs is reported, never waited on. A remote
//! server is asked at its URL with its headers: over streamable HTTP with rmcp's client, over
//! the legacy HTTP+SSE transport (`"type": "sse"`) with the bridge's SSE client transport
//! (`bridge::sse`: rmcp has none; rmcp's client still runs the protocol). Error messages never carry a
//! header or env value: what the server wrote on stderr is shown with every such value
//! replaced by `«redacted»`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use orchestrator::lock::{Fetch, Probe, ProbeRegistries};
use rmcp::ServiceExt as _;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, Tool};
use rmcp::service::RoleClient;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{IntoTransport, StreamableHttpClientTransport, TokioChildProcess};
use serde_json::Value;
use tokio::io::AsyncReadExt as _;

/// The default time a probe may take (start, `initialize`, every `tools/list` page).
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(60);

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No idle pool: a registry (Node's http server, for one) closes a kept-alive connection
    // when it likes, and a request sent on it as it closes fails ("connection closed before
    // message completed"); the handful of requests a lock makes do not need the reuse.
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// Registry HTTP: a GET with an `Accept` header and a time limit.
pub struct HttpFetch {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl HttpFetch {
    /// A fetcher whose requests each end within `timeout`.
    pub fn new(timeout: Duration) -> Result<HttpFetch, String> {
        Ok(HttpFetch { client: http_client(timeout)?, runtime: runtime()? })
    }
}

impl Fetch for HttpFetch {
    fn get(&self, url: &str, accept: &str) -> Result<Option<Vec<u8>>, String> {
        let shown = orchestrator::lock::shown_url(url);
        self.runtime.block_on(async {
            let response = self
                .client
                .get(url)
                .header(reqwest::header::ACCEPT, accept)
                .send()
                .await
                .map_err(|e| format!("cannot reach {shown}: {}", crate::bridge::error_chain(&e.without_url())))?;
            match response.status() {
                reqwest::StatusCode::NOT_FOUND => Ok(None),
                status if status.is_success() => response
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| format!("{shown}: {}", crate::bridge::error_chain(&e.without_url()))),
                status => Err(format!("{shown} answered HTTP {status}")),
            }
        })
    }
}

/// Starts servers as their clients would and lists their tools.
pub struct McpProbe {
    /// The longest a probe may take.
    pub timeout: Duration,
    /// `PATH` for the server (the programs a client would find).
    pub path: String,
}

fn client_info() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("mcp-orchestration-probe", env!("CARGO_PKG_VERSION")),
    )
}

fn strings(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

/// `text` with every sensitive value replaced.
fn redact(text: &str, values: &[String]) -> String {
    let mut out = text.to_owned();
    for value in values.iter().filter(|v| v.len() >= 4) {
        out = out.replace(value.as_str(), "«redacted»");
    }
    out
}

/// The last lines of what a server wrote on stderr, redacted.
fn stderr_tail(bytes: &[u8], values: &[String]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    if tail.is_empty() { String::new() } else { format!(" (stderr: {})", redact(&tail, values)) }
}

impl McpProbe {
    fn sandbox_env(&self, home: &Path, registries: &ProbeRegistries) -> Vec<(String, String)> {
        let mut env = vec![("PATH".to_owned(), self.path.clone()), ("HOME".to_owned(), home.display().to_string())];
        env.push(("npm_config_cache".into(), home.join(".npm").display().to_string()));
        env.push(("npm_config_update_notifier".into(), "false".into()));
        env.push(("UV_CACHE_DIR".into(), home.join(".cache/uv").display().to_string()));
        env.push(("UV_TOOL_DIR".into(), home.join(".local/share/uv/tools").display().to_string()));
        env.push(("npm_config_registry".into(), registries.npm.clone()));
        env.push(("UV_DEFAULT_INDEX".into(), registries.pypi.clone()));
        env.push(("PIP_INDEX_URL".into(), registries.pypi.clone()));
        env
    }

    async fn stdio(&self, entry: &Value, sandbox: &Path, registries: &ProbeRegistries) -> Result<Vec<Value>, String> {
        let command = entry.get("command").and_then(Value::as_str).ok_or("no command")?;
        let args: Vec<String> = entry
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let env = strings(entry.get("env"));
        let secrets: Vec<String> = env.iter().map(|(_, v)| v.clone()).collect();
        let cwd = entry.get("cwd").and_then(Value::as_str).map(PathBuf::from).unwrap_or_else(|| sandbox.join("work"));
        let mut cmd = tokio::process::Command::new(command);
        cmd.args(&args).env_clear().current_dir(&cwd).kill_on_drop(true).process_group(0);
        for (k, v) in self.sandbox_env(sandbox, registries).into_iter().chain(env) {
            cmd.env(k, v);
        }
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{command}`: {e}"))?;
        let group = transport.id();
        let collected = tokio::spawn(async move {
            let mut buf = Vec::new();
            if let Some(mut stderr) = stderr {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > 64 * 1024 {
                        buf.drain(..buf.len() - 16 * 1024);
                    }
                }
            }
            buf
        });
        let work = async {
            let client = client_info().serve(transport).await.map_err(|e| format!("no MCP session: {e}"))?;
            let tools = client.list_all_tools().await.map_err(|e| format!("tools/list failed: {e}"));
            let _ = client.cancel().await;
            tools
        };
        let outcome = tokio::time::timeout(self.timeout, work).await;
        if let Some(pid) = group.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let stderr = tokio::time::timeout(Duration::from_secs(2), collected).await.ok().and_then(Result::ok);
        let tail = stderr.map(|b| stderr_tail(&b, &secrets)).unwrap_or_default();
        match outcome {
            Ok(Ok(tools)) => Ok(tools.into_iter().filter_map(|t| serde_json::to_value(t).ok()).collect()),
            Ok(Err(message)) => Err(format!("`{command}`: {message}{tail}")),
            Err(_) => Err(format!("`{command}` did not list its tools within {} s{tail}", self.timeout.as_secs())),
        }
    }

    async fn remote(&self, entry: &Value, sse: bool) -> Result<Vec<Value>, String> {
        let url = entry.get("url").and_then(Value::as_str).ok_or("no url")?;
        let parsed = crate::bridge::check_url(url).map_err(|e| e.to_string())?;
        let shown = orchestrator::lock::shown_url(url);
        let mut headers = HashMap::new();
        let mut secrets = Vec::new();
        for (name, value) in strings(entry.get("headers")) {
            let header = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("header {name}: not a valid name"))?;
            let mut value_h =
                http::HeaderValue::from_str(&value).map_err(|_| format!("header {name}: its value cannot be sent"))?;
            value_h.set_sensitive(true);
            headers.insert(header, value_h);
            secrets.push(value);
        }
        let client = http_client(self.timeout)?;
        let work = async {
            if sse {
                let transport = crate::bridge::sse::connect(client, &parsed, headers.into_iter().collect())
                    .await
                    .map_err(|e| {
                        let message = e.to_string();
                        if message.contains("HTTP 401/403") {
                            // The bridge words it for its --header flags; here the headers are the entry's.
                            format!("{shown} refused the probe (HTTP 401/403): check the entry's headers and the secrets they name")
                        } else {
                            message
                        }
                    })?;
                list_tools(transport, &shown).await
            } else {
                let config = StreamableHttpClientTransportConfig::with_uri(parsed.as_str()).custom_headers(headers);
                list_tools(StreamableHttpClientTransport::with_client(client, config), &shown).await
            }
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(tools)) => Ok(tools.into_iter().filter_map(|t| serde_json::to_value(t).ok()).collect()),
            Ok(Err(message)) => Err(redact(&message, &secrets)),
            Err(_) => Err(format!("{shown} did not list its tools within {} s", self.timeout.as_secs())),
        }
    }
}

/// Opens an MCP session over `transport`, lists every tool, and closes it.
async fn list_tools<T, E, A>(transport: T, shown: &str) -> Result<Vec<Tool>, String>
where
    T: IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let client = client_info().serve(transport).await.map_err(|e| format!("no MCP session with {shown}: {e}"))?;
    let tools = client.list_all_tools().await.map_err(|e| format!("tools/list at {shown} failed: {e}"));
    let _ = client.cancel().await;
    tools
}

impl Probe for McpProbe {
    fn tools(&self, _server: &str, entry: &Value, registries: &ProbeRegistries) -> Result<Vec<Value>, String> {
        let runtime = runtime()?;
        match dialects::entry_transport(entry.as_object().ok_or("not an object")?) {
            Some(dialects::Transport::Stdio) => {
                let sandbox = tempfile::Builder::new()
                    .prefix("mcp-probe-")
                    .tempdir()
                    .map_err(|e| format!("cannot make a throwaway HOME: {e}"))?;
                std::fs::create_dir_all(sandbox.path().join("work"))
                    .map_err(|e| format!("cannot make a working directory: {e}"))?;
                let result = runtime.block_on(self.stdio(entry, sandbox.path(), registries));
                drop(runtime);
                result
            }
            Some(dialects::Transport::Http) => runtime.block_on(self.remote(entry, false)),
            Some(dialects::Transport::Sse) => runtime.block_on(self.remote(entry, true)),
            None => Err("neither a command nor a url".into()),
        }
    }
}
