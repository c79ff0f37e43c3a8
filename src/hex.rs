//! Lowercase hex, the one encoder of the crate: for the handshake trace,
//! key log lines (NSS format) and `Debug` output of public values (session
//! IDs, transcript hashes). The decoder is for tests and fuzz targets.

use alloc::string::String;
use alloc::string::ToString;
use core::fmt;

/// `bytes` as lowercase hex.
pub fn encode(bytes: &[u8]) -> String {
    Hex(bytes).to_string()
}

/// Formats its bytes as lowercase hex, without allocating.
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Decodes hex (either case), ignoring whitespace; `None` on anything else
/// or an odd number of digits.
#[cfg(any(test, feature = "unstable-internals"))]
pub fn decode(s: &str) -> Option<alloc::vec::Vec<u8>> {
    let digits: alloc::vec::Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    let value = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
    digits
        .chunks(2)
        .map(|p| Some(value(p[0])? << 4 | value(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_refusals() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert_eq!(&text[..8], "00010203");
        assert_eq!(&text[text.len() - 4..], "feff");
        assert_eq!(decode(&text), Some(bytes.clone()));
        assert_eq!(decode(&text.to_uppercase()), Some(bytes));
        assert_eq!(decode("0a 0B\n"), Some(vec![10, 11]));
        assert_eq!(decode("abc"), None);
        assert_eq!(decode("zz"), None);
        assert_eq!(format!("{:?}", Hex(&[1, 0xab])), "01ab");
    }
}
