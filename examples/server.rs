//! A small HTTPS server over sanstls: one thread per connection, one request
//! per connection.
//!
//! ```text
//! cargo run --example server -- --listen 127.0.0.1:8443 --cert chain.pem --key key.pem \
//!     [--suite IANA_NAME]... [--no-etm] [--allow-no-ems] [--alpn PROTO]... [--trace] \
//!     [--client-ca CA.pem [--client-auth optional|required] [--renegotiate-client-auth]] \
//!     [--allow-renegotiation] [--no-tickets] [--keylog] \
//!     [--ticket-key FILE] [--redis redis://HOST:PORT/]
//! ```
//!
//! A fleet of these servers behind a load balancer resumes each other's
//! sessions with `--ticket-key FILE` (tickets sealed under the keys in
//! FILE, one or two 48-byte keys as `sanstls::resumption::ticketer`
//! describes; the file is read again whenever its modification time
//! changes, which is how an operator rotates the keys) and `--redis URL`
//! (session IDs kept in Redis, each for the session lifetime; needs the
//! package's `redis` feature, see `redis_store.rs`).
//!
//! `--client-ca` asks clients for a certificate issued by a CA in `CA.pem`
//! (required unless `--client-auth optional`). Resumption is on: by session
//! ID and by RFC 5077 ticket, or by session ID only with `--no-tickets`.
//! `--keylog` appends NSS key log lines to the file `SSLKEYLOGFILE` names
//! (debugging only: it lets anyone with the file decrypt the traffic).
//!
//! Renegotiation (RFC 5746) is refused unless asked for: a client's
//! renegotiation gets a `no_renegotiation` warning and the connection goes
//! on. `--allow-renegotiation` accepts renegotiations the client starts
//! (the configuration's `accept_client_renegotiation`); the server itself
//! starts one only with `--renegotiate-client-auth` (which sets
//! `allow_renegotiation`).
//!
//! `--renegotiate-client-auth` (needs `--client-ca`) asks for the client
//! certificate only once the request is in, the way a server does that
//! wants one for some paths only: the first handshake asks for none, and
//! after reading the request the server renegotiates
//! (`renegotiate_with_client_auth`) asking for one, required or, with
//! `--client-auth optional`, optional. Then:
//! - the client renegotiates and presents a certificate that verifies:
//!   `200 OK`, body line `client-cert: yes`;
//! - it renegotiates without one: with `optional`, `200 OK` and
//!   `client-cert: no`; with `required` the new handshake fails, the server
//!   sends a fatal alert and closes, with no response (TLS gives no way to
//!   answer on a connection whose handshake failed);
//! - it refuses the renegotiation (a `no_renegotiation` warning, as clients
//!   do by default) or cannot renegotiate (no RFC 5746 or no extended
//!   master secret): the connection is still sound, so it gets an answer:
//!   with `optional`, `200 OK` and `client-cert: no`; with `required`,
//!   `403 Forbidden` with the same body;
//! - it ignores the HelloRequest (RFC 5246 §7.4.1.1 allows that): the
//!   server waits for the renegotiation until its I/O timeout (10 s) and
//!   closes without an answer.
//!
//! A client that resumed a session in which it presented a certificate is
//! not asked again.
//!
//! `--suite` restricts the suites; naming a legacy suite (RSA key
//! transport, finite-field DHE) or a CBC suite is this tool's opt-in to it.
//! With a CBC suite the server agrees to encrypt-then-MAC (RFC 7366) when
//! the client offers it, unless `--no-etm` (then MAC-then-encrypt).
//!
//! For every connection it completes the handshake, reads one request up to
//! the empty line that ends its header (CRLF CRLF, or LF LF as `openssl
//! s_client` sends without `-crlf`), answers `200 OK` with a text body naming
//! what was negotiated (including whether the session was resumed, whether
//! the client presented a certificate, whether a renegotiation completed
//! and, with a CBC suite, whether the records are encrypt-then-MAC; after
//! a renegotiation, the parameters of the last handshake), sends
//! close_notify and closes. A failed connection is
//! logged to stderr and the server goes on. The first line on stdout is
//! `listening on ADDR` (useful with port 0).

#[cfg(feature = "redis")]
mod redis_store;

use std::error::Error;
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

use sanstls::config::ClientAuth;
use sanstls::io::Stream;
use sanstls::keylog::KeyLogFile;
use sanstls::resumption::store::ServerSessionStore;
use sanstls::resumption::ticketer::Ticketer;
use sanstls::suites::KeyExchangeKind;
use sanstls::verify::{RootCertStore, WebPkiClientVerifier};
use sanstls::{Connection, Event, ServerConfig};
use zeroize::Zeroizing;

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str = "usage: server --listen ADDR:PORT --cert CHAIN.pem --key KEY.pem \
[--suite IANA_NAME]... [--no-etm] [--allow-no-ems] [--alpn PROTO]... [--trace] \
[--client-ca CA.pem [--client-auth optional|required] [--renegotiate-client-auth]] \
[--allow-renegotiation] [--no-tickets] [--keylog] [--ticket-key FILE] [--redis URL]";

/// The longest request header we accept.
const MAX_REQUEST: usize = 16 * 1024;
/// How long a connection may stall before we give up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    listen: String,
    cert: String,
    key: String,
    suites: Vec<String>,
    allow_no_ems: bool,
    no_etm: bool,
    alpn: Vec<String>,
    trace: bool,
    client_ca: Option<String>,
    client_auth: Option<String>,
    renegotiate_client_auth: bool,
    allow_renegotiation: bool,
    no_tickets: bool,
    keylog: bool,
    ticket_key: Option<String>,
    redis: Option<String>,
}

/// The command line, parsed with lexopt; `None` for `--help`.
fn parse_args() -> Result<Option<Args>, String> {
    use lexopt::prelude::*;
    let (mut listen, mut cert, mut key) = (None, None, None);
    let (mut suites, mut alpn, mut trace) = (Vec::new(), Vec::new(), false);
    let (mut allow_no_ems, mut no_etm) = (false, false);
    let (mut client_ca, mut client_auth) = (None, None);
    let (mut renegotiate_client_auth, mut allow_renegotiation) = (false, false);
    let (mut no_tickets, mut keylog) = (false, false);
    let (mut ticket_key, mut redis) = (None, None);
    let mut parser = lexopt::Parser::from_env();
    let bad = |e: lexopt::Error| format!("{e}\n{USAGE}");
    let value = |parser: &mut lexopt::Parser| -> Result<String, String> {
        parser.value().map_err(bad)?.string().map_err(bad)
    };
    while let Some(arg) = parser.next().map_err(bad)? {
        match arg {
            Long("listen") => listen = Some(value(&mut parser)?),
            Long("cert") => cert = Some(value(&mut parser)?),
            Long("key") => key = Some(value(&mut parser)?),
            Long("suite") => suites.push(value(&mut parser)?),
            Long("allow-no-ems") => allow_no_ems = true,
            Long("no-etm") => no_etm = true,
            Long("alpn") => alpn.push(value(&mut parser)?),
            Long("trace") => trace = true,
            Long("client-ca") => client_ca = Some(value(&mut parser)?),
            Long("client-auth") => client_auth = Some(value(&mut parser)?),
            Long("renegotiate-client-auth") => renegotiate_client_auth = true,
            Long("allow-renegotiation") => allow_renegotiation = true,
            Long("no-tickets") => no_tickets = true,
            Long("keylog") => keylog = true,
            Long("ticket-key") => ticket_key = Some(value(&mut parser)?),
            Long("redis") => redis = Some(value(&mut parser)?),
            Short('h') | Long("help") => return Ok(None),
            other => return Err(bad(other.unexpected())),
        }
    }
    let missing = |what: &str| format!("{what} is required\n{USAGE}");
    match (&client_ca, client_auth.as_deref()) {
        (_, None | Some("optional" | "required")) => {}
        (_, Some(other)) => {
            return Err(format!(
                "--client-auth must be optional or required, not {other:?}\n{USAGE}"
            ))
        }
    }
    if client_auth.is_some() && client_ca.is_none() {
        return Err(format!("--client-auth needs --client-ca\n{USAGE}"));
    }
    if renegotiate_client_auth && client_ca.is_none() {
        return Err(format!(
            "--renegotiate-client-auth needs --client-ca\n{USAGE}"
        ));
    }
    if keylog && std::env::var_os("SSLKEYLOGFILE").is_none() {
        return Err("--keylog needs SSLKEYLOGFILE set to the file to append to".into());
    }
    Ok(Some(Args {
        listen: listen.ok_or_else(|| missing("--listen"))?,
        cert: cert.ok_or_else(|| missing("--cert"))?,
        key: key.ok_or_else(|| missing("--key"))?,
        suites,
        allow_no_ems,
        no_etm,
        alpn,
        trace,
        client_ca,
        client_auth,
        renegotiate_client_auth,
        allow_renegotiation,
        no_tickets,
        keylog,
        ticket_key,
        redis,
    }))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BoxError> {
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    // The library's errors name the file and what is wrong with it.
    let mut config = ServerConfig::from_pem_files(&args.cert, &args.key)?;
    if !args.suites.is_empty() {
        // Naming a legacy or CBC suite is this tool's opt-in to it (the
        // library wants its allow_* fields set as well).
        for suite in args
            .suites
            .iter()
            .filter_map(|n| sanstls::suites::by_name(n))
        {
            match suite.kx {
                KeyExchangeKind::Rsa => config.allow_rsa_key_transport = true,
                KeyExchangeKind::Dhe => config.allow_ffdhe = true,
                KeyExchangeKind::Ecdhe => {}
            }
            config.allow_cbc |= suite.protection.is_cbc();
        }
        config.set_suites_by_name(&args.suites)?;
    }
    // With a CBC suite, encrypt-then-MAC (RFC 7366) unless --no-etm: that
    // leaves MAC-then-encrypt, for testing peers and for seeing the
    // classic record format.
    config.encrypt_then_mac = !args.no_etm;
    // Old peers often lack the extended master secret (RFC 7627); without
    // it a session can be the target of the triple-handshake attack.
    config.require_extended_master_secret = !args.allow_no_ems;
    config.alpn_protocols = args.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.trace = args.trace;
    // Client-initiated renegotiation: refused (no_renegotiation) unless asked.
    config.accept_client_renegotiation = args.allow_renegotiation;
    // The client certificate policy: in the first handshake, or in the
    // renegotiation after the request with --renegotiate-client-auth.
    let mut later_client_auth = None;
    if let Some(ca) = &args.client_ca {
        let mut roots = RootCertStore::new();
        roots.add_pem_file(ca).map_err(|e| format!("{ca}: {e}"))?;
        let verifier = Arc::new(WebPkiClientVerifier::new(Arc::new(roots)));
        let auth = match args.client_auth.as_deref() {
            Some("optional") => ClientAuth::Optional(verifier),
            _ => ClientAuth::Required(verifier),
        };
        if args.renegotiate_client_auth {
            // We start the renegotiation (HelloRequest); the first
            // handshake asks for nothing.
            config.allow_renegotiation = true;
            later_client_auth = Some(auth);
        } else {
            config.client_auth = auth;
        }
    }
    // Shared ticket keys: every server given the same file opens the
    // others' tickets.
    let ticket_keys = match &args.ticket_key {
        Some(path) => Some(TicketKeyFile::load(path, config.session_lifetime)?),
        None => None,
    };
    if let Some(keys) = &ticket_keys {
        config.ticketer = Some(keys.ticketer.clone());
    }
    if args.no_tickets {
        // Resumption by session ID only (the session cache stays on).
        config.ticketer = None;
    }
    if let Some(url) = &args.redis {
        config.session_store = Some(redis_session_store(url, config.session_lifetime)?);
    }
    if args.keylog {
        config.key_log = Some(Arc::new(KeyLogFile::from_env()));
    }
    let config = Arc::new(config);

    let listener = TcpListener::bind(&args.listen)?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;

    for tcp in listener.incoming() {
        let tcp = match tcp {
            Ok(tcp) => tcp,
            Err(e) => {
                eprintln!("server: accept: {e}");
                continue;
            }
        };
        if let Some(keys) = &ticket_keys {
            keys.reload_if_changed();
        }
        let config = config.clone();
        let later_client_auth = later_client_auth.clone();
        let trace = args.trace;
        thread::spawn(move || {
            let peer = tcp
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "?".into());
            match serve(tcp, config, later_client_auth, &peer, trace) {
                Ok(summary) => eprintln!("server: {peer}: {summary}"),
                Err(e) => eprintln!("server: {peer}: failed: {e}"),
            }
        });
    }
    Ok(())
}

/// The `--ticket-key` file and the ticketer built from it, read again when
/// the file's modification time changes (the operator's rotation).
struct TicketKeyFile {
    path: String,
    ticketer: Arc<Ticketer>,
    modified: Mutex<Option<SystemTime>>,
}

impl TicketKeyFile {
    fn load(path: &str, lifetime: u32) -> Result<TicketKeyFile, BoxError> {
        let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
        let bytes = Zeroizing::new(fs::read(path).map_err(|e| format!("{path}: {e}"))?);
        let ticketer =
            Ticketer::from_key_file_bytes(&bytes, lifetime).map_err(|e| format!("{path}: {e}"))?;
        Ok(TicketKeyFile {
            path: path.to_string(),
            ticketer: Arc::new(ticketer),
            modified: Mutex::new(modified),
        })
    }

    /// Reloads the keys if the file changed; on a bad file, logs and keeps
    /// the keys it has.
    fn reload_if_changed(&self) {
        let Ok(now) = fs::metadata(&self.path).and_then(|m| m.modified()) else {
            return;
        };
        let mut modified = self.modified.lock().unwrap_or_else(|e| e.into_inner());
        if *modified == Some(now) {
            return;
        }
        *modified = Some(now);
        let result = fs::read(&self.path)
            .map_err(BoxError::from)
            .and_then(|bytes| {
                let bytes = Zeroizing::new(bytes);
                Ok(self.ticketer.set_keys_from_file_bytes(&bytes)?)
            });
        match result {
            Ok(()) => eprintln!("server: {}: ticket keys reloaded", self.path),
            Err(e) => eprintln!("server: {}: keeping the old ticket keys: {e}", self.path),
        }
    }
}

/// The `--redis` session-ID store.
#[cfg(feature = "redis")]
fn redis_session_store(url: &str, lifetime: u32) -> Result<Arc<dyn ServerSessionStore>, BoxError> {
    let store = redis_store::RedisStore::connect(url, lifetime)
        .map_err(|e| format!("--redis {url}: {e}"))?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "redis"))]
fn redis_session_store(
    _url: &str,
    _lifetime: u32,
) -> Result<Arc<dyn ServerSessionStore>, BoxError> {
    Err("--redis needs the server built with the redis feature \
         (cargo run -p sanstls-examples --features redis --example server)"
        .into())
}

/// Serves one connection; returns a one-line summary for the log.
/// `later_client_auth` is the policy of `--renegotiate-client-auth`.
fn serve(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
    later_client_auth: Option<ClientAuth>,
    peer: &str,
    trace: bool,
) -> Result<String, BoxError> {
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut tls = Stream::new(Connection::new_server(config), tcp);

    let handshake = tls.handshake();
    // Printed even when the handshake failed: that is when it helps most.
    let mut events = take_events(&mut tls, peer, trace);
    handshake?;

    // A renegotiation the client starts while we read is answered inside
    // `read` (or refused, as the configuration says).
    let request = read_request(&mut tls);
    events.extend(take_events(&mut tls, peer, trace));
    let request = request?;
    let request_line = request.lines().next().unwrap_or("").to_string();

    let mut forbidden = false;
    if let Some(auth) = later_client_auth {
        let has_cert = |tls: &Stream<TcpStream>| {
            tls.conn()
                .negotiated()
                .is_some_and(|n| !n.peer_certificates.is_empty())
        };
        // A resumed session may already carry the certificate the client
        // presented in an earlier connection's renegotiation.
        if !has_cert(&tls) {
            let required = matches!(auth, ClientAuth::Required(_));
            // Returns when the new handshake is complete or the client
            // refused it; a failed handshake (a required certificate
            // missing, one that does not verify) is fatal and ends here.
            let renegotiation = tls.renegotiate_with_client_auth(auth);
            events.extend(take_events(&mut tls, peer, trace));
            match renegotiation {
                Ok(()) => {}
                Err(e) if matches!(tls_error(&e), Some(sanstls::Error::CannotRenegotiate(_))) => {
                    eprintln!("server: {peer}: {e}");
                }
                Err(e) => return Err(format!("renegotiation: {e}").into()),
            }
            forbidden = required && !has_cert(&tls);
        }
    }

    let n = tls
        .conn()
        .negotiated()
        .ok_or("handshake complete but nothing negotiated")?;
    let alpn = n
        .alpn_protocol
        .as_deref()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_else(|| "none".into());
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let resumed = yes_no(n.resumed);
    // On a resumed session this is the certificate the client presented on
    // the full handshake: the session carries it.
    let client_cert = yes_no(!n.peer_certificates.is_empty());
    let renegotiated = yes_no(
        events
            .iter()
            .any(|e| matches!(e, Event::RenegotiationComplete(_))),
    );
    // Only a CBC suite has the choice (RFC 7366 leaves AEAD records alone).
    let etm = if n.suite.protection.is_cbc() {
        format!("encrypt-then-mac: {}\n", yes_no(n.encrypt_then_mac))
    } else {
        String::new()
    };
    let (status, greeting) = if forbidden {
        ("403 Forbidden", "A client certificate is required.")
    } else {
        ("200 OK", "Hello from sanstls!")
    };
    let body = format!(
        "{greeting}\n\
         version: TLSv1.2\n\
         suite: {}\n\
         {etm}\
         alpn: {alpn}\n\
         resumed: {resumed}\n\
         renegotiated: {renegotiated}\n\
         client-cert: {client_cert}\n",
        n.suite_name()
    );
    let summary = format!(
        "{request_line:?} over {}, alpn {alpn}, resumed {resumed}, \
         renegotiated {renegotiated}, client cert {client_cert}, {status}",
        n.suite_name()
    );
    let response = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n\
         {body}",
        body.len()
    );
    tls.write_all(response.as_bytes())?;

    // close_notify, then no more writes. Reading on until the client's own
    // close_notify (or EOF) keeps the kernel from answering unread input
    // with a reset, which could destroy the response in flight.
    tls.close()?;
    // The client may have closed its socket already, once it had the
    // response and our close_notify: then there is nothing to shut down
    // (ENOTCONN), and the request went well all the same.
    let _ = tls.get_ref().shutdown(Shutdown::Write);
    let mut sink = [0u8; 1024];
    while let Ok(n) = tls.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
    Ok(summary)
}

/// Takes the stream's events: prints the handshake trace (with `--trace`)
/// and returns the others.
fn take_events(tls: &mut Stream<TcpStream>, peer: &str, trace: bool) -> Vec<Event> {
    let mut out = String::new();
    let mut rest = Vec::new();
    for event in tls.take_events() {
        match event {
            Event::Trace(entry) if trace => out.push_str(&format!("[{peer}] {entry}")),
            Event::Trace(_) => {}
            other => rest.push(other),
        }
    }
    eprint!("{out}");
    rest
}

/// Our error inside an `io::Error` from `Stream`.
fn tls_error(e: &std::io::Error) -> Option<&sanstls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref())
}

/// Reads up to the empty line that ends an HTTP request header.
fn read_request(tls: &mut impl Read) -> Result<String, BoxError> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = header_end(&request) {
            request.truncate(end);
            return Ok(String::from_utf8_lossy(&request).into_owned());
        }
        if request.len() > MAX_REQUEST {
            return Err("request header too large".into());
        }
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err("connection closed before the end of the request".into());
        }
        request.extend_from_slice(&buf[..n]);
    }
}

/// Where the header ends: at the first CRLF CRLF or LF LF.
fn header_end(b: &[u8]) -> Option<usize> {
    let crlf = b.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = b.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
