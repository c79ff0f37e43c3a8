//! Handshake message codecs (RFC 5246 §7.4) (in progress).
