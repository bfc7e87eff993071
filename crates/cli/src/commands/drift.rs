//! `diff`, `status` and `doctor`: how client files compare with their profiles.

use orchestrator::diff::{Change, Status};
use orchestrator::service::{ClientFile, FileDrift, Verdict};
use serde_json::json;

use super::files::{client_file, facts_for, scope_of};
use crate::args::{DiffArgs, StatusArgs};
use crate::{Context, env, output};

/// Every client file that exists on this machine.
pub fn detected_files() -> Vec<ClientFile> {
    ClientFile::detected(&env::host_facts())
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::UpToDate => "up-to-date",
        Status::Outdated => "outdated",
        Status::Diverged => "diverged",
        Status::Missing => "missing",
        Status::Unmanaged => "unmanaged",
    }
}

fn status_tone(status: &str) -> output::Tone {
    match status {
        "up-to-date" => output::Tone::Good,
        "outdated" => output::Tone::Warn,
        "unmanaged" => output::Tone::Dim,
        _ => output::Tone::Bad,
    }
}

fn change_line(c: &Change) -> String {
    let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let op = serde_json::to_value(c.op).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let impact = serde_json::to_value(c.impact).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    format!("  {op:<8} {:<40} {} -> {}  ({impact})", c.path, show(&c.old), show(&c.new))
}

/// The drift report of one file, on stdout (what `diff` exists to show).
fn print_drift(d: &FileDrift) {
    use output::{Tone, paint_stdout as paint};
    let diff = &d.report.diff;
    let status = status_word(d.report.status);
    output::line(&format!(
        "{} ({}): {} against {}/{}",
        d.file,
        d.client_id,
        paint(status, status_tone(status)),
        d.client_id,
        d.profile_id
    ));
    for name in &diff.servers_added {
        output::line(&paint(&format!(" {name} | would be added by a deploy"), Tone::Good));
    }
    for name in &diff.servers_removed {
        output::line(&paint(&format!(" {name} | only in the live file"), Tone::Bad));
    }
    for name in &diff.servers_modified {
        let n = diff.changes.iter().filter(|c| c.server == *name).count();
        output::line(&paint(&format!(" {name} | {n} field(s) differ"), Tone::Warn));
    }
    let s = &diff.summary;
    output::line(&format!(
        " {} change(s): {} breaking, {} compatible, {} cosmetic",
        s.total_changes, s.breaking, s.compatible, s.cosmetic
    ));
    for c in &diff.changes {
        output::line(&change_line(c));
    }
    output::line(&format!("recommendation: {}", d.report.recommendation));
}

pub fn diff(ctx: &Context, args: &DiffArgs) -> anyhow::Result<u8> {
    let file = client_file(&args.client, args.file.as_ref(), &args.scope)?;
    let drift = ctx.core.diff_file(&file, args.profile.as_deref())?;
    if ctx.json {
        output::json(&serde_json::to_value(&drift)?);
    } else {
        print_drift(&drift);
    }
    let differs = drift.report.status != Status::UpToDate;
    Ok(if args.exit_code && differs { 5 } else { 0 })
}

pub fn status(ctx: &Context, args: &StatusArgs) -> anyhow::Result<u8> {
    if let Some(remote) = &args.remote {
        return super::remote::status(ctx, remote);
    }
    let facts = facts_for(args.project.as_ref())?;
    let files = ClientFile::detected_in(&facts, args.scope.map(scope_of));
    let results = ctx.core.status(&files)?;
    let mut drifted = false;
    let mut rows = Vec::new();
    for result in &results {
        match result {
            Ok(d) => {
                drifted |= d.is_drift();
                rows.push(json!({
                    "client_id": d.client_id, "file": d.file, "profile_id": d.profile_id,
                    "artifact_id": d.remote_artifact_id, "deployed_version": d.deployed_version,
                    "status": d.report.status, "changes": d.report.diff.summary.total_changes,
                    "layer": d.layer, "bridged": d.bridged, "skipped": d.skipped,
                    "recommendation": d.report.recommendation,
                }));
            }
            Err((file, e)) => rows.push(json!({
                "client_id": file.client_id, "file": file.path, "status": "error", "error": e.to_string(),
            })),
        }
    }
    if ctx.json {
        output::json(&json!(rows));
    } else if rows.is_empty() {
        output::say("no client config files found on this machine");
    } else {
        let mut table = output::Table::new(&["CLIENT", "STATUS", "PROFILE", "ARTIFACT", "CHANGES", "FILE"]);
        for row in &rows {
            // sha256: and 8 hex digits name an artifact well enough in a table; --json has all.
            let artifact = row["artifact_id"].as_str().map(|a| &a[..a.len().min(15)]).unwrap_or("-");
            let status = row["status"].as_str().unwrap_or("");
            table.row([
                row["client_id"].as_str().unwrap_or("").into(),
                output::Cell::toned(status, status_tone(status)),
                match (row["profile_id"].as_str(), row["layer"].as_str()) {
                    (Some(profile), Some("shared")) => format!("{profile} (shared)").into(),
                    (Some(profile), _) => profile.into(),
                    (None, _) => "-".into(),
                },
                artifact.into(),
                row["changes"].as_u64().map(|n| n.to_string()).unwrap_or_else(|| "-".into()).into(),
                output::tilde(row["file"].as_str().unwrap_or("")).into(),
            ]);
        }
        table.print();
        for row in rows.iter().filter(|r| r["status"] == "error") {
            output::warn(&format!("{}: {}", row["file"].as_str().unwrap_or(""), row["error"].as_str().unwrap_or("")));
        }
    }
    Ok(if args.check && drifted { 5 } else { 0 })
}

pub fn doctor(ctx: &Context) -> anyhow::Result<u8> {
    let path_dirs: Vec<std::path::PathBuf> =
        env::var("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    let checks = ctx.core.doctor(&detected_files(), &path_dirs);
    let failed = checks.iter().any(|c| c.verdict == Verdict::Fail);
    if ctx.json {
        output::json(&json!({"ok": !failed, "checks": checks}));
    } else {
        for c in &checks {
            let (mark, tone) = match c.verdict {
                Verdict::Ok => ("ok  ", output::Tone::Good),
                Verdict::Warn => ("warn", output::Tone::Warn),
                Verdict::Fail => ("FAIL", output::Tone::Bad),
            };
            output::line(&format!("{} {}: {}", output::paint_stdout(mark, tone), c.name, c.detail));
            if let Some(fix) = &c.fix {
                output::line(&format!("     fix: {fix}"));
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}
