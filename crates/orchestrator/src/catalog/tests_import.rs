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

/// An import of corpus entry `number` under another registry name.
fn renamed(number: u32, registry_name: &str) -> CatalogEntry {
    let mut entry = import_corpus(number);
    entry.registry_name = Some(registry_name.into());
    entry
}

#[test]
fn save_and_load_round_trip_keyed_by_registry_name() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    assert!(load_imported(&dir).unwrap().is_empty());

    let mut imported: Vec<CatalogEntry> = (1..=10).map(import_corpus).collect();
    for entry in &imported {
        let path = save_imported(&dir, entry, false).unwrap();
        let name = entry.registry_name.as_deref().unwrap();
        assert_eq!(path, dir.join(format!("{}.json", name.to_ascii_lowercase().replace('/', "__"))));
    }
    let loaded = load_imported(&dir).unwrap();
    imported.sort_by(|a, b| a.full_name().cmp(b.full_name()));
    assert_eq!(loaded, imported);

    let unphurl = loaded.iter().find(|e| e.id == "unphurl").unwrap();
    let text = std::fs::read_to_string(imported_entry_path(&dir, unphurl.full_name())).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["source"], "imported");
    assert_eq!(value["registry_name"], unphurl.full_name());
    assert!(text.ends_with("}\n"));
}

#[test]
fn importing_a_name_again_is_refused_unless_replacing() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    let first = import_corpus(1);
    let path = save_imported(&dir, &first, false).unwrap();
    let before = std::fs::read(&path).unwrap();
    let mut changed = first.clone();
    changed.description = "changed".into();
    let error = save_imported(&dir, &changed, false).unwrap_err();
    assert!(
        matches!(&error, CatalogError::AlreadyImported { name, path: p } if Some(name) == first.registry_name.as_ref() && *p == path),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.to_string().contains("--replace"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "a refusal changes nothing");

    save_imported(&dir, &changed, true).unwrap();
    let entries = all(&dir).unwrap();
    assert_eq!(find(&entries, first.full_name()).unwrap().unwrap().description, "changed");
}

#[test]
fn names_that_collide_once_made_file_names_are_refused_even_when_replacing() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    save_imported(&dir, &renamed(1, "io.github.Owner/tool"), false).unwrap();
    for replace in [false, true] {
        let error = save_imported(&dir, &renamed(2, "io.github.owner/TOOL"), replace).unwrap_err();
        assert!(
            matches!(&error, CatalogError::NameCollision { name, existing, .. } if name == "io.github.owner/TOOL" && existing == "io.github.Owner/tool"),
            "{error:?}"
        );
        assert_eq!(error.kind(), ErrorKind::Validation);
    }
    assert_eq!(load_imported(&dir).unwrap().len(), 1);
}

#[test]
fn imports_never_replace_a_builtin_and_short_names_resolve_only_when_unambiguous() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    assert_eq!(all(&dir).unwrap(), builtin());

    let mut own_github = renamed(3, "io.example/github");
    own_github.id = "github".into();
    save_imported(&dir, &own_github, false).unwrap();
    let entries = all(&dir).unwrap();
    assert_eq!(entries.len(), builtin().len() + 1);
    assert_eq!(find(&entries, "github").unwrap().unwrap().source, EntrySource::Builtin, "the built-in keeps its name");
    let imported = find(&entries, "io.example/github").unwrap().unwrap();
    assert_eq!(imported.launch, Launch::Remote { url: "https://mcp.100hires.com/mcp".into() });

    let first = renamed(5, "io.one/probe");
    save_imported(&dir, &first, false).unwrap();
    let entries = all(&dir).unwrap();
    assert_eq!(find(&entries, "probe").unwrap().unwrap().full_name(), "io.one/probe", "one import: its short name");
    assert_eq!(find(&entries, first.id.as_str()).unwrap().unwrap().full_name(), "io.one/probe");
    save_imported(&dir, &renamed(5, "io.two/probe"), false).unwrap();
    let entries = all(&dir).unwrap();
    let error = find(&entries, "probe").unwrap_err();
    assert!(
        matches!(&error, CatalogError::Ambiguous { candidates, .. } if *candidates == ["io.one/probe", "io.two/probe"]),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(error.to_string().contains("io.one/probe, io.two/probe"), "{error}");
    assert!(find(&entries, "io.two/probe").unwrap().is_some());
    assert!(find(&entries, "no-such").unwrap().is_none());
}

#[test]
fn remove_takes_imports_only() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    let entry = renamed(1, "io.example/removable");
    let path = save_imported(&dir, &entry, false).unwrap();
    let error = remove_imported(&dir, "github").unwrap_err();
    assert!(matches!(error, CatalogError::BuiltinNotRemovable { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Validation);
    let error = remove_imported(&dir, "io.example/none").unwrap_err();
    assert!(matches!(error, CatalogError::NotImported { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(path.exists());
    assert_eq!(remove_imported(&dir, "removable").unwrap().full_name(), "io.example/removable");
    assert!(!path.exists());
    assert_eq!(all(&dir).unwrap(), builtin());
}

#[test]
fn an_entry_in_a_file_named_by_its_id_is_still_read_and_replaced_into_its_new_name() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("catalog");
    std::fs::create_dir_all(&dir).unwrap();
    let mut old = import_corpus(5);
    old.source = EntrySource::Imported;
    std::fs::write(dir.join(format!("{}.json", old.id)), serde_json::to_vec(&old).unwrap()).unwrap();
    assert_eq!(load_imported(&dir).unwrap(), vec![old.clone()]);
    let new_path = save_imported(&dir, &old, true).unwrap();
    assert!(!dir.join(format!("{}.json", old.id)).exists(), "the old file name is gone");
    assert!(new_path.exists());
    assert_eq!(load_imported(&dir).unwrap(), vec![old]);
}

#[test]
fn save_refuses_an_unsafe_id_or_registry_name() {
    let home = tempfile::tempdir().unwrap();
    let mut entry = import_corpus(1);
    entry.id = "../escape".into();
    let error = save_imported(home.path(), &entry, false).unwrap_err();
    assert!(matches!(&error, CatalogError::InvalidId { id } if id == "../escape"), "{error:?}");
    for name in ["no-slash", "../x/y", ".hidden/x", "a/b/c", "a b/c", ""] {
        let error = save_imported(home.path(), &renamed(1, name), false).unwrap_err();
        assert!(matches!(&error, CatalogError::UnusableName { name: n } if n == name), "{name}: {error:?}");
    }
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

    let path = save_imported(dir, &import_corpus(5), false).unwrap();
    std::fs::rename(&path, dir.join("other.json")).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(
        matches!(&error, CatalogError::ImportedIdMismatch { id, .. } if Some(id) == import_corpus(5).registry_name.as_ref()),
        "{error:?}"
    );
    std::fs::remove_file(dir.join("other.json")).unwrap();

    let mut nameless = serde_json::to_value(import_corpus(5)).unwrap();
    nameless.as_object_mut().unwrap().remove("registry_name");
    std::fs::write(dir.join("anastasis.json"), nameless.to_string()).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(matches!(&error, CatalogError::ImportedEntryRefused { .. }), "{error:?}");
    std::fs::remove_file(dir.join("anastasis.json")).unwrap();

    let mut mismatched = serde_json::to_value(import_corpus(5)).unwrap();
    mismatched["transport"] = json!("sse");
    std::fs::write(&path, mismatched.to_string()).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(
        matches!(&error, CatalogError::ImportedEntryRefused { source, .. } if matches!(**source, CatalogError::TransportMismatch { .. })),
        "{error:?}"
    );
    std::fs::remove_file(&path).unwrap();

    // Two files holding names that collide (an old `<id>.json` beside the new file).
    let entry = import_corpus(5);
    save_imported(dir, &entry, false).unwrap();
    std::fs::write(dir.join(format!("{}.json", entry.id)), serde_json::to_vec(&entry).unwrap()).unwrap();
    let error = load_imported(dir).unwrap_err();
    assert!(matches!(&error, CatalogError::NameCollision { .. }), "{error:?}");
    std::fs::remove_file(dir.join(format!("{}.json", entry.id))).unwrap();
    std::fs::remove_file(imported_entry_path(dir, entry.full_name())).unwrap();

    // Hidden temp files and other files are not entries.
    std::fs::write(dir.join(".tmp-123"), "partial").unwrap();
    std::fs::write(dir.join("README"), "notes").unwrap();
    assert!(load_imported(dir).unwrap().is_empty());
}
