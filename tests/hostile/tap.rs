//! An attacker who follows a connection through its renegotiations (RFC
//! 5746). Every record of both directions goes past the [`Tap`] in order; it
//! opens each with the keys in force, reads each handshake's randoms from
//! its hellos (protected ones included) and the master secret from the
//! client's key log, and switches a direction to the new handshake's keys at
//! that direction's ChangeCipherSpec, as the receiver does. So a test can
//! open, edit and seal the records of any handshake of the connection, not
//! only the first, with the tests' own record protection
//! (tests/common/tls12.rs).

use std::sync::Arc;

use sanstls::suites::SupportedSuite;

use super::{agrees_etm, Captured, Renegotiating};
use crate::common::tls12::{DirectionKeys, KeyBlock};
use crate::common::wire::{record, split, CCS, CLIENT_HELLO, HANDSHAKE, SERVER_HELLO};

/// What the record keys of one handshake are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch {
    pub master: [u8; 48],
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    /// Whether CBC records are encrypt-then-MAC (RFC 7366), as the
    /// handshake's ServerHello agreed.
    pub etm: bool,
}

impl Epoch {
    /// The write keys of the client (`from_client`) or the server.
    pub fn keys(&self, suite: &SupportedSuite, from_client: bool) -> DirectionKeys {
        KeyBlock::with_etm(
            suite,
            &self.master,
            &self.client_random,
            &self.server_random,
            self.etm,
        )
        .sender(from_client)
    }
}

/// One direction as the tap sees it.
struct Direction {
    /// The keys its records are under now (none before its first
    /// ChangeCipherSpec), derived once.
    keys: Option<(Epoch, DirectionKeys)>,
    /// The sequence number of its next record under those keys.
    seq: u64,
    /// Handshake bytes not yet a whole message.
    pending: Vec<u8>,
    /// Records [`Tap::forge`] made that have not gone past yet: already
    /// counted, so skipped when they do.
    forged: std::collections::VecDeque<Vec<u8>>,
}

/// Follows both directions of one connection; see the module docs.
pub struct Tap {
    suite: &'static SupportedSuite,
    log: Arc<Captured>,
    /// Indexed by `from_client as usize`.
    dirs: [Direction; 2],
    /// The randoms and the encrypt-then-MAC agreement of the handshake under
    /// way, as far as its hellos went past.
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    etm: bool,
}

impl Tap {
    /// A tap on a connection from its first byte.
    pub fn new(suite: &'static SupportedSuite, log: Arc<Captured>) -> Self {
        let dir = || Direction {
            keys: None,
            seq: 0,
            pending: Vec::new(),
            forged: Default::default(),
        };
        Tap {
            suite,
            log,
            dirs: [dir(), dir()],
            client_random: None,
            server_random: None,
            etm: false,
        }
    }

    /// A tap on a connection whose first handshake, of `epoch`, is complete:
    /// `seq` is the next sequence number from the server (`[0]`) and the
    /// client (`[1]`).
    pub fn established(
        suite: &'static SupportedSuite,
        log: Arc<Captured>,
        epoch: Epoch,
        seq: [u64; 2],
    ) -> Self {
        let mut tap = Tap::new(suite, log);
        for (i, dir) in tap.dirs.iter_mut().enumerate() {
            dir.keys = Some((epoch, epoch.keys(suite, i == 1)));
            dir.seq = seq[i];
        }
        tap
    }

    /// Takes the bytes one side sent (whole records, in order) and returns
    /// their plaintexts. Panics if a record does not open: the tap is for
    /// traffic nobody tampered with.
    pub fn see(&mut self, from_client: bool, wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut out = Vec::new();
        for (typ, body) in split(wire) {
            let dir = &mut self.dirs[usize::from(from_client)];
            if dir.forged.front() == Some(&record(typ, &body)) {
                dir.forged.pop_front();
                continue;
            }
            let plain = match &dir.keys {
                Some((_, keys)) => {
                    let p = keys
                        .open(dir.seq, typ, &body)
                        .expect("a record the tap follows opens");
                    dir.seq += 1;
                    p
                }
                None => body,
            };
            match typ {
                CCS => {
                    let epoch = self
                        .next_epoch()
                        .expect("the handshake's randoms and master secret are known at its CCS");
                    let dir = &mut self.dirs[usize::from(from_client)];
                    dir.keys = Some((epoch, epoch.keys(self.suite, from_client)));
                    dir.seq = 0;
                }
                HANDSHAKE => self.handshake(from_client, &plain),
                _ => {}
            }
            out.push((typ, plain));
        }
        out
    }

    /// Reads the randoms (and the encrypt-then-MAC answer) from the hellos
    /// in one record's handshake bytes.
    fn handshake(&mut self, from_client: bool, bytes: &[u8]) {
        let dir = &mut self.dirs[usize::from(from_client)];
        dir.pending.extend_from_slice(bytes);
        let mut msgs = Vec::new();
        while dir.pending.len() >= 4 {
            let p = &dir.pending;
            let len = 4 + (usize::from(p[1]) << 16 | usize::from(p[2]) << 8 | usize::from(p[3]));
            if p.len() < len {
                break;
            }
            msgs.push(dir.pending.drain(..len).collect::<Vec<u8>>());
        }
        for msg in msgs {
            let random = || -> Option<[u8; 32]> { msg.get(6..38)?.try_into().ok() };
            match msg[0] {
                CLIENT_HELLO => {
                    self.client_random = random();
                    self.server_random = None;
                    self.etm = false;
                }
                SERVER_HELLO => {
                    self.server_random = random();
                    self.etm = agrees_etm(&record(HANDSHAKE, &msg));
                }
                _ => {}
            }
        }
    }

    /// The keys of the handshake under way, once both hellos went past and
    /// the client logged the master secret.
    pub fn next_epoch(&self) -> Option<Epoch> {
        let client_random = self.client_random?;
        Some(Epoch {
            master: self.log.master_for(&client_random)?,
            client_random,
            server_random: self.server_random?,
            etm: self.etm,
        })
    }

    /// The keys one side's records are under now.
    pub fn epoch(&self, from_client: bool) -> Option<Epoch> {
        self.dirs[usize::from(from_client)]
            .keys
            .as_ref()
            .map(|(e, _)| *e)
    }

    /// The sequence number of one side's next record.
    pub fn seq(&self, from_client: bool) -> u64 {
        self.dirs[usize::from(from_client)].seq
    }

    /// Seals `recs` as one side's next records, under the keys in force,
    /// as if that side had sent them (its own next records then no longer
    /// authenticate: their sequence numbers are taken). When they go past
    /// the tap later they are skipped.
    pub fn forge(&mut self, from_client: bool, recs: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let dir = &mut self.dirs[usize::from(from_client)];
        let (_, keys) = dir.keys.as_ref().expect("forging needs keys in force");
        let mut out = Vec::new();
        for (typ, body) in recs {
            let sealed = keys.seal(dir.seq, *typ, body);
            out.extend_from_slice(&sealed);
            dir.forged.push_back(sealed);
            dir.seq += 1;
        }
        out
    }

    /// Where the flight one side is about to send stands (see
    /// [`Renegotiating`]).
    pub fn renegotiating(&self, from_client: bool) -> Renegotiating {
        Renegotiating {
            old: self
                .epoch(from_client)
                .expect("a renegotiation runs under the keys of the one before"),
            first_seq: self.seq(from_client),
            new: self.next_epoch(),
        }
    }
}
