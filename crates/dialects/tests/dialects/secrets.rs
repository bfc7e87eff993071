//! Secret-looking literal values are found by JSON pointer; references are not.

use serde_json::json;

#[test]
fn literal_secrets_are_found_and_references_are_not() {
    let servers = json!({"mcpServers": {
        "gh": {"command": "npx", "env": {
            "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "GITHUB_HOST": "github.com",
            "API_KEY": "${env:API_KEY}",
            "DB_PASSWORD": "hunter2",
            "MAX_TOKENS": "4096",
            "OPENAI_KEY": "${OPENAI_KEY}"
        }},
        "remote": {"type": "http", "url": "https://x.example/mcp?api_key=sk-proj-0123456789abcdefghij", "headers": {
            "Authorization": "Bearer sbp_REDACTED_SECRET_1",
            "X-Api-Key": "${secret:X}",
            "X-Team": "core"
        }},
        "slack": {"command": "x", "args": ["--token", "xoxb-1234567890-abcdef"], "env": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AUTH": "Bearer ${input:tok}"}},
        "redacted": {"command": "x", "env": {"SOMETHING": "REDACTED_SECRET_3"}, "clientOptions": {"codex": {"bearer_token": "plain-value"}}}
    }});
    assert_eq!(
        dialects::secret_like_values(&servers),
        [
            "/mcpServers/gh/env/GITHUB_PERSONAL_ACCESS_TOKEN",
            "/mcpServers/gh/env/DB_PASSWORD",
            "/mcpServers/remote/url",
            "/mcpServers/remote/headers/Authorization",
            "/mcpServers/slack/args/1",
            "/mcpServers/slack/env/AWS_ACCESS_KEY_ID",
            "/mcpServers/redacted/env/SOMETHING",
            "/mcpServers/redacted/clientOptions/codex/bearer_token",
        ]
    );
}

#[test]
fn the_corpus_placeholders_count_as_secrets() {
    let text = crate::support::corpus("claude-code/006.json");
    let doc = dialects::import("claude-code", &text).expect("import");
    assert_eq!(dialects::secret_like_values(&doc), ["/mcpServers/supabase/headers/Authorization"]);
    let doc = dialects::import("goose", &crate::support::corpus("goose/002.yaml")).expect("import");
    assert_eq!(
        dialects::secret_like_values(&doc),
        Vec::<String>::new(),
        "env_keys name variables, they hold no values"
    );
}
