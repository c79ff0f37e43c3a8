//! What a resumable session holds and its encoding: the same bytes go into
//! the server's cache, the client's store and, encrypted, into tickets.

use alloc::string::String;
use alloc::vec::Vec;
use rustls_pki_types::{CertificateDer, UnixTime};
use zeroize::Zeroizing;

use crate::codec::enums::CipherSuite;
use crate::codec::{put_u16, put_u32, Codec, LenSize, Reader};
use crate::crypto::key_schedule::{MasterSecret, MASTER_SECRET_LEN};
use crate::error::{Error, InvalidMessage};
use crate::handshake::{put_opaque, SessionId};

/// Encoding version, so a format change never misreads an old ticket.
/// Version 2 keeps the peer's end-entity certificate only.
const ENCODING_VERSION: u8 = 2;

/// The one flag of the encoding's last field: encrypt-then-MAC.
const SESSION_FLAG_ETM: u16 = 1;

/// Everything needed to resume a session, on either side.
#[derive(Debug)]
pub struct StoredSession {
    /// The suite the session was made with; resumption keeps it.
    pub suite: CipherSuite,
    /// The session's master secret.
    pub master: MasterSecret,
    /// Whether the master secret is an extended one (RFC 7627).
    pub extended_master_secret: bool,
    /// Whether the session's records were encrypt-then-MAC (RFC 7366; CBC
    /// suites only). Resumption keeps it (RFC 7366 §3.1).
    pub encrypt_then_mac: bool,
    /// The SNI name of the original connection (RFC 6066 §3: resumption with
    /// another name must not succeed).
    pub server_name: Option<String>,
    /// The peer's end-entity certificate, verified in the full handshake
    /// (`None` when the peer sent none: a client without a certificate).
    /// Only it: resumption authenticates the peer by the master secret, and
    /// the end entity is all it was authenticated as. Whatever else the
    /// peer sent beside it (intermediates, or junk a verifier ignored) is
    /// not worth keeping, nor sealing into a ticket that would then grow
    /// with it.
    pub peer_certificate: Option<CertificateDer<'static>>,
    /// When the full handshake happened, in seconds since the Unix epoch.
    pub created: u64,
    /// Seconds from `created` during which the session may be resumed.
    pub lifetime: u32,
    /// Client side: the session ID the server assigned (may be empty).
    pub session_id: SessionId,
    /// Client side: the ticket the server issued (may be empty).
    pub ticket: Vec<u8>,
}

impl StoredSession {
    /// Whether `now` falls inside the session's lifetime.
    pub fn is_fresh(&self, now: UnixTime) -> bool {
        let now = now.as_secs();
        now >= self.created && now - self.created < u64::from(self.lifetime)
    }

    /// The encoding, wiped when dropped (it holds the master secret).
    ///
    /// The buffer is allocated at its final size: a `Vec` that grew while
    /// encoding would free its first allocation, master secret included,
    /// without wiping it.
    #[cfg(any(test, feature = "unstable-internals"))]
    pub fn encode_secret(&self) -> Zeroizing<Vec<u8>> {
        self.borrowed()
            .encode_secret()
            .expect("test session fits its length prefixes")
    }

    /// The same fields, borrowed.
    fn borrowed(&self) -> SessionRef<'_> {
        SessionRef {
            suite: self.suite,
            master: &self.master,
            extended_master_secret: self.extended_master_secret,
            encrypt_then_mac: self.encrypt_then_mac,
            server_name: self.server_name.as_deref(),
            peer_certificate: self.peer_certificate.as_ref(),
            created: self.created,
            lifetime: self.lifetime,
            session_id: self.session_id,
            ticket: &self.ticket,
        }
    }
}

/// A session's fields borrowed from where a handshake keeps them, so that
/// a session is encoded for a cache or a ticket without first copying its
/// master secret, name and certificates into a [`StoredSession`]. Encodes
/// to the same bytes.
pub(crate) struct SessionRef<'a> {
    pub suite: CipherSuite,
    pub master: &'a MasterSecret,
    pub extended_master_secret: bool,
    pub encrypt_then_mac: bool,
    pub server_name: Option<&'a str>,
    pub peer_certificate: Option<&'a CertificateDer<'static>>,
    pub created: u64,
    pub lifetime: u32,
    pub session_id: SessionId,
    pub ticket: &'a [u8],
}

impl SessionRef<'_> {
    /// The encoding, wiped when dropped; allocated once, at its final size
    /// (see [`StoredSession::encode_secret`]). A field longer than its
    /// prefix is `Internal` (the buffer, wiped, is dropped with it): the
    /// callers then keep no session rather than a corrupt one.
    pub(crate) fn encode_secret(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.encoded_len()));
        self.encode(&mut out)?;
        debug_assert_eq!(out.len(), self.encoded_len());
        Ok(out)
    }

    /// The exact length of the encoding.
    fn encoded_len(&self) -> usize {
        let name = self.server_name.map_or(0, str::len);
        let cert = self.peer_certificate.map_or(0, |c| c.len());
        1 + 2 + MASTER_SECRET_LEN + 1 // version, suite, master, ems
            + 1 + name
            + 3 + cert
            + 8 + 4 // created, lifetime
            + 1 + self.session_id.len()
            + 2 + self.ticket.len()
            + 2 // flags
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(ENCODING_VERSION);
        self.suite.encode(out)?;
        out.extend_from_slice(self.master.as_bytes());
        out.push(u8::from(self.extended_master_secret));
        let name = self.server_name.map_or(&[][..], str::as_bytes);
        put_opaque(out, LenSize::U8, "session server_name too long", name)?;
        // `opaque peer_certificate<0..2^24-1>`: empty for none (a
        // certificate is never empty DER).
        let cert = self.peer_certificate.map_or(&[][..], |c| c.as_ref());
        put_opaque(out, LenSize::U24, "session peer_certificate too long", cert)?;
        out.extend_from_slice(&self.created.to_be_bytes());
        put_u32(out, self.lifetime);
        self.session_id.encode(out)?;
        put_opaque(out, LenSize::U16, "session ticket too long", self.ticket)?;
        // Flags, once a reserved zero (so older encodings read as no
        // flags): bit 0, encrypt-then-MAC.
        put_u16(out, u16::from(self.encrypt_then_mac));
        Ok(())
    }
}

impl Codec for StoredSession {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.borrowed().encode(out)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        if r.u8("session version")? != ENCODING_VERSION {
            return Err(Error::invalid(
                "session version",
                InvalidMessage::IllegalValue,
            ));
        }
        let suite = CipherSuite::read(r)?;
        let mut master = [0u8; MASTER_SECRET_LEN];
        master.copy_from_slice(r.bytes(MASTER_SECRET_LEN, "master secret")?);
        let master = MasterSecret::from_bytes(master);
        let extended_master_secret = match r.u8("ems flag")? {
            0 => false,
            1 => true,
            _ => return Err(Error::invalid("ems flag", InvalidMessage::IllegalValue)),
        };
        let name = r.vec(LenSize::U8, "server name")?;
        let server_name = if name.is_empty() {
            None
        } else {
            Some(
                String::from_utf8(name.to_vec())
                    .map_err(|_| Error::invalid("server name", InvalidMessage::IllegalValue))?,
            )
        };
        let cert = r.vec(LenSize::U24, "peer certificate")?;
        let peer_certificate = (!cert.is_empty()).then(|| CertificateDer::from(cert.to_vec()));
        let created = r.u64("created")?;
        let lifetime = r.u32("lifetime")?;
        let session_id = SessionId::read(r)?;
        let ticket = r.vec(LenSize::U16, "ticket")?.to_vec();
        let flags = r.u16("session flags")?;
        if flags & !SESSION_FLAG_ETM != 0 {
            return Err(Error::invalid(
                "session flags",
                InvalidMessage::IllegalValue,
            ));
        }
        Ok(StoredSession {
            suite,
            master,
            extended_master_secret,
            encrypt_then_mac: flags & SESSION_FLAG_ETM != 0,
            server_name,
            peer_certificate,
            created,
            lifetime,
            session_id,
            ticket,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredSession {
        StoredSession {
            suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            master: MasterSecret::from_bytes([7; MASTER_SECRET_LEN]),
            extended_master_secret: true,
            encrypt_then_mac: false,
            server_name: Some("localhost".into()),
            peer_certificate: Some(CertificateDer::from(vec![1, 2, 3])),
            created: 1_000,
            lifetime: 60,
            session_id: SessionId::new(&[9; 32]).unwrap(),
            ticket: vec![5; 100],
        }
    }

    #[test]
    fn roundtrip() {
        let s = sample();
        let bytes = s.encode_secret();
        let back = StoredSession::from_bytes(&bytes).unwrap();
        assert_eq!(back.encode_secret(), bytes);
        assert_eq!(back.server_name.as_deref(), Some("localhost"));
        for cut in 0..bytes.len() {
            assert!(StoredSession::from_bytes(&bytes[..cut]).is_err());
        }
    }

    /// The encrypt-then-MAC flag lives in what was a reserved zero: it
    /// round-trips, its absence reads as false (sessions encoded before
    /// it), and an unknown flag is refused.
    #[test]
    fn etm_flag_in_the_last_field() {
        let mut s = sample();
        let plain = s.encode_secret();
        assert_eq!(plain[plain.len() - 2..], [0, 0]);
        assert!(!StoredSession::from_bytes(&plain).unwrap().encrypt_then_mac);
        s.encrypt_then_mac = true;
        let etm = s.encode_secret();
        assert_eq!(etm[etm.len() - 2..], [0, 1]);
        assert!(StoredSession::from_bytes(&etm).unwrap().encrypt_then_mac);
        let mut unknown = etm.to_vec();
        let n = unknown.len();
        unknown[n - 2] = 0x80;
        assert!(StoredSession::from_bytes(&unknown).is_err());
    }

    #[test]
    fn secret_encoding_never_reallocates() {
        // A realloc would free a copy of the master secret unwiped.
        let mut s = sample();
        s.peer_certificate = Some(CertificateDer::from(vec![0x30; 6000]));
        for s in [sample(), s] {
            let bytes = s.encode_secret();
            assert_eq!(bytes.len(), s.borrowed().encoded_len());
            assert_eq!(bytes.capacity(), bytes.len());
        }
    }

    #[test]
    fn freshness_is_half_open() {
        let s = sample();
        let t = |secs| UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs));
        assert!(!s.is_fresh(t(999)));
        assert!(s.is_fresh(t(1_000)));
        assert!(s.is_fresh(t(1_059)));
        assert!(!s.is_fresh(t(1_060)));
    }
}
