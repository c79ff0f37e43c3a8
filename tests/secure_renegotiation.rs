//! The secure renegotiation indication (RFC 5746) on both sides: which peers
//! that do not signal it are refused by default, and which only when the
//! configuration asks for it.
//!
//! A connection whose client did not signal never renegotiates, so the
//! indication protects nothing on our server: by default it accepts a client that sends neither the SCSV nor
//! renegotiation_info (and then answers without renegotiation_info, which
//! would be unsolicited). The client keeps refusing a server that does not
//! answer with it.

mod common;
mod hostile;

use common::wire::*;
use common::{KeyType, Pair, Pki};
use hostile::*;
use sanstls::internals::codec::enums::{AlertDescription as A, CipherSuite, ExtensionType};
use sanstls::internals::handshake::extensions::ServerExtension;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::Error;

/// The ClientHello on `wire` as an old client sends it: no
/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV, no renegotiation_info (RFC 5746
/// §3.3).
fn without_renegotiation_indication(wire: &mut Vec<u8>) {
    edit_client_hello(wire, |ch| {
        ch.cipher_suites
            .retain(|s| *s != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        ch.extensions
            .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
    });
}

/// The same, and (so that both sides derive the master secret from the
/// randoms alone) without extended_master_secret.
fn old_client_hello(wire: &mut Vec<u8>) {
    without_renegotiation_indication(wire);
    edit_client_hello(wire, |ch| {
        ch.extensions
            .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET);
    });
}

#[test]
fn default_server_completes_with_a_client_that_does_not_signal() {
    // Our client always signals: the attacker of tests/hostile strips the
    // signal from its ClientHello and forges the Finished messages the edit
    // invalidates (which needs the extended master secret off on both sides).
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.require_extended_master_secret = false;
    cc.require_secure_renegotiation = false;
    let mut sc = pki.server_config();
    sc.require_extended_master_secret = false;
    assert!(!sc.require_secure_renegotiation, "the server's default");
    let mut s = Scene::new(cc, sc);
    s.complete_with_edited_hello(old_client_hello);
    assert!(!s.p.server.negotiated().unwrap().extended_master_secret);
    exchange_data(&mut s.p, b"no renegotiation here");
}

#[test]
fn server_answers_a_client_that_does_not_signal_without_renegotiation_info() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    client_hello(&mut p);
    without_renegotiation_indication(&mut p.to_server);
    to_server(&mut p).unwrap();
    p.server.poll_output(&mut p.to_client);
    let HandshakePayload::ServerHello(sh) = &plaintext_messages(&p.to_client)[0] else {
        panic!("no ServerHello");
    };
    assert_eq!(sh.renegotiation_info(), None);
    assert!(sh
        .extensions
        .iter()
        .all(|e| !matches!(e, ServerExtension::RenegotiationInfo(_))));
}

#[test]
fn strict_server_refuses_a_client_that_does_not_signal() {
    let pki = Pki::new(KeyType::P256);
    let mut sc = pki.server_config();
    sc.require_secure_renegotiation = true;
    let mut p = Pair::new(pki.client_config(), sc);
    client_hello(&mut p);
    without_renegotiation_indication(&mut p.to_server);
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure("client does not support secure renegotiation (RFC 5746)"),
        A::HANDSHAKE_FAILURE,
    );
}

#[test]
fn client_still_refuses_a_server_that_does_not_answer() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    server_flight(&mut p);
    edit_server_hello(&mut p.to_client, |sh| {
        sh.extensions
            .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO)
    });
    expect_client_fails(
        &mut p,
        Error::HandshakeFailure("server does not support secure renegotiation (RFC 5746)"),
        A::HANDSHAKE_FAILURE,
    );
}
