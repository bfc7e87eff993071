//! Lossless reading and editing of TOML client files (Codex `config.toml`) with `toml_edit`:
//! only the tables of the entries written or removed change; comments, key order, quoting and
//! table layout elsewhere stay as they are.

use serde_json::{Map, Value};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike};

use crate::error::DialectError;
use crate::json::kind_of;
use crate::{Action, Format, keep_newline_style};

fn parse(text: &str) -> Result<DocumentMut, DialectError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        DialectError::parse_at(Format::Toml, text, offset, e.message().trim().to_owned())
    })
}

/// The TOML item as JSON (datetimes become strings).
fn item_to_json(item: &Item) -> Value {
    match item {
        Item::None => Value::Null,
        Item::Value(v) => value_to_json(v),
        Item::Table(t) => table_to_json(t),
        Item::ArrayOfTables(a) => Value::Array(a.iter().map(|t| table_to_json(t)).collect()),
    }
}

fn table_to_json(t: &dyn TableLike) -> Value {
    Value::Object(t.iter().map(|(k, v)| (k.to_owned(), item_to_json(v))).collect())
}

fn value_to_json(v: &toml_edit::Value) -> Value {
    match v {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => serde_json::Number::from_f64(*f.value()).map_or(Value::Null, Value::Number),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(value_to_json).collect()),
        toml_edit::Value::InlineTable(t) => table_to_json(t),
    }
}

/// A JSON value as a TOML value; objects become inline tables. `null` has no TOML form and is
/// left out by the callers.
fn json_to_value(v: &Value) -> toml_edit::Value {
    match v {
        Value::Null => toml_edit::Value::from(""),
        Value::Bool(b) => toml_edit::Value::from(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml_edit::Value::from(i),
            None => toml_edit::Value::from(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => toml_edit::Value::from(s.as_str()),
        Value::Array(items) => {
            let mut array = Array::new();
            for item in items.iter().filter(|i| !i.is_null()) {
                array.push(json_to_value(item));
            }
            toml_edit::Value::Array(array)
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, item) in map.iter().filter(|(_, i)| !i.is_null()) {
                table.insert(k, json_to_value(item));
            }
            toml_edit::Value::InlineTable(table)
        }
    }
}

/// A new server table: scalars and arrays as keys, objects (`env`, `http_headers`) inline.
fn new_table(native: &Map<String, Value>) -> Table {
    let mut table = Table::new();
    for (k, v) in native.iter().filter(|(_, v)| !v.is_null()) {
        table.insert(k, Item::Value(json_to_value(v)));
    }
    table
}

fn container_of<'a>(root: &'a dyn TableLike, path: &[String]) -> Result<Option<&'a dyn TableLike>, DialectError> {
    let mut current = root;
    for (depth, key) in path.iter().enumerate() {
        let Some(item) = current.get(key) else { return Ok(None) };
        current = item.as_table_like().ok_or_else(|| DialectError::UnexpectedShape {
            format: Format::Toml,
            path: path[..=depth].join("."),
            expected: "a table",
            found: kind_of(&item_to_json(item)),
            at: None,
        })?;
    }
    Ok(Some(current))
}

/// The entries at `path`, in file order.
pub(crate) fn read(path: &[String], text: &str) -> Result<Vec<(String, Value)>, DialectError> {
    let doc = parse(text)?;
    let Some(servers) = container_of(doc.as_table(), path)? else { return Ok(Vec::new()) };
    Ok(servers.iter().map(|(k, v)| (k.to_owned(), item_to_json(v))).collect())
}

fn container_mut<'a>(root: &'a mut Table, path: &[String]) -> Result<&'a mut dyn TableLike, DialectError> {
    let mut current: &mut dyn TableLike = root;
    for (depth, key) in path.iter().enumerate() {
        if current.get(key).is_none() {
            // A missing parent stays implicit: no empty `[mcp_servers]` header is written.
            let mut table = Table::new();
            table.set_implicit(true);
            current.insert(key, Item::Table(table));
        }
        let item = current.get_mut(key).ok_or_else(|| shape(path, depth, "missing"))?;
        let found = kind_of(&item_to_json(item));
        current = item.as_table_like_mut().ok_or_else(|| shape(path, depth, found))?;
    }
    Ok(current)
}

fn shape(path: &[String], depth: usize, found: &'static str) -> DialectError {
    DialectError::UnexpectedShape {
        format: Format::Toml,
        path: path[..=depth].join("."),
        expected: "a table",
        found,
        at: None,
    }
}

/// Applies `actions` to the file (or to a new file when `original` is `None`).
pub(crate) fn apply(
    path: &[String],
    original: Option<&str>,
    actions: &[(String, Action)],
) -> Result<String, DialectError> {
    let mut doc = match original {
        Some(text) => parse(text)?,
        None => DocumentMut::new(),
    };
    let servers = container_mut(doc.as_table_mut(), path)?;
    for (name, action) in actions {
        match action {
            Action::Remove => {
                servers.remove(name);
            }
            Action::Set(native) => match servers.get_mut(name).and_then(Item::as_table_like_mut) {
                Some(entry) => merge(entry, native),
                None => {
                    let item = if servers.get_values().is_empty() || is_table_container(servers) {
                        Item::Table(new_table(native))
                    } else {
                        Item::Value(json_to_value(&Value::Object(native.clone())))
                    };
                    servers.insert(name, item);
                }
            },
        }
    }
    let output = doc.to_string();
    Ok(match original {
        Some(text) => keep_newline_style(text, output),
        None => output,
    })
}

/// Whether the servers container holds tables (`[mcp_servers.x]`) rather than inline values.
fn is_table_container(servers: &dyn TableLike) -> bool {
    servers.iter().all(|(_, item)| item.is_table())
}

/// Updates `entry` key by key to `native`: equal values keep their bytes, and a sub-table
/// (`[mcp_servers.x.env]`) is updated in place rather than rewritten inline.
fn merge(entry: &mut dyn TableLike, native: &Map<String, Value>) {
    let stale: Vec<String> = entry.iter().map(|(k, _)| k.to_owned()).filter(|k| !native.contains_key(k)).collect();
    for key in stale {
        entry.remove(&key);
    }
    for (key, value) in native.iter().filter(|(_, v)| !v.is_null()) {
        match entry.get_mut(key) {
            Some(item) if item_to_json(item) == *value => {}
            Some(item) => match (item.as_table_like_mut(), value) {
                (Some(inner), Value::Object(wanted)) => merge(inner, wanted),
                _ => {
                    let mut new = json_to_value(value);
                    if let Some(old) = item.as_value() {
                        *new.decor_mut() = old.decor().clone();
                    }
                    *item = Item::Value(new);
                }
            },
            None => {
                entry.insert(key, Item::Value(json_to_value(value)));
            }
        }
    }
}
