//! Handshakes across threads: N worker threads, each running K client +
//! server handshakes in memory, all against one shared `ServerConfig` (its
//! session cache and ticketer) and one shared `ClientConfig` (its session
//! store), for sanstls and for rustls with the same certificates, suite and
//! group. The client half runs on the same thread as its server, so both
//! halves must scale.
//!
//! The speed-up at N threads is throughput(N) / throughput(1) of the same
//! library in the same round; rounds alternate which library goes first.
//! Figures: median of the per-round values, their IQR and range.
//!
//! On a machine shared with other work, threads wait for a core, and the
//! wall-clock speed-up says more about the load than about the library.
//! Beside it the bench prints the speed-up net of run-queue waits (Linux
//! schedstat): each thread's handshakes over its time running or blocked,
//! summed over the threads. Time blocked on a lock still counts, so shared
//! state that serializes the threads shows there; other processes' load
//! does not.
//!
//! `cargo bench --bench threads`
//!
//! - `THREADS=1,2,4`: thread counts (default `1,2`; the first is the base
//!   of the speed-up, so keep 1 there);
//! - `ROUNDS=n` (default 15), `FULL=k`, `RESUMED=k`: handshakes per thread
//!   per measurement (defaults 200 and 3000);
//! - `CASES=full,id,ticket`: which kinds to run (default all).

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use rustls::client::Resumption;
use sanstls::enums::NamedGroup;

const CASE: Case = Case {
    suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    group: NamedGroup::X25519,
    verify_chain: true,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Full,
    ById,
    ByTicket,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Full => "full",
            Kind::ById => "id",
            Kind::ByTicket => "ticket",
        }
    }
}

/// One library's shared configs for one kind of handshake.
enum Lib {
    Sanstls(Arc<sanstls::ClientConfig>, Arc<sanstls::ServerConfig>),
    Rustls(Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>),
}

impl Lib {
    fn name(&self) -> &'static str {
        match self {
            Lib::Sanstls(..) => "sanstls",
            Lib::Rustls(..) => "rustls",
        }
    }

    /// Both libraries for `kind`: full handshakes with the client's
    /// resumption off (the servers still cache each session, as a server
    /// does), or resumed ones from a session stored by one handshake now.
    fn both(pki: &Pki, kind: Kind) -> [Lib; 2] {
        let mut wire = Vec::new();
        match kind {
            Kind::Full => {
                let (mut sc, ss) = sanstls_configs(pki, CASE);
                sc.session_store = None;
                let (mut rc, rs) = rustls_configs(pki, CASE);
                rc.resumption = Resumption::disabled();
                [
                    Lib::Sanstls(Arc::new(sc), Arc::new(ss)),
                    Lib::Rustls(Arc::new(rc), Arc::new(rs)),
                ]
            }
            Kind::ById | Kind::ByTicket => {
                let by_ticket = kind == Kind::ByTicket;
                let (sc, ss) = sanstls_resumption_configs(pki, CASE, by_ticket);
                sanstls_handshake(&sc, &ss, &mut wire);
                let (rc, rs) = rustls_resumption_configs(pki, CASE, by_ticket);
                rustls_handshake(&rc, &rs, &mut wire);
                [Lib::Sanstls(sc, ss), Lib::Rustls(rc, rs)]
            }
        }
    }

    /// `count` handshakes on this thread; checks the kind of each.
    fn run(&self, kind: Kind, count: usize) {
        let mut wire = Vec::new();
        for _ in 0..count {
            match self {
                Lib::Sanstls(c, s) => {
                    let (c, _) = sanstls_handshake(c, s, &mut wire);
                    assert_eq!(c.negotiated().unwrap().resumed, kind != Kind::Full);
                }
                Lib::Rustls(c, s) => {
                    let (c, _) = rustls_handshake(c, s, &mut wire);
                    let resumed = c.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                    assert_eq!(resumed, kind != Kind::Full);
                }
            }
        }
    }

    /// `threads` threads, started together, run `count` handshakes each.
    fn measure(&self, kind: Kind, threads: usize, count: usize) -> Measured {
        let start = Barrier::new(threads + 1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        let (t0, wait0) = (Instant::now(), run_queue_wait());
                        self.run(kind, count);
                        let waited = run_queue_wait().saturating_sub(wait0);
                        // Off the run queue: running, or blocked (on a lock).
                        count as f64 / t0.elapsed().saturating_sub(waited).as_secs_f64()
                    })
                })
                .collect();
            start.wait();
            let t0 = Instant::now();
            let net = workers.into_iter().map(|w| w.join().unwrap()).sum();
            Measured {
                rate: (threads * count) as f64 / t0.elapsed().as_secs_f64(),
                net,
            }
        })
    }
}

/// One measurement, in handshakes per second.
struct Measured {
    /// All threads' handshakes over the wall time: the figure the targets
    /// are about.
    rate: f64,
    /// The sum of each thread's handshakes over its time off the run
    /// queue: what the threads would do with a core each, with no other
    /// load on the machine. Waiting for a lock still counts against it.
    net: f64,
}

/// How long this thread has waited on a run queue (ready, no core free),
/// from Linux's `/proc/thread-self/schedstat`; zero elsewhere.
fn run_queue_wait() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn main() {
    let threads = env_list("THREADS", &[1, 2]);
    let rounds = env_usize("ROUNDS", 15).max(1);
    let full_count = env_usize("FULL", 200);
    let resumed_count = env_usize("RESUMED", 3000);
    let kinds: Vec<Kind> = match std::env::var("CASES") {
        Ok(v) => v
            .split(',')
            .map(|k| match k.trim() {
                "full" => Kind::Full,
                "id" => Kind::ById,
                "ticket" => Kind::ByTicket,
                other => panic!("CASES: unknown kind {other:?} (full, id, ticket)"),
            })
            .collect(),
        Err(_) => vec![Kind::Full, Kind::ById, Kind::ByTicket],
    };
    let base = threads[0];
    println!(
        "threads {threads:?}, {rounds} rounds, load before: {}",
        load()
    );
    println!(
        "{} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let pki = Pki::new(Key::EcdsaP256);
    for kind in kinds {
        let libs = Lib::both(&pki, kind);
        let count = if kind == Kind::Full {
            full_count
        } else {
            resumed_count
        };
        // Warm-up: one untimed pass of each library at each thread count.
        for lib in &libs {
            for &n in &threads {
                lib.measure(kind, n, count / 10 + 1);
            }
        }
        // rate[lib][threads index][round], handshakes per second; net the
        // same, net of run-queue waits.
        let mut rate = vec![vec![Vec::with_capacity(rounds); threads.len()]; 2];
        let mut net = rate.clone();
        for round in 0..rounds {
            for (ti, &n) in threads.iter().enumerate() {
                // Alternate which library goes first.
                for i in 0..2 {
                    let li = (i + round) % 2;
                    let m = libs[li].measure(kind, n, count);
                    rate[li][ti].push(m.rate);
                    net[li][ti].push(m.net);
                }
            }
        }

        println!(
            "\n{} handshakes, {count} per thread per measurement:",
            kind.name()
        );
        for (ti, &n) in threads.iter().enumerate() {
            for (li, lib) in libs.iter().enumerate() {
                let r = Spread::of(&rate[li][ti]);
                println!("  {:7} {n} threads: {:.0} handshakes/s", lib.name(), r);
            }
            let ratio: Vec<f64> = (0..rounds)
                .map(|r| rate[0][ti][r] / rate[1][ti][r])
                .collect();
            println!("  sanstls/rustls at {n} threads: {:.3}", Spread::of(&ratio));
        }
        for (ti, &n) in threads.iter().enumerate().skip(1) {
            for (li, lib) in libs.iter().enumerate() {
                let speedup = |r: &[Vec<f64>]| {
                    let per_round: Vec<f64> = (0..rounds).map(|i| r[ti][i] / r[0][i]).collect();
                    Spread::of(&per_round)
                };
                println!(
                    "  {:7} speed-up {n} vs {base} threads: {:.3}",
                    lib.name(),
                    speedup(&rate[li])
                );
                println!(
                    "  {:7}   net of run-queue waits:  {:.3}",
                    lib.name(),
                    speedup(&net[li])
                );
            }
        }
    }
    println!("\nload after: {}", load());
}
