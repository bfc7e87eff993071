//! Policies compiled into the clients' own enforcement: the managed settings a client reads
//! from a system location that users cannot edit (`policy render`).
//!
//! Three files, each read by its client's own program (citations in crates/dialects/README.md):
//! - Claude Code's `managed-settings.json` (`/etc/claude-code/` on Linux): `deniedMcpServers`
//!   and `allowedMcpServers`, entries of exactly one of `serverName` (compared verbatim),
//!   `serverCommand` (the whole command line, exactly) or `serverUrl` (a URL pattern with `*`),
//!   and `allowManagedMcpServersOnly` (users cannot extend the allowlist).
//! - GitHub Copilot's `managed-settings.json` (`/etc/github-copilot/` on Linux; Copilot CLI, VS
//!   Code): the same `allowedMcpServers` / `deniedMcpServers` entries.
//! - Gemini CLI's system `settings.json` (`/etc/gemini-cli/`): `mcp.excluded` (server names,
//!   compared case-insensitively) and `mcp.allowed`.
//! - Codex's `requirements.toml` (`/etc/codex/`): `mcp_servers`, an allowlist of names each
//!   with a command or URL identity (`render_codex`).
//!
//! What is rendered is *sound*: the client blocks only what the policies in force refuse too
//! (a client rule never blocks a server this program allows), and every rule kind the client's
//! mechanism cannot hold is reported, rule by rule, as enforced by this program only. Layers
//! are reflected as they combine: every deny of every layer, and the allowlist as the
//! intersection of every layer's (tighten only).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value, json};
use wildmatch::WildMatch;

use super::layers::{PolicyLayer, label};
use super::signed::VerifiedPolicy;

/// A client that reads managed settings from a system location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedClient {
    /// Claude Code's managed-settings.json.
    ClaudeCode,
    /// GitHub Copilot's managed-settings.json (Copilot CLI and Copilot in VS Code).
    Copilot,
    /// Gemini CLI's system settings.json.
    GeminiCli,
    /// Codex's requirements.toml.
    Codex,
}

/// The client ids `policy render --client` takes.
pub const RENDER_CLIENTS: [&str; 5] = ["claude-code", "copilot-cli", "vscode", "gemini-cli", "codex"];

impl ManagedClient {
    /// The managed-settings family of a client id, if it has one.
    pub fn for_client(client: &str) -> Option<ManagedClient> {
        match client {
            "claude-code" => Some(ManagedClient::ClaudeCode),
            "copilot-cli" | "vscode" => Some(ManagedClient::Copilot),
            "gemini-cli" => Some(ManagedClient::GeminiCli),
            "codex" => Some(ManagedClient::Codex),
            _ => None,
        }
    }

    /// The file the client reads its managed (system) settings from on `os`.
    pub fn system_path(self, os: dialects::Os) -> PathBuf {
        use dialects::Os;
        let path = match (self, os) {
            (ManagedClient::ClaudeCode, Os::Linux) => "/etc/claude-code/managed-settings.json",
            (ManagedClient::ClaudeCode, Os::Macos) => "/Library/Application Support/ClaudeCode/managed-settings.json",
            (ManagedClient::ClaudeCode, Os::Windows) => r"C:\Program Files\ClaudeCode\managed-settings.json",
            (ManagedClient::Copilot, Os::Linux) => "/etc/github-copilot/managed-settings.json",
            (ManagedClient::Copilot, Os::Macos) => "/Library/Application Support/GitHubCopilot/managed-settings.json",
            (ManagedClient::Copilot, Os::Windows) => r"C:\Program Files\GitHubCopilot\managed-settings.json",
            (ManagedClient::GeminiCli, Os::Linux) => "/etc/gemini-cli/settings.json",
            (ManagedClient::GeminiCli, Os::Macos) => "/Library/Application Support/GeminiCli/settings.json",
            (ManagedClient::GeminiCli, Os::Windows) => r"C:\ProgramData\gemini-cli\settings.json",
            (ManagedClient::Codex, Os::Linux | Os::Macos) => "/etc/codex/requirements.toml",
            (ManagedClient::Codex, Os::Windows) => r"C:\ProgramData\OpenAI\Codex\requirements.toml",
        };
        PathBuf::from(path)
    }

    /// The keys of the settings file this program owns (replaced, or removed when the policies
    /// express nothing for them); every other key of the file is kept as it is.
    pub fn owned_keys(self) -> &'static [&'static [&'static str]] {
        match self {
            ManagedClient::ClaudeCode => {
                &[&["allowedMcpServers"], &["deniedMcpServers"], &["allowManagedMcpServersOnly"]]
            }
            ManagedClient::Copilot => &[&["allowedMcpServers"], &["deniedMcpServers"]],
            ManagedClient::GeminiCli => &[&["mcp", "allowed"], &["mcp", "excluded"]],
            ManagedClient::Codex => &[&["mcp_servers"]],
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            ManagedClient::ClaudeCode => "Claude Code",
            ManagedClient::Copilot => "GitHub Copilot",
            ManagedClient::GeminiCli => "Gemini CLI",
            ManagedClient::Codex => "Codex",
        }
    }
}

/// A rule (or one pattern of it) the client's mechanism cannot hold: enforced by this program
/// only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotExpressed {
    /// The rule: `servers.allow`, `packages`, `transports`, …
    pub rule: String,
    /// The policy (`layer/name`).
    pub policy: String,
    /// The policy's layer.
    pub layer: PolicyLayer,
    /// The pattern concerned, when only some patterns of the rule are not expressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Why the client cannot hold it.
    pub reason: String,
}

/// The managed settings rendered from the policies in force.
#[derive(Debug, Clone, Serialize)]
pub struct Rendering {
    /// The keys this program owns, with the values the policies give (absent: none).
    pub settings: Value,
    /// What stays enforced by this program only.
    pub not_expressed: Vec<NotExpressed>,
}

pub(super) fn literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

/// A server name Claude Code accepts in an allowlist entry (`^[a-zA-Z0-9_-]+$`).
fn allowlist_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) struct Collector {
    pub(super) not_expressed: Vec<NotExpressed>,
}

impl Collector {
    pub(super) fn add(
        &mut self,
        policy: &VerifiedPolicy,
        rule: &str,
        pattern: Option<&str>,
        reason: impl Into<String>,
    ) {
        self.not_expressed.push(NotExpressed {
            rule: rule.to_owned(),
            policy: label(policy),
            layer: policy.layer(),
            pattern: pattern.map(str::to_owned),
            reason: reason.into(),
        });
    }

    /// Every policy's `servers.allow` as not expressed, for `reason` (the names could be listed
    /// but the client's allowlist cannot hold them).
    pub(super) fn allow_lists(&mut self, policies: &[VerifiedPolicy], reason: &str) {
        for policy in policies.iter().filter(|p| p.document().servers.as_ref().is_some_and(|s| s.allow.is_some())) {
            self.add(policy, "servers.allow", None, reason);
        }
    }

    /// Every non-literal `servers.allow` pattern as not expressed, for `reason` (no policy lists
    /// the allowed names exactly).
    pub(super) fn allow_patterns(&mut self, policies: &[VerifiedPolicy], reason: &str) {
        for policy in policies {
            for pattern in
                policy.document().servers.iter().flat_map(|s| s.allow.iter().flatten()).filter(|p| !literal(p))
            {
                self.add(policy, "servers.allow", Some(pattern), reason);
            }
        }
    }

    /// The rule kinds no client here can hold, for every policy that has them.
    pub(super) fn inexpressible(&mut self, client: ManagedClient, policy: &VerifiedPolicy) {
        let rules = policy.document();
        let by_name = match client {
            ManagedClient::GeminiCli => "Gemini CLI matches servers by name only",
            ManagedClient::Codex => {
                "Codex's requirements identify a server by name, command and URL only, never by package, registry or version"
            }
            _ => {
                "the client matches a stdio server by its whole command line only, never by package, registry or version"
            }
        };
        if rules.packages.is_some() {
            self.add(policy, "packages", None, by_name);
        }
        if rules.registries.is_some() {
            self.add(policy, "registries", None, by_name);
        }
        if rules.require_pinned {
            self.add(policy, "require_pinned", None, by_name);
        }
        if rules.forbid_unpinned_npx_y {
            self.add(policy, "forbid_unpinned_npx_y", None, by_name);
        }
        if rules.transports.is_some() {
            self.add(policy, "transports", None, format!("{} has no rule by transport", client.name()));
        }
        if rules.references.is_some() {
            self.add(
                policy,
                "references",
                None,
                format!("{} has no rule on the variables a server is given", client.name()),
            );
        }
        if rules.max_servers.is_some() {
            self.add(policy, "max_servers", None, format!("{} has no limit on the number of servers", client.name()));
        }
    }
}

/// The exact server names every policy's `servers.allow` allows, when they can be listed: the
/// intersection of the all-literal lists, kept where every other list's patterns match and no
/// deny pattern does.
/// `None` when no policy has an allow list; `Err` when none of them is all literal.
pub(super) fn allowed_names(policies: &[VerifiedPolicy]) -> Option<Result<Vec<String>, ()>> {
    let lists: Vec<&Vec<String>> =
        policies.iter().filter_map(|p| p.document().servers.as_ref().and_then(|s| s.allow.as_ref())).collect();
    if lists.is_empty() {
        return None;
    }
    let literal_lists: Vec<&&Vec<String>> = lists.iter().filter(|l| l.iter().all(|p| literal(p))).collect();
    let Some(first) = literal_lists.first() else { return Some(Err(())) };
    let names = first
        .iter()
        .filter(|name| lists.iter().all(|list| list.iter().any(|p| WildMatch::new(p).matches(name))))
        .filter(|name| !denied_name(policies, name))
        .cloned()
        .collect::<BTreeSet<String>>();
    Some(Ok(names.into_iter().collect()))
}

/// Whether a policy's `servers.deny` matches `name` (a denied name is never listed as allowed).
fn denied_name(policies: &[VerifiedPolicy], name: &str) -> bool {
    policies
        .iter()
        .any(|p| p.document().servers.as_ref().is_some_and(|s| s.deny.iter().any(|d| WildMatch::new(d).matches(name))))
}

/// Whether any policy denies every server name (`servers.deny` holds `*`).
pub(super) fn denies_every_name(policies: &[VerifiedPolicy]) -> bool {
    policies.iter().any(|p| p.document().servers.as_ref().is_some_and(|s| s.deny.iter().any(|d| d == "*")))
}

/// A `serverUrl` pattern matching every URL of a host pattern (any scheme, port and path).
fn url_pattern(host: &str) -> String {
    format!("*://{}:*", host.to_ascii_lowercase())
}

fn push_unique(list: &mut Vec<Value>, entry: Value) {
    if !list.contains(&entry) {
        list.push(entry);
    }
}

/// Renders the policies in force (highest layer first) into `client`'s managed settings.
pub fn render(client: ManagedClient, policies: &[VerifiedPolicy]) -> Rendering {
    match client {
        ManagedClient::ClaudeCode | ManagedClient::Copilot => render_managed(client, policies),
        ManagedClient::GeminiCli => render_gemini(policies),
        ManagedClient::Codex => super::render_codex::render(policies),
    }
}

/// Claude Code's and GitHub Copilot's `allowedMcpServers` / `deniedMcpServers`.
fn render_managed(client: ManagedClient, policies: &[VerifiedPolicy]) -> Rendering {
    let mut out = Collector { not_expressed: Vec::new() };
    let mut denied = Vec::new();
    for policy in policies {
        let rules = policy.document();
        for pattern in rules.servers.iter().flat_map(|s| s.deny.iter()) {
            if pattern == "*" {
                continue; // rendered as an empty allowlist below
            }
            if literal(pattern) && pattern.trim() == pattern {
                push_unique(&mut denied, json!({"serverName": pattern}));
            } else {
                out.add(
                    policy,
                    "servers.deny",
                    Some(pattern),
                    format!("{} compares server names verbatim, without wildcards", client.name()),
                );
            }
        }
        for pattern in rules.remote_hosts.iter().flat_map(|s| s.deny.iter()) {
            if pattern.contains('?') {
                out.add(policy, "remote_hosts.deny", Some(pattern), "serverUrl patterns have `*` but no `?`");
            } else {
                push_unique(&mut denied, json!({"serverUrl": url_pattern(pattern)}));
            }
        }
        out.inexpressible(client, policy);
    }
    let mut settings = Map::new();
    let allowed = if denies_every_name(policies) {
        Some(Vec::new())
    } else {
        match allowed_names(policies) {
            None => None,
            Some(Ok(names)) if names.iter().all(|n| allowlist_name(n)) => {
                Some(names.into_iter().map(|n| json!({"serverName": n})).collect::<Vec<_>>())
            }
            Some(Ok(_)) => {
                out.allow_lists(
                    policies,
                    "an allowed name has characters other than letters, digits, `-` and `_`, which an allowlist entry cannot hold; listing the others would block it",
                );
                None
            }
            Some(Err(())) => {
                out.allow_patterns(
                    policies,
                    "an allowlist holds exact names only, and no policy lists the allowed names exactly",
                );
                None
            }
        }
    };
    for policy in policies {
        if policy.document().remote_hosts.as_ref().is_some_and(|r| r.allow.is_some()) {
            let reason = if allowed.is_some() {
                "once an allowlist has a URL entry the client judges remote servers by URL alone, dropping the name allowlist for them"
            } else {
                "an allowlist of URLs alone would block every stdio server"
            };
            out.add(policy, "remote_hosts.allow", None, reason);
        }
    }
    if let Some(allowed) = allowed {
        settings.insert("allowedMcpServers".into(), Value::Array(allowed));
        if client == ManagedClient::ClaudeCode {
            // Otherwise Claude Code merges allowlists from the user's own settings too.
            settings.insert("allowManagedMcpServersOnly".into(), Value::Bool(true));
        }
    }
    if !denied.is_empty() {
        settings.insert("deniedMcpServers".into(), Value::Array(denied));
    }
    Rendering { settings: Value::Object(settings), not_expressed: out.not_expressed }
}

/// Gemini CLI's `mcp.excluded` (and `mcp.allowed: []` when every name is denied).
fn render_gemini(policies: &[VerifiedPolicy]) -> Rendering {
    let client = ManagedClient::GeminiCli;
    let mut out = Collector { not_expressed: Vec::new() };
    let mut excluded: Vec<Value> = Vec::new();
    for policy in policies {
        let rules = policy.document();
        for pattern in rules.servers.iter().flat_map(|s| s.deny.iter()) {
            if pattern == "*" {
                continue;
            }
            if literal(pattern) && pattern.trim() == pattern {
                push_unique(&mut excluded, Value::String(pattern.clone()));
            } else {
                out.add(policy, "servers.deny", Some(pattern), "mcp.excluded holds exact names, without wildcards");
            }
        }
        if rules.servers.as_ref().is_some_and(|s| s.allow.is_some()) {
            out.add(
                policy,
                "servers.allow",
                None,
                "a name in Gemini CLI's mcp.allowed also approves every tool call of that server without asking",
            );
        }
        if rules.remote_hosts.is_some() {
            out.add(policy, "remote_hosts", None, "Gemini CLI matches servers by name only");
        }
        out.inexpressible(client, policy);
    }
    let mut mcp = Map::new();
    if denies_every_name(policies) {
        mcp.insert("allowed".into(), Value::Array(Vec::new()));
    }
    if !excluded.is_empty() {
        mcp.insert("excluded".into(), Value::Array(excluded));
    }
    let settings = if mcp.is_empty() { json!({}) } else { json!({"mcp": mcp}) };
    Rendering { settings, not_expressed: out.not_expressed }
}

/// Why `policy render` rendered or wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A client without managed settings here (exit 2).
    #[error(
        "client '{client}' reads no managed settings this program can render: give one of {}",
        RENDER_CLIENTS.join(", ")
    )]
    Unsupported {
        /// The client asked for.
        client: String,
    },
    /// `--output` naming the client's system location (exit 2).
    #[error(
        "{} is where {client} reads its managed settings: writing it needs --system (and the permission to write there)",
        path.display()
    )]
    SystemNeedsFlag {
        /// The client.
        client: String,
        /// The system location.
        path: PathBuf,
    },
    /// No permission to write the system location (exit 1).
    #[error(
        "cannot write {}: permission denied; only an administrator can write the system location (run as root: `sudo mcp-orchestration policy render --client {client} --system`, with a home that trusts the policies), or preview it without --system; nothing was written",
        path.display()
    )]
    Permission {
        /// The client.
        client: String,
        /// The file that could not be written.
        path: PathBuf,
    },
    /// An existing settings file that is not a JSON object (exit 10).
    #[error("{}: not a settings file that can be edited ({reason}); nothing was written: fix or remove it", path.display())]
    Existing {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        reason: String,
    },
}

impl RenderError {
    /// The documented kind (exit code).
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            RenderError::Unsupported { .. } | RenderError::SystemNeedsFlag { .. } => ErrorKind::Usage,
            RenderError::Permission { .. } => ErrorKind::Other,
            RenderError::Existing { .. } => ErrorKind::Unsafe,
        }
    }
}

#[cfg(test)]
mod tests {
    use dialects::Os;

    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn each_client_reads_its_own_system_file_per_os() {
        let cases = [
            ("claude-code", Os::Macos, "/Library/Application Support/ClaudeCode/managed-settings.json"),
            ("claude-code", Os::Windows, r"C:\Program Files\ClaudeCode\managed-settings.json"),
            ("vscode", Os::Linux, "/etc/github-copilot/managed-settings.json"),
            ("copilot-cli", Os::Macos, "/Library/Application Support/GitHubCopilot/managed-settings.json"),
            ("copilot-cli", Os::Windows, r"C:\Program Files\GitHubCopilot\managed-settings.json"),
            ("gemini-cli", Os::Macos, "/Library/Application Support/GeminiCli/settings.json"),
            ("gemini-cli", Os::Windows, r"C:\ProgramData\gemini-cli\settings.json"),
            ("codex", Os::Linux, "/etc/codex/requirements.toml"),
            ("codex", Os::Macos, "/etc/codex/requirements.toml"),
            ("codex", Os::Windows, r"C:\ProgramData\OpenAI\Codex\requirements.toml"),
        ];
        for (client, os, path) in cases {
            let managed = ManagedClient::for_client(client).expect("supported");
            assert_eq!(managed.system_path(os), PathBuf::from(path), "{client} {os:?}");
        }
        assert!(RENDER_CLIENTS.iter().all(|c| ManagedClient::for_client(c).is_some()));
        assert_eq!(ManagedClient::for_client("cursor"), None);
    }

    #[test]
    fn refusals_have_their_documented_kinds() {
        let path = PathBuf::from("/etc/x.json");
        let client = "claude-code".to_owned();
        assert_eq!(RenderError::Unsupported { client: client.clone() }.kind(), ErrorKind::Usage);
        assert_eq!(
            RenderError::SystemNeedsFlag { client: client.clone(), path: path.clone() }.kind(),
            ErrorKind::Usage
        );
        assert_eq!(RenderError::Permission { client, path: path.clone() }.kind().exit_code(), 1);
        assert_eq!(RenderError::Existing { path, reason: "x".into() }.kind().exit_code(), 10);
    }

    #[test]
    fn url_patterns_match_any_scheme_port_and_path_of_the_host() {
        assert_eq!(url_pattern("*.Evil.example"), "*://*.evil.example:*");
        assert!(allowlist_name("fs_home-2") && !allowlist_name("my.server") && !allowlist_name(""));
    }
}
