//! Unit tests of the SARIF rendering: URIs inside and outside the source root, regions, rules
//! and their indexes, and the property bag.

use std::path::Path;

use serde_json::json;

use super::{CiFinding, CiReport, Level, RULES, SARIF_SCHEMA, ToolInfo, to_sarif};

fn finding(rule: &str, file: &str, line: Option<u64>, level: Level) -> CiFinding {
    CiFinding {
        rule_id: rule.to_owned(),
        level,
        client_id: "cursor".into(),
        scope: "project".into(),
        file: file.to_owned(),
        line,
        server: Some("gh".into()),
        message: "m".into(),
        profile: Some("_shared/default v2".into()),
    }
}

const TOOL: ToolInfo<'static> = ToolInfo { name: "t", version: "1.0.0", information_uri: "https://example.invalid/t" };

#[test]
fn results_point_at_files_relative_to_the_source_root_or_absolute() {
    let report = CiReport {
        files: Vec::new(),
        policies: 1,
        probed: false,
        findings: vec![
            finding("lock/unpinned", "/src/app/.cursor/mcp.json", Some(4), Level::Error),
            finding("policy/servers.deny", "/home/u/.cursor/my mcp.json", None, Level::Error),
            finding("policy/servers.deny", "/src/app/.mcp.json", None, Level::Warning),
        ],
    };
    let log = to_sarif(&report, &TOOL, Some(Path::new("/src/app")));
    assert_eq!(log["$schema"], SARIF_SCHEMA);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///src/app/");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), RULES.len() + 1, "the fixed rules and the one policy rule seen");
    let results = run["results"].as_array().expect("results");
    let first = &results[0];
    assert_eq!(
        first["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": ".cursor/mcp.json", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 4}})
    );
    assert_eq!(rules[first["ruleIndex"].as_u64().expect("index") as usize]["id"], "lock/unpinned");
    assert_eq!(
        first["properties"],
        json!({"client": "cursor", "scope": "project", "server": "gh", "profile": "_shared/default v2"})
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "file:///home/u/.cursor/my%20mcp.json"}}),
        "outside the root: absolute, percent-encoded, no region when the line is unknown"
    );
    assert_eq!(results[1]["ruleIndex"], results[2]["ruleIndex"], "one descriptor per rule id");
    assert_eq!((results[2]["level"].as_str(), results[0]["level"].as_str()), (Some("warning"), Some("error")));
    let without_root = to_sarif(&report, &TOOL, None);
    assert!(without_root["runs"][0].get("originalUriBaseIds").is_none());
    assert_eq!(
        without_root["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///src/app/.cursor/mcp.json"
    );
}

#[test]
fn notes_do_not_fail_an_audit() {
    let mut report = CiReport { files: Vec::new(), policies: 0, probed: true, findings: Vec::new() };
    assert!(!report.fails());
    report.findings.push(finding("lock/update-available", "/a", None, Level::Note));
    assert!(!report.fails());
    report.findings.push(finding("lock/unlocked", "/a", None, Level::Warning));
    assert!(report.fails());
}
