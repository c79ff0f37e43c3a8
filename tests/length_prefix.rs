//! What we send never carries a truncated length prefix (RFC 5246 §4.3).
//!
//! Every vector is written with its length patched in after its body. A body
//! longer than the prefix can state used to be caught by a debug assertion
//! only: a release build wrote the length's low bytes, a malformed message,
//! to the wire. Such bodies come from configuration (ALPN names, suites,
//! groups, schemes) and from what a verifier returns (root subjects). Now an
//! overflow is `Error::Internal` naming the field, in every build, and
//! nothing of the message is sent.

mod common;

use std::sync::Arc;

use common::wire::{self, client_hello, split, ALERT};
use common::{ca, Pair, Pki};
use rcgen::{CertifiedIssuer, KeyPair};
use sanstls::config::ClientAuth;
use sanstls::internals::codec::enums::{AlertDescription as A, NamedGroup, SignatureScheme};
use sanstls::pki_types::ServerName;
use sanstls::verify::{ClientCertVerifier, RootCertStore, WebPkiClientVerifier};
use sanstls::{ClientConfig, Connection, Error, ServerConfig};

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
}
