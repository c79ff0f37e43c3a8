//! A prototype, not library code: sealing one 16 KiB CBC record with the
//! AES-CBC encryption and the HMAC compression calls interleaved, a few
//! blocks of each in turn, against the same work done one after the other
//! (what `CbcEncrypter::seal_in_place` did until it took up the
//! in-backend way below, `src/record/cbc.rs`) and against
//! `CbcEncrypter::seal_in_place` itself. Both prototypes use the crates
//! sanstls uses (`aes`/`cbc`, the `sha1`/`sha2` compression functions) and
//! must produce the record `CbcEncrypter` produces, byte for byte (checked
//! before anything is timed).
//!
//! Why: CBC encryption is one chain of dependent AES rounds, and SHA-NI
//! compression another; each leaves most of the core idle while it waits
//! on its own latency. Done one after the other their times add up; with
//! the work interleaved finely enough for both to sit in the out-of-order
//! window at once, the core can run them side by side. OpenSSL's
//! "stitched" assembly (`aesni_cbc_sha1_enc`, `aesni_cbc_sha256_enc`) does
//! it instruction by instruction; this measures how much of that safe Rust
//! over the same crates gets ([`Way`]). On this machine (BENCHMARKS.md):
//! nothing through the crates' ordinary calls, and the SHA time almost
//! entirely hidden with the loop inside the cipher's backend
//! (`encrypt_with_backend`, the public API the `cbc` crate itself uses).
//!
//! Last, the AES-CBC part alone for several records at once, their chains
//! side by side: what sealing a long write's records together would save.
//!
//! `cd benches/openssl && cargo bench --bench cbc_stitch`

mod common;

use aes::cipher::array::Array;
use aes::cipher::typenum::U16;
use aes::cipher::{BlockCipherEncrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use common::CpuTime;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sanstls::internals::codec::enums::ContentType;
use sanstls::internals::record::cbc::CbcEncrypter;
use sanstls::suites::{CbcCipher, CbcKind, MacKind};

const RECORD: usize = 16 * 1024;
const HDR: usize = 5;
const IV: usize = 16;
const MAC_HDR: usize = 13;
const SEED: [u8; 16] = [0x11; 16];

type Block = Array<u8, U16>;

fn blocks(buf: &mut [u8]) -> &mut [Block] {
    Block::slice_as_chunks_mut(buf).0
}

fn sha_blocks(buf: &[u8]) -> &[[u8; 64]] {
    buf.as_chunks::<64>().0
}

/// A 64-byte-block hash seen through its compression function.
trait Hash {
    type State: Copy;
    const INIT: Self::State;
    const OUT: usize;
    fn compress(state: &mut Self::State, blocks: &[[u8; 64]]);
    fn output(state: &Self::State, out: &mut [u8]);
}

struct Sha1;
struct Sha256;

impl Hash for Sha1 {
    type State = [u32; 5];
    const INIT: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const OUT: usize = 20;
    fn compress(state: &mut [u32; 5], blocks: &[[u8; 64]]) {
        sha1::block_api::compress(state, blocks);
    }
    fn output(state: &[u32; 5], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

impl Hash for Sha256 {
    type State = [u32; 8];
    const INIT: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const OUT: usize = 32;
    fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
        sha2::block_api::compress256(state, blocks);
    }
    fn output(state: &[u32; 8], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

/// An HMAC key as its two pad-block states, and a running inner hash.
struct Hmac<H: Hash> {
    inner: H::State,
    outer: H::State,
}

impl<H: Hash> Hmac<H> {
    fn new(key: &[u8]) -> Self {
        let pad = |p: u8| {
            let mut b = [p; 64];
            for (x, k) in b.iter_mut().zip(key) {
                *x ^= k;
            }
            let mut s = H::INIT;
            H::compress(&mut s, &[b]);
            s
        };
        Hmac {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// Finishes the inner hash `state` of `total` message bytes (after the
    /// key block), whose last `tail` bytes (less than a block) are not yet
    /// compressed, and writes the MAC.
    fn finish(&self, mut state: H::State, tail: &[u8], total: usize, out: &mut [u8]) {
        let mut last = [0u8; 128];
        last[..tail.len()].copy_from_slice(tail);
        last[tail.len()] = 0x80;
        let n = if tail.len() + 9 > 64 { 128 } else { 64 };
        last[n - 8..n].copy_from_slice(&(((64 + total) * 8) as u64).to_be_bytes());
        H::compress(&mut state, sha_blocks(&last[..n]));
        let mut inner = [0u8; 64];
        H::output(&state, &mut inner[..H::OUT]);
        inner[H::OUT] = 0x80;
        inner[56..].copy_from_slice(&(((64 + H::OUT) * 8) as u64).to_be_bytes());
        let mut outer = self.outer;
        H::compress(&mut outer, &[inner]);
        H::output(&outer, out);
    }
}

/// AES-CBC encryption under a key of either length, continued across calls.
enum Enc<'k> {
    Aes128(cbc::Encryptor<&'k aes::Aes128Enc>),
    Aes256(cbc::Encryptor<&'k aes::Aes256Enc>),
}

enum Key {
    Aes128(aes::Aes128Enc),
    Aes256(aes::Aes256Enc),
}

impl Key {
    fn start(&self, iv: &[u8; 16]) -> Enc<'_> {
        let iv = Block::from(*iv);
        match self {
            Key::Aes128(k) => Enc::Aes128(cbc::Encryptor::inner_iv_init(k, &iv)),
            Key::Aes256(k) => Enc::Aes256(cbc::Encryptor::inner_iv_init(k, &iv)),
        }
    }
}

impl Enc<'_> {
    fn encrypt(&mut self, buf: &mut [u8]) {
        match self {
            Enc::Aes128(e) => e.encrypt_blocks(blocks(buf)),
            Enc::Aes256(e) => e.encrypt_blocks(blocks(buf)),
        }
    }
}

/// One direction's keys, as `CbcEncrypter` holds them.
struct Sealer<H: Hash> {
    key: Key,
    mac: Hmac<H>,
    mac_len: usize,
    iv_key: aes::Aes128Enc,
}

impl<H: Hash> Sealer<H> {
    fn new(cipher: CbcCipher, enc_key: &[u8], mac_key: &[u8]) -> Self {
        let key = match cipher {
            CbcCipher::Aes128 => Key::Aes128(aes::Aes128Enc::new_from_slice(enc_key).unwrap()),
            _ => Key::Aes256(aes::Aes256Enc::new_from_slice(enc_key).unwrap()),
        };
        Sealer {
            key,
            mac: Hmac::new(mac_key),
            mac_len: mac_key.len(),
            iv_key: aes::Aes128Enc::new(&Array::from(SEED)),
        }
    }

    /// Header and explicit IV, as `CbcEncrypter` writes them for sequence
    /// number `seq` (its IV is AES-128 under the seed of `seq ‖ 0^8`).
    fn head(&self, seq: u64, record: &mut [u8], total: usize) -> [u8; 16] {
        record[..3].copy_from_slice(&[23, 3, 3]);
        record[3..5].copy_from_slice(&((total - HDR) as u16).to_be_bytes());
        let mut iv = Block::default();
        iv[..8].copy_from_slice(&seq.to_be_bytes());
        self.iv_key.encrypt_block(&mut iv);
        record[HDR..HDR + IV].copy_from_slice(&iv);
        iv.into()
    }

    fn mac_header(seq: u64, len: usize) -> [u8; MAC_HDR] {
        let mut h = [0u8; MAC_HDR];
        h[..8].copy_from_slice(&seq.to_be_bytes());
        h[8..11].copy_from_slice(&[23, 3, 3]);
        h[11..].copy_from_slice(&(len as u16).to_be_bytes());
        h
    }

    /// MAC-then-encrypt, `record[21..21 + len]` the plaintext. `step`: SHA
    /// blocks compressed between two encryption calls, 0 for all of the
    /// MAC first and then all of the encryption. Returns the record length.
    fn seal_mte(&self, seq: u64, record: &mut [u8], len: usize, step: usize) -> usize {
        let body_len = (len + self.mac_len) / 16 * 16 + 16;
        let total = HDR + IV + body_len;
        let iv = self.head(seq, record, total);
        let body = &mut record[HDR + IV..total];
        let mut enc = self.key.start(&iv);
        // The first SHA block: MAC header and the first 51 bytes.
        let mut state = self.mac.inner;
        let mut first = [0u8; 64];
        first[..MAC_HDR].copy_from_slice(&Self::mac_header(seq, len));
        first[MAC_HDR..].copy_from_slice(&body[..64 - MAC_HDR]);
        H::compress(&mut state, &[first]);
        let full = (len - (64 - MAC_HDR)) / 64;
        let mut hashed = 64 - MAC_HDR; // plaintext bytes in the hash
        let mut encrypted = 0;
        if step > 0 {
            for _ in 0..full.div_ceil(step) {
                let n = step.min((len - hashed) / 64);
                H::compress(&mut state, sha_blocks(&body[hashed..hashed + 64 * n]));
                hashed += 64 * n;
                let upto = hashed / 16 * 16;
                enc.encrypt(&mut body[encrypted..upto]);
                encrypted = upto;
            }
        } else {
            H::compress(&mut state, sha_blocks(&body[hashed..hashed + 64 * full]));
            hashed += 64 * full;
        }
        let (plain, rest) = body.split_at_mut(len);
        self.mac.finish(
            state,
            &plain[hashed..],
            MAC_HDR + len,
            &mut rest[..self.mac_len],
        );
        let pad = (body_len - len - self.mac_len - 1) as u8;
        body[len + self.mac_len..].fill(pad);
        enc.encrypt(&mut body[encrypted..]);
        total
    }

    /// Encrypt-then-MAC, `record[21..21 + len]` the plaintext; `step` as
    /// for [`Sealer::seal_mte`], the encryption leading.
    fn seal_etm(&self, seq: u64, record: &mut [u8], len: usize, step: usize) -> usize {
        let enc_len = len / 16 * 16 + 16;
        let total = HDR + IV + enc_len + self.mac_len;
        let iv = self.head(seq, record, total);
        let pad = (enc_len - len - 1) as u8;
        record[HDR + IV + len..HDR + IV + enc_len].fill(pad);
        let mut enc = self.key.start(&iv);
        // The MAC covers header ‖ IV ‖ ciphertext: hashed straight from the
        // record from byte 5 + 16 - 13 = 8 on, the MAC header copied in.
        let mut state = self.mac.inner;
        let mut first = [0u8; 64];
        first[..MAC_HDR].copy_from_slice(&Self::mac_header(seq, IV + enc_len));
        let (head, tail) = record.split_at_mut(HDR + IV);
        let ct = &mut tail[..enc_len];
        let mut encrypted = 0;
        let mut hashed = 0; // ciphertext bytes in the hash
        let first_ct = 64 - MAC_HDR - IV;
        let chunk = if step > 0 { 64 * step } else { enc_len };
        let mut first_done = false;
        while encrypted < enc_len {
            let upto = (encrypted + chunk).min(enc_len);
            enc.encrypt(&mut ct[encrypted..upto]);
            encrypted = upto;
            if !first_done && encrypted >= first_ct {
                first[MAC_HDR..MAC_HDR + IV].copy_from_slice(&head[HDR..]);
                first[MAC_HDR + IV..].copy_from_slice(&ct[..first_ct]);
                H::compress(&mut state, &[first]);
                hashed = first_ct;
                first_done = true;
            }
            if first_done {
                let n = (encrypted - hashed) / 64;
                H::compress(&mut state, sha_blocks(&ct[hashed..hashed + 64 * n]));
                hashed += 64 * n;
            }
        }
        let mut mac = [0u8; 48];
        self.mac.finish(
            state,
            &ct[hashed..],
            MAC_HDR + IV + enc_len,
            &mut mac[..self.mac_len],
        );
        tail[enc_len..enc_len + self.mac_len].copy_from_slice(&mac[..self.mac_len]);
        total
    }

    /// [`Sealer::seal_mte`] with one SHA block, then the AES blocks it
    /// frees, in turn, all inside the cipher's backend
    /// (`encrypt_with_backend`), so that no call sets the backend up again.
    fn seal_mte_in_backend(&self, seq: u64, record: &mut [u8], len: usize) -> usize {
        let body_len = (len + self.mac_len) / 16 * 16 + 16;
        let total = HDR + IV + body_len;
        let iv = self.head(seq, record, total);
        let body = &mut record[HDR + IV..total];
        let mut first = [0u8; 64];
        first[..MAC_HDR].copy_from_slice(&Self::mac_header(seq, len));
        let job = MteJob::<H> {
            hmac: &self.mac,
            mac_len: self.mac_len,
            first,
            iv: Block::from(iv),
            body,
            len,
        };
        match &self.key {
            Key::Aes128(k) => k.encrypt_with_backend(job),
            Key::Aes256(k) => k.encrypt_with_backend(job),
        }
        total
    }

    /// [`Sealer::seal_etm`] with four AES blocks, then the SHA block they
    /// complete, in turn, inside the cipher's backend.
    fn seal_etm_in_backend(&self, seq: u64, record: &mut [u8], len: usize) -> usize {
        let enc_len = len / 16 * 16 + 16;
        let total = HDR + IV + enc_len + self.mac_len;
        let iv = self.head(seq, record, total);
        let pad = (enc_len - len - 1) as u8;
        record[HDR + IV + len..HDR + IV + enc_len].fill(pad);
        let mut first = [0u8; 64];
        first[..MAC_HDR].copy_from_slice(&Self::mac_header(seq, IV + enc_len));
        first[MAC_HDR..MAC_HDR + IV].copy_from_slice(&iv);
        let job = EtmJob::<H> {
            hmac: &self.mac,
            mac_len: self.mac_len,
            first,
            iv: Block::from(iv),
            rest: &mut record[HDR + IV..total],
            enc_len,
        };
        match &self.key {
            Key::Aes128(k) => k.encrypt_with_backend(job),
            Key::Aes256(k) => k.encrypt_with_backend(job),
        }
        total
    }

    fn seal(&self, etm: bool, way: Way, record: &mut [u8], len: usize) -> usize {
        let seq = 0;
        match (etm, way) {
            (true, Way::InBackend) => self.seal_etm_in_backend(seq, record, len),
            (false, Way::InBackend) => self.seal_mte_in_backend(seq, record, len),
            (true, Way::OneAfterTheOther) => self.seal_etm(seq, record, len, 0),
            (false, Way::OneAfterTheOther) => self.seal_mte(seq, record, len, 0),
            (true, Way::Calls(step)) => self.seal_etm(seq, record, len, step),
            (false, Way::Calls(step)) => self.seal_mte(seq, record, len, step),
        }
    }
}

/// How a prototype orders the AES and SHA work of one record.
#[derive(Debug, Clone, Copy)]
enum Way {
    /// All of one, then all of the other, as `CbcEncrypter` did before.
    OneAfterTheOther,
    /// `n` SHA blocks, then the AES blocks they cover (or, for EtM, the AES
    /// blocks that make `n` SHA blocks of ciphertext, then those), through
    /// the crates' ordinary calls (`cbc::Encryptor::encrypt_blocks`,
    /// `compress`) in turn.
    Calls(usize),
    /// One SHA block and four AES blocks in turn inside the cipher's
    /// backend (`encrypt_with_backend`), the hash a block ahead (MtE) or
    /// behind (EtM).
    InBackend,
}

impl Way {
    fn label(self) -> String {
        match self {
            Way::OneAfterTheOther => "one_after_the_other".into(),
            Way::Calls(n) => format!("interleaved_calls_{n}"),
            Way::InBackend => "interleaved_in_backend".into(),
        }
    }
}

const WAYS: [Way; 5] = [
    Way::OneAfterTheOther,
    Way::Calls(1),
    Way::Calls(4),
    Way::Calls(16),
    Way::InBackend,
];

/// The work of [`Sealer::seal_etm_in_backend`].
struct EtmJob<'a, H: Hash> {
    hmac: &'a Hmac<H>,
    mac_len: usize,
    first: [u8; 64],
    iv: Block,
    /// Ciphertext (`enc_len` bytes, plaintext and padding until
    /// encrypted), then room for the MAC.
    rest: &'a mut [u8],
    enc_len: usize,
}

impl<H: Hash> aes::cipher::BlockSizeUser for EtmJob<'_, H> {
    type BlockSize = U16;
}

impl<H: Hash> aes::cipher::BlockCipherEncClosure for EtmJob<'_, H> {
    fn call<B: aes::cipher::BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let EtmJob {
            hmac,
            mac_len,
            mut first,
            iv,
            rest,
            enc_len,
        } = self;
        let (ct, mac_out) = rest.split_at_mut(enc_len);
        let mut prev = iv;
        let mut state = hmac.inner;
        let first_ct = 64 - MAC_HDR - IV;
        let mut hashed = 0;
        for i in 0..enc_len / 16 {
            let b = &mut ct[16 * i..16 * i + 16];
            for (v, p) in prev.iter_mut().zip(b.iter()) {
                *v ^= p;
            }
            backend.encrypt_block_inplace(&mut prev);
            b.copy_from_slice(&prev);
            let encrypted = 16 * (i + 1);
            // One SHA block behind the encryption, so that the hash does
            // not wait on the AES block just computed.
            if hashed == 0 && encrypted >= first_ct + 64 {
                first[MAC_HDR + IV..].copy_from_slice(&ct[..first_ct]);
                H::compress(&mut state, &[first]);
                hashed = first_ct;
            } else if hashed > 0 && encrypted - hashed >= 128 {
                H::compress(&mut state, sha_blocks(&ct[hashed..hashed + 64]));
                hashed += 64;
            }
        }
        let n = (enc_len - hashed) / 64;
        H::compress(&mut state, sha_blocks(&ct[hashed..hashed + 64 * n]));
        hashed += 64 * n;
        let mut mac = [0u8; 48];
        hmac.finish(
            state,
            &ct[hashed..],
            MAC_HDR + IV + enc_len,
            &mut mac[..mac_len],
        );
        mac_out[..mac_len].copy_from_slice(&mac[..mac_len]);
    }
}

/// The work of [`Sealer::seal_mte_in_backend`].
struct MteJob<'a, H: Hash> {
    hmac: &'a Hmac<H>,
    mac_len: usize,
    first: [u8; 64],
    iv: Block,
    body: &'a mut [u8],
    len: usize,
}

impl<H: Hash> aes::cipher::BlockSizeUser for MteJob<'_, H> {
    type BlockSize = U16;
}

impl<H: Hash> aes::cipher::BlockCipherEncClosure for MteJob<'_, H> {
    fn call<B: aes::cipher::BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let MteJob {
            hmac,
            mac_len,
            mut first,
            iv,
            body,
            len,
        } = self;
        let mut prev = iv;
        let mut encrypted = 0;
        let mut encrypt_to = |body: &mut [u8], upto: usize| {
            for b in body[encrypted..upto].chunks_exact_mut(16) {
                for (v, p) in prev.iter_mut().zip(b.iter()) {
                    *v ^= p;
                }
                backend.encrypt_block_inplace(&mut prev);
                b.copy_from_slice(&prev);
            }
            encrypted = upto;
        };
        let mut state = hmac.inner;
        first[MAC_HDR..].copy_from_slice(&body[..64 - MAC_HDR]);
        H::compress(&mut state, &[first]);
        let mut hashed = 64 - MAC_HDR;
        while len - hashed >= 64 {
            H::compress(&mut state, sha_blocks(&body[hashed..hashed + 64]));
            hashed += 64;
            encrypt_to(body, hashed / 16 * 16);
        }
        let (plain, rest) = body.split_at_mut(len);
        hmac.finish(state, &plain[hashed..], MAC_HDR + len, &mut rest[..mac_len]);
        let pad = (body.len() - len - mac_len - 1) as u8;
        body[len + mac_len..].fill(pad);
        let end = body.len();
        encrypt_to(body, end);
    }
}

fn case<H: Hash>(c: &mut Criterion<CpuTime>, name: &str, cipher: CbcCipher, mac: MacKind) {
    let kind = CbcKind { cipher, mac };
    let enc_key = vec![0x42; kind.key_len()];
    let mac_key = vec![0x24; mac.len()];
    let sealer = Sealer::<H>::new(cipher, &enc_key, &mac_key);
    let data: Vec<u8> = (0..RECORD).map(|i| (i * 13) as u8).collect();
    let mut g = c.benchmark_group("cbc_stitch_seal_16k");
    g.throughput(Throughput::Bytes(RECORD as u64));
    for etm in [false, true] {
        let mode = if etm { "etm" } else { "mte" };
        let mut real = CbcEncrypter::new(kind, &enc_key, &mac_key, etm, SEED).unwrap();
        let prefix = real.prefix_len();
        let size = prefix + RECORD + real.max_suffix_len();
        // The prototypes' records are CbcEncrypter's, byte for byte.
        let mut want = Vec::new();
        real.seal_record(ContentType::APPLICATION_DATA, &data, &mut want)
            .unwrap();
        for way in WAYS {
            let mut rec = vec![0u8; size];
            rec[prefix..prefix + RECORD].copy_from_slice(&data);
            let n = sealer.seal(etm, way, &mut rec, RECORD);
            assert_eq!(rec[..n], want[..], "{name} {mode} {way:?}");
        }
        let mut rec = vec![0x5a; size];
        g.bench_function(format!("{name}_{mode}/CbcEncrypter"), |b| {
            b.iter(|| {
                real.seal_in_place(ContentType::APPLICATION_DATA, &mut rec, RECORD)
                    .unwrap()
            })
        });
        for way in WAYS {
            g.bench_function(format!("{name}_{mode}/{}", way.label()), |b| {
                b.iter(|| sealer.seal(etm, way, &mut rec, RECORD))
            });
        }
    }
    g.finish();
}

fn stitch(c: &mut Criterion<CpuTime>) {
    case::<Sha1>(c, "aes128_sha1", CbcCipher::Aes128, MacKind::Sha1);
    case::<Sha256>(c, "aes256_sha256", CbcCipher::Aes256, MacKind::Sha256);
}

/// AES-CBC encryption of `K` records at once: block `j` of every record
/// goes through the cipher before block `j + 1` of any, each XORed with
/// its own record's previous ciphertext block. The chains are
/// independent, so the AES rounds of the `K` blocks overlap in the
/// pipeline. Run inside the cipher's backend (`encrypt_with_backend`), as
/// the `cbc` crate runs its own loop, so the backend is set up once.
struct SideBySide<'a, const K: usize> {
    prev: [Block; K],
    recs: &'a mut [Vec<u8>],
}

impl<const K: usize> aes::cipher::BlockSizeUser for SideBySide<'_, K> {
    type BlockSize = U16;
}

impl<const K: usize> aes::cipher::BlockCipherEncClosure for SideBySide<'_, K> {
    fn call<B: aes::cipher::BlockCipherEncBackend<BlockSize = U16>>(mut self, backend: &B) {
        for j in 0..RECORD / 16 {
            let at = 16 * j..16 * j + 16;
            for (rec, prev) in self.recs.iter_mut().zip(self.prev.iter_mut()) {
                for (p, v) in rec[at.clone()].iter().zip(prev.iter_mut()) {
                    *v ^= p;
                }
            }
            for prev in self.prev.iter_mut() {
                backend.encrypt_block_inplace(prev);
            }
            for (rec, prev) in self.recs.iter_mut().zip(self.prev.iter()) {
                rec[at.clone()].copy_from_slice(prev);
            }
        }
    }
}

fn cbc_side_by_side<const K: usize>(key: &aes::Aes128Enc, ivs: &[Block; K], recs: &mut [Vec<u8>]) {
    key.encrypt_with_backend(SideBySide::<K> { prev: *ivs, recs });
}

/// The AES-CBC part of sealing alone, 16 KiB per record: one record's
/// chain, as now, against `K` records' chains side by side (time per
/// `K` records, throughput per byte).
fn multi_record(c: &mut Criterion<CpuTime>) {
    let key = aes::Aes128Enc::new(&Array::from([0x42u8; 16]));
    let mut g = c.benchmark_group("cbc_stitch_aes128_cbc_encrypt");
    let mut recs: Vec<Vec<u8>> = (0..8).map(|k| vec![k as u8; RECORD]).collect();
    // Side by side gives each record what one chain alone gives it.
    let ivs: [Block; 4] = core::array::from_fn(|k| Block::from([k as u8 + 1; 16]));
    let mut want = recs[..4].to_vec();
    for (r, iv) in want.iter_mut().zip(&ivs) {
        cbc::Encryptor::inner_iv_init(&key, iv).encrypt_blocks(blocks(r));
    }
    cbc_side_by_side::<4>(&key, &ivs, &mut recs[..4]);
    assert_eq!(recs[..4], want[..]);

    g.throughput(Throughput::Bytes(RECORD as u64));
    g.bench_function("one_record", |b| {
        b.iter(|| cbc::Encryptor::inner_iv_init(&key, &ivs[0]).encrypt_blocks(blocks(&mut recs[0])))
    });
    macro_rules! k {
        ($k:literal) => {
            g.throughput(Throughput::Bytes(($k * RECORD) as u64));
            g.bench_function(concat!("side_by_side_", $k), |b| {
                let ivs: [Block; $k] = core::array::from_fn(|k| Block::from([k as u8; 16]));
                b.iter(|| cbc_side_by_side::<$k>(&key, &ivs, &mut recs[..$k]))
            });
        };
    }
    k!(2);
    k!(4);
    k!(8);
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion_config();
    targets = stitch, multi_record
}
criterion_main!(benches);
