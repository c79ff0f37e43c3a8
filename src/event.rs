//! What the caller observes: [`Event`]s from `Connection::poll_event`, and the
//! [`Negotiated`] parameters of a completed handshake.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use rustls_pki_types::CertificateDer;

use crate::codec::enums::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::suites::SupportedSuite;
use crate::trace::TraceEntry;

/// Something the connection wants the caller to know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake finished; application data may flow. The parameters are
    /// also available from `Connection::negotiated`.
    HandshakeComplete,
    /// A handshake message or ChangeCipherSpec was sent or received (only when
    /// the config's `trace` is on).
    Trace(TraceEntry),
    /// The peer sent a warning alert other than close_notify (for example
    /// `no_renegotiation`); the connection goes on.
    WarningAlert(AlertDescription),
    /// The peer asked to renegotiate and we refused with a `no_renegotiation`
    /// warning (RFC 5746 §4.2/§4.4 leave refusing to the implementation).
    RenegotiationRefused,
    /// A renegotiation began: we started one (`Connection::renegotiate`), or
    /// took up the peer's HelloRequest or ClientHello. Application data goes
    /// on flowing under the keys in force.
    RenegotiationStarted,
    /// A renegotiation completed: both Finished verified and the new keys
    /// are in force both ways. Carries the new parameters (for example a
    /// client certificate the server asked for only now), which
    /// `Connection::negotiated` also returns from here on.
    RenegotiationComplete(Box<Negotiated>),
    /// The peer sent close_notify: no more data will come. We answer with our
    /// own close_notify automatically (RFC 5246 §7.2.1).
    PeerClosed,
}

/// What the handshake agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Negotiated {
    /// Always TLS 1.2.
    pub version: ProtocolVersion,
    /// The cipher suite.
    pub suite: &'static SupportedSuite,
    /// The ECDHE group (`None` on a resumed session: no key exchange ran).
    pub group: Option<NamedGroup>,
    /// The scheme the server signed its key exchange with (`None` on a
    /// resumed session).
    pub signature_scheme: Option<SignatureScheme>,
    /// The ALPN protocol, if one was agreed.
    pub alpn_protocol: Option<Vec<u8>>,
    /// The SNI host name the client sent.
    pub server_name: Option<String>,
    /// The peer's certificates, end-entity first (empty when the peer sent
    /// none, e.g. a client without client authentication).
    ///
    /// After a full handshake this is the chain **as the peer sent it**:
    /// only the first certificate, the end entity, is authenticated (the
    /// verifier found a path from it to a trusted root, which need not use
    /// the others; a peer may send junk after it). After a resumed
    /// handshake it is the end entity alone, as verified in the session's
    /// full handshake: sessions keep nothing else. Make decisions on
    /// `peer_certificates[0]` only.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Whether the extended master secret (RFC 7627) is in use.
    pub extended_master_secret: bool,
    /// Whether CBC records are encrypt-then-MAC (RFC 7366); always false
    /// with an AEAD suite.
    pub encrypt_then_mac: bool,
    /// Whether this connection resumed an earlier session (abbreviated
    /// handshake, RFC 5246 §7.3).
    pub resumed: bool,
}

impl Negotiated {
    /// The suite's IANA name.
    pub fn suite_name(&self) -> &'static str {
        self.suite.name()
    }
}

/// Events a connection holds inline before it needs the heap: a handshake
/// without tracing queues one (HandshakeComplete), and a caller that polls
/// events after each call rarely lets more pile up.
const INLINE_EVENTS: usize = 4;

/// The events waiting for `Connection::poll_event`, first in first out.
///
/// The first [`INLINE_EVENTS`] live in the connection itself, so a
/// connection whose caller keeps up never allocates for events; more (a
/// traced handshake, a caller that does not poll) spill into a `VecDeque`.
/// Every inline event is older than every spilled one: an event goes
/// inline only while nothing has spilled.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    inline: [Option<Event>; INLINE_EVENTS],
    /// Index of the oldest inline event.
    head: usize,
    /// How many inline slots are in use.
    len: usize,
    spilled: VecDeque<Event>,
}

impl EventQueue {
    /// Queues `event` after every event already queued.
    pub(crate) fn push_back(&mut self, event: Event) {
        if self.spilled.is_empty() && self.len < INLINE_EVENTS {
            let slot = (self.head + self.len) % INLINE_EVENTS;
            if let Some(s) = self.inline.get_mut(slot) {
                *s = Some(event);
                self.len += 1;
                return;
            }
        }
        self.spilled.push_back(event);
    }

    /// How many events wait.
    pub(crate) fn len(&self) -> usize {
        self.len + self.spilled.len()
    }

    /// The oldest queued event, if any.
    pub(crate) fn pop_front(&mut self) -> Option<Event> {
        if self.len > 0 {
            let event = self.inline.get_mut(self.head).and_then(Option::take);
            self.head = (self.head + 1) % INLINE_EVENTS;
            self.len -= 1;
            return event;
        }
        self.spilled.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_across_inline_and_spilled() {
        let mut q = EventQueue::default();
        let ev = |n: u8| Event::WarningAlert(AlertDescription(n));
        assert_eq!(q.pop_front(), None);
        // Interleave pushes and pops so the inline ring wraps and spills.
        let mut next_in = 0u8;
        let mut next_out = 0u8;
        for round in 0..20u8 {
            for _ in 0..(round % 7) {
                q.push_back(ev(next_in));
                next_in += 1;
            }
            for _ in 0..(round % 5) {
                match q.pop_front() {
                    Some(e) => {
                        assert_eq!(e, ev(next_out));
                        next_out += 1;
                    }
                    None => assert_eq!(next_out, next_in),
                }
            }
        }
        while let Some(e) = q.pop_front() {
            assert_eq!(e, ev(next_out));
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert!(q.spilled.capacity() > 0, "the test never spilled");
        // One event, as a handshake queues, stays inline.
        let mut q = EventQueue::default();
        q.push_back(Event::HandshakeComplete);
        assert_eq!(q.spilled.capacity(), 0);
        assert_eq!(q.pop_front(), Some(Event::HandshakeComplete));
        assert_eq!(q.pop_front(), None);
    }
}
