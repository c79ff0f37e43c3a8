//! Heap per connection and allocations per handshake, sanstls beside rustls,
//! measured with a counting global allocator (not a timing: the figures are
//! exact and repeatable).
//!
//! `cargo bench --bench memory`
//!
//! For each library: heap bytes held by an idle established client and
//! server connection (after the handshake, and again after one 16 KiB record
//! each way), and heap allocations for one client+server full handshake
//! and for one resumed by session ID and by ticket.
//! The connection value itself is counted beside its heap (`size_of`:
//! wherever the caller keeps it, it is memory the connection takes); the
//! caller's own buffers (the wire vector) are not.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use sanstls::enums::NamedGroup;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The heap `value` holds: what dropping it gives back.
fn held<T>(value: T) -> isize {
    let before = live();
    drop(value);
    before - live()
}

fn allocs() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// The figures for one library.
struct Figures {
    /// The connection value itself (`size_of`), wherever the caller keeps
    /// it: a connection's memory is this plus the heap it holds.
    client_struct: isize,
    server_struct: isize,
    allocs_per_handshake: usize,
    /// Resumed handshakes: by session ID, by ticket.
    allocs_per_resumption: [usize; 2],
    client_idle: isize,
    server_idle: isize,
    client_after_traffic: isize,
    server_after_traffic: isize,
}

fn sanstls_figures(pki: &Pki, case: Case) -> Figures {
    let (mut sc, ss) = sanstls_configs(pki, case);
    sc.session_store = None;
    let (sc, ss) = (Arc::new(sc), Arc::new(ss));
    let mut wire = Vec::with_capacity(64 * 1024);
    // Warm up lazily initialised state (ring's CPU feature detection, ...).
    drop(sanstls_handshake(&sc, &ss, &mut wire));

    let a0 = allocs();
    let (client, server) = sanstls_handshake(&sc, &ss, &mut wire);
    let allocs_per_handshake = allocs() - a0;
    let (client_idle, server_idle) = (held(client), held(server));
    let data = vec![1u8; 16 * 1024];
    let mut plain = vec![0u8; data.len()];

    // Traffic: a fresh pair, one 16 KiB record each way.
    let (mut client, mut server) = sanstls_handshake(&sc, &ss, &mut wire);
    sanstls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain);
    sanstls_transfer(&mut server, &mut client, &data, &mut wire, &mut plain);
    let (client_after_traffic, server_after_traffic) = (held(client), held(server));
    Figures {
        client_struct: size_of::<sanstls::Connection>() as isize,
        server_struct: size_of::<sanstls::Connection>() as isize,
        allocs_per_handshake,
        allocs_per_resumption: [false, true].map(|by_ticket| {
            let (sc, ss) = sanstls_resumption_configs(pki, case, by_ticket);
            // A full handshake to store the session, a resumed one to warm up.
            drop(sanstls_handshake(&sc, &ss, &mut wire));
            drop(sanstls_handshake(&sc, &ss, &mut wire));
            let a0 = allocs();
            let (client, _server) = sanstls_handshake(&sc, &ss, &mut wire);
            let n = allocs() - a0;
            assert!(client.negotiated().unwrap().resumed);
            n
        }),
        client_idle,
        server_idle,
        client_after_traffic,
        server_after_traffic,
    }
}

fn rustls_figures(pki: &Pki, case: Case) -> Figures {
    let (mut rc, rs) = rustls_configs(pki, case);
    rc.resumption = rustls::client::Resumption::disabled();
    let (rc, rs) = (Arc::new(rc), Arc::new(rs));
    let mut wire = Vec::with_capacity(64 * 1024);
    drop(rustls_handshake(&rc, &rs, &mut wire));

    let a0 = allocs();
    let (client, server) = rustls_handshake(&rc, &rs, &mut wire);
    let allocs_per_handshake = allocs() - a0;
    let (client_idle, server_idle) = (held(client), held(server));

    let data = vec![1u8; 16 * 1024];
    let mut plain = vec![0u8; data.len()];
    let (mut client, mut server) = rustls_handshake(&rc, &rs, &mut wire);
    rustls_transfer(&mut client, &mut server, &data, &mut wire, &mut plain);
    rustls_transfer(&mut server, &mut client, &data, &mut wire, &mut plain);
    let (client_after_traffic, server_after_traffic) = (held(client), held(server));
    Figures {
        client_struct: size_of::<rustls::ClientConnection>() as isize,
        server_struct: size_of::<rustls::ServerConnection>() as isize,
        allocs_per_handshake,
        allocs_per_resumption: [false, true].map(|by_ticket| {
            let (rc, rs) = rustls_resumption_configs(pki, case, by_ticket);
            drop(rustls_handshake(&rc, &rs, &mut wire));
            drop(rustls_handshake(&rc, &rs, &mut wire));
            let a0 = allocs();
            let (client, _server) = rustls_handshake(&rc, &rs, &mut wire);
            let n = allocs() - a0;
            assert_eq!(
                client.handshake_kind(),
                Some(rustls::HandshakeKind::Resumed)
            );
            n
        }),
        client_idle,
        server_idle,
        client_after_traffic,
        server_after_traffic,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // useful either way: always run, it takes a fraction of a second.
    let pki = Pki::new(Key::EcdsaP256);
    let case = Case {
        suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        group: NamedGroup::X25519,
        verify_chain: true,
    };
    let s = sanstls_figures(&pki, case);
    let r = rustls_figures(&pki, case);
    println!("memory: ECDHE-ECDSA P-256 / X25519 / AES-128-GCM, heap bytes per connection");
    println!(
        "{:<44} {:>10} {:>10} {:>7}",
        "", "sanstls", "rustls", "ratio"
    );
    let row = |name: &str, a: isize, b: isize| {
        println!("{name:<44} {a:>10} {b:>10} {:>7.2}", a as f64 / b as f64);
    };
    row(
        "whole idle client (struct + heap)",
        s.client_struct + s.client_idle,
        r.client_struct + r.client_idle,
    );
    row(
        "whole idle server (struct + heap)",
        s.server_struct + s.server_idle,
        r.server_struct + r.server_idle,
    );
    row("client struct (size_of)", s.client_struct, r.client_struct);
    row("server struct (size_of)", s.server_struct, r.server_struct);
    row(
        "heap, idle client after handshake",
        s.client_idle,
        r.client_idle,
    );
    row(
        "heap, idle server after handshake",
        s.server_idle,
        r.server_idle,
    );
    row(
        "heap, client after 16 KiB each way",
        s.client_after_traffic,
        r.client_after_traffic,
    );
    row(
        "heap, server after 16 KiB each way",
        s.server_after_traffic,
        r.server_after_traffic,
    );
    row(
        "allocations, one client+server handshake",
        s.allocs_per_handshake as isize,
        r.allocs_per_handshake as isize,
    );
    row(
        "allocations, resumed by session ID",
        s.allocs_per_resumption[0] as isize,
        r.allocs_per_resumption[0] as isize,
    );
    row(
        "allocations, resumed by ticket",
        s.allocs_per_resumption[1] as isize,
        r.allocs_per_resumption[1] as isize,
    );
}
