//! Live interop of the CBC suites (feature `legacy`, `allow_cbc`) against
//! real peers, over TCP on 127.0.0.1: OpenSSL (`s_server`/`s_client
//! -tls1_2 -cipher NAME`) and GnuTLS (`gnutls-serv --echo`/`gnutls-cli`
//! with a priority string naming cipher, MAC and key exchange), each in
//! both roles, for every suite of `CBC_SUITES` (the ECDSA ones with a P-256
//! certificate, the others with RSA-2048), each with encrypt-then-MAC
//! (RFC 7366: we offer it and agree to it by default) and without it, which
//! the peer refuses (`-no_etm`, `%NO_ETM`); and for two suites with each
//! peer in each role, without it because our side's `encrypt_then_mac` is
//! off while the peer wants it. On every connection:
//!
//! - the handshake with exactly that suite, and `Negotiated::encrypt_then_mac`
//!   as the peer wanted it (GnuTLS also prints it: `- Options: ... EtM,`);
//! - application data both ways in records of 0, 1, 15, 16, 17 and 16,384
//!   bytes, each checked byte for byte where it arrives, and each record's
//!   length on the wire checked against the CBC layout (explicit IV, whole
//!   blocks, the MAC inside them or after them);
//! - close_notify both ways.
//!
//! What the peer tools can send and show:
//!
//! - Our records are all sent, the empty one with `seal_in_place` (`send`
//!   sends nothing for no data). s_server, s_client and gnutls-cli print
//!   what they receive, so their output must hold everything we sent, in
//!   order; gnutls-serv `--echo` answers each line with one record of it.
//!   An empty record shows nowhere: both libraries authenticate it and drop
//!   it. GnuTLS logs it at `-d 5` (`Decrypted Packet[n] Application
//!   Data(23) with length: 0`), which the test waits for; OpenSSL logs
//!   nothing, so there the evidence is that it goes on (a record that fails
//!   its MAC check ends the connection with bad_record_mac) and prints the
//!   next one.
//! - Their records are what the tools read from their standard input at
//!   once, sent with one write each: none of them can send an empty record
//!   (a read of 0 bytes is the end of input to all of them), and the
//!   largest record each sends is s_server 16,384 bytes (it reads 16 KiB at
//!   a time), s_client 8,192 (`BUFSIZZ`), gnutls-cli 4,095 (`MAX_BUF - 1`);
//!   gnutls-serv echoes a line of 16,384 bytes in one record. So the 16,384
//!   bytes come from s_client as two records and from gnutls-cli as five
//!   (4 × 4,095 + 4), and the test checks exactly those records.
//!
//! No suite needs `@SECLEVEL=0`: OpenSSL 3.0's default level allows all 16
//! (`openssl_names_every_cbc_suite`), and GnuTLS 3.7 lists all 16 for their
//! priority strings (`gnutls_lists_every_cbc_suite`).
//!
//! Children are killed and reaped by `Proc`'s drop guard, sockets have read
//! and write timeouts and every wait has a deadline. Without a tool, its
//! tests print `SKIPPED: ... not found` and return. The tests hold the
//! legacy interop lock, so one peer runs at a time. Each test runs all its
//! cases and then fails naming every case that failed (suite, peer, role,
//! encrypt-then-MAC setting); each failure's own message is printed above.

mod common;

use std::fmt;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::gnutls::{self, description, selected_suite};
use common::legacy::{one_peer_at_a_time, write_ffdhe_params, PeerFiles};
use common::openssl::{self, expect_exit, handshake, openssl_available, Proc, TempDir, TIMEOUT};
use common::{KeyType, Pki};
use sanstls::internals::codec::enums::NamedGroup;
use sanstls::io::Stream;
use sanstls::suites::{
    AuthKind, CbcCipher, KeyExchangeKind, MacKind, Protection, SupportedSuite, CBC_SUITES,
};
use sanstls::{ClientConfig, Connection, Event, Negotiated, ServerConfig};

/// Plaintext sizes of the records sent each way: empty, one byte, around
/// the AES block, and the largest a record may carry.
const SIZES: [usize; 6] = [0, 1, 15, 16, 17, 16_384];

/// The AES block, which is also the explicit IV's length.
const BLOCK: usize = 16;

/// The record header: type, version, length.
const HEADER: usize = 5;

/// ContentType application_data.
const APPLICATION_DATA: u8 = 23;

// ---------------------------------------------------------------------------
// The suites under the peers' names
// ---------------------------------------------------------------------------

fn cbc(suite: &SupportedSuite) -> (CbcCipher, MacKind) {
    match suite.protection {
        Protection::Cbc(c) => (c.cipher, c.mac),
        Protection::Aead(_) => panic!("{} is not a CBC suite", suite.name()),
    }
}

/// OpenSSL's name: `AES128-SHA`, `DHE-RSA-AES256-SHA256`,
/// `ECDHE-ECDSA-AES256-SHA384`, ... (checked against OpenSSL's own table
/// in `openssl_names_every_cbc_suite`).
fn openssl_name(suite: &SupportedSuite) -> String {
    let kx = match (suite.kx, suite.auth) {
        (KeyExchangeKind::Rsa, _) => "",
        (KeyExchangeKind::Dhe, _) => "DHE-RSA-",
        (KeyExchangeKind::Ecdhe, AuthKind::Rsa) => "ECDHE-RSA-",
        (KeyExchangeKind::Ecdhe, AuthKind::Ecdsa) => "ECDHE-ECDSA-",
    };
    let (cipher, mac) = cbc(suite);
    let cipher = match cipher {
        CbcCipher::Aes128 => "AES128",
        CbcCipher::Aes256 => "AES256",
    };
    let mac = match mac {
        MacKind::Sha1 => "SHA",
        MacKind::Sha256 => "SHA256",
        MacKind::Sha384 => "SHA384",
    };
    format!("{kx}{cipher}-{mac}")
}

/// GnuTLS's names of the key exchange, cipher and MAC, for priority strings
/// and its `- Description:` line.
fn gnutls_parts(suite: &SupportedSuite) -> (&'static str, &'static str, &'static str) {
    let kx = match (suite.kx, suite.auth) {
        (KeyExchangeKind::Rsa, _) => "RSA",
        (KeyExchangeKind::Dhe, _) => "DHE-RSA",
        (KeyExchangeKind::Ecdhe, AuthKind::Rsa) => "ECDHE-RSA",
        (KeyExchangeKind::Ecdhe, AuthKind::Ecdsa) => "ECDHE-ECDSA",
    };
    let (cipher, mac) = cbc(suite);
    let cipher = match cipher {
        CbcCipher::Aes128 => "AES-128-CBC",
        CbcCipher::Aes256 => "AES-256-CBC",
    };
    let mac = match mac {
        MacKind::Sha1 => "SHA1",
        MacKind::Sha256 => "SHA256",
        MacKind::Sha384 => "SHA384",
    };
    (kx, cipher, mac)
}

/// GnuTLS's name of the suite without its prefix (`TLS_` in `gnutls-cli
/// -l`, `GNUTLS_` in the `-d` log): `RSA_AES_128_CBC_SHA1`, ...
fn gnutls_name(suite: &SupportedSuite) -> String {
    let (kx, cipher, mac) = gnutls_parts(suite);
    format!("{kx}_{cipher}_{mac}").replace('-', "_")
}

/// A priority string allowing TLS 1.2 with exactly `suite`, every group
/// (GnuTLS's DHE needs one), and encrypt-then-MAC unless `etm` is false.
fn gnutls_priority(suite: &SupportedSuite, etm: bool) -> String {
    let (kx, cipher, mac) = gnutls_parts(suite);
    let no_etm = if etm { "" } else { ":%NO_ETM" };
    format!("NONE:+VERS-TLS1.2:+{cipher}:+{mac}:+{kx}:+SIGN-ALL:+COMP-NULL:+GROUP-ALL{no_etm}")
}

// ---------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------

/// The peer tool, which fixes the roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    SServer,
    SClient,
    GnutlsServ,
    GnutlsCli,
}

impl Peer {
    fn tool(self) -> &'static str {
        match self {
            Peer::SServer => "openssl s_server",
            Peer::SClient => "openssl s_client",
            Peer::GnutlsServ => "gnutls-serv",
            Peer::GnutlsCli => "gnutls-cli",
        }
    }

    fn is_server(self) -> bool {
        matches!(self, Peer::SServer | Peer::GnutlsServ)
    }

    fn is_gnutls(self) -> bool {
        matches!(self, Peer::GnutlsServ | Peer::GnutlsCli)
    }

    /// The most application data the tool puts in one record: what it
    /// reads from its standard input at once (see the module comment).
    fn max_record(self) -> usize {
        match self {
            Peer::SServer | Peer::GnutlsServ => 16_384,
            Peer::SClient => 8_192,
            Peer::GnutlsCli => 4_095,
        }
    }
}

/// One connection: a suite, a peer (and so the roles), and whether each
/// side allows encrypt-then-MAC. Every failure names it.
struct Case {
    suite: &'static SupportedSuite,
    peer: Peer,
    /// Off: `-no_etm`, `%NO_ETM`.
    peer_etm: bool,
    /// Our config's `encrypt_then_mac` (on by default).
    our_etm: bool,
}

impl Case {
    /// Whether the connection must use encrypt-then-MAC.
    fn etm(&self) -> bool {
        self.peer_etm && self.our_etm
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = if self.peer.is_server() {
            "our client, their server"
        } else {
            "their client, our server"
        };
        let etm = match (self.peer_etm, self.our_etm) {
            (true, true) => "with encrypt-then-MAC",
            (false, true) => "without encrypt-then-MAC (the peer's off)",
            (true, false) => "without encrypt-then-MAC (ours off)",
            (false, false) => "without encrypt-then-MAC (both off)",
        };
        write!(
            f,
            "[{} with {} ({role}), {etm}]",
            self.suite.name(),
            self.peer.tool()
        )
    }
}

/// The servers' files: an RSA-2048 and a P-256 PKI, each in its own
/// scratch directory (`cert.pem`, `key.pem`, `ca.pem`), and with OpenSSL
/// `ffdhe2048.pem` for `s_server -dhparam` (its own DH parameters are not
/// an RFC 7919 group; see interop_legacy.rs).
struct Files {
    rsa: PeerFiles,
    ecdsa: PeerFiles,
}

impl Files {
    fn new(openssl: bool) -> Files {
        let files = Files {
            rsa: peer_files(KeyType::Rsa2048),
            ecdsa: peer_files(KeyType::P256),
        };
        if openssl {
            write_ffdhe_params("ffdhe2048", &files.rsa.path("ffdhe2048.pem"));
        }
        files
    }

    /// `None` (after printing SKIPPED) without an `openssl` binary.
    fn for_openssl() -> Option<Files> {
        if !openssl_available() {
            println!("SKIPPED: openssl not found");
            return None;
        }
        Some(Files::new(true))
    }

    /// `None` (after printing SKIPPED) without gnutls-serv and gnutls-cli.
    fn for_gnutls() -> Option<Files> {
        if !gnutls::gnutls_available() {
            println!("SKIPPED: gnutls-serv/gnutls-cli not found");
            return None;
        }
        Some(Files::new(false))
    }

    fn for_suite(&self, suite: &SupportedSuite) -> &PeerFiles {
        match suite.auth {
            AuthKind::Rsa => &self.rsa,
            AuthKind::Ecdsa => &self.ecdsa,
        }
    }

    /// Our client offering only the case's suite, trusting the server's CA.
    fn client(&self, case: &Case) -> ClientConfig {
        let mut cc = self.for_suite(case.suite).pki.client_config();
        cc.allow_cbc = true;
        cc.encrypt_then_mac = case.our_etm;
        cc.allow_rsa_key_transport = case.suite.kx == KeyExchangeKind::Rsa;
        cc.allow_ffdhe = case.suite.kx == KeyExchangeKind::Dhe;
        cc.set_suites_by_name(&[case.suite.name()]).unwrap();
        cc
    }

    /// Our server accepting only the case's suite, with its certificate.
    fn server(&self, case: &Case) -> ServerConfig {
        let mut sc = self.for_suite(case.suite).pki.server_config();
        sc.allow_cbc = true;
        sc.encrypt_then_mac = case.our_etm;
        sc.allow_rsa_key_transport = case.suite.kx == KeyExchangeKind::Rsa;
        sc.allow_ffdhe = case.suite.kx == KeyExchangeKind::Dhe;
        sc.set_suites_by_name(&[case.suite.name()]).unwrap();
        sc
    }
}

/// A server PKI for `key` written to a scratch directory, as
/// `PeerFiles::new` writes its RSA one.
fn peer_files(key: KeyType) -> PeerFiles {
    let dir = TempDir::new("sanstls-cbc");
    let pki = Pki::new(key);
    dir.write("cert.pem", &pki.chain_pem);
    dir.write("key.pem", &pki.key_pem);
    dir.write("ca.pem", pki.ca_pem());
    PeerFiles { dir, pki }
}

/// Runs every suite of `CBC_SUITES` against `peer`, with encrypt-then-MAC
/// and with the peer refusing it.
fn every_case(files: &Files, peer: Peer) {
    let cases = CBC_SUITES.iter().flat_map(|suite| {
        [true, false].map(|peer_etm| Case {
            suite,
            peer,
            peer_etm,
            our_etm: true,
        })
    });
    run_all(files, cases);
}

/// Runs `cases`; then fails naming every case that failed.
fn run_all(files: &Files, cases: impl Iterator<Item = Case>) {
    let (mut total, mut failed) = (0, Vec::new());
    for case in cases {
        total += 1;
        // Each case's own panic message is printed as it fails.
        if catch_unwind(AssertUnwindSafe(|| run(files, &case))).is_err() {
            failed.push(case.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {total} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

fn run(files: &Files, case: &Case) {
    match case.peer {
        Peer::SServer => with_s_server(files, case),
        Peer::SClient => with_s_client(files, case),
        Peer::GnutlsServ => with_gnutls_serv(files, case),
        Peer::GnutlsCli => with_gnutls_cli(files, case),
    }
}

// ---------------------------------------------------------------------------
// Our end, record by record
// ---------------------------------------------------------------------------

/// Our end of an established connection, driven by hand (after `Stream`
/// ran the handshake) so that each record is seen on its own: what we send
/// goes out one record per call, and what we receive comes back one
/// record's plaintext at a time, with the record's length on the wire
/// checked.
struct Ours {
    conn: Connection,
    tcp: TcpStream,
    /// Received bytes the connection has not consumed yet.
    inbuf: Vec<u8>,
}

impl Ours {
    /// Runs the handshake on `s`, checks what it agreed, and takes the
    /// connection out of the stream.
    fn handshake(case: &Case, mut s: Stream<TcpStream>, peer: &Proc) -> Ours {
        let n = handshake(&mut s, peer, &case.to_string());
        check_negotiated(case, &n, peer);
        let parts = s.into_parts();
        assert!(
            parts.plaintext.is_empty() && parts.unsent.is_empty(),
            "{case}: the stream holds data after the handshake"
        );
        Ours {
            conn: parts.connection,
            tcp: parts.transport,
            inbuf: parts.received,
        }
    }

    /// Writes whatever the connection has queued (an alert, our answer to
    /// close_notify).
    fn flush(&mut self, case: &Case, peer: &Proc) {
        let mut out = Vec::new();
        self.conn.poll_output(&mut out);
        if !out.is_empty() {
            self.tcp
                .write_all(&out)
                .unwrap_or_else(|e| panic!("{case}: write: {e}\n{}", peer.dump()));
        }
    }

    /// Sends `data` as one application-data record: with `send`, or with
    /// `seal_in_place` when empty (`send` sends nothing for no data).
    /// Checks it is one record in the CBC layout before it goes.
    fn send_record(&mut self, case: &Case, data: &[u8], peer: &Proc) {
        self.flush(case, peer);
        let mut record = Vec::new();
        let sent = if data.is_empty() {
            let (prefix, suffix) = self
                .conn
                .in_place_layout()
                .unwrap_or_else(|| panic!("{case}: no in-place layout after the handshake"));
            record.resize(prefix + suffix, 0);
            self.conn.seal_in_place(&mut record, 0).map(|n| {
                record.truncate(n);
            })
        } else {
            self.conn.send(data, &mut record)
        };
        if let Err(e) = sent {
            panic!("{case}: sealing {} bytes: {e}", data.len());
        }
        assert!(record.len() >= HEADER, "{case}: sealed {record:?}");
        assert_eq!(record[0], APPLICATION_DATA, "{case}: our record's type");
        let fragment = usize::from(u16::from_be_bytes([record[3], record[4]]));
        assert_eq!(
            record.len(),
            HEADER + fragment,
            "{case}: {} bytes sealed as more than one record",
            data.len()
        );
        check_cbc_layout(case, "our", fragment, data.len());
        self.tcp
            .write_all(&record)
            .unwrap_or_else(|e| panic!("{case}: write: {e}\n{}", peer.dump()));
    }

    /// Feeds the connection the next whole record from the peer, reading
    /// from the socket until one is there. Returns its plaintext if it was
    /// application data; `None` for any other record (close_notify).
    fn next_record(&mut self, case: &Case, peer: &Proc) -> Option<Vec<u8>> {
        loop {
            if let Some(header) = self.inbuf.get(..HEADER) {
                let typ = header[0];
                let fragment = usize::from(u16::from_be_bytes([header[3], header[4]]));
                let wire_len = HEADER + fragment;
                if self.inbuf.len() >= wire_len {
                    let input = self
                        .conn
                        .handle_input(&mut self.inbuf[..wire_len])
                        .unwrap_or_else(|e| {
                            panic!("{case}: we refused the peer's record: {e}\n{}", peer.dump())
                        });
                    let consumed = input.consumed;
                    let data = input.data.map(|d| d.to_vec());
                    assert_eq!(consumed, wire_len, "{case}: one whole record given");
                    self.inbuf.drain(..wire_len);
                    self.flush(case, peer);
                    while let Some(event) = self.conn.poll_event() {
                        assert_eq!(event, Event::PeerClosed, "{case}\n{}", peer.dump());
                    }
                    if typ != APPLICATION_DATA {
                        return None;
                    }
                    let data = data.unwrap_or_default();
                    check_cbc_layout(case, "the peer's", fragment, data.len());
                    return Some(data);
                }
            }
            let mut buf = [0u8; 4096];
            let n = self
                .tcp
                .read(&mut buf)
                .unwrap_or_else(|e| panic!("{case}: read: {e}\n{}", peer.dump()));
            assert!(
                n > 0,
                "{case}: the peer closed the connection without close_notify\n{}",
                peer.dump()
            );
            self.inbuf.extend_from_slice(&buf[..n]);
        }
    }

    /// Receives records until `len` bytes of application data came;
    /// returns each record's plaintext.
    fn recv(&mut self, case: &Case, len: usize, peer: &Proc) -> Vec<Vec<u8>> {
        let mut records = Vec::new();
        let mut total = 0;
        while total < len {
            let Some(data) = self.next_record(case, peer) else {
                panic!(
                    "{case}: the peer closed after {total} of {len} bytes\n{}",
                    peer.dump()
                );
            };
            total += data.len();
            records.push(data);
        }
        records
    }

    /// Waits for the peer's close_notify, with no data before it; our
    /// answer goes out as it arrives (if we did not close first).
    fn expect_close(&mut self, case: &Case, peer: &Proc) {
        while !self.conn.peer_closed() {
            if let Some(data) = self.next_record(case, peer) {
                panic!(
                    "{case}: {} bytes of data instead of close_notify\n{}",
                    data.len(),
                    peer.dump()
                );
            }
        }
        assert!(self.conn.sent_close(), "{case}: our close_notify");
        assert!(self.inbuf.is_empty(), "{case}: bytes after close_notify");
    }

    /// Sends our close_notify, then waits for the peer's.
    fn close(&mut self, case: &Case, peer: &Proc) {
        self.conn.close();
        self.flush(case, peer);
        self.expect_close(case, peer);
    }
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// What every handshake must show: exactly the suite, encrypt-then-MAC as
/// the peer allowed it (we always offer or agree), the extended master
/// secret, the server name, and the key exchange's group.
fn check_negotiated(case: &Case, n: &Negotiated, peer: &Proc) {
    assert_eq!(n.suite_name(), case.suite.name(), "{case}\n{}", peer.dump());
    assert_eq!(
        n.encrypt_then_mac,
        case.etm(),
        "{case}: Negotiated::encrypt_then_mac\n{}",
        peer.dump()
    );
    assert!(n.extended_master_secret, "{case}");
    assert!(!n.resumed, "{case}");
    assert_eq!(n.server_name.as_deref(), Some("localhost"), "{case}");
    match case.suite.kx {
        KeyExchangeKind::Rsa => assert_eq!(n.group, None, "{case}"),
        KeyExchangeKind::Dhe => assert_eq!(n.group, Some(NamedGroup::FFDHE2048), "{case}"),
        KeyExchangeKind::Ecdhe => assert!(n.group.is_some(), "{case}"),
    }
}

/// Checks a CBC record's fragment length against its plaintext length
/// (RFC 5246 §6.2.3.2, RFC 7366 §3): the explicit IV, then whole blocks
/// holding the plaintext (and the MAC, without encrypt-then-MAC) and 1 to
/// 256 bytes of padding, then the MAC with encrypt-then-MAC. A 20-byte
/// SHA-1 MAC is not whole blocks, so for the SHA-1 suites this tells the
/// two layouts apart; for the others their lengths are the same.
fn check_cbc_layout(case: &Case, whose: &str, fragment: usize, plain: usize) {
    let mac = cbc(case.suite).1.len();
    let (blocks, inside) = if case.etm() {
        (fragment.checked_sub(BLOCK + mac), plain)
    } else {
        (fragment.checked_sub(BLOCK), plain + mac)
    };
    let ok = blocks.is_some_and(|b| b % BLOCK == 0 && b > inside && b <= inside + 256);
    assert!(
        ok,
        "{case}: {whose} record of {plain} bytes has a {fragment}-byte fragment, \
         which is not the CBC layout"
    );
}

/// `len` bytes to send as one record, distinct for each `seed`: printable,
/// with no NUL or CR, and one newline, the last byte (gnutls-serv --echo
/// answers line by line, up to NUL, and turns a final CR LF into LF); the
/// first of a longer one is a digit (s_server takes some lines starting
/// with a letter as commands).
fn payload(len: usize, seed: u8) -> Vec<u8> {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut p: Vec<u8> = (0..len)
        .map(|i| ALPHABET[(i * 7 + usize::from(seed) * 11) % ALPHABET.len()])
        .collect();
    if let Some(first) = p.first_mut() {
        *first = b'0' + seed % 10;
    }
    if let Some(last) = p.last_mut() {
        *last = b'\n';
    }
    p
}

/// Waits until `pred(stdout, stderr)` holds of the peer, failing with the
/// case, `what` and the peer's output if the peer exits first or
/// [`TIMEOUT`] passes.
fn wait_peer(case: &Case, peer: &mut Proc, what: &str, pred: impl Fn(&str, &str) -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if pred(&peer.stdout(), &peer.stderr()) {
            return;
        }
        if peer.exited().is_some() || Instant::now() >= deadline {
            // All its output is in once it has exited.
            peer.wait_exit(Duration::from_secs(1));
            if pred(&peer.stdout(), &peer.stderr()) {
                return;
            }
            panic!("{case}: {what}\n{}", peer.dump());
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Whether a GnuTLS `-d 5` log shows an empty application-data record
/// decrypted (and so authenticated).
fn gnutls_decrypted_empty_record(log: &str) -> bool {
    log.lines().any(|l| {
        l.contains("Decrypted Packet[") && l.ends_with("Application Data(23) with length: 0")
    })
}

/// Application data both ways in records of every size in [`SIZES`]. Ours
/// must show in full, in order, in what the peer prints (gnutls-serv
/// echoes it instead); the peer's come as the records it can send.
fn exchange(case: &Case, ours: &mut Ours, peer: &mut Proc) {
    // Everything we sent so far, which the printing peers print as it is.
    let mut printed = String::new();
    for (i, &len) in SIZES.iter().enumerate() {
        let seed = 2 * i as u8;
        let data = payload(len, seed);
        ours.send_record(case, &data, peer);
        if case.peer == Peer::GnutlsServ {
            if len > 0 {
                let echo = ours.recv(case, len, peer);
                let lens: Vec<usize> = echo.iter().map(Vec::len).collect();
                assert_eq!(lens, [len], "{case}: the echo of {len} bytes in records");
                assert!(echo[0] == data, "{case}: the echo of {len} bytes differs");
            }
        } else {
            printed.push_str(std::str::from_utf8(&data).unwrap());
            wait_peer(
                case,
                peer,
                &format!("our {len}-byte record not printed"),
                |out, _| out.contains(printed.as_str()),
            );
        }
        if len == 0 && case.peer.is_gnutls() {
            wait_peer(case, peer, "our empty record not decrypted", |_, err| {
                gnutls_decrypted_empty_record(err)
            });
        }
        if len == 0 || case.peer == Peer::GnutlsServ {
            continue;
        }
        let theirs = payload(len, seed + 1);
        peer.send_stdin(&theirs);
        let got = ours.recv(case, len, peer);
        let lens: Vec<usize> = got.iter().map(Vec::len).collect();
        let expected: Vec<usize> = theirs
            .chunks(case.peer.max_record())
            .map(<[u8]>::len)
            .collect();
        assert_eq!(lens, expected, "{case}: the peer's {len} bytes in records");
        assert!(
            got.concat() == theirs,
            "{case}: the peer's {len} bytes arrived changed"
        );
    }
}

/// What GnuTLS printed of the handshake (`-d 4` and up): the suite it
/// selected, the cipher and MAC in its `- Description:` line, and its
/// `- Options:` line, which lists `EtM` when encrypt-then-MAC is on.
fn check_gnutls(case: &Case, peer: &mut Proc) {
    wait_peer(case, peer, "no - Options: line", |out, _| {
        out.contains("- Options:")
    });
    let (out, err) = (peer.stdout(), peer.stderr());
    let name = format!("GNUTLS_{}", gnutls_name(case.suite));
    assert_eq!(
        selected_suite(&err),
        Some(name.as_str()),
        "{case}\n{}",
        peer.dump()
    );
    let (_, cipher, mac) = gnutls_parts(case.suite);
    let d = description(&out).unwrap_or_else(|| panic!("{case}: no description\n{}", peer.dump()));
    assert!(
        d.starts_with("(TLS1.2-X.509)-") && d.ends_with(&format!("-({cipher})-({mac})")),
        "{case}: {d}\n{}",
        peer.dump()
    );
    let options = out
        .lines()
        .find(|l| l.starts_with("- Options:"))
        .unwrap_or_default();
    assert!(
        options.contains("extended master secret"),
        "{case}: {options}"
    );
    assert_eq!(
        options.contains("EtM"),
        case.etm(),
        "{case}: GnuTLS says {options:?}"
    );
}

// ---------------------------------------------------------------------------
// Sessions with each peer
// ---------------------------------------------------------------------------

/// `s_server`/`s_client` arguments: the suite, `-no_etm` when the peer
/// refuses encrypt-then-MAC, and for s_server with DHE an RFC 7919 group.
fn openssl_args(files: &Files, case: &Case) -> Vec<String> {
    let mut args = vec!["-cipher".to_string(), openssl_name(case.suite)];
    if !case.peer_etm {
        args.push("-no_etm".into());
    }
    if case.peer.is_server() && case.suite.kx == KeyExchangeKind::Dhe {
        args.push("-dhparam".into());
        args.push(files.rsa.arg("ffdhe2048.pem"));
    }
    args
}

/// Our client against `s_server` (without `-rev`, so it prints what it
/// receives and sends what it reads on its standard input): the exchange,
/// then close_notify from us, answered; s_server says `DONE` (it read
/// close_notify, not a bare EOF) and exits.
fn with_s_server(files: &Files, case: &Case) {
    let f = files.for_suite(case.suite);
    let args = openssl_args(files, case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (mut srv, port) =
        openssl::start_s_server_verbose(&f.path("cert.pem"), &f.path("key.pem"), 1, &args);
    let s = openssl::connect_client(port, Arc::new(files.client(case)), "localhost");
    let mut ours = Ours::handshake(case, s, &srv);
    exchange(case, &mut ours, &mut srv);
    ours.close(case, &srv);
    drop(ours);
    expect_exit(&mut srv, &case.to_string());
    let out = srv.stdout();
    let cipher = format!("CIPHER is {}\n", openssl_name(case.suite));
    assert!(out.contains(&cipher), "{case}\n{}", srv.dump());
    assert!(out.contains("\nDONE\n"), "{case}\n{}", srv.dump());
}

/// Our server against `s_client -ign_eof`, which prints what it receives
/// and sends what it reads on its standard input: the exchange, then
/// close_notify from us, answered; s_client says `closed` (it read
/// close_notify, not a bare EOF) and exits, having verified our chain.
fn with_s_client(files: &Files, case: &Case) {
    let f = files.for_suite(case.suite);
    let args = openssl_args(files, case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (mut cli, tcp) = openssl::start_s_client(&f.path("ca.pem"), &args, b"");
    let s = Stream::new(Connection::new_server(Arc::new(files.server(case))), tcp);
    let mut ours = Ours::handshake(case, s, &cli);
    exchange(case, &mut ours, &mut cli);
    ours.close(case, &cli);
    drop(ours);
    expect_exit(&mut cli, &case.to_string());
    let out = cli.stdout();
    for line in [
        format!("Cipher is {}\n", openssl_name(case.suite)),
        "Protocol  : TLSv1.2\n".to_string(),
        "Extended master secret: yes\n".to_string(),
        "Verify return code: 0 (ok)".to_string(),
        // It read our close_notify (SSL_ERROR_ZERO_RETURN).
        "\nclosed\n".to_string(),
    ] {
        assert!(out.contains(&line), "{case}: {line:?}\n{}", cli.dump());
    }
}

/// Our client against `gnutls-serv --echo -d 5`: the exchange (echoed),
/// then close_notify from us, answered.
fn with_gnutls_serv(files: &Files, case: &Case) {
    let f = files.for_suite(case.suite);
    let priority = gnutls_priority(case.suite, case.peer_etm);
    let (mut srv, port) = gnutls::start_gnutls_serv(
        &f.path("cert.pem"),
        &f.path("key.pem"),
        &priority,
        &["-d", "5"],
    );
    let s = openssl::connect_client(port, Arc::new(files.client(case)), "localhost");
    let mut ours = Ours::handshake(case, s, &srv);
    exchange(case, &mut ours, &mut srv);
    ours.close(case, &srv);
    check_gnutls(case, &mut srv);
}

/// Our server against `gnutls-cli -d 5`, which prints what it receives and
/// sends what it reads on its standard input: the exchange, then
/// close_notify from gnutls-cli first (at the end of its input; one that
/// receives close_notify first exits without answering), answered by us;
/// gnutls-cli exits cleanly.
fn with_gnutls_cli(files: &Files, case: &Case) {
    let f = files.for_suite(case.suite);
    let priority = gnutls_priority(case.suite, case.peer_etm);
    let (mut cli, tcp) = gnutls::start_gnutls_cli(&f.path("ca.pem"), &priority, &["-d", "5"], b"");
    let s = Stream::new(Connection::new_server(Arc::new(files.server(case))), tcp);
    let mut ours = Ours::handshake(case, s, &cli);
    exchange(case, &mut ours, &mut cli);
    cli.close_stdin();
    ours.expect_close(case, &cli);
    drop(ours);
    expect_exit(&mut cli, &case.to_string());
    assert!(
        cli.stdout()
            .contains("- Peer has closed the GnuTLS connection\n"),
        "{case}\n{}",
        cli.dump()
    );
    check_gnutls(case, &mut cli);
}

// ---------------------------------------------------------------------------
// The peers know every suite
// ---------------------------------------------------------------------------

/// OpenSSL's names for the 16 suites are what `openssl_name` makes of
/// them, and all 16 are available at OpenSSL's default security level
/// (`ciphers -s` lists only those): no `@SECLEVEL=0` needed.
#[test]
fn openssl_names_every_cbc_suite() {
    if !openssl_available() {
        println!("SKIPPED: openssl not found");
        return;
    }
    for suite in CBC_SUITES {
        let name = openssl_name(suite);
        let out = Command::new("openssl")
            .args(["ciphers", "-stdname", "-s", "-tls1_2", &name])
            .output()
            .expect("run openssl ciphers");
        let out = String::from_utf8_lossy(&out.stdout);
        let listed: Vec<&str> = out.lines().filter_map(|l| l.split(' ').next()).collect();
        assert_eq!(listed, [suite.name()], "{name}: {out}");
    }
}

/// GnuTLS lists exactly the suite for each priority string, with the
/// suite's wire value: it has all 16 (GnuTLS 3.7.9 was checked).
#[test]
fn gnutls_lists_every_cbc_suite() {
    if !gnutls::gnutls_available() {
        println!("SKIPPED: gnutls-serv/gnutls-cli not found");
        return;
    }
    for suite in CBC_SUITES {
        let priority = gnutls_priority(suite, true);
        let out = Command::new("gnutls-cli")
            .args(["-l", "--priority", &priority])
            .output()
            .expect("run gnutls-cli -l");
        let out = String::from_utf8_lossy(&out.stdout);
        // "TLS_RSA_AES_128_CBC_SHA1  0x00, 0x2f  TLS1.0": name, value, and
        // the first version it is for.
        let listed: Vec<String> = out
            .lines()
            .filter(|l| l.starts_with("TLS_"))
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect();
        let [hi, lo] = suite.suite.0.to_be_bytes();
        let expected = format!("TLS_{} 0x{hi:02x}, 0x{lo:02x}", gnutls_name(suite));
        assert_eq!(listed, [expected], "{}: {priority}", suite.name());
    }
}

// ---------------------------------------------------------------------------
// Every suite, with and without encrypt-then-MAC, both roles, both peers
// ---------------------------------------------------------------------------

#[test]
fn our_client_every_cbc_suite_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    every_case(&files, Peer::SServer);
}

#[test]
fn our_server_every_cbc_suite_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    every_case(&files, Peer::SClient);
}

#[test]
fn our_client_every_cbc_suite_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    every_case(&files, Peer::GnutlsServ);
}

#[test]
fn our_server_every_cbc_suite_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    every_case(&files, Peer::GnutlsCli);
}

// ---------------------------------------------------------------------------
// Our own side without encrypt-then-MAC
// ---------------------------------------------------------------------------

/// Two suites for the cases where our side turns encrypt-then-MAC off: one
/// with a SHA-1 MAC (whose record lengths tell the layouts apart) and the
/// one with the largest MAC.
const OURS_OFF: [&str; 2] = [
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
];

/// With our config's `encrypt_then_mac` off, a peer that wants it gets
/// MAC-then-encrypt: our client does not offer it, our server does not
/// agree to it.
fn ours_off_cases(peers: [Peer; 2]) -> impl Iterator<Item = Case> {
    peers.into_iter().flat_map(|peer| {
        OURS_OFF.map(|name| Case {
            suite: sanstls::suites::by_name(name).unwrap(),
            peer,
            peer_etm: true,
            our_etm: false,
        })
    })
}

#[test]
fn our_side_without_etm_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    run_all(&files, ours_off_cases([Peer::SServer, Peer::SClient]));
}

#[test]
fn our_side_without_etm_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    run_all(&files, ours_off_cases([Peer::GnutlsServ, Peer::GnutlsCli]));
}
