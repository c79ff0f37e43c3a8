//! A plain loop for profilers (callgrind, `perf record -e cpu-clock`), not a
//! timing bench: N full handshakes, or N RSA decryptions, of one library.
//!
//! `cargo bench --bench legacy_profile -- LIB WHAT N` with LIB `sanstls` or
//! `openssl`, WHAT `rsa_kx`, `dhe_ffdhe2048`, `ecdhe_x25519` or `decrypt`;
//! with no arguments it runs every combination once (a smoke test). Under
//! valgrind: `valgrind --tool=callgrind target/release/deps/legacy_profile-*
//! sanstls dhe_ffdhe2048 20`.

mod common;

use common::*;
use sanstls::enums::ProtocolVersion;

fn run(lib: &str, what: &str, n: usize) {
    let pki = Pki::new();
    if what == "decrypt" {
        let theirs = openssl::rsa::Rsa::private_key_from_pem(RSA_KEY_PEM.as_bytes()).unwrap();
        let mut ciphertext = vec![0; 256];
        let mut pre_master = [0x5au8; 48];
        pre_master[..2].copy_from_slice(&[3, 3]);
        theirs
            .public_encrypt(&pre_master, &mut ciphertext, openssl::rsa::Padding::PKCS1)
            .unwrap();
        match lib {
            "sanstls" => {
                let ours = sanstls::internals::crypto::rsa_kx::RsaDecryptingKey::from_der(&pki.key)
                    .unwrap()
                    .unwrap();
                for _ in 0..n {
                    let pm = ours
                        .decrypt_pre_master(&ciphertext, ProtocolVersion::TLSV1_2)
                        .unwrap();
                    assert_eq!(pm.as_bytes(), pre_master);
                }
            }
            _ => {
                let mut out = vec![0; 256];
                for _ in 0..n {
                    theirs
                        .private_decrypt(&ciphertext, &mut out, openssl::rsa::Padding::PKCS1)
                        .unwrap();
                }
            }
        }
        return;
    }
    let kx = Kx::parse(what).unwrap_or_else(|| panic!("unknown WHAT {what}"));
    match lib {
        "sanstls" => {
            let pair = sanstls_pair(&pki, kx);
            let mut wire = Vec::new();
            for _ in 0..n {
                pair.handshake(&mut wire);
            }
        }
        _ => {
            let pair = openssl_pair(&pki, kx);
            for _ in 0..n {
                pair.handshake();
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.as_slice() {
        [lib, what, n] => run(lib, what, n.parse().unwrap()),
        _ => {
            for lib in ["sanstls", "openssl"] {
                for what in ["rsa_kx", "dhe_ffdhe2048", "ecdhe_x25519", "decrypt"] {
                    run(lib, what, 1);
                }
            }
        }
    }
}
