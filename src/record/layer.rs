//! The record layer's state: per-direction keys and the rules that hold for
//! every record whatever the handshake is doing.
//!
//! Each direction moves `Plain → Prepared → Active` (RFC 5246 §7.1): keys are
//! prepared when the key block is derived and switched on by
//! ChangeCipherSpec — ours for the write side, the peer's for the read side.
//! Sequence numbers live in the [`Encrypter`]/[`Decrypter`], so a new key
//! always starts at zero (RFC 5246 §6.1).

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::crypto::key_schedule::DirectionKeys;
use crate::error::{Error, InvalidMessage};
use crate::limits::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};
use crate::record::deframer::{peek_record, HeaderRules, RecordType};
use crate::record::protection::{Decrypter, Encrypter};
use alloc::vec::Vec;

/// Key state of one direction: the keys in use, if any, and the keys that
/// the next ChangeCipherSpec switches on, if derived.
///
/// Prepared keys wait as compact [`DirectionKeys`] (about 50 bytes); the
/// expanded AEAD key (over 500 bytes) is built only at activation, so a
/// connection carries one expanded key per direction, never two.
#[derive(Debug)]
struct KeyState<C> {
    active: Option<C>,
    prepared: Option<DirectionKeys>,
}

impl<C> KeyState<C> {
    const PLAIN: KeyState<C> = KeyState {
        active: None,
        prepared: None,
    };

    fn prepare(&mut self, next: DirectionKeys) {
        self.prepared = Some(next);
    }

    /// Switches to the prepared keys, building them with `build`; `false`
    /// (and no change) if there are none.
    fn activate(
        &mut self,
        build: impl FnOnce(&DirectionKeys) -> Result<C, Error>,
    ) -> Result<bool, Error> {
        match self.prepared.take() {
            Some(keys) => {
                self.active = Some(build(&keys)?);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn active(&mut self) -> Option<&mut C> {
        self.active.as_mut()
    }

    fn is_active(&self) -> bool {
        self.active.is_some()
    }
}

/// One record read from the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct InboundRecord<'a> {
    /// The content type from the header (authenticated when protected).
    pub typ: RecordType,
    /// The plaintext, decrypted in place inside the caller's buffer.
    pub payload: &'a mut [u8],
    /// How many bytes of the buffer this record occupied; the caller drops
    /// them before the next call.
    pub consumed: usize,
}

/// Record framing and protection for both directions of one connection.
#[derive(Debug)]
pub struct RecordLayer {
    read: KeyState<Decrypter>,
    write: KeyState<Encrypter>,
    strict_version: bool,
    /// The version written in plaintext record headers: TLS 1.2, except
    /// while a client writes its first ClientHello (see
    /// [`RecordLayer::set_plaintext_version`]).
    plaintext_version: ProtocolVersion,
}

impl Default for RecordLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordLayer {
    /// Both directions in the clear, any 3.x record version accepted.
    pub fn new() -> Self {
        RecordLayer {
            read: KeyState::PLAIN,
            write: KeyState::PLAIN,
            strict_version: false,
            plaintext_version: ProtocolVersion::TLSV1_2,
        }
    }

    /// Reads the first record of `buf`, decrypting it in place when the read
    /// side is active. `Ok(None)` means `buf` does not yet hold a whole record
    /// (it may hold part of one or nothing); call again with more input.
    /// When `buf` holds several records only the first is returned; the
    /// caller advances by `consumed` and calls again.
    ///
    /// Empty fragments (RFC 5246 §6.2.1): zero-length handshake, alert and
    /// change_cipher_spec fragments "MUST NOT" be sent. We answer empty
    /// handshake and alert fragments with `decode_error` (an
    /// `InvalidMessage` of kind `BadLength`): the fragment is the wrong
    /// length for its content type, which is what RFC 5246 §7.2.2 defines
    /// decode_error for. An empty change_cipher_spec is returned like any
    /// other: the connection refuses every ChangeCipherSpec body but the one
    /// byte 1 alike, with `unexpected_message` (as OpenSSL does; see
    /// [`crate::message::ChangeCipherSpec::check`]). Zero-length application
    /// data is legal (a traffic-analysis countermeasure) and returned; how
    /// many in a row a peer may send is the connection's business
    /// ([`crate::limits::MAX_EMPTY_RECORDS`]), as it alone knows what counts
    /// as progress.
    pub fn read_record<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Option<InboundRecord<'a>>, Error> {
        let rules = HeaderRules {
            strict_version: self.strict_version,
            protected: self.read.is_active(),
        };
        read_with(buf, rules, self.read.active())
    }

    /// Appends `plaintext` to `out` as records of type `typ`, split into
    /// fragments of at most 2^14 bytes (RFC 5246 §6.2.1) and protected when
    /// the write side is active. An empty `plaintext` writes nothing (we
    /// never send empty records). On error `out` is left as it was.
    pub fn write_record(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        write_with(
            self.write.active(),
            self.plaintext_version,
            typ,
            plaintext,
            out,
        )
    }

    /// Seals one application record laid out in place (see
    /// [`Encrypter::seal_in_place`]); only once the write side is protected.
    /// Returns the record's length.
    pub fn seal_in_place(
        &mut self,
        typ: ContentType,
        record: &mut [u8],
        len: usize,
    ) -> Result<usize, Error> {
        match self.write.active() {
            Some(enc) => enc.seal_in_place(typ, record, len),
            None => Err(Error::HandshakeNotComplete),
        }
    }

    /// Bytes in front of and after the plaintext of a protected record, once
    /// the write side is protected.
    pub fn in_place_layout(&self) -> Option<(usize, usize)> {
        self.write
            .active
            .as_ref()
            .map(|enc| (enc.prefix_len(), enc.max_suffix_len()))
    }

    /// Bytes `plaintext_len` bytes of one content type take on the wire once
    /// fragmented and protected as the write side is now.
    #[cfg(test)]
    fn wire_len(&self, plaintext_len: usize) -> usize {
        let record = |len| {
            self.write
                .active
                .as_ref()
                .map_or(RECORD_HEADER_LEN + len, |e| e.record_len(len))
        };
        let full = plaintext_len / MAX_PLAINTEXT_LEN;
        let rest = plaintext_len % MAX_PLAINTEXT_LEN;
        full * record(MAX_PLAINTEXT_LEN) + if rest > 0 { record(rest) } else { 0 }
    }

    /// Installs the peer's write keys, to take effect at its ChangeCipherSpec.
    pub fn prepare_read(&mut self, keys: DirectionKeys) {
        self.read.prepare(keys);
    }

    /// Switches the read side to the prepared keys; called when the peer's
    /// ChangeCipherSpec arrives. Without prepared keys the ChangeCipherSpec
    /// came too early (RFC 5246 §7.1): `UnexpectedMessage`.
    pub fn activate_read(&mut self) -> Result<(), Error> {
        if self.read.activate(DirectionKeys::decrypter)? {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                expected: "a handshake message before ChangeCipherSpec",
                got: "ChangeCipherSpec",
            })
        }
    }

    /// Installs our write keys, to take effect after we send ChangeCipherSpec.
    pub fn prepare_write(&mut self, keys: DirectionKeys) {
        self.write.prepare(keys);
    }

    /// Switches the write side to the prepared keys, right after our
    /// ChangeCipherSpec is written. Without prepared keys this is a bug in
    /// the handshake code: `Internal`.
    pub fn activate_write(&mut self) -> Result<(), Error> {
        if self.write.activate(DirectionKeys::encrypter)? {
            Ok(())
        } else {
            Err(Error::Internal(
                "write keys activated before being prepared",
            ))
        }
    }

    /// The sequence numbers of the next record sent and of the next record
    /// received, `(write, read)`, for handing both directions' keys to
    /// another record layer ([`crate::secrets`]). Only between handshakes:
    /// both directions protected by an AEAD and no keys waiting for a
    /// ChangeCipherSpec; anything else is `Error::Internal`, since the
    /// connection checks that first. A direction that can take no more
    /// records is [`Error::SequenceExhausted`].
    pub fn aead_next_seqs(&self) -> Result<(u64, u64), Error> {
        if self.write.prepared.is_some() || self.read.prepared.is_some() {
            return Err(Error::Internal("record keys waiting for ChangeCipherSpec"));
        }
        match (&self.write.active, &self.read.active) {
            (Some(enc), Some(dec)) => Ok((enc.aead_next_seq()?, dec.aead_next_seq()?)),
            _ => Err(Error::Internal("record layer not protected both ways")),
        }
    }

    /// Writes plaintext records with `version` from now on. A client writes
    /// its first ClientHello under {3, 1}, as OpenSSL and rustls do (RFC 5246
    /// Appendix E.1: a client "MAY send any value {03,XX} as the record
    /// layer version number" of its first ClientHello, for the sake of old
    /// servers), so that old servers and middleboxes that refuse a higher
    /// record version take it; then sets TLS 1.2 back for everything after.
    /// Protected records always say TLS 1.2.
    pub fn set_plaintext_version(&mut self, version: ProtocolVersion) {
        self.plaintext_version = version;
    }

    /// From now on require record version 0x0303 (call once ServerHello has
    /// fixed TLS 1.2).
    pub fn set_strict_version(&mut self) {
        self.strict_version = true;
    }

    #[cfg(any(test, feature = "unstable-internals"))]
    /// Whether incoming records are decrypted.
    pub fn is_read_protected(&self) -> bool {
        self.read.is_active()
    }

    /// Whether outgoing records are encrypted.
    #[cfg(test)]
    fn is_write_protected(&self) -> bool {
        self.write.is_active()
    }
}

/// Reads the first record of `buf` under `rules`, opening it with `dec`
/// when the read side is protected (see [`RecordLayer::read_record`]).
fn read_with<'a>(
    buf: &'a mut [u8],
    rules: HeaderRules,
    dec: Option<&mut Decrypter>,
) -> Result<Option<InboundRecord<'a>>, Error> {
    let Some((header, total)) = peek_record(buf, rules)? else {
        return Ok(None);
    };
    // `peek_record` guarantees `total <= buf.len()` and `total >= RECORD_HEADER_LEN`.
    let (record, _) = buf.split_at_mut(total);
    let (_, fragment) = record.split_at_mut(RECORD_HEADER_LEN);

    let payload = match dec {
        Some(dec) => dec.open_in_place(header.typ.wire(), header.version, fragment)?,
        None => fragment,
    };

    if payload.is_empty() && matches!(header.typ, RecordType::Handshake | RecordType::Alert) {
        return Err(Error::invalid(
            "empty handshake or alert fragment",
            InvalidMessage::BadLength,
        ));
    }

    Ok(Some(InboundRecord {
        typ: header.typ,
        payload,
        consumed: total,
    }))
}

/// Appends `plaintext` as records of type `typ`, sealed by `enc` when the
/// write side is protected, framed under `plaintext_version` otherwise. On
/// error `out` is left as it was: no record of a failed write goes out.
fn write_with(
    enc: Option<&mut Encrypter>,
    plaintext_version: ProtocolVersion,
    typ: ContentType,
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    let result = write_fragments(enc, plaintext_version, typ, plaintext, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// [`write_with`] without the undoing on error.
fn write_fragments(
    mut enc: Option<&mut Encrypter>,
    plaintext_version: ProtocolVersion,
    typ: ContentType,
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    for fragment in plaintext.chunks(MAX_PLAINTEXT_LEN) {
        match enc.as_deref_mut() {
            Some(enc) => enc.seal_record(typ, fragment, out)?,
            None => {
                out.reserve(RECORD_HEADER_LEN + fragment.len());
                out.push(typ.0);
                out.extend_from_slice(&plaintext_version.0.to_be_bytes());
                // `chunks` bounds the fragment by 2^14: fits a u16.
                out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
                out.extend_from_slice(fragment);
            }
        }
    }
    Ok(())
}

#[cfg(feature = "std")]
impl RecordLayer {
    /// Divides an established layer into its two directions, for a
    /// connection split into halves ([`crate::split`]): the read side (the
    /// deframer's rules and the peer's keys, with their sequence number)
    /// and the write side (our keys and theirs). Only between handshakes:
    /// both directions protected and no keys waiting for a
    /// ChangeCipherSpec, since neither half can run one; anything else is
    /// `Error::Internal` (the connection checks first), and the layer is
    /// left as it was. On success the layer keeps no keys.
    pub fn split(&mut self) -> Result<(RecordReader, RecordWriter), Error> {
        if self.write.prepared.is_some() || self.read.prepared.is_some() {
            return Err(Error::Internal("record keys waiting for ChangeCipherSpec"));
        }
        if !self.read.is_active() || !self.write.is_active() {
            return Err(Error::Internal("record layer not protected both ways"));
        }
        match (self.read.active.take(), self.write.active.take()) {
            (Some(dec), Some(enc)) => Ok((
                RecordReader {
                    dec,
                    strict_version: self.strict_version,
                },
                RecordWriter { enc },
            )),
            _ => Err(Error::Internal("record layer not protected both ways")),
        }
    }
}

#[cfg(feature = "std")]
/// The read side of a split [`RecordLayer`]: protected for good, since no
/// ChangeCipherSpec can come once the connection is split.
#[derive(Debug)]
pub struct RecordReader {
    dec: Decrypter,
    strict_version: bool,
}

#[cfg(feature = "std")]
impl RecordReader {
    /// As [`RecordLayer::read_record`].
    pub fn read_record<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Option<InboundRecord<'a>>, Error> {
        let rules = HeaderRules {
            strict_version: self.strict_version,
            protected: true,
        };
        read_with(buf, rules, Some(&mut self.dec))
    }
}

#[cfg(feature = "std")]
/// The write side of a split [`RecordLayer`].
#[derive(Debug)]
pub struct RecordWriter {
    enc: Encrypter,
}

#[cfg(feature = "std")]
impl RecordWriter {
    /// As [`RecordLayer::write_record`]: on error `out` is left as it was.
    pub fn write_record(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        // Protected records always say TLS 1.2; the version is unused.
        write_with(
            Some(&mut self.enc),
            ProtocolVersion::TLSV1_2,
            typ,
            plaintext,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::cipher::tests::ALL;
    use crate::suites::AeadKind;

    /// The same keys for both ends.
    fn keys(aead: AeadKind) -> DirectionKeys {
        DirectionKeys::new(
            aead,
            &vec![0x42; aead.key_len()],
            &vec![0x24; aead.fixed_iv_len()],
        )
        .unwrap()
    }

    /// Two layers wired to each other: `a` writes what `b` reads.
    fn protected_pair(aead: AeadKind) -> (RecordLayer, RecordLayer) {
        let (mut a, mut b) = (RecordLayer::new(), RecordLayer::new());
        a.prepare_write(keys(aead));
        b.prepare_read(keys(aead));
        a.activate_write().unwrap();
        b.activate_read().unwrap();
        (a, b)
    }

    /// Reads every record in `buf`, returning (type, plaintext) pairs.
    fn read_all(
        l: &mut RecordLayer,
        mut buf: &mut [u8],
    ) -> Result<Vec<(ContentType, Vec<u8>)>, Error> {
        let mut got = Vec::new();
        while let Some(r) = l.read_record(buf)? {
            got.push((r.typ.wire(), r.payload.to_vec()));
            let consumed = r.consumed;
            buf = &mut buf[consumed..];
        }
        assert!(buf.is_empty(), "leftover bytes");
        Ok(got)
    }

    #[test]
    fn plain_and_protected_roundtrip_many_records() {
        let (mut a, mut b) = (RecordLayer::new(), RecordLayer::new());
        let mut wire = Vec::new();
        a.write_record(ContentType::HANDSHAKE, b"hello", &mut wire)
            .unwrap();
        a.write_record(ContentType::ALERT, &[1, 0], &mut wire)
            .unwrap();
        assert_eq!(wire.len(), a.wire_len(5) + a.wire_len(2));
        let got = read_all(&mut b, &mut wire).unwrap();
        assert_eq!(
            got,
            vec![
                (ContentType::HANDSHAKE, b"hello".to_vec()),
                (ContentType::ALERT, vec![1, 0]),
            ]
        );

        for aead in ALL {
            let (mut a, mut b) = protected_pair(aead);
            assert!(a.is_write_protected() && b.is_read_protected());
            let big = vec![9u8; 2 * MAX_PLAINTEXT_LEN + 3];
            let mut wire = Vec::new();
            a.write_record(ContentType::APPLICATION_DATA, &big, &mut wire)
                .unwrap();
            a.write_record(ContentType::HANDSHAKE, b"fin", &mut wire)
                .unwrap();
            assert_eq!(wire.len(), a.wire_len(big.len()) + a.wire_len(3));
            let got = read_all(&mut b, &mut wire).unwrap();
            assert_eq!(got.len(), 4);
            assert_eq!(got[0].1.len(), MAX_PLAINTEXT_LEN);
            assert_eq!(got[2].1.len(), 3);
            let joined: Vec<u8> = got[..3].iter().flat_map(|r| r.1.clone()).collect();
            assert_eq!(joined, big);
            assert_eq!(got[3], (ContentType::HANDSHAKE, b"fin".to_vec()));
        }
    }

    #[test]
    fn partial_records_need_more_input() {
        let (mut a, mut b) = protected_pair(AeadKind::Chacha20Poly1305);
        let mut wire = Vec::new();
        a.write_record(ContentType::APPLICATION_DATA, b"split me", &mut wire)
            .unwrap();
        for n in 0..wire.len() {
            let mut part = wire[..n].to_vec();
            assert_eq!(b.read_record(&mut part), Ok(None), "prefix {n}");
        }
        let r = b.read_record(&mut wire).unwrap().unwrap();
        assert_eq!(r.payload, b"split me");
        assert_eq!(r.consumed, wire.len());
    }

    #[test]
    fn empty_fragments() {
        let mut b = RecordLayer::new();
        for typ in [ContentType::HANDSHAKE, ContentType::ALERT] {
            let mut rec = vec![typ.0, 3, 3, 0, 0];
            assert!(matches!(
                b.read_record(&mut rec),
                Err(Error::InvalidMessage {
                    kind: InvalidMessage::BadLength,
                    ..
                })
            ));
        }
        // An empty ChangeCipherSpec is the connection's to refuse, with the
        // other malformed ones.
        let mut rec = vec![ContentType::CHANGE_CIPHER_SPEC.0, 3, 3, 0, 0];
        let r = b.read_record(&mut rec).unwrap().unwrap();
        assert!(r.payload.is_empty());

        for aead in ALL {
            let (mut a, mut b) = protected_pair(aead);
            // Empty application data is returned, protected or not: a
            // peer may send it (RFC 5246 §6.2.1). `write_record` never emits
            // empty records, so seal one directly.
            let mut wire = Vec::new();
            let mut enc = keys(aead).encrypter().unwrap();
            enc.seal_record(ContentType::APPLICATION_DATA, b"", &mut wire)
                .unwrap();
            let r = b.read_record(&mut wire).unwrap().unwrap();
            assert_eq!(
                (r.typ.wire(), r.payload.len()),
                (ContentType::APPLICATION_DATA, 0)
            );

            let mut nothing = Vec::new();
            a.write_record(ContentType::APPLICATION_DATA, b"", &mut nothing)
                .unwrap();
            assert!(nothing.is_empty());
        }
    }

    #[test]
    fn overflow_and_tamper_through_the_layer() {
        let mut b = RecordLayer::new();
        let mut rec = vec![22, 3, 3, 0x40, 0x01];
        assert_eq!(
            b.read_record(&mut rec),
            Err(Error::RecordOverflow { len: 0x4001 })
        );

        let (mut a, mut b) = protected_pair(AeadKind::Aes128Gcm);
        let mut wire = Vec::new();
        a.write_record(ContentType::APPLICATION_DATA, b"data", &mut wire)
            .unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 0x80;
        assert_eq!(b.read_record(&mut wire), Err(Error::BadRecordMac));
    }

    #[test]
    fn key_state_transitions() {
        let mut l = RecordLayer::new();
        assert!(matches!(
            l.activate_read(),
            Err(Error::UnexpectedMessage { .. })
        ));
        assert!(matches!(l.activate_write(), Err(Error::Internal(_))));
        l.prepare_read(keys(AeadKind::Aes256Gcm));
        l.prepare_write(keys(AeadKind::Aes256Gcm));
        assert!(!l.is_read_protected() && !l.is_write_protected());
        l.activate_read().unwrap();
        l.activate_write().unwrap();
        assert!(l.is_read_protected() && l.is_write_protected());
        // A second ChangeCipherSpec without new keys is unexpected.
        assert!(matches!(
            l.activate_read(),
            Err(Error::UnexpectedMessage { .. })
        ));
        assert!(l.is_read_protected());
    }

    /// Keys prepared while others are active wait for the next
    /// ChangeCipherSpec: records keep using the current keys until then.
    #[test]
    fn prepared_keys_wait_while_others_are_active() {
        let (mut a, mut b) = protected_pair(AeadKind::Aes128Gcm);
        let other = DirectionKeys::new(AeadKind::Aes128Gcm, &[7; 16], &[8; 4]).unwrap();
        a.prepare_write(other.clone());
        b.prepare_read(other);
        let mut wire = Vec::new();
        a.write_record(ContentType::APPLICATION_DATA, b"old", &mut wire)
            .unwrap();
        assert_eq!(b.read_record(&mut wire).unwrap().unwrap().payload, b"old");
        a.activate_write().unwrap();
        let mut wire = Vec::new();
        a.write_record(ContentType::APPLICATION_DATA, b"new", &mut wire)
            .unwrap();
        assert_eq!(b.read_record(&mut wire.clone()), Err(Error::BadRecordMac));
        b.activate_read().unwrap();
        assert_eq!(b.read_record(&mut wire).unwrap().unwrap().payload, b"new");
    }

    #[test]
    fn plaintext_version_is_the_callers_choice() {
        let mut l = RecordLayer::new();
        let mut out = Vec::new();
        l.write_record(ContentType::HANDSHAKE, b"a", &mut out)
            .unwrap();
        l.set_plaintext_version(ProtocolVersion::TLSV1_0);
        l.write_record(
            ContentType::HANDSHAKE,
            &[7; MAX_PLAINTEXT_LEN + 1],
            &mut out,
        )
        .unwrap();
        l.set_plaintext_version(ProtocolVersion::TLSV1_2);
        l.write_record(ContentType::ALERT, &[1, 0], &mut out)
            .unwrap();
        let mut versions = Vec::new();
        let mut rest = &out[..];
        while !rest.is_empty() {
            versions.push([rest[1], rest[2]]);
            rest = &rest[5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]))..];
        }
        assert_eq!(versions, [[3, 3], [3, 1], [3, 1], [3, 3]]);
    }

    #[test]
    fn strict_version_after_server_hello() {
        let mut l = RecordLayer::new();
        let mut rec = vec![22, 3, 1, 0, 1, 0];
        assert!(l.read_record(&mut rec.clone()).unwrap().is_some());
        l.set_strict_version();
        assert!(matches!(
            l.read_record(&mut rec),
            Err(Error::BadRecordVersion(_))
        ));
    }

    #[test]
    fn sequence_numbers_for_a_hand_off() {
        let mut l = RecordLayer::new();
        assert!(matches!(l.aead_next_seqs(), Err(Error::Internal(_))));
        l.prepare_write(keys(AeadKind::Aes128Gcm));
        l.prepare_read(keys(AeadKind::Aes128Gcm));
        l.activate_write().unwrap();
        // Keys still waiting for the peer's ChangeCipherSpec.
        assert!(matches!(l.aead_next_seqs(), Err(Error::Internal(_))));
        l.activate_read().unwrap();
        assert_eq!(l.aead_next_seqs(), Ok((0, 0)));

        let (mut a, mut b) = protected_pair(AeadKind::Chacha20Poly1305);
        let mut wire = Vec::new();
        // Three records: two fragments of application data and an alert.
        a.write_record(
            ContentType::APPLICATION_DATA,
            &[1; MAX_PLAINTEXT_LEN + 1],
            &mut wire,
        )
        .unwrap();
        a.write_record(ContentType::ALERT, &[1, 0], &mut wire)
            .unwrap();
        read_all(&mut b, &mut wire).unwrap();
        b.prepare_write(keys(AeadKind::Chacha20Poly1305));
        b.activate_write().unwrap();
        a.prepare_read(keys(AeadKind::Chacha20Poly1305));
        a.activate_read().unwrap();
        assert_eq!(a.aead_next_seqs(), Ok((3, 0)));
        assert_eq!(b.aead_next_seqs(), Ok((0, 3)));
        b.write.active().unwrap().set_seq(u64::MAX);
        assert_eq!(b.aead_next_seqs(), Err(Error::SequenceExhausted));
    }

    #[test]
    fn write_sequence_exhaustion_leaves_output_untouched() {
        let mut l = RecordLayer::new();
        l.prepare_write(keys(AeadKind::Aes128Gcm));
        l.activate_write().unwrap();
        l.write.active().unwrap().set_seq(u64::MAX - 1);
        let mut out = vec![1, 2, 3];
        let two = vec![0u8; MAX_PLAINTEXT_LEN + 1];
        assert_eq!(
            l.write_record(ContentType::APPLICATION_DATA, &two, &mut out),
            Err(Error::SequenceExhausted)
        );
        assert_eq!(out, [1, 2, 3]);
    }
}
