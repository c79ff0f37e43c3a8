//! Renegotiation (RFC 5746) between our own client and server, in memory:
//! either side starts it, full or abbreviated, with a client certificate
//! asked for only in the second handshake and application data interleaved;
//! each security rule (binding, extended master secret, identity, strength,
//! limits, crossing requests) refuses what it must; and the default
//! configuration still refuses to renegotiate.
//!
//! The hostile-input rows (renegotiation_info edited on the wire, floods,
//! alerts in the middle) are in tests/malformed; the limits in
//! tests/limits.rs; real peers in tests/interop_renegotiation.rs.

mod common;
mod hostile;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::switching::Switching;
use common::{ca, leaf, KeyType, Pair, Pki};
use hostile::Scene;
use rcgen::{CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, KeyPair};
use sanstls::config::{CertificateRequestInfo, CertifiedKey, ClientAuth, ResolvesClientCert};
use sanstls::internals::codec::enums::{AlertDescription as A, CipherSuite, ExtensionType};
use sanstls::limits::MAX_RENEGOTIATIONS;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer};
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Error, Event, Negotiated, ServerConfig};

/// Configurations that let both sides start and accept renegotiation.
fn allowing(pki: &Pki) -> (ClientConfig, ServerConfig) {
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    (cc, sc)
}

/// Steps until neither side renegotiates and no bytes are in flight; the
/// first error of either side fails the test.
fn settle(p: &mut Pair) {
    for _ in 0..100 {
        let (c, s) = p.step();
        c.expect("client");
        s.expect("server");
        if !p.client.is_renegotiating()
            && !p.server.is_renegotiating()
            && p.to_server.is_empty()
            && p.to_client.is_empty()
        {
            return;
        }
    }
    panic!("renegotiation did not settle");
}

/// Steps until bytes stop moving; returns each side's first error.
fn run(p: &mut Pair) -> (Result<(), Error>, Result<(), Error>) {
    let (mut client, mut server) = (Ok(()), Ok(()));
    for _ in 0..100 {
        let (c, s) = p.step();
        if client.is_ok() {
            client = c;
        }
        if server.is_ok() {
            server = s;
        }
        let moving = !p.to_server.is_empty()
            || !p.to_client.is_empty()
            || p.client.has_output()
            || p.server.has_output();
        if !moving {
            break;
        }
    }
    (client, server)
}

/// Sends `data` both ways and checks it arrives (see
/// `common::wire::exchange_data`), whatever was received before.
fn exchange_data(p: &mut Pair, data: &[u8]) {
    p.client_data.clear();
    p.server_data.clear();
    common::wire::exchange_data(p, data);
}

/// The Negotiated of each RenegotiationComplete event, in order.
fn completions(events: &[Event]) -> Vec<Negotiated> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::RenegotiationComplete(n) => Some((**n).clone()),
            _ => None,
        })
        .collect()
}

fn count(events: &[Event], want: &Event) -> usize {
    events.iter().filter(|e| *e == want).count()
}

fn exporter(p: &Pair) -> [u8; 32] {
    let mut out = [0u8; 32];
    p.client
        .export_keying_material(b"EXPERIMENTAL renegotiation", None, &mut out)
        .unwrap();
    let mut server = [0u8; 32];
    p.server
        .export_keying_material(b"EXPERIMENTAL renegotiation", None, &mut server)
        .unwrap();
    assert_eq!(out, server);
    out
}

#[test]
fn client_starts_a_full_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, sc) = allowing(&pki);
    // No session to resume: the renegotiation is a full handshake.
    cc.session_store = None;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    let before = exporter(&p);
    p.client.renegotiate().unwrap();
    assert!(p.client.is_renegotiating());
    assert_eq!(p.client.poll_event(), Some(Event::RenegotiationStarted));
    settle(&mut p);

    let (client, server) = (completions(&p.client_events), completions(&p.server_events));
    assert_eq!((client.len(), server.len()), (1, 1));
    assert!(!client[0].resumed && !server[0].resumed, "a full handshake");
    assert!(client[0].extended_master_secret);
    assert_eq!(client[0].peer_certificates, pki.chain);
    assert_eq!(p.client.negotiated(), Some(&client[0]));
    assert_eq!(count(&p.server_events, &Event::RenegotiationStarted), 1);
    // New keys: the exporter (RFC 5705) now runs over the new master secret.
    assert_ne!(exporter(&p), before);
    exchange_data(&mut p, b"after the renegotiation");
}

#[test]
fn client_starts_an_abbreviated_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let (cc, mut sc) = allowing(&pki);
    // Resumption by session ID: a renegotiating client never offers a
    // ticket (GnuTLS refuses one there).
    sc.ticketer = None;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    let before = exporter(&p);
    p.client.renegotiate().unwrap();
    settle(&mut p);
    let client = completions(&p.client_events);
    assert_eq!(client.len(), 1);
    assert!(client[0].resumed, "the stored session is resumed");
    assert!(completions(&p.server_events)[0].resumed);
    // Same master secret, new randoms: the exporter changes all the same.
    assert_ne!(exporter(&p), before);
    exchange_data(&mut p, b"resumed inside the connection");
}

#[test]
fn server_starts_a_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let (cc, mut sc) = allowing(&pki);
    sc.ticketer = None;
    // The server starts; it need not accept clients' own requests.
    sc.accept_client_renegotiation = false;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.server.renegotiate().unwrap();
    assert!(p.server.is_renegotiating());
    // One HelloRequest at a time.
    assert!(matches!(
        p.server.renegotiate(),
        Err(Error::CannotRenegotiate(_))
    ));
    settle(&mut p);
    assert_eq!(completions(&p.client_events).len(), 1);
    let server = completions(&p.server_events);
    assert_eq!(server.len(), 1);
    // The client had a session to offer, but answers a HelloRequest with a
    // full handshake: the server may want a certificate resuming would skip.
    assert!(!server[0].resumed);
    assert_eq!(count(&p.client_events, &Event::RenegotiationStarted), 1);
    assert_eq!(count(&p.server_events, &Event::RenegotiationStarted), 1);
    exchange_data(&mut p, b"both ways");
    // And again: the limit is per connection, not one.
    p.server.renegotiate().unwrap();
    settle(&mut p);
    assert_eq!(completions(&p.server_events).len(), 2);
}

/// A separate CA for client certificates, and a verifier trusting it.
struct ClientPki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl ClientPki {
    fn new() -> Self {
        ClientPki {
            ca: ca("sanstls renegotiation client CA"),
        }
    }

    fn verifier(&self) -> Arc<WebPkiClientVerifier> {
        let mut roots = RootCertStore::new();
        roots.add(self.ca.der().clone()).unwrap();
        Arc::new(WebPkiClientVerifier::new(Arc::new(roots)))
    }

    fn leaf(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        leaf(
            &self.ca,
            KeyType::P256,
            &["client"],
            |p: &mut CertificateParams| {
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            },
        )
    }
}

#[test]
fn server_asks_for_a_client_certificate_only_in_the_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let clients = ClientPki::new();
    let (cert, key) = clients.leaf();
    let (mut cc, sc) = allowing(&pki);
    cc.set_client_cert(vec![cert.clone()], &key).unwrap();
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    // The Apache pattern: no certificate asked for at first...
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());
    exchange_data(&mut p, b"GET /private");
    // ...then asked for by renegotiation, in a full handshake (the
    // session, which has no certificate, is not resumed).
    p.server
        .renegotiate_with_client_auth(ClientAuth::Required(clients.verifier()))
        .unwrap();
    settle(&mut p);
    let server = completions(&p.server_events);
    assert_eq!(server.len(), 1);
    assert!(!server[0].resumed);
    assert_eq!(server[0].peer_certificates, vec![cert.clone()]);
    assert_eq!(
        p.server.negotiated().unwrap().peer_certificates,
        vec![cert.clone()]
    );
    exchange_data(&mut p, b"private answer");

    // The client renegotiates again on its own: still asked, still the
    // same certificate.
    p.client.renegotiate().unwrap();
    settle(&mut p);
    let server = completions(&p.server_events);
    assert_eq!(server.len(), 2);
    assert_eq!(server[1].peer_certificates.first(), Some(&cert));
}

#[test]
fn a_client_without_a_certificate_fails_a_required_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let clients = ClientPki::new();
    let (cc, sc) = allowing(&pki);
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.server
        .renegotiate_with_client_auth(ClientAuth::Required(clients.verifier()))
        .unwrap();
    let (c, s) = run(&mut p);
    assert_eq!(
        s,
        Err(Error::HandshakeFailure("client certificate required"))
    );
    assert_eq!(c, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));
}

#[test]
fn application_data_interleaves_with_the_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, sc) = allowing(&pki);
    cc.session_store = None;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    let mut sent_to_server = Vec::new();
    let mut sent_to_client = Vec::new();
    p.client.renegotiate().unwrap();
    // Data right after the ClientHello, under the old keys.
    p.client.send(b"c1;", &mut p.to_server).unwrap();
    sent_to_server.extend_from_slice(b"c1;");
    let mut round = 0;
    while p.client.is_renegotiating() || p.server.is_renegotiating() || round == 0 {
        // Each side sends between every flight, whatever keys are on.
        let c = format!("c{};", round + 2);
        let s = format!("s{};", round + 1);
        p.client.send(c.as_bytes(), &mut p.to_server).unwrap();
        sent_to_server.extend_from_slice(c.as_bytes());
        p.server.send(s.as_bytes(), &mut p.to_client).unwrap();
        sent_to_client.extend_from_slice(s.as_bytes());
        let (c, s) = p.step();
        c.unwrap();
        s.unwrap();
        round += 1;
        assert!(round < 20, "renegotiation did not finish");
    }
    settle(&mut p);
    assert!(round >= 2, "data went out during the handshake");
    // Nothing lost or reordered, either way.
    assert_eq!(p.server_data, sent_to_server);
    assert_eq!(p.client_data, sent_to_client);
    assert_eq!(completions(&p.client_events).len(), 1);
}

/// A server whose certificate changes between handshakes (both valid for
/// "localhost", from the same CA), and a client that resumes nothing.
fn switching_server(pki: &Pki) -> (ClientConfig, ServerConfig, CertificateDer<'static>) {
    let (other, other_key) = leaf(&pki.ca, KeyType::P256, &["localhost"], |_| {});
    let resolver = Switching::new(
        CertifiedKey::new(pki.chain.clone(), &pki.key).unwrap(),
        CertifiedKey::new(vec![other.clone()], &other_key).unwrap(),
    );
    let mut sc = ServerConfig::with_resolver(Arc::new(resolver));
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    cc.session_store = None;
    (cc, sc, other)
}

#[test]
fn a_new_server_certificate_is_refused() {
    let pki = Pki::new(KeyType::P256);
    let (cc, sc, _) = switching_server(&pki);
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.client.renegotiate().unwrap();
    let (c, s) = run(&mut p);
    // The triple-handshake defence: valid for the name, but not the
    // server of the first handshake.
    assert_eq!(c, Err(Error::PeerIdentityChanged));
    assert_eq!(s, Err(Error::AlertReceived(A::BAD_CERTIFICATE)));
}

#[test]
fn a_new_server_certificate_passes_only_with_the_dangerous_option() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, sc, other) = switching_server(&pki);
    cc.dangerous_renegotiation_identity_change = true;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.server.renegotiate().unwrap();
    settle(&mut p);
    let client = completions(&p.client_events);
    assert_eq!(client[0].peer_certificates, vec![other]);
}

#[test]
fn a_new_client_certificate_is_refused() {
    let pki = Pki::new(KeyType::P256);
    let clients = ClientPki::new();
    let (a, a_key) = clients.leaf();
    let (b, b_key) = clients.leaf();
    let (mut cc, mut sc) = allowing(&pki);
    cc.client_cert_resolver = Some(Arc::new(Switching::new(
        CertifiedKey::new(vec![a], &a_key).unwrap(),
        CertifiedKey::new(vec![b], &b_key).unwrap(),
    )));
    cc.session_store = None;
    sc.client_auth = ClientAuth::Required(clients.verifier());
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.client.renegotiate().unwrap();
    let (c, s) = run(&mut p);
    assert_eq!(s, Err(Error::PeerIdentityChanged));
    assert_eq!(c, Err(Error::AlertReceived(A::BAD_CERTIFICATE)));
}

#[test]
fn a_client_certificate_may_not_be_dropped() {
    let pki = Pki::new(KeyType::P256);
    let clients = ClientPki::new();
    /// A client that has a certificate for the first request only, and
    /// answers later ones with an empty Certificate.
    #[derive(Debug)]
    struct OnceOnly(Arc<CertifiedKey>, AtomicUsize);
    impl ResolvesClientCert for OnceOnly {
        fn resolve(&self, _: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
            (self.1.fetch_add(1, Ordering::SeqCst) == 0).then(|| self.0.clone())
        }
    }
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    cc.session_store = None;
    let (cert, key) = clients.leaf();
    cc.client_cert_resolver = Some(Arc::new(OnceOnly(
        Arc::new(CertifiedKey::new(vec![cert], &key).unwrap()),
        AtomicUsize::new(0),
    )));
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    sc.client_auth = ClientAuth::Optional(clients.verifier());
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    assert_eq!(p.server.negotiated().unwrap().peer_certificates.len(), 1);
    p.server.renegotiate().unwrap();
    let (c, s) = run(&mut p);
    assert_eq!(s, Err(Error::PeerIdentityChanged));
    assert_eq!(c, Err(Error::AlertReceived(A::BAD_CERTIFICATE)));
}

#[test]
fn default_configurations_refuse_and_go_on() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    p.expect_handshake();
    // Our own calls need the configuration's consent...
    assert!(matches!(
        p.client.renegotiate(),
        Err(Error::CannotRenegotiate(_))
    ));
    assert!(matches!(
        p.server.renegotiate(),
        Err(Error::CannotRenegotiate(_))
    ));
    // ...which leaves the connection as it was.
    assert!(p.client.error().is_none() && p.server.error().is_none());
    exchange_data(&mut p, b"still fine");
}

#[test]
fn a_refused_client_renegotiation_leaves_the_connection_as_it_was() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    // The server does not take clients' requests.
    let mut p = Pair::new(cc, pki.server_config());
    p.expect_handshake();
    let before = exporter(&p);
    p.client.renegotiate().unwrap();
    settle(&mut p);
    assert_eq!(count(&p.server_events, &Event::RenegotiationRefused), 1);
    assert_eq!(
        count(&p.client_events, &Event::WarningAlert(A::NO_RENEGOTIATION)),
        1
    );
    assert!(!p.client.is_renegotiating());
    assert!(completions(&p.client_events).is_empty());
    assert_eq!(exporter(&p), before, "the same keys");
    exchange_data(&mut p, b"as before");
    // It may ask again.
    p.client.renegotiate().unwrap();
    settle(&mut p);
    assert_eq!(count(&p.server_events, &Event::RenegotiationRefused), 2);
}

#[test]
fn a_refused_hello_request_lets_the_server_ask_again() {
    let pki = Pki::new(KeyType::P256);
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    // The client does not renegotiate.
    let mut p = Pair::new(pki.client_config(), sc);
    p.expect_handshake();
    p.server.renegotiate().unwrap();
    settle(&mut p);
    assert_eq!(count(&p.client_events, &Event::RenegotiationRefused), 1);
    assert!(!p.server.is_renegotiating());
    p.server.renegotiate().unwrap();
    settle(&mut p);
    assert_eq!(count(&p.client_events, &Event::RenegotiationRefused), 2);
    exchange_data(&mut p, b"unchanged");
}

#[test]
fn crossing_requests_make_one_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let (cc, sc) = allowing(&pki);
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    // The server's HelloRequest and the client's ClientHello cross on the
    // wire: the client, negotiating already, ignores the HelloRequest
    // (RFC 5246 §7.4.1.1); the server takes the ClientHello as its answer.
    p.server.renegotiate().unwrap();
    p.client.renegotiate().unwrap();
    assert!(matches!(
        p.client.renegotiate(),
        Err(Error::CannotRenegotiate(_))
    ));
    settle(&mut p);
    assert_eq!(completions(&p.client_events).len(), 1);
    assert_eq!(completions(&p.server_events).len(), 1);
    assert_eq!(count(&p.client_events, &Event::RenegotiationRefused), 0);
    exchange_data(&mut p, b"once");
}

#[test]
fn renegotiations_are_bounded_per_connection() {
    let pki = Pki::new(KeyType::P256);
    let (cc, sc) = allowing(&pki);
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    for _ in 0..MAX_RENEGOTIATIONS {
        p.client.renegotiate().unwrap();
        settle(&mut p);
    }
    assert_eq!(completions(&p.client_events).len(), MAX_RENEGOTIATIONS);
    assert_eq!(
        p.client.renegotiate(),
        Err(Error::CannotRenegotiate("MAX_RENEGOTIATIONS reached"))
    );
    assert_eq!(
        p.server.renegotiate(),
        Err(Error::CannotRenegotiate("MAX_RENEGOTIATIONS reached"))
    );
    exchange_data(&mut p, b"still usable");
}

/// The ClientHello as an old client sends it: no RFC 5746 indication and
/// no extended master secret (tests/hostile forges the Finished messages
/// the edit invalidates, which needs the master secret independent of the
/// transcript).
fn old_client_hello(wire: &mut Vec<u8>) {
    common::wire::edit_client_hello(wire, |ch| {
        ch.cipher_suites
            .retain(|s| *s != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        ch.extensions.retain(|e| {
            e.ext_type() != ExtensionType::RENEGOTIATION_INFO
                && e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET
        });
    });
}

/// The same, keeping the RFC 5746 indication.
fn hello_without_ems(wire: &mut Vec<u8>) {
    common::wire::edit_client_hello(wire, |ch| {
        ch.extensions
            .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET);
    });
}

#[test]
fn no_renegotiation_with_a_peer_that_did_not_signal_rfc_5746() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, mut sc) = allowing(&pki);
    cc.require_extended_master_secret = false;
    cc.require_secure_renegotiation = false;
    sc.require_extended_master_secret = false;
    let mut s = Scene::new(cc, sc);
    s.complete_with_edited_hello(old_client_hello);
    // Neither side may start one...
    assert!(matches!(
        s.p.server.renegotiate(),
        Err(Error::CannotRenegotiate(
            "the peer did not signal secure renegotiation (RFC 5746)"
        ))
    ));
    assert!(matches!(
        s.p.client.renegotiate(),
        Err(Error::CannotRenegotiate(
            "the peer did not signal secure renegotiation (RFC 5746)"
        ))
    ));
    // The connection itself goes on.
    s.p.server.close();
    let _ = s.settle();
    assert!(s.p.client.peer_closed());
}

#[test]
fn no_renegotiation_without_the_extended_master_secret() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, mut sc) = allowing(&pki);
    cc.require_extended_master_secret = false;
    sc.require_extended_master_secret = false;
    let mut s = Scene::new(cc, sc);
    s.complete_with_edited_hello(hello_without_ems);
    assert!(!s.p.server.negotiated().unwrap().extended_master_secret);
    let why = "the handshake in force has no extended master secret (RFC 7627)";
    assert_eq!(s.p.server.renegotiate(), Err(Error::CannotRenegotiate(why)));
    assert_eq!(s.p.client.renegotiate(), Err(Error::CannotRenegotiate(why)));
}

#[test]
fn trace_numbers_the_second_handshake() {
    let pki = Pki::new(KeyType::P256);
    let (mut cc, mut sc) = allowing(&pki);
    cc.trace = true;
    sc.trace = true;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p.server.renegotiate().unwrap();
    settle(&mut p);
    let traces: Vec<_> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Trace(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let first: Vec<_> = traces.iter().filter(|t| t.handshake == 1).collect();
    let second: Vec<_> = traces.iter().filter(|t| t.handshake == 2).collect();
    assert_eq!(first[0].message, "ClientHello");
    // The second handshake opens with the server's HelloRequest, and every
    // message of it says so when printed.
    assert_eq!(second[0].message, "HelloRequest");
    assert_eq!(second[1].message, "ClientHello");
    assert!(second.iter().any(|t| t.message == "Finished"));
    assert!(second[1]
        .to_string()
        .contains("[handshake 2: renegotiation 1]"));
    assert!(!first[0].to_string().contains("[handshake"));
    // The renegotiating ClientHello carries the previous client
    // verify_data (RFC 5746 §3.5): 12 bytes, not empty.
    let info = second[1]
        .fields
        .iter()
        .find(|(k, v)| *k == "extension" && v.starts_with("renegotiation_info"))
        .map(|(_, v)| v.clone());
    let first_info = first[0]
        .fields
        .iter()
        .find(|(k, v)| *k == "extension" && v.starts_with("renegotiation_info"))
        .map(|(_, v)| v.clone());
    assert_eq!(first_info.as_deref(), Some("renegotiation_info []"));
    assert!(info.is_some_and(|v| v.len() == "renegotiation_info []".len() + 24));
    // The server numbers the same way: its HelloRequest and the ClientHello
    // that answers it both open handshake 2.
    let server: Vec<_> = p
        .server_events
        .iter()
        .filter_map(|e| match e {
            Event::Trace(t) => Some((t.message, t.handshake)),
            _ => None,
        })
        .collect();
    let at = server
        .iter()
        .position(|&(m, _)| m == "HelloRequest")
        .unwrap();
    assert_eq!(server[at + 1], ("ClientHello", 2));
    assert!(server[..at].iter().all(|&(_, n)| n == 1));
    assert!(server[at..].iter().all(|&(_, n)| n == 2));
}

#[test]
fn a_renegotiation_may_not_drop_forward_secrecy() {
    // A server that offers RSA key transport after ECDHE_ECDSA, and whose
    // certificate resolver hands out an RSA certificate the second time:
    // its second ServerHello would pick TLS_RSA_WITH_AES_128_GCM_SHA256.
    let pki = Pki::new(KeyType::P256);
    let (rsa, rsa_key) = leaf(&pki.ca, KeyType::Rsa2048, &["localhost"], |_| {});
    let resolver = Switching::new(
        CertifiedKey::new(pki.chain.clone(), &pki.key).unwrap(),
        CertifiedKey::new(vec![rsa], &rsa_key).unwrap(),
    );
    let by_name = |n: &str| sanstls::suites::by_name(n).unwrap();
    let ecdhe = by_name("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    let rsa_kx = by_name("TLS_RSA_WITH_AES_128_GCM_SHA256");
    let mut sc = ServerConfig::with_resolver(Arc::new(resolver));
    sc.allow_rsa_key_transport = true;
    sc.suites = vec![ecdhe, rsa_kx];
    sc.accept_client_renegotiation = true;
    let mut cc = pki.client_config();
    cc.allow_rsa_key_transport = true;
    cc.suites = vec![ecdhe, rsa_kx];
    cc.allow_renegotiation = true;
    cc.session_store = None;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    assert_eq!(p.client.negotiated().unwrap().suite, ecdhe);
    p.client.renegotiate().unwrap();
    let (c, s) = run(&mut p);
    assert_eq!(
        s,
        Err(Error::HandshakeFailure(
            "renegotiation would drop forward secrecy"
        ))
    );
    assert_eq!(c, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));
}
