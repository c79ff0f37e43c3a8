//! Live interop of the legacy key exchanges (feature `legacy`: RSA key
//! transport and finite-field DHE) against real peers, over TCP on
//! 127.0.0.1: OpenSSL (`s_server`/`s_client -tls1_2`, `-cipher` naming the
//! suite) and GnuTLS (`gnutls-serv`/`gnutls-cli`, a priority string naming
//! it), each in both roles, for every suite of `LEGACY_SUITES`: the
//! handshake with exactly that suite (checked on our side and in what the
//! peer prints), a line of application data each way, close_notify both
//! ways. Then the DHE groups: what OpenSSL picks by default and with
//! `-dhparam` (RFC 7919 groups, and a custom prime our client refuses unless
//! allowed), and which RFC 7919 group each side picks from the other's
//! supported_groups.
//!
//! Children are killed and reaped by `Proc`'s drop guard, sockets have read
//! and write timeouts and every wait has a deadline. CI (`.ci/run`) installs
//! both tools; without one, its tests print `SKIPPED: ... not found` and
//! return. The tests hold one lock, so one peer runs at a time: the
//! machine may be shared, and the whole file takes a few seconds anyway.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::gnutls::{self, description, selected_group, selected_suite};
use common::legacy::{one_peer_at_a_time, PeerFiles as Files, Suite, DHE_AES128, SUITES};
use common::openssl::{
    self, client_rev_exchange, expect_exit, handshake, server_line_exchange, tls_error, Proc,
    CLIENT_LINE, TIMEOUT,
};
use sanstls::internals::codec::enums::NamedGroup;
use sanstls::io::Stream;
use sanstls::{ClientConfig, Connection, Error, Negotiated, ServerConfig};

/// A prime of 2048 bits that is none of RFC 7919's, from `openssl dhparam`
/// (see tests/data/dh/README.md).
const CUSTOM_DH_PARAMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dh/custom2048.pem");

// ---------------------------------------------------------------------------
// Checks and peers
// ---------------------------------------------------------------------------

/// What every full legacy handshake of ours must show: exactly `suite`,
/// the extended master secret (both peers send it by default and we
/// require it), the server name (we send it; both peers are told to), and
/// the RFC 7919 group for DHE or none for RSA.
fn check_negotiated(n: &Negotiated, suite: &Suite, dhe_group: NamedGroup) {
    assert_eq!(n.suite_name(), suite.iana);
    assert!(n.extended_master_secret, "{}", suite.iana);
    assert!(!n.resumed);
    assert_eq!(n.server_name.as_deref(), Some("localhost"));
    let group = (suite.is_dhe()).then_some(dhe_group);
    assert_eq!(n.group, group, "{}", suite.iana);
}

// ---------------------------------------------------------------------------
// Sessions with each peer
// ---------------------------------------------------------------------------

/// Our client against `openssl s_server -rev -cipher CIPHER`: handshake, a
/// line each way, close_notify both ways; checks what s_server printed.
fn with_s_server(
    files: &Files,
    cipher: &str,
    extra: &[&str],
    cc: ClientConfig,
) -> (Negotiated, Proc) {
    let mut args = vec!["-cipher", cipher];
    args.extend_from_slice(extra);
    let (mut srv, port) =
        openssl::start_s_server(&files.path("cert.pem"), &files.path("key.pem"), 1, &args);
    let mut s = openssl::connect_client(port, Arc::new(cc), "localhost");
    let n = handshake(&mut s, &srv, &format!("s_server ({cipher})"));
    client_rev_exchange(&mut s, &srv);
    drop(s);
    expect_exit(&mut srv, "s_server");
    let err = srv.stderr();
    assert!(
        err.contains("Protocol version: TLSv1.2\n"),
        "{}",
        srv.dump()
    );
    assert!(
        err.contains(&format!("Ciphersuite: {cipher}\n")),
        "{}",
        srv.dump()
    );
    (n, srv)
}

/// Our server against `openssl s_client -cipher CIPHER`: handshake, a line
/// each way, close_notify both ways; checks what s_client printed.
fn with_s_client(
    files: &Files,
    cipher: &str,
    extra: &[&str],
    sc: ServerConfig,
) -> (Negotiated, Proc) {
    let mut args = vec!["-cipher", cipher];
    args.extend_from_slice(extra);
    let (mut cli, tcp) = openssl::start_s_client(&files.path("ca.pem"), &args, CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(Arc::new(sc)), tcp);
    let n = handshake(&mut s, &cli, &format!("s_client ({cipher})"));
    server_line_exchange(s, &mut cli);
    let out = cli.stdout();
    assert!(
        out.contains(&format!("New, TLSv1.2, Cipher is {cipher}\n")),
        "{}",
        cli.dump()
    );
    assert!(
        out.contains("Extended master secret: yes\n"),
        "{}",
        cli.dump()
    );
    (n, cli)
}

/// Checks what a GnuTLS tool printed for `suite`: the suite it logged as
/// selected, and its `- Description:` line, which names the key exchange
/// (with the group it logged, for DHE) and the cipher.
fn check_gnutls(suite: &Suite, peer: &Proc) {
    let (out, err) = (peer.stdout(), peer.stderr());
    assert_eq!(selected_suite(&err), Some(suite.gnutls), "{}", peer.dump());
    let kx = match (suite.is_dhe(), selected_group(&err)) {
        (true, Some(group)) => format!("-(DHE-{group})-"),
        _ => "-(RSA)-".to_string(),
    };
    let d = description(&out).unwrap_or_else(|| panic!("no description\n{}", peer.dump()));
    assert!(
        d.starts_with("(TLS1.2-X.509)-")
            && d.contains(&kx)
            && d.ends_with(&format!("-({})", suite.gnutls_cipher)),
        "{d}\n{}",
        peer.dump()
    );
    assert!(
        out.contains("- Options: extended master secret"),
        "{}",
        peer.dump()
    );
}

/// Our client against `gnutls-serv --echo`: handshake, a line each way
/// (echoed), close_notify both ways; checks the suite gnutls-serv selected.
fn with_gnutls_serv(
    files: &Files,
    suite: &Suite,
    priority: &str,
    extra: &[&str],
    cc: ClientConfig,
) -> (Negotiated, Proc) {
    let (srv, port) = gnutls::start_gnutls_serv(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        priority,
        extra,
    );
    let n = gnutls::client_echo_session(&srv, port, Arc::new(cc));
    check_gnutls(suite, &srv);
    (n, srv)
}

/// Our server against `gnutls-cli`: handshake, a line each way, close_notify
/// both ways; checks the suite gnutls-cli selected.
fn with_gnutls_cli(
    files: &Files,
    suite: &Suite,
    priority: &str,
    extra: &[&str],
    sc: ServerConfig,
) -> (Negotiated, Proc) {
    let (mut cli, tcp) =
        gnutls::start_gnutls_cli(&files.path("ca.pem"), priority, extra, CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(Arc::new(sc)), tcp);
    let n = handshake(&mut s, &cli, &format!("gnutls-cli ({priority})"));
    gnutls::server_line_exchange(s, &mut cli);
    check_gnutls(suite, &cli);
    (n, cli)
}

// ---------------------------------------------------------------------------
// Every suite, both roles, both peers
// ---------------------------------------------------------------------------

#[test]
fn our_client_every_legacy_suite_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    // OpenSSL's own DH parameters are not an RFC 7919 group (see
    // openssl_default_dh_params), so s_server gets ffdhe2048.
    let dhparam = files.arg("ffdhe2048.pem");
    for suite in &SUITES {
        let args = ["-dhparam", dhparam.as_str()];
        let (n, _) = with_s_server(&files, suite.openssl, &args, files.client(suite));
        check_negotiated(&n, suite, NamedGroup::FFDHE2048);
        assert_eq!(n.peer_certificates, files.pki.chain);
    }
}

#[test]
fn our_server_every_legacy_suite_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    for suite in &SUITES {
        let (n, cli) = with_s_client(&files, suite.openssl, &[], files.server(suite));
        check_negotiated(&n, suite, NamedGroup::FFDHE2048);
        if suite.is_dhe() {
            assert!(
                cli.stdout().contains("Server Temp Key: DH, 2048 bits\n"),
                "{}",
                cli.dump()
            );
        }
    }
}

#[test]
fn our_client_every_legacy_suite_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    for suite in &SUITES {
        let priority = suite.gnutls_priority("+GROUP-ALL");
        let (n, srv) = with_gnutls_serv(&files, suite, &priority, &[], files.client(suite));
        check_negotiated(&n, suite, NamedGroup::FFDHE2048);
        let group = (suite.is_dhe()).then_some("FFDHE2048");
        assert_eq!(selected_group(&srv.stderr()), group, "{}", srv.dump());
    }
}

#[test]
fn our_server_every_legacy_suite_with_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    for suite in &SUITES {
        let priority = suite.gnutls_priority("+GROUP-ALL");
        let (n, cli) = with_gnutls_cli(&files, suite, &priority, &[], files.server(suite));
        check_negotiated(&n, suite, NamedGroup::FFDHE2048);
        let group = (suite.is_dhe()).then_some("FFDHE2048");
        assert_eq!(selected_group(&cli.stderr()), group, "{}", cli.dump());
    }
}

// ---------------------------------------------------------------------------
// DHE groups
// ---------------------------------------------------------------------------

/// The DHE suite the group tests use.
const DHE: &Suite = DHE_AES128;

/// What our client says of DH parameters that are none of RFC 7919's.
const NOT_RFC7919: Error =
    Error::HandshakeFailure("server's DH group is not a well-known group (RFC 7919, RFC 3526)");

/// The opening of the prime of every RFC 2409/RFC 3526 MODP group, behind
/// its 2-byte length (0x0100: 2048 bits, which makes it RFC 3526 group 14):
/// 64 one bits, then the first bits of pi.
const MODP_2048_P_START: &str =
    "01 00 ff ff ff ff ff ff ff ff c9 0f da a2 21 68 c2 34 c4 c6 62 8b 80 dc 1c d1";

/// `s_server -msg` output with its hex dumps on one line.
fn msg_hex(out: &str) -> String {
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Our client against `s_server -msg` (for `naccept` connections) with
/// `extra`, expecting our refusal of its DH parameters and the
/// handshake_failure alert at s_server. Returns s_server and its port.
fn refused_by_our_client(
    files: &Files,
    naccept: u32,
    extra: &[&str],
    cc: ClientConfig,
) -> (Proc, u16) {
    let mut args = vec!["-cipher", DHE.openssl, "-msg"];
    args.extend_from_slice(extra);
    let (srv, port) = openssl::start_s_server(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        naccept,
        &args,
    );
    let mut s = openssl::connect_client(port, Arc::new(cc), "localhost");
    let e = s.handshake().expect_err("DH parameters not from RFC 7919");
    assert_eq!(tls_error(&e), Some(&NOT_RFC7919), "{e}\n{}", srv.dump());
    assert!(s.conn().negotiated().is_none());
    assert!(
        srv.wait_for(TIMEOUT, |out, _| out.contains(
            "<<< TLS 1.2, Alert [length 0002], fatal handshake_failure"
        )),
        "s_server did not get our alert\n{}",
        srv.dump()
    );
    (srv, port)
}

/// OpenSSL 3.0's `s_server` without `-dhparam` ("Using default temp DH
/// parameters", `SSL_CTX_set_dh_auto`) sends the 2048-bit MODP group of RFC
/// 3526 (for a 2048-bit RSA key), not RFC 7919's ffdhe2048, whether the
/// client lists the RFC 7919 groups (we do) or names no group at all
/// (`s_client -tls1_2` with only DHE suites sends no supported_groups): in
/// TLS 1.2 it does not read supported_groups for DHE. That prime is as well
/// known as RFC 7919's, and our client accepts it by default, without the
/// custom-group opt-in; it has no TLS name, so no group is reported.
#[test]
fn openssl_default_dh_params() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let (mut srv, port) = openssl::start_s_server(
        &files.path("cert.pem"),
        &files.path("key.pem"),
        2,
        &["-cipher", DHE.openssl, "-msg"],
    );
    let mut s = openssl::connect_client(port, Arc::new(files.client(DHE)), "localhost");
    s.handshake().expect("OpenSSL's default DH group");
    let n = s.conn().negotiated().unwrap().clone();
    assert_eq!(n.suite_name(), DHE.iana);
    assert_eq!(n.group, None, "not a named group");
    client_rev_exchange(&mut s, &srv);
    assert!(
        srv.stdout().contains("Using default temp DH parameters\n"),
        "{}",
        srv.dump()
    );
    // The second connection: s_client, naming no group, closing at once
    // (its stdin is at EOF).
    let mut cli = Proc::spawn(
        Command::new("openssl")
            .args(["s_client", "-tls1_2", "-cipher", DHE.openssl])
            .args(["-servername", "localhost", "-CAfile", &files.arg("ca.pem")])
            .args(["-connect", &format!("127.0.0.1:{port}")]),
    );
    cli.close_stdin();
    expect_exit(&mut cli, "s_client");
    assert!(
        cli.stdout().contains("Server Temp Key: DH, 2048 bits\n"),
        "{}",
        cli.dump()
    );
    expect_exit(&mut srv, "s_server");
    // Both ServerKeyExchanges carried the RFC 3526 prime.
    let hex = msg_hex(&srv.stdout());
    assert_eq!(hex.matches(MODP_2048_P_START).count(), 2, "{}", srv.dump());
}

/// `s_server -dhparam` with RFC 7919 parameters: our client recognizes the
/// group (ffdhe2048 is in every suite's test above).
#[test]
fn openssl_dhparam_ffdhe3072() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let args = ["-dhparam", &files.arg("ffdhe3072.pem")];
    let (n, _) = with_s_server(&files, DHE.openssl, &args, files.client(DHE));
    assert_eq!(n.group, Some(NamedGroup::FFDHE3072));
}

/// `s_server -dhparam` with a prime of its own (`openssl dhparam 2048`):
/// refused by default (handshake_failure), accepted with
/// `allow_custom_dhe_groups` (it has the 2048 bits `min_dhe_bits` asks).
#[test]
fn openssl_custom_dhparam() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let args = ["-dhparam", CUSTOM_DH_PARAMS];
    let (srv, _) = refused_by_our_client(&files, 1, &args, files.client(DHE));
    assert!(
        srv.stdout().contains("Setting temp DH parameters\n"),
        "{}",
        srv.dump()
    );
    // Not the RFC 3526 prime either.
    assert!(!msg_hex(&srv.stdout()).contains(MODP_2048_P_START));
    drop(srv);

    let mut cc = files.client(DHE);
    cc.allow_custom_dhe_groups = true;
    let (n, _) = with_s_server(&files, DHE.openssl, &args, cc);
    assert_eq!(n.suite_name(), DHE.iana);
    assert_eq!(n.group, None);
}

/// s_client names no group, so our server may pick any (RFC 7919 §4): the
/// first of `dhe_groups`.
#[test]
fn our_server_dhe_group_for_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_openssl() else {
        return;
    };
    let mut sc = files.server(DHE);
    sc.dhe_groups = vec![NamedGroup::FFDHE3072, NamedGroup::FFDHE2048];
    let (n, cli) = with_s_client(&files, DHE.openssl, &[], sc);
    assert_eq!(n.group, Some(NamedGroup::FFDHE3072));
    assert!(
        cli.stdout().contains("Server Temp Key: DH, 3072 bits\n"),
        "{}",
        cli.dump()
    );
}

/// gnutls-serv picks the RFC 7919 group from our supported_groups, by its
/// priority string: ffdhe4096 when that is all it allows.
#[test]
fn gnutls_server_picks_ffdhe4096() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let priority = DHE.gnutls_priority("+GROUP-FFDHE4096");
    let (n, srv) = with_gnutls_serv(&files, DHE, &priority, &[], files.client(DHE));
    assert_eq!(n.group, Some(NamedGroup::FFDHE4096));
    assert_eq!(selected_group(&srv.stderr()), Some("FFDHE4096"));
}

/// gnutls-cli names RFC 7919 groups, so our server must pick one of them
/// (RFC 7919 §4): the only one it names; from all five (ffdhe2048 to
/// ffdhe8192), the smallest of ours at least as strong as our 2048-bit RSA
/// key; and when it names only groups we lack, no DHE suite at all
/// (handshake_failure).
#[test]
fn our_server_dhe_group_for_gnutls() {
    let _one = one_peer_at_a_time();
    let Some(files) = Files::for_gnutls() else {
        return;
    };
    let priority = DHE.gnutls_priority("+GROUP-FFDHE3072");
    let (n, cli) = with_gnutls_cli(&files, DHE, &priority, &[], files.server(DHE));
    assert_eq!(n.group, Some(NamedGroup::FFDHE3072));
    assert_eq!(selected_group(&cli.stderr()), Some("FFDHE3072"));

    let mut sc = files.server(DHE);
    sc.dhe_groups = vec![NamedGroup::FFDHE4096, NamedGroup::FFDHE3072];
    let priority = DHE.gnutls_priority("+GROUP-ALL");
    let (n, cli) = with_gnutls_cli(&files, DHE, &priority, &[], sc);
    assert_eq!(n.group, Some(NamedGroup::FFDHE3072));
    assert_eq!(selected_group(&cli.stderr()), Some("FFDHE3072"));

    let priority = DHE.gnutls_priority("+GROUP-FFDHE8192");
    let (mut cli, tcp) =
        gnutls::start_gnutls_cli(&files.path("ca.pem"), &priority, &[], CLIENT_LINE);
    let mut s = Stream::new(Connection::new_server(Arc::new(files.server(DHE))), tcp);
    let e = s.handshake().expect_err("no FFDHE group in common");
    assert_eq!(
        tls_error(&e),
        Some(&Error::HandshakeFailure("no FFDHE group in common")),
        "{e}\n{}",
        cli.dump()
    );
    drop(s);
    let status = cli
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("gnutls-cli still running\n{}", cli.dump()));
    assert!(!status.success(), "{}", cli.dump());
    assert!(
        cli.stdout().contains("Received alert [40]"),
        "{}",
        cli.dump()
    );
}
