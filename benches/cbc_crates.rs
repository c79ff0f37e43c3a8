//! Raw throughput of the primitives the CBC suites are built on, over one
//! full record (16 KiB), to justify the choice of crates by measurement:
//! AES-CBC from the `aes`/`cbc` crates; HMAC from ring beside ours
//! (`record/cbc_mac.rs`, over the `sha1`/`sha2` compression functions),
//! both the streaming one and the constant-time MAC-then-encrypt one; the
//! plain hashes of ring and of the `sha1`/`sha2` crates beside each other;
//! whole CBC records; and ring's AES-128-GCM seal for reference.
//!
//! `cargo bench --bench cbc_crates`

use std::hint::black_box;
use std::time::Duration;

use aes::cipher::array::Array;
use aes::cipher::typenum::U16;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use ring::{digest, hmac};
use sanstls::internals::codec::enums::{ContentType, ProtocolVersion};
use sanstls::internals::record::cbc::{CbcDecrypter, CbcEncrypter};
use sanstls::internals::record::cbc_mac::{RecordMac, MAX_MAC_LEN};
use sanstls::suites::{CbcCipher, CbcKind, MacKind};
use sha2::Digest;

const RECORD: usize = 16 * 1024;

fn blocks(buf: &mut [u8]) -> &mut [Array<u8, U16>] {
    Array::<u8, U16>::slice_as_chunks_mut(buf).0
}

fn aes_cbc(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let mut buf = vec![0x5a; RECORD];
    let iv = [3u8; 16];
    let k16 = [7u8; 16];
    let k32 = [7u8; 32];
    g.bench_function("aes128_cbc_encrypt", |b| {
        b.iter(|| {
            cbc::Encryptor::<aes::Aes128Enc>::new(&k16.into(), &iv.into())
                .encrypt_blocks(blocks(black_box(&mut buf)))
        })
    });
    g.bench_function("aes128_cbc_decrypt", |b| {
        b.iter(|| {
            cbc::Decryptor::<aes::Aes128Dec>::new(&k16.into(), &iv.into())
                .decrypt_blocks(blocks(black_box(&mut buf)))
        })
    });
    g.bench_function("aes256_cbc_encrypt", |b| {
        b.iter(|| {
            cbc::Encryptor::<aes::Aes256Enc>::new(&k32.into(), &iv.into())
                .encrypt_blocks(blocks(black_box(&mut buf)))
        })
    });
    g.bench_function("aes256_cbc_decrypt", |b| {
        b.iter(|| {
            cbc::Decryptor::<aes::Aes256Dec>::new(&k32.into(), &iv.into())
                .decrypt_blocks(blocks(black_box(&mut buf)))
        })
    });
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &k16).unwrap());
    let mut seq = 0u64;
    g.bench_function("ring_aes128_gcm_seal", |b| {
        b.iter(|| {
            seq += 1;
            let mut n = [0u8; 12];
            n[4..].copy_from_slice(&seq.to_be_bytes());
            key.seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(n),
                Aad::from([0u8; 13]),
                black_box(&mut buf),
            )
            .unwrap()
        })
    });
}

fn macs(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let data = vec![0x5a; RECORD];
    for (name, alg, mac) in [
        ("sha1", hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, MacKind::Sha1),
        ("sha256", hmac::HMAC_SHA256, MacKind::Sha256),
        ("sha384", hmac::HMAC_SHA384, MacKind::Sha384),
    ] {
        let key = hmac::Key::new(alg, &vec![9; mac.len()]);
        g.bench_function(format!("ring_hmac_{name}"), |b| {
            b.iter(|| hmac::sign(&key, black_box(&data)))
        });
        // Ours for public lengths (sending, EtM), over the sha1/sha2 crates.
        let own = RecordMac::new(mac, &vec![9; mac.len()]).unwrap();
        let mut out = [0u8; MAX_MAC_LEN];
        g.bench_function(format!("own_hmac_{name}"), |b| {
            b.iter(|| own.sign(&[0; 13], &[black_box(&data)], &mut out))
        });
        // The MAC-then-encrypt receiver's HMAC: a full record of data, the
        // secret length anywhere in the last 256 bytes.
        let ct = RecordMac::new(mac, &vec![9; mac.len()]).unwrap();
        let mut out = [0u8; MAX_MAC_LEN];
        g.bench_function(format!("ct_hmac_{name}"), |b| {
            b.iter(|| {
                ct.sign_secret_len(
                    &[0; 11],
                    black_box(&data),
                    black_box(RECORD - 100),
                    RECORD - 255,
                    &mut out,
                )
            })
        });
    }
    g.bench_function("ring_sha1", |b| {
        b.iter(|| digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, black_box(&data)))
    });
    g.bench_function("crate_sha1", |b| {
        b.iter(|| sha1::Sha1::digest(black_box(&data)))
    });
    g.bench_function("ring_sha256", |b| {
        b.iter(|| digest::digest(&digest::SHA256, black_box(&data)))
    });
    g.bench_function("crate_sha256", |b| {
        b.iter(|| sha2::Sha256::digest(black_box(&data)))
    });
    g.bench_function("ring_sha384", |b| {
        b.iter(|| digest::digest(&digest::SHA384, black_box(&data)))
    });
    g.bench_function("crate_sha384", |b| {
        b.iter(|| sha2::Sha384::digest(black_box(&data)))
    });
}

fn records(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let data = vec![0x5a; RECORD];
    for (name, mac, etm) in [
        ("mte_aes128_sha1", MacKind::Sha1, false),
        ("etm_aes128_sha256", MacKind::Sha256, true),
    ] {
        let kind = CbcKind {
            cipher: CbcCipher::Aes128,
            mac,
        };
        let (k, m) = ([7u8; 16], vec![9u8; mac.len()]);
        let mut e = CbcEncrypter::new(kind, &k, &m, etm, [1; 16]).unwrap();
        let mut out = Vec::with_capacity(RECORD + 100);
        g.bench_function(format!("seal_{name}"), |b| {
            b.iter(|| {
                out.clear();
                e.seal_record(ContentType::APPLICATION_DATA, black_box(&data), &mut out)
                    .unwrap()
            })
        });
        // Open the same record again and again: a fresh decrypter at
        // sequence number 0 is made outside the timing by iter_batched.
        let mut e = CbcEncrypter::new(kind, &k, &m, etm, [1; 16]).unwrap();
        let mut rec = Vec::new();
        e.seal_record(ContentType::APPLICATION_DATA, &data, &mut rec)
            .unwrap();
        g.bench_function(format!("open_{name}"), |b| {
            b.iter_batched_ref(
                || {
                    let d = CbcDecrypter::new(kind, &k, &m, etm).unwrap();
                    (d, rec[5..].to_vec())
                },
                |(d, p)| {
                    d.open_in_place(ContentType::APPLICATION_DATA, ProtocolVersion::TLSV1_2, p)
                        .map(|x| x.len())
                        .unwrap()
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
}

fn bench(c: &mut Criterion) {
    // The aes crate picks AES-NI (and VAES) at run time on x86_64.
    eprintln!(
        "aes::hardware_accelerated() = {}",
        aes::hardware_accelerated()
    );
    let mut g = c.benchmark_group("cbc_16k");
    g.throughput(Throughput::Bytes(RECORD as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    aes_cbc(&mut g);
    macs(&mut g);
    records(&mut g);
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
