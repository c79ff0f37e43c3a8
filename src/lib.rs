// The crate documentation is the README: what sanstls is, its goals and
// non-goals, the suites, and a complete driving loop, which runs as a doc
// test so it cannot drift from the API.
//
// The README links the repository's files (SECURITY.md, the licenses) by
// relative paths, which docs.rs would resolve against the docs' own address.
// Those links are reference-style, and the crate docs define the same labels
// first, as the pages of `documents`: the first definition of a label wins,
// so rustdoc follows these and the repository page the README's own.
// tests/readme_links.rs fails on a relative link left without one here.
//! [security]: crate::documents::security
//! [benchmarks]: crate::documents::benchmarks
//! [license]: crate::documents::license
//! [license-apache]: crate::documents::license::apache
//! [license-mit]: crate::documents::license::mit
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The protocol core needs no operating system: without the default `std`
// feature it builds on `core` + `alloc`, and the compiler refuses any use of
// `std` in it. (Unit tests always have std: the test harness needs it.)
#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

// The supported API: what a user drives a connection with and configures it
// by. Everything else is private; fuzz targets, benches and the crate's own
// integration tests reach the internals through `internals`, behind a
// feature that says it is unstable.
pub mod config;
pub mod documents;
pub mod enums;
pub mod error;
pub mod event;
#[cfg(feature = "std")]
pub mod io;
pub mod keylog;
pub mod limits;
pub mod resumption;
pub mod secrets;
#[cfg(feature = "std")]
pub mod split;
pub mod suites;
#[cfg(feature = "tokio")]
#[path = "tokio_io.rs"]
pub mod tokio;
pub mod trace;
pub mod verify;

mod client;
mod codec;
mod connection;
mod crypto;
mod handshake;
mod hex;
mod logging;
mod message;
#[cfg(feature = "std")]
mod pem_files;
mod record;
mod renegotiation;
mod server;
mod state;
#[cfg(feature = "fast-random")]
mod thread_random;

#[cfg(feature = "unstable-internals")]
#[doc(hidden)]
pub mod internals;

pub use config::{ClientConfig, ServerConfig};
#[cfg(feature = "std")]
pub use connection::SplitError;
pub use connection::{Connection, Input};
pub use error::{CertificateError, ConfigError, Error, InvalidMessage};
pub use event::{Event, Negotiated};
pub use rustls_pki_types as pki_types;
#[cfg(feature = "std")]
pub use split::{ReceiveHalf, SendHalf};
