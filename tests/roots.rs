//! Where trust roots come from (issue 14, item 3): trust anchors as they
//! are (webpki-roots' compiled-in set, anchors made with
//! `webpki::anchor_from_trusted_cert`), the lenient bulk add, and the
//! platform's store through rustls-native-certs.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{KeyType, Pair, Pki};
use sanstls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use sanstls::verify::{RootCertStore, ServerCertVerifier, WebPkiServerVerifier};
use sanstls::{CertificateError, ClientConfig};

/// 2030-01-01T00:00:00Z: inside the default rcgen validity (1975..4096).
fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_893_456_000))
}

/// Verifies `pki`'s chain for "localhost" against `roots`.
fn verify(roots: RootCertStore, pki: &Pki) -> Result<(), CertificateError> {
    WebPkiServerVerifier::new(Arc::new(roots)).verify_server_cert(
        &pki.chain[0],
        &pki.chain[1..],
        &ServerName::try_from("localhost").unwrap(),
        now(),
    )
}

/// The trust anchor of a CA certificate, made the way a program holding anchors
/// (not certificates) would make it.
fn anchor(ca: &CertificateDer<'_>) -> TrustAnchor<'static> {
    webpki::anchor_from_trusted_cert(ca).unwrap().to_owned()
}

#[test]
fn webpki_roots_build_a_verifier_that_does_not_know_our_ca() {
    let store = RootCertStore::webpki_roots();
    assert_eq!(store.len(), webpki_roots::TLS_SERVER_ROOTS.len());
    assert!(store.len() > 100, "only {} roots", store.len());
    // Every root's subject goes out as a CertificateRequest hint.
    assert_eq!(store.subjects().len(), store.len());

    // The same anchors three ways: owned, borrowed, collected.
    let mut owned = RootCertStore::new();
    owned.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut borrowed = RootCertStore::new();
    borrowed.extend(webpki_roots::TLS_SERVER_ROOTS);
    let collected: RootCertStore = webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
    for other in [&owned, &borrowed, &collected] {
        assert_eq!(other.subjects(), store.subjects());
    }

    let pki = Pki::new(KeyType::P256);
    assert_eq!(verify(store, &pki), Err(CertificateError::UnknownIssuer));
}

#[test]
fn anchor_from_our_ca_verifies_our_chain() {
    let pki = Pki::new(KeyType::P256);
    let mut store = RootCertStore::new();
    store.extend([anchor(&pki.ca_der)]);
    assert_eq!(store.len(), 1);
    // The same subject as when the certificate itself is added.
    assert_eq!(store.subjects(), pki.roots().subjects());
    assert_eq!(verify(store.clone(), &pki), Ok(()));

    // Beside Mozilla's roots, it still does.
    let mut both = RootCertStore::webpki_roots();
    both.extend([anchor(&pki.ca_der)]);
    assert_eq!(verify(both, &pki), Ok(()));

    // And in a handshake.
    let mut pair = Pair::new(ClientConfig::new(store), pki.server_config());
    let (client, server) = pair.handshake();
    client.unwrap();
    server.unwrap();

    // Another CA's anchor does not. (Another CA of the same name would
    // fail on the signature instead: path building matches issuers by name.)
    let other = common::ca("another test CA");
    let store: RootCertStore = [anchor(other.der())].into_iter().collect();
    assert_eq!(verify(store, &pki), Err(CertificateError::UnknownIssuer));
}

#[test]
fn lenient_add_counts_what_it_took_and_what_it_skipped() {
    let (a, b) = (Pki::new(KeyType::P256), Pki::new(KeyType::Ed25519));
    let garbage = CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]);
    let empty = CertificateDer::from(Vec::new());

    let mut store = RootCertStore::new();
    let counts = store.add_parsable_certificates([
        garbage.clone(),
        a.ca_der.clone(),
        empty.clone(),
        b.ca_der.clone(),
    ]);
    assert_eq!(counts, (2, 2));
    assert_eq!(store.len(), 2);
    assert_eq!(verify(store.clone(), &a), Ok(()));
    assert_eq!(verify(store.clone(), &b), Ok(()));

    // Nothing to take, nothing taken; the store keeps what it had.
    assert_eq!(store.add_parsable_certificates([garbage.clone()]), (0, 1));
    assert_eq!(store.add_parsable_certificates(Vec::new()), (0, 0));
    assert_eq!(store.len(), 2);

    // The strict add still refuses what the lenient one skips.
    assert!(store.add(garbage).is_err());
    assert_eq!(store.len(), 2);
}

#[test]
fn native_roots_load_or_say_why_not() {
    // Whatever this machine's store holds (SSL_CERT_FILE and SSL_CERT_DIR
    // override it): Debian's ca-certificates gives about 140 roots; without
    // it the store is empty and the call says so.
    match RootCertStore::native_roots() {
        Ok((store, report)) => {
            assert!(report.accepted > 0);
            assert_eq!(store.len(), report.accepted);
            assert_eq!(store.subjects().len(), store.len());
            let shown = report.to_string();
            assert!(
                shown.starts_with(&format!(
                    "platform root store: {} accepted, {} rejected",
                    report.accepted, report.rejected
                )),
                "{shown}"
            );
            eprintln!("native roots: {report}");
            for e in &report.errors {
                eprintln!("  {e}");
            }
            // A private CA is not among them.
            let pki = Pki::new(KeyType::P256);
            assert_eq!(verify(store, &pki), Err(CertificateError::UnknownIssuer));
        }
        Err(report) => {
            assert_eq!(report.accepted, 0);
            let shown = report.to_string();
            assert!(
                shown.starts_with("platform root store: no usable root certificate"),
                "{shown}"
            );
            eprintln!("SKIPPED (the platform store is empty here): {report}");
        }
    }
}
