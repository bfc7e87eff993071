//! Redaction of secrets in the values a diff shows (SPEC §5.1: output shows secrets
//! redacted). Comparison never looks at this: it is applied to `old`/`new` after the fact.
//!
//! A string is shown as [`REDACTED`] when it holds a literal (anything but references) and
//! either:
//! - it sits under a secret-looking name, at any depth (an `env` or `headers` key, a member of
//!   `clientOptions`, an object under such a name): the name, split at `-`, `_`, `.` and
//!   camelCase humps, contains `TOKEN`, `SECRET`, `PASSWORD`, `PASSWD`, `PASSPHRASE`,
//!   `API_KEY`, `APIKEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CREDENTIAL`, `COOKIE` or `AUTH` (but
//!   not `AUTHOR`, as in `GIT_AUTHOR_NAME`, nor the plural `TOKENS`, a count as in
//!   `MAX_TOKENS`), or ends in `_KEY`; numbers there are redacted too;
//! - or it looks like a credential wherever it is: a word shaped like a known key (`sk-…`,
//!   `ghp_…`/`gho_…`/`ghs_…`, `github_pat_…`, `xox[bpas]-…`, `AKIA…`, `glpat-…`, `AIza…`),
//!   `REDACTED_SECRET` anywhere, `Bearer <literal>` / `Basic <literal>` as the whole value
//!   (or inside a longer text when the word is 8+ characters and not all lowercase letters),
//!   or `Name: value` where `Name` is a secret-looking header name.
//!
//! References are `${env:NAME}`, `${secret:NAME}`, `${input:NAME}`, `${NAME}`, `${NAME:-}` (a
//! default holding no literal) and `$NAME`. A
//! string whose only letters and digits are references and the scheme words `Bearer`,
//! `Basic` or `Token` (`Bearer ${secret:GITHUB_TOKEN}`, `${env:USER}:${secret:PASS}`, `""`) is
//! shown as it is, even under a secret name.
//!
//! Partial redaction keeps what is safe to read: in `args`, the value after a secret-looking
//! flag (`--api-key VALUE`) and the value of `--token=VALUE` or `TOKEN=VALUE` (shown
//! `--token=«redacted»`);
//! in any URL, the password of `user:password@` and the value of secret-looking query
//! parameters (`?api_key=«redacted»`).

use serde_json::Value;

/// What a diff shows in place of a secret.
pub const REDACTED: &str = "«redacted»";

/// `value` as a diff may show it, as it sits under the member name `key` (`None`: an array
/// element or a whole document or entry).
pub fn redact(value: &Value, key: Option<&str>) -> Value {
    redact_with(value, key, &|_| REDACTED.to_owned())
}

/// Like [`redact`], with `mask` choosing what stands in for each secret part (it is handed
/// the part it replaces: a whole value, a URL's password, a query value, a flag's value).
/// Previews use it to tell changed secrets from unchanged ones without showing either.
pub fn redact_with(value: &Value, key: Option<&str>, mask: &dyn Fn(&str) -> String) -> Value {
    walk(value, key, false, mask)
}

/// Whether a member name (env var, header, option) suggests its value is a secret.
pub fn secret_name(name: &str) -> bool {
    let mut upper = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                upper.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            upper.push(c.to_ascii_uppercase());
        } else {
            upper.push('_');
            previous_lower = false;
        }
    }
    const WORDS: [&str; 12] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "PRIVATEKEY",
        "CREDENTIAL",
        "COOKIE",
    ];
    // A count of tokens (`MAX_TOKENS`, `MAX_NEW_TOKENS`) is a number, not a credential.
    let upper = upper.replace("TOKENS", "_");
    let author = |rest: &str| rest.starts_with("OR") && !rest.starts_with("ORIZ") && !rest.starts_with("ORIS");
    WORDS.iter().any(|word| upper.contains(word))
        || upper.ends_with("_KEY")
        || upper == "KEY"
        || upper.match_indices("AUTH").any(|(at, _)| !author(&upper[at + 4..]))
}

/// Whether a string looks like a credential wherever it appears.
pub fn looks_secret(text: &str) -> bool {
    if text.contains("REDACTED_SECRET") {
        return true;
    }
    let separators = |c: char| c.is_whitespace() || "\"'=&?,:;/@()[]{}<>".contains(c);
    if text.split(separators).any(key_shaped) {
        return true;
    }
    let words: Vec<&str> =
        text.split_whitespace().map(|word| word.trim_matches(|c: char| "\"'`,;()[]".contains(c))).collect();
    let scheme_and_credential = words.windows(2).any(|pair| {
        let scheme = pair[0].eq_ignore_ascii_case("bearer") || pair[0].eq_ignore_ascii_case("basic");
        let credential =
            words.len() == 2 || (pair[1].chars().count() >= 8 && !pair[1].chars().all(|c| c.is_ascii_lowercase()));
        scheme && credential && !holds_no_literal(pair[1])
    });
    let header_name =
        |name: &str| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    let header_line = text
        .split_once(':')
        .is_some_and(|(name, value)| header_name(name.trim()) && secret_name(name.trim()) && !holds_no_literal(value));
    scheme_and_credential || header_line
}

/// Whether the letters and digits of a string all belong to references or scheme words.
pub fn holds_no_literal(text: &str) -> bool {
    let mut literal = String::new();
    // OpenCode's `{env:NAME}` is a reference too.
    let without_brace_env = strip_brace_env(text);
    let mut rest = without_brace_env.as_str();
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match reference_length(after) {
            Some(length) => {
                literal.push(' ');
                rest = &after[length..];
            }
            None => {
                literal.push('$');
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    literal.split_whitespace().all(|word| {
        ["bearer", "basic", "token"].iter().any(|scheme| word.eq_ignore_ascii_case(scheme))
            || !word.chars().any(char::is_alphanumeric)
    })
}

fn walk(value: &Value, key: Option<&str>, under_secret: bool, mask: &dyn Fn(&str) -> String) -> Value {
    let secret = under_secret || key.is_some_and(secret_name);
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(v, Some(k), secret, mask))).collect())
        }
        Value::Array(items) if key == Some("args") && !secret => Value::Array(redact_args(items, mask)),
        Value::Array(items) => Value::Array(items.iter().map(|item| walk(item, key, secret, mask)).collect()),
        Value::String(text) => Value::String(redact_string(text, secret, mask)),
        Value::Number(number) if secret => Value::String(mask(&number.to_string())),
        other => other.clone(),
    }
}

fn redact_string(text: &str, under_secret: bool, mask: &dyn Fn(&str) -> String) -> String {
    if holds_no_literal(text) {
        text.to_owned()
    } else if under_secret || looks_secret(text) {
        mask(text)
    } else if text.contains("://") {
        redact_url(text, mask)
    } else {
        text.to_owned()
    }
}

/// Command-line arguments: the value after `--token`, the value of `--token=…`, connection
/// strings with a password.
fn redact_args(items: &[Value], mask: &dyn Fn(&str) -> String) -> Vec<Value> {
    let mut after_secret_flag = false;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(arg) = item else {
            out.push(walk(item, None, after_secret_flag, mask));
            after_secret_flag = false;
            continue;
        };
        let shown = if after_secret_flag && !holds_no_literal(arg) {
            mask(arg)
        } else if let Some((flag, value)) = arg.split_once('=')
            && (flag.starts_with('-') || variable_name(flag))
            && secret_name(flag)
        {
            if holds_no_literal(value) { arg.clone() } else { format!("{flag}={}", mask(value)) }
        } else {
            redact_string(arg, false, mask)
        };
        after_secret_flag = arg.starts_with('-') && !arg.contains('=') && secret_name(arg);
        out.push(Value::String(shown));
    }
    out
}

/// `text` with every OpenCode `{env:NAME}` reference replaced by a space.
fn strip_brace_env(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{env:") {
        let after = &rest[at + 5..];
        match after.find('}') {
            Some(end) if end > 0 && variable_name(&after[..end]) && (at == 0 || !rest[..at].ends_with('$')) => {
                out.push_str(&rest[..at]);
                out.push(' ');
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..at + 5]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `NAME` of an `NAME=value` argument (`docker run -e TOKEN=…`): `[A-Za-z_][A-Za-z0-9_]*`.
fn variable_name(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The password of a URL's user info (`scheme://user:PASSWORD@host`), if it holds a literal.
pub fn url_password(url: &str) -> Option<&str> {
    password_range(url).map(|range| &url[range])
}

fn password_range(url: &str) -> Option<std::ops::Range<usize>> {
    let main = url.split_once('?').map_or(url, |(main, _)| main);
    let start = main.find("://")? + 3;
    let end = main[start..].find('/').map_or(main.len(), |length| start + length);
    let authority = &main[start..end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    let range = start + colon + 1..start + at;
    (!holds_no_literal(&url[range.clone()])).then_some(range)
}

/// The secret-looking query parameters of a URL that hold a literal: `(name, value)`.
pub fn secret_query_parameters(url: &str) -> Vec<(&str, &str)> {
    let Some((_, query)) = url.split_once('?') else { return Vec::new() };
    query
        .split('&')
        .filter_map(|parameter| parameter.split_once('='))
        .filter(|(name, value)| secret_name(name) && !holds_no_literal(value))
        .collect()
}

/// A URL with the password of its user info and its secret-looking query values redacted.
fn redact_url(url: &str, mask: &dyn Fn(&str) -> String) -> String {
    let (main, query) = match url.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (url, None),
    };
    let mut out = main.to_owned();
    if let Some(range) = password_range(main) {
        out = format!("{}{}{}", &main[..range.start], mask(&main[range.clone()]), &main[range.end..]);
    }
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((name, value)) if secret_name(name) && !holds_no_literal(value) => {
                    format!("{name}={}", mask(value))
                }
                _ => parameter.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    out
}

/// The length, after a `$`, of a reference (`{env:NAME}`, `{secret:NAME}`, `{input:NAME}`,
/// `{NAME}`, `NAME`), if one starts there. A name shaped like a key is not a reference.
fn reference_length(after_dollar: &str) -> Option<usize> {
    let identifier = |name: &str| {
        name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key_shaped(name)
    };
    if let Some(body) = after_dollar.strip_prefix('{') {
        let close = body.find('}')?;
        let inside = &body[..close];
        let name = ["env:", "secret:", "input:"].iter().find_map(|prefix| inside.strip_prefix(prefix));
        // `${NAME:-DEFAULT}` (Claude Code, shells) with a default that holds no literal.
        if let Some((name, default)) = inside.split_once(":-")
            && identifier(name)
            && holds_no_literal(default)
        {
            return Some(close + 2);
        }
        let valid = match name {
            Some(name) => {
                !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                    && !key_shaped(name)
            }
            None => identifier(inside),
        };
        valid.then_some(close + 2)
    } else {
        let length =
            after_dollar.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after_dollar.len());
        identifier(&after_dollar[..length]).then_some(length)
    }
}

/// Whether one word has the shape of a known kind of key or token.
fn key_shaped(word: &str) -> bool {
    let prefixed = |prefix: &str, at_least: usize| word.starts_with(prefix) && word.len() >= prefix.len() + at_least;
    prefixed("sk-", 16)
        || prefixed("sk_live_", 8)
        || prefixed("sk_test_", 8)
        || ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].iter().any(|prefix| prefixed(prefix, 20))
        || ["xoxb-", "xoxp-", "xoxa-", "xoxs-"].iter().any(|prefix| prefixed(prefix, 10))
        || (prefixed("AKIA", 16) && word[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        || prefixed("glpat-", 16)
        || prefixed("AIza", 30)
}
