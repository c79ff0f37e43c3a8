//! The tokio adapter (`sanstls::tokio`) over loopback TCP beside
//! tokio-rustls, in the same run, rounds alternating which library goes
//! first:
//!
//! - **transfer**: one connection, then 256 MiB client → server in 64 KiB
//!   writes, read in 64 KiB reads; timed from the first write to the
//!   client's receipt of the server's one-byte acknowledgement;
//! - **connections**: one after another, connect, full handshake (chain
//!   verified), a 64-byte request, a 256-byte response, close_notify both
//!   ways; timed until the server has finished with the last one.
//!
//! Both libraries: ECDSA P-256 certificate, X25519, ECDHE-ECDSA
//! AES-128-GCM, TLS 1.2 (rustls has TLS 1.2 only), no resumption, Nagle
//! off on every socket. By default client and server run on one
//! current-thread runtime: the figure is the CPU of both ends together, and
//! the other engineers' load on the second core matters less.
//!
//! `cargo bench --bench tokio_io`
//!
//! - `RUNTIME=multi`: a multi-thread runtime (2 workers) instead;
//! - `ROUNDS=n` (default 15); `MIB=n` (default 256): transfer size;
//!   `CONNS=n` (default 300): connections per measurement;
//! - `CASES=transfer,connections`: which to run (default both).

mod common;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rustls::client::Resumption;
use sanstls::enums::NamedGroup;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CASE: Case = Case {
    suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    group: NamedGroup::X25519,
    verify_chain: true,
};

/// Application writes and reads, on both sides of both libraries.
const CHUNK: usize = 64 * 1024;
const REQUEST: usize = 64;
const RESPONSE: usize = 256;

/// A TLS library's client and server ends over TCP.
trait Tls: Clone + Send + Sync + 'static {
    type Client: AsyncRead + AsyncWrite + Unpin + Send;
    type Server: AsyncRead + AsyncWrite + Unpin + Send;
    const NAME: &'static str;
    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send;
    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send;
}

#[derive(Clone)]
struct Sanstls(sanstls::tokio::TlsConnector, sanstls::tokio::TlsAcceptor);

impl Tls for Sanstls {
    type Client = sanstls::tokio::TlsStream<TcpStream>;
    type Server = sanstls::tokio::TlsStream<TcpStream>;
    const NAME: &'static str = "sanstls";

    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send {
        let connector = self.0.clone();
        let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
        async move { connector.connect(name, tcp).await }
    }

    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send {
        let acceptor = self.1.clone();
        async move { acceptor.accept(tcp).await }
    }
}

#[derive(Clone)]
struct Rustls(tokio_rustls::TlsConnector, tokio_rustls::TlsAcceptor);

impl Tls for Rustls {
    type Client = tokio_rustls::client::TlsStream<TcpStream>;
    type Server = tokio_rustls::server::TlsStream<TcpStream>;
    const NAME: &'static str = "rustls";

    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send {
        let connector = self.0.clone();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        async move { connector.connect(name, tcp).await }
    }

    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send {
        let acceptor = self.1.clone();
        async move { acceptor.accept(tcp).await }
    }
}

async fn listen() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

async fn tcp_connect(addr: std::net::SocketAddr) -> TcpStream {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}

async fn tcp_accept(listener: &TcpListener) -> TcpStream {
    let (tcp, _) = listener.accept().await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}

/// Reads until close_notify (EOF), then closes our side. Errors at the
/// end (the peer gone first) are the same for both libraries and ignored.
async fn finish(mut s: impl AsyncRead + AsyncWrite + Unpin) {
    let mut sink = [0u8; 64];
    while let Ok(n) = s.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
    let _ = s.shutdown().await;
}

/// `bytes` client → server over one connection; the time from the first
/// write to the server's acknowledgement.
async fn transfer<L: Tls>(lib: L, bytes: usize) -> Duration {
    let (listener, addr) = listen().await;
    let server_lib = lib.clone();
    let server = tokio::spawn(async move {
        let mut tls = server_lib
            .accept(tcp_accept(&listener).await)
            .await
            .unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0;
        while got < bytes {
            let n = tls.read(&mut buf).await.unwrap();
            assert!(n > 0, "EOF after {got} bytes");
            got += n;
        }
        tls.write_all(b"k").await.unwrap();
        tls.flush().await.unwrap();
        finish(tls).await;
    });
    let mut tls = lib.connect(tcp_connect(addr).await).await.unwrap();
    let chunk = vec![0x5a; CHUNK];
    let t0 = Instant::now();
    let mut sent = 0;
    while sent < bytes {
        let n = CHUNK.min(bytes - sent);
        tls.write_all(&chunk[..n]).await.unwrap();
        sent += n;
    }
    tls.flush().await.unwrap();
    let mut ack = [0u8; 1];
    tls.read_exact(&mut ack).await.unwrap();
    let elapsed = t0.elapsed();
    tls.shutdown().await.unwrap();
    server.await.unwrap();
    elapsed
}

/// `count` connections one after another, each a full handshake, one
/// request and its response, and close_notify both ways; the time until
/// the server is done with the last.
async fn connections<L: Tls>(lib: L, count: usize) -> Duration {
    let (listener, addr) = listen().await;
    let server_lib = lib.clone();
    let t0 = Instant::now();
    let server = tokio::spawn(async move {
        let mut handlers = tokio::task::JoinSet::new();
        for _ in 0..count {
            let tcp = tcp_accept(&listener).await;
            let lib = server_lib.clone();
            handlers.spawn(async move {
                let mut tls = lib.accept(tcp).await.unwrap();
                let mut request = [0u8; REQUEST];
                tls.read_exact(&mut request).await.unwrap();
                tls.write_all(&[0x33; RESPONSE]).await.unwrap();
                tls.flush().await.unwrap();
                finish(tls).await;
            });
        }
        while let Some(done) = handlers.join_next().await {
            done.unwrap();
        }
    });
    for _ in 0..count {
        let mut tls = lib.connect(tcp_connect(addr).await).await.unwrap();
        tls.write_all(&[0x11; REQUEST]).await.unwrap();
        tls.flush().await.unwrap();
        let mut response = [0u8; RESPONSE];
        tls.read_exact(&mut response).await.unwrap();
        tls.shutdown().await.unwrap();
    }
    server.await.unwrap();
    t0.elapsed()
}

fn main() {
    let rounds = env_usize("ROUNDS", 15).max(1);
    let bytes = env_usize("MIB", 256) << 20;
    let conns = env_usize("CONNS", 300).max(1);
    let cases = std::env::var("CASES").unwrap_or_else(|_| "transfer,connections".into());
    let multi = std::env::var("RUNTIME").is_ok_and(|r| r == "multi");
    let rt = if multi {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .unwrap();
    println!(
        "{} runtime, {rounds} rounds, load before: {}",
        if multi {
            "multi-thread (2 workers)"
        } else {
            "current-thread"
        },
        load()
    );

    let pki = Pki::new(Key::EcdsaP256);
    let (mut sc, ss) = sanstls_configs(&pki, CASE);
    sc.session_store = None;
    let ours = Sanstls(
        sanstls::tokio::TlsConnector::new(Arc::new(sc)),
        sanstls::tokio::TlsAcceptor::new(Arc::new(ss)),
    );
    let (mut rc, rs) = rustls_configs(&pki, CASE);
    rc.resumption = Resumption::disabled();
    let theirs = Rustls(
        tokio_rustls::TlsConnector::from(Arc::new(rc)),
        tokio_rustls::TlsAcceptor::from(Arc::new(rs)),
    );

    for case in cases.split(',').map(str::trim) {
        // One measurement of each library: (sanstls, rustls) seconds.
        let measure = |first_ours: bool| -> (f64, f64) {
            rt.block_on(async {
                let run_ours = || async {
                    match case {
                        "transfer" => transfer(ours.clone(), bytes).await,
                        "connections" => connections(ours.clone(), conns).await,
                        other => panic!("CASES: unknown case {other:?}"),
                    }
                };
                let run_theirs = || async {
                    match case {
                        "transfer" => transfer(theirs.clone(), bytes).await,
                        _ => connections(theirs.clone(), conns).await,
                    }
                };
                let (a, b) = if first_ours {
                    let a = run_ours().await;
                    (a, run_theirs().await)
                } else {
                    let b = run_theirs().await;
                    (run_ours().await, b)
                };
                (a.as_secs_f64(), b.as_secs_f64())
            })
        };
        measure(true); // warm-up
        let (mut ours_rate, mut theirs_rate, mut ratio) = (vec![], vec![], vec![]);
        for round in 0..rounds {
            let (a, b) = measure(round % 2 == 0);
            let work = if case == "transfer" {
                bytes as f64 / (1 << 20) as f64
            } else {
                conns as f64
            };
            ours_rate.push(work / a);
            theirs_rate.push(work / b);
            ratio.push(b / a);
        }
        let unit = if case == "transfer" {
            "MiB/s"
        } else {
            "connections/s"
        };
        println!("\n{case}:");
        println!("  {:7} {:.0} {unit}", Sanstls::NAME, Spread::of(&ours_rate));
        println!(
            "  {:7} {:.0} {unit}",
            Rustls::NAME,
            Spread::of(&theirs_rate)
        );
        println!("  sanstls/rustls: {:.3}", Spread::of(&ratio));
    }
    println!("\nload after: {}", load());
}
