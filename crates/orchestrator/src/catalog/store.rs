//! Imported catalog entries on disk, and finding an entry by name.
//!
//! An imported entry is keyed by its full registry name (`io.github.owner/name`) and kept in
//! `<dir>/<stem>.json`, where the stem is that name made a safe file name ([`file_stem`]:
//! lower case, `/` → `__`). Importing a name that is there already is refused unless the
//! caller asks to replace it; a different name with the same stem (names differing only in
//! case) is refused outright. Files written before entries were keyed this way, named
//! `<id>.json`, are still read.

use std::path::{Path, PathBuf};

use super::{CatalogEntry, CatalogError, EntrySource, builtin, validate_entry};
use crate::fsutil::{self, FsError};

/// Permission bits of an imported entry's file: plain data, no secret in it.
const IMPORTED_FILE_MODE: u32 = 0o644;

/// The file stem of a registry name: lower case (so names differing only in case, which a
/// case-insensitive file system would mix up, collide and are refused), `/` → `__`.
pub fn file_stem(registry_name: &str) -> String {
    registry_name.to_ascii_lowercase().replace('/', "__")
}

/// `<stem>.json`, for messages.
pub(super) fn file_name_hint(registry_name: &str) -> String {
    format!("{}.json", file_stem(registry_name))
}

/// The file that holds the imported entry with this registry name.
pub fn imported_entry_path(dir: &Path, registry_name: &str) -> PathBuf {
    dir.join(file_name_hint(registry_name))
}

/// A registry name is `NAMESPACE/NAME`: letters, digits, `.` and `-` in the namespace (also
/// `_` in the name), each starting with a letter or digit, at most 200 characters.
fn check_registry_name(name: &str) -> Result<(), CatalogError> {
    let part_ok = |part: &str, extra: &[u8]| {
        part.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b) || extra.contains(&b))
    };
    let ok = name.len() <= 200
        && name.split_once('/').is_some_and(|(namespace, rest)| part_ok(namespace, b"") && part_ok(rest, b"_"));
    if ok { Ok(()) } else { Err(CatalogError::UnusableName { name: name.to_owned() }) }
}

/// Writes `entry` (marked imported) under its registry name and returns the file's path. A
/// name imported already is refused unless `replace`; a different name with the same file
/// name is always refused. The caller holds the home's lock around the write.
pub fn save_imported(dir: &Path, entry: &CatalogEntry, replace: bool) -> Result<PathBuf, CatalogError> {
    validate_entry(entry)?;
    let name = entry.registry_name.as_deref().ok_or_else(|| CatalogError::UnusableName { name: entry.id.clone() })?;
    check_registry_name(name)?;
    let path = imported_entry_path(dir, name);
    let mut superseded = None;
    for (old_path, old) in load_with_paths(dir)? {
        if old.full_name() == name {
            if !replace {
                return Err(CatalogError::AlreadyImported { name: name.to_owned(), path: old_path });
            }
            superseded = Some(old_path);
        } else if file_stem(old.full_name()) == file_stem(name) {
            return Err(CatalogError::NameCollision {
                name: name.to_owned(),
                existing: old.full_name().to_owned(),
                path,
            });
        }
    }
    let mut stored = entry.clone();
    stored.source = EntrySource::Imported;
    let mut bytes = serde_json::to_vec_pretty(&stored)
        .map_err(|source| CatalogError::ImportedEntryInvalid { path: path.clone(), source })?;
    bytes.push(b'\n');
    fsutil::write_atomic(&path, &bytes, IMPORTED_FILE_MODE)?;
    // A replaced entry kept in an older file name (`<id>.json`) goes, so the name is held once.
    if let Some(old_path) = superseded.filter(|old| *old != path) {
        remove(dir, &old_path)?;
    }
    Ok(path)
}

fn remove(dir: &Path, path: &Path) -> Result<(), CatalogError> {
    std::fs::remove_file(path).map_err(|e| FsError::new("cannot remove", path, e))?;
    Ok(fsutil::sync_dir(dir)?)
}

/// Reads every imported entry of `dir` (`*.json`, hidden temp files skipped), sorted by full
/// name. A missing directory holds none. A file that does not parse, does not validate, has no
/// registry name or is not named after it is an error naming it: it is never skipped silently.
pub fn load_imported(dir: &Path) -> Result<Vec<CatalogEntry>, CatalogError> {
    Ok(load_with_paths(dir)?.into_iter().map(|(_, entry)| entry).collect())
}

fn load_with_paths(dir: &Path) -> Result<Vec<(PathBuf, CatalogEntry)>, CatalogError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(FsError::new("cannot list", dir, error).into()),
    };
    let mut paths = Vec::new();
    for item in listing {
        let item = item.map_err(|error| FsError::new("cannot list", dir, error))?;
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        paths.push(item.path());
    }
    paths.sort();
    let mut entries: Vec<(PathBuf, CatalogEntry)> = Vec::with_capacity(paths.len());
    for path in paths {
        let entry = load_one(&path)?;
        if let Some((_, other)) = entries.iter().find(|(_, e)| file_stem(e.full_name()) == file_stem(entry.full_name()))
        {
            return Err(CatalogError::NameCollision {
                name: entry.full_name().to_owned(),
                existing: other.full_name().to_owned(),
                path,
            });
        }
        entries.push((path, entry));
    }
    entries.sort_by(|(_, a), (_, b)| a.full_name().cmp(b.full_name()));
    Ok(entries)
}

fn load_one(path: &Path) -> Result<CatalogEntry, CatalogError> {
    let bytes = fsutil::read(path)?;
    let mut entry: CatalogEntry = serde_json::from_slice(&bytes)
        .map_err(|source| CatalogError::ImportedEntryInvalid { path: path.to_path_buf(), source })?;
    let refused = |source| CatalogError::ImportedEntryRefused { path: path.to_path_buf(), source: Box::new(source) };
    let name =
        entry.registry_name.clone().ok_or_else(|| refused(CatalogError::UnusableName { name: entry.id.clone() }))?;
    check_registry_name(&name).map_err(refused)?;
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    if stem != file_stem(&name) && stem != entry.id {
        return Err(CatalogError::ImportedIdMismatch { path: path.to_path_buf(), id: name });
    }
    validate_entry(&entry).map_err(refused)?;
    entry.source = EntrySource::Imported;
    Ok(entry)
}

/// The whole catalog: the built-in entries in their order, then the imported entries sorted
/// by full name. Full names are unique: a built-in id has no `/`, a registry name has one.
pub fn all(dir: &Path) -> Result<Vec<CatalogEntry>, CatalogError> {
    let imported = load_imported(dir)?;
    let mut entries = Vec::with_capacity(builtin().len() + imported.len());
    entries.extend(builtin().iter().cloned());
    entries.extend(imported);
    Ok(entries)
}

/// The entry `name` means: the one with that full name, else the one import whose short name
/// (its id, or the last segment of its registry name) it is. `None` when there is none; an
/// error listing the candidates when several imports share the short name.
pub fn find<'a>(entries: &'a [CatalogEntry], name: &str) -> Result<Option<&'a CatalogEntry>, CatalogError> {
    if let Some(entry) = entries.iter().find(|entry| entry.full_name() == name) {
        return Ok(Some(entry));
    }
    let short: Vec<&CatalogEntry> = entries
        .iter()
        .filter(|entry| entry.source == EntrySource::Imported)
        .filter(|entry| entry.id == name || entry.full_name().rsplit('/').next() == Some(name))
        .collect();
    match short.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(CatalogError::Ambiguous {
            name: name.to_owned(),
            candidates: many.iter().map(|entry| entry.full_name().to_owned()).collect(),
        }),
    }
}

/// Removes the imported entry `name` (a full name or an unambiguous short name, as [`find`])
/// and returns it. A built-in entry cannot be removed. The caller holds the home's lock.
pub fn remove_imported(dir: &Path, name: &str) -> Result<CatalogEntry, CatalogError> {
    let entries = all(dir)?;
    let entry = match find(&entries, name)? {
        Some(entry) if entry.source == EntrySource::Builtin => {
            return Err(CatalogError::BuiltinNotRemovable { name: name.to_owned() });
        }
        Some(entry) => entry.clone(),
        None => return Err(CatalogError::NotImported { name: name.to_owned() }),
    };
    let path = load_with_paths(dir)?
        .into_iter()
        .find(|(_, e)| e.full_name() == entry.full_name())
        .map(|(path, _)| path)
        .ok_or_else(|| CatalogError::NotImported { name: name.to_owned() })?;
    remove(dir, &path)?;
    Ok(entry)
}
