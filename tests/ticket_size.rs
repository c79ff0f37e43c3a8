//! What a session ticket may grow with. A ticket seals the session, and the
//! session held the client's whole certificate chain: a client could send one
//! valid certificate plus junk "intermediates" and push the ticket past the
//! 65,535 bytes NewSessionTicket can carry (RFC 5077 §3.3), where the length
//! prefix used to be written unchecked. Now a session keeps only the verified
//! end-entity certificate, and a ticket that would not fit is not issued (an
//! empty ticket, which RFC 5077 §3.3 allows), whichever `TicketProducer`
//! made it. A client given a ticket too long to offer in its ClientHello
//! offers none.

mod common;

use std::sync::Arc;

use common::wire::{client_hello, server_finish, split};
use common::{leaf, KeyType, Pair, Pki};
use sanstls::config::ClientAuth;
use sanstls::internals::codec::Codec;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::internals::StoredSession;
use sanstls::pki_types::{CertificateDer, UnixTime};
use sanstls::resumption::store::{ClientSessionCache, ClientSessionStore};
use sanstls::resumption::ticketer::TicketProducer;
use sanstls::verify::WebPkiClientVerifier;
use sanstls::{ClientConfig, ServerConfig};
use zeroize::Zeroizing;

/// The most a Certificate message body may hold (the crate's handshake
/// message limit), less its own 3-byte list length.
const CHAIN_BYTES: usize = sanstls::limits::MAX_HANDSHAKE_MESSAGE_LEN - 3;

/// Configs for client authentication with tickets; the client presents
/// `extra` after its real certificate.
fn configs(
    pki: &Pki,
    edit: impl FnOnce(&mut rcgen::CertificateParams),
    extra: &[Vec<u8>],
) -> (ClientConfig, ServerConfig, CertificateDer<'static>) {
    let (cert, key) = leaf(&pki.ca, KeyType::P256, &["client"], |p| {
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        edit(p);
    });
    let mut chain = vec![cert.clone()];
    chain.extend(extra.iter().map(|b| CertificateDer::from(b.clone())));
    let mut client = pki.client_config();
    client.set_client_cert(chain, &key).unwrap();
    let mut server = pki.server_config();
    server.client_auth =
        ClientAuth::Optional(Arc::new(WebPkiClientVerifier::new(Arc::new(pki.roots()))));
    (client, server, cert)
}

/// The NewSessionTicket the server sends in a full handshake, and the pair
/// (handshake complete).
fn ticket_of(client: &ClientConfig, server: &ServerConfig) -> (Vec<u8>, Pair) {
    let mut p = Pair::new(client.clone(), server.clone());
    // The server's last flight: NewSessionTicket in the clear, before its
    // ChangeCipherSpec.
    server_finish(&mut p);
    let recs = split(&p.to_client);
    let ticket = match HandshakePayload::read(&recs[0].1).unwrap() {
        HandshakePayload::NewSessionTicket(t) => t.ticket,
        other => panic!("expected NewSessionTicket, got {other:?}"),
    };
    p.expect_handshake();
    (ticket, p)
}

/// One real certificate and nine junk intermediates that fill the
/// Certificate message to its limit: the server completes, issues a small
/// ticket, and the resumed session knows the client by its end entity.
#[test]
fn junk_intermediates_do_not_go_into_the_ticket() {
    let pki = Pki::new(KeyType::P256);
    let (probe, _, cert) = configs(&pki, |_| {}, &[]);
    drop(probe);
    let junk_each = (CHAIN_BYTES - (3 + cert.len())) / 9 - 3;
    let junk = vec![vec![0x30; junk_each]; 9];
    let (client, server, cert) = configs(&pki, |_| {}, &junk);

    let (ticket, first) = ticket_of(&client, &server);
    assert_eq!(
        first.server.negotiated().unwrap().peer_certificates.len(),
        10
    );
    assert!(!ticket.is_empty(), "a ticket is issued");
    assert!(
        ticket.len() < cert.len() + 512,
        "ticket of {} bytes",
        ticket.len()
    );

    let mut second = Pair::new(client, server);
    second.expect_handshake();
    let n = second.server.negotiated().unwrap();
    assert!(n.resumed);
    assert_eq!(n.peer_certificates, vec![cert]);
}

/// An end-entity certificate so large that the sealed session cannot fit a
/// NewSessionTicket: the server sends an empty ticket (no ticket), the
/// handshake completes, and the next connection does a full handshake.
#[test]
fn a_ticket_that_would_not_fit_is_not_issued() {
    let pki = Pki::new(KeyType::P256);
    // SAN entries grow the certificate; each costs the name and a 2-byte
    // DER header.
    let name = "a".repeat(60);
    let sans = |n: usize| {
        let name = name.clone();
        move |p: &mut rcgen::CertificateParams| {
            p.subject_alt_names = (0..n)
                .map(|i| rcgen::SanType::DnsName(format!("{i:04}{name}").try_into().unwrap()))
                .collect()
        }
    };
    // A ticket holds the certificate and about 130 bytes more; aim for a
    // certificate that leaves less than that under 65,535 and still fits
    // the Certificate message.
    let target = u16::MAX as usize - 100;
    let mut n = (target - 1000) / (name.len() + 6);
    let (client, server, cert) = loop {
        let (client, server, cert) = configs(&pki, sans(n), &[]);
        if cert.len() > target {
            break (client, server, cert);
        }
        n += 1;
    };
    assert!(
        cert.len() + 3 <= CHAIN_BYTES,
        "certificate of {} bytes",
        cert.len()
    );

    let (ticket, first) = ticket_of(&client, &server);
    assert!(ticket.is_empty(), "a ticket of {} bytes", ticket.len());
    let n = first.server.negotiated().unwrap();
    assert_eq!(n.peer_certificates, vec![cert.clone()]);
    // The session-ID cache still holds the session, ticket or not.
    let mut second = Pair::new(client.clone(), server.clone());
    second.expect_handshake();
    let n = second.server.negotiated().unwrap();
    assert!(n.resumed);
    assert_eq!(n.peer_certificates, vec![cert]);
    // Without a cache, no ticket means a full handshake next time.
    let mut server = server;
    server.session_store = None;
    ticket_of(&client, &server);
    let mut third = Pair::new(client, server);
    third.expect_handshake();
    assert!(!third.server.negotiated().unwrap().resumed);
}

/// A `TicketProducer` that issues tickets of `len` bytes and opens none.
#[derive(Debug)]
struct FixedSize(usize);

impl TicketProducer for FixedSize {
    fn lifetime(&self) -> u32 {
        3600
    }
    fn encrypt(&self, _: &[u8], _: UnixTime) -> Option<Vec<u8>> {
        Some(vec![0x5a; self.0])
    }
    fn decrypt(&self, _: &[u8], _: UnixTime) -> Option<Zeroizing<Vec<u8>>> {
        None
    }
}

/// A server with only tickets (no session-ID cache) from `producer`, and a
/// client with its own session store.
fn ticket_only(producer: FixedSize) -> (ClientConfig, ServerConfig, Arc<ClientSessionCache>) {
    let pki = Pki::new(KeyType::P256);
    let mut server = pki.server_config();
    server.session_store = None;
    server.ticketer = Some(Arc::new(producer));
    let store = Arc::new(ClientSessionCache::new(4));
    let mut client = pki.client_config();
    client.session_store = Some(store.clone());
    (client, server, store)
}

/// A custom `TicketProducer` returning 70,000 bytes, more than
/// `opaque ticket<0..2^16-1>` holds: the ticket is not sent, an empty one
/// is (RFC 5077 §3.3), and the handshake completes. (The server never
/// writes the ticket's length with a truncated prefix, nor fails.)
#[test]
fn an_oversized_ticket_from_a_custom_producer_is_not_sent() {
    let (client, server, store) = ticket_only(FixedSize(70_000));
    let (ticket, p) = ticket_of(&client, &server);
    assert!(ticket.is_empty(), "a ticket of {} bytes", ticket.len());
    assert!(!p.server.negotiated().unwrap().resumed);
    // Nothing to resume by: no ticket and no session ID.
    assert!(store.get("localhost").is_none());
}

/// The longest ticket our client accepts: a NewSessionTicket body (4-byte
/// lifetime hint, 2-byte length, ticket) of at most
/// `MAX_HANDSHAKE_MESSAGE_LEN`.
const LONGEST_ACCEPTED_TICKET: usize = sanstls::limits::MAX_HANDSHAKE_MESSAGE_LEN - 6;

/// A ticket of 65,530 bytes is issued and kept; but a ClientHello cannot
/// offer it (its extensions block holds 65,535 bytes in all, and the other
/// extensions take more than the 1 left). The next connection offers no
/// session, asks for a fresh ticket, and completes a full handshake: before,
/// a release build sent the extensions block with a truncated length.
#[test]
fn a_ticket_too_long_to_offer_is_not_offered() {
    let (client, server, store) = ticket_only(FixedSize(LONGEST_ACCEPTED_TICKET));
    let mut first = Pair::new(client.clone(), server.clone());
    first.expect_handshake();
    let stored = StoredSession::from_bytes(&store.get("localhost").unwrap()).unwrap();
    assert_eq!(stored.ticket, vec![0x5a; LONGEST_ACCEPTED_TICKET]);

    let mut second = Pair::new(client, server);
    client_hello(&mut second);
    let recs = split(&second.to_server);
    let HandshakePayload::ClientHello(ch) = HandshakePayload::read(&recs[0].1).unwrap() else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch.session_ticket(), Some(&[][..]));
    assert!(ch.session_id.is_empty());
    second.expect_handshake();
    assert!(!second.client.negotiated().unwrap().resumed);
}
