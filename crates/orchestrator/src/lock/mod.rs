//! Locking what runs: every package-based server of a profile pinned to one exact version with
//! its registry integrity digest, and every server's tool list fingerprinted.
//!
//! **Where a pin lives.** The pin is written twice, in the signed payload:
//! - in the server's `args`, so that what clients run is pinned (`pkg@1.2.3`, `pkg==1.2.3`,
//!   `image:tag@sha256:…`): deploy writes these args into every client file as it writes any
//!   other args;
//! - in a `lock` object beside `command`/`args` ([`LOCK_KEY`], [`Lock`]): the ecosystem, the
//!   package, the exact version, the registry's integrity digest (npm `dist.integrity`, the
//!   PyPI file's `sha256:`, an image's manifest or index digest with its repository, tag and
//!   media type), the registry it came from, the range first asked for (what
//!   `lock --update` moves within) and, after `lock --probe`, the SHA-256 of the canonical
//!   tool list with one digest per tool. The `lock` object is never written into a client
//!   file: [`strip`] takes it out of the document every client is given (`adapt`), no
//!   dialect renders an unknown neutral field, and entries compare equal without it
//!   (`dialects::document::same_for_client`).
//!
//! A remote server or a plain command gets a `lock` with only the tool fingerprint.
//!
//! The core starts no server and speaks no registry's HTTP API itself: the adapter hands in a
//! [`Fetch`] (HTTP GET) and a [`Probe`] (an MCP client); images are read through `oci-client`
//! ([`oci`]) with the credentials, CA and plain-HTTP choice the adapter hands in
//! ([`ImageAccess`]).

mod error;
mod fingerprint;
mod image;
mod npm;
mod oci;
mod ops;
mod pypi;
mod report;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::LockFailure;
pub use fingerprint::{ToolPrint, ToolsChange, fingerprint};
pub use oci::{ImageAccess, ImageManifest, Images, Wanted};
pub use ops::{AuditOptions, LockOptions, Registries};
pub use report::{AuditReport, CheckReport, CheckRow, Finding, FindingKind, LockChange, LockReport, PinState};

use crate::package_ref::Ecosystem;

/// The per-server field holding the lock (never written into a client file).
pub const LOCK_KEY: &str = dialects::LOCK_KEY;

/// The public npm registry, when neither a flag nor the environment names another.
pub const DEFAULT_NPM_REGISTRY: &str = "https://registry.npmjs.org/";
/// The public Python package index (simple API), likewise.
pub const DEFAULT_PYPI_INDEX: &str = "https://pypi.org/simple/";

/// A server's `lock` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// `npm`, `pypi` or `oci` (absent: only a tool fingerprint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// The package name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The exact version the args pin (packages; an image has a [`Lock::tag`] and a digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The registry's digest of that version: npm `dist.integrity` (`sha512-…`), PyPI
    /// `sha256:<hex>` of [`Lock::file`]; an image's manifest (or index) digest `sha256:<hex>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// An image's repository in its registry (`library/alpine` for `alpine`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The image tag the digest was resolved from (`lock --update` moves along it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The media type of the image's manifest: an index (multi-platform) or one manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The PyPI file the integrity is of (a wheel, else the sdist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The registry base URL the version was resolved at (no credentials); an image's registry
    /// host (`HOST[:PORT]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The version range or tag the entry asked for before it was pinned (absent: the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// SHA-256 (hex) of the canonical tool list, from the last probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_sha256: Option<String>,
    /// SHA-256 (hex) of each tool's canonical form, by tool name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<BTreeMap<String, String>>,
}

impl Lock {
    /// The lock of a servers-document entry (`None`: none, or not an object of this shape).
    pub fn of(entry: &Value) -> Option<Lock> {
        entry.get(LOCK_KEY).and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// The recorded tool fingerprint, when there is one.
    pub fn tool_print(&self) -> Option<ToolPrint> {
        Some(ToolPrint { sha256: self.tools_sha256.clone()?, tools: self.tools.clone().unwrap_or_default() })
    }

    /// Sets the tool fingerprint.
    pub fn set_tools(&mut self, print: &ToolPrint) {
        self.tools_sha256 = Some(print.sha256.clone());
        self.tools = Some(print.tools.clone());
    }

    fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Removes every server's `lock` object from a servers document: what a client is given.
pub fn strip(document: &mut Value) {
    if let Some(servers) = document.get_mut("mcpServers").and_then(Value::as_object_mut) {
        for entry in servers.values_mut() {
            if let Some(fields) = entry.as_object_mut() {
                fields.shift_remove(LOCK_KEY);
            }
        }
    }
}

/// One HTTP GET, as the adapter does it (the core has no HTTP client).
pub trait Fetch: Sync {
    /// The body of `url` fetched with `Accept: accept`: `Ok(None)` on 404, `Err` (a message
    /// naming the URL, without credentials) on any other failure.
    fn get(&self, url: &str, accept: &str) -> Result<Option<Vec<u8>>, String>;
}

/// Where a probed server's runner installs from: the registries its pin was resolved at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeRegistries {
    /// The npm registry (`npm_config_registry` for npx, bunx, pnpm).
    pub npm: String,
    /// The Python index (for uvx, pipx).
    pub pypi: String,
}

/// Starts a server as its client would and lists its tools (the adapter has the MCP client).
pub trait Probe: Sync {
    /// The `tools/list` result's tools of the server `entry` (references resolved) describes,
    /// installing from `registries`, or why it could not be listed (a message without secret
    /// values).
    fn tools(&self, server: &str, entry: &Value, registries: &ProbeRegistries) -> Result<Vec<Value>, String>;
}

/// A URL as it may be shown: without user info (`user:token@`).
pub fn shown_url(url: &str) -> String {
    without_credentials(url)
}

/// Removes user info (`user:token@`) from a URL before it is recorded or shown.
pub(crate) fn without_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_owned() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..scheme_end + 3], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
