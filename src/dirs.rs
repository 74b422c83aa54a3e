//! Where chatty keeps its files, as the XDG base directory spec says:
//! `$XDG_STATE_HOME/chatty` (default `~/.local/state/chatty`) for the
//! server's own certificate, `$XDG_DATA_HOME/chatty` (default
//! `~/.local/share/chatty`) for the client's pinned servers.

use std::path::PathBuf;

use anyhow::bail;

/// `$XDG_STATE_HOME/chatty`, or `~/.local/state/chatty`.
pub fn state_dir() -> anyhow::Result<PathBuf> {
    base_dir("XDG_STATE_HOME", ".local/state")
}

/// `$XDG_DATA_HOME/chatty`, or `~/.local/share/chatty`.
pub fn data_dir() -> anyhow::Result<PathBuf> {
    base_dir("XDG_DATA_HOME", ".local/share")
}

/// The spec ignores a relative or empty value of the variable.
fn base_dir(variable: &str, under_home: &str) -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(variable).map(PathBuf::from)
        && dir.is_absolute()
    {
        return Ok(dir.join("chatty"));
    }
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if home.is_absolute() => Ok(home.join(under_home).join("chatty")),
        _ => bail!("neither {variable} nor HOME is set to an absolute path"),
    }
}
