//! The MCP server of mcp-orchestration: a thin adapter that exposes the core's operations as
//! MCP tools and resources, over stdio or streamable HTTP (with the `/v1`-free MCP endpoint at
//! `/mcp`).
//!
//! - [`McpServer`] is the `rmcp` handler: tools in [`tools`], resources in [`resources`].
//! - [`serve_stdio`] and [`serve_http`] build their own tokio runtime, so the CLI stays sync.
//! - Every tool call runs the core (inline over stdio and for quick reads over HTTP, otherwise on
//!   a blocking thread) and records an `orchestrator.tool_call_started` / `_completed` /
//!   `_failed` pair in the event log under one trace id, returned to the caller in the result's
//!   `_meta` (`mcp-orchestration/trace_id`); the core operation inside the call records its own
//!   pair under the same trace. A read-only tool's events are appended together in one write
//!   when the call ends; a writing tool's as they happen.
//!
//! stdout carries only protocol messages in stdio mode: this crate never prints; logs go
//! through `tracing` to stderr (set up by the CLI).

pub mod args;
pub mod auth;
pub mod bridge;
pub mod dashboard;
pub mod error;
pub mod file_rule;
pub mod host;
pub mod http;
mod http_protocol;
pub mod jsonrpc;
pub mod logs;
pub mod output_schemas;
pub mod probe;
pub mod prompts;
mod ratelimit;
pub mod registry_auth;
pub mod resources;
pub mod rest;
pub mod session;
pub mod stdio;
mod tool_support;
pub mod tools;
mod tools_audit;
mod tools_remote;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use orchestrator::Orchestrator;
use orchestrator::events::{self, Event, Status};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, MetaObject, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler, ServiceExt, tool_handler};
use serde_json::{Map, Value, json};

pub use http::HttpOptions;

use crate::error::ToolError;

/// The server's name in `initialize` and `capabilities://server`.
pub const SERVER_NAME: &str = "mcp-orchestration";

/// The key of the trace id in a tool result's `_meta`.
pub const TRACE_ID_META: &str = "mcp-orchestration/trace_id";

/// Longest wait for the client's answer to `roots/list`.
pub const ROOTS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

const INSTRUCTIONS: &str = "mcp-orchestration keeps signed, content-addressed canonical MCP server \
configurations per client and profile. Read with list_clients, list_profiles, get_config, \
diff_config, get_deployment_status. Change a profile with add_server_to_config / \
remove_server_from_config (a draft), validate_config, publish_config; write it into a client's \
file with deploy_config (call it first without confirm to see the diff, then with confirm: true).";

/// Read-only tools that read a few small files and return: run without a thread hand-off.
pub(crate) const QUICK_TOOLS: &[&str] = &[
    "get_config",
    "list_profiles",
    "view_draft_config",
    "describe_server",
    "search_servers",
    "list_available_servers",
];

/// The MCP handler: the core, what it needs from this machine, and the tool router.
#[derive(Clone)]
pub struct McpServer {
    core: Arc<Orchestrator>,
    facts: Arc<dialects::HostFacts>,
    path_dirs: Arc<Vec<PathBuf>>,
    /// `serve --project-dir` directories: project-scope client files inside them may be named
    /// by a `file` argument (as may those inside the roots the client declares).
    project_dirs: Arc<Vec<PathBuf>>,
    /// Run tools on the runtime's own thread instead of the blocking pool: for stdio, where one
    /// session's requests are answered one after another anyway.
    inline: bool,
    /// `list_clients` answers remembered while nothing they looked at changed.
    list_memo: Arc<tool_support::ListMemo>,
    /// Work the transport runs once an answer is written (stdio); None: done before answering.
    after_answer: Option<Arc<stdio::AfterAnswer>>,
    /// Shared by every session's clone of the server (built once: 19 tools and their schemas).
    tool_router: Arc<ToolRouter<McpServer>>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer").field("core", &self.core).finish_non_exhaustive()
    }
}

impl McpServer {
    /// A server over this core, with host facts and PATH read from this process's environment.
    pub fn new(core: Orchestrator) -> Self {
        Self::with_host(core, host::host_facts(), host::path_dirs())
    }

    /// A server with explicit host facts and PATH directories (tests).
    pub fn with_host(core: Orchestrator, facts: dialects::HostFacts, path_dirs: Vec<PathBuf>) -> Self {
        McpServer {
            // A server answers many reads: verified heads are remembered under their files'
            // stamps (`orchestrator::readcache`), every read still noticing any change.
            core: Arc::new(core.with_read_cache()),
            facts: Arc::new(facts),
            path_dirs: Arc::new(path_dirs),
            project_dirs: Arc::new(Vec::new()),
            inline: false,
            list_memo: Arc::default(),
            after_answer: None,
            tool_router: Arc::new(tools::router()),
        }
    }

    /// Adds `serve --project-dir` directories (see [`file_rule`]).
    pub fn with_project_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.project_dirs = Arc::new(dirs);
        self
    }

    /// The project directories a `file` argument may point into: the `--project-dir`s and the
    /// roots the client declares (`roots/list`, asked only when the client has the roots
    /// capability; a client that does not answer within [`ROOTS_TIMEOUT`] declares none).
    // Roots are what the issue asks for and what current hosts send; rmcp marks them deprecated
    // because a future protocol revision (SEP-2577) drops them.
    #[allow(deprecated)]
    async fn file_dirs(&self, peer: &Peer<RoleServer>) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.project_dirs.as_ref().clone();
        let declares_roots = peer.peer_info().is_some_and(|info| info.capabilities.roots.is_some());
        if declares_roots {
            match tokio::time::timeout(ROOTS_TIMEOUT, peer.list_roots()).await {
                Ok(Ok(result)) => dirs.extend(result.roots.iter().filter_map(|r| file_rule::root_dir(&r.uri))),
                Ok(Err(e)) => tracing::debug!(error = %e, "roots/list failed"),
                Err(_) => tracing::debug!("roots/list got no answer in time"),
            }
        }
        dirs
    }

    /// Runs tools on the calling thread (stdio: one session, answered in order).
    pub fn inline(mut self) -> Self {
        self.inline = true;
        self
    }

    /// Leaves what an answer's caller need not wait for (a read-only call's event-log write,
    /// taking a remembered answer back as its next copy)
    /// to `after`, which the transport runs once the answer is written
    /// ([`stdio::LineTransport::with_after_answer`]).
    pub fn with_after_answer(mut self, after: Arc<stdio::AfterAnswer>) -> Self {
        self.after_answer = Some(after);
        self
    }

    /// Runs one tool with its events (inline, or on a blocking thread for HTTP calls that are
    /// not quick reads), and turns the outcome into a result:
    /// structured content on success, `isError: true` with the message on a domain failure.
    async fn call<F, O>(
        &self,
        tool: &'static str,
        meta: Map<String, Value>,
        work: F,
    ) -> Result<CallToolResult, McpError>
    where
        F: FnOnce(&Orchestrator, &dialects::HostFacts, &[PathBuf]) -> Result<O, ToolError> + Send + 'static,
        O: tool_support::ToolOutput + Send + 'static,
    {
        let core = Arc::clone(&self.core);
        let facts = Arc::clone(&self.facts);
        let path_dirs = Arc::clone(&self.path_dirs);
        let read_only = self.is_read_only(tool);
        // Over stdio a read-only call's events are written right after its answer
        // (stdio::AfterAnswer).
        let after = self.after_answer.clone();
        let held = (read_only && after.is_some()).then(|| Arc::clone(&core));
        let hold = held.is_some();
        let run = move || {
            let trace_id = events::new_trace_id();
            let started = Instant::now();
            let mut meta = meta;
            meta.insert("tool".into(), json!(tool));
            // The core operation the tool runs records its events under the tool call's trace.
            let traced = core.with_trace(&trace_id);
            let call = |core: &Orchestrator| {
                emit(core, &trace_id, "orchestrator.tool_call_started", Status::Pending, started, meta.clone());
                let outcome = work(core, &facts, &path_dirs);
                match &outcome {
                    Ok(_) => emit(core, &trace_id, "orchestrator.tool_call_completed", Status::Success, started, meta),
                    Err(e) => {
                        meta.insert("error_kind".into(), json!(e.kind_name()));
                        meta.insert("exit_code".into(), json!(e.kind.exit_code()));
                        emit(core, &trace_id, "orchestrator.tool_call_failed", Status::Failure, started, meta);
                    }
                }
                outcome
            };
            // A read-only call's events go to the log in one write when it ends (over stdio,
            // once its answer is written).
            let outcome = match (read_only, hold) {
                (true, true) => traced.with_events_held(call),
                (true, false) => traced.with_events_batched(call),
                (false, _) => call(&traced),
            };
            (trace_id, outcome)
        };
        // Over HTTP a quick read runs on the worker that received it (tens of microseconds of
        // small-file reads; a hand-off to the blocking pool would cost more than the work).
        let inline = self.inline || QUICK_TOOLS.contains(&tool);
        let joined = if inline { Ok(run()) } else { tokio::task::spawn_blocking(run).await };
        let (trace_id, outcome) = joined.map_err(|e| {
            tracing::error!(tool, error = %e, "tool task failed");
            McpError::internal_error(format!("{tool} failed unexpectedly"), None)
        })?;
        let result = match outcome {
            Ok(output) => {
                if let Some((after, taker)) = after.as_ref().zip(output.taker()) {
                    after.want_back(taker);
                }
                output.into_result()
            }
            Err(error) => error.into_result(),
        };
        if let Some((after, core)) = after.as_ref().zip(held) {
            after.push(move || core.flush_held_events());
        }
        let mut trace = MetaObject::new();
        trace.0.insert(TRACE_ID_META.into(), json!(trace_id));
        Ok(result.with_meta(Some(trace)))
    }

    /// True when the tool is annotated read-only.
    fn is_read_only(&self, tool: &str) -> bool {
        self.tool_router.get(tool).and_then(|t| t.annotations.as_ref()).and_then(|a| a.read_only_hint) == Some(true)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Orchestrator, &dialects::HostFacts) -> T + Send + 'static,
    ) -> Result<T, McpError> {
        let core = Arc::clone(&self.core);
        let facts = Arc::clone(&self.facts);
        if self.inline {
            return Ok(work(&core, &facts));
        }
        tokio::task::spawn_blocking(move || work(&core, &facts))
            .await
            .map_err(|_| McpError::internal_error("the request failed unexpectedly", None))
    }
}

/// Appends an event when the home is initialized (a server over a missing home writes nothing).
fn emit(
    core: &Orchestrator,
    trace_id: &str,
    event_type: &str,
    status: Status,
    started: Instant,
    meta: Map<String, Value>,
) {
    let event = Event {
        ts: core.now(),
        event_type: event_type.to_owned(),
        trace_id: trace_id.to_owned(),
        status,
        duration_ms: (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0,
        metadata: meta,
    };
    // Best effort, as in the core: written only into an initialized home, never failing the call.
    core.record_event(&event);
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().enable_prompts().build())
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("mcp-orchestration")
                    .with_description("Signed, content-addressed MCP server configurations for every MCP client"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        prompts::get(&request.name, request.arguments.as_ref()).map(Into::into)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let cursor = request.and_then(|r| r.cursor);
        let page =
            self.blocking(move |core, _| resources::list_page(core, cursor.as_deref(), resources::PAGE_SIZE)).await?;
        let (resources, next_cursor) = page.map_err(|e| McpError::invalid_params(e.message, None))?;
        let mut result = ListResourcesResult::with_all_items(resources);
        result.next_cursor = next_cursor;
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri.clone();
        let read = self.blocking(move |core, facts| resources::read(core, facts, &uri)).await?;
        match read {
            resources::Read::Found(value) => {
                Ok(ReadResourceResult::new(vec![resources::contents(&request.uri, &value)]).into())
            }
            resources::Read::NotFound => Err(resources::not_found(&request.uri)),
            // A resource has no isError: a domain failure (say, a head that fails verification)
            // is an error response carrying the kind and the message that says what to do.
            // The URI's own fault (an id that is not one, say `..%2f..`) is invalid params, -32602.
            resources::Read::Failed(e) => {
                let message = format!("{} ({})", e.message, e.kind_name());
                let data = Some(json!({"kind": e.kind_name(), "exit_code": e.kind.exit_code()}));
                Err(match e.kind {
                    orchestrator::ErrorKind::Usage | orchestrator::ErrorKind::Unsafe => {
                        McpError::invalid_params(message, data)
                    }
                    _ => McpError::internal_error(message, data),
                })
            }
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// One thread for the protocol: rmcp spawns a task per request, and on one thread those run in
/// arrival order, so quick answers (pings) leave in the order their requests came. Tools run
/// inline on that thread too (one session's requests are answered in order anyway).
fn stdio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Serves MCP over stdin/stdout until the client closes stdin. Only protocol messages are
/// written to stdout. When both are pipes (the way MCP clients launch servers), they are read
/// and written through the IO reactor (rmcp's `stdio_pipes`, on descriptors of their own) rather
/// than tokio's stdin/stdout, which hand every read and write to a blocking-pool thread.
///
/// Every line is checked first ([`jsonrpc`]): malformed input gets its JSON-RPC error. A client
/// that closes stdin before `initialize` (a host probing whether the server starts) ends the
/// server quietly with success.
pub fn serve_stdio(core: Orchestrator, project_dirs: Vec<PathBuf>) -> anyhow::Result<()> {
    let after = Arc::new(stdio::AfterAnswer::default());
    let server = McpServer::new(core).with_project_dirs(project_dirs).inline().with_after_answer(Arc::clone(&after));
    stdio_runtime()?.block_on(async move {
        let (read, write) = rmcp::transport::stdio_pipes();
        let transport = stdio::LineTransport::with_after_answer(read, write, Some(after));
        let service = match server.serve(transport).await {
            Ok(service) => service,
            Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => return anyhow::Ok(()),
            Err(e) => return Err(e.into()),
        };
        service.waiting().await?;
        anyhow::Ok(())
    })
}

/// Serves MCP over streamable HTTP at `/mcp` until interrupted (see [`http`]).
pub fn serve_http(core: Orchestrator, options: HttpOptions) -> anyhow::Result<()> {
    runtime()?.block_on(http::run(core, options))
}
