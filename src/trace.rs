//! The handshake trace: one [`TraceEntry`] per handshake message (and
//! ChangeCipherSpec) sent or received, with the fields a person following
//! RFC 5246 §7.3's message flow step by step wants to see.
//!
//! Certificates are parsed by rustls-webpki; only the subject and issuer Name
//! it hands back are rendered here, for display and never for a decision.

use crate::codec::enums::HandshakeType;
use crate::codec::Decode;
use crate::handshake::extensions::{ClientExtension, ProtocolName, ServerExtension};
use crate::handshake::key_exchange::{EcdheClientKeyExchange, EcdheServerKeyExchange};
use crate::handshake::{HandshakeMessage, HandshakePayload};
use crate::suites::KeyExchangeKind;
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;

/// Which way a traced message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// The peer sent it.
    Received,
}

/// One traced message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// Sent or received.
    pub direction: Direction,
    /// The message name, e.g. `ClientHello`, `ChangeCipherSpec`.
    pub message: &'static str,
    /// Encoded length in bytes (handshake body, without the 4-byte header).
    pub len: usize,
    /// Named fields in wire order.
    pub fields: Vec<(&'static str, String)>,
    /// Which handshake of the connection the message belongs to: 1 for the
    /// first, 2 for the first renegotiation (RFC 5746), and so on.
    pub handshake: usize,
}

impl core::fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let arrow = match self.direction {
            Direction::Sent => "->",
            Direction::Received => "<-",
        };
        write!(f, "{arrow} {} ({} bytes)", self.message, self.len)?;
        if self.handshake > 1 {
            write!(
                f,
                " [handshake {}: renegotiation {}]",
                self.handshake,
                self.handshake - 1
            )?;
        }
        writeln!(f)?;
        for (k, v) in &self.fields {
            writeln!(f, "     {k}: {v}")?;
        }
        Ok(())
    }
}

use crate::hex::encode as hex;

fn list<T: core::fmt::Debug>(items: impl IntoIterator<Item = T>) -> String {
    let v: Vec<String> = items.into_iter().map(|i| format!("{i:?}")).collect();
    v.join(", ")
}

fn proto_list<'a>(items: impl IntoIterator<Item = ProtocolName<'a>>) -> String {
    let v: Vec<String> = items
        .into_iter()
        .map(|p| String::from_utf8_lossy(p.0).into_owned())
        .collect();
    v.join(", ")
}

/// The entry for a ChangeCipherSpec.
pub(crate) fn change_cipher_spec(direction: Direction) -> TraceEntry {
    TraceEntry {
        direction,
        message: "ChangeCipherSpec",
        len: 1,
        fields: Vec::new(),
        handshake: 1,
    }
}

/// Describes one whole encoded handshake message (header included). Bytes
/// that do not decode are described as such rather than failing: the trace
/// is for people, and the state machine reports the real error.
///
/// The key exchange messages are read as `kx` says, once ServerHello has
/// fixed it (their shape depends on the suite, RFC 5246 §7.4.3, §7.4.7).
pub(crate) fn describe(
    direction: Direction,
    encoded: &[u8],
    kx: Option<KeyExchangeKind>,
) -> TraceEntry {
    let len = encoded.len().saturating_sub(4);
    let message = encoded
        .first()
        .map(|t| handshake_name(HandshakeType(*t)))
        .unwrap_or("Unknown");
    let mut fields = Vec::new();
    match HandshakeMessage::read(encoded) {
        Ok(msg) => describe_payload(&msg, kx, &mut fields),
        Err(e) => fields.push(("undecodable", e.to_string())),
    }
    TraceEntry {
        direction,
        message,
        len,
        fields,
        handshake: 1,
    }
}

/// The message's name as RFC 5246 writes it, e.g. `ServerKeyExchange`.
pub(crate) fn handshake_name(typ: HandshakeType) -> &'static str {
    match typ.name().unwrap_or("unknown handshake message") {
        "HELLO_REQUEST" => "HelloRequest",
        "CLIENT_HELLO" => "ClientHello",
        "SERVER_HELLO" => "ServerHello",
        "NEW_SESSION_TICKET" => "NewSessionTicket",
        "CERTIFICATE" => "Certificate",
        "SERVER_KEY_EXCHANGE" => "ServerKeyExchange",
        "CERTIFICATE_REQUEST" => "CertificateRequest",
        "SERVER_HELLO_DONE" => "ServerHelloDone",
        "CERTIFICATE_VERIFY" => "CertificateVerify",
        "CLIENT_KEY_EXCHANGE" => "ClientKeyExchange",
        "FINISHED" => "Finished",
        "CERTIFICATE_STATUS" => "CertificateStatus",
        other => other,
    }
}

fn describe_payload(
    p: &HandshakePayload<'_>,
    kx: Option<KeyExchangeKind>,
    f: &mut Vec<(&'static str, String)>,
) {
    match p {
        HandshakePayload::ClientHello(ch) => {
            f.push(("version", format!("{:?}", ch.client_version)));
            f.push(("random", hex(&ch.random.0)));
            f.push(("session_id", hex(ch.session_id.as_ref())));
            f.push(("cipher_suites", list(ch.cipher_suites.iter())));
            f.push(("compression", list(ch.compression_methods.iter())));
            for e in ch.extensions.iter() {
                f.push(("extension", client_ext(&e)));
            }
        }
        HandshakePayload::ServerHello(sh) => {
            f.push(("version", format!("{:?}", sh.server_version)));
            f.push(("random", hex(&sh.random.0)));
            f.push(("session_id", hex(sh.session_id.as_ref())));
            f.push(("cipher_suite", format!("{:?}", sh.cipher_suite)));
            f.push(("compression", format!("{:?}", sh.compression_method)));
            for e in sh.extensions.iter() {
                f.push(("extension", server_ext(&e)));
            }
        }
        HandshakePayload::Certificate(chain) => {
            f.push(("certificates", chain.0.len().to_string()));
            for (i, c) in chain.0.iter().enumerate() {
                let (subject, issuer) = match webpki::EndEntityCert::try_from(c) {
                    Ok(cert) => (render_name(cert.subject()), render_name(cert.issuer())),
                    Err(_) => ("(unparsable)".into(), "(unparsable)".into()),
                };
                f.push((
                    "cert",
                    format!("#{i} subject [{subject}] issuer [{issuer}]"),
                ));
            }
        }
        HandshakePayload::ServerKeyExchange(body) => describe_server_kx(body, kx, f),
        HandshakePayload::CertificateRequest(cr) => {
            f.push(("certificate_types", list(&cr.certificate_types)));
            f.push(("signature_schemes", list(&cr.signature_schemes)));
            f.push(("authorities", cr.authorities.len().to_string()));
        }
        HandshakePayload::ClientKeyExchange(body) => describe_client_kx(body, kx, f),
        HandshakePayload::CertificateVerify(ds) => {
            f.push(("signature_scheme", format!("{:?}", ds.scheme)));
            f.push(("signature_len", ds.signature.len().to_string()));
        }
        HandshakePayload::Finished(fin) => f.push(("verify_data", hex(&fin.verify_data))),
        HandshakePayload::NewSessionTicket(t) => {
            f.push(("lifetime_hint", t.lifetime_hint.to_string()));
            f.push(("ticket_len", t.ticket.len().to_string()));
        }
        _ => {}
    }
}

/// A ServerKeyExchange: the group (a named curve, or a DH prime) and the
/// server's public value, and the signature over them.
fn describe_server_kx(
    body: &[u8],
    kx: Option<KeyExchangeKind>,
    f: &mut Vec<(&'static str, String)>,
) {
    #[cfg(feature = "legacy")]
    if kx == Some(KeyExchangeKind::Dhe) {
        use crate::handshake::key_exchange::DheServerKeyExchange;
        match DheServerKeyExchange::decode_all(body) {
            Ok(dh) => {
                let group = crate::crypto::ffdhe::DhGroup::recognize(dh.params.p, dh.params.g)
                    .map_or_else(|| "not an RFC 7919 group".to_string(), |g| format!("{g:?}"));
                f.push(("group", group));
                f.push(("prime", format!("{} bits", 8 * dh.params.p.len())));
                f.push(("generator", hex(dh.params.g)));
                f.push(("public", hex(dh.params.public)));
                f.push(("signature_scheme", format!("{:?}", dh.signed.scheme)));
                f.push(("signature_len", dh.signed.signature.len().to_string()));
            }
            Err(_) => f.push(("body", hex(body))),
        }
        return;
    }
    let _ = kx;
    match EcdheServerKeyExchange::decode_all(body) {
        Ok(ec) => {
            f.push(("curve", format!("{:?}", ec.params.group)));
            f.push(("public", hex(ec.params.public)));
            f.push(("signature_scheme", format!("{:?}", ec.signed.scheme)));
            f.push(("signature_len", ec.signed.signature.len().to_string()));
        }
        Err(_) => f.push(("body", hex(body))),
    }
}

/// A ClientKeyExchange: the client's public value, or for RSA key transport
/// the encrypted pre-master secret, said in words.
fn describe_client_kx(
    body: &[u8],
    kx: Option<KeyExchangeKind>,
    f: &mut Vec<(&'static str, String)>,
) {
    #[cfg(feature = "legacy")]
    match kx {
        Some(KeyExchangeKind::Rsa) => {
            use crate::handshake::key_exchange::RsaClientKeyExchange;
            match RsaClientKeyExchange::decode_all(body) {
                Ok(rsa) => f.push((
                    "pre-master secret",
                    format!(
                        "encrypted with the server's RSA public key ({} bytes)",
                        rsa.encrypted_pre_master.len()
                    ),
                )),
                Err(_) => f.push(("body", hex(body))),
            }
            return;
        }
        Some(KeyExchangeKind::Dhe) => {
            use crate::handshake::key_exchange::DheClientKeyExchange;
            match DheClientKeyExchange::decode_all(body) {
                Ok(dh) => f.push(("public", hex(dh.public))),
                Err(_) => f.push(("body", hex(body))),
            }
            return;
        }
        _ => {}
    }
    let _ = kx;
    match EcdheClientKeyExchange::decode_all(body) {
        Ok(ec) => f.push(("public", hex(ec.public))),
        Err(_) => f.push(("body", hex(body))),
    }
}

fn client_ext(e: &ClientExtension<'_>) -> String {
    match e {
        ClientExtension::ServerName(names) => {
            let v: Vec<String> = names
                .iter()
                .map(|n| String::from_utf8_lossy(n.name).into_owned())
                .collect();
            format!("server_name {}", v.join(", "))
        }
        ClientExtension::SupportedGroups(g) => format!("supported_groups {}", list(g.iter())),
        ClientExtension::EcPointFormats(p) => format!("ec_point_formats {}", list(p.iter())),
        ClientExtension::SignatureAlgorithms(s) => {
            format!("signature_algorithms {}", list(s.iter()))
        }
        ClientExtension::Alpn(p) => format!("alpn {}", proto_list(p.iter())),
        ClientExtension::ExtendedMasterSecret => "extended_master_secret".into(),
        ClientExtension::EncryptThenMac => "encrypt_then_mac".into(),
        ClientExtension::RenegotiationInfo(r) => format!("renegotiation_info [{}]", hex(r)),
        ClientExtension::SessionTicket(t) => format!("session_ticket ({} bytes)", t.len()),
        ClientExtension::StatusRequest(_) => "status_request".into(),
        ClientExtension::Unknown { typ, data } => format!("{typ:?} ({} bytes)", data.len()),
    }
}

fn server_ext(e: &ServerExtension<'_>) -> String {
    match e {
        ServerExtension::ServerNameAck => "server_name (ack)".into(),
        ServerExtension::EcPointFormats(p) => format!("ec_point_formats {}", list(p.iter())),
        ServerExtension::Alpn(p) => format!("alpn {}", String::from_utf8_lossy(p)),
        ServerExtension::ExtendedMasterSecret => "extended_master_secret".into(),
        ServerExtension::EncryptThenMac => "encrypt_then_mac".into(),
        ServerExtension::RenegotiationInfo(r) => format!("renegotiation_info [{}]", hex(r)),
        ServerExtension::SessionTicketAck => "session_ticket (ack)".into(),
        ServerExtension::StatusRequestAck => "status_request (ack)".into(),
        ServerExtension::Unknown { typ, data } => format!("{typ:?} ({} bytes)", data.len()),
    }
}

/// Renders the content of a DER `Name` (RFC 5280 §4.1.2.4) as `CN=..., O=...`.
/// Only the attribute types people read are named; others print as their OID
/// bytes. Anything that does not walk cleanly renders as hex.
fn render_name(der: &[u8]) -> String {
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *b.first()?;
        let first = *b.get(1)? as usize;
        let (len, hdr) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            if n == 0 || n > 2 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | *b.get(2 + i)? as usize;
            }
            (len, 2 + n)
        };
        let body = b.get(hdr..hdr.checked_add(len)?)?;
        Some((tag, body, &b[hdr + len..]))
    }
    let mut parts = Vec::new();
    let mut rest = der;
    // webpki gives the Name's contents: a run of RDN SETs.
    while !rest.is_empty() {
        let Some((_, set, next)) = tlv(rest) else {
            return hex(der);
        };
        rest = next;
        let Some((_, atv, _)) = tlv(set) else {
            return hex(der);
        };
        let Some((_, oid, after)) = tlv(atv) else {
            return hex(der);
        };
        let Some((_, value, _)) = tlv(after) else {
            return hex(der);
        };
        let key = match oid {
            [0x55, 0x04, 0x03] => "CN".to_string(),
            [0x55, 0x04, 0x06] => "C".to_string(),
            [0x55, 0x04, 0x07] => "L".to_string(),
            [0x55, 0x04, 0x08] => "ST".to_string(),
            [0x55, 0x04, 0x0a] => "O".to_string(),
            [0x55, 0x04, 0x0b] => "OU".to_string(),
            other => hex(other),
        };
        parts.push(format!("{key}={}", String::from_utf8_lossy(value)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_name_and_survives_garbage() {
        // SET { SEQ { OID 2.5.4.3, UTF8String "ab" } }
        let name = [
            0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, b'a', b'b',
        ];
        assert_eq!(render_name(&name), "CN=ab");
        assert_eq!(render_name(&[0x31, 0x7f]), "317f");
        assert_eq!(render_name(&[0x31, 0x85, 1, 1, 1, 1, 1]), "31850101010101");
    }

    #[test]
    fn undecodable_message_is_described_not_fatal() {
        let e = describe(Direction::Received, &[1, 0, 0, 2, 3, 3], None);
        assert_eq!(e.message, "ClientHello");
        assert!(e.fields.iter().any(|(k, _)| *k == "undecodable"));
    }
}
