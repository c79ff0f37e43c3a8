//! Session tickets (RFC 5077): the server seals a session under a key only it
//! knows and hands it to the client, so it keeps no per-session state.
//!
//! Ticket format (RFC 5077 §4 recommends the shape): `key_name[16] ‖
//! nonce[12] ‖ AES-256-GCM(session) ‖ tag[16]`, the key name as AAD. Keys
//! rotate: a new key is made when the current one is older than the
//! lifetime, and the previous key is kept one more period so tickets issued
//! just before a rotation still work. Keys are wiped when dropped.
//!
//! ## A fleet of servers
//!
//! Servers behind a load balancer resume each other's tickets when they seal
//! them under the same keys. Build each server's ticketer with
//! [`Ticketer::from_keys`] (or [`Ticketer::from_key_file_bytes`]) from keys
//! the operator supplies, instead of [`Ticketer::new`]'s random ones; such a
//! ticketer never rotates on its own. A key is [`TICKET_KEY_LEN`] (48)
//! random bytes: a 16-byte name, sent in clear at the front of each ticket
//! so the right key is found, then a 32-byte AES-256-GCM key. A key file is
//! one or two keys back to back: the current key (issues and opens tickets)
//! and optionally a second one that only opens them.
//!
//! To rotate, the operator distributes a new file and every server reloads
//! it ([`Ticketer::set_keys`], for instance when the file changes):
//!
//! 1. `new ‖ old` everywhere: servers issue under the new key and still open
//!    tickets sealed under the old one for a period. While the file rolls
//!    out, a ticket sealed under `new` by a server that has it gets a full
//!    handshake (never an error) on one that does not yet.
//! 2. To avoid even that, roll out `old ‖ new` first (everyone opens `new`,
//!    nobody issues under it yet), then `new ‖ old`.
//!
//! The file holds the secret that protects every session's master secret:
//! make it readable by the servers only, and make it from a real random
//! source (`head -c 48 /dev/urandom > ticket.key`).

use alloc::vec::Vec;
#[cfg(feature = "std")]
use std::sync::RwLock;

#[cfg(feature = "std")]
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
#[cfg(feature = "std")]
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::UnixTime;
use zeroize::Zeroizing;

#[cfg(feature = "std")]
use crate::Error;

const KEY_NAME_LEN: usize = 16;
#[cfg(feature = "std")]
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

/// How long a [`TicketKey`] is: a 16-byte name, then a 32-byte AES-256-GCM
/// key.
pub const TICKET_KEY_LEN: usize = KEY_NAME_LEN + 32;

/// One ticket key: a name (sent in clear in front of each ticket it seals,
/// so a ticketer finds the key that opens it) and an AES-256-GCM key.
/// Wiped when dropped; its `Debug` shows the name only. Feature `std`, with
/// the [`Ticketer`] that uses it.
#[cfg(feature = "std")]
pub struct TicketKey {
    name: [u8; KEY_NAME_LEN],
    key: Zeroizing<[u8; 32]>,
    /// When the ticketer made it (for rotation); 0 for supplied keys.
    created: u64,
}

#[cfg(feature = "std")]
impl core::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TicketKey")
            .field("name", &crate::hex::encode(&self.name))
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl TicketKey {
    /// A key from [`TICKET_KEY_LEN`] bytes (name, then key), or `None` when
    /// `bytes` is not exactly that long. The caller wipes its own copy.
    pub fn from_bytes(bytes: &[u8]) -> Option<TicketKey> {
        if bytes.len() != TICKET_KEY_LEN {
            return None;
        }
        let (name_bytes, key_bytes) = bytes.split_at(KEY_NAME_LEN);
        let mut name = [0u8; KEY_NAME_LEN];
        name.copy_from_slice(name_bytes);
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(key_bytes);
        Some(TicketKey {
            name,
            key,
            created: 0,
        })
    }

    /// The key's name, as it appears at the front of its tickets.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

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

#[cfg(feature = "std")]
struct Keys {
    current: TicketKey,
    previous: Option<TicketKey>,
    /// Supplied by the caller: never rotated by time.
    external: bool,
}

/// The default [`TicketProducer`]: AES-256-GCM under rotating random keys
/// ([`Ticketer::new`]), or under keys the caller supplies and rotates
/// ([`Ticketer::from_keys`], for a fleet of servers: see the
/// [module docs](self)).
#[cfg(feature = "std")]
pub struct Ticketer {
    lifetime: u32,
    rng: SystemRandom,
    /// Read by every seal and open, written only to rotate: connections on
    /// many threads seal and open tickets side by side.
    keys: RwLock<Option<Keys>>,
}

#[cfg(feature = "std")]
impl core::fmt::Debug for Ticketer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticketer")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl Ticketer {
    /// Tickets valid for `lifetime` seconds; keys rotate every `lifetime`.
    pub fn new(lifetime: u32) -> Self {
        Ticketer {
            lifetime: lifetime.max(1),
            rng: SystemRandom::new(),
            keys: RwLock::new(None),
        }
    }

    /// Tickets valid for `lifetime` seconds, sealed under `current` and
    /// opened under `current` or `previous` (matched by key name). The keys
    /// stay until [`set_keys`](Self::set_keys) replaces them: servers that
    /// share them open each other's tickets.
    pub fn from_keys(current: TicketKey, previous: Option<TicketKey>, lifetime: u32) -> Self {
        let tk = Ticketer::new(lifetime);
        tk.set_keys(current, previous);
        tk
    }

    /// [`from_keys`](Self::from_keys) from the contents of a key file: one
    /// key ([`TICKET_KEY_LEN`] bytes, the current one) or two back to back
    /// (current, then previous). The caller wipes its copy of the bytes.
    pub fn from_key_file_bytes(bytes: &[u8], lifetime: u32) -> Result<Self, Error> {
        let (current, previous) = parse_key_file(bytes)?;
        Ok(Ticketer::from_keys(current, previous, lifetime))
    }

    /// Replaces the keys at run time (rotation from outside): new tickets are
    /// sealed under `current`; tickets open under `current` or `previous`;
    /// tickets under any other key no longer open. From then on the keys do
    /// not rotate by time.
    pub fn set_keys(&self, current: TicketKey, previous: Option<TicketKey>) {
        if let Ok(mut keys) = self.keys.write() {
            *keys = Some(Keys {
                current,
                previous,
                external: true,
            });
        }
    }

    /// [`set_keys`](Self::set_keys) from the contents of a key file (see
    /// [`from_key_file_bytes`](Self::from_key_file_bytes)); on an error the
    /// keys are left as they were.
    pub fn set_keys_from_file_bytes(&self, bytes: &[u8]) -> Result<(), Error> {
        let (current, previous) = parse_key_file(bytes)?;
        self.set_keys(current, previous);
        Ok(())
    }

    /// Makes a new random current key now; the old current key becomes the
    /// previous one, and the old previous key is gone (its tickets no longer
    /// open). From then on the keys rotate by time again. Not for a fleet:
    /// the new key is this ticketer's alone (use [`set_keys`](Self::set_keys)).
    pub fn rotate(&self, now: UnixTime) {
        if let Ok(mut keys) = self.keys.write() {
            let old = keys.take();
            if let Some(current) = TicketKey::generate(&self.rng, now.as_secs()) {
                *keys = Some(Keys {
                    current,
                    previous: old.map(|k| k.current),
                    external: false,
                });
            }
        }
    }

    /// Whether `keys` are due for rotation at `now`: missing, or ours and
    /// older than the lifetime.
    fn stale(&self, keys: Option<&Keys>, now: UnixTime) -> bool {
        keys.is_none_or(|k| {
            !k.external
                && now.as_secs().saturating_sub(k.current.created) >= u64::from(self.lifetime)
        })
    }

    /// Runs `f` on the keys after rotating them if the current one is too
    /// old. `f` runs under the read lock, so seals and opens on many threads
    /// do not wait for each other; only a rotation takes the write lock.
    fn with_keys<T>(&self, now: UnixTime, f: impl FnOnce(&Keys) -> Option<T>) -> Option<T> {
        {
            let keys = self.keys.read().ok()?;
            if !self.stale(keys.as_ref(), now) {
                return f(keys.as_ref()?);
            }
        }
        let mut guard = self.keys.write().ok()?;
        // Another thread may have rotated while this one waited.
        if self.stale(guard.as_ref(), now) {
            let old = guard.take();
            let current = TicketKey::generate(&self.rng, now.as_secs())?;
            *guard = Some(Keys {
                current,
                previous: old.map(|k| k.current),
                external: false,
            });
        }
        f(guard.as_ref()?)
    }
}

/// A key file's contents: one key, or two (current, previous).
#[cfg(feature = "std")]
fn parse_key_file(bytes: &[u8]) -> Result<(TicketKey, Option<TicketKey>), Error> {
    let bad = || Error::config("a ticket key file holds one or two 48-byte keys");
    match bytes.len() {
        TICKET_KEY_LEN => Ok((TicketKey::from_bytes(bytes).ok_or_else(bad)?, None)),
        n if n == 2 * TICKET_KEY_LEN => {
            let (a, b) = bytes.split_at(TICKET_KEY_LEN);
            let current = TicketKey::from_bytes(a).ok_or_else(bad)?;
            let previous = TicketKey::from_bytes(b).ok_or_else(bad)?;
            if current.name == previous.name {
                return Err(Error::config("the two ticket keys have the same name"));
            }
            Ok((current, Some(previous)))
        }
        _ => Err(bad()),
    }
}

#[cfg(feature = "std")]
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

    fn key(byte: u8) -> TicketKey {
        TicketKey::from_bytes(&[byte; TICKET_KEY_LEN]).unwrap()
    }

    #[test]
    fn shared_keys_open_each_others_tickets() {
        let a = Ticketer::from_keys(key(1), None, 100);
        let b = Ticketer::from_keys(key(1), Some(key(2)), 100);
        let ticket = a.encrypt(b"session", t(1000)).unwrap();
        assert_eq!(b.decrypt(&ticket, t(1001)).unwrap().as_slice(), b"session");
        // Caller-supplied keys do not rotate by time.
        let ticket = b.encrypt(b"later", t(1_000_000)).unwrap();
        assert_eq!(
            a.decrypt(&ticket, t(2_000_000)).unwrap().as_slice(),
            b"later"
        );
        // The same keys through a key file.
        let mut file = vec![1; TICKET_KEY_LEN];
        file.extend_from_slice(&[2; TICKET_KEY_LEN]);
        let c = Ticketer::from_key_file_bytes(&file, 100).unwrap();
        assert!(c.decrypt(&ticket, t(1000)).is_some());
    }

    #[test]
    fn external_rotation_keeps_previous_for_one_period() {
        let tk = Ticketer::from_keys(key(1), None, 100);
        let under_1 = tk.encrypt(b"one", t(1000)).unwrap();
        // The operator rotates: new key 2, old key 1 kept as previous.
        tk.set_keys(key(2), Some(key(1)));
        let under_2 = tk.encrypt(b"two", t(1001)).unwrap();
        assert_eq!(&under_2[..KEY_NAME_LEN], key(2).name());
        assert_eq!(tk.decrypt(&under_1, t(1001)).unwrap().as_slice(), b"one");
        // Next rotation: key 1 is gone, key 2 still opens.
        tk.set_keys_from_file_bytes(&[[3; TICKET_KEY_LEN], [2; TICKET_KEY_LEN]].concat())
            .unwrap();
        assert!(tk.decrypt(&under_1, t(1002)).is_none());
        assert_eq!(tk.decrypt(&under_2, t(1002)).unwrap().as_slice(), b"two");
    }

    #[test]
    fn wrong_keys_and_bad_files_fail_cleanly() {
        let a = Ticketer::from_keys(key(1), None, 100);
        let ticket = a.encrypt(b"s", t(1000)).unwrap();
        // A different key under the same name: the tag does not verify.
        let mut same_name = [9; TICKET_KEY_LEN];
        same_name[..KEY_NAME_LEN].copy_from_slice(&[1; KEY_NAME_LEN]);
        let b = Ticketer::from_keys(TicketKey::from_bytes(&same_name).unwrap(), None, 100);
        assert!(b.decrypt(&ticket, t(1000)).is_none());
        // A ticketer with random keys, and one with other keys.
        assert!(Ticketer::new(100).decrypt(&ticket, t(1000)).is_none());
        assert!(Ticketer::from_keys(key(2), Some(key(3)), 100)
            .decrypt(&ticket, t(1000))
            .is_none());
        // Key files of the wrong length, or two keys of one name.
        for len in [0, 47, 49, 95, 97, 144] {
            assert!(
                Ticketer::from_key_file_bytes(&vec![1; len], 100).is_err(),
                "{len}"
            );
        }
        assert!(Ticketer::from_key_file_bytes(&[1; 2 * TICKET_KEY_LEN], 100).is_err());
        // A bad file leaves the keys as they were.
        assert!(a.set_keys_from_file_bytes(&[7; 10]).is_err());
        assert!(a.decrypt(&ticket, t(1000)).is_some());
        // The key's bytes stay out of Debug.
        let shown = format!("{:?}", key(0xab));
        assert!(shown.contains("abab") && shown.len() < 80, "{shown}");
    }
}
