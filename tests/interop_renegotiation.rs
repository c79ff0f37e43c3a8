//! Renegotiation (RFC 5746) against real peers over TCP on 127.0.0.1, each
//! side starting it, with application data before and after:
//!
//! - our client renegotiates with `openssl s_server -client_renegotiation`;
//!   it answers s_server's `R` (a renegotiation that asks for our
//!   certificate, which s_server then verifies) and gnutls-serv's
//!   `**REHANDSHAKE**` (abbreviated and full);
//! - our server accepts renegotiations from `openssl s_client` (`R`) and
//!   `gnutls-cli --rehandshake`, and renegotiates towards s_client, once
//!   plainly and once asking for its certificate;
//! - refusals: s_server refuses our client's renegotiation and the
//!   connection goes on. The other way round the peers end the connection
//!   themselves: OpenSSL, in either role, answers a refusal of its own
//!   request with a fatal handshake_failure, and gnutls-cli retries until
//!   our server's `MAX_RENEGOTIATION_REQUESTS` ends it. Those tests check
//!   that we refused as we should and what the peer did.
//!
//! Every child process is killed and reaped by a drop guard, every socket
//! has read and write timeouts and every wait on a child has a deadline, so
//! no test can hang. Without the peer's binary a test prints `SKIPPED: ...
//! not found` and returns.

mod common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::gnutls::{self, gnutls_available};
use common::openssl::{
    self, expect_exit, handshake, openssl_available, read_line, set_timeouts, tls_error, Proc,
    TempDir, CLIENT_LINE, TIMEOUT,
};
use common::{KeyType, Pki};
use rcgen::{DnType, ExtendedKeyUsagePurpose};
use sanstls::config::ClientAuth;
use sanstls::enums::AlertDescription;
use sanstls::io::Stream;
use sanstls::limits::MAX_RENEGOTIATION_REQUESTS;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer};
use sanstls::verify::WebPkiClientVerifier;
use sanstls::{ClientConfig, Connection, Error, Event, Negotiated, ServerConfig};

/// The common name of our client certificate, which s_server prints when
/// it verifies it.
const CLIENT_CN: &str = "sanstls interop client";

/// A P-256 PKI in a scratch directory (removed on drop): `cert.pem` and
/// `key.pem` ("localhost", our server's or s_server's), `ca.pem` (the CA
/// that issued it and the client certificate), `client.pem` and
/// `client-key.pem` (a clientAuth leaf named [`CLIENT_CN`]).
struct Files {
    dir: TempDir,
    pki: Pki,
    client_chain: Vec<CertificateDer<'static>>,
    client_key: PrivateKeyDer<'static>,
}

impl Files {
    /// `None` (after printing SKIPPED) without an openssl binary.
    fn for_openssl() -> Option<Files> {
        if !openssl_available() {
            println!("SKIPPED: openssl not found");
            return None;
        }
        Some(Files::new())
    }

    /// `None` (after printing SKIPPED) without gnutls-serv and gnutls-cli.
    fn for_gnutls() -> Option<Files> {
        if !gnutls_available() {
            println!("SKIPPED: gnutls-serv/gnutls-cli not found");
            return None;
        }
        Some(Files::new())
    }

    fn new() -> Files {
        let dir = TempDir::new("sanstls-interop-reneg");
        let pki = Pki::new(KeyType::P256);
        let (client, client_key) =
            common::issue_leaf(&pki.ca, KeyType::P256, &["client.example"], |p| {
                p.distinguished_name.push(DnType::CommonName, CLIENT_CN);
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            });
        dir.write("cert.pem", &pki.chain_pem);
        dir.write("key.pem", &pki.key_pem);
        dir.write("ca.pem", pki.ca_pem());
        dir.write("client.pem", client.pem());
        dir.write("client-key.pem", client_key.serialize_pem());
        Files {
            dir,
            client_chain: vec![client.der().clone()],
            client_key: common::key_der(&client_key),
            pki,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// Our client, renegotiating when asked to or when the server asks.
    fn client_config(&self) -> ClientConfig {
        let mut cc = self.pki.client_config();
        cc.allow_renegotiation = true;
        cc
    }

    /// Client certificates verified against our CA.
    fn verifier(&self) -> Arc<WebPkiClientVerifier> {
        Arc::new(WebPkiClientVerifier::new(Arc::new(self.pki.roots())))
    }
}

// ---------------------------------------------------------------------------
// Driving and checking
// ---------------------------------------------------------------------------

/// The new parameters of every renegotiation completed among `events`.
fn completed(events: &[Event]) -> Vec<Negotiated> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::RenegotiationComplete(n) => Some((**n).clone()),
            _ => None,
        })
        .collect()
}

/// Events other than the trace.
fn take_events<T>(s: &mut Stream<T>) -> Vec<Event> {
    s.take_events()
        .into_iter()
        .filter(|e| !matches!(e, Event::Trace(_)))
        .collect()
}

/// What [`poll_until`] saw.
struct Polled {
    events: Vec<Event>,
    /// Application data that came meanwhile.
    data: Vec<u8>,
    /// The error that ended the reads early, if one did.
    error: Option<io::Error>,
}

/// Reads until `stop` holds for the events seen, polling the socket with
/// short timeouts: a peer may start a renegotiation without sending data,
/// and a blocking read would then wait for data that comes only after it.
/// An error other than a timeout ends the reads (a peer that answers a
/// refusal with a fatal alert may do so within the read that refused). The
/// socket gets its usual timeouts back.
fn poll_until(s: &mut Stream<TcpStream>, peer: &Proc, stop: impl Fn(&[Event]) -> bool) -> Polled {
    let mut polled = Polled {
        events: Vec::new(),
        data: Vec::new(),
        error: None,
    };
    let mut buf = [0u8; 1024];
    s.get_ref()
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    while !stop(&polled.events) && polled.error.is_none() {
        assert!(
            Instant::now() < deadline,
            "nothing from the peer; events {:?}\n{}",
            polled.events,
            peer.dump()
        );
        match s.read(&mut buf) {
            Ok(0) => panic!("peer closed; events {:?}\n{}", polled.events, peer.dump()),
            Ok(n) => polled.data.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => polled.error = Some(e),
        }
        polled.events.extend(take_events(s));
    }
    set_timeouts(s.get_ref());
    polled
}

/// Reads until the peer's HelloRequest or ClientHello has started a
/// renegotiation; returns the events and any data that came meanwhile.
fn await_peer_request(s: &mut Stream<TcpStream>, peer: &Proc) -> (Vec<Event>, Vec<u8>) {
    let polled = poll_until(s, peer, |events| {
        events.contains(&Event::RenegotiationStarted)
    });
    if let Some(e) = polled.error {
        panic!("read: {e}; events {:?}\n{}", polled.events, peer.dump());
    }
    (polled.events, polled.data)
}

/// Reads until we refused the peer's request, and on until the peer's
/// answer to the refusal: an error, for the peers that end the connection
/// then. Checks that nothing else happened meanwhile.
fn refusal_then_error(s: &mut Stream<TcpStream>, peer: &Proc) -> io::Error {
    let polled = poll_until(s, peer, |events| {
        events.contains(&Event::RenegotiationRefused)
    });
    assert_eq!(
        polled.events,
        [Event::RenegotiationRefused],
        "{}",
        peer.dump()
    );
    assert!(polled.data.is_empty(), "{:?}", polled.data);
    assert!(!s.conn().is_renegotiating());
    polled.error.unwrap_or_else(|| {
        read_line(s).expect_err(&format!(
            "the peer went on after the refusal\n{}",
            peer.dump()
        ))
    })
}

/// Drives a renegotiation the peer started to its end; returns the events
/// (with those already seen in `events`) and the new parameters.
fn finish(s: &mut Stream<TcpStream>, peer: &Proc, mut events: Vec<Event>) -> Negotiated {
    s.finish_renegotiation()
        .unwrap_or_else(|e| panic!("renegotiation: {e}\n{}", peer.dump()));
    events.extend(take_events(s));
    let done = completed(&events);
    assert_eq!(done.len(), 1, "events {events:?}\n{}", peer.dump());
    assert_eq!(s.conn().negotiated(), Some(&done[0]));
    assert!(!s.conn().is_renegotiating());
    done[0].clone()
}

/// What every renegotiation keeps (RFC 5746 and our rules): the extended
/// master secret, the suite, the server's certificate.
fn check_kept(first: &Negotiated, next: &Negotiated, server_chain: &[CertificateDer<'static>]) {
    assert!(next.extended_master_secret);
    assert_eq!(next.suite_name(), first.suite_name());
    assert_eq!(next.server_name, first.server_name);
    assert_eq!(
        first.peer_certificates.first(),
        next.peer_certificates.first()
    );
    if !server_chain.is_empty() {
        assert_eq!(next.peer_certificates[0], server_chain[0]);
    }
}

/// Sends `line` to `s_server -rev` and checks it comes back reversed.
fn rev_line(s: &mut Stream<TcpStream>, srv: &Proc, line: &[u8]) {
    s.write_all(line).unwrap();
    let got = read_line(s).unwrap_or_else(|e| panic!("read: {e}\n{}", srv.dump()));
    let mut expected = line[..line.len() - 1].to_vec();
    expected.reverse();
    expected.push(b'\n');
    assert_eq!(got, expected, "{}", srv.dump());
}

/// Waits until `peer` printed `text` on stdout (`on_stdout`) or stderr.
fn wait_print(peer: &Proc, text: &str, on_stdout: bool) {
    assert!(
        peer.wait_for(TIMEOUT, |out, err| if on_stdout {
            out.contains(text)
        } else {
            err.contains(text)
        }),
        "peer did not print {text:?}\n{}",
        peer.dump()
    );
}

/// Sends `line` to the peer and waits until it printed it.
fn line_to_peer(s: &mut Stream<TcpStream>, peer: &Proc, line: &str) {
    s.write_all(line.as_bytes()).unwrap();
    wait_print(peer, line, true);
}

/// Has the peer (an s_client or s_server in interactive mode) send `line`
/// from its stdin, and reads it.
fn line_from_peer(s: &mut Stream<TcpStream>, peer: &mut Proc, line: &[u8]) {
    peer.send_stdin(line);
    let got = read_line(s).unwrap_or_else(|e| panic!("read: {e}\n{}", peer.dump()));
    assert_eq!(got, line, "{}", peer.dump());
}

fn server(config: ServerConfig, tcp: TcpStream) -> Stream<TcpStream> {
    Stream::new(Connection::new_server(Arc::new(config)), tcp)
}

/// Ends a session with s_client in interactive mode: at stdin EOF it sends
/// close_notify and exits; we answer.
fn close_with_s_client(mut s: Stream<TcpStream>, cli: &mut Proc) {
    cli.close_stdin();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", cli.dump()));
    assert!(rest.is_empty(), "{}", cli.dump());
    assert!(s.conn().peer_closed(), "{}", cli.dump());
    drop(s);
    expect_exit(cli, "s_client");
}

// ---------------------------------------------------------------------------
// Our client
// ---------------------------------------------------------------------------

/// a. Our client renegotiates with `s_server -client_renegotiation` (OpenSSL
/// 3 refuses client-initiated renegotiation without it), twice, with data
/// before, between and after. (s_server resumes our session in each, and
/// in `-rev` mode sleeps a second after a read the handshake interrupted,
/// printing "read R BLOCK": each renegotiation here costs a second.)
#[test]
fn our_client_renegotiates_with_s_server() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut srv, port) = openssl::start_s_server(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        1,
        &["-client_renegotiation"],
    );
    let mut s = openssl::connect_client(port, Arc::new(files.client_config()), "localhost");
    let first = handshake(&mut s, &srv, "s_server");
    take_events(&mut s);
    rev_line(&mut s, &srv, b"before the renegotiation\n");

    let mut keys = Vec::new();
    for round in 0..2 {
        let mut exported = [0u8; 32];
        s.conn()
            .export_keying_material(b"EXPERIMENTAL interop", None, &mut exported)
            .unwrap();
        keys.push(exported);
        s.renegotiate()
            .unwrap_or_else(|e| panic!("renegotiation {round}: {e}\n{}", srv.dump()));
        let events = take_events(&mut s);
        assert_eq!(events.first(), Some(&Event::RenegotiationStarted));
        let done = completed(&events);
        assert_eq!(done.len(), 1, "{events:?}\n{}", srv.dump());
        check_kept(&first, &done[0], &files.pki.chain);
        assert_eq!(s.conn().negotiated(), Some(&done[0]));
        rev_line(
            &mut s,
            &srv,
            format!("after renegotiation {round}\n").as_bytes(),
        );
    }
    // Each handshake made a new master secret.
    let mut exported = [0u8; 32];
    s.conn()
        .export_keying_material(b"EXPERIMENTAL interop", None, &mut exported)
        .unwrap();
    keys.push(exported);
    assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);

    openssl::client_rev_exchange(&mut s, &srv);
    drop(s);
    expect_exit(&mut srv, "s_server");
}

/// b. s_server (interactive, stdin piped) renegotiates on `R`, asking for a
/// client certificate only now: our client answers the HelloRequest with a
/// new handshake and presents its certificate, which s_server verifies;
/// data flows before and after.
///
/// Without `-no_resumption_on_reneg`: s_server would let a client that
/// offers its session resume it, and an abbreviated handshake has no
/// CertificateRequest, so `R` would get no certificate; our client offers
/// no session when it answers a HelloRequest, so the handshake is full.
#[test]
fn s_server_asks_our_client_for_a_certificate_by_renegotiation() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let ca = files.arg("ca.pem");
    let (mut srv, port) = openssl::start_s_server_verbose(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        1,
        &["-CAfile", &ca],
    );
    let mut cc = files.client_config();
    cc.set_client_cert(files.client_chain.clone(), &files.client_key)
        .unwrap();
    let mut s = openssl::connect_client(port, Arc::new(cc), "localhost");
    let first = handshake(&mut s, &srv, "s_server");
    take_events(&mut s);
    // s_server prints the connection's details once its handshake is done,
    // and then reads its stdin.
    wait_print(&srv, "Secure Renegotiation IS supported", true);
    line_to_peer(&mut s, &srv, "client line before\n");
    line_from_peer(&mut s, &mut srv, b"server line before\n");
    assert!(!srv.stderr().contains(CLIENT_CN), "{}", srv.dump());

    srv.send_stdin(b"R\n");
    let (events, data) = await_peer_request(&mut s, &srv);
    assert!(data.is_empty(), "{data:?}");
    let next = finish(&mut s, &srv, events);
    check_kept(&first, &next, &files.pki.chain);
    assert!(!next.resumed);

    // s_server verified our certificate (its verify callback prints the
    // chain it checked).
    wait_print(&srv, &format!("depth=0 CN = {CLIENT_CN}"), false);
    line_to_peer(&mut s, &srv, "client line after\n");
    line_from_peer(&mut s, &mut srv, b"server line after\n");
    s.close().unwrap();
    drop(s);
    expect_exit(&mut srv, "s_server");
}

// ---------------------------------------------------------------------------
// Our server
// ---------------------------------------------------------------------------

/// c. s_client renegotiates on `R` (client-initiated); our server accepts
/// it (`accept_client_renegotiation`).
#[test]
fn our_server_accepts_s_client_renegotiation() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut cli, tcp) = openssl::start_s_client_interactive(&files.path("ca.pem"), &[]);
    let mut sc = files.pki.server_config();
    sc.accept_client_renegotiation = true;
    let mut s = server(sc, tcp);
    let first = handshake(&mut s, &cli, "s_client");
    take_events(&mut s);
    line_from_peer(&mut s, &mut cli, b"client line before\n");
    line_to_peer(&mut s, &cli, "server line before\n");

    cli.send_stdin(b"R\n");
    wait_print(&cli, "RENEGOTIATING", false);
    // s_client starts the new handshake at its next write, and completes it
    // before it sends the data. (Data from us meanwhile would make it fail:
    // OpenSSL takes application data only once its ClientHello is out.)
    cli.send_stdin(b"client line during\n");
    let (events, mut data) = await_peer_request(&mut s, &cli);
    let next = finish(&mut s, &cli, events);
    check_kept(&first, &next, &[]);
    while !data.ends_with(b"\n") {
        data.extend(read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", cli.dump())));
    }
    assert_eq!(data, b"client line during\n", "{}", cli.dump());
    line_to_peer(&mut s, &cli, "server line during\n");

    line_from_peer(&mut s, &mut cli, b"client line after\n");
    line_to_peer(&mut s, &cli, "server line after\n");
    close_with_s_client(s, &mut cli);
}

/// d. Our server renegotiates towards s_client: once plainly, then asking
/// for its certificate (`renegotiate_with_client_auth`), which then shows
/// in the new parameters.
#[test]
fn our_server_renegotiates_towards_s_client() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (cert, key) = (files.arg("client.pem"), files.arg("client-key.pem"));
    let (mut cli, tcp) = openssl::start_s_client(
        &files.path("ca.pem"),
        &["-cert", &cert, "-key", &key],
        CLIENT_LINE,
    );
    let mut sc = files.pki.server_config();
    sc.allow_renegotiation = true;
    let mut s = server(sc, tcp);
    let first = handshake(&mut s, &cli, "s_client");
    assert!(first.peer_certificates.is_empty());
    take_events(&mut s);
    let line = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", cli.dump()));
    assert_eq!(line, CLIENT_LINE, "{}", cli.dump());

    s.renegotiate()
        .unwrap_or_else(|e| panic!("renegotiation: {e}\n{}", cli.dump()));
    let events = take_events(&mut s);
    assert_eq!(events.first(), Some(&Event::RenegotiationStarted));
    let done = completed(&events);
    assert_eq!(done.len(), 1, "{events:?}\n{}", cli.dump());
    check_kept(&first, &done[0], &[]);
    assert!(done[0].peer_certificates.is_empty());
    line_to_peer(&mut s, &cli, "after the first renegotiation\n");

    let auth = ClientAuth::Required(files.verifier());
    s.renegotiate_with_client_auth(auth)
        .unwrap_or_else(|e| panic!("renegotiation with client auth: {e}\n{}", cli.dump()));
    let events = take_events(&mut s);
    let done = completed(&events);
    assert_eq!(done.len(), 1, "{events:?}\n{}", cli.dump());
    let n = &done[0];
    assert!(!n.resumed, "a certificate needs a full handshake");
    assert!(n.extended_master_secret);
    assert_eq!(n.peer_certificates.first(), files.client_chain.first());
    assert_eq!(s.conn().negotiated(), Some(n));

    // Data both ways afterwards, then close_notify both ways.
    line_to_peer(&mut s, &cli, "after the second renegotiation\n");
    cli.send_stdin(CLIENT_LINE);
    openssl::server_line_exchange(s, &mut cli);
}

/// e. `gnutls-cli --rehandshake` renegotiates right after its handshake;
/// our server accepts, and data flows afterwards.
#[test]
fn our_server_accepts_gnutls_cli_rehandshake() {
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let (mut cli, tcp) = gnutls::start_gnutls_cli(
        &files.path("ca.pem"),
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        &["--rehandshake"],
        b"",
    );
    let mut sc = files.pki.server_config();
    sc.accept_client_renegotiation = true;
    let mut s = server(sc, tcp);
    let first = handshake(&mut s, &cli, "gnutls-cli");
    let (events, data) = await_peer_request(&mut s, &cli);
    assert!(data.is_empty(), "{data:?}");
    let next = finish(&mut s, &cli, events);
    check_kept(&first, &next, &[]);
    wait_print(&cli, "- ReHandshake was completed", true);

    cli.send_stdin(CLIENT_LINE);
    gnutls::server_line_exchange(s, &mut cli);
}

/// g. gnutls-serv renegotiates (HelloRequest) when it reads
/// `**REHANDSHAKE**`; our client answers with a full handshake, with a
/// session stored (by ticket or by session ID) or without one: answering a
/// HelloRequest, it offers none.
///
/// GnuTLS 3.x fails its own side of a renegotiation that resumes by ticket
/// (it tries to issue a new ticket while its read and write epochs differ:
/// internal_error, "Cannot perform this action while handshake is in
/// progress" in its log); our client never offers a ticket in a
/// renegotiation, so tickets stay on here.
#[test]
fn gnutls_serv_renegotiates_with_our_client() {
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let (srv, port) = gnutls::start_gnutls_serv(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        &[],
    );
    for (tickets, store) in [(true, true), (false, true), (false, false)] {
        let mut cc = files.client_config();
        cc.enable_tickets = tickets;
        if !store {
            cc.session_store = None;
        }
        let mut s = openssl::connect_client(port, Arc::new(cc), "localhost");
        let first = handshake(&mut s, &srv, "gnutls-serv");
        take_events(&mut s);
        s.write_all(b"**REHANDSHAKE**\n").unwrap();
        let (events, mut data) = await_peer_request(&mut s, &srv);
        let next = finish(&mut s, &srv, events);
        check_kept(&first, &next, &files.pki.chain);
        assert!(!next.resumed, "{}", srv.dump());
        // gnutls-serv's answer to the command, sent after its HelloRequest.
        while !data.ends_with(b"\n") {
            data.extend(read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", srv.dump())));
        }
        assert_eq!(data, b"Successfully executed command\n", "{}", srv.dump());

        s.write_all(CLIENT_LINE).unwrap();
        let line = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", srv.dump()));
        assert_eq!(line, CLIENT_LINE, "{}", srv.dump());
        s.close().unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest)
            .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", srv.dump()));
        assert!(s.conn().peer_closed(), "{}", srv.dump());
    }
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

/// OpenSSL 3's s_server without `-client_renegotiation` refuses our
/// client's renegotiation with a `no_renegotiation` warning: `renegotiate`
/// returns, the connection goes on under the first handshake's keys.
#[test]
fn s_server_refuses_our_client_and_the_connection_goes_on() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    // -rev: s_server sleeps a second after the refusal ("read R BLOCK").
    let (mut srv, port) =
        openssl::start_s_server(&files.path("cert.pem"), &files.path("key.pem"), 1, &[]);
    let mut s = openssl::connect_client(port, Arc::new(files.client_config()), "localhost");
    let first = handshake(&mut s, &srv, "s_server");
    take_events(&mut s);
    rev_line(&mut s, &srv, b"before the renegotiation\n");

    s.renegotiate()
        .unwrap_or_else(|e| panic!("renegotiation: {e}\n{}", srv.dump()));
    let events = take_events(&mut s);
    assert_eq!(
        events,
        [
            Event::RenegotiationStarted,
            Event::WarningAlert(AlertDescription::NO_RENEGOTIATION)
        ],
        "{}",
        srv.dump()
    );
    assert!(!s.conn().is_renegotiating());
    assert_eq!(s.conn().negotiated(), Some(&first));

    rev_line(&mut s, &srv, b"after the refusal\n");
    openssl::client_rev_exchange(&mut s, &srv);
    drop(s);
    expect_exit(&mut srv, "s_server");
}

/// f. Our server, by default, refuses s_client's `R` with a
/// `no_renegotiation` warning. The connection does not survive, by
/// OpenSSL's choice: a client whose renegotiation is refused ends the
/// connection with a fatal handshake_failure ("no renegotiation"; OpenSSL's
/// record layer treats the warning as fatal when it asked, since "if
/// application tried to renegotiate it presumably had a good reason").
/// Data before the request went through.
#[test]
fn our_default_server_refuses_s_client_renegotiation() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut cli, tcp) = openssl::start_s_client_interactive(&files.path("ca.pem"), &[]);
    let mut s = server(files.pki.server_config(), tcp);
    handshake(&mut s, &cli, "s_client");
    take_events(&mut s);
    line_from_peer(&mut s, &mut cli, b"client line before\n");
    line_to_peer(&mut s, &cli, "server line before\n");

    cli.send_stdin(b"R\n");
    wait_print(&cli, "RENEGOTIATING", false);
    cli.send_stdin(b"client line during\n");
    // s_client's answer to the refusal.
    let e = refusal_then_error(&mut s, &cli);
    assert_eq!(
        tls_error(&e),
        Some(&Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        "{e}\n{}",
        cli.dump()
    );
    drop(s);
    cli.wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("s_client still running\n{}", cli.dump()));
    assert!(cli.stderr().contains("no renegotiation"), "{}", cli.dump());
}

/// s_server renegotiates (`r`) towards our default client, which refuses
/// with a `no_renegotiation` warning; OpenSSL's server, too, ends the
/// connection then (fatal handshake_failure).
#[test]
fn our_default_client_refuses_s_server_renegotiation() {
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut srv, port) =
        openssl::start_s_server_verbose(&files.path("cert.pem"), &files.path("key.pem"), 1, &[]);
    let mut s = openssl::connect_client(port, Arc::new(files.pki.client_config()), "localhost");
    handshake(&mut s, &srv, "s_server");
    take_events(&mut s);
    wait_print(&srv, "Secure Renegotiation IS supported", true);
    line_to_peer(&mut s, &srv, "client line before\n");

    srv.send_stdin(b"r\n");
    let e = refusal_then_error(&mut s, &srv);
    assert_eq!(
        tls_error(&e),
        Some(&Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        "{e}\n{}",
        srv.dump()
    );
    drop(s);
    srv.wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("s_server still running\n{}", srv.dump()));
    assert!(srv.stderr().contains("no renegotiation"), "{}", srv.dump());
}

/// `gnutls-cli --rehandshake` against our default server: GnuTLS takes the
/// `no_renegotiation` warning as a non-fatal error and tries again, and
/// after `MAX_RENEGOTIATION_REQUESTS` refusals our server ends the
/// connection (unexpected_message).
#[test]
fn gnutls_cli_rehandshake_against_our_default_server_hits_the_limit() {
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let (mut cli, tcp) = gnutls::start_gnutls_cli(
        &files.path("ca.pem"),
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        &["--rehandshake"],
        b"",
    );
    let mut s = server(files.pki.server_config(), tcp);
    handshake(&mut s, &cli, "gnutls-cli");
    let mut buf = [0u8; 64];
    let e = s.read(&mut buf).expect_err("gnutls-cli sent data");
    assert_eq!(
        tls_error(&e),
        Some(&Error::TooManyRenegotiationRequests),
        "{e}\n{}",
        cli.dump()
    );
    let refused = take_events(&mut s)
        .iter()
        .filter(|e| **e == Event::RenegotiationRefused)
        .count();
    assert_eq!(refused, MAX_RENEGOTIATION_REQUESTS, "{}", cli.dump());
    drop(s);
    let status = cli
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("gnutls-cli still running\n{}", cli.dump()));
    assert!(!status.success(), "{}", cli.dump());
    assert_eq!(
        cli.stderr()
            .matches("*** Non fatal error: A TLS warning alert has been received.")
            .count(),
        MAX_RENEGOTIATION_REQUESTS,
        "{}",
        cli.dump()
    );
}
