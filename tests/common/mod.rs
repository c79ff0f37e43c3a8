//! Shared test helpers: throwaway PKI from rcgen, and an in-memory `Pair`
//! that shuttles bytes between a client and a server connection.
#![allow(dead_code)]

pub mod dudect;
pub mod gnutls;
pub mod legacy;
pub mod openssl;
pub mod switching;
pub mod tls12;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use sanstls::config::FixedTime;
use sanstls::pki_types::pem::PemObject;
use sanstls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use sanstls::verify::RootCertStore;
use sanstls::{ClientConfig, Connection, Error, Event, ServerConfig};

/// The key types our tests issue certificates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    P256,
    P384,
    Ed25519,
    Rsa2048,
}

pub const ALL_KEY_TYPES: [KeyType; 4] = [
    KeyType::P256,
    KeyType::P384,
    KeyType::Ed25519,
    KeyType::Rsa2048,
];

impl KeyType {
    pub fn key_pair(self) -> KeyPair {
        let alg: &'static SignatureAlgorithm = match self {
            KeyType::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
            KeyType::Rsa2048 => {
                let pem = std::fs::read_to_string(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/data/keys/rsa2048.pkcs8.pem"
                ))
                .unwrap();
                return KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256).unwrap();
            }
        };
        KeyPair::generate_for(alg).unwrap()
    }
}

/// A CA and a leaf it issued.
pub struct Pki {
    pub ca: CertifiedIssuer<'static, KeyPair>,
    pub ca_der: CertificateDer<'static>,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The leaf as rcgen writes it in PEM (for files handed to openssl).
    pub chain_pem: String,
    /// The leaf's key in PKCS#8 PEM, as rcgen writes it.
    pub key_pem: String,
}

pub fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyType::P256.key_pair()).unwrap()
}

/// A leaf for `names` signed by `ca`, with `edit` applied to its params.
pub fn leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    key_type: KeyType,
    names: &[&str],
    edit: impl FnOnce(&mut CertificateParams),
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let (cert, key) = issue_leaf(ca, key_type, names, edit);
    (cert.der().clone(), key_der(&key))
}

/// [`leaf`] as rcgen returns it, for tests that write PEM files: rcgen
/// writes them (`Certificate::pem`, `KeyPair::serialize_pem`).
pub fn issue_leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    key_type: KeyType,
    names: &[&str],
    edit: impl FnOnce(&mut CertificateParams),
) -> (rcgen::Certificate, KeyPair) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "sanstls test leaf");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    edit(&mut params);
    let key = key_type.key_pair();
    let cert = params.signed_by(&key, ca).unwrap();
    (cert, key)
}

/// The PKCS#8 DER of an rcgen key pair.
pub fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

impl Pki {
    pub fn new(key_type: KeyType) -> Self {
        Self::with_names(key_type, &["localhost", "127.0.0.1"])
    }

    pub fn with_names(key_type: KeyType, names: &[&str]) -> Self {
        Self::with_leaf(key_type, names, |_| {})
    }

    /// A new CA and a leaf for `names` with `edit` applied to its params.
    pub fn with_leaf(
        key_type: KeyType,
        names: &[&str],
        edit: impl FnOnce(&mut CertificateParams),
    ) -> Self {
        let ca = ca("sanstls test CA");
        let (cert, key) = issue_leaf(&ca, key_type, names, edit);
        Pki {
            ca_der: ca.der().clone(),
            ca,
            chain: vec![cert.der().clone()],
            key: key_der(&key),
            chain_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    pub fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::new();
        roots.add(self.ca_der.clone()).unwrap();
        roots
    }

    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new(self.roots())
    }

    pub fn server_config(&self) -> ServerConfig {
        ServerConfig::new(self.chain.clone(), &self.key).unwrap()
    }

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }
}

/// A fixed clock at `secs` after the Unix epoch.
pub fn at(secs: u64) -> Arc<FixedTime> {
    Arc::new(FixedTime(UnixTime::since_unix_epoch(Duration::from_secs(
        secs,
    ))))
}

pub fn key_from_pem(pem: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap()
}

/// A client and a server joined in memory.
pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    /// Bytes on the wire, client → server, not yet consumed.
    pub to_server: Vec<u8>,
    /// Bytes on the wire, server → client, not yet consumed.
    pub to_client: Vec<u8>,
    /// Deliver at most this many bytes per `handle_input` call.
    pub chunk: usize,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub client_data: Vec<u8>,
    pub server_data: Vec<u8>,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig) -> Self {
        Self::with_name(client, server, "localhost")
    }

    pub fn with_name(client: ClientConfig, server: ServerConfig, name: &str) -> Self {
        let name = ServerName::try_from(name.to_string()).unwrap();
        Pair {
            client: Connection::new_client(Arc::new(client), name).unwrap(),
            server: Connection::new_server(Arc::new(server)),
            to_server: Vec::new(),
            to_client: Vec::new(),
            chunk: usize::MAX,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_data: Vec::new(),
            server_data: Vec::new(),
        }
    }

    /// Moves each side's output to the other and feeds it, `chunk` bytes at
    /// a time. Returns whether anything moved.
    pub fn step(&mut self) -> (Result<(), Error>, Result<(), Error>) {
        self.client.poll_output(&mut self.to_server);
        let s = feed(
            &mut self.server,
            &mut self.to_server,
            self.chunk,
            &mut self.server_data,
        );
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
        self.server.poll_output(&mut self.to_client);
        let c = feed(
            &mut self.client,
            &mut self.to_client,
            self.chunk,
            &mut self.client_data,
        );
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        (c, s)
    }

    /// Runs until both handshakes finish or one side fails; returns the
    /// first error of each side.
    pub fn handshake(&mut self) -> (Result<(), Error>, Result<(), Error>) {
        for _ in 0..100_000 {
            let (c, s) = self.step();
            if c.is_err() || s.is_err() {
                // Let the alert reach the other side.
                self.client.poll_output(&mut self.to_server);
                let s2 = feed(
                    &mut self.server,
                    &mut self.to_server,
                    usize::MAX,
                    &mut self.server_data,
                );
                self.server.poll_output(&mut self.to_client);
                let c2 = feed(
                    &mut self.client,
                    &mut self.to_client,
                    usize::MAX,
                    &mut self.client_data,
                );
                return (c.and(c2), s.and(s2));
            }
            if !self.client.is_handshaking()
                && !self.server.is_handshaking()
                && self.to_server.is_empty()
                && self.to_client.is_empty()
            {
                return (Ok(()), Ok(()));
            }
        }
        panic!("handshake did not finish");
    }

    pub fn expect_handshake(&mut self) {
        let (c, s) = self.handshake();
        c.expect("client handshake");
        s.expect("server handshake");
    }
}

/// Feeds `wire` into `conn` in `chunk`-sized deliveries; plaintext goes to `data`.
pub fn feed(
    conn: &mut Connection,
    wire: &mut Vec<u8>,
    chunk: usize,
    data: &mut Vec<u8>,
) -> Result<(), Error> {
    // The receiver's buffer: what has been "delivered" so far.
    let mut delivered = 0usize;
    let mut start = 0usize;
    while start < wire.len() {
        delivered = (delivered.max(start)).saturating_add(chunk).min(wire.len());
        loop {
            let input = conn.handle_input(&mut wire[start..delivered])?;
            if let Some(d) = input.data {
                data.extend_from_slice(d);
            }
            if input.consumed == 0 {
                break;
            }
            start += input.consumed;
        }
        if delivered == wire.len() && start < wire.len() {
            // A partial record stays on the wire for the next step.
            break;
        }
    }
    wire.drain(..start);
    Ok(())
}

/// The example binary `name` if cargo built it: examples land in
/// `target/<profile>/examples`, beside the `deps` directory that holds the
/// test binary (plain `cargo test` at the workspace root builds them).
pub fn built_example(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe
        .parent()
        .and_then(std::path::Path::parent)?
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

/// [`built_example`], failing clearly when it is not built.
pub fn example(name: &str) -> std::path::PathBuf {
    built_example(name).unwrap_or_else(|| {
        panic!(
            "example binary {name} not found; build it with `cargo build --examples` \
             (plain `cargo test` builds it too)"
        )
    })
}
