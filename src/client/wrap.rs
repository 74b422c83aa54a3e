//! Wrapping styled text to a width in terminal cells.
//!
//! Counts display width (CJK and most emoji take two cells), never splits a
//! grapheme, breaks where UAX #14 allows (after a space, between two
//! ideographs, ...) and never lets a line exceed the width: a wide glyph
//! that would cross the edge moves to the next row.

use std::collections::HashSet;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Stands in for a glyph wider than the whole line (only on absurdly
/// narrow panes).
const TOO_WIDE: &str = "?";

/// One grapheme cluster with its style and width.
#[derive(Clone, Copy)]
struct Cell<'a> {
    text: &'a str,
    style: Style,
    width: usize,
}

/// Wraps `spans` into lines at most `width` cells wide; continuation lines
/// start with `indent` spaces when that leaves room for text.
pub fn wrap(spans: &[Span<'_>], width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = if indent * 2 <= width { indent } else { 0 };
    let whole: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let breaks: HashSet<usize> = unicode_linebreak::linebreaks(&whole)
        .map(|(at, _)| before_command_slash(&whole, at))
        .collect();
    let mut rows = Rows::new(width, indent);
    let mut at = 0;
    for span in spans {
        for text in span.content.graphemes(true) {
            rows.push(cell(text, span.style, width), breaks.contains(&at));
            at += text.len();
        }
    }
    rows.finish()
}

/// UAX #14 breaks after a `/` and never before it; for a command word
/// (`try /help`) the break moves to before the `/`, so the word stays whole.
fn before_command_slash(whole: &str, at: usize) -> usize {
    match whole[..at].strip_suffix('/') {
        Some(rest) if rest.is_empty() || rest.ends_with(char::is_whitespace) => at - 1,
        _ => at,
    }
}

/// Display width of `text` in cells.
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

fn cell(text: &str, style: Style, max: usize) -> Cell<'_> {
    let width = text.width();
    if width > max {
        Cell {
            text: TOO_WIDE,
            style,
            width: 1,
        }
    } else {
        Cell { text, style, width }
    }
}

/// The line being filled and the lines done.
struct Rows<'a> {
    width: usize,
    indent: usize,
    done: Vec<Vec<Cell<'a>>>,
    current: Vec<Cell<'a>>,
    used: usize,
    /// Index in `current` of the last cell a new line may start with.
    brk: Option<usize>,
    /// Cells at the start of `current` that are indent, not text.
    lead: usize,
}

impl<'a> Rows<'a> {
    fn new(width: usize, indent: usize) -> Self {
        Rows {
            width,
            indent,
            done: Vec::new(),
            current: Vec::new(),
            used: 0,
            brk: None,
            lead: 0,
        }
    }

    /// Adds a cell; `breakable` when a line may start with it (UAX #14).
    fn push(&mut self, cell: Cell<'a>, breakable: bool) {
        if self.used + cell.width > self.width {
            self.break_line(cell.width, breakable);
            if cell.text == " " && self.current.len() == self.lead {
                return;
            }
        } else if breakable {
            self.brk = Some(self.current.len());
        }
        self.used += cell.width;
        self.current.push(cell);
    }

    /// Ends the current line so that a cell `next` wide fits on the new
    /// one: right here when a line may start with that cell, else at the
    /// last break opportunity when what follows it fits there too, else
    /// right here anyway; the indent goes when it would not leave room.
    fn break_line(&mut self, next: usize, here: bool) {
        let carry_at = if here {
            None
        } else {
            self.brk.filter(|&at| at > self.lead)
        };
        let carry_width: usize =
            carry_at.map_or(0, |at| self.current[at..].iter().map(|c| c.width).sum());
        let (carry, carry_width) = match carry_at {
            Some(at) if carry_width + next <= self.width => {
                (self.current.split_off(at), carry_width)
            }
            _ => (Vec::new(), 0),
        };
        let mut line = std::mem::take(&mut self.current);
        if line.len() > self.lead && line.last().is_some_and(|c| c.text == " ") {
            line.pop();
        }
        self.done.push(line);
        let indent = if self.indent + carry_width + next <= self.width {
            self.indent
        } else {
            0
        };
        self.start_continuation(indent, carry);
    }

    fn start_continuation(&mut self, indent: usize, carry: Vec<Cell<'a>>) {
        let pad = Cell {
            text: " ",
            style: Style::default(),
            width: 1,
        };
        self.current = vec![pad; indent];
        self.lead = indent;
        self.brk = None;
        self.current.extend(carry);
        self.used = self.current.iter().map(|c| c.width).sum();
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        if self.current.len() > self.lead || self.done.is_empty() {
            self.done.push(self.current);
        }
        self.done.into_iter().map(to_line).collect()
    }
}

/// Joins runs of cells with one style into spans.
fn to_line(cells: Vec<Cell<'_>>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = cells.first().map_or(Style::default(), |c| c.style);
    for cell in cells {
        if cell.style != style {
            spans.push(Span::styled(std::mem::take(&mut text), style));
            style = cell.style;
        }
        text.push_str(cell.text);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain(text: &str, width: usize, indent: usize) -> Vec<String> {
        wrap(&[Span::raw(text.to_owned())], width, indent)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn breaks_after_spaces() {
        assert_eq!(plain("hello big world", 10, 0), ["hello big", "world"]);
        assert_eq!(plain("hello big world", 10, 2), ["hello big", "  world"]);
    }

    #[test]
    fn cjk_breaks_between_ideographs_not_after_the_name() {
        assert_eq!(
            plain("bob: 你好世界你好世界", 12, 2),
            ["bob: 你好世", "  界你好世界"]
        );
        let spans = [
            Span::raw("bob"),
            Span::raw(": "),
            Span::raw("日本語のテキスト"),
        ];
        let rows = wrap(&spans, 10, 0);
        assert!(rows[0].to_string().starts_with("bob: 日本"), "{rows:?}");
    }

    #[test]
    fn command_words_stay_whole() {
        assert_eq!(plain("try /help now", 8, 0), ["try", "/help", "now"]);
    }

    #[test]
    fn long_words_break_hard() {
        assert_eq!(plain("abcdefghij", 4, 0), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn wide_glyph_never_crosses_the_edge() {
        assert_eq!(plain("ab你好", 3, 0), ["ab", "你", "好"]);
        assert_eq!(plain("x👍🏽👍🏽", 4, 0), ["x👍🏽", "👍🏽"]);
    }

    #[test]
    fn graphemes_stay_whole() {
        assert_eq!(
            plain("e\u{301}e\u{301}e\u{301}", 2, 0),
            ["e\u{301}e\u{301}", "e\u{301}"]
        );
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(plain("", 5, 0), [""]);
    }

    #[test]
    fn styles_survive() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = wrap(&[Span::styled("ab", bold), Span::raw("cd")], 3, 0);
        assert_eq!(lines[0].spans[0].style, bold);
        assert_eq!(lines[0].spans[1].content, "c");
        assert_eq!(lines[1].spans[0].content, "d");
    }

    /// Found by the property below: a wide glyph after an indent at a
    /// width of two once overflowed.
    #[test]
    fn wide_glyph_after_indent_at_width_two() {
        for line in wrap(&[Span::raw(" 豈")], 2, 1) {
            assert!(line.width() <= 2, "{line:?}");
        }
    }

    proptest! {
        #[test]
        fn never_wider_than_the_width(text in any::<String>(), w in 1usize..40, indent in 0usize..8) {
            for line in wrap(&[Span::raw(text.clone())], w, indent) {
                prop_assert!(line.width() <= w, "{:?} wider than {}", line, w);
            }
        }

        #[test]
        fn keeps_every_non_space_grapheme(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "bc", " ", "你", "👍🏽", "é", "e\u{301}", "👨‍👩‍👧"]),
                0..40,
            ),
            w in 2usize..20,
        ) {
            let text = pieces.concat();
            let kept: String = plain(&text, w, 0).concat().split_whitespace().collect();
            let want: String = text.split_whitespace().collect();
            prop_assert_eq!(kept, want);
        }
    }
}
