//! Record surgery and flight-by-flight driving for the client-auth and
//! resumption tests (the same technique as tests/negative.rs): plaintext
//! handshake records are split, decoded with the crate's codecs, edited and
//! framed again.
#![allow(dead_code)]

use sanstls::handshake::hello::{ClientHello, ServerHello};
use sanstls::handshake::HandshakePayload;
use sanstls::Error;

use super::common::{feed, Pair};

pub const HANDSHAKE: u8 = 22;
pub const CCS: u8 = 20;

/// Splits a wire buffer into (content type, fragment) records.
pub fn split(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        out.push((rest[0], rest[5..5 + len].to_vec()));
        rest = &rest[5 + len..];
    }
    out
}

/// Frames records again, all with version 1.2.
pub fn join(records: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (typ, body) in records {
        out.push(*typ);
        out.extend_from_slice(&[3, 3]);
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    out
}

/// The plaintext handshake messages on `wire` (each of ours travels in a
/// record of its own), up to the first ChangeCipherSpec.
pub fn plaintext_messages(wire: &[u8]) -> Vec<HandshakePayload> {
    split(wire)
        .into_iter()
        .take_while(|(typ, _)| *typ == HANDSHAKE)
        .map(|(_, body)| HandshakePayload::read(&body).unwrap())
        .collect()
}

/// Decodes the plaintext handshake message of type `hs_type` on `wire`,
/// edits and re-encodes it. Panics if there is none.
pub fn edit_message(wire: &mut Vec<u8>, hs_type: u8, f: impl FnOnce(&mut HandshakePayload)) {
    let mut recs = split(wire);
    let rec = recs
        .iter_mut()
        .find(|(typ, body)| *typ == HANDSHAKE && body[0] == hs_type)
        .expect("no such handshake message on the wire");
    let mut msg = HandshakePayload::read(&rec.1).unwrap();
    f(&mut msg);
    rec.1 = msg.to_bytes();
    *wire = join(&recs);
}

pub fn edit_client_hello(wire: &mut Vec<u8>, f: impl FnOnce(&mut ClientHello)) {
    edit_message(wire, 1, |m| match m {
        HandshakePayload::ClientHello(ch) => f(ch),
        _ => unreachable!(),
    });
}

pub fn edit_server_hello(wire: &mut Vec<u8>, f: impl FnOnce(&mut ServerHello)) {
    edit_message(wire, 2, |m| match m {
        HandshakePayload::ServerHello(sh) => f(sh),
        _ => unreachable!(),
    });
}

pub fn to_server(p: &mut Pair) -> Result<(), Error> {
    feed(&mut p.server, &mut p.to_server, p.chunk, &mut p.server_data)
}

pub fn to_client(p: &mut Pair) -> Result<(), Error> {
    feed(&mut p.client, &mut p.to_client, p.chunk, &mut p.client_data)
}

/// The ClientHello is on `to_server`.
pub fn client_hello(p: &mut Pair) {
    p.client.poll_output(&mut p.to_server);
}

/// The server's first flight is on `to_client`.
pub fn server_flight(p: &mut Pair) {
    client_hello(p);
    to_server(p).unwrap();
    p.server.poll_output(&mut p.to_client);
}

/// The client's second flight is on `to_server`.
pub fn client_flight(p: &mut Pair) {
    server_flight(p);
    to_client(p).unwrap();
    p.client.poll_output(&mut p.to_server);
}

/// Shuttles bytes until nothing moves; returns each side's first error.
pub fn settle(p: &mut Pair) -> (Result<(), Error>, Result<(), Error>) {
    let (mut c, mut s) = (Ok(()), Ok(()));
    for _ in 0..8 {
        let (c2, s2) = p.step();
        c = c.and(c2);
        s = s.and(s2);
    }
    (c, s)
}

/// Asserts each side's error, that it is the one the connection keeps, and
/// that both handshakes are over.
#[track_caller]
pub fn expect(p: &mut Pair, client: Error, server: Error) {
    let (c, s) = settle(p);
    assert_eq!(c, Err(client.clone()), "client result");
    assert_eq!(s, Err(server.clone()), "server result");
    assert_eq!(p.client.error(), Some(&client));
    assert_eq!(p.server.error(), Some(&server));
    assert!(!p.client.is_handshaking() && !p.server.is_handshaking());
}

/// Sends `data` from the client and checks the server reads it, then back.
#[track_caller]
pub fn exchange_data(p: &mut Pair, data: &[u8]) {
    let mut wire = Vec::new();
    p.client.send(data, &mut wire).unwrap();
    p.to_server.extend_from_slice(&wire);
    let mut wire = Vec::new();
    p.server.send(data, &mut wire).unwrap();
    p.to_client.extend_from_slice(&wire);
    let (c, s) = p.step();
    c.unwrap();
    s.unwrap();
    assert_eq!(p.server_data, data);
    assert_eq!(p.client_data, data);
}

/// The full TLV of a certificate's subject Name (RFC 5280 §4.1: the sixth
/// field of tbsCertificate when the [0] version is present), found by a
/// minimal DER walk independent of the library.
pub fn subject_der(cert: &[u8]) -> Vec<u8> {
    /// (tag, header length, content length) of the TLV at the front of `b`.
    fn tlv(b: &[u8]) -> (u8, usize, usize) {
        let tag = b[0];
        if b[1] < 0x80 {
            return (tag, 2, b[1] as usize);
        }
        let n = (b[1] & 0x7f) as usize;
        let len = b[2..2 + n]
            .iter()
            .fold(0usize, |acc, x| (acc << 8) | *x as usize);
        (tag, 2 + n, len)
    }
    fn inside(b: &[u8]) -> &[u8] {
        let (_, h, l) = tlv(b);
        &b[h..h + l]
    }
    let tbs = inside(inside(cert));
    let mut rest = tbs;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let (tag, h, l) = tlv(rest);
        fields.push((tag, &rest[..h + l]));
        rest = &rest[h + l..];
    }
    let skip = usize::from(fields[0].0 == 0xa0);
    // serial, signature, issuer, validity, subject
    let (tag, subject) = fields[skip + 4];
    assert_eq!(tag, 0x30, "subject is a SEQUENCE");
    subject.to_vec()
}
