//! How a [`Connection`] starts, accepts and refuses renegotiations (RFC
//! 5746): the public calls, the decision on a peer's HelloRequest or
//! ClientHello, and the limits. The rules each new handshake must keep are
//! in [`crate::renegotiation`]; the handshake itself runs in the client and
//! server states like any other.

use crate::client::ClientState;
use crate::codec::enums::{ContentType, HandshakeType};
use crate::config::ClientAuth;
use crate::error::Error;
use crate::event::Event;
use crate::limits::{MAX_HELLO_REQUESTS, MAX_RENEGOTIATIONS};
use crate::logging::log_debug;
use crate::renegotiation::Prior;
use crate::server::ServerState;
use crate::state::Msg;
use crate::trace::{self, Direction};

use super::{Connection, Role};

/// A HelloRequest: type 0, empty body (RFC 5246 §7.4.1.1).
const HELLO_REQUEST: [u8; 4] = [0, 0, 0, 0];

impl Connection {
    /// Starts a renegotiation (RFC 5746): a client sends a new ClientHello,
    /// a server sends HelloRequest. The new handshake runs under the
    /// current keys while application data goes on flowing both ways;
    /// [`Event::RenegotiationStarted`] comes at once and
    /// [`Event::RenegotiationComplete`] with the new [`crate::Negotiated`]
    /// once both Finished have verified. A client may resume its stored
    /// session (an abbreviated handshake) or run a full one, as the server
    /// decides.
    ///
    /// Needs the configuration's `allow_renegotiation`, a peer that
    /// signalled RFC 5746 and the extended master secret, no handshake
    /// already under way, and fewer than [`MAX_RENEGOTIATIONS`] so far;
    /// otherwise [`Error::CannotRenegotiate`], which leaves the connection
    /// as it was. A server whose client does not answer its HelloRequest
    /// (a client may ignore it, RFC 5246 §7.4.1.1) cannot send another.
    pub fn renegotiate(&mut self) -> Result<(), Error> {
        self.start_renegotiation(None)
    }

    /// Server only: like [`renegotiate`](Self::renegotiate), asking the
    /// client for a certificate under `client_auth` (the pattern of a
    /// server that wants one only for some requests). The new handshake is
    /// a full one (a resumed session would carry no certificate), and every
    /// later handshake on the connection asks the same way, so that a
    /// client identity once obtained cannot quietly lapse.
    pub fn renegotiate_with_client_auth(&mut self, client_auth: ClientAuth) -> Result<(), Error> {
        if self.is_client {
            return Err(Error::CannotRenegotiate(
                "only a server asks for a client certificate",
            ));
        }
        self.start_renegotiation(Some(client_auth))
    }

    /// Whether a renegotiation is under way (sent or accepted, not yet
    /// complete). A server's HelloRequest the client has not answered
    /// counts. A close_notify either way ends it: a renegotiation cut short
    /// by one never completes.
    pub fn is_renegotiating(&self) -> bool {
        self.error.is_none()
            && !self.sent_close
            && !self.peer_closed
            && self.traffic.is_some()
            && (!self.is_idle() || self.hello_request_pending.is_some())
    }

    fn start_renegotiation(&mut self, client_auth: Option<ClientAuth>) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.sent_close || self.peer_closed {
            return Err(Error::ConnectionClosed);
        }
        if self.traffic.is_none() {
            return Err(Error::HandshakeNotComplete);
        }
        if self.is_renegotiating() {
            return Err(Error::CannotRenegotiate("a renegotiation is under way"));
        }
        if !self.config_allows_renegotiation() {
            return Err(Error::CannotRenegotiate(
                "the configuration's allow_renegotiation is off",
            ));
        }
        if let Some(why) = self.renegotiation_refusal() {
            return Err(Error::CannotRenegotiate(why));
        }
        self.renegotiations += 1;
        log_debug!("{} starts a renegotiation", self.role_name());
        self.events.push_back(Event::RenegotiationStarted);
        let started = match self.role.take() {
            Some(Role::Client(s)) => match (s.into_idle(), self.prior()) {
                (Some(idle), Some(prior)) => {
                    ClientState::renegotiate(idle, prior, true, &mut self.actions).map(Role::Client)
                }
                _ => Err(Error::Internal("renegotiation without an idle state")),
            },
            Some(Role::Server(mut s)) => {
                let fresh = client_auth.is_some();
                if let (Some(auth), Some(idle)) = (client_auth, s.idle_mut()) {
                    idle.client_auth = auth;
                }
                self.role = Some(Role::Server(s));
                self.hello_request_pending = Some(!fresh);
                self.trace(Direction::Sent, &HELLO_REQUEST);
                // HelloRequest is not part of any transcript (RFC 5246
                // §7.4.1.1): it goes straight out.
                return self
                    .record
                    .write_record(ContentType::HANDSHAKE, &HELLO_REQUEST, &mut self.outbox)
                    .map_err(|e| self.fail(e));
            }
            None => Err(Error::Internal("no state")),
        };
        match started {
            Ok(role) => {
                self.role = Some(role);
                self.apply_actions().map_err(|e| self.fail(e))
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Turns a peer's HelloRequest (to a client) or ClientHello (to a
    /// server) on an established, idle connection into a renegotiation
    /// when the configuration allows it and [`Self::renegotiation_refusal`]
    /// finds nothing against it. Returns the message back when it is not
    /// taken: the state then ignores or refuses it as usual (a
    /// `no_renegotiation` warning, RFC 5746 §4.2, §4.4).
    pub(super) fn start_peer_renegotiation<'m>(
        &mut self,
        msg: Msg<'m>,
    ) -> Result<Option<Msg<'m>>, Error> {
        let typ = msg.typ();
        if self.is_client && typ == HandshakeType::HELLO_REQUEST {
            self.hello_requests += 1;
            if self.hello_requests > MAX_HELLO_REQUESTS {
                return Err(Error::LimitExceeded("HelloRequests"));
            }
        }
        if self.traffic.is_none() || !self.is_idle() {
            return Ok(Some(msg));
        }
        // The answer to our own HelloRequest was allowed, and counted,
        // when the HelloRequest went out.
        let answers_ours = !self.is_client
            && typ == HandshakeType::CLIENT_HELLO
            && self.hello_request_pending.is_some();
        let asked = if self.is_client {
            typ == HandshakeType::HELLO_REQUEST && self.config_allows_renegotiation()
        } else {
            typ == HandshakeType::CLIENT_HELLO && self.accepts_client_renegotiation()
        };
        if !answers_ours && (!asked || self.renegotiation_refusal().is_some()) {
            return Ok(Some(msg));
        }
        let prior = self.prior().ok_or(Error::Internal("no prior handshake"))?;
        let role = self.role.take().ok_or(Error::Internal("no state"))?;
        let next = match role {
            Role::Client(s) => {
                let idle = s.into_idle().ok_or(Error::Internal("not idle"))?;
                self.renegotiations += 1;
                log_debug!("client takes up the server's HelloRequest");
                self.events.push_back(Event::RenegotiationStarted);
                Role::Client(ClientState::renegotiate(
                    idle,
                    prior,
                    false,
                    &mut self.actions,
                )?)
            }
            Role::Server(s) => {
                let idle = s.into_idle().ok_or(Error::Internal("not idle"))?;
                // Our own HelloRequest was counted and announced when sent.
                let resume = match self.hello_request_pending.take() {
                    Some(resume) => resume,
                    None => {
                        self.renegotiations += 1;
                        log_debug!("server takes up the client's renegotiation");
                        self.events.push_back(Event::RenegotiationStarted);
                        true
                    }
                };
                Role::Server(ServerState::renegotiate(
                    idle,
                    prior,
                    resume,
                    msg,
                    &mut self.actions,
                )?)
            }
        };
        self.role = Some(next);
        Ok(None)
    }

    /// The peer sent a `no_renegotiation` warning: a server's HelloRequest
    /// is answered (it may send another), and a client's renegotiation
    /// that the server has not taken up is given up, the connection going
    /// on as it was (RFC 5746 §4.2 leaves this to the client).
    pub(super) fn renegotiation_refused(&mut self) {
        self.hello_request_pending = None;
        self.role = match self.role.take() {
            Some(Role::Client(s)) => Some(Role::Client(s.abandon_renegotiation())),
            other => other,
        };
    }

    /// Why the connection may not renegotiate, whoever asks: the peer did
    /// not signal RFC 5746 or the extended master secret in the handshake
    /// in force, or [`MAX_RENEGOTIATIONS`] is reached.
    fn renegotiation_refusal(&self) -> Option<&'static str> {
        let traffic = self.traffic.as_ref()?;
        if !traffic.secure_renegotiation {
            Some("the peer did not signal secure renegotiation (RFC 5746)")
        } else if !traffic.extended_master_secret {
            Some("the handshake in force has no extended master secret (RFC 7627)")
        } else if self.renegotiations >= MAX_RENEGOTIATIONS {
            Some("MAX_RENEGOTIATIONS reached")
        } else {
            None
        }
    }

    /// What the next handshake must match (see [`Prior`]).
    fn prior(&self) -> Option<Prior> {
        let traffic = self.traffic.as_ref()?;
        Some(Prior {
            verify_data: traffic.verify_data,
            suite: traffic.suite,
            etm: traffic.etm,
            peer_end_entity: self
                .negotiated
                .as_ref()
                .and_then(|n| n.peer_certificates.first().cloned()),
        })
    }

    pub(super) fn is_idle(&self) -> bool {
        match &self.role {
            Some(Role::Client(s)) => s.is_idle(),
            Some(Role::Server(s)) => s.is_idle(),
            None => false,
        }
    }

    fn config_allows_renegotiation(&self) -> bool {
        match &self.role {
            Some(Role::Client(s)) => s.idle_config().is_some_and(|c| c.allow_renegotiation),
            Some(Role::Server(s)) => s.idle_config().is_some_and(|c| c.allow_renegotiation),
            None => false,
        }
    }

    fn accepts_client_renegotiation(&self) -> bool {
        match &self.role {
            Some(Role::Server(s)) => s
                .idle_config()
                .is_some_and(|c| c.accept_client_renegotiation),
            _ => false,
        }
    }

    /// Queues the trace of a handshake message we send outside a state's
    /// flight (HelloRequest), when tracing.
    fn trace(&mut self, direction: Direction, bytes: &[u8]) {
        if self.trace {
            let entry = trace::describe(direction, bytes, self.kx);
            self.push_trace(entry);
        }
    }
}
