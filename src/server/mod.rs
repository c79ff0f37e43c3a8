//! The server handshake (RFC 5246 §7.3, full ECDHE handshake):
//!
//! ```text
//!                    <--  ClientHello
//! ServerHello, Certificate, ServerKeyExchange, ServerHelloDone  -->
//!                    <--  ClientKeyExchange, ChangeCipherSpec, Finished
//! ChangeCipherSpec, Finished  -->
//! ```
//!
//! One struct per step, named by what it awaits, held in [`ServerState`].

mod finish;
mod hello;

use std::sync::Arc;

use crate::codec::enums::HandshakeType;
use crate::config::ServerConfig;
use crate::error::Error;
use crate::state::{unexpected, Action, Msg, Traffic};

pub(crate) use finish::{AwaitCcs, AwaitClientKx, AwaitFinished};
pub(crate) use hello::AwaitClientHello;

/// Where the server is in its handshake.
pub(crate) enum ServerState {
    AwaitClientHello(AwaitClientHello),
    AwaitClientKx(AwaitClientKx),
    AwaitCcs(AwaitCcs),
    AwaitFinished(AwaitFinished),
    Traffic(Traffic),
}

impl ServerState {
    pub(crate) fn start(config: Arc<ServerConfig>) -> Self {
        ServerState::AwaitClientHello(AwaitClientHello { config })
    }

    /// Advances on one handshake message.
    pub(crate) fn handle(self, msg: Msg<'_>, actions: &mut Vec<Action>) -> Result<Self, Error> {
        match self {
            ServerState::AwaitClientHello(s) => s.handle(msg, actions),
            ServerState::AwaitClientKx(s) => s.handle(msg, actions),
            ServerState::AwaitCcs(_) => Err(unexpected("ChangeCipherSpec", &msg)),
            ServerState::AwaitFinished(s) => s.handle(msg, actions),
            ServerState::Traffic(t) => {
                // RFC 5746 §4.4: a server that will not renegotiate answers a
                // ClientHello with a no_renegotiation warning.
                if msg.typ() == HandshakeType::CLIENT_HELLO {
                    actions.push(Action::RefuseRenegotiation);
                    Ok(ServerState::Traffic(t))
                } else {
                    Err(unexpected("application data", &msg))
                }
            }
        }
    }

    /// Advances on the client's ChangeCipherSpec.
    pub(crate) fn handle_ccs(self) -> Result<Self, Error> {
        match self {
            ServerState::AwaitCcs(s) => Ok(ServerState::AwaitFinished(s.into_await_finished())),
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
            ServerState::AwaitClientKx(_) => "ClientKeyExchange",
            ServerState::AwaitCcs(_) => "ChangeCipherSpec",
            ServerState::AwaitFinished(_) => "Finished",
            ServerState::Traffic(_) => "application data",
        }
    }

    pub(crate) fn traffic(&self) -> Option<&Traffic> {
        match self {
            ServerState::Traffic(t) => Some(t),
            _ => None,
        }
    }
}
