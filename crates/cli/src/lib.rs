//! The `mcp-orchestration` command: parses flags, resolves the home and the clock from the
//! environment (the only place that reads it), dispatches to one module per command, and maps
//! failures to the documented exit codes.

mod args;
mod args_lock;
mod args_one_list;
mod args_policy;
mod args_remote;
mod args_serve;
mod commands;
mod env;
pub mod output;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser as _;
use orchestrator::clock::{Clock, FixedClock, SystemClock};
use orchestrator::home::Home;
use orchestrator::{ErrorKind, Orchestrator};

pub use args::Cli;

/// What every command gets: the core and the output settings.
pub struct Context {
    /// The core bound to the resolved home and clock.
    pub core: Orchestrator,
    /// `--json` was given.
    pub json: bool,
}

/// The command-line definition (every command and flag), for tests and generated docs.
pub fn command() -> clap::Command {
    <args::Cli as clap::CommandFactory>::command()
}

/// Runs the program with these arguments (the first is the program name).
pub fn run<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    output::init(output_settings(&cli));
    init_logs(&cli);
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let code = exit_code_of(&err);
            output::error(&err);
            ExitCode::from(code)
        }
    }
}

/// How output is printed this run: `--color` (auto: a terminal, no NO_COLOR, TERM not dumb),
/// `-q`, and the terminal's width for tables.
fn output_settings(cli: &Cli) -> output::Settings {
    let colour = |is_terminal: bool| match cli.color {
        args::ColorWhen::Always => true,
        args::ColorWhen::Never => false,
        args::ColorWhen::Auto => is_terminal && !env::no_color() && !env::dumb_terminal(),
    };
    let stdout_terminal = output::stdout_is_terminal();
    output::Settings {
        stdout_colour: colour(stdout_terminal),
        stderr_colour: colour(output::stderr_is_terminal()),
        quiet: cli.quiet,
        stdout_width: if stdout_terminal { output::terminal_width() } else { None },
        user_home: env::user_home(),
    }
}

/// The log level: `-q` errors only, `-v` info, `-vv` debug, `-vvv` trace; without either,
/// MCP_ORCHESTRATION_DEBUG=1 (debug), else MCP_ORCHESTRATION_LOG_LEVEL, else warn.
fn log_level(cli: &Cli) -> String {
    match (cli.quiet, cli.verbose) {
        (true, _) => "error".to_owned(),
        (false, 1) => "info".to_owned(),
        (false, 2) => "debug".to_owned(),
        (false, 3..) => "trace".to_owned(),
        (false, 0) if env::var(env::DEBUG_VAR).as_deref() == Some("1") => "debug".to_owned(),
        (false, 0) => env::var(env::LOG_LEVEL_VAR).unwrap_or_else(|| "warn".to_owned()),
    }
}

fn init_logs(cli: &Cli) {
    let level = log_level(cli);
    // Colour only on a terminal, whatever --color says: hosts write a server's stderr into
    // their logs verbatim, and logs are read as files.
    use tracing_subscriber::prelude::*;
    let ansi = cli.color != args::ColorWhen::Never
        && !env::no_color()
        && !env::dumb_terminal()
        && output::stderr_is_terminal();
    let debug = level.contains("debug") || level.contains("trace");
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_filter(mcp_server::logs::ProtocolErrorFilter::new(debug))
        .with_filter(tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// The exit code of a failure: the core's documented kind, or 1.
fn exit_code_of(err: &anyhow::Error) -> u8 {
    if let Some(core) = err.downcast_ref::<orchestrator::Error>() {
        return core.kind().exit_code();
    }
    if let Some(fs) = err.downcast_ref::<orchestrator::fsutil::FsError>() {
        let kind = if fs.is_not_found() { ErrorKind::NotFound } else { ErrorKind::Other };
        return kind.exit_code();
    }
    if err.is::<output::UsageError>() {
        return ErrorKind::Usage.exit_code();
    }
    ErrorKind::Other.exit_code()
}

fn resolve_home(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = flag.or_else(|| env::var(env::HOME_VAR).map(PathBuf::from)) {
        return Ok(dir);
    }
    env::user_home().map(|h| h.join(".mcp-orchestration")).ok_or_else(|| {
        output::UsageError("no home directory: set HOME, MCP_ORCHESTRATION_HOME or pass --home DIR".into()).into()
    })
}

fn resolve_clock() -> anyhow::Result<Arc<dyn Clock>> {
    match env::var(env::NOW_VAR) {
        None => Ok(Arc::new(SystemClock)),
        Some(text) => {
            let now: jiff::Timestamp = text.parse().map_err(|e| {
                output::UsageError(format!(
                    "{} must be an RFC 3339 instant such as 2026-01-01T00:00:00Z: {e}",
                    env::NOW_VAR
                ))
            })?;
            Ok(Arc::new(FixedClock(now)))
        }
    }
}

/// Test-only pause points (`MCP_ORCHESTRATION_FAILPOINT=POINT:MARKER_FILE`), honoured only in
/// builds with the `failpoints` feature.
fn failpoints() -> anyhow::Result<orchestrator::deploy::failpoint::FailPoints> {
    use orchestrator::deploy::failpoint::{FailPoints, POINTS};
    let Some(spec) = env::var(env::FAILPOINT_VAR).filter(|_| cfg!(feature = "failpoints")) else {
        return Ok(FailPoints::none());
    };
    match spec.split_once(':') {
        Some((point, marker)) if POINTS.contains(&point) => {
            Ok(FailPoints::pause_at(point, std::path::Path::new(marker)))
        }
        _ => {
            Err(output::UsageError(format!("{} must be POINT:MARKER with POINT one of {POINTS:?}", env::FAILPOINT_VAR))
                .into())
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    // With no subcommand the program serves MCP over stdio, so a client can launch it directly;
    // a person who typed the bare name at a terminal is told what it is waiting for.
    if cli.command.is_none() && output::stdin_is_terminal() {
        output::say(
            "mcp-orchestration: waiting for MCP messages on stdin (an MCP server over stdio); run `mcp-orchestration --help` for the commands, Ctrl-D to quit",
        );
    }
    let command = cli.command.unwrap_or(args::Command::Serve(args::ServeArgs::default()));
    if let Some(code) = commands::without_home(&command) {
        return code;
    }
    let home = Home::new(resolve_home(cli.home)?);
    let core = Orchestrator::new(home, resolve_clock()?)
        .with_lock_timeout(Duration::from_secs(cli.lock_timeout))
        .with_environment(env::environment())
        .with_failpoints(failpoints()?)
        .with_bridge_program(env::bridge_program());
    let ctx = Context { core, json: cli.json };
    commands::run(&ctx, command)
}
