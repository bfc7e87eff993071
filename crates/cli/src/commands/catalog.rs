//! The catalog, drafts and secrets: `servers …`, `draft …`, `secrets …`.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Read as _};

use orchestrator::secrets::SecretValue;
use orchestrator::service::Draft;
use serde_json::json;

use crate::args::{DraftCommand, SecretsCommand, ServersCommand};
use crate::output::{self, UsageError};
use crate::{Context, env};

fn path_dirs() -> Vec<std::path::PathBuf> {
    env::var("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

pub(crate) fn pairs(list: &[String], flag: &str) -> anyhow::Result<BTreeMap<String, String>> {
    list.iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| UsageError(format!("{flag} takes NAME=VALUE, got '{item}'")).into())
        })
        .collect()
}

pub fn servers(ctx: &Context, command: &ServersCommand) -> anyhow::Result<u8> {
    match command {
        ServersCommand::List { words, query, transport, page } => {
            let query = words.as_ref().or(query.as_ref());
            let found = ctx.core.catalog_search(query.map(String::as_str), transport.as_deref())?;
            let request = super::profiles::page_request(page)?;
            let scope = query.map(String::as_str).unwrap_or("");
            let listed = orchestrator::page::page_in_order(&found, &request, "servers", scope, |e| e.full_name())?;
            let entries = &listed.items;
            if ctx.json {
                output::json(&json!({"servers": entries, "count": entries.len(), "next_cursor": listed.next_cursor}));
            } else {
                let mut table = output::Table::new(&["SERVER", "TRANSPORT", "DESCRIPTION"]);
                for e in entries {
                    let transport = serde_json::to_value(e.transport)?.as_str().unwrap_or_default().to_owned();
                    table.row([e.full_name().to_owned(), transport, e.description.clone()]);
                }
                if !table.is_empty() {
                    table.print();
                }
                output::say(&format!("{} server(s)", entries.len()));
                super::profiles::say_next_page(listed.next_cursor.as_deref(), page.limit);
            }
        }
        ServersCommand::Show { server_id } => {
            let entry = ctx.core.catalog_show(server_id)?;
            if ctx.json {
                output::json(&serde_json::to_value(&entry)?);
            } else {
                super::catalog_show::print(&entry)?;
            }
        }
        ServersCommand::Import { path, replace } => {
            let bytes = std::fs::read(path).map_err(|e| orchestrator::fsutil::FsError::new("cannot read", path, e))?;
            let entry = ctx.core.catalog_import(&String::from_utf8_lossy(&bytes), path, *replace)?;
            if ctx.json {
                output::json(&serde_json::to_value(&entry)?);
            } else {
                let name = entry.full_name();
                output::say(&format!(
                    "imported {name} ({}) into the catalog; its server key is {}",
                    entry.name, entry.id
                ));
                match ctx.core.catalog_show(&entry.id) {
                    Ok(found) if found.full_name() == name => {}
                    _ => output::say(&format!(
                        "note: the short name {} means another server here; refer to this one as {name}",
                        entry.id
                    )),
                }
            }
        }
        ServersCommand::Remove { name } => {
            let entry = ctx.core.catalog_remove(name)?;
            if ctx.json {
                output::json(&serde_json::to_value(&entry)?);
            } else {
                output::say(&format!("removed {} from the catalog", entry.full_name()));
            }
        }
    }
    Ok(0)
}

fn show_draft(ctx: &Context, draft: &Draft) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(draft)?);
    } else {
        let origin = if draft.exists { "draft" } else { "no draft yet; this is the head" };
        output::say(&format!("{}/{} ({origin}):", draft.client_id, draft.profile_id));
        output::json(&draft.document);
    }
    Ok(())
}

pub fn draft(ctx: &Context, command: &DraftCommand) -> anyhow::Result<u8> {
    match command {
        DraftCommand::Show(t) => show_draft(ctx, &ctx.core.draft_show(&t.client, &t.profile)?)?,
        DraftCommand::AddServer { target, server_id, name, params, env } => {
            let draft = ctx.core.draft_add_server(
                &target.client,
                &target.profile,
                server_id,
                name.as_deref(),
                &pairs(params, "--param")?,
                &pairs(env, "--env")?,
            )?;
            let under = name.as_deref().map(|n| format!(" as {n}")).unwrap_or_default();
            output::say(&format!("added {server_id}{under} to the draft of {}/{}", target.client, target.profile));
            show_draft(ctx, &draft)?;
        }
        DraftCommand::RemoveServer { target, name } => {
            let draft = ctx.core.draft_remove_server(&target.client, &target.profile, name)?;
            output::say(&format!("removed {name} from the draft"));
            show_draft(ctx, &draft)?;
        }
        DraftCommand::Set { target, file } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            } else {
                std::fs::read_to_string(file).map_err(|e| orchestrator::fsutil::FsError::new("cannot read", file, e))?
            };
            show_draft(ctx, &ctx.core.draft_set(&target.client, &target.profile, &text)?)?;
        }
        DraftCommand::Validate(t) => {
            let report = ctx.core.draft_validate(&t.client, &t.profile, &path_dirs())?;
            if ctx.json {
                output::json(&serde_json::to_value(&report)?);
            } else {
                // The problems are what `validate` exists to show (stdout); the verdict is a note.
                for p in &report.errors {
                    output::line(&format!(
                        "{} {}: {}",
                        output::paint_stdout("error  ", output::Tone::Bad),
                        p.pointer,
                        p.message
                    ));
                }
                for p in &report.warnings {
                    output::line(&format!(
                        "{} {}: {}",
                        output::paint_stdout("warning", output::Tone::Warn),
                        p.pointer,
                        p.message
                    ));
                }
                output::say(if report.valid { "valid" } else { "invalid" });
            }
            return Ok(if report.valid { 0 } else { orchestrator::ErrorKind::Validation.exit_code() });
        }
        DraftCommand::Publish { target, note } => {
            let outcome = ctx.core.draft_publish(&target.client, &target.profile, note.as_deref(), &path_dirs())?;
            let s = outcome.verified.statement();
            if ctx.json {
                let mut value = outcome.verified.to_json();
                value["created"] = json!(outcome.created);
                output::json(&value);
            } else if outcome.created {
                output::say(&format!("published {}/{} v{} {}", s.client_id, s.profile_id, s.version, s.artifact_id));
            } else {
                output::say(&format!(
                    "the draft equals the head {}/{} v{}: no new version was created (draft dropped)",
                    s.client_id, s.profile_id, s.version
                ));
            }
        }
        DraftCommand::Rebase(t) => {
            let report = ctx.core.draft_rebase(&t.client, &t.profile)?;
            if ctx.json {
                output::json(&serde_json::to_value(&report)?);
            } else if !report.draft.exists {
                output::say(&format!("there is no draft of {}/{}: nothing to rebase", t.client, t.profile));
            } else if !report.rebased {
                output::say("the draft is already based on the head: nothing to rebase");
            } else {
                let from = report.from_version.map(|v| format!("v{v}")).unwrap_or_else(|| "an unknown version".into());
                let onto = report.onto_version.map(|v| format!("v{v}")).unwrap_or_else(|| "none".into());
                output::say(&format!("rebased the draft of {}/{} from {from} onto {onto}", t.client, t.profile));
                for name in &report.from_head {
                    output::say(&format!("  {name}: taken from {onto} (the draft did not change it)"));
                }
                output::say("review it with `draft show`, then `draft publish`");
            }
        }
        DraftCommand::Discard(t) => {
            let dropped = ctx.core.draft_discard(&t.client, &t.profile)?;
            output::say(if dropped { "draft discarded" } else { "there was no draft" });
        }
    }
    Ok(0)
}

pub fn secrets(ctx: &Context, command: &SecretsCommand) -> anyhow::Result<u8> {
    match command {
        SecretsCommand::Set { name } => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                output::say(&format!(
                    "type or paste the value of {name}, then press Ctrl-D (it is not printed anywhere)"
                ));
            }
            let mut value = String::new();
            stdin.lock().read_to_string(&mut value)?;
            let value = value.trim_end_matches(['\n', '\r']).to_owned();
            if value.is_empty() {
                return Err(UsageError(format!("no value for {name} on stdin: pipe it in, e.g. printf %s \"$VALUE\" | mcp-orchestration secrets set {name}")).into());
            }
            ctx.core.secrets_set(name, SecretValue::new(value))?;
            output::say(&format!("stored {name}; reference it as ${{secret:{name}}}"));
        }
        SecretsCommand::List => {
            let names = ctx.core.secrets_list()?;
            if ctx.json {
                output::json(&json!(names));
            } else {
                for n in &names {
                    output::line(n);
                }
            }
        }
        SecretsCommand::Remove { name } => {
            let removed = ctx.core.secrets_remove(name)?;
            output::say(if removed { "removed" } else { "no such secret: nothing changed" });
        }
        SecretsCommand::AllowEnv { names } | SecretsCommand::DisallowEnv { names } => {
            let allow = matches!(command, SecretsCommand::AllowEnv { .. });
            let list = ctx.core.env_allowlist_update(names, allow)?;
            if ctx.json {
                output::json(&json!(list));
            } else if list.is_empty() {
                output::say("the MCP server may resolve no environment variable");
            } else {
                output::say(&format!("the MCP server may resolve ${{env:…}} for: {}", list.join(", ")));
            }
        }
        SecretsCommand::AllowedEnv => {
            let list = ctx.core.env_allowlist_list()?;
            if ctx.json {
                output::json(&json!(list));
            } else {
                for n in &list {
                    output::line(n);
                }
            }
        }
    }
    Ok(0)
}
