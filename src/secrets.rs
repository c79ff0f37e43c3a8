//! The traffic secrets of an established connection, for handing its
//! records over to another record layer: Linux kernel TLS (kTLS), a NIC
//! that offloads TLS, or a record layer of your own.
//!
//! [`crate::Connection::dangerous_extract_secrets`] consumes the connection
//! and returns an [`ExtractedSecrets`]: per direction, the AEAD's key and
//! nonce material and the sequence number the next record takes. From then
//! on the other record layer speaks for the connection: it must send and
//! receive exactly the records sanstls would have, starting at those
//! sequence numbers. Only the AEAD suites are handed over (see
//! [`ConnectionTrafficSecrets`]); the configuration must ask for it with
//! `enable_secret_extraction`.
//!
//! # Linux kernel TLS
//!
//! Each direction fills one `setsockopt(fd, SOL_TLS, TLS_TX or TLS_RX, ...)`
//! structure of `<linux/tls.h>`, with `version = TLS_1_2_VERSION` and the
//! fields named alike:
//!
//! | [`ConnectionTrafficSecrets`] | kernel structure | `iv` | `salt` | `rec_seq` |
//! |---|---|---|---|---|
//! | `Aes128Gcm` | `tls12_crypto_info_aes_gcm_128` | `iv` (8) | `salt` (4) | `seq.to_be_bytes()` |
//! | `Aes256Gcm` | `tls12_crypto_info_aes_gcm_256` | `iv` (8) | `salt` (4) | `seq.to_be_bytes()` |
//! | `Chacha20Poly1305` | `tls12_crypto_info_chacha20_poly1305` | `iv` (12) | none | `seq.to_be_bytes()` |
//!
//! Bytes the caller read from the transport and the connection did not
//! consume (a partial record left in the input buffer) belong to the next
//! record layer: with kTLS they must be put in front of what the kernel
//! reads, which in practice means extracting only when none are left over.
//! After the hand-off the peer may still send alerts (close_notify) and,
//! with renegotiation allowed, HelloRequest or ClientHello; the other
//! record layer sees them as records of those content types.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::Error;
use crate::suites::AeadKind;

/// Both directions' traffic secrets, each with the sequence number of the
/// next record in that direction (the first record the other record layer
/// seals or opens). Each [`ConnectionTrafficSecrets`] wipes its key
/// material when dropped; move them out (`let ExtractedSecrets { tx, rx } =
/// ...`) as you like.
#[derive(Debug)]
pub struct ExtractedSecrets {
    /// What we send with: the sequence number of our next record, and our
    /// write key (`client_write_*` for a client, `server_write_*` for a
    /// server; RFC 5246 §6.3).
    pub tx: (u64, ConnectionTrafficSecrets),
    /// What the peer sends with: the sequence number of the next record we
    /// expect from it, and its write key.
    pub rx: (u64, ConnectionTrafficSecrets),
}

/// One direction's AEAD key material (RFC 5246 §6.2.3.3), wiped on drop.
///
/// The key and the fixed IV are those of the key block (RFC 5246 §6.3).
/// What sanstls never sends on the wire but kernel TLS wants is spelled out
/// per field. Every AEAD suite sanstls implements has a variant; the CBC
/// suites have none (they are refused, see
/// [`crate::Connection::dangerous_extract_secrets`]), and the enum is
/// non-exhaustive so that a suite can be added.
///
/// `Debug` prints the variant only, never key material.
#[derive(Zeroize, ZeroizeOnDrop)]
#[non_exhaustive]
pub enum ConnectionTrafficSecrets {
    /// AES-128-GCM (RFC 5288). The nonce of a record is `salt ‖
    /// nonce_explicit`, the explicit part sent in front of each record.
    Aes128Gcm {
        /// The write key.
        key: Zeroizing<[u8; 16]>,
        /// The 4-byte implicit part of the nonce: the key block's
        /// `write_IV`.
        salt: [u8; 4],
        /// The explicit nonce of the next record sent, which is its
        /// sequence number in big-endian: sanstls sends the sequence
        /// number as the explicit nonce (RFC 5288 §3 allows any value that
        /// is never repeated under the key). Kernel TLS sends this value
        /// and adds one per record, so handing it on continues the same
        /// numbering and no nonce is ever used twice; starting again from
        /// zero would repeat every nonce already used. For the receiving
        /// direction the explicit nonce is read from each record, so this
        /// value (also the sequence number) is only what a peer following
        /// the same rule would send.
        iv: [u8; 8],
    },
    /// AES-256-GCM (RFC 5288); the fields as for
    /// [`Aes128Gcm`](Self::Aes128Gcm).
    Aes256Gcm {
        /// The write key.
        key: Zeroizing<[u8; 32]>,
        /// The 4-byte implicit part of the nonce.
        salt: [u8; 4],
        /// The explicit nonce of the next record: its sequence number in
        /// big-endian (see [`Aes128Gcm`](Self::Aes128Gcm)).
        iv: [u8; 8],
    },
    /// ChaCha20-Poly1305 (RFC 7905): the nonce of a record is `iv` XOR its
    /// sequence number (left-padded to 12 bytes); nothing explicit is sent.
    Chacha20Poly1305 {
        /// The write key.
        key: Zeroizing<[u8; 32]>,
        /// The key block's 12-byte `write_IV`.
        iv: [u8; 12],
    },
}

impl ConnectionTrafficSecrets {
    /// The secrets of `aead` from the key block's `key` and fixed `iv`,
    /// for a direction whose next record is numbered `seq`. Wrong lengths
    /// are `Error::Internal`: the key block sizes them from `aead`.
    pub(crate) fn new(aead: AeadKind, key: &[u8], iv: &[u8], seq: u64) -> Result<Self, Error> {
        fn array<const N: usize>(bytes: &[u8]) -> Result<[u8; N], Error> {
            bytes
                .try_into()
                .map_err(|_| Error::Internal("traffic key or IV of the wrong length"))
        }
        fn key_array<const N: usize>(bytes: &[u8]) -> Result<Zeroizing<[u8; N]>, Error> {
            if bytes.len() != N {
                return Err(Error::Internal("traffic key or IV of the wrong length"));
            }
            let mut key = Zeroizing::new([0u8; N]);
            key.copy_from_slice(bytes);
            Ok(key)
        }
        Ok(match aead {
            AeadKind::Aes128Gcm => ConnectionTrafficSecrets::Aes128Gcm {
                key: key_array(key)?,
                salt: array(iv)?,
                iv: seq.to_be_bytes(),
            },
            AeadKind::Aes256Gcm => ConnectionTrafficSecrets::Aes256Gcm {
                key: key_array(key)?,
                salt: array(iv)?,
                iv: seq.to_be_bytes(),
            },
            AeadKind::Chacha20Poly1305 => ConnectionTrafficSecrets::Chacha20Poly1305 {
                key: key_array(key)?,
                iv: array(iv)?,
            },
        })
    }

    /// The AEAD these secrets are for.
    pub fn aead(&self) -> AeadKind {
        match self {
            ConnectionTrafficSecrets::Aes128Gcm { .. } => AeadKind::Aes128Gcm,
            ConnectionTrafficSecrets::Aes256Gcm { .. } => AeadKind::Aes256Gcm,
            ConnectionTrafficSecrets::Chacha20Poly1305 { .. } => AeadKind::Chacha20Poly1305,
        }
    }
}

impl core::fmt::Debug for ConnectionTrafficSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            ConnectionTrafficSecrets::Aes128Gcm { .. } => "Aes128Gcm",
            ConnectionTrafficSecrets::Aes256Gcm { .. } => "Aes256Gcm",
            ConnectionTrafficSecrets::Chacha20Poly1305 { .. } => "Chacha20Poly1305",
        };
        f.debug_struct(name).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_land_where_kernel_tls_wants_them() {
        let s =
            ConnectionTrafficSecrets::new(AeadKind::Aes128Gcm, &[1; 16], &[2; 4], 0x0102).unwrap();
        let ConnectionTrafficSecrets::Aes128Gcm { key, salt, iv } = &s else {
            panic!("wrong variant");
        };
        assert_eq!(
            (**key, *salt, *iv),
            ([1; 16], [2; 4], [0, 0, 0, 0, 0, 0, 1, 2])
        );

        let s = ConnectionTrafficSecrets::new(AeadKind::Aes256Gcm, &[3; 32], &[4; 4], 7).unwrap();
        assert_eq!(s.aead(), AeadKind::Aes256Gcm);
        let s = ConnectionTrafficSecrets::new(AeadKind::Chacha20Poly1305, &[5; 32], &[6; 12], 9)
            .unwrap();
        let ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } = &s else {
            panic!("wrong variant");
        };
        // ChaCha20-Poly1305's IV is the key block's, whatever the sequence number.
        assert_eq!((**key, *iv), ([5; 32], [6; 12]));
    }

    #[test]
    fn wrong_lengths_are_internal_errors() {
        for (aead, key, iv) in [
            (AeadKind::Aes128Gcm, 32, 4),
            (AeadKind::Aes256Gcm, 32, 12),
            (AeadKind::Chacha20Poly1305, 32, 4),
        ] {
            assert!(matches!(
                ConnectionTrafficSecrets::new(aead, &vec![0; key], &vec![0; iv], 0),
                Err(Error::Internal(_))
            ));
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let s =
            ConnectionTrafficSecrets::new(AeadKind::Aes128Gcm, &[0xab; 16], &[0xcd; 4], 0).unwrap();
        let printed = format!(
            "{:?}",
            ExtractedSecrets {
                tx: (0, s),
                rx: (
                    0,
                    ConnectionTrafficSecrets::new(
                        AeadKind::Chacha20Poly1305,
                        &[0xab; 32],
                        &[0xcd; 12],
                        0
                    )
                    .unwrap()
                )
            }
        );
        assert!(
            !printed.contains("171") && !printed.contains("ab"),
            "{printed}"
        );
        assert!(printed.contains("Aes128Gcm") && printed.contains("Chacha20Poly1305"));
    }
}
