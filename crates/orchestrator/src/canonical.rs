//! Canonical bytes and content ids.
//!
//! A payload is accepted only when it is strict I-JSON that RFC 8785 (JCS) represents exactly:
//! duplicate keys, numbers beyond ±2^53, NaN/Infinity and lone surrogates are refused with the
//! JSON pointer of the offending value. The JCS bytes are produced once here; every later check
//! hashes those stored bytes and never re-serializes them.
//!
//! **How the JCS bytes are made.** RFC 8785 is serde_json's compact output with three rules
//! added: object members sorted by UTF-16 code units, numbers in ECMAScript form, and its string
//! escaping (which serde_json's already is: `\b \t \n \f \r \" \\`, other controls as
//! lowercase `\u00xx`, nothing else escaped). For the documents this tool handles — numbers that
//! are integers within ±2^53 and keys without characters beyond U+FFFF — the other two rules
//! reduce to what serde_json does already: such integers print the same in both, and UTF-16
//! order equals code point (UTF-8 byte) order when no key holds a surrogate pair. So [`jcs`]
//! lets serde_json serialize the value with each object's members in byte order, and hands any
//! value outside that subset (a fraction, a key beyond the BMP) to `serde_json_canonicalizer`,
//! the reference implementation; `tests/core/canonical.rs` checks the two agree on arbitrary
//! values. The subset path is over 10× faster (the reference crate re-parses every key it
//! sorts) and within about 0.4 µs of serde_json's plain serialization of a 2 KiB document.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The largest integer magnitude an IEEE double (and so JCS) represents exactly: 2^53.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Why a JSON text was refused as a payload.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// The text is not strict JSON, or holds a value JCS cannot represent exactly.
    #[error("refused JSON at {pointer} (line {line}, column {column}): {reason}")]
    Refused {
        /// JSON pointer of the offending value ("" for the whole document).
        pointer: String,
        /// 1-based line of the error in the text.
        line: usize,
        /// 1-based column of the error in the text.
        column: usize,
        /// What is wrong, without the location.
        reason: String,
    },
}

/// `sha256:<64 lowercase hex>` of some canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentId(String);

/// What every content id starts with.
const PREFIX: &str = "sha256:";

/// The id of an artifact: the content id of its payload's canonical bytes.
pub type ArtifactId = ContentId;

/// Why a string is not a content id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{given}' is not an artifact id: expected sha256: followed by 64 lowercase hex digits")]
pub struct BadContentId {
    /// What was given (truncated to 100 characters).
    pub given: String,
}

impl ContentId {
    /// The id of these bytes.
    pub fn of(bytes: &[u8]) -> Self {
        let mut digits = [0u8; 64];
        // 32 digest bytes always fill exactly 64 hex digits, all ASCII.
        hex::encode_to_slice(Sha256::digest(bytes), &mut digits).expect("64 hex digits for 32 bytes");
        let mut id = String::with_capacity(PREFIX.len() + digits.len());
        id.push_str(PREFIX);
        id.push_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"));
        ContentId(id)
    }

    /// Parses `sha256:<hex>`, or a bare 64-hex id as the original tool wrote them.
    pub fn parse(text: &str) -> Result<Self, BadContentId> {
        let hex_part = text.strip_prefix(PREFIX).unwrap_or(text);
        let valid = hex_part.len() == 64 && hex_part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if valid {
            Ok(ContentId(format!("{PREFIX}{hex_part}")))
        } else {
            Err(BadContentId { given: text.chars().take(100).collect() })
        }
    }

    /// The 64 hex digits, used as a file name.
    pub fn hex(&self) -> &str {
        &self.0[PREFIX.len()..]
    }

    /// The full `sha256:<hex>` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ContentId {
    type Error = BadContentId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ContentId::parse(&value)
    }
}

impl From<ContentId> for String {
    fn from(value: ContentId) -> Self {
        value.0
    }
}

/// A JSON document together with its canonical (RFC 8785) bytes and their id.
#[derive(Debug, Clone)]
pub struct Canonical {
    value: Value,
    bytes: Vec<u8>,
    id: ContentId,
}

impl Canonical {
    /// The parsed value.
    pub fn value(&self) -> &Value {
        &self.value
    }
    /// The JCS bytes, exactly as they are stored and hashed.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// `sha256:` of the bytes.
    pub fn id(&self) -> &ContentId {
        &self.id
    }
}

/// Parses strict JSON text and produces its canonical bytes and id.
pub fn canonicalize_text(text: &str) -> Result<Canonical, CanonicalError> {
    let value = parse_strict(text)?;
    Ok(canonicalize_value(value))
}

/// Canonicalizes a value that is already known to be strict (built by this program or
/// returned by [`parse_strict`]).
pub fn canonicalize_value(value: Value) -> Canonical {
    let bytes = jcs(&value);
    let id = ContentId::of(&bytes);
    Canonical { value, bytes, id }
}

/// The JCS bytes of a value (see the module documentation for how they are made).
pub fn jcs(value: &Value) -> Vec<u8> {
    // Room for a typical servers document up front (growing from serde_json's 128 bytes would
    // copy a 2 KiB one five times); the spare room is handed back at the end, in place.
    let mut bytes = Vec::with_capacity(JCS_INITIAL_CAPACITY);
    match serde_json::to_writer(&mut bytes, &InByteOrder(value)) {
        Ok(()) => {
            bytes.shrink_to_fit();
            bytes
        }
        // Outside the integer/BMP-key subset the sorted serialization stops with an error, and
        // the reference implementation serializes the whole value. That cannot fail: every key
        // is a string and every number is finite (serde_json never holds NaN or infinities).
        Err(_) => serde_json_canonicalizer::to_vec(value).unwrap_or_default(),
    }
}

/// The output buffer [`jcs`] starts with.
const JCS_INITIAL_CAPACITY: usize = 4096;

/// A value serialized with each object's members in byte order; refuses (with an error) any
/// number that is not an integer within ±2^53 and any key with a character beyond U+FFFF,
/// where RFC 8785 and this order or serde_json's number form part ways.
struct InByteOrder<'a>(&'a Value);

impl serde::Serialize for InByteOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        match self.0 {
            Value::Object(map) if !map.keys().all(|k| k.is_ascii() || !k.bytes().any(|b| b >= 0xF0)) => {
                Err(S::Error::custom("a key beyond U+FFFF"))
            }
            Value::Object(map) if map.keys().is_sorted_by(|a, b| byte_order(a, b).is_le()) => {
                serializer.collect_map(map.iter().map(|(k, v)| (k, InByteOrder(v))))
            }
            // A small object (every object of a typical servers document) is sorted on the stack.
            Value::Object(map) if map.len() <= SMALL_OBJECT => {
                let mut slots: [(&str, &Value); SMALL_OBJECT] = [("", &Value::Null); SMALL_OBJECT];
                for (slot, (key, value)) in slots.iter_mut().zip(map) {
                    *slot = (key, value);
                }
                serialize_sorted(serializer, &mut slots[..map.len()])
            }
            Value::Object(map) => {
                let mut members: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
                serialize_sorted(serializer, &mut members)
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(InByteOrder)),
            Value::Number(n) if !is_exact_integer(n) => Err(S::Error::custom("not an exact integer")),
            // Leaves are written here rather than by `Value::serialize`, which would match again.
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Null => serializer.serialize_unit(),
        }
    }
}

/// The most members an object may have to be sorted on the stack.
const SMALL_OBJECT: usize = 16;

/// Writes an object's members in byte order of their keys.
fn serialize_sorted<S: serde::Serializer>(serializer: S, members: &mut [(&str, &Value)]) -> Result<S::Ok, S::Error> {
    members.sort_unstable_by(|a, b| byte_order(a.0, b.0));
    serializer.collect_map(members.iter().map(|&(k, v)| (k, InByteOrder(v))))
}

/// Byte (UTF-8 code unit) order of two keys. Keys mostly differ in their first byte, which is
/// compared inline before falling back to the full comparison.
fn byte_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// True for an integer within ±2^53 (printed alike by serde_json and ECMAScript).
fn is_exact_integer(n: &serde_json::Number) -> bool {
    const LIMIT: u64 = MAX_EXACT_INTEGER as u64;
    n.as_u64().is_some_and(|u| u <= LIMIT) || n.as_i64().is_some_and(|i| i.unsigned_abs() <= LIMIT)
}

/// True when `bytes` are exactly the JCS form of the strict JSON they hold.
pub fn is_canonical(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).ok().and_then(|text| parse_strict(text).ok()).is_some_and(|value| jcs(&value) == bytes)
}

/// Parses JSON text, refusing everything RFC 8785 cannot represent exactly.
pub fn parse_strict(text: &str) -> Result<Value, CanonicalError> {
    // Accepted text is parsed once; only a refusal is parsed again, with the path tracking
    // that names the offending value (a third of the parse time when it is always on).
    let mut de = serde_json::Deserializer::from_str(text);
    match serde::Deserialize::deserialize(&mut de).and_then(|StrictValue(value)| de.end().map(|()| value)) {
        Ok(value) => Ok(value),
        // (The plain error only stands in if the second parse disagreed, which it cannot.)
        Err(plain) => Err(locate_refusal(text).unwrap_or(refused(String::new(), &plain))),
    }
}

/// [`parse_strict`]'s verdict without building the value: `Ok` exactly when it accepts `text`,
/// and its refusal otherwise. For a reader that only checks (`verify --all`).
///
/// serde_json's parser walks the text with the strict rules' visitor ([`CheckSeed`]: the same
/// number rule, strings decoded as `parse_strict` decodes them), keeping of each object only its
/// last key: keys in strictly increasing order (as in every stored payload, which is JCS) hold
/// no duplicate. Anything else — a refusal, or keys out of order — is decided by
/// [`parse_strict`] itself, which then also gives the refusal its pointer.
pub fn check_strict(text: &str) -> Result<(), CanonicalError> {
    let mut de = serde_json::Deserializer::from_str(text);
    match CheckSeed.deserialize(&mut de).and_then(|()| de.end()) {
        Ok(()) => Ok(()),
        Err(_) => parse_strict(text).map(drop),
    }
}

/// The refusal of `text` with the JSON pointer of the refused value (none if it is accepted).
fn locate_refusal(text: &str) -> Option<CanonicalError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, StrictValue>(&mut de)
        .map_err(|err| refused(pointer_of(err.path()), &err.into_inner()))
        .and_then(|_| de.end().map_err(|err| refused(String::new(), &err)))
        .err()
}

fn refused(pointer: String, err: &serde_json::Error) -> CanonicalError {
    CanonicalError::Refused {
        pointer,
        line: err.line(),
        column: err.column(),
        reason: strip_location(&err.to_string()),
    }
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// The RFC 6901 pointer of a path. An error inside an object key (a syntax error where a key
/// belongs, or a bad escape in one) has no key to name: it is reported at the object.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        let name = match segment {
            serde_path_to_error::Segment::Seq { index } => index.to_string(),
            serde_path_to_error::Segment::Map { key } | serde_path_to_error::Segment::Enum { variant: key } => {
                key.replace('~', "~0").replace('/', "~1")
            }
            serde_path_to_error::Segment::Unknown => break,
        };
        pointer.push('/');
        pointer.push_str(&name);
    }
    pointer
}

/// A value deserialized with the strict rules.
struct StrictValue(Value);

/// Deserializes a [`StrictValue`]; `duplicate` refuses the value at once (its key was seen).
struct StrictSeed {
    duplicate: bool,
}

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrictSeed { duplicate: false }.deserialize(d)
    }
}

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = StrictValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        if self.duplicate {
            return Err(D::Error::custom("duplicate key: each key may appear once in an object"));
        }
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

enum Magnitude {
    Integer(u64),
    Float(f64),
}

/// Accepts a number whose magnitude is at most 2^53. Integers are compared exactly (a u64
/// such as 2^53 + 1 would round to 2^53 as a double), other numbers as doubles.
fn number<E: serde::de::Error>(magnitude: Magnitude, value: Value) -> Result<StrictValue, E> {
    exact(magnitude).map(|()| StrictValue(value))
}

/// The number rule of [`number`] alone.
fn exact<E: serde::de::Error>(magnitude: Magnitude) -> Result<(), E> {
    let too_big = match magnitude {
        Magnitude::Integer(m) => m > MAX_EXACT_INTEGER as u64,
        Magnitude::Float(f) => f.abs() > MAX_EXACT_INTEGER,
    };
    if too_big {
        Err(E::custom("number beyond ±2^53: it cannot be represented exactly; write it as a string"))
    } else {
        Ok(())
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<StrictValue, E> {
        number(Magnitude::Integer(v.unsigned_abs()), Value::from(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<StrictValue, E> {
        number(Magnitude::Integer(v), Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<StrictValue, E> {
        // serde_json never produces a non-finite f64, so `from_f64` always succeeds here.
        number(Magnitude::Float(v), serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_owned())))
    }
    fn visit_unit<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(StrictValue(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = object.contains_key(&key);
            let StrictValue(value) = map.next_value_seed(StrictSeed { duplicate })?;
            object.insert(key, value);
        }
        Ok(StrictValue(Value::Object(object)))
    }
}

/// The strict rules of [`StrictSeed`] checked without building anything; objects must also
/// have their keys in strictly increasing order (see [`check_strict`]).
struct CheckSeed;

impl<'de> DeserializeSeed<'de> for CheckSeed {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        exact(Magnitude::Integer(v.unsigned_abs()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        exact(Magnitude::Integer(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        exact(Magnitude::Float(v))
    }
    // serde_json decodes a string (refusing lone surrogates) before handing it to a visitor.
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(CheckSeed)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut last: Option<Key<'de>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if last.as_ref().is_some_and(|last| last.as_str() >= key.as_str()) {
                return Err(A::Error::custom("keys out of order (or repeated): decided by the full parse"));
            }
            map.next_value_seed(CheckSeed)?;
            last = Some(key);
        }
        Ok(())
    }
}

/// An object key as [`CheckVisitor`] compares it: borrowed from the text unless it held an
/// escape.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests of the strict parser's pieces; RFC 8785 vectors and refusals through the
    //! public API are in `tests/core/canonical.rs`.

    use serde::Deserialize as _;
    use serde_json::json;

    use super::*;

    fn refused_at(text: &str) -> (String, String) {
        let CanonicalError::Refused { pointer, reason, .. } = canonicalize_text(text).expect_err(text);
        (pointer, reason)
    }

    #[test]
    fn canonicalize_text_gives_value_bytes_and_id() {
        let c = canonicalize_text(r#"{"b": [1, 2.5, -3, true, null, "x"], "a": {}}"#).expect("accepted");
        assert_eq!(c.value(), &json!({"b": [1, 2.5, -3, true, null, "x"], "a": {}}));
        assert_eq!(c.bytes(), br#"{"a":{},"b":[1,2.5,-3,true,null,"x"]}"#);
        assert_eq!(c.id(), &ContentId::of(c.bytes()));
        let same = canonicalize_value(json!({"a": {}, "b": [1, 2.5, -3, true, null, "x"]}));
        assert_eq!(same.id(), c.id());
        assert_eq!(jcs(same.value()), c.bytes());
    }

    #[test]
    fn numbers_are_checked_against_2_pow_53_exactly() {
        assert_eq!(parse_strict("9007199254740992"), Ok(json!(9_007_199_254_740_992u64)));
        assert_eq!(parse_strict("-9007199254740992"), Ok(json!(-9_007_199_254_740_992i64)));
        assert_eq!(parse_strict("-0.5"), Ok(json!(-0.5)));
        for text in ["9007199254740993", "-9007199254740993", "1e300", "-1e300"] {
            assert_eq!(
                refused_at(text).1,
                "number beyond ±2^53: it cannot be represented exactly; write it as a string"
            );
        }
    }

    #[test]
    fn duplicates_are_refused_at_the_second_occurrence() {
        let (pointer, reason) = refused_at(r#"{"x": {"k": 1, "k": 2}}"#);
        assert_eq!(
            (pointer.as_str(), reason.as_str()),
            ("/x/k", "duplicate key: each key may appear once in an object")
        );
    }

    #[test]
    fn trailing_characters_are_refused_for_the_whole_document() {
        assert_eq!(refused_at("[] []"), (String::new(), "trailing characters".to_owned()));
    }

    #[test]
    fn strip_location_removes_only_a_trailing_location() {
        assert_eq!(strip_location("duplicate key at line 3 column 7"), "duplicate key");
        assert_eq!(strip_location("no location here"), "no location here");
    }

    #[test]
    fn pointer_of_escapes_keys_names_enum_variants_and_stops_at_non_string_keys() {
        let mut de = serde_json::Deserializer::from_str(r#"{"a/b~": [0, {"c": "x"}]}"#);
        let err = serde_path_to_error::deserialize::<
            _,
            std::collections::BTreeMap<String, (u8, std::collections::BTreeMap<String, bool>)>,
        >(&mut de)
        .expect_err("not a bool");
        assert_eq!(pointer_of(err.path()), "/a~1b~0/1/c");

        #[derive(Debug, serde::Deserialize)]
        enum Tagged {
            #[allow(dead_code)]
            Variant(bool),
        }
        let mut de = serde_json::Deserializer::from_str(r#"{"Variant": 1}"#);
        let err = serde_path_to_error::deserialize::<_, Tagged>(&mut de).expect_err("not a bool");
        assert_eq!(pointer_of(err.path()), "/Variant");

        let pairs = vec![((), 1u8)];
        let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(pairs.into_iter());
        let err =
            serde_path_to_error::deserialize::<_, std::collections::BTreeMap<(), bool>>(de).expect_err("not a bool");
        assert_eq!(err.path().to_string(), "?");
        assert_eq!(pointer_of(err.path()), "");
    }

    #[test]
    fn the_strict_visitor_names_what_it_expects() {
        let de = serde::de::value::BytesDeserializer::<serde::de::value::Error>::new(b"\x00");
        let err = StrictValue::deserialize(de).err().expect("bytes are no JSON value");
        assert_eq!(err.to_string(), "invalid type: byte array, expected a JSON value");
    }

    #[test]
    fn the_checking_visitors_name_what_they_expect() {
        use serde::de::IntoDeserializer as _;
        let bytes = serde::de::value::BytesDeserializer::<serde::de::value::Error>::new(b"\x00");
        let err = CheckSeed.deserialize(bytes).expect_err("bytes are no JSON value");
        assert_eq!(err.to_string(), "invalid type: byte array, expected a JSON value");
        let number: serde::de::value::U8Deserializer<serde::de::value::Error> = 7u8.into_deserializer();
        let err = KeySeed.deserialize(number).err().expect("a number is no key");
        assert_eq!(err.to_string(), "invalid type: integer `7`, expected an object key");
    }

    #[test]
    fn the_strict_visitor_accepts_every_json_kind() {
        use serde::de::IntoDeserializer as _;
        let check = |value: Result<StrictValue, serde::de::value::Error>, expected: Value| {
            assert_eq!(value.expect("accepted").0, expected);
        };
        check(StrictValue::deserialize(true.into_deserializer()), json!(true));
        check(StrictValue::deserialize((-7i64).into_deserializer()), json!(-7));
        check(StrictValue::deserialize(7u64.into_deserializer()), json!(7));
        check(StrictValue::deserialize(1.5f64.into_deserializer()), json!(1.5));
        check(StrictValue::deserialize("s".into_deserializer()), json!("s"));
        check(StrictValue::deserialize(().into_deserializer()), Value::Null);
        let refused = |value: Result<StrictValue, serde::de::value::Error>| {
            let err = value.err().expect("too big");
            assert!(err.to_string().starts_with("number beyond ±2^53"), "{err}");
        };
        refused(StrictValue::deserialize(f64::MAX.into_deserializer()));
        refused(StrictValue::deserialize(u64::MAX.into_deserializer()));
        refused(StrictValue::deserialize(i64::MIN.into_deserializer()));
    }

    #[test]
    fn is_canonical_needs_utf8_strict_json_in_jcs_form() {
        assert!(is_canonical(b"[1,\"a\"]"));
        assert!(!is_canonical(b"[1, \"a\"]"));
        assert!(!is_canonical(b"\xff"));
        assert!(!is_canonical(b"[9007199254740993]"));
    }

    #[test]
    fn content_ids_parse_print_and_convert() {
        let id = ContentId::of(b"");
        assert_eq!(id.as_str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(id.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(id.to_string(), id.as_str());
        assert_eq!(ContentId::parse(id.hex()), Ok(id.clone()));
        assert_eq!(ContentId::try_from(id.as_str().to_owned()), Ok(id.clone()));
        assert_eq!(String::from(id.clone()), id.as_str());
        assert_eq!(ContentId::parse("sha256:E3B0"), Err(BadContentId { given: "sha256:E3B0".into() }));
    }
}
