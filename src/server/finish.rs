//! The server after its first flight: the client's key exchange, its
//! ChangeCipherSpec and Finished, then ours (RFC 5246 §7.4.7–§7.4.9,
//! RFC 7627 §4).

use crate::codec::enums::{NamedGroup, ProtocolVersion, SignatureScheme};
use crate::codec::Codec;
use crate::crypto::key_schedule::MasterSecret;
use crate::crypto::kx::KeyExchange;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::event::Negotiated;
use crate::handshake::key_exchange::EcdheClientKeyExchange;
use crate::handshake::HandshakePayload;
use crate::record::cipher::Encrypter;
use crate::state::{check_finished, send_finished, unexpected, Action, Msg, Traffic};
use crate::suites::SupportedSuite;

use super::ServerState;

/// First flight sent; waiting for ClientKeyExchange.
pub(crate) struct AwaitClientKx {
    pub suite: &'static SupportedSuite,
    pub group: NamedGroup,
    pub scheme: SignatureScheme,
    pub kx: KeyExchange,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub ems: bool,
    pub alpn: Option<Vec<u8>>,
    pub sni: Option<String>,
    pub transcript: Transcript,
}

impl AwaitClientKx {
    pub(super) fn handle(
        self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakePayload::ClientKeyExchange(body) = &msg.payload else {
            return Err(unexpected("ClientKeyExchange", &msg));
        };
        let ckx = EcdheClientKeyExchange::from_bytes(body)?;
        let AwaitClientKx {
            suite,
            group,
            scheme,
            kx,
            client_random,
            server_random,
            ems,
            alpn,
            sni,
            mut transcript,
        } = self;
        let pre_master = kx.complete(&ckx.public)?;
        transcript.add(msg.raw);
        let master = if ems {
            MasterSecret::derive_extended(suite.hash, &pre_master, &transcript.current_hash()?)
        } else {
            MasterSecret::derive(suite.hash, &pre_master, &client_random, &server_random)
        };
        let keys = master.key_block(suite, &client_random, &server_random);
        actions.push(Action::PrepareRead(keys.client_decrypter()));
        Ok(ServerState::AwaitCcs(AwaitCcs {
            encrypter: keys.server_encrypter(),
            traffic: Traffic {
                master,
                suite,
                client_random,
                server_random,
                extended_master_secret: ems,
            },
            negotiated: Negotiated {
                version: ProtocolVersion::TLSV1_2,
                suite,
                group,
                signature_scheme: scheme,
                alpn_protocol: alpn,
                server_name: sni,
                peer_certificates: Vec::new(),
                extended_master_secret: ems,
            },
            transcript,
        }))
    }
}

/// Keys derived; waiting for the client's ChangeCipherSpec.
pub(crate) struct AwaitCcs {
    encrypter: Encrypter,
    traffic: Traffic,
    negotiated: Negotiated,
    transcript: Transcript,
}

impl AwaitCcs {
    pub(super) fn into_await_finished(self) -> AwaitFinished {
        AwaitFinished(self)
    }
}

/// Read keys active; waiting for the client's Finished.
pub(crate) struct AwaitFinished(AwaitCcs);

impl AwaitFinished {
    pub(super) fn handle(
        self,
        msg: Msg<'_>,
        actions: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let AwaitCcs {
            encrypter,
            traffic,
            negotiated,
            mut transcript,
            ..
        } = self.0;
        check_finished(&traffic.master, traffic.suite, &mut transcript, true, &msg)?;
        actions.push(Action::ChangeWriteCipher(encrypter));
        send_finished(
            actions,
            &traffic.master,
            traffic.suite,
            &mut transcript,
            false,
        )?;
        actions.push(Action::Complete(Box::new(negotiated)));
        Ok(ServerState::Traffic(traffic))
    }
}
