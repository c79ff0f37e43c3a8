//! The end of the server handshake, shared by full and abbreviated
//! handshakes: the client's ChangeCipherSpec and Finished, our
//! [NewSessionTicket], ChangeCipherSpec and Finished, and remembering the
//! session (RFC 5246 §7.3, §7.4.9; RFC 5077 §3.3).

use rustls_pki_types::CertificateDer;

use crate::codec::enums::{NamedGroup, ProtocolVersion, SignatureScheme};
use crate::crypto::key_schedule::{DirectionKeys, MasterPrf, MasterSecret};
use crate::error::Error;
use crate::event::Negotiated;
use crate::handshake::ticket::NewSessionTicket;
use crate::handshake::HandshakePayload;
use crate::resumption::session::{SessionRef, StoredSession};
use crate::state::{
    check_finished, log_master, send, send_finished, Action, Msg, Outbox, SessionKey, Traffic,
};

use super::full::send_server_hello;
use super::{Hs, ServerState};

/// Keys are derived; what is left to check, send and remember.
pub(crate) struct Keyed {
    pub hs: Hs,
    pub master: MasterSecret,
    /// The PRF under `master`, set up once for the key block and both
    /// Finished values.
    pub prf: MasterPrf,
    /// Full handshake: our write keys, switched on after the client's
    /// Finished. `None` when resuming (our CCS and Finished went first).
    pub write: Option<DirectionKeys>,
    pub peer_certificates: Vec<CertificateDer<'static>>,
    pub group: Option<NamedGroup>,
    pub scheme: Option<SignatureScheme>,
    /// Resumed: the original session's creation time.
    pub created: Option<u64>,
}

impl Keyed {
    /// The session to cache or seal in a ticket, borrowed from the
    /// handshake: encoding it copies nothing else first.
    fn session(&self) -> SessionRef<'_> {
        SessionRef {
            suite: self.hs.suite.suite,
            master: &self.master,
            extended_master_secret: self.hs.ems,
            server_name: self.hs.sni.as_deref(),
            peer_certificates: &self.peer_certificates,
            created: self
                .created
                .unwrap_or_else(|| self.hs.config.time.now().as_secs()),
            lifetime: self.hs.config.session_lifetime,
            session_id: Default::default(),
            ticket: &[],
        }
    }

    /// Sends NewSessionTicket if we promised one (RFC 5077 §3.3: an empty
    /// ticket is allowed when sealing fails).
    fn send_ticket(&mut self, actions: &mut Outbox) {
        let Some(ticketer) = self.hs.config.ticketer.clone() else {
            return;
        };
        if !self.hs.send_ticket {
            return;
        }
        let plain = self.session().encode_secret();
        let ticket = ticketer
            .encrypt(&plain, self.hs.config.time.now())
            .unwrap_or_default();
        let nst = NewSessionTicket {
            lifetime_hint: ticketer.lifetime(),
            ticket,
        };
        send(
            actions,
            &mut self.hs.transcript,
            HandshakePayload::NewSessionTicket(nst),
        );
    }
}

/// The abbreviated handshake: ServerHello with the client's session ID,
/// [NewSessionTicket], ChangeCipherSpec and Finished, all at once.
pub(super) fn start_resumed(
    mut hs: Hs,
    session: StoredSession,
    actions: &mut Outbox,
) -> Result<ServerState, Error> {
    hs.transcript.keep_messages(false);
    if let Some(store) = &hs.config.session_store {
        if !hs.session_id.is_empty() {
            actions.push(Action::Session(SessionKey::Server {
                store: store.clone(),
                id: hs.session_id,
            }));
        }
    }
    send_server_hello(&mut hs, false, false, actions);
    actions.push(Action::StrictVersion);
    let prf = session.master.prf_key(hs.suite);
    let keys = prf.key_block(&hs.client_random, &hs.server_random);
    log_master(&hs.config.key_log, &hs.client_random, &session.master);
    actions.push(Action::PrepareRead(keys.client_keys()));
    let mut k = Keyed {
        hs,
        master: session.master,
        prf,
        write: None,
        peer_certificates: session.peer_certificates,
        group: None,
        scheme: None,
        created: Some(session.created),
    };
    k.send_ticket(actions);
    actions.push(Action::ChangeWriteCipher(keys.server_keys()));
    send_finished(actions, &k.prf, &mut k.hs.transcript, false)?;
    Ok(ServerState::AwaitCcs(AwaitCcs(k)))
}

/// Waiting for the client's ChangeCipherSpec.
pub(crate) struct AwaitCcs(Keyed);

impl AwaitCcs {
    pub(super) fn new(k: Keyed) -> Self {
        AwaitCcs(k)
    }

    pub(super) fn into_await_finished(self) -> AwaitFinished {
        AwaitFinished(self.0)
    }
}

/// Read keys active; waiting for the client's Finished.
pub(crate) struct AwaitFinished(Keyed);

impl AwaitFinished {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Outbox) -> Result<ServerState, Error> {
        let mut k = self.0;
        check_finished(&k.prf, &mut k.hs.transcript, true, &msg)?;
        let resumed = k.write.is_none();
        if let Some(write) = k.write.take() {
            k.send_ticket(actions);
            actions.push(Action::ChangeWriteCipher(write));
            send_finished(actions, &k.prf, &mut k.hs.transcript, false)?;
            if let Some(store) = &k.hs.config.session_store {
                if !k.hs.session_id.is_empty() {
                    // The one copy of the session is the cache's: the
                    // encoding's buffer moves into it (the store wipes it).
                    let mut secret = k.session().encode_secret();
                    store.put(k.hs.session_id.as_ref(), core::mem::take(&mut *secret));
                    actions.push(Action::Session(SessionKey::Server {
                        store: store.clone(),
                        id: k.hs.session_id,
                    }));
                }
            }
        }
        actions.push(Action::Complete(Negotiated {
            version: ProtocolVersion::TLSV1_2,
            suite: k.hs.suite,
            group: k.group,
            signature_scheme: k.scheme,
            alpn_protocol: k.hs.alpn.take(),
            server_name: k.hs.sni.take(),
            peer_certificates: core::mem::take(&mut k.peer_certificates),
            extended_master_secret: k.hs.ems,
            resumed,
        }));
        Ok(ServerState::Traffic(Traffic {
            master: k.master,
            suite: k.hs.suite,
            client_random: k.hs.client_random,
            server_random: k.hs.server_random,
            extended_master_secret: k.hs.ems,
        }))
    }
}
