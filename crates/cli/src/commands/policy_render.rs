//! `policy render --client C [--output FILE | --system]`: the installed policies compiled into a
//! client's own managed settings. Without a target it is a preview (the rendered keys on
//! stdout, nothing written; Codex's as the TOML a new file would hold); what the client cannot
//! hold is listed (stderr, or `not_expressed` in `--json`) as enforced by this program only.

use std::path::PathBuf;

use clap::Args;
use orchestrator::service::{RenderReport, RenderTarget};

use crate::{Context, env, output};

#[derive(Debug, Args)]
pub struct PolicyRenderArgs {
    /// The client: claude-code, copilot-cli or vscode (GitHub Copilot), gemini-cli, codex
    #[arg(long, value_name = "CLIENT")]
    pub client: String,
    /// Write (merge into) this file instead of showing the settings; never the system location
    #[arg(long, short, value_name = "FILE", conflicts_with = "system")]
    pub output: Option<PathBuf>,
    /// Write (merge into) the client's system location (e.g. /etc/claude-code/managed-settings.json):
    /// binds every user of this machine; needs the permission to write there (root)
    #[arg(long)]
    pub system: bool,
}

pub fn run(ctx: &Context, args: &PolicyRenderArgs) -> anyhow::Result<u8> {
    let target = match (&args.output, args.system) {
        (Some(file), _) => RenderTarget::File(file.clone()),
        (None, true) => RenderTarget::System,
        (None, false) => RenderTarget::Preview,
    };
    let report = ctx.core.policy_render(&args.client, env::host_facts().os, &target)?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
    } else {
        print(&report);
    }
    Ok(0)
}

fn print(report: &RenderReport) {
    match &report.written {
        // Codex's file is TOML: the preview is the document a new file would hold.
        None if report.client == "codex" => {
            output::data(&orchestrator::policy::render_codex::merge(None, &report.settings).unwrap_or_default())
        }
        None => output::json(&report.settings),
        Some(path) => output::say(&format!(
            "wrote {}'s managed settings into {path}{}",
            report.client,
            if path == &report.system_path { "" } else { " (the client reads them from the system location only)" }
        )),
    }
    if report.policies.is_empty() {
        output::say("no policy installed: nothing to render (`mcp-orchestration policy trust FILE` installs one)");
    }
    if report.written.is_none() {
        output::say(&format!(
            "preview only: --system writes {} (as root), --output FILE another file",
            report.system_path
        ));
    }
    if !report.not_expressed.is_empty() {
        output::say(&format!(
            "not expressible in {}'s managed settings (still enforced by mcp-orchestration):",
            report.client
        ));
        for n in &report.not_expressed {
            let pattern = n.pattern.as_deref().map(|p| format!(" '{p}'")).unwrap_or_default();
            output::say(&format!("  {} {}{pattern}: {}", n.policy, n.rule, n.reason));
        }
    }
}
