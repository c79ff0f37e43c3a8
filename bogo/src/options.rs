//! The runner's command line: one table of the flags the shim honours, and
//! the per-connection options they fill.
//!
//! The runner passes flags the way BoringSSL's own shim reads them: a name,
//! then a value if the flag takes one. A name may carry a prefix that limits
//! it to one connection: `-on-initial-` (the first handshake), `-on-resume-`
//! (every resumption) or `-on-retry-` (a 0-RTT retry, which TLS 1.2 never
//! makes). An unprefixed flag applies to every connection. A flag missing
//! from [`FLAGS`] makes the whole test unimplemented (exit code 89), never a
//! panic or a guess.

/// How the shim answers a peer's request to renegotiate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Renegotiate {
    /// Refuse (the library's default).
    #[default]
    Never,
    /// Accept one renegotiation.
    Once,
    /// Accept as many as the library allows.
    Freely,
}

/// Everything one connection is configured and checked with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub port: u16,
    pub shim_id: u64,
    pub ipv6: bool,
    pub server: bool,
    pub resume_count: u32,
    pub key_file: Option<String>,
    pub cert_file: Option<String>,
    pub min_version: Option<u16>,
    pub max_version: Option<u16>,
    pub expect_version: Option<u16>,
    pub host_name: Option<String>,
    pub expect_server_name: Option<String>,
    /// ALPN protocols in wire form (length-prefixed names, concatenated).
    pub advertise_alpn: Option<Vec<u8>>,
    pub select_alpn: Option<String>,
    pub expect_alpn: Option<String>,
    pub decline_alpn: bool,
    pub require_any_client_certificate: bool,
    pub verify_peer: bool,
    pub verify_fail: bool,
    pub expect_peer_cert_file: Option<String>,
    pub shim_writes_first: bool,
    pub shim_shuts_down: bool,
    pub check_close_notify: bool,
    pub expect_session_miss: bool,
    pub expect_extended_master_secret: bool,
    pub no_ticket: bool,
    pub curves: Vec<u16>,
    pub verify_prefs: Vec<u16>,
    pub expect_curve_id: Option<u16>,
    pub expect_cipher: Option<u16>,
    pub expect_peer_signature_algorithm: Option<u16>,
    pub export_keying_material: usize,
    pub export_label: String,
    pub export_context: String,
    pub use_export_context: bool,
    pub renegotiate: Renegotiate,
    pub expect_total_renegotiations: Option<u32>,
    pub server_preference: bool,
    pub implicit_handshake: bool,
    pub expect_verify_result: bool,
    pub signing_prefs: Vec<u16>,
    pub expect_session_id: bool,
    pub expect_no_session_id: bool,
    pub extra_handshake: bool,
}

/// Why the command line cannot be run.
#[derive(Debug)]
pub enum ParseError {
    /// A flag we do not implement, or a value we cannot honour: the runner
    /// counts the test as unimplemented.
    Unimplemented(String),
    /// A flag we know with a value that makes no sense.
    Invalid(String),
}

/// The options of the first connection and of every resumption.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub initial: Options,
    pub resume: Options,
}

type Setter = fn(&mut Options, &str) -> Result<(), ParseError>;

/// Whether a flag takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Switch,
    Value,
}
use Arity::{Switch, Value};

/// The flags the shim honours. A switch's setter gets an empty value.
const FLAGS: &[(&str, Arity, Setter)] = &[
    ("-port", Value, |o, v| int(v).map(|n| o.port = n)),
    ("-shim-id", Value, |o, v| int(v).map(|n| o.shim_id = n)),
    ("-ipv6", Switch, |o, _| set(&mut o.ipv6, true)),
    ("-server", Switch, |o, _| set(&mut o.server, true)),
    ("-resume-count", Value, |o, v| {
        int(v).map(|n| o.resume_count = n)
    }),
    ("-key-file", Value, |o, v| {
        set(&mut o.key_file, Some(v.into()))
    }),
    ("-cert-file", Value, |o, v| {
        set(&mut o.cert_file, Some(v.into()))
    }),
    ("-min-version", Value, |o, v| {
        int(v).map(|n| o.min_version = Some(n))
    }),
    ("-max-version", Value, |o, v| {
        int(v).map(|n| o.max_version = Some(n))
    }),
    ("-expect-version", Value, |o, v| {
        int(v).map(|n| o.expect_version = Some(n))
    }),
    // We speak TLS 1.2 alone: turning the others off changes nothing.
    ("-no-tls13", Switch, |_, _| Ok(())),
    ("-no-tls11", Switch, |_, _| Ok(())),
    ("-no-tls1", Switch, |_, _| Ok(())),
    // BoringSSL's shim then uses non-blocking I/O; the protocol is the
    // same, and we are sans-I/O underneath either way.
    ("-async", Switch, |_, _| Ok(())),
    ("-host-name", Value, |o, v| {
        set(&mut o.host_name, Some(v.into()))
    }),
    ("-expect-server-name", Value, |o, v| {
        set(&mut o.expect_server_name, Some(v.into()))
    }),
    ("-advertise-alpn", Value, |o, v| {
        set(&mut o.advertise_alpn, Some(v.as_bytes().to_vec()))
    }),
    ("-select-alpn", Value, |o, v| {
        set(&mut o.select_alpn, Some(v.into()))
    }),
    ("-expect-alpn", Value, |o, v| {
        set(&mut o.expect_alpn, Some(v.into()))
    }),
    ("-decline-alpn", Switch, |o, _| {
        set(&mut o.decline_alpn, true)
    }),
    ("-require-any-client-certificate", Switch, |o, _| {
        set(&mut o.require_any_client_certificate, true)
    }),
    ("-verify-peer", Switch, |o, _| set(&mut o.verify_peer, true)),
    ("-verify-fail", Switch, |o, _| set(&mut o.verify_fail, true)),
    ("-expect-peer-cert-file", Value, |o, v| {
        set(&mut o.expect_peer_cert_file, Some(v.into()))
    }),
    ("-shim-writes-first", Switch, |o, _| {
        set(&mut o.shim_writes_first, true)
    }),
    ("-shim-shuts-down", Switch, |o, _| {
        set(&mut o.shim_shuts_down, true)
    }),
    ("-check-close-notify", Switch, |o, _| {
        set(&mut o.check_close_notify, true)
    }),
    ("-expect-session-miss", Switch, |o, _| {
        set(&mut o.expect_session_miss, true)
    }),
    ("-expect-extended-master-secret", Switch, |o, _| {
        set(&mut o.expect_extended_master_secret, true)
    }),
    ("-no-ticket", Switch, |o, _| set(&mut o.no_ticket, true)),
    ("-curves", Value, |o, v| int(v).map(|n| o.curves.push(n))),
    ("-verify-prefs", Value, |o, v| {
        int(v).map(|n| o.verify_prefs.push(n))
    }),
    ("-expect-curve-id", Value, |o, v| {
        int(v).map(|n| o.expect_curve_id = Some(n))
    }),
    ("-expect-cipher", Value, |o, v| {
        int(v).map(|n| o.expect_cipher = Some(n))
    }),
    ("-expect-peer-signature-algorithm", Value, |o, v| {
        int(v).map(|n| o.expect_peer_signature_algorithm = Some(n))
    }),
    ("-export-keying-material", Value, |o, v| {
        int(v).map(|n| o.export_keying_material = n)
    }),
    ("-export-label", Value, |o, v| {
        set(&mut o.export_label, v.into())
    }),
    ("-export-context", Value, |o, v| {
        set(&mut o.export_context, v.into())
    }),
    ("-use-export-context", Switch, |o, _| {
        set(&mut o.use_export_context, true)
    }),
    ("-renegotiate-once", Switch, |o, _| {
        set(&mut o.renegotiate, Renegotiate::Once)
    }),
    ("-renegotiate-freely", Switch, |o, _| {
        set(&mut o.renegotiate, Renegotiate::Freely)
    }),
    ("-expect-total-renegotiations", Value, |o, v| {
        int(v).map(|n| o.expect_total_renegotiations = Some(n))
    }),
    ("-server-preference", Switch, |o, _| {
        set(&mut o.server_preference, true)
    }),
    // No handshake call: the first read or write drives it.
    ("-implicit-handshake", Switch, |o, _| {
        set(&mut o.implicit_handshake, true)
    }),
    ("-expect-verify-result", Switch, |o, _| {
        set(&mut o.expect_verify_result, true)
    }),
    ("-signing-prefs", Value, |o, v| {
        int(v).map(|n| o.signing_prefs.push(n))
    }),
    ("-expect-session-id", Switch, |o, _| {
        set(&mut o.expect_session_id, true)
    }),
    ("-expect-no-session-id", Switch, |o, _| {
        set(&mut o.expect_no_session_id, true)
    }),
    // A HelloRetryRequest is TLS 1.3's; the shim checks the version is 1.2
    // after every handshake, so none can have happened.
    ("-expect-no-hrr", Switch, |_, _| Ok(())),
    // BoringSSL's shim then verifies through SSL_set_custom_verify instead
    // of its X.509 callback; both accept, or refuse with -verify-fail, as
    // the shim's own verifier (shim.rs, `AnyCert`) does either way.
    ("-use-custom-verify-callback", Switch, |_, _| Ok(())),
    // A second handshake call after the first completed must succeed and
    // do nothing.
    ("-no-op-extra-handshake", Switch, |o, _| {
        set(&mut o.extra_handshake, true)
    }),
    ("-handshake-twice", Switch, |o, _| {
        set(&mut o.extra_handshake, true)
    }),
];

/// A setter's assignment.
fn set<T>(field: &mut T, value: T) -> Result<(), ParseError> {
    *field = value;
    Ok(())
}

fn int<T: std::str::FromStr>(v: &str) -> Result<T, ParseError> {
    v.parse()
        .map_err(|_| ParseError::Invalid(format!("not a number: {v:?}")))
}

/// Reads the runner's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed::default();
    // Flags for a 0-RTT retry are read (an unknown one is still
    // unimplemented) and then dropped: TLS 1.2 has no retry.
    let mut retry = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, targets): (String, Vec<&mut Options>) =
            if let Some(rest) = arg.strip_prefix("-on-initial") {
                (rest.into(), vec![&mut parsed.initial])
            } else if let Some(rest) = arg.strip_prefix("-on-resume") {
                (rest.into(), vec![&mut parsed.resume])
            } else if let Some(rest) = arg.strip_prefix("-on-retry") {
                (rest.into(), vec![&mut retry])
            } else {
                (arg.clone(), vec![&mut parsed.initial, &mut parsed.resume])
            };
        let Some(&(_, arity, set)) = FLAGS.iter().find(|(n, _, _)| *n == name) else {
            return Err(ParseError::Unimplemented(format!("unknown flag {arg}")));
        };
        let value = match arity {
            Switch => "",
            Value => args
                .next()
                .ok_or_else(|| ParseError::Invalid(format!("{arg} needs a value")))?,
        };
        for o in targets {
            set(o, value)?;
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefixes_pick_the_connection() {
        let p = parse(&args(&[
            "-port",
            "1234",
            "-on-resume-expect-session-miss",
            "-on-initial-expect-alpn",
            "foo",
        ]))
        .unwrap();
        assert_eq!((p.initial.port, p.resume.port), (1234, 1234));
        assert!(!p.initial.expect_session_miss && p.resume.expect_session_miss);
        assert_eq!(p.initial.expect_alpn.as_deref(), Some("foo"));
        assert_eq!(p.resume.expect_alpn, None);
    }

    #[test]
    fn unknown_flags_are_unimplemented() {
        for list in [
            &["-dtls"][..],
            &["-on-resume-enable-early-data"],
            &["-port"],
        ] {
            let e = parse(&args(list)).unwrap_err();
            match (list, e) {
                (["-port"], ParseError::Invalid(_)) => {}
                (_, ParseError::Unimplemented(_)) => {}
                (l, e) => panic!("{l:?}: {e:?}"),
            }
        }
    }
}
