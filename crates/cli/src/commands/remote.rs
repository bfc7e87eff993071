//! `remote add|list|remove|login`, `push`, `pull` and `status --remote`: profiles shared
//! through an OCI registry. Credentials are found by `env::registry_credentials` and handed to
//! the core; they are never printed.

use std::io::Read as _;

use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::remote::{Remote, Scope};
use serde_json::json;

use crate::Context;
use crate::args::{RemoteCommand, TransferArgs};
use crate::{env, output};

pub fn run(ctx: &Context, command: &RemoteCommand) -> anyhow::Result<u8> {
    match command {
        RemoteCommand::Add { name, url, ca_file, plain_http, timeout, trust_keys } => {
            let ca_file = match ca_file {
                Some(path) => Some(
                    std::path::absolute(path)
                        .map_err(|e| output::UsageError(format!("--ca-file {}: {e}", path.display())))?,
                ),
                None => None,
            };
            let remote = Remote {
                url: url.clone(),
                plain_http: *plain_http,
                ca_file,
                timeout_secs: (*timeout != 30).then_some(*timeout),
                trust_keys: trust_keys.clone(),
                login: None,
            };
            let info = ctx.core.remote_add(name, remote)?;
            if ctx.json {
                output::json(&serde_json::to_value(&info)?);
            } else {
                output::say(&format!("added remote {name}: {} ({})", info.url, info.scheme));
            }
        }
        RemoteCommand::List => {
            let remotes = ctx.core.remotes()?;
            if ctx.json {
                output::json(&serde_json::to_value(&remotes)?);
            } else if remotes.is_empty() {
                output::say("no remotes: add one with `mcp-orchestration remote add NAME oci://HOST/REPOSITORY`");
            } else {
                let mut table = output::Table::new(&["NAME", "URL", "SCHEME", "LOGIN", "PINNED KEYS"]);
                for r in &remotes {
                    table.row([
                        r.name.clone(),
                        r.url.clone(),
                        r.scheme.to_owned(),
                        r.login_user.clone().unwrap_or_else(|| "-".into()),
                        if r.trust_keys.is_empty() { "-".into() } else { r.trust_keys.join(" ") },
                    ]);
                }
                table.print();
            }
        }
        RemoteCommand::Remove { name } => {
            let removed = ctx.core.remote_remove(name)?;
            if ctx.json {
                output::json(&json!({"remote": name, "removed": removed}));
            } else if removed {
                output::say(&format!("removed remote {name}"));
            } else {
                output::say(&format!("no remote {name}: nothing changed"));
            }
            return Ok(if removed { 0 } else { 3 });
        }
        RemoteCommand::Login { name, username, password_stdin: _ } => {
            let mut password = zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| output::UsageError(format!("--password-stdin: cannot read stdin ({e})")))?;
            let trimmed = zeroize::Zeroizing::new(password.trim_end_matches(['\n', '\r']).to_owned());
            if trimmed.is_empty() {
                return Err(output::UsageError(
                    "--password-stdin: stdin was empty: pipe the password or token in".into(),
                )
                .into());
            }
            ctx.core.remote_login(name, username, trimmed)?;
            if ctx.json {
                output::json(&json!({"remote": name, "username": username, "stored": true}));
            } else {
                output::say(&format!("logged in to {name} as {username} (stored in the home, 0600)"));
            }
        }
    }
    Ok(0)
}

/// The scope of `push`/`pull`: `--client C`, `--shared`, `--all`; `--profile P` alone is the
/// shared profile P; nothing at all is everything.
pub fn scope_of(args: &TransferArgs) -> anyhow::Result<Scope> {
    let profile = args.profile.as_deref().map(ProfileId::parse).transpose().map_err(orchestrator::Error::from)?;
    let subject = match (&args.client, args.shared, args.all) {
        (Some(c), _, _) => Some(ClientId::parse(c).map_err(orchestrator::Error::from)?),
        (None, true, _) => Some(ClientId::shared()),
        (None, false, true) => None,
        (None, false, false) if profile.is_some() => Some(ClientId::shared()),
        (None, false, false) => None,
    };
    Ok(Scope { subject, profile })
}

pub fn push(ctx: &Context, args: &TransferArgs) -> anyhow::Result<u8> {
    let scope = scope_of(args)?;
    let report = ctx.core.push(args.remote.as_deref(), &scope, &env::registry_credentials())?;
    if ctx.json {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    for p in &report.profiles {
        let what = if p.uploaded == 0 {
            format!("up to date at version {}", p.version)
        } else {
            format!("pushed {} version(s): remote head {} → {}", p.uploaded, p.remote_before, p.version)
        };
        output::say(&format!("{}/{}: {what}", p.client_id, p.profile_id));
    }
    Ok(0)
}

pub fn pull(ctx: &Context, args: &TransferArgs) -> anyhow::Result<u8> {
    let scope = scope_of(args)?;
    let report = ctx.core.pull(args.remote.as_deref(), &scope, &env::registry_credentials())?;
    print_pull(ctx, &report)?;
    Ok(0)
}

/// Prints a pull's report (also used by `sync --from`).
pub fn print_pull(ctx: &Context, report: &orchestrator::service::PullReport) -> anyhow::Result<()> {
    if ctx.json {
        output::json(&serde_json::to_value(report)?);
        return Ok(());
    }
    for key in &report.keys_trusted {
        output::say(&format!("trusted pinned key {key} (served by {}, matches the pinned id)", report.remote));
    }
    if report.profiles.is_empty() {
        output::say(&format!("{}: no profiles in scope on the remote", report.remote));
    }
    for p in &report.profiles {
        let what = match p.state {
            "pulled" => format!("pulled {} version(s), verified: {} → {}", p.stored, p.from, p.to),
            "up_to_date" => format!("up to date at version {}", p.to),
            _ => "not on the remote".to_owned(),
        };
        output::say(&format!("{}/{}: {what}", p.client_id, p.profile_id));
    }
    Ok(())
}

/// `status --remote NAME`.
pub fn status(ctx: &Context, remote: &str) -> anyhow::Result<u8> {
    let rows = ctx.core.remote_status(Some(remote), &Scope::default(), &env::registry_credentials())?;
    if ctx.json {
        output::json(&serde_json::to_value(&rows)?);
        return Ok(0);
    }
    if rows.is_empty() {
        output::say(&format!("no profiles here or on {remote}"));
        return Ok(0);
    }
    let mut table = output::Table::new(&["SUBJECT", "PROFILE", "LOCAL", "REMOTE", "STATE"]);
    for r in &rows {
        let tone = match r.state {
            "equal" => output::Tone::Good,
            "diverged" => output::Tone::Bad,
            _ => output::Tone::Warn,
        };
        let state = match r.state {
            "behind" => "behind (pull)",
            "ahead" => "ahead (push)",
            "local_only" => "local only (push)",
            "remote_only" => "remote only (pull)",
            other => other,
        };
        table.row([
            output::Cell::from(r.client_id.clone()),
            r.profile_id.clone().into(),
            r.local.to_string().into(),
            r.remote.to_string().into(),
            output::Cell::toned(state, tone),
        ]);
    }
    table.print();
    Ok(0)
}
