//! A plain loop for profilers (callgrind, perf), not a timing bench: runs N
//! handshakes (or bulk records) of one library so its instruction counts can
//! be compared with the other's.
//!
//! `cargo bench --bench profile -- LIB WHAT N` with LIB `sanstls`|`rustls`
//! (or the bounds: `asym`, the public-key operations; `crypto`, all the
//! handshake's cryptography),
//! WHAT `full`|`full-noverify`|`resume-id`|`resume-ticket`; with no
//! arguments it runs every combination a few times (a smoke test).
//! Under valgrind: `valgrind --tool=callgrind target/release/deps/profile-* sanstls full 50`.

mod common;

use std::sync::Arc;

use common::*;
use sanstls::enums::NamedGroup;

/// N records of 16 KiB client → server (WHAT = `bulk`).
fn bulk(lib: &str, n: usize) {
    let pki = Pki::new(Key::EcdsaP256);
    let case = Case {
        suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        group: NamedGroup::X25519,
        verify_chain: false,
    };
    let data = vec![0x5a; 16 * 1024];
    let mut plain = vec![0u8; data.len()];
    let mut wire = Vec::with_capacity(40 * 1024);
    match lib {
        "sanstls" => {
            let (c, s) = sanstls_configs(&pki, case);
            let (mut client, mut server) = sanstls_handshake(&Arc::new(c), &Arc::new(s), &mut wire);
            for _ in 0..n {
                sanstls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain);
            }
        }
        "sanstls-in-place" => {
            let (c, s) = sanstls_configs(&pki, case);
            let (mut client, mut server) = sanstls_handshake(&Arc::new(c), &Arc::new(s), &mut wire);
            let (prefix, suffix) = client.in_place_layout().unwrap();
            let mut record = vec![0x5a; prefix + data.len() + suffix];
            for _ in 0..n {
                let len = client.seal_in_place(&mut record, data.len()).unwrap();
                let input = server.handle_input(&mut record[..len]).unwrap();
                assert_eq!(input.data.map(|d| d.len()), Some(data.len()));
            }
        }
        "rustls" => {
            let (c, s) = rustls_configs(&pki, case);
            let (mut client, mut server) = rustls_handshake(&Arc::new(c), &Arc::new(s), &mut wire);
            let mut plain = vec![0u8; data.len()];
            for _ in 0..n {
                rustls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain);
            }
        }
        _ => {
            use ring::aead::{LessSafeKey, UnboundKey, AES_128_GCM};
            let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[7; 16]).unwrap());
            let mut buf = data.clone();
            for seq in 0..n as u64 {
                ring_seal_open(&key, &mut buf, seq);
            }
        }
    }
}

fn run(lib: &str, what: &str, n: usize) {
    if what == "bulk" {
        return bulk(lib, n);
    }
    let pki = Pki::new(Key::EcdsaP256);
    let case = Case {
        suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        group: NamedGroup::X25519,
        verify_chain: what != "full-noverify",
    };
    let resume = what.starts_with("resume");
    let tickets = what == "resume-ticket";
    let mut wire = Vec::new();
    let sanstls = || {
        let (mut c, mut s) = sanstls_configs(&pki, case);
        c.enable_tickets = tickets;
        if !resume {
            c.session_store = None;
        }
        if !tickets {
            s.ticketer = None;
        }
        (Arc::new(c), Arc::new(s))
    };
    match lib {
        "sanstls" => {
            let (c, s) = sanstls();
            sanstls_handshake(&c, &s, &mut wire);
            for _ in 0..n {
                let (conn, _) = sanstls_handshake(&c, &s, &mut wire);
                assert_eq!(conn.negotiated().unwrap().resumed, resume);
            }
        }
        "rustls" => {
            use rustls::client::{Resumption, Tls12Resumption};
            let (mut c, mut s) = rustls_configs(&pki, case);
            c.resumption = if !resume {
                Resumption::disabled()
            } else if tickets {
                Resumption::in_memory_sessions(256)
                    .tls12_resumption(Tls12Resumption::SessionIdOrTickets)
            } else {
                Resumption::in_memory_sessions(256).tls12_resumption(Tls12Resumption::SessionIdOnly)
            };
            if !tickets {
                s.ticketer = Arc::new(NoTickets);
            }
            let (c, s) = (Arc::new(c), Arc::new(s));
            rustls_handshake(&c, &s, &mut wire);
            for _ in 0..n {
                let (conn, _) = rustls_handshake(&c, &s, &mut wire);
                let kind = conn.handshake_kind();
                assert_eq!(kind == Some(rustls::HandshakeKind::Resumed), resume);
            }
        }
        // The bounds of benches/common/bound.rs: "asym" the public-key
        // operations only, "crypto" all the cryptography of the handshake.
        "asym" => {
            let key = CryptoOnly::new(&pki);
            for _ in 0..n {
                key.run();
            }
        }
        "crypto" => {
            let (c, s) = sanstls();
            sanstls_handshake(&c, &s, &mut wire);
            let symmetric = SymmetricCrypto::new(&handshake_messages(&c, &s), !resume, tickets);
            let key = CryptoOnly::new(&pki);
            for _ in 0..n {
                if !resume {
                    key.run();
                }
                symmetric.run();
            }
        }
        other => panic!("unknown library {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [lib, what, n] => run(lib, what, n.parse().expect("N")),
        _ => {
            for lib in ["sanstls", "rustls"] {
                for what in ["full", "full-noverify", "resume-id", "resume-ticket"] {
                    run(lib, what, 2);
                }
            }
        }
    }
}
