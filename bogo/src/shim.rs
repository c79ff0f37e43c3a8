//! One test: the configurations the options describe, and each connection
//! of the test driven over TCP to the runner.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use sanstls::config::{
    CertifiedKey, ClientAuth, ClientConfig, ServerConfig, DEFAULT_SIGNATURE_SCHEMES,
};
use sanstls::enums::{NamedGroup, ProtocolVersion, SignatureScheme};
use sanstls::event::Event;
use sanstls::io::Stream;
use sanstls::pki_types::pem::PemObject;
use sanstls::pki_types::{CertificateDer, ServerName, UnixTime};
use sanstls::resumption::store::{ClientSessionStore, ServerSessionStore};
use sanstls::resumption::ticketer::TicketProducer;
use sanstls::suites::{KeyExchangeKind, ALL_SUITES, CBC_SUITES, LEGACY_SUITES};
use sanstls::verify::{ClientCertVerifier, ServerCertVerifier};
use sanstls::{CertificateError, Connection, Error, Negotiated};

use crate::options::{Options, Parsed, Renegotiate};

/// How a test ended badly.
#[derive(Debug)]
pub enum Failure {
    /// The options ask for something we do not implement (exit code 89).
    Unimplemented(String),
    /// The connection failed or an expectation was not met (exit code 1).
    Failed(String),
}

fn failed(why: impl Into<String>) -> Failure {
    Failure::Failed(why.into())
}

fn unimplemented(why: impl Into<String>) -> Failure {
    Failure::Unimplemented(why.into())
}

/// Runs the first connection and then every resumption.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let o = &parsed.initial;
    check_supported(o)?;
    check_supported(&parsed.resume)?;
    let mut shared = Shared::default();
    for n in 0..=o.resume_count {
        let opts = if n == 0 {
            &parsed.initial
        } else {
            &parsed.resume
        };
        connection(opts, n > 0, &mut shared)?;
    }
    Ok(())
}

/// What the connections of one test share: the session stores, so that a
/// later connection can resume an earlier one's session.
#[derive(Default)]
struct Shared {
    client_store: Option<Arc<dyn ClientSessionStore>>,
    server_store: Option<Arc<CountingStore>>,
    ticketer: Option<Arc<dyn TicketProducer>>,
}

/// The server's session-ID cache, counting what it is given: BoringSSL's
/// `-expect-session-id` asks whether the first connection's session was
/// cached by ID.
#[derive(Debug)]
struct CountingStore {
    inner: Arc<dyn ServerSessionStore>,
    puts: AtomicUsize,
}

impl ServerSessionStore for CountingStore {
    fn put(&self, id: &[u8], session: Vec<u8>) {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.inner.put(id, session);
    }

    fn get(&self, id: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        self.inner.get(id)
    }

    fn remove(&self, id: &[u8]) {
        self.inner.remove(id);
    }
}

const TLS12: u16 = 0x0303;

impl Shared {
    /// Sessions the server has cached by ID so far.
    fn stored_sessions(&self) -> usize {
        self.server_store
            .as_ref()
            .map_or(0, |s| s.puts.load(Ordering::Relaxed))
    }
}

/// Refuses, before connecting, the options the library cannot honour.
fn check_supported(o: &Options) -> Result<(), Failure> {
    if o.max_version.is_some_and(|v| v < TLS12) {
        return Err(unimplemented("only TLS 1.2: -max-version below it"));
    }
    if o.min_version.is_some_and(|v| v > TLS12 && v < 0xfe00) {
        return Err(unimplemented("only TLS 1.2: -min-version above it"));
    }
    if o.expect_version.is_some_and(|v| v != TLS12) {
        return Err(unimplemented("only TLS 1.2: -expect-version of another"));
    }
    if o.server && o.expect_peer_signature_algorithm.is_some() {
        // `Negotiated` reports the server's key-exchange signature only.
        return Err(unimplemented(
            "the client's signature scheme is not reported",
        ));
    }
    for c in &o.curves {
        if !sanstls::config::SUPPORTED_GROUPS.contains(&NamedGroup(*c)) {
            return Err(unimplemented(format!("group {c}")));
        }
    }
    if !o.signing_prefs.is_empty() {
        // A client signs CertificateVerify with its key's first scheme
        // that the CertificateRequest lists: no setting narrows that.
        if !o.server {
            return Err(unimplemented("-signing-prefs on a client"));
        }
        // A server's `signature_schemes` is one list for signing and for
        // its CertificateRequest (BoringSSL's verify preferences).
        if o.verify_peer || o.require_any_client_certificate {
            return Err(unimplemented("-signing-prefs with client authentication"));
        }
    }
    if o.server && !o.verify_prefs.is_empty() && !o.signing_prefs.is_empty() {
        // One list for both (see above).
        return Err(unimplemented(
            "-verify-prefs with -signing-prefs on a server",
        ));
    }
    for s in &o.signing_prefs {
        if !DEFAULT_SIGNATURE_SCHEMES.contains(&SignatureScheme(*s)) {
            return Err(unimplemented(format!("signature scheme {s:#06x}")));
        }
    }
    Ok(())
}

/// The suites BoringSSL enables by default that we implement: the ECDHE
/// AEAD suites, RSA key transport, and CBC (no finite-field DHE).
fn default_suites() -> Vec<&'static sanstls::suites::SupportedSuite> {
    ALL_SUITES
        .iter()
        .chain(LEGACY_SUITES)
        .chain(CBC_SUITES)
        .filter(|s| s.kx != KeyExchangeKind::Dhe)
        .collect()
}

fn connection(o: &Options, resuming: bool, shared: &mut Shared) -> Result<(), Failure> {
    // Set when the verifier refuses a certificate (`-expect-verify-result`).
    let refused = Arc::new(AtomicBool::new(false));
    let conn = if o.server {
        Connection::new_server(Arc::new(server_config(o, shared, &refused)?))
    } else {
        // The library sends only valid DNS names in SNI.
        let name = ServerName::try_from(o.host_name.as_deref().unwrap_or("localhost"))
            .map_err(|e| unimplemented(format!("-host-name: {e}")))?
            .to_owned();
        Connection::new_client(Arc::new(client_config(o, shared, &refused)?), name)
            .map_err(tls_failure)?
    };
    let addr = if o.ipv6 {
        SocketAddr::from((Ipv6Addr::LOCALHOST, o.port))
    } else {
        SocketAddr::from((Ipv4Addr::LOCALHOST, o.port))
    };
    let mut tcp = TcpStream::connect(addr).map_err(|e| failed(format!("connect: {e}")))?;
    tcp.set_nodelay(true).map_err(io_failure)?;
    tcp.write_all(&o.shim_id.to_le_bytes())
        .map_err(io_failure)?;

    let mut tls = Stream::new(conn, tcp);
    let stored_before = shared.stored_sessions();
    // With -implicit-handshake the first read or write drives the
    // handshake, and what it agreed on is checked at the end.
    if !o.implicit_handshake {
        tls.handshake().map_err(io_failure)?;
        check_handshake(o, resuming, &tls, &refused)?;
        if o.extra_handshake {
            let before = tls.conn().negotiated().cloned();
            tls.handshake().map_err(io_failure)?;
            if tls.conn().negotiated() != before.as_ref() || tls.conn().is_handshaking() {
                return Err(failed("a second handshake call was not a no-op"));
            }
        }
    }

    if o.export_keying_material > 0 {
        let mut out = vec![0; o.export_keying_material];
        let context = o.use_export_context.then_some(o.export_context.as_bytes());
        tls.conn()
            .export_keying_material(o.export_label.as_bytes(), context, &mut out)
            .map_err(tls_failure)?;
        tls.write_all(&out).map_err(io_failure)?;
    }
    if o.shim_writes_first {
        tls.write_all(b"hello").map_err(io_failure)?;
    }
    tls.flush().map_err(io_failure)?;

    if o.shim_shuts_down {
        tls.close().map_err(io_failure)?;
        if o.check_close_notify {
            let mut buf = [0; 1];
            match tls.read(&mut buf).map_err(io_failure)? {
                0 => {}
                _ => return Err(failed("data after our close_notify")),
            }
        }
    } else {
        echo(&mut tls)?;
    }
    if o.implicit_handshake {
        check_handshake(o, resuming, &tls, &refused)?;
    }
    if !resuming {
        let cached = shared.stored_sessions() > stored_before;
        if o.expect_session_id && !cached {
            return Err(failed("the session was not cached by ID"));
        }
        if o.expect_no_session_id && cached {
            return Err(failed("the session was cached by ID"));
        }
    }

    let renegotiations = tls
        .take_events()
        .iter()
        .filter(|e| matches!(e, Event::RenegotiationComplete(_)))
        .count();
    if let Some(want) = o.expect_total_renegotiations {
        if renegotiations != want as usize {
            return Err(failed(format!(
                "{renegotiations} renegotiations, expected {want}"
            )));
        }
    }
    Ok(())
}

/// Sends back every byte the runner sends, XORed with 0xff, until its
/// close_notify; then answers with ours.
fn echo(tls: &mut Stream<TcpStream>) -> Result<(), Failure> {
    let mut buf = vec![0; 16384];
    loop {
        let n = tls.read(&mut buf).map_err(io_failure)?;
        if n == 0 {
            break;
        }
        for b in &mut buf[..n] {
            *b ^= 0xff;
        }
        tls.write_all(&buf[..n]).map_err(io_failure)?;
        tls.flush().map_err(io_failure)?;
    }
    tls.close().map_err(io_failure)
}

/// The checks of a completed handshake: its parameters, and the
/// verification result.
fn check_handshake(
    o: &Options,
    resuming: bool,
    tls: &Stream<TcpStream>,
    refused: &AtomicBool,
) -> Result<(), Failure> {
    let negotiated = tls
        .conn()
        .negotiated()
        .ok_or_else(|| failed("no parameters after the handshake"))?;
    check_negotiated(o, resuming, negotiated)?;
    // BoringSSL's result is "OK" when every certificate verified or none
    // came, and "application verification failure" with -verify-fail. A
    // refusal by our verifier is fatal, so a completed handshake had none;
    // the flag is still read rather than assumed.
    if o.expect_verify_result {
        let refused = refused.load(Ordering::Relaxed);
        if refused != o.verify_fail {
            return Err(failed(format!(
                "verification {}, expected {}",
                if refused { "failed" } else { "passed" },
                if o.verify_fail {
                    "a failure"
                } else {
                    "success"
                },
            )));
        }
    }
    Ok(())
}

fn check_negotiated(o: &Options, resuming: bool, n: &Negotiated) -> Result<(), Failure> {
    let expect_resumed = resuming && !o.expect_session_miss;
    if n.resumed != expect_resumed {
        return Err(failed(format!(
            "resumed: {}, expected {expect_resumed}",
            n.resumed
        )));
    }
    if n.version != ProtocolVersion(TLS12) {
        return Err(failed(format!("version {:?}", n.version)));
    }
    if let Some(want) = o.expect_cipher {
        if n.suite.suite.0 != want {
            return Err(failed(format!(
                "suite {}, expected {want:#06x}",
                n.suite_name()
            )));
        }
    }
    // A resumed connection runs no key exchange and makes no signature, and
    // `Negotiated` then reports neither (BoringSSL reports the session's):
    // these two are checked on full handshakes only.
    if let Some(want) = o.expect_curve_id.filter(|_| !n.resumed) {
        if n.group != Some(NamedGroup(want)) {
            return Err(failed(format!("group {:?}, expected {want}", n.group)));
        }
    }
    if let Some(want) = o.expect_peer_signature_algorithm.filter(|_| !n.resumed) {
        if n.signature_scheme != Some(SignatureScheme(want)) {
            return Err(failed(format!(
                "signature scheme {:?}, expected {want:#06x}",
                n.signature_scheme
            )));
        }
    }
    if let Some(want) = &o.expect_alpn {
        if n.alpn_protocol.as_deref() != Some(want.as_bytes()) {
            return Err(failed(format!(
                "ALPN {:?}, expected {want}",
                n.alpn_protocol
            )));
        }
    }
    if let Some(want) = &o.expect_server_name {
        if n.server_name.as_deref() != Some(want.as_str()) {
            return Err(failed(format!(
                "server name {:?}, expected {want}",
                n.server_name
            )));
        }
    }
    if o.expect_extended_master_secret && !n.extended_master_secret {
        return Err(failed("no extended master secret"));
    }
    if let Some(path) = &o.expect_peer_cert_file {
        let want = read_chain(path)?;
        // A resumed session keeps the end entity alone.
        let got = if n.resumed {
            &want[..want.len().min(1)]
        } else {
            &want[..]
        };
        if n.peer_certificates != got {
            return Err(failed(
                "peer certificates differ from -expect-peer-cert-file",
            ));
        }
    }
    Ok(())
}

fn read_chain(path: &str) -> Result<Vec<CertificateDer<'static>>, Failure> {
    CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| failed(format!("{path}: {e}")))
}

/// ALPN protocols from the runner's wire form: each name after its length.
fn alpn_list(wire: &[u8]) -> Result<Vec<Vec<u8>>, Failure> {
    let mut list = Vec::new();
    let mut rest = wire;
    while let Some((&len, tail)) = rest.split_first() {
        let len = len as usize;
        if len == 0 || tail.len() < len {
            return Err(failed("-advertise-alpn: bad list"));
        }
        list.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    Ok(list)
}

fn client_config(
    o: &Options,
    shared: &mut Shared,
    refused: &Arc<AtomicBool>,
) -> Result<ClientConfig, Failure> {
    let verifier = Arc::new(AnyCert {
        fail: o.verify_fail,
        refused: refused.clone(),
    });
    let mut c = ClientConfig::with_verifier(verifier);
    c.suites = default_suites();
    c.allow_rsa_key_transport = true;
    c.allow_cbc = true;
    // BoringSSL negotiates the extended master secret but does not insist.
    c.require_extended_master_secret = false;
    // Nor does it refuse servers without RFC 5746 unless it renegotiates
    // (the library then insists on it whatever this says).
    c.require_secure_renegotiation = false;
    c.enable_sni = o.host_name.is_some();
    c.enable_tickets = !o.no_ticket;
    if let Some(wire) = &o.advertise_alpn {
        c.alpn_protocols = alpn_list(wire)?;
    }
    if !o.curves.is_empty() {
        c.groups = o.curves.iter().map(|&g| NamedGroup(g)).collect();
    }
    if !o.verify_prefs.is_empty() {
        c.signature_schemes = o.verify_prefs.iter().map(|&s| SignatureScheme(s)).collect();
    }
    match o.renegotiate {
        Renegotiate::Never => {}
        Renegotiate::Once | Renegotiate::Freely => c.allow_renegotiation = true,
    }
    if let (Some(cert), Some(key)) = (&o.cert_file, &o.key_file) {
        c.set_client_cert_from_pem_files(cert, key)
            .map_err(tls_failure)?;
    }
    match &shared.client_store {
        Some(store) => c.session_store = Some(store.clone()),
        None => shared.client_store = c.session_store.clone(),
    }
    Ok(c)
}

fn server_config(
    o: &Options,
    shared: &mut Shared,
    refused: &Arc<AtomicBool>,
) -> Result<ServerConfig, Failure> {
    let (Some(cert), Some(key)) = (&o.cert_file, &o.key_file) else {
        return Err(failed("a server needs -cert-file and -key-file"));
    };
    let mut c = ServerConfig::from_pem_files(cert, key).map_err(tls_failure)?;
    c.suites = default_suites();
    c.allow_rsa_key_transport = true;
    c.allow_cbc = true;
    c.require_extended_master_secret = false;
    c.honor_client_order = !o.server_preference;
    if let Some(p) = &o.select_alpn {
        c.alpn_protocols = vec![p.as_bytes().to_vec()];
    }
    if o.decline_alpn {
        c.alpn_protocols.clear();
    }
    if !o.curves.is_empty() {
        c.groups = o.curves.iter().map(|&g| NamedGroup(g)).collect();
    }
    // `signature_schemes` is both what the server signs with and what its
    // CertificateRequest lists and accepts (`check_supported` refused the
    // cases where the two flags would disagree).
    if !o.signing_prefs.is_empty() {
        c.signature_schemes = o
            .signing_prefs
            .iter()
            .map(|&s| SignatureScheme(s))
            .collect();
    }
    if !o.verify_prefs.is_empty() {
        let schemes: Vec<_> = o.verify_prefs.iter().map(|&s| SignatureScheme(s)).collect();
        // Narrowed to these, the server must still be able to sign: else
        // the list would break its own signature, which BoringSSL's does
        // not touch.
        let ours = CertifiedKey::from_pem_files(cert, key).map_err(tls_failure)?;
        if ours.key.choose_scheme(&schemes).is_none() {
            return Err(unimplemented(
                "-verify-prefs on a server whose key signs with none of them",
            ));
        }
        c.signature_schemes = schemes;
    }
    let verifier = Arc::new(AnyCert {
        fail: o.verify_fail,
        refused: refused.clone(),
    });
    if o.require_any_client_certificate {
        c.client_auth = ClientAuth::Required(verifier);
    } else if o.verify_peer {
        c.client_auth = ClientAuth::Optional(verifier);
    }
    let store = match &shared.server_store {
        Some(store) => store.clone(),
        None => {
            let inner = c
                .session_store
                .clone()
                .ok_or_else(|| failed("the server has no session cache"))?;
            let store = Arc::new(CountingStore {
                inner,
                puts: AtomicUsize::new(0),
            });
            shared.server_store = Some(store.clone());
            store
        }
    };
    c.session_store = Some(store);
    if o.no_ticket {
        c.ticketer = None;
    } else {
        match &shared.ticketer {
            Some(t) => c.ticketer = Some(t.clone()),
            None => shared.ticketer = c.ticketer.clone(),
        }
    }
    Ok(c)
}

/// Accepts any certificate, as BoringSSL's shim does (the runner's
/// certificates chain to no root we hold), or refuses every one with
/// `-verify-fail`.
#[derive(Debug)]
struct AnyCert {
    fail: bool,
    /// Set when a certificate was refused.
    refused: Arc<AtomicBool>,
}

impl AnyCert {
    fn verdict(&self) -> Result<(), CertificateError> {
        if self.fail {
            self.refused.store(true, Ordering::Relaxed);
            Err(CertificateError::UnknownIssuer)
        } else {
            Ok(())
        }
    }
}

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: UnixTime,
    ) -> Result<(), CertificateError> {
        self.verdict()
    }
}

impl ClientCertVerifier for AnyCert {
    fn verify_client_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: UnixTime,
    ) -> Result<(), CertificateError> {
        self.verdict()
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

fn tls_failure(e: Error) -> Failure {
    failed(format!("{}: {e}", error_code(&e)))
}

/// A TLS error comes wrapped in an `io::Error`: unwrap it for its code.
fn io_failure(e: io::Error) -> Failure {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(tls) => tls_failure(tls.clone()),
        None => failed(format!(":IO_ERROR: {e}")),
    }
}

/// BoringSSL's name for the failure, where one fits, so the runner's
/// expected-error checks have something to match.
fn error_code(e: &Error) -> &'static str {
    match e {
        Error::InvalidMessage { .. } => ":DECODE_ERROR:",
        Error::UnexpectedMessage { .. } => ":UNEXPECTED_MESSAGE:",
        Error::BadRecordMac => ":DECRYPTION_FAILED_OR_BAD_RECORD_MAC:",
        Error::RecordOverflow { .. } => ":DATA_LENGTH_TOO_LONG:",
        Error::BadSignature => ":BAD_SIGNATURE:",
        Error::BadFinished => ":DIGEST_CHECK_FAILED:",
        Error::ProtocolVersion => ":UNSUPPORTED_PROTOCOL:",
        Error::NoApplicationProtocol => ":NO_APPLICATION_PROTOCOL:",
        Error::UnsolicitedExtension => ":UNEXPECTED_EXTENSION:",
        Error::InvalidCertificate(_) => ":CERTIFICATE_VERIFY_FAILED:",
        Error::BadRenegotiationInfo => ":RENEGOTIATION_MISMATCH:",
        Error::NoExtendedMasterSecret => ":NO_EXTENDED_MASTER_SECRET:",
        Error::Truncated => ":UNEXPECTED_EOF:",
        Error::AlertReceived(_) => ":ALERT_RECEIVED:",
        _ => ":TLS_ERROR:",
    }
}
