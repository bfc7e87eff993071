//! What the MCP tools share: argument size checks, the page a `limit`/`cursor` pair asks for,
//! result encoding (a value, or an answer prepared once and remembered: [`Prepared`]), and the
//! rows `list_clients` (and the `clients://` resources) return.

use std::collections::BTreeMap;
use std::sync::Arc;

use orchestrator::ids::ClientId;
use orchestrator::page::{self, PageRequest};
use orchestrator::readcache::Validity;
use orchestrator::{ErrorKind, Orchestrator};
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

use crate::args::{MAX_ID_LEN, MAX_MAP_ENTRIES, MAX_TEXT_LEN};
use crate::error::ToolError;
use crate::host;

pub(crate) fn check_len(name: &str, value: &str, max: usize) -> Result<(), ToolError> {
    if value.len() > max {
        return Err(ToolError::usage(format!(
            "`{name}` is {} bytes long; the limit is {max}: pass a real id or a shorter text",
            value.len()
        )));
    }
    Ok(())
}

pub(crate) fn check_id(name: &str, value: &str) -> Result<(), ToolError> {
    check_len(name, value, MAX_ID_LEN)
}

pub(crate) fn check_map(name: &str, map: &BTreeMap<String, String>) -> Result<(), ToolError> {
    if map.len() > MAX_MAP_ENTRIES {
        return Err(ToolError::usage(format!("`{name}` has {} entries; the limit is {MAX_MAP_ENTRIES}", map.len())));
    }
    for (key, value) in map {
        check_len(&format!("{name} key"), key, MAX_ID_LEN)?;
        check_len(&format!("{name}.{key}"), value, MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// The page a tool's `limit` and `cursor` ask for (a limit out of range or a cursor this
/// listing did not give out is a usage failure).
pub(crate) fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest<'_>, ToolError> {
    if let Some(cursor) = cursor {
        check_len("cursor", cursor, MAX_TEXT_LEN)?;
    }
    Ok(PageRequest::new(limit.map(|l| l as usize), cursor, page::DEFAULT_LIMIT)?)
}

/// Most profile ids `list_clients` shows per client (`profile_count` says how many there are;
/// `list_profiles` pages through them).
pub const MAX_PROFILE_IDS: usize = 20;

/// A successful tool answer prepared once: its structured content and that content's text (the
/// same JSON, serialized once), remembered by a cache for as long as what it was made from.
///
/// rmcp takes each result by value, so every answer is a copy. Over stdio the answer comes back
/// once its line is written ([`crate::stdio::AfterAnswer::want_back`]) and is kept as the spare
/// copy the next call hands out: a remembered answer served again and again is neither copied
/// nor freed (elsewhere, each call copies it).
///
/// Over stdio its written form is remembered too ([`crate::stdio::TakeBack::write_answer`]):
/// the result serialized once per shape of what surrounds the answer (everything but the text,
/// the structured content and the per-call `_meta`), so a remembered answer is not serialized
/// again on every call.
#[derive(Debug)]
pub struct Prepared {
    text: String,
    structured: Value,
    spare: std::sync::Mutex<Option<CallToolResult>>,
    /// (the result's shell serialized, the result serialized without its `_meta`).
    forms: std::sync::Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
}

/// Most written forms a [`Prepared`] remembers (one per shell: in practice one per protocol
/// version a session negotiated).
const MAX_FORMS: usize = 4;

impl Prepared {
    /// The answer with this structured content.
    pub fn new(structured: Value) -> Self {
        Prepared {
            text: structured.to_string(),
            structured,
            spare: std::sync::Mutex::default(),
            forms: std::sync::Mutex::default(),
        }
    }

    /// The shell of `result` if it is this answer: `result` serialized with its text, its
    /// structured content and its `_meta` taken out (and put back). `None` when it is not this
    /// answer (another text, no structured content, not one text block).
    fn shell_of(&self, result: &mut CallToolResult) -> Option<Vec<u8>> {
        result.structured_content.as_ref()?;
        let text = match result.content.as_mut_slice() {
            [ContentBlock::Text(block)] if block.text == self.text => std::mem::take(&mut block.text),
            _ => return None,
        };
        let structured = result.structured_content.take();
        let meta = result.meta.take();
        let shell = serde_json::to_vec(&*result);
        result.meta = meta;
        result.structured_content = structured;
        if let [ContentBlock::Text(block)] = result.content.as_mut_slice() {
            block.text = text;
        }
        shell.ok()
    }

    fn spare(&self) -> std::sync::MutexGuard<'_, Option<CallToolResult>> {
        self.spare.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tool result, as [`CallToolResult::structured`] makes it (the spare copy if there is
    /// one).
    pub fn result(&self) -> CallToolResult {
        self.spare().take().unwrap_or_else(|| self.copy())
    }

    fn copy(&self) -> CallToolResult {
        Self::with_parts(vec![ContentBlock::text(self.text.clone())], self.structured.clone())
    }

    /// A result as [`CallToolResult::structured`] makes it, of these parts.
    fn with_parts(content: Vec<ContentBlock>, structured: Value) -> CallToolResult {
        let mut result = CallToolResult::structured(Value::Null);
        result.content = content;
        result.structured_content = Some(structured);
        result
    }

    /// How many written forms are remembered (for tests).
    #[cfg(test)]
    pub fn form_count(&self) -> usize {
        self.forms.lock().map_or(0, |forms| forms.len())
    }

    /// True when a spare copy is ready (for tests).
    #[cfg(test)]
    pub fn has_spare(&self) -> bool {
        self.spare().is_some()
    }
}

impl crate::stdio::TakeBack for Prepared {
    /// Keeps a written result as the spare copy when it is this answer (its text is this
    /// answer's text, so its structured content is this answer's too) and there is none.
    fn take_back(&self, result: CallToolResult) -> Option<CallToolResult> {
        let is_this = result.is_error == Some(false)
            && result.structured_content.is_some()
            && matches!(result.content.as_slice(), [block] if block.as_text().is_some_and(|t| t.text == self.text));
        let mut spare = self.spare();
        if !is_this || spare.is_some() {
            return Some(result);
        }
        let CallToolResult { content, structured_content, .. } = result;
        *spare = structured_content.map(|structured| Self::with_parts(content, structured));
        None
    }

    /// Writes `result` as serde_json would when it is this answer: from the form remembered for
    /// its shell (made from the first such result, serialized in full), with its own `_meta`
    /// (the last member serde writes) appended.
    fn write_answer(&self, result: &mut CallToolResult, out: &mut Vec<u8>) -> bool {
        let Some(shell) = self.shell_of(result) else {
            return false;
        };
        let mut forms = self.forms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let form = match forms.iter().position(|(known, _)| *known == shell) {
            Some(at) => &forms[at].1,
            None => {
                let meta = result.meta.take();
                let form = serde_json::to_vec(&*result);
                result.meta = meta;
                let Ok(form) = form else {
                    return false;
                };
                if forms.len() == MAX_FORMS {
                    forms.remove(0);
                }
                forms.push((shell, form));
                &forms[forms.len() - 1].1
            }
        };
        let Some(open) = form.strip_suffix(b"}") else {
            return false;
        };
        match &result.meta {
            None => out.extend_from_slice(form),
            Some(meta) => {
                out.extend_from_slice(open);
                out.extend_from_slice(if open.ends_with(b"{") { br#""_meta":"# } else { br#","_meta":"# });
                if serde_json::to_writer(&mut *out, meta).is_err() {
                    return false;
                }
                out.push(b'}');
            }
        }
        true
    }
}

/// What a tool's work returns on success.
pub(crate) trait ToolOutput {
    /// The tool result.
    fn into_result(self) -> CallToolResult;

    /// Who wants the result back once its answer is written, where the transport offers that
    /// (stdio).
    fn taker(&self) -> Option<Arc<dyn crate::stdio::TakeBack>> {
        None
    }
}

impl ToolOutput for Value {
    fn into_result(self) -> CallToolResult {
        CallToolResult::structured(self)
    }
}

impl ToolOutput for Arc<Prepared> {
    fn into_result(self) -> CallToolResult {
        self.result()
    }

    fn taker(&self) -> Option<Arc<dyn crate::stdio::TakeBack>> {
        Some(Arc::clone(self) as Arc<dyn crate::stdio::TakeBack>)
    }
}

pub(crate) fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, ToolError> {
    serde_json::to_value(value).map_err(|e| ToolError::new(ErrorKind::Other, format!("cannot encode the result: {e}")))
}

pub(crate) fn client_info(client_id: &str) -> Result<&'static dialects::ClientInfo, ToolError> {
    check_id("client_id", client_id)?;
    ClientId::parse(client_id).map_err(orchestrator::Error::from)?;
    dialects::find(client_id)
        .ok_or_else(|| ToolError::new(ErrorKind::NotFound, format!("unknown client {client_id}: call list_clients")))
}

/// One row of `list_clients`, compact by default (the files found, not every candidate path):
/// see README's tool table for the decision. `detail` adds `transports` and `config_paths`.
#[derive(Debug, serde::Serialize)]
pub struct ClientRow {
    client_id: &'static str,
    display_name: &'static str,
    platform: &'static str,
    /// The client's own (user-scope) file, where it would be written.
    config_location: Option<String>,
    format: dialects::Format,
    /// Whether any of its files or directories exists here.
    detected: bool,
    scopes: Vec<dialects::Scope>,
    /// Per scope, the files of it that exist here.
    scope_files: std::collections::BTreeMap<&'static str, Vec<String>>,
    profile_ids: Vec<String>,
    profile_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    more_profiles: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transports: Option<&'static [dialects::Transport]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_paths: Option<Vec<ConfigPath>>,
}

/// One candidate config path of a client (`list_clients` with `detail`).
#[derive(Debug, serde::Serialize)]
pub struct ConfigPath {
    scope: dialects::Scope,
    path: std::path::PathBuf,
    placement: dialects::Placement,
    alternative: bool,
    presence: dialects::Presence,
}

/// The rows of `list_clients` for these clients, in full detail, as JSON (the `clients://list`
/// resource and the REST API's `/v1/clients`).
pub fn client_rows(core: &Orchestrator, facts: &dialects::HostFacts, clients: &[&dialects::ClientInfo]) -> Vec<Value> {
    client_list_rows(core, facts, clients, true).iter().filter_map(|row| serde_json::to_value(row).ok()).collect()
}

/// The rows of `list_clients` for these clients. A row names at most [`MAX_PROFILE_IDS`]
/// profile ids (from the cached listing of the client's heads directory: no head file is read)
/// and `profile_count`.
pub fn client_list_rows(
    core: &Orchestrator,
    facts: &dialects::HostFacts,
    clients: &[&dialects::ClientInfo],
    detail: bool,
) -> Vec<ClientRow> {
    client_list_rows_consulting(core, facts, clients, detail, &mut |_| {})
}

/// [`client_list_rows`], telling `consult` every path it looks at before it does (detection's,
/// and each client's heads directory).
pub(crate) fn client_list_rows_consulting(
    core: &Orchestrator,
    facts: &dialects::HostFacts,
    clients: &[&dialects::ClientInfo],
    detail: bool,
    consult: &mut dyn FnMut(&std::path::Path),
) -> Vec<ClientRow> {
    let detected = dialects::detect_consulting(facts, consult);
    clients
        .iter()
        .map(|client| {
            let locations = detected.iter().find(|d| d.client_id == client.id).map(|d| d.locations.as_slice());
            let locations = locations.unwrap_or_default();
            // (`detect` resolved the same locations, `config_paths` order.)
            let config_location = locations
                .iter()
                .find(|(l, _)| !l.alternative && l.scope == dialects::Scope::User)
                .map(|(l, _)| l.path.display().to_string());
            // Each scope the client has here, with the files of it that exist.
            let scopes = client.scopes(facts.os);
            let scope_files = scopes
                .iter()
                .map(|scope| {
                    let files = locations
                        .iter()
                        .filter(|(l, p)| l.scope == *scope && *p == dialects::Presence::File)
                        .map(|(l, _)| l.path.display().to_string())
                        .collect();
                    (scope.as_str(), files)
                })
                .collect();
            if let Ok(id) = ClientId::parse(client.id) {
                consult(&core.home().heads_dir(&id));
            }
            let names = core.profile_names(client.id).unwrap_or_default();
            let config_paths = detail.then(|| {
                locations
                    .iter()
                    .map(|(l, presence)| ConfigPath {
                        scope: l.scope,
                        path: l.path.clone(),
                        placement: l.placement.clone(),
                        alternative: l.alternative,
                        presence: *presence,
                    })
                    .collect()
            });
            ClientRow {
                client_id: client.id,
                display_name: client.display_name,
                platform: host::platform(),
                config_location,
                format: client.format,
                detected: locations.iter().any(|(_, p)| *p != dialects::Presence::Missing),
                scopes,
                scope_files,
                profile_ids: names.iter().take(MAX_PROFILE_IDS).map(|p| p.as_str().to_owned()).collect(),
                profile_count: names.len(),
                more_profiles: (names.len() > MAX_PROFILE_IDS).then(|| {
                    format!(
                        "{} more: call list_profiles with client_id {} to page through them",
                        names.len() - MAX_PROFILE_IDS,
                        client.id
                    )
                }),
                transports: detail.then_some(client.transports),
                config_paths,
            }
        })
        .collect()
}

/// What a `list_clients` answer depends on besides the files it looked at: its arguments and
/// the project directory it was asked for.
pub(crate) type ListKey = (Option<u32>, Option<String>, bool, Option<std::path::PathBuf>);

/// `list_clients` answers remembered with what decides their validity (the watch set's
/// generation, or the stamps of every path detection and the profile listing looked at).
#[derive(Debug, Default)]
pub(crate) struct ListMemo(std::sync::Mutex<std::collections::HashMap<ListKey, (Validity, Arc<Prepared>)>>);

/// Most `list_clients` answers remembered (argument combinations; the memory starts over).
const LIST_MEMO_LIMIT: usize = 32;

impl ListMemo {
    /// The remembered answer for `key` if nothing it looked at changed, else `compute`'s (told
    /// to consult every path it looks at), remembered when it succeeds.
    pub(crate) fn get_or_compute(
        &self,
        core: &Orchestrator,
        key: ListKey,
        compute: impl FnOnce(&mut dyn FnMut(&std::path::Path)) -> Result<Value, ToolError>,
    ) -> Result<Arc<Prepared>, ToolError> {
        let memo = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((validity, answer)) = memo().get(&key)
            && validity.holds()
        {
            return Ok(Arc::clone(answer));
        }
        let mut recorder = core.recorder();
        let value = compute(&mut |path| recorder.consult(path))?;
        let answer = Arc::new(Prepared::new(value));
        let mut memo = memo();
        match recorder.finish() {
            Some(validity) => {
                if memo.len() >= LIST_MEMO_LIMIT && !memo.contains_key(&key) {
                    memo.clear();
                }
                memo.insert(key, (validity, Arc::clone(&answer)));
            }
            None => {
                memo.remove(&key);
            }
        }
        Ok(answer)
    }
}

/// Every client, in table order.
pub fn all_clients() -> Vec<&'static dialects::ClientInfo> {
    dialects::all().iter().collect()
}

pub(crate) fn with_cursor(mut value: Value, next_cursor: Option<String>) -> Value {
    value["next_cursor"] = json!(next_cursor);
    value
}

// ---------------------------------------------------------------------------------------------
// Argument structs. Doc comments are the descriptions a model reads.

pub(crate) fn meta_of(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v.chars().take(64).collect::<String>()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_answer_taken_back_is_the_next_calls_copy_and_the_same_answer() {
        use crate::stdio::TakeBack as _;
        let prepared = Prepared::new(json!({"a": [1, "x"], "b": {"c": null}}));
        let first = prepared.result();
        assert!(!prepared.has_spare());
        let mut written = first.clone();
        written.meta = Some(rmcp::model::MetaObject::new()); // the trace id the server adds
        written.result_type = None; // as rmcp clears it for a peer of an older protocol version
        assert!(prepared.take_back(written).is_none(), "this answer's result is taken");
        assert!(prepared.has_spare());
        let second = prepared.result();
        assert!(!prepared.has_spare(), "handed out");
        assert_eq!(first, second, "the same result as a fresh copy: no trace id, result type restored");
        let text = second.content[0].as_text().map(|t| t.text.clone());
        assert_eq!(text.as_deref(), Some(r#"{"a":[1,"x"],"b":{"c":null}}"#));
        assert_eq!(second.structured_content, Some(json!({"a": [1, "x"], "b": {"c": null}})));
    }

    #[test]
    fn a_result_that_is_not_this_answer_or_comes_when_a_spare_is_ready_is_given_back() {
        use crate::stdio::TakeBack as _;
        let prepared = Prepared::new(json!({"a": 1}));
        let other = Prepared::new(json!({"a": 2})).result();
        assert_eq!(prepared.take_back(other.clone()), Some(other), "another answer");
        let failed = CallToolResult::error(vec![ContentBlock::text(r#"{"a":1}"#)]);
        assert_eq!(prepared.take_back(failed.clone()), Some(failed), "an error with the same text");
        let mut text_only = prepared.result();
        text_only.structured_content = None;
        assert_eq!(prepared.take_back(text_only.clone()), Some(text_only), "no structured content");
        assert!(!prepared.has_spare());
        assert!(prepared.take_back(prepared.result()).is_none());
        let again = prepared.result();
        assert!(prepared.take_back(prepared.copy()).is_none());
        assert_eq!(prepared.take_back(again.clone()), Some(again), "a spare is ready already");
    }
}
