//! The record layer (RFC 5246 §6): finds record boundaries in the caller's
//! input, authenticates and decrypts records in place, and frames and seals
//! outgoing records straight into the caller's output.
//!
//! - [`deframer`]: header and length checks, before the body arrives;
//! - [`cipher`]: AEAD nonce and additional-data construction, in-place seal/open;
//! - `cbc` (feature `legacy`): CBC records with HMAC, MAC-then-encrypt with a
//!   constant-time padding and MAC check, or RFC 7366 encrypt-then-MAC;
//! - `cbc_mac` (feature `legacy`): the HMAC whose work does not depend on
//!   the secret length of the data it covers (the Lucky Thirteen defence);
//! - [`sequence`]: the sequence number and the header every record's
//!   MAC or additional data starts with;
//! - [`protection`]: the one type the layer holds per direction, AEAD or CBC;
//! - [`layer`]: per-direction key state (`Plain → Prepared → Active`),
//!   fragmentation and the empty-record rules.

#[cfg(feature = "legacy")]
pub mod cbc;
#[cfg(feature = "legacy")]
pub mod cbc_mac;
pub mod cipher;
pub mod copy;
pub mod deframer;
pub mod layer;
pub mod protection;
pub mod sequence;
