//! The MCP tools that share profiles through an OCI registry: `pull_profiles` (verifies and
//! stores new versions; writes no client file) and `push_profiles` (uploads nothing without
//! `confirm: true`). Credentials come from this machine (`registry_auth`), never from the
//! model, and never appear in results or events.

use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::remote::Scope;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData as McpError, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use crate::McpServer;
use crate::error::ToolError;
use crate::registry_auth;
use crate::tool_support::{check_id, meta_of, to_value};

/// Arguments of `pull_profiles` and `push_profiles`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::args::portable)]
pub struct RemoteArgs {
    /// The remote's name (see `mcp-orchestration remote list`); the only one configured when
    /// omitted.
    #[serde(default)]
    pub remote: Option<String>,
    /// Only this client's own profiles (`_shared` for the shared ones). Omitted: every client's
    /// and the shared ones, unless `profile_id` alone is given (then the shared profile).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Only this profile.
    #[serde(default)]
    pub profile_id: Option<String>,
    /// `push_profiles` only: `true` uploads. Omitted or `false`: nothing is uploaded and the
    /// result shows, per profile, whether the remote is ahead, behind or equal.
    #[serde(default)]
    pub confirm: bool,
}

fn scope_of(args: &RemoteArgs) -> Result<Scope, ToolError> {
    for (name, value) in [("remote", &args.remote), ("client_id", &args.client_id), ("profile_id", &args.profile_id)] {
        if let Some(value) = value {
            check_id(name, value)?;
        }
    }
    let profile = args.profile_id.as_deref().map(ProfileId::parse).transpose().map_err(orchestrator::Error::from)?;
    let subject = match &args.client_id {
        Some(c) => Some(ClientId::parse_subject(c).map_err(orchestrator::Error::from)?),
        None if profile.is_some() => Some(ClientId::shared()),
        None => None,
    };
    Ok(Scope { subject, profile })
}

fn meta(args: &RemoteArgs) -> serde_json::Map<String, serde_json::Value> {
    let mut meta = meta_of(&[
        ("remote", args.remote.as_deref().unwrap_or("")),
        ("client_id", args.client_id.as_deref().unwrap_or("")),
        ("profile_id", args.profile_id.as_deref().unwrap_or("")),
    ]);
    meta.insert("confirm".into(), json!(args.confirm));
    meta
}

#[tool_router(router = remote_tool_router, vis = "pub(crate)")]
impl McpServer {
    /// Download new versions of shared profiles from a remote OCI registry (configured with
    /// `mcp-orchestration remote add`), verify every one (trusted signer, hash, profile,
    /// history chain, no rollback, not expired) and store them only when all verify. Client
    /// files are not changed: call sync_clients to deploy. Trust is never taken from the remote.
    #[tool(annotations(
        title = "Pull profiles from a remote",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    async fn pull_profiles(&self, Parameters(args): Parameters<RemoteArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta(&args);
        self.call("pull_profiles", meta, move |core, _, _| {
            let scope = scope_of(&args)?;
            to_value(&core.pull(args.remote.as_deref(), &scope, &registry_auth::source())?)
        })
        .await
    }

    /// Upload this machine's profile versions that a remote OCI registry lacks, then move the
    /// remote's heads. Refused (conflict) when the remote holds a version this machine has not
    /// seen: pull first. Without `confirm: true` nothing is uploaded and the result compares
    /// each profile with the remote.
    #[tool(annotations(
        title = "Push profiles to a remote",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    async fn push_profiles(&self, Parameters(args): Parameters<RemoteArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta(&args);
        self.call("push_profiles", meta, move |core, _, _| {
            let scope = scope_of(&args)?;
            let source = registry_auth::source();
            if !args.confirm {
                let rows = core.remote_status(args.remote.as_deref(), &scope, &source)?;
                return Ok(json!({
                    "dry_run": true,
                    "profiles": to_value(&rows)?,
                    "next_step": "nothing was uploaded: show this to the user, then call push_profiles again with confirm: true",
                }));
            }
            let report = core.push(args.remote.as_deref(), &scope, &source)?;
            Ok(json!({"dry_run": false, "remote": report.remote, "profiles": to_value(&report.profiles)?}))
        })
        .await
    }
}
