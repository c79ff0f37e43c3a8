//! Shared bench setup: one certificate pair per key type, and matching
//! sanstls and rustls configurations (TLS 1.2 only, the same suite and group
//! on both), so every figure compares like with like.
#![allow(dead_code)]

mod bound;
mod pump;
mod rounds;
mod unbuffered;
// Not every bench uses the bounds.
#[allow(unused_imports)]
pub use bound::*;
pub use pump::sanstls_pump;
// Only the interleaved benches (threads, tokio_io, random_source,
// side_by_side) use these.
#[allow(unused_imports)]
pub use rounds::*;
// Only side_by_side drives rustls's unbuffered API.
#[allow(unused_imports)]
pub use unbuffered::*;

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::DigitallySignedStruct;
use sanstls::enums::NamedGroup;
use sanstls::suites::SupportedSuite;

/// The criterion settings every timed bench uses: 30 samples of 2 s after a
/// 0.5 s warm-up, sized for the 2-core machine.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
}

/// The key types benched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    EcdsaP256,
    Rsa2048,
}

/// A CA and a "localhost" leaf it issued.
pub struct Pki {
    pub ca: CertificateDer<'static>,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Pki {
    pub fn new(key: Key) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "bench CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = match key {
            Key::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
            Key::Rsa2048 => {
                let pem = include_str!("../../tests/data/keys/rsa2048.pkcs8.pem");
                KeyPair::from_pem_and_sign_algo(pem, &rcgen::PKCS_RSA_SHA256).unwrap()
            }
        };
        let params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let leaf = params.signed_by(&leaf_key, &ca).unwrap();
        Pki {
            ca: ca.der().clone(),
            chain: vec![leaf.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        }
    }
}

/// One benchmark configuration: a suite (by IANA name), a group, and
/// whether the client verifies the chain.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub suite: &'static str,
    pub group: NamedGroup,
    pub verify_chain: bool,
}

pub fn sanstls_suite(name: &str) -> &'static SupportedSuite {
    sanstls::suites::by_name(name).unwrap()
}

// ---------- sanstls ----------

pub fn sanstls_configs(pki: &Pki, case: Case) -> (sanstls::ClientConfig, sanstls::ServerConfig) {
    let mut client = if case.verify_chain {
        let mut roots = sanstls::verify::RootCertStore::new();
        roots.add(pki.ca.clone()).unwrap();
        sanstls::ClientConfig::new(roots)
    } else {
        sanstls::ClientConfig::with_verifier(Arc::new(
            sanstls::verify::danger::NoServerVerification,
        ))
    };
    client.suites = vec![sanstls_suite(case.suite)];
    client.groups = vec![case.group];
    let mut server = sanstls::ServerConfig::new(pki.chain.clone(), &pki.key).unwrap();
    server.suites = vec![sanstls_suite(case.suite)];
    server.groups = vec![case.group];
    (client, server)
}

/// One handshake (resumed if the client config's store holds a session),
/// client and server CPU together.
pub fn sanstls_handshake(
    client: &Arc<sanstls::ClientConfig>,
    server: &Arc<sanstls::ServerConfig>,
    wire: &mut Vec<u8>,
) -> (sanstls::Connection, sanstls::Connection) {
    let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut c = sanstls::Connection::new_client(client.clone(), name).unwrap();
    let mut s = sanstls::Connection::new_server(server.clone());
    sanstls_pump(&mut c, &mut s, wire);
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

/// sanstls configs for resumed handshakes: by ticket (`by_ticket`), or by
/// session ID only (tickets off on both sides).
pub fn sanstls_resumption_configs(
    pki: &Pki,
    case: Case,
    by_ticket: bool,
) -> (Arc<sanstls::ClientConfig>, Arc<sanstls::ServerConfig>) {
    let (mut c, mut s) = sanstls_configs(pki, case);
    c.enable_tickets = by_ticket;
    if !by_ticket {
        s.ticketer = None;
    }
    (Arc::new(c), Arc::new(s))
}

// ---------- rustls ----------

pub fn provider(case: Case) -> CryptoProvider {
    use rustls::crypto::ring as r;
    let suite = r::ALL_CIPHER_SUITES
        .iter()
        .find(|s| s.suite().as_str() == Some(case.suite))
        .copied()
        .unwrap();
    let group = match case.group {
        NamedGroup::X25519 => r::kx_group::X25519,
        NamedGroup::SECP256R1 => r::kx_group::SECP256R1,
        _ => r::kx_group::SECP384R1,
    };
    CryptoProvider {
        cipher_suites: vec![suite],
        kx_groups: vec![group],
        ..r::default_provider()
    }
}

/// Accepts any chain but still checks the handshake signature: the same
/// work sanstls's `danger::NoServerVerification` leaves in place.
#[derive(Debug)]
struct SkipChain(CryptoProvider);

impl ServerCertVerifier for SkipChain {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.3 not benched".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub fn rustls_configs(pki: &Pki, case: Case) -> (rustls::ClientConfig, rustls::ServerConfig) {
    let p = Arc::new(provider(case));
    let builder = rustls::ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap();
    let client = if case.verify_chain {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca.clone()).unwrap();
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipChain(provider(case))))
            .with_no_client_auth()
    };
    let mut server = rustls::ServerConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    server.ticketer = rustls::crypto::ring::Ticketer::new().unwrap();
    (client, server)
}

pub fn rustls_pump(
    client: &mut rustls::ClientConnection,
    server: &mut rustls::ServerConnection,
    wire: &mut Vec<u8>,
) {
    loop {
        let mut moved = false;
        while client.wants_write() {
            wire.clear();
            client.write_tls(wire).unwrap();
            let mut rd = &wire[..];
            while !rd.is_empty() {
                server.read_tls(&mut rd).unwrap();
                server.process_new_packets().unwrap();
            }
            moved = true;
        }
        while server.wants_write() {
            wire.clear();
            server.write_tls(wire).unwrap();
            let mut rd = &wire[..];
            while !rd.is_empty() {
                client.read_tls(&mut rd).unwrap();
                client.process_new_packets().unwrap();
            }
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

pub fn rustls_handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<rustls::ServerConfig>,
    wire: &mut Vec<u8>,
) -> (rustls::ClientConnection, rustls::ServerConnection) {
    let name = ServerName::try_from("localhost").unwrap();
    let mut c = rustls::ClientConnection::new(client.clone(), name).unwrap();
    let mut s = rustls::ServerConnection::new(server.clone()).unwrap();
    rustls_pump(&mut c, &mut s, wire);
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

/// A rustls ticketer that never issues tickets, so resumption goes by
/// session ID.
#[derive(Debug)]
pub struct NoTickets;

impl rustls::server::ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }
    fn lifetime(&self) -> u32 {
        0
    }
    fn encrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn decrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

// ---------- one record each way ----------

/// ring's own AEAD seal then open over `buf` in place, with a fresh nonce
/// from `seq`: the ceiling for any TLS record layer on these primitives.
pub fn ring_seal_open(key: &ring::aead::LessSafeKey, buf: &mut Vec<u8>, seq: u64) {
    use ring::aead::{Aad, Nonce};
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&seq.to_be_bytes());
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::from([0u8; 13]), buf)
        .unwrap();
    buf.extend_from_slice(tag.as_ref());
    let plain = key
        .open_in_place(Nonce::assume_unique_for_key(n), Aad::from([0u8; 13]), buf)
        .unwrap()
        .len();
    buf.truncate(plain);
}

/// `data` from one sanstls connection to the other (one `send`, one
/// `handle_input`), read out into `plain` as `rustls_transfer` does.
pub fn sanstls_transfer(
    from: &mut sanstls::Connection,
    to: &mut sanstls::Connection,
    data: &[u8],
    wire: &mut Vec<u8>,
    plain: &mut [u8],
) {
    wire.clear();
    from.send(data, wire).unwrap();
    let input = to.handle_input(wire).unwrap();
    let got = input.data.unwrap();
    // The same work as rustls's `read_exact`: the plaintext leaves the
    // record buffer for the caller's own.
    plain[..got.len()].copy_from_slice(got);
    assert_eq!(got.len(), data.len());
}

/// `data` from one rustls connection to the other, read out into `plain`.
pub fn rustls_transfer<F, T>(
    from: &mut F,
    to: &mut T,
    data: &[u8],
    wire: &mut Vec<u8>,
    plain: &mut [u8],
) where
    F: std::ops::DerefMut<Target = rustls::ConnectionCommon<<F as RustlsSide>::Data>> + RustlsSide,
    T: std::ops::DerefMut<Target = rustls::ConnectionCommon<<T as RustlsSide>::Data>> + RustlsSide,
{
    use std::io::{Read, Write};
    wire.clear();
    from.writer().write_all(data).unwrap();
    from.write_tls(wire).unwrap();
    let mut rd = &wire[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
        to.process_new_packets().unwrap();
    }
    to.reader().read_exact(&mut plain[..data.len()]).unwrap();
}

/// Names the side-specific data type of a rustls connection.
pub trait RustlsSide {
    type Data;
}

impl RustlsSide for rustls::ClientConnection {
    type Data = rustls::client::ClientConnectionData;
}

impl RustlsSide for rustls::ServerConnection {
    type Data = rustls::server::ServerConnectionData;
}

/// rustls configs for resumed handshakes, as [`sanstls_resumption_configs`].
pub fn rustls_resumption_configs(
    pki: &Pki,
    case: Case,
    by_ticket: bool,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    use rustls::client::{Resumption, Tls12Resumption};
    let (mut c, mut s) = rustls_configs(pki, case);
    c.resumption = Resumption::in_memory_sessions(256).tls12_resumption(if by_ticket {
        Tls12Resumption::SessionIdOrTickets
    } else {
        Tls12Resumption::SessionIdOnly
    });
    if !by_ticket {
        s.ticketer = Arc::new(NoTickets);
    }
    (Arc::new(c), Arc::new(s))
}
