//! Session resumption in memory (RFC 5246 §7.3 abbreviated handshake by
//! session ID, RFC 5077 tickets, RFC 7627 §5.3 extended master secret
//! rules), the RFC 5705 exporter and the key log hook: when a session is
//! resumed, when it silently falls back to a full handshake, and when
//! resumption is refused with an alert.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::wire::{
    self, client_hello, edit_client_hello, edit_server_hello, exchange_data, expect_client_fails,
    expect_server_fails, split,
};
use common::{at, ca, leaf, tls12, KeyType, Pair, Pki};
use sanstls::config::ClientAuth;
use sanstls::internals::codec::enums::AlertDescription as A;
use sanstls::internals::codec::Codec;
use sanstls::internals::crypto::key_schedule::MasterSecret;
use sanstls::internals::handshake::extensions::{ClientExtension, ServerExtension};
use sanstls::internals::handshake::{HandshakePayload, SessionId};
use sanstls::internals::StoredSession;
use sanstls::keylog::KeyLog;
use sanstls::pki_types::UnixTime;
use sanstls::resumption::store::{
    ClientSessionCache, ClientSessionStore, ServerSessionCache, ServerSessionStore,
};
use sanstls::resumption::ticketer::{TicketProducer, Ticketer};
use sanstls::suites::ALL_SUITES;
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Error, ServerConfig};
use zeroize::Zeroizing;

const T0: u64 = 1_700_000_000;

/// Which resumption mechanism a test exercises: each server config enables
/// exactly one, so a resumption can only have come from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mech {
    Ticket,
    SessionId,
}

const MECHS: [Mech; 2] = [Mech::Ticket, Mech::SessionId];

struct Setup {
    pki: Pki,
    client: ClientConfig,
    server: ServerConfig,
    /// The server's ticketer, kept to rotate its keys.
    ticketer: Arc<Ticketer>,
    /// The server's session-ID cache.
    cache: Arc<ServerSessionCache>,
    /// The client's session store.
    store: Arc<ClientSessionCache>,
}

impl Setup {
    fn new(mech: Mech) -> Self {
        Self::with_pki(mech, Pki::new(KeyType::P256))
    }

    fn with_pki(mech: Mech, pki: Pki) -> Self {
        let ticketer = Arc::new(Ticketer::new(3600));
        let cache = Arc::new(ServerSessionCache::new(16));
        let store = Arc::new(ClientSessionCache::new(16));
        let mut server = pki.server_config();
        let mut client = pki.client_config();
        match mech {
            Mech::Ticket => {
                server.ticketer = Some(ticketer.clone());
                server.session_store = None;
            }
            Mech::SessionId => {
                server.ticketer = None;
                server.session_store = Some(cache.clone());
                client.enable_tickets = false;
            }
        }
        client.session_store = Some(store.clone());
        let mut s = Setup {
            pki,
            client,
            server,
            ticketer,
            cache,
            store,
        };
        s.set_time(T0);
        s
    }

    /// Both sides' clocks.
    fn set_time(&mut self, secs: u64) {
        self.client.time = at(secs);
        self.server.time = at(secs);
    }

    fn pair(&self) -> Pair {
        Pair::new(self.client.clone(), self.server.clone())
    }

    fn connect(&self) -> Pair {
        let mut p = self.pair();
        p.expect_handshake();
        p
    }
}

#[track_caller]
fn assert_resumed(p: &Pair, resumed: bool) {
    let c = p.client.negotiated().unwrap();
    let s = p.server.negotiated().unwrap();
    assert_eq!(c.resumed, resumed, "client resumed");
    assert_eq!(s.resumed, resumed, "server resumed");
    // No key exchange runs on a resumed session.
    assert_eq!(c.group.is_none(), resumed);
    assert_eq!(s.signature_scheme.is_none(), resumed);
}

/// What the ClientHello on `to_server` offers: (ticket, session ID).
fn offered(p: &Pair) -> (Option<Vec<u8>>, SessionId) {
    let recs = split(&p.to_server);
    let HandshakePayload::ClientHello(ch) = HandshakePayload::read(&recs[0].1).unwrap() else {
        panic!("not a ClientHello");
    };
    (ch.session_ticket().map(|t| t.to_vec()), ch.session_id)
}

/// Whether the ClientHello on `to_server` offers a session to resume.
fn offers_a_session(p: &Pair, mech: Mech) -> bool {
    let (ticket, id) = offered(p);
    match mech {
        Mech::Ticket => ticket.is_some_and(|t| !t.is_empty()),
        Mech::SessionId => !id.is_empty(),
    }
}

// ---- resumption that works ----

#[test]
fn resumption_by_ticket_and_by_session_id() {
    for mech in MECHS {
        let s = Setup::new(mech);
        let first = s.connect();
        assert_resumed(&first, false);
        assert_eq!(
            first.client.negotiated().unwrap().peer_certificates,
            s.pki.chain
        );

        let mut second = s.pair();
        client_hello(&mut second);
        assert!(offers_a_session(&second, mech), "{mech:?}");
        second.expect_handshake();
        assert_resumed(&second, true);
        let (c, sv) = (
            second.client.negotiated().unwrap(),
            second.server.negotiated().unwrap(),
        );
        assert_eq!(c.peer_certificates, s.pki.chain, "{mech:?}");
        assert!(sv.peer_certificates.is_empty());
        assert_eq!(c.suite, first.client.negotiated().unwrap().suite);
        assert_eq!(sv.suite, c.suite);
        assert!(c.extended_master_secret && sv.extended_master_secret);
        assert_eq!(c.server_name.as_deref(), Some("localhost"));
        exchange_data(&mut second, b"resumed data");

        // And again: a resumed session can be resumed.
        let mut third = s.connect();
        assert_resumed(&third, true);
        exchange_data(&mut third, b"third");
    }
}

/// A client store that counts its writes.
#[derive(Debug)]
struct CountingStore {
    inner: ClientSessionCache,
    puts: std::sync::atomic::AtomicUsize,
}

impl CountingStore {
    fn new() -> Self {
        CountingStore {
            inner: ClientSessionCache::new(4),
            puts: Default::default(),
        }
    }
    fn puts(&self) -> usize {
        self.puts.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl ClientSessionStore for CountingStore {
    fn put(&self, name: &str, session: Vec<u8>) {
        self.puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.put(name, session);
    }
    fn get(&self, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.inner.get(name)
    }
    fn remove(&self, name: &str) {
        self.inner.remove(name);
    }
}

#[test]
fn resumption_by_session_id_leaves_the_stored_session_alone() {
    // Nothing about the session changes when it is resumed by ID, so the
    // client does not write it again; it still resumes next time.
    let mut s = Setup::new(Mech::SessionId);
    let store = Arc::new(CountingStore::new());
    s.client.session_store = Some(store.clone());
    assert_resumed(&s.connect(), false);
    assert_eq!(store.puts(), 1);
    for _ in 0..2 {
        assert_resumed(&s.connect(), true);
        assert_eq!(store.puts(), 1);
    }
}

/// Opens tickets with a real [`Ticketer`], but issues new ones only while
/// `issue` is set: a server that resumes without renewing the ticket.
#[derive(Debug)]
struct NoRenewal {
    inner: Ticketer,
    issue: std::sync::atomic::AtomicBool,
}

impl TicketProducer for NoRenewal {
    fn lifetime(&self) -> u32 {
        self.inner.lifetime()
    }
    fn encrypt(&self, plain: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        if self.issue.load(std::sync::atomic::Ordering::SeqCst) {
            self.inner.encrypt(plain, now)
        } else {
            None
        }
    }
    fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Zeroizing<Vec<u8>>> {
        self.inner.decrypt(ticket, now)
    }
}

#[test]
fn ticket_not_renewed_stays_in_use() {
    // RFC 5077 §3.4: the server MAY renew the ticket. When it resumes
    // without a new one (here: an empty NewSessionTicket), the old ticket
    // is still good and the client keeps offering it.
    let mut s = Setup::new(Mech::Ticket);
    let producer = Arc::new(NoRenewal {
        inner: Ticketer::new(3600),
        issue: true.into(),
    });
    s.server.ticketer = Some(producer.clone());
    assert_resumed(&s.connect(), false);
    let first = s.store.get("localhost").unwrap();
    producer
        .issue
        .store(false, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..2 {
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, Mech::Ticket));
        p.expect_handshake();
        assert_resumed(&p, true);
        assert_eq!(s.store.get("localhost").unwrap(), first);
    }
}

#[test]
fn rotated_ticket_keys_leave_no_session_id_fallback() {
    // Both mechanisms on (the default server config): the ticket resumes;
    // with the ticketer's keys gone, the client has no session ID to fall
    // back on (RFC 5077 §3.4: with a ticket it sends a made-up one), so the
    // server's session-ID cache does not resume it either.
    let pki = Pki::new(KeyType::P256);
    let ticketer = Arc::new(Ticketer::new(3600));
    let mut server = pki.server_config();
    server.ticketer = Some(ticketer.clone());
    let client = pki.client_config();
    Pair::new(client.clone(), server.clone()).expect_handshake();
    let mut p = Pair::new(client.clone(), server.clone());
    p.expect_handshake();
    assert_resumed(&p, true);
    ticketer.rotate(UnixTime::now());
    ticketer.rotate(UnixTime::now());
    let mut p = Pair::new(client, server);
    p.expect_handshake();
    assert_resumed(&p, false);
}

fn client_auth_setup(mech: Mech) -> Setup {
    let mut s = Setup::new(mech);
    let client_ca = ca("sanstls client CA");
    let (cert, key) = leaf(&client_ca, KeyType::Ed25519, &["client"], |p| {
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    });
    let mut roots = RootCertStore::new();
    roots.add(client_ca.der().clone()).unwrap();
    s.server.client_auth =
        ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(Arc::new(roots))));
    s.client.set_client_cert(vec![cert], &key).unwrap();
    s
}

#[test]
fn resumption_keeps_the_client_certificate() {
    for mech in MECHS {
        let s = client_auth_setup(mech);
        let first = s.connect();
        let client_chain = first.server.negotiated().unwrap().peer_certificates.clone();
        assert_eq!(client_chain.len(), 1);
        let mut second = s.connect();
        assert_resumed(&second, true);
        assert_eq!(
            second.server.negotiated().unwrap().peer_certificates,
            client_chain,
            "{mech:?}"
        );
        assert_eq!(
            second.client.negotiated().unwrap().peer_certificates,
            s.pki.chain
        );
        exchange_data(&mut second, b"still you");
    }
}

#[test]
fn session_without_client_certificate_is_not_resumed_when_one_is_now_required() {
    // Made under optional client auth without a certificate, then the server
    // requires one: resuming would skip authentication, so a full handshake
    // runs (and fails, the client having no certificate).
    for mech in MECHS {
        let mut s = client_auth_setup(mech);
        let ClientAuth::Required(v) = s.server.client_auth.clone() else {
            unreachable!()
        };
        s.client.client_cert_resolver = None;
        s.server.client_auth = ClientAuth::Optional(v.clone());
        let first = s.connect();
        assert!(first
            .server
            .negotiated()
            .unwrap()
            .peer_certificates
            .is_empty());
        s.server.client_auth = ClientAuth::Required(v);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech));
        expect_server_fails(
            &mut p,
            Error::HandshakeFailure("client certificate required"),
            A::HANDSHAKE_FAILURE,
        );
    }
}

// ---- falling back to a full handshake ----

#[test]
fn ticket_from_a_rotated_out_key() {
    let s = Setup::new(Mech::Ticket);
    s.connect();
    // One rotation: the ticket's key is now the previous key and still opens.
    s.ticketer
        .rotate(UnixTime::since_unix_epoch(Duration::from_secs(T0)));
    let p = s.connect();
    assert_resumed(&p, true);
    // The resumption above issued a new ticket under the new key; two more
    // rotations retire that key too.
    s.ticketer
        .rotate(UnixTime::since_unix_epoch(Duration::from_secs(T0)));
    s.ticketer
        .rotate(UnixTime::since_unix_epoch(Duration::from_secs(T0)));
    let mut p = s.pair();
    client_hello(&mut p);
    assert!(offers_a_session(&p, Mech::Ticket));
    p.expect_handshake();
    assert_resumed(&p, false);
    exchange_data(&mut p, b"full again");
    // The full handshake issued a fresh ticket, which resumes.
    assert_resumed(&s.connect(), true);
}

#[test]
fn ticket_tampered_in_the_client_store() {
    let s = Setup::new(Mech::Ticket);
    s.connect();
    let bytes = s.store.get("localhost").unwrap();
    let mut session = StoredSession::from_bytes(&bytes).unwrap();
    assert!(!session.ticket.is_empty());
    let mid = session.ticket.len() / 2;
    session.ticket[mid] ^= 0x01;
    s.store.put("localhost", session.encode_secret().to_vec());

    let mut p = s.pair();
    client_hello(&mut p);
    assert!(offers_a_session(&p, Mech::Ticket));
    p.expect_handshake();
    assert_resumed(&p, false);
    exchange_data(&mut p, b"full");
}

#[test]
fn ticket_tampered_in_flight() {
    // The server cannot open the ticket and answers with a full handshake
    // (its flight carries a Certificate). The edit also changed the
    // ClientHello both sides hash, so with EMS the two sides derive
    // different master secrets: the client's Finished fails to decrypt.
    let s = Setup::new(Mech::Ticket);
    s.connect();
    let mut p = s.pair();
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::SessionTicket(t) = e {
                assert!(!t.is_empty());
                let mut flipped = t.to_vec();
                flipped[20] ^= 0x01;
                *t = flipped.leak();
            }
        }
    });
    wire::to_server(&mut p).unwrap();
    p.server.poll_output(&mut p.to_client);
    let flight = wire::plaintext_messages(&p.to_client);
    assert!(
        matches!(flight[1], HandshakePayload::Certificate(_)),
        "full handshake expected"
    );
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn session_expired_on_the_server() {
    // The server's lifetime (60 s) is shorter than the client's (the ticket
    // hint, or the default for session IDs): the client still offers the
    // session, the server refuses it.
    for mech in MECHS {
        let mut s = Setup::new(mech);
        s.server.session_lifetime = 60;
        s.connect();
        s.set_time(T0 + 59);
        assert_resumed(&s.connect(), true);
        s.set_time(T0 + 60);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        assert_resumed(&p, false);
        exchange_data(&mut p, b"full");
    }
}

#[test]
fn session_expired_on_the_client() {
    // Past the client's lifetime (the ticket's 3600 s hint; two hours for a
    // session ID) the client offers nothing.
    for (mech, lifetime) in [(Mech::Ticket, 3600), (Mech::SessionId, 7200)] {
        let mut s = Setup::new(mech);
        s.server.session_lifetime = 100_000;
        s.connect();
        s.set_time(T0 + lifetime - 1);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        s.set_time(T0 + lifetime);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(!offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        assert_resumed(&p, false);
    }
}

#[test]
fn session_id_cache_eviction() {
    let mut s = Setup::new(Mech::SessionId);
    s.cache = Arc::new(ServerSessionCache::new(1));
    s.server.session_store = Some(s.cache.clone());
    let mut a = s.client.clone();
    a.session_store = Some(Arc::new(ClientSessionCache::new(4)));
    let mut b = s.client.clone();
    b.session_store = Some(Arc::new(ClientSessionCache::new(4)));
    let connect = |cc: &ClientConfig| {
        let mut p = Pair::new(cc.clone(), s.server.clone());
        p.expect_handshake();
        p
    };
    assert_resumed(&connect(&a), false);
    assert_resumed(&connect(&b), false); // evicts a's session
    assert_eq!(s.cache.len(), 1);
    assert_resumed(&connect(&b), true);
    let mut p = Pair::new(a.clone(), s.server.clone());
    client_hello(&mut p);
    assert!(offers_a_session(&p, Mech::SessionId));
    p.expect_handshake();
    assert_resumed(&p, false);
    // a's new session evicted b's.
    assert_resumed(&connect(&b), false);
}

/// A client store that ignores the server name, so a session made with one
/// name is offered to another and the server's SNI check is what decides.
#[derive(Debug, Default)]
struct OneSlot(Mutex<Option<Vec<u8>>>);

impl ClientSessionStore for OneSlot {
    fn put(&self, _: &str, session: Vec<u8>) {
        *self.0.lock().unwrap() = Some(session);
    }
    fn get(&self, _: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.0.lock().unwrap().clone().map(Zeroizing::new)
    }
    fn remove(&self, _: &str) {
        *self.0.lock().unwrap() = None;
    }
}

#[test]
fn different_server_name() {
    for mech in MECHS {
        let pki = Pki::with_names(KeyType::P256, &["localhost", "other.test"]);
        // The default store is keyed by name: nothing is offered to another.
        let s = Setup::with_pki(mech, pki);
        s.connect();
        let mut p = Pair::with_name(s.client.clone(), s.server.clone(), "other.test");
        client_hello(&mut p);
        assert!(!offers_a_session(&p, mech));
        p.expect_handshake();
        assert_resumed(&p, false);

        // A store that offers it anyway: the server refuses (RFC 6066 §3).
        let mut client = s.client.clone();
        client.session_store = Some(Arc::new(OneSlot::default()));
        Pair::new(client.clone(), s.server.clone()).expect_handshake();
        let mut p = Pair::with_name(client.clone(), s.server.clone(), "other.test");
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        assert_resumed(&p, false);
        assert_eq!(
            p.server.negotiated().unwrap().server_name.as_deref(),
            Some("other.test")
        );
        // The same name resumes through the same store.
        let p = Pair::with_name(client, s.server.clone(), "other.test");
        let mut p = p;
        p.expect_handshake();
        assert_resumed(&p, true);
    }
}

#[test]
fn suite_no_longer_offered_by_the_client() {
    for mech in MECHS {
        let mut s = Setup::new(mech);
        let first = s.connect();
        let suite = first.client.negotiated().unwrap().suite;
        s.client.suites.retain(|x| x.suite != suite.suite);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(!offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        assert_resumed(&p, false);
        assert_ne!(p.client.negotiated().unwrap().suite, suite);
    }
}

#[test]
fn suite_no_longer_accepted_by_the_server() {
    for mech in MECHS {
        let mut s = Setup::new(mech);
        let first = s.connect();
        let suite = first.client.negotiated().unwrap().suite;
        s.server.suites.retain(|x| x.suite != suite.suite);
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech), "{mech:?}");
        p.expect_handshake();
        assert_resumed(&p, false);
        assert_ne!(p.server.negotiated().unwrap().suite, suite);
    }
}

#[test]
fn never_resumed_without_a_client_session_store() {
    for mech in MECHS {
        let mut s = Setup::new(mech);
        s.client.session_store = None;
        for _ in 0..3 {
            let mut p = s.pair();
            client_hello(&mut p);
            assert!(!offers_a_session(&p, mech));
            p.expect_handshake();
            assert_resumed(&p, false);
        }
    }
}

// ---- the extended master secret (RFC 7627 §5.3) ----

/// The master secret of the session [`plant_session`] makes up.
const PLANTED_MASTER: [u8; 48] = [0x42; 48];

/// Puts the same made-up session into the server's cache and the client's
/// store under one session ID.
fn plant_session(s: &Setup, ems: bool) {
    let id = SessionId::new(&[0x5a; 32]).unwrap();
    let session = |peer_certificate, session_id| StoredSession {
        suite: ALL_SUITES[0].suite,
        master: MasterSecret::from_bytes(PLANTED_MASTER),
        extended_master_secret: ems,
        encrypt_then_mac: false,
        server_name: Some("localhost".into()),
        peer_certificate,
        created: T0,
        lifetime: 3600,
        session_id,
        ticket: Vec::new(),
    };
    s.cache.put(
        id.as_ref(),
        session(None, SessionId::empty()).encode_secret().to_vec(),
    );
    s.store.put(
        "localhost",
        session(s.pki.chain.first().cloned(), id)
            .encode_secret()
            .to_vec(),
    );
}

#[test]
fn planted_session_with_ems_resumes() {
    // The control for the next test: the planted session is a valid one.
    let mut s = Setup::new(Mech::SessionId);
    s.client.require_extended_master_secret = false;
    plant_session(&s, true);
    let mut p = s.connect();
    assert_resumed(&p, true);
    assert!(p.client.negotiated().unwrap().extended_master_secret);
    exchange_data(&mut p, b"planted");
}

#[test]
fn session_without_ems_is_not_resumed_by_a_client_offering_ems() {
    // RFC 7627 §5.3: a session without EMS is not resumed when the new
    // hello offers EMS; the server runs a full handshake (with EMS).
    let mut s = Setup::new(Mech::SessionId);
    s.client.require_extended_master_secret = false;
    s.server.require_extended_master_secret = false;
    plant_session(&s, false);
    let mut p = s.pair();
    client_hello(&mut p);
    assert!(offers_a_session(&p, Mech::SessionId));
    p.expect_handshake();
    assert_resumed(&p, false);
    assert!(p.client.negotiated().unwrap().extended_master_secret);
    assert!(p.server.negotiated().unwrap().extended_master_secret);
}

#[test]
fn client_requiring_ems_does_not_offer_a_session_without_it() {
    let s = Setup::new(Mech::SessionId);
    plant_session(&s, false);
    let mut p = s.pair();
    client_hello(&mut p);
    assert!(!offers_a_session(&p, Mech::SessionId));
    p.expect_handshake();
    assert_resumed(&p, false);
}

#[test]
fn ems_session_resumed_without_ems_is_aborted() {
    // RFC 7627 §5.3: "If the original session used the extension but the
    // new ClientHello does not contain it, the server MUST abort the
    // abbreviated handshake."
    for mech in MECHS {
        let mut s = Setup::new(mech);
        s.server.require_extended_master_secret = false;
        s.connect();
        let mut p = s.pair();
        client_hello(&mut p);
        assert!(offers_a_session(&p, mech));
        edit_client_hello(&mut p.to_server, |ch| {
            ch.extensions
                .retain(|e| *e != ClientExtension::ExtendedMasterSecret);
        });
        expect_server_fails(
            &mut p,
            Error::HandshakeFailure(
                "resumption without the extended master secret of the original session",
            ),
            A::HANDSHAKE_FAILURE,
        );
    }
}

#[test]
fn server_dropping_ems_when_resuming_is_refused() {
    // The client side of RFC 7627 §5.3: the server resumed an EMS session
    // but its ServerHello lacks the extension.
    for mech in MECHS {
        let s = Setup::new(mech);
        s.connect();
        let mut p = s.pair();
        wire::server_flight(&mut p);
        edit_server_hello(&mut p.to_client, |sh| {
            assert!(sh.has_ems());
            sh.extensions
                .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
        });
        expect_client_fails(
            &mut p,
            Error::HandshakeFailure("resumption changed the extended master secret state"),
            A::HANDSHAKE_FAILURE,
        );
    }
}

#[test]
fn tickets_are_sealed_with_the_configured_producer() {
    // A session planted as a ticket sealed by the server's Ticketer resumes:
    // the server keeps no per-session state for tickets.
    let s = Setup::new(Mech::Ticket);
    let plain = StoredSession {
        suite: ALL_SUITES[0].suite,
        master: MasterSecret::from_bytes([0x24; 48]),
        extended_master_secret: true,
        encrypt_then_mac: false,
        server_name: Some("localhost".into()),
        peer_certificate: None,
        created: T0,
        lifetime: 3600,
        session_id: SessionId::empty(),
        ticket: Vec::new(),
    };
    let now = UnixTime::since_unix_epoch(Duration::from_secs(T0));
    let ticket = s.ticketer.encrypt(&plain.encode_secret(), now).unwrap();
    let client_side = StoredSession {
        master: MasterSecret::from_bytes([0x24; 48]),
        peer_certificate: s.pki.chain.first().cloned(),
        ticket,
        ..plain
    };
    s.store
        .put("localhost", client_side.encode_secret().to_vec());
    let mut p = s.connect();
    assert_resumed(&p, true);
    exchange_data(&mut p, b"planted ticket");
}

// ---- exporter (RFC 5705) ----

fn export(conn: &sanstls::Connection, label: &[u8], context: Option<&[u8]>) -> [u8; 32] {
    let mut out = [0u8; 32];
    conn.export_keying_material(label, context, &mut out)
        .unwrap();
    out
}

#[test]
fn exporter() {
    for mech in MECHS {
        let s = Setup::new(mech);
        let mut p = s.pair();
        let mut out = [0u8; 32];
        assert_eq!(
            p.client
                .export_keying_material(b"EXPERIMENTAL x", None, &mut out),
            Err(Error::HandshakeNotComplete)
        );
        assert_eq!(
            p.server
                .export_keying_material(b"EXPERIMENTAL x", None, &mut out),
            Err(Error::HandshakeNotComplete)
        );
        p.expect_handshake();
        let full = export(&p.client, b"EXPERIMENTAL a", Some(b"ctx"));
        assert_eq!(full, export(&p.server, b"EXPERIMENTAL a", Some(b"ctx")));
        assert_ne!(full, [0u8; 32]);
        assert_ne!(full, export(&p.client, b"EXPERIMENTAL b", Some(b"ctx")));
        assert_ne!(full, export(&p.client, b"EXPERIMENTAL a", Some(b"ctx2")));
        // RFC 5705 §4: no context and an empty context differ.
        let none = export(&p.client, b"EXPERIMENTAL a", None);
        assert_eq!(none, export(&p.server, b"EXPERIMENTAL a", None));
        assert_ne!(none, export(&p.client, b"EXPERIMENTAL a", Some(b"")));

        // A resumed connection exports its own keys (new randoms).
        let r = s.connect();
        assert_resumed(&r, true);
        let resumed = export(&r.client, b"EXPERIMENTAL a", Some(b"ctx"));
        assert_eq!(resumed, export(&r.server, b"EXPERIMENTAL a", Some(b"ctx")));
        assert_ne!(resumed, full);
    }
}

#[test]
fn exporter_refused_without_ems() {
    // Our client always offers EMS, so a session without it is made by
    // hand: a planted non-EMS session (master secret known to the test),
    // resumed by a ClientHello with EMS stripped, and the client side of the
    // abbreviated handshake (CCS, Finished over the edited transcript)
    // written with the tests' own key schedule and record protection
    // (tests/common/tls12.rs), which also opens and checks the server's
    // Finished.
    let mut s = Setup::new(Mech::SessionId);
    s.client.require_extended_master_secret = false;
    s.server.require_extended_master_secret = false;
    plant_session(&s, false);
    let master = PLANTED_MASTER;
    let suite = &ALL_SUITES[0];

    let mut p = s.pair();
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| {
        ch.extensions
            .retain(|e| *e != ClientExtension::ExtendedMasterSecret);
    });
    let client_hello_msg = split(&p.to_server)[0].1.clone();
    let HandshakePayload::ClientHello(ch) = HandshakePayload::read(&client_hello_msg).unwrap()
    else {
        unreachable!()
    };
    wire::to_server(&mut p).unwrap();
    p.server.poll_output(&mut p.to_client);
    let recs = split(&p.to_client);
    let HandshakePayload::ServerHello(sh) = HandshakePayload::read(&recs[0].1).unwrap() else {
        panic!("no ServerHello")
    };
    assert_eq!(sh.session_id, ch.session_id, "the server resumes");
    assert!(!sh.has_ems());
    assert_eq!(recs[1].0, wire::CCS);

    let finished = |verify_data: [u8; 12]| [&[wire::FINISHED, 0, 0, 12][..], &verify_data].concat();
    let keys = tls12::KeyBlock::new(suite, &master, &ch.random.0, &sh.random.0);
    let server_fin = keys
        .server
        .open(0, wire::HANDSHAKE, &recs[2].1)
        .expect("the server's Finished opens with the planted session's keys");
    let transcript = tls12::transcript_hash(suite.hash, &[&client_hello_msg, &recs[0].1]);
    assert_eq!(
        server_fin,
        finished(tls12::verify_data(suite.hash, &master, false, &transcript))
    );
    let transcript =
        tls12::transcript_hash(suite.hash, &[&client_hello_msg, &recs[0].1, &server_fin]);
    let client_fin = finished(tls12::verify_data(suite.hash, &master, true, &transcript));
    let mut flight = wire::join(&[(wire::CCS, vec![1])]);
    flight.extend_from_slice(&keys.client.seal(0, wire::HANDSHAKE, &client_fin));
    p.to_server = flight;
    wire::to_server(&mut p).unwrap();
    let n = p.server.negotiated().expect("server completed").clone();
    assert!(n.resumed);
    assert!(!n.extended_master_secret);
    let mut out = [0u8; 32];
    assert_eq!(
        p.server
            .export_keying_material(b"EXPERIMENTAL a", None, &mut out),
        Err(Error::Config(sanstls::ConfigError::Invalid(
            "exporter requires the extended master secret"
        )))
    );
    // A refusal is a caller error: the connection goes on.
    assert!(p.server.error().is_none());
    let mut wire_out = Vec::new();
    p.server.send(b"still up", &mut wire_out).unwrap();
}

#[test]
fn exporter_after_a_failed_handshake() {
    // A connection that failed never completed: nothing to export.
    let s = Setup::new(Mech::Ticket);
    s.connect();
    let mut p = s.pair();
    wire::server_flight(&mut p);
    edit_server_hello(&mut p.to_client, |sh| {
        sh.extensions
            .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
    });
    let _ = wire::settle(&mut p);
    let mut out = [0u8; 16];
    assert!(p
        .client
        .export_keying_material(b"x", None, &mut out)
        .is_err());
    assert!(p
        .server
        .export_keying_material(b"x", None, &mut out)
        .is_err());
}

// ---- key log ----

#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(sanstls::keylog::format_line(label, client_random, secret));
    }
}

impl Lines {
    fn take(&self) -> Vec<String> {
        core::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[test]
fn key_log_lines() {
    for mech in MECHS {
        let mut s = Setup::new(mech);
        let (cl, sl) = (Arc::new(Lines::default()), Arc::new(Lines::default()));
        s.client.key_log = Some(cl.clone());
        s.server.key_log = Some(sl.clone());

        let p = s.connect();
        let (c, sv) = (cl.take(), sl.take());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c, sv);
        let fields: Vec<&str> = c[0].split(' ').collect();
        assert_eq!(fields[0], "CLIENT_RANDOM");
        assert_eq!(fields[1].len(), 64);
        assert_eq!(fields[2].len(), 96);
        assert_resumed(&p, false);

        // Resumed: one line each again, a new client random, the same master.
        let p = s.connect();
        assert_resumed(&p, true);
        let (c2, sv2) = (cl.take(), sl.take());
        assert_eq!(c2.len(), 1, "{c2:?}");
        assert_eq!(c2, sv2);
        let fields2: Vec<&str> = c2[0].split(' ').collect();
        assert_ne!(fields2[1], fields[1]);
        assert_eq!(fields2[2], fields[2]);

        // A resumption the client refuses at its ServerHello: the server
        // logged the (resumed) master secret when it answered, the client
        // never derived keys and logged nothing.
        let mut p = s.pair();
        wire::server_flight(&mut p);
        edit_server_hello(&mut p.to_client, |sh| {
            sh.extensions
                .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
        });
        let _ = wire::settle(&mut p);
        assert!(p.client.error().is_some());
        assert!(cl.take().is_empty());
        let sv3 = sl.take();
        assert_eq!(sv3.len(), 1);
        assert_eq!(sv3[0].split(' ').nth(2), Some(fields[2]));
    }
}
