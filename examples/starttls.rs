//! The STARTTLS pattern (as in SMTP, RFC 3207): a plaintext line protocol
//! that upgrades to TLS mid-stream, on the same TCP connection.
//!
//! ```text
//! cargo run --example starttls
//! ```
//!
//! ```text
//! C: HELLO demo-client          (plaintext)
//! S: OK hello demo-client
//! C: STARTTLS
//! S: OK begin TLS
//!    ... TLS handshake on the same socket ...
//! C: SECRET swordfish           (encrypted from here on)
//! S: OK secret received (9 bytes)
//! C: QUIT
//! S: BYE
//!    close_notify both ways
//! ```
//!
//! The one subtle point: before the switch, each side reads the plaintext
//! byte by byte, so it never pulls bytes of the TLS handshake into a
//! plaintext buffer, and no plaintext sent before the switch is ever fed to
//! TLS. (A server that buffered its reads would have to refuse anything left
//! in the buffer after `STARTTLS`: treating such bytes as if they came over
//! TLS is the command-injection bug of CVE-2011-0411.)

use std::error::Error;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rcgen::{CertificateParams, KeyPair};
use sanstls::io::Stream;
use sanstls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use sanstls::verify::RootCertStore;
use sanstls::{ClientConfig, Connection, ServerConfig};

type BoxError = Box<dyn Error + Send + Sync>;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_LINE: usize = 1024;

/// Reads one `\n`-terminated line one byte at a time, so that nothing past
/// the newline leaves the socket.
fn read_plain_line(tcp: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if tcp.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if byte[0] == b'\n' {
            break;
        }
        if line.len() == MAX_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
        line.push(byte[0]);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn send_plain(tcp: &mut TcpStream, who: &str, line: &str) -> io::Result<()> {
    println!("{who}: {line:<34} [plaintext]");
    tcp.write_all(format!("{line}\r\n").as_bytes())
}

/// Reads one line from the TLS stream.
fn read_tls_line<R: BufRead>(r: &mut R) -> io::Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn send_tls<W: Write>(w: &mut W, who: &str, line: &str) -> io::Result<()> {
    println!("{who}: {line:<34} [TLS]");
    w.write_all(format!("{line}\r\n").as_bytes())
}

fn server(listener: TcpListener, config: Arc<ServerConfig>) -> Result<(), BoxError> {
    let (mut tcp, _) = listener.accept()?;
    tcp.set_read_timeout(Some(TIMEOUT))?;

    // ---- plaintext phase ----
    let hello = read_plain_line(&mut tcp)?;
    let name = hello.strip_prefix("HELLO ").ok_or("expected HELLO")?;
    send_plain(&mut tcp, "S", &format!("OK hello {name}"))?;
    if read_plain_line(&mut tcp)? != "STARTTLS" {
        return Err("expected STARTTLS".into());
    }
    send_plain(&mut tcp, "S", "OK begin TLS")?;

    // ---- TLS phase, same socket: the next byte on it is the ClientHello's ----
    let mut tls = BufReader::new(Stream::new(Connection::new_server(config), tcp));
    tls.get_mut().handshake()?;
    loop {
        let line = read_tls_line(&mut tls)?;
        if let Some(secret) = line.strip_prefix("SECRET ") {
            let reply = format!("OK secret received ({} bytes)", secret.len());
            send_tls(tls.get_mut(), "S", &reply)?;
        } else if line == "QUIT" {
            send_tls(tls.get_mut(), "S", "BYE")?;
            break;
        } else {
            send_tls(tls.get_mut(), "S", "ERR unknown command")?;
        }
    }
    let tls = tls.get_mut();
    tls.close()?;
    // The client answers with its own close_notify.
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest)?;
    println!("S: (close_notify received; connection closed cleanly)");
    Ok(())
}

fn client(addr: std::net::SocketAddr, config: Arc<ClientConfig>) -> Result<(), BoxError> {
    let mut tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(TIMEOUT))?;

    // ---- plaintext phase ----
    send_plain(&mut tcp, "C", "HELLO demo-client")?;
    let greeting = read_plain_line(&mut tcp)?;
    if !greeting.starts_with("OK") {
        return Err(format!("server refused HELLO: {greeting}").into());
    }
    send_plain(&mut tcp, "C", "STARTTLS")?;
    // Only after the server's go-ahead may the ClientHello be sent.
    if read_plain_line(&mut tcp)? != "OK begin TLS" {
        return Err("server refused STARTTLS".into());
    }

    // ---- TLS phase, same socket ----
    println!("   --- TLS handshake on the same TCP connection ---");
    let conn = Connection::new_client(config, ServerName::try_from("localhost")?)?;
    let mut tls = BufReader::new(Stream::new(conn, tcp));
    tls.get_mut().handshake()?;
    let suite = tls
        .get_ref()
        .conn()
        .negotiated()
        .map(|n| n.suite_name())
        .unwrap_or("?");
    println!("   --- TLS established: {suite} ---");

    send_tls(tls.get_mut(), "C", "SECRET swordfish")?;
    let reply = read_tls_line(&mut tls)?;
    if !reply.starts_with("OK") {
        return Err(format!("unexpected reply {reply:?}").into());
    }
    send_tls(tls.get_mut(), "C", "QUIT")?;
    if read_tls_line(&mut tls)? != "BYE" {
        return Err("expected BYE".into());
    }
    // The server's close_notify ends the stream (a bare EOF would be an error).
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest)?;
    tls.get_mut().flush()?; // our answering close_notify
    println!("C: (close_notify received; answered; connection closed cleanly)");
    Ok(())
}

fn main() -> Result<(), BoxError> {
    // A throwaway self-signed certificate for "localhost", trusted by the client.
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let server_config = Arc::new(ServerConfig::new(vec![cert.der().clone()], &key)?);
    let mut roots = RootCertStore::new();
    roots.add(cert.der().clone())?;
    let client_config = Arc::new(ClientConfig::new(roots));

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || server(listener, server_config));
    let client_result = client(addr, client_config);
    let server_result = server.join().map_err(|_| "server thread panicked")?;
    client_result.map_err(|e| format!("client: {e}"))?;
    server_result.map_err(|e| format!("server: {e}"))?;
    println!("STARTTLS demo complete.");
    Ok(())
}
