//! The server's first step: read the ClientHello, choose suite, group,
//! certificate, signature scheme and ALPN protocol, and send the whole first
//! flight (RFC 5246 §7.4.1–§7.4.5, RFC 8422 §5.4, RFC 5746 §3.6, RFC 7627 §5.2,
//! RFC 6066 §3, RFC 7301 §3.2).

use std::sync::Arc;

use crate::codec::enums::{
    CipherSuite, CompressionMethod, EcPointFormat, NamedGroup, ProtocolVersion,
};
use crate::codec::Codec;
use crate::config::{ClientHelloInfo, ServerConfig};
use crate::crypto::kx::KeyExchange;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::certificate::{CertificateChain, DigitallySigned};
use crate::handshake::extensions::ServerExtension;
use crate::handshake::hello::{ClientHello, ServerHello};
use crate::handshake::key_exchange::{EcdheServerKeyExchange, EcdheServerParams};
use crate::handshake::{HandshakePayload, Random, SessionId};
use crate::state::{kx_signed_message, send, unexpected, Action, Msg};
use crate::suites::SupportedSuite;

use super::{AwaitClientKx, ServerState};

/// Waiting for the ClientHello.
pub(crate) struct AwaitClientHello {
    pub config: Arc<ServerConfig>,
}

impl AwaitClientHello {
    pub(super) fn handle(
        self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakePayload::ClientHello(ch) = &msg.payload else {
            return Err(unexpected("ClientHello", &msg));
        };
        let config = self.config;
        // RFC 5246 Appendix E.1: a client offering less than TLS 1.2 gets
        // protocol_version from a TLS 1.2-only server.
        if ch.client_version < ProtocolVersion::TLSV1_2 {
            return Err(Error::ProtocolVersion);
        }
        // RFC 5246 §7.4.1.2: the list MUST contain null.
        if !ch.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(Error::IllegalParameter(
                "ClientHello does not offer null compression",
            ));
        }
        check_secure_renegotiation(ch, &config)?;
        let ems = ch.has_ems();
        if !ems && config.require_extended_master_secret {
            return Err(Error::NoExtendedMasterSecret);
        }

        let sni = sni_name(ch)?;
        let client_schemes = ch.signature_schemes().unwrap_or(&[]);
        let certified = config
            .cert_resolver
            .resolve(&ClientHelloInfo {
                server_name: sni.as_deref(),
                signature_schemes: client_schemes,
                cipher_suites: &ch.cipher_suites,
            })
            .ok_or(Error::HandshakeFailure("no certificate for this client"))?;
        let suite = choose_suite(&config, &ch.cipher_suites, certified.key.auth_kind())?;
        let group = choose_group(&config, ch.supported_groups())?;
        // RFC 5246 §7.4.1.4.1: without signature_algorithms the client
        // accepts only SHA-1, which we never sign with.
        let acceptable: Vec<_> = client_schemes
            .iter()
            .copied()
            .filter(|s| config.signature_schemes.contains(s))
            .collect();
        let scheme = certified
            .key
            .choose_scheme(&acceptable)
            .ok_or(Error::HandshakeFailure("no signature scheme in common"))?;
        let alpn = choose_alpn(&config, ch.alpn_protocols())?;

        let mut server_random = [0u8; 32];
        config.random.fill(&mut server_random)?;
        let client_random = ch.random.0;

        let mut extensions = vec![ServerExtension::RenegotiationInfo(Vec::new())];
        if ems {
            extensions.push(ServerExtension::ExtendedMasterSecret);
        }
        if ch
            .find(crate::codec::enums::ExtensionType::EC_POINT_FORMATS)
            .is_some()
        {
            extensions.push(ServerExtension::EcPointFormats(vec![
                EcPointFormat::UNCOMPRESSED,
            ]));
        }
        if sni.is_some() {
            // RFC 6066 §3: a server that used the name acknowledges it.
            extensions.push(ServerExtension::ServerNameAck);
        }
        if let Some(p) = &alpn {
            extensions.push(ServerExtension::Alpn(p.clone()));
        }

        let mut transcript = Transcript::new();
        transcript.start(suite.hash);
        transcript.add(msg.raw);
        send(
            actions,
            &mut transcript,
            HandshakePayload::ServerHello(ServerHello {
                server_version: ProtocolVersion::TLSV1_2,
                random: Random(server_random),
                session_id: SessionId::empty(),
                cipher_suite: suite.suite,
                compression_method: CompressionMethod::NULL,
                extensions,
            }),
        );
        actions.push(Action::StrictVersion);
        send(
            actions,
            &mut transcript,
            HandshakePayload::Certificate(CertificateChain(certified.chain.clone())),
        );

        let rng = ring::rand::SystemRandom::new();
        let kx = KeyExchange::start(group, &rng)?;
        let params = EcdheServerParams {
            group,
            public: kx.public_key().to_vec(),
        };
        let signed = kx_signed_message(&client_random, &server_random, &params.to_bytes());
        let signature = certified.key.sign(scheme, &signed, &rng)?;
        let skx = EcdheServerKeyExchange {
            params,
            signed: DigitallySigned { scheme, signature },
        };
        send(
            actions,
            &mut transcript,
            HandshakePayload::ServerKeyExchange(skx.to_bytes()),
        );
        send(actions, &mut transcript, HandshakePayload::ServerHelloDone);

        Ok(ServerState::AwaitClientKx(AwaitClientKx {
            suite,
            group,
            scheme,
            kx,
            client_random,
            server_random,
            ems,
            alpn,
            sni,
            transcript,
        }))
    }
}

/// RFC 5746 §3.6: the SCSV or an empty renegotiation_info signals support;
/// a non-empty one on an initial handshake is an attack.
fn check_secure_renegotiation(ch: &ClientHello, config: &ServerConfig) -> Result<(), Error> {
    let scsv = ch
        .cipher_suites
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    match ch.renegotiation_info() {
        Some(data) if !data.is_empty() => Err(Error::BadRenegotiationInfo),
        Some(_) => Ok(()),
        None if scsv || !config.require_secure_renegotiation => Ok(()),
        None => Err(Error::HandshakeFailure(
            "client does not support secure renegotiation (RFC 5746)",
        )),
    }
}

/// The SNI host name, if the client sent a usable one (RFC 6066 §3: a DNS
/// host name; no IP literals, no trailing dot).
fn sni_name(ch: &ClientHello) -> Result<Option<String>, Error> {
    let Some(raw) = ch.sni_hostname() else {
        return Ok(None);
    };
    let name = core::str::from_utf8(raw)
        .map_err(|_| Error::IllegalParameter("server_name is not ASCII"))?;
    match rustls_pki_types::ServerName::try_from(name) {
        Ok(rustls_pki_types::ServerName::DnsName(_)) => Ok(Some(name.to_ascii_lowercase())),
        _ => Err(Error::IllegalParameter(
            "server_name is not a DNS host name",
        )),
    }
}

fn choose_suite(
    config: &ServerConfig,
    offered: &[CipherSuite],
    auth: crate::suites::AuthKind,
) -> Result<&'static SupportedSuite, Error> {
    let ours = config.suites.iter().copied().filter(|s| s.auth == auth);
    let chosen = if config.honor_client_order {
        offered.iter().find_map(|c| {
            config
                .suites
                .iter()
                .copied()
                .find(|s| s.suite == *c && s.auth == auth)
        })
    } else {
        ours.clone().find(|s| offered.contains(&s.suite))
    };
    chosen.ok_or(Error::HandshakeFailure("no cipher suite in common"))
}

/// RFC 8422 §4: a client without supported_groups is taken to accept any
/// curve; we then use our first choice.
fn choose_group(
    config: &ServerConfig,
    offered: Option<&[NamedGroup]>,
) -> Result<NamedGroup, Error> {
    let chosen = match offered {
        Some(offered) => config.groups.iter().copied().find(|g| offered.contains(g)),
        None => config.groups.first().copied(),
    };
    chosen.ok_or(Error::HandshakeFailure("no ECDHE group in common"))
}

/// RFC 7301 §3.2: the server picks by its own preference; no overlap is
/// fatal (no_application_protocol). A server without ALPN ignores it.
fn choose_alpn(
    config: &ServerConfig,
    offered: Option<&[Vec<u8>]>,
) -> Result<Option<Vec<u8>>, Error> {
    let Some(offered) = offered else {
        return Ok(None);
    };
    if config.alpn_protocols.is_empty() {
        return Ok(None);
    }
    config
        .alpn_protocols
        .iter()
        .find(|p| offered.contains(p))
        .cloned()
        .map(Some)
        .ok_or(Error::NoApplicationProtocol)
}
