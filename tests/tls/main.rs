//! TLS end to end: chatty's TLS listener with a rustls client and with the
//! real `openssl s_client`, beside plain TCP clients in the same room; the
//! self-signed certificate kept across restarts; `--addr none`; and trust on
//! first use in the real `chatty join`.

#[path = "../support/mod.rs"]
mod support;

mod helpers;
mod server;
#[path = "../tmux/mod.rs"]
mod tmux;
mod tofu;
