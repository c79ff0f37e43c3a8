//! The record layer (RFC 5246 §6): finds record boundaries in the caller's
//! input, authenticates and decrypts records in place, and frames and seals
//! outgoing records straight into the caller's output.
//!
//! - [`deframer`]: header and length checks, before the body arrives;
//! - [`cipher`]: AEAD nonce and additional-data construction, in-place seal/open;
//! - [`layer`]: per-direction key state (`Plain → Prepared → Active`),
//!   fragmentation and the empty-record rules.

pub mod cipher;
pub mod deframer;
pub mod layer;
