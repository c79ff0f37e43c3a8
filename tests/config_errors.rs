//! Configuration errors that carry their cause: the file that could not be
//! read and why, the suite name that is not known and the names that are, a
//! PEM file with nothing of the kind needed, an encrypted key; and messages
//! that read as sentences with `{}` while `{:?}` keeps the fields.

mod common;

use std::io::ErrorKind;

use common::openssl::TempDir;
use common::{KeyType, Pki};
use sanstls::config::CertifiedKey;
use sanstls::verify::RootCertStore;
use sanstls::{ConfigError, Error, ServerConfig};

fn config_error<T: std::fmt::Debug>(r: Result<T, Error>) -> ConfigError {
    match r {
        Err(Error::Config(e)) => e,
        other => panic!("not a configuration error: {other:?}"),
    }
}

#[test]
fn an_unknown_suite_name_lists_the_known_ones() {
    let pki = Pki::new(KeyType::P256);
    let mut sc = pki.server_config();
    let e = config_error(sc.set_suites_by_name(&["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA265"]));
    let ConfigError::UnknownSuite { name, known } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(name, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA265");
    assert!(known.contains(&"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    assert!(
        known.contains(&"TLS_RSA_WITH_AES_128_CBC_SHA"),
        "legacy names too"
    );
    let text = Error::Config(e.clone()).to_string();
    assert!(
        text.starts_with(
            "bad configuration: unknown cipher suite \"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA265\"; \
             the suites sanstls knows are TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "
        ),
        "{text}"
    );
    let mut cc = pki.client_config();
    assert_eq!(
        config_error(cc.set_suites_by_name(&["nonsense"])),
        ConfigError::UnknownSuite {
            name: "nonsense".into(),
            known: known.clone(),
        }
    );
}

#[test]
fn files_that_cannot_be_used_are_named() {
    let pki = Pki::new(KeyType::P256);
    let dir = TempDir::new("config-errors");
    dir.write("chain.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    let (chain, key) = (dir.path("chain.pem"), dir.path("key.pem"));
    // The good pair loads, for a server and as a client certificate.
    assert!(ServerConfig::from_pem_files(&chain, &key).is_ok());
    let mut cc = pki.client_config();
    assert!(cc.set_client_cert_from_pem_files(&chain, &key).is_ok());

    // A file that is not there: the path and the operating system's words.
    let missing = dir.path("missing.pem");
    match config_error(ServerConfig::from_pem_files(&missing, &key)) {
        ConfigError::File {
            path,
            kind,
            message,
        } => {
            assert_eq!(path, missing);
            assert_eq!(kind, ErrorKind::NotFound);
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let text = config_error(ServerConfig::from_pem_files(&chain, &missing)).to_string();
    assert!(
        text.starts_with(&format!("cannot read {}: ", missing.display())),
        "{text}"
    );

    // The key where the chain should be, and the chain where the key should.
    assert_eq!(
        config_error(ServerConfig::from_pem_files(&key, &key)),
        ConfigError::Pem {
            path: Some(key.clone()),
            wanted: "certificate",
            problem: "the file holds no certificate block".into(),
        }
    );
    let e = config_error(ServerConfig::from_pem_files(&chain, &chain));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: no private key found: the file holds no private key block",
            chain.display()
        )
    );

    // An encrypted key (as `openssl pkcs8 -topk8 -v2 aes256` writes one):
    // named as such, not as a missing key.
    dir.write(
        "encrypted.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let encrypted = dir.path("encrypted.pem");
    let e = config_error(CertifiedKey::from_pem_files(&chain, &encrypted));
    assert_eq!(
        e,
        ConfigError::EncryptedKey {
            path: Some(encrypted.clone())
        }
    );
    assert!(
        e.to_string().contains("the private key is encrypted"),
        "{e}"
    );

    // Root files too.
    let mut roots = RootCertStore::new();
    assert!(matches!(
        config_error(roots.add_pem_file(&missing)),
        ConfigError::File { .. }
    ));
    assert!(matches!(
        config_error(roots.add_pem_file(&key)),
        ConfigError::Pem {
            wanted: "certificate",
            ..
        }
    ));
    assert_eq!(roots.add_pem_file(&chain).unwrap(), 1);
}

#[test]
fn a_sentence_with_display_and_the_fields_with_debug() {
    let e = Error::Config(ConfigError::Invalid("no cipher suites"));
    assert_eq!(e.to_string(), "bad configuration: no cipher suites");
    assert_eq!(format!("{e:?}"), "Config(Invalid(\"no cipher suites\"))");
}

#[test]
fn an_empty_root_store_is_refused_before_the_first_connection() {
    use sanstls::pki_types::ServerName;
    use sanstls::{ClientConfig, Connection};
    use std::sync::Arc;
    let config = Arc::new(ClientConfig::new(RootCertStore::new()));
    let name = ServerName::try_from("localhost").unwrap();
    let e = config_error(Connection::new_client(config, name.clone()));
    assert!(e.to_string().starts_with("the root store is empty"), "{e}");
    // One root is enough, and a verifier without a fixed set is not asked.
    let pki = Pki::new(KeyType::P256);
    assert!(Connection::new_client(Arc::new(pki.client_config()), name.clone()).is_ok());
    let danger =
        ClientConfig::with_verifier(Arc::new(sanstls::verify::danger::NoServerVerification));
    assert!(Connection::new_client(Arc::new(danger), name).is_ok());
}
