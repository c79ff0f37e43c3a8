//! [`ThreadRandom`]: a fast [`RandomSource`] for the randomness the protocol
//! sends in the clear (hello randoms, session IDs, the CBC IV seed).
//!
//! The operating system's generator costs a system call per value (about
//! half a microsecond here), and a resumed handshake pair draws two or three
//! values: a sizeable part of its cost. This source draws from a generator
//! of its own on each thread instead: rand's `StdRng` (ChaCha with 12
//! rounds, a well-analysed cryptographic generator), seeded with 32 bytes
//! from the operating system through ring, and seeded afresh
//!
//! - after [`RESEED_AFTER_BYTES`] of output, so a compromise of one
//!   generator's state exposes a bounded stretch of output;
//! - whenever the process id differs from the one it was seeded in: a
//!   child of `fork` never repeats its parent's stream (the check OpenSSL's
//!   generator makes too, a `getpid` per call);
//! - when seeding fails, nothing is drawn: the error reaches the handshake
//!   (`Error::Internal`), never a panic.
//!
//! SECURITY.md gives the argument in full. Key material never comes from
//! here: ephemeral keys and signatures are made inside ring.

use std::cell::RefCell;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zeroize::Zeroizing;

use crate::config::RandomSource;
use crate::error::Error;

/// Output after which a thread's generator is seeded again from the
/// operating system.
pub const RESEED_AFTER_BYTES: usize = 64 * 1024;

/// Protocol randomness from a ChaCha12 generator per thread (rand's
/// `StdRng`), seeded with 32 bytes from the operating system through ring,
/// and seeded again after [`RESEED_AFTER_BYTES`] of output and whenever the
/// process id changes (a child of `fork` never continues its parent's
/// stream). A seeding failure is `Error::Internal`, never a panic. Feature
/// `fast-random`; SECURITY.md gives the safety argument and BENCHMARKS.md
/// what it saves over [`SystemRandom`](crate::config::SystemRandom).
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadRandom;

/// One thread's generator and what decides when it is seeded again.
struct Generator {
    rng: StdRng,
    /// The process it was seeded in.
    pid: u32,
    /// Output left before the next seeding.
    left: usize,
}

thread_local! {
    static GENERATOR: RefCell<Option<Generator>> = const { RefCell::new(None) };
}

/// A generator freshly seeded from the operating system.
fn seeded(pid: u32) -> Result<Generator, Error> {
    let mut seed = Zeroizing::new([0u8; 32]);
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), seed.as_mut())
        .map_err(|_| Error::Internal("random source failed"))?;
    Ok(Generator {
        rng: StdRng::from_seed(*seed),
        pid,
        left: RESEED_AFTER_BYTES,
    })
}

impl RandomSource for ThreadRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        GENERATOR.with(|cell| {
            let mut slot = cell
                .try_borrow_mut()
                .map_err(|_| Error::Internal("random source re-entered"))?;
            let pid = std::process::id();
            let generator = match slot.take() {
                Some(g) if g.pid == pid && g.left >= dest.len() => g,
                _ => seeded(pid)?,
            };
            let generator = slot.insert(generator);
            generator.rng.fill_bytes(dest);
            generator.left = generator.left.saturating_sub(dest.len());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw() -> [u8; 32] {
        let mut out = [0u8; 32];
        ThreadRandom.fill(&mut out).unwrap();
        out
    }

    #[test]
    fn draws_differ_and_are_not_zero() {
        let (a, b) = (draw(), draw());
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }

    #[test]
    fn reseeds_after_its_budget() {
        draw();
        let before = GENERATOR.with(|c| c.borrow().as_ref().unwrap().left);
        assert_eq!(before, RESEED_AFTER_BYTES - 32);
        // Spend the rest of the budget; the next draw seeds afresh.
        let mut big = vec![0u8; before];
        ThreadRandom.fill(&mut big).unwrap();
        assert_eq!(GENERATOR.with(|c| c.borrow().as_ref().unwrap().left), 0);
        draw();
        assert_eq!(
            GENERATOR.with(|c| c.borrow().as_ref().unwrap().left),
            RESEED_AFTER_BYTES - 32
        );
    }

    #[test]
    fn a_new_process_id_seeds_afresh() {
        draw();
        // Pretend the generator was seeded in another process (a parent
        // before fork): the next draw must not continue its stream.
        // Its state is known here: a generator from a fixed seed.
        GENERATOR.with(|c| {
            let mut slot = c.borrow_mut();
            let g = slot.as_mut().unwrap();
            g.pid = g.pid.wrapping_add(1);
            g.rng = StdRng::from_seed([7; 32]);
        });
        let mut continued = [0u8; 32];
        StdRng::from_seed([7; 32]).fill_bytes(&mut continued);
        let drawn = draw();
        assert_ne!(drawn, continued, "the stream went on across a fork");
        assert_eq!(
            GENERATOR.with(|c| c.borrow().as_ref().unwrap().pid),
            std::process::id()
        );
    }

    #[test]
    fn large_requests_are_served() {
        let mut big = vec![0u8; 3 * RESEED_AFTER_BYTES];
        ThreadRandom.fill(&mut big).unwrap();
        assert!(big.iter().any(|&b| b != 0));
    }
}
