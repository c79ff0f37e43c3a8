//! Client authentication (RFC 5246 §7.4.4 CertificateRequest, §7.4.6 client
//! Certificate, §7.4.8 CertificateVerify), in memory: what the server asks
//! for, what each key type achieves, and for each refusal the error each
//! side reports and the alert its peer receives.

mod common;

use std::sync::{Arc, Mutex};

use common::wire::{
    self, client_flight, edit_message, expect_server_fails, plaintext_messages, server_flight,
    subject_der, CERTIFICATE_VERIFY,
};
use common::{ca, leaf, KeyType, Pair, Pki, ALL_KEY_TYPES};
use rcgen::{CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, KeyPair};
use sanstls::config::{
    CertificateRequestInfo, CertifiedKey, ClientAuth, ResolvesClientCert, ServerConfig,
};
use sanstls::internals::codec::enums::{
    AlertDescription as A, ClientCertificateType, SignatureScheme,
};
use sanstls::internals::crypto::sign::DEFAULT_SIGNATURE_SCHEMES;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer};
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{CertificateError, ClientConfig, Error};

/// The server's PKI plus a separate CA for client certificates.
struct Setup {
    pki: Pki,
    client_ca: CertifiedIssuer<'static, KeyPair>,
}

impl Setup {
    fn new() -> Self {
        Setup {
            pki: Pki::new(KeyType::P256),
            client_ca: ca("sanstls client CA"),
        }
    }

    fn verifier(&self) -> Arc<WebPkiClientVerifier> {
        let mut roots = RootCertStore::new();
        roots.add(self.client_ca.der().clone()).unwrap();
        Arc::new(WebPkiClientVerifier::new(Arc::new(roots)))
    }

    fn server(&self, required: bool) -> ServerConfig {
        let mut sc = self.pki.server_config();
        sc.client_auth = if required {
            ClientAuth::Required(self.verifier())
        } else {
            ClientAuth::Optional(self.verifier())
        };
        sc
    }

    /// A client certificate from the client CA (clientAuth EKU).
    fn client_cert(&self, key_type: KeyType) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        client_leaf(&self.client_ca, key_type)
    }

    fn client_with(&self, cert: CertificateDer<'static>, key: &PrivateKeyDer<'_>) -> ClientConfig {
        let mut cc = self.pki.client_config();
        cc.set_client_cert(vec![cert], key).unwrap();
        cc
    }
}

fn client_leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    key_type: KeyType,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    leaf(
        issuer,
        key_type,
        &["client"],
        |p: &mut CertificateParams| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        },
    )
}

#[test]
fn required_and_valid_for_every_key_type() {
    let s = Setup::new();
    for key_type in ALL_KEY_TYPES {
        let (cert, key) = s.client_cert(key_type);
        let mut p = Pair::new(s.client_with(cert.clone(), &key), s.server(true));
        p.expect_handshake();
        let server_view = p.server.negotiated().unwrap();
        assert_eq!(server_view.peer_certificates, vec![cert], "{key_type:?}");
        assert!(!server_view.resumed);
        assert_eq!(
            p.client.negotiated().unwrap().peer_certificates,
            s.pki.chain,
            "{key_type:?}"
        );
        wire::exchange_data(&mut p, b"authenticated");
    }
}

#[test]
fn certificate_request_contents() {
    let s = Setup::new();
    // A second trusted client CA: both names go out, in store order.
    let other_ca = ca("sanstls second client CA");
    let mut roots = RootCertStore::new();
    roots.add(s.client_ca.der().clone()).unwrap();
    roots.add(other_ca.der().clone()).unwrap();
    let mut sc = s.pki.server_config();
    sc.client_auth = ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(Arc::new(roots))));

    let mut p = Pair::new(s.pki.client_config(), sc);
    server_flight(&mut p);
    let requests: Vec<_> = plaintext_messages(&p.to_client)
        .into_iter()
        .filter_map(|m| match m {
            HandshakePayload::CertificateRequest(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(
        req.certificate_types,
        vec![
            ClientCertificateType::ECDSA_SIGN,
            ClientCertificateType::RSA_SIGN
        ]
    );
    assert_eq!(req.signature_schemes, DEFAULT_SIGNATURE_SCHEMES.to_vec());
    let expected = vec![subject_der(s.client_ca.der()), subject_der(other_ca.der())];
    assert_eq!(req.authorities, expected);
    // The names are the CAs' subjects, not the server CA's.
    assert_ne!(req.authorities[0], subject_der(&s.pki.ca_der));
}

#[test]
fn certificate_request_follows_the_server_signature_schemes() {
    let s = Setup::new();
    let mut sc = s.server(true);
    sc.signature_schemes = vec![
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ED25519,
    ];
    let mut p = Pair::new(s.pki.client_config(), sc);
    server_flight(&mut p);
    let req = plaintext_messages(&p.to_client)
        .into_iter()
        .find_map(|m| match m {
            HandshakePayload::CertificateRequest(r) => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        req.signature_schemes,
        vec![
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::ED25519
        ]
    );
}

#[test]
fn no_certificate_request_without_client_auth() {
    let s = Setup::new();
    let mut p = Pair::new(s.pki.client_config(), s.pki.server_config());
    server_flight(&mut p);
    assert!(!plaintext_messages(&p.to_client)
        .iter()
        .any(|m| matches!(m, HandshakePayload::CertificateRequest(_))));
}

#[test]
fn optional_and_no_certificate() {
    let s = Setup::new();
    let mut p = Pair::new(s.pki.client_config(), s.server(false));
    // The client answers the request with an empty Certificate.
    client_flight(&mut p);
    let msgs = plaintext_messages(&p.to_server);
    assert!(
        matches!(&msgs[0], HandshakePayload::Certificate(c) if c.0.is_empty()),
        "{msgs:?}"
    );
    assert!(!msgs
        .iter()
        .any(|m| matches!(m, HandshakePayload::CertificateVerify(_))));
    wire::settle(&mut p).0.unwrap();
    assert!(!p.client.is_handshaking() && !p.server.is_handshaking());
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());
    assert_eq!(
        p.client.negotiated().unwrap().peer_certificates,
        s.pki.chain
    );
}

#[test]
fn optional_with_a_valid_certificate() {
    let s = Setup::new();
    let (cert, key) = s.client_cert(KeyType::Ed25519);
    let mut p = Pair::new(s.client_with(cert.clone(), &key), s.server(false));
    p.expect_handshake();
    assert_eq!(p.server.negotiated().unwrap().peer_certificates, vec![cert]);
}

#[test]
fn required_and_no_certificate() {
    let s = Setup::new();
    let mut p = Pair::new(s.pki.client_config(), s.server(true));
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure("client certificate required"),
        A::HANDSHAKE_FAILURE,
    );
}

#[test]
fn client_certificate_from_the_wrong_ca() {
    let s = Setup::new();
    let stranger = ca("some other client CA");
    let (cert, key) = client_leaf(&stranger, KeyType::P256);
    // Optional client auth does not excuse a certificate that fails.
    for required in [true, false] {
        let mut p = Pair::new(s.client_with(cert.clone(), &key), s.server(required));
        expect_server_fails(
            &mut p,
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
            A::UNKNOWN_CA,
        );
    }
}

#[test]
fn client_certificate_from_an_impostor_ca_with_the_trusted_name() {
    // Same subject as the trusted client CA, other key: webpki finds the
    // name-matching anchor and the chain signature fails against it (as
    // for server certificates in tests/negative.rs).
    let s = Setup::new();
    let impostor = ca("sanstls client CA");
    let (cert, key) = client_leaf(&impostor, KeyType::P256);
    let mut p = Pair::new(s.client_with(cert, &key), s.server(true));
    expect_server_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::BadSignature),
        A::DECRYPT_ERROR,
    );
}

#[test]
fn client_certificate_without_client_auth_eku() {
    let s = Setup::new();
    // `leaf` issues serverAuth-only certificates by default.
    let (cert, key) = leaf(&s.client_ca, KeyType::P256, &["client"], |_| {});
    let mut p = Pair::new(s.client_with(cert, &key), s.server(true));
    expect_server_fails(
        &mut p,
        Error::InvalidCertificate(CertificateError::InvalidPurpose),
        A::UNSUPPORTED_CERTIFICATE,
    );
}

#[test]
fn bad_certificate_verify_signature() {
    let s = Setup::new();
    for key_type in ALL_KEY_TYPES {
        let (cert, key) = s.client_cert(key_type);
        let mut p = Pair::new(s.client_with(cert, &key), s.server(true));
        client_flight(&mut p);
        // CertificateVerify is plaintext, before the client's CCS.
        edit_message(&mut p.to_server, CERTIFICATE_VERIFY, |m| {
            let HandshakePayload::CertificateVerify(ds) = m else {
                unreachable!()
            };
            let mut signature = ds.signature.to_vec();
            let last = signature.len() - 1;
            signature[last] ^= 0x01;
            ds.signature = signature.leak();
        });
        expect_server_fails(&mut p, Error::BadSignature, A::DECRYPT_ERROR);
    }
}

#[test]
fn certificate_verify_with_a_scheme_not_requested() {
    let s = Setup::new();
    let (cert, key) = s.client_cert(KeyType::P256);
    let mut sc = s.server(true);
    sc.signature_schemes = vec![
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ED25519,
    ];
    let mut p = Pair::new(s.client_with(cert, &key), sc);
    client_flight(&mut p);
    edit_message(&mut p.to_server, CERTIFICATE_VERIFY, |m| {
        let HandshakePayload::CertificateVerify(ds) = m else {
            unreachable!()
        };
        ds.scheme = SignatureScheme::ECDSA_SECP384R1_SHA384;
    });
    expect_server_fails(
        &mut p,
        Error::IllegalParameter("CertificateVerify scheme we did not request"),
        A::ILLEGAL_PARAMETER,
    );
}

/// What a resolver was shown: certificate types, schemes, authorities.
type SeenRequest = (
    Vec<ClientCertificateType>,
    Vec<SignatureScheme>,
    Vec<Vec<u8>>,
);

/// Records what the server asked for and declines.
#[derive(Debug, Default)]
struct Declines {
    seen: Mutex<Vec<SeenRequest>>,
}

impl ResolvesClientCert for Declines {
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        self.seen.lock().unwrap().push((
            request.certificate_types.to_vec(),
            request.signature_schemes.to_vec(),
            request.authorities.to_vec(),
        ));
        None
    }
}

#[test]
fn resolver_returning_none_sends_an_empty_certificate() {
    let s = Setup::new();
    let resolver = Arc::new(Declines::default());
    let mut cc = s.pki.client_config();
    cc.client_cert_resolver = Some(resolver.clone());

    // Optional: the handshake completes without a client identity.
    let mut p = Pair::new(cc.clone(), s.server(false));
    client_flight(&mut p);
    let msgs = plaintext_messages(&p.to_server);
    assert!(matches!(&msgs[0], HandshakePayload::Certificate(c) if c.0.is_empty()));
    assert!(!msgs
        .iter()
        .any(|m| matches!(m, HandshakePayload::CertificateVerify(_))));
    wire::settle(&mut p).0.unwrap();
    assert!(!p.server.is_handshaking());
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());

    // The resolver saw exactly the server's request.
    let seen = resolver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].0,
        vec![
            ClientCertificateType::ECDSA_SIGN,
            ClientCertificateType::RSA_SIGN
        ]
    );
    assert_eq!(seen[0].1, DEFAULT_SIGNATURE_SCHEMES.to_vec());
    assert_eq!(seen[0].2, vec![subject_der(s.client_ca.der())]);

    // Required: the empty Certificate is refused.
    let mut p = Pair::new(cc, s.server(true));
    expect_server_fails(
        &mut p,
        Error::HandshakeFailure("client certificate required"),
        A::HANDSHAKE_FAILURE,
    );
}

#[test]
fn single_client_cert_declines_when_no_scheme_fits() {
    // SingleClientCert answers None when its key cannot sign any requested
    // scheme: an RSA client facing a server that accepts only ECDSA/EdDSA
    // sends an empty Certificate instead of failing on its own.
    let s = Setup::new();
    let (cert, key) = s.client_cert(KeyType::Rsa2048);
    let mut sc = s.server(false);
    sc.signature_schemes = vec![
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ED25519,
    ];
    let mut p = Pair::new(s.client_with(cert, &key), sc);
    p.expect_handshake();
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());
}
