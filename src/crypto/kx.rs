//! Ephemeral elliptic-curve Diffie-Hellman (ECDHE) over ring.
//!
//! TLS 1.2 ECDHE (RFC 8422) has each side generate a fresh key pair on a
//! named group, send its public point (ServerKeyExchange / ClientKeyExchange,
//! RFC 8422 §5.4 and §5.7) and compute the pre-master secret from its own
//! private key and the peer's point (RFC 8422 §5.10). A [`KeyExchange`] holds
//! one side's private key between those two steps; [`KeyExchange::complete`]
//! consumes it, so an ephemeral key is used at most once.

use ring::agreement;
use ring::rand::SecureRandom;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec::enums::NamedGroup;
use crate::error::Error;

/// The groups we offer and accept, in our order of preference.
///
/// X25519 first (RFC 8422 §5.1.1: constant-time by construction, no point
/// validation pitfalls), then the NIST curves. No FFDHE, no P-521 (ring has
/// no P-521 key agreement), no compressed points.
pub const SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// The ring algorithm for a group we support, or `None`.
fn algorithm(group: NamedGroup) -> Option<&'static agreement::Algorithm> {
    match group {
        NamedGroup::X25519 => Some(&agreement::X25519),
        NamedGroup::SECP256R1 => Some(&agreement::ECDH_P256),
        NamedGroup::SECP384R1 => Some(&agreement::ECDH_P384),
        _ => None,
    }
}

/// The exact length of a valid public key on the wire for `group`:
/// 32 bytes for X25519 (RFC 7748 §5), `1 + 2 * field_len` for an
/// uncompressed NIST point (RFC 8422 §5.4.1, X9.62 form `04 || X || Y`).
fn public_key_len(group: NamedGroup) -> usize {
    match group {
        NamedGroup::SECP256R1 => 1 + 2 * 32,
        NamedGroup::SECP384R1 => 1 + 2 * 48,
        _ => 32,
    }
}

/// The longest pre-master secret we hold: a finite-field DHE secret of the
/// largest prime we accept ([`crate::limits::MAX_DH_PRIME_BITS`], 512 bytes
/// for ffdhe4096, RFC 5246 §8.1.2). The ECDHE secrets are shorter: the
/// P-384 x-coordinate is 48 bytes (RFC 8422 §5.10), X25519 and P-256 give
/// 32; an RSA-transported one is 48 (RFC 5246 §7.4.7.1).
pub const MAX_SHARED_SECRET_LEN: usize = crate::limits::MAX_DH_PRIME_BITS / 8;

/// A pre-master secret (ECDHE: RFC 8422 §5.10; DHE: RFC 5246 §8.1.2), held
/// inline so that computing it allocates nothing, and wiped when dropped:
/// RFC 5246 §8.1 says to delete it once the master secret is computed, and
/// it lives only until then.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct PreMasterSecret {
    len: usize,
    bytes: [u8; MAX_SHARED_SECRET_LEN],
}

impl PreMasterSecret {
    /// The secret's bytes (32 or 48 of them for ECDHE, by group; for DHE,
    /// the shared value without its leading zero bytes).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// A copy of `secret`, for the key exchanges that compute it outside
    /// this module (finite-field DHE). Longer than
    /// [`MAX_SHARED_SECRET_LEN`] is our bug, not the peer's: callers bound
    /// their secrets by the same limit.
    #[cfg_attr(not(feature = "legacy"), allow(dead_code))]
    pub(crate) fn from_slice(secret: &[u8]) -> Result<PreMasterSecret, Error> {
        let mut pms = PreMasterSecret {
            len: 0,
            bytes: [0u8; MAX_SHARED_SECRET_LEN],
        };
        pms.bytes
            .get_mut(..secret.len())
            .ok_or(Error::Internal("pre-master secret too long"))?
            .copy_from_slice(secret);
        pms.len = secret.len();
        Ok(pms)
    }
}

impl core::ops::Deref for PreMasterSecret {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for PreMasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreMasterSecret")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// One side's ephemeral ECDHE key pair, waiting for the peer's public key.
///
/// The private key lives inside ring's `EphemeralPrivateKey`, which can only
/// be used once and is consumed by [`KeyExchange::complete`].
#[derive(Debug)]
pub struct KeyExchange {
    group: NamedGroup,
    private: agreement::EphemeralPrivateKey,
    public: agreement::PublicKey,
}

impl KeyExchange {
    /// Generates a fresh key pair on `group` with the caller's random source.
    ///
    /// A group outside [`SUPPORTED_GROUPS`] is a negotiation bug on our side
    /// or a peer choosing a group we never offered (RFC 8422 §5.4: the server
    /// must pick one of the client's groups), so it is a handshake failure.
    pub fn start(group: NamedGroup, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        let alg = algorithm(group).ok_or(Error::HandshakeFailure("unsupported ECDHE group"))?;
        let private = agreement::EphemeralPrivateKey::generate(alg, rng)
            .map_err(|_| Error::Internal("ECDHE key generation failed"))?;
        let public = private
            .compute_public_key()
            .map_err(|_| Error::Internal("ECDHE public key computation failed"))?;
        Ok(KeyExchange {
            group,
            private,
            public,
        })
    }

    /// Our public key as it goes on the wire: 32 bytes for X25519, an
    /// uncompressed point (`04 || X || Y`) for P-256/P-384 (RFC 8422 §5.4.1).
    pub fn public_key(&self) -> &[u8] {
        self.public.as_ref()
    }

    /// Computes the pre-master secret from the peer's public key
    /// (RFC 8422 §5.10: the X25519 output, or the x-coordinate of the shared
    /// point for the NIST curves, without leading-zero stripping).
    ///
    /// Refuses with `illegal_parameter` (RFC 8422 §5.4/§5.7 leave the choice
    /// of alert open; a malformed key is a bad value, not bad syntax):
    /// a key of the wrong length; a compressed or hybrid point (we advertise
    /// only the uncompressed format, RFC 8422 §5.1.2); a point not on the
    /// curve or at infinity (ring validates it, as SEC 1 §3.2.2 asks); and an
    /// X25519 result of all zeros, which means the peer sent a small-order
    /// point (RFC 7748 §6.1; ring rejects it).
    ///
    /// The secret comes back inline (a [`PreMasterSecret`], at most
    /// [`MAX_SHARED_SECRET_LEN`] bytes): no heap copy of it is ever made.
    pub fn complete(self, peer_public: &[u8]) -> Result<PreMasterSecret, Error> {
        if peer_public.len() != public_key_len(self.group) {
            return Err(Error::IllegalParameter(
                "ECDHE public key has the wrong length",
            ));
        }
        if self.group != NamedGroup::X25519 && peer_public.first() != Some(&0x04) {
            return Err(Error::IllegalParameter("ECDHE point is not uncompressed"));
        }
        let alg = self.private.algorithm();
        let peer = agreement::UnparsedPublicKey::new(alg, peer_public);
        let mut secret = PreMasterSecret {
            len: 0,
            bytes: [0u8; MAX_SHARED_SECRET_LEN],
        };
        agreement::agree_ephemeral(self.private, &peer, |shared| {
            match secret.bytes.get_mut(..shared.len()) {
                Some(dst) => {
                    dst.copy_from_slice(shared);
                    secret.len = shared.len();
                    Ok(())
                }
                None => Err(Error::Internal("ECDHE shared secret too long")),
            }
        })
        .map_err(|_| Error::IllegalParameter("ECDHE public key rejected"))??;
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn agree(group: NamedGroup) {
        let rng = SystemRandom::new();
        let a = KeyExchange::start(group, &rng).unwrap();
        let b = KeyExchange::start(group, &rng).unwrap();
        assert_eq!(a.public_key().len(), public_key_len(group));
        let a_pub = a.public_key().to_vec();
        let b_pub = b.public_key().to_vec();
        assert_ne!(a_pub, b_pub);
        let s1 = a.complete(&b_pub).unwrap();
        let s2 = b.complete(&a_pub).unwrap();
        assert_eq!(*s1, *s2);
        let expected = match group {
            NamedGroup::SECP384R1 => 48,
            _ => 32,
        };
        assert_eq!(s1.len(), expected);
    }

    #[test]
    fn both_sides_agree() {
        for &g in SUPPORTED_GROUPS {
            agree(g);
        }
    }

    #[test]
    fn nist_points_are_uncompressed() {
        let rng = SystemRandom::new();
        for g in [NamedGroup::SECP256R1, NamedGroup::SECP384R1] {
            let kx = KeyExchange::start(g, &rng).unwrap();
            assert_eq!(kx.public_key()[0], 0x04);
        }
    }

    #[test]
    fn unsupported_group_refused() {
        let rng = SystemRandom::new();
        for g in [
            NamedGroup::SECP521R1,
            NamedGroup::X448,
            NamedGroup::FFDHE2048,
        ] {
            assert!(matches!(
                KeyExchange::start(g, &rng),
                Err(Error::HandshakeFailure(_))
            ));
        }
    }

    fn refused(group: NamedGroup, peer: &[u8]) {
        let rng = SystemRandom::new();
        let kx = KeyExchange::start(group, &rng).unwrap();
        assert!(
            matches!(kx.complete(peer), Err(Error::IllegalParameter(_))),
            "{group:?} accepted {peer:02x?}"
        );
    }

    #[test]
    fn wrong_lengths_refused() {
        for &g in SUPPORTED_GROUPS {
            let n = public_key_len(g);
            refused(g, &[]);
            refused(g, &vec![4u8; n - 1]);
            refused(g, &vec![4u8; n + 1]);
        }
    }

    #[test]
    fn compressed_and_off_curve_points_refused() {
        let rng = SystemRandom::new();
        for g in [NamedGroup::SECP256R1, NamedGroup::SECP384R1] {
            let other = KeyExchange::start(g, &rng).unwrap();
            let good = other.public_key().to_vec();
            let field = (good.len() - 1) / 2;
            // Compressed form padded to the uncompressed length.
            let mut compressed = good.clone();
            compressed[0] = 0x02;
            refused(g, &compressed);
            // A compressed point of its own correct length is the wrong length.
            refused(g, &compressed[..1 + field]);
            // Flip a bit of Y: the point leaves the curve.
            let mut off = good.clone();
            off[good.len() - 1] ^= 1;
            refused(g, &off);
            // The all-zero "point".
            let mut zero = vec![0u8; good.len()];
            zero[0] = 4;
            refused(g, &zero);
        }
    }

    #[test]
    fn pre_master_from_slice_holds_up_to_the_limit() {
        let long = [7u8; MAX_SHARED_SECRET_LEN];
        assert_eq!(
            PreMasterSecret::from_slice(&long).unwrap().as_bytes(),
            &long
        );
        assert_eq!(
            PreMasterSecret::from_slice(&[1, 2]).unwrap().as_bytes(),
            &[1, 2]
        );
        assert!(matches!(
            PreMasterSecret::from_slice(&[0u8; MAX_SHARED_SECRET_LEN + 1]),
            Err(Error::Internal(_))
        ));
    }

    #[test]
    fn x25519_small_order_refused() {
        // u = 0 and u = 1 have small order; the shared secret is all zeros.
        refused(NamedGroup::X25519, &[0u8; 32]);
        let mut one = [0u8; 32];
        one[0] = 1;
        refused(NamedGroup::X25519, &one);
    }
}
