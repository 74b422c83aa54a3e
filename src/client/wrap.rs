//! Wrapping styled text to a width in terminal cells.
//!
//! Counts display width (CJK and most emoji take two cells), never splits a
//! grapheme, prefers to break after a space, and never lets a line exceed
//! the width: a wide glyph that would cross the edge moves to the next row.

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
    let mut rows = Rows::new(width, indent);
    for span in spans {
        for text in span.content.graphemes(true) {
            rows.push(cell(text, span.style, width));
        }
    }
    rows.finish()
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
    /// Index in `current` of the last space a line may break after.
    space: Option<usize>,
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
            space: None,
            lead: 0,
        }
    }

    fn push(&mut self, cell: Cell<'a>) {
        if self.used + cell.width > self.width {
            self.break_line(cell.width);
            if cell.text == " " && self.current.len() == self.lead {
                return;
            }
        }
        if cell.text == " " {
            self.space = Some(self.current.len());
        }
        self.used += cell.width;
        self.current.push(cell);
    }

    /// Ends the current line so that a cell `next` wide fits on the new
    /// one: after the last space when what follows it fits there too,
    /// else right here; the indent goes when it would not leave room.
    fn break_line(&mut self, next: usize) {
        let carry_at = self.space.filter(|&at| at >= self.lead).map(|at| at + 1);
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
        self.space = None;
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
