//! Splitting an established connection into halves that read and write
//! from two threads: [`Connection::split`]. The halves are in
//! [`crate::split`].

use crate::error::Error;
use crate::split::{halves, ReceiveHalf, SendHalf};

use super::Connection;

/// [`Connection::split`] refused: why, and the connection, unchanged.
pub struct SplitError {
    /// Why the connection cannot be split now.
    pub error: Error,
    /// The connection, as it was: drive it on and try again later.
    pub connection: Box<Connection>,
}

impl core::fmt::Debug for SplitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SplitError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Display for SplitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cannot split the connection: {}", self.error)
    }
}

impl core::error::Error for SplitError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl Connection {
    /// Splits an established connection into a [`ReceiveHalf`] and a
    /// [`SendHalf`], each `Send`, for reading and writing from two threads
    /// at once (see [`crate::split`] for what they share and how alerts the
    /// receive side needs reach the peer).
    ///
    /// Refused, with the connection handed back unchanged in the
    /// [`SplitError`]:
    ///
    /// - after an error: that error;
    /// - before the first handshake completes, and while a renegotiation is
    ///   under way (including a HelloRequest of ours not yet answered and
    ///   part of a handshake message received):
    ///   [`Error::HandshakeNotComplete`]; neither half can run a handshake;
    /// - once close_notify went either way: [`Error::ConnectionClosed`].
    ///
    /// Output queued and not yet taken goes to the send half, which writes
    /// it first. Events not yet polled are dropped: poll them first. After
    /// the split the connection renegotiates no more: a peer's request is
    /// refused with a `no_renegotiation` warning. The exporter and the
    /// secret extraction stay with the unsplit connection.
    pub fn split(mut self) -> Result<(ReceiveHalf, SendHalf), SplitError> {
        if let Some(error) = self.split_refusal() {
            return Err(SplitError {
                error,
                connection: Box::new(self),
            });
        }
        let (reader, writer) = match self.record.split() {
            Ok(parts) => parts,
            Err(error) => {
                return Err(SplitError {
                    error,
                    connection: Box::new(self),
                })
            }
        };
        Ok(halves(
            reader,
            writer,
            core::mem::take(&mut self.outbox),
            self.session.take(),
            self.is_client,
            self.empty_records,
            self.warning_alerts,
            self.renegotiation_requests,
        ))
    }

    fn split_refusal(&self) -> Option<Error> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        if self.traffic.is_none()
            || !self.is_idle()
            || self.hello_request_pending.is_some()
            || !self.joiner.is_empty()
        {
            return Some(Error::HandshakeNotComplete);
        }
        if self.sent_close || self.peer_closed {
            return Some(Error::ConnectionClosed);
        }
        None
    }
}
