//! A small async HTTPS client over sanstls and tokio: `GET /`, the body to
//! stdout.
//!
//! ```text
//! cargo run --example tokio_client -- --connect 127.0.0.1:8443 --server-name localhost \
//!     --ca {CA.pem|system|webpki}
//! ```
//!
//! The response ends at the server's close_notify: a connection cut short
//! without one is an error (`Error::Truncated`), not the end of the body.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;

use sanstls::pki_types::ServerName;
use sanstls::tokio::TlsConnector;
use sanstls::verify::RootCertStore;
use sanstls::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str =
    "usage: tokio_client --connect HOST:PORT --server-name NAME --ca {CA.pem|system|webpki}";

/// The command line: `(connect, server_name, ca)`, or `None` for `--help`.
fn parse_args() -> Result<Option<(String, String, String)>, String> {
    use lexopt::prelude::*;
    let (mut connect, mut name, mut ca) = (None, None, None);
    let mut parser = lexopt::Parser::from_env();
    let bad = |e: lexopt::Error| format!("{e}\n{USAGE}");
    while let Some(arg) = parser.next().map_err(bad)? {
        let slot = match arg {
            Long("connect") => &mut connect,
            Long("server-name") => &mut name,
            Long("ca") => &mut ca,
            Short('h') | Long("help") => return Ok(None),
            other => return Err(bad(other.unexpected())),
        };
        *slot = Some(parser.value().map_err(bad)?.string().map_err(bad)?);
    }
    match (connect, name, ca) {
        (Some(c), Some(n), Some(a)) => Ok(Some((c, n, a))),
        _ => Err(format!(
            "--connect, --server-name and --ca are required\n{USAGE}"
        )),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse_args() {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some((connect, name, ca))) => match run(&connect, &name, &ca).await {
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

async fn run(connect: &str, name: &str, ca: &str) -> Result<(), BoxError> {
    let roots = match ca {
        "system" => RootCertStore::native_roots()?.0,
        "webpki" => RootCertStore::webpki_roots(),
        path => {
            let mut roots = RootCertStore::new();
            roots
                .add_pem_file(path)
                .map_err(|e| format!("{path}: {e}"))?;
            roots
        }
    };
    let connector = TlsConnector::new(Arc::new(ClientConfig::new(roots)));
    let server_name = ServerName::try_from(name.to_string())?;

    let tcp = TcpStream::connect(connect).await?;
    let mut tls = connector.connect(server_name, tcp).await?;
    let negotiated = tls.conn().negotiated().expect("handshake complete");
    eprintln!("connected: {}", negotiated.suite_name());

    let request = format!("GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await?;
    tls.flush().await?;
    // To the server's close_notify; a bare EOF is an error.
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await?;
    tls.shutdown().await?;

    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or(("", &response));
    eprintln!("{}", head.lines().next().unwrap_or("(no status line)"));
    print!("{body}");
    Ok(())
}
