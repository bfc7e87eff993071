//! Client files: `import`, `render`, `deploy`, `rollback`, `deployments`.

use std::path::PathBuf;

use orchestrator::service::{ClientFile, DeployOptions};
use serde_json::json;

use crate::args::{DeployArgs, FileArgs, ImportArgs, RenderArgs, RollbackArgs, ScopeArg, ScopeArgs};
use crate::output::{self, UsageError};
use crate::{Context, env};

/// The dialects' scope of a `--scope` value.
pub fn scope_of(arg: ScopeArg) -> dialects::Scope {
    match arg {
        ScopeArg::User => dialects::Scope::User,
        ScopeArg::Project => dialects::Scope::Project,
        ScopeArg::Local => dialects::Scope::Local,
    }
}

/// Host facts with `--project DIR` applied (exit 2 when it is not a directory).
pub fn facts_for(project: Option<&PathBuf>) -> anyhow::Result<dialects::HostFacts> {
    env::host_facts_for(project.map(PathBuf::as_path)).map_err(|message| UsageError(message).into())
}

/// The client file a command works on: `--file`, else the client's file of `--scope` (the
/// user's own by default), with the project of `--project` or found upward from here.
pub fn client_file(client_id: &str, file: Option<&PathBuf>, scope: &ScopeArgs) -> anyhow::Result<ClientFile> {
    let facts = facts_for(scope.project.as_ref())?;
    Ok(match (file, scope.scope) {
        (Some(path), _) => ClientFile::at(client_id, path, &facts),
        (None, Some(arg)) => ClientFile::in_scope(client_id, scope_of(arg), &facts)?,
        (None, None) => ClientFile::default_for(client_id, &facts)?,
    })
}

/// The client file of commands without `--scope` (rollback): `--file`, else the user's own.
fn user_file(client_id: &str, file: Option<&PathBuf>) -> anyhow::Result<ClientFile> {
    client_file(client_id, file, &ScopeArgs { scope: None, project: None })
}

pub fn import(ctx: &Context, args: &ImportArgs) -> anyhow::Result<u8> {
    let file = client_file(&args.client, args.file.as_ref(), &args.scope)?;
    let report = ctx.core.import_file(&file, &args.profile, args.publish)?;
    for moved in &report.secrets_moved {
        output::say(&format!(
            "moved the literal secret at {} into the secret store as {} (the profile says ${{secret:{}}})",
            moved.pointer, moved.secret, moved.secret
        ));
    }
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    let count = report.document["mcpServers"].as_object().map_or(0, |m| m.len());
    if report.published.is_none() {
        output::say(&format!("imported {count} server(s) from {} into draft {}", file.path.display(), report.draft));
    }
    if let Some(published) = &report.published {
        output::say(&format!(
            "imported {count} server(s) from {} and published {}/{} v{} {} (no draft left)",
            file.path.display(),
            args.client,
            args.profile,
            published["version"],
            published["artifact_id"].as_str().unwrap_or_default()
        ));
    }
    Ok(0)
}

pub fn render(ctx: &Context, args: &RenderArgs) -> anyhow::Result<u8> {
    let file = client_file(&args.client, args.into.as_ref(), &args.scope)?;
    let bytes = ctx.core.render_file(&file, &args.profile)?;
    output::data(&bytes);
    Ok(0)
}

pub fn deploy(ctx: &Context, args: &DeployArgs) -> anyhow::Result<u8> {
    let file = client_file(&args.client, args.file.as_ref(), &args.scope)?;
    let options = DeployOptions {
        dry_run: args.dry_run,
        adopt: args.adopt.clone(),
        adopt_all: args.adopt_all,
        // A file named with --file is created where asked; the client's own file only with
        // --create (its directory missing means the client is not installed here).
        // So is a project's file: the project directory is the user's to name.
        create: args.create || args.file.is_some() || args.scope.scope == Some(ScopeArg::Project),
        ..Default::default()
    };
    let report = ctx.core.deploy_with(&file, &args.profile, &options)?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    adaptation_notes(&args.client, &args.profile, &report);
    if args.dry_run {
        output::diff(&report.diff);
        let verdict = if report.changed { "would change" } else { "would not change" };
        output::say(&format!("dry run: {} {verdict}; nothing was written", report.file));
        return Ok(0);
    }
    for name in &report.adopted {
        output::say(&format!("adopted {name}: the profile manages it from now on"));
    }
    if report.deployment_id.is_none() {
        output::say(&format!(
            "already up to date: {}/{} v{} {} in {}; nothing written, no deployment recorded",
            args.client, args.profile, report.version, report.artifact_id, report.file
        ));
        return Ok(0);
    }
    let verb = if report.changed { "deployed" } else { "already up to date:" };
    output::say(&format!(
        "{verb} {}/{} v{} {} into {}",
        args.client, args.profile, report.version, report.artifact_id, report.file
    ));
    for name in &report.removed_servers {
        output::say(&format!("removed {name} (an earlier deploy of this profile wrote it)"));
    }
    secret_notes(&args.client, &report);
    if let Some(id) = &report.deployment_id {
        output::say(&format!(
            "deployment {id}: undo with `mcp-orchestration rollback {} --file {}`",
            args.client, report.file
        ));
    }
    Ok(0)
}

/// One line per way the file takes its secrets: what the user must do for the client to have
/// them, or that the file holds them (and is 0600).
pub(crate) fn secret_notes(client: &str, report: &orchestrator::service::DeployReport) {
    if !report.secrets_from_environment.is_empty() {
        let names = report.secrets_from_environment.join(" ");
        output::say(&format!(
            "{client} reads {names} from its environment (the file holds references): export them where {client} starts, or start it with `mcp-orchestration exec -- {client}`"
        ));
    }
    if !report.secrets_prompted.is_empty() {
        output::say(&format!(
            "{client} asks once for {} (a password prompt in the file's inputs) and keeps it in its own secret storage",
            report.secrets_prompted.join(", ")
        ));
    }
    if !report.secrets_in_file.is_empty() {
        output::say(&format!(
            "{} holds the values of {} in plain text ({client} cannot read them from elsewhere); the file is 0600",
            report.file,
            report.secrets_in_file.join(", ")
        ));
    }
}

pub fn rollback(ctx: &Context, args: &RollbackArgs) -> anyhow::Result<u8> {
    if let Some(sync_id) = &args.sync {
        return super::sync::rollback_sync(ctx, sync_id, args.force);
    }
    let client = args.client.as_deref().unwrap_or_default();
    let file = user_file(client, args.file.as_ref())?;
    if args.dry_run {
        let preview = ctx.core.rollback_preview(&file, args.to.as_deref())?;
        if ctx.json {
            output::json(&serde_json::to_value(&preview)?);
            return Ok(0);
        }
        output::diff(&preview.diff);
        if preview.nothing_to_undo {
            output::say(&format!("dry run: nothing to undo in {}; nothing was written", preview.file));
        } else {
            output::say(&format!(
                "dry run: {} would be restored from deployment {}; nothing was written",
                preview.file,
                preview.restores_from.as_deref().unwrap_or("-")
            ));
            if preview.changed_since {
                output::say("the file changed since it was written: a rollback needs --force and loses those edits");
            }
        }
        return Ok(0);
    }
    let report = ctx.core.rollback(&file, args.to.as_deref(), args.force)?;
    let from = report.restored_from.as_deref().unwrap_or("-");
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
    } else if report.nothing_to_undo {
        output::say(&format!("nothing to undo: {} already holds those bytes; nothing was written", report.file));
    } else if report.removed {
        output::say(&format!("removed {} (it did not exist before deployment {from})", report.file));
    } else {
        output::say(&format!(
            "restored {} (deployment {from}); recorded as {}",
            report.file,
            report.deployment_id.as_deref().unwrap_or("-")
        ));
    }
    Ok(0)
}

pub fn deployments(ctx: &Context, args: &FileArgs) -> anyhow::Result<u8> {
    let records = ctx.core.deployments(&args.client, args.file.as_deref())?;
    if ctx.json {
        output::json(&json!({"client_id": args.client, "deployments": records}));
        return Ok(0);
    }
    if records.is_empty() {
        output::say(&format!("no deployments of {} yet", args.client));
        return Ok(0);
    }
    let mut table = output::Table::new(&["DEPLOYMENT", "KIND", "WHAT", "FILE"]);
    for r in &records {
        let what = match (&r.profile_id, r.version) {
            (Some(p), Some(v)) => format!("{p} v{v}"),
            (Some(p), None) => format!("{p} (restore of {})", r.restores.as_deref().unwrap_or("?")),
            _ => "-".to_owned(),
        };
        let kind = serde_json::to_value(r.kind)?.as_str().map(str::to_owned).unwrap_or_else(|| format!("{:?}", r.kind));
        table.row([r.deployment_id.to_string(), kind, what, output::tilde(&r.file)]);
    }
    table.print();
    Ok(0)
}

/// Which layer was deployed, and what was adapted for the client: bridged and skipped servers.
pub(crate) fn adaptation_notes(client: &str, profile: &str, report: &orchestrator::service::DeployReport) {
    if report.layer == orchestrator::service::Layer::Shared {
        output::say(&format!("{client} has no profile '{profile}' of its own: it follows the shared one"));
    }
    for name in &report.bridged {
        output::say(&format!(
            "{name}: {client} cannot speak to remote servers, so its entry runs `mcp-orchestration bridge` to reach it"
        ));
    }
    for skipped in &report.skipped {
        output::say(&format!("{}: left out of {}: {}", skipped.server, report.file, skipped.reason));
    }
}
