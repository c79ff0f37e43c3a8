//! A fleet of servers: a session made with one example server process
//! resumes on another, by ticket (both given the same `--ticket-key` file)
//! and by session ID (both keeping sessions in one Redis, `--redis`). The
//! client is the library, over TCP, with one config and so one session
//! store for both servers. Redis is Debian's `redis-server`, started here on
//! a free loopback port and killed by its PID; without it the Redis test
//! prints SKIPPED and passes, as the OpenSSL tests do without openssl.
//! Every child process is killed and reaped by its guard on every path.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::example;
use common::openssl::{set_timeouts, Proc, TempDir};
use ring::rand::{SecureRandom, SystemRandom};
use sanstls::io::Stream;
use sanstls::pki_types::ServerName;
use sanstls::verify::RootCertStore;
use sanstls::{ClientConfig, Connection};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A CA, a "localhost" leaf it issued, in PEM files; and the client
/// config that trusts the CA.
struct Pki {
    dir: TempDir,
    roots: RootCertStore,
}

impl Pki {
    fn new() -> Pki {
        let dir = TempDir::new("sanstls-fleet");
        let ca = common::ca("fleet test CA");
        let (cert, key) = common::issue_leaf(&ca, common::KeyType::P256, &["localhost"], |_| {});
        dir.write("chain.pem", cert.pem());
        dir.write("key.pem", key.serialize_pem());
        let mut roots = RootCertStore::new();
        roots.add(ca.der().clone()).unwrap();
        Pki { dir, roots }
    }

    fn path(&self, file: &str) -> String {
        self.dir.path(file).to_str().unwrap().to_string()
    }

    /// Writes `keys` random 48-byte ticket keys to `file`.
    fn ticket_key_file(&self, file: &str, keys: usize) -> String {
        let mut bytes = vec![0u8; 48 * keys];
        SystemRandom::new().fill(&mut bytes).unwrap();
        self.dir.write(file, bytes);
        self.path(file)
    }

    fn client(&self, tickets: bool) -> Arc<ClientConfig> {
        let mut config = ClientConfig::new(self.roots.clone());
        config.enable_tickets = tickets;
        Arc::new(config)
    }
}

/// An example server process on an ephemeral port.
struct Server {
    proc: Proc,
    addr: String,
}

impl Server {
    fn start(pki: &Pki, extra: &[&str]) -> Server {
        let mut cmd = Command::new(example("server"));
        cmd.args(["--listen", "127.0.0.1:0", "--cert"])
            .arg(pki.path("chain.pem"))
            .arg("--key")
            .arg(pki.path("key.pem"))
            .args(extra);
        let proc = Proc::spawn(&mut cmd);
        assert!(
            proc.wait_for(TIMEOUT, |out, _| out.contains('\n')),
            "server did not start\n{}",
            proc.dump()
        );
        let out = proc.stdout();
        let addr = out
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("listening on "))
            .unwrap_or_else(|| panic!("no address\n{}", proc.dump()))
            .to_string();
        Server { proc, addr }
    }

    /// One request with `config`; whether the connection resumed.
    fn request(&self, config: &Arc<ClientConfig>) -> bool {
        let tcp = TcpStream::connect(&self.addr).unwrap();
        set_timeouts(&tcp);
        let name = ServerName::try_from("localhost").unwrap();
        let conn = Connection::new_client(config.clone(), name).unwrap();
        let mut tls = Stream::new(conn, tcp);
        tls.handshake()
            .unwrap_or_else(|e| panic!("handshake: {e}\n{}", self.proc.dump()));
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut response = Vec::new();
        tls.read_to_end(&mut response)
            .unwrap_or_else(|e| panic!("response: {e}\n{}", self.proc.dump()));
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        let resumed = tls.conn().negotiated().unwrap().resumed;
        // The server saw the same.
        let said = if resumed {
            "resumed: yes"
        } else {
            "resumed: no"
        };
        assert!(response.contains(said), "{response}");
        resumed
    }
}

#[test]
fn tickets_resume_across_processes_with_shared_keys() {
    let pki = Pki::new();
    let keys = pki.ticket_key_file("ticket.key", 2);
    let other_keys = pki.ticket_key_file("other.key", 1);
    // Each keeps its own in-memory session-ID cache: only a ticket can
    // carry the session from one to the other.
    let a = Server::start(&pki, &["--ticket-key", &keys]);
    let b = Server::start(&pki, &["--ticket-key", &keys]);
    let stranger = Server::start(&pki, &["--ticket-key", &other_keys]);

    let client = pki.client(true);
    assert!(!a.request(&client), "first connection: a full handshake");
    assert!(b.request(&client), "B opens A's ticket");
    assert!(a.request(&client), "and A opens B's");

    // A server with other keys cannot (the control: the test sees a miss).
    let client = pki.client(true);
    assert!(!a.request(&client));
    assert!(!stranger.request(&client), "other keys: full handshake");

    // Rotation from outside: B gets new ‖ old; A's tickets under old still
    // open on B.
    let client = pki.client(true);
    assert!(!a.request(&client));
    let old = std::fs::read(&keys).unwrap();
    let mut rotated = vec![0u8; 48];
    SystemRandom::new().fill(&mut rotated).unwrap();
    rotated.extend_from_slice(&old[..48]);
    // A different modification time for certain, even on a coarse clock.
    thread::sleep(Duration::from_millis(20));
    pki.dir.write("ticket.key", &rotated);
    let file = std::fs::File::options().write(true).open(&keys).unwrap();
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    drop(file);
    assert!(b.request(&client), "old key still opens after rotation");
}

/// Debian's redis-server on a free loopback port, killed by its PID on drop
/// (the `Proc` guard).
struct Redis {
    _proc: Proc,
    url: String,
}

impl Redis {
    fn start() -> Option<Redis> {
        let available = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            return None;
        }
        // A free port: bind to port 0 and let go of it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proc = Proc::spawn(Command::new("redis-server").args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]));
        // Ready when it answers PING.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", port)) {
                set_timeouts(&tcp);
                let mut reply = [0u8; 7];
                if tcp.write_all(b"PING\r\n").is_ok()
                    && tcp.read_exact(&mut reply).is_ok()
                    && &reply == b"+PONG\r\n"
                {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer\n{}",
                proc.dump()
            );
            thread::sleep(Duration::from_millis(20));
        }
        Some(Redis {
            _proc: proc,
            url: format!("redis://127.0.0.1:{port}/"),
        })
    }
}

#[test]
fn fleet_resumes_by_ticket_and_by_session_id_on_redis() {
    let Some(redis) = Redis::start() else {
        eprintln!("SKIPPED: redis-server not found (Debian package redis-server)");
        return;
    };
    let pki = Pki::new();
    let keys = pki.ticket_key_file("ticket.key", 1);
    let fleet = ["--ticket-key", &keys, "--redis", &redis.url];
    let a = Server::start(&pki, &fleet);
    let b = Server::start(&pki, &fleet);

    // By ticket.
    let client = pki.client(true);
    assert!(!a.request(&client));
    assert!(b.request(&client), "B resumes A's session by ticket");

    // By session ID: the client asks for no ticket, so only Redis can carry
    // the session.
    let client = pki.client(false);
    assert!(!a.request(&client));
    assert!(b.request(&client), "B finds A's session in Redis");
    assert!(a.request(&client), "and A finds it again");
    // The store keeps each session for the session lifetime, no longer.
    let mut redis_client = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
        .arg("sanstls:session:*")
        .query(&mut redis_client)
        .unwrap();
    assert!(!keys.is_empty(), "no session stored in Redis");
    for key in &keys {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut redis_client).unwrap();
        let lifetime = i64::from(sanstls::resumption::DEFAULT_SESSION_LIFETIME);
        assert!(
            ttl > lifetime - 60 && ttl <= lifetime,
            "TTL {ttl}, lifetime {lifetime}"
        );
    }

    // The control: a server with its own cache does not resume it.
    let alone = Server::start(&pki, &[]);
    let client = pki.client(false);
    assert!(!a.request(&client));
    assert!(!alone.request(&client), "no shared store: full handshake");
}
