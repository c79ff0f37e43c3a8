//! The server's full handshake: its first flight (ServerHello, Certificate,
//! signed ECDHE parameters, an optional CertificateRequest, ServerHelloDone),
//! then the client's [Certificate], ClientKeyExchange and [CertificateVerify]
//! (RFC 5246 §7.4.1.3–§7.4.8, RFC 8422 §5.4, RFC 7627 §4).

use rustls_pki_types::CertificateDer;

use crate::codec::enums::{
    ClientCertificateType, CompressionMethod, EcPointFormat, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use crate::codec::{Decode, List};
use crate::config::{CertifiedKey, ClientAuth};
use crate::crypto::kx::KeyExchange;
use crate::crypto::sign::verify_signature;
use crate::error::{CertificateError, Error};
use crate::handshake::certificate::{
    encode_chain, CertificateChain, CertificateRequest, DigitallySigned,
};
use crate::handshake::extensions::ServerExtension;
use crate::handshake::hello::ServerHello;
use crate::handshake::key_exchange::{
    EcdheClientKeyExchange, EcdheServerKeyExchange, EcdheServerParams,
};
use crate::handshake::{HandshakePayload, Random};
use crate::state::{
    derive_master, kx_signed_message, log_master, send, send_body, unexpected, Action, Msg, Outbox,
};
use crate::verify::ClientCertVerified;

use super::finish::{AwaitCcs, Keyed};
use super::{Hs, ServerState};

/// The extensions of our ServerHello (RFC 5246 §7.4.1.4: only answers to
/// what the client offered).
pub(super) fn server_extensions(
    hs: &Hs,
    ack_sni: bool,
    point_formats: bool,
) -> Vec<ServerExtension<'_>> {
    let mut extensions = Vec::with_capacity(6);
    extensions.push(ServerExtension::RenegotiationInfo(&[]));
    if hs.ems {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if point_formats {
        extensions.push(ServerExtension::EcPointFormats(List::Items(&[
            EcPointFormat::UNCOMPRESSED,
        ])));
    }
    if ack_sni && hs.sni.is_some() {
        // RFC 6066 §3: a server that used the name acknowledges it (but not
        // when resuming).
        extensions.push(ServerExtension::ServerNameAck);
    }
    if let Some(p) = &hs.alpn {
        extensions.push(ServerExtension::Alpn(p));
    }
    if hs.send_ticket {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    extensions
}

/// Our ServerHello.
pub(super) fn server_hello<'a>(
    hs: &Hs,
    extensions: &'a [ServerExtension<'a>],
) -> HandshakePayload<'a> {
    HandshakePayload::ServerHello(ServerHello {
        server_version: ProtocolVersion::TLSV1_2,
        random: Random(hs.server_random),
        session_id: hs.session_id,
        cipher_suite: hs.suite.suite,
        compression_method: CompressionMethod::NULL,
        extensions: List::Items(extensions),
    })
}

/// Sends ServerHello through ServerHelloDone.
pub(super) fn send_first_flight(
    mut hs: Hs,
    certified: &CertifiedKey,
    group: NamedGroup,
    scheme: SignatureScheme,
    echo_point_formats: bool,
    actions: &mut Outbox,
) -> Result<ServerState, Error> {
    // The hello borrows from `hs`; the transcript is lent out meanwhile.
    let mut transcript = core::mem::take(&mut hs.transcript);
    let extensions = server_extensions(&hs, true, echo_point_formats);
    send(actions, &mut transcript, server_hello(&hs, &extensions));
    hs.transcript = transcript;
    actions.push(Action::StrictVersion);
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::CERTIFICATE,
        |body| encode_chain(body, &certified.chain),
    );

    let rng = ring::rand::SystemRandom::new();
    let kx = KeyExchange::start(group, &rng)?;
    let params = EcdheServerParams {
        group,
        public: kx.public_key(),
    };
    let signed = kx_signed_message(&hs.client_random, &hs.server_random, &params);
    let signature = certified.key.sign(scheme, &signed, &rng)?;
    let skx = EcdheServerKeyExchange {
        params,
        signed: DigitallySigned {
            scheme,
            signature: &signature,
        },
    };
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::SERVER_KEY_EXCHANGE,
        |body| skx.encode_to(body),
    );

    let asks_for_cert = !matches!(hs.config.client_auth, ClientAuth::None);
    if let ClientAuth::Optional(v) | ClientAuth::Required(v) = &hs.config.client_auth {
        // RFC 5246 §7.4.4, RFC 8422 §5.5.
        let request = CertificateRequest {
            certificate_types: vec![
                ClientCertificateType::ECDSA_SIGN,
                ClientCertificateType::RSA_SIGN,
            ],
            signature_schemes: hs.config.signature_schemes.clone(),
            authorities: v.root_hint_subjects(),
        };
        send(
            actions,
            &mut hs.transcript,
            HandshakePayload::CertificateRequest(request),
        );
    }
    send(
        actions,
        &mut hs.transcript,
        HandshakePayload::ServerHelloDone,
    );

    let next = AwaitClientKx {
        hs,
        kx,
        group,
        scheme,
        client_chain: Vec::new(),
        _verified: None,
    };
    Ok(if asks_for_cert {
        ServerState::AwaitClientCert(AwaitClientCert(next))
    } else {
        ServerState::AwaitClientKx(next)
    })
}

/// We asked for a client certificate; waiting for the client's Certificate.
pub(crate) struct AwaitClientCert(AwaitClientKx);

impl AwaitClientCert {
    pub(super) fn handle(self, msg: Msg<'_>) -> Result<ServerState, Error> {
        let mut next = self.0;
        let HandshakePayload::Certificate(CertificateChain(chain)) = msg.payload else {
            return Err(unexpected("Certificate", &msg));
        };
        let config = &next.hs.config;
        match (chain.split_first(), &config.client_auth) {
            // RFC 5246 §7.4.6: without a certificate the server may go on or
            // answer handshake_failure; we do as the policy says.
            (None, ClientAuth::Required(_)) => {
                return Err(Error::HandshakeFailure("client certificate required"));
            }
            (None, _) => {}
            (
                Some((end_entity, intermediates)),
                ClientAuth::Optional(v) | ClientAuth::Required(v),
            ) => {
                v.verify_client_cert(end_entity, intermediates, config.time.now())?;
                next._verified = Some(ClientCertVerified::assertion());
            }
            (Some(_), ClientAuth::None) => {
                return Err(Error::Internal("certificate not requested"))
            }
        }
        next.hs.transcript.add(msg.raw);
        next.client_chain = chain;
        Ok(ServerState::AwaitClientKx(next))
    }
}

/// First flight sent (and any client certificate verified); waiting for
/// ClientKeyExchange.
pub(crate) struct AwaitClientKx {
    hs: Hs,
    kx: KeyExchange,
    group: NamedGroup,
    scheme: SignatureScheme,
    client_chain: Vec<CertificateDer<'static>>,
    _verified: Option<ClientCertVerified>,
}

impl AwaitClientKx {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Outbox) -> Result<ServerState, Error> {
        let HandshakePayload::ClientKeyExchange(body) = &msg.payload else {
            return Err(unexpected("ClientKeyExchange", &msg));
        };
        let ckx = EcdheClientKeyExchange::decode_all(body)?;
        let mut hs = self.hs;
        let pre_master = self.kx.complete(ckx.public)?;
        hs.transcript.add(msg.raw);
        let suite = hs.suite;
        let master = derive_master(
            suite,
            hs.ems,
            &pre_master,
            &hs.transcript,
            &hs.client_random,
            &hs.server_random,
        )?;
        log_master(&hs.config.key_log, &hs.client_random, &master);
        let keys = master.key_block(suite, &hs.client_random, &hs.server_random);
        actions.push(Action::PrepareRead(keys.client_decrypter()));
        let keyed = Keyed {
            hs,
            master,
            write: Some(keys.server_encrypter()),
            peer_certificates: self.client_chain,
            group: Some(self.group),
            scheme: Some(self.scheme),
            created: None,
        };
        if keyed.peer_certificates.is_empty() {
            Ok(ServerState::AwaitCcs(AwaitCcs::new(keyed)))
        } else {
            Ok(ServerState::AwaitCertVerify(AwaitCertVerify(keyed)))
        }
    }
}

/// The client sent a certificate; waiting for its CertificateVerify.
pub(crate) struct AwaitCertVerify(Keyed);

impl AwaitCertVerify {
    pub(super) fn handle(self, msg: Msg<'_>) -> Result<ServerState, Error> {
        let mut k = self.0;
        let HandshakePayload::CertificateVerify(ds) = &msg.payload else {
            return Err(unexpected("CertificateVerify", &msg));
        };
        // RFC 5246 §7.4.8: one of the schemes our CertificateRequest listed.
        if !k.hs.config.signature_schemes.contains(&ds.scheme) {
            return Err(Error::IllegalParameter(
                "CertificateVerify scheme we did not request",
            ));
        }
        let end_entity = k
            .peer_certificates
            .first()
            .ok_or(Error::InvalidCertificate(CertificateError::Empty))?;
        verify_signature(
            end_entity,
            ds.scheme,
            k.hs.transcript.messages(),
            ds.signature,
        )?;
        k.hs.transcript.add(msg.raw);
        k.hs.transcript.keep_messages(false);
        Ok(ServerState::AwaitCcs(AwaitCcs::new(k)))
    }
}
