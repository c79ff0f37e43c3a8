//! The one error type of the crate and its mapping to the alert we send.
//!
//! Every error the protocol core returns is fatal and sticky (RFC 5246 §7.2.2: a
//! fatal alert ends the connection and forbids its session to be resumed): once a
//! `Connection` has returned an `Error`, it returns the same error for every later
//! call. The exceptions say the *caller* asked for something impossible and leave
//! the connection as it was ([`Error::is_fatal`] is false for exactly these):
//!
//! - [`Error::HandshakeNotComplete`]
//! - [`Error::ConnectionClosed`]
//! - [`Error::OutputBacklog`]
//! - [`Error::Config`]
//! - [`Error::CannotRenegotiate`]
//!
//! An error also says who sent the alert: [`Error::AlertReceived`] is the peer's
//! fatal alert; every other variant names the alert *we* queue for the peer
//! through [`Error::alert`].

use crate::codec::enums::AlertDescription;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Why a message failed to decode (RFC 5246 §7.2.2 names the alert each one
/// gets: `decode_error` for syntax, `illegal_parameter` for values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidMessage {
    /// The input ended before a field or vector it announced.
    Truncated,
    /// Bytes were left over after a structure that must fill its container.
    TrailingData,
    /// A vector the RFC declares non-empty (`<1..>`, `<2..>`) was empty, or a
    /// length is not a multiple of its element size, or out of its declared range.
    BadLength,
    /// The same extension appeared twice in one hello (RFC 5246 §7.4.1.4).
    DuplicateExtension,
    /// A value that decodes but is not allowed here (wrong curve type, a
    /// ChangeCipherSpec byte other than 1, an unknown alert level, ...).
    IllegalValue,
    /// A handshake message longer than [`crate::limits::MAX_HANDSHAKE_MESSAGE_LEN`]
    /// ([`crate::limits::MAX_CLIENT_HELLO_LEN`] for a ClientHello), or a
    /// list longer than its named limit.
    TooLarge,
}

impl InvalidMessage {
    /// The alert RFC 5246 §7.2.2 asks for.
    pub fn alert(self) -> AlertDescription {
        match self {
            InvalidMessage::DuplicateExtension | InvalidMessage::IllegalValue => {
                AlertDescription::ILLEGAL_PARAMETER
            }
            InvalidMessage::Truncated
            | InvalidMessage::TrailingData
            | InvalidMessage::BadLength
            | InvalidMessage::TooLarge => AlertDescription::DECODE_ERROR,
        }
    }
}

/// Why a certificate chain was refused. Each kind maps to the alert of
/// RFC 5246 §7.2.2 that best describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// The peer sent no certificate where one is required.
    Empty,
    /// The chain does not lead to any configured trust anchor.
    UnknownIssuer,
    /// A certificate of the chain expired: its notAfter is before the
    /// verification time. (rustls-webpki does not say which certificate of
    /// the chain it was: the end entity or an intermediate on the path.)
    Expired {
        /// The time the chain was verified at.
        now: rustls_pki_types::UnixTime,
        /// The certificate's notAfter.
        not_after: rustls_pki_types::UnixTime,
    },
    /// A certificate of the chain is not valid yet: its notBefore is after
    /// the verification time (a clock that is behind, often).
    NotValidYet {
        /// The time the chain was verified at.
        now: rustls_pki_types::UnixTime,
        /// The certificate's notBefore.
        not_before: rustls_pki_types::UnixTime,
    },
    /// The end-entity certificate is not valid for the name we connected to.
    NotValidForName {
        /// The name we connected to (DNS name or IP address).
        expected: String,
        /// The names the certificate holds (subjectAltName DNS names and IP
        /// addresses), as rustls-webpki read them.
        presented: Vec<String>,
    },
    /// The certificate's extended key usage forbids this use (serverAuth/clientAuth).
    InvalidPurpose,
    /// A signature in the chain does not verify.
    BadSignature,
    /// A signature in the chain uses an algorithm we do not accept.
    UnsupportedSignatureAlgorithm,
    /// The certificate DER could not be parsed.
    BadEncoding,
    /// No path to a trust anchor within the path-depth limit of the
    /// verifier (rustls-webpki allows six certificates in a path).
    ChainTooLong,
    /// Any other rejection, with the verifier's words.
    Other(String),
}

impl CertificateError {
    /// The alert RFC 5246 §7.2.2 asks for. A signature in the chain that
    /// does not verify is `decrypt_error` ("a handshake cryptographic
    /// operation failed, including being unable to correctly verify a
    /// signature"), as OpenSSL sends for it.
    pub fn alert(&self) -> AlertDescription {
        match self {
            CertificateError::BadSignature => AlertDescription::DECRYPT_ERROR,
            CertificateError::Empty
            | CertificateError::NotValidForName { .. }
            | CertificateError::BadEncoding
            | CertificateError::ChainTooLong
            | CertificateError::Other(_) => AlertDescription::BAD_CERTIFICATE,
            CertificateError::UnknownIssuer => AlertDescription::UNKNOWN_CA,
            CertificateError::Expired { .. } | CertificateError::NotValidYet { .. } => {
                AlertDescription::CERTIFICATE_EXPIRED
            }
            CertificateError::InvalidPurpose | CertificateError::UnsupportedSignatureAlgorithm => {
                AlertDescription::UNSUPPORTED_CERTIFICATE
            }
        }
    }
}

/// Sentences a person can act on; `{:?}` keeps the exact fields.
impl core::fmt::Display for CertificateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CertificateError::Empty => f.write_str("no certificate was sent"),
            CertificateError::UnknownIssuer => f.write_str(
                "no path from the certificate to a trusted root (an unknown CA, or a missing intermediate)",
            ),
            CertificateError::Expired { now, not_after } => write!(
                f,
                "a certificate in the chain expired at {}; verified at {}",
                utc(*not_after),
                utc(*now)
            ),
            CertificateError::NotValidYet { now, not_before } => write!(
                f,
                "a certificate in the chain is valid only from {}; verified at {} (is the clock behind?)",
                utc(*not_before),
                utc(*now)
            ),
            CertificateError::NotValidForName {
                expected,
                presented,
            } => {
                write!(f, "the certificate is not valid for {expected:?}; ")?;
                if presented.is_empty() {
                    f.write_str("it names no DNS name or IP address")
                } else {
                    write!(f, "it is for {}", presented.join(", "))
                }
            }
            CertificateError::InvalidPurpose => f.write_str(
                "the certificate's extended key usage does not allow this use (serverAuth or clientAuth)",
            ),
            CertificateError::BadSignature => {
                f.write_str("a signature in the certificate chain does not verify")
            }
            CertificateError::UnsupportedSignatureAlgorithm => {
                f.write_str("a signature in the certificate chain uses an algorithm we do not accept")
            }
            CertificateError::BadEncoding => f.write_str("the certificate is not valid DER"),
            CertificateError::ChainTooLong => {
                f.write_str("no path to a trusted root within the path-length limit")
            }
            CertificateError::Other(s) => write!(f, "{s}"),
        }
    }
}

/// `t` as `YYYY-MM-DD HH:MM:SS UTC` (the proleptic Gregorian calendar, from
/// days since 1970-01-01 by the civil-from-days algorithm), for messages.
fn utc(t: rustls_pki_types::UnixTime) -> String {
    let secs = t.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Everything that can go wrong in sanstls.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A message or record could not be decoded.
    #[error("malformed {what}: {kind:?}")]
    InvalidMessage {
        /// Which structure or field was being decoded.
        what: &'static str,
        /// What was wrong with it.
        kind: InvalidMessage,
    },
    /// A message arrived that the handshake state does not allow here
    /// (RFC 5246 §7.3 fixes the order), or a record of a content type that is
    /// not allowed now.
    #[error("unexpected {got} while awaiting {expected}")]
    UnexpectedMessage {
        /// What the state machine was waiting for.
        expected: &'static str,
        /// What arrived instead.
        got: &'static str,
    },
    /// The peer does not speak TLS: its first bytes are an HTTP request or
    /// response, or other text. Says which, and what to check.
    #[error("not TLS: {0}")]
    NotTls(&'static str),
    /// A record header's version is wrong: its major version is not 3, or,
    /// once ServerHello has fixed the version, it is not TLS 1.2 (RFC 5246
    /// Appendix E.1). Answered with `protocol_version`, as OpenSSL does.
    #[error("bad record version: {0}")]
    BadRecordVersion(&'static str),
    /// A record longer than RFC 5246 §6.2 allows.
    #[error("record of {len} bytes exceeds the limit")]
    RecordOverflow {
        /// The length the header announced, or the plaintext length after decryption.
        len: usize,
    },
    /// A protected record failed authentication (RFC 5246 §6.2.3.3).
    #[error("record authentication failed")]
    BadRecordMac,
    /// The peer's parameters leave nothing we can agree on, or violate a
    /// requirement of our configuration.
    #[error("handshake failure: {0}")]
    HandshakeFailure(&'static str),
    /// The peer does not offer the extended master secret (RFC 7627) and our
    /// configuration requires it.
    #[error("peer does not support the extended master secret (RFC 7627)")]
    NoExtendedMasterSecret,
    /// A value is syntactically valid but not allowed here.
    #[error("illegal parameter: {0}")]
    IllegalParameter(&'static str),
    /// The peer's protocol version is not TLS 1.2.
    #[error("unsupported protocol version")]
    ProtocolVersion,
    /// ALPN found no protocol both sides speak (RFC 7301 §3.2).
    #[error("no application protocol in common")]
    NoApplicationProtocol,
    /// The peer answered with an extension we did not offer (RFC 5246 §7.4.1.4).
    #[error("peer sent an extension we did not offer")]
    UnsolicitedExtension,
    /// The peer's certificate chain was refused.
    #[error("invalid peer certificate: {0}")]
    InvalidCertificate(CertificateError),
    /// A handshake signature (ServerKeyExchange, CertificateVerify) did not verify.
    #[error("handshake signature did not verify")]
    BadSignature,
    /// The peer's Finished verify_data did not match ours (RFC 5246 §7.4.9).
    #[error("Finished verify_data mismatch")]
    BadFinished,
    /// The secure renegotiation check of RFC 5746 §3.4/§3.6 failed.
    #[error("secure renegotiation check failed")]
    BadRenegotiationInfo,
    /// The peer presented another certificate in a renegotiation than in
    /// the handshake before it (the triple-handshake attack; see
    /// `ClientConfig::dangerous_renegotiation_identity_change`), or none
    /// after presenting one. Answered with `bad_certificate`, as Go does.
    #[error("peer identity changed in a renegotiation")]
    PeerIdentityChanged,
    /// The peer asked to renegotiate more often than [`crate::limits::MAX_RENEGOTIATION_REQUESTS`].
    #[error("too many renegotiation requests")]
    TooManyRenegotiationRequests,
    /// The peer sent more empty records in a row, or more warning alerts,
    /// than the named limits in [`crate::limits`] allow.
    #[error("peer exceeded a limit: {0}")]
    LimitExceeded(&'static str),
    /// The peer sent a fatal alert; we send nothing back.
    #[error("peer sent fatal alert {0:?}")]
    AlertReceived(AlertDescription),
    /// The transport ended without a close_notify (RFC 5246 §7.2.1): the data
    /// received may have been truncated by an attacker.
    #[error("transport closed without close_notify: possible truncation")]
    Truncated,
    /// A record sequence number would wrap (RFC 5246 §6.1).
    #[error("record sequence number exhausted")]
    SequenceExhausted,
    /// The random source or another primitive failed.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// Caller error: application data cannot be sent before the handshake
    /// completes or after the connection closed. Not sticky.
    #[error("handshake not complete")]
    HandshakeNotComplete,
    /// Caller error: nothing more can be sent once close_notify went out (we
    /// closed, or answered the peer's close_notify). Not sticky.
    #[error("connection closed for sending")]
    ConnectionClosed,
    /// Caller error: more output is queued than [`crate::limits::MAX_BUFFERED_OUTPUT`];
    /// drain it with `poll_output` first. Not sticky.
    #[error("output backlog full: drain output first")]
    OutputBacklog,
    /// Caller error: the configuration cannot work (no suites, a key that
    /// is not its certificate's, a file that cannot be read, ...); the
    /// [`ConfigError`] says which, with what it concerns.
    #[error("bad configuration: {0}")]
    Config(ConfigError),
    /// Caller error: `Connection::renegotiate` cannot start a renegotiation
    /// now (not allowed by the configuration, the peer did not signal RFC
    /// 5746 or the extended master secret, one is already under way, or
    /// [`crate::limits::MAX_RENEGOTIATIONS`] is reached). Not sticky.
    #[error("cannot renegotiate: {0}")]
    CannotRenegotiate(&'static str),
}

/// Why a configuration cannot work, with what a person needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A reason that needs nothing more (a field's value, a mismatch).
    Invalid(&'static str),
    /// A file could not be read (feature `std`).
    #[cfg(feature = "std")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong, as the operating system said it.
        kind: std::io::ErrorKind,
        /// The I/O error's own words.
        message: String,
    },
    /// A cipher suite name we do not know.
    UnknownSuite {
        /// The name given.
        name: String,
        /// The IANA names we know.
        known: Vec<&'static str>,
    },
    /// A PEM file or text holds nothing of the kind needed (no
    /// `CERTIFICATE` block, no private key block), or a block that does not
    /// decode.
    Pem {
        /// The file, if the PEM came from one (feature `std`).
        #[cfg(feature = "std")]
        path: Option<std::path::PathBuf>,
        /// What was looked for: "certificate", "private key".
        wanted: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The private key is encrypted (`ENCRYPTED PRIVATE KEY`): sanstls
    /// takes keys in the clear (PKCS#8, SEC1 or PKCS#1), as rustls does.
    EncryptedKey {
        /// The file, if the key came from one (feature `std`).
        #[cfg(feature = "std")]
        path: Option<std::path::PathBuf>,
    },
}

impl ConfigError {
    /// The file read from, as a display prefix ("FILE: ") or nothing.
    #[cfg(feature = "std")]
    fn file_prefix(path: Option<&std::path::Path>) -> String {
        path.map(|p| format!("{}: ", p.display()))
            .unwrap_or_default()
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Invalid(why) => f.write_str(why),
            #[cfg(feature = "std")]
            ConfigError::File { path, message, .. } => {
                write!(f, "cannot read {}: {message}", path.display())
            }
            ConfigError::UnknownSuite { name, known } => write!(
                f,
                "unknown cipher suite {name:?}; the suites sanstls knows are {}",
                known.join(", ")
            ),
            ConfigError::Pem {
                #[cfg(feature = "std")]
                path,
                wanted,
                problem,
            } => {
                #[cfg(feature = "std")]
                f.write_str(&Self::file_prefix(path.as_deref()))?;
                write!(f, "no {wanted} found: {problem}")
            }
            ConfigError::EncryptedKey {
                #[cfg(feature = "std")]
                path,
            } => {
                #[cfg(feature = "std")]
                f.write_str(&Self::file_prefix(path.as_deref()))?;
                f.write_str("the private key is encrypted; decrypt it first (for example `openssl pkey -in KEY -out KEY.plain`)")
            }
        }
    }
}

impl From<&'static str> for ConfigError {
    fn from(why: &'static str) -> Self {
        ConfigError::Invalid(why)
    }
}

impl Error {
    /// A configuration error that a sentence says all of.
    pub(crate) fn config(why: &'static str) -> Self {
        Error::Config(ConfigError::Invalid(why))
    }

    /// A decode error for `what`.
    pub(crate) fn invalid(what: &'static str, kind: InvalidMessage) -> Self {
        Error::InvalidMessage { what, kind }
    }

    /// The fatal alert we send to the peer for this error, or `None` when no
    /// alert goes out (the peer closed first, the transport ended, or the
    /// error is the caller's own).
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Error::InvalidMessage { kind, .. } => kind.alert(),
            Error::UnexpectedMessage { .. } | Error::NotTls(_) => {
                AlertDescription::UNEXPECTED_MESSAGE
            }
            Error::BadRecordVersion(_) => AlertDescription::PROTOCOL_VERSION,
            Error::RecordOverflow { .. } => AlertDescription::RECORD_OVERFLOW,
            Error::BadRecordMac => AlertDescription::BAD_RECORD_MAC,
            Error::HandshakeFailure(_) | Error::NoExtendedMasterSecret => {
                AlertDescription::HANDSHAKE_FAILURE
            }
            Error::BadRenegotiationInfo => AlertDescription::HANDSHAKE_FAILURE,
            Error::PeerIdentityChanged => AlertDescription::BAD_CERTIFICATE,
            Error::IllegalParameter(_) => AlertDescription::ILLEGAL_PARAMETER,
            Error::ProtocolVersion => AlertDescription::PROTOCOL_VERSION,
            Error::NoApplicationProtocol => AlertDescription::NO_APPLICATION_PROTOCOL,
            Error::UnsolicitedExtension => AlertDescription::UNSUPPORTED_EXTENSION,
            Error::InvalidCertificate(e) => e.alert(),
            Error::BadSignature | Error::BadFinished => AlertDescription::DECRYPT_ERROR,
            Error::TooManyRenegotiationRequests | Error::LimitExceeded(_) => {
                AlertDescription::UNEXPECTED_MESSAGE
            }
            Error::Internal(_) | Error::SequenceExhausted => AlertDescription::INTERNAL_ERROR,
            Error::AlertReceived(_)
            | Error::Truncated
            | Error::HandshakeNotComplete
            | Error::ConnectionClosed
            | Error::OutputBacklog
            | Error::Config(_)
            | Error::CannotRenegotiate(_) => return None,
        })
    }

    /// Whether this error ends the connection. Caller errors do not.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Error::HandshakeNotComplete
                | Error::ConnectionClosed
                | Error::OutputBacklog
                | Error::Config(_)
                | Error::CannotRenegotiate(_)
        )
    }
}

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        Error::InvalidCertificate(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_calendar_dates() {
        let at = |secs| {
            utc(rustls_pki_types::UnixTime::since_unix_epoch(
                core::time::Duration::from_secs(secs),
            ))
        };
        assert_eq!(at(0), "1970-01-01 00:00:00 UTC");
        // A leap day, and the second before the next day.
        assert_eq!(at(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(at(951_868_799), "2000-02-29 23:59:59 UTC");
        assert_eq!(at(1_709_251_199), "2024-02-29 23:59:59 UTC");
        assert_eq!(at(4_107_542_400), "2100-03-01 00:00:00 UTC");
        assert_eq!(at(32_503_680_000), "3000-01-01 00:00:00 UTC");
    }

    /// Whether each variant is sticky, written out so that a new variant
    /// must be placed here (the match is exhaustive).
    fn sticky(e: &Error) -> bool {
        match e {
            Error::HandshakeNotComplete
            | Error::ConnectionClosed
            | Error::OutputBacklog
            | Error::Config(_)
            | Error::CannotRenegotiate(_) => false,
            Error::InvalidMessage { .. }
            | Error::UnexpectedMessage { .. }
            | Error::NotTls(_)
            | Error::BadRecordVersion(_)
            | Error::RecordOverflow { .. }
            | Error::BadRecordMac
            | Error::HandshakeFailure(_)
            | Error::NoExtendedMasterSecret
            | Error::IllegalParameter(_)
            | Error::ProtocolVersion
            | Error::NoApplicationProtocol
            | Error::UnsolicitedExtension
            | Error::InvalidCertificate(_)
            | Error::BadSignature
            | Error::BadFinished
            | Error::BadRenegotiationInfo
            | Error::PeerIdentityChanged
            | Error::TooManyRenegotiationRequests
            | Error::LimitExceeded(_)
            | Error::AlertReceived(_)
            | Error::Truncated
            | Error::SequenceExhausted
            | Error::Internal(_) => true,
        }
    }

    /// The module documentation lists exactly the errors that are not
    /// sticky, and `is_fatal` agrees with it.
    #[test]
    fn documented_non_sticky_errors_are_exactly_the_non_fatal_ones() {
        let every = [
            Error::invalid("x", InvalidMessage::Truncated),
            Error::UnexpectedMessage {
                expected: "x",
                got: "y",
            },
            Error::NotTls("x"),
            Error::BadRecordVersion("x"),
            Error::RecordOverflow { len: 1 },
            Error::BadRecordMac,
            Error::HandshakeFailure("x"),
            Error::NoExtendedMasterSecret,
            Error::IllegalParameter("x"),
            Error::ProtocolVersion,
            Error::NoApplicationProtocol,
            Error::UnsolicitedExtension,
            Error::InvalidCertificate(CertificateError::Empty),
            Error::BadSignature,
            Error::BadFinished,
            Error::BadRenegotiationInfo,
            Error::PeerIdentityChanged,
            Error::TooManyRenegotiationRequests,
            Error::LimitExceeded("x"),
            Error::AlertReceived(AlertDescription::CLOSE_NOTIFY),
            Error::Truncated,
            Error::SequenceExhausted,
            Error::Internal("x"),
            Error::HandshakeNotComplete,
            Error::ConnectionClosed,
            Error::OutputBacklog,
            Error::config("x"),
            Error::CannotRenegotiate("x"),
        ];
        let doc: Vec<&str> = include_str!("error.rs")
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .filter_map(|l| l.strip_prefix("//! - [`Error::"))
            .filter_map(|l| l.strip_suffix("`]"))
            .collect();
        let mut non_sticky = Vec::new();
        for e in &every {
            assert_eq!(e.is_fatal(), sticky(e), "{e:?}");
            if !sticky(e) {
                let name = format!("{e:?}");
                let name = name
                    .split(['(', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                non_sticky.push(name);
            }
        }
        assert_eq!(doc, non_sticky);
    }
}
