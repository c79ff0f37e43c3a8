//! Tools for tests that play a network attacker between our client and our
//! server: a handshake driven flight by flight to a named point (the record
//! surgery itself is in tests/common/wire.rs), and — through the public
//! key-log hook — the master secret, from which the attacker derives the
//! traffic keys with the tests' own key schedule and record protection
//! (tests/common/tls12.rs, independent of the crate), so protected records
//! (Finished, post-handshake traffic) can be opened, edited and sealed again
//! exactly as a peer holding the keys would send them. With a CBC suite the
//! attacker also crafts records whose padding or MAC is wrong in a chosen
//! way ([`Mitm::push_cbc`]), MAC-then-encrypt or encrypt-then-MAC as the
//! server's ServerHello agreed.
//!
//! Past the first handshake the attacker follows the connection through
//! every renegotiation (RFC 5746) with a [`tap::Tap`], so the protected
//! messages of a later handshake can be edited too ([`Mitm::edit_sealed`],
//! the renegotiation [`Point`]s) and records forged at any time
//! ([`Scene::forge`]).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use sanstls::keylog::KeyLog;
use sanstls::suites::{self, KeyExchangeKind, SupportedSuite};
use sanstls::{ClientConfig, Error, ServerConfig};

use crate::common::tls12::{self, CbcRecord, DirectionKeys, KeyBlock};
use crate::common::wire::{
    get_u16, join, record, server_hello_offsets, settle, split, to_client, to_server, APPDATA, CCS,
};
use crate::common::Pair;

pub mod resign;
pub mod tap;

use tap::{Epoch, Tap};

/// The suite [`Scene::new`] negotiates; [`Scene::with_suite`] takes any.
pub static SUITE: &SupportedSuite = &suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

// ---- the key log: how the attacker in these tests learns the keys ----

/// Captures the master secrets the client logs, each with its handshake's
/// client random: one per handshake of the connection (a renegotiation
/// logs the next).
#[derive(Debug, Default)]
pub struct Captured(Mutex<Vec<([u8; 32], [u8; 48])>>);

impl Captured {
    /// The master secret logged last.
    pub fn latest(&self) -> Option<[u8; 48]> {
        self.0.lock().unwrap().last().map(|(_, m)| *m)
    }

    /// The master secret of the handshake whose client random is
    /// `client_random`, if logged yet.
    pub fn master_for(&self, client_random: &[u8; 32]) -> Option<[u8; 48]> {
        let log = self.0.lock().unwrap();
        log.iter()
            .rev()
            .find(|(r, _)| r == client_random)
            .map(|(_, m)| *m)
    }
}

impl KeyLog for Captured {
    fn log(&self, _label: &str, client_random: &[u8], secret: &[u8]) {
        if let (Ok(random), Ok(secret)) = (client_random.try_into(), secret.try_into()) {
            self.0.lock().unwrap().push((random, secret));
        }
    }
}

/// Plaintext records: (content type, fragment).
pub type Records = Vec<(u8, Vec<u8>)>;

/// Where a flight of a renegotiation stands: every record on the wire is
/// protected, under the keys of the handshake before it up to and including
/// the sender's ChangeCipherSpec, and under the new handshake's keys after.
#[derive(Debug, Clone, Copy)]
pub struct Renegotiating {
    /// The keys in force when the flight started.
    pub old: Epoch,
    /// The sequence number of the first record on the wire under `old`.
    pub first_seq: u64,
    /// The keys of the handshake under way, once its hellos went past and
    /// the client logged its master secret.
    pub new: Option<Epoch>,
}

/// What an attacker who knows the master secret can do to one direction.
pub struct Mitm {
    /// The bytes in flight to the receiving side.
    pub wire: Vec<u8>,
    /// Whether the bytes come from the client.
    pub from_client: bool,
    /// Whether records were sealed with the sender's keys: the sender's own
    /// sequence numbers then no longer match the receiver's.
    pub resealed: bool,
    /// The application data the attacker sealed, in order: what the
    /// receiver must deliver if it accepts the records.
    pub injected: Vec<u8>,
    /// Whether CBC records are sealed encrypt-then-MAC (RFC 7366): what the
    /// server agreed to, unless a test changes it to send the other kind.
    pub etm: bool,
    /// Set for a flight of a renegotiation ([`Mitm::edit_sealed`]).
    pub reneg: Option<Renegotiating>,
    suite: &'static SupportedSuite,
    client_random: [u8; 32],
    server_random: [u8; 32],
    master: Option<[u8; 48]>,
}

impl Mitm {
    /// The negotiated suite.
    pub fn suite(&self) -> &'static SupportedSuite {
        self.suite
    }

    /// Bytes of explicit nonce in front of each protected record (8 for
    /// AES-GCM, 0 for ChaCha20-Poly1305, the 16-byte IV for CBC).
    pub fn explicit_nonce_len(&self) -> usize {
        tls12::explicit_nonce_len(self.suite)
    }

    /// The sender's keys, derived by the tests' own key schedule.
    pub fn keys(&self) -> DirectionKeys {
        let master = self.master.expect("master secret not logged yet");
        KeyBlock::with_etm(
            self.suite,
            &master,
            &self.client_random,
            &self.server_random,
            self.etm,
        )
        .sender(self.from_client)
    }

    /// Appends a CBC record of `plaintext` with sequence number `seq`, laid
    /// out as [`tls12::CbcKeys::seal`] does and edited by `edit` before it
    /// is encrypted (the padding, the MAC, the IV...). Application data
    /// counts as injected as the edit leaves it.
    pub fn push_cbc(
        &mut self,
        seq: u64,
        typ: u8,
        plaintext: &[u8],
        edit: impl FnOnce(&mut CbcRecord),
    ) {
        let keys = self.keys();
        let mut sent = Vec::new();
        let rec = keys.cbc().seal(seq, typ, plaintext, |r| {
            edit(r);
            sent = r.plaintext.clone();
        });
        self.resealed = true;
        if typ == APPDATA {
            self.injected.extend_from_slice(&sent);
        }
        self.wire.extend_from_slice(&rec);
    }

    /// Seals `recs` from sequence number `seq` on.
    pub fn seal(&mut self, seq: u64, recs: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let keys = self.keys();
        self.seal_with(recs, |i, t, b| keys.seal(seq + i, t, b))
    }

    /// Seals `recs` from sequence number `seq` on, each AES-GCM record
    /// carrying `explicit(seq)` as its explicit nonce instead of the sequence
    /// number (RFC 5288 §3 leaves the choice to the sender).
    pub fn seal_with_explicit_nonce(
        &mut self,
        seq: u64,
        explicit: impl Fn(u64) -> u64,
        recs: &[(u8, Vec<u8>)],
    ) -> Vec<u8> {
        let keys = self.keys();
        self.seal_with(recs, |i, t, b| {
            keys.seal_with_explicit_nonce(seq + i, explicit(seq + i), t, b)
        })
    }

    fn seal_with(
        &mut self,
        recs: &[(u8, Vec<u8>)],
        seal: impl Fn(u64, u8, &[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        self.resealed = true;
        let mut out = Vec::new();
        for (i, (t, b)) in recs.iter().enumerate() {
            if *t == APPDATA {
                self.injected.extend_from_slice(b);
            }
            out.extend_from_slice(&seal(i as u64, *t, b));
        }
        out
    }

    /// The Finished message (header included) that a side whose transcript
    /// holds `messages` (whole handshake messages, in order) expects from
    /// the client (`from_client`) or the server: what an attacker who knows
    /// the master secret can forge once it has changed a message in flight.
    pub fn finished(&self, from_client: bool, messages: &[&[u8]]) -> Vec<u8> {
        let master = self.master.expect("master secret not logged yet");
        let hash = tls12::transcript_hash(self.suite.hash, messages);
        let verify_data = tls12::verify_data(self.suite.hash, &master, from_client, &hash);
        let mut msg = vec![20, 0, 0, verify_data.len() as u8];
        msg.extend_from_slice(&verify_data);
        msg
    }

    /// Takes `master` as the master secret from now on: an attacker who
    /// derived one itself (from a pre-master secret it chose) seals and
    /// forges with it.
    pub fn use_master(&mut self, master: [u8; 48]) {
        self.master = Some(master);
    }

    /// Replaces every record after the first ChangeCipherSpec on the wire
    /// with `recs`, sealed from sequence 0 on.
    pub fn replace_protected(&mut self, recs: &[(u8, Vec<u8>)]) {
        let mut plain = split(&self.wire);
        let ccs = plain.iter().position(|r| r.0 == CCS).expect("no CCS");
        plain.truncate(ccs + 1);
        let mut wire = join(&plain);
        wire.extend_from_slice(&self.seal(0, recs));
        self.wire = wire;
    }

    /// Appends `recs`, sealed from sequence number `seq` on.
    pub fn push_sealed(&mut self, seq: u64, recs: &[(u8, Vec<u8>)]) {
        let sealed = self.seal(seq, recs);
        self.wire.extend_from_slice(&sealed);
    }

    /// Opens every record after the first ChangeCipherSpec on the wire, lets
    /// `f` edit their plaintexts, and seals them again from sequence 0.
    pub fn edit_protected(&mut self, f: impl FnOnce(&mut Vec<(u8, Vec<u8>)>)) {
        let recs = split(&self.wire);
        let ccs = recs.iter().position(|r| r.0 == CCS).expect("no CCS");
        let keys = self.keys();
        let mut plain: Vec<(u8, Vec<u8>)> = recs[ccs + 1..]
            .iter()
            .enumerate()
            .map(|(seq, (t, b))| {
                let p = keys
                    .open(seq as u64, *t, b)
                    .expect("the sender's record opens with the attacker's keys");
                (*t, p)
            })
            .collect();
        f(&mut plain);
        let mut wire = join(&recs[..=ccs]);
        wire.extend_from_slice(&self.seal(0, &plain));
        self.wire = wire;
    }

    /// For a flight of a renegotiation, where every record is protected:
    /// opens every record on the wire (under the old keys from
    /// [`Renegotiating::first_seq`] up to and including the first
    /// ChangeCipherSpec, under the new keys from sequence 0 after it), lets
    /// `f` edit the plaintexts, and seals them again the same way (the
    /// first ChangeCipherSpec of the edited list is where the keys change).
    /// Application data left in the list counts as injected.
    ///
    /// The sender's own records that follow carry its sequence numbers: an
    /// edit that changes the number of records before them makes them fail
    /// to authenticate (a row that needs the sender to go on keeps the count,
    /// for example by putting two handshake messages in one record).
    pub fn edit_sealed(&mut self, f: impl FnOnce(&mut Records)) {
        let r = self
            .reneg
            .expect("edit_sealed is for the flights of a renegotiation");
        let old = r.old.keys(self.suite, self.from_client);
        let new = r.new.map(|e| e.keys(self.suite, self.from_client));
        let keys_at = |switched: bool| -> &tls12::DirectionKeys {
            if switched {
                new.as_ref()
                    .expect("the new handshake's keys are not known yet")
            } else {
                &old
            }
        };
        let mut plain = Vec::new();
        let (mut seq, mut switched) = (r.first_seq, false);
        for (t, b) in split(&self.wire) {
            let p = keys_at(switched)
                .open(seq, t, &b)
                .expect("the sender's record opens with the tapped keys");
            plain.push((t, p));
            seq += 1;
            if t == CCS && !switched {
                (seq, switched) = (0, true);
            }
        }
        f(&mut plain);
        let mut wire = Vec::new();
        let (mut seq, mut switched) = (r.first_seq, false);
        for (t, p) in &plain {
            wire.extend_from_slice(&keys_at(switched).seal(seq, *t, p));
            if *t == APPDATA {
                self.injected.extend_from_slice(p);
            }
            seq += 1;
            if *t == CCS && !switched {
                (seq, switched) = (0, true);
            }
        }
        self.wire = wire;
        self.resealed = true;
    }
}

// ---- the handshake, flight by flight ----

/// Where a hostile test intercepts the handshake; each point names the
/// flight on the wire and so the side that receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// ClientHello → server.
    ClientHello,
    /// ServerHello, Certificate, ServerKeyExchange, ServerHelloDone → client.
    ServerFlight,
    /// As above, with a CertificateRequest before ServerHelloDone.
    ServerFlightCertReq,
    /// ClientKeyExchange, ChangeCipherSpec, Finished → server.
    ClientFlight,
    /// Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished → server.
    ClientFlightAuth,
    /// NewSessionTicket, ChangeCipherSpec, Finished → client.
    ServerFinish,
    /// Handshake done; the wire to the server is empty (the client's next
    /// record sequence number is 1).
    TrafficToServer,
    /// Handshake done; the wire to the client is empty (the server's next
    /// record sequence number is 1).
    TrafficToClient,
    // The points of a renegotiation (RFC 5746): the first handshake done,
    // both sides allowing renegotiation, a full second handshake whose
    // records are protected under the first one's keys (a [`Mitm`] edits
    // them with [`Mitm::edit_sealed`]). No client authentication, no
    // session to resume, no ticket.
    /// The server called `renegotiate()`: its HelloRequest → client.
    RenegHelloRequest,
    /// The client called `renegotiate()`: its ClientHello → server.
    RenegClientHello,
    /// ServerHello, Certificate, ServerKeyExchange, ServerHelloDone of the
    /// renegotiation → client.
    RenegServerFlight,
    /// ClientKeyExchange, ChangeCipherSpec, Finished of the renegotiation →
    /// server (the Finished under the new keys).
    RenegClientFlight,
    /// ChangeCipherSpec, Finished of the renegotiation → client (the
    /// Finished under the new keys).
    RenegServerFinish,
}

impl Point {
    pub fn to_server(self) -> bool {
        matches!(
            self,
            Point::ClientHello
                | Point::ClientFlight
                | Point::ClientFlightAuth
                | Point::TrafficToServer
                | Point::RenegClientHello
                | Point::RenegClientFlight
        )
    }

    /// Whether the point is in a renegotiation.
    pub fn renegotiates(self) -> bool {
        matches!(
            self,
            Point::RenegHelloRequest
                | Point::RenegClientHello
                | Point::RenegServerFlight
                | Point::RenegClientFlight
                | Point::RenegServerFinish
        )
    }

    fn client_auth(self) -> bool {
        matches!(self, Point::ServerFlightCertReq | Point::ClientFlightAuth)
    }
}

/// A pair with a fixed suite, the client's master secret logged, and the
/// randoms recorded as they pass.
pub struct Scene {
    pub p: Pair,
    /// The client's ClientHello message, as first sent.
    pub client_hello: Vec<u8>,
    /// The one suite the client offers.
    pub suite: &'static SupportedSuite,
    /// The server's first flight (plaintext records), as sent.
    pub server_flight: Vec<u8>,
    /// Once a renegotiation point is reached: the records of both
    /// directions since the first handshake, followed through every key
    /// change.
    pub tap: Option<Tap>,
    log: Arc<Captured>,
    client_random: [u8; 32],
    server_random: [u8; 32],
}

/// Sets the flags each configuration needs for `suite`'s key exchange
/// (none for ECDHE) and record protection (`allow_cbc` for CBC) and puts
/// a legacy or CBC suite in the server's list, which holds the default
/// suites only.
pub fn allow_suite(cc: &mut ClientConfig, sc: &mut ServerConfig, suite: &'static SupportedSuite) {
    if suite.protection.is_cbc() {
        cc.allow_cbc = true;
        sc.allow_cbc = true;
    }
    match suite.kx {
        KeyExchangeKind::Ecdhe => {}
        KeyExchangeKind::Rsa => {
            cc.allow_rsa_key_transport = true;
            sc.allow_rsa_key_transport = true;
        }
        KeyExchangeKind::Dhe => {
            cc.allow_ffdhe = true;
            sc.allow_ffdhe = true;
        }
    }
    if !sc.suites.contains(&suite) {
        sc.suites.push(suite);
    }
}

fn hello_random(wire: &[u8]) -> [u8; 32] {
    let recs = split(wire);
    recs[0].1[6..38].try_into().unwrap()
}

/// Whether the ServerHello that starts `server_flight` carries
/// encrypt_then_mac (RFC 7366 §2, extension type 22), read from the bytes.
fn agrees_etm(server_flight: &[u8]) -> bool {
    let Some((_, hello)) = split(server_flight).into_iter().next() else {
        return false;
    };
    let body = &hello[4..];
    let (.., ext) = server_hello_offsets(body);
    if ext >= body.len() {
        return false;
    }
    let end = ext + 2 + get_u16(body, ext);
    let mut at = ext + 2;
    while at < end {
        if get_u16(body, at) == 22 {
            return true;
        }
        at += 4 + get_u16(body, at + 2);
    }
    false
}

impl Scene {
    /// A scene negotiating [`SUITE`].
    pub fn new(cc: ClientConfig, sc: ServerConfig) -> Self {
        Self::with_suite(cc, sc, SUITE)
    }

    /// A scene where the client offers only `suite` (the server's
    /// certificate must suit it). A legacy suite is allowed on both sides
    /// (its `allow_*` flag) and added to the server's suites.
    pub fn with_suite(cc: ClientConfig, sc: ServerConfig, suite: &'static SupportedSuite) -> Self {
        Self::offering(cc, sc, suite, &[])
    }

    /// [`Scene::with_suite`], the client also offering `also` after
    /// `suite`, each allowed on its side only: the server, which does not
    /// take them, picks `suite`, and an attacker may try to pick one of
    /// them in its place.
    pub fn offering(
        mut cc: ClientConfig,
        mut sc: ServerConfig,
        suite: &'static SupportedSuite,
        also: &[&'static SupportedSuite],
    ) -> Self {
        allow_suite(&mut cc, &mut sc, suite);
        for s in also {
            let mut ignored = sc.clone();
            allow_suite(&mut cc, &mut ignored, s);
        }
        let log = Arc::new(Captured::default());
        cc.suites = std::iter::once(suite).chain(also.iter().copied()).collect();
        cc.key_log = Some(log.clone());
        Scene {
            p: Pair::new(cc, sc),
            suite,
            log,
            client_hello: Vec::new(),
            server_flight: Vec::new(),
            tap: None,
            client_random: [0; 32],
            server_random: [0; 32],
        }
    }

    /// The standard scene for `point` and `suite`: the server of `pki`
    /// (whose key must suit the suite) with tickets, and client
    /// authentication with a P-256 certificate where the point needs it.
    /// For a renegotiation point both sides allow renegotiation, and the
    /// client keeps no sessions (so the second handshake is a full one).
    pub fn for_point(
        pki: &crate::common::Pki,
        point: Point,
        suite: &'static SupportedSuite,
    ) -> Self {
        Self::for_point_with(pki, point, suite, |_| {})
    }

    /// [`for_point`](Self::for_point), with the client's configuration
    /// edited by `edit_client` first.
    pub fn for_point_with(
        pki: &crate::common::Pki,
        point: Point,
        suite: &'static SupportedSuite,
        edit_client: impl FnOnce(&mut ClientConfig),
    ) -> Self {
        Self::for_point_edited(pki, point, suite, edit_client, |_| {})
    }

    /// [`for_point`](Self::for_point), with the client's and the server's
    /// configurations edited by `edit_client` and `edit_server` first.
    pub fn for_point_edited(
        pki: &crate::common::Pki,
        point: Point,
        suite: &'static SupportedSuite,
        edit_client: impl FnOnce(&mut ClientConfig),
        edit_server: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        use sanstls::config::ClientAuth;
        use sanstls::verify::WebPkiClientVerifier;
        let mut cc = pki.client_config();
        let mut sc = pki.server_config();
        if point.renegotiates() {
            cc.allow_renegotiation = true;
            cc.session_store = None;
            sc.allow_renegotiation = true;
            sc.accept_client_renegotiation = true;
        }
        edit_client(&mut cc);
        edit_server(&mut sc);
        if point.client_auth() {
            let (cert, key) =
                crate::common::leaf(&pki.ca, crate::common::KeyType::P256, &["client"], |p| {
                    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
                });
            cc.set_client_cert(vec![cert], &key).unwrap();
            sc.client_auth =
                ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(Arc::new(pki.roots()))));
        }
        let mut s = Scene::with_suite(cc, sc, suite);
        s.drive_to(point);
        s
    }

    pub fn deliver_to_server(&mut self) -> Result<(), Error> {
        to_server(&mut self.p)
    }

    pub fn deliver_to_client(&mut self) -> Result<(), Error> {
        to_client(&mut self.p)
    }

    /// Drives the handshake until the flight of `point` is on the wire.
    pub fn drive_to(&mut self, point: Point) {
        if point.renegotiates() {
            self.drive_to_renegotiation(point);
        } else {
            self.drive_to_editing_hello(point, |_| {});
        }
    }

    /// The first handshake, then the renegotiation until the flight of
    /// `point` is on the wire; every flight delivered goes past the tap
    /// first.
    fn drive_to_renegotiation(&mut self, point: Point) {
        self.drive_to_editing_hello(Point::TrafficToClient, |_| {});
        self.start_tap();
        if point == Point::RenegHelloRequest {
            self.p.server.renegotiate().unwrap();
            self.p.server.poll_output(&mut self.p.to_client);
            return;
        }
        let mut tap = self.tap.take().expect("tapping");
        self.p.client.renegotiate().unwrap();
        self.p.client.poll_output(&mut self.p.to_server);
        let steps = [
            Point::RenegServerFlight,
            Point::RenegClientFlight,
            Point::RenegServerFinish,
        ];
        let mut to_server = true;
        for next in std::iter::once(Point::RenegClientHello).chain(steps) {
            if next == point {
                break;
            }
            if to_server {
                tap.see(true, &self.p.to_server);
                self.deliver_to_server().unwrap();
                self.p.server.poll_output(&mut self.p.to_client);
            } else {
                tap.see(false, &self.p.to_client);
                self.deliver_to_client().unwrap();
                self.p.client.poll_output(&mut self.p.to_server);
            }
            to_server = !to_server;
        }
        self.tap = Some(tap);
    }

    /// [`drive_to`](Self::drive_to), with the ClientHello's records edited
    /// by `edit` in flight (`client_hello` keeps the message as the client
    /// sent it).
    pub fn drive_to_editing_hello(&mut self, point: Point, edit: impl FnOnce(&mut Vec<u8>)) {
        self.p.client.poll_output(&mut self.p.to_server);
        self.client_random = hello_random(&self.p.to_server);
        self.client_hello = split(&self.p.to_server)[0].1.clone();
        if point == Point::ClientHello {
            return;
        }
        edit(&mut self.p.to_server);
        self.deliver_to_server().unwrap();
        self.p.server.poll_output(&mut self.p.to_client);
        self.server_random = hello_random(&self.p.to_client);
        self.server_flight = self.p.to_client.clone();
        if matches!(point, Point::ServerFlight | Point::ServerFlightCertReq) {
            return;
        }
        self.deliver_to_client().unwrap();
        self.p.client.poll_output(&mut self.p.to_server);
        if matches!(point, Point::ClientFlight | Point::ClientFlightAuth) {
            return;
        }
        self.deliver_to_server().unwrap();
        self.p.server.poll_output(&mut self.p.to_client);
        if point == Point::ServerFinish {
            return;
        }
        self.deliver_to_client().unwrap();
        assert!(!self.p.client.is_handshaking() && !self.p.server.is_handshaking());
        assert!(self.p.to_client.is_empty() && self.p.to_server.is_empty());
    }

    /// Starts following the connection's records ([`Scene::tap`]) from the
    /// end of its first handshake, with nothing in flight.
    pub fn start_tap(&mut self) {
        assert!(!self.p.client.is_handshaking() && !self.p.server.is_handshaking());
        assert!(self.p.to_client.is_empty() && self.p.to_server.is_empty());
        let first = Epoch {
            master: self
                .log
                .latest()
                .expect("the client logged its master secret"),
            client_random: self.client_random,
            server_random: self.server_random,
            etm: agrees_etm(&self.server_flight),
        };
        // Each side's Finished was its record 0 under these keys.
        self.tap = Some(Tap::established(
            self.suite,
            self.log.clone(),
            first,
            [1, 1],
        ));
    }

    /// [`Pair::step`] with every record going past the tap, each once its
    /// receiver has taken it (so that the client has logged the master
    /// secret of a resumed handshake before the server's ChangeCipherSpec
    /// is followed). Events go to the pair's event lists.
    pub fn step_tapped(&mut self) -> (Result<(), Error>, Result<(), Error>) {
        self.step_tapped_inner(None)
    }

    /// [`Scene::step_tapped`], the server's output opened and edited by
    /// `edit_server` first ([`Mitm::edit_sealed`]): a hostile server that
    /// holds the keys adds to its own records. (Nothing the server sent
    /// may be a resumption's flight: its keys are not known before the
    /// client takes its ServerHello.)
    pub fn step_tapped_with(
        &mut self,
        mut edit_server: impl FnMut(&mut Records),
    ) -> (Result<(), Error>, Result<(), Error>) {
        self.step_tapped_inner(Some(&mut edit_server))
    }

    fn step_tapped_inner(
        &mut self,
        edit_server: Option<&mut dyn FnMut(&mut Records)>,
    ) -> (Result<(), Error>, Result<(), Error>) {
        let p = &mut self.p;
        let mut out = Vec::new();
        p.client.poll_output(&mut out);
        p.to_server.extend_from_slice(&out);
        let before = p.to_server.clone();
        let s = crate::common::feed(&mut p.server, &mut p.to_server, p.chunk, &mut p.server_data);
        let taken = before.len() - p.to_server.len();
        let tap = self.tap.as_mut().expect("start_tap first");
        tap.see(true, &before[..taken]);
        while let Some(e) = p.server.poll_event() {
            p.server_events.push(e);
        }
        let mut out = Vec::new();
        p.server.poll_output(&mut out);
        if let (false, Some(edit)) = (out.is_empty(), edit_server) {
            let mut m = self.attacker(false);
            m.wire = out;
            m.edit_sealed(edit);
            out = m.wire;
        }
        let p = &mut self.p;
        p.to_client.extend_from_slice(&out);
        let before = p.to_client.clone();
        let c = crate::common::feed(&mut p.client, &mut p.to_client, p.chunk, &mut p.client_data);
        let taken = before.len() - p.to_client.len();
        let tap = self.tap.as_mut().expect("start_tap first");
        tap.see(false, &before[..taken]);
        while let Some(e) = p.client.poll_event() {
            p.client_events.push(e);
        }
        (c, s)
    }

    /// [`Scene::step_tapped`] until nothing is in flight and neither side
    /// renegotiates, or one fails, or 16 steps went by; returns each
    /// side's first error.
    pub fn settle_tapped(&mut self) -> (Result<(), Error>, Result<(), Error>) {
        let (mut c, mut s) = (Ok(()), Ok(()));
        for _ in 0..16 {
            let (c2, s2) = self.step_tapped();
            c = c.and(c2);
            s = s.and(s2);
            let busy = self.p.client.is_renegotiating()
                || self.p.server.is_renegotiating()
                || self.p.client.has_output()
                || self.p.server.has_output()
                || !self.p.to_client.is_empty()
                || !self.p.to_server.is_empty();
            if !busy || c.is_err() || s.is_err() {
                // One more step lets an alert reach the other side.
                let (c2, s2) = self.step_tapped();
                return (c.and(c2), s.and(s2));
            }
        }
        (c, s)
    }

    /// Puts `recs` on the wire from the client (`from_client`) or the
    /// server, sealed by the tap as that side's next records (whose own
    /// next records then fail to authenticate).
    pub fn forge(&mut self, from_client: bool, recs: &[(u8, Vec<u8>)]) {
        let tap = self.tap.as_mut().expect("start_tap first");
        let sealed = tap.forge(from_client, recs);
        if from_client {
            self.p.to_server.extend_from_slice(&sealed);
        } else {
            self.p.to_client.extend_from_slice(&sealed);
        }
    }

    /// Takes the bytes in flight to one side out for the attacker.
    pub fn intercept(&mut self, to_server: bool) -> Mitm {
        let wire = if to_server {
            core::mem::take(&mut self.p.to_server)
        } else {
            core::mem::take(&mut self.p.to_client)
        };
        let mut m = self.attacker(to_server);
        m.wire = wire;
        m
    }

    /// Puts the attacker's bytes back on the wire.
    pub fn release(&mut self, m: Mitm) {
        if m.from_client {
            self.p.to_server = m.wire;
        } else {
            self.p.to_client = m.wire;
        }
    }

    /// An attacker view of one direction with no bytes taken (for sealing
    /// records to inject after the handshake). Past a renegotiation point
    /// it also knows where that direction's records stand
    /// ([`Mitm::reneg`]), and its own keys are the first handshake's.
    pub fn attacker(&self, from_client: bool) -> Mitm {
        let reneg = self.tap.as_ref().map(|t| t.renegotiating(from_client));
        let master = match &reneg {
            Some(r) => Some(r.old.master),
            None => self.log.latest(),
        };
        Mitm {
            wire: Vec::new(),
            from_client,
            resealed: false,
            injected: Vec::new(),
            etm: agrees_etm(&self.server_flight),
            reneg,
            suite: self.suite,
            client_random: self.client_random,
            server_random: self.server_random,
            master,
        }
    }

    /// Completes a handshake whose ClientHello `edit` changes in flight, as
    /// an attacker who knows the master secret (from the client's key log)
    /// can: it forges each side's Finished for the transcript that side
    /// holds, the client's own ClientHello on one side and the edited one on
    /// the other. This works only while the ClientHello stays out of the
    /// master secret: both configurations must allow a handshake without
    /// the extended master secret, and `edit` must strip it (RFC 7627 §4).
    ///
    /// So a test can show a server accepting a ClientHello our client does
    /// not send (one with an IP address in server_name, or without the
    /// RFC 5746 indication) all the way to application data.
    pub fn complete_with_edited_hello(&mut self, edit: impl Fn(&mut Vec<u8>)) {
        self.drive_to_editing_hello(Point::ClientFlight, &edit);
        let handshake = |wire: &[u8]| -> Vec<Vec<u8>> {
            split(wire)
                .into_iter()
                .take_while(|r| r.0 != CCS)
                .map(|r| r.1)
                .collect()
        };
        let sent_hello = self.client_hello.clone();
        let mut wire = join(&[(crate::common::wire::HANDSHAKE, sent_hello.clone())]);
        edit(&mut wire);
        let edited_hello = split(&wire)[0].1.clone();
        let mut common = handshake(&self.server_flight);

        let mut m = self.intercept(true);
        common.extend(handshake(&m.wire));
        let mut server_view = vec![edited_hello];
        server_view.extend(common.iter().cloned());
        let forged = m.finished(
            true,
            &server_view.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        );
        let mut client_finished = Vec::new();
        m.edit_protected(|r| {
            assert_eq!(r.len(), 1, "only the client's Finished is protected");
            client_finished = core::mem::replace(&mut r[0].1, forged);
        });
        self.release(m);
        self.deliver_to_server().unwrap();
        self.p.server.poll_output(&mut self.p.to_client);

        let mut m = self.intercept(false);
        let mut client_view = vec![sent_hello];
        client_view.extend(common);
        client_view.push(client_finished);
        // A NewSessionTicket goes before the server's ChangeCipherSpec.
        client_view.extend(handshake(&m.wire));
        let forged = m.finished(
            false,
            &client_view.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        );
        m.edit_protected(|r| {
            assert_eq!(r.len(), 1, "only the server's Finished is protected");
            r[0].1 = forged;
        });
        self.release(m);
        self.deliver_to_client().unwrap();
        assert!(!self.p.client.is_handshaking() && !self.p.server.is_handshaking());
    }

    /// With the client's flight on the wire (after [`Point::ClientFlight`]),
    /// plays the end of the handshake in the server's place: the client's
    /// flight goes nowhere, and the client receives a ChangeCipherSpec and a
    /// Finished forged with the master secret it logged, for the transcript
    /// it holds: its ClientHello, `delivered` (the server flight as the
    /// client received it, edits included) and its own flight. The server
    /// must not have promised a ticket. Returns the client's result.
    ///
    /// So a test can show the client completing a handshake with parameters
    /// our server never sends (a custom DH group, a certificate whose key
    /// the server does not hold).
    pub fn finish_as_server(&mut self, delivered: &[u8]) -> Result<(), Error> {
        let handshake = |wire: &[u8]| -> Vec<Vec<u8>> {
            split(wire)
                .into_iter()
                .take_while(|r| r.0 != CCS)
                .map(|r| r.1)
                .collect()
        };
        let from_client = self.intercept(true);
        let recs = split(&from_client.wire);
        let ccs = recs.iter().position(|r| r.0 == CCS).expect("no CCS");
        let client_finished = from_client
            .keys()
            .open(0, recs[ccs + 1].0, &recs[ccs + 1].1)
            .expect("the client's Finished opens with its logged keys");
        let mut transcript = vec![self.client_hello.clone()];
        transcript.extend(handshake(delivered));
        transcript.extend(handshake(&from_client.wire));
        transcript.push(client_finished);
        let mut server = self.attacker(false);
        let finished = server.finished(
            false,
            &transcript.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        );
        server.wire = record(CCS, &[1]);
        server.push_sealed(0, &[(crate::common::wire::HANDSHAKE, finished)]);
        self.release(server);
        self.deliver_to_client()
    }

    /// Shuttles bytes until nothing moves; returns each side's first error
    /// as (client, server).
    pub fn settle(&mut self) -> (Result<(), Error>, Result<(), Error>) {
        settle(&mut self.p)
    }
}
