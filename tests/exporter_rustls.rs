//! The RFC 5705 exporter against rustls as the peer, in process: for every
//! suite and both roles, our `Connection::export_keying_material` must give
//! the bytes rustls's `export_keying_material` gives on the other end of the
//! same connection, without a context, with an empty one and with a
//! non-empty one (RFC 5705 §4: "no context" and "empty context" differ).
//!
//! rustls computes the exporter with its own TLS 1.2 PRF and key schedule,
//! so this is a known answer from an independent peer; it is the one for the
//! context argument, which OpenSSL's command line cannot pass
//! (tests/exporter_openssl.rs covers the no-context case against OpenSSL).

mod common;

use std::sync::Arc;

use common::{KeyType, Pki};
use sanstls::pki_types::ServerName;
use sanstls::suites::{AuthKind, SupportedSuite, ALL_SUITES};
use sanstls::Connection;

const LABEL: &[u8] = b"EXPERIMENTAL sanstls exporter";
/// Longer than any PRF block (48 bytes for SHA-384), so the output spans
/// several HMAC iterations.
const LEN: usize = 100;
const CONTEXTS: [Option<&[u8]>; 3] = [None, Some(b""), Some(b"a context of some length")];

fn pki_for(suite: &SupportedSuite) -> Pki {
    Pki::new(match suite.auth {
        AuthKind::Ecdsa => KeyType::P256,
        AuthKind::Rsa => KeyType::Rsa2048,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn rustls_client(pki: &Pki) -> rustls::Connection {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    rustls::ClientConnection::new(Arc::new(config), name)
        .unwrap()
        .into()
}

fn rustls_server(pki: &Pki) -> rustls::Connection {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    rustls::ServerConnection::new(Arc::new(config))
        .unwrap()
        .into()
}

/// Shuttles bytes between our connection and rustls's until neither has
/// anything to send.
fn run(ours: &mut Connection, theirs: &mut rustls::Connection) {
    for _ in 0..100 {
        let mut to_theirs = Vec::new();
        ours.poll_output(&mut to_theirs);
        let mut rd = &to_theirs[..];
        while !rd.is_empty() {
            theirs.read_tls(&mut rd).unwrap();
            theirs
                .process_new_packets()
                .expect("rustls accepts our records");
        }
        let mut to_ours = Vec::new();
        while theirs.wants_write() {
            theirs.write_tls(&mut to_ours).unwrap();
        }
        if to_theirs.is_empty() && to_ours.is_empty() {
            return;
        }
        common::feed(ours, &mut to_ours, usize::MAX, &mut Vec::new())
            .expect("we accept rustls's records");
        assert!(to_ours.is_empty(), "a partial record left over");
    }
    panic!("the connection did not settle");
}

fn ours_export(conn: &Connection, context: Option<&[u8]>) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    conn.export_keying_material(LABEL, context, &mut out)
        .unwrap();
    out
}

fn rustls_export(conn: &rustls::Connection, context: Option<&[u8]>) -> [u8; LEN] {
    conn.export_keying_material([0u8; LEN], LABEL, context)
        .unwrap()
}

/// Runs the handshake, checks both ends agree on `suite`, and compares the
/// exporters for every context.
fn check(suite: &'static SupportedSuite, mut ours: Connection, mut theirs: rustls::Connection) {
    run(&mut ours, &mut theirs);
    assert!(!ours.is_handshaking() && !theirs.is_handshaking());
    let n = ours.negotiated().expect("negotiated");
    assert_eq!(n.suite_name(), suite.name());
    assert!(n.extended_master_secret);
    // rustls's Debug of a suite is its IANA name.
    let theirs_suite = theirs.negotiated_cipher_suite().unwrap().suite();
    assert_eq!(format!("{theirs_suite:?}"), suite.name());
    for context in CONTEXTS {
        assert_eq!(
            ours_export(&ours, context),
            rustls_export(&theirs, context),
            "{} context {context:?}",
            suite.name()
        );
    }
    // The contexts give different answers, so agreeing on each is not
    // agreeing on one value three times.
    let [none, empty, some] = CONTEXTS.map(|c| ours_export(&ours, c));
    assert!(none != empty && empty != some && none != some);
}

#[test]
fn our_client_against_rustls_server() {
    for suite in ALL_SUITES {
        let pki = pki_for(suite);
        let mut cc = pki.client_config();
        cc.suites = vec![suite];
        let name = ServerName::try_from("localhost").unwrap();
        let ours = Connection::new_client(Arc::new(cc), name).unwrap();
        check(suite, ours, rustls_server(&pki));
    }
}

#[test]
fn our_server_against_rustls_client() {
    for suite in ALL_SUITES {
        let pki = pki_for(suite);
        let mut sc = pki.server_config();
        sc.suites = vec![suite];
        let ours = Connection::new_server(Arc::new(sc));
        check(suite, ours, rustls_client(&pki));
    }
}
