//! Canonical bytes (RFC 8785 / JCS) and content ids: the RFC's examples, every refusal with
//! its exact JSON pointer and reason, id stability, `ContentId::parse`, and a property test
//! that canonicalizing canonical text gives the same bytes; another that `jcs` (serde_json
//! with members in byte order on its subset) agrees byte for byte with the reference
//! implementation, `serde_json_canonicalizer`, on arbitrary values inside and outside it.

use orchestrator::canonical::{self, BadContentId, CanonicalError, ContentId};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The canonical text of `input`, which must be accepted.
fn jcs_text(input: &str) -> String {
    let canonical = canonical::canonicalize_text(input).unwrap_or_else(|e| panic!("{input:?} refused: {e}"));
    String::from_utf8(canonical.bytes().to_vec()).expect("JCS is UTF-8")
}

/// The pointer and reason of a refusal of `input`, which must be refused.
fn refusal(input: &str) -> (String, String) {
    match canonical::canonicalize_text(input) {
        Ok(c) => panic!("{input:?} accepted as {:?}", String::from_utf8_lossy(c.bytes())),
        Err(CanonicalError::Refused { pointer, reason, .. }) => (pointer, reason),
    }
}

/// Asserts `input` is refused at exactly `pointer`, with a reason containing `reason_part`.
fn check_refused(input: &str, pointer: &str, reason_part: &str) {
    let (got_pointer, reason) = refusal(input);
    assert_eq!(got_pointer, pointer, "pointer of the refusal of {input:?} (reason: {reason})");
    assert!(reason.contains(reason_part), "reason for {input:?} is {reason:?}, expected it to contain {reason_part:?}");
    assert!(!reason.contains(" at line "), "the reason carries no location: {reason:?}");
}

#[test]
fn rfc8785_section_3_2_2_example_is_reproduced_by_jcs() {
    let input = r#"{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
    }"#;
    let value: Value = serde_json::from_str(input).expect("plain JSON");
    let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(String::from_utf8(canonical::jcs(&value)).expect("UTF-8"), expected);
}

#[test]
fn rfc8785_example_without_the_out_of_range_number_is_accepted_verbatim() {
    let input = r#"{"numbers": [333333333.33333329, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#;
    assert_eq!(
        jcs_text(input),
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
    );
    // 1E30 is beyond ±2^53: the full RFC example is refused at that element.
    check_refused(r#"{"numbers": [333333333.33333329, 1E30]}"#, "/numbers/1", "beyond ±2^53");
}

#[test]
fn rfc8785_section_3_2_3_keys_are_sorted_by_utf16_code_units() {
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(jcs_text(input), expected);
}

#[test]
fn nested_objects_are_sorted_and_arrays_keep_their_order() {
    assert_eq!(
        jcs_text(r#"{"b": {"z": 1, "a": [3, 1, 2]}, "a": {"y": {"c": null, "b": true}}}"#),
        r#"{"a":{"y":{"b":true,"c":null}},"b":{"a":[3,1,2],"z":1}}"#
    );
}

#[test]
fn documents_larger_than_the_first_buffer_match_the_reference() {
    // 200 servers in reverse order, about 15 KiB of JCS: well past the buffer `jcs` starts with.
    let servers: serde_json::Map<String, Value> = (0..200)
        .rev()
        .map(|i| {
            (
                format!("server-{i:03}"),
                json!({"command": "npx", "args": ["-y", format!("pkg-{i}")], "env": {"Z": "1", "A": "2"}}),
            )
        })
        .collect();
    let document = json!({ "mcpServers": servers });
    let bytes = canonical::jcs(&document);
    assert!(bytes.len() > 12 * 1024, "{} bytes", bytes.len());
    assert_eq!(bytes, serde_json_canonicalizer::to_vec(&document).expect("serializes"));
    assert!(
        String::from_utf8(bytes).expect("UTF-8").starts_with(
            r#"{"mcpServers":{"server-000":{"args":["-y","pkg-0"],"command":"npx","env":{"A":"2","Z":"1"}}"#
        )
    );
}

#[test]
fn number_formatting_follows_ecmascript() {
    // Accepted numbers, through the strict parser.
    let cases = [
        ("-0", "0"),
        ("-0.0", "0"),
        ("0.0", "0"),
        ("1E2", "100"),
        ("1.0", "1"),
        ("4.50", "4.5"),
        ("2e-3", "0.002"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("1e-7", "1e-7"),
        ("5e-324", "5e-324"),
        ("-1.5", "-1.5"),
        ("123456789.125", "123456789.125"),
        ("9007199254740992", "9007199254740992"),
        ("-9007199254740992", "-9007199254740992"),
        ("9007199254740992.0", "9007199254740992"),
        ("1e15", "1000000000000000"),
    ];
    for (input, expected) in cases {
        assert_eq!(jcs_text(input), expected, "JCS of {input}");
    }
    // Numbers beyond 2^53 (refused as payloads) still format the ECMAScript way in `jcs`.
    for (value, expected) in
        [(1e21, "1e+21"), (1e20, "100000000000000000000"), (1e23, "1e+23"), (-1.5e300, "-1.5e+300")]
    {
        assert_eq!(String::from_utf8(canonical::jcs(&json!(value))).expect("UTF-8"), expected, "JCS of {value}");
    }
}

#[test]
fn numbers_out_of_range_are_refused_with_their_pointer() {
    check_refused("1E400", "", "number out of range");
    check_refused(r#"{"a": [1, -1E400]}"#, "/a/1", "number out of range");
    check_refused("1e21", "", "beyond ±2^53");
    check_refused(r#"{"t": 18446744073709551616}"#, "/t", "beyond ±2^53");
}

#[test]
fn integers_beyond_2_pow_53_are_refused_and_2_pow_53_is_accepted() {
    check_refused(r#"{"timeout": 9007199254740993}"#, "/timeout", "beyond ±2^53");
    check_refused(r#"{"timeout": -9007199254740993}"#, "/timeout", "beyond ±2^53");
    check_refused(r#"[18446744073709551615]"#, "/0", "beyond ±2^53");
    check_refused(r#"[-9223372036854775808]"#, "/0", "beyond ±2^53");
    // A fraction-form literal is a double: 9007199254740993.0 rounds to 2^53 like any
    // decimal fraction rounds, and is accepted as that double.
    assert_eq!(jcs_text("[9007199254740993.0]"), "[9007199254740992]");
    assert_eq!(jcs_text(r#"{"timeout": 9007199254740992}"#), r#"{"timeout":9007199254740992}"#);
    assert_eq!(jcs_text(r#"{"timeout": -9007199254740992}"#), r#"{"timeout":-9007199254740992}"#);
}

#[test]
fn duplicate_keys_are_refused_at_the_duplicate() {
    let reason = "duplicate key: each key may appear once in an object";
    check_refused(r#"{"a": 1, "a": 1}"#, "/a", reason);
    check_refused(
        r#"{"mcpServers": {"a": {"command": "x", "env": {"X": "1", "Y": "2", "X": "1"}}}}"#,
        "/mcpServers/a/env/X",
        reason,
    );
    check_refused(r#"[{"ok": 1}, {"k": {"n": 1}, "k": 2}]"#, "/1/k", reason);
}

#[test]
fn nan_and_infinity_are_refused() {
    check_refused("NaN", "", "expected value");
    check_refused(r#"{"a": NaN}"#, "/a", "expected value");
    check_refused(r#"{"a": [Infinity]}"#, "/a/0", "expected value");
    check_refused(r#"{"a": -Infinity}"#, "/a", "invalid number");
}

#[test]
fn lone_surrogates_are_refused() {
    // serde_json's wording: a high surrogate not followed by `\u` ends the hex escape; a low
    // surrogate alone, or a high one followed by a non-surrogate escape, is "lone".
    check_refused(r#"{"s": "\ud800"}"#, "/s", "unexpected end of hex escape");
    check_refused(r#"{"s": ["ok", "x\ud800y"]}"#, "/s/1", "unexpected end of hex escape");
    check_refused(r#"{"s": "\ud800\u0041"}"#, "/s", "lone leading surrogate in hex escape");
    check_refused(r#"{"s": "\udc00"}"#, "/s", "lone leading surrogate in hex escape");
    // In a key, the error is reported at the object holding it.
    check_refused(r#"{"\ud800": 1}"#, "", "unexpected end of hex escape");
    check_refused(r#"{"a": {"\udc00": 1}}"#, "/a", "lone leading surrogate in hex escape");
    // A proper pair is fine and written as UTF-8.
    assert_eq!(jcs_text(r#""\ud83d\ude00""#), "\"\u{1f600}\"");
}

#[test]
fn escapes_are_minimal() {
    assert_eq!(jcs_text(r#""\u0041\/\u00e9\u2028\t\b\f\u001f\u007f""#), "\"A/\u{e9}\u{2028}\\t\\b\\f\\u001f\u{7f}\"");
    assert_eq!(jcs_text(r#""\"\\""#), r#""\"\\""#);
}

#[test]
fn trailing_garbage_and_bad_syntax_are_refused_for_the_whole_document() {
    check_refused(r#"{"a": 1} x"#, "", "trailing characters");
    check_refused(r#"{"a": 1}{}"#, "", "trailing characters");
    check_refused(r#"{"a": 1,}"#, "", "trailing comma");
    check_refused(r#"{"a": {"b": 1,}}"#, "/a", "trailing comma");
    check_refused("[1,]", "", "trailing comma");
    check_refused("{1: 2}", "", "key must be a string");
    check_refused("{\"s\": \"a\nb\"}", "/s", "control character (\\u0000-\\u001F) found while parsing a string");
    check_refused("", "", "EOF while parsing a value");
    check_refused(r#"{"a": 'x'}"#, "/a", "expected value");
}

#[test]
fn refusals_carry_line_and_column() {
    let err = canonical::canonicalize_text("{\n  \"a\": 1,\n  \"a\": 2\n}").expect_err("duplicate");
    let CanonicalError::Refused { pointer, line, column, .. } = &err;
    assert_eq!((pointer.as_str(), *line, *column), ("/a", 3, 7));
    assert_eq!(
        err.to_string(),
        "refused JSON at /a (line 3, column 7): duplicate key: each key may appear once in an object"
    );
}

#[test]
fn pointer_segments_escape_slash_and_tilde() {
    check_refused(r#"{"a/b": {"c~d": [0, 9007199254740993]}}"#, "/a~1b/c~0d/1", "beyond ±2^53");
    check_refused(r#"{"~1": {"/": 1, "/": 2}}"#, "/~01/~1", "duplicate key");
}

#[test]
fn the_same_document_gets_the_same_id_whatever_its_key_order_and_whitespace() {
    let a = canonical::canonicalize_text(r#"{"a":1}"#).expect("accepted");
    let b = canonical::canonicalize_text("{\n   \"a\" : 1.0\n}\n").expect("accepted");
    assert_eq!(a.bytes(), br#"{"a":1}"#);
    assert_eq!(a.id(), b.id());
    assert_eq!(a.id().as_str(), "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");

    let one = canonical::canonicalize_text(
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "x"]}, "gh": {"url": "https://x", "type": "http"}}}"#,
    )
    .expect("accepted");
    let two = canonical::canonicalize_text(
        "{ \"mcpServers\" : {\n\t\"gh\": {\"type\":\"http\",\"url\":\"https://x\"},\n\t\"fs\": {\"args\":[\"-y\",\"x\"],\"command\":\"npx\"} } }",
    )
    .expect("accepted");
    assert_eq!(one.id(), two.id());
    assert_eq!(one.bytes(), two.bytes());
    assert_eq!(one.value(), two.value());
    assert_eq!(*one.id(), ContentId::of(one.bytes()));
    // A different document gets a different id.
    let three = canonical::canonicalize_text(r#"{"mcpServers": {}}"#).expect("accepted");
    assert_ne!(one.id(), three.id());
}

#[test]
fn is_canonical_accepts_only_exact_jcs_bytes() {
    assert!(canonical::is_canonical(br#"{"a":1,"b":[true,null]}"#));
    assert!(!canonical::is_canonical(br#"{"b":[true,null],"a":1}"#), "unsorted");
    assert!(!canonical::is_canonical(br#"{"a": 1}"#), "whitespace");
    assert!(!canonical::is_canonical(br#"{"a":1.0}"#), "number form");
    assert!(!canonical::is_canonical(br#"{"a":"\u0041"}"#), "escape form");
    assert!(!canonical::is_canonical(br#"{"a":1,"a":1}"#), "duplicate");
    assert!(!canonical::is_canonical(b"{\"a\":\"\xff\"}"), "not UTF-8");
}

#[test]
fn content_id_parse_accepts_prefixed_and_bare_lowercase_hex() {
    let hex = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862";
    let prefixed = ContentId::parse(&format!("sha256:{hex}")).expect("prefixed");
    let bare = ContentId::parse(hex).expect("bare");
    assert_eq!(prefixed, bare);
    assert_eq!(bare.as_str(), format!("sha256:{hex}"));
    assert_eq!(bare.hex(), hex);
    assert_eq!(bare.to_string(), format!("sha256:{hex}"));
}

#[test]
fn content_id_parse_refuses_uppercase_short_long_and_other_prefixes() {
    let hex = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862";
    let refused = [
        hex.to_uppercase(),
        format!("sha256:{}", hex.to_uppercase()),
        hex[..63].to_owned(),
        format!("sha256:{}", &hex[..63]),
        format!("{hex}0"),
        format!("sha512:{hex}"),
        format!("SHA256:{hex}"),
        format!("sha256:sha256:{hex}"),
        format!("sha256:{}g", &hex[..63]),
        String::new(),
        "sha256:".to_owned(),
    ];
    for text in refused {
        assert_eq!(ContentId::parse(&text), Err(BadContentId { given: text.clone() }), "{text:?} must be refused");
    }
    let long = "x".repeat(300);
    let err = ContentId::parse(&long).expect_err("refused");
    assert_eq!(err.given.chars().count(), 100, "the echoed input is truncated");
    assert_eq!(
        err.to_string(),
        format!("'{}' is not an artifact id: expected sha256: followed by 64 lowercase hex digits", "x".repeat(100))
    );
}

#[test]
fn content_id_round_trips_through_serde_as_a_string() {
    let id = ContentId::of(b"hello");
    let text = serde_json::to_string(&id).expect("serializes");
    assert_eq!(text, "\"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"");
    let back: ContentId = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, id);
    let bad = serde_json::from_str::<ContentId>("\"sha256:nothex\"").expect_err("refused");
    assert!(bad.to_string().contains("is not an artifact id"), "{bad}");
}

/// Asserts that `check_strict` (no value built) gives `parse_strict`'s verdict on `text`,
/// refusal included.
fn same_verdict(text: &str) {
    assert_eq!(canonical::check_strict(text), canonical::parse_strict(text).map(drop), "{text:?}");
}

#[test]
fn check_strict_gives_the_verdict_of_parse_strict() {
    for text in [
        r#"{"a":1,"b":[true,false,null,"x",-2.5,{}]}"#,
        r#"{"b":1,"a":2}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"a":{"x":1},"b":{"y":2,"y":3}}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"\u0061":1,"b":2}"#,
        r#"{"a\"":1,"a\"":2}"#,
        r#"[9007199254740992,-9007199254740992,0.5]"#,
        "[9007199254740993]",
        "[-9007199254740993]",
        "[1e300]",
        r#"["\ud800"]"#,
        r#"{"\udc00":1}"#,
        r#"["\ud83d\ude00"]"#,
        "[1] x",
        "{",
        "",
        "NaN",
        r#"{"a":1,}"#,
        "  {\"b\" : [ 1 , 2 ] }  ",
    ] {
        same_verdict(text);
    }
}

/// JSON values within the accepted range: integers within ±2^53, finite doubles within
/// ±2^53, any Unicode strings (no lone surrogates exist in Rust strings), nested arrays and
/// objects.
fn accepted_json() -> impl Strategy<Value = Value> {
    const LIMIT: i64 = 1 << 53;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-LIMIT..=LIMIT).prop_map(Value::from),
        any::<u8>().prop_map(Value::from),
        (-9.007_199_254_740_992e15f64..=9.007_199_254_740_992e15).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite, within ±2^53", |f| f.is_finite() && f.abs() <= 9_007_199_254_740_992.0)
            .prop_map(Value::from),
        ".*".prop_map(Value::String),
        "[\\x00-\\x1f\"\\\\/\u{7f}\u{80}\u{2028}\u{fb33}\u{1f600}]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((".{0,8}", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Values on both sides of the subset `jcs` serializes itself: integers near and beyond ±2^53,
/// doubles (when `doubles`), strings with controls and escapes, and keys in insertion order
/// mixing ASCII, controls, U+0080–U+FFFF (U+E000–U+FFFF sorts differently in UTF-16) and
/// characters beyond U+FFFF.
fn reference_json(doubles: bool) -> impl Strategy<Value = Value> {
    const LIMIT: i64 = 1 << 53;
    let numbers = prop_oneof![
        (-LIMIT - 3..=-LIMIT + 3).prop_map(Value::from),
        (LIMIT - 3..=LIMIT + 3).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
    ];
    let numbers = numbers.prop_filter("no doubles", move |n| doubles || !n.is_f64());
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        numbers,
        "[a-c\\x00-\\x1f\"\\\\/\u{7f}\u{80}\u{2028}\u{e000}\u{fb33}\u{ffff}\u{10000}\u{1f600}]{0,6}"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = "[a-c\\x00\\x1f\u{7f}\u{e9}\u{20ac}\u{e000}\u{fb33}\u{ffff}\u{10000}\u{1f600}]{0,3}";
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8).prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn jcs_agrees_with_the_reference_implementation_on_integer_documents(value in reference_json(false)) {
        let reference = serde_json_canonicalizer::to_vec(&value).expect("serializes");
        prop_assert_eq!(String::from_utf8(canonical::jcs(&value)), String::from_utf8(reference));
    }

    #[test]
    fn jcs_agrees_with_the_reference_implementation_on_any_document(value in reference_json(true)) {
        let reference = serde_json_canonicalizer::to_vec(&value).expect("serializes");
        prop_assert_eq!(String::from_utf8(canonical::jcs(&value)), String::from_utf8(reference));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn canonicalizing_canonical_text_is_the_identity(value in accepted_json()) {
        let bytes = canonical::jcs(&value);
        let text = String::from_utf8(bytes.clone()).expect("JCS is UTF-8");
        let again = canonical::canonicalize_text(&text).expect("canonical text is accepted");
        prop_assert_eq!(again.bytes(), &bytes[..]);
        prop_assert_eq!(again.id(), &ContentId::of(&bytes));
        prop_assert!(canonical::is_canonical(&bytes));
    }

    #[test]
    fn any_serialization_of_a_value_canonicalizes_to_its_jcs(value in accepted_json()) {
        let pretty = serde_json::to_string_pretty(&value).expect("serializes");
        let again = canonical::canonicalize_text(&pretty).expect("accepted");
        prop_assert_eq!(again.bytes(), &canonical::jcs(&value)[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn check_strict_agrees_with_parse_strict_on_any_text(value in reference_json(true)) {
        same_verdict(&String::from_utf8(canonical::jcs(&value)).expect("UTF-8"));
        // Members in insertion order (out of byte order), and pretty-printed.
        same_verdict(&value.to_string());
        same_verdict(&serde_json::to_string_pretty(&value).expect("serializes"));
        // An object's first member written twice.
        if let Some((key, member)) = value.as_object().and_then(|object| object.iter().next()) {
            let member = format!("{}:{member}", Value::from(key.as_str()));
            same_verdict(&format!("{{{member},{}", &value.to_string()[1..]));
        }
    }
}
