//! Full duplex: a connection split into a receive half and a send half
//! after the handshake. Two threads per side stream 16 MiB each way at once
//! over a Unix socket pair; a fatal error found by the receive half goes
//! out as an alert through the send half; close_notify either way is seen
//! by both halves; a split is refused during a handshake; a renegotiation
//! request after the split is refused with a warning.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Barrier};
use std::thread;

use common::{KeyType, Pair, Pki};
use sanstls::enums::AlertDescription;
use sanstls::{Error, Event, ReceiveHalf, SendHalf};

/// An established pair, split: (client receive, client send, server
/// receive, server send).
fn split_pair() -> (ReceiveHalf, SendHalf, ReceiveHalf, SendHalf) {
    let pki = Pki::new(KeyType::P256);
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    pair.expect_handshake();
    let (cr, cs) = pair.client.split().unwrap();
    let (sr, ss) = pair.server.split().unwrap();
    (cr, cs, sr, ss)
}

/// Feeds every whole record of `wire` to `half`; returns the data.
fn deliver(half: &mut ReceiveHalf, wire: &mut Vec<u8>) -> Result<Vec<u8>, Error> {
    let mut data = Vec::new();
    loop {
        let input = half.handle_input(wire)?;
        if let Some(d) = input.data {
            data.extend_from_slice(d);
        }
        let consumed = input.consumed;
        if consumed == 0 {
            return Ok(data);
        }
        wire.drain(..consumed);
    }
}

const STREAM_LEN: usize = 16 << 20;

/// The byte at `i` of the stream a side with `seed` sends.
fn pattern(seed: u8, i: usize) -> u8 {
    (i % 251) as u8 ^ seed
}

/// Sends STREAM_LEN bytes of `seed`'s pattern in uneven chunks, then
/// close_notify once the other writer is done too: in TLS 1.2 a
/// close_notify closes both directions (RFC 5246 §7.2.1: the peer answers
/// it and discards pending writes), so a side closes only once both are
/// done writing.
fn writer(mut half: SendHalf, mut sock: UnixStream, seed: u8, done: &Barrier) {
    let mut plain = vec![0u8; 50_000];
    let mut out = Vec::with_capacity(64 << 10);
    let mut sent = 0;
    while sent < STREAM_LEN {
        let n = plain.len().min(STREAM_LEN - sent);
        for (k, b) in plain[..n].iter_mut().enumerate() {
            *b = pattern(seed, sent + k);
        }
        out.clear();
        half.send(&plain[..n], &mut out).unwrap();
        sock.write_all(&out).unwrap();
        sent += n;
    }
    done.wait();
    // The peer's close_notify may already be here: then this answers it.
    half.close();
    out.clear();
    assert!(half.has_output());
    half.poll_output(&mut out);
    sock.write_all(&out).unwrap();
    assert_eq!(
        half.send(b"more", &mut Vec::new()),
        Err(Error::ConnectionClosed)
    );
}

/// Reads until the peer's close_notify, checking every byte against the
/// peer's pattern; returns how many arrived.
fn reader(mut half: ReceiveHalf, mut sock: UnixStream, seed: u8) -> usize {
    let mut buf = vec![0u8; 64 << 10];
    let (mut start, mut filled, mut got) = (0, 0, 0);
    while !half.peer_closed() {
        if filled == buf.len() {
            buf.copy_within(start..filled, 0);
            filled -= start;
            start = 0;
        }
        let n = sock.read(&mut buf[filled..]).unwrap();
        if n == 0 {
            half.handle_eof().unwrap();
            break;
        }
        filled += n;
        loop {
            let input = half.handle_input(&mut buf[start..filled]).unwrap();
            if let Some(data) = input.data {
                for (k, &b) in data.iter().enumerate() {
                    assert_eq!(b, pattern(seed, got + k), "byte {}", got + k);
                }
                got += data.len();
            }
            if input.consumed == 0 {
                break;
            }
            start += input.consumed;
        }
    }
    assert!(half.sent_close());
    got
}

#[test]
fn sixteen_mib_each_way_at_once_over_a_socket_pair() {
    let (cr, cs, sr, ss) = split_pair();
    let (client_sock, server_sock) = UnixStream::pair().unwrap();
    let done = Arc::new(Barrier::new(2));
    let threads = vec![
        {
            let sock = client_sock.try_clone().unwrap();
            let done = done.clone();
            thread::spawn(move || {
                writer(cs, sock, 0x11, &done);
                0
            })
        },
        {
            let sock = server_sock.try_clone().unwrap();
            thread::spawn(move || {
                writer(ss, sock, 0x22, &done);
                0
            })
        },
        thread::spawn(move || reader(cr, client_sock, 0x22)),
        thread::spawn(move || reader(sr, server_sock, 0x11)),
    ];
    let got: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(got, [0, 0, STREAM_LEN, STREAM_LEN]);
}

#[test]
fn a_fatal_error_found_by_the_receive_half_goes_out_through_the_send_half() {
    let (mut cr, mut cs, mut sr, mut ss) = split_pair();
    let mut wire = Vec::new();
    cs.send(b"fine", &mut wire).unwrap();
    assert_eq!(deliver(&mut sr, &mut wire).unwrap(), b"fine");
    cs.send(b"tampered with", &mut wire).unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 1;
    assert_eq!(deliver(&mut sr, &mut wire), Err(Error::BadRecordMac));

    // Both halves report it; the alert waits for the send half.
    assert_eq!(sr.error(), Some(Error::BadRecordMac));
    assert_eq!(ss.error(), Some(Error::BadRecordMac));
    assert!(sr.alert_pending() && ss.has_output());
    let mut back = Vec::new();
    assert_eq!(ss.send(b"no", &mut back), Err(Error::BadRecordMac));
    assert!(!back.is_empty(), "the alert went out with the refusal");
    assert!(!ss.has_output());
    assert_eq!(ss.poll_output(&mut back), 0, "the alert is sent once");
    assert_eq!(
        sr.handle_input(&mut [0; 8]).err(),
        Some(Error::BadRecordMac)
    );

    // The peer receives the fatal alert; both its halves see it.
    let alert = Error::AlertReceived(AlertDescription::BAD_RECORD_MAC);
    assert_eq!(deliver(&mut cr, &mut back), Err(alert.clone()));
    assert_eq!(cs.error(), Some(alert.clone()));
    assert_eq!(cs.send(b"x", &mut Vec::new()), Err(alert));
    let mut nothing = Vec::new();
    assert_eq!(cs.poll_output(&mut nothing), 0, "no alert answers an alert");
}

#[test]
fn the_peers_close_notify_is_seen_by_both_halves_and_answered() {
    let (mut cr, mut cs, mut sr, mut ss) = split_pair();
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    cs.send(b"last words", &mut to_server).unwrap();
    cs.close();
    assert!(cs.sent_close() && cr.sent_close());
    cs.poll_output(&mut to_server);
    assert_eq!(
        cs.send(b"after", &mut to_server),
        Err(Error::ConnectionClosed)
    );
    // The server sends before it has read the close: the client's receive
    // half still reads it (a half-close).
    ss.send(b"in flight", &mut to_client).unwrap();

    assert_eq!(deliver(&mut sr, &mut to_server).unwrap(), b"last words");
    assert!(sr.peer_closed() && ss.peer_closed());
    assert!(sr.alert_pending());
    // The send half answers with close_notify, then refuses data.
    assert_eq!(
        ss.send(b"late", &mut to_client),
        Err(Error::ConnectionClosed)
    );
    assert!(!ss.has_output());
    assert!(ss.error().is_none() && sr.error().is_none());
    // Nothing is read after close_notify.
    assert_eq!(
        sr.handle_input(&mut [23, 3, 3, 0, 1, 0]).unwrap().consumed,
        0
    );
    sr.handle_eof().unwrap();

    assert_eq!(deliver(&mut cr, &mut to_client).unwrap(), b"in flight");
    assert!(cr.peer_closed() && cs.peer_closed());
    assert!(to_client.is_empty());
    assert!(!cs.has_output(), "our close already went out");
    cr.handle_eof().unwrap();
}

#[test]
fn eof_without_close_notify_is_truncation_for_both_halves() {
    let (mut cr, mut cs, _sr, _ss) = split_pair();
    assert_eq!(cr.handle_eof(), Err(Error::Truncated));
    assert_eq!(cs.send(b"x", &mut Vec::new()), Err(Error::Truncated));
    assert!(!cs.has_output(), "a transport EOF sends no alert");
}

#[test]
fn split_is_refused_during_the_handshake_and_the_connection_given_back() {
    let pki = Pki::new(KeyType::P256);
    let mut pair = Pair::new(pki.client_config(), pki.server_config());
    let (c, s) = pair.step();
    c.unwrap();
    s.unwrap();
    let err = pair.client.split().unwrap_err();
    assert_eq!(err.error, Error::HandshakeNotComplete);
    pair.client = *err.connection;
    pair.expect_handshake();
    pair.client.split().unwrap();

    // Once closed, too.
    pair.server.close();
    let err = pair.server.split().unwrap_err();
    assert_eq!(err.error, Error::ConnectionClosed);
}

#[test]
fn output_queued_before_the_split_goes_out_through_the_send_half() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut pair = Pair::new(cc, pki.server_config());
    pair.expect_handshake();
    // The server, unsplit, refuses the client's renegotiation: its
    // no_renegotiation warning waits in its output when it splits.
    pair.client.renegotiate().unwrap();
    pair.client.poll_output(&mut pair.to_server);
    common::feed(
        &mut pair.server,
        &mut pair.to_server,
        usize::MAX,
        &mut Vec::new(),
    )
    .unwrap();
    assert!(pair.server.has_output());
    let (_sr, mut ss) = pair.server.split().unwrap();
    assert!(ss.has_output());
    let mut to_client = Vec::new();
    ss.send(b"after", &mut to_client).unwrap();
    let mut got = Vec::new();
    common::feed(&mut pair.client, &mut to_client, usize::MAX, &mut got).unwrap();
    assert_eq!(got, b"after");
    assert!(!pair.client.is_renegotiating());
}

#[test]
fn a_hello_request_after_the_split_is_refused_with_a_warning() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    let mut pair = Pair::new(cc, sc);
    pair.expect_handshake();
    let (mut cr, mut cs) = pair.client.split().unwrap();
    let mut server = pair.server;
    while server.poll_event().is_some() {}

    server.renegotiate().unwrap();
    let mut to_client = Vec::new();
    server.poll_output(&mut to_client);
    assert!(deliver(&mut cr, &mut to_client).unwrap().is_empty());
    assert!(cr.alert_pending());
    let mut to_server = Vec::new();
    cs.poll_output(&mut to_server);
    cs.send(b"still here", &mut to_server).unwrap();
    let mut got = Vec::new();
    common::feed(&mut server, &mut to_server, usize::MAX, &mut got).unwrap();
    assert_eq!(got, b"still here");
    let events: Vec<Event> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::RenegotiationRefused | Event::WarningAlert(_))),
        "{events:?}"
    );
    assert!(!server.is_renegotiating());
    server.send(b"and you", &mut to_client).unwrap();
    assert_eq!(deliver(&mut cr, &mut to_client).unwrap(), b"and you");
}

#[test]
fn a_client_hello_after_the_split_is_refused_with_a_warning() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut pair = Pair::new(cc, sc);
    pair.expect_handshake();
    let (mut sr, mut ss) = pair.server.split().unwrap();
    let mut client = pair.client;

    client.renegotiate().unwrap();
    assert!(client.is_renegotiating());
    let mut to_server = Vec::new();
    client.poll_output(&mut to_server);
    assert!(deliver(&mut sr, &mut to_server).unwrap().is_empty());
    assert!(sr.alert_pending());
    let mut to_client = Vec::new();
    ss.send(b"no thanks", &mut to_client).unwrap();
    let mut got = Vec::new();
    common::feed(&mut client, &mut to_client, usize::MAX, &mut got).unwrap();
    assert_eq!(got, b"no thanks");
    assert!(
        !client.is_renegotiating(),
        "the client gives up and goes on"
    );
    client.send(b"fine", &mut to_server).unwrap();
    assert_eq!(deliver(&mut sr, &mut to_server).unwrap(), b"fine");
}

#[test]
fn a_change_cipher_spec_after_the_split_is_fatal() {
    let (_cr, _cs, mut sr, mut ss) = split_pair();
    // A plaintext ChangeCipherSpec does not even authenticate.
    let mut ccs = vec![20, 3, 3, 0, 1, 1];
    assert!(sr.handle_input(&mut ccs).is_err());
    assert!(ss.error().is_some());
    let mut out = Vec::new();
    assert!(ss.poll_output(&mut out) > 0, "the fatal alert");
}

/// Renegotiation requests after a split count against
/// `MAX_RENEGOTIATION_REQUESTS`, as on a whole connection: each is refused
/// with a warning, and one more than the limit is fatal.
#[test]
fn renegotiation_requests_after_the_split_are_bounded() {
    use sanstls::limits::MAX_RENEGOTIATION_REQUESTS;
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.allow_renegotiation = true;
    let mut sc = pki.server_config();
    sc.allow_renegotiation = true;
    let mut pair = Pair::new(cc, sc);
    pair.expect_handshake();
    let (mut cr, mut cs) = pair.client.split().unwrap();
    let mut server = pair.server;
    let mut got = Vec::new();
    for _ in 0..MAX_RENEGOTIATION_REQUESTS {
        server.renegotiate().unwrap();
        let mut to_client = Vec::new();
        server.poll_output(&mut to_client);
        assert!(deliver(&mut cr, &mut to_client).unwrap().is_empty());
        let mut to_server = Vec::new();
        cs.poll_output(&mut to_server);
        common::feed(&mut server, &mut to_server, usize::MAX, &mut got).unwrap();
        assert!(!server.is_renegotiating(), "the warning answered it");
    }
    server.renegotiate().unwrap();
    let mut to_client = Vec::new();
    server.poll_output(&mut to_client);
    assert_eq!(
        deliver(&mut cr, &mut to_client),
        Err(Error::TooManyRenegotiationRequests)
    );
    assert_eq!(cs.error(), Some(Error::TooManyRenegotiationRequests));
    // The fatal alert goes out through the send half.
    let mut to_server = Vec::new();
    cs.poll_output(&mut to_server);
    assert_eq!(
        common::feed(&mut server, &mut to_server, usize::MAX, &mut got),
        Err(Error::AlertReceived(AlertDescription::UNEXPECTED_MESSAGE))
    );
}
