//! CBC records without a padding oracle on the wire (RFC 5246 §6.2.3.2:
//! padding errors must look like MAC errors, "bad_record_mac" for both):
//! every record whose padding is wrong in some way, or that is malformed in
//! its length, must make the server fail in exactly the way a record with
//! valid padding and a wrong MAC does: the same error, the same events, the
//! same records sent, and the same view for the client. (Whether they take
//! the same time is tests/timing_cbc.rs's question.)
//!
//! Each case drives a real handshake with a CBC suite to the traffic phase
//! and sends the server one application-data record crafted by the tests'
//! own CBC code (tests/common/tls12.rs, not the crate's), as a peer holding
//! the client's keys would (the attacker learns them from the client's key
//! log). A padding oracle needs no keys; holding them lets each case be
//! exactly one kind of wrong, which the test checks by opening the record
//! with its own code first.
//!
//! What is compared: the server's result and events; every record it sends
//! (its bad_record_mac alert), header by header, opened with the server's
//! write keys: the plaintext, the padding, and whether the MAC verifies;
//! then the client's result and whatever it sends. The raw ciphertext is
//! the one thing not compared: two connections never share keys (ECDHE)
//! or the seed of the server's explicit IVs, so the same plaintext is
//! different bytes in each. Everything that could depend on the record
//! received is compared: the alert's content, the record's length and
//! padding, its sequence number (in the MAC), and anything sent besides.
//!
//! MAC-then-encrypt: the bad padding kinds (the longest padding with a wrong
//! MAC, one wrong padding byte at each end, a padding length byte larger
//! than the record, ...) against valid padding with a wrong MAC, for
//! HMAC-SHA1, HMAC-SHA256 and HMAC-SHA384. Encrypt-then-MAC: a MAC over a
//! tampered IV, ciphertext or MAC, and bad padding under a valid MAC,
//! against a wrong MAC.

mod common;
mod hostile;

use common::tls12::{padding, CbcRecord, Opened};
use common::wire::*;
use common::{KeyType, Pki};
use hostile::{Mitm, Point, Scene};
use sanstls::enums::AlertDescription;
use sanstls::suites::{
    SupportedSuite, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
};
use sanstls::{ClientConfig, Error};

/// One suite per MAC: HMAC-SHA1, HMAC-SHA256, HMAC-SHA384.
static SUITES: [&SupportedSuite; 3] = [
    &TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    &TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
];

/// The data of every crafted record: two blocks and some.
const DATA: &[u8] = b"an application-data record, some 40 bytes";

/// What a case's record is, by the tests' own opening of it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Padding and MAC both right.
    Valid,
    /// Padding right, MAC wrong: the reference.
    WrongMac,
    /// Padding wrong (the MAC, wherever it is looked for, wrong too for
    /// MAC-then-encrypt; right for encrypt-then-MAC, which checks it first).
    BadPadding,
    /// Not whole blocks, or too short for the IV, the MAC and a padding
    /// length byte.
    BadLength,
}

/// A named way to send the record with sequence number 1, and what it is.
type Case = (&'static str, Kind, fn(&mut Mitm));

/// Seals `plaintext` as the client's record 1, edited by `edit` first.
fn push(m: &mut Mitm, plaintext: &[u8], edit: impl FnOnce(&mut CbcRecord)) {
    m.push_cbc(1, APPDATA, plaintext, edit);
}

/// [`push`] of [`DATA`], then the sealed fragment edited by `f`.
fn push_then(m: &mut Mitm, edit: impl FnOnce(&mut CbcRecord), f: impl FnOnce(&mut Vec<u8>)) {
    push(m, DATA, edit);
    edit_records(&mut m.wire, |r| f(&mut r.last_mut().unwrap().1));
}

/// Padding of `n + 1` bytes of `n` with `n` ≥ 16 (one block more than the
/// shortest), so its first byte, its last-but-one and its length byte are
/// apart.
fn longer_padding(r: &mut CbcRecord) {
    r.padding = padding(r.padding.len() as u8 - 1 + 16);
}

/// 256 bytes of padding, the most (length byte 255), with data as long as
/// keeps the record whole blocks; the MAC (MtE) edited by `mac`.
fn longest_padding(m: &mut Mitm, mac: fn(&mut [u8])) {
    let inner_mac = if m.etm { 0 } else { m.keys().cbc().mac_len() };
    let data = vec![b'x'; 32 - inner_mac % 16];
    push(m, &data, |r| {
        r.padding = padding(255);
        mac(&mut r.mac);
    });
}

fn flip_last(b: &mut [u8]) {
    let n = b.len();
    b[n - 1] ^= 1;
}

/// The valid records, each accepted and its data delivered.
const VALID: &[Case] = &[
    ("shortest padding", Kind::Valid, |m| push(m, DATA, |_| {})),
    ("padding one block longer", Kind::Valid, |m| {
        push(m, DATA, longer_padding)
    }),
    ("longest padding (256 bytes)", Kind::Valid, |m| {
        longest_padding(m, |_| {})
    }),
];

/// MAC-then-encrypt: the reference.
const MTE_WRONG_MAC: Case = (
    "padding right, MAC's last byte wrong",
    Kind::WrongMac,
    |m| push(m, DATA, |r| flip_last(&mut r.mac)),
);

/// MAC-then-encrypt: every other kind of bad record.
const MTE_BAD: &[Case] = &[
    (
        "padding right, MAC's first byte wrong",
        Kind::WrongMac,
        |m| push(m, DATA, |r| r.mac[0] ^= 0x80),
    ),
    ("padding right, MAC of other data", Kind::WrongMac, |m| {
        push(m, DATA, |r| r.plaintext[3] ^= 1)
    }),
    (
        "longest padding (256 bytes), MAC wrong",
        Kind::WrongMac,
        |m| longest_padding(m, flip_last),
    ),
    ("first padding byte wrong", Kind::BadPadding, |m| {
        push(m, DATA, |r| {
            longer_padding(r);
            r.padding[0] ^= 1;
        })
    }),
    (
        "padding byte next to the length byte wrong",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                longer_padding(r);
                let n = r.padding.len();
                r.padding[n - 2] ^= 1;
            })
        },
    ),
    ("longest padding, first byte wrong", Kind::BadPadding, |m| {
        longest_padding(m, |_| {});
        // The first padding byte sits 256 bytes before the record's end:
        // flipping the ciphertext block before it flips it, and garbles
        // that block (data or MAC) as well.
        edit_records(&mut m.wire, |r| {
            let f = &mut r[0].1;
            let at = f.len() - 256 - 16;
            f[at] ^= 1;
        });
    }),
    (
        "padding bytes all wrong, length byte right (SSL 3.0 padding)",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                longer_padding(r);
                let n = r.padding.len();
                for b in &mut r.padding[..n - 1] {
                    *b = 0xa5;
                }
            })
        },
    ),
    ("padding length byte one too large", Kind::BadPadding, |m| {
        push(m, DATA, |r| {
            longer_padding(r);
            *r.padding.last_mut().unwrap() += 1;
        })
    }),
    ("padding length byte one too small", Kind::BadPadding, |m| {
        push(m, DATA, |r| {
            longer_padding(r);
            *r.padding.last_mut().unwrap() -= 1;
        })
    }),
    (
        "padding length byte 255, larger than the record",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                let n = r.padding.len();
                r.padding = vec![255; n];
            })
        },
    ),
    (
        "padding length byte the record's length, one past it",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                let len = r.plaintext.len() + r.mac.len() + r.padding.len();
                let n = r.padding.len();
                r.padding = vec![len as u8; n];
            })
        },
    ),
    (
        "padding over the whole record, no room for the MAC",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                let len = r.plaintext.len() + r.mac.len() + r.padding.len();
                r.plaintext.clear();
                r.mac.clear();
                r.padding = padding((len - 1) as u8);
            })
        },
    ),
    (
        "padding over part of the MAC (every byte the length byte)",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                r.plaintext.clear();
                let len = (r.mac.len() + 1).div_ceil(16) * 16;
                let n = (len - r.mac.len()) as u8;
                r.mac = vec![n; r.mac.len()];
                r.padding = vec![n; len - r.mac.len()];
            })
        },
    ),
    ("not whole blocks (last byte cut)", Kind::BadLength, |m| {
        push_then(
            m,
            |_| {},
            |f| {
                f.pop();
            },
        )
    }),
    ("IV and one block only", Kind::BadLength, |m| {
        m.wire.extend_from_slice(&record(APPDATA, &[0x42; 32]))
    }),
];

/// Encrypt-then-MAC: the reference.
const ETM_WRONG_MAC: Case = ("MAC's last byte wrong", Kind::WrongMac, |m| {
    push_then(m, |_| {}, |f| flip_last(f))
});

/// Encrypt-then-MAC: every other kind of bad record.
const ETM_BAD: &[Case] = &[
    ("MAC's first byte wrong", Kind::WrongMac, |m| {
        let n = m.keys().cbc().mac_len();
        push_then(
            m,
            |_| {},
            |f| {
                let at = f.len() - n;
                f[at] ^= 1;
            },
        )
    }),
    ("MAC over a tampered IV", Kind::WrongMac, |m| {
        push_then(m, |_| {}, |f| f[0] ^= 1)
    }),
    (
        "MAC over a tampered first ciphertext block",
        Kind::WrongMac,
        |m| push_then(m, |_| {}, |f| f[16] ^= 1),
    ),
    (
        "MAC over a tampered last ciphertext block",
        Kind::WrongMac,
        |m| {
            let n = m.keys().cbc().mac_len();
            push_then(
                m,
                |_| {},
                |f| {
                    let at = f.len() - n - 1;
                    f[at] ^= 1;
                },
            )
        },
    ),
    (
        "MAC over the ciphertext without the IV",
        Kind::WrongMac,
        |m| {
            let keys = m.keys();
            let n = keys.cbc().mac_len();
            push_then(
                m,
                |_| {},
                |f| {
                    let end = f.len() - n;
                    let mac = keys.cbc().mac(1, APPDATA, &f[16..end]);
                    f.splice(end.., mac);
                },
            )
        },
    ),
    ("longest padding, MAC wrong", Kind::WrongMac, |m| {
        longest_padding(m, |_| {});
        edit_records(&mut m.wire, |r| flip_last(&mut r[0].1));
    }),
    (
        "MAC right, first padding byte wrong",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                longer_padding(r);
                r.padding[0] ^= 1;
            })
        },
    ),
    (
        "MAC right, padding length byte 255, larger than the record",
        Kind::BadPadding,
        |m| {
            push(m, DATA, |r| {
                let n = r.padding.len();
                r.padding = vec![255; n];
            })
        },
    ),
    ("MAC right, not whole blocks", Kind::BadLength, |m| {
        push(m, DATA, |r| {
            r.padding.pop();
        })
    }),
];

/// How a record of a record layer's output opened with the sender's keys.
#[derive(Debug, PartialEq)]
struct SentRecord {
    header: Vec<u8>,
    opened: Option<Opened>,
}

/// What the server did with the crafted record, and what the client saw
/// of it.
#[derive(Debug, PartialEq)]
struct Observed {
    server_result: Result<(), Error>,
    server_data: Vec<u8>,
    server_events: Vec<String>,
    /// The server's records after the crafted one, opened from sequence
    /// number 1 (its Finished was 0).
    server_sent: Vec<SentRecord>,
    client_result: Result<(), Error>,
    client_events: Vec<String>,
    /// Every byte the client sent after the server's records.
    client_sent: Vec<u8>,
}

fn events(conn: &mut sanstls::Connection) -> Vec<String> {
    let mut v = Vec::new();
    while let Some(e) = conn.poll_event() {
        v.push(format!("{e:?}"));
    }
    v
}

fn mte(cc: &mut ClientConfig) {
    cc.encrypt_then_mac = false;
}

/// Drives a handshake of `suite` to the traffic phase (`etm` records or
/// MAC-then-encrypt), sends the server the record `case` crafts, and
/// observes. Checks first that the record is of the case's kind.
fn run(pki: &Pki, suite: &'static SupportedSuite, etm: bool, case: &Case) -> Observed {
    let (name, kind, craft) = case;
    let edit: fn(&mut ClientConfig) = if etm { |_| {} } else { mte };
    let mut s = Scene::for_point_with(pki, Point::TrafficToServer, suite, edit);
    events(&mut s.p.server);
    events(&mut s.p.client);

    let mut m = s.attacker(true);
    assert_eq!(
        m.etm,
        etm,
        "{}: the server agreed to encrypt-then-MAC",
        suite.name()
    );
    craft(&mut m);
    let recs = split(&m.wire);
    assert_eq!(recs.len(), 1, "{name}");
    let opened = m.keys().cbc().open(1, APPDATA, &recs[0].1);
    // Encrypt-then-MAC checks the MAC first, MAC-then-encrypt the padding.
    let is = match opened {
        None => Kind::BadLength,
        Some(o) if etm && !o.mac_ok => Kind::WrongMac,
        Some(o) if !o.padding_ok => Kind::BadPadding,
        Some(o) if !o.mac_ok => Kind::WrongMac,
        Some(_) => Kind::Valid,
    };
    assert_eq!(
        is,
        *kind,
        "{name} [{}]: the record is not what it claims",
        suite.name()
    );
    s.release(m);

    let server_result = s.deliver_to_server();
    let server_data = core::mem::take(&mut s.p.server_data);
    let server_events = events(&mut s.p.server);
    let mut out = Vec::new();
    s.p.server.poll_output(&mut out);
    let server_keys = s.attacker(false).keys();
    let server_sent = split(&out)
        .iter()
        .enumerate()
        .map(|(i, (typ, fragment))| SentRecord {
            header: record(*typ, fragment)[..5].to_vec(),
            opened: server_keys.cbc().open(1 + i as u64, *typ, fragment),
        })
        .collect();
    s.p.to_client = out;
    let client_result = s.deliver_to_client();
    let client_events = events(&mut s.p.client);
    let mut client_sent = Vec::new();
    s.p.client.poll_output(&mut client_sent);
    Observed {
        server_result,
        server_data,
        server_events,
        server_sent,
        client_result,
        client_events,
        client_sent,
    }
}

/// Runs `reference` and every case of `bad` for each suite, and asserts
/// they all look like the reference, which is the server's bad_record_mac
/// alert and nothing else.
fn all_look_like(etm: bool, reference: &Case, bad: &[Case]) {
    let mut differ = Vec::new();
    for suite in SUITES {
        let pki = Pki::new(KeyType::P256);
        let expected = run(&pki, suite, etm, reference);
        assert_eq!(expected.server_result, Err(Error::BadRecordMac));
        assert!(expected.server_data.is_empty());
        let [alert] = &expected.server_sent[..] else {
            panic!("one record from the server: {expected:?}");
        };
        let opened = alert.opened.as_ref().expect("the alert record opens");
        assert!(opened.padding_ok && opened.mac_ok, "{opened:?}");
        assert_eq!(alert.header[..3], [ALERT, 3, 3]);
        assert_eq!(
            opened.plaintext,
            [2, AlertDescription::BAD_RECORD_MAC.0],
            "a fatal bad_record_mac"
        );
        assert_eq!(
            expected.client_result,
            Err(Error::AlertReceived(AlertDescription::BAD_RECORD_MAC))
        );
        assert!(expected.client_sent.is_empty());
        for case in bad {
            let got = run(&pki, suite, etm, case);
            println!(
                "{:<40} {:<62} {:?}",
                suite.name(),
                case.0,
                got.server_result
            );
            if got != expected {
                differ.push(format!("{} [{}]: {got:?}", case.0, suite.name()));
            }
        }
        println!("reference: {expected:?}");
    }
    assert!(
        differ.is_empty(),
        "unlike {}:\n{}",
        reference.0,
        differ.join("\n")
    );
}

/// The controls: valid records, the longest padding included, crafted the
/// same way, are accepted and their data delivered, with nothing sent
/// back. So the crafting is right but for each case's edit.
#[test]
fn valid_records_are_accepted() {
    for etm in [false, true] {
        for suite in SUITES {
            let pki = Pki::new(KeyType::P256);
            for case in VALID {
                let got = run(&pki, suite, etm, case);
                let what = format!("{} [{} etm {etm}]", case.0, suite.name());
                assert_eq!(got.server_result, Ok(()), "{what}");
                assert!(!got.server_data.is_empty(), "{what}");
                assert!(got.server_sent.is_empty(), "{what}");
                assert_eq!(got.client_result, Ok(()), "{what}");
            }
        }
    }
}

#[test]
fn mac_then_encrypt_bad_padding_looks_like_a_bad_mac() {
    all_look_like(false, &MTE_WRONG_MAC, MTE_BAD);
}

#[test]
fn encrypt_then_mac_tampering_looks_like_a_bad_mac() {
    all_look_like(true, &ETM_WRONG_MAC, ETM_BAD);
}
