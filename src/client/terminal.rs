//! The terminal guard: raw mode, alternate screen, bracketed paste, mouse
//! and focus reporting on entry; all of it undone (and the cursor shown) on drop and
//! on panic, so every exit path leaves a usable shell.
//!
//! It also draws frames. Ratatui writes only the cells that changed and
//! trusts unicode-width for how wide each glyph is; for graphemes of
//! several code points (flags, skin tones, ZWJ families) terminals and
//! multiplexers often disagree, and the cells ratatui skips keep ghost
//! glyphs. So a row whose content changes while it holds such a grapheme
//! (before or after) is cleared on the terminal and written whole.

use std::io::{self, Stdout, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::backend::{Backend, ClearType, CrosstermBackend};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Position;
use ratatui::{Frame, Terminal};

use super::osc8::Linked;
use super::ui::hyperlinks::Hyperlink;

/// The terminal in TUI mode; restored when dropped.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    /// The last frame drawn.
    shown: Buffer,
    /// The hyperlinks last written and their cells as drawn; `None` when
    /// hyperlinks are off.
    linked: Option<Linked>,
}

impl TerminalGuard {
    /// Switches the terminal to TUI mode and installs the panic hook.
    /// `hyperlinks`: URLs in view are made clickable with OSC 8.
    pub fn enter(hyperlinks: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        tui_mode()?;
        let terminal =
            Terminal::new(CrosstermBackend::new(io::stdout())).inspect_err(|_| restore())?;
        Ok(TerminalGuard {
            terminal,
            shown: Buffer::default(),
            linked: hyperlinks.then(Linked::default),
        })
    }

    /// Ctrl-Z: gives the terminal back, stops until `fg`, then takes it
    /// again and clears it so the next frame is drawn whole.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        super::signals::suspend()?;
        tui_mode()?;
        self.shown = Buffer::default();
        self.forget_links();
        self.terminal.clear()
    }

    /// Draws one frame with `render`, which returns where the cursor goes
    /// and the hyperlinks in view; those are written again as OSC 8 links
    /// whenever ratatui may have written over them.
    pub fn draw(
        &mut self,
        render: impl FnOnce(&mut Frame) -> (Option<Position>, Vec<Hyperlink>),
    ) -> io::Result<()> {
        let area = self.shown.area;
        let mut drawn = (None, Vec::new());
        let repainted = paint(&mut self.terminal, &mut self.shown, |frame| {
            drawn = render(frame);
            drawn.0
        })?;
        if area != self.shown.area || !repainted.is_empty() {
            self.forget_links();
        }
        let (cursor, links) = drawn;
        self.link(links, cursor)
    }

    fn link(&mut self, links: Vec<Hyperlink>, cursor: Option<Position>) -> io::Result<()> {
        match &mut self.linked {
            Some(linked) => linked.update(self.terminal.backend_mut(), &self.shown, links, cursor),
            None => Ok(()),
        }
    }

    /// The screen was written whole: the links must be written again.
    fn forget_links(&mut self) {
        if let Some(linked) = &mut self.linked {
            linked.forget();
        }
    }

    /// Writes bytes the frame does not hold (a notification's escapes).
    pub fn write_raw(&mut self, bytes: &str) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        out.write_all(bytes.as_bytes())?;
        Write::flush(out)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Draws a frame like `Terminal::draw`, except that the rows `to_repaint`
/// are cleared on the terminal and written whole. `shown` holds the last
/// frame drawn and is updated. Returns the rows written whole.
pub fn paint<B: Backend>(
    terminal: &mut Terminal<B>,
    shown: &mut Buffer,
    render: impl FnOnce(&mut Frame) -> Option<Position>,
) -> Result<Vec<u16>, B::Error> {
    terminal.autoresize()?;
    let mut frame = terminal.get_frame();
    let cursor = render(&mut frame);
    let next = frame.buffer_mut();
    let rows = to_repaint(shown, next);
    if !rows.is_empty() {
        // Flush this frame with those rows blank, so that ratatui's idea of
        // them is blank too; clear them for real; then write them whole.
        let full = next.clone();
        for &y in &rows {
            for x in next.area.left()..next.area.right() {
                next[(x, y)] = Cell::EMPTY;
            }
        }
        terminal.flush()?;
        terminal.swap_buffers();
        for &y in &rows {
            let backend = terminal.backend_mut();
            backend.set_cursor_position(Position::new(0, y))?;
            backend.clear_region(ClearType::UntilNewLine)?;
        }
        *terminal.current_buffer_mut() = full;
    }
    let done = terminal.apply_buffer_with_cursor(cursor)?;
    shown.clone_from(done.buffer);
    Ok(rows)
}

/// The rows of `next` that changed since `shown` while holding, before or
/// after, a grapheme of several code points. None after a resize: ratatui
/// clears the whole screen then.
fn to_repaint(shown: &Buffer, next: &Buffer) -> Vec<u16> {
    if shown.area != next.area {
        return Vec::new();
    }
    let width = usize::from(next.area.width).max(1);
    let rows = shown.content.chunks(width).zip(next.content.chunks(width));
    (next.area.top()..)
        .zip(rows)
        .filter(|(_, (old, new))| old != new && (old.iter().chain(*new).any(is_composite)))
        .map(|(y, _)| y)
        .collect()
}

/// A cell holding a grapheme of more than one code point.
fn is_composite(cell: &Cell) -> bool {
    cell.symbol().chars().nth(1).is_some()
}

/// Raw mode, alternate screen, bracketed paste and mouse reporting on;
/// all undone again if any step fails.
fn tui_mode() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableMouseCapture,
        EnableFocusChange
    )
    .inspect_err(|_| restore())
}

/// Undoes everything `enter` did; safe to call more than once.
pub fn restore() {
    let _ = execute!(
        io::stdout(),
        DisableFocusChange,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Restores the terminal before the default hook prints the panic, so the
/// message lands on a normal screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

#[cfg(test)]
mod tests;
