//! The rendered managed settings written into a settings file: only the keys this program
//! owns change (set, or removed when the policies express nothing for them); every other key,
//! comment and byte of an existing file stays, edited through `jsonc-parser`'s CST as the
//! dialects edit client files.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

use super::render::ManagedClient;

fn to_input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(to_input).collect()),
        Value::Object(map) => CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), to_input(v))).collect()),
    }
}

fn lookup<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// The file's text with the owned keys of `client` set to `settings` (a new file when
/// `existing` is `None` or blank). Refuses (with line, column and what is wrong) a file that is
/// not a JSON object.
pub fn merge(client: ManagedClient, existing: Option<&str>, settings: &Value) -> Result<String, String> {
    if client == ManagedClient::Codex {
        return super::render_codex::merge(existing, settings);
    }
    let Some(text) = existing.filter(|t| !t.trim().is_empty()) else {
        // serde_json's pretty form of a JSON value cannot fail.
        return Ok(serde_json::to_string_pretty(settings).unwrap_or_default() + "\n");
    };
    let options = ParseOptions { allow_trailing_commas: false, ..ParseOptions::default() };
    let root = CstRootNode::parse(text, &options)
        .map_err(|e| format!("line {}, column {}: {}", e.line_display(), e.column_display(), e.kind()))?;
    let object = root.value().and_then(|v| v.as_object()).ok_or("the file is not a JSON object")?;
    for path in client.owned_keys() {
        let Some((last, parents)) = path.split_last() else { continue };
        match lookup(settings, path) {
            Some(value) => {
                let mut container: CstObject = object.clone();
                for key in parents {
                    container = container.object_value_or_set(key);
                }
                match container.get(last) {
                    Some(prop) => prop.set_value(to_input(value)),
                    None => {
                        container.append(last, to_input(value));
                    }
                }
            }
            None => {
                let container = parents.iter().try_fold(object.clone(), |o, key| o.object_value(key));
                if let Some(prop) = container.and_then(|c| c.get(last)) {
                    prop.remove();
                }
            }
        }
    }
    let mut out = root.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn owned_keys_change_and_everything_else_stays() {
        let existing = "{\n  // the admin's\n  \"model\": \"x\",\n  \"deniedMcpServers\": [{\"serverName\": \"old\"}],\n  \"allowedMcpServers\": []\n}\n";
        let settings = json!({"deniedMcpServers": [{"serverName": "evil"}]});
        let out = merge(ManagedClient::ClaudeCode, Some(existing), &settings).expect("merges");
        assert!(out.contains("// the admin's") && out.contains("\"model\": \"x\""), "{out}");
        let value: Value = jsonc_parser::parse_to_serde_value(&out, &ParseOptions::default()).expect("parses");
        assert_eq!(value["deniedMcpServers"], json!([{"serverName": "evil"}]));
        assert!(value.get("allowedMcpServers").is_none(), "{out}");
        assert_eq!(value["model"], "x");
    }

    #[test]
    fn nested_keys_are_created_and_removed() {
        let settings = json!({"mcp": {"excluded": ["evil"]}});
        let out = merge(ManagedClient::GeminiCli, Some("{\"ui\": {\"theme\": \"d\"}}"), &settings).expect("merges");
        let value: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(value, json!({"ui": {"theme": "d"}, "mcp": {"excluded": ["evil"]}}));
        let out = merge(ManagedClient::GeminiCli, Some(&out), &json!({})).expect("merges");
        let value: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(value, json!({"ui": {"theme": "d"}, "mcp": {}}));
    }

    #[test]
    fn a_file_that_is_not_an_object_is_refused() {
        assert_eq!(merge(ManagedClient::Copilot, Some("[1]"), &json!({})), Err("the file is not a JSON object".into()));
        let err = merge(ManagedClient::Copilot, Some("{\"a\": }"), &json!({})).expect_err("refused");
        assert!(err.starts_with("line 1, column"), "{err}");
        assert_eq!(merge(ManagedClient::Copilot, Some("  "), &json!({"a": 1})), Ok("{\n  \"a\": 1\n}\n".into()));
    }
}
