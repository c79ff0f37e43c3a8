//! The sanstls example tools are this package's examples (`demo`, `server`,
//! `client`, `starttls`); `cargo run --example demo` from the repository's
//! root runs one. This library is empty: a package needs a target of its
//! own.
