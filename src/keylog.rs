//! Key logging in the NSS key log format, so that a capture of a connection
//! can be decrypted in Wireshark: `CLIENT_RANDOM <client_random> <master>`,
//! both in hex. Opt-in per config; it exposes every session's secrets, so it
//! is for debugging only.
//!
//! The core only calls the [`KeyLog`] hook. [`KeyLogFile`], which appends to
//! the file named by `SSLKEYLOGFILE`, is the one place that does file I/O,
//! and only when a caller installs it.

use alloc::string::String;
#[cfg(feature = "std")]
use std::fs::OpenOptions;
#[cfg(feature = "std")]
use std::io::Write;
#[cfg(feature = "std")]
use std::path::PathBuf;
#[cfg(feature = "std")]
use std::sync::Mutex;

/// Receives key log lines.
pub trait KeyLog: core::fmt::Debug + Send + Sync {
    /// One secret: `label` (`CLIENT_RANDOM` for TLS 1.2), the connection's
    /// client random, and the master secret.
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]);
}

/// The NSS key log line for one secret, without a newline.
pub fn format_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    use crate::hex::Hex;
    alloc::format!("{label} {} {}", Hex(client_random), Hex(secret))
}

/// Appends key log lines to a file: the one `SSLKEYLOGFILE` names, or any
/// path (feature `std`).
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct KeyLogFile {
    path: Option<PathBuf>,
    lock: Mutex<()>,
}

#[cfg(feature = "std")]
impl KeyLogFile {
    /// Logs to the file named by the `SSLKEYLOGFILE` environment variable;
    /// logs nothing when it is unset.
    pub fn from_env() -> Self {
        Self::at(std::env::var_os("SSLKEYLOGFILE").map(PathBuf::from))
    }

    /// Logs to `path` (or nowhere for `None`).
    pub fn at(path: Option<PathBuf>) -> Self {
        KeyLogFile {
            path,
            lock: Mutex::new(()),
        }
    }
}

#[cfg(feature = "std")]
impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let Some(path) = &self.path else {
            return;
        };
        let _guard = self.lock.lock();
        // A key log is a debugging aid: failing to write it must not fail
        // the connection.
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{}", format_line(label, client_random, secret));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nss_lines() {
        let dir = std::env::temp_dir().join(format!("sanstls-keylog-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let log = KeyLogFile::at(Some(dir.clone()));
        log.log("CLIENT_RANDOM", &[0xab; 2], &[0x01, 0x02]);
        log.log("CLIENT_RANDOM", &[0xcd], &[0xff]);
        let text = std::fs::read_to_string(&dir).unwrap();
        assert_eq!(text, "CLIENT_RANDOM abab 0102\nCLIENT_RANDOM cd ff\n");
        let _ = std::fs::remove_file(&dir);
    }
}
