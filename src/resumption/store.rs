//! Where sessions wait to be resumed: the server's session-ID cache and the
//! client's per-server store, each a trait with a bounded in-memory default
//! (feature `std`: the defaults sit behind a mutex, in `memory_cache.rs`).
//!
//! Values are encoded sessions (opaque bytes) and hold master secrets: the
//! in-memory stores wipe them when evicted or dropped.

use alloc::vec::Vec;

use zeroize::Zeroizing;

#[cfg(feature = "std")]
pub use super::memory_cache::{ClientSessionCache, ServerSessionCache};

/// The server's cache of sessions by session ID (RFC 5246 §7.4.1.3).
pub trait ServerSessionStore: core::fmt::Debug + Send + Sync {
    /// Stores `session` under `id` (a session ID, at most 32 bytes). The
    /// store copies `id` as it needs: the handshake holds it inline.
    fn put(&self, id: &[u8], session: Vec<u8>);
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
