//! An optional blocking adapter: [`Stream`] joins a [`Connection`] and any
//! `Read + Write` transport into one `Read + Write`, like rustls's `Stream`.
//! It is built only on the public `Connection` API, as any adapter could be.

use std::io::{self, Read, Write};

use crate::connection::Connection;
use crate::error::Error;
use crate::event::Event;
use crate::limits::MAX_RECORD_LEN;

/// A connection over a blocking transport.
#[derive(Debug)]
pub struct Stream<T> {
    conn: Connection,
    transport: T,
    /// Received bytes not yet consumed: `inbuf[..filled]`.
    inbuf: Box<[u8]>,
    filled: usize,
    /// Decrypted application data not yet read by the caller: `plain[pos..]`.
    plain: Vec<u8>,
    pos: usize,
    out: Vec<u8>,
    events: Vec<Event>,
}

fn to_io(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl<T: Read + Write> Stream<T> {
    /// Wraps a connection and its transport.
    pub fn new(conn: Connection, transport: T) -> Self {
        Stream {
            conn,
            transport,
            inbuf: vec![0u8; MAX_RECORD_LEN].into_boxed_slice(),
            filled: 0,
            plain: Vec::new(),
            pos: 0,
            out: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The connection, for its getters.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.transport
    }

    /// Takes the events seen so far (when the config's `trace` is on this
    /// includes the handshake trace).
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    /// Writes all queued output to the transport.
    pub fn flush_output(&mut self) -> io::Result<()> {
        self.conn.poll_output(&mut self.out);
        if !self.out.is_empty() {
            self.transport.write_all(&self.out)?;
            self.out.clear();
        }
        self.transport.flush()
    }

    /// Drives the handshake to completion.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.flush_output()?;
            if !self.read_some()? {
                return Err(to_io(
                    self.conn.handle_eof().err().unwrap_or(Error::Truncated),
                ));
            }
        }
        self.flush_output()
    }

    /// Reads from the transport once and processes it. Returns false at EOF.
    fn read_some(&mut self) -> io::Result<bool> {
        let n = loop {
            match self.transport.read(&mut self.inbuf[self.filled..]) {
                // A signal interrupted the read: nothing happened, try again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            return Ok(false);
        }
        self.filled += n;
        self.process()?;
        Ok(true)
    }

    /// Feeds the buffered input to the connection, collecting plaintext.
    fn process(&mut self) -> io::Result<()> {
        let mut start = 0;
        let result = loop {
            match self.conn.handle_input(&mut self.inbuf[start..self.filled]) {
                Ok(input) => {
                    if let Some(data) = input.data {
                        self.plain.extend_from_slice(data);
                    }
                    if input.consumed == 0 {
                        break Ok(());
                    }
                    start += input.consumed;
                }
                Err(e) => break Err(e),
            }
        };
        self.inbuf.copy_within(start..self.filled, 0);
        self.filled -= start;
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
        // Always send what the connection queued, including a fatal alert.
        let flushed = self.flush_output();
        result.map_err(to_io)?;
        flushed
    }

    /// Sends close_notify.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.close();
        self.flush_output()
    }
}

impl<T: Read + Write> Read for Stream<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.handshake()?;
        while self.pos == self.plain.len() {
            self.plain.clear();
            self.pos = 0;
            if self.conn.peer_closed() {
                return Ok(0);
            }
            if !self.read_some()? {
                self.conn.handle_eof().map_err(to_io)?;
                return Ok(0);
            }
        }
        let n = buf.len().min(self.plain.len() - self.pos);
        buf[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<T: Read + Write> Write for Stream<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.handshake()?;
        self.conn.send(buf, &mut self.out).map_err(to_io)?;
        self.transport.write_all(&self.out)?;
        self.out.clear();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_output()
    }
}
