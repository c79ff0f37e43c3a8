use super::*;
use crate::hex;
use ring::rand::SystemRandom;

/// Joins hex lines into bytes.
fn unhex(lines: &[&str]) -> Vec<u8> {
    hex::decode(&lines.concat()).unwrap()
}

fn group(named: NamedGroup) -> DhGroup {
    DhGroup::named(named).unwrap()
}

/// A key with a fixed private exponent (big-endian hex), for known answers.
fn fixed_key(g: DhGroup, exponent_hex: &str) -> DhKeyExchange {
    let x = hex::decode(exponent_hex).unwrap();
    let bits = u32::try_from(x.len() * 8).unwrap();
    let private = BoxedUint::from_be_slice(&x, bits).unwrap();
    DhKeyExchange::with_exponent(g, Zeroizing::new(private), bits).unwrap()
}

// ---------------------------------------------------------------------------
// The primes.

/// `p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1` (RFC 7919
/// Appendix A), computed here from the series e = sum 1/n! with plain u64
/// limbs, independently of the hex transcribed in `groups.rs`.
fn formula_prime(b: usize, x: u64) -> Vec<u8> {
    // Little-endian u64 limbs, wide enough for 2^b.
    let n = b / 64 + 1;
    // floor(2^k * e) with 64 guard bits: term_0 = 2^(k+64), term_i = term_{i-1} / i.
    let k = b - 130;
    let mut term = vec![0u64; n];
    term[(k + 64) / 64] = 1 << ((k + 64) % 64);
    let mut sum = vec![0u64; n];
    let mut i = 0u64;
    while term.iter().any(|&l| l != 0) {
        if i > 0 {
            let mut rem = 0u128;
            for limb in term.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*limb);
                *limb = (cur / u128::from(i)) as u64;
                rem = cur % u128::from(i);
            }
        }
        let mut carry = 0u128;
        for (s, t) in sum.iter_mut().zip(&term) {
            let v = u128::from(*s) + u128::from(*t) + carry;
            *s = v as u64;
            carry = v >> 64;
        }
        i += 1;
    }
    // Drop the guard limb, add X, shift up one limb (the "* 2^64").
    let mut p = vec![0u64; n];
    let mut carry = u128::from(x);
    for j in 1..n {
        let v = u128::from(sum[j]) + carry;
        p[j] = v as u64;
        carry = v >> 64;
    }
    // + 2^b - 2^(b-64): the top 64 bits of a b-bit number, all ones.
    assert_eq!(
        p[b / 64 - 1],
        0,
        "[2^(b-130) e] * 2^64 reaches the top limb"
    );
    p[b / 64 - 1] = u64::MAX;
    // - 1: the lowest limb is 0, so it borrows from the next one.
    p[0] = u64::MAX;
    let mut j = 1;
    while p[j] == 0 {
        p[j] = u64::MAX;
        j += 1;
    }
    p[j] -= 1;
    let mut bytes: Vec<u8> = p[..b / 64]
        .iter()
        .rev()
        .flat_map(|l| l.to_be_bytes())
        .collect();
    assert_eq!(bytes.len(), b / 8);
    bytes.shrink_to_fit();
    bytes
}

#[test]
fn primes_follow_the_rfc7919_formula() {
    // The X of each Appendix A entry.
    for (named, b, x) in [
        (NamedGroup::FFDHE2048, 2048, 560_316),
        (NamedGroup::FFDHE3072, 3072, 2_625_351),
        (NamedGroup::FFDHE4096, 4096, 5_736_041),
    ] {
        let g = group(named);
        assert_eq!(g.prime(), formula_prime(b, x).as_slice(), "{named:?}");
        assert_eq!(g.prime_bits(), b);
        assert_eq!(g.generator(), &[2]);
        assert_eq!(g.named_group(), Some(named));
    }
}

/// The first two INTEGERs `openssl asn1parse` prints for the PKCS#3
/// DHParameter OpenSSL writes for `group`: p and g.
fn openssl_params(group: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let pem = match Command::new("openssl")
        .args(["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt"])
        .arg(format!("group:{group}"))
        .output()
    {
        Ok(out) => out.stdout,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("openssl: {e}"),
    };
    let mut parse = Command::new("openssl")
        .arg("asn1parse")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    parse.stdin.take().unwrap().write_all(&pem).unwrap();
    let text = String::from_utf8(parse.wait_with_output().unwrap().stdout).unwrap();
    let mut ints = text
        .lines()
        .filter(|l| l.contains("INTEGER"))
        .map(|l| hex::decode(l.rsplit(':').next().unwrap()).unwrap());
    Some((ints.next().unwrap(), ints.next().unwrap()))
}

#[test]
fn primes_match_openssl() {
    for (named, name) in [
        (NamedGroup::FFDHE2048, "ffdhe2048"),
        (NamedGroup::FFDHE3072, "ffdhe3072"),
        (NamedGroup::FFDHE4096, "ffdhe4096"),
    ] {
        let Some((p, g)) = openssl_params(name) else {
            eprintln!("openssl not found: skipping the OpenSSL cross-check");
            return;
        };
        let ours = group(named);
        assert_eq!(ours.prime(), p.as_slice(), "{name}");
        assert_eq!(ours.generator(), g.as_slice(), "{name}");
        assert_eq!(DhGroup::recognize(&p, &g), Some(named));
    }
}

/// The RFC 3526 MODP groups OpenSSL servers send by default: our copies
/// are OpenSSL's, a client takes them without the custom-group opt-in
/// (unnamed, with the short exponent of the RFC 7919 group of that size),
/// and agreement works in them.
#[test]
fn well_known_modp_groups() {
    for (name, bits, exponent_bits) in [
        ("modp_2048", 2048, 225),
        ("modp_3072", 3072, 275),
        ("modp_4096", 4096, 325),
    ] {
        let Some((p, g)) = openssl_params(name) else {
            eprintln!("openssl not found: skipping the OpenSSL cross-check");
            return;
        };
        assert_eq!(DhGroup::recognize(&p, &g), None, "{name} has no TLS name");
        let group = DhGroup::from_server_params(&p, &g, None).unwrap();
        assert_eq!(group.named_group(), None);
        assert_eq!(group.prime(), p.as_slice());
        assert_eq!(group.prime_bits(), bits);
        assert_eq!(group.exponent_bits, exponent_bits, "{name}");
        let rng = SystemRandom::new();
        let a = DhKeyExchange::start(group.clone(), &rng).unwrap();
        let b = DhKeyExchange::start(group, &rng).unwrap();
        let (pa, pb) = (a.public_key().to_vec(), b.public_key().to_vec());
        assert_eq!(&a.complete(&pb).unwrap()[..], &b.complete(&pa).unwrap()[..]);
    }
    // Our copy is the one the other tests transcribe from RFC 3526.
    assert_eq!(
        &super::groups::MODP2048_P[..],
        unhex(MODP_2048_P).as_slice()
    );
}

// ---------------------------------------------------------------------------
// Agreement and known answers.

#[test]
fn both_sides_agree_in_every_group() {
    let rng = SystemRandom::new();
    for &named in FFDHE_GROUPS {
        let a = DhKeyExchange::start(group(named), &rng).unwrap();
        let b = DhKeyExchange::start(group(named), &rng).unwrap();
        let len = a.group().prime_len();
        assert_eq!(a.public_key().len(), len);
        assert_eq!(b.public_key().len(), len);
        assert_ne!(a.public_key(), b.public_key());
        let (a_pub, b_pub) = (a.public_key().to_vec(), b.public_key().to_vec());
        let s1 = a.complete(&b_pub).unwrap();
        let s2 = b.complete(&a_pub).unwrap();
        assert_eq!(*s1, *s2, "{named:?}");
        assert!(
            s1.len() <= len && s1.len() > len - 4,
            "{named:?}: {}",
            s1.len()
        );
        assert_ne!(s1.first(), Some(&0));
    }
}

#[test]
fn exponents_have_the_group_size_with_the_top_bit_set() {
    let rng = SystemRandom::new();
    for (named, bits) in [
        (NamedGroup::FFDHE2048, 225),
        (NamedGroup::FFDHE3072, 275),
        (NamedGroup::FFDHE4096, 325),
    ] {
        for _ in 0..4 {
            let kx = DhKeyExchange::start(group(named), &rng).unwrap();
            assert_eq!(kx.exponent_bits, bits);
            assert_eq!(kx.private.bit_width_vartime(), bits, "{named:?}");
        }
    }
    // A custom group: bits(p) - 1.
    let modp = DhGroup::custom(&unhex(MODP_2048_P), &[2], 2048).unwrap();
    let kx = DhKeyExchange::start(modp, &rng).unwrap();
    assert_eq!(kx.private.bit_width_vartime(), 2047);
}

// Known answers from Python's built-in big integers, with P the ffdhe2048
// prime of RFC 7919 Appendix A.1, xa = int("0123456789abcdef" * 4, 16) and
// xb = int("fedcba9876543210" * 4, 16):
//   KAT_A: pow(2, xa, P).to_bytes(256, "big").hex()
//   KAT_B: pow(2, xb, P).to_bytes(256, "big").hex()
//   KAT_Z: pow(pow(2, xb, P), xa, P).to_bytes(256, "big").hex()
const XA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const XB: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const KAT_A: &[&str] = &[
    "50c8f3181c9e5f6f3e2c57a62384f6a17ac5dbf0cd0e91b99833f8bd7d912be6",
    "0a5fb9951672598579b9368706106ac949903c45964ed7c328677e3c824d3ab7",
    "fc30002bd98b7047e4ab2f035817faabdcad61ac8473e9bbd2af6517492852b7",
    "ca103cea653835faa91d8b9a6de5c22f997c697d66de057723025a0aa4a490f3",
    "dd2896a9fa82cfa302d900a11a050b68d1692833aedc123534560a984dc72c67",
    "7f3af9a92bf1c6555f33abb5581af6bbd1cd80575b4662a4cb0cd3dc9f1a9600",
    "4db7b12fd1788880cd7f2174d9639ffafa83d41c37ce428d8939fdaab5c40ab3",
    "e6450b7fbd359e95bb0a90f2db7e17f5b4a7de32721e2213660150dc271a3214",
];

const KAT_B: &[&str] = &[
    "91a7d0938c593391c7ed47f8dc421d1895768d481a6b3cc96c6b2c989d7817be",
    "77921559945777020e69c87322c6508e836ba2a488c7e444cb0a902f0a400461",
    "f86389b92ff8f3a935da7726e7c56ebf2644781930228a519a5a25fc81b722fb",
    "224e49d1d6d40d548314d8bd967e1a1c56c2862804f0e7a7e54f585371999323",
    "263cfef16ee8e8ac2a9812f832d153dbb98c05ec410e6a46ca2b6793d0bbdb58",
    "90360cfc434a10d62d5a27e5106d1de0e455bf6be9450a1a509d33171b76c955",
    "42679668f53cf0ac4c2178ce4b5b417b9fffaafb0fa3aeeeb77d619e5adffaf4",
    "d878c4b1ab27a673f9fa956eff93e45839edc2de3fdc6105caaba1dce6be7a23",
];

const KAT_Z: &[&str] = &[
    "16ef1dd979be6f93373b889fe1df9f04449d01efd2b3f03ce18bd9c5930b68ad",
    "408c0b07c376b3de7eccfd7af5c8a379647eb7aa04bf0276d6745195779acb25",
    "e3aacbf3ca8e977fa7161d1d47fdb65c263a07a711bd6652721cf34d0930e2f7",
    "3c215bc5aa05581ecbcd593650c6134ac6035a0ff6f9422e10b8f5217a6b5ecc",
    "2c56398949a7a77e35ec7d40635bcd1878fd3a4b05e4021433ff2cc2d5f9b697",
    "32528552f2ecc5ba998bfff050ca8d99cad7e83f75395e37c6a72f475cae33f1",
    "af2e3f6bab606c39990eefed59b16f3b3c8752d8c3437e5a4bc5fedc0596e8f3",
    "e8a8d32a7efbff267854ffdb4c9433a09daaddb1b27c4d264599aac800899c6b",
];

#[test]
fn known_answer_ffdhe2048() {
    let a = fixed_key(group(NamedGroup::FFDHE2048), XA);
    let b = fixed_key(group(NamedGroup::FFDHE2048), XB);
    assert_eq!(a.public_key(), unhex(KAT_A).as_slice());
    assert_eq!(b.public_key(), unhex(KAT_B).as_slice());
    let z = unhex(KAT_Z);
    assert_ne!(z[0], 0);
    assert_eq!(&*a.complete(&unhex(KAT_B)).unwrap(), z.as_slice());
    assert_eq!(&*b.complete(&unhex(KAT_A)).unwrap(), z.as_slice());
}

// Shared secrets that start with zero bytes, found by trying the exponents
// xa + k, k = 0, 1, 2, ... against B = pow(2, xb, P) in Python (Z_{k+1} =
// Z_k * B mod P): the first with one leading zero byte is k = 181, the
// first with two is k = 57084 (LZ1_X and LZ2_X are xa + k). The stripped
// secrets: pow(B, xa + k, P).to_bytes(256, "big").lstrip(b"\0").hex()
const LZ1_X: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcea4";
const LZ1_Z: &[&str] = &[
    "19ca825241b5fc4e106215d612acfc79804b026ad0bca324fd1069ff669256c3",
    "14a7f85c16d221df78fa8d9dd44c5032da0915724c63ab858a1722334e57bdf2",
    "8a6e2ae30d6f118a22c2d3d16c48915c673225b9414632f8f34cb3b39c0fee40",
    "c53920a4751f85eb6b4904f29ec0b27160f8b0515bcafcac3a973db552fd05c8",
    "54b36b127ae0f540726b4b2b95ae9f504ce1bf3a497eff0481edc7a067aa1dde",
    "235fe0a25feddb26c4063937db447175501094bbec77796a6e5ee99b9cbc4f98",
    "789780aa655c4d8f2d9afa07452112e6e78b6dc8ea8f6f864e42bf8ac9630f2b",
    "11cf0177123bc04c1c2761c6006703b7a0f36b3db4412170bbf33dc06422b7",
];

const LZ2_X: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789acaceb";
const LZ2_Z: &[&str] = &[
    "75ad8d0fd59db0d23f4a4845c3b5bde93029d666f4e03bace8eb0a756c30647d",
    "fa0e6f2a00ece3b45b6b534a37a963c32a2ae4f233b689619721c9e6e4b9dece",
    "cc07dd25c947bdc9c9f7693625750e3f92be2ccdf6e34252276ff9ce5822ddcd",
    "5a96c9708d4f286ce7dc307574a0870ef95a5842a3f88268aff810c5b9644909",
    "daedf400f4887ea144f121cd8eb71684d7142b647c34e706e04b6e203e5df2c6",
    "6eb2a932bbe7974b87f4ab4a682edc91c93b7dead6849ed6d1f5f5fdf61e4cac",
    "5f9dd007203ddac0d95d8451c09fa7e11c68b3d8e04a4c0c4d2201c1fecbb03f",
    "1535b9b267d260dfc814004581e29c57def725cc956a4dc2ec91107ef91e",
];

/// `hex` (big-endian) plus `k`, as hex of the same length.
fn hex_plus(hex_str: &str, k: u32) -> String {
    let mut x = hex::decode(hex_str).unwrap();
    let mut carry = k;
    for b in x.iter_mut().rev() {
        let v = u32::from(*b) + carry;
        *b = v as u8;
        carry = v >> 8;
    }
    hex::encode(&x)
}

/// RFC 5246 §8.1.2: leading zero bytes of Z are stripped. The search of
/// the Python comment above, run here: the first exponent xa + k whose
/// secret with B is shorter than p is k = 181, and its secret is Python's.
#[test]
fn leading_zero_byte_found_and_stripped() {
    let b_pub = unhex(KAT_B);
    let (k, secret) = (0..400)
        .find_map(|k| {
            let x = hex_plus(XA, k);
            let secret = fixed_key(group(NamedGroup::FFDHE2048), &x)
                .complete(&b_pub)
                .unwrap();
            (secret.len() < 256).then(|| (k, secret.to_vec()))
        })
        .expect("no secret with a leading zero byte in 400 tries");
    assert_eq!(k, 181);
    assert_eq!(hex_plus(XA, k), LZ1_X);
    assert_eq!(secret, unhex(LZ1_Z));
    assert_eq!(secret.len(), 255);
}

/// Both sides strip, by one byte and by two.
#[test]
fn leading_zero_bytes_are_stripped_on_both_sides() {
    for (x, z, zeros) in [(LZ1_X, LZ1_Z, 1), (LZ2_X, LZ2_Z, 2)] {
        let z = unhex(z);
        assert_eq!(z.len(), 256 - zeros);
        let ours = fixed_key(group(NamedGroup::FFDHE2048), x);
        let secret = ours.complete(&unhex(KAT_B)).unwrap();
        assert_eq!(&*secret, z.as_slice(), "{zeros} leading zero bytes");
        // The peer, holding xb, computes the same.
        let theirs = fixed_key(group(NamedGroup::FFDHE2048), XB);
        let mine = fixed_key(group(NamedGroup::FFDHE2048), x);
        let secret = theirs.complete(mine.public_key()).unwrap();
        assert_eq!(&*secret, z.as_slice());
    }
}

#[test]
fn strip_matches_a_plain_trim_for_every_count() {
    for n in [1usize, 2, 3, 7, 8, 9, 64, 255, 256, 384, 512] {
        for zeros in 0..=n {
            let mut buf: Vec<u8> = (0..n).map(|i| (i % 251) as u8 | 1).collect();
            buf[..zeros].fill(0);
            let expected = buf[zeros..].to_vec();
            let len = strip_leading_zeros(&mut buf);
            assert_eq!(len, n - zeros, "n={n} zeros={zeros}");
            assert_eq!(&buf[..len], expected.as_slice(), "n={n} zeros={zeros}");
            assert!(buf[len..].iter().all(|&b| b == 0));
        }
    }
    // Zeros after the first non-zero byte stay.
    let mut buf = [0, 0, 5, 0, 0, 7];
    assert_eq!(strip_leading_zeros(&mut buf), 4);
    assert_eq!(buf, [5, 0, 0, 7, 0, 0]);
}

// ---------------------------------------------------------------------------
// The peer's public value: 1 < Y < p-1 (RFC 7919 §5.1).

/// `p + delta` as big-endian bytes of `p`'s length (no overflow for the
/// deltas used here: p ends in 64 one bits).
fn p_plus(g: &DhGroup, delta: i64) -> Vec<u8> {
    let mut v = g.prime().to_vec();
    let last = v.last_mut().unwrap();
    *last = (i64::from(*last) + delta) as u8;
    v
}

fn refused(named: NamedGroup, peer: &[u8]) {
    let rng = SystemRandom::new();
    let kx = DhKeyExchange::start(group(named), &rng).unwrap();
    assert!(
        matches!(kx.complete(peer), Err(Error::HandshakeFailure(_))),
        "{named:?} accepted {}",
        hex::encode(peer)
    );
}

#[test]
fn public_values_out_of_range_are_refused() {
    for &named in FFDHE_GROUPS {
        let g = group(named);
        let len = g.prime_len();
        refused(named, &[]);
        refused(named, &[0]);
        refused(named, &vec![0; len]);
        refused(named, &[1]);
        let mut one = vec![0; len];
        one[len - 1] = 1;
        refused(named, &one);
        refused(named, &p_plus(&g, -1)); // p - 1
        refused(named, &p_plus(&g, 0)); // p
        let mut p_plus_one = g.prime().to_vec();
        // p ends in 0xff..ff: p + 1 carries into the 9th byte from the end.
        p_plus_one[len - 8..].fill(0);
        p_plus_one[len - 9] += 1;
        refused(named, &p_plus_one);
        refused(named, &vec![0xff; len]);
        // Longer than p, even when the extra byte is a zero.
        refused(named, &[vec![0], p_plus(&g, -2)].concat());
        refused(named, &vec![1; len + 1]);
    }
}

#[test]
fn public_values_at_the_edges_of_the_range_are_accepted() {
    let rng = SystemRandom::new();
    for &named in FFDHE_GROUPS {
        let g = group(named);
        for peer in [vec![2], p_plus(&g, -2)] {
            let kx = DhKeyExchange::start(g.clone(), &rng).unwrap();
            assert!(kx.complete(&peer).is_ok(), "{named:?}");
        }
    }
}

#[test]
fn padded_and_unpadded_public_values_agree() {
    // KAT_A starts with 0x50: give it a peer value with a leading zero byte
    // by using the value 2 (g itself, g^1), padded and not.
    let mut padded = vec![0u8; 256];
    padded[255] = 2;
    let a = fixed_key(group(NamedGroup::FFDHE2048), XA)
        .complete(&[2])
        .unwrap();
    let b = fixed_key(group(NamedGroup::FFDHE2048), XA)
        .complete(&padded)
        .unwrap();
    assert_eq!(*a, *b);
    // 2^xa is our own public value.
    assert_eq!(&*a, trim_zeros(&unhex(KAT_A)));
}

// ---------------------------------------------------------------------------
// Groups from the server's parameters.

// Two groups that are not RFC 7919's, as OpenSSL prints them
// (`openssl genpkey -genparam -algorithm DH -pkeyopt group:NAME | openssl asn1parse`):
// modp_2048 is RFC 3526 §3 (generator 2), dh_1024_160 is RFC 5114 §2.1.
const MODP_2048_P: &[&str] = &[
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05",
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb",
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b",
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718",
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff",
];

const DH_1024_160_P: &[&str] = &[
    "b10b8f96a080e01dde92de5eae5d54ec52c99fbcfb06a3c69a6a9dca52d23b61",
    "6073e28675a23d189838ef1e2ee652c013ecb4aea906112324975c3cd49b83bf",
    "accbdd7d90c4bd7098488e9c219a73724effd6fae5644738faa31a4ff55bccc0",
    "a151af5f0dc8b4bd45bf37df365c1a65e68cfda76d4da708df1fb2bc2e4a4371",
];
const DH_1024_160_G: &[&str] = &[
    "a4d1cbd5c3fd34126765a442efb99905f8104dd258ac507fd6406cff14266d31",
    "266fea1e5c41564b777e690f5504f213160217b4b01b886a5e91547f9e2749f4",
    "d7fbd7d3b9a92ee1909d0d2263f80a76a6a24c087a091f531dbf0a0169b6a28a",
    "d662a4d18e73afa32d779d5918d08bc8858f4dcef97c2a24855e6eeb22b3b2e5",
];

fn custom_refused(p: &[u8], g: &[u8], min_bits: usize) {
    assert!(
        matches!(
            DhGroup::custom(p, g, min_bits),
            Err(Error::HandshakeFailure(_))
        ),
        "accepted p={} g={} min={min_bits}",
        hex::encode(p),
        hex::encode(g)
    );
}

#[test]
fn rfc7919_groups_are_recognized_exactly() {
    let p = group(NamedGroup::FFDHE3072).prime().to_vec();
    let g = DhGroup::from_server_params(&p, &[2], None).unwrap();
    assert_eq!(g.named_group(), Some(NamedGroup::FFDHE3072));
    // Leading zero bytes do not change the numbers.
    let g = DhGroup::from_server_params(&[vec![0], p.clone()].concat(), &[0, 2], None).unwrap();
    assert_eq!(g.named_group(), Some(NamedGroup::FFDHE3072));
    // Another generator is another group.
    assert_eq!(DhGroup::recognize(&p, &[5]), None);
    assert!(matches!(
        DhGroup::from_server_params(&p, &[5], None),
        Err(Error::HandshakeFailure(_))
    ));
    // A prime one bit off is not the group.
    let mut off = p.clone();
    off[100] ^= 0x10;
    assert_eq!(DhGroup::recognize(&off, &[2]), None);
}

#[test]
fn custom_groups_only_by_opt_in() {
    // The RFC 3526 prime with another generator than its own is not a
    // well-known group: refused unless the caller allows custom groups.
    let modp = unhex(MODP_2048_P);
    assert!(matches!(
        DhGroup::from_server_params(&modp, &[5], None),
        Err(Error::HandshakeFailure(_))
    ));
    let g = DhGroup::from_server_params(&modp, &[5], Some(2048)).unwrap();
    assert_eq!(g.named_group(), None);
    assert_eq!(g.prime_bits(), 2048);
    // The keys agree in it.
    let rng = SystemRandom::new();
    let a = DhKeyExchange::start(g.clone(), &rng).unwrap();
    let b = DhKeyExchange::start(g, &rng).unwrap();
    let (a_pub, b_pub) = (a.public_key().to_vec(), b.public_key().to_vec());
    assert_eq!(*a.complete(&b_pub).unwrap(), *b.complete(&a_pub).unwrap());
}

#[test]
fn bad_custom_groups_are_refused() {
    let modp = unhex(MODP_2048_P);
    let min = 2048;
    // A tiny prime.
    custom_refused(&[23], &[5], min);
    custom_refused(&[23], &[5], 0);
    // An even p.
    let mut even = modp.clone();
    *even.last_mut().unwrap() ^= 1;
    custom_refused(&even, &[2], min);
    // g = 0, 1, p-1, p and more than p.
    custom_refused(&modp, &[], min);
    custom_refused(&modp, &[0], min);
    custom_refused(&modp, &[1], min);
    let mut p_minus_one = modp.clone();
    *p_minus_one.last_mut().unwrap() -= 1;
    custom_refused(&modp, &p_minus_one, min);
    custom_refused(&modp, &modp, min);
    custom_refused(&modp, &[0xff; 257], min);
    // A 1024-bit prime when the minimum is 2048.
    let p1024 = unhex(DH_1024_160_P);
    let g1024 = unhex(DH_1024_160_G);
    custom_refused(&p1024, &g1024, min);
    // ... accepted when the caller lowers the minimum to 1024, and usable.
    let g = DhGroup::custom(&p1024, &g1024, 1024).unwrap();
    let rng = SystemRandom::new();
    let a = DhKeyExchange::start(g.clone(), &rng).unwrap();
    let b = DhKeyExchange::start(g, &rng).unwrap();
    let (a_pub, b_pub) = (a.public_key().to_vec(), b.public_key().to_vec());
    assert_eq!(*a.complete(&b_pub).unwrap(), *b.complete(&a_pub).unwrap());
    // Never below 1024 bits (RFC 7919 §3.1), whatever the caller asks.
    custom_refused(&p1024[1..], &g1024[1..], 0);
    // Never above MAX_DH_PRIME_BITS.
    custom_refused(&[0xff; MAX_DH_PRIME_BITS / 8 + 1], &[2], min);
}

// ---------------------------------------------------------------------------
// The server's choice of group (RFC 7919 §4).

#[test]
fn server_group_choice() {
    use NamedGroup as G;
    let choose = |groups: &[NamedGroup], key_bits| {
        choose_server_group(FFDHE_GROUPS, Some(groups.into()), key_bits)
    };
    // No extension, or no FFDHE codepoint in it: our first, ffdhe2048.
    assert_eq!(
        choose_server_group(FFDHE_GROUPS, None, 2048),
        Some(G::FFDHE2048)
    );
    // Only from our own list, in its order; ours that we do not implement
    // are skipped.
    let ours = [G::FFDHE8192, G::FFDHE3072, G::FFDHE2048];
    assert_eq!(choose_server_group(&ours, None, 2048), Some(G::FFDHE3072));
    assert_eq!(
        choose_server_group(&ours[..2], Some((&[G::FFDHE2048][..]).into()), 2048),
        None
    );
    assert_eq!(choose(&[G::X25519, G::SECP256R1], 4096), Some(G::FFDHE2048));
    // FFDHE groups we do not have, and nothing else: no DHE suite.
    assert_eq!(choose(&[G::FFDHE6144, G::FFDHE8192], 2048), None);
    assert_eq!(choose(&[G::X25519, NamedGroup(300)], 2048), None);
    // One of the client's groups, never another.
    assert_eq!(choose(&[G::X25519, G::FFDHE3072], 2048), Some(G::FFDHE3072));
    assert_eq!(
        choose(&[G::FFDHE8192, G::FFDHE4096], 2048),
        Some(G::FFDHE4096)
    );
    // At least as strong as the server's key when offered, else the largest.
    assert_eq!(
        choose(&[G::FFDHE2048, G::FFDHE4096], 2048),
        Some(G::FFDHE2048)
    );
    assert_eq!(
        choose(&[G::FFDHE2048, G::FFDHE4096], 3072),
        Some(G::FFDHE4096)
    );
    assert_eq!(
        choose(&[G::FFDHE2048, G::FFDHE3072], 4096),
        Some(G::FFDHE3072)
    );
}

#[test]
fn debug_output_shows_no_secret() {
    let kx = fixed_key(group(NamedGroup::FFDHE2048), XA);
    let text = format!("{kx:?}");
    assert!(text.contains("FFDHE2048"), "{text}");
    assert!(!text.to_lowercase().contains("89abcdef"), "{text}");
}

/// The cost of ffdhe2048, in three parts: building the group (Montgomery
/// parameters), a public value (`g^x`), an agreement (`Y^x`). Run with
/// `cargo test --release --lib time_ffdhe2048 -- --ignored --nocapture`;
/// compare with `openssl speed ffdh2048`, which times one agreement.
#[test]
#[ignore]
fn time_ffdhe2048() {
    use std::time::Instant;
    let rng = SystemRandom::new();
    let named = NamedGroup::FFDHE2048;
    let peer_pub = DhKeyExchange::start(group(named), &rng)
        .unwrap()
        .public_key()
        .to_vec();
    let rounds = 200u32;
    let t = Instant::now();
    let groups: Vec<DhGroup> = (0..rounds).map(|_| group(named)).collect();
    let setup = t.elapsed() / rounds;
    let t = Instant::now();
    let keys: Vec<DhKeyExchange> = groups
        .into_iter()
        .map(|g| DhKeyExchange::start(g, &rng).unwrap())
        .collect();
    let public = t.elapsed() / rounds;
    let t = Instant::now();
    for kx in keys {
        kx.complete(&peer_pub).unwrap();
    }
    let agree = t.elapsed() / rounds;
    println!("ffdhe2048: group {setup:?}, public value {public:?}, agreement {agree:?}");
}
