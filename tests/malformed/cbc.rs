//! Rows for CBC records (RFC 5246 §6.2.3.2; RFC 7366 for encrypt-then-MAC),
//! crafted by the attacker with the tests' own CBC code (tests/common/
//! tls12.rs) after the handshake: records too short or not whole blocks,
//! every kind of bad padding, wrong MACs, and the encrypt-then-MAC MAC over a
//! tampered IV, ciphertext or MAC. Each row runs with MAC-then-encrypt
//! ("CBC MtE", the client does not offer encrypt_then_mac) or
//! encrypt-then-MAC ("CBC EtM", both sides' default), for the CBC suites
//! only. Every failure is bad_record_mac, whatever its cause (RFC 5246
//! §6.2.3.2: padding and MAC errors must not be told apart); a few controls
//! (the longest padding, a padding longer than needed) must be accepted, so
//! the crafted records are known to be right but for the edit.
//!
//! Most rows send to the server (the client's next sequence number is 1);
//! the "to the client" rows check the client's record layer the same way.
//! Three rows come first that edit the encrypt_then_mac extension itself
//! (RFC 7366 §2: empty, and only in answer to the client's).

use super::*;
use common::tls12::{padding, CbcRecord};

pub(super) fn is_cbc(s: &SupportedSuite) -> bool {
    s.protection.is_cbc()
}

/// The client does not offer encrypt_then_mac: MAC-then-encrypt records.
fn mte(cc: &mut ClientConfig) {
    cc.encrypt_then_mac = false;
}

/// The client offers encrypt_then_mac (the default, set again over a
/// table pass that turned it off) and the server agrees.
fn etm(cc: &mut ClientConfig) {
    cc.encrypt_then_mac = true;
}

fn bad_record_mac() -> Outcome {
    fails(Error::BadRecordMac, A::BAD_RECORD_MAC)
}

/// A row for CBC suites with MAC-then-encrypt records (its name starts
/// with "CBC MtE").
fn mte_row(name: &'static str, at: Point, f: impl Fn(&mut Mitm) + 'static, o: Outcome) -> Row {
    row(name, at, f, o).only(is_cbc).with_client(mte)
}

/// A row for CBC suites with encrypt-then-MAC records ("CBC EtM").
fn etm_row(name: &'static str, at: Point, f: impl Fn(&mut Mitm) + 'static, o: Outcome) -> Row {
    row(
        name,
        at,
        move |m| {
            assert!(m.etm, "the server agreed to encrypt-then-MAC");
            f(m)
        },
        o,
    )
    .only(is_cbc)
    .with_client(etm)
}

/// Appends application data `hello` in a CBC record with the next sequence
/// number (1), its parts edited by `edit` before encryption.
fn push(m: &mut Mitm, edit: impl FnOnce(&mut CbcRecord)) {
    m.push_cbc(1, APPDATA, b"hello", edit);
}

/// As [`push`], then the sealed fragment (IV, ciphertext, any EtM MAC)
/// edited by `f`; the header's length follows.
fn push_then(m: &mut Mitm, edit: impl FnOnce(&mut CbcRecord), f: impl FnOnce(&mut Vec<u8>)) {
    push(m, edit);
    edit_records(&mut m.wire, |r| f(&mut r.last_mut().unwrap().1));
}

/// A record of `len` bytes of 0x42 where the next CBC record goes.
fn raw(m: &mut Mitm, len: usize) {
    m.wire.extend_from_slice(&record(APPDATA, &vec![0x42; len]));
}

/// Padding one block longer than the shortest, so its first byte, its
/// last-but-one and its length byte are three different bytes.
fn one_block_more(r: &mut CbcRecord) {
    r.padding = padding(r.padding.len() as u8 - 1 + 16);
}

/// Appends application data in a CBC record with the next sequence number
/// and 256 bytes of padding (length byte 255, the most), the plaintext as
/// long as it takes to keep the record whole blocks; its MAC (MtE) edited
/// by `mac`.
fn push_longest_padding(m: &mut Mitm, mac: fn(&mut [u8])) {
    let inner_mac = if m.etm { 0 } else { m.keys().cbc().mac_len() };
    let plaintext = vec![b'x'; 16 - inner_mac % 16];
    m.push_cbc(1, APPDATA, &plaintext, |r| {
        r.padding = padding(255);
        mac(&mut r.mac);
        assert_eq!((r.plaintext.len() + r.mac.len() + r.padding.len()) % 16, 0);
    });
}

fn flip_first(b: &mut [u8]) {
    b[0] ^= 1;
}

fn flip_last(b: &mut [u8]) {
    let n = b.len();
    b[n - 1] ^= 1;
}

/// Replaces the encrypt_then_mac extension of a ClientHello with one that
/// has a body.
fn ch_etm_with_body(ch: &mut EditClientHello<'_>) {
    for e in &mut ch.extensions {
        if e.ext_type() == ExtensionType::ENCRYPT_THEN_MAC {
            *e = ClientExtension::Unknown {
                typ: ExtensionType::ENCRYPT_THEN_MAC,
                data: &[0],
            };
        }
    }
}

pub(super) fn cbc_rows() -> Vec<Row> {
    use Point::*;
    vec![
        // ---- encrypt_then_mac (RFC 7366 §2): an empty extension ----
        client_hello_edit(
            "CH encrypt_then_mac with a body (CBC)",
            ch_etm_with_body,
            decode_error("ENCRYPT_THEN_MAC", K::TrailingData),
        )
        .only(is_cbc)
        .with_client(etm),
        row(
            "SH encrypt_then_mac with a body (CBC)",
            ServerFlight,
            |m| {
                edit_server_hello(&mut m.wire, |sh| {
                    for e in &mut sh.extensions {
                        if e.ext_type() == ExtensionType::ENCRYPT_THEN_MAC {
                            *e = ServerExtension::Unknown {
                                typ: ExtensionType::ENCRYPT_THEN_MAC,
                                data: &[0],
                            };
                        }
                    }
                })
            },
            decode_error("ENCRYPT_THEN_MAC", K::TrailingData),
        )
        .only(is_cbc)
        .with_client(etm),
        row(
            "SH encrypt_then_mac the client did not offer (CBC MtE)",
            ServerFlight,
            |m| {
                edit_server_hello(&mut m.wire, |sh| {
                    sh.extensions.push(ServerExtension::EncryptThenMac);
                })
            },
            fails(Error::UnsolicitedExtension, A::UNSUPPORTED_EXTENSION),
        )
        .only(is_cbc)
        .with_client(mte),
        // ---- lengths, MAC-then-encrypt ----
        mte_row(
            "CBC MtE: empty fragment",
            TrafficToServer,
            |m| raw(m, 0),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: fragment of the IV alone",
            TrafficToServer,
            |m| raw(m, 16),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: IV and 15 bytes (less than one block)",
            TrafficToServer,
            |m| raw(m, 31),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: IV and one block (too short for MAC and padding)",
            TrafficToServer,
            |m| raw(m, 32),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: not whole blocks (last byte cut)",
            TrafficToServer,
            |m| {
                push_then(
                    m,
                    |_| {},
                    |f| {
                        f.pop();
                    },
                )
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: not whole blocks (one byte appended)",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| f.push(0)),
            bad_record_mac(),
        ),
        // ---- padding, MAC-then-encrypt ----
        mte_row(
            "CBC MtE: padding one block longer than needed (accepted)",
            TrafficToServer,
            |m| push(m, one_block_more),
            Outcome::Completes,
        ),
        mte_row(
            "CBC MtE: longest padding, 256 bytes (accepted)",
            TrafficToServer,
            |m| push_longest_padding(m, |_| {}),
            Outcome::Completes,
        ),
        mte_row(
            "CBC MtE: longest padding, MAC wrong",
            TrafficToServer,
            |m| push_longest_padding(m, flip_last),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: first padding byte wrong",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    one_block_more(r);
                    flip_first(&mut r.padding);
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding byte before the length byte wrong",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    one_block_more(r);
                    let n = r.padding.len();
                    r.padding[n - 2] ^= 1;
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding bytes random, length byte right (SSL 3.0)",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    one_block_more(r);
                    let n = r.padding.len();
                    for (i, b) in r.padding[..n - 1].iter_mut().enumerate() {
                        *b = 0x80 | i as u8;
                    }
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding length byte one more than the padding",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    one_block_more(r);
                    *r.padding.last_mut().unwrap() += 1;
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding length byte 255, past the record",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    let n = r.padding.len();
                    r.padding = vec![255; n];
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding over the MAC (every byte the length byte)",
            TrafficToServer,
            |m| {
                // Plaintext empty, MAC and padding all bytes of value
                // n = L - MAC length: n + 1 bytes of padding are there, but
                // leave one byte too few for the MAC.
                push(m, |r| {
                    r.plaintext.clear();
                    let len = (r.mac.len() + 1).div_ceil(16) * 16;
                    let n = (len - r.mac.len()) as u8;
                    r.mac = vec![n; r.mac.len()];
                    r.padding = vec![n; len - r.mac.len()];
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: padding is the whole record (no room for a MAC)",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    r.plaintext.clear();
                    let len = (r.mac.len() + 1).div_ceil(16) * 16;
                    r.mac.clear();
                    r.padding = padding((len - 1) as u8);
                })
            },
            bad_record_mac(),
        ),
        // ---- MAC, MAC-then-encrypt ----
        mte_row(
            "CBC MtE: padding right, MAC wrong",
            TrafficToServer,
            |m| push(m, |r| flip_last(&mut r.mac)),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: MAC of another plaintext",
            TrafficToServer,
            |m| push(m, |r| r.plaintext[0] ^= 1),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: MAC for sequence number 2 (record 1)",
            TrafficToServer,
            |m| {
                let mac = m.keys().cbc().mac(2, APPDATA, b"hello");
                push(m, |r| r.mac = mac);
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: MAC for content type handshake",
            TrafficToServer,
            |m| {
                let mac = m.keys().cbc().mac(1, HANDSHAKE, b"hello");
                push(m, |r| r.mac = mac);
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: tampered IV",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| flip_first(f)),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: tampered last ciphertext block",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| flip_last(f)),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE: an encrypt-then-MAC record",
            TrafficToServer,
            |m| {
                m.etm = true;
                push(m, |_| {});
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE to the client: padding length byte 255",
            TrafficToClient,
            |m| {
                push(m, |r| {
                    let n = r.padding.len();
                    r.padding = vec![255; n];
                })
            },
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE to the client: padding right, MAC wrong",
            TrafficToClient,
            |m| push(m, |r| flip_last(&mut r.mac)),
            bad_record_mac(),
        ),
        mte_row(
            "CBC MtE to the client: longest padding (accepted)",
            TrafficToClient,
            |m| push_longest_padding(m, |_| {}),
            Outcome::Completes,
        ),
        // ---- encrypt-then-MAC: the MAC covers IV and ciphertext ----
        etm_row(
            "CBC EtM: fragment shorter than the MAC",
            TrafficToServer,
            |m| {
                let n = m.keys().cbc().mac_len();
                raw(m, n - 1);
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: IV and MAC, no ciphertext, MAC right",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    r.plaintext.clear();
                    r.padding.clear();
                })
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: not whole blocks, MAC right",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    r.padding.pop();
                })
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: MAC over a tampered IV",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| flip_first(f)),
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: tampered ciphertext",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| f[16] ^= 1),
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: tampered MAC",
            TrafficToServer,
            |m| push_then(m, |_| {}, |f| flip_last(f)),
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: MAC over the ciphertext without the IV",
            TrafficToServer,
            |m| {
                let keys = m.keys();
                push_then(
                    m,
                    |_| {},
                    |f| {
                        let n = f.len() - keys.cbc().mac_len();
                        let mac = keys.cbc().mac(1, APPDATA, &f[16..n]);
                        f.splice(n.., mac);
                    },
                )
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: a MAC-then-encrypt record",
            TrafficToServer,
            |m| {
                m.etm = false;
                push(m, |_| {});
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: MAC right, first padding byte wrong",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    one_block_more(r);
                    flip_first(&mut r.padding);
                })
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: MAC right, padding length byte 255, past the record",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    let n = r.padding.len();
                    r.padding = vec![255; n];
                })
            },
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM: longest padding, 256 bytes (accepted)",
            TrafficToServer,
            |m| push_longest_padding(m, |_| {}),
            Outcome::Completes,
        ),
        etm_row(
            "CBC EtM: padding is all the ciphertext (empty data, accepted)",
            TrafficToServer,
            |m| {
                push(m, |r| {
                    r.plaintext.clear();
                    r.padding = padding(15);
                })
            },
            Outcome::Completes,
        ),
        etm_row(
            "CBC EtM to the client: MAC over a tampered IV",
            TrafficToClient,
            |m| push_then(m, |_| {}, |f| flip_first(f)),
            bad_record_mac(),
        ),
        etm_row(
            "CBC EtM to the client: MAC right, padding length byte 255",
            TrafficToClient,
            |m| {
                push(m, |r| {
                    let n = r.padding.len();
                    r.padding = vec![255; n];
                })
            },
            bad_record_mac(),
        ),
    ]
}
