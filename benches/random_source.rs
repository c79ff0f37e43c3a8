//! Resumed handshakes with the operating system's random source against
//! `ThreadRandom` (feature `fast-random`), beside rustls, interleaved round
//! by round: the figures behind the choice of the default `RandomSource`.
//!
//! `cargo bench --bench random_source` (`ROUNDS=n` and `PER_ROUND=n` to
//! change the default 21 rounds of 400 handshakes each).
//!
//! Each round times the same number of resumed handshake pairs (client and
//! server in one thread) for every contender, in an order that rotates from
//! round to round; the ratio to rustls is taken per round, and the median
//! and the spread (min–max) of those ratios are printed, so a slow moment of
//! the machine lands on one round and not on one contender.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use sanstls::config::{RandomSource, SystemRandom, ThreadRandom};

/// sanstls resumption configs drawing from `random` on both sides.
fn sanstls_with(
    pki: &Pki,
    case: Case,
    by_ticket: bool,
    random: Arc<dyn RandomSource>,
) -> (Arc<sanstls::ClientConfig>, Arc<sanstls::ServerConfig>) {
    let (c, s) = sanstls_resumption_configs(pki, case, by_ticket);
    let (mut c, mut s) = (Arc::unwrap_or_clone(c), Arc::unwrap_or_clone(s));
    c.random = random.clone();
    s.random = random;
    (Arc::new(c), Arc::new(s))
}

fn main() {
    let rounds = env_usize("ROUNDS", 21);
    let per_round = env_usize("PER_ROUND", 400);
    println!("load average before: {}", load());
    let pki = Pki::new(Key::EcdsaP256);
    let case = Case {
        suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        group: sanstls::enums::NamedGroup::X25519,
        verify_chain: false,
    };

    // The raw cost of one 32-byte value from each source.
    let mut value = [0u8; 32];
    for (name, source) in [
        (
            "SystemRandom",
            &SystemRandom::default() as &dyn RandomSource,
        ),
        ("ThreadRandom", &ThreadRandom),
    ] {
        let n = 100_000;
        let t = Instant::now();
        for _ in 0..n {
            source.fill(&mut value).unwrap();
        }
        let ns = t.elapsed().as_nanos() as f64 / n as f64;
        println!("{name}: {ns:.0} ns per 32-byte value");
    }

    for by_ticket in [false, true] {
        let label = if by_ticket { "ticket" } else { "session ID" };
        let mut wire = Vec::new();
        let system = sanstls_with(&pki, case, by_ticket, Arc::new(SystemRandom::default()));
        let thread = sanstls_with(&pki, case, by_ticket, Arc::new(ThreadRandom));
        let rustls = rustls_resumption_configs(&pki, case, by_ticket);
        // A full handshake each, so every store holds a session.
        drop(sanstls_handshake(&system.0, &system.1, &mut wire));
        drop(sanstls_handshake(&thread.0, &thread.1, &mut wire));
        drop(rustls_handshake(&rustls.0, &rustls.1, &mut wire));

        let time = |who: usize, wire: &mut Vec<u8>| -> f64 {
            let t = Instant::now();
            for _ in 0..per_round {
                match who {
                    0 => drop(sanstls_handshake(&system.0, &system.1, wire)),
                    1 => drop(sanstls_handshake(&thread.0, &thread.1, wire)),
                    _ => drop(rustls_handshake(&rustls.0, &rustls.1, wire)),
                }
            }
            t.elapsed().as_secs_f64() * 1e6 / per_round as f64
        };
        let (mut micros, mut ratios) = ([vec![], vec![], vec![]], [vec![], vec![]]);
        for round in 0..rounds {
            let mut took = [0.0; 3];
            for k in 0..3 {
                let who = (round + k) % 3;
                took[who] = time(who, &mut wire);
            }
            for who in 0..3 {
                micros[who].push(took[who]);
            }
            ratios[0].push(took[2] / took[0]);
            ratios[1].push(took[2] / took[1]);
        }
        println!("resumed by {label}: {rounds} rounds of {per_round} handshake pairs");
        for (who, name) in ["sanstls, SystemRandom", "sanstls, ThreadRandom"]
            .iter()
            .enumerate()
        {
            println!(
                "  {name:<22} {:>6.2} µs  speed vs rustls {}",
                Spread::of(&micros[who]).median,
                Spread::of(&ratios[who]),
            );
        }
        println!(
            "  {:<22} {:>6.2} µs",
            "rustls",
            Spread::of(&micros[2]).median
        );
    }
    println!("load average after: {}", load());
}
