//! The RFC 7919 Appendix A groups we implement: ffdhe2048, ffdhe3072 and
//! ffdhe4096. The 6144- and 8192-bit groups are left out: they are larger
//! than [`crate::limits::MAX_DH_PRIME_BITS`], which bounds the work a peer
//! can ask of us and the size of a pre-master secret.
//!
//! Each prime is written as the hexadecimal of its Appendix A entry, so that
//! it can be read against the RFC line by line; the generator is 2 for all
//! of them. The tests check each prime against the derivation formula the
//! RFC gives (computed independently in the test) and against OpenSSL's
//! built-in copy.

/// The generator of every RFC 7919 group (Appendix A: "The generator is: g = 2").
pub(super) const GENERATOR: [u8; 1] = [2];

/// The ffdhe2048 prime (RFC 7919 Appendix A.1), big-endian:
/// `p = 2^2048 - 2^1984 + {[2^1918 * e] + 560316} * 2^64 - 1`.
pub(super) const FFDHE2048_P: [u8; 256] = decode_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 ",
    "D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9 ",
    "7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561 ",
    "2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 ",
    "30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB ",
    "B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19 ",
    "0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 ",
    "3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA ",
    "886B4238 61285C97 FFFFFFFF FFFFFFFF ",
));

/// The ffdhe3072 prime (RFC 7919 Appendix A.2), big-endian:
/// `p = 2^3072 - 2^3008 + {[2^2942 * e] + 2625351} * 2^64 - 1`.
pub(super) const FFDHE3072_P: [u8; 384] = decode_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 ",
    "D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9 ",
    "7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561 ",
    "2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 ",
    "30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB ",
    "B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19 ",
    "0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 ",
    "3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA ",
    "886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238 ",
    "61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C ",
    "AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 ",
    "64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D ",
    "ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF ",
    "3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF ",
));

/// The ffdhe4096 prime (RFC 7919 Appendix A.3), big-endian:
/// `p = 2^4096 - 2^4032 + {[2^3966 * e] + 5736041} * 2^64 - 1`.
pub(super) const FFDHE4096_P: [u8; 512] = decode_hex(concat!(
    "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1 ",
    "D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9 ",
    "7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561 ",
    "2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 ",
    "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735 ",
    "30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB ",
    "B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19 ",
    "0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61 ",
    "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 ",
    "3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA ",
    "886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238 ",
    "61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C ",
    "AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3 ",
    "64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D ",
    "ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF ",
    "3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB ",
    "7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004 ",
    "87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832 ",
    "A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A ",
    "1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF ",
    "8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A ",
    "FFFFFFFF FFFFFFFF ",
));

/// Decodes the hex digits of `s` (spaces ignored) into exactly `N` bytes.
///
/// Runs at compile time only (every use is a `const` item), where a panic is
/// a build error: a mistyped digit or a wrong length cannot reach a binary.
const fn decode_hex<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    let mut out = [0u8; N];
    let mut nibbles = 0;
    let mut i = 0;
    while i < s.len() {
        let v = match s[i] {
            b' ' => {
                i += 1;
                continue;
            }
            d @ b'0'..=b'9' => d - b'0',
            d @ b'A'..=b'F' => d - b'A' + 10,
            _ => panic!("not an upper-case hex digit"),
        };
        assert!(nibbles < 2 * N, "more digits than bytes");
        out[nibbles / 2] |= v << (4 * (1 - nibbles % 2));
        nibbles += 1;
        i += 1;
    }
    assert!(nibbles == 2 * N, "fewer digits than bytes");
    out
}
