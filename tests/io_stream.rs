//! The blocking adapter `sanstls::io::Stream` over real sockets: decrypted
//! data is never lost, whatever the peer does with its socket once it has
//! sent its close_notify (RFC 5246 §7.2.1 lets it close at once), and the
//! adapter neither spins nor blocks where it has an answer already.
#![cfg(unix)]

mod common;

use std::cell::Cell;
use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{KeyType, Pki};
use sanstls::io::Stream;
use sanstls::pki_types::ServerName;
use sanstls::{ClientConfig, Connection, Error, ServerConfig};

/// A guard against hanging forever when a test fails: no test waits on a
/// socket this long when it passes.
const HANG_GUARD: Duration = Duration::from_secs(10);

fn configs() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let pki = Pki::new(KeyType::P256);
    (Arc::new(pki.client_config()), Arc::new(pki.server_config()))
}

fn client_conn(config: &Arc<ClientConfig>) -> Connection {
    Connection::new_client(config.clone(), ServerName::try_from("localhost").unwrap()).unwrap()
}

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_read_timeout(Some(HANG_GUARD)).unwrap();
    b.set_read_timeout(Some(HANG_GUARD)).unwrap();
    (a, b)
}

/// Bytes that differ from record to record, so a lost, repeated or
/// reordered piece shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The sanstls error inside an `io::Error` from the adapter.
fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Error>())
}

/// A server driven by hand over its socket, so a test decides exactly which
/// bytes go out in which write.
struct HandServer {
    conn: Connection,
    sock: UnixStream,
    buf: Vec<u8>,
}

impl HandServer {
    fn new(config: Arc<ServerConfig>, sock: UnixStream) -> Self {
        HandServer {
            conn: Connection::new_server(config),
            sock,
            buf: Vec::new(),
        }
    }

    /// Reads and processes until the handshake is complete, writing every
    /// flight but the last: that one stays queued in the connection, for
    /// the caller to send together with whatever it adds.
    fn handshake_holding_last_flight(&mut self) {
        let mut tmp = vec![0u8; 1 << 15];
        while self.conn.is_handshaking() {
            let mut out = Vec::new();
            self.conn.poll_output(&mut out);
            self.sock.write_all(&out).unwrap();
            let n = self.sock.read(&mut tmp).unwrap();
            assert!(n > 0, "client went away during the handshake");
            self.buf.extend_from_slice(&tmp[..n]);
            let mut data = Vec::new();
            self.process(&mut data).unwrap();
            assert!(data.is_empty());
        }
    }

    /// Feeds the buffered input to the connection.
    fn process(&mut self, data: &mut Vec<u8>) -> Result<(), Error> {
        loop {
            let input = self.conn.handle_input(&mut self.buf)?;
            if let Some(d) = input.data {
                data.extend_from_slice(d);
            }
            let consumed = input.consumed;
            if consumed == 0 {
                return Ok(());
            }
            self.buf.drain(..consumed);
        }
    }
}

/// The report's case, as a new user would meet it: the server sends its
/// data and close_notify and drops its socket at once. The client must read
/// all of it, every time, whether the close arrives while it is still in
/// the handshake or already reading.
#[test]
fn read_to_end_gets_everything_when_the_peer_closes_at_once() {
    let (cc, sc) = configs();
    let data = pattern(40_000);
    for round in 0..200 {
        let (c, s) = pair();
        let sc = sc.clone();
        let sent = data.clone();
        let server = thread::spawn(move || {
            let mut tls = Stream::new(Connection::new_server(sc), s);
            tls.write_all(&sent).unwrap();
            tls.close().unwrap();
            // The socket drops here, right after the close_notify.
        });
        let mut tls = Stream::new(client_conn(&cc), c);
        let mut got = Vec::new();
        let result = tls.read_to_end(&mut got);
        server.join().unwrap();
        if let Err(e) = result {
            panic!(
                "round {round}: {e} after {} of {} bytes",
                got.len(),
                data.len()
            );
        }
        assert!(got == data, "round {round}: data differs");
        assert!(tls.conn().peer_closed());
    }
}

/// The same without the race: the server's read side is shut before it
/// sends its last data, so the client's answering close_notify fails with
/// BrokenPipe every time. Reading still ends cleanly, and the write side is
/// over quietly: flush is fine, a later write is BrokenPipe.
#[test]
fn answer_to_close_notify_failing_is_quiet() {
    let (cc, sc) = configs();
    let data = pattern(50_000);
    let (c, s) = pair();
    let sent = data.clone();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        let mut go = [0u8; 2];
        tls.read_exact(&mut go).unwrap();
        tls.get_ref().shutdown(Shutdown::Read).unwrap();
        tls.write_all(&sent).unwrap();
        tls.close().unwrap();
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    tls.handshake().unwrap();
    tls.write_all(b"go").unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    server.join().unwrap();
    assert!(got == data, "got {} of {} bytes", got.len(), data.len());
    assert!(tls.conn().peer_closed());
    assert_eq!(tls.read(&mut [0u8; 8]).unwrap(), 0, "end stays the end");
    tls.flush().unwrap();
    assert_eq!(
        tls.write(b"more").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
}

/// The peer finishes its handshake and sends data and close_notify in the
/// same write, then is gone: everything reaches the client while it is
/// inside `handshake()`, and the data must survive to `read`.
#[test]
fn data_and_close_with_the_last_flight_survive_the_handshake() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut hs = HandServer::new(sc, s);
        hs.handshake_holding_last_flight();
        let mut out = Vec::new();
        hs.conn.send(b"hello from the server", &mut out).unwrap();
        hs.conn.close();
        hs.conn.poll_output(&mut out);
        hs.sock.shutdown(Shutdown::Read).unwrap();
        // One write: the last flight, the data and close_notify together.
        hs.sock.write_all(&out).unwrap();
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    let handshake = tls.handshake();
    server.join().unwrap();
    handshake.unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"hello from the server");
    assert!(tls.conn().peer_closed());
}

/// A pipelining client: the server answers the first request, sends
/// close_notify and is gone, and the client's next write fails. The answer
/// already on its way must still be readable.
#[test]
fn failed_write_does_not_cost_the_answer_already_sent() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let (done_tx, done_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        let mut request = [0u8; 9];
        tls.read_exact(&mut request).unwrap();
        assert_eq!(&request, b"request 1");
        tls.write_all(b"answer 1").unwrap();
        tls.close().unwrap();
        drop(tls);
        done_tx.send(()).unwrap();
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    tls.write_all(b"request 1").unwrap();
    done_rx.recv().unwrap();
    // The server's socket is closed: this write, or at the latest the
    // flush, fails.
    let second = tls.write_all(b"request 2").and_then(|()| tls.flush());
    assert_eq!(second.unwrap_err().kind(), ErrorKind::BrokenPipe);
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"answer 1");
    server.join().unwrap();
}

/// Records authenticated before a bad one are genuine: `read` returns their
/// data first and the error on the next call, and then keeps returning the
/// error without touching the transport again. The peer gets our alert.
#[test]
fn data_before_a_fatal_record_comes_first_then_the_error() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let mut hs = HandServer::new(sc, s);
        hs.handshake_holding_last_flight();
        let mut out = Vec::new();
        hs.conn.poll_output(&mut out);
        hs.sock.write_all(&out).unwrap();
        out.clear();
        hs.conn.send(b"genuine", &mut out).unwrap();
        hs.conn.send(b"forged", &mut out).unwrap();
        *out.last_mut().unwrap() ^= 1; // the second record's tag
        hs.sock.write_all(&out).unwrap();
        // Our alert comes back; the socket stays open until the client is done.
        let mut tmp = [0u8; 256];
        let n = hs.sock.read(&mut tmp).unwrap();
        hs.buf.extend_from_slice(&tmp[..n]);
        let alert = hs.process(&mut Vec::new());
        done_rx.recv().unwrap();
        alert
    });
    let mut tls = Stream::new(client_conn(&cc), Counting::new(c));
    tls.handshake().unwrap();
    let mut buf = [0u8; 64];
    let n = tls.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"genuine");
    let e = tls.read(&mut buf).unwrap_err();
    assert_eq!(tls_error(&e), Some(&Error::BadRecordMac));
    let reads = tls.get_ref().reads.get();
    let e = tls.read(&mut buf).unwrap_err();
    assert_eq!(tls_error(&e), Some(&Error::BadRecordMac));
    assert_eq!(tls.get_ref().reads.get(), reads, "read the transport again");
    done_tx.send(()).unwrap();
    assert_eq!(
        server.join().unwrap(),
        Err(Error::AlertReceived(
            sanstls::enums::AlertDescription::BAD_RECORD_MAC
        ))
    );
}

/// A transport EOF without close_notify still surfaces, after the data.
#[test]
fn truncation_still_surfaces_after_the_data() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        tls.write_all(b"cut short").unwrap();
        // Dropped without close_notify.
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    let mut got = Vec::new();
    let e = tls.read_to_end(&mut got).unwrap_err();
    server.join().unwrap();
    assert_eq!(got, b"cut short");
    assert_eq!(tls_error(&e), Some(&Error::Truncated));
    // The connection ended with that error: writing fails too.
    let e = tls.write_all(b"x").unwrap_err();
    assert_eq!(tls_error(&e), Some(&Error::Truncated));
}

/// `read` with an empty buffer has nothing to fill: it returns at once
/// rather than wait on the transport for data it could not hand over.
#[test]
fn read_into_an_empty_buffer_does_not_touch_the_transport() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        tls.handshake().unwrap();
        go_rx.recv().unwrap();
        tls.write_all(b"x").unwrap();
        tls.close().unwrap();
    });
    let mut tls = Stream::new(client_conn(&cc), Counting::new(c));
    tls.handshake().unwrap();
    let reads = tls.get_ref().reads.get();
    assert_eq!(tls.read(&mut []).unwrap(), 0);
    assert_eq!(tls.get_ref().reads.get(), reads);
    go_tx.send(()).unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"x");
    server.join().unwrap();
}

/// How a [`Flaky`] transport takes writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As its inner transport does.
    Fine,
    /// A few bytes at a time, every other call failing with WouldBlock or
    /// Interrupted, as a non-blocking socket with a small buffer would.
    Flaky,
    /// Never: always WouldBlock, as a full non-blocking socket.
    Full,
}

/// A transport whose writes fail as its `mode` says.
struct Flaky<T> {
    inner: T,
    mode: Cell<Mode>,
    calls: usize,
}

impl<T> Flaky<T> {
    fn new(inner: T) -> Self {
        Flaky {
            inner,
            mode: Cell::new(Mode::Fine),
            calls: 0,
        }
    }
}

impl<T: Read> Read for Flaky<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<T: Write> Write for Flaky<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.mode.get() {
            Mode::Fine => return self.inner.write(buf),
            Mode::Full => return Err(ErrorKind::WouldBlock.into()),
            Mode::Flaky => {}
        }
        self.calls += 1;
        match self.calls % 4 {
            0 => Err(ErrorKind::WouldBlock.into()),
            1 => Err(ErrorKind::Interrupted.into()),
            _ => self.inner.write(&buf[..buf.len().min(777)]),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Retries `op` while it says WouldBlock, as a caller of a non-blocking
/// transport does; gives up (rather than spin for ever) when that goes on
/// far longer than the transport's faults explain.
fn retry<R>(mut op: impl FnMut() -> io::Result<R>) -> R {
    for _ in 0..10_000 {
        match op() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            other => return other.unwrap(),
        }
    }
    panic!("no progress after 10000 tries");
}

/// Partial writes, WouldBlock and Interrupted from the transport neither
/// repeat nor drop a byte: what `write` reports taken goes out exactly
/// once, and an error means nothing was taken.
#[test]
fn short_and_failing_writes_send_every_byte_once() {
    let (cc, sc) = configs();
    let data = pattern(100_003);
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        let mut got = Vec::new();
        tls.read_to_end(&mut got).map(|_| got)
    });
    let mut tls = Stream::new(client_conn(&cc), Flaky::new(c));
    tls.handshake().unwrap();
    tls.get_ref().mode.set(Mode::Flaky);
    let mut rest = &data[..];
    while !rest.is_empty() {
        let n = retry(|| tls.write(rest));
        assert!(n > 0);
        rest = &rest[n..];
    }
    retry(|| tls.close());
    retry(|| tls.flush());
    let got = server.join().unwrap().unwrap();
    assert!(
        got == data,
        "server got {} of {} bytes",
        got.len(),
        data.len()
    );
}

/// A transport that is only full, not gone, keeps our answering
/// close_notify for later: `read` still returns the data and then the end,
/// and `flush` sends the answer once the transport takes bytes again.
#[test]
fn a_full_transport_keeps_the_answer_to_close_notify() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        tls.handshake().unwrap();
        go_rx.recv().unwrap();
        tls.write_all(b"last words").unwrap();
        tls.close().unwrap();
        // Our close_notify is answered once the client's transport frees up.
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).map(|_| rest)
    });
    let mut tls = Stream::new(client_conn(&cc), Flaky::new(c));
    tls.handshake().unwrap();
    tls.get_ref().mode.set(Mode::Full);
    go_tx.send(()).unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");
    assert!(tls.buffered().2 > 0, "the answer is still queued");
    assert_eq!(tls.flush().unwrap_err().kind(), ErrorKind::WouldBlock);
    tls.get_ref().mode.set(Mode::Fine);
    tls.flush().unwrap();
    assert_eq!(tls.buffered(), (0, 0, 0));
    assert!(server.join().unwrap().unwrap().is_empty());
}

/// `into_parts` gives back every byte the stream held: decrypted data not
/// yet read, what followed the peer's close_notify (a protocol may go on in
/// the clear), and records the transport did not take yet.
#[test]
fn into_parts_gives_back_everything_the_stream_held() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (written_tx, written_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let mut hs = HandServer::new(sc, s);
        hs.handshake_holding_last_flight();
        let mut out = Vec::new();
        hs.conn.poll_output(&mut out);
        hs.sock.write_all(&out).unwrap();
        go_rx.recv().unwrap();
        out.clear();
        hs.conn.send(b"0123456789", &mut out).unwrap();
        hs.conn.close();
        hs.conn.poll_output(&mut out);
        out.extend_from_slice(b"in the clear");
        hs.sock.write_all(&out).unwrap();
        written_tx.send(()).unwrap();
        // The client's answering close_notify, then nothing but the EOF.
        let mut data = Vec::new();
        while !hs.conn.peer_closed() {
            let mut tmp = [0u8; 512];
            let n = hs.sock.read(&mut tmp).unwrap();
            assert!(n > 0);
            hs.buf.extend_from_slice(&tmp[..n]);
            hs.process(&mut data).unwrap();
        }
        let mut rest = Vec::new();
        hs.sock.read_to_end(&mut rest).unwrap();
        rest
    });
    let mut tls = Stream::new(client_conn(&cc), Flaky::new(c));
    tls.handshake().unwrap();
    go_tx.send(()).unwrap();
    written_rx.recv().unwrap();
    let mut first = [0u8; 1];
    assert_eq!(tls.read(&mut first).unwrap(), 1);
    assert_eq!(&first, b"0");
    assert!(tls.conn().peer_closed());
    assert_eq!(tls.buffered(), (12, 9, 0));

    let parts = tls.into_parts();
    assert_eq!(parts.plaintext, b"123456789");
    assert_eq!(parts.received, b"in the clear");
    assert!(parts.unsent.is_empty());
    assert!(parts.connection.peer_closed());
    drop(parts);
    assert!(server.join().unwrap().is_empty());

    // Now records the transport could not take: `write` took the data, and
    // `into_parts` hands its record over.
    let (cc2, sc2) = configs();
    let (c2, s2) = pair();
    let server2 = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc2), s2);
        let mut got = Vec::new();
        tls.read_to_end(&mut got).map(|_| got)
    });
    let mut tls = Stream::new(client_conn(&cc2), Flaky::new(c2));
    tls.handshake().unwrap();
    tls.get_ref().mode.set(Mode::Full);
    assert_eq!(tls.write(b"queued").unwrap(), 6);
    assert_eq!(tls.flush().unwrap_err().kind(), ErrorKind::WouldBlock);
    let mut parts = tls.into_parts();
    assert!(!parts.unsent.is_empty());
    parts.connection.close();
    parts.connection.poll_output(&mut parts.unsent);
    parts.transport.inner.write_all(&parts.unsent).unwrap();
    assert_eq!(server2.join().unwrap().unwrap(), b"queued");
}

/// The accessors: the transport for socket options, the connection for its
/// getters and for `close`, and both back at the end.
#[test]
fn accessors_reach_the_transport_and_the_connection() {
    let (cc, sc) = configs();
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        let mut got = Vec::new();
        tls.read_to_end(&mut got).unwrap();
        assert!(tls.conn().peer_closed());
        got
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    tls.get_mut()
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    assert_eq!(
        tls.get_ref().read_timeout().unwrap(),
        Some(Duration::from_secs(30))
    );
    assert!(tls.conn().is_client());
    tls.handshake().unwrap();
    assert!(tls.conn().negotiated().is_some());
    // A huge buffer is taken a bounded piece at a time.
    let big = pattern(1 << 20);
    let n = tls.write(&big).unwrap();
    assert!(n > 0 && n <= 4 * sanstls::limits::MAX_PLAINTEXT_LEN, "{n}");
    tls.write_all(&big[n..]).unwrap();
    // close_notify through the connection; the stream's flush sends it.
    tls.conn_mut().close();
    tls.flush().unwrap();
    assert_eq!(
        tls.write(b"late").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
    assert!(server.join().unwrap() == big);
    let (conn, sock) = tls.into_inner();
    assert!(conn.sent_close());
    assert_eq!(sock.read_timeout().unwrap(), Some(Duration::from_secs(30)));
}

/// A transport that counts the reads it is asked for.
struct Counting<T> {
    inner: T,
    reads: Cell<usize>,
}

impl<T> Counting<T> {
    fn new(inner: T) -> Self {
        Counting {
            inner,
            reads: Cell::new(0),
        }
    }
}

impl<T: Read> Read for Counting<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.set(self.reads.get() + 1);
        self.inner.read(buf)
    }
}

impl<T: Write> Write for Counting<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `Stream::renegotiate` drives a renegotiation to its end over a blocking
/// transport; a peer that reads meanwhile takes part through `read`, and
/// data sent before the renegotiation arrives first.
#[test]
fn renegotiate_completes_over_the_stream() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.accept_client_renegotiation = true;
    let (cc, sc) = (Arc::new(cc), Arc::new(sc));
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut tls = Stream::new(Connection::new_server(sc), s);
        let mut got = Vec::new();
        tls.read_to_end(&mut got).unwrap();
        let events = tls.take_events();
        (got, events)
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    tls.write_all(b"before;").unwrap();
    tls.renegotiate().unwrap();
    assert!(tls
        .take_events()
        .iter()
        .any(|e| matches!(e, sanstls::Event::RenegotiationComplete(_))));
    tls.write_all(b"after").unwrap();
    tls.close().unwrap();
    let (got, events) = server.join().unwrap();
    assert_eq!(got, b"before;after");
    assert!(events
        .iter()
        .any(|e| matches!(e, sanstls::Event::RenegotiationComplete(_))));
}

/// A peer that closes instead of answering makes `renegotiate` an error,
/// not a quiet return: the new handshake never completed.
#[test]
fn renegotiate_cut_short_by_close_notify_is_an_error() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let (cc, sc) = (Arc::new(cc), Arc::new(pki.server_config()));
    let (c, s) = pair();
    let server = thread::spawn(move || {
        let mut server = HandServer::new(sc, s);
        server.handshake_holding_last_flight();
        let mut out = Vec::new();
        server.conn.poll_output(&mut out);
        server.sock.write_all(&out).unwrap();
        // The renegotiating ClientHello arrives; the server answers it with
        // close_notify alone, neither taking nor refusing it.
        let mut tmp = [0u8; 1024];
        assert!(server.sock.read(&mut tmp).unwrap() > 0);
        server.conn.close();
        let mut out = Vec::new();
        server.conn.poll_output(&mut out);
        server.sock.write_all(&out).unwrap();
    });
    let mut tls = Stream::new(client_conn(&cc), c);
    tls.handshake().unwrap();
    let e = tls.renegotiate().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionAborted, "{e}");
    assert!(tls.conn().peer_closed());
    assert!(!tls.conn().is_renegotiating());
    server.join().unwrap();
}
