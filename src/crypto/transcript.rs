//! The running hash of the handshake messages (RFC 5246 §7.4.9
//! `handshake_messages`; RFC 7627 §3 `session_hash`).
//!
//! The hash is the PRF hash of the suite, which is only known once
//! ServerHello has been processed; until [`Transcript::start`] the message
//! bytes are buffered, then replayed into a ring digest context.
//!
//! TLS 1.2 CertificateVerify (RFC 5246 §7.4.8) signs the handshake messages
//! themselves, not their hash, and ring only signs whole messages, so a side
//! that may need to sign or check one asks, with
//! [`Transcript::keep_messages`], for the raw bytes to be kept as well.

use alloc::vec::Vec;
use ring::digest;

use crate::error::Error;
use crate::suites::HashKind;

/// A handshake hash value: SHA-256 or SHA-384 output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HandshakeHash {
    buf: [u8; digest::MAX_OUTPUT_LEN],
    len: usize,
}

impl HandshakeHash {
    fn from_digest(d: digest::Digest) -> Self {
        let v = d.as_ref();
        let mut buf = [0u8; digest::MAX_OUTPUT_LEN];
        // ring digests are never longer than MAX_OUTPUT_LEN.
        buf[..v.len()].copy_from_slice(v);
        HandshakeHash { buf, len: v.len() }
    }

    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl AsRef<[u8]> for HandshakeHash {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::ops::Deref for HandshakeHash {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for HandshakeHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        crate::hex::Hex(self.as_bytes()).fmt(f)
    }
}

/// The handshake transcript of one connection.
#[derive(Clone)]
pub struct Transcript {
    /// `None` until the suite's hash is known.
    ctx: Option<(HashKind, digest::Context)>,
    /// Raw message bytes: everything before `start`, and everything while
    /// `keep` is set.
    messages: Vec<u8>,
    keep: bool,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript, buffering until [`Transcript::start`].
    pub fn new() -> Self {
        Transcript {
            ctx: None,
            messages: Vec::new(),
            keep: false,
        }
    }

    /// Fixes the hash (once the suite is chosen) and hashes what was buffered.
    /// Unless messages are to be kept, the buffer is released. A second call
    /// is ignored: the suite cannot change within a handshake.
    pub fn start(&mut self, hash: HashKind) {
        if self.ctx.is_some() {
            return;
        }
        let mut ctx = digest::Context::new(hash.digest_algorithm());
        ctx.update(&self.messages);
        self.ctx = Some((hash, ctx));
        if !self.keep {
            self.messages = Vec::new();
        }
    }

    /// The hash in use, once started.
    pub fn hash_kind(&self) -> Option<HashKind> {
        self.ctx.as_ref().map(|(h, _)| *h)
    }

    /// Appends one complete handshake message, header included
    /// (RFC 5246 §7.4.9: all messages from ClientHello on, excluding
    /// HelloRequest, ChangeCipherSpec and alerts).
    pub fn add(&mut self, msg: &[u8]) {
        match &mut self.ctx {
            Some((_, ctx)) => {
                ctx.update(msg);
                if self.keep {
                    self.messages.extend_from_slice(msg);
                }
            }
            None => self.messages.extend_from_slice(msg),
        }
    }

    /// The hash of everything added so far; the transcript continues.
    /// Before [`Transcript::start`] there is no hash to give: `Internal`.
    pub fn current_hash(&self) -> Result<HandshakeHash, Error> {
        match &self.ctx {
            Some((_, ctx)) => Ok(HandshakeHash::from_digest(ctx.clone().finish())),
            None => Err(Error::Internal("transcript hash before the suite is known")),
        }
    }

    /// Keep (or stop keeping) the raw message bytes, for CertificateVerify.
    ///
    /// Call with `true` before [`Transcript::start`] if a CertificateVerify
    /// may have to be signed or checked: bytes dropped after `start` cannot
    /// be recovered. A client with a certificate sets it before ServerHello
    /// and clears it when no CertificateRequest comes; a server that asks
    /// for client certificates sets it from the start. `false` releases the
    /// kept bytes once the hash has started.
    pub fn keep_messages(&mut self, keep: bool) {
        self.keep = keep;
        if !keep && self.ctx.is_some() {
            self.messages = Vec::new();
        }
    }

    /// The raw messages kept so far: all of them if `keep_messages(true)` was
    /// set before `start`, otherwise only what was buffered before `start`.
    pub fn messages(&self) -> &[u8] {
        &self.messages
    }
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transcript")
            .field("hash", &self.hash_kind())
            .field("kept_bytes", &self.messages.len())
            .field("keep", &self.keep)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(h: HashKind, data: &[u8]) -> Vec<u8> {
        digest::digest(h.digest_algorithm(), data).as_ref().to_vec()
    }

    #[test]
    fn buffers_until_start_then_hashes() {
        for h in [HashKind::Sha256, HashKind::Sha384] {
            let mut t = Transcript::new();
            assert!(t.current_hash().is_err());
            t.add(b"client hello ");
            t.add(b"server hello ");
            t.start(h);
            assert!(t.messages().is_empty());
            assert_eq!(
                &*t.current_hash().unwrap(),
                &sha(h, b"client hello server hello ")[..]
            );
            t.add(b"finished");
            let all = sha(h, b"client hello server hello finished");
            assert_eq!(t.current_hash().unwrap().as_bytes(), &all[..]);
            assert_eq!(t.current_hash().unwrap().len(), h.output_len());
            t.start(HashKind::Sha256); // ignored
            assert_eq!(t.hash_kind(), Some(h));
        }
    }

    #[test]
    fn keeps_messages_when_asked() {
        let mut t = Transcript::new();
        t.keep_messages(true);
        t.add(b"a");
        t.start(HashKind::Sha256);
        t.add(b"b");
        assert_eq!(t.messages(), b"ab");
        t.keep_messages(false);
        assert!(t.messages().is_empty());
        t.add(b"c");
        assert!(t.messages().is_empty());
        assert_eq!(
            &*t.current_hash().unwrap(),
            &sha(HashKind::Sha256, b"abc")[..]
        );
    }
}
