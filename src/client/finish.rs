//! The end of the client handshake, shared by full and abbreviated
//! handshakes: an optional NewSessionTicket (RFC 5077 §3.3), the server's
//! ChangeCipherSpec and Finished, our own ChangeCipherSpec and Finished when
//! resuming, and storing the session for next time.

use alloc::vec::Vec;
use rustls_pki_types::CertificateDer;

use crate::codec::enums::{NamedGroup, SignatureScheme};
use crate::crypto::key_schedule::{DirectionKeys, MasterPrf, MasterSecret};
use crate::error::Error;
use crate::handshake::ticket::NewSessionTicket;
use crate::handshake::HandshakePayload;
use crate::resumption::session::SessionRef;
use crate::resumption::DEFAULT_SESSION_LIFETIME;
use crate::state::{
    check_finished, complete, send_finished, unexpected, Action, Actions, Agreed, Msg, SessionKey,
};

use super::hello::store_key;
use super::{ClientHs, ClientIdle, ClientState};

/// Keys are derived; what is left to check and remember.
pub(crate) struct ClientKeyed {
    pub hs: ClientHs,
    pub master: MasterSecret,
    /// The PRF under `master`, set up once for the key block and both
    /// Finished values.
    pub prf: MasterPrf,
    pub peer_certificates: Vec<CertificateDer<'static>>,
    pub group: Option<NamedGroup>,
    pub scheme: Option<SignatureScheme>,
    /// When resuming, our ChangeCipherSpec and Finished come after the
    /// server's, under this encrypter.
    pub resumed_write: Option<DirectionKeys>,
    /// When resuming, the original session's creation time: a session's
    /// lifetime runs from its full handshake, not from each resumption.
    pub created: Option<u64>,
    pub new_ticket: Option<NewSessionTicket>,
}

/// The next state once keys exist.
pub(super) fn after_keys(k: ClientKeyed) -> ClientState {
    if k.hs.ticket_expected {
        ClientState::AwaitTicket(AwaitTicket(k))
    } else {
        ClientState::AwaitServerCcs(AwaitServerCcs(k))
    }
}

/// The server acknowledged session_ticket; waiting for NewSessionTicket.
pub(crate) struct AwaitTicket(ClientKeyed);

impl AwaitTicket {
    pub(super) fn handle(self, msg: Msg<'_>) -> Result<ClientState, Error> {
        let mut k = self.0;
        let HandshakePayload::NewSessionTicket(ticket) = msg.payload else {
            return Err(unexpected("NewSessionTicket", &msg));
        };
        k.hs.transcript.add(msg.raw);
        k.new_ticket = Some(ticket);
        Ok(ClientState::AwaitServerCcs(AwaitServerCcs(k)))
    }
}

/// Waiting for the server's ChangeCipherSpec.
pub(crate) struct AwaitServerCcs(ClientKeyed);

impl AwaitServerCcs {
    pub(super) fn into_await_finished(self) -> AwaitServerFinished {
        AwaitServerFinished(self.0)
    }
}

/// Read keys active; waiting for the server's Finished.
pub(crate) struct AwaitServerFinished(ClientKeyed);

impl AwaitServerFinished {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<ClientState, Error> {
        let ClientKeyed {
            mut hs,
            master,
            prf,
            peer_certificates,
            group,
            scheme,
            resumed_write,
            created,
            new_ticket,
        } = self.0;
        hs.verify_data.server = check_finished(&prf, &mut hs.transcript, false, &msg)?;
        let resumed = resumed_write.is_some();
        if let Some(enc) = resumed_write {
            actions.push(Action::ChangeWriteCipher(enc));
            hs.verify_data.client = send_finished(actions, &prf, &mut hs.transcript, true)?;
        }
        let stored = store_session(
            &hs,
            &master,
            &peer_certificates,
            resumed,
            created,
            new_ticket,
        );
        if let Some(key) = stored {
            actions.push(Action::Session(key));
        }
        let agreed = Agreed {
            master,
            suite: hs.suite,
            client_random: hs.client_random,
            server_random: hs.server_random,
            ems: hs.ems,
            etm: hs.etm,
            group,
            scheme,
            alpn: hs.alpn,
            sni: hs.sni,
            peer_certificates,
            resumed,
            verify_data: hs.verify_data,
            secure_renegotiation: hs.secure_renegotiation,
        };
        let traffic = complete(actions, agreed);
        Ok(ClientState::Idle(ClientIdle {
            config: hs.config,
            server_name: hs.server_name,
            completed: Some(traffic),
        }))
    }
}

/// Remembers the session for resumption if the server made it resumable (a
/// session ID or a ticket), else forgets any older one for this server. A
/// session whose encoding does not fit its length prefixes (none that a
/// peer we accept can give us) is forgotten the same way: resumption is
/// never required, and a corrupt entry would never resume.
///
/// A resumed session is rewritten only when the server sent a new ticket.
/// Otherwise the stored copy is already right: by session ID nothing
/// changed, and a ticket the server did not renew stays valid (RFC 5077
/// §3.4), so it must stay in the store rather than be replaced by a
/// session under the session ID the client made up for it.
fn store_session(
    hs: &ClientHs,
    master: &MasterSecret,
    peer_certificates: &[CertificateDer<'static>],
    resumed: bool,
    created: Option<u64>,
    new_ticket: Option<NewSessionTicket>,
) -> Option<SessionKey> {
    let store = hs.config.session_store.as_ref()?;
    let key = store_key(&hs.server_name);
    let renewed = new_ticket.as_ref().is_some_and(|t| !t.ticket.is_empty());
    if resumed && !renewed {
        return Some(SessionKey::Client {
            store: store.clone(),
            name: key,
        });
    }
    let (ticket, lifetime) = match new_ticket {
        Some(t) if !t.ticket.is_empty() => {
            let hint = if t.lifetime_hint == 0 {
                DEFAULT_SESSION_LIFETIME
            } else {
                t.lifetime_hint.min(DEFAULT_SESSION_LIFETIME)
            };
            (t.ticket, hint)
        }
        _ => (Vec::new(), DEFAULT_SESSION_LIFETIME),
    };
    if ticket.is_empty() && hs.session_id.is_empty() {
        store.remove(&key);
        return None;
    }
    // Encoded from borrowed state: no copy of the chain or master secret
    // first; the encoding's buffer itself moves into the store.
    let session = SessionRef {
        suite: hs.suite.suite,
        master,
        extended_master_secret: hs.ems,
        encrypt_then_mac: hs.etm,
        server_name: hs.sni.as_deref(),
        peer_certificate: peer_certificates.first(),
        created: created.unwrap_or_else(|| hs.config.time.now().as_secs()),
        lifetime,
        session_id: if ticket.is_empty() {
            hs.session_id
        } else {
            Default::default()
        },
        ticket: &ticket,
    };
    let Ok(mut secret) = session.encode_secret() else {
        store.remove(&key);
        return None;
    };
    store.put(&key, core::mem::take(&mut *secret));
    Some(SessionKey::Client {
        store: store.clone(),
        name: key,
    })
}
