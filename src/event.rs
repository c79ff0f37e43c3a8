//! What the caller observes: [`Event`]s from `Connection::poll_event`, and the
//! [`Negotiated`] parameters of a completed handshake.

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
    /// The peer's certificate chain, end-entity first (empty when the peer
    /// sent none, e.g. a client without client authentication).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Whether the extended master secret (RFC 7627) is in use.
    pub extended_master_secret: bool,
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
