//! The input line: a prompt, the text scrolled sideways so the cursor stays
//! visible, and the terminal cursor placed by display width.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::client::app::{App, Link};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let prompt = prompt(app);
    let (visible, _) = window(app.input.text(), app.input.cursor(), room(&prompt, area));
    let line = Line::from(vec![
        Span::styled(
            prompt,
            ratatui::style::Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(visible),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if let Some(position) = cursor(app, area) {
        frame.set_cursor_position(position);
    }
}

/// Where the terminal cursor goes for an input line drawn in `area`.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    if area.width == 0 || area.height == 0 {
        return None;
    }
    let prompt = prompt(app);
    let (_, column) = window(app.input.text(), app.input.cursor(), room(&prompt, area));
    let x = u16::try_from(prompt.width() + column)
        .unwrap_or(u16::MAX)
        .min(area.width.saturating_sub(1));
    Some(Position::new(area.x + x, area.y))
}

/// Cells left for the text after the prompt (and one for the cursor).
fn room(prompt: &str, area: Rect) -> usize {
    usize::from(area.width).saturating_sub(prompt.width() + 1)
}

/// The prompt: it also asks about a long paste and shows how far the
/// lines that wait have got.
fn prompt(app: &App) -> String {
    if let Some(lines) = &app.paste {
        return format!("paste {} lines? Enter sends, Esc cancels ", lines.len());
    }
    if let Some((sent, total)) = app.outbox.progress() {
        return format!("sending {sent}/{total}, Esc stops > ");
    }
    if !app.outbox.is_empty() {
        return format!("({} waiting) > ", app.outbox.len());
    }
    match app.link {
        Link::ChoosingName => "name> ".to_owned(),
        Link::Plain => "plain> ".to_owned(),
        _ => "> ".to_owned(),
    }
}

/// The part of `text` shown in `room` cells so that the cursor (a byte
/// offset) is visible, and the cursor's column within it.
pub fn window(text: &str, cursor: usize, room: usize) -> (String, usize) {
    let graphemes: Vec<(usize, &str)> = text.grapheme_indices(true).collect();
    let before: usize = graphemes
        .iter()
        .filter(|(i, _)| *i < cursor)
        .map(|(_, g)| g.width())
        .sum();
    let mut skip_width = 0;
    let mut first = 0;
    while before - skip_width > room && first < graphemes.len() {
        skip_width += graphemes[first].1.width();
        first += 1;
    }
    let mut shown = String::new();
    let mut used = 0;
    for (_, g) in &graphemes[first..] {
        if used + g.width() > room {
            break;
        }
        used += g.width();
        shown.push_str(g);
    }
    (shown, before - skip_width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_shown_whole() {
        assert_eq!(window("hello", 5, 10), ("hello".into(), 5));
        assert_eq!(window("hello", 2, 10), ("hello".into(), 2));
    }

    #[test]
    fn long_text_scrolls_to_keep_the_cursor() {
        let (shown, col) = window("abcdefghij", 10, 4);
        assert_eq!((shown.as_str(), col), ("ghij", 4));
        let (shown, col) = window("你好你好你好", 18, 5);
        assert!(col <= 5);
        assert!(shown.width() <= 5);
    }
}
