//! The BoringSSL test runner's shim for sanstls.
//!
//! The runner (BoringSSL's `ssl/test/runner`) starts this program once per
//! test with its flags, listens on a loopback port, and plays the other end
//! of every connection. For each connection (the first, then `-resume-count`
//! more) the shim connects to `-port`, sends `-shim-id` as a 64-bit
//! little-endian integer, and runs TLS as the client, or as the server with
//! `-server`. After the handshake it checks the `-expect-*` flags, then
//! echoes every byte of application data back XORed with 0xff until the
//! runner closes.
//!
//! Exit codes: 0 when every connection went as the flags said; 1 on any
//! failure, with the error on stderr; 89 when a flag or value asks for
//! something we do not implement, which the runner counts as skipped.
//! Nothing may reach stderr on success: the runner fails a test for it.

mod options;
mod shim;

use std::process::ExitCode;

use options::ParseError;

/// The runner's code for "this test needs something the shim lacks".
const UNIMPLEMENTED: u8 = 89;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Asked once at start-up: we have no split handshakes (BoringSSL's
    // handshaker), so the runner makes no tests of them.
    if args.iter().any(|a| a == "-is-handshaker-supported") {
        println!("No");
        return ExitCode::SUCCESS;
    }
    let parsed = match options::parse(&args) {
        Ok(p) => p,
        Err(ParseError::Unimplemented(why)) => return unimplemented(&why),
        Err(ParseError::Invalid(why)) => {
            eprintln!("bad command line: {why}");
            return ExitCode::FAILURE;
        }
    };
    match shim::run(&parsed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(shim::Failure::Unimplemented(why)) => unimplemented(&why),
        Err(shim::Failure::Failed(why)) => {
            eprintln!("{why}");
            ExitCode::FAILURE
        }
    }
}

/// Exits 89. The runner does not show a skipped test's stderr, so with
/// `BOGO_SHIM_UNIMPLEMENTED_LOG` set the reason is also appended to that
/// file (bogo/run.sh counts them).
fn unimplemented(why: &str) -> ExitCode {
    eprintln!("unimplemented: {why}");
    if let Some(path) = std::env::var_os("BOGO_SHIM_UNIMPLEMENTED_LOG") {
        use std::io::Write;
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            // One short line per write: appends of it do not interleave.
            let _ = log.write_all(format!("{why}\n").as_bytes());
        }
    }
    ExitCode::from(UNIMPLEMENTED)
}
