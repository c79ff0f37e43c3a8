//! Key exchange message bodies. The handshake layer keeps ServerKeyExchange
//! and ClientKeyExchange opaque (their shape depends on the negotiated suite);
//! the state machine parses them with these types once it knows the suite.
//! Decoded, they borrow the point and signature from the message.

use crate::codec::enums::{EcCurveType, NamedGroup};
use crate::codec::{Codec, Decode, LenSize, Reader};
use crate::error::{Error, InvalidMessage};
use crate::handshake::certificate::DigitallySigned;
use crate::handshake::put_opaque;
use alloc::vec::Vec;

/// `ServerECDHParams` (RFC 8422 §5.4): a named curve and the server's
/// ephemeral public point, `opaque point<1..2^8-1>`. Only `named_curve` is
/// accepted: explicit curves are deprecated by RFC 8422 §5.4 and refused with
/// illegal_parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcdheServerParams<'a> {
    /// The group of the ephemeral key.
    pub group: NamedGroup,
    /// The encoded public point (uncompressed, or raw X25519 bytes).
    pub public: &'a [u8],
}

impl<'a> Decode<'a> for EcdheServerParams<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        EcCurveType::NAMED_CURVE.encode(out)?;
        self.group.encode(out)?;
        put_opaque(out, LenSize::U8, "ECDHE point too long", self.public)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        if EcCurveType::read(r)? != EcCurveType::NAMED_CURVE {
            return Err(Error::invalid("ECCurveType", InvalidMessage::IllegalValue));
        }
        Ok(EcdheServerParams {
            group: NamedGroup::read(r)?,
            public: r.vec_nonempty(LenSize::U8, "ECPoint")?,
        })
    }
}

/// An ECDHE ServerKeyExchange (RFC 8422 §5.4): the parameters, signed with
/// the server's certificate key over `client_random + server_random + params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcdheServerKeyExchange<'a> {
    /// The curve and public point.
    pub params: EcdheServerParams<'a>,
    /// The signature over the randoms and the params.
    pub signed: DigitallySigned<'a>,
}

#[cfg(any(test, feature = "unstable-internals"))]
impl EcdheServerKeyExchange<'_> {
    /// The encoded `ServerECDHParams`: the bytes that follow the two randoms
    /// in the signed content (RFC 8422 §5.4 `signed_params`).
    pub fn params_bytes(&self) -> Vec<u8> {
        self.params.encode_to_vec()
    }
}

impl<'a> Decode<'a> for EcdheServerKeyExchange<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.params.encode_to(out)?;
        self.signed.encode_to(out)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(EcdheServerKeyExchange {
            params: EcdheServerParams::decode(r)?,
            signed: DigitallySigned::decode(r)?,
        })
    }
}

/// An ECDHE ClientKeyExchange (RFC 8422 §5.7): `opaque point<1..2^8-1>`.
/// (The implicit/empty form is for fixed-ECDH client certificates, which we
/// do not support, so an empty point is a decode_error.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcdheClientKeyExchange<'a> {
    /// The client's ephemeral public point.
    pub public: &'a [u8],
}

impl<'a> Decode<'a> for EcdheClientKeyExchange<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(out, LenSize::U8, "ECDHE point too long", self.public)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(EcdheClientKeyExchange {
            public: r.vec_nonempty(LenSize::U8, "ECPoint")?,
        })
    }
}

/// An RSA ClientKeyExchange (RFC 5246 §7.4.7.1): the encrypted pre-master
/// secret, `opaque EncryptedPreMasterSecret<0..2^16-1>` (TLS 1.0 and later
/// carry the length). Only the framing is checked here: a ciphertext of any
/// length, even empty, goes on to the decryption, which treats a wrong
/// length like bad padding, by continuing with a random pre-master secret
/// (§7.4.7.1: its failures must not show on the wire).
#[cfg(feature = "legacy")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsaClientKeyExchange<'a> {
    /// The PKCS #1 v1.5 ciphertext.
    pub encrypted_pre_master: &'a [u8],
}

#[cfg(feature = "legacy")]
impl<'a> Decode<'a> for RsaClientKeyExchange<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(
            out,
            LenSize::U16,
            "encrypted pre-master secret too long",
            self.encrypted_pre_master,
        )
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(RsaClientKeyExchange {
            encrypted_pre_master: r.vec(LenSize::U16, "EncryptedPreMasterSecret")?,
        })
    }
}

/// `ServerDHParams` (RFC 5246 §7.4.3): the prime, the generator and the
/// server's public value, each `opaque <1..2^16-1>` (big-endian integers).
/// Only syntax here; whether the group is acceptable and the value in range
/// is the key exchange's to decide (RFC 7919 §3, §5.1).
#[cfg(feature = "legacy")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DheServerParams<'a> {
    /// `dh_p`.
    pub p: &'a [u8],
    /// `dh_g`.
    pub g: &'a [u8],
    /// `dh_Ys`.
    pub public: &'a [u8],
}

#[cfg(feature = "legacy")]
impl<'a> Decode<'a> for DheServerParams<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(out, LenSize::U16, "DH prime too long", self.p)?;
        put_opaque(out, LenSize::U16, "DH generator too long", self.g)?;
        put_opaque(out, LenSize::U16, "DH public value too long", self.public)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(DheServerParams {
            p: r.vec_nonempty(LenSize::U16, "dh_p")?,
            g: r.vec_nonempty(LenSize::U16, "dh_g")?,
            public: r.vec_nonempty(LenSize::U16, "dh_Ys")?,
        })
    }
}

/// A DHE ServerKeyExchange (RFC 5246 §7.4.3): the parameters, signed with
/// the server's certificate key over `client_random + server_random +
/// params`.
#[cfg(feature = "legacy")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DheServerKeyExchange<'a> {
    /// The group and the server's public value.
    pub params: DheServerParams<'a>,
    /// The signature over the randoms and the params.
    pub signed: DigitallySigned<'a>,
}

#[cfg(feature = "legacy")]
impl<'a> Decode<'a> for DheServerKeyExchange<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.params.encode_to(out)?;
        self.signed.encode_to(out)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(DheServerKeyExchange {
            params: DheServerParams::decode(r)?,
            signed: DigitallySigned::decode(r)?,
        })
    }
}

/// A DHE ClientKeyExchange (RFC 5246 §7.4.7.2): `opaque dh_Yc<1..2^16-1>`
/// (the explicit form; the implicit one is for fixed-DH client
/// certificates, which we do not support).
#[cfg(feature = "legacy")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DheClientKeyExchange<'a> {
    /// The client's public value.
    pub public: &'a [u8],
}

#[cfg(feature = "legacy")]
impl<'a> Decode<'a> for DheClientKeyExchange<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_opaque(out, LenSize::U16, "DH public value too long", self.public)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(DheClientKeyExchange {
            public: r.vec_nonempty(LenSize::U16, "dh_Yc")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::enums::SignatureScheme;
    use crate::handshake::testutil::{assert_prefixes_fail, assert_trailing_fails, kind};

    fn roundtrip<T: Decode<'static> + PartialEq + core::fmt::Debug>(v: &T) -> Vec<u8> {
        // Leaked so that borrowing types decode it as `T` (test only).
        let b: &'static [u8] = v.encode_to_vec().leak();
        let d = T::decode_all(b).unwrap();
        assert_eq!(&d, v);
        assert_eq!(d.encode_to_vec(), b);
        assert_prefixes_fail::<T>(b);
        assert_trailing_fails::<T>(b);
        b.to_vec()
    }

    #[test]
    fn server_key_exchange_roundtrip() {
        let ske = EcdheServerKeyExchange {
            params: EcdheServerParams {
                group: NamedGroup::X25519,
                public: &[9; 32],
            },
            signed: DigitallySigned {
                scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
                signature: &[0x30; 70],
            },
        };
        let b = roundtrip(&ske);
        let p = ske.params_bytes();
        assert_eq!(&p[..4], &[3, 0, 0x1d, 32]);
        assert_eq!(p.len(), 4 + 32);
        assert_eq!(&b[..p.len()], &p[..]);
    }

    #[test]
    fn server_params_rejections() {
        let err = |b: &[u8]| kind(EcdheServerParams::decode_all(b));
        assert_eq!(err(&[1, 0, 0x17, 1, 4]), InvalidMessage::IllegalValue);
        assert_eq!(err(&[2, 0, 0x17, 1, 4]), InvalidMessage::IllegalValue);
        assert_eq!(err(&[3, 0, 0x17, 0]), InvalidMessage::BadLength);
        assert_eq!(
            kind(EcdheServerKeyExchange::decode_all(&[
                3, 0, 0x17, 1, 4, 4, 3, 0, 5
            ])),
            InvalidMessage::Truncated
        );
    }

    #[test]
    fn client_key_exchanges_roundtrip() {
        roundtrip(&EcdheClientKeyExchange { public: &[4; 65] });
        roundtrip(&RsaClientKeyExchange {
            encrypted_pre_master: &[0xee; 256],
        });
        assert_eq!(
            kind(EcdheClientKeyExchange::decode_all(&[0])),
            InvalidMessage::BadLength
        );
        // An empty ciphertext is framed correctly: the decryption, not the
        // decoder, refuses it, the same way as any other.
        assert_eq!(
            RsaClientKeyExchange::decode_all(&[0, 0]).unwrap(),
            RsaClientKeyExchange {
                encrypted_pre_master: &[]
            }
        );
        assert_eq!(
            kind(RsaClientKeyExchange::decode_all(&[0, 3, 1])),
            InvalidMessage::Truncated
        );
        roundtrip(&DheClientKeyExchange { public: &[7; 256] });
        assert_eq!(
            kind(DheClientKeyExchange::decode_all(&[0, 0])),
            InvalidMessage::BadLength
        );
    }

    #[test]
    fn dhe_server_key_exchange_roundtrip() {
        let ske = DheServerKeyExchange {
            params: DheServerParams {
                p: &[0xff; 256],
                g: &[2],
                public: &[0x5a; 256],
            },
            signed: DigitallySigned {
                scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
                signature: &[1; 256],
            },
        };
        let b = roundtrip(&ske);
        assert_eq!(&b[..2], &[1, 0]);
        assert_eq!(&b[258..261], &[0, 1, 2]);
        for empty in [
            &[0u8, 0, 0, 1, 2, 0, 1, 5][..],
            &[0, 1, 7, 0, 0, 0, 1, 5],
            &[0, 1, 7, 0, 1, 2, 0, 0],
        ] {
            assert_eq!(
                kind(DheServerParams::decode_all(empty)),
                InvalidMessage::BadLength
            );
        }
    }
}
