//! Every client file of the corpus imports with its client's dialect and renders back to the
//! same bytes; the files the clients themselves cannot parse are refused with their position.

use dialects::{DialectError, Format, Placement};

use crate::support::{client_of_dir, corpus, corpus_dir};

/// (file, line, column, why) of the corpus files their own client could not read.
const REFUSED: &[(&str, usize, usize, &str)] = &[
    // Committed cut off after `"agent-builder": {`: the object opened at line 3, column 22
    // never closes.
    ("cursor/004.json", 3, 22, "truncated"),
    // A `//` comment before the object: Windsurf reads mcp_config.json as strict JSON.
    ("windsurf/001.json", 1, 1, "comment"),
    // Parses as JSONC, but `servers` is an array of named objects (line 3, column 14), which
    // VS Code does not read; refused rather than treated as "no servers" and overwritten.
    ("vscode/007.json", 3, 14, "servers-is-an-array"),
];

/// Every client file of the corpus the client reads, with its client, placement and text.
fn readable_client_files() -> Vec<(String, &'static str, Placement, String)> {
    manifest_files()
        .into_iter()
        .filter(|(file, _)| !REFUSED.iter().any(|(f, ..)| f == file))
        .filter_map(|(file, _)| {
            let dir = file.split('/').next().unwrap_or_default();
            let (client, placement) = client_of_dir(dir)?;
            let text = corpus(&file);
            Some((file, client, Placement::new(&placement), text))
        })
        .collect()
}

fn manifest_files() -> Vec<(String, String)> {
    let manifest = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            Some((cols.next()?.to_owned(), cols.next()?.to_owned()))
        })
        .collect()
}

#[test]
fn the_corpus_copy_has_every_manifest_file() {
    let files = manifest_files();
    assert_eq!(files.len(), 115);
    for (file, _) in &files {
        assert!(corpus_dir().join(file).is_file(), "{file} missing from testdata/corpus");
    }
}

#[test]
fn every_client_file_imports_and_renders_back_byte_identical() {
    let mut checked = 0;
    for (file, _) in manifest_files() {
        let dir = file.split('/').next().unwrap_or_default();
        let Some((client, placement)) = client_of_dir(dir) else { continue };
        if REFUSED.iter().any(|(f, ..)| *f == file) {
            continue;
        }
        let placement = Placement::new(&placement);
        let text = corpus(&file);
        let imported = dialects::import_at(client, &placement, &text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let servers = imported["mcpServers"].as_object().expect("mcpServers object");
        let rendered = dialects::render_at(client, &placement, Some(&text), &imported, &[])
            .unwrap_or_else(|e| panic!("{file}: render: {e}"));
        assert_eq!(rendered, text, "{file}: render of the import changed the file");
        // Removing nothing and re-adding every server one by one also keeps the bytes.
        for name in servers.keys() {
            let one = serde_json::json!({ "mcpServers": { name.clone(): servers[name].clone() } });
            let again = dialects::render_at(client, &placement, Some(&text), &one, &[]).expect("render one");
            assert_eq!(again, text, "{file}: server {name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 115 - 10 - REFUSED.len(), "every client file but server.json and the refused ones");
}

#[test]
fn corpus_imports_find_the_servers_the_files_list() {
    let count = |file: &str, client: &str| {
        let doc = dialects::import(client, &corpus(file)).expect(file);
        doc["mcpServers"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(count("codex/001.toml", "codex"), ["openaiDeveloperDocs", "unison", "node_repl", "computer-use", "fff"]);
    assert_eq!(count("zed/001.json", "zed"), ["linear"]);
    assert_eq!(count("zed/002.json", "zed"), Vec::<String>::new());
    // Goose builtins (developer, memory, …) are Goose's own, not imported.
    assert_eq!(count("goose/003.yaml", "goose"), ["fetch"]);
    assert_eq!(count("goose/004.yaml", "goose"), ["context7", "mcp-server-git"]);
    assert_eq!(
        count("gemini/004.json", "gemini-cli"),
        ["github", "supabase", "openaiDeveloperDocs", "chrome-devtools", "context7"]
    );
}

#[test]
fn files_the_client_cannot_parse_are_refused_with_line_and_column() {
    for (file, line, column, why) in REFUSED {
        let dir = file.split('/').next().unwrap_or_default();
        let (client, _) = client_of_dir(dir).expect("client");
        let text = corpus(file);
        let err = dialects::import(client, &text).expect_err(file);
        let position = match &err {
            DialectError::Parse { format, line, column, .. } => (*format, *line, *column),
            DialectError::UnexpectedShape { format, at: Some((line, column)), .. } => (*format, *line, *column),
            other => panic!("{file}: expected a parse or shape error, got {other:?}"),
        };
        let format = if client == "vscode" { Format::Jsonc } else { Format::Json };
        assert_eq!(position, (format, *line, *column), "{file} ({why}): {err}");
        // Never treated as empty: render refuses too, whatever the servers.
        let doc = crate::support::doc("x", serde_json::json!({"command": "x"}));
        let again = dialects::render(client, Some(&text), &doc, &[]).expect_err(file);
        assert_eq!(again, err, "{file}");
    }
}

/// Adding one server to a real file keeps every other line of it, blank and whitespace-only
/// lines included, in order (the new lines only come in between).
#[test]
fn adding_one_server_to_any_corpus_file_keeps_every_other_line() {
    let mut checked = 0;
    for (file, client, placement, text) in readable_client_files() {
        let added =
            serde_json::json!({"mcpServers": {"mcpo-added": {"command": "npx", "args": ["-y", "mcpo-added-pkg"]}}});
        let rendered = dialects::render_at(client, &placement, Some(&text), &added, &[])
            .unwrap_or_else(|e| panic!("{file}: render: {e}"));
        assert!(rendered.contains("mcpo-added-pkg"), "{file}: the server was not added:\n{rendered}");
        let mut new_lines = rendered.split_inclusive('\n');
        for (number, line) in text.split_inclusive('\n').enumerate() {
            // The last line may gain a newline or a comma when an entry follows it.
            let wanted = line.trim_end_matches(['\r', '\n']);
            let found = new_lines.by_ref().any(|candidate| {
                let candidate = candidate.trim_end_matches(['\r', '\n']);
                candidate == wanted || candidate.strip_suffix(',') == Some(wanted)
            });
            assert!(found, "{file}: line {} ({wanted:?}) lost or moved:\n{rendered}", number + 1);
        }
        checked += 1;
    }
    assert_eq!(checked, 115 - 10 - REFUSED.len());
}
