//! The client's cache of verified server chains (feature `std`: a mutex
//! shares it between the connections of every thread).
//!
//! Most full handshakes of a client go to a server it has verified before,
//! and verifying the same chain again costs a signature check per
//! certificate. A [`super::WebPkiServerVerifier`] keeps the chains it
//! accepted, and accepts the same chain for the same name again without
//! building the path, for as long as the verdict cannot have changed.
//!
//! What the verdict depends on, and so what an entry is keyed by or bounded
//! by (the argument in full is SECURITY.md's "Verified-chain cache"):
//!
//! - **the chain exactly as sent and the server name**: the key is SHA-256
//!   over a domain-separation label, the name (its kind, length and bytes)
//!   and every certificate's DER with its length, in order;
//! - **the trust anchors and the verification policy**: the cache belongs
//!   to one verifier, whose roots (an immutable `Arc<RootCertStore>`) and
//!   policy (serverAuth, every webpki algorithm, no revocation) are fixed
//!   when it is made; its clones share both, and the cache with them;
//! - **the time**: rustls-webpki looks at the time only to compare it with
//!   the notBefore and notAfter of each certificate it examines, all of
//!   them from the chain sent (trust anchors have no validity period for
//!   it, and no CRLs are given). At any two times inside every
//!   certificate's validity period all those comparisons come out the
//!   same, so the verification runs the same way to the same verdict. An
//!   entry keeps the intersection of the periods (the latest notBefore,
//!   the earliest notAfter, read with x509-cert) and is made only when the
//!   verification time lies inside it; it is used only while the time
//!   does, and only within [`ChainCacheConfig::max_age`] of the
//!   verification, as a second bound.
//!
//! Only successes are kept: a chain that failed is verified again every
//! time. The handshake's own signature (ServerKeyExchange) is no part of
//! the verifier and is checked on every handshake, against the end
//! entity's key, so a cached chain authenticates only a server that holds
//! that key.
//!
//! Entries hold no certificate: a digest and four numbers,
//! [`crate::limits::CHAIN_CACHE_ENTRY_BYTES`] each, in one sorted vector
//! that never grows past [`ChainCacheConfig::max_entries`]; the least
//! recently used entry makes room for a new one.

use alloc::vec::Vec;
use core::time::Duration;
use std::sync::Mutex;

use rustls_pki_types::{CertificateDer, IpAddr, ServerName, UnixTime};

use crate::error::CertificateError;
use crate::limits::DEFAULT_CHAIN_CACHE_ENTRIES;

/// The default [`ChainCacheConfig::max_age`]: one hour.
pub const DEFAULT_CHAIN_CACHE_MAX_AGE: Duration = Duration::from_secs(60 * 60);

/// The bounds of a verifier's cache of verified chains (feature `std`).
/// `ChainCacheConfig::default()` is what
/// [`WebPkiServerVerifier::new`](super::WebPkiServerVerifier::new) uses;
/// [`WebPkiServerVerifier::with_chain_cache`](super::WebPkiServerVerifier::with_chain_cache)
/// takes another, or `None` for no cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainCacheConfig {
    /// Most chains kept (default
    /// [`DEFAULT_CHAIN_CACHE_ENTRIES`], 256); when full,
    /// the least recently used goes. Each takes
    /// [`CHAIN_CACHE_ENTRY_BYTES`](crate::limits::CHAIN_CACHE_ENTRY_BYTES)
    /// (64) bytes, whatever the size of its chain. 0 keeps none: no cache.
    pub max_entries: usize,
    /// Longest a verdict is used, counted from the verification it came
    /// from, either way (a clock set back counts too), even while every
    /// certificate of the chain stays valid (default
    /// [`DEFAULT_CHAIN_CACHE_MAX_AGE`], one hour). Whole seconds: the
    /// time given to verifiers has no finer resolution.
    pub max_age: Duration,
}

impl Default for ChainCacheConfig {
    fn default() -> Self {
        ChainCacheConfig {
            max_entries: DEFAULT_CHAIN_CACHE_ENTRIES,
            max_age: DEFAULT_CHAIN_CACHE_MAX_AGE,
        }
    }
}

/// What a verifier's cache of verified chains has done since it was made
/// (feature `std`), from
/// [`WebPkiServerVerifier::chain_cache_stats`](super::WebPkiServerVerifier::chain_cache_stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChainCacheStats {
    /// Chains accepted from the cache, without verifying them.
    pub hits: u64,
    /// Chains verified in full because the cache had no usable entry for
    /// them, whatever the verdict.
    pub misses: u64,
    /// Chains held now.
    pub entries: usize,
}

/// The times, in seconds since the Unix epoch, at which every certificate
/// of a chain is valid: the latest notBefore to the earliest notAfter,
/// both included, as rustls-webpki compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    not_before: u64,
    not_after: u64,
}

impl Window {
    fn contains(&self, secs: u64) -> bool {
        self.not_before <= secs && secs <= self.not_after
    }
}

/// One verified chain. No certificate bytes: the digest stands for them.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: [u8; 32],
    window: Window,
    /// When the verification ran, in seconds since the epoch.
    verified_at: u64,
    /// The cache's use counter when the entry was last made or used.
    last_used: u64,
}

impl Entry {
    fn usable_at(&self, now: u64, max_age: u64) -> bool {
        self.window.contains(now) && now.abs_diff(self.verified_at) <= max_age
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Sorted by key; its capacity never exceeds the cache's `max_entries`.
    entries: Vec<Entry>,
    /// Counts lookups and insertions, for least-recently-used eviction.
    uses: u64,
    hits: u64,
    misses: u64,
}

/// A verifier's cache of the chains it accepted (see the module docs).
pub(crate) struct ChainCache {
    max_entries: usize,
    /// [`ChainCacheConfig::max_age`] in whole seconds.
    max_age: u64,
    inner: Mutex<Inner>,
}

impl core::fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainCache")
            .field("max_entries", &self.max_entries)
            .field("max_age", &self.max_age)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ChainCache {
    /// A cache with `config`'s bounds; `None` when it would keep nothing.
    pub(crate) fn new(config: ChainCacheConfig) -> Option<Self> {
        (config.max_entries > 0).then(|| ChainCache {
            max_entries: config.max_entries,
            max_age: config.max_age.as_secs(),
            inner: Mutex::new(Inner::default()),
        })
    }

    /// The verdict on the chain `end_entity` + `intermediates` for
    /// `server_name` at `now`: `Ok` from a usable entry, or else whatever
    /// `verify` (the verification in full) says, kept when it is `Ok` and
    /// the chain's validity periods can be read and contain `now`.
    pub(crate) fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
        verify: impl FnOnce() -> Result<(), CertificateError>,
    ) -> Result<(), CertificateError> {
        let now = now.as_secs();
        let Some(key) = chain_key(end_entity, intermediates, server_name) else {
            return verify();
        };
        if self.hit(&key, now) {
            return Ok(());
        }
        verify()?;
        match validity_window(end_entity, intermediates) {
            Some(window) if window.contains(now) => self.insert(Entry {
                key,
                window,
                verified_at: now,
                last_used: 0,
            }),
            // A period x509-cert cannot read, or a chain accepted at a time
            // outside some certificate's period (one the path did not
            // need): the verdict is right now, but nothing says for how
            // long.
            _ => {}
        }
        Ok(())
    }

    /// Whether `key` has an entry usable at `now` (counted as a hit, and
    /// marked used) or not (a miss; an entry no longer usable is dropped).
    /// A poisoned lock is a miss, not counted.
    fn hit(&self, key: &[u8; 32], now: u64) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        inner.uses += 1;
        let uses = inner.uses;
        if let Ok(i) = inner.entries.binary_search_by(|e| e.key.cmp(key)) {
            let entry = &mut inner.entries[i];
            if entry.usable_at(now, self.max_age) {
                entry.last_used = uses;
                inner.hits += 1;
                return true;
            }
            inner.entries.remove(i);
        }
        inner.misses += 1;
        false
    }

    /// Adds `entry` (or refreshes the one of the same key), evicting the
    /// least recently used when full.
    fn insert(&self, mut entry: Entry) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.uses += 1;
        entry.last_used = inner.uses;
        let entries = &mut inner.entries;
        let at = match entries.binary_search_by(|e| e.key.cmp(&entry.key)) {
            Ok(i) => {
                entries[i] = entry;
                return;
            }
            Err(at) => at,
        };
        let mut at = at;
        if entries.len() >= self.max_entries {
            let oldest = entries
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(i, _)| i);
            if let Some(i) = oldest {
                entries.remove(i);
                if i < at {
                    at -= 1;
                }
            }
        }
        // Grow by doubling, but never past max_entries (Vec::insert on a
        // full vector would double past it).
        if entries.len() == entries.capacity() {
            let target = (entries.capacity() * 2).max(4).min(self.max_entries);
            entries.reserve_exact(target - entries.len());
        }
        entries.insert(at, entry);
    }

    /// Counters and size, for [`ChainCacheStats`].
    pub(crate) fn stats(&self) -> ChainCacheStats {
        match self.inner.lock() {
            Ok(inner) => ChainCacheStats {
                hits: inner.hits,
                misses: inner.misses,
                entries: inner.entries.len(),
            },
            Err(_) => ChainCacheStats::default(),
        }
    }

    /// The bytes the entries' vector holds, for the memory bound's test.
    #[cfg(test)]
    fn capacity_bytes(&self) -> usize {
        let inner = self.inner.lock().expect("lock");
        inner.entries.capacity() * core::mem::size_of::<Entry>()
    }
}

/// Labels the key's encoding, so that no other SHA-256 input of the crate
/// can be read as one.
const KEY_LABEL: &[u8] = b"sanstls verified server chain v1\0";

/// SHA-256 over an unambiguous encoding of the name and the chain: the
/// label; the name's kind (0 DNS, 4 IPv4, 6 IPv6), then a DNS name's
/// length (8 bytes) and bytes, or the address's 4 or 16 bytes; the number
/// of certificates (8 bytes); each certificate's length (8 bytes) and DER,
/// end entity first, in the order sent. `None` for a kind of name this
/// crate does not know (`ServerName` is non-exhaustive): never cached.
fn chain_key(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
) -> Option<[u8; 32]> {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(KEY_LABEL);
    match server_name {
        ServerName::DnsName(dns) => {
            let name = dns.as_ref().as_bytes();
            h.update(&[0]);
            h.update(&(name.len() as u64).to_be_bytes());
            h.update(name);
        }
        ServerName::IpAddress(IpAddr::V4(ip)) => {
            h.update(&[4]);
            h.update(ip.as_ref());
        }
        ServerName::IpAddress(IpAddr::V6(ip)) => {
            h.update(&[6]);
            h.update(ip.as_ref());
        }
        _ => return None,
    }
    h.update(&(intermediates.len() as u64 + 1).to_be_bytes());
    for cert in core::iter::once(end_entity).chain(intermediates) {
        h.update(&(cert.len() as u64).to_be_bytes());
        h.update(cert);
    }
    h.finish().as_ref().try_into().ok()
}

/// The intersection of the validity periods (RFC 5280 §4.1.2.5) of every
/// certificate sent, used on the path or not, read by x509-cert; `None`
/// when one does not parse (such a chain is never cached). DER has one
/// encoding per instant, so x509-cert reads the times rustls-webpki
/// compares.
fn validity_window(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Option<Window> {
    use x509_cert::der::Decode;
    let mut window = Window {
        not_before: 0,
        not_after: u64::MAX,
    };
    for cert in core::iter::once(end_entity).chain(intermediates) {
        let cert = x509_cert::Certificate::from_der(cert.as_ref()).ok()?;
        let validity = cert.tbs_certificate().validity();
        let not_before = validity.not_before.to_unix_duration().as_secs();
        let not_after = validity.not_after.to_unix_duration().as_secs();
        window.not_before = window.not_before.max(not_before);
        window.not_after = window.not_after.min(not_after);
    }
    Some(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::CHAIN_CACHE_ENTRY_BYTES;

    fn cache(max_entries: usize, max_age_secs: u64) -> ChainCache {
        ChainCache::new(ChainCacheConfig {
            max_entries,
            max_age: Duration::from_secs(max_age_secs),
        })
        .expect("a cache")
    }

    fn entry(n: u8, not_before: u64, not_after: u64, verified_at: u64) -> Entry {
        Entry {
            key: [n; 32],
            window: Window {
                not_before,
                not_after,
            },
            verified_at,
            last_used: 0,
        }
    }

    #[test]
    fn an_entry_is_the_size_the_limit_says() {
        assert_eq!(core::mem::size_of::<Entry>(), CHAIN_CACHE_ENTRY_BYTES);
    }

    #[test]
    fn usable_only_inside_the_window_and_the_maximum_age() {
        let c = cache(4, 100);
        c.insert(entry(1, 1_000, 2_000, 1_500));
        // Both ends of the window are inside, as webpki has them.
        for t in [1_400, 1_500, 1_600] {
            assert!(c.hit(&[1; 32], t), "{t}");
        }
        // Past the maximum age either way (the clock set back), and the
        // entry is gone after the first miss.
        assert!(!c.hit(&[1; 32], 1_601));
        assert!(!c.hit(&[1; 32], 1_500));
        c.insert(entry(2, 1_000, 2_000, 1_950));
        assert!(c.hit(&[2; 32], 2_000));
        assert!(!c.hit(&[2; 32], 2_001), "after notAfter");
        c.insert(entry(3, 1_000, 2_000, 1_050));
        assert!(c.hit(&[3; 32], 1_000));
        assert!(!c.hit(&[3; 32], 999), "before notBefore");
        assert_eq!(
            c.stats(),
            ChainCacheStats {
                hits: 5,
                misses: 4,
                entries: 0
            }
        );
    }

    #[test]
    fn evicts_the_least_recently_used_and_stays_in_its_bytes() {
        let c = cache(3, 100);
        for n in 1..=3 {
            c.insert(entry(n, 0, 1_000, 500));
        }
        // 1 used most recently, so 2 is the oldest when 4 comes.
        assert!(c.hit(&[1; 32], 500));
        c.insert(entry(4, 0, 1_000, 500));
        assert_eq!(c.stats().entries, 3);
        assert!(!c.hit(&[2; 32], 500));
        for n in [1, 3, 4] {
            assert!(c.hit(&[n; 32], 500), "{n}");
        }
        // A thousand more: the vector never grows past its bound.
        for n in 0..1_000u32 {
            let mut e = entry(0, 0, 1_000, 500);
            e.key[..4].copy_from_slice(&n.to_be_bytes());
            c.insert(e);
            assert!(c.capacity_bytes() <= 3 * CHAIN_CACHE_ENTRY_BYTES);
        }
        assert_eq!(c.stats().entries, 3);
        // The default bound, filled: 16 KiB.
        let c = ChainCache::new(ChainCacheConfig::default()).expect("a cache");
        for n in 0..1_000u32 {
            let mut e = entry(0, 0, 1_000, 500);
            e.key[..4].copy_from_slice(&n.to_be_bytes());
            c.insert(e);
        }
        assert_eq!(c.stats().entries, DEFAULT_CHAIN_CACHE_ENTRIES);
        assert_eq!(c.capacity_bytes(), 16 * 1024);
    }

    #[test]
    fn sorted_after_inserts_and_evictions() {
        let c = cache(8, 100);
        for n in [9u8, 3, 7, 1, 5, 2, 8, 6, 4, 0, 11, 10] {
            c.insert(entry(n, 0, 1_000, 500));
        }
        let inner = c.inner.lock().unwrap();
        assert_eq!(inner.entries.len(), 8);
        assert!(inner.entries.windows(2).all(|w| w[0].key < w[1].key));
    }

    #[test]
    fn no_entries_no_cache() {
        let config = ChainCacheConfig {
            max_entries: 0,
            ..ChainCacheConfig::default()
        };
        assert!(ChainCache::new(config).is_none());
    }

    #[test]
    fn the_key_tells_chains_and_names_apart() {
        let cert = |b: &[u8]| CertificateDer::from(b.to_vec());
        let dns = |n: &str| ServerName::try_from(n.to_string()).unwrap();
        let (a, b, ab) = (cert(b"a"), cert(b"b"), cert(b"ab"));
        let name = dns("example.com");
        let key = |ee: &CertificateDer<'_>, rest: &[CertificateDer<'_>], n: &ServerName<'_>| {
            chain_key(ee, rest, n).unwrap()
        };
        let base = key(&a, core::slice::from_ref(&b), &name);
        assert_eq!(base, key(&a, core::slice::from_ref(&b), &name));
        // Where one certificate ends and the next begins is part of it.
        assert_ne!(base, key(&ab, &[], &name));
        assert_ne!(base, key(&a, &[b.clone(), cert(b"")], &name));
        // So is the order, and the name, to the byte.
        assert_ne!(base, key(&b, core::slice::from_ref(&a), &name));
        assert_ne!(
            base,
            key(&a, core::slice::from_ref(&b), &dns("Example.com"))
        );
        // A DNS name and an address are different names.
        let v4 = ServerName::try_from("127.0.0.1").unwrap();
        let v6 = ServerName::try_from("::1").unwrap();
        let keys = [
            key(&a, &[], &v4),
            key(&a, &[], &v6),
            key(&a, &[], &dns("localhost")),
        ];
        assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
    }

    /// A self-signed certificate valid from `from` to `to` (years, Jan 1).
    fn valid(from: i32, to: i32) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".into()]).expect("parameters");
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(to, 1, 1);
        params.self_signed(&key).expect("certificate").der().clone()
    }

    #[test]
    fn the_window_is_the_intersection() {
        // 2025-01-01 and 2030-01-01, 00:00:00 UTC.
        let (y2025, y2030) = (1_735_689_600, 1_893_456_000);
        let (early, late) = (valid(2020, 2030), valid(2025, 2035));
        let both = Window {
            not_before: y2025,
            not_after: y2030,
        };
        assert_eq!(
            validity_window(&early, core::slice::from_ref(&late)),
            Some(both)
        );
        assert_eq!(
            validity_window(&late, core::slice::from_ref(&early)),
            Some(both)
        );
        // Periods that do not meet: a window that contains no time.
        let apart = validity_window(&valid(2020, 2021), &[valid(2022, 2023)]).unwrap();
        assert!(apart.not_before > apart.not_after);
        // A certificate x509-cert cannot read: no window, no entry.
        assert_eq!(
            validity_window(&CertificateDer::from(vec![0x30, 0]), &[]),
            None
        );
        assert_eq!(
            validity_window(&early, &[CertificateDer::from(vec![1])]),
            None
        );
    }
}
