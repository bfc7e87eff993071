//! Output rules: data (and `--json`) on stdout, human text and errors on stderr, and error
//! messages that name what failed, with their cause chain, never a secret.

#![allow(clippy::print_stdout)]

use std::io::Write as _;

/// A usage problem found after clap parsed the arguments (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Prints a JSON value on stdout, pretty, with a final newline.
pub fn json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = writeln!(out, "{text}");
}

/// Prints a serializable value on stdout as [`json`] does, written straight through a buffer
/// rather than built as a `Value` and a string first (for outputs of any size: `verify --all`
/// of 100,000 versions writes 20 MB).
pub fn json_streamed<T: serde::Serialize + ?Sized>(value: &T) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
    let _ = out.flush();
}

/// Prints raw data on stdout.
pub fn data(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}

/// Prints a line for people on stderr.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Prints an error and its causes on stderr.
pub fn error(err: &anyhow::Error) {
    let mut line = format!("error: {err}");
    for cause in err.chain().skip(1) {
        line.push_str(&format!("\n  caused by: {cause}"));
    }
    say(&line);
}
