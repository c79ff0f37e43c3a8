//! The record protection of one direction, whichever kind the suite uses:
//! an AEAD ([`cipher`](crate::record::cipher), RFC 5246 §6.2.3.3) or, with
//! the `legacy` feature, a block cipher in CBC mode with HMAC
//! ([`cbc`](crate::record::cbc), RFC 5246 §6.2.3.2 and RFC 7366).
//!
//! A plain enum over the two, so the record layer holds one type and the
//! dispatch is a match, not a trait object.

use alloc::vec::Vec;

#[cfg(feature = "legacy")]
use crate::record::cbc::{CbcDecrypter, CbcEncrypter};
use crate::record::cipher::{AeadDecrypter, AeadEncrypter, TAG_LEN};

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;

/// Protects outgoing records under one write key.
#[derive(Debug)]
pub enum Encrypter {
    /// AES-GCM or ChaCha20-Poly1305.
    Aead(AeadEncrypter),
    /// AES-CBC with HMAC, MAC-then-encrypt or encrypt-then-MAC.
    #[cfg(feature = "legacy")]
    Cbc(CbcEncrypter),
}

impl Encrypter {
    /// Appends one protected record of `plaintext` (at most 2^14 bytes) to
    /// `out`; on error `out` is left as it was.
    pub fn seal_record(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match self {
            Encrypter::Aead(e) => e.seal_record(typ, plaintext, out),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.seal_record(typ, plaintext, out),
        }
    }

    /// Seals a record laid out in the caller's buffer: `len` bytes of
    /// plaintext at `record[prefix_len()..]`, with room for
    /// [`max_suffix_len`](Self::max_suffix_len) bytes after them. Returns
    /// the record's length.
    pub fn seal_in_place(
        &mut self,
        typ: ContentType,
        record: &mut [u8],
        len: usize,
    ) -> Result<usize, Error> {
        match self {
            Encrypter::Aead(e) => e.seal_in_place(typ, record, len),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.seal_in_place(typ, record, len),
        }
    }

    /// Bytes in front of the plaintext: the header and the explicit nonce
    /// or IV.
    pub fn prefix_len(&self) -> usize {
        match self {
            Encrypter::Aead(e) => e.prefix_len(),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.prefix_len(),
        }
    }

    /// Most bytes after the plaintext: the AEAD tag, or a CBC record's MAC
    /// and padding.
    pub fn max_suffix_len(&self) -> usize {
        match self {
            Encrypter::Aead(_) => TAG_LEN,
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.max_suffix_len(),
        }
    }

    /// The sequence number the next record takes, under an AEAD key (for
    /// [`crate::secrets`]). CBC keys are never handed to another record
    /// layer and the connection refuses before asking, so a CBC encrypter
    /// answers `Error::Internal`.
    pub fn aead_next_seq(&self) -> Result<u64, Error> {
        match self {
            Encrypter::Aead(e) => e.next_seq(),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(_) => Err(Error::Internal("no AEAD sequence number under CBC")),
        }
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        match self {
            Encrypter::Aead(e) => e.set_seq(seq),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.set_seq(seq),
        }
    }

    /// Bytes one record of `plaintext_len` bytes takes on the wire.
    #[cfg(test)]
    pub(crate) fn record_len(&self, plaintext_len: usize) -> usize {
        match self {
            Encrypter::Aead(e) => e.record_len(plaintext_len),
            #[cfg(feature = "legacy")]
            Encrypter::Cbc(e) => e.record_len(plaintext_len),
        }
    }
}

/// Opens incoming records under one read key.
#[derive(Debug)]
pub enum Decrypter {
    /// AES-GCM or ChaCha20-Poly1305.
    Aead(AeadDecrypter),
    /// AES-CBC with HMAC, MAC-then-encrypt or encrypt-then-MAC.
    #[cfg(feature = "legacy")]
    Cbc(CbcDecrypter),
}

impl Decrypter {
    /// Authenticates and decrypts a record's payload (everything after the
    /// header) in place; the plaintext is a sub-slice of `payload`. Every
    /// authentication or padding failure is `BadRecordMac`, whatever its
    /// cause (RFC 5246 §6.2.3.2, §6.2.3.3).
    pub fn open_in_place<'a>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        match self {
            Decrypter::Aead(d) => d.open_in_place(typ, version, payload),
            #[cfg(feature = "legacy")]
            Decrypter::Cbc(d) => d.open_in_place(typ, version, payload),
        }
    }

    /// The sequence number the next record must carry, under an AEAD key;
    /// `Error::Internal` under CBC, as for [`Encrypter::aead_next_seq`].
    pub fn aead_next_seq(&self) -> Result<u64, Error> {
        match self {
            Decrypter::Aead(d) => d.next_seq(),
            #[cfg(feature = "legacy")]
            Decrypter::Cbc(_) => Err(Error::Internal("no AEAD sequence number under CBC")),
        }
    }
}
