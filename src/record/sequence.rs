//! The record sequence number (RFC 5246 §6.1) and the 13 bytes it heads in
//! every protected record's authentication: the MAC input of a CBC record
//! (§6.2.3.1) and the additional data of an AEAD record (§6.2.3.3) are the
//! same `seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2)`.
//!
//! Sequence numbers start at zero for every new key and may not wrap: the
//! record that would use the last value is refused rather than ever reuse a
//! nonce or a MAC input, so a connection ends with
//! [`Error::SequenceExhausted`] after 2^64 − 1 records.

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;

/// Length of the authenticated header: `seq ‖ type ‖ version ‖ length`.
pub const AUTH_HEADER_LEN: usize = 13;

/// One direction's sequence number under one key.
#[derive(Default)]
pub(crate) struct SequenceNumber(u64);

impl core::fmt::Debug for SequenceNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl SequenceNumber {
    /// The number for the next record, refusing the last value so the
    /// counter can never wrap (RFC 5246 §6.1).
    pub(crate) fn next(&self) -> Result<u64, Error> {
        if self.0 == u64::MAX {
            return Err(Error::SequenceExhausted);
        }
        Ok(self.0)
    }

    /// The record numbered `seq` (from [`next`](Self::next)) went through:
    /// the next one takes `seq + 1`. A record that fails leaves the number
    /// where it was.
    pub(crate) fn advance(&mut self, seq: u64) {
        self.0 = seq + 1;
    }

    #[cfg(test)]
    pub(crate) fn set(&mut self, seq: u64) {
        self.0 = seq;
    }
}

/// The authenticated header of a record of `len` bytes (the plaintext for
/// an AEAD and MAC-then-encrypt, IV and ciphertext for encrypt-then-MAC).
/// Callers bound `len` by a record's length, which fits in 16 bits.
pub fn auth_header(
    seq: u64,
    typ: ContentType,
    version: ProtocolVersion,
    len: usize,
) -> [u8; AUTH_HEADER_LEN] {
    let mut h = [0u8; AUTH_HEADER_LEN];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = typ.0;
    h[9..11].copy_from_slice(&version.0.to_be_bytes());
    h[11..].copy_from_slice(&(len as u16).to_be_bytes());
    h
}
