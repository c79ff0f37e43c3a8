//! Wire enums as open newtypes: every value decodes, known values have named
//! constants, and unknown values survive a decode/encode roundtrip (a peer may
//! offer suites, groups or extensions we have never heard of; RFC 5246 §7.4.1.2
//! says to ignore them, not to fail).

use crate::codec::{Codec, Reader};
use crate::error::Error;
use alloc::vec::Vec;

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident($ty:ident) {
            $( $(#[$vmeta:meta])* $var:ident = $val:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $ty);

        #[allow(missing_docs)]
        impl $name {
            $( $(#[$vmeta])* pub const $var: $name = $name($val); )*

            /// The registered name of this value, if we know it.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( $name::$var => Some(stringify!($var)), )*
                    _ => None,
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}(0x{:x})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }

        impl Codec for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
                out.extend_from_slice(&self.0.to_be_bytes());
                Ok(())
            }

            fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
                let b = r.bytes(core::mem::size_of::<$ty>(), stringify!($name))?;
                let mut a = [0u8; core::mem::size_of::<$ty>()];
                a.copy_from_slice(b);
                Ok($name($ty::from_be_bytes(a)))
            }
        }
    };
}

wire_enum! {
    /// Record content types (RFC 5246 §6.2.1).
    ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20,
        ALERT = 21,
        HANDSHAKE = 22,
        APPLICATION_DATA = 23,
    }
}

wire_enum! {
    /// Protocol versions (RFC 5246 §6.2.1, Appendix E).
    ProtocolVersion(u16) {
        SSLV3 = 0x0300,
        TLSV1_0 = 0x0301,
        TLSV1_1 = 0x0302,
        TLSV1_2 = 0x0303,
        TLSV1_3 = 0x0304,
    }
}

wire_enum! {
    /// Handshake message types (RFC 5246 §7.4, RFC 5077 §3.3, RFC 6066 §8).
    HandshakeType(u8) {
        HELLO_REQUEST = 0,
        CLIENT_HELLO = 1,
        SERVER_HELLO = 2,
        NEW_SESSION_TICKET = 4,
        CERTIFICATE = 11,
        SERVER_KEY_EXCHANGE = 12,
        CERTIFICATE_REQUEST = 13,
        SERVER_HELLO_DONE = 14,
        CERTIFICATE_VERIFY = 15,
        CLIENT_KEY_EXCHANGE = 16,
        FINISHED = 20,
        CERTIFICATE_STATUS = 22,
    }
}

wire_enum! {
    /// Alert levels (RFC 5246 §7.2).
    AlertLevel(u8) {
        WARNING = 1,
        FATAL = 2,
    }
}

wire_enum! {
    /// Alert descriptions (RFC 5246 §7.2, RFC 5746, RFC 7301, RFC 6066).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0,
        UNEXPECTED_MESSAGE = 10,
        BAD_RECORD_MAC = 20,
        DECRYPTION_FAILED = 21,
        RECORD_OVERFLOW = 22,
        DECOMPRESSION_FAILURE = 30,
        HANDSHAKE_FAILURE = 40,
        NO_CERTIFICATE = 41,
        BAD_CERTIFICATE = 42,
        UNSUPPORTED_CERTIFICATE = 43,
        CERTIFICATE_REVOKED = 44,
        CERTIFICATE_EXPIRED = 45,
        CERTIFICATE_UNKNOWN = 46,
        ILLEGAL_PARAMETER = 47,
        UNKNOWN_CA = 48,
        ACCESS_DENIED = 49,
        DECODE_ERROR = 50,
        DECRYPT_ERROR = 51,
        EXPORT_RESTRICTION = 60,
        PROTOCOL_VERSION = 70,
        INSUFFICIENT_SECURITY = 71,
        INTERNAL_ERROR = 80,
        INAPPROPRIATE_FALLBACK = 86,
        USER_CANCELED = 90,
        NO_RENEGOTIATION = 100,
        MISSING_EXTENSION = 109,
        UNSUPPORTED_EXTENSION = 110,
        UNRECOGNIZED_NAME = 112,
        BAD_CERTIFICATE_STATUS_RESPONSE = 113,
        UNKNOWN_PSK_IDENTITY = 115,
        CERTIFICATE_REQUIRED = 116,
        NO_APPLICATION_PROTOCOL = 120,
    }
}

wire_enum! {
    /// Cipher suites, by their IANA names. Only the ECDHE AEAD suites in
    /// [`crate::suites`] are implemented; the rest are here so that a trace of
    /// a peer's offer reads well.
    #[allow(non_camel_case_types)]
    CipherSuite(u16) {
        TLS_NULL_WITH_NULL_NULL = 0x0000,
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f,
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035,
        TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003c,
        TLS_RSA_WITH_AES_256_CBC_SHA256 = 0x003d,
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA = 0x0033,
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA = 0x0039,
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 = 0x0067,
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 = 0x006b,
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c,
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d,
        TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009e,
        TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009f,
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,
        TLS_AES_128_GCM_SHA256 = 0x1301,
        TLS_AES_256_GCM_SHA384 = 0x1302,
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
        TLS_FALLBACK_SCSV = 0x5600,
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009,
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a,
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013,
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014,
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xc023,
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 = 0xc024,
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xc027,
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 = 0xc028,
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b,
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f,
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030,
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8,
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9,
        TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xccaa,
    }
}

wire_enum! {
    /// Compression methods (RFC 5246 §7.4.1.2). Only null is ever used.
    CompressionMethod(u8) {
        NULL = 0,
        DEFLATE = 1,
    }
}

wire_enum! {
    /// Named groups (RFC 8422 §5.1.1, RFC 7919).
    NamedGroup(u16) {
        SECP256R1 = 0x0017,
        SECP384R1 = 0x0018,
        SECP521R1 = 0x0019,
        X25519 = 0x001d,
        X448 = 0x001e,
        FFDHE2048 = 0x0100,
        FFDHE3072 = 0x0101,
        FFDHE4096 = 0x0102,
        FFDHE6144 = 0x0103,
        FFDHE8192 = 0x0104,
    }
}

wire_enum! {
    /// EC point formats (RFC 8422 §5.1.2). Only uncompressed is used.
    EcPointFormat(u8) {
        UNCOMPRESSED = 0,
        ANSIX962_COMPRESSED_PRIME = 1,
        ANSIX962_COMPRESSED_CHAR2 = 2,
    }
}

wire_enum! {
    /// EC curve types in ServerKeyExchange (RFC 8422 §5.4). Only named_curve is allowed.
    EcCurveType(u8) {
        EXPLICIT_PRIME = 1,
        EXPLICIT_CHAR2 = 2,
        NAMED_CURVE = 3,
    }
}

wire_enum! {
    /// Signature schemes (RFC 5246 §7.4.1.4.1 hash/signature pairs, RFC 8446 §4.2.3 names).
    SignatureScheme(u16) {
        RSA_PKCS1_SHA1 = 0x0201,
        ECDSA_SHA1 = 0x0203,
        RSA_PKCS1_SHA256 = 0x0401,
        ECDSA_SECP256R1_SHA256 = 0x0403,
        RSA_PKCS1_SHA384 = 0x0501,
        ECDSA_SECP384R1_SHA384 = 0x0503,
        RSA_PKCS1_SHA512 = 0x0601,
        ECDSA_SECP521R1_SHA512 = 0x0603,
        RSA_PSS_RSAE_SHA256 = 0x0804,
        RSA_PSS_RSAE_SHA384 = 0x0805,
        RSA_PSS_RSAE_SHA512 = 0x0806,
        ED25519 = 0x0807,
        ED448 = 0x0808,
        RSA_PSS_PSS_SHA256 = 0x0809,
        RSA_PSS_PSS_SHA384 = 0x080a,
        RSA_PSS_PSS_SHA512 = 0x080b,
    }
}

wire_enum! {
    /// Extension types (RFC 5246 §7.4.1.4 and the RFCs named per value).
    ExtensionType(u16) {
        SERVER_NAME = 0,
        MAX_FRAGMENT_LENGTH = 1,
        STATUS_REQUEST = 5,
        SUPPORTED_GROUPS = 10,
        EC_POINT_FORMATS = 11,
        SIGNATURE_ALGORITHMS = 13,
        USE_SRTP = 14,
        HEARTBEAT = 15,
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16,
        SIGNED_CERTIFICATE_TIMESTAMP = 18,
        PADDING = 21,
        ENCRYPT_THEN_MAC = 22,
        EXTENDED_MASTER_SECRET = 23,
        SESSION_TICKET = 35,
        SUPPORTED_VERSIONS = 43,
        PSK_KEY_EXCHANGE_MODES = 45,
        KEY_SHARE = 51,
        RENEGOTIATION_INFO = 0xff01,
    }
}

wire_enum! {
    /// Certificate types in CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
    ClientCertificateType(u8) {
        RSA_SIGN = 1,
        DSS_SIGN = 2,
        ECDSA_SIGN = 64,
    }
}

wire_enum! {
    /// Name types in server_name (RFC 6066 §3).
    ServerNameType(u8) {
        HOST_NAME = 0,
    }
}

wire_enum! {
    /// Status types in status_request (RFC 6066 §8).
    CertificateStatusType(u8) {
        OCSP = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_roundtrip_and_print() {
        let s = CipherSuite::from_bytes(&[0x13, 0x37]).unwrap();
        assert_eq!(s, CipherSuite(0x1337));
        assert_eq!(s.to_bytes(), vec![0x13, 0x37]);
        assert_eq!(format!("{s:?}"), "CipherSuite(0x1337)");
        assert_eq!(
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.name(),
            Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        );
    }

    #[test]
    fn truncated_enum_is_an_error() {
        assert!(NamedGroup::from_bytes(&[0x00]).is_err());
    }
}
