//! The TLS 1.2 key schedule: pre-master secret → master secret → key block,
//! plus the Finished verify_data and RFC 5705 exporters, all through the
//! PRF of [`crate::crypto::prf`].
//!
//! Every secret here is wiped when dropped (`ZeroizeOnDrop`): the master
//! secret, the key block and the per-direction keys cut from it.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::prf::{prf, prf_parts, PrfKey};
use crate::error::Error;
use crate::record::cipher::{AeadDecrypter, AeadEncrypter};
use crate::record::protection::{Decrypter, Encrypter};
#[cfg(all(feature = "legacy", any(test, feature = "unstable-internals")))]
use crate::suites::CbcKind;
use crate::suites::{AeadKind, HashKind, Protection, SupportedSuite};

/// Length of the master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;

/// Length of Finished verify_data for every TLS 1.2 suite we implement
/// (RFC 5246 §7.4.9: 12 unless the suite says otherwise).
pub const VERIFY_DATA_LEN: usize = 12;

/// The 48-byte master secret of a session.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterSecret([u8; MASTER_SECRET_LEN]);

impl MasterSecret {
    /// `PRF(pre_master, "master secret", client_random ‖ server_random)`
    /// (RFC 5246 §8.1). Only for peers without the extended master secret;
    /// prefer [`MasterSecret::derive_extended`].
    pub fn derive(
        hash: HashKind,
        pre_master: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> MasterSecret {
        let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
        prf_parts(
            hash,
            pre_master,
            b"master secret",
            &[client_random, server_random],
            &mut ms.0,
        );
        ms
    }

    /// `PRF(pre_master, "extended master secret", session_hash)` (RFC 7627
    /// §4), where `session_hash` is the transcript hash up to and including
    /// ClientKeyExchange. Binds the master secret to the whole handshake,
    /// which defeats the triple-handshake attack.
    pub fn derive_extended(hash: HashKind, pre_master: &[u8], session_hash: &[u8]) -> MasterSecret {
        let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
        prf(
            hash,
            pre_master,
            b"extended master secret",
            session_hash,
            &mut ms.0,
        );
        ms
    }

    /// A master secret from its bytes (session resumption, key-log tests).
    pub fn from_bytes(bytes: [u8; MASTER_SECRET_LEN]) -> MasterSecret {
        MasterSecret(bytes)
    }

    /// The secret's bytes (to store a session or write a key log).
    pub fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }

    /// The PRF keyed with this secret, for `suite`: derive the key block
    /// and both Finished values through it and the HMAC key is set up once
    /// per handshake instead of three times.
    pub fn prf_key(&self, suite: &'static SupportedSuite) -> MasterPrf {
        MasterPrf {
            key: PrfKey::new(suite.hash, &self.0),
            suite,
        }
    }

    /// Keying material exporter (RFC 5705 §4):
    /// `PRF(master_secret, label, client_random ‖ server_random
    /// [‖ uint16 context_length ‖ context])`.
    ///
    /// "No context" and "empty context" differ, as the RFC requires. Refuses
    /// (`Error::Config`, not fatal) a context longer than 2^16 − 1 bytes and
    /// the labels the key schedule itself uses, so an exporter can never hand
    /// out a connection's own keys or Finished values.
    pub fn export(
        &self,
        hash: HashKind,
        label: &[u8],
        context: Option<&[u8]>,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        out: &mut [u8],
    ) -> Result<(), Error> {
        const RESERVED: [&[u8]; 5] = [
            b"client finished",
            b"server finished",
            b"master secret",
            b"extended master secret",
            b"key expansion",
        ];
        if RESERVED.contains(&label) {
            return Err(Error::config(
                "exporter label reserved by TLS (RFC 5705 §4)",
            ));
        }
        match context {
            None => prf_parts(hash, &self.0, label, &[client_random, server_random], out),
            Some(ctx) => {
                let len = u16::try_from(ctx.len())
                    .map_err(|_| Error::config("exporter context longer than 2^16 - 1"))?;
                prf_parts(
                    hash,
                    &self.0,
                    label,
                    &[client_random, server_random, &len.to_be_bytes(), ctx],
                    out,
                );
            }
        }
        Ok(())
    }
}

/// The PRF under a connection's master secret (see
/// [`MasterSecret::prf_key`]): the key block and the Finished values.
#[derive(Debug)]
pub struct MasterPrf {
    key: PrfKey,
    suite: &'static SupportedSuite,
}

impl MasterPrf {
    /// The key block for this PRF's suite (RFC 5246 §6.3):
    /// `PRF(master_secret, "key expansion", server_random ‖ client_random)`,
    /// cut as `client_write_MAC_key ‖ server_write_MAC_key ‖
    /// client_write_key ‖ server_write_key ‖ client_write_IV ‖
    /// server_write_IV`. AEAD suites have no MAC keys; CBC suites have no
    /// fixed IVs (theirs are explicit, per record). `etm` is whether RFC 7366
    /// encrypt-then-MAC was negotiated, which only CBC suites use.
    pub fn key_block(
        &self,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        etm: bool,
    ) -> KeyBlock {
        cut_key_block(
            &self.key,
            self.suite.protection,
            etm,
            client_random,
            server_random,
        )
    }

    /// Finished verify_data (RFC 5246 §7.4.9):
    /// `PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`
    /// with label "client finished" or "server finished".
    pub fn verify_data(&self, client: bool, handshake_hash: &[u8]) -> [u8; VERIFY_DATA_LEN] {
        let mut out = [0u8; VERIFY_DATA_LEN];
        self.key
            .prf_parts(finished_label(client), &[handshake_hash], &mut out);
        out
    }
}

/// `PRF(master_secret, "key expansion", server_random ‖ client_random)`,
/// as long as `protection` needs (RFC 5246 §6.3).
fn cut_key_block(
    key: &PrfKey,
    protection: Protection,
    etm: bool,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> KeyBlock {
    let mut block = KeyBlock {
        protection,
        etm,
        bytes: [0; KEY_BLOCK_MAX],
    };
    let len = 2 * (protection.mac_key_len() + protection.key_len() + protection.fixed_iv_len());
    key.prf_parts(
        b"key expansion",
        &[server_random, client_random],
        &mut block.bytes[..len],
    );
    block
}

/// The Finished label (RFC 5246 §7.4.9).
fn finished_label(client: bool) -> &'static [u8] {
    if client {
        b"client finished"
    } else {
        b"server finished"
    }
}

impl core::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

/// Largest key block of our suites: 2 × (48-byte HMAC-SHA384 key + 32-byte
/// AES-256 key) for the CBC ones; the AEAD ones need at most 2 × (32 + 12).
const KEY_BLOCK_MAX: usize = 160;

/// The key block of one connection, wiped on drop. Build the record
/// protection of each direction from it; the client writes with the client
/// keys, the server with the server keys.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct KeyBlock {
    #[zeroize(skip)]
    protection: Protection,
    #[zeroize(skip)]
    etm: bool,
    bytes: [u8; KEY_BLOCK_MAX],
}

impl KeyBlock {
    /// Part `index` (0: client, 1: server) of a pair of `len`-byte parts
    /// that starts at `offset`.
    fn part(&self, index: usize, len: usize, offset: usize) -> &[u8] {
        let start = offset + index * len;
        &self.bytes[start..start + len]
    }

    fn macs_len(&self) -> usize {
        2 * self.protection.mac_key_len()
    }

    /// `client_write_MAC_key` (RFC 5246 §6.3); empty for an AEAD.
    pub fn client_write_mac_key(&self) -> &[u8] {
        self.part(0, self.protection.mac_key_len(), 0)
    }

    /// `server_write_MAC_key`; empty for an AEAD.
    pub fn server_write_mac_key(&self) -> &[u8] {
        self.part(1, self.protection.mac_key_len(), 0)
    }

    /// `client_write_key`.
    pub fn client_write_key(&self) -> &[u8] {
        self.part(0, self.protection.key_len(), self.macs_len())
    }

    /// `server_write_key`.
    pub fn server_write_key(&self) -> &[u8] {
        self.part(1, self.protection.key_len(), self.macs_len())
    }

    /// `client_write_IV`: the GCM salt or the ChaCha20-Poly1305 IV; empty
    /// for CBC.
    pub fn client_write_iv(&self) -> &[u8] {
        let at = self.macs_len() + 2 * self.protection.key_len();
        self.part(0, self.protection.fixed_iv_len(), at)
    }

    /// `server_write_IV`.
    pub fn server_write_iv(&self) -> &[u8] {
        let at = self.macs_len() + 2 * self.protection.key_len();
        self.part(1, self.protection.fixed_iv_len(), at)
    }

    /// The client's write keys, to be turned into record protection when
    /// ChangeCipherSpec switches them on.
    pub fn client_keys(&self) -> DirectionKeys {
        DirectionKeys::cut(
            self.protection,
            self.etm,
            self.client_write_key(),
            self.client_write_mac_key(),
            self.client_write_iv(),
        )
    }

    /// The server's write keys.
    pub fn server_keys(&self) -> DirectionKeys {
        DirectionKeys::cut(
            self.protection,
            self.etm,
            self.server_write_key(),
            self.server_write_mac_key(),
            self.server_write_iv(),
        )
    }
}

/// Largest encryption key of our suites (AES-256, ChaCha20).
const KEY_MAX: usize = 32;
/// Largest fixed IV of our suites (ChaCha20-Poly1305, RFC 7905 §2).
const IV_MAX: usize = 12;
/// Largest MAC key of our suites (HMAC-SHA384).
const MAC_KEY_MAX: usize = 48;
/// Length of a CBC sender's IV seed (an AES-128 key).
pub const IV_SEED_LEN: usize = 16;

/// One direction's write keys as cut from the key block (RFC 5246 §6.3),
/// wiped on drop.
///
/// This is what travels from the handshake to the record layer and waits
/// there for ChangeCipherSpec (RFC 5246 §7.1): about 100 bytes, where the
/// expanded key schedule an [`Encrypter`] holds is over 500. The expanded
/// keys are built only when the direction is switched on, so nothing large
/// is moved between handshake steps.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DirectionKeys {
    #[zeroize(skip)]
    protection: Protection,
    #[zeroize(skip)]
    etm: bool,
    key: [u8; KEY_MAX],
    mac_key: [u8; MAC_KEY_MAX],
    iv: [u8; IV_MAX],
    /// A CBC sender's key for its explicit IVs (see `record::cbc`), from
    /// the configuration's random source: not part of the key block.
    iv_seed: [u8; IV_SEED_LEN],
}

impl DirectionKeys {
    /// AEAD keys from their parts; `Error::Internal` if a length does not
    /// match `aead`. (The handshake cuts them from a [`KeyBlock`]; this is
    /// for tests and fuzz targets that drive the record layer on its own.)
    #[cfg(any(test, feature = "unstable-internals"))]
    pub fn new(aead: AeadKind, key: &[u8], iv: &[u8]) -> Result<DirectionKeys, Error> {
        if key.len() != aead.key_len() || iv.len() != aead.fixed_iv_len() {
            return Err(Error::Internal(
                "record key/IV length does not match the AEAD",
            ));
        }
        Ok(Self::cut(Protection::Aead(aead), false, key, &[], iv))
    }

    /// CBC keys from their parts, with or without encrypt-then-MAC, for
    /// the same tests and fuzz targets; `Error::Internal` on a length that
    /// does not match `kind`.
    #[cfg(all(feature = "legacy", any(test, feature = "unstable-internals")))]
    pub fn new_cbc(
        kind: CbcKind,
        etm: bool,
        key: &[u8],
        mac_key: &[u8],
    ) -> Result<DirectionKeys, Error> {
        if key.len() != kind.key_len() || mac_key.len() != kind.mac.len() {
            return Err(Error::Internal(
                "record key/MAC key length does not match the suite",
            ));
        }
        Ok(Self::cut(Protection::Cbc(kind), etm, key, mac_key, &[]))
    }

    /// From key-block parts, which [`KeyBlock`] sizes from `protection`
    /// itself.
    fn cut(
        protection: Protection,
        etm: bool,
        key: &[u8],
        mac_key: &[u8],
        iv: &[u8],
    ) -> DirectionKeys {
        let mut keys = DirectionKeys {
            protection,
            etm,
            key: [0; KEY_MAX],
            mac_key: [0; MAC_KEY_MAX],
            iv: [0; IV_MAX],
            iv_seed: [0; IV_SEED_LEN],
        };
        keys.key[..key.len()].copy_from_slice(key);
        keys.mac_key[..mac_key.len()].copy_from_slice(mac_key);
        keys.iv[..iv.len()].copy_from_slice(iv);
        keys
    }

    /// The seed a CBC sender derives its explicit IVs from (see
    /// `record::cbc`); the handshake draws it from the configuration's
    /// random source for its own write keys. Unused with an AEAD.
    pub fn with_iv_seed(mut self, seed: [u8; IV_SEED_LEN]) -> DirectionKeys {
        self.iv_seed = seed;
        self
    }

    /// Record protection for sending with these keys.
    pub fn encrypter(&self) -> Result<Encrypter, Error> {
        match self.protection {
            Protection::Aead(aead) => {
                AeadEncrypter::new(aead, self.key(), self.iv()).map(Encrypter::Aead)
            }
            #[cfg(feature = "legacy")]
            Protection::Cbc(kind) => crate::record::cbc::CbcEncrypter::new(
                kind,
                self.key(),
                self.mac_key(),
                self.etm,
                self.iv_seed,
            )
            .map(Encrypter::Cbc),
            #[cfg(not(feature = "legacy"))]
            Protection::Cbc(_) => Err(Error::Internal("CBC suites need the legacy feature")),
        }
    }

    /// Record protection for receiving with these keys.
    pub fn decrypter(&self) -> Result<Decrypter, Error> {
        match self.protection {
            Protection::Aead(aead) => {
                AeadDecrypter::new(aead, self.key(), self.iv()).map(Decrypter::Aead)
            }
            #[cfg(feature = "legacy")]
            Protection::Cbc(kind) => {
                crate::record::cbc::CbcDecrypter::new(kind, self.key(), self.mac_key(), self.etm)
                    .map(Decrypter::Cbc)
            }
            #[cfg(not(feature = "legacy"))]
            Protection::Cbc(_) => Err(Error::Internal("CBC suites need the legacy feature")),
        }
    }

    /// The AEAD, write key and fixed IV, for handing the keys to another
    /// record layer ([`crate::secrets`]); `None` for a CBC suite, whose
    /// keys are never handed out.
    pub(crate) fn aead_parts(&self) -> Option<(AeadKind, &[u8], &[u8])> {
        match self.protection {
            Protection::Aead(aead) => Some((aead, self.key(), self.iv())),
            Protection::Cbc(_) => None,
        }
    }

    fn key(&self) -> &[u8] {
        &self.key[..self.protection.key_len()]
    }

    #[cfg(feature = "legacy")]
    fn mac_key(&self) -> &[u8] {
        &self.mac_key[..self.protection.mac_key_len()]
    }

    fn iv(&self) -> &[u8] {
        &self.iv[..self.protection.fixed_iv_len()]
    }
}

impl core::fmt::Debug for DirectionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DirectionKeys")
            .field("protection", &self.protection)
            .field("etm", &self.etm)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyBlock")
            .field("protection", &self.protection)
            .field("etm", &self.etm)
            .finish_non_exhaustive()
    }
}

/// Checks the peer's Finished `received` against `expected` in constant
/// time: `Error::BadFinished` (decrypt_error, RFC 5246 §7.4.9) if they differ.
/// An early exit would tell an attacker how many leading bytes of a forgery
/// were right. The comparison is `subtle`'s, which keeps the optimizer from
/// turning it into one (ring's `verify_slices_are_equal` is deprecated in
/// 0.17 and makes no side-channel promise). Lengths are public and compared
/// first.
pub fn check_verify_data(expected: &[u8; VERIFY_DATA_LEN], received: &[u8]) -> Result<(), Error> {
    use subtle::ConstantTimeEq;
    if bool::from(expected[..].ct_eq(received)) {
        Ok(())
    } else {
        Err(Error::BadFinished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::ContentType;
    use crate::suites::{
        ALL_SUITES, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    };

    const CR: [u8; 32] = [1; 32];
    const SR: [u8; 32] = [2; 32];

    /// The master secret through the PRF with the seed order written out,
    /// cross-checked against OpenSSL's TLS1-PRF:
    /// `openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:03*48
    /// -kdfopt hexseed:<"master secret" ‖ 01*32 ‖ 02*32> TLS1-PRF`.
    #[test]
    fn master_secret_known_answer() {
        let ms = MasterSecret::derive(HashKind::Sha256, &[3; 48], &CR, &SR);
        let expect = crate::hex::decode(
            "7a59e36b4d309767220dde193c1021c9046008ce580fc41edea785a41b6455ae
             76b3d3d964b5d381116eda106a51ddb4",
        )
        .unwrap();
        assert_eq!(&ms.as_bytes()[..], &expect[..]);
    }

    #[test]
    fn seeds_are_in_rfc_order() {
        let ms = MasterSecret::from_bytes([7; 48]);
        let kb = ms
            .prf_key(&TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)
            .key_block(&CR, &SR, false);
        let mut want = [0u8; 72];
        let mut seed = SR.to_vec();
        seed.extend_from_slice(&CR);
        prf(
            HashKind::Sha384,
            &[7; 48],
            b"key expansion",
            &seed,
            &mut want,
        );
        assert_eq!(kb.client_write_key(), &want[..32]);
        assert_eq!(kb.server_write_key(), &want[32..64]);
        assert_eq!(kb.client_write_iv(), &want[64..68]);
        assert_eq!(kb.server_write_iv(), &want[68..72]);

        let mut want = [0u8; 48];
        prf(
            HashKind::Sha256,
            &[3; 48],
            b"extended master secret",
            b"hash",
            &mut want,
        );
        let ems = MasterSecret::derive_extended(HashKind::Sha256, &[3; 48], b"hash");
        assert_eq!(ems.as_bytes(), &want);
    }

    #[test]
    fn key_block_directions_interoperate() {
        for suite in ALL_SUITES {
            let ms = MasterSecret::from_bytes([9; 48]);
            let kb = ms.prf_key(suite).key_block(&CR, &SR, false);
            let mut c_enc = kb.client_keys().encrypter().unwrap();
            let mut s_dec = kb.client_keys().decrypter().unwrap();
            let mut s_enc = kb.server_keys().encrypter().unwrap();
            let mut c_dec = kb.server_keys().decrypter().unwrap();
            let mut rec = Vec::new();
            c_enc
                .seal_record(ContentType::HANDSHAKE, b"to server", &mut rec)
                .unwrap();
            let (h, body) = rec.split_at_mut(5);
            let v = crate::codec::enums::ProtocolVersion(u16::from_be_bytes([h[1], h[2]]));
            assert_eq!(
                s_dec.open_in_place(ContentType(h[0]), v, body).unwrap(),
                b"to server"
            );
            let mut rec = Vec::new();
            s_enc
                .seal_record(ContentType::HANDSHAKE, b"to client", &mut rec)
                .unwrap();
            let (h, body) = rec.split_at_mut(5);
            assert_eq!(
                c_dec.open_in_place(ContentType(h[0]), v, body).unwrap(),
                b"to client"
            );
            assert_ne!(kb.client_write_key(), kb.server_write_key());
        }
    }

    #[test]
    fn verify_data_and_comparison() {
        let ms = MasterSecret::from_bytes([5; 48]);
        let prf_key = ms.prf_key(&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        let c = prf_key.verify_data(true, &[0xaa; 32]);
        let s = prf_key.verify_data(false, &[0xaa; 32]);
        let mut want = [0u8; 12];
        prf(
            HashKind::Sha256,
            &[5; 48],
            b"client finished",
            &[0xaa; 32],
            &mut want,
        );
        assert_eq!(c, want);
        assert_ne!(c, s);
        assert!(check_verify_data(&c, &c).is_ok());
        assert_eq!(check_verify_data(&c, &s), Err(Error::BadFinished));
        assert_eq!(check_verify_data(&c, &c[..11]), Err(Error::BadFinished));
    }

    #[test]
    fn exporter_seeds_and_refusals() {
        let ms = MasterSecret::from_bytes([4; 48]);
        let h = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.hash;
        let mut none = [0u8; 20];
        let mut empty = [0u8; 20];
        let mut ctx = [0u8; 20];
        ms.export(h, b"EXPERIMENTAL x", None, &CR, &SR, &mut none)
            .unwrap();
        ms.export(h, b"EXPERIMENTAL x", Some(b""), &CR, &SR, &mut empty)
            .unwrap();
        ms.export(h, b"EXPERIMENTAL x", Some(b"ab"), &CR, &SR, &mut ctx)
            .unwrap();
        assert_ne!(none, empty);
        let mut want = [0u8; 20];
        let seed = [&CR[..], &SR[..], &[0, 2], b"ab"].concat();
        prf(h, &[4; 48], b"EXPERIMENTAL x", &seed, &mut want);
        assert_eq!(ctx, want);
        assert!(ms
            .export(h, b"key expansion", None, &CR, &SR, &mut want)
            .is_err());
        let huge = vec![0u8; 1 << 16];
        assert!(ms
            .export(h, b"EXPERIMENTAL x", Some(&huge), &CR, &SR, &mut want)
            .is_err());
    }

    #[test]
    fn direction_keys_cut_the_same_parts_as_the_key_block() {
        let ms = MasterSecret::from_bytes([9; 48]);
        for suite in crate::suites::ALL_SUITES {
            let kb = ms.prf_key(suite).key_block(&CR, &SR, false);
            let Protection::Aead(aead) = suite.protection else {
                unreachable!("the default suites are AEAD")
            };
            let ck = kb.client_keys();
            assert_eq!(ck.key(), kb.client_write_key());
            assert_eq!(ck.iv(), kb.client_write_iv());
            let sk = kb.server_keys();
            assert_eq!(sk.key(), kb.server_write_key());
            assert_eq!(sk.iv(), kb.server_write_iv());
            // What a hand-off to another record layer takes (crate::secrets).
            assert_eq!(
                ck.aead_parts(),
                Some((aead, kb.client_write_key(), kb.client_write_iv()))
            );
            assert_eq!(
                sk.aead_parts(),
                Some((aead, kb.server_write_key(), kb.server_write_iv()))
            );
            assert!(DirectionKeys::new(aead, kb.client_write_key(), kb.client_write_iv()).is_ok());
            assert!(
                DirectionKeys::new(aead, &[0; 33][..aead.key_len() + 1], kb.client_write_iv())
                    .is_err()
            );
            assert!(DirectionKeys::new(aead, kb.client_write_key(), &[0; 3]).is_err());
        }
    }

    /// CBC keys are never handed to another record layer.
    #[cfg(feature = "legacy")]
    #[test]
    fn cbc_keys_have_no_aead_parts() {
        let ms = MasterSecret::from_bytes([9; 48]);
        for suite in crate::suites::CBC_SUITES {
            let kb = ms.prf_key(suite).key_block(&CR, &SR, true);
            assert!(kb.client_keys().aead_parts().is_none());
            assert!(kb.server_keys().aead_parts().is_none());
        }
    }
}
