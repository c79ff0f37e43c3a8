//! The secure renegotiation indication (RFC 5746) on both sides: which peers
//! that do not signal it are refused by default, and which only when the
//! configuration asks for it.
//!
//! We never renegotiate, so the indication protects nothing on our server:
//! by default it accepts a client that sends neither the SCSV nor
//! renegotiation_info (and then answers without renegotiation_info, which
//! would be unsolicited). The client keeps refusing a server that does not
//! answer with it.

mod common;
mod hostile;

use common::wire::*;
use common::{KeyType, Pair, Pki};
use hostile::*;
use sanstls::codec::enums::{AlertDescription as A, CipherSuite, ExtensionType};
use sanstls::handshake::extensions::ServerExtension;
use sanstls::handshake::HandshakePayload;
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
    // Our client always signals; the attacker in tests/hostile strips the
    // signal from its ClientHello and, knowing the master secret from the
    // client's key log, forges each side's Finished for the transcript that
    // side holds. Without the extended master secret both sides derive the
    // same master secret, so that is all it takes for the server to see a
    // whole handshake with a client that never signalled.
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.require_extended_master_secret = false;
    cc.require_secure_renegotiation = false;
    let mut sc = pki.server_config();
    sc.require_extended_master_secret = false;
    sc.ticketer = None;
    assert!(!sc.require_secure_renegotiation, "the server default");
    let mut s = Scene::new(cc, sc);
    s.drive_to_editing_hello(Point::ClientFlight, old_client_hello);

    // What each side hashed so far: the client its own ClientHello, the
    // server the stripped one; then both the same server flight (one
    // message per record) and ClientKeyExchange.
    let sent_hello = s.client_hello.clone();
    let mut wire = join(&[(HANDSHAKE, sent_hello.clone())]);
    old_client_hello(&mut wire);
    let stripped_hello = split(&wire)[0].1.clone();
    let flight: Vec<Vec<u8>> = split(&s.server_flight).into_iter().map(|r| r.1).collect();
    let mut m = s.intercept(true);
    let ckx = split(&m.wire)[0].1.clone();
    assert_eq!(ckx[0], CLIENT_KEY_EXCHANGE);

    // The client's Finished, forged for the server's transcript.
    let mut server_view: Vec<&[u8]> = vec![&stripped_hello];
    server_view.extend(flight.iter().map(Vec::as_slice));
    server_view.push(&ckx);
    let forged = m.finished(true, &server_view);
    let mut client_finished = Vec::new();
    m.edit_protected(|r| {
        assert_eq!(r.len(), 1);
        client_finished = std::mem::replace(&mut r[0].1, forged);
    });
    s.release(m);
    s.deliver_to_server().unwrap();
    s.p.server.poll_output(&mut s.p.to_client);

    // The server's Finished, forged for the client's transcript.
    let mut client_view: Vec<&[u8]> = vec![&sent_hello];
    client_view.extend(flight.iter().map(Vec::as_slice));
    client_view.push(&ckx);
    client_view.push(&client_finished);
    let mut m = s.intercept(false);
    let forged = m.finished(false, &client_view);
    m.edit_protected(|r| {
        assert_eq!(r.len(), 1);
        r[0].1 = forged;
    });
    s.release(m);
    s.deliver_to_client().unwrap();

    assert!(!s.p.client.is_handshaking() && !s.p.server.is_handshaking());
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
