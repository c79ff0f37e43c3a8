//! The client after ServerHello: the server's Certificate (verified at once),
//! its signed ECDHE parameters, ServerHelloDone, then our key exchange,
//! ChangeCipherSpec and Finished, and the server's ChangeCipherSpec and
//! Finished (RFC 5246 §7.4.2–§7.4.9, RFC 8422 §5.4, RFC 7627 §4).

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, ServerName};

use crate::codec::enums::ProtocolVersion;
use crate::codec::Codec;
use crate::config::ClientConfig;
use crate::crypto::key_schedule::MasterSecret;
use crate::crypto::kx::KeyExchange;
use crate::crypto::sign::verify_signature;
use crate::crypto::transcript::Transcript;
use crate::error::{CertificateError, Error};
use crate::event::Negotiated;
use crate::handshake::certificate::CertificateChain;
use crate::handshake::key_exchange::{EcdheClientKeyExchange, EcdheServerKeyExchange};
use crate::handshake::HandshakePayload;
use crate::state::{
    check_finished, kx_signed_message, scheme_auth, send, send_finished, unexpected, Action, Msg,
    Traffic,
};
use crate::suites::SupportedSuite;
use crate::verify::ServerCertVerified;

use super::ClientState;

/// ServerHello accepted; waiting for the server's Certificate.
pub(crate) struct AwaitCertificate {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
    pub sni: Option<String>,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub ems: bool,
    pub alpn: Option<Vec<u8>>,
    pub transcript: Transcript,
}

impl AwaitCertificate {
    pub(super) fn handle(mut self, msg: Msg<'_>) -> Result<ClientState, Error> {
        let HandshakePayload::Certificate(CertificateChain(chain)) = msg.payload else {
            return Err(unexpected("Certificate", &msg));
        };
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(Error::InvalidCertificate(CertificateError::Empty));
        };
        self.config.verifier.verify_server_cert(
            end_entity,
            intermediates,
            &self.server_name,
            self.config.time.now(),
        )?;
        let verified = ServerCertVerified::assertion();
        self.transcript.add(msg.raw);
        Ok(ClientState::AwaitServerKx(AwaitServerKx {
            hs: self,
            chain,
            _verified: verified,
        }))
    }
}

/// The chain verified; waiting for the signed ECDHE parameters.
pub(crate) struct AwaitServerKx {
    hs: AwaitCertificate,
    chain: Vec<CertificateDer<'static>>,
    _verified: ServerCertVerified,
}

impl AwaitServerKx {
    pub(super) fn handle(mut self, msg: Msg<'_>) -> Result<ClientState, Error> {
        let HandshakePayload::ServerKeyExchange(body) = &msg.payload else {
            return Err(unexpected("ServerKeyExchange", &msg));
        };
        let skx = EcdheServerKeyExchange::from_bytes(body)?;
        let config = &self.hs.config;
        if !config.groups.contains(&skx.params.group) {
            return Err(Error::IllegalParameter(
                "server chose a group we did not offer",
            ));
        }
        let scheme = skx.signed.scheme;
        if !config.signature_schemes.contains(&scheme) {
            return Err(Error::IllegalParameter(
                "server signed with a scheme we did not offer",
            ));
        }
        // RFC 5246 §7.4.3: the signature must match the suite's authentication.
        if scheme_auth(scheme) != Some(self.hs.suite.auth) {
            return Err(Error::IllegalParameter(
                "signature scheme does not fit the cipher suite",
            ));
        }
        let signed = kx_signed_message(
            &self.hs.client_random,
            &self.hs.server_random,
            &skx.params_bytes(),
        );
        // The chain is non-empty: AwaitCertificate refused an empty one.
        let end_entity = self.chain.first().ok_or(Error::Internal("empty chain"))?;
        verify_signature(end_entity, scheme, &signed, &skx.signed.signature)?;
        self.hs.transcript.add(msg.raw);
        Ok(ClientState::AwaitServerHelloDone(AwaitServerHelloDone {
            hs: self.hs,
            chain: self.chain,
            _verified: self._verified,
            group: skx.params.group,
            server_public: skx.params.public,
            scheme,
            cert_requested: false,
        }))
    }
}

/// Parameters verified; waiting for ServerHelloDone (or CertificateRequest).
pub(crate) struct AwaitServerHelloDone {
    hs: AwaitCertificate,
    chain: Vec<CertificateDer<'static>>,
    _verified: ServerCertVerified,
    group: crate::codec::enums::NamedGroup,
    server_public: Vec<u8>,
    scheme: crate::codec::enums::SignatureScheme,
    cert_requested: bool,
}

impl AwaitServerHelloDone {
    pub(super) fn handle(
        mut self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        match &msg.payload {
            HandshakePayload::CertificateRequest(_) if !self.cert_requested => {
                self.cert_requested = true;
                self.hs.transcript.add(msg.raw);
                return Ok(ClientState::AwaitServerHelloDone(self));
            }
            HandshakePayload::ServerHelloDone => {}
            _ => return Err(unexpected("ServerHelloDone", &msg)),
        }
        let mut hs = self.hs;
        hs.transcript.add(msg.raw);

        // RFC 5246 §7.4.6: a client with no suitable certificate sends an
        // empty Certificate message.
        if self.cert_requested {
            send(
                actions,
                &mut hs.transcript,
                HandshakePayload::Certificate(CertificateChain(Vec::new())),
            );
        }

        let kx = KeyExchange::start(self.group, &ring::rand::SystemRandom::new())?;
        let public = kx.public_key().to_vec();
        let pre_master = kx.complete(&self.server_public)?;
        send(
            actions,
            &mut hs.transcript,
            HandshakePayload::ClientKeyExchange(EcdheClientKeyExchange { public }.to_bytes()),
        );

        let suite = hs.suite;
        let master = if hs.ems {
            // RFC 7627 §4: the session hash covers up to ClientKeyExchange.
            MasterSecret::derive_extended(suite.hash, &pre_master, &hs.transcript.current_hash()?)
        } else {
            MasterSecret::derive(
                suite.hash,
                &pre_master,
                &hs.client_random,
                &hs.server_random,
            )
        };
        let keys = master.key_block(suite, &hs.client_random, &hs.server_random);
        actions.push(Action::PrepareRead(keys.server_decrypter()));
        actions.push(Action::ChangeWriteCipher(keys.client_encrypter()));
        send_finished(actions, &master, suite, &mut hs.transcript, true)?;

        Ok(ClientState::AwaitCcs(AwaitCcs {
            hs,
            master,
            chain: self.chain,
            group: self.group,
            scheme: self.scheme,
        }))
    }
}

/// Our Finished is out; waiting for the server's ChangeCipherSpec.
pub(crate) struct AwaitCcs {
    hs: AwaitCertificate,
    master: MasterSecret,
    chain: Vec<CertificateDer<'static>>,
    group: crate::codec::enums::NamedGroup,
    scheme: crate::codec::enums::SignatureScheme,
}

impl AwaitCcs {
    pub(super) fn into_await_finished(self) -> AwaitFinished {
        AwaitFinished(self)
    }
}

/// Read keys active; waiting for the server's Finished.
pub(crate) struct AwaitFinished(AwaitCcs);

impl AwaitFinished {
    pub(super) fn handle(
        self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let AwaitCcs {
            mut hs,
            master,
            chain,
            group,
            scheme,
        } = self.0;
        check_finished(&master, hs.suite, &mut hs.transcript, false, &msg)?;
        actions.push(Action::Complete(Box::new(Negotiated {
            version: ProtocolVersion::TLSV1_2,
            suite: hs.suite,
            group,
            signature_scheme: scheme,
            alpn_protocol: hs.alpn,
            server_name: hs.sni,
            peer_certificates: chain,
            extended_master_secret: hs.ems,
        })));
        Ok(ClientState::Traffic(Traffic {
            master,
            suite: hs.suite,
            client_random: hs.client_random,
            server_random: hs.server_random,
            extended_master_secret: hs.ems,
        }))
    }
}
