//! `servers show NAME` for people: one catalog entry as text on stdout (what it is, how it is
//! launched, the values it takes and how to add it); `--json` prints the entry itself.

use orchestrator::catalog::{CatalogEntry, EntrySource, Launch};

use crate::output::{self, Tone};

fn launch_line(launch: &Launch) -> String {
    let pinned = |version: &Option<String>| version.as_ref().map(|v| format!(" (checked {v})")).unwrap_or_default();
    match launch {
        Launch::Npm { package, version } => {
            format!("npm package {package}, run as `npx -y {package}`{}", pinned(version))
        }
        Launch::Pypi { package, version, executable } => {
            let run = match executable {
                Some(exe) => format!("uvx --from {package} {exe}"),
                None => format!("uvx {package}"),
            };
            format!("PyPI package {package}, run as `{run}`{}", pinned(version))
        }
        Launch::Oci { image } => format!("OCI image {image}, run as `docker run -i --rm {image}`"),
        Launch::Remote { url } => format!("remote server at {url}"),
    }
}

fn needs(required: bool, secret: bool) -> String {
    let mut words = vec![if required { "required" } else { "optional" }];
    if secret {
        words.push("secret");
    }
    words.join(", ")
}

pub fn print(entry: &CatalogEntry) -> anyhow::Result<()> {
    let mut lines = vec![format!("{} ({})", output::paint_stdout(entry.full_name(), Tone::Strong), entry.name)];
    lines.push(format!("  {}", entry.description));
    if let Some(why) = &entry.deprecated {
        lines.push(output::paint_stdout(&format!("  deprecated: {why}"), Tone::Warn));
    }
    lines.push(String::new());
    lines.push(format!("transport:  {}", entry.transport));
    lines.push(format!("launch:     {}", launch_line(&entry.launch)));
    if !entry.runtime_args.is_empty() {
        lines.push(format!("runtime:    {}", entry.runtime_args.join(" ")));
    }
    if !entry.args.is_empty() {
        lines.push(format!("args:       {}", entry.args.join(" ")));
    }
    if !entry.tags.is_empty() {
        lines.push(format!("tags:       {}", entry.tags.join(", ")));
    }
    if let Some(home) = &entry.homepage {
        lines.push(format!("homepage:   {home}"));
    }
    if entry.source == EntrySource::Imported {
        let version = entry.registry_version.as_deref().unwrap_or("?");
        lines.push(format!("imported:   {} {version} (the registry's server.json)", entry.full_name()));
    }
    output::data(&(lines.join("\n") + "\n"));
    if !entry.parameters.is_empty() {
        output::line("\nparameters (--param NAME=VALUE):");
        let mut table = output::Table::new(&["NAME", "NEEDED", "DEFAULT", "DESCRIPTION"]);
        for p in &entry.parameters {
            table.row([
                p.name.clone(),
                needs(p.required, p.secret),
                p.default.clone().unwrap_or_else(|| "-".into()),
                p.description.clone(),
            ]);
        }
        table.print();
    }
    if !entry.env.is_empty() {
        output::line("\nenvironment (--env NAME=VALUE; secret ones go to the secret store):");
        let mut table = output::Table::new(&["NAME", "NEEDED", "DEFAULT", "DESCRIPTION"]);
        for e in &entry.env {
            table.row([
                e.name.clone(),
                needs(e.required, e.secret),
                e.default.clone().unwrap_or_else(|| "-".into()),
                e.description.clone(),
            ]);
        }
        table.print();
    }
    if !entry.headers.is_empty() {
        output::line("\nheaders:");
        let mut table = output::Table::new(&["NAME", "NEEDED", "INPUT", "DESCRIPTION"]);
        for h in &entry.headers {
            table.row([h.name.clone(), needs(h.required, h.secret), h.input.clone(), h.description.clone()]);
        }
        table.print();
    }
    let required: Vec<String> = entry
        .parameters
        .iter()
        .filter(|p| p.required && p.default.is_none())
        .map(|p| format!("--param {}", p.name))
        .chain(entry.env.iter().filter(|e| e.required && e.default.is_none()).map(|e| format!("--env {}", e.name)))
        .collect();
    let needs = if required.is_empty() { String::new() } else { format!(" (it needs {})", required.join(", ")) };
    output::say(&format!(
        "add it with `mcp-orchestration draft add-server CLIENT --profile PROFILE {}`{needs}",
        entry.full_name()
    ));
    Ok(())
}
