//! Unit tests of the catalog: the built-in data, rendering, `server.json` import (over the 10
//! corpus files in `testdata/server-json/`) and the imported-entry store in a temp directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;

use super::server_json::kebab_case;
use super::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn none() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn builtin_entry(id: &str) -> &'static CatalogEntry {
    find(builtin(), id).ok().flatten().unwrap_or_else(|| panic!("no built-in entry {id}"))
}

fn render(id: &str, params: &[(&str, &str)], env: &[(&str, &str)]) -> RenderedServer {
    entry_to_server(builtin_entry(id), &map(params), &map(env)).unwrap()
}

fn corpus_text(number: u32) -> String {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "testdata", "server-json", &format!("{number:03}.json")].iter().collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn import_corpus(number: u32) -> CatalogEntry {
    import_server_json(&corpus_text(number)).unwrap()
}

/// Values for every required input of an entry, so that any entry renders.
fn required_inputs(entry: &CatalogEntry) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let params =
        entry.parameters.iter().filter(|p| p.required).map(|p| (p.name.clone(), format!("<{}>", p.name))).collect();
    let env = entry
        .env
        .iter()
        .filter(|v| v.required && !v.secret)
        .map(|v| (v.name.clone(), format!("<{}>", v.name)))
        .chain(entry.headers.iter().filter(|h| h.required && !h.secret).map(|h| (h.input.clone(), "<h>".to_string())))
        .collect();
    (params, env)
}

// ---------------------------------------------------------------- built-in data

#[test]
fn builtin_data_parses() {
    let parsed: Vec<CatalogEntry> = serde_json::from_str(BUILTIN_JSON).unwrap();
    assert_eq!(parsed.len(), builtin().len());
    assert!(builtin().len() >= 40, "only {} entries", builtin().len());
}

#[test]
fn builtin_ids_are_unique_valid_and_include_the_well_known_ones() {
    let mut ids: Vec<&str> = builtin().iter().map(|e| e.id.as_str()).collect();
    for id in &ids {
        assert!(is_valid_catalog_id(id), "{id}");
    }
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "duplicate ids");
    for wanted in [
        "filesystem",
        "github",
        "memory",
        "fetch",
        "brave-search",
        "postgres",
        "sqlite",
        "puppeteer",
        "playwright",
        "sequential-thinking",
        "time",
        "git",
        "slack",
        "sentry",
        "notion",
        "linear",
        "context7",
        "firecrawl",
        "exa",
        "tavily",
        "supabase",
        "stripe",
        "cloudflare",
        "atlassian",
        "github-remote",
        "aws-docs",
        "kubernetes",
        "docker",
        "redis",
        "mongodb",
        "elasticsearch",
        "browserbase",
        "figma",
        "everything",
        "desktop-commander",
        "obsidian",
        "youtube-transcript",
        "duckduckgo",
        "perplexity",
        "grafana",
        "terraform",
        "azure",
        "gitlab",
        "google-maps",
    ] {
        assert!(ids.binary_search(&wanted).is_ok(), "missing built-in {wanted}");
    }
}

#[test]
fn builtin_entries_validate_and_are_complete() {
    for entry in builtin() {
        validate_entry(entry).unwrap();
        assert_eq!(entry.source, EntrySource::Builtin, "{}", entry.id);
        assert!(!entry.name.is_empty() && !entry.description.is_empty(), "{}", entry.id);
        assert!(!entry.tags.is_empty(), "{} has no tags", entry.id);
        assert!(entry.homepage.as_deref().is_some_and(|h| h.starts_with("https://")), "{}", entry.id);
        match &entry.launch {
            Launch::Npm { package, version } | Launch::Pypi { package, version, .. } => {
                assert!(!package.is_empty(), "{}", entry.id);
                let version = version.as_deref().unwrap_or_else(|| panic!("{} has no verified version", entry.id));
                assert!(version.chars().next().is_some_and(|c| c.is_ascii_digit()), "{}: {version}", entry.id);
            }
            Launch::Oci { image } => assert!(!image.is_empty() && !image.contains(' '), "{}", entry.id),
            Launch::Remote { url } => assert!(url.starts_with("https://"), "{}: {url}", entry.id),
        }
        let mut names: Vec<&str> = entry
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .chain(entry.env.iter().map(|v| v.name.as_str()))
            .chain(entry.headers.iter().map(|h| h.input.as_str()))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total, "{}: duplicate input names", entry.id);
    }
}

#[test]
fn every_launch_matches_its_transport() {
    for entry in builtin() {
        let expected_local = entry.transport == Transport::Stdio;
        assert_eq!(entry.launch.is_local(), expected_local, "{}", entry.id);
        assert!(entry.headers.is_empty() || !expected_local, "{}: headers on stdio", entry.id);
        assert!(entry.env.is_empty() || expected_local, "{}: env on a remote", entry.id);
    }
}

#[test]
fn archived_reference_servers_are_marked_deprecated() {
    let deprecated: Vec<&str> = builtin().iter().filter(|e| e.deprecated.is_some()).map(|e| e.id.as_str()).collect();
    assert_eq!(deprecated, ["postgres", "sqlite", "puppeteer", "slack", "gitlab", "google-maps"]);
    assert!(builtin_entry("slack").deprecated.as_deref().unwrap().contains("zencoderai/slack-mcp-server"));
}

#[test]
fn every_stdio_entry_renders_to_its_runner_and_package() {
    for entry in builtin().iter().filter(|e| e.transport == Transport::Stdio) {
        let (params, env) = required_inputs(entry);
        let rendered = entry_to_server(entry, &params, &env).unwrap();
        let server = rendered.server.as_object().unwrap();
        let keys: Vec<&str> = server.keys().map(String::as_str).collect();
        assert!(keys == ["command", "args"] || keys == ["command", "args", "env"], "{}: {keys:?}", entry.id);
        let args: Vec<&str> = server["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        match &entry.launch {
            Launch::Npm { package, .. } => {
                assert_eq!(server["command"], "npx", "{}", entry.id);
                assert_eq!(&args[..2], ["-y", package.as_str()], "{}", entry.id);
            }
            Launch::Pypi { package, .. } => {
                assert_eq!(server["command"], "uvx", "{}", entry.id);
                assert_eq!(args[0], package.as_str(), "{}", entry.id);
            }
            Launch::Oci { image } => {
                assert_eq!(server["command"], "docker", "{}", entry.id);
                assert_eq!(&args[..3], ["run", "-i", "--rm"], "{}", entry.id);
                assert!(args.contains(&image.as_str()), "{}", entry.id);
            }
            Launch::Remote { .. } => unreachable!(),
        }
        assert!(rendered.secrets_to_store.is_empty(), "{}", entry.id);
        // Every required secret is a reference, never a literal.
        for variable in entry.env.iter().filter(|v| v.secret && v.required) {
            assert_eq!(server["env"][&variable.name], secret_reference(&variable.name), "{}", entry.id);
        }
    }
}

#[test]
fn every_remote_entry_renders_type_and_url() {
    let mut seen = 0;
    for entry in builtin().iter().filter(|e| e.transport != Transport::Stdio) {
        let rendered = entry_to_server(entry, &none(), &none()).unwrap();
        let Launch::Remote { url } = &entry.launch else { unreachable!() };
        let mut expected = json!({"type": entry.transport.as_str(), "url": url});
        if entry.id == "github-remote" {
            expected["headers"] = json!({"Authorization": "Bearer ${secret:GITHUB_PERSONAL_ACCESS_TOKEN}"});
        }
        assert_eq!(rendered.server, expected, "{}", entry.id);
        seen += 1;
    }
    assert_eq!(seen, 9);
}

// ---------------------------------------------------------------- rendering

#[test]
fn filesystem_renders_the_path_as_its_last_argument() {
    let rendered = render("filesystem", &[("path", "${env:HOME}/work")], &[]);
    assert_eq!(
        rendered.server,
        json!({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "${env:HOME}/work"]})
    );
    assert!(rendered.secrets_to_store.is_empty());
}

#[test]
fn filesystem_without_a_path_is_refused() {
    let error = entry_to_server(builtin_entry("filesystem"), &none(), &none()).unwrap_err();
    match &error {
        CatalogError::MissingParameters { server_id, missing } => {
            assert_eq!(server_id, "filesystem");
            assert_eq!(missing, &["path"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.to_string(), "filesystem: missing required values: path");
    assert_eq!(error.kind(), ErrorKind::Validation);
}

#[test]
fn github_token_becomes_a_secret_reference() {
    let rendered = render("github", &[], &[]);
    assert_eq!(
        rendered.server,
        json!({
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${secret:GITHUB_PERSONAL_ACCESS_TOKEN}"}
        })
    );
    assert!(rendered.secrets_to_store.is_empty());
}

#[test]
fn a_literal_secret_is_returned_to_store_and_never_written() {
    let rendered = render("github", &[], &[("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_REDACTED_SECRET_1")]);
    assert_eq!(
        rendered.server["env"],
        json!({"GITHUB_PERSONAL_ACCESS_TOKEN": "${secret:GITHUB_PERSONAL_ACCESS_TOKEN}"})
    );
    assert!(!rendered.server.to_string().contains("ghp_REDACTED_SECRET_1"));
    assert_eq!(rendered.secrets_to_store, map(&[("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_REDACTED_SECRET_1")]));
    let debug = format!("{rendered:?}");
    assert!(!debug.contains("ghp_REDACTED_SECRET_1"), "{debug}");
    assert!(debug.contains("GITHUB_PERSONAL_ACCESS_TOKEN"), "{debug}");
}

#[test]
fn a_given_reference_is_kept_as_it_is() {
    let rendered = render("brave-search", &[], &[("BRAVE_API_KEY", "${env:BRAVE_KEY}")]);
    assert_eq!(
        rendered.server,
        json!({"command": "npx", "args": ["-y", "@brave/brave-search-mcp-server"], "env": {"BRAVE_API_KEY": "${env:BRAVE_KEY}"}})
    );
    assert!(rendered.secrets_to_store.is_empty());
}

#[test]
fn github_remote_renders_a_bearer_header_reference() {
    let rendered = render("github-remote", &[], &[("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_x")]);
    assert_eq!(
        rendered.server,
        json!({
            "type": "http",
            "url": "https://api.githubcopilot.com/mcp/",
            "headers": {"Authorization": "Bearer ${secret:GITHUB_PERSONAL_ACCESS_TOKEN}"}
        })
    );
    assert_eq!(rendered.secrets_to_store, map(&[("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_x")]));
}

#[test]
fn flags_and_optional_parameters() {
    assert_eq!(render("git", &[], &[]).server, json!({"command": "uvx", "args": ["mcp-server-git"]}));
    assert_eq!(
        render("git", &[("repository", "/src/repo")], &[]).server,
        json!({"command": "uvx", "args": ["mcp-server-git", "--repository", "/src/repo"]})
    );
    assert_eq!(
        render("sqlite", &[("db-path", "/data/app.db")], &[]).server,
        json!({"command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "/data/app.db"]})
    );
    assert_eq!(
        render("postgres", &[("connection-url", "postgresql://localhost/mydb")], &[]).server,
        json!({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres", "postgresql://localhost/mydb"]})
    );
    assert_eq!(
        render("azure", &[], &[]).server,
        json!({"command": "npx", "args": ["-y", "@azure/mcp", "server", "start"]})
    );
    assert_eq!(render("fetch", &[], &[]).server, json!({"command": "uvx", "args": ["mcp-server-fetch"]}));
}

#[test]
fn oci_entries_pass_variables_and_runtime_args() {
    assert_eq!(
        render("docker", &[], &[]).server,
        json!({"command": "docker", "args": ["run", "-i", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "mcp/docker"]})
    );
    assert_eq!(
        render("grafana", &[], &[("GRAFANA_URL", "http://localhost:3000")]).server,
        json!({
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GRAFANA_URL", "-e", "GRAFANA_SERVICE_ACCOUNT_TOKEN", "mcp/grafana", "-t", "stdio"],
            "env": {
                "GRAFANA_URL": "http://localhost:3000",
                "GRAFANA_SERVICE_ACCOUNT_TOKEN": "${secret:GRAFANA_SERVICE_ACCOUNT_TOKEN}"
            }
        })
    );
    assert_eq!(
        render("terraform", &[], &[]).server,
        json!({"command": "docker", "args": ["run", "-i", "--rm", "hashicorp/terraform-mcp-server"]})
    );
}

#[test]
fn required_defaults_fill_in_and_optional_ones_stay_out() {
    let rendered = render("mysql", &[], &[("MYSQL_USER", "reader")]);
    assert_eq!(
        rendered.server["env"],
        json!({
            "MYSQL_HOST": "127.0.0.1",
            "MYSQL_PORT": "3306",
            "MYSQL_USER": "reader",
            "MYSQL_PASS": "${secret:MYSQL_PASS}"
        })
    );
}

#[test]
fn missing_values_are_all_listed() {
    let entry = CatalogEntry {
        id: "multi".into(),
        name: "Multi".into(),
        description: "test".into(),
        transport: Transport::Stdio,
        launch: Launch::Npm { package: "multi-mcp".into(), version: Some("1.0.0".into()) },
        runtime_args: vec![],
        args: vec!["--root={root}".into()],
        parameters: vec![
            CatalogParameter {
                name: "root".into(),
                description: String::new(),
                required: false,
                flag: None,
                default: None,
                secret: false,
                target: ParameterTarget::Args,
            },
            CatalogParameter {
                name: "db".into(),
                description: String::new(),
                required: true,
                flag: Some("--db".into()),
                default: None,
                secret: false,
                target: ParameterTarget::Args,
            },
        ],
        env: vec![
            CatalogEnvVar {
                name: "TOKEN".into(),
                description: String::new(),
                required: true,
                secret: true,
                default: None,
            },
            CatalogEnvVar {
                name: "REGION".into(),
                description: String::new(),
                required: true,
                secret: false,
                default: None,
            },
        ],
        headers: vec![],
        tags: vec![],
        homepage: None,
        deprecated: None,
        source: EntrySource::Builtin,
        registry_name: None,
        registry_version: None,
    };
    match entry_to_server(&entry, &none(), &none()).unwrap_err() {
        CatalogError::MissingParameters { server_id, missing } => {
            assert_eq!(server_id, "multi");
            assert_eq!(missing, ["root", "db", "REGION"]);
        }
        other => panic!("{other:?}"),
    }
    let rendered = entry_to_server(&entry, &map(&[("root", "/r"), ("db", "x.db")]), &map(&[("REGION", "eu")])).unwrap();
    assert_eq!(
        rendered.server,
        json!({
            "command": "npx",
            "args": ["-y", "multi-mcp", "--root=/r", "--db", "x.db"],
            "env": {"TOKEN": "${secret:TOKEN}", "REGION": "eu"}
        })
    );
}

#[test]
fn unknown_names_are_refused() {
    let error = entry_to_server(builtin_entry("git"), &map(&[("repo", "/x")]), &none()).unwrap_err();
    match &error {
        CatalogError::UnknownInputs { server_id, is_env, unknown, known } => {
            assert_eq!(server_id, "git");
            assert!(!is_env);
            assert_eq!(unknown, &["repo"]);
            assert_eq!(known, &["repository"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.to_string(), "git: unknown parameters: repo (known: repository)");
    let error = entry_to_server(builtin_entry("fetch"), &none(), &map(&[("X", "1")])).unwrap_err();
    assert_eq!(error.to_string(), "fetch: unknown environment variables: X (known: none)");
}

#[test]
fn a_launch_that_does_not_fit_its_transport_is_refused() {
    let mut entry = builtin_entry("memory").clone();
    entry.transport = Transport::Http;
    let error = entry_to_server(&entry, &none(), &none()).unwrap_err();
    assert!(matches!(&error, CatalogError::TransportMismatch { launch: "npm", transport: Transport::Http, .. }));
    assert_eq!(
        error.to_string(),
        "memory: transport http does not fit a npm launch (npm, pypi and oci are stdio; remote is http or sse)"
    );
}

// ---------------------------------------------------------------- search and find

fn ids<'a>(entries: &[&'a CatalogEntry]) -> Vec<&'a str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

#[test]
fn search_matches_id_name_description_and_tags_case_insensitively() {
    assert_eq!(ids(&search(builtin(), Some("POSTGRES"), None)), ["postgres", "supabase", "heroku", "supabase-remote"]);
    assert_eq!(ids(&search(builtin(), Some("github remote"), None)), ["github-remote"]);
    assert_eq!(ids(&search(builtin(), Some("Knowledge Graph"), None)), ["memory"]);
    assert_eq!(search(builtin(), None, None).len(), builtin().len());
    assert_eq!(search(builtin(), Some("  "), None).len(), builtin().len());
    assert!(search(builtin(), Some("no-such-server-anywhere"), None).is_empty());
}

#[test]
fn search_filters_by_transport() {
    let remote_ids = [
        "github-remote",
        "linear",
        "sentry",
        "atlassian",
        "cloudflare",
        "cloudflare-bindings",
        "context7-remote",
        "supabase-remote",
        "microsoft-learn",
    ];
    assert_eq!(ids(&search(builtin(), None, Some("http"))), remote_ids);
    assert_eq!(ids(&search(builtin(), None, Some("Streamable-HTTP"))), remote_ids);
    assert!(search(builtin(), None, Some("sse")).is_empty());
    assert!(search(builtin(), None, Some("carrier-pigeon")).is_empty());
    assert_eq!(ids(&search(builtin(), Some("context7"), Some("stdio"))), ["context7"]);
}

#[test]
fn find_by_id() {
    assert_eq!(find(builtin(), "fetch").unwrap().map(|e| e.name.as_str()), Some("Fetch"));
    assert!(find(builtin(), "Fetch").unwrap().is_none());
}

#[test]
fn every_builtin_entry_renders_into_every_client_that_supports_its_transport() {
    let mut rendered_pairs = 0;
    for entry in builtin() {
        let (params, env) = required_inputs(entry);
        let server = entry_to_server(entry, &params, &env).unwrap_or_else(|e| panic!("{}: {e}", entry.id)).server;
        let transport = dialects::entry_transport(server.as_object().expect("entry object")).expect("a transport");
        let document = json!({"mcpServers": {entry.id.clone(): server}});
        assert!(
            dialects::secret_like_values(&document).is_empty(),
            "{}: a literal secret in the rendered entry",
            entry.id
        );
        for client in dialects::all().iter().filter(|c| c.supports(transport)) {
            let text = dialects::render(client.id, None, &document, &[])
                .unwrap_or_else(|e| panic!("{} into {}: {e}", entry.id, client.id));
            let back =
                dialects::import(client.id, &text).unwrap_or_else(|e| panic!("{} from {}: {e}", entry.id, client.id));
            assert!(back["mcpServers"].get(&entry.id).is_some(), "{} lost in {}", entry.id, client.id);
            rendered_pairs += 1;
        }
    }
    assert!(rendered_pairs > builtin().len() * 10, "each entry reaches many clients ({rendered_pairs})");
}

#[path = "tests_import.rs"]
mod import;
