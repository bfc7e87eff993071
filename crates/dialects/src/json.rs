//! Lossless reading and editing of JSON and JSONC client files with `jsonc-parser`'s CST:
//! only the properties of the entries written or removed change; comments, indentation,
//! key order, trailing commas and line endings elsewhere stay as they are.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstArray, CstInputValue, CstObject, CstRootNode, TrailingCommaMode};
use serde_json::{Map, Value};

use jsonc_parser::CollectOptions;
use jsonc_parser::common::Ranged;

use crate::error::{DialectError, line_column};
use crate::{Action, Format, Syntax};

fn options(syntax: Syntax) -> ParseOptions {
    let lenient = syntax == Syntax::Jsonc;
    ParseOptions {
        allow_comments: syntax != Syntax::StrictJson,
        allow_loose_object_property_names: false,
        allow_trailing_commas: lenient,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// 1-based line and column of the value at `path` (for messages about its shape).
fn position_of(syntax: Syntax, text: &str, path: &[String]) -> Option<(usize, usize)> {
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options(syntax)).ok()?;
    let mut value = parsed.value?;
    for key in path {
        let jsonc_parser::ast::Value::Object(object) = value else { return None };
        value = object.properties.into_iter().find(|p| p.name.as_str() == key)?.value;
    }
    Some(line_column(text, value.start()))
}

fn parse(syntax: Syntax, format: Format, text: &str) -> Result<(CstRootNode, CstObject), DialectError> {
    let error = |e: jsonc_parser::errors::ParseError| DialectError::Parse {
        format,
        line: e.line_display(),
        column: e.column_display(),
        message: e.kind().to_string(),
    };
    // The CST parser keeps comments as tokens without checking `allow_comments`, so the
    // syntax is checked first by the AST parser, which does.
    jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options(syntax)).map_err(error)?;
    let root = CstRootNode::parse(text, &options(syntax)).map_err(error)?;
    let object = match root.value() {
        Some(value) => value.as_object().ok_or(DialectError::UnexpectedShape {
            format,
            path: "(the whole file)".to_owned(),
            expected: "an object",
            found: kind_of_node(&value),
            at: position_of(syntax, text, &[]),
        })?,
        None => root.object_value_or_set(),
    };
    Ok((root, object))
}

fn kind_of_node(node: &jsonc_parser::cst::CstNode) -> &'static str {
    kind_of(&node.to_serde_value().unwrap_or(Value::Null))
}

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The object at `path` below `object`; `Ok(None)` when a key is missing.
fn container(
    syntax: Syntax,
    format: Format,
    text: &str,
    object: &CstObject,
    path: &[String],
    create: bool,
) -> Result<Option<CstObject>, DialectError> {
    let mut current = object.clone();
    for (depth, key) in path.iter().enumerate() {
        let next = match current.get(key) {
            Some(prop) => match prop.value() {
                Some(value) => Some(value.as_object().ok_or_else(|| DialectError::UnexpectedShape {
                    format,
                    path: path[..=depth].join("."),
                    expected: "an object",
                    found: kind_of_node(&value),
                    at: position_of(syntax, text, &path[..=depth]),
                })?),
                None => None,
            },
            None if create => current.object_value_or_create(key),
            None => return Ok(None),
        };
        match next {
            Some(next) => current = next,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// The entries at `path`, in file order.
pub(crate) fn read(
    syntax: Syntax,
    format: Format,
    path: &[String],
    text: &str,
) -> Result<Vec<(String, Value)>, DialectError> {
    // Fast path: one AST parse into values (a repeated key keeps its last value, as
    // `JSON.parse` does). A shape the dialect does not expect and syntax errors go the CST way,
    // which reports positions.
    if let Some(entries) = read_fast(syntax, path, text) {
        check_duplicates(syntax, format, text, path)?;
        return Ok(entries);
    }
    let (_root, object) = parse(syntax, format, text)?;
    check_duplicates(syntax, format, text, path)?;
    let Some(servers) = container(syntax, format, text, &object, path, false)? else { return Ok(Vec::new()) };
    Ok(servers
        .properties()
        .into_iter()
        .filter_map(|prop| Some((prop.decoded_name()?, prop.value()?.to_serde_value()?)))
        .collect())
}

/// Refuses a key on the way to the servers, or a server name, that appears twice: the client
/// reads the last one (`JSON.parse`) while an editor may change the first, so such a file is
/// ambiguous. The error names both positions. Other duplicate keys are left alone.
fn check_duplicates(syntax: Syntax, format: Format, text: &str, path: &[String]) -> Result<(), DialectError> {
    use jsonc_parser::ast::Value as Ast;
    let Ok(parsed) = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options(syntax)) else {
        return Ok(());
    };
    let Some(Ast::Object(mut object)) = parsed.value else { return Ok(()) };
    for key in path {
        let mut found = object.properties.into_iter().filter(|p| p.name.as_str() == key.as_str());
        let first = found.next();
        if let (Some(a), Some(b)) = (&first, found.next()) {
            return Err(duplicate(format, text, "key", key, a.start(), b.start()));
        }
        match first.map(|p| p.value) {
            Some(Ast::Object(next)) => object = next,
            _ => return Ok(()),
        }
    }
    let mut seen: Vec<(String, usize)> = Vec::with_capacity(object.properties.len());
    for prop in &object.properties {
        let name = prop.name.as_str();
        if let Some((_, at)) = seen.iter().find(|(n, _)| n == name) {
            return Err(duplicate(format, text, "server", name, *at, prop.start()));
        }
        seen.push((name.to_owned(), prop.start()));
    }
    Ok(())
}

/// A [`DialectError::Parse`] at the second of two equal keys, naming the first.
pub(crate) fn duplicate(
    format: Format,
    text: &str,
    what: &str,
    name: &str,
    first: usize,
    second: usize,
) -> DialectError {
    let (line, column) = line_column(text, first);
    DialectError::parse_at(
        format,
        text,
        second,
        format!(
            "{what} `{name}` appears twice (first at line {line}, column {column}); the client reads only one of them, so remove or merge the other"
        ),
    )
}

/// The entries at `path` from a plain parse, or `None` when the slow path must decide (a
/// syntax error or an unexpected shape).
fn read_fast(syntax: Syntax, path: &[String], text: &str) -> Option<Vec<(String, Value)>> {
    let value: Value = jsonc_parser::parse_to_serde_value(text, &options(syntax)).ok()?;
    let mut current = value.as_object()?;
    for key in path {
        match current.get(key) {
            None | Some(Value::Null) => return Some(Vec::new()),
            Some(Value::Object(next)) => current = next,
            Some(_) => return None,
        }
    }
    Some(current.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Applies `actions` to the file (or to a new file when `original` is `None`).
pub(crate) fn apply(
    syntax: Syntax,
    format: Format,
    path: &[String],
    original: Option<&str>,
    actions: &[(String, Action)],
) -> Result<String, DialectError> {
    let Some(text) = original else { return Ok(fresh(path, actions)) };
    let (root, object) = parse(syntax, format, text)?;
    let servers =
        container(syntax, format, text, &object, path, true)?.ok_or_else(|| DialectError::UnexpectedShape {
            format,
            path: path.join("."),
            expected: "an object",
            found: "missing",
            at: None,
        })?;
    let mut appended: Vec<(&str, &Map<String, Value>)> = Vec::new();
    for (name, action) in actions {
        match (action, servers.get(name)) {
            (Action::Remove, Some(prop)) => prop.remove(),
            (Action::Remove, None) => {}
            (Action::Set(native), Some(prop)) => match prop.object_value() {
                Some(entry) => merge(&entry, native),
                None => prop.set_value(to_input(&Value::Object(native.clone()))),
            },
            (Action::Set(native), None) => appended.push((name, native)),
        }
    }
    if syntax != Syntax::Jsonc {
        // Strict JSON never gets a trailing comma (there was none: the parse refuses them).
        root.set_trailing_commas(TrailingCommaMode::Never);
    }
    let edited = root.to_string();
    if appended.is_empty() {
        return Ok(edited);
    }
    // The CST re-spaces a container it appends to (blank lines next to the insertion point
    // go); so new entries are formatted by the CST and spliced in after the last entry.
    let (root, object) = parse(syntax, format, &edited)?;
    let servers =
        container(syntax, format, &edited, &object, path, true)?.ok_or_else(|| DialectError::UnexpectedShape {
            format,
            path: path.join("."),
            expected: "an object",
            found: "missing",
            at: None,
        })?;
    let props: Vec<String> = appended
        .iter()
        .map(|(name, native)| servers.append(name, to_input(&Value::Object((*native).clone()))).to_string())
        .collect();
    if syntax != Syntax::Jsonc {
        root.set_trailing_commas(TrailingCommaMode::Never);
    }
    Ok(splice_after_last(syntax, &edited, path, &props).unwrap_or_else(|| root.to_string()))
}

/// `text` with an `inputs` entry (`{"type": "promptString", "id": NAME, "password": true,
/// "description": …}`) for each of `names` that the `inputs` array of the object at `parent`
/// does not have yet (VS Code prompts for them once and keeps them in its secret storage).
/// The user's own inputs and every other byte stay.
pub(crate) fn ensure_inputs(
    syntax: Syntax,
    format: Format,
    text: &str,
    parent: &[String],
    names: &[String],
) -> Result<String, DialectError> {
    let (root, object) = parse(syntax, format, text)?;
    let Some(parent) = container(syntax, format, text, &object, parent, true)? else { return Ok(text.to_owned()) };
    let input = |name: &str| {
        let mut map = Map::new();
        map.insert("type".into(), Value::String("promptString".into()));
        map.insert("id".into(), Value::String(name.to_owned()));
        map.insert(
            "description".into(),
            Value::String(format!("{name} (a secret of mcp-orchestration: `mcp-orchestration secrets set {name}`)")),
        );
        map.insert("password".into(), Value::Bool(true));
        Value::Object(map)
    };
    match parent.get("inputs").and_then(|prop| prop.value()) {
        Some(value) => {
            let Some(array) = value.as_array() else {
                return Err(DialectError::UnexpectedShape {
                    format,
                    path: "inputs".to_owned(),
                    expected: "an array",
                    found: kind_of_node(&value),
                    at: None,
                });
            };
            let present: Vec<String> = array
                .elements()
                .iter()
                .filter_map(|e| e.to_serde_value()?.get("id")?.as_str().map(str::to_owned))
                .collect();
            let missing: Vec<&String> = names.iter().filter(|n| !present.contains(n)).collect();
            if missing.is_empty() {
                return Ok(text.to_owned());
            }
            for name in missing {
                array.append(to_input(&input(name)));
            }
        }
        None => {
            parent.append("inputs", to_input(&Value::Array(names.iter().map(|n| input(n)).collect())));
        }
    }
    if syntax != Syntax::Jsonc {
        root.set_trailing_commas(TrailingCommaMode::Never);
    }
    Ok(root.to_string())
}

/// `text` with `props` (entry texts) inserted after the last entry of the container at `path`,
/// each on a line of its own at that entry's indentation; every other byte stays. `None` when
/// the container has no entry, or its last one does not sit on a line of its own (the caller
/// then uses the CST's own layout).
fn splice_after_last(syntax: Syntax, text: &str, path: &[String], props: &[String]) -> Option<String> {
    use jsonc_parser::ast::Value as Ast;
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options(syntax)).ok()?;
    let mut value = parsed.value?;
    for key in path {
        let Ast::Object(object) = value else { return None };
        value = object.properties.into_iter().rev().find(|p| p.name.as_str() == key.as_str())?.value;
    }
    let Ast::Object(servers) = value else { return None };
    let last = servers.properties.last()?;
    let (start, end) = (last.start(), last.end());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let rest = &text[end..];
    let trailing_comma = rest.trim_start_matches([' ', '\t']).starts_with(',');
    let at = if trailing_comma { end + rest.find(',')? + 1 } else { end };
    let line_rest = text[at..].split('\n').next().unwrap_or_default();
    if !line_rest.trim().is_empty() {
        return None;
    }
    let newline = if text[..start].ends_with(&format!("\r\n{indent}")) { "\r\n" } else { "\n" };
    let mut inserted = String::new();
    for prop in props {
        if !trailing_comma {
            inserted.push(',');
        }
        inserted.push_str(newline);
        inserted.push_str(indent);
        inserted.push_str(prop);
        if trailing_comma {
            inserted.push(',');
        }
    }
    let mut out = String::with_capacity(text.len() + inserted.len());
    out.push_str(&text[..at]);
    out.push_str(&inserted);
    out.push_str(&text[at..]);
    Some(out)
}

/// Updates `entry` key by key to `native`: equal values keep their bytes.
fn merge(entry: &CstObject, native: &Map<String, Value>) {
    for prop in entry.properties() {
        if prop.decoded_name().is_none_or(|name| !native.contains_key(&name)) {
            prop.remove();
        }
    }
    for (key, value) in native {
        match entry.get(key) {
            Some(prop) => {
                let current = prop.value().and_then(|v| v.to_serde_value());
                if current.as_ref() == Some(value) {
                    continue;
                }
                match (prop.object_value(), prop.array_value(), value) {
                    (Some(inner), _, Value::Object(wanted)) => merge(&inner, wanted),
                    (_, Some(array), Value::Array(wanted)) => merge_array(&array, wanted),
                    _ => prop.set_value(to_input(value)),
                }
            }
            None => {
                entry.append(key, to_input(value));
            }
        }
    }
}

/// Updates `array` to `wanted` keeping the common prefix, so a multi-line array stays one.
fn merge_array(array: &CstArray, wanted: &[Value]) {
    let elements = array.elements();
    let common = elements
        .iter()
        .zip(wanted)
        .take_while(|(element, value)| element.to_serde_value().as_ref() == Some(*value))
        .count();
    for element in elements.into_iter().skip(common).rev() {
        element.remove();
    }
    for value in &wanted[common..] {
        array.append(to_input(value));
    }
}

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

/// A new file: the container at `path` holding the entries set, two-space indented.
fn fresh(path: &[String], actions: &[(String, Action)]) -> String {
    let mut servers = Map::new();
    for (name, action) in actions {
        if let Action::Set(native) = action {
            servers.insert(name.clone(), Value::Object(native.clone()));
        }
    }
    let mut value = Value::Object(servers);
    for key in path.iter().rev() {
        let mut parent = Map::new();
        parent.insert(key.clone(), value);
        value = Value::Object(parent);
    }
    // Serializing a `Value` cannot fail (its keys are strings).
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
