//! CBC record protection (RFC 5246 §6.2.3.2): AES-CBC with an HMAC, either
//! MAC-then-encrypt, as RFC 5246 defines it, or encrypt-then-MAC when the
//! peers negotiated RFC 7366. Sealing writes straight into the caller's
//! buffer; opening decrypts in place in the caller's input.
//!
//! Record layout after the 5-byte header, both modes with an explicit IV of
//! one block in front (RFC 5246 §6.2.3.2):
//!
//! - MAC-then-encrypt: `IV ‖ ENC(plaintext ‖ MAC ‖ padding)`, the MAC over
//!   `seq ‖ type ‖ version ‖ plaintext length ‖ plaintext`;
//! - encrypt-then-MAC (RFC 7366 §3): `IV ‖ ENC(plaintext ‖ padding) ‖ MAC`,
//!   the MAC over `seq ‖ type ‖ version ‖ length ‖ IV ‖ ciphertext`, where
//!   the length is that of `IV ‖ ciphertext`.
//!
//! The padding is `n + 1` bytes of value `n`, the last being the length
//! byte; a receiver must accept any `n` up to 255 that keeps the record a
//! whole number of blocks. We send the least: 1 to 16 bytes.
//!
//! **Explicit IVs.** RFC 5246 §6.2.3.2 asks that each record's IV be
//! unpredictable (a predictable IV gave BEAST its chosen-plaintext
//! attack). Ours is one AES-128 block encryption, under a key drawn from
//! the caller's random source when the encrypter is made (`iv_seed`), of
//! `seq(8) ‖ 0^8`: distinct for every record, unpredictable to anyone who
//! does not know the seed, with no call to a random source per record (the
//! crate takes no hidden randomness), and a few nanoseconds of work.
//!
//! **Sealing: the encryption and the MAC in one pass.** AES-CBC encryption
//! is one chain of dependent AES rounds and the hash another; run one
//! after the other, each leaves the core mostly idle waiting on its own
//! latency, and their times add up. So a record is sealed by one job run
//! inside the cipher's backend (`encrypt_with_backend`, the `cipher`
//! crate's safe API, through which the `cbc` crate runs its own loop): it
//! CBC-chains the blocks by hand, one `encrypt_block_inplace` at a time,
//! and calls the MAC's compression function
//! ([`RecordMac::stream`](super::cbc_mac::RecordMac::stream)) between
//! them, so that the out-of-order core runs both chains at once, as
//! OpenSSL's stitched assembly does instruction by instruction. For
//! MAC-then-encrypt the hash runs a block ahead (it must read the
//! plaintext before the encryption overwrites it); for encrypt-then-MAC it
//! runs one hash block behind, so that it never waits on the AES block
//! just made. The bytes are those of the two passes (the tests compare);
//! on this project's machine it halved the seal of a 16 KiB SHA-1 record
//! (BENCHMARKS.md, "CBC records beside OpenSSL 3").
//!
//! **Receiving MAC-then-encrypt without a timing oracle.** The padding
//! length byte is decrypted data, so it is secret, and so is the length of
//! the plaintext the MAC covers. The receiver checks the padding over a
//! fixed window of the record's last `min(256, L)` bytes with masks, treats
//! bad padding as a padding length of zero (as TLS stacks do, so the same
//! MAC work follows), computes the MAC with
//! [`RecordMac::sign_secret_len`](super::cbc_mac::RecordMac::sign_secret_len),
//! whose work depends only on the record's length (the Lucky Thirteen
//! defence), reads the received MAC from its secret position by scanning
//! every possible position and rotating the result into place with masks,
//! compares in constant time, and branches once, on padding and MAC
//! together. Every failure is `BadRecordMac`, so the alert says nothing of
//! what failed (RFC 5246 §6.2.3.2, §7.2.2).
//!
//! **Encrypt-then-MAC.** The MAC covers the ciphertext, so the receiver
//! checks it first and decrypts only authentic records: the padding it
//! then checks came from the peer, and has no oracle to offer.
//!
//! Sequence numbers (RFC 5246 §6.1) start at zero for every new key and
//! never wrap ([`super::sequence`], shared with [`super::cipher`]).
//!
//! The expanded AES key schedules are those of the `aes` crate, built
//! with its `zeroize` feature so that they are wiped on drop.

use aes::cipher::array::Array;
use aes::cipher::typenum::U16;
use aes::cipher::{
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockModeDecrypt,
    BlockSizeUser, InnerIvInit, KeyInit,
};
use aes::{Aes128Dec, Aes128Enc, Aes256Dec, Aes256Enc};
use alloc::vec::Vec;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};
use zeroize::{Zeroize, Zeroizing};

use super::cbc_mac::{eq_mask, lt_mask, mac_prefix, RecordMac, MAC_HEADER_LEN, MAX_MAC_LEN};
use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;
use crate::limits::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};
use crate::record::sequence::{auth_header, SequenceNumber};
use crate::suites::{CbcCipher, CbcKind, CBC_BLOCK_LEN};

/// The padding a receiver must accept, at most: 255 bytes and the length
/// byte (RFC 5246 §6.2.3.2).
const MAX_PADDING: usize = 256;

/// One block.
type Block = Array<u8, U16>;

/// `buf`, a whole number of blocks, as blocks.
fn blocks(buf: &mut [u8]) -> &mut [Block] {
    Block::slice_as_chunks_mut(buf).0
}

/// The encryption key schedule of either AES.
enum EncKey {
    Aes128(Aes128Enc),
    Aes256(Aes256Enc),
}

impl EncKey {
    fn new(cipher: CbcCipher, key: &[u8]) -> Result<EncKey, Error> {
        let bad = |_| Error::Internal("record key of the wrong length");
        Ok(match cipher {
            CbcCipher::Aes128 => EncKey::Aes128(Aes128Enc::new_from_slice(key).map_err(bad)?),
            CbcCipher::Aes256 => EncKey::Aes256(Aes256Enc::new_from_slice(key).map_err(bad)?),
        })
    }

    /// Runs `job` inside the cipher's backend (module docs, "Sealing").
    fn seal(&self, job: SealJob<'_>) {
        match self {
            EncKey::Aes128(k) => k.encrypt_with_backend(job),
            EncKey::Aes256(k) => k.encrypt_with_backend(job),
        }
    }

    /// AES-CBC encryption of `buf` (whole blocks) in place under `iv`, in
    /// one pass of the `cbc` crate: the two-pass seal the tests compare
    /// the stitched one with.
    #[cfg(test)]
    fn encrypt(&self, iv: &[u8; CBC_BLOCK_LEN], buf: &mut [u8]) {
        use aes::cipher::BlockModeEncrypt;
        let iv = Block::from(*iv);
        match self {
            EncKey::Aes128(k) => cbc::Encryptor::inner_iv_init(k, &iv).encrypt_blocks(blocks(buf)),
            EncKey::Aes256(k) => cbc::Encryptor::inner_iv_init(k, &iv).encrypt_blocks(blocks(buf)),
        }
    }
}

/// One record's seal, run inside the cipher's backend
/// (`BlockCipherEncrypt::encrypt_with_backend`): AES-CBC chained by hand a
/// block at a time, with the MAC's compression calls in between (module
/// docs, "Sealing").
struct SealJob<'a> {
    mac: &'a RecordMac,
    /// The MAC header: `seq ‖ type ‖ version ‖ length`.
    header: [u8; MAC_HEADER_LEN],
    iv: Block,
    /// MtE: `plaintext ‖ room for MAC ‖ room for padding`. EtM: `plaintext
    /// ‖ padding` (already written), then room for the MAC.
    body: &'a mut [u8],
    /// Plaintext length.
    len: usize,
    mac_len: usize,
    etm: bool,
}

impl BlockSizeUser for SealJob<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for SealJob<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let SealJob {
            mac,
            header,
            iv,
            body,
            len,
            mac_len,
            etm,
        } = self;
        let mut prev = iv;
        // CBC-encrypts `buf[*done..upto]` in place, continuing the chain.
        let mut encrypt_to = |buf: &mut [u8], done: &mut usize, upto: usize| {
            for b in buf[*done..upto].chunks_exact_mut(CBC_BLOCK_LEN) {
                for (v, p) in prev.iter_mut().zip(b.iter()) {
                    *v ^= p;
                }
                backend.encrypt_block_inplace(&mut prev);
                b.copy_from_slice(&prev);
            }
            *done = upto;
        };
        let mut hash = mac.stream();
        let block = hash.block_len();
        let mut encrypted = 0;
        if etm {
            // RFC 7366 §3: the MAC covers `header ‖ IV ‖ ciphertext`. The
            // hash runs one of its blocks behind the encryption, so that it
            // never waits on the AES block just computed.
            let (ct, mac_out) = body.split_at_mut(body.len() - mac_len);
            hash.update(&header);
            hash.update(&iv);
            let mut hashed = 0;
            let mut next = block - MAC_HEADER_LEN - CBC_BLOCK_LEN;
            while encrypted < ct.len() {
                let upto = (encrypted + block).min(ct.len());
                encrypt_to(ct, &mut encrypted, upto);
                if upto >= hashed + next + block {
                    hash.update(&ct[hashed..hashed + next]);
                    hashed += next;
                    next = block;
                }
            }
            hash.update(&ct[hashed..]);
            hash.finish(mac_out);
        } else {
            // RFC 5246 §6.2.3.2: the MAC covers `header ‖ plaintext`. The
            // hash runs ahead: each block of it, then the AES blocks it has
            // finished with (encryption overwrites the plaintext).
            hash.update(&header);
            let mut hashed = (block - MAC_HEADER_LEN).min(len);
            hash.update(&body[..hashed]);
            while len - hashed >= block {
                hash.update(&body[hashed..hashed + block]);
                hashed += block;
                encrypt_to(body, &mut encrypted, hashed / CBC_BLOCK_LEN * CBC_BLOCK_LEN);
            }
            hash.update(&body[hashed..len]);
            hash.finish(&mut body[len..len + mac_len]);
            pad(body, len + mac_len);
            let end = body.len();
            encrypt_to(body, &mut encrypted, end);
        }
    }
}

/// The decryption key schedule of either AES.
enum DecKey {
    Aes128(Aes128Dec),
    Aes256(Aes256Dec),
}

impl DecKey {
    fn new(cipher: CbcCipher, key: &[u8]) -> Result<DecKey, Error> {
        let bad = |_| Error::Internal("record key of the wrong length");
        Ok(match cipher {
            CbcCipher::Aes128 => DecKey::Aes128(Aes128Dec::new_from_slice(key).map_err(bad)?),
            CbcCipher::Aes256 => DecKey::Aes256(Aes256Dec::new_from_slice(key).map_err(bad)?),
        })
    }

    /// AES-CBC decryption of `buf` (whole blocks) in place under `iv`. The
    /// `cbc` crate hands the blocks to the cipher several at a time, so
    /// AES-NI decrypts them in parallel.
    fn decrypt(&self, iv: &[u8; CBC_BLOCK_LEN], buf: &mut [u8]) {
        let iv = Block::from(*iv);
        match self {
            DecKey::Aes128(k) => cbc::Decryptor::inner_iv_init(k, &iv).decrypt_blocks(blocks(buf)),
            DecKey::Aes256(k) => cbc::Decryptor::inner_iv_init(k, &iv).decrypt_blocks(blocks(buf)),
        }
    }
}

/// What both directions share: the suite, the mode, the MAC and the
/// sequence number.
struct Common {
    kind: CbcKind,
    etm: bool,
    mac: RecordMac,
    seq: SequenceNumber,
}

impl Common {
    /// The encryption key's length is checked where its schedule is built
    /// (`EncKey::new`, `DecKey::new`).
    fn new(kind: CbcKind, mac_key: &[u8], etm: bool) -> Result<Common, Error> {
        Ok(Common {
            kind,
            etm,
            mac: RecordMac::new(kind.mac, mac_key)?,
            seq: SequenceNumber::default(),
        })
    }

    fn fmt(&self, name: &str, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct(name)
            .field("kind", &self.kind)
            .field("etm", &self.etm)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// Protects outgoing records of a CBC suite under one write key.
pub struct CbcEncrypter {
    common: Common,
    key: EncKey,
    /// AES-128 under the IV seed: the explicit IV generator (module docs).
    iv_key: Aes128Enc,
}

impl CbcEncrypter {
    /// A sealer for `kind` with the write key and MAC key from the key block
    /// (RFC 5246 §6.3); its sequence number starts at zero. `etm`: RFC 7366
    /// encrypt-then-MAC was negotiated. `iv_seed`: 16 random bytes from the
    /// caller's random source, the key of the explicit IV generator. Keys of
    /// the wrong length are `Error::Internal`: the key block sizes them from
    /// the same `CbcKind`.
    pub fn new(
        kind: CbcKind,
        enc_key: &[u8],
        mac_key: &[u8],
        etm: bool,
        iv_seed: [u8; 16],
    ) -> Result<CbcEncrypter, Error> {
        let mut seed = Zeroizing::new(iv_seed);
        let iv_key = Aes128Enc::new(&Array::from(*seed));
        seed.zeroize();
        Ok(CbcEncrypter {
            common: Common::new(kind, mac_key, etm)?,
            key: EncKey::new(kind.cipher, enc_key)?,
            iv_key,
        })
    }

    /// The suite's cipher and MAC.
    // Read by the tests and the internals; the record layer needs neither.
    #[cfg_attr(not(feature = "unstable-internals"), allow(dead_code))]
    pub fn kind(&self) -> CbcKind {
        self.common.kind
    }

    /// Whether records are encrypt-then-MAC (RFC 7366).
    #[cfg_attr(not(feature = "unstable-internals"), allow(dead_code))]
    pub fn etm(&self) -> bool {
        self.common.etm
    }

    /// Appends one protected record to `out`: header, explicit IV,
    /// ciphertext, MAC and padding. The plaintext is copied once, straight
    /// into its place in `out`, and encrypted there.
    ///
    /// `plaintext` must be at most 2^14 bytes (the record layer fragments);
    /// longer is a bug and returns `Error::Internal`. On any error `out` is
    /// left as it was.
    pub fn seal_record(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::Internal("record plaintext longer than 2^14"));
        }
        let start = out.len();
        let prefix = self.prefix_len();
        out.reserve(prefix + plaintext.len() + self.max_suffix_len());
        out.resize(start + prefix, 0);
        crate::record::copy::append(out, plaintext);
        out.resize(out.len() + self.max_suffix_len(), 0);
        match self.seal_in_place(typ, &mut out[start..], plaintext.len()) {
            Ok(n) => {
                out.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Seals a record laid out in place by the caller: `record[prefix..]`
    /// starts with `len` bytes of plaintext, where `prefix` is
    /// [`CbcEncrypter::prefix_len`]; the header and explicit IV are written
    /// in front, the MAC and padding behind, and the whole encrypted in
    /// place. Returns the record's length, [`CbcEncrypter::record_len`].
    /// `record` must hold `prefix + len + max_suffix_len()` bytes and `len`
    /// must be at most 2^14; otherwise `Error::Config`, and nothing is
    /// sealed.
    pub fn seal_in_place(
        &mut self,
        typ: ContentType,
        record: &mut [u8],
        len: usize,
    ) -> Result<usize, Error> {
        if len > MAX_PLAINTEXT_LEN {
            return Err(Error::config("in-place record longer than 2^14 bytes"));
        }
        let prefix = self.prefix_len();
        if record.len() < prefix + len + self.max_suffix_len() {
            return Err(Error::config("in-place record buffer too small"));
        }
        let seq = self.common.seq.next()?;
        let total = self.record_len(len);
        let record = &mut record[..total];
        let version = ProtocolVersion::TLSV1_2;
        record[0] = typ.0;
        record[1..3].copy_from_slice(&version.0.to_be_bytes());
        record[3..5].copy_from_slice(&((total - RECORD_HEADER_LEN) as u16).to_be_bytes());

        let mut iv = Block::default();
        iv[..8].copy_from_slice(&seq.to_be_bytes());
        self.iv_key.encrypt_block(&mut iv);
        let iv: [u8; CBC_BLOCK_LEN] = iv.into();
        let (iv_out, body) = record[RECORD_HEADER_LEN..].split_at_mut(CBC_BLOCK_LEN);
        iv_out.copy_from_slice(&iv);

        let mac_len = self.common.kind.mac.len();
        let etm = self.common.etm;
        let header = if etm {
            // RFC 7366 §3: the MAC covers the IV and the ciphertext of
            // plaintext ‖ padding.
            let enc_len = body.len() - mac_len;
            pad(&mut body[..enc_len], len);
            auth_header(seq, typ, version, CBC_BLOCK_LEN + enc_len)
        } else {
            // RFC 5246 §6.2.3.2: the MAC covers the plaintext; plaintext ‖
            // MAC ‖ padding is encrypted (the job writes MAC and padding).
            auth_header(seq, typ, version, len)
        };
        self.key.seal(SealJob {
            mac: &self.common.mac,
            header,
            iv: Block::from(iv),
            body,
            len,
            mac_len,
            etm,
        });
        self.common.seq.advance(seq);
        Ok(total)
    }

    /// Bytes in front of the plaintext in a record: header and explicit IV.
    pub fn prefix_len(&self) -> usize {
        RECORD_HEADER_LEN + CBC_BLOCK_LEN
    }

    /// Most bytes after the plaintext in a record: the MAC and one block of
    /// padding at most (we send the least padding).
    pub fn max_suffix_len(&self) -> usize {
        self.common.kind.mac.len() + CBC_BLOCK_LEN
    }

    /// Bytes one record of `plaintext_len` bytes takes on the wire.
    pub fn record_len(&self, plaintext_len: usize) -> usize {
        let mac_len = self.common.kind.mac.len();
        let encrypted = if self.common.etm {
            padded_len(plaintext_len) + mac_len
        } else {
            padded_len(plaintext_len + mac_len)
        };
        RECORD_HEADER_LEN + CBC_BLOCK_LEN + encrypted
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.common.seq.set(seq);
    }
}

/// `len` bytes and the least padding after them: the next multiple of the
/// block length above `len` (1 to 16 bytes of padding).
fn padded_len(len: usize) -> usize {
    (len / CBC_BLOCK_LEN + 1) * CBC_BLOCK_LEN
}

/// Writes the least padding after `buf[..len]`, filling `buf`, which is
/// `padded_len(len)` bytes: each byte is the padding length less one.
fn pad(buf: &mut [u8], len: usize) {
    let n = buf.len() - len;
    buf[len..].fill((n - 1) as u8);
}

/// Opens incoming records of a CBC suite under one read key.
pub struct CbcDecrypter {
    common: Common,
    key: DecKey,
}

impl CbcDecrypter {
    /// An opener for `kind` with the peer's write key and MAC key from the
    /// key block; its sequence number starts at zero. Wrong lengths are
    /// `Error::Internal`, as for [`CbcEncrypter::new`].
    pub fn new(
        kind: CbcKind,
        enc_key: &[u8],
        mac_key: &[u8],
        etm: bool,
    ) -> Result<CbcDecrypter, Error> {
        Ok(CbcDecrypter {
            common: Common::new(kind, mac_key, etm)?,
            key: DecKey::new(kind.cipher, enc_key)?,
        })
    }

    /// The suite's cipher and MAC.
    // Read by the tests and the internals; the record layer needs neither.
    #[cfg_attr(not(feature = "unstable-internals"), allow(dead_code))]
    pub fn kind(&self) -> CbcKind {
        self.common.kind
    }

    /// Whether records are encrypt-then-MAC (RFC 7366).
    #[cfg_attr(not(feature = "unstable-internals"), allow(dead_code))]
    pub fn etm(&self) -> bool {
        self.common.etm
    }

    /// Authenticates and decrypts a record's payload (everything after the
    /// 5-byte header) in place and returns the plaintext as a sub-slice of
    /// `payload`. `typ` and `version` are the record header's, as they enter
    /// the MAC.
    ///
    /// Errors: a payload too short or not a whole number of blocks, bad
    /// padding, or a bad MAC are all `BadRecordMac`, alike (RFC 5246
    /// §6.2.3.2). An authentic plaintext longer than 2^14 is
    /// `RecordOverflow` (RFC 5246 §6.2.1), checked after authentication so
    /// that it is only ever blamed on the real peer. The sequence number
    /// moves on only when a record opens.
    pub fn open_in_place<'a>(
        &mut self,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        let seq = self.common.seq.next()?;
        let plain = if self.common.etm {
            self.open_etm(seq, typ, version, payload)?
        } else {
            self.open_mte(seq, typ, version, payload)?
        };
        if plain.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::RecordOverflow { len: plain.len() });
        }
        self.common.seq.advance(seq);
        Ok(plain)
    }

    /// RFC 7366 §3: MAC first, over the record as received; then decrypt.
    fn open_etm<'a>(
        &self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        let mac_len = self.common.kind.mac.len();
        // IV, at least one block, the MAC; whole blocks; a 16-bit length.
        let enc_len = payload
            .len()
            .checked_sub(mac_len)
            .filter(|&n| n >= 2 * CBC_BLOCK_LEN && n % CBC_BLOCK_LEN == 0)
            .filter(|&n| n <= usize::from(u16::MAX))
            .ok_or(Error::BadRecordMac)?;
        let (enc, tag) = payload.split_at_mut(enc_len);
        let header = auth_header(seq, typ, version, enc_len);
        if !bool::from(self.common.mac.verify(&header, enc, tag)) {
            return Err(Error::BadRecordMac);
        }
        let (iv, body) = enc.split_at_mut(CBC_BLOCK_LEN);
        let mut iv_copy = [0u8; CBC_BLOCK_LEN];
        iv_copy.copy_from_slice(iv);
        self.key.decrypt(&iv_copy, body);
        // The padding is authentic now: checking it with branches shows
        // nothing an attacker could have chosen.
        let n = usize::from(body[body.len() - 1]);
        let plain_len = body.len().checked_sub(n + 1).ok_or(Error::BadRecordMac)?;
        if body[plain_len..].iter().any(|&b| usize::from(b) != n) {
            return Err(Error::BadRecordMac);
        }
        Ok(&mut body[..plain_len])
    }

    /// RFC 5246 §6.2.3.2: decrypt, then check padding and MAC in constant
    /// time (module docs).
    fn open_mte<'a>(
        &self,
        seq: u64,
        typ: ContentType,
        version: ProtocolVersion,
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        let mac_len = self.common.kind.mac.len();
        // The IV, then room for the MAC and the padding length byte in
        // whole blocks; a length the MAC header can carry. All public.
        let (iv, body) = payload
            .split_at_mut_checked(CBC_BLOCK_LEN)
            .ok_or(Error::BadRecordMac)?;
        let l = body.len();
        if l < padded_len(mac_len) || l % CBC_BLOCK_LEN != 0 || l > usize::from(u16::MAX) {
            return Err(Error::BadRecordMac);
        }
        let mut iv_copy = [0u8; CBC_BLOCK_LEN];
        iv_copy.copy_from_slice(iv);
        self.key.decrypt(&iv_copy, body);

        // From here on the padding length, and so the plaintext length and
        // the MAC's position, are secret: masks only.
        let (pad_ok, pad) = check_padding(body, mac_len);
        // Bad padding is taken as no padding, so the MAC work is the same.
        let max_data = l - mac_len - 1;
        let min_data = l.saturating_sub(mac_len + MAX_PADDING);
        let data_len = u64::conditional_select(
            &(max_data as u64),
            &(max_data as u64).wrapping_sub(pad),
            pad_ok,
        );
        let mut expected = Zeroizing::new([0u8; MAX_MAC_LEN]);
        self.common.mac.sign_secret_len(
            &mac_prefix(seq, typ, version),
            &body[..max_data],
            data_len as usize,
            min_data,
            &mut expected,
        );
        let received = mac_at(&body[..l - 1], data_len, min_data, mac_len);
        let mac_ok = expected[..mac_len].ct_eq(&received[..mac_len]);

        if !bool::from(pad_ok & mac_ok) {
            return Err(Error::BadRecordMac);
        }
        // Authentic: the length is the peer's to know, and now ours.
        Ok(&mut body[..data_len as usize])
    }

    #[cfg(test)]
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.common.seq.set(seq);
    }
}

/// Whether the decrypted record `body` (at least one byte) ends in valid
/// padding with room for a MAC of `mac_len` bytes in front, and the
/// padding length byte, both secret: every padding byte equals the length
/// byte, checked over the same window of the last `min(256, L)` bytes for
/// every padding length, with masks.
fn check_padding(body: &[u8], mac_len: usize) -> (Choice, u64) {
    let Some(&last) = body.last() else {
        return (Choice::from(0), 0);
    };
    // Behind an optimization barrier, so the masks stay arithmetic.
    let pad = core::hint::black_box(u64::from(last));
    // The padding, its length byte and the MAC must fit in the record.
    let mut ok = !(pad + 1 + mac_len as u64).ct_gt(&(body.len() as u64));
    let mut diff = 0u8;
    for (i, &b) in body.iter().rev().take(MAX_PADDING).enumerate() {
        diff |= (b ^ last) & lt_mask(i as u64, pad + 1) as u8;
    }
    ok &= diff.ct_eq(&0);
    (ok, pad)
}

/// The `mac_len` bytes of `region` at secret offset `start`, which lies in
/// `[scan, region.len() - mac_len]`, read without a secret address: every
/// byte from `scan` on is read once and or-ed, under a mask, into slot
/// `(i - scan) % mac_len`, which leaves the MAC rotated by `(start - scan) %
/// mac_len`; that rotation is then undone one bit of it at a time, each
/// step a masked select between rotated and not.
fn mac_at(region: &[u8], start: u64, scan: usize, mac_len: usize) -> [u8; MAX_MAC_LEN] {
    let start = core::hint::black_box(start);
    let end = start + mac_len as u64;
    let mut rotated = [0u8; MAX_MAC_LEN];
    let mut rotation = 0u64;
    let mut slot = 0usize;
    for (i, &b) in region.iter().enumerate().skip(scan) {
        let i = i as u64;
        rotated[slot] |= b & (!lt_mask(i, start) & lt_mask(i, end)) as u8;
        // Exactly one `i` is `start`.
        rotation |= slot as u64 & eq_mask(i, start);
        slot += 1;
        if slot == mac_len {
            slot = 0;
        }
    }
    // rotation < mac_len <= 48: six bits.
    let mut tmp = [0u8; MAX_MAC_LEN];
    for bit in 0..6 {
        let by = (1usize << bit) % mac_len;
        for (k, t) in tmp[..mac_len].iter_mut().enumerate() {
            *t = rotated[(k + by) % mac_len];
        }
        // Opaque, so the compiler cannot see it is 0 or !0: without the
        // barrier it compiled this loop to a branch on the bit around a
        // memcpy, and tests/timing_cbc.rs told maximal padding from none
        // (|t| about 25 in 10,000 opens each).
        let take = core::hint::black_box(0u8.wrapping_sub(((rotation >> bit) & 1) as u8));
        for (r, t) in rotated[..mac_len].iter_mut().zip(&tmp) {
            *r = (*r & !take) | (t & take);
        }
    }
    tmp.zeroize();
    rotated
}

impl core::fmt::Debug for CbcEncrypter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.common.fmt("CbcEncrypter", f)
    }
}

impl core::fmt::Debug for CbcDecrypter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.common.fmt("CbcDecrypter", f)
    }
}

#[cfg(test)]
mod tests;
