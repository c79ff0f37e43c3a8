//! The client's full handshake after ServerHello: the server's Certificate
//! (verified at once), its signed key exchange parameters, an optional
//! CertificateRequest, ServerHelloDone, then our [Certificate],
//! ClientKeyExchange, [CertificateVerify], ChangeCipherSpec and Finished
//! (RFC 5246 §7.4.2–§7.4.9, RFC 8422 §5.4, RFC 7627 §4).

use alloc::vec::Vec;
use rustls_pki_types::CertificateDer;

use crate::codec::enums::{HandshakeType, SignatureScheme};
use crate::codec::{Codec, LenSize};
use crate::config::CertificateRequestInfo;
use crate::error::{CertificateError, Error};
use crate::handshake::certificate::{encode_chain, CertificateChain, CertificateRequest};
use crate::handshake::{put_opaque, HandshakePayload};
use crate::state::{derive_master, send_body, send_finished, unexpected, Action, Actions, Msg};
use crate::verify::ServerCertVerified;

use super::finish::{after_keys, ClientKeyed};
use super::kx::{self, ServerShare};
use super::{ClientHs, ClientState};

/// ServerHello accepted (full handshake); waiting for the server's Certificate.
pub(crate) struct AwaitCertificate {
    pub hs: ClientHs,
}

impl AwaitCertificate {
    pub(super) fn handle(mut self, msg: Msg<'_>) -> Result<ClientState, Error> {
        let HandshakePayload::Certificate(CertificateChain(chain)) = msg.payload else {
            return Err(unexpected("Certificate", &msg));
        };
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(Error::InvalidCertificate(CertificateError::Empty));
        };
        let config = &self.hs.config;
        config.verifier.verify_server_cert(
            end_entity,
            intermediates,
            &self.hs.server_name,
            config.time.now(),
        )?;
        let verified = ServerCertVerified::assertion();
        // A renegotiation may not change who the server is (the triple
        // handshake), unless the configuration dangerously allows it.
        if let Some(prior) = &self.hs.prior {
            prior.check_identity(
                Some(end_entity),
                config.dangerous_renegotiation_identity_change,
            )?;
        }
        self.hs.transcript.add(msg.raw);
        // RFC 5246 §7.4.3: RSA key transport has no ServerKeyExchange; the
        // share is the certificate's key.
        #[cfg(feature = "legacy")]
        if self.hs.suite.kx == crate::suites::KeyExchangeKind::Rsa {
            let share = kx::rsa_share(end_entity)?;
            return Ok(ClientState::AwaitServerHelloDone(AwaitServerHelloDone {
                hs: self.hs,
                chain,
                _verified: verified,
                share,
                scheme: None,
                cert_request: None,
            }));
        }
        Ok(ClientState::AwaitServerKx(AwaitServerKx {
            hs: self.hs,
            chain,
            _verified: verified,
        }))
    }
}

/// The chain verified; waiting for the signed ECDHE parameters.
pub(crate) struct AwaitServerKx {
    hs: ClientHs,
    chain: Vec<CertificateDer<'static>>,
    _verified: ServerCertVerified,
}

impl AwaitServerKx {
    pub(super) fn handle(mut self, msg: Msg<'_>) -> Result<ClientState, Error> {
        let HandshakePayload::ServerKeyExchange(body) = &msg.payload else {
            return Err(unexpected("ServerKeyExchange", &msg));
        };
        // AwaitCertificate refused an empty chain.
        let end_entity = self.chain.first().ok_or(Error::Internal("empty chain"))?;
        let (share, scheme) = kx::read_server_kx(&self.hs, end_entity, body)?;
        self.hs.transcript.add(msg.raw);
        Ok(ClientState::AwaitServerHelloDone(AwaitServerHelloDone {
            hs: self.hs,
            chain: self.chain,
            _verified: self._verified,
            share,
            scheme: Some(scheme),
            cert_request: None,
        }))
    }
}

/// Parameters verified; waiting for ServerHelloDone (or CertificateRequest).
pub(crate) struct AwaitServerHelloDone {
    hs: ClientHs,
    chain: Vec<CertificateDer<'static>>,
    _verified: ServerCertVerified,
    /// The server's side of the key exchange.
    share: ServerShare,
    /// The scheme the server signed its ServerKeyExchange with (none for
    /// RSA key transport).
    scheme: Option<SignatureScheme>,
    cert_request: Option<CertificateRequest>,
}

impl AwaitServerHelloDone {
    /// ServerHelloDone, or one CertificateRequest before it.
    pub(super) fn expects(&self, typ: HandshakeType) -> bool {
        typ == HandshakeType::SERVER_HELLO_DONE
            || (typ == HandshakeType::CERTIFICATE_REQUEST && self.cert_request.is_none())
    }

    pub(super) fn handle(
        mut self,
        msg: Msg<'_>,
        actions: &mut Actions,
    ) -> Result<ClientState, Error> {
        match msg.payload {
            HandshakePayload::CertificateRequest(req) if self.cert_request.is_none() => {
                self.cert_request = Some(req);
                self.hs.transcript.add(msg.raw);
                return Ok(ClientState::AwaitServerHelloDone(self));
            }
            HandshakePayload::ServerHelloDone => {}
            _ => return Err(unexpected("ServerHelloDone", &msg)),
        }
        let mut hs = self.hs;
        hs.transcript.add(msg.raw);

        // RFC 5246 §7.4.6: answer a request with our chain, or an empty
        // Certificate when we have none that fits.
        let client_cert = match (&self.cert_request, &hs.config.client_cert_resolver) {
            (Some(req), Some(resolver)) => resolver.resolve(&CertificateRequestInfo {
                certificate_types: &req.certificate_types,
                signature_schemes: &req.signature_schemes,
                authorities: &req.authorities,
            }),
            _ => None,
        };
        if self.cert_request.is_some() {
            let chain = client_cert.as_ref().map_or(&[][..], |c| &c.chain[..]);
            send_body(
                actions,
                &mut hs.transcript,
                HandshakeType::CERTIFICATE,
                |body| encode_chain(body, chain),
            )?;
        }

        let group = self.share.group();
        let pre_master = self.share.send(&mut hs, actions)?;

        let suite = hs.suite;
        // Before any CertificateVerify: the session hash ends at
        // ClientKeyExchange.
        let master = derive_master(
            suite,
            hs.ems,
            &pre_master,
            &hs.transcript,
            &hs.client_random,
            &hs.server_random,
        )?;
        // RFC 5246 §7.4.8: CertificateVerify signs every message so far.
        if let (Some(cert), Some(req)) = (&client_cert, &self.cert_request) {
            let scheme =
                cert.key
                    .choose_scheme(&req.signature_schemes)
                    .ok_or(Error::HandshakeFailure(
                        "no signature scheme for our client certificate",
                    ))?;
            let rng = ring::rand::SystemRandom::new();
            let signature = cert.key.sign(scheme, hs.transcript.messages(), &rng)?;
            // `DigitallySigned` (RFC 5246 §4.7), written from the signature.
            send_body(
                actions,
                &mut hs.transcript,
                HandshakeType::CERTIFICATE_VERIFY,
                |body| {
                    scheme.encode(body)?;
                    put_opaque(body, LenSize::U16, "signature too long", signature.as_ref())
                },
            )?;
        }
        hs.transcript.keep_messages(false);
        let (prf, write) = hs.derive_keys(&master, actions)?;
        actions.push(Action::ChangeWriteCipher(write));
        hs.verify_data.client = send_finished(actions, &prf, &mut hs.transcript, true)?;

        Ok(after_keys(ClientKeyed {
            hs,
            master,
            prf,
            peer_certificates: self.chain,
            group,
            scheme: self.scheme,
            resumed_write: None,
            created: None,
            new_ticket: None,
        }))
    }
}
