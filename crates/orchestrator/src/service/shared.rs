//! Shared profiles: the profiles every client follows (subject [`crate::ids::SHARED`]). A
//! client's profile name resolves to the client's own profile of that name when it has one
//! (a per-client override, replacing the shared one as a whole), else to the shared profile.
//! Whichever it is, the document is adapted to the client (`adapt`: bridge entries for remote
//! servers it cannot reach, skipped servers with their reason) before it is resolved and
//! rendered, and every report says which layer it came from.

use serde_json::Value;

use super::Orchestrator;
use crate::adapt::{self, Adapted, BridgeCommand};
use crate::artifact::Verified;
use crate::error::{Error, Result};
use crate::fsutil::LockGuard;
use crate::home::LAYOUT_VERSION;
use crate::ids::ClientId;
use crate::resolve::{self, Resolved};
use crate::secrets::SecretStore;

/// Where the profile a client follows comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The client's own profile of that name.
    Client,
    /// The shared profile every client follows.
    Shared,
}

impl Layer {
    /// The layer of a verified artifact (its statement says which).
    pub fn of(verified: &Verified) -> Layer {
        if verified.statement().client_id == crate::ids::SHARED { Layer::Shared } else { Layer::Client }
    }
    /// `client` or `shared`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Client => "client",
            Layer::Shared => "shared",
        }
    }
}

/// The subject whose history a verified artifact belongs to.
pub(super) fn subject_of(verified: &Verified) -> Result<ClientId> {
    Ok(ClientId::parse_subject(&verified.statement().client_id)?)
}

impl Orchestrator {
    /// How bridge entries start the bridge: the adapter's program (see
    /// [`Orchestrator::with_bridge_program`]) with this home.
    pub(super) fn bridge_command(&self) -> BridgeCommand {
        let home = std::path::absolute(self.home().root()).unwrap_or_else(|_| self.home().root().to_path_buf());
        BridgeCommand { program: self.bridge_program.to_string(), home: Some(home) }
    }

    /// A verified document as `client` takes it: a shared profile's adapted to the client
    /// (bridge entries, skipped servers); a client's own profile as it is (it was published or
    /// imported for that client, and its entries may be the user's own, read from the file).
    pub(super) fn adapt(&self, client: &ClientId, verified: &Verified) -> Adapted {
        let mut adapted = if Layer::of(verified) == Layer::Shared {
            adapt::for_client(client.as_str(), verified.payload(), &self.bridge_command())
        } else {
            Adapted { document: verified.payload().clone(), bridged: Default::default(), skipped: Vec::new() }
        };
        // A server's `lock` is for this tool, never for a client's file.
        crate::lock::strip(&mut adapted.document);
        adapted
    }

    /// The document of `verified` as `client` takes it (see [`Orchestrator::adapt`]): what
    /// `get` and `get_config` show beside the signed payload as `rendered_for_client`. An
    /// unknown client id is refused like everywhere (exit 3).
    pub fn rendered_for(&self, client: &str, verified: &Verified) -> Result<Adapted> {
        let client = ClientId::parse_subject(client)?;
        Ok(self.adapt(&client, verified))
    }

    /// An adapted document with its references resolved for `client` (bridge entries keep
    /// theirs).
    pub(super) fn resolve_adapted(
        &self,
        client: &ClientId,
        adapted: &Adapted,
        store: &SecretStore,
    ) -> Result<Resolved> {
        let allowlist = self.env_allowlist()?;
        let mut options = resolve::Options::for_client(client.as_str(), allowlist.as_ref());
        options.verbatim_servers = Some(&adapted.bridged);
        resolve::resolve(&adapted.document, &self.environment, store, options)
    }

    /// The same core, writing `program` as the command of bridge entries (the CLI hands in
    /// `mcp-orchestration` when that is what PATH finds, else its own absolute path).
    pub fn with_bridge_program(mut self, program: impl Into<String>) -> Self {
        self.bridge_program = std::sync::Arc::from(program.into());
        self
    }
}

impl Orchestrator {
    /// The layout number in `layout.json` (None: no file yet).
    fn layout(&self) -> Result<Option<u64>> {
        let path = self.home().layout_file();
        let Some(bytes) = crate::fsutil::read_optional(&path)? else { return Ok(None) };
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt { path: path.clone(), detail: e.to_string() })?;
        value
            .get("layout")
            .and_then(Value::as_u64)
            .map(Some)
            .ok_or_else(|| Error::Corrupt { path, detail: "no \"layout\" number".into() })
    }

    /// Brings `layout.json` to [`LAYOUT_VERSION`] (writing it in a new home) under the home
    /// lock; true when it wrote. Layout 2 adds shared profiles (`heads/_shared/`,
    /// `history/_shared/`, `seen/_shared/`) and changes nothing of layout 1, so the migration
    /// from 1 is the new number. A home of a newer layout is refused: this program would not
    /// know what it holds.
    pub(super) fn upgrade_layout(&self, _lock: &LockGuard) -> Result<bool> {
        match self.layout()? {
            Some(found) if found == LAYOUT_VERSION => Ok(false),
            Some(found) if found > LAYOUT_VERSION => Err(Error::Refused {
                message: format!(
                    "{} has layout {found}, made by a newer mcp-orchestration (this one knows layouts up to {LAYOUT_VERSION}): upgrade mcp-orchestration; nothing was changed",
                    self.home().root().display()
                ),
            }),
            _ => {
                let layout = format!("{{\"layout\": {LAYOUT_VERSION}}}\n");
                crate::fsutil::write_atomic(&self.home().layout_file(), layout.as_bytes(), 0o600)?;
                Ok(true)
            }
        }
    }
}
