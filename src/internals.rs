//! **Unstable, not part of the API.** The crate's internals, for its own fuzz
//! targets, benches and integration tests, which need to drive a decoder or
//! the record layer on its own. Built only with the `unstable-internals`
//! feature; anything here may change or go in any release.

/// Wire codec: `Reader`, `Codec`/`Decode`, length-prefixed vectors, wire enums.
pub mod codec {
    pub use crate::codec::*;
}

/// Handshake message codecs and reassembly.
pub mod handshake {
    pub use crate::handshake::*;
}

/// Record framing and protection.
pub mod record {
    pub use crate::record::*;
}

/// PRF, key schedule, key exchange, signatures, transcript.
pub mod crypto {
    pub use crate::crypto::*;
}

/// Alert and ChangeCipherSpec payloads.
pub mod message {
    pub use crate::message::*;
}

/// Lowercase hex encoding, and decoding for tests.
pub mod hex {
    pub use crate::hex::*;
}

pub use crate::resumption::session::StoredSession;
