//! `--limit`/`--cursor` on every CLI listing: `profiles`, `history`, `servers list`, `events
//! query`. Each page is what the user pages through (every entry once, in order), the JSON
//! carries `next_cursor`, the human output says how to get the next page, and a bad cursor or
//! limit is exit 2 with a message that says what to do.

use std::sync::Arc;

use orchestrator::Orchestrator;
use orchestrator::clock::SystemClock;
use orchestrator::home::Home;
use serde_json::Value;

use super::common::*;

/// An initialized home with `n` more profiles of cursor (`p000`…), published through the library
/// (much faster than `n` processes; the listing is what is tested).
fn with_profiles(n: usize) -> mcp_testkit::TestEnv {
    let env = initialized();
    let core = Orchestrator::new(Home::new(env.home()), Arc::new(SystemClock));
    for i in 0..n {
        core.publish("cursor", &format!("p{i:03}"), &servers("a", "npx"), None, None).expect("publish");
    }
    env
}

/// Pages through a JSON listing, returning every page's value.
fn pages(env: &mcp_testkit::TestEnv, args: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--json");
        if let Some(c) = &cursor {
            all.extend(["--cursor", c.as_str()]);
        }
        let result = run(env, &all);
        assert_eq!(code(&result), 0, "{all:?}: {}", stderr(&result));
        let page = json(&result);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        out.push(page);
        if cursor.is_none() {
            return out;
        }
        assert!(out.len() < 100, "paging does not end");
    }
}

#[test]
fn profiles_pages_through_120_profiles_each_once_in_order() {
    let env = with_profiles(120);
    let pages = pages(&env, &["profiles", "cursor", "--limit", "50"]);
    assert_eq!(pages.len(), 3);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p["profiles"].as_array().expect("profiles").clone())
        .map(|p| p["profile_id"].as_str().expect("id").to_owned())
        .collect();
    let mut expected: Vec<String> = (0..120).map(|i| format!("p{i:03}")).collect();
    expected.insert(0, "default".into());
    assert_eq!(ids, expected);
    // Human output: the rows (a table on stdout), then how to get the next page (stderr).
    let out = run(&env, &["profiles", "cursor", "--limit", "2"]);
    assert_eq!(code(&out), 0);
    let rows = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = rows.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(names, ["PROFILE", "default", "p000"], "{rows}");
    let text = stderr(&out);
    assert!(text.starts_with("more follow: run the same command with --limit 2 --cursor "), "{text}");
    // The default page is 100.
    let first = json(&run(&env, &["profiles", "cursor", "--json"]));
    assert_eq!(first["profiles"].as_array().expect("profiles").len(), 100);
    // The last page says nothing more.
    let last = run(&env, &["profiles", "vscode"]);
    assert!(!stderr(&last).contains("more follow"), "{}", stderr(&last));
}

#[test]
fn bad_cursors_and_limits_are_usage_errors_that_change_nothing() {
    let env = with_profiles(3);
    let first = json(&run(&env, &["profiles", "cursor", "--limit", "1", "--json"]));
    let cursor = first["next_cursor"].as_str().expect("more").to_owned();
    let before = env.snapshot();
    for args in [
        vec!["profiles", "cursor", "--cursor", "not-a-cursor!"],
        vec!["profiles", "vscode", "--cursor", cursor.as_str()],
        vec!["history", "cursor", "--cursor", cursor.as_str()],
        vec!["servers", "list", "--cursor", cursor.as_str()],
        vec!["events", "query", "--cursor", cursor.as_str()],
    ] {
        let out = run(&env, &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("leave the cursor out") || stderr(&out).contains("leave --cursor out"),
            "{}",
            stderr(&out)
        );
    }
    for limit in ["0", "1001", "-3", "many"] {
        let flag = format!("--limit={limit}");
        let out = run(&env, &["profiles", "cursor", &flag]);
        assert_eq!(code(&out), 2, "--limit {limit}: {}", stderr(&out));
        assert!(stderr(&out).contains("--limit"), "{}", stderr(&out));
    }
    let after: Vec<_> = env.snapshot().into_iter().filter(|(p, _)| !p.starts_with("events")).collect();
    let before: Vec<_> = before.into_iter().filter(|(p, _)| !p.starts_with("events")).collect();
    assert_eq!(before, after);
}

#[test]
fn history_servers_and_events_page_too() {
    let env = initialized();
    for i in 0..7 {
        publish(&env, "cursor", "dev", &servers(&format!("s{i}"), "npx"));
    }
    let history = pages(&env, &["history", "cursor", "--profile", "dev", "--limit", "3"]);
    assert_eq!(history.len(), 3);
    let versions: Vec<u64> = history
        .iter()
        .flat_map(|p| p["history"].as_array().expect("history").clone())
        .map(|e| {
            assert_eq!(e["verified"], true, "{e}");
            e["version"].as_u64().expect("version")
        })
        .collect();
    assert_eq!(versions, (1..=7).collect::<Vec<u64>>());

    let all = json(&run(&env, &["servers", "list", "--json", "--limit", "1000"]));
    let all: Vec<Value> = all["servers"].as_array().expect("servers").clone();
    let paged: Vec<Value> = pages(&env, &["servers", "list", "--limit", "7"])
        .iter()
        .flat_map(|p| p["servers"].as_array().expect("servers").clone())
        .collect();
    assert_eq!(paged, all);

    let every = json(&run(&env, &["events", "query", "--json", "--limit", "1000"]));
    let every = every["events"].as_array().expect("events").clone();
    assert!(every.len() > 10);
    let paged: Vec<Value> = pages(&env, &["events", "query", "--limit", "4"])
        .iter()
        .flat_map(|p| p["events"].as_array().expect("events").clone())
        .collect();
    // Each `events query` run appends its own events after the ones it lists.
    assert_eq!(paged[..every.len()], every[..]);
}
