//! Rows for secure renegotiation (RFC 5746): the renegotiation_info
//! binding, in first handshakes and in renegotiations, both directions;
//! the extended master secret and the rules that keep a renegotiation from
//! weakening the connection or changing the server; and what may and may
//! not arrive in the middle of a renegotiation (alerts, application data,
//! HelloRequests, another ClientHello).
//!
//! A renegotiation's messages travel protected under the keys of the
//! handshake before it: the attacker of tests/hostile follows the
//! connection through its key changes (hostile/tap.rs) and opens, edits and
//! seals them again with [`Mitm::edit_sealed`]. At a renegotiation point
//! ([`Point::renegotiates`]) both sides allow renegotiation and the second
//! handshake is a full one (the client keeps no session).
//!
//! An edit that adds a record takes a sequence number from the sender,
//! whose own next record then fails to authenticate; rows that need the
//! sender to go on keep the number of records, putting two of the sender's
//! handshake messages in one record to make room ([`make_room`]) or adding
//! messages to a record that is there.

use super::*;
use common::switching::Switching;
use common::wire::EditServerHello;
use sanstls::config::CertifiedKey;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::limits::MAX_RENEGOTIATION_REQUESTS;
use sanstls::suites::{TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256};
use std::sync::Arc;

/// A HelloRequest (RFC 5246 §7.4.1.1): type 0, empty body.
const HELLO_REQUEST: [u8; 4] = [0, 0, 0, 0];

/// Index of the plaintext record holding a message of type `typ`.
fn find(recs: &[(u8, Vec<u8>)], typ: u8) -> usize {
    find_hs(recs, typ)
}

/// The renegotiating ClientHello on the wire, decoded, edited by `f` and
/// sealed again.
fn edit_hello(m: &mut Mitm, f: fn(&mut EditClientHello<'_>)) {
    m.edit_sealed(|recs| {
        let i = find(recs, CLIENT_HELLO);
        let msg = recs[i].1.clone();
        let mut ch = EditClientHello::read(&msg);
        f(&mut ch);
        recs[i].1 = ch.to_bytes();
    });
}

/// The renegotiating ServerHello on the wire, decoded, edited by `f` and
/// sealed again.
fn edit_server_hello(m: &mut Mitm, f: fn(&mut EditServerHello<'_>)) {
    m.edit_sealed(|recs| {
        let i = find(recs, SERVER_HELLO);
        let msg = recs[i].1.clone();
        let HandshakePayload::ServerHello(sh) = HandshakePayload::read(&msg).unwrap() else {
            panic!("not a ServerHello");
        };
        let mut sh = EditServerHello::new(&sh);
        f(&mut sh);
        recs[i].1 = sh.to_bytes();
    });
}

fn reneg_hello(name: &'static str, f: fn(&mut EditClientHello<'_>), o: Outcome) -> Row {
    row(name, Point::RenegClientHello, move |m| edit_hello(m, f), o)
}

fn reneg_server_hello(name: &'static str, f: fn(&mut EditServerHello<'_>), o: Outcome) -> Row {
    row(
        name,
        Point::RenegServerFlight,
        move |m| edit_server_hello(m, f),
        o,
    )
}

/// A flight of the renegotiation, its plaintext records edited by `f`.
fn sealed_edit(name: &'static str, at: Point, f: fn(&mut Vec<(u8, Vec<u8>)>), o: Outcome) -> Row {
    row(name, at, move |m| m.edit_sealed(f), o)
}

/// The renegotiation_info a hello carries (RFC 5746 §3.2), if any.
fn client_info<'a>(ch: &EditClientHello<'a>) -> Option<&'a [u8]> {
    ch.extensions.iter().find_map(|e| match e {
        ClientExtension::RenegotiationInfo(d) => Some(*d),
        _ => None,
    })
}

fn server_info<'a>(sh: &EditServerHello<'a>) -> Option<&'a [u8]> {
    sh.extensions.iter().find_map(|e| match e {
        ServerExtension::RenegotiationInfo(d) => Some(*d),
        _ => None,
    })
}

/// Puts `info` as the hello's renegotiation_info, in place of its own.
fn set_client_info(ch: &mut EditClientHello<'_>, info: Vec<u8>) {
    let info: &'static [u8] = info.leak();
    for e in ch.extensions.iter_mut() {
        if let ClientExtension::RenegotiationInfo(d) = e {
            *d = info;
            return;
        }
    }
    ch.extensions.push(ClientExtension::RenegotiationInfo(info));
}

fn set_server_info(sh: &mut EditServerHello<'_>, info: Vec<u8>) {
    let info: &'static [u8] = info.leak();
    for e in sh.extensions.iter_mut() {
        if let ServerExtension::RenegotiationInfo(d) = e {
            *d = info;
            return;
        }
    }
    sh.extensions.push(ServerExtension::RenegotiationInfo(info));
}

/// The client's renegotiation_info with byte `at` flipped.
fn flip_client_info(ch: &mut EditClientHello<'_>, at: usize) {
    let mut info = client_info(ch).expect("renegotiation_info").to_vec();
    assert_eq!(info.len(), 12, "the previous client verify_data");
    info[at] ^= 1;
    set_client_info(ch, info);
}

fn flip_server_info(sh: &mut EditServerHello<'_>, at: usize) {
    let mut info = server_info(sh).expect("renegotiation_info").to_vec();
    assert_eq!(info.len(), 24, "both previous verify_data");
    info[at] ^= 1;
    set_server_info(sh, info);
}

fn drop_ext<T>(exts: &mut Vec<T>, typ: ExtensionType, ext_type: fn(&T) -> ExtensionType) {
    let before = exts.len();
    exts.retain(|e| ext_type(e) != typ);
    assert_eq!(exts.len() + 1, before, "the hello carried {typ:?}");
}

fn drop_client_ext(ch: &mut EditClientHello<'_>, typ: ExtensionType) {
    drop_ext(&mut ch.extensions, typ, ClientExtension::ext_type);
}

fn drop_server_ext(sh: &mut EditServerHello<'_>, typ: ExtensionType) {
    drop_ext(&mut sh.extensions, typ, ServerExtension::ext_type);
}

/// Puts the first two records (handshake messages) of the flight in one,
/// so that one record can be added after it and the sender's sequence
/// numbers still hold.
fn make_room(recs: &mut Vec<(u8, Vec<u8>)>) {
    assert!(recs[0].0 == HANDSHAKE && recs[1].0 == HANDSHAKE);
    let second = recs.remove(1);
    recs[0].1.extend_from_slice(&second.1);
}

/// The flight's records as plaintext, as if no keys were in force.
fn in_the_clear(m: &mut Mitm) {
    let mut plain = Vec::new();
    m.edit_sealed(|r| plain = r.clone());
    m.wire = join(&plain);
}

fn bad_renegotiation_info() -> Outcome {
    fails(Error::BadRenegotiationInfo, A::HANDSHAKE_FAILURE)
}

fn no_ems() -> Outcome {
    fails(Error::NoExtendedMasterSecret, A::HANDSHAKE_FAILURE)
}

fn too_many_requests() -> Outcome {
    fails(Error::TooManyRenegotiationRequests, A::UNEXPECTED_MESSAGE)
}

/// `n` HelloRequests in one handshake record.
fn hello_requests(n: usize) -> Vec<u8> {
    HELLO_REQUEST.repeat(n)
}

// ---- a server whose certificate changes ----

/// The server of `pki`, which presents a second certificate from the first
/// handshake on: issued by the same CA for the same names and the same key
/// (so every suite of the pass still fits), valid, and not the first one.
fn switching_certificate(pki: &Pki, sc: &mut ServerConfig) {
    let key = rcgen::KeyPair::try_from(&pki.key).unwrap();
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sanstls test leaf, reissued");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let second = params.signed_by(&key, &pki.ca).unwrap().der().clone();
    assert_ne!(second, pki.chain[0]);
    sc.cert_resolver = Arc::new(Switching::new(
        CertifiedKey::new(pki.chain.clone(), &pki.key).unwrap(),
        CertifiedKey::new(vec![second], &pki.key).unwrap(),
    ));
}

// ---- which suites ----

/// The suites the renegotiation rows run for, as the rest of the table
/// runs for every suite: each key exchange (ECDHE with either server key,
/// DHE, RSA key transport), each record protection (AES-GCM, ChaCha20-
/// Poly1305, and CBC in both MAC orders: the four CBC suites of the whole
/// table) and both PRF hashes. A renegotiation runs two handshakes, and
/// every other suite would add nothing these do not cover. Measured on 2
/// cores, debug, the table alone: 3,083 runs in 8.5 s before these rows;
/// 3,830 runs in 11.4 s with them in all 15 passes; 3,562 runs in 10.3 s
/// with these 9.
fn renegotiates_in(s: &SupportedSuite) -> bool {
    use sanstls::suites::*;
    [
        &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        &TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        &TLS_RSA_WITH_AES_256_GCM_SHA384,
    ]
    .contains(&s)
        || CBC_WHOLE_TABLE.iter().any(|(c, _)| *c == s)
}

fn is_aead(s: &SupportedSuite) -> bool {
    renegotiates_in(s) && !s.protection.is_cbc()
}

fn is_cbc(s: &SupportedSuite) -> bool {
    renegotiates_in(s) && s.protection.is_cbc()
}

/// Forward-secret suites with an RSA server key: the server could also do
/// RSA key transport with it.
fn is_forward_secret_rsa(s: &SupportedSuite) -> bool {
    renegotiates_in(s) && s.kx != KeyExchangeKind::Rsa && s.auth == AuthKind::Rsa
}

/// A server that also takes every CBC suite of the legacy feature, and RSA
/// key transport: what an attacker would like the renegotiation to drop to.
fn server_takes_weaker_suites(_: &Pki, sc: &mut ServerConfig) {
    sc.allow_cbc = true;
    sc.allow_rsa_key_transport = true;
    sc.allow_ffdhe = true;
    for s in CBC_SUITES.iter().chain(LEGACY_SUITES) {
        if !sc.suites.contains(&s) {
            sc.suites.push(s);
        }
    }
}

/// The CBC suite of the same key exchange and server key as `suite`.
fn cbc_like(suite: &SupportedSuite) -> CipherSuite {
    CBC_SUITES
        .iter()
        .find(|s| s.kx == suite.kx && s.auth == suite.auth)
        .expect("a CBC suite for every key exchange")
        .suite
}

fn etm_on(c: &mut ClientConfig) {
    c.encrypt_then_mac = true;
}

/// Every row: those of a first handshake for every suite, those of a
/// renegotiation for the suites of [`renegotiates_in`] (or fewer, as their
/// names say).
pub(super) fn renegotiation_rows() -> Vec<Row> {
    rows()
        .into_iter()
        .map(|r| {
            let unrestricted = every_suite().all(|s| (r.applies)(s));
            if r.at.renegotiates() && unrestricted {
                r.only(renegotiates_in)
            } else {
                r
            }
        })
        .collect()
}

fn rows() -> Vec<Row> {
    use Point::*;
    vec![
        // ---- first handshake: renegotiation_info must be empty ----
        client_hello_edit(
            "CH renegotiation_info not empty in a first handshake",
            |ch| set_client_info(ch, vec![7; 12]),
            bad_renegotiation_info(),
        ),
        client_hello_edit(
            "CH SCSV and an empty renegotiation_info (first handshake: taken)",
            |ch| {
                ch.cipher_suites
                    .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
                assert_eq!(client_info(ch), Some(&[][..]));
            },
            Outcome::Answers,
        ),
        row(
            "SH renegotiation_info not empty in a first handshake",
            ServerFlight,
            |m| common::wire::edit_server_hello(&mut m.wire, |sh| set_server_info(sh, vec![7; 24])),
            bad_renegotiation_info(),
        ),
        records_edit(
            "ClientHello in the middle of the first handshake",
            ClientFlight,
            |r| r.insert(0, (HANDSHAKE, ZERO_CLIENT_HELLO.to_vec())),
            unexpected("ClientKeyExchange", "ClientHello"),
        ),
        row(
            "traffic: protected HelloRequest to the server",
            TrafficToServer,
            |m| m.push_sealed(1, &[(HANDSHAKE, HELLO_REQUEST.to_vec())]),
            unexpected("application data", "HelloRequest"),
        ),
        // ---- renegotiating ClientHello (server receives) ----
        sealed_edit(
            "reneg CH resealed unchanged",
            RenegClientHello,
            |_| {},
            Outcome::Completes,
        ),
        reneg_hello(
            "reneg CH renegotiation_info: verify_data wrong",
            |ch| flip_client_info(ch, 11),
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH renegotiation_info empty (as in a first handshake)",
            |ch| set_client_info(ch, Vec::new()),
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH renegotiation_info of 24 bytes (client ‖ 12 more)",
            |ch| {
                let mut info = client_info(ch).unwrap().to_vec();
                info.extend_from_slice(&[0; 12]);
                set_client_info(ch, info);
            },
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH renegotiation_info missing",
            |ch| drop_client_ext(ch, ExtensionType::RENEGOTIATION_INFO),
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH renegotiation_info missing, the SCSV instead",
            |ch| {
                drop_client_ext(ch, ExtensionType::RENEGOTIATION_INFO);
                ch.cipher_suites
                    .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
            },
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH right renegotiation_info and the SCSV",
            |ch| {
                ch.cipher_suites
                    .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
            },
            bad_renegotiation_info(),
        ),
        reneg_hello(
            "reneg CH without extended_master_secret",
            |ch| drop_client_ext(ch, ExtensionType::EXTENDED_MASTER_SECRET),
            no_ems(),
        ),
        // The server takes CBC suites and RSA key transport, but not in a
        // renegotiation of a connection that had better.
        reneg_hello(
            "reneg CH offers only CBC (AEAD suites; server takes CBC)",
            |ch| {
                let suite = lookup_suite(ch.cipher_suites[0]);
                ch.cipher_suites = vec![cbc_like(suite)];
            },
            fails(
                Error::HandshakeFailure("renegotiation would go from an AEAD to CBC"),
                A::HANDSHAKE_FAILURE,
            ),
        )
        .only(is_aead)
        .with_server(server_takes_weaker_suites),
        reneg_hello(
            "reneg CH offers only RSA key transport (ECDHE_RSA, DHE_RSA)",
            |ch| {
                let suite = lookup_suite(ch.cipher_suites[0]);
                ch.cipher_suites = vec![if suite.protection.is_cbc() {
                    TLS_RSA_WITH_AES_128_CBC_SHA.suite
                } else {
                    TLS_RSA_WITH_AES_128_GCM_SHA256.suite
                }];
            },
            fails(
                Error::HandshakeFailure("renegotiation would drop forward secrecy"),
                A::HANDSHAKE_FAILURE,
            ),
        )
        .only(is_forward_secret_rsa)
        .with_server(server_takes_weaker_suites),
        reneg_hello(
            "reneg CH without encrypt_then_mac (CBC, first handshake EtM)",
            |ch| drop_client_ext(ch, ExtensionType::ENCRYPT_THEN_MAC),
            fails(
                Error::HandshakeFailure("renegotiation would drop encrypt-then-MAC"),
                A::HANDSHAKE_FAILURE,
            ),
        )
        .only(is_cbc)
        .with_client(etm_on),
        sealed_edit(
            "reneg CH twice in one record",
            RenegClientHello,
            |r| {
                let ch = r[0].1.clone();
                r[0].1.extend_from_slice(&ch);
            },
            // The first one is answered: the second is excess data.
            excess_data(),
        ),
        row(
            "reneg CH sent in the clear",
            RenegClientHello,
            in_the_clear,
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        // ---- HelloRequest (client receives) ----
        sealed_edit(
            "reneg HelloRequest resealed unchanged",
            RenegHelloRequest,
            |_| {},
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg HelloRequest with a body byte",
            RenegHelloRequest,
            |r| r[0].1 = vec![0, 0, 0, 1, 0],
            decode_error("HELLO_REQUEST", K::TrailingData),
        ),
        // The first starts the renegotiation; those behind it arrive during
        // it: ignored, and counted against MAX_RENEGOTIATION_REQUESTS.
        sealed_edit(
            "reneg 1+MAX_RENEGOTIATION_REQUESTS HelloRequests in one record",
            RenegHelloRequest,
            |r| r[0].1 = hello_requests(1 + MAX_RENEGOTIATION_REQUESTS),
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg HelloRequest flood (2+MAX_RENEGOTIATION_REQUESTS)",
            RenegHelloRequest,
            |r| r[0].1 = hello_requests(2 + MAX_RENEGOTIATION_REQUESTS),
            too_many_requests(),
        ),
        // ---- renegotiating ServerHello and flight (client receives) ----
        sealed_edit(
            "reneg server flight resealed unchanged",
            RenegServerFlight,
            |_| {},
            Outcome::Completes,
        ),
        reneg_server_hello(
            "reneg SH renegotiation_info: client verify_data wrong",
            |sh| flip_server_info(sh, 0),
            bad_renegotiation_info(),
        ),
        reneg_server_hello(
            "reneg SH renegotiation_info: server verify_data wrong",
            |sh| flip_server_info(sh, 23),
            bad_renegotiation_info(),
        ),
        reneg_server_hello(
            "reneg SH renegotiation_info: client verify_data only",
            |sh| {
                let info = server_info(sh).unwrap()[..12].to_vec();
                set_server_info(sh, info);
            },
            bad_renegotiation_info(),
        ),
        reneg_server_hello(
            "reneg SH renegotiation_info empty (as in a first handshake)",
            |sh| set_server_info(sh, Vec::new()),
            bad_renegotiation_info(),
        ),
        reneg_server_hello(
            "reneg SH renegotiation_info missing",
            |sh| drop_server_ext(sh, ExtensionType::RENEGOTIATION_INFO),
            bad_renegotiation_info(),
        ),
        reneg_server_hello(
            "reneg SH without extended_master_secret",
            |sh| drop_server_ext(sh, ExtensionType::EXTENDED_MASTER_SECRET),
            no_ems(),
        ),
        reneg_server_hello(
            "reneg SH without extended_master_secret (client not requiring it)",
            |sh| drop_server_ext(sh, ExtensionType::EXTENDED_MASTER_SECRET),
            no_ems(),
        )
        .with_client(|c| c.require_extended_master_secret = false),
        reneg_server_hello(
            "reneg SH without encrypt_then_mac (CBC, first handshake EtM)",
            |sh| drop_server_ext(sh, ExtensionType::ENCRYPT_THEN_MAC),
            fails(
                Error::HandshakeFailure("renegotiation would drop encrypt-then-MAC"),
                A::HANDSHAKE_FAILURE,
            ),
        )
        .only(is_cbc)
        .with_client(etm_on),
        // The triple-handshake defence: a valid certificate for the name,
        // but not the one of the first handshake.
        row(
            "reneg server presents another valid certificate",
            RenegServerFlight,
            |_| {},
            fails(Error::PeerIdentityChanged, A::BAD_CERTIFICATE),
        )
        .with_server(switching_certificate),
        row(
            "reneg server presents another certificate (dangerous option on)",
            RenegServerFlight,
            |_| {},
            Outcome::Completes,
        )
        .with_server(switching_certificate)
        .with_client(|c| c.dangerous_renegotiation_identity_change = true),
        sealed_edit(
            "reneg ClientHello to the client",
            RenegServerFlight,
            |r| {
                let i = find(r, SERVER_HELLO);
                r[i].1 = ZERO_CLIENT_HELLO.to_vec();
            },
            unexpected("ServerHello", "ClientHello"),
        ),
        row(
            "reneg server flight sent in the clear",
            RenegServerFlight,
            in_the_clear,
            fails(Error::BadRecordMac, A::BAD_RECORD_MAC),
        ),
        // ---- what may come in the middle of a renegotiation ----
        sealed_edit(
            "reneg warning alert between ServerHello and Certificate",
            RenegServerFlight,
            |r| {
                make_room(r);
                r.insert(1, (ALERT, vec![1, 90]));
            },
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg application data between ServerHello and Certificate",
            RenegServerFlight,
            |r| {
                make_room(r);
                r.insert(1, (APPDATA, b"in the middle".to_vec()));
            },
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg MAX_RENEGOTIATION_REQUESTS HelloRequests before ServerHello",
            RenegServerFlight,
            |r| {
                let mut msgs = hello_requests(MAX_RENEGOTIATION_REQUESTS);
                msgs.append(&mut r[0].1);
                r[0].1 = msgs;
            },
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg HelloRequest flood before ServerHello (MAX_RENEGOTIATION_REQUESTS+1)",
            RenegServerFlight,
            |r| {
                let mut msgs = hello_requests(MAX_RENEGOTIATION_REQUESTS + 1);
                msgs.append(&mut r[0].1);
                r[0].1 = msgs;
            },
            too_many_requests(),
        ),
        sealed_edit(
            "reneg fatal alert instead of the server flight",
            RenegServerFlight,
            |r| *r = vec![(ALERT, vec![2, 40])],
            Outcome::Fails {
                err: Error::AlertReceived(A::HANDSHAKE_FAILURE),
                peer: None,
            },
        ),
        sealed_edit(
            "reneg close_notify instead of the server flight",
            RenegServerFlight,
            |r| *r = vec![(ALERT, vec![1, 0])],
            Outcome::Closes,
        ),
        // ---- the client's flight (server receives) ----
        sealed_edit(
            "reneg client flight resealed unchanged",
            RenegClientFlight,
            |_| {},
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg ClientHello instead of ClientKeyExchange",
            RenegClientFlight,
            |r| r[0].1 = ZERO_CLIENT_HELLO.to_vec(),
            unexpected("ClientKeyExchange", "ClientHello"),
        ),
        sealed_edit(
            "reneg application data between client CCS and Finished",
            RenegClientFlight,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.insert(ccs + 1, (APPDATA, b"too early".to_vec()));
            },
            unexpected("Finished", "application data"),
        ),
        sealed_edit(
            "reneg warning alert between client CCS and Finished",
            RenegClientFlight,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.insert(ccs + 1, (ALERT, vec![1, 90]));
            },
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg close_notify between client CCS and Finished",
            RenegClientFlight,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.truncate(ccs + 1);
                r.push((ALERT, vec![1, 0]));
            },
            Outcome::Closes,
        ),
        sealed_edit(
            "reneg client Finished before its CCS",
            RenegClientFlight,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.swap(ccs, ccs + 1);
            },
            unexpected("ChangeCipherSpec", "Finished"),
        ),
        sealed_edit(
            "reneg client Finished verify_data wrong",
            RenegClientFlight,
            |r| {
                let last = r.last_mut().unwrap();
                assert_eq!(last.1[..4], [FINISHED, 0, 0, 12]);
                last.1[4] ^= 1;
            },
            fails(Error::BadFinished, A::DECRYPT_ERROR),
        ),
        // ---- the server's Finished (client receives) ----
        sealed_edit(
            "reneg server finish resealed unchanged",
            RenegServerFinish,
            |_| {},
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg application data between server CCS and Finished",
            RenegServerFinish,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.insert(ccs + 1, (APPDATA, b"too early".to_vec()));
            },
            unexpected("Finished", "application data"),
        ),
        sealed_edit(
            "reneg HelloRequest between server CCS and Finished (ignored)",
            RenegServerFinish,
            |r| {
                let ccs = r.iter().position(|x| x.0 == CCS).unwrap();
                r.insert(ccs + 1, (HANDSHAKE, HELLO_REQUEST.to_vec()));
            },
            Outcome::Completes,
        ),
        sealed_edit(
            "reneg server Finished verify_data wrong",
            RenegServerFinish,
            |r| {
                let last = r.last_mut().unwrap();
                assert_eq!(last.1[..4], [FINISHED, 0, 0, 12]);
                last.1[15] ^= 0x80;
            },
            fails(Error::BadFinished, A::DECRYPT_ERROR),
        ),
    ]
}

/// A ClientHello that decodes (what its body says does not matter where
/// the type alone is refused).
const ZERO_CLIENT_HELLO: [u8; 4] = [CLIENT_HELLO, 0, 0, 0];

/// The suite of a cipher suite code (one the crate implements).
fn lookup_suite(code: CipherSuite) -> &'static SupportedSuite {
    every_suite()
        .find(|s| s.suite == code)
        .expect("the client's first suite is one we implement")
}

/// No renegotiation row runs outside [`renegotiates_in`], and each runs for
/// at least one suite.
#[test]
fn renegotiation_rows_run_for_their_suites() {
    for r in renegotiation_rows().iter().filter(|r| r.at.renegotiates()) {
        let runs: Vec<_> = every_suite().filter(|s| (r.applies)(s)).collect();
        assert!(!runs.is_empty(), "{}", r.name);
        assert!(runs.iter().all(|s| renegotiates_in(s)), "{}", r.name);
    }
}

// ---- checks the table cannot state ----

/// The client refuses a renegotiation that would weaken the connection,
/// whatever the server (here: an attacker holding the keys, editing the
/// renegotiating ServerHello) picks among the suites the client also
/// offers: an AEAD suite may not become a CBC one, a forward-secret key
/// exchange may not become RSA key transport. (The server's side of the
/// same rule has rows in the table: "reneg CH offers only ...".)
#[test]
fn client_refuses_a_renegotiation_that_weakens_the_suite() {
    use sanstls::suites::{
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    };
    let cases: [(
        KeyType,
        &'static SupportedSuite,
        &'static SupportedSuite,
        &str,
    ); 2] = [
        (
            KeyType::P256,
            &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            "renegotiation would go from an AEAD to CBC",
        ),
        (
            KeyType::Rsa2048,
            &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &TLS_RSA_WITH_AES_128_GCM_SHA256,
            "renegotiation would drop forward secrecy",
        ),
    ];
    for (key, suite, weaker, why) in cases {
        let pki = Pki::new(key);
        let mut cc = pki.client_config();
        cc.allow_renegotiation = true;
        cc.session_store = None;
        // Not EtM: the edited ServerHello must not answer an extension the
        // client does not send with an AEAD suite.
        cc.encrypt_then_mac = false;
        let mut sc = pki.server_config();
        sc.accept_client_renegotiation = true;
        let mut s = hostile::Scene::offering(cc, sc, suite, &[weaker]);
        s.drive_to(Point::RenegServerFlight);
        assert_eq!(s.p.client.negotiated().unwrap().suite, suite);
        let mut m = s.intercept(false);
        m.edit_sealed(|recs| {
            let i = find(recs, SERVER_HELLO);
            let msg = recs[i].1.clone();
            let HandshakePayload::ServerHello(sh) = HandshakePayload::read(&msg).unwrap() else {
                panic!("not a ServerHello");
            };
            let mut sh = EditServerHello::new(&sh);
            sh.cipher_suite = weaker.suite;
            recs[i].1 = sh.to_bytes();
        });
        s.release(m);
        let (c, r) = s.settle();
        assert_eq!(c, Err(Error::HandshakeFailure(why)), "{}", suite.name());
        assert_eq!(r, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));
    }
}

/// A warning alert in the middle of a renegotiation reaches the caller as
/// an event, and the renegotiation still completes (the row "reneg warning
/// alert between ServerHello and Certificate" says only that it
/// completes).
#[test]
fn a_warning_alert_in_a_renegotiation_is_reported() {
    let pki = Pki::new(KeyType::P256);
    let mut s = hostile::Scene::for_point(&pki, Point::RenegServerFlight, hostile::SUITE);
    let mut m = s.intercept(false);
    m.edit_sealed(|r| {
        make_room(r);
        r.insert(1, (ALERT, vec![1, 90]));
    });
    s.release(m);
    let (c, r) = s.settle();
    c.unwrap();
    r.unwrap();
    let events = &s.p.client_events;
    let warned = events
        .iter()
        .position(|e| *e == Event::WarningAlert(A::USER_CANCELED))
        .expect("the warning is reported");
    let done = events
        .iter()
        .position(|e| matches!(e, Event::RenegotiationComplete(_)))
        .expect("the renegotiation completes");
    assert!(warned < done);
}

/// A close_notify in the middle of a renegotiation ends it: once both
/// sides have closed, neither is renegotiating (`is_renegotiating()` once
/// looked only at the handshake state, and stayed true for good).
#[test]
fn close_notify_ends_a_renegotiation() {
    let pki = Pki::new(KeyType::P256);
    let mut s = hostile::Scene::for_point(&pki, Point::RenegServerFlight, hostile::SUITE);
    let mut m = s.intercept(false);
    m.edit_sealed(|r| *r = vec![(ALERT, vec![1, 0])]);
    s.release(m);
    let (c, r) = s.settle();
    c.unwrap();
    r.unwrap();
    assert!(s.p.client.peer_closed() && s.p.server.peer_closed());
    assert!(!s.p.client.is_renegotiating(), "client");
    assert!(!s.p.server.is_renegotiating(), "server");
}
