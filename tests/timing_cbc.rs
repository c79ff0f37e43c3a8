//! Does opening a MAC-then-encrypt CBC record take the same time whatever
//! its decrypted padding says? A dudect-style statistical test (Reparaz,
//! Balasch, Verbauwhede, "Dude, is my code constant time?", 2017), built
//! like `timing_rsa.rs`: time many openings of records from several
//! classes, interleaved at random, and compare each class's timing
//! distribution with a baseline's by Welch's t-test. |t| above 4.5 means
//! the classes can be told apart by time alone: a padding oracle, the
//! Lucky Thirteen attack (AlFardan and Paterson, 2013) when the difference
//! is in the MAC work, POODLE-style when it is in the padding check.
//!
//! Every record fails (the MAC is always wrong; the attacker never knows
//! the key), so the difference could only come from what the decrypted
//! padding says. The baseline is valid padding of length zero (the
//! plaintext as long as it can be, as a full record has), with a wrong MAC.
//! The other classes, each compared with it:
//!
//! - `MaxPadding`: valid padding of 255 bytes and its length byte, the most
//!   RFC 5246 §6.2.3.2 allows: 255 bytes less data under the MAC, so a MAC
//!   whose work followed the data length would take four or five
//!   compression-function calls less;
//! - `BadPadFirst`, `BadPadLast`: the same 255-byte padding with one wrong
//!   byte, the first one, or the one next to the length byte (an early
//!   exit in the padding check would show);
//! - `PadTooLong` (at the short length, below): a padding length byte
//!   larger than the record can hold with its MAC.
//!
//! Lengths: the record carries 1,024 bytes after its IV. Maximal padding
//! needs at least 256 + MAC bytes, and a record not much longer keeps the
//! work outside the padding and MAC logic small, so a difference there
//! stands out; 1 KB is a common record size too. A padding length byte
//! larger than the record, though, is only possible in a record shorter
//! than 256 + MAC bytes, where maximal padding cannot fit: `PadTooLong`
//! is therefore measured in records of 256 bytes after the IV, against a
//! baseline of its own at that length (`Baseline256`). Within each
//! comparison all records have the same length.
//!
//! AES-128 with HMAC-SHA1 and with HMAC-SHA256, each its own run. Every
//! record is fresh (random IV, plaintext and MAC); only the open is timed;
//! the record is copied into the buffer it is decrypted in outside the
//! timed region; a failed open leaves the sequence number where it was,
//! so one decrypter serves every measurement.
//!
//! Run by hand, in release mode (the default, 60,000 measurements per MAC,
//! takes a few seconds):
//!
//! ```text
//! cargo test --release --test timing_cbc -- --ignored --nocapture
//! SANSTLS_TIMING_SAMPLES=400000 cargo test --release --test timing_cbc -- --ignored --nocapture
//! ```
//!
//! To see that the test would catch a leak, make it plant one:
//! `SANSTLS_TIMING_INJECT_NS=10` adds about 10 ns of busy work to every
//! open outside the baselines, inside the timed region; the test must then
//! fail. (The busy work is a counted loop, calibrated at the start: reading
//! the clock to wait would itself cost tens of nanoseconds.)

mod common;

use std::hint::black_box;
use std::time::Instant;

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::Aes128;
use common::dudect::{env, max_abs_t, median, Rng};
use ring::hmac;
use sanstls::internals::codec::enums::{ContentType, ProtocolVersion};
use sanstls::internals::record::cbc::CbcDecrypter;
use sanstls::suites::{CbcCipher, CbcKind, MacKind};

/// Bytes after the IV in the long records, and in the short ones.
const LONG: usize = 1024;
const SHORT: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Baseline,
    MaxPadding,
    BadPadFirst,
    BadPadLast,
    Baseline256,
    PadTooLong,
}

const CLASSES: [Class; 6] = [
    Class::Baseline,
    Class::MaxPadding,
    Class::BadPadFirst,
    Class::BadPadLast,
    Class::Baseline256,
    Class::PadTooLong,
];

/// Each class and the baseline it is compared with.
const COMPARE: [(Class, Class); 4] = [
    (Class::MaxPadding, Class::Baseline),
    (Class::BadPadFirst, Class::Baseline),
    (Class::BadPadLast, Class::Baseline),
    (Class::PadTooLong, Class::Baseline256),
];

const KEY: [u8; 16] = [0x42; 16];
const TYP: ContentType = ContentType::APPLICATION_DATA;
const V12: ProtocolVersion = ProtocolVersion::TLSV1_2;

fn mac_key(mac: MacKind) -> Vec<u8> {
    vec![0x17; mac.len()]
}

/// HMAC of sequence number 0's header and `data` (RFC 5246 §6.2.3.1).
fn record_mac(mac: MacKind, data: &[u8]) -> Vec<u8> {
    let alg = match mac {
        MacKind::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        MacKind::Sha256 => hmac::HMAC_SHA256,
        MacKind::Sha384 => hmac::HMAC_SHA384,
    };
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(alg, &mac_key(mac)));
    ctx.update(&0u64.to_be_bytes());
    ctx.update(&[TYP.0, 3, 3]);
    ctx.update(&(data.len() as u16).to_be_bytes());
    ctx.update(data);
    ctx.sign().as_ref().to_vec()
}

/// The payload (IV ‖ ciphertext) of a record of `class`, random but for
/// its padding; the MAC is wrong unless `right_mac` (used to check that
/// each class is what it says).
fn record(class: Class, mac: MacKind, right_mac: bool, rng: &mut Rng) -> Vec<u8> {
    let mac_len = mac.len();
    let (len, pad) = match class {
        Class::Baseline => (LONG, 0),
        Class::Baseline256 => (SHORT, 0),
        Class::PadTooLong => (SHORT, 255),
        _ => (LONG, 255),
    };
    let mut body = vec![0u8; len];
    rng.fill(&mut body);
    // plaintext ‖ MAC ‖ padding, the padding `pad + 1` bytes of `pad`
    // (for `PadTooLong` they overlap the MAC: the record cannot hold them).
    let data_len = len.saturating_sub(pad + 1 + mac_len);
    let m = record_mac(mac, &body[..data_len]);
    body[data_len..data_len + mac_len].copy_from_slice(&m);
    if !right_mac {
        body[data_len + rng.next() as usize % mac_len] ^= 1 << (rng.next() % 8);
    }
    body[len - pad - 1..].fill(pad as u8);
    match class {
        Class::BadPadFirst => body[len - pad - 1] ^= 1 + (rng.next() % 255) as u8,
        Class::BadPadLast => body[len - 2] ^= 1 + (rng.next() % 255) as u8,
        _ => {}
    }
    // AES-128-CBC, block by block, under a random IV.
    let aes = Aes128::new(&KEY.into());
    let mut iv = [0u8; 16];
    rng.fill(&mut iv);
    let mut prev = iv;
    for block in body.chunks_exact_mut(16) {
        let mut b: [u8; 16] = block.try_into().unwrap();
        b.iter_mut().zip(prev).for_each(|(x, p)| *x ^= p);
        let mut b = b.into();
        aes.encrypt_block(&mut b);
        prev = b.into();
        block.copy_from_slice(&prev);
    }
    [&iv[..], &body].concat()
}

/// `n` turns of a loop the compiler cannot remove.
fn spin(n: u64) {
    for i in 0..n {
        black_box(i);
    }
}

/// Turns of [`spin`] per nanosecond, measured.
fn spins_per_ns() -> f64 {
    let n = 50_000_000;
    let start = Instant::now();
    spin(n);
    n as f64 / start.elapsed().as_nanos() as f64
}

/// Times `samples` openings for one MAC and returns the largest |t|.
/// `planted`: turns of [`spin`] added to every open outside the baselines.
fn measure(mac: MacKind, samples: usize, planted: u64) -> f64 {
    let kind = CbcKind {
        cipher: CbcCipher::Aes128,
        mac,
    };
    let decrypter = || CbcDecrypter::new(kind, &KEY, &mac_key(mac), false).unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_9876 ^ mac.len() as u64);

    // Each class is what it says: with the right MAC, the valid paddings
    // open and the invalid ones do not.
    for class in CLASSES {
        let mut d = decrypter();
        let mut p = record(class, mac, true, &mut rng);
        let valid = matches!(
            class,
            Class::Baseline | Class::Baseline256 | Class::MaxPadding
        );
        assert_eq!(
            d.open_in_place(TYP, V12, &mut p).is_ok(),
            valid,
            "{class:?}"
        );
    }
    let mut d = decrypter();

    let per_batch = 1000;
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); CLASSES.len()];
    let mut work = vec![0u8; 16 + LONG];
    let mut done = 0;
    while done < samples {
        let batch: Vec<(usize, Vec<u8>)> = (0..per_batch)
            .map(|_| {
                let c = (rng.next() % CLASSES.len() as u64) as usize;
                (c, record(CLASSES[c], mac, false, &mut rng))
            })
            .collect();
        for (c, rec) in &batch {
            let buf = &mut work[..rec.len()];
            buf.copy_from_slice(rec);
            let plant = !matches!(CLASSES[*c], Class::Baseline | Class::Baseline256);
            let start = Instant::now();
            let r = d.open_in_place(TYP, V12, buf).is_err();
            if plant && planted != 0 {
                spin(planted);
            }
            let elapsed = start.elapsed();
            assert!(black_box(r));
            times[*c].push(elapsed.as_nanos() as f64);
        }
        done += per_batch;
    }

    println!("AES-128-CBC, HMAC-{mac:?}, MAC-then-encrypt, {done} opens in all");
    for (c, class) in CLASSES.iter().enumerate() {
        let len = if matches!(class, Class::Baseline256 | Class::PadTooLong) {
            SHORT
        } else {
            LONG
        };
        let against = COMPARE.iter().find(|(x, _)| x == class);
        let t = match against {
            Some((_, base)) => {
                let b = CLASSES.iter().position(|x| x == base).unwrap();
                let (t, pct) = max_abs_t(&times[b], &times[c]);
                format!(
                    ", max |t| = {t:.2} against {base:?} (cropped at {:.0}%)",
                    pct * 100.0
                )
            }
            None => String::new(),
        };
        println!(
            "  {class:?} ({len} B): {} samples, median {:.0} ns{t}",
            times[c].len(),
            median(&times[c]),
        );
    }
    COMPARE
        .iter()
        .map(|(x, base)| {
            let i = CLASSES.iter().position(|c| c == x).unwrap();
            let b = CLASSES.iter().position(|c| c == base).unwrap();
            max_abs_t(&times[b], &times[i]).0
        })
        .fold(0.0, f64::max)
}

#[test]
#[ignore = "statistical timing test, run by hand in release mode"]
fn cbc_record_open_time_does_not_depend_on_the_padding() {
    let samples = env("SANSTLS_TIMING_SAMPLES", 60_000) as usize;
    // A planted leak, to show the test's power (see the module comment).
    let inject_ns = env("SANSTLS_TIMING_INJECT_NS", 0);
    let planted = (inject_ns as f64 * spins_per_ns()).round() as u64;
    if inject_ns != 0 {
        println!(
            "(a planted leak: {inject_ns} ns ({planted} loop turns) more for every open outside the baselines)"
        );
    }
    let mut worst = 0.0f64;
    for mac in [MacKind::Sha1, MacKind::Sha256] {
        worst = worst.max(measure(mac, samples, planted));
    }
    println!("largest |t| over all classes: {worst:.2} (a leak shows as |t| > 4.5)");
    assert!(worst < 4.5, "opening time depends on the padding");
}
