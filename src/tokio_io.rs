//! An optional adapter for [tokio] (feature `tokio`): [`TlsConnector`] and
//! [`TlsAcceptor`] run the handshake over any `AsyncRead + AsyncWrite`
//! transport and give back a [`TlsStream`], itself `AsyncRead +
//! AsyncWrite`. Like [`crate::io::Stream`], whose guarantees it keeps, it is
//! built only on the public [`Connection`] API.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sanstls::pki_types::ServerName;
//! use sanstls::tokio::TlsConnector;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # async fn run(config: Arc<sanstls::ClientConfig>) -> std::io::Result<()> {
//! let tcp = tokio::net::TcpStream::connect("example.com:443").await?;
//! let name = ServerName::try_from("example.com").unwrap();
//! let mut tls = TlsConnector::new(config).connect(name, tcp).await?;
//! tls.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n").await?;
//! let mut response = Vec::new();
//! tls.read_to_end(&mut response).await?; // ends at the server's close_notify
//! tls.shutdown().await?; // our close_notify, then the socket's write side
//! # Ok(()) }
//! ```
//!
//! [tokio]: https://docs.rs/tokio

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Wake, Waker};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use rustls_pki_types::ServerName;

use crate::config::{ClientConfig, ServerConfig};
use crate::connection::Connection;
use crate::error::Error;
use crate::event::Event;
// TLS errors as `io::Error`, and which write errors mean the peer is gone:
// the same answers as the blocking adapter's.
use crate::io::{feed_input, peer_gone, to_io};
use crate::limits::{MAX_BUFFERED_OUTPUT, MAX_PLAINTEXT_LEN, MAX_RECORD_LEN};

/// Most plaintext one `poll_write` takes when nothing is waiting for the
/// transport: four records.
pub const MAX_WRITE: usize = 4 * MAX_PLAINTEXT_LEN;

/// With this many bytes not yet taken by the transport, `poll_write` takes
/// nothing more (it returns `Pending`); below it, with some bytes still
/// waiting, it takes at most one record's worth. The stream's output
/// therefore stays under `MAX_WRITE_BACKLOG` plus one record, whatever the
/// caller writes and however slowly the peer reads.
pub const MAX_WRITE_BACKLOG: usize = MAX_WRITE;

/// With this many bytes not yet taken by the transport, `poll_read` stops
/// reading until some go: input that makes output (a renegotiation flight,
/// alerts) cannot make it grow without bound. Writes alone never reach it
/// (they stop below [`MAX_WRITE_BACKLOG`] plus one record), so a reader is
/// never held up by its own side's application data, which would deadlock
/// two peers that both write before they read.
const READ_STOP_BACKLOG: usize = MAX_WRITE_BACKLOG + MAX_RECORD_LEN + MAX_BUFFERED_OUTPUT;

/// Most events the stream keeps for [`TlsStream::take_events`]; beyond it
/// the oldest are dropped.
const MAX_KEPT_EVENTS: usize = 256;

/// Which half of the stream is polling: with `tokio::io::split` the reading
/// and writing tasks differ, and both may wait on the transport's write side.
#[derive(Clone, Copy)]
enum Side {
    Read = 0,
    Write = 1,
}

impl Side {
    fn other(self) -> usize {
        1 - self as usize
    }
}

/// Wakes two tasks: the transport keeps one waker for its write side, and
/// with split halves both the reader (answering a renegotiation, say) and
/// the writer may be waiting on it.
struct Both(Waker, Waker);

impl Wake for Both {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wake_by_ref();
        self.1.wake_by_ref();
    }
}

/// Runs client handshakes: `connect` wraps a transport in a [`TlsStream`]
/// once the handshake is complete. Cheap to clone (it holds an `Arc`).
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector for `config`.
    pub fn new(config: Arc<ClientConfig>) -> Self {
        TlsConnector { config }
    }

    /// Runs a client handshake with `server_name` over `io`. A TLS failure
    /// is an `io::Error` of kind `InvalidData` wrapping the [`Error`]; the
    /// fatal alert has been sent when the transport took it.
    pub async fn connect<IO>(
        &self,
        server_name: ServerName<'static>,
        io: IO,
    ) -> io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = Connection::new_client(self.config.clone(), server_name).map_err(to_io)?;
        let mut stream = TlsStream::new(conn, io);
        stream.handshake().await?;
        Ok(stream)
    }
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        TlsConnector::new(config)
    }
}

/// Runs server handshakes: `accept` wraps a transport in a [`TlsStream`]
/// once the handshake is complete. Cheap to clone (it holds an `Arc`).
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// An acceptor for `config`.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { config }
    }

    /// Runs a server handshake over `io`, as [`TlsConnector::connect`] does
    /// for a client.
    pub async fn accept<IO>(&self, io: IO) -> io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let mut stream = TlsStream::new(Connection::new_server(self.config.clone()), io);
        stream.handshake().await?;
        Ok(stream)
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor::new(config)
    }
}

/// A connection over an async transport: `AsyncRead` gives the peer's
/// application data, `AsyncWrite` sends ours, and either drives the
/// handshake first if it has not run yet ([`TlsConnector`] and
/// [`TlsAcceptor`] run it before giving the stream out).
///
/// # Guarantees
///
/// The same as [`crate::io::Stream`]'s, and:
///
/// - **The end is the peer's close_notify.** A read returns no bytes (EOF)
///   only after it; a transport EOF without it is an `InvalidData` error
///   wrapping [`Error::Truncated`], after any data before it. Get the
///   inner error with `e.get_ref().and_then(|e|
///   e.downcast_ref::<sanstls::Error>())`.
/// - **`poll_shutdown` sends close_notify**, flushes, then shuts the
///   transport's write side. Reading goes on until the peer's close_notify.
/// - **Bounded buffers.** The stream holds at most one record of received
///   bytes, the plaintext of one read from the transport, and output under
///   [`MAX_WRITE_BACKLOG`] plus one record from writes: while the transport
///   takes nothing, `poll_write` returns `Pending`. `poll_read` stops
///   reading while output it must send (a renegotiation flight, alerts)
///   cannot go. [`buffered`](Self::buffered) reports the sizes.
/// - **Flights are answered while reading.** A renegotiation the peer
///   starts (when the configuration allows it) or its close_notify is
///   answered from `poll_read`, without a write from the caller.
/// - **Full duplex.** With `tokio::io::split`, one task may read while
///   another writes: both halves may wait on the transport's write side
///   (the reader to answer a flight), and both are woken. Complete the
///   handshake before splitting.
///
/// Bytes `poll_write` took are sealed into records at once; call `flush` (or
/// `shutdown`) to know they reached the transport.
pub struct TlsStream<IO> {
    io: IO,
    conn: Connection,
    /// Received bytes not yet consumed: `inbuf[..filled]`.
    inbuf: Box<[u8]>,
    filled: usize,
    /// Decrypted application data not yet read: `plain[pos..]`.
    plain: Vec<u8>,
    pos: usize,
    /// Bytes for the transport: `out[sent..]` are still to go.
    out: Vec<u8>,
    sent: usize,
    /// The peer closed (or the connection failed) and our last bytes could
    /// not be written: nothing more goes to the transport.
    write_closed: bool,
    /// Per [`Side`], the task waiting for the transport to take `out`.
    write_waiters: [Option<Waker>; 2],
    events: VecDeque<Event>,
}

/// Keeps `e`, dropping the oldest kept event when [`MAX_KEPT_EVENTS`] are
/// already kept.
fn keep_event(events: &mut VecDeque<Event>, e: Event) {
    if events.len() == MAX_KEPT_EVENTS {
        events.pop_front();
    }
    events.push_back(e);
}

/// Drops the `sent` bytes from the front of `out`.
fn compact(out: &mut Vec<u8>, sent: &mut usize) {
    if *sent > 0 {
        out.drain(..*sent);
        *sent = 0;
    }
}

impl<IO: core::fmt::Debug> core::fmt::Debug for TlsStream<IO> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (received, plaintext, unsent) = self.buffered();
        f.debug_struct("TlsStream")
            .field("io", &self.io)
            .field("conn", &self.conn)
            .field("received", &received)
            .field("plaintext", &plaintext)
            .field("unsent", &unsent)
            .field("write_closed", &self.write_closed)
            .finish_non_exhaustive()
    }
}

impl<IO> TlsStream<IO> {
    /// Wraps a connection (a fresh one, or one whose handshake is done) and
    /// its transport.
    pub fn new(conn: Connection, io: IO) -> Self {
        TlsStream {
            io,
            conn,
            inbuf: vec![0u8; MAX_RECORD_LEN].into_boxed_slice(),
            filled: 0,
            plain: Vec::new(),
            pos: 0,
            out: Vec::new(),
            sent: 0,
            write_closed: false,
            write_waiters: [None, None],
            events: VecDeque::new(),
        }
    }

    /// The connection, for its getters.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, mutably: to start a renegotiation, for instance,
    /// whose flight the next write, flush or read sends. Do not feed it
    /// input: the stream holds received bytes it has not seen yet.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &IO {
        &self.io
    }

    /// The transport, mutably: for socket options. Reading from it or
    /// writing to it directly breaks the TLS stream.
    pub fn get_mut(&mut self) -> &mut IO {
        &mut self.io
    }

    /// The connection and the transport; whatever the stream still held
    /// (see [`buffered`](Self::buffered)) is dropped.
    pub fn into_inner(self) -> (Connection, IO) {
        (self.conn, self.io)
    }

    /// How many bytes the stream holds: `(received, plaintext, unsent)` —
    /// received bytes the connection has not taken yet, decrypted data not
    /// yet read, and output the transport has not taken yet.
    pub fn buffered(&self) -> (usize, usize, usize) {
        (self.filled, self.plain.len() - self.pos, self.unsent())
    }

    /// Takes the events seen so far (the handshake trace too when the
    /// config's `trace` is on). The stream keeps the latest 256.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    fn unsent(&self) -> usize {
        self.out.len() - self.sent
    }

    fn tls_error(&self) -> Option<io::Error> {
        self.conn.error().map(|e| to_io(e.clone()))
    }

    /// Drops the bytes already sent from the front of `out`, so that it
    /// never grows past what is still to go.
    fn compact_out(&mut self) {
        compact(&mut self.out, &mut self.sent);
    }

    /// Feeds the buffered input to the connection: plaintext goes to
    /// `plain`, output to `out`, events to `events`. A TLS error stops it
    /// (it is sticky); everything decrypted before it stays in `plain`.
    fn process(&mut self) {
        let (out, sent) = (&mut self.out, &mut self.sent);
        feed_input(
            &mut self.conn,
            &mut self.inbuf,
            &mut self.filled,
            &mut self.plain,
            |e| keep_event(&mut self.events, e),
            |conn| {
                compact(out, sent);
                conn.poll_output(out);
            },
        );
    }

    /// Copies waiting plaintext into `buf`.
    fn take_plaintext(&mut self, buf: &mut ReadBuf<'_>) {
        let n = buf.remaining().min(self.plain.len() - self.pos);
        buf.put_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.plain.len() {
            self.plain.clear();
            self.pos = 0;
        }
    }

    /// After a write failure: once the peer has closed (or the connection
    /// has failed), the write side ends quietly, as in `io::Stream`.
    fn write_failed(&mut self, e: io::Error) -> io::Result<()> {
        let over = self.conn.peer_closed() || self.conn.error().is_some();
        if over && e.kind() != io::ErrorKind::WouldBlock {
            self.write_closed = true;
            self.out.clear();
            self.sent = 0;
            self.wake_write_waiters();
            return Ok(());
        }
        Err(e)
    }

    fn wake_write_waiters(&mut self) {
        for w in self.write_waiters.iter_mut().filter_map(Option::take) {
            w.wake();
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// Drives the handshake to completion (nothing to do when it is
    /// complete). Application data that comes with the peer's last flight
    /// is kept for reading.
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_handshake(cx, Side::Read)).await
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>, side: Side) -> Poll<io::Result<()>> {
        loop {
            // Our flight first: the peer answers nothing until it has it.
            match self.poll_flush_out(cx, side) {
                Poll::Pending => return Poll::Pending,
                // The peer may have sent an alert before it went.
                Poll::Ready(Err(e)) if !peer_gone(&e) => return Poll::Ready(Err(e)),
                Poll::Ready(_) => {}
            }
            if !self.conn.is_handshaking() {
                if self.conn.negotiated().is_some() {
                    return Poll::Ready(Ok(()));
                }
                let e = Error::Internal("handshake ended without a result");
                return Poll::Ready(Err(self.tls_error().unwrap_or_else(|| to_io(e))));
            }
            ready!(self.poll_read_transport(cx))?;
        }
    }

    /// Writes `out[sent..]` after taking the connection's queued output.
    /// `side` says which task polls, for the wakers.
    fn poll_flush_out(&mut self, cx: &mut Context<'_>, side: Side) -> Poll<io::Result<()>> {
        if self.conn.has_output() {
            self.compact_out();
            self.conn.poll_output(&mut self.out);
        }
        while self.sent < self.out.len() && !self.write_closed {
            match self.poll_transport_write(cx, side) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(self.write_failed(io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(self.write_failed(e)),
            }
        }
        self.out.clear();
        self.sent = 0;
        // Everything went: the other half, if it waited for that, may go on.
        self.write_waiters[side as usize] = None;
        if let Some(w) = self.write_waiters[side.other()].take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }

    /// One `poll_write` of `out[sent..]` to the transport. The transport
    /// keeps one waker for its write side; when the other half waits on it
    /// too, it gets one that wakes both.
    fn poll_transport_write(
        &mut self,
        cx: &mut Context<'_>,
        side: Side,
    ) -> Poll<io::Result<usize>> {
        let other = self.write_waiters[side.other()]
            .as_ref()
            .filter(|w| !w.will_wake(cx.waker()));
        let data = &self.out[self.sent..];
        let poll = match other {
            None => Pin::new(&mut self.io).poll_write(cx, data),
            Some(other) => {
                let both = Waker::from(Arc::new(Both(cx.waker().clone(), other.clone())));
                Pin::new(&mut self.io).poll_write(&mut Context::from_waker(&both), data)
            }
        };
        if poll.is_pending() {
            let slot = &mut self.write_waiters[side as usize];
            if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *slot = Some(cx.waker().clone());
            }
        }
        poll
    }

    /// Reads from the transport once and processes what came. An EOF goes
    /// to the connection, which makes it an error unless close_notify came
    /// first.
    fn poll_read_transport(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(room) = self.inbuf.get_mut(self.filled..).filter(|r| !r.is_empty()) else {
            // `process` leaves less than a record unless the connection
            // stopped reading, and then we do not read.
            return Poll::Ready(Err(to_io(Error::Internal("input buffer full"))));
        };
        let mut room = ReadBuf::new(room);
        loop {
            match Pin::new(&mut self.io).poll_read(cx, &mut room) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => break,
            }
        }
        let n = room.filled().len();
        if n == 0 {
            // The error, if any, is sticky: the caller finds it next.
            let _ = self.conn.handle_eof();
        } else {
            self.filled += n;
            self.process();
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx, Side::Read))?;
        }
        loop {
            // Decrypted data first, before any error.
            if this.pos < this.plain.len() {
                this.take_plaintext(buf);
                return Poll::Ready(Ok(()));
            }
            if let Some(e) = this.tls_error() {
                let _ = this.poll_flush_out(cx, Side::Read); // the fatal alert
                return Poll::Ready(Err(e));
            }
            if this.conn.peer_closed() {
                // Our answering close_notify, if the transport takes it now;
                // otherwise the next write, flush or shutdown sends it.
                let _ = this.poll_flush_out(cx, Side::Read);
                return Poll::Ready(Ok(()));
            }
            // Answer what the peer said (a flight, an alert) before reading
            // on; stop reading while too much of it is waiting.
            match this.poll_flush_out(cx, Side::Read) {
                Poll::Ready(Err(e)) if !peer_gone(&e) => return Poll::Ready(Err(e)),
                Poll::Pending if this.unsent() >= READ_STOP_BACKLOG => return Poll::Pending,
                _ => {}
            }
            ready!(this.poll_read_transport(cx))?;
            // Answer at once (our close_notify after the peer's, a flight),
            // also when data came with it. With something else to report
            // (data, the end, a TLS error), a write error waits: the bytes
            // stay queued for the next call.
            if let Poll::Ready(Err(e)) = this.poll_flush_out(cx, Side::Read) {
                let news = this.pos < this.plain.len()
                    || this.conn.peer_closed()
                    || this.conn.error().is_some();
                if !news && !peer_gone(&e) {
                    return Poll::Ready(Err(e));
                }
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx, Side::Write))?;
        }
        // Earlier records first: an error here means nothing of `buf` was
        // taken.
        let waiting = match this.poll_flush_out(cx, Side::Write) {
            Poll::Ready(Ok(())) => false,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => true,
        };
        let n = if waiting {
            if this.unsent() >= MAX_WRITE_BACKLOG {
                // The transport's waker is registered: it wakes us.
                return Poll::Pending;
            }
            buf.len().min(MAX_PLAINTEXT_LEN)
        } else {
            buf.len().min(MAX_WRITE)
        };
        this.compact_out();
        this.conn.send(&buf[..n], &mut this.out).map_err(to_io)?;
        if !waiting {
            // The records are sealed and numbered: an error now shows at
            // the next write or flush, which send them first.
            let _ = this.poll_flush_out(cx, Side::Write);
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_out(cx, Side::Write))?;
        if this.write_closed {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    /// Sends close_notify, flushes, then shuts the transport's write side.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.close(); // once: later calls do nothing
        ready!(this.poll_flush_out(cx, Side::Write))?;
        let over = this.write_closed || this.conn.peer_closed();
        if !this.write_closed {
            ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        }
        match ready!(Pin::new(&mut this.io).poll_shutdown(cx)) {
            // The peer closed first and is gone: nothing left to shut.
            Err(e) if over && peer_gone(&e) => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }
}
