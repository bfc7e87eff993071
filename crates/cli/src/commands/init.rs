//! `init-configs`: create the home, keys and seeded profiles, and say what was done.

use crate::args::InitArgs;
use crate::{Context, output};

pub fn run(ctx: &Context, args: &InitArgs) -> anyhow::Result<u8> {
    let report = ctx.core.init(args.force)?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    if report.unchanged {
        output::say(&format!("Already initialized at {}: nothing changed (use --force to re-seed)", report.home));
        output::say(&format!("Signing key: {}", report.key_id));
        return Ok(0);
    }
    if report.created_home {
        output::say(&format!("Created home {}", report.home));
    }
    if report.key_created {
        output::say(&format!("Generated signing key {} (keys/signing_key.pem, mode 0600)", report.key_id));
    } else {
        output::say(&format!("Kept existing signing key {}", report.key_id));
    }
    if report.legacy_store_found {
        output::say(
            "Found a store written by the original mcp-orchestration (artifacts/, index/): it is left untouched",
        );
    }
    for seeded in &report.seeded {
        output::say(&format!(
            "Seeded {}/{} v{} {}",
            seeded.client_id, seeded.profile_id, seeded.version, seeded.artifact_id
        ));
    }
    for left in &report.left_for_migration {
        output::say(&format!("Left {left} for `mcp-orchestration migrate` (the legacy store has it)"));
    }
    output::say("\nNext steps:");
    if report.legacy_store_found {
        output::say(
            "  mcp-orchestration migrate --dry-run   # see what the legacy store holds, then run without --dry-run",
        );
    }
    output::say("  mcp-orchestration clients             # the supported clients");
    output::say("  mcp-orchestration get claude-desktop  # a verified profile");
    output::say("  mcp-orchestration publish cursor --profile dev --file servers.json");
    Ok(0)
}
