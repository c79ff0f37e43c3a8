//! Does the server's RSA key-transport decryption take the same time
//! whatever the ciphertext holds? A dudect-style statistical test (Reparaz,
//! Balasch, Verbauwhede, "Dude, is my code constant time?", 2017): time many
//! decryptions of ciphertexts from two classes, interleaved at random, and
//! compare the two timing distributions with Welch's t-test. |t| above 4.5
//! means the classes can be told apart by time alone; that would be an
//! oracle for Bleichenbacher-style attacks (and the Marvin attack, 2023,
//! showed the difference may sit in the big-number code alone).
//!
//! Class A is always a valid ciphertext (a well-formed PKCS#1 v1.5 block of
//! a 48-byte pre-master secret with the right version); class B is one kind
//! of invalid ciphertext, each kind in its own comparison: bad first bytes,
//! no zero separator, the separator too early (padding shorter than eight
//! bytes), the separator too late (a 47-byte message), a message of the
//! wrong length behind valid padding (49 to 100 bytes), the wrong version,
//! and ciphertexts that cannot be decrypted at all: a byte short, a byte
//! long, not below the modulus (the server decrypts a stand-in for those).
//! Every ciphertext is fresh (random padding and secret), so caches and
//! branch predictors see no repeated input.
//!
//! Run by hand, in release mode (each decryption takes about 2.3 ms here;
//! the default of 120,000 measurements takes about five minutes):
//!
//! ```text
//! cargo test --release --test timing_rsa -- --ignored --nocapture
//! SANSTLS_TIMING_SAMPLES=400000 cargo test --release --test timing_rsa -- --ignored --nocapture
//! ```
//!
//! To see that the test would catch a leak, make it plant one:
//! `SANSTLS_TIMING_INJECT_NS=500` adds a 500 ns busy wait to every invalid
//! decryption, inside the timed region; the test must then fail.
//!
//! The figures of a run are in SECURITY.md.

mod common;

use std::time::Instant;

use common::dudect::{env, max_abs_t, median, Rng};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::BoxedUint;
use sanstls::internals::codec::enums::ProtocolVersion;
use sanstls::internals::crypto::rsa_kx::RsaDecryptingKey;
use sanstls::pki_types::pem::PemObject;
use sanstls::pki_types::PrivateKeyDer;

/// The invalid kinds, each compared with valid ciphertexts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Valid,
    BadFirstBytes,
    NoSeparator,
    SeparatorTooEarly,
    SeparatorTooLate,
    WrongMessageLength,
    WrongVersion,
    CiphertextShort,
    CiphertextLong,
    NotBelowModulus,
}

const INVALID: [Kind; 9] = [
    Kind::BadFirstBytes,
    Kind::NoSeparator,
    Kind::SeparatorTooEarly,
    Kind::SeparatorTooLate,
    Kind::WrongMessageLength,
    Kind::WrongVersion,
    Kind::CiphertextShort,
    Kind::CiphertextLong,
    Kind::NotBelowModulus,
];

/// A PKCS#1 v1.5 encryption block of modulus length `k` (RFC 8017 §7.2.1),
/// broken as `kind` says.
fn block(k: usize, kind: Kind, rng: &mut Rng) -> Vec<u8> {
    let mut b: Vec<u8> = (0..k).map(|_| rng.nonzero_byte()).collect();
    b[0] = 0;
    b[1] = 2;
    let separator = k - 49;
    b[separator] = 0;
    b[separator + 1] = 3;
    b[separator + 2] = 3;
    match kind {
        Kind::Valid => {}
        Kind::BadFirstBytes => b[1] = 1,
        Kind::NoSeparator => b[separator] = rng.nonzero_byte(),
        Kind::SeparatorTooEarly => b[2 + (rng.next() % 7) as usize] = 0,
        Kind::SeparatorTooLate => {
            b[separator] = rng.nonzero_byte();
            b[separator + 1] = 0;
        }
        Kind::WrongMessageLength => {
            // A message of 49 to 100 bytes: the separator moves up, the
            // padding stays longer than eight bytes.
            b[separator] = rng.nonzero_byte();
            b[separator - 1 - (rng.next() % 52) as usize] = 0;
        }
        Kind::WrongVersion => b[separator + 2] = 2,
        // These three change the ciphertext, not the block.
        Kind::CiphertextShort | Kind::CiphertextLong | Kind::NotBelowModulus => {}
    }
    b
}

/// The ciphertext for `kind`: `c` itself, or for the kinds that cannot be
/// decrypted, `c` a byte short, a byte long, or raised above the modulus.
fn ciphertext(kind: Kind, mut c: Vec<u8>) -> Vec<u8> {
    match kind {
        Kind::CiphertextShort => {
            c.remove(0);
        }
        Kind::CiphertextLong => c.insert(0, 0),
        Kind::NotBelowModulus => c[0] = 0xff,
        _ => {}
    }
    c
}

#[test]
#[ignore = "statistical timing test, run by hand in release mode"]
fn rsa_pre_master_decryption_time_does_not_depend_on_the_plaintext() {
    let samples = env("SANSTLS_TIMING_SAMPLES", 120_000) as usize;
    // A planted leak, to show the test's power (see the module comment).
    let inject_ns = env("SANSTLS_TIMING_INJECT_NS", 0);
    let planted = std::time::Duration::from_nanos(inject_ns);
    let pem = include_str!("data/keys/rsa2048.pkcs8.pem");
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap();
    let key = RsaDecryptingKey::from_der(&der).unwrap().unwrap();
    let public = rsa::PrivateKey::from_pkcs8_pem(pem)
        .unwrap()
        .to_public_key();
    let k = public.size();
    let precision = public.n().as_ref().bits_precision();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let encrypt = |b: &[u8]| {
        let m = BoxedUint::from_be_slice(b, precision).unwrap();
        let c = rsa::hazmat::rsa_encrypt(&public, &m).unwrap();
        let mut out = c.to_be_bytes().to_vec();
        out.drain(..out.len() - k);
        out
    };

    // Warm-up, and a check that valid ones decrypt to what was encrypted.
    for _ in 0..200 {
        let b = block(k, Kind::Valid, &mut rng);
        let pm = key
            .decrypt_pre_master(&encrypt(&b), ProtocolVersion::TLSV1_2)
            .unwrap();
        assert_eq!(&pm[..], &b[k - 48..]);
    }

    // Interleave the classes: each measurement is a valid ciphertext or one
    // of the invalid kinds, chosen at random, so drift hits all alike.
    let per_batch = 1000;
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); 1 + INVALID.len()];
    let mut done = 0;
    while done < samples {
        let batch: Vec<(usize, Vec<u8>)> = (0..per_batch)
            .map(|_| {
                let class = if rng.next().is_multiple_of(2) {
                    0
                } else {
                    1 + (rng.next() % INVALID.len() as u64) as usize
                };
                let kind = if class == 0 {
                    Kind::Valid
                } else {
                    INVALID[class - 1]
                };
                let c = encrypt(&block(k, kind, &mut rng));
                (class, ciphertext(kind, c))
            })
            .collect();
        for (class, ct) in &batch {
            let start = Instant::now();
            let pm = key.decrypt_pre_master(ct, ProtocolVersion::TLSV1_2);
            if *class != 0 && inject_ns != 0 {
                let spin = Instant::now();
                while spin.elapsed() < planted {}
            }
            let elapsed = start.elapsed();
            std::hint::black_box(pm).unwrap();
            times[*class].push(elapsed.as_nanos() as f64);
        }
        done += per_batch;
    }

    println!("RSA-2048 pre-master decryption, {done} measurements in all");
    if inject_ns != 0 {
        println!("  (a planted leak: {inject_ns} ns more for every invalid one)");
    }
    println!(
        "  valid: {} samples, median {:.1} µs",
        times[0].len(),
        median(&times[0]) / 1000.0
    );
    let mut worst = 0.0f64;
    for (i, kind) in INVALID.iter().enumerate() {
        let b = &times[i + 1];
        let (t, pct) = max_abs_t(&times[0], b);
        worst = worst.max(t);
        println!(
            "  {kind:?}: {} samples, median {:.1} µs, max |t| = {t:.2} (cropped at {:.0}%)",
            b.len(),
            median(b) / 1000.0,
            pct * 100.0
        );
    }
    println!("  largest |t| over all kinds: {worst:.2} (a leak shows as |t| > 4.5)");
    assert!(
        worst < 4.5,
        "timing differs between valid and invalid ciphertexts"
    );
}
