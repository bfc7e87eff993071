//! Reading a home written by the original Python tool (0.1.0): `artifacts/<hex>.json`,
//! `index/<client>/<profile>.json` and its key pair.
//!
//! The original hashed and signed `json.dumps(payload, sort_keys=True, separators=(",", ":"))`
//! (ASCII-escaped), the payload alone. This module reproduces those bytes with serde_json and
//! a formatter that escapes like Python, checks each legacy artifact's id and signature the
//! way the original computed them, and hands the ones that pass to the migration.

use std::fs;
use std::io;
use std::path::PathBuf;

use serde::Serialize;
use serde::ser::SerializeMap as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::crypto::PublicKey;
use crate::home::Home;

/// True when the home holds a legacy store.
pub fn detect(home: &Home) -> bool {
    home.legacy_artifacts_dir().is_dir() || home.legacy_index_dir().is_dir()
}

/// A legacy artifact whose id and signature checked out.
#[derive(Debug, Clone)]
pub struct LegacyArtifact {
    /// The file it came from.
    pub path: PathBuf,
    /// The legacy id: hex SHA-256 of the Python bytes.
    pub legacy_id: String,
    /// Its client id.
    pub client_id: String,
    /// Its profile id.
    pub profile_id: String,
    /// When the original created it (as written).
    pub created_at: String,
    /// The servers document.
    pub payload: Value,
    /// The original metadata.
    pub metadata: serde_json::Map<String, Value>,
}

/// A legacy artifact that failed a check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The file.
    pub path: PathBuf,
    /// What failed.
    pub reason: String,
}

/// Every legacy artifact, checked: the ones that pass sorted by (client, profile, created_at),
/// and the ones that fail with their reason.
pub fn scan(home: &Home, legacy_key: &PublicKey) -> io::Result<(Vec<LegacyArtifact>, Vec<Rejected>)> {
    let mut ok = Vec::new();
    let mut rejected = Vec::new();
    let dir = home.legacy_artifacts_dir();
    let mut paths: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    paths.retain(|p| p.extension().is_some_and(|x| x == "json"));
    paths.sort();
    for path in paths {
        match check(&path, legacy_key) {
            Ok(artifact) => ok.push(artifact),
            Err(reason) => rejected.push(Rejected { path, reason }),
        }
    }
    ok.sort_by(|a, b| (&a.client_id, &a.profile_id, &a.created_at).cmp(&(&b.client_id, &b.profile_id, &b.created_at)));
    Ok((ok, rejected))
}

fn field<'a>(doc: &'a Value, name: &str) -> Result<&'a str, String> {
    doc.get(name).and_then(Value::as_str).ok_or_else(|| format!("no string field '{name}'"))
}

fn check(path: &std::path::Path, key: &PublicKey) -> Result<LegacyArtifact, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    let payload = doc.get("payload").cloned().ok_or("no payload")?;
    let legacy_id = field(&doc, "artifact_id")?.to_owned();
    let python_bytes = python_dumps(&payload);
    let actual = hex::encode(Sha256::digest(&python_bytes));
    if actual != legacy_id {
        return Err(format!("payload hashes to {actual}, not to its artifact_id {legacy_id}"));
    }
    if path.file_stem().and_then(|s| s.to_str()) != Some(legacy_id.as_str()) {
        return Err(format!("file name does not match its artifact_id {legacy_id}"));
    }
    key.verify(&python_bytes, field(&doc, "signature")?)
        .map_err(|_| "signature does not verify under the legacy verification key".to_owned())?;
    Ok(LegacyArtifact {
        path: path.to_path_buf(),
        legacy_id,
        client_id: field(&doc, "client_id")?.to_owned(),
        profile_id: field(&doc, "profile_id")?.to_owned(),
        created_at: field(&doc, "created_at")?.to_owned(),
        payload,
        metadata: doc.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default(),
    })
}

/// The bytes of Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))`.
pub fn python_dumps(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a Vec cannot fail.
    let _ = Sorted(value).serialize(&mut serializer);
    out
}

/// Serializes a value with object keys in code-point order, as `sort_keys=True` does.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v))?;
                }
                m.end()
            }
            Value::Array(items) => s.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(s),
        }
    }
}

/// serde_json's compact output with Python's `ensure_ascii` escaping: every character outside
/// printable ASCII becomes `\uXXXX` (lowercase hex, surrogate pairs beyond the BMP).
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for ch in fragment.chars() {
            if (' '..='~').contains(&ch) {
                writer.write_all(&[ch as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip (as Rust's `{:e}` gives them),
/// in fixed notation when the decimal exponent is in -4..16 (with `.0` when there is no
/// fraction), else as `d.ddde+XX` with a signed exponent of at least two digits.
fn python_float_repr(value: f64) -> String {
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if value.is_sign_negative() { "-" } else { "" };
    let decimal_point = exponent + 1;
    if !(-3..=16).contains(&decimal_point) {
        let fraction = if digits.len() > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{}{fraction}e{exponent_sign}{:02}", &digits[..1], exponent.unsigned_abs());
    }
    let point = decimal_point.unsigned_abs() as usize;
    if decimal_point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat(point))
    } else if point >= digits.len() {
        format!("{sign}{digits}{}.0", "0".repeat(point - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests of the Python-compatible bytes and of the legacy scan's refusals; the
    //! migration of `testdata/legacy-home` is tested in `tests/core/legacy.rs`.

    use serde_json::json;

    use super::*;
    use crate::crypto::KeyPair;

    #[test]
    fn floats_are_written_as_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.5e-10, "-2.5e-10"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1e-05"),
            (1e-7, "1e-07"),
            (123456789.125, "123456789.125"),
            (1e15, "1000000000000000.0"),
            (1.5e15, "1500000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (0.1, "0.1"),
            (100.25, "100.25"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "repr({value:e})");
            assert_eq!(python_dumps(&json!(value)), expected.as_bytes(), "dumps({value:e})");
        }
    }

    #[test]
    fn strings_are_ascii_escaped_like_python() {
        assert_eq!(python_dumps(&json!("a\u{e9}\u{7f}\u{1f600}\n\"")), br#""a\u00e9\u007f\ud83d\ude00\n\"""#);
        assert_eq!(
            python_dumps(&json!({"b": [1, {"d": 1, "c": 2}], "a": null})),
            br#"{"a":null,"b":[1,{"c":2,"d":1}]}"#
        );
    }

    /// A legacy artifact file for `payload`, signed by `key`, written under `name`.
    fn write_artifact(home: &Home, key: &KeyPair, payload: &Value, name: Option<&str>) -> PathBuf {
        let bytes = python_dumps(payload);
        let id = hex::encode(Sha256::digest(&bytes));
        let doc = json!({
            "artifact_id": id, "client_id": "cursor", "profile_id": "default",
            "created_at": "2026-11-25T09:14:14Z", "payload": payload,
            "signature": key.sign(&bytes), "signing_key_id": "orchestration-init",
        });
        let path = home.legacy_artifacts_dir().join(format!("{}.json", name.unwrap_or(&id)));
        fs::create_dir_all(home.legacy_artifacts_dir()).expect("dir");
        fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
        path
    }

    #[test]
    fn scan_checks_ids_names_and_signatures() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let key = KeyPair::from_seed(&[3; 32]);
        assert!(!detect(&home));
        let (found, rejected) = scan(&home, key.public()).expect("no store");
        assert!(found.is_empty() && rejected.is_empty());

        let good = write_artifact(&home, &key, &json!({"mcpServers": {"a": {"command": "x"}}}), None);
        let renamed = write_artifact(&home, &key, &json!({"mcpServers": {}}), Some("renamed"));
        let other_key = KeyPair::from_seed(&[4; 32]);
        let forged = write_artifact(&home, &other_key, &json!({"mcpServers": {"b": {}}}), None);
        fs::write(home.legacy_artifacts_dir().join("broken.json"), "{").expect("write");
        fs::write(home.legacy_artifacts_dir().join("nopayload.json"), "{}").expect("write");
        fs::write(home.legacy_artifacts_dir().join("README.txt"), "ignored").expect("write");
        assert!(detect(&home));

        let (ok, rejected) = scan(&home, key.public()).expect("scan");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].path, good);
        assert_eq!(ok[0].client_id, "cursor");
        assert_eq!(ok[0].metadata, serde_json::Map::new());
        let reasons: Vec<(String, String)> = rejected
            .iter()
            .map(|r| (r.path.file_name().expect("name").to_string_lossy().into_owned(), r.reason.clone()))
            .collect();
        let renamed_id = hex::encode(Sha256::digest(python_dumps(&json!({"mcpServers": {}}))));
        assert!(
            reasons
                .contains(&("broken.json".into(), "not JSON: EOF while parsing an object at line 1 column 1".into())),
            "{reasons:?}"
        );
        assert!(reasons.contains(&("nopayload.json".into(), "no payload".into())), "{reasons:?}");
        assert!(
            reasons
                .contains(&("renamed.json".into(), format!("file name does not match its artifact_id {renamed_id}"))),
            "{reasons:?}"
        );
        let forged_name = forged.file_name().expect("name").to_string_lossy().into_owned();
        assert!(
            reasons.contains(&(forged_name, "signature does not verify under the legacy verification key".into())),
            "{reasons:?}"
        );
        assert_eq!(rejected.len(), 4);
        assert_eq!(renamed.file_name().and_then(|e| e.to_str()), Some("renamed.json"));
    }

    #[test]
    fn scan_reports_an_unreadable_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        fs::write(home.legacy_artifacts_dir(), "a file where the directory belongs").expect("write");
        let err = scan(&home, KeyPair::from_seed(&[3; 32]).public()).expect_err("not a directory");
        assert_eq!(err.kind(), io::ErrorKind::NotADirectory);
    }
}
