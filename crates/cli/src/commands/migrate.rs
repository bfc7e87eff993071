//! `migrate [--dry-run]`: adopt a store written by the original Python tool.

use crate::args::MigrateArgs;
use crate::{Context, output};

pub fn run(ctx: &Context, args: &MigrateArgs) -> anyhow::Result<u8> {
    let report = ctx.core.migrate(args.dry_run)?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    let verb = if args.dry_run { "would migrate" } else { "migrated" };
    for m in &report.migrated {
        let version = m.version.map(|v| format!(" as v{v}")).unwrap_or_default();
        output::line(&format!("{verb} {} -> {}/{}{version} {}", m.legacy_id, m.client_id, m.profile_id, m.artifact_id));
    }
    for id in &report.already_migrated {
        output::line(&format!("already migrated {id}"));
    }
    for r in &report.rejected {
        output::line(&format!("skipped {}: {}", r.path, r.reason));
    }
    if report.migrated.is_empty() && report.rejected.is_empty() && report.already_migrated.is_empty() {
        output::say("no legacy store in this home: nothing to migrate");
    } else if report.migrated.is_empty() {
        output::say("nothing changed");
    }
    output::say("legacy files under artifacts/ and index/ were left untouched");
    Ok(0)
}
