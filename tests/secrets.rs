//! The secrets audit of SECURITY.md, as far as the type system can check it:
//! every public type or signature that carries key material wipes it on drop.
//!
//! That Finished verify_data is compared in constant time is not something a
//! test can observe (it sees results, not timing); what it can see, that a
//! Finished differing in any single byte is refused with decrypt_error, is
//! checked through real connections in tests/malformed.rs
//! (`finished_differing_in_any_single_byte_is_refused`).

use sanstls::internals::crypto::key_schedule::{DirectionKeys, KeyBlock, MasterSecret};
use sanstls::internals::crypto::kx::{KeyExchange, PreMasterSecret};
use sanstls::internals::StoredSession;
use sanstls::pki_types::UnixTime;
use sanstls::resumption::store::{ClientSessionStore, ServerSessionStore};
use sanstls::resumption::ticketer::{TicketProducer, Ticketer};
use sanstls::secrets::{ConnectionTrafficSecrets, ExtractedSecrets};
use sanstls::{Connection, Error};
use zeroize::{ZeroizeOnDrop, Zeroizing};

fn assert_zod<T: ZeroizeOnDrop + ?Sized>() {}

#[test]
fn key_material_types_are_wiped_on_drop() {
    // The master secret (also inside the traffic state and StoredSession).
    assert_zod::<MasterSecret>();
    // The key block: both directions' keys and IVs.
    assert_zod::<KeyBlock>();
    // One direction's key and IV, from the key block until ChangeCipherSpec.
    assert_zod::<DirectionKeys>();
    // The ECDHE shared secret, from agreement until the master is derived.
    assert_zod::<PreMasterSecret>();
    let _: fn(KeyExchange, &[u8]) -> Result<PreMasterSecret, Error> = KeyExchange::complete;
    // What the session encodings and ticket plaintexts travel in.
    assert_zod::<Zeroizing<Vec<u8>>>();
    // Traffic keys handed out by Connection::dangerous_extract_secrets
    // (ExtractedSecrets is two of these and two sequence numbers).
    assert_zod::<ConnectionTrafficSecrets>();
    let _: fn(Connection) -> Result<ExtractedSecrets, Error> =
        Connection::dangerous_extract_secrets;
}

#[test]
fn session_encodings_travel_in_wiped_buffers() {
    // Fixing these signatures makes a change to a plain Vec a compile error.
    let _: fn(&StoredSession) -> Zeroizing<Vec<u8>> = StoredSession::encode_secret;
    type Opened = Option<Zeroizing<Vec<u8>>>;
    let _: fn(&Ticketer, &[u8], UnixTime) -> Opened = <Ticketer as TicketProducer>::decrypt;
    fn server_get(s: &dyn ServerSessionStore, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        s.get(id)
    }
    fn client_get(s: &dyn ClientSessionStore, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        s.get(name)
    }
    let _ = (server_get, client_get);
}
