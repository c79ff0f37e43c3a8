//! Lower bounds: the cryptography a TLS 1.2 handshake cannot avoid, done
//! straight on ring with nothing of a protocol library around it. A
//! library's own cost is its time above these.
//!
//! Two layers, so each can be shown on its own:
//! - [`CryptoOnly`]: the public-key operations of one ECDHE-ECDSA handshake;
//! - [`SymmetricCrypto`]: everything else the RFCs make both sides compute:
//!   the randoms, the transcript hash, the PRF (extended master secret, key
//!   block, both Finished values, RFC 5246 §5/§7.4.9, RFC 7627 §4; one
//!   HMAC key set up per secret), the
//!   record keys and the two Finished records, and for tickets opening and
//!   sealing one (RFC 5077 §3.3).

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM};
use ring::digest::{Context, SHA256};
use ring::rand::SecureRandom;
use sanstls::internals::crypto::prf::{prf, PrfKey};
use sanstls::suites::HashKind;

use super::Pki;

/// The public-key operations of one ECDHE-ECDSA handshake, and nothing
/// else: two X25519 key pairs and agreements, one ECDSA P-256 signature and
/// its verification.
pub struct CryptoOnly {
    rng: ring::rand::SystemRandom,
    key: ring::signature::EcdsaKeyPair,
    message: [u8; 64 + 36],
}

impl CryptoOnly {
    pub fn new(pki: &Pki) -> Self {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
        let rng = ring::rand::SystemRandom::new();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pki.key.secret_der(), &rng)
                .unwrap();
        CryptoOnly {
            rng,
            key,
            message: [7; 64 + 36],
        }
    }

    pub fn run(&self) {
        use ring::agreement::{agree_ephemeral, EphemeralPrivateKey, UnparsedPublicKey, X25519};
        use ring::signature::{KeyPair, ECDSA_P256_SHA256_ASN1};
        let a = EphemeralPrivateKey::generate(&X25519, &self.rng).unwrap();
        let b = EphemeralPrivateKey::generate(&X25519, &self.rng).unwrap();
        let (pa, pb) = (
            a.compute_public_key().unwrap(),
            b.compute_public_key().unwrap(),
        );
        agree_ephemeral(a, &UnparsedPublicKey::new(&X25519, pb), |_| ()).unwrap();
        agree_ephemeral(b, &UnparsedPublicKey::new(&X25519, pa), |_| ()).unwrap();
        let sig = self.key.sign(&self.rng, &self.message).unwrap();
        ring::signature::UnparsedPublicKey::new(
            &ECDSA_P256_SHA256_ASN1,
            self.key.public_key().as_ref(),
        )
        .verify(&self.message, sig.as_ref())
        .unwrap();
    }

    /// One chain verification with `verifier`, as a client does.
    pub fn verify_chain(&self, pki: &Pki, verifier: &sanstls::verify::WebPkiServerVerifier) {
        use sanstls::verify::ServerCertVerifier;
        let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
        verifier
            .verify_server_cert(
                &pki.chain[0],
                &[],
                &name,
                sanstls::pki_types::UnixTime::now(),
            )
            .unwrap();
    }
}

/// Handshake message type NewSessionTicket (RFC 5077 §3.3).
const NEW_SESSION_TICKET: u8 = 4;
/// What our tickets add to the sealed session: key name, nonce, tag.
const TICKET_OVERHEAD: usize = 16 + 12 + 16;

/// The symmetric cryptography of one handshake, both sides together, for
/// an AES-128-GCM / SHA-256 suite:
/// - two randoms (client and server);
/// - on each side, the transcript hash over the plaintext handshake
///   messages, then one hash value per Finished;
/// - on each side: for a full handshake the extended master secret, then
///   the key block, both verify_data values, and two AES-128-GCM record
///   keys; one Finished record sealed by each side and opened by the other;
/// - resumed by ticket: the server opens the offered ticket and seals a
///   new one under a random nonce.
///
/// Message lengths are those of a real sanstls handshake of the same kind,
/// measured at set-up with [`handshake_messages`].
pub struct SymmetricCrypto {
    rng: ring::rand::SystemRandom,
    full: bool,
    /// The plaintext handshake messages before the first Finished, as
    /// stand-in bytes of their real lengths.
    messages: Vec<Vec<u8>>,
    ticket_key: LessSafeKey,
    /// A ticket as issued earlier, offered by the client; empty if none.
    sealed_ticket: Vec<u8>,
}

impl SymmetricCrypto {
    /// `messages`: `(type, length)` of each plaintext handshake message,
    /// from [`handshake_messages`]; `full`: a full handshake (else
    /// abbreviated); `by_ticket`: the session comes from a ticket.
    pub fn new(messages: &[(u8, usize)], full: bool, by_ticket: bool) -> Self {
        let ticket_key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[5; 32]).unwrap());
        let issued = messages
            .iter()
            .find(|m| m.0 == NEW_SESSION_TICKET)
            // lifetime_hint (4), ticket length (2), then the ticket.
            .map_or(0, |m| m.1 - 4 - 4 - 2 - TICKET_OVERHEAD);
        let mut sealed_ticket = Vec::new();
        if by_ticket {
            sealed_ticket = vec![6; issued];
            ticket_key
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key([0; 12]),
                    Aad::empty(),
                    &mut sealed_ticket,
                )
                .unwrap();
        }
        SymmetricCrypto {
            rng: ring::rand::SystemRandom::new(),
            full,
            messages: messages.iter().map(|&(t, len)| vec![t; len]).collect(),
            ticket_key,
            sealed_ticket,
        }
    }

    pub fn run(&self) {
        let (mut cr, mut sr) = ([0u8; 32], [0u8; 32]);
        self.rng.fill(&mut cr).unwrap();
        self.rng.fill(&mut sr).unwrap();
        let mut ticket = Vec::new();
        if !self.sealed_ticket.is_empty() {
            // The server opens the offered ticket ...
            ticket.extend_from_slice(&self.sealed_ticket);
            self.ticket_key
                .open_in_place(
                    Nonce::assume_unique_for_key([0; 12]),
                    Aad::empty(),
                    &mut ticket,
                )
                .unwrap();
            // ... and seals a new one under a fresh nonce.
            let mut nonce = [0u8; 12];
            self.rng.fill(&mut nonce).unwrap();
            ticket.truncate(self.sealed_ticket.len() - 16);
            self.ticket_key
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::empty(),
                    &mut ticket,
                )
                .unwrap();
        }
        // Full handshake: the client's Finished comes first (RFC 5246
        // §7.3 Figure 1); resumed: the server's (Figure 2).
        let labels: [&[u8]; 2] = if self.full {
            [b"client finished", b"server finished"]
        } else {
            [b"server finished", b"client finished"]
        };
        let first_finished = [20u8; 16];
        let aad = || Aad::from([0u8; 13]);
        // Each side's Finished record body: 16 bytes, then the tag.
        let mut sealed = [[0u8; 32]; 2];
        let mut readers = [None, None];
        for (side, out) in sealed.iter_mut().enumerate() {
            let mut t = Context::new(&SHA256);
            for m in &self.messages {
                t.update(m);
            }
            let first_hash = t.clone().finish();
            let master: [u8; 48] = if self.full {
                // RFC 7627 §4, over the session hash (through
                // ClientKeyExchange, which is where the first Finished's
                // hash is taken too).
                let mut ms = [0u8; 48];
                prf(
                    HashKind::Sha256,
                    &[3; 32],
                    b"extended master secret",
                    first_hash.as_ref(),
                    &mut ms,
                );
                ms
            } else {
                [3; 48]
            };
            // One HMAC key under the master secret serves the key block
            // and both Finished values.
            let prf_key = PrfKey::new(HashKind::Sha256, &master);
            let mut kb = [0u8; 40];
            prf_key.prf_parts(b"key expansion", &[&sr, &cr], &mut kb);
            let key = |k: &[u8]| LessSafeKey::new(UnboundKey::new(&AES_128_GCM, k).unwrap());
            let (client_key, server_key) = (key(&kb[..16]), key(&kb[16..32]));
            let mut vd = [0u8; 12];
            prf_key.prf_parts(labels[0], &[first_hash.as_ref()], &mut vd);
            t.update(&first_finished);
            let second_hash = t.finish();
            prf_key.prf_parts(labels[1], &[second_hash.as_ref()], &mut vd);
            let (write, read) = if side == 0 {
                (client_key, server_key)
            } else {
                (server_key, client_key)
            };
            out[..16].copy_from_slice(&first_finished);
            let tag = write
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key([side as u8; 12]),
                    aad(),
                    &mut out[..16],
                )
                .unwrap();
            out[16..].copy_from_slice(tag.as_ref());
            readers[side] = Some(read);
        }
        // Each side opens the other's Finished record.
        for (side, read) in readers.iter().enumerate() {
            let peer = 1 - side;
            read.as_ref()
                .unwrap()
                .open_in_place(
                    Nonce::assume_unique_for_key([peer as u8; 12]),
                    aad(),
                    &mut sealed[peer],
                )
                .unwrap();
        }
        std::hint::black_box((ticket, sealed));
    }
}

/// `(type, length)` of each plaintext handshake message of one sanstls
/// handshake between `client` and `server` (a resumed one if the client's
/// store holds a session), in the order sent, read off the records.
pub fn handshake_messages(
    client: &std::sync::Arc<sanstls::ClientConfig>,
    server: &std::sync::Arc<sanstls::ServerConfig>,
) -> Vec<(u8, usize)> {
    let name = sanstls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut c = sanstls::Connection::new_client(client.clone(), name).unwrap();
    let mut s = sanstls::Connection::new_server(server.clone());
    let mut wire = Vec::new();
    let mut messages = Vec::new();
    let mut encrypted = [false, false];
    for step in 0..6 {
        let (from, to) = if step % 2 == 0 {
            (&mut c, &mut s)
        } else {
            (&mut s, &mut c)
        };
        wire.clear();
        from.poll_output(&mut wire);
        let mut rec = &wire[..];
        while rec.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
            match rec[0] {
                // ChangeCipherSpec: this side's records are protected now.
                20 => encrypted[step % 2] = true,
                22 if !encrypted[step % 2] => {
                    let mut msgs = &rec[5..5 + len];
                    while msgs.len() >= 4 {
                        let body = usize::from(msgs[1]) << 16
                            | usize::from(msgs[2]) << 8
                            | usize::from(msgs[3]);
                        messages.push((msgs[0], 4 + body));
                        msgs = &msgs[4 + body..];
                    }
                }
                _ => {}
            }
            rec = &rec[5 + len..];
        }
        let mut start = 0;
        while start < wire.len() {
            let n = to.handle_input(&mut wire[start..]).unwrap().consumed;
            if n == 0 {
                break;
            }
            start += n;
        }
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
    messages
}
