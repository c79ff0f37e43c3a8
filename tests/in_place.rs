//! Zero-copy sending: `Connection::seal_in_place` encrypts plaintext the
//! caller wrote into its own record buffer, and the peer decrypts it in
//! place again, so a record can go back and forth without being copied.

mod common;

use common::{KeyType, Pair, Pki};
use sanstls::suites::{AuthKind, Protection, ALL_SUITES};
use sanstls::Error;

#[test]
fn seal_in_place_roundtrips_for_every_suite() {
    for suite in ALL_SUITES {
        let pki = Pki::new(if suite.auth == AuthKind::Rsa {
            KeyType::Rsa2048
        } else {
            KeyType::P256
        });
        let mut cc = pki.client_config();
        cc.suites = vec![suite];
        let mut pair = Pair::new(cc, pki.server_config());
        assert_eq!(pair.client.in_place_layout(), None, "before the handshake");
        let mut early = [0u8; 64];
        assert_eq!(
            pair.client.seal_in_place(&mut early, 1),
            Err(Error::HandshakeNotComplete)
        );
        pair.expect_handshake();

        let (prefix, suffix) = pair.client.in_place_layout().unwrap();
        let Protection::Aead(aead) = suite.protection else {
            panic!("the default suites are AEAD");
        };
        assert_eq!(prefix, 5 + aead.explicit_nonce_len());
        assert_eq!(suffix, 16);
        for len in [0usize, 1, 1000, 1 << 14] {
            let mut record = vec![0u8; prefix + len + suffix];
            for (i, b) in record[prefix..prefix + len].iter_mut().enumerate() {
                *b = i as u8;
            }
            let n = pair.client.seal_in_place(&mut record, len).unwrap();
            assert_eq!(n, record.len());
            // Plaintext is gone from the wire bytes (unless empty).
            if len > 16 {
                assert_ne!(
                    &record[prefix..prefix + 16],
                    &(0..16u8).collect::<Vec<_>>()[..]
                );
            }
            let input = pair.server.handle_input(&mut record).unwrap();
            assert_eq!(input.consumed, n);
            let expected: Vec<u8> = (0..len).map(|i| i as u8).collect();
            if len == 0 {
                assert!(input.data.is_none());
            } else {
                assert_eq!(
                    input.data.as_deref(),
                    Some(&expected[..]),
                    "{suite:?} len {len}"
                );
            }
        }
    }
}

#[test]
fn seal_in_place_refuses_misuse_without_ending_the_connection() {
    let pki = Pki::new(KeyType::P256);
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    pair.expect_handshake();
    let (prefix, suffix) = pair.client.in_place_layout().unwrap();
    let mut small = vec![0u8; prefix + 10 + suffix - 1];
    assert!(matches!(
        pair.client.seal_in_place(&mut small, 10),
        Err(Error::Config(_))
    ));
    let mut big = vec![0u8; prefix + (1 << 14) + 1 + suffix];
    assert!(matches!(
        pair.client.seal_in_place(&mut big, (1 << 14) + 1),
        Err(Error::Config(_))
    ));
    // After close_notify nothing more can be sealed.
    pair.client.close();
    assert_eq!(pair.client.in_place_layout(), None);
    let mut record = vec![0u8; prefix + 4 + suffix];
    assert_eq!(
        pair.client.seal_in_place(&mut record, 4),
        Err(Error::ConnectionClosed)
    );

    // In-place records interleave with `send` in order on a fresh pair.
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    pair.expect_handshake();
    let mut wire = Vec::new();
    pair.client.send(b"queued first", &mut wire).unwrap();
    let n = pair.client.seal_in_place(&mut record, 4).unwrap();
    wire.extend_from_slice(&record[..n]);
    let first = pair.server.handle_input(&mut wire).unwrap();
    assert_eq!(first.data.as_deref(), Some(&b"queued first"[..]));
}
