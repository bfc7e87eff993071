//! Output rules, in one place. What a command exists to show (a table, a document, a diff, or
//! `--json`) goes to **stdout**; notes, hints, warnings, progress, questions and errors go to
//! **stderr**. Colour only where the stream is a terminal (or with `--color always`), never
//! with `NO_COLOR` set (unless `--color always`); `-q` silences notes and hints but never
//! warnings, errors or questions. Error messages name what failed with their cause chain,
//! never a secret.
//!
//! Reusable pieces for commands: [`Table`] (aligned, a header row, fitted to the terminal's
//! width, plain when piped), [`Progress`] (a bar or spinner on a terminal's stderr, nothing
//! otherwise) and [`confirm`] (a y/N question on a terminal; `--yes` in scripts).

#![allow(clippy::print_stdout)]

use std::io::{BufRead, IsTerminal as _, Write};
use std::sync::OnceLock;
use std::time::Duration;

/// A usage problem found after clap parsed the arguments (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// How this run prints: decided once from `--color`, `NO_COLOR`, `-q` and the streams.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Colour on stdout.
    pub stdout_colour: bool,
    /// Colour on stderr.
    pub stderr_colour: bool,
    /// `-q`: no notes, hints or progress.
    pub quiet: bool,
    /// The terminal's width when stdout is one (tables are fitted to it), else none.
    pub stdout_width: Option<u16>,
    /// The user's home directory, shown as `~` in the paths of human tables.
    pub user_home: Option<std::path::PathBuf>,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets how this run prints (once, before any output; later calls are ignored).
pub fn init(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> &'static Settings {
    static DEFAULT: Settings =
        Settings { stdout_colour: false, stderr_colour: false, quiet: false, stdout_width: None, user_home: None };
    SETTINGS.get().unwrap_or(&DEFAULT)
}

/// A path for a human table: the user's home directory as `~` (`--json` keeps whole paths).
pub fn tilde(path: &str) -> String {
    match settings().user_home.as_ref().and_then(|home| std::path::Path::new(path).strip_prefix(home).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.to_owned(),
    }
}

/// Whether stdout is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether stderr is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether stdin is a terminal (a person can answer a question).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<u16> {
    // comfy-table asks the terminal only when stdout is one.
    comfy_table::Table::new().width().filter(|w| *w > 0)
}

/// What a piece of text means, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Fine: up to date, ok, verified.
    Good,
    /// Needs a look: outdated, warnings.
    Warn,
    /// Wrong: diverged, failed, errors.
    Bad,
    /// Secondary: ids, unmanaged, nothing to do.
    Dim,
    /// Emphasis: headers.
    Strong,
}

fn style(tone: Tone) -> anstyle::Style {
    use anstyle::{AnsiColor, Style};
    match tone {
        Tone::Good => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Tone::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Tone::Bad => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Tone::Dim => Style::new().dimmed(),
        Tone::Strong => Style::new().bold(),
    }
}

fn paint(text: &str, tone: Tone, colour: bool) -> String {
    if colour {
        let style = style(tone);
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

/// `text` coloured for stdout (plain when stdout gets no colour).
pub fn paint_stdout(text: &str, tone: Tone) -> String {
    paint(text, tone, settings().stdout_colour)
}

/// `text` coloured for stderr (plain when stderr gets no colour).
pub fn paint_stderr(text: &str, tone: Tone) -> String {
    paint(text, tone, settings().stderr_colour)
}

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

/// Prints a line of data on stdout.
pub fn line(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Prints a unified diff on stdout, its added and removed lines coloured on a terminal.
pub fn diff(text: &str) {
    if !settings().stdout_colour {
        return data(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let tone = if body.starts_with("+++") || body.starts_with("---") {
            Some(Tone::Strong)
        } else if body.starts_with('+') {
            Some(Tone::Good)
        } else if body.starts_with('-') {
            Some(Tone::Bad)
        } else if body.starts_with("@@") {
            Some(Tone::Dim)
        } else {
            None
        };
        match tone {
            Some(tone) => out.push_str(&paint(body, tone, true)),
            None => out.push_str(body),
        }
        out.push_str(end);
    }
    data(&out);
}

/// Prints a note or hint for people on stderr (silenced by `-q`).
pub fn say(text: &str) {
    if !settings().quiet {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Prints a warning on stderr (shown even with `-q`).
pub fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{} {text}", paint_stderr("warning:", Tone::Warn));
}

/// Prints an error and its causes on stderr (always shown).
pub fn error(err: &anyhow::Error) {
    let mut line = format!("{} {err}", paint_stderr("error:", Tone::Bad));
    for cause in err.chain().skip(1) {
        line.push_str(&format!("\n  caused by: {cause}"));
    }
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// One cell of a [`Table`]: text and, optionally, what it means (its colour on a terminal).
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    tone: Option<Tone>,
}

impl Cell {
    /// A cell coloured by its meaning on a terminal.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Cell { text: text.into(), tone: Some(tone) }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell { text: text.to_owned(), tone: None }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell { text, tone: None }
    }
}

/// An aligned table with a header row, printed on stdout: no borders, two spaces between
/// columns, fitted to the terminal's width (long cells wrap) on a terminal, one line per row
/// when piped (so `grep` sees whole rows), coloured only when stdout gets colour.
pub struct Table {
    table: comfy_table::Table,
    colour: bool,
}

fn comfy_colour(tone: Tone) -> (Option<comfy_table::Color>, Option<comfy_table::Attribute>) {
    use comfy_table::{Attribute, Color};
    match tone {
        Tone::Good => (Some(Color::Green), None),
        Tone::Warn => (Some(Color::Yellow), None),
        Tone::Bad => (Some(Color::Red), Some(Attribute::Bold)),
        Tone::Dim => (None, Some(Attribute::Dim)),
        Tone::Strong => (None, Some(Attribute::Bold)),
    }
}

impl Table {
    /// A table with these column headers.
    pub fn new(header: &[&str]) -> Self {
        let settings = settings();
        let mut table = comfy_table::Table::new();
        table.load_style(comfy_table::presets::NOTHING).force_no_tty().style_text_only();
        if settings.stdout_colour {
            table.enforce_styling();
        }
        match settings.stdout_width {
            Some(width) => {
                table.set_width(width).set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
            }
            None => {
                table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
            }
        }
        let mut this = Table { table, colour: settings.stdout_colour };
        let header: Vec<comfy_table::Cell> = header.iter().map(|h| this.cell(Cell::toned(*h, Tone::Strong))).collect();
        this.table.set_header(header);
        this
    }

    fn cell(&self, cell: Cell) -> comfy_table::Cell {
        let mut out = comfy_table::Cell::new(cell.text);
        if let (true, Some(tone)) = (self.colour, cell.tone) {
            let (fg, attribute) = comfy_colour(tone);
            if let Some(fg) = fg {
                out = out.fg(fg);
            }
            if let Some(attribute) = attribute {
                out = out.add_attribute(attribute);
            }
        }
        out
    }

    /// Adds a row.
    pub fn row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        let row: Vec<comfy_table::Cell> = cells.into_iter().map(|c| self.cell(c.into())).collect();
        self.table.add_row(row);
    }

    /// Keeps these columns (by index) whole on a terminal: only the others wrap.
    pub fn keep_whole(&mut self, columns: &[usize]) {
        for (i, column) in self.table.column_iter_mut().enumerate() {
            if columns.contains(&i) {
                column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
            }
        }
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.table.row_count() == 0
    }

    /// The table as text: each line without trailing spaces, ending in a newline.
    pub fn render(&mut self) -> String {
        // No borders: two spaces of padding on the right of each column but the last.
        let columns = self.table.column_count();
        for (i, column) in self.table.column_iter_mut().enumerate() {
            column.set_padding((0, if i + 1 == columns { 0 } else { 2 }));
        }
        let mut text = String::new();
        for line in self.table.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    /// Prints the table on stdout.
    pub fn print(mut self) {
        let text = self.render();
        data(&text);
    }
}

/// Progress of long work on stderr: a bar when the amount is known, else a spinner with the
/// elapsed time. Shown only when stderr is a terminal and `-q` was not given; otherwise every
/// call does nothing. Cleared when finished or dropped, so it leaves no line behind.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Starts showing `message`, with `total` steps when known.
    pub fn start(message: &str, total: Option<u64>) -> Self {
        Self::start_on(message, total, stderr_is_terminal() && !settings().quiet)
    }

    fn start_on(message: &str, total: Option<u64>, visible: bool) -> Self {
        if !visible {
            return Progress(None);
        }
        let target = indicatif::ProgressDrawTarget::stderr();
        let (bar, template) = match total {
            Some(total) => (
                indicatif::ProgressBar::with_draw_target(Some(total), target),
                "{msg} [{bar:30}] {pos}/{len} ({elapsed})",
            ),
            None => (indicatif::ProgressBar::with_draw_target(None, target), "{spinner} {msg} ({elapsed})"),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Whether anything is shown.
    pub fn is_visible(&self) -> bool {
        self.0.is_some()
    }

    /// One more step done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Changes the message (e.g. the item being worked on).
    pub fn set_message(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_owned());
        }
    }

    /// Clears the progress line.
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

/// The refusal of a confirmation that cannot be asked: no terminal and no `--yes` (exit 2).
pub fn refuse_without_terminal(action: &str) -> anyhow::Error {
    UsageError(format!("refusing to {action} without a terminal: pass --yes to do it without asking (scripts, CI)"))
        .into()
}

/// Asks "ACTION? [y/N]" on a terminal and reads the answer from it (default No). With `--yes`
/// (`yes`) returns true without asking; when stdin is not a terminal and `--yes` was not
/// given, refuses (a usage error, exit 2) naming the action and `--yes`. The question goes to
/// stderr, even with `-q`.
pub fn confirm(action: &str, yes: bool) -> anyhow::Result<bool> {
    confirm_with(action, yes, stdin_is_terminal(), &mut std::io::stdin().lock(), &mut std::io::stderr().lock())
}

/// [`confirm`] on given streams: `interactive` says whether `input` is a terminal.
pub fn confirm_with(
    action: &str,
    yes: bool,
    interactive: bool,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !interactive {
        return Err(refuse_without_terminal(action));
    }
    let _ = write!(prompt, "{action}? [y/N] ");
    let _ = prompt.flush();
    let mut answer = String::new();
    if input.read_line(&mut answer)? == 0 {
        // End of input (Ctrl-D): the default, on a line of its own.
        let _ = writeln!(prompt);
        return Ok(false);
    }
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(yes: bool, interactive: bool, typed: &str) -> (anyhow::Result<bool>, String) {
        let mut prompt = Vec::new();
        let answer = confirm_with("remove 3 files", yes, interactive, &mut typed.as_bytes(), &mut prompt);
        (answer, String::from_utf8(prompt).expect("utf8"))
    }

    #[test]
    fn yes_flag_answers_without_asking() {
        let (answer, prompt) = ask(true, false, "");
        assert!(answer.expect("no refusal"));
        assert_eq!(prompt, "");
    }

    #[test]
    fn answers_y_and_yes_accept_and_everything_else_declines() {
        for (typed, expected) in
            [("y\n", true), ("YES\n", true), (" yes \n", true), ("n\n", false), ("\n", false), ("maybe\n", false)]
        {
            let (answer, prompt) = ask(false, true, typed);
            assert_eq!(answer.expect("asked"), expected, "typed {typed:?}");
            assert_eq!(prompt, "remove 3 files? [y/N] ");
        }
    }

    #[test]
    fn end_of_input_declines() {
        let (answer, prompt) = ask(false, true, "");
        assert!(!answer.expect("asked"));
        assert_eq!(prompt, "remove 3 files? [y/N] \n");
    }

    #[test]
    fn no_terminal_without_yes_is_a_usage_error_naming_the_action_and_the_flag() {
        let (answer, prompt) = ask(false, false, "y\n");
        let err = answer.expect_err("refused");
        assert!(err.is::<UsageError>());
        assert_eq!(
            err.to_string(),
            "refusing to remove 3 files without a terminal: pass --yes to do it without asking (scripts, CI)"
        );
        assert_eq!(prompt, "", "nothing is asked");
    }

    #[test]
    fn a_table_is_aligned_with_a_header_and_no_trailing_spaces_when_piped() {
        let mut table = Table::new(&["CLIENT", "STATUS", "FILE"]);
        table.row(["cursor", "up-to-date", "/home/me/.cursor/mcp.json"]);
        table.row(["claude-desktop", "diverged", "/x"]);
        assert_eq!(
            table.render(),
            "CLIENT          STATUS      FILE\n\
             cursor          up-to-date  /home/me/.cursor/mcp.json\n\
             claude-desktop  diverged    /x\n"
        );
    }

    #[test]
    fn progress_off_a_terminal_shows_nothing() {
        let progress = Progress::start_on("verifying", Some(3), false);
        assert!(!progress.is_visible());
        progress.inc();
        progress.finish();
    }
}
