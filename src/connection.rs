//! The public [`Connection`]: drives bytes through the record layer and the
//! handshake state machine, and applies the actions the states return.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::ServerName;

use crate::client::ClientState;
use crate::codec::enums::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion,
};
use crate::codec::Codec;
use crate::config::{ClientConfig, ServerConfig};
use crate::error::Error;
use crate::event::{Event, EventQueue, Negotiated};
use crate::handshake::reassembly::HandshakeJoiner;
use crate::handshake::HandshakeMessage;
use crate::limits::{
    MAX_BUFFERED_OUTPUT, MAX_EMPTY_RECORDS, MAX_QUEUED_EVENTS, MAX_RENEGOTIATION_REQUESTS,
    MAX_WARNING_ALERTS, RECORD_HEADER_LEN,
};
use crate::logging::{log_debug, log_warn};
use crate::message::{Alert, ChangeCipherSpec};
use crate::record::deframer::RecordType;
use crate::record::layer::RecordLayer;
use crate::server::ServerState;
use crate::state::{Action, Actions, Msg, SessionKey, Traffic};

#[path = "connection_renegotiation.rs"]
mod renegotiation;
#[path = "connection_secrets.rs"]
mod secrets;
#[cfg(feature = "std")]
#[path = "connection_split.rs"]
mod split;
use crate::suites::KeyExchangeKind;
use crate::trace::{self, Direction};
#[cfg(feature = "std")]
pub use split::SplitError;

/// A bound on what framing and protection add to one record: header,
/// explicit nonce and tag for an AEAD; with CBC suites (feature `legacy`),
/// header, IV, HMAC-SHA384 and a block of padding.
#[cfg(not(feature = "legacy"))]
const RECORD_OVERHEAD_BOUND: usize = RECORD_HEADER_LEN + 8 + 16;
#[cfg(feature = "legacy")]
const RECORD_OVERHEAD_BOUND: usize = RECORD_HEADER_LEN + 16 + 48 + 16;

/// Capacity of the outbox (the wire bytes) a handshake reserves at least: a
/// ClientHello and then a client's ClientKeyExchange, ChangeCipherSpec and
/// Finished (about 170 bytes framed) fit in it without growing. Given back once the handshake
/// is over (see [`Connection::poll_output`]).
const HANDSHAKE_OUTBOX_CAPACITY: usize = 512;

/// Capacity of the outbox an established connection keeps between calls.
const IDLE_OUTBOX_CAPACITY: usize = 64;

/// What one call to [`Connection::handle_input`] did with the caller's bytes.
#[derive(Debug)]
pub struct Input<'a> {
    /// How many bytes from the front of the buffer were used up; the caller
    /// drops them and keeps the rest for the next call. Zero means a whole
    /// record is not there yet, or the caller must first take what is
    /// queued: output ([`crate::limits::MAX_BUFFERED_OUTPUT`], see
    /// [`Connection::poll_output`]) or events
    /// ([`crate::limits::MAX_QUEUED_EVENTS`], see [`Connection::poll_event`]).
    pub consumed: usize,
    /// Application data, decrypted in place inside the caller's buffer
    /// (within the consumed part): one record's worth, never copied.
    pub data: Option<&'a mut [u8]>,
}

/// Handshake bytes that follow the message ending the peer's flight, in the
/// same record or buffered: the peer wrote before reading our answer. No
/// TLS 1.2 exchange does that, and such bytes could otherwise come to
/// straddle a change of keys (RFC 5246 §7.1).
fn excess_handshake_data() -> Error {
    Error::UnexpectedMessage {
        expected: "nothing more before our answer",
        got: "handshake data after the end of the peer's flight",
    }
}

/// Whether a message of this type is part of a flight, and so is excess
/// data after the end of the peer's. A HelloRequest is not: it may come at
/// any time (RFC 5246 §7.4.1.1), and the states ignore and count one that
/// arrives during a handshake.
fn belongs_to_a_flight(typ: HandshakeType) -> bool {
    typ != HandshakeType::HELLO_REQUEST
}

/// The length (header included) of the handshake message at the start of
/// `buf` if all of it is there; a header announcing more than its type
/// allows ([`crate::handshake::max_body_len`]) is refused at once.
pub(crate) fn whole_message_len(buf: &[u8]) -> Result<Option<usize>, Error> {
    let Some(header) = buf.get(..4) else {
        return Ok(None);
    };
    let body = u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
    if body > crate::handshake::max_body_len(HandshakeType(header[0])) {
        // Same words as the joiner's check, so the error does not depend
        // on how the peer cut its records.
        return Err(Error::invalid(
            "handshake length",
            crate::error::InvalidMessage::TooLarge,
        ));
    }
    Ok((buf.len() >= 4 + body).then_some(4 + body))
}

// One per connection, never moved in bulk: boxing the larger variant would
// only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Role {
    Client(ClientState),
    Server(ServerState),
}

/// A TLS 1.2 connection, client or server, as a pure state machine.
///
/// # The contract
///
/// The connection owns no socket, clock or thread. The caller moves bytes
/// and calls three groups of methods, in any order and as often as it likes:
///
/// - **Input** — [`handle_input`](Self::handle_input) takes a buffer holding
///   received bytes (partial records are fine: nothing is consumed until a
///   whole record is there, so keep at least [`crate::limits::MAX_RECORD_LEN`]
///   bytes of room); it reports how many bytes it consumed and hands back
///   application data decrypted in place. [`handle_eof`](Self::handle_eof)
///   says the transport ended.
/// - **Output** — [`poll_output`](Self::poll_output) appends the bytes to
///   send (handshake messages, alerts) to the caller's vector;
///   [`send`](Self::send) encrypts application data straight into it;
///   [`close`](Self::close) queues close_notify.
/// - **Events and getters** — [`poll_event`](Self::poll_event) yields
///   [`Event`]s; [`is_handshaking`](Self::is_handshaking),
///   [`negotiated`](Self::negotiated) and friends describe the state.
/// - **Renegotiation** (RFC 5746; only when the configuration allows it) —
///   [`renegotiate`](Self::renegotiate) starts a new handshake inside the
///   connection, [`is_renegotiating`](Self::is_renegotiating) says one is
///   under way; the same loop drives it, and application data keeps
///   flowing meanwhile.
///
/// After every `handle_input`, drain `poll_output` and `poll_event`. Any
/// error is fatal and sticky: the fatal alert it implies is queued, so drain
/// `poll_output` one last time and close the transport.
///
/// ```
/// use std::sync::Arc;
/// use sanstls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
/// use sanstls::verify::RootCertStore;
/// use sanstls::{ClientConfig, Connection, ServerConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A throwaway self-signed certificate for "localhost", trusted by the client.
/// let key = rcgen::KeyPair::generate()?;
/// let cert = rcgen::CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
/// let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
/// let mut roots = RootCertStore::new();
/// roots.add(cert.der().clone())?;
///
/// let mut client = Connection::new_client(
///     Arc::new(ClientConfig::new(roots)),
///     ServerName::try_from("localhost")?,
/// )?;
/// let mut server = Connection::new_server(Arc::new(ServerConfig::new(vec![cert.der().clone()], &key)?));
///
/// // The "transport": one byte vector each way. A real caller reads from and
/// // writes to its socket here.
/// let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
/// fn deliver(conn: &mut Connection, wire: &mut Vec<u8>, got: &mut Vec<u8>) -> Result<(), sanstls::Error> {
///     loop {
///         let input = conn.handle_input(wire)?;
///         if let Some(data) = input.data {
///             got.extend_from_slice(data); // decrypted in place, borrowed from `wire`
///         }
///         let consumed = input.consumed;
///         if consumed == 0 {
///             return Ok(()); // keep the partial record for later
///         }
///         wire.drain(..consumed);
///     }
/// }
/// let mut received = Vec::new();
/// while client.is_handshaking() || server.is_handshaking() {
///     client.poll_output(&mut to_server);
///     deliver(&mut server, &mut to_server, &mut received)?;
///     server.poll_output(&mut to_client);
///     deliver(&mut client, &mut to_client, &mut received)?;
///     while let Some(event) = client.poll_event() {
///         println!("client: {event:?}");
///     }
/// }
/// assert_eq!(client.negotiated().unwrap().suite_name(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
///
/// // Application data is encrypted straight into the caller's output...
/// client.send(b"hello", &mut to_server)?;
/// // ...and decrypted in place on the other side.
/// deliver(&mut server, &mut to_server, &mut received)?;
/// assert_eq!(received, b"hello");
///
/// // close_notify both ways: the server answers the client's automatically.
/// client.close();
/// client.poll_output(&mut to_server);
/// deliver(&mut server, &mut to_server, &mut received)?;
/// assert!(server.peer_closed());
/// server.poll_output(&mut to_client);
/// deliver(&mut client, &mut to_client, &mut received)?;
/// assert!(client.peer_closed());
/// # Ok(()) }
/// ```
pub struct Connection {
    /// The handshake state; `None` only while a state handles a message
    /// (it is consumed, so a step cannot run twice) and after one failed.
    role: Option<Role>,
    /// Which side we play: fixed at construction, unlike `role`.
    is_client: bool,
    record: RecordLayer,
    joiner: HandshakeJoiner,
    /// Framed (and, once keys are on, protected) records waiting for
    /// [`Connection::poll_output`]: handshake flights and alerts.
    outbox: Vec<u8>,
    events: EventQueue,
    /// What the handshake states return for the connection to apply.
    actions: Actions,
    negotiated: Option<Negotiated>,
    error: Option<Error>,
    trace: bool,
    /// The negotiated key exchange, once ServerHello fixed it: the trace
    /// reads ServerKeyExchange and ClientKeyExchange by it.
    kx: Option<KeyExchangeKind>,
    peer_closed: bool,
    sent_close: bool,
    /// Empty application-data records since the last progress
    /// ([`MAX_EMPTY_RECORDS`]).
    empty_records: usize,
    /// Warning alerts over the connection's life ([`MAX_WARNING_ALERTS`]).
    warning_alerts: usize,
    /// Renegotiation requests refused over the connection's life
    /// ([`MAX_RENEGOTIATION_REQUESTS`]).
    renegotiation_requests: usize,
    /// What the last completed handshake left for traffic; `Some` from the
    /// first handshake's end on, through every renegotiation.
    traffic: Option<Traffic>,
    /// Renegotiations started or accepted
    /// ([`crate::limits::MAX_RENEGOTIATIONS`]).
    renegotiations: usize,
    /// HelloRequests received ([`crate::limits::MAX_HELLO_REQUESTS`]).
    hello_requests: usize,
    /// Server: we sent HelloRequest and no ClientHello has come yet; with
    /// `Some(false)` the handshake it asks for must not resume a session.
    hello_request_pending: Option<bool>,
    /// The stored session this connection uses or created, if any.
    session: Option<SessionKey>,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("client", &self.is_client())
            .field("handshaking", &self.is_handshaking())
            .field("negotiated", &self.negotiated)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A client connection to `server_name`; the ClientHello is queued at once.
    pub fn new_client(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<Self, Error> {
        let trace = config.trace;
        let mut conn = Self::empty(trace, true);
        let state = ClientState::start(config, server_name, &mut conn.actions)?;
        conn.role = Some(Role::Client(state));
        // The records of the first ClientHello say {3, 1}, as OpenSSL and
        // rustls send them, for old servers and middleboxes (RFC 5246
        // Appendix E.1); every later record says TLS 1.2.
        conn.record.set_plaintext_version(ProtocolVersion::TLSV1_0);
        let sent = conn.apply_actions();
        conn.record.set_plaintext_version(ProtocolVersion::TLSV1_2);
        sent?;
        Ok(conn)
    }

    /// A server connection awaiting a ClientHello.
    pub fn new_server(config: Arc<ServerConfig>) -> Self {
        let mut conn = Self::empty(config.trace, false);
        conn.role = Some(Role::Server(ServerState::start(config)));
        conn
    }

    fn empty(trace: bool, is_client: bool) -> Self {
        Connection {
            role: None,
            is_client,
            record: RecordLayer::new(),
            joiner: HandshakeJoiner::new(),
            outbox: Vec::new(),
            events: EventQueue::default(),
            actions: Actions::default(),
            negotiated: None,
            error: None,
            trace,
            kx: None,
            peer_closed: false,
            sent_close: false,
            empty_records: 0,
            warning_alerts: 0,
            renegotiation_requests: 0,
            traffic: None,
            renegotiations: 0,
            hello_requests: 0,
            hello_request_pending: None,
            session: None,
        }
    }

    // ---- input ----

    /// Processes whole records from the front of `buf`: handshake, alerts and
    /// ChangeCipherSpec are handled internally; the first application-data
    /// record stops the call and is returned decrypted in place.
    pub fn handle_input<'a>(&mut self, buf: &'a mut [u8]) -> Result<Input<'a>, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut consumed = 0;
        let mut rest: &'a mut [u8] = buf;
        loop {
            if self.peer_closed {
                // RFC 5246 §7.2.1: nothing after close_notify is read.
                return Ok(Input {
                    consumed,
                    data: None,
                });
            }
            // Stop reading while the caller has not taken what we queued:
            // input can then never make output or events grow unbounded.
            if self.outbox.len() >= MAX_BUFFERED_OUTPUT || self.events.len() >= MAX_QUEUED_EVENTS {
                break;
            }
            let Some(this) = crate::record::deframer::take_record(&mut rest) else {
                // Not a whole record yet; still check what header there is,
                // so a bad header fails before its body arrives.
                if let Err(e) = self.record.read_record(&mut *rest) {
                    return Err(self.fail(e));
                }
                break;
            };
            consumed += this.len();
            match self.process_record(this) {
                Ok(Some(data)) => {
                    return Ok(Input {
                        consumed,
                        data: Some(data),
                    })
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(Input {
            consumed,
            data: None,
        })
    }

    /// Says the transport ended. Without a prior close_notify this is
    /// [`Error::Truncated`] (RFC 5246 §7.2.1): the data may have been cut
    /// short by an attacker.
    pub fn handle_eof(&mut self) -> Result<(), Error> {
        if self.peer_closed {
            return Ok(());
        }
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.error = Some(Error::Truncated);
        Err(Error::Truncated)
    }

    fn process_record<'a>(&mut self, record: &'a mut [u8]) -> Result<Option<&'a mut [u8]>, Error> {
        let Some(rec) = self.record.read_record(record)? else {
            return Err(Error::Internal("whole record not deframed"));
        };
        let typ = rec.typ;
        let payload = rec.payload;
        match typ {
            RecordType::ApplicationData => {
                // During a renegotiation, data still flows under the keys
                // in force, except between the peer's ChangeCipherSpec and
                // its Finished (RFC 5246 §7.1).
                let in_traffic = self.traffic().is_some() && self.takes_application_data();
                if !in_traffic || !self.joiner.is_empty() {
                    return Err(Error::UnexpectedMessage {
                        expected: self.awaiting(),
                        got: "application data",
                    });
                }
                // RFC 5246 §6.2.1 allows empty application data (against
                // traffic analysis), but each costs the peer nothing.
                if payload.is_empty() {
                    self.empty_records += 1;
                    if self.empty_records > MAX_EMPTY_RECORDS {
                        return Err(Error::LimitExceeded("consecutive empty records"));
                    }
                    return Ok(None);
                }
                self.empty_records = 0;
                Ok(Some(payload))
            }
            RecordType::Handshake => {
                // Whole messages in the record are handled where they lie,
                // in the caller's buffer; only a message cut by the record
                // boundary goes through the joiner (RFC 5246 §6.2.1). Each
                // message's type is checked against the state as soon as
                // its first byte is there, before its length, its body or
                // the rest of it.
                let mut rest: &[u8] = payload;
                if self.joiner.is_empty() {
                    loop {
                        if let Some(&typ) = rest.first() {
                            self.expect_handshake(HandshakeType(typ))?;
                        }
                        let Some(len) = whole_message_len(rest)? else {
                            break;
                        };
                        let (msg, tail) = rest.split_at(len);
                        let answered = self.handle_handshake(msg)?;
                        rest = tail;
                        let next = rest.first().map(|&t| HandshakeType(t));
                        if answered && next.is_some_and(belongs_to_a_flight) {
                            return Err(excess_handshake_data());
                        }
                    }
                }
                if !rest.is_empty() {
                    self.joiner.push(rest)?;
                    loop {
                        if let Some(typ) = self.joiner.next_type() {
                            self.expect_handshake(typ)?;
                        }
                        let Some(raw) = self.joiner.pop()? else {
                            break;
                        };
                        if self.handle_handshake(&raw)?
                            && self.joiner.next_type().is_some_and(belongs_to_a_flight)
                        {
                            return Err(excess_handshake_data());
                        }
                    }
                }
                // Once the handshake is over the joiner's buffer goes back,
                // but only when nothing is pending in it: what followed the
                // last Finished is handled like what follows a Finished that
                // arrived whole, never dropped.
                if self.traffic().is_some() && self.joiner.is_empty() {
                    self.joiner.free();
                }
                Ok(None)
            }
            RecordType::ChangeCipherSpec => {
                ChangeCipherSpec::check(payload)?;
                // RFC 5246 §7.1: a handshake message must not span a CCS.
                if !self.joiner.is_empty() {
                    return Err(Error::UnexpectedMessage {
                        expected: "rest of a handshake message",
                        got: "ChangeCipherSpec",
                    });
                }
                let role = self.role.take().ok_or(Error::Internal("no state"))?;
                let next = match role {
                    Role::Client(s) => Role::Client(s.handle_ccs()?),
                    Role::Server(s) => Role::Server(s.handle_ccs()?),
                };
                self.role = Some(next);
                self.record.activate_read()?;
                log_debug!("{} received ChangeCipherSpec", self.role_name());
                if self.trace {
                    self.push_trace(trace::change_cipher_spec(Direction::Received));
                }
                Ok(None)
            }
            RecordType::Alert => {
                let alert = Alert::from_bytes(payload)?;
                self.handle_alert(alert)?;
                Ok(None)
            }
        }
    }

    /// Refuses a handshake message the state does not take, from its type
    /// alone (see [`ClientState::expects`]).
    fn expect_handshake(&self, typ: HandshakeType) -> Result<(), Error> {
        let expected = match &self.role {
            Some(Role::Client(s)) => s.expects(typ),
            Some(Role::Server(s)) => s.expects(typ),
            None => false,
        };
        if expected {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                expected: self.awaiting(),
                got: trace::handshake_name(typ),
            })
        }
    }

    /// Decodes one whole handshake message whose type the state takes, and
    /// hands it to the state. Returns whether we answered it with handshake
    /// messages or a ChangeCipherSpec: the peer's flight is then over, and
    /// it may send no more handshake bytes before it has read ours.
    fn handle_handshake(&mut self, raw: &[u8]) -> Result<bool, Error> {
        log_debug!(
            "{} received {}",
            self.role_name(),
            trace::handshake_name(HandshakeType(raw.first().copied().unwrap_or(u8::MAX)))
        );
        if self.trace {
            // A HelloRequest or ClientHello on an idle connection opens the
            // next handshake (or asks for it): traced as part of it. (A
            // ClientHello that answers our HelloRequest is already counted.)
            let opens = self.traffic.is_some()
                && self.is_idle()
                && self.hello_request_pending.is_none()
                && raw.first().is_some_and(|&t| {
                    let t = HandshakeType(t);
                    t == HandshakeType::HELLO_REQUEST || t == HandshakeType::CLIENT_HELLO
                });
            let mut entry = trace::describe(Direction::Received, raw, self.kx);
            entry.handshake = self.renegotiations + 1 + usize::from(opens);
            self.events.push_back(Event::Trace(entry));
        }
        let msg = HandshakeMessage::read(raw)?;
        let msg = Msg { raw, payload: msg };
        // A handshake message is progress: it ends a run of empty records.
        self.empty_records = 0;
        let Some(msg) = self.start_peer_renegotiation(msg)? else {
            let answered = self.actions.answers();
            return self.apply_actions().map(|()| answered);
        };
        let role = self.role.take().ok_or(Error::Internal("no state"))?;
        let mut next = match role {
            Role::Client(s) => Role::Client(s.handle(msg, &mut self.actions)?),
            Role::Server(s) => Role::Server(s.handle(msg, &mut self.actions)?),
        };
        // A handshake that just completed hands over what traffic needs,
        // replacing what the one before left.
        let completed = match &mut next {
            Role::Client(s) => s.take_completed(),
            Role::Server(s) => s.take_completed(),
        };
        if completed.is_some() {
            self.traffic = completed;
        }
        self.role = Some(next);
        let answered = self.actions.answers();
        self.apply_actions().map(|()| answered)
    }

    fn handle_alert(&mut self, alert: Alert) -> Result<(), Error> {
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            // A close_notify cuts a handshake short: it can never complete.
            if self.traffic().is_none() {
                return Err(Error::AlertReceived(AlertDescription::CLOSE_NOTIFY));
            }
            log_debug!("{} received close_notify", self.role_name());
            self.peer_closed = true;
            self.events.push_back(Event::PeerClosed);
            self.close();
            return Ok(());
        }
        if alert.level == AlertLevel::FATAL {
            log_warn!(
                "{} received fatal alert {}",
                self.role_name(),
                alert.description
            );
            return Err(Error::AlertReceived(alert.description));
        }
        log_warn!(
            "{} received warning alert {}",
            self.role_name(),
            alert.description
        );
        if alert.description == AlertDescription::NO_RENEGOTIATION {
            self.renegotiation_refused();
        }
        self.warning_alerts += 1;
        if self.warning_alerts > MAX_WARNING_ALERTS {
            return Err(Error::LimitExceeded("warning alerts"));
        }
        self.events
            .push_back(Event::WarningAlert(alert.description));
        Ok(())
    }

    fn apply_actions(&mut self) -> Result<(), Error> {
        let mut out = core::mem::take(&mut self.actions);
        // One reservation for the whole flight: its messages plus a record
        // header and AEAD overhead per action, at most. The first flight of
        // a handshake reserves at least HANDSHAKE_OUTBOX_CAPACITY, so that a
        // client's second flight fits where its ClientHello went.
        let mut need = out.messages.len() + out.list.len() * RECORD_OVERHEAD_BOUND;
        if need > 0 && self.outbox.capacity() == 0 && self.traffic().is_none() {
            need = need.max(HANDSHAKE_OUTBOX_CAPACITY);
        }
        self.outbox.reserve(need);
        let mut result = Ok(());
        let mut cursor = 0;
        for action in out.list.drain(..) {
            if let Err(e) = self.apply(action, &out.messages, &mut cursor) {
                result = Err(e);
                break;
            }
        }
        // Actions carry whole ciphers: once the handshake is over, give the
        // scratch memory back rather than keep it per connection.
        if self.traffic().is_none() {
            out.messages.clear();
            self.actions = out;
        }
        result
    }

    fn apply(&mut self, action: Action, messages: &[u8], cursor: &mut usize) -> Result<(), Error> {
        match action {
            Action::Send(len) => {
                let bytes = messages
                    .get(*cursor..*cursor + len)
                    .ok_or(Error::Internal("handshake message out of range"))?;
                *cursor += len;
                log_debug!(
                    "{} sent {}",
                    self.role_name(),
                    trace::handshake_name(HandshakeType(bytes.first().copied().unwrap_or(u8::MAX)))
                );
                if self.trace {
                    self.push_trace(trace::describe(Direction::Sent, bytes, self.kx));
                }
                self.record
                    .write_record(ContentType::HANDSHAKE, bytes, &mut self.outbox)?;
            }
            Action::ChangeWriteCipher(enc) => {
                self.record.write_record(
                    ContentType::CHANGE_CIPHER_SPEC,
                    &ChangeCipherSpec::BYTES,
                    &mut self.outbox,
                )?;
                self.record.prepare_write(enc);
                self.record.activate_write()?;
                log_debug!("{} sent ChangeCipherSpec", self.role_name());
                if self.trace {
                    self.push_trace(trace::change_cipher_spec(Direction::Sent));
                }
            }
            Action::PrepareRead(dec) => self.record.prepare_read(dec),
            Action::SuiteChosen(kx) => {
                self.record.set_strict_version();
                self.kx = Some(kx);
            }
            Action::RenegotiationRequest { answer } => {
                self.renegotiation_requests += 1;
                if self.renegotiation_requests > MAX_RENEGOTIATION_REQUESTS {
                    return Err(Error::TooManyRenegotiationRequests);
                }
                if answer {
                    self.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION)?;
                    self.events.push_back(Event::RenegotiationRefused);
                }
            }
            Action::Complete(negotiated) => {
                log_debug!(
                    "{} {} complete: {}, {}, extended master secret {}",
                    self.role_name(),
                    if self.negotiated.is_some() {
                        "renegotiation"
                    } else {
                        "handshake"
                    },
                    negotiated.suite_name(),
                    if negotiated.resumed {
                        "resumed"
                    } else {
                        "full"
                    },
                    if negotiated.extended_master_secret {
                        "yes"
                    } else {
                        "no"
                    },
                );
                let event = if self.negotiated.is_some() {
                    Event::RenegotiationComplete(Box::new(negotiated.clone()))
                } else {
                    Event::HandshakeComplete
                };
                self.negotiated = Some(negotiated);
                self.events.push_back(event);
            }
            Action::Session(key) => self.session = Some(key),
        }
        Ok(())
    }

    /// Queues a trace entry, numbered with the handshake it belongs to.
    fn push_trace(&mut self, mut entry: trace::TraceEntry) {
        entry.handshake = self.renegotiations + 1;
        self.events.push_back(Event::Trace(entry));
    }

    fn send_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Result<(), Error> {
        let alert = Alert { level, description };
        if description == AlertDescription::CLOSE_NOTIFY {
            log_debug!("{} sent close_notify", self.role_name());
        } else {
            let level = if level == AlertLevel::FATAL {
                "fatal"
            } else {
                "warning"
            };
            log_warn!("{} sent {level} alert {description}", self.role_name());
        }
        self.record
            .write_record(ContentType::ALERT, &alert.to_array(), &mut self.outbox)
    }

    /// Records `e` as the connection's final error and queues its alert.
    fn fail(&mut self, e: Error) -> Error {
        if !e.is_fatal() {
            return e;
        }
        // RFC 5246 §7.2: a fatal alert, sent or received, invalidates the
        // session. A transport EOF is not an alert and does not.
        if e != Error::Truncated {
            if let Some(session) = self.session.take() {
                session.invalidate();
            }
        }
        log_warn!("{} connection failed: {e}", self.role_name());
        if let Some(desc) = e.alert() {
            if !self.sent_close {
                // Best effort: if even the alert cannot be written, the
                // caller still gets the original error.
                let _ = self.send_alert(AlertLevel::FATAL, desc);
                self.sent_close = true;
            }
        }
        self.error = Some(e.clone());
        e
    }

    // ---- output ----

    /// Appends every queued byte to send to `out`; returns how many.
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.outbox.len();
        out.extend_from_slice(&self.outbox);
        self.outbox.clear();
        // After the handshake the outbox only ever holds an alert: keep an
        // idle connection small (only the handshake's flights needed more).
        if self.traffic().is_some() && self.outbox.capacity() > IDLE_OUTBOX_CAPACITY {
            self.outbox = Vec::new();
        }
        n
    }

    /// Whether [`poll_output`](Self::poll_output) has anything to give.
    pub fn has_output(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// Encrypts `data` as application-data records of at most 2^14 bytes
    /// each, straight into `out`, after any queued output.
    pub fn send(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.check_can_send()?;
        self.poll_output(out);
        if data.is_empty() {
            return Ok(());
        }
        self.record
            .write_record(ContentType::APPLICATION_DATA, data, out)
            .map_err(|e| self.fail(e))
    }

    /// Where application data goes for [`seal_in_place`](Self::seal_in_place):
    /// `(prefix, suffix)`, the bytes a record needs in front of the plaintext
    /// (header and explicit nonce) and after it (the tag). `None` until the
    /// handshake is complete.
    pub fn in_place_layout(&self) -> Option<(usize, usize)> {
        if self.traffic().is_none() || self.sent_close || self.error.is_some() {
            return None;
        }
        self.record.in_place_layout()
    }

    /// Encrypts one application-data record in the caller's own buffer, with
    /// no copy of the plaintext: the caller writes up to 2^14 bytes of
    /// plaintext at `record[prefix..]` (see
    /// [`in_place_layout`](Self::in_place_layout)), leaving `prefix` bytes in
    /// front and `suffix` after, and this fills in the header, nonce and tag.
    /// Returns the record's length: send `record[..n]`.
    ///
    /// Queued output goes first: call [`poll_output`](Self::poll_output)
    /// before this when [`has_output`](Self::has_output) says so, else
    /// [`Error::OutputBacklog`]. A buffer too small or more than 2^14 bytes of
    /// plaintext is [`Error::Config`]; neither ends the connection.
    pub fn seal_in_place(&mut self, record: &mut [u8], len: usize) -> Result<usize, Error> {
        self.check_can_send()?;
        if !self.outbox.is_empty() {
            return Err(Error::OutputBacklog);
        }
        self.record
            .seal_in_place(ContentType::APPLICATION_DATA, record, len)
            .map_err(|e| self.fail(e))
    }

    /// Why application data cannot be sent now, if it cannot: the sticky
    /// error, a close already sent, or a handshake still under way.
    fn check_can_send(&self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.sent_close {
            return Err(Error::ConnectionClosed);
        }
        if self.traffic().is_none() {
            return Err(Error::HandshakeNotComplete);
        }
        Ok(())
    }

    /// Queues close_notify (RFC 5246 §7.2.1); nothing more can be sent.
    pub fn close(&mut self) {
        if self.sent_close || self.error.is_some() {
            return;
        }
        self.sent_close = true;
        let _ = self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
    }

    // ---- events and getters ----

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Whether the handshake is still under way (and no error has ended it).
    pub fn is_handshaking(&self) -> bool {
        self.error.is_none() && self.traffic().is_none()
    }

    /// The handshake's results, once complete.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// Whether this is the client side.
    pub fn is_client(&self) -> bool {
        self.is_client
    }

    /// Whether the peer sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Whether we queued close_notify or a fatal alert.
    pub fn sent_close(&self) -> bool {
        self.sent_close
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// RFC 5705 keying material exporter. Refused without the extended master
    /// secret: without it the master secret can be the same on two
    /// connections (RFC 7627 §1), so exported keys would be too.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let t = self.traffic().ok_or(Error::HandshakeNotComplete)?;
        if !t.extended_master_secret {
            return Err(Error::config(
                "exporter requires the extended master secret",
            ));
        }
        t.master.export(
            t.suite.hash,
            label,
            context,
            &t.client_random,
            &t.server_random,
            out,
        )
    }

    fn traffic(&self) -> Option<&Traffic> {
        self.traffic.as_ref()
    }

    /// "client" or "server", for log lines.
    fn role_name(&self) -> &'static str {
        if self.is_client {
            "client"
        } else {
            "server"
        }
    }

    /// Whether the state lets application data in now (see
    /// [`ClientState::takes_application_data`]).
    fn takes_application_data(&self) -> bool {
        match &self.role {
            Some(Role::Client(s)) => s.takes_application_data(),
            Some(Role::Server(s)) => s.takes_application_data(),
            None => false,
        }
    }

    fn awaiting(&self) -> &'static str {
        match &self.role {
            Some(Role::Client(s)) => s.awaiting(),
            Some(Role::Server(s)) => s.awaiting(),
            None => "nothing",
        }
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
