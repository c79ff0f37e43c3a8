//! Handshake signatures: making ours with a private key over ring, checking
//! the peer's with its end-entity certificate over rustls-webpki.
//!
//! TLS 1.2 signs ServerKeyExchange params (RFC 5246 §7.4.3, RFC 8422 §5.4)
//! and the CertificateVerify transcript (RFC 5246 §7.4.8), each as a
//! `DigitallySigned` naming its `SignatureAndHashAlgorithm` (§4.7,
//! §7.4.1.4.1), which RFC 8446 §4.2.3 later renamed `SignatureScheme`.

use alloc::vec;
use alloc::vec::Vec;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, SignatureVerificationAlgorithm};
use zeroize::Zeroizing;

use crate::codec::enums::SignatureScheme;
use crate::error::Error;
use crate::suites::AuthKind;
use crate::verify::map_webpki_error;

/// The schemes we offer in signature_algorithms (RFC 5246 §7.4.1.4.1) and
/// accept from the peer, in our order of preference: ECDSA and Ed25519
/// first (short signatures, fast), RSA-PSS before PKCS#1 v1.5 (PSS has a
/// security proof; v1.5 stays for the peers that only have it). No SHA-1,
/// no P-521 (ring cannot sign with it), no RSA-PSS-PSS keys.
pub const DEFAULT_SIGNATURE_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// What an RSA key can produce, in our order of preference.
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

enum Inner {
    /// A P-256 or P-384 key and the one scheme ring can sign with it.
    Ecdsa(EcdsaKeyPair, SignatureScheme),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// Our certificate's private key, ready to sign handshake messages.
///
/// The key material lives inside ring's key pair types; we keep no copy of
/// the raw bytes (the SEC1 → PKCS#8 rewrapping buffer is zeroized).
pub struct SigningKey {
    inner: Inner,
    /// The same RSA key, for RSA key transport (feature `legacy`): ring
    /// signs but cannot decrypt, so the `rsa` crate holds a second copy.
    #[cfg(feature = "legacy")]
    decrypting: Option<crate::crypto::rsa_kx::RsaDecryptingKey>,
}

impl SigningKey {
    /// The public key as its certificate's subjectPublicKey BIT STRING
    /// holds it: the uncompressed point for ECDSA (SEC 1 §2.3.3), the 32
    /// bytes for Ed25519 (RFC 8410 §4), the DER RSAPublicKey for RSA (RFC
    /// 8017 §A.1.1). ring gives each in exactly that form.
    pub(crate) fn public_key(&self) -> &[u8] {
        use ring::signature::KeyPair;
        match &self.inner {
            Inner::Ecdsa(k, _) => k.public_key().as_ref(),
            Inner::Ed25519(k) => k.public_key().as_ref(),
            Inner::Rsa(k) => k.public_key().as_ref(),
        }
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = match &self.inner {
            Inner::Ecdsa(_, s) if *s == SignatureScheme::ECDSA_SECP256R1_SHA256 => "ECDSA P-256",
            Inner::Ecdsa(..) => "ECDSA P-384",
            Inner::Ed25519(_) => "Ed25519",
            Inner::Rsa(_) => "RSA",
        };
        f.debug_struct("SigningKey").field("kind", &kind).finish()
    }
}

impl SigningKey {
    /// Loads a private key: PKCS#8 (ECDSA P-256/P-384, Ed25519, RSA),
    /// PKCS#1 RSA, or SEC1 ECDSA P-256/P-384.
    ///
    /// ring parses only PKCS#8 for EC keys, so a SEC1 `ECPrivateKey`
    /// (RFC 5915) is wrapped in a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5)
    /// first; ring requires the optional public key field, which OpenSSL
    /// always writes. ring's ECDSA loader checks the key pair with a random
    /// source; this runs once at configuration time, so the system's is used.
    pub fn from_der(key: &PrivateKeyDer<'_>) -> Result<SigningKey, Error> {
        let inner = match key {
            PrivateKeyDer::Pkcs8(k) => pkcs8(k.secret_pkcs8_der())?,
            PrivateKeyDer::Pkcs1(k) => Inner::Rsa(
                RsaKeyPair::from_der(k.secret_pkcs1_der())
                    .map_err(|_| Error::config("unusable PKCS#1 RSA private key"))?,
            ),
            PrivateKeyDer::Sec1(k) => sec1(k.secret_sec1_der())?,
            _ => return Err(Error::config("unsupported private key format")),
        };
        #[cfg(feature = "legacy")]
        let decrypting = match inner {
            Inner::Rsa(_) => crate::crypto::rsa_kx::RsaDecryptingKey::from_der(key)?,
            _ => None,
        };
        Ok(SigningKey {
            inner,
            #[cfg(feature = "legacy")]
            decrypting,
        })
    }

    /// The modulus size of an RSA key, in bits (`None` for other keys).
    #[cfg(feature = "legacy")]
    pub(crate) fn rsa_modulus_bits(&self) -> Option<usize> {
        match &self.inner {
            Inner::Rsa(k) => Some(8 * k.public().modulus_len()),
            _ => None,
        }
    }

    /// The key for RSA key transport, when this is an RSA key.
    #[cfg(feature = "legacy")]
    pub(crate) fn rsa_decrypting_key(&self) -> Option<&crate::crypto::rsa_kx::RsaDecryptingKey> {
        self.decrypting.as_ref()
    }

    /// The suite family this key can authenticate (RFC 8422 §2 and §5.1:
    /// ECDHE_ECDSA suites cover both ECDSA and Ed25519 certificates).
    pub fn auth_kind(&self) -> AuthKind {
        match self.inner {
            Inner::Ecdsa(..) | Inner::Ed25519(_) => AuthKind::Ecdsa,
            Inner::Rsa(_) => AuthKind::Rsa,
        }
    }

    /// The schemes this key can produce, in our order of preference.
    fn schemes(&self) -> &[SignatureScheme] {
        match &self.inner {
            Inner::Ecdsa(_, s) => core::slice::from_ref(s),
            Inner::Ed25519(_) => &[SignatureScheme::ED25519],
            Inner::Rsa(_) => RSA_SCHEMES,
        }
    }

    /// Our most preferred scheme that this key can produce and the peer
    /// offered (RFC 5246 §7.4.1.4.1, §7.4.3, §7.4.8), or `None` when there is
    /// none and the handshake cannot be authenticated with this key.
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.choose_scheme_where(|s| offered.contains(&s))
    }

    /// Our most preferred scheme that this key can produce and `acceptable`
    /// allows: [`choose_scheme`](Self::choose_scheme) for offers that are
    /// not one slice (the server's and the client's lists at once).
    pub(crate) fn choose_scheme_where(
        &self,
        acceptable: impl Fn(SignatureScheme) -> bool,
    ) -> Option<SignatureScheme> {
        self.schemes().iter().copied().find(|&s| acceptable(s))
    }

    /// Signs `message` with `scheme`. ECDSA signatures are DER
    /// `ECDSA-Sig-Value`s (RFC 8422 §5.4); RSA signatures are as long as the
    /// modulus. A scheme this key cannot produce is a bug in the caller
    /// (it should come from [`SigningKey::choose_scheme`]): `Internal`.
    ///
    /// ECDSA and Ed25519 signatures come back in ring's inline buffer (no
    /// allocation); an RSA signature needs a buffer of the modulus length,
    /// which ring fills in place.
    pub(crate) fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Signature, Error> {
        if !self.schemes().contains(&scheme) {
            return Err(Error::Internal("signature scheme does not fit the key"));
        }
        match &self.inner {
            Inner::Ecdsa(pair, _) => pair
                .sign(rng, message)
                .map(Signature::Inline)
                .map_err(|_| Error::Internal("ECDSA signing failed")),
            Inner::Ed25519(pair) => Ok(Signature::Inline(pair.sign(message))),
            Inner::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RSA_PSS_RSAE_SHA256 => &signature::RSA_PSS_SHA256,
                    SignatureScheme::RSA_PSS_RSAE_SHA384 => &signature::RSA_PSS_SHA384,
                    SignatureScheme::RSA_PSS_RSAE_SHA512 => &signature::RSA_PSS_SHA512,
                    SignatureScheme::RSA_PKCS1_SHA256 => &signature::RSA_PKCS1_SHA256,
                    SignatureScheme::RSA_PKCS1_SHA384 => &signature::RSA_PKCS1_SHA384,
                    _ => &signature::RSA_PKCS1_SHA512,
                };
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(padding, rng, message, &mut out)
                    .map_err(|_| Error::Internal("RSA signing failed"))?;
                Ok(Signature::Rsa(out))
            }
        }
    }
}

/// A signature made by [`SigningKey::sign`], ready to be written into a
/// `DigitallySigned` (RFC 5246 §4.7). Read it with `as_ref()`.
pub(crate) enum Signature {
    /// ECDSA or Ed25519: ring's fixed-size buffer, no allocation.
    Inline(signature::Signature),
    /// RSA: as long as the modulus.
    Rsa(Vec<u8>),
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        match self {
            Signature::Inline(s) => s.as_ref(),
            Signature::Rsa(v) => v,
        }
    }
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Signature").field(&self.as_ref()).finish()
    }
}

/// Loads a PKCS#8 key of any type we support.
fn pkcs8(der: &[u8]) -> Result<Inner, Error> {
    if let Some(inner) = ecdsa_pkcs8(der) {
        return Ok(inner);
    }
    // Accepts PKCS#8 v1 (no public key; what OpenSSL writes) as well as v2.
    if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return Ok(Inner::Ed25519(pair));
    }
    RsaKeyPair::from_pkcs8(der)
        .map(Inner::Rsa)
        .map_err(|_| Error::config("unusable or unsupported PKCS#8 private key"))
}

/// Tries P-256 then P-384 on a PKCS#8 key; ring refuses the wrong curve.
fn ecdsa_pkcs8(der: &[u8]) -> Option<Inner> {
    let rng = SystemRandom::new();
    let curves = [
        (
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (
            &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
    ];
    curves.into_iter().find_map(|(alg, scheme)| {
        EcdsaKeyPair::from_pkcs8(alg, der, &rng)
            .ok()
            .map(|pair| Inner::Ecdsa(pair, scheme))
    })
}

/// DER of `id-ecPublicKey` (RFC 5480 §2.1.1), tag and length included.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// DER of `secp256r1` (RFC 5480 §2.1.1.1).
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// DER of `secp384r1` (RFC 5480 §2.1.1.1).
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// Loads a SEC1 `ECPrivateKey` by wrapping it as PKCS#8 for each curve in
/// turn; ring checks the inner key against the curve (length, optional
/// parameters field, public key on the curve).
fn sec1(der: &[u8]) -> Result<Inner, Error> {
    [OID_P256, OID_P384]
        .into_iter()
        .find_map(|curve| ecdsa_pkcs8(&wrap_sec1(der, curve)))
        .ok_or_else(|| Error::config("unusable or unsupported SEC1 EC private key"))
}

/// `PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier
/// { id-ecPublicKey, curve }, privateKey OCTET STRING }` (RFC 5208 §5,
/// RFC 5915 §3).
fn wrap_sec1(sec1: &[u8], curve_oid: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut alg_id = OID_EC_PUBLIC_KEY.to_vec();
    alg_id.extend_from_slice(curve_oid);
    let mut body = Zeroizing::new(vec![0x02, 0x01, 0x00]);
    der_tlv(&mut body, 0x30, &alg_id);
    der_tlv(&mut body, 0x04, sec1);
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    der_tlv(&mut out, 0x30, &body);
    out
}

/// Appends one DER tag-length-value with a definite length (X.690 §8.1.3).
pub(crate) fn der_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// The webpki algorithms that may carry `scheme` in TLS 1.2.
///
/// TLS 1.2 ECDSA schemes name only the hash (RFC 5246 §7.4.1.4.1; RFC 8422
/// §5.1.3 drops the curve binding TLS 1.3 adds), so each maps to both
/// curves, the one TLS 1.3 would pick first. `None` for schemes we do not
/// accept (not in [`DEFAULT_SIGNATURE_SCHEMES`]).
///
/// At most two, returned by value so that checking a signature allocates
/// nothing (webpki's algorithms are statics, which a constant slice cannot
/// name).
fn verification_algs(
    scheme: SignatureScheme,
) -> Option<[Option<&'static dyn SignatureVerificationAlgorithm>; 2]> {
    use webpki::ring as w;
    Some(match scheme {
        SignatureScheme::ECDSA_SECP256R1_SHA256 => {
            [Some(w::ECDSA_P256_SHA256), Some(w::ECDSA_P384_SHA256)]
        }
        SignatureScheme::ECDSA_SECP384R1_SHA384 => {
            [Some(w::ECDSA_P384_SHA384), Some(w::ECDSA_P256_SHA384)]
        }
        SignatureScheme::ED25519 => [Some(w::ED25519), None],
        SignatureScheme::RSA_PSS_RSAE_SHA256 => {
            [Some(w::RSA_PSS_2048_8192_SHA256_LEGACY_KEY), None]
        }
        SignatureScheme::RSA_PSS_RSAE_SHA384 => {
            [Some(w::RSA_PSS_2048_8192_SHA384_LEGACY_KEY), None]
        }
        SignatureScheme::RSA_PSS_RSAE_SHA512 => {
            [Some(w::RSA_PSS_2048_8192_SHA512_LEGACY_KEY), None]
        }
        SignatureScheme::RSA_PKCS1_SHA256 => [Some(w::RSA_PKCS1_2048_8192_SHA256), None],
        SignatureScheme::RSA_PKCS1_SHA384 => [Some(w::RSA_PKCS1_2048_8192_SHA384), None],
        SignatureScheme::RSA_PKCS1_SHA512 => [Some(w::RSA_PKCS1_2048_8192_SHA512), None],
        _ => return None,
    })
}

/// Verifies the peer's handshake signature (ServerKeyExchange, RFC 8422
/// §5.4; CertificateVerify, RFC 5246 §7.4.8) with the public key of its
/// end-entity certificate.
///
/// Checking that `scheme` is one we offered is the caller's job; this only
/// refuses schemes we never accept. Errors: a scheme we do not accept, or
/// one that does not fit the certificate's key (RFC 5246 §7.4.3: the
/// algorithm must match the key), is `IllegalParameter`; a signature that
/// does not verify is `BadSignature` (`decrypt_error`, RFC 5246 §7.2.2); a
/// certificate webpki cannot parse is `InvalidCertificate`.
pub fn verify_signature(
    cert: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let algs =
        verification_algs(scheme).ok_or(Error::IllegalParameter("unsupported signature scheme"))?;
    let cert = webpki::EndEntityCert::try_from(cert)
        .map_err(|e| Error::InvalidCertificate(map_webpki_error(e)))?;
    for alg in algs.into_iter().flatten() {
        #[allow(deprecated)]
        match cert.verify_signature(alg, message, signature) {
            Ok(()) => return Ok(()),
            Err(
                webpki::Error::UnsupportedSignatureAlgorithmForPublicKey
                | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_),
            ) => continue,
            Err(webpki::Error::InvalidSignatureForPublicKey) => return Err(Error::BadSignature),
            Err(e) => return Err(Error::InvalidCertificate(map_webpki_error(e))),
        }
    }
    Err(Error::IllegalParameter(
        "signature scheme does not match the certificate's key",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::PrivatePkcs8KeyDer;

    const RSA_PKCS8: &str = include_str!("../../tests/data/keys/rsa2048.pkcs8.pem");
    const RSA_PKCS1: &str = include_str!("../../tests/data/keys/rsa2048.pkcs1.pem");
    const P256_SEC1: &str = include_str!("../../tests/data/keys/p256.sec1.pem");
    const P384_SEC1: &str = include_str!("../../tests/data/keys/p384.sec1.pem");
    const ED25519_V1: &str = include_str!("../../tests/data/keys/ed25519.pkcs8v1.pem");

    /// A key and a self-signed certificate for it.
    fn cert_for(kp: &rcgen::KeyPair) -> CertificateDer<'static> {
        rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(kp)
            .unwrap()
            .der()
            .clone()
    }

    fn generated(alg: &'static rcgen::SignatureAlgorithm) -> (SigningKey, CertificateDer<'static>) {
        let kp = rcgen::KeyPair::generate_for(alg).unwrap();
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(kp.serialize_der()));
        (SigningKey::from_der(&der).unwrap(), cert_for(&kp))
    }

    fn pem_key(pem: &str) -> SigningKey {
        SigningKey::from_der(&PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap()).unwrap()
    }

    fn rsa() -> (SigningKey, CertificateDer<'static>) {
        let kp = rcgen::KeyPair::from_pem(RSA_PKCS8).unwrap();
        (pem_key(RSA_PKCS8), cert_for(&kp))
    }

    /// Signs and verifies with every scheme the key offers; a flipped bit in
    /// the signature or the message fails.
    fn round_trip(key: &SigningKey, cert: &CertificateDer<'_>) {
        let rng = SystemRandom::new();
        let msg = b"client_random || server_random || params";
        for &scheme in key.schemes() {
            assert!(DEFAULT_SIGNATURE_SCHEMES.contains(&scheme));
            let sig = key.sign(scheme, msg, &rng).unwrap().as_ref().to_vec();
            assert_eq!(
                verify_signature(cert, scheme, msg, &sig),
                Ok(()),
                "{scheme:?}"
            );
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last / 2] ^= 0x01;
            assert_eq!(
                verify_signature(cert, scheme, msg, &bad),
                Err(Error::BadSignature),
                "{scheme:?}"
            );
            assert_eq!(
                verify_signature(cert, scheme, b"another message", &sig),
                Err(Error::BadSignature)
            );
        }
    }

    #[test]
    fn ecdsa_p256() {
        let (key, cert) = generated(&rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(key.auth_kind(), AuthKind::Ecdsa);
        assert_eq!(key.schemes(), &[SignatureScheme::ECDSA_SECP256R1_SHA256]);
        round_trip(&key, &cert);
    }

    #[test]
    fn ecdsa_p384() {
        let (key, cert) = generated(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(key.auth_kind(), AuthKind::Ecdsa);
        assert_eq!(key.schemes(), &[SignatureScheme::ECDSA_SECP384R1_SHA384]);
        round_trip(&key, &cert);
    }

    #[test]
    fn ed25519() {
        let (key, cert) = generated(&rcgen::PKCS_ED25519);
        assert_eq!(key.auth_kind(), AuthKind::Ecdsa);
        assert_eq!(key.schemes(), &[SignatureScheme::ED25519]);
        round_trip(&key, &cert);
    }

    #[test]
    fn rsa_pkcs8_and_pkcs1() {
        let (key, cert) = rsa();
        assert_eq!(key.auth_kind(), AuthKind::Rsa);
        assert_eq!(key.schemes(), RSA_SCHEMES);
        round_trip(&key, &cert);
        let pkcs1 = pem_key(RSA_PKCS1);
        assert_eq!(pkcs1.auth_kind(), AuthKind::Rsa);
        round_trip(&pkcs1, &cert);
    }

    /// The SEC1 fixtures load, and sign for the certificate made from the
    /// same key through PKCS#8 (wrapped by us, parsed by rcgen).
    #[test]
    fn sec1_keys() {
        for (pem, curve) in [(P256_SEC1, OID_P256), (P384_SEC1, OID_P384)] {
            let key = pem_key(pem);
            let sec1 = PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap();
            let wrapped = wrap_sec1(sec1.secret_der(), curve);
            let kp = rcgen::KeyPair::try_from(wrapped.as_slice()).unwrap();
            round_trip(&key, &cert_for(&kp));
        }
        let junk = PrivateKeyDer::Sec1(vec![0x30, 0x03, 0x02, 0x01, 0x01].into());
        assert!(matches!(SigningKey::from_der(&junk), Err(Error::Config(_))));
    }

    /// OpenSSL writes Ed25519 keys as PKCS#8 v1, without the public key.
    #[test]
    fn ed25519_pkcs8_v1() {
        let key = pem_key(ED25519_V1);
        assert_eq!(key.schemes(), &[SignatureScheme::ED25519]);
        round_trip(
            &key,
            &cert_for(&rcgen::KeyPair::from_pem(ED25519_V1).unwrap()),
        );
    }

    #[test]
    fn garbage_keys_refused() {
        for der in [
            PrivateKeyDer::Pkcs8(vec![0x30, 0x00].into()),
            PrivateKeyDer::Pkcs1(vec![0x30, 0x00].into()),
            PrivateKeyDer::Sec1(vec![].into()),
        ] {
            assert!(matches!(SigningKey::from_der(&der), Err(Error::Config(_))));
        }
    }

    /// TLS 1.2 ECDSA schemes do not name a curve: SHA-256 over a P-384 key
    /// (and SHA-384 over a P-256 key) must verify under 0x0403 (0x0503).
    /// ring cannot make such signatures; the fixtures were made once with
    /// `openssl dgst -sha256 -sign p384.sec1.pem` (and `-sha384` / P-256)
    /// over the message `params`.
    #[test]
    fn ecdsa_hash_not_bound_to_curve() {
        let cases: [(&str, &[u8], &[u8], SignatureScheme); 2] = [
            (
                P384_SEC1,
                OID_P384,
                include_bytes!("../../tests/data/keys/p384-sha256.sig"),
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
            (
                P256_SEC1,
                OID_P256,
                include_bytes!("../../tests/data/keys/p256-sha384.sig"),
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ),
        ];
        for (pem, curve, sig, scheme) in cases {
            let sec1 = PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap();
            let wrapped = wrap_sec1(sec1.secret_der(), curve);
            let cert = cert_for(&rcgen::KeyPair::try_from(wrapped.as_slice()).unwrap());
            assert_eq!(verify_signature(&cert, scheme, b"params", sig), Ok(()));
            assert_eq!(
                verify_signature(&cert, scheme, b"paramz", sig),
                Err(Error::BadSignature)
            );
        }
    }

    #[test]
    fn scheme_must_fit_key_and_be_supported() {
        let rng = SystemRandom::new();
        let (ec, ec_cert) = generated(&rcgen::PKCS_ECDSA_P256_SHA256);
        let sig = ec
            .sign(SignatureScheme::ECDSA_SECP256R1_SHA256, b"m", &rng)
            .unwrap()
            .as_ref()
            .to_vec();
        for scheme in [
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1,
            SignatureScheme::ECDSA_SECP521R1_SHA512,
            SignatureScheme::RSA_PSS_PSS_SHA256,
            SignatureScheme(0xfefe),
        ] {
            assert!(
                matches!(
                    verify_signature(&ec_cert, scheme, b"m", &sig),
                    Err(Error::IllegalParameter(_))
                ),
                "{scheme:?}"
            );
        }
        assert!(matches!(
            ec.sign(SignatureScheme::RSA_PKCS1_SHA256, b"m", &rng),
            Err(Error::Internal(_))
        ));
        let junk = CertificateDer::from(vec![0x30, 0x01, 0x00]);
        assert_eq!(
            verify_signature(&junk, SignatureScheme::ECDSA_SECP256R1_SHA256, b"m", &sig),
            Err(Error::InvalidCertificate(
                crate::error::CertificateError::BadEncoding
            ))
        );
        // A malformed (not DER) ECDSA signature is a bad signature, not a panic.
        assert_eq!(
            verify_signature(&ec_cert, SignatureScheme::ECDSA_SECP256R1_SHA256, b"m", &[]),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn choose_scheme_prefers_ours() {
        let (rsa, _) = rsa();
        assert_eq!(
            rsa.choose_scheme(DEFAULT_SIGNATURE_SCHEMES),
            Some(SignatureScheme::RSA_PSS_RSAE_SHA256)
        );
        assert_eq!(
            rsa.choose_scheme(&[
                SignatureScheme::RSA_PKCS1_SHA512,
                SignatureScheme::RSA_PKCS1_SHA384
            ]),
            Some(SignatureScheme::RSA_PKCS1_SHA384)
        );
        assert_eq!(
            rsa.choose_scheme(&[SignatureScheme::ECDSA_SECP256R1_SHA256]),
            None
        );
        assert_eq!(rsa.choose_scheme(&[]), None);
        let (p384, _) = generated(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(
            p384.choose_scheme(DEFAULT_SIGNATURE_SCHEMES),
            Some(SignatureScheme::ECDSA_SECP384R1_SHA384)
        );
        assert_eq!(
            p384.choose_scheme(&[SignatureScheme::ECDSA_SECP256R1_SHA256]),
            None
        );
        let (ed, _) = generated(&rcgen::PKCS_ED25519);
        assert_eq!(
            ed.choose_scheme(DEFAULT_SIGNATURE_SCHEMES),
            Some(SignatureScheme::ED25519)
        );
        assert!(format!("{ed:?}").contains("Ed25519"));
    }
}
