//! Unit tests of `record::cbc`.

use aes::cipher::BlockCipherDecrypt;
use aes::{Aes128, Aes256};
use ring::hmac;

use super::*;
use crate::suites::MacKind;

const fn k(cipher: CbcCipher, mac: MacKind) -> CbcKind {
    CbcKind { cipher, mac }
}
const KINDS: [CbcKind; 6] = [
    k(CbcCipher::Aes128, MacKind::Sha1),
    k(CbcCipher::Aes128, MacKind::Sha256),
    k(CbcCipher::Aes128, MacKind::Sha384),
    k(CbcCipher::Aes256, MacKind::Sha1),
    k(CbcCipher::Aes256, MacKind::Sha256),
    k(CbcCipher::Aes256, MacKind::Sha384),
];
const SEED: [u8; 16] = [0x99; 16];
const APP: ContentType = ContentType::APPLICATION_DATA;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

fn enc_key(kind: CbcKind) -> Vec<u8> {
    vec![0x42; kind.key_len()]
}

fn mac_key(kind: CbcKind) -> Vec<u8> {
    vec![0x17; kind.mac.len()]
}

fn pair(kind: CbcKind, etm: bool) -> (CbcEncrypter, CbcDecrypter) {
    let (k, m) = (enc_key(kind), mac_key(kind));
    (
        CbcEncrypter::new(kind, &k, &m, etm, SEED).unwrap(),
        CbcDecrypter::new(kind, &k, &m, etm).unwrap(),
    )
}

fn open<'a>(d: &mut CbcDecrypter, rec: &'a mut [u8]) -> Result<&'a mut [u8], Error> {
    let typ = ContentType(rec[0]);
    let version = ProtocolVersion(u16::from_be_bytes([rec[1], rec[2]]));
    d.open_in_place(typ, version, &mut rec[RECORD_HEADER_LEN..])
}

// An independent construction: block by block AES with the `aes`
// crate's full ciphers, ring's HMAC, no code of this module.

fn raw_cbc(kind: CbcKind, iv: &[u8], buf: &mut [u8], encrypt: bool) {
    let key = enc_key(kind);
    let mut prev: [u8; 16] = iv.try_into().unwrap();
    for block in buf.chunks_exact_mut(16) {
        let mut b = Block::try_from(&*block).unwrap();
        if encrypt {
            b.iter_mut().zip(prev).for_each(|(x, p)| *x ^= p);
            match kind.cipher {
                CbcCipher::Aes128 => Aes128::new_from_slice(&key).unwrap().encrypt_block(&mut b),
                CbcCipher::Aes256 => Aes256::new_from_slice(&key).unwrap().encrypt_block(&mut b),
            }
            prev = b.into();
        } else {
            let c: [u8; 16] = b.into();
            match kind.cipher {
                CbcCipher::Aes128 => Aes128::new_from_slice(&key).unwrap().decrypt_block(&mut b),
                CbcCipher::Aes256 => Aes256::new_from_slice(&key).unwrap().decrypt_block(&mut b),
            }
            b.iter_mut().zip(prev).for_each(|(x, p)| *x ^= p);
            prev = c;
        }
        block.copy_from_slice(&b);
    }
}

fn raw_mac(kind: CbcKind, parts: &[&[u8]]) -> Vec<u8> {
    let alg = match kind.mac {
        MacKind::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        MacKind::Sha256 => hmac::HMAC_SHA256,
        MacKind::Sha384 => hmac::HMAC_SHA384,
    };
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(alg, &mac_key(kind)));
    parts.iter().for_each(|p| ctx.update(p));
    ctx.sign().as_ref().to_vec()
}

fn raw_header(seq: u64, typ: ContentType, len: usize) -> Vec<u8> {
    let mut h = seq.to_be_bytes().to_vec();
    h.extend([typ.0, 3, 3]);
    h.extend((len as u16).to_be_bytes());
    h
}

/// A MAC-then-encrypt payload with any `padding` (length byte included)
/// and, if `bad_mac`, a MAC with one bit wrong.
fn raw_mte(kind: CbcKind, seq: u64, plain: &[u8], padding: &[u8], bad_mac: bool) -> Vec<u8> {
    let iv = [0x5e; 16];
    let mut body = plain.to_vec();
    body.extend(raw_mac(kind, &[&raw_header(seq, APP, plain.len()), plain]));
    if bad_mac {
        body[plain.len()] ^= 1;
    }
    body.extend(padding);
    assert_eq!(body.len() % 16, 0);
    raw_cbc(kind, &iv, &mut body, true);
    [&iv[..], &body].concat()
}

/// An encrypt-then-MAC payload with any `padding`.
fn raw_etm(kind: CbcKind, seq: u64, plain: &[u8], padding: &[u8]) -> Vec<u8> {
    let mut rec = vec![0x6f; 16];
    rec.extend(plain);
    rec.extend(padding);
    let (iv, body) = rec.split_at_mut(16);
    raw_cbc(kind, iv, body, true);
    let mac = raw_mac(kind, &[&raw_header(seq, APP, rec.len()), &rec]);
    rec.extend(mac);
    rec
}

/// `n + 1` bytes of value `n`.
fn padding(total: usize) -> Vec<u8> {
    vec![(total - 1) as u8; total]
}

#[test]
fn roundtrip_every_kind_and_mode() {
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, mut d) = pair(kind, etm);
            assert_eq!(
                (e.kind(), e.etm(), d.kind(), d.etm()),
                (kind, etm, kind, etm)
            );
            for len in [0, 1, 15, 16, 17, 255, 256, MAX_PLAINTEXT_LEN] {
                let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let mut out = vec![0xee]; // sealing appends after existing bytes
                e.seal_record(APP, &msg, &mut out).unwrap();
                assert_eq!(out.len(), 1 + e.record_len(len));
                let rec = &mut out[1..];
                assert_eq!(rec[..3], [23, 3, 3]);
                let wire = u16::from_be_bytes([rec[3], rec[4]]) as usize;
                assert_eq!(wire, rec.len() - RECORD_HEADER_LEN);
                assert!(rec.len() <= e.prefix_len() + len + e.max_suffix_len());
                assert_eq!(open(&mut d, rec).unwrap(), &msg[..], "{kind:?} {etm} {len}");
            }
        }
    }
}

#[test]
fn seal_in_place_layout_and_explicit_iv() {
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, mut d) = pair(kind, etm);
            e.set_seq(7);
            d.set_seq(7);
            let len = 33;
            let size = e.prefix_len() + len + e.max_suffix_len();
            assert_eq!(e.prefix_len(), 21);
            assert_eq!(e.max_suffix_len(), kind.mac.len() + 16);
            let mut buf = vec![0xcc; size + 3];
            buf[21..21 + len].fill(b'p');
            assert_eq!(
                e.seal_in_place(APP, &mut buf[..size - 1], len),
                Err(Error::config("in-place record buffer too small"))
            );
            let n = e.seal_in_place(APP, &mut buf, len).unwrap();
            assert_eq!(n, e.record_len(len));
            assert!(buf[n..].iter().all(|&b| b == 0xcc));
            // The IV is AES-128 under the seed of seq ‖ 0^8.
            let mut iv = Block::default();
            iv[..8].copy_from_slice(&7u64.to_be_bytes());
            Aes128::new(&Array::from(SEED)).encrypt_block(&mut iv);
            assert_eq!(buf[5..21], iv[..]);
            assert_eq!(open(&mut d, &mut buf[..n]).unwrap(), &[b'p'; 33]);
            assert!(matches!(
                e.seal_in_place(APP, &mut vec![0; 1 << 15], MAX_PLAINTEXT_LEN + 1),
                Err(Error::Config(_))
            ));
        }
    }
}

/// One record each way per mode, checked against the independent
/// construction, so a bug shared by sealing and opening cannot hide.
#[test]
fn cross_check_with_independent_construction() {
    for kind in KINDS {
        let mac_len = kind.mac.len();
        let msg = b"cross-checked record";
        // Ours, opened by hand. MtE: plaintext ‖ MAC ‖ least padding.
        let (mut e, _) = pair(kind, false);
        e.set_seq(3);
        let mut out = Vec::new();
        e.seal_record(APP, msg, &mut out).unwrap();
        let (iv, body) = out[5..].split_at_mut(16);
        raw_cbc(kind, iv, body, false);
        let pad_total = 16 - (msg.len() + mac_len) % 16;
        assert_eq!(body.len(), msg.len() + mac_len + pad_total);
        assert_eq!(&body[..msg.len()], msg);
        let mac = raw_mac(kind, &[&raw_header(3, APP, msg.len()), msg]);
        assert_eq!(body[msg.len()..][..mac_len], mac[..]);
        assert_eq!(body[msg.len() + mac_len..], padding(pad_total)[..]);
        // EtM: IV ‖ ENC(plaintext ‖ padding) ‖ MAC over IV ‖ ciphertext.
        let (mut e, _) = pair(kind, true);
        e.set_seq(3);
        let mut out = Vec::new();
        e.seal_record(APP, msg, &mut out).unwrap();
        let enc_len = out.len() - 5 - mac_len;
        let (enc, tag) = out[5..].split_at_mut(enc_len);
        let mac = raw_mac(kind, &[&raw_header(3, APP, enc.len()), enc]);
        assert_eq!(tag, &mac[..]);
        let (iv, body) = enc.split_at_mut(16);
        raw_cbc(kind, iv, body, false);
        assert_eq!(&body[..msg.len()], msg);
        assert_eq!(body[msg.len()..], padding(16 - msg.len() % 16)[..]);

        // Built by hand, opened by ours.
        for etm in [false, true] {
            let (_, mut d) = pair(kind, etm);
            d.set_seq(5);
            let mut p = if etm {
                raw_etm(kind, 5, msg, &padding(12))
            } else {
                raw_mte(
                    kind,
                    5,
                    msg,
                    &padding(32 - (msg.len() + mac_len) % 16),
                    false,
                )
            };
            assert_eq!(d.open_in_place(APP, V12, &mut p).unwrap(), msg);
        }
    }
}

/// The seal as two passes, one after the other (what `seal_in_place`
/// did before the stitched job): the same layout, `EncKey::encrypt`
/// over the whole body and `RecordMac::sign`.
fn seal_two_pass(e: &CbcEncrypter, seq: u64, typ: ContentType, plain: &[u8]) -> Vec<u8> {
    let len = plain.len();
    let total = e.record_len(len);
    let mut rec = vec![0u8; total];
    rec[0] = typ.0;
    rec[1..3].copy_from_slice(&[3, 3]);
    rec[3..5].copy_from_slice(&((total - 5) as u16).to_be_bytes());
    let mut iv = Block::default();
    iv[..8].copy_from_slice(&seq.to_be_bytes());
    Aes128::new(&Array::from(SEED)).encrypt_block(&mut iv);
    let iv: [u8; 16] = iv.into();
    rec[5..21].copy_from_slice(&iv);
    let body = &mut rec[21..];
    body[..len].copy_from_slice(plain);
    let mac_len = e.common.kind.mac.len();
    if e.common.etm {
        let (enc, mac_out) = body.split_at_mut(body.len() - mac_len);
        pad(enc, len);
        e.key.encrypt(&iv, enc);
        let header = auth_header(seq, typ, V12, 16 + enc.len());
        e.common.mac.sign(&header, &[&iv, enc], mac_out);
    } else {
        let (p, rest) = body.split_at_mut(len);
        e.common
            .mac
            .sign(&auth_header(seq, typ, V12, len), &[p], &mut rest[..mac_len]);
        pad(body, len + mac_len);
        e.key.encrypt(&iv, body);
    }
    rec
}

/// The stitched seal gives the two-pass record byte for byte, for every
/// length around the hash and cipher block boundaries of every kind,
/// both modes, and a full record.
#[test]
fn stitched_seal_matches_two_pass() {
    let data: Vec<u8> = (0..MAX_PLAINTEXT_LEN).map(|i| (i * 31 + 7) as u8).collect();
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, _) = pair(kind, etm);
            for (seq, len) in (0..=300).chain([MAX_PLAINTEXT_LEN]).enumerate() {
                let seq = seq as u64 * 0x0101_0101 + 1;
                e.set_seq(seq);
                let mut out = vec![0xee];
                e.seal_record(APP, &data[..len], &mut out).unwrap();
                let want = seal_two_pass(&e, seq, APP, &data[..len]);
                assert_eq!(out[1..], want[..], "{kind:?} etm {etm} len {len}");
            }
        }
    }
}

#[test]
fn every_bit_flip_is_bad_record_mac() {
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, _) = pair(kind, etm);
            let mut out = Vec::new();
            e.seal_record(APP, b"secret", &mut out).unwrap();
            for bit in RECORD_HEADER_LEN * 8..out.len() * 8 {
                let mut bad = out.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                let (_, mut d) = pair(kind, etm);
                assert_eq!(open(&mut d, &mut bad), Err(Error::BadRecordMac));
            }
        }
    }
}

/// Every kind of bad padding, in MAC-then-encrypt records with a right
/// MAC, is `BadRecordMac`; every valid padding up to 255 bytes opens.
#[test]
fn mte_padding_is_checked_whole() {
    for kind in KINDS {
        let mac_len = kind.mac.len();
        let open_raw = |mut p: Vec<u8>| {
            let (_, mut d) = pair(kind, false);
            d.open_in_place(APP, V12, &mut p).map(|x| x.to_vec())
        };
        for total in [1, 2, 16, 17, 100, 255, 256] {
            // A plaintext that makes plaintext ‖ MAC ‖ padding whole blocks.
            let plain = vec![b'x'; 16 + (32 - (mac_len + total) % 16) % 16];
            let good = padding(total);
            assert_eq!(
                open_raw(raw_mte(kind, 0, &plain, &good, false)),
                Ok(plain.clone())
            );
            assert_eq!(
                open_raw(raw_mte(kind, 0, &plain, &good, true)),
                Err(Error::BadRecordMac)
            );
            if total >= 2 {
                for at in [0, total - 2] {
                    // A wrong first byte, a wrong byte next to the length byte.
                    let mut bad = good.clone();
                    bad[at] ^= 0x40;
                    assert_eq!(
                        open_raw(raw_mte(kind, 0, &plain, &bad, false)),
                        Err(Error::BadRecordMac)
                    );
                }
            }
        }
        // The padding, its length byte and the MAC fill the record
        // exactly: an empty plaintext, accepted.
        let total = padded_len(mac_len) - mac_len;
        assert_eq!(
            open_raw(raw_mte(kind, 0, b"", &padding(total), false)),
            Ok(vec![])
        );
        // A length byte larger than the record: the padding bytes all
        // agree with it, the MAC is right for the empty plaintext.
        for v in [total as u8, 255] {
            let bad = vec![v; total];
            assert_eq!(
                open_raw(raw_mte(kind, 0, b"", &bad, false)),
                Err(Error::BadRecordMac)
            );
        }
        // Bad padding whose MAC is right for "no padding": the data
        // before the MAC is the whole record less one byte.
        let plain = vec![b'y'; padded_len(mac_len + 40) - mac_len - 1];
        assert_eq!(
            open_raw(raw_mte(kind, 0, &plain, &[3], false)),
            Err(Error::BadRecordMac)
        );
        assert_eq!(open_raw(raw_mte(kind, 0, &plain, &[0], false)), Ok(plain));
    }
}

#[test]
fn padding_check_alone() {
    let ok = |body: &[u8], mac_len| {
        let (c, pad) = check_padding(body, mac_len);
        (bool::from(c), pad)
    };
    let mut body = vec![0u8; 64];
    assert_eq!(ok(&body, 20), (true, 0));
    body[43..].fill(20); // 21 bytes of padding after 20 of MAC: 41 <= 64
    assert_eq!(ok(&body, 20), (true, 20));
    assert_eq!(ok(&body, 44), (false, 20)); // 21 + 44 > 64
    body[43] = 19;
    assert_eq!(ok(&body, 20), (false, 20));
    body.fill(63); // all 64 bytes padding: no room for any MAC
    assert_eq!(ok(&body, 0), (true, 63));
    assert_eq!(ok(&body, 1), (false, 63));
    let body = vec![255u8; 300];
    assert_eq!(ok(&body, 44), (true, 255));
    assert_eq!(ok(&body, 45), (false, 255));
    assert_eq!(ok(&[], 0), (false, 0));
}

#[test]
fn etm_checks_mac_over_iv_and_padding_after_it() {
    for kind in KINDS {
        let (_, mut d) = pair(kind, true);
        let mut p = raw_etm(kind, 0, b"abc", &padding(13));
        p[0] ^= 0x80; // the IV, which only the MAC protects from a change
        assert_eq!(d.open_in_place(APP, V12, &mut p), Err(Error::BadRecordMac));
        // Authentic records with bad padding.
        for pad in [
            vec![12u8; 13].into_iter().chain([11]).collect(),
            vec![5, 6, 6, 6, 6, 6, 6],
            vec![0xff],
        ] {
            let plain = vec![b'z'; 32 - pad.len()];
            let mut p = raw_etm(kind, 0, &plain, &pad);
            assert_eq!(d.open_in_place(APP, V12, &mut p), Err(Error::BadRecordMac));
        }
        let mut p = raw_etm(kind, 0, &[b'z'; 16], &padding(16));
        assert_eq!(d.open_in_place(APP, V12, &mut p).unwrap(), &[b'z'; 16]);
    }
}

#[test]
fn short_or_unaligned_payload_is_bad_record_mac() {
    for kind in KINDS {
        for etm in [false, true] {
            let (_, mut d) = pair(kind, etm);
            let least = 16 + padded_len(kind.mac.len());
            let least = if etm { 32 + kind.mac.len() } else { least };
            for n in (0..least + 40).filter(|&n| n < least || (n - least) % 16 != 0) {
                let mut p = vec![0u8; n];
                assert_eq!(
                    d.open_in_place(APP, V12, &mut p),
                    Err(Error::BadRecordMac),
                    "{n}"
                );
            }
        }
    }
}

#[test]
fn wrong_type_version_or_sequence_is_bad_record_mac() {
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, _) = pair(kind, etm);
            let mut out = Vec::new();
            e.seal_record(APP, b"x", &mut out).unwrap();
            for (typ, v, seq) in [
                (ContentType::HANDSHAKE, V12, 0),
                (APP, ProtocolVersion::TLSV1_0, 0),
                (APP, V12, 1),
            ] {
                let (_, mut d) = pair(kind, etm);
                d.set_seq(seq);
                let p = &mut out.clone()[RECORD_HEADER_LEN..];
                assert_eq!(d.open_in_place(typ, v, p), Err(Error::BadRecordMac));
            }
        }
    }
}

#[test]
fn oversized_plaintext_is_refused() {
    for kind in KINDS {
        let (mut e, _) = pair(kind, false);
        let big = vec![0u8; MAX_PLAINTEXT_LEN + 1];
        let mut out = Vec::new();
        assert!(matches!(
            e.seal_record(APP, &big, &mut out),
            Err(Error::Internal(_))
        ));
        assert!(out.is_empty());
        let over = Err(Error::RecordOverflow {
            len: MAX_PLAINTEXT_LEN + 1,
        });
        let (_, mut d) = pair(kind, false);
        let pad = 16 - (big.len() + kind.mac.len()) % 16;
        let mut p = raw_mte(kind, 0, &big, &padding(pad), false);
        assert_eq!(d.open_in_place(APP, V12, &mut p).map(|x| x.len()), over);
        let (_, mut d) = pair(kind, true);
        let mut p = raw_etm(kind, 0, &big, &padding(16 - big.len() % 16));
        assert_eq!(d.open_in_place(APP, V12, &mut p).map(|x| x.len()), over);
    }
}

#[test]
fn sequence_never_wraps() {
    for kind in KINDS {
        for etm in [false, true] {
            let (mut e, mut d) = pair(kind, etm);
            e.set_seq(u64::MAX - 1);
            d.set_seq(u64::MAX - 1);
            let mut out = Vec::new();
            e.seal_record(APP, b"last", &mut out).unwrap();
            assert_eq!(open(&mut d, &mut out).unwrap(), b"last");
            let mut more = Vec::new();
            assert_eq!(
                e.seal_record(APP, b"wrap", &mut more),
                Err(Error::SequenceExhausted)
            );
            assert!(more.is_empty());
            let mut p = vec![0u8; 128];
            assert_eq!(
                d.open_in_place(APP, V12, &mut p),
                Err(Error::SequenceExhausted)
            );
        }
    }
}

#[test]
fn wrong_key_lengths_are_errors() {
    for kind in KINDS {
        let (k, m) = (enc_key(kind), mac_key(kind));
        let short = &k[1..];
        assert!(CbcEncrypter::new(kind, short, &m, false, SEED).is_err());
        assert!(CbcEncrypter::new(kind, &k, &m[1..], true, SEED).is_err());
        assert!(CbcDecrypter::new(kind, &[k.clone(), k.clone()].concat(), &m, false).is_err());
        assert!(CbcDecrypter::new(kind, &k, &[], true).is_err());
    }
}

#[test]
fn debug_shows_no_keys() {
    let (e, d) = pair(KINDS[0], true);
    let s = format!("{e:?} {d:?}");
    assert!(s.contains("etm: true") && s.contains("seq: 0"), "{s}");
    assert!(!s.contains("66") && !s.contains("0x42"), "{s}");
}
