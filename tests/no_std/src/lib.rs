//! A whole sanstls connection, both ends in memory, with the library built
//! without its `std` feature: what a program on a device without an
//! operating system does. The caller brings what `std` would have given:
//! the random source ([`CounterRandom`], standing in for a hardware
//! generator) and the clock ([`DeviceClock`], standing in for a real-time
//! clock).
//!
//! Outside its tests this crate is `#![no_std]`, so the compiler checks
//! that configuring, handshaking, sending, exporting and closing need
//! nothing from `std`.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use sanstls::config::{CertifiedKey, RandomSource, TimeSource};
use sanstls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use sanstls::verify::{RootCertStore, WebPkiServerVerifier};
use sanstls::{ClientConfig, Connection, Error, ServerConfig};

/// How many round trips a handshake may take before the driver gives up
/// (a full TLS 1.2 handshake takes two).
const MAX_ROUND_TRIPS: usize = 8;

/// A caller's random source: SHA-256(seed ‖ block number) for each 32-byte
/// block. Deterministic, so a test can tell that the connection's
/// randomness came from here; a device would read its hardware generator.
#[derive(Debug)]
pub struct CounterRandom {
    seed: [u8; 32],
    next_block: AtomicU64,
}

impl CounterRandom {
    /// A source whose stream is determined by `seed`.
    pub const fn new(seed: [u8; 32]) -> Self {
        CounterRandom {
            seed,
            next_block: AtomicU64::new(0),
        }
    }

    /// Block `n` of the stream.
    pub fn block(&self, n: u64) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&self.seed);
        ctx.update(&n.to_be_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }
}

impl RandomSource for CounterRandom {
    /// Each request starts a fresh block, so a request for 32 bytes is
    /// exactly one block.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        for chunk in dest.chunks_mut(32) {
            let n = self.next_block.fetch_add(1, Ordering::Relaxed);
            chunk.copy_from_slice(&self.block(n)[..chunk.len()]);
        }
        Ok(())
    }
}

/// Where ring's own randomness (ephemeral keys, signatures) comes from on a
/// target without an operating system: getrandom's custom hook. A device
/// points it at its hardware generator; this check, which only has to
/// build for such a target, points it at a [`CounterRandom`]. (Never a
/// fixed seed in a real device: its keys would repeat.)
#[cfg(target_os = "none")]
mod device_entropy {
    use super::CounterRandom;
    use sanstls::config::RandomSource;

    static DEVICE_RNG: CounterRandom = CounterRandom::new([0x42; 32]);

    fn device_getrandom(dest: &mut [u8]) -> Result<(), getrandom::Error> {
        DEVICE_RNG
            .fill(dest)
            .map_err(|_| getrandom::Error::UNSUPPORTED)
    }

    getrandom::register_custom_getrandom!(device_getrandom);
}

/// A caller's clock: seconds since the Unix epoch, as a device's real-time
/// clock would give them. Fixed here.
#[derive(Debug)]
pub struct DeviceClock(pub u64);

impl TimeSource for DeviceClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.0))
    }
}

/// The client and server configurations, made with the constructors that
/// need no operating system: the client trusts `ca`, the server presents
/// `chain` with `key`.
pub fn configs(
    ca: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'_>,
    client_random: Arc<dyn RandomSource>,
    server_random: Arc<dyn RandomSource>,
    clock: Arc<dyn TimeSource>,
) -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), Error> {
    let mut roots = RootCertStore::new();
    roots.add(ca)?;
    let verifier = Arc::new(WebPkiServerVerifier::new(Arc::new(roots)));
    let client = ClientConfig::with_sources(verifier, client_random, clock.clone());
    let server =
        ServerConfig::with_key_and_sources(CertifiedKey::new(chain, key)?, server_random, clock);
    Ok((Arc::new(client), Arc::new(server)))
}

/// What [`run`] saw.
#[derive(Debug)]
pub struct Outcome {
    /// The client's first flight: the ClientHello record.
    pub client_hello: Vec<u8>,
    /// The server's first flight, starting with the ServerHello record.
    pub server_hello: Vec<u8>,
    /// The negotiated suite's IANA name.
    pub suite: &'static str,
    /// What the server received, then echoed back.
    pub server_received: Vec<u8>,
    /// What the client received back.
    pub client_received: Vec<u8>,
    /// Both ends derived the same RFC 5705 keying material.
    pub exporters_agree: bool,
    /// Each end saw the other's close_notify.
    pub closed_both_ways: bool,
}

/// Hands `wire` to `conn` until it takes no more, appending any
/// application data to `got`.
fn deliver(conn: &mut Connection, wire: &mut Vec<u8>, got: &mut Vec<u8>) -> Result<(), Error> {
    loop {
        let input = conn.handle_input(wire)?;
        if let Some(data) = input.data {
            got.extend_from_slice(data);
        }
        let consumed = input.consumed;
        if consumed == 0 {
            return Ok(());
        }
        wire.drain(..consumed);
    }
}

/// A handshake between a client for `name` and a server, then `message`
/// from the client, echoed by the server, then close_notify both ways. The
/// first error of either end is returned.
pub fn run(
    client_config: Arc<ClientConfig>,
    server_config: Arc<ServerConfig>,
    name: ServerName<'static>,
    message: &[u8],
) -> Result<Outcome, Error> {
    let mut client = Connection::new_client(client_config, name)?;
    let mut server = Connection::new_server(server_config);
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    let (mut server_received, mut client_received) = (Vec::new(), Vec::new());

    client.poll_output(&mut to_server);
    let client_hello = to_server.clone();
    let mut server_hello = Vec::new();
    let mut round_trips = 0;
    while client.is_handshaking() || server.is_handshaking() {
        round_trips += 1;
        if round_trips > MAX_ROUND_TRIPS {
            return Err(Error::HandshakeNotComplete);
        }
        deliver(&mut server, &mut to_server, &mut server_received)?;
        server.poll_output(&mut to_client);
        if server_hello.is_empty() {
            server_hello = to_client.clone();
        }
        deliver(&mut client, &mut to_client, &mut client_received)?;
        client.poll_output(&mut to_server);
        while client.poll_event().is_some() || server.poll_event().is_some() {}
    }
    let suite = client
        .negotiated()
        .map(|n| n.suite_name())
        .ok_or(Error::HandshakeNotComplete)?;

    client.send(message, &mut to_server)?;
    deliver(&mut server, &mut to_server, &mut server_received)?;
    server.send(&server_received, &mut to_client)?;
    deliver(&mut client, &mut to_client, &mut client_received)?;

    let mut client_keys = [0u8; 32];
    let mut server_keys = [0u8; 32];
    client.export_keying_material(b"EXPERIMENTAL no_std", None, &mut client_keys)?;
    server.export_keying_material(b"EXPERIMENTAL no_std", None, &mut server_keys)?;

    client.close();
    client.poll_output(&mut to_server);
    deliver(&mut server, &mut to_server, &mut server_received)?;
    server.poll_output(&mut to_client);
    deliver(&mut client, &mut to_client, &mut client_received)?;

    Ok(Outcome {
        client_hello,
        server_hello,
        suite,
        server_received,
        client_received,
        exporters_agree: client_keys == server_keys,
        closed_both_ways: server.peer_closed() && client.peer_closed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanstls::pki_types::PrivatePkcs8KeyDer;
    use sanstls::CertificateError;

    /// 2026-06-01T00:00:00Z: inside the test certificate's validity.
    const IN_VALIDITY: u64 = 1_780_272_000;
    /// 2031-01-01T00:00:00Z: after it.
    const AFTER_VALIDITY: u64 = 1_924_992_000;
    /// 2030-01-01T00:00:00Z: the certificate's not-after.
    const NOT_AFTER: u64 = 1_893_456_000;

    /// A CA and a server certificate for "device.example" that it issued,
    /// valid from 2025-01-01 to 2030-01-01.
    fn pki() -> (
        CertificateDer<'static>,
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
    ) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["device.example".into()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2030, 1, 1);
        let leaf = params.signed_by(&key, &issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (ca.der().clone(), vec![leaf.der().clone()], key)
    }

    fn name() -> ServerName<'static> {
        ServerName::try_from("device.example").unwrap()
    }

    #[test]
    fn a_connection_runs_on_the_callers_random_source_and_clock() {
        let (ca, chain, key) = pki();
        let client_random = Arc::new(CounterRandom::new([1; 32]));
        let server_random = Arc::new(CounterRandom::new([2; 32]));
        let (client, server) = configs(
            ca,
            chain,
            &key,
            client_random.clone(),
            server_random.clone(),
            Arc::new(DeviceClock(IN_VALIDITY)),
        )
        .unwrap();
        // Without std there is no in-memory session cache or ticketer to
        // default to: resumption is the caller's to supply.
        assert!(client.session_store.is_none());
        assert!(server.session_store.is_none() && server.ticketer.is_none());

        let outcome = run(client, server, name(), b"ping from a device").unwrap();
        assert!(outcome.suite.starts_with("TLS_ECDHE_"), "{}", outcome.suite);
        assert_eq!(outcome.server_received, b"ping from a device");
        assert_eq!(outcome.client_received, b"ping from a device");
        assert!(outcome.exporters_agree);
        assert!(outcome.closed_both_ways);

        // The hello randoms are the first blocks of each end's source:
        // record header (5), handshake header (4), version (2), random.
        assert_eq!(outcome.client_hello[11..43], client_random.block(0));
        assert_eq!(outcome.server_hello[11..43], server_random.block(0));
    }

    #[test]
    fn the_callers_clock_decides_certificate_validity() {
        let (ca, chain, key) = pki();
        let (client, server) = configs(
            ca,
            chain,
            &key,
            Arc::new(CounterRandom::new([3; 32])),
            Arc::new(CounterRandom::new([4; 32])),
            Arc::new(DeviceClock(AFTER_VALIDITY)),
        )
        .unwrap();
        match run(client, server, name(), b"late").unwrap_err() {
            Error::InvalidCertificate(CertificateError::Expired { now, not_after }) => {
                assert_eq!(now.as_secs(), AFTER_VALIDITY);
                assert_eq!(not_after.as_secs(), NOT_AFTER);
            }
            other => panic!("expected an expired certificate, got {other:?}"),
        }
    }

    #[test]
    fn a_failing_random_source_fails_the_connection_cleanly() {
        #[derive(Debug)]
        struct Broken;
        impl RandomSource for Broken {
            fn fill(&self, _: &mut [u8]) -> Result<(), Error> {
                Err(Error::Internal("no entropy yet"))
            }
        }
        let (ca, chain, key) = pki();
        let (client, server) = configs(
            ca,
            chain,
            &key,
            Arc::new(Broken),
            Arc::new(CounterRandom::new([5; 32])),
            Arc::new(DeviceClock(IN_VALIDITY)),
        )
        .unwrap();
        assert!(matches!(
            run(client, server, name(), b"x").unwrap_err(),
            Error::Internal("no entropy yet")
        ));
    }
}
