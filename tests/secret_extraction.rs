//! `Connection::dangerous_extract_secrets` (issue 14, item 5): the traffic
//! secrets it hands over run the connection's records on, outside sanstls.
//!
//! Every check here opens and seals records with ring directly, from the
//! extracted secrets alone, as kernel TLS would: additional data
//! `seq ‖ type ‖ version ‖ length` (RFC 5246 §6.2.3.3); AES-GCM nonces
//! `salt ‖ explicit nonce` with the explicit part read from the record or,
//! when sealing, counted up from the extracted `iv` the way the kernel does
//! (RFC 5288); ChaCha20-Poly1305 nonces `iv XOR seq` (RFC 7905).

mod common;

use common::{feed, KeyType, Pair, Pki};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use sanstls::secrets::{ConnectionTrafficSecrets, ExtractedSecrets};
use sanstls::suites::{AeadKind, AuthKind, Protection, SupportedSuite, ALL_SUITES};
use sanstls::{ClientConfig, Connection, Error, ServerConfig};

const APPLICATION_DATA: u8 = 23;

fn pki_for(suite: &SupportedSuite) -> Pki {
    Pki::new(match suite.auth {
        AuthKind::Rsa => KeyType::Rsa2048,
        AuthKind::Ecdsa => KeyType::P256,
    })
}

/// Configurations that name only `suite`, extraction allowed on both sides.
fn configs(pki: &Pki, suite: &'static SupportedSuite) -> (ClientConfig, ServerConfig) {
    let mut cc = pki.client_config();
    let mut sc = pki.server_config();
    cc.suites = vec![suite];
    sc.suites = vec![suite];
    cc.enable_secret_extraction = true;
    sc.enable_secret_extraction = true;
    (cc, sc)
}

fn established(cc: ClientConfig, sc: ServerConfig) -> Pair {
    let mut p = Pair::new(cc, sc);
    p.expect_handshake();
    p
}

/// One exchange of pending bytes, which must not fail on either side.
fn step_ok(p: &mut Pair) {
    let (c, s) = p.step();
    c.expect("client");
    s.expect("server");
}

/// The extracted key, as ring takes it.
fn ring_key(secrets: &ConnectionTrafficSecrets) -> LessSafeKey {
    let (alg, key): (&'static aead::Algorithm, &[u8]) = match secrets {
        ConnectionTrafficSecrets::Aes128Gcm { key, .. } => (&aead::AES_128_GCM, &key[..]),
        ConnectionTrafficSecrets::Aes256Gcm { key, .. } => (&aead::AES_256_GCM, &key[..]),
        ConnectionTrafficSecrets::Chacha20Poly1305 { key, .. } => {
            (&aead::CHACHA20_POLY1305, &key[..])
        }
        other => panic!("unexpected secrets {other:?}"),
    };
    LessSafeKey::new(UnboundKey::new(alg, key).unwrap())
}

/// `seq ‖ type ‖ version ‖ length` (RFC 5246 §6.2.3.3).
fn aad(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9..11].copy_from_slice(&[3, 3]);
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// The ChaCha20-Poly1305 nonce of record `seq` (RFC 7905 §2).
fn chacha_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut n = *iv;
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    n
}

/// Opens the one whole record at the front of `wire` with `secrets` as
/// record number `seq`; returns its content type, plaintext and length.
fn open(secrets: &ConnectionTrafficSecrets, seq: u64, wire: &[u8]) -> (u8, Vec<u8>, usize) {
    let key = ring_key(secrets);
    let typ = wire[0];
    assert_eq!(wire[1..3], [3, 3], "record version");
    let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
    let mut body = wire[5..5 + len].to_vec();
    let (nonce, body) = match secrets {
        ConnectionTrafficSecrets::Aes128Gcm { salt, .. }
        | ConnectionTrafficSecrets::Aes256Gcm { salt, .. } => {
            // RFC 5288 §3: salt ‖ the explicit nonce in front of the record.
            let mut n = [0u8; 12];
            n[..4].copy_from_slice(salt);
            n[4..].copy_from_slice(&body[..8]);
            (n, &mut body[8..])
        }
        ConnectionTrafficSecrets::Chacha20Poly1305 { iv, .. } => {
            (chacha_nonce(iv, seq), &mut body[..])
        }
        other => panic!("unexpected secrets {other:?}"),
    };
    let plain_len = body.len() - 16;
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(seq, typ, plain_len)),
            body,
        )
        .expect("the extracted keys open the peer's record")
        .to_vec();
    (typ, plain, 5 + len)
}

/// Seals `plain` as the `k`-th record after the hand-off (`k` from 0) with
/// `tx`, numbering it as kernel TLS would: sequence number `tx.0 + k`, and
/// for AES-GCM the explicit nonce counted up from the extracted `iv`.
fn seal(tx: &(u64, ConnectionTrafficSecrets), k: u64, typ: u8, plain: &[u8]) -> Vec<u8> {
    let key = ring_key(&tx.1);
    let seq = tx.0 + k;
    let (nonce, explicit) = match &tx.1 {
        ConnectionTrafficSecrets::Aes128Gcm { salt, iv, .. }
        | ConnectionTrafficSecrets::Aes256Gcm { salt, iv, .. } => {
            let explicit = (u64::from_be_bytes(*iv) + k).to_be_bytes();
            let mut n = [0u8; 12];
            n[..4].copy_from_slice(salt);
            n[4..].copy_from_slice(&explicit);
            (n, Some(explicit))
        }
        ConnectionTrafficSecrets::Chacha20Poly1305 { iv, .. } => (chacha_nonce(iv, seq), None),
        other => panic!("unexpected secrets {other:?}"),
    };
    let mut body = plain.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(seq, typ, plain.len())),
            &mut body,
        )
        .unwrap();
    let payload_len = explicit.map_or(0, |e| e.len()) + body.len() + 16;
    let mut record = vec![typ, 3, 3];
    record.extend_from_slice(&(payload_len as u16).to_be_bytes());
    if let Some(e) = explicit {
        record.extend_from_slice(&e);
    }
    record.extend_from_slice(&body);
    record.extend_from_slice(tag.as_ref());
    record
}

/// The AEAD a suite negotiates.
fn aead_of(suite: &SupportedSuite) -> AeadKind {
    match suite.protection {
        Protection::Aead(a) => a,
        Protection::Cbc(_) => panic!("not an AEAD suite"),
    }
}

/// Sends `n` short records from `from` to `to`, each read there.
fn records(from: &mut Connection, to: &mut Connection, n: usize) {
    for i in 0..n {
        let mut wire = Vec::new();
        from.send(format!("record {i}").as_bytes(), &mut wire)
            .unwrap();
        let mut got = Vec::new();
        feed(to, &mut wire, usize::MAX, &mut got).unwrap();
        assert_eq!(got, format!("record {i}").as_bytes());
    }
}

/// Extracts from `taker` and checks, against `peer`, that the secrets
/// decrypt the peer's next records and seal records the peer accepts.
/// `sent` and `received` are the records `taker` sent and received under
/// the current keys (its Finished and the peer's count).
fn hand_off_and_check(taker: Connection, mut peer: Connection, sent: u64, received: u64) {
    let suite = taker.negotiated().unwrap().suite;
    let secrets: ExtractedSecrets = taker.dangerous_extract_secrets().unwrap();
    assert_eq!((secrets.tx.0, secrets.rx.0), (sent, received));
    assert_eq!(secrets.tx.1.aead(), aead_of(suite));
    assert_eq!(secrets.rx.1.aead(), aead_of(suite));
    if let ConnectionTrafficSecrets::Aes128Gcm { iv, .. }
    | ConnectionTrafficSecrets::Aes256Gcm { iv, .. } = &secrets.tx.1
    {
        // sanstls's explicit nonce is the sequence number: the kernel goes
        // on from there.
        assert_eq!(u64::from_be_bytes(*iv), sent);
    }

    // The peer's next records (one of them two fragments long), opened
    // with the extracted rx secrets alone.
    let mut wire = Vec::new();
    peer.send(b"after the hand-off", &mut wire).unwrap();
    let big = vec![0x5a; (1 << 14) + 100];
    peer.send(&big, &mut wire).unwrap();
    let mut at = 0;
    let mut got = Vec::new();
    for k in 0..3 {
        let (typ, plain, used) = open(&secrets.rx.1, secrets.rx.0 + k, &wire[at..]);
        assert_eq!(typ, APPLICATION_DATA);
        got.push(plain);
        at += used;
    }
    assert_eq!(at, wire.len());
    assert_eq!(got[0], b"after the hand-off");
    assert_eq!([&got[1][..], &got[2][..]].concat(), big);

    // Records sealed with the extracted tx secrets, which the peer takes.
    let mut wire = seal(
        &secrets.tx,
        0,
        APPLICATION_DATA,
        b"from the new record layer, ",
    );
    wire.extend(seal(&secrets.tx, 1, APPLICATION_DATA, b"and another"));
    let mut got = Vec::new();
    feed(&mut peer, &mut wire, usize::MAX, &mut got).unwrap();
    assert_eq!(got, b"from the new record layer, and another");
    assert!(wire.is_empty());
    // A close_notify too: the peer sees the connection end cleanly.
    let mut wire = seal(&secrets.tx, 2, 21, &[1, 0]);
    feed(&mut peer, &mut wire, usize::MAX, &mut Vec::new()).unwrap();
    assert!(peer.peer_closed());
}

#[test]
fn client_secrets_run_the_connection_on_for_every_suite() {
    for suite in ALL_SUITES {
        let pki = pki_for(suite);
        let (cc, sc) = configs(&pki, suite);
        let mut p = established(cc, sc);
        records(&mut p.client, &mut p.server, 3);
        records(&mut p.server, &mut p.client, 5);
        // Finished, then 3 records; the server's Finished, then 5.
        hand_off_and_check(p.client, p.server, 4, 6);
    }
}

#[test]
fn server_secrets_run_the_connection_on_for_every_suite() {
    for suite in ALL_SUITES {
        let pki = pki_for(suite);
        let (cc, sc) = configs(&pki, suite);
        let mut p = established(cc, sc);
        records(&mut p.client, &mut p.server, 2);
        records(&mut p.server, &mut p.client, 7);
        hand_off_and_check(p.server, p.client, 8, 3);
    }
}

/// Fragmented sends, records fed a few bytes at a time, and numbers in
/// the hundreds: the sequence numbers still count every record.
#[test]
fn sequence_numbers_count_every_record_each_way() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (cc, sc) = configs(&pki, suite);
    let mut p = established(cc, sc);
    records(&mut p.client, &mut p.server, 200);
    records(&mut p.server, &mut p.client, 300);
    // Three records of application data in one send, fed in small pieces.
    let mut wire = Vec::new();
    p.server
        .send(&vec![1; 2 * (1 << 14) + 1], &mut wire)
        .unwrap();
    let mut got = Vec::new();
    feed(&mut p.client, &mut wire, 7, &mut got).unwrap();
    assert_eq!(got.len(), 2 * (1 << 14) + 1);
    hand_off_and_check(p.client, p.server, 201, 304);
}

/// A resumed session's keys come from its master secret and the new
/// randoms; the hand-off finds the same ones.
#[test]
fn resumed_connections_hand_off_too() {
    let suite = &ALL_SUITES[2];
    let pki = pki_for(suite);
    let (cc, sc) = configs(&pki, suite);
    // Clones share the session store and the ticketer.
    established(cc.clone(), sc.clone());
    let mut p = established(cc, sc);
    assert!(p.client.negotiated().unwrap().resumed);
    records(&mut p.client, &mut p.server, 1);
    hand_off_and_check(p.server, p.client, 1, 2);
}

/// After a renegotiation the keys of the new handshake are the ones in
/// use, and those are the ones handed over.
#[test]
fn renegotiated_connections_hand_off_the_new_keys() {
    let suite = &ALL_SUITES[1];
    let pki = pki_for(suite);
    let (mut cc, mut sc) = configs(&pki, suite);
    cc.allow_renegotiation = true;
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut p = established(cc, sc);
    records(&mut p.client, &mut p.server, 4);
    p.client.renegotiate().unwrap();
    // (Refused while it runs: `refused_while_a_renegotiation_runs`.)
    for _ in 0..10 {
        step_ok(&mut p);
    }
    assert!(!p.client.is_renegotiating() && !p.server.is_renegotiating());
    assert!(p
        .client_events
        .iter()
        .any(|e| matches!(e, sanstls::Event::RenegotiationComplete(_))));
    records(&mut p.client, &mut p.server, 2);
    records(&mut p.server, &mut p.client, 1);
    hand_off_and_check(p.client, p.server, 3, 2);
}

#[test]
fn refused_without_the_configuration_field() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    for side in [true, false] {
        let (mut cc, mut sc) = configs(&pki, suite);
        assert!(!pki.client_config().enable_secret_extraction);
        assert!(!pki.server_config().enable_secret_extraction);
        cc.enable_secret_extraction = false;
        sc.enable_secret_extraction = false;
        let p = established(cc, sc);
        let conn = if side { p.client } else { p.server };
        match conn.dangerous_extract_secrets() {
            Err(Error::Config(why)) => assert!(
                why.to_string().contains("enable_secret_extraction"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn refused_before_the_handshake_completes() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (cc, sc) = configs(&pki, suite);
    let p = Pair::new(cc.clone(), sc.clone());
    assert_eq!(
        p.client.dangerous_extract_secrets().unwrap_err(),
        Error::HandshakeNotComplete
    );
    assert_eq!(
        p.server.dangerous_extract_secrets().unwrap_err(),
        Error::HandshakeNotComplete
    );
    // Halfway: the server has sent its flight, the client has its keys
    // but not the server's Finished.
    let mut p = Pair::new(cc, sc);
    step_ok(&mut p);
    p.client.poll_output(&mut p.to_server);
    assert!(p.client.is_handshaking());
    assert_eq!(
        p.client.dangerous_extract_secrets().unwrap_err(),
        Error::HandshakeNotComplete
    );
}

/// Both sides, at each step of a renegotiation either side started:
/// refused while it runs.
#[test]
fn refused_while_a_renegotiation_runs() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (mut cc, mut sc) = configs(&pki, suite);
    cc.allow_renegotiation = true;
    sc.allow_renegotiation = true;
    sc.accept_client_renegotiation = true;
    let mut refused = 0;
    for server_starts in [false, true] {
        for take_client in [false, true] {
            for steps in 0..6 {
                let mut p = established(cc.clone(), sc.clone());
                if server_starts {
                    p.server.renegotiate().unwrap();
                } else {
                    p.client.renegotiate().unwrap();
                }
                for _ in 0..steps {
                    step_ok(&mut p);
                }
                let taker = if take_client { p.client } else { p.server };
                if !taker.is_renegotiating() {
                    continue;
                }
                assert_eq!(
                    taker.dangerous_extract_secrets().unwrap_err(),
                    Error::HandshakeNotComplete,
                    "server starts: {server_starts}, client: {take_client}, steps: {steps}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused >= 8, "{refused}");
}

/// A record queued and not taken is sealed already: refused until it is
/// polled, and then counted.
#[test]
fn queued_output_must_be_taken_first() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (cc, mut sc) = configs(&pki, suite);
    sc.allow_renegotiation = true;
    // The client, without allow_renegotiation, answers a HelloRequest with
    // a no_renegotiation warning alert: one record queued.
    let refusing = |cc: &ClientConfig, sc: &ServerConfig| {
        let mut p = established(cc.clone(), sc.clone());
        p.server.renegotiate().unwrap();
        p.server.poll_output(&mut p.to_client);
        feed(&mut p.client, &mut p.to_client, usize::MAX, &mut Vec::new()).unwrap();
        assert!(p.client.has_output());
        p
    };
    let p = refusing(&cc, &sc);
    assert_eq!(
        p.client.dangerous_extract_secrets().unwrap_err(),
        Error::OutputBacklog
    );
    let mut p = refusing(&cc, &sc);
    p.client.poll_output(&mut p.to_server);
    feed(&mut p.server, &mut p.to_server, usize::MAX, &mut Vec::new()).unwrap();
    while p.server.poll_event().is_some() {}
    assert!(!p.server.is_renegotiating());
    // The client's Finished and the alert; the server's Finished and the
    // HelloRequest.
    hand_off_and_check(p.client, p.server, 2, 2);
}

#[test]
fn refused_after_close_notify_either_way() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (cc, sc) = configs(&pki, suite);
    let mut p = established(cc.clone(), sc.clone());
    p.client.close();
    assert_eq!(
        p.client.dangerous_extract_secrets().unwrap_err(),
        Error::ConnectionClosed
    );
    let mut p = established(cc, sc);
    p.client.close();
    p.client.poll_output(&mut p.to_server);
    feed(&mut p.server, &mut p.to_server, usize::MAX, &mut Vec::new()).unwrap();
    assert!(p.server.peer_closed());
    assert_eq!(
        p.server.dangerous_extract_secrets().unwrap_err(),
        Error::ConnectionClosed
    );
}

#[test]
fn refused_after_an_error() {
    let suite = &ALL_SUITES[0];
    let pki = pki_for(suite);
    let (cc, sc) = configs(&pki, suite);
    let mut p = established(cc, sc);
    let mut wire = Vec::new();
    p.client.send(b"tampered", &mut wire).unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 1;
    let err = feed(&mut p.server, &mut wire, usize::MAX, &mut Vec::new()).unwrap_err();
    assert_eq!(err, Error::BadRecordMac);
    assert_eq!(
        p.server.dangerous_extract_secrets().unwrap_err(),
        Error::BadRecordMac
    );
}

/// CBC key material is not handed over: kernel TLS has no TLS 1.2 CBC,
/// and a CBC record layer needs more than keys (MAC order, IV choice).
#[test]
fn refused_for_cbc_suites() {
    let suite = &sanstls::suites::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA;
    let pki = pki_for(suite);
    let (mut cc, mut sc) = configs(&pki, suite);
    cc.allow_cbc = true;
    sc.allow_cbc = true;
    for side in [true, false] {
        let p = established(cc.clone(), sc.clone());
        let conn = if side { p.client } else { p.server };
        match conn.dangerous_extract_secrets() {
            Err(Error::Config(why)) => assert!(why.to_string().contains("CBC"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
