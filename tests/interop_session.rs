//! Live interop against the `openssl` binary (OpenSSL 3.x) for the features
//! beyond a plain handshake, over TCP on 127.0.0.1, both ways:
//!
//! - client certificates (ECDSA and RSA leaves with the clientAuth EKU from a
//!   CA of their own): accepted when sent, refused with the right alert when
//!   missing;
//! - session resumption by ticket (RFC 5077) and by session ID;
//! - key logs: OpenSSL's `-keylogfile` line equals ours.
//!
//! Children are killed and reaped by `Proc`'s drop guard, sockets have read
//! and write timeouts and every wait has a deadline. Without an `openssl`
//! binary each test prints `SKIPPED: openssl not found` and returns.

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use common::openssl::{
    client_rev_exchange, expect_exit, handshake, openssl_available, server_line_exchange,
    tls_error, Proc, TempDir, CLIENT_LINE, TIMEOUT,
};
use common::{KeyType, Pki};
use rcgen::{DnType, ExtendedKeyUsagePurpose};
use sanstls::config::ClientAuth;
use sanstls::internals::codec::enums::AlertDescription;
use sanstls::io::Stream;
use sanstls::keylog::{format_line, KeyLog};
use sanstls::pki_types::{CertificateDer, PrivateKeyDer};
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Connection, Error, Negotiated, ServerConfig};

const CLIENT_CN: &str = "sanstls interop client";

/// The OpenSSL cipher name for the suite of each key type we use.
fn cipher_for(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Rsa2048 => "ECDHE-RSA-AES128-GCM-SHA256",
        _ => "ECDHE-ECDSA-AES256-GCM-SHA384",
    }
}

// ---------------------------------------------------------------------------
// Files and configs
// ---------------------------------------------------------------------------

/// A server PKI and a client PKI written to a scratch directory (removed on
/// drop): `cert.pem`/`key.pem`/`ca.pem` for the server, and
/// `client.pem`/`client.key`/`clientca.pem` for a clientAuth leaf issued by a
/// separate CA.
struct Files {
    dir: TempDir,
    server: Pki,
    client_ca: CertificateDer<'static>,
    client_chain: Vec<CertificateDer<'static>>,
    client_key: PrivateKeyDer<'static>,
}

impl Files {
    /// `None` (after printing SKIPPED) when there is no openssl binary.
    fn new(server_key: KeyType, client_key: KeyType) -> Option<Files> {
        if !openssl_available() {
            println!("SKIPPED: openssl not found");
            return None;
        }
        let dir = TempDir::new("sanstls-session");
        let server = Pki::new(server_key);
        let ca = common::ca("sanstls client CA");
        let (cert, key) = common::issue_leaf(&ca, client_key, &[], |p| {
            p.distinguished_name.push(DnType::CommonName, CLIENT_CN);
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        let write = |name: &str, text: String| dir.write(name, text);
        write("cert.pem", server.chain_pem.clone());
        write("key.pem", server.key_pem.clone());
        write("ca.pem", server.ca_pem());
        write("client.pem", cert.pem());
        write("client.key", key.serialize_pem());
        write("clientca.pem", ca.pem());
        Some(Files {
            dir,
            server,
            client_ca: ca.der().clone(),
            client_chain: vec![cert.der().clone()],
            client_key: common::key_der(&key),
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path(name)
    }

    fn client_config(&self) -> ClientConfig {
        self.server.client_config()
    }

    fn client_config_with_cert(&self) -> ClientConfig {
        let mut cc = self.client_config();
        cc.set_client_cert(self.client_chain.clone(), &self.client_key)
            .unwrap();
        cc
    }

    fn server_config(&self) -> ServerConfig {
        self.server.server_config()
    }

    /// Our server requiring a client certificate from the client CA.
    fn server_config_requiring_cert(&self) -> ServerConfig {
        let mut roots = RootCertStore::new();
        roots.add(self.client_ca.clone()).unwrap();
        let mut sc = self.server_config();
        sc.client_auth = ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(Arc::new(roots))));
        sc
    }
}

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

impl MemoryKeyLog {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The CLIENT_RANDOM lines of a key log file OpenSSL wrote (it also writes
/// `#` comments).
fn openssl_keylog(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .filter(|l| l.starts_with("CLIENT_RANDOM "))
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------
// Our client against openssl s_server
// ---------------------------------------------------------------------------

/// Starts `openssl s_server -tls1_2 -rev` for `naccept` connections.
fn start_s_server(files: &Files, naccept: u32, extra: &[&str]) -> (Proc, u16) {
    common::openssl::start_s_server(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        naccept,
        extra,
    )
}

fn connect_client(port: u16, config: Arc<ClientConfig>) -> Stream<TcpStream> {
    common::openssl::connect_client(port, config, "localhost")
}

/// One session of our client against a running s_server -rev: handshake, a
/// line each way, close_notify both ways. Returns what we negotiated.
fn client_session(srv: &Proc, port: u16, config: &Arc<ClientConfig>) -> Negotiated {
    let mut s = connect_client(port, config.clone());
    let negotiated = handshake(&mut s, srv, "s_server");
    client_rev_exchange(&mut s, srv);
    negotiated
}

/// The arguments that make s_server require a client certificate from the
/// client CA.
fn require_client_cert(files: &Files) -> Vec<String> {
    vec![
        "-Verify".into(),
        "1".into(),
        "-verify_return_error".into(),
        "-CAfile".into(),
        files.path("clientca.pem").display().to_string(),
    ]
}

#[test]
fn our_client_presents_certificate_to_openssl() {
    for (server_key, client_key) in [
        (KeyType::P256, KeyType::P256),
        (KeyType::Rsa2048, KeyType::Rsa2048),
    ] {
        let Some(files) = Files::new(server_key, client_key) else {
            return;
        };
        let args = require_client_cert(&files);
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["-cipher", cipher_for(server_key)]);
        let (mut srv, port) = start_s_server(&files, 1, &args);
        let n = client_session(&srv, port, &Arc::new(files.client_config_with_cert()));
        assert!(!n.resumed);
        expect_exit(&mut srv, "s_server");
        // s_server verified our chain and our CertificateVerify.
        let err = srv.stderr();
        assert!(
            err.contains(&format!("depth=0 CN = {CLIENT_CN}\nverify return:1\n")),
            "{}",
            srv.dump()
        );
        assert!(
            err.contains(&format!("Peer certificate: CN = {CLIENT_CN}\n")),
            "{}",
            srv.dump()
        );
        assert!(err.contains("Verification: OK\n"), "{}", srv.dump());
        let sig = match client_key {
            KeyType::Rsa2048 => "Signature type: RSA",
            _ => "Signature type: ECDSA",
        };
        assert!(err.contains(sig), "{client_key:?}\n{}", srv.dump());
    }
}

#[test]
fn our_client_without_certificate_is_refused_by_openssl() {
    let Some(files) = Files::new(KeyType::P256, KeyType::P256) else {
        return;
    };
    let args = require_client_cert(&files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (srv, port) = start_s_server(&files, 1, &args);
    let mut s = connect_client(port, Arc::new(files.client_config()));
    let e = s.handshake().expect_err("s_server requires a certificate");
    // We answer the CertificateRequest with an empty Certificate; OpenSSL
    // (tls_process_client_certificate, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
    // refuses it with a fatal handshake_failure alert in TLS 1.2.
    assert_eq!(
        tls_error(&e),
        Some(&Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        "{e}\n{}",
        srv.dump()
    );
    assert!(s.conn().negotiated().is_none());
    assert!(
        srv.wait_for(TIMEOUT, |_, err| err
            .contains("peer did not return a certificate")),
        "{}",
        srv.dump()
    );
}

// ---------------------------------------------------------------------------
// Our server against openssl s_client
// ---------------------------------------------------------------------------

/// Starts `s_client -tls1_2` trusting our CA, with `CLIENT_LINE` on its
/// stdin.
fn start_s_client(files: &Files, extra: &[&str]) -> (Proc, TcpStream) {
    common::openssl::start_s_client(&files.path("ca.pem"), extra, CLIENT_LINE)
}

/// One session of our server against s_client: handshake, a line each way,
/// close_notify both ways, s_client exits cleanly. Returns what we
/// negotiated and the finished s_client.
fn server_session(files: &Files, extra: &[&str], config: &Arc<ServerConfig>) -> (Negotiated, Proc) {
    let (mut cli, tcp) = start_s_client(files, extra);
    let mut s = Stream::new(Connection::new_server(config.clone()), tcp);
    let negotiated = handshake(&mut s, &cli, "s_client");
    server_line_exchange(s, &mut cli);
    (negotiated, cli)
}

#[test]
fn openssl_client_presents_certificate_to_our_server() {
    for (server_key, client_key) in [
        (KeyType::Rsa2048, KeyType::P256),
        (KeyType::P256, KeyType::Rsa2048),
    ] {
        let Some(files) = Files::new(server_key, client_key) else {
            return;
        };
        let (cert, key) = (files.path("client.pem"), files.path("client.key"));
        let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
        let config = Arc::new(files.server_config_requiring_cert());
        let (n, _cli) = server_session(&files, &["-cert", cert, "-key", key], &config);
        assert_eq!(n.peer_certificates, files.client_chain, "{client_key:?}");
        assert!(!n.resumed);
    }
}

#[test]
fn openssl_client_without_certificate_is_refused_by_our_server() {
    let Some(files) = Files::new(KeyType::P256, KeyType::P256) else {
        return;
    };
    let (mut cli, tcp) = start_s_client(&files, &[]);
    let config = Arc::new(files.server_config_requiring_cert());
    let mut s = Stream::new(Connection::new_server(config), tcp);
    let e = s.handshake().expect_err("no client certificate");
    assert_eq!(
        tls_error(&e),
        Some(&Error::HandshakeFailure("client certificate required")),
        "{e}\n{}",
        cli.dump()
    );
    assert!(s.conn().negotiated().is_none());
    drop(s);
    let status = cli
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("s_client still running\n{}", cli.dump()));
    assert!(!status.success(), "{}", cli.dump());
    // s_client reports the handshake_failure (40) alert we sent.
    let err = cli.stderr();
    assert!(
        err.contains("alert handshake failure") && err.contains("alert number 40"),
        "{}",
        cli.dump()
    );
}

// ---------------------------------------------------------------------------
// Resumption
// ---------------------------------------------------------------------------

/// Our client twice against one s_server, sharing the config's session
/// store: a full handshake, then an abbreviated one.
fn our_client_resumes(tickets: bool) {
    let Some(files) = Files::new(KeyType::P256, KeyType::P256) else {
        return;
    };
    let mut args = vec!["-cipher", cipher_for(KeyType::P256)];
    if !tickets {
        // Leaves only OpenSSL's session-ID cache (on by default).
        args.push("-no_ticket");
    }
    let (mut srv, port) = start_s_server(&files, 2, &args);
    let mut cc = files.client_config();
    cc.enable_tickets = tickets;
    let cc = Arc::new(cc);
    let first = client_session(&srv, port, &cc);
    assert!(!first.resumed, "{}", srv.dump());
    let second = client_session(&srv, port, &cc);
    assert!(second.resumed, "tickets: {tickets}\n{}", srv.dump());
    assert_eq!(second.suite, first.suite);
    assert_eq!(second.group, None);
    assert_eq!(second.peer_certificates, first.peer_certificates);
    assert!(second.extended_master_secret);
    expect_exit(&mut srv, "s_server");
    // s_server's statistics: one hit. With tickets its cache stays empty
    // (the session travelled in the ticket); without, it holds the session.
    let stats: Vec<String> = srv.stdout().lines().map(|l| l.trim().to_string()).collect();
    let has = |line: &str| stats.iter().any(|l| l == line);
    assert!(has("1 session cache hits"), "{}", srv.dump());
    assert!(has("0 session cache misses"), "{}", srv.dump());
    let items = if tickets { "0" } else { "1" };
    assert!(
        has(&format!("{items} items in the session cache")),
        "{}",
        srv.dump()
    );
}

#[test]
fn our_client_resumes_by_ticket_with_openssl() {
    our_client_resumes(true);
}

#[test]
fn our_client_resumes_by_session_id_with_openssl() {
    our_client_resumes(false);
}

/// s_client twice against our server (one config, so one session cache and
/// one ticketer), carrying the session over with -sess_out / -sess_in.
fn our_server_resumes(tickets: bool) {
    let Some(files) = Files::new(KeyType::Rsa2048, KeyType::P256) else {
        return;
    };
    let mut sc = files.server_config();
    if !tickets {
        sc.ticketer = None;
    }
    let config = Arc::new(sc);
    let sess = files.path("session.pem");
    let sess = sess.to_str().unwrap();
    let mut common = vec!["-cipher", cipher_for(KeyType::Rsa2048)];
    if !tickets {
        common.push("-no_ticket");
    }
    let mut first_args = common.clone();
    first_args.extend(["-sess_out", sess]);
    let (first, cli) = server_session(&files, &first_args, &config);
    assert!(!first.resumed);
    let out = cli.stdout();
    assert!(out.contains("New, TLSv1.2, Cipher is"), "{}", cli.dump());
    // With tickets we sent one; without, s_client holds only a session ID.
    assert_eq!(
        out.contains("TLS session ticket:"),
        tickets,
        "{}",
        cli.dump()
    );
    let first_id = session_id(&out);
    let mut second_args = common;
    second_args.extend(["-sess_in", sess]);
    let (second, cli) = server_session(&files, &second_args, &config);
    assert!(second.resumed, "tickets: {tickets}\n{}", cli.dump());
    assert_eq!(second.suite, first.suite);
    assert!(second.extended_master_secret);
    if !tickets {
        // Resumed by the session ID our server issued the first time.
        assert!(!first_id.is_empty(), "{}", cli.dump());
        assert_eq!(session_id(&cli.stdout()), first_id, "{}", cli.dump());
    }
    assert!(
        cli.stdout().contains(&format!(
            "Reused, TLSv1.2, Cipher is {}\n",
            cipher_for(KeyType::Rsa2048)
        )),
        "{}",
        cli.dump()
    );
}

/// The `Session-ID:` s_client printed (hex, possibly empty).
fn session_id(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Session-ID:"))
        .unwrap_or_else(|| panic!("no Session-ID line in\n{out}"))
        .trim()
        .to_string()
}

#[test]
fn our_server_resumes_openssl_by_ticket() {
    our_server_resumes(true);
}

#[test]
fn our_server_resumes_openssl_by_session_id() {
    our_server_resumes(false);
}

// ---------------------------------------------------------------------------
// Key logs
// ---------------------------------------------------------------------------

#[test]
fn key_log_matches_openssl_s_server() {
    let Some(files) = Files::new(KeyType::P256, KeyType::P256) else {
        return;
    };
    let path = files.path("s_server.keylog");
    let path_arg = path.to_str().unwrap();
    let (mut srv, port) = start_s_server(&files, 1, &["-keylogfile", path_arg]);
    let log = Arc::new(MemoryKeyLog::default());
    let mut cc = files.client_config();
    cc.key_log = Some(log.clone());
    client_session(&srv, port, &Arc::new(cc));
    expect_exit(&mut srv, "s_server");
    let ours = log.lines();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(openssl_keylog(&path), ours);
}

#[test]
fn key_log_matches_openssl_s_client() {
    let Some(files) = Files::new(KeyType::Rsa2048, KeyType::P256) else {
        return;
    };
    let path = files.path("s_client.keylog");
    let path_arg = path.to_str().unwrap();
    let log = Arc::new(MemoryKeyLog::default());
    let mut sc = files.server_config();
    sc.key_log = Some(log.clone());
    server_session(&files, &["-keylogfile", path_arg], &Arc::new(sc));
    let ours = log.lines();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(openssl_keylog(&path), ours);
}
