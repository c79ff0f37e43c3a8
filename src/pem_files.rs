//! Certificates and private keys read from PEM files (parsed by
//! `rustls_pki_types::pem`), with errors that name the file and say what was
//! wrong: it could not be read, it holds no block of the kind needed, or its
//! key is encrypted. Used by `CertifiedKey::from_pem_files` and
//! `RootCertStore::add_pem_file`.

use std::path::Path;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{ConfigError, Error};

/// Every `CERTIFICATE` block of the file, in order; none at all is an error.
pub(crate) fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, "certificate", e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, "certificate", e))?;
    if certs.is_empty() {
        return Err(pem_error(path, "certificate", pem::Error::NoItemsFound));
    }
    Ok(certs)
}

/// The first private key of the file (PKCS#8, SEC1 or PKCS#1). An
/// `ENCRYPTED PRIVATE KEY` block, which `rustls_pki_types` skips as a kind
/// it does not take, is named as such rather than as no key at all.
pub(crate) fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    match PrivateKeyDer::from_pem_file(path) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) if holds_encrypted_key(path) => {
            Err(Error::Config(ConfigError::EncryptedKey {
                path: Some(path.to_path_buf()),
            }))
        }
        Err(e) => Err(pem_error(path, "private key", e)),
    }
}

/// Whether the file has an `ENCRYPTED PRIVATE KEY` section (RFC 7468 §11):
/// the label of its BEGIN line, nothing parsed.
fn holds_encrypted_key(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| {
        bytes
            .windows(ENCRYPTED_BEGIN.len())
            .any(|w| w == ENCRYPTED_BEGIN)
    })
}

const ENCRYPTED_BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";

/// The configuration error for a PEM failure on `path`.
fn pem_error(path: &Path, wanted: &'static str, e: pem::Error) -> Error {
    Error::Config(match e {
        pem::Error::Io(io) => ConfigError::File {
            path: path.to_path_buf(),
            kind: io.kind(),
            message: io.to_string(),
        },
        pem::Error::NoItemsFound => ConfigError::Pem {
            path: Some(path.to_path_buf()),
            wanted,
            problem: format!("the file holds no {wanted} block"),
        },
        other => ConfigError::Pem {
            path: Some(path.to_path_buf()),
            wanted,
            problem: format!("the PEM does not decode ({other})"),
        },
    })
}
