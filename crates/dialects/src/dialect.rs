//! How one client spells a server entry, as data ([`Dialect`]), and the two conversions between
//! a client's native entry and a servers-document entry.
//!
//! Every field the dialect knows moves to its neutral place when its value has the expected
//! type; every other field (and a known one with an odd value) is kept verbatim under
//! `clientOptions.<client-id>`, so that importing and rendering again loses nothing.

use serde_json::{Map, Value};

use crate::document::{CLIENT_OPTIONS_KEY, client_options, entry_transport};
use crate::error::DialectError;
use crate::transport::Transport;

/// How the program and its arguments are spelled.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CommandStyle {
    /// A string and an array of strings under two keys (`command`/`args`, Goose `cmd`/`args`).
    Split { command: &'static str, args: &'static str },
    /// One array `[program, args…]` (OpenCode `command`).
    Array(&'static str),
}

/// Where the URL of a remote server is written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UrlStyle {
    /// One key for every remote transport; `aliases` are also read (and kept when a file uses one).
    Key { key: &'static str, aliases: &'static [&'static str] },
    /// The key tells the transport (Gemini CLI: `httpUrl` = streamable HTTP, `url` = SSE).
    PerTransport { http: &'static str, sse: &'static str },
}

/// When the transport name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Never: the client infers it.
    Never,
    /// When the neutral entry names it or the file already had it.
    Kept,
    /// Always: the client needs it.
    Always,
}

/// The transport field of a dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypeField {
    pub key: &'static str,
    pub stdio: &'static str,
    pub http: &'static str,
    pub sse: &'static str,
    /// Other spellings read on import.
    pub aliases: &'static [(&'static str, Transport)],
    pub stdio_presence: Presence,
    pub remote_presence: Presence,
}

impl TypeField {
    fn name(&self, t: Transport) -> &'static str {
        match t {
            Transport::Stdio => self.stdio,
            Transport::Http => self.http,
            Transport::Sse => self.sse,
        }
    }

    fn parse(&self, name: &str) -> Option<Transport> {
        if name == self.stdio {
            Some(Transport::Stdio)
        } else if name == self.http {
            Some(Transport::Http)
        } else if name == self.sse {
            Some(Transport::Sse)
        } else {
            self.aliases.iter().find(|(alias, _)| *alias == name).map(|(_, t)| *t)
        }
    }
}

/// How a client switches a server off.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Toggle {
    /// It cannot: a disabled server is not written (and is removed from the file).
    None,
    /// `"<key>": true` switches it off.
    Disabled(&'static str),
    /// `"<key>": false` switches it off; `always` writes the key on every entry.
    Enabled { key: &'static str, always: bool },
}

/// Unit of a client's timeout field (the servers document uses seconds).
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeUnit {
    Seconds,
    Millis,
}

/// Everything that differs between clients in how a server entry is spelled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// Key path, from the file's root, of the servers (the default placement).
    pub container: &'static [&'static str],
    /// `Some(key)`: the servers are a list of objects named by `key` (Continue).
    pub list_name_key: Option<&'static str>,
    /// `Some(key)`: each entry of a map also carries its name (Goose `name`).
    pub name_key: Option<&'static str>,
    pub command: CommandStyle,
    /// Zed's older `command: {path, args, env}` object is also read.
    pub nested_command: bool,
    pub env: Option<&'static str>,
    pub cwd: Option<&'static str>,
    pub url: UrlStyle,
    /// Key path of the headers inside an entry.
    pub headers: Option<&'static [&'static str]>,
    pub kind: Option<TypeField>,
    pub toggle: Toggle,
    pub timeout: Option<(&'static str, TimeUnit)>,
    /// Whether an entry of the file is an MCP server this tool manages (Goose builtins are not).
    pub managed: fn(&Map<String, Value>) -> bool,
    /// Keys the client requires on a stdio entry, written blank when the entry has none
    /// (Goose and Zed `args`, Goose `description`).
    pub stdio_required: &'static [(&'static str, Blank)],
    /// Keys the client requires on a remote entry (Goose `description`).
    pub remote_required: &'static [(&'static str, Blank)],
    /// Top-level string fields a new file starts with (Continue `name`, `version`, `schema`).
    pub new_file: &'static [(&'static str, &'static str)],
}

/// The blank value of a required key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Blank {
    String,
    Array,
}

impl Blank {
    fn value(self) -> Value {
        match self {
            Blank::String => Value::String(String::new()),
            Blank::Array => Value::Array(Vec::new()),
        }
    }
}

impl Dialect {
    /// The keys of a native entry this dialect reads into the servers document; every other
    /// key of an entry in a file is the user's (or the client's) and survives an update.
    fn modeled(&self, key: &str) -> bool {
        let mut keys: Vec<&str> = Vec::with_capacity(12);
        keys.extend(self.name_key.or(self.list_name_key));
        keys.extend(self.kind.map(|k| k.key));
        match self.command {
            CommandStyle::Split { command, args } => keys.extend([command, args]),
            CommandStyle::Array(command) => keys.push(command),
        }
        if self.nested_command {
            keys.push("command");
        }
        keys.extend(self.env);
        keys.extend(self.cwd);
        match self.url {
            UrlStyle::Key { key, aliases } => {
                keys.push(key);
                keys.extend(aliases);
            }
            UrlStyle::PerTransport { http, sse } => keys.extend([http, sse]),
        }
        keys.extend(self.headers.and_then(|h| h.first().copied()));
        match self.toggle {
            Toggle::None => {}
            Toggle::Disabled(k) | Toggle::Enabled { key: k, .. } => keys.push(k),
        }
        keys.extend(self.timeout.map(|(k, _)| k));
        keys.contains(&key)
    }

    /// Whether `existing` switches the server off with this dialect's toggle.
    fn existing_disabled(&self, existing: Option<&Map<String, Value>>) -> Option<bool> {
        let existing = existing?;
        match self.toggle {
            Toggle::None => None,
            Toggle::Disabled(key) => existing.get(key)?.as_bool(),
            Toggle::Enabled { key, .. } => existing.get(key)?.as_bool().map(|on| !on),
        }
    }
}

pub(crate) fn always_managed(_: &Map<String, Value>) -> bool {
    true
}

fn is_string_array(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

fn is_string_map(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.values().all(Value::is_string))
}

fn take_if(rest: &mut Map<String, Value>, key: &str, ok: fn(&Value) -> bool) -> Option<Value> {
    if rest.get(key).is_some_and(ok) { rest.remove(key) } else { None }
}

/// Converts one native entry named `name` into a servers-document entry.
pub(crate) fn to_neutral(d: &Dialect, client: &str, name: &str, native: &Map<String, Value>) -> Map<String, Value> {
    let mut rest = native.clone();
    if let Some(name_key) = d.name_key.or(d.list_name_key)
        && rest.get(name_key).and_then(Value::as_str) == Some(name)
    {
        rest.remove(name_key);
    }
    let mut transport = None;
    if let Some(tf) = &d.kind
        && let Some(t) = rest.get(tf.key).and_then(Value::as_str).and_then(|s| tf.parse(s))
    {
        transport = Some(t);
        rest.remove(tf.key);
    }
    let (mut command, mut args, mut env) = (None, None, None);
    match d.command {
        CommandStyle::Split { command: c, args: a } => {
            command = take_if(&mut rest, c, Value::is_string);
            args = take_if(&mut rest, a, is_string_array);
        }
        CommandStyle::Array(key) => {
            let ok = |v: &Value| is_string_array(v) && v.as_array().is_some_and(|a| !a.is_empty());
            if let Some(Value::Array(mut parts)) = take_if(&mut rest, key, ok) {
                command = Some(parts.remove(0));
                if !parts.is_empty() {
                    args = Some(Value::Array(parts));
                }
            }
        }
    }
    if d.nested_command && command.is_none() {
        let nested_ok = |v: &Value| {
            v.as_object().is_some_and(|o| {
                o.get("path").is_some_and(Value::is_string)
                    && o.get("args").is_none_or(is_string_array)
                    && o.get("env").is_none_or(is_string_map)
                    && o.keys().all(|k| matches!(k.as_str(), "path" | "args" | "env"))
            })
        };
        if args.is_none()
            && !rest.contains_key("env")
            && let Some(Value::Object(mut nested)) = take_if(&mut rest, "command", nested_ok)
        {
            command = nested.remove("path");
            args = nested.remove("args");
            env = nested.remove("env");
        }
    }
    if let Some(key) = d.env
        && env.is_none()
    {
        env = take_if(&mut rest, key, is_string_map);
    }
    let cwd = d.cwd.and_then(|key| take_if(&mut rest, key, Value::is_string));
    let mut url = None;
    match d.url {
        UrlStyle::Key { key, aliases } => {
            for k in std::iter::once(key).chain(aliases.iter().copied()) {
                if let Some(u) = take_if(&mut rest, k, Value::is_string) {
                    url = Some(u);
                    break;
                }
            }
        }
        UrlStyle::PerTransport { http, sse } => {
            if let Some(u) = take_if(&mut rest, http, Value::is_string) {
                url = Some(u);
                transport = transport.or(Some(Transport::Http));
            } else if let Some(u) = take_if(&mut rest, sse, Value::is_string) {
                url = Some(u);
                transport = transport.or(Some(Transport::Sse));
            }
        }
    }
    let headers = d.headers.and_then(|path| take_nested(&mut rest, path));
    let mut disabled = None;
    match d.toggle {
        Toggle::None => {}
        Toggle::Disabled(key) => disabled = take_if(&mut rest, key, Value::is_boolean),
        Toggle::Enabled { key, .. } => {
            disabled = take_if(&mut rest, key, Value::is_boolean).map(|v| Value::Bool(v != Value::Bool(true)));
        }
    }
    let timeout = d.timeout.and_then(|(key, unit)| {
        let seconds = rest.get(key)?.as_f64().filter(|t| *t >= 0.0).map(|t| match unit {
            TimeUnit::Seconds => t,
            TimeUnit::Millis => t / 1000.0,
        })?;
        let native = rest.remove(key)?;
        Some(if matches!(unit, TimeUnit::Seconds) { native } else { number(seconds) })
    });

    let mut out = Map::new();
    let mut put = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(key.to_owned(), v);
        }
    };
    put("type", transport.map(|t| Value::String(t.as_str().to_owned())));
    put("command", command);
    put("args", args);
    put("env", env);
    put("cwd", cwd);
    put("url", url);
    put("headers", headers);
    put("disabled", disabled);
    put("timeout", timeout);
    if !rest.is_empty() {
        let mut options = Map::new();
        options.insert(client.to_owned(), Value::Object(rest));
        out.insert(CLIENT_OPTIONS_KEY.to_owned(), Value::Object(options));
    }
    out
}

/// A number written as an integer when it is one (1500.0 → 1500).
fn number(v: f64) -> Value {
    let rounded = v.round();
    if (v - rounded).abs() < 1e-9 && rounded.abs() < 9.0e15 {
        Value::from(rounded as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn take_nested(rest: &mut Map<String, Value>, path: &[&str]) -> Option<Value> {
    match path {
        [] => None,
        [key] => take_if(rest, key, is_string_map),
        [first, tail @ ..] => {
            let inner = rest.get_mut(*first)?.as_object_mut()?;
            let found = take_nested(inner, tail);
            if found.is_some() && inner.is_empty() {
                rest.remove(*first);
            }
            found
        }
    }
}

fn put_nested(out: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [key] => {
            out.insert((*key).to_owned(), value);
        }
        [first, tail @ ..] => {
            let slot = out.entry((*first).to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                put_nested(inner, tail, value);
            }
        }
    }
}

/// Converts a servers-document entry into the client's native entry. `existing` is the entry
/// already in the file, if any: its spelling choices (an explicit stdio `type`, a URL alias)
/// are kept. `Ok(None)`: the entry must not be in the file (disabled, and the client has no
/// switch for that).
pub(crate) fn to_native(
    d: &Dialect,
    client: &'static str,
    transports: &[Transport],
    name: &str,
    neutral: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
) -> Result<Option<Map<String, Value>>, DialectError> {
    let transport = entry_transport(neutral);
    if let Some(t) = transport
        && !transports.contains(&t)
    {
        return Err(DialectError::UnsupportedTransport { client, server: name.to_owned(), transport: t });
    }
    // A document that does not say keeps the file's own switch (a user's disabled server
    // stays disabled when its command changes).
    let disabled = neutral.get("disabled").and_then(Value::as_bool).or_else(|| d.existing_disabled(existing));
    if disabled == Some(true) && matches!(d.toggle, Toggle::None) {
        return Ok(None);
    }
    let options = client_options(neutral, client);
    let unsupported = |field| DialectError::UnsupportedField { client, server: name.to_owned(), field };
    let mut out = Map::new();
    if let Some(key) = d.list_name_key {
        out.insert(key.to_owned(), Value::String(name.to_owned()));
    } else if let Some(key) = d.name_key {
        let display = options
            .and_then(|o| o.get(key))
            .or_else(|| existing.and_then(|e| e.get(key)))
            .cloned()
            .unwrap_or_else(|| Value::String(name.to_owned()));
        out.insert(key.to_owned(), display);
    }
    if let (Some(tf), Some(t)) = (&d.kind, transport) {
        let presence = if t == Transport::Stdio { tf.stdio_presence } else { tf.remote_presence };
        let existing_type = existing.and_then(|e| e.get(tf.key)).and_then(Value::as_str);
        let write = match presence {
            Presence::Never => false,
            Presence::Always => true,
            Presence::Kept => neutral.contains_key("type") || existing_type.is_some(),
        };
        if write {
            // Keep the file's own spelling when it names the same transport.
            let spelled = existing_type.filter(|s| tf.parse(s) == Some(t)).unwrap_or(tf.name(t));
            out.insert(tf.key.to_owned(), Value::String(spelled.to_owned()));
        }
    }
    let command = neutral.get("command").cloned();
    let args = neutral.get("args").cloned();
    match d.command {
        CommandStyle::Split { command: c, args: a } => {
            if let Some(command) = command {
                out.insert(c.to_owned(), command);
            }
            if let Some(args) = args {
                out.insert(a.to_owned(), args);
            }
        }
        CommandStyle::Array(key) => {
            if let Some(command) = command {
                let mut parts = vec![command];
                if let Some(Value::Array(args)) = args {
                    parts.extend(args);
                }
                out.insert(key.to_owned(), Value::Array(parts));
            }
        }
    }
    if transport == Some(Transport::Stdio) {
        fill_required(d, d.stdio_required, existing, &mut out);
    }
    if let Some(env) = neutral.get("env") {
        out.insert(d.env.ok_or_else(|| unsupported("env"))?.to_owned(), env.clone());
    }
    if let Some(cwd) = neutral.get("cwd") {
        out.insert(d.cwd.ok_or_else(|| unsupported("cwd"))?.to_owned(), cwd.clone());
    }
    if let Some(url) = neutral.get("url") {
        let key = match d.url {
            UrlStyle::Key { key, aliases } => {
                let used =
                    existing.and_then(|e| aliases.iter().copied().find(|a| e.contains_key(*a) && !e.contains_key(key)));
                used.unwrap_or(key)
            }
            UrlStyle::PerTransport { http, sse } => match transport {
                Some(Transport::Sse) => sse,
                _ => http,
            },
        };
        out.insert(key.to_owned(), url.clone());
    }
    if matches!(transport, Some(Transport::Http | Transport::Sse)) {
        fill_required(d, d.remote_required, existing, &mut out);
    }
    if let Some(headers) = neutral.get("headers") {
        put_nested(&mut out, d.headers.ok_or_else(|| unsupported("headers"))?, headers.clone());
    }
    match d.toggle {
        Toggle::None => {}
        Toggle::Disabled(key) => {
            if let Some(v) = disabled {
                out.insert(key.to_owned(), Value::Bool(v));
            }
        }
        Toggle::Enabled { key, always } => {
            if disabled.is_some() || always {
                out.insert(key.to_owned(), Value::Bool(disabled != Some(true)));
            }
        }
    }
    if let (Some((key, unit)), Some(t)) = (d.timeout, neutral.get("timeout").and_then(Value::as_f64)) {
        let v = match unit {
            TimeUnit::Seconds => neutral.get("timeout").cloned().unwrap_or(Value::Null),
            TimeUnit::Millis => number(t * 1000.0),
        };
        out.insert(key.to_owned(), v);
    }
    if let Some(options) = options {
        for (key, value) in options {
            if !out.contains_key(key) {
                out.insert(key.clone(), value.clone());
            } else if let (Some(Value::Object(target)), Value::Object(extra)) = (out.get_mut(key), value) {
                // e.g. Continue `requestOptions` beside the headers written into it.
                for (k, v) in extra {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    Ok(Some(match existing {
        Some(existing) => keep_unmodeled(d, neutral, existing, out),
        None => out,
    }))
}

/// Writes the keys the client requires and the entry lacks: the file's own value of a key the
/// servers document does not model (a Goose `description`), else a blank one.
fn fill_required(
    d: &Dialect,
    required: &[(&'static str, Blank)],
    existing: Option<&Map<String, Value>>,
    out: &mut Map<String, Value>,
) {
    for (key, blank) in required {
        if out.contains_key(*key) {
            continue;
        }
        let kept = existing.and_then(|e| e.get(*key)).filter(|_| !d.modeled(key)).cloned();
        out.insert((*key).to_owned(), kept.unwrap_or_else(|| blank.value()));
    }
}

/// Adds to `out` what the entry already in the file has and the servers document does not
/// carry: keys the dialect does not model (Goose `bundled`, `description`, Zed `remote`, …),
/// the timeout when the document has none, and the rest of an object the headers live in
/// (Continue `requestOptions`). Keys keep the file's order; new ones follow.
fn keep_unmodeled(
    d: &Dialect,
    neutral: &Map<String, Value>,
    existing: &Map<String, Value>,
    mut out: Map<String, Value>,
) -> Map<String, Value> {
    let timeout_key = d.timeout.map(|(k, _)| k);
    for (key, value) in existing {
        if out.contains_key(key) {
            continue;
        }
        let keep = !d.modeled(key) || (Some(key.as_str()) == timeout_key && !neutral.contains_key("timeout"));
        if keep {
            out.insert(key.clone(), value.clone());
        }
    }
    if let Some([outer, inner @ ..]) = d.headers
        && !inner.is_empty()
        && let Some(Value::Object(kept)) = existing.get(*outer)
    {
        let leaf = inner.first().copied().unwrap_or_default();
        let rest: Map<String, Value> =
            kept.iter().filter(|(k, _)| k.as_str() != leaf).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !rest.is_empty() {
            let slot = out.entry((*outer).to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = slot {
                for (k, v) in rest {
                    target.entry(k).or_insert(v);
                }
            }
        }
    }
    let mut ordered = Map::new();
    for key in existing.keys() {
        if let Some(value) = out.remove(key) {
            ordered.insert(key.clone(), value);
        }
    }
    ordered.extend(out);
    ordered
}
