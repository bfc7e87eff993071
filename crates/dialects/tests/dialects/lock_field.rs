//! A server's `lock` (pins and tool fingerprints kept by `mcp-orchestration lock`) is for this
//! tool only: no dialect writes it into a client's file, and an entry in a file means the same
//! as the locked entry it was rendered from, so a second render changes nothing.

use serde_json::json;

#[test]
fn no_dialect_writes_the_lock_and_a_locked_entry_matches_its_file() {
    let locked = json!({"mcpServers": {
        "pinned": {"command": "npx", "args": ["-y", "@scope/pkg@1.2.3"],
                   "lock": {"ecosystem": "npm", "package": "@scope/pkg", "version": "1.2.3",
                            "integrity": "sha512-AAAA", "tools_sha256": "ab".repeat(32)}},
    }});
    let mut plain = locked.clone();
    plain["mcpServers"]["pinned"].as_object_mut().map(|e| e.shift_remove(dialects::LOCK_KEY));
    for client in dialects::all() {
        if !client.supports(dialects::Transport::Stdio) {
            continue;
        }
        let text = dialects::render(client.id, None, &locked, &[]).unwrap_or_else(|e| panic!("{}: {e}", client.id));
        assert!(text.contains("@scope/pkg@1.2.3"), "{}: the pinned args are written:\n{text}", client.id);
        for absent in ["lock", "integrity", "sha512-", "tools_sha256"] {
            assert!(!text.contains(absent), "{} writes {absent}:\n{text}", client.id);
        }
        assert_eq!(
            dialects::render(client.id, None, &plain, &[]).ok().as_deref(),
            Some(text.as_str()),
            "{}: the lock changes nothing in the file",
            client.id
        );
        let again =
            dialects::render(client.id, Some(&text), &locked, &[]).unwrap_or_else(|e| panic!("{}: {e}", client.id));
        assert_eq!(again, text, "{}: a locked entry equals the entry in its file", client.id);
    }
    // A file written by hand (its own key order and spacing) is left byte-for-byte.
    let by_hand =
        "{\"mcpServers\": {\"pinned\": {\"args\": [\"-y\",   \"@scope/pkg@1.2.3\"], \"command\": \"npx\"}}}\n";
    assert_eq!(dialects::render("cursor", Some(by_hand), &locked, &[]).ok().as_deref(), Some(by_hand));
}
