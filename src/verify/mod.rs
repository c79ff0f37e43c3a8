//! Certificate verification: the traits the handshake calls, the proof types
//! it keeps, and a default over rustls-webpki.
//!
//! RFC 5246 §7.4.2 leaves the choice of how to validate the peer's chain to
//! the application; the handshake only needs a yes or a precise no (the
//! alert of §7.2.2 depends on *why*). A verifier answers with
//! `Result<(), CertificateError>`; after an `Ok` the state machine builds
//! the proof type ([`ServerCertVerified`], [`ClientCertVerified`]) that later
//! states require, so a handshake cannot reach traffic keys without having
//! asked a verifier. Those constructors are private to the crate: a custom
//! verifier cannot make one up.
//!
//! The default verifiers ([`WebPkiServerVerifier`], [`WebPkiClientVerifier`])
//! build a path to a [`RootCertStore`] with rustls-webpki; with the `std`
//! feature the server one keeps the chains it accepted in a bounded cache
//! (`ChainCacheConfig`), so that a client's repeat handshakes with a server
//! skip verifying the same chain again. [`danger`] holds the verifier that
//! checks nothing, for tests and for callers who pin keys themselves.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Debug;

use rustls_pki_types::{CertificateDer, IpAddr, ServerName, UnixTime};

use crate::error::CertificateError;

#[cfg(feature = "std")]
mod chain_cache;
pub mod danger;
mod roots;
mod webpki_verifier;

#[cfg(feature = "std")]
pub use chain_cache::{ChainCacheConfig, ChainCacheStats, DEFAULT_CHAIN_CACHE_MAX_AGE};
#[cfg(feature = "native-roots")]
pub use roots::NativeRootsReport;
pub use roots::RootCertStore;
pub use webpki_verifier::{WebPkiClientVerifier, WebPkiServerVerifier};

/// Decides whether a server's certificate chain is acceptable for the name we
/// connected to (RFC 5246 §7.4.2; name matching per RFC 6125 / RFC 5280).
pub trait ServerCertVerifier: Debug + Send + Sync {
    /// Verifies `end_entity` (the first certificate of the server's
    /// Certificate message) with the rest of the message as `intermediates`,
    /// for `server_name`, at time `now` (supplied by the caller: the library
    /// reads no clock).
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), CertificateError>;

    /// How many trust anchors the verifier builds paths to, when it has a
    /// fixed set (`None`, the default, for verifiers that decide otherwise).
    /// A client refuses to start with a verifier that reports none: every
    /// server would be refused, and the mistake (an empty root store) is
    /// better named before the first connection than after it.
    fn trust_anchor_count(&self) -> Option<usize> {
        None
    }
}

/// Decides whether a client's certificate chain is acceptable
/// (RFC 5246 §7.4.6). Whether a client certificate is required at all is
/// the server configuration's policy, not the verifier's.
pub trait ClientCertVerifier: Debug + Send + Sync {
    /// Verifies `end_entity` with the rest of the client's Certificate
    /// message as `intermediates`, at time `now`.
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), CertificateError>;

    /// The DER-encoded subject names of the trust anchors, sent in
    /// CertificateRequest's `certificate_authorities` (RFC 5246 §7.4.4) so
    /// that the client can pick a certificate we can verify.
    fn root_hint_subjects(&self) -> Vec<Vec<u8>>;
}

/// Proof that a [`ServerCertVerifier`] accepted the server's chain.
/// Only the crate can make one.
///
/// Outside the crate the type can be named and held, but not made. This
/// compiles:
///
/// ```
/// use sanstls::verify::ServerCertVerified;
///
/// fn make() -> ServerCertVerified {
///     unimplemented!()
/// }
/// fn hold(_: ServerCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// The same with `make` building the proof does not, whichever way it tries
/// (the crate's constructor, the tuple constructor, a default):
///
/// ```compile_fail
/// use sanstls::verify::ServerCertVerified;
///
/// fn make() -> ServerCertVerified {
///     ServerCertVerified::assertion()
/// }
/// fn hold(_: ServerCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// ```compile_fail
/// use sanstls::verify::ServerCertVerified;
///
/// fn make() -> ServerCertVerified {
///     ServerCertVerified(())
/// }
/// fn hold(_: ServerCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// ```compile_fail
/// use sanstls::verify::ServerCertVerified;
///
/// fn make() -> ServerCertVerified {
///     ServerCertVerified::default()
/// }
/// fn hold(_: ServerCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// (A `compile_fail` example passes on any compile error, a typo included;
/// the first example, identical but for the body of `make`, shows that the
/// rest compiles, so the body is what fails.)
#[derive(Debug)]
pub struct ServerCertVerified(());

impl ServerCertVerified {
    /// Built by the state machine right after a verifier returned `Ok`.
    pub(crate) fn assertion() -> Self {
        ServerCertVerified(())
    }
}

/// Proof that a [`ClientCertVerifier`] accepted the client's chain.
/// Only the crate can make one.
///
/// Outside the crate the type can be named and held, but not made. This
/// compiles:
///
/// ```
/// use sanstls::verify::ClientCertVerified;
///
/// fn make() -> ClientCertVerified {
///     unimplemented!()
/// }
/// fn hold(_: ClientCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// The same with `make` building the proof does not, whichever way it tries
/// (the crate's constructor, the tuple constructor, a default):
///
/// ```compile_fail
/// use sanstls::verify::ClientCertVerified;
///
/// fn make() -> ClientCertVerified {
///     ClientCertVerified::assertion()
/// }
/// fn hold(_: ClientCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// ```compile_fail
/// use sanstls::verify::ClientCertVerified;
///
/// fn make() -> ClientCertVerified {
///     ClientCertVerified(())
/// }
/// fn hold(_: ClientCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// ```compile_fail
/// use sanstls::verify::ClientCertVerified;
///
/// fn make() -> ClientCertVerified {
///     ClientCertVerified::default()
/// }
/// fn hold(_: ClientCertVerified) {}
/// let _ = || hold(make());
/// ```
///
/// (A `compile_fail` example passes on any compile error, a typo included;
/// the first example, identical but for the body of `make`, shows that the
/// rest compiles, so the body is what fails.)
#[derive(Debug)]
pub struct ClientCertVerified(());

impl ClientCertVerified {
    /// Built by the state machine right after a verifier returned `Ok`.
    pub(crate) fn assertion() -> Self {
        ClientCertVerified(())
    }
}

/// Translates a rustls-webpki error into the kind of certificate error that
/// picks the right alert (RFC 5246 §7.2.2). Kinds webpki distinguishes but we
/// do not keep their words in [`CertificateError::Other`].
///
/// The deprecated context-free variants are still matched: webpki may still
/// return them from paths that have no context to give.
#[allow(deprecated)]
pub(crate) fn map_webpki_error(e: webpki::Error) -> CertificateError {
    use webpki::Error as E;
    match e {
        E::BadDer | E::BadDerTime | E::TrailingData(_) => CertificateError::BadEncoding,
        E::UnknownIssuer => CertificateError::UnknownIssuer,
        E::CertExpired { time, not_after } => CertificateError::Expired {
            now: time,
            not_after,
        },
        E::CertNotValidYet { time, not_before } => CertificateError::NotValidYet {
            now: time,
            not_before,
        },
        E::CertNotValidForName(context) => CertificateError::NotValidForName {
            expected: server_name_text(&context.expected).into_owned(),
            presented: context.presented.into_iter().map(plain_name).collect(),
        },
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            CertificateError::InvalidPurpose
        }
        E::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            CertificateError::UnsupportedSignatureAlgorithm
        }
        E::MaximumPathDepthExceeded => CertificateError::ChainTooLong,
        other => CertificateError::Other(format!("{other}")),
    }
}

/// A server name as text: the DNS name (borrowed: looking a session up by
/// name allocates nothing), or the IP address in its usual notation.
/// (rustls-pki-types' `to_str` does this only with its `std` feature;
/// `core::net` formats addresses without it.)
pub(crate) fn server_name_text<'a>(name: &'a ServerName<'_>) -> Cow<'a, str> {
    match name {
        ServerName::DnsName(dns) => Cow::Borrowed(dns.as_ref()),
        ServerName::IpAddress(IpAddr::V4(v4)) => {
            Cow::Owned(core::net::Ipv4Addr::from(*v4.as_ref()).to_string())
        }
        ServerName::IpAddress(IpAddr::V6(v6)) => {
            Cow::Owned(core::net::Ipv6Addr::from(*v6.as_ref()).to_string())
        }
        // ServerName is non-exhaustive.
        _ => Cow::Owned(format!("{name:?}")),
    }
}

/// A name of the certificate as rustls-webpki reports it (the `Debug` form
/// of its general names: `DnsName("example.com")`, `IpAddress(127.0.0.1)`),
/// as a person writes it: `example.com`, `127.0.0.1`. A form we do not know
/// stays as it came.
fn plain_name(reported: String) -> String {
    let inner = reported
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .or_else(|| {
            reported
                .strip_prefix("IpAddress(")
                .and_then(|r| r.strip_suffix(')'))
        });
    match inner {
        Some(name) => name.to_string(),
        None => reported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::AlertDescription;

    #[test]
    #[allow(deprecated)]
    fn webpki_errors_map_to_kinds() {
        use webpki::Error as E;
        let t = UnixTime::since_unix_epoch(core::time::Duration::from_secs(10));
        let u = UnixTime::since_unix_epoch(core::time::Duration::from_secs(20));
        let cases = [
            (E::BadDer, CertificateError::BadEncoding),
            (E::BadDerTime, CertificateError::BadEncoding),
            (E::UnknownIssuer, CertificateError::UnknownIssuer),
            (
                E::CertExpired {
                    time: u,
                    not_after: t,
                },
                CertificateError::Expired {
                    now: u,
                    not_after: t,
                },
            ),
            (
                E::CertNotValidYet {
                    time: t,
                    not_before: u,
                },
                CertificateError::NotValidYet {
                    now: t,
                    not_before: u,
                },
            ),
            (E::RequiredEkuNotFound, CertificateError::InvalidPurpose),
            (
                E::InvalidSignatureForPublicKey,
                CertificateError::BadSignature,
            ),
            (
                E::UnsupportedSignatureAlgorithm,
                CertificateError::UnsupportedSignatureAlgorithm,
            ),
            (
                E::UnsupportedSignatureAlgorithmForPublicKey,
                CertificateError::UnsupportedSignatureAlgorithm,
            ),
            (E::MaximumPathDepthExceeded, CertificateError::ChainTooLong),
        ];
        for (from, to) in cases {
            assert_eq!(map_webpki_error(from), to);
        }
        assert!(matches!(
            map_webpki_error(E::CaUsedAsEndEntity),
            CertificateError::Other(_)
        ));
    }

    #[test]
    fn names_read_as_people_write_them() {
        for (reported, plain) in [
            ("DnsName(\"example.com\")", "example.com"),
            ("DnsName(\"*.example.com\")", "*.example.com"),
            ("IpAddress(127.0.0.1)", "127.0.0.1"),
            ("IpAddress(::1)", "::1"),
            ("DirectoryName", "DirectoryName"),
        ] {
            assert_eq!(plain_name(reported.into()), plain);
        }
    }

    #[test]
    fn alerts_per_kind() {
        use CertificateError as C;
        let cases = [
            (C::Empty, AlertDescription::BAD_CERTIFICATE),
            (C::UnknownIssuer, AlertDescription::UNKNOWN_CA),
            (
                C::Expired {
                    now: UnixTime::now(),
                    not_after: UnixTime::now(),
                },
                AlertDescription::CERTIFICATE_EXPIRED,
            ),
            (
                C::NotValidYet {
                    now: UnixTime::now(),
                    not_before: UnixTime::now(),
                },
                AlertDescription::CERTIFICATE_EXPIRED,
            ),
            (
                C::NotValidForName {
                    expected: "a".into(),
                    presented: Vec::new(),
                },
                AlertDescription::BAD_CERTIFICATE,
            ),
            (C::InvalidPurpose, AlertDescription::UNSUPPORTED_CERTIFICATE),
            (C::BadSignature, AlertDescription::DECRYPT_ERROR),
            (
                C::UnsupportedSignatureAlgorithm,
                AlertDescription::UNSUPPORTED_CERTIFICATE,
            ),
            (C::BadEncoding, AlertDescription::BAD_CERTIFICATE),
            (C::ChainTooLong, AlertDescription::BAD_CERTIFICATE),
            (C::Other("x".into()), AlertDescription::BAD_CERTIFICATE),
        ];
        for (e, alert) in cases {
            assert_eq!(e.alert(), alert, "{e:?}");
        }
    }
}
