//! The server's first step: read the ClientHello, check what it must carry,
//! decide between resuming a session (RFC 5246 §7.3, RFC 5077 §3.4,
//! RFC 7627 §5.3) and a full handshake, and for the latter choose suite,
//! group, certificate, signature scheme and ALPN protocol (RFC 5246
//! §7.4.1.2–§7.4.1.4, RFC 8422 §5.1, RFC 5746 §3.6, RFC 6066 §3,
//! RFC 7301 §3.2).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::UnixTime;

use crate::codec::enums::{
    CipherSuite, CompressionMethod, EcPointFormat, ProtocolVersion, SignatureScheme,
};
use crate::codec::{Codec, List};
use crate::config::{CertifiedKey, ClientAuth, ClientHelloInfo, ServerConfig};
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::handshake::extensions::ProtocolName;
use crate::handshake::hello::ClientHello;
use crate::handshake::{HandshakePayload, SessionId};
use crate::renegotiation::{Prior, VerifyData};
use crate::resumption::session::StoredSession;
use crate::state::{unexpected, Actions, Msg};
use crate::suites::SupportedSuite;

use super::kx::{self, ServerKx};
use super::{finish, full, ServerHs, ServerState};

/// Waiting for the ClientHello.
pub(crate) struct AwaitClientHello {
    pub config: Arc<ServerConfig>,
    /// What this handshake asks of the client (see [`ServerHs::client_auth`]).
    pub client_auth: ClientAuth,
    /// Set when the ClientHello renegotiates.
    pub prior: Option<Box<Prior>>,
    /// Whether a session the client offers may be resumed.
    pub resume: bool,
}

impl AwaitClientHello {
    pub(super) fn handle(self, msg: Msg<'_>, actions: &mut Actions) -> Result<ServerState, Error> {
        let HandshakePayload::ClientHello(ch) = &msg.payload else {
            return Err(unexpected("ClientHello", &msg));
        };
        let AwaitClientHello {
            config,
            client_auth,
            prior,
            resume,
        } = self;
        // RFC 5246 Appendix E.1: a client offering less than TLS 1.2 gets
        // protocol_version from a TLS 1.2-only server.
        if ch.client_version < ProtocolVersion::TLSV1_2 {
            return Err(Error::ProtocolVersion);
        }
        // RFC 5246 §7.4.1.2: the list MUST contain null.
        if !ch.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(Error::IllegalParameter(
                "ClientHello does not offer null compression",
            ));
        }
        // RFC 8422 §5.1.2: a client whose ec_point_formats leaves out
        // uncompressed cannot take our ECDHE point (every group we offer is
        // one of §5.1.1's); the server "MUST abort the handshake and return
        // an illegal_parameter alert".
        if let Some(formats) = ch.ec_point_formats() {
            if !formats.contains(&EcPointFormat::UNCOMPRESSED) {
                return Err(Error::IllegalParameter(
                    "client does not accept uncompressed points",
                ));
            }
        }
        let secure_renegotiation = match &prior {
            // RFC 5746 §3.7: the client's last verify_data, and no SCSV.
            Some(prior) => prior
                .check_client_hello(ch.renegotiation_info(), scsv(ch))
                .map(|()| true)?,
            None => check_secure_renegotiation(ch, &config)?,
        };
        let ems = ch.has_ems();
        if !ems && config.require_extended_master_secret {
            return Err(Error::NoExtendedMasterSecret);
        }
        crate::renegotiation::require_ems(prior.as_deref(), ems)?;
        let sni = sni_name(ch)?;
        let alpn = choose_alpn(&config, ch.alpn_protocols())?;
        let now = config.time.now();
        let send_ticket = config.ticketer.is_some() && ch.session_ticket().is_some();

        let mut server_random = [0u8; 32];
        config.random.fill(&mut server_random)?;
        let mut transcript = Transcript::new();
        // CertificateVerify is checked over the raw messages (RFC 5246 §7.4.8).
        transcript.keep_messages(!matches!(client_auth, ClientAuth::None));

        let session = match resume {
            true => find_session(&config, &client_auth, ch, sni.as_deref(), now)?,
            false => None,
        };
        // A renegotiation resumes only a session of the same client
        // identity; another gets a full handshake, where the identity is
        // checked as the certificate arrives.
        let session = session.filter(|(s, _)| {
            prior
                .as_ref()
                .is_none_or(|p| p.check_identity(s.peer_certificate.as_ref(), false).is_ok())
        });
        let (suite, ems, etm, session_id, plan) = match session {
            Some((session, by_id)) => {
                let suite =
                    crate::suites::lookup(session.suite).ok_or(Error::Internal("resumed suite"))?;
                // RFC 5077 §3.4: echo the client's session ID to say "resumed".
                (
                    suite,
                    session.extended_master_secret,
                    session.encrypt_then_mac,
                    ch.session_id,
                    Plan::Resume { session, by_id },
                )
            }
            None => {
                let (suite, full) = plan_full(&config, ch, sni.as_deref())?;
                let session_id = if config.session_store.is_some() {
                    let mut id = [0u8; 32];
                    config.random.fill(&mut id)?;
                    SessionId::new(&id).ok_or(Error::Internal("session id"))?
                } else {
                    SessionId::empty()
                };
                (suite, ems, agree_etm(&config, ch, suite), session_id, full)
            }
        };
        if let Some(prior) = &prior {
            prior.check_strength(suite, etm)?;
        }
        transcript.start(suite.hash);
        transcript.add(msg.raw);
        let hs = ServerHs {
            config,
            #[cfg(feature = "legacy")]
            client_version: ch.client_version,
            suite,
            client_random: ch.random.0,
            server_random,
            ems,
            etm,
            alpn,
            sni,
            session_id,
            send_ticket,
            secure_renegotiation,
            client_auth,
            verify_data: VerifyData::default(),
            prior,
            transcript,
        };
        match plan {
            Plan::Resume { session, by_id } => finish::start_resumed(hs, session, by_id, actions),
            Plan::Full { certified, kx } => {
                let echo_point_formats = ch
                    .find(crate::codec::enums::ExtensionType::EC_POINT_FORMATS)
                    .is_some();
                full::send_first_flight(hs, &certified, kx, echo_point_formats, actions)
            }
        }
    }
}

/// How the server answers a ClientHello.
enum Plan {
    /// An abbreviated handshake for this session, found in the session
    /// cache under the client's session ID (`by_id`) or in its ticket.
    Resume { session: StoredSession, by_id: bool },
    /// A full handshake with this certificate and key exchange.
    Full {
        certified: Arc<CertifiedKey>,
        kx: ServerKx,
    },
}

/// How many items of a hello list [`as_slice`] copies onto the stack: more
/// than any real client sends.
const LIST_ON_STACK: usize = 512;

/// The items of a hello list as a slice, for APIs that take one: copied
/// into `stack` when they fit (every hello real clients send, without an
/// allocation), else into `heap`, which then holds as many bytes as the
/// list does on the wire (a ClientHello may list 32,767 cipher suites).
fn as_slice<'b, T: for<'a> crate::codec::Decode<'a> + Clone>(
    list: List<'_, T>,
    stack: &'b mut [T],
    heap: &'b mut Vec<T>,
) -> &'b [T] {
    let n = list.len();
    if n <= stack.len() {
        list.copy_to(stack)
    } else {
        heap.reserve_exact(n);
        heap.extend(list.iter());
        heap
    }
}

/// Chooses certificate, suite, group and signature scheme for a full
/// handshake.
fn plan_full(
    config: &ServerConfig,
    ch: &ClientHello,
    sni: Option<&str>,
) -> Result<(&'static SupportedSuite, Plan), Error> {
    // The hello's lists are wire bytes; the resolver takes slices.
    let (mut scheme_buf, mut scheme_heap) = ([SignatureScheme(0); LIST_ON_STACK], Vec::new());
    let client_schemes = match ch.signature_schemes() {
        Some(list) => as_slice(list, &mut scheme_buf, &mut scheme_heap),
        None => &[],
    };
    let (mut suite_buf, mut suite_heap) = ([CipherSuite(0); LIST_ON_STACK], Vec::new());
    let client_suites = as_slice(ch.cipher_suites, &mut suite_buf, &mut suite_heap);
    let certified = config
        .cert_resolver
        .resolve(&ClientHelloInfo {
            server_name: sni,
            signature_schemes: client_schemes,
            cipher_suites: client_suites,
        })
        .ok_or(Error::HandshakeFailure("no certificate for this client"))?;
    // RFC 5246 §7.4.1.4.1: without signature_algorithms the client
    // accepts only SHA-1, which we never sign with. (Each of the key's few
    // schemes is looked up in both lists: linear in the client's.)
    let scheme = certified.key.choose_scheme_where(|s| {
        config.signature_schemes.contains(&s) && client_schemes.contains(&s)
    });
    let (suite, kx) = kx::choose(
        config,
        &certified,
        client_suites,
        ch.supported_groups(),
        scheme,
    )?;
    Ok((suite, Plan::Full { certified, kx }))
}

/// The session the ClientHello asks to resume, if it may be: by ticket
/// first, then by session ID (the flag says which found it). A session that
/// may not be resumed leads to a full handshake, except where RFC 7627 §5.3
/// says to abort.
fn find_session(
    config: &ServerConfig,
    client_auth: &ClientAuth,
    ch: &ClientHello,
    sni: Option<&str>,
    now: UnixTime,
) -> Result<Option<(StoredSession, bool)>, Error> {
    let from_ticket = match (ch.session_ticket(), &config.ticketer) {
        (Some(ticket), Some(ticketer)) if !ticket.is_empty() => ticketer.decrypt(ticket, now),
        _ => None,
    };
    let (bytes, by_id) = match (from_ticket, &config.session_store) {
        (Some(b), _) => (Some(b), false),
        (None, Some(store)) if !ch.session_id.is_empty() => {
            (store.get(ch.session_id.as_ref()), true)
        }
        _ => (None, false),
    };
    let Some(session) = bytes.and_then(|b| StoredSession::from_bytes(&b).ok()) else {
        return Ok(None);
    };
    let suite_ok = ch.cipher_suites.contains(&session.suite)
        && config
            .suites
            .iter()
            .any(|s| s.suite == session.suite && config.check_suite(s).is_ok());
    let usable = session.is_fresh(now)
        && suite_ok
        && session.server_name.as_deref() == sni
        && !(matches!(client_auth, ClientAuth::Required(_)) && session.peer_certificate.is_none());
    if !usable {
        return Ok(None);
    }
    match (session.extended_master_secret, ch.has_ems()) {
        // RFC 7627 §5.3: the client dropped EMS for an EMS session: abort.
        (true, false) => Err(Error::HandshakeFailure(
            "resumption without the extended master secret of the original session",
        )),
        // The original session lacked EMS: do a full handshake instead.
        (false, true) => Ok(None),
        // RFC 7366 §3.1: resumption keeps the session's encrypt-then-MAC.
        // A client that no longer offers it for an EtM session gets a full
        // handshake rather than a silent fall back to MAC-then-encrypt.
        _ if session.encrypt_then_mac && !ch.has_etm() => Ok(None),
        _ => Ok(Some((session, by_id))),
    }
}

/// Whether a full handshake uses encrypt-then-MAC: only with a CBC suite,
/// when the client offered it and the configuration agrees (RFC 7366 §3:
/// with an AEAD suite the server must not answer it).
fn agree_etm(config: &ServerConfig, ch: &ClientHello, suite: &SupportedSuite) -> bool {
    #[cfg(feature = "legacy")]
    let agree = config.encrypt_then_mac;
    #[cfg(not(feature = "legacy"))]
    let agree = {
        let _ = config;
        false
    };
    agree && suite.protection.is_cbc() && ch.has_etm()
}

/// RFC 5746 §3.6: the SCSV or an empty renegotiation_info signals support;
/// a non-empty one on an initial handshake is an attack. Returns whether the
/// client signalled (the secure_renegotiation flag of §3.6), which decides
/// whether our ServerHello carries renegotiation_info; a client that did not
/// is refused only when the configuration requires it.
fn check_secure_renegotiation(ch: &ClientHello, config: &ServerConfig) -> Result<bool, Error> {
    let scsv = scsv(ch);
    match ch.renegotiation_info() {
        Some(data) if !data.is_empty() => Err(Error::BadRenegotiationInfo),
        Some(_) => Ok(true),
        None if scsv => Ok(true),
        None if !config.require_secure_renegotiation => Ok(false),
        None => Err(Error::HandshakeFailure(
            "client does not support secure renegotiation (RFC 5746)",
        )),
    }
}

/// Whether the ClientHello lists TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746
/// §3.3).
fn scsv(ch: &ClientHello) -> bool {
    ch.cipher_suites
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
}

/// The SNI host name, if the client sent a usable one (RFC 6066 §3: a DNS
/// host name).
///
/// RFC 6066 §3 forbids IP literals in `host_name`, but some real clients
/// send one: like rustls, we ignore it, exactly as if the client had sent
/// no server_name (no name for the certificate resolver or for session
/// matching, none in [`crate::Negotiated::server_name`], no server_name in
/// our ServerHello). A name that is neither a DNS name nor an IP literal is
/// still `illegal_parameter`, as rustls answers it (OpenSSL passes any name
/// without a NUL byte to the application).
fn sni_name(ch: &ClientHello) -> Result<Option<String>, Error> {
    use rustls_pki_types::ServerName;
    let Some(raw) = ch.sni_hostname() else {
        return Ok(None);
    };
    let name = core::str::from_utf8(raw)
        .map_err(|_| Error::IllegalParameter("server_name is not ASCII"))?;
    match ServerName::try_from(name) {
        Ok(ServerName::DnsName(_)) => Ok(Some(name.to_ascii_lowercase())),
        Ok(ServerName::IpAddress(_)) => Ok(None),
        _ => Err(Error::IllegalParameter(
            "server_name is not a DNS host name",
        )),
    }
}

/// RFC 7301 §3.2: the server picks by its own preference; no overlap is
/// fatal (no_application_protocol). A server without ALPN ignores it.
fn choose_alpn(
    config: &ServerConfig,
    offered: Option<List<'_, ProtocolName<'_>>>,
) -> Result<Option<Vec<u8>>, Error> {
    let Some(offered) = offered else {
        return Ok(None);
    };
    if config.alpn_protocols.is_empty() {
        return Ok(None);
    }
    config
        .alpn_protocols
        .iter()
        .find(|p| offered.iter().any(|o| o.0 == p.as_slice()))
        .cloned()
        .map(Some)
        .ok_or(Error::NoApplicationProtocol)
}
