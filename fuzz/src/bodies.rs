//! The bodies of every fuzz target, shared by the cargo-fuzz binaries in
//! `fuzz/fuzz_targets/` (one-line wrappers) and by `tests/fuzz_corpus.rs`,
//! which replays the committed seeds and regressions on stable.
//!
//! Depends only on `sanstls` and `std`, so both crates can include it with
//! `#[path]`.
//!
//! Determinism: hello randoms and session IDs come from [`CounterRandom`] and
//! time from `FixedTime`, so a ClientHello, a server's first flight up to its
//! ServerKeyExchange signature input, and every resumption from the
//! pre-populated stores below are the same on every run. Ephemeral ECDHE keys,
//! ECDSA signatures and session-ticket keys come from ring's `SystemRandom`
//! inside sanstls and cannot be injected: bytes after the ServerKeyExchange of
//! a full handshake differ from run to run. Targets are written so that this
//! nondeterminism only changes *which* error a hostile input meets, never
//! whether an invariant is checked; see each body.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use sanstls::config::{
    CertifiedKey, ClientAuth, FixedTime, RandomSource, SingleCert, SingleClientCert,
};
use sanstls::internals::codec::enums::ProtocolVersion;
use sanstls::internals::codec::enums::{AlertDescription, CipherSuite, ContentType};
use sanstls::internals::codec::{Codec, Decode};
use sanstls::internals::crypto::key_schedule::{DirectionKeys, MasterSecret};
use sanstls::internals::handshake::certificate::{
    CertificateChain, CertificateRequest, DigitallySigned,
};
use sanstls::internals::handshake::extensions::{ClientExtension, ServerExtension};
use sanstls::internals::handshake::finished::Finished;
use sanstls::internals::handshake::hello::{ClientHello, ServerHello};
use sanstls::internals::handshake::key_exchange::{
    DheClientKeyExchange, DheServerKeyExchange, DheServerParams, EcdheClientKeyExchange,
    EcdheServerKeyExchange, EcdheServerParams, RsaClientKeyExchange,
};
use sanstls::internals::handshake::reassembly::HandshakeJoiner;
use sanstls::internals::handshake::ticket::NewSessionTicket;
use sanstls::internals::handshake::{HandshakeMessage, SessionId};
use sanstls::internals::message::{Alert, ChangeCipherSpec};
use sanstls::internals::record::cbc::CbcEncrypter;
use sanstls::internals::record::cbc_mac::RecordMac;
use sanstls::internals::record::layer::RecordLayer;
use sanstls::internals::record::sequence::auth_header;
use sanstls::internals::StoredSession;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use sanstls::resumption::store::{
    ClientSessionCache, ClientSessionStore, ServerSessionCache, ServerSessionStore,
};
use sanstls::resumption::ticketer::Ticketer;
use sanstls::suites::{
    AeadKind, AuthKind, CbcCipher, CbcKind, KeyExchangeKind, MacKind, Protection, SupportedSuite,
    ALL_SUITES, CBC_SUITES, LEGACY_SUITES, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_RSA_WITH_AES_128_GCM_SHA256,
};
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Connection, Error, Event, ServerConfig};

// ---- fixtures: a P-256 CA, servers with P-256 and RSA-2048 keys for
// "localhost", a P-256 client certificate; valid 2026..2126 ----

const CA_CERT: &[u8] = include_bytes!("../fixtures/ca.cert.der");
const SERVER_ECDSA_CERT: &[u8] = include_bytes!("../fixtures/server_ecdsa.cert.der");
const SERVER_ECDSA_KEY: &[u8] = include_bytes!("../fixtures/server_ecdsa.key.der");
const SERVER_RSA_CERT: &[u8] = include_bytes!("../fixtures/server_rsa.cert.der");
const SERVER_RSA_KEY: &[u8] = include_bytes!("../fixtures/server_rsa.key.der");
const CLIENT_CERT: &[u8] = include_bytes!("../fixtures/client.cert.der");
const CLIENT_KEY: &[u8] = include_bytes!("../fixtures/client.key.der");

/// 2030-03-17: inside every fixture's validity.
const NOW: u64 = 1_900_000_000;
const SERVER_NAME: &str = "localhost";
/// The session ID both pre-populated stores know (deterministic resumption).
const KNOWN_SESSION_ID: [u8; 32] = [0x5a; 32];

/// A counter-based generator (splitmix64): deterministic, and distinct per seed.
#[derive(Debug)]
pub struct CounterRandom(AtomicU64);

impl CounterRandom {
    pub fn new(seed: u64) -> Self {
        CounterRandom(AtomicU64::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }
}

impl RandomSource for CounterRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        for chunk in dest.chunks_mut(8) {
            let mut z = self
                .0
                .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
                .wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

fn der_key(bytes: &'static [u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::try_from(bytes).expect("fixture key is PKCS#8")
}

fn certified(cert: &'static [u8], key: &'static [u8]) -> Arc<CertifiedKey> {
    Arc::new(CertifiedKey::new(vec![CertificateDer::from(cert)], &der_key(key)).expect("fixture"))
}

struct Keys {
    server_ecdsa: Arc<CertifiedKey>,
    server_rsa: Arc<CertifiedKey>,
    client: Arc<CertifiedKey>,
    roots: Arc<RootCertStore>,
}

/// Parsed once per process: key parsing is not what we fuzz.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut roots = RootCertStore::new();
        roots
            .add(CertificateDer::from(CA_CERT))
            .expect("fixture CA");
        Keys {
            server_ecdsa: certified(SERVER_ECDSA_CERT, SERVER_ECDSA_KEY),
            server_rsa: certified(SERVER_RSA_CERT, SERVER_RSA_KEY),
            client: certified(CLIENT_CERT, CLIENT_KEY),
            roots: Arc::new(roots),
        }
    })
}

/// Which configuration a state-machine input runs with: the mode byte, so
/// the fuzzer explores client auth, resumption, both certificate types and
/// the legacy key exchanges; and, outside that byte (it is full), whether
/// the suites are CBC ones ([`Cbc`]).
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    bits: u8,
    cbc: Option<Cbc>,
    /// A renegotiating `pair` input: the known session of an ECDHE mode
    /// with the RSA certificate is then one of that certificate (see
    /// [`known_session`]).
    renegotiating: bool,
}

/// CBC suites (feature `legacy`), from a 3-bit variant: bits 0-1 pick the
/// protection (AES-128 + HMAC-SHA1, AES-256 + HMAC-SHA1, AES-128 +
/// HMAC-SHA256, AES-256 + HMAC-SHA256, or HMAC-SHA384 for ECDHE: the
/// suite of that protection for the mode's key exchange), bit 2
/// MAC-then-encrypt (both sides' `encrypt_then_mac` off; else on).
#[derive(Clone, Copy, Debug)]
pub struct Cbc {
    variant: u8,
}

impl Cbc {
    pub fn new(variant: u8) -> Self {
        Cbc {
            variant: variant & 7,
        }
    }
    fn etm(self) -> bool {
        self.variant & 4 == 0
    }
    /// Whether `suite` has this variant's protection.
    fn fits(self, suite: &SupportedSuite) -> bool {
        let Protection::Cbc(kind) = suite.protection else {
            return false;
        };
        let cipher = if self.variant & 1 == 0 {
            CbcCipher::Aes128
        } else {
            CbcCipher::Aes256
        };
        let sha1 = self.variant & 2 == 0;
        kind.cipher == cipher && (kind.mac == MacKind::Sha1) == sha1
    }
}

impl Mode {
    /// AEAD suites, as the mode byte says.
    pub fn new(bits: u8) -> Self {
        Mode {
            bits,
            cbc: None,
            renegotiating: false,
        }
    }
    /// CBC suites of `cbc`'s variant; otherwise as the mode byte says.
    pub fn with_cbc(bits: u8, cbc: u8) -> Self {
        Mode {
            bits,
            cbc: Some(Cbc::new(cbc)),
            renegotiating: false,
        }
    }
    /// A `client` or `server` input's header `[mode, chunk]`: mode bit
    /// 0x40 (otherwise unused by these targets) picks CBC, and then the
    /// chunk byte carries the variant in bits 5-7 and the chunk in bits
    /// 0-4 (0x1f: all at once). Returns the mode and the chunk size.
    pub fn from_header(mode: u8, chunk: u8) -> (Self, usize) {
        if mode & 0x40 == 0 {
            return (Mode::new(mode), chunk_size(chunk));
        }
        let size = match chunk & 0x1f {
            0x1f => usize::MAX,
            c => usize::from(c) + 1,
        };
        (Mode::with_cbc(mode & !0x40, chunk >> 5), size)
    }
    /// The inverse of [`Mode::from_header`] (`chunk` as for an AEAD input:
    /// 0xff all at once; in CBC mode only its bits 0-4 survive).
    pub fn header(self, chunk: u8) -> [u8; 2] {
        match self.cbc {
            None => [self.bits, chunk],
            Some(c) => {
                let size = if chunk == 0xff { 0x1f } else { chunk.min(0x1e) };
                [self.bits | 0x40, c.variant << 5 | size]
            }
        }
    }
    /// A `pair` input's record byte: bit 7 picks CBC, and then bits 4-6
    /// are the variant and bits 0-3 the record index. Returns the mode and
    /// the index.
    pub fn from_pair(mode: u8, record: u8) -> (Self, usize) {
        if record & 0x80 == 0 {
            return (Mode::new(mode), usize::from(record));
        }
        (
            Mode::with_cbc(mode, (record >> 4) & 7),
            usize::from(record & 0x0f),
        )
    }
    /// The inverse of [`Mode::from_pair`] (`record` at most 15 in CBC mode).
    pub fn pair_record(self, record: u8) -> u8 {
        match self.cbc {
            None => record,
            Some(c) => 0x80 | c.variant << 4 | record.min(15),
        }
    }
    /// The header of a renegotiating `pair` input (see [`PairHeader`]):
    /// `[record, dir_how]` then the mode and plan bytes, for tampering with
    /// record `record` (at most 31) of the direction `dir_how` says.
    pub fn pair_renegotiation_header(self, record: u8, dir_how: u8, plan: Plan) -> [u8; 4] {
        let (kind, plan_bits) = match (self.cbc, plan.trace) {
            (Some(c), _) => (2u8, plan.bits & 0x1f | c.variant << 5),
            (None, false) => (1, plan.bits),
            (None, true) => (3, plan.bits),
        };
        [kind << 5 | record.min(31), dir_how, self.bits, plan_bits]
    }
    fn client_cert(self) -> bool {
        self.bits & 0x01 != 0
    }
    /// 0 none, 1 optional, 2 and 3 required.
    fn client_auth(self) -> u8 {
        (self.bits >> 1) & 0x03
    }
    /// An RSA server certificate (else P-256); with [`Mode::legacy`], DHE
    /// (else RSA key transport).
    fn rsa(self) -> bool {
        self.bits & 0x08 != 0
    }
    /// The client offers only legacy suites (feature `legacy`), and both
    /// sides allow them: RSA key transport, or DHE with bit 0x08. The
    /// server has the RSA certificate either way.
    fn legacy(self) -> bool {
        self.bits & 0x80 != 0
    }
    /// `pair` only: a first clean connection fills the stores.
    fn resume(self) -> bool {
        self.bits & 0x40 != 0
    }
    /// The key exchange the handshake runs (a resumption runs none).
    fn kx(self) -> KeyExchangeKind {
        match (self.legacy(), self.rsa()) {
            (false, _) => KeyExchangeKind::Ecdhe,
            (true, false) => KeyExchangeKind::Rsa,
            (true, true) => KeyExchangeKind::Dhe,
        }
    }
    /// The suites the client offers: those of the key exchange, AEAD ones
    /// or those of the CBC variant (for ECDHE, one per certificate type).
    fn client_suites(self) -> Vec<&'static SupportedSuite> {
        let kx = self.kx();
        let from = match (self.cbc, self.legacy()) {
            (Some(_), _) => CBC_SUITES,
            (None, true) => LEGACY_SUITES,
            (None, false) => ALL_SUITES,
        };
        from.iter()
            .filter(|s| s.kx == kx && self.cbc.is_none_or(|c| c.fits(s)))
            .collect()
    }
    /// The suite a handshake in this mode negotiates (the server's
    /// certificate picks among the client's).
    fn suite(self) -> &'static SupportedSuite {
        let auth = if self.rsa() || self.legacy() {
            AuthKind::Rsa
        } else {
            AuthKind::Ecdsa
        };
        self.client_suites()
            .into_iter()
            .find(|s| s.auth == auth)
            .expect("every mode has a suite")
    }
    fn tickets(self) -> bool {
        self.bits & 0x10 != 0
    }
    /// Pre-populate both session stores with [`known_session`].
    fn known_session(self) -> bool {
        self.bits & 0x20 != 0
    }
}

/// What a renegotiating `pair` input does (RFC 5746), from its plan byte:
/// bits 0-1 who calls `renegotiate` (0 the client; 1 the server, which
/// sends HelloRequest; 2 the server with `renegotiate_with_client_auth`,
/// asking for the client's certificate, required if the client has one,
/// else optional; 3 both at once, so the requests cross); bits 2-3 when (0
/// once the handshake is done, before any data; 1 the same, the client's
/// data going out right behind the request; 2 after the server's data is
/// sent, before it is delivered; 3 both 0 and 2: two renegotiations);
/// bit 4: the other side refuses (it does not allow renegotiation, or as a
/// server does not accept the client's); bits 5-7: the CBC variant when the
/// record byte asks for CBC. Both sides allow renegotiation otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    bits: u8,
    /// Both sides trace their handshakes (the trace numbers renegotiations).
    trace: bool,
}

impl Plan {
    pub fn new(bits: u8, trace: bool) -> Self {
        Plan { bits, trace }
    }
    fn who(self) -> u8 {
        self.bits & 3
    }
    fn when(self) -> u8 {
        (self.bits >> 2) & 3
    }
    fn refused(self) -> bool {
        self.bits & 0x10 != 0
    }
    fn client_starts(self) -> bool {
        matches!(self.who(), 0 | 3)
    }
    fn server_starts(self) -> bool {
        self.who() != 0
    }
}

/// A `pair` input's header: `[record, dir_how, mode, bytes...]` as before
/// renegotiation ([`Mode::from_pair`]: record bit 7 CBC, else bits 5-6
/// clear), or, with record bit 7 clear and bits 5-6 not both clear, a
/// renegotiating input `[record, dir_how, mode, plan, bytes...]`: bits 5-6
/// of `record` are 1 for AEAD suites, 2 for CBC ones (the variant in the
/// plan's bits 5-7), 3 for AEAD suites with both sides tracing; bits 0-4
/// the record to tamper with.
pub struct PairHeader<'a> {
    pub mode: Mode,
    /// The record to tamper with.
    pub record: usize,
    pub plan: Option<Plan>,
    /// Direction (bit 0) and how (`(dir_how >> 1) % 5`).
    pub dir_how: u8,
    /// The bytes the tampering uses.
    pub bytes: &'a [u8],
}

impl<'a> PairHeader<'a> {
    /// `None` if the input is too short.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let [record, dir_how, mode, rest @ ..] = data else {
            return None;
        };
        let kind = (record >> 5) & 3;
        if record & 0x80 != 0 || kind == 0 {
            let (mode, record) = Mode::from_pair(*mode, *record);
            return Some(PairHeader {
                mode,
                record,
                plan: None,
                dir_how: *dir_how,
                bytes: rest,
            });
        }
        let [plan, bytes @ ..] = rest else {
            return None;
        };
        let mode = Mode {
            renegotiating: true,
            ..match kind {
                2 => Mode::with_cbc(*mode, plan >> 5),
                _ => Mode::new(*mode),
            }
        };
        Some(PairHeader {
            mode,
            record: usize::from(record & 0x1f),
            plan: Some(Plan::new(*plan & 0x1f, kind == 3)),
            dir_how: *dir_how,
            bytes,
        })
    }
}

/// A session both sides can resume without a prior handshake: resumption
/// from it is fully deterministic. In legacy modes it is a session of a
/// legacy suite the client offers, with the RSA certificate; in CBC modes
/// one of [`Mode::suite`], with the server's certificate and the variant's
/// encrypt-then-MAC. In the other (ECDHE) modes it is an ECDHE_ECDSA
/// session with the P-256 certificate, even where the server has the RSA
/// one (0x08), as before renegotiation; a renegotiating input's is then an
/// ECDHE_RSA session with the RSA certificate: a full renegotiation after
/// resuming it must find the certificate of the session, or the client
/// rightly refuses the server's new identity.
fn known_session(mode: Mode, client_side: bool) -> Vec<u8> {
    let k = keys();
    let (suite, server) = match (mode.cbc, mode.kx()) {
        (Some(_), _) if mode.rsa() || mode.legacy() => (mode.suite().suite, &k.server_rsa),
        (Some(_), _) => (mode.suite().suite, &k.server_ecdsa),
        (None, KeyExchangeKind::Ecdhe) if mode.rsa() && mode.renegotiating => (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &k.server_rsa,
        ),
        (None, KeyExchangeKind::Ecdhe) => (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &k.server_ecdsa,
        ),
        (None, KeyExchangeKind::Rsa) => (TLS_RSA_WITH_AES_128_GCM_SHA256.suite, &k.server_rsa),
        (None, KeyExchangeKind::Dhe) => (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256.suite, &k.server_rsa),
    };
    StoredSession {
        suite,
        master: MasterSecret::from_bytes([0x42; 48]),
        extended_master_secret: true,
        // No encrypt-then-MAC with an AEAD suite (RFC 7366).
        encrypt_then_mac: mode.cbc.is_some_and(Cbc::etm),
        server_name: Some(SERVER_NAME.into()),
        peer_certificate: if client_side {
            server.chain.first().cloned()
        } else {
            None
        },
        created: NOW - 10,
        lifetime: 7200,
        session_id: SessionId::new(&KNOWN_SESSION_ID).expect("32 bytes"),
        ticket: Vec::new(),
    }
    .encode_secret()
    .to_vec()
}

/// Shared state of one client↔server pair of configs: the stores outlive a
/// connection, so a second connection can resume.
pub struct Configs {
    pub client: Arc<ClientConfig>,
    pub server: Arc<ServerConfig>,
}

impl Configs {
    pub fn new(mode: Mode) -> Self {
        Self::renegotiating(mode, None)
    }

    /// The configs of `mode`, allowing renegotiation as `plan` says.
    pub fn renegotiating(mode: Mode, plan: Option<Plan>) -> Self {
        let k = keys();
        let mut c = ClientConfig::new((*k.roots).clone());
        c.random = Arc::new(CounterRandom::new(1));
        c.time = Arc::new(FixedTime(UnixTime::since_unix_epoch(
            std::time::Duration::from_secs(NOW),
        )));
        c.enable_tickets = mode.tickets();
        if mode.client_cert() {
            c.client_cert_resolver = Some(Arc::new(SingleClientCert(k.client.clone())));
        }
        let client_store = ClientSessionCache::new(4);
        if mode.known_session() {
            client_store.put(SERVER_NAME, known_session(mode, true));
        }
        c.session_store = Some(Arc::new(client_store));

        let cert = if mode.rsa() || mode.legacy() {
            k.server_rsa.clone()
        } else {
            k.server_ecdsa.clone()
        };
        let mut s = ServerConfig::with_resolver(Arc::new(SingleCert(cert)));
        if mode.legacy() {
            c.allow_rsa_key_transport = true;
            c.allow_ffdhe = true;
            s.allow_rsa_key_transport = true;
            s.allow_ffdhe = true;
            s.suites.extend(LEGACY_SUITES);
        }
        if let Some(cbc) = mode.cbc {
            c.allow_cbc = true;
            s.allow_cbc = true;
            c.encrypt_then_mac = cbc.etm();
            s.encrypt_then_mac = cbc.etm();
            s.suites.extend(CBC_SUITES);
        }
        c.suites = mode.client_suites();
        s.random = Arc::new(CounterRandom::new(2));
        s.time = c.time.clone();
        let verifier = Arc::new(WebPkiClientVerifier::new(k.roots.clone()));
        s.client_auth = match mode.client_auth() {
            0 => ClientAuth::None,
            1 => ClientAuth::Optional(verifier),
            _ => ClientAuth::Required(verifier),
        };
        let server_store = ServerSessionCache::new(4);
        if mode.known_session() {
            server_store.put(&KNOWN_SESSION_ID, known_session(mode, false));
        }
        s.session_store = Some(Arc::new(server_store));
        s.ticketer = if mode.tickets() {
            Some(Arc::new(Ticketer::new(7200)))
        } else {
            None
        };
        if let Some(plan) = plan {
            // The side that starts allows it; the other too, unless the
            // plan has it refuse.
            c.allow_renegotiation = plan.client_starts() || !plan.refused();
            s.allow_renegotiation = plan.server_starts() || !plan.refused();
            s.accept_client_renegotiation = !plan.refused();
            c.trace = plan.trace;
            s.trace = plan.trace;
        }
        Configs {
            client: Arc::new(c),
            server: Arc::new(s),
        }
    }

    pub fn client(&self) -> Connection {
        let name = ServerName::try_from(SERVER_NAME).expect("valid name");
        Connection::new_client(self.client.clone(), name).expect("client starts")
    }

    pub fn server(&self) -> Connection {
        Connection::new_server(self.server.clone())
    }
}

/// Feeds `wire` to `conn` (consumed bytes are removed), appending plaintext
/// to `data`. Stops at an error or when nothing more can be consumed.
fn deliver(conn: &mut Connection, wire: &mut Vec<u8>, data: &mut Vec<u8>) -> Result<(), Error> {
    let mut start = 0;
    let result = loop {
        let avail = wire.len() - start;
        match conn.handle_input(&mut wire[start..]) {
            Ok(input) => {
                assert!(input.consumed <= avail, "consumed too much");
                if let Some(d) = input.data {
                    assert!(!d.is_empty() && d.len() <= 1 << 14, "bad plaintext size");
                    data.extend_from_slice(d);
                }
                if input.consumed == 0 {
                    break Ok(());
                }
                start += input.consumed;
            }
            Err(e) => break Err(e),
        }
    };
    wire.drain(..start);
    result
}

/// Drains events so their queue cannot grow; returns whether the handshake
/// completed among them.
fn drain_events(conn: &mut Connection) -> bool {
    let mut complete = false;
    while let Some(e) = conn.poll_event() {
        complete |= matches!(e, Event::HandshakeComplete);
    }
    complete
}

/// After the input: exercise traffic and close on whatever state is left,
/// and check the sticky-error contract.
fn finish(conn: &mut Connection) {
    drain_events(conn);
    let mut out = Vec::new();
    let failed = conn.error().is_some();
    let sent = conn.send(b"after", &mut out);
    if failed {
        assert!(sent.is_err(), "send succeeded after a fatal error");
    }
    conn.close();
    conn.poll_output(&mut out);
    let _ = conn.handle_eof();
    let mut junk = *b"\x17\x03\x03\x00\x01x";
    if failed {
        assert!(conn.handle_input(&mut junk).is_err(), "error not sticky");
    }
    let _ = conn.negotiated();
    let _ = conn.is_handshaking();
}

/// Delivers `bytes` to `conn` in chunks of `chunk` bytes, as a transport
/// would; returns whether the handshake completed.
fn feed_chunks(conn: &mut Connection, bytes: &[u8], chunk: usize) -> bool {
    let mut wire = Vec::new();
    let mut data = Vec::new();
    let mut out = Vec::new();
    let mut complete = false;
    for piece in bytes.chunks(chunk.max(1)) {
        wire.extend_from_slice(piece);
        let r = deliver(conn, &mut wire, &mut data);
        conn.poll_output(&mut out);
        out.clear();
        complete |= drain_events(conn);
        if r.is_err() {
            break;
        }
    }
    complete |= drain_events(conn);
    finish(conn);
    complete
}

/// Without a session both sides know in advance, the fuzzer cannot finish a
/// handshake: the master secret depends on an ECDHE or DHE key it never
/// sees, or, for a client with RSA key transport, on the pre-master secret
/// the client draws (a share with a predictable result, or a skipped
/// Finished check, would show up here). A server with RSA key transport is
/// the exception: the client chooses the whole pre-master secret and the
/// server's flight holds nothing random but its hello random, which
/// [`CounterRandom`] fixes, so a recorded client stream replays into a
/// completed handshake (as a known session's resumption does).
fn assert_no_forged_handshake(mode: Mode, server: bool, complete: bool) {
    let replayable = server && mode.kx() == KeyExchangeKind::Rsa;
    if !mode.known_session() && !replayable {
        assert!(!complete, "handshake completed against fuzzed peer bytes");
    }
}

// ---- target: record_layer ----

fn aead(sel: u8) -> AeadKind {
    match sel % 3 {
        0 => AeadKind::Aes128Gcm,
        1 => AeadKind::Aes256Gcm,
        _ => AeadKind::Chacha20Poly1305,
    }
}

fn fixed_keys(kind: AeadKind) -> (Vec<u8>, Vec<u8>) {
    (vec![0x11; kind.key_len()], vec![0x22; kind.fixed_iv_len()])
}

/// The record protection a `record_layer` input chooses.
#[derive(Clone, Copy)]
enum Protect {
    Aead(AeadKind),
    /// A CBC suite's records, encrypt-then-MAC (RFC 7366) if the flag says.
    Cbc(CbcKind, bool),
}

/// Bit 5 clear: an AEAD, `(flags >> 3) % 3` as before the CBC suites (so
/// older inputs keep theirs). Bit 5 set: CBC, bits 3-4 the MAC (SHA-1,
/// SHA-256, SHA-384, SHA-1), bit 6 AES-256 (else AES-128), bit 7
/// encrypt-then-MAC (else MAC-then-encrypt).
fn protection(flags: u8) -> Protect {
    if flags & 0x20 == 0 {
        return Protect::Aead(aead(flags >> 3));
    }
    let mac = match (flags >> 3) & 3 {
        1 => MacKind::Sha256,
        2 => MacKind::Sha384,
        _ => MacKind::Sha1,
    };
    let cipher = if flags & 0x40 != 0 {
        CbcCipher::Aes256
    } else {
        CbcCipher::Aes128
    };
    Protect::Cbc(CbcKind { cipher, mac }, flags & 0x80 != 0)
}

/// A CBC suite's fixed write and MAC keys.
fn fixed_cbc_keys(kind: CbcKind) -> (Vec<u8>, Vec<u8>) {
    (vec![0x11; kind.key_len()], vec![0x33; kind.mac.len()])
}

fn record_keys(p: Protect) -> DirectionKeys {
    match p {
        Protect::Aead(kind) => {
            let (key, iv) = fixed_keys(kind);
            DirectionKeys::new(kind, &key, &iv)
        }
        Protect::Cbc(kind, etm) => {
            let (key, mac_key) = fixed_cbc_keys(kind);
            DirectionKeys::new_cbc(kind, etm, &key, &mac_key)
        }
    }
    .expect("sized from kind")
}

/// What reading one sealed item must give.
enum Expect {
    /// This content type and payload.
    Opens(u8, Vec<u8>),
    /// An error: an unsealed or tampered record, or an unknown type.
    Fails,
    /// Anything (a tampered encrypt-then-MAC record whose MAC was made
    /// again: its padding may or may not still be right).
    Any,
}

/// A known record content type (the deframer refuses others first).
fn known_type(typ: u8) -> bool {
    (20..=23).contains(&typ)
}

/// Seal mode, AEAD: items `[type, len, payload…]`, each sealed with the
/// fixed key.
fn seal_aead(kind: AeadKind, mut r: &[u8], out: &mut Vec<u8>, expect: &mut Vec<Expect>) {
    let (key, iv) = fixed_keys(kind);
    let mut writer = RecordLayer::new();
    writer.prepare_write(DirectionKeys::new(kind, &key, &iv).expect("sized from kind"));
    writer.activate_write().expect("prepared");
    while let [typ, len, tail @ ..] = r {
        let n = usize::from(*len).min(tail.len());
        let (payload, tail) = tail.split_at(n);
        if payload.is_empty() {
            // write_record never sends empty records: an unsealed empty
            // record, which must fail to authenticate.
            out.extend_from_slice(&[*typ, 3, 3, 0, 0]);
            expect.push(Expect::Fails);
        } else {
            writer
                .write_record(ContentType(*typ), payload, out)
                .expect("seal");
            expect.push(if known_type(*typ) {
                Expect::Opens(*typ, payload.to_vec())
            } else {
                Expect::Fails
            });
        }
        r = tail;
    }
}

/// Seal mode, CBC: items `[type, len, at, mask, payload…]`, each sealed with
/// the fixed keys (IVs from a fixed seed, so deterministic); a nonzero
/// `mask` is then XORed into the fragment's byte `at` (modulo its length).
/// With encrypt-then-MAC, a byte before the MAC is tampered and the MAC
/// made again, so the tampering reaches decryption and the padding check.
fn seal_cbc(kind: CbcKind, etm: bool, mut r: &[u8], out: &mut Vec<u8>, expect: &mut Vec<Expect>) {
    let (key, mac_key) = fixed_cbc_keys(kind);
    let mut enc = CbcEncrypter::new(kind, &key, &mac_key, etm, [0x44; 16]).expect("sized");
    let mac = RecordMac::new(kind.mac, &mac_key).expect("sized");
    let mut seq = 0u64;
    while let [typ, len, at, mask, tail @ ..] = r {
        let n = usize::from(*len).min(tail.len());
        let (payload, tail) = tail.split_at(n);
        r = tail;
        if payload.is_empty() {
            out.extend_from_slice(&[*typ, 3, 3, 0, 0]);
            expect.push(Expect::Fails);
            continue;
        }
        let start = out.len();
        enc.seal_record(ContentType(*typ), payload, out)
            .expect("seal");
        let fragment = &mut out[start + 5..];
        let mut want = Expect::Opens(*typ, payload.to_vec());
        if *mask != 0 {
            let at = usize::from(*at) % fragment.len();
            fragment[at] ^= mask;
            let macced = fragment.len() - kind.mac.len();
            want = if etm && at < macced {
                let header = auth_header(seq, ContentType(*typ), ProtocolVersion::TLSV1_2, macced);
                let (data, tag) = fragment.split_at_mut(macced);
                mac.sign(&header, &[data], tag);
                Expect::Any
            } else {
                // MtE: every byte is data, MAC or padding, all checked.
                Expect::Fails
            };
        }
        if !known_type(*typ) {
            want = Expect::Fails;
        }
        expect.push(want);
        seq += 1;
    }
}

/// Input: `[flags, bytes...]`. flags bit 0: the read side has an active key
/// (so records must authenticate); bit 1: strict record version; bit 2:
/// "seal" mode, where `bytes` are items sealed with the peer's key first,
/// so the fuzzer reaches past decryption, and each must then read back as
/// sealed (or fail, if it was tampered or unsealed); bits 3-7 the record
/// protection ([`protection`]): an AEAD, or CBC with either MAC order.
/// Seal-mode items are `[type, len, payload…]` for an AEAD and
/// `[type, len, at, mask, payload…]` for CBC ([`seal_cbc`]).
pub fn record_layer(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let protect = protection(flags);
    let mut layer = RecordLayer::new();
    if flags & 2 != 0 {
        layer.set_strict_version();
    }
    let sealing = flags & 4 != 0;
    if flags & 1 != 0 || sealing {
        layer.prepare_read(record_keys(protect));
        layer.activate_read().expect("prepared");
        assert!(layer.is_read_protected());
    }
    let mut expect = Vec::new();
    let mut buf = if sealing {
        let mut out = Vec::new();
        match protect {
            Protect::Aead(kind) => seal_aead(kind, rest, &mut out, &mut expect),
            Protect::Cbc(kind, etm) => seal_cbc(kind, etm, rest, &mut out, &mut expect),
        }
        out
    } else {
        rest.to_vec()
    };
    let mut expect = expect.into_iter();
    let mut start = 0;
    while start < buf.len() {
        let len = buf.len() - start;
        let want = expect.next();
        match layer.read_record(&mut buf[start..]) {
            Ok(Some(rec)) => {
                assert!(rec.consumed >= 5 && rec.consumed <= len);
                assert!(rec.payload.len() <= rec.consumed - 5);
                assert!(rec.payload.len() <= 1 << 14);
                match want {
                    Some(Expect::Opens(typ, payload)) => {
                        assert_eq!(rec.typ.wire(), ContentType(typ));
                        assert_eq!(*rec.payload, payload[..], "a sealed record opens as sealed");
                    }
                    Some(Expect::Fails) => panic!("a tampered or unsealed record was accepted"),
                    Some(Expect::Any) | None => {}
                }
                start += rec.consumed;
            }
            Ok(None) => {
                assert!(!sealing, "every sealed item is a whole record");
                break;
            }
            Err(e) => {
                if let Some(Expect::Opens(..)) = want {
                    panic!("a sealed record failed to open: {e:?}");
                }
                break;
            }
        }
    }
}

// ---- target: handshake_message ----

/// Decodes `bytes` as `T`; what decodes must re-encode without error (its
/// vectors were read through the same length prefixes, so each fits) to
/// something that decodes to the same value and the same bytes. (A macro,
/// not a generic function: decoded values may borrow from the bytes they
/// were read from, and the re-encoding is a local.)
macro_rules! roundtrip {
    ($t:ty, $bytes:expr) => {{
        if let Ok(v) = <$t>::decode_all($bytes) {
            let mut enc = Vec::new();
            v.encode_to(&mut enc).expect("what decodes re-encodes");
            let again = <$t>::decode_all(&enc).expect("re-encoding decodes");
            assert_eq!(again, v);
            assert_eq!(again.encode_to_vec(), enc);
        }
    }};
}

/// Input: `[selector, bytes...]`: the selector picks the decoder.
pub fn handshake_message(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    match sel % 21 {
        0 => {
            if let Ok(msg) = HandshakeMessage::read(bytes) {
                let mut enc = Vec::new();
                msg.encode(&mut enc).expect("what decodes re-encodes");
                let again = HandshakeMessage::read(&enc).expect("re-encoding decodes");
                assert_eq!(again.to_bytes(), enc);
            }
        }
        1 => roundtrip!(ClientHello, bytes),
        2 => roundtrip!(ServerHello, bytes),
        3 => roundtrip!(CertificateChain, bytes),
        4 => roundtrip!(CertificateRequest, bytes),
        5 => roundtrip!(DigitallySigned, bytes),
        6 => roundtrip!(EcdheServerParams, bytes),
        7 => roundtrip!(EcdheServerKeyExchange, bytes),
        8 => roundtrip!(EcdheClientKeyExchange, bytes),
        9 => roundtrip!(RsaClientKeyExchange, bytes),
        10 => roundtrip!(Finished, bytes),
        11 => roundtrip!(NewSessionTicket, bytes),
        12 => roundtrip!(Alert, bytes),
        13 => roundtrip!(ChangeCipherSpec, bytes),
        14 => roundtrip!(ClientExtension, bytes),
        15 => roundtrip!(ServerExtension, bytes),
        16 => {
            if let Ok(s) = StoredSession::from_bytes(bytes) {
                let enc = s.encode_secret();
                let again = StoredSession::from_bytes(&enc).expect("re-encoding decodes");
                assert_eq!(*again.encode_secret(), *enc);
                let _ = s.is_fresh(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                    NOW,
                )));
            }
        }
        18 => roundtrip!(DheServerParams, bytes),
        19 => roundtrip!(DheServerKeyExchange, bytes),
        20 => roundtrip!(DheClientKeyExchange, bytes),
        _ => {
            // 17, reassembly: the first byte of each item says how long a
            // fragment to push.
            let mut joiner = HandshakeJoiner::new();
            let mut r = bytes;
            while let [len, tail @ ..] = r {
                let n = usize::from(*len).min(tail.len());
                let (frag, tail) = tail.split_at(n);
                if joiner.push(frag).is_err() {
                    return;
                }
                loop {
                    match joiner.pop() {
                        Ok(Some(msg)) => {
                            let _ = HandshakeMessage::read(&msg);
                        }
                        Ok(None) => break,
                        Err(_) => return,
                    }
                }
                r = tail;
            }
            let _ = joiner.pending();
        }
    }
}

// ---- targets: client and server fed arbitrary peer bytes ----

/// Input: `[mode, chunk, bytes...]`: a client (config from [`Mode`]) that
/// has sent its ClientHello is fed `bytes` as the server's, `chunk`+1 bytes
/// at a time (0xff: all at once). Mode bit 0x40: CBC suites, the variant
/// in the chunk byte ([`Mode::from_header`]).
pub fn client(data: &[u8]) {
    let [mode, chunk, bytes @ ..] = data else {
        return;
    };
    let (mode, chunk) = Mode::from_header(*mode, *chunk);
    let configs = Configs::new(mode);
    let mut conn = configs.client();
    let mut out = Vec::new();
    conn.poll_output(&mut out);
    let complete = feed_chunks(&mut conn, bytes, chunk);
    assert_no_forged_handshake(mode, false, complete);
}

/// Input: `[mode, chunk, bytes...]`: a fresh server fed `bytes` as the
/// client's.
pub fn server(data: &[u8]) {
    let [mode, chunk, bytes @ ..] = data else {
        return;
    };
    let (mode, chunk) = Mode::from_header(*mode, *chunk);
    let configs = Configs::new(mode);
    let mut conn = configs.server();
    let complete = feed_chunks(&mut conn, bytes, chunk);
    assert_no_forged_handshake(mode, true, complete);
}

fn chunk_size(c: u8) -> usize {
    if c == 0xff {
        usize::MAX
    } else {
        usize::from(c) + 1
    }
}

// ---- target: pair (both state machines, bytes injected on the wire) ----

/// Where and how to tamper with the wire.
#[derive(Clone, Copy, Debug)]
struct Injection {
    /// Index of the record (counted per direction) to tamper with.
    record: usize,
    /// false: client → server; true: server → client.
    to_client: bool,
    /// 0 replace, 1 insert before, 2 xor into, 3 truncate, 4 append after.
    how: u8,
}

/// Splits a direction's freshly produced bytes into records, applying the
/// injection when its record comes by. `count` is the direction's running
/// record counter. Returns whether the injection fired.
fn tamper(
    out: &[u8],
    count: &mut usize,
    inj: &Injection,
    bytes: &[u8],
    wire: &mut Vec<u8>,
) -> bool {
    let mut fired = false;
    let mut rest = out;
    while !rest.is_empty() {
        let len = match rest.get(3..5) {
            Some(l) => (5 + usize::from(u16::from_be_bytes([l[0], l[1]]))).min(rest.len()),
            None => rest.len(),
        };
        let (rec, tail) = rest.split_at(len);
        rest = tail;
        if *count == inj.record {
            fired = true;
            match inj.how {
                0 => wire.extend_from_slice(bytes),
                1 => {
                    wire.extend_from_slice(bytes);
                    wire.extend_from_slice(rec);
                }
                2 => {
                    let mut rec = rec.to_vec();
                    // bytes = [offset, xor mask...]
                    if let [off, mask @ ..] = bytes {
                        for (i, m) in mask.iter().enumerate() {
                            let at = (usize::from(*off) + i) % rec.len();
                            rec[at] ^= m;
                        }
                    }
                    wire.extend_from_slice(&rec);
                }
                3 => {
                    let keep = bytes.first().map_or(0, |&b| usize::from(b)).min(rec.len());
                    wire.extend_from_slice(&rec[..keep]);
                }
                _ => {
                    wire.extend_from_slice(rec);
                    wire.extend_from_slice(bytes);
                }
            }
        } else {
            wire.extend_from_slice(rec);
        }
        *count += 1;
    }
    fired
}

struct Side {
    conn: Connection,
    /// Bytes on the wire towards this side.
    inbox: Vec<u8>,
    data: Vec<u8>,
    failed: bool,
    records_out: usize,
    /// `renegotiate` calls that were taken (returned `Ok`).
    renegotiations_asked: usize,
    /// Events seen: renegotiations completed; `no_renegotiation` warnings
    /// received.
    renegotiations_done: usize,
    refusals_received: usize,
}

impl Side {
    fn new(conn: Connection) -> Self {
        Side {
            conn,
            inbox: Vec::new(),
            data: Vec::new(),
            failed: false,
            records_out: 0,
            renegotiations_asked: 0,
            renegotiations_done: 0,
            refusals_received: 0,
        }
    }

    /// Drains the events, counting those the renegotiation checks need.
    fn drain(&mut self) {
        while let Some(e) = self.conn.poll_event() {
            match e {
                Event::RenegotiationComplete(_) => self.renegotiations_done += 1,
                Event::WarningAlert(a) if a == AlertDescription::NO_RENEGOTIATION => {
                    self.refusals_received += 1
                }
                _ => {}
            }
        }
    }
}

/// Moves every pending byte between the sides until nothing moves, tampering
/// as `inj` says. Returns whether the injection fired.
fn pump(c: &mut Side, s: &mut Side, inj: Option<&Injection>, bytes: &[u8]) -> bool {
    let mut fired = false;
    for _ in 0..64 {
        let mut moved = false;
        for to_client in [false, true] {
            let (from, to) = if to_client {
                (&mut *s, &mut *c)
            } else {
                (&mut *c, &mut *s)
            };
            let mut out = Vec::new();
            from.conn.poll_output(&mut out);
            from.drain();
            if !out.is_empty() {
                moved = true;
                match inj {
                    Some(i) if i.to_client == to_client => {
                        fired |= tamper(&out, &mut from.records_out, i, bytes, &mut to.inbox)
                    }
                    _ => {
                        from.records_out += split_records(&out).len();
                        to.inbox.extend_from_slice(&out);
                    }
                }
            }
            if !to.failed && !to.inbox.is_empty() {
                let before = to.inbox.len();
                if deliver(&mut to.conn, &mut to.inbox, &mut to.data).is_err() {
                    to.failed = true;
                    to.inbox.clear();
                }
                moved |= to.inbox.len() != before;
            } else if to.failed {
                to.inbox.clear();
            }
        }
        if !moved {
            break;
        }
    }
    fired
}

/// Asks for a renegotiation as `plan` says (see [`Plan`]).
fn renegotiate(c: &mut Side, s: &mut Side, plan: Plan, client_cert: bool) {
    let ask = |side: &mut Side, r: Result<(), Error>| {
        if r.is_ok() {
            side.renegotiations_asked += 1;
        }
    };
    match plan.who() {
        0 => {
            let r = c.conn.renegotiate();
            ask(c, r);
        }
        1 => {
            let r = s.conn.renegotiate();
            ask(s, r);
        }
        2 => {
            let verifier = Arc::new(WebPkiClientVerifier::new(keys().roots.clone()));
            let auth = if client_cert {
                ClientAuth::Required(verifier)
            } else {
                ClientAuth::Optional(verifier)
            };
            let r = s.conn.renegotiate_with_client_auth(auth);
            ask(s, r);
        }
        _ => {
            let r = c.conn.renegotiate();
            ask(c, r);
            let r = s.conn.renegotiate();
            ask(s, r);
        }
    }
}

/// Runs a whole connection: handshake, data both ways, close_notify both
/// ways, and the renegotiations `plan` asks for. Returns (client, server,
/// injection fired).
fn run_connection(
    configs: &Configs,
    plan: Option<(Plan, Mode)>,
    inj: Option<&Injection>,
    bytes: &[u8],
) -> (Side, Side, bool) {
    let mut c = Side::new(configs.client());
    let mut s = Side::new(configs.server());
    let mut fired = pump(&mut c, &mut s, inj, bytes);
    let reneg = |c: &mut Side, s: &mut Side, at: &[u8]| {
        if let Some((plan, mode)) = plan.filter(|(p, _)| at.contains(&p.when())) {
            renegotiate(c, s, plan, mode.client_cert());
        }
    };
    reneg(&mut c, &mut s, &[0, 3]);
    fired |= pump(&mut c, &mut s, inj, bytes);
    // When 1: the client's data right behind the request.
    reneg(&mut c, &mut s, &[1]);
    let mut out = Vec::new();
    if !c.failed && !c.conn.is_handshaking() {
        if c.conn.send(b"ping from client", &mut out).is_ok() {
            s.inbox.extend_from_slice(&out);
        }
        out.clear();
    }
    fired |= pump(&mut c, &mut s, inj, bytes);
    if !s.failed && !s.conn.is_handshaking() {
        let big = vec![0x61u8; 17_000]; // two records
        if s.conn.send(&big, &mut out).is_ok() {
            c.inbox.extend_from_slice(&out);
        }
        out.clear();
    }
    reneg(&mut c, &mut s, &[2, 3]);
    fired |= pump(&mut c, &mut s, inj, bytes);
    c.conn.close();
    fired |= pump(&mut c, &mut s, inj, bytes);
    s.conn.close();
    fired |= pump(&mut c, &mut s, inj, bytes);
    c.drain();
    s.drain();
    (c, s, fired)
}

/// Input: `[record, direction+how, mode, bytes...]`, or with a
/// renegotiation plan `[record, direction+how, mode, plan, bytes...]` (see
/// [`PairHeader`] and [`Plan`]). Runs a real in-memory handshake (config
/// from [`Mode`]; with mode bit 0x40 a first clean connection runs to fill
/// the session stores and the tampered one resumes; with `record` bit 7,
/// CBC suites, [`Mode::from_pair`]), renegotiates as the plan says,
/// tampers with record number `record` of the chosen direction (counting
/// the renegotiations' records too), then drives both sides through
/// application data and close_notify.
///
/// Invariants checked: without tampering, both sides complete and the data
/// arrives intact, and the renegotiations asked for complete on both sides
/// (or, if the plan has the peer refuse, none does and the asking side got
/// a no_renegotiation warning); with it, nothing panics or hangs, a side
/// that failed stays failed (also for `renegotiate`), and no application
/// data comes out that the peer did not send.
pub fn pair(data: &[u8]) {
    let Some(PairHeader {
        mode,
        record,
        plan,
        dir_how,
        bytes,
    }) = PairHeader::parse(data)
    else {
        return;
    };
    let configs = Configs::renegotiating(mode, plan);
    let plan = plan.map(|p| (p, mode));
    if mode.resume() {
        let (c, s, _) = run_connection(&configs, plan, None, &[]);
        check_clean(&c, &s, mode, plan);
    }
    let inj = Injection {
        record,
        to_client: dir_how & 1 != 0,
        how: (dir_how >> 1) % 5,
    };
    let (mut c, mut s, fired) = run_connection(&configs, plan, Some(&inj), bytes);
    if !fired {
        check_clean(&c, &s, mode, plan);
    }
    // Whatever was tampered with, application data that comes out must be
    // what the peer sent: the fuzzer holds no record keys.
    assert!(b"ping from client".starts_with(&s.data), "forged data");
    assert!(
        c.data.len() <= 17_000 && c.data.iter().all(|&b| b == 0x61),
        "forged data"
    );
    for side in [&mut c, &mut s] {
        // A failed or closed connection does not renegotiate.
        let r = side.conn.renegotiate();
        if side.conn.error().is_some() || side.conn.sent_close() {
            assert!(r.is_err(), "renegotiate after the end");
        }
    }
    finish(&mut c.conn);
    finish(&mut s.conn);
}

/// A run nobody tampered with must succeed (unless the config itself forbids
/// it: required client auth without a client certificate), with the mode's
/// suite and encrypt-then-MAC; and the renegotiations of `plan` with it.
fn check_clean(c: &Side, s: &Side, mode: Mode, plan: Option<(Plan, Mode)>) {
    if mode.client_auth() >= 2 && !mode.client_cert() {
        assert!(c.failed || s.failed || s.conn.error().is_some());
        return;
    }
    assert!(
        !c.failed && !s.failed,
        "clean run failed: {:?} / {:?}",
        c.conn.error(),
        s.conn.error()
    );
    assert_eq!(s.data, b"ping from client");
    assert_eq!(c.data.len(), 17_000);
    assert!(c.conn.peer_closed() && s.conn.peer_closed());
    for side in [c, s] {
        let n = side.conn.negotiated().expect("negotiated");
        assert_eq!(n.encrypt_then_mac, mode.cbc.is_some_and(Cbc::etm));
        if mode.cbc.is_some() {
            assert_eq!(n.suite, mode.suite(), "the mode's CBC suite");
        }
    }
    let Some((plan, _)) = plan else {
        assert_eq!(c.renegotiations_done + s.renegotiations_done, 0);
        return;
    };
    assert_eq!(
        c.renegotiations_done, s.renegotiations_done,
        "both sides see every renegotiation complete"
    );
    let asked = c.renegotiations_asked + s.renegotiations_asked;
    match (plan.who(), plan.refused()) {
        // Crossing requests make one renegotiation; refusing the client
        // does not stop it (the server's own request is pending).
        (3, _) => assert_eq!(c.renegotiations_done * 2, asked, "crossing requests"),
        (who, false) => {
            assert!(asked >= 1, "renegotiate was refused: {who}");
            assert_eq!(c.renegotiations_done, asked, "renegotiations asked");
        }
        (who, true) => {
            assert_eq!(
                c.renegotiations_done, 0,
                "a refused renegotiation completed"
            );
            let asker = if who == 0 { c } else { s };
            assert_eq!(
                asker.refusals_received, asked,
                "each refused with a warning"
            );
        }
    }
    // A server that asked for a certificate in the renegotiation has it.
    if plan.who() == 2 && !plan.refused() && mode.client_cert() {
        let n = s.conn.negotiated().expect("negotiated");
        assert_eq!(n.peer_certificates.len(), 1, "the client's certificate");
    }
}

// ---- seed generation ----

/// The modes [`generate_seeds`] records handshakes in.
pub const SEED_MODES: &[u8] = &[0x00, 0x08, 0x10, 0x20, 0x03, 0x07, 0x13, 0x30, 0x02];

/// The legacy modes (RSA key transport, DHE; with tickets; resuming a
/// known legacy session) [`generate_seeds`] records handshakes in.
pub const LEGACY_SEED_MODES: &[u8] = &[0x80, 0x88, 0x90, 0x98, 0xa0, 0xa8];

/// The CBC modes [`generate_seeds`] records handshakes in, as (mode byte,
/// [`Cbc`] variant): each of the 16 CBC suites once (ECDHE_ECDSA, ECDHE_RSA
/// with 0x08, RSA key transport with 0x80, DHE with 0x88), half of them
/// MAC-then-encrypt, with client auth, tickets or a known session mixed in;
/// and a known ECDHE_ECDSA session with encrypt-then-MAC.
pub const CBC_SEED_MODES: &[(u8, u8)] = &[
    (0x00, 0),
    (0x00, 5),
    (0x07, 2),
    (0x10, 7),
    (0x20, 3),
    (0x08, 4),
    (0x08, 1),
    (0x28, 6),
    (0x18, 3),
    (0x80, 0),
    (0x80, 5),
    (0xa0, 2),
    (0x90, 7),
    (0x88, 4),
    (0x88, 1),
    (0xa8, 6),
    (0x98, 3),
];

/// Every seed mode: [`SEED_MODES`], [`LEGACY_SEED_MODES`], [`CBC_SEED_MODES`].
pub fn seed_modes() -> Vec<Mode> {
    let aead = SEED_MODES.iter().chain(LEGACY_SEED_MODES);
    let cbc = CBC_SEED_MODES.iter().map(|&(m, v)| Mode::with_cbc(m, v));
    aead.map(|&m| Mode::new(m)).chain(cbc).collect()
}

/// Records the wire bytes of real in-memory handshakes under
/// `root/<target>/`: whole flights and single records per direction, single
/// handshake messages with their decoder selector, and a spread of
/// injection points for `pair`, renegotiating ones included.
pub fn generate_seeds(root: &Path) -> std::io::Result<()> {
    generate_mode_seeds(root, &seed_modes(), true)?;
    generate_renegotiation_seeds(root)
}

/// [`generate_seeds`] for `modes` only; with `fixed`, also the inputs that
/// belong to no mode (sealed records, hand-written messages). CBC modes
/// write `client`, `server` and `pair` inputs only (their plaintext
/// records and messages are the AEAD modes' again, and `record_layer` has
/// its own CBC inputs).
pub fn generate_mode_seeds(root: &Path, modes: &[Mode], fixed: bool) -> std::io::Result<()> {
    let mut n = 0usize;
    let mut write = |target: &str, bytes: &[u8]| -> std::io::Result<()> {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        n += 1;
        std::fs::write(dir.join(format!("seed-{n:05}")), bytes)
    };
    for &mode in modes {
        let configs = Configs::new(mode);
        let (c2s, s2c) = record_wire(&configs);
        let cbc = mode.cbc.is_some();
        for (stream, target) in [(&s2c, "client"), (&c2s, "server")] {
            for chunk in [0xffu8, 0x00, 0x63] {
                write(target, &[&mode.header(chunk)[..], stream].concat())?;
            }
            // Each plaintext prefix (one more record at a time).
            let recs = split_records(stream);
            for k in 1..recs.len().min(8) {
                write(
                    target,
                    &[&mode.header(0xff)[..], &recs[..k].concat()].concat(),
                )?;
            }
            for rec in recs.iter().filter(|_| !cbc) {
                write("record_layer", &[&[0u8][..], rec].concat())?;
                // Every message once: client auth (0x07) has them all for
                // ECDHE; the two legacy key exchanges add theirs.
                if rec[0] == 22 && [0x07, 0x80, 0x88].contains(&mode.bits) {
                    messages(rec, mode, &mut write)?;
                }
            }
        }
        if !cbc {
            write("record_layer", &[&[0u8][..], &c2s].concat())?;
        }
        let m = mode.bits;
        for &(record, dir_how) in &[
            (0u8, 0u8),
            (1, 1),
            (2, 2),
            (3, 5),
            (4, 6),
            (5, 9),
            (6, 4),
            (7, 3),
            (9, 8),
            (200, 0),
        ] {
            let record = mode.pair_record(record);
            write("pair", &[record, dir_how, m, 0x16, 3, 3, 0, 2, 1, 0])?;
        }
        write("pair", &[mode.pair_record(3), 4, m | 0x40, 0x80, 1])?;
    }
    if !fixed {
        return Ok(());
    }
    // Sealed records of every type, and garbage under a key.
    for flags in [4u8, 4 | 8, 4 | 16, 5] {
        write(
            "record_layer",
            &[
                flags, 23, 5, b'h', b'e', b'l', b'l', b'o', 21, 2, 1, 0, 22, 0, 20, 1, 1,
            ],
        )?;
    }
    for seed in cbc_record_seeds() {
        write("record_layer", &seed)?;
    }
    for (sel, body) in [
        (12u8, &[1u8, 0][..]),
        (13, &[1]),
        (14, &[0, 23, 0, 0]),
        (15, &[0xff, 1, 0, 1, 0]),
        (16, &known_session(Mode::new(0), true)),
        (8, &[1, 4]),
        (9, &[0, 2, 1, 2]),
        (6, &[3, 0, 23, 1, 4]),
        (17, &[2, 20, 0, 3, 0, 0, 0]),
    ] {
        write("handshake_message", &[&[sel][..], body].concat())?;
    }
    Ok(())
}

/// `pair` inputs that renegotiate ([`Plan`]): every plan once without
/// tampering, spread over modes (certificates of both kinds, client
/// authentication, tickets, a known session, resumption, RSA key
/// transport, DHE), with tracing and in CBC modes (both MAC orders); and a
/// few plans tampered with at the records of their renegotiations
/// (records 4 to 12 of either direction, every kind of tampering).
pub fn renegotiation_seed_inputs() -> Vec<Vec<u8>> {
    const MODES: [u8; 8] = [0x00, 0x08, 0x13, 0x07, 0x20, 0x40, 0x30, 0x03];
    const TAMPERED: [(u8, u8); 10] = [
        (4, 0),
        (5, 2),
        (6, 5),
        (7, 4),
        (8, 9),
        (5, 1),
        (7, 3),
        (9, 6),
        (10, 8),
        (12, 1),
    ];
    let bytes = [0x16u8, 3, 3, 0, 2, 1, 0];
    let input = |mode: Mode, record: u8, dir_how: u8, plan: Plan| -> Vec<u8> {
        let h = mode.pair_renegotiation_header(record, dir_how, plan);
        [&h[..], &bytes].concat()
    };
    let mut out = Vec::new();
    for bits in 0..32u8 {
        let mode = Mode::new(MODES[usize::from(bits) % MODES.len()]);
        out.push(input(mode, 31, 0, Plan::new(bits, false)));
    }
    for (mode, bits) in [(0x00u8, 0x00u8), (0x07, 0x06), (0x88, 0x0d), (0x80, 0x03)] {
        out.push(input(
            Mode::new(mode),
            31,
            0,
            Plan::new(bits, mode == 0x00 || mode == 0x07),
        ));
    }
    for (mode, variant, bits) in [
        (0x00u8, 0u8, 0x00u8),
        (0x08, 4, 0x05),
        (0x07, 2, 0x0e),
        (0x80, 5, 0x13),
    ] {
        out.push(input(
            Mode::with_cbc(mode, variant),
            31,
            0,
            Plan::new(bits, false),
        ));
    }
    for mode in [0x00u8, 0x13] {
        for bits in [0x00u8, 0x05, 0x0a, 0x03] {
            for (record, dir_how) in TAMPERED {
                out.push(input(
                    Mode::new(mode),
                    record,
                    dir_how,
                    Plan::new(bits, false),
                ));
            }
        }
    }
    out
}

/// Writes [`renegotiation_seed_inputs`] under `root/pair/`.
pub fn generate_renegotiation_seeds(root: &Path) -> std::io::Result<()> {
    let dir = root.join("pair");
    std::fs::create_dir_all(&dir)?;
    for (n, input) in renegotiation_seed_inputs().iter().enumerate() {
        std::fs::write(dir.join(format!("seed-reneg-{n:05}")), input)?;
    }
    Ok(())
}

/// `record_layer` inputs for CBC records: for each MAC, both AES key
/// sizes and both MAC orders, sealed records of every type ending in one
/// with a tampered IV, and one record tampered near its end (in the MAC,
/// or in the padding when the MAC comes first); and bytes under a CBC key
/// for either MAC order.
pub fn cbc_record_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for flags in [0x24u8, 0x2c, 0x74, 0xa4, 0xac, 0xf4] {
        seeds.push(vec![
            flags, 23, 5, 0, 0, b'h', b'e', b'l', b'l', b'o', 21, 2, 0, 0, 1, 0, 22, 4, 0, 0, 20,
            0, 0, 0, 20, 1, 0, 0, 1, 23, 5, 0, 1, b'h', b'e', b'l', b'l', b'o',
        ]);
        seeds.push(vec![flags, 23, 5, 255, 0x80, b'h', b'e', b'l', b'l', b'o']);
    }
    for flags in [0x21u8, 0xa1] {
        let mut seed = vec![flags, 23, 3, 3, 0, 64];
        seed.extend_from_slice(&[0x5a; 64]);
        seeds.push(seed);
    }
    seeds
}

/// Handshake messages of one plaintext record, under every selector that
/// fits their type, plus each ClientHello/ServerHello extension. In a
/// legacy mode only the key exchange messages: the others are mode 0x07's.
fn messages(
    rec: &[u8],
    mode: Mode,
    write: &mut impl FnMut(&str, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let kx = mode.kx();
    let mut body = &rec[5..];
    while body.len() >= 4 {
        let len =
            4 + (usize::from(body[1]) << 16 | usize::from(body[2]) << 8 | usize::from(body[3]));
        let Some(msg) = body.get(..len) else { break };
        body = &body[len..];
        if mode.legacy() && msg[0] != 12 && msg[0] != 16 {
            continue;
        }
        write("handshake_message", &[&[0u8][..], msg].concat())?;
        let inner = &msg[4..];
        let sel = match (msg[0], kx) {
            (1, _) => 1u8,
            (2, _) => 2,
            (11, _) => 3,
            (12, KeyExchangeKind::Dhe) => 19,
            (12, _) => 7,
            (13, _) => 4,
            (15, _) => 5,
            (16, KeyExchangeKind::Ecdhe) => 8,
            (16, KeyExchangeKind::Rsa) => 9,
            (16, KeyExchangeKind::Dhe) => 20,
            (4, _) => 11,
            _ => 0,
        };
        if sel != 0 {
            write("handshake_message", &[&[sel][..], inner].concat())?;
        }
        if let Ok(ch) = ClientHello::decode_all(inner) {
            for e in ch.extensions.iter() {
                write(
                    "handshake_message",
                    &[&[14u8][..], &e.encode_to_vec()].concat(),
                )?;
            }
        }
        if let Ok(sh) = ServerHello::decode_all(inner) {
            for e in sh.extensions.iter() {
                write(
                    "handshake_message",
                    &[&[15u8][..], &e.encode_to_vec()].concat(),
                )?;
            }
        }
        if let (12, Ok(ske)) = (msg[0], DheServerKeyExchange::decode_all(inner)) {
            write(
                "handshake_message",
                &[&[18u8][..], &ske.params.encode_to_vec()].concat(),
            )?;
            write(
                "handshake_message",
                &[&[5u8][..], &ske.signed.encode_to_vec()].concat(),
            )?;
        }
        if let Ok(ske) = EcdheServerKeyExchange::decode_all(inner) {
            write(
                "handshake_message",
                &[&[6u8][..], &ske.params_bytes()].concat(),
            )?;
            write(
                "handshake_message",
                &[&[5u8][..], &ske.signed.encode_to_vec()].concat(),
            )?;
        }
        write(
            "handshake_message",
            &[&[17u8, 3][..], &msg[..3], &[0xff], &msg[3..]].concat(),
        )?;
    }
    Ok(())
}

fn split_records(mut b: &[u8]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    while b.len() >= 5 {
        let len = (5 + usize::from(u16::from_be_bytes([b[3], b[4]]))).min(b.len());
        v.push(b[..len].to_vec());
        b = &b[len..];
    }
    v
}

/// A clean connection's bytes per direction (client → server, server → client).
fn record_wire(configs: &Configs) -> (Vec<u8>, Vec<u8>) {
    let mut c = Side::new(configs.client());
    let mut s = Side::new(configs.server());
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    for _ in 0..32 {
        let mut out = Vec::new();
        c.conn.poll_output(&mut out);
        c2s.extend_from_slice(&out);
        s.inbox.extend_from_slice(&out);
        let _ = deliver(&mut s.conn, &mut s.inbox, &mut s.data);
        out.clear();
        s.conn.poll_output(&mut out);
        s2c.extend_from_slice(&out);
        c.inbox.extend_from_slice(&out);
        let _ = deliver(&mut c.conn, &mut c.inbox, &mut c.data);
        if out.is_empty() && !c.conn.has_output() {
            break;
        }
    }
    let mut out = Vec::new();
    if c.conn.send(b"hello", &mut out).is_ok() {
        c2s.extend_from_slice(&out);
    }
    c.conn.close();
    c.conn.poll_output(&mut c2s);
    (c2s, s2c)
}
