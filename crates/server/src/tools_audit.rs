//! The MCP tool `audit_clients`: every MCP client file on this machine (user, project and
//! local scope) checked against the profiles, locks and policies this home trusts — the core's
//! `audit_ci`, as `mcp-orchestration audit --ci` runs it, without `--probe` (a model never makes
//! this server ask registries or start the servers it audits). Read-only; findings are paged.
//! Findings name files, servers and rules, never a value from a file (the core builds them so).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData as McpError, tool, tool_router};
use serde_json::Map;

use crate::McpServer;
use crate::args::PageArgs;
use crate::tool_support::{page_request, to_value};

#[tool_router(router = audit_tool_router, vis = "pub(crate)")]
impl McpServer {
    /// Audit every MCP client file on this machine (each detected client, user/project/local
    /// scope) against the profiles, locks and policies this home trusts: drift from the
    /// profile a file follows, servers a policy denies, unpinned or changed packages. Returns
    /// the files checked, `fails` (true when any finding is an error or a warning), counts by
    /// level and a page of findings (rule_id, level, client_id, scope, file, line, server,
    /// message). Nothing is changed and nothing is fetched: no registry is asked and no server
    /// is started. Paged: pass `next_cursor` back as `cursor` for more findings.
    #[tool(annotations(
        title = "Audit client files",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn audit_clients(&self, Parameters(args): Parameters<PageArgs>) -> Result<CallToolResult, McpError> {
        self.call("audit_clients", Map::new(), move |core, facts, _| {
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let report = core.audit_ci(facts, &orchestrator::audit::CiOptions { probe: None })?;
            to_value(&report.page(&request)?)
        })
        .await
    }
}
