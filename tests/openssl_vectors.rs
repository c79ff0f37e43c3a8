//! Interop vectors: real TLS 1.2 handshake bytes from OpenSSL 3.0
//! (`openssl s_client -tls1_2 -servername localhost` against
//! `openssl s_server -tls1_2`, once with an ECDSA P-256 certificate and once
//! with an RSA-2048 one), captured by `tests/data/capture.py`.
//!
//! Every plaintext handshake record must reassemble into messages that decode
//! through the public API and re-encode to exactly the captured bytes, and
//! the fields we rely on must be where OpenSSL put them.

use sanstls::internals::codec::enums::{
    CipherSuite, CompressionMethod, ContentType, EcPointFormat, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion, SignatureScheme,
};
use sanstls::internals::codec::{Decode, List};
use sanstls::internals::handshake::key_exchange::{EcdheClientKeyExchange, EcdheServerKeyExchange};
use sanstls::internals::handshake::reassembly::HandshakeJoiner;
use sanstls::internals::handshake::{HandshakeMessage, HandshakePayload};

const ECDSA_CLIENT: &str = include_str!("data/ecdsa_client_flight.hex");
const ECDSA_SERVER: &str = include_str!("data/ecdsa_server_flight.hex");
const RSA_CLIENT: &str = include_str!("data/rsa_client_flight.hex");
const RSA_SERVER: &str = include_str!("data/rsa_server_flight.hex");

fn unhex(s: &str) -> Vec<u8> {
    sanstls::internals::hex::decode(s).expect("hex")
}

/// The payloads of the records in a capture file (one record per line),
/// after checking each record header.
fn record_payloads(file: &str) -> Vec<Vec<u8>> {
    file.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let rec = unhex(l);
            assert_eq!(rec[0], ContentType::HANDSHAKE.0);
            assert_eq!(rec[1], 3);
            let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
            assert_eq!(rec.len(), 5 + len);
            rec[5..].to_vec()
        })
        .collect()
}

/// Reassembles each record, decodes every message and checks it re-encodes
/// to the same bytes; also that the messages exactly tile each record.
/// (Decoded messages borrow their bytes: each is leaked for the test.)
fn decode_flight(file: &str) -> Vec<HandshakePayload<'static>> {
    let mut joiner = HandshakeJoiner::new();
    let mut out = Vec::new();
    for payload in record_payloads(file) {
        joiner.push(&payload).unwrap();
        let mut tiled = Vec::new();
        while let Some(bytes) = joiner.pop().unwrap() {
            let bytes: &'static [u8] = bytes.to_vec().leak();
            let msg = HandshakeMessage::read(bytes).unwrap();
            assert_eq!(
                msg.to_bytes(),
                bytes,
                "{:?} re-encodes differently",
                msg.typ()
            );
            assert_eq!(msg.typ(), HandshakeType(bytes[0]));
            tiled.extend_from_slice(bytes);
            out.push(msg);
        }
        assert_eq!(tiled, payload);
        assert!(joiner.is_empty());
    }
    out
}

/// The same flight fed one byte at a time yields the same messages.
fn check_bytewise(file: &str, expected: &[HandshakePayload<'_>]) {
    let stream: Vec<u8> = record_payloads(file).concat();
    let mut joiner = HandshakeJoiner::new();
    let mut got = Vec::new();
    for b in &stream {
        joiner.push(core::slice::from_ref(b)).unwrap();
        while let Some(bytes) = joiner.pop().unwrap() {
            let bytes: &'static [u8] = bytes.to_vec().leak();
            got.push(HandshakeMessage::read(bytes).unwrap());
        }
    }
    assert_eq!(got, expected);
    // And every strict prefix of every message fails to decode.
    for m in expected {
        let b = m.to_bytes();
        for n in 0..b.len() {
            assert!(HandshakeMessage::read(&b[..n]).is_err());
        }
    }
}

fn check_client_flight(file: &str) {
    let msgs = decode_flight(file);
    check_bytewise(file, &msgs);
    let types: Vec<_> = msgs.iter().map(|m| m.typ()).collect();
    assert_eq!(
        types,
        [
            HandshakeType::CLIENT_HELLO,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ]
    );
    let HandshakePayload::ClientHello(ch) = &msgs[0] else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch.client_version, ProtocolVersion::TLSV1_2);
    assert!(ch.offers_suite(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256));
    assert!(ch.offers_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384));
    assert!(ch.offers_suite(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
    assert_eq!(
        ch.compression_methods,
        List::Items(&[CompressionMethod::NULL])
    );
    assert_eq!(ch.sni_hostname(), Some(&b"localhost"[..]));
    let groups = ch.supported_groups().unwrap();
    assert!(groups.contains(&NamedGroup::X25519));
    assert!(groups.contains(&NamedGroup::SECP256R1));
    assert!(ch
        .ec_point_formats()
        .unwrap()
        .contains(&EcPointFormat::UNCOMPRESSED));
    let schemes = ch.signature_schemes().unwrap();
    assert!(schemes.contains(&SignatureScheme::ECDSA_SECP256R1_SHA256));
    assert!(schemes.contains(&SignatureScheme::RSA_PSS_RSAE_SHA256));
    assert!(ch.has_ems());
    assert_eq!(ch.session_ticket(), Some(&[][..]));
    assert!(ch.find(ExtensionType::ENCRYPT_THEN_MAC).is_some());

    let HandshakePayload::ClientKeyExchange(cke) = &msgs[1] else {
        panic!("not a ClientKeyExchange");
    };
    let cke = EcdheClientKeyExchange::decode_all(cke).unwrap();
    assert_eq!(cke.public.len(), 32, "X25519 public key");
    assert_eq!(
        &cke.encode_to_vec(),
        match &msgs[1] {
            HandshakePayload::ClientKeyExchange(b) => b,
            _ => unreachable!(),
        }
    );
}

fn check_server_flight(file: &str, suite: CipherSuite, ecdsa: bool) {
    let msgs = decode_flight(file);
    check_bytewise(file, &msgs);
    let types: Vec<_> = msgs.iter().map(|m| m.typ()).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::CERTIFICATE,
            HandshakeType::SERVER_KEY_EXCHANGE,
            HandshakeType::SERVER_HELLO_DONE,
            HandshakeType::NEW_SESSION_TICKET,
        ]
    );
    let HandshakePayload::ServerHello(sh) = &msgs[0] else {
        panic!("not a ServerHello");
    };
    assert_eq!(sh.server_version, ProtocolVersion::TLSV1_2);
    assert_eq!(sh.cipher_suite, suite);
    assert_eq!(sh.compression_method, CompressionMethod::NULL);
    assert_eq!(sh.renegotiation_info(), Some(&[][..]));
    assert!(sh.has_ems());
    assert!(sh.has_session_ticket_ack());

    let HandshakePayload::Certificate(chain) = &msgs[1] else {
        panic!("not a Certificate");
    };
    assert_eq!(chain.0.len(), 1);
    assert_eq!(chain.0[0].as_ref()[0], 0x30, "DER SEQUENCE");

    let HandshakePayload::ServerKeyExchange(raw) = &msgs[2] else {
        panic!("not a ServerKeyExchange");
    };
    let ske = EcdheServerKeyExchange::decode_all(raw).unwrap();
    assert_eq!(&ske.encode_to_vec(), raw);
    assert_eq!(ske.params.group, NamedGroup::X25519);
    assert_eq!(ske.params.public.len(), 32);
    assert_eq!(&raw[..ske.params_bytes().len()], &ske.params_bytes()[..]);
    let expected_scheme = if ecdsa {
        SignatureScheme::ECDSA_SECP256R1_SHA256
    } else {
        SignatureScheme::RSA_PSS_RSAE_SHA256
    };
    assert_eq!(ske.signed.scheme, expected_scheme);
    if !ecdsa {
        assert_eq!(ske.signed.signature.len(), 256, "RSA-2048 signature");
    }

    assert_eq!(msgs[3], HandshakePayload::ServerHelloDone);
    let HandshakePayload::NewSessionTicket(t) = &msgs[4] else {
        panic!("not a NewSessionTicket");
    };
    assert!(!t.ticket.is_empty());
}

#[test]
fn openssl_client_flight_to_ecdsa_server() {
    check_client_flight(ECDSA_CLIENT);
}

#[test]
fn openssl_client_flight_to_rsa_server() {
    check_client_flight(RSA_CLIENT);
}

#[test]
fn openssl_server_flight_ecdsa() {
    check_server_flight(
        ECDSA_SERVER,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        true,
    );
}

#[test]
fn openssl_server_flight_rsa() {
    check_server_flight(
        RSA_SERVER,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        false,
    );
}

/// Corrupting any single byte of a real message never panics: every
/// decoder either accepts the result or returns an error.
#[test]
fn single_byte_corruptions_never_panic() {
    for file in [ECDSA_CLIENT, RSA_CLIENT, ECDSA_SERVER, RSA_SERVER] {
        for msg in decode_flight(file) {
            let good = msg.to_bytes();
            for i in 0..good.len() {
                for x in [0x01u8, 0x80, 0xff] {
                    let mut bad = good.clone();
                    bad[i] ^= x;
                    if let Ok(m) = HandshakeMessage::read(&bad) {
                        assert_eq!(m.to_bytes().len(), bad.len());
                    }
                    let body = &bad[4..];
                    let _ = EcdheServerKeyExchange::decode_all(body);
                    let _ = EcdheClientKeyExchange::decode_all(body);
                    let mut joiner = HandshakeJoiner::new();
                    if joiner.push(&bad).is_ok() {
                        let _ = joiner.pop();
                    }
                }
            }
        }
    }
}
