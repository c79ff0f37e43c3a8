//! Delivery patterns: records cut into arbitrary pieces, many records in
//! one buffer, application data in both directions at once, large writes.

mod common;

use common::{feed, KeyType, Pair, Pki};
use sanstls::limits::MAX_PLAINTEXT_LEN;
use sanstls::suites::{AuthKind, SupportedSuite, ALL_SUITES};
use sanstls::Event;

fn pair_for(suite: &'static SupportedSuite) -> Pair {
    let pki = Pki::new(match suite.auth {
        AuthKind::Rsa => KeyType::Rsa2048,
        AuthKind::Ecdsa => KeyType::P256,
    });
    let mut cc = pki.client_config();
    cc.suites = vec![suite];
    Pair::new(cc, pki.server_config())
}

/// Deterministic filler that differs at every position modulo 251.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// AEAD expansion per record: explicit nonce (GCM) plus the 16-byte tag.
fn overhead(suite: &SupportedSuite) -> usize {
    if suite.name().contains("CHACHA20") {
        16
    } else {
        8 + 16
    }
}

/// Steps until both wires are empty; both sides must stay healthy.
fn drain(p: &mut Pair) {
    for _ in 0..64 {
        let (c, s) = p.step();
        c.expect("client");
        s.expect("server");
        if p.to_client.is_empty() && p.to_server.is_empty() {
            return;
        }
    }
    panic!("bytes stuck on the wire");
}

/// Handshake, then `up` bytes client → server and `down` bytes back.
fn handshake_and_exchange(p: &mut Pair, up: usize, down: usize) {
    p.expect_handshake();
    assert!(p.client_events.contains(&Event::HandshakeComplete));
    assert!(p.server_events.contains(&Event::HandshakeComplete));
    let (a, b) = (pattern(up, 0x11), pattern(down, 0x22));
    p.client.send(&a, &mut p.to_server).unwrap();
    p.server.send(&b, &mut p.to_client).unwrap();
    drain(p);
    assert!(p.server_data == a, "client → server data differs");
    assert!(p.client_data == b, "server → client data differs");
}

#[test]
fn byte_at_a_time_every_suite() {
    for suite in ALL_SUITES {
        let mut p = pair_for(suite);
        p.chunk = 1;
        // More than one record each way.
        handshake_and_exchange(&mut p, 2 * MAX_PLAINTEXT_LEN + 3, MAX_PLAINTEXT_LEN + 1);
        assert_eq!(p.client.negotiated().unwrap().suite, suite);
    }
}

#[test]
fn odd_chunk_sizes() {
    for suite in ALL_SUITES {
        for chunk in [7, 100, 16389] {
            let mut p = pair_for(suite);
            p.chunk = chunk;
            handshake_and_exchange(&mut p, 40_000, 50_001);
        }
    }
}

#[test]
fn interleaved_writes_right_after_the_handshake() {
    let mut p = pair_for(&ALL_SUITES[0]);
    p.expect_handshake();
    // Both sides queue several writes before either reads anything.
    let mut up = Vec::new();
    let mut down = Vec::new();
    for i in 0..5u8 {
        let a = pattern(1000 + 3 * i as usize, i);
        let b = pattern(7000 - 11 * i as usize, 0x80 | i);
        p.client.send(&a, &mut p.to_server).unwrap();
        p.server.send(&b, &mut p.to_client).unwrap();
        up.extend_from_slice(&a);
        down.extend_from_slice(&b);
    }
    drain(&mut p);
    assert!(p.server_data == up);
    assert!(p.client_data == down);
}

#[test]
fn large_write_is_split_into_full_records() {
    for suite in ALL_SUITES {
        let mut p = pair_for(suite);
        p.expect_handshake();
        let data = pattern(100 * 1024, 0x5a);
        let mut wire = Vec::new();
        p.client.send(&data, &mut wire).unwrap();

        // 100 KiB = 6 full records of 2^14 and one of 4 KiB.
        let ov = overhead(suite);
        let mut lens = Vec::new();
        let mut rest = &wire[..];
        while !rest.is_empty() {
            assert_eq!(&rest[..3], &[23, 3, 3], "application data, TLS 1.2");
            let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
            assert!(len <= MAX_PLAINTEXT_LEN + ov, "record of {len}");
            lens.push(len);
            rest = &rest[5 + len..];
        }
        let mut want = vec![MAX_PLAINTEXT_LEN + ov; 6];
        want.push(100 * 1024 - 6 * MAX_PLAINTEXT_LEN + ov);
        assert_eq!(lens, want, "{}", suite.name());

        // Delivered whole: one record per handle_input, each ≤ 2^14.
        let mut got = Vec::new();
        let mut start = 0;
        while start < wire.len() {
            let input = p.server.handle_input(&mut wire[start..]).unwrap();
            let d = input.data.expect("one record of data per call");
            assert!(d.len() <= MAX_PLAINTEXT_LEN);
            got.extend_from_slice(d);
            start += input.consumed;
        }
        assert!(got == data);
    }
}

#[test]
fn data_in_the_same_buffer_as_the_server_finished() {
    for chunk in [usize::MAX, 1, 13] {
        let mut p = pair_for(&ALL_SUITES[2]);
        p.chunk = chunk;
        // ClientHello → server; first flight → client; client's flight → server.
        p.client.poll_output(&mut p.to_server);
        feed(&mut p.server, &mut p.to_server, chunk, &mut p.server_data).unwrap();
        p.server.poll_output(&mut p.to_client);
        feed(&mut p.client, &mut p.to_client, chunk, &mut p.client_data).unwrap();
        p.client.poll_output(&mut p.to_server);
        feed(&mut p.server, &mut p.to_server, chunk, &mut p.server_data).unwrap();
        assert!(!p.server.is_handshaking());

        // The server writes at once: ChangeCipherSpec, Finished and two
        // application-data records leave in one buffer.
        let mut wire = Vec::new();
        p.server.send(b"first", &mut wire).unwrap();
        p.server.send(b"second", &mut wire).unwrap();
        assert!(!p.server.has_output());
        assert!(p.client.is_handshaking());

        if chunk == usize::MAX {
            // One call completes the handshake and returns the first record.
            let input = p.client.handle_input(&mut wire).unwrap();
            assert_eq!(input.data.as_deref(), Some(&b"first"[..]));
            let consumed = input.consumed;
            assert!(!p.client.is_handshaking());
            assert_eq!(p.client.poll_event(), Some(Event::HandshakeComplete));
            let input = p.client.handle_input(&mut wire[consumed..]).unwrap();
            assert_eq!(input.data.as_deref(), Some(&b"second"[..]));
            assert_eq!(consumed + input.consumed, wire.len());
        } else {
            p.to_client = wire;
            feed(&mut p.client, &mut p.to_client, chunk, &mut p.client_data).unwrap();
            assert!(p.to_client.is_empty());
            assert!(!p.client.is_handshaking());
            assert_eq!(p.client_data, b"firstsecond");
        }

        // And the client can answer straight away.
        p.client.send(b"reply", &mut p.to_server).unwrap();
        drain(&mut p);
        assert_eq!(p.server_data, b"reply");
    }
}
