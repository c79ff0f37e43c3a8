//! Every handshake message decoder: arbitrary bytes must decode or fail
//! with an error, never panic; whatever decodes must re-encode and decode
//! to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sanstls::handshake::HandshakeMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = HandshakeMessage::read(data) {
        let again = HandshakeMessage::read(&msg.to_bytes()).expect("re-encoding decodes");
        assert_eq!(again.to_bytes(), msg.to_bytes());
    }
});
