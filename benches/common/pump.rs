//! Moving bytes between an in-memory sanstls client and server: shared by
//! these benches and, through a `#[path]` module, by the OpenSSL ones in
//! `benches/openssl`, a separate project that cannot depend on this one.

/// Moves each side's output to the other until neither has any.
pub fn sanstls_pump(
    client: &mut sanstls::Connection,
    server: &mut sanstls::Connection,
    wire: &mut Vec<u8>,
) {
    while deliver(client, server, wire) | deliver(server, client, wire) {}
}

/// Moves `from`'s output into `to`; returns whether there was any.
pub fn deliver(
    from: &mut sanstls::Connection,
    to: &mut sanstls::Connection,
    wire: &mut Vec<u8>,
) -> bool {
    wire.clear();
    if from.poll_output(wire) == 0 {
        return false;
    }
    let mut start = 0;
    while start < wire.len() {
        let input = to.handle_input(&mut wire[start..]).unwrap();
        if input.consumed == 0 {
            break;
        }
        start += input.consumed;
    }
    true
}
