//! Hello extensions (RFC 5246 §7.4.1.4) that TLS 1.2 peers send us, and the
//! ones we answer with.
//!
//! Each known extension is decoded into its own variant, with the bounds its
//! RFC declares; any other extension is kept as [`ClientExtension::Unknown`] /
//! [`ServerExtension::Unknown`] so that it can be ignored (RFC 5246 §7.4.1.4)
//! and still round-trips byte for byte. Decoded extensions borrow from the
//! hello they were read from: lists stay [`List::Wire`] bodies, names and
//! opaque data stay slices, so reading a hello allocates nothing.

use crate::codec::enums::{
    CertificateStatusType, EcPointFormat, ExtensionType, NamedGroup, ServerNameType,
    SignatureScheme,
};
use crate::codec::{put_vec, Codec, Decode, LenSize, List, Reader};
use crate::error::{Error, InvalidMessage};
use crate::handshake::put_opaque;
use alloc::vec::Vec;

/// One entry of a ServerNameList (RFC 6066 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerNameEntry<'a> {
    /// The name type; only `host_name` is defined.
    pub typ: ServerNameType,
    /// The name: for `host_name`, the ASCII DNS name without a trailing dot.
    pub name: &'a [u8],
}

impl<'a> Decode<'a> for ServerNameEntry<'a> {
    /// Every name type is read as a u16 vector, the only shape RFC 6066
    /// defines.
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(ServerNameEntry {
            typ: ServerNameType::read(r)?,
            name: r.vec_nonempty(LenSize::U16, "server_name")?,
        })
    }

    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.typ.encode(out)?;
        put_opaque(
            out,
            LenSize::U16,
            "server_name HostName too long",
            self.name,
        )
    }
}

/// One `ProtocolName<1..2^8-1>` of an ALPN list (RFC 7301 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolName<'a>(pub &'a [u8]);

impl<'a> Decode<'a> for ProtocolName<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        r.vec_nonempty(LenSize::U8, "ALPN").map(ProtocolName)
    }

    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(out, LenSize::U8, "ALPN protocol name too long", self.0)
    }
}

/// An extension in a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension<'a> {
    /// server_name (RFC 6066 §3): `ServerNameList<1..2^16-1>`, no name type
    /// twice.
    ServerName(List<'a, ServerNameEntry<'a>>),
    /// supported_groups (RFC 8422 §5.1.1): `NamedCurveList<2..2^16-1>`.
    SupportedGroups(List<'a, NamedGroup>),
    /// ec_point_formats (RFC 8422 §5.1.2): `ECPointFormatList<1..2^8-1>`.
    EcPointFormats(List<'a, EcPointFormat>),
    /// signature_algorithms (RFC 5246 §7.4.1.4.1): `<2..2^16-2>`.
    SignatureAlgorithms(List<'a, SignatureScheme>),
    /// application_layer_protocol_negotiation (RFC 7301 §3.1):
    /// `ProtocolName protocol_name_list<2..2^16-1>`, each name `<1..2^8-1>`.
    Alpn(List<'a, ProtocolName<'a>>),
    /// extended_master_secret (RFC 7627 §5.1): empty body.
    ExtendedMasterSecret,
    /// encrypt_then_mac (RFC 7366 §2): empty body; offered with CBC suites.
    EncryptThenMac,
    /// renegotiation_info (RFC 5746 §3.2): `renegotiated_connection<0..255>`.
    RenegotiationInfo(&'a [u8]),
    /// SessionTicket (RFC 5077 §3.2): the whole body is the ticket, empty
    /// when the client asks for a fresh one.
    SessionTicket(&'a [u8]),
    /// status_request (RFC 6066 §8): the body, kept opaque; decoding checks it
    /// starts with a status type, and for OCSP that the two lists parse.
    StatusRequest(&'a [u8]),
    /// Any other extension, kept raw.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// Its body.
        data: &'a [u8],
    },
}

/// An extension in a ServerHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension<'a> {
    /// server_name with an empty body: the server used the name (RFC 6066 §3).
    ServerNameAck,
    /// ec_point_formats (RFC 8422 §5.2).
    EcPointFormats(List<'a, EcPointFormat>),
    /// The one protocol the server selected (RFC 7301 §3.1: the list must
    /// hold exactly one name).
    Alpn(&'a [u8]),
    /// extended_master_secret (RFC 7627 §5.2): empty body.
    ExtendedMasterSecret,
    /// encrypt_then_mac (RFC 7366 §2): empty body; only with a CBC suite.
    EncryptThenMac,
    /// renegotiation_info (RFC 5746 §3.2).
    RenegotiationInfo(&'a [u8]),
    /// SessionTicket with an empty body: a NewSessionTicket will follow
    /// (RFC 5077 §3.2).
    SessionTicketAck,
    /// status_request with an empty body: a CertificateStatus will follow
    /// (RFC 6066 §8).
    StatusRequestAck,
    /// Any other extension, kept raw.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// Its body.
        data: &'a [u8],
    },
}

impl<'a> ClientExtension<'a> {
    /// The extension type written on the wire.
    pub fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::StatusRequest(_) => ExtensionType::STATUS_REQUEST,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Self::ServerName(names) => names.encode(out, LenSize::U16, "ServerNameList too long"),
            Self::SupportedGroups(g) => g.encode(out, LenSize::U16, "supported_groups too long"),
            Self::EcPointFormats(f) => f.encode(out, LenSize::U8, "ec_point_formats too long"),
            Self::SignatureAlgorithms(s) => {
                s.encode(out, LenSize::U16, "signature_algorithms too long")
            }
            Self::Alpn(p) => p.encode(out, LenSize::U16, "ALPN protocol list too long"),
            Self::ExtendedMasterSecret | Self::EncryptThenMac => Ok(()),
            Self::RenegotiationInfo(r) => {
                put_opaque(out, LenSize::U8, "renegotiation_info too long", r)
            }
            Self::SessionTicket(d) | Self::StatusRequest(d) | Self::Unknown { data: d, .. } => {
                out.extend_from_slice(d);
                Ok(())
            }
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerName(read_server_names(r)?),
            ExtensionType::SUPPORTED_GROUPS => {
                Self::SupportedGroups(List::read_fixed(r, LenSize::U16, 2, 1, "supported_groups")?)
            }
            ExtensionType::EC_POINT_FORMATS => {
                Self::EcPointFormats(List::read_fixed(r, LenSize::U8, 1, 1, "ec_point_formats")?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(List::read_fixed(
                r,
                LenSize::U16,
                2,
                1,
                "signature_algorithms",
            )?),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                Self::Alpn(List::read_items(r, LenSize::U16, 1, "ALPN")?)
            }
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::ENCRYPT_THEN_MAC => Self::EncryptThenMac,
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(r.vec(LenSize::U8, "renegotiation_info")?)
            }
            ExtensionType::SESSION_TICKET => Self::SessionTicket(r.rest()),
            ExtensionType::STATUS_REQUEST => Self::StatusRequest(read_status_request(r)?),
            typ => Self::Unknown {
                typ,
                data: r.rest(),
            },
        })
    }
}

/// RFC 6066 §3: `ServerNameList<1..2^16-1>` of `{ NameType; HostName<1..2^16-1> }`.
/// The list must not name the same type twice (`IllegalValue`); its length
/// bounds how many entries it holds.
fn read_server_names<'a>(r: &mut Reader<'a>) -> Result<List<'a, ServerNameEntry<'a>>, Error> {
    let body = r.vec(LenSize::U16, "server_name")?;
    let mut sub = Reader::new(body);
    // One flag per possible (u8) name type: duplicates without a list.
    let mut seen = [false; 256];
    let mut n = 0;
    while sub.any_left() {
        let entry = ServerNameEntry::decode(&mut sub)?;
        let flag = &mut seen[usize::from(entry.typ.0)];
        if *flag {
            return Err(Error::invalid("server_name", InvalidMessage::IllegalValue));
        }
        *flag = true;
        n += 1;
    }
    if n == 0 {
        return Err(Error::invalid("server_name", InvalidMessage::BadLength));
    }
    Ok(List::Wire(body))
}

/// RFC 6066 §8: `CertificateStatusRequest { status_type; select { ocsp:
/// OCSPStatusRequest { ResponderID list<0..2^16-1>; Extensions<0..2^16-1> } } }`.
fn read_status_request<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let all = r.rest();
    let mut body = Reader::new(all);
    let typ = CertificateStatusType::read(&mut body)?;
    if typ == CertificateStatusType::OCSP {
        body.vec(LenSize::U16, "status_request responder ids")?;
        body.vec(LenSize::U16, "status_request extensions")?;
        body.expect_empty("status_request")?;
    }
    Ok(all)
}

impl<'a> Decode<'a> for ClientExtension<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        read_one(r, Self::read_body)
    }

    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_extension(out, self.ext_type(), |o| self.encode_body(o))
    }
}

impl<'a> ServerExtension<'a> {
    /// The extension type written on the wire.
    pub fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::SessionTicketAck => ExtensionType::SESSION_TICKET,
            Self::StatusRequestAck => ExtensionType::STATUS_REQUEST,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Self::ServerNameAck
            | Self::ExtendedMasterSecret
            | Self::EncryptThenMac
            | Self::SessionTicketAck
            | Self::StatusRequestAck => Ok(()),
            Self::EcPointFormats(f) => f.encode(out, LenSize::U8, "ec_point_formats too long"),
            Self::Alpn(p) => put_alpn_selected(out, p),
            Self::RenegotiationInfo(r) => {
                put_opaque(out, LenSize::U8, "renegotiation_info too long", r)
            }
            Self::Unknown { data, .. } => {
                out.extend_from_slice(data);
                Ok(())
            }
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerNameAck,
            ExtensionType::EC_POINT_FORMATS => {
                Self::EcPointFormats(List::read_fixed(r, LenSize::U8, 1, 1, "ec_point_formats")?)
            }
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                let names: List<'a, ProtocolName<'a>> =
                    List::read_items(r, LenSize::U16, 1, "ALPN")?;
                let mut it = names.iter();
                match (it.next(), it.next()) {
                    (Some(name), None) => Self::Alpn(name.0),
                    _ => return Err(Error::invalid("ALPN", InvalidMessage::BadLength)),
                }
            }
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::ENCRYPT_THEN_MAC => Self::EncryptThenMac,
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(r.vec(LenSize::U8, "renegotiation_info")?)
            }
            ExtensionType::SESSION_TICKET => Self::SessionTicketAck,
            ExtensionType::STATUS_REQUEST => Self::StatusRequestAck,
            typ => Self::Unknown {
                typ,
                data: r.rest(),
            },
        })
    }
}

impl<'a> Decode<'a> for ServerExtension<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        read_one(r, Self::read_body)
    }

    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_extension(out, self.ext_type(), |o| self.encode_body(o))
    }
}

/// Writes the server's ALPN answer (RFC 7301 §3.1): a ProtocolNameList
/// holding the one selected name.
pub(crate) fn put_alpn_selected(out: &mut Vec<u8>, protocol: &[u8]) -> Result<(), Error> {
    put_vec(out, LenSize::U16, "ALPN protocol list too long", |o| {
        put_opaque(o, LenSize::U8, "ALPN protocol name too long", protocol)
    })
}

/// Reads one `Extension { type; opaque extension_data<0..2^16-1> }` whose data
/// `body` must consume exactly (an empty-bodied extension with content is a
/// decode_error).
fn read_one<'a, T>(
    r: &mut Reader<'a>,
    body: fn(ExtensionType, &mut Reader<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    let typ = ExtensionType::read(r)?;
    let mut sub = r.sub_vec(LenSize::U16, "extension")?;
    let ext = body(typ, &mut sub)?;
    sub.expect_empty(typ.name().unwrap_or("extension"))?;
    Ok(ext)
}

/// Reads the optional extensions block that ends a hello (RFC 5246 §7.4.1.2:
/// "the presence of extensions can be detected by determining whether there
/// are bytes following the compression_methods"). Absent yields an empty
/// list. Every extension is decoded once here; the block is kept as its
/// wire bytes. Refuses a type seen twice (§7.4.1.4).
///
/// The block's u16 length is the only bound on how many extensions it
/// holds (up to 16,383 empty ones): the duplicate check is one bit per
/// possible type, so the work stays linear in the block's bytes.
pub(crate) fn read_extensions<'a, T: Decode<'a>>(
    r: &mut Reader<'a>,
    typ_of: fn(&T) -> ExtensionType,
) -> Result<List<'a, T>, Error> {
    if !r.any_left() {
        return Ok(List::Wire(&[]));
    }
    let body = r.vec(LenSize::U16, "extensions")?;
    let mut sub = Reader::new(body);
    let mut seen = TypeSet::default();
    while sub.any_left() {
        let typ = typ_of(&T::decode(&mut sub)?);
        if !seen.insert(typ) {
            return Err(Error::invalid(
                "extensions",
                InvalidMessage::DuplicateExtension,
            ));
        }
    }
    Ok(List::Wire(body))
}

/// How many extension types [`TypeSet`] keeps in a list it scans before it
/// turns to one bit per type: more than real hellos carry (a dozen or two).
const SMALL_TYPE_SET: usize = 32;

/// A set of extension types. The first [`SMALL_TYPE_SET`] are kept in a
/// list and looked up by a scan (at most 32 × 32 comparisons in all); past
/// that, one bit for each of the 2^16 types, on the stack (8 KiB), so each
/// insertion is constant time whatever the number of extensions. The bit
/// set is zeroed only when a block holds that many: zeroing it for every
/// hello cost more than the rest of decoding it.
struct TypeSet {
    small: [u16; SMALL_TYPE_SET],
    len: usize,
    bits: Option<[u64; 1 << 10]>,
}

impl Default for TypeSet {
    fn default() -> Self {
        TypeSet {
            small: [0; SMALL_TYPE_SET],
            len: 0,
            bits: None,
        }
    }
}

impl TypeSet {
    /// Adds `typ`; `false` if it was there already.
    fn insert(&mut self, typ: ExtensionType) -> bool {
        if let Some(bits) = &mut self.bits {
            return insert_bit(bits, typ.0);
        }
        let seen = self.small.get(..self.len).unwrap_or(&[]);
        if seen.contains(&typ.0) {
            return false;
        }
        if let Some(slot) = self.small.get_mut(self.len) {
            *slot = typ.0;
            self.len += 1;
            return true;
        }
        let mut bits = [0u64; 1 << 10];
        for t in self.small {
            insert_bit(&mut bits, t);
        }
        let new = insert_bit(&mut bits, typ.0);
        self.bits = Some(bits);
        new
    }
}

/// Sets the bit for `typ`; `false` if it was set already.
fn insert_bit(bits: &mut [u64; 1 << 10], typ: u16) -> bool {
    let (word, bit) = (usize::from(typ >> 6), typ & 63);
    let mask = 1u64 << bit;
    let Some(w) = bits.get_mut(word) else {
        return false;
    };
    let new = *w & mask == 0;
    *w |= mask;
    new
}

/// The extension of type `typ` in `exts`, if any. A decoded block is
/// scanned by its type and length headers and only the match is decoded,
/// so asking a hello for several extensions costs one header walk each,
/// not a full decode of every extension each time.
pub(crate) fn find_extension<'a, T: Decode<'a> + Clone>(
    exts: &List<'a, T>,
    typ: ExtensionType,
    typ_of: fn(&T) -> ExtensionType,
) -> Option<T> {
    match *exts {
        List::Wire(body) => {
            // Each extension: type (2 bytes), length (2), data. The block
            // was checked when the hello was decoded; `get` still keeps a
            // hand-made one from reading out of bounds.
            let mut rest = body;
            while let (Some(&[t0, t1, l0, l1]), Some(tail)) = (rest.get(..4), rest.get(4..)) {
                if ExtensionType(u16::from_be_bytes([t0, t1])) == typ {
                    return T::decode(&mut Reader::new(rest)).ok();
                }
                rest = tail.get(usize::from(u16::from_be_bytes([l0, l1]))..)?;
            }
            None
        }
        List::Items(items) => items.iter().find(|e| typ_of(e) == typ).cloned(),
    }
}

/// Writes the extensions block, or nothing when `exts` is empty (a hello
/// without extensions is how RFC 5246 §7.4.1.2 says to offer none).
pub(crate) fn put_extensions<'a, T: Decode<'a> + Clone>(
    out: &mut Vec<u8>,
    exts: &List<'a, T>,
) -> Result<(), Error> {
    if exts.is_empty() {
        return Ok(());
    }
    exts.encode(out, LenSize::U16, "extensions block too long")
}

/// Writes one `Extension { ExtensionType extension_type; opaque
/// extension_data<0..2^16-1> }` (RFC 5246 §7.4.1.4) whose data `body`
/// writes, for hellos encoded straight from configuration rather than from
/// owned [`ClientExtension`]s / [`ServerExtension`]s. Same bytes as their
/// `encode`.
pub(crate) fn put_extension(
    out: &mut Vec<u8>,
    typ: ExtensionType,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = out.len();
    let written = typ
        .encode(out)
        .and_then(|()| put_vec(out, LenSize::U16, "extension_data too long", body));
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// Writes a hello's extensions block whose extensions `body` writes, with
/// [`put_extension`]; when it writes none, removes the block again (as
/// [`put_extensions`] writes nothing for an empty list).
pub(crate) fn put_extensions_with(
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = out.len();
    put_vec(out, LenSize::U16, "extensions block too long", body)?;
    if out.len() == start + 2 {
        out.truncate(start);
    }
    Ok(())
}

/// Writes a bare u16 extension type and body; for tests and hand-built hellos.
#[cfg(test)]
pub(crate) fn raw_ext(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    crate::codec::put_u16(&mut v, typ);
    put_opaque(&mut v, LenSize::U16, "test extension", body).expect("fits");
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::testutil::{assert_prefixes_fail, assert_trailing_fails, kind};

    fn client_samples() -> Vec<ClientExtension<'static>> {
        vec![
            ClientExtension::ServerName(List::Items(&[ServerNameEntry {
                typ: ServerNameType::HOST_NAME,
                name: b"example.com",
            }])),
            ClientExtension::SupportedGroups(List::Items(&[
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
            ])),
            ClientExtension::EcPointFormats(List::Items(&[EcPointFormat::UNCOMPRESSED])),
            ClientExtension::SignatureAlgorithms(List::Items(&[
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ])),
            ClientExtension::Alpn(List::Items(&[
                ProtocolName(b"h2"),
                ProtocolName(b"http/1.1"),
            ])),
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::EncryptThenMac,
            ClientExtension::RenegotiationInfo(&[]),
            ClientExtension::SessionTicket(&[]),
            ClientExtension::SessionTicket(&[1, 2, 3]),
            ClientExtension::StatusRequest(&[1, 0, 0, 0, 0]),
            ClientExtension::StatusRequest(&[9, 1, 2]),
            ClientExtension::Unknown {
                typ: ExtensionType(0x7a7a),
                data: &[0],
            },
        ]
    }

    fn server_samples() -> Vec<ServerExtension<'static>> {
        vec![
            ServerExtension::ServerNameAck,
            ServerExtension::EcPointFormats(List::Items(&[EcPointFormat::UNCOMPRESSED])),
            ServerExtension::Alpn(b"h2"),
            ServerExtension::ExtendedMasterSecret,
            ServerExtension::RenegotiationInfo(&[5; 24]),
            ServerExtension::SessionTicketAck,
            ServerExtension::StatusRequestAck,
            ServerExtension::EncryptThenMac,
            ServerExtension::Unknown {
                typ: ExtensionType(0xfe00),
                data: &[],
            },
        ]
    }

    #[test]
    fn client_extensions_roundtrip() {
        for e in client_samples() {
            let b = e.encode_to_vec();
            let d = ClientExtension::decode_all(&b).unwrap();
            assert_eq!(d, e);
            assert_eq!(d.encode_to_vec(), b);
            assert_trailing_fails::<ClientExtension>(&b);
            // Every prefix fails, even for bodies opaque to their end: the
            // extension's own length catches it.
            assert_prefixes_fail::<ClientExtension>(&b);
        }
    }

    #[test]
    fn server_extensions_roundtrip() {
        for e in server_samples() {
            let b = e.encode_to_vec();
            let d = ServerExtension::decode_all(&b).unwrap();
            assert_eq!(d, e);
            assert_eq!(d.encode_to_vec(), b);
            assert_prefixes_fail::<ServerExtension>(&b);
            assert_trailing_fails::<ServerExtension>(&b);
        }
    }

    fn client_err(typ: ExtensionType, body: &[u8]) -> InvalidMessage {
        kind(ClientExtension::decode_all(&raw_ext(typ.0, body)))
    }

    fn server_err(typ: ExtensionType, body: &[u8]) -> InvalidMessage {
        kind(ServerExtension::decode_all(&raw_ext(typ.0, body)))
    }

    #[test]
    fn forbidden_empty_lists_are_refused() {
        use InvalidMessage::*;
        assert_eq!(client_err(ExtensionType::SERVER_NAME, &[0, 0]), BadLength);
        assert_eq!(
            client_err(ExtensionType::SUPPORTED_GROUPS, &[0, 0]),
            BadLength
        );
        assert_eq!(client_err(ExtensionType::EC_POINT_FORMATS, &[0]), BadLength);
        assert_eq!(
            client_err(ExtensionType::SIGNATURE_ALGORITHMS, &[0, 0]),
            BadLength
        );
        let alpn = ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION;
        assert_eq!(client_err(alpn, &[0, 0]), BadLength);
        assert_eq!(client_err(alpn, &[0, 1, 0]), BadLength); // empty name
        assert_eq!(
            client_err(ExtensionType::SERVER_NAME, &[0, 3, 0, 0, 0]),
            BadLength
        );
        assert_eq!(server_err(ExtensionType::EC_POINT_FORMATS, &[0]), BadLength);
        assert_eq!(server_err(alpn, &[0, 0]), BadLength);
    }

    #[test]
    fn odd_lengths_and_bad_shapes_are_refused() {
        use InvalidMessage::*;
        assert_eq!(
            client_err(ExtensionType::SUPPORTED_GROUPS, &[0, 3, 0, 0x1d, 0]),
            BadLength
        );
        assert_eq!(
            client_err(ExtensionType::SIGNATURE_ALGORITHMS, &[0, 1, 4]),
            BadLength
        );
        // The server must select exactly one protocol.
        let alpn = ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION;
        assert_eq!(
            server_err(alpn, &[0, 6, 2, b'h', b'2', 2, b'h', b'3']),
            BadLength
        );
        // Acks and EMS carry no body.
        assert_eq!(server_err(ExtensionType::SERVER_NAME, &[0]), TrailingData);
        assert_eq!(
            server_err(ExtensionType::SESSION_TICKET, &[0]),
            TrailingData
        );
        assert_eq!(
            client_err(ExtensionType::EXTENDED_MASTER_SECRET, &[0]),
            TrailingData
        );
        // status_request: a type is required, OCSP must parse exactly.
        assert_eq!(client_err(ExtensionType::STATUS_REQUEST, &[]), Truncated);
        assert_eq!(
            client_err(ExtensionType::STATUS_REQUEST, &[1, 0, 0]),
            Truncated
        );
        assert_eq!(
            client_err(ExtensionType::STATUS_REQUEST, &[1, 0, 0, 0, 0, 9]),
            TrailingData
        );
        // Two host names.
        let two = [0, 8, 0, 0, 1, b'a', 0, 0, 1, b'b'];
        assert_eq!(client_err(ExtensionType::SERVER_NAME, &two), IllegalValue);
        // renegotiation_info body must be exactly its u8 vector.
        assert_eq!(
            client_err(ExtensionType::RENEGOTIATION_INFO, &[]),
            Truncated
        );
        assert_eq!(
            client_err(ExtensionType::RENEGOTIATION_INFO, &[0, 0]),
            TrailingData
        );
    }

    #[test]
    fn extension_block_rules() {
        let mut body = raw_ext(23, &[]);
        body.extend(raw_ext(23, &[]));
        let mut block = Vec::new();
        put_opaque(&mut block, LenSize::U16, "test block", &body).unwrap();
        let r = read_extensions::<ClientExtension>(&mut Reader::new(&block), |e| e.ext_type());
        assert_eq!(kind(r), InvalidMessage::DuplicateExtension);

        // As many as the block's length allows (16,383 empty ones), and a
        // duplicate found at the very end of them.
        let mut body = Vec::new();
        for t in 0..(0xffff / 4) as u16 {
            body.extend(raw_ext(0x1000 + t, &[]));
        }
        let mut block = Vec::new();
        put_opaque(&mut block, LenSize::U16, "test block", &body).unwrap();
        let all = read_extensions::<ClientExtension>(&mut Reader::new(&block), |e| e.ext_type());
        assert_eq!(all.unwrap().len(), 0xffff / 4);
        body.truncate(body.len() - 4);
        body.extend(raw_ext(0x1000, &[]));
        let mut block = Vec::new();
        put_opaque(&mut block, LenSize::U16, "test block", &body).unwrap();
        let r = read_extensions::<ClientExtension>(&mut Reader::new(&block), |e| e.ext_type());
        assert_eq!(kind(r), InvalidMessage::DuplicateExtension);
        let mut set = TypeSet::default();
        for t in [0, 63, 64, 0xffff] {
            assert!(set.insert(ExtensionType(t)));
            assert!(!set.insert(ExtensionType(t)));
        }
        // Across the switch from the list to the bit set, every type seen
        // before or after stays seen.
        let mut set = TypeSet::default();
        let types: Vec<u16> = (0..3 * SMALL_TYPE_SET as u16)
            .map(|i| i.wrapping_mul(701))
            .collect();
        for (i, &t) in types.iter().enumerate() {
            assert!(set.insert(ExtensionType(t)), "type {t}");
            assert_eq!(set.bits.is_some(), i >= SMALL_TYPE_SET);
            for &earlier in &types[..=i] {
                assert!(!set.insert(ExtensionType(earlier)), "type {earlier}");
            }
        }

        let none = read_extensions::<ServerExtension>(&mut Reader::new(&[]), |e| e.ext_type());
        assert!(none.unwrap().is_empty());
        let mut out = Vec::new();
        put_extensions::<ServerExtension>(&mut out, &List::Items(&[])).unwrap();
        assert!(out.is_empty());
        put_extensions::<ServerExtension>(&mut out, &List::Wire(&[])).unwrap();
        assert!(out.is_empty());
    }
}
