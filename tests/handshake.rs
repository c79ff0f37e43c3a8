//! In-memory handshakes between our client and our server.

mod common;
mod hostile;

use common::wire::{edit_client_hello, exchange_data, plaintext_messages, set_server_name};
use common::{KeyType, Pair, Pki, ALL_KEY_TYPES};
use sanstls::internals::codec::enums::NamedGroup;
use sanstls::suites::{AuthKind, ALL_SUITES};
use sanstls::Event;

#[test]
fn every_suite_group_and_key_type() {
    for key_type in ALL_KEY_TYPES {
        let pki = Pki::new(key_type);
        let auth = if key_type == KeyType::Rsa2048 {
            AuthKind::Rsa
        } else {
            AuthKind::Ecdsa
        };
        for suite in ALL_SUITES.iter().filter(|s| s.auth == auth) {
            for group in [
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1,
            ] {
                let mut cc = pki.client_config();
                cc.suites = vec![suite];
                cc.groups = vec![group];
                let mut pair = Pair::new(cc, pki.server_config());
                pair.expect_handshake();
                let n = pair.client.negotiated().unwrap();
                assert_eq!(n.suite, suite);
                assert_eq!(n.group, Some(group));
                assert!(n.extended_master_secret);
                assert_eq!(pair.server.negotiated().unwrap().suite, suite);
                assert!(pair.client_events.contains(&Event::HandshakeComplete));

                let mut wire = Vec::new();
                pair.client.send(b"ping", &mut wire).unwrap();
                pair.to_server.extend_from_slice(&wire);
                let (c, s) = pair.step();
                c.unwrap();
                s.unwrap();
                assert_eq!(
                    pair.server_data, b"ping",
                    "{key_type:?} {suite:?} {group:?}"
                );
            }
        }
    }
}

#[test]
fn resumption_by_ticket_and_by_session_id() {
    let pki = Pki::new(KeyType::P256);
    let server = pki.server_config();
    for tickets in [true, false] {
        let mut client = pki.client_config();
        client.enable_tickets = tickets;
        let mut first = Pair::new(client.clone(), server.clone());
        first.expect_handshake();
        assert!(!first.client.negotiated().unwrap().resumed);
        let mut second = Pair::new(client.clone(), server.clone());
        second.expect_handshake();
        assert!(
            second.client.negotiated().unwrap().resumed,
            "tickets={tickets}"
        );
        assert!(second.server.negotiated().unwrap().resumed);
        assert_eq!(
            second.client.negotiated().unwrap().peer_certificates,
            pki.chain
        );
        let mut wire = Vec::new();
        second.client.send(b"again", &mut wire).unwrap();
        second.to_server.extend_from_slice(&wire);
        let (c, s) = second.step();
        c.unwrap();
        s.unwrap();
        assert_eq!(second.server_data, b"again");
    }
}

#[test]
fn client_authentication_required_and_optional() {
    use sanstls::config::ClientAuth;
    use sanstls::verify::WebPkiClientVerifier;
    use std::sync::Arc;
    let pki = Pki::new(KeyType::P256);
    let client_ca = common::ca("client CA");
    let (client_cert, client_key) = common::leaf(&client_ca, KeyType::P384, &["client"], |p| {
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    });
    let mut roots = sanstls::verify::RootCertStore::new();
    roots.add(client_ca.der().clone()).unwrap();
    let verifier = Arc::new(WebPkiClientVerifier::new(Arc::new(roots)));

    let mut server = pki.server_config();
    server.client_auth = ClientAuth::Required(verifier.clone());
    let mut client = pki.client_config();
    client
        .set_client_cert(vec![client_cert.clone()], &client_key)
        .unwrap();
    let mut pair = Pair::new(client, server.clone());
    pair.expect_handshake();
    assert_eq!(
        pair.server.negotiated().unwrap().peer_certificates,
        vec![client_cert]
    );

    // No certificate: refused when required, accepted when optional.
    let mut pair = Pair::new(pki.client_config(), server.clone());
    let (c, s) = pair.handshake();
    assert_eq!(
        s,
        Err(sanstls::Error::HandshakeFailure(
            "client certificate required"
        ))
    );
    assert_eq!(
        c,
        Err(sanstls::Error::AlertReceived(
            sanstls::internals::codec::enums::AlertDescription::HANDSHAKE_FAILURE
        ))
    );
    server.client_auth = ClientAuth::Optional(verifier);
    let mut pair = Pair::new(pki.client_config(), server);
    pair.expect_handshake();
    assert!(pair
        .server
        .negotiated()
        .unwrap()
        .peer_certificates
        .is_empty());
}

#[test]
fn every_signature_scheme() {
    use sanstls::internals::codec::enums::SignatureScheme as S;
    let cases = [
        (KeyType::P256, S::ECDSA_SECP256R1_SHA256),
        (KeyType::P384, S::ECDSA_SECP384R1_SHA384),
        (KeyType::Ed25519, S::ED25519),
        (KeyType::Rsa2048, S::RSA_PSS_RSAE_SHA256),
        (KeyType::Rsa2048, S::RSA_PSS_RSAE_SHA384),
        (KeyType::Rsa2048, S::RSA_PSS_RSAE_SHA512),
        (KeyType::Rsa2048, S::RSA_PKCS1_SHA256),
        (KeyType::Rsa2048, S::RSA_PKCS1_SHA384),
        (KeyType::Rsa2048, S::RSA_PKCS1_SHA512),
    ];
    for (key_type, scheme) in cases {
        let pki = Pki::new(key_type);
        let mut cc = pki.client_config();
        cc.signature_schemes = vec![scheme];
        let mut pair = Pair::new(cc, pki.server_config());
        pair.expect_handshake();
        assert_eq!(
            pair.client.negotiated().unwrap().signature_scheme,
            Some(scheme)
        );
        assert_eq!(
            pair.server.negotiated().unwrap().signature_scheme,
            Some(scheme)
        );
    }
}

#[test]
fn server_picks_its_own_order_unless_told_to_honour_the_client() {
    use sanstls::suites::{
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 as AES128,
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 as CHACHA,
    };
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.suites = vec![&CHACHA, &AES128];
    let mut pair = Pair::new(cc.clone(), pki.server_config());
    pair.expect_handshake();
    assert_eq!(pair.client.negotiated().unwrap().suite, &AES128);
    let mut sc = pki.server_config();
    sc.honor_client_order = true;
    let mut pair = Pair::new(cc, sc);
    pair.expect_handshake();
    assert_eq!(pair.client.negotiated().unwrap().suite, &CHACHA);
}

#[test]
fn sni_chooses_the_certificate_and_ip_addresses_send_none() {
    use sanstls::config::{CertifiedKey, CertsByName};
    use std::sync::Arc;
    let a = Pki::with_names(KeyType::P256, &["a.test"]);
    let b = Pki::with_names(KeyType::P256, &["b.test"]);
    let ip = Pki::with_names(KeyType::P256, &["127.0.0.1"]);
    let mut resolver = CertsByName::new();
    resolver.add(
        "a.test",
        Arc::new(CertifiedKey::new(a.chain.clone(), &a.key).unwrap()),
    );
    resolver.add(
        "b.test",
        Arc::new(CertifiedKey::new(b.chain.clone(), &b.key).unwrap()),
    );
    resolver.set_default(Arc::new(
        CertifiedKey::new(ip.chain.clone(), &ip.key).unwrap(),
    ));
    let server = sanstls::ServerConfig::with_resolver(Arc::new(resolver));
    for (pki, name) in [(&a, "a.test"), (&b, "b.test")] {
        let mut pair = Pair::with_name(pki.client_config(), server.clone(), name);
        pair.expect_handshake();
        assert_eq!(
            pair.server.negotiated().unwrap().server_name.as_deref(),
            Some(name)
        );
        assert_eq!(
            pair.client.negotiated().unwrap().peer_certificates,
            pki.chain
        );
    }
    // RFC 6066 §3: no SNI for an IP address; the server falls back to its default.
    let mut pair = Pair::with_name(ip.client_config(), server, "127.0.0.1");
    pair.expect_handshake();
    assert_eq!(pair.server.negotiated().unwrap().server_name, None);
    assert_eq!(
        pair.client.negotiated().unwrap().peer_certificates,
        ip.chain
    );
}

/// Records the server name each ClientHello asked the resolver for.
#[derive(Debug)]
struct RecordingResolver {
    key: std::sync::Arc<sanstls::config::CertifiedKey>,
    seen: std::sync::Mutex<Vec<Option<String>>>,
}

impl sanstls::config::ResolvesServerCert for RecordingResolver {
    fn resolve(
        &self,
        hello: &sanstls::config::ClientHelloInfo<'_>,
    ) -> Option<std::sync::Arc<sanstls::config::CertifiedKey>> {
        let name = hello.server_name.map(str::to_string);
        self.seen.lock().unwrap().push(name);
        Some(self.key.clone())
    }
}

/// RFC 6066 §3 forbids IP literals in server_name, yet some clients send
/// one: the server ignores it as if there were no server_name (no name for
/// the certificate resolver, none in `Negotiated`, no server_name in its
/// ServerHello), rather than failing the handshake. Our client never sends
/// one, so the attacker of tests/hostile puts it there and forges the
/// Finished messages that edit invalidates.
#[test]
fn ip_address_in_server_name_is_ignored() {
    use sanstls::config::CertifiedKey;
    use sanstls::internals::codec::enums::ExtensionType;
    use std::sync::{Arc, Mutex};
    let pki = Pki::new(KeyType::P256);
    for ip in [&b"127.0.0.1"[..], b"::1"] {
        let resolver = Arc::new(RecordingResolver {
            key: Arc::new(CertifiedKey::new(pki.chain.clone(), &pki.key).unwrap()),
            seen: Mutex::new(Vec::new()),
        });
        let mut cc = pki.client_config();
        cc.require_extended_master_secret = false;
        let mut sc = sanstls::ServerConfig::with_resolver(resolver.clone());
        sc.require_extended_master_secret = false;
        let mut s = hostile::Scene::new(cc, sc);
        s.complete_with_edited_hello(|wire| {
            edit_client_hello(wire, |ch| {
                set_server_name(ch, ip);
                ch.extensions
                    .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET);
            })
        });
        assert_eq!(*resolver.seen.lock().unwrap(), [None]);
        assert_eq!(s.p.server.negotiated().unwrap().server_name, None);
        let sh = &plaintext_messages(&s.server_flight)[0];
        let sanstls::internals::handshake::HandshakePayload::ServerHello(sh) = sh else {
            panic!("not a ServerHello");
        };
        assert!(!sh.has_server_name_ack());
        exchange_data(&mut s.p, b"over an IP address");
    }
}

/// The record versions of every record on `wire`.
fn record_versions(wire: &[u8]) -> Vec<[u8; 2]> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        out.push([rest[1], rest[2]]);
        rest = &rest[5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]))..];
    }
    out
}

/// The records of the client's first ClientHello say {3, 1} (RFC 5246
/// Appendix E.1), as OpenSSL and rustls send them, for old servers and
/// middleboxes; every other record, the server's from the first, says
/// {3, 3}. A ClientHello longer than a record keeps {3, 1} in each.
#[test]
fn record_versions_on_the_wire() {
    let pki = Pki::new(KeyType::P256);
    for alpn in [vec![], vec![vec![b'p'; 255]; 100]] {
        let mut cc = pki.client_config();
        cc.alpn_protocols = alpn.clone();
        let mut p = Pair::new(cc, pki.server_config());
        p.client.poll_output(&mut p.to_server);
        let hello = record_versions(&p.to_server);
        assert_eq!(hello.len(), if alpn.is_empty() { 1 } else { 2 });
        assert!(hello.iter().all(|v| *v == [3, 1]), "{hello:?}");
        let mut sent_later = Vec::new();
        let mut from_server = Vec::new();
        while p.client.is_handshaking() || p.server.is_handshaking() {
            common::feed(&mut p.server, &mut p.to_server, usize::MAX, &mut Vec::new()).unwrap();
            p.server.poll_output(&mut p.to_client);
            from_server.extend_from_slice(&p.to_client);
            common::feed(&mut p.client, &mut p.to_client, usize::MAX, &mut Vec::new()).unwrap();
            p.client.poll_output(&mut p.to_server);
            sent_later.extend_from_slice(&p.to_server);
        }
        p.client.close();
        p.client.poll_output(&mut sent_later);
        for (who, wire) in [("client", &sent_later), ("server", &from_server)] {
            let versions = record_versions(wire);
            assert!(versions.len() >= 3, "{who}: {versions:?}");
            assert!(versions.iter().all(|v| *v == [3, 3]), "{who}: {versions:?}");
        }
    }
}

/// RFC 5246 §7.2: a fatal alert invalidates the session, on both sides.
#[test]
fn fatal_alert_invalidates_the_session() {
    use sanstls::internals::codec::enums::AlertDescription;
    let pki = Pki::new(KeyType::P256);
    for tickets in [true, false] {
        let mut client = pki.client_config();
        client.enable_tickets = tickets;
        let mut server = pki.server_config();
        if !tickets {
            server.ticketer = None;
        }
        let mut first = Pair::new(client.clone(), server.clone());
        first.expect_handshake();
        // A resumed connection that then dies of a tampered record.
        let mut second = Pair::new(client.clone(), server.clone());
        second.expect_handshake();
        assert!(second.client.negotiated().unwrap().resumed);
        let mut wire = Vec::new();
        second.client.send(b"x", &mut wire).unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        second.to_server.extend_from_slice(&wire);
        let (c, s) = second.step();
        assert_eq!(s, Err(sanstls::Error::BadRecordMac));
        assert_eq!(
            c,
            Err(sanstls::Error::AlertReceived(
                AlertDescription::BAD_RECORD_MAC
            ))
        );
        // The session is gone: the next connection is a full handshake.
        let mut third = Pair::new(client.clone(), server.clone());
        third.expect_handshake();
        assert!(
            !third.client.negotiated().unwrap().resumed,
            "tickets={tickets}"
        );
        // A clean close keeps the new session resumable.
        let mut fourth = Pair::new(client.clone(), server.clone());
        fourth.expect_handshake();
        assert!(
            fourth.client.negotiated().unwrap().resumed,
            "tickets={tickets}"
        );
    }
}

/// RFC 5246 §7.4.1.1: a HelloRequest during the handshake is ignored, and
/// is not part of the transcript (else Finished would not match).
#[test]
fn hello_request_during_the_handshake_is_ignored() {
    let pki = Pki::new(KeyType::P256);
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    pair.client.poll_output(&mut pair.to_server);
    common::feed(
        &mut pair.server,
        &mut pair.to_server,
        usize::MAX,
        &mut Vec::new(),
    )
    .unwrap();
    pair.server.poll_output(&mut pair.to_client);
    let mut with_request = vec![22, 3, 3, 0, 4, 0, 0, 0, 0];
    with_request.extend_from_slice(&pair.to_client);
    pair.to_client = with_request;
    pair.expect_handshake();
}

/// A close_notify before the handshake completes ends it: it can never
/// complete, and the caller must not mistake it for a clean close.
#[test]
fn close_notify_during_the_handshake_is_an_error() {
    use sanstls::internals::codec::enums::AlertDescription;
    let pki = Pki::new(KeyType::P256);
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    pair.client.poll_output(&mut pair.to_server);
    pair.to_server.extend_from_slice(&[21, 3, 3, 0, 2, 1, 0]);
    let r = common::feed(
        &mut pair.server,
        &mut pair.to_server,
        usize::MAX,
        &mut Vec::new(),
    );
    assert_eq!(
        r,
        Err(sanstls::Error::AlertReceived(
            AlertDescription::CLOSE_NOTIFY
        ))
    );
    assert!(!pair.server.peer_closed());
}
