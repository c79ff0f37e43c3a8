//! The client handshake (RFC 5246 §7.3):
//!
//! ```text
//! full:     ClientHello  -->
//!                        <--  ServerHello, Certificate, ServerKeyExchange,
//!                             [CertificateRequest], ServerHelloDone
//!           [Certificate], ClientKeyExchange, [CertificateVerify],
//!           ChangeCipherSpec, Finished  -->
//!                        <--  [NewSessionTicket], ChangeCipherSpec, Finished
//!
//! resumed:  ClientHello (session ID / ticket)  -->
//!                        <--  ServerHello, [NewSessionTicket],
//!                             ChangeCipherSpec, Finished
//!           ChangeCipherSpec, Finished  -->
//! ```
//!
//! One struct per step, named by what it awaits, held in [`ClientState`].
//! Each `handle` consumes its state, so a step cannot run twice.

mod finish;
mod full;
mod hello;
mod kx;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::ServerName;

use crate::codec::enums::HandshakeType;
use crate::config::ClientConfig;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::SessionId;
use crate::renegotiation::{Prior, VerifyData};
use crate::state::{unexpected, Action, Actions, Msg, Traffic};
use crate::suites::SupportedSuite;

pub(crate) use finish::{AwaitServerCcs, AwaitServerFinished, AwaitTicket};
pub(crate) use full::{AwaitCertificate, AwaitServerHelloDone, AwaitServerKx};
pub(crate) use hello::AwaitServerHello;

/// What the client knows once ServerHello is accepted, carried through the
/// rest of the handshake.
pub(crate) struct ClientHs {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
    pub sni: Option<String>,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub ems: bool,
    /// Encrypt-then-MAC (RFC 7366) for this connection's CBC records.
    pub etm: bool,
    pub alpn: Option<Vec<u8>>,
    /// The session ID the server gave (empty if it will not cache).
    pub session_id: SessionId,
    /// The server acknowledged session_ticket: a NewSessionTicket will come
    /// before its ChangeCipherSpec (RFC 5077 §3.2).
    pub ticket_expected: bool,
    /// The server sent renegotiation_info (RFC 5746 §3.4).
    pub secure_renegotiation: bool,
    /// Both Finished verify_data, filled in as they go by.
    pub verify_data: VerifyData,
    /// Set when this handshake renegotiates: what it must match.
    pub prior: Option<Box<Prior>>,
    pub transcript: Transcript,
}

impl ClientHs {
    /// The key schedule for `master` (see [`crate::state::derive_keys`]):
    /// the PRF and our write keys; the server's are queued for its
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
            true,
            self.config.random.as_ref(),
            actions,
        )
    }
}

/// Where the client is in its handshake.
pub(crate) enum ClientState {
    AwaitServerHello(AwaitServerHello),
    AwaitCertificate(AwaitCertificate),
    AwaitServerKx(AwaitServerKx),
    AwaitServerHelloDone(AwaitServerHelloDone),
    AwaitTicket(AwaitTicket),
    AwaitServerCcs(AwaitServerCcs),
    AwaitServerFinished(AwaitServerFinished),
    /// No handshake under way: the connection is established (the
    /// connection keeps what traffic needs) and could renegotiate.
    Idle(ClientIdle),
}

/// What a client needs to start another handshake on the same connection.
pub(crate) struct ClientIdle {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
    /// What the handshake that just ended leaves for traffic, until the
    /// connection takes it ([`ClientState::take_completed`]).
    pub completed: Option<Traffic>,
}

impl ClientState {
    /// Builds and queues the ClientHello.
    pub(crate) fn start(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        actions: &mut Actions,
    ) -> Result<Self, Error> {
        if config.verifier.trust_anchor_count() == Some(0) {
            return Err(Error::config(
                "the root store is empty, so every server would be refused: add roots \
                 (RootCertStore::add_pem_file, webpki_roots(), native_roots())",
            ));
        }
        hello::start(config, server_name, None, true, actions).map(ClientState::AwaitServerHello)
    }

    /// Starts a renegotiation from `idle`: a ClientHello bound to `prior`
    /// (RFC 5746 §3.5). On error the connection fails, as for any
    /// handshake step.
    ///
    /// `offer_session` is false when answering a server's HelloRequest: a
    /// server asks for a renegotiation mostly to ask for a client
    /// certificate, which resuming a session would skip (Go's client never
    /// resumes in a renegotiation, for this reason; OpenSSL's `s_server`
    /// asks for a certificate by `R` and then resumes a session offered
    /// to it). Our own renegotiation may resume one, by session ID.
    pub(crate) fn renegotiate(
        idle: ClientIdle,
        prior: Prior,
        offer_session: bool,
        actions: &mut Actions,
    ) -> Result<Self, Error> {
        hello::start(
            idle.config,
            idle.server_name,
            Some(Box::new(prior)),
            offer_session,
            actions,
        )
        .map(ClientState::AwaitServerHello)
    }

    /// Gives up a renegotiation the server refused with a `no_renegotiation`
    /// warning before answering it (RFC 5746 §4.2 leaves the client free
    /// to go on with the connection as it was): only while still awaiting
    /// ServerHello, when nothing of the new handshake is agreed. Any other
    /// state is returned as it was.
    pub(crate) fn abandon_renegotiation(self) -> Self {
        match self {
            ClientState::AwaitServerHello(s) if s.is_renegotiation() => {
                ClientState::Idle(s.into_idle())
            }
            other => other,
        }
    }

    /// Whether application data may arrive now: when established (the
    /// connection checks that) and not between the server's
    /// ChangeCipherSpec and Finished, where only Finished may come
    /// (RFC 5246 §7.1).
    pub(crate) fn takes_application_data(&self) -> bool {
        !matches!(self, ClientState::AwaitServerFinished(_))
    }

    /// Advances on one handshake message.
    pub(crate) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<Self, Error> {
        // RFC 5246 §7.4.1.1: a HelloRequest arriving while we negotiate is
        // ignored (and is never part of the transcript), but counted.
        if msg.typ() == HandshakeType::HELLO_REQUEST && !matches!(self, ClientState::Idle(_)) {
            actions.push(Action::RenegotiationRequest { answer: false });
            return Ok(self);
        }
        match self {
            ClientState::AwaitServerHello(s) => s.handle(msg, actions),
            ClientState::AwaitCertificate(s) => s.handle(msg),
            ClientState::AwaitServerKx(s) => s.handle(msg),
            ClientState::AwaitServerHelloDone(s) => s.handle(msg, actions),
            ClientState::AwaitTicket(s) => s.handle(msg),
            ClientState::AwaitServerCcs(_) => Err(unexpected("ChangeCipherSpec", &msg)),
            ClientState::AwaitServerFinished(s) => s.handle(msg, actions),
            ClientState::Idle(idle) => {
                // RFC 5246 §7.4.1.1: a client may ignore HelloRequest; one
                // the connection does not turn into a renegotiation gets
                // no_renegotiation (RFC 5746 §4.2) and is counted.
                if msg.typ() == HandshakeType::HELLO_REQUEST {
                    actions.push(Action::RenegotiationRequest { answer: true });
                    Ok(ClientState::Idle(idle))
                } else {
                    Err(unexpected("application data", &msg))
                }
            }
        }
    }

    /// Whether this state takes a handshake message of type `typ`: decided
    /// from the message header alone, before the body is decoded or even
    /// received, so that a message out of order is `unexpected_message`
    /// whatever its body (OpenSSL checks the type first too). `handle`
    /// still matches the decoded payload.
    pub(crate) fn expects(&self, typ: HandshakeType) -> bool {
        // RFC 5246 §7.4.1.1: a HelloRequest may come at any time; `handle`
        // ignores it during the handshake and refuses it after.
        if typ == HandshakeType::HELLO_REQUEST {
            return true;
        }
        match self {
            ClientState::AwaitServerHello(_) => typ == HandshakeType::SERVER_HELLO,
            ClientState::AwaitCertificate(_) => typ == HandshakeType::CERTIFICATE,
            ClientState::AwaitServerKx(_) => typ == HandshakeType::SERVER_KEY_EXCHANGE,
            ClientState::AwaitServerHelloDone(s) => s.expects(typ),
            ClientState::AwaitTicket(_) => typ == HandshakeType::NEW_SESSION_TICKET,
            ClientState::AwaitServerFinished(_) => typ == HandshakeType::FINISHED,
            ClientState::AwaitServerCcs(_) | ClientState::Idle(_) => false,
        }
    }

    /// Advances on the server's ChangeCipherSpec.
    pub(crate) fn handle_ccs(self) -> Result<Self, Error> {
        match self {
            ClientState::AwaitServerCcs(s) => {
                Ok(ClientState::AwaitServerFinished(s.into_await_finished()))
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
            ClientState::AwaitServerHello(_) => "ServerHello",
            ClientState::AwaitCertificate(_) => "Certificate",
            ClientState::AwaitServerKx(_) => "ServerKeyExchange",
            ClientState::AwaitServerHelloDone(_) => "ServerHelloDone",
            ClientState::AwaitTicket(_) => "NewSessionTicket",
            ClientState::AwaitServerCcs(_) => "ChangeCipherSpec",
            ClientState::AwaitServerFinished(_) => "Finished",
            ClientState::Idle(_) => "application data",
        }
    }

    /// Whether no handshake is under way.
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self, ClientState::Idle(_))
    }

    /// What a handshake that has just completed leaves for traffic; taken
    /// once.
    pub(crate) fn take_completed(&mut self) -> Option<Traffic> {
        match self {
            ClientState::Idle(idle) => idle.completed.take(),
            _ => None,
        }
    }

    /// The configuration, when idle.
    pub(crate) fn idle_config(&self) -> Option<&ClientConfig> {
        match self {
            ClientState::Idle(idle) => Some(&idle.config),
            _ => None,
        }
    }

    /// Takes the idle state out, to start a renegotiation from it (the
    /// caller checked [`Self::is_idle`]; any other state is dropped).
    pub(crate) fn into_idle(self) -> Option<ClientIdle> {
        match self {
            ClientState::Idle(idle) => Some(idle),
            _ => None,
        }
    }
}
