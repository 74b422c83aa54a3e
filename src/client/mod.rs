//! `chatty join`: the terminal client.

pub mod clock;
pub mod input;
pub mod wrap;
