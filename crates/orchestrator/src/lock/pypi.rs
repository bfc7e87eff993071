//! Resolving a Python package at an index through the simple repository API, the one every
//! index serves (PyPI, pypiserver, devpi, Artifactory): `GET {index}/{normalized-name}/`, as
//! JSON (PEP 691) when the index offers it, else the HTML page of links (PEP 503) with the
//! `#sha256=` fragment each link carries. Versions come from the file names (wheel and sdist
//! naming rules) and are compared and matched with PEP 440 rules (`pep440_rs`); yanked files
//! are left out. The version chosen is the newest one the requirement allows (no requirement
//! or `latest`: the newest final release, as uv and pip pick); the digest recorded is the
//! `sha256` of its universal wheel (`*-none-any.whl`), else of its sdist, else of its first
//! wheel by name (uv picks a platform wheel by the machine it runs on).

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use serde_json::Value;

use super::error::LockFailure;
use super::{Fetch, without_credentials};

/// One resolved Python package version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiVersion {
    pub version: String,
    pub file: String,
    pub sha256: String,
}

/// One file the index lists.
#[derive(Debug, Clone)]
struct IndexFile {
    filename: String,
    sha256: Option<String>,
    yanked: bool,
}

/// PEP 503 normalization: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The version in a distribution file name (wheel: the second `-` field; sdist: after the
/// last `-`), or `None` for anything else.
fn version_of(filename: &str) -> Option<Version> {
    let text = if let Some(stem) = filename.strip_suffix(".whl") {
        stem.split('-').nth(1)?
    } else {
        let stem = filename.strip_suffix(".tar.gz").or_else(|| filename.strip_suffix(".zip"))?;
        stem.rsplit_once('-')?.1
    };
    Version::from_str(text).ok()
}

/// The files of a PEP 691 JSON page.
fn files_from_json(page: &Value) -> Option<Vec<IndexFile>> {
    let files = page.get("files")?.as_array()?;
    Some(
        files
            .iter()
            .filter_map(|f| {
                Some(IndexFile {
                    filename: f.get("filename")?.as_str()?.to_owned(),
                    sha256: f.pointer("/hashes/sha256").and_then(Value::as_str).map(str::to_owned),
                    yanked: f.get("yanked").is_some_and(|y| y.as_bool().unwrap_or(true)),
                })
            })
            .collect(),
    )
}

/// The files of a PEP 503 HTML page: every `<a href="…#sha256=…">FILENAME</a>`.
fn files_from_html(page: &str) -> Vec<IndexFile> {
    let mut files = Vec::new();
    for anchor in page.split("<a ").skip(1) {
        let Some(tag_end) = anchor.find('>') else { continue };
        let attributes = &anchor[..tag_end];
        let Some(text_end) = anchor[tag_end + 1..].find("</a>") else { continue };
        let filename = anchor[tag_end + 1..tag_end + 1 + text_end].trim().to_owned();
        let href = attributes
            .split_once("href=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(href, _)| href)
            .unwrap_or_default();
        let sha256 = href.split_once("#sha256=").map(|(_, hex)| hex.to_owned());
        files.push(IndexFile { filename, sha256, yanked: attributes.contains("data-yanked") });
    }
    files
}

/// The version of `name` that `requested` selects at `index` (a PEP 440 specifier such as
/// `==1.2.3` or `>=1,<2`, a bare version as uv's `name@1.2.3` gives, `latest`, or `None`).
pub fn resolve(
    fetch: &dyn Fetch,
    index: &str,
    name: &str,
    requested: Option<&str>,
) -> Result<PypiVersion, LockFailure> {
    let shown = without_credentials(index);
    let url = format!("{}/{}/", index.trim_end_matches('/'), normalize(name));
    let body = fetch
        .get(&url, "application/vnd.pypi.simple.v1+json, text/html; q=0.1")
        .map_err(|message| LockFailure::Registry { message })?
        .ok_or_else(|| LockFailure::NoPackage { package: name.to_owned(), registry: shown.clone() })?;
    let files = match serde_json::from_slice::<Value>(&body).ok().as_ref().and_then(files_from_json) {
        Some(files) => files,
        None => files_from_html(&String::from_utf8_lossy(&body)),
    };
    let mut candidates: Vec<(Version, IndexFile)> =
        files.into_iter().filter(|f| !f.yanked).filter_map(|f| Some((version_of(&f.filename)?, f))).collect();
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let newest = candidates.last().map_or_else(|| "none".to_owned(), |(v, _)| v.to_string());
    let wanted = requested.filter(|r| *r != "latest");
    let specifiers = match wanted {
        None => None,
        Some(spec) => {
            let text =
                if spec.starts_with(|c: char| c.is_ascii_digit()) { format!("=={spec}") } else { spec.to_owned() };
            Some(VersionSpecifiers::from_str(&text).map_err(|e| LockFailure::BadRange {
                package: name.to_owned(),
                requested: spec.to_owned(),
                detail: e.to_string().lines().next().unwrap_or_default().to_owned(),
            })?)
        }
    };
    let allows_pre = specifiers.as_ref().is_some_and(|s| s.iter().any(|one| one.any_prerelease()));
    let matches = |v: &Version| specifiers.as_ref().is_none_or(|s| s.contains(v));
    let finals = candidates.iter().rev().find(|(v, _)| matches(v) && (allows_pre || !v.any_prerelease()));
    let chosen = finals.or_else(|| candidates.iter().rev().find(|(v, _)| matches(v))).map(|(v, _)| v.clone());
    let Some(version) = chosen else {
        return Err(LockFailure::NoMatch {
            package: name.to_owned(),
            registry: shown,
            requested: requested.unwrap_or("latest").to_owned(),
            newest,
        });
    };
    let mut of_version: Vec<&IndexFile> = candidates.iter().filter(|(v, _)| *v == version).map(|(_, f)| f).collect();
    of_version.sort_by_key(|f| {
        let rank = if f.filename.ends_with("-none-any.whl") {
            0
        } else if !f.filename.ends_with(".whl") {
            1
        } else {
            2
        };
        (rank, f.filename.clone())
    });
    let file = of_version.first().copied().ok_or_else(|| LockFailure::Malformed {
        package: name.to_owned(),
        registry: shown.clone(),
        detail: format!("no file for {version}"),
    })?;
    let sha256 =
        file.sha256.clone().filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).ok_or_else(|| {
            LockFailure::Malformed {
                package: name.to_owned(),
                registry: shown.clone(),
                detail: format!("no sha256 for {}", file.filename),
            }
        })?;
    Ok(PypiVersion { version: version.to_string(), file: file.filename.clone(), sha256: sha256.to_ascii_lowercase() })
}
