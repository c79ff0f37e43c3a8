//! A plain loop for profilers (`perf record -e cpu-clock`, callgrind), not
//! a timing bench: N transfers of one 16 KiB record, client to server, in
//! one library, as `cbc_bulk` times them.
//!
//! `cargo bench --bench cbc_profile -- LIB CASE N [WHAT]` with LIB `sanstls`
//! or `openssl`, CASE one of `cbc_bulk`'s (`aes128_sha1_mte`,
//! `aes128_sha1_etm`, `aes256_sha256_mte`, `aes256_sha256_etm`,
//! `aes128_gcm`), WHAT `both` (seal and open, the default) or `seal` (the
//! client's half alone); with no arguments it runs every combination once
//! (a smoke test). For example: `perf record -e cpu-clock -g
//! target/release/deps/cbc_profile-* openssl aes128_sha1_mte 20000`.

mod common;

use common::records::*;
use common::*;

fn run(lib: &str, case: Case, n: usize, seal_only: bool) {
    let pki = Pki::new();
    let data = vec![0x5a; RECORD];
    let mut wire = Vec::with_capacity(2 * RECORD);
    match lib {
        "sanstls" => {
            let (mut client, mut server) = sanstls_pair_for(&pki, case.spec).handshake(&mut wire);
            for _ in 0..n {
                if seal_only {
                    wire.clear();
                    client.send(&data, &mut wire).unwrap();
                } else {
                    sanstls_transfer(&mut client, &mut server, &data, &mut wire);
                }
            }
        }
        "openssl" => {
            let (mut client, mut server) = openssl_pair_for(&pki, case.spec).handshake();
            let mut plain = vec![0; RECORD];
            for _ in 0..n {
                if seal_only {
                    openssl_seal(&mut client, &data);
                } else {
                    openssl_transfer(&mut client, &mut server, &data, &mut plain);
                }
            }
        }
        _ => panic!("unknown LIB {lib}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let case = |s: &str| Case::parse(s).unwrap_or_else(|| panic!("unknown CASE {s}"));
    match args.as_slice() {
        [lib, c, n] => run(lib, case(c), n.parse().unwrap(), false),
        [lib, c, n, what] => run(lib, case(c), n.parse().unwrap(), what == "seal"),
        _ => {
            for lib in ["sanstls", "openssl"] {
                for c in CASES {
                    run(lib, c, 1, false);
                    run(lib, c, 1, true);
                }
            }
        }
    }
}
