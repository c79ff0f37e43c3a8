//! Session resumption (RFC 5246 §7.3 abbreviated handshake, RFC 5077 tickets,
//! RFC 7627 §5.3): where sessions are kept ([`store`]) and how tickets are
//! sealed ([`ticketer`]). What a session holds and its encoding stay inside
//! the crate: stores and ticketers see only opaque bytes.

#[cfg(feature = "std")]
mod memory_cache;
pub mod store;
pub mod ticketer;

pub(crate) mod session;

/// How long a session may be resumed when nothing else says (two hours, the
/// lifetime OpenSSL and Go use by default).
pub const DEFAULT_SESSION_LIFETIME: u32 = 2 * 60 * 60;
