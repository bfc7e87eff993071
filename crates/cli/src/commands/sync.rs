//! One list, every client: `sync`, `add`, `remove` and `rollback --sync`.
//!
//! `sync` first computes every file's change without writing (one table on stdout, the diffs
//! with `--dry-run`), then asks once on a terminal (`--yes` in scripts; refused without a
//! terminal) and deploys file by file. The exit code is 0 when every file succeeded, else the
//! documented code of the first failure.

use orchestrator::service::{ServerSource, SyncReport, sync_targets};
use serde_json::json;

use super::catalog::pairs;
use super::files::facts_for;
use crate::Context;
use crate::args::{AddArgs, EditTarget, RemoveArgs, SyncArgs};
use crate::output;

/// The subject a one-step edit changes: a client, or the shared profiles.
fn subject(target: &EditTarget) -> &str {
    target.client.as_deref().unwrap_or(orchestrator::ids::SHARED)
}

/// One row per file: client, scope, what changes, the file.
fn table(report: &SyncReport) -> String {
    use crate::output::{Cell, Table, Tone};
    let mut table = Table::new(&["CLIENT", "SCOPE", "CHANGE", "FILE"]);
    for f in &report.files {
        let change = match (&f.deploy, &f.error) {
            (Some(d), _) => {
                let (verdict, tone) = match (d.changed, report.dry_run) {
                    (true, true) => ("would change", Tone::Warn),
                    (true, false) => ("changed", Tone::Warn),
                    (false, _) => ("up to date", Tone::Good),
                };
                let mut parts = vec![verdict.to_owned()];
                if d.layer == orchestrator::service::Layer::Client {
                    parts.push("own profile".into());
                }
                if !d.bridged.is_empty() {
                    parts.push(format!("bridged: {}", d.bridged.join(",")));
                }
                if !d.skipped.is_empty() {
                    let names: Vec<&str> = d.skipped.iter().map(|s| s.server.as_str()).collect();
                    parts.push(format!("skipped: {}", names.join(",")));
                }
                Cell::toned(parts.join("; "), tone)
            }
            (None, _) => Cell::toned("FAILED (see below)", Tone::Bad),
        };
        table.row([
            Cell::from(f.client_id.as_str()),
            Cell::from(f.scope.as_str()),
            change,
            Cell::from(output::tilde(&f.file)),
        ]);
    }
    table.keep_whole(&[0]);
    table.render()
}

/// Tells what the table does not: failures, skipped servers, clients not installed.
fn notes(report: &SyncReport) {
    for f in &report.files {
        if let Some(error) = &f.error {
            output::say(&format!("{} ({}): {error}", f.client_id, f.file));
        }
        for skipped in f.deploy.iter().flat_map(|d| &d.skipped) {
            output::say(&format!("{}: {} left out of {}: {}", f.client_id, skipped.server, f.file, skipped.reason));
        }
    }
    if !report.not_installed.is_empty() {
        output::say(&format!("not installed here (skipped): {}", report.not_installed.join(", ")));
    }
}

/// Runs a sync of `profile` (dry run first, then the confirmed write) and prints it. With
/// `--json`, `before` (what ran first: `add`/`remove`'s `change`, `sync --from`'s `policies`
/// and `pulled`) is printed in the same object, so stdout stays one JSON document.
fn run_sync(
    ctx: &Context,
    profile: &str,
    dry_run: bool,
    yes: bool,
    project: Option<&std::path::PathBuf>,
    before: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<u8> {
    let print_json = |report: &SyncReport| -> anyhow::Result<()> {
        let mut value = serde_json::to_value(report)?;
        for (key, part) in &before {
            value[key] = part.clone();
        }
        output::json(&value);
        Ok(())
    };
    let facts = facts_for(project)?;
    let targets = sync_targets(&facts);
    let plan = ctx.core.sync(profile, &targets, true)?;
    if dry_run || plan.changed() == 0 {
        if ctx.json {
            print_json(&plan)?;
        } else {
            output::data(&table(&plan));
            if dry_run {
                for f in &plan.files {
                    if let Some(d) = f.deploy.as_ref().filter(|d| d.changed) {
                        output::data(&d.diff);
                    }
                }
            }
            notes(&plan);
            let verdict = if plan.changed() == 0 { "every file is up to date" } else { "dry run" };
            output::say(&format!("{verdict}: nothing was written"));
        }
        return Ok(plan.exit_code());
    }
    if !ctx.json {
        output::data(&table(&plan));
        notes(&plan);
    }
    let action = format!("write {} client file(s) with profile '{profile}'", plan.changed());
    if !output::confirm(&action, yes)? {
        output::say("nothing was written");
        return Ok(0);
    }
    let progress = output::Progress::start("syncing", None);
    let report = ctx.core.sync(profile, &targets, false)?;
    progress.finish();
    if ctx.json {
        print_json(&report)?;
        return Ok(report.exit_code());
    }
    for f in &report.files {
        if let Some(error) = &f.error {
            output::say(&format!("FAILED {} ({}): {error}", f.client_id, f.file));
        } else if let Some(d) = f.deploy.as_ref().filter(|d| d.changed) {
            output::say(&format!("wrote {} ({} v{})", f.file, d.artifact_id, d.version));
        }
    }
    let id = report.sync_id.as_deref().unwrap_or("-");
    if report.ok {
        output::say(&format!(
            "sync {id}: {} file(s) written; undo with `mcp-orchestration rollback --sync {id}`",
            report.changed()
        ));
    } else {
        let failed = report.files.iter().filter(|f| f.error.is_some()).count();
        output::say(&format!(
            "sync {id}: {} file(s) written, {failed} failed; undo what was written with `mcp-orchestration rollback --sync {id}`",
            report.changed()
        ));
    }
    Ok(report.exit_code())
}

pub fn sync(ctx: &Context, args: &SyncArgs) -> anyhow::Result<u8> {
    let mut before = serde_json::Map::new();
    if let Some(remote) = &args.from {
        // The profile of every subject (shared and each client's own), verified and stored first.
        let profile = orchestrator::ids::ProfileId::parse(&args.profile).map_err(orchestrator::Error::from)?;
        let scope = orchestrator::remote::Scope { subject: None, profile: Some(profile) };
        // The organisation's policies first, so the deploy below enforces what they say now.
        let policies = orchestrator::service::PolicyScope::default();
        let pulled = ctx.core.policy_pull(Some(remote), &policies, &crate::env::registry_credentials())?;
        if ctx.json {
            before.insert("policies".into(), serde_json::to_value(&pulled)?);
        } else if !pulled.policies.is_empty() {
            super::policy::print_transfer(ctx, &pulled)?;
        }
        let report = ctx.core.pull(Some(remote), &scope, &crate::env::registry_credentials())?;
        if ctx.json {
            before.insert("pulled".into(), serde_json::to_value(&report)?);
        } else {
            super::remote::print_pull(ctx, &report)?;
        }
    }
    run_sync(ctx, &args.profile, args.dry_run, args.yes, args.project.as_ref(), before)
}

/// `add`/`remove --sync`: the sync of the profile just changed, with the change printed in the
/// same JSON document under `change`.
fn sync_after(
    ctx: &Context,
    profile: &str,
    yes: bool,
    change: &orchestrator::service::ServerChange,
) -> anyhow::Result<u8> {
    let change = serde_json::to_value(change)?;
    run_sync(ctx, profile, false, yes, None, serde_json::Map::from_iter([("change".to_owned(), change)]))
}

fn path_dirs() -> Vec<std::path::PathBuf> {
    crate::env::var("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

/// Prints what `add`/`remove` did (with `--json` and `then_sync`, the sync prints it).
fn report_change(ctx: &Context, change: &orchestrator::service::ServerChange, then_sync: bool) -> anyhow::Result<()> {
    for moved in &change.secrets_moved {
        output::say(&format!(
            "moved the literal secret at {} into the secret store as {} (the profile says ${{secret:{}}})",
            moved.pointer, moved.secret, moved.secret
        ));
    }
    for warning in &change.warnings {
        output::say(&format!("warning: {warning}"));
    }
    if ctx.json {
        if !then_sync {
            output::json(&serde_json::to_value(change)?);
        }
        return Ok(());
    }
    let whose = if change.client_id == orchestrator::ids::SHARED {
        format!("shared profile '{}'", change.profile_id)
    } else {
        format!("{}/{}", change.client_id, change.profile_id)
    };
    if change.created {
        output::say(&format!(
            "{} {} {} {whose}: now v{} {}",
            change.action,
            change.server,
            if change.action == "removed" { "from" } else { "in" },
            change.version,
            change.artifact_id
        ));
    } else {
        output::say(&format!("{whose} already had that: no new version (v{} {})", change.version, change.artifact_id));
    }
    Ok(())
}

pub fn add(ctx: &Context, args: &AddArgs) -> anyhow::Result<u8> {
    let env = pairs(&args.env, "--env")?;
    let source = if let Some(url) = &args.url {
        ServerSource::Url {
            url: url.clone(),
            transport: args.transport.clone(),
            headers: pairs(&args.headers, "--header")?,
        }
    } else if let Some((command, rest)) = args.command.split_first() {
        ServerSource::Command { command: command.clone(), args: rest.to_vec(), env }
    } else {
        ServerSource::Catalog {
            id: args.from.clone().unwrap_or_else(|| args.name.clone()),
            params: pairs(&args.params, "--param")?,
            env,
        }
    };
    let change = ctx.core.add_server(subject(&args.target), &args.target.profile, &args.name, &source, &path_dirs())?;
    report_change(ctx, &change, args.target.sync)?;
    if args.target.sync {
        return sync_after(ctx, &args.target.profile, args.target.yes, &change);
    }
    if !ctx.json {
        output::say(&format!("deploy it everywhere with `mcp-orchestration sync --profile {}`", args.target.profile));
    }
    Ok(0)
}

pub fn remove(ctx: &Context, args: &RemoveArgs) -> anyhow::Result<u8> {
    let change = ctx.core.remove_server(subject(&args.target), &args.target.profile, &args.name)?;
    report_change(ctx, &change, args.target.sync)?;
    if args.target.sync {
        return sync_after(ctx, &args.target.profile, args.target.yes, &change);
    }
    if !ctx.json {
        output::say(&format!("take it out everywhere with `mcp-orchestration sync --profile {}`", args.target.profile));
    }
    Ok(0)
}

pub fn rollback_sync(ctx: &Context, sync_id: &str, force: bool) -> anyhow::Result<u8> {
    let files = ctx.core.rollback_sync(sync_id, force, &facts_for(None)?)?;
    let code = files.iter().find_map(|f| f.exit_code).unwrap_or(0);
    if ctx.json {
        output::json(&json!({"sync_id": sync_id, "files": files}));
        return Ok(code);
    }
    for f in &files {
        match &f.error {
            None => output::say(&format!("restored {} ({})", f.file, f.client_id)),
            Some(error) => output::say(&format!("NOT restored {} ({}): {error}", f.file, f.client_id)),
        }
    }
    Ok(code)
}
