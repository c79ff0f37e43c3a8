//! The `log` feature: each handshake step at debug and each alert at warn,
//! under the target `sanstls`, read back through a logger installed for
//! this test binary.

mod common;

use std::sync::Mutex;

use common::{KeyType, Pair, Pki};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Every line logged, with its level and target.
static LINES: Mutex<Vec<(Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        LINES.lock().unwrap().push((
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        ));
    }

    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

/// One test, so no other test's lines mix in (the logger is global).
#[test]
fn handshake_steps_at_debug_and_alerts_at_warn() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(LevelFilter::Debug);
    let pki = Pki::new(KeyType::P256);

    // A full handshake and a close.
    let mut p = Pair::new(pki.client_config(), pki.server_config());
    p.expect_handshake();
    p.client.close();
    let _ = p.step();
    let lines = core::mem::take(&mut *LINES.lock().unwrap());
    assert!(lines.iter().all(|(_, target, _)| target == "sanstls"));
    let debug: Vec<&str> = lines
        .iter()
        .filter(|(l, ..)| *l == Level::Debug)
        .map(|(_, _, m)| m.as_str())
        .collect();
    for want in [
        "client sent ClientHello",
        "server received ClientHello",
        "server sent ServerHello",
        "server sent Certificate",
        "server sent ServerKeyExchange",
        "server sent ServerHelloDone",
        "client received ServerHelloDone",
        "client sent ClientKeyExchange",
        "client sent ChangeCipherSpec",
        "client sent Finished",
        "server received ChangeCipherSpec",
        "server received Finished",
        "client received Finished",
        "client sent close_notify",
        "server received close_notify",
    ] {
        assert!(debug.contains(&want), "no {want:?} in {debug:#?}");
    }
    assert!(
        debug
            .iter()
            .any(|m| m.starts_with("client handshake complete: TLS_ECDHE_ECDSA")),
        "{debug:#?}"
    );
    assert!(
        lines.iter().all(|(l, ..)| *l == Level::Debug),
        "a clean connection warns of nothing: {lines:#?}"
    );

    // A handshake that fails: the alert sent and the alert received, at warn.
    let mut cc = pki.client_config();
    cc.verifier = common::Pki::new(KeyType::P256).client_config().verifier;
    let mut p = Pair::new(cc, pki.server_config());
    let (c, s) = p.handshake();
    assert!(c.is_err() && s.is_err());
    let lines = core::mem::take(&mut *LINES.lock().unwrap());
    let warn: Vec<&str> = lines
        .iter()
        .filter(|(l, ..)| *l == Level::Warn)
        .map(|(_, _, m)| m.as_str())
        .collect();
    // (Another CA of the same name: webpki reports the signature.)
    assert!(
        warn.contains(&"client sent fatal alert DECRYPT_ERROR"),
        "{warn:#?}"
    );
    assert!(
        warn.contains(&"server received fatal alert DECRYPT_ERROR"),
        "{warn:#?}"
    );
    assert!(
        warn.iter()
            .any(|m| m.starts_with("client connection failed: ")),
        "{warn:#?}"
    );
}
