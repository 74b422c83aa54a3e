//! The config file, `$XDG_CONFIG_HOME/chatty/config.toml` (by default
//! `~/.config/chatty/config.toml`; `--config PATH` names another): defaults
//! for every `chatty join` flag, and a few looks. Flags win over it. A bad
//! file is refused whole, with its line number, before the terminal is
//! touched; a missing default file is no error.
//!
//! ```toml
//! name = "alice"
//! addr = "chat.example.org:8000"
//! notify = "mentions"      # off, mentions, private, all
//! log_dir = "~/chatty-logs"
//! timestamps = true
//! users_pane = true
//! users_width = 20
//! hyperlinks = true        # URLs as OSC 8 links
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::prefs::Notify;

/// What the file may say. Unknown keys are errors (a typo must not pass
/// in silence).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub name: Option<Spanned<String>>,
    pub addr: Option<Spanned<String>>,
    pub notify: Option<Notify>,
    pub bell: Option<bool>,
    pub join_wait: Option<Spanned<String>>,
    pub log_dir: Option<PathBuf>,
    pub plain: Option<bool>,
    pub timestamps: Option<bool>,
    pub users_pane: Option<bool>,
    pub users_width: Option<u16>,
    pub hyperlinks: Option<bool>,
}

/// A config file read: its contents and where it came from, for errors.
#[derive(Debug, Default)]
pub struct Loaded {
    pub file: FileConfig,
    path: PathBuf,
    text: String,
}

/// The default path: `$XDG_CONFIG_HOME/chatty/config.toml`, or under
/// `~/.config` when that is unset (or not absolute, as XDG says).
pub fn default_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let xdg = etcetera::base_strategy::Xdg::new().ok()?;
    Some(xdg.config_dir().join("chatty").join("config.toml"))
}

/// Reads `explicit` (which must exist) or the default file (which may
/// not); the error is one line naming the file and the line.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, String> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => match default_path() {
            Some(path) if path.exists() => path,
            _ => return Ok(Loaded::default()),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read the config file {}: {err}", path.display()))?;
    parse(path, text)
}

/// Parses `text`, read from `path`.
pub fn parse(path: PathBuf, text: String) -> Result<Loaded, String> {
    match toml::from_str::<FileConfig>(&text) {
        Ok(file) => Ok(Loaded { file, path, text }),
        Err(err) => {
            let loaded = Loaded {
                file: FileConfig::default(),
                path,
                text,
            };
            Err(loaded.error(err.span(), err.message()))
        }
    }
}

impl Loaded {
    /// `PATH line N: message`.
    pub fn error(&self, span: Option<Range<usize>>, message: &str) -> String {
        let line = span.map_or(1, |span| {
            let start = span.start.min(self.text.len());
            self.text.as_bytes()[..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        });
        let message = message.trim().replace('\n', " ");
        format!("{} line {line}: {message}", self.path.display())
    }

    /// Checks a spanned value with `parse`; errors point at its line.
    pub fn check<T>(
        &self,
        value: &Option<Spanned<String>>,
        what: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        let Some(value) = value else { return Ok(None) };
        parse(value.get_ref())
            .map(Some)
            .map_err(|err| self.error(Some(value.span()), &format!("invalid {what}: {err}")))
    }

    /// `log_dir`, with a leading `~/` meaning the home directory.
    pub fn log_dir(&self) -> Option<PathBuf> {
        let dir = self.file.log_dir.as_ref()?;
        match (dir.strip_prefix("~"), etcetera::home_dir()) {
            (Ok(rest), Ok(home)) => Some(home.join(rest)),
            _ => Some(dir.clone()),
        }
    }

    /// `join_wait`, checked.
    pub fn join_wait(&self) -> Result<Option<Duration>, String> {
        self.check(
            &self.file.join_wait,
            "join_wait",
            crate::cli::parse_positive_duration,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Loaded, String> {
        parse(PathBuf::from("config.toml"), text.to_owned())
    }

    #[test]
    fn every_key_is_read() {
        let loaded = parsed(
            "name = \"alice\"\naddr = \"127.0.0.1:9000\"\nnotify = \"all\"\nbell = true\n\
             join_wait = \"2s\"\nlog_dir = \"/tmp/logs\"\nplain = false\ntimestamps = false\n\
             users_pane = false\nusers_width = 18\nhyperlinks = false\n",
        )
        .expect("parses");
        let file = &loaded.file;
        assert_eq!(
            file.name.as_ref().map(|n| n.get_ref().as_str()),
            Some("alice")
        );
        assert_eq!(file.notify, Some(Notify::All));
        assert_eq!(file.users_width, Some(18));
        assert_eq!(file.hyperlinks, Some(false));
        assert_eq!(loaded.join_wait(), Ok(Some(Duration::from_secs(2))));
        assert_eq!(loaded.log_dir(), Some(PathBuf::from("/tmp/logs")));
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "name = \"alice\"\nnotify = \"loud\"\n",
                "config.toml line 2:",
            ),
            ("name = \"alice\"\n\ncolour = true\n", "config.toml line 3:"),
            (
                "name = \"alice\"\nusers_width = \"wide\"\n",
                "config.toml line 2:",
            ),
            ("name = alice\n", "config.toml line 1:"),
        ];
        for (text, start) in cases {
            let err = parsed(text).expect_err(text);
            assert!(err.starts_with(start), "{text:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let loaded = parsed("\n\njoin_wait = \"soon\"\n").expect("parses");
        let err = loaded.join_wait().expect_err("bad duration");
        assert!(
            err.starts_with("config.toml line 3: invalid join_wait"),
            "{err}"
        );
    }

    #[test]
    fn no_default_file_is_no_error() {
        let missing = Path::new("/nonexistent/chatty/config.toml");
        assert!(load(Some(missing)).is_err(), "a named file must exist");
    }
}
