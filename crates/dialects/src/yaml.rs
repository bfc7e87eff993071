//! Reading and lossless editing of YAML client files (Goose `config.yaml`, Continue
//! `config.yaml`).
//!
//! Values are read with `yaml_serde`. Edits locate each owned entry with `yaml-edit`'s
//! lossless syntax tree and splice only the lines of that entry: a changed entry is replaced
//! by a freshly serialized one at the same indentation, a removed one is cut out, a new one is
//! inserted after the last entry. Every other byte of the file is copied. The result is read
//! back and checked before it is returned.

use std::str::FromStr;

use serde_json::{Map, Value};
use yaml_edit::{Mapping, YamlFile, YamlNode};

use crate::error::DialectError;
use crate::json::{duplicate, kind_of};
use crate::{Action, Format, keep_newline_style};

fn parse_value(text: &str) -> Result<Value, DialectError> {
    yaml_serde::from_str::<Value>(text).map_err(|e| {
        let offset = e.location().map_or(0, |l| l.index());
        let message = e.to_string();
        // The message ends with its own " at line L column C"; the position is reported apart.
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        DialectError::parse_at(Format::Yaml, text, offset, message)
    })
}

fn shape(path: &[String], expected: &'static str, found: &'static str) -> DialectError {
    DialectError::UnexpectedShape { format: Format::Yaml, path: path.join("."), expected, found, at: None }
}

fn edit_failed(message: impl Into<String>) -> DialectError {
    DialectError::EditFailed { format: Format::Yaml, message: message.into() }
}

/// The entries at `path`, in file order. With `list = Some(key)`, the servers are a list of
/// objects named by `key`.
pub(crate) fn read(path: &[String], list: Option<&str>, text: &str) -> Result<Vec<(String, Value)>, DialectError> {
    let value = parse_value(text)?;
    check_duplicates(path, list, text)?;
    let mut current = &value;
    for key in path {
        match current {
            Value::Object(map) => match map.get(key) {
                Some(next) => current = next,
                None => return Ok(Vec::new()),
            },
            Value::Null => return Ok(Vec::new()),
            other => return Err(shape(path, "a mapping", kind_of(other))),
        }
    }
    match (current, list) {
        (Value::Null, _) => Ok(Vec::new()),
        (Value::Object(map), None) => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        (Value::Array(items), Some(name_key)) => {
            Ok(items.iter().filter_map(|item| Some((item.get(name_key)?.as_str()?.to_owned(), item.clone()))).collect())
        }
        (other, None) => Err(shape(path, "a mapping of servers", kind_of(other))),
        (other, Some(_)) => Err(shape(path, "a list of servers", kind_of(other))),
    }
}

/// Refuses a top-level servers key or a server name that appears twice (YAML readers keep one
/// of them, an editor would change the other), naming both positions.
fn check_duplicates(path: &[String], list: Option<&str>, text: &str) -> Result<(), DialectError> {
    let [key] = path else { return Ok(()) };
    let Ok(file) = YamlFile::from_str(text) else { return Ok(()) };
    let Some(root) = file.document().and_then(|d| d.as_mapping()) else { return Ok(()) };
    let mut containers = Vec::new();
    for entry in root.entries() {
        let Some(k) = entry.key_node() else { continue };
        if k.as_scalar().map(|s| s.as_string()).as_deref() == Some(key.as_str()) {
            containers.push((range(&k).0, entry.value_node()));
        }
    }
    if let [(first, _), (second, _), ..] = containers.as_slice() {
        return Err(duplicate(Format::Yaml, text, "key", key, *first, *second));
    }
    let Some((_, Some(value))) = containers.pop() else { return Ok(()) };
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut check = |name: String, at: usize| match seen.iter().find(|(n, _)| *n == name) {
        Some((_, first)) => Err(duplicate(Format::Yaml, text, "server", &name, *first, at)),
        None => {
            seen.push((name, at));
            Ok(())
        }
    };
    if let Some(mapping) = value.as_mapping() {
        for entry in mapping.entries() {
            if let Some(k) = entry.key_node()
                && let Some(name) = k.as_scalar().map(|s| s.as_string())
            {
                check(name, range(&k).0)?;
            }
        }
    } else if let (Some(sequence), Some(name_key)) = (value.as_sequence(), list) {
        for item in sequence.values() {
            let Some(item_map) = item.as_mapping() else { continue };
            let name = item_map.entries().find_map(|e| {
                let k = e.key_node()?;
                (k.as_scalar()?.as_string() == name_key).then(|| e.value_node()?.as_scalar().map(|s| s.as_string()))?
            });
            if let Some(name) = name {
                check(name, range(&item).0)?;
            }
        }
    }
    Ok(())
}

/// Byte range of the whole lines holding `start..end`, and the indentation of the first line.
fn line_block(text: &str, start: usize, end: usize) -> (usize, usize, String) {
    let end = start + text.get(start..end).map_or(0, |s| s.trim_end().len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let indent: String = text[line_start..start].chars().take_while(|c| *c == ' ').collect();
    (line_start, line_end, indent)
}

fn range(node: &YamlNode) -> (usize, usize) {
    let r = node.byte_range();
    (r.start as usize, r.end as usize)
}

/// Serializes one entry (`name: {…}` or `- {…}`) indented by `indent`, ending with a newline.
fn emit(name: &str, native: &Map<String, Value>, list: bool, indent: &str) -> Result<String, DialectError> {
    let value = if list {
        Value::Array(vec![Value::Object(native.clone())])
    } else {
        let mut map = Map::new();
        map.insert(name.to_owned(), Value::Object(native.clone()));
        Value::Object(map)
    };
    let text = yaml_serde::to_string(&value).map_err(|e| edit_failed(e.to_string()))?;
    Ok(text.lines().map(|line| format!("{indent}{line}\n")).collect())
}

/// One owned entry found in the file: its name and the lines it spans.
struct Located {
    name: String,
    start: usize,
    end: usize,
    indent: String,
}

/// Applies `actions` to the file (or to a new file when `original` is `None`).
pub(crate) fn apply(
    path: &[String],
    list: Option<&str>,
    new_file: &[(&str, &str)],
    original: Option<&str>,
    actions: &[(String, Action)],
) -> Result<String, DialectError> {
    let Some(text) = original else { return fresh(path, list.is_some(), new_file, actions) };
    let [key] = path else { return Err(edit_failed("servers must live under one top-level key in a YAML file")) };
    let entries = read(path, list, text)?;
    let file = YamlFile::from_str(text).map_err(|e| edit_failed(e.to_string()))?;
    let root = file.document().and_then(|d| d.as_mapping()).ok_or_else(|| shape(path, "a mapping", "not a mapping"))?;
    let container = root.find_entry_by_key(key.as_str());

    let mut located: Vec<Located> = Vec::new();
    let mut container_block = None;
    if let Some(entry) = &container {
        let key_node = entry.key_node().ok_or_else(|| edit_failed("a key without a name"))?;
        let (key_start, _) = range(&key_node);
        let entry_end = entry.value_node().map_or(key_start, |v| range(&v).1);
        container_block = Some(line_block(text, key_start, entry_end.max(key_start)));
        if let Some(value) = entry.value_node() {
            if let Some(mapping) = value.as_mapping() {
                located = locate_map(text, mapping)?;
            } else if let Some(sequence) = value.as_sequence() {
                let items: Vec<YamlNode> = sequence.values().collect();
                let all = parse_value(text)?;
                let raw = all.get(key.as_str()).and_then(Value::as_array).cloned().unwrap_or_default();
                if raw.len() != items.len() {
                    return Err(edit_failed("the list of servers could not be matched to its lines"));
                }
                for (item, raw) in items.iter().zip(raw) {
                    let Some(name) = list.and_then(|k| raw.get(k)).and_then(Value::as_str) else { continue };
                    let (s, e) = range(item);
                    let (start, end, _) = line_block(text, s, e);
                    let indent: String = text[start..].chars().take_while(|c| *c == ' ').collect();
                    located.push(Located { name: name.to_owned(), start, end, indent });
                }
            }
        }
    }
    if located.len() != entries.len() {
        return Err(edit_failed("the servers could not be matched to their lines"));
    }

    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    let mut appended = String::new();
    let default_indent = located.first().map_or_else(
        || container_block.as_ref().map_or(String::new(), |(_, _, i)| i.clone()) + "  ",
        |l| l.indent.clone(),
    );
    for (name, action) in actions {
        let at = located.iter().find(|l| &l.name == name);
        match (action, at) {
            (Action::Remove, Some(l)) => splices.push((l.start, l.end, String::new())),
            (Action::Remove, None) => {}
            (Action::Set(native), Some(l)) => {
                splices.push((l.start, l.end, emit(name, native, list.is_some(), &l.indent)?))
            }
            (Action::Set(native), None) => appended.push_str(&emit(name, native, list.is_some(), &default_indent)?),
        }
    }
    if !appended.is_empty() {
        match (located.last(), &container_block) {
            (Some(last), _) => splices.push((last.end, last.end, appended)),
            // An empty container (`extensions:` or `extensions: {}`): rewrite its line.
            (None, Some((start, end, indent))) => splices.push((*start, *end, format!("{indent}{key}:\n{appended}"))),
            (None, None) => splices.push((text.len(), text.len(), format!("{key}:\n{appended}"))),
        }
    }
    splices.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut output = text.to_owned();
    for (start, end, replacement) in splices {
        let replacement = if start == output.len() && !output.is_empty() && !output.ends_with('\n') {
            format!("\n{replacement}")
        } else {
            replacement
        };
        output.replace_range(start..end, &replacement);
    }
    let output = keep_newline_style(text, output);
    verify(path, list, &entries, actions, &output)?;
    Ok(output)
}

fn locate_map(text: &str, mapping: &Mapping) -> Result<Vec<Located>, DialectError> {
    let mut out = Vec::new();
    for entry in mapping.entries() {
        let key = entry.key_node().ok_or_else(|| edit_failed("a key without a name"))?;
        let name = key
            .as_scalar()
            .map(|s| s.as_string())
            .ok_or_else(|| edit_failed("a server name that is not a plain key"))?;
        let (start, _) = range(&key);
        let end = entry.value_node().map_or(range(&key).1, |v| range(&v).1);
        let (start, end, indent) = line_block(text, start, end.max(start));
        out.push(Located { name, start, end, indent });
    }
    Ok(out)
}

/// Reads the result back: the written entries must read as written, the removed ones must be
/// gone and every other entry must be unchanged.
fn verify(
    path: &[String],
    list: Option<&str>,
    before: &[(String, Value)],
    actions: &[(String, Action)],
    output: &str,
) -> Result<(), DialectError> {
    let after =
        read(path, list, output).map_err(|e| edit_failed(format!("the edited file does not read back: {e}")))?;
    let mut expected: Vec<(String, Value)> = Vec::new();
    for (name, value) in before {
        match actions.iter().find(|(n, _)| n == name) {
            Some((_, Action::Remove)) => {}
            Some((_, Action::Set(native))) => expected.push((name.clone(), Value::Object(native.clone()))),
            None => expected.push((name.clone(), value.clone())),
        }
    }
    for (name, action) in actions {
        if let Action::Set(native) = action
            && !before.iter().any(|(n, _)| n == name)
        {
            expected.push((name.clone(), Value::Object(native.clone())));
        }
    }
    if after == expected { Ok(()) } else { Err(edit_failed("the edited servers do not read back as written")) }
}

/// A new file holding the client's required top-level fields (`new_file`) and the servers.
fn fresh(
    path: &[String],
    list: bool,
    new_file: &[(&str, &str)],
    actions: &[(String, Action)],
) -> Result<String, DialectError> {
    let natives = actions.iter().filter_map(|(name, a)| match a {
        Action::Set(native) => Some((name.clone(), Value::Object(native.clone()))),
        Action::Remove => None,
    });
    let mut value =
        if list { Value::Array(natives.map(|(_, v)| v).collect()) } else { Value::Object(natives.collect()) };
    for (depth, key) in path.iter().enumerate().rev() {
        let mut parent = Map::new();
        if depth == 0 {
            for (field, text) in new_file {
                parent.insert((*field).to_owned(), Value::String((*text).to_owned()));
            }
        }
        parent.insert(key.clone(), value);
        value = Value::Object(parent);
    }
    yaml_serde::to_string(&value).map_err(|e| edit_failed(e.to_string()))
}
