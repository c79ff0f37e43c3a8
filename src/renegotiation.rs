//! What a renegotiation carries over from the handshake before it, and the
//! rules every handshake after the first must keep (RFC 5746; RFC 7627
//! §5.4 and the triple-handshake attack for why identity and the extended
//! master secret are pinned).
//!
//! A renegotiation is a new handshake run inside the protected connection.
//! Without RFC 5746 an attacker can splice a handshake of its own in front
//! of the victim's (CVE-2009-3555), so both sides bind the new handshake to
//! the old one: the client's renegotiation_info carries the previous
//! client Finished verify_data, the server's carries both (§3.4–§3.7).
//! Even so, a peer could present another identity in the new handshake
//! (the triple handshake, Bhargavan et al. 2014): the peer's end-entity
//! certificate may not change, and every handshake must use the extended
//! master secret.
//!
//! This module only decides; the connection applies
//! ([`crate::Connection::renegotiate`]) and the hello steps of each role
//! call the checks.

use rustls_pki_types::CertificateDer;
use subtle::ConstantTimeEq;

use crate::crypto::key_schedule::VERIFY_DATA_LEN;
use crate::error::Error;
use crate::suites::{KeyExchangeKind, SupportedSuite};

/// Both Finished verify_data of a handshake, kept once it completes: the
/// next handshake's renegotiation_info is made of them (RFC 5746 §3.1).
#[derive(Clone, Copy, Default)]
pub(crate) struct VerifyData {
    pub client: [u8; VERIFY_DATA_LEN],
    pub server: [u8; VERIFY_DATA_LEN],
}

/// What a renegotiating handshake must match: the handshake before it.
pub(crate) struct Prior {
    pub verify_data: VerifyData,
    /// The suite and encrypt-then-MAC state in force: the new handshake may
    /// not weaken them.
    pub suite: &'static SupportedSuite,
    pub etm: bool,
    /// The peer's end-entity certificate, if it presented one in any earlier
    /// handshake of the connection.
    pub peer_end_entity: Option<CertificateDer<'static>>,
}

impl Prior {
    /// The client's renegotiation_info in a renegotiating ClientHello
    /// (RFC 5746 §3.5): the previous client verify_data.
    pub(crate) fn client_info(&self) -> &[u8] {
        &self.verify_data.client
    }

    /// The server's renegotiation_info in a renegotiating ServerHello
    /// (RFC 5746 §3.7): client verify_data then server verify_data.
    pub(crate) fn server_info(&self) -> [u8; 2 * VERIFY_DATA_LEN] {
        let mut out = [0u8; 2 * VERIFY_DATA_LEN];
        out[..VERIFY_DATA_LEN].copy_from_slice(&self.verify_data.client);
        out[VERIFY_DATA_LEN..].copy_from_slice(&self.verify_data.server);
        out
    }

    /// The server's check of a renegotiating ClientHello (RFC 5746 §3.7):
    /// the SCSV must not be there, and renegotiation_info must be there and
    /// hold exactly our record of the client's last verify_data. Compared in
    /// constant time, like a Finished.
    pub(crate) fn check_client_hello(&self, info: Option<&[u8]>, scsv: bool) -> Result<(), Error> {
        if scsv {
            return Err(Error::BadRenegotiationInfo);
        }
        match info {
            Some(got) if bool::from(got.ct_eq(self.client_info())) => Ok(()),
            _ => Err(Error::BadRenegotiationInfo),
        }
    }

    /// The client's check of a renegotiating ServerHello (RFC 5746 §3.5):
    /// renegotiation_info must be there and hold both verify_data.
    pub(crate) fn check_server_hello(&self, info: Option<&[u8]>) -> Result<(), Error> {
        match info {
            Some(got) if bool::from(got.ct_eq(&self.server_info())) => Ok(()),
            _ => Err(Error::BadRenegotiationInfo),
        }
    }

    /// A renegotiation may not weaken what protects the connection: no
    /// going from forward secrecy to RSA key transport, from an AEAD to CBC,
    /// or from encrypt-then-MAC to MAC-then-encrypt. (The compression
    /// method is always null, and the extended master secret is checked on
    /// its own: [`require_ems`].)
    pub(crate) fn check_strength(&self, suite: &SupportedSuite, etm: bool) -> Result<(), Error> {
        let forward_secret = |s: &SupportedSuite| s.kx != KeyExchangeKind::Rsa;
        if forward_secret(self.suite) && !forward_secret(suite) {
            return Err(Error::HandshakeFailure(
                "renegotiation would drop forward secrecy",
            ));
        }
        if !self.suite.protection.is_cbc() && suite.protection.is_cbc() {
            return Err(Error::HandshakeFailure(
                "renegotiation would go from an AEAD to CBC",
            ));
        }
        if self.suite.protection.is_cbc() && self.etm && suite.protection.is_cbc() && !etm {
            return Err(Error::HandshakeFailure(
                "renegotiation would drop encrypt-then-MAC",
            ));
        }
        Ok(())
    }

    /// The peer's identity may not change between handshakes (the triple
    /// handshake attack). A certificate may appear where there was none (a
    /// server that asks for a client certificate only now); once one was
    /// presented, a different one, or none, is refused unless
    /// `allow_change` (see `ClientConfig::dangerous_renegotiation_identity_change`).
    pub(crate) fn check_identity(
        &self,
        new: Option<&CertificateDer<'_>>,
        allow_change: bool,
    ) -> Result<(), Error> {
        match (&self.peer_end_entity, new) {
            (None, _) => Ok(()),
            (Some(old), Some(new)) if old.as_ref() == new.as_ref() => Ok(()),
            _ if allow_change => Ok(()),
            _ => Err(Error::PeerIdentityChanged),
        }
    }
}

/// Every handshake of a connection that renegotiates uses the extended
/// master secret (RFC 7627 §5.4 makes it the fix for the triple
/// handshake); a renegotiation that would drop it is refused, whatever the
/// configuration's `require_extended_master_secret` says.
pub(crate) fn require_ems(prior: Option<&Prior>, ems: bool) -> Result<(), Error> {
    if prior.is_some() && !ems {
        return Err(Error::NoExtendedMasterSecret);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suites::{lookup, ALL_SUITES};

    fn prior() -> Prior {
        Prior {
            verify_data: VerifyData {
                client: [1; 12],
                server: [2; 12],
            },
            suite: &ALL_SUITES[0],
            etm: false,
            peer_end_entity: None,
        }
    }

    #[test]
    fn renegotiation_info_must_be_the_previous_verify_data() {
        let p = prior();
        assert!(p.check_client_hello(Some(&[1; 12]), false).is_ok());
        for bad in [&[][..], &[1; 11], &[1; 13], &[2; 12], &[1; 24]] {
            assert_eq!(
                p.check_client_hello(Some(bad), false),
                Err(Error::BadRenegotiationInfo)
            );
        }
        assert_eq!(
            p.check_client_hello(None, false),
            Err(Error::BadRenegotiationInfo)
        );
        // RFC 5746 §3.7: the SCSV in a renegotiation is fatal, even with the
        // right extension.
        assert_eq!(
            p.check_client_hello(Some(&[1; 12]), true),
            Err(Error::BadRenegotiationInfo)
        );
        let mut both = [1u8; 24];
        both[12..].fill(2);
        assert!(p.check_server_hello(Some(&both)).is_ok());
        for bad in [&[][..], &[1; 12], &both[..23], &[2; 24]] {
            assert_eq!(
                p.check_server_hello(Some(bad)),
                Err(Error::BadRenegotiationInfo)
            );
        }
        assert_eq!(p.check_server_hello(None), Err(Error::BadRenegotiationInfo));
    }

    #[test]
    fn identity_may_appear_but_not_change() {
        let a = CertificateDer::from(vec![1, 2, 3]);
        let b = CertificateDer::from(vec![1, 2, 4]);
        let mut p = prior();
        assert!(p.check_identity(None, false).is_ok());
        assert!(p.check_identity(Some(&a), false).is_ok());
        p.peer_end_entity = Some(a.clone());
        assert!(p.check_identity(Some(&a), false).is_ok());
        assert_eq!(
            p.check_identity(Some(&b), false),
            Err(Error::PeerIdentityChanged)
        );
        assert_eq!(
            p.check_identity(None, false),
            Err(Error::PeerIdentityChanged)
        );
        assert!(p.check_identity(Some(&b), true).is_ok());
    }

    #[test]
    fn ems_is_required_only_when_renegotiating() {
        assert!(require_ems(None, false).is_ok());
        assert!(require_ems(Some(&prior()), true).is_ok());
        assert_eq!(
            require_ems(Some(&prior()), false),
            Err(Error::NoExtendedMasterSecret)
        );
    }

    #[test]
    fn strength_may_not_drop() {
        let p = prior();
        for s in ALL_SUITES {
            assert!(p.check_strength(s, false).is_ok(), "{}", s.name());
        }
        #[cfg(feature = "legacy")]
        {
            use crate::codec::enums::CipherSuite;
            let rsa_gcm = lookup(CipherSuite(0x009c)).unwrap();
            let ecdhe_cbc = lookup(CipherSuite(0xc013)).unwrap();
            assert!(p.check_strength(rsa_gcm, false).is_err());
            assert!(p.check_strength(ecdhe_cbc, true).is_err());
            let cbc = Prior {
                suite: ecdhe_cbc,
                etm: true,
                ..prior()
            };
            assert!(cbc.check_strength(ecdhe_cbc, true).is_ok());
            assert!(cbc.check_strength(ecdhe_cbc, false).is_err());
            assert!(cbc.check_strength(&ALL_SUITES[0], false).is_ok());
        }
        let _ = lookup;
    }
}
