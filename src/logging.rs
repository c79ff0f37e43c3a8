//! Log lines through the `log` facade (feature `log`, off by default): each
//! handshake step at debug, each alert sent or received at warn, under the
//! target `sanstls`. For a server operator who wants what the trace shows
//! without an event loop; the trace events stay what tools read.
//!
//! Without the feature the macros compile to nothing but a type check of
//! their arguments (`format_args!` builds no string), so a log line can
//! never be the only use of a value.

/// A debug line: a handshake step.
macro_rules! log_debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "log")]
        ::log::debug!(target: "sanstls", $($arg)*);
        #[cfg(not(feature = "log"))]
        {
            let _ = format_args!($($arg)*);
        }
    }};
}

/// A warn line: an alert.
macro_rules! log_warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "log")]
        ::log::warn!(target: "sanstls", $($arg)*);
        #[cfg(not(feature = "log"))]
        {
            let _ = format_args!($($arg)*);
        }
    }};
}

pub(crate) use {log_debug, log_warn};
