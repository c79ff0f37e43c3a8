//! Finished (RFC 5246 §7.4.9): the body is `verify_data` and nothing else.
//! Its length depends on the suite (12 for every suite we implement), so the
//! codec keeps all of it and the state machine checks the length, in constant
//! time together with the value.

use crate::codec::{Codec, Reader};
use crate::error::Error;

/// A Finished message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// `PRF(master_secret, finished_label, Hash(handshake_messages))`.
    pub verify_data: Vec<u8>,
}

impl Codec for Finished {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.verify_data);
    }

    /// Takes every remaining byte: Finished fills its handshake message.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Finished {
            verify_data: r.rest().to_vec(),
        })
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
            verify_data: vec![0x5a; 12],
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
    }
}
