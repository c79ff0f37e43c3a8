//! Verifiers that do not verify. Using one gives up the authentication TLS
//! exists to provide (RFC 5246 §1: "The peer's identity can be
//! authenticated"); an active attacker can then read and change all traffic.
//! They are here for tests and for callers who check the peer's key some
//! other way (pinning) after the handshake.

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::ServerCertVerifier;
use crate::error::CertificateError;

/// Accepts every server certificate chain, for every name, at every time.
///
/// The handshake signature is still checked against the end-entity key
/// (that is the state machine's job, not the verifier's), so the peer must
/// hold the private key of the certificate it sent — but nothing says that
/// certificate belongs to the server you meant to reach.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoServerVerification;

impl ServerCertVerifier for NoServerVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _now: UnixTime,
    ) -> Result<(), CertificateError> {
        Ok(())
    }
}
