//! What we send never carries a truncated length prefix (RFC 5246 §4.3).
//!
//! Every vector is written with its length patched in after its body. A body
//! longer than the prefix can state used to be caught by a debug assertion
//! only: a release build wrote the length's low bytes, a malformed message,
//! to the wire. Such bodies come from configuration (ALPN names, suites,
//! groups, schemes) and from what a verifier returns (root subjects). Now an
//! overflow is `Error::Internal` naming the field, in every build, and
//! nothing of the message is sent; where the RFC gives a way out (an empty
//! list of certificate authorities) the handshake takes it instead.

mod common;

use std::sync::{Arc, Mutex};

use common::wire::{self, client_hello, split, subject_der, ALERT, CERTIFICATE_REQUEST, HANDSHAKE};
use common::{ca, leaf, Pair, Pki};
use rcgen::{CertifiedIssuer, ExtendedKeyUsagePurpose, KeyPair};
use sanstls::config::{
    CertificateRequestInfo, CertifiedKey, ClientAuth, ResolvesClientCert, SingleClientCert,
};
use sanstls::internals::codec::enums::{
    AlertDescription as A, HandshakeType, NamedGroup, SignatureScheme,
};
use sanstls::internals::handshake::certificate::CertificateRequest;
use sanstls::internals::handshake::HandshakePayload;
use sanstls::pki_types::{CertificateDer, ServerName, UnixTime};
use sanstls::verify::{ClientCertVerifier, RootCertStore, WebPkiClientVerifier};
use sanstls::{CertificateError, ClientConfig, Connection, Error, ServerConfig};

fn new_client(config: ClientConfig) -> Result<Connection, Error> {
    let name = ServerName::try_from("localhost").unwrap();
    Connection::new_client(Arc::new(config), name)
}

// ---- the client's configuration ----

/// An ALPN protocol name of 256 bytes cannot be written as
/// `ProtocolName<1..2^8-1>` (RFC 7301 §3.1): the client is not made, and
/// the error names the field.
#[test]
fn alpn_name_of_256_bytes_fails_the_client() {
    let pki = Pki::new(common::KeyType::P256);
    let mut cc = pki.client_config();
    cc.alpn_protocols = vec![b"h2".to_vec(), vec![b'a'; 256]];
    let e = new_client(cc).err();
    assert_eq!(e, Some(Error::Internal("ALPN protocol name too long")));
}

/// A name of 255 bytes, the most the prefix states, is offered and
/// negotiated.
#[test]
fn alpn_name_of_255_bytes_is_negotiated() {
    let pki = Pki::new(common::KeyType::P256);
    let name = vec![b'a'; 255];
    let mut cc = pki.client_config();
    cc.alpn_protocols = vec![name.clone()];
    let mut sc = pki.server_config();
    sc.alpn_protocols = vec![name.clone()];
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    assert_eq!(p.client.negotiated().unwrap().alpn_protocol, Some(name));
}

/// Each list of the ClientHello that configuration fills, one item past
/// what its u16 prefix states: `Internal`, naming the list.
#[test]
fn client_lists_longer_than_their_prefix_fail_the_client() {
    let pki = Pki::new(common::KeyType::P256);
    type Edit = fn(&mut ClientConfig);
    let cases: [(Edit, &str); 4] = [
        // 257 names of 255 bytes, each with its length: 65,792 bytes.
        (
            |c| c.alpn_protocols = vec![vec![b'a'; 255]; 257],
            "ALPN protocol list too long",
        ),
        // 32,768 two-byte values: 65,536 bytes.
        (
            |c| c.suites = vec![c.suites[0]; 32_768],
            "cipher_suites too long",
        ),
        (
            |c| c.groups = vec![NamedGroup::X25519; 32_768],
            "supported_groups too long",
        ),
        (
            |c| c.signature_schemes = vec![SignatureScheme::ED25519; 32_768],
            "signature_algorithms too long",
        ),
    ];
    for (edit, what) in cases {
        let mut cc = pki.client_config();
        edit(&mut cc);
        assert_eq!(new_client(cc).err(), Some(Error::Internal(what)), "{what}");
    }
}

// ---- the server's configuration ----

/// A server whose CertificateRequest would carry more signature schemes
/// than `supported_signature_algorithms<2..2^16-2>` holds fails with
/// `Internal` out of `handle_input`, and sends only its internal_error
/// alert: none of its first flight (ServerHello and on) reaches the wire.
#[test]
fn server_list_longer_than_its_prefix_fails_before_sending_anything() {
    let s = Setup::new();
    let mut sc = s.server(Arc::new(s.verifier()));
    sc.signature_schemes = vec![SignatureScheme::ECDSA_SECP256R1_SHA256; 32_768];
    let mut p = Pair::new(s.pki.client_config(), sc);
    client_hello(&mut p);
    let e = wire::to_server(&mut p);
    assert_eq!(
        e,
        Err(Error::Internal("supported_signature_algorithms too long"))
    );
    p.server.poll_output(&mut p.to_client);
    let alert = vec![(ALERT, vec![2, A::INTERNAL_ERROR.0])];
    assert_eq!(split(&p.to_client), alert);
    wire::expect_server_fails(
        &mut p,
        Error::Internal("supported_signature_algorithms too long"),
        A::INTERNAL_ERROR,
    );
}

// ---- the verifier's root hints ----

/// The server's PKI and a CA for client certificates.
struct Setup {
    pki: Pki,
    client_ca: CertifiedIssuer<'static, KeyPair>,
}

impl Setup {
    fn new() -> Self {
        Setup {
            pki: Pki::new(common::KeyType::P256),
            client_ca: ca("sanstls client CA"),
        }
    }

    fn verifier(&self) -> WebPkiClientVerifier {
        let mut roots = RootCertStore::new();
        roots.add(self.client_ca.der().clone()).unwrap();
        WebPkiClientVerifier::new(Arc::new(roots))
    }

    fn server(&self, verifier: Arc<dyn ClientCertVerifier>) -> ServerConfig {
        let mut sc = self.pki.server_config();
        sc.client_auth = ClientAuth::Required(verifier);
        sc
    }

    /// A client presenting a certificate from the client CA, recording the
    /// authorities each CertificateRequest named.
    fn client(&self) -> (ClientConfig, Arc<Recording>) {
        let (cert, key) = leaf(&self.client_ca, common::KeyType::P256, &["client"], |p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        let resolver = Arc::new(Recording {
            inner: SingleClientCert(Arc::new(CertifiedKey::new(vec![cert], &key).unwrap())),
            authorities: Mutex::default(),
        });
        let mut cc = self.pki.client_config();
        cc.client_cert_resolver = Some(resolver.clone());
        (cc, resolver)
    }
}

/// The client's certificate, and a record of the authorities it was asked
/// for.
#[derive(Debug)]
struct Recording {
    inner: SingleClientCert,
    authorities: Mutex<Vec<Vec<Vec<u8>>>>,
}

impl ResolvesClientCert for Recording {
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        let mut seen = self.authorities.lock().unwrap();
        seen.push(request.authorities.to_vec());
        self.inner.resolve(request)
    }
}

/// Verifies as webpki does, but names `hints` as its roots: an enterprise
/// root store can hold more subjects than a CertificateRequest can carry.
#[derive(Debug)]
struct ManyRoots {
    inner: WebPkiClientVerifier,
    hints: Vec<Vec<u8>>,
}

impl ClientCertVerifier for ManyRoots {
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), CertificateError> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.hints.clone()
    }
}

/// The real client CA's subject, then filler subjects, `total` bytes in
/// all with each subject's 2-byte length: 65,535 fills
/// `certificate_authorities<0..2^16-1>` exactly.
fn hints(s: &Setup, total: usize) -> Vec<Vec<u8>> {
    let real = subject_der(s.client_ca.der());
    let mut hints = vec![real.clone()];
    let mut left = total - (2 + real.len());
    while left > 0 {
        // Fillers of at most 1,002 bytes with their length, so a client's
        // limit on copied list items (512) is never what stops them.
        let n = left.min(1_002) - 2;
        hints.push(vec![0x30; n]);
        left -= 2 + n;
    }
    hints
}

/// Root hints of 65,536 bytes do not fit CertificateRequest: the server
/// names no authorities, which RFC 5246 §7.4.4 allows ("the client MAY send
/// any certificate"), verifies the client's certificate against its roots
/// all the same, and the handshake completes. Before, a release build sent
/// the list with its length's low 16 bits (0): a CertificateRequest the
/// client refused as malformed.
#[test]
fn root_hints_over_64_kib_name_no_authorities() {
    let s = Setup::new();
    let hints = hints(&s, 65_536);
    let verifier = Arc::new(ManyRoots {
        inner: s.verifier(),
        hints,
    });
    let (cc, seen) = s.client();
    let mut p = Pair::new(cc, s.server(verifier));
    p.expect_handshake();
    assert_eq!(
        *seen.authorities.lock().unwrap(),
        vec![Vec::<Vec<u8>>::new()]
    );
    let n = p.server.negotiated().unwrap();
    assert_eq!(n.peer_certificates.len(), 1);
    wire::exchange_data(&mut p, b"verified without hints");
}

/// Root hints of exactly 65,535 bytes are all named, in order. (Read from
/// the server's flight: at this size the CertificateRequest body passes the
/// 64 KiB our own client accepts for a handshake message,
/// `MAX_HANDSHAKE_MESSAGE_LEN`, so no handshake with it completes.)
#[test]
fn root_hints_of_65_535_bytes_are_all_named() {
    let s = Setup::new();
    let hints = hints(&s, 65_535);
    assert_eq!(hints.iter().map(|h| 2 + h.len()).sum::<usize>(), 65_535);
    let verifier = Arc::new(ManyRoots {
        inner: s.verifier(),
        hints: hints.clone(),
    });
    let (cc, _) = s.client();
    let mut p = Pair::new(cc, s.server(verifier));
    wire::server_flight(&mut p);
    assert_eq!(certificate_request(&p.to_client).authorities, hints);
}

/// The CertificateRequest in a plaintext flight, reassembled from its
/// records and decoded without the receiving side's size limit.
fn certificate_request(flight: &[u8]) -> CertificateRequest {
    let stream: Vec<u8> = split(flight)
        .into_iter()
        .take_while(|(typ, _)| *typ == HANDSHAKE)
        .flat_map(|(_, body)| body)
        .collect();
    let mut rest = &stream[..];
    while rest.len() >= 4 {
        let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        let (msg, tail) = rest.split_at(4 + len);
        if msg[0] == CERTIFICATE_REQUEST {
            let typ = HandshakeType(CERTIFICATE_REQUEST);
            match HandshakePayload::read_body(typ, &msg[4..]).unwrap() {
                HandshakePayload::CertificateRequest(r) => return r,
                other => panic!("decoded as {other:?}"),
            }
        }
        rest = tail;
    }
    panic!("no CertificateRequest in the flight");
}
