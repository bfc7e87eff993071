//! `policy render`: the policies in force compiled into a client's own managed settings
//! (`policy::render`), shown, written into a file, or written into the client's system location
//! (only when asked with `--system`: it binds every user of the machine). An existing settings
//! file is merged (`policy::render_file`): only the keys this program owns change. Nothing is
//! partly written: the file is replaced atomically, and a refusal (no permission, a file that is
//! not a JSON object) writes nothing.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Orchestrator;
use crate::error::Result;
use crate::fsutil::{self, FsError};
use crate::ids::ClientId;
use crate::policy::render::{ManagedClient, NotExpressed, RenderError};
use crate::policy::{PolicyError, layers, render, render_file};

/// Where `policy render` puts the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderTarget {
    /// Nowhere: the rendered keys are returned (a preview).
    Preview,
    /// This file (merged when it exists); never the client's system location.
    File(PathBuf),
    /// The client's system location on this OS (merged when it exists).
    System,
}

/// What `policy render` rendered and where it went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RenderReport {
    /// The client.
    pub client: String,
    /// Where the client reads its managed settings on this OS.
    pub system_path: String,
    /// The file written (None for a preview).
    pub written: Option<String>,
    /// The policies rendered (`layer/name`), highest layer first.
    pub policies: Vec<String>,
    /// The keys this program owns in that file, with the values rendered (a key absent here
    /// is removed from the file).
    pub settings: Value,
    /// What the client cannot hold: still enforced by this program only.
    pub not_expressed: Vec<NotExpressed>,
}

/// File mode of a written settings file: the client reads it as any user.
const SETTINGS_MODE: u32 = 0o644;

fn permission(client: &str, path: &Path) -> impl Fn(FsError) -> crate::error::Error {
    let (client, path) = (client.to_owned(), path.to_path_buf());
    move |e: FsError| {
        if e.source.kind() == std::io::ErrorKind::PermissionDenied {
            PolicyError::from(RenderError::Permission { client: client.clone(), path: path.clone() }).into()
        } else {
            e.into()
        }
    }
}

/// The same file, whether or not it exists yet (its directory resolved when it exists).
fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| -> PathBuf {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        match (dir.canonicalize(), p.file_name()) {
            (Ok(dir), Some(name)) => dir.join(name),
            _ => p.to_path_buf(),
        }
    };
    resolve(a) == resolve(b)
}

impl Orchestrator {
    /// Renders the policies in force into `client`'s managed settings and shows or writes them.
    pub fn policy_render(&self, client: &str, os: dialects::Os, target: &RenderTarget) -> Result<RenderReport> {
        let mut meta = Map::new();
        meta.insert("client".into(), json!(client.chars().take(64).collect::<String>()));
        self.traced("policy_render", meta, || {
            let id = ClientId::parse(client)?;
            let managed = ManagedClient::for_client(id.as_str())
                .ok_or_else(|| PolicyError::from(RenderError::Unsupported { client: id.as_str().to_owned() }))?;
            let system = managed.system_path(os);
            let path = match target {
                RenderTarget::Preview => None,
                RenderTarget::File(path) if same_file(path, &system) => {
                    return Err(PolicyError::from(RenderError::SystemNeedsFlag {
                        client: id.as_str().to_owned(),
                        path: system,
                    })
                    .into());
                }
                RenderTarget::File(path) => Some(path.clone()),
                RenderTarget::System => Some(system.clone()),
            };
            self.ensure_initialized()?;
            let policies = self.policies_in_force()?;
            let rendering = render::render(managed, &policies);
            if let Some(path) = &path {
                self.write_rendered(id.as_str(), managed, path, &rendering.settings, *target == RenderTarget::System)?;
            }
            Ok(RenderReport {
                client: id.as_str().to_owned(),
                system_path: system.display().to_string(),
                written: path.map(|p| p.display().to_string()),
                policies: policies.iter().map(layers::label).collect(),
                settings: rendering.settings,
                not_expressed: rendering.not_expressed,
            })
        })
    }

    fn write_rendered(
        &self,
        client: &str,
        managed: ManagedClient,
        path: &Path,
        settings: &Value,
        system: bool,
    ) -> Result<()> {
        let denied = permission(client, path);
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|e| crate::error::Error::NotUtf8 {
                path: path.to_path_buf(),
                offset: e.utf8_error().valid_up_to(),
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(denied(FsError::new("cannot read", path, e))),
        };
        let text = render_file::merge(managed, existing.as_deref(), settings)
            .map_err(|reason| PolicyError::from(RenderError::Existing { path: path.to_path_buf(), reason }))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A system directory every user reads; a file elsewhere gets the umask's.
            fsutil::create_dirs_reporting(dir, system.then_some(0o755)).map_err(&denied)?;
        }
        fsutil::write_atomic(path, text.as_bytes(), SETTINGS_MODE).map_err(denied)
    }
}
