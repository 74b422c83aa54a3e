//! Colours and emphasis. With `NO_COLOR` every colour is dropped and only
//! modifiers (bold, dim, italic, reversed) and text markers remain.

use ratatui::style::{Color, Modifier, Style};

/// Name colours, picked by a hash of the name so each person keeps theirs.
/// Red is left out: it means errors.
const NAME_COLORS: [Color; 8] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::LightCyan,
    Color::LightGreen,
    Color::LightMagenta,
];

/// Styles for one frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Theme {
    pub no_color: bool,
}

impl Theme {
    /// A style with foreground `color`, unless colours are off.
    pub fn fg(self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    pub fn name(self, name: &str) -> Style {
        self.fg(name_color(name))
    }

    pub fn time(self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn notice(self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::ITALIC)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn note(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::ITALIC)
    }

    pub fn private(self) -> Style {
        self.fg(Color::LightMagenta)
    }

    pub fn status(self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Black).bg(Color::Gray)
        }
    }
}

/// A stable colour for `name` (FNV-1a over its lowercase form, so a change
/// of case keeps the colour).
pub fn name_color(name: &str) -> Color {
    let hash = name
        .to_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let index = usize::try_from(hash % NAME_COLORS.len() as u64).unwrap_or(0);
    NAME_COLORS[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_colours_are_stable_and_case_blind() {
        assert_eq!(name_color("alice"), name_color("Alice"));
        let all: std::collections::HashSet<_> = ["alice", "bob", "carol", "dave", "erin", "小明"]
            .iter()
            .map(|n| name_color(n))
            .collect();
        assert!(all.len() > 2, "names should spread over colours");
    }

    #[test]
    fn no_color_keeps_modifiers_only() {
        let theme = Theme { no_color: true };
        assert_eq!(theme.error(), Style::default().add_modifier(Modifier::BOLD));
        assert_eq!(theme.name("bob"), Style::default());
    }
}
