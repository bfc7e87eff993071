//! `lock` (`--check`, `--update [NAME]`, `--probe`) and `audit`: thin over the core's
//! `lock_check`, `lock_profile` and `audit`, with the registry client and the MCP probe of the
//! server crate.
//!
//! Images are read with the credentials `docker` would use (Docker's config and credential
//! helpers, `registry_auth::from_docker`), `--oci-ca-file` and `--oci-plain-http`.
//!
//! Exit codes: `lock --check` 5 when any server is not pinned; `lock` the code of the first
//! failure (a package, image or tag not found 3, a registry unreachable 1, a malformed answer 4, a bad range
//! 6; nothing is published then), 1 when only a probe failed (the pins are published); `audit` 5
//! when any finding is an error or a warning (notes, such as a newer version, do not count).
//! `audit --ci` is `audit.rs`.

use std::time::Duration;

use orchestrator::lock::{AuditOptions, CheckReport, ImageAccess, LockOptions, LockReport, Registries};
use orchestrator::lock::{AuditReport, PinState};

use crate::Context;
use crate::args::{AuditArgs, LockArgs};
use crate::args_lock::RegistryArgs;
use crate::env;
use crate::output::{self, Cell, Table, Tone};

const REGISTRY_TIMEOUT: Duration = Duration::from_secs(30);

/// The registries from the flags, else the environment npm and uv read.
pub(super) fn registries(args: &RegistryArgs) -> Registries {
    Registries {
        npm: args.npm_registry.clone().or_else(|| env::first_var(env::NPM_REGISTRY_VARS)),
        pypi: args.pypi_index.clone().or_else(|| env::first_var(env::PYPI_INDEX_VARS)),
    }
}

pub(super) fn prober(args: &RegistryArgs) -> mcp_server::probe::McpProbe {
    mcp_server::probe::McpProbe {
        timeout: Duration::from_secs(args.probe_timeout.max(1)),
        path: env::var("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".to_owned()),
    }
}

/// How image registries are reached: the flags, and the credentials `docker` itself would use
/// (Docker's config and credential helpers; never this tool's own remote credentials).
pub(super) fn image_access(args: &RegistryArgs) -> ImageAccess<'static> {
    ImageAccess {
        credentials: &mcp_server::registry_auth::from_docker,
        ca_file: args.oci_ca_file.clone(),
        plain_http: args.oci_plain_http,
        timeout: REGISTRY_TIMEOUT,
    }
}

pub(super) fn fetcher() -> anyhow::Result<mcp_server::probe::HttpFetch> {
    mcp_server::probe::HttpFetch::new(REGISTRY_TIMEOUT).map_err(anyhow::Error::msg)
}

/// A digest shortened for a table (`sha512-AbCdEf…`).
fn short(digest: Option<&str>) -> String {
    digest.map_or_else(String::new, |d| {
        if d.chars().count() > 19 { format!("{}…", d.chars().take(18).collect::<String>()) } else { d.to_owned() }
    })
}

pub fn lock(ctx: &Context, args: &LockArgs) -> anyhow::Result<u8> {
    let subject = args.target.subject();
    let profile = &args.target.profile;
    if args.check {
        let report = ctx.core.lock_check(subject, profile)?;
        print_check(ctx, &report)?;
        return Ok(if report.unpinned.is_empty() { 0 } else { 5 });
    }
    let registries = registries(&args.registries);
    let fetch = fetcher()?;
    let probe = prober(&args.registries);
    let has_update = args.update.is_some();
    let options = LockOptions {
        registries,
        update: args.update.as_ref().map(|name| Some(name.clone()).filter(|n| !n.is_empty())),
        probe: (args.probe || has_update).then_some(&probe as &dyn orchestrator::lock::Probe),
        probe_all: args.probe,
        images: image_access(&args.registries),
    };
    let report = ctx.core.lock_profile(subject, profile, &fetch, &options)?;
    print_lock(ctx, &report)?;
    let failed = report.failed();
    let resolution = failed.iter().find(|c| c.action == "failed").and_then(|c| c.exit_code);
    Ok(resolution.or_else(|| failed.iter().find_map(|c| c.exit_code)).unwrap_or(0))
}

fn print_check(ctx: &Context, report: &CheckReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(report)?);
        return Ok(());
    }
    let mut table = Table::new(&["SERVER", "STATE", "PACKAGE", "ASKS FOR", "LOCKED", "TOOLS"]);
    for row in &report.servers {
        let (state, tone) = match row.state {
            PinState::Pinned => ("pinned", Tone::Good),
            PinState::Unpinned => ("UNPINNED", Tone::Bad),
            PinState::Unresolvable => ("unresolvable", Tone::Warn),
            PinState::NoPackage => ("no package", Tone::Dim),
        };
        let package = match (&row.ecosystem, &row.package) {
            (Some(e), Some(p)) => format!("{e}:{p}"),
            (Some(e), None) => e.to_string(),
            _ => String::new(),
        };
        table.row([
            Cell::from(row.server.as_str()),
            Cell::toned(state, tone),
            Cell::from(package),
            Cell::from(row.requested.clone().unwrap_or_default()),
            Cell::from(row.locked_version.clone().unwrap_or_default()),
            Cell::from(short(row.tools_sha256.as_deref())),
        ]);
    }
    table.keep_whole(&[0]);
    output::data(&table.render());
    for row in &report.servers {
        if let Some(note) = &row.note {
            output::say(&format!("{}: {note}", row.server));
        }
    }
    if report.unpinned.is_empty() {
        output::say(&format!(
            "{}/{} v{}: every package server is pinned",
            report.client_id, report.profile_id, report.version
        ));
    } else {
        output::warn(&format!(
            "{} server(s) not pinned: {}; run `mcp-orchestration lock` to pin them",
            report.unpinned.len(),
            report.unpinned.join(", ")
        ));
    }
    Ok(())
}

fn print_lock(ctx: &Context, report: &LockReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(report)?);
        return Ok(());
    }
    let mut table = Table::new(&["SERVER", "ACTION", "PACKAGE", "VERSION", "INTEGRITY", "TOOLS"]);
    for c in &report.changes {
        let tone = match c.action.as_str() {
            "failed" => Tone::Bad,
            "pinned" | "updated" | "recorded" | "probed" => Tone::Warn,
            _ => Tone::Dim,
        };
        let version = match (&c.old_version, &c.new_version) {
            (Some(old), Some(new)) if old != new => format!("{old} → {new}"),
            (_, Some(new)) => new.clone(),
            (Some(old), None) => old.clone(),
            _ => String::new(),
        };
        let integrity = match (&c.old_integrity, &c.new_integrity) {
            (Some(old), Some(new)) if old != new => format!("{} → {}", short(Some(old)), short(Some(new))),
            (_, new) => short(new.as_deref()),
        };
        let tools = match (&c.tools, &c.tools_sha256) {
            (Some(change), _) => format!("{} → {}", short(Some(&change.old_sha256)), short(Some(&change.new_sha256))),
            (None, Some(now)) => short(Some(now)),
            _ => String::new(),
        };
        table.row([
            Cell::from(c.server.as_str()),
            Cell::toned(c.action.as_str(), tone),
            Cell::from(c.package.clone().unwrap_or_default()),
            Cell::from(version),
            Cell::from(integrity),
            Cell::from(tools),
        ]);
    }
    table.keep_whole(&[0]);
    output::data(&table.render());
    for c in &report.changes {
        if let Some(change) = &c.tools {
            for (label, list) in [("added", &change.added), ("removed", &change.removed), ("changed", &change.changed)]
            {
                if !list.is_empty() {
                    output::data(&format!("{}: tools {label}: {}", c.server, list.join(", ")));
                }
            }
        }
        if let Some(note) = &c.note {
            output::say(&format!("{}: {note}", c.server));
        }
        if let Some(error) = &c.error {
            output::warn(&format!("{}: {error}", c.server));
        }
    }
    let target = format!("{}/{}", report.client_id, report.profile_id);
    if report.changes.iter().any(|c| c.action == "failed") {
        output::warn(&format!("{target}: nothing was published (v{} stays the head)", report.from_version));
    } else if report.created {
        output::say(&format!(
            "{target}: published v{} ({}); deploy or sync to write the pinned commands",
            report.version, report.artifact_id
        ));
    } else {
        output::say(&format!("{target} v{}: nothing changed", report.version));
    }
    Ok(())
}

pub fn audit(ctx: &Context, args: &AuditArgs) -> anyhow::Result<u8> {
    if args.ci {
        return super::audit::ci(ctx, args);
    }
    let registries = registries(&args.registries);
    let fetch = fetcher()?;
    let probe = prober(&args.registries);
    let options = AuditOptions {
        registries,
        probe: (!args.no_probe).then_some(&probe as &dyn orchestrator::lock::Probe),
        images: image_access(&args.registries),
    };
    let report = ctx.core.audit(args.target.subject(), &args.target.profile, &fetch, &options)?;
    print_audit(ctx, &report)?;
    Ok(if report.fails() { 5 } else { 0 })
}

fn print_audit(ctx: &Context, report: &AuditReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(report)?);
        return Ok(());
    }
    let target = format!("{}/{} v{}", report.client_id, report.profile_id, report.version);
    if report.findings.is_empty() {
        output::say(&format!("{target}: {} server(s), no findings", report.servers.len()));
        return Ok(());
    }
    let mut table = Table::new(&["SERVER", "LEVEL", "FINDING", "WHAT"]);
    for f in &report.findings {
        let tone = match f.level {
            "error" => Tone::Bad,
            "warning" => Tone::Warn,
            _ => Tone::Dim,
        };
        let kind = serde_json::to_value(f.kind)?.as_str().unwrap_or_default().to_owned();
        table.row([
            Cell::from(f.server.as_str()),
            Cell::toned(f.level, tone),
            Cell::from(kind),
            Cell::from(f.message.as_str()),
        ]);
    }
    table.keep_whole(&[0, 2]);
    output::data(&table.render());
    for f in &report.findings {
        if let Some(change) = &f.tools {
            output::data(&format!("{}: tool list {} → {}", f.server, change.old_sha256, change.new_sha256));
        }
    }
    let failing = report.findings.iter().filter(|f| f.fails()).count();
    if failing > 0 {
        output::warn(&format!("{target}: {failing} finding(s) to act on"));
    } else {
        output::say(&format!("{target}: notes only"));
    }
    Ok(())
}
