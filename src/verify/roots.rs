//! The trust anchors a default verifier builds paths to.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::map_webpki_error;
use crate::error::Error;

/// A set of trust anchors (RFC 5280 §6.1.1 (d)): the subject, public key and
/// name constraints of each root, extracted by rustls-webpki and owned, so
/// the store is `'static` and can be shared behind an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct RootCertStore {
    roots: Vec<TrustAnchor<'static>>,
}

impl RootCertStore {
    /// An empty store. A verifier over an empty store refuses every chain
    /// with `UnknownIssuer`.
    pub fn new() -> Self {
        RootCertStore { roots: Vec::new() }
    }

    /// Adds one trusted root certificate (DER).
    ///
    /// webpki takes only what a trust anchor needs (RFC 5280 §6.1.1 (d)):
    /// the root's own validity period and signature are deliberately not
    /// checked — being configured is what makes it trusted. A certificate
    /// webpki cannot parse is refused as `InvalidCertificate(BadEncoding)`.
    pub fn add(&mut self, cert: CertificateDer<'_>) -> Result<(), Error> {
        let anchor = webpki::anchor_from_trusted_cert(&cert)
            .map_err(|e| Error::InvalidCertificate(map_webpki_error(e)))?;
        self.roots.push(anchor.to_owned());
        Ok(())
    }

    /// Adds every `CERTIFICATE` block of a PEM file and returns how many were
    /// added. Other PEM blocks (keys, CRLs) are skipped. The file is parsed
    /// by `rustls_pki_types::pem`; any unreadable block or unparsable
    /// certificate fails the whole call, leaving the store unchanged.
    pub fn add_pem_file(&mut self, path: impl AsRef<Path>) -> Result<usize, Error> {
        let iter = CertificateDer::pem_file_iter(path)
            .map_err(|_| Error::Config("cannot read PEM root certificate file"))?;
        let certs = iter
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Error::Config("malformed PEM in root certificate file"))?;
        self.add_all(certs)
    }

    /// A store holding every `CERTIFICATE` block of PEM text.
    pub fn from_pem_bytes(pem: &[u8]) -> Result<Self, Error> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Error::Config("malformed PEM in root certificates"))?;
        let mut store = RootCertStore::new();
        store.add_all(certs)?;
        Ok(store)
    }

    /// Adds all of `certs` or none of them.
    fn add_all(&mut self, certs: Vec<CertificateDer<'_>>) -> Result<usize, Error> {
        let before = self.roots.len();
        for cert in certs {
            if let Err(e) = self.add(cert) {
                self.roots.truncate(before);
                return Err(e);
            }
        }
        Ok(self.roots.len() - before)
    }

    /// How many trust anchors the store holds.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether the store holds no trust anchor.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The DER-encoded subject `Name` of each anchor, as a
    /// `DistinguishedName` of CertificateRequest (RFC 5246 §7.4.4) carries
    /// it. webpki keeps the *contents* of the Name's SEQUENCE, so the
    /// SEQUENCE header is put back here.
    pub fn subjects(&self) -> Vec<Vec<u8>> {
        self.roots
            .iter()
            .map(|ta| der_sequence(ta.subject.as_ref()))
            .collect()
    }

    /// The anchors, for path building.
    pub(crate) fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.roots
    }
}

/// Wraps `content` in a DER SEQUENCE header (X.690 §8.1.3 definite length).
fn der_sequence(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    crate::crypto::sign::der_tlv(&mut out, 0x30, content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_sequence_lengths() {
        assert_eq!(der_sequence(&[]), vec![0x30, 0]);
        assert_eq!(der_sequence(&[1; 0x7f])[..2], [0x30, 0x7f]);
        assert_eq!(der_sequence(&[1; 0x80])[..3], [0x30, 0x81, 0x80]);
        assert_eq!(der_sequence(&[1; 0x1234])[..4], [0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn garbage_refused() {
        let mut store = RootCertStore::new();
        assert_eq!(
            store.add(CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])),
            Err(Error::InvalidCertificate(
                crate::error::CertificateError::BadEncoding
            ))
        );
        assert!(store.is_empty());
        assert!(RootCertStore::from_pem_bytes(
            b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"
        )
        .is_err());
        assert_eq!(RootCertStore::from_pem_bytes(b"").unwrap().len(), 0);
        assert!(store.add_pem_file("/nonexistent/roots.pem").is_err());
    }
}
