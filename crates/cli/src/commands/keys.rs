//! `keys show|export|trust|untrust|rotate`. Only public keys are ever printed.

use serde_json::json;

use crate::Context;
use crate::args::KeysCommand;
use crate::output;

pub fn run(ctx: &Context, command: &KeysCommand) -> anyhow::Result<u8> {
    match command {
        KeysCommand::Show => {
            let info = ctx.core.key_info()?;
            if ctx.json {
                output::json(&serde_json::to_value(&info)?);
            } else {
                output::line(&format!("signing key: {}", info.signing_key_id));
                for id in &info.trusted {
                    let mark = if *id == info.signing_key_id { " (this home's signing key)" } else { "" };
                    output::line(&format!("trusted:     {id}{mark}"));
                }
            }
        }
        KeysCommand::Export => {
            let info = ctx.core.key_info()?;
            if ctx.json {
                output::json(&json!({"key_id": info.signing_key_id, "public_key_pem": info.public_key_pem}));
            } else {
                output::data(&info.public_key_pem);
            }
        }
        KeysCommand::Trust { file } => {
            let bytes =
                std::fs::read(file).map_err(|e| orchestrator::fsutil::FsError::new("cannot read key file", file, e))?;
            let key = ctx.core.trust_key(&String::from_utf8_lossy(&bytes), file)?;
            if ctx.json {
                output::json(&json!({"trusted": key.id().as_str()}));
            } else {
                output::say(&format!("trusted {}", key.id()));
            }
        }
        KeysCommand::Untrust { key_id } => {
            let removed = ctx.core.untrust_key(key_id)?;
            if ctx.json {
                output::json(&json!({"key_id": key_id, "removed": removed}));
            } else if removed {
                output::say(&format!("untrusted {key_id}: artifacts it signed no longer verify"));
            } else {
                output::say(&format!("{key_id} was not trusted: nothing changed"));
            }
        }
        KeysCommand::Rotate => {
            let (old, new) = ctx.core.rotate_key()?;
            if ctx.json {
                output::json(&json!({"old_key_id": old.id().as_str(), "new_key_id": new.id().as_str()}));
            } else {
                output::say(&format!("new signing key {} (trusted)", new.id()));
                output::say(&format!(
                    "old key {} stays trusted; untrust it with `keys untrust {}` once nothing needs it",
                    old.id(),
                    old.id()
                ));
            }
        }
    }
    Ok(0)
}
