//! What the client and server state machines share: the [`Action`]s a state
//! returns instead of acting (so a state can be tested without a record
//! layer), and the small steps both roles take the same way.

use crate::codec::enums::{HandshakeType, SignatureScheme};
use crate::crypto::key_schedule::{MasterSecret, VERIFY_DATA_LEN};
use crate::crypto::transcript::Transcript;
use crate::error::{Error, InvalidMessage};
use crate::event::Negotiated;
use crate::handshake::HandshakePayload;
use crate::record::cipher::{Decrypter, Encrypter};
use crate::suites::{AuthKind, SupportedSuite};

/// What a state hands the connection: actions in order, and the encoded
/// handshake messages they send, back to back in one buffer (one
/// allocation for a whole flight instead of one per message).
#[derive(Default)]
pub(crate) struct Outbox {
    pub actions: Vec<Action>,
    pub messages: Vec<u8>,
}

impl Outbox {
    /// Queues an action. The first one reserves room for a whole flight, so
    /// that a handshake grows the vector once; a connection that never
    /// answers (a server still awaiting its ClientHello) holds nothing.
    pub(crate) fn push(&mut self, action: Action) {
        if self.actions.capacity() == 0 {
            self.actions.reserve(OUTBOX_ACTIONS);
        }
        self.actions.push(action);
    }
}

/// Actions one flight queues at most in a typical handshake.
const OUTBOX_ACTIONS: usize = 8;
/// Bytes a typical flight's messages take (a server flight with a short
/// chain); longer ones grow the buffer.
const OUTBOX_MESSAGE_BYTES: usize = 2048;

/// One thing a state asks the connection to do, applied in order.
pub(crate) enum Action {
    /// Send the next `n` bytes of [`Outbox::messages`]: one encoded
    /// handshake message, already added to the transcript.
    Send(usize),
    /// Send ChangeCipherSpec, then protect everything written after it with
    /// this encrypter (RFC 5246 §7.1).
    ChangeWriteCipher(Encrypter),
    /// Keys for the read side, switched on when the peer's ChangeCipherSpec
    /// arrives.
    PrepareRead(Decrypter),
    /// ServerHello is done: from now on every record must say TLS 1.2.
    StrictVersion,
    /// The peer asked to renegotiate; answer with a no_renegotiation warning.
    RefuseRenegotiation,
    /// The handshake is over.
    Complete(Negotiated),
    /// This connection now stands for a stored session: forget it if the
    /// connection ends in a fatal alert (RFC 5246 §7.2).
    Session(SessionKey),
}

/// Where a connection's session is stored, so a fatal alert can invalidate
/// it (RFC 5246 §7.2: "the session identifier MUST be invalidated").
/// Tickets live with the client; removing the client's copy is what
/// invalidates them.
pub(crate) enum SessionKey {
    Server {
        store: std::sync::Arc<dyn crate::resumption::store::ServerSessionStore>,
        id: Vec<u8>,
    },
    Client {
        store: std::sync::Arc<dyn crate::resumption::store::ClientSessionStore>,
        name: String,
    },
}

impl SessionKey {
    pub(crate) fn invalidate(&self) {
        match self {
            SessionKey::Server { store, id } => store.remove(id),
            SessionKey::Client { store, name } => store.remove(name),
        }
    }
}

/// A received handshake message: the decoded payload and the exact bytes the
/// transcript must hash.
pub(crate) struct Msg<'a> {
    pub raw: &'a [u8],
    pub payload: HandshakePayload<'a>,
}

impl Msg<'_> {
    pub(crate) fn typ(&self) -> HandshakeType {
        self.payload.typ()
    }
}

/// Encodes `payload`, adds it to the transcript and queues it.
pub(crate) fn send(out: &mut Outbox, transcript: &mut Transcript, payload: HandshakePayload<'_>) {
    if out.messages.capacity() == 0 {
        out.messages.reserve(OUTBOX_MESSAGE_BYTES);
    }
    let start = out.messages.len();
    payload.encode(&mut out.messages);
    let bytes = &out.messages[start..];
    transcript.add(bytes);
    let len = bytes.len();
    out.push(Action::Send(len));
}

/// Like [`send`], for a message whose body `body` writes straight from
/// borrowed data (a configured certificate chain, a key share, verify_data),
/// so no owned message is built only to be encoded.
pub(crate) fn send_body(
    out: &mut Outbox,
    transcript: &mut Transcript,
    typ: HandshakeType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    if out.messages.capacity() == 0 {
        out.messages.reserve(OUTBOX_MESSAGE_BYTES);
    }
    let start = out.messages.len();
    crate::handshake::encode_message(&mut out.messages, typ, body);
    let bytes = &out.messages[start..];
    transcript.add(bytes);
    let len = bytes.len();
    out.push(Action::Send(len));
}

/// The error for a handshake message the state does not expect.
pub(crate) fn unexpected(expected: &'static str, msg: &Msg<'_>) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: crate::trace::handshake_name(msg.typ()),
    }
}

/// Which suites a signature scheme can authenticate (RFC 8422 §2 puts
/// Ed25519 under ECDHE_ECDSA).
pub(crate) fn scheme_auth(scheme: SignatureScheme) -> Option<AuthKind> {
    match scheme {
        SignatureScheme::ECDSA_SECP256R1_SHA256
        | SignatureScheme::ECDSA_SECP384R1_SHA384
        | SignatureScheme::ECDSA_SECP521R1_SHA512
        | SignatureScheme::ED25519 => Some(AuthKind::Ecdsa),
        SignatureScheme::RSA_PKCS1_SHA256
        | SignatureScheme::RSA_PKCS1_SHA384
        | SignatureScheme::RSA_PKCS1_SHA512
        | SignatureScheme::RSA_PSS_RSAE_SHA256
        | SignatureScheme::RSA_PSS_RSAE_SHA384
        | SignatureScheme::RSA_PSS_RSAE_SHA512 => Some(AuthKind::Rsa),
        _ => None,
    }
}

/// The content the ServerKeyExchange signature covers (RFC 5246 §7.4.3):
/// client_random ‖ server_random ‖ params.
pub(crate) fn kx_signed_message(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &crate::handshake::key_exchange::EcdheServerParams,
) -> Vec<u8> {
    // curve_type, named_curve, and the point's length byte: 4 bytes.
    let mut m = Vec::with_capacity(64 + 4 + params.public.len());
    m.extend_from_slice(client_random);
    m.extend_from_slice(server_random);
    crate::codec::Decode::encode_to(params, &mut m);
    m
}

/// Checks a peer's Finished (RFC 5246 §7.4.9) in constant time, then adds it
/// to the transcript.
pub(crate) fn check_finished(
    master: &MasterSecret,
    suite: &SupportedSuite,
    transcript: &mut Transcript,
    from_client: bool,
    msg: &Msg<'_>,
) -> Result<(), Error> {
    let HandshakePayload::Finished(fin) = &msg.payload else {
        return Err(unexpected("Finished", msg));
    };
    // Every suite we implement has 12-byte verify_data (RFC 5246 §7.4.9): a
    // Finished of another length is malformed, a decode_error (§7.2.2: "the
    // length of the message was incorrect"), not a failed check.
    if fin.verify_data.len() != VERIFY_DATA_LEN {
        return Err(Error::invalid("Finished", InvalidMessage::BadLength));
    }
    let expected = master.verify_data(suite.hash, from_client, &transcript.current_hash()?);
    crate::crypto::key_schedule::check_verify_data(&expected, &fin.verify_data)?;
    transcript.add(msg.raw);
    Ok(())
}

/// Our Finished message for the transcript so far.
pub(crate) fn send_finished(
    actions: &mut Outbox,
    master: &MasterSecret,
    suite: &SupportedSuite,
    transcript: &mut Transcript,
    from_client: bool,
) -> Result<(), Error> {
    let verify_data = master.verify_data(suite.hash, from_client, &transcript.current_hash()?);
    send_body(actions, transcript, HandshakeType::FINISHED, |body| {
        body.extend_from_slice(&verify_data)
    });
    Ok(())
}

/// What an established connection keeps: enough for the RFC 5705 exporter,
/// and nothing else of the handshake.
pub(crate) struct Traffic {
    pub master: MasterSecret,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub extended_master_secret: bool,
}

/// The master secret from a key exchange's pre-master secret: the extended
/// one over the session hash (RFC 7627 §4: the transcript up to and
/// including ClientKeyExchange) when EMS was negotiated, else the classic
/// one over the randoms (RFC 5246 §8.1).
pub(crate) fn derive_master(
    suite: &SupportedSuite,
    ems: bool,
    pre_master: &[u8],
    transcript: &Transcript,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<MasterSecret, Error> {
    Ok(if ems {
        MasterSecret::derive_extended(suite.hash, pre_master, &transcript.current_hash()?)
    } else {
        MasterSecret::derive(suite.hash, pre_master, client_random, server_random)
    })
}

/// Hands the master secret to the key log, if one is installed.
pub(crate) fn log_master(
    key_log: &Option<std::sync::Arc<dyn crate::keylog::KeyLog>>,
    client_random: &[u8; 32],
    master: &MasterSecret,
) {
    if let Some(log) = key_log {
        log.log("CLIENT_RANDOM", client_random, master.as_bytes());
    }
}
