//! `chatty join`: the terminal client.

pub mod app;
pub mod classify;
pub mod clock;
pub mod event;
pub mod input;
pub mod ui;
pub mod update;
pub mod wrap;
