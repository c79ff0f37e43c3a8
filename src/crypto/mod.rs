//! Cryptography over ring: the TLS 1.2 PRF and key schedule, the transcript
//! hash, ECDHE key agreement and handshake signatures. With the `legacy`
//! feature, what ring lacks: RSA key transport and finite-field DHE, over
//! the constant-time big-number arithmetic of `crypto-bigint`.

#[cfg(feature = "legacy")]
pub mod ffdhe;
pub mod key_schedule;
pub mod kx;
pub mod prf;
#[cfg(feature = "legacy")]
pub mod rsa_kx;
pub mod sign;
pub mod transcript;
