//! Handshake message reassembly (RFC 5246 §6.2.1): handshake messages are a
//! byte stream that records cut anywhere, so one message may span many
//! records and one record may hold many messages.
//!
//! The joiner returns each message whole, header included, because the
//! transcript hash covers exactly those bytes (RFC 5246 §7.4.9). Memory is
//! bounded: a header announcing more than its type allows
//! ([`max_body_len`]: [`MAX_CLIENT_HELLO_LEN`] for a ClientHello,
//! [`crate::limits::MAX_HANDSHAKE_MESSAGE_LEN`] for the others) fails as
//! soon as its four bytes arrive, and nothing is ever reserved on an
//! announced length, only on bytes actually received.

use crate::codec::enums::HandshakeType;
use crate::error::{Error, InvalidMessage};
use crate::handshake::{max_body_len, HANDSHAKE_HEADER_LEN};
use crate::limits::{MAX_CLIENT_HELLO_LEN, MAX_PLAINTEXT_LEN};
use alloc::vec::Vec;

/// The most bytes the joiner holds: one incomplete largest message (a
/// ClientHello) plus one record that has not been popped yet.
pub const MAX_JOINER_BUFFER: usize =
    HANDSHAKE_HEADER_LEN + MAX_CLIENT_HELLO_LEN + MAX_PLAINTEXT_LEN;

/// Joins handshake record plaintexts into whole messages.
///
/// Use: [`push`](Self::push) each handshake record's plaintext, then call
/// [`pop`](Self::pop) until it returns `None`. Before accepting a
/// ChangeCipherSpec, check [`is_empty`](Self::is_empty): a handshake message
/// must not span it (RFC 5246 §7.1). After the handshake, [`free`](Self::free)
/// returns the buffer's memory.
#[derive(Debug, Default)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// Where the next unpopped message starts in `buf`.
    start: usize,
}

impl HandshakeJoiner {
    /// An empty joiner; it allocates only when bytes arrive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one record's plaintext. Fails with `TooLarge` if the header
    /// of the next message to pop announces more than its type allows
    /// ([`max_body_len`]), or if the buffer would exceed
    /// [`MAX_JOINER_BUFFER`] (the caller did not pop). The headers of
    /// messages behind it are checked by [`pop`](Self::pop) when they come
    /// next: by then the caller has handled the messages before them and
    /// can check their type against the state before their length (see
    /// [`next_type`](Self::next_type)). An empty fragment is a no-op;
    /// refusing empty handshake records (RFC 5246 §6.2.1) is the record
    /// layer's business.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), Error> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let need = self.buf.len().saturating_add(fragment.len());
        if need > MAX_JOINER_BUFFER {
            return Err(Error::invalid("handshake buffer", InvalidMessage::TooLarge));
        }
        if need > self.buf.capacity() {
            // Grow geometrically with the bytes that arrive (so 1-byte
            // records cost amortized O(1)), but not past the end of the
            // message being assembled when its header is known (doubling
            // 64 KiB + 4 would reserve 128 KiB); and straight to that end
            // once it is within twice the bytes received plus a record, so
            // that a long message is not copied once more for its last
            // few bytes (a 128 KiB ClientHello would otherwise hold 128 KiB
            // and its final 128.3 KiB at once). Never more than that is
            // reserved: twice what arrived, plus one record.
            let grown = need.max(self.buf.capacity().saturating_mul(2));
            let target = match self.body_len_at(0)? {
                Some(len) => {
                    let end = HANDSHAKE_HEADER_LEN + len;
                    if end <= need.saturating_mul(2).saturating_add(MAX_PLAINTEXT_LEN) {
                        end.max(need)
                    } else {
                        grown.min(end).max(need)
                    }
                }
                None => grown,
            };
            self.buf.reserve_exact(target - self.buf.len());
        }
        self.buf.extend_from_slice(fragment);
        // The next message's header, once complete: an oversized length is
        // refused as soon as it is seen, not after its body was buffered.
        self.body_len_at(0)?;
        Ok(())
    }

    /// The next whole message (header and body), or `None` if it has not
    /// fully arrived.
    pub fn pop(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Some(len) = self.body_len_at(self.start)? else {
            return Ok(None);
        };
        let end = self.start + HANDSHAKE_HEADER_LEN + len;
        if self.start == 0 && end == self.buf.len() {
            // The buffer holds exactly this message (the usual case): hand
            // it over instead of copying it.
            return Ok(Some(core::mem::take(&mut self.buf)));
        }
        let Some(msg) = self.buf.get(self.start..end) else {
            return Ok(None);
        };
        let msg = msg.to_vec();
        self.start = end;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(msg))
    }

    /// The type of the next message to pop, as soon as its first byte is
    /// there: the caller checks it against the handshake state before it
    /// waits for (or buffers) the rest.
    pub fn next_type(&self) -> Option<HandshakeType> {
        self.buf.get(self.start).map(|&t| HandshakeType(t))
    }

    /// Whether no bytes are pending: no partial message, nothing unpopped.
    pub fn is_empty(&self) -> bool {
        self.start >= self.buf.len()
    }

    /// How many bytes are buffered and not yet popped.
    #[cfg(any(test, feature = "unstable-internals"))]
    pub fn pending(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// Drops everything and releases the buffer's memory (after the
    /// handshake, or before a renegotiation is refused).
    pub fn free(&mut self) {
        self.buf = Vec::new();
        self.start = 0;
    }

    /// The body length of the message whose header starts at `pos`, if the
    /// header is complete; `TooLarge` if it exceeds the limit.
    fn body_len_at(&self, pos: usize) -> Result<Option<usize>, Error> {
        let Some(h) = pos
            .checked_add(HANDSHAKE_HEADER_LEN)
            .and_then(|end| self.buf.get(pos..end))
        else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        if len > max_body_len(HandshakeType(h[0])) {
            return Err(Error::invalid("handshake length", InvalidMessage::TooLarge));
        }
        Ok(Some(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::testutil::kind;
    use crate::limits::MAX_HANDSHAKE_MESSAGE_LEN;

    fn stream() -> Vec<u8> {
        let mut s = vec![14, 0, 0, 0]; // ServerHelloDone
        s.extend_from_slice(&[20, 0, 0, 12]);
        s.extend_from_slice(&[0xaa; 12]);
        s.extend_from_slice(&[11, 0, 1, 0]);
        s.extend_from_slice(&[0xbb; 256]);
        s
    }

    fn drain(j: &mut HandshakeJoiner, out: &mut Vec<Vec<u8>>) {
        while let Some(m) = j.pop().unwrap() {
            out.push(m);
        }
    }

    #[test]
    fn any_fragmentation_yields_the_same_messages() {
        let s = stream();
        for chunk in [1, 2, 3, 4, 5, 7, 16, 100, s.len()] {
            let mut j = HandshakeJoiner::new();
            let mut got = Vec::new();
            for piece in s.chunks(chunk) {
                j.push(piece).unwrap();
                drain(&mut j, &mut got);
            }
            assert!(j.is_empty());
            assert_eq!(got.len(), 3, "chunk {chunk}");
            assert_eq!(got.concat(), s);
            assert_eq!(got[0], [14, 0, 0, 0]);
            assert_eq!(got[1].len(), 16);
        }
    }

    #[test]
    fn largest_message_is_buffered_without_slack_and_not_copied() {
        for (typ, max) in [(11, MAX_HANDSHAKE_MESSAGE_LEN), (1, MAX_CLIENT_HELLO_LEN)] {
            let len = (max as u32).to_be_bytes();
            let mut msg = vec![typ, len[1], len[2], len[3]];
            msg.resize(HANDSHAKE_HEADER_LEN + max, 0x5a);
            for chunk in [1, 1000, MAX_PLAINTEXT_LEN] {
                let mut j = HandshakeJoiner::new();
                let mut reserved = 0;
                for piece in msg.chunks(chunk) {
                    let before = j.buf.capacity();
                    j.push(piece).unwrap();
                    let cap = j.buf.capacity();
                    assert!(cap <= msg.len(), "chunk {chunk}");
                    // Never more than twice what arrived, plus a record.
                    assert!(cap <= 2 * j.buf.len() + MAX_PLAINTEXT_LEN, "chunk {chunk}");
                    if cap != before {
                        reserved = cap;
                    }
                }
                assert_eq!(reserved, msg.len(), "the last growth goes to the end");
                let ptr = j.buf.as_ptr();
                let got = j.pop().unwrap().unwrap();
                assert_eq!(got, msg);
                assert_eq!(got.as_ptr(), ptr, "handed over, not copied");
                assert!(j.is_empty());
            }
        }
    }

    #[test]
    fn limits_depend_on_the_type() {
        for (typ, max) in [
            (HandshakeType::CLIENT_HELLO, MAX_CLIENT_HELLO_LEN),
            (HandshakeType::CERTIFICATE, MAX_HANDSHAKE_MESSAGE_LEN),
            (HandshakeType::FINISHED, MAX_HANDSHAKE_MESSAGE_LEN),
            (HandshakeType(99), MAX_HANDSHAKE_MESSAGE_LEN),
        ] {
            let at = (max as u32).to_be_bytes();
            let mut j = HandshakeJoiner::new();
            j.push(&[typ.0, at[1], at[2], at[3]]).unwrap();
            let over = (max as u32 + 1).to_be_bytes();
            let mut j = HandshakeJoiner::new();
            assert_eq!(
                kind(j.push(&[typ.0, over[1], over[2], over[3]])),
                InvalidMessage::TooLarge,
                "{typ:?}"
            );
        }
    }

    #[test]
    fn partial_message_is_pending() {
        let mut j = HandshakeJoiner::new();
        j.push(&[20, 0, 0, 12, 1]).unwrap();
        assert_eq!(j.pop().unwrap(), None);
        assert!(!j.is_empty());
        assert_eq!(j.pending(), 5);
        j.push(&[14, 0]).unwrap(); // garbage: still pending
        j.free();
        assert!(j.is_empty());
        assert_eq!(j.buf.capacity(), 0);
    }

    #[test]
    fn oversized_header_fails_at_once() {
        // Behind a whole message, a header is checked when it comes next.
        let mut j = HandshakeJoiner::new();
        j.push(&[14, 0, 0, 0, 14]).unwrap();
        assert_eq!(j.next_type(), Some(HandshakeType::SERVER_HELLO_DONE));
        j.push(&[0x01, 0x00]).unwrap();
        j.push(&[0x01]).unwrap();
        assert_eq!(j.pop().unwrap().unwrap(), [14, 0, 0, 0]);
        assert_eq!(j.next_type(), Some(HandshakeType::SERVER_HELLO_DONE));
        assert_eq!(kind(j.pop()), InvalidMessage::TooLarge);
        // At the front, as soon as its four bytes are there.
        let mut j = HandshakeJoiner::new();
        j.push(&[14, 0x01]).unwrap();
        assert_eq!(kind(j.push(&[0x00, 0x01])), InvalidMessage::TooLarge);
        let mut j = HandshakeJoiner::new();
        let over = (MAX_CLIENT_HELLO_LEN + 1) as u32;
        let b = over.to_be_bytes();
        assert_eq!(
            kind(j.push(&[1, b[1], b[2], b[3]])),
            InvalidMessage::TooLarge
        );
    }

    #[test]
    fn buffer_is_bounded() {
        let mut j = HandshakeJoiner::new();
        let rec = [14, 0, 0, 0].repeat(MAX_PLAINTEXT_LEN / 4);
        let mut pushed = 0;
        let err = loop {
            match j.push(&rec) {
                Ok(()) => pushed += rec.len(),
                Err(e) => break e,
            }
        };
        assert!(pushed <= MAX_JOINER_BUFFER);
        assert_eq!(kind::<()>(Err(err)), InvalidMessage::TooLarge);
    }

    #[test]
    fn largest_message_fits() {
        let mut j = HandshakeJoiner::new();
        let len = MAX_HANDSHAKE_MESSAGE_LEN as u32;
        let b = len.to_be_bytes();
        let mut m = vec![11, b[1], b[2], b[3]];
        m.resize(4 + MAX_HANDSHAKE_MESSAGE_LEN, 0);
        for piece in m.chunks(MAX_PLAINTEXT_LEN) {
            j.push(piece).unwrap();
        }
        assert_eq!(j.pop().unwrap().unwrap(), m);
    }
}
