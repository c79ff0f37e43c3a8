//! Full duplex: a connection split into a [`ReceiveHalf`] and a
//! [`SendHalf`] (see [`Connection::split`](crate::Connection::split)), so
//! that one thread reads while another writes.
//!
//! Each half owns its direction of the record layer: the receive half the
//! deframer and the peer's keys (decrypting in place, as
//! [`Connection::handle_input`](crate::Connection::handle_input) does), the
//! send half our keys (encrypting straight into the caller's output, as
//! [`Connection::send`](crate::Connection::send) does). They share only what
//! TLS forces them to, a few fields behind one mutex, locked briefly once
//! per call and never while a record is sealed or opened:
//!
//! - the sticky fatal error, whichever half found it: both halves report
//!   it from then on;
//! - the alerts the receive half wants sent, which only the send half can
//!   write (its keys number every record we send): the fatal alert of an
//!   error found in the peer's records, a `no_renegotiation` warning, and
//!   the close_notify that answers the peer's;
//! - close_notify either way: once the peer's arrives the send half answers
//!   it and refuses further data; once ours is queued the receive half
//!   reads on until the peer's (a half-close, RFC 5246 §7.2.1).
//!
//! **Alerts go out when the sending thread calls** [`SendHalf::send`] or
//! [`SendHalf::poll_output`]. A sender with nothing to say must still call
//! `poll_output` when the receive side asks for it:
//! [`ReceiveHalf::alert_pending`] says so after a `handle_input`, and the
//! receiving thread wakes the sender by whatever means the program uses
//! (a channel, a condition variable, a task waker).
//!
//! **No renegotiation after a split**: neither half can run a handshake. A
//! HelloRequest (to a client) or a ClientHello (to a server) arriving at
//! the receive half is refused with a `no_renegotiation` warning, sent by
//! the send half, and counted against
//! [`MAX_RENEGOTIATION_REQUESTS`] as an unsplit connection counts it; any
//! other handshake message or a ChangeCipherSpec is `unexpected_message`.
//!
//! Events are not produced after the split: the halves report what matters
//! through their getters ([`ReceiveHalf::peer_closed`],
//! [`SendHalf::error`], ...). Sending and receiving application data
//! allocate nothing.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::codec::enums::{AlertDescription, AlertLevel, ContentType, HandshakeType};
use crate::codec::Codec;
use crate::connection::{whole_message_len, Input};
use crate::error::Error;
use crate::handshake::reassembly::HandshakeJoiner;
use crate::handshake::HandshakeMessage;
use crate::limits::{MAX_EMPTY_RECORDS, MAX_RENEGOTIATION_REQUESTS, MAX_WARNING_ALERTS};
use crate::logging::{log_debug, log_warn};
use crate::message::Alert;
use crate::record::deframer::RecordType;
use crate::record::layer::{RecordReader, RecordWriter};
use crate::state::SessionKey;
use crate::trace;

/// What the two halves share.
pub(crate) struct Shared {
    /// The sticky fatal error, whichever half found it.
    error: Option<Error>,
    /// The fatal alert `error` implies, not yet written.
    fatal_alert: Option<AlertDescription>,
    /// `no_renegotiation` warnings asked for, not yet written.
    no_renegotiation: usize,
    /// close_notify queued (by [`SendHalf::close`] or in answer to the
    /// peer's), not yet written.
    close_notify: bool,
    /// We closed: close_notify or a fatal alert queued, written or not.
    sent_close: bool,
    /// The closing alert (close_notify or fatal) is written: nothing may
    /// follow it.
    closed_on_wire: bool,
    /// The peer's close_notify arrived.
    peer_closed: bool,
    /// The stored session, invalidated by a fatal alert (RFC 5246 §7.2).
    session: Option<SessionKey>,
    /// "client" or "server", for log lines.
    role: &'static str,
}

impl Shared {
    /// Records `e` as the final error and queues its alert, as
    /// `Connection::fail` does; the first error stays.
    fn fail(&mut self, e: Error) -> Error {
        if !e.is_fatal() {
            return e;
        }
        if let Some(first) = &self.error {
            return first.clone();
        }
        if e != Error::Truncated {
            if let Some(session) = self.session.take() {
                session.invalidate();
            }
        }
        log_warn!("{} connection failed: {e}", self.role);
        if let Some(desc) = e.alert() {
            if !self.sent_close {
                self.fatal_alert = Some(desc);
                self.sent_close = true;
            }
        }
        self.error = Some(e.clone());
        e
    }

    fn has_output(&self) -> bool {
        !self.closed_on_wire
            && (self.no_renegotiation > 0 || self.fatal_alert.is_some() || self.close_notify)
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A half that panicked left the fields consistent (each update is a
    // plain store): go on with them.
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// Builds the two halves; called by `Connection::split` once it has
/// checked that the connection is established and idle.
#[allow(clippy::too_many_arguments)]
pub(crate) fn halves(
    reader: RecordReader,
    writer: RecordWriter,
    queued: Vec<u8>,
    session: Option<SessionKey>,
    is_client: bool,
    empty_records: usize,
    warning_alerts: usize,
    renegotiation_requests: usize,
) -> (ReceiveHalf, SendHalf) {
    let role = if is_client { "client" } else { "server" };
    let shared = Arc::new(Mutex::new(Shared {
        error: None,
        fatal_alert: None,
        no_renegotiation: 0,
        close_notify: false,
        sent_close: false,
        closed_on_wire: false,
        peer_closed: false,
        session,
        role,
    }));
    (
        ReceiveHalf {
            reader,
            shared: shared.clone(),
            joiner: HandshakeJoiner::new(),
            is_client,
            peer_closed: false,
            empty_records,
            warning_alerts,
            renegotiation_requests,
        },
        SendHalf {
            writer,
            shared,
            queued,
        },
    )
}

/// The receiving half of a split connection: reads the peer's records.
/// See the [module documentation](self).
pub struct ReceiveHalf {
    reader: RecordReader,
    shared: Arc<Mutex<Shared>>,
    /// A renegotiation request cut across records.
    joiner: HandshakeJoiner,
    is_client: bool,
    /// The peer's close_notify arrived (a copy of the shared flag that
    /// needs no lock).
    peer_closed: bool,
    empty_records: usize,
    warning_alerts: usize,
    renegotiation_requests: usize,
}

impl core::fmt::Debug for ReceiveHalf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReceiveHalf")
            .field("client", &self.is_client)
            .field("peer_closed", &self.peer_closed)
            .field("error", &self.error())
            .finish_non_exhaustive()
    }
}

impl ReceiveHalf {
    /// Processes whole records from the front of `buf`, as
    /// [`Connection::handle_input`](crate::Connection::handle_input) does:
    /// the first application-data record stops the call and is returned
    /// decrypted in place; `consumed` says how many bytes to drop. After the
    /// peer's close_notify nothing more is read (`consumed` 0).
    ///
    /// After a call, [`alert_pending`](Self::alert_pending) says whether
    /// the send half has an alert to write. On a fatal error the send half
    /// writes its alert and both halves report the error from then on.
    pub fn handle_input<'a>(&mut self, buf: &'a mut [u8]) -> Result<Input<'a>, Error> {
        if let Some(e) = &lock(&self.shared).error {
            return Err(e.clone());
        }
        let mut consumed = 0;
        let mut rest: &'a mut [u8] = buf;
        while !self.peer_closed {
            let Some(this) = crate::record::deframer::take_record(&mut rest) else {
                // Check what header there is, so a bad one fails at once.
                if let Err(e) = self.reader.read_record(&mut *rest) {
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

    /// Says the transport ended: without the peer's close_notify this is
    /// [`Error::Truncated`], sticky for both halves (no alert is sent).
    pub fn handle_eof(&mut self) -> Result<(), Error> {
        if self.peer_closed {
            return Ok(());
        }
        let mut shared = lock(&self.shared);
        if let Some(e) = &shared.error {
            return Err(e.clone());
        }
        shared.error = Some(Error::Truncated);
        Err(Error::Truncated)
    }

    fn fail(&self, e: Error) -> Error {
        lock(&self.shared).fail(e)
    }

    fn process_record<'a>(&mut self, record: &'a mut [u8]) -> Result<Option<&'a mut [u8]>, Error> {
        let Some(rec) = self.reader.read_record(record)? else {
            return Err(Error::Internal("whole record not deframed"));
        };
        let payload = rec.payload;
        match rec.typ {
            RecordType::ApplicationData => {
                if !self.joiner.is_empty() {
                    return Err(Error::UnexpectedMessage {
                        expected: "rest of a handshake message",
                        got: "application data",
                    });
                }
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
                self.empty_records = 0;
                self.handle_handshake_record(payload)?;
                Ok(None)
            }
            // No new keys can come: a split connection runs no handshake.
            RecordType::ChangeCipherSpec => Err(Error::UnexpectedMessage {
                expected: "application data",
                got: "ChangeCipherSpec",
            }),
            RecordType::Alert => {
                let alert = Alert::from_bytes(payload)?;
                self.handle_alert(alert)?;
                Ok(None)
            }
        }
    }

    /// Whole messages are handled where they lie; one cut by a record
    /// boundary goes through the joiner, as in the connection.
    fn handle_handshake_record(&mut self, payload: &[u8]) -> Result<(), Error> {
        let mut rest = payload;
        if self.joiner.is_empty() {
            loop {
                if let Some(&typ) = rest.first() {
                    self.expect_handshake(HandshakeType(typ))?;
                }
                let Some(len) = whole_message_len(rest)? else {
                    break;
                };
                let (msg, tail) = rest.split_at(len);
                self.refuse_renegotiation(msg)?;
                rest = tail;
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
                self.refuse_renegotiation(&raw)?;
            }
        }
        if self.joiner.is_empty() {
            self.joiner.free();
        }
        Ok(())
    }

    /// Only a request to renegotiate may come: HelloRequest to a client,
    /// ClientHello to a server.
    fn expect_handshake(&self, typ: HandshakeType) -> Result<(), Error> {
        let request = if self.is_client {
            HandshakeType::HELLO_REQUEST
        } else {
            HandshakeType::CLIENT_HELLO
        };
        if typ == request {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                expected: "application data",
                got: trace::handshake_name(typ),
            })
        }
    }

    /// Refuses a renegotiation request with `no_renegotiation` (RFC 5746
    /// §4.2, §4.4), written by the send half, and counts it.
    fn refuse_renegotiation(&mut self, raw: &[u8]) -> Result<(), Error> {
        HandshakeMessage::read(raw)?;
        self.renegotiation_requests += 1;
        if self.renegotiation_requests > MAX_RENEGOTIATION_REQUESTS {
            return Err(Error::TooManyRenegotiationRequests);
        }
        let mut shared = lock(&self.shared);
        log_debug!(
            "{} refuses a renegotiation: the connection is split",
            shared.role
        );
        shared.no_renegotiation += 1;
        Ok(())
    }

    fn handle_alert(&mut self, alert: Alert) -> Result<(), Error> {
        let mut shared = lock(&self.shared);
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            log_debug!("{} received close_notify", shared.role);
            self.peer_closed = true;
            shared.peer_closed = true;
            // The send half answers it (RFC 5246 §7.2.1) and sends no more.
            if !shared.sent_close {
                shared.sent_close = true;
                shared.close_notify = true;
            }
            return Ok(());
        }
        if alert.level == AlertLevel::FATAL {
            log_warn!("{} received fatal alert {}", shared.role, alert.description);
            return Err(Error::AlertReceived(alert.description));
        }
        log_warn!(
            "{} received warning alert {}",
            shared.role,
            alert.description
        );
        self.warning_alerts += 1;
        if self.warning_alerts > MAX_WARNING_ALERTS {
            return Err(Error::LimitExceeded("warning alerts"));
        }
        Ok(())
    }

    /// Whether the send half has an alert to write (an answer to the peer's
    /// close_notify, a `no_renegotiation` warning, a fatal alert): wake the
    /// sending thread so that it calls [`SendHalf::poll_output`].
    pub fn alert_pending(&self) -> bool {
        lock(&self.shared).has_output()
    }

    /// Whether the peer sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Whether we queued close_notify or a fatal alert (either half).
    pub fn sent_close(&self) -> bool {
        lock(&self.shared).sent_close
    }

    /// The error that ended the connection, found by either half.
    pub fn error(&self) -> Option<Error> {
        lock(&self.shared).error.clone()
    }
}

/// The sending half of a split connection: writes our records, the
/// receive half's alerts among them. See the [module documentation](self).
pub struct SendHalf {
    writer: RecordWriter,
    shared: Arc<Mutex<Shared>>,
    /// What the connection had queued when split, written first.
    queued: Vec<u8>,
}

impl core::fmt::Debug for SendHalf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let shared = lock(&self.shared);
        f.debug_struct("SendHalf")
            .field("sent_close", &shared.sent_close)
            .field("error", &shared.error)
            .finish_non_exhaustive()
    }
}

impl SendHalf {
    /// Encrypts `data` as application-data records straight into `out`,
    /// after any alert queued (see [`poll_output`](Self::poll_output)).
    /// Refused with the sticky error once either half failed, and with
    /// [`Error::ConnectionClosed`] once close_notify is queued (by
    /// [`close`](Self::close), or in answer to the peer's, which this call
    /// writes first).
    pub fn send(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        {
            let mut shared = lock(&self.shared);
            write_pending(&mut self.writer, &mut self.queued, &mut shared, out);
            if let Some(e) = &shared.error {
                return Err(e.clone());
            }
            if shared.sent_close {
                return Err(Error::ConnectionClosed);
            }
        }
        // Sealed without the lock, so the receive half is never held up by
        // a large write; the alerts it queues meanwhile follow this data.
        if let Err(e) = self
            .writer
            .write_record(ContentType::APPLICATION_DATA, data, out)
        {
            let mut shared = lock(&self.shared);
            let e = shared.fail(e);
            write_pending(&mut self.writer, &mut self.queued, &mut shared, out);
            return Err(e);
        }
        Ok(())
    }

    /// Appends every alert queued (by either half) to `out`: the receive
    /// half's `no_renegotiation` warnings, then the closing alert, fatal or
    /// close_notify. Returns how many bytes. Call it when the receive half
    /// says [`ReceiveHalf::alert_pending`], and once more after an error or
    /// [`close`](Self::close) before closing the transport.
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        let mut shared = lock(&self.shared);
        write_pending(&mut self.writer, &mut self.queued, &mut shared, out);
        out.len() - start
    }

    /// Whether [`poll_output`](Self::poll_output) has anything to give.
    pub fn has_output(&self) -> bool {
        !self.queued.is_empty() || lock(&self.shared).has_output()
    }

    /// Queues close_notify (RFC 5246 §7.2.1), written by the next
    /// [`poll_output`](Self::poll_output); nothing more can be sent. The
    /// receive half reads on until the peer's close_notify.
    pub fn close(&mut self) {
        let mut shared = lock(&self.shared);
        if shared.sent_close || shared.error.is_some() {
            return;
        }
        shared.sent_close = true;
        shared.close_notify = true;
    }

    /// Whether the peer sent close_notify (seen by the receive half).
    pub fn peer_closed(&self) -> bool {
        lock(&self.shared).peer_closed
    }

    /// Whether we queued close_notify or a fatal alert (either half).
    pub fn sent_close(&self) -> bool {
        lock(&self.shared).sent_close
    }

    /// The error that ended the connection, found by either half.
    pub fn error(&self) -> Option<Error> {
        lock(&self.shared).error.clone()
    }
}

/// Writes what the send half owes the wire before anything else: the
/// output queued at the split, then the alerts (see [`SendHalf::poll_output`]).
fn write_pending(
    writer: &mut RecordWriter,
    queued: &mut Vec<u8>,
    shared: &mut Shared,
    out: &mut Vec<u8>,
) {
    if !queued.is_empty() {
        out.extend_from_slice(queued);
        *queued = Vec::new();
    }
    if shared.closed_on_wire {
        return;
    }
    let mut alert = |level, description| {
        let alert = Alert { level, description };
        writer.write_record(ContentType::ALERT, &alert.to_array(), out)
    };
    let mut result = Ok(());
    while shared.no_renegotiation > 0 && result.is_ok() {
        shared.no_renegotiation -= 1;
        log_warn!("{} sent warning alert no_renegotiation", shared.role);
        result = alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
    }
    if let Some(desc) = shared.fatal_alert.take() {
        log_warn!("{} sent fatal alert {desc}", shared.role);
        shared.closed_on_wire = true;
        // Best effort: if even the alert cannot be written, the error
        // it reports is already recorded.
        let _ = alert(AlertLevel::FATAL, desc);
        return;
    }
    if shared.close_notify && result.is_ok() {
        log_debug!("{} sent close_notify", shared.role);
        shared.close_notify = false;
        shared.closed_on_wire = true;
        result = alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
    }
    if let Err(e) = result {
        // Only an exhausted sequence number fails here: no alert can
        // follow.
        shared.fail(e);
        shared.fatal_alert = None;
        shared.closed_on_wire = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each half can move to a thread of its own.
    #[test]
    fn halves_are_send() {
        fn send<T: Send>() {}
        send::<ReceiveHalf>();
        send::<SendHalf>();
    }
}
