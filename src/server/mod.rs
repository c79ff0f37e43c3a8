//! The server handshake (RFC 5246 §7.3):
//!
//! ```text
//! full:                  <--  ClientHello
//!   ServerHello, Certificate, ServerKeyExchange, [CertificateRequest],
//!   ServerHelloDone  -->
//!                        <--  [Certificate], ClientKeyExchange,
//!                             [CertificateVerify], ChangeCipherSpec, Finished
//!   [NewSessionTicket], ChangeCipherSpec, Finished  -->
//!
//! resumed:               <--  ClientHello (session ID / ticket)
//!   ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished  -->
//!                        <--  ChangeCipherSpec, Finished
//! ```
//!
//! One struct per step, named by what it awaits, held in [`ServerState`].

mod finish;
mod full;
mod hello;
mod kx;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::codec::enums::HandshakeType;
use crate::config::{ClientAuth, ServerConfig};
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::SessionId;
use crate::renegotiation::{Prior, VerifyData};
use crate::state::{unexpected, Action, Actions, Msg, Traffic};
use crate::suites::SupportedSuite;

pub(crate) use finish::{AwaitClientCcs, AwaitClientFinished};
pub(crate) use full::{AwaitCertVerify, AwaitClientCert, AwaitClientKx};
pub(crate) use hello::AwaitClientHello;

/// What the server decided from the ClientHello, carried through the rest
/// of the handshake.
pub(crate) struct ServerHs {
    pub config: Arc<ServerConfig>,
    /// The version the ClientHello offered (RSA key transport checks the
    /// pre-master secret against it, RFC 5246 §7.4.7.1).
    #[cfg(feature = "legacy")]
    pub client_version: crate::codec::enums::ProtocolVersion,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub ems: bool,
    /// Encrypt-then-MAC (RFC 7366) for this connection's CBC records.
    pub etm: bool,
    pub alpn: Option<Vec<u8>>,
    pub sni: Option<String>,
    /// The session ID in our ServerHello: new (to cache the session), the
    /// client's (resuming), or empty.
    pub session_id: SessionId,
    /// We acknowledged session_ticket and owe a NewSessionTicket.
    pub send_ticket: bool,
    /// The client signalled RFC 5746 support (SCSV or renegotiation_info),
    /// so our ServerHello answers with an empty renegotiation_info (§3.6);
    /// to a client that did not, the extension would be unsolicited.
    pub secure_renegotiation: bool,
    /// What we ask of the client: the configuration's policy, or what a
    /// renegotiation we started asked for (then kept for every later
    /// handshake, so that a client identity once asked for stays asked for).
    pub client_auth: ClientAuth,
    /// Both Finished verify_data, filled in as they go by.
    pub verify_data: VerifyData,
    /// Set when this handshake renegotiates: what it must match.
    pub prior: Option<Box<Prior>>,
    pub transcript: Transcript,
}

impl ServerHs {
    /// The key schedule for `master` (see [`crate::state::derive_keys`]):
    /// the PRF and our write keys; the client's are queued for its
    /// ChangeCipherSpec.
    pub(crate) fn derive_keys(
        &self,
        master: &crate::crypto::key_schedule::MasterSecret,
        actions: &mut Actions,
    ) -> Result<
        (
            crate::crypto::key_schedule::MasterPrf,
            crate::crypto::key_schedule::DirectionKeys,
        ),
        Error,
    > {
        crate::state::derive_keys(
            master,
            self.suite,
            &self.config.key_log,
            [&self.client_random, &self.server_random],
            self.etm,
            false,
            self.config.random.as_ref(),
            actions,
        )
    }
}

/// Where the server is in its handshake.
pub(crate) enum ServerState {
    AwaitClientHello(AwaitClientHello),
    AwaitClientCert(AwaitClientCert),
    AwaitClientKx(AwaitClientKx),
    AwaitCertVerify(AwaitCertVerify),
    AwaitClientCcs(AwaitClientCcs),
    AwaitClientFinished(AwaitClientFinished),
    /// No handshake under way: the connection is established (the
    /// connection keeps what traffic needs) and could renegotiate.
    Idle(ServerIdle),
}

/// What a server needs to run another handshake on the same connection.
pub(crate) struct ServerIdle {
    pub config: Arc<ServerConfig>,
    /// The client authentication the next handshake asks for.
    pub client_auth: ClientAuth,
    /// What the handshake that just ended leaves for traffic, until the
    /// connection takes it ([`ServerState::take_completed`]).
    pub completed: Option<Traffic>,
}

impl ServerState {
    pub(crate) fn start(config: Arc<ServerConfig>) -> Self {
        let client_auth = config.client_auth.clone();
        ServerState::AwaitClientHello(AwaitClientHello {
            config,
            client_auth,
            prior: None,
            resume: true,
        })
    }

    /// Takes a renegotiating ClientHello in `idle`: the new handshake is
    /// bound to `prior` (RFC 5746 §3.7). `resume` false makes it a full
    /// handshake whatever session the client offers (a renegotiation that
    /// asks for a client certificate must not resume a session without
    /// one).
    pub(crate) fn renegotiate(
        idle: ServerIdle,
        prior: Prior,
        resume: bool,
        msg: Msg<'_>,
        actions: &mut Actions,
    ) -> Result<Self, Error> {
        AwaitClientHello {
            config: idle.config,
            client_auth: idle.client_auth,
            prior: Some(Box::new(prior)),
            resume,
        }
        .handle(msg, actions)
    }

    /// Whether application data may arrive now: not between the client's
    /// ChangeCipherSpec and Finished (RFC 5246 §7.1).
    pub(crate) fn takes_application_data(&self) -> bool {
        !matches!(self, ServerState::AwaitClientFinished(_))
    }

    /// Whether no handshake is under way.
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self, ServerState::Idle(_))
    }

    /// What a handshake that has just completed leaves for traffic; taken
    /// once.
    pub(crate) fn take_completed(&mut self) -> Option<Traffic> {
        match self {
            ServerState::Idle(idle) => idle.completed.take(),
            _ => None,
        }
    }

    /// The configuration, when idle.
    pub(crate) fn idle_config(&self) -> Option<&ServerConfig> {
        match self {
            ServerState::Idle(idle) => Some(&idle.config),
            _ => None,
        }
    }

    /// The idle state, to change what the next handshake asks for.
    pub(crate) fn idle_mut(&mut self) -> Option<&mut ServerIdle> {
        match self {
            ServerState::Idle(idle) => Some(idle),
            _ => None,
        }
    }

    /// Takes the idle state out, to start a renegotiation from it (the
    /// caller checked [`Self::is_idle`]; any other state is dropped).
    pub(crate) fn into_idle(self) -> Option<ServerIdle> {
        match self {
            ServerState::Idle(idle) => Some(idle),
            _ => None,
        }
    }

    /// Advances on one handshake message.
    pub(crate) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<Self, Error> {
        match self {
            ServerState::AwaitClientHello(s) => s.handle(msg, actions),
            ServerState::AwaitClientCert(s) => s.handle(msg),
            ServerState::AwaitClientKx(s) => s.handle(msg, actions),
            ServerState::AwaitCertVerify(s) => s.handle(msg),
            ServerState::AwaitClientCcs(_) => Err(unexpected("ChangeCipherSpec", &msg)),
            ServerState::AwaitClientFinished(s) => s.handle(msg, actions),
            ServerState::Idle(idle) => {
                // RFC 5746 §4.4: a server that will not renegotiate answers a
                // ClientHello with a no_renegotiation warning (one it will
                // take, the connection hands to `renegotiate`).
                if msg.typ() == HandshakeType::CLIENT_HELLO {
                    actions.push(Action::RenegotiationRequest { answer: true });
                    Ok(ServerState::Idle(idle))
                } else {
                    Err(unexpected("application data", &msg))
                }
            }
        }
    }

    /// Whether this state takes a handshake message of type `typ`, from the
    /// header alone (see [`crate::client::ClientState::expects`]).
    pub(crate) fn expects(&self, typ: HandshakeType) -> bool {
        match self {
            ServerState::AwaitClientHello(_) => typ == HandshakeType::CLIENT_HELLO,
            ServerState::AwaitClientCert(_) => typ == HandshakeType::CERTIFICATE,
            ServerState::AwaitClientKx(_) => typ == HandshakeType::CLIENT_KEY_EXCHANGE,
            ServerState::AwaitCertVerify(_) => typ == HandshakeType::CERTIFICATE_VERIFY,
            ServerState::AwaitClientFinished(_) => typ == HandshakeType::FINISHED,
            ServerState::AwaitClientCcs(_) => false,
            // A ClientHello asks to renegotiate: the connection takes it or
            // `handle` refuses it with a warning (RFC 5746 §4.4).
            ServerState::Idle(_) => typ == HandshakeType::CLIENT_HELLO,
        }
    }

    /// Advances on the client's ChangeCipherSpec.
    pub(crate) fn handle_ccs(self) -> Result<Self, Error> {
        match self {
            ServerState::AwaitClientCcs(s) => {
                Ok(ServerState::AwaitClientFinished(s.into_await_finished()))
            }
            _ => Err(Error::UnexpectedMessage {
                expected: self.awaiting(),
                got: "ChangeCipherSpec",
            }),
        }
    }

    /// What this state waits for, for error messages.
    pub(crate) fn awaiting(&self) -> &'static str {
        match self {
            ServerState::AwaitClientHello(_) => "ClientHello",
            ServerState::AwaitClientCert(_) => "Certificate",
            ServerState::AwaitClientKx(_) => "ClientKeyExchange",
            ServerState::AwaitCertVerify(_) => "CertificateVerify",
            ServerState::AwaitClientCcs(_) => "ChangeCipherSpec",
            ServerState::AwaitClientFinished(_) => "Finished",
            ServerState::Idle(_) => "application data",
        }
    }
}
