//! # sanstls — a sans-I/O TLS 1.2 protocol library
//!
//! The crate is a pure state machine: the caller hands it bytes it received
//! and takes from it bytes to send. It performs no I/O, spawns no threads,
//! reads no clock and holds no global state; randomness and time come in from
//! the caller.
//!
//! Data flows one way through the layers:
//!
//! ```text
//! bytes in → record (deframe, decrypt in place) → dispatch by content type
//!          → handshake codec → client|server state → actions
//!          → record (encrypt, frame) → bytes out
//! ```
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
