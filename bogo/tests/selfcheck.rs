//! The shim without BoringSSL's runner: this test plays the runner's part
//! (listen on loopback, take the shim id, run the other end of TLS with
//! sanstls, send a message and check the echo) so that CI, which cannot
//! fetch the runner, still knows the shim builds, connects, resumes and
//! exits as the runner expects.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use sanstls::io::Stream;
use sanstls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use sanstls::verify::danger::NoServerVerification;
use sanstls::{ClientConfig, Connection, ServerConfig};

const SHIM: &str = env!("CARGO_BIN_EXE_bogo_shim");

fn shim(args: &[&str]) -> Child {
    Command::new(SHIM)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the shim")
}

/// Accepts one connection from the shim and checks its id, as the runner's
/// dispatcher does.
fn accept(listener: &TcpListener, id: u64) -> TcpStream {
    let (mut tcp, _) = listener.accept().unwrap();
    let mut got = [0; 8];
    tcp.read_exact(&mut got).unwrap();
    assert_eq!(u64::from_le_bytes(got), id, "shim id");
    tcp
}

/// The runner's exchange after the handshake: a message out, its echo back
/// XORed with 0xff, then close_notify both ways.
fn exchange(tls: &mut Stream<TcpStream>, resumed: bool) {
    tls.handshake().unwrap();
    assert_eq!(tls.conn().negotiated().unwrap().resumed, resumed);
    let message = [0x42; 32];
    tls.write_all(&message).unwrap();
    tls.flush().unwrap();
    let mut echo = [0; 32];
    tls.read_exact(&mut echo).unwrap();
    assert!(echo.iter().all(|&b| b == 0x42 ^ 0xff), "echo: {echo:?}");
    tls.close().unwrap();
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

fn finished(child: Child) -> Output {
    child.wait_with_output().unwrap()
}

fn assert_passed(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    // The runner fails a test whose shim printed anything on success.
    assert!(stderr.is_empty(), "stderr: {stderr}");
}

fn certificate() -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert, key)
}

#[test]
fn shim_client_handshakes_and_resumes() {
    let (cert, key) = certificate();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let server = Arc::new(ServerConfig::new(vec![cert.der().clone()], &key).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let child = shim(&[
        "-port",
        &port,
        "-shim-id",
        "7",
        "-resume-count",
        "1",
        "-expect-extended-master-secret",
        "-implicit-handshake",
        "-expect-verify-result",
    ]);
    for resumed in [false, true] {
        let tcp = accept(&listener, 7);
        exchange(
            &mut Stream::new(Connection::new_server(server.clone()), tcp),
            resumed,
        );
    }
    assert_passed(&finished(child));
}

/// Runs the shim as a server with `flags` for one connection from a
/// sanstls client; returns how it exited.
fn shim_server(flags: &[&str]) -> Output {
    let (cert, key) = certificate();
    let dir = std::env::temp_dir().join(format!(
        "sanstls-bogo-{}-{}",
        std::process::id(),
        flags.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut args = vec![
        "-server",
        "-port",
        &port,
        "-shim-id",
        "3",
        "-cert-file",
        cert_file.to_str().unwrap(),
        "-key-file",
        key_file.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let child = shim(&args);
    let client = Arc::new(ClientConfig::with_verifier(Arc::new(NoServerVerification)));
    let tcp = accept(&listener, 3);
    let conn = Connection::new_client(client, ServerName::try_from("localhost").unwrap()).unwrap();
    exchange(&mut Stream::new(conn, tcp), false);
    let out = finished(child);
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

#[test]
fn shim_server_handshakes() {
    assert_passed(&shim_server(&[
        "-expect-server-name",
        "localhost",
        // A sanstls server caches a session by ID, with a ticket or not.
        "-expect-session-id",
        "-no-op-extra-handshake",
    ]));
}

/// The session-ID check reads the cache: the opposite expectation fails.
#[test]
fn shim_checks_the_session_cache() {
    let out = shim_server(&["-expect-no-session-id"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cached by ID"));
}

#[test]
fn unknown_flag_is_unimplemented() {
    let out = finished(shim(&["-port", "1", "-no-such-flag"]));
    assert_eq!(out.status.code(), Some(89));
    // A TLS 1.2 shim cannot run a TLS 1.3-only test either.
    let out = finished(shim(&["-port", "1", "-min-version", "772"]));
    assert_eq!(out.status.code(), Some(89));
}

#[test]
fn no_split_handshakes() {
    let out = finished(shim(&["-is-handshaker-supported"]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "No");
}
