//! Handshakes and traffic that must fail, and how: for each case both the
//! error the failing side reports and the alert that reaches its peer
//! (`Error::AlertReceived`). Faults are injected by re-framing the plaintext
//! records in flight, or by flipping bytes of protected ones.

mod common;

use std::sync::Arc;

use common::wire::*;
use common::{at, ca, KeyType, Pair, Pki};
use rcgen::date_time_ymd;
use sanstls::internals::codec::enums::{
    AlertDescription as A, CipherSuite, ExtensionType, NamedGroup,
};
use sanstls::internals::handshake::extensions::{ClientExtension, ServerExtension};
use sanstls::internals::handshake::finished::Finished;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::pki_types::ServerName;
use sanstls::suites::{self, AuthKind, SupportedSuite, ALL_SUITES};
use sanstls::verify::RootCertStore;
use sanstls::{CertificateError, ClientConfig, Connection, Error};

fn pki_for(suite: &SupportedSuite) -> Pki {
    Pki::new(match suite.auth {
        AuthKind::Rsa => KeyType::Rsa2048,
        AuthKind::Ecdsa => KeyType::P256,
    })
}

/// A server without session tickets: the tests here take apart the final
/// flights of a plain full handshake ([CCS, Finished] each way); ticket and
/// resumption cases are tested on their own.
fn server_config(pki: &Pki) -> sanstls::ServerConfig {
    let mut sc = pki.server_config();
    sc.ticketer = None;
    sc
}

fn pair_for(suite: &'static SupportedSuite) -> Pair {
    let pki = pki_for(suite);
    let mut cc = pki.client_config();
    cc.suites = vec![suite];
    Pair::new(cc, server_config(&pki))
}

fn default_pair() -> Pair {
    let pki = Pki::new(KeyType::P256);
    Pair::new(pki.client_config(), server_config(&pki))
}

// ---- certificates ----

#[test]
fn wrong_host_name() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::with_name(pki.client_config(), pki.server_config(), "example.com");
    expect_client_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::NotValidForName {
            expected: "example.com".into(),
            presented: vec!["localhost".into(), "127.0.0.1".into()],
        }),
        A::BAD_CERTIFICATE,
    );
}

/// The time `n` seconds after the epoch.
fn secs(n: u64) -> sanstls::pki_types::UnixTime {
    sanstls::pki_types::UnixTime::since_unix_epoch(core::time::Duration::from_secs(n))
}

fn pki_valid_2020_to_2030() -> Pki {
    Pki::with_leaf(KeyType::P256, &["localhost"], |params| {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2030, 1, 1);
    })
}

#[test]
fn expired_certificate() {
    // The leaf's notAfter is in the past on the system clock...
    let pki = Pki::with_leaf(KeyType::P256, &["localhost"], |params| {
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(2001, 1, 1);
    });
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    let (c, _) = p.handshake();
    assert!(
        matches!(
            c,
            Err(Error::InvalidCertificate(CertificateError::Expired { not_after, .. }))
                if not_after.as_secs() == 978_307_200
        ),
        "{c:?}"
    );

    // ...and on a client clock set after it (2031-01-01).
    let pki = pki_valid_2020_to_2030();
    let mut cc = pki.client_config();
    cc.time = at(1_924_992_000);
    let mut p = Pair::new(cc, pki.server_config());
    expect_client_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::Expired {
            now: secs(1_924_992_000),
            // 2030-01-01 00:00:00 UTC.
            not_after: secs(1_893_456_000),
        }),
        A::CERTIFICATE_EXPIRED,
    );
}

#[test]
fn certificate_not_yet_valid() {
    // 2019-01-01, before the leaf's notBefore: the same alert as expiry.
    let pki = pki_valid_2020_to_2030();
    let mut cc = pki.client_config();
    cc.time = at(1_546_300_800);
    let mut p = Pair::new(cc, pki.server_config());
    expect_client_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::NotValidYet {
            now: secs(1_546_300_800),
            // 2020-01-01 00:00:00 UTC.
            not_before: secs(1_577_836_800),
        }),
        A::CERTIFICATE_EXPIRED,
    );
}

#[test]
fn valid_certificate_at_fixed_time() {
    // Control for the two above: 2025-01-01 is inside the validity.
    let pki = pki_valid_2020_to_2030();
    let mut cc = pki.client_config();
    cc.time = at(1_735_689_600);
    let mut p = Pair::new(cc, pki.server_config());
    p.expect_handshake();
}

/// Roots holding only a CA of another name than the server's.
fn other_roots() -> RootCertStore {
    let mut roots = RootCertStore::new();
    roots.add(ca("another CA").der().clone()).unwrap();
    roots
}

#[test]
fn unknown_ca() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(ClientConfig::new(other_roots()), pki.server_config());
    expect_client_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::UnknownIssuer),
        A::UNKNOWN_CA,
    );
}

#[test]
fn untrusted_ca_with_a_trusted_name() {
    // A different CA under the same subject name as the trusted one: the
    // verifier finds the name-matching anchor and the chain signature fails
    // against it, so this is a bad signature, not an unknown issuer.
    let pki = Pki::new(KeyType::P256);
    let impostor = Pki::new(KeyType::P256);
    let mut p = Pair::new(impostor.client_config(), pki.server_config());
    expect_client_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::BadSignature),
        A::DECRYPT_ERROR,
    );
}

// ---- tampering ----

#[test]
fn tampered_client_finished_record() {
    for suite in ALL_SUITES {
        let mut p = pair_for(suite);
        client_flight(&mut p);
        assert_eq!(
            split(&p.to_server).iter().map(|r| r.0).collect::<Vec<_>>(),
            [HANDSHAKE, CCS, HANDSHAKE]
        );
        flip_in_last_record(&mut p.to_server);
        expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
    }
}

#[test]
fn tampered_server_finished_record() {
    for suite in ALL_SUITES {
        let mut p = pair_for(suite);
        server_finish(&mut p);
        assert_eq!(
            split(&p.to_client).iter().map(|r| r.0).collect::<Vec<_>>(),
            [CCS, HANDSHAKE]
        );
        // The server considers the handshake done once its Finished is out.
        assert!(!p.server.is_handshaking());
        flip_in_last_record(&mut p.to_client);
        expect_client_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
    }
}

#[test]
fn tampered_server_random_breaks_the_key_exchange_signature() {
    // The server random is covered by the ServerKeyExchange signature, which
    // the client checks long before Finished.
    let mut p = default_pair();
    server_flight(&mut p);
    edit_server_hello(&mut p.to_client, |sh| sh.random.0[7] ^= 0x80);
    expect_client_fails(&mut p, Error::BadSignature, A::DECRYPT_ERROR);
}

#[test]
fn transcript_change_without_ems_reaches_verify_data() {
    // Without the extended master secret both sides derive the same keys from
    // the randoms, so a ClientHello changed in flight (here: its EMS offer
    // stripped, which neither lenient side refuses) is only caught by the
    // Finished verify_data check.
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.require_extended_master_secret = false;
    let mut sc = pki.server_config();
    sc.require_extended_master_secret = false;
    let mut p = Pair::new(cc, sc);
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| {
        ch.extensions
            .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET)
    });
    expect_server_fails(&mut p, Error::BadFinished, A::DECRYPT_ERROR);
}

#[test]
fn transcript_change_with_ems_changes_the_keys() {
    // With the extended master secret the session hash goes into the master
    // secret: a ClientHello changed in flight (an extra unknown extension the
    // server ignores) gives the two sides different keys, so the client's
    // Finished record fails authentication before verify_data is compared.
    let mut p = default_pair();
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| {
        ch.extensions.push(ClientExtension::Unknown {
            typ: ExtensionType(0xfafa),
            data: &[1, 2, 3],
        })
    });
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn tampered_application_data() {
    for suite in ALL_SUITES {
        let mut p = pair_for(suite);
        p.expect_handshake();
        p.client.send(b"hello, server", &mut p.to_server).unwrap();
        flip_in_last_record(&mut p.to_server);
        expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
        assert!(p.server_data.is_empty(), "no tampered plaintext released");
    }
}

#[test]
fn application_data_header_is_authenticated() {
    // The content type is in the additional data: relabelling an
    // application-data record as an alert fails authentication.
    let mut p = default_pair();
    p.expect_handshake();
    p.server.send(b"hello, client", &mut p.to_client).unwrap();
    p.to_client[0] = 21;
    expect_client_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

// ---- messages out of order ----

fn unexpected(expected: &'static str, got: &'static str) -> Error {
    Error::UnexpectedMessage { expected, got }
}

/// The server's first flight, checked to be SH, Certificate, SKX, SHD.
fn server_flight_records(p: &mut Pair) -> Vec<(u8, Vec<u8>)> {
    server_flight(p);
    let recs = split(&p.to_client);
    assert_eq!(
        recs.iter().map(hs_type).collect::<Vec<_>>(),
        [Some(2), Some(11), Some(12), Some(14)]
    );
    recs
}

#[test]
fn certificate_and_key_exchange_swapped() {
    let mut p = default_pair();
    let mut recs = server_flight_records(&mut p);
    recs.swap(1, 2);
    p.to_client = join(&recs);
    expect_client_fails(
        &mut p,
        unexpected("Certificate", "ServerKeyExchange"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn second_server_hello() {
    let mut p = default_pair();
    let mut recs = server_flight_records(&mut p);
    recs.insert(1, recs[0].clone());
    p.to_client = join(&recs);
    expect_client_fails(
        &mut p,
        unexpected("Certificate", "ServerHello"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn server_hello_done_missing() {
    let mut p = default_pair();
    let mut recs = server_flight_records(&mut p);
    recs.pop();
    p.to_client = join(&recs);
    // Without ServerHelloDone the client waits: no error, nothing sent.
    to_client(&mut p).unwrap();
    assert!(p.client.is_handshaking());
    assert!(!p.client.has_output());
    // The server's ChangeCipherSpec in its place is refused.
    p.to_client = join(&[(CCS, vec![1])]);
    expect_client_fails(
        &mut p,
        unexpected("ServerHelloDone", "ChangeCipherSpec"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn client_hello_sent_to_the_client() {
    let mut p = default_pair();
    client_hello(&mut p);
    let hello = p.to_server.clone();
    p.to_client = hello;
    expect_client_fails(
        &mut p,
        unexpected("ServerHello", "ClientHello"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn change_cipher_spec_before_client_key_exchange() {
    let mut p = default_pair();
    client_flight(&mut p);
    edit_records(&mut p.to_server, |recs| recs.swap(0, 1));
    expect_server_fails(
        &mut p,
        unexpected("ClientKeyExchange", "ChangeCipherSpec"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn change_cipher_spec_in_the_server_flight() {
    let mut p = default_pair();
    let mut recs = server_flight_records(&mut p);
    recs.insert(1, (CCS, vec![1]));
    p.to_client = join(&recs);
    expect_client_fails(
        &mut p,
        unexpected("Certificate", "ChangeCipherSpec"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn change_cipher_spec_twice() {
    // After the first ChangeCipherSpec the read side is protected, so the
    // second (plaintext) one is just a record that fails authentication.
    let mut p = default_pair();
    client_flight(&mut p);
    edit_records(&mut p.to_server, |recs| {
        let ccs = recs[1].clone();
        recs.insert(2, ccs);
    });
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);

    let mut p = default_pair();
    server_finish(&mut p);
    edit_records(&mut p.to_client, |recs| {
        let ccs = recs[0].clone();
        recs.insert(1, ccs);
    });
    expect_client_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn finished_without_change_cipher_spec() {
    // The client's ChangeCipherSpec and protected Finished are replaced by a
    // plaintext Finished: the server still awaits ChangeCipherSpec.
    let mut p = default_pair();
    client_flight(&mut p);
    edit_records(&mut p.to_server, |recs| {
        recs.truncate(1);
        let fin = HandshakePayload::Finished(Finished {
            verify_data: [0; 12],
        });
        recs.push((HANDSHAKE, fin.to_bytes()));
    });
    expect_server_fails(
        &mut p,
        unexpected("ChangeCipherSpec", "Finished"),
        A::UNEXPECTED_MESSAGE,
    );

    // The same at the client, awaiting the server's ChangeCipherSpec.
    let mut p = default_pair();
    server_finish(&mut p);
    let fin = HandshakePayload::Finished(Finished {
        verify_data: [0; 12],
    });
    p.to_client = join(&[(HANDSHAKE, fin.to_bytes())]);
    expect_client_fails(
        &mut p,
        unexpected("ChangeCipherSpec", "Finished"),
        A::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn application_data_before_the_handshake_completes() {
    // A plaintext application-data record in the server's first flight.
    let mut p = default_pair();
    let mut recs = server_flight_records(&mut p);
    recs.insert(1, (APPDATA, b"too early".to_vec()));
    p.to_client = join(&recs);
    expect_client_fails(
        &mut p,
        unexpected("Certificate", "application data"),
        A::UNEXPECTED_MESSAGE,
    );
    assert!(p.client_data.is_empty());

    // ...and right after the ClientHello, at the server.
    let mut p = default_pair();
    client_hello(&mut p);
    edit_records(&mut p.to_server, |recs| {
        recs.push((APPDATA, b"too early".to_vec()))
    });
    expect_server_fails(
        &mut p,
        unexpected("ClientKeyExchange", "application data"),
        A::UNEXPECTED_MESSAGE,
    );
    assert!(p.server_data.is_empty());
}

#[test]
fn server_finished_replaced_by_application_data() {
    // The server's Finished is dropped and its first application-data record
    // follows the ChangeCipherSpec: it was sealed under sequence number 1, the
    // client expects 0, so it fails authentication (data is never accepted
    // before Finished).
    let mut p = default_pair();
    server_finish(&mut p);
    p.server.send(b"early", &mut p.to_client).unwrap();
    edit_records(&mut p.to_client, |recs| {
        assert_eq!(recs.len(), 3);
        recs.remove(1);
    });
    expect_client_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
    assert!(p.client_data.is_empty());
}

// ---- negotiation failures ----

#[test]
fn no_common_suite() {
    // ECDSA-only client against an RSA certificate.
    let pki = Pki::new(KeyType::Rsa2048);
    let mut cc = pki.client_config();
    cc.suites = ALL_SUITES
        .iter()
        .filter(|s| s.auth == AuthKind::Ecdsa)
        .collect();
    let mut p = Pair::new(cc, pki.server_config());
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure(
            "the client's suites in common need an ECDSA certificate, and ours is RSA",
        ),
        A::HANDSHAKE_FAILURE,
    );

    // Disjoint suite lists.
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.suites = vec![&suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
    let mut sc = pki.server_config();
    sc.suites = vec![&suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    let mut p = Pair::new(cc, sc);
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure(
            "no cipher suite in common: the client's suites are not in this server's list",
        ),
        A::HANDSHAKE_FAILURE,
    );

    // A client that speaks TLS 1.3 only.
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    client_hello(&mut p);
    edit_client_hello(&mut p.to_server, |ch| {
        ch.cipher_suites = vec![
            CipherSuite(0x1301),
            CipherSuite(0x1302),
            CipherSuite(0x1303),
            CipherSuite(0x0a0a), // GREASE
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
        ];
    });
    assert_eq!(
        to_server(&mut p),
        Err(Error::HandshakeFailure(
            "the client offered only TLS 1.3 cipher suites, and sanstls speaks TLS 1.2"
        ))
    );
}

#[test]
fn a_peer_that_speaks_plain_http_is_told_apart() {
    // A browser pointed at https:// on a plaintext port, the other way round:
    // our server gets an HTTP request...
    let pki = Pki::new(KeyType::P256);
    let mut server = Connection::new_server(Arc::new(pki.server_config()));
    let mut request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec();
    let e = server.handle_input(&mut request).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("not TLS: the peer sent a plain HTTP request"),
        "{e}"
    );
    // ...and our client an HTTP response.
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    p.client.poll_output(&mut Vec::new());
    let mut response = b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec();
    let e = p.client.handle_input(&mut response).unwrap_err();
    assert!(
        matches!(e, Error::NotTls(m) if m.contains("plain HTTP response")),
        "{e}"
    );
}

#[test]
fn no_common_group() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.groups = vec![NamedGroup::X25519];
    let mut sc = pki.server_config();
    sc.groups = vec![NamedGroup::SECP256R1, NamedGroup::SECP384R1];
    let mut p = Pair::new(cc, sc);
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure("no ECDHE group in common"),
        A::HANDSHAKE_FAILURE,
    );
}

fn strip_ems_from_client_hello(p: &mut Pair) {
    client_hello(p);
    edit_client_hello(&mut p.to_server, |ch| {
        assert!(ch.has_ems());
        ch.extensions
            .retain(|e| *e != ClientExtension::ExtendedMasterSecret);
    });
}

#[test]
fn server_requires_extended_master_secret() {
    let mut p = default_pair();
    strip_ems_from_client_hello(&mut p);
    expect_server_fails(&mut p, Error::NoExtendedMasterSecret, A::HANDSHAKE_FAILURE);
}

#[test]
fn client_requires_extended_master_secret() {
    let mut p = default_pair();
    server_flight(&mut p);
    edit_server_hello(&mut p.to_client, |sh| {
        assert!(sh.has_ems());
        sh.extensions
            .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
    });
    expect_client_fails(&mut p, Error::NoExtendedMasterSecret, A::HANDSHAKE_FAILURE);
}

#[test]
fn ems_stripped_from_server_hello_for_a_lenient_client() {
    // The client then derives the classic master secret, the server the
    // extended one: the client's Finished fails authentication.
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.require_extended_master_secret = false;
    let mut p = Pair::new(cc, pki.server_config());
    server_flight(&mut p);
    edit_server_hello(&mut p.to_client, |sh| {
        sh.extensions
            .retain(|e| *e != ServerExtension::ExtendedMasterSecret);
    });
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn alpn_agreed() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut sc = pki.server_config();
    sc.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    // The server's preference wins (RFC 7301 §3.2).
    let want = Some(b"http/1.1".to_vec());
    assert_eq!(p.client.negotiated().unwrap().alpn_protocol, want);
    assert_eq!(p.server.negotiated().unwrap().alpn_protocol, want);
}

#[test]
fn alpn_offered_to_a_server_without_alpn() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.alpn_protocols = vec![b"h2".to_vec()];
    let mut p = Pair::new(cc, pki.server_config());
    p.expect_handshake();
    assert_eq!(p.client.negotiated().unwrap().alpn_protocol, None);
    assert_eq!(p.server.negotiated().unwrap().alpn_protocol, None);
}

#[test]
fn alpn_without_overlap() {
    let pki = Pki::new(KeyType::P256);
    let mut cc = pki.client_config();
    cc.alpn_protocols = vec![b"h2".to_vec()];
    let mut sc = pki.server_config();
    sc.alpn_protocols = vec![b"spdy/3".to_vec()];
    let mut p = Pair::new(cc, sc);
    expect_server_fails(
        &mut p,
        Error::NoApplicationProtocol,
        A::NO_APPLICATION_PROTOCOL,
    );
}

// ---- after the handshake ----

#[test]
fn plaintext_client_hello_after_handshake() {
    // An encrypted renegotiation ClientHello cannot be made through the public
    // API (the traffic keys never leave the connection). A plaintext one, as
    // an attacker would inject it, is refused from its record header (a
    // first ClientHello's records say {3, 1}); framed as TLS 1.2, it is a
    // record that fails authentication.
    let pki = Pki::new(KeyType::P256);
    let hello = || {
        let mut other = Connection::new_client(
            Arc::new(pki.client_config()),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut wire = Vec::new();
        other.poll_output(&mut wire);
        wire
    };
    let mut p = default_pair();
    p.expect_handshake();
    p.to_server = hello();
    expect_server_fails(
        &mut p,
        Error::BadRecordVersion("record version is not TLS 1.2"),
        A::PROTOCOL_VERSION,
    );
    let mut p = default_pair();
    p.expect_handshake();
    p.to_server = join(&split(&hello()));
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn plaintext_hello_request_after_handshake() {
    let mut p = default_pair();
    p.expect_handshake();
    p.to_client = join(&[(HANDSHAKE, HandshakePayload::HelloRequest.to_bytes())]);
    expect_client_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
}

#[test]
fn eof_without_close_notify_is_truncation() {
    // Mid-handshake.
    let mut p = default_pair();
    server_flight(&mut p);
    assert_eq!(p.client.handle_eof(), Err(Error::Truncated));
    assert_eq!(p.client.error(), Some(&Error::Truncated));
    // Truncation sends no alert: there is no one to send it to.
    assert!(!p.client.has_output());

    // After the handshake, with data received.
    let mut p = default_pair();
    p.expect_handshake();
    p.server.send(b"partial", &mut p.to_client).unwrap();
    to_client(&mut p).unwrap();
    assert_eq!(p.client_data, b"partial");
    assert_eq!(p.client.handle_eof(), Err(Error::Truncated));
    assert_eq!(p.client.handle_eof(), Err(Error::Truncated));
    let mut more = [0u8; 8];
    assert_eq!(
        p.client.handle_input(&mut more).map(|i| i.consumed),
        Err(Error::Truncated)
    );
    assert_eq!(p.client.send(b"x", &mut Vec::new()), Err(Error::Truncated));
}

#[test]
fn clean_close_in_both_directions() {
    let mut p = default_pair();
    p.expect_handshake();
    p.client.send(b"last words", &mut p.to_server).unwrap();
    p.client.close();
    // Nothing can be sent after close (a caller error, not sticky).
    assert_eq!(
        p.client.send(b"more", &mut Vec::new()),
        Err(Error::ConnectionClosed)
    );
    let (c, s) = settle(&mut p);
    c.unwrap();
    s.unwrap();
    assert_eq!(p.server_data, b"last words");
    assert!(p.server.peer_closed() && p.server.sent_close());
    assert!(p.client.peer_closed() && p.client.sent_close());
    assert!(p.to_client.is_empty() && p.to_server.is_empty());
    assert_eq!(p.server.handle_eof(), Ok(()));
    assert_eq!(p.client.handle_eof(), Ok(()));
    assert_eq!(p.client.error(), None);
    assert_eq!(p.server.error(), None);

    // The server closes first this time, after sending data the client has
    // not read yet.
    let mut p = default_pair();
    p.expect_handshake();
    p.server.send(b"bye", &mut p.to_client).unwrap();
    p.server.close();
    let (c, s) = settle(&mut p);
    c.unwrap();
    s.unwrap();
    assert_eq!(p.client_data, b"bye");
    assert!(p.client.peer_closed() && p.server.peer_closed());
    assert_eq!(p.client.handle_eof(), Ok(()));
    assert_eq!(p.server.handle_eof(), Ok(()));
}

#[test]
fn nothing_is_read_after_close_notify() {
    let mut p = default_pair();
    p.expect_handshake();
    p.server.close();
    p.server.poll_output(&mut p.to_client);
    let mut extra = Vec::new();
    // Bytes after close_notify on the wire (here: garbage) are not read.
    extra.extend_from_slice(&[0xff; 32]);
    p.to_client.extend_from_slice(&extra);
    let input = p.client.handle_input(&mut p.to_client).unwrap();
    assert!(input.data.is_none());
    assert!(p.client.peer_closed());
    assert_eq!(p.client.handle_eof(), Ok(()));
}

// ---- errors are sticky ----

#[test]
fn errors_are_sticky() {
    let pki = Pki::new(KeyType::P256);
    let mut p = Pair::new(ClientConfig::new(other_roots()), pki.server_config());
    let client_err = Error::InvalidCertificate(CertificateError::UnknownIssuer);
    let server_err = Error::AlertReceived(A::UNKNOWN_CA);
    expect(&mut p, client_err.clone(), server_err.clone());

    for (conn, err) in [(&mut p.client, &client_err), (&mut p.server, &server_err)] {
        // Nothing more is queued after the one fatal alert.
        assert!(!conn.has_output());
        for _ in 0..3 {
            let mut junk = join(&[(HANDSHAKE, vec![0, 0, 0, 0])]);
            assert_eq!(
                conn.handle_input(&mut junk).map(|i| i.consumed).as_ref(),
                Err(err)
            );
            let mut empty = [];
            assert_eq!(
                conn.handle_input(&mut empty).map(|i| i.consumed).as_ref(),
                Err(err)
            );
            let mut out = Vec::new();
            assert_eq!(conn.send(b"data", &mut out).as_ref(), Err(err));
            assert!(out.is_empty());
            assert_eq!(conn.handle_eof().as_ref(), Err(err));
            conn.close();
            assert!(!conn.has_output(), "no close_notify after a fatal error");
            assert_eq!(conn.error(), Some(err));
            assert!(!conn.is_handshaking());
        }
    }
}

#[test]
fn traffic_errors_are_sticky() {
    let mut p = default_pair();
    p.expect_handshake();
    p.client.send(b"hello", &mut p.to_server).unwrap();
    flip_in_last_record(&mut p.to_server);
    expect_server_fails(&mut p, Error::BadRecordMac, A::BAD_RECORD_MAC);
    let mut out = Vec::new();
    assert_eq!(
        p.client.send(b"x", &mut out),
        Err(Error::AlertReceived(A::BAD_RECORD_MAC))
    );
    assert!(out.is_empty());
    assert_eq!(p.server.send(b"y", &mut out), Err(Error::BadRecordMac));
    assert!(out.is_empty());
    let mut buf = [0u8; 1];
    assert_eq!(
        p.server.handle_input(&mut buf).map(|i| i.consumed),
        Err(Error::BadRecordMac)
    );
    // No second alert is queued.
    assert!(!p.server.has_output());
}

#[test]
fn a_key_that_does_not_match_its_certificate_is_refused_at_once() {
    // Every key type, server and client certificates alike: the key of
    // another certificate of the same type. (Every RSA test certificate
    // has the one RSA-2048 test key: a second one stands in below.)
    for key_type in common::ALL_KEY_TYPES
        .into_iter()
        .filter(|k| *k != KeyType::Rsa2048)
    {
        let a = Pki::new(key_type);
        let b = Pki::new(key_type);
        let mismatch = Err(Error::Config(sanstls::ConfigError::Invalid(
            "the private key does not match the certificate (its public key is another)",
        )));
        assert_eq!(
            sanstls::ServerConfig::new(a.chain.clone(), &b.key).map(|_| ()),
            mismatch,
            "{key_type:?}"
        );
        let mut cc = a.client_config();
        assert_eq!(cc.set_client_cert(a.chain.clone(), &b.key), mismatch);
        // The matching pairs still build.
        assert!(sanstls::ServerConfig::new(a.chain.clone(), &a.key).is_ok());
        assert!(cc.set_client_cert(b.chain.clone(), &b.key).is_ok());
    }
    // Another RSA key, and a key of another type entirely.
    let rsa = Pki::new(KeyType::Rsa2048);
    let other_rsa = common::key_from_pem(include_str!("data/keys/rsa2048-second.pkcs8.pem"));
    assert_eq!(
        sanstls::ServerConfig::new(rsa.chain.clone(), &other_rsa).map(|_| ()),
        Err(Error::Config(sanstls::ConfigError::Invalid(
            "the private key does not match the certificate (its public key is another)"
        )))
    );
    let ecdsa = Pki::new(KeyType::P256);
    assert!(matches!(
        sanstls::ServerConfig::new(ecdsa.chain.clone(), &rsa.key),
        Err(Error::Config(_))
    ));
}
