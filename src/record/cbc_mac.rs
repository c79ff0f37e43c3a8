//! The HMAC of CBC records (RFC 5246 §6.2.3.1): HMAC-SHA1, HMAC-SHA256 or
//! HMAC-SHA384 over `seq(8) ‖ type(1) ‖ version(2) ‖ length(2) ‖ data`.
//!
//! Both ways below run the compression functions of the `sha1` and `sha2`
//! crates from the key's pad-block states. (Not ring's HMAC: ring's SHA-1
//! does not use the CPU's SHA extensions, and on this project's machine
//! ran at a quarter of the `sha1` crate's speed over 16 KiB, 0.43 against
//! 1.79 GiB/s; SHA-256 and SHA-384 ran alike, 1.65 and 0.57 GiB/s. See
//! `benches/cbc_crates.rs`.)
//!
//! Two ways to compute it, for two kinds of data:
//!
//! - [`RecordMac::sign`] and [`RecordMac::verify`], a plain streaming
//!   HMAC, are for data whose length is public: what we send, and an
//!   encrypt-then-MAC record (RFC 7366), whose MAC covers the ciphertext as
//!   received. [`RecordMac::stream`] is the same HMAC in steps (start from
//!   the inner pad state, hash, finish with the padding and the outer
//!   hash), so that sealing can run the compression calls between its AES
//!   blocks (`record/cbc.rs`).
//! - [`RecordMac::sign_secret_len`] is for a MAC-then-encrypt record, where
//!   the MAC covers the plaintext and the plaintext's length depends on the
//!   decrypted padding length byte: a secret. Hashing only the bytes that
//!   length says would take time proportional to it, and that difference
//!   (a few compression-function calls) is the Lucky Thirteen padding
//!   oracle (AlFardan and Paterson, 2013; RFC 5246 §6.2.3.2 notes the
//!   timing channel). This function does the same work and touches the same
//!   memory for every length in the public range the record allows; only
//!   the decrypted record length and the hash decide either.
//!
//! How the constant-time HMAC works (the approach of BoringSSL's
//! `EVP_tls_cbc_digest_record`, written anew here over the `sha1`/`sha2`
//! crates' public compression functions):
//!
//! 1. The key's inner and outer pad blocks are hashed once, at key setup;
//!    every record starts from those two states.
//! 2. The inner message is `header(13) ‖ data[..n]` with `n` secret but
//!    within `[min, max]`, both public. Every block that lies wholly below
//!    `13 + min` is the same for every candidate `n`: those are hashed as
//!    they are.
//! 3. Every later block, up to the last one the longest candidate could
//!    need, is built byte by byte from masks: a message byte where its
//!    position is below `13 + n`, the `0x80` end marker where it equals it,
//!    zero after, and the length field (64 bits for SHA-1/SHA-256, 128 for
//!    SHA-384) in the block where the padded message of length `13 + n`
//!    ends. Each block is compressed, and the state after the block where
//!    `n`'s message ends is kept with a constant-time select. The blocks
//!    after it are hashed anyway and their state thrown away.
//! 4. The outer hash covers the inner digest: a public length, one block.
//!
//! No branch and no memory address depends on `n`: positions are compared
//! with the arithmetic masks below ([`lt_mask`], [`eq_mask`]), per byte,
//! and the per-block choices and the clamping use `subtle`. (`subtle`'s
//! `Choice` costs an optimization barrier per use, a few nanoseconds; per
//! byte of the window that made opening a 1 KB record ten times slower.)
//! The secret length, and each mask that stays the same over a loop, pass
//! through `core::hint::black_box`, so that the compiler cannot see a mask
//! is 0 or !0 and turn it back into a branch; `tests/timing_cbc.rs` caught
//! it doing just that to a loop in `record/cbc.rs`. The sequence of
//! compressions is fixed by the public range.

use sha2::digest::array::Array;
use sha2::digest::typenum::{U128, U64};
use subtle::{
    Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater, ConstantTimeLess,
};
use zeroize::{Zeroize, Zeroizing};

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;
use crate::record::sequence::{auth_header, AUTH_HEADER_LEN};
use crate::suites::MacKind;

/// All ones if `a < b`, else zero, for `a, b < 2^63`: the borrow of
/// `a - b` is its top bit, so there is no comparison for the compiler to
/// turn into a branch.
#[inline]
pub(crate) fn lt_mask(a: u64, b: u64) -> u64 {
    0u64.wrapping_sub(a.wrapping_sub(b) >> 63)
}

/// All ones if `a == b`, else zero: `x | -x` has its top bit set exactly
/// when `x = a ^ b` is not zero.
#[inline]
pub(crate) fn eq_mask(a: u64, b: u64) -> u64 {
    let x = a ^ b;
    0u64.wrapping_sub(((x | x.wrapping_neg()) >> 63) ^ 1)
}

/// The longest MAC of any suite: HMAC-SHA384's 48 bytes.
pub const MAX_MAC_LEN: usize = 48;

/// Length of the MAC's header (RFC 5246 §6.2.3.1): the authenticated
/// header every record starts with, `seq(8) ‖ type(1) ‖ version(2) ‖
/// length(2)` ([`crate::record::sequence::auth_header`]).
pub const MAC_HEADER_LEN: usize = AUTH_HEADER_LEN;

/// The MAC header without its length: `seq(8) ‖ type(1) ‖ version(2)`.
pub type MacPrefix = [u8; MAC_HEADER_LEN - 2];

/// `seq(8) ‖ type(1) ‖ version(2)`, the part of the MAC header that does
/// not depend on the length, which is secret when a MAC-then-encrypt
/// record is opened.
pub fn mac_prefix(seq: u64, typ: ContentType, version: ProtocolVersion) -> MacPrefix {
    let mut p = [0u8; MAC_HEADER_LEN - 2];
    p.copy_from_slice(&auth_header(seq, typ, version, 0)[..MAC_HEADER_LEN - 2]);
    p
}

/// One hash function seen through its compression function: what the
/// constant-time HMAC needs to know of it.
trait Engine {
    /// The chaining state.
    type State: Copy + Zeroize;
    /// The initial chaining value (FIPS 180-4 §5.3).
    const IV: Self::State;
    /// Block length: 64 or 128 bytes.
    const BLOCK: usize;
    /// log2 of `BLOCK`, so that block indices of secret positions are
    /// shifts, never a division whose time could depend on its operands.
    const BLOCK_SHIFT: u32;
    /// Length of the message-length field that ends the padding (FIPS 180-4
    /// §5.1): 8 bytes, or 16 for SHA-384.
    const LEN_FIELD: usize;
    /// Digest length.
    const OUT: usize;
    /// Compresses `blocks`, a whole number of blocks.
    fn compress(state: &mut Self::State, blocks: &[u8]);
    /// `*dst = src` where `choice` is set, without a branch.
    fn select(dst: &mut Self::State, src: &Self::State, choice: Choice);
    /// The digest of a finished state (big-endian words, truncated to `OUT`).
    fn output(state: &Self::State, out: &mut [u8]);
}

struct Sha1;
struct Sha256;
struct Sha384;

/// `dst = src` word by word where `choice` is set, without a branch: every
/// engine's [`Engine::select`].
fn select_words<W: ConditionallySelectable>(dst: &mut [W], src: &[W], choice: Choice) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.conditional_assign(s, choice);
    }
}

fn blocks64(b: &[u8]) -> &[[u8; 64]] {
    Array::<u8, U64>::cast_slice_to_core(Array::<u8, U64>::slice_as_chunks(b).0)
}

fn blocks128(b: &[u8]) -> &[[u8; 128]] {
    Array::<u8, U128>::cast_slice_to_core(Array::<u8, U128>::slice_as_chunks(b).0)
}

impl Engine for Sha1 {
    type State = [u32; 5];
    const IV: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const BLOCK: usize = 64;
    const BLOCK_SHIFT: u32 = 6;
    const LEN_FIELD: usize = 8;
    const OUT: usize = 20;
    fn compress(state: &mut [u32; 5], blocks: &[u8]) {
        sha1::block_api::compress(state, blocks64(blocks));
    }
    fn select(dst: &mut [u32; 5], src: &[u32; 5], choice: Choice) {
        select_words(dst, src, choice);
    }
    fn output(state: &[u32; 5], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

impl Engine for Sha256 {
    type State = [u32; 8];
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const BLOCK: usize = 64;
    const BLOCK_SHIFT: u32 = 6;
    const LEN_FIELD: usize = 8;
    const OUT: usize = 32;
    fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        sha2::block_api::compress256(state, blocks64(blocks));
    }
    fn select(dst: &mut [u32; 8], src: &[u32; 8], choice: Choice) {
        select_words(dst, src, choice);
    }
    fn output(state: &[u32; 8], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

impl Engine for Sha384 {
    type State = [u64; 8];
    const IV: [u64; 8] = [
        0xcbbb_9d5d_c105_9ed8,
        0x629a_292a_367c_d507,
        0x9159_015a_3070_dd17,
        0x152f_ecd8_f70e_5939,
        0x6733_2667_ffc0_0b31,
        0x8eb4_4a87_6858_1511,
        0xdb0c_2e0d_64f9_8fa7,
        0x47b5_481d_befa_4fa4,
    ];
    const BLOCK: usize = 128;
    const BLOCK_SHIFT: u32 = 7;
    const LEN_FIELD: usize = 16;
    const OUT: usize = 48;
    fn compress(state: &mut [u64; 8], blocks: &[u8]) {
        sha2::block_api::compress512(state, blocks128(blocks));
    }
    fn select(dst: &mut [u64; 8], src: &[u64; 8], choice: Choice) {
        select_words(dst, src, choice);
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        // SHA-384 is SHA-512 with its own IV, truncated to six words.
        for (o, w) in out.chunks_exact_mut(8).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

/// The chaining states after the key's inner and outer pad blocks, wiped
/// on drop.
struct Midstates<E: Engine> {
    inner: E::State,
    outer: E::State,
}

impl<E: Engine> Midstates<E> {
    fn new(key: &[u8]) -> Self {
        // RFC 2104 §2: a key no longer than a block is zero-padded to one;
        // the MAC keys of every suite are (20, 32 or 48 bytes).
        let mut block = Zeroizing::new([0u8; 128]);
        let block = &mut block[..E::BLOCK];
        let mut pads = [0x36u8, 0x5c].map(|pad| {
            block.fill(pad);
            for (b, k) in block.iter_mut().zip(key) {
                *b ^= k;
            }
            let mut s = E::IV;
            E::compress(&mut s, block);
            s
        });
        let m = Midstates {
            inner: pads[0],
            outer: pads[1],
        };
        pads.zeroize();
        m
    }

    /// The constant-time HMAC of `prefix ‖ (n as u16) ‖ data[..n]`: see
    /// [`RecordMac::sign_secret_len`] and the module docs.
    fn sign_secret_len(
        &self,
        prefix: &MacPrefix,
        data: &[u8],
        n: usize,
        min: usize,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        const HDR: usize = MAC_HEADER_LEN;
        let max = data.len();
        let min = min.min(max);
        // Clamp `n` into [min, max] without a branch: the result is then
        // always the true HMAC of one of the candidates.
        let (lo, hi) = (min as u64, max as u64);
        let mut n = n as u64;
        n = u64::conditional_select(&n, &hi, n.ct_gt(&hi));
        n = u64::conditional_select(&n, &lo, n.ct_lt(&lo));

        let mut header = [0u8; HDR];
        header[..HDR - 2].copy_from_slice(prefix);
        header[HDR - 2..].copy_from_slice(&(n as u16).to_be_bytes());
        // The inner message `header ‖ data[..n]` has `m` bytes; its position
        // `p` in the public longest message is `header ‖ data`.
        // The secret length behind an optimization barrier, so that the
        // masks below stay arithmetic (best effort, as `subtle`'s own).
        let m = core::hint::black_box(HDR as u64 + n);
        let longest = HDR + max;
        let byte_at = |p: usize| -> u8 {
            if p < HDR {
                header[p]
            } else if p < longest {
                data[p - HDR]
            } else {
                0
            }
        };
        // The hashed length counts the key block in front (RFC 2104).
        let bits = ((E::BLOCK as u64 + m) * 8).to_be_bytes();
        // The block holding the length field: m's `0x80` and the field must
        // both fit, so it is block `(m + LEN_FIELD) / BLOCK`.
        let last = (m + E::LEN_FIELD as u64) >> E::BLOCK_SHIFT;

        let mut state = self.inner;
        let mut block = Zeroizing::new([0u8; 128]);
        let b = E::BLOCK;

        // Blocks wholly below the shortest candidate are plain message.
        let fixed = (HDR + min) >> E::BLOCK_SHIFT;
        if fixed > 0 {
            for (p, x) in block[..b].iter_mut().enumerate() {
                *x = byte_at(p);
            }
            E::compress(&mut state, &block[..b]);
            E::compress(&mut state, &data[b - HDR..fixed * b - HDR]);
        }

        // The rest, up to the last block the longest candidate needs, built
        // with masks; the state after block `last` is kept.
        let mut kept = state;
        let end = (longest + E::LEN_FIELD) >> E::BLOCK_SHIFT;
        for i in fixed..=end {
            // Opaque, so that the compiler cannot see it is 0 or !0 and
            // split the loop below into two versions, one branch between.
            let is_last = core::hint::black_box(eq_mask(i as u64, last));
            for (j, x) in block[..b].iter_mut().enumerate() {
                let p = (i * b + j) as u64;
                let mut v = byte_at(i * b + j) & lt_mask(p, m) as u8;
                v |= 0x80 & eq_mask(p, m) as u8;
                if let Some(k) = (j + E::LEN_FIELD).checked_sub(b) {
                    // The length field's last 8 bytes; SHA-384's upper 8
                    // bytes stay zero.
                    if let Some(k) = k.checked_sub(E::LEN_FIELD - 8) {
                        v |= bits[k] & is_last as u8;
                    }
                }
                *x = v;
            }
            E::compress(&mut state, &block[..b]);
            E::select(&mut kept, &state, Choice::from((is_last & 1) as u8));
        }

        self.outer(&kept, out);
        state.zeroize();
        kept.zeroize();
        header.zeroize();
    }

    /// The HMAC of the concatenation of `parts`, whose lengths are public:
    /// a plain streaming hash from the inner pad state.
    fn sign<'a>(&self, parts: impl Iterator<Item = &'a [u8]>, out: &mut [u8; MAX_MAC_LEN]) {
        let mut stream = self.stream();
        for part in parts {
            stream.update(part);
        }
        stream.finish(out);
    }

    fn stream(&self) -> Stream<'_, E> {
        Stream {
            mid: self,
            state: self.inner,
            block: Zeroizing::new([0u8; 128]),
            fill: 0,
            total: 0,
        }
    }

    /// The outer hash of HMAC over the finished inner state: one block,
    /// the inner digest and its padding (a public length).
    fn outer(&self, inner_state: &E::State, out: &mut [u8; MAX_MAC_LEN]) {
        let b = E::BLOCK;
        let mut block = Zeroizing::new([0u8; 128]);
        E::output(inner_state, &mut block[..E::OUT]);
        block[E::OUT] = 0x80;
        let bits = ((E::BLOCK + E::OUT) as u64 * 8).to_be_bytes();
        block[b - 8..b].copy_from_slice(&bits);
        let mut outer = self.outer;
        E::compress(&mut outer, &block[..b]);
        E::output(&outer, &mut out[..E::OUT]);
        outer.zeroize();
    }
}

impl<E: Engine> Drop for Midstates<E> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A running HMAC of data of public length (see [`MacStream`]): the inner
/// chaining state, the bytes of a block not yet compressed, and the count
/// of bytes hashed. All wiped on drop.
struct Stream<'m, E: Engine> {
    mid: &'m Midstates<E>,
    state: E::State,
    block: Zeroizing<[u8; 128]>,
    /// Bytes in `block`, always less than a block.
    fill: usize,
    /// Message bytes so far, after the key block.
    total: u64,
}

impl<E: Engine> Stream<'_, E> {
    fn update(&mut self, mut data: &[u8]) {
        let b = E::BLOCK;
        self.total += data.len() as u64;
        if self.fill > 0 {
            let take = (b - self.fill).min(data.len());
            self.block[self.fill..self.fill + take].copy_from_slice(&data[..take]);
            self.fill += take;
            data = &data[take..];
            if self.fill < b {
                return;
            }
            E::compress(&mut self.state, &self.block[..b]);
        }
        // Whole blocks straight from `data`; the rest waits in `block`.
        let whole = data.len() - data.len() % b;
        E::compress(&mut self.state, &data[..whole]);
        self.fill = data.len() - whole;
        self.block[..self.fill].copy_from_slice(&data[whole..]);
    }

    fn finish(mut self, out: &mut [u8; MAX_MAC_LEN]) {
        let (b, fill) = (E::BLOCK, self.fill);
        // FIPS 180-4 §5.1: the end marker, zeros, the length in bits (of
        // the key block too), in one more block if they do not fit.
        self.block[fill] = 0x80;
        self.block[fill + 1..b].fill(0);
        if fill + 1 > b - E::LEN_FIELD {
            E::compress(&mut self.state, &self.block[..b]);
            self.block[..b].fill(0);
        }
        let bits = (b as u64 + self.total) * 8;
        self.block[b - 8..b].copy_from_slice(&bits.to_be_bytes());
        E::compress(&mut self.state, &self.block[..b]);
        self.mid.outer(&self.state, out);
    }
}

impl<E: Engine> Drop for Stream<'_, E> {
    fn drop(&mut self) {
        self.state.zeroize();
    }
}

/// The hash-specific half of a [`RecordMac`].
enum Mid {
    Sha1(Midstates<Sha1>),
    Sha256(Midstates<Sha256>),
    Sha384(Midstates<Sha384>),
}

/// One direction's record MAC key (RFC 5246 §6.2.3.1), kept as the
/// states after its inner and outer pad blocks (RFC 2104 §2), which are
/// wiped on drop.
pub struct RecordMac {
    kind: MacKind,
    mid: Mid,
}

impl RecordMac {
    /// The MAC of `kind` under `key`, the MAC key from the key block
    /// (RFC 5246 §6.3). A key of the wrong length is `Error::Internal`:
    /// the key block is sized from the same `MacKind`.
    pub fn new(kind: MacKind, key: &[u8]) -> Result<RecordMac, Error> {
        if key.len() != kind.len() {
            return Err(Error::Internal("record MAC key of the wrong length"));
        }
        let mid = match kind {
            MacKind::Sha1 => Mid::Sha1(Midstates::new(key)),
            MacKind::Sha256 => Mid::Sha256(Midstates::new(key)),
            MacKind::Sha384 => Mid::Sha384(Midstates::new(key)),
        };
        Ok(RecordMac { kind, mid })
    }

    /// A MAC taken in steps ([`MacStream`]), for data of public length:
    /// the caller updates it with the 13-byte MAC header, then the data.
    pub fn stream(&self) -> MacStream<'_> {
        MacStream(match &self.mid {
            Mid::Sha1(m) => StreamOf::Sha1(m.stream()),
            Mid::Sha256(m) => StreamOf::Sha256(m.stream()),
            Mid::Sha384(m) => StreamOf::Sha384(m.stream()),
        })
    }

    /// The MAC of `header ‖ parts...` into `out[..mac_len]`, for data of
    /// public length. `out` must hold the MAC length.
    pub fn sign(&self, header: &[u8; MAC_HEADER_LEN], parts: &[&[u8]], out: &mut [u8]) {
        let all = core::iter::once(&header[..]).chain(parts.iter().copied());
        let mut mac = Zeroizing::new([0u8; MAX_MAC_LEN]);
        match &self.mid {
            Mid::Sha1(m) => m.sign(all, &mut mac),
            Mid::Sha256(m) => m.sign(all, &mut mac),
            Mid::Sha384(m) => m.sign(all, &mut mac),
        }
        let n = self.kind.len().min(out.len());
        out[..n].copy_from_slice(&mac[..n]);
    }

    /// Whether `tag` is the MAC of `header ‖ data`, compared in constant time
    /// (a tag of the wrong length is refused, which is public).
    pub fn verify(&self, header: &[u8; MAC_HEADER_LEN], data: &[u8], tag: &[u8]) -> Choice {
        let mut expected = Zeroizing::new([0u8; MAX_MAC_LEN]);
        self.sign(header, &[data], &mut expected[..]);
        expected[..self.kind.len()].ct_eq(tag)
    }

    /// The MAC of `prefix ‖ (n as u16) ‖ data[..n]` into `out[..mac_len]`,
    /// where `n` is secret and lies in `[min, data.len()]`: the work done
    /// and the memory read depend only on `data.len()`, `min` and the hash,
    /// never on `n` (see the module docs). An `n` outside that range is
    /// clamped into it, without a branch. `data.len()` is at most a
    /// record's length (it must fit in the 16-bit length field).
    pub fn sign_secret_len(
        &self,
        prefix: &MacPrefix,
        data: &[u8],
        n: usize,
        min: usize,
        out: &mut [u8; MAX_MAC_LEN],
    ) {
        match &self.mid {
            Mid::Sha1(m) => m.sign_secret_len(prefix, data, n, min, out),
            Mid::Sha256(m) => m.sign_secret_len(prefix, data, n, min, out),
            Mid::Sha384(m) => m.sign_secret_len(prefix, data, n, min, out),
        }
    }
}

impl core::fmt::Debug for RecordMac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordMac")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The HMAC of one record's data, taken in steps, so that the record code
/// can interleave its compression calls with other work (the AES-CBC
/// encryption of a record being sealed, in `record/cbc.rs`). For data of
/// public length only, as [`RecordMac::sign`]: the work follows the
/// lengths given to [`MacStream::update`]. Started by
/// [`RecordMac::stream`] from the key's inner pad state; the state and the
/// buffered bytes are wiped on drop.
pub struct MacStream<'m>(StreamOf<'m>);

enum StreamOf<'m> {
    Sha1(Stream<'m, Sha1>),
    Sha256(Stream<'m, Sha256>),
    Sha384(Stream<'m, Sha384>),
}

impl MacStream<'_> {
    /// The hash's block length, 64 or 128 bytes: an `update` that brings
    /// the data hashed to a multiple of it compresses straight from its
    /// input, and buffers nothing.
    pub fn block_len(&self) -> usize {
        match &self.0 {
            StreamOf::Sha1(_) => Sha1::BLOCK,
            StreamOf::Sha256(_) => Sha256::BLOCK,
            StreamOf::Sha384(_) => Sha384::BLOCK,
        }
    }

    /// Hashes `data` after what came before: every block it completes is
    /// compressed now, the rest (less than a block) kept for later.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            StreamOf::Sha1(s) => s.update(data),
            StreamOf::Sha256(s) => s.update(data),
            StreamOf::Sha384(s) => s.update(data),
        }
    }

    /// Pads the inner hash, runs the outer one and writes the MAC into
    /// `out[..mac_len]` (`out` may be longer, not shorter).
    pub fn finish(self, out: &mut [u8]) {
        let mut mac = Zeroizing::new([0u8; MAX_MAC_LEN]);
        let n = match self.0 {
            StreamOf::Sha1(s) => {
                s.finish(&mut mac);
                Sha1::OUT
            }
            StreamOf::Sha256(s) => {
                s.finish(&mut mac);
                Sha256::OUT
            }
            StreamOf::Sha384(s) => {
                s.finish(&mut mac);
                Sha384::OUT
            }
        };
        let n = n.min(out.len());
        out[..n].copy_from_slice(&mac[..n]);
    }
}

#[cfg(test)]
mod tests;
