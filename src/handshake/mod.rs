//! Handshake message codecs (RFC 5246 §7.4).
//!
//! One file per message family: [`hello`] (ClientHello, ServerHello),
//! [`extensions`], [`certificate`] (Certificate, CertificateRequest,
//! DigitallySigned), [`key_exchange`], [`finished`], [`ticket`]
//! (NewSessionTicket), and [`reassembly`], which turns handshake records into
//! whole messages.
//!
//! [`HandshakeMessage`] is the framing of RFC 5246 §7.4: a one-byte type, a
//! u24 length and the body. Decoding is strict: every body must be consumed
//! exactly, every vector must respect the bounds its RFC declares, and
//! nothing is allocated on a length the peer merely announced.

pub mod certificate;
pub mod extensions;
pub mod finished;
pub mod hello;
pub mod key_exchange;
pub mod reassembly;
pub mod ticket;

use crate::codec::enums::HandshakeType;
use crate::codec::{put_vec, Codec, Decode, LenSize, Reader};
use crate::error::{Error, InvalidMessage};
use crate::limits::{MAX_CLIENT_HELLO_LEN, MAX_HANDSHAKE_MESSAGE_LEN, MAX_LIST_ITEMS};
use alloc::vec::Vec;

use certificate::{CertificateChain, CertificateRequest, DigitallySigned};
use finished::Finished;
use hello::{ClientHello, ServerHello};
use ticket::NewSessionTicket;

/// The 4-byte header of every handshake message: type and u24 body length.
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// The longest body we accept for a handshake message of type `typ`:
/// [`MAX_CLIENT_HELLO_LEN`] for a ClientHello (all its length fields
/// allow), [`MAX_HANDSHAKE_MESSAGE_LEN`] for any other. A header announcing
/// more is refused from the header alone.
pub fn max_body_len(typ: HandshakeType) -> usize {
    if typ == HandshakeType::CLIENT_HELLO {
        MAX_CLIENT_HELLO_LEN
    } else {
        MAX_HANDSHAKE_MESSAGE_LEN
    }
}

/// A hello's 32-byte random (RFC 5246 §7.4.1.2). The caller supplies the
/// bytes: the library has no hidden randomness.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Random(pub [u8; 32]);

impl Codec for Random {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.0);
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut a = [0u8; 32];
        a.copy_from_slice(r.bytes(32, "Random")?);
        Ok(Random(a))
    }
}

/// A session ID, `opaque SessionID<0..32>` (RFC 5246 §7.4.1.2). Stored
/// inline, so the type itself enforces the 32-byte bound.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SessionId {
    len: u8,
    data: [u8; 32],
}

impl SessionId {
    /// The longest session ID RFC 5246 §7.4.1.2 allows.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub const MAX_LEN: usize = 32;

    /// The empty session ID (no resumption offered, or none granted).
    pub fn empty() -> Self {
        SessionId {
            len: 0,
            data: [0; 32],
        }
    }

    /// A session ID holding `bytes`, or `None` if longer than 32 bytes.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut data = [0u8; 32];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(SessionId {
            len: bytes.len() as u8,
            data,
        })
    }

    /// Whether this is the empty session ID.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Its length in bytes (0..=32).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
}

impl Default for SessionId {
    fn default() -> Self {
        Self::empty()
    }
}

impl AsRef<[u8]> for SessionId {
    fn as_ref(&self) -> &[u8] {
        &self.data[..usize::from(self.len).min(32)]
    }
}

impl core::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SessionId({})", crate::hex::Hex(self.as_ref()))
    }
}

impl Codec for SessionId {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(out, LenSize::U8, "session_id too long", self.as_ref())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let body = r.vec(LenSize::U8, "SessionId")?;
        SessionId::new(body).ok_or_else(|| Error::invalid("SessionId", InvalidMessage::BadLength))
    }
}

/// The body of one handshake message, by type (RFC 5246 §7.4).
///
/// ServerKeyExchange and ClientKeyExchange stay opaque here: their structure
/// depends on the negotiated key exchange, which only the state machine
/// knows. Parse them with [`key_exchange::EcdheServerKeyExchange::decode_all`](crate::codec::Decode::decode_all),
/// [`key_exchange::EcdheClientKeyExchange::decode_all`](crate::codec::Decode::decode_all) or
/// [`key_exchange::RsaClientKeyExchange::decode_all`](crate::codec::Decode::decode_all).
///
/// A decoded payload borrows from the message bytes it was read from (the
/// reassembler's buffer): hellos, key exchanges and signatures are not
/// copied. Only what outlives the message is owned: the peer's certificates,
/// a CertificateRequest's lists and a session ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload<'a> {
    /// HelloRequest (§7.4.1.1): empty body.
    HelloRequest,
    /// ClientHello (§7.4.1.2).
    ClientHello(ClientHello<'a>),
    /// ServerHello (§7.4.1.3).
    ServerHello(ServerHello<'a>),
    /// Certificate (§7.4.2).
    Certificate(CertificateChain),
    /// ServerKeyExchange (§7.4.3), opaque.
    ServerKeyExchange(&'a [u8]),
    /// CertificateRequest (§7.4.4).
    CertificateRequest(CertificateRequest),
    /// ServerHelloDone (§7.4.5): empty body.
    ServerHelloDone,
    /// CertificateVerify (§7.4.8).
    CertificateVerify(DigitallySigned<'a>),
    /// ClientKeyExchange (§7.4.7), opaque.
    ClientKeyExchange(&'a [u8]),
    /// Finished (§7.4.9).
    Finished(Finished),
    /// NewSessionTicket (RFC 5077 §3.3).
    NewSessionTicket(NewSessionTicket),
    /// Any other type (CertificateStatus, future types): kept so the state
    /// machine can refuse it as unexpected, and so it round-trips.
    Unknown {
        /// The wire type.
        typ: HandshakeType,
        /// The raw body.
        body: &'a [u8],
    },
}

/// A whole handshake message: the payload is all there is; the header is
/// derived from it when encoding.
pub type HandshakeMessage<'a> = HandshakePayload<'a>;

/// Appends one handshake message of type `typ` whose body `body` writes:
/// the 4-byte header (type, u24 length; RFC 5246 §7.4) patched after the
/// body. Every handshake message is encoded through here, whether from an
/// owned [`HandshakePayload`] or straight from borrowed data.
///
/// A body over 2^24-1 bytes, or any field of it that outgrows its own
/// prefix, is `Internal` (see [`put_vec`]), and then `out` is cut back to
/// where the message began: a message is written whole or not at all.
/// (Our own limit on what we *receive*, [`max_body_len`], is not applied
/// here: a peer may accept longer messages than we do, as OpenSSL accepts a
/// 100 KiB certificate chain.)
pub fn encode_message(
    out: &mut Vec<u8>,
    typ: HandshakeType,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = out.len();
    let written = typ
        .encode(out)
        .and_then(|()| put_vec(out, LenSize::U24, "handshake message too long", body));
    if written.is_err() {
        out.truncate(start);
    }
    written
}

impl<'a> HandshakePayload<'a> {
    /// The handshake type written in the header.
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::NewSessionTicket(_) => HandshakeType::NEW_SESSION_TICKET,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Appends the whole message, 4-byte header included: exactly the bytes
    /// the transcript hash covers (RFC 5246 §7.4.9). On error nothing is
    /// appended (see [`encode_message`]).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode_message(out, self.typ(), |out| self.encode_body(out))
    }

    #[cfg(any(test, feature = "unstable-internals"))]
    /// The whole message as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out)
            .expect("test message fits its length prefixes");
        out
    }

    /// Appends the body only; on error `out` may keep part of it.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => Ok(()),
            Self::ClientHello(m) => m.encode_to(out),
            Self::ServerHello(m) => m.encode_to(out),
            Self::Certificate(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode_to(out),
            Self::Finished(m) => m.encode(out),
            Self::NewSessionTicket(m) => m.encode(out),
            Self::ServerKeyExchange(b) | Self::ClientKeyExchange(b) => {
                out.extend_from_slice(b);
                Ok(())
            }
            Self::Unknown { body, .. } => {
                out.extend_from_slice(body);
                Ok(())
            }
        }
    }

    /// Decodes one whole message (header and body) that must fill `bytes`
    /// exactly, as [`reassembly::HandshakeJoiner::pop`] returns it.
    pub fn read(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let typ = HandshakeType::read(&mut r)?;
        let len = r.u24("handshake length")? as usize;
        if len > max_body_len(typ) {
            return Err(Error::invalid("handshake length", InvalidMessage::TooLarge));
        }
        let body = r.bytes(len, "handshake body")?;
        r.expect_empty("handshake message")?;
        Self::read_body(typ, body)
    }

    /// Decodes a body of type `typ`, which must be consumed exactly.
    pub fn read_body(typ: HandshakeType, body: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body);
        let msg = match typ {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHello::decode(&mut r)?),
            HandshakeType::SERVER_HELLO => Self::ServerHello(ServerHello::decode(&mut r)?),
            HandshakeType::CERTIFICATE => Self::Certificate(CertificateChain::read(&mut r)?),
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequest(CertificateRequest::read(&mut r)?)
            }
            HandshakeType::CERTIFICATE_VERIFY => {
                Self::CertificateVerify(DigitallySigned::decode(&mut r)?)
            }
            HandshakeType::FINISHED => Self::Finished(Finished::read(&mut r)?),
            HandshakeType::NEW_SESSION_TICKET => {
                Self::NewSessionTicket(NewSessionTicket::read(&mut r)?)
            }
            HandshakeType::SERVER_KEY_EXCHANGE => Self::ServerKeyExchange(r.rest()),
            HandshakeType::CLIENT_KEY_EXCHANGE => Self::ClientKeyExchange(r.rest()),
            typ => Self::Unknown {
                typ,
                body: r.rest(),
            },
        };
        r.expect_empty(typ.name().unwrap_or("handshake message"))?;
        Ok(msg)
    }
}

/// Writes `data` as an opaque vector with a `size`-byte length prefix;
/// longer than it can state is `Internal(what)`, nothing written.
pub(crate) fn put_opaque(
    out: &mut Vec<u8>,
    size: LenSize,
    what: &'static str,
    data: &[u8],
) -> Result<(), Error> {
    put_vec(out, size, what, |o| {
        o.extend_from_slice(data);
        Ok(())
    })
}

/// Reads a vector of fixed-`width` items (RFC 5246 §4.3) into a `Vec`, with
/// the checks of [`crate::codec::List::read_fixed`] (length a multiple of
/// `width`, at least `min_items`) and at most [`MAX_LIST_ITEMS`]
/// (`TooLarge`): allocation is bounded by both the limit and the bytes
/// actually present.
pub(crate) fn read_fixed_list<T: Codec + Clone + 'static>(
    r: &mut Reader<'_>,
    size: LenSize,
    width: usize,
    min_items: usize,
    what: &'static str,
) -> Result<Vec<T>, Error> {
    let list = crate::codec::List::<T>::read_fixed(r, size, width, min_items, what)?;
    if list.len() > MAX_LIST_ITEMS {
        return Err(Error::invalid(what, InvalidMessage::TooLarge));
    }
    Ok(list.iter().collect())
}

/// Reads a vector of opaque items, each with an `item` length prefix, inside a
/// vector with an `outer` prefix. Each item must be non-empty when
/// `nonempty_items`; the list needs `min_items` and at most [`MAX_LIST_ITEMS`].
pub(crate) fn read_opaque_list(
    r: &mut Reader<'_>,
    outer: LenSize,
    item: LenSize,
    min_items: usize,
    nonempty_items: bool,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, Error> {
    let mut sub = r.sub_vec(outer, what)?;
    let mut items = Vec::new();
    while sub.any_left() {
        if items.len() >= MAX_LIST_ITEMS {
            return Err(Error::invalid(what, InvalidMessage::TooLarge));
        }
        let body = if nonempty_items {
            sub.vec_nonempty(item, what)?
        } else {
            sub.vec(item, what)?
        };
        items.push(body.to_vec());
    }
    if items.len() < min_items {
        return Err(Error::invalid(what, InvalidMessage::BadLength));
    }
    Ok(items)
}

/// Writes a vector of opaque items (the inverse of [`read_opaque_list`]):
/// each prefix comes with the name its overflow error gives.
pub(crate) fn put_opaque_list(
    out: &mut Vec<u8>,
    (outer, list): (LenSize, &'static str),
    (item, what): (LenSize, &'static str),
    items: &[Vec<u8>],
) -> Result<(), Error> {
    put_vec(out, outer, list, |o| {
        items.iter().try_for_each(|i| put_opaque(o, item, what, i))
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// Every strict prefix of a valid encoding must fail to decode.
    pub fn assert_prefixes_fail<'a, T: Decode<'a> + core::fmt::Debug>(bytes: &'a [u8]) {
        for n in 0..bytes.len() {
            assert!(T::decode_all(&bytes[..n]).is_err(), "prefix {n} decoded");
        }
    }

    /// Appending a byte to a valid encoding must fail with TrailingData.
    /// (The longer copy is leaked so that borrowing types can decode it
    /// whatever lifetime the caller's `T` names: a few bytes per test.)
    pub fn assert_trailing_fails<T: Decode<'static> + core::fmt::Debug>(bytes: &[u8]) {
        let mut v = bytes.to_vec();
        v.push(0);
        let v: &'static [u8] = v.leak();
        assert_eq!(kind(T::decode_all(v)), InvalidMessage::TrailingData);
    }

    /// The decode error kind of a result that must be an error.
    pub fn kind<T: core::fmt::Debug>(r: Result<T, Error>) -> InvalidMessage {
        match r {
            Err(Error::InvalidMessage { kind, .. }) => kind,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::kind;
    use super::*;

    #[test]
    fn session_id_bounds() {
        assert!(SessionId::new(&[1; 33]).is_none());
        let s = SessionId::new(&[7; 32]).unwrap();
        assert_eq!(s.as_ref(), &[7; 32]);
        assert!(SessionId::empty().is_empty());
        assert_eq!(SessionId::from_bytes(&s.to_bytes()).unwrap(), s);
        let mut long = vec![33u8];
        long.extend_from_slice(&[0; 33]);
        assert_eq!(
            kind(SessionId::from_bytes(&long)),
            InvalidMessage::BadLength
        );
    }

    #[test]
    fn empty_bodies_roundtrip_and_refuse_content() {
        for m in [
            HandshakePayload::HelloRequest,
            HandshakePayload::ServerHelloDone,
        ] {
            let b = m.to_bytes();
            assert_eq!(b.len(), 4);
            assert_eq!(HandshakeMessage::read(&b).unwrap(), m);
            let bad = [b[0], 0, 0, 1, 0];
            assert_eq!(
                kind(HandshakeMessage::read(&bad)),
                InvalidMessage::TrailingData
            );
        }
    }

    #[test]
    fn framing_is_strict() {
        let m = HandshakePayload::Unknown {
            typ: HandshakeType(99),
            body: &[1, 2, 3],
        };
        let b = m.to_bytes();
        assert_eq!(b, [99, 0, 0, 3, 1, 2, 3]);
        assert_eq!(HandshakeMessage::read(&b).unwrap(), m);
        for n in 0..b.len() {
            assert!(HandshakeMessage::read(&b[..n]).is_err());
        }
        let mut t = b.clone();
        t.push(0);
        assert_eq!(
            kind(HandshakeMessage::read(&t)),
            InvalidMessage::TrailingData
        );
        assert_eq!(
            kind(HandshakeMessage::read(&[1, 0xff, 0xff, 0xff])),
            InvalidMessage::TooLarge
        );
        let ske = HandshakePayload::ServerKeyExchange(&[3, 0, 0x17]);
        assert_eq!(HandshakeMessage::read(&ske.to_bytes()).unwrap(), ske);
    }
}
