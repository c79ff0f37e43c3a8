//! The guided tour: one TLS 1.2 connection between our client and our server
//! over loopback TCP, with the handshake printed step by step.
//!
//! ```text
//! cargo run --example demo [-- --suite IANA_NAME [--no-etm]] [--renegotiate]
//! ```
//!
//! `--suite` runs the handshake with that suite: for example
//! `TLS_RSA_WITH_AES_128_CBC_SHA`, the handshake and the records the
//! classic descriptions of TLS walk through (RSA key transport: the client
//! encrypts the pre-master secret to the server certificate's RSA key, no
//! forward secrecy; AES-CBC records with HMAC-SHA1),
//! `TLS_RSA_WITH_AES_128_GCM_SHA256` (the same key exchange, AEAD records)
//! or `TLS_DHE_RSA_WITH_AES_128_GCM_SHA256` (finite-field Diffie-Hellman
//! over an RFC 7919 group). Naming a legacy or CBC suite is the demo's
//! opt-in to it. An RSA suite gets an RSA-2048 server certificate (the key
//! is the test key in `tests/data/keys`), the others an ECDSA P-256 one.
//!
//! CBC records are encrypt-then-MAC (RFC 7366), as the library does by
//! default; `--no-etm` makes the client not offer it, for the
//! MAC-then-encrypt records of RFC 5246 and the classic descriptions.
//!
//! `--renegotiate` has the client renegotiate (RFC 5746) once the handshake
//! is done, before its request: a second, full handshake inside the
//! encrypted connection, traced as such (`[handshake 2: renegotiation 1]`),
//! with the renegotiation_info that binds it to the first.
//!
//! It makes a throwaway CA and a server certificate with rcgen, starts the
//! server on a thread (port 0), connects the client, and prints: the handshake
//! as the client saw it (with what each message is for), the same handshake
//! as the server saw it, the negotiated parameters, one encrypted HTTP
//! request and response and the close, each record taken apart from the
//! bytes that crossed the wire (header, IV or nonce, ciphertext, MAC or tag,
//! and, from the receiver's buffer after it decrypted the record in place,
//! the plaintext, the MAC of a MAC-then-encrypt record and the padding).

mod records;

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
use records::{dissect, ByHand, Seen};
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
    /// The records that carried the request, as received.
    request: Vec<Seen>,
    /// The bytes of the response and of the server's close_notify.
    response_wire: Vec<u8>,
    close_wire: Vec<u8>,
    /// The client's answering close_notify, as received.
    client_close: Seen,
    clean_close: bool,
}

/// The server: one connection, one request, one response, close. After the
/// handshake it drives the connection by hand, to see each record.
fn serve(listener: TcpListener, config: Arc<ServerConfig>) -> Result<ServerView, BoxError> {
    let (tcp, _) = listener.accept()?;
    let mut tls = Stream::new(Connection::new_server(config), counting(tcp)?);
    tls.handshake()?;
    let trace = traces(tls.take_events());
    let mut peer = ByHand::new(tls.into_parts())?;

    let (mut request, mut text) = (Vec::new(), Vec::new());
    while !text.ends_with(b"\r\n\r\n") {
        let seen = peer.receive()?;
        if peer.conn.peer_closed() {
            return Err("client closed before the end of its request".into());
        }
        // A renegotiation the client starts (--renegotiate) comes first:
        // its records are the connection's own business.
        if seen.data.is_some() {
            text.extend_from_slice(seen.data());
            request.push(seen);
        }
    }
    let mut trace = trace;
    trace.extend(traces(core::mem::take(&mut peer.events)));
    let negotiated = peer.conn.negotiated().ok_or("no parameters")?.clone();
    let body = format!("Hello over {}!\n", negotiated.suite_name());
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response_wire = peer.send(response.as_bytes())?;
    let close_wire = peer.close()?;
    // The client's answering close_notify.
    let client_close = peer.receive()?;
    let clean_close = peer.conn.peer_closed() && client_close.data.is_none();
    Ok(ServerView {
        trace,
        negotiated,
        request,
        response_wire,
        close_wire,
        client_close,
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
            include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"),
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
/// `offered_etm`: whether the client offered encrypt-then-MAC.
fn explain(
    entry: &TraceEntry,
    client_sent: bool,
    n: &Negotiated,
    offered_etm: bool,
) -> &'static str {
    let cbc = n.suite.protection.is_cbc();
    match (entry.message, client_sent, n.suite.kx) {
        ("ClientHello", _, _) if cbc && offered_etm => "The client offers its cipher suites and compression methods (only null: compressing before encrypting leaked secrets, CRIME), its groups, signature schemes and ALPN protocols, and 32 random bytes. With a CBC suite it also offers encrypt_then_mac (RFC 7366).",
        ("ClientHello", _, _) if cbc => "The client offers its cipher suites and compression methods (only null: compressing before encrypting leaked secrets, CRIME), its groups, signature schemes and ALPN protocols, and 32 random bytes. It does not offer encrypt_then_mac (--no-etm), so CBC records will be MAC-then-encrypt, as RFC 5246 defines them.",
        ("ServerHello", _, _) if cbc && n.encrypt_then_mac => "The server picks one suite (and null compression) and answers with its own 32 random bytes. It answers encrypt_then_mac: the CBC records will be encrypt-then-MAC.",
        ("ServerHello", _, _) if cbc => "The server picks one suite (and null compression) and answers with its own 32 random bytes. No encrypt_then_mac: the CBC records will be MAC-then-encrypt.",
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
        ("ClientHello", _) => "The client offers its cipher suites and compression methods (only null), its groups, signature schemes and ALPN protocols, and 32 random bytes.",
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

const USAGE: &str = "usage: demo [--suite IANA_NAME [--no-etm]] [--renegotiate]";

/// The command line.
struct Args {
    /// The suite `--suite` names, if any.
    suite: Option<&'static SupportedSuite>,
    /// Whether the client offers encrypt-then-MAC (not with `--no-etm`).
    etm: bool,
    /// Whether the client renegotiates after the handshake.
    renegotiate: bool,
}

/// The command line, parsed with lexopt; `None` for `--help`.
fn parse_args() -> Result<Option<Args>, BoxError> {
    use lexopt::prelude::*;
    let (mut suite, mut etm, mut renegotiate) = (None, true, false);
    let mut parser = lexopt::Parser::from_env();
    let bad = |e: lexopt::Error| format!("{e}\n{USAGE}");
    while let Some(arg) = parser.next().map_err(bad)? {
        match arg {
            Long("suite") => {
                let name = parser.value().map_err(bad)?.string().map_err(bad)?;
                suite = Some(
                    sanstls::suites::by_name(&name)
                        .ok_or_else(|| format!("unknown suite {name:?}"))?,
                );
            }
            Long("no-etm") => etm = false,
            Long("renegotiate") => renegotiate = true,
            Short('h') | Long("help") => return Ok(None),
            other => return Err(bad(other.unexpected()).into()),
        }
    }
    if !etm && !suite.is_some_and(|s| s.protection.is_cbc()) {
        return Err(format!("--no-etm is about CBC records: name a CBC suite too\n{USAGE}").into());
    }
    Ok(Some(Args {
        suite,
        etm,
        renegotiate,
    }))
}

/// The client renegotiates (`--renegotiate`) and the second handshake is
/// printed as the client saw it.
fn renegotiate<T: Read + Write>(tls: &mut Stream<T>) -> Result<(), BoxError> {
    let started = Instant::now();
    tls.renegotiate()?;
    let elapsed = started.elapsed();
    let events = tls.take_events();
    if !events
        .iter()
        .any(|e| matches!(e, Event::RenegotiationComplete(_)))
    {
        return Err("the renegotiation did not complete".into());
    }
    println!("1b. Renegotiation (RFC 5746): a second handshake inside the first");
    println!("   The client asks for it now, under the keys of the first handshake: every");
    println!("   message below travels encrypted, and each side switches to the new keys");
    println!("   at its ChangeCipherSpec. Application data could flow meanwhile.");
    println!();
    for (i, entry) in traces(events).iter().enumerate() {
        let sent = entry.direction == Direction::Sent;
        println!(
            "{:>2}. [client] {} {}  ({} bytes)  [handshake {}: renegotiation {}]",
            i + 1,
            if sent { "->" } else { "<-" },
            entry.message,
            entry.len,
            entry.handshake,
            entry.handshake - 1
        );
        let why = match (entry.message, sent) {
            ("ClientHello", _) => "A new ClientHello, as in the first handshake, but its renegotiation_info now carries the client's verify_data from the first handshake's Finished: proof to the server that this client took part in it (RFC 5746 §3.5; without it an attacker could splice its own handshake in front of ours, CVE-2009-3555).",
            ("ServerHello", _) => "The server's renegotiation_info carries both Finished verify_data of the first handshake, which the client checks (§3.5). The extended master secret is required again, and the suite may not be weaker than before.",
            ("Certificate", _) => "The server's certificate again; the client refuses any other than the first handshake's (the triple-handshake attack).",
            ("ChangeCipherSpec", true) => "From here on, what the client sends is protected by the new keys.",
            ("ChangeCipherSpec", false) => "From here on, what the server sends is protected by the new keys.",
            _ => explain_common(entry, sent),
        };
        println!("      {why}");
        for (k, v) in &entry.fields {
            if v.starts_with("renegotiation_info") {
                println!("        {k}: {v}");
            }
        }
    }
    println!();
    println!(
        "   Renegotiation done in {:.1} ms; the connection goes on under the new keys.",
        elapsed.as_secs_f64() * 1000.0
    );
    println!();
    Ok(())
}

fn records_count(n: usize) -> String {
    match n {
        1 => "one record".into(),
        n => format!("{n} records"),
    }
}

/// Prints a record's parts, indented.
fn print_record(n: &Negotiated, seen: &Seen, who: &str) -> Result<(), BoxError> {
    for line in dissect(n, seen, who)? {
        println!("        {line}");
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BoxError> {
    // ---- setup: a throwaway PKI, a server on a thread, a client ----
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let suite = args.suite;
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
        // Naming a legacy or CBC suite is the demo's opt-in to it.
        let (rsa_kx, dhe, cbc) = (
            suite.kx == KeyExchangeKind::Rsa,
            suite.kx == KeyExchangeKind::Dhe,
            suite.protection.is_cbc(),
        );
        server_config.allow_rsa_key_transport = rsa_kx;
        client_config.allow_rsa_key_transport = rsa_kx;
        server_config.allow_ffdhe = dhe;
        client_config.allow_ffdhe = dhe;
        server_config.allow_cbc = cbc;
        client_config.allow_cbc = cbc;
        server_config.set_suites_by_name(&[suite.name()])?;
        client_config.set_suites_by_name(&[suite.name()])?;
    }
    // The server would agree to encrypt-then-MAC; with --no-etm the client
    // does not ask for it.
    client_config.encrypt_then_mac = args.etm;
    if args.renegotiate {
        // Off by default on both sides; without a stored session the second
        // handshake is a full one, with a key exchange of its own.
        client_config.allow_renegotiation = true;
        client_config.session_store = None;
        server_config.accept_client_renegotiation = true;
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
    let first = tls.conn().negotiated().ok_or("no parameters")?.clone();

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
        println!("      {}", explain(entry, sent, &first, args.etm));
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

    if args.renegotiate {
        renegotiate(&mut tls)?;
    }
    let n = tls.conn().negotiated().ok_or("no parameters")?.clone();

    // ---- application data and the close, driven by hand to see each record ----
    let mut me = ByHand::new(tls.into_parts())?;
    let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let request_wire = me.send(request.as_bytes())?;
    // Records until the server's close_notify; ours answers it.
    let mut received = Vec::new();
    while !me.conn.peer_closed() {
        received.push(me.receive()?);
    }
    let server_close = received.pop().ok_or("no close_notify")?;
    let response: Vec<u8> = received.iter().flat_map(|r| r.data().to_vec()).collect();
    let client_clean = server_close.data.is_none();

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
        let second = if entry.handshake > 1 {
            "  [handshake 2: renegotiation 1]"
        } else {
            ""
        };
        println!(
            "{:>2}. [server] {arrow} {} ({} bytes){second}",
            i + 1,
            entry.message,
            entry.len
        );
    }
    println!();

    // ---- 3. what was negotiated ----
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
    println!("   record protection:      {}", records::protection(&n));
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
    let agree = view.negotiated.suite == n.suite
        && view.negotiated.group == n.group
        && view.negotiated.encrypt_then_mac == n.encrypt_then_mac;
    println!(
        "   server agrees:          {}",
        if agree {
            "same suite, group and record protection"
        } else {
            "NO, they differ"
        }
    );
    println!();

    // ---- 4. application data ----
    println!("4. Application data, encrypted with the keys from the handshake");
    println!("   Each record below is taken apart from the bytes that crossed the wire,");
    println!("   and from the receiver's buffer after its connection decrypted the record");
    println!("   there (in place).");
    println!();
    let first_line = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    let request_seen: Vec<u8> = view.request.iter().flat_map(|r| r.wire.clone()).collect();
    if request_seen != request_wire {
        return Err("the server received other bytes than the client wrote".into());
    }
    println!(
        "   client -> server: {:?}, {} bytes of plaintext",
        first_line(request.as_bytes()),
        request.len()
    );
    println!(
        "      the client wrote {} bytes, {}; the server received:",
        request_wire.len(),
        records_count(view.request.len())
    );
    for seen in &view.request {
        print_record(&n, seen, "server")?;
    }
    println!();
    let response_seen: Vec<u8> = received.iter().flat_map(|r| r.wire.clone()).collect();
    if response_seen != view.response_wire {
        return Err("the client received other bytes than the server wrote".into());
    }
    println!(
        "   server -> client: {:?}, {} bytes of plaintext",
        first_line(&response),
        response.len()
    );
    println!(
        "      the server wrote {} bytes, {}; the client received:",
        view.response_wire.len(),
        records_count(received.len())
    );
    for seen in &received {
        print_record(&n, seen, "client")?;
    }
    let text = String::from_utf8_lossy(&response);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    println!();
    println!("   response body:    {body:?}");
    println!();

    // ---- 5. the close ----
    println!("5. Closing (RFC 5246 §7.2.1)");
    println!();
    if server_close.wire != view.close_wire {
        return Err("the client received another close_notify than the server wrote".into());
    }
    println!(
        "   server -> client: close_notify alert, {} bytes; the client received:",
        server_close.wire.len()
    );
    print_record(&n, &server_close, "client")?;
    println!(
        "   client -> server: close_notify in answer, {} bytes; the server received:",
        view.client_close.wire.len()
    );
    print_record(&n, &view.client_close, "server")?;
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
