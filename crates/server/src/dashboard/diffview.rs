//! The core's unified diff text (already redacted by the core) shown two ways: unified, line
//! by line, and side by side. Nothing is compared here: the side-by-side view only lays the
//! unified diff's hunks out in two columns (removed lines on the left paired with the added
//! lines that follow them on the right, context on both).

use maud::{Markup, html};

/// One line of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line<'a> {
    /// `---`/`+++` file headers.
    File(&'a str),
    /// `@@ -a,b +c,d @@`, with the first old and new line numbers.
    Hunk(&'a str, usize, usize),
    Context(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

fn hunk_start(header: &str, sign: char) -> usize {
    header
        .split_whitespace()
        .find_map(|part| part.strip_prefix(sign))
        .and_then(|range| range.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn parse(diff: &str) -> Vec<Line<'_>> {
    diff.lines()
        .map(|line| {
            if line.starts_with("--- ") || line.starts_with("+++ ") {
                Line::File(line)
            } else if line.starts_with("@@") {
                Line::Hunk(line, hunk_start(line, '-'), hunk_start(line, '+'))
            } else if let Some(rest) = line.strip_prefix('-') {
                Line::Removed(rest)
            } else if let Some(rest) = line.strip_prefix('+') {
                Line::Added(rest)
            } else {
                Line::Context(line.strip_prefix(' ').unwrap_or(line))
            }
        })
        .collect()
}

/// One row of the side-by-side view: (old line number, old text), (new line number, new text).
type SideRow<'a> = (Option<(usize, &'a str)>, Option<(usize, &'a str)>);

fn side_by_side<'a>(lines: &[Line<'a>]) -> Vec<Result<SideRow<'a>, &'a str>> {
    let mut rows = Vec::new();
    let (mut old_no, mut new_no) = (1, 1);
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::File(_) => i += 1,
            Line::Hunk(text, a, b) => {
                (old_no, new_no) = (*a, *b);
                rows.push(Err(*text));
                i += 1;
            }
            Line::Context(text) => {
                rows.push(Ok((Some((old_no, *text)), Some((new_no, *text)))));
                old_no += 1;
                new_no += 1;
                i += 1;
            }
            Line::Removed(_) | Line::Added(_) => {
                let mut removed = Vec::new();
                while let Some(Line::Removed(text)) = lines.get(i) {
                    removed.push(*text);
                    i += 1;
                }
                let mut added = Vec::new();
                while let Some(Line::Added(text)) = lines.get(i) {
                    added.push(*text);
                    i += 1;
                }
                for n in 0..removed.len().max(added.len()) {
                    let left = removed.get(n).map(|t| (old_no + n, *t));
                    let right = added.get(n).map(|t| (new_no + n, *t));
                    rows.push(Ok((left, right)));
                }
                old_no += removed.len();
                new_no += added.len();
            }
        }
    }
    rows
}

/// The diff in both views (the script shows one at a time; without it both are shown).
/// `before`/`after` name the two sides.
pub fn render(diff: &str, before: &str, after: &str) -> Markup {
    let lines = parse(diff);
    if diff.trim().is_empty() {
        return html! { p.notice.good { "No difference: the bytes would stay as they are." } };
    }
    html! {
        div.diff data-diff {
            div.diff-toggle role="group" aria-label="Diff layout" hidden {
                button type="button" data-view="unified" aria-pressed="true" { "Unified" }
                button type="button" data-view="split" aria-pressed="false" { "Side by side" }
            }
            section.diff-unified aria-label="Unified diff" {
                pre.code.diff-lines tabindex="0" {
                    @for line in &lines {
                        @match line {
                            Line::File(t) => { span.d-file { (t) } }
                            Line::Hunk(t, _, _) => { span.d-hunk { (t) } }
                            Line::Context(t) => { span.d-ctx { " " (t) } }
                            Line::Removed(t) => { span.d-del { "-" (t) } }
                            Line::Added(t) => { span.d-add { "+" (t) } }
                        }
                    }
                }
            }
            section.diff-split aria-label="Side-by-side diff" {
                div.table-wrap tabindex="0" {
                    table.split {
                        caption.visually-hidden { "Side-by-side diff: " (before) " on the left, " (after) " on the right" }
                        thead { tr {
                            th scope="col" { span.visually-hidden { "Line in " (before) } }
                            th scope="col" { (before) }
                            th scope="col" { span.visually-hidden { "Line in " (after) } }
                            th scope="col" { (after) }
                        } }
                        tbody {
                            @for row in side_by_side(&lines) {
                                @match row {
                                    Err(hunk) => { tr.d-hunk { td colspan="4" { (hunk) } } }
                                    Ok((left, right)) => {
                                        @let changed = left.map(|l| l.1) != right.map(|r| r.1);
                                        tr {
                                            @match left {
                                                Some((n, t)) => { td.ln { (n) } td class=(if changed { "d-del" } else { "d-ctx" }) { (t) } }
                                                None => { td.ln {} td.d-none {} }
                                            }
                                            @match right {
                                                Some((n, t)) => { td.ln { (n) } td class=(if changed { "d-add" } else { "d-ctx" }) { (t) } }
                                                None => { td.ln {} td.d-none {} }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_lines_pair_with_the_added_lines_after_them() {
        let diff = "--- a/f\n+++ b/f\n@@ -2,3 +2,4 @@\n keep\n-old\n+new\n+more\n tail\n";
        let rows = side_by_side(&parse(diff));
        assert_eq!(rows[0], Err("@@ -2,3 +2,4 @@"));
        assert_eq!(rows[1], Ok((Some((2, "keep")), Some((2, "keep")))));
        assert_eq!(rows[2], Ok((Some((3, "old")), Some((3, "new")))));
        assert_eq!(rows[3], Ok((None, Some((4, "more")))));
        assert_eq!(rows[4], Ok((Some((4, "tail")), Some((5, "tail")))));
    }

    #[test]
    fn an_empty_diff_says_so() {
        assert!(render("", "a", "b").into_string().contains("No difference"));
    }
}
