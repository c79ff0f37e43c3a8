//! Cryptography over ring: the TLS 1.2 PRF and key schedule, the transcript
//! hash, ECDHE key agreement and handshake signatures; with the `legacy`
//! feature, finite-field DHE over crypto-bigint (ring has no big-number
//! arithmetic of its own to offer).

#[cfg(feature = "legacy")]
pub mod ffdhe;
pub mod key_schedule;
pub mod kx;
pub mod prf;
pub mod sign;
pub mod transcript;
