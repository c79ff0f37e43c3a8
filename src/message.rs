//! Alert (RFC 5246 §7.2) and ChangeCipherSpec (RFC 5246 §7.1) payloads: the
//! two non-handshake protocol messages, each a fixed-size record body.

use crate::codec::enums::{AlertDescription, AlertLevel};
use crate::codec::{Codec, Reader};
use crate::error::{Error, InvalidMessage};
use alloc::vec::Vec;

/// An alert: `struct { AlertLevel level; AlertDescription description; }`.
/// Decode with [`Codec::from_bytes`] on the whole record body: anything but
/// exactly two bytes is a decode_error; a level other than warning (1) or
/// fatal (2) is an illegal_parameter. Unknown descriptions are kept
/// (RFC 5246 §7.2 lets new ones appear).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// The two-byte record body (level, description), on the stack, for
    /// sending without a heap buffer; [`Codec::encode`] writes these.
    pub fn to_array(self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }
}

impl Codec for Alert {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.to_array());
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let level = AlertLevel::read(r)?;
        let description = AlertDescription::read(r)?;
        if level != AlertLevel::WARNING && level != AlertLevel::FATAL {
            return Err(Error::invalid("AlertLevel", InvalidMessage::IllegalValue));
        }
        Ok(Alert { level, description })
    }
}

/// The ChangeCipherSpec message: one byte of value 1 (RFC 5246 §7.1).
///
/// A received record is checked whole with [`ChangeCipherSpec::check`]:
/// anything but that one byte is `unexpected_message`, as OpenSSL answers
/// it. The [`Codec`] decoding, for the codec's own round trips, refuses a
/// different value as illegal_parameter and a different length as
/// decode_error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeCipherSpec;

impl ChangeCipherSpec {
    /// The one-byte record body, for sending without a heap buffer;
    /// [`Codec::encode`] writes it.
    pub const BYTES: [u8; 1] = [1];

    /// Checks a received ChangeCipherSpec record body: exactly
    /// [`BYTES`](Self::BYTES), else `UnexpectedMessage` (empty, longer, or
    /// another value: none of them is the message the state awaits).
    pub fn check(payload: &[u8]) -> Result<(), Error> {
        if payload == Self::BYTES {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                expected: "ChangeCipherSpec (one byte of value 1)",
                got: "a ChangeCipherSpec record of other content",
            })
        }
    }
}

impl Codec for ChangeCipherSpec {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&Self::BYTES);
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.u8("ChangeCipherSpec")? {
            1 => Ok(ChangeCipherSpec),
            _ => Err(Error::invalid(
                "ChangeCipherSpec",
                InvalidMessage::IllegalValue,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind<T: core::fmt::Debug>(r: Result<T, Error>) -> InvalidMessage {
        match r {
            Err(Error::InvalidMessage { kind, .. }) => kind,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn alert_roundtrip() {
        let alert = |level, description| Alert { level, description };
        for a in [
            alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY),
            alert(AlertLevel::FATAL, AlertDescription::DECODE_ERROR),
            alert(AlertLevel::FATAL, AlertDescription(0xee)),
        ] {
            let b = a.to_bytes();
            assert_eq!(a.to_array(), b[..]);
            assert_eq!(b.len(), 2);
            assert_eq!(Alert::from_bytes(&b).unwrap(), a);
            assert_eq!(Alert::from_bytes(&b).unwrap().to_bytes(), b);
        }
        assert_eq!(
            alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY).to_bytes(),
            [1, 0]
        );
    }

    #[test]
    fn alert_rejections() {
        assert_eq!(kind(Alert::from_bytes(&[])), InvalidMessage::Truncated);
        assert_eq!(kind(Alert::from_bytes(&[2])), InvalidMessage::Truncated);
        assert_eq!(
            kind(Alert::from_bytes(&[2, 40, 0])),
            InvalidMessage::TrailingData
        );
        assert_eq!(
            kind(Alert::from_bytes(&[3, 40])),
            InvalidMessage::IllegalValue
        );
        assert_eq!(
            kind(Alert::from_bytes(&[0, 40])),
            InvalidMessage::IllegalValue
        );
        let e = Alert::from_bytes(&[2]).unwrap_err();
        assert_eq!(e.alert(), Some(AlertDescription::DECODE_ERROR));
        let e = Alert::from_bytes(&[9, 0]).unwrap_err();
        assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    #[test]
    fn change_cipher_spec() {
        assert_eq!(ChangeCipherSpec.to_bytes(), [1]);
        assert_eq!(ChangeCipherSpec.to_bytes(), ChangeCipherSpec::BYTES);
        assert_eq!(
            ChangeCipherSpec::from_bytes(&[1]).unwrap(),
            ChangeCipherSpec
        );
        assert_eq!(
            kind(ChangeCipherSpec::from_bytes(&[])),
            InvalidMessage::Truncated
        );
        assert_eq!(
            kind(ChangeCipherSpec::from_bytes(&[1, 1])),
            InvalidMessage::TrailingData
        );
        assert_eq!(
            kind(ChangeCipherSpec::from_bytes(&[2])),
            InvalidMessage::IllegalValue
        );
        let e = ChangeCipherSpec::from_bytes(&[0]).unwrap_err();
        assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    #[test]
    fn received_change_cipher_spec_is_one_byte_of_value_1() {
        assert_eq!(ChangeCipherSpec::check(&[1]), Ok(()));
        for bad in [&[][..], &[0], &[2], &[1, 1], &[1, 0]] {
            let e = ChangeCipherSpec::check(bad).unwrap_err();
            assert_eq!(
                e.alert(),
                Some(AlertDescription::UNEXPECTED_MESSAGE),
                "{bad:?}"
            );
        }
    }
}
