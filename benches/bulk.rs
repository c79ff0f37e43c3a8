//! Bulk transfer, client → server, 16 KiB application writes: encrypt on one
//! side and decrypt on the other, sanstls beside rustls in the same run, and
//! ring's own AEAD seal+open over a buffer of the same size as the ceiling.
//!
//! `cargo bench --bench bulk`

mod common;

use std::sync::Arc;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::aead::{LessSafeKey, UnboundKey};
use sanstls::enums::NamedGroup;

const RECORD: usize = 16 * 1024;

const SUITES: &[(&str, &str, &ring::aead::Algorithm)] = &[
    (
        "aes128gcm",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        &ring::aead::AES_128_GCM,
    ),
    (
        "aes256gcm",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        &ring::aead::AES_256_GCM,
    ),
    (
        "chacha20",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        &ring::aead::CHACHA20_POLY1305,
    ),
];

fn bulk(c: &mut Criterion) {
    let pki = Pki::new(Key::EcdsaP256);
    let data = vec![0x5a; RECORD];
    let mut g = c.benchmark_group("bulk_16k");
    g.throughput(Throughput::Bytes(RECORD as u64));
    for (name, suite, alg) in SUITES {
        let case = Case {
            suite,
            group: NamedGroup::X25519,
            verify_chain: false,
        };

        // The ceiling: ring seal + open in place over one record's bytes.
        let key_bytes = vec![7u8; alg.key_len()];
        let key = LessSafeKey::new(UnboundKey::new(alg, &key_bytes).unwrap());
        let mut buf = data.clone();
        let mut seq = 0u64;
        g.bench_function(format!("ring_seal_open/{name}"), |b| {
            b.iter(|| {
                seq += 1;
                ring_seal_open(&key, &mut buf, seq)
            })
        });

        let (sc, ss) = sanstls_configs(&pki, case);
        let (sc, ss) = (Arc::new(sc), Arc::new(ss));
        let mut wire = Vec::with_capacity(2 * RECORD);
        let (mut client, mut server) = sanstls_handshake(&sc, &ss, &mut wire);
        // Read out like rustls's `read_exact`: the same work on both sides.
        let mut plain = vec![0u8; RECORD];
        g.bench_function(format!("sanstls/{name}"), |b| {
            b.iter(|| sanstls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain))
        });

        // Zero-copy: the plaintext sits in the record buffer; seal it there,
        // decrypt it there, and seal it again, like the ring ceiling above.
        let (prefix, suffix) = client.in_place_layout().unwrap();
        let mut record = vec![0x5a; prefix + RECORD + suffix];
        g.bench_function(format!("sanstls_in_place/{name}"), |b| {
            b.iter(|| {
                let n = client.seal_in_place(&mut record, RECORD).unwrap();
                let input = server.handle_input(&mut record[..n]).unwrap();
                assert_eq!(input.data.map(|d| d.len()), Some(RECORD));
            })
        });

        let (rc, rs) = rustls_configs(&pki, case);
        let (rc, rs) = (Arc::new(rc), Arc::new(rs));
        let (mut client, mut server) = rustls_handshake(&rc, &rs, &mut wire);
        let mut plain = vec![0u8; RECORD];
        g.bench_function(format!("rustls/{name}"), |b| {
            b.iter(|| rustls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bulk
}
criterion_main!(benches);
