//! The client's side of each key exchange: reading and checking the
//! server's share (its signed ServerKeyExchange, or for RSA key transport
//! its certificate's key), then sending our ClientKeyExchange and computing
//! the pre-master secret.
//!
//! - ECDHE (RFC 8422 §5.4, §5.7).
//! - DHE (RFC 5246 §7.4.3, §7.4.7.2; RFC 7919), feature `legacy`: only the
//!   RFC 7919 groups unless the configuration allows others.
//! - RSA key transport (RFC 5246 §7.4.7.1), feature `legacy`: a 48-byte
//!   pre-master secret encrypted to the server certificate's RSA key.

use alloc::vec::Vec;
use rustls_pki_types::CertificateDer;

#[cfg(feature = "legacy")]
use crate::codec::enums::ProtocolVersion;
use crate::codec::enums::{HandshakeType, NamedGroup, SignatureScheme};
use crate::codec::{Decode, LenSize};
use crate::crypto::kx::{KeyExchange, PreMasterSecret};
use crate::crypto::sign::verify_signature;
use crate::error::Error;
use crate::handshake::key_exchange::EcdheServerKeyExchange;
use crate::handshake::put_opaque;
use crate::state::{kx_signed_message, scheme_auth, send_body, Actions};

use super::ClientHs;

/// What the client holds of the server's key exchange until
/// ServerHelloDone.
pub(super) enum ServerShare {
    /// The server's ephemeral point on `group`.
    Ecdhe { group: NamedGroup, public: Vec<u8> },
    /// The server's DH group and public value.
    #[cfg(feature = "legacy")]
    Dhe {
        group: crate::crypto::ffdhe::DhGroup,
        public: Vec<u8>,
    },
    /// RSA key transport: the server certificate's SubjectPublicKeyInfo.
    #[cfg(feature = "legacy")]
    Rsa { spki: Vec<u8> },
}

impl ServerShare {
    /// The group, for [`crate::Negotiated::group`] (an RFC 7919 group for
    /// DHE, none for custom DH parameters or RSA).
    pub(super) fn group(&self) -> Option<NamedGroup> {
        match self {
            ServerShare::Ecdhe { group, .. } => Some(*group),
            #[cfg(feature = "legacy")]
            ServerShare::Dhe { group, .. } => group.named_group(),
            #[cfg(feature = "legacy")]
            ServerShare::Rsa { .. } => None,
        }
    }

    /// Sends our ClientKeyExchange (RFC 5246 §7.4.7) and returns the
    /// pre-master secret.
    pub(super) fn send(
        self,
        hs: &mut ClientHs,
        actions: &mut Actions,
    ) -> Result<PreMasterSecret, Error> {
        let rng = ring::rand::SystemRandom::new();
        match self {
            ServerShare::Ecdhe { group, public } => {
                let kx = KeyExchange::start(group, &rng)?;
                // RFC 8422 §5.7: ClientECDiffieHellmanPublic, the point as
                // an `opaque <1..2^8-1>`.
                send_client_kx(
                    hs,
                    actions,
                    LenSize::U8,
                    "ECDHE point too long",
                    kx.public_key(),
                )?;
                kx.complete(&public)
            }
            #[cfg(feature = "legacy")]
            ServerShare::Dhe { group, public } => {
                let kx = crate::crypto::ffdhe::DhKeyExchange::start(group, &rng)?;
                // RFC 5246 §7.4.7.2: `opaque dh_Yc<1..2^16-1>`.
                send_client_kx(
                    hs,
                    actions,
                    LenSize::U16,
                    "DH public value too long",
                    kx.public_key(),
                )?;
                kx.complete(&public)
            }
            #[cfg(feature = "legacy")]
            ServerShare::Rsa { spki } => {
                use crate::crypto::rsa_kx::{encrypt_pre_master, RSA_PRE_MASTER_LEN};
                // RFC 5246 §7.4.7.1: the version we offered, then 46 random
                // bytes. Secret randomness: the system's, like ECDHE keys.
                let mut pre_master = zeroize::Zeroizing::new([0u8; RSA_PRE_MASTER_LEN]);
                ring::rand::SecureRandom::fill(&rng, &mut pre_master[2..])
                    .map_err(|_| Error::Internal("random source failed"))?;
                // Our ClientHello always offers TLS 1.2.
                pre_master[..2].copy_from_slice(&ProtocolVersion::TLSV1_2.0.to_be_bytes());
                let encrypted = encrypt_pre_master(&spki, &pre_master, hs.config.min_rsa_key_bits)?;
                send_client_kx(
                    hs,
                    actions,
                    LenSize::U16,
                    "encrypted pre-master too long",
                    &encrypted,
                )?;
                PreMasterSecret::from_slice(&pre_master[..])
            }
        }
    }
}

/// Sends a ClientKeyExchange whose body is `value` with its length prefix:
/// every key exchange's ClientKeyExchange is one opaque vector (RFC 5246
/// §7.4.7, RFC 8422 §5.7). `what` is the error if it is too long.
fn send_client_kx(
    hs: &mut ClientHs,
    actions: &mut Actions,
    prefix: LenSize,
    what: &'static str,
    value: &[u8],
) -> Result<(), Error> {
    send_body(
        actions,
        &mut hs.transcript,
        HandshakeType::CLIENT_KEY_EXCHANGE,
        |body| put_opaque(body, prefix, what, value),
    )
}

/// Checks a ServerKeyExchange `body` for the negotiated suite against our
/// offer and the server's verified certificate `end_entity`, and returns
/// the server's share and the scheme it signed with.
pub(super) fn read_server_kx(
    hs: &ClientHs,
    end_entity: &CertificateDer<'_>,
    body: &[u8],
) -> Result<(ServerShare, SignatureScheme), Error> {
    #[cfg(feature = "legacy")]
    if hs.suite.kx == crate::suites::KeyExchangeKind::Dhe {
        return read_dhe(hs, end_entity, body);
    }
    let skx = EcdheServerKeyExchange::decode_all(body)?;
    let config = &hs.config;
    if !config.groups.contains(&skx.params.group) {
        return Err(Error::IllegalParameter(
            "server chose a group we did not offer",
        ));
    }
    let scheme = skx.signed.scheme;
    check_scheme(hs, scheme)?;
    let signed = kx_signed_message(&hs.client_random, &hs.server_random, &skx.params)?;
    verify_signature(end_entity, scheme, &signed, skx.signed.signature)?;
    Ok((
        ServerShare::Ecdhe {
            group: skx.params.group,
            public: skx.params.public.to_vec(),
        },
        scheme,
    ))
}

/// The server's signature scheme must be one we offered and fit the
/// suite's authentication (RFC 5246 §7.4.3).
fn check_scheme(hs: &ClientHs, scheme: SignatureScheme) -> Result<(), Error> {
    if !hs.config.signature_schemes.contains(&scheme) {
        return Err(Error::IllegalParameter(
            "server signed with a scheme we did not offer",
        ));
    }
    if scheme_auth(scheme) != Some(hs.suite.auth) {
        return Err(Error::IllegalParameter(
            "signature scheme does not fit the cipher suite",
        ));
    }
    Ok(())
}

/// A DHE ServerKeyExchange (RFC 5246 §7.4.3): the group must be one of RFC
/// 7919's (or, when the configuration allows it, a custom one of at least
/// `min_dhe_bits`), and the signature over the randoms and the parameters
/// must verify. The public value is checked when the exchange completes.
#[cfg(feature = "legacy")]
fn read_dhe(
    hs: &ClientHs,
    end_entity: &CertificateDer<'_>,
    body: &[u8],
) -> Result<(ServerShare, SignatureScheme), Error> {
    use crate::crypto::ffdhe::DhGroup;
    use crate::handshake::key_exchange::DheServerKeyExchange;
    let skx = DheServerKeyExchange::decode_all(body)?;
    let config = &hs.config;
    let scheme = skx.signed.scheme;
    check_scheme(hs, scheme)?;
    // The signature first: parameters from anyone but the server are not
    // worth a look.
    let mut signed = Vec::with_capacity(64 + 6 + body.len());
    signed.extend_from_slice(&hs.client_random);
    signed.extend_from_slice(&hs.server_random);
    skx.params.encode_to(&mut signed)?;
    verify_signature(end_entity, scheme, &signed, skx.signed.signature)?;
    // RFC 7919 §3: only the named groups, unless the configuration allows
    // others (of at least min_dhe_bits).
    let custom_min = config
        .allow_custom_dhe_groups
        .then_some(config.min_dhe_bits);
    let group = DhGroup::from_server_params(skx.params.p, skx.params.g, custom_min)?;
    if group.prime_bits() < config.min_dhe_bits {
        return Err(Error::HandshakeFailure(
            "server's DH group is smaller than min_dhe_bits",
        ));
    }
    Ok((
        ServerShare::Dhe {
            group,
            public: skx.params.public.to_vec(),
        },
        scheme,
    ))
}

/// RSA key transport: the share is the server certificate's key, which
/// must be RSA, at least `min_rsa_key_bits` long (checked when encrypting)
/// and, where the certificate states a key usage, allowed to encipher keys
/// (RFC 5280 §4.2.1.3).
#[cfg(feature = "legacy")]
pub(super) fn rsa_share(end_entity: &CertificateDer<'_>) -> Result<ServerShare, Error> {
    let cert = webpki::EndEntityCert::try_from(end_entity)
        .map_err(|e| Error::InvalidCertificate(crate::verify::map_webpki_error(e)))?;
    let spki = cert.subject_public_key_info();
    if !crate::crypto::rsa_kx::allows_key_encipherment(end_entity)? {
        return Err(Error::InvalidCertificate(
            crate::error::CertificateError::InvalidPurpose,
        ));
    }
    Ok(ServerShare::Rsa {
        spki: spki.as_ref().to_vec(),
    })
}
