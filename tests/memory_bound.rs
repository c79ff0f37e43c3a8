//! Bounded memory under adversarial input, measured.
//!
//! This test binary installs a counting global allocator (a thin wrapper
//! around `std::alloc::System` keeping the current and peak heap bytes in
//! atomics), then feeds server connections hostile traffic and asserts the
//! peak heap growth of each phase stays under a stated bound, and that
//! nothing is allocated in proportion to a length the peer merely announced.
//!
//! The wrapper needs `unsafe` (the `GlobalAlloc` contract); it lives here, in
//! its own test binary, not in the library, which forbids unsafe code.
//! Phases run one at a time under a lock so that another test thread's
//! allocations do not count against the phase being measured.

mod common;
mod hostile;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::wire::*;
use common::{KeyType, Pki};
use hostile::*;
use sanstls::limits::{
    MAX_CLIENT_HELLO_LEN, MAX_EMPTY_RECORDS, MAX_HANDSHAKE_MESSAGE_LEN, MAX_PLAINTEXT_LEN,
    MAX_WARNING_ALERTS,
};
use sanstls::{Connection, Error, ServerConfig};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            // Count the moment both blocks may exist, as a copying realloc does.
            grew(new_size);
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The bound we promise per connection under any input. The largest
/// handshake message is a ClientHello of 128.3 KiB (MAX_CLIENT_HELLO_LEN);
/// the most a server holds is that message whole while it copies its two
/// longest lists (cipher suites and signature schemes, 128 KiB at most
/// together) for the certificate resolver: 256.3 KiB. Reassembling it
/// costs less (the buffer grows to twice the bytes received plus a record,
/// then straight to the message's end).
const BOUND: usize = 272 * 1024;

/// The peak heap growth while `f` runs, above what was allocated before.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    let peak = PEAK.load(Ordering::Relaxed);
    (r, peak.saturating_sub(base))
}

fn report(phase: &str, bytes: usize, bound: usize) {
    println!(
        "{phase:<64} peak growth {:>7} B ({:>5.1} KiB), bound {} KiB",
        bytes,
        bytes as f64 / 1024.0,
        bound / 1024
    );
    assert!(bytes < bound, "{phase}: {bytes} bytes >= bound {bound}");
}

/// Feeds `wire` to `conn` as a caller would: all of it, draining output and
/// events after every call. Returns the first error.
fn drive(conn: &mut Connection, wire: &mut [u8]) -> Result<(), Error> {
    let mut start = 0;
    let mut out = Vec::new();
    while start < wire.len() {
        let input = conn.handle_input(&mut wire[start..])?;
        let consumed = input.consumed;
        while conn.poll_event().is_some() {}
        out.clear();
        conn.poll_output(&mut out);
        if consumed == 0 {
            break;
        }
        start += consumed;
    }
    Ok(())
}

fn server_config(pki: &Pki) -> Arc<ServerConfig> {
    let mut sc = pki.server_config();
    sc.ticketer = None;
    Arc::new(sc)
}

/// A ClientHello from our client grown to the largest its length fields
/// allow (MAX_CLIENT_HELLO_LEN): 32,767 suites, and, with `long_schemes`, a
/// signature_algorithms list of 32,760 schemes filling the extensions block
/// (the server copies 64 KiB of each for its certificate resolver), else
/// one padding extension.
fn max_client_hello(pki: &Pki, long_schemes: bool) -> Vec<u8> {
    let mut s = Scene::new(pki.client_config(), pki.server_config());
    s.drive_to(Point::ClientHello);
    let mut ch = EditClientHello::read(&s.client_hello);
    grow_to_max_client_hello(&mut ch, long_schemes);
    let msg = ch.to_bytes();
    assert_eq!(msg.len(), 4 + MAX_CLIENT_HELLO_LEN);
    msg
}

#[test]
fn memory_stays_bounded_under_hostile_input() {
    let _guard = ONE_AT_A_TIME.lock().unwrap();
    let pki = Pki::new(KeyType::P256);
    let config = server_config(&pki);

    // Baseline: an idle server connection.
    let (conn, idle) = measure(|| Connection::new_server(config.clone()));
    drop(conn);
    report("new server connection", idle, 4 * 1024);

    // A full, honest handshake for comparison.
    let (_, honest) = measure(|| {
        let mut s = Scene::new(pki.client_config(), pki.server_config());
        s.settle()
    });
    println!("(an honest handshake, both sides and the driver: {honest} B)");

    // The largest ClientHello there is, in full records and in 1-byte
    // records (131,400 of them): with the longest lists, and with one long
    // extension (what reassembly alone costs).
    for (what, long_schemes, fragment) in [
        (
            "largest ClientHello (128.3 KiB), longest lists, full records",
            true,
            MAX_PLAINTEXT_LEN,
        ),
        (
            "largest ClientHello, longest lists, 1-byte records",
            true,
            1,
        ),
        (
            "largest ClientHello, one long extension, full records",
            false,
            MAX_PLAINTEXT_LEN,
        ),
        (
            "largest ClientHello, one long extension, 1-byte records",
            false,
            1,
        ),
    ] {
        let mut wire = frame(&max_client_hello(&pki, long_schemes), fragment);
        let (r, bytes) = measure(|| {
            let mut conn = Connection::new_server(config.clone());
            drive(&mut conn, &mut wire)
        });
        r.unwrap();
        report(what, bytes, BOUND);
    }

    // Announced lengths: a header announcing the largest message we accept,
    // followed by only a few bytes; and one announcing 2^24-1.
    for (what, len) in [
        (
            "header announcing 128.3 KiB, 16 bytes sent",
            MAX_CLIENT_HELLO_LEN,
        ),
        ("header announcing 2^24-1, 16 bytes sent", 0xff_ffff),
    ] {
        let mut msg = vec![1];
        msg.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        msg.extend_from_slice(&[0; 16]);
        let mut wire = frame(&msg, MAX_PLAINTEXT_LEN);
        let (_, bytes) = measure(|| {
            let mut conn = Connection::new_server(config.clone());
            let _ = drive(&mut conn, &mut wire);
        });
        // Nothing close to the announced length: a few KiB at most.
        report(what, bytes, 8 * 1024);
    }

    // Thousands of 1-byte fragments of an unfinished 64 KiB message: the
    // buffer grows with the bytes received, and only up to the limit.
    let mut msg = vec![1];
    msg.extend_from_slice(&(MAX_HANDSHAKE_MESSAGE_LEN as u32).to_be_bytes()[1..]);
    msg.extend(std::iter::repeat_n(0u8, 10_000));
    let mut wire = frame(&msg, 1);
    let (r, bytes) = measure(|| {
        let mut conn = Connection::new_server(config.clone());
        drive(&mut conn, &mut wire)
    });
    r.unwrap();
    report(
        "10,004 1-byte fragments of an unfinished message",
        bytes,
        64 * 1024,
    );

    // Floods after the handshake: warnings up to their lifetime cap, then
    // runs of empty records at their limit, each run broken by one byte of
    // data, a thousand times.
    let mut s = Scene::new(pki.client_config(), pki.server_config());
    s.drive_to(Point::TrafficToServer);
    let mut m = s.attacker(true);
    let mut recs = vec![(ALERT, vec![1, 90]); MAX_WARNING_ALERTS];
    for _ in 0..1000 {
        recs.push((APPDATA, vec![b'x']));
        recs.extend(vec![(APPDATA, Vec::new()); MAX_EMPTY_RECORDS]);
    }
    let mut wire = m.seal(1, &recs);
    let (r, bytes) = measure(|| drive(&mut s.p.server, &mut wire));
    r.unwrap();
    assert!(s.p.server.error().is_none());
    report(
        &format!(
            "{MAX_WARNING_ALERTS} warnings and {} empty records",
            1000 * MAX_EMPTY_RECORDS
        ),
        bytes,
        8 * 1024,
    );
}
