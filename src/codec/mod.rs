//! The wire codec: a bounds-checked [`Reader`], the [`Codec`] trait every wire
//! structure implements, and length-prefixed vectors (RFC 5246 §4.3).
//!
//! Nothing here allocates while reading except where a structure owns a `Vec`;
//! every read is checked, so no input can index out of bounds or panic.

pub mod enums;
pub mod list;

use alloc::vec::Vec;
pub use list::List;

use crate::error::{Error, InvalidMessage};

/// A cursor over borrowed input. Every read either succeeds or returns a
/// `decode_error` naming `what` was being read.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `n` bytes, or `None` if fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// The next `n` bytes, or a `Truncated` error for `what`.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        self.take(n)
            .ok_or_else(|| Error::invalid(what, InvalidMessage::Truncated))
    }

    /// All remaining bytes.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// Whether any bytes remain.
    pub fn any_left(&self) -> bool {
        self.pos < self.buf.len()
    }

    /// Fails with `TrailingData` if anything is left: structures that fill their
    /// container must consume it exactly.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), Error> {
        if self.any_left() {
            Err(Error::invalid(what, InvalidMessage::TrailingData))
        } else {
            Ok(())
        }
    }

    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.bytes(1, what)?[0])
    }

    /// A big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, Error> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian u24 (handshake lengths, certificate lengths).
    pub fn u24(&mut self, what: &'static str) -> Result<u32, Error> {
        let b = self.bytes(3, what)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// A big-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, Error> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A big-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, Error> {
        let b = self.bytes(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    /// The body of a vector with a `size`-byte length prefix.
    pub fn vec(&mut self, size: LenSize, what: &'static str) -> Result<&'a [u8], Error> {
        let len = match size {
            LenSize::U8 => self.u8(what)? as usize,
            LenSize::U16 => self.u16(what)? as usize,
            LenSize::U24 => self.u24(what)? as usize,
        };
        self.bytes(len, what)
    }

    /// Like [`Reader::vec`], but also refuses an empty body, for vectors the RFC
    /// declares `<1..>` or more.
    pub fn vec_nonempty(&mut self, size: LenSize, what: &'static str) -> Result<&'a [u8], Error> {
        let body = self.vec(size, what)?;
        if body.is_empty() {
            return Err(Error::invalid(what, InvalidMessage::BadLength));
        }
        Ok(body)
    }

    /// A sub-reader over the body of a length-prefixed vector.
    pub fn sub_vec(&mut self, size: LenSize, what: &'static str) -> Result<Reader<'a>, Error> {
        self.vec(size, what).map(Reader::new)
    }
}

/// The size of a vector's length prefix (RFC 5246 §4.3: the prefix is as wide
/// as the vector's declared maximum needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenSize {
    /// `<0..2^8-1>`
    U8,
    /// `<0..2^16-1>`
    U16,
    /// `<0..2^24-1>`
    U24,
}

impl LenSize {
    fn width(self) -> usize {
        match self {
            LenSize::U8 => 1,
            LenSize::U16 => 2,
            LenSize::U24 => 3,
        }
    }

    /// The longest body the prefix can state: 2^8-1, 2^16-1 or 2^24-1.
    pub fn max_len(self) -> usize {
        match self {
            LenSize::U8 => 0xff,
            LenSize::U16 => 0xffff,
            LenSize::U24 => 0xff_ffff,
        }
    }
}

/// Writes a vector whose body `body` appends to `out`, with its length
/// prefix patched in afterwards (RFC 5246 §4.3).
///
/// A body longer than the prefix can state is `Error::Internal(what)`, in
/// every build: `what` names the field ("ALPN protocol name too long").
/// Such bodies come from configuration or from a peer (an ALPN name of 256
/// bytes, a server's ticket too long to offer back), and a truncated
/// prefix, a malformed message on the wire, is never written instead. On any error,
/// the body's own included, `out` is cut back to where the vector began:
/// nothing of it is left behind.
pub fn put_vec(
    out: &mut Vec<u8>,
    size: LenSize,
    what: &'static str,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = out.len();
    let written = write_vec(out, start, size, what, body);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// [`put_vec`] without the clean-up on error.
fn write_vec(
    out: &mut Vec<u8>,
    start: usize,
    size: LenSize,
    what: &'static str,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let w = size.width();
    out.extend_from_slice(&[0u8; 3][..w]);
    body(out)?;
    // `let ... else` rather than `ok_or`: an eager `ok_or(Error::..)`
    // builds and drops an `Error` on every call, and this runs for every
    // length prefix of every message we write.
    let Some(len) = out
        .len()
        .checked_sub(start + w)
        .filter(|&len| len <= size.max_len())
    else {
        return Err(Error::Internal(what));
    };
    // `len` fits the prefix: a u32 whose low `w` bytes say it all.
    let be = (len as u32).to_be_bytes();
    let Some(prefix) = out.get_mut(start..start + w) else {
        return Err(Error::Internal(what));
    };
    prefix.copy_from_slice(&be[4 - w..]);
    Ok(())
}

/// Writes a big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian u32.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// The name of a structure for a decode error: its type's own name, without
/// the module path (which is private) or a borrowing type's lifetime.
fn short_type_name<T>() -> &'static str {
    let full = core::any::type_name::<T>();
    let full = full.strip_suffix("<'_>").unwrap_or(full);
    full.rsplit("::").next().unwrap_or(full)
}

/// What [`Codec::to_bytes`] reserves up front.
#[cfg(any(test, feature = "unstable-internals"))]
const TO_BYTES_RESERVE: usize = 256;

/// A structure with one wire encoding.
///
/// Encoding returns a `Result`: a vector whose body outgrows its length
/// prefix is an `Error::Internal` naming it (see [`put_vec`]), and a
/// `Result` cannot be dropped unchecked. On error `out` may keep the part
/// of the encoding written before the failing field; every enclosing
/// vector and handshake message cuts itself back, so what a caller sends
/// never holds it.
pub trait Codec: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error>;

    /// Reads one value from `r`, leaving `r` just past it.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error>;

    #[cfg(any(test, feature = "unstable-internals"))]
    /// The encoding as a fresh vector.
    fn to_bytes(&self) -> Vec<u8> {
        // Most structures encoded on their own (key exchange parameters,
        // signed content) are small: one allocation, no regrowth.
        let mut v = Vec::with_capacity(TO_BYTES_RESERVE);
        self.encode(&mut v)
            .expect("test value fits its length prefixes");
        v
    }

    /// Reads one value that must occupy all of `bytes`.
    fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_empty(short_type_name::<Self>())?;
        Ok(v)
    }
}

/// A structure whose decoded form may borrow from the input: what [`Codec`]
/// is, for values that keep slices of the message they were read from
/// instead of copies (a received hello's lists, a key exchange's point and
/// signature). Every [`Codec`] type is one.
pub trait Decode<'a>: Sized {
    /// Reads one value from `r`, leaving `r` just past it.
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error>;

    /// Appends the encoding of `self` to `out`; errors as [`Codec::encode`].
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error>;

    /// Reads one value that must occupy all of `bytes` (`TrailingData`
    /// otherwise, as [`Codec::from_bytes`]).
    fn decode_all(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.expect_empty(short_type_name::<Self>())?;
        Ok(v)
    }

    #[cfg(any(test, feature = "unstable-internals"))]
    /// The encoding as a fresh vector.
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(TO_BYTES_RESERVE);
        self.encode_to(&mut v)
            .expect("test value fits its length prefixes");
        v
    }
}

impl<'a, T: Codec> Decode<'a> for T {
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        T::read(r)
    }

    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.encode(out)
    }
}

/// Writes a vector of `T`s with a `size`-byte length prefix; too many of
/// them for it is `Error::Internal(what)`.
pub fn put_list<T: Codec>(
    out: &mut Vec<u8>,
    size: LenSize,
    what: &'static str,
    items: &[T],
) -> Result<(), Error> {
    put_vec(out, size, what, |out| {
        items.iter().try_for_each(|item| item.encode(out))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_refuses_overruns() {
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert!(matches!(
            r.vec(LenSize::U16, "x"),
            Err(Error::InvalidMessage {
                kind: InvalidMessage::Truncated,
                ..
            })
        ));
        let mut r = Reader::new(&[0xff; 2]);
        assert!(r.u24("x").is_err());
        assert!(r.take(usize::MAX).is_none());
    }

    /// A body of `n` bytes for [`put_vec`].
    fn fill(n: usize) -> impl FnOnce(&mut Vec<u8>) -> Result<(), Error> {
        move |o| {
            o.resize(o.len() + n, 9);
            Ok(())
        }
    }

    #[test]
    fn vec_roundtrip_patches_length() {
        let mut out = Vec::new();
        put_vec(&mut out, LenSize::U24, "x", fill(300)).unwrap();
        assert_eq!(&out[..3], &[0, 1, 44]);
        let mut r = Reader::new(&out);
        assert_eq!(r.vec(LenSize::U24, "x").unwrap().len(), 300);
        r.expect_empty("x").unwrap();
    }

    /// At each prefix width: a body of the longest length the prefix can
    /// state is written with that length; one byte more is an `Internal`
    /// error naming the field, and nothing of the vector stays in `out`
    /// (in every build: before, only a debug assertion caught it, and a
    /// release build wrote the length's low bytes, a truncated prefix).
    #[test]
    fn vec_longer_than_its_prefix_is_an_error_and_writes_nothing() {
        let before = [0xaa, 0xbb];
        for (size, max, prefix) in [
            (LenSize::U8, 0xff, &[0xff][..]),
            (LenSize::U16, 0xffff, &[0xff, 0xff][..]),
            (LenSize::U24, 0xff_ffff, &[0xff, 0xff, 0xff][..]),
        ] {
            assert_eq!(size.max_len(), max);
            let mut out = before.to_vec();
            put_vec(&mut out, size, "field at its limit", fill(max)).unwrap();
            assert_eq!(out.len(), 2 + prefix.len() + max, "{size:?}");
            assert_eq!(&out[..2], before);
            assert_eq!(&out[2..2 + prefix.len()], prefix, "{size:?}");
            let mut r = Reader::new(&out[2..]);
            assert_eq!(r.vec(size, "x").unwrap().len(), max);
            r.expect_empty("x").unwrap();

            let mut out = before.to_vec();
            let e = put_vec(&mut out, size, "field one past its limit", fill(max + 1));
            assert_eq!(e, Err(Error::Internal("field one past its limit")));
            assert_eq!(out, before, "{size:?}");
        }
    }

    #[test]
    fn inner_vector_error_unwinds_the_outer_ones() {
        let mut out = vec![1];
        let e = put_vec(&mut out, LenSize::U24, "outer", |o| {
            put_vec(o, LenSize::U16, "middle", |o| {
                o.push(7);
                put_vec(o, LenSize::U8, "inner name too long", fill(256))
            })
        });
        assert_eq!(e, Err(Error::Internal("inner name too long")));
        assert_eq!(out, [1]);
        // The inner limit met exactly: all three prefixes patched.
        put_vec(&mut out, LenSize::U24, "outer", |o| {
            put_vec(o, LenSize::U16, "middle", |o| {
                put_vec(o, LenSize::U8, "inner", fill(255))
            })
        })
        .unwrap();
        assert_eq!(&out[..7], &[1, 0, 1, 2, 1, 0, 0xff]);
        assert_eq!(out.len(), 1 + 3 + 2 + 1 + 255);
    }

    #[test]
    fn list_of_too_many_items_is_an_error() {
        use crate::codec::enums::NamedGroup;
        // 32,767 groups take 65,534 bytes and fit a u16 prefix; 32,768 do not.
        let groups = vec![NamedGroup::X25519; 32_768];
        let mut out = Vec::new();
        put_list(&mut out, LenSize::U16, "groups", &groups[1..]).unwrap();
        assert_eq!(&out[..2], &[0xff, 0xfe]);
        let mut out = Vec::new();
        let e = put_list(&mut out, LenSize::U16, "supported_groups too long", &groups);
        assert_eq!(e, Err(Error::Internal("supported_groups too long")));
        assert!(out.is_empty());
    }

    #[test]
    fn empty_vectors_refused_where_forbidden() {
        let mut r = Reader::new(&[0]);
        assert!(r.vec_nonempty(LenSize::U8, "x").is_err());
    }
}
