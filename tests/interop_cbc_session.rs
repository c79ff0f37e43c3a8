//! Live interop of CBC session resumption against OpenSSL (`s_server` and
//! `s_client -tls1_2`), both ways, with encrypt-then-MAC and without it
//! (`-no_etm`): RFC 7366 §3.1 has a resumed session keep its EtM state, so
//! the abbreviated handshake must agree with the full one, and both sides
//! must then protect records the same way. Every suite against each peer is
//! `tests/interop_cbc.rs`; this file is about what resumption adds.

mod common;

use std::sync::Arc;

use common::legacy::{one_peer_at_a_time, PeerFiles};
use common::openssl::{
    self, client_rev_exchange, expect_exit, handshake, server_line_exchange, CLIENT_LINE,
};
use sanstls::io::Stream;
use sanstls::{ClientConfig, Connection, Negotiated, ServerConfig};

const SUITE: &str = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
const OPENSSL_SUITE: &str = "ECDHE-RSA-AES128-SHA";

fn client(files: &PeerFiles) -> ClientConfig {
    let mut cc = files.pki.client_config();
    cc.allow_cbc = true;
    cc.set_suites_by_name(&[SUITE]).unwrap();
    cc
}

fn server(files: &PeerFiles, tickets: bool) -> Arc<ServerConfig> {
    let mut sc = files.pki.server_config();
    sc.allow_cbc = true;
    sc.set_suites_by_name(&[SUITE]).unwrap();
    if tickets {
        sc.session_store = None;
    } else {
        sc.ticketer = None;
    }
    Arc::new(sc)
}

fn check(first: &Negotiated, second: &Negotiated, etm: bool, what: &str) {
    assert!(!first.resumed, "{what}");
    assert!(second.resumed, "{what}");
    assert_eq!(first.suite_name(), SUITE, "{what}");
    assert_eq!(second.suite_name(), SUITE, "{what}");
    assert_eq!(first.encrypt_then_mac, etm, "{what}");
    assert_eq!(second.encrypt_then_mac, etm, "{what}");
}

/// Our client twice against one s_server, by ticket and by session ID,
/// with and without EtM: the second connection resumes with the first's
/// EtM state and carries a line each way.
#[test]
fn our_client_resumes_cbc_with_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = PeerFiles::for_openssl() else {
        return;
    };
    for etm in [true, false] {
        for tickets in [true, false] {
            let what = format!("etm {etm} tickets {tickets}");
            let mut extra = vec!["-cipher", OPENSSL_SUITE];
            if !etm {
                extra.push("-no_etm");
            }
            if !tickets {
                extra.push("-no_ticket");
            }
            let (mut srv, port) =
                openssl::start_s_server(&files.path("cert.pem"), &files.path("key.pem"), 2, &extra);
            let mut cc = client(&files);
            cc.enable_tickets = tickets;
            let cc = Arc::new(cc);
            let mut runs = Vec::new();
            for _ in 0..2 {
                let mut s = openssl::connect_client(port, cc.clone(), "localhost");
                runs.push(handshake(&mut s, &srv, "s_server"));
                client_rev_exchange(&mut s, &srv);
            }
            check(&runs[0], &runs[1], etm, &what);
            expect_exit(&mut srv, "s_server");
            assert!(
                srv.stdout().contains("1 session cache hits"),
                "{what}\n{}",
                srv.dump()
            );
        }
    }
}

/// s_client twice against our server, carrying the session over with
/// `-sess_out`/`-sess_in`, with and without EtM, by ticket and by
/// session ID.
#[test]
fn our_server_resumes_cbc_from_openssl() {
    let _one = one_peer_at_a_time();
    let Some(files) = PeerFiles::for_openssl() else {
        return;
    };
    let sess = files.arg("session.pem");
    for etm in [true, false] {
        for tickets in [true, false] {
            let what = format!("etm {etm} tickets {tickets}");
            let config = server(&files, tickets);
            let mut runs = Vec::new();
            for flag in ["-sess_out", "-sess_in"] {
                let mut args = vec!["-cipher", OPENSSL_SUITE, flag, &sess];
                if !etm {
                    args.push("-no_etm");
                }
                let (mut cli, tcp) =
                    openssl::start_s_client(&files.path("ca.pem"), &args, CLIENT_LINE);
                let mut s = Stream::new(Connection::new_server(config.clone()), tcp);
                runs.push(handshake(&mut s, &cli, "s_client"));
                server_line_exchange(s, &mut cli);
                // s_client names the version that introduced the suite
                // (TLSv1.0 for the SHA-1 ones), not the one in use.
                let word = if flag == "-sess_in" { "Reused" } else { "New" };
                let line = format!("{word}, TLSv1.0, Cipher is {OPENSSL_SUITE}\n");
                assert!(cli.stdout().contains(&line), "{what}\n{}", cli.dump());
                assert!(cli.stdout().contains("Protocol  : TLSv1.2"), "{what}");
            }
            check(&runs[0], &runs[1], etm, &what);
        }
    }
}
