//! Catalog tests, continued: importing MCP registry `server.json` files and keeping imported
//! entries on disk.

use super::*;

// ---------------------------------------------------------------- server.json import

#[test]
fn kebab_case_ids() {
    assert_eq!(kebab_case("HuaweiAppGalleryMcp"), "huawei-app-gallery-mcp");
    assert_eq!(kebab_case("0nMCP"), "0n-mcp");
    assert_eq!(kebab_case("HTTPServer"), "http-server");
    assert_eq!(kebab_case("my_server.v2"), "my-server-v2");
    assert_eq!(kebab_case("--x--"), "x");
    assert_eq!(kebab_case("日本"), "");
    assert_eq!(kebab_case(&"a".repeat(80)).len(), MAX_CATALOG_ID_LEN);
}

/// (file, id, transport, command or url, args)
const CORPUS_EXPECTATIONS: [(u32, &str, Transport, &str, &[&str]); 10] = [
    (1, "bashterm-mcp-server", Transport::Stdio, "npx", &["-y", "bashterm-mcp-server"]),
    (2, "byte-protocol", Transport::Stdio, "npx", &["-y", "byte-mcp-server"]),
    (3, "100hires", Transport::Http, "https://mcp.100hires.com/mcp", &[]),
    (4, "sui-mcp", Transport::Stdio, "npx", &["-y", "sui-analytics-mcp"]),
    (5, "anastasis", Transport::Stdio, "npx", &["-y", "anastasis-mcp-server"]),
    (6, "huawei-app-gallery-mcp", Transport::Stdio, "uvx", &["huawei-app-gallery-mcp"]),
    (7, "rubric-protocol", Transport::Stdio, "npx", &["-y", "@rubric-protocol/mcp-server"]),
    (8, "agentfolio", Transport::Stdio, "npx", &["-y", "agentfolio-mcp-server"]),
    (9, "0n-mcp", Transport::Stdio, "npx", &["-y", "0nmcp"]),
    (10, "unphurl", Transport::Stdio, "npx", &["-y", "@unphurl/mcp-server"]),
];

#[test]
fn every_corpus_server_json_imports() {
    for (number, id, transport, target, args) in CORPUS_EXPECTATIONS {
        let entry = import_corpus(number);
        assert_eq!(entry.id, id, "{number:03}");
        assert_eq!(entry.transport, transport, "{number:03}");
        assert_eq!(entry.source, EntrySource::Imported, "{number:03}");
        validate_entry(&entry).unwrap();
        let (params, env) = required_inputs(&entry);
        let server = entry_to_server(&entry, &params, &env).unwrap().server;
        if transport == Transport::Stdio {
            assert_eq!(server["command"], target, "{number:03}");
            assert_eq!(server["args"], json!(args), "{number:03}");
        } else {
            assert_eq!(server, json!({"type": "http", "url": target}), "{number:03}");
        }
    }
}

#[test]
fn corpus_metadata_is_kept() {
    let entry = import_corpus(9);
    assert_eq!(entry.name, "0nMCP — Universal AI API Orchestrator");
    assert_eq!(entry.registry_name.as_deref(), Some("io.github.0nork/0nMCP"));
    assert_eq!(entry.registry_version.as_deref(), Some("3.1.0"));
    assert_eq!(entry.homepage.as_deref(), Some("https://github.com/0nork/0nMCP"));
    assert_eq!(entry.launch, Launch::Npm { package: "0nmcp".into(), version: Some("3.1.0".into()) });
    assert_eq!(entry.tags, ["npm"]);

    let entry = import_corpus(1);
    assert_eq!(entry.name, "bashterm-mcp-server");
    assert_eq!(entry.homepage.as_deref(), Some("https://github.com/1170953489/bashterm-mcp"));

    let entry = import_corpus(3);
    assert_eq!(entry.name, "100Hires");
    assert_eq!(entry.homepage.as_deref(), Some("https://100hires.com/mcp"));
    assert_eq!(entry.launch, Launch::Remote { url: "https://mcp.100hires.com/mcp".into() });

    let entry = import_corpus(6);
    assert_eq!(
        entry.launch,
        Launch::Pypi { package: "huawei-app-gallery-mcp".into(), version: Some("1.1.1".into()), executable: None }
    );
}

#[test]
fn corpus_secrets_become_references() {
    // 006: two required secrets, one optional plain variable.
    let entry = import_corpus(6);
    assert_eq!(
        entry.env.iter().map(|v| (v.name.as_str(), v.required, v.secret)).collect::<Vec<_>>(),
        [("HUAWEI_CLIENT_ID", true, true), ("HUAWEI_CLIENT_SECRET", true, true), ("HUAWEI_APP_ID", false, false)]
    );
    let rendered = entry_to_server(&entry, &none(), &none()).unwrap();
    assert_eq!(
        rendered.server,
        json!({
            "command": "uvx",
            "args": ["huawei-app-gallery-mcp"],
            "env": {"HUAWEI_CLIENT_ID": "${secret:HUAWEI_CLIENT_ID}", "HUAWEI_CLIENT_SECRET": "${secret:HUAWEI_CLIENT_SECRET}"}
        })
    );

    // 010: a required secret.
    let rendered = entry_to_server(&import_corpus(10), &none(), &none()).unwrap();
    assert_eq!(rendered.server["env"], json!({"UNPHURL_API_KEY": "${secret:UNPHURL_API_KEY}"}));

    // 002: an optional secret is left out unless given; given, it is stored, not written.
    let entry = import_corpus(2);
    assert_eq!(entry_to_server(&entry, &none(), &none()).unwrap().server.get("env"), None);
    let rendered = entry_to_server(&entry, &none(), &map(&[("PRIVATE_KEY", "0xREDACTED_SECRET_1")])).unwrap();
    assert_eq!(rendered.server["env"], json!({"PRIVATE_KEY": "${secret:PRIVATE_KEY}"}));
    assert_eq!(rendered.secrets_to_store, map(&[("PRIVATE_KEY", "0xREDACTED_SECRET_1")]));

    // 004: optional defaults are the server's own and are not written out.
    let entry = import_corpus(4);
    assert_eq!(entry.env[0].default.as_deref(), Some("mainnet"));
    assert_eq!(entry_to_server(&entry, &none(), &none()).unwrap().server.get("env"), None);
}

#[test]
fn a_package_wins_over_a_remote() {
    // 008 has an npm package and an sse remote.
    let entry = import_corpus(8);
    assert_eq!(entry.launch, Launch::Npm { package: "agentfolio-mcp-server".into(), version: Some("1.1.2".into()) });
}

#[test]
fn remote_with_secret_headers_and_url_variables() {
    let text = r#"{
        "name": "com.example/Weather",
        "description": "Weather",
        "version": "1.0.0",
        "remotes": [
            {"type": "sse", "url": "https://{region}.example.com/sse",
             "variables": {"region": {"description": "Region", "isRequired": true}},
             "headers": [
                {"name": "X-API-Key", "description": "API key", "isRequired": true, "isSecret": true},
                {"name": "Authorization", "value": "Bearer {token}", "variables": {"token": {"isSecret": true, "isRequired": true}}},
                {"name": "X-Client", "value": "orchestrator"}
             ]}
        ],
        "unknownField": {"ignored": true}
    }"#;
    let entry = import_server_json(text).unwrap();
    assert_eq!(entry.id, "weather");
    assert_eq!(entry.transport, Transport::Sse);
    match entry_to_server(&entry, &none(), &none()).unwrap_err() {
        CatalogError::MissingParameters { missing, .. } => assert_eq!(missing, ["region"]),
        other => panic!("{other:?}"),
    }
    let rendered = entry_to_server(&entry, &map(&[("region", "eu")]), &map(&[("TOKEN", "t0k")])).unwrap();
    assert_eq!(
        rendered.server,
        json!({
            "type": "sse",
            "url": "https://eu.example.com/sse",
            "headers": {
                "X-API-Key": "${secret:X_API_KEY}",
                "Authorization": "Bearer ${secret:TOKEN}",
                "X-Client": "orchestrator"
            }
        })
    );
    assert_eq!(rendered.secrets_to_store, map(&[("TOKEN", "t0k")]));
}

#[test]
fn oci_and_argument_mapping() {
    let text = r#"{
        "name": "io.github.example/files-server",
        "description": "Files",
        "version": "2.0.0",
        "packages": [
            {"registryType": "nuget", "identifier": "Example.Files", "version": "2.0.0", "transport": {"type": "stdio"}},
            {"registryType": "oci", "registryBaseUrl": "https://ghcr.io", "identifier": "example/files", "version": "2.0.0",
             "transport": {"type": "stdio"},
             "runtimeArguments": [
                {"type": "named", "name": "--mount", "value": "type=bind,src={source},dst=/data",
                 "variables": {"source": {"description": "Host directory", "isRequired": true}}}
             ],
             "packageArguments": [
                {"type": "positional", "value": "serve"},
                {"type": "named", "name": "--log-level", "default": "info"},
                {"type": "positional", "valueHint": "root", "isRequired": true, "description": "Root"}
             ],
             "environmentVariables": [{"name": "FILES_TOKEN", "isSecret": true, "isRequired": true}]}
        ]
    }"#;
    let entry = import_server_json(text).unwrap();
    assert_eq!(entry.id, "files-server");
    assert_eq!(entry.launch, Launch::Oci { image: "ghcr.io/example/files:2.0.0".into() });
    let rendered = entry_to_server(&entry, &map(&[("source", "/srv"), ("root", "/data")]), &none()).unwrap();
    assert_eq!(
        rendered.server,
        json!({
            "command": "docker",
            "args": [
                "run", "-i", "--rm", "--mount", "type=bind,src=/srv,dst=/data", "-e", "FILES_TOKEN",
                "ghcr.io/example/files:2.0.0", "serve", "--log-level", "info", "/data"
            ],
            "env": {"FILES_TOKEN": "${secret:FILES_TOKEN}"}
        })
    );
    match entry_to_server(&entry, &none(), &none()).unwrap_err() {
        CatalogError::MissingParameters { missing, .. } => assert_eq!(missing, ["source", "root"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_client_config_is_not_a_server_json() {
    let error = import_server_json(r#"{"mcpServers": {"x": {"command": "npx"}}}"#).unwrap_err();
    match &error {
        CatalogError::NotServerJson { missing } => {
            assert_eq!(missing, &["\"name\" (a string)", "\"description\" (a string)", "\"packages\" or \"remotes\""]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "not an MCP registry server.json: missing \"name\" (a string), \"description\" (a string), \"packages\" or \"remotes\""
    );
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(matches!(import_server_json("[1, 2]").unwrap_err(), CatalogError::NotServerJson { .. }));
}

#[test]
fn broken_server_json_is_refused_with_its_reason() {
    assert!(matches!(import_server_json("{\"name\": ").unwrap_err(), CatalogError::ServerJsonSyntax(_)));
    let error = import_server_json(r#"{"name": "a/b", "description": "d", "packages": "npm"}"#).unwrap_err();
    assert!(matches!(&error, CatalogError::ServerJsonShape { name, .. } if name == "a/b"), "{error:?}");
    let error = import_server_json(
        r#"{"name": "a/b", "description": "d", "packages": [{"registryType": "nuget", "identifier": "B"}],
            "remotes": [{"type": "websocket", "url": "wss://x"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "server.json a/b: nothing this catalog can launch (found: nuget package over stdio, websocket remote); supported: npm, pypi and oci packages over stdio, streamable-http and sse remotes"
    );
    let error = import_server_json(r#"{"name": "a/日本", "description": "d", "remotes": []}"#).unwrap_err();
    assert!(matches!(&error, CatalogError::UnusableName { name } if name == "a/日本"), "{error:?}");
}

// ---------------------------------------------------------------- imported entries on disk

#[test]
fn save_and_load_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    assert!(load_imported(&dir).unwrap().is_empty());

    let mut imported: Vec<CatalogEntry> = (1..=10).map(import_corpus).collect();
    for entry in &imported {
        let path = save_imported(&dir, entry).unwrap();
        assert_eq!(path, dir.join(format!("{}.json", entry.id)));
    }
    let loaded = load_imported(&dir).unwrap();
    imported.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded, imported);

    // The file is plain, inspectable JSON with its source.
    let text = std::fs::read_to_string(dir.join("unphurl.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["source"], "imported");
    assert_eq!(value["launch"], json!({"kind": "npm", "package": "@unphurl/mcp-server", "version": "0.2.3"}));
    assert!(text.ends_with("}\n"));

    // Saving again replaces the entry.
    let mut changed = imported[0].clone();
    changed.description = "changed".into();
    save_imported(&dir, &changed).unwrap();
    assert_eq!(find(&load_imported(&dir).unwrap(), &changed.id).unwrap().description, "changed");
}

#[test]
fn all_lists_builtin_then_imported_and_an_import_replaces_a_builtin() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    assert_eq!(all(&dir).unwrap(), builtin());

    save_imported(&dir, &import_corpus(5)).unwrap();
    let mut own_github = import_corpus(3);
    own_github.id = "github".into();
    save_imported(&dir, &own_github).unwrap();

    let entries = all(&dir).unwrap();
    assert_eq!(entries.len(), builtin().len() + 1);
    let github = find(&entries, "github").unwrap();
    assert_eq!(github.source, EntrySource::Imported);
    assert_eq!(github.launch, Launch::Remote { url: "https://mcp.100hires.com/mcp".into() });
    let position = entries.iter().position(|e| e.id == "github").unwrap();
    assert_eq!(builtin()[position].id, "github");
    assert_eq!(entries.last().unwrap().id, "anastasis");
    assert_eq!(entries.iter().filter(|e| e.id == "github").count(), 1);
}

#[test]
fn save_refuses_an_unsafe_id() {
    let home = tempfile::tempdir().unwrap();
    let mut entry = import_corpus(1);
    entry.id = "../escape".into();
    let error = save_imported(home.path(), &entry).unwrap_err();
    assert!(matches!(&error, CatalogError::InvalidId { id } if id == "../escape"), "{error:?}");
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

#[test]
fn load_names_a_bad_file_instead_of_skipping_it() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    std::fs::write(dir.join("broken.json"), "{not json").unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(matches!(&error, CatalogError::ImportedEntryInvalid { path, .. } if path == &dir.join("broken.json")));
    assert_eq!(
        error.to_string(),
        format!("imported catalog entry {} is not valid: fix or remove the file", dir.join("broken.json").display())
    );
    std::fs::remove_file(dir.join("broken.json")).unwrap();

    save_imported(dir, &import_corpus(5)).unwrap();
    std::fs::rename(dir.join("anastasis.json"), dir.join("other.json")).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(matches!(&error, CatalogError::ImportedIdMismatch { id, .. } if id == "anastasis"), "{error:?}");
    std::fs::remove_file(dir.join("other.json")).unwrap();

    let mut mismatched = serde_json::to_value(import_corpus(5)).unwrap();
    mismatched["transport"] = json!("sse");
    std::fs::write(dir.join("anastasis.json"), mismatched.to_string()).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(
        matches!(&error, CatalogError::ImportedEntryRefused { source, .. } if matches!(**source, CatalogError::TransportMismatch { .. })),
        "{error:?}"
    );

    // Hidden temp files and other files are not entries.
    std::fs::remove_file(dir.join("anastasis.json")).unwrap();
    std::fs::write(dir.join(".tmp-123"), "partial").unwrap();
    std::fs::write(dir.join("README"), "notes").unwrap();
    assert!(load_imported(dir).unwrap().is_empty());
}
