//! Replays every fuzz target's body (fuzz/src/bodies.rs) over its committed
//! seeds (fuzz/seeds/<target>/) and regressions (fuzz/regressions/<target>/)
//! on stable, so CI catches a regression without cargo-fuzz.
//!
//! Each target replays at most the first `SEED_CAP` seeds in file-name order
//! plus every regression; today that is every committed seed (4,098 inputs,
//! a few seconds in debug: the legacy modes' RSA and DH arithmetic is most
//! of it).
//!
//! `cargo test --test fuzz_corpus -- --ignored generate_seeds` rewrites the
//! seed directories from real in-memory handshakes.

#[path = "../fuzz/src/bodies.rs"]
mod bodies;

use std::path::{Path, PathBuf};

const SEED_CAP: usize = 1500;

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn replay(target: &str, body: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = files(&root.join("seeds").join(target));
    assert!(!seeds.is_empty(), "no seeds for {target}");
    let regressions = files(&root.join("regressions").join(target));
    for path in seeds.iter().take(SEED_CAP).chain(&regressions) {
        let data = std::fs::read(path).unwrap();
        let name = path.display().to_string();
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "{target}: {name} panicked");
    }
}

#[test]
fn record_layer() {
    replay("record_layer", bodies::record_layer);
}

#[test]
fn handshake_message() {
    replay("handshake_message", bodies::handshake_message);
}

#[test]
fn client() {
    replay("client", bodies::client);
}

#[test]
fn server() {
    replay("server", bodies::server);
}

#[test]
fn pair() {
    replay("pair", bodies::pair);
}

#[test]
#[ignore = "rewrites fuzz/seeds/"]
fn generate_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    bodies::generate_seeds(&root).unwrap();
}

/// The CBC modes' inputs alone, into a scratch directory (printed): how the
/// committed CBC seeds were made (then named by their SHA-1, as `cargo fuzz
/// cmin` names files, and copied into fuzz/seeds/).
#[test]
#[ignore = "writes a scratch directory"]
fn generate_cbc_seeds() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cbc_seeds");
    let _ = std::fs::remove_dir_all(&root);
    let modes: Vec<_> = bodies::CBC_SEED_MODES
        .iter()
        .map(|&(m, v)| bodies::Mode::with_cbc(m, v))
        .collect();
    bodies::generate_mode_seeds(&root, &modes, false).unwrap();
    println!("{}", root.display());
}

/// The renegotiating `pair` inputs alone, into a scratch directory
/// (printed): how the committed ones were made (then named by their SHA-1,
/// as for the CBC ones).
#[test]
#[ignore = "writes a scratch directory"]
fn generate_renegotiation_seeds() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("renegotiation_seeds");
    let _ = std::fs::remove_dir_all(&root);
    bodies::generate_renegotiation_seeds(&root).unwrap();
    println!("{}", root.display());
}
