//! Finding literal values in a servers document that look like secrets, so that import can
//! replace them with references and output can redact them.
//!
//! A value counts when it is a literal (not only `${env:…}`, `${secret:…}`, `${input:…}`,
//! `${VAR}` or `$VAR` references) and either sits under a secret-like name in `env`,
//! `headers` (or a client's own copy of them) or has the shape of a known key (`sk-…`,
//! `ghp_…`, `xoxb-…`, `AKIA…`, the corpus's `REDACTED_SECRET_N` placeholders, …), or is a URL
//! or connection string with a literal password or a secret-looking query value. A
//! secret-sounding name holding a file path or (where a name is expected) a variable name
//! is not a secret.

use serde_json::Value;

use crate::document::{SERVERS_KEY, pointer_escape};

/// JSON pointers (RFC 6901) of the literal values in `servers` that look like secrets, in
/// document order.
pub fn secret_like_values(servers: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(map) = servers.get(SERVERS_KEY).and_then(Value::as_object) {
        for (name, entry) in map {
            let at = format!("/{SERVERS_KEY}/{}", pointer_escape(name));
            walk(entry, &at, None, &mut found);
        }
    }
    found
}

fn walk(value: &Value, at: &str, key: Option<&str>, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, &format!("{at}/{}", pointer_escape(k)), Some(k), found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{at}/{i}"), None, found);
            }
        }
        Value::String(s) => {
            let literal = literal_part(s);
            if literal.is_empty() {
                return;
            }
            let named = key.is_some_and(|k| secret_name(k) && !names_a_place_or_variable(k, &literal))
                && !literal.chars().all(|c| c.is_ascii_digit());
            if named || has_key_shape(&literal) || url_holds_secret(s) {
                found.push(at.to_owned());
            }
        }
        _ => {}
    }
}

/// The value with references and auth scheme words removed.
fn literal_part(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{')
            && let Some(close) = body.find('}')
        {
            rest = &body[close + 1..];
        } else {
            let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if len == 0 {
                out.push('$');
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    let words: Vec<&str> = out
        .split_whitespace()
        .filter(|w| !matches!(w.to_ascii_lowercase().as_str(), "bearer" | "token" | "basic"))
        .collect();
    words.join(" ")
}

/// Whether a secret-sounding name holds something that is plainly not the secret itself: a
/// file path (`TOKEN_PATH=/etc/token`, `PASSWORD_FILE=/run/secrets/pw`, any value starting
/// with `/`, `~/`, `./` or a drive letter), or the *name* of an environment variable where a
/// name is expected (Codex `bearer_token_env_var`, `*_ENV` / `*_ENV_VAR` / `*_VAR` keys
/// holding an upper-case identifier).
fn names_a_place_or_variable(name: &str, value: &str) -> bool {
    let words = name_words(name);
    let path_like = value.starts_with('/')
        || value.starts_with("~/")
        || value.starts_with("./")
        || value.starts_with("../")
        || value.get(1..3).is_some_and(|s| s == ":\\" || s == ":/")
            && value.starts_with(|c: char| c.is_ascii_alphabetic());
    let names_a_file = words.iter().any(|w| matches!(w.as_str(), "PATH" | "FILE" | "DIR" | "FILENAME"));
    let identifier = value.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let names_a_variable = words.last().is_some_and(|w| w == "ENV" || w == "VAR")
        || words.windows(2).any(|p| p[0] == "ENV" && p[1] == "VAR");
    (path_like && (names_a_file || !value.contains(char::is_whitespace))) || (identifier && names_a_variable)
}

/// Whether a string holds a URL (or connection string) with a literal password in its user
/// info (`postgres://user:pw@host`) or a literal value in a secret-looking query parameter
/// (`?api_key=…`, `&token=…`, `key=`).
pub fn url_holds_secret(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let Some(scheme_end) = word.find("://") else { return false };
        let rest = &word[scheme_end + 3..];
        let (main, query) = match rest.split_once('?') {
            Some((main, query)) => (main, Some(query)),
            None => (rest, None),
        };
        let authority = main.split('/').next().unwrap_or_default();
        let password = authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| !literal_part(password).is_empty());
        let secret_query = query.is_some_and(|q| {
            q.split(['&', '#']).filter_map(|p| p.split_once('=')).any(|(name, value)| {
                (secret_name(name) || name.eq_ignore_ascii_case("key") || name.eq_ignore_ascii_case("sig"))
                    && !literal_part(value).is_empty()
            })
        });
        password || secret_query
    })
}

/// Whether an env or header name suggests a secret (`GITHUB_TOKEN`, `X-Api-Key`,
/// `Authorization`, `DB_PASSWORD`, `clientSecret`, …).
fn secret_name(name: &str) -> bool {
    let words = name_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "AUTHORIZATION",
        "AUTH",
        "PAT",
        "COOKIE",
    ]
    .iter()
    .any(|w| has(w))
        || pair("API", "KEY")
        || pair("ACCESS", "KEY")
        || pair("PRIVATE", "KEY")
        || words.last().is_some_and(|w| w == "KEY")
}

/// Splits `GITHUB_PERSONAL_ACCESS_TOKEN`, `x-api-key`, `clientSecret` into upper-case words.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase();
        word.push(c.to_ascii_uppercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Whether some word of the text has the shape of a known credential.
fn has_key_shape(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | '&' | '?' | ',' | ':' | '/')).any(|w| {
        let prefixed = |p: &str, min: usize| w.starts_with(p) && w.len() >= p.len() + min;
        w.contains("REDACTED_SECRET")
            || prefixed("sk-", 16)
            || prefixed("sk_live_", 8)
            || prefixed("sk_test_", 8)
            || ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].iter().any(|p| prefixed(p, 20))
            || ["xoxb-", "xoxp-", "xoxa-", "xoxs-"].iter().any(|p| prefixed(p, 10))
            || (prefixed("AKIA", 16) && w[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
            || prefixed("AIza", 30)
            || prefixed("glpat-", 16)
            || prefixed("sbp_", 20)
    })
}
