//! Finding record boundaries in the caller's input (RFC 5246 §6.2.1).
//!
//! ```text
//! struct {
//!     ContentType type;            // 1 byte
//!     ProtocolVersion version;     // 2 bytes
//!     uint16 length;               // 2 bytes
//!     opaque fragment[length];
//! } TLSPlaintext / TLSCiphertext;
//! ```
//!
//! The header is checked as soon as its five bytes are present, before the
//! body arrives: a peer (or a non-TLS service on the port) that announces a
//! nonsense record is refused at once rather than after we have buffered up
//! to 16 KiB of whatever it sends.

use crate::codec::enums::{ContentType, ProtocolVersion};
use crate::error::Error;
use crate::limits::{MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};

/// The four record content types of RFC 5246 §6.2.1, as a closed enum: a
/// header with any other type is refused by [`peek_record`], so the code
/// that dispatches records never needs an arm for an unknown one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// change_cipher_spec (20).
    ChangeCipherSpec,
    /// alert (21).
    Alert,
    /// handshake (22).
    Handshake,
    /// application_data (23).
    ApplicationData,
}

impl RecordType {
    /// The known type `typ` names, if it names one.
    pub fn from_wire(typ: ContentType) -> Option<RecordType> {
        Some(match typ {
            ContentType::CHANGE_CIPHER_SPEC => RecordType::ChangeCipherSpec,
            ContentType::ALERT => RecordType::Alert,
            ContentType::HANDSHAKE => RecordType::Handshake,
            ContentType::APPLICATION_DATA => RecordType::ApplicationData,
            _ => return None,
        })
    }

    /// The wire value (it goes into the AEAD additional data).
    pub fn wire(self) -> ContentType {
        match self {
            RecordType::ChangeCipherSpec => ContentType::CHANGE_CIPHER_SPEC,
            RecordType::Alert => ContentType::ALERT,
            RecordType::Handshake => ContentType::HANDSHAKE,
            RecordType::ApplicationData => ContentType::APPLICATION_DATA,
        }
    }
}

/// A checked record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The content type: one of the four of RFC 5246 §6.2.1.
    pub typ: RecordType,
    /// The record version as sent.
    pub version: ProtocolVersion,
    /// Length of the fragment that follows the header.
    pub len: usize,
}

/// What the header checks depend on: both change during the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeaderRules {
    /// Require version 0x0303 exactly. Off until ServerHello fixes the
    /// version: before it, a ClientHello record commonly says 0x0301 for the
    /// sake of old servers (RFC 5246 Appendix E.1), and any 0x03xx is accepted.
    pub strict_version: bool,
    /// The read side is protected, so fragments may carry up to 2048 bytes of
    /// expansion (RFC 5246 §6.2.3). Unprotected fragments may not exceed
    /// 2^14 (RFC 5246 §6.2.1).
    pub protected: bool,
}

/// Looks at the start of `buf` for one whole record.
///
/// Returns `Ok(None)` when more input is needed (a partial header, or a
/// valid header whose body has not fully arrived), and
/// `Ok(Some((header, total_len)))` when `buf[..total_len]` holds the whole
/// record, header included.
///
/// Errors, raised from the header alone:
/// - a content type outside RFC 5246 §6.2.1: `UnexpectedMessage`, because
///   RFC 5246 §6 says an unexpected record type gets `unexpected_message`;
/// - a version whose major byte is not 3, or not 0x0303 under
///   `strict_version`: `BadRecordVersion` (`protocol_version`, as OpenSSL
///   answers a wrong record version);
/// - a length above the limit for the protection state: `RecordOverflow`
///   (RFC 5246 §6.2.1, §6.2.3 name `record_overflow` for both).
pub fn peek_record(buf: &[u8], rules: HeaderRules) -> Result<Option<(Header, usize)>, Error> {
    let Some(h) = buf.get(..RECORD_HEADER_LEN) else {
        return Ok(None);
    };
    let typ = RecordType::from_wire(ContentType(h[0]));
    let version = ProtocolVersion(u16::from_be_bytes([h[1], h[2]]));
    let len = u16::from_be_bytes([h[3], h[4]]) as usize;

    let Some(typ) = typ else {
        if let Some(what) = plain_text(buf) {
            return Err(Error::NotTls(what));
        }
        return Err(Error::UnexpectedMessage {
            expected: "a record of a known content type",
            got: "a record of an unknown content type",
        });
    };
    if version.0 >> 8 != 3 {
        return Err(Error::BadRecordVersion("record version is not 3.x"));
    }
    if rules.strict_version && version != ProtocolVersion::TLSV1_2 {
        return Err(Error::BadRecordVersion("record version is not TLS 1.2"));
    }
    let max = if rules.protected {
        MAX_CIPHERTEXT_LEN
    } else {
        MAX_PLAINTEXT_LEN
    };
    if len > max {
        return Err(Error::RecordOverflow { len });
    }

    let total = RECORD_HEADER_LEN + len;
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some((Header { typ, version, len }, total)))
}

/// Takes the next whole record (header and body) off the front of `rest`,
/// leaving the remainder there; `None`, with `rest` untouched, when the
/// record is not all there yet (the caller then checks what header there
/// is, so that a bad one fails before its body arrives). Only the length
/// field is read: [`peek_record`] judges the header.
pub(crate) fn take_record<'a>(rest: &mut &'a mut [u8]) -> Option<&'a mut [u8]> {
    let len = rest.get(3..RECORD_HEADER_LEN)?;
    let total = RECORD_HEADER_LEN + usize::from(u16::from_be_bytes([len[0], len[1]]));
    if rest.len() < total {
        return None;
    }
    let (record, tail) = core::mem::take(rest).split_at_mut(total);
    *rest = tail;
    Some(record)
}

/// What a peer that does not speak TLS sent, when the first bytes show it:
/// an HTTP request or response, or other text (an SMTP or FTP greeting, a
/// line typed by hand). A TLS record starts with a content type of 20 to
/// 23 and a version of 3.x: five printable ASCII bytes never do.
fn plain_text(buf: &[u8]) -> Option<&'static str> {
    const HTTP_METHODS: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"PUT ",
        b"HEAD ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"CONNECT ",
        b"PRI * HTTP/2",
    ];
    if HTTP_METHODS.iter().any(|m| buf.starts_with(m)) {
        return Some("the peer sent a plain HTTP request: it speaks HTTP, not TLS (is this an http:// URL or a plaintext port?)");
    }
    if buf.starts_with(b"HTTP/") {
        return Some(
            "the peer sent a plain HTTP response: it speaks HTTP, not TLS (a plaintext port?)",
        );
    }
    let header = buf.get(..RECORD_HEADER_LEN)?;
    header
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || *b == b'\r' || *b == b'\n')
        .then_some("the peer sent plain text, not TLS (a plaintext protocol on this port?)")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOSE: HeaderRules = HeaderRules {
        strict_version: false,
        protected: false,
    };

    #[test]
    fn partial_whole_and_many() {
        let rec = [22, 3, 1, 0, 2, 0xaa, 0xbb];
        for n in 0..rec.len() {
            assert_eq!(peek_record(&rec[..n], LOOSE), Ok(None), "prefix {n}");
        }
        let want = Header {
            typ: RecordType::Handshake,
            version: ProtocolVersion::TLSV1_0,
            len: 2,
        };
        assert_eq!(peek_record(&rec, LOOSE), Ok(Some((want, 7))));
        let mut two = rec.to_vec();
        two.extend_from_slice(&[23, 3, 3, 0, 0]);
        assert_eq!(peek_record(&two, LOOSE), Ok(Some((want, 7))));
        assert_eq!(peek_record(&two[7..], LOOSE).unwrap().unwrap().1, 5);
    }

    #[test]
    fn header_checked_before_body() {
        assert!(matches!(
            peek_record(&[99, 3, 3, 0, 1], LOOSE),
            Err(Error::UnexpectedMessage { .. })
        ));
        // An HTTP request is not a TLS record.
        assert!(peek_record(b"GET / HTTP/1.1\r\n", LOOSE).is_err());
        assert!(matches!(
            peek_record(&[22, 2, 0, 0, 1], LOOSE),
            Err(Error::BadRecordVersion(_))
        ));
        let strict = HeaderRules {
            strict_version: true,
            ..LOOSE
        };
        assert!(matches!(
            peek_record(&[22, 3, 1, 0, 1], strict),
            Err(Error::BadRecordVersion(_))
        ));
        let e = peek_record(&[22, 2, 0, 0, 1], LOOSE).unwrap_err();
        assert_eq!(
            e.alert(),
            Some(crate::codec::enums::AlertDescription::PROTOCOL_VERSION)
        );
        assert_eq!(peek_record(&[22, 3, 3, 0, 1], strict), Ok(None));
    }

    #[test]
    fn record_overflow_depends_on_protection() {
        let over_plain = (MAX_PLAINTEXT_LEN + 1) as u16;
        let h = [23, 3, 3, (over_plain >> 8) as u8, over_plain as u8];
        assert_eq!(
            peek_record(&h, LOOSE),
            Err(Error::RecordOverflow {
                len: MAX_PLAINTEXT_LEN + 1
            })
        );
        let prot = HeaderRules {
            protected: true,
            ..LOOSE
        };
        assert_eq!(peek_record(&h, prot), Ok(None));
        let max = MAX_CIPHERTEXT_LEN as u16;
        assert_eq!(
            peek_record(&[23, 3, 3, (max >> 8) as u8, max as u8], prot),
            Ok(None)
        );
        let over = max + 1;
        assert_eq!(
            peek_record(&[23, 3, 3, (over >> 8) as u8, over as u8], prot),
            Err(Error::RecordOverflow {
                len: MAX_CIPHERTEXT_LEN + 1
            })
        );
    }
}

#[cfg(test)]
mod plain_text_tests {
    use super::*;

    const RULES: HeaderRules = HeaderRules {
        strict_version: false,
        protected: false,
    };

    fn refusal(bytes: &[u8]) -> Error {
        peek_record(bytes, RULES).unwrap_err()
    }

    #[test]
    fn a_peer_that_does_not_speak_tls_is_named() {
        for request in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"POST /form HTTP/1.1\r\n",
            b"CONNECT example.com:443 HTTP/1.1\r\n",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ] {
            let e = refusal(request);
            assert!(
                matches!(e, Error::NotTls(m) if m.contains("plain HTTP request")),
                "{e:?}"
            );
        }
        let e = refusal(b"HTTP/1.1 400 Bad Request\r\n");
        assert!(matches!(e, Error::NotTls(m) if m.contains("plain HTTP response")));
        let e = refusal(b"220 mail.example ESMTP\r\n");
        assert!(matches!(e, Error::NotTls(m) if m.contains("plain text")));
        assert_eq!(
            e.to_string(),
            "not TLS: the peer sent plain text, not TLS (a plaintext protocol on this port?)"
        );
        // Binary junk of an unknown content type stays what it was.
        assert!(matches!(
            refusal(&[0x30, 0x03, 0x03, 0x00, 0x01, 0x00]),
            Error::UnexpectedMessage { .. }
        ));
        // A TLS record is never taken for text.
        assert!(peek_record(&[22, 3, 1, 0, 1, 1], RULES).is_ok());
    }
}
