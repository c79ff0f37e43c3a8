//! Shared bench setup: one certificate pair per key type, and matching
//! sanstls and rustls configurations (TLS 1.2 only, the same suite and group
//! on both), so every figure compares like with like.
#![allow(dead_code)]

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::DigitallySignedStruct;
use sanstls::codec::enums::NamedGroup;
use sanstls::suites::SupportedSuite;

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

/// Moves each side's output to the other until neither has any.
pub fn sanstls_pump(
    client: &mut sanstls::Connection,
    server: &mut sanstls::Connection,
    wire: &mut Vec<u8>,
) {
    while deliver(client, server, wire) | deliver(server, client, wire) {}
}

/// Moves `from`'s output into `to`; returns whether there was any.
pub fn deliver(
    from: &mut sanstls::Connection,
    to: &mut sanstls::Connection,
    wire: &mut Vec<u8>,
) -> bool {
    wire.clear();
    if from.poll_output(wire) == 0 {
        return false;
    }
    let mut start = 0;
    while start < wire.len() {
        let input = to.handle_input(&mut wire[start..]).unwrap();
        if input.consumed == 0 {
            break;
        }
        start += input.consumed;
    }
    true
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
/// `handle_input`).
pub fn sanstls_transfer(
    from: &mut sanstls::Connection,
    to: &mut sanstls::Connection,
    data: &[u8],
    wire: &mut Vec<u8>,
) {
    wire.clear();
    from.send(data, wire).unwrap();
    let input = to.handle_input(wire).unwrap();
    assert_eq!(input.data.map(|d| d.len()), Some(data.len()));
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

/// The cryptography one ECDHE-ECDSA handshake cannot avoid, and nothing
/// else: two X25519 key pairs and agreements, one ECDSA P-256 signature and
/// its verification. The bound both libraries' full handshakes sit on.
pub struct CryptoOnly {
    rng: ring::rand::SystemRandom,
    key: ring::signature::EcdsaKeyPair,
    message: [u8; 64 + 36],
}

impl CryptoOnly {
    pub fn new(pki: &Pki) -> Self {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
        let rng = ring::rand::SystemRandom::new();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pki.key.secret_der(), &rng)
                .unwrap();
        CryptoOnly {
            rng,
            key,
            message: [7; 64 + 36],
        }
    }

    pub fn run(&self) {
        use ring::agreement::{agree_ephemeral, EphemeralPrivateKey, UnparsedPublicKey, X25519};
        use ring::signature::{KeyPair, ECDSA_P256_SHA256_ASN1};
        let a = EphemeralPrivateKey::generate(&X25519, &self.rng).unwrap();
        let b = EphemeralPrivateKey::generate(&X25519, &self.rng).unwrap();
        let (pa, pb) = (
            a.compute_public_key().unwrap(),
            b.compute_public_key().unwrap(),
        );
        agree_ephemeral(a, &UnparsedPublicKey::new(&X25519, pb), |_| ()).unwrap();
        agree_ephemeral(b, &UnparsedPublicKey::new(&X25519, pa), |_| ()).unwrap();
        let sig = self.key.sign(&self.rng, &self.message).unwrap();
        ring::signature::UnparsedPublicKey::new(
            &ECDSA_P256_SHA256_ASN1,
            self.key.public_key().as_ref(),
        )
        .verify(&self.message, sig.as_ref())
        .unwrap();
    }

    /// One chain verification with `verifier`, as a client does.
    pub fn verify_chain(&self, pki: &Pki, verifier: &sanstls::verify::WebPkiServerVerifier) {
        use sanstls::verify::ServerCertVerifier;
        let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
        verifier
            .verify_server_cert(
                &pki.chain[0],
                &[],
                &name,
                sanstls::pki_types::UnixTime::now(),
            )
            .unwrap();
    }
}

/// The cryptography an abbreviated handshake (RFC 5246 §7.3, Figure 2)
/// cannot avoid, both sides together, done straight on ring and the PRF:
/// two randoms; on each side the transcript hash over ClientHello,
/// ServerHello and the first Finished, the key block, both verify_data
/// values, two AES-128-GCM record keys, and one Finished record sealed and
/// one opened. By ticket, the server also opens the offered ticket and
/// seals a fresh one (RFC 5077 §3.3) with a random nonce. Message lengths
/// are those of a real resumed sanstls handshake, measured at set-up.
pub struct ResumedCryptoOnly {
    rng: ring::rand::SystemRandom,
    client_hello: Vec<u8>,
    server_hello: Vec<u8>,
    ticket_key: ring::aead::LessSafeKey,
    /// A ticket as issued earlier: the client offers it.
    sealed_ticket: Vec<u8>,
}

impl ResumedCryptoOnly {
    /// `client_hello_len`/`server_hello_len`: handshake message lengths;
    /// `ticket_len`: the ticket plaintext (the encoded session).
    pub fn new(client_hello_len: usize, server_hello_len: usize, ticket_len: usize) -> Self {
        use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
        let ticket_key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[5; 32]).unwrap());
        let mut sealed_ticket = vec![6; ticket_len];
        ticket_key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::empty(),
                &mut sealed_ticket,
            )
            .unwrap();
        ResumedCryptoOnly {
            rng: ring::rand::SystemRandom::new(),
            client_hello: vec![1; client_hello_len],
            server_hello: vec![2; server_hello_len],
            ticket_key,
            sealed_ticket,
        }
    }

    pub fn run(&self, by_ticket: bool) {
        use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
        use ring::digest::{Context, SHA256};
        use ring::rand::SecureRandom;
        use sanstls::crypto::prf::{prf, prf_parts};
        use sanstls::suites::HashKind;

        let (mut cr, mut sr) = ([0u8; 32], [0u8; 32]);
        self.rng.fill(&mut cr).unwrap();
        self.rng.fill(&mut sr).unwrap();
        let master = [3u8; 48];
        let mut ticket = Vec::new();
        if by_ticket {
            // The server opens the offered ticket ...
            ticket.extend_from_slice(&self.sealed_ticket);
            self.ticket_key
                .open_in_place(
                    Nonce::assume_unique_for_key([0; 12]),
                    Aad::empty(),
                    &mut ticket,
                )
                .unwrap();
            // ... and seals a new one under a fresh nonce.
            let mut nonce = [0u8; 12];
            self.rng.fill(&mut nonce).unwrap();
            ticket.truncate(self.sealed_ticket.len() - 16);
            self.ticket_key
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::empty(),
                    &mut ticket,
                )
                .unwrap();
        }
        let finished = [20u8; 16];
        let nonce = |side: usize| Nonce::assume_unique_for_key([side as u8; 12]);
        let aad = || Aad::from([0u8; 13]);
        // Each side's Finished record body: 16 bytes, then the tag.
        let mut sealed = [[0u8; 32]; 2];
        let mut readers = [None, None];
        for (side, out) in sealed.iter_mut().enumerate() {
            let mut t = Context::new(&SHA256);
            t.update(&self.client_hello);
            t.update(&self.server_hello);
            let mut kb = [0u8; 40];
            prf_parts(
                HashKind::Sha256,
                &master,
                b"key expansion",
                &[&sr, &cr],
                &mut kb,
            );
            let key = |k: &[u8]| LessSafeKey::new(UnboundKey::new(&AES_128_GCM, k).unwrap());
            let (client_key, server_key) = (key(&kb[..16]), key(&kb[16..32]));
            let mut vd = [0u8; 12];
            let server_hash = t.clone().finish();
            prf(
                HashKind::Sha256,
                &master,
                b"server finished",
                server_hash.as_ref(),
                &mut vd,
            );
            t.update(&finished);
            let client_hash = t.finish();
            prf(
                HashKind::Sha256,
                &master,
                b"client finished",
                client_hash.as_ref(),
                &mut vd,
            );
            let (write, read) = if side == 0 {
                (client_key, server_key)
            } else {
                (server_key, client_key)
            };
            out[..16].copy_from_slice(&finished);
            let tag = write
                .seal_in_place_separate_tag(nonce(side), aad(), &mut out[..16])
                .unwrap();
            out[16..].copy_from_slice(tag.as_ref());
            readers[side] = Some(read);
        }
        // Each side opens the other's Finished record.
        for (side, read) in readers.iter().enumerate() {
            let peer = 1 - side;
            let read = read.as_ref().unwrap();
            read.open_in_place(nonce(peer), aad(), &mut sealed[peer])
                .unwrap();
        }
        std::hint::black_box(ticket);
    }
}
