//! OSC 8 hyperlinks on the terminal: after a frame, the cells of each URL
//! in view are written again between the escapes that make them clickable.
//! The escapes are chatty's own, made from what is drawn; one that came
//! from the network was stripped with every other control character.

use std::io::{self, Write};

use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Position;

use super::ui::hyperlinks::Hyperlink;

/// The escape that starts a hyperlink to `url`; bytes outside printable
/// ASCII are percent-encoded, as OSC 8 wants, so nothing can end it early.
pub fn open(url: &str) -> String {
    let mut escape = String::from("\x1b]8;;");
    for byte in url.bytes() {
        if (0x21..0x7f).contains(&byte) {
            escape.push(char::from(byte));
        } else {
            escape.push_str(&format!("%{byte:02X}"));
        }
    }
    escape.push_str("\x1b\\");
    escape
}

/// The escape that ends a hyperlink.
pub const CLOSE: &str = "\x1b]8;;\x1b\\";

/// Whether the terminal named by `$TERM` may show OSC 8 or at least ignores
/// it (the Linux console and dumb terminals may print it).
pub fn supported(term: Option<&str>) -> bool {
    !matches!(term, None | Some("" | "dumb" | "linux"))
}

/// Hyperlinks written on the terminal, and the cells they were written
/// over: when either changes, ratatui's own writes have dropped the links.
#[derive(Debug, Default, PartialEq)]
pub struct Linked {
    links: Vec<Hyperlink>,
    cells: Vec<Cell>,
    /// The screen was written whole since: write every link again.
    stale: bool,
}

impl Linked {
    /// Writes `links` again unless they and their cells are as last time.
    pub fn update<B>(
        &mut self,
        backend: &mut B,
        shown: &Buffer,
        links: Vec<Hyperlink>,
        cursor: Option<Position>,
    ) -> io::Result<()>
    where
        B: Backend<Error = io::Error> + Write,
    {
        let cells = links
            .iter()
            .flat_map(|link| &link.runs)
            .flat_map(|run| (run.at.x..run.at.x.saturating_add(run.width)).map(|x| (x, run.at.y)))
            .filter_map(|(x, y)| shown.cell(Position::new(x, y)).cloned())
            .collect();
        let next = Linked {
            links,
            cells,
            stale: false,
        };
        if *self == next {
            return Ok(());
        }
        write(backend, shown, &next.links, cursor)?;
        *self = next;
        Ok(())
    }

    /// The screen was written whole: the next update writes every link.
    pub fn forget(&mut self) {
        self.stale = true;
    }
}

/// Writes the cells of `links` from `shown` again, each run inside the
/// escapes, then puts the cursor back.
pub fn write<B>(
    backend: &mut B,
    shown: &Buffer,
    links: &[Hyperlink],
    cursor: Option<Position>,
) -> io::Result<()>
where
    B: Backend<Error = io::Error> + Write,
{
    for link in links {
        let open = open(&link.url);
        for run in &link.runs {
            let cells = (run.at.x..run.at.x.saturating_add(run.width)).filter_map(|x| {
                shown
                    .cell(Position::new(x, run.at.y))
                    .map(|cell| (x, run.at.y, cell))
            });
            backend.write_all(open.as_bytes())?;
            backend.draw(cells)?;
            backend.write_all(CLOSE.as_bytes())?;
        }
    }
    if let Some(cursor) = cursor {
        backend.set_cursor_position(cursor)?;
    }
    Backend::flush(backend)
}

#[cfg(test)]
mod tests {
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::style::{Modifier, Style};

    use super::*;
    use crate::client::ui::hyperlinks::Run;

    #[test]
    fn the_escape_cannot_be_ended_by_the_url() {
        assert_eq!(
            open("https://x.io/a b\x1b\\é"),
            "\x1b]8;;https://x.io/a%20b%1B\\%C3%A9\x1b\\"
        );
        assert!(supported(Some("xterm-256color")));
        assert!(supported(Some("tmux-256color")));
        assert!(!supported(Some("linux")));
        assert!(!supported(None));
    }

    #[test]
    fn links_are_written_again_only_when_they_or_their_cells_change() {
        let mut shown = Buffer::empty(Rect::new(0, 0, 20, 1));
        shown.set_string(0, 0, "http://a.io", Style::default());
        let link = || Hyperlink {
            url: "http://a.io".to_owned(),
            runs: vec![Run {
                at: Position::new(0, 0),
                width: 11,
            }],
        };
        let mut linked = Linked::default();
        let written = |linked: &mut Linked, shown: &Buffer| {
            let mut bytes = Vec::new();
            let mut backend = CrosstermBackend::new(&mut bytes);
            linked
                .update(&mut backend, shown, vec![link()], None)
                .expect("written");
            !bytes.is_empty()
        };
        assert!(written(&mut linked, &shown), "the first time");
        assert!(!written(&mut linked, &shown), "nothing changed");
        shown.set_string(
            0,
            0,
            "http://a.io",
            Style::default().add_modifier(Modifier::REVERSED),
        );
        assert!(written(&mut linked, &shown), "ratatui drew over the cells");
        linked.forget();
        assert!(written(&mut linked, &shown), "the screen was cleared");
    }

    #[test]
    fn the_cells_are_written_again_inside_the_escapes() {
        let mut shown = Buffer::empty(Rect::new(0, 0, 20, 2));
        shown.set_string(
            2,
            1,
            "http://a.io",
            Style::default().add_modifier(Modifier::UNDERLINED),
        );
        let link = Hyperlink {
            url: "http://a.io".to_owned(),
            runs: vec![Run {
                at: Position::new(2, 1),
                width: 11,
            }],
        };
        let mut bytes = Vec::new();
        let mut backend = CrosstermBackend::new(&mut bytes);
        write(&mut backend, &shown, &[link], Some(Position::new(0, 0))).expect("written");
        let out = String::from_utf8_lossy(&bytes).into_owned();
        let start = out.find("\x1b]8;;http://a.io\x1b\\").expect("opened");
        let end = out.rfind(CLOSE).expect("closed");
        let inside = &out[start + "\x1b]8;;http://a.io\x1b\\".len()..end];
        assert!(inside.contains("http://a.io"), "{out:?}");
        // Moved to the run, then back to the cursor.
        assert!(out.contains("\x1b[2;3H"), "{out:?}");
        assert!(out.ends_with("\x1b[1;1H"), "{out:?}");
    }
}
