//! What output shows of client files and servers documents: every sensitive value replaced
//! on the structure before anything is rendered (the rule of the README's secrets section).
//!
//! A [`Shown`] is built for one output (one preview, one report). It knows:
//! - **positions**: for each server, the JSON pointers (inside the entry) where a profile holds
//!   a `${secret:…}` or `${env:…}` reference; whatever a file holds there came from a
//!   resolution, now or at an earlier deploy, and is never shown;
//! - **values** that are secret wherever they appear (the secret store's values, resolved
//!   secret-looking environment values), and every value it masked on the way.
//!
//! Masking a document replaces, at those positions and at every position the name-based rules
//! of [`super::redact`] call sensitive, the value by a token `«redacted#N»` (N numbers the
//! distinct values of this output). A unified diff is then computed on texts in which only
//! tokens stand for secrets, so an unchanged secret is an unchanged line and a changed one a
//! changed line; [`Shown::finish`] last turns every token into `«redacted»` (and, as a
//! backstop, any known value still present in the text, e.g. outside the server entries).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::redact::{self, REDACTED};

/// The shortest value the text backstop replaces (shorter ones would mask ordinary words).
const BACKSTOP_MIN_LENGTH: usize = 6;
const TOKEN_START: &str = "«redacted#";

/// The sensitive positions and values of one output.
#[derive(Debug, Default)]
pub struct Shown {
    positions: BTreeMap<String, BTreeSet<String>>,
    known: BTreeSet<String>,
    tokens: RefCell<Vec<String>>,
}

/// The pointers, inside each server entry, of every string holding a reference.
fn reference_pointers(document: &Value) -> BTreeMap<String, BTreeSet<String>> {
    fn walk(value: &Value, at: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::String(text) if text.contains("${secret:") || text.contains("${env:") => {
                out.insert(at.to_owned());
            }
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(v, &format!("{at}/{i}"), out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, &format!("{at}/{}", escape(k)), out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Some(servers) = document.get("mcpServers").and_then(Value::as_object) {
        for (name, entry) in servers {
            let mut pointers = BTreeSet::new();
            walk(entry, "", &mut pointers);
            if !pointers.is_empty() {
                out.insert(name.clone(), pointers);
            }
        }
    }
    out
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn is_token(text: &str) -> bool {
    text.strip_prefix(TOKEN_START)
        .and_then(|rest| rest.strip_suffix('»'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Shown {
    /// Nothing known yet.
    pub fn new() -> Self {
        Shown::default()
    }

    /// `value` is secret wherever it appears (empty values are ignored).
    pub fn know(&mut self, value: &str) {
        if !value.is_empty() {
            self.known.insert(value.to_owned());
        }
    }

    /// The positions where `document` (a profile's payload, with references) holds references.
    pub fn positions_of(&mut self, document: &Value) {
        for (server, pointers) in reference_pointers(document) {
            self.positions.entry(server).or_default().extend(pointers);
        }
    }

    /// The token standing for `value` in this output.
    fn token(&self, value: &str) -> String {
        if is_token(value) {
            return value.to_owned();
        }
        let mut tokens = self.tokens.borrow_mut();
        let index = match tokens.iter().position(|t| t == value) {
            Some(index) => index,
            None => {
                tokens.push(value.to_owned());
                tokens.len() - 1
            }
        };
        format!("{TOKEN_START}{index}»")
    }

    /// A servers document with every sensitive value replaced by its token.
    pub fn mask_document(&self, document: &Value) -> Value {
        let mut out = document.clone();
        if let Some(servers) = out.get_mut("mcpServers").and_then(Value::as_object_mut) {
            for (name, entry) in servers.iter_mut() {
                *entry = self.mask_entry(name, "", entry);
            }
        }
        out
    }

    /// The value at `pointer` inside server `server`'s entry, masked (`pointer` "" is the
    /// whole entry; `key` is the member name the value sits under, for the name rules).
    pub fn mask_at(&self, server: &str, pointer: &str, key: Option<&str>, value: &Value) -> Value {
        let positioned = self.mask_positions(server, pointer, value);
        let named = redact::redact_with(&positioned, key, &|secret| self.token(secret));
        self.mask_known(&named)
    }

    fn mask_entry(&self, server: &str, pointer: &str, entry: &Value) -> Value {
        self.mask_at(server, pointer, None, entry)
    }

    fn mask_positions(&self, server: &str, at: &str, value: &Value) -> Value {
        let Some(pointers) = self.positions.get(server) else { return value.clone() };
        if !pointers.iter().any(|p| p.starts_with(at)) {
            return value.clone();
        }
        match value {
            // A string still holding a reference is the profile's own text (shown as it is);
            // one without is what a reference resolved to.
            Value::String(text)
                if pointers.contains(at)
                    && !text.contains("${")
                    && !text.contains("{env:")
                    && !redact::holds_no_literal(text) =>
            {
                Value::String(self.token(text))
            }
            Value::Array(items) => Value::Array(
                items.iter().enumerate().map(|(i, v)| self.mask_positions(server, &format!("{at}/{i}"), v)).collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.mask_positions(server, &format!("{at}/{}", escape(k)), v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn mask_known(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.replace_known(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.mask_known(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.mask_known(v))).collect()),
            other => other.clone(),
        }
    }

    /// `text` with every occurrence of a known value replaced by its token.
    fn replace_known(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let mut known: Vec<&String> = self.known.iter().filter(|v| out.contains(v.as_str())).collect();
        known.sort_by_key(|v| std::cmp::Reverse(v.len()));
        for value in known {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &self.token(value));
            }
        }
        out
    }

    /// A client file's text with its server entries masked: `document` (the file's servers,
    /// possibly with some values put back into reference form) rendered into `text`.
    pub fn file_text(
        &self,
        client: &str,
        placement: &dialects::Placement,
        text: &str,
        document: &Value,
    ) -> Result<String, dialects::DialectError> {
        dialects::render_at(client, placement, Some(text), &self.mask_document(document), &[])
    }

    /// `text` as output may show it: the backstop applied (every value this output masked or
    /// knows, of [`BACKSTOP_MIN_LENGTH`] characters or more, replaced wherever it still
    /// appears), then every token shown as `«redacted»`.
    pub fn finish(&self, text: &str) -> String {
        let mut values: Vec<String> = self.tokens.borrow().clone();
        values.extend(self.known.iter().cloned());
        values.retain(|v| v.chars().count() >= BACKSTOP_MIN_LENGTH && !is_token(v));
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        let mut out = text.to_owned();
        for value in &values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        strip_tokens(&out)
    }

    /// A JSON value as output may show it: [`Shown::finish`] applied to every string.
    pub fn finish_value(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.finish(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.finish_value(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.finish_value(v))).collect()),
            other => other.clone(),
        }
    }
}

/// Every `«redacted#N»` token shown as `«redacted»`.
fn strip_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(TOKEN_START) {
        out.push_str(&rest[..at]);
        let after = &rest[at + TOKEN_START.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with('»') {
            out.push_str(REDACTED);
            rest = &after[digits + '»'.len_utf8()..];
        } else {
            out.push_str(TOKEN_START);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Puts values of `document` (a file's servers) back into reference form where they equal what
/// the profile's references resolve to: at each pointer where `shown` (the profile with its
/// references as output shows them) holds a reference and `resolved` (the same, resolved)
/// holds exactly the file's value, the file's value becomes `shown`'s. So a preview shows
/// `${secret:NAME}` on both sides of an unchanged line.
pub fn unresolve(document: &mut Value, shown: &Value, resolved: &Value) {
    let Some(servers) = document.get_mut("mcpServers").and_then(Value::as_object_mut) else { return };
    for (name, pointers) in reference_pointers(shown) {
        let Some(entry) = servers.get_mut(&name) else { continue };
        let shown_entry = &shown["mcpServers"][&name];
        let resolved_entry = &resolved["mcpServers"][&name];
        for pointer in pointers {
            let (Some(reference), Some(value)) = (shown_entry.pointer(&pointer), resolved_entry.pointer(&pointer))
            else {
                continue;
            };
            if let Some(slot) = entry.pointer_mut(&pointer)
                && slot == value
            {
                *slot = reference.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_value_at_a_reference_position_is_masked_whatever_its_name() {
        let mut shown = Shown::new();
        shown.positions_of(&json!({"mcpServers": {"s": {"command": "x", "args": ["--config", "${secret:CFG}"]}}}));
        let live = json!({"mcpServers": {"s": {"command": "x", "args": ["--config", "plain-looking-value"]}}});
        let masked = shown.mask_document(&live);
        let text = shown.finish(&masked.to_string());
        assert!(!text.contains("plain-looking-value"), "{text}");
        assert!(text.contains("\"--config\",\"«redacted»\""), "{text}");
    }

    #[test]
    fn equal_values_get_equal_tokens_and_different_values_different_ones() {
        let shown = Shown::new();
        let a = shown.mask_document(&json!({"mcpServers": {"s": {"env": {"API_TOKEN": "old-value-1"}}}}));
        let b = shown.mask_document(&json!({"mcpServers": {"s": {"env": {"API_TOKEN": "old-value-1"}}}}));
        let c = shown.mask_document(&json!({"mcpServers": {"s": {"env": {"API_TOKEN": "new-value-2"}}}}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(shown.finish(&a.to_string()), shown.finish(&c.to_string()));
    }

    #[test]
    fn known_values_are_masked_inside_longer_strings_and_by_the_backstop() {
        let mut shown = Shown::new();
        shown.know("hunter2-secret");
        let masked = shown.mask_document(&json!({"mcpServers": {"s": {"args": ["--cfg={\"k\":\"hunter2-secret\"}"]}}}));
        assert!(!masked.to_string().contains("hunter2"));
        assert_eq!(shown.finish("elsewhere: hunter2-secret."), "elsewhere: «redacted».");
    }

    #[test]
    fn unresolve_puts_back_references_only_where_the_value_matches() {
        let shown_doc = json!({"mcpServers": {"s": {"env": {"A": "${secret:A}", "B": "${env:B}"}}}});
        let resolved = json!({"mcpServers": {"s": {"env": {"A": "one", "B": "two"}}}});
        let mut live = json!({"mcpServers": {"s": {"env": {"A": "one", "B": "changed"}}}});
        unresolve(&mut live, &shown_doc, &resolved);
        assert_eq!(live, json!({"mcpServers": {"s": {"env": {"A": "${secret:A}", "B": "changed"}}}}));
    }

    #[test]
    fn strip_tokens_leaves_lookalikes() {
        assert_eq!(strip_tokens("a «redacted#12» b «redacted#x» c"), "a «redacted» b «redacted#x» c");
    }
}
