//! The tests' own TLS 1.2 key schedule and record protection, written from
//! the RFCs over `ring` and sharing no code with the crate: a test that plays
//! a peer or an attacker with these keys cross-checks the crate's PRF, key
//! block and record layer instead of reusing them (a bug there makes the
//! two sides disagree, so records fail to open).
//!
//! - PRF (RFC 5246 §5): `P_SHA256` or `P_SHA384` over HMAC.
//! - Key block (RFC 5246 §6.3) from `PRF(master, "key expansion",
//!   server_random ‖ client_random)`: client MAC key, server MAC key, client
//!   write key, server write key, client IV, server IV. AEAD suites have no
//!   MAC keys; CBC suites have no fixed IVs (their IVs travel in each record,
//!   §6.2.3.2; the IVs of §6.3 are only for implicit nonces).
//! - AES-GCM (RFC 5288 §3): the IV is a 4-byte salt; the nonce is
//!   `salt ‖ nonce_explicit(8)`, and `nonce_explicit` travels in front of the
//!   ciphertext. The sender chooses it; we send the sequence number by default
//!   (as the crate does), and the receiver must accept any value.
//! - ChaCha20-Poly1305 (RFC 7905 §2): the IV is 12 bytes; the nonce is
//!   `iv XOR (0^4 ‖ seq(8))`, nothing explicit on the wire.
//! - Additional data (RFC 5246 §6.2.3.3):
//!   `seq(8) ‖ type(1) ‖ version(2) ‖ plaintext length(2)`.
//! - AES-CBC with HMAC (RFC 5246 §6.2.3.2), MAC-then-encrypt:
//!   `IV(16) ‖ AES-CBC(plaintext ‖ MAC ‖ padding)`, the MAC being
//!   HMAC(mac_key, `seq ‖ type ‖ version ‖ length ‖ plaintext`) (§6.2.3.1)
//!   and the padding `n + 1` bytes of value `n` up to a whole block.
//!   Encrypt-then-MAC (RFC 7366 §3): `IV ‖ AES-CBC(plaintext ‖ padding) ‖
//!   MAC`, the MAC over `seq ‖ type ‖ version ‖ length(IV ‖ ciphertext) ‖
//!   IV ‖ ciphertext`. The CBC chaining is written out here over the `aes`
//!   block cipher; the MACs are ring's HMAC.
//!
//! Only the suite's enums come from the crate (`sanstls::suites`, public);
//! what they mean in lengths and algorithms is spelled out here again.
#![allow(dead_code)]

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{digest, hmac};
use sanstls::suites::{
    AeadKind, CbcCipher, CbcKind, HashKind, MacKind, Protection, SupportedSuite,
};

/// TLS 1.2 in the record header and the additional data.
const VERSION: [u8; 2] = [3, 3];

/// RFC 5246 §5: `PRF(secret, label, seed) = P_hash(secret, label ‖ seed)`,
/// with `P_hash` = HMAC(secret, A(i) ‖ label ‖ seed) for A(0) = label ‖ seed,
/// A(i) = HMAC(secret, A(i-1)), cut to `out.len()`.
pub fn prf(hash: HashKind, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let alg = match hash {
        HashKind::Sha256 => hmac::HMAC_SHA256,
        HashKind::Sha384 => hmac::HMAC_SHA384,
    };
    let key = hmac::Key::new(alg, secret);
    let label_seed = [label, seed].concat();
    let mut a = hmac::sign(&key, &label_seed);
    for chunk in out.chunks_mut(alg.digest_algorithm().output_len()) {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(&label_seed);
        let block = ctx.sign();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        a = hmac::sign(&key, a.as_ref());
    }
}

/// The transcript hash of the handshake messages `msgs` (headers included),
/// with the suite's PRF hash (RFC 5246 §7.4.9).
pub fn transcript_hash(hash: HashKind, msgs: &[&[u8]]) -> Vec<u8> {
    let alg = match hash {
        HashKind::Sha256 => &digest::SHA256,
        HashKind::Sha384 => &digest::SHA384,
    };
    let mut ctx = digest::Context::new(alg);
    for m in msgs {
        ctx.update(m);
    }
    ctx.finish().as_ref().to_vec()
}

/// RFC 7627 §4: the extended master secret, `PRF(pre_master_secret,
/// "extended master secret", session_hash)[0..48]`, where the session hash
/// covers the handshake messages up to and including ClientKeyExchange.
pub fn extended_master_secret(hash: HashKind, pre_master: &[u8], session_hash: &[u8]) -> [u8; 48] {
    let mut out = [0u8; 48];
    prf(
        hash,
        pre_master,
        b"extended master secret",
        session_hash,
        &mut out,
    );
    out
}

/// RFC 5246 §7.4.9: `PRF(master, "client finished" | "server finished",
/// transcript_hash)[0..12]`.
pub fn verify_data(
    hash: HashKind,
    master: &[u8; 48],
    client: bool,
    transcript_hash: &[u8],
) -> [u8; 12] {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    let mut out = [0u8; 12];
    prf(hash, master, label, transcript_hash, &mut out);
    out
}

/// What an AEAD means on the wire, from RFC 5288 and RFC 7905.
#[derive(Clone, Copy)]
struct Aead {
    alg: &'static aead::Algorithm,
    key_len: usize,
    iv_len: usize,
    explicit_nonce_len: usize,
}

fn aead_params(kind: AeadKind) -> Aead {
    match kind {
        AeadKind::Aes128Gcm => Aead {
            alg: &aead::AES_128_GCM,
            key_len: 16,
            iv_len: 4,
            explicit_nonce_len: 8,
        },
        AeadKind::Aes256Gcm => Aead {
            alg: &aead::AES_256_GCM,
            key_len: 32,
            iv_len: 4,
            explicit_nonce_len: 8,
        },
        AeadKind::Chacha20Poly1305 => Aead {
            alg: &aead::CHACHA20_POLY1305,
            key_len: 32,
            iv_len: 12,
            explicit_nonce_len: 0,
        },
    }
}

/// Bytes in front of the encrypted part of each protected record of
/// `suite`: the AES-GCM explicit nonce (8), nothing for ChaCha20-Poly1305,
/// the CBC record IV (16, RFC 5246 §6.2.3.2).
pub fn explicit_nonce_len(suite: &SupportedSuite) -> usize {
    match suite.protection {
        Protection::Aead(a) => aead_params(a).explicit_nonce_len,
        Protection::Cbc(_) => BLOCK_LEN,
    }
}

/// The AEAD tag length of every suite (RFC 5116 §5: 16 for AES-GCM;
/// RFC 8439 §2.8: 16 for ChaCha20-Poly1305).
pub const TAG_LEN: usize = 16;

/// The AES block length: the CBC record IV and the padding unit.
pub const BLOCK_LEN: usize = 16;

/// One direction's write keys.
pub struct DirectionKeys(Keys);

/// An AEAD's key and IV, or CBC's keys.
enum Keys {
    Aead {
        aead: Aead,
        key: LessSafeKey,
        iv: Vec<u8>,
    },
    Cbc(CbcKeys),
}

/// Both directions' keys, cut from the key block (RFC 5246 §6.3).
pub struct KeyBlock {
    pub client: DirectionKeys,
    pub server: DirectionKeys,
}

impl KeyBlock {
    /// The key block of `suite`; a CBC suite's records MAC-then-encrypt.
    pub fn new(
        suite: &SupportedSuite,
        master: &[u8; 48],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> KeyBlock {
        Self::with_etm(suite, master, client_random, server_random, false)
    }

    /// The key block of `suite`, whose CBC records encrypt-then-MAC if
    /// `etm` (RFC 7366; ignored for an AEAD).
    pub fn with_etm(
        suite: &SupportedSuite,
        master: &[u8; 48],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        etm: bool,
    ) -> KeyBlock {
        let (mac_len, key_len, iv_len) = match suite.protection {
            Protection::Aead(kind) => {
                let a = aead_params(kind);
                (0, a.key_len, a.iv_len)
            }
            Protection::Cbc(kind) => (mac_params(kind.mac).1, cbc_key_len(kind), 0),
        };
        let mut block = vec![0u8; 2 * (mac_len + key_len + iv_len)];
        let seed = [&server_random[..], &client_random[..]].concat();
        prf(suite.hash, master, b"key expansion", &seed, &mut block);
        let (client_mac, rest) = block.split_at(mac_len);
        let (server_mac, rest) = rest.split_at(mac_len);
        let (client_key, rest) = rest.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let keys = |mac: &[u8], key: &[u8], iv: &[u8]| match suite.protection {
            Protection::Aead(kind) => {
                let a = aead_params(kind);
                DirectionKeys(Keys::Aead {
                    aead: a,
                    key: LessSafeKey::new(UnboundKey::new(a.alg, key).unwrap()),
                    iv: iv.to_vec(),
                })
            }
            Protection::Cbc(kind) => DirectionKeys(Keys::Cbc(CbcKeys::new(kind, etm, key, mac))),
        };
        KeyBlock {
            client: keys(client_mac, client_key, client_iv),
            server: keys(server_mac, server_key, server_iv),
        }
    }

    /// The keys of the side that sends (`client` or not).
    pub fn sender(self, client: bool) -> DirectionKeys {
        if client {
            self.client
        } else {
            self.server
        }
    }
}

fn aad(seq: u64, typ: u8, len: usize) -> Aad<[u8; 13]> {
    Aad::from(mac_header(seq, typ, len))
}

/// `seq(8) ‖ type(1) ‖ version(2) ‖ length(2)`: the AEAD additional data
/// (RFC 5246 §6.2.3.3) and the head of the CBC record MAC (§6.2.3.1).
fn mac_header(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9..11].copy_from_slice(&VERSION);
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// A record header (version 1.2) in front of `fragment`.
fn framed(typ: u8, fragment: &[u8]) -> Vec<u8> {
    let mut out = vec![typ, VERSION[0], VERSION[1]];
    out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    out.extend_from_slice(fragment);
    out
}

impl DirectionKeys {
    /// Bytes in front of the encrypted part of each record (see
    /// [`explicit_nonce_len`]).
    pub fn explicit_nonce_len(&self) -> usize {
        match &self.0 {
            Keys::Aead { aead, .. } => aead.explicit_nonce_len,
            Keys::Cbc(_) => BLOCK_LEN,
        }
    }

    /// The CBC keys; panics for an AEAD suite.
    pub fn cbc(&self) -> &CbcKeys {
        match &self.0 {
            Keys::Cbc(c) => c,
            Keys::Aead { .. } => panic!("not a CBC suite"),
        }
    }

    /// The 12-byte nonce for sequence number `seq` and the explicit part
    /// the record carries (GCM), or none (ChaCha20-Poly1305).
    fn nonce(aead: &Aead, iv: &[u8], seq: u64, explicit: &[u8]) -> Nonce {
        let mut n = [0u8; 12];
        if aead.explicit_nonce_len == 0 {
            n.copy_from_slice(iv);
            for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
                *b ^= s;
            }
        } else {
            n[..4].copy_from_slice(iv);
            n[4..].copy_from_slice(explicit);
        }
        Nonce::assume_unique_for_key(n)
    }

    /// One protected record (header included) of type `typ` with sequence
    /// number `seq`; a GCM record carries `seq` as its explicit nonce, a CBC
    /// one the IV [`CbcKeys::iv_for`] gives and the shortest padding.
    pub fn seal(&self, seq: u64, typ: u8, plaintext: &[u8]) -> Vec<u8> {
        self.seal_with_explicit_nonce(seq, seq, typ, plaintext)
    }

    /// As [`DirectionKeys::seal`], with `explicit` as the GCM explicit nonce
    /// (ignored for ChaCha20-Poly1305, which has none, and for CBC).
    pub fn seal_with_explicit_nonce(
        &self,
        seq: u64,
        explicit: u64,
        typ: u8,
        plaintext: &[u8],
    ) -> Vec<u8> {
        let (aead, key, iv) = match &self.0 {
            Keys::Aead { aead, key, iv } => (aead, key, iv),
            Keys::Cbc(c) => return c.seal(seq, typ, plaintext, |_| {}),
        };
        let explicit = &explicit.to_be_bytes()[..aead.explicit_nonce_len];
        let mut body = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Self::nonce(aead, iv, seq, explicit),
            aad(seq, typ, plaintext.len()),
            &mut body,
        )
        .unwrap();
        framed(typ, &[explicit, &body].concat())
    }

    /// Opens the fragment (without header) of a protected record of type
    /// `typ` with sequence number `seq`; `None` if it does not authenticate.
    pub fn open(&self, seq: u64, typ: u8, fragment: &[u8]) -> Option<Vec<u8>> {
        let (aead, key, iv) = match &self.0 {
            Keys::Aead { aead, key, iv } => (aead, key, iv),
            Keys::Cbc(c) => {
                let opened = c.open(seq, typ, fragment)?;
                return (opened.padding_ok && opened.mac_ok).then_some(opened.plaintext);
            }
        };
        let n = aead.explicit_nonce_len;
        if fragment.len() < n + TAG_LEN {
            return None;
        }
        let (explicit, sealed) = fragment.split_at(n);
        let mut buf = sealed.to_vec();
        let len = buf.len() - TAG_LEN;
        let plain = key
            .open_in_place(
                Self::nonce(aead, iv, seq, explicit),
                aad(seq, typ, len),
                &mut buf,
            )
            .ok()?;
        Some(plain.to_vec())
    }
}

// ---- CBC records ----

/// HMAC with the suite's hash (RFC 5246 §6.2.3.1) and its length, which is
/// also the MAC key's length.
fn mac_params(mac: MacKind) -> (hmac::Algorithm, usize) {
    match mac {
        MacKind::Sha1 => (hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, 20),
        MacKind::Sha256 => (hmac::HMAC_SHA256, 32),
        MacKind::Sha384 => (hmac::HMAC_SHA384, 48),
    }
}

fn cbc_key_len(kind: CbcKind) -> usize {
    match kind.cipher {
        CbcCipher::Aes128 => 16,
        CbcCipher::Aes256 => 32,
    }
}

/// The AES key schedule of either key size.
enum Aes {
    Aes128(aes::Aes128),
    Aes256(aes::Aes256),
}

impl Aes {
    fn encrypt(&self, block: &mut [u8]) {
        let block = block.try_into().unwrap();
        match self {
            Aes::Aes128(a) => a.encrypt_block(block),
            Aes::Aes256(a) => a.encrypt_block(block),
        }
    }

    fn decrypt(&self, block: &mut [u8]) {
        let block = block.try_into().unwrap();
        match self {
            Aes::Aes128(a) => a.decrypt_block(block),
            Aes::Aes256(a) => a.decrypt_block(block),
        }
    }
}

/// One direction's CBC keys: AES and HMAC, MAC-then-encrypt or (`etm`)
/// encrypt-then-MAC.
pub struct CbcKeys {
    aes: Aes,
    mac: hmac::Key,
    mac_len: usize,
    etm: bool,
}

/// A CBC record before encryption, for a test to edit: what
/// [`CbcKeys::seal`] encrypts is `plaintext ‖ mac ‖ padding` (MtE) or
/// `plaintext ‖ padding` (EtM), under `iv`.
#[derive(Clone, Debug)]
pub struct CbcRecord {
    pub iv: [u8; BLOCK_LEN],
    pub plaintext: Vec<u8>,
    /// MtE: the MAC over the plaintext (RFC 5246 §6.2.3.1). EtM: empty, and
    /// if the edit leaves it so, the MAC over `IV ‖ ciphertext` as sealed is
    /// appended (valid whatever the edit did to the rest); bytes put here
    /// go on the wire in its place.
    pub mac: Vec<u8>,
    /// `n + 1` bytes of value `n`, the fewest that fill the last block.
    pub padding: Vec<u8>,
}

/// What [`CbcKeys::open`] found in a record, each check made on its own.
#[derive(Debug, PartialEq)]
pub struct Opened {
    /// The plaintext, as the padding length byte places it.
    pub plaintext: Vec<u8>,
    /// `n + 1` bytes of value `n`, with room for the MAC in front (MtE).
    pub padding_ok: bool,
    pub mac_ok: bool,
    /// The padding bytes (the last `n + 1` of the decrypted part).
    pub padding: Vec<u8>,
}

/// `n + 1` bytes of value `n` (RFC 5246 §6.2.3.2).
pub fn padding(n: u8) -> Vec<u8> {
    vec![n; usize::from(n) + 1]
}

/// The shortest padding that brings `len` bytes to a whole number of blocks.
pub fn shortest_padding(len: usize) -> Vec<u8> {
    padding((BLOCK_LEN - 1 - len % BLOCK_LEN) as u8)
}

impl CbcKeys {
    pub fn new(kind: CbcKind, etm: bool, key: &[u8], mac_key: &[u8]) -> CbcKeys {
        let (alg, mac_len) = mac_params(kind.mac);
        assert_eq!(key.len(), cbc_key_len(kind));
        assert_eq!(mac_key.len(), mac_len);
        let aes = match kind.cipher {
            CbcCipher::Aes128 => Aes::Aes128(aes::Aes128::new_from_slice(key).unwrap()),
            CbcCipher::Aes256 => Aes::Aes256(aes::Aes256::new_from_slice(key).unwrap()),
        };
        CbcKeys {
            aes,
            mac: hmac::Key::new(alg, mac_key),
            mac_len,
            etm,
        }
    }

    /// Whether records encrypt-then-MAC (RFC 7366).
    pub fn etm(&self) -> bool {
        self.etm
    }

    pub fn mac_len(&self) -> usize {
        self.mac_len
    }

    /// HMAC(mac_key, `seq ‖ type ‖ version ‖ length ‖ data`): the MAC of
    /// `data`, the plaintext (MtE) or `IV ‖ ciphertext` (EtM).
    pub fn mac(&self, seq: u64, typ: u8, data: &[u8]) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.mac);
        ctx.update(&mac_header(seq, typ, data.len()));
        ctx.update(data);
        ctx.sign().as_ref().to_vec()
    }

    /// The IV [`seal`](Self::seal) starts with for record `seq`: any IV
    /// will do (the receiver takes it from the record); this one is fixed
    /// per key and sequence number, so a test's records are reproducible.
    pub fn iv_for(&self, seq: u64) -> [u8; BLOCK_LEN] {
        let tag = hmac::sign(
            &self.mac,
            &[b"test IV".as_slice(), &seq.to_be_bytes()].concat(),
        );
        tag.as_ref()[..BLOCK_LEN].try_into().unwrap()
    }

    /// AES-CBC of `data` under `iv` (NIST SP 800-38A §6.2). A trailing
    /// partial block, which no CBC receiver can decrypt, is appended as it
    /// is, for records whose length is not a multiple of the block.
    pub fn encrypt(&self, iv: &[u8; BLOCK_LEN], data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        let mut prev = *iv;
        for block in out.chunks_exact_mut(BLOCK_LEN) {
            for (b, p) in block.iter_mut().zip(prev) {
                *b ^= p;
            }
            self.aes.encrypt(block);
            prev.copy_from_slice(block);
        }
        out
    }

    /// AES-CBC decryption of `ct` (whole blocks) under `iv`.
    pub fn decrypt(&self, iv: &[u8], ct: &[u8]) -> Vec<u8> {
        assert_eq!(ct.len() % BLOCK_LEN, 0);
        let mut out = ct.to_vec();
        let mut prev: Vec<u8> = iv.to_vec();
        for (block, c) in out
            .chunks_exact_mut(BLOCK_LEN)
            .zip(ct.chunks_exact(BLOCK_LEN))
        {
            self.aes.decrypt(block);
            for (b, p) in block.iter_mut().zip(&prev) {
                *b ^= p;
            }
            prev = c.to_vec();
        }
        out
    }

    /// One CBC record (header included) of `plaintext`, type `typ`,
    /// sequence number `seq`: IV [`iv_for`](Self::iv_for), the MAC, the
    /// shortest padding, all laid out as a [`CbcRecord`] that `edit` may
    /// change before it is encrypted (and, EtM, MACed).
    pub fn seal(
        &self,
        seq: u64,
        typ: u8,
        plaintext: &[u8],
        edit: impl FnOnce(&mut CbcRecord),
    ) -> Vec<u8> {
        let mac = if self.etm {
            Vec::new()
        } else {
            self.mac(seq, typ, plaintext)
        };
        let mut r = CbcRecord {
            iv: self.iv_for(seq),
            plaintext: plaintext.to_vec(),
            padding: shortest_padding(plaintext.len() + mac.len()),
            mac,
        };
        edit(&mut r);
        framed(typ, &self.seal_parts(seq, typ, &r))
    }

    /// The fragment of the record `r` describes (see [`CbcRecord`]).
    pub fn seal_parts(&self, seq: u64, typ: u8, r: &CbcRecord) -> Vec<u8> {
        let mut fragment = r.iv.to_vec();
        if self.etm {
            let inner = [&r.plaintext[..], &r.padding].concat();
            fragment.extend(self.encrypt(&r.iv, &inner));
            let mac = if r.mac.is_empty() {
                self.mac(seq, typ, &fragment)
            } else {
                r.mac.clone()
            };
            fragment.extend(mac);
        } else {
            let inner = [&r.plaintext[..], &r.mac, &r.padding].concat();
            fragment.extend(self.encrypt(&r.iv, &inner));
        }
        fragment
    }

    /// Decrypts the fragment of a record and reports the padding and MAC
    /// checks separately (a test's view, with nothing to hide); `None` if
    /// the fragment is not whole blocks after the IV, or too short for the
    /// IV, the MAC and a padding length byte.
    pub fn open(&self, seq: u64, typ: u8, fragment: &[u8]) -> Option<Opened> {
        let (iv_ct, tag) = if self.etm {
            fragment.split_at_checked(fragment.len().checked_sub(self.mac_len)?)?
        } else {
            (fragment, &[][..])
        };
        // Room for the MAC (MtE) and at least a padding length byte.
        let room = if self.etm { 0 } else { self.mac_len };
        if iv_ct.len() % BLOCK_LEN != 0 || iv_ct.len() < BLOCK_LEN + room + 1 {
            return None;
        }
        let (iv, ct) = iv_ct.split_at(BLOCK_LEN);
        let inner = self.decrypt(iv, ct);
        let n = usize::from(*inner.last().unwrap());
        let padding_ok = n + 1 + room <= inner.len()
            && inner[inner.len() - n - 1..]
                .iter()
                .all(|&b| usize::from(b) == n);
        // Past a bad padding, look for the MAC where a one-byte padding
        // would put it.
        let pad_len = if padding_ok { n + 1 } else { 1 };
        let body = &inner[..inner.len() - pad_len];
        let (plaintext, mac_ok) = if self.etm {
            (body.to_vec(), self.mac(seq, typ, iv_ct) == tag)
        } else if body.len() < room {
            (Vec::new(), false)
        } else {
            let (p, m) = body.split_at(body.len() - room);
            (p.to_vec(), self.mac(seq, typ, p) == m)
        };
        Some(Opened {
            plaintext,
            padding_ok,
            mac_ok,
            padding: inner[inner.len() - (n + 1).min(inner.len())..].to_vec(),
        })
    }
}
