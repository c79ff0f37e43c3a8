//! ClientHello (RFC 5246 §7.4.1.2) and ServerHello (RFC 5246 §7.4.1.3).
//!
//! Both end with an optional extensions block: absent and present decode
//! alike; encoding omits it when there are no extensions. A decoded hello
//! borrows from its message: its lists and extensions are checked once,
//! kept as wire bytes, and read again by the accessors.

use crate::codec::enums::{
    CipherSuite, CompressionMethod, EcPointFormat, ExtensionType, NamedGroup, ProtocolVersion,
    ServerNameType, SignatureScheme,
};
use crate::codec::{Codec, Decode, LenSize, List, Reader};
use crate::error::Error;
use crate::handshake::extensions::{
    find_extension, put_extensions, read_extensions, ClientExtension, ProtocolName, ServerExtension,
};
use crate::handshake::{Random, SessionId};
use alloc::vec::Vec;

/// A ClientHello (RFC 5246 §7.4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// The highest version the client supports.
    pub client_version: ProtocolVersion,
    /// The client random.
    pub random: Random,
    /// The session the client wants to resume, or empty.
    pub session_id: SessionId,
    /// `CipherSuite cipher_suites<2..2^16-2>`, client's preference order.
    pub cipher_suites: List<'a, CipherSuite>,
    /// `CompressionMethod compression_methods<1..2^8-1>`.
    pub compression_methods: List<'a, CompressionMethod>,
    /// Extensions, no type twice.
    pub extensions: List<'a, ClientExtension<'a>>,
}

impl<'a> ClientHello<'a> {
    /// The extension of type `typ`, if offered.
    pub fn find(&self, typ: ExtensionType) -> Option<ClientExtension<'a>> {
        find_extension(&self.extensions, typ, ClientExtension::ext_type)
    }

    /// Whether `suite` is among the offered suites (also used for the
    /// signalling suites of RFC 5746 §3.3 and RFC 7507).
    #[cfg(any(test, feature = "unstable-internals"))]
    pub fn offers_suite(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.contains(&suite)
    }

    /// The `host_name` of the server_name extension (RFC 6066 §3).
    pub fn sni_hostname(&self) -> Option<&'a [u8]> {
        match self.find(ExtensionType::SERVER_NAME)? {
            ClientExtension::ServerName(names) => names
                .iter()
                .find(|n| n.typ == ServerNameType::HOST_NAME)
                .map(|n| n.name),
            _ => None,
        }
    }

    /// The supported_groups list (RFC 8422 §5.1.1).
    pub fn supported_groups(&self) -> Option<List<'a, NamedGroup>> {
        match self.find(ExtensionType::SUPPORTED_GROUPS)? {
            ClientExtension::SupportedGroups(g) => Some(g),
            _ => None,
        }
    }

    /// The ec_point_formats list (RFC 8422 §5.1.2).
    pub fn ec_point_formats(&self) -> Option<List<'a, EcPointFormat>> {
        match self.find(ExtensionType::EC_POINT_FORMATS)? {
            ClientExtension::EcPointFormats(f) => Some(f),
            _ => None,
        }
    }

    /// The signature_algorithms list (RFC 5246 §7.4.1.4.1). `None` means the
    /// client sent none, which §7.4.1.4.1 says implies SHA-1 defaults.
    pub fn signature_schemes(&self) -> Option<List<'a, SignatureScheme>> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS)? {
            ClientExtension::SignatureAlgorithms(s) => Some(s),
            _ => None,
        }
    }

    /// The ALPN protocol names offered (RFC 7301 §3.1).
    pub fn alpn_protocols(&self) -> Option<List<'a, ProtocolName<'a>>> {
        match self.find(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)? {
            ClientExtension::Alpn(p) => Some(p),
            _ => None,
        }
    }

    /// Whether extended_master_secret is offered (RFC 7627 §5.1).
    pub fn has_ems(&self) -> bool {
        self.find(ExtensionType::EXTENDED_MASTER_SECRET).is_some()
    }

    /// Whether encrypt_then_mac is offered (RFC 7366 §2).
    pub fn has_etm(&self) -> bool {
        self.find(ExtensionType::ENCRYPT_THEN_MAC).is_some()
    }

    /// The renegotiated_connection of renegotiation_info (RFC 5746 §3.2).
    pub fn renegotiation_info(&self) -> Option<&'a [u8]> {
        match self.find(ExtensionType::RENEGOTIATION_INFO)? {
            ClientExtension::RenegotiationInfo(r) => Some(r),
            _ => None,
        }
    }

    /// The SessionTicket extension's ticket, possibly empty (RFC 5077 §3.2).
    pub fn session_ticket(&self) -> Option<&'a [u8]> {
        match self.find(ExtensionType::SESSION_TICKET)? {
            ClientExtension::SessionTicket(t) => Some(t),
            _ => None,
        }
    }
}

impl<'a> Decode<'a> for ClientHello<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.client_version.encode(out)?;
        self.random.encode(out)?;
        self.session_id.encode(out)?;
        self.cipher_suites
            .encode(out, LenSize::U16, "cipher_suites too long")?;
        self.compression_methods
            .encode(out, LenSize::U8, "compression_methods too long")?;
        put_extensions(out, &self.extensions)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(ClientHello {
            client_version: ProtocolVersion::read(r)?,
            random: Random::read(r)?,
            session_id: SessionId::read(r)?,
            cipher_suites: List::read_fixed(r, LenSize::U16, 2, 1, "cipher_suites")?,
            compression_methods: List::read_fixed(r, LenSize::U8, 1, 1, "compression_methods")?,
            extensions: read_extensions(r, ClientExtension::ext_type)?,
        })
    }
}

/// A ServerHello (RFC 5246 §7.4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// The version the server chose.
    pub server_version: ProtocolVersion,
    /// The server random.
    pub random: Random,
    /// The session ID: the client's when resuming, a new one, or empty.
    pub session_id: SessionId,
    /// The suite the server chose.
    pub cipher_suite: CipherSuite,
    /// The compression method the server chose.
    pub compression_method: CompressionMethod,
    /// Extensions, no type twice.
    pub extensions: List<'a, ServerExtension<'a>>,
}

/// Queries on a decoded ServerHello. The client checks the extensions in
/// one pass instead (`client::hello`); these are for tests and fuzz targets.
#[cfg(any(test, feature = "unstable-internals"))]
impl<'a> ServerHello<'a> {
    /// The extension of type `typ`, if present.
    pub fn find(&self, typ: ExtensionType) -> Option<ServerExtension<'a>> {
        find_extension(&self.extensions, typ, ServerExtension::ext_type)
    }

    /// The protocol the server selected (RFC 7301 §3.1).
    pub fn alpn_protocol(&self) -> Option<&'a [u8]> {
        match self.find(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)? {
            ServerExtension::Alpn(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the server agreed to the extended master secret (RFC 7627 §5.2).
    pub fn has_ems(&self) -> bool {
        self.find(ExtensionType::EXTENDED_MASTER_SECRET).is_some()
    }

    /// Whether the server agreed to encrypt-then-MAC (RFC 7366 §2).
    pub fn has_etm(&self) -> bool {
        self.find(ExtensionType::ENCRYPT_THEN_MAC).is_some()
    }

    /// renegotiation_info's renegotiated_connection (RFC 5746 §3.2).
    pub fn renegotiation_info(&self) -> Option<&'a [u8]> {
        match self.find(ExtensionType::RENEGOTIATION_INFO)? {
            ServerExtension::RenegotiationInfo(r) => Some(r),
            _ => None,
        }
    }

    /// The server's ec_point_formats (RFC 8422 §5.2).
    pub fn ec_point_formats(&self) -> Option<List<'a, EcPointFormat>> {
        match self.find(ExtensionType::EC_POINT_FORMATS)? {
            ServerExtension::EcPointFormats(f) => Some(f),
            _ => None,
        }
    }

    /// Whether the server will send a NewSessionTicket (RFC 5077 §3.2).
    pub fn has_session_ticket_ack(&self) -> bool {
        self.find(ExtensionType::SESSION_TICKET).is_some()
    }

    /// Whether the server acknowledged the server name (RFC 6066 §3).
    pub fn has_server_name_ack(&self) -> bool {
        self.find(ExtensionType::SERVER_NAME).is_some()
    }

    /// Whether the server will send CertificateStatus (RFC 6066 §8).
    pub fn has_status_request_ack(&self) -> bool {
        self.find(ExtensionType::STATUS_REQUEST).is_some()
    }
}

impl<'a> Decode<'a> for ServerHello<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.server_version.encode(out)?;
        self.random.encode(out)?;
        self.session_id.encode(out)?;
        self.cipher_suite.encode(out)?;
        self.compression_method.encode(out)?;
        put_extensions(out, &self.extensions)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(ServerHello {
            server_version: ProtocolVersion::read(r)?,
            random: Random::read(r)?,
            session_id: SessionId::read(r)?,
            cipher_suite: CipherSuite::read(r)?,
            compression_method: CompressionMethod::read(r)?,
            extensions: read_extensions(r, ServerExtension::ext_type)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InvalidMessage;
    use crate::handshake::extensions::ProtocolName;
    use crate::handshake::extensions::{raw_ext, ServerNameEntry};
    use crate::handshake::testutil::{assert_prefixes_fail, assert_trailing_fails, kind};
    use crate::handshake::{HandshakeMessage, HandshakePayload};

    fn client_hello() -> ClientHello<'static> {
        ClientHello {
            client_version: ProtocolVersion::TLSV1_2,
            random: Random([0xab; 32]),
            session_id: SessionId::new(&[1, 2, 3]).unwrap(),
            cipher_suites: List::Items(&[
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            ]),
            compression_methods: List::Items(&[CompressionMethod::NULL]),
            extensions: List::Items(&[
                ClientExtension::ServerName(List::Items(&[ServerNameEntry {
                    typ: ServerNameType::HOST_NAME,
                    name: b"localhost",
                }])),
                ClientExtension::SupportedGroups(List::Items(&[NamedGroup::X25519])),
                ClientExtension::SignatureAlgorithms(List::Items(&[SignatureScheme::ED25519])),
                ClientExtension::Alpn(List::Items(&[ProtocolName(b"h2")])),
                ClientExtension::ExtendedMasterSecret,
                ClientExtension::SessionTicket(&[]),
            ]),
        }
    }

    #[test]
    fn find_decodes_only_the_match_and_agrees_with_iteration() {
        let wire = client_hello().encode_to_vec();
        let ch = ClientHello::decode_all(&wire).unwrap();
        assert!(matches!(ch.extensions, List::Wire(_)));
        let mut n = 0;
        for ext in ch.extensions.iter() {
            assert_eq!(ch.find(ext.ext_type()), Some(ext.clone()));
            n += 1;
        }
        assert_eq!(n, 6);
        assert_eq!(ch.find(ExtensionType::RENEGOTIATION_INFO), None);
        assert_eq!(ch.sni_hostname(), Some(&b"localhost"[..]));
        assert!(ch.has_ems());
        let sh_wire = server_hello().encode_to_vec();
        let sh = ServerHello::decode_all(&sh_wire).unwrap();
        for ext in sh.extensions.iter() {
            assert_eq!(sh.find(ext.ext_type()), Some(ext.clone()));
        }
        assert_eq!(sh.find(ExtensionType::SERVER_NAME), None);
    }

    fn server_hello() -> ServerHello<'static> {
        ServerHello {
            server_version: ProtocolVersion::TLSV1_2,
            random: Random([0xcd; 32]),
            session_id: SessionId::empty(),
            cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            compression_method: CompressionMethod::NULL,
            extensions: List::Items(&[
                ServerExtension::RenegotiationInfo(&[]),
                ServerExtension::Alpn(b"h2"),
                ServerExtension::ExtendedMasterSecret,
            ]),
        }
    }

    #[test]
    fn client_hello_getters() {
        let ch = client_hello();
        assert_eq!(ch.sni_hostname(), Some(&b"localhost"[..]));
        assert_eq!(
            ch.supported_groups(),
            Some(List::Items(&[NamedGroup::X25519]))
        );
        assert_eq!(ch.alpn_protocols().unwrap().len(), 1);
        assert!(ch.has_ems());
        assert_eq!(ch.session_ticket(), Some(&[][..]));
        assert!(ch.renegotiation_info().is_none());
        assert!(ch.offers_suite(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
        let sh = server_hello();
        assert_eq!(sh.alpn_protocol(), Some(&b"h2"[..]));
        assert_eq!(sh.renegotiation_info(), Some(&[][..]));
        assert!(sh.has_ems() && !sh.has_session_ticket_ack());
    }

    #[test]
    fn client_hello_roundtrip() {
        let ch = client_hello();
        let b = ch.encode_to_vec();
        assert_eq!(ClientHello::decode_all(&b).unwrap(), ch);
        assert_eq!(ClientHello::decode_all(&b).unwrap().encode_to_vec(), b);
        assert_trailing_fails::<ClientHello>(&b);
        // Every prefix fails except the one that ends right before the
        // optional extensions block, which is a valid hello without them.
        let no_ext = ClientHello {
            extensions: List::default(),
            ..ch.clone()
        };
        let short = no_ext.encode_to_vec();
        assert_eq!(ClientHello::decode_all(&short).unwrap(), no_ext);
        for n in 0..b.len() {
            if n != short.len() {
                assert!(ClientHello::decode_all(&b[..n]).is_err(), "prefix {n}");
            }
        }
        assert_prefixes_fail::<ClientHello>(&short);
        let msg = HandshakePayload::ClientHello(ch);
        assert_eq!(HandshakeMessage::read(&msg.to_bytes()).unwrap(), msg);
    }

    #[test]
    fn server_hello_roundtrip() {
        let sh = server_hello();
        let b = sh.encode_to_vec();
        assert_eq!(ServerHello::decode_all(&b).unwrap(), sh);
        assert_eq!(ServerHello::decode_all(&b).unwrap().encode_to_vec(), b);
        assert_trailing_fails::<ServerHello>(&b);
        let no_ext = ServerHello {
            extensions: List::default(),
            ..sh.clone()
        };
        let short = no_ext.encode_to_vec();
        assert_eq!(short.len(), 2 + 32 + 1 + 2 + 1);
        for n in 0..b.len() {
            if n != short.len() {
                assert!(ServerHello::decode_all(&b[..n]).is_err(), "prefix {n}");
            }
        }
        assert_prefixes_fail::<ServerHello>(&short);
        // An empty but present block decodes to no extensions.
        let mut empty_block = short.clone();
        empty_block.extend_from_slice(&[0, 0]);
        assert_eq!(ServerHello::decode_all(&empty_block).unwrap(), no_ext);
        let msg = HandshakePayload::ServerHello(sh);
        assert_eq!(HandshakeMessage::read(&msg.to_bytes()).unwrap(), msg);
    }

    /// A ClientHello up to its compression methods, then `tail`.
    fn hello_with(suites: &[u8], comp: &[u8], tail: &[u8]) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&[0; 32]);
        b.push(0);
        b.extend_from_slice(suites);
        b.extend_from_slice(comp);
        b.extend_from_slice(tail);
        b
    }

    #[test]
    fn client_hello_rejections() {
        use InvalidMessage::*;
        let ok_suites = [0, 2, 0xc0, 0x2b];
        let ok_comp = [1, 0];
        assert!(ClientHello::decode_all(&hello_with(&ok_suites, &ok_comp, &[])).is_ok());
        let err =
            |s: &[u8], c: &[u8], t: &[u8]| kind(ClientHello::decode_all(&hello_with(s, c, t)));
        assert_eq!(err(&[0, 0], &ok_comp, &[]), BadLength);
        assert_eq!(err(&[0, 3, 0xc0, 0x2b, 0], &ok_comp, &[]), BadLength);
        assert_eq!(err(&ok_suites, &[0], &[]), BadLength);
        let mut dup = raw_ext(23, &[]);
        dup.extend(raw_ext(23, &[]));
        let mut block = vec![0, dup.len() as u8];
        block.extend(&dup);
        assert_eq!(err(&ok_suites, &ok_comp, &block), DuplicateExtension);
        // An extensions block whose length overruns, or a lone length byte.
        assert_eq!(err(&ok_suites, &ok_comp, &[0, 4, 0, 23]), Truncated);
        assert_eq!(err(&ok_suites, &ok_comp, &[0]), Truncated);
        // A session ID longer than 32 bytes.
        let mut long_sid = vec![3, 3];
        long_sid.extend_from_slice(&[0; 32]);
        long_sid.push(33);
        long_sid.extend_from_slice(&[0; 33]);
        long_sid.extend_from_slice(&ok_suites);
        long_sid.extend_from_slice(&ok_comp);
        assert_eq!(kind(ClientHello::decode_all(&long_sid)), BadLength);
    }
}
