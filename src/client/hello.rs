//! The client's first step: send ClientHello (offering a stored session when
//! there is one), then check the ServerHello against what we offered and
//! branch to a full or an abbreviated handshake (RFC 5246 §7.4.1.2–3,
//! RFC 5746 §3.4, RFC 7627 §5.1/§5.3, RFC 7301 §3.1, RFC 8422 §5.2,
//! RFC 5077 §3.4).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::ServerName;

use crate::codec::enums::{
    CompressionMethod, EcPointFormat, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    ServerNameType,
};
use crate::codec::{put_list, put_vec, Codec, LenSize};
use crate::config::ClientConfig;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::extensions::{put_extension, put_extensions_with, ServerExtension};
use crate::handshake::hello::ServerHello;
use crate::handshake::{put_opaque, put_opaque_list, HandshakePayload, SessionId};
use crate::resumption::session::StoredSession;
use crate::state::{send_body, unexpected, Action, Actions, Msg};
use crate::suites::{KeyExchangeKind, SupportedSuite};

use super::finish::{after_keys, ClientKeyed};
use super::{AwaitCertificate, ClientHs, ClientIdle, ClientState};
use crate::renegotiation::{Prior, VerifyData};

/// Sent ClientHello; waiting for ServerHello.
pub(crate) struct AwaitServerHello {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    sni: Option<String>,
    client_random: [u8; 32],
    /// The session we offered, and the session ID we offered it under.
    offered: Option<(StoredSession, SessionId)>,
    /// Set when this ClientHello renegotiates.
    prior: Option<Box<Prior>>,
    /// Our ClientHello carries session_ticket (see [`asks_for_tickets`]).
    asked_for_ticket: bool,
    transcript: Transcript,
}

/// The key under which sessions for `name` are stored.
pub(crate) fn store_key(name: &ServerName<'_>) -> String {
    crate::verify::server_name_text(name).into_owned()
}

/// Whether our ClientHello carries session_ticket (RFC 5077 §3.2). In a
/// renegotiation it only asks for a new ticket and never offers one: GnuTLS
/// fails its side of an abbreviated renegotiation by ticket (internal_error),
/// where a session ID does the same job.
fn asks_for_tickets(config: &ClientConfig) -> bool {
    config.enable_tickets && config.session_store.is_some()
}

/// A stored session we may offer: fresh, and with a suite we still allow;
/// in a renegotiation, only one with the extended master secret.
fn resumable(
    config: &ClientConfig,
    name: &ServerName<'_>,
    renegotiating: bool,
) -> Option<StoredSession> {
    let store = config.session_store.as_ref()?;
    let bytes = store.get(&crate::verify::server_name_text(name))?;
    let session = StoredSession::from_bytes(&bytes).ok()?;
    let usable = session.is_fresh(config.time.now())
        && config
            .suites
            .iter()
            .any(|s| s.suite == session.suite && config.check_suite(s).is_ok())
        && (session.extended_master_secret
            || !(config.require_extended_master_secret || renegotiating))
        && (!session.ticket.is_empty() || !session.session_id.is_empty());
    usable.then_some(session)
}

/// Queues our ClientHello. `prior` makes it a renegotiation; then a stored
/// session is offered only when `offer_session` (see
/// [`super::ClientState::renegotiate`]) and only by session ID.
pub(super) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    prior: Option<Box<Prior>>,
    offer_session: bool,
    actions: &mut Actions,
) -> Result<AwaitServerHello, Error> {
    if config.suites.is_empty() || config.groups.is_empty() {
        return Err(Error::config("no cipher suites or groups configured"));
    }
    // A legacy suite in the list without its allow_* field is a mistake
    // worth stopping at, not a suite to drop quietly.
    for suite in &config.suites {
        config.check_suite(suite)?;
    }
    let mut client_random = [0u8; 32];
    config.random.fill(&mut client_random)?;

    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
    let sni = match (&server_name, config.enable_sni) {
        (ServerName::DnsName(d), true) => Some(d.as_ref().to_ascii_lowercase()),
        _ => None,
    };

    let renegotiating = prior.is_some();
    let stored = resumable(&config, &server_name, renegotiating)
        .filter(|s| !renegotiating || (offer_session && s.ticket.is_empty()));
    let offered = match stored {
        Some(session) => {
            // RFC 5077 §3.4: with a ticket the client makes up a session ID,
            // and the server echoing it is how resumption shows.
            let id = if session.ticket.is_empty() {
                session.session_id
            } else {
                let mut id = [0u8; 32];
                config.random.fill(&mut id)?;
                SessionId::new(&id).ok_or(Error::Internal("session id"))?
            };
            Some((session, id))
        }
        None => None,
    };

    // A client with nowhere to keep a ticket does not ask for one.
    let asked_for_ticket = asks_for_tickets(&config);
    let ticket = asked_for_ticket.then(|| {
        offered
            .as_ref()
            .map_or(&[][..], |(s, _)| s.ticket.as_slice())
    });
    // The offered session is not yet this connection's to invalidate: only
    // a server that proves it holds the session's master secret (its
    // Finished) makes it so; see `finish::store_session`.
    let session_id = offered.as_ref().map(|(_, id)| *id).unwrap_or_default();
    let mut transcript = Transcript::new();
    // CertificateVerify signs the raw messages (RFC 5246 §7.4.8); keep them
    // if we might have to sign.
    transcript.keep_messages(config.client_cert_resolver.is_some());
    let hello = Hello {
        config: &config,
        random: &client_random,
        sni: sni.as_deref(),
        renegotiation_info: prior.as_ref().map_or(&[][..], |p| p.client_info()),
    };
    let offers_ticket = ticket.is_some_and(|t| !t.is_empty());
    let offered = match hello.send(actions, &mut transcript, &session_id, ticket) {
        Ok(()) => offered,
        // A server may issue a ticket of up to 65,535 bytes (RFC 5077
        // §3.3), which then leaves no room in the extensions block for
        // ours. Offering a ticket is never required (RFC 5077 §3.4): such
        // a session is not offered, a fresh ticket is asked for, and the
        // handshake is a full one. Any other field that does not fit fails
        // the retry the same way, and ends the connection.
        Err(_) if offers_ticket => {
            let ask = ticket.map(|_| &[][..]);
            hello.send(actions, &mut transcript, &SessionId::empty(), ask)?;
            None
        }
        Err(e) => return Err(e),
    };
    Ok(AwaitServerHello {
        config,
        server_name,
        sni,
        client_random,
        offered,
        prior,
        asked_for_ticket,
        transcript,
    })
}

/// What every ClientHello of a connection says, whatever session it offers.
struct Hello<'a> {
    config: &'a ClientConfig,
    random: &'a [u8; 32],
    sni: Option<&'a str>,
    /// Empty on the first handshake; the previous client verify_data in a
    /// renegotiation (RFC 5746 §3.5).
    renegotiation_info: &'a [u8],
}

impl Hello<'_> {
    /// Queues the ClientHello offering `session_id` and `ticket` (see
    /// [`encode_client_hello`]). A field that does not fit its length
    /// prefix (an ALPN name of 256 bytes, more suites than 2^16-1 bytes
    /// hold) is `Internal`, and nothing is queued.
    fn send(
        &self,
        actions: &mut Actions,
        transcript: &mut Transcript,
        session_id: &SessionId,
        ticket: Option<&[u8]>,
    ) -> Result<(), Error> {
        send_body(actions, transcript, HandshakeType::CLIENT_HELLO, |body| {
            encode_client_hello(
                body,
                self.config,
                self.random,
                session_id,
                self.sni,
                ticket,
                self.renegotiation_info,
            )
        })
    }
}

/// Writes our ClientHello body (RFC 5246 §7.4.1.2) straight from the
/// configuration: no owned message or extension list is built first.
///
/// The extensions, in this order: server_name (RFC 6066 §3, when `sni`),
/// supported_groups and ec_point_formats (RFC 8422 §5.1.1–2: uncompressed
/// only), signature_algorithms (RFC 5246 §7.4.1.4.1), ALPN (RFC 7301 §3.1,
/// when configured), SessionTicket (RFC 5077 §3.2, when `ticket`: the
/// ticket offered, or empty to ask for one), extended_master_secret (RFC
/// 7627 §5.1: always offered, even when not required, as it is never
/// weaker), encrypt_then_mac (RFC 7366 §2, with CBC suites) and
/// renegotiation_info (RFC 5746 §3.4: empty on the first handshake, to say
/// we support secure renegotiation; `renegotiation_info` in a later one).
fn encode_client_hello(
    out: &mut Vec<u8>,
    config: &ClientConfig,
    random: &[u8; 32],
    session_id: &SessionId,
    sni: Option<&str>,
    ticket: Option<&[u8]>,
    renegotiation_info: &[u8],
) -> Result<(), Error> {
    ProtocolVersion::TLSV1_2.encode(out)?;
    out.extend_from_slice(random);
    session_id.encode(out)?;
    put_vec(out, LenSize::U16, "cipher_suites too long", |o| {
        config.suites.iter().try_for_each(|s| s.suite.encode(o))
    })?;
    put_list(
        out,
        LenSize::U8,
        "compression_methods too long",
        &[CompressionMethod::NULL],
    )?;
    put_extensions_with(out, |out| {
        if let Some(name) = sni {
            // ServerNameList with the one host_name.
            put_extension(out, ExtensionType::SERVER_NAME, |o| {
                put_vec(o, LenSize::U16, "ServerNameList too long", |o| {
                    ServerNameType::HOST_NAME.encode(o)?;
                    put_opaque(
                        o,
                        LenSize::U16,
                        "server_name HostName too long",
                        name.as_bytes(),
                    )
                })
            })?;
        }
        // RFC 8422 §4: the ECC extensions go with ECC suites, and with an
        // ECDSA client certificate (OpenSSL checks its curve against
        // supported_groups, so any client certificate counts); a client
        // offering only RSA key transport without one sends the classic
        // hello without them (supported_groups still names the RFC 7919
        // groups for DHE).
        let ecc = offers_ecc(config);
        let ffdhe = offered_ffdhe_groups(config);
        if offers_supported_groups(config) {
            put_extension(out, ExtensionType::SUPPORTED_GROUPS, |o| {
                put_vec(o, LenSize::U16, "supported_groups too long", |o| {
                    let ec = if ecc { &config.groups[..] } else { &[] };
                    for g in ec.iter().chain(ffdhe) {
                        g.encode(o)?;
                    }
                    Ok(())
                })
            })?;
        }
        if ecc {
            put_extension(out, ExtensionType::EC_POINT_FORMATS, |o| {
                put_list(
                    o,
                    LenSize::U8,
                    "ec_point_formats too long",
                    &[EcPointFormat::UNCOMPRESSED],
                )
            })?;
        }
        put_extension(out, ExtensionType::SIGNATURE_ALGORITHMS, |o| {
            put_list(
                o,
                LenSize::U16,
                "signature_algorithms too long",
                &config.signature_schemes,
            )
        })?;
        if !config.alpn_protocols.is_empty() {
            put_extension(
                out,
                ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                |o| {
                    put_opaque_list(
                        o,
                        (LenSize::U16, "ALPN protocol list too long"),
                        (LenSize::U8, "ALPN protocol name too long"),
                        &config.alpn_protocols,
                    )
                },
            )?;
        }
        if let Some(ticket) = ticket {
            put_extension(out, ExtensionType::SESSION_TICKET, |o| {
                o.extend_from_slice(ticket);
                Ok(())
            })?;
        }
        put_extension(out, ExtensionType::EXTENDED_MASTER_SECRET, |_| Ok(()))?;
        if offers_etm(config) {
            put_extension(out, ExtensionType::ENCRYPT_THEN_MAC, |_| Ok(()))?;
        }
        put_extension(out, ExtensionType::RENEGOTIATION_INFO, |o| {
            put_opaque(
                o,
                LenSize::U8,
                "renegotiation_info too long",
                renegotiation_info,
            )
        })
    })
}

/// Whether our ClientHello offers encrypt_then_mac (RFC 7366 §2): whenever
/// it offers a CBC suite, unless the configuration turned it off.
fn offers_etm(config: &ClientConfig) -> bool {
    #[cfg(feature = "legacy")]
    return config.allow_cbc
        && config.encrypt_then_mac
        && config.suites.iter().any(|s| s.protection.is_cbc());
    #[cfg(not(feature = "legacy"))]
    {
        let _ = config;
        false
    }
}

/// Whether the hello carries the ECC extensions (RFC 8422 §4): with an ECDHE
/// suite, or with a client certificate (see `encode_client_hello`).
fn offers_ecc(config: &ClientConfig) -> bool {
    config.suites.iter().any(|s| s.kx == KeyExchangeKind::Ecdhe)
        || config.client_cert_resolver.is_some()
}

/// Whether the hello carries supported_groups: for ECC, or to name the RFC
/// 7919 groups.
fn offers_supported_groups(config: &ClientConfig) -> bool {
    offers_ecc(config) || !offered_ffdhe_groups(config).is_empty()
}

/// The RFC 7919 groups we name in supported_groups: all three when we offer
/// a DHE suite (RFC 7919 §3: a client offering FFDHE suites should list the
/// groups it accepts), none otherwise.
fn offered_ffdhe_groups(config: &ClientConfig) -> &'static [NamedGroup] {
    #[cfg(feature = "legacy")]
    if config.allow_ffdhe && config.suites.iter().any(|s| s.kx == KeyExchangeKind::Dhe) {
        return &[
            NamedGroup::FFDHE2048,
            NamedGroup::FFDHE3072,
            NamedGroup::FFDHE4096,
        ];
    }
    let _ = config;
    &[]
}

/// What the ServerHello's extensions say, once checked against our offer.
struct Answer {
    secure_renegotiation: bool,
    ems: bool,
    etm: bool,
    alpn: Option<Vec<u8>>,
    ticket_ack: bool,
}

impl AwaitServerHello {
    pub(super) fn is_renegotiation(&self) -> bool {
        self.prior.is_some()
    }

    pub(super) fn into_idle(self) -> ClientIdle {
        ClientIdle {
            config: self.config,
            server_name: self.server_name,
            completed: None,
        }
    }

    fn check_extensions(&self, sh: &ServerHello<'_>) -> Result<Answer, Error> {
        let mut reneg_ok = false;
        let mut answer = Answer {
            secure_renegotiation: false,
            ems: false,
            etm: false,
            alpn: None,
            ticket_ack: false,
        };
        for ext in sh.extensions.iter() {
            match ext {
                ServerExtension::RenegotiationInfo(data) => {
                    match &self.prior {
                        // RFC 5746 §3.5: both verify_data of the handshake
                        // before.
                        Some(prior) => prior.check_server_hello(Some(data))?,
                        // RFC 5746 §3.4: on the initial handshake it must
                        // be empty.
                        None if !data.is_empty() => return Err(Error::BadRenegotiationInfo),
                        None => {}
                    }
                    reneg_ok = true;
                }
                ServerExtension::ExtendedMasterSecret => answer.ems = true,
                ServerExtension::EncryptThenMac if offers_etm(&self.config) => answer.etm = true,
                ServerExtension::EcPointFormats(formats) => {
                    if !formats.contains(&EcPointFormat::UNCOMPRESSED) {
                        return Err(Error::IllegalParameter(
                            "server does not accept uncompressed points",
                        ));
                    }
                }
                ServerExtension::Alpn(proto) => {
                    if !self.config.alpn_protocols.iter().any(|p| p == proto) {
                        return Err(Error::IllegalParameter(
                            "server chose an ALPN protocol we did not offer",
                        ));
                    }
                    answer.alpn = Some(proto.to_vec());
                }
                ServerExtension::ServerNameAck if self.sni.is_some() => {}
                ServerExtension::SessionTicketAck if self.asked_for_ticket => {
                    answer.ticket_ack = true
                }
                // We sent supported_groups, so the server may answer it
                // (RFC 5246 §7.4.1.4); RFC 8422 §5.2 gives it no meaning in
                // a ServerHello, so it is ignored.
                ServerExtension::Unknown {
                    typ: ExtensionType::SUPPORTED_GROUPS,
                    ..
                } if offers_supported_groups(&self.config) => {}
                // RFC 5246 §7.4.1.4: an extension we did not offer is fatal.
                _ => return Err(Error::UnsolicitedExtension),
            }
        }
        // RFC 5746 §3.5: a renegotiating server must send it, whatever the
        // configuration says of first handshakes.
        if let (false, Some(prior)) = (reneg_ok, &self.prior) {
            prior.check_server_hello(None)?;
        }
        if !reneg_ok && self.config.require_secure_renegotiation {
            return Err(Error::HandshakeFailure(
                "server does not support secure renegotiation (RFC 5746)",
            ));
        }
        answer.secure_renegotiation = reneg_ok;
        Ok(answer)
    }

    pub(super) fn handle(
        mut self,
        msg: Msg<'_>,
        actions: &mut Actions,
    ) -> Result<ClientState, Error> {
        let HandshakePayload::ServerHello(sh) = &msg.payload else {
            return Err(unexpected("ServerHello", &msg));
        };
        if sh.server_version != ProtocolVersion::TLSV1_2 {
            return Err(Error::ProtocolVersion);
        }
        let suite: &'static SupportedSuite = self
            .config
            .suites
            .iter()
            .copied()
            .find(|s| s.suite == sh.cipher_suite)
            .ok_or(Error::IllegalParameter(
                "server chose a cipher suite we did not offer",
            ))?;
        if sh.compression_method != CompressionMethod::NULL {
            return Err(Error::IllegalParameter(
                "server chose a compression method we did not offer",
            ));
        }
        let answer = self.check_extensions(sh)?;
        // RFC 7366 §3: a server must not answer encrypt_then_mac with an
        // AEAD suite, which has no separate MAC to move.
        if answer.etm && !suite.protection.is_cbc() {
            return Err(Error::IllegalParameter(
                "server chose encrypt-then-MAC with a suite that is not CBC",
            ));
        }

        // RFC 5246 §7.4.1.3: the server resumes by echoing our session ID.
        let offered = self.offered.take();
        let resumed = match offered {
            Some((session, id)) if !sh.session_id.is_empty() && sh.session_id == id => {
                Some(session)
            }
            _ => None,
        };
        if let Some(session) = &resumed {
            if session.suite != sh.cipher_suite {
                return Err(Error::IllegalParameter(
                    "resumed session with a different suite",
                ));
            }
            // RFC 7627 §5.3: the EMS state of a resumed session must not change.
            if session.extended_master_secret != answer.ems {
                return Err(Error::HandshakeFailure(
                    "resumption changed the extended master secret state",
                ));
            }
            // RFC 7366 §3.1: nor may its encrypt-then-MAC state.
            if session.encrypt_then_mac != answer.etm {
                return Err(Error::HandshakeFailure(
                    "resumption changed the encrypt-then-MAC state",
                ));
            }
        } else if !answer.ems && self.config.require_extended_master_secret {
            return Err(Error::NoExtendedMasterSecret);
        }
        // A renegotiation keeps EMS, strength and the server's identity
        // (see `crate::renegotiation`).
        crate::renegotiation::require_ems(self.prior.as_deref(), answer.ems)?;
        if let Some(prior) = &self.prior {
            prior.check_strength(suite, answer.etm)?;
            if let Some(session) = &resumed {
                prior.check_identity(
                    session.peer_certificate.as_ref(),
                    self.config.dangerous_renegotiation_identity_change,
                )?;
            }
        }

        self.transcript.start(suite.hash);
        self.transcript.add(msg.raw);
        actions.push(Action::SuiteChosen(suite.kx));
        let hs = ClientHs {
            config: self.config,
            server_name: self.server_name,
            sni: self.sni,
            suite,
            client_random: self.client_random,
            server_random: sh.random.0,
            ems: answer.ems,
            etm: answer.etm,
            alpn: answer.alpn,
            session_id: sh.session_id,
            ticket_expected: answer.ticket_ack,
            secure_renegotiation: answer.secure_renegotiation,
            verify_data: VerifyData::default(),
            prior: self.prior,
            transcript: self.transcript,
        };
        match resumed {
            None => Ok(ClientState::AwaitCertificate(AwaitCertificate { hs })),
            Some(session) => {
                // Abbreviated handshake: same master secret, new randoms.
                let (prf, write) = hs.derive_keys(&session.master, actions)?;
                let mut hs = hs;
                hs.transcript.keep_messages(false);
                Ok(after_keys(ClientKeyed {
                    hs,
                    master: session.master,
                    prf,
                    peer_certificates: session.peer_certificate.into_iter().collect(),
                    group: None,
                    scheme: None,
                    resumed_write: Some(write),
                    created: Some(session.created),
                    new_ticket: None,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::{CipherSuite, NamedGroup, SignatureScheme};
    use crate::codec::{Decode, List};
    use crate::handshake::extensions::{ClientExtension, ProtocolName, ServerNameEntry};
    use crate::handshake::hello::ClientHello;
    use crate::handshake::Random;
    use crate::verify::RootCertStore;

    /// The ClientHello as `start` built it before it was encoded straight
    /// from the configuration: an owned struct, then `encode`.
    fn struct_encoding(
        config: &ClientConfig,
        random: &[u8; 32],
        session_id: &SessionId,
        sni: Option<&str>,
        ticket: Option<&[u8]>,
    ) -> Vec<u8> {
        let host_name = sni.map(|name| {
            [ServerNameEntry {
                typ: ServerNameType::HOST_NAME,
                name: name.as_bytes(),
            }]
        });
        let alpn: Vec<ProtocolName<'_>> = config
            .alpn_protocols
            .iter()
            .map(|p| ProtocolName(p))
            .collect();
        let mut extensions = Vec::new();
        if let Some(entry) = &host_name {
            extensions.push(ClientExtension::ServerName(List::Items(entry)));
        }
        extensions.push(ClientExtension::SupportedGroups(List::Items(
            &config.groups,
        )));
        extensions.push(ClientExtension::EcPointFormats(List::Items(&[
            EcPointFormat::UNCOMPRESSED,
        ])));
        extensions.push(ClientExtension::SignatureAlgorithms(List::Items(
            &config.signature_schemes,
        )));
        if !alpn.is_empty() {
            extensions.push(ClientExtension::Alpn(List::Items(&alpn)));
        }
        if let Some(t) = ticket {
            extensions.push(ClientExtension::SessionTicket(t));
        }
        extensions.push(ClientExtension::ExtendedMasterSecret);
        extensions.push(ClientExtension::RenegotiationInfo(&[]));
        let suites: Vec<CipherSuite> = config.suites.iter().map(|s| s.suite).collect();
        ClientHello {
            client_version: ProtocolVersion::TLSV1_2,
            random: Random(*random),
            session_id: *session_id,
            cipher_suites: List::Items(&suites),
            compression_methods: List::Items(&[CompressionMethod::NULL]),
            extensions: List::Items(&extensions),
        }
        .encode_to_vec()
    }

    /// A config, the session ID offered, the SNI name and the ticket.
    type Case<'a> = (
        &'a ClientConfig,
        SessionId,
        Option<&'a str>,
        Option<&'a [u8]>,
    );

    #[test]
    fn direct_encoding_matches_struct_encoding() {
        let default = ClientConfig::new(RootCertStore::new());
        let mut alpn = default.clone();
        alpn.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut narrow = default.clone();
        narrow.suites.truncate(1);
        narrow.groups = vec![NamedGroup::X25519];
        narrow.signature_schemes = vec![SignatureScheme::ED25519];
        let random = [0xa5; 32];
        let resumed_id = SessionId::new(&[7; 32]).unwrap();
        let short_id = SessionId::new(&[1, 2, 3]).unwrap();
        let ticket = [0x42u8; 190];
        let cases: [Case<'_>; 7] = [
            // SNI, asking for a ticket.
            (&default, SessionId::empty(), Some("example.com"), Some(&[])),
            // No SNI (an IP address, or SNI turned off), no tickets.
            (&default, SessionId::empty(), None, None),
            // ALPN.
            (&alpn, SessionId::empty(), Some("localhost"), None),
            // Resumption offered by ticket, under a made-up session ID.
            (&alpn, resumed_id, Some("localhost"), Some(&ticket)),
            // Resumption offered by session ID, tickets still asked for.
            (&default, short_id, Some("a.example"), Some(&[])),
            // Resumption by session ID without tickets.
            (&narrow, resumed_id, None, None),
            (&narrow, SessionId::empty(), Some("x"), Some(&ticket[..1])),
        ];
        for (config, id, sni, ticket) in cases {
            let mut direct = Vec::new();
            encode_client_hello(&mut direct, config, &random, &id, sni, ticket, &[]).unwrap();
            let old = struct_encoding(config, &random, &id, sni, ticket);
            assert_eq!(direct, old, "{sni:?} {id:?} {ticket:?}");
            // And it decodes to what was offered.
            let ch = ClientHello::decode_all(&direct).unwrap();
            assert_eq!(ch.session_id, id);
            assert_eq!(ch.session_ticket(), ticket);
            assert_eq!(ch.sni_hostname(), sni.map(str::as_bytes));
            assert!(ch.offers_suite(config.suites[0].suite));
            assert!(!ch.offers_suite(CipherSuite(0xfefe)));
        }
    }
}
