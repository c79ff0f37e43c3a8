//! Certificate (RFC 5246 §7.4.2), CertificateRequest (§7.4.4) and the
//! `digitally-signed` element (§4.7, §7.4.1.4.1) that CertificateVerify and
//! ServerKeyExchange carry.

use alloc::vec::Vec;
use rustls_pki_types::CertificateDer;

use crate::codec::enums::{ClientCertificateType, SignatureScheme};
use crate::codec::{put_list, put_vec, Codec, Decode, LenSize, Reader};
use crate::error::{Error, InvalidMessage};
use crate::handshake::{put_opaque, put_opaque_list, read_fixed_list, read_opaque_list};
use crate::limits::MAX_CERT_CHAIN_LEN;

/// `ASN.1Cert certificate_list<0..2^24-1>`, each `ASN.1Cert<1..2^24-1>`
/// (RFC 5246 §7.4.2): the sender's certificate first. May be empty on the
/// wire: that is how a client declines a CertificateRequest (§7.4.6).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CertificateChain(pub Vec<CertificateDer<'static>>);

/// Appends the body of a Certificate message for `certs` (RFC 5246 §7.4.2),
/// from borrowed certificates: what [`CertificateChain`] encodes, without
/// first cloning a chain into one. A certificate, or the whole chain, over
/// 2^24-1 bytes is `Internal`.
pub fn encode_chain(out: &mut Vec<u8>, certs: &[CertificateDer<'_>]) -> Result<(), Error> {
    put_vec(out, LenSize::U24, "certificate_list too long", |o| {
        certs
            .iter()
            .try_for_each(|c| put_opaque(o, LenSize::U24, "ASN.1Cert too long", c.as_ref()))
    })
}

impl Codec for CertificateChain {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode_chain(out, &self.0)
    }

    /// Refuses more than [`MAX_CERT_CHAIN_LEN`] certificates (`TooLarge`)
    /// before copying the extra one.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut sub = r.sub_vec(LenSize::U24, "certificate_list")?;
        let mut certs = Vec::new();
        while sub.any_left() {
            if certs.len() >= MAX_CERT_CHAIN_LEN {
                return Err(Error::invalid("certificate_list", InvalidMessage::TooLarge));
            }
            let der = sub.vec_nonempty(LenSize::U24, "ASN.1Cert")?;
            certs.push(CertificateDer::from(der.to_vec()));
        }
        Ok(CertificateChain(certs))
    }
}

/// A CertificateRequest (RFC 5246 §7.4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// `ClientCertificateType certificate_types<1..2^8-1>`.
    pub certificate_types: Vec<ClientCertificateType>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    pub signature_schemes: Vec<SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`, each DER
    /// `<1..2^16-1>`; empty means any CA.
    pub authorities: Vec<Vec<u8>>,
}

impl Codec for CertificateRequest {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        put_list(
            out,
            LenSize::U8,
            "certificate_types too long",
            &self.certificate_types,
        )?;
        put_list(
            out,
            LenSize::U16,
            "supported_signature_algorithms too long",
            &self.signature_schemes,
        )?;
        put_opaque_list(
            out,
            (LenSize::U16, "certificate_authorities too long"),
            (LenSize::U16, "DistinguishedName too long"),
            &self.authorities,
        )
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(CertificateRequest {
            certificate_types: read_fixed_list(r, LenSize::U8, 1, 1, "certificate_types")?,
            signature_schemes: read_fixed_list(
                r,
                LenSize::U16,
                2,
                1,
                "supported_signature_algorithms",
            )?,
            authorities: read_opaque_list(
                r,
                LenSize::U16,
                LenSize::U16,
                0,
                true,
                "certificate_authorities",
            )?,
        })
    }
}

/// `digitally-signed` in TLS 1.2 (RFC 5246 §4.7): the scheme, then
/// `opaque signature<0..2^16-1>`. CertificateVerify's whole body (§7.4.8)
/// and the tail of ServerKeyExchange (§7.4.3). Decoded, the signature
/// borrows from the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigitallySigned<'a> {
    /// The signature and hash algorithm used.
    pub scheme: SignatureScheme,
    /// The signature bytes; checked by the verifier, not here.
    pub signature: &'a [u8],
}

impl<'a> Decode<'a> for DigitallySigned<'a> {
    fn encode_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.scheme.encode(out)?;
        put_opaque(out, LenSize::U16, "signature too long", self.signature)
    }

    fn decode(r: &mut Reader<'a>) -> Result<Self, Error> {
        Ok(DigitallySigned {
            scheme: SignatureScheme::read(r)?,
            signature: r.vec(LenSize::U16, "signature")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::testutil::{assert_prefixes_fail, assert_trailing_fails, kind};
    use crate::handshake::{HandshakeMessage, HandshakePayload};

    fn roundtrip<T: Decode<'static> + PartialEq + core::fmt::Debug>(v: &T) {
        // Leaked so that borrowing types decode it as `T` (test only).
        let b: &'static [u8] = v.encode_to_vec().leak();
        let d = T::decode_all(b).unwrap();
        assert_eq!(&d, v);
        assert_eq!(d.encode_to_vec(), b);
        assert_prefixes_fail::<T>(b);
        assert_trailing_fails::<T>(b);
    }

    #[test]
    fn certificate_chain_roundtrip() {
        let chain = CertificateChain(vec![
            CertificateDer::from(vec![0x30, 1, 2]),
            CertificateDer::from(vec![0x30; 300]),
        ]);
        roundtrip(&chain);
        roundtrip(&CertificateChain::default());
        assert_eq!(CertificateChain::default().to_bytes(), [0, 0, 0]);
        let msg = HandshakePayload::Certificate(chain);
        assert_eq!(HandshakeMessage::read(&msg.to_bytes()).unwrap(), msg);
    }

    #[test]
    fn certificate_chain_rejections() {
        // An empty certificate inside the list.
        assert_eq!(
            kind(CertificateChain::from_bytes(&[0, 0, 3, 0, 0, 0])),
            InvalidMessage::BadLength
        );
        // One certificate too many.
        let long = CertificateChain(vec![CertificateDer::from(vec![1]); MAX_CERT_CHAIN_LEN + 1]);
        assert_eq!(
            kind(CertificateChain::from_bytes(&long.to_bytes())),
            InvalidMessage::TooLarge
        );
        let max = CertificateChain(vec![CertificateDer::from(vec![1]); MAX_CERT_CHAIN_LEN]);
        roundtrip(&max);
    }

    #[test]
    fn certificate_request_roundtrip_and_rejections() {
        let req = CertificateRequest {
            certificate_types: vec![ClientCertificateType::ECDSA_SIGN],
            signature_schemes: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
            authorities: vec![vec![0x30, 0], vec![0x30, 3, 1, 2, 3]],
        };
        roundtrip(&req);
        let no_cas = CertificateRequest {
            authorities: vec![],
            ..req.clone()
        };
        roundtrip(&no_cas);
        let err = |b: &[u8]| kind(CertificateRequest::from_bytes(b));
        assert_eq!(err(&[0, 0, 2, 4, 3, 0, 0]), InvalidMessage::BadLength);
        assert_eq!(err(&[1, 64, 0, 0, 0, 0]), InvalidMessage::BadLength);
        assert_eq!(err(&[1, 64, 0, 1, 4, 0, 0]), InvalidMessage::BadLength);
        assert_eq!(
            err(&[1, 64, 0, 2, 4, 3, 0, 2, 0, 0]),
            InvalidMessage::BadLength
        );
    }

    #[test]
    fn digitally_signed_roundtrip() {
        roundtrip(&DigitallySigned {
            scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
            signature: &[7; 256],
        });
        let msg = HandshakePayload::CertificateVerify(DigitallySigned {
            scheme: SignatureScheme::ED25519,
            signature: &[],
        });
        assert_eq!(HandshakeMessage::read(&msg.to_bytes()).unwrap(), msg);
    }
}
