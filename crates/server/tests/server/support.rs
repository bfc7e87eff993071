//! The hermetic test environment: a temp HOME holding an initialized home (fixed key A, fixed
//! clock), the core over it, and an in-process MCP client connected to the server through a
//! `tokio::io::duplex` pipe.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mcp_server::McpServer;
use orchestrator::Orchestrator;
use orchestrator::clock::FixedClock;
use orchestrator::home::Home;
#[allow(deprecated)] // roots: see McpServer::file_dirs
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation, ListRootsResult,
    ReadResourceRequestParams, Root,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;

/// A temp machine with an initialized home.
pub struct Env {
    pub test: mcp_testkit::TestEnv,
}

impl Env {
    /// HOME in a temp dir; the home initialized with the fixed key and clock.
    pub fn new() -> Self {
        let test = mcp_testkit::TestEnv::with_fixed_key();
        let env = Env { test };
        env.core().init(false).expect("init-configs");
        env
    }

    /// A temp machine whose home does not exist.
    pub fn uninitialized() -> Self {
        Env { test: mcp_testkit::TestEnv::new() }
    }

    pub fn root(&self) -> &Path {
        self.test.root()
    }

    pub fn home(&self) -> PathBuf {
        self.test.home()
    }

    pub fn core(&self) -> Orchestrator {
        let now: jiff::Timestamp = mcp_testkit::FIXED_NOW.parse().expect("fixed now");
        Orchestrator::new(Home::new(self.home()), Arc::new(FixedClock(now)))
    }

    /// Host facts of the temp machine: Linux, HOME = the temp dir, no overrides.
    pub fn facts(&self) -> dialects::HostFacts {
        dialects::HostFacts {
            os: dialects::Os::Linux,
            home: self.root().to_path_buf(),
            vars: Default::default(),
            project_dir: None,
            search_project_root: false,
        }
    }

    /// An MCP client talking to a fresh server over an in-process duplex pipe.
    pub async fn client(&self) -> Client {
        self.client_with(None, Vec::new()).await
    }

    /// A client that declares the roots capability and answers `roots/list` with these URIs.
    pub async fn client_with_roots(&self, roots: &[String]) -> Client {
        self.client_with(Some(roots.to_vec()), Vec::new()).await
    }

    /// A client (no roots) of a server given these `--project-dir` directories.
    pub async fn client_with_project_dirs(&self, dirs: Vec<PathBuf>) -> Client {
        self.client_with(None, dirs).await
    }

    async fn client_with(&self, roots: Option<Vec<String>>, project_dirs: Vec<PathBuf>) -> Client {
        let (server_io, client_io) = tokio::io::duplex(1 << 20);
        let server = McpServer::with_host(self.core(), self.facts(), Vec::new()).with_project_dirs(project_dirs);
        tokio::spawn(async move {
            if let Ok(running) = server.serve(server_io).await {
                let _ = running.waiting().await;
            }
        });
        let client = RootsClient { roots }.serve(client_io).await.expect("client handshake");
        Client { inner: client }
    }

    /// Every event in the home's log, as JSON.
    pub fn events(&self) -> Vec<Value> {
        let dir = self.home().join("events");
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&dir) else { return out };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read events");
            out.extend(text.lines().map(|l| serde_json::from_str::<Value>(l).expect("event line")));
        }
        out
    }

    /// A stable view of the home (paths and bytes) minus the event log, to check that a refused
    /// call changed nothing.
    pub fn home_state(&self) -> Vec<(String, Vec<u8>)> {
        self.test.snapshot().into_iter().filter(|(path, _)| !path.contains("events")).collect()
    }
}

/// The in-process client's handler: declares roots (and lists them) when it has some.
pub struct RootsClient {
    pub roots: Option<Vec<String>>,
}

#[allow(deprecated)] // roots: see McpServer::file_dirs
impl rmcp::ClientHandler for RootsClient {
    fn get_info(&self) -> ClientConfig {
        let capabilities = match self.roots {
            Some(_) => ClientCapabilities::builder().enable_roots().build(),
            None => ClientCapabilities::default(),
        };
        ClientConfig::new(capabilities, Implementation::new("test-client", "1"))
    }

    async fn list_roots(&self, _context: RequestContext<RoleClient>) -> Result<ListRootsResult, rmcp::ErrorData> {
        let roots = self.roots.clone().unwrap_or_default();
        Ok(ListRootsResult::new(roots.into_iter().map(Root::new).collect()))
    }
}

/// The in-process client.
pub struct Client {
    pub inner: RunningService<RoleClient, RootsClient>,
}

/// A tool result reduced to what tests compare.
#[derive(Debug)]
pub struct Outcome {
    pub is_error: bool,
    pub structured: Value,
    pub text: String,
    pub trace_id: Option<String>,
}

impl Outcome {
    /// The error kind of a failed call.
    pub fn kind(&self) -> &str {
        assert!(self.is_error, "expected a failure, got {}", self.structured);
        self.structured["error"]["kind"].as_str().unwrap_or_default()
    }

    /// The success value.
    pub fn ok(&self) -> &Value {
        assert!(!self.is_error, "expected success, got {}", self.text);
        &self.structured
    }
}

fn outcome(result: CallToolResult) -> Outcome {
    let text = result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n");
    let trace_id = result
        .meta
        .as_ref()
        .and_then(|m| m.0.get(mcp_server::TRACE_ID_META))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Outcome {
        is_error: result.is_error == Some(true),
        structured: result.structured_content.unwrap_or(Value::Null),
        text,
        trace_id,
    }
}

impl Client {
    /// Calls a tool with JSON arguments.
    pub async fn call(&self, tool: &str, args: Value) -> Outcome {
        let arguments = match args {
            Value::Object(map) => map,
            other => panic!("arguments must be an object, got {other}"),
        };
        let result = self
            .inner
            .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
        outcome(result)
    }

    /// Calls a tool and returns the protocol error (or the result, when there was none).
    pub async fn call_raw(&self, tool: &str, args: Value) -> Result<CallToolResult, rmcp::ServiceError> {
        let arguments = args.as_object().cloned().unwrap_or_default();
        self.inner.call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)).await
    }

    /// Reads a resource as JSON.
    pub async fn read(&self, uri: &str) -> Result<Value, rmcp::ServiceError> {
        let result = self.inner.read_resource(ReadResourceRequestParams::new(uri)).await?;
        let value = serde_json::to_value(&result.contents[0]).expect("contents");
        let text = value["text"].as_str().expect("text contents");
        Ok(serde_json::from_str(text).expect("JSON resource"))
    }

    pub async fn close(self) {
        let _ = self.inner.cancel().await;
    }
}

/// `{"client_id": c}` with more fields.
pub fn args(pairs: &[(&str, Value)]) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert((*k).to_owned(), v.clone());
    }
    Value::Object(map)
}
