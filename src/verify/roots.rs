//! The trust anchors a default verifier builds paths to, and where they
//! come from: certificates (DER or PEM), ready-made anchors such as
//! webpki-roots' (feature `webpki-roots`), or the platform's store (feature
//! `native-roots`).

use alloc::vec::Vec;
#[cfg(feature = "std")]
use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::map_webpki_error;
use crate::error::Error;

/// A set of trust anchors (RFC 5280 §6.1.1 (d)): the subject, public key and
/// name constraints of each root, extracted by rustls-webpki and owned, so
/// the store is `'static` and can be shared behind an `Arc`.
///
/// Filled from certificates, strictly ([`add`](Self::add),
/// [`add_pem_file`](Self::add_pem_file), [`from_pem_bytes`](Self::from_pem_bytes))
/// or leniently ([`add_parsable_certificates`](Self::add_parsable_certificates));
/// from ready-made [`TrustAnchor`]s with `extend` or `collect`; or from the
/// two usual sources behind cargo features, `webpki_roots()` (feature
/// `webpki-roots`) and `native_roots()` (feature `native-roots`).
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
    /// by `rustls_pki_types::pem`; a file that cannot be read or holds no
    /// certificate, any unreadable block or unparsable certificate fails
    /// the whole call (the error names the file), leaving the store
    /// unchanged.
    #[cfg(feature = "std")]
    pub fn add_pem_file(&mut self, path: impl AsRef<Path>) -> Result<usize, Error> {
        let certs = crate::pem_files::read_certificates(path.as_ref())?;
        self.add_all(certs)
    }

    /// A store holding every `CERTIFICATE` block of PEM text.
    pub fn from_pem_bytes(pem: &[u8]) -> Result<Self, Error> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Error::config("malformed PEM in root certificates"))?;
        let mut store = RootCertStore::new();
        store.add_all(certs)?;
        Ok(store)
    }

    /// Adds every certificate of `certs` that can be made into a trust
    /// anchor and skips the others; returns `(accepted, rejected)`, as
    /// rustls's method of the same name does.
    ///
    /// For stores a program does not control (the platform's, a system
    /// bundle), where one odd certificate should not make every other
    /// unusable. [`add`](Self::add) and [`add_pem_file`](Self::add_pem_file)
    /// stay strict for the roots a program chose itself.
    pub fn add_parsable_certificates<'a>(
        &mut self,
        certs: impl IntoIterator<Item = CertificateDer<'a>>,
    ) -> (usize, usize) {
        let (mut accepted, mut rejected) = (0, 0);
        for cert in certs {
            match self.add(cert) {
                Ok(()) => accepted += 1,
                Err(_) => rejected += 1,
            }
        }
        (accepted, rejected)
    }

    /// Mozilla's root certificates as compiled into the `webpki-roots`
    /// crate (feature `webpki-roots`): the set Firefox trusts for TLS
    /// servers, fixed when the program is built. Updating it means
    /// updating the crate and rebuilding; for roots an administrator
    /// manages, see `native_roots` (feature `native-roots`).
    ///
    /// ```
    /// use sanstls::verify::RootCertStore;
    ///
    /// let roots = RootCertStore::webpki_roots();
    /// assert!(roots.len() > 100);
    /// let config = sanstls::ClientConfig::new(roots);
    /// # let _ = config;
    /// ```
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots() -> Self {
        webpki_roots::TLS_SERVER_ROOTS.iter().collect()
    }

    /// The platform's root certificates, read now through
    /// rustls-native-certs (feature `native-roots`): on Linux and the BSDs
    /// the OpenSSL bundle and directory (on Debian, the `ca-certificates`
    /// package's `/etc/ssl/certs`), on macOS the keychain's trust settings,
    /// on Windows the system store. If the `SSL_CERT_FILE` or `SSL_CERT_DIR`
    /// environment variable is set, the certificates are read from there
    /// instead of the platform's store.
    ///
    /// Lenient like [`add_parsable_certificates`](Self::add_parsable_certificates):
    /// a certificate webpki cannot parse is counted in `rejected` and
    /// skipped, and a file or directory that cannot be read is kept in
    /// `errors`; the certificates that could be read are used. The result
    /// is `Ok` when at least one root was accepted; the report says what
    /// was skipped, for the caller to log. It is `Err` with the same report
    /// when none was: the platform store is empty (no `ca-certificates`
    /// installed, say) or unreadable, since a store without roots would
    /// refuse every server.
    ///
    /// Reading the store costs file I/O and parsing a few hundred
    /// certificates: call it once and share the config.
    ///
    /// ```no_run
    /// use sanstls::verify::RootCertStore;
    ///
    /// let (roots, report) = RootCertStore::native_roots()?;
    /// for error in &report.errors {
    ///     eprintln!("skipped part of the platform store: {error}");
    /// }
    /// let config = sanstls::ClientConfig::new(roots);
    /// # let _ = config;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "native-roots")]
    pub fn native_roots() -> Result<(Self, NativeRootsReport), NativeRootsReport> {
        let found = rustls_native_certs::load_native_certs();
        let mut store = RootCertStore::new();
        let (accepted, rejected) = store.add_parsable_certificates(found.certs);
        let report = NativeRootsReport {
            accepted,
            rejected,
            errors: found
                .errors
                .into_iter()
                .map(|e| Box::new(e) as Box<dyn core::error::Error + Send + Sync>)
                .collect(),
        };
        if store.is_empty() {
            Err(report)
        } else {
            Ok((store, report))
        }
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

/// Adds trust anchors as they are, as owned copies: the form webpki-roots
/// ships (`store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())`),
/// or anchors made elsewhere with `webpki::anchor_from_trusted_cert`. An
/// anchor is trusted as given: nothing about it is checked.
impl<'a> Extend<TrustAnchor<'a>> for RootCertStore {
    fn extend<I: IntoIterator<Item = TrustAnchor<'a>>>(&mut self, anchors: I) {
        self.roots
            .extend(anchors.into_iter().map(|ta| ta.to_owned()));
    }
}

/// As the owned form: `store.extend(webpki_roots::TLS_SERVER_ROOTS)`.
impl<'b, 'a: 'b> Extend<&'b TrustAnchor<'a>> for RootCertStore {
    fn extend<I: IntoIterator<Item = &'b TrustAnchor<'a>>>(&mut self, anchors: I) {
        self.roots
            .extend(anchors.into_iter().map(|ta| ta.to_owned()));
    }
}

/// A store holding exactly `anchors`.
impl<'a> FromIterator<TrustAnchor<'a>> for RootCertStore {
    fn from_iter<I: IntoIterator<Item = TrustAnchor<'a>>>(anchors: I) -> Self {
        let mut store = RootCertStore::new();
        store.extend(anchors);
        store
    }
}

/// As the owned form: `webpki_roots::TLS_SERVER_ROOTS.iter().collect()`.
impl<'b, 'a: 'b> FromIterator<&'b TrustAnchor<'a>> for RootCertStore {
    fn from_iter<I: IntoIterator<Item = &'b TrustAnchor<'a>>>(anchors: I) -> Self {
        let mut store = RootCertStore::new();
        store.extend(anchors);
        store
    }
}

/// What [`RootCertStore::native_roots`] found in the platform's store: how
/// many certificates became trust anchors, how many were skipped because
/// webpki could not parse them, and what could not be read at all (a
/// missing directory, an unreadable file, a PEM block that is not valid
/// base64).
///
/// It is also the error when no root at all was accepted; its `Display`
/// then says so.
#[derive(Debug)]
#[non_exhaustive]
#[cfg(feature = "native-roots")]
pub struct NativeRootsReport {
    /// Certificates added to the store.
    pub accepted: usize,
    /// Certificates read but skipped: not parsable as a trust anchor.
    pub rejected: usize,
    /// Parts of the store that could not be read (rustls-native-certs'
    /// errors, each naming the file or directory), in the order met.
    pub errors: Vec<Box<dyn core::error::Error + Send + Sync>>,
}

#[cfg(feature = "native-roots")]
impl core::fmt::Display for NativeRootsReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("platform root store: ")?;
        if self.accepted == 0 {
            f.write_str("no usable root certificate")?;
        } else {
            write!(f, "{} accepted", self.accepted)?;
        }
        write!(f, ", {} rejected as unparsable", self.rejected)?;
        match self.errors.as_slice() {
            [] => Ok(()),
            [one] => write!(f, "; could not read: {one}"),
            [first, rest @ ..] => {
                write!(f, "; could not read: {first} (and {} more)", rest.len())
            }
        }
    }
}

#[cfg(feature = "native-roots")]
impl core::error::Error for NativeRootsReport {}

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
