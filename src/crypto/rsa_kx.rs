//! RSA key transport (RFC 5246 §7.4.7.1), feature `legacy`: the client
//! encrypts a 48-byte pre-master secret with RSAES-PKCS1-v1_5 to the key in
//! the server's certificate; the server decrypts it.
//!
//! The server's side is where RSA key transport has broken TLS stacks again
//! and again (Bleichenbacher 1998, ROBOT 2017, Marvin 2023): anything that
//! lets a client tell a well-padded plaintext from a badly padded one —
//! an alert, an error path, a difference in time — is an oracle that
//! decrypts or signs with the server's key. So the server here:
//!
//! - runs the RSA private-key operation itself in constant time, with
//!   blinding (the RustCrypto `rsa` crate over `crypto-bigint`; its
//!   `hazmat` raw operation, so that no padding check of the crate's own,
//!   with its early returns, ever runs on the result);
//! - checks the PKCS#1 v1.5 structure and the version bytes with masks,
//!   not branches, over every byte of the block;
//! - prepares a random pre-master secret before it decrypts, and picks
//!   between it and the decrypted one by mask, byte by byte;
//! - never fails: every bad ciphertext (wrong length, not below the
//!   modulus, bad padding, wrong version) yields the random secret, so the
//!   handshake goes on and fails at the client's Finished exactly as with a
//!   wrong key (bad_record_mac), with the same bytes on the wire; one that
//!   cannot be decrypted at all has a stand-in decrypted and checked in its
//!   place, so every ClientKeyExchange costs the same steps.

use alloc::vec;
use alloc::vec::Vec;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey, PublicKey};
use rustls_pki_types::PrivateKeyDer;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::codec::enums::ProtocolVersion;
use crate::crypto::kx::PreMasterSecret;
use crate::error::Error;

/// Length of the RSA pre-master secret: the client's version and 46 random
/// bytes (RFC 5246 §7.4.7.1).
pub const RSA_PRE_MASTER_LEN: usize = 48;

/// The fewest padding bytes PKCS#1 v1.5 encryption puts in (RFC 8017
/// §7.2.1: `PS` is at least eight octets).
const MIN_PADDING: usize = 8;

/// A server's RSA private key, ready for RSA key transport.
pub struct RsaDecryptingKey {
    key: PrivateKey,
    /// The modulus length in bytes: every valid ciphertext has it.
    len: usize,
}

impl core::fmt::Debug for RsaDecryptingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaDecryptingKey")
            .field("bits", &(self.len * 8))
            .finish_non_exhaustive()
    }
}

impl RsaDecryptingKey {
    /// The RSA key in `der` (PKCS#8 or PKCS#1), or `None` when it is not an
    /// RSA key (an ECDSA or Ed25519 certificate cannot do RSA key
    /// transport). A key the `rsa` crate refuses is `Config`.
    pub fn from_der(der: &PrivateKeyDer<'_>) -> Result<Option<Self>, Error> {
        let key = match der {
            PrivateKeyDer::Pkcs1(k) => PrivateKey::from_pkcs1_der(k.secret_pkcs1_der())
                .map_err(|_| Error::config("RSA private key could not be parsed"))?,
            PrivateKeyDer::Pkcs8(k) => match PrivateKey::from_pkcs8_der(k.secret_pkcs8_der()) {
                Ok(k) => k,
                // Another algorithm's PKCS#8 key.
                Err(_) => return Ok(None),
            },
            _ => return Ok(None),
        };
        let len = key.size();
        Ok(Some(RsaDecryptingKey { key, len }))
    }

    /// The pre-master secret from a ClientKeyExchange's ciphertext, as RFC
    /// 5246 §7.4.7.1 asks: a random 48-byte secret when anything is wrong
    /// with it, chosen without a branch or a memory access that depends on
    /// what the decryption found. `client_version` is the version the client
    /// offered in its ClientHello; the secret must start with it.
    ///
    /// Errors only when the random source fails (`Internal`).
    pub fn decrypt_pre_master(
        &self,
        ciphertext: &[u8],
        client_version: ProtocolVersion,
    ) -> Result<PreMasterSecret, Error> {
        let rng = ring::rand::SystemRandom::new();
        // The substitute is drawn first, whatever comes (§7.4.7.1 step 1).
        let mut chosen = Zeroizing::new([0u8; RSA_PRE_MASTER_LEN]);
        ring::rand::SecureRandom::fill(&rng, &mut chosen[..])
            .map_err(|_| Error::Internal("random source failed"))?;

        // The length is public: a ciphertext of another length than the
        // modulus was not made with this key. So is whether it is below
        // the modulus. Either way a stand-in is decrypted and checked in its
        // place, its verdict masked to "bad", so that every
        // ClientKeyExchange takes the same steps and its time says nothing
        // at all (tests/timing_rsa.rs measures these kinds too).
        let mut rng = RingRng(rng);
        let block = if ciphertext.len() == self.len {
            self.raw_decrypt(ciphertext, &mut rng)
        } else {
            None
        };
        let usable = subtle::Choice::from(u8::from(block.is_some()));
        let block = match block {
            Some(block) => block,
            None => self
                .raw_decrypt(&self.stand_in(), &mut rng)
                .unwrap_or_else(|| Zeroizing::new(vec![0u8; self.len])),
        };
        let good = well_formed(&block, client_version) & usable;
        let decrypted = block
            .get(self.len - RSA_PRE_MASTER_LEN..)
            .ok_or(Error::Internal("RSA block shorter than a pre-master"))?;
        for (c, d) in chosen.iter_mut().zip(decrypted) {
            c.conditional_assign(d, good);
        }
        PreMasterSecret::from_slice(&chosen[..])
    }

    /// A ciphertext of the modulus length and below the modulus (the number
    /// 2), to decrypt in place of one that cannot be decrypted: public, so
    /// its plaintext is no secret either, and it is never used.
    fn stand_in(&self) -> Vec<u8> {
        let mut c = vec![0u8; self.len];
        if let Some(last) = c.last_mut() {
            *last = 2;
        }
        c
    }

    /// RSADP (RFC 8017 §5.1.2) with blinding, as a block of the modulus
    /// length; `None` when the ciphertext is not below the modulus (a
    /// public fact about the ciphertext, not the plaintext).
    fn raw_decrypt(&self, ciphertext: &[u8], rng: &mut RingRng) -> Option<Zeroizing<Vec<u8>>> {
        let precision = self.key.n().as_ref().bits_precision();
        let c = BoxedUint::from_be_slice(ciphertext, precision).ok()?;
        let m = rsa::hazmat::rsa_decrypt_and_check(&self.key, Some(rng), &c).ok()?;
        let bytes = Zeroizing::new(m.to_be_bytes());
        // Left-pad (or trim the storage's leading zeros) to the modulus
        // length; both lengths are public.
        let mut block = Zeroizing::new(vec![0u8; self.len]);
        let n = bytes.len().min(self.len);
        let (src, dst) = (
            bytes.get(bytes.len() - n..)?,
            block.get_mut(self.len - n..)?,
        );
        dst.copy_from_slice(src);
        Some(block)
    }
}

/// Whether `block` is `00 02 PS 00 M` with at least eight nonzero bytes of
/// `PS`, a 48-byte `M`, and `M` starting with `client_version` (RFC 8017
/// §7.2.2, RFC 5246 §7.4.7.1), decided by masks over every byte: the time
/// and the memory touched do not depend on where the block goes wrong.
fn well_formed(block: &[u8], client_version: ProtocolVersion) -> subtle::Choice {
    let k = block.len();
    // The zero separator must be exactly where a 48-byte message begins.
    let separator = k.wrapping_sub(RSA_PRE_MASTER_LEN + 1);
    let mut good = block.first().copied().unwrap_or(1).ct_eq(&0);
    good &= block.get(1).copied().unwrap_or(0).ct_eq(&2);
    for (i, &b) in block.iter().enumerate() {
        let in_padding = (i >= 2) & (i < separator);
        // Padding bytes must be nonzero; the separator must be zero.
        let bad_padding = subtle::Choice::from(u8::from(in_padding)) & b.ct_eq(&0);
        good &= !bad_padding;
        good &= !(subtle::Choice::from(u8::from(i == separator)) & !b.ct_eq(&0));
    }
    // At least eight padding bytes: a public fact about the key size.
    good &= subtle::Choice::from(u8::from(separator >= 2 + MIN_PADDING));
    let [major, minor] = client_version.0.to_be_bytes();
    let at = separator.wrapping_add(1);
    good &= block.get(at).copied().unwrap_or(!major).ct_eq(&major);
    good &= block.get(at + 1).copied().unwrap_or(!minor).ct_eq(&minor);
    good
}

/// The client's part: RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1) of the
/// pre-master secret to the RSA key in the server certificate's
/// SubjectPublicKeyInfo, which must be at least `min_bits` long.
pub fn encrypt_pre_master(
    spki: &[u8],
    pre_master: &[u8; RSA_PRE_MASTER_LEN],
    min_bits: usize,
) -> Result<Vec<u8>, Error> {
    let key = rsa_public_key(spki)?;
    if key.size() * 8 < min_bits {
        return Err(Error::HandshakeFailure(
            "server's RSA key is shorter than min_rsa_key_bits",
        ));
    }
    let mut rng = RingRng(ring::rand::SystemRandom::new());
    key.encrypt(&mut rng, rsa::Pkcs1v15Encrypt, pre_master)
        .map_err(|_| Error::Internal("RSA encryption failed"))
}

/// The RSA public key in a SubjectPublicKeyInfo; a key of another
/// algorithm cannot take RSA key transport (`HandshakeFailure`, as for a
/// suite the certificate does not fit).
fn rsa_public_key(spki: &[u8]) -> Result<PublicKey, Error> {
    PublicKey::from_public_key_der(spki)
        .map_err(|_| Error::HandshakeFailure("RSA key transport needs an RSA server certificate"))
}

/// Whether the certificate `der` may carry an RSA key-transport exchange:
/// true when it states no key usage, or one with keyEncipherment (RFC 5280
/// §4.2.1.3; RFC 5246 §7.4.2 asks for it with RSA key transport). The
/// certificate has been verified already; one that does not parse here is
/// `BadEncoding`.
pub fn allows_key_encipherment(der: &[u8]) -> Result<bool, Error> {
    use x509_cert::der::Decode;
    use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|_| Error::InvalidCertificate(crate::error::CertificateError::BadEncoding))?;
    let key_usage = cert
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .map_err(|_| Error::InvalidCertificate(crate::error::CertificateError::BadEncoding))?;
    Ok(match key_usage {
        None => true,
        Some((_, usage)) => usage.0.contains(KeyUsages::KeyEncipherment),
    })
}

/// ring's system random source, as the `rsa` crate takes randomness (for
/// blinding and for PKCS#1 v1.5 padding). Secret randomness, like ECDHE
/// keys, comes from the system, never from the configuration's
/// `RandomSource`, which tests and fuzzers make predictable.
struct RingRng(ring::rand::SystemRandom);

/// A failure of the system random source.
#[derive(Debug)]
struct RandomFailed;

impl core::fmt::Display for RandomFailed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("system random source failed")
    }
}

impl core::error::Error for RandomFailed {}

impl rand_core::TryRng for RingRng {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RandomFailed> {
        ring::rand::SecureRandom::fill(&self.0, dst).map_err(|_| RandomFailed)
    }
}

impl rand_core::TryCryptoRng for RingRng {}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(k: usize, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut b = vec![0x55u8; k];
        b[0] = 0;
        b[1] = 2;
        b[k - 49] = 0;
        b[k - 48] = 3;
        b[k - 47] = 3;
        edit(&mut b);
        b
    }

    #[test]
    fn structure_checks() {
        let v = ProtocolVersion::TLSV1_2;
        let ok = |b: &[u8]| bool::from(well_formed(b, v));
        assert!(ok(&block(256, |_| {})));
        assert!(ok(&block(128, |_| {})));
        assert!(!ok(&block(256, |b| b[0] = 1)));
        assert!(!ok(&block(256, |b| b[1] = 1)));
        // A zero inside the padding: the separator is too early.
        assert!(!ok(&block(256, |b| b[100] = 0)));
        assert!(!ok(&block(256, |b| b[2] = 0)));
        assert!(!ok(&block(256, |b| b[256 - 50] = 0)));
        // No separator where it belongs (too late or missing).
        assert!(!ok(&block(256, |b| b[256 - 49] = 1)));
        // Wrong version, either byte.
        assert!(!ok(&block(256, |b| b[256 - 48] = 2)));
        assert!(!ok(&block(256, |b| b[256 - 47] = 1)));
        assert!(!bool::from(well_formed(
            &block(256, |_| {}),
            ProtocolVersion::TLSV1_1
        )));
        // Too short for eight padding bytes, and degenerate sizes.
        assert!(!ok(&block(2 + 7 + 1 + 48, |_| {})));
        assert!(ok(&block(2 + 8 + 1 + 48, |_| {})));
        assert!(!ok(&[]));
        assert!(!ok(&[0, 2]));
    }
}
