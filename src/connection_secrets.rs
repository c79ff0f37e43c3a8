//! Handing an established connection's records over to another record
//! layer (kernel TLS, a NIC, your own): [`Connection::dangerous_extract_secrets`].
//! The types it returns are in [`crate::secrets`].

use crate::error::Error;
use crate::secrets::{ConnectionTrafficSecrets, ExtractedSecrets};
use crate::suites::Protection;

use super::{Connection, Role};

impl Connection {
    /// Ends this connection's use of its own record layer and hands over
    /// what another needs to go on in its place: per direction, the AEAD
    /// key material and the sequence number of the next record (see
    /// [`crate::secrets`], which also shows where each part goes for Linux
    /// kernel TLS). The connection is consumed, so nothing can be sent or
    /// read with keys that have left.
    ///
    /// **Dangerous**: the keys leave this library's care. Whoever holds
    /// them can read and forge every later record of the connection, and
    /// the record layer that takes over must number its records from the
    /// sequence numbers given (an AES-GCM sender must also start its
    /// explicit nonces from the `iv` given), or it reuses nonces.
    ///
    /// Refused, with the connection dropped (each condition can be seen
    /// beforehand through a getter, so a caller that wants to keep the
    /// connection on refusal checks first):
    ///
    /// - after an error: that error ([`error`](Self::error));
    /// - before the first handshake completes, and while a renegotiation is
    ///   under way, including a HelloRequest of ours not yet answered and
    ///   part of a handshake message received: [`Error::HandshakeNotComplete`]
    ///   ([`is_handshaking`](Self::is_handshaking),
    ///   [`is_renegotiating`](Self::is_renegotiating)); a record layer that
    ///   knows no handshake could not finish it;
    /// - once close_notify went either way: [`Error::ConnectionClosed`]
    ///   ([`sent_close`](Self::sent_close), [`peer_closed`](Self::peer_closed));
    /// - unless the configuration's `enable_secret_extraction` is set
    ///   (default false): [`Error::Config`];
    /// - with a CBC suite (feature `legacy`): [`Error::Config`]. Kernel TLS
    ///   has no TLS 1.2 CBC with HMAC, and a CBC record layer is more than a
    ///   key and a number (MAC-then-encrypt or encrypt-then-MAC, our own way
    ///   of choosing explicit IVs), so nothing could take them honestly
    ///   ([`negotiated`](Self::negotiated) names the suite);
    /// - with output queued and not yet taken: [`Error::OutputBacklog`]
    ///   ([`has_output`](Self::has_output)). Those records are sealed
    ///   already and counted in the sequence number: drop them and the peer
    ///   finds a record missing. Call [`poll_output`](Self::poll_output)
    ///   and send what it gives first.
    ///
    /// Input: every record [`handle_input`](Self::handle_input) consumed is
    /// counted in `rx`'s sequence number; bytes it did not consume (the
    /// rest of a buffer holding several records, a partial record) are the
    /// next record layer's to read. Events not yet polled are dropped with
    /// the connection.
    pub fn dangerous_extract_secrets(self) -> Result<ExtractedSecrets, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let Some(traffic) = &self.traffic else {
            return Err(Error::HandshakeNotComplete);
        };
        if !self.is_idle() || self.hello_request_pending.is_some() || !self.joiner.is_empty() {
            return Err(Error::HandshakeNotComplete);
        }
        if self.sent_close || self.peer_closed {
            return Err(Error::ConnectionClosed);
        }
        let enabled = match &self.role {
            Some(Role::Client(s)) => s.idle_config().is_some_and(|c| c.enable_secret_extraction),
            Some(Role::Server(s)) => s.idle_config().is_some_and(|c| c.enable_secret_extraction),
            None => false,
        };
        if !enabled {
            return Err(Error::config(
                "dangerous_extract_secrets needs enable_secret_extraction in the configuration",
            ));
        }
        if let Protection::Cbc(_) = traffic.suite.protection {
            return Err(Error::config(
                "dangerous_extract_secrets hands over AEAD suites only, not CBC",
            ));
        }
        if !self.outbox.is_empty() {
            return Err(Error::OutputBacklog);
        }
        let (tx_seq, rx_seq) = self.record.aead_next_seqs()?;
        // The keys in use are those of the key block of the last completed
        // handshake (`traffic`): between handshakes no others are active or
        // prepared (`aead_next_seqs` checks the latter). Deriving them again
        // from the master secret, which the connection keeps anyway, means
        // the record layer need not keep a copy of its keys for this.
        let block = traffic.master.prf_key(traffic.suite).key_block(
            &traffic.client_random,
            &traffic.server_random,
            traffic.etm,
        );
        let (ours, peers) = if self.is_client {
            (block.client_keys(), block.server_keys())
        } else {
            (block.server_keys(), block.client_keys())
        };
        let secrets = |keys: &crate::crypto::key_schedule::DirectionKeys, seq| {
            let (aead, key, iv) = keys
                .aead_parts()
                .ok_or(Error::Internal("no AEAD keys to extract"))?;
            ConnectionTrafficSecrets::new(aead, key, iv, seq)
        };
        Ok(ExtractedSecrets {
            tx: (tx_seq, secrets(&ours, tx_seq)?),
            rx: (rx_seq, secrets(&peers, rx_seq)?),
        })
    }
}
