//! Rows for the key exchange messages, whose shape is the suite's key
//! exchange's: ECDHE (RFC 8422 §5.4, §5.7), DHE (RFC 5246 §7.4.3,
//! §7.4.7.2; RFC 7919) and RSA key transport (RFC 5246 §7.4.7.1, which has
//! no ServerKeyExchange). Each row runs for the key exchanges its name
//! starts with ("SKX ... (ECDHE, DHE)" for both signed ones).
//!
//! The DHE rows are in malformed/dhe.rs. With RSA key transport the server
//! decrypts a ciphertext of any length or content to a random pre-master
//! secret (§7.4.7.1), so every row whose ClientKeyExchange still decodes
//! ends at the client's Finished, which the server cannot decrypt:
//! bad_record_mac. Only the framing of the message (its length prefix) is
//! refused as such.

use super::*;

#[path = "dhe.rs"]
mod dhe;

fn is_ecdhe(s: &SupportedSuite) -> bool {
    s.kx == KeyExchangeKind::Ecdhe
}

fn is_dhe(s: &SupportedSuite) -> bool {
    s.kx == KeyExchangeKind::Dhe
}

fn is_rsa_kx(s: &SupportedSuite) -> bool {
    s.kx == KeyExchangeKind::Rsa
}

/// The key exchanges with a signed ServerKeyExchange.
fn is_signed_kx(s: &SupportedSuite) -> bool {
    s.kx != KeyExchangeKind::Rsa
}

/// The client's Finished, protected under keys the server did not derive:
/// what a pre-master secret the client did not use ends in.
fn finished_undecryptable() -> Outcome {
    fails(Error::BadRecordMac, A::BAD_RECORD_MAC)
}

pub(super) fn kx_rows() -> Vec<Row> {
    use Point::*;
    let mut rows = vec![
        // ---- ServerKeyExchange, either signed kind (client receives) ----
        short_by_one(
            "SKX one byte short (ECDHE, DHE)",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            "signature",
        )
        .only(is_signed_kx),
        body_edit(
            "SKX signature tampered (ECDHE, DHE)",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| {
                let n = b.len();
                b[n - 3] ^= 1;
            },
            fails(Error::BadSignature, A::DECRYPT_ERROR),
        )
        .only(is_signed_kx),
        announces(
            "SKX announces MAX_HANDSHAKE_MESSAGE_LEN+1 (ECDHE, DHE)",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            MAX_HANDSHAKE_MESSAGE_LEN + 1,
        )
        .only(is_signed_kx),
        records_edit(
            "SKX before Certificate (ECDHE, DHE)",
            ServerFlight,
            |r| r.swap(1, 2),
            unexpected("Certificate", "ServerKeyExchange"),
        )
        .only(is_signed_kx),
        // ---- ECDHE ServerKeyExchange (client receives) ----
        trailing(
            "ECDHE SKX trailing byte",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            "EcdheServerKeyExchange",
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE SKX curve type explicit_prime",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| b[0] = 1,
            fails(decode("ECCurveType", K::IllegalValue), A::ILLEGAL_PARAMETER),
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE SKX unknown group",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| set_u16(b, 1, 0x9999),
            illegal("server chose a group we did not offer"),
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE SKX empty point",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| {
                let n = b[3] as usize;
                b.drain(3..4 + n);
                b.insert(3, 0);
            },
            decode_error("ECPoint", K::BadLength),
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE SKX point length past the end",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| {
                // A u8 length reaches at most 255 bytes on; after an
                // RSA-2048 signature the message is longer than that, so it
                // is cut to end one byte before the announced point would.
                b[3] = 0xff;
                b.truncate(4 + 0xff - 1);
            },
            decode_error("ECPoint", K::Truncated),
        )
        .only(is_ecdhe),
        // ---- ECDHE ClientKeyExchange (server receives) ----
        short_by_one(
            "ECDHE CKE one byte short",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            "ECPoint",
        )
        .only(is_ecdhe),
        trailing(
            "ECDHE CKE trailing byte",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            "EcdheClientKeyExchange",
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE CKE empty point",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| *b = vec![0],
            decode_error("ECPoint", K::BadLength),
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE CKE point of the wrong length",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                b.push(0);
                b[0] += 1;
            },
            illegal("ECDHE public key has the wrong length"),
        )
        .only(is_ecdhe),
        body_edit(
            "ECDHE CKE X25519 point of low order (all zero)",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                for x in &mut b[1..] {
                    *x = 0;
                }
            },
            illegal("ECDHE public key rejected"),
        )
        .only(is_ecdhe),
    ];
    rows.extend(dhe::dhe_rows());
    rows.extend(rsa_rows());
    rows
}

fn rsa_rows() -> Vec<Row> {
    use Point::*;
    vec![
        // ---- RSA key transport: no ServerKeyExchange (client receives) ----
        records_edit(
            "RSA a ServerKeyExchange where none belongs",
            ServerFlight,
            |r| {
                let shd = find_hs(r, SERVER_HELLO_DONE);
                r.insert(shd, (HANDSHAKE, vec![SERVER_KEY_EXCHANGE, 0, 0, 2, 0, 0]));
            },
            unexpected("ServerHelloDone", "ServerKeyExchange"),
        )
        .only(is_rsa_kx),
        // ---- RSA ClientKeyExchange (server receives) ----
        body_edit(
            "RSA CKE length prefix 1 past the end",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                let n = get_u16(b, 0);
                set_u16(b, 0, n + 1);
            },
            decode_error("EncryptedPreMasterSecret", K::Truncated),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE length prefix 1 short of the end",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                let n = get_u16(b, 0);
                set_u16(b, 0, n - 1);
            },
            decode_error("RsaClientKeyExchange", K::TrailingData),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE without its length prefix (SSL 3.0 form, 254 bytes)",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                // Whatever the ciphertext's first two bytes say, a decoder
                // reading them as a length finds 254 bytes after them: the
                // row fixes them to 254 so that it is not left to chance.
                b.drain(..2);
                set_u16(b, 0, 254);
            },
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE empty ciphertext",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| *b = vec![0, 0],
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext 1 byte short",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                b.pop();
                let n = b.len() - 2;
                set_u16(b, 0, n);
            },
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext 1 byte long",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                b.push(0);
                let n = b.len() - 2;
                set_u16(b, 0, n);
            },
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext with a leading zero byte more",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| {
                b.insert(2, 0);
                let n = b.len() - 2;
                set_u16(b, 0, n);
            },
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext with one bit flipped",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| b[100] ^= 1,
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext all 0xff (not below the modulus)",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| b[2..].fill(0xff),
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
        body_edit(
            "RSA CKE ciphertext all zero",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| b[2..].fill(0),
            finished_undecryptable(),
        )
        .only(is_rsa_kx),
    ]
}
