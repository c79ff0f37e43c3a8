//! Cryptography over ring: the TLS 1.2 PRF and key schedule, the transcript
//! hash, ECDHE key agreement and handshake signatures.

pub mod key_schedule;
pub mod kx;
pub mod prf;
pub mod sign;
pub mod transcript;
