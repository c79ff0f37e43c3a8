//! Record protection with an AEAD (RFC 5246 §6.2.3.3): nonce and additional
//! data construction, in-place sealing into the caller's output and in-place
//! opening inside the caller's input.
//!
//! Nonces, one rule for both families:
//!
//! - AES-GCM (RFC 5288 §3): `nonce = salt(4) ‖ nonce_explicit(8)`, where the
//!   salt is the key block's 4-byte "IV" and `nonce_explicit` travels in
//!   front of each record. We send the sequence number as the explicit part,
//!   which RFC 5288 §3 allows and which makes reuse impossible under one key.
//! - ChaCha20-Poly1305 (RFC 7905 §2): `nonce = iv(12) XOR (0^4 ‖ seq(8))`, with
//!   nothing explicit on the wire.
//!
//! Storing the GCM salt as `salt ‖ 0^8` makes "base IV XOR left-padded
//! sequence number" the sending nonce for both.
//!
//! Additional data (RFC 5246 §6.2.3.3):
//! `seq_num(8) ‖ type(1) ‖ version(2) ‖ plaintext length(2)`, and the
//! sequence numbers that never wrap: [`crate::record::sequence`].

use alloc::vec::Vec;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use zeroize::Zeroizing;

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;
use crate::limits::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};
use crate::record::sequence::{auth_header as aad, SequenceNumber};
use crate::suites::AeadKind;

/// Length of the AEAD tag of every suite we implement.
pub const TAG_LEN: usize = 16;

/// State shared by both directions: the key, the base IV and the sequence
/// number. The IV is zeroized on drop; ring keeps its expanded key schedule
/// private and gives no way to wipe it.
struct Keys {
    aead: AeadKind,
    key: LessSafeKey,
    /// `salt ‖ 0^8` for GCM, the full 12-byte IV for ChaCha20-Poly1305.
    iv: Zeroizing<[u8; NONCE_LEN]>,
    seq: SequenceNumber,
}

impl Keys {
    fn new(aead: AeadKind, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        if key.len() != aead.key_len() || iv.len() != aead.fixed_iv_len() {
            return Err(Error::Internal("record key or IV of the wrong length"));
        }
        let unbound = UnboundKey::new(aead.ring_algorithm(), key)
            .map_err(|_| Error::Internal("ring refused the record key"))?;
        let mut base = Zeroizing::new([0u8; NONCE_LEN]);
        base[..iv.len()].copy_from_slice(iv);
        Ok(Keys {
            aead,
            key: LessSafeKey::new(unbound),
            iv: base,
            seq: SequenceNumber::default(),
        })
    }

    /// Base IV XOR left-padded `seq` (see the module docs).
    fn nonce_for(&self, seq: u64) -> [u8; NONCE_LEN] {
        let mut n = *self.iv;
        for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }
}

/// Protects outgoing records under one write key.
pub struct AeadEncrypter {
    keys: Keys,
}

impl AeadEncrypter {
    /// A sealer for `aead` with the write key and fixed IV from the key block
    /// (RFC 5246 §6.3); its sequence number starts at zero. Wrong lengths
    /// are `Error::Internal`: the key block sizes them from the same
    /// `AeadKind`, so that would be a bug, never the peer's doing.
    pub fn new(aead: AeadKind, key: &[u8], iv: &[u8]) -> Result<AeadEncrypter, Error> {
        Keys::new(aead, key, iv).map(|keys| AeadEncrypter { keys })
    }

    /// Appends one protected TLS 1.2 record to `out`: header, explicit nonce
    /// (GCM only), ciphertext and tag. The plaintext is copied once, straight
    /// into its place in `out`, and sealed there.
    ///
    /// `plaintext` must be at most 2^14 bytes (the record layer fragments);
    /// longer is a bug and returns `Error::Internal`. On any error `out` is
    /// left as it was.
    pub fn seal_record(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::Internal("record plaintext longer than 2^14"));
        }
        // Lay the record out in `out` (header and nonce room, the plaintext
        // copied once, tag room) and seal it there.
        let start = out.len();
        let prefix = self.prefix_len();
        out.reserve(prefix + plaintext.len() + TAG_LEN);
        out.resize(start + prefix, 0);
        crate::record::copy::append(out, plaintext);
        out.resize(out.len() + TAG_LEN, 0);
        match self.seal_in_place(typ, &mut out[start..], plaintext.len()) {
            Ok(_) => Ok(()),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Seals a record laid out in place by the caller: `record[prefix..]`
    /// starts with `len` bytes of plaintext, where `prefix` is
    /// [`AeadEncrypter::prefix_len`]; the header and explicit nonce are written in
    /// front and the tag after it, with no copy of the plaintext. Returns the
    /// record's length. `record` must hold `prefix + len + TAG_LEN` bytes and
    /// `len` must be at most 2^14; otherwise `Error::Config`, and nothing is
    /// sealed.
    pub fn seal_in_place(
        &mut self,
        typ: ContentType,
        record: &mut [u8],
        len: usize,
    ) -> Result<usize, Error> {
        if len > MAX_PLAINTEXT_LEN {
            return Err(Error::config("in-place record longer than 2^14 bytes"));
        }
        let prefix = self.prefix_len();
        let total = prefix + len + TAG_LEN;
        let Some(record) = record.get_mut(..total) else {
            return Err(Error::config("in-place record buffer too small"));
        };
        let seq = self.keys.seq.next()?;
        let version = ProtocolVersion::TLSV1_2;
        let payload_len = (total - RECORD_HEADER_LEN) as u16;
        record[0] = typ.0;
        record[1..3].copy_from_slice(&version.0.to_be_bytes());
        record[3..5].copy_from_slice(&payload_len.to_be_bytes());
        if prefix > RECORD_HEADER_LEN {
            record[RECORD_HEADER_LEN..prefix].copy_from_slice(&seq.to_be_bytes());
        }
        let (body, tag_out) = record[prefix..].split_at_mut(len);
        let nonce = Nonce::assume_unique_for_key(self.keys.nonce_for(seq));
        let tag = self
            .keys
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad(seq, typ, version, len)), body)
            .map_err(|_| Error::Internal("AEAD seal failed"))?;
        tag_out.copy_from_slice(tag.as_ref());
        self.keys.seq.advance(seq);
        Ok(total)
    }

    /// The sequence number the next record takes;
    /// [`Error::SequenceExhausted`] when none can be sent any more.
    pub fn next_seq(&self) -> Result<u64, Error> {
        self.keys.seq.next()
    }

    /// Bytes in front of the plaintext in a record: header and explicit nonce.
    pub fn prefix_len(&self) -> usize {
        RECORD_HEADER_LEN + self.keys.aead.explicit_nonce_len()
    }

    /// Bytes one record of `plaintext_len` bytes takes on the wire.
    #[cfg(test)]
    pub(crate) fn record_len(&self, plaintext_len: usize) -> usize {
        RECORD_HEADER_LEN + self.keys.aead.overhead() + plaintext_len
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.keys.seq.set(seq);
    }
}

/// Opens incoming records under one read key.
pub struct AeadDecrypter {
    keys: Keys,
}

impl AeadDecrypter {
    /// An opener for `aead` with the peer's write key and fixed IV from the
    /// key block; its sequence number starts at zero. Wrong lengths are
    /// `Error::Internal`, as for [`AeadEncrypter::new`].
    pub fn new(aead: AeadKind, key: &[u8], iv: &[u8]) -> Result<AeadDecrypter, Error> {
        Keys::new(aead, key, iv).map(|keys| AeadDecrypter { keys })
    }

    /// Authenticates and decrypts a record's payload (everything after the
    /// 5-byte header) in place and returns the plaintext as a sub-slice of
    /// `payload`. `typ` and `version` are the record header's, as they enter
    /// the additional data.
    ///
    /// Errors: a payload too short to hold the explicit nonce and tag, or any
    /// authentication failure, is `BadRecordMac` (RFC 5246 §6.2.3.3 makes both
    /// the same alert, so an attacker learns nothing from which one it was).
    /// An authentic plaintext longer than 2^14 is `RecordOverflow`
    /// (RFC 5246 §6.2.1); it is checked after authentication so that it
    /// is only ever blamed on the real peer.
    pub fn open_in_place<'a>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        let seq = self.keys.seq.next()?;
        let explicit_len = self.keys.aead.explicit_nonce_len();
        let plain_len = payload
            .len()
            .checked_sub(explicit_len + TAG_LEN)
            .ok_or(Error::BadRecordMac)?;
        if plain_len > u16::MAX as usize {
            // Cannot be encoded in the AAD; no valid record is this long.
            return Err(Error::BadRecordMac);
        }

        let (explicit, body) = payload.split_at_mut(explicit_len);
        let mut nonce = self.keys.nonce_for(seq);
        if explicit_len > 0 {
            // RFC 5288 §3: the receiver uses the sender's explicit nonce.
            // `nonce_for` already put the salt in front.
            nonce[NONCE_LEN - explicit_len..].copy_from_slice(explicit);
        }

        let aad = aad(seq, typ, version, plain_len);
        let plain = self
            .keys
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), body)
            .map_err(|_| Error::BadRecordMac)?;
        if plain.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow { len: plain.len() });
        }
        self.keys.seq.advance(seq);
        Ok(plain)
    }

    /// The sequence number the next record must carry;
    /// [`Error::SequenceExhausted`] when none can be taken any more.
    pub fn next_seq(&self) -> Result<u64, Error> {
        self.keys.seq.next()
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.keys.seq.set(seq);
    }
}

impl core::fmt::Debug for AeadEncrypter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadEncrypter")
            .field("aead", &self.keys.aead)
            .field("seq", &self.keys.seq)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for AeadDecrypter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadDecrypter")
            .field("aead", &self.keys.aead)
            .field("seq", &self.keys.seq)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const ALL: [AeadKind; 3] = [
        AeadKind::Aes128Gcm,
        AeadKind::Aes256Gcm,
        AeadKind::Chacha20Poly1305,
    ];

    /// A matching sealer/opener pair with fixed test keys.
    pub(crate) fn pair(aead: AeadKind) -> (AeadEncrypter, AeadDecrypter) {
        let key = vec![0x42; aead.key_len()];
        let iv = vec![0x24; aead.fixed_iv_len()];
        (
            AeadEncrypter::new(aead, &key, &iv).unwrap(),
            AeadDecrypter::new(aead, &key, &iv).unwrap(),
        )
    }

    fn open<'a>(d: &mut AeadDecrypter, rec: &'a mut [u8]) -> Result<&'a mut [u8], Error> {
        let typ = ContentType(rec[0]);
        let version = ProtocolVersion(u16::from_be_bytes([rec[1], rec[2]]));
        d.open_in_place(typ, version, &mut rec[RECORD_HEADER_LEN..])
    }

    #[test]
    fn roundtrip_each_aead() {
        for aead in ALL {
            let (mut e, mut d) = pair(aead);
            for msg in [&b""[..], b"hello", &[7u8; MAX_PLAINTEXT_LEN][..]] {
                let mut out = vec![0xee]; // sealing appends after existing bytes
                e.seal_record(ContentType::APPLICATION_DATA, msg, &mut out)
                    .unwrap();
                assert_eq!(out.len(), 1 + e.record_len(msg.len()));
                let rec = &mut out[1..];
                assert_eq!(rec[..3], [23, 3, 3]);
                let len = u16::from_be_bytes([rec[3], rec[4]]) as usize;
                assert_eq!(len, rec.len() - RECORD_HEADER_LEN);
                assert_eq!(open(&mut d, rec).unwrap(), msg);
            }
        }
    }

    #[test]
    fn gcm_sends_sequence_as_explicit_nonce() {
        let (mut e, _) = pair(AeadKind::Aes128Gcm);
        let mut out = Vec::new();
        e.seal_record(ContentType::HANDSHAKE, b"a", &mut out)
            .unwrap();
        e.seal_record(ContentType::HANDSHAKE, b"b", &mut out)
            .unwrap();
        let second = &out[e.record_len(1)..];
        assert_eq!(second[5..13], 1u64.to_be_bytes());
    }

    #[test]
    fn tamper_is_bad_record_mac() {
        for aead in ALL {
            let (mut e, _) = pair(aead);
            let mut out = Vec::new();
            e.seal_record(ContentType::APPLICATION_DATA, b"secret", &mut out)
                .unwrap();
            for i in RECORD_HEADER_LEN..out.len() {
                let mut bad = out.clone();
                bad[i] ^= 1;
                let (_, mut d) = pair(aead);
                assert_eq!(open(&mut d, &mut bad), Err(Error::BadRecordMac));
            }
        }
    }

    #[test]
    fn wrong_aad_is_bad_record_mac() {
        for aead in ALL {
            let (mut e, _) = pair(aead);
            let mut out = Vec::new();
            e.seal_record(ContentType::APPLICATION_DATA, b"x", &mut out)
                .unwrap();
            let (_, mut d) = pair(aead);
            let p = &mut out.clone()[RECORD_HEADER_LEN..];
            assert_eq!(
                d.open_in_place(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, p),
                Err(Error::BadRecordMac)
            );
            let (_, mut d) = pair(aead);
            let p = &mut out.clone()[RECORD_HEADER_LEN..];
            assert_eq!(
                d.open_in_place(ContentType::APPLICATION_DATA, ProtocolVersion::TLSV1_0, p),
                Err(Error::BadRecordMac)
            );
            // Wrong sequence number: the record replayed out of order.
            let (_, mut d) = pair(aead);
            d.set_seq(1);
            assert_eq!(open(&mut d, &mut out), Err(Error::BadRecordMac));
        }
    }

    #[test]
    fn short_payload_is_bad_record_mac() {
        for aead in ALL {
            let (_, mut d) = pair(aead);
            for n in 0..aead.overhead() {
                let mut p = vec![0u8; n];
                assert_eq!(
                    d.open_in_place(ContentType::ALERT, ProtocolVersion::TLSV1_2, &mut p),
                    Err(Error::BadRecordMac)
                );
            }
        }
    }

    #[test]
    fn oversized_plaintext_is_refused() {
        for aead in ALL {
            let (mut e, _) = pair(aead);
            let mut out = Vec::new();
            let big = vec![0u8; MAX_PLAINTEXT_LEN + 1];
            assert!(matches!(
                e.seal_record(ContentType::APPLICATION_DATA, &big, &mut out),
                Err(Error::Internal(_))
            ));
            assert!(out.is_empty());

            // Build an authentic over-long record by hand with the same keys.
            let key = vec![0x42; aead.key_len()];
            let k = Keys::new(aead, &key, &vec![0x24; aead.fixed_iv_len()]).unwrap();
            let mut payload = vec![0u8; aead.explicit_nonce_len()];
            payload.extend_from_slice(&big);
            let a = aad(
                0,
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLSV1_2,
                big.len(),
            );
            let n = Nonce::assume_unique_for_key(k.nonce_for(0));
            let ex = aead.explicit_nonce_len();
            let tag = k
                .key
                .seal_in_place_separate_tag(n, Aad::from(a), &mut payload[ex..])
                .unwrap();
            payload.extend_from_slice(tag.as_ref());
            let (_, mut d) = pair(aead);
            assert_eq!(
                d.open_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_2,
                    &mut payload
                ),
                Err(Error::RecordOverflow {
                    len: MAX_PLAINTEXT_LEN + 1
                })
            );
        }
    }

    #[test]
    fn sequence_never_wraps() {
        for aead in ALL {
            let (mut e, mut d) = pair(aead);
            e.set_seq(u64::MAX - 1);
            d.set_seq(u64::MAX - 1);
            let mut out = Vec::new();
            e.seal_record(ContentType::APPLICATION_DATA, b"last", &mut out)
                .unwrap();
            assert_eq!(open(&mut d, &mut out).unwrap(), b"last");
            let mut more = Vec::new();
            assert_eq!(
                e.seal_record(ContentType::APPLICATION_DATA, b"wrap", &mut more),
                Err(Error::SequenceExhausted)
            );
            assert!(more.is_empty());
            let mut p = vec![0u8; 40];
            assert_eq!(
                d.open_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_2,
                    &mut p
                ),
                Err(Error::SequenceExhausted)
            );
        }
    }

    #[test]
    fn next_seq_counts_records_that_went_through() {
        for aead in ALL {
            let (mut e, mut d) = pair(aead);
            assert_eq!((e.next_seq(), d.next_seq()), (Ok(0), Ok(0)));
            let mut out = Vec::new();
            for _ in 0..3 {
                e.seal_record(ContentType::APPLICATION_DATA, b"x", &mut out)
                    .unwrap();
            }
            let one = e.record_len(1);
            open(&mut d, &mut out[..one]).unwrap();
            // A record that fails to open leaves the number where it was.
            let mut bad = out[one..2 * one].to_vec();
            bad[one - 1] ^= 1;
            assert_eq!(open(&mut d, &mut bad), Err(Error::BadRecordMac));
            assert_eq!((e.next_seq(), d.next_seq()), (Ok(3), Ok(1)));
            e.set_seq(u64::MAX);
            assert_eq!(e.next_seq(), Err(Error::SequenceExhausted));
        }
    }

    #[test]
    fn wrong_key_lengths_are_errors() {
        assert!(AeadEncrypter::new(AeadKind::Aes128Gcm, &[0; 32], &[0; 4]).is_err());
        assert!(AeadDecrypter::new(AeadKind::Chacha20Poly1305, &[0; 32], &[0; 4]).is_err());
    }
}
