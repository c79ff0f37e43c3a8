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
                assert_eq!(n.group, group);
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
