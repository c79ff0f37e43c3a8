//! Rows for the DHE key exchange messages (RFC 5246 §7.4.3, §7.4.7.2;
//! RFC 7919), for the DHE suites.
//!
//! - Client: the server's parameters are signed, so an edit of them alone
//!   meets the signature check. The rows marked "re-signed" sign the edited
//!   parameters again with the server's own key
//!   ([`Mitm::resign_dhe_params`]), as a malicious server or anyone holding
//!   its key can: then the client's own checks of the group (RFC 7919 §3)
//!   and of `dh_Ys` (§5.1) decide. A value the client accepts lets it
//!   answer with its flight, and the row stops there (its pre-master secret
//!   is not the server's). "custom" rows run with a client that accepts
//!   custom groups (`allow_custom_dhe_groups`).
//! - Server: `dh_Yc` is not signed; plain edits reach its check.

use super::super::*;
use super::{finished_undecryptable, is_dhe};
use hostile::resign::{custom2048_p, modp2048_p, DhParams};
use sanstls::internals::codec::enums::NamedGroup;
use sanstls::internals::crypto::ffdhe::DhGroup;
use sanstls::limits::MAX_DH_PRIME_BITS;

/// The prime of ffdhe2048 (RFC 7919 Appendix A.1), the group our server
/// picks for our client (the smallest offered one at least as strong as its
/// RSA-2048 key, RFC 7919 §4).
fn ffdhe2048_p() -> Vec<u8> {
    DhGroup::named(NamedGroup::FFDHE2048)
        .unwrap()
        .prime()
        .to_vec()
}

/// `v + delta` for a big-endian `v` (same length; no carry out of it).
fn add(v: &[u8], delta: i64) -> Vec<u8> {
    let mut out = v.to_vec();
    let mut carry = delta;
    for b in out.iter_mut().rev() {
        let x = i64::from(*b) + carry;
        *b = x.rem_euclid(256) as u8;
        carry = x.div_euclid(256);
        if carry == 0 {
            break;
        }
    }
    assert_eq!(carry, 0, "{delta} does not fit");
    out
}

/// `v` as an `opaque <1..2^16-1>`.
fn opaque16(v: &[u8]) -> Vec<u8> {
    let mut out = (v.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(v);
    out
}

/// The peer's public value out of `1 < Y < p-1` (RFC 7919 §5.1): refused
/// with handshake_failure by either side (§3, §4).
fn out_of_range() -> Outcome {
    fails(
        Error::HandshakeFailure("peer's DH public value is not in 1 < Y < p-1"),
        A::HANDSHAKE_FAILURE,
    )
}

fn not_rfc7919() -> Outcome {
    fails(
        Error::HandshakeFailure("server's DH group is not a well-known group (RFC 7919, RFC 3526)"),
        A::HANDSHAKE_FAILURE,
    )
}

fn handshake_failure(what: &'static str) -> Outcome {
    fails(Error::HandshakeFailure(what), A::HANDSHAKE_FAILURE)
}

/// The DHE ClientKeyExchange carrying `dh_Yc` = `value()`.
fn yc(name: &'static str, value: fn() -> Vec<u8>, o: Outcome) -> Row {
    row(
        name,
        Point::ClientFlight,
        move |m| {
            edit_body(&mut m.wire, CLIENT_KEY_EXCHANGE, |b| {
                *b = opaque16(&value())
            })
        },
        o,
    )
    .only(is_dhe)
}

/// The DHE ServerKeyExchange with its parameters edited by `f`, re-signed.
fn resigned(name: &'static str, f: fn(&mut DhParams), o: Outcome) -> Row {
    row(
        name,
        Point::ServerFlight,
        move |m| m.resign_dhe_params(f),
        o,
    )
    .only(is_dhe)
}

/// A client that accepts custom DH groups (of at least its default
/// min_dhe_bits, 2048).
fn custom_groups(c: &mut sanstls::ClientConfig) {
    c.allow_custom_dhe_groups = true;
}

pub(super) fn dhe_rows() -> Vec<Row> {
    use Point::*;
    vec![
        // ---- DHE ServerKeyExchange: framing (client receives) ----
        trailing(
            "DHE SKX trailing byte",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            "DheServerKeyExchange",
        )
        .only(is_dhe),
        body_edit(
            "DHE SKX empty dh_p",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| {
                let n = get_u16(b, 0);
                b.drain(..2 + n);
                b.splice(0..0, [0, 0]);
            },
            decode_error("dh_p", K::BadLength),
        )
        .only(is_dhe),
        body_edit(
            "DHE SKX dh_p length past the end",
            ServerFlight,
            SERVER_KEY_EXCHANGE,
            |b| {
                let n = b.len();
                set_u16(b, 0, n - 1);
            },
            decode_error("dh_p", K::Truncated),
        )
        .only(is_dhe),
        // ---- DHE ServerKeyExchange: dh_Ys, re-signed (client receives) ----
        resigned(
            "DHE SKX Ys = 0 (re-signed)",
            |d| d.ys = vec![0],
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = 1 (re-signed)",
            |d| d.ys = vec![1],
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = p-1 (re-signed)",
            |d| d.ys = add(&d.p, -1),
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = p (re-signed)",
            |d| d.ys = d.p.clone(),
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = p+1, larger than p (re-signed)",
            |d| d.ys = add(&d.p, 1),
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = 2^2048-1 (re-signed)",
            |d| d.ys = vec![0xff; d.p.len()],
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = 2 in one byte more than p (re-signed)",
            |d| {
                d.ys = vec![0; d.p.len() + 1];
                *d.ys.last_mut().unwrap() = 2;
            },
            out_of_range(),
        ),
        resigned(
            "DHE SKX Ys = 2, in range (re-signed)",
            |d| d.ys = vec![2],
            Outcome::Answers,
        ),
        // ---- DHE ServerKeyExchange: the group, re-signed (client receives) ----
        resigned(
            "DHE SKX tiny prime p = 23, g = 5 (re-signed)",
            |d| {
                d.p = vec![23];
                d.g = vec![5];
                d.ys = vec![8];
            },
            not_rfc7919(),
        ),
        resigned(
            "DHE SKX a prime of no standard, openssl dhparam (re-signed)",
            |d| d.p = custom2048_p(),
            not_rfc7919(),
        ),
        resigned(
            "DHE SKX RFC 3526 MODP 2048, OpenSSL's default (re-signed)",
            |d| d.p = modp2048_p(),
            Outcome::Answers,
        ),
        resigned(
            "DHE SKX ffdhe2048 prime, g = 1 (re-signed)",
            |d| d.g = vec![1],
            not_rfc7919(),
        ),
        resigned(
            "DHE SKX ffdhe2048, a leading zero on p and g (re-signed)",
            |d| {
                d.p.insert(0, 0);
                d.g.insert(0, 0);
            },
            Outcome::Answers,
        ),
        // ---- "custom": a client that accepts custom groups ----
        resigned(
            "DHE SKX custom: openssl dhparam 2048 (re-signed)",
            |d| {
                d.p = custom2048_p();
                // The server's Ys is below ffdhe2048's prime, not always
                // below this smaller one (0xcf92... against 0xffff...):
                // clear its top bit so it is in 1 < Ys < p-1.
                if let Some(top) = d.ys.first_mut() {
                    *top &= 0x7f;
                }
            },
            Outcome::Answers,
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: tiny prime p = 23 (re-signed)",
            |d| {
                d.p = vec![23];
                d.g = vec![5];
                d.ys = vec![8];
            },
            handshake_failure("server's DH prime is too small"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom, min_dhe_bits 0: p = 23 (re-signed)",
            |d| {
                d.p = vec![23];
                d.g = vec![5];
                d.ys = vec![8];
            },
            handshake_failure("server's DH prime is too small"),
        )
        .with_client(|c| {
            c.allow_custom_dhe_groups = true;
            c.min_dhe_bits = 0;
        }),
        resigned(
            "DHE SKX custom, min_dhe_bits 3072: openssl dhparam 2048 (re-signed)",
            |d| d.p = custom2048_p(),
            handshake_failure("server's DH prime is too small"),
        )
        .with_client(|c| {
            c.allow_custom_dhe_groups = true;
            c.min_dhe_bits = 3072;
        }),
        resigned(
            "DHE SKX custom: p of MAX_DH_PRIME_BITS+8 bits (re-signed)",
            |d| d.p = vec![0xff; MAX_DH_PRIME_BITS / 8 + 1],
            handshake_failure("server's DH prime is too large"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: even p, openssl dhparam 2048 - 1 (re-signed)",
            |d| d.p = add(&custom2048_p(), -1),
            handshake_failure("server's DH prime is even"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: openssl dhparam 2048, g = 1 (re-signed)",
            |d| {
                d.p = custom2048_p();
                d.g = vec![1];
            },
            handshake_failure("server's DH generator is not in 1 < g < p-1"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: openssl dhparam 2048, g = 0 (re-signed)",
            |d| {
                d.p = custom2048_p();
                d.g = vec![0];
            },
            handshake_failure("server's DH generator is not in 1 < g < p-1"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: openssl dhparam 2048, g = p-1 (re-signed)",
            |d| {
                d.p = custom2048_p();
                d.g = add(&d.p, -1);
            },
            handshake_failure("server's DH generator is not in 1 < g < p-1"),
        )
        .with_client(custom_groups),
        resigned(
            "DHE SKX custom: openssl dhparam 2048, Ys = p-1 (re-signed)",
            |d| {
                d.p = custom2048_p();
                d.ys = add(&d.p, -1);
            },
            out_of_range(),
        )
        .with_client(custom_groups),
        // ---- DHE ClientKeyExchange (server receives) ----
        short_by_one(
            "DHE CKE one byte short",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            "dh_Yc",
        )
        .only(is_dhe),
        trailing(
            "DHE CKE trailing byte",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            "DheClientKeyExchange",
        )
        .only(is_dhe),
        body_edit(
            "DHE CKE empty dh_Yc",
            ClientFlight,
            CLIENT_KEY_EXCHANGE,
            |b| *b = vec![0, 0],
            decode_error("dh_Yc", K::BadLength),
        )
        .only(is_dhe),
        yc("DHE CKE Yc = 0", || vec![0], out_of_range()),
        yc("DHE CKE Yc = 1", || vec![1], out_of_range()),
        yc(
            "DHE CKE Yc = p-1",
            || add(&ffdhe2048_p(), -1),
            out_of_range(),
        ),
        yc("DHE CKE Yc = p", ffdhe2048_p, out_of_range()),
        yc(
            "DHE CKE Yc = p+1, larger than p",
            || add(&ffdhe2048_p(), 1),
            out_of_range(),
        ),
        yc("DHE CKE Yc = 2^2048-1", || vec![0xff; 256], out_of_range()),
        yc(
            "DHE CKE Yc = 2 in one byte more than p",
            || {
                let mut v = vec![0; 257];
                v[256] = 2;
                v
            },
            out_of_range(),
        ),
        yc(
            "DHE CKE Yc = 2, in range but not the client's",
            || vec![2],
            finished_undecryptable(),
        ),
    ]
}
