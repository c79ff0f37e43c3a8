//! The client's first step: send ClientHello (offering a stored session when
//! there is one), then check the ServerHello against what we offered and
//! branch to a full or an abbreviated handshake (RFC 5246 §7.4.1.2–3,
//! RFC 5746 §3.4, RFC 7627 §5.1/§5.3, RFC 7301 §3.1, RFC 8422 §5.2,
//! RFC 5077 §3.4).

use std::sync::Arc;

use rustls_pki_types::ServerName;

use crate::codec::enums::{
    CipherSuite, CompressionMethod, EcPointFormat, ProtocolVersion, ServerNameType,
};
use crate::codec::{Codec, List};
use crate::config::ClientConfig;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::extensions::{
    ClientExtension, ProtocolName, ServerExtension, ServerNameEntry,
};
use crate::handshake::hello::{ClientHello, ServerHello};
use crate::handshake::{HandshakePayload, Random, SessionId};
use crate::resumption::StoredSession;
use crate::state::{log_master, send, unexpected, Action, Msg, Outbox, SessionKey};
use crate::suites::SupportedSuite;

use super::finish::{after_keys, Keyed};
use super::{AwaitCertificate, ClientState, Hs};

/// Sent ClientHello; waiting for ServerHello.
pub(crate) struct AwaitServerHello {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    sni: Option<String>,
    client_random: [u8; 32],
    /// The session we offered, and the session ID we offered it under.
    offered: Option<(StoredSession, SessionId)>,
    transcript: Transcript,
}

/// The key under which sessions for `name` are stored.
pub(crate) fn store_key(name: &ServerName<'_>) -> String {
    name.to_str().into_owned()
}

/// Whether our ClientHello carries session_ticket (RFC 5077 §3.2).
fn asks_for_tickets(config: &ClientConfig) -> bool {
    config.enable_tickets && config.session_store.is_some()
}

/// A stored session we may offer: fresh, and with a suite we still allow.
fn resumable(config: &ClientConfig, name: &ServerName<'_>) -> Option<StoredSession> {
    let store = config.session_store.as_ref()?;
    let bytes = store.get(&store_key(name))?;
    let session = StoredSession::from_bytes(&bytes).ok()?;
    let usable = session.is_fresh(config.time.now())
        && config.suites.iter().any(|s| s.suite == session.suite)
        && (session.extended_master_secret || !config.require_extended_master_secret)
        && (!session.ticket.is_empty() || !session.session_id.is_empty());
    usable.then_some(session)
}

pub(super) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    actions: &mut Outbox,
) -> Result<AwaitServerHello, Error> {
    if config.suites.is_empty() || config.groups.is_empty() {
        return Err(Error::Config("no cipher suites or groups configured"));
    }
    let mut client_random = [0u8; 32];
    config.random.fill(&mut client_random)?;

    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
    let sni = match (&server_name, config.enable_sni) {
        (ServerName::DnsName(d), true) => Some(d.as_ref().to_ascii_lowercase()),
        _ => None,
    };

    let offered = match resumable(&config, &server_name) {
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

    let host_name = sni.as_ref().map(|name| {
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
    let mut extensions = Vec::with_capacity(9);
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
    // A client with nowhere to keep a ticket does not ask for one.
    if asks_for_tickets(&config) {
        let ticket = offered
            .as_ref()
            .map(|(s, _)| s.ticket.as_slice())
            .unwrap_or_default();
        extensions.push(ClientExtension::SessionTicket(ticket));
    }
    // Always offered, even when not required: it is never weaker.
    extensions.push(ClientExtension::ExtendedMasterSecret);
    // RFC 5746 §3.4: the empty extension signals secure renegotiation support.
    extensions.push(ClientExtension::RenegotiationInfo(&[]));

    let suites: Vec<CipherSuite> = config.suites.iter().map(|s| s.suite).collect();
    let hello = ClientHello {
        client_version: ProtocolVersion::TLSV1_2,
        random: Random(client_random),
        session_id: offered.as_ref().map(|(_, id)| *id).unwrap_or_default(),
        cipher_suites: List::Items(&suites),
        compression_methods: List::Items(&[CompressionMethod::NULL]),
        extensions: List::Items(&extensions),
    };
    if let (Some(_), Some(store)) = (&offered, &config.session_store) {
        actions.push(Action::Session(SessionKey::Client {
            store: store.clone(),
            name: store_key(&server_name),
        }));
    }
    let mut transcript = Transcript::new();
    // CertificateVerify signs the raw messages (RFC 5246 §7.4.8); keep them
    // if we might have to sign.
    transcript.keep_messages(config.client_cert_resolver.is_some());
    send(
        actions,
        &mut transcript,
        HandshakePayload::ClientHello(hello),
    );
    Ok(AwaitServerHello {
        config,
        server_name,
        sni,
        client_random,
        offered,
        transcript,
    })
}

/// What the ServerHello's extensions say, once checked against our offer.
struct Answer {
    ems: bool,
    alpn: Option<Vec<u8>>,
    ticket_ack: bool,
}

impl AwaitServerHello {
    fn check_extensions(&self, sh: &ServerHello<'_>) -> Result<Answer, Error> {
        let mut reneg_ok = false;
        let mut answer = Answer {
            ems: false,
            alpn: None,
            ticket_ack: false,
        };
        for ext in sh.extensions.iter() {
            match ext {
                ServerExtension::RenegotiationInfo(data) => {
                    // RFC 5746 §3.4: on the initial handshake it must be empty.
                    if !data.is_empty() {
                        return Err(Error::BadRenegotiationInfo);
                    }
                    reneg_ok = true;
                }
                ServerExtension::ExtendedMasterSecret => answer.ems = true,
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
                ServerExtension::SessionTicketAck if asks_for_tickets(&self.config) => {
                    answer.ticket_ack = true
                }
                // RFC 5246 §7.4.1.4: an extension we did not offer is fatal.
                _ => return Err(Error::UnsolicitedExtension),
            }
        }
        if !reneg_ok && self.config.require_secure_renegotiation {
            return Err(Error::HandshakeFailure(
                "server does not support secure renegotiation (RFC 5746)",
            ));
        }
        Ok(answer)
    }

    pub(super) fn handle(
        mut self,
        msg: Msg<'_>,
        actions: &mut Outbox,
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
        } else if !answer.ems && self.config.require_extended_master_secret {
            return Err(Error::NoExtendedMasterSecret);
        }

        self.transcript.start(suite.hash);
        self.transcript.add(msg.raw);
        actions.push(Action::StrictVersion);
        let hs = Hs {
            config: self.config,
            server_name: self.server_name,
            sni: self.sni,
            suite,
            client_random: self.client_random,
            server_random: sh.random.0,
            ems: answer.ems,
            alpn: answer.alpn,
            session_id: sh.session_id,
            ticket_expected: answer.ticket_ack,
            transcript: self.transcript,
        };
        match resumed {
            None => Ok(ClientState::AwaitCertificate(AwaitCertificate { hs })),
            Some(session) => {
                // Abbreviated handshake: same master secret, new randoms.
                let keys = session
                    .master
                    .key_block(suite, &hs.client_random, &hs.server_random);
                log_master(&hs.config.key_log, &hs.client_random, &session.master);
                actions.push(Action::PrepareRead(keys.server_decrypter()));
                let mut hs = hs;
                hs.transcript.keep_messages(false);
                Ok(after_keys(Keyed {
                    hs,
                    master: session.master,
                    peer_certificates: session.peer_certificates,
                    group: None,
                    scheme: None,
                    resumed_write: Some(keys.client_encrypter()),
                    created: Some(session.created),
                    new_ticket: None,
                }))
            }
        }
    }
}
