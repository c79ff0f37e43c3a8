//! The guided tour: one TLS 1.2 connection between our client and our server
//! over loopback TCP, with the handshake printed step by step.
//!
//! ```text
//! cargo run --example demo [-- --suite IANA_NAME]
//! ```
//!
//! `--suite` runs the handshake with that suite: for example
//! `TLS_RSA_WITH_AES_128_GCM_SHA256`, the RSA key transport the classic
//! descriptions of TLS walk through (the client encrypts the pre-master
//! secret to the server certificate's RSA key; no forward secrecy), or
//! `TLS_DHE_RSA_WITH_AES_128_GCM_SHA256` (finite-field Diffie-Hellman over
//! an RFC 7919 group). Naming a legacy suite is the demo's opt-in to it. An
//! RSA suite gets an RSA-2048 server certificate (the key is the test key
//! in `tests/data/keys`), the others an ECDSA P-256 one.
//!
//! It makes a throwaway CA and a server certificate with rcgen, starts the
//! server on a thread (port 0), connects the client, and prints: the handshake
//! as the client saw it (with what each message is for), the same handshake
//! as the server saw it, the negotiated parameters, one encrypted HTTP
//! request and response with their sizes on the wire, and the close.

use std::error::Error;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use sanstls::io::Stream;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use sanstls::suites::{AuthKind, KeyExchangeKind, SupportedSuite};
use sanstls::trace::{Direction, TraceEntry};
use sanstls::verify::RootCertStore;
use sanstls::{ClientConfig, Connection, Event, Negotiated, ServerConfig};

type BoxError = Box<dyn Error + Send + Sync>;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A transport wrapper that counts the bytes on the wire.
struct Counting<T> {
    inner: T,
    read: usize,
    written: usize,
}

impl<T: Read> Read for Counting<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

impl<T: Write> Write for Counting<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn counting(tcp: TcpStream) -> io::Result<Counting<TcpStream>> {
    tcp.set_read_timeout(Some(TIMEOUT))?;
    tcp.set_write_timeout(Some(TIMEOUT))?;
    Ok(Counting {
        inner: tcp,
        read: 0,
        written: 0,
    })
}

fn traces(events: Vec<Event>) -> Vec<TraceEntry> {
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Trace(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// What the server thread saw.
struct ServerView {
    trace: Vec<TraceEntry>,
    negotiated: Negotiated,
    request: String,
    clean_close: bool,
}

/// The server: one connection, one request, one response, close.
fn serve(listener: TcpListener, config: Arc<ServerConfig>) -> Result<ServerView, BoxError> {
    let (tcp, _) = listener.accept()?;
    let mut tls = Stream::new(Connection::new_server(config), counting(tcp)?);
    tls.handshake()?;
    let trace = traces(tls.take_events());
    let negotiated = tls.conn().negotiated().ok_or("no parameters")?.clone();

    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err("client closed before the end of its request".into());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let body = format!("Hello over {}!\n", negotiated.suite_name());
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes())?;
    tls.close()?;
    // Wait for the client's answering close_notify.
    let clean_close = tls.read(&mut buf)? == 0 && tls.conn().peer_closed();
    Ok(ServerView {
        trace,
        negotiated,
        request: String::from_utf8_lossy(&request).into_owned(),
        clean_close,
    })
}

/// A CA, and a leaf for "localhost" it signed, with an RSA-2048 key when
/// `rsa` (ring cannot generate RSA keys, so the demo uses the repository's
/// test key) and an ECDSA P-256 one otherwise.
fn make_pki(
    rsa: bool,
) -> Result<
    (
        CertificateDer<'static>,
        CertificateDer<'static>,
        PrivateKeyDer<'static>,
    ),
    BoxError,
> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "sanstls demo CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;

    let mut leaf = CertificateParams::new(vec!["localhost".to_string()])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = if rsa {
        KeyPair::from_pem_and_sign_algo(
            include_str!("../tests/data/keys/rsa2048.pkcs8.pem"),
            &rcgen::PKCS_RSA_SHA256,
        )?
    } else {
        KeyPair::generate()? // ECDSA P-256
    };
    let cert = leaf.signed_by(&key, &ca)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((ca.der().clone(), cert.der().clone(), key))
}

/// What a message is for, for someone reading RFC 5246 §7.3 alongside.
fn explain(entry: &TraceEntry, client_sent: bool, kx: KeyExchangeKind) -> &'static str {
    match (entry.message, client_sent, kx) {
        ("ServerKeyExchange", _, KeyExchangeKind::Dhe) => "The server's finite-field Diffie-Hellman group (an RFC 7919 prime) and its ephemeral public value, signed with its certificate's key over both randoms.",
        ("ClientKeyExchange", _, KeyExchangeKind::Dhe) => "The client's ephemeral DH public value. Both sides now compute the shared secret, then the master secret and the keys.",
        ("ServerHelloDone", _, KeyExchangeKind::Rsa) => "The server is done with its hello flight (with RSA key transport it sends no ServerKeyExchange): now it is the client's turn.",
        ("ClientKeyExchange", _, KeyExchangeKind::Rsa) => "The client made a 48-byte pre-master secret (its TLS version, then 46 random bytes) and sends it encrypted with the RSA public key of the server's certificate. Only the server can decrypt it; both then compute the master secret and the keys. No forward secrecy: whoever gets the server's key later can decrypt this connection.",
        _ => explain_common(entry, client_sent),
    }
}

/// What a message is for, whatever the key exchange.
fn explain_common(entry: &TraceEntry, client_sent: bool) -> &'static str {
    match (entry.message, client_sent) {
        ("ClientHello", _) => "The client offers its cipher suites, groups and signature schemes, with 32 random bytes.",
        ("ServerHello", _) => "The server picks one suite and answers with its own 32 random bytes.",
        ("Certificate", _) => "The server's certificate chain; the client verifies it against its trusted CA and the name \"localhost\".",
        ("ServerKeyExchange", _) => "The server's ephemeral ECDHE public key, signed with its certificate's key over both randoms.",
        ("ServerHelloDone", _) => "The server is done with its hello flight; now it is the client's turn.",
        ("ClientKeyExchange", _) => "The client's ephemeral ECDHE public key. Both sides now compute the shared secret, then the master secret and the keys.",
        ("ChangeCipherSpec", true) => "From here on, everything the client sends is encrypted.",
        ("ChangeCipherSpec", false) => "From here on, everything the server sends is encrypted.",
        ("Finished", true) => "The client's MAC over the whole handshake transcript, encrypted: proof that nobody tampered with it.",
        ("NewSessionTicket", _) => "The server hands the client its session, sealed under a key only the server knows (RFC 5077), so a later connection can skip the key exchange.",
        ("Finished", false) => "The server's MAC over the transcript; the client checks it and the handshake is complete.",
        _ => "",
    }
}

/// The suite `--suite` names, if any.
fn chosen_suite() -> Result<Option<&'static SupportedSuite>, BoxError> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--suite"), Some(name)) => Ok(Some(
            sanstls::suites::by_name(&name).ok_or_else(|| format!("unknown suite {name:?}"))?,
        )),
        _ => Err("usage: demo [--suite IANA_NAME]".into()),
    }
}

fn main() -> Result<(), BoxError> {
    // ---- setup: a throwaway PKI, a server on a thread, a client ----
    let suite = chosen_suite()?;
    let rsa = suite.is_some_and(|s| s.auth == AuthKind::Rsa);
    let (ca_der, cert_der, key) = make_pki(rsa)?;

    let mut server_config = ServerConfig::new(vec![cert_der], &key)?;
    server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    server_config.trace = true;

    let mut roots = RootCertStore::new();
    roots.add(ca_der)?;
    let mut client_config = ClientConfig::new(roots);
    client_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    client_config.trace = true;
    if let Some(suite) = suite {
        // Naming a legacy suite is the demo's opt-in to it.
        let (rsa_kx, dhe) = (
            suite.kx == KeyExchangeKind::Rsa,
            suite.kx == KeyExchangeKind::Dhe,
        );
        server_config.allow_rsa_key_transport = rsa_kx;
        client_config.allow_rsa_key_transport = rsa_kx;
        server_config.allow_ffdhe = dhe;
        client_config.allow_ffdhe = dhe;
        server_config.set_suites_by_name(&[suite.name()])?;
        client_config.set_suites_by_name(&[suite.name()])?;
    }

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server_config = Arc::new(server_config);
    let server = thread::spawn(move || serve(listener, server_config));

    println!("sanstls demo: one TLS 1.2 connection over loopback TCP");
    println!("=======================================================");
    println!();
    println!("Setup: a throwaway CA \"sanstls demo CA\" issued a certificate for \"localhost\"");
    println!(
        "({}). The server presents it; the client trusts only that CA.",
        if rsa { "RSA 2048" } else { "ECDSA P-256" }
    );
    println!("Server listening on {addr}; the client connects and offers ALPN h2, http/1.1.");
    println!();

    let tcp = TcpStream::connect(addr)?;
    let conn = Connection::new_client(Arc::new(client_config), ServerName::try_from("localhost")?)?;
    let mut tls = Stream::new(conn, counting(tcp)?);
    let started = Instant::now();
    tls.handshake()?;
    let elapsed = started.elapsed();
    let client_trace = traces(tls.take_events());
    let (hs_sent, hs_read) = (tls.get_ref().written, tls.get_ref().read);

    let kx = tls.conn().negotiated().ok_or("no parameters")?.suite.kx;

    // ---- 1. the handshake as the client saw it ----
    println!("1. The handshake, as the client saw it (RFC 5246 §7.3)");
    println!("   \"->\" the client sent it, \"<-\" it came from the server");
    println!();
    for (i, entry) in client_trace.iter().enumerate() {
        let sent = entry.direction == Direction::Sent;
        let who = if sent {
            "client -> server"
        } else {
            "server -> client"
        };
        println!(
            "{:>2}. [client] {} {}  ({who}, {} bytes)",
            i + 1,
            if sent { "->" } else { "<-" },
            entry.message,
            entry.len
        );
        println!("      {}", explain(entry, sent, kx));
        for (k, v) in &entry.fields {
            println!("        {k}: {v}");
        }
    }
    println!();
    println!(
        "   Handshake done in {:.1} ms: the client wrote {hs_sent} bytes and read {hs_read} bytes.",
        elapsed.as_secs_f64() * 1000.0
    );
    println!();

    // ---- 3/4. application data, then the close ----
    let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let before = tls.get_ref().written;
    tls.write_all(request.as_bytes())?;
    let request_wire = tls.get_ref().written - before;

    let before = tls.get_ref().read;
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    let body_start = loop {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err("server closed before its response".into());
        }
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .ok_or("no Content-Length")?
                .parse()?;
            if body.len() >= len {
                break head.len() + 4;
            }
        }
    };
    let response_wire = tls.get_ref().read - before;

    // The server's close_notify ends the stream; ours answers it.
    let before = (tls.get_ref().read, tls.get_ref().written);
    let rest = tls.read(&mut buf)?;
    tls.flush()?;
    let client_clean = rest == 0 && tls.conn().peer_closed();
    let close_wire = (
        tls.get_ref().read - before.0,
        tls.get_ref().written - before.1,
    );

    let view = server
        .join()
        .map_err(|_| "server thread panicked")?
        .map_err(|e| format!("server: {e}"))?;

    // ---- 2. the same handshake as the server saw it ----
    println!("2. The same handshake, as the server saw it");
    println!();
    for (i, entry) in view.trace.iter().enumerate() {
        let arrow = if entry.direction == Direction::Sent {
            "->"
        } else {
            "<-"
        };
        println!(
            "{:>2}. [server] {arrow} {} ({} bytes)",
            i + 1,
            entry.message,
            entry.len
        );
    }
    println!();

    // ---- 3. what was negotiated ----
    let n = tls.conn().negotiated().ok_or("no parameters")?;
    let subject = client_trace
        .iter()
        .filter(|e| e.message == "Certificate" && e.direction == Direction::Received)
        .flat_map(|e| e.fields.iter())
        .find(|(k, v)| *k == "cert" && v.starts_with("#0"))
        .map(|(_, v)| v.trim_start_matches("#0 ").to_string())
        .unwrap_or_else(|| "(not traced)".into());
    let alpn = |p: &Option<Vec<u8>>| {
        p.as_deref()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_else(|| "none".into())
    };
    println!("3. What was negotiated (client's view)");
    println!();
    println!("   version:                TLS 1.2");
    println!("   cipher suite:           {}", n.suite_name());
    let none = match n.suite.kx {
        KeyExchangeKind::Rsa => "none (RSA key transport)",
        _ => "none (resumed)",
    };
    println!(
        "   key exchange group:     {}",
        n.group.map_or(none.to_string(), |g| g.to_string())
    );
    println!(
        "   signature scheme:       {}",
        n.signature_scheme
            .map_or(none.to_string(), |s| s.to_string())
    );
    println!("   ALPN protocol:          {}", alpn(&n.alpn_protocol));
    println!(
        "   SNI (server received):  {}",
        view.negotiated.server_name.as_deref().unwrap_or("none")
    );
    println!(
        "   extended master secret: {} (RFC 7627)",
        if n.extended_master_secret {
            "yes"
        } else {
            "no"
        }
    );
    println!(
        "   peer certificate:       {subject} ({} certificate(s), leaf {} bytes DER)",
        n.peer_certificates.len(),
        n.peer_certificates.first().map_or(0, |c| c.len())
    );
    println!(
        "   server agrees:          {}",
        if view.negotiated.suite == n.suite && view.negotiated.group == n.group {
            "same suite and group"
        } else {
            "NO, they differ"
        }
    );
    println!();

    // ---- 4. application data ----
    let aead = n.suite.aead;
    let record = |plain: usize| {
        format!(
            "5-byte header + {} explicit nonce + {plain} + 16 tag = {} bytes",
            aead.explicit_nonce_len(),
            5 + aead.overhead() + plain
        )
    };
    println!("4. Application data, encrypted with the keys from the handshake");
    println!("   (each TLS record: header, explicit nonce if the AEAD has one, ciphertext, tag)");
    println!();
    println!(
        "   client -> server: {:?}",
        view.request.lines().next().unwrap_or("")
    );
    println!(
        "      {} bytes of plaintext, one record: {}; measured {request_wire}",
        request.len(),
        record(request.len())
    );
    println!(
        "   server -> client: {:?}",
        String::from_utf8_lossy(&response)
            .lines()
            .next()
            .unwrap_or("")
    );
    println!(
        "      {} bytes of plaintext, one record: {}",
        response.len(),
        record(response.len())
    );
    println!(
        "   response body:    {:?}",
        String::from_utf8_lossy(&response[body_start..])
    );
    println!();

    // ---- 5. the close ----
    println!("5. Closing (RFC 5246 §7.2.1)");
    println!();
    println!(
        "   server -> client: close_notify alert, 2 bytes of plaintext: {}",
        record(2)
    );
    println!(
        "      measured: {} bytes for the response and the close_notify together",
        response_wire + close_wire.0
    );
    println!(
        "   client -> server: close_notify in answer; measured {} bytes",
        close_wire.1
    );
    println!(
        "   clean close: client {}, server {}",
        if client_clean { "yes" } else { "NO" },
        if view.clean_close { "yes" } else { "NO" }
    );
    println!();
    println!("A TCP EOF without close_notify would have been reported as Error::Truncated.");
    if !(client_clean && view.clean_close) {
        return Err("the connection did not close cleanly".into());
    }
    Ok(())
}
