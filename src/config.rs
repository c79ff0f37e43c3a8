//! `ClientConfig` and `ServerConfig`: what a connection may negotiate, how it
//! authenticates, and where its randomness and time come from.
//!
//! Both start from secure defaults (ECDHE + AEAD suites only, extended master
//! secret required, secure renegotiation indication required by the client,
//! strict certificate verification); anything weaker is a field whose name
//! says so.
//! A config is shared between connections through an `Arc`.

use alloc::string::String;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};

use crate::codec::enums::{CipherSuite, ClientCertificateType, NamedGroup, SignatureScheme};
pub use crate::crypto::kx::SUPPORTED_GROUPS;
pub use crate::crypto::sign::{SigningKey, DEFAULT_SIGNATURE_SCHEMES};
use crate::error::Error;
use crate::keylog::KeyLog;
#[cfg(feature = "std")]
use crate::resumption::store::{ClientSessionCache, ServerSessionCache};
use crate::resumption::store::{ClientSessionStore, ServerSessionStore};
use crate::resumption::ticketer::TicketProducer;
#[cfg(feature = "std")]
use crate::resumption::ticketer::Ticketer;
use crate::resumption::DEFAULT_SESSION_LIFETIME;
use crate::suites::{KeyExchangeKind, SupportedSuite, ALL_SUITES};
use crate::verify::{ClientCertVerifier, ServerCertVerifier};
#[cfg(feature = "std")]
use crate::verify::{RootCertStore, WebPkiServerVerifier};

/// How many sessions the default in-memory caches hold.
pub const DEFAULT_SESSION_CACHE_SIZE: usize = 256;

/// Where protocol randomness comes from: the hello randoms, session IDs and
/// the seed of CBC IVs.
///
/// Injected so that tests and fuzzers can make every connection
/// reproducible, and so that a program without an operating system (the
/// `std` feature off) can supply its own generator. Key material is made by
/// the cryptography crates: ephemeral keys and signatures inside ring, whose
/// random trait is sealed, and the legacy RSA pre-master secrets and DHE
/// exponents from ring's `SystemRandom`; all of them draw from `getrandom`.
pub trait RandomSource: core::fmt::Debug + Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;
}

#[cfg(feature = "fast-random")]
pub use crate::thread_random::{ThreadRandom, RESEED_AFTER_BYTES};

/// The operating system's CSPRNG through ring (feature `std`).
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct SystemRandom(ring::rand::SystemRandom);

#[cfg(feature = "std")]
impl Default for SystemRandom {
    fn default() -> Self {
        SystemRandom(ring::rand::SystemRandom::new())
    }
}

#[cfg(feature = "std")]
impl RandomSource for SystemRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        ring::rand::SecureRandom::fill(&self.0, dest)
            .map_err(|_| Error::Internal("random source failed"))
    }
}

/// Where the current time comes from, for certificate validity (and session
/// lifetimes). The core never reads a clock itself.
pub trait TimeSource: core::fmt::Debug + Send + Sync {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The system clock (feature `std`).
#[cfg(feature = "std")]
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[cfg(feature = "std")]
impl TimeSource for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}

/// A fixed point in time, for tests and for callers that keep their own clock.
#[derive(Debug, Clone, Copy)]
pub struct FixedTime(pub UnixTime);

impl TimeSource for FixedTime {
    fn now(&self) -> UnixTime {
        self.0
    }
}

/// A certificate chain and the key for its first certificate.
#[derive(Debug)]
pub struct CertifiedKey {
    /// End-entity certificate first, then intermediates (RFC 5246 §7.4.2).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key of `chain[0]`.
    pub key: SigningKey,
}

impl CertifiedKey {
    /// Pairs a chain with its key: the chain must not be empty, and the key
    /// must be the one its first certificate certifies (else `Config`:
    /// the mistake shows here, not as a signature every peer refuses).
    /// Building the struct from its fields checks nothing.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<Self, Error> {
        if chain.is_empty() {
            return Err(Error::config("certificate chain is empty"));
        }
        let key = SigningKey::from_der(key)?;
        check_key_matches(&chain[0], &key)?;
        Ok(CertifiedKey { chain, key })
    }

    /// Reads the chain (every `CERTIFICATE` block, end entity first) and
    /// its private key (PKCS#8, SEC1 or PKCS#1, in the clear) from PEM
    /// files, then checks them as [`new`](Self::new) does. The errors name
    /// the file: [`ConfigError::File`](crate::ConfigError::File) when it
    /// cannot be read, [`ConfigError::Pem`](crate::ConfigError::Pem) when
    /// it holds nothing of the kind, and
    /// [`ConfigError::EncryptedKey`](crate::ConfigError::EncryptedKey).
    /// Feature `std`.
    #[cfg(feature = "std")]
    pub fn from_pem_files(
        chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<Self, Error> {
        let certs = crate::pem_files::read_certificates(chain.as_ref())?;
        let key = crate::pem_files::read_private_key(key.as_ref())?;
        Self::new(certs, &key)
    }
}

/// Refuses a key that is not the one its certificate certifies, as rustls
/// does, so the mistake shows when the configuration is built and not as a
/// signature the peer refuses. The certificate's SubjectPublicKeyInfo
/// (rustls-webpki parses it) ends with its subjectPublicKey BIT STRING,
/// whose content is the public key in the form
/// [`SigningKey::public_key`] gives.
fn check_key_matches(end_entity: &CertificateDer<'_>, key: &SigningKey) -> Result<(), Error> {
    let cert = webpki::EndEntityCert::try_from(end_entity)
        .map_err(|e| Error::InvalidCertificate(crate::verify::map_webpki_error(e)))?;
    if cert
        .subject_public_key_info()
        .as_ref()
        .ends_with(key.public_key())
    {
        Ok(())
    } else {
        Err(Error::config(
            "the private key does not match the certificate (its public key is another)",
        ))
    }
}

/// What the server knows of a ClientHello when it picks a certificate.
#[derive(Debug)]
pub struct ClientHelloInfo<'a> {
    /// The host name from server_name (RFC 6066 §3), if any.
    pub server_name: Option<&'a str>,
    /// The client's signature_algorithms.
    pub signature_schemes: &'a [SignatureScheme],
    /// The client's cipher suites.
    pub cipher_suites: &'a [CipherSuite],
}

/// Chooses the server's certificate for a ClientHello, e.g. by SNI name.
pub trait ResolvesServerCert: core::fmt::Debug + Send + Sync {
    /// The certificate to present, or `None` to fail the handshake
    /// (handshake_failure).
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// Always the same certificate.
#[derive(Debug)]
pub struct SingleCert(pub Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCert {
    fn resolve(&self, _: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// A certificate per DNS name (exact, case-insensitive), with an optional
/// default for clients that send no or an unknown name.
#[derive(Debug, Default)]
pub struct CertsByName {
    by_name: Vec<(String, Arc<CertifiedKey>)>,
    default: Option<Arc<CertifiedKey>>,
}

impl CertsByName {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `key` to clients asking for `name`.
    pub fn add(&mut self, name: &str, key: Arc<CertifiedKey>) {
        self.by_name.push((name.to_ascii_lowercase(), key));
    }

    /// Serves `key` when no name matches.
    pub fn set_default(&mut self, key: Arc<CertifiedKey>) {
        self.default = Some(key);
    }
}

impl ResolvesServerCert for CertsByName {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        hello
            .server_name
            .and_then(|n| {
                self.by_name
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(n))
                    .map(|(_, k)| k.clone())
            })
            .or_else(|| self.default.clone())
    }
}

/// What the server asked for in its CertificateRequest (RFC 5246 §7.4.4).
#[derive(Debug)]
pub struct CertificateRequestInfo<'a> {
    /// Certificate types the server accepts.
    pub certificate_types: &'a [ClientCertificateType],
    /// Signature schemes the server accepts for CertificateVerify.
    pub signature_schemes: &'a [SignatureScheme],
    /// DER distinguished names of CAs the server trusts (may be empty).
    pub authorities: &'a [Vec<u8>],
}

/// Chooses the client's certificate when the server asks for one.
pub trait ResolvesClientCert: core::fmt::Debug + Send + Sync {
    /// The certificate to send, or `None` to send an empty Certificate.
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// Always offers the same certificate, when its key can sign one of the
/// schemes the server accepts.
#[derive(Debug)]
pub struct SingleClientCert(pub Arc<CertifiedKey>);

impl ResolvesClientCert for SingleClientCert {
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        self.0
            .key
            .choose_scheme(request.signature_schemes)
            .map(|_| self.0.clone())
    }
}

/// Whether and how the server authenticates clients (RFC 5246 §7.4.4).
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No CertificateRequest is sent.
    #[default]
    None,
    /// A certificate is requested; a client may send none (an empty
    /// Certificate), but one it sends must verify.
    Optional(Arc<dyn ClientCertVerifier>),
    /// A verified client certificate is required.
    Required(Arc<dyn ClientCertVerifier>),
}

/// How a client connects.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Suites offered, in preference order (default: every suite of
    /// [`crate::suites::ALL_SUITES`], ECDHE with AEAD, in that order).
    pub suites: Vec<&'static SupportedSuite>,
    /// ECDHE groups offered in supported_groups, in preference order
    /// (default [`SUPPORTED_GROUPS`]: X25519, P-256, P-384).
    pub groups: Vec<NamedGroup>,
    /// Signature schemes offered in signature_algorithms (default
    /// [`DEFAULT_SIGNATURE_SCHEMES`]).
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols offered (RFC 7301); empty, the default, means the
    /// extension is not sent.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Verifies the server's certificate chain (default, from
    /// [`ClientConfig::new`]: rustls-webpki over the roots given, keeping
    /// the chains it accepted in a cache of the default bounds; see
    /// [`WebPkiServerVerifier`] for that cache and how to turn it off).
    /// Shared by the connections of this configuration and its clones, and
    /// so is its cache.
    pub verifier: Arc<dyn ServerCertVerifier>,
    /// Send server_name for DNS names (never for IP addresses, RFC 6066 §3;
    /// default true).
    pub enable_sni: bool,
    /// Refuse servers that do not negotiate the extended master secret
    /// (RFC 7627; default true). Turning this off lets the handshake be vulnerable to the
    /// triple-handshake attack; only for legacy peers.
    pub require_extended_master_secret: bool,
    /// Refuse servers that do not send renegotiation_info (RFC 5746 §3.4).
    /// On by default: a client cannot know whether the server would accept
    /// a renegotiation spliced in by an attacker (RFC 5746 §1).
    pub require_secure_renegotiation: bool,
    /// Renegotiate (RFC 5746) when the server sends HelloRequest, and let
    /// [`crate::Connection::renegotiate`] start one (default false: a
    /// HelloRequest gets a `no_renegotiation` warning). Only ever with a
    /// server that signalled RFC 5746 and agreed to the extended master
    /// secret in the first handshake; every later handshake must keep both,
    /// present the same server certificate, and not weaken the suite.
    pub allow_renegotiation: bool,
    /// Accept a different server certificate in a renegotiation (default
    /// false). **Risks the triple-handshake attack**: with it, a server
    /// that holds a session with us can hand the connection to another
    /// identity mid-stream, and data sent before and after the change are
    /// then attributed to different servers. Only for deployments that
    /// rotate a server's certificate under a live connection and check
    /// [`crate::Negotiated::peer_certificates`] after every
    /// [`crate::Event::RenegotiationComplete`].
    pub dangerous_renegotiation_identity_change: bool,
    /// Emit [`crate::Event::Trace`] for every handshake message (default
    /// false).
    pub trace: bool,
    /// Protocol randomness (default [`SystemRandom`], the operating
    /// system's, through ring).
    pub random: Arc<dyn RandomSource>,
    /// Time for certificate validity and session lifetimes (default
    /// [`SystemClock`]).
    pub time: Arc<dyn TimeSource>,
    /// Chooses a client certificate when the server requests one; `None`,
    /// the default, answers every request with an empty Certificate.
    pub client_cert_resolver: Option<Arc<dyn ResolvesClientCert>>,
    /// Sessions kept for resumption, by server name; `None` disables
    /// resumption (default: a [`ClientSessionCache`] of
    /// [`DEFAULT_SESSION_CACHE_SIZE`] sessions).
    pub session_store: Option<Arc<dyn ClientSessionStore>>,
    /// Ask for and use session tickets (RFC 5077; default true).
    pub enable_tickets: bool,
    /// Receives NSS key log lines (debugging only; default `None`).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Let [`crate::Connection::dangerous_extract_secrets`] hand this
    /// connection's traffic keys out, for kernel TLS or another record
    /// layer (default false: it refuses with [`Error::Config`]). Keys that
    /// leave are out of this library's care: whoever holds them reads and
    /// forges every later record, and a record layer that numbers its
    /// records wrongly reuses nonces. Off unless asked for, so that only
    /// the owner of the configuration, not any code that comes to hold a
    /// connection, can take its keys. Nothing is kept for it meanwhile:
    /// the keys are derived again from the master secret the connection
    /// holds anyway (for the exporter and renegotiation).
    pub enable_secret_extraction: bool,
    /// Offer the `TLS_RSA_*` suites of [`crate::suites::LEGACY_SUITES`] that
    /// are in [`suites`](Self::suites) (feature `legacy`; default false).
    /// **No forward secrecy**: anyone who later obtains the server's private
    /// key can decrypt every recorded session. Only for servers that offer
    /// nothing else.
    #[cfg(feature = "legacy")]
    pub allow_rsa_key_transport: bool,
    /// Offer the `TLS_DHE_*` suites of [`crate::suites::LEGACY_SUITES`] that
    /// are in [`suites`](Self::suites), and the RFC 7919 groups for them
    /// (feature `legacy`; default false). Forward secret, but slower than
    /// ECDHE and, with groups other than RFC 7919's, open to weak
    /// parameters (see [`allow_custom_dhe_groups`](Self::allow_custom_dhe_groups)).
    #[cfg(feature = "legacy")]
    pub allow_ffdhe: bool,
    /// Accept DHE parameters from the server that are not a well-known
    /// group (default false). Well known, and always accepted: the RFC 7919
    /// groups, and the RFC 3526 MODP groups of the same sizes, which OpenSSL
    /// servers send by default. Of any other prime we cannot check that it
    /// is safe, or even prime: only its size
    /// ([`min_dhe_bits`](Self::min_dhe_bits)) and that the generator is not
    /// degenerate. For old servers configured with their own `-dhparam`.
    #[cfg(feature = "legacy")]
    pub allow_custom_dhe_groups: bool,
    /// The smallest DHE prime accepted, in bits (default 2048).
    #[cfg(feature = "legacy")]
    pub min_dhe_bits: usize,
    /// The smallest RSA key a server may receive our pre-master secret under
    /// with RSA key transport, in bits (default 2048).
    #[cfg(feature = "legacy")]
    pub min_rsa_key_bits: usize,
    /// Offer the CBC suites of [`crate::suites::CBC_SUITES`] that are in
    /// [`suites`](Self::suites) (feature `legacy`; default false). CBC
    /// records are MAC-then-encrypt unless the server agrees to RFC 7366
    /// encrypt-then-MAC: the design behind padding-oracle attacks (POODLE,
    /// Lucky Thirteen). Ours checks padding and MAC in constant time, but
    /// AEAD suites are safer by construction. Only for servers that offer
    /// nothing else.
    #[cfg(feature = "legacy")]
    pub allow_cbc: bool,
    /// Offer encrypt-then-MAC (RFC 7366) with CBC suites (default true).
    /// Turning it off leaves MAC-then-encrypt; it exists for testing
    /// against peers and for showing the classic record format.
    #[cfg(feature = "legacy")]
    pub encrypt_then_mac: bool,
}

impl ClientConfig {
    /// Secure defaults, verifying servers against `roots` with rustls-webpki
    /// and a cache of verified chains (feature `std`: the system's random
    /// source and clock). Without the cache:
    /// `ClientConfig::with_verifier(Arc::new(WebPkiServerVerifier::with_chain_cache(Arc::new(roots), None)))`.
    #[cfg(feature = "std")]
    pub fn new(roots: RootCertStore) -> Self {
        Self::with_verifier(Arc::new(WebPkiServerVerifier::new(Arc::new(roots))))
    }

    /// Secure defaults with a custom verifier (feature `std`: the system's
    /// random source and clock).
    #[cfg(feature = "std")]
    pub fn with_verifier(verifier: Arc<dyn ServerCertVerifier>) -> Self {
        Self::with_sources(
            verifier,
            Arc::new(SystemRandom::default()),
            Arc::new(SystemClock),
        )
    }

    /// Secure defaults with the caller's verifier, random source and clock:
    /// the constructor that needs no operating system (without the `std`
    /// feature, the only one). Verify against roots with
    /// `Arc::new(WebPkiServerVerifier::new(Arc::new(roots)))`. Without
    /// `std` there is no default session cache (`session_store` is `None`,
    /// so sessions are not resumed unless the caller supplies a store).
    pub fn with_sources(
        verifier: Arc<dyn ServerCertVerifier>,
        random: Arc<dyn RandomSource>,
        time: Arc<dyn TimeSource>,
    ) -> Self {
        ClientConfig {
            suites: ALL_SUITES.iter().collect(),
            groups: SUPPORTED_GROUPS.to_vec(),
            signature_schemes: DEFAULT_SIGNATURE_SCHEMES.to_vec(),
            alpn_protocols: Vec::new(),
            verifier,
            enable_sni: true,
            require_extended_master_secret: true,
            require_secure_renegotiation: true,
            allow_renegotiation: false,
            dangerous_renegotiation_identity_change: false,
            trace: false,
            random,
            time,
            client_cert_resolver: None,
            #[cfg(feature = "std")]
            session_store: Some(Arc::new(ClientSessionCache::new(
                DEFAULT_SESSION_CACHE_SIZE,
            ))),
            #[cfg(not(feature = "std"))]
            session_store: None,
            enable_tickets: true,
            key_log: None,
            enable_secret_extraction: false,
            #[cfg(feature = "legacy")]
            allow_rsa_key_transport: false,
            #[cfg(feature = "legacy")]
            allow_ffdhe: false,
            #[cfg(feature = "legacy")]
            allow_custom_dhe_groups: false,
            #[cfg(feature = "legacy")]
            min_dhe_bits: 2048,
            #[cfg(feature = "legacy")]
            min_rsa_key_bits: 2048,
            #[cfg(feature = "legacy")]
            allow_cbc: false,
            #[cfg(feature = "legacy")]
            encrypt_then_mac: true,
        }
    }

    /// Keeps only the named suites (IANA names), in the given order. A
    /// legacy suite needs its `allow_*` field set first.
    pub fn set_suites_by_name<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), Error> {
        let suites = suites_by_name(names)?;
        for s in &suites {
            self.check_suite(s)?;
        }
        self.suites = suites;
        Ok(())
    }

    /// Whether this configuration may negotiate `suite`: every ECDHE AEAD suite,
    /// and a legacy one only when its `allow_*` field is set (`Config`
    /// naming the field otherwise).
    pub(crate) fn check_suite(&self, suite: &SupportedSuite) -> Result<(), Error> {
        #[cfg(feature = "legacy")]
        return check_kx(suite.kx, self.allow_rsa_key_transport, self.allow_ffdhe)
            .and(check_protection(suite, self.allow_cbc));
        #[cfg(not(feature = "legacy"))]
        return check_kx(suite.kx, false, false).and(check_protection(suite, false));
    }

    /// Presents `chain` with `key` when a server asks for a client certificate.
    pub fn set_client_cert(
        &mut self,
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<(), Error> {
        let ck = CertifiedKey::new(chain, key)?;
        self.client_cert_resolver = Some(Arc::new(SingleClientCert(Arc::new(ck))));
        Ok(())
    }

    /// Like [`set_client_cert`](Self::set_client_cert), from PEM files (see
    /// [`CertifiedKey::from_pem_files`] for what the errors name).
    /// Feature `std`.
    #[cfg(feature = "std")]
    pub fn set_client_cert_from_pem_files(
        &mut self,
        chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<(), Error> {
        let ck = CertifiedKey::from_pem_files(chain, key)?;
        self.client_cert_resolver = Some(Arc::new(SingleClientCert(Arc::new(ck))));
        Ok(())
    }
}

/// How a server accepts connections.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Suites accepted, in the server's preference order (default: every
    /// suite of [`crate::suites::ALL_SUITES`], in that order).
    pub suites: Vec<&'static SupportedSuite>,
    /// ECDHE groups accepted, in preference order (default
    /// [`SUPPORTED_GROUPS`]).
    pub groups: Vec<NamedGroup>,
    /// Signature schemes the server may use (default
    /// [`DEFAULT_SIGNATURE_SCHEMES`]).
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols, in the server's preference order; empty, the
    /// default, ignores ALPN.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Chooses the certificate for each ClientHello (default, from
    /// [`ServerConfig::new`]: the one chain given, [`SingleCert`]).
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Pick the suite by the client's order instead of ours (default
    /// false).
    pub honor_client_order: bool,
    /// Refuse clients that do not offer the extended master secret (RFC
    /// 7627; default true).
    pub require_extended_master_secret: bool,
    /// Refuse clients that send neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor
    /// renegotiation_info (RFC 5746 §3.6). Off by default: the indication
    /// protects a renegotiation, and a connection with a client that did not
    /// signal never renegotiates, whatever
    /// [`allow_renegotiation`](Self::allow_renegotiation) says (a ClientHello
    /// after the handshake is refused with no_renegotiation), so refusing
    /// such a client protects nothing and only locks out old clients. A client that signals still gets its empty renegotiation_info
    /// answer, and a non-empty one on an initial handshake is still fatal.
    pub require_secure_renegotiation: bool,
    /// Let [`crate::Connection::renegotiate`] (and
    /// [`renegotiate_with_client_auth`](crate::Connection::renegotiate_with_client_auth))
    /// send HelloRequest and run a new handshake (default false). Only with
    /// a client that signalled RFC 5746 and agreed to the extended master
    /// secret; see [`ClientConfig::allow_renegotiation`] for what every
    /// later handshake must keep.
    pub allow_renegotiation: bool,
    /// Accept a renegotiation the client starts on its own (a ClientHello
    /// after the handshake; default false: a `no_renegotiation` warning).
    /// Independent of [`allow_renegotiation`](Self::allow_renegotiation):
    /// a server that asks for client certificates by renegotiation (the
    /// Apache pattern) need not let clients make it run handshakes at will.
    pub accept_client_renegotiation: bool,
    /// Emit [`crate::Event::Trace`] for every handshake message (default
    /// false).
    pub trace: bool,
    /// Protocol randomness (default [`SystemRandom`]).
    pub random: Arc<dyn RandomSource>,
    /// Time for certificate validity and session lifetimes (default
    /// [`SystemClock`]).
    pub time: Arc<dyn TimeSource>,
    /// Client authentication policy (default [`ClientAuth::None`]).
    pub client_auth: ClientAuth,
    /// The session-ID cache; `None` disables resumption by session ID
    /// (default: a [`ServerSessionCache`] of [`DEFAULT_SESSION_CACHE_SIZE`]
    /// sessions).
    pub session_store: Option<Arc<dyn ServerSessionStore>>,
    /// Seals session tickets; `None` disables tickets (default: a
    /// [`Ticketer`] with a key of its own, rotated by its lifetime).
    pub ticketer: Option<Arc<dyn TicketProducer>>,
    /// How long, in seconds, a cached session may be resumed (default
    /// [`DEFAULT_SESSION_LIFETIME`]).
    pub session_lifetime: u32,
    /// Receives NSS key log lines (debugging only; default `None`).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Let [`crate::Connection::dangerous_extract_secrets`] hand this
    /// connection's traffic keys out (default false); see
    /// [`ClientConfig::enable_secret_extraction`].
    pub enable_secret_extraction: bool,
    /// Accept the `TLS_RSA_*` suites of [`crate::suites::LEGACY_SUITES`]
    /// that are in [`suites`](Self::suites) (feature `legacy`; default
    /// false). **No forward secrecy**: anyone who later obtains this
    /// server's private key can decrypt every recorded session. Needs an
    /// RSA certificate.
    #[cfg(feature = "legacy")]
    pub allow_rsa_key_transport: bool,
    /// Accept the `TLS_DHE_*` suites of [`crate::suites::LEGACY_SUITES`]
    /// that are in [`suites`](Self::suites) (feature `legacy`; default
    /// false), over the groups in [`dhe_groups`](Self::dhe_groups).
    #[cfg(feature = "legacy")]
    pub allow_ffdhe: bool,
    /// The RFC 7919 groups the server may use for DHE, in preference order
    /// (default: ffdhe2048, ffdhe3072, ffdhe4096). A client that names none
    /// of them in supported_groups gets the first (RFC 7919 §4).
    #[cfg(feature = "legacy")]
    pub dhe_groups: Vec<NamedGroup>,
    /// Accept the CBC suites of [`crate::suites::CBC_SUITES`] that are in
    /// [`suites`](Self::suites) (feature `legacy`; default false); see
    /// [`ClientConfig::allow_cbc`] for what they cost.
    #[cfg(feature = "legacy")]
    pub allow_cbc: bool,
    /// Agree to encrypt-then-MAC (RFC 7366) when a client offers it with a
    /// CBC suite (default true). Turning it off leaves MAC-then-encrypt;
    /// it exists for testing against peers.
    #[cfg(feature = "legacy")]
    pub encrypt_then_mac: bool,
}

impl ServerConfig {
    /// Secure defaults, presenting `chain` with `key` to every client
    /// (feature `std`: the system's random source and clock).
    #[cfg(feature = "std")]
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<Self, Error> {
        let ck = CertifiedKey::new(chain, key)?;
        Ok(Self::with_resolver(Arc::new(SingleCert(Arc::new(ck)))))
    }

    /// Secure defaults serving `key` from the caller's random source and
    /// clock: the constructor that needs no operating system (see
    /// [`with_sources`](Self::with_sources)).
    pub fn with_key_and_sources(
        key: CertifiedKey,
        random: Arc<dyn RandomSource>,
        time: Arc<dyn TimeSource>,
    ) -> Self {
        Self::with_sources(Arc::new(SingleCert(Arc::new(key))), random, time)
    }

    /// Secure defaults, presenting the chain and key of two PEM files (see
    /// [`CertifiedKey::from_pem_files`] for what the errors name).
    /// Feature `std`.
    #[cfg(feature = "std")]
    pub fn from_pem_files(
        chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<Self, Error> {
        let ck = CertifiedKey::from_pem_files(chain, key)?;
        Ok(Self::with_resolver(Arc::new(SingleCert(Arc::new(ck)))))
    }

    /// Secure defaults with a certificate resolver (e.g. [`CertsByName`]).
    #[cfg(feature = "std")]
    pub fn with_resolver(cert_resolver: Arc<dyn ResolvesServerCert>) -> Self {
        Self::with_sources(
            cert_resolver,
            Arc::new(SystemRandom::default()),
            Arc::new(SystemClock),
        )
    }

    /// Secure defaults with the caller's certificate resolver, random source
    /// and clock: the constructor that needs no operating system (without
    /// the `std` feature, with [`with_key_and_sources`](Self::with_key_and_sources),
    /// the only ones). Without `std` there is no default session cache or
    /// ticketer (`session_store` and `ticketer` are `None`: every handshake
    /// is a full one unless the caller supplies a store or a
    /// [`TicketProducer`]).
    pub fn with_sources(
        cert_resolver: Arc<dyn ResolvesServerCert>,
        random: Arc<dyn RandomSource>,
        time: Arc<dyn TimeSource>,
    ) -> Self {
        ServerConfig {
            suites: ALL_SUITES.iter().collect(),
            groups: SUPPORTED_GROUPS.to_vec(),
            signature_schemes: DEFAULT_SIGNATURE_SCHEMES.to_vec(),
            alpn_protocols: Vec::new(),
            cert_resolver,
            honor_client_order: false,
            require_extended_master_secret: true,
            require_secure_renegotiation: false,
            allow_renegotiation: false,
            accept_client_renegotiation: false,
            trace: false,
            random,
            time,
            client_auth: ClientAuth::None,
            #[cfg(feature = "std")]
            session_store: Some(Arc::new(ServerSessionCache::new(
                DEFAULT_SESSION_CACHE_SIZE,
            ))),
            #[cfg(not(feature = "std"))]
            session_store: None,
            #[cfg(feature = "std")]
            ticketer: Some(Arc::new(Ticketer::new(DEFAULT_SESSION_LIFETIME))),
            #[cfg(not(feature = "std"))]
            ticketer: None,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            key_log: None,
            enable_secret_extraction: false,
            #[cfg(feature = "legacy")]
            allow_rsa_key_transport: false,
            #[cfg(feature = "legacy")]
            allow_ffdhe: false,
            #[cfg(feature = "legacy")]
            dhe_groups: alloc::vec![
                NamedGroup::FFDHE2048,
                NamedGroup::FFDHE3072,
                NamedGroup::FFDHE4096,
            ],
            #[cfg(feature = "legacy")]
            allow_cbc: false,
            #[cfg(feature = "legacy")]
            encrypt_then_mac: true,
        }
    }

    /// Keeps only the named suites (IANA names), in the given order. A
    /// legacy suite needs its `allow_*` field set first.
    pub fn set_suites_by_name<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), Error> {
        let suites = suites_by_name(names)?;
        for s in &suites {
            self.check_suite(s)?;
        }
        self.suites = suites;
        Ok(())
    }

    /// Whether this configuration may negotiate `suite`: every ECDHE AEAD suite,
    /// and a legacy one only when its `allow_*` field is set (`Config`
    /// naming the field otherwise).
    pub(crate) fn check_suite(&self, suite: &SupportedSuite) -> Result<(), Error> {
        #[cfg(feature = "legacy")]
        return check_kx(suite.kx, self.allow_rsa_key_transport, self.allow_ffdhe)
            .and(check_protection(suite, self.allow_cbc));
        #[cfg(not(feature = "legacy"))]
        return check_kx(suite.kx, false, false).and(check_protection(suite, false));
    }
}

/// `Config` errors naming the field that allows a legacy key exchange.
fn check_kx(kx: KeyExchangeKind, rsa: bool, ffdhe: bool) -> Result<(), Error> {
    match kx {
        KeyExchangeKind::Ecdhe => Ok(()),
        KeyExchangeKind::Rsa if rsa => Ok(()),
        KeyExchangeKind::Dhe if ffdhe => Ok(()),
        KeyExchangeKind::Rsa => Err(Error::config(
            "a TLS_RSA_* suite needs allow_rsa_key_transport (no forward secrecy)",
        )),
        KeyExchangeKind::Dhe => Err(Error::config("a TLS_DHE_* suite needs allow_ffdhe")),
    }
}

/// `Config` error naming the field that allows CBC record protection.
fn check_protection(suite: &SupportedSuite, cbc: bool) -> Result<(), Error> {
    if suite.protection.is_cbc() && !cbc {
        return Err(Error::config(
            "a CBC suite needs allow_cbc (MAC-then-encrypt padding oracles)",
        ));
    }
    Ok(())
}

fn suites_by_name<S: AsRef<str>>(names: &[S]) -> Result<Vec<&'static SupportedSuite>, Error> {
    let mut out = Vec::new();
    for n in names {
        let name = n.as_ref();
        out.push(crate::suites::by_name(name).ok_or_else(|| {
            Error::Config(crate::error::ConfigError::UnknownSuite {
                name: name.to_string(),
                known: crate::suites::every_suite().map(|s| s.name()).collect(),
            })
        })?);
    }
    if out.is_empty() {
        return Err(Error::config("no cipher suites"));
    }
    Ok(out)
}

/// A fresh self-signed ECDSA P-256 certificate for "localhost" and its key,
/// for the crate's own unit tests (integration tests have `tests/common`).
#[cfg(test)]
pub(crate) fn test_certificate() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = rcgen::KeyPair::generate().expect("key generation");
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .expect("certificate parameters")
        .self_signed(&key)
        .expect("self-signed certificate");
    let key = PrivateKeyDer::Pkcs8(rustls_pki_types::PrivatePkcs8KeyDer::from(
        key.serialize_der(),
    ));
    (cert.der().clone(), key)
}

#[cfg(test)]
mod doc_tests {
    /// Every field of both configurations says its default in its doc
    /// comment, so that nobody has to read `new` to find it.
    #[test]
    fn every_field_states_its_default() {
        let source = include_str!("config.rs");
        for name in ["ClientConfig", "ServerConfig"] {
            let start = source
                .find(&format!("pub struct {name} {{"))
                .expect("struct");
            let body = &source[start..];
            let body = &body[..body.find("\n}\n").expect("end of struct")];
            let mut doc = String::new();
            let mut fields = 0;
            for line in body.lines().skip(1) {
                let line = line.trim();
                if let Some(text) = line.strip_prefix("///") {
                    doc.push_str(text);
                    doc.push(' ');
                } else if line.starts_with("#[") {
                    continue;
                } else if let Some(field) = line.strip_prefix("pub ") {
                    let field = field.split(':').next().unwrap_or(field);
                    assert!(
                        doc.to_lowercase().contains("default"),
                        "{name}::{field} does not state its default: {doc}"
                    );
                    fields += 1;
                    doc.clear();
                } else {
                    doc.clear();
                }
            }
            assert!(fields > 10, "{name}: only {fields} fields read");
        }
    }
}
