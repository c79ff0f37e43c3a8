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
