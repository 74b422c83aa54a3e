//! The wire, shared by the server, the terminal client and the tests.
//!
//! Nothing here touches a socket: these are the pure rules of
//! `docs/protocol.md`, so every side classifies and renders lines the same way.

pub(crate) mod codec;
pub(crate) mod command;
pub(crate) mod duration;
pub(crate) mod name;
pub(crate) mod sanitize;
pub(crate) mod server_line;
pub(crate) mod tags;

pub use codec::{Frame, LineCodec};
pub use command::Command;
pub use name::{Name, NameError, NameKey, NameSkeleton};
pub use sanitize::{sanitize, sanitize_reason, shorten, strip_controls};
pub use server_line::{ByeReason, ServerLine};
pub use tags::{Seq, Stamp, Tagged, Tags, Timestamp};
