//! End-to-end check of the key schedule and record protection against OpenSSL.
//!
//! `openssl s_client -tls1_2 -keylogfile` talks to `openssl s_server -tls1_2`
//! through a TCP relay in this test that records every byte each way. After
//! the connection we take the master secret from the key log, the randoms and
//! the suite from the captured hellos, derive the key block with
//! `MasterSecret::key_block`, decrypt both directions with `Decrypter`, and
//! check the Finished verify_data (RFC 5246 §7.4.9) and the application data.
//!
//! The live test is skipped (with a message) only when no `openssl` binary
//! runs. Captures made earlier are kept in `tests/data/keylog/` and checked
//! unconditionally; set `SANSTLS_WRITE_KEYLOG_FIXTURES=1` to refresh them.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::openssl::{openssl_available, TempDir};
use sanstls::internals::codec::enums::{CipherSuite, ContentType, ProtocolVersion};
use sanstls::internals::crypto::key_schedule::{check_verify_data, MasterSecret};
use sanstls::internals::crypto::transcript::Transcript;
use sanstls::internals::record::deframer::{peek_record, HeaderRules};
use sanstls::internals::record::protection::Decrypter;
use sanstls::suites::{self, SupportedSuite};

const CLIENT_LINE: &[u8] = b"hello from client\n";
const SERVER_LINE: &[u8] = b"hello from server\n";
const TIMEOUT: Duration = Duration::from_secs(30);

const CASES: [(&str, &str); 3] = [
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
];

/// A child process killed (by its own PID, via `Child::kill`) and reaped
/// however the test exits.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Guard {
    /// Waits for exit until `deadline`; false if still running.
    fn wait_until(&mut self, deadline: Instant) -> bool {
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("run openssl");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What one session left behind: the bytes each way and the key log.
struct Capture {
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    keylog: String,
}

/// Starts `openssl s_server` on a free port; retries when another process
/// takes the port between our probe and its bind.
fn start_server(dir: &Path, cipher: &str) -> (Guard, u16) {
    for _ in 0..10 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("probe a free port")
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-tls1_2", "-naccept", "1", "-cipher", cipher])
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join("cert.pem"))
            .arg("-key")
            .arg(dir.join("key.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn openssl s_server");
        let mut guard = Guard(child);
        // s_server prints ACCEPT once it listens; read its stdout in a thread
        // so that the wait is bounded.
        let stdout = guard.0.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.trim() == "ACCEPT" {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(10)).is_ok() {
            return (guard, port);
        }
        // Exited (port taken) or hung: the guard kills it; try another port.
    }
    panic!("openssl s_server never started listening");
}

/// Copies `from` to `to`, recording every byte, until EOF or error.
fn pump(mut from: TcpStream, mut to: TcpStream, log: Arc<Mutex<Vec<u8>>>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                log.lock().unwrap().extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Counts the application-data records in a capture so far.
fn app_records(bytes: &[u8]) -> usize {
    split_records(bytes)
        .iter()
        .filter(|(t, _, _)| *t == ContentType::APPLICATION_DATA)
        .count()
}

fn run_session(dir: &Path, cipher: &str) -> Capture {
    let (mut server, server_port) = start_server(dir, cipher);
    let mut server_in = server.0.stdin.take().expect("server stdin");
    server_in.write_all(SERVER_LINE).unwrap();
    server_in.flush().unwrap();

    let relay = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay_port = relay.local_addr().unwrap().port();
    let keylog_path = dir.join(format!("{cipher}.keylog"));
    let client = Command::new("openssl")
        .args(["s_client", "-tls1_2", "-cipher", cipher])
        .arg("-connect")
        .arg(format!("127.0.0.1:{relay_port}"))
        .arg("-keylogfile")
        .arg(&keylog_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn openssl s_client");
    let mut client = Guard(client);

    // Accept the client with a bounded wait.
    relay.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let from_client = loop {
        match relay.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "s_client never connected");
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    from_client.set_nonblocking(false).unwrap();
    let to_server = TcpStream::connect(("127.0.0.1", server_port)).expect("connect s_server");
    for s in [&from_client, &to_server] {
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s.set_write_timeout(Some(TIMEOUT)).unwrap();
    }

    let c2s = Arc::new(Mutex::new(Vec::new()));
    let s2c = Arc::new(Mutex::new(Vec::new()));
    let t1 = {
        let (a, b, log) = (
            from_client.try_clone().unwrap(),
            to_server.try_clone().unwrap(),
            c2s.clone(),
        );
        thread::spawn(move || pump(a, b, log))
    };
    let t2 = {
        let (a, b, log) = (to_server, from_client, s2c.clone());
        thread::spawn(move || pump(a, b, log))
    };

    let mut client_in = client.0.stdin.take().expect("client stdin");
    client_in.write_all(CLIENT_LINE).unwrap();
    client_in.flush().unwrap();

    // Wait until each side has sent its line, then close the client's stdin:
    // s_client then sends close_notify and exits; s_server answers with its
    // own close_notify and (-naccept 1) exits too.
    //
    // s_server's stdin must stay open until it has exited: at stdin EOF
    // s_server prints DONE and closes its socket without close_notify. If
    // that EOF reached s_client before s_client's own close_notify went out,
    // OpenSSL 3 treated it as a truncation (SSL_R_UNEXPECTED_EOF_WHILE_READING)
    // and sent a fatal decode_error alert instead of close_notify; the relay
    // only half-closes, so that alert reached the capture.
    let deadline = Instant::now() + TIMEOUT;
    while app_records(&c2s.lock().unwrap()) == 0 || app_records(&s2c.lock().unwrap()) == 0 {
        assert!(
            Instant::now() < deadline,
            "no application data both ways in time"
        );
        thread::sleep(Duration::from_millis(20));
    }
    drop(client_in);
    let deadline = Instant::now() + TIMEOUT;
    assert!(client.wait_until(deadline), "s_client did not exit");
    assert!(server.wait_until(deadline), "s_server did not exit");
    drop(server_in);
    drop(client);
    drop(server);
    t1.join().unwrap();
    t2.join().unwrap();

    let keylog = std::fs::read_to_string(&keylog_path).expect("s_client wrote a key log");
    let c2s = c2s.lock().unwrap().clone();
    let s2c = s2c.lock().unwrap().clone();
    Capture { c2s, s2c, keylog }
}

/// Every whole record of a capture as (type, version, fragment).
fn split_records(mut bytes: &[u8]) -> Vec<(ContentType, ProtocolVersion, Vec<u8>)> {
    let rules = HeaderRules {
        strict_version: false,
        protected: true,
    };
    let mut out = Vec::new();
    while let Ok(Some((h, total))) = peek_record(bytes, rules) {
        out.push((h.typ.wire(), h.version, bytes[5..total].to_vec()));
        bytes = &bytes[total..];
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    sanstls::internals::hex::decode(s).expect("hex")
}

/// One direction after decryption.
struct Direction {
    /// Plaintext handshake messages before ChangeCipherSpec, as (type, bytes).
    clear_handshake: Vec<(u8, Vec<u8>)>,
    /// The first protected handshake message: Finished.
    finished: Vec<u8>,
    app_data: Vec<u8>,
    alerts: Vec<Vec<u8>>,
}

/// Splits concatenated handshake fragments into messages (4-byte header).
fn handshake_messages(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let len = u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize;
        let end = 4 + len;
        assert!(bytes.len() >= end, "truncated handshake message");
        out.push((bytes[0], bytes[..end].to_vec()));
        bytes = &bytes[end..];
    }
    assert!(bytes.is_empty());
    out
}

fn decrypt_direction(bytes: &[u8], mut dec: Decrypter) -> Direction {
    let mut clear = Vec::new();
    let mut protected = false;
    let mut finished = Vec::new();
    let mut app_data = Vec::new();
    let mut alerts = Vec::new();
    for (typ, version, mut frag) in split_records(bytes) {
        if !protected {
            match typ {
                ContentType::HANDSHAKE => clear.extend_from_slice(&frag),
                ContentType::CHANGE_CIPHER_SPEC => {
                    assert_eq!(frag, [1]);
                    protected = true;
                }
                other => panic!("unexpected clear record {other:?}"),
            }
            continue;
        }
        let plain = dec
            .open_in_place(typ, version, &mut frag)
            .expect("record decrypts with the key-log keys");
        match typ {
            ContentType::HANDSHAKE if finished.is_empty() => finished = plain.to_vec(),
            ContentType::APPLICATION_DATA => app_data.extend_from_slice(plain),
            ContentType::ALERT => alerts.push(plain.to_vec()),
            other => panic!("unexpected protected record {other:?}"),
        }
    }
    assert!(protected, "no ChangeCipherSpec seen");
    Direction {
        clear_handshake: handshake_messages(&clear),
        finished,
        app_data,
        alerts,
    }
}

/// Decrypts a captured session and checks everything we can check. Returns
/// the decrypted alerts (client's, server's).
fn check_capture(cap: &Capture, expect_suite: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let c2s = split_records(&cap.c2s);
    let s2c = split_records(&cap.s2c);
    // ClientHello / ServerHello: type(1) len(3) version(2) random(32) ...
    let ch = &c2s.first().expect("client sent records").2;
    let sh = &s2c.first().expect("server sent records").2;
    assert_eq!((ch[0], sh[0]), (1, 2), "hellos first");
    let client_random: [u8; 32] = ch[6..38].try_into().unwrap();
    let server_random: [u8; 32] = sh[6..38].try_into().unwrap();
    let sid_len = sh[38] as usize;
    let suite_at = 39 + sid_len;
    let suite = CipherSuite(u16::from_be_bytes([sh[suite_at], sh[suite_at + 1]]));
    let suite: &SupportedSuite = suites::lookup(suite).expect("an implemented suite");
    assert_eq!(suite.name(), expect_suite);

    // Key log: CLIENT_RANDOM <client random> <master secret> (NSS format).
    let cr_hex = sanstls::internals::hex::encode(&client_random);
    let ms_hex = cap
        .keylog
        .lines()
        .filter_map(|l| l.strip_prefix("CLIENT_RANDOM "))
        .find_map(|l| {
            let (cr, ms) = l.split_once(' ')?;
            cr.eq_ignore_ascii_case(&cr_hex)
                .then(|| ms.trim().to_string())
        })
        .expect("key log line for this client random");
    let ms = MasterSecret::from_bytes(unhex(&ms_hex).try_into().expect("48-byte secret"));

    let prf = ms.prf_key(suite);
    let kb = prf.key_block(&client_random, &server_random, false);
    let client = decrypt_direction(&cap.c2s, kb.client_keys().decrypter().unwrap());
    let server = decrypt_direction(&cap.s2c, kb.server_keys().decrypter().unwrap());
    assert_eq!(client.app_data, CLIENT_LINE);
    assert_eq!(server.app_data, SERVER_LINE);
    for alert in client.alerts.iter().chain(&server.alerts) {
        assert_eq!(alert, &[1, 0], "only close_notify");
    }

    // Finished (RFC 5246 §7.4.9). Transcript for the client's: ClientHello,
    // the server's first flight, the rest of the client's flight. The
    // server's adds the client Finished and its NewSessionTicket, which it
    // sends after the client Finished.
    const NEW_SESSION_TICKET: u8 = 4;
    let mut t = Transcript::new();
    let (first, rest) = client.clear_handshake.split_first().expect("ClientHello");
    t.add(&first.1);
    t.start(suite.hash);
    for (typ, m) in &server.clear_handshake {
        if *typ != NEW_SESSION_TICKET {
            t.add(m);
        }
    }
    for (_, m) in rest {
        t.add(m);
    }
    let hash = t.current_hash().unwrap();
    let expect = prf.verify_data(true, &hash);
    assert_eq!(client.finished[..4], [20, 0, 0, 12]);
    check_verify_data(&expect, &client.finished[4..]).expect("client verify_data");

    t.add(&client.finished);
    for (typ, m) in &server.clear_handshake {
        if *typ == NEW_SESSION_TICKET {
            t.add(m);
        }
    }
    let expect = prf.verify_data(false, &t.current_hash().unwrap());
    assert_eq!(server.finished[..4], [20, 0, 0, 12]);
    check_verify_data(&expect, &server.finished[4..]).expect("server verify_data");
    (client.alerts, server.alerts)
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keylog")
}

fn write_fixture(cipher: &str, cap: &Capture) {
    let dir = fixture_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{cipher}.c2s.bin")), &cap.c2s).unwrap();
    std::fs::write(dir.join(format!("{cipher}.s2c.bin")), &cap.s2c).unwrap();
    std::fs::write(dir.join(format!("{cipher}.keylog")), &cap.keylog).unwrap();
}

#[test]
fn decrypts_live_openssl_sessions() {
    if !openssl_available() {
        eprintln!("SKIPPED decrypts_live_openssl_sessions: no `openssl` binary on PATH");
        return;
    }
    let dir = TempDir::new("sanstls-keylog");
    run_ok(
        Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=localhost"])
            .arg("-keyout")
            .arg(dir.path("key.pem"))
            .arg("-out")
            .arg(dir.path("cert.pem"))
            .stdout(Stdio::null()),
    );
    let write = std::env::var_os("SANSTLS_WRITE_KEYLOG_FIXTURES").is_some();
    for (cipher, name) in CASES {
        let cap = run_session(dir.dir(), cipher);
        let (client_alerts, server_alerts) = check_capture(&cap, name);
        // A clean close both ways: exactly one close_notify from each side
        // (the recorded fixtures predate this and lack the server's).
        assert_eq!(client_alerts, [[1, 0]], "{cipher}: client alerts");
        assert_eq!(server_alerts, [[1, 0]], "{cipher}: server alerts");
        if write {
            write_fixture(cipher, &cap);
        }
    }
}

#[test]
fn decrypts_recorded_openssl_sessions() {
    for (cipher, name) in CASES {
        let dir = fixture_dir();
        let read = |ext: &str| std::fs::read(dir.join(format!("{cipher}.{ext}")));
        let (Ok(c2s), Ok(s2c), Ok(keylog)) = (read("c2s.bin"), read("s2c.bin"), read("keylog"))
        else {
            panic!("missing fixture for {cipher} in {}", dir.display());
        };
        let keylog = String::from_utf8(keylog).unwrap();
        check_capture(&Capture { c2s, s2c, keylog }, name);
    }
}
