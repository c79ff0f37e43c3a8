//! What the client and server state machines share: the [`Action`]s a state
//! returns instead of acting (so a state can be tested without a record
//! layer), and the small steps both roles take the same way.

use crate::codec::enums::{EcCurveType, HandshakeType, NamedGroup, SignatureScheme};
use crate::crypto::key_schedule::VERIFY_DATA_LEN;
use crate::crypto::key_schedule::{DirectionKeys, MasterPrf, MasterSecret};
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::event::Negotiated;
use crate::handshake::HandshakePayload;
use crate::renegotiation::VerifyData;
use crate::suites::{AuthKind, KeyExchangeKind, SupportedSuite};
use alloc::string::String;
use alloc::vec::Vec;

/// What a state hands the connection: actions in order, and the encoded
/// handshake messages they send, back to back in one buffer (one
/// allocation for a whole flight instead of one per message).
#[derive(Default)]
pub(crate) struct Actions {
    pub list: Vec<Action>,
    pub messages: Vec<u8>,
}

impl Actions {
    /// Queues an action. The first one reserves room for a whole flight, so
    /// that a handshake grows the vector once; a connection that never
    /// answers (a server still awaiting its ClientHello) holds nothing.
    pub(crate) fn push(&mut self, action: Action) {
        if self.list.capacity() == 0 {
            self.list.reserve(FLIGHT_ACTIONS);
        }
        self.list.push(action);
    }

    /// Whether the queue sends the peer something of the handshake: a
    /// message or a ChangeCipherSpec.
    pub(crate) fn answers(&self) -> bool {
        self.list
            .iter()
            .any(|a| matches!(a, Action::Send(_) | Action::ChangeWriteCipher(_)))
    }
}

/// Actions one flight queues at most in a typical handshake.
const FLIGHT_ACTIONS: usize = 8;
/// Bytes a typical flight's messages take (a server flight with a short
/// chain); longer ones grow the buffer.
const FLIGHT_MESSAGE_BYTES: usize = 2048;

/// One thing a state asks the connection to do, applied in order.
pub(crate) enum Action {
    /// Send the next `n` bytes of [`Actions::messages`]: one encoded
    /// handshake message, already added to the transcript.
    Send(usize),
    /// Send ChangeCipherSpec, then protect everything written after it with
    /// this encrypter (RFC 5246 §7.1).
    ChangeWriteCipher(DirectionKeys),
    /// Keys for the read side, switched on when the peer's ChangeCipherSpec
    /// arrives.
    PrepareRead(DirectionKeys),
    /// ServerHello fixed the suite: from now on every record must say TLS
    /// 1.2, and the trace reads the key exchange messages as this kind.
    SuiteChosen(KeyExchangeKind),
    /// The peer asked to renegotiate and the connection did not take the
    /// request up (see `Connection::renegotiate`): count it against
    /// [`crate::limits::MAX_RENEGOTIATION_REQUESTS`], and when `answer`,
    /// refuse with a no_renegotiation warning (RFC 5746 §4.2, §4.4). A
    /// HelloRequest during a handshake is ignored without an answer
    /// (RFC 5246 §7.4.1.1) but still counted, so it cannot be sent without
    /// end either.
    RenegotiationRequest { answer: bool },
    /// The handshake is over: what it agreed on, for the caller. (What the
    /// connection keeps for traffic comes in the idle state that follows.)
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
        store: alloc::sync::Arc<dyn crate::resumption::store::ServerSessionStore>,
        id: crate::handshake::SessionId,
    },
    Client {
        store: alloc::sync::Arc<dyn crate::resumption::store::ClientSessionStore>,
        name: String,
    },
}

impl SessionKey {
    pub(crate) fn invalidate(&self) {
        match self {
            SessionKey::Server { store, id } => store.remove(id.as_ref()),
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

/// Encodes `payload`, adds it to the transcript and queues it. A message
/// that cannot be encoded (a field longer than its length prefix:
/// `Internal`) is neither hashed nor queued, and none of its bytes stay in
/// [`Actions::messages`]; the error ends the handshake like any other.
pub(crate) fn send(
    out: &mut Actions,
    transcript: &mut Transcript,
    payload: HandshakePayload<'_>,
) -> Result<(), Error> {
    queue(out, transcript, |messages| payload.encode(messages))
}

/// Like [`send`], for a message whose body `body` writes straight from
/// borrowed data (a configured certificate chain, a key share, verify_data),
/// so no owned message is built only to be encoded.
pub(crate) fn send_body(
    out: &mut Actions,
    transcript: &mut Transcript,
    typ: HandshakeType,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    queue(out, transcript, |messages| {
        crate::handshake::encode_message(messages, typ, body)
    })
}

/// Appends the message `encode` writes (whole, or nothing: see
/// [`crate::handshake::encode_message`]) to the flight, hashes it and
/// queues it.
fn queue(
    out: &mut Actions,
    transcript: &mut Transcript,
    encode: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    if out.messages.capacity() == 0 {
        out.messages.reserve(FLIGHT_MESSAGE_BYTES);
    }
    let start = out.messages.len();
    if let Err(e) = encode(&mut out.messages) {
        out.messages.truncate(start);
        return Err(e);
    }
    let bytes = &out.messages[start..];
    transcript.add(bytes);
    let len = bytes.len();
    out.push(Action::Send(len));
    Ok(())
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

/// The most bytes the ServerKeyExchange signature can cover: the two
/// randoms, `ECParameters` (curve_type and named_curve, 3 bytes) and the
/// point as `opaque point<1..2^8-1>` (RFC 8422 §5.4), so any point the wire
/// can carry fits.
pub(crate) const MAX_KX_SIGNED_LEN: usize = 32 + 32 + 3 + 1 + 255;

/// Where the `ServerECDHParams` start in [`KxSignedMessage`]: after the two
/// randoms.
const KX_PARAMS_OFFSET: usize = 64;

/// The content a ServerKeyExchange signature covers, built in a fixed
/// buffer on the stack (no allocation): client_random ‖ server_random ‖
/// params (RFC 5246 §7.4.3, RFC 8422 §5.4). Dereferences to the bytes.
pub(crate) struct KxSignedMessage {
    buf: [u8; MAX_KX_SIGNED_LEN],
    len: usize,
}

impl KxSignedMessage {
    /// The encoded `ServerECDHParams` alone: the ServerKeyExchange body
    /// before its signature.
    pub(crate) fn params(&self) -> &[u8] {
        self.buf.get(KX_PARAMS_OFFSET..self.len).unwrap_or(&[])
    }
}

impl core::ops::Deref for KxSignedMessage {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

/// The content the ServerKeyExchange signature covers (RFC 5246 §7.4.3):
/// client_random ‖ server_random ‖ params.
pub(crate) fn kx_signed_message(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &crate::handshake::key_exchange::EcdheServerParams,
) -> Result<KxSignedMessage, Error> {
    kx_signed_content(client_random, server_random, params.group, params.public)
}

/// [`kx_signed_message`] from the group and point themselves, for the
/// server, which has them without a decoded message. A point longer than
/// `opaque point<1..2^8-1>` allows cannot be encoded: `Internal`.
pub(crate) fn kx_signed_content(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    group: NamedGroup,
    public: &[u8],
) -> Result<KxSignedMessage, Error> {
    let point_len =
        u8::try_from(public.len()).map_err(|_| Error::Internal("ECDHE point too long"))?;
    let mut m = KxSignedMessage {
        buf: [0u8; MAX_KX_SIGNED_LEN],
        len: KX_PARAMS_OFFSET + 4 + public.len(),
    };
    let [curve_type] = EcCurveType::NAMED_CURVE.0.to_be_bytes();
    let [g0, g1] = group.0.to_be_bytes();
    let parts: [&[u8]; 4] = [
        client_random,
        server_random,
        &[curve_type, g0, g1, point_len],
        public,
    ];
    let mut at = 0;
    for part in parts {
        let dst = m
            .buf
            .get_mut(at..at + part.len())
            .ok_or(Error::Internal("ServerKeyExchange content too long"))?;
        dst.copy_from_slice(part);
        at += part.len();
    }
    debug_assert_eq!(at, m.len);
    Ok(m)
}

/// Checks a peer's Finished (RFC 5246 §7.4.9) in constant time, then adds it
/// to the transcript. Returns its verify_data, which the next handshake's
/// renegotiation_info repeats (RFC 5746 §3.1).
pub(crate) fn check_finished(
    prf: &MasterPrf,
    transcript: &mut Transcript,
    from_client: bool,
    msg: &Msg<'_>,
) -> Result<[u8; VERIFY_DATA_LEN], Error> {
    // A Finished of another length than our suites' 12 bytes never gets
    // here: decoding refuses it as decode_error (RFC 5246 §7.2.2).
    let HandshakePayload::Finished(fin) = &msg.payload else {
        return Err(unexpected("Finished", msg));
    };
    let expected = prf.verify_data(from_client, &transcript.current_hash()?);
    crate::crypto::key_schedule::check_verify_data(&expected, &fin.verify_data)?;
    transcript.add(msg.raw);
    Ok(expected)
}

/// Our Finished message for the transcript so far; returns its verify_data
/// (see [`check_finished`]).
pub(crate) fn send_finished(
    actions: &mut Actions,
    prf: &MasterPrf,
    transcript: &mut Transcript,
    from_client: bool,
) -> Result<[u8; VERIFY_DATA_LEN], Error> {
    let verify_data = prf.verify_data(from_client, &transcript.current_hash()?);
    send_body(actions, transcript, HandshakeType::FINISHED, |body| {
        body.extend_from_slice(&verify_data);
        Ok(())
    })?;
    Ok(verify_data)
}

/// What an established connection keeps of its last handshake: enough for
/// the RFC 5705 exporter and for binding a renegotiation to it (RFC 5746),
/// nothing else.
pub(crate) struct Traffic {
    pub master: MasterSecret,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub extended_master_secret: bool,
    pub etm: bool,
    pub verify_data: VerifyData,
    /// The peer signalled RFC 5746 (renegotiation_info or the SCSV): only
    /// then may the connection renegotiate.
    pub secure_renegotiation: bool,
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

/// Everything both roles derive from a master secret, full handshake or
/// resumed, in one place: the master secret goes to the key log (if one is
/// installed), the PRF is keyed with it once, the key block is cut (RFC
/// 5246 §6.3), and the peer's write keys are queued to be switched on at
/// its ChangeCipherSpec. Returns the PRF (for both Finished values) and our
/// own write keys, which the caller switches on when our ChangeCipherSpec
/// goes out.
// Eight inputs, each a different fact of the handshake that both roles
// hold in differently typed state; a struct built for one call would add
// nothing but a second list of the same names.
#[allow(clippy::too_many_arguments)]
pub(crate) fn derive_keys(
    master: &MasterSecret,
    suite: &'static SupportedSuite,
    key_log: &Option<alloc::sync::Arc<dyn crate::keylog::KeyLog>>,
    [client_random, server_random]: [&[u8; 32]; 2],
    etm: bool,
    is_client: bool,
    random: &dyn crate::config::RandomSource,
    actions: &mut Actions,
) -> Result<(MasterPrf, DirectionKeys), Error> {
    if let Some(log) = key_log {
        log.log("CLIENT_RANDOM", client_random, master.as_bytes());
    }
    let prf = master.prf_key(suite);
    let keys = prf.key_block(client_random, server_random, etm);
    let (ours, peers) = if is_client {
        (keys.client_keys(), keys.server_keys())
    } else {
        (keys.server_keys(), keys.client_keys())
    };
    // Our CBC IVs come from a seed of the configured random source, so a
    // deterministic source makes the whole connection reproducible.
    let ours = if suite.protection.is_cbc() {
        let mut seed = zeroize::Zeroizing::new([0u8; crate::crypto::key_schedule::IV_SEED_LEN]);
        random.fill(&mut seed[..])?;
        ours.with_iv_seed(*seed)
    } else {
        ours
    };
    actions.push(Action::PrepareRead(peers));
    Ok((prf, ours))
}

/// What a handshake agreed on, as both roles hand it over once the peer's
/// Finished has verified.
pub(crate) struct Agreed {
    pub master: MasterSecret,
    pub suite: &'static SupportedSuite,
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub ems: bool,
    pub etm: bool,
    pub group: Option<NamedGroup>,
    pub scheme: Option<SignatureScheme>,
    pub alpn: Option<Vec<u8>>,
    pub sni: Option<String>,
    pub peer_certificates: Vec<rustls_pki_types::CertificateDer<'static>>,
    pub resumed: bool,
    pub verify_data: VerifyData,
    pub secure_renegotiation: bool,
}

/// Ends a handshake: the caller learns what was negotiated
/// ([`Action::Complete`]), and the connection keeps only what traffic
/// needs ([`Traffic`], handed over in the idle state).
pub(crate) fn complete(actions: &mut Actions, a: Agreed) -> Traffic {
    actions.push(Action::Complete(Negotiated {
        version: crate::codec::enums::ProtocolVersion::TLSV1_2,
        suite: a.suite,
        group: a.group,
        signature_scheme: a.scheme,
        alpn_protocol: a.alpn,
        server_name: a.sni,
        peer_certificates: a.peer_certificates,
        extended_master_secret: a.ems,
        encrypt_then_mac: a.etm,
        resumed: a.resumed,
    }));
    Traffic {
        master: a.master,
        suite: a.suite,
        client_random: a.client_random,
        server_random: a.server_random,
        extended_master_secret: a.ems,
        etm: a.etm,
        verify_data: a.verify_data,
        secure_renegotiation: a.secure_renegotiation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::LenSize;
    use crate::handshake::put_opaque;

    /// A message with a field too long for its prefix ends in `Internal`
    /// naming the field, and leaves the flight as it was: no bytes in the
    /// buffer, no action, nothing hashed.
    #[test]
    fn a_message_that_does_not_fit_is_not_queued() {
        let mut out = Actions::default();
        let mut transcript = Transcript::new();
        send(&mut out, &mut transcript, HandshakePayload::ServerHelloDone).unwrap();
        let (messages, hashed) = (out.messages.clone(), transcript.messages().to_vec());
        assert_eq!(messages, [14, 0, 0, 0]);

        let e = send_body(
            &mut out,
            &mut transcript,
            HandshakeType::CERTIFICATE,
            |body| {
                body.extend_from_slice(&[1; 100]);
                put_opaque(body, LenSize::U8, "test field too long", &[2; 256])
            },
        );
        assert_eq!(e, Err(Error::Internal("test field too long")));
        assert_eq!(out.messages, messages);
        assert_eq!(transcript.messages(), hashed);
        assert_eq!(out.list.len(), 1);

        // One byte less fits.
        send_body(
            &mut out,
            &mut transcript,
            HandshakeType::CERTIFICATE,
            |body| put_opaque(body, LenSize::U8, "test field too long", &[2; 255]),
        )
        .unwrap();
        assert_eq!(out.messages.len(), 4 + 4 + 1 + 255);
        assert_eq!(out.list.len(), 2);
    }
}
