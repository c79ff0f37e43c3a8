//! The RFC 5705 exporter against OpenSSL: `openssl s_server` and
//! `openssl s_client` take `-keymatexport LABEL -keymatexportlen N` and print
//! "Keying material: HEX" for the connection; our
//! `Connection::export_keying_material` on the other end must give the same
//! bytes. Both roles, for a SHA-256 suite and a SHA-384 suite (the exporter
//! runs the suite's PRF).
//!
//! OpenSSL's command line has no way to pass an exporter context (only the
//! label and the length), so these are the no-context case only; the context
//! case is checked against rustls in tests/exporter_rustls.rs.
//!
//! Without an `openssl` binary each test prints `SKIPPED: openssl not found`
//! and returns.

mod common;

use std::sync::Arc;

use common::openssl::{
    connect_client, handshake, openssl_available, server_line_exchange, start_s_client,
    start_s_server_verbose, Proc, TempDir, CLIENT_LINE, TIMEOUT,
};
use common::{KeyType, Pki};
use sanstls::io::Stream;
use sanstls::Connection;

const LABEL: &str = "EXPERIMENTAL sanstls exporter";
/// Longer than any PRF block (48 bytes for SHA-384), so the output spans
/// several HMAC iterations.
const LEN: usize = 100;

/// (our suite name, OpenSSL's name): one suite per PRF hash.
const SUITES: [(&str, &str); 2] = [
    (
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
    ),
];

/// A P-256 PKI written to a scratch directory as `cert.pem`, `key.pem`
/// (rcgen's PEM) and `ca.pem`; `None` (after printing SKIPPED) when there is
/// no openssl binary.
fn files() -> Option<(TempDir, Pki)> {
    if !openssl_available() {
        println!("SKIPPED: openssl not found");
        return None;
    }
    let dir = TempDir::new("sanstls-exporter");
    let pki = Pki::new(KeyType::P256);
    dir.write("cert.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    dir.write("ca.pem", pki.ca_pem());
    Some((dir, pki))
}

/// The arguments that make an OpenSSL peer export and print.
fn keymat_args(cipher: &str) -> Vec<String> {
    [
        "-cipher",
        cipher,
        "-keymatexport",
        LABEL,
        "-keymatexportlen",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([LEN.to_string()])
    .collect()
}

/// The keying material in OpenSSL's output, once it has printed it:
/// ```text
/// Keying material exporter:
///     Label: 'EXPERIMENTAL sanstls exporter'
///     Length: 100 bytes
///     Keying material: 0A1B...
/// ```
fn printed_keying_material(out: &str) -> Option<Vec<u8>> {
    let block = &out[out.find("Keying material exporter:")?..];
    let mut lines = block.lines().skip(1).map(str::trim);
    assert_eq!(lines.next()?, format!("Label: '{LABEL}'"));
    assert_eq!(lines.next()?, format!("Length: {LEN} bytes"));
    let hex = lines.next()?.strip_prefix("Keying material: ")?;
    if hex.len() < 2 * LEN {
        return None; // not all printed yet
    }
    assert_eq!(hex.len(), 2 * LEN, "{hex}");
    Some(sanstls::internals::hex::decode(hex).expect("hex"))
}

/// Waits until `peer` has printed its keying material and returns it.
fn wait_keying_material(peer: &Proc) -> Vec<u8> {
    assert!(
        peer.wait_for(TIMEOUT, |out, _| printed_keying_material(out).is_some()),
        "no keying material printed\n{}",
        peer.dump()
    );
    printed_keying_material(&peer.stdout()).unwrap()
}

fn ours(conn: &Connection) -> Vec<u8> {
    let n = conn.negotiated().expect("negotiated");
    assert!(n.extended_master_secret, "the exporter needs EMS");
    let mut out = vec![0u8; LEN];
    conn.export_keying_material(LABEL.as_bytes(), None, &mut out)
        .unwrap();
    out
}

#[test]
fn our_client_against_s_server() {
    let Some((dir, pki)) = files() else {
        return;
    };
    for (suite, cipher) in SUITES {
        let args = keymat_args(cipher);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (srv, port) =
            start_s_server_verbose(&dir.path("cert.pem"), &dir.path("key.pem"), 1, &args);
        let mut cc = pki.client_config();
        cc.set_suites_by_name(&[suite]).unwrap();
        let mut s = connect_client(port, Arc::new(cc), "localhost");
        let n = handshake(&mut s, &srv, &format!("s_server ({cipher})"));
        assert_eq!(n.suite_name(), suite);
        assert_eq!(
            ours(s.conn()),
            wait_keying_material(&srv),
            "{suite}\n{}",
            srv.dump()
        );
        // A clean close; the drop guard then ends s_server.
        s.close().unwrap();
    }
}

#[test]
fn our_server_against_s_client() {
    let Some((dir, pki)) = files() else {
        return;
    };
    for (suite, cipher) in SUITES {
        let args = keymat_args(cipher);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (mut cli, tcp) = start_s_client(&dir.path("ca.pem"), &args, CLIENT_LINE);
        let mut s = Stream::new(Connection::new_server(Arc::new(pki.server_config())), tcp);
        let n = handshake(&mut s, &cli, &format!("s_client ({cipher})"));
        assert_eq!(n.suite_name(), suite);
        let exported = ours(s.conn());
        // Runs the session to s_client's exit, so its output is complete.
        server_line_exchange(s, &mut cli);
        assert_eq!(
            exported,
            printed_keying_material(&cli.stdout()).expect("s_client printed keying material"),
            "{suite}\n{}",
            cli.dump()
        );
    }
}

/// The legacy key exchanges (issue 11) export the same way: RSA key
/// transport with the SHA-384 PRF and DHE with the SHA-256 one, both roles,
/// against OpenSSL's answer.
#[test]
fn legacy_key_exchanges_against_openssl() {
    if !openssl_available() {
        println!("SKIPPED: openssl not found");
        return;
    }
    let dir = TempDir::new("sanstls-exporter-legacy");
    let pki = Pki::new(KeyType::Rsa2048);
    dir.write("cert.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    dir.write("ca.pem", pki.ca_pem());
    let legacy = |suite: &str, config_rsa: &mut bool, config_dhe: &mut bool| {
        *config_rsa = suite.starts_with("TLS_RSA_");
        *config_dhe = suite.starts_with("TLS_DHE_");
    };
    for (suite, cipher) in [
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
        (
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "DHE-RSA-AES128-GCM-SHA256",
        ),
    ] {
        let args = keymat_args(cipher);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();

        let (srv, port) =
            start_s_server_verbose(&dir.path("cert.pem"), &dir.path("key.pem"), 1, &args);
        let mut cc = pki.client_config();
        legacy(suite, &mut cc.allow_rsa_key_transport, &mut cc.allow_ffdhe);
        cc.set_suites_by_name(&[suite]).unwrap();
        let mut s = connect_client(port, Arc::new(cc), "localhost");
        let n = handshake(&mut s, &srv, &format!("s_server ({cipher})"));
        assert_eq!(n.suite_name(), suite);
        assert_eq!(ours(s.conn()), wait_keying_material(&srv), "{suite}");
        s.close().unwrap();

        let (mut cli, tcp) = start_s_client(&dir.path("ca.pem"), &args, CLIENT_LINE);
        let mut sc = pki.server_config();
        legacy(suite, &mut sc.allow_rsa_key_transport, &mut sc.allow_ffdhe);
        sc.set_suites_by_name(&[suite]).unwrap();
        let mut s = Stream::new(Connection::new_server(Arc::new(sc)), tcp);
        let n = handshake(&mut s, &cli, &format!("s_client ({cipher})"));
        assert_eq!(n.suite_name(), suite);
        let exported = ours(s.conn());
        server_line_exchange(s, &mut cli);
        assert_eq!(
            exported,
            printed_keying_material(&cli.stdout()).expect("s_client printed keying material"),
            "{suite}"
        );
    }
}
