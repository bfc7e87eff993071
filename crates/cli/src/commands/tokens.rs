//! `tokens create|list|revoke`: scoped bearer tokens for the REST API of `serve --http`
//! (see `mcp_server::auth`). The token is printed once, by `create`; only its hash is kept.

use std::time::Duration;

use mcp_server::auth::{self, Scope};
use serde_json::json;

use crate::Context;
use crate::args::TokensCommand;
use crate::output;

/// How long `create` and `revoke` wait for the home lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(ctx: &Context, command: &TokensCommand) -> anyhow::Result<u8> {
    let home = ctx.core.home();
    match command {
        TokensCommand::Create { name, scope } => {
            let scope = if scope == "write" { Scope::Write } else { Scope::Read };
            let token = auth::create_token(home, name, scope, ctx.core.now().to_string(), LOCK_TIMEOUT)?;
            if ctx.json {
                output::json(&json!({"name": name, "scope": scope.as_str(), "token": token}));
            } else {
                output::data(&token);
                output::say(&format!(
                    "created token {name} ({} scope): it is shown only now; send it as `Authorization: Bearer TOKEN`",
                    scope.as_str()
                ));
            }
        }
        TokensCommand::List => {
            let tokens = auth::list_tokens(home)?;
            if ctx.json {
                let rows: Vec<_> = tokens
                    .iter()
                    .map(|t| json!({"name": t.name, "scope": t.scope.as_str(), "created_at": t.created_at}))
                    .collect();
                output::json(&json!({"tokens": rows, "count": rows.len()}));
            } else if tokens.is_empty() {
                output::say("no tokens: create one with `mcp-orchestration tokens create --name CI --scope read`");
            } else {
                let mut table = output::Table::new(&["NAME", "SCOPE", "CREATED"]);
                for t in &tokens {
                    table.row::<output::Cell>([
                        t.name.as_str().into(),
                        t.scope.as_str().into(),
                        t.created_at.as_str().into(),
                    ]);
                }
                table.print();
            }
        }
        TokensCommand::Revoke { name } => {
            if auth::revoke_token(home, name, LOCK_TIMEOUT)? {
                if ctx.json {
                    output::json(&json!({"name": name, "revoked": true}));
                } else {
                    output::say(&format!("revoked token {name}"));
                }
            } else {
                output::error(&anyhow::anyhow!(
                    "no token named {name}: `mcp-orchestration tokens list` shows the names"
                ));
                return Ok(orchestrator::ErrorKind::NotFound.exit_code());
            }
        }
    }
    Ok(0)
}
