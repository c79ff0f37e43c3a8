//! Handshakes per second, sanstls beside rustls in the same run: full
//! handshakes for three suite/key combinations, with and without chain
//! verification, and resumed handshakes by session ID and by ticket. Client
//! and server run in memory on one thread; the figure is their CPU together.
//!
//! Full handshakes with chain verification come twice for sanstls:
//! `verify`, every chain verified (the verifier's cache of verified chains
//! turned off), and `cached`, repeat full handshakes with the same server
//! as the default configuration makes them, the chain verified once and
//! then taken from the cache (the ServerKeyExchange signature is still
//! verified each time). rustls has no such cache: its `verify` is the
//! figure to compare both with.
//!
//! `repeat_full_interleaved` runs the three of the first case (and of the
//! others) in turn, handshake by handshake, and prints their ratios: the
//! steadier comparison on a shared machine.
//!
//! `cargo bench --bench handshake` (one group: `-- full_handshake`)

mod common;

use std::sync::Arc;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion};
use rustls::client::Resumption;
use sanstls::enums::NamedGroup;
use sanstls::verify::{RootCertStore, WebPkiServerVerifier};

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

/// A verifier of `pki`'s chains without the cache of verified chains.
fn uncached_verifier(pki: &Pki) -> WebPkiServerVerifier {
    let mut roots = RootCertStore::new();
    roots.add(pki.ca.clone()).unwrap();
    WebPkiServerVerifier::with_chain_cache(Arc::new(roots), None)
}

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
            let cached = verify_chain.then(|| Arc::new(sc.clone()));
            if verify_chain {
                sc.verifier = Arc::new(uncached_verifier(&pki));
            }
            let (sc, ss) = (Arc::new(sc), Arc::new(ss));
            let mut wire = Vec::new();
            g.bench_function(format!("sanstls/{name}/{label}"), |b| {
                b.iter(|| sanstls_handshake(&sc, &ss, &mut wire))
            });
            // The default client: the chain verified by the first handshake
            // (here, before timing) and taken from the cache by the rest.
            if let Some(sc) = cached {
                sanstls_handshake(&sc, &ss, &mut wire);
                g.bench_function(format!("sanstls/{name}/cached"), |b| {
                    b.iter(|| sanstls_handshake(&sc, &ss, &mut wire))
                });
            }

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

/// The SHA-256 of `pki`'s chain and the name "localhost", as the cache's
/// key is made: what a client that takes the chain from a cache cannot do
/// without (a lookup needs the key).
fn chain_digest(pki: &Pki) {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(b"localhost");
    for cert in &pki.chain {
        h.update(cert);
    }
    std::hint::black_box(h.finish());
}

/// The bound: the cryptography alone of one ECDHE-ECDSA handshake, with
/// and without one chain verification, and with the chain's digest in
/// place of its verification (the bound of a repeat handshake whose chain
/// comes from a cache).
fn crypto_only(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto_only");
    let pki = Pki::new(Key::EcdsaP256);
    let crypto = CryptoOnly::new(&pki);
    // Every chain verified: the cache would make this a lookup.
    let verifier = uncached_verifier(&pki);
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
    g.bench_function("ecdsa_p256_x25519/cached+symmetric", |b| {
        b.iter(|| {
            crypto.run();
            chain_digest(&pki);
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

/// Repeat full handshakes with chain verification on, the three ways in
/// turn, a few handshakes each (about 1 ms), so that all three meet the
/// same load (the machine is shared, and a run of `full` can see a build
/// start between two of its figures): sanstls taking the chain from the
/// cache (the figure criterion reports), sanstls verifying every chain,
/// and rustls (which always verifies). Each turn begins with one untimed
/// handshake, so that the caches are as warm as in `full`'s loops. The
/// sums go to a line of ratios printed after the group's figure.
fn interleaved(c: &mut Criterion) {
    /// Handshakes timed per library per turn, after one untimed.
    const TURN: u64 = 4;
    use std::cell::RefCell;
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    let mut g = c.benchmark_group("repeat_full_interleaved");
    for (name, key, case) in CASES {
        let pki = Pki::new(*key);
        let (mut cached, ss) = sanstls_configs(&pki, *case);
        cached.session_store = None;
        let mut uncached = cached.clone();
        uncached.verifier = Arc::new(uncached_verifier(&pki));
        let (cached, uncached, ss) = (Arc::new(cached), Arc::new(uncached), Arc::new(ss));
        let (mut rc, rs) = rustls_configs(&pki, *case);
        rc.resumption = Resumption::disabled();
        let (rc, rs) = (Arc::new(rc), Arc::new(rs));
        let mut wire = Vec::new();
        sanstls_handshake(&cached, &ss, &mut wire);

        // Per sample: (handshakes, sanstls cached, sanstls verifying, rustls).
        let samples = RefCell::new(Vec::<(u64, Duration, Duration, Duration)>::new());
        g.bench_function(format!("{name}/sanstls_cached"), |b| {
            b.iter_custom(|iters| {
                let mut t = [Duration::ZERO; 3];
                let mut done = 0;
                while done < iters {
                    let batch = (iters - done).min(TURN);
                    // Each turn starts with one handshake untimed, so that
                    // none is timed right after the others' code ran.
                    for (i, t) in t.iter_mut().enumerate() {
                        let one = |wire: &mut Vec<u8>| match i {
                            0 => drop(black_box(sanstls_handshake(&cached, &ss, wire))),
                            1 => drop(black_box(sanstls_handshake(&uncached, &ss, wire))),
                            _ => drop(black_box(rustls_handshake(&rc, &rs, wire))),
                        };
                        one(&mut wire);
                        let start = Instant::now();
                        for _ in 0..batch {
                            one(&mut wire);
                        }
                        *t += start.elapsed();
                    }
                    done += batch;
                }
                samples.borrow_mut().push((iters, t[0], t[1], t[2]));
                t[0]
            })
        });
        let samples = samples.into_inner();
        if samples.is_empty() {
            continue; // filtered out
        }
        let n: u64 = samples.iter().map(|s| s.0).sum();
        let mean = |f: fn(&(u64, Duration, Duration, Duration)) -> Duration| {
            samples.iter().map(f).sum::<Duration>().as_secs_f64() * 1e6 / n as f64
        };
        let (c, v, r) = (mean(|s| s.1), mean(|s| s.2), mean(|s| s.3));
        // Each sample's ratio rustls / sanstls cached, for their spread.
        let mut ratios: Vec<f64> = samples
            .iter()
            .map(|s| s.3.as_secs_f64() / s.1.as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "{name}: {n} handshakes each, in turn; means: sanstls cached {c:.1} µs, \
             sanstls verifying {v:.1} µs, rustls {r:.1} µs; rustls / sanstls cached \
             {:.3} (samples: median {:.3}, {:.3}..{:.3}), rustls / sanstls verifying {:.3}",
            r / c,
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            r / v,
        );
    }
    g.finish();
}

/// One server chain (ECDSA P-256 leaf, P-256 CA), as the client's verifier
/// sees it: verified in full, and taken from the cache.
fn verify_chain(c: &mut Criterion) {
    use sanstls::verify::ServerCertVerifier;
    let mut g = c.benchmark_group("verify_chain");
    let pki = Pki::new(Key::EcdsaP256);
    let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
    let now = sanstls::pki_types::UnixTime::now();
    let uncached = uncached_verifier(&pki);
    let mut roots = RootCertStore::new();
    roots.add(pki.ca.clone()).unwrap();
    let cached = WebPkiServerVerifier::new(Arc::new(roots));
    for (label, v) in [("in_full", &uncached), ("cache_hit", &cached)] {
        v.verify_server_cert(&pki.chain[0], &[], &name, now)
            .unwrap();
        g.bench_function(label, |b| {
            b.iter(|| v.verify_server_cert(&pki.chain[0], &[], &name, now))
        });
    }
    assert_eq!(cached.chain_cache_stats().unwrap().misses, 1);
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = crypto_only, full, interleaved, verify_chain, resumed
}
criterion_main!(benches);
