//! The end of the server handshake, shared by full and abbreviated
//! handshakes: the client's ChangeCipherSpec and Finished, our
//! [NewSessionTicket], ChangeCipherSpec and Finished, and remembering the
//! session (RFC 5246 §7.3, §7.4.9; RFC 5077 §3.3).

use alloc::vec::Vec;
use rustls_pki_types::CertificateDer;

use crate::codec::enums::{NamedGroup, SignatureScheme};
use crate::codec::LenSize;
use crate::crypto::key_schedule::{DirectionKeys, MasterPrf, MasterSecret};
use crate::error::Error;
use crate::handshake::ticket::NewSessionTicket;
use crate::handshake::HandshakePayload;
use crate::resumption::session::{SessionRef, StoredSession};
use crate::state::{
    check_finished, complete, send, send_finished, Action, Actions, Agreed, Msg, SessionKey,
};

use super::full::send_server_hello;
use super::{ServerHs, ServerIdle, ServerState};

/// Keys are derived; what is left to check, send and remember.
pub(crate) struct ServerKeyed {
    pub hs: ServerHs,
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
    /// Set when this handshake resumes a session.
    pub resumed: Option<Resumed>,
}

/// What a resumed session brings with it.
pub(crate) struct Resumed {
    /// The original session's creation time: a session's lifetime runs from
    /// its full handshake, not from each resumption.
    pub created: u64,
    /// Found in the session cache under the client's session ID (rather
    /// than in a ticket, which the server does not keep).
    pub cached: bool,
}

impl ServerKeyed {
    /// The session to cache or seal in a ticket, borrowed from the
    /// handshake: encoding it copies nothing else first.
    fn session(&self) -> SessionRef<'_> {
        SessionRef {
            suite: self.hs.suite.suite,
            master: &self.master,
            extended_master_secret: self.hs.ems,
            encrypt_then_mac: self.hs.etm,
            server_name: self.hs.sni.as_deref(),
            peer_certificate: self.peer_certificates.first(),
            created: self
                .resumed
                .as_ref()
                .map(|r| r.created)
                .unwrap_or_else(|| self.hs.config.time.now().as_secs()),
            lifetime: self.hs.config.session_lifetime,
            session_id: Default::default(),
            ticket: &[],
        }
    }

    /// Sends NewSessionTicket if we promised one. RFC 5077 §3.3 lets the
    /// ticket be empty ("no ticket") where we cannot issue one: when the
    /// session cannot be encoded or sealed, or when the ticket the
    /// [`TicketProducer`](crate::resumption::ticketer::TicketProducer)
    /// returns would not fit the `opaque ticket<0..2^16-1>` (ours seals a
    /// client certificate of nearly 64 KiB into one; another producer may
    /// return anything).
    fn send_ticket(&mut self, actions: &mut Actions) -> Result<(), Error> {
        let Some(ticketer) = self.hs.config.ticketer.clone() else {
            return Ok(());
        };
        if !self.hs.send_ticket {
            return Ok(());
        }
        let ticket = self
            .session()
            .encode_secret()
            .ok()
            .and_then(|plain| ticketer.encrypt(&plain, self.hs.config.time.now()))
            .filter(|t| t.len() <= LenSize::U16.max_len())
            .unwrap_or_default();
        let nst = NewSessionTicket {
            lifetime_hint: ticketer.lifetime(),
            ticket,
        };
        send(
            actions,
            &mut self.hs.transcript,
            HandshakePayload::NewSessionTicket(nst),
        )
    }
}

/// The abbreviated handshake: ServerHello with the client's session ID,
/// [NewSessionTicket], ChangeCipherSpec and Finished, all at once.
pub(super) fn start_resumed(
    mut hs: ServerHs,
    session: StoredSession,
    cached: bool,
    actions: &mut Actions,
) -> Result<ServerState, Error> {
    hs.transcript.keep_messages(false);
    send_server_hello(&mut hs, false, false, actions)?;
    actions.push(Action::SuiteChosen(hs.suite.kx));
    let (prf, write) = hs.derive_keys(&session.master, actions)?;
    let mut k = ServerKeyed {
        hs,
        master: session.master,
        prf,
        write: None,
        peer_certificates: session.peer_certificate.into_iter().collect(),
        group: None,
        scheme: None,
        resumed: Some(Resumed {
            created: session.created,
            cached,
        }),
    };
    k.send_ticket(actions)?;
    actions.push(Action::ChangeWriteCipher(write));
    k.hs.verify_data.server = send_finished(actions, &k.prf, &mut k.hs.transcript, false)?;
    Ok(ServerState::AwaitClientCcs(AwaitClientCcs(k)))
}

/// Waiting for the client's ChangeCipherSpec.
pub(crate) struct AwaitClientCcs(ServerKeyed);

impl AwaitClientCcs {
    pub(super) fn new(k: ServerKeyed) -> Self {
        AwaitClientCcs(k)
    }

    pub(super) fn into_await_finished(self) -> AwaitClientFinished {
        AwaitClientFinished(self.0)
    }
}

/// Read keys active; waiting for the client's Finished.
pub(crate) struct AwaitClientFinished(ServerKeyed);

impl AwaitClientFinished {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<ServerState, Error> {
        let mut k = self.0;
        k.hs.verify_data.client = check_finished(&k.prf, &mut k.hs.transcript, true, &msg)?;
        // From here the client has proven it holds the master secret: only
        // now does this connection stand for the cached session, so that a
        // fatal alert invalidates it (RFC 5246 §7.2). Registering it
        // earlier would let anyone who saw the session ID on the wire evict
        // it by replaying the ID and then failing the handshake.
        let cached = k.resumed.as_ref().is_some_and(|r| r.cached);
        if let (true, Some(store)) = (cached, &k.hs.config.session_store) {
            actions.push(Action::Session(SessionKey::Server {
                store: store.clone(),
                id: k.hs.session_id,
            }));
        }
        let resumed = k.resumed.is_some();
        if let Some(write) = k.write.take() {
            k.send_ticket(actions)?;
            actions.push(Action::ChangeWriteCipher(write));
            k.hs.verify_data.server = send_finished(actions, &k.prf, &mut k.hs.transcript, false)?;
            if let Some(store) = &k.hs.config.session_store {
                if !k.hs.session_id.is_empty() {
                    // A session that cannot be encoded (none a peer we
                    // accept can give us) is not cached: the client's next
                    // offer of its ID starts a full handshake (RFC 5246
                    // §7.4.1.3).
                    if let Ok(mut secret) = k.session().encode_secret() {
                        // The one copy of the session is the cache's: the
                        // encoding's buffer moves into it (the store wipes
                        // it).
                        store.put(k.hs.session_id.as_ref(), core::mem::take(&mut *secret));
                        actions.push(Action::Session(SessionKey::Server {
                            store: store.clone(),
                            id: k.hs.session_id,
                        }));
                    }
                }
            }
        }
        let agreed = Agreed {
            master: k.master,
            suite: k.hs.suite,
            client_random: k.hs.client_random,
            server_random: k.hs.server_random,
            ems: k.hs.ems,
            etm: k.hs.etm,
            group: k.group,
            scheme: k.scheme,
            alpn: k.hs.alpn,
            sni: k.hs.sni,
            peer_certificates: k.peer_certificates,
            resumed,
            verify_data: k.hs.verify_data,
            secure_renegotiation: k.hs.secure_renegotiation,
        };
        let traffic = complete(actions, agreed);
        Ok(ServerState::Idle(ServerIdle {
            config: k.hs.config,
            client_auth: k.hs.client_auth,
            completed: Some(traffic),
        }))
    }
}
