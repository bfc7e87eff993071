//! `clients`: the supported clients.

use serde_json::json;

use crate::{Context, output};

pub fn run(ctx: &Context) -> anyhow::Result<u8> {
    let clients = dialects::all();
    if ctx.json {
        let list: Vec<_> = clients
            .iter()
            .map(|c| json!({"client_id": c.id, "display_name": c.display_name, "format": c.format}))
            .collect();
        output::json(&json!(list));
        return Ok(0);
    }
    for c in clients {
        output::say(&format!(
            "{:<16} {:<16} {}",
            c.id,
            c.display_name,
            serde_json::to_value(c.format)?.as_str().unwrap_or("")
        ));
    }
    Ok(0)
}
