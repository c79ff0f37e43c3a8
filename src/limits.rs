//! Every bound the crate puts on what a peer can make it hold or do, as named
//! constants, so that memory and CPU per connection stay bounded whatever the
//! peer sends.

/// Largest record plaintext (RFC 5246 §6.2.1: 2^14).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// Largest record payload on the wire (RFC 5246 §6.2.3: 2^14 + 2048).
pub const MAX_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 2048;

/// Record header: type, version, length (RFC 5246 §6.2.1).
pub const RECORD_HEADER_LEN: usize = 5;

/// The largest record the caller's input buffer must be able to hold in one
/// piece: a buffer this large never stalls the connection.
pub const MAX_RECORD_LEN: usize = RECORD_HEADER_LEN + MAX_CIPHERTEXT_LEN;

/// Largest handshake message body we reassemble, for every message but the
/// ClientHello. A Certificate message with a long chain of RSA-4096
/// certificates fits comfortably; OpenSSL's default max_cert_list is 100
/// KiB, and ours is the same order.
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 64 * 1024;

/// Largest ClientHello body we accept: every ClientHello its own length
/// fields allow (RFC 5246 §7.4.1.2), as OpenSSL accepts them. client_version
/// (2) + random (32) + session_id (1 + 32) + cipher_suites (2 + 65,534,
/// `<2..2^16-2>`) + compression_methods (1 + 255) + extensions (2 +
/// 65,535) = 131,396 bytes. Its lists are read where they lie in the
/// message and bounded by their byte lengths alone, so a hello may carry up
/// to 32,767 cipher suites or 16,383 (empty) extensions; the work spent on
/// one is linear in its bytes.
pub const MAX_CLIENT_HELLO_LEN: usize = 2 + 32 + 1 + 32 + 2 + 65_534 + 1 + 255 + 2 + 65_535;

/// Most certificates we accept in one Certificate message.
pub const MAX_CERT_CHAIN_LEN: usize = 10;

/// Most entries accepted in a list that is copied out of its message: the
/// certificate types, signature algorithms and distinguished names of a
/// CertificateRequest, which the client keeps for its certificate resolver.
/// (A ClientHello's lists are not copied, and not counted: see
/// [`MAX_CLIENT_HELLO_LEN`].)
pub const MAX_LIST_ITEMS: usize = 512;

/// Most empty (zero-length) application-data records in a row before the
/// peer is cut off: they cost nothing to send and would otherwise spin the
/// reader. The run ends only with progress (a handshake message or
/// application data that is not empty), never with another record that
/// carries nothing, such as a warning alert.
pub const MAX_EMPTY_RECORDS: usize = 32;

/// Most warning alerts (other than close_notify) over a connection's whole
/// life. Real peers send one or two (`unrecognized_name`, `user_canceled`);
/// each one queues an event, so a peer may not send them without end.
pub const MAX_WARNING_ALERTS: usize = 16;

/// Most renegotiation requests refused over a connection's life: a
/// HelloRequest (to a client, during a handshake, where it is ignored, or
/// after it) or a ClientHello after the handshake (to a server) that the
/// connection does not take up. Those after the handshake are answered with
/// a `no_renegotiation` warning; one more than this is fatal. Requests a
/// configuration that allows renegotiation takes count against
/// [`MAX_RENEGOTIATIONS`] instead.
pub const MAX_RENEGOTIATION_REQUESTS: usize = 4;

/// Most renegotiations (handshakes after the first, whichever side started
/// them) over a connection's life, when the configuration allows them at
/// all. Each full handshake costs a signature and a key exchange, so a peer
/// may not ask for them without end; one asked for beyond this is refused
/// with a `no_renegotiation` warning, and counts against
/// [`MAX_RENEGOTIATION_REQUESTS`] like any refusal. Key refresh on a
/// long-lived connection needs a handful; a day at one per hour is 24.
pub const MAX_RENEGOTIATIONS: usize = 32;

/// Most HelloRequests a client takes over a connection's life, answered,
/// ignored (during a handshake, RFC 5246 §7.4.1.1) or refused; one more is
/// fatal. Bounds a HelloRequest flood even where renegotiation is allowed.
pub const MAX_HELLO_REQUESTS: usize = MAX_RENEGOTIATIONS + MAX_RENEGOTIATION_REQUESTS;

/// Most events a connection queues for `Connection::poll_event`: with this
/// many waiting it stops consuming input (`handle_input` reports nothing
/// consumed) until the caller polls, as it does for output at
/// [`MAX_BUFFERED_OUTPUT`]. One record adds at most a few events (one alert,
/// or the trace of one flight), so the queue never holds much more.
pub const MAX_QUEUED_EVENTS: usize = 64;

/// Most handshake/alert output bytes a connection queues before the caller
/// must drain them with `poll_output`.
pub const MAX_BUFFERED_OUTPUT: usize = 64 * 1024;

/// Largest finite-field Diffie-Hellman prime we compute with, in bits: that
/// of ffdhe4096 (RFC 7919 Appendix A.3), the largest group we offer. A
/// client that accepts a server's custom group (an explicit opt-in) refuses
/// a larger one, so that a server cannot make it spend seconds on one
/// exponentiation; it also bounds a DHE pre-master secret to 512 bytes.
pub const MAX_DH_PRIME_BITS: usize = 4096;

/// Most verified server chains the client's cache keeps by default
/// (feature `std`; `verify::ChainCacheConfig::max_entries`, which sets it
/// per verifier). A server can make the client add entries, one for each
/// distinct chain it presents that verifies; when the cache is full the
/// least recently used entry goes, so a server cycling through chains can
/// only evict, which costs later handshakes a verification each, never
/// more memory. 256 servers' chains is more than most clients meet in the
/// cache's maximum age.
pub const DEFAULT_CHAIN_CACHE_ENTRIES: usize = 256;

/// Bytes each entry of the verified-chain cache takes: it keeps no
/// certificate, only a SHA-256 digest of the chain and the name (32 bytes)
/// and four times or counters (8 bytes each). The cache's storage is one
/// vector of entries that never grows past its `max_entries`, so it holds
/// at most `max_entries` × 64 bytes: 16 KiB at the default
/// [`DEFAULT_CHAIN_CACHE_ENTRIES`], whatever size the chains are.
pub const CHAIN_CACHE_ENTRY_BYTES: usize = 64;
