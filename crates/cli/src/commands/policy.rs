//! `policy sign|trust|list|remove|check|push|pull`: signed policies, what they say of a
//! document, and their travel through a remote.

use orchestrator::policy::PolicyLayer;
use orchestrator::service::{PolicyReport, PolicySummary};
use serde_json::json;

use super::files::client_file;
use crate::Context;
use crate::args_policy::{LayerArg, PolicyCheckArgs, PolicyCommand, PolicySignArgs, PolicyTransferArgs};
use crate::output::{self, Tone, UsageError};

fn layer_of(arg: LayerArg) -> PolicyLayer {
    match arg {
        LayerArg::Org => PolicyLayer::Org,
        LayerArg::Team => PolicyLayer::Team,
        LayerArg::User => PolicyLayer::User,
    }
}

fn read(path: &std::path::Path, what: &'static str) -> anyhow::Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|e| orchestrator::fsutil::FsError::new(what, path, e))?)
}

pub fn run(ctx: &Context, command: &PolicyCommand) -> anyhow::Result<u8> {
    match command {
        PolicyCommand::Sign(args) => sign(ctx, args),
        PolicyCommand::Trust { file } => {
            let bytes = read(file, "cannot read policy file")?;
            let (summary, replaced) = ctx.core.policy_trust(&bytes, file)?;
            if ctx.json {
                output::json(&json!({"installed": summary, "replaced": replaced}));
            } else {
                output::say(&format!(
                    "{} policy {}/{} version {} (signed by {}): publish, deploy, sync and add now enforce it",
                    if replaced { "replaced" } else { "installed" },
                    summary.layer,
                    summary.name,
                    summary.version.unwrap_or(0),
                    summary.key_id.as_deref().unwrap_or("?")
                ));
            }
            Ok(0)
        }
        PolicyCommand::List => list(ctx),
        PolicyCommand::Remove { name, layer } => {
            let removed = ctx.core.policy_remove(name, layer.map(layer_of))?;
            if ctx.json {
                output::json(&json!({"removed": removed}));
            } else {
                output::say(&format!("removed policy {}/{}", removed.layer, removed.name));
            }
            Ok(0)
        }
        PolicyCommand::Check(args) => check(ctx, args),
        PolicyCommand::Render(args) => super::policy_render::run(ctx, args),
        PolicyCommand::Push(args) => transfer(ctx, args, true),
        PolicyCommand::Pull(args) => transfer(ctx, args, false),
    }
}

fn transfer(ctx: &Context, args: &PolicyTransferArgs, push: bool) -> anyhow::Result<u8> {
    let scope = orchestrator::service::PolicyScope { layer: args.layer.map(layer_of), name: args.name.clone() };
    let credentials = crate::env::registry_credentials();
    let report = if push {
        ctx.core.policy_push(args.remote.as_deref(), &scope, &credentials)?
    } else {
        ctx.core.policy_pull(args.remote.as_deref(), &scope, &credentials)?
    };
    print_transfer(ctx, &report)?;
    Ok(0)
}

/// Prints what `policy push`/`policy pull` did (also used by `sync --from`).
pub fn print_transfer(ctx: &Context, report: &orchestrator::service::PolicyTransferReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(report)?);
        return Ok(());
    }
    if report.policies.is_empty() {
        output::say(&format!("{}: no policies in scope on the remote", report.remote));
    }
    for p in &report.policies {
        let what = match p.state {
            "pushed" => "pushed",
            "pulled" => "pulled, verified and installed",
            _ => "up to date",
        };
        output::say(&format!("policy {}/{} version {}: {what}", p.layer, p.name, p.version));
    }
    Ok(())
}

fn sign(ctx: &Context, args: &PolicySignArgs) -> anyhow::Result<u8> {
    let bytes = read(&args.file, "cannot read policy document")?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| s.strip_suffix(".policy").unwrap_or(s).to_ascii_lowercase())
            .ok_or_else(|| UsageError("the policy file has no usable name: give one with --name".into()))?,
    };
    let text =
        String::from_utf8(bytes).map_err(|_| UsageError(format!("{} is not UTF-8 text", args.file.display())))?;
    let signed = ctx.core.policy_sign(&text, &args.file, layer_of(args.layer), &name, args.version)?;
    match &args.out {
        Some(out) => {
            std::fs::write(out, &signed).map_err(|e| orchestrator::fsutil::FsError::new("cannot write", out, e))?;
            output::say(&format!(
                "signed policy {}/{name} into {}: install it with `mcp-orchestration policy trust {}`",
                layer_of(args.layer),
                out.display(),
                out.display()
            ));
        }
        None => output::data(&(String::from_utf8_lossy(&signed).into_owned() + "\n")),
    }
    Ok(0)
}

fn list(ctx: &Context) -> anyhow::Result<u8> {
    let policies = ctx.core.policy_list()?;
    let worst = policies.iter().find_map(|p| p.exit_code).unwrap_or(0);
    if ctx.json {
        output::json(&json!({"policies": policies}));
        return Ok(worst);
    }
    if policies.is_empty() {
        output::say("no policies installed: `mcp-orchestration policy trust FILE` installs one");
        return Ok(0);
    }
    let mut table = output::Table::new(&["LAYER", "NAME", "VERSION", "STATUS", "SIGNED BY OR ERROR"]);
    for p in &policies {
        let (status, detail) = match &p.error {
            None => (output::Cell::toned("ok", Tone::Good), p.key_id.clone().unwrap_or_default()),
            Some(error) => (output::Cell::toned("REFUSED", Tone::Bad), error.clone()),
        };
        table.row([
            output::Cell::from(p.layer.as_str()),
            output::Cell::from(p.name.as_str()),
            output::Cell::from(p.version.map_or_else(|| "-".to_owned(), |v| v.to_string())),
            status,
            output::Cell::from(detail),
        ]);
    }
    table.print();
    Ok(worst)
}

fn check(ctx: &Context, args: &PolicyCheckArgs) -> anyhow::Result<u8> {
    let report = match (&args.file, &args.client, &args.profile) {
        (Some(file), _, _) => {
            let bytes = read(file, "cannot read servers document")?;
            let text =
                String::from_utf8(bytes).map_err(|_| UsageError(format!("{} is not UTF-8 text", file.display())))?;
            ctx.core.policy_check_text(&text, file)?
        }
        (None, Some(client), Some(profile)) => ctx.core.policy_check_profile(client, profile)?,
        (None, Some(client), None) => ctx.core.policy_check_file(&client_file(client, None, &args.scope)?)?,
        (None, None, _) => return Err(UsageError("name a servers document FILE or --client CLIENT".into()).into()),
    };
    let code = if report.findings.is_empty() { 0 } else { 6 };
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
    } else {
        print_report(&report);
    }
    Ok(code)
}

fn print_report(report: &PolicyReport) {
    let shown: Vec<String> =
        report.policies.iter().map(|p: &PolicySummary| format!("{}/{}", p.layer, p.name)).collect();
    let against = if shown.is_empty() { "no installed policy".to_owned() } else { shown.join(", ") };
    output::line(&format!("{}: {} servers checked against {against}", report.subject, report.servers));
    if let Some((max, by)) = &report.effective.max_servers {
        output::line(&format!("  max_servers {max} (set by {by})"));
    }
    if report.findings.is_empty() {
        output::line(&output::paint_stdout("allowed: no rule is broken", Tone::Good));
        return;
    }
    let mut table = output::Table::new(&["SERVER", "RULE", "POLICY", "WHY"]);
    for f in &report.findings {
        table.row([
            output::Cell::from(f.server.as_deref().unwrap_or("(document)")),
            output::Cell::toned(f.rule.as_str(), Tone::Bad),
            output::Cell::from(format!("{}/{}", f.layer, f.policy).as_str()),
            output::Cell::from(f.message.as_str()),
        ]);
    }
    table.print();
}
