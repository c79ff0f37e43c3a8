//! Live interop against the `openssl` binary (OpenSSL 3.x): our client against
//! `openssl s_server -tls1_2`, our server against `openssl s_client -tls1_2`,
//! over TCP on 127.0.0.1, for every suite, with application data both ways and
//! close_notify; ALPN both ways; X25519, P-256 and P-384; and two refusals
//! (OpenSSL distrusting our CA; our client refusing a certificate for another
//! host name).
//!
//! Every child process is killed and reaped by a drop guard, every socket has
//! read and write timeouts and every wait on a child has a deadline, so no
//! test can hang. Without an `openssl` binary each test prints
//! `SKIPPED: openssl not found` and returns.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;

use common::openssl::{
    client_rev_exchange, expect_exit, handshake, openssl_available, read_line,
    server_line_exchange, tls_error, Proc, TempDir, CLIENT_LINE, TIMEOUT,
};
use common::{KeyType, Pki};
use sanstls::internals::codec::enums::{AlertDescription, NamedGroup};
use sanstls::io::Stream;
use sanstls::{CertificateError, ClientConfig, Connection, Error, Negotiated, ServerConfig};

/// (IANA name, OpenSSL name, certificate key type) for each of our suites.
const SUITES: [(&str, &str, KeyType); 6] = [
    (
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        KeyType::P256,
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        KeyType::P256,
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        KeyType::P256,
    ),
    (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        KeyType::Rsa2048,
    ),
    (
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        KeyType::Rsa2048,
    ),
    (
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305",
        KeyType::Rsa2048,
    ),
];

/// (OpenSSL group name, our group, OpenSSL suite name, our suite name): each
/// group once, each with a different suite. With an ECDSA certificate OpenSSL
/// also restricts the certificate's curve to the offered groups (RFC 8422
/// §5.1), so these use the RSA certificate.
const GROUPS: [(&str, NamedGroup, &str, &str); 3] = [
    (
        "X25519",
        NamedGroup::X25519,
        "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
    (
        "P-256",
        NamedGroup::SECP256R1,
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "P-384",
        NamedGroup::SECP384R1,
        "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    ),
];

// ---------------------------------------------------------------------------
// Processes, files, sockets
// ---------------------------------------------------------------------------

/// A PKI written to a scratch directory (removed on drop):
/// `cert.pem`, `key.pem`, `ca.pem` (our CA) and `other_ca.pem` (a CA that
/// signed nothing we present).
struct Files {
    dir: TempDir,
    pki: Pki,
}

impl Files {
    /// `None` (after printing SKIPPED) when there is no openssl binary.
    fn new(key_type: KeyType) -> Option<Files> {
        if !openssl_available() {
            println!("SKIPPED: openssl not found");
            return None;
        }
        let dir = TempDir::new("sanstls-interop");
        let pki = Pki::new(key_type);
        dir.write("cert.pem", &pki.chain_pem);
        dir.write("key.pem", &pki.key_pem);
        dir.write("ca.pem", pki.ca_pem());
        dir.write("other_ca.pem", common::ca("some other CA").pem());
        Some(Files { dir, pki })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path(name)
    }
}

// ---------------------------------------------------------------------------
// Our client against openssl s_server
// ---------------------------------------------------------------------------

/// Starts `openssl s_server -rev` for one connection on a free port.
fn start_s_server(files: &Files, extra: &[&str]) -> (Proc, u16) {
    common::openssl::start_s_server(&files.path("cert.pem"), &files.path("key.pem"), 1, extra)
}

fn connect_client(port: u16, config: ClientConfig, name: &str) -> Stream<TcpStream> {
    common::openssl::connect_client(port, Arc::new(config), name)
}

/// One full session of our client against s_server: handshake, a line each
/// way (s_server -rev answers with the line reversed), close_notify. Checks
/// what s_server reports and returns what we negotiated.
fn client_session(
    files: &Files,
    cipher: &str,
    extra: &[&str],
    config: ClientConfig,
) -> (Negotiated, Proc) {
    let mut args = vec!["-cipher", cipher];
    args.extend_from_slice(extra);
    let (mut srv, port) = start_s_server(files, &args);
    let mut s = connect_client(port, config, "localhost");
    let negotiated = handshake(&mut s, &srv, &format!("s_server ({cipher})"));
    client_rev_exchange(&mut s, &srv);
    // With -naccept 1 s_server exits cleanly, once it has our FIN.
    drop(s);
    expect_exit(&mut srv, "s_server");

    let err = srv.stderr();
    assert!(err.contains("Protocol version: TLSv1.2"), "{}", srv.dump());
    assert!(
        err.contains(&format!("Ciphersuite: {cipher}\n")),
        "{}",
        srv.dump()
    );
    (negotiated, srv)
}

fn client_config(files: &Files, suite: &str) -> ClientConfig {
    let mut cc = files.pki.client_config();
    cc.set_suites_by_name(&[suite]).unwrap();
    cc
}

#[test]
fn our_client_every_suite() {
    for (suite, cipher, key_type) in SUITES {
        let Some(files) = Files::new(key_type) else {
            return;
        };
        let (n, _srv) = client_session(&files, cipher, &[], client_config(&files, suite));
        assert_eq!(n.suite_name(), suite);
        assert!(n.extended_master_secret);
        assert_eq!(n.server_name.as_deref(), Some("localhost"));
        assert_eq!(n.peer_certificates, files.pki.chain);
        assert_eq!(n.alpn_protocol, None);
    }
}

#[test]
fn our_client_every_group() {
    let Some(files) = Files::new(KeyType::Rsa2048) else {
        return;
    };
    for (name, group, cipher, suite) in GROUPS {
        // We offer all our groups; s_server allows only one.
        let (n, _srv) = client_session(
            &files,
            cipher,
            &["-groups", name],
            client_config(&files, suite),
        );
        assert_eq!(n.group, Some(group), "{name}");
        assert_eq!(n.suite_name(), suite);
    }
}

#[test]
fn our_client_alpn() {
    let Some(files) = Files::new(KeyType::P256) else {
        return;
    };
    let cipher = "ECDHE-ECDSA-AES128-GCM-SHA256";
    let mut cc = client_config(&files, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    cc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    // s_server picks by its own order among what we offer.
    let (n, _srv) = client_session(&files, cipher, &["-alpn", "h2,http/1.1"], cc);
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"h2"[..]));
}

#[test]
fn our_client_refuses_wrong_host_name() {
    let Some(files) = Files::new(KeyType::P256) else {
        return;
    };
    let (srv, port) = start_s_server(&files, &[]);
    let mut s = connect_client(port, files.pki.client_config(), "wrong.example");
    let e = s
        .handshake()
        .expect_err("certificate is for localhost only");
    let wrong_name = Error::InvalidCertificate(CertificateError::NotValidForName {
        expected: "wrong.example".into(),
        presented: vec!["localhost".into(), "127.0.0.1".into()],
    });
    assert_eq!(tls_error(&e), Some(&wrong_name), "{e}");
    assert_eq!(s.conn().error(), Some(&wrong_name));
    assert!(s.conn().negotiated().is_none());
    // We sent bad_certificate (42); s_server logs the alert it received.
    assert!(
        srv.wait_for(TIMEOUT, |_, err| err.contains("bad certificate")
            || err.contains("alert number 42")),
        "s_server did not log our alert\n{}",
        srv.dump()
    );
}

// ---------------------------------------------------------------------------
// Our server against openssl s_client
// ---------------------------------------------------------------------------

/// Starts `s_client` trusting `ca` against a listener of ours, offering
/// only `cipher`, with `line` on its stdin.
fn start_s_client(
    files: &Files,
    ca: &str,
    cipher: &str,
    extra: &[&str],
    line: &[u8],
) -> (Proc, TcpStream) {
    let mut args = vec!["-cipher", cipher];
    args.extend_from_slice(extra);
    common::openssl::start_s_client(&files.path(ca), &args, line)
}

/// One full session of our server against s_client: handshake, s_client's
/// line in, our line out, close_notify both ways. Checks what s_client
/// reports and returns what we negotiated.
fn server_session(
    files: &Files,
    cipher: &str,
    extra: &[&str],
    config: ServerConfig,
) -> (Negotiated, Proc) {
    let (mut cli, tcp) = start_s_client(files, "ca.pem", cipher, extra, CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(Arc::new(config)), tcp);
    let negotiated = handshake(&mut s, &cli, &format!("s_client ({cipher})"));
    // Also checks s_client saw SERVER_LINE and verified our chain.
    server_line_exchange(s, &mut cli);

    let out = cli.stdout();
    assert!(
        out.contains(&format!("Cipher is {cipher}\n")),
        "{}",
        cli.dump()
    );
    assert!(out.contains("Protocol  : TLSv1.2\n"), "{}", cli.dump());
    (negotiated, cli)
}

fn server_config(files: &Files) -> ServerConfig {
    files.pki.server_config()
}

#[test]
fn our_server_every_suite() {
    for (suite, cipher, key_type) in SUITES {
        let Some(files) = Files::new(key_type) else {
            return;
        };
        let (n, cli) = server_session(&files, cipher, &[], server_config(&files));
        assert_eq!(n.suite_name(), suite);
        assert!(n.extended_master_secret);
        assert_eq!(n.server_name.as_deref(), Some("localhost"));
        assert!(n.peer_certificates.is_empty());
        assert_eq!(n.alpn_protocol, None);
        assert!(
            cli.stdout().contains("Extended master secret: yes"),
            "{}",
            cli.dump()
        );
    }
}

/// `s_client -servername 127.0.0.1` puts the IP address in server_name
/// (OpenSSL sends a name given explicitly as it is); RFC 6066 §3 forbids
/// that, and our server ignores it as if no name had been sent.
#[test]
fn our_server_ignores_an_ip_address_in_server_name() {
    let Some(files) = Files::new(KeyType::P256) else {
        return;
    };
    let (n, cli) = server_session(
        &files,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        &["-servername", "127.0.0.1", "-msg"],
        server_config(&files),
    );
    assert_eq!(n.server_name, None);
    // s_client -msg shows the ClientHello's bytes: the server_name
    // extension (type 0, "00 00") with the 9-byte host_name "127.0.0.1".
    let hex: String = "127.0.0.1".bytes().map(|b| format!("{b:02x} ")).collect();
    let msg: String = cli
        .stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        msg.contains(&format!("00 09 {}", hex.trim_end())),
        "s_client did not send the IP address\n{}",
        cli.dump()
    );
}

#[test]
fn our_server_every_group() {
    let Some(files) = Files::new(KeyType::Rsa2048) else {
        return;
    };
    for (name, group, cipher, suite) in GROUPS {
        let (n, cli) = server_session(&files, cipher, &["-groups", name], server_config(&files));
        assert_eq!(n.group, Some(group), "{name}");
        assert_eq!(n.suite_name(), suite);
        // s_client names the group of the server's temp key.
        let short = match name {
            "X25519" => "X25519",
            "P-256" => "prime256v1",
            _ => "secp384r1",
        };
        assert!(
            cli.stdout()
                .lines()
                .any(|l| l.starts_with("Server Temp Key: ") && l.contains(short)),
            "{}",
            cli.dump()
        );
    }
}

#[test]
fn our_server_alpn() {
    let Some(files) = Files::new(KeyType::P256) else {
        return;
    };
    let mut sc = server_config(&files);
    // Our preference wins over s_client's order.
    sc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let (n, cli) = server_session(
        &files,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        &["-alpn", "h2,http/1.1"],
        sc,
    );
    assert_eq!(n.alpn_protocol.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        cli.stdout().contains("ALPN protocol: http/1.1\n"),
        "{}",
        cli.dump()
    );
}

#[test]
fn our_server_multi_record_data_both_ways() {
    let Some(files) = Files::new(KeyType::Rsa2048) else {
        return;
    };
    let cipher = "ECDHE-RSA-AES256-GCM-SHA384";
    // 40 kB each way: several records, and reads that end mid-record.
    let mut line: Vec<u8> = (0..40_000).map(|i| b'a' + (i % 26) as u8).collect();
    line.push(b'\n');
    let (mut cli, tcp) = start_s_client(&files, "ca.pem", cipher, &[], &line);
    let mut s = Stream::new(Connection::new_server(Arc::new(server_config(&files))), tcp);
    let got = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", cli.stderr()));
    assert!(got == line, "got {} bytes\n{}", got.len(), cli.stderr());
    let mut reply: Vec<u8> = line[..line.len() - 1].iter().rev().copied().collect();
    reply.extend_from_slice(b"\n");
    s.write_all(&reply).unwrap();
    s.close().unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", cli.stderr()));
    assert!(rest.is_empty() && s.conn().peer_closed());
    drop(s);
    let status = cli
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("s_client still running\n{}", cli.stderr()));
    assert!(status.success(), "s_client: {status}\n{}", cli.stderr());
    assert!(
        cli.stdout().contains(std::str::from_utf8(&reply).unwrap()),
        "reply not seen by s_client\n{}",
        cli.stderr()
    );
}

#[test]
fn openssl_client_distrusting_our_ca_fails_cleanly() {
    let Some(files) = Files::new(KeyType::P256) else {
        return;
    };
    let (mut cli, tcp) = start_s_client(
        &files,
        "other_ca.pem",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        &[],
        CLIENT_LINE,
    );
    let mut s = Stream::new(Connection::new_server(Arc::new(server_config(&files))), tcp);
    let e = s
        .handshake()
        .expect_err("s_client must refuse our certificate");
    // OpenSSL maps "unable to get local issuer certificate" to unknown_ca.
    assert_eq!(
        tls_error(&e),
        Some(&Error::AlertReceived(AlertDescription::UNKNOWN_CA)),
        "{e}\n{}",
        cli.dump()
    );
    assert!(s.conn().negotiated().is_none());
    let status = cli
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("s_client still running\n{}", cli.dump()));
    assert!(!status.success(), "{}", cli.dump());
    assert!(cli.stderr().contains("verify error"), "{}", cli.dump());
    assert!(!cli.stdout().contains("Cipher is ECDHE"), "{}", cli.dump());
}
