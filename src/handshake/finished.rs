//! Finished (RFC 5246 §7.4.9): the body is `verify_data` and nothing else.
//! `verify_data_length` is 12 for every suite we implement (RFC 5246 §7.4.9:
//! "verify_data_length MUST be 12" unless a suite says otherwise), so the
//! codec decodes it into a fixed array and refuses any other length as a
//! decode_error ("the length of the message was incorrect", §7.2.2), not as
//! a failed check.

use crate::codec::{Codec, Reader};
use crate::crypto::key_schedule::VERIFY_DATA_LEN;
use crate::error::{Error, InvalidMessage};
use alloc::vec::Vec;

/// A Finished message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// `PRF(master_secret, finished_label, Hash(handshake_messages))`.
    pub verify_data: [u8; VERIFY_DATA_LEN],
}

impl Codec for Finished {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.verify_data);
        Ok(())
    }

    /// Takes every remaining byte: Finished fills its handshake message.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let body = r.rest();
        let verify_data = body
            .try_into()
            .map_err(|_| Error::invalid("Finished", InvalidMessage::BadLength))?;
        Ok(Finished { verify_data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::testutil::kind;
    use crate::handshake::{HandshakeMessage, HandshakePayload};

    #[test]
    fn finished_roundtrip() {
        let f = Finished {
            verify_data: [0x5a; 12],
        };
        let b = f.to_bytes();
        assert_eq!(b.len(), 12);
        assert_eq!(Finished::from_bytes(&b).unwrap(), f);
        let msg = HandshakePayload::Finished(f);
        let wire = msg.to_bytes();
        assert_eq!(&wire[..4], &[20, 0, 0, 12]);
        assert_eq!(HandshakeMessage::read(&wire).unwrap(), msg);
        assert_eq!(HandshakeMessage::read(&wire).unwrap().to_bytes(), wire);
        for n in 0..wire.len() {
            assert!(HandshakeMessage::read(&wire[..n]).is_err());
        }
        let mut long = wire.clone();
        long.push(0);
        assert_eq!(
            kind(HandshakeMessage::read(&long)),
            crate::error::InvalidMessage::TrailingData
        );
        for n in [0, 11, 13, 36] {
            assert_eq!(
                kind(Finished::from_bytes(&vec![0; n])),
                crate::error::InvalidMessage::BadLength
            );
        }
    }
}
