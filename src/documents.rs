// The documents the README links to, as pages of the API docs: on docs.rs a
// relative link to SECURITY.md leads nowhere, so the crate docs define the
// README's link labels as these modules instead (see src/lib.rs and
// tests/readme_links.rs). The license texts are plain text, shown verbatim.
// The Markdown files are doc comments here: a code block in them needs a
// fence with a language (```sh), or rustdoc runs it as a Rust doc test.

//! The repository's documents beside the README, to read with the API
//! documentation: the security notes, the benchmark figures and the license.
//! These modules hold no code.

/// SECURITY.md: how to report a vulnerability, the threat model, what is and
/// is not defended, and the audit of secrets.
///
#[doc = include_str!("../SECURITY.md")]
pub mod security {}

/// BENCHMARKS.md: sanstls beside rustls and OpenSSL, how each figure is
/// measured, and the figures.
///
#[doc = include_str!("../BENCHMARKS.md")]
pub mod benchmarks {}

/// LICENSE: either of the [Apache License, Version 2.0][apache] or the
/// [MIT license][mit], at your option.
///
/// [apache]: crate::documents::license::apache
/// [mit]: crate::documents::license::mit
///
#[doc = include_str!("../LICENSE")]
pub mod license {
    #[doc = concat!(
        "LICENSE-APACHE: the Apache License, Version 2.0.\n\n```text\n",
        include_str!("../LICENSE-APACHE"),
        "```"
    )]
    pub mod apache {}

    #[doc = concat!(
        "LICENSE-MIT: the MIT license.\n\n```text\n",
        include_str!("../LICENSE-MIT"),
        "```"
    )]
    pub mod mit {}
}
