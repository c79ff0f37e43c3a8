//! Shared setup for the OpenSSL comparison: one RSA-2048 certificate, and
//! for each key exchange (or any suite, [`PairSpec`]) a sanstls pair and an
//! OpenSSL pair configured alike (TLS 1.2, one suite, the extended master
//! secret, no resumption, no chain verification), both driven in memory on
//! one thread; application-data records through them in [`records`].
#![allow(dead_code)]

mod cpu_time;
#[path = "../../../common/pump.rs"]
mod pump;
pub mod records;
pub use cpu_time::CpuTime;

use std::io::{self, Read, Write};
use std::sync::Arc;

use openssl::dh::Dh;
use openssl::pkey::{PKey, Params, Private};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslMethod, SslOptions, SslSessionCacheMode, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use pump::sanstls_pump;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sanstls::enums::NamedGroup;

/// The server's RSA-2048 key, the one the main crate's tests and benches use.
pub const RSA_KEY_PEM: &str = include_str!("../../../../tests/data/keys/rsa2048.pkcs8.pem");

/// The RFC 7919 ffdhe2048 group as `openssl genpkey -genparam -algorithm DH
/// -pkeyopt group:ffdhe2048` writes it.
pub const FFDHE2048_PEM: &[u8] = include_bytes!("../../ffdhe2048.pem");

/// The criterion settings of the main crate's benches (benches/common):
/// 30 samples in 2 s after a 0.5 s warm-up; timed in the thread's CPU time
/// ([`CpuTime`]), not wall time.
pub fn criterion_config() -> criterion::Criterion<CpuTime> {
    criterion::Criterion::default()
        .with_measurement(CpuTime)
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
}

/// The key exchanges compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kx {
    /// TLS_RSA_WITH_AES_128_GCM_SHA256.
    Rsa,
    /// TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 over ffdhe2048.
    Dhe,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over X25519: the modern anchor.
    Ecdhe,
}

pub const ALL_KX: [Kx; 3] = [Kx::Rsa, Kx::Dhe, Kx::Ecdhe];

impl Kx {
    pub fn label(self) -> &'static str {
        match self {
            Kx::Rsa => "rsa_kx",
            Kx::Dhe => "dhe_ffdhe2048",
            Kx::Ecdhe => "ecdhe_x25519",
        }
    }

    pub fn iana(self) -> &'static str {
        match self {
            Kx::Rsa => "TLS_RSA_WITH_AES_128_GCM_SHA256",
            Kx::Dhe => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            Kx::Ecdhe => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        }
    }

    fn openssl_cipher(self) -> &'static str {
        match self {
            Kx::Rsa => "AES128-GCM-SHA256",
            Kx::Dhe => "DHE-RSA-AES128-GCM-SHA256",
            Kx::Ecdhe => "ECDHE-RSA-AES128-GCM-SHA256",
        }
    }

    pub fn parse(s: &str) -> Option<Kx> {
        ALL_KX.into_iter().find(|k| k.label() == s)
    }

    /// Both libraries' set-up for this key exchange's suite.
    pub fn spec(self) -> PairSpec {
        PairSpec {
            iana: self.iana(),
            openssl: self.openssl_cipher(),
            rsa_kx: self == Kx::Rsa,
            ffdhe: self == Kx::Dhe,
            cbc: false,
            etm: true,
        }
    }
}

/// What a pair of connections is set up for: one suite, and the opt-ins
/// it needs, set alike on both sides and in both libraries.
#[derive(Debug, Clone, Copy)]
pub struct PairSpec {
    /// The suite's IANA name, for sanstls.
    pub iana: &'static str,
    /// The same suite in OpenSSL's cipher-list syntax.
    pub openssl: &'static str,
    /// RSA key transport (sanstls's `allow_rsa_key_transport`).
    pub rsa_kx: bool,
    /// Finite-field DHE (sanstls's `allow_ffdhe`; the OpenSSL server gets
    /// the ffdhe2048 parameters).
    pub ffdhe: bool,
    /// A CBC suite (sanstls's `allow_cbc`).
    pub cbc: bool,
    /// Encrypt-then-MAC (RFC 7366) offered and accepted: sanstls's
    /// `encrypt_then_mac` (its default), OpenSSL without
    /// `SSL_OP_NO_ENCRYPT_THEN_MAC` (its default). Only CBC suites use it.
    pub etm: bool,
}

/// A CA and a "localhost" leaf with the RSA-2048 key, as the main crate's
/// benches/common builds it.
pub struct Pki {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "bench CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key =
            KeyPair::from_pem_and_sign_algo(RSA_KEY_PEM, &rcgen::PKCS_RSA_SHA256).unwrap();
        let params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let leaf = params.signed_by(&leaf_key, &ca).unwrap();
        Pki {
            chain: vec![leaf.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        }
    }

    pub fn openssl_key(&self) -> PKey<Private> {
        PKey::private_key_from_der(self.key.secret_der()).unwrap()
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

pub fn ffdhe2048_params() -> Dh<Params> {
    Dh::params_from_pem(FFDHE2048_PEM).unwrap()
}

// ---------- sanstls ----------

pub struct SanstlsPair {
    pub client: Arc<sanstls::ClientConfig>,
    pub server: Arc<sanstls::ServerConfig>,
}

/// Both sides allow only `kx`'s suite; no resumption state on either side
/// (no session caches, no tickets); the client skips chain verification
/// (`danger::NoServerVerification`, which still checks the handshake
/// signature). The extended master secret is required by default.
pub fn sanstls_pair(pki: &Pki, kx: Kx) -> SanstlsPair {
    sanstls_pair_for(pki, kx.spec())
}

/// [`sanstls_pair`] for any suite and opt-ins.
pub fn sanstls_pair_for(pki: &Pki, spec: PairSpec) -> SanstlsPair {
    let mut client = sanstls::ClientConfig::with_verifier(Arc::new(
        sanstls::verify::danger::NoServerVerification,
    ));
    client.allow_rsa_key_transport = spec.rsa_kx;
    client.allow_ffdhe = spec.ffdhe;
    client.allow_cbc = spec.cbc;
    client.encrypt_then_mac = spec.etm;
    client.set_suites_by_name(&[spec.iana]).unwrap();
    client.groups = vec![NamedGroup::X25519];
    client.session_store = None;
    client.enable_tickets = false;

    let mut server = sanstls::ServerConfig::new(pki.chain.clone(), &pki.key).unwrap();
    server.allow_rsa_key_transport = spec.rsa_kx;
    server.allow_ffdhe = spec.ffdhe;
    server.allow_cbc = spec.cbc;
    server.encrypt_then_mac = spec.etm;
    server.set_suites_by_name(&[spec.iana]).unwrap();
    server.groups = vec![NamedGroup::X25519];
    server.dhe_groups = vec![NamedGroup::FFDHE2048];
    server.session_store = None;
    server.ticketer = None;
    SanstlsPair {
        client: Arc::new(client),
        server: Arc::new(server),
    }
}

impl SanstlsPair {
    /// One full handshake, client and server CPU together.
    pub fn handshake(&self, wire: &mut Vec<u8>) -> (sanstls::Connection, sanstls::Connection) {
        let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut c = sanstls::Connection::new_client(self.client.clone(), name).unwrap();
        let mut s = sanstls::Connection::new_server(self.server.clone());
        sanstls_pump(&mut c, &mut s, wire);
        assert!(!c.is_handshaking() && !s.is_handshaking());
        (c, s)
    }

    /// What was negotiated, in one line, for the bench log.
    pub fn describe(&self) -> String {
        let (c, s) = self.handshake(&mut Vec::new());
        let n = c.negotiated().unwrap();
        let ns = s.negotiated().unwrap();
        assert_eq!(n.group, ns.group);
        format!(
            "{} group={:?} signature={:?} ems={}/{} resumed={}",
            n.suite.name(),
            n.group,
            n.signature_scheme,
            n.extended_master_secret,
            ns.extended_master_secret,
            n.resumed
        )
    }
}

// ---------- OpenSSL ----------

/// One side's end of an in-memory connection: what the peer sent and what
/// this side wrote. Reading with nothing left says `WouldBlock`, so the
/// handshake returns `WANT_READ` and the pump moves bytes across.
#[derive(Default)]
pub struct Pipe {
    input: Vec<u8>,
    read: usize,
    output: Vec<u8>,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = &self.input[self.read..];
        if left.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = left.len().min(buf.len());
        buf[..n].copy_from_slice(&left[..n]);
        self.read += n;
        if self.read == self.input.len() {
            self.input.clear();
            self.read = 0;
        }
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct OpensslPair {
    pub client: SslContext,
    pub server: SslContext,
}

/// The same set-up as [`sanstls_pair`]: TLS 1.2 only, one cipher suite, no
/// session cache and no tickets on either side, no chain verification
/// (`SSL_VERIFY_NONE`; the ServerKeyExchange signature is still checked),
/// the extended master secret (on by default in OpenSSL 3), the signature
/// scheme sanstls picks (rsa_pss_rsae_sha256), X25519 for ECDHE and the RFC
/// 7919 ffdhe2048 parameters for DHE.
pub fn openssl_pair(pki: &Pki, kx: Kx) -> OpensslPair {
    openssl_pair_for(pki, kx.spec())
}

/// `SSL_OP_NO_ENCRYPT_THEN_MAC` (OpenSSL 3's `ssl.h`: bit 19), which the
/// `openssl` crate does not name.
pub const NO_ENCRYPT_THEN_MAC: SslOptions = SslOptions::from_bits_retain(1 << 19);

/// [`openssl_pair`] for any suite; without `spec.etm`, both sides have
/// [`NO_ENCRYPT_THEN_MAC`].
pub fn openssl_pair_for(pki: &Pki, spec: PairSpec) -> OpensslPair {
    let common = |b: &mut openssl::ssl::SslContextBuilder| {
        b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_cipher_list(spec.openssl).unwrap();
        b.set_options(SslOptions::NO_TICKET);
        if !spec.etm {
            b.set_options(NO_ENCRYPT_THEN_MAC);
        }
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        b.set_groups_list("X25519").unwrap();
        b.set_sigalgs_list("rsa_pss_rsae_sha256").unwrap();
    };
    let mut client = SslContext::builder(SslMethod::tls_client()).unwrap();
    common(&mut client);
    client.set_verify(SslVerifyMode::NONE);

    let mut server = SslContext::builder(SslMethod::tls_server()).unwrap();
    common(&mut server);
    let cert = X509::from_der(&pki.chain[0]).unwrap();
    server.set_certificate(&cert).unwrap();
    server.set_private_key(&pki.openssl_key()).unwrap();
    server.check_private_key().unwrap();
    if spec.ffdhe {
        server.set_tmp_dh(&ffdhe2048_params()).unwrap();
    }
    OpensslPair {
        client: client.build(),
        server: server.build(),
    }
}

impl OpensslPair {
    /// One full handshake, client and server CPU together.
    pub fn handshake(&self) -> (SslStream<Pipe>, SslStream<Pipe>) {
        let mut c = Ssl::new(&self.client).unwrap();
        c.set_connect_state();
        c.set_hostname("localhost").unwrap();
        let mut s = Ssl::new(&self.server).unwrap();
        s.set_accept_state();
        let mut c = SslStream::new(c, Pipe::default()).unwrap();
        let mut s = SslStream::new(s, Pipe::default()).unwrap();
        let (mut c_done, mut s_done) = (false, false);
        for _ in 0..16 {
            c_done = c_done || step(&mut c);
            move_bytes(&mut c, &mut s);
            s_done = s_done || step(&mut s);
            move_bytes(&mut s, &mut c);
            if c_done && s_done && c.get_ref().input.is_empty() {
                return (c, s);
            }
        }
        panic!("OpenSSL handshake did not finish");
    }

    /// What was negotiated, in one line, for the bench log; for DHE also
    /// the size of the server's prime (checked to be ffdhe2048's) and of an
    /// exponent OpenSSL draws in that group.
    pub fn describe(&self, kx: Kx) -> String {
        let (c, s) = self.handshake();
        let cipher = c.ssl().current_cipher().unwrap().standard_name().unwrap();
        assert_eq!(
            cipher,
            s.ssl().current_cipher().unwrap().standard_name().unwrap()
        );
        let mut line = format!(
            "{cipher} ems={:?}/{:?} resumed={}",
            c.ssl().extms_support(),
            s.ssl().extms_support(),
            c.ssl().session_reused()
        );
        if kx != Kx::Rsa {
            let peer = c.ssl().peer_tmp_key().unwrap();
            let kind = match peer.id() {
                openssl::pkey::Id::DH => "DH",
                openssl::pkey::Id::X25519 => "X25519",
                _ => "other",
            };
            line += &format!(" server key: {kind} {} bits", peer.bits());
        }
        if kx == Kx::Dhe {
            let dh = c.ssl().peer_tmp_key().unwrap().dh().unwrap();
            let ours =
                sanstls::internals::crypto::ffdhe::DhGroup::named(NamedGroup::FFDHE2048).unwrap();
            assert_eq!(dh.prime_p().to_vec(), ours.prime(), "not ffdhe2048");
            let x = ffdhe2048_params().generate_key().unwrap();
            line += &format!(
                ", prime = RFC 7919 ffdhe2048, OpenSSL exponent {} bits",
                x.private_key().num_bits()
            );
        }
        line
    }
}

/// Runs the handshake on one side as far as it goes; true when it is done.
fn step(side: &mut SslStream<Pipe>) -> bool {
    match side.do_handshake() {
        Ok(()) => true,
        Err(e) if e.code() == ErrorCode::WANT_READ => false,
        Err(e) => panic!("OpenSSL handshake failed: {e}"),
    }
}

fn move_bytes(from: &mut SslStream<Pipe>, to: &mut SslStream<Pipe>) {
    let out = std::mem::take(&mut from.get_mut().output);
    to.get_mut().input.extend_from_slice(&out);
    from.get_mut().output = out;
    from.get_mut().output.clear();
}

// ---------- the rsa crate's raw operation ----------

/// The `rsa` crate's RSADP (what sanstls's `decrypt_pre_master` runs on),
/// with and without the crate's blinding, for the cost of the blinding.
pub struct RawRsa {
    key: rsa::PrivateKey,
    c: rsa::BoxedUint,
}

impl RawRsa {
    pub fn new(ciphertext: &[u8]) -> RawRsa {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let key = rsa::PrivateKey::from_pkcs8_pem(RSA_KEY_PEM).unwrap();
        let precision = key.n().as_ref().bits_precision();
        let c = rsa::BoxedUint::from_be_slice(ciphertext, precision).unwrap();
        RawRsa { key, c }
    }

    pub fn decrypt(&self, blinded: bool) -> rsa::BoxedUint {
        let mut rng = RingRng(ring::rand::SystemRandom::new());
        let rng = blinded.then_some(&mut rng);
        rsa::hazmat::rsa_decrypt_and_check(&self.key, rng, &self.c).unwrap()
    }
}

/// ring's system random source as the `rsa` crate takes it.
pub struct RingRng(pub ring::rand::SystemRandom);

impl rand_core::TryRng for RingRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        ring::rand::SecureRandom::fill(&self.0, dst).expect("system random source");
        Ok(())
    }
}

impl rand_core::TryCryptoRng for RingRng {}
