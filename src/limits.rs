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

/// Largest handshake message body we reassemble. A Certificate message with a
/// long chain of RSA-4096 certificates fits comfortably; OpenSSL's default
/// max_cert_list is 100 KiB, and ours is the same order.
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 64 * 1024;

/// Most certificates we accept in one Certificate message.
pub const MAX_CERT_CHAIN_LEN: usize = 10;

/// Most extensions accepted in one hello.
pub const MAX_EXTENSIONS: usize = 64;

/// Most entries accepted in any list inside a hello (suites, groups, schemes,
/// ALPN names, distinguished names).
pub const MAX_LIST_ITEMS: usize = 512;

/// Most consecutive empty (zero-length) records before the peer is cut off;
/// empty records cost nothing to send and would otherwise spin the reader.
pub const MAX_EMPTY_RECORDS: usize = 32;

/// Most consecutive warning alerts before the peer is cut off.
pub const MAX_WARNING_ALERTS: usize = 16;

/// Most renegotiation requests (HelloRequest / second ClientHello) we answer
/// with a `no_renegotiation` warning before treating the peer as hostile.
pub const MAX_RENEGOTIATION_REQUESTS: usize = 4;

/// Most handshake/alert output bytes a connection queues before the caller
/// must drain them with `poll_output`.
pub const MAX_BUFFERED_OUTPUT: usize = 64 * 1024;
