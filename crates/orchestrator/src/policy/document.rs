//! The policy document: what an organisation, a team or a user allows and denies, as a
//! versioned schema that refuses unknown fields.
//!
//! ```json
//! {"schema_version": 1,
//!  "servers":      {"allow": ["github", "fs-*"], "deny": ["evil*"]},
//!  "packages":     {"allow": [{"registry": "npm", "name": "@modelcontextprotocol/*", "versions": ">=1.0.0"}],
//!                   "deny":  [{"registry": "pypi", "name": "bad-tool", "versions": "<2"}]},
//!  "registries":   {"allow": ["npm", "pypi"]},
//!  "remote_hosts": {"allow": ["api.githubcopilot.com", "*.example.com"]},
//!  "transports":   {"deny": ["sse"]},
//!  "require_pinned": true,
//!  "forbid_unpinned_npx_y": true,
//!  "references":   [{"servers": ["github"], "env": [], "secret": ["GITHUB_TOKEN"]}],
//!  "max_servers":  10}
//! ```
//!
//! Patterns are wildcard patterns (`*` any run, `?` one character). Version ranges are npm
//! ranges (node-semver grammar: `^1.2`, `>=1 <2`, `1.x || 2.x`) for `npm`, PEP 440
//! specifiers (`>=1.0,<2`) for `pypi`; a package rule with `versions` names its registry.
//! Everything is checked when the document is read, so a policy that signs is a policy that
//! evaluates.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical;

/// The schema version this program reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// The registries a package rule may name.
pub const REGISTRIES: [&str; 3] = ["npm", "pypi", "oci"];

/// The transports a transport rule may name.
pub const TRANSPORTS: [&str; 3] = ["stdio", "http", "sse"];

/// Allow and deny patterns for one property of a server (its name, registry, host, transport).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRules {
    /// When present, a value must match one of these (an empty list allows nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// A value matching one of these is refused, whatever any allow list says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

/// One package pattern: registry, name and version range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRule {
    /// `npm`, `pypi` or `oci`; absent: any registry (then `versions` is not allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The package name (or image repository), a wildcard pattern.
    pub name: String,
    /// A version range in the registry's grammar; absent: every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<String>,
}

/// Allow and deny rules for packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRules {
    /// When present, a package server's package must match one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<PackageRule>>,
    /// A package matching one of these is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<PackageRule>,
}

/// Which `${env:…}` and `${secret:…}` names the servers matching `servers` may be given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRule {
    /// Server name patterns this rule is for.
    pub servers: Vec<String>,
    /// Environment variable name patterns.
    #[serde(default)]
    pub env: Vec<String>,
    /// Secret name patterns.
    #[serde(default)]
    pub secret: Vec<String>,
}

/// A policy: every rule is optional; a rule that is absent constrains nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u64,
    /// What the policy is for (shown by `policy list`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Server names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<NameRules>,
    /// Packages (npx/bunx, uvx/pipx, docker entries) by registry, name and version range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<PackageRules>,
    /// Registries of package servers (`npm`, `pypi`, `oci`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registries: Option<NameRules>,
    /// Hosts of remote servers' URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_hosts: Option<NameRules>,
    /// Transports (`stdio`, `http`, `sse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<NameRules>,
    /// Every package server names an exact version (or an image digest).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_pinned: bool,
    /// No `npx -y` (or `--yes`) of a package without an exact version.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forbid_unpinned_npx_y: bool,
    /// When present, every reference a server holds must be allowed by one of these rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Vec<ReferenceRule>>,
    /// At most this many servers in a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_servers: Option<u64>,
}

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not strict JSON (duplicate keys, huge numbers, …).
    #[error("not strict JSON: {0}")]
    Json(String),
    /// A field of the wrong type, or one the schema does not have.
    #[error("at `{path}`: {message}")]
    Schema {
        /// Where (dotted path), `.` for the whole document.
        path: String,
        /// What serde reported (names the unknown field and the expected ones).
        message: String,
    },
    /// A schema version this program does not read.
    #[error(
        "schema_version {found} is not supported: this program reads schema_version {SCHEMA_VERSION} (a newer release may read it)"
    )]
    Version {
        /// What the document says.
        found: u64,
    },
    /// A value the schema refuses (an unknown registry, a range that does not parse, …).
    #[error("at `{path}`: {message}")]
    Invalid {
        /// Where.
        path: String,
        /// What is wrong and what to give instead.
        message: String,
    },
}

impl PolicyDocument {
    /// Parses and checks a policy document from JSON text.
    pub fn parse(text: &str) -> Result<PolicyDocument, DocumentError> {
        let value = canonical::parse_strict(text).map_err(|e| DocumentError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Reads and checks a policy document from a JSON value.
    pub fn from_value(value: &Value) -> Result<PolicyDocument, DocumentError> {
        if let Some(found) = value.get("schema_version").and_then(Value::as_u64)
            && found != SCHEMA_VERSION
        {
            return Err(DocumentError::Version { found });
        }
        let document: PolicyDocument = serde_path_to_error::deserialize(value)
            .map_err(|e| DocumentError::Schema { path: e.path().to_string(), message: e.inner().to_string() })?;
        document.check()?;
        Ok(document)
    }

    /// The document as a JSON value (the form that is signed).
    pub fn to_value(&self) -> Value {
        // Plain strings, integers, booleans and lists: serialization has no failure case.
        serde_json::to_value(self).unwrap_or_default()
    }

    fn check(&self) -> Result<(), DocumentError> {
        let invalid = |path: String, message: String| Err(DocumentError::Invalid { path, message });
        for (field, rules) in [("servers", &self.servers), ("remote_hosts", &self.remote_hosts)] {
            if let Some(rules) = rules {
                check_patterns(field, rules)?;
            }
        }
        for (field, rules, known) in
            [("registries", &self.registries, &REGISTRIES[..]), ("transports", &self.transports, &TRANSPORTS[..])]
        {
            let Some(rules) = rules else { continue };
            check_patterns(field, rules)?;
            let values =
                rules.allow.iter().flatten().map(|v| ("allow", v)).chain(rules.deny.iter().map(|v| ("deny", v)));
            for (list, value) in values {
                if !known.contains(&value.as_str()) {
                    return invalid(
                        format!("{field}.{list}"),
                        format!("'{}' is not one of {}", shorten(value), known.join(", ")),
                    );
                }
            }
        }
        if let Some(packages) = &self.packages {
            let rules =
                packages.allow.iter().flatten().map(|r| ("allow", r)).chain(packages.deny.iter().map(|r| ("deny", r)));
            for (index, (list, rule)) in rules.enumerate() {
                rule.check(&format!("packages.{list}[{index}]"))?;
            }
        }
        for (index, rule) in self.references.iter().flatten().enumerate() {
            if rule.servers.is_empty() {
                return invalid(
                    format!("references[{index}].servers"),
                    "name at least one server pattern (\"*\" for every server)".into(),
                );
            }
        }
        Ok(())
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

fn check_patterns(field: &str, rules: &NameRules) -> Result<(), DocumentError> {
    let all = rules.allow.iter().flatten().chain(rules.deny.iter());
    if all.clone().any(String::is_empty) {
        return Err(DocumentError::Invalid {
            path: field.to_owned(),
            message: "an empty pattern matches nothing: remove it (\"*\" matches everything)".into(),
        });
    }
    Ok(())
}

impl PackageRule {
    fn check(&self, path: &str) -> Result<(), DocumentError> {
        let invalid = |message: String| Err(DocumentError::Invalid { path: path.to_owned(), message });
        if self.name.is_empty() {
            return invalid("name is empty: give a package name or pattern (\"*\" for every package)".into());
        }
        if let Some(registry) = &self.registry
            && !REGISTRIES.contains(&registry.as_str())
        {
            return invalid(format!("registry '{}' is not one of {}", shorten(registry), REGISTRIES.join(", ")));
        }
        let Some(versions) = &self.versions else { return Ok(()) };
        match self.registry.as_deref() {
            None => invalid("a version range needs its registry (\"registry\": \"npm\" or \"pypi\")".into()),
            Some("oci") => invalid(
                "OCI images have tags and digests, not version ranges: match the image by name and use require_pinned for digests".into(),
            ),
            Some(registry) => VersionRange::parse(registry, versions).map(|_| ()).map_err(|message| {
                DocumentError::Invalid { path: format!("{path}.versions"), message }
            }),
        }
    }

    /// The rule's version range, when it has one (checked when the document was read).
    pub fn range(&self) -> Option<VersionRange> {
        let registry = self.registry.as_deref()?;
        VersionRange::parse(registry, self.versions.as_deref()?).ok()
    }
}

/// A version range in its registry's grammar.
#[derive(Debug, Clone)]
pub enum VersionRange {
    /// An npm range (node-semver).
    Npm(nodejs_semver::Range),
    /// PEP 440 specifiers.
    Pypi(pep440_rs::VersionSpecifiers),
}

impl VersionRange {
    /// Parses `text` as a range of `registry` (`npm` or `pypi`).
    pub fn parse(registry: &str, text: &str) -> Result<VersionRange, String> {
        match registry {
            "npm" => nodejs_semver::Range::parse(text)
                .map(VersionRange::Npm)
                .map_err(|e| format!("'{}' is not an npm version range ({e}): e.g. ^1.2.0 or >=1 <2", shorten(text))),
            "pypi" => text
                .parse::<pep440_rs::VersionSpecifiers>()
                .map(VersionRange::Pypi)
                .map_err(|e| format!("'{}' is not a PEP 440 version specifier ({e}): e.g. >=1.0,<2", shorten(text))),
            other => Err(format!("registry '{}' has no version ranges", shorten(other))),
        }
    }

    /// True when `version` is in the range; None when `version` is not a version of the
    /// registry's grammar (it cannot be placed).
    pub fn contains(&self, version: &str) -> Option<bool> {
        match self {
            VersionRange::Npm(range) => nodejs_semver::Version::parse(version).ok().map(|v| range.satisfies(&v)),
            VersionRange::Pypi(specifiers) => {
                version.parse::<pep440_rs::Version>().ok().map(|v| specifiers.contains(&v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refused(value: Value) -> String {
        PolicyDocument::from_value(&value).expect_err("refused").to_string()
    }

    #[test]
    fn a_full_document_reads_and_writes_back_the_same() {
        let value = json!({"schema_version": 1, "description": "acme",
            "servers": {"allow": ["github", "fs-*"], "deny": ["evil*"]},
            "packages": {"allow": [{"registry": "npm", "name": "@modelcontextprotocol/*", "versions": "^1.2.0 || 2.x"}],
                         "deny": [{"registry": "pypi", "name": "bad", "versions": ">=1.0,<2"}, {"name": "x"}]},
            "registries": {"allow": ["npm", "pypi"]}, "remote_hosts": {"deny": ["*.evil.example"]},
            "transports": {"deny": ["sse"]}, "require_pinned": true, "forbid_unpinned_npx_y": true,
            "references": [{"servers": ["github"], "secret": ["GITHUB_TOKEN"], "env": []}], "max_servers": 3});
        let document = PolicyDocument::from_value(&value).expect("reads");
        assert_eq!(document.to_value(), value);
        assert_eq!(document.max_servers, Some(3));
    }

    #[test]
    fn unknown_fields_and_versions_are_refused_with_where_and_what() {
        assert_eq!(
            refused(json!({"schema_version": 1, "servers": {"alow": ["x"]}})),
            "at `servers.alow`: unknown field `alow`, expected `allow` or `deny`"
        );
        assert!(
            refused(json!({"schema_version": 1, "maxservers": 3}))
                .starts_with("at `maxservers`: unknown field `maxservers`")
        );
        assert_eq!(
            refused(json!({"schema_version": 2})),
            "schema_version 2 is not supported: this program reads schema_version 1 (a newer release may read it)"
        );
        assert_eq!(refused(json!({})), "at `.`: missing field `schema_version`");
        assert!(
            refused(json!({"schema_version": 1, "max_servers": "3"})).starts_with("at `max_servers`: invalid type")
        );
    }

    #[test]
    fn values_the_schema_refuses() {
        let cases = [
            (
                json!({"registries": {"allow": ["maven"]}}),
                "at `registries.allow`: 'maven' is not one of npm, pypi, oci",
            ),
            (json!({"transports": {"deny": ["ws"]}}), "at `transports.deny`: 'ws' is not one of stdio, http, sse"),
            (
                json!({"servers": {"deny": [""]}}),
                "at `servers`: an empty pattern matches nothing: remove it (\"*\" matches everything)",
            ),
            (
                json!({"packages": {"deny": [{"name": "x", "versions": "^1"}]}}),
                "at `packages.deny[0]`: a version range needs its registry (\"registry\": \"npm\" or \"pypi\")",
            ),
            (
                json!({"packages": {"allow": [{"registry": "oci", "name": "x", "versions": "1"}]}}),
                "at `packages.allow[0]`: OCI images have tags and digests, not version ranges: match the image by name and use require_pinned for digests",
            ),
            (
                json!({"packages": {"allow": [{"name": ""}]}}),
                "at `packages.allow[0]`: name is empty: give a package name or pattern (\"*\" for every package)",
            ),
            (
                json!({"packages": {"allow": [{"registry": "cargo", "name": "x"}]}}),
                "at `packages.allow[0]`: registry 'cargo' is not one of npm, pypi, oci",
            ),
            (
                json!({"references": [{"servers": [], "env": ["X"]}]}),
                "at `references[0].servers`: name at least one server pattern (\"*\" for every server)",
            ),
        ];
        for (mut value, message) in cases {
            value["schema_version"] = json!(1);
            assert_eq!(refused(value), message);
        }
        let bad_npm = refused(
            json!({"schema_version": 1, "packages": {"deny": [{"registry": "npm", "name": "x", "versions": ">=>1"}]}}),
        );
        assert!(bad_npm.starts_with("at `packages.deny[0].versions`: '>=>1' is not an npm version range"), "{bad_npm}");
        let bad_pypi = refused(
            json!({"schema_version": 1, "packages": {"deny": [{"registry": "pypi", "name": "x", "versions": "~~1"}]}}),
        );
        assert!(
            bad_pypi.starts_with("at `packages.deny[0].versions`: '~~1' is not a PEP 440 version specifier"),
            "{bad_pypi}"
        );
        assert!(
            PolicyDocument::parse("{\"schema_version\": 1, \"schema_version\": 1}")
                .expect_err("dup")
                .to_string()
                .starts_with("not strict JSON")
        );
    }

    #[test]
    fn ranges_follow_their_registry() {
        let npm = VersionRange::parse("npm", "^1.2.0 || 3.x").expect("npm");
        assert_eq!(npm.contains("1.9.0"), Some(true));
        assert_eq!(npm.contains("2.0.0"), Some(false));
        assert_eq!(npm.contains("3.1.4"), Some(true));
        assert_eq!(npm.contains("latest"), None);
        let pypi = VersionRange::parse("pypi", ">=1.0,<2").expect("pypi");
        assert_eq!(pypi.contains("1.5"), Some(true));
        assert_eq!(pypi.contains("2.0"), Some(false));
        assert_eq!(pypi.contains("not a version"), None);
        assert!(VersionRange::parse("oci", "1").is_err());
    }
}
