//! Evaluation: a servers document against the policies in force, as a list of findings, each
//! naming the rule, the policy (name and layer) and the server. Every policy is evaluated on
//! its own and every finding is kept, so a deny in any layer refuses whatever another layer
//! allows: layers can only tighten.
//!
//! What each rule looks at, per server entry:
//! - `servers`: the entry's name; `transports`: `stdio`, `http` or `sse` (the entry's `type`,
//!   else `stdio` for a command and `http` for a URL).
//! - `remote_hosts`: the host of a remote entry's `url` (lower case); entries without a URL
//!   are not remote and not concerned.
//! - `registries`, `packages`, `require_pinned`, `forbid_unpinned_npx_y`: the package a stdio
//!   entry runs (`package_ref`: npx/bunx/pnpm dlx/npm exec, uvx/pipx, docker/podman run).
//!   Entries that run no registry package are not concerned, except that `require_pinned`
//!   and `forbid_unpinned_npx_y` refuse a runner whose package is not from a registry (a git
//!   URL, a path): it cannot be pinned. A version range of a rule holds an exact version; an
//!   unpinned package (no version, a range, a tag) may resolve to any version, so it matches
//!   every deny rule of its name and no allow rule with a range.
//! - `references`: every `${env:NAME}` and `${secret:NAME}` anywhere in the entry.
//! - `max_servers`: the number of entries.

use serde::Serialize;
use serde_json::Value;
use wildmatch::WildMatch;

use super::document::{NameRules, PackageRule, PolicyDocument};
use super::layers::PolicyLayer;
use super::signed::VerifiedPolicy;
use crate::package_ref::{self, Detection, PackageRef};
use crate::resolve;

/// One rule a server (or the document) breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule: `servers.deny`, `packages.allow`, `require_pinned`, `max_servers`, …
    pub rule: String,
    /// The policy's name.
    pub policy: String,
    /// The policy's layer.
    pub layer: PolicyLayer,
    /// The server concerned (None for `max_servers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// What breaks it, naming the pattern or value.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(server) = &self.server {
            write!(f, "server '{server}': ")?;
        }
        write!(f, "rule {} of policy '{}' ({}): {}", self.rule, self.policy, self.layer, self.message)
    }
}

/// What the rules look at in one server entry.
struct Facts {
    name: String,
    transport: Option<&'static str>,
    remote: bool,
    host: Option<String>,
    detection: Detection,
    npx_yes: bool,
    references: Vec<resolve::Reference>,
}

impl Facts {
    fn of(name: &str, entry: &Value) -> Facts {
        let fields = entry.as_object();
        let transport = fields.and_then(dialects::entry_transport).map(|t| t.as_str());
        let url = entry.get("url").and_then(Value::as_str).map(str::to_owned);
        let host = url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        let detection = package_ref::detect_entry(entry);
        let runner = match &detection {
            Detection::Package(p) => Some(p.runner.as_str()),
            Detection::NotRegistry { runner, .. } => Some(runner.as_str()),
            Detection::NotPackage => None,
        };
        let yes = entry
            .get("args")
            .and_then(Value::as_array)
            .is_some_and(|args| args.iter().any(|a| matches!(a.as_str(), Some("-y" | "--yes"))));
        let mut references = Vec::new();
        collect_references(entry, &mut references);
        Facts {
            name: name.to_owned(),
            transport,
            remote: url.is_some(),
            host,
            npx_yes: runner == Some("npx") && yes,
            detection,
            references,
        }
    }

    fn ecosystem(&self) -> Option<&'static str> {
        match &self.detection {
            Detection::Package(p) => Some(p.ecosystem.as_str()),
            Detection::NotRegistry { ecosystem, .. } => Some(ecosystem.as_str()),
            Detection::NotPackage => None,
        }
    }
}

fn collect_references(value: &Value, out: &mut Vec<resolve::Reference>) {
    match value {
        Value::String(s) => out.extend(resolve::references(s)),
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

fn matches(pattern: &str, value: &str) -> bool {
    WildMatch::new(pattern).matches(value)
}

/// PyPI names compare normalized (PEP 503: case, `-`, `_` and `.` alike).
fn package_name_matches(registry: &str, pattern: &str, name: &str) -> bool {
    if registry == "pypi" {
        let normalize = |s: &str| s.to_ascii_lowercase().replace(['_', '.'], "-");
        matches(&normalize(pattern), &normalize(name))
    } else {
        matches(pattern, name)
    }
}

/// Evaluates `document` (a servers document) against `policies`, highest layer first.
pub fn evaluate(policies: &[VerifiedPolicy], document: &Value) -> Vec<Finding> {
    let servers: Vec<Facts> = document
        .get("mcpServers")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(name, entry)| Facts::of(name, entry)).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for policy in policies {
        let mut report = Reporter { policy, out: &mut out };
        let rules = policy.document();
        for server in &servers {
            report.server_rules(rules, server);
        }
        if let Some(max) = rules.max_servers
            && servers.len() as u64 > max
        {
            report.add(
                "max_servers",
                None,
                format!("{} servers, at most {max} allowed: remove {}", servers.len(), servers.len() as u64 - max),
            );
        }
    }
    out
}

struct Reporter<'a> {
    policy: &'a VerifiedPolicy,
    out: &'a mut Vec<Finding>,
}

impl Reporter<'_> {
    fn add(&mut self, rule: &str, server: Option<&str>, message: String) {
        self.out.push(Finding {
            rule: rule.to_owned(),
            policy: self.policy.name().to_owned(),
            layer: self.policy.layer(),
            server: server.map(str::to_owned),
            message,
        });
    }

    /// The deny and allow patterns of `field` applied to `value` (`what` names the value).
    fn names(&mut self, field: &str, rules: &NameRules, server: &str, what: &str, value: &str) {
        if let Some(pattern) = rules.deny.iter().find(|p| matches(p, value)) {
            self.add(
                &format!("{field}.deny"),
                Some(server),
                format!("{what} '{value}' matches the denied '{pattern}'"),
            );
        }
        if let Some(allow) = &rules.allow
            && !allow.iter().any(|p| matches(p, value))
        {
            self.add(
                &format!("{field}.allow"),
                Some(server),
                format!("{what} '{value}' is not in the allowed [{}]", allow.join(", ")),
            );
        }
    }

    fn server_rules(&mut self, rules: &PolicyDocument, server: &Facts) {
        let name = server.name.as_str();
        if let Some(r) = &rules.servers {
            self.names("servers", r, name, "the name", name);
        }
        if let (Some(r), Some(transport)) = (&rules.transports, server.transport) {
            self.names("transports", r, name, "transport", transport);
        }
        if let (Some(r), true) = (&rules.remote_hosts, server.remote) {
            match &server.host {
                Some(host) => self.names("remote_hosts", r, name, "host", host),
                None => self.add(
                    "remote_hosts",
                    Some(name),
                    "the URL's host cannot be read (write it literally, not as a reference)".into(),
                ),
            }
        }
        if let (Some(r), Some(registry)) = (&rules.registries, server.ecosystem()) {
            self.names("registries", r, name, "registry", registry);
        }
        if let (Some(r), Detection::Package(package)) = (&rules.packages, &server.detection) {
            self.packages(r, name, package);
        }
        let unpinned = match &server.detection {
            Detection::Package(p) if !p.pinned => Some(format!(
                "{} package '{}' {} is not pinned to an exact {}",
                p.ecosystem,
                p.name,
                p.requested.as_deref().map(|r| format!("({r})")).unwrap_or_else(|| "(no version)".into()),
                if p.ecosystem == package_ref::Ecosystem::Oci { "digest" } else { "version" }
            )),
            Detection::NotRegistry { ecosystem, reason, .. } => {
                Some(format!("{ecosystem} package that cannot be pinned to a registry version: {reason}"))
            }
            _ => None,
        };
        if let Some(why) = &unpinned {
            if rules.require_pinned {
                self.add("require_pinned", Some(name), format!("{why}: run `mcp-orchestration lock` or pin it"));
            }
            if rules.forbid_unpinned_npx_y && server.npx_yes {
                self.add("forbid_unpinned_npx_y", Some(name), format!("`npx -y` of an unpinned package: {why}"));
            }
        }
        if let Some(allowed) = &rules.references {
            for reference in &server.references {
                let ok = allowed.iter().any(|rule| {
                    let names = if reference.kind == "env" { &rule.env } else { &rule.secret };
                    rule.servers.iter().any(|p| matches(p, name)) && names.iter().any(|p| matches(p, &reference.name))
                });
                if !ok {
                    self.add(
                        "references",
                        Some(name),
                        format!("${{{}:{}}} may not be passed to this server", reference.kind, reference.name),
                    );
                }
            }
        }
    }

    fn packages(&mut self, rules: &super::document::PackageRules, server: &str, package: &PackageRef) {
        let registry = package.ecosystem.as_str();
        // The version a range is checked against: only an exact one.
        // (PyPI's pinned form keeps its operator: `==1.2.3`, `===1.0-legacy`.)
        let exact = package.pinned.then_some(package.requested.as_deref()).flatten().map(|v| v.trim_start_matches('='));
        let name_matches = |rule: &PackageRule| {
            rule.registry.as_deref().is_none_or(|r| r == registry)
                && package_name_matches(registry, &rule.name, &package.name)
        };
        let shown = match exact {
            Some(v) => format!("{registry} package '{}' {v}", package.name),
            None => format!("{registry} package '{}' (unpinned)", package.name),
        };
        for rule in rules.deny.iter().filter(|r| name_matches(r)) {
            let in_range = match (rule.range(), exact) {
                (None, _) => Some(true),
                (Some(range), Some(v)) => range.contains(v),
                (Some(_), None) => None,
            };
            match in_range {
                Some(true) => {
                    self.add("packages.deny", Some(server), format!("{shown} matches the denied {}", describe(rule)))
                }
                None => self.add(
                    "packages.deny",
                    Some(server),
                    format!(
                        "{shown} may resolve to a version the denied {} covers: pin an allowed version",
                        describe(rule)
                    ),
                ),
                Some(false) => {}
            }
        }
        if let Some(allow) = &rules.allow {
            let allowed = allow.iter().filter(|r| name_matches(r)).any(|rule| match (rule.range(), exact) {
                (None, _) => true,
                (Some(range), Some(v)) => range.contains(v) == Some(true),
                (Some(_), None) => false,
            });
            if !allowed {
                let list: Vec<String> = allow.iter().map(describe).collect();
                self.add(
                    "packages.allow",
                    Some(server),
                    format!("{shown} is not in the allowed [{}]", list.join(", ")),
                );
            }
        }
    }
}

fn describe(rule: &PackageRule) -> String {
    let mut out = String::new();
    if let Some(registry) = &rule.registry {
        out.push_str(registry);
        out.push(':');
    }
    out.push_str(&rule.name);
    if let Some(versions) = &rule.versions {
        out.push_str(&format!(" {versions}"));
    }
    format!("'{out}'")
}
