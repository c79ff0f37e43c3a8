//! Malformed input, table-driven, for both roles.
//!
//! Each row drives a real in-memory handshake to a point (the flight of that
//! point is on the wire), lets an attacker rewrite the bytes in flight, and
//! says what must happen: the error the receiving side returns and the alert
//! its peer then receives (`Error::AlertReceived`), or that the handshake
//! still completes, or that the receiver simply waits for more bytes, or
//! (for a ClientHello whose edit the Finished exchange would catch anyway)
//! that the receiver takes it and answers with its next flight.
//! Protected records (Finished, traffic) are opened and sealed again with the
//! keys the client's key log reveals, so their plaintext can be malformed too;
//! the attacker derives those keys and protects records with the tests' own
//! TLS 1.2 code (tests/common/tls12.rs), not the crate's.
//!
//! The table runs once per implemented AEAD suite, the legacy ones (RSA key
//! transport, DHE) included with both sides allowed to use them (ECDSA
//! suites with a P-256 server certificate, RSA ones with an RSA-2048 one):
//! the suites differ in record nonces (AES-GCM carries an explicit one,
//! ChaCha20-Poly1305 none), in the PRF hash (SHA-256 or SHA-384), in the
//! server's signatures and in the key exchange, whose messages have rows of
//! their own (malformed/kx.rs). The CBC suites (allow_cbc on both sides)
//! run the CBC record rows (malformed/cbc.rs), and four of them the whole
//! table: see [`passes`]. Rows that make sense for some suites only say so
//! in their name and run there.
//!
//! Rows at the points of a renegotiation (malformed/renegotiation.rs) edit
//! the second handshake's messages, protected under the first one's keys;
//! they run for nine of the suites (one per key exchange, record
//! protection and PRF hash), since each runs two handshakes.
//!
//! `cargo test --test malformed -- --nocapture` prints the table.

#[path = "malformed/cbc.rs"]
mod cbc;
mod common;
mod hostile;
#[path = "malformed/kx.rs"]
mod kx;
#[path = "malformed/renegotiation.rs"]
mod renegotiation;

use common::wire::*;
use common::{KeyType, Pki};
use hostile::*;
use sanstls::internals::codec::enums::{
    AlertDescription as A, CipherSuite, EcPointFormat, ExtensionType,
};
use sanstls::internals::codec::Decode;
use sanstls::internals::codec::List;
use sanstls::internals::handshake::extensions::{ClientExtension, ServerExtension};
use sanstls::limits::{
    MAX_CIPHERTEXT_LEN, MAX_CLIENT_HELLO_LEN, MAX_EMPTY_RECORDS, MAX_HANDSHAKE_MESSAGE_LEN,
    MAX_PLAINTEXT_LEN, MAX_WARNING_ALERTS,
};
use sanstls::suites::{
    AuthKind, KeyExchangeKind, Protection, SupportedSuite, ALL_SUITES, CBC_SUITES, LEGACY_SUITES,
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, TLS_RSA_WITH_AES_256_CBC_SHA,
};
use sanstls::{ClientConfig, Error, Event, InvalidMessage as K, ServerConfig};

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The receiver fails with this error; its peer receives `peer` as a
    /// fatal alert, or nothing (and stays error-free) when `None`.
    Fails { err: Error, peer: Option<A> },
    /// The handshake completes and data flows both ways.
    Completes,
    /// No error, no output: the receiver waits for the rest.
    Waits,
    /// The receiver takes the flight and sends its own next one, with no
    /// error. For a ClientHello edited in flight this is as far as the
    /// handshake can go: the edit changes the transcript, which the
    /// Finished exchange then catches.
    Answers,
    /// The receiver takes the peer's close_notify without an error and
    /// answers it with its own, which the peer takes the same way (a
    /// renegotiation under way is abandoned).
    Closes,
}

fn fails(err: Error, peer: A) -> Outcome {
    Outcome::Fails {
        err,
        peer: Some(peer),
    }
}

fn decode(what: &'static str, kind: K) -> Error {
    Error::InvalidMessage { what, kind }
}

/// A decode error whose alert must be decode_error (RFC 5246 §7.2.2: "a
/// message could not be decoded because some field was out of the specified
/// range or the length of the message was incorrect").
fn decode_error(what: &'static str, kind: K) -> Outcome {
    fails(decode(what, kind), A::DECODE_ERROR)
}

/// Handshake bytes after the message that ends the peer's flight.
fn excess_data() -> Outcome {
    unexpected(
        "nothing more before our answer",
        "handshake data after the end of the peer's flight",
    )
}

fn unexpected(expected: &'static str, got: &'static str) -> Outcome {
    fails(
        Error::UnexpectedMessage { expected, got },
        A::UNEXPECTED_MESSAGE,
    )
}

fn illegal(what: &'static str) -> Outcome {
    fails(Error::IllegalParameter(what), A::ILLEGAL_PARAMETER)
}

/// A ChangeCipherSpec record other than the one byte 1: unexpected_message,
/// whatever its length or value, as OpenSSL answers it.
fn bad_ccs() -> Outcome {
    unexpected(
        "ChangeCipherSpec (one byte of value 1)",
        "a ChangeCipherSpec record of other content",
    )
}

/// A handshake length past MAX_HANDSHAKE_MESSAGE_LEN.
fn too_large() -> Outcome {
    decode_error("handshake length", K::TooLarge)
}

struct Row {
    name: &'static str,
    at: Point,
    mutate: Box<dyn Fn(&mut Mitm)>,
    outcome: Outcome,
    /// The suites the row applies to (all, unless [`Row::only`] says).
    applies: fn(&SupportedSuite) -> bool,
    /// Edits the client's configuration (none, unless
    /// [`Row::with_client`] says).
    client: fn(&mut ClientConfig),
    /// Edits the server's configuration (none, unless
    /// [`Row::with_server`] says).
    server: fn(&Pki, &mut ServerConfig),
}

fn row(
    name: &'static str,
    at: Point,
    mutate: impl Fn(&mut Mitm) + 'static,
    outcome: Outcome,
) -> Row {
    Row {
        name,
        at,
        mutate: Box::new(mutate),
        outcome,
        applies: |_| true,
        client: |_| {},
        server: |_, _| {},
    }
}

impl Row {
    /// Runs the row only for the suites `applies` accepts (the row's name
    /// says which).
    fn only(mut self, applies: fn(&SupportedSuite) -> bool) -> Row {
        self.applies = applies;
        self
    }

    /// Runs the row with the client's configuration edited by `client`
    /// (the row's name says how).
    fn with_client(mut self, client: fn(&mut ClientConfig)) -> Row {
        self.client = client;
        self
    }

    /// Runs the row with the server's configuration edited by `server`
    /// (the row's name says how), which gets the pass's PKI.
    fn with_server(mut self, server: fn(&Pki, &mut ServerConfig)) -> Row {
        self.server = server;
        self
    }
}

/// AEAD suites whose records carry an explicit nonce (AES-GCM, RFC 5288
/// §3); a CBC record's IV has rows of its own (malformed/cbc.rs).
fn has_explicit_nonce(suite: &SupportedSuite) -> bool {
    matches!(suite.protection, Protection::Aead(_)) && common::tls12::explicit_nonce_len(suite) > 0
}

// ---- rows of the same kind, for any message or point ----

/// Message `typ` one byte short: decoding `field` runs out of bytes.
fn short_by_one(name: &'static str, at: Point, typ: u8, field: &'static str) -> Row {
    row(
        name,
        at,
        move |m| truncate_body(m, typ, 1),
        decode_error(field, K::Truncated),
    )
}

/// Message `typ` with one byte after its last field (`what` names it).
fn trailing(name: &'static str, at: Point, typ: u8, what: &'static str) -> Row {
    row(
        name,
        at,
        move |m| trailing_byte(m, typ),
        decode_error(what, K::TrailingData),
    )
}

/// Message `typ` whose header announces `len` bytes (past the limit).
fn announces(name: &'static str, at: Point, typ: u8, len: usize) -> Row {
    row(name, at, move |m| announce(m, typ, len), too_large())
}

/// Record `index` on the wire with header version `version`.
fn record_version(name: &'static str, at: Point, index: usize, version: u16, o: Outcome) -> Row {
    row(
        name,
        at,
        move |m| set_record_version(&mut m.wire, index, version),
        o,
    )
}

/// A plaintext record of type `typ` put before the flight.
fn prepended(name: &'static str, at: Point, typ: u8, body: &'static [u8], o: Outcome) -> Row {
    row(
        name,
        at,
        move |m| {
            m.wire.splice(0..0, record(typ, body));
        },
        o,
    )
}

/// `recs`, sealed with the sender's keys, appended to the wire.
fn sealed(name: &'static str, at: Point, recs: &[(u8, Vec<u8>)], o: Outcome) -> Row {
    let recs = recs.to_vec();
    row(name, at, move |m| m.push_sealed(1, &recs), o)
}

/// The body of message `typ` edited by `f` (its header length follows).
fn body_edit(name: &'static str, at: Point, typ: u8, f: fn(&mut Vec<u8>), o: Outcome) -> Row {
    row(name, at, move |m| edit_body(&mut m.wire, typ, f), o)
}

/// The ClientHello in flight, decoded, edited by `f` and encoded again.
fn client_hello_edit(name: &'static str, f: fn(&mut EditClientHello<'_>), o: Outcome) -> Row {
    row(
        name,
        Point::ClientHello,
        move |m| edit_client_hello(&mut m.wire, f),
        o,
    )
}

/// The ClientHello in flight edited by `f` into one that may be longer than
/// a record, then framed in records of 2^14 bytes.
fn client_hello_grown(name: &'static str, f: fn(&mut EditClientHello<'_>), o: Outcome) -> Row {
    row(
        name,
        Point::ClientHello,
        move |m| {
            let msg: Vec<u8> = split(&m.wire).into_iter().flat_map(|r| r.1).collect();
            let mut ch = EditClientHello::read(&msg);
            f(&mut ch);
            m.wire = frame(&ch.to_bytes(), MAX_PLAINTEXT_LEN);
        },
        o,
    )
}

/// The plaintext records of the flight edited by `f`.
fn records_edit(name: &'static str, at: Point, f: fn(&mut Vec<(u8, Vec<u8>)>), o: Outcome) -> Row {
    row(name, at, move |m| edit_records(&mut m.wire, f), o)
}

/// The protected Finished on the wire, its body edited by `f`.
fn finished(name: &'static str, at: Point, f: fn(&mut Vec<u8>), o: Outcome) -> Row {
    row(name, at, move |m| edit_finished(m, f), o)
}

// ---- mutations shared by several rows ----

/// Drops the last `n` bytes of a message and fixes its header length.
fn truncate_body(m: &mut Mitm, typ: u8, n: usize) {
    edit_body(&mut m.wire, typ, |b| b.truncate(b.len() - n));
}

/// Appends one byte to a message body and fixes its header length.
fn trailing_byte(m: &mut Mitm, typ: u8) {
    edit_body(&mut m.wire, typ, |b| b.push(0));
}

/// Sets the u24 header length of a message to `len` without changing its body.
fn announce(m: &mut Mitm, typ: u8, len: usize) {
    edit_raw(&mut m.wire, typ, |msg| set_u24(msg, 1, len));
}

/// Edits the plaintext of the protected Finished.
fn edit_finished(m: &mut Mitm, f: fn(&mut Vec<u8>)) {
    m.edit_protected(|recs| {
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].1[0], FINISHED);
        let mut body = recs[0].1.split_off(4);
        f(&mut body);
        set_u24(&mut recs[0].1, 1, body.len());
        recs[0].1.extend_from_slice(&body);
    });
}

/// A Finished message with a zero verify_data.
const ZERO_FINISHED: [u8; 16] = [FINISHED, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// Keeps the first plaintext record and puts a plaintext Finished after it
/// (where the ChangeCipherSpec should be).
fn finished_before_ccs(r: &mut Vec<(u8, Vec<u8>)>) {
    r.truncate(1);
    r.push((HANDSHAKE, ZERO_FINISHED.to_vec()));
}

/// Cuts the first (plaintext) handshake message of the flight into 1-byte
/// records, and the protected Finished into 1-byte protected records.
fn first_message_and_finished_in_1_byte_records(m: &mut Mitm) {
    edit_records(&mut m.wire, |r| {
        let first = r.remove(0);
        for (i, x) in first.1.iter().enumerate() {
            r.insert(i, (HANDSHAKE, vec![*x]));
        }
    });
    m.edit_protected(|r| {
        *r = r[0].1.iter().map(|x| (HANDSHAKE, vec![*x])).collect();
    });
}

fn push_plain(m: &mut Mitm, typ: u8, body: &[u8]) {
    m.wire.extend_from_slice(&record(typ, body));
}

fn rows() -> Vec<Row> {
    use Point::*;
    vec![
        // ---- ClientHello (server receives) ----
        short_by_one("CH one byte short", ClientHello, CLIENT_HELLO, "extensions"),
        trailing(
            "CH trailing byte after extensions",
            ClientHello,
            CLIENT_HELLO,
            "CLIENT_HELLO",
        ),
        announces(
            "CH announces 2^24-1 bytes",
            ClientHello,
            CLIENT_HELLO,
            0xff_ffff,
        ),
        row(
            "CH header 1 byte longer than the body",
            ClientHello,
            |m| {
                let len = split(&m.wire)[0].1.len() - 4;
                announce(m, CLIENT_HELLO, len + 1)
            },
            Outcome::Waits,
        ),
        body_edit(
            "CH session_id of 33 bytes",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (sid, ..) = client_hello_offsets(b);
                let old = b[sid] as usize;
                b.splice(sid..sid + 1 + old, std::iter::once(33).chain([7; 33]));
            },
            decode_error("SessionId", K::BadLength),
        ),
        body_edit(
            "CH cipher_suites of odd length",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (_, suites, ..) = client_hello_offsets(b);
                let n = get_u16(b, suites);
                set_u16(b, suites, n + 1);
                b.insert(suites + 2 + n, 0);
            },
            decode_error("cipher_suites", K::BadLength),
        ),
        body_edit(
            "CH cipher_suites longer than the hello",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (_, suites, ..) = client_hello_offsets(b);
                let n = b.len();
                set_u16(b, suites, n);
            },
            decode_error("cipher_suites", K::Truncated),
        ),
        body_edit(
            "CH extensions block 1 shorter than its content",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (.., ext) = client_hello_offsets(b);
                let n = get_u16(b, ext);
                set_u16(b, ext, n - 1);
            },
            decode_error("extension", K::Truncated),
        ),
        body_edit(
            "CH duplicate extension",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (.., ext) = client_hello_offsets(b);
                duplicate_first_extension(b, ext);
            },
            fails(
                decode("extensions", K::DuplicateExtension),
                A::ILLEGAL_PARAMETER,
            ),
        ),
        body_edit(
            "CH compression only DEFLATE",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (_, _, comp, _) = client_hello_offsets(b);
                b[comp + 1] = 1;
            },
            illegal("ClientHello does not offer null compression"),
        ),
        body_edit(
            "CH empty compression_methods",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                let (_, _, comp, _) = client_hello_offsets(b);
                b[comp] = 0;
                b.remove(comp + 1);
            },
            decode_error("compression_methods", K::BadLength),
        ),
        body_edit(
            "CH client_version 2.0",
            ClientHello,
            CLIENT_HELLO,
            |b| {
                b[0] = 2;
                b[1] = 0;
            },
            fails(Error::ProtocolVersion, A::PROTOCOL_VERSION),
        ),
        // RFC 6066 §3 forbids IP literals in host_name; some clients send
        // one anyway, and the server ignores it as rustls does.
        client_hello_edit(
            "CH server_name 127.0.0.1 (ignored, as no server_name)",
            |ch| set_server_name(ch, b"127.0.0.1"),
            Outcome::Answers,
        ),
        client_hello_edit(
            "CH server_name ::1 (ignored, as no server_name)",
            |ch| set_server_name(ch, b"::1"),
            Outcome::Answers,
        ),
        client_hello_edit(
            "CH server_name neither a DNS name nor an IP address",
            |ch| set_server_name(ch, b"exa mple.test"),
            illegal("server_name is not a DNS host name"),
        ),
        // Our client sends ec_point_formats with ECDHE suites only (RFC
        // 8422 §4); for the others the edit adds one.
        client_hello_edit(
            "CH ec_point_formats without uncompressed",
            |ch| {
                ch.extensions
                    .retain(|e| e.ext_type() != ExtensionType::EC_POINT_FORMATS);
                // ansiX962_compressed_prime only (RFC 8422 §5.1.2).
                ch.extensions
                    .push(ClientExtension::EcPointFormats(List::Items(&[
                        EcPointFormat(1),
                    ])));
            },
            illegal("client does not accept uncompressed points"),
        ),
        // RFC 5746: a server that never renegotiates accepts it by default.
        client_hello_edit(
            "CH without the SCSV or renegotiation_info",
            |ch| {
                ch.cipher_suites
                    .retain(|s| *s != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
                ch.extensions
                    .retain(|e| e.ext_type() != ExtensionType::RENEGOTIATION_INFO);
            },
            Outcome::Answers,
        ),
        row(
            "CH in 1-byte records",
            ClientHello,
            |m| {
                m.wire = join(&one_byte_records(&split(&m.wire)));
            },
            Outcome::Completes,
        ),
        record_version(
            "CH record version 0x0200",
            ClientHello,
            0,
            0x0200,
            fails(
                Error::BadRecordVersion("record version is not 3.x"),
                A::PROTOCOL_VERSION,
            ),
        ),
        row(
            "CH as sent: record version 0x0301 (RFC 5246 Appendix E.1)",
            ClientHello,
            |m| assert_eq!(m.wire[1..3], [3, 1], "our ClientHello's record version"),
            Outcome::Completes,
        ),
        record_version(
            "CH record version 0x0303 (any 3.x allowed before ServerHello)",
            ClientHello,
            0,
            0x0303,
            Outcome::Completes,
        ),
        record_version(
            "CH record version 0x0300 (any 3.x allowed before ServerHello)",
            ClientHello,
            0,
            0x0300,
            Outcome::Completes,
        ),
        row(
            "client flight as sent: every record 0x0303",
            ClientFlight,
            |m| {
                let mut at = 0;
                while at < m.wire.len() {
                    assert_eq!(m.wire[at + 1..at + 3], [3, 3], "record at {at}");
                    at += 5 + get_u16(&m.wire, at + 3);
                }
            },
            Outcome::Completes,
        ),
        row(
            "plaintext record of 2^14+1 bytes",
            ClientHello,
            |m| {
                m.wire = record(HANDSHAKE, &vec![0; MAX_PLAINTEXT_LEN + 1]);
            },
            fails(
                Error::RecordOverflow {
                    len: MAX_PLAINTEXT_LEN + 1,
                },
                A::RECORD_OVERFLOW,
            ),
        ),
        row(
            "zero-length handshake record",
            ClientHello,
            |m| {
                m.wire.splice(0..0, record(HANDSHAKE, &[]));
            },
            decode_error("empty handshake or alert fragment", K::BadLength),
        ),
        row(
            "zero-length alert record",
            ClientHello,
            |m| m.wire = record(ALERT, &[]),
            decode_error("empty handshake or alert fragment", K::BadLength),
        ),
        row(
            "zero-length CCS record",
            ClientHello,
            |m| m.wire = record(CCS, &[]),
            bad_ccs(),
        ),
        row(
            "unknown content type 99",
            ClientHello,
            |m| m.wire[0] = 99,
            unexpected(
                "a record of a known content type",
                "a record of an unknown content type",
            ),
        ),
        // A ClientHello may be as long as its own length fields allow.
        row(
            "CH header announces MAX_HANDSHAKE_MESSAGE_LEN+1 (a CH may)",
            ClientHello,
            move |m| announce(m, CLIENT_HELLO, MAX_HANDSHAKE_MESSAGE_LEN + 1),
            Outcome::Waits,
        ),
        announces(
            "CH header announces MAX_CLIENT_HELLO_LEN+1",
            ClientHello,
            CLIENT_HELLO,
            MAX_CLIENT_HELLO_LEN + 1,
        ),
        client_hello_grown(
            "CH of 65,537 bytes, in 5 records",
            |ch| {
                let len = ch.to_bytes().len() - 4;
                ch.extensions.push(ClientExtension::Unknown {
                    typ: ExtensionType(0xfa00),
                    data: vec![0; MAX_HANDSHAKE_MESSAGE_LEN + 1 - len - 4].leak(),
                });
                assert_eq!(ch.to_bytes().len(), 4 + MAX_HANDSHAKE_MESSAGE_LEN + 1);
            },
            Outcome::Answers,
        ),
        // Lists are bounded by their bytes, not by a count.
        client_hello_edit(
            "CH with 1,000 cipher suites (ours last)",
            |ch| {
                let mut all = vec![CipherSuite(0xfefe); 1_000 - ch.cipher_suites.len()];
                all.append(&mut ch.cipher_suites);
                ch.cipher_suites = all;
            },
            Outcome::Answers,
        ),
        client_hello_edit(
            "CH with 1,000 extensions (ours last)",
            |ch| {
                let mut all: Vec<_> = (0..1_000 - ch.extensions.len())
                    .map(|i| ClientExtension::Unknown {
                        typ: ExtensionType(0x1000 + i as u16),
                        data: &[],
                    })
                    .collect();
                all.append(&mut ch.extensions);
                ch.extensions = all;
            },
            Outcome::Answers,
        ),
        client_hello_grown(
            "CH with 32,767 cipher suites (ours last)",
            |ch| {
                let mut all = vec![CipherSuite(0xfefe); 32_767 - ch.cipher_suites.len()];
                all.append(&mut ch.cipher_suites);
                ch.cipher_suites = all;
            },
            Outcome::Answers,
        ),
        client_hello_grown(
            "CH with 16,000+ extensions, all the block holds (ours last)",
            |ch| {
                let used: usize = ch.extensions.iter().map(|e| e.encode_to_vec().len()).sum();
                let mut all: Vec<_> = (0..(0xffff - used) / 4)
                    .map(|i| ClientExtension::Unknown {
                        typ: ExtensionType(0x1000 + i as u16),
                        data: &[],
                    })
                    .collect();
                all.append(&mut ch.extensions);
                ch.extensions = all;
                // 16,372 with our ECDHE ClientHello; a DHE one names more
                // groups. No room for one more empty extension either way.
                let block: usize = ch.extensions.iter().map(|e| e.encode_to_vec().len()).sum();
                assert!(ch.extensions.len() > 16_000 && block > 0xffff - 4);
            },
            Outcome::Answers,
        ),
        client_hello_grown(
            "CH of MAX_CLIENT_HELLO_LEN, every list at its longest",
            |ch| grow_to_max_client_hello(ch, true),
            Outcome::Answers,
        ),
        row(
            "application data before any handshake",
            ClientHello,
            |m| push_plain(m, APPDATA, b"early"),
            unexpected("ClientKeyExchange", "application data"),
        ),
        // A message the state does not take is refused from its type,
        // before its body is decoded or waited for (OpenSSL checks the type
        // first too).
        row(
            "Finished with a TLS 1.3-sized body instead of ClientHello",
            ClientHello,
            |m| {
                let mut fin = vec![FINISHED, 0, 0, 32];
                fin.extend_from_slice(&[0; 32]);
                m.wire = record(HANDSHAKE, &fin);
            },
            unexpected("ClientHello", "Finished"),
        ),
        row(
            "Certificate header announcing 2^24-1 instead of ClientHello",
            ClientHello,
            |m| m.wire = record(HANDSHAKE, &[CERTIFICATE, 0xff, 0xff, 0xff]),
            unexpected("ClientHello", "Certificate"),
        ),
        row(
            "unknown handshake type 99 announcing 2^24-1",
            ClientHello,
            |m| m.wire = record(HANDSHAKE, &[99, 0xff, 0xff, 0xff]),
            unexpected("ClientHello", "unknown handshake message"),
        ),
        row(
            "CCS instead of ClientHello",
            ClientHello,
            |m| m.wire = record(CCS, &[1]),
            unexpected("ClientHello", "ChangeCipherSpec"),
        ),
        // ---- ServerHello (client receives) ----
        short_by_one(
            "SH one byte short",
            ServerFlight,
            SERVER_HELLO,
            "extensions",
        ),
        trailing(
            "SH trailing byte",
            ServerFlight,
            SERVER_HELLO,
            "SERVER_HELLO",
        ),
        announces(
            "SH announces 2^24-1 bytes",
            ServerFlight,
            SERVER_HELLO,
            0xff_ffff,
        ),
        body_edit(
            "SH session_id of 33 bytes",
            ServerFlight,
            SERVER_HELLO,
            |b| {
                let (sid, ..) = server_hello_offsets(b);
                let old = b[sid] as usize;
                b.splice(sid..sid + 1 + old, std::iter::once(33).chain([7; 33]));
            },
            decode_error("SessionId", K::BadLength),
        ),
        body_edit(
            "SH extensions block longer than the hello",
            ServerFlight,
            SERVER_HELLO,
            |b| {
                let (.., ext) = server_hello_offsets(b);
                let n = get_u16(b, ext);
                set_u16(b, ext, n + 1);
            },
            decode_error("extensions", K::Truncated),
        ),
        body_edit(
            "SH duplicate extension",
            ServerFlight,
            SERVER_HELLO,
            |b| {
                let (.., ext) = server_hello_offsets(b);
                duplicate_first_extension(b, ext);
            },
            fails(
                decode("extensions", K::DuplicateExtension),
                A::ILLEGAL_PARAMETER,
            ),
        ),
        body_edit(
            "SH compression DEFLATE",
            ServerFlight,
            SERVER_HELLO,
            |b| {
                let (_, _, comp, _) = server_hello_offsets(b);
                b[comp] = 1;
            },
            illegal("server chose a compression method we did not offer"),
        ),
        body_edit(
            "SH unknown cipher suite",
            ServerFlight,
            SERVER_HELLO,
            |b| {
                let (_, suite, ..) = server_hello_offsets(b);
                set_u16(b, suite, 0x1301);
            },
            illegal("server chose a cipher suite we did not offer"),
        ),
        body_edit(
            "SH server_version 3.1",
            ServerFlight,
            SERVER_HELLO,
            |b| b[1] = 1,
            fails(Error::ProtocolVersion, A::PROTOCOL_VERSION),
        ),
        records_edit(
            "second ServerHello",
            ServerFlight,
            |r| {
                let sh = r[0].clone();
                r.insert(1, sh);
            },
            unexpected("Certificate", "ServerHello"),
        ),
        row(
            "Finished with a TLS 1.3-sized body instead of ServerHello",
            ServerFlight,
            |m| {
                let mut fin = vec![FINISHED, 0, 0, 32];
                fin.extend_from_slice(&[0; 32]);
                m.wire = record(HANDSHAKE, &fin);
            },
            unexpected("ServerHello", "Finished"),
        ),
        records_edit(
            "ServerHello across two records, then a Finished header announcing 2^24-1",
            ServerFlight,
            |r| {
                // The second half of the ServerHello completes it in the
                // joiner; the header behind it is checked as the next
                // message, by its type first.
                let tail = r[0].1.split_off(10);
                let mut second = tail;
                second.extend_from_slice(&[FINISHED, 0xff, 0xff, 0xff]);
                r.truncate(1);
                r.push((HANDSHAKE, second));
            },
            unexpected("Certificate", "Finished"),
        ),
        record_version(
            "record version 0x0302 after ServerHello",
            ServerFlight,
            1,
            0x0302,
            fails(
                Error::BadRecordVersion("record version is not TLS 1.2"),
                A::PROTOCOL_VERSION,
            ),
        ),
        record_version(
            "SH record version 0x0200",
            ServerFlight,
            0,
            0x0200,
            fails(
                Error::BadRecordVersion("record version is not 3.x"),
                A::PROTOCOL_VERSION,
            ),
        ),
        row(
            "server flight in 1-byte records",
            ServerFlight,
            |m| {
                m.wire = join(&one_byte_records(&split(&m.wire)));
            },
            Outcome::Completes,
        ),
        row(
            "server flight as one record",
            ServerFlight,
            |m| {
                let all: Vec<u8> = split(&m.wire).into_iter().flat_map(|r| r.1).collect();
                m.wire = record(HANDSHAKE, &all);
            },
            Outcome::Completes,
        ),
        // ---- the end of a flight (BoGo's Partial*With* tests) ----
        // A message the receiver answers with a flight of its own ends the
        // peer's flight: handshake bytes behind it, in the same record or
        // already buffered, were written before the peer read our answer.
        records_edit(
            "ClientHello, then part of a ClientKeyExchange in its record",
            ClientHello,
            |r| r[0].1.extend_from_slice(&[CLIENT_KEY_EXCHANGE, 0, 0]),
            excess_data(),
        ),
        records_edit(
            "ClientHello across two records, part of a ClientKeyExchange behind it",
            ClientHello,
            |r| {
                let mut tail = r[0].1.split_off(10);
                tail.extend_from_slice(&[CLIENT_KEY_EXCHANGE, 0, 0]);
                r.insert(1, (HANDSHAKE, tail));
            },
            excess_data(),
        ),
        records_edit(
            "ServerHelloDone, then part of a NewSessionTicket in its record",
            ServerFlight,
            |r| {
                let i = find_hs(r, SERVER_HELLO_DONE);
                r[i].1.extend_from_slice(&[NEW_SESSION_TICKET, 0]);
            },
            excess_data(),
        ),
        records_edit(
            "handshake message spans a CCS",
            ServerFlight,
            |r| {
                let i = find_hs(r, CERTIFICATE);
                let tail = r[i].1.split_off(10);
                r.insert(i + 1, (CCS, vec![1]));
                r.insert(i + 2, (HANDSHAKE, tail));
            },
            unexpected("rest of a handshake message", "ChangeCipherSpec"),
        ),
        // ---- Certificate (client receives) ----
        short_by_one(
            "Certificate one byte short",
            ServerFlight,
            CERTIFICATE,
            "certificate_list",
        ),
        body_edit(
            "Certificate list 1 shorter than its content",
            ServerFlight,
            CERTIFICATE,
            |b| {
                let n = b.len() - 3;
                set_u24(b, 0, n - 1);
            },
            decode_error("ASN.1Cert", K::Truncated),
        ),
        trailing(
            "Certificate trailing byte after the list",
            ServerFlight,
            CERTIFICATE,
            "CERTIFICATE",
        ),
        body_edit(
            "Certificate with an empty ASN.1Cert",
            ServerFlight,
            CERTIFICATE,
            |b| {
                *b = vec![0, 0, 3, 0, 0, 0];
            },
            decode_error("ASN.1Cert", K::BadLength),
        ),
        body_edit(
            "Certificate list empty",
            ServerFlight,
            CERTIFICATE,
            |b| {
                *b = vec![0, 0, 0];
            },
            fails(
                Error::InvalidCertificate(sanstls::CertificateError::Empty),
                A::BAD_CERTIFICATE,
            ),
        ),
        body_edit(
            "Certificate DER garbage",
            ServerFlight,
            CERTIFICATE,
            |b| {
                *b = vec![0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef];
            },
            fails(
                Error::InvalidCertificate(sanstls::CertificateError::BadEncoding),
                A::BAD_CERTIFICATE,
            ),
        ),
        body_edit(
            "Certificate: the leaf's signature does not verify",
            ServerFlight,
            CERTIFICATE,
            |b| {
                // The last byte of the first certificate is the last byte
                // of its signature (for ECDSA, of the DER integer s).
                let end = 6 + (u32::from_be_bytes([0, b[3], b[4], b[5]]) as usize);
                b[end - 1] ^= 1;
            },
            fails(
                Error::InvalidCertificate(sanstls::CertificateError::BadSignature),
                A::DECRYPT_ERROR,
            ),
        ),
        announces(
            "Certificate announces 2^24-1 bytes",
            ServerFlight,
            CERTIFICATE,
            0xff_ffff,
        ),
        // ---- CertificateRequest (client receives) ----
        short_by_one(
            "CertificateRequest one byte short",
            ServerFlightCertReq,
            CERTIFICATE_REQUEST,
            "certificate_authorities",
        ),
        trailing(
            "CertificateRequest trailing byte",
            ServerFlightCertReq,
            CERTIFICATE_REQUEST,
            "CERTIFICATE_REQUEST",
        ),
        body_edit(
            "CertificateRequest empty certificate_types",
            ServerFlightCertReq,
            CERTIFICATE_REQUEST,
            |b| {
                let n = b[0] as usize;
                b.drain(0..1 + n);
                b.insert(0, 0);
            },
            decode_error("certificate_types", K::BadLength),
        ),
        body_edit(
            "CertificateRequest odd signature_algorithms",
            ServerFlightCertReq,
            CERTIFICATE_REQUEST,
            |b| {
                let at = 1 + b[0] as usize;
                let n = get_u16(b, at);
                set_u16(b, at, n + 1);
                b.insert(at + 2 + n, 0);
            },
            decode_error("supported_signature_algorithms", K::BadLength),
        ),
        announces(
            "CertificateRequest announces 2^24-1 bytes",
            ServerFlightCertReq,
            CERTIFICATE_REQUEST,
            0xff_ffff,
        ),
        records_edit(
            "second CertificateRequest",
            ServerFlightCertReq,
            |r| {
                let i = find_hs(r, CERTIFICATE_REQUEST);
                let cr = r[i].clone();
                r.insert(i, cr);
            },
            unexpected("ServerHelloDone", "CertificateRequest"),
        ),
        // ---- ServerHelloDone (client receives) ----
        trailing(
            "SHD with a body byte",
            ServerFlight,
            SERVER_HELLO_DONE,
            "SERVER_HELLO_DONE",
        ),
        row(
            "SHD header 1 byte longer than the body",
            ServerFlight,
            |m| announce(m, SERVER_HELLO_DONE, 1),
            Outcome::Waits,
        ),
        announces(
            "SHD announces MAX_HANDSHAKE_MESSAGE_LEN+1",
            ServerFlight,
            SERVER_HELLO_DONE,
            MAX_HANDSHAKE_MESSAGE_LEN + 1,
        ),
        records_edit(
            "SHD before Certificate",
            ServerFlight,
            |r| {
                // Everything between ServerHello and ServerHelloDone.
                let shd = find_hs(r, SERVER_HELLO_DONE);
                r.drain(1..shd);
            },
            unexpected("Certificate", "ServerHelloDone"),
        ),
        records_edit(
            "SHD missing, CCS instead",
            ServerFlight,
            |r| {
                r.pop();
                r.push((CCS, vec![1]));
            },
            unexpected("ServerHelloDone", "ChangeCipherSpec"),
        ),
        // ---- ClientKeyExchange (server receives; the rest in kx.rs) ----
        announces(
            "CKE announces 2^24-1 bytes",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            0xff_ffff,
        ),
        record_version(
            "record version 0x0302 after ServerHello (server)",
            ClientFlight,
            0,
            0x0302,
            fails(
                Error::BadRecordVersion("record version is not TLS 1.2"),
                A::PROTOCOL_VERSION,
            ),
        ),
        row(
            "client flight: CKE in 1-byte records, Finished in 1-byte protected records",
            ClientFlight,
            first_message_and_finished_in_1_byte_records,
            Outcome::Completes,
        ),
        records_edit(
            "CCS before CKE",
            ClientFlight,
            |r| r.swap(0, 1),
            unexpected("ClientKeyExchange", "ChangeCipherSpec"),
        ),
        // ---- CertificateVerify and the client's Certificate (server receives) ----
        short_by_one(
            "client Certificate one byte short",
            ClientFlightAuth,
            CERTIFICATE,
            "certificate_list",
        ),
        short_by_one(
            "CV one byte short",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            "signature",
        ),
        trailing(
            "CV trailing byte",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            "CERTIFICATE_VERIFY",
        ),
        body_edit(
            "CV signature length past the end",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            |b| set_u16(b, 2, 0xffff),
            decode_error("signature", K::Truncated),
        ),
        body_edit(
            "CV signature tampered",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            |b| {
                let n = b.len();
                b[n - 3] ^= 1;
            },
            fails(Error::BadSignature, A::DECRYPT_ERROR),
        ),
        body_edit(
            "CV unknown signature scheme",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            |b| set_u16(b, 0, 0x0999),
            illegal("CertificateVerify scheme we did not request"),
        ),
        announces(
            "CV announces 2^24-1 bytes",
            ClientFlightAuth,
            CERTIFICATE_VERIFY,
            0xff_ffff,
        ),
        records_edit(
            "CV missing",
            ClientFlightAuth,
            |r| {
                let i = find_hs(r, CERTIFICATE_VERIFY);
                r.remove(i);
            },
            unexpected("CertificateVerify", "ChangeCipherSpec"),
        ),
        // ---- Finished, protected (server receives) ----
        finished(
            "client Finished one byte short",
            ClientFlight,
            |b| {
                b.pop();
            },
            decode_error("Finished", K::BadLength),
        ),
        finished(
            "client Finished one byte long",
            ClientFlight,
            |b| b.push(0),
            decode_error("Finished", K::BadLength),
        ),
        finished(
            "client Finished empty",
            ClientFlight,
            |b| b.clear(),
            decode_error("Finished", K::BadLength),
        ),
        finished(
            "client Finished verify_data wrong",
            ClientFlight,
            |b| b[0] ^= 1,
            fails(Error::BadFinished, A::DECRYPT_ERROR),
        ),
        row(
            "client Finished announces 2^24-1 bytes",
            ClientFlight,
            |m| m.edit_protected(|r| set_u24(&mut r[0].1, 1, 0xff_ffff)),
            too_large(),
        ),
        row(
            "client Finished record tampered",
            ClientFlight,
            |m| {
                let n = m.wire.len();
                m.wire[n - 17] ^= 1;
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        records_edit(
            "Finished before CCS (plaintext)",
            ClientFlight,
            finished_before_ccs,
            unexpected("ChangeCipherSpec", "Finished"),
        ),
        row(
            "application data instead of Finished (protected)",
            ClientFlight,
            |m| m.edit_protected(|r| *r = vec![(APPDATA, b"early".to_vec())]),
            unexpected("Finished", "application data"),
        ),
        row(
            "CCS twice (second one protected)",
            ClientFlight,
            |m| m.edit_protected(|r| r.insert(0, (CCS, vec![1]))),
            unexpected("Finished", "ChangeCipherSpec"),
        ),
        records_edit(
            "CCS twice (second one plaintext)",
            ClientFlight,
            |r| {
                let ccs = r[1].clone();
                r.insert(2, ccs);
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        records_edit("CCS byte 2", ClientFlight, |r| r[1].1 = vec![2], bad_ccs()),
        records_edit(
            "CCS of 2 bytes",
            ClientFlight,
            |r| r[1].1 = vec![1, 1],
            bad_ccs(),
        ),
        records_edit("CCS empty", ClientFlight, |r| r[1].1 = vec![], bad_ccs()),
        // ---- NewSessionTicket and Finished (client receives) ----
        short_by_one(
            "NST one byte short",
            ServerFinish,
            NEW_SESSION_TICKET,
            "ticket",
        ),
        trailing(
            "NST trailing byte",
            ServerFinish,
            NEW_SESSION_TICKET,
            "NEW_SESSION_TICKET",
        ),
        body_edit(
            "NST ticket length past the end",
            ServerFinish,
            NEW_SESSION_TICKET,
            |b| set_u16(b, 4, 0xffff),
            decode_error("ticket", K::Truncated),
        ),
        records_edit(
            "NST twice",
            ServerFinish,
            |r| {
                let t = r[0].clone();
                r.insert(0, t);
            },
            unexpected("ChangeCipherSpec", "NewSessionTicket"),
        ),
        announces(
            "NST announces MAX_HANDSHAKE_MESSAGE_LEN+1",
            ServerFinish,
            NEW_SESSION_TICKET,
            MAX_HANDSHAKE_MESSAGE_LEN + 1,
        ),
        finished(
            "server Finished one byte short",
            ServerFinish,
            |b| {
                b.pop();
            },
            decode_error("Finished", K::BadLength),
        ),
        finished(
            "server Finished verify_data wrong",
            ServerFinish,
            |b| b[11] ^= 0x80,
            fails(Error::BadFinished, A::DECRYPT_ERROR),
        ),
        row(
            "application data instead of server Finished (protected)",
            ServerFinish,
            |m| m.edit_protected(|r| *r = vec![(APPDATA, b"early".to_vec())]),
            unexpected("Finished", "application data"),
        ),
        row(
            "server CCS twice (second one protected)",
            ServerFinish,
            |m| m.edit_protected(|r| r.insert(0, (CCS, vec![1]))),
            unexpected("Finished", "ChangeCipherSpec"),
        ),
        records_edit(
            "server Finished before CCS",
            ServerFinish,
            finished_before_ccs,
            unexpected("ChangeCipherSpec", "Finished"),
        ),
        row(
            "server final flight in 1-byte records",
            ServerFinish,
            first_message_and_finished_in_1_byte_records,
            Outcome::Completes,
        ),
        // ---- alerts ----
        prepended(
            "alert level 3",
            ServerFlight,
            ALERT,
            &[3, 0],
            fails(decode("AlertLevel", K::IllegalValue), A::ILLEGAL_PARAMETER),
        ),
        prepended(
            "alert of 1 byte",
            ServerFlight,
            ALERT,
            &[1],
            decode_error("AlertDescription", K::Truncated),
        ),
        prepended(
            "alert of 3 bytes",
            ServerFlight,
            ALERT,
            &[1, 0, 0],
            decode_error("Alert", K::TrailingData),
        ),
        prepended(
            "two alerts in one record",
            ClientHello,
            ALERT,
            &[1, 90, 1, 90],
            decode_error("Alert", K::TrailingData),
        ),
        row(
            "warning alerts at MAX_WARNING_ALERTS, then the flight",
            ServerFlight,
            |m| {
                let mut w: Vec<u8> = (0..MAX_WARNING_ALERTS)
                    .flat_map(|_| record(ALERT, &[1, 90]))
                    .collect();
                w.append(&mut m.wire);
                m.wire = w;
            },
            Outcome::Completes,
        ),
        row(
            "warning alert flood (MAX_WARNING_ALERTS+1)",
            ServerFlight,
            |m| {
                m.wire = (0..=MAX_WARNING_ALERTS)
                    .flat_map(|_| record(ALERT, &[1, 90]))
                    .collect();
            },
            fails(
                Error::LimitExceeded("warning alerts"),
                A::UNEXPECTED_MESSAGE,
            ),
        ),
        row(
            "fatal alert from the peer",
            ServerFlight,
            |m| m.wire = record(ALERT, &[2, 40]),
            Outcome::Fails {
                err: Error::AlertReceived(A::HANDSHAKE_FAILURE),
                peer: None,
            },
        ),
        prepended(
            "unknown warning alert is tolerated",
            ClientHello,
            ALERT,
            &[1, 255],
            Outcome::Completes,
        ),
        // ---- after the handshake ----
        row(
            "traffic: record version 0x0200",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"x".to_vec())]);
                set_record_version(&mut m.wire, 0, 0x0200);
            },
            fails(
                Error::BadRecordVersion("record version is not 3.x"),
                A::PROTOCOL_VERSION,
            ),
        ),
        row(
            "traffic: record version 0x0301",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"x".to_vec())]);
                set_record_version(&mut m.wire, 0, 0x0301);
            },
            fails(
                Error::BadRecordVersion("record version is not TLS 1.2"),
                A::PROTOCOL_VERSION,
            ),
        ),
        row(
            "traffic: protected record of 2^14+2048 bytes (at the limit)",
            TrafficToServer,
            |m| {
                m.wire = record(APPDATA, &vec![0; MAX_CIPHERTEXT_LEN]);
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        row(
            "traffic: protected record of 2^14+2049 bytes",
            TrafficToServer,
            |m| {
                m.wire = record(APPDATA, &vec![0; MAX_CIPHERTEXT_LEN + 1]);
            },
            fails(
                Error::RecordOverflow {
                    len: MAX_CIPHERTEXT_LEN + 1,
                },
                A::RECORD_OVERFLOW,
            ),
        ),
        row(
            "traffic: tampered ciphertext",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"hello".to_vec())]);
                // The third ciphertext byte, after the header and any
                // explicit nonce.
                let at = 5 + m.explicit_nonce_len() + 2;
                m.wire[at] ^= 1;
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        row(
            "traffic: protected record shorter than its tag",
            TrafficToClient,
            |m| {
                // Any explicit nonce, then one byte less than a tag.
                m.wire = record(APPDATA, &vec![0; m.explicit_nonce_len() + 15]);
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        row(
            "traffic: replayed record",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"once".to_vec())]);
                let again = m.wire.clone();
                m.wire.extend_from_slice(&again);
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        row(
            "traffic: MAX_EMPTY_RECORDS empty records, then data",
            TrafficToServer,
            |m| {
                let mut recs = vec![(APPDATA, Vec::new()); MAX_EMPTY_RECORDS];
                recs.push((APPDATA, b"data".to_vec()));
                m.push_sealed(1, &recs);
            },
            Outcome::Completes,
        ),
        row(
            "traffic: empty-record flood (MAX_EMPTY_RECORDS+1)",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &vec![(APPDATA, Vec::new()); MAX_EMPTY_RECORDS + 1]);
            },
            fails(
                Error::LimitExceeded("consecutive empty records"),
                A::UNEXPECTED_MESSAGE,
            ),
        ),
        sealed(
            "traffic: protected zero-length handshake record",
            TrafficToClient,
            &[(HANDSHAKE, Vec::new())],
            decode_error("empty handshake or alert fragment", K::BadLength),
        ),
        sealed(
            "traffic: protected CCS",
            TrafficToClient,
            &[(CCS, vec![1])],
            unexpected("application data", "ChangeCipherSpec"),
        ),
        row(
            "traffic: protected Finished",
            TrafficToServer,
            |m| m.push_sealed(1, &[(HANDSHAKE, ZERO_FINISHED.to_vec())]),
            unexpected("application data", "Finished"),
        ),
        sealed(
            "traffic: protected alert level 3",
            TrafficToClient,
            &[(ALERT, vec![3, 0])],
            fails(decode("AlertLevel", K::IllegalValue), A::ILLEGAL_PARAMETER),
        ),
        sealed(
            "traffic: warning flood (MAX_WARNING_ALERTS+1)",
            TrafficToClient,
            &vec![(ALERT, vec![1, 90]); MAX_WARNING_ALERTS + 1],
            fails(
                Error::LimitExceeded("warning alerts"),
                A::UNEXPECTED_MESSAGE,
            ),
        ),
        sealed(
            "traffic: unknown content type",
            TrafficToServer,
            &[(99, vec![1])],
            unexpected(
                "a record of a known content type",
                "a record of an unknown content type",
            ),
        ),
        sealed(
            "traffic: protected handshake header announcing 2^24-1",
            TrafficToServer,
            &[(HANDSHAKE, vec![CLIENT_HELLO, 0xff, 0xff, 0xff])],
            too_large(),
        ),
        row(
            "traffic: record cut short by the transport",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"hello".to_vec())]);
                m.wire.pop();
            },
            Outcome::Waits,
        ),
    ]
}

/// Rows that apply to some suites only (their names say which). Only
/// AES-GCM records carry an explicit nonce (RFC 5288 §3); ChaCha20-Poly1305
/// derives its nonce from the sequence number alone (RFC 7905 §2).
fn suite_rows() -> Vec<Row> {
    use Point::*;
    vec![
        // The client sent supported_groups, so a server may echo it (RFC
        // 5246 §7.4.1.4); it means nothing in a ServerHello (RFC 8422 §5.2)
        // and is ignored (BoGo's SupportedCurves-ServerHello-TLS12).
        row(
            "SH echoes supported_groups",
            ServerFlight,
            |m| {
                edit_server_hello(&mut m.wire, |sh| {
                    sh.extensions.push(ServerExtension::Unknown {
                        typ: ExtensionType::SUPPORTED_GROUPS,
                        data: &[0, 2, 0, 29],
                    });
                })
            },
            // As far as it goes: the edit changes the transcript.
            Outcome::Answers,
        )
        .only(|s| s.kx != KeyExchangeKind::Rsa),
        // A client offering RSA key transport alone sends no
        // supported_groups: the same extension is then unsolicited.
        row(
            "SH supported_groups the client did not send (RSA key transport)",
            ServerFlight,
            |m| {
                edit_server_hello(&mut m.wire, |sh| {
                    sh.extensions.push(ServerExtension::Unknown {
                        typ: ExtensionType::SUPPORTED_GROUPS,
                        data: &[0, 2, 0, 29],
                    });
                })
            },
            fails(Error::UnsolicitedExtension, A::UNSUPPORTED_EXTENSION),
        )
        .only(|s| s.kx == KeyExchangeKind::Rsa),
        row(
            "traffic: tampered explicit nonce (AES-GCM only)",
            TrafficToServer,
            |m| {
                m.push_sealed(1, &[(APPDATA, b"hello".to_vec())]);
                // The first explicit-nonce byte, right after the header.
                m.wire[5] ^= 1;
            },
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        )
        .only(has_explicit_nonce),
        row(
            "traffic: explicit nonce is not the seq (AES-GCM only)",
            TrafficToServer,
            |m| {
                // RFC 5288 §3 lets the sender choose the explicit nonce: the
                // receiver must take it from the record, not assume its own
                // sequence number (which still goes into the additional data).
                let recs = [
                    (APPDATA, b"any explicit".to_vec()),
                    (APPDATA, b" nonce will do".to_vec()),
                ];
                let sealed = m.seal_with_explicit_nonce(1, |seq| !seq, &recs);
                m.wire.extend_from_slice(&sealed);
            },
            Outcome::Completes,
        )
        .only(has_explicit_nonce),
    ]
}

/// For rows that expect [`Outcome::Answers`]: what the receiver does with
/// the flight alone.
fn observe_answer(s: &mut hostile::Scene, at: Point) -> Outcome {
    let to_server = at.to_server();
    let r = if to_server {
        s.deliver_to_server()
    } else {
        s.deliver_to_client()
    };
    let receiver = if to_server { &s.p.server } else { &s.p.client };
    match r {
        Err(err) => {
            // Let the alert reach the peer, as `observe` does.
            let (c, r) = s.settle();
            let peer = if to_server { c } else { r };
            let peer = match peer {
                Err(Error::AlertReceived(a)) => Some(a),
                _ => None,
            };
            Outcome::Fails { err, peer }
        }
        Ok(()) if receiver.has_output() => Outcome::Answers,
        Ok(()) => Outcome::Waits,
    }
}

/// What actually happened, in the shape of an [`Outcome`]. `injected` is
/// the application data the attacker sealed: a receiver that goes on must
/// have delivered it.
fn observe(s: &mut hostile::Scene, at: Point, resealed: bool, injected: &[u8]) -> Outcome {
    let to_server = at.to_server();
    let (c, r) = s.settle();
    let (mine, peer) = if to_server { (r, c) } else { (c, r) };
    let (receiver, other) = if to_server {
        (&s.p.server, &s.p.client)
    } else {
        (&s.p.client, &s.p.server)
    };
    match mine {
        Err(err) => {
            assert_eq!(receiver.error(), Some(&err), "the error is sticky");
            assert!(!receiver.is_handshaking());
            let peer = match peer {
                Err(Error::AlertReceived(a)) => Some(a),
                Ok(()) => {
                    assert_eq!(other.error(), None);
                    None
                }
                Err(e) => panic!("peer failed with {e:?} instead of an alert"),
            };
            Outcome::Fails { err, peer }
        }
        Ok(()) => {
            peer.expect("peer");
            if receiver.peer_closed() {
                assert!(other.peer_closed(), "the close_notify is answered");
                assert_eq!(other.error(), None);
                return Outcome::Closes;
            }
            let pending = if to_server {
                !s.p.to_server.is_empty()
            } else {
                !s.p.to_client.is_empty()
            };
            let renegotiating = s.p.client.is_renegotiating() || s.p.server.is_renegotiating();
            if pending
                || s.p.client.is_handshaking()
                || s.p.server.is_handshaking()
                || renegotiating
            {
                assert!(!receiver.has_output());
                return Outcome::Waits;
            }
            if at.renegotiates() {
                // Both sides saw the second handshake through.
                for events in [&s.p.client_events, &s.p.server_events] {
                    let done = events
                        .iter()
                        .filter(|e| matches!(e, Event::RenegotiationComplete(_)))
                        .count();
                    assert_eq!(done, 1, "one renegotiation completed on each side");
                }
            }
            let delivered = if to_server {
                &s.p.server_data
            } else {
                &s.p.client_data
            };
            assert_eq!(delivered, injected, "the injected data is delivered");
            // Data must flow on a completed connection: both ways, unless
            // the attacker re-sealed records of the peer's direction (then
            // the peer's own record sequence numbers no longer match).
            if !(to_server && resealed) {
                s.p.client.send(b"ping", &mut s.p.to_server).unwrap();
            }
            if to_server || !resealed {
                s.p.server.send(b"pong", &mut s.p.to_client).unwrap();
            }
            let (c, r) = s.settle();
            c.unwrap();
            r.unwrap();
            if !(to_server && resealed) {
                assert!(s.p.server_data.ends_with(b"ping"));
            }
            if to_server || !resealed {
                assert!(s.p.client_data.ends_with(b"pong"));
            }
            Outcome::Completes
        }
    }
}

fn short(o: &Outcome) -> String {
    match o {
        Outcome::Fails { err, peer } => {
            let alert = err.alert().map_or("-".to_string(), |a| format!("{a:?}"));
            let peer = peer.map_or("nothing".to_string(), |a| format!("{a:?}"));
            format!("{err} | sends {alert} | peer gets {peer}")
        }
        Outcome::Completes => "completes".to_string(),
        Outcome::Waits => "waits for more".to_string(),
        Outcome::Answers => "answers with its next flight".to_string(),
        Outcome::Closes => "takes close_notify, answers it".to_string(),
    }
}

/// The server certificate a suite needs: P-256 for ECDSA, RSA-2048 for RSA.
fn key_type(suite: &SupportedSuite) -> KeyType {
    match suite.auth {
        AuthKind::Ecdsa => KeyType::P256,
        AuthKind::Rsa => KeyType::Rsa2048,
    }
}

/// Drives a handshake of `suite` with the server of `pki` to `at`, lets
/// `mutate` rewrite the flight, and observes what happens.
fn run(
    pki: &Pki,
    suite: &'static SupportedSuite,
    at: Point,
    mutate: &dyn Fn(&mut Mitm),
    expected: &Outcome,
) -> Outcome {
    run_with(pki, suite, at, &|_| {}, &|_, _| {}, mutate, expected)
}

/// [`run`], with the client's and the server's configurations edited by
/// `client` and `server` first.
fn run_with(
    pki: &Pki,
    suite: &'static SupportedSuite,
    at: Point,
    client: &dyn Fn(&mut ClientConfig),
    server: &dyn Fn(&Pki, &mut ServerConfig),
    mutate: &dyn Fn(&mut Mitm),
    expected: &Outcome,
) -> Outcome {
    let mut s = hostile::Scene::for_point_edited(pki, at, suite, client, |sc| server(pki, sc));
    let mut m = s.intercept(at.to_server());
    mutate(&mut m);
    let (resealed, injected) = (m.resealed, core::mem::take(&mut m.injected));
    s.release(m);
    if expected == &Outcome::Answers {
        observe_answer(&mut s, at)
    } else {
        observe(&mut s, at, resealed, &injected)
    }
}

/// "ECDHE_ECDSA_AES_128_GCM_SHA256" for TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.
fn short_suite(suite: &SupportedSuite) -> String {
    suite.name().trim_start_matches("TLS_").replace("WITH_", "")
}

/// Every suite the crate implements: the default ones, the legacy ones and
/// the CBC ones.
fn every_suite() -> impl Iterator<Item = &'static SupportedSuite> {
    ALL_SUITES.iter().chain(LEGACY_SUITES).chain(CBC_SUITES)
}

/// One pass of the table over one suite.
struct Pass {
    suite: &'static SupportedSuite,
    /// Every row that applies to the suite, or only the CBC record rows.
    all_rows: bool,
    /// For a CBC suite, whether the client leaves encrypt_then_mac out, so
    /// that records are MAC-then-encrypt (a CBC row sets its own).
    mte: bool,
}

/// The CBC suites that run the whole table, one per key exchange and
/// server key, and whether their records are MAC-then-encrypt.
const CBC_WHOLE_TABLE: [(&SupportedSuite, bool); 4] = [
    (&TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, true),
    (&TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, false),
    (&TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, true),
    (&TLS_RSA_WITH_AES_256_CBC_SHA, false),
];

/// The passes of the table: which suites run which rows, and why.
///
/// Every AEAD suite runs every row that applies to it. A CBC suite's
/// handshake is the one of the AEAD suite with the same key exchange and
/// server key, which the table already runs, but for three things: the
/// encrypt_then_mac extension in the hellos, the MAC keys in the key block,
/// and its protected records (the Finished messages and the traffic). So:
///
/// - every CBC suite (16) runs the CBC record rows (malformed/cbc.rs),
///   whose outcome depends on the MAC (its length sets the padding
///   arithmetic and how many blocks the constant-time MAC hashes) and the
///   cipher; about 40 rows, one handshake each;
/// - four CBC suites also run the whole table ([`CBC_WHOLE_TABLE`]): one
///   per key exchange and server key (ECDHE_ECDSA, ECDHE_RSA, DHE_RSA,
///   RSA), which between them have every MAC (SHA-1, SHA-256, SHA-384),
///   both AES key sizes, and both record formats (two MAC-then-encrypt, two
///   encrypt-then-MAC), so the Finished, traffic and key-exchange rows meet
///   CBC records of each kind.
///
/// The whole table for all 16 CBC suites would run the same plaintext
/// handshake code 12 more times over, for most of the time the CBC suites
/// add (it passed when tried). Measured on 2 cores, `cargo test --test
/// malformed`: 1,763 runs in 5.3 s (debug) and 2.0 s (`--release`) before
/// the CBC suites; 3,083 runs in 8.6 s and 4.2 s with these passes; 4,979
/// runs in 14.5 s and 5.8 s with the whole table for every CBC suite.
fn passes() -> Vec<Pass> {
    let aead = ALL_SUITES.iter().chain(LEGACY_SUITES).map(|suite| Pass {
        suite,
        all_rows: true,
        mte: false,
    });
    let cbc = CBC_SUITES.iter().map(|suite| {
        let whole = CBC_WHOLE_TABLE.iter().find(|(s, _)| *s == suite);
        Pass {
            suite,
            all_rows: whole.is_some(),
            mte: whole.is_some_and(|(_, mte)| *mte),
        }
    });
    aead.chain(cbc).collect()
}

/// The suite's name, and for a CBC suite the record format the client's
/// configuration `client` leads to.
fn suite_label(pki: &Pki, suite: &SupportedSuite, client: &dyn Fn(&mut ClientConfig)) -> String {
    if !suite.protection.is_cbc() {
        return short_suite(suite);
    }
    let mut probe = pki.client_config();
    client(&mut probe);
    let format = if probe.encrypt_then_mac { "EtM" } else { "MtE" };
    format!("{} {format}", short_suite(suite))
}

#[test]
fn malformed_input_table() {
    let rows = all_rows();
    let cbc_rows = cbc::cbc_rows();
    let mut wrong = Vec::new();
    let mut runs = 0;
    println!(
        "{:<62} | {:<36} | {:<6} | {:<19} | outcome",
        "row", "suite", "to", "point"
    );
    for pass in passes() {
        let suite = pass.suite;
        let pki = Pki::new(key_type(suite));
        let pass_rows = if pass.all_rows { &rows } else { &cbc_rows };
        for r in pass_rows.iter().filter(|r| (r.applies)(suite)) {
            let client = |c: &mut ClientConfig| {
                if pass.mte {
                    c.encrypt_then_mac = false;
                }
                (r.client)(c);
            };
            let got = run_with(&pki, suite, r.at, &client, &r.server, &r.mutate, &r.outcome);
            runs += 1;
            let to = if r.at.to_server() { "server" } else { "client" };
            let mark = if got == r.outcome {
                ""
            } else {
                "   <-- MISMATCH"
            };
            println!(
                "{:<62} | {:<36} | {:<6} | {:<19} | {}{mark}",
                r.name,
                suite_label(&pki, suite, &client),
                to,
                format!("{:?}", r.at),
                short(&got)
            );
            if got != r.outcome {
                wrong.push(format!(
                    "{} [{}]: expected {:?}, got {:?}",
                    r.name,
                    suite_label(&pki, suite, &client),
                    r.outcome,
                    got
                ));
            }
        }
    }
    println!("{} rows, {runs} runs", rows.len());
    assert!(
        wrong.is_empty(),
        "{} rows wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every row: those for every suite, those for some key exchanges (kx.rs),
/// those for some record protections (CBC ones in cbc.rs).
fn all_rows() -> Vec<Row> {
    rows()
        .into_iter()
        .chain(kx::kx_rows())
        .chain(suite_rows())
        .chain(cbc::cbc_rows())
        .chain(renegotiation::renegotiation_rows())
        .collect()
}

/// Every row runs in at least one pass, and the suite-specific rows skip
/// some suites: a filter that matched nothing would silently drop a row.
/// The CBC rows run for every CBC suite and no other.
#[test]
fn every_row_runs_somewhere() {
    let passes = passes();
    for r in all_rows() {
        assert!(
            passes.iter().any(|p| p.all_rows && (r.applies)(p.suite)),
            "{}",
            r.name
        );
    }
    for r in kx::kx_rows().into_iter().chain(suite_rows()) {
        assert!(!every_suite().all(|s| (r.applies)(s)), "{}", r.name);
    }
    for r in rows() {
        assert!(every_suite().all(|s| (r.applies)(s)), "{}", r.name);
    }
    for r in cbc::cbc_rows() {
        for s in every_suite() {
            assert_eq!((r.applies)(s), cbc::is_cbc(s), "{} {}", r.name, s.name());
        }
    }
}

/// A Finished whose verify_data differs from the expected one in a single
/// byte is refused with decrypt_error (RFC 5246 §7.4.9), whichever byte it
/// is, in both directions and for every suite (both PRF hashes): the
/// comparison looks at all twelve bytes. Byte `i` has bit `i % 8` flipped,
/// so every bit position is tried. The control, the same Finished opened
/// and sealed again unchanged, completes.
#[test]
fn finished_differing_in_any_single_byte_is_refused() {
    for suite in ALL_SUITES {
        let pki = Pki::new(key_type(suite));
        for at in [Point::ClientFlight, Point::ServerFinish] {
            let resealed = run(
                &pki,
                suite,
                at,
                &|m| m.edit_protected(|_| {}),
                &Outcome::Completes,
            );
            assert_eq!(resealed, Outcome::Completes, "{} {at:?}", suite.name());
            for i in 0..12 {
                let flip = |m: &mut Mitm| {
                    m.edit_protected(|recs| {
                        assert_eq!(recs[0].1[..4], [FINISHED, 0, 0, 12]);
                        recs[0].1[4 + i] ^= 1 << (i % 8);
                    })
                };
                let expected = fails(Error::BadFinished, A::DECRYPT_ERROR);
                let got = run(&pki, suite, at, &flip, &expected);
                assert_eq!(got, expected, "{} {at:?} byte {i}", suite.name());
            }
        }
    }
}

/// The peer's alert always matches the error's own mapping: the table above
/// states both, this checks they agree.
#[test]
fn peer_alert_is_the_errors_alert() {
    for r in all_rows() {
        if let Outcome::Fails { err, peer } = &r.outcome {
            assert_eq!(err.alert(), *peer, "{}", r.name);
        }
    }
}
