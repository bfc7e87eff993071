//! `gc` (remove what the home no longer needs) and `doctor --fix` (repair what an interrupted
//! write left, then run the checks).

use serde_json::json;

use crate::Context;
use crate::args::{DoctorArgs, GcArgs};
use crate::output;
use orchestrator::events::Retention;
use orchestrator::service::GcOptions;

pub fn run(ctx: &Context, args: &GcArgs) -> anyhow::Result<u8> {
    let options = GcOptions {
        dry_run: args.dry_run,
        keep_backups: args.keep_backups as usize,
        retention: Retention {
            max_age_days: args.events_max_age_days,
            max_total_bytes: args.events_max_mib.saturating_mul(1024 * 1024),
        },
    };
    let report = ctx.core.gc(options)?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    let verb = if report.dry_run { "would remove" } else { "removed" };
    let groups = [
        ("event-log day", &report.events),
        ("deployment backup", &report.backups),
        ("payload object", &report.objects),
        ("signature-cache entry", &report.signatures),
        ("temp file", &report.temps),
    ];
    for (what, list) in groups {
        for item in list {
            output::say(&format!("{verb} {what} {} ({} bytes)", item.path, item.bytes));
        }
    }
    let count: usize = groups.iter().map(|(_, l)| l.len()).sum();
    output::say(&format!("{verb} {count} files, {} bytes", report.total_bytes));
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
