//! Live interop of the legacy key exchanges (RSA key transport and
//! finite-field DHE, feature `legacy`) for what comes with a handshake
//! beyond the suite, against OpenSSL (`s_server`/`s_client -tls1_2`) and
//! GnuTLS (`gnutls-serv`/`gnutls-cli`), both ways:
//!
//! - session resumption by ticket (RFC 5077) and by session ID, with an RSA
//!   and a DHE suite;
//! - client certificates (required by the server, verified by it);
//! - ALPN;
//! - the key log of an RSA key transport connection: OpenSSL's
//!   `-keylogfile` line equals ours.
//!
//! Every connection also carries a line each way and ends with
//! close_notify both ways. Every suite with each peer, and the DHE groups,
//! are `tests/interop_legacy.rs`. Children are killed and reaped by
//! `Proc`'s drop guard, sockets have timeouts and every wait has a
//! deadline. CI installs both tools; without one, its tests print
//! `SKIPPED: ... not found` and return. One peer runs at a time (the tests
//! hold one lock).

mod common;

use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use common::gnutls::{self, selected_suite};
use common::legacy::{one_peer_at_a_time, PeerFiles, Suite, DHE_AES256, RSA_AES128};
use common::openssl::{
    self, accept_from, client_rev_exchange, expect_exit, handshake, server_line_exchange, Proc,
    CLIENT_LINE,
};
use common::KeyType;
use rcgen::{DnType, ExtendedKeyUsagePurpose};
use sanstls::config::ClientAuth;
use sanstls::io::Stream;
use sanstls::keylog::{format_line, KeyLog};
use sanstls::pki_types::{CertificateDer, PrivateKeyDer};
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Connection, Negotiated, ServerConfig};

/// The suites used here: one of each key exchange.
const RSA: &Suite = RSA_AES128;
const DHE: &Suite = DHE_AES256;

const CLIENT_CN: &str = "sanstls legacy interop client";

// ---------------------------------------------------------------------------
// Files and configs
// ---------------------------------------------------------------------------

/// The server's files ([`PeerFiles`]) and a client PKI beside them:
/// `client.pem`/`client.key`/`clientca.pem` for a clientAuth leaf (P-256)
/// from a CA of its own.
struct Files {
    base: PeerFiles,
    client_ca: CertificateDer<'static>,
    client_chain: Vec<CertificateDer<'static>>,
    client_key: PrivateKeyDer<'static>,
}

/// The server's files and configurations are [`PeerFiles`]'.
impl std::ops::Deref for Files {
    type Target = PeerFiles;

    fn deref(&self) -> &PeerFiles {
        &self.base
    }
}

impl Files {
    fn with_client(base: PeerFiles) -> Files {
        let ca = common::ca("sanstls client CA");
        let (cert, key) = common::issue_leaf(&ca, KeyType::P256, &[], |p| {
            p.distinguished_name.push(DnType::CommonName, CLIENT_CN);
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        base.dir.write("client.pem", cert.pem());
        base.dir.write("client.key", key.serialize_pem());
        base.dir.write("clientca.pem", ca.pem());
        Files {
            base,
            client_ca: ca.der().clone(),
            client_chain: vec![cert.der().clone()],
            client_key: common::key_der(&key),
        }
    }

    /// `None` (after printing SKIPPED) without an `openssl` binary.
    fn for_openssl() -> Option<Files> {
        PeerFiles::for_openssl().map(Files::with_client)
    }

    /// `None` (after printing SKIPPED) without gnutls-serv and gnutls-cli.
    fn for_gnutls() -> Option<Files> {
        PeerFiles::for_gnutls().map(Files::with_client)
    }

    fn client_with_cert(&self, suite: &Suite) -> ClientConfig {
        let mut cc = self.client(suite);
        cc.set_client_cert(self.client_chain.clone(), &self.client_key)
            .unwrap();
        cc
    }

    /// Our server requiring a client certificate from the client CA.
    fn server_requiring_cert(&self, suite: &Suite) -> ServerConfig {
        let mut roots = RootCertStore::new();
        roots.add(self.client_ca.clone()).unwrap();
        let mut sc = self.server(suite);
        sc.client_auth = ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(Arc::new(roots))));
        sc
    }

    /// `s_server` arguments for `suite`: the cipher, and RFC 7919
    /// parameters for DHE.
    fn s_server_args(&self, suite: &Suite) -> Vec<String> {
        let mut args = vec!["-cipher".to_string(), suite.openssl.to_string()];
        if suite.is_dhe() {
            args.extend(["-dhparam".to_string(), self.arg("ffdhe2048.pem")]);
        }
        args
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

/// Starts `s_server -rev` for `suite` and `naccept` connections.
fn start_s_server(files: &Files, suite: &Suite, naccept: u32, extra: &[&str]) -> (Proc, u16) {
    let mut args = files.s_server_args(suite);
    args.extend(extra.iter().map(|s| s.to_string()));
    openssl::start_s_server(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        naccept,
        &strs(&args),
    )
}

/// One session of our client against a running `s_server -rev`: a line
/// each way, close_notify both ways.
fn s_server_session(srv: &Proc, port: u16, cc: &Arc<ClientConfig>) -> Negotiated {
    let mut s = openssl::connect_client(port, cc.clone(), "localhost");
    let n = handshake(&mut s, srv, "s_server");
    client_rev_exchange(&mut s, srv);
    n
}

/// One session of our server against `s_client -cipher` for `suite`: a
/// line each way, close_notify both ways, s_client exits cleanly.
fn s_client_session(
    files: &Files,
    suite: &Suite,
    extra: &[&str],
    sc: &Arc<ServerConfig>,
) -> (Negotiated, Proc) {
    let mut args = vec!["-cipher", suite.openssl];
    args.extend_from_slice(extra);
    let (mut cli, tcp) = openssl::start_s_client(&files.path("ca.pem"), &args, CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(sc.clone()), tcp);
    let n = handshake(&mut s, &cli, "s_client");
    server_line_exchange(s, &mut cli);
    (n, cli)
}

/// Starts `gnutls-serv --echo` for `suite`.
fn start_gnutls_serv(files: &Files, suite: &Suite, extra: &[&str]) -> (Proc, u16) {
    gnutls::start_gnutls_serv(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        &suite.gnutls_priority("+GROUP-ALL"),
        extra,
    )
}

/// One session of our server against `gnutls-cli` for `suite`: a line each
/// way, close_notify both ways, gnutls-cli exits cleanly.
fn gnutls_cli_session(
    files: &Files,
    suite: &Suite,
    extra: &[&str],
    sc: &Arc<ServerConfig>,
) -> (Negotiated, Proc) {
    let priority = suite.gnutls_priority("+GROUP-ALL");
    let (mut cli, tcp) =
        gnutls::start_gnutls_cli(&files.path("ca.pem"), &priority, extra, CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(sc.clone()), tcp);
    let n = handshake(&mut s, &cli, "gnutls-cli");
    gnutls::server_line_exchange(s, &mut cli);
    assert_eq!(
        selected_suite(&cli.stderr()),
        Some(suite.gnutls),
        "{}",
        cli.dump()
    );
    (n, cli)
}

/// What a resumed session must show against its full handshake.
fn check_resumed(first: &Negotiated, second: &Negotiated, what: &str) {
    assert!(!first.resumed, "{what}");
    assert!(second.resumed, "{what}");
    assert_eq!(second.suite, first.suite, "{what}");
    assert_eq!(second.group, None, "{what}");
    assert!(second.extended_master_secret, "{what}");
    assert_eq!(second.peer_certificates, first.peer_certificates, "{what}");
}

// ---------------------------------------------------------------------------
// Resumption
// ---------------------------------------------------------------------------

/// Our client twice against one s_server, sharing the config's session
/// store: a full handshake, then an abbreviated one, by ticket or (with
/// `-no_ticket` and our tickets off) by session ID.
#[test]
fn our_client_resumes_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    for suite in [RSA, DHE] {
        for tickets in [true, false] {
            let what = format!("{} tickets: {tickets}", suite.iana);
            let extra: &[&str] = if tickets { &[] } else { &["-no_ticket"] };
            let (mut srv, port) = start_s_server(&files, suite, 2, extra);
            let mut cc = files.client(suite);
            cc.enable_tickets = tickets;
            let cc = Arc::new(cc);
            let first = s_server_session(&srv, port, &cc);
            let second = s_server_session(&srv, port, &cc);
            check_resumed(&first, &second, &what);
            expect_exit(&mut srv, "s_server");
            // One hit; with tickets s_server's cache stays empty (the
            // session travelled in the ticket), without it holds one.
            let stats: Vec<String> = srv.stdout().lines().map(|l| l.trim().into()).collect();
            let has = |line: &str| stats.iter().any(|l| l == line);
            assert!(has("1 session cache hits"), "{what}\n{}", srv.dump());
            assert!(has("0 session cache misses"), "{what}\n{}", srv.dump());
            let items = format!("{} items in the session cache", u8::from(!tickets));
            assert!(has(&items), "{what}\n{}", srv.dump());
        }
    }
}

/// Our server for one mechanism only: tickets without a session-ID cache,
/// or a session-ID cache without tickets.
fn server_resuming_by(files: &Files, suite: &Suite, tickets: bool) -> Arc<ServerConfig> {
    let mut sc = files.server(suite);
    if tickets {
        sc.session_store = None;
    } else {
        sc.ticketer = None;
    }
    Arc::new(sc)
}

/// s_client twice against our server, carrying the session over with
/// `-sess_out`/`-sess_in`.
#[test]
fn our_server_resumes_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let sess = files.arg("session.pem");
    for suite in [RSA, DHE] {
        for tickets in [true, false] {
            let what = format!("{} tickets: {tickets}", suite.iana);
            let config = server_resuming_by(&files, suite, tickets);
            let (first, cli) = s_client_session(&files, suite, &["-sess_out", &sess], &config);
            let out = cli.stdout();
            let new = format!("New, TLSv1.2, Cipher is {}\n", suite.openssl);
            assert!(out.contains(&new), "{what}\n{}", cli.dump());
            assert_eq!(out.contains("TLS session ticket:"), tickets, "{what}");
            let (second, cli) = s_client_session(&files, suite, &["-sess_in", &sess], &config);
            check_resumed(&first, &second, &what);
            let reused = format!("Reused, TLSv1.2, Cipher is {}\n", suite.openssl);
            assert!(cli.stdout().contains(&reused), "{what}\n{}", cli.dump());
        }
    }
}

/// Our client twice against one gnutls-serv: by ticket (`--nodb`: no
/// session-ID cache) or by session ID (`--noticket`, our tickets off).
#[test]
fn our_client_resumes_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    for suite in [RSA, DHE] {
        for tickets in [true, false] {
            let what = format!("{} tickets: {tickets}", suite.iana);
            let extra = if tickets { "--nodb" } else { "--noticket" };
            let (srv, port) = start_gnutls_serv(&files, suite, &[extra]);
            let mut cc = files.client(suite);
            cc.enable_tickets = tickets;
            let cc = Arc::new(cc);
            let first = gnutls::client_echo_session(&srv, port, cc.clone());
            let second = gnutls::client_echo_session(&srv, port, cc.clone());
            check_resumed(&first, &second, &what);
            let out = srv.stdout();
            assert!(
                gnutls::last_report(&out).contains("*** This is a resumed session\n"),
                "{what}\n{}",
                srv.dump()
            );
            assert_eq!(out.matches("This is a resumed session").count(), 1);
        }
    }
}

/// `gnutls-cli --resume` against our server: a full handshake (after which
/// it says goodbye with close_notify and connects again), then the resumed
/// session, by ticket or by session ID.
#[test]
fn our_server_resumes_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    for suite in [RSA, DHE] {
        for tickets in [true, false] {
            let what = format!("{} tickets: {tickets}", suite.iana);
            let config = server_resuming_by(&files, suite, tickets);
            let priority = suite.gnutls_priority("+GROUP-ALL");
            let (mut cli, listener) = gnutls::spawn_gnutls_cli(
                &files.path("ca.pem"),
                &priority,
                &["--resume"],
                CLIENT_LINE,
            );
            let tcp = accept_from(&listener, &mut cli, "gnutls-cli");
            let mut s = Stream::new(Connection::new_server(config.clone()), tcp);
            let first = handshake(&mut s, &cli, "gnutls-cli");
            let mut rest = Vec::new();
            std::io::Read::read_to_end(&mut s, &mut rest)
                .unwrap_or_else(|e| panic!("{what}: {e}\n{}", cli.dump()));
            assert!(s.conn().peer_closed(), "{what}\n{}", cli.dump());
            drop(s);
            let tcp: TcpStream = accept_from(&listener, &mut cli, "gnutls-cli");
            let mut s = Stream::new(Connection::new_server(config), tcp);
            let second = handshake(&mut s, &cli, "gnutls-cli (resuming)");
            gnutls::server_line_exchange(s, &mut cli);
            check_resumed(&first, &second, &what);
            assert!(
                cli.stdout().contains("*** This is a resumed session\n"),
                "{what}\n{}",
                cli.dump()
            );
            assert_eq!(selected_suite(&cli.stderr()), Some(suite.gnutls));
        }
    }
}

// ---------------------------------------------------------------------------
// Client certificates
// ---------------------------------------------------------------------------

/// Our client presents its certificate to `s_server -Verify` (DHE), and
/// `s_client -cert` presents one to our server (RSA key transport), each
/// side requiring it.
#[test]
fn client_certificates_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let clientca = files.arg("clientca.pem");
    let args = ["-Verify", "1", "-verify_return_error", "-CAfile", &clientca];
    let (mut srv, port) = start_s_server(&files, DHE, 1, &args);
    let n = s_server_session(&srv, port, &Arc::new(files.client_with_cert(DHE)));
    assert_eq!(n.suite_name(), DHE.iana);
    expect_exit(&mut srv, "s_server");
    // s_server verified our chain and our CertificateVerify.
    let err = srv.stderr();
    let peer = format!("Peer certificate: CN = {CLIENT_CN}\n");
    assert!(err.contains(&peer), "{}", srv.dump());
    assert!(err.contains("Verification: OK\n"), "{}", srv.dump());
    assert!(err.contains("Signature type: ECDSA"), "{}", srv.dump());

    let (cert, key) = (files.arg("client.pem"), files.arg("client.key"));
    let config = Arc::new(files.server_requiring_cert(RSA));
    let (n, _) = s_client_session(&files, RSA, &["-cert", &cert, "-key", &key], &config);
    assert_eq!(n.suite_name(), RSA.iana);
    assert_eq!(n.peer_certificates, files.client_chain);
}

/// The same with GnuTLS: `gnutls-serv --require-client-cert
/// --verify-client-cert` (RSA key transport; without the second option it
/// takes any certificate) and `gnutls-cli --x509certfile` (DHE).
#[test]
fn client_certificates_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let clientca = files.arg("clientca.pem");
    let args = [
        "--require-client-cert",
        "--verify-client-cert",
        "--x509cafile",
        &clientca,
    ];
    let (srv, port) = start_gnutls_serv(&files, RSA, &args);
    let n = gnutls::client_echo_session(&srv, port, Arc::new(files.client_with_cert(RSA)));
    assert_eq!(n.suite_name(), RSA.iana);
    // gnutls-serv verified our chain and our CertificateVerify.
    let out = srv.stdout();
    let report = gnutls::last_report(&out);
    assert!(
        report.contains("- Status: The certificate is trusted."),
        "{}",
        srv.dump()
    );
    let subject = format!("Subject: CN={CLIENT_CN}\n");
    assert!(report.contains(&subject), "{}", srv.dump());
    assert!(
        report.contains("- Client Signature: ECDSA-SHA256\n"),
        "{}",
        srv.dump()
    );

    let (cert, key) = (files.arg("client.pem"), files.arg("client.key"));
    let args = ["--x509certfile", &cert, "--x509keyfile", &key];
    let config = Arc::new(files.server_requiring_cert(DHE));
    let (n, cli) = gnutls_cli_session(&files, DHE, &args, &config);
    assert_eq!(n.suite_name(), DHE.iana);
    assert_eq!(n.peer_certificates, files.client_chain);
    assert!(
        cli.stdout()
            .contains("- Successfully sent 1 certificate(s) to server.\n"),
        "{}",
        cli.dump()
    );
}

// ---------------------------------------------------------------------------
// ALPN
// ---------------------------------------------------------------------------

/// s_server picks by its own order among what we offer; our server picks by
/// ours among what s_client offers.
#[test]
fn alpn_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut srv, port) = start_s_server(&files, RSA, 1, &["-alpn", "h2,http/1.1"]);
    let mut cc = files.client(RSA);
    cc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let n = s_server_session(&srv, port, &Arc::new(cc));
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"h2"[..]));
    expect_exit(&mut srv, "s_server");

    let mut sc = files.server(DHE);
    sc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let (n, cli) = s_client_session(&files, DHE, &["-alpn", "h2,http/1.1"], &Arc::new(sc));
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        cli.stdout().contains("ALPN protocol: http/1.1\n"),
        "{}",
        cli.dump()
    );
}

/// gnutls-serv with one protocol we offer second; our server picking by
/// its order among what gnutls-cli offers.
#[test]
fn alpn_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let (srv, port) = start_gnutls_serv(&files, DHE, &["--alpn", "http/1.1"]);
    let mut cc = files.client(DHE);
    cc.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let n = gnutls::client_echo_session(&srv, port, Arc::new(cc));
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"http/1.1"[..]));
    let out = srv.stdout();
    assert!(
        gnutls::last_report(&out).contains("- Application protocol: http/1.1\n"),
        "{}",
        srv.dump()
    );

    let mut sc = files.server(RSA);
    sc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let args = ["--alpn", "h2", "--alpn", "http/1.1"];
    let (n, cli) = gnutls_cli_session(&files, RSA, &args, &Arc::new(sc));
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        cli.stdout().contains("- Application protocol: http/1.1\n"),
        "{}",
        cli.dump()
    );
}

// ---------------------------------------------------------------------------
// Key log
// ---------------------------------------------------------------------------

/// A key log kept in memory: every line, formatted as NSS does.
#[derive(Debug, Default)]
struct MemoryKeyLog(Mutex<Vec<String>>);

impl KeyLog for MemoryKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(format_line(label, client_random, secret));
    }
}

/// The CLIENT_RANDOM lines of a key log file OpenSSL wrote (it also writes
/// `#` comments).
fn openssl_keylog(files: &Files, name: &str) -> Vec<String> {
    std::fs::read_to_string(files.path(name))
        .unwrap_or_else(|e| panic!("read {name}: {e}"))
        .lines()
        .filter(|l| l.starts_with("CLIENT_RANDOM "))
        .map(str::to_string)
        .collect()
}

/// RSA key transport: the master secret we log (from the pre-master secret
/// we encrypted, or decrypted) is OpenSSL's, for the same client random.
#[test]
fn key_log_matches_openssl_with_rsa_key_transport() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let path = files.arg("s_server.keylog");
    let (mut srv, port) = start_s_server(&files, RSA, 1, &["-keylogfile", &path]);
    let log = Arc::new(MemoryKeyLog::default());
    let mut cc = files.client(RSA);
    cc.key_log = Some(log.clone());
    s_server_session(&srv, port, &Arc::new(cc));
    expect_exit(&mut srv, "s_server");
    let ours = log.0.lock().unwrap().clone();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(openssl_keylog(&files, "s_server.keylog"), ours);

    let path = files.arg("s_client.keylog");
    let log = Arc::new(MemoryKeyLog::default());
    let mut sc = files.server(RSA);
    sc.key_log = Some(log.clone());
    s_client_session(&files, RSA, &["-keylogfile", &path], &Arc::new(sc));
    let ours = log.0.lock().unwrap().clone();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(openssl_keylog(&files, "s_client.keylog"), ours);
}
