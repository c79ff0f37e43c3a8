//! The client's cache of verified chains (`WebPkiServerVerifier` with the
//! `std` feature), in real handshakes: a repeat handshake takes the chain
//! from the cache instead of verifying it; another chain, name, verifier,
//! a time outside the chain's validity or past the maximum age verifies
//! again; failures are never kept; the bound evicts; and the
//! ServerKeyExchange signature is checked on a cached chain all the same.
//!
//! The verifier's own counters tell a verification (a miss) from a cache
//! hit. The client keeps no sessions here, so every handshake is a full
//! one and asks the verifier.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::wire::{edit_body, expect_client_fails, server_flight, SERVER_KEY_EXCHANGE};
use common::{KeyType, Pair, Pki};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use sanstls::config::{CertifiedKey, SigningKey, SingleCert, TimeSource};
use sanstls::internals::codec::enums::AlertDescription;
use sanstls::pki_types::UnixTime;
use sanstls::verify::{ChainCacheConfig, ChainCacheStats, RootCertStore, WebPkiServerVerifier};
use sanstls::{CertificateError, ClientConfig, Error, ServerConfig};

/// 2025-01-01, 2028-01-01 and 2029-01-01, 00:00:00 UTC.
const Y2025: u64 = 1_735_689_600;
const Y2028: u64 = 1_830_297_600;
const Y2029: u64 = 1_861_920_000;

/// A clock the test sets.
#[derive(Debug, Default)]
struct Clock(AtomicU64);

impl Clock {
    fn set(&self, secs: u64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl TimeSource for Clock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.0.load(Ordering::SeqCst)))
    }
}

/// A client of `verifier` that keeps no sessions (every handshake is full),
/// on `clock`.
fn client(verifier: &Arc<WebPkiServerVerifier>, clock: &Arc<Clock>) -> ClientConfig {
    let mut cc = ClientConfig::with_verifier(verifier.clone());
    cc.session_store = None;
    cc.time = clock.clone();
    cc
}

fn verifier(roots: RootCertStore, config: ChainCacheConfig) -> Arc<WebPkiServerVerifier> {
    Arc::new(WebPkiServerVerifier::with_chain_cache(
        Arc::new(roots),
        Some(config),
    ))
}

/// The client's verdict on one full handshake with `server` as `name`.
fn handshake(client: &ClientConfig, server: &ServerConfig, name: &str) -> Result<(), Error> {
    Pair::with_name(client.clone(), server.clone(), name)
        .handshake()
        .0
}

fn stats(v: &WebPkiServerVerifier) -> (u64, u64, usize) {
    let s = v.chain_cache_stats().expect("a cache");
    (s.hits, s.misses, s.entries)
}

/// A clock at 2025-01-01 and a verifier with the default bounds for `pki`.
fn setup(pki: &Pki) -> (Arc<WebPkiServerVerifier>, Arc<Clock>) {
    let clock = Arc::new(Clock::default());
    clock.set(Y2025);
    (verifier(pki.roots(), ChainCacheConfig::default()), clock)
}

#[test]
fn a_repeat_handshake_takes_the_chain_from_the_cache() {
    let pki = Pki::new(KeyType::P256);
    let (v, clock) = setup(&pki);
    let cc = client(&v, &clock);
    assert_eq!(stats(&v), (0, 0, 0));
    for _ in 0..3 {
        handshake(&cc, &pki.server_config(), "localhost").unwrap();
    }
    // One verification, then two hits.
    assert_eq!(stats(&v), (2, 1, 1));
    // Another config over the same verifier shares its cache.
    let other = client(&v, &clock);
    handshake(&other, &pki.server_config(), "localhost").unwrap();
    assert_eq!(stats(&v), (3, 1, 1));
    // The connection still reports the chain the server sent.
    let mut p = Pair::new(cc, pki.server_config());
    p.expect_handshake();
    assert_eq!(
        p.client.negotiated().unwrap().peer_certificates,
        pki.chain.clone()
    );
    assert_eq!(stats(&v), (4, 1, 1));
}

#[test]
fn another_chain_name_or_verifier_is_verified() {
    let pki = Pki::new(KeyType::P256);
    let (v, clock) = setup(&pki);
    let cc = client(&v, &clock);
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    assert_eq!(stats(&v), (0, 1, 1));

    // The same certificate for another of its names: DNS or IP.
    handshake(&cc, &pki.server_config(), "127.0.0.1").unwrap();
    assert_eq!(stats(&v), (0, 2, 2));

    // Another leaf of the same CA for the same name.
    let (leaf, key) = common::leaf(&pki.ca, KeyType::P256, &["localhost"], |_| {});
    let other_leaf = ServerConfig::new(vec![leaf], &key).unwrap();
    handshake(&cc, &other_leaf, "localhost").unwrap();
    assert_eq!(stats(&v), (0, 3, 3));

    // The same leaf with a certificate more after it (here the CA itself,
    // which the path does not need): the chain as sent differs.
    let longer =
        ServerConfig::new(vec![pki.chain[0].clone(), pki.ca_der.clone()], &pki.key).unwrap();
    handshake(&cc, &longer, "localhost").unwrap();
    assert_eq!(stats(&v), (0, 4, 4));

    // Each of them again: all four from the cache.
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    handshake(&cc, &pki.server_config(), "127.0.0.1").unwrap();
    handshake(&cc, &other_leaf, "localhost").unwrap();
    handshake(&cc, &longer, "localhost").unwrap();
    assert_eq!(stats(&v), (4, 4, 4));

    // Another verifier, even over the same roots, has a cache of its own.
    let (v2, _) = setup(&pki);
    handshake(&client(&v2, &clock), &pki.server_config(), "localhost").unwrap();
    assert_eq!(stats(&v2), (0, 1, 1));
    assert_eq!(stats(&v), (4, 4, 4));
}

/// A CA, an intermediate valid 2020–2028 and a leaf valid 2020–2030 for
/// "localhost", and the server presenting leaf and intermediate.
fn chain_with_short_intermediate() -> (RootCertStore, ServerConfig) {
    let root = common::ca("chain cache root");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "chain cache intermediate");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2028, 1, 1);
    let inter = CertifiedIssuer::signed_by(params, KeyPair::generate().unwrap(), &root).unwrap();
    let (leaf, key) = common::leaf(&inter, KeyType::P256, &["localhost"], |p| {
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2030, 1, 1);
    });
    let mut roots = RootCertStore::new();
    roots.add(root.der().clone()).unwrap();
    let server = ServerConfig::new(vec![leaf, inter.der().clone()], &key).unwrap();
    (roots, server)
}

#[test]
fn a_time_outside_any_certificate_s_validity_is_verified_and_refused() {
    let (roots, server) = chain_with_short_intermediate();
    // A maximum age of a century: only the validity periods decide here.
    let mut config = ChainCacheConfig::default();
    config.max_age = Duration::from_secs(100 * 365 * 86_400);
    let v = verifier(roots, config);
    let clock = Arc::new(Clock::default());
    let cc = client(&v, &clock);

    clock.set(Y2025);
    handshake(&cc, &server, "localhost").unwrap();
    clock.set(Y2028);
    // The last second of the intermediate's period is still inside.
    handshake(&cc, &server, "localhost").unwrap();
    assert_eq!(stats(&v), (1, 1, 1));

    // A second later the intermediate has expired, though the leaf has not:
    // the entry is not used, and the verification refuses the chain.
    clock.set(Y2028 + 1);
    let expired = Err(Error::InvalidCertificate(CertificateError::Expired {
        now: UnixTime::since_unix_epoch(Duration::from_secs(Y2028 + 1)),
        not_after: UnixTime::since_unix_epoch(Duration::from_secs(Y2028)),
    }));
    assert_eq!(handshake(&cc, &server, "localhost"), expired);
    assert_eq!(stats(&v), (1, 2, 0));
    clock.set(Y2029);
    assert!(matches!(
        handshake(&cc, &server, "localhost"),
        Err(Error::InvalidCertificate(CertificateError::Expired { .. }))
    ));
    assert_eq!(stats(&v), (1, 3, 0));

    // Before the periods begin (2019): refused too, and then, back in
    // 2025, verified afresh.
    clock.set(Y2025);
    handshake(&cc, &server, "localhost").unwrap();
    clock.set(1_546_300_800);
    assert!(matches!(
        handshake(&cc, &server, "localhost"),
        Err(Error::InvalidCertificate(
            CertificateError::NotValidYet { .. }
        ))
    ));
    assert_eq!(stats(&v), (1, 5, 0));
}

#[test]
fn a_verdict_older_than_the_maximum_age_is_verified_again() {
    let pki = Pki::new(KeyType::P256);
    let mut config = ChainCacheConfig::default();
    config.max_age = Duration::from_secs(60);
    let v = verifier(pki.roots(), config);
    let clock = Arc::new(Clock::default());
    let cc = client(&v, &clock);
    let go = |secs: u64| {
        clock.set(secs);
        handshake(&cc, &pki.server_config(), "localhost").unwrap();
        stats(&v)
    };
    assert_eq!(go(Y2025), (0, 1, 1));
    assert_eq!(go(Y2025 + 60), (1, 1, 1));
    // 61 s after the verification: verified again, and kept from then.
    assert_eq!(go(Y2025 + 61), (1, 2, 1));
    assert_eq!(go(Y2025 + 121), (2, 2, 1));
    // A clock set back by more than the maximum age: verified again too.
    assert_eq!(go(Y2025), (2, 3, 1));
    // The default is an hour.
    assert_eq!(
        ChainCacheConfig::default().max_age,
        Duration::from_secs(3_600)
    );
}

#[test]
fn failures_are_never_cached() {
    let pki = Pki::new(KeyType::P256);
    let (v, clock) = setup(&pki);
    let cc = client(&v, &clock);
    // A name the certificate does not hold, twice: two verifications.
    for n in 1..=2 {
        assert!(matches!(
            handshake(&cc, &pki.server_config(), "example.com"),
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName { .. }
            ))
        ));
        assert_eq!(stats(&v), (0, n, 0));
    }
    // A CA the verifier does not trust, twice.
    let stranger_ca = common::ca("a CA the verifier does not trust");
    let (leaf, key) = common::leaf(&stranger_ca, KeyType::P256, &["localhost"], |_| {});
    let stranger = ServerConfig::new(vec![leaf], &key).unwrap();
    for n in 3..=4 {
        assert_eq!(
            handshake(&cc, &stranger, "localhost"),
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        );
        assert_eq!(stats(&v), (0, n, 0));
    }
    // The good chain is kept, and a failure for another name leaves it.
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    assert!(handshake(&cc, &pki.server_config(), "example.com").is_err());
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    assert_eq!(stats(&v), (1, 6, 1));
}

#[test]
fn the_bound_evicts_the_least_recently_used() {
    let pki = Pki::new(KeyType::P256);
    let mut config = ChainCacheConfig::default();
    config.max_entries = 2;
    let v = verifier(pki.roots(), config);
    let clock = Arc::new(Clock::default());
    clock.set(Y2025);
    let cc = client(&v, &clock);
    let server = |_| {
        let (leaf, key) = common::leaf(&pki.ca, KeyType::P256, &["localhost"], |_| {});
        ServerConfig::new(vec![leaf], &key).unwrap()
    };
    let [a, b, c] = [0, 1, 2].map(server);
    for s in [&a, &b, &c] {
        handshake(&cc, s, "localhost").unwrap();
    }
    // a, the oldest, made room for c.
    assert_eq!(stats(&v), (0, 3, 2));
    handshake(&cc, &c, "localhost").unwrap();
    assert_eq!(stats(&v), (1, 3, 2));
    // a again is verified, and b, now the least recently used, goes.
    handshake(&cc, &a, "localhost").unwrap();
    assert_eq!(stats(&v), (1, 4, 2));
    handshake(&cc, &c, "localhost").unwrap();
    handshake(&cc, &a, "localhost").unwrap();
    assert_eq!(stats(&v), (3, 4, 2));
    handshake(&cc, &b, "localhost").unwrap();
    assert_eq!(stats(&v), (3, 5, 2));
}

#[test]
fn a_forged_server_key_exchange_fails_on_a_cached_chain() {
    let pki = Pki::new(KeyType::P256);
    let (v, clock) = setup(&pki);
    let cc = client(&v, &clock);
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    assert_eq!(stats(&v), (0, 1, 1));
    // The same server, its ServerKeyExchange signature altered in flight.
    let mut p = Pair::new(cc.clone(), pki.server_config());
    server_flight(&mut p);
    edit_body(&mut p.to_client, SERVER_KEY_EXCHANGE, |b| {
        let n = b.len();
        b[n - 3] ^= 1;
    });
    expect_client_fails(&mut p, Error::BadSignature, AlertDescription::DECRYPT_ERROR);
    // The chain came from the cache; the signature was checked anyway.
    assert_eq!(stats(&v), (1, 1, 1));
}

#[test]
fn a_server_with_the_cached_chain_but_another_key_fails() {
    let pki = Pki::new(KeyType::P256);
    let (v, clock) = setup(&pki);
    let cc = client(&v, &clock);
    handshake(&cc, &pki.server_config(), "localhost").unwrap();
    // An impostor replays the real server's chain and signs with its own
    // key (CertifiedKey's fields are not checked against each other).
    let impostor_key = common::key_der(&KeyType::P256.key_pair());
    let impostor = ServerConfig::with_resolver(Arc::new(SingleCert(Arc::new(CertifiedKey {
        chain: pki.chain.clone(),
        key: SigningKey::from_der(&impostor_key).unwrap(),
    }))));
    let mut p = Pair::new(cc, impostor);
    expect_client_fails(&mut p, Error::BadSignature, AlertDescription::DECRYPT_ERROR);
    assert_eq!(stats(&v), (1, 1, 1));
}

#[test]
fn without_a_cache_every_chain_is_verified() {
    let pki = Pki::new(KeyType::P256);
    let roots = Arc::new(pki.roots());
    let off = WebPkiServerVerifier::with_chain_cache(roots.clone(), None);
    assert_eq!(off.chain_cache_stats(), None);
    let mut config = ChainCacheConfig::default();
    config.max_entries = 0;
    let empty = WebPkiServerVerifier::with_chain_cache(roots.clone(), Some(config));
    assert_eq!(empty.chain_cache_stats(), None);
    // Handshakes go on as before.
    let mut cc = ClientConfig::with_verifier(Arc::new(off));
    cc.session_store = None;
    for _ in 0..2 {
        handshake(&cc, &pki.server_config(), "localhost").unwrap();
    }
    // The default verifier has one, with the default bounds.
    let default = WebPkiServerVerifier::new(roots);
    assert_eq!(
        default.chain_cache_stats(),
        Some(ChainCacheStats::default())
    );
    assert_eq!(
        ChainCacheConfig::default().max_entries,
        sanstls::limits::DEFAULT_CHAIN_CACHE_ENTRIES
    );
}

#[test]
fn connections_on_many_threads_share_the_cache() {
    let pki = Arc::new(Pki::new(KeyType::P256));
    let (v, clock) = setup(&pki);
    let cc = Arc::new(client(&v, &clock));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (pki, cc) = (pki.clone(), cc.clone());
            std::thread::spawn(move || {
                for _ in 0..5 {
                    handshake(&cc, &pki.server_config(), "localhost").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (hits, misses, entries) = stats(&v);
    // Threads that missed at once each verified; every other handshake hit.
    assert_eq!(hits + misses, 20);
    assert!((1..=4).contains(&misses), "{misses} misses");
    assert_eq!(entries, 1);
}
