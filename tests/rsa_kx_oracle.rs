//! RSA key transport without a padding oracle (RFC 5246 §7.4.7.1): every
//! invalid ClientKeyExchange must put exactly the same bytes on the wire as
//! a valid one that carries a pre-master secret the client did not use (the
//! "wrong key"), and end in the same error.
//!
//! Each case drives a real handshake with an RSA key-transport suite to the
//! client's flight and replaces its ClientKeyExchange with a crafted
//! ciphertext. The server decrypts it, goes on with whatever pre-master
//! secret it then holds, and fails at the client's Finished record, which
//! it can decrypt only under the keys it derived (bad_record_mac
//! otherwise). What is compared is deterministic: the server's error, every
//! byte it sends (its alert record, in the clear: its write cipher is not on
//! yet), its events, and what the client then sees.
//!
//! The ciphertexts are crafted here, not with the crate: PKCS#1 v1.5 blocks
//! (RFC 8017 §7.2.1) built byte by byte and encrypted raw with the server's
//! public key (`rsa::hazmat::rsa_encrypt`), most of them around the
//! client's own pre-master secret (decrypted from its ClientKeyExchange with
//! the server's private key). Each case also names the pre-master secret a
//! careless server would take from it (a block's last 48 bytes, whatever
//! its padding and version say), and the client's Finished is forged for
//! exactly that secret: the attacker derives the extended master secret
//! over the server's transcript, edited ClientKeyExchange included (RFC 7627
//! §4), and seals a Finished for that transcript under it (tests/common/
//! tls12.rs, not the crate). So a server that skipped a check would accept
//! the Finished and answer with its own, not an alert; the control case,
//! the client's secret correctly padded again, must be accepted so.

mod common;
mod hostile;

use common::tls12;
use common::wire::*;
use common::{KeyType, Pki};
use hostile::{Point, Scene};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::BoxedUint;
use sanstls::enums::AlertDescription;
use sanstls::suites::{SupportedSuite, TLS_RSA_WITH_AES_128_GCM_SHA256};
use sanstls::Error;

static SUITE: &SupportedSuite = &TLS_RSA_WITH_AES_128_GCM_SHA256;

/// The private key of the RSA test certificates.
fn server_key() -> rsa::PrivateKey {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/keys/rsa2048.pkcs8.pem"
    ))
    .unwrap();
    rsa::PrivateKey::from_pkcs8_der(common::key_from_pem(&pem).secret_der()).unwrap()
}

/// What the attacker works with: the server's public key, and the
/// pre-master secret the client chose for this connection.
struct Crafter {
    key: rsa::PublicKey,
    /// The modulus length in bytes: the length of every valid ciphertext.
    k: usize,
    client_pre_master: Vec<u8>,
}

/// A ClientKeyExchange ciphertext, and the pre-master secret the client's
/// Finished is forged for.
struct Crafted {
    ciphertext: Vec<u8>,
    bet: Vec<u8>,
}

impl Crafter {
    /// RSAEP (RFC 8017 §5.1.1) of the block `m`, as `k` bytes, betting on
    /// the block's last 48 bytes.
    fn encrypt(&self, m: &[u8]) -> Crafted {
        let precision = self.key.n().as_ref().bits_precision();
        let block = BoxedUint::from_be_slice(m, precision).unwrap();
        let c = rsa::hazmat::rsa_encrypt(&self.key, &block).unwrap();
        Crafted {
            ciphertext: left_pad(&c.to_be_bytes(), self.k),
            bet: m[m.len() - 48..].to_vec(),
        }
    }

    /// Bytes that are no encryption of a block; bets on the client's secret.
    fn raw(&self, ciphertext: Vec<u8>) -> Crafted {
        Crafted {
            ciphertext,
            bet: self.client_pre_master.clone(),
        }
    }

    /// `00 02 PS 00 M` for a message `m`, `PS` random and nonzero (RFC 8017
    /// §7.2.1 step 2).
    fn block(&self, m: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 2];
        b.extend(nonzero_random(self.k - 3 - m.len()));
        b.push(0);
        b.extend_from_slice(m);
        b
    }

    /// The encryption of a well-formed block of the client's pre-master
    /// secret, edited by `f` first.
    fn edited(&self, f: impl FnOnce(&mut Vec<u8>)) -> Crafted {
        let mut b = self.block(&self.client_pre_master);
        f(&mut b);
        self.encrypt(&b)
    }

    /// The client's pre-master secret with another version in front.
    fn with_version(&self, version: [u8; 2]) -> Crafted {
        let mut pm = self.client_pre_master.clone();
        pm[..2].copy_from_slice(&version);
        self.encrypt(&self.block(&pm))
    }

    /// A valid ciphertext of the client's pre-master secret.
    fn valid(&self) -> Vec<u8> {
        self.encrypt(&self.block(&self.client_pre_master))
            .ciphertext
    }
}

fn left_pad(v: &[u8], k: usize) -> Vec<u8> {
    let v = &v[v.len().saturating_sub(k)..];
    let mut out = vec![0; k - v.len()];
    out.extend_from_slice(v);
    out
}

fn nonzero_random(n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut v).unwrap();
    for b in &mut v {
        if *b == 0 {
            *b = 0xa5;
        }
    }
    v
}

/// A named way to craft a ClientKeyExchange.
type Case = (&'static str, fn(&Crafter) -> Crafted);

/// The control: the client's own pre-master secret, padded again.
const CONTROL: Case = ("the client's pre-master, padded again", |c| {
    c.encrypt(&c.block(&c.client_pre_master))
});

/// The reference: a valid ciphertext of a pre-master secret the client did
/// not use (its Finished is forged for the client's).
const WRONG_KEY: Case = ("valid, another pre-master (the wrong key)", |c| {
    let mut pm = nonzero_random(48);
    pm[..2].copy_from_slice(&[3, 3]);
    let mut crafted = c.encrypt(&c.block(&pm));
    crafted.bet = c.client_pre_master.clone();
    crafted
});

/// Every kind of invalid ciphertext.
const INVALID: &[Case] = &[
    ("first bytes 01 02", |c| c.edited(|b| b[0] = 1)),
    ("first bytes 00 01 (signature block type)", |c| {
        c.edited(|b| b[1] = 1)
    }),
    ("first bytes 00 00", |c| c.edited(|b| b[1] = 0)),
    ("no zero separator anywhere", |c| {
        c.edited(|b| {
            for x in &mut b[2..] {
                if *x == 0 {
                    *x = 0x33;
                }
            }
        })
    }),
    ("separator byte nonzero, the pre-master after it", |c| {
        let k = c.k;
        c.edited(|b| b[k - 49] = 0x33)
    }),
    ("separator too early: 7 bytes of padding", |c| {
        c.edited(|b| b[2 + 7] = 0)
    }),
    ("separator right after 00 02: no padding", |c| {
        c.edited(|b| b[2] = 0)
    }),
    ("separator 1 byte early: a 49-byte message", |c| {
        let k = c.k;
        c.edited(|b| b[k - 50] = 0)
    }),
    ("separator 1 byte late: a 47-byte message", |c| {
        c.encrypt(&c.block(&c.client_pre_master[1..]))
    }),
    ("version 3.1 (TLS 1.0) in the pre-master", |c| {
        c.with_version([3, 1])
    }),
    ("version 3.2 (TLS 1.1) in the pre-master", |c| {
        c.with_version([3, 2])
    }),
    ("version 3.4 in the pre-master", |c| c.with_version([3, 4])),
    ("version 0.0 in the pre-master", |c| c.with_version([0, 0])),
    ("ciphertext 1 byte short", |c| {
        let mut v = c.valid();
        v.pop();
        c.raw(v)
    }),
    ("ciphertext 1 byte long (a zero in front)", |c| {
        let mut v = c.valid();
        v.insert(0, 0);
        c.raw(v)
    }),
    ("ciphertext 1 byte long (a zero after)", |c| {
        let mut v = c.valid();
        v.push(0);
        c.raw(v)
    }),
    ("empty ciphertext", |c| c.raw(Vec::new())),
    ("ciphertext = the modulus", |c| {
        c.raw(left_pad(&c.key.n().as_ref().to_be_bytes(), c.k))
    }),
    ("ciphertext all 0xff (above the modulus)", |c| {
        c.raw(vec![0xff; c.k])
    }),
    ("ciphertext 0", |c| c.raw(vec![0; c.k])),
    ("ciphertext 1", |c| {
        let mut v = vec![0; c.k];
        v[c.k - 1] = 1;
        c.raw(v)
    }),
    ("random bytes", |c| c.raw(nonzero_random(c.k))),
];

/// What the server did with a client flight, and what the client saw of it.
#[derive(Debug, PartialEq)]
struct Observed {
    server_result: Result<(), Error>,
    /// Every byte the server sent after the flight.
    server_sent: Vec<u8>,
    server_events: Vec<String>,
    client_result: Result<(), Error>,
    client_sent: Vec<u8>,
}

/// Drives a handshake to the client's flight, replaces its
/// ClientKeyExchange with `case`'s and its Finished with one forged for
/// the case's bet, and observes.
fn run(pki: &Pki, key: &rsa::PrivateKey, case: fn(&Crafter) -> Crafted) -> Observed {
    let mut s = Scene::for_point(pki, Point::ClientFlight, SUITE);
    let mut m = s.intercept(true);
    let recs = split(&m.wire);
    let cke = &recs[find_hs(&recs, CLIENT_KEY_EXCHANGE)].1;
    let client_pre_master = key.decrypt(rsa::Pkcs1v15Encrypt, &cke[6..]).unwrap();
    assert_eq!(client_pre_master.len(), 48);
    assert_eq!(client_pre_master[..2], [3, 3]);
    let crafter = Crafter {
        key: key.to_public_key(),
        k: key.size(),
        client_pre_master,
    };
    let crafted = case(&crafter);
    edit_body(&mut m.wire, CLIENT_KEY_EXCHANGE, |b| {
        *b = (crafted.ciphertext.len() as u16).to_be_bytes().to_vec();
        b.extend_from_slice(&crafted.ciphertext);
    });

    // The server's transcript up to the edited ClientKeyExchange.
    let mut transcript = vec![s.client_hello.clone()];
    transcript.extend(
        split(&s.server_flight).into_iter().map(|r| r.1).chain(
            split(&m.wire)
                .into_iter()
                .take_while(|r| r.0 != CCS)
                .map(|r| r.1),
        ),
    );
    let transcript: Vec<&[u8]> = transcript.iter().map(Vec::as_slice).collect();
    let session_hash = tls12::transcript_hash(SUITE.hash, &transcript);
    m.use_master(tls12::extended_master_secret(
        SUITE.hash,
        &crafted.bet,
        &session_hash,
    ));
    let finished = m.finished(true, &transcript);
    m.replace_protected(&[(HANDSHAKE, finished)]);
    s.release(m);

    let server_result = s.deliver_to_server();
    let mut server_sent = Vec::new();
    s.p.server.poll_output(&mut server_sent);
    let mut server_events = Vec::new();
    while let Some(e) = s.p.server.poll_event() {
        server_events.push(format!("{e:?}"));
    }
    s.p.to_client = server_sent.clone();
    let client_result = s.deliver_to_client();
    let mut client_sent = Vec::new();
    s.p.client.poll_output(&mut client_sent);
    Observed {
        server_result,
        server_sent,
        server_events,
        client_result,
        client_sent,
    }
}

/// The control: the client's own pre-master secret, padded and encrypted
/// again by the test, with the client's Finished forged for it, is accepted
/// and answered with the server's ChangeCipherSpec and Finished. So the
/// crafted ciphertexts and forged Finished messages are what they claim,
/// and a server that took a bad block's last 48 bytes would get this far.
/// (The client then refuses the server's Finished: its transcript holds its
/// own ClientKeyExchange, not the edited one.)
#[test]
fn the_clients_pre_master_padded_again_is_accepted() {
    let pki = Pki::new(KeyType::Rsa2048);
    let key = server_key();
    let got = run(&pki, &key, CONTROL.1);
    assert_eq!(got.server_result, Ok(()), "{}", CONTROL.0);
    let recs = split(&got.server_sent);
    assert_eq!(
        recs.len(),
        3,
        "NewSessionTicket, ChangeCipherSpec, Finished"
    );
    assert_eq!(hs_type(&recs[0]), Some(NEW_SESSION_TICKET));
    assert_eq!(recs[1], (CCS, vec![1]));
}

#[test]
fn every_invalid_client_key_exchange_looks_like_the_wrong_key() {
    let pki = Pki::new(KeyType::Rsa2048);
    let key = server_key();
    let reference = run(&pki, &key, WRONG_KEY.1);
    // The server fails at the client's Finished record, which it cannot
    // decrypt, and sends nothing but its fatal bad_record_mac alert, in the
    // clear; the client receives that alert and sends nothing more.
    assert_eq!(reference.server_result, Err(Error::BadRecordMac));
    assert_eq!(
        reference.server_sent,
        record(ALERT, &[2, AlertDescription::BAD_RECORD_MAC.0])
    );
    assert_eq!(
        reference.client_result,
        Err(Error::AlertReceived(AlertDescription::BAD_RECORD_MAC))
    );
    assert!(reference.client_sent.is_empty());

    let mut differ = Vec::new();
    for (name, case) in INVALID {
        let got = run(&pki, &key, *case);
        println!("{name:<50} {:?}", got.server_result);
        if got != reference {
            differ.push(format!("{name}: {got:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "unlike the wrong key ({reference:?}):\n{}",
        differ.join("\n")
    );
}
