//! rustls's unbuffered API (`rustls::unbuffered`) driven in memory: the
//! second anchor, the rustls design closest to a sans-I/O one. The caller
//! owns the buffers: each side has an inbox its peer's records are encoded
//! straight into, and records are deframed and decrypted in that inbox.
//!
//! rustls 0.23 still copies each decrypted application-data record into a
//! queue of its own before `ReadTraffic::next_record` hands it out (the
//! in-place read is a TODO there), so the transfer below reads the record
//! out into the caller's buffer like the buffered `read_exact` and like
//! `sanstls_transfer`: the same work from the caller's side.

use std::sync::Arc;

use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::pki_types::ServerName;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{ConnectionState, UnbufferedStatus};

/// An unbuffered connection of either side: `process_tls_records` is
/// defined per side in rustls, so this names it once for both.
pub trait Unbuffered {
    type Data;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data>;
}

impl Unbuffered for UnbufferedClientConnection {
    type Data = ClientConnectionData;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, ClientConnectionData> {
        self.process_tls_records(incoming)
    }
}

impl Unbuffered for UnbufferedServerConnection {
    type Data = ServerConnectionData;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, ServerConnectionData> {
        self.process_tls_records(incoming)
    }
}

/// One side's receive buffer: its first `filled` bytes are records from the
/// peer not yet discarded by rustls.
pub struct Inbox {
    buf: Vec<u8>,
    filled: usize,
}

impl Inbox {
    /// Large enough for any flight of these handshakes (a certificate chain
    /// of one leaf), allocated once and reused.
    pub fn new() -> Inbox {
        Inbox {
            buf: vec![0; 32 * 1024],
            filled: 0,
        }
    }

    /// Drops the first `n` bytes, as `UnbufferedStatus::discard` asks.
    fn discard(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox::new()
    }
}

/// One side's turn in the handshake: processes its inbox and encodes what
/// it has to send straight into `peer`'s, until it waits for the peer
/// (returns false) or may send application data (returns true).
fn turn<C: Unbuffered>(conn: &mut C, inbox: &mut Inbox, peer: &mut Inbox) -> bool {
    loop {
        let status = conn.process(&mut inbox.buf[..inbox.filled]);
        let discard = status.discard;
        let settled = match status.state.expect("rustls unbuffered handshake") {
            ConnectionState::EncodeTlsData(mut e) => {
                let n = e
                    .encode(&mut peer.buf[peer.filled..])
                    .expect("the peer's inbox holds a flight");
                peer.filled += n;
                None
            }
            // Already in the peer's inbox: "transmitted".
            ConnectionState::TransmitTlsData(t) => {
                t.done();
                None
            }
            ConnectionState::BlockedHandshake => Some(false),
            ConnectionState::WriteTraffic(_) => Some(true),
            other => panic!("unexpected state in a handshake: {other:?}"),
        };
        inbox.discard(discard);
        if let Some(done) = settled {
            return done;
        }
    }
}

/// One handshake over the unbuffered API (resumed if the client config's
/// store holds a session), client and server CPU together, with the
/// caller's two inboxes (emptied first).
pub fn rustls_unbuffered_handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<rustls::ServerConfig>,
    inboxes: &mut (Inbox, Inbox),
) -> (UnbufferedClientConnection, UnbufferedServerConnection) {
    let name = ServerName::try_from("localhost").unwrap();
    let mut c = UnbufferedClientConnection::new(client.clone(), name).unwrap();
    let mut s = UnbufferedServerConnection::new(server.clone()).unwrap();
    let (ci, si) = (&mut inboxes.0, &mut inboxes.1);
    ci.filled = 0;
    si.filled = 0;
    // A full handshake takes two round trips; a resumed one, fewer.
    for _ in 0..4 {
        let c_done = turn(&mut c, ci, si);
        let s_done = turn(&mut s, si, ci);
        if c_done && s_done && ci.filled == 0 && si.filled == 0 {
            return (c, s);
        }
    }
    panic!("rustls unbuffered handshake did not finish");
}

/// `data` (one record's worth) from one unbuffered connection to the other:
/// encrypted into `wire`, decrypted there by the receiver, and read out
/// into `plain`, as `rustls_transfer` and `sanstls_transfer` do.
pub fn rustls_unbuffered_transfer(
    from: &mut impl Unbuffered,
    to: &mut impl Unbuffered,
    data: &[u8],
    wire: &mut [u8],
    plain: &mut [u8],
) {
    let n = match from.process(&mut []).state.unwrap() {
        ConnectionState::WriteTraffic(mut w) => w.encrypt(data, wire).unwrap(),
        other => panic!("sender not ready for traffic: {other:?}"),
    };
    let status = to.process(&mut wire[..n]);
    assert_eq!(status.discard, n);
    match status.state.unwrap() {
        ConnectionState::ReadTraffic(mut r) => {
            let record = r.next_record().unwrap().unwrap();
            plain[..record.payload.len()].copy_from_slice(record.payload);
            assert_eq!(record.payload.len(), data.len());
        }
        other => panic!("no record read: {other:?}"),
    }
}
