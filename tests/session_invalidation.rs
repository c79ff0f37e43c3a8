//! Who may make a connection forget a session (RFC 5246 §7.2: a fatal alert
//! invalidates the session of the connection it ends).
//!
//! A connection stands for a stored session only once its peer proved it
//! holds that session's master secret, by a Finished that verified. Before
//! that, a fatal alert must leave every stored session alone: otherwise
//! anyone who saw a session ID on the wire could evict it by replaying the
//! ID in a ClientHello and then failing the handshake, and a network
//! attacker could wipe a client's stored session by answering its
//! ClientHello with an alert.

mod common;

use std::sync::Arc;

use common::wire::{self, client_flight, client_hello, edit_client_hello, server_flight, split};
use common::{KeyType, Pair, Pki};
use sanstls::enums::AlertDescription;
use sanstls::internals::handshake::{HandshakePayload, SessionId};
use sanstls::resumption::store::{ClientSessionCache, ServerSessionCache, ServerSessionStore};
use sanstls::resumption::ticketer::Ticketer;
use sanstls::{ClientConfig, Error, ServerConfig};

/// A fatal handshake_failure alert record, as an attacker sends it in the
/// clear during a handshake.
const FATAL_ALERT: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

/// The session ID in the ServerHello on `wire`.
fn server_hello_id(wire: &[u8]) -> SessionId {
    let recs = split(wire);
    match HandshakePayload::read(&recs[0].1).unwrap() {
        HandshakePayload::ServerHello(sh) => sh.session_id,
        other => panic!("not a ServerHello: {other:?}"),
    }
}

/// A server with a session-ID cache (and, if `tickets`, a ticketer), and a
/// client with its own session store; tickets off on the client unless
/// asked for.
fn configs(pki: &Pki, tickets: bool) -> (ClientConfig, ServerConfig, Arc<ServerSessionCache>) {
    let cache = Arc::new(ServerSessionCache::new(16));
    let mut server = pki.server_config();
    server.session_store = Some(cache.clone());
    server.ticketer = tickets.then(|| Arc::new(Ticketer::new(3600)) as _);
    let mut client = pki.client_config();
    client.session_store = Some(Arc::new(ClientSessionCache::new(16)));
    client.enable_tickets = tickets;
    (client, server, cache)
}

/// A full handshake; returns the session ID the server cached it under.
fn full_handshake(client: &ClientConfig, server: &ServerConfig) -> SessionId {
    let mut p = Pair::new(client.clone(), server.clone());
    server_flight(&mut p);
    let id = server_hello_id(&p.to_client);
    p.expect_handshake();
    assert!(!p.server.negotiated().unwrap().resumed);
    assert!(!id.is_empty());
    id
}

/// Whether a new connection of `client` resumes.
fn resumes(client: &ClientConfig, server: &ServerConfig) -> bool {
    let mut p = Pair::new(client.clone(), server.clone());
    p.expect_handshake();
    p.server.negotiated().unwrap().resumed
}

/// Someone replays a cached session's ID in a ClientHello (here: the
/// owner's own ClientHello, as seen on the wire), the server resumes, and
/// then they send a fatal alert instead of a Finished they cannot compute.
/// The session stays cached.
#[test]
fn replayed_session_id_then_fatal_alert_does_not_evict() {
    let pki = Pki::new(KeyType::P256);
    let (client, server, cache) = configs(&pki, false);
    let id = full_handshake(&client, &server);

    let mut p = Pair::new(client.clone(), server.clone());
    server_flight(&mut p);
    assert_eq!(server_hello_id(&p.to_client), id, "the server resumes");
    p.to_server = FATAL_ALERT.to_vec();
    assert_eq!(
        wire::to_server(&mut p),
        Err(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );

    assert!(cache.get(id.as_ref()).is_some(), "session evicted");
    assert!(resumes(&client, &server));
}

/// The same with a Finished that does not verify: the server fails the
/// handshake itself (decrypt_error), and still keeps the session.
#[test]
fn resumption_failing_at_finished_does_not_evict() {
    let pki = Pki::new(KeyType::P256);
    let (client, server, cache) = configs(&pki, false);
    let id = full_handshake(&client, &server);

    let mut p = Pair::new(client.clone(), server.clone());
    client_flight(&mut p);
    // The client's ChangeCipherSpec, then its encrypted Finished with a
    // flipped bit: the record fails authentication.
    wire::flip_in_last_record(&mut p.to_server);
    assert_eq!(wire::to_server(&mut p), Err(Error::BadRecordMac));

    assert!(cache.get(id.as_ref()).is_some(), "session evicted");
    assert!(resumes(&client, &server));
}

/// A server with both a cache and tickets resumes by ticket and echoes the
/// session ID the client put beside it (RFC 5077 §3.4). An attacker who
/// replays someone's ticket with *another* client's cached session ID, then
/// fails, must not evict that other session: nothing server-side is tied to
/// a ticket resumption's session ID.
#[test]
fn ticket_resumption_with_a_victims_session_id_does_not_evict_it() {
    let pki = Pki::new(KeyType::P256);
    let (victim, server, cache) = configs(&pki, true);
    let mut victim = victim;
    victim.enable_tickets = false;
    let victim_id = full_handshake(&victim, &server);

    let (ticket_client, _, _) = configs(&pki, true);
    full_handshake(&ticket_client, &server);

    let mut p = Pair::new(ticket_client.clone(), server.clone());
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| ch.session_id = victim_id);
    wire::to_server(&mut p).unwrap();
    p.server.poll_output(&mut p.to_client);
    assert_eq!(
        server_hello_id(&p.to_client),
        victim_id,
        "the server resumes by ticket, echoing the ID"
    );
    p.to_server = FATAL_ALERT.to_vec();
    assert!(wire::to_server(&mut p).is_err());

    assert!(cache.get(victim_id.as_ref()).is_some(), "victim evicted");
    assert!(resumes(&victim, &server));
}

/// A network attacker answers a client's resumption attempt with a fatal
/// alert: the client keeps its stored session.
#[test]
fn alert_before_the_servers_finished_keeps_the_clients_session() {
    let pki = Pki::new(KeyType::P256);
    for tickets in [false, true] {
        let (client, server, _) = configs(&pki, tickets);
        full_handshake(&client, &server);
        let store = client.session_store.clone().unwrap();
        assert!(store.get("localhost").is_some());

        let mut p = Pair::new(client.clone(), server.clone());
        client_hello(&mut p);
        p.to_server.clear();
        p.to_client = FATAL_ALERT.to_vec();
        assert!(wire::to_client(&mut p).is_err());

        assert!(
            store.get("localhost").is_some(),
            "stored session dropped (tickets: {tickets})"
        );
        assert!(resumes(&client, &server), "tickets: {tickets}");
    }
}

/// Once the peer's Finished verified, the connection does stand for the
/// session: a fatal alert after that still invalidates it, on both sides,
/// for a resumed session by ID (the companion of the tests above, which
/// must not have made sessions immortal).
#[test]
fn fatal_alert_after_a_verified_resumption_invalidates() {
    let pki = Pki::new(KeyType::P256);
    let (client, server, cache) = configs(&pki, false);
    let id = full_handshake(&client, &server);

    let mut p = Pair::new(client.clone(), server.clone());
    p.expect_handshake();
    assert!(p.server.negotiated().unwrap().resumed);
    let mut record = Vec::new();
    p.client.send(b"x", &mut record).unwrap();
    let last = record.len() - 1;
    record[last] ^= 1;
    p.to_server = record;
    assert_eq!(wire::to_server(&mut p), Err(Error::BadRecordMac));
    assert!(cache.get(id.as_ref()).is_none(), "server kept the session");
    p.server.poll_output(&mut p.to_client);
    assert!(wire::to_client(&mut p).is_err());
    let store = client.session_store.clone().unwrap();
    assert!(store.get("localhost").is_none(), "client kept the session");
}
