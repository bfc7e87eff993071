//! The program on a real terminal (a pseudo-terminal, see `pty.rs`): `gc` lists what it would
//! remove and asks, and a typed `n` removes nothing while `y` removes it; colour appears on a
//! terminal unless `NO_COLOR` or `--color never`; the bare invocation says what it waits for.

use mcp_testkit::TestEnv;

use super::common::*;
use super::output::styled;
use super::pty::Terminal;

const ESC: &str = "\u{1b}[";

/// An initialized home with two leftovers gc removes: a stale temp and an old event-log day.
fn with_leftovers() -> (TestEnv, [std::path::PathBuf; 2]) {
    let env = initialized();
    let temp = env.home().join("keys/.tmp-stale");
    let day = env.home().join("events/2020-01-01.jsonl");
    std::fs::write(&temp, "x").expect("temp");
    std::fs::write(&day, "{}\n").expect("old day");
    (env, [temp, day])
}

#[test]
fn gc_on_a_terminal_lists_and_asks_and_n_removes_nothing() {
    let (env, leftovers) = with_leftovers();
    let mut term = Terminal::spawn(&env, &["gc"], |_| {});
    let listed = term.expect("? [y/N] ");
    assert!(listed.contains("would remove event-log day"), "{listed}");
    assert!(listed.contains("would remove temp file"), "{listed}");
    assert!(listed.contains("remove these 2 files ("), "{listed}");
    term.send_line("n");
    let (code, text) = term.finish();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("nothing was removed"), "{text}");
    assert!(leftovers.iter().all(|p| p.exists()), "nothing removed");
}

#[test]
fn gc_on_a_terminal_removes_after_y() {
    let (env, leftovers) = with_leftovers();
    let mut term = Terminal::spawn(&env, &["gc"], |_| {});
    term.expect("remove these 2 files (");
    term.expect("? [y/N] ");
    term.send_line("y");
    let (code, text) = term.finish();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("removed 2 files"), "{text}");
    assert!(leftovers.iter().all(|p| !p.exists()), "both removed");
}

#[test]
fn gc_on_a_terminal_with_nothing_to_remove_asks_nothing() {
    let env = initialized();
    let term = Terminal::spawn(&env, &["gc"], |_| {});
    let (code, text) = term.finish();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("nothing to remove") && !text.contains("[y/N]"), "{text}");
}

#[test]
fn gc_yes_on_a_terminal_does_not_ask() {
    let (env, leftovers) = with_leftovers();
    let term = Terminal::spawn(&env, &["gc", "--yes"], |_| {});
    let (code, text) = term.finish();
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("[y/N]"), "{text}");
    assert!(leftovers.iter().all(|p| !p.exists()));
}

#[test]
fn a_terminal_gets_colour_unless_no_color_or_never() {
    let env = initialized();
    env.write_file(".cursor/mcp.json", "{\"mcpServers\": {}}");
    let term = Terminal::spawn(&env, &["clients"], |c| {
        c.env_remove("NO_COLOR");
    });
    let (code, coloured) = term.finish();
    assert_eq!(code, 0, "{coloured}");
    assert!(styled(&coloured, "CLIENT"), "a bold header: {coloured:?}");
    assert!(styled(&coloured, "yes"), "detected in green: {coloured:?}");

    let (_, no_color) = Terminal::spawn(&env, &["clients"], |_| {}).finish();
    assert!(!no_color.contains(ESC), "NO_COLOR=1: {no_color:?}");
    assert!(no_color.contains("CLIENT"));
    let (_, never) = Terminal::spawn(&env, &["clients", "--color", "never"], |c| {
        c.env_remove("NO_COLOR");
    })
    .finish();
    assert!(!never.contains(ESC), "--color never: {never:?}");

    let (code, error) = Terminal::spawn(&env, &["get", "cursr"], |c| {
        c.env_remove("NO_COLOR");
    })
    .finish();
    assert_eq!(code, 3);
    assert!(styled(&error, "error:"), "a red error prefix: {error:?}");
}

#[test]
fn no_arguments_on_a_terminal_says_what_it_waits_for() {
    let env = initialized();
    let mut term = Terminal::spawn(&env, &[], |_| {});
    let line = term.expect("Ctrl-D to quit");
    assert!(
        line.contains("waiting for MCP messages on stdin") && line.contains("`mcp-orchestration --help`"),
        "{line}"
    );
    term.send_eof();
    let (code, text) = term.finish();
    assert_eq!(code, 0, "Ctrl-D ends the server: {text}");
}
