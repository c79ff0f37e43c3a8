//! The tests' own TLS 1.2 key schedule and record protection, written from
//! the RFCs over `ring` and sharing no code with the crate: a test that plays
//! a peer or an attacker with these keys cross-checks the crate's PRF, key
//! block and record layer instead of reusing them (a bug there makes the
//! two sides disagree, so records fail to open).
//!
//! - PRF (RFC 5246 §5): `P_SHA256` or `P_SHA384` over HMAC.
//! - Key block (RFC 5246 §6.3) from `PRF(master, "key expansion",
//!   server_random ‖ client_random)`: client write key, server write key,
//!   client IV, server IV (AEAD suites have no MAC keys).
//! - AES-GCM (RFC 5288 §3): the IV is a 4-byte salt; the nonce is
//!   `salt ‖ nonce_explicit(8)`, and `nonce_explicit` travels in front of the
//!   ciphertext. The sender chooses it; we send the sequence number by default
//!   (as the crate does), and the receiver must accept any value.
//! - ChaCha20-Poly1305 (RFC 7905 §2): the IV is 12 bytes; the nonce is
//!   `iv XOR (0^4 ‖ seq(8))`, nothing explicit on the wire.
//! - Additional data (RFC 5246 §6.2.3.3):
//!   `seq(8) ‖ type(1) ‖ version(2) ‖ plaintext length(2)`.
//!
//! Only the suite's enums come from the crate (`sanstls::suites`, public);
//! what they mean in lengths and algorithms is spelled out here again.
#![allow(dead_code)]

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{digest, hmac};
use sanstls::suites::{AeadKind, HashKind, SupportedSuite};

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

/// Bytes of explicit nonce in front of each protected record of `suite`.
pub fn explicit_nonce_len(suite: &SupportedSuite) -> usize {
    aead_params(suite.aead).explicit_nonce_len
}

/// The AEAD tag length of every suite (RFC 5116 §5: 16 for AES-GCM;
/// RFC 8439 §2.8: 16 for ChaCha20-Poly1305).
pub const TAG_LEN: usize = 16;

/// One direction's write key and IV.
pub struct DirectionKeys {
    aead: Aead,
    key: LessSafeKey,
    iv: Vec<u8>,
}

/// Both directions' keys, cut from the key block (RFC 5246 §6.3).
pub struct KeyBlock {
    pub client: DirectionKeys,
    pub server: DirectionKeys,
}

impl KeyBlock {
    pub fn new(
        suite: &SupportedSuite,
        master: &[u8; 48],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> KeyBlock {
        let a = aead_params(suite.aead);
        let mut block = vec![0u8; 2 * (a.key_len + a.iv_len)];
        let seed = [&server_random[..], &client_random[..]].concat();
        prf(suite.hash, master, b"key expansion", &seed, &mut block);
        let (client_key, rest) = block.split_at(a.key_len);
        let (server_key, rest) = rest.split_at(a.key_len);
        let (client_iv, server_iv) = rest.split_at(a.iv_len);
        let keys = |key: &[u8], iv: &[u8]| DirectionKeys {
            aead: a,
            key: LessSafeKey::new(UnboundKey::new(a.alg, key).unwrap()),
            iv: iv.to_vec(),
        };
        KeyBlock {
            client: keys(client_key, client_iv),
            server: keys(server_key, server_iv),
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
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9..11].copy_from_slice(&VERSION);
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    Aad::from(a)
}

impl DirectionKeys {
    pub fn explicit_nonce_len(&self) -> usize {
        self.aead.explicit_nonce_len
    }

    /// The 12-byte nonce for sequence number `seq` and the explicit part
    /// the record carries (GCM), or none (ChaCha20-Poly1305).
    fn nonce(&self, seq: u64, explicit: &[u8]) -> Nonce {
        let mut n = [0u8; 12];
        if self.aead.explicit_nonce_len == 0 {
            n.copy_from_slice(&self.iv);
            for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
                *b ^= s;
            }
        } else {
            n[..4].copy_from_slice(&self.iv);
            n[4..].copy_from_slice(explicit);
        }
        Nonce::assume_unique_for_key(n)
    }

    /// One protected record (header included) of type `typ` with sequence
    /// number `seq`; a GCM record carries `seq` as its explicit nonce.
    pub fn seal(&self, seq: u64, typ: u8, plaintext: &[u8]) -> Vec<u8> {
        self.seal_with_explicit_nonce(seq, seq, typ, plaintext)
    }

    /// As [`DirectionKeys::seal`], with `explicit` as the GCM explicit nonce
    /// (ignored for ChaCha20-Poly1305, which has none).
    pub fn seal_with_explicit_nonce(
        &self,
        seq: u64,
        explicit: u64,
        typ: u8,
        plaintext: &[u8],
    ) -> Vec<u8> {
        let explicit = &explicit.to_be_bytes()[..self.aead.explicit_nonce_len];
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                self.nonce(seq, explicit),
                aad(seq, typ, plaintext.len()),
                &mut body,
            )
            .unwrap();
        let len = explicit.len() + body.len();
        let mut out = vec![typ, VERSION[0], VERSION[1]];
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(explicit);
        out.extend_from_slice(&body);
        out
    }

    /// Opens the fragment (without header) of a protected record of type
    /// `typ` with sequence number `seq`; `None` if it does not authenticate.
    pub fn open(&self, seq: u64, typ: u8, fragment: &[u8]) -> Option<Vec<u8>> {
        let n = self.aead.explicit_nonce_len;
        if fragment.len() < n + TAG_LEN {
            return None;
        }
        let (explicit, sealed) = fragment.split_at(n);
        let mut buf = sealed.to_vec();
        let len = buf.len() - TAG_LEN;
        let plain = self
            .key
            .open_in_place(self.nonce(seq, explicit), aad(seq, typ, len), &mut buf)
            .ok()?;
        Some(plain.to_vec())
    }
}
