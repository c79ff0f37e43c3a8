//! Handshakes per second, sanstls beside rustls in the same run: full
//! handshakes for three suite/key combinations, with and without chain
//! verification, and resumed handshakes by session ID and by ticket. Client
//! and server run in memory on one thread; the figure is their CPU together.
//!
//! `cargo bench --bench handshake`

mod common;

use std::sync::Arc;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion};
use rustls::client::Resumption;
use sanstls::enums::NamedGroup;

const CASES: &[(&str, Key, Case)] = &[
    (
        "ecdsa_p256_x25519_aes128gcm",
        Key::EcdsaP256,
        Case {
            suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            group: NamedGroup::X25519,
            verify_chain: true,
        },
    ),
    (
        "rsa2048_x25519_aes256gcm",
        Key::Rsa2048,
        Case {
            suite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            group: NamedGroup::X25519,
            verify_chain: true,
        },
    ),
    (
        "ecdsa_p256_x25519_chacha20",
        Key::EcdsaP256,
        Case {
            suite: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            group: NamedGroup::X25519,
            verify_chain: true,
        },
    ),
];

fn full(c: &mut Criterion) {
    let mut g = c.benchmark_group("full_handshake");
    for (name, key, case) in CASES {
        let pki = Pki::new(*key);
        for verify_chain in [true, false] {
            let case = Case {
                verify_chain,
                ..*case
            };
            let label = if verify_chain { "verify" } else { "noverify" };

            let (mut sc, ss) = sanstls_configs(&pki, case);
            sc.session_store = None;
            let (sc, ss) = (Arc::new(sc), Arc::new(ss));
            let mut wire = Vec::new();
            g.bench_function(format!("sanstls/{name}/{label}"), |b| {
                b.iter(|| sanstls_handshake(&sc, &ss, &mut wire))
            });

            let (mut rc, rs) = rustls_configs(&pki, case);
            rc.resumption = Resumption::disabled();
            let (rc, rs) = (Arc::new(rc), Arc::new(rs));
            g.bench_function(format!("rustls/{name}/{label}"), |b| {
                b.iter(|| rustls_handshake(&rc, &rs, &mut wire))
            });
        }
    }
    g.finish();
}

/// The bound: the cryptography alone of one ECDHE-ECDSA handshake, with
/// and without one chain verification.
fn crypto_only(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto_only");
    let pki = Pki::new(Key::EcdsaP256);
    let crypto = CryptoOnly::new(&pki);
    let mut roots = sanstls::verify::RootCertStore::new();
    roots.add(pki.ca.clone()).unwrap();
    let verifier = sanstls::verify::WebPkiServerVerifier::new(Arc::new(roots));
    g.bench_function("ecdsa_p256_x25519/noverify", |b| b.iter(|| crypto.run()));
    g.bench_function("ecdsa_p256_x25519/verify", |b| {
        b.iter(|| {
            crypto.run();
            crypto.verify_chain(&pki, &verifier);
        })
    });
    // Plus the hashing, PRF and record keys, for the same handshake as the
    // first full-handshake case.
    let (sc, ss) = sanstls_configs(&pki, CASES[0].2);
    let symmetric = SymmetricCrypto::new(
        &handshake_messages(&Arc::new(sc), &Arc::new(ss)),
        true,
        false,
    );
    g.bench_function("ecdsa_p256_x25519/noverify+symmetric", |b| {
        b.iter(|| {
            crypto.run();
            symmetric.run();
        })
    });
    g.bench_function("ecdsa_p256_x25519/verify+symmetric", |b| {
        b.iter(|| {
            crypto.run();
            crypto.verify_chain(&pki, &verifier);
            symmetric.run();
        })
    });
    g.finish();
}

fn resumed(c: &mut Criterion) {
    let mut g = c.benchmark_group("resumed_handshake");
    let (_, key, case) = CASES[0];
    let pki = Pki::new(key);
    for by_ticket in [false, true] {
        let label = if by_ticket { "ticket" } else { "session_id" };
        let mut wire = Vec::new();

        let (sc, ss) = sanstls_resumption_configs(&pki, case, by_ticket);
        sanstls_handshake(&sc, &ss, &mut wire);
        g.bench_function(format!("sanstls/{label}"), |b| {
            b.iter(|| {
                let (c, _) = sanstls_handshake(&sc, &ss, &mut wire);
                assert!(c.negotiated().unwrap().resumed);
            })
        });
        let crypto = SymmetricCrypto::new(&handshake_messages(&sc, &ss), false, by_ticket);
        g.bench_function(format!("crypto_only/{label}"), |b| b.iter(|| crypto.run()));

        let (rc, rs) = rustls_resumption_configs(&pki, case, by_ticket);
        rustls_handshake(&rc, &rs, &mut wire);
        g.bench_function(format!("rustls/{label}"), |b| {
            b.iter(|| {
                let (c, _) = rustls_handshake(&rc, &rs, &mut wire);
                assert_eq!(c.handshake_kind(), Some(rustls::HandshakeKind::Resumed));
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = crypto_only, full, resumed
}
criterion_main!(benches);
