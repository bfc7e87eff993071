//! `lock` and `audit` of a container-image server (`docker run IMAGE[:TAG]`): the tag resolved
//! to its manifest digest at the image's registry ([`super::oci`]), the args rewritten to
//! `IMAGE[:TAG]@sha256:…` (the tag kept when written, for the reader; docker and podman run the
//! digest), and the `lock` recording registry, repository, tag, digest and media type.
//!
//! - Not pinned: the tag (`latest` when none is written) is resolved and pinned (`pinned`).
//! - Pinned by hand (a digest in the args, no lock of it): the digest is looked up in the
//!   registry (it must exist) and recorded (`recorded`).
//! - Locked: nothing is asked unless `--update`, which resolves the tag again and moves the pin
//!   when the tag now names another digest (`updated`, old and new digest shown).
//! - `audit`: the locked digest must still be served (`pin-gone` otherwise), and the tag must
//!   still name it: a tag that now names another digest is `integrity-changed` (what runs is
//!   still the pinned image; what the tag means changed under it).

use serde_json::{Map, Value, json};

use super::Lock;
use super::error::LockFailure;
use super::oci::{Images, Wanted};
use super::report::{Finding, FindingKind, LockChange};
use crate::package_ref::PackageRef;

/// The tag a lookup follows: the args', else the lock's, else `latest` (as docker pulls).
fn tag_of(package: &PackageRef, old: Option<&Lock>) -> String {
    package.requested.clone().or_else(|| old.and_then(|l| l.tag.clone())).unwrap_or_else(|| "latest".to_owned())
}

/// Locks one image entry: sets `lock`'s image fields and the pinned args, fills `change`.
pub(super) fn lock(
    images: &Images<'_>,
    package: &PackageRef,
    fields: &mut Map<String, Value>,
    old: Option<&Lock>,
    lock: &mut Lock,
    update: bool,
    change: &mut LockChange,
) -> Result<(), LockFailure> {
    let same_image = old.is_some_and(|l| l.package.as_deref() == Some(package.name.as_str()));
    let old = old.filter(|_| same_image);
    let tag = tag_of(package, old);
    change.old_version = old.and_then(|l| l.tag.clone()).or_else(|| package.requested.clone());
    change.old_integrity = old.and_then(|l| l.integrity.clone()).or_else(|| package.digest.clone());
    let current = package.digest.is_some() && old.is_some_and(|l| l.integrity == package.digest);
    if current && !update {
        change.new_version = change.old_version.clone();
        change.new_integrity = change.old_integrity.clone();
        return Ok(());
    }
    let manifest = match (&package.digest, update) {
        (Some(digest), false) => images.manifest(&package.name, Wanted::Digest(digest))?,
        _ => images.manifest(&package.name, Wanted::Tag(&tag))?,
    };
    let moved = package.digest.as_deref() != Some(manifest.digest.as_str());
    change.action = match (package.digest.is_some(), current, moved) {
        (false, _, _) => "pinned",
        (true, true, false) => "unchanged",
        (true, false, false) if old.is_none() => "recorded",
        (true, _, _) => "updated",
    }
    .into();
    if moved || !same_image {
        // A fingerprint belongs to an image.
        lock.tools_sha256 = None;
        lock.tools = None;
    }
    lock.ecosystem = Some(package.ecosystem);
    lock.package = Some(package.name.clone());
    lock.version = None;
    lock.file = None;
    lock.requested = None;
    lock.registry = Some(manifest.registry);
    lock.repository = Some(manifest.repository);
    lock.tag = package.requested.clone().or_else(|| old.and_then(|l| l.tag.clone())).or(Some(tag));
    lock.integrity = Some(manifest.digest.clone());
    lock.media_type = Some(manifest.media_type);
    if moved && let Some(Value::Array(args)) = fields.get("args") {
        let args: Vec<String> = args.iter().map(|a| a.as_str().unwrap_or_default().to_owned()).collect();
        fields.insert("args".into(), json!(package.write_pin(&args, &manifest.digest)));
    }
    change.new_version = lock.tag.clone();
    change.new_integrity = Some(manifest.digest);
    Ok(())
}

/// `audit` of a pinned image entry: pins and digests against the registry, as findings.
pub(super) fn audit(
    images: &Images<'_>,
    server: &str,
    package: &PackageRef,
    lock: Option<&Lock>,
    findings: &mut Vec<Finding>,
) {
    let finding = |kind, message: String| {
        let mut f = Finding::new(server, kind, message);
        f.package = Some(package.name.clone());
        f.locked_version = lock.and_then(|l| l.tag.clone());
        f.locked_integrity = lock.and_then(|l| l.integrity.clone());
        f
    };
    let digest = package.digest.as_deref().unwrap_or_default();
    let Some(locked) = lock.filter(|l| l.integrity.is_some()) else {
        findings.push(finding(
            FindingKind::Unlocked,
            format!("{server} pins {} by digest by hand with no lock recorded; run `lock` to record it", package.name),
        ));
        return;
    };
    if locked.package.as_deref() != Some(package.name.as_str()) || locked.integrity.as_deref() != Some(digest) {
        findings.push(finding(
            FindingKind::PinMismatch,
            format!(
                "{server} runs {}@{digest} but its lock records {}@{}; run `lock` again",
                package.name,
                locked.package.as_deref().unwrap_or("?"),
                locked.integrity.as_deref().unwrap_or("?")
            ),
        ));
        return;
    }
    let registry = locked.registry.clone().unwrap_or_default();
    match images.manifest(&package.name, Wanted::Digest(digest)) {
        Ok(_) => {}
        Err(LockFailure::NoImage { .. }) => {
            findings.push(finding(
                FindingKind::PinGone,
                format!(
                    "{}@{digest} is no longer served by {registry}; `lock --update {server}` moves the pin to what the tag names now",
                    package.name
                ),
            ));
        }
        Err(e) => {
            findings.push(finding(FindingKind::RegistryFailed, e.to_string()));
            return;
        }
    }
    let tag = tag_of(package, Some(locked));
    match images.manifest(&package.name, Wanted::Tag(&tag)) {
        Ok(served) if served.digest != digest => {
            let mut f = finding(
                FindingKind::IntegrityChanged,
                format!(
                    "{}:{tag} now names another image than was locked (the pinned digest still runs): review it before `lock --update {server}` moves the pin",
                    package.name
                ),
            );
            f.served_integrity = Some(served.digest);
            findings.push(f);
        }
        Ok(_) => {}
        Err(LockFailure::NoImage { .. }) => findings.push(finding(
            FindingKind::PinGone,
            format!("{}:{tag} is no longer served by {registry} (the pinned digest may still run)", package.name),
        )),
        Err(e) => findings.push(finding(FindingKind::RegistryFailed, e.to_string())),
    }
}
