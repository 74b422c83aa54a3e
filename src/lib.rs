//! chatty: a terminal chat room in one binary, speaking a plain line
//! protocol that netcat users read as easily as programs do.
//!
//! Module map:
//! - [`bench`]: `chatty bench`: a load generator for any line-protocol chat
//!   server; throughput, latency, loss, order, memory and CPU.
//! - [`cli`]: command-line flags for every subcommand, defaults as named consts.
//! - [`protocol`]: the wire, shared by all sides: names, sanitizing, the line
//!   codec, client commands and typed server lines. No sockets.
//! - [`server`]: `chatty serve`: the listener, one task per connection
//!   (reader + writer), and the room actor that owns every member.
//! - [`client`]: `chatty join`: the terminal client, in the Elm shape (app
//!   model, events, a pure update, a pure draw) around a socket task.
//! - `fuzzing` (hidden): what the fuzz targets in `fuzz/` drive.

pub mod bench;
pub mod cli;
pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod protocol;
pub mod server;
