//! The legacy key exchanges beside OpenSSL 3, in one run: full handshakes
//! per second with RSA key transport, with DHE over ffdhe2048 and, as the
//! anchor, with ECDHE over X25519 (all RSA-2048, AES-128-GCM); the RSA
//! decryption of the pre-master secret on its own; and the pieces the
//! handshakes are made of (one ffdhe2048 exponentiation, one RSA-2048
//! signature), to show where the time goes.
//!
//! `cd benches/openssl && cargo bench --bench legacy`

mod common;

use common::*;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use openssl::rsa::{Padding, Rsa};
use sanstls::enums::{NamedGroup, ProtocolVersion};
use sanstls::internals::crypto::ffdhe::{DhGroup, DhKeyExchange};
use sanstls::internals::crypto::rsa_kx::RsaDecryptingKey;

fn handshakes(c: &mut Criterion<CpuTime>) {
    let pki = Pki::new();
    println!("OpenSSL: {}", openssl::version::version());
    let mut g = c.benchmark_group("legacy_handshake");
    for kx in ALL_KX {
        let s = sanstls_pair(&pki, kx);
        let o = openssl_pair(&pki, kx);
        println!("sanstls {}: {}", kx.label(), s.describe());
        println!("openssl {}: {}", kx.label(), o.describe(kx));
        let mut wire = Vec::new();
        g.bench_function(format!("sanstls/{}", kx.label()), |b| {
            b.iter(|| s.handshake(&mut wire))
        });
        g.bench_function(format!("openssl/{}", kx.label()), |b| {
            b.iter(|| o.handshake())
        });
    }
    g.finish();
}

/// The server's RSA-2048 decryption of one ClientKeyExchange: sanstls's
/// `decrypt_pre_master` (blinded, constant-time checks and selection)
/// beside OpenSSL's `RSA_private_decrypt` with PKCS#1 v1.5 padding, on the
/// same ciphertext; and the `rsa` crate's raw operation under it, with and
/// without its blinding, to show what the blinding costs.
fn rsa_decrypt(c: &mut Criterion<CpuTime>) {
    let pki = Pki::new();
    let ours = RsaDecryptingKey::from_der(&pki.key).unwrap().unwrap();
    let theirs = Rsa::private_key_from_pem(RSA_KEY_PEM.as_bytes()).unwrap();
    let mut pre_master = [0x5au8; 48];
    pre_master[..2].copy_from_slice(&[3, 3]);
    let mut ciphertext = vec![0; theirs.size() as usize];
    let n = theirs
        .public_encrypt(&pre_master, &mut ciphertext, Padding::PKCS1)
        .unwrap();
    assert_eq!(n, 256);
    let v = ProtocolVersion::TLSV1_2;
    assert_eq!(
        ours.decrypt_pre_master(&ciphertext, v).unwrap().as_bytes(),
        pre_master
    );
    let mut out = vec![0; theirs.size() as usize];
    let n = theirs
        .private_decrypt(&ciphertext, &mut out, Padding::PKCS1)
        .unwrap();
    assert_eq!(out[..n], pre_master);

    let raw = RawRsa::new(&ciphertext);
    let mut g = c.benchmark_group("rsa2048_decrypt");
    g.bench_function("sanstls/decrypt_pre_master", |b| {
        b.iter(|| ours.decrypt_pre_master(&ciphertext, v).unwrap())
    });
    g.bench_function("openssl/private_decrypt_pkcs1", |b| {
        b.iter(|| {
            theirs
                .private_decrypt(&ciphertext, &mut out, Padding::PKCS1)
                .unwrap()
        })
    });
    g.bench_function("rsa_crate/raw_blinded", |b| b.iter(|| raw.decrypt(true)));
    g.bench_function("rsa_crate/raw_unblinded", |b| b.iter(|| raw.decrypt(false)));
    g.finish();
}

/// One ffdhe2048 exponentiation with a 225-bit exponent, as each side does
/// twice per DHE handshake (its public value, then the shared secret).
fn ffdhe2048(c: &mut Criterion<CpuTime>) {
    let rng = ring::rand::SystemRandom::new();
    let group = DhGroup::named(NamedGroup::FFDHE2048).unwrap();
    let peer = DhKeyExchange::start(group.clone(), &rng).unwrap();
    let peer_public = peer.public_key().to_vec();
    let params = ffdhe2048_params();
    let theirs = ffdhe2048_params().generate_key().unwrap();
    let their_peer = openssl::bn::BigNum::from_slice(&peer_public).unwrap();

    let mut g = c.benchmark_group("ffdhe2048");
    g.bench_function("sanstls/group_setup", |b| {
        b.iter(|| DhGroup::named(NamedGroup::FFDHE2048).unwrap())
    });
    g.bench_function("sanstls/keygen", |b| {
        b.iter(|| DhKeyExchange::start(group.clone(), &rng).unwrap())
    });
    g.bench_function("sanstls/agree", |b| {
        b.iter_batched(
            || DhKeyExchange::start(group.clone(), &rng).unwrap(),
            |kx| kx.complete(&peer_public).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("openssl/keygen", |b| {
        b.iter(|| {
            let p = openssl::dh::Dh::from_pqg(
                params.prime_p().to_owned().unwrap(),
                params.prime_q().map(|q| q.to_owned().unwrap()),
                params.generator().to_owned().unwrap(),
            )
            .unwrap();
            p.generate_key().unwrap()
        })
    });
    g.bench_function("openssl/agree", |b| {
        b.iter(|| theirs.compute_key(&their_peer).unwrap())
    });
    // OpenSSL 3.0 checks each peer's public value with `DH_check_pub_key`,
    // which raises it to q = (p-1)/2 (`BN_mod_exp`, a 2047-bit exponent)
    // to see it is in the prime-order subgroup: once on each side of a
    // handshake. RFC 7919 §5.1's check, 1 < Y < p-1 (what sanstls does),
    // is enough for its safe primes. This is that exponentiation alone.
    let q = params.prime_q().unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let mut r = openssl::bn::BigNum::new().unwrap();
    g.bench_function("openssl/peer_subgroup_check", |b| {
        b.iter(|| {
            r.mod_exp(&their_peer, q, params.prime_p(), &mut ctx)
                .unwrap()
        })
    });
    g.finish();
}

/// One RSA-2048 PSS-SHA256 signature, the server's part of a DHE or ECDHE
/// handshake: sanstls signs with ring.
fn rsa_sign(c: &mut Criterion<CpuTime>) {
    use openssl::hash::MessageDigest;
    use openssl::sign::{RsaPssSaltlen, Signer};
    let pki = Pki::new();
    let ring_key = ring::signature::RsaKeyPair::from_pkcs8(pki.key.secret_der()).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let mut sig = vec![0; ring_key.public().modulus_len()];
    let their_key = pki.openssl_key();
    let message = [0x42u8; 64 + 300];
    let mut g = c.benchmark_group("rsa2048_sign_pss");
    g.bench_function("ring", |b| {
        b.iter(|| {
            ring_key
                .sign(&ring::signature::RSA_PSS_SHA256, &rng, &message, &mut sig)
                .unwrap()
        })
    });
    g.bench_function("openssl", |b| {
        b.iter(|| {
            let mut s = Signer::new(MessageDigest::sha256(), &their_key).unwrap();
            s.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            s.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
            s.sign_oneshot_to_vec(&message).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = handshakes, rsa_decrypt, ffdhe2048, rsa_sign
}
criterion_main!(benches);
