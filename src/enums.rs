//! The wire values that appear in the API: in events and errors (alerts), in
//! [`crate::Negotiated`] (version, group, signature scheme) and in the
//! configuration (suites, groups, schemes, client certificate types).
//!
//! Each is an open newtype over its wire integer with named constants for
//! the registered values, so a value we have no name for (a peer's new
//! extension, group or alert) is still carried and printed, never refused
//! for being unknown (RFC 5246 §7.4.1.2).

pub use crate::codec::enums::{
    AlertDescription, CipherSuite, ClientCertificateType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
