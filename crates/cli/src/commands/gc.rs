//! `gc` (remove what the home no longer needs) and `doctor --fix` (repair what an interrupted
//! write left, then run the checks).

use serde_json::json;

use crate::Context;
use crate::args::{DoctorArgs, GcArgs};
use crate::output;
use orchestrator::events::Retention;
use orchestrator::service::{GcOptions, GcReport, Removed};

fn options(args: &GcArgs, dry_run: bool) -> GcOptions {
    GcOptions {
        dry_run,
        keep_backups: args.keep_backups as usize,
        retention: Retention {
            max_age_days: args.events_max_age_days,
            max_total_bytes: args.events_max_mib.saturating_mul(1024 * 1024),
        },
    }
}

fn groups(report: &GcReport) -> [(&'static str, &Vec<Removed>); 5] {
    [
        ("event-log day", &report.events),
        ("deployment backup", &report.backups),
        ("payload object", &report.objects),
        ("signature-cache entry", &report.signatures),
        ("temp file", &report.temps),
    ]
}

fn count(report: &GcReport) -> usize {
    groups(report).iter().map(|(_, list)| list.len()).sum()
}

fn gc_with_progress(ctx: &Context, options: GcOptions) -> anyhow::Result<GcReport> {
    let progress = output::Progress::start("looking for what the home no longer needs", None);
    let report = ctx.core.gc(options);
    progress.finish();
    Ok(report?)
}

/// Each file on stdout (what `gc` exists to show), the total on stderr.
fn print_report(report: &GcReport, verb: &str, list: bool) {
    if list {
        for (what, items) in groups(report) {
            for item in items {
                output::line(&format!("{verb} {what} {} ({} bytes)", item.path, item.bytes));
            }
        }
    }
    output::say(&format!("{verb} {} files, {} bytes", count(report), report.total_bytes));
}

/// `gc`: with `--dry-run` lists what would go; with `--yes` removes it; otherwise, on a
/// terminal, lists it and asks first (refused without a terminal: scripts pass `--yes`).
pub fn run(ctx: &Context, args: &GcArgs) -> anyhow::Result<u8> {
    let asks = !args.dry_run && !args.yes;
    if asks && !output::stdin_is_terminal() {
        return Err(output::refuse_without_terminal("remove files from the home"));
    }
    if asks {
        let preview = gc_with_progress(ctx, options(args, true))?;
        if count(&preview) == 0 {
            if ctx.json {
                output::json(&serde_json::to_value(&preview)?);
            }
            output::say("nothing to remove");
            return Ok(0);
        }
        if !ctx.json {
            print_report(&preview, "would remove", true);
        }
        let question = format!("remove these {} files ({} bytes)", count(&preview), preview.total_bytes);
        if !output::confirm(&question, false)? {
            if ctx.json {
                output::json(&serde_json::to_value(&preview)?);
            }
            output::say("nothing was removed");
            return Ok(0);
        }
    }
    let report = gc_with_progress(ctx, options(args, args.dry_run))?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    let verb = if report.dry_run { "would remove" } else { "removed" };
    // After a question the list was shown already.
    print_report(&report, verb, !asks);
    Ok(0)
}

pub fn doctor(ctx: &Context, args: &DoctorArgs) -> anyhow::Result<u8> {
    if args.fix {
        let fixed = ctx.core.doctor_fix()?;
        if !ctx.json {
            for line in &fixed.repaired {
                output::say(&format!("fixed {line}"));
            }
            if fixed.trusted_signing_key {
                output::say("fixed: trusted this home's own signing key");
            }
            if fixed.rewrote_verification_key {
                output::say("fixed: rewrote keys/verification_key.pem from the signing key");
            }
            for temp in &fixed.removed_temps {
                output::say(&format!("removed stale temp file {temp}"));
            }
        } else {
            // The checks follow on stdout as one JSON document; the fixes go to stderr.
            output::say(&json!({"fixed": fixed}).to_string());
        }
    }
    super::drift::doctor(ctx)
}
