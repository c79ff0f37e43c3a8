//! The main comparisons, sanstls beside two anchors, interleaved round by
//! round: rustls's usual buffered API, and rustls's unbuffered API
//! (`rustls::unbuffered`), the closer match to a sans-I/O design.
//!
//! - a full handshake pair, ECDSA P-256, X25519, AES-128-GCM, no chain
//!   verification (the handshake signature is still verified on both
//!   sides);
//! - resumed handshake pairs, by session ID and by ticket;
//! - 16 KiB records client → server, AES-128-GCM and ChaCha20-Poly1305,
//!   encrypted, decrypted and read out into the caller's buffer on every
//!   side (sanstls `send`, rustls `write_tls`/`read_tls`/`read_exact`,
//!   rustls unbuffered `encrypt`/`process_tls_records`/`next_record`), and
//!   sanstls `seal_in_place` as a separate zero-copy row.
//!
//! `cargo bench --bench side_by_side`; `ROUNDS=n` (default 41) and
//! `PER_ROUND=n` (default 100) to lengthen. `PER_ROUND` is the number of
//! full handshake pairs each contender does per round; the cheaper items
//! scale from it so each takes a similar time: 12 × resumed pairs, 40 ×
//! AES-GCM records, 12 × ChaCha20 records.
//!
//! Each round times the same work for every contender of a comparison, in
//! an order that rotates from round to round (after one untimed warm-up
//! round). The figure is the per-round ratio of an anchor's time to the
//! contender's (above 1: the contender is faster), with its median, IQR and
//! min–max over the rounds, so a slow moment of the shared machine lands on
//! one round rather than on one contender.
//!
//! The bulk rows copy 16 KiB at a time, and glibc's `memcpy` takes
//! `rep movsb` for that size on CPUs that advertise fast string moves. On
//! this AMD EPYC (glibc 2.36) `rep movsb` is some 30 times slower when the
//! destination lies a few bytes past the source's alignment, as a record's
//! payload does (13 bytes into the wire for AES-GCM, 5 for ChaCha20)
//! when the plaintext it is copied from starts aligned, so a figure depends
//! on where the buffers lie. Two things keep that visible and out of the
//! way: every buffer the bench owns (the plaintext to send, the wire, the
//! buffer read out into, the zero-copy record) starts at the same page
//! offset (`BUF_OFFSET`, default 0) for every contender; and the bulk rows
//! run twice, once as the machine's libc behaves and once in a re-executed
//! copy of the bench with `rep movsb` kept off
//! (`GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=…`), each row saying
//! which. The libraries' own buffers cannot be placed, so the first set
//! can still move from run to run; the second does not.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use rustls::client::Resumption;
use sanstls::enums::NamedGroup;

const RECORD: usize = 16 * 1024;

/// Marks the re-executed copy of the bench that runs the bulk rows with
/// `rep movsb` off.
const CHILD: &str = "SIDE_BY_SIDE_NO_REP_MOVSB";

/// Keeps glibc's `memcpy` off `rep movsb` for any size a bench copies.
const NO_REP_MOVSB: &str = "glibc.cpu.x86_rep_movsb_threshold=1000000000";

/// The page offset of a buffer's first byte.
fn page_offset(buf: &[u8]) -> usize {
    buf.as_ptr() as usize % 4096
}

/// A zeroed buffer of `len` bytes (capacity `capacity`) whose first byte
/// lies `offset` bytes into a page, so that every contender's buffers sit
/// alike. Allocates until the allocator hands one out there (it moves by
/// a multiple of 16 each time), then frees the misses.
fn placed(len: usize, capacity: usize, offset: usize) -> Vec<u8> {
    let mut misses = Vec::new();
    for _ in 0..4096 {
        let mut v = Vec::with_capacity(capacity);
        if page_offset(&v) == offset {
            v.resize(len, 0);
            return v;
        }
        misses.push(v);
    }
    panic!(
        "no {capacity}-byte buffer at page offset {offset} (BUF_OFFSET must be a multiple of 16)"
    );
}

/// One contender: its name, whether the others are measured against it,
/// and one unit of its work (a handshake pair, or a record).
struct Contender<'a> {
    name: &'static str,
    anchor: bool,
    run: Box<dyn FnMut() + 'a>,
}

/// The three handshake contenders: sanstls and the two rustls anchors.
fn handshake_contenders<'a>(
    sanstls: impl FnMut() + 'a,
    rustls_buffered: impl FnMut() + 'a,
    rustls_unbuffered: impl FnMut() + 'a,
) -> [Contender<'a>; 3] {
    [
        Contender {
            name: "sanstls",
            anchor: false,
            run: Box::new(sanstls),
        },
        Contender {
            name: "rustls buffered",
            anchor: true,
            run: Box::new(rustls_buffered),
        },
        Contender {
            name: "rustls unbuffered",
            anchor: true,
            run: Box::new(rustls_unbuffered),
        },
    ]
}

/// What one unit of work is, for the figures printed beside the ratios.
#[derive(Clone, Copy)]
enum Unit {
    Handshake,
    Record,
}

/// Times `count` units of each contender per round, over `rounds` rounds
/// in rotating order, and prints one table row per contender.
fn compare(title: &str, unit: Unit, count: usize, rounds: usize, contenders: &mut [Contender]) {
    let n = contenders.len();
    let mut secs = vec![Vec::with_capacity(rounds); n];
    // Round 0 is the warm-up, not recorded.
    for round in 0..=rounds {
        let mut took = vec![0.0; n];
        for k in 0..n {
            let who = (round + k) % n;
            let run = &mut contenders[who].run;
            let t = Instant::now();
            for _ in 0..count {
                run();
            }
            took[who] = t.elapsed().as_secs_f64() / count as f64;
        }
        if round > 0 {
            for who in 0..n {
                secs[who].push(took[who]);
            }
        }
    }
    let anchors: Vec<usize> = (0..n).filter(|&a| contenders[a].anchor).collect();
    for (who, c) in contenders.iter().enumerate() {
        let median = Spread::of(&secs[who]).median;
        let figure = match unit {
            Unit::Handshake => format!("{:.2} µs", median * 1e6),
            Unit::Record => format!("{:.2} GiB/s", RECORD as f64 / median / (1u64 << 30) as f64),
        };
        let mut row = format!("| {title} | {} | {figure} |", c.name);
        for &a in &anchors {
            if a == who {
                row.push_str(" — |");
            } else {
                let ratios: Vec<f64> = (0..rounds).map(|r| secs[a][r] / secs[who][r]).collect();
                row.push_str(&format!(" {} |", Spread::of(&ratios)));
            }
        }
        println!("{row}");
    }
}

/// The CPU model, from /proc/cpuinfo.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn handshakes(pki: &Pki, case: Case, rounds: usize, per_round: usize) {
    // Full handshakes: no session stored, none offered.
    let (mut sc, ss) = sanstls_configs(pki, case);
    sc.session_store = None;
    let (sc, ss) = (Arc::new(sc), Arc::new(ss));
    let (mut rc, rs) = rustls_configs(pki, case);
    rc.resumption = Resumption::disabled();
    let (rc, rs) = (Arc::new(rc), Arc::new(rs));
    let (mut wire, mut rwire, mut inboxes) = (Vec::new(), Vec::new(), Default::default());
    compare(
        "full handshake",
        Unit::Handshake,
        per_round,
        rounds,
        &mut handshake_contenders(
            || drop(sanstls_handshake(&sc, &ss, &mut wire)),
            || drop(rustls_handshake(&rc, &rs, &mut rwire)),
            || drop(rustls_unbuffered_handshake(&rc, &rs, &mut inboxes)),
        ),
    );

    for by_ticket in [false, true] {
        let title = if by_ticket {
            "resumed, ticket"
        } else {
            "resumed, session ID"
        };
        // Each contender its own configs, so each store holds its own
        // session; one full handshake each puts it there.
        let (sc, ss) = sanstls_resumption_configs(pki, case, by_ticket);
        let (rc, rs) = rustls_resumption_configs(pki, case, by_ticket);
        let (uc, us) = rustls_resumption_configs(pki, case, by_ticket);
        let (mut wire, mut rwire, mut inboxes) = (Vec::new(), Vec::new(), Default::default());
        drop(sanstls_handshake(&sc, &ss, &mut wire));
        drop(rustls_handshake(&rc, &rs, &mut rwire));
        drop(rustls_unbuffered_handshake(&uc, &us, &mut inboxes));
        compare(
            title,
            Unit::Handshake,
            12 * per_round,
            rounds,
            &mut handshake_contenders(
                || drop(sanstls_handshake(&sc, &ss, &mut wire)),
                || drop(rustls_handshake(&rc, &rs, &mut rwire)),
                || drop(rustls_unbuffered_handshake(&uc, &us, &mut inboxes)),
            ),
        );
    }
}

fn bulk(pki: &Pki, title: &str, case: Case, count: usize, rounds: usize, offset: usize) {
    let mut data = placed(RECORD, RECORD, offset);
    data.fill(0x5a);
    let data = &data[..];
    let (sc, ss) = sanstls_configs(pki, case);
    let (sc, ss) = (Arc::new(sc), Arc::new(ss));
    let (rc, rs) = rustls_configs(pki, case);
    let (rc, rs) = (Arc::new(rc), Arc::new(rs));

    // sanstls `send`, read out like rustls's `read_exact`.
    let mut wire = placed(0, 2 * RECORD, offset);
    let (mut client, mut server) = sanstls_handshake(&sc, &ss, &mut wire);
    wire.clear();
    let mut plain = placed(RECORD, RECORD, offset);
    let send = Box::new(|| sanstls_transfer(&mut client, &mut server, data, &mut wire, &mut plain));

    // Zero-copy: the plaintext sits in the record buffer; sealed there,
    // decrypted there (where the next round seals it again), not read out.
    let mut wire2 = Vec::new();
    let (mut client2, mut server2) = sanstls_handshake(&sc, &ss, &mut wire2);
    let (prefix, suffix) = client2.in_place_layout().unwrap();
    let mut record = placed(prefix + RECORD + suffix, prefix + RECORD + suffix, offset);
    record.fill(0x5a);
    let in_place = Box::new(|| {
        let n = client2.seal_in_place(&mut record, RECORD).unwrap();
        let input = server2.handle_input(&mut record[..n]).unwrap();
        assert_eq!(input.data.map(|d| d.len()), Some(RECORD));
    });

    let mut rwire = placed(0, 2 * RECORD, offset);
    let (mut rclient, mut rserver) = rustls_handshake(&rc, &rs, &mut rwire);
    rwire.clear();
    let mut rplain = placed(RECORD, RECORD, offset);
    let buffered =
        Box::new(|| rustls_transfer(&mut rclient, &mut rserver, data, &mut rwire, &mut rplain));

    let mut inboxes = Default::default();
    let (mut uclient, mut userver) = rustls_unbuffered_handshake(&rc, &rs, &mut inboxes);
    let mut uwire = placed(RECORD + 256, RECORD + 256, offset);
    let mut uplain = placed(RECORD, RECORD, offset);
    let unbuffered = Box::new(|| {
        rustls_unbuffered_transfer(&mut uclient, &mut userver, data, &mut uwire, &mut uplain)
    });

    compare(
        title,
        Unit::Record,
        count,
        rounds,
        &mut [
            Contender {
                name: "sanstls `send`",
                anchor: false,
                run: send,
            },
            Contender {
                name: "sanstls `seal_in_place` (zero-copy)",
                anchor: false,
                run: in_place,
            },
            Contender {
                name: "rustls buffered",
                anchor: true,
                run: buffered,
            },
            Contender {
                name: "rustls unbuffered",
                anchor: true,
                run: unbuffered,
            },
        ],
    );
    // None of the buffers moved while the rounds ran.
    for buf in [&wire, &plain, &record, &rwire, &rplain, &uwire, &uplain] {
        assert_eq!(page_offset(buf), offset);
    }
}

/// Both AEADs' bulk rows, `note` added to each row's title.
fn bulk_rows(
    pki: &Pki,
    case: impl Fn(&'static str) -> Case,
    note: &str,
    rounds: usize,
    per_round: usize,
) {
    let offset = env_usize("BUF_OFFSET", 0);
    bulk(
        pki,
        &format!("16 KiB records, AES-128-GCM, {note}"),
        case("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        40 * per_round,
        rounds,
        offset,
    );
    bulk(
        pki,
        &format!("16 KiB records, ChaCha20-Poly1305, {note}"),
        case("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        12 * per_round,
        rounds,
        offset,
    );
}

/// Runs this bench again with `rep movsb` off, for the bulk rows only; its
/// rows follow on the same output.
fn bulk_without_rep_movsb() {
    let tunables = match std::env::var("GLIBC_TUNABLES") {
        Ok(t) if !t.is_empty() => format!("{t}:{NO_REP_MOVSB}"),
        _ => NO_REP_MOVSB.to_string(),
    };
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .env(CHILD, "1")
        .env("GLIBC_TUNABLES", tunables)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the run with `rep movsb` off failed: {status}"
    );
}

fn main() {
    let rounds = env_usize("ROUNDS", 41);
    let per_round = env_usize("PER_ROUND", 100);
    let pki = Pki::new(Key::EcdsaP256);
    let case = |suite| Case {
        suite,
        group: NamedGroup::X25519,
        verify_chain: false,
    };
    if std::env::var_os(CHILD).is_some() {
        // The re-executed copy: only the bulk rows, `rep movsb` off.
        bulk_rows(&pki, case, "`rep movsb` off", rounds, per_round);
        return;
    }

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{cores} cores, {}", cpu_model());
    println!("{rounds} rounds, PER_ROUND={per_round}");
    println!("load average before: {}", load());
    let offset = env_usize("BUF_OFFSET", 0);
    println!(
        "bulk: the plaintext, wire and read-out buffers of every contender start \
         {offset} bytes into a page (BUF_OFFSET); the libraries' own buffers lie where \
         their allocations fall"
    );
    println!(
        "bulk rows \"libc default\": glibc as it runs here (GLIBC_TUNABLES={}); \
         \"`rep movsb` off\": the same binary re-executed with GLIBC_TUNABLES={NO_REP_MOVSB}",
        std::env::var("GLIBC_TUNABLES").unwrap_or_else(|_| "unset".into())
    );
    println!(
        "the \"libc default\" rows also depend on where the libraries' own buffers fall, \
         which can change from run to run; the \"`rep movsb` off\" rows do not"
    );
    let started = Instant::now();

    println!();
    println!("| comparison | contender | median | speed-up over rustls buffered | over rustls unbuffered |");
    println!("|---|---|---|---|---|");
    handshakes(
        &pki,
        case("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        rounds,
        per_round,
    );
    bulk_rows(&pki, case, "libc default", rounds, per_round);
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    bulk_without_rep_movsb();
    println!();
    println!("load average after: {}", load());
    println!("took {:.0} s", started.elapsed().as_secs_f64());
}
