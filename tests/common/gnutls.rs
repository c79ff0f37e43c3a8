//! Shared helpers for tests that run GnuTLS's command-line tools
//! (`gnutls-serv` and `gnutls-cli`, Debian's gnutls-bin): priority strings
//! that allow exactly one TLS 1.2 suite, start-up on free ports, and what
//! the tools print about the suite and group they negotiated.
//!
//! The children are [`Proc`]s, killed (by their own PID) and reaped on drop.
//! Both tools run with `-d 4`, which makes GnuTLS log (to stderr) the suite
//! each side selected, by its IANA-style name
//! (`Selected cipher suite: GNUTLS_DHE_RSA_AES_256_GCM_SHA384`), and the
//! FFDHE group (`Selected group FFDHE2048 (256)`).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use sanstls::io::Stream;
use sanstls::{ClientConfig, Negotiated};

use super::openssl::{
    accept_from, connect_client, expect_exit, handshake, read_line, Proc, CLIENT_LINE, SERVER_LINE,
    TIMEOUT,
};

/// Whether both `gnutls-serv` and `gnutls-cli` run.
pub fn gnutls_available() -> bool {
    ["gnutls-serv", "gnutls-cli"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

/// A priority string allowing TLS 1.2 with the one key exchange `kx`
/// (GnuTLS's name: `RSA`, `DHE-RSA`) and the one AEAD `cipher`
/// (`AES-128-GCM`, `AES-256-GCM`, `CHACHA20-POLY1305`), which together name
/// exactly one suite, and the FFDHE/ECDHE groups `groups` (e.g.
/// `+GROUP-ALL`, `+GROUP-FFDHE3072`). GnuTLS's DHE needs a group in the
/// priority string: without one its server cannot pick DH parameters (it
/// answers internal_error) unless given `--dhparams`.
pub fn priority(kx: &str, cipher: &str, groups: &str) -> String {
    format!("NONE:+VERS-TLS1.2:+{kx}:+{cipher}:+AEAD:+SIGN-ALL:+COMP-NULL:{groups}")
}

/// The suite GnuTLS logged as selected (`-d 4`), e.g.
/// `GNUTLS_RSA_AES_128_GCM_SHA256`, if the handshake got that far.
pub fn selected_suite(log: &str) -> Option<&str> {
    log.lines().find_map(|l| {
        l.split_once("Selected cipher suite: ")
            .map(|(_, suite)| suite.trim())
    })
}

/// The FFDHE group GnuTLS logged for the handshake (`-d 4`), e.g.
/// `FFDHE2048`.
pub fn selected_group(log: &str) -> Option<&str> {
    log.lines().find_map(|l| {
        let (_, rest) = l.split_once("HSK[")?;
        let (_, group) = rest.split_once("]: Selected group ")?;
        group.split_whitespace().next()
    })
}

/// The `- Description: (TLS1.2-X.509)-(...)...` line both tools print once
/// the handshake is done.
pub fn description(out: &str) -> Option<&str> {
    out.lines()
        .find_map(|l| l.strip_prefix("- Description: "))
        .map(str::trim)
}

/// What gnutls-serv printed on stdout for its latest connection.
pub fn last_report(out: &str) -> &str {
    out.rsplit("\n* Accepted connection").next().unwrap_or("")
}

/// Starts `gnutls-serv --echo -d 4` with `cert` and `key` on a free port,
/// with `priority` and `extra` arguments; it answers each record of
/// application data with the same bytes. It serves until killed (there is
/// no `-naccept`), on every interface (it has no option to bind to
/// 127.0.0.1 only). Retries with another port when the IPv4 bind fails
/// (another process took our probed port).
pub fn start_gnutls_serv(cert: &Path, key: &Path, priority: &str, extra: &[&str]) -> (Proc, u16) {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("probe a free port")
            .port();
        let mut srv = Proc::spawn(
            Command::new("gnutls-serv")
                .args(["-d", "4", "--echo"])
                .arg("--port")
                .arg(port.to_string())
                .arg("--x509certfile")
                .arg(cert)
                .arg("--x509keyfile")
                .arg(key)
                .arg("--priority")
                .arg(priority)
                .args(extra),
        );
        // It reports each socket: "...on IPv4 0.0.0.0 port N...done" (or
        // "...bind() failed: ..."), then the same for IPv6, which may fail
        // on a machine without it.
        let ipv4 = format!("listening on IPv4 0.0.0.0 port {port}...");
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let err = srv.stderr();
            if err.contains(&format!("{ipv4}done")) {
                return (srv, port);
            }
            if err.contains(&format!("{ipv4}bind() failed")) || srv.exited().is_some() {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        eprintln!(
            "gnutls-serv did not start on port {port}, retrying:\n{}",
            srv.dump()
        );
    }
    panic!("gnutls-serv never started listening");
}

/// Starts `gnutls-cli -d 4` with `priority` against a listener of ours,
/// trusting `ca`, sending and verifying the name `localhost` (it connects
/// to 127.0.0.1), and accepts its connection. `line` is on its stdin, which
/// stays open: gnutls-cli sends what it reads there and prints what it
/// receives.
pub fn start_gnutls_cli(
    ca: &Path,
    priority: &str,
    extra: &[&str],
    line: &[u8],
) -> (Proc, TcpStream) {
    let (mut cli, listener) = spawn_gnutls_cli(ca, priority, extra, line);
    let tcp = accept_from(&listener, &mut cli, "gnutls-cli");
    (cli, tcp)
}

/// [`start_gnutls_cli`] without the accept, for callers that take more
/// than one connection (`--resume`) from the listener.
pub fn spawn_gnutls_cli(
    ca: &Path,
    priority: &str,
    extra: &[&str],
    line: &[u8],
) -> (Proc, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let mut cli = Proc::spawn(
        Command::new("gnutls-cli")
            .args(["-d", "4"])
            .arg("--port")
            .arg(port.to_string())
            .arg("--x509cafile")
            .arg(ca)
            .arg("--priority")
            .arg(priority)
            .args(["--sni-hostname", "localhost"])
            .args(["--verify-hostname", "localhost"])
            .args(extra)
            .arg("127.0.0.1"),
    );
    cli.send_stdin(line);
    (cli, listener)
}

/// A session of our client with a running `gnutls-serv --echo` on `port`:
/// the handshake, `CLIENT_LINE` out and echoed back, then close_notify both
/// ways (gnutls-serv answers ours). Then waits for gnutls-serv's report of
/// the connection on stdout (a pipe: it can come after the connection is
/// over) and checks it names the server name we sent. Returns what we
/// negotiated.
pub fn client_echo_session(srv: &Proc, port: u16, config: Arc<ClientConfig>) -> Negotiated {
    // Each report ends with this line. Counted before we connect: with an
    // abbreviated handshake gnutls-serv is done (and reports) before we are.
    const LAST: &str = "\n- Channel bindings\n";
    let reports = srv.stdout().matches(LAST).count();
    let mut s = connect_client(port, config, "localhost");
    let n = handshake(&mut s, srv, "gnutls-serv");
    s.write_all(CLIENT_LINE).unwrap();
    let line = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", srv.dump()));
    assert_eq!(line, CLIENT_LINE, "{}", srv.dump());
    s.close().unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", srv.dump()));
    assert!(rest.is_empty(), "{}", srv.dump());
    assert!(s.conn().peer_closed(), "{}", srv.dump());
    assert!(
        srv.wait_for(TIMEOUT, |out, _| out.matches(LAST).count() > reports),
        "{}",
        srv.dump()
    );
    let out = srv.stdout();
    assert!(
        last_report(&out).contains("- Given server name[1]: localhost\n"),
        "{}",
        srv.dump()
    );
    n
}

/// Our server's side of a session with gnutls-cli: `CLIENT_LINE` in,
/// `SERVER_LINE` out, close_notify both ways; then gnutls-cli exits
/// cleanly, having printed our line and seen our close_notify.
///
/// gnutls-cli closes first: one that receives close_notify before it has
/// sent its own exits without answering (RFC 5246 §7.2.1 asks for an
/// answer), so we close its stdin, at which it sends close_notify and waits
/// for ours ("- Peer has closed the GnuTLS connection"; a bare EOF would be
/// "terminated the connection abnormally" and exit status 1).
pub fn server_line_exchange<T: Read + Write>(mut s: Stream<T>, cli: &mut Proc) {
    let line = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", cli.dump()));
    assert_eq!(line, CLIENT_LINE, "{}", cli.dump());
    s.write_all(SERVER_LINE).unwrap();
    let server_line = std::str::from_utf8(SERVER_LINE).unwrap();
    assert!(
        cli.wait_for(TIMEOUT, |out, _| out.contains(server_line)),
        "gnutls-cli did not print our line\n{}",
        cli.dump()
    );
    cli.close_stdin();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", cli.dump()));
    assert!(rest.is_empty(), "{}", cli.dump());
    assert!(s.conn().peer_closed(), "{}", cli.dump());
    // Our answer went out as the read ended.
    assert!(s.conn().sent_close());
    drop(s);
    expect_exit(cli, "gnutls-cli");
    assert!(
        cli.stdout()
            .contains("- Peer has closed the GnuTLS connection\n"),
        "{}",
        cli.dump()
    );
}
