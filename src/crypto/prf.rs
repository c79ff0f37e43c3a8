//! The TLS 1.2 pseudorandom function (RFC 5246 §5).
//!
//! ```text
//! PRF(secret, label, seed) = P_<hash>(secret, label + seed)
//! P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//!                        HMAC_hash(secret, A(2) + seed) + ...
//! A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
//! ```
//!
//! Every secret of the key schedule comes out of this function: the master
//! secret, the key block, Finished verify_data and exported keying material.
//! The HMAC is ring's; the seed parts are fed to it piece by piece so that no
//! concatenated copy of label and seed is ever allocated.

use ring::hmac;
use zeroize::Zeroize;

use crate::suites::HashKind;

/// Fills `out` with `PRF(secret, label, seed)` using the suite's hash
/// (RFC 5246 §5). Any output length works; the last HMAC block is truncated.
pub fn prf(hash: HashKind, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    prf_parts(hash, secret, label, &[seed], out);
}

/// [`prf`] with the seed given as consecutive parts, e.g. `client_random`
/// and `server_random`, which is how every caller in TLS 1.2 builds it.
/// The effective seed is `label ‖ parts[0] ‖ parts[1] ‖ ...`.
pub fn prf_parts(hash: HashKind, secret: &[u8], label: &[u8], parts: &[&[u8]], out: &mut [u8]) {
    PrfKey::new(hash, secret).prf_parts(label, parts, out);
}

/// The PRF keyed with one secret: the HMAC key is set up once (two hash
/// compressions, the inner and outer pads) and serves every output taken
/// under that secret. The master secret keys the key block and both
/// Finished values, so a handshake holds one of these instead of setting
/// the key up three times.
///
/// ring's HMAC key cannot be wiped; it is dropped as soon as the handshake
/// has no more use for it, like the one [`prf_parts`] makes per call.
pub struct PrfKey {
    key: hmac::Key,
    hash: HashKind,
}

impl PrfKey {
    /// The PRF of `hash` (RFC 5246 §5) keyed with `secret`.
    pub fn new(hash: HashKind, secret: &[u8]) -> PrfKey {
        PrfKey {
            key: hmac::Key::new(hash.hmac_algorithm(), secret),
            hash,
        }
    }

    /// Fills `out` with `PRF(secret, label, parts[0] ‖ parts[1] ‖ ...)`.
    pub fn prf_parts(&self, label: &[u8], parts: &[&[u8]], out: &mut [u8]) {
        let key = &self.key;
        let hmac_seed = |ctx: &mut hmac::Context| {
            ctx.update(label);
            for p in parts {
                ctx.update(p);
            }
        };

        // A(1) = HMAC(secret, A(0)) with A(0) = label ‖ seed.
        let mut ctx = hmac::Context::with_key(key);
        hmac_seed(&mut ctx);
        let mut a = Block::from(ctx.sign());

        let mut chunks = out.chunks_mut(self.hash.output_len()).peekable();
        while let Some(chunk) = chunks.next() {
            // Output block: HMAC(secret, A(i) ‖ label ‖ seed).
            let mut ctx = hmac::Context::with_key(key);
            ctx.update(a.as_ref());
            hmac_seed(&mut ctx);
            let block = Block::from(ctx.sign());
            // `chunks_mut` yields at most `output_len` bytes, so this never truncates the source.
            chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);

            // A(i+1) = HMAC(secret, A(i)), only if another block follows: for
            // the 12-byte verify_data that saves a third of the work.
            if chunks.peek().is_some() {
                a = Block::from(hmac::sign(key, a.as_ref()));
            }
        }
    }
}

impl core::fmt::Debug for PrfKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrfKey")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// One HMAC output, wiped when dropped: the A(i) chain and the output blocks
/// are as sensitive as the keys they become.
struct Block {
    buf: [u8; 64],
    len: usize,
}

impl From<hmac::Tag> for Block {
    fn from(tag: hmac::Tag) -> Self {
        let t = tag.as_ref();
        let mut buf = [0u8; 64];
        // HMAC-SHA256/384 tags are 32/48 bytes, always within the buffer.
        buf[..t.len()].copy_from_slice(t);
        Block { buf, len: t.len() }
    }
}

impl AsRef<[u8]> for Block {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        crate::hex::decode(s).expect("hex")
    }

    /// The TLS 1.2 PRF vectors posted to the IETF TLS list (P_SHA256, 100
    /// bytes). The same output also comes out of
    /// `openssl kdf -keylen 100 -kdfopt digest:SHA256 ... TLS1-PRF`.
    #[test]
    fn sha256_known_answer() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let expect = unhex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
             87347b66",
        );
        let mut out = [0u8; 100];
        prf(HashKind::Sha256, &secret, b"test label", &seed, &mut out);
        assert_eq!(&out[..], &expect[..]);
    }

    /// The P_SHA384 vector from the same post (148 bytes).
    #[test]
    fn sha384_known_answer() {
        let secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
        let seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
        let expect = unhex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
             91c8f3a26854308d5eaa3be85e0990703d73e56f",
        );
        let mut out = [0u8; 148];
        prf(HashKind::Sha384, &secret, b"test label", &seed, &mut out);
        assert_eq!(&out[..], &expect[..]);
    }

    #[test]
    fn parts_equal_concatenation_and_prefixes_agree() {
        let mut a = [0u8; 77];
        let mut b = [0u8; 77];
        prf(HashKind::Sha256, b"k", b"l", b"seedpart", &mut a);
        prf_parts(
            HashKind::Sha256,
            b"k",
            b"l",
            &[b"seed", b"", b"part"],
            &mut b,
        );
        assert_eq!(a, b);
        let mut short = [0u8; 5];
        prf(HashKind::Sha256, b"k", b"l", b"seedpart", &mut short);
        assert_eq!(short, a[..5]);
        prf(HashKind::Sha256, b"k", b"l", b"seedpart", &mut []);
    }

    #[test]
    fn one_key_serves_many_outputs() {
        // A reused key carries nothing from one output to the next.
        let key = PrfKey::new(HashKind::Sha384, b"secret");
        for (label, len) in [(&b"a"[..], 12), (b"bb", 100), (b"a", 12), (b"c", 0)] {
            let mut reused = vec![0u8; len];
            key.prf_parts(label, &[b"seed"], &mut reused);
            let mut fresh = vec![0u8; len];
            prf(HashKind::Sha384, b"secret", label, b"seed", &mut fresh);
            assert_eq!(reused, fresh);
        }
    }
}
