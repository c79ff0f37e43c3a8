//! The default certificate verifiers against chains made with rcgen, and
//! `danger::NoServerVerification` in real handshakes.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::wire::{
    edit_body, exchange_data, expect_client_fails, server_flight, SERVER_KEY_EXCHANGE,
};
use common::{KeyType, Pair, Pki};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use sanstls::internals::codec::enums::AlertDescription;
use sanstls::pki_types::{CertificateDer, ServerName, UnixTime};
use sanstls::verify::danger::NoServerVerification;
use sanstls::verify::{
    ClientCertVerifier, RootCertStore, ServerCertVerifier, WebPkiClientVerifier,
    WebPkiServerVerifier,
};
use sanstls::{CertificateError, ClientConfig, Error, ServerConfig};

/// 2030-01-01T00:00:00Z: inside the default rcgen validity (1975..4096).
fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_893_456_000))
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf_with(
    ca: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    eku: &[ExtendedKeyUsagePurpose],
    edit: impl FnOnce(&mut CertificateParams),
) -> CertificateDer<'static> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.extended_key_usages = eku.to_vec();
    edit(&mut params);
    let key = KeyPair::generate().unwrap();
    params.signed_by(&key, ca).unwrap().der().clone()
}

fn leaf(ca: &CertifiedIssuer<'static, KeyPair>, names: &[&str]) -> CertificateDer<'static> {
    leaf_with(ca, names, &[ExtendedKeyUsagePurpose::ServerAuth], |_| {})
}

fn roots(ca: &CertifiedIssuer<'static, KeyPair>) -> Arc<RootCertStore> {
    let mut store = RootCertStore::new();
    store.add(ca.der().clone()).unwrap();
    Arc::new(store)
}

fn server_check(
    roots: &Arc<RootCertStore>,
    cert: &CertificateDer<'_>,
    name: &str,
) -> Result<(), CertificateError> {
    let name = ServerName::try_from(name).unwrap();
    WebPkiServerVerifier::new(roots.clone()).verify_server_cert(cert, &[], &name, now())
}

#[test]
fn server_dns_and_ip_names() {
    let ca = ca("Test CA");
    let roots = roots(&ca);
    let dns = leaf(&ca, &["localhost"]);
    assert_eq!(server_check(&roots, &dns, "localhost"), Ok(()));
    // The error names what we asked for and what the certificate holds.
    let wrong = |expected: &str, presented: &[&str]| {
        Err(CertificateError::NotValidForName {
            expected: expected.into(),
            presented: presented.iter().map(|s| s.to_string()).collect(),
        })
    };
    assert_eq!(
        server_check(&roots, &dns, "example.com"),
        wrong("example.com", &["localhost"])
    );
    let ip = leaf(&ca, &["127.0.0.1"]);
    assert_eq!(server_check(&roots, &ip, "127.0.0.1"), Ok(()));
    assert_eq!(
        server_check(&roots, &ip, "127.0.0.2"),
        wrong("127.0.0.2", &["127.0.0.1"])
    );
    assert_eq!(
        server_check(&roots, &ip, "localhost"),
        wrong("localhost", &["127.0.0.1"])
    );
    assert_eq!(
        wrong("example.com", &["localhost", "127.0.0.1"])
            .unwrap_err()
            .to_string(),
        "the certificate is not valid for \"example.com\"; it is for localhost, 127.0.0.1"
    );
}

#[test]
fn server_through_intermediate() {
    let root = ca("Root");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "Intermediate");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let inter = CertifiedIssuer::signed_by(params, KeyPair::generate().unwrap(), &root).unwrap();
    let ee = leaf(&inter, &["localhost"]);
    let name = ServerName::try_from("localhost").unwrap();
    let v = WebPkiServerVerifier::new(roots(&root));
    assert_eq!(
        v.verify_server_cert(&ee, &[inter.der().clone()], &name, now()),
        Ok(())
    );
    assert_eq!(
        v.verify_server_cert(&ee, &[], &name, now()),
        Err(CertificateError::UnknownIssuer)
    );
    // Repeated intermediates cost webpki's path building nothing new.
    let repeated = vec![inter.der().clone(); sanstls::limits::MAX_CERT_CHAIN_LEN];
    assert_eq!(v.verify_server_cert(&ee, &repeated, &name, now()), Ok(()));
}

#[test]
fn server_validity_period() {
    let ca = ca("Test CA");
    let roots = roots(&ca);
    let expired = leaf_with(
        &ca,
        &["localhost"],
        &[ExtendedKeyUsagePurpose::ServerAuth],
        |p| {
            p.not_before = date_time_ymd(2000, 1, 1);
            p.not_after = date_time_ymd(2001, 1, 1);
        },
    );
    let at = |secs| UnixTime::since_unix_epoch(Duration::from_secs(secs));
    let expired_error = CertificateError::Expired {
        now: now(),
        // 2001-01-01 00:00:00 UTC.
        not_after: at(978_307_200),
    };
    assert_eq!(
        server_check(&roots, &expired, "localhost"),
        Err(expired_error.clone())
    );
    assert_eq!(
        expired_error.to_string(),
        "a certificate in the chain expired at 2001-01-01 00:00:00 UTC; \
         verified at 2030-01-01 00:00:00 UTC"
    );
    let future = leaf_with(
        &ca,
        &["localhost"],
        &[ExtendedKeyUsagePurpose::ServerAuth],
        |p| p.not_before = date_time_ymd(3000, 1, 1),
    );
    let early = CertificateError::NotValidYet {
        now: now(),
        // 3000-01-01 00:00:00 UTC.
        not_before: at(32_503_680_000),
    };
    assert_eq!(
        server_check(&roots, &future, "localhost"),
        Err(early.clone())
    );
    assert!(early
        .to_string()
        .starts_with("a certificate in the chain is valid only from 3000-01-01 00:00:00 UTC"));
}

#[test]
fn server_unknown_ca() {
    let ca1 = ca("Test CA");
    let ca2 = ca("Other CA");
    let cert = leaf(&ca2, &["localhost"]);
    assert_eq!(
        server_check(&roots(&ca1), &cert, "localhost"),
        Err(CertificateError::UnknownIssuer)
    );
    assert_eq!(
        server_check(&Arc::new(RootCertStore::new()), &cert, "localhost"),
        Err(CertificateError::UnknownIssuer)
    );
}

#[test]
fn server_garbage_is_bad_encoding() {
    let ca = ca("Test CA");
    let junk = CertificateDer::from(vec![0x30, 0x02, 0x05, 0x00]);
    assert_eq!(
        server_check(&roots(&ca), &junk, "localhost"),
        Err(CertificateError::BadEncoding)
    );
}

#[test]
fn server_refuses_client_only_leaf() {
    let ca = ca("Test CA");
    let cert = leaf_with(
        &ca,
        &["localhost"],
        &[ExtendedKeyUsagePurpose::ClientAuth],
        |_| {},
    );
    assert_eq!(
        server_check(&roots(&ca), &cert, "localhost"),
        Err(CertificateError::InvalidPurpose)
    );
}

#[test]
fn client_verifier_purposes() {
    let other_ca = ca("Stranger CA");
    let ca = ca("Client CA");
    let roots = roots(&ca);
    let v = WebPkiClientVerifier::new(roots.clone());
    let client = leaf_with(&ca, &[], &[ExtendedKeyUsagePurpose::ClientAuth], |p| {
        p.distinguished_name.push(DnType::CommonName, "alice");
    });
    assert_eq!(v.verify_client_cert(&client, &[], now()), Ok(()));
    let server_only = leaf(&ca, &["localhost"]);
    assert_eq!(
        v.verify_client_cert(&server_only, &[], now()),
        Err(CertificateError::InvalidPurpose)
    );
    let stranger = leaf_with(
        &other_ca,
        &[],
        &[ExtendedKeyUsagePurpose::ClientAuth],
        |_| {},
    );
    assert_eq!(
        v.verify_client_cert(&stranger, &[], now()),
        Err(CertificateError::UnknownIssuer)
    );
}

#[test]
fn root_hints_are_full_der_names() {
    let ca = ca("Hint CA");
    let v = WebPkiClientVerifier::new(roots(&ca));
    let hints = v.root_hint_subjects();
    assert_eq!(hints.len(), 1);
    let name = &hints[0];
    assert_eq!(name[0], 0x30);
    // The wrapped Name appears verbatim in the CA certificate (as issuer and subject).
    let der = ca.der().as_ref();
    assert!(der.windows(name.len()).any(|w| w == name.as_slice()));
}

#[test]
fn pem_loading() {
    let a = ca("A");
    let b = ca("B");
    let pem = format!("{}{}", a.pem(), b.pem());
    let store = RootCertStore::from_pem_bytes(pem.as_bytes()).unwrap();
    assert_eq!(store.len(), 2);
    assert!(!store.is_empty());
    assert_eq!(store.subjects().len(), 2);

    let dir = std::env::temp_dir().join(format!("sanstls-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roots.pem");
    std::fs::write(&path, &pem).unwrap();
    let mut store = RootCertStore::new();
    assert_eq!(store.add_pem_file(&path).unwrap(), 2);
    assert_eq!(store.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- danger::NoServerVerification, through real handshakes ----

/// What a client needs to know of one server: its configuration, the name
/// the client connects to, and how the default verifier refuses it.
struct Untrusted {
    what: &'static str,
    server: ServerConfig,
    name: &'static str,
    refusal: CertificateError,
    alert: AlertDescription,
}

/// Servers that the default verifier, trusting only `trusted`'s CA,
/// refuses for three different reasons.
fn untrusted_servers(trusted: &Pki) -> Vec<Untrusted> {
    let stranger_ca = common::ca("a CA the client does not trust");
    let (stranger, stranger_key) =
        common::leaf(&stranger_ca, KeyType::P256, &["localhost"], |_| {});
    let (expired, expired_key) = common::leaf(&trusted.ca, KeyType::P256, &["localhost"], |p| {
        p.not_before = date_time_ymd(2000, 1, 1);
        p.not_after = date_time_ymd(2001, 1, 1);
    });
    vec![
        Untrusted {
            what: "issued by a CA the client does not trust",
            server: ServerConfig::new(vec![stranger], &stranger_key).unwrap(),
            name: "localhost",
            refusal: CertificateError::UnknownIssuer,
            alert: AlertDescription::UNKNOWN_CA,
        },
        Untrusted {
            what: "expired in 2001",
            server: ServerConfig::new(vec![expired], &expired_key).unwrap(),
            name: "localhost",
            refusal: CertificateError::Expired {
                now: now(),
                not_after: UnixTime::since_unix_epoch(Duration::from_secs(978_307_200)),
            },
            alert: AlertDescription::CERTIFICATE_EXPIRED,
        },
        Untrusted {
            what: "for another name",
            server: trusted.server_config(),
            name: "example.com",
            refusal: CertificateError::NotValidForName {
                expected: "example.com".into(),
                presented: vec!["localhost".into(), "127.0.0.1".into()],
            },
            alert: AlertDescription::BAD_CERTIFICATE,
        },
    ]
}

fn danger_client() -> ClientConfig {
    ClientConfig::with_verifier(Arc::new(NoServerVerification))
}

#[test]
fn danger_completes_handshakes_the_default_verifier_refuses() {
    let trusted = Pki::new(KeyType::P256);
    for s in untrusted_servers(&trusted) {
        // The control: the default verifier refuses this server (at a fixed
        // time, which the expiry error reports).
        let mut cc = trusted.client_config();
        cc.time = Arc::new(sanstls::config::FixedTime(now()));
        let mut p = Pair::with_name(cc, s.server.clone(), s.name);
        expect_client_fails(&mut p, Error::InvalidCertificate(s.refusal), s.alert);

        // NoServerVerification accepts it, and the connection carries data.
        let mut p = Pair::with_name(danger_client(), s.server, s.name);
        p.expect_handshake();
        exchange_data(&mut p, s.what.as_bytes());
    }
}

#[test]
fn danger_still_checks_the_key_exchange_signature() {
    // NoServerVerification skips the chain, not the proof of possession
    // (src/verify/danger.rs): a ServerKeyExchange whose signature does not
    // verify under the certificate's key is refused all the same.
    let trusted = Pki::new(KeyType::P256);
    for s in untrusted_servers(&trusted) {
        let mut p = Pair::with_name(danger_client(), s.server, s.name);
        server_flight(&mut p);
        edit_body(&mut p.to_client, SERVER_KEY_EXCHANGE, |b| {
            let n = b.len();
            b[n - 3] ^= 1;
        });
        expect_client_fails(&mut p, Error::BadSignature, AlertDescription::DECRYPT_ERROR);
    }
}
