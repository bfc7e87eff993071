//! What goes where: what a command exists to show (tables with a header row, documents, text)
//! on stdout, `--json` instead with `--json`, notes and errors on stderr; tables snapshotted
//! (insta) in a temp HOME with a fixed clock and key, so paths show as `~/…` and ids are
//! stable. Colour (`--color`, `NO_COLOR`), `-q`/`-v`, "did you mean", `render`'s default file,
//! completions and the man page, and `gc`'s refusal without a terminal.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use mcp_testkit::TestEnv;

use super::common::*;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A run that succeeded, printed data on stdout and nothing on stderr.
fn quiet_success(env: &TestEnv, args: &[&str]) -> String {
    let out = run(env, args);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{args:?}: stderr stays empty");
    stdout(&out)
}

/// An initialized home whose cursor file holds the user's own entry and the deployed default
/// profile, with a newer version published since (outdated).
fn deployed() -> TestEnv {
    let env = initialized();
    env.write_file(".cursor/mcp.json", "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"tool\"}\n  }\n}\n");
    let out = run(&env, &["deploy", "cursor"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    publish(&env, "cursor", "default", &servers("newer", "npx"));
    env
}

const ESC: &str = "\u{1b}[";

/// Whether `word` appears right after an escape sequence (coloured or styled) in `text`.
pub fn styled(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = &text[..at];
        before.ends_with('m') && before.rfind(ESC).is_some_and(|esc| at - esc <= 16)
    })
}

#[test]
fn clients_is_a_table_on_stdout_that_grep_sees_and_stderr_is_empty() {
    let env = initialized();
    env.write_file(".cursor/mcp.json", "{\"mcpServers\": {}}");
    let table = quiet_success(&env, &["clients"]);
    // `clients | grep cursor`: the row is on stdout, whole.
    let row: Vec<&str> = table.lines().filter(|l| l.starts_with("cursor ")).collect();
    assert_eq!(row.len(), 1, "{table}");
    assert_eq!(
        row[0].split_whitespace().collect::<Vec<_>>(),
        ["cursor", "json", "yes", "user,project", "~/.cursor/mcp.json"]
    );
    assert!(!table.contains(ESC), "no colour into a pipe");
    insta::assert_snapshot!("clients", table);
    let listed = json(&run(&env, &["clients", "--json"]));
    assert_eq!(listed.as_array().expect("clients").len(), table.lines().count() - 1, "one row per client");
}

#[test]
fn status_profiles_history_and_deployments_are_tables_on_stdout() {
    let env = deployed();
    insta::assert_snapshot!("status", quiet_success(&env, &["status"]));
    insta::assert_snapshot!("profiles", quiet_success(&env, &["profiles", "cursor"]));
    insta::assert_snapshot!("history", quiet_success(&env, &["history", "cursor"]));
    let records = quiet_success(&env, &["deployments", "cursor"]);
    let lines: Vec<&str> = records.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["DEPLOYMENT", "KIND", "WHAT", "FILE"]);
    assert!(lines[1].ends_with("deploy  default v1  ~/.cursor/mcp.json"), "{records}");
}

#[test]
fn verify_all_lists_results_on_stdout_and_the_count_on_stderr() {
    let env = initialized();
    let out = run(&env, &["verify", "--all"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("RESULT  PROFILE"), "{table}");
    assert!(table.lines().skip(1).all(|l| l.starts_with("ok ")), "{table}");
    assert_eq!(stderr(&out), format!("{} verified, 0 failed\n", table.lines().count() - 1));
    assert!(!stderr(&out).contains('\u{1b}'), "no progress drawn into a pipe");
}

#[test]
fn events_query_and_stats_are_human_tables_unless_json() {
    let env = initialized();
    let table = quiet_success(&env, &["events", "query", "--type", "orchestrator.init"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["TIME", "TYPE", "STATUS", "DETAILS"]);
    assert_eq!(lines.len(), 3, "started and completed: {table}");
    assert_eq!(lines[1], "11-25 12:00:00  orchestrator.init_started    pending", "{table}");
    assert!(serde_json::from_str::<serde_json::Value>(lines[1]).is_err(), "human text, not JSON lines");
    let events = json(&run(&env, &["events", "query", "--type", "orchestrator.init", "--json"]));
    assert_eq!(events["count"], 2);
    let out = run(&env, &["events", "stats", "--type", "orchestrator.init"]);
    assert_eq!(
        stdout(&out),
        "COUNT  TYPE                         STATUS\n\
         1      orchestrator.init_completed  success\n\
         1      orchestrator.init_started    pending\n"
    );
    assert_eq!(stderr(&out), "2 event(s)\n");
    let deploys = quiet_success(&deployed(), &["events", "query", "--type", "orchestrator.config_deploy_completed"]);
    let row = deploys.lines().nth(1).expect("a deploy");
    assert!(row.contains("success") && row.contains("client_id=cursor"), "{deploys}");
    assert!(row.contains("file=~/.cursor/mcp.json"), "paths under HOME as ~: {deploys}");
}

#[test]
fn servers_list_and_show_are_human_text_unless_json() {
    let env = initialized();
    let out = run(&env, &["servers", "list", "github"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("servers_list_github", stdout(&out));
    assert_eq!(stderr(&out), "2 server(s)\n");
    assert_eq!(stdout(&out), stdout(&run(&env, &["servers", "list", "--query", "github"])), "QUERY = --query");
    let out = run(&env, &["servers", "show", "filesystem"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("servers_show_filesystem", stdout(&out));
    assert_eq!(
        stderr(&out),
        "add it with `mcp-orchestration draft add-server CLIENT --profile PROFILE filesystem` (it needs --param path)\n"
    );
    assert_eq!(json(&run(&env, &["servers", "show", "filesystem", "--json"]))["id"], "filesystem");
}

#[test]
fn servers_list_refuses_a_query_given_twice() {
    let env = initialized();
    let out = run(&env, &["servers", "list", "github", "--query", "git"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
}

#[test]
fn every_listing_prints_json_with_json_and_nothing_on_stderr() {
    let env = deployed();
    for args in [
        &["clients"][..],
        &["profiles", "cursor"],
        &["history", "cursor"],
        &["status"],
        &["deployments", "cursor"],
        &["servers", "list"],
        &["servers", "show", "github"],
        &["events", "query", "--limit", "1000"],
        &["events", "stats"],
        &["keys", "show"],
        &["secrets", "list"],
        &["verify", "--all"],
        &["diff", "cursor"],
        &["get", "cursor"],
    ] {
        let mut all = args.to_vec();
        all.push("--json");
        let out = run(&env, &all);
        assert_eq!(code(&out), 0, "{all:?}: {}", stderr(&out));
        json(&out);
        assert_eq!(stderr(&out), "", "{all:?}");
    }
}

#[test]
fn diff_doctor_keys_and_secrets_show_their_data_on_stdout() {
    let env = deployed();
    let out = run(&env, &["diff", "cursor"]);
    assert!(stdout(&out).contains("outdated against cursor/default"), "{}", stdout(&out));
    assert!(stdout(&out).contains("recommendation: "), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
    let out = run(&env, &["keys", "show"]);
    assert!(stdout(&out).starts_with("signing key: sha256:"), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
    let mut child = env
        .std_command(BIN)
        .args(["secrets", "set", "API_TOKEN"])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"value-not-shown").expect("write");
    assert!(child.wait().expect("wait").success());
    assert_eq!(quiet_success(&env, &["secrets", "list"]), "API_TOKEN\n");
}

#[test]
fn colour_follows_color_and_no_color_and_never_reaches_a_pipe_by_default() {
    let env = deployed();
    let plain = |out: &Output| !stdout(out).contains(ESC) && !stderr(out).contains(ESC);
    // TestEnv sets NO_COLOR=1.
    assert!(plain(&run(&env, &["status"])));
    let always = run(&env, &["status", "--color", "always"]);
    assert!(styled(&stdout(&always), "outdated"), "always wins over NO_COLOR: {}", stdout(&always));
    assert!(plain(&run(&env, &["status", "--color", "never"])));
    // Without NO_COLOR, auto colours nothing through a pipe.
    let auto = env.command(BIN).args(["status", "--color", "auto"]).env_remove("NO_COLOR").output().expect("run");
    assert!(plain(&auto), "{}", stdout(&auto));
    // An empty NO_COLOR does not count; a pipe still gets none.
    let empty = env.command(BIN).args(["status"]).env("NO_COLOR", "").output().expect("run");
    assert!(plain(&empty));
}

#[test]
fn colour_marks_errors_and_diff_lines() {
    let env = deployed();
    let out = run(&env, &["get", "cursr", "--color", "always"]);
    assert_eq!(code(&out), 3);
    assert!(styled(&stderr(&out), "error:"), "{}", stderr(&out));
    let out = run(&env, &["deploy", "cursor", "--dry-run", "--color", "always"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.lines().any(|l| l.starts_with(&format!("{ESC}32m+ "))), "added lines green: {diff:?}");
    assert!(diff.lines().any(|l| l.starts_with(ESC) && styled(l, "+++")), "the header styled: {diff:?}");
    let plain = run(&env, &["deploy", "cursor", "--dry-run"]);
    assert!(!stdout(&plain).contains(ESC));
    assert!(stdout(&plain).lines().any(|l| l.starts_with('+')));
}

#[test]
fn a_bad_color_value_is_a_usage_error_naming_the_choices() {
    let env = initialized();
    let before = env.snapshot();
    let out = run(&env, &["clients", "--color", "sometimes"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid value 'sometimes' for '--color <WHEN>'"), "{}", stderr(&out));
    assert!(stderr(&out).contains("[possible values: auto, always, never]"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(env.snapshot(), before);
}

#[test]
fn quiet_silences_notes_but_not_errors_and_conflicts_with_verbose() {
    let env = initialized();
    publish(&env, "vscode", "second", &servers("one", "npx"));
    let out = run(&env, &["profiles", "vscode", "--limit", "1"]);
    assert!(stderr(&out).contains("more follow"), "{}", stderr(&out));
    let out = run(&env, &["-q", "profiles", "vscode", "--limit", "1"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stderr(&out), "", "the hint is silenced");
    assert!(stdout(&out).starts_with("PROFILE"), "the data is not");
    let out = run(&env, &["servers", "list", "--quiet"]);
    assert_eq!(stderr(&out), "");
    let out = run(&env, &["-q", "get", "cursr"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).starts_with("error: unknown client 'cursr'"), "{}", stderr(&out));
    let out = run(&env, &["-q", "-v", "clients"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
}

/// `mcp-orchestration FLAGS…` serving over stdio (pipes), fed one malformed line: its reply
/// (read before stdin is closed) and everything it wrote on stderr.
fn serve_malformed(env: &TestEnv, args: &[&str], log_level: Option<&str>) -> (String, String) {
    use std::io::{BufRead as _, Read as _};
    let mut command: Command = env.std_command(BIN);
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(level) = log_level {
        command.env("MCP_ORCHESTRATION_LOG_LEVEL", level);
    }
    let mut child = command.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"this is not json\n").expect("write");
    let mut reply = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut reply).expect("reply");
    drop(stdin);
    let mut logs = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut logs).expect("stderr");
    assert!(child.wait().expect("wait").success(), "{logs}");
    (reply, logs)
}

#[test]
fn verbose_raises_the_log_level_and_quiet_lowers_it() {
    let env = initialized();
    let debug_line = "answered a malformed message";
    let (reply, logs) = serve_malformed(&env, &["serve"], None);
    assert!(reply.contains("-32700"), "the parse error is answered: {reply}");
    assert!(!logs.contains(debug_line), "warn by default: {logs}");
    let (_, logs) = serve_malformed(&env, &["-vv", "serve"], None);
    assert!(logs.contains(debug_line), "-vv is debug: {logs}");
    assert!(!logs.contains(ESC), "no colour in logs into a pipe");
    let (_, logs) = serve_malformed(&env, &["-q", "serve"], Some("debug"));
    assert!(!logs.contains(debug_line), "-q wins over the variable: {logs}");
}

#[test]
fn unknown_client_ids_and_server_names_suggest_the_closest() {
    let env = initialized();
    let out = run(&env, &["get", "cursr"]);
    assert_eq!(code(&out), 3);
    assert_eq!(
        stderr(&out),
        "error: unknown client 'cursr': did you mean 'cursor'? run `mcp-orchestration clients` to see the supported ids\n"
    );
    let out = run(&env, &["get", "zzzzzz"]);
    assert_eq!(
        stderr(&out),
        "error: unknown client 'zzzzzz': run `mcp-orchestration clients` to see the supported ids\n",
        "nothing close: no suggestion"
    );
    let out = run(&env, &["servers", "show", "gihub"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no server 'gihub': did you mean 'github'? see `mcp-orchestration servers list`"),
        "{}",
        stderr(&out)
    );
    let before = env.snapshot();
    let out = run(&env, &["draft", "add-server", "cursor", "--profile", "dev", "filesystm", "--param", "path=/tmp"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("did you mean 'filesystem'?"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before, "a refusal writes no draft");
    let out = run(&env, &["draft", "add-server", "cursor", "--profile", "dev", "fetch"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["draft", "remove-server", "cursor", "--profile", "dev", "fecth"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no server 'fecth': did you mean 'fetch'? the draft of cursor/dev has no such server"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn render_merges_into_the_clients_detected_file_by_default() {
    let env = initialized();
    env.write_file(".cursor/mcp.json", "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"tool\"}\n  }\n}\n");
    let out = run(&env, &["render", "cursor"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rendered: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rendered["mcpServers"]["mine"]["command"], "tool", "the user's entry of ~/.cursor/mcp.json is kept");
    assert!(rendered["mcpServers"].as_object().expect("servers").len() > 1, "and the profile's are merged in");
    let into = run(&env, &["render", "cursor", "--into", env.root().join(".cursor/mcp.json").to_str().expect("utf8")]);
    assert_eq!(out.stdout, into.stdout, "the same as naming the file");
}

#[test]
fn completions_are_generated_for_each_shell_and_bash_registers_them() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = quiet_success(&env, &["completions", shell]);
        for word in ["deploy", "status", "completions", "color"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let script = env.write_file("completion.bash", &quiet_success(&env, &["completions", "bash"]));
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p mcp-orchestration && COMP_WORDS=(mcp-orchestration dep) COMP_CWORD=1 \
             && _mcp__orchestration mcp-orchestration dep mcp-orchestration && echo \"${{COMPREPLY[*]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let shown = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines,
        ["complete -o bashdefault -o default -o nosort -F _mcp__orchestration mcp-orchestration", "deploy deployments"],
        "registered, and `dep<TAB>` offers the two commands: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!env.home().exists(), "no home is made for completions");
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let env = TestEnv::new();
    let out = run(&env, &["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid value 'tcsh'"), "{}", stderr(&out));
    assert!(stderr(&out).contains("bash, elvish, fish, powershell, zsh"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn the_man_page_names_every_command_and_renders() {
    let env = TestEnv::new();
    let page = quiet_success(&env, &["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff: {}", &page[..page.len().min(80)]);
    for sub in mcp_orchestration::command().get_subcommands() {
        let name = sub.get_name().replace('-', "\\-");
        assert!(page.contains(&format!("mcp\\-orchestration\\-{name}(1)")), "{name} is listed");
    }
    assert!(page.contains("Exit codes"), "the exit codes are in the page");
    let file = env.write_file("mcp-orchestration.1", &page);
    // Rendered by man(1) where it is installed (a spawn error means it is not).
    if let Ok(out) = Command::new("man").arg("-l").arg(&file).env("MANPAGER", "cat").env("MANWIDTH", "80").output() {
        assert!(out.status.success(), "man -l: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with("mcp-orchestration(1)"), "{text}");
        assert!(
            text.contains("SUBCOMMANDS") && text.contains("init-configs") && text.contains("Exit codes:"),
            "{text}"
        );
    }
}

#[test]
fn man_dir_writes_a_page_per_command_and_refuses_a_missing_dir() {
    let env = TestEnv::new();
    let dir = env.root().join("man1");
    let out = run(&env, &["man", "--dir", dir.to_str().expect("utf8")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not a directory; create it first"), "{}", stderr(&out));
    std::fs::create_dir(&dir).expect("mkdir");
    let out = run(&env, &["man", "--dir", dir.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for page in ["mcp-orchestration.1", "mcp-orchestration-deploy.1", "mcp-orchestration-draft-add-server.1"] {
        assert!(dir.join(page).is_file(), "{page}");
    }
}

#[test]
fn gc_without_a_terminal_or_yes_refuses_and_removes_nothing() {
    let env = initialized();
    std::fs::write(env.home().join("keys/.tmp-stale"), "x").expect("temp");
    let before = env.snapshot();
    let out = run(&env, &["gc"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: refusing to remove files from the home without a terminal: pass --yes to do it without asking (scripts, CI)\n"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(env.snapshot(), before);
    let out = run(&env, &["gc", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("removed temp file "), "{}", stdout(&out));
    assert!(!env.home().join("keys/.tmp-stale").exists());
}

#[test]
fn no_arguments_through_a_pipe_prints_nothing_and_serves() {
    let env = initialized();
    let (reply, logs) = serve_malformed(&env, &[], None);
    assert!(reply.contains("-32700"), "it serves MCP: {reply}");
    assert_eq!(logs, "", "MCP clients launch it this way: no hint");
}

#[test]
fn status_shows_a_file_that_does_not_parse_as_an_error_row_and_says_why_on_stderr() {
    let env = initialized();
    env.write_file(".cursor/mcp.json", "{ not json");
    let out = run(&env, &["status"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let row: Vec<String> = stdout(&out)
        .lines()
        .find(|l| l.starts_with("cursor "))
        .expect("a row")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(row, ["cursor", "error", "-", "-", "-", "~/.cursor/mcp.json"]);
    let why = stderr(&out);
    assert!(why.starts_with("warning: ") && why.contains(".cursor/mcp.json"), "{why}");
    assert!(why.contains("line 1"), "the parse error says where: {why}");
}
