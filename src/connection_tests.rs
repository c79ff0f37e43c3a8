//! White-box tests of `Connection` that need to write records with a peer's
//! live keys, which the public API never exposes: renegotiation requests
//! arrive encrypted after the handshake (RFC 5746 §4.2, §4.4).

use std::sync::Arc;

use rustls_pki_types::ServerName;

use super::*;
use crate::verify::RootCertStore;

fn pair() -> (Connection, Connection) {
    let (cert, key) = crate::config::test_certificate();
    let mut roots = RootCertStore::new();
    roots.add(cert.clone()).unwrap();
    let client = Connection::new_client(
        Arc::new(ClientConfig::new(roots)),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let server = Connection::new_server(Arc::new(ServerConfig::new(vec![cert], &key).unwrap()));
    let (mut c, mut s) = (client, server);
    while c.is_handshaking() || s.is_handshaking() {
        assert!(pump(&mut c, &mut s).is_ok() && pump(&mut s, &mut c).is_ok());
    }
    drain_events(&mut c);
    drain_events(&mut s);
    (c, s)
}

fn pump(from: &mut Connection, to: &mut Connection) -> Result<(), Error> {
    let mut wire = Vec::new();
    from.poll_output(&mut wire);
    let mut start = 0;
    while start < wire.len() {
        let n = to.handle_input(&mut wire[start..])?.consumed;
        if n == 0 {
            break;
        }
        start += n;
    }
    Ok(())
}

fn drain_events(c: &mut Connection) -> Vec<Event> {
    core::iter::from_fn(|| c.poll_event()).collect()
}

/// Writes a handshake message from `from` under its live write keys.
fn inject(from: &mut Connection, message: &[u8]) {
    from.record
        .write_record(ContentType::HANDSHAKE, message, &mut from.outbox)
        .unwrap();
}

const HELLO_REQUEST: [u8; 4] = [0, 0, 0, 0];

#[test]
fn hello_request_is_refused_with_a_warning_then_rate_limited() {
    let (mut client, mut server) = pair();
    for _ in 0..MAX_RENEGOTIATION_REQUESTS {
        inject(&mut server, &HELLO_REQUEST);
        pump(&mut server, &mut client).unwrap();
        assert_eq!(drain_events(&mut client), vec![Event::RenegotiationRefused]);
        pump(&mut client, &mut server).unwrap();
        assert_eq!(
            drain_events(&mut server),
            vec![Event::WarningAlert(AlertDescription::NO_RENEGOTIATION)]
        );
    }
    // Data still flows after refusals.
    let mut wire = Vec::new();
    client.send(b"still here", &mut wire).unwrap();
    assert_eq!(
        server.handle_input(&mut wire).unwrap().data.as_deref(),
        Some(&b"still here"[..])
    );
    // One request too many is fatal.
    inject(&mut server, &HELLO_REQUEST);
    assert_eq!(
        pump(&mut server, &mut client),
        Err(Error::TooManyRenegotiationRequests)
    );
    assert_eq!(
        pump(&mut client, &mut server),
        Err(Error::AlertReceived(AlertDescription::UNEXPECTED_MESSAGE))
    );
}

#[test]
fn client_hello_after_handshake_is_refused() {
    let (mut client, mut server) = pair();
    // A syntactically valid ClientHello, as a renegotiating client would send.
    let mut hello = Vec::new();
    let mut probe = Connection::new_client(
        Arc::new(ClientConfig::with_verifier(Arc::new(
            crate::verify::danger::NoServerVerification,
        ))),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    probe.poll_output(&mut hello);
    inject(&mut client, &hello[RECORD_HEADER_LEN..]);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(drain_events(&mut server), vec![Event::RenegotiationRefused]);
    pump(&mut server, &mut client).unwrap();
    assert_eq!(
        drain_events(&mut client),
        vec![Event::WarningAlert(AlertDescription::NO_RENEGOTIATION)]
    );
}

#[test]
fn other_handshake_messages_after_the_handshake_are_unexpected() {
    let (mut client, mut server) = pair();
    // A ServerHelloDone out of the blue.
    inject(&mut server, &[14, 0, 0, 0]);
    assert!(matches!(
        pump(&mut server, &mut client),
        Err(Error::UnexpectedMessage {
            got: "ServerHelloDone",
            ..
        })
    ));
    assert_eq!(
        pump(&mut client, &mut server),
        Err(Error::AlertReceived(AlertDescription::UNEXPECTED_MESSAGE))
    );
}

#[test]
fn seal_in_place_waits_for_queued_output() {
    let (mut client, mut server) = pair();
    // A renegotiation refusal leaves a warning alert queued on the client.
    inject(&mut server, &HELLO_REQUEST);
    pump(&mut server, &mut client).unwrap();
    assert!(client.has_output());
    let (prefix, suffix) = client.in_place_layout().unwrap();
    let mut record = vec![0u8; prefix + 3 + suffix];
    assert_eq!(
        client.seal_in_place(&mut record, 3),
        Err(Error::OutputBacklog)
    );
    pump(&mut client, &mut server).unwrap();
    let n = client.seal_in_place(&mut record, 3).unwrap();
    assert_eq!(n, record.len());
}

/// Writes one record of `typ` from `from` under its live write keys; an
/// empty `body` makes an empty record (which `send` never writes).
fn inject_record(from: &mut Connection, typ: ContentType, body: &[u8]) {
    if body.is_empty() {
        let (prefix, suffix) = from.record.in_place_layout().unwrap();
        let mut record = vec![0u8; prefix + suffix];
        let n = from.record.seal_in_place(typ, &mut record, 0).unwrap();
        from.outbox.extend_from_slice(&record[..n]);
    } else {
        from.record
            .write_record(typ, body, &mut from.outbox)
            .unwrap();
    }
}

/// A warning alert (user_canceled) as a record body.
const WARNING: [u8; 2] = [1, 90];

/// A warning alert between empty records used to end their run, and an
/// empty record used to end a run of warnings: alternating them went on
/// forever. Now only progress ends a run of empty records.
#[test]
fn warnings_do_not_end_a_run_of_empty_records() {
    let (mut client, mut server) = pair();
    for i in 0..MAX_EMPTY_RECORDS {
        inject_record(&mut client, ContentType::APPLICATION_DATA, &[]);
        if i < MAX_WARNING_ALERTS {
            inject_record(&mut client, ContentType::ALERT, &WARNING);
        }
    }
    pump(&mut client, &mut server).unwrap();
    assert_eq!(drain_events(&mut server).len(), MAX_WARNING_ALERTS);
    inject_record(&mut client, ContentType::APPLICATION_DATA, &[]);
    assert_eq!(
        pump(&mut client, &mut server),
        Err(Error::LimitExceeded("consecutive empty records"))
    );
}

/// Data ends a run of empty records (it is progress).
#[test]
fn data_ends_a_run_of_empty_records() {
    let (mut client, mut server) = pair();
    for _ in 0..3 {
        for _ in 0..MAX_EMPTY_RECORDS {
            inject_record(&mut client, ContentType::APPLICATION_DATA, &[]);
        }
        inject_record(&mut client, ContentType::APPLICATION_DATA, b"x");
    }
    pump(&mut client, &mut server).unwrap();
    assert!(server.error().is_none());
}

/// Warning alerts are capped over the connection's life, whatever comes
/// between them.
#[test]
fn warning_alerts_are_capped_per_connection() {
    let (mut client, mut server) = pair();
    for _ in 0..MAX_WARNING_ALERTS {
        inject_record(&mut client, ContentType::ALERT, &WARNING);
        inject_record(&mut client, ContentType::APPLICATION_DATA, b"data");
    }
    pump(&mut client, &mut server).unwrap();
    assert_eq!(drain_events(&mut server).len(), MAX_WARNING_ALERTS);
    inject_record(&mut client, ContentType::ALERT, &WARNING);
    assert_eq!(
        pump(&mut client, &mut server),
        Err(Error::LimitExceeded("warning alerts"))
    );
}

/// The report's case: a thousand (warning, empty record) pairs. They end in
/// an error, having queued no more than the cap of events.
#[test]
fn alternating_warnings_and_empty_records_end() {
    let (mut client, mut server) = pair();
    for _ in 0..1000 {
        inject_record(&mut client, ContentType::ALERT, &WARNING);
        inject_record(&mut client, ContentType::APPLICATION_DATA, &[]);
    }
    assert_eq!(
        pump(&mut client, &mut server),
        Err(Error::LimitExceeded("warning alerts"))
    );
    assert!(server.events.len() <= MAX_WARNING_ALERTS);
}

/// With [`MAX_QUEUED_EVENTS`] events waiting, input is not consumed until
/// the caller polls one.
#[test]
fn a_full_event_queue_stops_input() {
    let (mut client, mut server) = pair();
    for _ in 0..MAX_QUEUED_EVENTS {
        server
            .events
            .push_back(Event::WarningAlert(AlertDescription(90)));
    }
    let mut wire = Vec::new();
    client.send(b"x", &mut wire).unwrap();
    assert_eq!(server.handle_input(&mut wire).unwrap().consumed, 0);
    assert!(server.poll_event().is_some());
    let len = wire.len();
    let input = server.handle_input(&mut wire).unwrap();
    assert_eq!(input.consumed, len);
    assert_eq!(input.data.as_deref(), Some(&b"x"[..]));
}

/// HelloRequests during the handshake are ignored (RFC 5246 §7.4.1.1) but
/// counted against the renegotiation-request limit.
#[test]
fn hello_requests_during_the_handshake_are_counted() {
    let (cert, key) = crate::config::test_certificate();
    let mut roots = RootCertStore::new();
    roots.add(cert.clone()).unwrap();
    let mut client = Connection::new_client(
        Arc::new(ClientConfig::new(roots)),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::new_server(Arc::new(ServerConfig::new(vec![cert], &key).unwrap()));
    pump(&mut client, &mut server).unwrap();
    // Before the server's flight, in the clear.
    let mut requests = Vec::new();
    server.poll_output(&mut requests);
    let flight = core::mem::take(&mut requests);
    for _ in 0..MAX_RENEGOTIATION_REQUESTS {
        inject(&mut server, &HELLO_REQUEST);
    }
    server.outbox.extend_from_slice(&flight);
    pump(&mut server, &mut client).unwrap();
    assert!(!drain_events(&mut client).contains(&Event::RenegotiationRefused));
    while client.is_handshaking() || server.is_handshaking() {
        pump(&mut client, &mut server).unwrap();
        pump(&mut server, &mut client).unwrap();
    }

    let (cert, key) = crate::config::test_certificate();
    let mut roots = RootCertStore::new();
    roots.add(cert.clone()).unwrap();
    let mut client = Connection::new_client(
        Arc::new(ClientConfig::new(roots)),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::new_server(Arc::new(ServerConfig::new(vec![cert], &key).unwrap()));
    pump(&mut client, &mut server).unwrap();
    for _ in 0..=MAX_RENEGOTIATION_REQUESTS {
        inject(&mut server, &HELLO_REQUEST);
    }
    assert_eq!(
        pump(&mut server, &mut client),
        Err(Error::TooManyRenegotiationRequests)
    );
}
