//! `clients`: the supported clients, their formats, their scopes and config paths on this OS
//! (project files found from the current directory upward), whether
//! each is detected here, and for each file found how many servers it holds (or why it does
//! not parse).

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
                let mut row = json!({"scope": l.scope, "path": l.path, "placement": l.placement,
                                     "alternative": l.alternative, "presence": presence});
                if *presence == dialects::Presence::File {
                    // Detection reads each file found: how many servers it holds, or why it does not parse.
                    match std::fs::read_to_string(&l.path)
                        .map_err(|e| e.to_string())
                        .and_then(|text| dialects::import_at(client.id, &l.placement, &text).map_err(|e| e.to_string()))
                    {
                        Ok(doc) => row["servers"] = json!(doc["mcpServers"].as_object().map_or(0, |m| m.len())),
                        Err(error) => row["error"] = json!(error),
                    }
                }
                row
            })
            .collect();
        let is_detected = found.is_some_and(|d| d.found());
        rows.push(json!({
            "client_id": client.id,
            "display_name": client.display_name,
            "format": client.format,
            "transports": client.transports,
            "scopes": client.scopes(facts.os),
            "detected": is_detected,
            "config_paths": paths,
        }));
    }
    if ctx.json {
        output::json(&json!(rows));
        return Ok(0);
    }
    // The display names are in --json; the table stays within 80 columns for most paths.
    let mut table = output::Table::new(&["CLIENT", "FORMAT", "DETECTED", "SCOPES", "CONFIG"]);
    for row in &rows {
        let detected = if row["detected"] == true {
            output::Cell::toned("yes", output::Tone::Good)
        } else {
            output::Cell::toned("no", output::Tone::Dim)
        };
        let first = row["config_paths"][0]["path"].as_str().unwrap_or("-");
        let scopes: Vec<&str> =
            row["scopes"].as_array().map(|a| a.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
        table.row([
            row["client_id"].as_str().unwrap_or("").into(),
            row["format"].as_str().unwrap_or("").into(),
            detected,
            scopes.join(",").into(),
            output::tilde(first).into(),
        ]);
    }
    table.print();
    Ok(0)
}
