//! The client's first step: send ClientHello, then check the ServerHello
//! against what we offered (RFC 5246 §7.4.1.2–3, RFC 5746 §3.4, RFC 7627 §5.1,
//! RFC 7301 §3.1, RFC 8422 §5.2).

use std::sync::Arc;

use rustls_pki_types::ServerName;

use crate::codec::enums::{CompressionMethod, EcPointFormat, ProtocolVersion, ServerNameType};
use crate::config::ClientConfig;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::extensions::{ClientExtension, ServerExtension, ServerNameEntry};
use crate::handshake::hello::ClientHello;
use crate::handshake::{HandshakePayload, Random, SessionId};
use crate::state::{send, unexpected, Action, Msg};
use crate::suites::SupportedSuite;

use super::{AwaitCertificate, ClientState};

/// Sent ClientHello; waiting for ServerHello.
pub(crate) struct AwaitServerHello {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
    pub sni: Option<String>,
    pub client_random: [u8; 32],
    pub transcript: Transcript,
}

pub(super) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    actions: &mut Vec<Action>,
) -> Result<AwaitServerHello, Error> {
    if config.suites.is_empty() || config.groups.is_empty() {
        return Err(Error::Config("no cipher suites or groups configured"));
    }
    let mut client_random = [0u8; 32];
    config.random.fill(&mut client_random)?;

    // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
    let sni = match (&server_name, config.enable_sni) {
        (ServerName::DnsName(d), true) => Some(d.as_ref().to_string()),
        _ => None,
    };

    let mut extensions = Vec::new();
    if let Some(name) = &sni {
        extensions.push(ClientExtension::ServerName(vec![ServerNameEntry {
            typ: ServerNameType::HOST_NAME,
            name: name.as_bytes().to_vec(),
        }]));
    }
    extensions.push(ClientExtension::SupportedGroups(config.groups.clone()));
    extensions.push(ClientExtension::EcPointFormats(vec![
        EcPointFormat::UNCOMPRESSED,
    ]));
    extensions.push(ClientExtension::SignatureAlgorithms(
        config.signature_schemes.clone(),
    ));
    if !config.alpn_protocols.is_empty() {
        extensions.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
    }
    // Always offered, even when not required: it is never weaker.
    extensions.push(ClientExtension::ExtendedMasterSecret);
    // RFC 5746 §3.4: the empty extension signals secure renegotiation support.
    extensions.push(ClientExtension::RenegotiationInfo(Vec::new()));

    let hello = ClientHello {
        client_version: ProtocolVersion::TLSV1_2,
        random: Random(client_random),
        session_id: SessionId::empty(),
        cipher_suites: config.suites.iter().map(|s| s.suite).collect(),
        compression_methods: vec![CompressionMethod::NULL],
        extensions,
    };
    let mut transcript = Transcript::new();
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
        transcript,
    })
}

impl AwaitServerHello {
    pub(super) fn handle(
        mut self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
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

        let mut reneg_ok = false;
        let mut ems = false;
        let mut alpn = None;
        for ext in &sh.extensions {
            match ext {
                ServerExtension::RenegotiationInfo(data) => {
                    // RFC 5746 §3.4: on the initial handshake it must be empty.
                    if !data.is_empty() {
                        return Err(Error::BadRenegotiationInfo);
                    }
                    reneg_ok = true;
                }
                ServerExtension::ExtendedMasterSecret => ems = true,
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
                    alpn = Some(proto.clone());
                }
                ServerExtension::ServerNameAck if self.sni.is_some() => {}
                // RFC 5246 §7.4.1.4: an extension we did not offer is fatal.
                _ => return Err(Error::UnsolicitedExtension),
            }
        }
        if !reneg_ok && self.config.require_secure_renegotiation {
            return Err(Error::HandshakeFailure(
                "server does not support secure renegotiation (RFC 5746)",
            ));
        }
        if !ems && self.config.require_extended_master_secret {
            return Err(Error::NoExtendedMasterSecret);
        }

        self.transcript.start(suite.hash);
        self.transcript.add(msg.raw);
        actions.push(Action::StrictVersion);
        Ok(ClientState::AwaitCertificate(AwaitCertificate {
            config: self.config,
            server_name: self.server_name,
            sni: self.sni,
            suite,
            client_random: self.client_random,
            server_random: sh.random.0,
            ems,
            alpn,
            transcript: self.transcript,
        }))
    }
}
