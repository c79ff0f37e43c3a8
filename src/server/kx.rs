//! The server's side of each key exchange: choosing one that the client and
//! our certificate can do, the ServerKeyExchange it sends (if any), and the
//! pre-master secret it gets from the client's ClientKeyExchange.
//!
//! - ECDHE (RFC 8422 §5.4, §5.7): signed ephemeral point, client's point.
//! - DHE (RFC 5246 §7.4.3, §7.4.7.2; RFC 7919), feature `legacy`: signed
//!   ephemeral group element over an RFC 7919 group, client's element.
//! - RSA key transport (RFC 5246 §7.4.7.1), feature `legacy`: no
//!   ServerKeyExchange; the client encrypts the pre-master secret to our
//!   certificate's key.

use alloc::sync::Arc;
use alloc::vec::Vec;

#[cfg(feature = "legacy")]
use crate::codec::enums::ProtocolVersion;
use crate::codec::enums::{CipherSuite, HandshakeType, NamedGroup, SignatureScheme};
use crate::codec::{Codec, Decode, LenSize, List};
use crate::config::{CertifiedKey, ServerConfig};
use crate::crypto::kx::{KeyExchange, PreMasterSecret};
use crate::error::Error;
use crate::handshake::key_exchange::EcdheClientKeyExchange;
use crate::handshake::put_opaque;
use crate::state::{kx_signed_content, send_body, Actions};
use crate::suites::{AuthKind, KeyExchangeKind, SupportedSuite};

use super::ServerHs;

/// The key exchange chosen with the suite, and what it needs.
pub(super) enum ServerKx {
    /// ECDHE on this group, signed with this scheme.
    Ecdhe {
        group: NamedGroup,
        scheme: SignatureScheme,
    },
    /// DHE on this RFC 7919 group, signed with this scheme.
    #[cfg(feature = "legacy")]
    Dhe {
        group: NamedGroup,
        scheme: SignatureScheme,
    },
    /// RSA key transport: nothing is sent or signed.
    #[cfg(feature = "legacy")]
    Rsa,
}

impl ServerKx {
    /// The scheme the ServerKeyExchange is signed with, if one is.
    pub(super) fn scheme(&self) -> Option<SignatureScheme> {
        match self {
            ServerKx::Ecdhe { scheme, .. } => Some(*scheme),
            #[cfg(feature = "legacy")]
            ServerKx::Dhe { scheme, .. } => Some(*scheme),
            #[cfg(feature = "legacy")]
            ServerKx::Rsa => None,
        }
    }

    /// Sends the ServerKeyExchange this exchange has (RFC 5246 §7.4.3:
    /// RSA key transport has none) and returns what then waits for the
    /// client's share.
    pub(super) fn send(
        self,
        hs: &mut ServerHs,
        certified: &Arc<CertifiedKey>,
        actions: &mut Actions,
    ) -> Result<PendingKx, Error> {
        let rng = ring::rand::SystemRandom::new();
        match self {
            ServerKx::Ecdhe { group, scheme } => {
                let kx = KeyExchange::start(group, &rng)?;
                // RFC 8422 §5.4: the signature covers the randoms and
                // ServerECDHParams; the message body is those params and the
                // DigitallySigned, written from the same stack buffer.
                let signed = kx_signed_content(
                    &hs.client_random,
                    &hs.server_random,
                    group,
                    kx.public_key(),
                )?;
                let signature = certified.key.sign(scheme, &signed, &rng)?;
                send_server_kx(hs, actions, signed.params(), scheme, signature.as_ref())?;
                Ok(PendingKx::Ecdhe(kx, group))
            }
            #[cfg(feature = "legacy")]
            ServerKx::Dhe { group, scheme } => {
                use crate::crypto::ffdhe::{DhGroup, DhKeyExchange};
                let params = DhGroup::named(group).ok_or(Error::Internal("DHE group"))?;
                let kx = DhKeyExchange::start(params, &rng)?;
                let dh = crate::handshake::key_exchange::DheServerParams {
                    p: kx.group().prime(),
                    g: kx.group().generator(),
                    public: kx.public_key(),
                };
                // RFC 5246 §7.4.3: signed over client_random ‖ server_random
                // ‖ ServerDHParams.
                let mut signed = Vec::with_capacity(64 + 6 + 3 * dh.p.len());
                signed.extend_from_slice(&hs.client_random);
                signed.extend_from_slice(&hs.server_random);
                dh.encode_to(&mut signed)?;
                let signature = certified.key.sign(scheme, &signed, &rng)?;
                let params = signed.get(64..).unwrap_or(&[]);
                send_server_kx(hs, actions, params, scheme, signature.as_ref())?;
                Ok(PendingKx::Dhe(kx, group))
            }
            #[cfg(feature = "legacy")]
            ServerKx::Rsa => Ok(PendingKx::Rsa {
                key: certified.clone(),
                client_version: hs.client_version,
            }),
        }
    }
}

/// Our half of the exchange, waiting for the client's ClientKeyExchange.
pub(super) enum PendingKx {
    Ecdhe(KeyExchange, NamedGroup),
    #[cfg(feature = "legacy")]
    Dhe(crate::crypto::ffdhe::DhKeyExchange, NamedGroup),
    #[cfg(feature = "legacy")]
    Rsa {
        key: Arc<CertifiedKey>,
        /// The version the client offered in its ClientHello, which the
        /// pre-master secret must begin with (RFC 5246 §7.4.7.1).
        client_version: ProtocolVersion,
    },
}

impl PendingKx {
    /// The group, for [`crate::Negotiated::group`] (none for RSA).
    pub(super) fn group(&self) -> Option<NamedGroup> {
        match self {
            PendingKx::Ecdhe(_, g) => Some(*g),
            #[cfg(feature = "legacy")]
            PendingKx::Dhe(_, g) => Some(*g),
            #[cfg(feature = "legacy")]
            PendingKx::Rsa { .. } => None,
        }
    }

    /// The pre-master secret from the ClientKeyExchange `body`.
    pub(super) fn complete(self, body: &[u8]) -> Result<PreMasterSecret, Error> {
        match self {
            PendingKx::Ecdhe(kx, _) => {
                kx.complete(EcdheClientKeyExchange::decode_all(body)?.public)
            }
            #[cfg(feature = "legacy")]
            PendingKx::Dhe(kx, _) => {
                use crate::handshake::key_exchange::DheClientKeyExchange;
                kx.complete(DheClientKeyExchange::decode_all(body)?.public)
            }
            #[cfg(feature = "legacy")]
            PendingKx::Rsa {
                key,
                client_version,
            } => {
                use crate::handshake::key_exchange::RsaClientKeyExchange;
                let ckx = RsaClientKeyExchange::decode_all(body)?;
                let decrypting = key
                    .key
                    .rsa_decrypting_key()
                    .ok_or(Error::Internal("RSA key transport without an RSA key"))?;
                // Never fails on the ciphertext: a bad one yields a random
                // pre-master secret, and the Finished exchange fails as for
                // a wrong key (RFC 5246 §7.4.7.1).
                decrypting.decrypt_pre_master(ckx.encrypted_pre_master, client_version)
            }
        }
    }
}

/// Chooses the suite and its key exchange for a full handshake: the first
/// suite, in our order (or the client's, with `honor_client_order`), that
/// the client offers, this configuration allows, our certificate can
/// authenticate, and whose key exchange the client and our key can do.
/// `scheme` is the signature scheme for a signed exchange, if there is one
/// in common. With no suite left, the error says why the first candidate
/// could not be used ("no ECDHE group in common", ...), or that none was
/// in common at all.
pub(super) fn choose(
    config: &ServerConfig,
    certified: &CertifiedKey,
    offered: &[CipherSuite],
    client_groups: Option<List<'_, NamedGroup>>,
    scheme: Option<SignatureScheme>,
) -> Result<(&'static SupportedSuite, ServerKx), Error> {
    let auth = certified.key.auth_kind();
    let candidate = |s: &&'static SupportedSuite| s.auth == auth && config.check_suite(s).is_ok();
    let mut first_refusal = None;
    let mut try_suite = |s: &'static SupportedSuite| match plan_kx(
        config,
        certified,
        s.kx,
        client_groups,
        scheme,
    ) {
        Ok(kx) => Some((s, kx)),
        Err(e) => {
            first_refusal.get_or_insert(e);
            None
        }
    };
    let mut chosen = None;
    if config.honor_client_order {
        for c in offered {
            let ours = config
                .suites
                .iter()
                .copied()
                .filter(candidate)
                .find(|s| s.suite == *c);
            if let Some(found) = ours.and_then(&mut try_suite) {
                chosen = Some(found);
                break;
            }
        }
    } else {
        for s in config.suites.iter().copied().filter(candidate) {
            if !offered.contains(&s.suite) {
                continue;
            }
            if let Some(found) = try_suite(s) {
                chosen = Some(found);
                break;
            }
        }
    }
    chosen.ok_or_else(|| first_refusal.unwrap_or_else(|| no_suite(config, auth, offered)))
}

/// Why no suite fits, as far as the offer shows it: a TLS 1.3-only client,
/// suites for the other kind of certificate, suites this configuration
/// leaves out (a legacy key exchange or CBC without its `allow_*` field, or
/// not in its list), or nothing we know at all.
fn no_suite(config: &ServerConfig, auth: AuthKind, offered: &[CipherSuite]) -> Error {
    // RFC 8446 §B.4: TLS 1.3 suites are 0x13XX; GREASE values (RFC 8701)
    // and the renegotiation SCSV say nothing about what the client speaks.
    let meaningful = || {
        offered.iter().filter(|c| {
            c.0 & 0x0f0f != 0x0a0a && **c != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV
        })
    };
    if meaningful().next().is_some() && meaningful().all(|c| c.0 >> 8 == 0x13) {
        return Error::HandshakeFailure(
            "the client offered only TLS 1.3 cipher suites, and sanstls speaks TLS 1.2",
        );
    }
    let known: Vec<&SupportedSuite> = meaningful()
        .filter_map(|c| crate::suites::lookup(*c))
        .collect();
    let ours = |s: &&SupportedSuite| config.suites.iter().any(|o| o.suite == s.suite);
    let allowed = |s: &&SupportedSuite| config.check_suite(s).is_ok();
    if known
        .iter()
        .any(|s| ours(s) && allowed(s) && s.auth != auth)
    {
        return Error::HandshakeFailure(match auth {
            AuthKind::Ecdsa => {
                "the client's suites in common need an RSA certificate, and ours is ECDSA"
            }
            AuthKind::Rsa => {
                "the client's suites in common need an ECDSA certificate, and ours is RSA"
            }
        });
    }
    if known.iter().any(|s| ours(s) && !allowed(s)) {
        return Error::HandshakeFailure(
            "the client offers only suites this configuration does not allow (a legacy key exchange or CBC without its allow_* field)",
        );
    }
    if !known.is_empty() {
        return Error::HandshakeFailure(
            "no cipher suite in common: the client's suites are not in this server's list",
        );
    }
    Error::HandshakeFailure("no cipher suite in common: the client offers none sanstls knows")
}

/// Whether the key exchange `kx` can run with this client and our key, and
/// how; the error says why not (the first one is reported when no suite is
/// left).
fn plan_kx(
    config: &ServerConfig,
    certified: &CertifiedKey,
    kx: KeyExchangeKind,
    client_groups: Option<List<'_, NamedGroup>>,
    scheme: Option<SignatureScheme>,
) -> Result<ServerKx, Error> {
    let signed = || {
        scheme.ok_or(Error::HandshakeFailure(
            "no signature scheme the client offered fits our certificate's key",
        ))
    };
    match kx {
        KeyExchangeKind::Ecdhe => {
            // RFC 8422 §4: a client without supported_groups is taken to
            // accept any curve; we then use our first choice.
            let group = match client_groups {
                Some(offered) => config.groups.iter().copied().find(|g| offered.contains(g)),
                None => config.groups.first().copied(),
            }
            .ok_or(Error::HandshakeFailure("no ECDHE group in common"))?;
            Ok(ServerKx::Ecdhe {
                group,
                scheme: signed()?,
            })
        }
        #[cfg(feature = "legacy")]
        KeyExchangeKind::Dhe => {
            // RFC 7919 §4 (see choose_server_group).
            let key_bits = certified.key.rsa_modulus_bits().unwrap_or(0);
            let group = crate::crypto::ffdhe::choose_server_group(
                &config.dhe_groups,
                client_groups,
                key_bits,
            )
            .ok_or(Error::HandshakeFailure("no FFDHE group in common"))?;
            Ok(ServerKx::Dhe {
                group,
                scheme: signed()?,
            })
        }
        #[cfg(feature = "legacy")]
        KeyExchangeKind::Rsa => {
            if certified.key.rsa_decrypting_key().is_none() {
                return Err(Error::HandshakeFailure(
                    "RSA key transport needs an RSA certificate",
                ));
            }
            Ok(ServerKx::Rsa)
        }
        #[cfg(not(feature = "legacy"))]
        KeyExchangeKind::Dhe | KeyExchangeKind::Rsa => {
            let _ = certified;
            Err(Error::HandshakeFailure("no cipher suite in common"))
        }
    }
}

/// Sends a ServerKeyExchange: the key exchange's `params` (ServerECDHParams
/// or ServerDHParams), then their DigitallySigned (RFC 5246 §7.4.3, RFC
/// 8422 §5.4), the same for both signed key exchanges.
fn send_server_kx(
    hs: &mut ServerHs,
    actions: &mut Actions,
    params: &[u8],
    scheme: SignatureScheme,
    signature: &[u8],
) -> Result<(), Error> {
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::SERVER_KEY_EXCHANGE,
        |body| {
            body.extend_from_slice(params);
            scheme.encode(body)?;
            put_opaque(body, LenSize::U16, "signature too long", signature)
        },
    )
}
