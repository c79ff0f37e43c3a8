//! In-memory handshakes between our client and our server.

mod common;

use common::{KeyType, Pair, Pki, ALL_KEY_TYPES};
use sanstls::codec::enums::NamedGroup;
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
            sanstls::codec::enums::AlertDescription::HANDSHAKE_FAILURE
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
