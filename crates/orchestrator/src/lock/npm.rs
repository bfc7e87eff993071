//! Resolving an npm package at a registry: `GET {registry}/{name}` (the packument, in npm's
//! abbreviated install form `application/vnd.npm.install-v1+json`, which every registry that
//! `npm install` works with serves), then the version npm itself would install
//! (npm-pick-manifest): for no version or a dist-tag, the tag's version (`latest` by default);
//! for a range, the `latest` tag's version when it satisfies the range, else the highest
//! satisfying one (node-semver rules, `nodejs-semver`); the digest is
//! `versions[v].dist.integrity` (Subresource Integrity, `sha512-…`).

use nodejs_semver::{Range, Version};
use serde_json::Value;

use super::error::LockFailure;
use super::{Fetch, without_credentials};

/// One resolved npm version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpmVersion {
    pub version: String,
    pub integrity: String,
}

/// The packument URL: a scoped name's `/` is sent as `%2f`, as npm does.
fn packument_url(registry: &str, name: &str) -> String {
    format!("{}/{}", registry.trim_end_matches('/'), name.replace('/', "%2f"))
}

/// The version of `name` that `requested` (a version, range or dist-tag; `None`: `latest`)
/// selects at `registry`, with its integrity.
pub fn resolve(
    fetch: &dyn Fetch,
    registry: &str,
    name: &str,
    requested: Option<&str>,
) -> Result<NpmVersion, LockFailure> {
    let shown = without_credentials(registry);
    let url = packument_url(registry, name);
    let body = fetch
        .get(&url, "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8")
        .map_err(|message| LockFailure::Registry { message })?
        .ok_or_else(|| LockFailure::NoPackage { package: name.to_owned(), registry: shown.clone() })?;
    let malformed = |detail: &str| LockFailure::Malformed {
        package: name.to_owned(),
        registry: shown.clone(),
        detail: detail.into(),
    };
    let packument: Value = serde_json::from_slice(&body).map_err(|_| malformed("a body that is not JSON"))?;
    let versions = packument.get("versions").and_then(Value::as_object).ok_or_else(|| malformed("no `versions`"))?;
    let tags = packument.get("dist-tags").and_then(Value::as_object);
    let tag = |t: &str| tags.and_then(|tags| tags.get(t)).and_then(Value::as_str).map(str::to_owned);
    let parsed: Vec<Version> = versions.keys().filter_map(|v| Version::parse(v).ok()).collect();
    let newest =
        || tag("latest").or_else(|| parsed.iter().max().map(ToString::to_string)).unwrap_or_else(|| "none".to_owned());
    let wanted = requested.unwrap_or("latest");
    let chosen = if let Some(version) = tag(wanted) {
        version
    } else {
        let range = Range::parse(wanted).map_err(|e| LockFailure::BadRange {
            package: name.to_owned(),
            requested: wanted.to_owned(),
            detail: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })?;
        let latest = tag("latest").and_then(|l| Version::parse(&l).ok()).filter(|l| range.satisfies(l));
        match latest.or_else(|| range.max_satisfying(&parsed).cloned()) {
            Some(version) => version.to_string(),
            None => {
                return Err(LockFailure::NoMatch {
                    package: name.to_owned(),
                    registry: shown,
                    requested: wanted.to_owned(),
                    newest: newest(),
                });
            }
        }
    };
    // The key as the registry spells it (a tag may name a version string verbatim).
    let manifest = versions.get(&chosen).ok_or_else(|| LockFailure::NoMatch {
        package: name.to_owned(),
        registry: shown.clone(),
        requested: wanted.to_owned(),
        newest: newest(),
    })?;
    let integrity = manifest
        .pointer("/dist/integrity")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("no dist.integrity for {chosen}")))?;
    Ok(NpmVersion { version: chosen, integrity: integrity.to_owned() })
}
