//! Data-driven tests of the diff: every document pair goes through [`check`], which asserts
//! the exact change list and that the reverse diff is its mirror image; statuses and
//! recommendations through [`check_status`]; redaction through [`check_redacted`]; and a
//! seeded randomized sweep of generated documents through the same invariants.

use serde_json::{Map, Value, json};

use super::redact::{REDACTED, redact};
use super::*;

fn document(text: &str) -> Value {
    serde_json::from_str(text).expect("test document is JSON")
}

fn show(value: &Option<Value>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), Value::to_string)
}

/// One line per change: `op path impact: old -> new` (compact JSON, `-` when absent).
fn render(diff: &Diff) -> Vec<String> {
    diff.changes
        .iter()
        .map(|c| format!("{} {} {}: {} -> {}", c.op.as_str(), c.path, c.impact.as_str(), show(&c.old), show(&c.new)))
        .collect()
}

/// Asserts that `diff_documents(base, target)` is exactly `expected` and obeys every
/// invariant (see [`check_invariants`]), including the mirror image in reverse.
fn check(base: &str, target: &str, expected: &[&str]) -> Diff {
    let (base, target) = (document(base), document(target));
    let diff = diff_documents(&base, &target);
    assert_eq!(render(&diff), expected, "diff of\n{base}\n→\n{target}");
    check_invariants(&base, &target, &diff);
    diff
}

/// Sorted unique paths, summary counts, server lists, determinism, and symmetry.
fn check_invariants(base: &Value, target: &Value, diff: &Diff) {
    let keys: Vec<(&str, &str)> = diff.changes.iter().map(|c| (c.server.as_str(), c.path.as_str())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "changes sorted by (server, path), no path twice");
    for c in &diff.changes {
        let server_path = format!("/mcpServers/{}", escape(&c.server));
        assert!(
            c.path == server_path || c.path.starts_with(&format!("{server_path}/")),
            "{} under {server_path}",
            c.path
        );
        let expected_op = match (&c.old, &c.new) {
            (None, Some(_)) => Op::Added,
            (Some(_), None) => Op::Removed,
            (Some(_), Some(_)) => Op::Modified,
            (None, None) => panic!("a change with neither side: {c:?}"),
        };
        assert_eq!(c.op, expected_op, "{c:?}");
    }
    assert_eq!(diff.summary, summarize(&diff.changes));
    let changed: BTreeSet<&str> = diff.changes.iter().map(|c| c.server.as_str()).collect();
    for name in diff.servers_added.iter().chain(&diff.servers_removed).chain(&diff.servers_modified) {
        assert!(changed.contains(name.as_str()), "{name} listed as changed without a change");
    }
    for name in &diff.servers_unchanged {
        assert!(!changed.contains(name.as_str()), "{name} listed as unchanged with a change");
    }
    let listed = diff.servers_added.len()
        + diff.servers_removed.len()
        + diff.servers_modified.len()
        + diff.servers_unchanged.len();
    let names: BTreeSet<&String> = [base, target].iter().filter_map(|d| servers_of(d)).flat_map(Map::keys).collect();
    assert_eq!(listed, names.len(), "every server in exactly one list");
    assert_eq!(&diff_documents(base, target), diff, "deterministic");

    let reverse = diff_documents(target, base);
    assert_eq!(reverse.servers_added, diff.servers_removed);
    assert_eq!(reverse.servers_removed, diff.servers_added);
    assert_eq!(reverse.servers_modified, diff.servers_modified);
    assert_eq!(reverse.servers_unchanged, diff.servers_unchanged);
    assert_eq!(reverse.changes.len(), diff.changes.len());
    for (forward, backward) in diff.changes.iter().zip(&reverse.changes) {
        let mirrored = match forward.op {
            Op::Added => Op::Removed,
            Op::Removed => Op::Added,
            Op::Modified => Op::Modified,
        };
        assert_eq!((&backward.server, &backward.path, backward.op), (&forward.server, &forward.path, mirrored));
        assert_eq!((&backward.old, &backward.new), (&forward.new, &forward.old));
    }
    assert_eq!(reverse.summary.added, diff.summary.removed);
    assert_eq!(reverse.summary.removed, diff.summary.added);
    assert_eq!(reverse.summary.total_changes, diff.summary.total_changes);
}

// ---- equivalent documents -------------------------------------------------------------------

const GITHUB: &str = r#"{"mcpServers": {
    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "${env:HOME}/work"]},
    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
               "headers": {"Authorization": "Bearer ${secret:GITHUB_TOKEN}"}},
    "local-sse": {"type": "sse", "url": "http://127.0.0.1:8931/sse", "disabled": true}
}}"#;

#[test]
fn identical_documents_have_no_changes() {
    let diff = check(GITHUB, GITHUB, &[]);
    assert_eq!(diff.servers_unchanged, ["filesystem", "github", "local-sse"]);
    assert_eq!(diff.summary, Summary::default());
}

#[test]
fn key_order_only_has_no_changes() {
    let reordered = r#"{"mcpServers": {
        "local-sse": {"disabled": true, "url": "http://127.0.0.1:8931/sse", "type": "sse"},
        "github": {"headers": {"Authorization": "Bearer ${secret:GITHUB_TOKEN}"},
                   "url": "https://api.githubcopilot.com/mcp/", "type": "http"},
        "filesystem": {"args": ["-y", "@modelcontextprotocol/server-filesystem", "${env:HOME}/work"], "command": "npx"}
    }}"#;
    let diff = check(GITHUB, reordered, &[]);
    assert_eq!(diff.servers_unchanged, ["filesystem", "github", "local-sse"]);
}

#[test]
fn whitespace_only_has_no_changes() {
    let compact = serde_json::to_string(&document(GITHUB)).expect("serializes");
    let pretty = serde_json::to_string_pretty(&document(GITHUB)).expect("serializes");
    check(&compact, &pretty, &[]);
    check(
        GITHUB,
        "\n\t{ \"mcpServers\" :{\"filesystem\":{\"command\":\"npx\",\"args\":[\"-y\",\"@modelcontextprotocol/server-filesystem\",\"${env:HOME}/work\"]},\"github\":{\"type\":\"http\",\"url\":\"https://api.githubcopilot.com/mcp/\",\"headers\":{\"Authorization\":\"Bearer ${secret:GITHUB_TOKEN}\"}},\"local-sse\":{\"type\":\"sse\",\"url\":\"http://127.0.0.1:8931/sse\",\"disabled\":true}}}\r\n",
        &[],
    );
}

#[test]
fn spelled_out_defaults_have_no_changes() {
    check(
        r#"{"mcpServers": {"a": {"command": "x"}, "b": {"url": "https://b"}}}"#,
        r#"{"mcpServers": {
            "a": {"type": "stdio", "command": "x", "args": [], "env": {}, "disabled": false, "cwd": null},
            "b": {"type": "http", "url": "https://b", "headers": {}, "clientOptions": {}, "description": null}
        }}"#,
        &[],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x", "timeout": 30, "env": {"A": "1", "B": null}}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "timeout": 30.0, "env": {"A": "1"}, "clientOptions": {"vscode": {}}}}}"#,
        &[],
    );
}

#[test]
fn other_top_level_keys_are_ignored() {
    check(r#"{"mcpServers": {}, "inputs": [1]}"#, r#"{"mcpServers": {}, "inputs": [2], "x": 1}"#, &[]);
}

// ---- one field at a time --------------------------------------------------------------------

#[test]
fn description_is_cosmetic() {
    check(
        r#"{"mcpServers": {"a": {"command": "x", "description": "Files"}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "description": "Local files"}}}"#,
        &[r#"modified /mcpServers/a/description cosmetic: "Files" -> "Local files""#],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "description": "Files"}}}"#,
        &[r#"added /mcpServers/a/description cosmetic: - -> "Files""#],
    );
}

#[test]
fn command_change_is_breaking() {
    let diff = check(
        r#"{"mcpServers": {"a": {"command": "npx", "args": ["pkg"]}, "b": {"command": "y"}}}"#,
        r#"{"mcpServers": {"a": {"command": "bunx", "args": ["pkg"]}, "b": {"command": "y"}}}"#,
        &[r#"modified /mcpServers/a/command breaking: "npx" -> "bunx""#],
    );
    assert_eq!((diff.servers_modified, diff.servers_unchanged), (vec!["a".to_owned()], vec!["b".to_owned()]));
}

#[test]
fn url_change_is_breaking() {
    check(
        r#"{"mcpServers": {"gh": {"type": "http", "url": "https://a.example/mcp"}}}"#,
        r#"{"mcpServers": {"gh": {"type": "http", "url": "https://b.example/mcp"}}}"#,
        &[r#"modified /mcpServers/gh/url breaking: "https://a.example/mcp" -> "https://b.example/mcp""#],
    );
}

#[test]
fn transport_change_is_breaking() {
    check(
        r#"{"mcpServers": {"r": {"type": "http", "url": "https://r/mcp"}}}"#,
        r#"{"mcpServers": {"r": {"type": "sse", "url": "https://r/mcp"}}}"#,
        &[r#"modified /mcpServers/r/type breaking: "http" -> "sse""#],
    );
    // No `type` with a `url` is streamable HTTP, so naming sse changes the transport.
    check(
        r#"{"mcpServers": {"r": {"url": "https://r/mcp"}}}"#,
        r#"{"mcpServers": {"r": {"type": "sse", "url": "https://r/mcp"}}}"#,
        &[r#"added /mcpServers/r/type breaking: - -> "sse""#],
    );
    // From a command to a url with no `type` anywhere: the field changes carry it.
    check(
        r#"{"mcpServers": {"r": {"command": "serve"}}}"#,
        r#"{"mcpServers": {"r": {"url": "https://r/mcp"}}}"#,
        &[
            r#"removed /mcpServers/r/command breaking: "serve" -> -"#,
            r#"added /mcpServers/r/url breaking: - -> "https://r/mcp""#,
        ],
    );
}

#[test]
fn args_compare_as_one_ordered_list() {
    check(
        r#"{"mcpServers": {"a": {"command": "x", "args": ["--port", "1", "-v"]}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "args": ["-v", "--port", "1"]}}}"#,
        &[r#"modified /mcpServers/a/args breaking: ["--port","1","-v"] -> ["-v","--port","1"]"#],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "args": ["-v"], "cwd": "/srv"}}}"#,
        &[r#"added /mcpServers/a/args breaking: - -> ["-v"]"#, r#"added /mcpServers/a/cwd breaking: - -> "/srv""#],
    );
}

#[test]
fn server_added_is_compatible_and_removed_is_breaking() {
    let one = r#"{"mcpServers": {"a": {"command": "x"}}}"#;
    let two = r#"{"mcpServers": {"a": {"command": "x"}, "b": {"url": "https://b", "disabled": true}}}"#;
    let added = check(one, two, &[r#"added /mcpServers/b compatible: - -> {"url":"https://b","disabled":true}"#]);
    assert_eq!((added.servers_added, added.servers_unchanged), (vec!["b".to_owned()], vec!["a".to_owned()]));
    let removed = check(two, one, &[r#"removed /mcpServers/b breaking: {"url":"https://b","disabled":true} -> -"#]);
    assert_eq!(removed.servers_removed, ["b"]);
}

#[test]
fn env_keys_added_compatible_removed_breaking_changed_compatible() {
    check(
        r#"{"mcpServers": {"a": {"command": "x", "env": {"HOME_DIR": "/h", "LOG": "info"}}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "env": {"LOG": "debug", "REGION": "eu"}}}}"#,
        &[
            r#"removed /mcpServers/a/env/HOME_DIR breaking: "/h" -> -"#,
            r#"modified /mcpServers/a/env/LOG compatible: "info" -> "debug""#,
            r#"added /mcpServers/a/env/REGION compatible: - -> "eu""#,
        ],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "env": {"LOG": "info"}}}}"#,
        &[r#"added /mcpServers/a/env/LOG compatible: - -> "info""#],
    );
}

#[test]
fn header_keys_added_compatible_removed_breaking() {
    check(
        r#"{"mcpServers": {"r": {"url": "https://r", "headers": {"X-Region": "eu"}}}}"#,
        r#"{"mcpServers": {"r": {"url": "https://r", "headers": {"X-Trace": "1"}}}}"#,
        &[
            r#"removed /mcpServers/r/headers/X-Region breaking: "eu" -> -"#,
            r#"added /mcpServers/r/headers/X-Trace compatible: - -> "1""#,
        ],
    );
}

#[test]
fn disabling_is_breaking_and_enabling_compatible() {
    check(
        r#"{"mcpServers": {"a": {"command": "x", "disabled": false}, "b": {"command": "y"}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "disabled": true}, "b": {"command": "y", "disabled": true}}}"#,
        &[
            "modified /mcpServers/a/disabled breaking: false -> true",
            "added /mcpServers/b/disabled breaking: - -> true",
        ],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x", "disabled": true}, "b": {"command": "y", "disabled": true}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "disabled": false}, "b": {"command": "y"}}}"#,
        &[
            "modified /mcpServers/a/disabled compatible: true -> false",
            "removed /mcpServers/b/disabled compatible: true -> -",
        ],
    );
}

#[test]
fn timeout_client_options_and_unknown_fields_are_compatible() {
    check(
        r#"{"mcpServers": {"a": {"command": "x", "timeout": 30, "clientOptions": {"cursor": {"envFile": ".env"}}, "alwaysAllow": ["read"]}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "timeout": 60, "clientOptions": {"vscode": {"dev": {"watch": "src"}}}}}}"#,
        &[
            r#"removed /mcpServers/a/alwaysAllow compatible: ["read"] -> -"#,
            r#"removed /mcpServers/a/clientOptions/cursor compatible: {"envFile":".env"} -> -"#,
            r#"added /mcpServers/a/clientOptions/vscode compatible: - -> {"dev":{"watch":"src"}}"#,
            "modified /mcpServers/a/timeout compatible: 30 -> 60",
        ],
    );
}

#[test]
fn mixed_changes_are_sorted_and_counted() {
    let diff = check(
        r#"{"mcpServers": {"b": {"command": "y", "description": "old"}, "a": {"command": "x"}, "c": {"command": "z"}}}"#,
        r#"{"mcpServers": {"d": {"command": "w"}, "c": {"command": "z"}, "b": {"command": "y2", "timeout": 5}}}"#,
        &[
            r#"removed /mcpServers/a breaking: {"command":"x"} -> -"#,
            r#"modified /mcpServers/b/command breaking: "y" -> "y2""#,
            r#"removed /mcpServers/b/description cosmetic: "old" -> -"#,
            "added /mcpServers/b/timeout compatible: - -> 5",
            r#"added /mcpServers/d compatible: - -> {"command":"w"}"#,
        ],
    );
    let expected =
        Summary { total_changes: 5, added: 2, removed: 2, modified: 1, breaking: 2, compatible: 2, cosmetic: 1 };
    assert_eq!(diff.summary, expected);
    assert_eq!(diff.servers_added, ["d"]);
    assert_eq!(diff.servers_removed, ["a"]);
    assert_eq!(diff.servers_modified, ["b"]);
    assert_eq!(diff.servers_unchanged, ["c"]);
}

#[test]
fn names_are_escaped_in_pointers() {
    check(
        r#"{"mcpServers": {"team/fs": {"command": "x", "env": {"A~B": "1"}}}}"#,
        r#"{"mcpServers": {"team/fs": {"command": "x", "env": {"A~B": "2"}}}, "other~": {}}"#,
        &[r#"modified /mcpServers/team~1fs/env/A~0B compatible: "1" -> "2""#],
    );
}

// ---- odd shapes -----------------------------------------------------------------------------

#[test]
fn documents_without_a_server_map_have_no_servers() {
    check("{}", r#"{"mcpServers": null}"#, &[]);
    check("[1, 2]", r#"{"mcpServers": ["a"]}"#, &[]);
    check(
        "null",
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        &[r#"added /mcpServers/a compatible: - -> {"command":"x"}"#],
    );
}

#[test]
fn non_object_entries_compare_as_whole_values() {
    check(
        r#"{"mcpServers": {"a": "npx server", "b": [1], "c": null}}"#,
        r#"{"mcpServers": {"a": {"command": "npx"}, "b": [1.0], "c": null}}"#,
        &[r#"modified /mcpServers/a breaking: "npx server" -> {"command":"npx"}"#],
    );
    check(
        r#"{"mcpServers": {"a": {"command": "x", "env": "A=1", "headers": {"H": "v"}}}}"#,
        r#"{"mcpServers": {"a": {"command": "x", "env": {"A": "1"}, "headers": ["H: v"], "type": 7}}}"#,
        &[
            r#"modified /mcpServers/a/env breaking: "A=1" -> {"A":"1"}"#,
            r#"modified /mcpServers/a/headers breaking: {"H":"v"} -> ["H: v"]"#,
            "added /mcpServers/a/type breaking: - -> 7",
        ],
    );
}

// ---- secrets --------------------------------------------------------------------------------

#[test]
fn changed_secret_is_detected_and_redacted_on_both_sides() {
    check(
        r#"{"mcpServers": {"gh": {"command": "x", "env": {"GITHUB_TOKEN": "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}}"#,
        r#"{"mcpServers": {"gh": {"command": "x", "env": {"GITHUB_TOKEN": "ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}}}"#,
        &[r#"modified /mcpServers/gh/env/GITHUB_TOKEN compatible: "«redacted»" -> "«redacted»""#],
    );
    check(
        r#"{"mcpServers": {"r": {"url": "https://r", "headers": {"Authorization": "Bearer abc"}}}}"#,
        r#"{"mcpServers": {"r": {"url": "https://r", "headers": {"Authorization": "Bearer ${secret:R_TOKEN}"}}}}"#,
        &[r#"modified /mcpServers/r/headers/Authorization compatible: "«redacted»" -> "Bearer ${secret:R_TOKEN}""#],
    );
}

#[test]
fn references_are_shown() {
    check(
        r#"{"mcpServers": {"gh": {"url": "https://g", "headers": {"Authorization": "Bearer ${secret:GH_A}"}, "env": {"API_KEY": "${env:KEY_A}"}}}}"#,
        r#"{"mcpServers": {"gh": {"url": "https://g", "headers": {"Authorization": "Bearer ${secret:GH_B}"}, "env": {"API_KEY": "$KEY_B"}}}}"#,
        &[
            r#"modified /mcpServers/gh/env/API_KEY compatible: "${env:KEY_A}" -> "$KEY_B""#,
            r#"modified /mcpServers/gh/headers/Authorization compatible: "Bearer ${secret:GH_A}" -> "Bearer ${secret:GH_B}""#,
        ],
    );
}

#[test]
fn whole_entries_are_redacted_inside() {
    check(
        r#"{"mcpServers": {}}"#,
        r#"{"mcpServers": {"s": {"command": "x", "args": ["--api-key", "k-123", "--token=t-456", "--port", "1"],
            "env": {"SLACK_BOT_TOKEN": "xoxb-1111111111-abc", "GITHUB_TOKEN": "${secret:GH}", "DATABASE_URL": "postgres://u:pw@db/x"},
            "clientOptions": {"goose": {"credentials": {"user": "bob", "pin": 1234}}}}}}"#,
        &[concat!(
            r#"added /mcpServers/s compatible: - -> {"command":"x","args":["--api-key","«redacted»","--token=«redacted»","--port","1"],"#,
            r#""env":{"SLACK_BOT_TOKEN":"«redacted»","GITHUB_TOKEN":"${secret:GH}","DATABASE_URL":"postgres://u:«redacted»@db/x"},"#,
            r#""clientOptions":{"goose":{"credentials":{"user":"«redacted»","pin":"«redacted»"}}}}"#,
        )],
    );
}

#[test]
fn secret_shaped_values_are_redacted_anywhere() {
    check(
        r#"{"mcpServers": {"s": {"url": "https://h/mcp?api_key=abc&region=eu", "args": ["sk-ant-0123456789abcdefghij"]}}}"#,
        r#"{"mcpServers": {"s": {"url": "https://h/mcp?api_key=${secret:K}&region=eu", "args": ["--verbose"]}}}"#,
        &[
            r#"modified /mcpServers/s/args breaking: ["«redacted»"] -> ["--verbose"]"#,
            r#"modified /mcpServers/s/url breaking: "https://h/mcp?api_key=«redacted»&region=eu" -> "https://h/mcp?api_key=${secret:K}&region=eu""#,
        ],
    );
}

/// Asserts how `value`, sitting under `key`, is shown.
fn check_redacted(key: Option<&str>, value: Value, expected: Value) {
    assert_eq!(redact(&value, key), expected, "{key:?}: {value}");
}

#[test]
fn redaction_rules() {
    let hidden = || json!(REDACTED);
    let cases: Vec<(Option<&str>, Value, Value)> = vec![
        // Secret-looking names hide literals, whatever the value.
        (Some("GITHUB_PERSONAL_ACCESS_TOKEN"), json!("abc"), hidden()),
        (Some("clientSecret"), json!("abc"), hidden()),
        (Some("x-api-key"), json!("abc"), hidden()),
        (Some("apiKey"), json!("abc"), hidden()),
        (Some("OPENAI_KEY"), json!("abc"), hidden()),
        (Some("DB_PASSWORD"), json!("hunter2"), hidden()),
        (Some("Authorization"), json!("Basic dXNlcjpwYXNz"), hidden()),
        (Some("PRIVATE_KEY"), json!(12345), hidden()),
        (Some("Cookie"), json!("session=1"), hidden()),
        // … but not references, empty values, booleans, or look-alike names.
        (Some("GITHUB_TOKEN"), json!("${secret:GITHUB_TOKEN}"), json!("${secret:GITHUB_TOKEN}")),
        (Some("GITHUB_TOKEN"), json!("${GITHUB_TOKEN}"), json!("${GITHUB_TOKEN}")),
        (Some("Authorization"), json!("Bearer ${env:TOKEN}"), json!("Bearer ${env:TOKEN}")),
        (Some("Authorization"), json!("Basic ${env:USER}:${secret:PASS}"), json!("Basic ${env:USER}:${secret:PASS}")),
        (Some("API_KEY"), json!(""), json!("")),
        (Some("USE_AUTH"), json!(true), json!(true)),
        (Some("GIT_AUTHOR_NAME"), json!("Ada"), json!("Ada")),
        (Some("LOG_LEVEL"), json!("debug"), json!("debug")),
        // A reference with a default, or a key-shaped "name", is a literal.
        (Some("API_KEY"), json!("${env:K:-fallback}"), hidden()),
        (None, json!("${ghp_0123456789abcdefghijklmn}"), hidden()),
        // Secret-shaped values anywhere.
        (Some("OPTIONS"), json!("sk-proj-0123456789abcdef"), hidden()),
        (None, json!("github_pat_0123456789abcdefghijkl"), hidden()),
        (None, json!("AKIAABCDEFGHIJKLMNOP"), hidden()),
        (None, json!("xoxp-123456789012"), hidden()),
        (None, json!("REDACTED_SECRET_3"), hidden()),
        (None, json!("Bearer abc"), hidden()),
        (None, json!("Authorization: Bearer abc"), hidden()),
        (None, json!("curl -H 'Bearer eyJhbGciOi'"), hidden()),
        // Near misses stay readable.
        (Some("description"), json!("Uses Bearer tokens for auth"), json!("Uses Bearer tokens for auth")),
        (None, json!("sk-short"), json!("sk-short")),
        (None, json!("@scope/ghp_tool"), json!("@scope/ghp_tool")),
        (None, json!("https://user@host/x?page=2"), json!("https://user@host/x?page=2")),
        (None, json!("https://u:${secret:P}@host/x"), json!("https://u:${secret:P}@host/x")),
        (None, json!("https://u:p4ss@host/x?token=t&x=1"), json!("https://u:«redacted»@host/x?token=«redacted»&x=1")),
        // Arguments after secret flags.
        (
            Some("args"),
            json!(["--token", "${env:T}", "--api-key", "abc", "-v"]),
            json!(["--token", "${env:T}", "--api-key", REDACTED, "-v"]),
        ),
        (Some("args"), json!(["--password=pw", "--name=x"]), json!(["--password=«redacted»", "--name=x"])),
        // Everything under a secret-looking object name.
        (
            Some("auth"),
            json!({"user": "u", "scopes": ["read"], "enabled": true}),
            json!({"user": REDACTED, "scopes": [REDACTED], "enabled": true}),
        ),
    ];
    for (key, value, expected) in cases {
        check_redacted(key, value, expected);
    }
}

// ---- status and recommendation --------------------------------------------------------------

const HEAD: &str = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["fs"]}, "gh": {"url": "https://gh/mcp"}}}"#;
const OLDER: &str = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["fs"]}}}"#;

/// Asserts the status and recommendation of `live` (`None`: no file) against [`HEAD`].
fn check_status(live: Option<&str>, older: &[&str], ever_deployed: bool, expected: Status, advice: &str) {
    let live = live.map(document);
    let head = document(HEAD);
    let older: Vec<Value> = older.iter().map(|text| document(text)).collect();
    let report = report(live.as_ref(), &head, &older, ever_deployed);
    assert_eq!((report.status, report.recommendation.as_str()), (expected, advice), "live {live:?}");
    assert_eq!(report.diff, diff_documents(live.as_ref().unwrap_or(&Value::Null), &head));
}

#[test]
fn status_missing() {
    for ever_deployed in [false, true] {
        check_status(None, &[OLDER], ever_deployed, Status::Missing, "deploy to create it");
        check_status(Some("{}"), &[OLDER], ever_deployed, Status::Missing, "deploy to create it");
        check_status(Some(r#"{"mcpServers": {}}"#), &[], ever_deployed, Status::Missing, "deploy to create it");
    }
}

#[test]
fn status_up_to_date_whether_deployed_or_not() {
    let reformatted =
        r#"{"mcpServers":{"gh":{"type":"http","url":"https://gh/mcp"},"fs":{"args":["fs"],"command":"npx"}}}"#;
    for ever_deployed in [false, true] {
        check_status(Some(HEAD), &[OLDER], ever_deployed, Status::UpToDate, "nothing to do");
        check_status(Some(reformatted), &[], ever_deployed, Status::UpToDate, "nothing to do");
    }
    let empty = document(r#"{"mcpServers": {}}"#);
    assert_eq!(classify(Some(&empty), &empty, &[], false), Status::UpToDate);
}

#[test]
fn status_outdated_when_equal_to_an_older_version() {
    let older_reordered = r#"{"mcpServers": {"fs": {"args": ["fs"], "command": "npx", "env": {}}}}"#;
    let advice = "deploy to update to the newest version";
    check_status(Some(older_reordered), &["{\"mcpServers\": {\"x\": {}}}", OLDER], true, Status::Outdated, advice);
}

#[test]
fn status_unmanaged_when_never_deployed_and_not_the_head() {
    let advice = "import it to manage it, or deploy to add the profile's servers";
    check_status(Some(OLDER), &[OLDER], false, Status::Unmanaged, advice);
    check_status(Some(r#"{"mcpServers": {"mine": {"command": "me"}}}"#), &[], false, Status::Unmanaged, advice);
}

#[test]
fn status_diverged_recommendations() {
    let extra = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["fs"]}, "gh": {"url": "https://gh/mcp"}, "mine": {"command": "me"}}}"#;
    let advice = "publish the local changes as a new version, or deploy to discard them";
    check_status(Some(extra), &[OLDER], true, Status::Diverged, advice);

    let edited =
        r#"{"mcpServers": {"fs": {"command": "bunx", "args": ["fs", "-v"]}, "gh": {"url": "https://gh/mcp"}}}"#;
    check_status(
        Some(edited),
        &[OLDER],
        true,
        Status::Diverged,
        "review: deploying would discard local edits (2 breaking)",
    );

    let described = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["fs"], "description": "mine"}}}"#;
    let advice = "deploy to update (2 changes, none breaking), or publish the local changes as a new version";
    check_status(Some(described), &[OLDER], true, Status::Diverged, advice);
    let one =
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["fs"]}, "gh": {"url": "https://gh/mcp", "timeout": 9}}}"#;
    let advice = "deploy to update (1 change, none breaking), or publish the local changes as a new version";
    check_status(Some(one), &[OLDER], true, Status::Diverged, advice);
}

// ---- serialized shape -----------------------------------------------------------------------

#[test]
fn serialized_shape() {
    let diff = check(
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        r#"{"mcpServers": {"a": {"command": "y"}}}"#,
        &[r#"modified /mcpServers/a/command breaking: "x" -> "y""#],
    );
    let expected = json!({
        "changes": [{"op": "modified", "server": "a", "path": "/mcpServers/a/command", "old": "x", "new": "y", "impact": "breaking"}],
        "servers_added": [], "servers_removed": [], "servers_modified": ["a"], "servers_unchanged": [],
        "summary": {"total_changes": 1, "added": 0, "removed": 0, "modified": 1, "breaking": 1, "compatible": 0, "cosmetic": 0}
    });
    assert_eq!(serde_json::to_value(&diff).expect("serializes"), expected);
    let statuses = [Status::UpToDate, Status::Outdated, Status::Diverged, Status::Missing, Status::Unmanaged];
    let names: Vec<Value> = statuses.iter().map(|s| serde_json::to_value(s).expect("serializes")).collect();
    assert_eq!(
        names,
        [json!("up-to-date"), json!("outdated"), json!("diverged"), json!("missing"), json!("unmanaged")]
    );
    assert_eq!(statuses.map(Status::as_str), ["up-to-date", "outdated", "diverged", "missing", "unmanaged"]);
    let ops = [Op::Added, Op::Removed, Op::Modified].map(|op| serde_json::to_value(op).expect("serializes"));
    assert_eq!(ops, [json!("added"), json!("removed"), json!("modified")]);
    let impacts =
        [Impact::Breaking, Impact::Compatible, Impact::Cosmetic].map(|i| serde_json::to_value(i).expect("serializes"));
    assert_eq!(impacts, [json!("breaking"), json!("compatible"), json!("cosmetic")]);
    let back: Diff = serde_json::from_value(expected).expect("deserializes");
    assert_eq!(back, diff);
}

// ---- randomized sweep -----------------------------------------------------------------------

/// xorshift64*: a small fixed-seed generator so the sweep is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn random_map(rng: &mut Rng, keys: &[&str], values: &[&str]) -> Value {
    let mut map = Map::new();
    for key in keys {
        if rng.chance(40) {
            map.insert((*key).to_owned(), json!(rng.pick(values)));
        }
    }
    Value::Object(map)
}

fn random_entry(rng: &mut Rng) -> Value {
    if rng.chance(3) {
        return json!(rng.pick(&["odd", "npx x"]));
    }
    let mut entry = Map::new();
    if rng.chance(50) {
        entry.insert("command".into(), json!(rng.pick(&["npx", "uvx"])));
        let args: Vec<&str> =
            (0..rng.below(3)).map(|_| rng.pick(&["-y", "pkg", "--token", "sk-0123456789abcdefXYZ"])).collect();
        entry.insert("args".into(), json!(args));
        entry.insert(
            "env".into(),
            random_map(rng, &["A", "API_KEY", "A/B"], &["1", "${env:X}", "ghp_012345678901234567890123"]),
        );
    } else {
        entry.insert("url".into(), json!(rng.pick(&["https://a/mcp", "https://u:pw@b/mcp?key=1"])));
        entry.insert(
            "headers".into(),
            random_map(rng, &["Authorization", "X-Region"], &["Bearer ${secret:T}", "Bearer t0k3n12345", "eu"]),
        );
    }
    let optional: [(&str, Value); 6] = [
        ("type", json!(rng.pick(&["stdio", "http", "sse"]))),
        ("disabled", json!(rng.chance(50))),
        ("timeout", [json!(30), json!(30.0), json!(60)][rng.below(3)].clone()),
        ("description", json!(rng.pick(&["a", "b"]))),
        ("clientOptions", json!({rng.pick(&["vscode", "cursor"]): {"x": rng.below(2)}})),
        ("cwd", Value::Null),
    ];
    for (field, value) in optional {
        if rng.chance(30) {
            entry.insert(field.into(), value);
        }
    }
    Value::Object(entry)
}

fn random_document(rng: &mut Rng) -> Value {
    let mut servers = Map::new();
    for name in ["a", "b", "c", "d/e"] {
        if rng.chance(60) {
            servers.insert(name.into(), random_entry(rng));
        }
    }
    json!({"mcpServers": servers})
}

/// The same value with every object's keys in another order.
fn reordered(value: &Value, rng: &mut Rng) -> Value {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(String, Value)> = map.iter().map(|(k, v)| (k.clone(), reordered(v, rng))).collect();
            let len = members.len().max(1);
            members.rotate_left(rng.below(len));
            if rng.chance(50) {
                members.reverse();
            }
            Value::Object(members.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| reordered(item, rng)).collect()),
        other => other.clone(),
    }
}

#[test]
fn randomized_documents_keep_every_invariant() {
    let mut rng = Rng(0x5EED_D1FF_2026_0001);
    let mut nonempty = 0;
    for _ in 0..400 {
        let (a, b) = (random_document(&mut rng), random_document(&mut rng));
        let diff = diff_documents(&a, &b);
        check_invariants(&a, &b, &diff);
        nonempty += usize::from(!diff.is_empty());
        for change in &diff.changes {
            let shown = format!("{:?} {:?}", change.old, change.new);
            for secret in ["sk-0123456789abcdefXYZ", "ghp_012345678901234567890123", "t0k3n12345", ":pw@"] {
                assert!(!shown.contains(secret), "{secret} shown in {change:?}");
            }
        }
        let shuffled = reordered(&a, &mut rng);
        assert!(diff_documents(&a, &shuffled).is_empty(), "order-only:\n{a}\n{shuffled}");
        let text = serde_json::to_string_pretty(&a).expect("serializes");
        assert!(equivalent(&a, &document(&text)));
        assert_eq!(classify(Some(&shuffled), &a, &[], false), Status::UpToDate);
        let b_has_servers = servers_of(&b).is_some_and(|servers| !servers.is_empty());
        let expected = match (diff.is_empty(), b_has_servers) {
            (true, _) => Status::UpToDate,
            (false, false) => Status::Missing,
            (false, true) => Status::Outdated,
        };
        assert_eq!(classify(Some(&b), &a, &[reordered(&b, &mut rng)], true), expected);
    }
    assert!(nonempty > 300, "the generator produces differing pairs ({nonempty})");
}
