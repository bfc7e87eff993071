//! `clients`: the supported clients, their formats, their config paths on this OS and
//! whether each is detected here.

use serde_json::json;

use crate::{Context, env, output};

pub fn run(ctx: &Context) -> anyhow::Result<u8> {
    let facts = env::host_facts();
    let detected = dialects::detect(&facts);
    let mut rows = Vec::new();
    for client in dialects::all() {
        let found = detected.iter().find(|d| d.client_id == client.id);
        let paths: Vec<_> = found
            .map(|d| d.locations.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(l, presence)| {
                json!({"scope": l.scope, "path": l.path, "placement": l.placement, "alternative": l.alternative, "presence": presence})
            })
            .collect();
        let is_detected = found.is_some_and(|d| d.found());
        rows.push(json!({
            "client_id": client.id,
            "display_name": client.display_name,
            "format": client.format,
            "transports": client.transports,
            "detected": is_detected,
            "config_paths": paths,
        }));
    }
    if ctx.json {
        output::json(&json!(rows));
        return Ok(0);
    }
    for row in &rows {
        let mark = if row["detected"] == true { "detected" } else { "-" };
        let first = row["config_paths"][0]["path"].as_str().unwrap_or("");
        output::say(&format!(
            "{:<18} {:<22} {:<6} {:<9} {first}",
            row["client_id"].as_str().unwrap_or(""),
            row["display_name"].as_str().unwrap_or(""),
            row["format"].as_str().unwrap_or(""),
            mark
        ));
    }
    Ok(0)
}
