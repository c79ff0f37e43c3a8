//! Record surgery and flight-by-flight driving, shared by every test that
//! takes the wire apart (negative, malformed, limits, memory_bound,
//! client_auth, resumption, and the attacker in tests/hostile): plaintext
//! records are split, decoded with the crate's codecs or edited as bytes,
//! and framed again.
#![allow(dead_code)]

use sanstls::internals::codec::enums::{
    AlertDescription, CipherSuite, CompressionMethod, ExtensionType, ProtocolVersion,
    ServerNameType,
};
use sanstls::internals::codec::{Decode, List};
use sanstls::internals::handshake::extensions::{
    ClientExtension, ServerExtension, ServerNameEntry,
};
use sanstls::internals::handshake::hello::{ClientHello, ServerHello};
use sanstls::internals::handshake::{HandshakePayload, Random, SessionId};
use sanstls::Error;

use super::{feed, Pair};

// Record content types.
pub const CCS: u8 = 20;
pub const ALERT: u8 = 21;
pub const HANDSHAKE: u8 = 22;
pub const APPDATA: u8 = 23;

// Handshake message types.
pub const CLIENT_HELLO: u8 = 1;
pub const SERVER_HELLO: u8 = 2;
pub const NEW_SESSION_TICKET: u8 = 4;
pub const CERTIFICATE: u8 = 11;
pub const SERVER_KEY_EXCHANGE: u8 = 12;
pub const CERTIFICATE_REQUEST: u8 = 13;
pub const SERVER_HELLO_DONE: u8 = 14;
pub const CERTIFICATE_VERIFY: u8 = 15;
pub const CLIENT_KEY_EXCHANGE: u8 = 16;
pub const FINISHED: u8 = 20;

// ---- record surgery ----

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

/// One record with version 1.2 (the length is the body's, whatever it is).
pub fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![typ, 3, 3];
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Frames records again, all with version 1.2.
pub fn join(records: &[(u8, Vec<u8>)]) -> Vec<u8> {
    records.iter().flat_map(|(t, b)| record(*t, b)).collect()
}

pub fn edit_records(wire: &mut Vec<u8>, f: impl FnOnce(&mut Vec<(u8, Vec<u8>)>)) {
    let mut recs = split(wire);
    f(&mut recs);
    *wire = join(&recs);
}

/// Index of the plaintext record holding the handshake message of type
/// `typ` (each of our handshake messages travels in a record of its own).
pub fn find_hs(recs: &[(u8, Vec<u8>)], typ: u8) -> usize {
    recs.iter()
        .position(|r| r.0 == HANDSHAKE && r.1.first() == Some(&typ))
        .unwrap_or_else(|| panic!("no handshake message of type {typ} on the wire"))
}

/// Edits the whole handshake message of type `typ` (header included); the
/// header's length is left as `f` makes it.
pub fn edit_raw(wire: &mut Vec<u8>, typ: u8, f: impl FnOnce(&mut Vec<u8>)) {
    edit_records(wire, |recs| {
        let i = find_hs(recs, typ);
        f(&mut recs[i].1);
    });
}

/// Edits the body of the handshake message of type `typ`; its header length
/// is then set to the new body length.
pub fn edit_body(wire: &mut Vec<u8>, typ: u8, f: impl FnOnce(&mut Vec<u8>)) {
    edit_raw(wire, typ, |msg| {
        let mut body = msg.split_off(4);
        f(&mut body);
        set_u24(msg, 1, body.len());
        msg.extend_from_slice(&body);
    });
}

pub fn set_u24(buf: &mut [u8], at: usize, v: usize) {
    buf[at..at + 3].copy_from_slice(&(v as u32).to_be_bytes()[1..]);
}

pub fn set_u16(buf: &mut [u8], at: usize, v: usize) {
    buf[at..at + 2].copy_from_slice(&(v as u16).to_be_bytes());
}

pub fn get_u16(buf: &[u8], at: usize) -> usize {
    u16::from_be_bytes([buf[at], buf[at + 1]]) as usize
}

/// Sets the record-header version of record `index` on `wire`.
pub fn set_record_version(wire: &mut [u8], index: usize, version: u16) {
    let mut at = 0;
    for _ in 0..index {
        at += 5 + get_u16(wire, at + 3);
    }
    set_u16(wire, at + 1, version as usize);
}

/// Cuts every plaintext handshake record into 1-byte records.
pub fn one_byte_records(recs: &[(u8, Vec<u8>)]) -> Vec<(u8, Vec<u8>)> {
    recs.iter()
        .flat_map(|(t, b)| {
            if *t == HANDSHAKE {
                b.iter().map(|x| (*t, vec![*x])).collect::<Vec<_>>()
            } else {
                vec![(*t, b.clone())]
            }
        })
        .collect()
}

/// Offsets inside a hello body: (session_id, then the field after it).
/// ClientHello: returns (sid, suites, compression, extensions).
pub fn client_hello_offsets(body: &[u8]) -> (usize, usize, usize, usize) {
    let sid = 34;
    let suites = sid + 1 + body[sid] as usize;
    let comp = suites + 2 + get_u16(body, suites);
    let ext = comp + 1 + body[comp] as usize;
    (sid, suites, comp, ext)
}

/// ServerHello: (session_id, cipher_suite, compression, extensions).
pub fn server_hello_offsets(body: &[u8]) -> (usize, usize, usize, usize) {
    let sid = 34;
    let suite = sid + 1 + body[sid] as usize;
    (sid, suite, suite + 2, suite + 3)
}

/// Appends a copy of the first extension of a hello whose extensions block
/// starts at `ext`, fixing the block's length.
pub fn duplicate_first_extension(body: &mut Vec<u8>, ext: usize) {
    let first_len = 4 + get_u16(body, ext + 4);
    let copy = body[ext + 2..ext + 2 + first_len].to_vec();
    let total = get_u16(body, ext) + copy.len();
    set_u16(body, ext, total);
    body.extend_from_slice(&copy);
}

/// Frames one handshake message into plaintext records of at most
/// `fragment` bytes each.
pub fn frame(msg: &[u8], fragment: usize) -> Vec<u8> {
    msg.chunks(fragment)
        .flat_map(|c| record(HANDSHAKE, c))
        .collect()
}

/// The handshake type of a plaintext handshake record (each of our
/// handshake messages travels in a record of its own).
pub fn hs_type(record: &(u8, Vec<u8>)) -> Option<u8> {
    (record.0 == HANDSHAKE).then(|| record.1[0])
}

/// Flips one bit of the last ciphertext byte (just before the 16-byte tag)
/// of the last record on `wire`.
pub fn flip_in_last_record(wire: &mut [u8]) {
    let i = wire.len() - 17;
    wire[i] ^= 0x01;
}

// ---- decoded handshake messages ----

/// The plaintext handshake messages on `wire` (each of ours travels in a
/// record of its own), up to the first ChangeCipherSpec.
/// (The decoded messages borrow from copies leaked for the test's length.)
pub fn plaintext_messages(wire: &[u8]) -> Vec<HandshakePayload<'static>> {
    split(wire)
        .into_iter()
        .take_while(|(typ, _)| *typ == HANDSHAKE)
        .map(|(_, body)| HandshakePayload::read(body.leak()).unwrap())
        .collect()
}

/// Decodes the plaintext handshake message of type `hs_type` on `wire`,
/// edits and re-encodes it. Panics if there is none.
pub fn edit_message(
    wire: &mut Vec<u8>,
    hs_type: u8,
    f: impl for<'a> FnOnce(&mut HandshakePayload<'a>),
) {
    let mut recs = split(wire);
    let rec = recs
        .iter_mut()
        .find(|(typ, body)| *typ == HANDSHAKE && body[0] == hs_type)
        .expect("no such handshake message on the wire");
    let body = rec.1.clone();
    let mut msg = HandshakePayload::read(&body).unwrap();
    f(&mut msg);
    rec.1 = msg.to_bytes();
    *wire = join(&recs);
}

/// A ClientHello taken apart for editing: the decoded hello keeps its lists
/// as wire bytes; here they are vectors to push to and retain from.
#[derive(Clone, Debug)]
pub struct EditClientHello<'a> {
    pub client_version: ProtocolVersion,
    pub random: Random,
    pub session_id: SessionId,
    pub cipher_suites: Vec<CipherSuite>,
    pub compression_methods: Vec<CompressionMethod>,
    pub extensions: Vec<ClientExtension<'a>>,
}

impl<'a> EditClientHello<'a> {
    pub fn new(ch: &ClientHello<'a>) -> Self {
        EditClientHello {
            client_version: ch.client_version,
            random: ch.random,
            session_id: ch.session_id,
            cipher_suites: ch.cipher_suites.iter().collect(),
            compression_methods: ch.compression_methods.iter().collect(),
            extensions: ch.extensions.iter().collect(),
        }
    }

    /// Decodes the ClientHello message `msg` (header included).
    pub fn read(msg: &'a [u8]) -> Self {
        match HandshakePayload::read(msg).unwrap() {
            HandshakePayload::ClientHello(ch) => Self::new(&ch),
            _ => panic!("not a ClientHello"),
        }
    }

    pub fn has_ems(&self) -> bool {
        self.extensions
            .iter()
            .any(|e| e.ext_type() == ExtensionType::EXTENDED_MASTER_SECRET)
    }

    /// The whole message, header included.
    pub fn to_bytes(&self) -> Vec<u8> {
        HandshakePayload::ClientHello(ClientHello {
            client_version: self.client_version,
            random: self.random,
            session_id: self.session_id,
            cipher_suites: List::Items(&self.cipher_suites),
            compression_methods: List::Items(&self.compression_methods),
            extensions: List::Items(&self.extensions),
        })
        .to_bytes()
    }
}

/// A ServerHello taken apart for editing, as [`EditClientHello`].
#[derive(Clone, Debug)]
pub struct EditServerHello<'a> {
    pub server_version: ProtocolVersion,
    pub random: Random,
    pub session_id: SessionId,
    pub cipher_suite: CipherSuite,
    pub compression_method: CompressionMethod,
    pub extensions: Vec<ServerExtension<'a>>,
}

impl<'a> EditServerHello<'a> {
    pub fn new(sh: &ServerHello<'a>) -> Self {
        EditServerHello {
            server_version: sh.server_version,
            random: sh.random,
            session_id: sh.session_id,
            cipher_suite: sh.cipher_suite,
            compression_method: sh.compression_method,
            extensions: sh.extensions.iter().collect(),
        }
    }

    pub fn has_ems(&self) -> bool {
        self.extensions
            .iter()
            .any(|e| e.ext_type() == ExtensionType::EXTENDED_MASTER_SECRET)
    }

    /// The whole message, header included.
    pub fn to_bytes(&self) -> Vec<u8> {
        HandshakePayload::ServerHello(ServerHello {
            server_version: self.server_version,
            random: self.random,
            session_id: self.session_id,
            cipher_suite: self.cipher_suite,
            compression_method: self.compression_method,
            extensions: List::Items(&self.extensions),
        })
        .to_bytes()
    }
}

/// Grows a ClientHello to the largest body its length fields allow
/// (`MAX_CLIENT_HELLO_LEN`, 131,396 bytes): a 32-byte session ID, 32,767
/// cipher suites, 255 compression methods and a 65,535-byte extensions
/// block. The room left in the block goes to the client's
/// signature_algorithms list, grown to 32,760 schemes, when `long_schemes`
/// (the server then copies two lists of 64 KiB for its certificate
/// resolver), else to one unknown extension. Unknown entries go first and
/// the client's own last, so the server must read every list to its end.
pub fn grow_to_max_client_hello(ch: &mut EditClientHello<'_>, long_schemes: bool) {
    use sanstls::internals::codec::enums::SignatureScheme;
    use sanstls::limits::MAX_CLIENT_HELLO_LEN;
    if ch.session_id.is_empty() {
        ch.session_id = SessionId::new(&[0x11; 32]).unwrap();
    }
    let mut suites = vec![CipherSuite(0xfefe); 32_767 - ch.cipher_suites.len()];
    suites.append(&mut ch.cipher_suites);
    ch.cipher_suites = suites;
    let mut methods = vec![CompressionMethod(0xfe); 255 - ch.compression_methods.len()];
    methods.append(&mut ch.compression_methods);
    ch.compression_methods = methods;

    let block = |exts: &[ClientExtension<'_>]| -> usize {
        exts.iter().map(|e| e.encode_to_vec().len()).sum()
    };
    if long_schemes {
        // Only what the server needs besides: extended_master_secret.
        let schemes: Vec<SignatureScheme> = ch
            .extensions
            .iter()
            .find_map(|e| match e {
                ClientExtension::SignatureAlgorithms(s) => Some(s.iter().collect()),
                _ => None,
            })
            .unwrap();
        let mut long = vec![SignatureScheme(0xfefe); 32_760 - schemes.len()];
        long.extend(schemes);
        ch.extensions = vec![
            ClientExtension::SignatureAlgorithms(List::Items(long.leak())),
            ClientExtension::ExtendedMasterSecret,
        ];
    }
    let room = 0xffff - block(&ch.extensions) - 4;
    ch.extensions.push(ClientExtension::Unknown {
        typ: ExtensionType(0xfa00),
        data: vec![0x5a; room].leak(),
    });
    assert_eq!(block(&ch.extensions), 0xffff);
    assert_eq!(ch.to_bytes().len(), 4 + MAX_CLIENT_HELLO_LEN);
}

/// Puts `name` as the only host_name of the hello's server_name extension
/// (RFC 6066 §3), in place of whatever the client sent.
pub fn set_server_name(ch: &mut EditClientHello<'_>, name: &'static [u8]) {
    let entry: &'static [ServerNameEntry<'static>] = Box::leak(Box::new([ServerNameEntry {
        typ: ServerNameType::HOST_NAME,
        name,
    }]));
    ch.extensions
        .retain(|e| e.ext_type() != ExtensionType::SERVER_NAME);
    ch.extensions
        .insert(0, ClientExtension::ServerName(List::Items(entry)));
}

pub fn edit_client_hello(wire: &mut Vec<u8>, f: impl for<'a> FnOnce(&mut EditClientHello<'a>)) {
    let mut recs = split(wire);
    let rec = recs
        .iter_mut()
        .find(|(typ, body)| *typ == HANDSHAKE && body[0] == CLIENT_HELLO)
        .expect("no ClientHello on the wire");
    let body = rec.1.clone();
    let mut ch = EditClientHello::read(&body);
    f(&mut ch);
    rec.1 = ch.to_bytes();
    *wire = join(&recs);
}

pub fn edit_server_hello(wire: &mut Vec<u8>, f: impl for<'a> FnOnce(&mut EditServerHello<'a>)) {
    let mut recs = split(wire);
    let rec = recs
        .iter_mut()
        .find(|(typ, body)| *typ == HANDSHAKE && body[0] == SERVER_HELLO)
        .expect("no ServerHello on the wire");
    let body = rec.1.clone();
    let mut sh = match HandshakePayload::read(&body).unwrap() {
        HandshakePayload::ServerHello(sh) => EditServerHello::new(&sh),
        _ => unreachable!(),
    };
    f(&mut sh);
    rec.1 = sh.to_bytes();
    *wire = join(&recs);
}

// ---- driving the handshake flight by flight ----

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

/// The server's ChangeCipherSpec and Finished are on `to_client`.
pub fn server_finish(p: &mut Pair) {
    client_flight(p);
    to_server(p).unwrap();
    p.server.poll_output(&mut p.to_client);
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

/// The server fails with `err`; the client receives `alert`.
#[track_caller]
pub fn expect_server_fails(p: &mut Pair, err: Error, alert: AlertDescription) {
    expect(p, Error::AlertReceived(alert), err);
}

/// The client fails with `err`; the server receives `alert`.
#[track_caller]
pub fn expect_client_fails(p: &mut Pair, err: Error, alert: AlertDescription) {
    expect(p, err, Error::AlertReceived(alert));
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
