//! Every named limit of `sanstls::limits`, exercised at the limit (accepted)
//! and one past it (refused, with the error and the alert the peer gets).

mod common;
mod hostile;

use std::sync::Arc;

use common::wire::*;
use common::{KeyType, Pki};
use hostile::*;
use sanstls::internals::codec::enums::{
    AlertDescription as A, CipherSuite, ExtensionType, SignatureScheme,
};
use sanstls::internals::codec::Decode;
use sanstls::internals::handshake::extensions::ClientExtension;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::limits::{
    DEFAULT_CHAIN_CACHE_ENTRIES, MAX_BUFFERED_OUTPUT, MAX_CERT_CHAIN_LEN, MAX_CLIENT_HELLO_LEN,
    MAX_EMPTY_RECORDS, MAX_HANDSHAKE_MESSAGE_LEN, MAX_HELLO_REQUESTS, MAX_LIST_ITEMS,
    MAX_PLAINTEXT_LEN, MAX_RENEGOTIATIONS, MAX_RENEGOTIATION_REQUESTS, MAX_WARNING_ALERTS,
};
use sanstls::pki_types::CertificateDer;
use sanstls::resumption::ticketer::TicketProducer;
use sanstls::{ClientConfig, Connection, Error, Event, InvalidMessage, ServerConfig};

fn too_large(what: &'static str) -> Error {
    Error::InvalidMessage {
        what,
        kind: InvalidMessage::TooLarge,
    }
}

/// Reassembles the first handshake message on a plaintext wire.
fn first_message(wire: &[u8]) -> Vec<u8> {
    let bytes: Vec<u8> = split(wire).into_iter().flat_map(|r| r.1).collect();
    let len = u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize;
    bytes[..4 + len].to_vec()
}

fn scene(pki: &Pki, cc: ClientConfig) -> Scene {
    Scene::new(cc, pki.server_config())
}

/// Asserts a failure on one side and the alert on the other.
#[track_caller]
fn expect_failure(s: &mut Scene, client: Result<(), Error>, server: Result<(), Error>) {
    let (c, r) = s.settle();
    assert_eq!(c, client, "client");
    assert_eq!(r, server, "server");
}

/// Asserts both handshakes complete.
#[track_caller]
fn expect_complete(s: &mut Scene) {
    let (c, r) = s.settle();
    c.unwrap();
    r.unwrap();
    assert!(!s.p.client.is_handshaking() && !s.p.server.is_handshaking());
}

// ---- MAX_HANDSHAKE_MESSAGE_LEN ----

/// A client whose ClientHello body is exactly `target` bytes, grown with
/// ALPN protocol names (the server has no ALPN and ignores them).
fn client_with_hello_body(pki: &Pki, target: usize) -> ClientConfig {
    let hello_body_len = |protocols: &[Vec<u8>]| {
        let mut cc = pki.client_config();
        cc.suites = vec![SUITE];
        cc.alpn_protocols = protocols.to_vec();
        let mut c = Connection::new_client(
            Arc::new(cc),
            sanstls::pki_types::ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut out = Vec::new();
        c.poll_output(&mut out);
        first_message(&out).len() - 4
    };
    // Grow the names until the hello has the size: a name of n bytes
    // costs 1 + n, and nothing else in the hello changes.
    let mut protocols = vec![b"x".to_vec()];
    loop {
        let len = hello_body_len(&protocols);
        assert!(len <= target, "overshot: {len}");
        if len == target {
            break;
        }
        let diff = target - len;
        let last = protocols.last_mut().unwrap();
        if last.len() + diff <= 255 {
            last.resize(last.len() + diff, b'q');
        } else if last.len() < 255 {
            last.resize(255, b'q');
        } else {
            let full = (diff - 1) / 256;
            protocols.extend(std::iter::repeat_n(vec![b'p'; 255], full.max(1) - 1));
            protocols.push(b"y".to_vec());
        }
    }
    assert_eq!(hello_body_len(&protocols), target);
    let mut cc = pki.client_config();
    cc.alpn_protocols = protocols;
    cc
}

/// A ClientHello over the 64 KiB other messages are held to is accepted
/// (its own limit is MAX_CLIENT_HELLO_LEN): from our real client, whole.
#[test]
fn client_hello_over_64_kib_completes() {
    let pki = Pki::new(KeyType::P256);
    let cc = client_with_hello_body(&pki, MAX_HANDSHAKE_MESSAGE_LEN + 1);
    let mut s = scene(&pki, cc);
    s.drive_to(Point::ClientHello);
    assert_eq!(
        first_message(&s.p.to_server).len(),
        4 + MAX_HANDSHAKE_MESSAGE_LEN + 1
    );
    expect_complete(&mut s);
}

// ---- MAX_CLIENT_HELLO_LEN ----

#[test]
fn client_hello_len_at_the_limit() {
    for long_schemes in [false, true] {
        assert_eq!(
            server_answers(|ch| grow_to_max_client_hello(ch, long_schemes)),
            Ok(())
        );
    }
}

#[test]
fn client_hello_len_past_the_limit() {
    let pki = Pki::new(KeyType::P256);
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::ClientHello);
    let mut ch = EditClientHello::read(&s.client_hello);
    grow_to_max_client_hello(&mut ch, false);
    // One byte more (a trailing zero, which the length check must refuse
    // before anything looks at the body).
    let mut msg = ch.to_bytes();
    msg.push(0);
    set_u24(&mut msg, 1, MAX_CLIENT_HELLO_LEN + 1);
    s.p.to_server = frame(&msg, MAX_PLAINTEXT_LEN);
    // The header alone is enough to refuse it: deliver only the first record.
    let first = split(&s.p.to_server)[0].clone();
    let mut wire = join(&[first]);
    let err = s.p.server.handle_input(&mut wire).map(|i| i.consumed);
    assert_eq!(err, Err(too_large("handshake length")));
    s.p.to_server.clear();
    assert_eq!(s.p.server.error(), Some(&too_large("handshake length")));
    expect_failure(&mut s, Err(Error::AlertReceived(A::DECODE_ERROR)), Ok(()));
}

// ---- MAX_HANDSHAKE_MESSAGE_LEN, for every other message ----

/// Issues tickets padded to `len` bytes, for a NewSessionTicket of a chosen
/// size (RFC 5077 §3.3: `opaque ticket<0..2^16-1>`); opens none.
#[derive(Debug)]
struct PaddedTickets(usize);

impl TicketProducer for PaddedTickets {
    fn lifetime(&self) -> u32 {
        3600
    }

    fn encrypt(&self, _plain: &[u8], _now: sanstls::pki_types::UnixTime) -> Option<Vec<u8>> {
        Some(vec![0x7e; self.0])
    }

    fn decrypt(
        &self,
        _ticket: &[u8],
        _now: sanstls::pki_types::UnixTime,
    ) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        None
    }
}

/// A server whose NewSessionTicket body is `body` bytes: a u32 lifetime
/// hint and a u16-prefixed ticket.
fn server_with_ticket_message(pki: &Pki, body: usize) -> ServerConfig {
    let mut sc = pki.server_config();
    sc.ticketer = Some(Arc::new(PaddedTickets(body - 6)));
    sc
}

#[test]
fn handshake_message_len_at_the_limit_completes() {
    let pki = Pki::new(KeyType::P256);
    let sc = server_with_ticket_message(&pki, MAX_HANDSHAKE_MESSAGE_LEN);
    let mut s = Scene::new(pki.client_config(), sc);
    s.drive_to(Point::ServerFinish);
    let recs = split(&s.p.to_client);
    let nst: Vec<u8> = recs
        .iter()
        .take_while(|r| r.0 == HANDSHAKE)
        .flat_map(|r| r.1.clone())
        .collect();
    assert_eq!(nst.len(), 4 + MAX_HANDSHAKE_MESSAGE_LEN);
    assert_eq!(nst[0], NEW_SESSION_TICKET);
    expect_complete(&mut s);
}

#[test]
fn handshake_message_len_past_the_limit() {
    let pki = Pki::new(KeyType::P256);
    let sc = server_with_ticket_message(&pki, MAX_HANDSHAKE_MESSAGE_LEN);
    let mut s = Scene::new(pki.client_config(), sc);
    s.drive_to(Point::ServerFinish);
    // One byte more, announced in the header: the header alone is enough to
    // refuse it, so deliver only the first record.
    let mut first = split(&s.p.to_client)[0].clone();
    assert_eq!(first.1[0], NEW_SESSION_TICKET);
    set_u24(&mut first.1, 1, MAX_HANDSHAKE_MESSAGE_LEN + 1);
    let mut wire = join(&[first]);
    let err = s.p.client.handle_input(&mut wire).map(|i| i.consumed);
    assert_eq!(err, Err(too_large("handshake length")));
    s.p.to_client.clear();
    expect_failure(&mut s, Ok(()), Err(Error::AlertReceived(A::DECODE_ERROR)));
}

// ---- MAX_CERT_CHAIN_LEN ----

/// A server presenting its leaf followed by `extra` copies of the CA.
fn server_with_chain_len(pki: &Pki, len: usize) -> ServerConfig {
    let mut chain = pki.chain.clone();
    chain.extend(std::iter::repeat_n(pki.ca_der.clone(), len - 1));
    ServerConfig::new(chain, &pki.key).unwrap()
}

#[test]
fn certificate_chain_len() {
    let pki = Pki::new(KeyType::P256);
    let mut s = Scene::new(
        pki.client_config(),
        server_with_chain_len(&pki, MAX_CERT_CHAIN_LEN),
    );
    expect_complete(&mut s);
    assert_eq!(
        s.p.client.negotiated().unwrap().peer_certificates.len(),
        MAX_CERT_CHAIN_LEN
    );

    let mut s = Scene::new(
        pki.client_config(),
        server_with_chain_len(&pki, MAX_CERT_CHAIN_LEN + 1),
    );
    expect_failure(
        &mut s,
        Err(too_large("certificate_list")),
        Err(Error::AlertReceived(A::DECODE_ERROR)),
    );
}

// ---- a ClientHello's lists: bounded by their bytes alone ----

/// Edits the ClientHello in flight, feeds it to the server and says whether
/// the server answered (ServerHello on the wire) or failed.
fn server_answers(edit: impl FnOnce(&mut EditClientHello<'_>)) -> Result<(), Error> {
    let pki = Pki::new(KeyType::P256);
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::ClientHello);
    let mut ch = EditClientHello::read(&s.client_hello);
    edit(&mut ch);
    // Framed again, in as many records as it takes.
    s.p.to_server = frame(&ch.to_bytes(), MAX_PLAINTEXT_LEN);
    s.deliver_to_server()?;
    let mut out = Vec::new();
    s.p.server.poll_output(&mut out);
    assert_eq!(split(&out)[0].1[0], SERVER_HELLO, "a ServerHello");
    Ok(())
}

/// As many extensions as the block's u16 length allows: 16,383 of them,
/// the padding ones empty.
#[test]
fn extensions_in_a_hello() {
    assert_eq!(
        server_answers(|ch| {
            let used: usize = ch.extensions.iter().map(|e| e.encode_to_vec().len()).sum();
            let room = (0xffff - used) / 4;
            for i in 0..room {
                ch.extensions.insert(
                    0,
                    ClientExtension::Unknown {
                        typ: ExtensionType(0x1000 + i as u16),
                        data: &[],
                    },
                );
            }
            assert!(ch.extensions.len() > 16_300);
        }),
        Ok(())
    );
}

/// As many cipher suites as the u16 length allows: 32,767, ours last.
#[test]
fn cipher_suites_in_a_hello() {
    assert_eq!(
        server_answers(|ch| {
            let mut all = vec![CipherSuite(0xfefe); 32_767 - ch.cipher_suites.len()];
            all.append(&mut ch.cipher_suites);
            ch.cipher_suites = all;
        }),
        Ok(())
    );
}

// ---- MAX_LIST_ITEMS, in a CertificateRequest ----

/// A server asking for a client certificate, its CertificateRequest listing
/// `n` signature schemes (its own configured ones: junk first).
fn server_requesting_with_schemes(pki: &Pki, n: usize) -> ServerConfig {
    use sanstls::config::ClientAuth;
    use sanstls::verify::WebPkiClientVerifier;
    let mut sc = pki.server_config();
    let mut schemes = vec![SignatureScheme(0xfefe); n - sc.signature_schemes.len()];
    schemes.append(&mut sc.signature_schemes);
    sc.signature_schemes = schemes;
    sc.client_auth =
        ClientAuth::Optional(Arc::new(WebPkiClientVerifier::new(Arc::new(pki.roots()))));
    sc
}

#[test]
fn certificate_request_list_items() {
    let pki = Pki::new(KeyType::P256);
    let mut s = Scene::new(
        pki.client_config(),
        server_requesting_with_schemes(&pki, MAX_LIST_ITEMS),
    );
    expect_complete(&mut s);

    let mut s = Scene::new(
        pki.client_config(),
        server_requesting_with_schemes(&pki, MAX_LIST_ITEMS + 1),
    );
    expect_failure(
        &mut s,
        Err(too_large("supported_signature_algorithms")),
        Err(Error::AlertReceived(A::DECODE_ERROR)),
    );
}

// ---- MAX_WARNING_ALERTS ----

fn warnings(n: usize) -> Vec<u8> {
    (0..n).flat_map(|_| record(ALERT, &[1, 90])).collect()
}

#[test]
fn warning_alerts() {
    let pki = Pki::new(KeyType::P256);
    // At the limit, before the server's flight: tolerated, and reported.
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::ServerFlight);
    let mut wire = warnings(MAX_WARNING_ALERTS);
    wire.append(&mut s.p.to_client);
    s.p.to_client = wire;
    expect_complete(&mut s);
    let n =
        s.p.client_events
            .iter()
            .filter(|e| matches!(e, Event::WarningAlert(_)))
            .count();
    assert_eq!(n, MAX_WARNING_ALERTS);

    // The count is over the connection's life: handshake records between
    // warnings do not reset it.
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::ServerFlight);
    let mut recs = split(&s.p.to_client);
    let mut wire = warnings(MAX_WARNING_ALERTS / 2);
    wire.extend_from_slice(&join(&recs.drain(..1).collect::<Vec<_>>()));
    wire.extend_from_slice(&warnings(MAX_WARNING_ALERTS / 2 + 1));
    wire.extend_from_slice(&join(&recs));
    s.p.to_client = wire;
    expect_failure(
        &mut s,
        Err(Error::LimitExceeded("warning alerts")),
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
    );

    // One past: cut off.
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::ServerFlight);
    let mut wire = warnings(MAX_WARNING_ALERTS + 1);
    wire.append(&mut s.p.to_client);
    s.p.to_client = wire;
    expect_failure(
        &mut s,
        Err(Error::LimitExceeded("warning alerts")),
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
    );
}

// ---- MAX_EMPTY_RECORDS ----

#[test]
fn empty_records() {
    let pki = Pki::new(KeyType::P256);
    let empties = |n| vec![(APPDATA, Vec::new()); n];

    // At the limit, twice, each run ended by data.
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::TrafficToServer);
    let mut recs = empties(MAX_EMPTY_RECORDS);
    recs.push((APPDATA, b"one".to_vec()));
    recs.extend(empties(MAX_EMPTY_RECORDS));
    recs.push((APPDATA, b"two".to_vec()));
    let mut m = s.attacker(true);
    s.p.to_server = m.seal(1, &recs);
    s.deliver_to_server().unwrap();
    assert_eq!(s.p.server_data, b"onetwo");
    assert!(s.p.to_server.is_empty());

    // One past.
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::TrafficToServer);
    let mut m = s.attacker(true);
    s.p.to_server = m.seal(1, &empties(MAX_EMPTY_RECORDS + 1));
    expect_failure(
        &mut s,
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
        Err(Error::LimitExceeded("consecutive empty records")),
    );
}

// ---- MAX_RENEGOTIATION_REQUESTS ----

#[test]
fn renegotiation_requests_to_the_server() {
    let pki = Pki::new(KeyType::P256);
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::TrafficToServer);
    let hello = s.client_hello.clone();

    // Protected ClientHellos, as a client asking to renegotiate sends them.
    let mut m = s.attacker(true);
    let hellos = vec![(HANDSHAKE, hello); MAX_RENEGOTIATION_REQUESTS + 1];
    let sealed = m.seal(1, &hellos);
    let recs = split(&sealed);
    s.p.to_server = join(&recs[..MAX_RENEGOTIATION_REQUESTS]);
    s.deliver_to_server().unwrap();
    let refused = |s: &mut Scene| {
        while let Some(e) = s.p.server.poll_event() {
            s.p.server_events.push(e);
        }
        s.p.server_events
            .iter()
            .filter(|e| matches!(e, Event::RenegotiationRefused))
            .count()
    };
    assert_eq!(refused(&mut s), MAX_RENEGOTIATION_REQUESTS);
    // Each was answered with a no_renegotiation warning.
    s.p.server.poll_output(&mut s.p.to_client);
    s.deliver_to_client().unwrap();
    let warned =
        s.p.client
            .poll_event()
            .into_iter()
            .chain(std::iter::from_fn(|| s.p.client.poll_event()))
            .filter(|e| *e == Event::WarningAlert(A::NO_RENEGOTIATION))
            .count();
    assert_eq!(warned, MAX_RENEGOTIATION_REQUESTS);

    s.p.to_server = join(&recs[MAX_RENEGOTIATION_REQUESTS..]);
    expect_failure(
        &mut s,
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
        Err(Error::TooManyRenegotiationRequests),
    );
}

#[test]
fn renegotiation_requests_to_the_client() {
    let pki = Pki::new(KeyType::P256);
    let mut s = scene(&pki, pki.client_config());
    s.drive_to(Point::TrafficToClient);
    let mut m = s.attacker(false);
    let hello_request = HandshakePayload::HelloRequest.to_bytes();
    let reqs = vec![(HANDSHAKE, hello_request); MAX_RENEGOTIATION_REQUESTS + 1];
    let sealed = m.seal(1, &reqs);
    let recs = split(&sealed);
    s.p.to_client = join(&recs[..MAX_RENEGOTIATION_REQUESTS]);
    s.deliver_to_client().unwrap();
    assert!(s.p.client.error().is_none());
    s.p.to_client = join(&recs[MAX_RENEGOTIATION_REQUESTS..]);
    expect_failure(
        &mut s,
        Err(Error::TooManyRenegotiationRequests),
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
    );
}

// ---- MAX_RENEGOTIATIONS and MAX_HELLO_REQUESTS ----

/// Both sides allow renegotiation (abbreviated ones: the client keeps its
/// session); the first handshake is done, and the attacker follows the
/// connection through every key change from here.
fn renegotiating_scene(pki: &Pki) -> Scene {
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut s = Scene::new(cc, sc);
    s.drive_to(Point::TrafficToClient);
    s.start_tap();
    s
}

fn count(events: &[Event], want: &Event) -> usize {
    events.iter().filter(|e| *e == want).count()
}

fn completed(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::RenegotiationComplete(_)))
        .count()
}

/// Steps until neither side renegotiates and nothing is in flight; each
/// side must see one more renegotiation complete.
#[track_caller]
fn expect_renegotiation(s: &mut Scene, n: usize) {
    let (c, r) = s.settle_tapped();
    c.unwrap();
    r.unwrap();
    let refused = |events: &[Event]| count(events, &Event::RenegotiationRefused);
    let refusals = (refused(&s.p.client_events), refused(&s.p.server_events));
    for (side, events) in [
        ("client", &s.p.client_events),
        ("server", &s.p.server_events),
    ] {
        assert_eq!(
            completed(events),
            n,
            "{side}: renegotiation {n} did not complete (refusals by client, server: {refusals:?})"
        );
    }
}

/// MAX_RENEGOTIATIONS renegotiations, each started by the client
/// (`by_client`) or the server; then neither side may start another.
fn renegotiate_to_the_limit(s: &mut Scene, by_client: bool) {
    for n in 1..=MAX_RENEGOTIATIONS {
        let side = if by_client {
            &mut s.p.client
        } else {
            &mut s.p.server
        };
        side.renegotiate().unwrap();
        expect_renegotiation(s, n);
    }
    let reached = Err(Error::CannotRenegotiate("MAX_RENEGOTIATIONS reached"));
    assert_eq!(s.p.client.renegotiate(), reached);
    assert_eq!(s.p.server.renegotiate(), reached);
}

/// Past MAX_RENEGOTIATIONS a peer's request is refused with a
/// no_renegotiation warning, and the refusals count against
/// MAX_RENEGOTIATION_REQUESTS: MAX_RENEGOTIATION_REQUESTS of them are
/// answered, one more is fatal. Here the requests are protected
/// ClientHellos to the server (the client itself may not send them: it
/// counts the renegotiations too).
#[test]
fn renegotiations_then_client_hellos() {
    let pki = Pki::new(KeyType::P256);
    let mut s = renegotiating_scene(&pki);
    renegotiate_to_the_limit(&mut s, true);
    let hello = s.client_hello.clone();
    let refused = |s: &Scene| count(&s.p.server_events, &Event::RenegotiationRefused);
    for n in 1..=MAX_RENEGOTIATION_REQUESTS {
        s.forge(true, &[(HANDSHAKE, hello.clone())]);
        let (c, r) = s.settle_tapped();
        c.unwrap();
        r.unwrap();
        assert_eq!(refused(&s), n);
        let warned = count(
            &s.p.client_events,
            &Event::WarningAlert(A::NO_RENEGOTIATION),
        );
        assert_eq!(warned, n);
    }
    s.forge(true, &[(HANDSHAKE, hello)]);
    expect_failure(
        &mut s,
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
        Err(Error::TooManyRenegotiationRequests),
    );
}

/// The same from the client's side: past MAX_RENEGOTIATIONS (started by
/// the client here, so the server sent no HelloRequest yet), the server's
/// HelloRequests are refused with no_renegotiation until
/// MAX_RENEGOTIATION_REQUESTS; one more is fatal.
#[test]
fn renegotiations_then_hello_requests() {
    let pki = Pki::new(KeyType::P256);
    let mut s = renegotiating_scene(&pki);
    renegotiate_to_the_limit(&mut s, true);
    let hello_request = HandshakePayload::HelloRequest.to_bytes();
    s.forge(
        false,
        &vec![(HANDSHAKE, hello_request.clone()); MAX_RENEGOTIATION_REQUESTS],
    );
    let (c, r) = s.settle_tapped();
    c.unwrap();
    r.unwrap();
    let refused = count(&s.p.client_events, &Event::RenegotiationRefused);
    assert_eq!(refused, MAX_RENEGOTIATION_REQUESTS);
    s.forge(false, &[(HANDSHAKE, hello_request)]);
    expect_failure(
        &mut s,
        Err(Error::TooManyRenegotiationRequests),
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
    );
}

/// The server may start MAX_RENEGOTIATIONS renegotiations itself, as the
/// client may (`renegotiations_then_client_hellos`): the answer to its own
/// last HelloRequest is taken, not refused (it was counted when the
/// HelloRequest went out; the server used to count it again).
#[test]
fn server_started_renegotiations_up_to_the_limit() {
    let pki = Pki::new(KeyType::P256);
    let mut s = renegotiating_scene(&pki);
    renegotiate_to_the_limit(&mut s, false);
    assert!(!s.p.server.is_renegotiating());
}

/// MAX_HELLO_REQUESTS: every HelloRequest a client takes counts, those it
/// answers with a renegotiation too. A hostile server asks for every
/// renegotiation with a HelloRequest (the first its own; then, as the
/// attacker holding the keys plays it, one put in the record of its
/// Finished, so the record count holds), MAX_RENEGOTIATIONS of them
/// answered; then MAX_HELLO_REQUESTS - MAX_RENEGOTIATIONS more are refused
/// with no_renegotiation; the next is over both limits (the refusals reach
/// MAX_RENEGOTIATION_REQUESTS at the same time), and the HelloRequest
/// count, checked first, names it.
#[test]
fn hello_requests_over_the_connection() {
    assert_eq!(
        MAX_HELLO_REQUESTS - MAX_RENEGOTIATIONS,
        MAX_RENEGOTIATION_REQUESTS
    );
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    // Full handshakes: the server's final flight is then opened with keys
    // the tap knows before the client takes it.
    cc.session_store = None;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut s = Scene::new(cc, sc);
    s.drive_to(Point::TrafficToClient);
    s.start_tap();
    let hello_request = HandshakePayload::HelloRequest.to_bytes();

    s.p.server.renegotiate().unwrap();
    let mut asked = 1;
    for _ in 0..MAX_RENEGOTIATIONS * 4 {
        let (c, r) = s.step_tapped_with(|recs| {
            let finished = recs.iter().any(|r| r.0 == CCS)
                && recs
                    .last()
                    .is_some_and(|r| r.0 == HANDSHAKE && r.1[0] == FINISHED);
            if finished && asked < MAX_RENEGOTIATIONS {
                recs.last_mut().unwrap().1.extend_from_slice(&hello_request);
                asked += 1;
            }
        });
        c.unwrap();
        r.unwrap();
        if completed(&s.p.client_events) == MAX_RENEGOTIATIONS && !s.p.client.is_renegotiating() {
            break;
        }
    }
    expect_renegotiation(&mut s, MAX_RENEGOTIATIONS);
    assert_eq!(
        count(&s.p.client_events, &Event::RenegotiationStarted),
        MAX_RENEGOTIATIONS
    );

    let more = MAX_HELLO_REQUESTS - MAX_RENEGOTIATIONS;
    s.forge(false, &vec![(HANDSHAKE, hello_request.clone()); more]);
    let (c, r) = s.settle_tapped();
    c.unwrap();
    r.unwrap();
    assert_eq!(
        count(&s.p.client_events, &Event::RenegotiationRefused),
        more
    );
    s.forge(false, &[(HANDSHAKE, hello_request)]);
    expect_failure(
        &mut s,
        Err(Error::LimitExceeded("HelloRequests")),
        Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
    );
}

// ---- MAX_BUFFERED_OUTPUT ----

/// A server whose first flight is exactly `target` bytes: an Ed25519 leaf
/// (fixed-size signatures) followed by a padding "certificate" (the server
/// sends its chain as configured).
fn server_with_flight_len(pki: &Pki, hello_wire: &[u8], target: usize) -> Connection {
    let server = |pad: usize| {
        let mut chain = pki.chain.clone();
        chain.push(CertificateDer::from(vec![0x30; pad]));
        let mut sc = ServerConfig::new(chain, &pki.key).unwrap();
        sc.ticketer = None;
        Connection::new_server(Arc::new(sc))
    };
    let flight_len = |pad: usize| {
        let mut conn = server(pad);
        let mut wire = hello_wire.to_vec();
        let n = conn.handle_input(&mut wire).unwrap().consumed;
        assert_eq!(n, wire.len());
        let mut out = Vec::new();
        conn.poll_output(&mut out);
        out.len()
    };
    // Linear in the padding except where the Certificate message crosses a
    // record boundary (5 more header bytes), so converge in a few steps.
    let mut pad = 1000;
    for _ in 0..4 {
        let len = flight_len(pad);
        if len == target {
            break;
        }
        pad = pad + target - len;
    }
    assert_eq!(flight_len(pad), target);
    server(pad)
}

#[test]
fn buffered_output() {
    let pki = Pki::new(KeyType::Ed25519);
    let mut client = Connection::new_client(
        Arc::new(pki.client_config()),
        sanstls::pki_types::ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut hello = Vec::new();
    client.poll_output(&mut hello);
    let hello_len = hello.len();
    // The ClientHello and, behind it in the same buffer, a warning alert.
    let mut input = hello.clone();
    input.extend_from_slice(&record(ALERT, &[1, 90]));

    // Just under the limit queued: the alert is read in the same call.
    let mut conn = server_with_flight_len(&pki, &hello, MAX_BUFFERED_OUTPUT - 1);
    let mut wire = input.clone();
    assert_eq!(conn.handle_input(&mut wire).unwrap().consumed, wire.len());

    // At the limit: the server stops after the ClientHello...
    let mut conn = server_with_flight_len(&pki, &hello, MAX_BUFFERED_OUTPUT);
    let mut wire = input.clone();
    assert_eq!(conn.handle_input(&mut wire).unwrap().consumed, hello_len);
    let mut rest = wire[hello_len..].to_vec();
    for _ in 0..3 {
        assert_eq!(conn.handle_input(&mut rest).unwrap().consumed, 0);
    }
    assert!(conn.poll_event().is_none());
    // ...until its output is drained.
    let mut out = Vec::new();
    assert_eq!(conn.poll_output(&mut out), MAX_BUFFERED_OUTPUT);
    assert_eq!(conn.handle_input(&mut rest).unwrap().consumed, rest.len());
    assert_eq!(
        conn.poll_event(),
        Some(Event::WarningAlert(A::USER_CANCELED))
    );
}

// ---- DEFAULT_CHAIN_CACHE_ENTRIES ----

#[test]
fn verified_chain_cache_entries() {
    use sanstls::pki_types::{ServerName, UnixTime};
    use sanstls::verify::{ServerCertVerifier, WebPkiServerVerifier};
    // One wildcard leaf: each name under it is a chain verdict of its own.
    let pki = Pki::with_names(KeyType::P256, &["*.example.com"]);
    let v = WebPkiServerVerifier::new(Arc::new(pki.roots()));
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_893_456_000));
    let verify = |n: usize| {
        let name = ServerName::try_from(format!("n{n}.example.com")).unwrap();
        v.verify_server_cert(&pki.chain[0], &[], &name, now)
            .unwrap();
        let s = v.chain_cache_stats().unwrap();
        (s.hits, s.misses, s.entries)
    };
    // At the limit: every entry kept, each name a hit the second time.
    for n in 0..DEFAULT_CHAIN_CACHE_ENTRIES {
        verify(n);
    }
    let limit = DEFAULT_CHAIN_CACHE_ENTRIES as u64;
    for n in 0..DEFAULT_CHAIN_CACHE_ENTRIES {
        verify(n);
    }
    assert_eq!(verify(0), (limit + 1, limit, DEFAULT_CHAIN_CACHE_ENTRIES));
    // One past it: the least recently used (name 1) made room.
    assert_eq!(
        verify(DEFAULT_CHAIN_CACHE_ENTRIES),
        (limit + 1, limit + 1, DEFAULT_CHAIN_CACHE_ENTRIES)
    );
    assert_eq!(
        verify(1),
        (limit + 1, limit + 2, DEFAULT_CHAIN_CACHE_ENTRIES)
    );
}
