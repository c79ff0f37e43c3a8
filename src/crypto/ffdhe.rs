//! Finite-field Diffie-Hellman (DHE) for the opt-in `TLS_DHE_*` suites,
//! built only with the `legacy` feature.
//!
//! In TLS 1.2 the server sends its group and public value in
//! ServerKeyExchange (`ServerDHParams { dh_p, dh_g, dh_Ys }`, RFC 5246
//! §7.4.3), the client answers with its own public value (`dh_Yc`, RFC 5246
//! §7.4.7.2), and both compute `Z = Y^x mod p`, which with its leading zero
//! bytes stripped is the pre-master secret (RFC 5246 §8.1.2).
//!
//! RFC 7919 fixes what TLS 1.2 left open:
//! - the groups: the safe primes of its Appendix A, negotiated through the
//!   supported_groups extension (a [`DhGroup`] is one of them, or, for a
//!   client that explicitly allows it, a server's custom group);
//! - the check of the peer's public value, `1 < Y < p-1` (§5.1), with a
//!   `handshake_failure` alert when it fails (§3 for the client, §4 for the
//!   server);
//! - short private exponents (§5.2), whose sizes Appendix A gives per group.
//!
//! A [`DhKeyExchange`] holds one side's private exponent between sending its
//! public value and receiving the peer's; [`DhKeyExchange::complete`]
//! consumes it, so an exponent is used once. The arithmetic is
//! crypto-bigint's Montgomery exponentiation, constant time in the exponent
//! and the base (RFC 7919 §8.6 asks for it); the private exponent and every
//! secret intermediate we hold are wiped when dropped (§8.8).

use alloc::borrow::Cow;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use ring::rand::SecureRandom;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::codec::enums::NamedGroup;
use crate::codec::list::List;
use crate::crypto::kx::{PreMasterSecret, MAX_SHARED_SECRET_LEN};
use crate::error::Error;
use crate::limits::MAX_DH_PRIME_BITS;

mod groups;
#[cfg(test)]
mod tests;

/// The RFC 7919 groups we implement, smallest (cheapest) first: the order a
/// server picks them in, after the strength rule of [`choose_server_group`].
pub const FFDHE_GROUPS: &[NamedGroup] = &[
    NamedGroup::FFDHE2048,
    NamedGroup::FFDHE3072,
    NamedGroup::FFDHE4096,
];

/// The smallest custom prime accepted whatever the caller asks for: RFC 7919
/// §3.1 says a client "MUST reject any group with |dh_p| < 768 bits and
/// SHOULD reject any group with |dh_p| < 1024 bits"; we do both.
pub const MIN_CUSTOM_PRIME_BITS: usize = 1024;

/// Whether `group` is in the range RFC 7919 §2 sets aside for finite-field
/// groups (256 to 511), known to us or not.
fn is_ffdhe_codepoint(group: NamedGroup) -> bool {
    (256..=511).contains(&group.0)
}

/// The server's choice of group for a DHE suite among `ours` (the groups it
/// may use, in preference order; those we do not implement are skipped),
/// from the client's supported_groups (`None` when the extension is
/// absent), or `None` when the server must not select a DHE suite at all.
///
/// RFC 7919 §4:
/// - a client that names no FFDHE group (the extension absent, or without
///   codepoints 256 to 511) is not RFC 7919-aware; the server may pick any
///   group, and we pick our first (ffdhe2048 by default: a client that
///   cannot say what it handles gets the most widely supported size);
/// - a client that names FFDHE groups gets one of them ("MUST select one of
///   the client's offered groups"), and if none is one we have, no DHE suite
///   ("MUST NOT select an FFDHE cipher suite");
/// - among those, the server "SHOULD select an FFDHE group at least as strong
///   as the server's public key" when the client offers one: we take the
///   smallest offered group of at least `server_key_bits` (the RSA modulus
///   size), else the largest offered.
pub fn choose_server_group(
    ours: &[NamedGroup],
    offered: Option<List<'_, NamedGroup>>,
    server_key_bits: usize,
) -> Option<NamedGroup> {
    let mut ours = ours.iter().copied().filter(|g| prime_bits(*g).is_some());
    let Some(offered) = offered.filter(|o| o.iter().any(is_ffdhe_codepoint)) else {
        return ours.next();
    };
    let mut usable: Vec<NamedGroup> = ours.filter(|g| offered.contains(g)).collect();
    usable.sort_by_key(|g| prime_bits(*g));
    usable
        .iter()
        .copied()
        .find(|&g| prime_bits(g).is_some_and(|bits| bits >= server_key_bits))
        .or_else(|| usable.last().copied())
}

/// The prime size in bits of a group we implement.
fn prime_bits(group: NamedGroup) -> Option<usize> {
    named_prime(group).map(|p| p.len() * 8)
}

/// The prime of a group we implement (RFC 7919 Appendix A), big-endian.
fn named_prime(group: NamedGroup) -> Option<&'static [u8]> {
    match group {
        NamedGroup::FFDHE2048 => Some(&groups::FFDHE2048_P),
        NamedGroup::FFDHE3072 => Some(&groups::FFDHE3072_P),
        NamedGroup::FFDHE4096 => Some(&groups::FFDHE4096_P),
        _ => None,
    }
}

/// The private exponent size, in bits, for an RFC 7919 group: the minimum
/// its Appendix A entry gives for the short exponents of §5.2 ("should
/// choose a secret key of at least 225 bits" for ffdhe2048, 275 for
/// ffdhe3072, 325 for ffdhe4096), about twice the group's estimated
/// strength (103, 125 and 150 bits), so the exponent is no easier to find
/// than the discrete logarithm. The exponent is an integer of exactly this
/// many bits, as §5.2 describes it: "from the range [2^274, 2^275]".
fn named_exponent_bits(group: NamedGroup) -> Option<u32> {
    match group {
        NamedGroup::FFDHE2048 => Some(225),
        NamedGroup::FFDHE3072 => Some(275),
        NamedGroup::FFDHE4096 => Some(325),
        _ => None,
    }
}

/// The RFC 3526 MODP groups of our sizes: no TLS name, but safe primes as
/// well known as RFC 7919's, and what OpenSSL servers send by default
/// ("Using default temp DH parameters"). Each with the exponent size we use
/// in it: the same as the RFC 7919 group of its size (RFC 3526 §8 puts the
/// strength of the 2048-bit group at 110 to 160 bits, and asks for an
/// exponent of at least twice that; 225 bits meets it at the low end, as
/// for ffdhe2048).
const WELL_KNOWN: [(&[u8], u32); 3] = [
    (&groups::MODP2048_P, 225),
    (&groups::MODP3072_P, 275),
    (&groups::MODP4096_P, 325),
];

/// `bytes` without its leading zero bytes (public data only).
fn trim_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

/// A finite-field group: an RFC 7919 group, or a server's custom group that
/// a client chose to accept.
///
/// Holds the prime and generator as they go on the wire (`dh_p` and `dh_g`
/// of RFC 5246 §7.4.3, big-endian without leading zeros) and the Montgomery
/// parameters the exponentiations use.
#[derive(Clone)]
pub struct DhGroup {
    named: Option<NamedGroup>,
    p: Cow<'static, [u8]>,
    g: Cow<'static, [u8]>,
    /// `p - 1`, the bound of the public-value check (RFC 7919 §5.1).
    p_minus_one: BoxedUint,
    params: BoxedMontyParams,
    /// The size of our private exponents in this group.
    exponent_bits: u32,
}

impl core::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DhGroup")
            .field("named", &self.named)
            .field("prime_bits", &self.prime_bits())
            .finish_non_exhaustive()
    }
}

impl DhGroup {
    /// One of the RFC 7919 groups we implement ([`FFDHE_GROUPS`]), or `None`.
    pub fn named(group: NamedGroup) -> Option<DhGroup> {
        let p = named_prime(group)?;
        let exponent_bits = named_exponent_bits(group)?;
        DhGroup::build(
            Some(group),
            Cow::Borrowed(p),
            Cow::Borrowed(&groups::GENERATOR),
            exponent_bits,
        )
        .ok()
    }

    /// The RFC 7919 group whose prime and generator are exactly `p` and `g`
    /// (leading zero bytes aside), if any: RFC 7919 §3 has the client
    /// "compare the selected dh_p and dh_g with the FFDHE groups offered".
    pub fn recognize(p: &[u8], g: &[u8]) -> Option<NamedGroup> {
        let (p, g) = (trim_zeros(p), trim_zeros(g));
        FFDHE_GROUPS
            .iter()
            .copied()
            .find(|&n| named_prime(n) == Some(p) && g == groups::GENERATOR)
    }

    /// The group a server's ServerDHParams name, for a client: an RFC 7919
    /// group, or one of the RFC 3526 MODP groups of the same sizes (see
    /// [`WELL_KNOWN`]), always; any other group only when `custom_min_bits`
    /// is `Some` (the caller's explicit opt-in) and [`DhGroup::custom`]
    /// accepts it.
    ///
    /// A custom group refused by policy is `handshake_failure`. RFC 7919 §3
    /// allows a client to end the connection with `insufficient_security`
    /// here ("MAY"); the crate has no error for that alert yet.
    pub fn from_server_params(
        p: &[u8],
        g: &[u8],
        custom_min_bits: Option<usize>,
    ) -> Result<DhGroup, Error> {
        if let Some(named) = DhGroup::recognize(p, g) {
            return DhGroup::named(named).ok_or(Error::Internal("RFC 7919 group failed to build"));
        }
        let (trimmed_p, trimmed_g) = (trim_zeros(p), trim_zeros(g));
        if trimmed_g == groups::GENERATOR {
            if let Some(&(prime, exponent_bits)) =
                WELL_KNOWN.iter().find(|(prime, _)| *prime == trimmed_p)
            {
                return DhGroup::build(
                    None,
                    Cow::Borrowed(prime),
                    Cow::Borrowed(&groups::GENERATOR),
                    exponent_bits,
                );
            }
        }
        match custom_min_bits {
            Some(min_bits) => DhGroup::custom(p, g, min_bits),
            None => Err(Error::HandshakeFailure(
                "server's DH group is not a well-known group (RFC 7919, RFC 3526)",
            )),
        }
    }

    /// A custom group, for a client whose configuration allows them.
    ///
    /// Checks what can be checked cheaply: `p` odd, at least `min_bits` long
    /// (and never less than [`MIN_CUSTOM_PRIME_BITS`], RFC 7919 §3.1), at
    /// most [`MAX_DH_PRIME_BITS`], and `1 < g < p-1` (`g = 1` and `g = p-1`
    /// generate groups of order 1 and 2). It does not test that `p` is prime
    /// or that `g` generates a large subgroup: RFC 7919 §5.1 notes that this
    /// would mean factoring `p-1`, which is why custom groups are an opt-in
    /// that trusts the authenticated server's choice.
    ///
    /// With no known structure, our exponent is not shortened: it is a
    /// random integer of `bits(p) - 1` bits, in `[2, p-2]` as plain DH has it
    /// (RFC 7919 §5.2; short exponents are safe only in a known group).
    pub fn custom(p: &[u8], g: &[u8], min_bits: usize) -> Result<DhGroup, Error> {
        let (p, g) = (trim_zeros(p), trim_zeros(g));
        let bits = bit_length(p);
        if bits < min_bits.max(MIN_CUSTOM_PRIME_BITS) {
            return Err(Error::HandshakeFailure("server's DH prime is too small"));
        }
        if bits > MAX_DH_PRIME_BITS {
            return Err(Error::HandshakeFailure("server's DH prime is too large"));
        }
        if p.last().is_none_or(|b| b & 1 == 0) {
            return Err(Error::HandshakeFailure("server's DH prime is even"));
        }
        let exponent_bits =
            u32::try_from(bits - 1).map_err(|_| Error::Internal("DH prime size"))?;
        let group = DhGroup::build(
            None,
            Cow::Owned(p.to_vec()),
            Cow::Owned(g.to_vec()),
            exponent_bits,
        )?;
        if !group.in_open_range(g) {
            return Err(Error::HandshakeFailure(
                "server's DH generator is not in 1 < g < p-1",
            ));
        }
        Ok(group)
    }

    fn build(
        named: Option<NamedGroup>,
        p: Cow<'static, [u8]>,
        g: Cow<'static, [u8]>,
        exponent_bits: u32,
    ) -> Result<DhGroup, Error> {
        let precision = precision_for(&p)?;
        let modulus = BoxedUint::from_be_slice(&p, precision)
            .map_err(|_| Error::Internal("DH prime does not fit"))?;
        let modulus = Odd::new(modulus)
            .into_option()
            .ok_or(Error::HandshakeFailure("server's DH prime is even"))?;
        // p is odd, so p - 1 is p with its lowest bit cleared: no borrow.
        let mut p_minus_one = modulus.as_ref().clone();
        if let Some(low) = p_minus_one.as_mut_limbs().first_mut() {
            low.0 &= !1;
        }
        // The modulus is public: the variable-time setup is fine.
        let params = BoxedMontyParams::new_vartime(modulus);
        Ok(DhGroup {
            named,
            p,
            g,
            p_minus_one,
            params,
            exponent_bits,
        })
    }

    /// The RFC 7919 group this is, or `None` for a custom group.
    pub fn named_group(&self) -> Option<NamedGroup> {
        self.named
    }

    /// The prime as `dh_p` carries it (RFC 5246 §7.4.3): big-endian, no
    /// leading zeros.
    pub fn prime(&self) -> &[u8] {
        &self.p
    }

    /// The generator as `dh_g` carries it (RFC 5246 §7.4.3).
    pub fn generator(&self) -> &[u8] {
        &self.g
    }

    /// The size of the prime in bits.
    pub fn prime_bits(&self) -> usize {
        bit_length(&self.p)
    }

    /// The size of the prime in bytes: the length of every public value we
    /// send in this group, and the most a peer's may have.
    pub fn prime_len(&self) -> usize {
        self.p.len()
    }

    fn precision(&self) -> u32 {
        self.params.bits_precision()
    }

    /// Whether the big-endian `value` is in `1 < value < p-1` (RFC 7919
    /// §5.1). Public data only: this may branch and return early.
    fn in_open_range(&self, value: &[u8]) -> bool {
        self.decode_public(value).is_some()
    }

    /// `value` as an integer of the group's precision if `1 < value < p-1`.
    /// An encoding longer than `p` is refused whatever its leading bytes.
    fn decode_public(&self, value: &[u8]) -> Option<BoxedUint> {
        if value.is_empty() || value.len() > self.p.len() {
            return None;
        }
        let y = BoxedUint::from_be_slice(value, self.precision()).ok()?;
        let one = BoxedUint::one_with_precision(self.precision());
        (y.cmp_vartime(&one) == Ordering::Greater
            && y.cmp_vartime(&self.p_minus_one) == Ordering::Less)
            .then_some(y)
    }

    /// `base^exponent mod p`, constant time in both: crypto-bigint's
    /// fixed-window Montgomery exponentiation runs through every window of
    /// the `exponent_bits` least significant bits with a constant-time table
    /// lookup, whatever their value. The result is wiped on drop.
    fn pow(
        &self,
        base: BoxedUint,
        exponent: &BoxedUint,
        exponent_bits: u32,
    ) -> Zeroizing<BoxedUint> {
        let base = BoxedMontyForm::new(base, &self.params);
        let power = Zeroizing::new(base.pow_bounded_exp(exponent, exponent_bits));
        Zeroizing::new(power.retrieve())
    }
}

/// The number of bits of the big-endian `bytes` without leading zeros.
fn bit_length(bytes: &[u8]) -> usize {
    let bytes = trim_zeros(bytes);
    match bytes.first() {
        Some(top) => bytes.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

/// The crypto-bigint precision for a modulus of `p.len()` bytes.
fn precision_for(p: &[u8]) -> Result<u32, Error> {
    if p.is_empty() || p.len() > MAX_DH_PRIME_BITS / 8 {
        return Err(Error::Internal("DH prime size out of bounds"));
    }
    u32::try_from(p.len() * 8).map_err(|_| Error::Internal("DH prime size"))
}

/// One side's ephemeral finite-field DH key: its private exponent, waiting
/// for the peer's public value.
pub struct DhKeyExchange {
    group: DhGroup,
    /// The private exponent `x` (wiped on drop, RFC 7919 §8.8).
    private: Zeroizing<BoxedUint>,
    /// The size of `x` in bits; public (it depends only on the group).
    exponent_bits: u32,
    /// `g^x mod p`, left-padded to the length of `p`.
    public: Vec<u8>,
}

impl core::fmt::Debug for DhKeyExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DhKeyExchange")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl DhKeyExchange {
    /// Draws a fresh private exponent in `group` from the caller's random
    /// source and computes the public value `g^x mod p`.
    ///
    /// The exponent has exactly the group's exponent size (RFC 7919
    /// Appendix A's short-exponent minimum for a named group, `bits(p) - 1`
    /// for a custom one): its top bit is set and the bits below are random,
    /// so `x >= 2` and the exponentiation's length says nothing about `x`.
    pub fn start(group: DhGroup, rng: &dyn SecureRandom) -> Result<DhKeyExchange, Error> {
        let bits = group.exponent_bits;
        let len = (bits as usize).div_ceil(8);
        let mut buf = Zeroizing::new([0u8; MAX_SHARED_SECRET_LEN]);
        let bytes = buf
            .get_mut(..len)
            .ok_or(Error::Internal("DH exponent too long"))?;
        rng.fill(bytes)
            .map_err(|_| Error::Internal("random source failed"))?;
        // Keep `bits` bits and set the top one: 8 * len - bits < 8.
        let spare = 8 * len as u32 - bits;
        if let Some(top) = bytes.first_mut() {
            *top &= 0xff >> spare;
            *top |= 0x80 >> spare;
        }
        let private = BoxedUint::from_be_slice(bytes, bits)
            .map_err(|_| Error::Internal("DH exponent does not fit"))?;
        DhKeyExchange::with_exponent(group, Zeroizing::new(private), bits)
    }

    /// A key with the given exponent of `exponent_bits` bits: the one path
    /// from an exponent to a public value, for [`DhKeyExchange::start`] and
    /// for known-answer tests.
    fn with_exponent(
        group: DhGroup,
        private: Zeroizing<BoxedUint>,
        exponent_bits: u32,
    ) -> Result<DhKeyExchange, Error> {
        let g = BoxedUint::from_be_slice(&group.g, group.precision())
            .map_err(|_| Error::Internal("DH generator does not fit"))?;
        let y = group.pow(g, &private, exponent_bits);
        let mut public = vec![0u8; group.prime_len()];
        write_be(&y, &mut public);
        Ok(DhKeyExchange {
            group,
            private,
            exponent_bits,
            public,
        })
    }

    /// Our public value as `dh_Ys` / `dh_Yc` carry it (RFC 5246 §7.4.3,
    /// §7.4.7.2: `opaque dh_Y<1..2^16-1>`), left-padded with zeros to the
    /// length of `p`.
    ///
    /// RFC 5246 and RFC 7919 leave the padding open (the value is an opaque
    /// vector read as a big-endian integer; RFC 7919 §4 only asks the server
    /// to check `1 < dh_Yc < dh_p - 1`). The fixed length is what TLS 1.3
    /// requires for these same groups (RFC 8446 §4.2.8.1, "padded to the
    /// left with zeros to the size of p in bytes") and what OpenSSL 3 sends
    /// in TLS 1.2 as well; it keeps the message length independent of the
    /// value. We accept both padded and unpadded values from the peer.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The group this key lives in.
    pub fn group(&self) -> &DhGroup {
        &self.group
    }

    /// Computes the pre-master secret from the peer's public value.
    ///
    /// Refuses with `handshake_failure` a value outside `1 < Y < p-1`, the
    /// alert RFC 7919 names for it on both sides (§3: "the client MUST
    /// terminate the connection with a fatal handshake_failure(40) alert";
    /// §4 the same for the server); 0, 1 and p-1 would put the secret in a
    /// subgroup of at most 2 elements (§5.1). An encoding longer than `p`
    /// is out of range too, as is an empty one.
    ///
    /// The secret is `Y^x mod p` with its leading zero bytes stripped (RFC
    /// 5246 §8.1.2: "Leading bytes of Z that contain all zero bits are
    /// stripped before it is used as the pre_master_secret"). The
    /// exponentiation, the conversion to bytes and the count and removal of
    /// the zero bytes are constant time; the stripped length itself then
    /// reaches the PRF as its key length, as the RFC's rule makes
    /// unavoidable (the Raccoon attack measures it, and needs a private
    /// exponent reused across connections, which ours never is).
    pub fn complete(self, peer_public: &[u8]) -> Result<PreMasterSecret, Error> {
        let y = self
            .group
            .decode_public(peer_public)
            .ok_or(Error::HandshakeFailure(
                "peer's DH public value is not in 1 < Y < p-1",
            ))?;
        let z = self.group.pow(y, &self.private, self.exponent_bits);
        let mut buf = Zeroizing::new([0u8; MAX_SHARED_SECRET_LEN]);
        let out = buf
            .get_mut(..self.group.prime_len())
            .ok_or(Error::Internal("DH prime too long"))?;
        write_be(&z, out);
        let len = strip_leading_zeros(out);
        if len == 0 {
            // Z = 0 needs a composite p (a custom group): no secret at all.
            return Err(Error::HandshakeFailure("DH shared secret is zero"));
        }
        PreMasterSecret::from_slice(out.get(..len).unwrap_or(&[]))
    }
}

/// Writes `value` big-endian into `out`, left-padded with zeros; bytes of
/// `value` beyond `out` are dropped (the caller sizes `out` to `p`, and
/// `value < p`). Every limb is read and every byte written whatever the
/// value, with no branch on it.
fn write_be(value: &BoxedUint, out: &mut [u8]) {
    out.fill(0);
    let bytes = value
        .as_limbs()
        .iter()
        .flat_map(|limb| limb.0.to_le_bytes());
    for (dst, src) in out.iter_mut().rev().zip(bytes) {
        *dst = src;
    }
}

/// Moves the bytes of `buf` after its leading zero bytes to its front,
/// zero-fills the rest, and returns how many are left: RFC 5246 §8.1.2's
/// stripping, in constant time.
///
/// The count is taken over every byte with masks, and the move is a barrel
/// shifter: one pass over the whole buffer per bit of the count, each
/// selecting between "keep" and "shift by 2^k" with a mask. The memory
/// access pattern depends only on `buf.len()`.
fn strip_leading_zeros(buf: &mut [u8]) -> usize {
    let mut zeros = 0usize;
    let mut in_prefix = Choice::from(1);
    for b in buf.iter() {
        in_prefix &= b.ct_eq(&0);
        zeros += usize::from(in_prefix.unwrap_u8());
    }
    let n = buf.len();
    let mut shift = 1usize;
    let mut bit = 0u32;
    while shift < n {
        let take = Choice::from(((zeros >> bit) & 1) as u8);
        for i in 0..n {
            // Ascending i reads buf[i + shift] before it is overwritten.
            let from = buf.get(i + shift).copied().unwrap_or(0);
            if let Some(dst) = buf.get_mut(i) {
                *dst = u8::conditional_select(dst, &from, take);
            }
        }
        shift <<= 1;
        bit += 1;
    }
    n - zeros
}
