//! See `bodies::client` in fuzz/src/bodies.rs (shared with tests/fuzz_corpus.rs).
#![no_main]

#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::client(data));
