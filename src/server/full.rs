//! The server's full handshake: its first flight (ServerHello, Certificate,
//! signed ECDHE parameters, an optional CertificateRequest, ServerHelloDone),
//! then the client's [Certificate], ClientKeyExchange and [CertificateVerify]
//! (RFC 5246 §7.4.1.3–§7.4.8, RFC 8422 §5.4, RFC 7627 §4).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use rustls_pki_types::CertificateDer;

use crate::codec::enums::{
    ClientCertificateType, CompressionMethod, EcPointFormat, ExtensionType, HandshakeType,
    ProtocolVersion, SignatureScheme,
};
use crate::codec::{put_vec, Codec, LenSize};
use crate::config::{CertifiedKey, ClientAuth};
use crate::crypto::sign::verify_signature;
use crate::error::{CertificateError, Error};
use crate::handshake::certificate::{encode_chain, CertificateChain, CertificateRequest};
use crate::handshake::extensions::{put_alpn_selected, put_extension, put_extensions_with};
use crate::handshake::{put_opaque, HandshakePayload};
use crate::state::{derive_master, send, send_body, unexpected, Action, Actions, Msg};
use crate::verify::ClientCertVerified;

use super::finish::{AwaitClientCcs, ServerKeyed};
use super::kx::{PendingKx, ServerKx};
use super::{ServerHs, ServerState};

/// Sends our ServerHello (RFC 5246 §7.4.1.3), written straight into the
/// flight: no owned message or extension list is built first. Its
/// extensions only answer what the client offered (RFC 5246 §7.4.1.4), in
/// this order: renegotiation_info (RFC 5746 §3.6, when the client signalled
/// support), extended_master_secret
/// (RFC 7627 §5.2), encrypt_then_mac (RFC 7366 §2, with a CBC suite),
/// ec_point_formats (RFC 8422 §5.2), server_name (RFC 6066
/// §3: acknowledged when the name was used, not when resuming), ALPN
/// (RFC 7301 §3.1) and SessionTicket (RFC 5077 §3.2).
pub(super) fn send_server_hello(
    hs: &mut ServerHs,
    ack_sni: bool,
    point_formats: bool,
    actions: &mut Actions,
) -> Result<(), Error> {
    let ack_sni = ack_sni && hs.sni.is_some();
    let (random, session_id, suite) = (hs.server_random, hs.session_id, hs.suite.suite);
    let (ems, etm, send_ticket, alpn) = (hs.ems, hs.etm, hs.send_ticket, hs.alpn.as_deref());
    let both = hs.prior.as_ref().map(|p| p.server_info());
    let renegotiation_info: Option<&[u8]> = hs
        .secure_renegotiation
        .then(|| both.as_ref().map_or(&[][..], |b| &b[..]));
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::SERVER_HELLO,
        |out| {
            ProtocolVersion::TLSV1_2.encode(out)?;
            out.extend_from_slice(&random);
            session_id.encode(out)?;
            suite.encode(out)?;
            CompressionMethod::NULL.encode(out)?;
            put_extensions_with(out, |out| {
                // RFC 5746 §3.6: empty on the initial handshake; both
                // verify_data in a renegotiation (§3.7).
                if let Some(info) = renegotiation_info {
                    put_extension(out, ExtensionType::RENEGOTIATION_INFO, |o| {
                        put_opaque(o, LenSize::U8, "renegotiation_info too long", info)
                    })?;
                }
                if ems {
                    put_extension(out, ExtensionType::EXTENDED_MASTER_SECRET, |_| Ok(()))?;
                }
                if etm {
                    put_extension(out, ExtensionType::ENCRYPT_THEN_MAC, |_| Ok(()))?;
                }
                if point_formats {
                    put_extension(out, ExtensionType::EC_POINT_FORMATS, |o| {
                        put_vec(o, LenSize::U8, "ec_point_formats too long", |o| {
                            EcPointFormat::UNCOMPRESSED.encode(o)
                        })
                    })?;
                }
                if ack_sni {
                    put_extension(out, ExtensionType::SERVER_NAME, |_| Ok(()))?;
                }
                if let Some(p) = alpn {
                    // One ProtocolName in a ProtocolNameList.
                    put_extension(
                        out,
                        ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                        |o| put_alpn_selected(o, p),
                    )?;
                }
                if send_ticket {
                    put_extension(out, ExtensionType::SESSION_TICKET, |_| Ok(()))?;
                }
                Ok(())
            })
        },
    )
}

/// Sends ServerHello through ServerHelloDone.
pub(super) fn send_first_flight(
    mut hs: ServerHs,
    certified: &Arc<CertifiedKey>,
    kx: ServerKx,
    echo_point_formats: bool,
    actions: &mut Actions,
) -> Result<ServerState, Error> {
    send_server_hello(&mut hs, true, echo_point_formats, actions)?;
    actions.push(Action::SuiteChosen(hs.suite.kx));
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::CERTIFICATE,
        |body| encode_chain(body, &certified.chain),
    )?;

    let scheme = kx.scheme();
    let kx = kx.send(&mut hs, certified, actions)?;

    let asks_for_cert = !matches!(hs.client_auth, ClientAuth::None);
    if let ClientAuth::Optional(v) | ClientAuth::Required(v) = &hs.client_auth {
        // RFC 5246 §7.4.4, RFC 8422 §5.5.
        let request = CertificateRequest {
            certificate_types: vec![
                ClientCertificateType::ECDSA_SIGN,
                ClientCertificateType::RSA_SIGN,
            ],
            signature_schemes: hs.config.signature_schemes.clone(),
            authorities: authorities_that_fit(v.root_hint_subjects()),
        };
        send(
            actions,
            &mut hs.transcript,
            HandshakePayload::CertificateRequest(request),
        )?;
    }
    send(
        actions,
        &mut hs.transcript,
        HandshakePayload::ServerHelloDone,
    )?;

    let next = AwaitClientKx {
        hs,
        kx,
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

/// The root subjects to name in CertificateRequest, or none when they do
/// not fit `DistinguishedName certificate_authorities<0..2^16-1>` (each
/// `<1..2^16-1>`, RFC 5246 §7.4.4), as a large enterprise root store may
/// not. An empty list is what §7.4.4 allows ("the client MAY send any
/// certificate of the appropriate ClientCertificateType"), and the chain
/// the client sends is verified against the same roots all the same; so
/// the handshake goes on rather than fail on a hint. Failing would break
/// every client of such a server, and naming only the roots that fit would
/// turn away clients whose CA was left out.
fn authorities_that_fit(subjects: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    // Each name with its u16 length; a name too long for its own prefix
    // makes the list too long as well.
    let total = subjects
        .iter()
        .fold(0usize, |total, s| total.saturating_add(2 + s.len()));
    if total <= LenSize::U16.max_len() {
        subjects
    } else {
        Vec::new()
    }
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
        match (chain.split_first(), &next.hs.client_auth) {
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
        // A renegotiation may add a client identity, not change or drop one
        // (see `crate::renegotiation`).
        if let Some(prior) = &next.hs.prior {
            prior.check_identity(chain.first(), false)?;
        }
        next.hs.transcript.add(msg.raw);
        next.client_chain = chain;
        Ok(ServerState::AwaitClientKx(next))
    }
}

/// First flight sent (and any client certificate verified); waiting for
/// ClientKeyExchange.
pub(crate) struct AwaitClientKx {
    hs: ServerHs,
    kx: PendingKx,
    /// The scheme our ServerKeyExchange was signed with (none for RSA key
    /// transport).
    scheme: Option<SignatureScheme>,
    client_chain: Vec<CertificateDer<'static>>,
    _verified: Option<ClientCertVerified>,
}

impl AwaitClientKx {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<ServerState, Error> {
        let HandshakePayload::ClientKeyExchange(body) = &msg.payload else {
            return Err(unexpected("ClientKeyExchange", &msg));
        };
        let mut hs = self.hs;
        let group = self.kx.group();
        let pre_master = self.kx.complete(body)?;
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
        let (prf, write) = hs.derive_keys(&master, actions)?;
        let keyed = ServerKeyed {
            hs,
            master,
            prf,
            write: Some(write),
            peer_certificates: self.client_chain,
            group,
            scheme: self.scheme,
            resumed: None,
        };
        if keyed.peer_certificates.is_empty() {
            Ok(ServerState::AwaitClientCcs(AwaitClientCcs::new(keyed)))
        } else {
            Ok(ServerState::AwaitCertVerify(AwaitCertVerify(keyed)))
        }
    }
}

/// The client sent a certificate; waiting for its CertificateVerify.
pub(crate) struct AwaitCertVerify(ServerKeyed);

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
        Ok(ServerState::AwaitClientCcs(AwaitClientCcs::new(k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::CipherSuite;
    use crate::codec::List;
    use crate::crypto::transcript::Transcript;
    use crate::handshake::extensions::ServerExtension;
    use crate::handshake::hello::ServerHello;
    use crate::handshake::{HandshakeMessage, Random, SessionId};
    use alloc::sync::Arc;

    fn config() -> Arc<crate::config::ServerConfig> {
        let (cert, key) = crate::config::test_certificate();
        Arc::new(crate::config::ServerConfig::new(vec![cert], &key).unwrap())
    }

    /// `send_server_hello` writes the same bytes as the ServerHello codec
    /// does for the message it stands for, in every combination of the
    /// extensions it may answer with.
    #[test]
    fn direct_server_hello_matches_the_codec() {
        let config = config();
        let suite = &crate::suites::ALL_SUITES[0];
        for case in 0..128u8 {
            let bit = |n: u8| case & (1 << n) != 0;
            let (ems, ack_sni, point_formats, send_ticket) = (bit(0), bit(1), bit(2), bit(3));
            let alpn = bit(4).then(|| b"h2".to_vec());
            let secure_renegotiation = bit(5);
            let etm = bit(6);
            let mut hs = ServerHs {
                config: config.clone(),
                #[cfg(feature = "legacy")]
                client_version: ProtocolVersion::TLSV1_2,
                suite,
                client_random: [1; 32],
                server_random: [2; 32],
                ems,
                etm,
                alpn: alpn.clone(),
                sni: Some("localhost".into()),
                session_id: SessionId::new(&[3; 32]).unwrap(),
                send_ticket,
                secure_renegotiation,
                client_auth: config.client_auth.clone(),
                verify_data: Default::default(),
                prior: None,
                transcript: Transcript::new(),
            };
            let mut out = Actions::default();
            send_server_hello(&mut hs, ack_sni, point_formats, &mut out).unwrap();

            let mut extensions = Vec::new();
            if secure_renegotiation {
                extensions.push(ServerExtension::RenegotiationInfo(&[]));
            }
            if ems {
                extensions.push(ServerExtension::ExtendedMasterSecret);
            }
            if etm {
                extensions.push(ServerExtension::EncryptThenMac);
            }
            if point_formats {
                extensions.push(ServerExtension::EcPointFormats(List::Items(&[
                    EcPointFormat::UNCOMPRESSED,
                ])));
            }
            if ack_sni {
                extensions.push(ServerExtension::ServerNameAck);
            }
            if let Some(p) = &alpn {
                extensions.push(ServerExtension::Alpn(p));
            }
            if send_ticket {
                extensions.push(ServerExtension::SessionTicketAck);
            }
            let expected = HandshakeMessage::ServerHello(ServerHello {
                server_version: ProtocolVersion::TLSV1_2,
                random: Random([2; 32]),
                session_id: SessionId::new(&[3; 32]).unwrap(),
                cipher_suite: CipherSuite(suite.suite.0),
                compression_method: CompressionMethod::NULL,
                extensions: List::Items(&extensions),
            })
            .to_bytes();
            assert_eq!(out.messages, expected, "case {case:07b}");
        }
    }

    /// Root subjects that fill `certificate_authorities<0..2^16-1>`
    /// exactly are all named; one byte more, in the list or in one name,
    /// and none are.
    #[test]
    fn authorities_are_named_only_when_they_all_fit() {
        // 64 names of 1,000 bytes and one of 1,405: with their 2-byte
        // lengths, 65 * 2 + 64 * 1,000 + 1,405 = 65,535 bytes.
        let mut names = vec![vec![0x30; 1_000]; 64];
        names.push(vec![0x30; 1_405]);
        assert_eq!(authorities_that_fit(names.clone()), names);
        names[0].push(0x30);
        assert!(authorities_that_fit(names).is_empty());
        assert!(authorities_that_fit(vec![vec![0x30; 0x1_0000]]).is_empty());
        assert!(authorities_that_fit(vec![vec![0x30; 0xffff]]).is_empty());
        assert_eq!(
            authorities_that_fit(vec![vec![0x30; 0xfffd]]),
            vec![vec![0x30; 0xfffd]]
        );
        assert!(authorities_that_fit(Vec::new()).is_empty());
    }
}
