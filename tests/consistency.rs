//! The connection behaves the same whatever way the same bytes arrive, and
//! its getters keep telling the truth after a failure.

mod common;
mod hostile;

use common::wire::*;
use common::{KeyType, Pki};
use hostile::*;
use sanstls::Error;

/// The server's last flight (its Finished) followed, inside the protected
/// stream, by a message no one may send after the handshake (a
/// ServerHelloDone). Whether the Finished arrives in one record with it or
/// cut across two records, the client must handle the bytes after the
/// Finished the same way: here, refuse the message.
#[test]
fn bytes_after_the_last_finished_do_not_depend_on_fragmentation() {
    let pki = Pki::new(KeyType::P256);
    let server_hello_done = [14u8, 0, 0, 0];
    let outcome = |fragmented: bool| {
        let mut s = Scene::for_point(&pki, Point::ServerFinish, SUITE);
        let mut m = s.intercept(false);
        m.edit_protected(|recs| {
            assert_eq!(recs.len(), 1, "one Finished record");
            let fin = recs[0].1.clone();
            let mut tail = Vec::new();
            if fragmented {
                recs[0].1 = fin[..7].to_vec();
                tail.extend_from_slice(&fin[7..]);
            } else {
                recs[0].1.clear();
                tail.extend_from_slice(&fin);
            }
            tail.extend_from_slice(&server_hello_done);
            if fragmented {
                recs.push((HANDSHAKE, tail));
            } else {
                recs[0].1 = tail;
            }
        });
        s.release(m);
        let r = s.deliver_to_client();
        (r, s.p.client.is_handshaking())
    };
    let whole = outcome(false);
    let fragmented = outcome(true);
    assert!(
        matches!(
            whole.0,
            Err(Error::UnexpectedMessage {
                got: "ServerHelloDone",
                ..
            })
        ),
        "{whole:?}"
    );
    assert_eq!(whole, fragmented);
}

/// After a fatal error, every call returns that error: the exporter too.
#[test]
fn exporter_returns_the_sticky_error() {
    let pki = Pki::new(KeyType::P256);
    let mut s = Scene::for_point(&pki, Point::TrafficToServer, SUITE);
    let mut out = [0u8; 16];
    s.p.server
        .export_keying_material(b"EXPERIMENTAL test", None, &mut out)
        .unwrap();
    let mut record = Vec::new();
    s.p.client.send(b"x", &mut record).unwrap();
    flip_in_last_record(&mut record);
    s.p.to_server = record;
    assert_eq!(s.deliver_to_server(), Err(Error::BadRecordMac));
    assert_eq!(
        s.p.server
            .export_keying_material(b"EXPERIMENTAL test", None, &mut out),
        Err(Error::BadRecordMac)
    );
}

/// Which side a connection plays does not change when its handshake fails.
#[test]
fn is_client_survives_a_failed_handshake() {
    let pki = Pki::new(KeyType::P256);
    let mut s = Scene::for_point(&pki, Point::ServerFlight, SUITE);
    assert!(s.p.client.is_client() && !s.p.server.is_client());
    let mut m = s.intercept(false);
    flip_in_last_record(&mut m.wire);
    s.release(m);
    assert!(s.deliver_to_client().is_err());
    assert!(s.p.client.error().is_some());
    assert!(s.p.client.is_client(), "the client forgot it is one");

    let mut s = Scene::for_point(&pki, Point::ClientHello, SUITE);
    s.p.to_server = vec![22, 3, 3, 0, 4, 20, 0, 0, 0];
    assert!(s.deliver_to_server().is_err());
    assert!(!s.p.server.is_client());
}

/// The record layout is a getter: it needs only a shared borrow (so it can
/// be asked while the connection is shared, say, behind an `Arc<Mutex<_>>`
/// guard handed out read-only).
#[test]
fn in_place_layout_takes_a_shared_borrow() {
    let pki = Pki::new(KeyType::P256);
    let s = Scene::for_point(&pki, Point::TrafficToServer, SUITE);
    let client: &sanstls::Connection = &s.p.client;
    let (prefix, suffix) = client.in_place_layout().unwrap();
    assert_eq!(
        (prefix, suffix),
        (5 + 8, 16),
        "AES-128-GCM: header and nonce, tag"
    );
}
