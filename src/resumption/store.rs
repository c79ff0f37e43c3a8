//! Where sessions wait to be resumed: the server's session-ID cache and the
//! client's per-server store, each a trait with a bounded in-memory default.
//!
//! Values are encoded [`super::StoredSession`]s and hold master secrets: the
//! in-memory stores wipe them when evicted or dropped.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use zeroize::Zeroizing;

/// The server's cache of sessions by session ID (RFC 5246 §7.4.1.3).
pub trait ServerSessionStore: core::fmt::Debug + Send + Sync {
    /// Stores `session` under `id`.
    fn put(&self, id: Vec<u8>, session: Vec<u8>);
    /// The session stored under `id`, if any.
    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
    /// Forgets `id` (RFC 5246 §7.2: a session ended by a fatal alert must not
    /// be resumed).
    fn remove(&self, id: &[u8]);
}

/// Client-side sessions, by the name the client connected to.
pub trait ClientSessionStore: core::fmt::Debug + Send + Sync {
    /// Stores `session` for `server_name`, replacing any earlier one.
    fn put(&self, server_name: &str, session: Vec<u8>);
    /// The session for `server_name`, if any.
    fn get(&self, server_name: &str) -> Option<Zeroizing<Vec<u8>>>;
    /// Forgets the session for `server_name`.
    fn remove(&self, server_name: &str);
}

/// A bounded map that evicts its oldest entry when full.
#[derive(Debug)]
struct Bounded {
    capacity: usize,
    map: HashMap<Vec<u8>, Zeroizing<Vec<u8>>>,
    order: VecDeque<Vec<u8>>,
}

impl Bounded {
    fn new(capacity: usize) -> Self {
        Bounded {
            capacity: capacity.max(1),
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
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

    fn get(&self, key: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.map.get(key).map(|v| Zeroizing::new(v.to_vec()))
    }

    fn remove(&mut self, key: &[u8]) {
        if self.map.remove(key).is_some() {
            self.order.retain(|k| k.as_slice() != key);
        }
    }
}

/// The default server cache: at most `capacity` sessions, oldest evicted first.
#[derive(Debug)]
pub struct ServerSessionCache(Mutex<Bounded>);

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
    fn put(&self, id: Vec<u8>, session: Vec<u8>) {
        if let Ok(mut b) = self.0.lock() {
            b.put(id, session);
        }
    }

    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.0.lock().ok()?.get(id)
    }

    fn remove(&self, id: &[u8]) {
        if let Ok(mut b) = self.0.lock() {
            b.remove(id);
        }
    }
}

/// The default client store: one session per server name, at most
/// `capacity` names, oldest evicted first.
#[derive(Debug)]
pub struct ClientSessionCache(Mutex<Bounded>);

impl ClientSessionCache {
    /// A store for at most `capacity` server names.
    pub fn new(capacity: usize) -> Self {
        ClientSessionCache(Mutex::new(Bounded::new(capacity)))
    }
}

impl ClientSessionStore for ClientSessionCache {
    fn put(&self, server_name: &str, session: Vec<u8>) {
        if let Ok(mut b) = self.0.lock() {
            b.put(server_name.as_bytes().to_vec(), session);
        }
    }

    fn get(&self, server_name: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.0.lock().ok()?.get(server_name.as_bytes())
    }

    fn remove(&self, server_name: &str) {
        if let Ok(mut b) = self.0.lock() {
            b.remove(server_name.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_evicts_oldest() {
        let c = ServerSessionCache::new(2);
        c.put(vec![1], vec![10]);
        c.put(vec![2], vec![20]);
        c.put(vec![3], vec![30]);
        assert_eq!(c.len(), 2);
        assert!(c.get(&[1]).is_none());
        assert_eq!(c.get(&[3]).unwrap().as_slice(), &[30]);
        c.remove(&[3]);
        assert!(c.get(&[3]).is_none());
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
