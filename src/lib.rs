// The crate documentation is the README: what sanstls is, its goals and
// non-goals, the suites, and a complete driving loop, which runs as a doc
// test so it cannot drift from the API.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
pub mod codec;
pub mod config;
mod connection;
pub mod crypto;
pub mod error;
pub mod event;
pub mod handshake;
pub mod io;
pub mod keylog;
pub mod limits;
pub mod message;
pub mod record;
pub mod resumption;
mod server;
mod state;
pub mod suites;
pub mod trace;
pub mod verify;

pub use config::{ClientConfig, ServerConfig};
pub use connection::{Connection, Input};
pub use error::{CertificateError, Error, InvalidMessage};
pub use event::{Event, Negotiated};
pub use rustls_pki_types as pki_types;
