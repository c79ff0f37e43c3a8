//! An optional blocking adapter: [`Stream`] joins a [`Connection`] and any
//! `Read + Write` transport into one `Read + Write`, like rustls's `Stream`.
//! It is built only on the public `Connection` API, as any adapter could be.

use std::io::{self, Read, Write};

use crate::connection::Connection;
use crate::error::Error;
use crate::event::Event;
use crate::limits::{MAX_PLAINTEXT_LEN, MAX_RECORD_LEN};

/// Most plaintext one `write` call takes. Its records are held until the
/// transport takes them, so a huge buffer is taken a piece at a time rather
/// than encrypted whole into memory (`write_all` loops as usual).
const MAX_WRITE: usize = 4 * MAX_PLAINTEXT_LEN;

/// A connection over a blocking transport: `Read` gives the peer's
/// application data, `Write` sends ours, and either drives the handshake
/// first when it has not run yet.
///
/// # Guarantees
///
/// - **Decrypted data is never lost.** Plaintext already decrypted is
///   returned by `read` before any error, from the transport or from TLS.
///   Records authenticated before a bad one are genuine (each record has its
///   own MAC over its sequence number, RFC 5246 §6.2.3), so their data comes
///   first and the fatal error on the next call. After a fatal error `read`
///   does not touch the transport again.
/// - **The end is the peer's close_notify.** `read` returns `Ok(0)` only
///   after it (RFC 5246 §7.2.1); a transport EOF without it is
///   [`Error::Truncated`], also after any data before it.
/// - **The peer may close at once.** It need not wait for our answering
///   close_notify (RFC 5246 §7.2.1), so after its close_notify a failure to
///   write our answer (BrokenPipe, ConnectionReset, ...) ends our write side
///   quietly: `flush` is then `Ok`, and a later `write` is `BrokenPipe`.
/// - **Bytes `write` took go out exactly once.** `Ok(n)` means `n` bytes were
///   encrypted; their records stay queued if the transport does not take
///   them at once (a short write, `WouldBlock`), and the next `write`,
///   `flush` or `read` sends the rest first. A transport error on them shows
///   at the next `write` or `flush`. An `Err` from `write` means nothing of
///   the buffer was taken. `Interrupted` is retried inside. One call takes
///   at most 64 KiB, so a huge buffer is never encrypted whole into memory;
///   `write_all` loops as usual.
/// - A write failure that says the peer is gone (BrokenPipe, ConnectionReset,
///   ...) does not stop `read` from reading what the peer sent before it
///   went; other transport errors surface as soon as no decrypted data is
///   waiting.
///
/// TLS errors come as `io::Error`s of kind `InvalidData` (`BrokenPipe` for
/// writing after the close) wrapping the [`Error`]: get it back with
/// `e.get_ref().and_then(|e| e.downcast_ref::<sanstls::Error>())`.
///
/// # Example
///
/// A server and a client over TCP loopback, with a throwaway certificate:
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::sync::Arc;
/// use sanstls::io::Stream;
/// use sanstls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
/// use sanstls::verify::RootCertStore;
/// use sanstls::{ClientConfig, Connection, ServerConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A self-signed certificate for "localhost", trusted by the client.
/// let key = rcgen::KeyPair::generate()?;
/// let cert = rcgen::CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
/// let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
/// let server_config = Arc::new(ServerConfig::new(vec![cert.der().clone()], &key)?);
/// let mut roots = RootCertStore::new();
/// roots.add(cert.der().clone())?;
/// let client_config = Arc::new(ClientConfig::new(roots));
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let server = std::thread::spawn(move || -> std::io::Result<()> {
///     let (tcp, _) = listener.accept()?;
///     let mut tls = Stream::new(Connection::new_server(server_config), tcp);
///     let mut request = [0u8; 4];
///     tls.read_exact(&mut request)?; // runs the handshake first
///     assert_eq!(&request, b"ping");
///     tls.write_all(b"pong")?;
///     // close_notify; the socket may close right after it.
///     tls.close()
/// });
///
/// let tcp = TcpStream::connect(addr)?;
/// let conn = Connection::new_client(client_config, ServerName::try_from("localhost")?)?;
/// let mut tls = Stream::new(conn, tcp);
/// tls.write_all(b"ping")?;
/// let mut reply = Vec::new();
/// // Ends at the server's close_notify; a bare EOF would be an error.
/// tls.read_to_end(&mut reply)?;
/// assert_eq!(reply, b"pong");
/// assert!(tls.conn().peer_closed());
/// println!("{}", tls.conn().negotiated().unwrap().suite_name());
/// server.join().unwrap()?;
/// # Ok(()) }
/// ```
pub struct Stream<T> {
    conn: Connection,
    transport: T,
    /// Received bytes not yet consumed: `inbuf[..filled]`.
    inbuf: Box<[u8]>,
    filled: usize,
    /// Decrypted application data not yet read by the caller: `plain[pos..]`.
    plain: Vec<u8>,
    pos: usize,
    /// Bytes for the transport: `out[sent..]` are still to go.
    out: Vec<u8>,
    sent: usize,
    /// The peer closed (or the connection failed) and our last bytes could
    /// not be written: nothing more goes to the transport.
    write_closed: bool,
    events: Vec<Event>,
}

/// What [`Stream::into_parts`] gives back: the connection, the transport,
/// and everything the stream held between them.
#[derive(Debug)]
#[non_exhaustive]
pub struct Parts<T> {
    /// The connection, in the state the stream left it.
    pub connection: Connection,
    /// The transport.
    pub transport: T,
    /// Bytes read from the transport that the connection did not take: the
    /// start of a record not yet complete (feed it to
    /// [`Connection::handle_input`] before anything read later), or what
    /// followed the peer's close_notify or a fatal error.
    pub received: Vec<u8>,
    /// Application data decrypted but not yet read.
    pub plaintext: Vec<u8>,
    /// Bytes from the connection not yet written to the transport; they go
    /// before anything [`Connection::poll_output`] gives later.
    pub unsent: Vec<u8>,
    /// Events not yet taken with [`Stream::take_events`].
    pub events: Vec<Event>,
}

impl<T> core::fmt::Debug for Stream<T>
where
    T: core::fmt::Debug,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stream")
            .field("conn", &self.conn)
            .field("transport", &self.transport)
            .field("received", &self.filled)
            .field("plaintext", &(self.plain.len() - self.pos))
            .field("unsent", &(self.out.len() - self.sent))
            .field("write_closed", &self.write_closed)
            .finish_non_exhaustive()
    }
}

pub(crate) fn to_io(e: Error) -> io::Error {
    let kind = match e {
        // Writing after close_notify, ours or our answer to the peer's.
        Error::ConnectionClosed => io::ErrorKind::BrokenPipe,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// Write errors that say the peer is no longer reading. Whatever it sent
/// before is still worth reading.
pub(crate) fn peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
    )
}

/// The read side of both adapters (this one and the tokio one): hands
/// `inbuf[..filled]` to `conn`, appends the plaintext to `plain`, gives every
/// event to `take_event`, and moves what is left to the front of `inbuf`.
/// The connection stops taking input while its event queue
/// (MAX_QUEUED_EVENTS) or its output backlog is full: events are taken as
/// they come, and `take_output` takes the output so it can go on. A TLS
/// error stops the feeding; the connection keeps it (it is sticky).
pub(crate) fn feed_input(
    conn: &mut Connection,
    inbuf: &mut [u8],
    filled: &mut usize,
    plain: &mut Vec<u8>,
    mut take_event: impl FnMut(Event),
    mut take_output: impl FnMut(&mut Connection),
) {
    let mut start = 0;
    while let Ok(input) = conn.handle_input(&mut inbuf[start..*filled]) {
        if let Some(data) = input.data {
            crate::record::copy::append(plain, data);
        }
        let consumed = input.consumed;
        while let Some(e) = conn.poll_event() {
            take_event(e);
        }
        if consumed > 0 {
            start += consumed;
        } else if conn.has_output() {
            take_output(conn);
        } else {
            break;
        }
    }
    inbuf.copy_within(start..*filled, 0);
    *filled -= start;
    while let Some(e) = conn.poll_event() {
        take_event(e);
    }
}

impl<T> Stream<T> {
    /// Wraps a connection and its transport.
    pub fn new(conn: Connection, transport: T) -> Self {
        Stream {
            conn,
            transport,
            inbuf: vec![0u8; MAX_RECORD_LEN].into_boxed_slice(),
            filled: 0,
            plain: Vec::new(),
            pos: 0,
            out: Vec::new(),
            sent: 0,
            write_closed: false,
            events: Vec::new(),
        }
    }

    /// The connection, for its getters.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, mutably: for [`Connection::close`], for instance,
    /// whose close_notify the next `flush` sends. Output it queues goes out
    /// with the stream's next write; input must not be fed to it here, since
    /// the stream holds received bytes the connection has not seen yet.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably: for socket options such as timeouts. Reading
    /// from it or writing to it directly breaks the TLS stream.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The connection and the transport. Whatever the stream still held is
    /// dropped: received bytes the connection did not take, decrypted data
    /// not yet read, output not yet written (see [`Stream::buffered`]). Use
    /// [`into_parts`](Self::into_parts) to keep them.
    pub fn into_inner(self) -> (Connection, T) {
        (self.conn, self.transport)
    }

    /// The connection, the transport and everything the stream held
    /// between them, so that a caller can go on by hand without losing a
    /// byte (after close_notify, for a protocol that continues in the clear,
    /// for instance).
    pub fn into_parts(self) -> Parts<T> {
        let mut received = self.inbuf.into_vec();
        received.truncate(self.filled);
        let mut plaintext = self.plain;
        plaintext.drain(..self.pos);
        let mut unsent = self.out;
        unsent.drain(..self.sent);
        Parts {
            connection: self.conn,
            transport: self.transport,
            received,
            plaintext,
            unsent,
            events: self.events,
        }
    }

    /// How many bytes the stream holds: `(received, plaintext, unsent)`, as
    /// [`into_parts`](Self::into_parts) would give them.
    pub fn buffered(&self) -> (usize, usize, usize) {
        (
            self.filled,
            self.plain.len() - self.pos,
            self.out.len() - self.sent,
        )
    }

    /// Takes the events seen so far (when the config's `trace` is on this
    /// includes the handshake trace).
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    /// Feeds the buffered input to the connection: plaintext goes to
    /// `plain`, output to `out`, events to `events`. A TLS error stops it;
    /// the connection keeps it (it is sticky) and everything decrypted
    /// before it stays in `plain`.
    fn process(&mut self) {
        feed_input(
            &mut self.conn,
            &mut self.inbuf,
            &mut self.filled,
            &mut self.plain,
            |e| self.events.push(e),
            |conn| {
                conn.poll_output(&mut self.out);
            },
        );
    }

    fn has_plaintext(&self) -> bool {
        self.pos < self.plain.len()
    }

    /// The connection's sticky error, if it has one.
    fn tls_error(&self) -> Option<io::Error> {
        self.conn.error().map(|e| to_io(e.clone()))
    }
}

impl<T: Read + Write> Stream<T> {
    /// Writes all queued output to the transport and flushes it (after the
    /// peer's close_notify, a failure to write is quiet: see [`Stream`]).
    pub fn flush_output(&mut self) -> io::Result<()> {
        self.send_pending()?;
        if self.write_closed {
            return Ok(());
        }
        self.transport.flush()
    }

    /// Drives the handshake to completion. Application data that arrives
    /// with the peer's last flight is kept for `read`.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.answer()?;
            self.read_transport()?;
        }
        if self.conn.negotiated().is_none() {
            // Failed: send the fatal alert if we can; the TLS error is
            // what the caller needs to see.
            let _ = self.send_pending();
            return Err(self
                .tls_error()
                .unwrap_or_else(|| to_io(Error::Internal("handshake ended without a result"))));
        }
        self.answer()
    }

    /// Starts a renegotiation ([`Connection::renegotiate`]) and drives it
    /// to completion: returns once the new handshake is complete, or once
    /// the peer refused it with a `no_renegotiation` warning (then the
    /// connection goes on under the keys it had; `conn().negotiated()`
    /// says which). A close_notify that cuts it short is an error
    /// (`ConnectionAborted`): the new handshake never completed. Application data that arrives meanwhile is kept for
    /// `read`. A client that neither answers nor refuses a server's
    /// HelloRequest (RFC 5246 §7.4.1.1 lets it ignore one) leaves this
    /// waiting, as a blocking read would.
    pub fn renegotiate(&mut self) -> io::Result<()> {
        self.conn.renegotiate().map_err(to_io)?;
        self.finish_renegotiation()
    }

    /// Like [`renegotiate`](Self::renegotiate), for a server that asks for
    /// a client certificate ([`Connection::renegotiate_with_client_auth`]).
    pub fn renegotiate_with_client_auth(
        &mut self,
        client_auth: crate::config::ClientAuth,
    ) -> io::Result<()> {
        self.conn
            .renegotiate_with_client_auth(client_auth)
            .map_err(to_io)?;
        self.finish_renegotiation()
    }

    /// Drives a renegotiation under way (ours, or one the peer started
    /// while we read) to its end.
    pub fn finish_renegotiation(&mut self) -> io::Result<()> {
        let seen = self.events.len();
        while self.conn.is_renegotiating() {
            self.answer()?;
            self.read_transport()?;
        }
        // Ended by neither a completion nor a refusal: the peer closed.
        let ended = self.events.get(seen..).unwrap_or(&[]).iter().any(|e| {
            matches!(
                e,
                Event::RenegotiationComplete(_)
                    | Event::WarningAlert(crate::enums::AlertDescription::NO_RENEGOTIATION)
            )
        });
        let cut_short = self.conn.peer_closed() && !ended;
        if let Some(e) = self.tls_error() {
            let _ = self.send_pending();
            return Err(e);
        }
        self.answer()?;
        if cut_short {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the peer closed the connection during the renegotiation",
            ));
        }
        Ok(())
    }

    /// Sends close_notify.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.close();
        self.flush_output()
    }

    /// Writes `out[sent..]`, after taking the connection's queued output.
    ///
    /// Once the peer has sent close_notify (or the connection has failed) a
    /// failure here ends the write side quietly: the peer need not wait for
    /// our answer (RFC 5246 §7.2.1), and a failed connection's alert is a
    /// courtesy. Only `WouldBlock` keeps the bytes for a later try: the
    /// transport is full, not gone.
    fn send_pending(&mut self) -> io::Result<()> {
        self.conn.poll_output(&mut self.out);
        while self.sent < self.out.len() && !self.write_closed {
            match self.transport.write(&self.out[self.sent..]) {
                Ok(0) => return self.write_failed(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.write_failed(e),
            }
        }
        self.out.clear();
        self.sent = 0;
        Ok(())
    }

    fn write_failed(&mut self, e: io::Error) -> io::Result<()> {
        let over = self.conn.peer_closed() || self.conn.error().is_some();
        if over && e.kind() != io::ErrorKind::WouldBlock {
            self.write_closed = true;
            self.out.clear();
            self.sent = 0;
            return Ok(());
        }
        Err(e)
    }

    /// Sends what the connection has to say (a handshake flight, an alert)
    /// before reading on. A write error because the peer is gone does not
    /// stop us from reading what it sent before it went: its close_notify
    /// makes the failure quiet, and a bare EOF is [`Error::Truncated`]. The
    /// output stays queued, so `write` and `flush` report the error.
    fn answer(&mut self) -> io::Result<()> {
        match self.send_pending() {
            Err(e) if !peer_gone(&e) => Err(e),
            _ => Ok(()),
        }
    }

    /// Reads from the transport once and processes what came. An EOF goes
    /// to the connection, which makes it an error unless close_notify came
    /// first.
    fn read_transport(&mut self) -> io::Result<()> {
        let Some(room) = self.inbuf.get_mut(self.filled..).filter(|r| !r.is_empty()) else {
            // `process` leaves less than a record here unless the
            // connection stopped reading, and then we do not read.
            return Err(to_io(Error::Internal("input buffer full")));
        };
        let n = loop {
            match self.transport.read(room) {
                // A signal interrupted the read: nothing happened, try again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            // The error, if any, is sticky: callers find it in `conn`.
            let _ = self.conn.handle_eof();
            return Ok(());
        }
        self.filled += n;
        self.process();
        Ok(())
    }

    /// Copies waiting plaintext into `buf`.
    fn take_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.plain.len() - self.pos);
        buf[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.plain.len() {
            self.plain.clear();
            self.pos = 0;
        }
        n
    }
}

impl<T: Read + Write> Read for Stream<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            // Nothing to fill: waiting on the transport could only block.
            return Ok(0);
        }
        loop {
            // Decrypted data first, before any error.
            if self.has_plaintext() {
                return Ok(self.take_plaintext(buf));
            }
            if let Some(e) = self.tls_error() {
                let _ = self.send_pending(); // the fatal alert, if any
                return Err(e);
            }
            if self.conn.peer_closed() {
                return Ok(0);
            }
            self.answer()?;
            self.read_transport()?;
            // Answer at once (our close_notify after the peer's, a flight).
            // With something else to report (data, the end, a TLS error),
            // a write error waits: the bytes stay queued for the next call.
            if let Err(e) = self.answer() {
                let news =
                    self.has_plaintext() || self.conn.peer_closed() || self.conn.error().is_some();
                if !news {
                    return Err(e);
                }
            }
        }
    }
}

impl<T: Read + Write> Write for Stream<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.handshake()?;
        // Earlier records first: an error here means none of `buf` was taken.
        self.send_pending()?;
        let n = buf.len().min(MAX_WRITE);
        self.conn.send(&buf[..n], &mut self.out).map_err(to_io)?;
        // The records are sealed and numbered now: reporting an error would
        // make the caller send them twice. What the transport does not take
        // stays queued, and its error shows at the next write or flush.
        let _ = self.send_pending();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_output()
    }
}
