//! Application-data records through established connections, for the bulk
//! comparison: one 16 KiB write from client to server, sealed as one record
//! by the client and opened by the server, in sanstls and in OpenSSL; and
//! handshakes across the two libraries, which show what each OpenSSL side
//! agrees to (sanstls reports whether encrypt-then-MAC is in use; OpenSSL
//! has no call that says).

use openssl::ssl::{Ssl, SslStream};

use super::{step, OpensslPair, PairSpec, Pipe, Pki, SanstlsPair};

/// Application data per write: one full record (RFC 5246 §6.2.1).
pub const RECORD: usize = 16 * 1024;

/// One suite and record mode measured.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Its name in the bench ids: letters, digits and `_` only, so that
    /// criterion's directory for it is predictable.
    pub label: &'static str,
    pub spec: PairSpec,
}

/// A CBC suite over ECDHE, or over RSA key transport when `rsa_kx`.
const fn cbc(
    label: &'static str,
    (iana, openssl, rsa_kx): (&'static str, &'static str, bool),
    etm: bool,
) -> Case {
    Case {
        label,
        spec: PairSpec {
            iana,
            openssl,
            rsa_kx,
            ffdhe: false,
            cbc: true,
            etm,
        },
    }
}

const AES128_SHA1: (&str, &str, bool) = (
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES128-SHA",
    false,
);
const AES256_SHA256: (&str, &str, bool) =
    ("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", true);

/// The anchor: the AEAD both libraries use by default.
pub const GCM: Case = Case {
    label: "aes128_gcm",
    spec: PairSpec {
        iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
        rsa_kx: false,
        ffdhe: false,
        cbc: false,
        etm: true,
    },
};

/// The two CBC record protections of the issue, each MAC-then-encrypt
/// (`mte`, RFC 5246 §6.2.3.2) and encrypt-then-MAC (`etm`, RFC 7366); then
/// the anchor. No ECDHE suite pairs AES-256-CBC with HMAC-SHA256 (RFC 5289
/// gives AES-256 SHA-384), so that one runs over RSA key transport: the key
/// exchange only makes the keys, the records are the same.
pub const CASES: [Case; 5] = [
    cbc("aes128_sha1_mte", AES128_SHA1, false),
    cbc("aes128_sha1_etm", AES128_SHA1, true),
    cbc("aes256_sha256_mte", AES256_SHA256, false),
    cbc("aes256_sha256_etm", AES256_SHA256, true),
    GCM,
];

impl Case {
    pub fn parse(s: &str) -> Option<Case> {
        CASES.into_iter().find(|c| c.label == s)
    }
}

// ---------- sanstls ----------

/// `data` from client to server: `send` seals it into `wire` (one copy of
/// the plaintext), `handle_input` opens it in place there.
pub fn sanstls_transfer(
    client: &mut sanstls::Connection,
    server: &mut sanstls::Connection,
    data: &[u8],
    wire: &mut Vec<u8>,
) {
    wire.clear();
    client.send(data, wire).unwrap();
    let len = wire.len();
    let input = server.handle_input(wire).unwrap();
    assert_eq!(input.consumed, len);
    assert_eq!(input.data.map(|d| d.len()), Some(data.len()));
}

/// The zero-copy way: `record` holds the plaintext at the client's
/// `in_place_layout` prefix; it is sealed there and opened there, which
/// leaves the plaintext where it was for the next call.
pub fn sanstls_in_place(
    client: &mut sanstls::Connection,
    server: &mut sanstls::Connection,
    record: &mut [u8],
    len: usize,
) {
    let n = client.seal_in_place(record, len).unwrap();
    let input = server.handle_input(&mut record[..n]).unwrap();
    assert_eq!(input.data.map(|d| d.len()), Some(len));
}

/// A buffer for [`sanstls_in_place`] holding `len` bytes of `fill` at the
/// client's prefix.
pub fn in_place_buffer(client: &sanstls::Connection, len: usize, fill: u8) -> Vec<u8> {
    let (prefix, suffix) = client.in_place_layout().unwrap();
    let mut record = vec![0; prefix + len + suffix];
    record[prefix..prefix + len].fill(fill);
    record
}

// ---------- OpenSSL ----------

/// `data` from client to server: `SSL_write` seals it into the client's
/// write buffer, which its BIO copies into the pipe; the bytes are handed
/// over without a copy (the server's input must be empty); `SSL_read` reads
/// them through its BIO into its read buffer, opens the record there and
/// copies the plaintext out into `plain`. A memory BIO pair makes the same
/// two copies.
pub fn openssl_transfer(
    client: &mut SslStream<Pipe>,
    server: &mut SslStream<Pipe>,
    data: &[u8],
    plain: &mut [u8],
) {
    assert_eq!(client.ssl_write(data).unwrap(), data.len());
    hand_over(client, server);
    assert_eq!(server.ssl_read(plain).unwrap(), data.len());
}

/// Moves what `from` wrote to `to`'s input by swapping the buffers.
pub fn hand_over(from: &mut SslStream<Pipe>, to: &mut SslStream<Pipe>) {
    let to = to.get_mut();
    assert!(to.input.is_empty() && to.read == 0, "unread input left");
    std::mem::swap(&mut from.get_mut().output, &mut to.input);
}

/// `SSL_write` alone: the record is sealed and thrown away.
pub fn openssl_seal(client: &mut SslStream<Pipe>, data: &[u8]) {
    assert_eq!(client.ssl_write(data).unwrap(), data.len());
    client.get_mut().output.clear();
}

/// One record `client` sealed, as the bytes on the wire.
pub fn openssl_sealed(client: &mut SslStream<Pipe>, data: &[u8]) -> Vec<u8> {
    assert_eq!(client.ssl_write(data).unwrap(), data.len());
    std::mem::take(&mut client.get_mut().output)
}

/// `SSL_read` alone, of a record sealed by [`openssl_sealed`].
pub fn openssl_open(server: &mut SslStream<Pipe>, record: Vec<u8>, plain: &mut [u8]) -> usize {
    let pipe = server.get_mut();
    assert!(pipe.input.is_empty() && pipe.read == 0, "unread input left");
    pipe.input = record;
    server.ssl_read(plain).unwrap()
}

// ---------- across the two libraries ----------

/// What `spec` gives across the libraries, for the bench log: a sanstls
/// client against an OpenSSL server and an OpenSSL client against a
/// sanstls server, each configured as in its own pair; for each, the suite
/// and the encrypt-then-MAC flag sanstls negotiated (asserted equal to
/// `spec.etm` for CBC), then one 16 KiB record each way, checked byte for
/// byte, and the record's length on the wire from each library (asserted
/// equal: the same work on the same bytes).
pub fn cross_check(pki: &Pki, spec: PairSpec) -> String {
    let ours = super::sanstls_pair_for(pki, spec);
    let theirs = super::openssl_pair_for(pki, spec);
    let data: Vec<u8> = (0..RECORD).map(|i| (i * 7) as u8).collect();
    let mut line = String::new();
    for (role, sanstls_client) in [("OpenSSL server", true), ("OpenSSL client", false)] {
        let (mut conn, mut peer) = mixed_handshake(&ours, &theirs, sanstls_client);
        let n = conn.negotiated().unwrap();
        let (suite, etm) = (n.suite.name(), n.encrypt_then_mac);
        assert_eq!(suite, spec.iana);
        if spec.cbc {
            assert_eq!(etm, spec.etm, "{role}");
        }
        let mut wire = Vec::new();
        conn.send(&data, &mut wire).unwrap();
        let our_len = wire.len();
        peer.get_mut().input = wire;
        let mut plain = vec![0; RECORD];
        assert_eq!(peer.ssl_read(&mut plain).unwrap(), RECORD);
        assert_eq!(plain, data);
        let mut wire = openssl_sealed(&mut peer, &data);
        let their_len = wire.len();
        let input = conn.handle_input(&mut wire).unwrap();
        assert_eq!(input.data.as_deref(), Some(&data[..]));
        assert_eq!(our_len, their_len, "record lengths differ ({role})");
        line += &format!("{role}: {suite} encrypt_then_mac={etm} record={our_len} B; ");
    }
    line.trim_end_matches("; ").to_string()
}

/// A handshake between a sanstls connection and an OpenSSL one, the
/// sanstls side the client when `sanstls_client`.
fn mixed_handshake(
    ours: &SanstlsPair,
    theirs: &OpensslPair,
    sanstls_client: bool,
) -> (sanstls::Connection, SslStream<Pipe>) {
    let (mut conn, peer) = if sanstls_client {
        let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = sanstls::Connection::new_client(ours.client.clone(), name).unwrap();
        let mut peer = Ssl::new(&theirs.server).unwrap();
        peer.set_accept_state();
        (conn, peer)
    } else {
        let conn = sanstls::Connection::new_server(ours.server.clone());
        let mut peer = Ssl::new(&theirs.client).unwrap();
        peer.set_connect_state();
        peer.set_hostname("localhost").unwrap();
        (conn, peer)
    };
    let mut peer = SslStream::new(peer, Pipe::default()).unwrap();
    let mut peer_done = false;
    for _ in 0..16 {
        conn.poll_output(&mut peer.get_mut().input);
        peer_done = peer_done || step(&mut peer);
        let mut out = std::mem::take(&mut peer.get_mut().output);
        let mut start = 0;
        while start < out.len() {
            let input = conn.handle_input(&mut out[start..]).unwrap();
            assert!(input.consumed > 0, "a partial record in a flight");
            start += input.consumed;
        }
        if peer_done && !conn.is_handshaking() && !conn.has_output() {
            return (conn, peer);
        }
    }
    panic!("handshake across the libraries did not finish");
}
