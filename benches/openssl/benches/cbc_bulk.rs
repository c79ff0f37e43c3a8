//! The CBC suites' records beside OpenSSL 3's, in one run: 16 KiB of
//! application data written by the client and read by the server of an
//! established connection, one full record, both sides' work counted (seal
//! and open), in sanstls and in OpenSSL; for AES-128-CBC-HMAC-SHA1 and
//! AES-256-CBC-HMAC-SHA256, each MAC-then-encrypt and encrypt-then-MAC; and
//! AES-128-GCM as the anchor. Then each side's half alone (seal, open), to
//! show where the time goes. At the end, a table of medians in MB/s and of
//! the ratios, read back from criterion's estimates of this run.
//!
//! `cd benches/openssl && cargo bench --bench cbc_bulk`

mod common;

use std::path::PathBuf;
use std::time::SystemTime;

use common::records::*;
use common::*;
use criterion::{criterion_group, BatchSize, Criterion, Throughput};

/// Records sealed ahead for each timed batch of opens: 16 of them (264 KB)
/// stay in this machine's L2 cache (1 MiB per core), and a batch's two
/// clock reads (system calls, for the thread CPU clock) are spread over 16
/// records.
const OPEN_BATCH: u64 = 16;

/// Which of OpenSSL's stitched ("AES-CBC-HMAC-SHA") ciphers its default
/// provider offers on this CPU: it registers them only when the CPU has
/// what their assembly needs (AES-NI, and SSSE3, AVX or SHA extensions).
fn stitched_ciphers() -> String {
    ["AES-128-CBC-HMAC-SHA1", "AES-256-CBC-HMAC-SHA256"]
        .map(|name| {
            let ok = openssl::cipher::Cipher::fetch(None, name, None).is_ok();
            format!("{name}: {}", if ok { "available" } else { "absent" })
        })
        .join(", ")
}

/// Seal + open, per case: sanstls with `send` and with `seal_in_place`,
/// OpenSSL with `SSL_write` and `SSL_read`, one after the other.
fn bulk(c: &mut Criterion<CpuTime>) {
    let pki = Pki::new();
    println!("OpenSSL: {}", openssl::version::version());
    println!("OpenSSL stitched ciphers: {}", stitched_ciphers());
    let data = vec![0x5a; RECORD];
    let mut wire = Vec::with_capacity(2 * RECORD);
    let mut plain = vec![0; RECORD];
    let mut g = c.benchmark_group("cbc_bulk_16k");
    g.throughput(Throughput::Bytes(RECORD as u64));
    for case in CASES {
        println!("{}: {}", case.label, cross_check(&pki, case.spec));
        let ours = sanstls_pair_for(&pki, case.spec);
        let (mut client, mut server) = ours.handshake(&mut wire);
        g.bench_function(format!("sanstls/{}", case.label), |b| {
            b.iter(|| sanstls_transfer(&mut client, &mut server, &data, &mut wire))
        });
        let mut record = in_place_buffer(&client, RECORD, 0x5a);
        g.bench_function(format!("sanstls_in_place/{}", case.label), |b| {
            b.iter(|| sanstls_in_place(&mut client, &mut server, &mut record, RECORD))
        });
        let theirs = openssl_pair_for(&pki, case.spec);
        let (mut client, mut server) = theirs.handshake();
        g.bench_function(format!("openssl/{}", case.label), |b| {
            b.iter(|| openssl_transfer(&mut client, &mut server, &data, &mut plain))
        });
    }
    g.finish();
}

/// Each half alone: the client's seal (the record thrown away), and the
/// server's open of records the client sealed just before, outside the
/// timing, [`OPEN_BATCH`] at a time.
fn split(c: &mut Criterion<CpuTime>) {
    let pki = Pki::new();
    let data = vec![0x5a; RECORD];
    let mut wire = Vec::with_capacity(2 * RECORD);
    let mut plain = vec![0; RECORD];
    let mut g = c.benchmark_group("cbc_split_16k");
    g.throughput(Throughput::Bytes(RECORD as u64));
    let batch = BatchSize::NumIterations(OPEN_BATCH);
    for case in CASES {
        let ours = sanstls_pair_for(&pki, case.spec);
        let (mut client, _) = ours.handshake(&mut wire);
        g.bench_function(format!("sanstls_seal/{}", case.label), |b| {
            b.iter(|| {
                wire.clear();
                client.send(&data, &mut wire).unwrap();
            })
        });
        // That client's records were thrown away: a new pair, in step.
        let (mut client, mut server) = ours.handshake(&mut wire);
        g.bench_function(format!("sanstls_open/{}", case.label), |b| {
            b.iter_batched_ref(
                || {
                    let mut rec = Vec::with_capacity(RECORD + 100);
                    client.send(&data, &mut rec).unwrap();
                    rec
                },
                |rec| {
                    let input = server.handle_input(rec).unwrap();
                    assert_eq!(input.data.map(|d| d.len()), Some(RECORD));
                },
                batch,
            )
        });

        let theirs = openssl_pair_for(&pki, case.spec);
        let (mut client, _) = theirs.handshake();
        g.bench_function(format!("openssl_seal/{}", case.label), |b| {
            b.iter(|| openssl_seal(&mut client, &data))
        });
        let (mut client, mut server) = theirs.handshake();
        g.bench_function(format!("openssl_open/{}", case.label), |b| {
            b.iter_batched(
                || openssl_sealed(&mut client, &data),
                |rec| assert_eq!(openssl_open(&mut server, rec, &mut plain), RECORD),
                batch,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bulk, split
}

fn main() {
    let started = SystemTime::now();
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary(started);
}

// ---------- the table ----------

/// Where criterion keeps its estimates: as criterion 0.5 finds it
/// (`CRITERION_HOME`, else the cargo target directory), the target
/// directory taken from this executable's path (`target/release/deps/`).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().nth(3).unwrap().to_path_buf()
        });
    target.join("criterion")
}

/// The median time of `group/id` in this run (its estimates written after
/// `since`), in nanoseconds.
fn median_ns(group: &str, id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(id.replace('/', "_"))
        .join("new/estimates.json");
    let written = std::fs::metadata(&path).ok()?.modified().ok()?;
    if written < since {
        return None; // an earlier run's, or filtered out of this one
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// MB/s (10^6 bytes per second of CPU time) for one record per `ns`.
fn mb_per_s(ns: f64) -> f64 {
    RECORD as f64 / ns * 1e3
}

fn cell(ns: Option<f64>) -> String {
    ns.map_or("—".into(), |ns| {
        format!("{:.0} MB/s ({:.2} µs)", mb_per_s(ns), ns / 1e3)
    })
}

fn ratio(ours: Option<f64>, theirs: Option<f64>) -> String {
    match (ours, theirs) {
        // Rates: sanstls's over OpenSSL's, the inverse of the times.
        (Some(o), Some(t)) => format!("{:.2}×", t / o),
        _ => "—".into(),
    }
}

/// The medians of this run as Markdown tables, for BENCHMARKS.md.
fn summary(since: SystemTime) {
    let bulk = |id: &str| median_ns("cbc_bulk_16k", id, since);
    let split = |id: &str| median_ns("cbc_split_16k", id, since);
    println!("\nseal + open, 16 KiB records, medians of CPU time (MB/s = 10^6 B/s):\n");
    println!("| case | sanstls `send` | sanstls `seal_in_place` | OpenSSL | ratio (`send`) | ratio (in place) |");
    println!("|---|---|---|---|---|---|");
    for case in CASES {
        let l = case.label;
        let (s, p, o) = (
            bulk(&format!("sanstls/{l}")),
            bulk(&format!("sanstls_in_place/{l}")),
            bulk(&format!("openssl/{l}")),
        );
        println!(
            "| {l} | {} | {} | {} | {} | {} |",
            cell(s),
            cell(p),
            cell(o),
            ratio(s, o),
            ratio(p, o)
        );
    }
    println!("\neach half alone:\n");
    println!(
        "| case | sanstls seal | OpenSSL seal | ratio | sanstls open | OpenSSL open | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    for case in CASES {
        let l = case.label;
        let get = |what: &str| split(&format!("{what}/{l}"));
        let (ss, os, so, oo) = (
            get("sanstls_seal"),
            get("openssl_seal"),
            get("sanstls_open"),
            get("openssl_open"),
        );
        println!(
            "| {l} | {} | {} | {} | {} | {} | {} |",
            cell(ss),
            cell(os),
            ratio(ss, os),
            cell(so),
            cell(oo),
            ratio(so, oo)
        );
    }
}
