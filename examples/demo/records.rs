//! The demo's application-data phase, driven by hand so that it sees every
//! record: the bytes as they crossed the wire, and the same bytes after the
//! receiving connection decrypted the record in place in the demo's buffer
//! (`Connection::handle_input` decrypts where the record lies). Everything
//! [`dissect`] prints is read from those bytes: the header, the explicit
//! IV or nonce, the MAC or tag, the plaintext and, for a CBC suite, the
//! padding, whose length byte says where the plaintext ends.

use std::error::Error;
use std::io::{Read, Write};
use std::ops::Range;

use sanstls::io::Parts;
use sanstls::suites::{AeadKind, CbcCipher, CbcKind, MacKind, Protection, CBC_BLOCK_LEN};
use sanstls::{Connection, Event, Negotiated};

type BoxError = Box<dyn Error + Send + Sync>;

/// A record header: type, version, length (RFC 5246 §6.2.1).
const HEADER_LEN: usize = 5;
/// An AEAD's authentication tag (GCM and ChaCha20-Poly1305 alike).
const TAG_LEN: usize = 16;

/// One received record.
pub struct Seen {
    /// The record as it arrived.
    pub wire: Vec<u8>,
    /// The same bytes after the connection opened the record in place.
    pub opened: Vec<u8>,
    /// Where in `opened` the application data the connection returned lies
    /// (`None` for a record it handled itself, such as an alert).
    pub data: Option<Range<usize>>,
}

impl Seen {
    /// The application data the connection returned, if any.
    pub fn data(&self) -> &[u8] {
        self.data.clone().map_or(&[], |r| &self.opened[r])
    }
}

/// A connection after its handshake, with its transport, driven by hand.
pub struct ByHand<T> {
    pub conn: Connection,
    tcp: T,
    /// Received bytes the connection has not had yet.
    pending: Vec<u8>,
    /// The connection's events, as they came (the trace of a renegotiation
    /// the peer starts, say).
    pub events: Vec<Event>,
}

impl<T: Read + Write> ByHand<T> {
    /// Takes over from an `io::Stream` (after its handshake) without losing
    /// a byte: what it read ahead and what it had not written yet.
    pub fn new(parts: Parts<T>) -> Result<Self, BoxError> {
        let Parts {
            connection,
            mut transport,
            received,
            plaintext,
            unsent,
            ..
        } = parts;
        if !plaintext.is_empty() {
            return Err("application data arrived with the handshake".into());
        }
        transport.write_all(&unsent)?;
        Ok(ByHand {
            conn: connection,
            tcp: transport,
            pending: received,
            events: Vec::new(),
        })
    }

    /// Encrypts `data` and writes it; returns the bytes written.
    pub fn send(&mut self, data: &[u8]) -> Result<Vec<u8>, BoxError> {
        let mut out = Vec::new();
        self.conn.send(data, &mut out)?;
        self.tcp.write_all(&out)?;
        Ok(out)
    }

    /// Sends close_notify; returns the bytes written.
    pub fn close(&mut self) -> Result<Vec<u8>, BoxError> {
        self.conn.close();
        self.flush()
    }

    /// Writes whatever the connection queued (an alert, say).
    fn flush(&mut self) -> Result<Vec<u8>, BoxError> {
        let mut out = Vec::new();
        self.conn.poll_output(&mut out);
        self.tcp.write_all(&out)?;
        Ok(out)
    }

    /// Reads one whole record, hands it to the connection, and writes what
    /// the connection queued in answer (our close_notify after the peer's).
    pub fn receive(&mut self) -> Result<Seen, BoxError> {
        let len = loop {
            let len = self
                .pending
                .get(3..HEADER_LEN)
                .map(|l| HEADER_LEN + usize::from(u16::from_be_bytes([l[0], l[1]])));
            match len {
                Some(len) if self.pending.len() >= len => break len,
                _ => {}
            }
            let mut buf = [0u8; 4096];
            let n = self.tcp.read(&mut buf)?;
            if n == 0 {
                self.conn.handle_eof()?;
                return Err("the peer closed the transport in the middle of a record".into());
            }
            self.pending.extend_from_slice(&buf[..n]);
        };
        let wire = self.pending[..len].to_vec();
        let base = self.pending.as_ptr() as usize;
        let input = self.conn.handle_input(&mut self.pending[..len])?;
        let data = input.data.map(|d| {
            let start = d.as_ptr() as usize - base;
            start..start + d.len()
        });
        if input.consumed != len {
            return Err(format!("the connection took {} of {len} bytes", input.consumed).into());
        }
        let opened = self.pending.drain(..len).collect();
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
        self.flush()?;
        Ok(Seen { wire, opened, data })
    }
}

/// One part of a record, as a line: name, size, bytes, what it is.
fn part(name: &str, len: usize, shown: &str, note: &str) -> String {
    let sep = if shown.is_empty() || note.is_empty() {
        ""
    } else {
        "  "
    };
    format!("{name:<11}{len:>5} bytes  {shown}{sep}{note}")
        .trim_end()
        .to_string()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn spaced_hex(b: &[u8]) -> String {
    let v: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    v.join(" ")
}

/// The plaintext for people: text quoted (shortened), an alert named.
fn show_plaintext(typ: u8, plain: &[u8]) -> String {
    match (typ, plain) {
        (21, [level, desc]) => format!(
            "{}  (alert: {}, {})",
            spaced_hex(plain),
            if *level == 1 { "warning" } else { "fatal" },
            if *desc == 0 { "close_notify" } else { "other" }
        ),
        _ => {
            let text = String::from_utf8_lossy(plain);
            let short: String = text.chars().take(36).collect();
            let more = if short.len() < text.len() { "..." } else { "" };
            format!("{short:?}{more}")
        }
    }
}

fn content_type(typ: u8) -> &'static str {
    match typ {
        20 => "change_cipher_spec",
        21 => "alert",
        22 => "handshake",
        23 => "application_data",
        _ => "unknown type",
    }
}

pub fn aead_name(a: AeadKind) -> &'static str {
    match a {
        AeadKind::Aes128Gcm => "AES-128-GCM",
        AeadKind::Aes256Gcm => "AES-256-GCM",
        AeadKind::Chacha20Poly1305 => "ChaCha20-Poly1305",
    }
}

pub fn cipher_name(c: CbcCipher) -> &'static str {
    match c {
        CbcCipher::Aes128 => "AES-128-CBC",
        CbcCipher::Aes256 => "AES-256-CBC",
    }
}

pub fn mac_name(m: MacKind) -> &'static str {
    match m {
        MacKind::Sha1 => "HMAC-SHA1",
        MacKind::Sha256 => "HMAC-SHA256",
        MacKind::Sha384 => "HMAC-SHA384",
    }
}

/// How the negotiated suite protects records, in words.
pub fn protection(n: &Negotiated) -> String {
    match n.suite.protection {
        Protection::Aead(a) => format!("{} (AEAD)", aead_name(a)),
        Protection::Cbc(c) => format!(
            "{} with {}, {}",
            cipher_name(c.cipher),
            mac_name(c.mac),
            if n.encrypt_then_mac {
                "encrypt-then-MAC (RFC 7366)"
            } else {
                "MAC-then-encrypt (RFC 5246 §6.2.3.2)"
            }
        ),
    }
}

/// Where a record's parts lie, read from its bytes.
struct Layout {
    /// The AEAD's explicit nonce or the CBC IV (empty for ChaCha20).
    explicit: Range<usize>,
    ciphertext: Range<usize>,
    /// The AEAD tag, or the MAC of an encrypt-then-MAC record.
    clear_mac: Range<usize>,
    plain: Range<usize>,
    /// The MAC of a MAC-then-encrypt record, decrypted.
    inner_mac: Range<usize>,
    /// CBC padding, its length byte included, decrypted.
    padding: Range<usize>,
}

/// An AEAD record: explicit nonce, then the ciphertext, as long as the
/// plaintext, then the tag.
fn aead_layout(a: AeadKind, wire: &[u8]) -> Result<Layout, BoxError> {
    let explicit = HEADER_LEN..HEADER_LEN + a.explicit_nonce_len();
    let end = wire
        .len()
        .checked_sub(TAG_LEN)
        .filter(|&e| e >= explicit.end)
        .ok_or("record shorter than its nonce and tag")?;
    Ok(Layout {
        ciphertext: explicit.end..end,
        plain: explicit.end..end,
        explicit,
        clear_mac: end..wire.len(),
        inner_mac: end..end,
        padding: end..end,
    })
}

/// A CBC record (RFC 5246 §6.2.3.2; RFC 7366 §3 for encrypt-then-MAC). The
/// last decrypted byte is the padding length: it says how much padding
/// there is, and so where the plaintext (and, with MAC-then-encrypt, the
/// MAC) ends.
fn cbc_layout(c: CbcKind, etm: bool, wire: &[u8], opened: &[u8]) -> Result<Layout, BoxError> {
    let mac = c.mac.len();
    let explicit = HEADER_LEN..HEADER_LEN + CBC_BLOCK_LEN;
    // With encrypt-then-MAC the MAC follows the ciphertext, in the clear.
    let end = wire
        .len()
        .checked_sub(if etm { mac } else { 0 })
        .filter(|&e| e > explicit.end && (e - explicit.end) % CBC_BLOCK_LEN == 0)
        .ok_or("CBC ciphertext not a whole number of blocks")?;
    let ciphertext = explicit.end..end;
    let n = usize::from(opened[end - 1]);
    let inner_mac_len = if etm { 0 } else { mac };
    let padding = end
        .checked_sub(n + 1)
        .filter(|&p| p >= ciphertext.start + inner_mac_len)
        .ok_or("the padding length byte points outside the record")?..end;
    if opened[padding.clone()].iter().any(|&b| usize::from(b) != n) {
        return Err("padding bytes differ from the padding length byte".into());
    }
    let inner_mac = padding.start - inner_mac_len..padding.start;
    Ok(Layout {
        explicit,
        plain: ciphertext.start..inner_mac.start,
        ciphertext,
        clear_mac: end..wire.len(),
        inner_mac,
        padding,
    })
}

/// The record's parts, one line each, measured from its bytes; `who` is the
/// receiver, whose connection opened it. An error if the bytes do not add
/// up (in a record the connection accepted they always do).
pub fn dissect(n: &Negotiated, seen: &Seen, who: &str) -> Result<Vec<String>, BoxError> {
    let (wire, opened) = (&seen.wire[..], &seen.opened[..]);
    let header = wire
        .get(..HEADER_LEN)
        .ok_or("record shorter than a header")?;
    let body_len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let layout = match n.suite.protection {
        Protection::Aead(a) => aead_layout(a, wire)?,
        Protection::Cbc(c) => cbc_layout(c, n.encrypt_then_mac, wire, opened)?,
    };
    if let Some(data) = &seen.data {
        if *data != layout.plain {
            return Err(format!(
                "the record's layout puts the plaintext at {:?}, the connection returned {data:?}",
                layout.plain
            )
            .into());
        }
    }
    let Layout {
        explicit,
        ciphertext,
        clear_mac,
        plain,
        inner_mac,
        padding,
    } = layout;

    let mut lines = vec![part(
        "header",
        HEADER_LEN,
        &spaced_hex(header),
        &format!(
            "({}, {}, {body_len} bytes follow)",
            content_type(header[0]),
            match (header[1], header[2]) {
                (3, 3) => "TLS 1.2".to_string(),
                (major, minor) => format!("version {major}.{minor}"),
            }
        ),
    )];
    match n.suite.protection {
        Protection::Aead(a) => {
            if !explicit.is_empty() {
                lines.push(part(
                    "nonce",
                    explicit.len(),
                    &hex(&wire[explicit]),
                    "the explicit part of the nonce, in the clear",
                ));
            }
            lines.push(part(
                "ciphertext",
                ciphertext.len(),
                "",
                &format!("{}, as long as the plaintext", aead_name(a)),
            ));
            lines.push(part(
                "tag",
                clear_mac.len(),
                &hex(&wire[clear_mac]),
                "over the ciphertext, the sequence number, type, version and length",
            ));
        }
        Protection::Cbc(c) => {
            lines.push(part(
                "IV",
                explicit.len(),
                &hex(&wire[explicit]),
                "in the clear, a fresh one for every record",
            ));
            let what = if n.encrypt_then_mac {
                "the plaintext and the padding"
            } else {
                "the plaintext, the MAC and the padding"
            };
            lines.push(part(
                "ciphertext",
                ciphertext.len(),
                "",
                &format!(
                    "{}, {}: {what}",
                    cipher_name(c.cipher),
                    match ciphertext.len() / CBC_BLOCK_LEN {
                        1 => "one block".to_string(),
                        blocks => format!("{blocks} blocks"),
                    }
                ),
            ));
            if !clear_mac.is_empty() {
                lines.push(part(
                    "MAC",
                    clear_mac.len(),
                    &hex(&wire[clear_mac]),
                    &format!(
                        "{}, in the clear, over the sequence number, type, version, length, IV and ciphertext",
                        mac_name(c.mac)
                    ),
                ));
            }
        }
    }
    lines.push(format!("decrypted in place by the {who}'s connection:"));
    let mut inner = vec![part(
        "plaintext",
        plain.len(),
        &show_plaintext(header[0], &opened[plain]),
        "",
    )];
    if let Protection::Cbc(c) = n.suite.protection {
        if !inner_mac.is_empty() {
            inner.push(part(
                "MAC",
                inner_mac.len(),
                &hex(&opened[inner_mac]),
                &format!(
                    "{} over the sequence number, type, version, length and plaintext",
                    mac_name(c.mac)
                ),
            ));
        }
        let k = padding.len() - 1;
        let note = match k {
            0 => "(only the length byte, 0)".to_string(),
            _ => format!("({k} bytes of value {k}, then the length byte, {k})"),
        };
        inner.push(part(
            "padding",
            padding.len(),
            &spaced_hex(&opened[padding]),
            &note,
        ));
    }
    lines.extend(inner.into_iter().map(|l| format!("  {l}")));
    Ok(lines)
}
