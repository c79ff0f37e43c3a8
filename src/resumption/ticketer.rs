//! Session tickets (RFC 5077): the server seals a session under a key only it
//! knows and hands it to the client, so it keeps no per-session state.
//!
//! Ticket format (RFC 5077 §4 recommends the shape): `key_name[16] ‖
//! nonce[12] ‖ AES-256-GCM(session) ‖ tag[16]`, the key name as AAD. Keys
//! rotate: a new key is made when the current one is older than the
//! lifetime, and the previous key is kept one more period so tickets issued
//! just before a rotation still work. Keys are wiped when dropped.

use std::sync::Mutex;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::UnixTime;
use zeroize::Zeroizing;

const KEY_NAME_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// Seals and opens tickets.
pub trait TicketProducer: core::fmt::Debug + Send + Sync {
    /// How long, in seconds, a ticket may be used; sent as the lifetime hint.
    fn lifetime(&self) -> u32;
    /// Seals `plain` into a ticket, or `None` if that fails.
    fn encrypt(&self, plain: &[u8], now: UnixTime) -> Option<Vec<u8>>;
    /// Opens a ticket, or `None` if it is not ours, was tampered with, or its
    /// key was rotated out.
    fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Zeroizing<Vec<u8>>>;
}

struct TicketKey {
    name: [u8; KEY_NAME_LEN],
    key: Zeroizing<[u8; 32]>,
    created: u64,
}

impl TicketKey {
    fn generate(rng: &SystemRandom, created: u64) -> Option<Self> {
        let mut name = [0u8; KEY_NAME_LEN];
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill(&mut name).ok()?;
        rng.fill(key.as_mut()).ok()?;
        Some(TicketKey { name, key, created })
    }

    fn aead(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, self.key.as_ref())
            .ok()
            .map(LessSafeKey::new)
    }
}

struct Keys {
    current: TicketKey,
    previous: Option<TicketKey>,
}

/// The default [`TicketProducer`]: AES-256-GCM under rotating random keys.
pub struct Ticketer {
    lifetime: u32,
    rng: SystemRandom,
    keys: Mutex<Option<Keys>>,
}

impl core::fmt::Debug for Ticketer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticketer")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Ticketer {
    /// Tickets valid for `lifetime` seconds; keys rotate every `lifetime`.
    pub fn new(lifetime: u32) -> Self {
        Ticketer {
            lifetime: lifetime.max(1),
            rng: SystemRandom::new(),
            keys: Mutex::new(None),
        }
    }

    /// Makes a new current key now; the old current key becomes the previous
    /// one, and the old previous key is gone (its tickets no longer open).
    pub fn rotate(&self, now: UnixTime) {
        if let Ok(mut keys) = self.keys.lock() {
            let old = keys.take();
            if let Some(current) = TicketKey::generate(&self.rng, now.as_secs()) {
                *keys = Some(Keys {
                    current,
                    previous: old.map(|k| k.current),
                });
            }
        }
    }

    /// Runs `f` on the keys after rotating them if the current one is too old.
    fn with_keys<T>(&self, now: UnixTime, f: impl FnOnce(&Keys) -> Option<T>) -> Option<T> {
        let mut guard = self.keys.lock().ok()?;
        let stale = match guard.as_ref() {
            None => true,
            Some(k) => now.as_secs().saturating_sub(k.current.created) >= u64::from(self.lifetime),
        };
        if stale {
            let old = guard.take();
            let current = TicketKey::generate(&self.rng, now.as_secs())?;
            *guard = Some(Keys {
                current,
                previous: old.map(|k| k.current),
            });
        }
        f(guard.as_ref()?)
    }
}

impl TicketProducer for Ticketer {
    fn lifetime(&self) -> u32 {
        self.lifetime
    }

    fn encrypt(&self, plain: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        self.with_keys(now, |keys| {
            let key = &keys.current;
            let mut nonce = [0u8; NONCE_LEN];
            self.rng.fill(&mut nonce).ok()?;
            let mut out = Vec::with_capacity(KEY_NAME_LEN + NONCE_LEN + plain.len() + TAG_LEN);
            out.extend_from_slice(&key.name);
            out.extend_from_slice(&nonce);
            out.extend_from_slice(plain);
            let tag = key
                .aead()?
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&key.name),
                    &mut out[KEY_NAME_LEN + NONCE_LEN..],
                )
                .ok()?;
            out.extend_from_slice(tag.as_ref());
            Some(out)
        })
    }

    fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Zeroizing<Vec<u8>>> {
        if ticket.len() < KEY_NAME_LEN + NONCE_LEN + TAG_LEN {
            return None;
        }
        let (name, rest) = ticket.split_at(KEY_NAME_LEN);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        self.with_keys(now, |keys| {
            let key = core::iter::once(&keys.current)
                .chain(keys.previous.as_ref())
                .find(|k| k.name == name)?;
            let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
            let mut buf = Zeroizing::new(sealed.to_vec());
            let plain_len = key
                .aead()?
                .open_in_place(nonce, Aad::from(&key.name), buf.as_mut_slice())
                .ok()?
                .len();
            buf.truncate(plain_len);
            Some(buf)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn t(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    #[test]
    fn seal_open_and_tamper() {
        let tk = Ticketer::new(100);
        let ticket = tk.encrypt(b"session", t(1000)).unwrap();
        assert_eq!(tk.decrypt(&ticket, t(1001)).unwrap().as_slice(), b"session");
        for i in 0..ticket.len() {
            let mut bad = ticket.clone();
            bad[i] ^= 1;
            assert!(tk.decrypt(&bad, t(1001)).is_none(), "byte {i}");
        }
        assert!(tk.decrypt(&ticket[..20], t(1001)).is_none());
    }

    #[test]
    fn previous_key_survives_one_rotation_only() {
        let tk = Ticketer::new(100);
        let ticket = tk.encrypt(b"s", t(1000)).unwrap();
        // Time-based rotation: the old key is still accepted as previous.
        assert!(tk.decrypt(&ticket, t(1100)).is_some());
        // A second rotation drops it.
        tk.rotate(t(1150));
        assert!(tk.decrypt(&ticket, t(1150)).is_none());
        // Another Ticketer never opens our tickets.
        let other = Ticketer::new(100);
        let ticket = tk.encrypt(b"s", t(1150)).unwrap();
        assert!(other.decrypt(&ticket, t(1150)).is_none());
    }
}
