//! NewSessionTicket (RFC 5077 §3.3).

use crate::codec::{put_u32, Codec, LenSize, Reader};
use crate::error::Error;
use crate::handshake::put_opaque;
use alloc::vec::Vec;

/// `struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; }`.
/// An empty ticket is valid: RFC 5077 §3.3 lets a server that acknowledged
/// the extension decline to issue one that way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// Seconds the ticket may be kept; 0 means unspecified.
    pub lifetime_hint: u32,
    /// The ticket, opaque to the client.
    pub ticket: Vec<u8>,
}

impl Codec for NewSessionTicket {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_u32(out, self.lifetime_hint);
        put_opaque(out, LenSize::U16, "session ticket too long", &self.ticket)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(NewSessionTicket {
            lifetime_hint: r.u32("ticket_lifetime_hint")?,
            ticket: r.vec(LenSize::U16, "ticket")?.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::testutil::{assert_prefixes_fail, assert_trailing_fails};
    use crate::handshake::{HandshakeMessage, HandshakePayload};

    #[test]
    fn ticket_roundtrip() {
        for t in [
            NewSessionTicket {
                lifetime_hint: 7200,
                ticket: vec![1; 160],
            },
            NewSessionTicket {
                lifetime_hint: 0,
                ticket: vec![],
            },
        ] {
            let b = t.to_bytes();
            let d = NewSessionTicket::from_bytes(&b).unwrap();
            assert_eq!(d, t);
            assert_eq!(d.to_bytes(), b);
            assert_prefixes_fail::<NewSessionTicket>(&b);
            assert_trailing_fails::<NewSessionTicket>(&b);
            let msg = HandshakePayload::NewSessionTicket(t);
            assert_eq!(HandshakeMessage::read(&msg.to_bytes()).unwrap(), msg);
        }
    }
}
