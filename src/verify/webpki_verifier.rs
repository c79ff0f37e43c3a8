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
#[derive(Debug, Clone)]
pub struct WebPkiServerVerifier {
    roots: Arc<RootCertStore>,
}

impl WebPkiServerVerifier {
    /// A verifier trusting exactly `roots`.
    pub fn new(roots: Arc<RootCertStore>) -> Self {
        WebPkiServerVerifier { roots }
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
