//! A real terminal for CLI tests: [`Terminal`] runs the binary on a pseudo-terminal (expectrl),
//! so stdin, stdout and stderr are a terminal as they are for a person, and the test types and
//! reads like one. Used here for `gc`'s confirmation, colour on a terminal against none
//! through a pipe, and the bare invocation's hint.
//!
//! For another command's prompt (e.g. `sync`): `Terminal::spawn(&env, &["sync"], |_| {})`,
//! `expect("? [y/N] ")`, `send_line("y")` (or `"n"`), then `finish()` for the exit code and
//! the rest of the screen (stdout and stderr share the terminal).

use std::process::Command;
use std::time::Duration;

use expectrl::Expect as _;
use expectrl::process::unix::WaitStatus;
use mcp_testkit::TestEnv;

use super::common::BIN;

/// How long a test waits for text before failing.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The binary running on a pseudo-terminal.
pub struct Terminal {
    session: expectrl::session::OsSession,
    /// Everything read so far.
    seen: String,
}

/// Terminal text without the carriage returns the terminal adds to each line end.
fn plain(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\r', "")
}

impl Terminal {
    /// Starts `mcp-orchestration ARGS` in `env` on a terminal of 100 columns; `configure` may
    /// change the command (e.g. remove `NO_COLOR`, which `TestEnv` sets).
    pub fn spawn(env: &TestEnv, args: &[&str], configure: impl FnOnce(&mut Command)) -> Self {
        let mut command = env.std_command(BIN);
        command.args(args).env("TERM", "xterm-256color");
        configure(&mut command);
        let mut session = expectrl::Session::spawn(command).expect("spawn on a pseudo-terminal");
        let _ = session.get_process_mut().set_window_size(100, 40);
        session.set_expect_timeout(Some(TIMEOUT));
        Terminal { session, seen: String::new() }
    }

    /// Waits until `text` appears; returns what came before it and the text.
    pub fn expect(&mut self, text: &str) -> String {
        let found = self
            .session
            .expect(text)
            .unwrap_or_else(|e| panic!("waiting for {text:?} on the terminal: {e}; seen so far: {:?}", self.seen));
        let got = plain(found.before()) + &plain(found.as_bytes());
        self.seen.push_str(&got);
        got
    }

    /// Types a line (and Enter).
    pub fn send_line(&mut self, line: &str) {
        self.session.send_line(line).expect("type on the terminal");
    }

    /// Types Ctrl-D (end of input).
    pub fn send_eof(&mut self) {
        self.session.send(expectrl::ControlCode::EndOfTransmission).expect("type Ctrl-D");
    }

    /// Reads the rest of the output until the program exits; returns its exit code and all
    /// the text it showed (from the start).
    pub fn finish(mut self) -> (i32, String) {
        if let Ok(rest) = self.session.expect(expectrl::Eof) {
            self.seen.push_str(&plain(rest.before()));
            self.seen.push_str(&plain(rest.as_bytes()));
        }
        let status = self.session.get_process().wait().expect("wait for the program");
        let code = match status {
            WaitStatus::Exited(_, code) => code,
            other => panic!("the program did not exit normally: {other:?}; output: {}", self.seen),
        };
        (code, self.seen)
    }
}
