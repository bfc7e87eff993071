//! `lock` of `uvx` servers against a pypiserver started on 127.0.0.1 serving wheels the test
//! builds with `uv build`: the pin is `pkg==VERSION` and the integrity the wheel's SHA-256.

use serde_json::json;

use super::common::{code, initialized, json, run, stderr};
use super::lock_support::PypiServer;

fn sha256_of(path: &std::path::Path) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("read wheel")))
}

#[test]
fn uvx_resolves_to_the_newest_wheel_with_its_sha256() {
    let index = PypiServer::start();
    let old = index.add("tiny-lock-pkg", "1.0.0");
    let env = initialized();
    let doc = json!({"mcpServers": {
        "tiny": {"command": "uvx", "args": ["tiny-lock-pkg", "--stdio"]},
        "tiny-from": {"command": "uvx", "args": ["--from", "tiny-lock-pkg>=1", "tiny-cli"]},
    }});
    let file = env.write_file("py.json", &doc.to_string());
    let out = run(&env, &["publish", "--all", "--profile", "py", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let out = run(&env, &["lock", "--profile", "py", "--pypi-index", &index.url, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let expected = format!("sha256:{}", sha256_of(&old));
    for change in report["changes"].as_array().expect("changes") {
        assert_eq!(change["new_version"], "1.0.0", "{change}");
        assert_eq!(change["new_integrity"], expected.as_str(), "{change}");
    }
    let out = run(&env, &["get", "--all", "--profile", "py", "--json"]);
    let payload = json(&out)["payload"].clone();
    assert_eq!(payload["mcpServers"]["tiny"]["args"], json!(["tiny-lock-pkg==1.0.0", "--stdio"]));
    assert_eq!(payload["mcpServers"]["tiny-from"]["args"], json!(["--from", "tiny-lock-pkg==1.0.0", "tiny-cli"]));
    let lock = &payload["mcpServers"]["tiny"]["lock"];
    assert_eq!(
        (lock["ecosystem"].as_str(), lock["file"].as_str()),
        (Some("pypi"), Some("tiny_lock_pkg-1.0.0-py3-none-any.whl"))
    );
    assert_eq!(lock["registry"], index.url.as_str());

    // A new release: audit notes it, `lock --update tiny` moves only that pin.
    let new = index.add("tiny-lock-pkg", "1.1.0");
    let out = run(&env, &["audit", "--profile", "py", "--no-probe", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let kinds: Vec<String> =
        json(&out)["findings"].as_array().expect("findings").iter().map(|f| f["kind"].to_string()).collect();
    assert_eq!(kinds, ["\"update-available\"", "\"update-available\""]);
    let out = run(&env, &["lock", "--profile", "py", "--update", "tiny", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let tiny = report["changes"].as_array().and_then(|c| c.iter().find(|c| c["server"] == "tiny")).expect("tiny");
    assert_eq!(
        (tiny["action"].as_str(), tiny["old_version"].as_str(), tiny["new_version"].as_str()),
        (Some("updated"), Some("1.0.0"), Some("1.1.0"))
    );
    assert_eq!(tiny["new_integrity"], format!("sha256:{}", sha256_of(&new)).as_str());
    let other =
        report["changes"].as_array().and_then(|c| c.iter().find(|c| c["server"] == "tiny-from")).expect("tiny-from");
    assert_eq!(other["action"], "unchanged");

    // A requirement nothing satisfies is refused with exit 3, nothing published.
    let doc = json!({"mcpServers": {"tiny": {"command": "uvx", "args": ["tiny-lock-pkg>=2"]}}});
    let file = env.write_file("py2.json", &doc.to_string());
    let out = run(&env, &["publish", "--all", "--profile", "py2", "--file", file.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["lock", "--profile", "py2", "--pypi-index", &index.url]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("matches `>=2` (newest: 1.1.0)"), "{}", stderr(&out));
}
