//! The bounded in-memory session stores the configs default to (feature
//! `std`: a mutex makes them shareable between connections on many
//! threads). Re-exported from [`super::store`], next to their traits.
//!
//! Values are encoded sessions and hold master secrets: evicted or dropped,
//! they are wiped.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::hash::Hash;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::store::{ClientSessionStore, ServerSessionStore};
use crate::handshake::SessionId;

/// A bounded map that evicts its oldest entry when full. Keys are cheap to
/// clone (inline session IDs, shared names), as each is kept twice: in the
/// map and in the eviction order.
#[derive(Debug)]
struct Bounded<K> {
    capacity: usize,
    map: HashMap<K, Zeroizing<Vec<u8>>>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + Hash> Bounded<K> {
    fn new(capacity: usize) -> Self {
        Bounded {
            capacity: capacity.max(1),
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn put(&mut self, key: K, value: Vec<u8>) {
        if self
            .map
            .insert(key.clone(), Zeroizing::new(value))
            .is_none()
        {
            self.order.push_back(key);
        }
        while self.map.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
    }

    fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<Zeroizing<Vec<u8>>>
    where
        K: Borrow<Q>,
    {
        self.map.get(key).map(|v| Zeroizing::new(v.to_vec()))
    }

    fn remove<Q: Eq + Hash + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        if self.map.remove(key).is_some() {
            self.order.retain(|k| k.borrow() != key);
        }
    }
}

/// A session ID as a cache key, inline: storing a session allocates nothing
/// for its key. RFC 5246 §7.4.1.2 bounds session IDs at 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IdKey {
    len: u8,
    bytes: [u8; SessionId::MAX_LEN],
}

impl IdKey {
    /// The key for `id`, or `None` when it is longer than a session ID can be.
    fn new(id: &[u8]) -> Option<IdKey> {
        let mut bytes = [0u8; SessionId::MAX_LEN];
        bytes.get_mut(..id.len())?.copy_from_slice(id);
        Some(IdKey {
            len: id.len() as u8,
            bytes,
        })
    }
}

/// The default server cache: at most `capacity` sessions, oldest evicted
/// first. IDs longer than 32 bytes (never a session ID) are not stored.
#[derive(Debug)]
pub struct ServerSessionCache(Mutex<Bounded<IdKey>>);

impl ServerSessionCache {
    /// A cache for at most `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        ServerSessionCache(Mutex::new(Bounded::new(capacity)))
    }

    /// How many sessions are cached.
    pub fn len(&self) -> usize {
        self.0.lock().map(|b| b.map.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ServerSessionStore for ServerSessionCache {
    fn put(&self, id: &[u8], session: Vec<u8>) {
        let Some(key) = IdKey::new(id) else {
            // Wiped, like every value the cache drops.
            drop(Zeroizing::new(session));
            return;
        };
        if let Ok(mut b) = self.0.lock() {
            b.put(key, session);
        }
    }

    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let key = IdKey::new(id)?;
        self.0.lock().ok()?.get(&key)
    }

    fn remove(&self, id: &[u8]) {
        if let (Some(key), Ok(mut b)) = (IdKey::new(id), self.0.lock()) {
            b.remove(&key);
        }
    }
}

/// The default client store: one session per server name, at most
/// `capacity` names, oldest evicted first.
#[derive(Debug)]
pub struct ClientSessionCache(Mutex<Bounded<Arc<str>>>);

impl ClientSessionCache {
    /// A store for at most `capacity` server names.
    pub fn new(capacity: usize) -> Self {
        ClientSessionCache(Mutex::new(Bounded::new(capacity)))
    }
}

impl ClientSessionStore for ClientSessionCache {
    fn put(&self, server_name: &str, session: Vec<u8>) {
        if let Ok(mut b) = self.0.lock() {
            b.put(Arc::from(server_name), session);
        }
    }

    fn get(&self, server_name: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.0.lock().ok()?.get(server_name)
    }

    fn remove(&self, server_name: &str) {
        if let Ok(mut b) = self.0.lock() {
            b.remove(server_name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_evicts_oldest() {
        let c = ServerSessionCache::new(2);
        c.put(&[1], vec![10]);
        c.put(&[2], vec![20]);
        c.put(&[3], vec![30]);
        assert_eq!(c.len(), 2);
        assert!(c.get(&[1]).is_none());
        assert_eq!(c.get(&[3]).unwrap().as_slice(), &[30]);
        c.remove(&[3]);
        assert!(c.get(&[3]).is_none());
        // Longer than any session ID: never stored, never found.
        c.put(&[4; 33], vec![40]);
        assert!(c.get(&[4; 33]).is_none());
        assert_eq!(c.len(), 1);
        c.put(&[5; 32], vec![50]);
        assert_eq!(c.get(&[5; 32]).unwrap().as_slice(), &[50]);
        // The empty ID is a key like any other for the cache.
        assert!(c.get(&[]).is_none());
    }

    #[test]
    fn client_store_replaces_per_name() {
        let s = ClientSessionCache::new(4);
        s.put("a", vec![1]);
        s.put("a", vec![2]);
        assert_eq!(s.get("a").unwrap().as_slice(), &[2]);
        s.remove("a");
        assert!(s.get("a").is_none());
    }
}
