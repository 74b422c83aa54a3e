//! The person's preferences for all-day use: which lines notify, and a few
//! looks. They come from the flags and the config file (flags win) and
//! stay fixed while the client runs, except the users pane, which F2 and
//! Alt-U toggle.

use serde::Deserialize;

/// Which lines from others get a notification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Notify {
    /// None.
    Off,
    /// Lines that mention you, and private lines.
    #[default]
    Mentions,
    /// Private lines only.
    Private,
    /// Every message, action and private line from someone else.
    All,
}

/// Notifications and looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefs {
    pub notify: Notify,
    /// Show each line's time (`HH:MM`) before it.
    pub timestamps: bool,
    /// Whether the users pane is shown.
    pub show_users: bool,
    /// The users pane's width in columns; `None`: a fifth of the screen.
    pub users_width: Option<u16>,
    /// URLs are written as OSC 8 hyperlinks (where the terminal may take them).
    pub hyperlinks: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            notify: Notify::default(),
            timestamps: true,
            show_users: true,
            users_width: None,
            hyperlinks: true,
        }
    }
}
