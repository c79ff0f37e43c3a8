//! What a client checks before it trusts a legacy key exchange (feature
//! `legacy`): the size of the RSA key it encrypts the pre-master secret to
//! (`min_rsa_key_bits`), that the certificate allows key encipherment
//! (RFC 5280 §4.2.1.3), and that DHE parameters are an RFC 7919 group
//! unless the configuration accepts custom ones (RFC 7919 §3).
//!
//! Our server never sends what some of these cases need (it cannot hold an
//! RSA key under 2048 bits, ring refuses those; it only uses RFC 7919
//! groups). So the server's flight is real, the attacker of
//! tests/hostile edits it (a certificate whose key the server does not hold,
//! DHE parameters re-signed with the server's key), and where the client
//! accepts, the attacker finishes the handshake in the server's place with
//! the master secret the client logged ([`Scene::finish_as_server`]): the
//! client completes, so accepting means all the way.

mod common;
mod hostile;

use common::wire::*;
use common::{KeyType, Pair, Pki};
use hostile::resign::custom2048_p;
use hostile::{Point, Scene};
use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyUsagePurpose};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sanstls::enums::AlertDescription;
use sanstls::suites::{
    SupportedSuite, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_RSA_WITH_AES_128_GCM_SHA256,
};
use sanstls::{CertificateError, ClientConfig, Error, ServerConfig};

static RSA_KX: &SupportedSuite = &TLS_RSA_WITH_AES_128_GCM_SHA256;
static DHE: &SupportedSuite = &TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;

fn rsa1024() -> rsa::PrivateKey {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/keys/rsa1024.pkcs8.pem"
    ))
    .unwrap();
    rsa::PrivateKey::from_pkcs8_der(common::key_from_pem(&pem).secret_der()).unwrap()
}

/// An RSA public key for rcgen to certify, whose private half rcgen (over
/// ring) cannot hold: the `RSAPublicKey` inside its SubjectPublicKeyInfo.
struct RsaPublic(Vec<u8>);

impl rcgen::PublicKeyData for RsaPublic {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// A scene whose server presents a certificate for the RSA-1024 test key,
/// issued by a CA the client trusts, while holding the RSA-2048 key: what
/// the client does with that key is the point; the server never gets to
/// use its own. No tickets, so that the attacker can finish in its place.
fn scene_with_rsa1024_cert(edit_client: impl FnOnce(&mut ClientConfig)) -> Scene {
    use rsa::pkcs8::der::Decode;
    let spki = rsa1024().to_public_key().to_public_key_der().unwrap();
    let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(spki.as_bytes()).unwrap();
    let public = RsaPublic(spki.subject_public_key.raw_bytes().to_vec());
    let ca = common::ca("sanstls test CA");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "sanstls RSA-1024 leaf");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&public, &ca).unwrap();
    let mut roots = sanstls::verify::RootCertStore::new();
    roots.add(ca.der().clone()).unwrap();
    let mut cc = ClientConfig::new(roots);
    edit_client(&mut cc);
    // `CertifiedKey::new` refuses a key that is not the certificate's; the
    // fields themselves pair anything, as an attacker's server would.
    let rsa2048 = KeyType::Rsa2048.key_pair();
    let mismatched = sanstls::config::CertifiedKey {
        chain: vec![cert.der().clone()],
        key: sanstls::config::SigningKey::from_der(&common::key_der(&rsa2048)).unwrap(),
    };
    let mut sc = ServerConfig::with_resolver(std::sync::Arc::new(sanstls::config::SingleCert(
        std::sync::Arc::new(mismatched),
    )));
    sc.ticketer = None;
    Scene::with_suite(cc, sc, RSA_KX)
}

/// RSA key transport to a 1024-bit key is refused under the default
/// `min_rsa_key_bits` (2048) before the client sends anything: its only
/// output is a handshake_failure alert.
#[test]
fn rsa_key_shorter_than_min_rsa_key_bits_is_refused() {
    let mut s = scene_with_rsa1024_cert(|_| {});
    s.drive_to(Point::ServerFlight);
    client_fails_with_handshake_failure(
        &mut s,
        "server's RSA key is shorter than min_rsa_key_bits",
    );
}

/// The client refuses the server's flight with `HandshakeFailure(why)` and
/// sends nothing but a fatal handshake_failure alert.
fn client_fails_with_handshake_failure(s: &mut Scene, why: &'static str) {
    assert_eq!(s.deliver_to_client(), Err(Error::HandshakeFailure(why)));
    let mut sent = Vec::new();
    s.p.client.poll_output(&mut sent);
    assert_eq!(
        sent,
        record(ALERT, &[2, AlertDescription::HANDSHAKE_FAILURE.0])
    );
}

/// With `min_rsa_key_bits` lowered to 1024 the same key is used: the
/// ClientKeyExchange holds a 128-byte ciphertext that the 1024-bit key
/// decrypts to the client's pre-master secret, and the client completes the
/// handshake.
#[test]
fn rsa_key_of_1024_bits_is_used_when_the_minimum_allows() {
    let mut s = scene_with_rsa1024_cert(|c| c.min_rsa_key_bits = 1024);
    s.drive_to(Point::ClientFlight);
    let recs = split(&s.p.to_server);
    let cke = &recs[find_hs(&recs, CLIENT_KEY_EXCHANGE)].1;
    assert_eq!(cke[4..6], [0, 128]);
    let pre_master = rsa1024().decrypt(rsa::Pkcs1v15Encrypt, &cke[6..]).unwrap();
    assert_eq!(pre_master.len(), 48);
    assert_eq!(pre_master[..2], [3, 3]);
    let delivered = s.server_flight.clone();
    s.finish_as_server(&delivered).unwrap();
    assert!(!s.p.client.is_handshaking());
    assert_eq!(s.p.client.negotiated().unwrap().suite, RSA_KX);
}

/// A full in-memory handshake of `suite` with an RSA-2048 leaf whose
/// params `edit` changes; returns each side's result.
fn handshake_with_leaf(
    suite: &'static SupportedSuite,
    edit: impl FnOnce(&mut CertificateParams),
) -> (Result<(), Error>, Result<(), Error>) {
    let pki = Pki::with_leaf(KeyType::Rsa2048, &["localhost"], edit);
    let mut cc = pki.client_config();
    let mut sc = pki.server_config();
    hostile::allow_suite(&mut cc, &mut sc, suite);
    cc.suites = vec![suite];
    Pair::new(cc, sc).handshake()
}

/// RFC 5246 §7.4.2: with RSA key transport the certificate "MUST allow the
/// key to be used for encryption (the keyEncipherment bit MUST be set if
/// the key usage extension is present)". A key usage without it is refused
/// as a certificate of the wrong purpose, before any key is sent.
#[test]
fn rsa_key_transport_refuses_a_key_usage_without_key_encipherment() {
    let (c, s) = handshake_with_leaf(RSA_KX, |p| {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    });
    let err = Error::InvalidCertificate(CertificateError::InvalidPurpose);
    assert_eq!(c, Err(err.clone()));
    assert_eq!(s, Err(Error::AlertReceived(err.alert().unwrap())));
}

#[test]
fn rsa_key_transport_takes_key_encipherment_or_no_key_usage() {
    let (c, s) = handshake_with_leaf(RSA_KX, |p| {
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
    });
    assert_eq!((c, s), (Ok(()), Ok(())), "with keyEncipherment");
    let (c, s) = handshake_with_leaf(RSA_KX, |p| {
        p.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    });
    assert_eq!((c, s), (Ok(()), Ok(())), "keyEncipherment alone");
    let (c, s) = handshake_with_leaf(RSA_KX, |p| p.key_usages = Vec::new());
    assert_eq!((c, s), (Ok(()), Ok(())), "no key usage extension");
}

/// The keyEncipherment requirement is RSA key transport's only: a signing
/// suite takes the same digitalSignature-only certificate.
#[test]
fn signing_suites_take_a_key_usage_without_key_encipherment() {
    for suite in [&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, DHE] {
        let (c, s) = handshake_with_leaf(suite, |p| {
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        });
        assert_eq!((c, s), (Ok(()), Ok(())), "{}", suite.name());
    }
}

/// A DHE scene (no tickets) driven to the server's flight, its
/// ServerKeyExchange changed to a prime of no standard (the one in
/// tests/data/dh/custom2048.pem) and signed again with the server's key.
fn dhe_with_custom2048(edit_client: impl FnOnce(&mut ClientConfig)) -> Scene {
    let pki = Pki::new(KeyType::Rsa2048);
    let mut cc = pki.client_config();
    edit_client(&mut cc);
    let mut sc = pki.server_config();
    sc.ticketer = None;
    let mut s = Scene::with_suite(cc, sc, DHE);
    s.drive_to(Point::ServerFlight);
    let mut m = s.intercept(false);
    m.resign_dhe_params(|d| {
        d.p = custom2048_p();
        // Any value in 1 < Ys < p-1 will do: the attacker finishes with the
        // master secret the client logs, not with a DH secret of its own.
        d.ys = vec![0x42; 200];
    });
    s.release(m);
    s
}

/// RFC 7919 §3: a client that offered FFDHE groups refuses other DH
/// parameters unless its configuration accepts custom groups.
#[test]
fn dhe_client_refuses_a_non_rfc7919_group_by_default() {
    let mut s = dhe_with_custom2048(|_| {});
    client_fails_with_handshake_failure(
        &mut s,
        "server's DH group is not a well-known group (RFC 7919, RFC 3526)",
    );
}

/// With `allow_custom_dhe_groups` the same parameters are used: the
/// client's public value is one of that group (the prime's length, in
/// 1 < Yc < p-1), and the client completes the handshake, with no named
/// group to report.
#[test]
fn dhe_client_takes_a_custom_group_when_allowed() {
    let mut s = dhe_with_custom2048(|c| c.allow_custom_dhe_groups = true);
    let delivered = s.p.to_client.clone();
    s.deliver_to_client().unwrap();
    s.p.client.poll_output(&mut s.p.to_server);
    let recs = split(&s.p.to_server);
    let cke = &recs[find_hs(&recs, CLIENT_KEY_EXCHANGE)].1;
    let p = custom2048_p();
    assert_eq!(cke[4..6], (p.len() as u16).to_be_bytes());
    // Same-length big-endian values compare as byte strings.
    let yc = &cke[6..];
    let mut one = vec![0; p.len()];
    one[p.len() - 1] = 1;
    let mut p_minus_one = p.clone();
    p_minus_one[p.len() - 1] -= 1; // p ends in 0xff
    assert!(&one[..] < yc && yc < &p_minus_one[..]);
    s.finish_as_server(&delivered).unwrap();
    assert!(!s.p.client.is_handshaking());
    let negotiated = s.p.client.negotiated().unwrap();
    assert_eq!(negotiated.suite, DHE);
    assert_eq!(negotiated.group, None);
}
