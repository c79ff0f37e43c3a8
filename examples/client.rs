//! A small HTTPS client over sanstls: one `GET /`, body to stdout.
//!
//! ```text
//! cargo run --example client -- --connect 127.0.0.1:8443 --server-name localhost \
//!     --ca {CA.pem|system|webpki} \
//!     [--suite IANA_NAME]... [--no-etm] [--allow-no-ems] [--alpn PROTO]... [--trace] \
//!     [--cert CHAIN.pem --key KEY.pem] [--repeat N] [--keylog] \
//!     [--renegotiate] [--allow-renegotiation]
//! ```
//!
//! `--ca` names the roots the server's chain must lead to: a PEM file of
//! root certificates, `system` for the platform's store (read through
//! rustls-native-certs; `SSL_CERT_FILE` or `SSL_CERT_DIR` replace it), or
//! `webpki` for Mozilla's roots compiled in from webpki-roots (write
//! `./system` or `./webpki` for files of those names). With `system` the
//! tool prints to stderr how many roots it took and what it could not read,
//! and fails when it found none.
//!
//! `--cert`/`--key` present a client certificate when the server asks for
//! one, in the first handshake or in a renegotiation. `--repeat N` connects N times in a row with one `Arc<ClientConfig>`,
//! so the connections share its session store and later ones resume the
//! session; for each it prints `resumed: yes` or `resumed: no` to stderr.
//! `--keylog` appends NSS key log lines to the file `SSLKEYLOGFILE` names
//! (debugging only).
//!
//! Renegotiation (RFC 5746) is off by default: a server's HelloRequest gets
//! a `no_renegotiation` warning (then `renegotiated: no (refused the
//! server's request)` goes to stderr) and the exchange goes on.
//! `--renegotiate` renegotiates once right after the handshake, before
//! sending the request, and prints `renegotiated: yes` to stderr when the
//! new handshake completed, or `renegotiated: no (...)` when the server
//! refused it or it could not start (a server without RFC 5746 or the
//! extended master secret); the request goes out either way.
//! `--allow-renegotiation` answers a server's HelloRequest with a new
//! handshake (presenting `--cert` if the server then asks for a
//! certificate) and prints `renegotiated: yes` to stderr when one
//! completed during the request and response. Either flag lets the client
//! renegotiate only with a server that signalled RFC 5746 and agreed to
//! the extended master secret, and only with the same server certificate.
//!
//! `--suite` restricts the suites offered; naming a legacy suite (RSA key
//! transport, finite-field DHE) or a CBC suite is this tool's opt-in to it.
//! With a CBC suite the client offers encrypt-then-MAC (RFC 7366) unless
//! `--no-etm` (then the records are MAC-then-encrypt).
//!
//! Exits 0 only when the server ended the connection with close_notify. A
//! transport EOF without it is `Error::Truncated` (RFC 5246 §7.2.1: the
//! response may have been cut short by an attacker) and exits non-zero, as
//! does any handshake failure, e.g. a certificate not valid for the name. With
//! `--repeat`, the first failing connection ends the run.

use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sanstls::io::Stream;
use sanstls::keylog::KeyLogFile;
use sanstls::pki_types::ServerName;
use sanstls::suites::KeyExchangeKind;
use sanstls::verify::RootCertStore;
use sanstls::{ClientConfig, Connection, Event, Negotiated};

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str =
    "usage: client --connect HOST:PORT --server-name NAME --ca {CA.pem|system|webpki} \
[--suite IANA_NAME]... [--no-etm] [--allow-no-ems] [--alpn PROTO]... [--trace] \
[--cert CHAIN.pem --key KEY.pem] [--repeat N] [--keylog] [--renegotiate] [--allow-renegotiation]";

const IO_TIMEOUT: Duration = Duration::from_secs(30);

struct Args {
    connect: String,
    server_name: String,
    ca: String,
    suites: Vec<String>,
    allow_no_ems: bool,
    no_etm: bool,
    alpn: Vec<String>,
    trace: bool,
    cert: Option<String>,
    key: Option<String>,
    repeat: u32,
    keylog: bool,
    renegotiate: bool,
    allow_renegotiation: bool,
}

/// The command line, parsed with lexopt; `None` for `--help`.
fn parse_args() -> Result<Option<Args>, String> {
    use lexopt::prelude::*;
    let (mut connect, mut server_name, mut ca) = (None, None, None);
    let (mut suites, mut alpn, mut trace) = (Vec::new(), Vec::new(), false);
    let (mut allow_no_ems, mut no_etm) = (false, false);
    let (mut cert, mut key, mut repeat, mut keylog) = (None, None, 1, false);
    let (mut renegotiate, mut allow_renegotiation) = (false, false);
    let mut parser = lexopt::Parser::from_env();
    let bad = |e: lexopt::Error| format!("{e}\n{USAGE}");
    let value = |parser: &mut lexopt::Parser| -> Result<String, String> {
        parser.value().map_err(bad)?.string().map_err(bad)
    };
    while let Some(arg) = parser.next().map_err(bad)? {
        match arg {
            Long("connect") => connect = Some(value(&mut parser)?),
            Long("server-name") => server_name = Some(value(&mut parser)?),
            Long("ca") => ca = Some(value(&mut parser)?),
            Long("suite") => suites.push(value(&mut parser)?),
            Long("allow-no-ems") => allow_no_ems = true,
            Long("no-etm") => no_etm = true,
            Long("alpn") => alpn.push(value(&mut parser)?),
            Long("trace") => trace = true,
            Long("cert") => cert = Some(value(&mut parser)?),
            Long("key") => key = Some(value(&mut parser)?),
            Long("repeat") => {
                let v = value(&mut parser)?;
                repeat = match v.parse() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(format!("--repeat needs a positive count, not {v:?}")),
                };
            }
            Long("keylog") => keylog = true,
            Long("renegotiate") => renegotiate = true,
            Long("allow-renegotiation") => allow_renegotiation = true,
            Short('h') | Long("help") => return Ok(None),
            other => return Err(bad(other.unexpected())),
        }
    }
    let missing = |what: &str| format!("{what} is required\n{USAGE}");
    if cert.is_some() != key.is_some() {
        return Err(format!("--cert and --key go together\n{USAGE}"));
    }
    if keylog && std::env::var_os("SSLKEYLOGFILE").is_none() {
        return Err("--keylog needs SSLKEYLOGFILE set to the file to append to".into());
    }
    Ok(Some(Args {
        connect: connect.ok_or_else(|| missing("--connect"))?,
        server_name: server_name.ok_or_else(|| missing("--server-name"))?,
        ca: ca.ok_or_else(|| missing("--ca"))?,
        suites,
        allow_no_ems,
        no_etm,
        alpn,
        trace,
        cert,
        key,
        repeat,
        keylog,
        renegotiate,
        allow_renegotiation,
    }))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("client: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BoxError> {
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut config = ClientConfig::new(load_roots(&args.ca)?);
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
    // Renegotiation: ours (--renegotiate) or the server's (HelloRequest,
    // --allow-renegotiation); otherwise a HelloRequest gets no_renegotiation.
    config.allow_renegotiation = args.renegotiate || args.allow_renegotiation;
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config.set_client_cert_from_pem_files(cert, key)?;
    }
    if args.keylog {
        config.key_log = Some(Arc::new(KeyLogFile::from_env()));
    }
    let name = ServerName::try_from(args.server_name.clone())
        .map_err(|e| format!("--server-name {:?}: {e}", args.server_name))?;

    // One config for every connection: its session store carries the
    // session from one connection to the next.
    let config = Arc::new(config);
    for _ in 0..args.repeat {
        fetch(&args, &config, name.clone())?;
    }
    Ok(())
}

/// The roots `--ca` names: the platform's store, Mozilla's, or a PEM file.
fn load_roots(ca: &str) -> Result<RootCertStore, BoxError> {
    match ca {
        "system" => {
            let (roots, report) =
                RootCertStore::native_roots().map_err(|e| format!("--ca system: {e}"))?;
            eprintln!(
                "ca: {} roots from the platform store ({} rejected as unparsable)",
                report.accepted, report.rejected
            );
            for error in &report.errors {
                eprintln!("ca: could not read: {error}");
            }
            Ok(roots)
        }
        "webpki" => {
            let roots = RootCertStore::webpki_roots();
            eprintln!("ca: {} roots from webpki-roots", roots.len());
            Ok(roots)
        }
        path => {
            let mut roots = RootCertStore::new();
            roots
                .add_pem_file(path)
                .map_err(|e| format!("{path}: {e}"))?;
            Ok(roots)
        }
    }
}

/// One connection: handshake, `GET /`, the body to stdout.
fn fetch(
    args: &Args,
    config: &Arc<ClientConfig>,
    name: ServerName<'static>,
) -> Result<(), BoxError> {
    let tcp =
        TcpStream::connect(&args.connect).map_err(|e| format!("connect {}: {e}", args.connect))?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut tls = Stream::new(Connection::new_client(config.clone(), name)?, tcp);

    let handshake = tls.handshake();
    take_events(&mut tls, args.trace);
    handshake.map_err(|e| format!("handshake: {e}"))?;
    let n = tls
        .conn()
        .negotiated()
        .ok_or("handshake complete but nothing negotiated")?;
    eprintln!("resumed: {}", if n.resumed { "yes" } else { "no" });
    if args.trace {
        print_negotiated(n);
    }

    if args.renegotiate {
        // Returns once the new handshake is complete or the server refused.
        let renegotiation = tls.renegotiate();
        let events = take_events(&mut tls, args.trace);
        match renegotiation {
            Ok(()) if completed(&events) => {
                eprintln!("renegotiated: yes");
                if args.trace {
                    print_negotiated(tls.conn().negotiated().ok_or("nothing negotiated")?);
                }
            }
            Ok(()) => eprintln!("renegotiated: no (the server refused)"),
            // Not started: the connection goes on as it was.
            Err(e) if matches!(tls_error(&e), Some(sanstls::Error::CannotRenegotiate(_))) => {
                eprintln!("renegotiated: no ({e})")
            }
            Err(e) => return Err(format!("renegotiation: {e}").into()),
        }
    }

    let request = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        args.server_name
    );
    tls.write_all(request.as_bytes())?;

    // Reads until the server's close_notify; a bare EOF is an error here. A
    // server's HelloRequest is answered (or refused) inside `read`.
    let mut response = Vec::new();
    let read = tls.read_to_end(&mut response);
    let events = take_events(&mut tls, args.trace);
    if completed(&events) {
        eprintln!("renegotiated: yes");
    } else if events
        .iter()
        .any(|e| matches!(e, Event::RenegotiationRefused))
    {
        eprintln!("renegotiated: no (refused the server's request)");
    }
    read.map_err(|e| format!("reading the response: {e}"))?;
    // Our answering close_notify (queued when the server's arrived).
    tls.flush()?;

    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("response has no header terminator")?;
    print!("{body}");
    std::io::stdout().flush()?;
    let status = head.lines().next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 2") && !status.starts_with("HTTP/1.0 2") {
        return Err(format!("server answered {status:?}").into());
    }
    Ok(())
}

/// Takes the stream's events: prints the handshake trace (with `--trace`)
/// and returns the others.
fn take_events(tls: &mut Stream<TcpStream>, trace: bool) -> Vec<Event> {
    let mut rest = Vec::new();
    for event in tls.take_events() {
        match event {
            Event::Trace(entry) if trace => eprint!("{entry}"),
            Event::Trace(_) => {}
            other => rest.push(other),
        }
    }
    rest
}

/// Whether a renegotiation completed among `events`.
fn completed(events: &[Event]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::RenegotiationComplete(_)))
}

fn print_negotiated(n: &Negotiated) {
    eprintln!(
        "negotiated TLSv1.2 {} group {:?} signature {:?} encrypt-then-mac {} alpn {}",
        n.suite_name(),
        n.group,
        n.signature_scheme,
        n.encrypt_then_mac,
        n.alpn_protocol
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or("none".into())
    );
}

/// Our error inside an `io::Error` from `Stream`.
fn tls_error(e: &std::io::Error) -> Option<&sanstls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref())
}
