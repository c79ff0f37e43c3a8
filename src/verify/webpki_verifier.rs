//! The default verifiers: RFC 5280 path building to a [`RootCertStore`] with
//! rustls-webpki, plus the extended key usage and name checks TLS needs.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::{map_webpki_error, ClientCertVerifier, RootCertStore, ServerCertVerifier};
use crate::error::CertificateError;

/// Builds a path from `end_entity` through `intermediates` to one of `roots`,
/// checking validity periods, signatures, basic constraints, name
/// constraints and the extended key usage `usage` (RFC 5280 §6,
/// §4.2.1.12). Revocation is not checked: we take no CRLs.
///
/// The server verifier's cache of verified chains (`chain_cache.rs`)
/// relies on this verdict depending on nothing but the chain, the name,
/// the roots and the time, and on the time only through the certificates'
/// validity periods: a change here that adds an input (CRLs, a policy
/// option) must add it to the cache's key, or turn the cache off.
///
/// The work is bounded twice: a Certificate message holds at most
/// [`crate::limits::MAX_CERT_CHAIN_LEN`] certificates (the decoder refuses
/// more), and webpki budgets its own path building (signature checks and
/// path depth) whatever it is given.
fn verify_chain<'a>(
    roots: &RootCertStore,
    end_entity: &'a CertificateDer<'a>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: webpki::KeyUsage,
) -> Result<webpki::EndEntityCert<'a>, CertificateError> {
    let cert = webpki::EndEntityCert::try_from(end_entity).map_err(map_webpki_error)?;
    cert.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        roots.anchors(),
        intermediates,
        now,
        usage,
        None,
        None,
    )
    .map_err(map_webpki_error)?;
    Ok(cert)
}

/// Verifies server certificates against a set of roots: a valid path for
/// the `serverAuth` purpose (RFC 5280 §4.2.1.12), and a subjectAltName that
/// matches the DNS name or IP address we connected to (RFC 6125 §6; webpki
/// does not fall back to the subject's common name).
///
/// With the `std` feature it keeps the chains it accepted in a bounded
/// cache, and accepts the same chain for the same name again without
/// verifying it while the time stays inside every certificate's validity
/// period, for at most an hour by default
/// ([`ChainCacheConfig`](super::ChainCacheConfig); SECURITY.md argues why
/// the verdict cannot differ). A clone shares the roots and the cache.
/// The handshake's signature is checked on every handshake all the same:
/// the verifier has no part in it.
#[derive(Debug, Clone)]
pub struct WebPkiServerVerifier {
    roots: Arc<RootCertStore>,
    #[cfg(feature = "std")]
    cache: Option<Arc<super::chain_cache::ChainCache>>,
}

impl WebPkiServerVerifier {
    /// A verifier trusting exactly `roots`; with the `std` feature, with a
    /// cache of verified chains of the default bounds
    /// ([`ChainCacheConfig::default`](super::ChainCacheConfig)).
    pub fn new(roots: Arc<RootCertStore>) -> Self {
        #[cfg(feature = "std")]
        return Self::with_chain_cache(roots, Some(super::ChainCacheConfig::default()));
        #[cfg(not(feature = "std"))]
        return WebPkiServerVerifier { roots };
    }

    /// A verifier trusting exactly `roots`, with a cache of verified chains
    /// bounded by `cache`, or none (every chain verified in full) for
    /// `None`. Feature `std`.
    #[cfg(feature = "std")]
    pub fn with_chain_cache(
        roots: Arc<RootCertStore>,
        cache: Option<super::ChainCacheConfig>,
    ) -> Self {
        WebPkiServerVerifier {
            roots,
            cache: cache
                .and_then(super::chain_cache::ChainCache::new)
                .map(Arc::new),
        }
    }

    /// What the cache of verified chains has done, or `None` when this
    /// verifier has none. Feature `std`.
    #[cfg(feature = "std")]
    pub fn chain_cache_stats(&self) -> Option<super::ChainCacheStats> {
        self.cache.as_ref().map(|c| c.stats())
    }

    /// The verification itself, without the cache.
    fn verify_in_full(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), CertificateError> {
        let cert = verify_chain(
            &self.roots,
            end_entity,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
        )?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(map_webpki_error)
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), CertificateError> {
        #[cfg(feature = "std")]
        if let Some(cache) = &self.cache {
            return cache.verify(end_entity, intermediates, server_name, now, || {
                self.verify_in_full(end_entity, intermediates, server_name, now)
            });
        }
        self.verify_in_full(end_entity, intermediates, server_name, now)
    }

    fn trust_anchor_count(&self) -> Option<usize> {
        Some(self.roots.len())
    }
}

/// Verifies client certificates against a set of roots: a valid path for
/// the `clientAuth` purpose (RFC 5280 §4.2.1.12). No name is checked; what a
/// client's identity means is up to the application.
#[derive(Debug, Clone)]
pub struct WebPkiClientVerifier {
    roots: Arc<RootCertStore>,
}

impl WebPkiClientVerifier {
    /// A verifier trusting exactly `roots`, whose subjects are also sent as
    /// the CertificateRequest's `certificate_authorities`.
    pub fn new(roots: Arc<RootCertStore>) -> Self {
        WebPkiClientVerifier { roots }
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), CertificateError> {
        verify_chain(
            &self.roots,
            end_entity,
            intermediates,
            now,
            webpki::KeyUsage::client_auth(),
        )
        .map(|_| ())
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.roots.subjects()
    }
}
