//! Vectors (RFC 5246 §4.3) that decoding keeps as their validated wire bytes
//! instead of copying their items into a `Vec`: a received hello's suites,
//! groups, schemes and extensions are read where they lie, in the handshake
//! message the reassembler already holds.
//!
//! A [`List`] is either the body of a vector as it was decoded
//! ([`List::Wire`], checked once at decode time with the bounds its RFC
//! declares) or a borrowed slice of items to encode ([`List::Items`]).
//! Either way it iterates, compares and encodes the same.

use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::codec::{put_vec, Decode, LenSize, Reader};
use crate::error::{Error, InvalidMessage};

/// A vector of `T`: its decoded wire body, or items to encode.
pub enum List<'a, T> {
    /// The body (without its length prefix) of a vector as decoded: every
    /// item in it has been read once, so iterating never fails. Built by
    /// the decoders; bytes put here by hand that do not parse end the
    /// iteration early instead of failing.
    Wire(&'a [u8]),
    /// Items to encode, borrowed from wherever they live (configuration).
    Items(&'a [T]),
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for List<'_, T> {}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        List::Wire(&[])
    }
}

impl<'a, T: Decode<'a> + Clone> List<'a, T> {
    /// The items, in order.
    pub fn iter(&self) -> ListIter<'a, T> {
        match *self {
            List::Wire(b) => ListIter::Wire(Reader::new(b), PhantomData),
            List::Items(i) => ListIter::Items(i.iter()),
        }
    }

    /// Whether the vector holds no item.
    pub fn is_empty(&self) -> bool {
        match *self {
            List::Wire(b) => b.is_empty(),
            List::Items(i) => i.is_empty(),
        }
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        match *self {
            List::Wire(_) => self.iter().count(),
            List::Items(i) => i.len(),
        }
    }

    /// Appends the body, without a length prefix.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match *self {
            List::Wire(b) => {
                out.extend_from_slice(b);
                Ok(())
            }
            List::Items(i) => i.iter().try_for_each(|x| x.encode_to(out)),
        }
    }

    /// Appends the vector with a `size`-byte length prefix; a body longer
    /// than it can state is `Internal(what)` (see [`put_vec`]).
    pub fn encode(
        &self,
        out: &mut Vec<u8>,
        size: LenSize,
        what: &'static str,
    ) -> Result<(), Error> {
        put_vec(out, size, what, |o| self.encode_body(o))
    }

    /// Copies the items into `buf` (as many as fit) and returns the filled
    /// part: a slice to hand to APIs that take one, without allocating.
    pub fn copy_to<'b>(&self, buf: &'b mut [T]) -> &'b [T] {
        let mut n = 0;
        for (slot, item) in buf.iter_mut().zip(self.iter()) {
            *slot = item;
            n += 1;
        }
        &buf[..n]
    }

    /// Reads a vector of items that each take `width` bytes: the byte
    /// length must be a multiple of `width` (`BadLength`) and hold at least
    /// `min_items` (`BadLength`), and every item must read. The number of
    /// items is bounded by the vector's byte length alone: nothing is
    /// copied, and reading them is linear in their bytes.
    pub fn read_fixed(
        r: &mut Reader<'a>,
        size: LenSize,
        width: usize,
        min_items: usize,
        what: &'static str,
    ) -> Result<Self, Error> {
        let body = r.vec(size, what)?;
        if width == 0 || body.len() % width != 0 || body.len() / width < min_items {
            return Err(Error::invalid(what, InvalidMessage::BadLength));
        }
        let n = body.len() / width;
        let mut sub = Reader::new(body);
        for _ in 0..n {
            T::decode(&mut sub)?;
        }
        sub.expect_empty(what)?;
        Ok(List::Wire(body))
    }

    /// Reads a vector of variable-size items, at least `min_items`
    /// (`BadLength`); as for [`read_fixed`](Self::read_fixed), their number
    /// is bounded by the vector's bytes.
    pub fn read_items(
        r: &mut Reader<'a>,
        size: LenSize,
        min_items: usize,
        what: &'static str,
    ) -> Result<Self, Error> {
        let body = r.vec(size, what)?;
        let mut sub = Reader::new(body);
        let mut n = 0;
        while sub.any_left() {
            T::decode(&mut sub)?;
            n += 1;
        }
        if n < min_items {
            return Err(Error::invalid(what, InvalidMessage::BadLength));
        }
        Ok(List::Wire(body))
    }
}

impl<'a, T: Decode<'a> + Clone + PartialEq> List<'a, T> {
    /// Whether `item` is among the items.
    pub fn contains(&self, item: &T) -> bool {
        self.iter().any(|x| x == *item)
    }
}

impl<'a, T: Decode<'a> + Clone + PartialEq> PartialEq for List<'a, T> {
    /// Equal when the items are, whichever form each side has.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: Decode<'a> + Clone + Eq> Eq for List<'a, T> {}

impl<'a, T: Decode<'a> + Clone + core::fmt::Debug> core::fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> From<&'a [T]> for List<'a, T> {
    fn from(items: &'a [T]) -> Self {
        List::Items(items)
    }
}

impl<'a, T, const N: usize> From<&'a [T; N]> for List<'a, T> {
    fn from(items: &'a [T; N]) -> Self {
        List::Items(items)
    }
}

impl<'a, T> From<&'a Vec<T>> for List<'a, T> {
    fn from(items: &'a Vec<T>) -> Self {
        List::Items(items)
    }
}

/// The iterator of [`List::iter`].
pub enum ListIter<'a, T> {
    /// Reading a decoded body.
    Wire(Reader<'a>, PhantomData<T>),
    /// Walking borrowed items.
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: Decode<'a> + Clone> Iterator for ListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            ListIter::Wire(r, _) => {
                if !r.any_left() {
                    return None;
                }
                match T::decode(r) {
                    Ok(item) => Some(item),
                    Err(_) => {
                        r.rest();
                        None
                    }
                }
            }
            ListIter::Items(i) => i.next().cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::NamedGroup;

    #[test]
    fn wire_and_items_agree() {
        let items = [NamedGroup::X25519, NamedGroup::SECP256R1];
        let mine = List::Items(&items);
        let mut out = Vec::new();
        mine.encode(&mut out, LenSize::U16, "groups").unwrap();
        assert_eq!(out, [0, 4, 0, 0x1d, 0, 0x17]);
        let read = List::<NamedGroup>::read_fixed(
            &mut Reader::new(&out),
            LenSize::U16,
            2,
            1,
            "supported_groups",
        )
        .unwrap();
        assert_eq!(read, mine);
        assert_eq!(read.len(), 2);
        assert!(read.contains(&NamedGroup::SECP256R1));
        let mut buf = [NamedGroup(0); 1];
        assert_eq!(read.copy_to(&mut buf), &[NamedGroup::X25519]);
        // Hand-made garbage ends the iteration, never panics.
        let odd = List::<NamedGroup>::Wire(&[0, 0x1d, 0]);
        assert_eq!(odd.iter().count(), 1);
    }
}
