//! The MCP tools: one typed argument struct per tool (its doc comments are what a model reads)
//! and one short method that checks argument sizes, calls the core operation the CLI also
//! calls, and returns structured content. Domain failures become `isError: true` results
//! (see [`crate::error::ToolError`]); wrong argument types are JSON-RPC `invalid_params`
//! errors raised by rmcp before a method runs.
//!
//! Annotations are true statements: read-only tools change nothing but the event log; the
//! tools that write say whether a repeat call changes more (idempotent) and whether they can
//! drop something a user had (destructive). `deploy_config` and `rollback_config` write
//! nothing without `confirm: true`.

use std::path::PathBuf;
use std::sync::Arc;

use orchestrator::page::{self, Page};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData as McpError, Peer, RoleServer, tool, tool_router};
use serde_json::{Map, Value, json};

use crate::McpServer;
use crate::args::*;
use crate::error::ToolError;
use crate::tool_support::*;
pub use crate::tool_support::{MAX_PROFILE_IDS, all_clients, client_list_rows, client_rows};
use crate::{host, output_schemas};

#[tool_router(vis = "pub(crate)")]
impl McpServer {
    /// List the MCP client applications this server can configure (Claude Desktop, Cursor, VS
    /// Code, Claude Code, Codex, …): id, display name, platform, config file location, format,
    /// whether it is installed here, its scopes (`user`, `project`, `local`) with the files of
    /// each found here, its profile count and first profile ids. `detail: true` adds each
    /// client's transports and every candidate config path. Paged: pass `next_cursor` back as
    /// `cursor` for more.
    #[tool(annotations(
        title = "List clients",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn list_clients(&self, Parameters(args): Parameters<ListClientsArgs>) -> Result<CallToolResult, McpError> {
        // With one `serve --project-dir DIR`, the project files shown are DIR's (no roots/list
        // round trip for a listing); otherwise those found from the server's directory.
        let project = match self.project_dirs.as_slice() {
            [dir] => Some(dir.clone()),
            _ => None,
        };
        let memo = Arc::clone(&self.list_memo);
        self.call("list_clients", Map::new(), move |core, facts, _| {
            /// The result, serialized as typed (no map of `Value`s built per row).
            #[derive(serde::Serialize)]
            struct ClientList<'a> {
                count: usize,
                clients: Vec<crate::tool_support::ClientRow>,
                shared_profile_ids: Vec<&'a str>,
                shared_profile_count: usize,
                next_cursor: Option<String>,
            }
            let detail = args.detail.unwrap_or(false);
            let key = (args.limit, args.cursor.clone(), detail, project.clone());
            // Remembered while nothing detection or the profile listing looked at changed.
            memo.get_or_compute(core, key, |consult| {
                let request = page_request(args.limit, args.cursor.as_deref())?;
                let page = page::page_in_order(&all_clients(), &request, "clients", "", |c| c.id)?;
                let facts = match project {
                    Some(dir) => {
                        dialects::HostFacts { project_dir: Some(dir), search_project_root: false, ..facts.clone() }
                    }
                    None => facts.clone(),
                };
                let clients = client_list_rows_consulting(core, &facts, &page.items, detail, consult);
                // The shared profiles every client follows (unless it has its own of that name).
                consult(&core.home().heads_dir(&orchestrator::ids::ClientId::shared()));
                let shared = core.profile_names(orchestrator::ids::SHARED).unwrap_or_default();
                to_value(&ClientList {
                    count: clients.len(),
                    clients,
                    shared_profile_ids: shared.iter().take(MAX_PROFILE_IDS).map(|p| p.as_str()).collect(),
                    shared_profile_count: shared.len(),
                    next_cursor: page.next_cursor,
                })
            })
        })
        .await
    }

    /// List the published profiles of one client by name, each with its head version and
    /// artifact id. Paged (50 by default): pass `next_cursor` back as `cursor` for more.
    #[tool(annotations(
        title = "List profiles",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn list_profiles(&self, Parameters(args): Parameters<ProfilesArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id)]);
        self.call("list_profiles", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let Page { items, next_cursor } = core.profiles_page(&args.client_id, &request)?;
            let value = json!({"client_id": args.client_id, "profiles": to_value(&items)?, "count": items.len()});
            Ok(with_cursor(value, next_cursor))
        })
        .await
    }

    /// Get a profile's signed configuration, verified (hash, signature, trusted key, rollback,
    /// expiry) before it is returned: artifact_id, client_id, profile_id, version, created_at,
    /// payload (the servers document), signature, signing_key_id, metadata.
    #[tool(annotations(
        title = "Get a configuration",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn get_config(&self, Parameters(args): Parameters<GetConfigArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("get_config", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            if let Some(id) = &args.artifact_id {
                check_id("artifact_id", id)?;
                let verified = core.get_artifact(&args.client_id, &args.profile_id, id)?;
                return Ok(Arc::new(Prepared::new(config_value(core, &args.client_id, verified)?)));
            }
            // The head's answer is prepared once per remembered read (the read cache keeps it
            // exactly as long as the read: `Orchestrator::get_derived`).
            let client_id = args.client_id.clone();
            let prepared = core.get_derived(&args.client_id, &args.profile_id, |verified| {
                config_value(core, &client_id, verified.clone()).map(|value| Arc::new(Prepared::new(value)))
            })?;
            (*prepared).clone()
        })
        .await
    }

    /// Compare a configuration with a profile's head and say what to do: status (`up-to-date`,
    /// `outdated`, `diverged`, `missing`, `unmanaged`), local_artifact_id, remote_artifact_id,
    /// diff (servers_added, servers_removed, servers_modified, servers_unchanged, field-level
    /// changes with their impact, summary counts) and a recommendation. Compares
    /// `local_payload`, or `local_artifact_id`, or a client config file (`file`, else the
    /// client's own file on this machine).
    #[tool(annotations(
        title = "Diff a configuration",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn diff_config(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<DiffConfigArgs>,
    ) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        let dirs = if args.file.is_some() || args.scope.is_some() { self.file_dirs(&peer).await } else { Vec::new() };
        self.call("diff_config", meta, move |core, facts, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            let given = [args.local_payload.is_some(), args.local_artifact_id.is_some(), args.file.is_some()];
            if given.iter().filter(|g| **g).count() > 1 {
                return Err(ToolError::usage(
                    "give at most one of local_payload, local_artifact_id and file (none: the client's own file)",
                ));
            }
            let drift = if let Some(payload) = args.local_payload {
                let payload = Value::Object(payload);
                if payload.to_string().len() > MAX_PAYLOAD_BYTES {
                    return Err(ToolError::usage(format!("local_payload is larger than {MAX_PAYLOAD_BYTES} bytes")));
                }
                orchestrator::service::check_servers_document(&payload)?;
                core.diff_document(&args.client_id, &args.profile_id, &payload)?
            } else if let Some(id) = &args.local_artifact_id {
                check_id("local_artifact_id", id)?;
                let local = core.get_artifact(&args.client_id, &args.profile_id, id)?;
                core.diff_document(&args.client_id, &args.profile_id, local.payload())?
            } else {
                client_info(&args.client_id)?;
                let file = host::client_file(
                    &args.client_id,
                    args.file.as_deref(),
                    (args.scope.as_deref(), args.project.as_deref()),
                    facts,
                    &dirs,
                )?;
                core.diff_file(&file, Some(&args.profile_id))?
            };
            to_value(&drift)
        })
        .await
    }

    /// List the MCP servers of the catalog (built-in entries and imported `server.json` files)
    /// that can be added to a configuration with `add_server_to_config`.
    #[tool(annotations(
        title = "List catalog servers",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn list_available_servers(
        &self,
        Parameters(args): Parameters<ListServersArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.call("list_available_servers", Map::new(), move |core, _, _| {
            if let Some(t) = &args.transport {
                check_id("transport", t)?;
            }
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let servers = core.catalog_search(None, args.transport.as_deref())?;
            let page = page::page_in_order(&servers, &request, "servers", "", |e| e.full_name())?;
            let value = json!({"servers": to_value(&page.items)?, "count": page.items.len()});
            Ok(with_cursor(value, page.next_cursor))
        })
        .await
    }

    /// Search the catalog of MCP servers by words in their id, name, description and tags.
    #[tool(annotations(
        title = "Search catalog servers",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn search_servers(
        &self,
        Parameters(args): Parameters<SearchServersArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.call("search_servers", Map::new(), move |core, _, _| {
            check_len("query", &args.query, MAX_TEXT_LEN)?;
            if let Some(t) = &args.transport {
                check_id("transport", t)?;
            }
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let servers = core.catalog_search(Some(&args.query), args.transport.as_deref())?;
            let page = page::page_in_order(&servers, &request, "servers", &args.query, |e| e.full_name())?;
            let value = json!({"query": args.query, "servers": to_value(&page.items)?, "count": page.items.len()});
            Ok(with_cursor(value, page.next_cursor))
        })
        .await
    }

    /// Describe one catalog server: how it is launched, its transport, its parameters and
    /// environment variables (which are required, which are secrets), tags and homepage.
    #[tool(annotations(
        title = "Describe a catalog server",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn describe_server(&self, Parameters(args): Parameters<ServerArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("server_id", &args.server_id)]);
        self.call("describe_server", meta, move |core, _, _| {
            check_id("server_id", &args.server_id)?;
            to_value(&core.catalog_show(&args.server_id)?)
        })
        .await
    }

    /// Add a catalog server to a profile's draft (started from the profile's head), with its
    /// parameters and environment. Nothing is published or written to a client until
    /// `publish_config` and `deploy_config`. Returns the draft.
    #[tool(annotations(
        title = "Add a server to the draft",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn add_server_to_config(
        &self,
        Parameters(args): Parameters<AddServerArgs>,
    ) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[
            ("client_id", &args.client_id),
            ("profile_id", &args.profile_id),
            ("server_id", &args.server_id),
        ]);
        self.call("add_server_to_config", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            check_id("server_id", &args.server_id)?;
            if let Some(name) = &args.name {
                check_id("name", name)?;
            }
            check_map("params", &args.params)?;
            check_map("env", &args.env)?;
            let draft = core.draft_add_server(
                &args.client_id,
                &args.profile_id,
                &args.server_id,
                args.name.as_deref(),
                &args.params,
                &args.env,
            )?;
            to_value(&draft)
        })
        .await
    }

    /// Remove a server entry from a profile's draft. Returns the draft.
    #[tool(annotations(
        title = "Remove a server from the draft",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn remove_server_from_config(
        &self,
        Parameters(args): Parameters<RemoveServerArgs>,
    ) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[
            ("client_id", &args.client_id),
            ("profile_id", &args.profile_id),
            ("server_id", &args.server_id),
        ]);
        self.call("remove_server_from_config", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            check_id("server_id", &args.server_id)?;
            to_value(&core.draft_remove_server(&args.client_id, &args.profile_id, &args.server_id)?)
        })
        .await
    }

    /// Show a profile's draft: the saved one, else the head's servers document (not yet a draft),
    /// else an empty one.
    #[tool(annotations(
        title = "View the draft",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn view_draft_config(&self, Parameters(args): Parameters<ProfileArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("view_draft_config", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            to_value(&core.draft_show(&args.client_id, &args.profile_id)?)
        })
        .await
    }

    /// Discard a profile's draft (the published versions are untouched).
    #[tool(annotations(
        title = "Clear the draft",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn clear_draft_config(&self, Parameters(args): Parameters<ProfileArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("clear_draft_config", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            let cleared = core.draft_discard(&args.client_id, &args.profile_id)?;
            Ok(json!({"client_id": args.client_id, "profile_id": args.profile_id, "cleared": cleared}))
        })
        .await
    }

    /// Validate a profile's draft (or a given servers document) for its client: schema, no
    /// literal secrets, transports the client supports; commands missing from PATH are
    /// warnings. Returns valid, errors and warnings, each with a JSON pointer and what to do.
    #[tool(annotations(
        title = "Validate a configuration",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn validate_config(&self, Parameters(args): Parameters<ValidateArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("validate_config", meta, move |core, _, path_dirs| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            let report = match args.payload {
                Some(payload) => {
                    client_info(&args.client_id)?;
                    let payload = Value::Object(payload);
                    if payload.to_string().len() > MAX_PAYLOAD_BYTES {
                        return Err(ToolError::usage(format!("payload is larger than {MAX_PAYLOAD_BYTES} bytes")));
                    }
                    orchestrator::service::validate_document(&args.client_id, &payload, path_dirs)
                }
                None => core.draft_validate(&args.client_id, &args.profile_id, path_dirs)?,
            };
            to_value(&report)
        })
        .await
    }

    /// Validate and sign a profile's draft as its next version (content-addressed, Ed25519),
    /// then drop the draft. Returns the new artifact (`created: false` and the head when the
    /// draft equals it). Refused when the head moved since the draft was made (publishing it
    /// would undo what was published since): rebase it with the CLI's `draft rebase`.
    #[tool(annotations(
        title = "Publish the draft",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = false
    ))]
    async fn publish_config(&self, Parameters(args): Parameters<PublishArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("publish_config", meta, move |core, _, path_dirs| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            if let Some(note) = &args.note {
                check_len("note", note, MAX_TEXT_LEN)?;
            }
            let outcome = core.draft_publish(&args.client_id, &args.profile_id, args.note.as_deref(), path_dirs)?;
            let mut value = outcome.verified.to_json();
            value["created"] = json!(outcome.created);
            if !outcome.created {
                value["message"] = json!("the draft equals the head: no new version was created");
            }
            Ok(value)
        })
        .await
    }

    /// Write a profile's verified head into a client's config file: only the server entries
    /// the profile owns change, the rest of the file stays byte-for-byte, a backup is kept.
    /// An entry of the file's own with a profile server's name is refused unless named in
    /// `adopt` (or `adopt_all`); a missing config directory is refused unless `create`.
    /// Without `confirm: true` nothing is written and the result is the diff a deploy would
    /// make (`dry_run: true`).
    #[tool(annotations(
        title = "Deploy to a client file",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn deploy_config(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<DeployArgs>,
    ) -> Result<CallToolResult, McpError> {
        let dirs = if args.file.is_some() || args.scope.is_some() { self.file_dirs(&peer).await } else { Vec::new() };
        let mut meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        meta.insert("confirm".into(), json!(args.confirm));
        self.call("deploy_config", meta, move |core, facts, _| {
            check_id("profile_id", &args.profile_id)?;
            client_info(&args.client_id)?;
            let file = host::client_file(&args.client_id, args.file.as_deref(), (args.scope.as_deref(), args.project.as_deref()), facts, &dirs)?;
            if args.adopt.len() > MAX_MAP_ENTRIES {
                return Err(ToolError::usage(format!(
                    "`adopt` has {} names; the limit is {MAX_MAP_ENTRIES}",
                    args.adopt.len()
                )));
            }
            for name in &args.adopt {
                check_id("adopt", name)?;
            }
            let options = orchestrator::service::DeployOptions {
                dry_run: !args.confirm,
                adopt: args.adopt.clone(),
                adopt_all: args.adopt_all,
                // A named file, or a project's, is created where asked.
                create: args.create || args.file.is_some() || args.scope.as_deref() == Some("project"),
                ..Default::default()
            };
            let report = core.deploy_with(&file, &args.profile_id, &options)?;
            let mut value = to_value(&report)?;
            if !args.confirm
                && let Some(object) = value.as_object_mut()
            {
                object.insert(
                    "next_step".into(),
                    json!("nothing was written: show this diff to the user, then call deploy_config again with confirm: true"),
                );
            }
            Ok(value)
        })
        .await
    }

    /// Deploy one profile into every MCP client file on this machine at once (the shared
    /// profile, or a client's own of that name): each file in its own format, remote servers a
    /// client cannot reach written as entries that run the built-in bridge, servers a client
    /// cannot take skipped with the reason. A file that fails is reported and the others
    /// proceed. Without `confirm: true` nothing is written and the result is, per file, the
    /// diff a sync would make. The result's `sync_id` undoes it (`rollback --sync ID`).
    #[tool(annotations(
        title = "Sync every client",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn sync_clients(&self, Parameters(args): Parameters<SyncArgs>) -> Result<CallToolResult, McpError> {
        let mut meta = meta_of(&[("profile_id", &args.profile_id)]);
        meta.insert("confirm".into(), json!(args.confirm));
        self.call("sync_clients", meta, move |core, facts, _| {
            check_id("profile_id", &args.profile_id)?;
            let targets = orchestrator::service::sync_targets(facts);
            let report = core.sync(&args.profile_id, &targets, !args.confirm)?;
            let mut value = to_value(&report)?;
            if !args.confirm
                && let Some(object) = value.as_object_mut()
            {
                object.insert(
                    "next_step".into(),
                    json!("nothing was written: show these diffs to the user, then call sync_clients again with confirm: true"),
                );
            }
            Ok(value)
        })
        .await
    }

    /// Drift of client config files on this machine: for each detected client file (or those
    /// of one client), the profile it is compared with, its status (`up-to-date`, `outdated`,
    /// `diverged`, `missing`, `unmanaged`), the changes a deploy would make and its deployments.
    #[tool(annotations(
        title = "Deployment status",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn get_deployment_status(
        &self,
        Parameters(args): Parameters<StatusArgs>,
    ) -> Result<CallToolResult, McpError> {
        let meta = args.client_id.as_deref().map(|c| meta_of(&[("client_id", c)])).unwrap_or_default();
        self.call("get_deployment_status", meta, move |core, facts, _| {
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let mut files = host::detected_files(facts);
            if let Some(client_id) = &args.client_id {
                client_info(client_id)?;
                files.retain(|f| &f.client_id == client_id);
                if files.is_empty() {
                    files.push(host::client_file(client_id, None, (None, None), facts, &[])?);
                }
            }
            let keyed: Vec<(String, orchestrator::service::ClientFile)> =
                files.into_iter().map(|f| (format!("{} {}", f.client_id, f.path.display()), f)).collect();
            let scope = args.client_id.as_deref().unwrap_or("");
            let page = page::page_in_order(&keyed, &request, "status", scope, |(key, _)| key)?;
            let files: Vec<_> = page.items.into_iter().map(|(_, f)| f).collect();
            let mut rows = Vec::new();
            let mut drifted = 0;
            for outcome in core.status(&files)? {
                match outcome {
                    Ok(drift) => {
                        drifted += usize::from(drift.is_drift());
                        let mut row = to_value(&drift)?;
                        let deployments = core.deployments(&drift.client_id, Some(&PathBuf::from(&drift.file)))?;
                        if let Some(object) = row.as_object_mut() {
                            object.insert("drift".into(), json!(drift.is_drift()));
                            object.insert("deployments".into(), to_value(&deployments)?);
                        }
                        rows.push(row);
                    }
                    Err((file, error)) => {
                        let error = ToolError::from(error);
                        rows.push(json!({
                            "client_id": file.client_id,
                            "file": file.path.display().to_string(),
                            "error": {"kind": error.kind_name(), "exit_code": error.kind.exit_code(), "message": error.message},
                        }));
                    }
                }
            }
            Ok(with_cursor(json!({"files": rows, "count": files.len(), "drifted": drifted}), page.next_cursor))
        })
        .await
    }

    /// Restore a client config file's earlier bytes: by default those before its latest deploy
    /// or rollback; with `deployment_id`, those right after that deployment (`original`: from
    /// before the first deploy). Refused when the file changed since it was written, unless
    /// `force`; with nothing to undo nothing is written. The restore is
    /// recorded and can itself be rolled back. Without `confirm: true` nothing is written and
    /// the result is the diff the rollback would make.
    #[tool(annotations(
        title = "Roll back a client file",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false,
        open_world_hint = false
    ))]
    async fn rollback_config(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<RollbackArgs>,
    ) -> Result<CallToolResult, McpError> {
        let dirs = if args.file.is_some() || args.scope.is_some() { self.file_dirs(&peer).await } else { Vec::new() };
        let mut meta = meta_of(&[("client_id", &args.client_id)]);
        meta.insert("confirm".into(), json!(args.confirm));
        self.call("rollback_config", meta, move |core, facts, _| {
            client_info(&args.client_id)?;
            if let Some(id) = &args.deployment_id {
                check_id("deployment_id", id)?;
            }
            let file = host::client_file(
                &args.client_id,
                args.file.as_deref(),
                (args.scope.as_deref(), args.project.as_deref()),
                facts,
                &dirs,
            )?;
            if !args.confirm {
                let preview = core.rollback_preview(&file, args.deployment_id.as_deref())?;
                let mut value = to_value(&preview)?;
                value["dry_run"] = json!(true);
                value["next_step"] =
                    json!("nothing was written: call rollback_config again with confirm: true to restore");
                return Ok(value);
            }
            let report = core.rollback(&file, args.deployment_id.as_deref(), args.force)?;
            to_value(&report)
        })
        .await
    }

    /// The verified version history of a profile, oldest first: version, artifact_id,
    /// created_at, previous (the hash chain), metadata, and whether each verified. Paged (50
    /// by default): pass `next_cursor` back as `cursor` for later versions.
    #[tool(annotations(
        title = "List a profile's history",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn list_history(&self, Parameters(args): Parameters<HistoryArgs>) -> Result<CallToolResult, McpError> {
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("list_history", meta, move |core, _, _| {
            check_id("client_id", &args.client_id)?;
            check_id("profile_id", &args.profile_id)?;
            let request = page_request(args.limit, args.cursor.as_deref())?;
            let page = core.history_page(&args.client_id, &args.profile_id, &request)?;
            let entries: Vec<_> = page.items.iter().map(orchestrator::service::HistorySummary::of).collect();
            let value = json!({"client_id": args.client_id, "profile_id": args.profile_id, "count": entries.len(),
                               "entries": to_value(&entries)?});
            Ok(with_cursor(value, page.next_cursor))
        })
        .await
    }

    /// Verify stored artifacts (hash, signature, trusted key, hash chain, rollback and expiry
    /// of heads): one artifact id, or every version of every profile. `verified` is true when
    /// all passed; each failure says which check failed.
    #[tool(annotations(
        title = "Verify artifacts",
        read_only_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn verify_artifact(&self, Parameters(args): Parameters<VerifyArgs>) -> Result<CallToolResult, McpError> {
        let meta = args.artifact_id.as_deref().map(|a| meta_of(&[("artifact_id", a)])).unwrap_or_default();
        self.call("verify_artifact", meta, move |core, _, _| {
            if let Some(id) = &args.artifact_id {
                check_id("artifact_id", id)?;
            }
            let outcomes = core.verify(args.artifact_id.as_deref())?;
            let rows: Vec<Value> = outcomes
                .iter()
                .map(|o| {
                    let mut row = to_value(o).unwrap_or(Value::Null);
                    if let (Some(kind), Some(object)) = (o.kind, row.as_object_mut()) {
                        object.insert("error_kind".into(), json!(crate::error::kind_name(kind)));
                    }
                    row
                })
                .collect();
            let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
            Ok(json!({"verified": failed == 0, "checked": outcomes.len(), "failed": failed, "outcomes": rows}))
        })
        .await
    }

    /// Read a client's live config file into a profile's draft (literal secrets are moved to
    /// the local secret store and replaced by references); with `publish: true` also sign it
    /// as the profile's next version. The client file itself is never changed.
    #[tool(annotations(
        title = "Import a client file",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false,
        open_world_hint = false
    ))]
    async fn import_client_config(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<ImportArgs>,
    ) -> Result<CallToolResult, McpError> {
        let dirs = if args.file.is_some() || args.scope.is_some() { self.file_dirs(&peer).await } else { Vec::new() };
        let meta = meta_of(&[("client_id", &args.client_id), ("profile_id", &args.profile_id)]);
        self.call("import_client_config", meta, move |core, facts, _| {
            check_id("profile_id", &args.profile_id)?;
            client_info(&args.client_id)?;
            let file = host::client_file(
                &args.client_id,
                args.file.as_deref(),
                (args.scope.as_deref(), args.project.as_deref()),
                facts,
                &dirs,
            )?;
            let mut value = to_value(&core.import_file(&file, &args.profile_id, args.publish)?)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("file".into(), json!(file.path.display().to_string()));
            }
            Ok(value)
        })
        .await
    }
}

/// The names of every tool, in router order.
pub fn tool_names() -> Vec<String> {
    router().list_all().into_iter().map(|t| t.name.to_string()).collect()
}

/// Used by the router builder: every tool with its output schema, and every object schema
/// (input and output) with `properties` (see [`crate::output_schemas`]).
pub(crate) fn router() -> ToolRouter<McpServer> {
    let mut router = McpServer::tool_router() + McpServer::remote_tool_router() + McpServer::audit_tool_router();
    for route in router.map.values_mut() {
        let mut input = Value::Object(route.attr.input_schema.as_ref().clone());
        output_schemas::with_properties(&mut input);
        if let Value::Object(input) = input {
            route.attr.input_schema = std::sync::Arc::new(input);
        }
        route.attr.output_schema = output_schemas::for_tool(&route.attr.name).map(std::sync::Arc::new);
    }
    router
}

/// `get_config`'s structured content for a verified artifact: the artifact, which profile it
/// was (the client's own, or the shared one it follows), and the document as that client takes
/// it (a shared profile adapted to the client).
fn config_value(
    core: &orchestrator::Orchestrator,
    client_id: &str,
    verified: orchestrator::artifact::Verified,
) -> Result<Value, ToolError> {
    let layer = orchestrator::service::Layer::of(&verified);
    let rendered = core.rendered_for(client_id, &verified)?;
    let mut value = verified.into_json();
    value["layer"] = json!(layer.as_str());
    value["served_for"] = json!(client_id);
    value["rendered_for_client"] = to_value(&rendered)?;
    Ok(value)
}
