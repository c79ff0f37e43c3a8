//! The tokio adapter (`sanstls::tokio`, feature `tokio`) over real TCP on
//! 127.0.0.1: handshake and echo with our own acceptor, 64 MiB both ways at
//! once through `tokio::io::split` halves, a peer that closes abruptly
//! (`Error::Truncated`), close_notify both ways, a writer whose peer never
//! reads (bounded buffers), a renegotiation answered while reading, and
//! interop with `openssl s_server` / `s_client` (skipped without openssl).
//!
//! Every test runs under a deadline, so none can hang.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use common::openssl::{openssl_available, Proc, TempDir, CLIENT_LINE, SERVER_LINE};
use common::{KeyType, Pki};
use sanstls::limits::MAX_RECORD_LEN;
use sanstls::pki_types::ServerName;
use sanstls::tokio::{TlsAcceptor, TlsConnector, TlsStream, MAX_WRITE_BACKLOG};
use sanstls::{ClientConfig, Error, Event, ServerConfig};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Deadline for a whole test.
const DEADLINE: Duration = Duration::from_secs(60);

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .expect("test deadline")
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// Our error inside an `io::Error` from the adapter.
fn tls_error(e: &std::io::Error) -> Option<&Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Error>())
}

/// A connected client and server over TCP loopback, handshakes done.
async fn pair_with(
    client: ClientConfig,
    server: ServerConfig,
) -> (TlsStream<TcpStream>, TlsStream<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::new(Arc::new(server));
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.unwrap()
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let client = TlsConnector::new(Arc::new(client))
        .connect(localhost(), tcp)
        .await
        .unwrap();
    (client, server.await.unwrap())
}

async fn pair() -> (TlsStream<TcpStream>, TlsStream<TcpStream>) {
    let pki = Pki::new(KeyType::P256);
    pair_with(pki.client_config(), pki.server_config()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_and_echo() {
    within(async {
        let (mut client, mut server) = pair().await;
        assert!(client.conn().negotiated().is_some());
        let echo = tokio::spawn(async move {
            // Echo until the client's close_notify, then answer it.
            let mut buf = vec![0u8; 8192];
            loop {
                let n = server.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                server.write_all(&buf[..n]).await.unwrap();
                server.flush().await.unwrap();
            }
            assert!(server.conn().peer_closed());
            server.shutdown().await.unwrap();
        });
        // Small and multi-record messages.
        for len in [1, 100, 20_000, 100_000] {
            let msg: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            client.write_all(&msg).await.unwrap();
            client.flush().await.unwrap();
            let mut back = vec![0u8; len];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg);
        }
        client.shutdown().await.unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert!(client.conn().peer_closed());
        echo.await.unwrap();
    })
    .await
}

// ---- 64 MiB both ways at once ----

const PERIOD: usize = 251;
const CHUNK: usize = 64 * 1024;

/// Byte `i` of the stream is `i % 251`: `pattern()[i % 251..]` is where any
/// chunk starting at `i` lies.
fn pattern() -> Vec<u8> {
    (0..PERIOD + CHUNK).map(|i| (i % PERIOD) as u8).collect()
}

async fn send_bulk<W: AsyncWrite + Unpin>(mut w: W, pat: &[u8], total: usize) -> W {
    let mut sent = 0;
    while sent < total {
        let n = CHUNK.min(total - sent);
        let at = sent % PERIOD;
        w.write_all(&pat[at..at + n]).await.unwrap();
        sent += n;
    }
    w.flush().await.unwrap();
    w
}

/// Reads `total` bytes, checking every byte against the pattern.
async fn recv_bulk<R: AsyncRead + Unpin>(mut r: R, pat: &[u8], total: usize) -> R {
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0;
    while got < total {
        let want = CHUNK.min(total - got);
        let n = r.read(&mut buf[..want]).await.unwrap();
        assert!(n > 0, "EOF after {got} bytes");
        let at = got % PERIOD;
        assert!(buf[..n] == pat[at..at + n], "corrupt data at {got}");
        got += n;
    }
    r
}

/// One side: a task writes while this one reads, through `split` halves;
/// then, both done, close_notify both ways. (Not before: in TLS 1.2 a
/// close_notify closes both directions, RFC 5246 §7.2.1, so a side that
/// closed when its writing was done would cut off the other's.)
async fn both_ways(stream: TlsStream<TcpStream>, total: usize) {
    let pat = Arc::new(pattern());
    let (r, w) = tokio::io::split(stream);
    let writer = {
        let pat = pat.clone();
        tokio::spawn(async move { send_bulk(w, &pat, total).await })
    };
    let r = recv_bulk(r, &pat, total).await;
    let mut stream = r.unsplit(writer.await.unwrap());
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    assert!(stream.conn().peer_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_64_mib_both_ways_at_once() {
    within(async {
        let (client, server) = pair().await;
        let start = std::time::Instant::now();
        let server = tokio::spawn(both_ways(server, 64 << 20));
        both_ways(client, 64 << 20).await;
        server.await.unwrap();
        println!(
            "64 MiB each way at once in {:.2} s",
            start.elapsed().as_secs_f64()
        );
    })
    .await
}

/// The same on one thread: the halves' wakers, not a second worker, keep
/// both directions moving.
#[tokio::test(flavor = "current_thread")]
async fn bulk_both_ways_on_one_thread() {
    within(async {
        let (client, server) = pair().await;
        let server = tokio::spawn(both_ways(server, 8 << 20));
        both_ways(client, 8 << 20).await;
        server.await.unwrap();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_handshake_is_a_tls_error_on_both_sides() {
    within(async {
        // The client trusts another CA.
        let pki = Pki::new(KeyType::P256);
        let other = Pki::new(KeyType::P256);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::new(Arc::new(pki.server_config()));
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor.accept(tcp).await.unwrap_err()
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let e = TlsConnector::new(Arc::new(other.client_config()))
            .connect(localhost(), tcp)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            matches!(tls_error(&e), Some(Error::InvalidCertificate(_))),
            "{e:?}"
        );
        // The server got our alert.
        let e = server.await.unwrap();
        assert!(tls_error(&e).is_some(), "{e:?}");
    })
    .await
}

// ---- ends ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abrupt_close_is_truncated() {
    within(async {
        let (mut client, mut server) = pair().await;
        let data = vec![7u8; 100_000];
        server.write_all(&data).await.unwrap();
        server.flush().await.unwrap();
        // The server's socket closes without close_notify.
        let (_conn, tcp) = server.into_inner();
        drop(tcp);

        let mut got = Vec::new();
        let e = client.read_to_end(&mut got).await.unwrap_err();
        // Everything before the end is still delivered...
        assert_eq!(got.len(), data.len());
        // ...and the end is an error, not EOF.
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(matches!(tls_error(&e), Some(Error::Truncated)), "{e:?}");
        // Sticky: the next read says so again.
        let e = client.read(&mut [0u8; 16]).await.unwrap_err();
        assert!(matches!(tls_error(&e), Some(Error::Truncated)), "{e:?}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abrupt_close_mid_record_is_truncated() {
    within(async {
        let (mut client, server) = pair().await;
        // Half a record reaches the client, then the socket closes.
        let (mut conn, mut tcp) = server.into_inner();
        let mut record = Vec::new();
        conn.send(&[1u8; 1000], &mut record).unwrap();
        tcp.write_all(&record[..record.len() / 2]).await.unwrap();
        drop(tcp);

        let e = client.read(&mut [0u8; 2000]).await.unwrap_err();
        assert!(matches!(tls_error(&e), Some(Error::Truncated)), "{e:?}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_notify_both_ways() {
    within(async {
        let (mut client, mut server) = pair().await;
        let (done, client_done) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let mut request = [0u8; 4];
            server.read_exact(&mut request).await.unwrap();
            assert_eq!(&request, b"ping");
            server.write_all(b"pong").await.unwrap();
            server.flush().await.unwrap();
            // read_to_end returns at the client's close_notify, which the
            // read answers at once (the connection queues the answer).
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
            assert!(server.conn().peer_closed() && server.conn().sent_close());
            // After close_notify both ways there is nothing to write.
            let e = server.write_all(b"late").await.unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
            // No shutdown until the client has read to the end: the answer
            // went out from the read alone.
            client_done.await.unwrap();
            server.shutdown().await.unwrap();
        });
        client.write_all(b"ping").await.unwrap();
        let mut reply = [0u8; 4];
        client.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"pong");
        client.shutdown().await.unwrap();
        assert!(client.conn().sent_close());
        // Writing after our close_notify is refused.
        let e = client.write_all(b"more").await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert!(client.conn().peer_closed());
        // EOF stays EOF.
        assert_eq!(client.read(&mut [0u8; 8]).await.unwrap(), 0);
        done.send(()).unwrap();
        server.await.unwrap();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_closes_at_once_after_close_notify() {
    within(async {
        let (mut client, mut server) = pair().await;
        // The server sends close_notify and drops the socket at once,
        // without waiting for our answer (RFC 5246 §7.2.1 allows it).
        server.write_all(b"bye").await.unwrap();
        server.shutdown().await.unwrap();
        drop(server);
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"bye");
        // Our answering close_notify may find the socket gone: quiet.
        client.shutdown().await.unwrap();
    })
    .await
}

// ---- backpressure ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_to_a_peer_that_never_reads_is_bounded() {
    within(async {
        let (mut client, server) = pair().await;
        let chunk = vec![0u8; 1 << 20];
        let mut taken = 0usize;
        loop {
            // A write that takes nothing for a while: the transport is full
            // and the stream has stopped taking data.
            match tokio::time::timeout(Duration::from_millis(300), client.write(&chunk)).await {
                Ok(n) => taken += n.unwrap(),
                Err(_) => break,
            }
            assert!(taken < 256 << 20, "the stream took {taken} bytes");
        }
        let (received, plaintext, unsent) = client.buffered();
        println!("stalled after {taken} bytes; unsent {unsent}");
        assert_eq!((received, plaintext), (0, 0));
        assert!(unsent > 0);
        assert!(
            unsent <= MAX_WRITE_BACKLOG + MAX_RECORD_LEN,
            "{unsent} bytes buffered"
        );
        // Still in working order once the peer reads.
        let reader = tokio::spawn(async move {
            let mut server = server;
            let mut sink = vec![0u8; 1 << 16];
            let mut total = 0usize;
            loop {
                let n = server.read(&mut sink).await.unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
            }
        });
        client.write_all(b"end").await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(reader.await.unwrap(), taken + 3);
    })
    .await
}

// ---- renegotiation answered while reading ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_renegotiation_answered_from_poll_read() {
    within(async {
        let pki = Pki::new(KeyType::P256);
        let mut client_config = pki.client_config();
        client_config.allow_renegotiation = true;
        let mut server_config = pki.server_config();
        server_config.allow_renegotiation = true;
        let (mut client, mut server) = pair_with(client_config, server_config).await;
        client.take_events();
        server.take_events();

        // Each side reads before it writes again, so that the new handshake
        // runs through reads alone: the client's reads answer the
        // HelloRequest and the server's flight, the server's reads answer
        // the ClientHello and the client's Finished.
        let server = tokio::spawn(async move {
            // HelloRequest, sent with the data.
            server.conn_mut().renegotiate().unwrap();
            let mut byte = [0u8; 1];
            for (send, expect) in [(b"a", b"b"), (b"c", b"d")] {
                server.write_all(send).await.unwrap();
                server.flush().await.unwrap();
                server.read_exact(&mut byte).await.unwrap();
                assert_eq!(&byte, expect);
            }
            server.write_all(b"e").await.unwrap();
            server.shutdown().await.unwrap();
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
            server.take_events()
        });
        let mut byte = [0u8; 1];
        for (expect, send) in [(b"a", b"b"), (b"c", b"d")] {
            client.read_exact(&mut byte).await.unwrap();
            assert_eq!(&byte, expect);
            client.write_all(send).await.unwrap();
            client.flush().await.unwrap();
        }
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"e");
        client.shutdown().await.unwrap();
        let renegotiated = |events: &[Event]| {
            events
                .iter()
                .any(|e| matches!(e, Event::RenegotiationComplete(_)))
        };
        assert!(renegotiated(&client.take_events()));
        assert!(renegotiated(&server.await.unwrap()));
    })
    .await
}

// ---- OpenSSL ----

struct Files {
    dir: TempDir,
    pki: Pki,
}

fn openssl_files() -> Option<Files> {
    if !openssl_available() {
        println!("SKIPPED: openssl not found");
        return None;
    }
    let dir = TempDir::new("sanstls-tokio");
    let pki = Pki::new(KeyType::P256);
    dir.write("cert.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    dir.write("ca.pem", pki.ca_pem());
    Some(Files { dir, pki })
}

/// Reads up to and including the first `\n`.
async fn read_line(s: &mut (impl AsyncRead + Unpin), peer: &Proc) -> Vec<u8> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        let n = s
            .read(&mut byte)
            .await
            .unwrap_or_else(|e| panic!("read: {e}\n{}", peer.dump()));
        if n == 0 {
            break;
        }
        line.push(byte[0]);
    }
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_against_openssl_s_server() {
    let Some(files) = openssl_files() else {
        return;
    };
    within(async {
        let (mut srv, port) = common::openssl::start_s_server(
            &files.dir.path("cert.pem"),
            &files.dir.path("key.pem"),
            1,
            &[],
        );
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let connector = TlsConnector::new(Arc::new(files.pki.client_config()));
        let mut tls = match connector.connect(localhost(), tcp).await {
            Ok(tls) => tls,
            Err(e) => panic!("handshake: {e}\n{}", srv.dump()),
        };
        // s_server -rev answers each line reversed.
        tls.write_all(CLIENT_LINE).await.unwrap();
        tls.flush().await.unwrap();
        let line = read_line(&mut tls, &srv).await;
        let mut expected = CLIENT_LINE[..CLIENT_LINE.len() - 1].to_vec();
        expected.reverse();
        expected.push(b'\n');
        assert_eq!(line, expected, "{}", srv.dump());
        // Our close_notify; s_server answers with its own.
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .await
            .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", srv.dump()));
        assert!(rest.is_empty());
        assert!(tls.conn().peer_closed());
        drop(tls);
        common::openssl::expect_exit(&mut srv, "s_server");
        assert!(
            srv.stderr().contains("Protocol version: TLSv1.2"),
            "{}",
            srv.dump()
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_against_acceptor() {
    let Some(files) = openssl_files() else {
        return;
    };
    within(async {
        let (mut cli, tcp) =
            common::openssl::start_s_client(&files.dir.path("ca.pem"), &[], CLIENT_LINE);
        tcp.set_nonblocking(true).unwrap();
        let tcp = TcpStream::from_std(tcp).unwrap();
        let acceptor = TlsAcceptor::new(Arc::new(files.pki.server_config()));
        let mut tls = match acceptor.accept(tcp).await {
            Ok(tls) => tls,
            Err(e) => panic!("handshake: {e}\n{}", cli.dump()),
        };
        let line = read_line(&mut tls, &cli).await;
        assert_eq!(line, CLIENT_LINE, "{}", cli.dump());
        tls.write_all(SERVER_LINE).await.unwrap();
        // close_notify; s_client answers with its own and exits.
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .await
            .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", cli.dump()));
        assert!(rest.is_empty(), "{}", cli.dump());
        assert!(tls.conn().peer_closed());
        drop(tls);
        common::openssl::expect_exit(&mut cli, "s_client");
        let out = cli.stdout();
        assert!(
            out.contains(std::str::from_utf8(SERVER_LINE).unwrap()),
            "{}",
            cli.dump()
        );
        assert!(out.contains("Verify return code: 0 (ok)"), "{}", cli.dump());
    })
    .await
}

// ---- the examples ----

#[test]
fn tokio_examples_serve_and_fetch() {
    let (Some(server_bin), Some(client_bin)) = (
        common::built_example("tokio_server"),
        common::built_example("tokio_client"),
    ) else {
        println!("SKIPPED: the tokio examples are not built (cargo build --examples)");
        return;
    };
    let pki = Pki::new(KeyType::P256);
    let dir = TempDir::new("sanstls-tokio-examples");
    dir.write("cert.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    dir.write("ca.pem", pki.ca_pem());
    let server = Proc::spawn(
        std::process::Command::new(server_bin)
            .args(["--listen", "127.0.0.1:0", "--cert"])
            .arg(dir.path("cert.pem"))
            .arg("--key")
            .arg(dir.path("key.pem")),
    );
    assert!(
        server.wait_for(DEADLINE, |out, _| out.contains('\n')),
        "{}",
        server.dump()
    );
    let addr = server
        .stdout()
        .lines()
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
        .unwrap_or_else(|| panic!("no address\n{}", server.dump()));
    for _ in 0..2 {
        let mut client = Proc::spawn(
            std::process::Command::new(&client_bin)
                .args(["--connect", &addr, "--server-name", "localhost", "--ca"])
                .arg(dir.path("ca.pem")),
        );
        common::openssl::expect_exit(&mut client, "tokio_client");
        assert!(
            client
                .stdout()
                .starts_with("hello from sanstls over tokio\nrequest: GET / HTTP/1.1\n"),
            "{}\n{}",
            client.dump(),
            server.dump()
        );
        assert!(
            client.stderr().contains("HTTP/1.1 200 OK"),
            "{}",
            client.dump()
        );
    }
    // A good request is never logged as a failure.
    assert_eq!(server.stderr(), "", "{}", server.dump());
}
