//! Shared helpers for tests that run the `openssl` binary (or other child
//! processes): a child-process guard that collects output and is killed and
//! reaped on drop, scratch directories, `s_server`/`s_client`
//! start-up on free ports, socket timeouts, line reads over
//! `sanstls::io::Stream`, and the line-each-way session both interop test
//! files run.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sanstls::io::Stream;
use sanstls::pki_types::ServerName;
use sanstls::{ClientConfig, Connection, Error, Negotiated};

/// What the OpenSSL peer sends (s_client) or we send to s_server -rev.
pub const CLIENT_LINE: &[u8] = b"hello from the client\n";
/// What our server answers s_client with.
pub const SERVER_LINE: &[u8] = b"hello from sanstls server\n";

/// Upper bound for any single wait (socket read, child exit, output line).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A child process (`openssl`, `gnutls-serv`, ...) whose stdout and stderr
/// are collected by threads. Drop kills it (by its own PID, through
/// `Child::kill`) and reaps it.
pub struct Proc {
    pub child: Child,
    pub stdout: Arc<Mutex<Vec<u8>>>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    /// The collecting threads, joined once the child has exited.
    pub readers: Vec<JoinHandle<()>>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut from: impl Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    let reader = thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        // Ends at EOF, i.e. when the child exits or is killed.
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    (buf, reader)
}

impl Proc {
    pub fn spawn(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn a peer process");
        let (stdout, out_reader) = collect(child.stdout.take().unwrap());
        let (stderr, err_reader) = collect(child.stderr.take().unwrap());
        Proc {
            child,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Both outputs, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the child to exit; once it has, all its
    /// output has been collected.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                // The pipes are closed, so the readers are at EOF.
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits up to `timeout` until `pred(stdout, stderr)` holds.
    pub fn wait_for(&self, timeout: Duration, pred: impl Fn(&str, &str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.stdout(), &self.stderr()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes the child's stdin: the child reads EOF there.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Writes to the child's stdin.
    pub fn send_stdin(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }
}

pub fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

pub fn set_timeouts(tcp: &TcpStream) {
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(TIMEOUT)).unwrap();
}

/// Our error inside an `io::Error` from `Stream`.
pub fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Error>())
}

/// Reads up to and including the first `\n` (bounded by the socket timeout).
pub fn read_line<T: Read + Write>(s: &mut Stream<T>) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        if s.read(&mut byte)? == 0 {
            break;
        }
        line.push(byte[0]);
    }
    Ok(line)
}

/// A scratch directory under the system temp dir, unique per process and
/// call, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        std::fs::write(self.path(name), contents).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `openssl s_server -tls1_2 -rev` with `cert` and `key` on a free
/// port for `naccept` connections, retrying with another port if the bind
/// fails (another process took our probed port). Its stdin stays open: at
/// stdin EOF s_server drops the connection without close_notify.
pub fn start_s_server(cert: &Path, key: &Path, naccept: u32, extra: &[&str]) -> (Proc, u16) {
    spawn_s_server(&["-rev"], cert, key, naccept, extra)
}

/// As [`start_s_server`], without `-rev`: s_server then prints each
/// connection's details to stdout once its handshake is done (with
/// `-keymatexport`, the exported keying material, which `-rev` does not
/// print), and sends its own stdin, which stays empty, to the peer.
pub fn start_s_server_verbose(
    cert: &Path,
    key: &Path,
    naccept: u32,
    extra: &[&str],
) -> (Proc, u16) {
    spawn_s_server(&[], cert, key, naccept, extra)
}

fn spawn_s_server(
    mode: &[&str],
    cert: &Path,
    key: &Path,
    naccept: u32,
    extra: &[&str],
) -> (Proc, u16) {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("probe a free port")
            .port();
        let mut srv = Proc::spawn(
            Command::new("openssl")
                .args(["s_server", "-tls1_2"])
                .args(mode)
                .arg("-naccept")
                .arg(naccept.to_string())
                .arg("-accept")
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(cert)
                .arg("-key")
                .arg(key)
                .args(extra),
        );
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if srv.stdout().lines().any(|l| l.trim() == "ACCEPT") {
                return (srv, port);
            }
            if srv.exited().is_some() {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        eprintln!(
            "s_server did not start on port {port}, retrying:\n{}",
            srv.dump()
        );
    }
    panic!("openssl s_server never started listening");
}

/// Our client, connected to 127.0.0.1:`port` for server name `name`.
pub fn connect_client(port: u16, config: Arc<ClientConfig>, name: &str) -> Stream<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect to s_server");
    set_timeouts(&tcp);
    let name = ServerName::try_from(name.to_string()).unwrap();
    Stream::new(Connection::new_client(config, name).unwrap(), tcp)
}

/// Runs the handshake on `s`, failing with `peer`'s output; returns what we
/// negotiated.
pub fn handshake<T: Read + Write>(s: &mut Stream<T>, peer: &Proc, what: &str) -> Negotiated {
    if let Err(e) = s.handshake() {
        panic!("handshake with {what}: {e}\n{}", peer.dump());
    }
    s.conn().negotiated().expect("negotiated").clone()
}

/// Our client's side of a session with `s_server -rev`: `CLIENT_LINE` out,
/// the line reversed back, then close_notify both ways.
pub fn client_rev_exchange<T: Read + Write>(s: &mut Stream<T>, srv: &Proc) {
    s.write_all(CLIENT_LINE).unwrap();
    let line = read_line(s).unwrap_or_else(|e| panic!("read: {e}\n{}", srv.dump()));
    let mut expected: Vec<u8> = CLIENT_LINE[..CLIENT_LINE.len() - 1].to_vec();
    expected.reverse();
    expected.push(b'\n');
    assert_eq!(line, expected, "{}", srv.dump());

    // close_notify: s_server -rev ends the session when its read returns 0
    // and answers with its own close_notify.
    s.close().unwrap();
    assert!(s.conn().sent_close());
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", srv.dump()));
    assert!(rest.is_empty(), "{}", srv.dump());
    assert!(s.conn().peer_closed(), "{}", srv.dump());
}

/// Starts `s_client -tls1_2` trusting `ca` against a listener of ours and
/// accepts its connection (failing with s_client's output if it never
/// connects). s_client has stdin piped with `line` already written, and
/// `-ign_eof`, so it stays until we close.
pub fn start_s_client(ca: &Path, extra: &[&str], line: &[u8]) -> (Proc, TcpStream) {
    let mut args = vec!["-ign_eof"];
    args.extend_from_slice(extra);
    let (mut cli, listener) = spawn_s_client(ca, &args);
    cli.send_stdin(line);
    let tcp = accept_from(&listener, &mut cli, "s_client");
    (cli, tcp)
}

/// As [`start_s_client`], in s_client's interactive mode: without
/// `-ign_eof`, so that a line `R` on its stdin makes it renegotiate (it
/// prints `RENEGOTIATING` to stderr) and a line `Q` makes it quit, and so
/// that at stdin EOF it closes (close_notify) and exits. Its stdin stays
/// open and empty: write to it with [`Proc::send_stdin`], one command or
/// line at a time (s_client takes a command only at the start of what one
/// read of its stdin returns).
pub fn start_s_client_interactive(ca: &Path, extra: &[&str]) -> (Proc, TcpStream) {
    let (mut cli, listener) = spawn_s_client(ca, extra);
    let tcp = accept_from(&listener, &mut cli, "s_client");
    (cli, tcp)
}

/// `s_client -tls1_2` with `extra` against a new listener of ours, not yet
/// accepted.
fn spawn_s_client(ca: &Path, extra: &[&str]) -> (Proc, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let cli = Proc::spawn(
        Command::new("openssl")
            .args(["s_client", "-tls1_2", "-servername", "localhost"])
            .arg("-verify_return_error")
            .arg("-connect")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-CAfile")
            .arg(ca)
            .args(extra),
    );
    (cli, listener)
}

/// Accepts the connection of the client process `cli` on `listener`,
/// failing with its output if it exits or never connects within
/// [`TIMEOUT`]; the socket gets the usual timeouts.
pub fn accept_from(listener: &TcpListener, cli: &mut Proc, what: &str) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let tcp = loop {
        match listener.accept() {
            Ok((tcp, _)) => break Some(tcp),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline || cli.exited().is_some() {
                    break None;
                }
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    let tcp = tcp.unwrap_or_else(|| panic!("{what} never connected\n{}", cli.dump()));
    tcp.set_nonblocking(false).unwrap();
    set_timeouts(&tcp);
    tcp
}

/// Our server's side of a session with s_client: `CLIENT_LINE` in,
/// `SERVER_LINE` out, close_notify both ways; then s_client exits cleanly,
/// having seen our line and verified our chain.
pub fn server_line_exchange<T: Read + Write>(mut s: Stream<T>, cli: &mut Proc) {
    let line = read_line(&mut s).unwrap_or_else(|e| panic!("read: {e}\n{}", cli.dump()));
    assert_eq!(line, CLIENT_LINE, "{}", cli.dump());
    s.write_all(SERVER_LINE).unwrap();
    s.close().unwrap();
    // s_client answers our close_notify with its own and exits.
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .unwrap_or_else(|e| panic!("after close_notify: {e}\n{}", cli.dump()));
    assert!(rest.is_empty(), "{}", cli.dump());
    assert!(s.conn().peer_closed(), "{}", cli.dump());
    drop(s);
    expect_exit(cli, "s_client");
    let out = cli.stdout();
    assert!(
        out.contains(std::str::from_utf8(SERVER_LINE).unwrap()),
        "{}",
        cli.dump()
    );
    assert!(out.contains("Verify return code: 0 (ok)"), "{}", cli.dump());
}

/// Waits for `proc` to exit successfully.
pub fn expect_exit(proc: &mut Proc, what: &str) {
    let status = proc
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("{what} still running\n{}", proc.dump()));
    assert!(status.success(), "{what}: {status}\n{}", proc.dump());
}
