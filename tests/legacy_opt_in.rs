//! The legacy key exchanges are negotiated only by configurations that name
//! them *and* set the field that says what they cost (issue 11): the
//! defaults, and configurations that list a legacy suite without the
//! field, never use one, in a full handshake or in a resumption.

mod common;

use std::sync::Arc;

use common::{KeyType, Pair, Pki};
use sanstls::pki_types::ServerName;
use sanstls::suites::{self, KeyExchangeKind, LEGACY_SUITES};
use sanstls::{ClientConfig, Connection, Error};

const RSA_KX: &str = "TLS_RSA_WITH_AES_128_GCM_SHA256";
const DHE: &str = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";

fn new_client(cc: ClientConfig) -> Result<Connection, Error> {
    Connection::new_client(Arc::new(cc), ServerName::try_from("localhost").unwrap())
}

/// The default suite lists hold no legacy suite, in either role.
#[test]
fn defaults_hold_no_legacy_suite() {
    let pki = Pki::new(KeyType::Rsa2048);
    let (cc, sc) = (pki.client_config(), pki.server_config());
    for s in cc.suites.iter().chain(&sc.suites) {
        assert_eq!(s.kx, KeyExchangeKind::Ecdhe, "{}", s.name());
    }
    assert!(!cc.allow_rsa_key_transport && !cc.allow_ffdhe);
    assert!(!sc.allow_rsa_key_transport && !sc.allow_ffdhe);
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    assert_eq!(
        p.client.negotiated().unwrap().suite.kx,
        KeyExchangeKind::Ecdhe
    );
}

/// Naming a legacy suite needs its field first, in both roles.
#[test]
fn naming_a_legacy_suite_needs_its_field() {
    let pki = Pki::new(KeyType::Rsa2048);
    for (name, kx) in [(RSA_KX, KeyExchangeKind::Rsa), (DHE, KeyExchangeKind::Dhe)] {
        let mut cc = pki.client_config();
        let mut sc = pki.server_config();
        assert!(matches!(
            cc.set_suites_by_name(&[name]),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            sc.set_suites_by_name(&[name]),
            Err(Error::Config(_))
        ));
        match kx {
            KeyExchangeKind::Rsa => {
                cc.allow_rsa_key_transport = true;
                sc.allow_rsa_key_transport = true;
            }
            _ => {
                cc.allow_ffdhe = true;
                sc.allow_ffdhe = true;
            }
        }
        cc.set_suites_by_name(&[name]).unwrap();
        sc.set_suites_by_name(&[name]).unwrap();
        let mut p = Pair::new(cc, sc);
        p.expect_handshake();
        assert_eq!(p.client.negotiated().unwrap().suite_name(), name);
    }
}

/// A client whose list holds a legacy suite pushed in by hand, without the
/// field, is a configuration error at once, not a quiet offer.
#[test]
fn a_client_listing_a_legacy_suite_without_its_field_is_refused() {
    let pki = Pki::new(KeyType::Rsa2048);
    for suite in LEGACY_SUITES {
        let mut cc = pki.client_config();
        cc.suites.push(suite);
        assert!(
            matches!(new_client(cc), Err(Error::Config(_))),
            "{}",
            suite.name()
        );
    }
}

/// A server whose list holds the legacy suites without the fields never
/// picks one, even for a client that offers nothing else.
#[test]
fn a_server_without_the_fields_never_picks_a_legacy_suite() {
    let pki = Pki::new(KeyType::Rsa2048);
    let mut sc = pki.server_config();
    sc.suites = LEGACY_SUITES.iter().collect();
    let mut cc = pki.client_config();
    cc.allow_rsa_key_transport = true;
    cc.allow_ffdhe = true;
    cc.suites = LEGACY_SUITES.iter().collect();
    let mut p = Pair::new(cc, sc);
    let (c, s) = p.handshake();
    assert_eq!(s, Err(Error::HandshakeFailure(
        "the client offers only suites this configuration does not allow (a legacy key exchange or CBC without its allow_* field)"
    )));
    assert!(c.is_err());
}

/// A session made with RSA key transport is not resumed once the server's
/// configuration no longer allows it (even with the suite still listed):
/// the resumption falls back to a full handshake with what is allowed.
#[test]
fn a_legacy_session_is_not_resumed_once_disallowed() {
    let pki = Pki::new(KeyType::Rsa2048);
    let rsa = suites::by_name(RSA_KX).unwrap();
    let mut cc = pki.client_config();
    cc.allow_rsa_key_transport = true;
    cc.suites.push(rsa);
    let mut sc = pki.server_config();
    sc.allow_rsa_key_transport = true;
    sc.suites = vec![rsa];
    let mut first = Pair::new(cc.clone(), sc.clone());
    first.expect_handshake();
    assert_eq!(first.server.negotiated().unwrap().suite_name(), RSA_KX);
    let mut again = Pair::new(cc.clone(), sc.clone());
    again.expect_handshake();
    assert!(again.server.negotiated().unwrap().resumed);

    sc.allow_rsa_key_transport = false;
    sc.suites = vec![rsa, &suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
    let mut third = Pair::new(cc, sc);
    third.expect_handshake();
    let n = third.server.negotiated().unwrap();
    assert!(!n.resumed);
    assert_eq!(n.suite.kx, KeyExchangeKind::Ecdhe);
}

/// A client offering only RSA key transport sends the classic ClientHello:
/// no supported_groups or ec_point_formats (RFC 8422 §4: they go with ECC
/// suites); with DHE suites supported_groups names the RFC 7919 groups
/// only; with an ECDHE suite, or a client certificate, both are back.
#[test]
fn ecc_extensions_only_with_ecc_suites() {
    use sanstls::internals::codec::enums::{ExtensionType, NamedGroup};
    use sanstls::internals::handshake::HandshakePayload;

    let pki = Pki::new(KeyType::Rsa2048);
    let hello_of = |cc: ClientConfig| {
        let mut client = new_client(cc).unwrap();
        let mut wire = Vec::new();
        client.poll_output(&mut wire);
        let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
        wire[5..5 + len].to_vec()
    };
    let check = |names: &[&str], groups: Option<&[NamedGroup]>, formats: bool, cert: bool| {
        let mut cc = pki.client_config();
        if cert {
            let client = Pki::new(KeyType::P256);
            cc.set_client_cert(client.chain.clone(), &client.key)
                .unwrap();
        }
        cc.allow_rsa_key_transport = true;
        cc.allow_ffdhe = true;
        cc.set_suites_by_name(names).unwrap();
        let body = hello_of(cc);
        let HandshakePayload::ClientHello(ch) = HandshakePayload::read(&body).unwrap() else {
            panic!("not a ClientHello");
        };
        let offered: Option<Vec<NamedGroup>> = ch.supported_groups().map(|g| g.iter().collect());
        assert_eq!(offered.as_deref(), groups, "{names:?}");
        assert_eq!(
            ch.find(ExtensionType::EC_POINT_FORMATS).is_some(),
            formats,
            "{names:?}"
        );
    };
    check(&[RSA_KX], None, false, false);
    let ffdhe = [
        NamedGroup::FFDHE2048,
        NamedGroup::FFDHE3072,
        NamedGroup::FFDHE4096,
    ];
    check(&[DHE, RSA_KX], Some(&ffdhe), false, false);
    let ecdhe = pki.client_config().groups;
    check(
        &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", RSA_KX],
        Some(&ecdhe),
        true,
        false,
    );
    // A client certificate brings the ECC extensions back: a server may
    // check an ECDSA certificate's curve against supported_groups.
    let both: Vec<NamedGroup> = ecdhe.iter().chain(&ffdhe).copied().collect();
    check(&[DHE], Some(&both), true, true);
}
