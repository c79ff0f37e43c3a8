//! A small async HTTPS server over sanstls and tokio: one task per
//! connection, one response per connection.
//!
//! ```text
//! cargo run --example tokio_server -- --listen 127.0.0.1:8443 --cert chain.pem --key key.pem
//! ```
//!
//! Each connection: the handshake ([`TlsAcceptor::accept`]), one request read
//! up to the empty line that ends its header, a `200 OK` naming the
//! negotiated suite, then close_notify and the socket's write side
//! (`shutdown`). A failed connection is logged to stderr and does not stop
//! the server.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sanstls::tokio::TlsAcceptor;
use sanstls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str = "usage: tokio_server --listen ADDR:PORT --cert CHAIN.pem --key KEY.pem";

/// A connection that takes longer than this is dropped.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The command line: `(listen, cert, key)`, or `None` for `--help`.
fn parse_args() -> Result<Option<(String, String, String)>, String> {
    use lexopt::prelude::*;
    let (mut listen, mut cert, mut key) = (None, None, None);
    let mut parser = lexopt::Parser::from_env();
    let bad = |e: lexopt::Error| format!("{e}\n{USAGE}");
    while let Some(arg) = parser.next().map_err(bad)? {
        let slot = match arg {
            Long("listen") => &mut listen,
            Long("cert") => &mut cert,
            Long("key") => &mut key,
            Short('h') | Long("help") => return Ok(None),
            other => return Err(bad(other.unexpected())),
        };
        *slot = Some(parser.value().map_err(bad)?.string().map_err(bad)?);
    }
    match (listen, cert, key) {
        (Some(l), Some(c), Some(k)) => Ok(Some((l, c, k))),
        _ => Err(format!("--listen, --cert and --key are required\n{USAGE}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse_args() {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some((listen, cert, key))) => match run(&listen, &cert, &key).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

async fn run(listen: &str, cert: &str, key: &str) -> Result<(), BoxError> {
    let acceptor = TlsAcceptor::new(Arc::new(ServerConfig::from_pem_files(cert, key)?));
    let listener = TcpListener::bind(listen).await?;
    // Tests and scripts read the address (useful with port 0).
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(TIMEOUT, serve(&acceptor, tcp)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("{peer}: {e}"),
                Err(_) => eprintln!("{peer}: timed out"),
            }
        });
    }
}

/// One connection: handshake, one request, one response, close_notify.
async fn serve(acceptor: &TlsAcceptor, tcp: TcpStream) -> Result<(), BoxError> {
    let mut tls = acceptor.accept(tcp).await?;
    let request = read_header(&mut tls).await?;
    let first = request.lines().next().unwrap_or_default();
    let suite = tls.conn().negotiated().map_or("?", |n| n.suite_name());
    let body = format!("hello from sanstls over tokio\nrequest: {first}\nsuite: {suite}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes()).await?;
    // close_notify, flushed, then the socket's write side.
    tls.shutdown().await?;
    Ok(())
}

/// Reads up to the empty line that ends a request header (CRLF CRLF, or LF
/// LF as `openssl s_client` sends without `-crlf`), at most 16 KiB.
async fn read_header(tls: &mut (impl AsyncRead + Unpin)) -> Result<String, BoxError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !(buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n")) {
        if buf.len() > 16 * 1024 {
            return Err("request header too long".into());
        }
        let n = tls.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed before the end of the request".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
