//! `audit --ci`: every client file on the machine against the profiles, locks and policies
//! this home trusts (the core's `audit_ci`), printed as a table, JSON or a SARIF 2.1.0 log.
//!
//! No network unless `--probe` (then the registries and MCP probe of `audit`). Exit codes: 0
//! no findings (or notes only), 5 findings (errors or warnings); a policy that does not verify
//! refuses the audit (4 or 8), as it refuses every enforcing command.

use orchestrator::audit::{CiOptions, CiReport, Level, ToolInfo, to_sarif};
use orchestrator::lock::AuditOptions;

use super::files::facts_for;
use super::lock::{fetcher, image_access, prober, registries};
use crate::Context;
use crate::args::AuditArgs;
use crate::args_lock::AuditFormat;
use crate::output::{self, Cell, Table, Tone};

/// The program as the SARIF log names it.
const TOOL: ToolInfo<'static> = ToolInfo {
    name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
    information_uri: env!("CARGO_PKG_REPOSITORY"),
};

pub fn ci(ctx: &Context, args: &AuditArgs) -> anyhow::Result<u8> {
    let facts = facts_for(args.project.as_ref())?;
    let fetch = if args.probe { Some(fetcher()?) } else { None };
    let probe = prober(&args.registries);
    let options = CiOptions {
        probe: fetch.as_ref().map(|f| {
            let options = AuditOptions {
                registries: registries(&args.registries),
                probe: Some(&probe as &dyn orchestrator::lock::Probe),
                images: image_access(&args.registries),
            };
            (f as &dyn orchestrator::lock::Fetch, options)
        }),
    };
    let report = ctx.core.audit_ci(&facts, &options)?;
    // An explicit --format wins over --json.
    let format = args.format.unwrap_or(if ctx.json { AuditFormat::Json } else { AuditFormat::Text });
    match format {
        AuditFormat::Json => output::json(&serde_json::to_value(&report)?),
        AuditFormat::Sarif => {
            let root = match &args.project {
                Some(dir) => Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())),
                None => std::env::current_dir().ok(),
            };
            output::json(&to_sarif(&report, &TOOL, root.as_deref()));
        }
        AuditFormat::Text => print_text(&report),
    }
    summary(&report);
    Ok(if report.fails() { 5 } else { 0 })
}

fn print_text(report: &CiReport) {
    if report.findings.is_empty() {
        return;
    }
    let mut table = Table::new(&["LEVEL", "RULE", "CLIENT", "SERVER", "FILE", "WHAT"]);
    for f in &report.findings {
        let tone = match f.level {
            Level::Error => Tone::Bad,
            Level::Warning => Tone::Warn,
            Level::Note => Tone::Dim,
        };
        let place = match f.line {
            Some(line) => format!("{}:{line}", output::tilde(&f.file)),
            None => output::tilde(&f.file),
        };
        table.row([
            Cell::toned(f.level.as_str(), tone),
            Cell::from(f.rule_id.as_str()),
            Cell::from(format!("{} ({})", f.client_id, f.scope)),
            Cell::from(f.server.clone().unwrap_or_default()),
            Cell::from(place),
            Cell::from(f.message.as_str()),
        ]);
    }
    table.keep_whole(&[0, 1]);
    output::data(&table.render());
}

/// One line on stderr: what was audited and the verdict.
fn summary(report: &CiReport) {
    let failing = report.findings.iter().filter(|f| f.fails()).count();
    let what = format!(
        "{} client file(s) audited against {} trusted polic{}{}",
        report.files.len(),
        report.policies,
        if report.policies == 1 { "y" } else { "ies" },
        if report.probed {
            ", registries and tool lists"
        } else {
            " (no network: --probe re-checks registries and tool lists)"
        }
    );
    if failing > 0 {
        output::warn(&format!("{what}: {failing} finding(s) to act on"));
    } else if report.findings.is_empty() {
        output::say(&format!("{what}: no findings"));
    } else {
        output::say(&format!("{what}: notes only"));
    }
}
