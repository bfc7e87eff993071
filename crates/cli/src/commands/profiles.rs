//! Profiles and their artifacts: `profiles`, `get`, `publish`, `verify`, `history`.

use std::io::Read as _;

use orchestrator::artifact::Verified;
use orchestrator::service::HistorySummary;
use serde_json::json;

use crate::Context;
use orchestrator::page::PageRequest;

use crate::args::{HistoryArgs, PageFlags, ProfileArgs, PublishArgs, VerifyArgs};
use crate::output::{self, UsageError};

fn summary(v: &Verified) -> String {
    let s = v.statement();
    let expires = s.expires_at.map(|e| format!(", expires {e}")).unwrap_or_default();
    format!(
        "{}/{} v{} {} (signed {} by {}{expires})",
        s.client_id,
        s.profile_id,
        s.version,
        s.artifact_id,
        s.created_at,
        v.signature().key_id
    )
}

/// The page `--limit` and `--cursor` ask for.
pub(crate) fn page_request(flags: &PageFlags) -> anyhow::Result<PageRequest<'_>> {
    Ok(PageRequest::new(Some(flags.limit as usize), flags.cursor.as_deref(), flags.limit as usize)?)
}

/// Tells a person how to get the next page (stderr), when there is one.
pub(crate) fn say_next_page(next_cursor: Option<&str>, limit: u32) {
    if let Some(cursor) = next_cursor {
        output::say(&format!("more follow: run the same command with --limit {limit} --cursor {cursor}"));
    }
}

pub fn list(ctx: &Context, args: &crate::args::ProfilesArgs) -> anyhow::Result<u8> {
    let client = args.subject.id();
    let page = ctx.core.profiles_page(client, &page_request(&args.page)?)?;
    if ctx.json {
        output::json(&json!({"client_id": client, "profiles": page.items, "next_cursor": page.next_cursor}));
        return Ok(0);
    }
    let profiles = page.items;
    if profiles.is_empty() {
        output::say(&format!(
            "{client} has no profiles yet: publish one with `mcp-orchestration publish {client} --profile NAME --file servers.json`"
        ));
    } else {
        let mut table = output::Table::new(&["PROFILE", "LAYER", "VERSION", "ARTIFACT"]);
        for p in profiles {
            table.row([
                p.profile_id.to_string(),
                p.layer.as_str().to_owned(),
                format!("v{}", p.version),
                p.artifact_id.to_string(),
            ]);
        }
        table.print();
    }
    say_next_page(page.next_cursor.as_deref(), args.page.limit);
    Ok(0)
}

pub fn get(ctx: &Context, args: &ProfileArgs) -> anyhow::Result<u8> {
    let verified = ctx.core.get(args.subject.id(), &args.profile)?;
    let layer = orchestrator::service::Layer::of(&verified);
    if ctx.json {
        let mut value = verified.to_json();
        value["layer"] = json!(layer.as_str());
        value["served_for"] = json!(args.subject.id());
        value["rendered_for_client"] = serde_json::to_value(ctx.core.rendered_for(args.subject.id(), &verified)?)?;
        output::json(&value);
    } else {
        output::say(&format!("verified {}", summary(&verified)));
        if let Some(client) = args.subject.client.as_deref().filter(|_| layer == orchestrator::service::Layer::Shared) {
            output::say(&format!(
                "{client} has no profile '{}' of its own: this is the shared one it follows",
                args.profile
            ));
        }
        output::json(verified.payload());
    }
    Ok(0)
}

pub fn publish(ctx: &Context, args: &PublishArgs) -> anyhow::Result<u8> {
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("cannot read the servers document from stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| orchestrator::fsutil::FsError::new("cannot read servers document", &args.file, e))?
    };
    let path_dirs: Vec<std::path::PathBuf> =
        crate::env::var("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    let options = orchestrator::service::PublishOptions {
        note: args.note.as_deref(),
        expires_in: args.expires_in.map(Into::into),
        allow_same: args.allow_same,
        validate_on: Some(&path_dirs),
        expect_head: None,
    };
    let outcome = ctx.core.publish_with(args.subject.id(), &args.profile, &text, &options)?;
    if ctx.json {
        let mut value = outcome.verified.to_json();
        value["created"] = json!(outcome.created);
        output::json(&value);
    } else if outcome.created {
        output::say(&format!("published {}", summary(&outcome.verified)));
    } else {
        output::say(&format!(
            "the document equals the head {}: no new version was created (--allow-same publishes it anyway)",
            summary(&outcome.verified)
        ));
    }
    Ok(0)
}

pub fn verify(ctx: &Context, args: &VerifyArgs) -> anyhow::Result<u8> {
    // The core checks every profile in one call (over every core): a spinner says it is busy.
    let progress = args.all.then(|| output::Progress::start("verifying every version of every profile", None));
    let outcomes = ctx.core.verify(args.artifact_id.as_deref());
    drop(progress);
    let outcomes = outcomes?;
    let worst = outcomes.iter().filter_map(|o| o.kind).map(|k| k.exit_code()).next().unwrap_or(0);
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    if ctx.json {
        // Streamed: a whole home's outcomes can be 100,000 rows.
        #[derive(serde::Serialize)]
        struct Report<'a> {
            verified: usize,
            failed: usize,
            results: &'a [orchestrator::service::VerifyOutcome],
        }
        output::json_streamed(&Report { verified: outcomes.len() - failed, failed, results: &outcomes });
    } else {
        let mut table = output::Table::new(&["RESULT", "PROFILE", "VERSION", "ARTIFACT OR ERROR"]);
        for o in &outcomes {
            let (result, detail) = match (&o.artifact_id, &o.error) {
                (Some(id), None) => (output::Cell::toned("ok", output::Tone::Good), id.to_string()),
                (_, Some(err)) => (output::Cell::toned("FAILED", output::Tone::Bad), err.to_string()),
                (None, None) => continue,
            };
            table.row([
                result,
                format!("{}/{}", o.client_id, o.profile_id).into(),
                format!("v{}", o.version).into(),
                detail.into(),
            ]);
        }
        if !table.is_empty() {
            table.print();
        }
        output::say(&format!("{} verified, {failed} failed", outcomes.len() - failed));
    }
    Ok(worst)
}

pub fn history(ctx: &Context, history: &HistoryArgs) -> anyhow::Result<u8> {
    let args = &history.profile;
    let page = ctx.core.history_page(args.subject.id(), &args.profile, &page_request(&history.page)?)?;
    let entries = page.items;
    let worst =
        entries.iter().filter_map(|e| e.artifact.as_ref().err()).map(|e| e.kind().exit_code()).next().unwrap_or(0);
    if ctx.json {
        let list: Vec<_> = entries.iter().map(HistorySummary::of).collect();
        output::json(&json!({"client_id": args.subject.id(), "profile_id": args.profile, "history": list,
                             "next_cursor": page.next_cursor}));
    } else {
        let mut table = output::Table::new(&["VERSION", "CREATED", "ARTIFACT", "NOTE"]);
        for e in &entries {
            match &e.artifact {
                Ok(v) => {
                    let note = v.statement().metadata.get("note").and_then(|n| n.as_str()).unwrap_or("");
                    table.row([
                        format!("v{}", e.version),
                        v.statement().created_at.to_string(),
                        v.id().to_string(),
                        note.to_owned(),
                    ]);
                }
                Err(err) => table.row([
                    format!("v{}", e.version).into(),
                    output::Cell::toned("FAILED", output::Tone::Bad),
                    err.to_string().into(),
                    output::Cell::from(""),
                ]),
            }
        }
        table.print();
        say_next_page(page.next_cursor.as_deref(), history.page.limit);
    }
    Ok(worst)
}
