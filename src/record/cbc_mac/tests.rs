//! Unit tests of `record::cbc_mac`.

use ring::hmac;

use super::*;

const KINDS: [MacKind; 3] = [MacKind::Sha1, MacKind::Sha256, MacKind::Sha384];

fn ring_hmac(kind: MacKind, key: &[u8], header: &[u8], data: &[u8]) -> Vec<u8> {
    let alg = match kind {
        MacKind::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        MacKind::Sha256 => hmac::HMAC_SHA256,
        MacKind::Sha384 => hmac::HMAC_SHA384,
    };
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(alg, key));
    ctx.update(header);
    ctx.update(data);
    ctx.sign().as_ref().to_vec()
}

fn key(kind: MacKind) -> Vec<u8> {
    (0..kind.len() as u8)
        .map(|i| i.wrapping_mul(37) ^ 0xa5)
        .collect()
}

/// Every candidate length of the public range, for lengths on both
/// sides of the block and length-field boundaries of both block sizes,
/// and a full record: each must give ring's HMAC over exactly that
/// many bytes, so a wrong selected block or a misplaced end marker or
/// length field fails.
#[test]
fn secret_len_mac_matches_ring_for_every_length() {
    let prefix = mac_prefix(
        0x0102_0304_0506_0708,
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLSV1_2,
    );
    for kind in KINDS {
        let k = key(kind);
        let mac = RecordMac::new(kind, &k).unwrap();
        for max in [
            0usize,
            1,
            42,
            43,
            50,
            51,
            106,
            107,
            115,
            116,
            200,
            300,
            1000,
            16_384 + 255,
        ] {
            let data: Vec<u8> = (0..max).map(|i| (i * 7 + 3) as u8).collect();
            let min = max.saturating_sub(255);
            for n in min..=max {
                let mut out = [0u8; MAX_MAC_LEN];
                mac.sign_secret_len(&prefix, &data, n, min, &mut out);
                let header = auth_header(
                    0x0102_0304_0506_0708,
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_2,
                    n,
                );
                let want = ring_hmac(kind, &k, &header, &data[..n]);
                assert_eq!(out[..kind.len()], want[..], "{kind:?} max {max} n {n}");
                assert!(out[kind.len()..].iter().all(|&b| b == 0));
            }
        }
    }
}

#[test]
fn secret_len_out_of_range_is_clamped() {
    let prefix = mac_prefix(9, ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2);
    for kind in KINDS {
        let k = key(kind);
        let mac = RecordMac::new(kind, &k).unwrap();
        let data = vec![0x5a; 400];
        for (n, clamped) in [(0, 100), (99, 100), (401, 400), (usize::MAX, 400)] {
            let mut out = [0u8; MAX_MAC_LEN];
            mac.sign_secret_len(&prefix, &data, n, 100, &mut out);
            let header = auth_header(9, ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, clamped);
            let want = ring_hmac(kind, &k, &header, &data[..clamped]);
            assert_eq!(out[..kind.len()], want[..]);
        }
    }
}

#[test]
fn sign_and_verify_agree_with_ring() {
    for kind in KINDS {
        let k = key(kind);
        let mac = RecordMac::new(kind, &k).unwrap();
        let header = auth_header(1, ContentType::ALERT, ProtocolVersion::TLSV1_2, 11);
        let mut out = [0u8; MAX_MAC_LEN];
        mac.sign(&header, &[b"hello", b" world"], &mut out);
        let want = ring_hmac(kind, &k, &header, b"hello world");
        assert_eq!(out[..kind.len()], want[..]);
        assert!(bool::from(mac.verify(&header, b"hello world", &want)));
        let mut bad = want.clone();
        bad[kind.len() - 1] ^= 1;
        assert!(!bool::from(mac.verify(&header, b"hello world", &bad)));
        assert!(!bool::from(mac.verify(&header, b"hello world", &want[1..])));
    }
}

/// The streaming HMAC against ring, the data cut into parts at every
/// offset around the block boundaries of both block sizes.
#[test]
fn sign_matches_ring_however_the_data_is_cut() {
    let data: Vec<u8> = (0..400u32).map(|i| (i * 13 + 1) as u8).collect();
    let header = auth_header(
        5,
        ContentType::APPLICATION_DATA,
        ProtocolVersion::TLSV1_2,
        77,
    );
    for kind in KINDS {
        let k = key(kind);
        let mac = RecordMac::new(kind, &k).unwrap();
        for len in (0..=300).chain([399, 400]) {
            let want = ring_hmac(kind, &k, &header, &data[..len]);
            for cut in [0, 1, 50, 51, 64, 114, 115, 200]
                .into_iter()
                .filter(|&c| c <= len)
            {
                let (a, b) = data[..len].split_at(cut);
                let mut out = [0u8; MAX_MAC_LEN];
                mac.sign(&header, &[a, b], &mut out);
                assert_eq!(out[..kind.len()], want[..], "{kind:?} {len} {cut}");
                let mut out = [0u8; MAX_MAC_LEN];
                let (b1, b2) = b.split_at(b.len() / 2);
                mac.sign(&header, &[a, b1, b2], &mut out);
                assert_eq!(out[..kind.len()], want[..], "{kind:?} {len} {cut} in three");
            }
        }
    }
}

/// The stepped MAC as sealing feeds it: the header, then a first
/// piece that completes a block, then whole blocks, then a tail.
#[test]
fn stream_in_blocks_matches_ring() {
    let data: Vec<u8> = (0..700u32).map(|i| (i * 29 + 5) as u8).collect();
    let header = auth_header(8, ContentType::ALERT, ProtocolVersion::TLSV1_2, 3);
    for kind in KINDS {
        let k = key(kind);
        let mac = RecordMac::new(kind, &k).unwrap();
        for len in (0..=300).chain([699, 700]) {
            let mut s = mac.stream();
            let b = s.block_len();
            assert_eq!(b, if kind == MacKind::Sha384 { 128 } else { 64 });
            s.update(&header);
            let mut fed = (b - MAC_HEADER_LEN).min(len);
            s.update(&data[..fed]);
            while len - fed >= b {
                s.update(&data[fed..fed + b]);
                fed += b;
            }
            s.update(&data[fed..len]);
            let mut out = [0u8; MAX_MAC_LEN];
            s.finish(&mut out);
            let want = ring_hmac(kind, &k, &header, &data[..len]);
            assert_eq!(out[..kind.len()], want[..], "{kind:?} {len}");
        }
    }
}

#[test]
fn masks() {
    let edges = [0u64, 1, 2, 255, 256, 1 << 20, (1 << 63) - 1];
    for a in edges {
        for b in edges {
            assert_eq!(lt_mask(a, b), if a < b { !0 } else { 0 }, "{a} < {b}");
            assert_eq!(eq_mask(a, b), if a == b { !0 } else { 0 }, "{a} == {b}");
        }
    }
    assert_eq!(eq_mask(u64::MAX, u64::MAX), !0);
    assert_eq!(eq_mask(u64::MAX, 0), 0);
}

#[test]
fn wrong_key_length_is_an_error() {
    for kind in KINDS {
        assert!(RecordMac::new(kind, &vec![0; kind.len() + 1]).is_err());
        assert!(RecordMac::new(kind, &[]).is_err());
    }
}
