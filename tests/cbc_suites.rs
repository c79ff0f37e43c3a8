//! The CBC suites (issue 12) between our own client and server, in memory:
//! opt-in only, every suite with and without encrypt-then-MAC (RFC 7366),
//! data of the sizes that sit on block and record boundaries, records laid
//! out as RFC 5246 §6.2.3.2 and RFC 7366 §3 say, and resumption keeping the
//! session's encrypt-then-MAC state (RFC 7366 §3.1).

mod common;

use common::{KeyType, Pair, Pki};
use sanstls::suites::{
    AuthKind, KeyExchangeKind, Protection, SupportedSuite, ALL_SUITES, CBC_SUITES,
};
use sanstls::{ClientConfig, Error, ServerConfig};

/// Plaintext sizes around the AES block and the record limit.
const SIZES: [usize; 7] = [1, 15, 16, 17, 255, 1000, 1 << 14];

fn pki_for(suite: &SupportedSuite) -> Pki {
    Pki::new(match suite.auth {
        AuthKind::Rsa => KeyType::Rsa2048,
        AuthKind::Ecdsa => KeyType::P256,
    })
}

/// Configurations that allow `suite` and name only it.
fn configs(pki: &Pki, suite: &'static SupportedSuite, etm: bool) -> (ClientConfig, ServerConfig) {
    let mut cc = pki.client_config();
    let mut sc = pki.server_config();
    cc.allow_cbc = true;
    sc.allow_cbc = true;
    cc.allow_rsa_key_transport = suite.kx == KeyExchangeKind::Rsa;
    sc.allow_rsa_key_transport = suite.kx == KeyExchangeKind::Rsa;
    cc.allow_ffdhe = suite.kx == KeyExchangeKind::Dhe;
    sc.allow_ffdhe = suite.kx == KeyExchangeKind::Dhe;
    cc.encrypt_then_mac = etm;
    cc.suites = vec![suite];
    sc.suites = vec![suite];
    (cc, sc)
}

/// The bytes one record of `len` bytes of plaintext takes on the wire.
fn record_len(suite: &SupportedSuite, etm: bool, len: usize) -> usize {
    let Protection::Cbc(cbc) = suite.protection else {
        panic!("not a CBC suite");
    };
    let mac = cbc.mac.len();
    if etm {
        // IV ‖ E(plaintext ‖ padding) ‖ MAC (RFC 7366 §3).
        5 + 16 + (len + 1).div_ceil(16) * 16 + mac
    } else {
        // IV ‖ E(plaintext ‖ MAC ‖ padding) (RFC 5246 §6.2.3.2).
        5 + 16 + (len + mac + 1).div_ceil(16) * 16
    }
}

/// One exchange of pending bytes, which must not fail on either side.
fn step_ok(p: &mut Pair) {
    let (c, s) = p.step();
    c.expect("client");
    s.expect("server");
}

/// Sends `data` from the client and the same reversed back, checking what
/// arrives and the size of each record on the wire.
fn exchange(p: &mut Pair, suite: &SupportedSuite, etm: bool, data: &[u8]) {
    let mut wire = Vec::new();
    p.client.send(data, &mut wire).unwrap();
    assert_eq!(
        wire.len(),
        record_len(suite, etm, data.len()),
        "{}",
        suite.name()
    );
    p.to_server.extend_from_slice(&wire);
    step_ok(p);
    assert_eq!(p.server_data, data, "{} etm {etm}", suite.name());
    p.server_data.clear();

    let back: Vec<u8> = data.iter().rev().copied().collect();
    let mut wire = Vec::new();
    p.server.send(&back, &mut wire).unwrap();
    assert_eq!(wire.len(), record_len(suite, etm, back.len()));
    p.to_client.extend_from_slice(&wire);
    step_ok(p);
    assert_eq!(p.client_data, back, "{} etm {etm}", suite.name());
    p.client_data.clear();
}

/// No default configuration holds a CBC suite, and the defaults have
/// allow_cbc off.
#[test]
fn defaults_hold_no_cbc_suite() {
    let pki = Pki::new(KeyType::Rsa2048);
    let (cc, sc) = (pki.client_config(), pki.server_config());
    assert!(!cc.allow_cbc && !sc.allow_cbc);
    for s in cc.suites.iter().chain(&sc.suites) {
        assert!(!s.protection.is_cbc(), "{}", s.name());
    }
    for s in ALL_SUITES {
        assert!(!s.protection.is_cbc());
    }
}

/// Naming a CBC suite needs allow_cbc, and a DHE or RSA one its key
/// exchange's field too; a client with one pushed in by hand without the
/// field is refused at once; a server without the field never picks one.
#[test]
fn cbc_needs_allow_cbc() {
    let pki = Pki::new(KeyType::Rsa2048);
    for suite in CBC_SUITES {
        let mut cc = pki.client_config();
        cc.allow_rsa_key_transport = true;
        cc.allow_ffdhe = true;
        assert!(
            matches!(
                cc.set_suites_by_name(&[suite.name()]),
                Err(Error::Config(_))
            ),
            "{}",
            suite.name()
        );
        cc.allow_cbc = true;
        cc.set_suites_by_name(&[suite.name()]).unwrap();
        let mut sc = pki.server_config();
        sc.allow_rsa_key_transport = true;
        sc.allow_ffdhe = true;
        assert!(matches!(
            sc.set_suites_by_name(&[suite.name()]),
            Err(Error::Config(_))
        ));
        if suite.kx != KeyExchangeKind::Ecdhe {
            let mut cc = pki.client_config();
            cc.allow_cbc = true;
            assert!(matches!(
                cc.set_suites_by_name(&[suite.name()]),
                Err(Error::Config(_))
            ));
        }
        let mut cc = pki.client_config();
        cc.suites.push(suite);
        assert!(matches!(
            sanstls::Connection::new_client(
                std::sync::Arc::new(cc),
                sanstls::pki_types::ServerName::try_from("localhost").unwrap()
            ),
            Err(Error::Config(_))
        ));
    }

    let mut sc = pki.server_config();
    sc.allow_rsa_key_transport = true;
    sc.allow_ffdhe = true;
    sc.suites = CBC_SUITES.iter().collect();
    let mut cc = pki.client_config();
    cc.allow_cbc = true;
    cc.allow_rsa_key_transport = true;
    cc.allow_ffdhe = true;
    cc.suites = CBC_SUITES.iter().collect();
    let mut p = Pair::new(cc, sc);
    let (c, s) = p.handshake();
    assert_eq!(s, Err(Error::HandshakeFailure(
        "the client offers only suites this configuration does not allow (a legacy key exchange or CBC without its allow_* field)"
    )));
    assert!(c.is_err());
}

/// Every CBC suite, with and without encrypt-then-MAC, completes and
/// carries data both ways in records of the expected layout.
#[test]
fn every_cbc_suite_with_and_without_etm() {
    for suite in CBC_SUITES {
        let pki = pki_for(suite);
        for etm in [true, false] {
            let (cc, sc) = configs(&pki, suite, etm);
            let mut p = Pair::new(cc, sc);
            p.expect_handshake();
            for side in [&p.client, &p.server] {
                let n = side.negotiated().unwrap();
                assert_eq!(n.suite.suite, suite.suite);
                assert_eq!(n.encrypt_then_mac, etm, "{} etm {etm}", suite.name());
            }
            for len in SIZES {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                exchange(&mut p, suite, etm, &data);
            }
        }
    }
}

/// A server with encrypt_then_mac off answers MAC-then-encrypt to a client
/// that offers encrypt-then-MAC.
#[test]
fn server_may_decline_etm() {
    let suite = &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
    let pki = pki_for(suite);
    let (cc, mut sc) = configs(&pki, suite, true);
    sc.encrypt_then_mac = false;
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    assert!(!p.client.negotiated().unwrap().encrypt_then_mac);
    exchange(&mut p, suite, false, b"GET / HTTP/1.0\r\n\r\n");
}

/// With an AEAD suite chosen, encrypt-then-MAC is not answered even when
/// offered (RFC 7366 §3).
#[test]
fn etm_is_not_used_with_an_aead_suite() {
    let pki = Pki::new(KeyType::Rsa2048);
    let mut cc = pki.client_config();
    cc.allow_cbc = true;
    cc.suites
        .push(&sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
    let mut p = Pair::new(cc, pki.server_config());
    p.expect_handshake();
    let n = p.client.negotiated().unwrap();
    assert!(!n.suite.protection.is_cbc());
    assert!(!n.encrypt_then_mac);
}

/// Zero-copy sending works for CBC records: the IV goes in front, the MAC
/// and padding behind, within the suffix the layout promises.
#[test]
fn seal_in_place_with_cbc() {
    for suite in [
        &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    ] {
        let pki = pki_for(suite);
        for etm in [true, false] {
            let (cc, sc) = configs(&pki, suite, etm);
            let mut p = Pair::new(cc, sc);
            p.expect_handshake();
            let (prefix, suffix) = p.client.in_place_layout().unwrap();
            assert_eq!(prefix, 5 + 16);
            for len in [0usize, 1, 15, 16, 17, 1 << 14] {
                let mut record = vec![0u8; prefix + len + suffix];
                for (i, b) in record[prefix..prefix + len].iter_mut().enumerate() {
                    *b = i as u8;
                }
                let n = p.client.seal_in_place(&mut record, len).unwrap();
                assert_eq!(n, record_len(suite, etm, len));
                let input = p.server.handle_input(&mut record[..n]).unwrap();
                assert_eq!(input.consumed, n);
                let expected: Vec<u8> = (0..len).map(|i| i as u8).collect();
                assert_eq!(input.data.as_deref().unwrap_or(&[]), &expected[..]);
            }
        }
    }
}

/// Resumption keeps the session's encrypt-then-MAC state, by session ID
/// and by ticket; a client that stops offering it for an EtM session gets
/// a full handshake, not a resumption without it.
#[test]
fn resumption_keeps_etm() {
    let suite = &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;
    let pki = pki_for(suite);
    for tickets in [true, false] {
        for etm in [true, false] {
            let (mut cc, sc) = configs(&pki, suite, etm);
            cc.enable_tickets = tickets;
            let mut first = Pair::new(cc.clone(), sc.clone());
            first.expect_handshake();
            assert_eq!(first.client.negotiated().unwrap().encrypt_then_mac, etm);
            let mut again = Pair::new(cc.clone(), sc.clone());
            again.expect_handshake();
            let n = again.client.negotiated().unwrap();
            assert!(n.resumed, "tickets {tickets} etm {etm}");
            assert_eq!(n.encrypt_then_mac, etm);
            exchange(&mut again, suite, etm, b"resumed");
        }
        // An EtM session, then a client that no longer offers it.
        let (mut cc, sc) = configs(&pki, suite, true);
        cc.enable_tickets = tickets;
        let mut first = Pair::new(cc.clone(), sc.clone());
        first.expect_handshake();
        cc.encrypt_then_mac = false;
        let mut again = Pair::new(cc, sc);
        again.expect_handshake();
        let n = again.server.negotiated().unwrap();
        assert!(!n.resumed, "tickets {tickets}");
        assert!(!n.encrypt_then_mac);
        exchange(&mut again, suite, false, b"full handshake");
    }
}

/// A random source that hands out a fixed byte and counts the requests of
/// each length.
#[derive(Debug, Default)]
struct Counting(std::sync::Mutex<Vec<usize>>);

impl sanstls::config::RandomSource for Counting {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        self.0.lock().unwrap().push(dest.len());
        dest.fill(0x5a);
        Ok(())
    }
}

/// A CBC sender's IV seed comes from the configuration's random source
/// (no hidden randomness): one 16-byte request per side with a CBC suite,
/// none with an AEAD suite.
#[test]
fn iv_seed_comes_from_the_configured_random_source() {
    for (suite, cbc) in [
        (&sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, true),
        (
            &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            false,
        ),
    ] {
        let pki = pki_for(suite);
        let (mut cc, mut sc) = configs(&pki, suite, true);
        let (cr, sr) = (
            std::sync::Arc::new(Counting::default()),
            std::sync::Arc::new(Counting::default()),
        );
        cc.random = cr.clone();
        sc.random = sr.clone();
        let mut p = Pair::new(cc, sc);
        p.expect_handshake();
        for asked in [&cr, &sr] {
            let seeds = asked.0.lock().unwrap().iter().filter(|&&n| n == 16).count();
            assert_eq!(seeds, usize::from(cbc), "{}", suite.name());
        }
    }
}

/// A server that answers encrypt_then_mac while choosing an AEAD suite
/// (RFC 7366 §3 forbids it) is refused with illegal_parameter, even by a
/// client that offered it along with a CBC suite.
#[test]
fn etm_answered_with_an_aead_suite_is_refused() {
    use common::wire::{edit_server_hello, to_client, to_server};
    use sanstls::internals::handshake::extensions::ServerExtension;

    let pki = Pki::new(KeyType::Rsa2048);
    let mut cc = pki.client_config();
    cc.allow_cbc = true;
    cc.suites = vec![
        &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        &sanstls::suites::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    ];
    let mut p = Pair::new(cc, pki.server_config());
    p.client.poll_output(&mut p.to_server);
    to_server(&mut p).unwrap();
    p.server.poll_output(&mut p.to_client);
    edit_server_hello(&mut p.to_client, |sh| {
        sh.extensions.push(ServerExtension::EncryptThenMac);
    });
    assert_eq!(
        to_client(&mut p),
        Err(Error::IllegalParameter(
            "server chose encrypt-then-MAC with a suite that is not CBC"
        ))
    );
}
