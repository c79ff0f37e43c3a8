//! The legacy suites (feature `legacy`) under each interop peer's names,
//! configurations that offer or accept exactly one of them, and what both
//! legacy interop test files need: the server's PKI in a scratch directory,
//! RFC 7919 parameter files for `s_server -dhparam`, and a lock that runs
//! one peer at a time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use sanstls::suites::KeyExchangeKind;
use sanstls::{ClientConfig, ServerConfig};

use super::gnutls::{self, gnutls_available};
use super::openssl::{openssl_available, TempDir};
use super::{KeyType, Pki};

/// One legacy suite under each peer's names.
pub struct Suite {
    pub iana: &'static str,
    pub openssl: &'static str,
    /// GnuTLS's key exchange and cipher names, for [`gnutls::priority`].
    pub gnutls_kx: &'static str,
    pub gnutls_cipher: &'static str,
    /// The name GnuTLS logs when it selects the suite (`-d 4`).
    pub gnutls: &'static str,
}

/// Every suite of `sanstls::suites::LEGACY_SUITES`.
pub const SUITES: [Suite; 5] = [
    Suite {
        iana: "TLS_RSA_WITH_AES_128_GCM_SHA256",
        openssl: "AES128-GCM-SHA256",
        gnutls_kx: "RSA",
        gnutls_cipher: "AES-128-GCM",
        gnutls: "GNUTLS_RSA_AES_128_GCM_SHA256",
    },
    Suite {
        iana: "TLS_RSA_WITH_AES_256_GCM_SHA384",
        openssl: "AES256-GCM-SHA384",
        gnutls_kx: "RSA",
        gnutls_cipher: "AES-256-GCM",
        gnutls: "GNUTLS_RSA_AES_256_GCM_SHA384",
    },
    Suite {
        iana: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        openssl: "DHE-RSA-AES128-GCM-SHA256",
        gnutls_kx: "DHE-RSA",
        gnutls_cipher: "AES-128-GCM",
        gnutls: "GNUTLS_DHE_RSA_AES_128_GCM_SHA256",
    },
    Suite {
        iana: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        openssl: "DHE-RSA-AES256-GCM-SHA384",
        gnutls_kx: "DHE-RSA",
        gnutls_cipher: "AES-256-GCM",
        gnutls: "GNUTLS_DHE_RSA_AES_256_GCM_SHA384",
    },
    Suite {
        iana: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        openssl: "DHE-RSA-CHACHA20-POLY1305",
        gnutls_kx: "DHE-RSA",
        gnutls_cipher: "CHACHA20-POLY1305",
        gnutls: "GNUTLS_DHE_RSA_CHACHA20_POLY1305",
    },
];

/// TLS_RSA_WITH_AES_128_GCM_SHA256.
pub const RSA_AES128: &Suite = &SUITES[0];
/// TLS_DHE_RSA_WITH_AES_128_GCM_SHA256.
pub const DHE_AES128: &Suite = &SUITES[2];
/// TLS_DHE_RSA_WITH_AES_256_GCM_SHA384.
pub const DHE_AES256: &Suite = &SUITES[3];

impl Suite {
    pub fn kx(&self) -> KeyExchangeKind {
        sanstls::suites::by_name(self.iana).unwrap().kx
    }

    pub fn is_dhe(&self) -> bool {
        self.kx() == KeyExchangeKind::Dhe
    }

    /// The GnuTLS priority string naming this suite, with `groups`.
    pub fn gnutls_priority(&self, groups: &str) -> String {
        gnutls::priority(self.gnutls_kx, self.gnutls_cipher, groups)
    }

    /// `cc` offering only this suite, with its key exchange allowed.
    pub fn client(&self, mut cc: ClientConfig) -> ClientConfig {
        cc.allow_rsa_key_transport = self.kx() == KeyExchangeKind::Rsa;
        cc.allow_ffdhe = self.is_dhe();
        cc.set_suites_by_name(&[self.iana]).unwrap();
        cc
    }

    /// `sc` accepting only this suite, with its key exchange allowed.
    pub fn server(&self, mut sc: ServerConfig) -> ServerConfig {
        sc.allow_rsa_key_transport = self.kx() == KeyExchangeKind::Rsa;
        sc.allow_ffdhe = self.is_dhe();
        sc.set_suites_by_name(&[self.iana]).unwrap();
        sc
    }
}

/// An RSA-2048 server PKI written to a scratch directory (removed on
/// drop): `cert.pem`, `key.pem`, `ca.pem`; with OpenSSL as the peer also
/// `ffdhe2048.pem` and `ffdhe3072.pem`, RFC 7919 groups as DH parameters
/// for `s_server -dhparam`.
pub struct PeerFiles {
    pub dir: TempDir,
    pub pki: Pki,
}

impl PeerFiles {
    pub fn new() -> PeerFiles {
        let dir = TempDir::new("sanstls-legacy");
        let pki = Pki::new(KeyType::Rsa2048);
        dir.write("cert.pem", &pki.chain_pem);
        dir.write("key.pem", &pki.key_pem);
        dir.write("ca.pem", pki.ca_pem());
        PeerFiles { dir, pki }
    }

    /// `None` (after printing SKIPPED) without an `openssl` binary.
    pub fn for_openssl() -> Option<PeerFiles> {
        if !openssl_available() {
            println!("SKIPPED: openssl not found");
            return None;
        }
        let files = PeerFiles::new();
        for group in ["ffdhe2048", "ffdhe3072"] {
            write_ffdhe_params(group, &files.path(&format!("{group}.pem")));
        }
        Some(files)
    }

    /// `None` (after printing SKIPPED) without gnutls-serv and gnutls-cli.
    pub fn for_gnutls() -> Option<PeerFiles> {
        if !gnutls_available() {
            println!("SKIPPED: gnutls-serv/gnutls-cli not found");
            return None;
        }
        Some(PeerFiles::new())
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path(name)
    }

    /// `path(name)` as a string, for command lines.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// Our client offering only `suite`, trusting the server's CA.
    pub fn client(&self, suite: &Suite) -> ClientConfig {
        suite.client(self.pki.client_config())
    }

    /// Our server accepting only `suite`, with the RSA certificate.
    pub fn server(&self, suite: &Suite) -> ServerConfig {
        suite.server(self.pki.server_config())
    }
}

/// Writes the RFC 7919 group `group` (`ffdhe2048`, ...) as DH parameters
/// to `out`, for `s_server -dhparam` (OpenSSL's own parameters, without
/// `-dhparam`, are RFC 3526's 2048-bit MODP group).
pub fn write_ffdhe_params(group: &str, out: &Path) {
    let status = Command::new("openssl")
        .args(["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt"])
        .arg(format!("group:{group}"))
        .arg("-out")
        .arg(out)
        .status()
        .expect("run openssl genpkey");
    assert!(status.success(), "openssl genpkey {group}: {status}");
}

/// Runs one peer at a time within a test binary; a failed test leaves the
/// lock usable.
pub fn one_peer_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
