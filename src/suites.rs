//! The cipher suites sanstls implements, and what each one means for the key
//! exchange, authentication, record protection and PRF hash.
//!
//! By default only ECDHE with AEAD record protection (RFC 8422, RFC 5288,
//! RFC 7905): forward secrecy and no CBC padding oracles by construction.
//!
//! With the `legacy` cargo feature, `LEGACY_SUITES` adds the key exchanges
//! the classic descriptions of TLS 1.2 start from, for peers that offer
//! nothing else: RSA key transport (RFC 5246 §7.4.7.1; **no forward
//! secrecy**: whoever gets the server's private key later can decrypt every
//! recorded session) and finite-field DHE (RFC 5246 §7.4.3, RFC 7919). A
//! configuration negotiates them only when it names them and turns on the
//! matching `allow_rsa_key_transport` / `allow_ffdhe` field.

use crate::codec::enums::CipherSuite;

/// The AEAD that protects records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeadKind {
    /// AES-128-GCM, RFC 5288: 4-byte implicit salt, 8-byte explicit nonce.
    Aes128Gcm,
    /// AES-256-GCM, RFC 5288.
    Aes256Gcm,
    /// ChaCha20-Poly1305, RFC 7905: 12-byte IV XOR the sequence number.
    Chacha20Poly1305,
}

impl AeadKind {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            AeadKind::Aes128Gcm => 16,
            AeadKind::Aes256Gcm | AeadKind::Chacha20Poly1305 => 32,
        }
    }

    /// Length of the fixed IV from the key block (RFC 5288 §3: 4; RFC 7905 §2: 12).
    pub fn fixed_iv_len(self) -> usize {
        match self {
            AeadKind::Aes128Gcm | AeadKind::Aes256Gcm => 4,
            AeadKind::Chacha20Poly1305 => 12,
        }
    }

    /// Bytes of explicit nonce carried in each record.
    pub fn explicit_nonce_len(self) -> usize {
        match self {
            AeadKind::Aes128Gcm | AeadKind::Aes256Gcm => 8,
            AeadKind::Chacha20Poly1305 => 0,
        }
    }

    /// Bytes each record grows by: explicit nonce plus the 16-byte tag.
    pub fn overhead(self) -> usize {
        self.explicit_nonce_len() + 16
    }

    /// The ring algorithm.
    pub(crate) fn ring_algorithm(self) -> &'static ring::aead::Algorithm {
        match self {
            AeadKind::Aes128Gcm => &ring::aead::AES_128_GCM,
            AeadKind::Aes256Gcm => &ring::aead::AES_256_GCM,
            AeadKind::Chacha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
        }
    }
}

/// The block cipher of a CBC suite (RFC 5246 §6.2.3.2, feature `legacy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbcCipher {
    /// AES-128 in CBC mode.
    Aes128,
    /// AES-256 in CBC mode.
    Aes256,
}

/// The record MAC of a CBC suite: HMAC with this hash (RFC 5246 §6.2.3.1,
/// RFC 5246 Appendix C; the SHA-384 one from RFC 5289).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacKind {
    /// HMAC-SHA1: the suites named `_SHA`.
    Sha1,
    /// HMAC-SHA256: the suites named `_SHA256`.
    Sha256,
    /// HMAC-SHA384: the ECDHE suites named `_SHA384`.
    Sha384,
}

impl MacKind {
    /// MAC length, which is also the MAC key length (RFC 5246 §6.2.3.1).
    /// (No `is_empty`: no MAC is empty.)
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            MacKind::Sha1 => 20,
            MacKind::Sha256 => 32,
            MacKind::Sha384 => 48,
        }
    }
}

/// CBC record protection: a block cipher and an HMAC (RFC 5246 §6.2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CbcKind {
    /// The block cipher.
    pub cipher: CbcCipher,
    /// The MAC.
    pub mac: MacKind,
}

/// The AES block length: the explicit IV and the padding unit.
pub const CBC_BLOCK_LEN: usize = 16;

impl CbcKind {
    /// Encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self.cipher {
            CbcCipher::Aes128 => 16,
            CbcCipher::Aes256 => 32,
        }
    }
}

/// How a suite protects its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// An AEAD (RFC 5246 §6.2.3.3): the default suites.
    Aead(AeadKind),
    /// A block cipher in CBC mode with HMAC (RFC 5246 §6.2.3.2), feature
    /// `legacy`: MAC-then-encrypt unless RFC 7366 encrypt-then-MAC is
    /// negotiated.
    Cbc(CbcKind),
}

impl Protection {
    /// Encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Protection::Aead(a) => a.key_len(),
            Protection::Cbc(c) => c.key_len(),
        }
    }

    /// MAC key length in bytes (zero for an AEAD, RFC 5246 §6.3).
    pub fn mac_key_len(self) -> usize {
        match self {
            Protection::Aead(_) => 0,
            Protection::Cbc(c) => c.mac.len(),
        }
    }

    /// Fixed IV length from the key block: the AEAD's implicit part, none
    /// for CBC, whose IVs are explicit and random (RFC 5246 §6.3).
    pub fn fixed_iv_len(self) -> usize {
        match self {
            Protection::Aead(a) => a.fixed_iv_len(),
            Protection::Cbc(_) => 0,
        }
    }

    /// Whether this is a CBC suite.
    pub fn is_cbc(self) -> bool {
        matches!(self, Protection::Cbc(_))
    }
}

/// The hash of the suite's PRF and transcript (RFC 5246 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashKind {
    /// The ring digest algorithm.
    pub(crate) fn digest_algorithm(self) -> &'static ring::digest::Algorithm {
        match self {
            HashKind::Sha256 => &ring::digest::SHA256,
            HashKind::Sha384 => &ring::digest::SHA384,
        }
    }

    /// The ring HMAC algorithm for P_hash.
    pub(crate) fn hmac_algorithm(self) -> ring::hmac::Algorithm {
        match self {
            HashKind::Sha256 => ring::hmac::HMAC_SHA256,
            HashKind::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashKind::Sha256 => 32,
            HashKind::Sha384 => 48,
        }
    }
}

/// How the two sides agree on the pre-master secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchangeKind {
    /// Ephemeral elliptic-curve Diffie-Hellman (RFC 8422): forward secret.
    Ecdhe,
    /// Ephemeral finite-field Diffie-Hellman over an RFC 7919 group (RFC
    /// 5246 §7.4.3): forward secret, but slower and with larger messages.
    Dhe,
    /// RSA key transport (RFC 5246 §7.4.7.1): the client encrypts the
    /// pre-master secret to the server certificate's key. **Not forward
    /// secret.**
    Rsa,
}

/// How the server authenticates its key exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// ECDSA or Ed25519 certificates (RFC 8422 §2: ECDHE_ECDSA covers both).
    Ecdsa,
    /// RSA certificates, PKCS#1 v1.5 or PSS signatures.
    Rsa,
}

/// One implemented suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupportedSuite {
    /// The wire value.
    pub suite: CipherSuite,
    /// Key exchange.
    pub kx: KeyExchangeKind,
    /// Server authentication.
    pub auth: AuthKind,
    /// Record protection.
    pub protection: Protection,
    /// PRF and transcript hash.
    pub hash: HashKind,
}

impl SupportedSuite {
    /// The IANA name, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`.
    pub fn name(&self) -> &'static str {
        self.suite.name().unwrap_or("unknown")
    }
}

const fn s(suite: CipherSuite, auth: AuthKind, aead: AeadKind, hash: HashKind) -> SupportedSuite {
    kx_s(KeyExchangeKind::Ecdhe, suite, auth, aead, hash)
}

#[cfg(feature = "legacy")]
const fn cbc_s(
    kx: KeyExchangeKind,
    suite: CipherSuite,
    auth: AuthKind,
    cipher: CbcCipher,
    mac: MacKind,
    hash: HashKind,
) -> SupportedSuite {
    SupportedSuite {
        suite,
        kx,
        auth,
        protection: Protection::Cbc(CbcKind { cipher, mac }),
        hash,
    }
}

const fn kx_s(
    kx: KeyExchangeKind,
    suite: CipherSuite,
    auth: AuthKind,
    aead: AeadKind,
    hash: HashKind,
) -> SupportedSuite {
    SupportedSuite {
        suite,
        kx,
        auth,
        protection: Protection::Aead(aead),
        hash,
    }
}

/// ECDHE_ECDSA with AES-128-GCM.
pub const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    AuthKind::Ecdsa,
    AeadKind::Aes128Gcm,
    HashKind::Sha256,
);
/// ECDHE_ECDSA with AES-256-GCM.
pub const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    AuthKind::Ecdsa,
    AeadKind::Aes256Gcm,
    HashKind::Sha384,
);
/// ECDHE_ECDSA with ChaCha20-Poly1305.
pub const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    AuthKind::Ecdsa,
    AeadKind::Chacha20Poly1305,
    HashKind::Sha256,
);
/// ECDHE_RSA with AES-128-GCM.
pub const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    AuthKind::Rsa,
    AeadKind::Aes128Gcm,
    HashKind::Sha256,
);
/// ECDHE_RSA with AES-256-GCM.
pub const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    AuthKind::Rsa,
    AeadKind::Aes256Gcm,
    HashKind::Sha384,
);
/// ECDHE_RSA with ChaCha20-Poly1305.
pub const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: SupportedSuite = s(
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    AuthKind::Rsa,
    AeadKind::Chacha20Poly1305,
    HashKind::Sha256,
);

/// All implemented suites in our default preference order: AES-GCM first
/// (hardware-accelerated almost everywhere), ChaCha20 next, ECDSA before RSA.
pub const ALL_SUITES: &[SupportedSuite] = &[
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/// RSA key transport with AES-128-GCM (RFC 5288). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_128_GCM_SHA256: SupportedSuite = kx_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    AuthKind::Rsa,
    AeadKind::Aes128Gcm,
    HashKind::Sha256,
);
/// RSA key transport with AES-256-GCM (RFC 5288). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_256_GCM_SHA384: SupportedSuite = kx_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
    AuthKind::Rsa,
    AeadKind::Aes256Gcm,
    HashKind::Sha384,
);
/// Finite-field DHE, RSA-signed, with AES-128-GCM (RFC 5288).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: SupportedSuite = kx_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    AuthKind::Rsa,
    AeadKind::Aes128Gcm,
    HashKind::Sha256,
);
/// Finite-field DHE, RSA-signed, with AES-256-GCM (RFC 5288).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: SupportedSuite = kx_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    AuthKind::Rsa,
    AeadKind::Aes256Gcm,
    HashKind::Sha384,
);
/// Finite-field DHE, RSA-signed, with ChaCha20-Poly1305 (RFC 7905).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: SupportedSuite = kx_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    AuthKind::Rsa,
    AeadKind::Chacha20Poly1305,
    HashKind::Sha256,
);

/// The legacy suites (feature `legacy`), in the order we prefer them among
/// themselves: forward-secret DHE before RSA key transport. Never in a
/// default configuration; see the module documentation.
#[cfg(feature = "legacy")]
pub const LEGACY_SUITES: &[SupportedSuite] = &[
    TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    TLS_RSA_WITH_AES_128_GCM_SHA256,
    TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// RSA key transport with AES-128-CBC and HMAC-SHA1 (RFC 5246). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_128_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// RSA key transport with AES-256-CBC and HMAC-SHA1 (RFC 5246). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_256_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// RSA key transport with AES-128-CBC and HMAC-SHA256 (RFC 5246). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_128_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// RSA key transport with AES-256-CBC and HMAC-SHA256 (RFC 5246). No forward secrecy.
#[cfg(feature = "legacy")]
pub const TLS_RSA_WITH_AES_256_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Rsa,
    CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// Finite-field DHE, RSA-signed, with AES-128-CBC and HMAC-SHA1 (RFC 5246).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_128_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// Finite-field DHE, RSA-signed, with AES-256-CBC and HMAC-SHA1 (RFC 5246).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_256_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// Finite-field DHE, RSA-signed, with AES-128-CBC and HMAC-SHA256 (RFC 5246).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_128_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// Finite-field DHE, RSA-signed, with AES-256-CBC and HMAC-SHA256 (RFC 5246).
#[cfg(feature = "legacy")]
pub const TLS_DHE_RSA_WITH_AES_256_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Dhe,
    CipherSuite::TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// ECDHE, RSA-signed, with AES-128-CBC and HMAC-SHA1 (RFC 8422).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// ECDHE, RSA-signed, with AES-256-CBC and HMAC-SHA1 (RFC 8422).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// ECDHE, RSA-signed, with AES-128-CBC and HMAC-SHA256 (RFC 5289).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    AuthKind::Rsa,
    CbcCipher::Aes128,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// ECDHE, RSA-signed, with AES-256-CBC and HMAC-SHA384 (RFC 5289).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    AuthKind::Rsa,
    CbcCipher::Aes256,
    MacKind::Sha384,
    HashKind::Sha384,
);
/// ECDHE, ECDSA-signed, with AES-128-CBC and HMAC-SHA1 (RFC 8422).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    AuthKind::Ecdsa,
    CbcCipher::Aes128,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// ECDHE, ECDSA-signed, with AES-256-CBC and HMAC-SHA1 (RFC 8422).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    AuthKind::Ecdsa,
    CbcCipher::Aes256,
    MacKind::Sha1,
    HashKind::Sha256,
);
/// ECDHE, ECDSA-signed, with AES-128-CBC and HMAC-SHA256 (RFC 5289).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    AuthKind::Ecdsa,
    CbcCipher::Aes128,
    MacKind::Sha256,
    HashKind::Sha256,
);
/// ECDHE, ECDSA-signed, with AES-256-CBC and HMAC-SHA384 (RFC 5289).
#[cfg(feature = "legacy")]
pub const TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: SupportedSuite = cbc_s(
    KeyExchangeKind::Ecdhe,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    AuthKind::Ecdsa,
    CbcCipher::Aes256,
    MacKind::Sha384,
    HashKind::Sha384,
);

/// The CBC suites (feature `legacy`), in the order we prefer them among
/// themselves: ECDHE, then DHE, then RSA key transport. Never in a default
/// configuration; a configuration negotiates them only when it names them
/// and turns on `allow_cbc` (and, for the DHE and RSA ones, the key
/// exchange's own field).
#[cfg(feature = "legacy")]
pub const CBC_SUITES: &[SupportedSuite] = &[
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
    TLS_RSA_WITH_AES_128_CBC_SHA,
    TLS_RSA_WITH_AES_256_CBC_SHA,
    TLS_RSA_WITH_AES_128_CBC_SHA256,
    TLS_RSA_WITH_AES_256_CBC_SHA256,
];

/// Every implemented suite: the default ones, then (with the `legacy`
/// feature) the legacy ones.
pub(crate) fn every_suite() -> impl Iterator<Item = &'static SupportedSuite> {
    let all = ALL_SUITES.iter();
    #[cfg(feature = "legacy")]
    let all = all.chain(LEGACY_SUITES.iter()).chain(CBC_SUITES.iter());
    all
}

/// The implemented suite with this wire value (legacy ones included, with
/// the feature: whether a configuration may use one is its own business).
pub fn lookup(suite: CipherSuite) -> Option<&'static SupportedSuite> {
    every_suite().find(|s| s.suite == suite)
}

/// The implemented suite with this IANA name.
pub fn by_name(name: &str) -> Option<&'static SupportedSuite> {
    every_suite().find(|s| s.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_found_by_name_and_value() {
        for s in ALL_SUITES {
            assert_eq!(lookup(s.suite), Some(s));
            assert_eq!(by_name(s.name()), Some(s));
        }
        #[cfg(feature = "legacy")]
        for s in CBC_SUITES {
            assert_eq!(lookup(s.suite), Some(s));
            assert_eq!(by_name(s.name()), Some(s));
            assert!(s.protection.is_cbc());
        }
        #[cfg(not(feature = "legacy"))]
        assert!(lookup(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA).is_none());
    }
}
