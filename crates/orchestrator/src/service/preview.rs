//! What the core shows of client files: the bytes `render` prints, the unified diffs of
//! `deploy --dry-run`, `rollback` and their MCP previews, and the values of semantic diffs.
//! Everything here goes through one [`Shown`] per output, built from the structure (the
//! profile's reference positions, those of every artifact ever deployed into the file, the
//! secret store's values, the values resolved now), so no resolved or stored secret reaches
//! the text, on either side of a diff.

use serde_json::Value;

use super::Orchestrator;
use super::files::{ClientFile, unified_diff};
use crate::canonical::ContentId;
use crate::deploy::record;
use crate::diff::redact::secret_name;
use crate::diff::shown::{self, Shown};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ids::ClientId;
use crate::resolve::{self, Resolved};
use crate::secrets::SecretStore;

/// What a deploy preview shows: the file's bytes after the deploy, and the diff.
pub(super) struct DeployPreview {
    /// The bytes the file would hold, secrets shown as references or `«redacted»`.
    pub after: String,
    /// The unified diff of the file's bytes, likewise.
    pub diff: String,
}

impl Orchestrator {
    /// A [`Shown`] for an output about `file`: every secret store value, every resolved value
    /// of `resolved`, and the reference positions of `payloads` and of every artifact ever
    /// deployed into the file.
    pub(super) fn shown_for(
        &self,
        client: &ClientId,
        file: &ClientFile,
        payloads: &[&Value],
        resolved: Option<&Resolved>,
        store: &SecretStore,
    ) -> Result<Shown> {
        let mut shown = Shown::new();
        for value in store.values() {
            shown.know(value.expose());
        }
        if let Some(resolved) = resolved {
            for (_, value) in &resolved.secrets_used {
                shown.know(value.expose());
            }
            for (name, value) in &resolved.env_used {
                if secret_name(name) || crate::diff::redact::looks_secret(value) {
                    shown.know(value);
                }
            }
        }
        for payload in payloads {
            shown.positions_of(payload);
        }
        for rec in record::list(self.home(), client, Some(&file.path))? {
            let Some(id) = rec.artifact_id.as_deref().and_then(|id| ContentId::parse(id).ok()) else { continue };
            // Only positions are taken from it, to hide more: a missing or unreadable object
            // hides nothing less than the rules above.
            if let Ok(Some(bytes)) = fsutil::read_optional(&self.home().object(&id))
                && let Ok(payload) = serde_json::from_slice::<Value>(&bytes)
            {
                shown.positions_of(&payload);
            }
        }
        Ok(shown)
    }

    /// The preview of writing `payload` (resolved as `resolved`) into `file`, whose bytes are
    /// `current`, removing `remove`.
    #[allow(clippy::too_many_arguments)] // one preview's inputs, computed once by the caller
    pub(super) fn deploy_preview(
        &self,
        client: &ClientId,
        file: &ClientFile,
        current: Option<&str>,
        payload: &Value,
        resolved: &Resolved,
        remove: &[String],
        store: &SecretStore,
    ) -> Result<DeployPreview> {
        let shown = self.shown_for(client, file, &[payload], Some(resolved), store)?;
        let display = resolve::shown(payload, dialects::env_expansion(client.as_str()));
        let unparsable = |e| Error::unparsable(&file.path, e);
        let before = match current {
            Some(text) => {
                let mut document = dialects::import_at(client.as_str(), &file.placement, text).map_err(unparsable)?;
                shown::unresolve(&mut document, &display, &resolved.document);
                Some(shown.file_text(client.as_str(), &file.placement, text, &document).map_err(unparsable)?)
            }
            None => None,
        };
        let after = dialects::render_at(
            client.as_str(),
            &file.placement,
            before.as_deref(),
            &shown.mask_document(&display),
            remove,
        )
        .map_err(unparsable)?;
        let diff = unified_diff(&file.path, before.as_deref().unwrap_or_default(), &after);
        Ok(DeployPreview { after: shown.finish(&after), diff: shown.finish(&diff) })
    }

    /// The refusal of a deploy whose head servers `names` would replace the file's own entries:
    /// both versions of each, shown redacted, and how to adopt them.
    #[allow(clippy::too_many_arguments)] // one message's inputs, computed once by the caller
    pub(super) fn conflict_message(
        &self,
        client: &ClientId,
        file: &ClientFile,
        profile: &crate::ids::ProfileId,
        live: &Value,
        payload: &Value,
        resolved: &Resolved,
        store: &SecretStore,
        names: &[String],
    ) -> Result<String> {
        let shown = self.shown_for(client, file, &[payload], Some(resolved), store)?;
        let display = resolve::shown(payload, dialects::env_expansion(client.as_str()));
        let entry_text = |document: &Value, name: &str| -> String {
            let entry = document.get("mcpServers").and_then(|s| s.get(name)).cloned().unwrap_or(Value::Null);
            let masked = shown.finish_value(&shown.mask_at(name, "", None, &entry));
            shown.finish(&serde_json::to_string(&masked).unwrap_or_default())
        };
        let (noun, them) = if names.len() == 1 { ("entry", "it") } else { ("entries", "them") };
        let mut message = format!(
            "{}: the file's own {noun} {} (not written by this home) would be replaced by {client}/{profile}; nothing was written",
            file.path.display(),
            names.join(", ")
        );
        for name in names {
            message.push_str(&format!(
                "\n  {name} in the file:    {}\n  {name} in the profile: {}",
                entry_text(live, name),
                entry_text(&display, name)
            ));
        }
        message.push_str(&format!(
            "\nrename {them} in the file, or deploy again with --adopt NAME or --adopt-all (`adopt`/`adopt_all` over MCP) to let the profile replace and manage {them}"
        ));
        Ok(message)
    }

    /// The unified diff between two versions of a file's bytes (a rollback), both masked.
    pub(super) fn bytes_preview(
        &self,
        client: &ClientId,
        file: &ClientFile,
        before: Option<&[u8]>,
        after: Option<&[u8]>,
        store: &SecretStore,
    ) -> Result<String> {
        let shown = self.shown_for(client, file, &[], None, store)?;
        let masked = |bytes: Option<&[u8]>| -> String {
            let text = String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
            // A version that does not parse is shown by the backstop alone.
            dialects::import_at(client.as_str(), &file.placement, &text)
                .and_then(|document| shown.file_text(client.as_str(), &file.placement, &text, &document))
                .unwrap_or(text)
        };
        let (before, after) = (masked(before), masked(after));
        Ok(shown.finish(&unified_diff(&file.path, &before, &after)))
    }
}
